"""Signals the threat map sends so reader wings (analytics) follow it without reports importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that re-applied a category's public rules (kwargs: category_id),
# so receivers that keep derived data exact (the statistics summaries) commit or roll back with it.
category_rules_changed = Signal()
