"""Notifications out of Straz: the outbox and its delivery (later also CAP population warnings)."""
