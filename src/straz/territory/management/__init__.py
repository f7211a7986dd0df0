"""Management commands of territory."""
