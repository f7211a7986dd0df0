"""Territory commands: import-areas."""
