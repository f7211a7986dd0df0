"""Notifications out of Straz: the outbox, a sender per channel, delivery with retries, and who is told."""
