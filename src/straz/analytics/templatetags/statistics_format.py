"""Number formats of the statistics page (percent, hours), localised by Django's formats."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.4235 → '42.4 %' (with the locale's decimal mark); '—' when unknown."""
    if value is None:
        return "—"
    return f"{number_format(value * 100, 1)} %"


@register.filter
def hours(seconds: float | None) -> str:
    """Seconds as hours with one decimal; '—' when unknown."""
    if seconds is None:
        return "—"
    return number_format(seconds / 3600, 1)


@register.filter
def decimal(value: float | None) -> str:
    """A number with one decimal; '—' when unknown."""
    if value is None:
        return "—"
    return number_format(value, 1, force_grouping=True)


@register.filter
def status_count(row: object, status: str) -> int:
    """A row's count of one status."""
    return int(getattr(row, "by_status", {}).get(status, 0))


@register.filter
def grouped(value: int | None) -> str:
    """A count with the locale's thousands separator."""
    if value is None:
        return "—"
    return number_format(value, force_grouping=True)
