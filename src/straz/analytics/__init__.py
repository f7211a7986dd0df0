"""The one reader wing: statistics and downloads of the threat map (threatmap/) and of IZS incidents (izs/)."""
