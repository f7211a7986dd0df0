"""The threat map read by analytics: exact summaries, statistics queries, downloads."""
