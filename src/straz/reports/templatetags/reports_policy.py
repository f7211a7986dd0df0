"""Template filters of the threat map's policy (e.g. whether the menu shows the report queue)."""

from __future__ import annotations

from typing import Any

from django import template

from straz.reports import policy

register = template.Library()


@register.filter
def reads_reports(user: Any) -> bool:
    """True when the user may read citizens' threat reports (reports.policy)."""
    return policy.reads_reports(user)
