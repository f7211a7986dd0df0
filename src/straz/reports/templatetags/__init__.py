"""Template tags of the threat map."""
