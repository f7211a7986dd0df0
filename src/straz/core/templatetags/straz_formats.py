"""The page language's date formats (ADR 0035), for scripts that format dates themselves."""

from __future__ import annotations

from django import template
from django.utils.formats import get_format

register = template.Library()

# The named formats of `straz.core.formats` that scripts may ask for.
SCRIPT_FORMATS = ("DATE_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT")


@register.simple_tag
def format_of(name: str) -> str:
    """The active language's Django date format string called `name`."""
    if name not in SCRIPT_FORMATS:
        raise template.TemplateSyntaxError(f"unknown format {name!r}")
    return str(get_format(name))
