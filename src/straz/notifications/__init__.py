"""Telling people: the outbox, a sender registry per channel, delivery with retries, contacts."""
