"""The operations board: every open incident in one table, polled every few seconds (§16(2) strip included)."""
