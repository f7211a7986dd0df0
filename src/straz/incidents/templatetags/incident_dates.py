"""Dates of the operations pages that must read the same on every page (ADR 0035)."""

from __future__ import annotations

from datetime import datetime

from django import template

from straz.incidents.reporting import deadline_text

register = template.Library()


@register.filter
def deadline(due_at: datetime | None) -> str:
    """A §16 report deadline as the report, the incident page and the board show it."""
    return deadline_text(due_at)
