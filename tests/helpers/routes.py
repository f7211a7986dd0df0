"""Every URL route of the product, from Django's resolver, and a classification of them.

Cross-cutting tests (privacy scan, staff scope) walk the resolver so that a route added
later cannot slip past them: a route that is in none of the lists below fails those
tests until someone decides whether it is public (and how to fetch it) or staff-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    """One URL pattern as a route string (e.g. 'r/<int:report_id>/') and its name."""

    route: str
    name: str | None


def _walk(patterns: list[object], prefix: str = "") -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield Route(prefix + str(p.pattern), p.name)


def all_routes() -> list[Route]:
    """All routes of the root URLconf, in resolver order."""
    return list(_walk(get_resolver().url_patterns))


# Route patterns (regular expressions over the route string, full match) that are not
# pages or data at all, with why they are left out of the scans.
NOT_SCANNED = {
    r"admin/.*": "Django admin: staff with is_staff only; probed anonymously in test_scope",
    r"i18n/setlang/": "POST-only language switch, no data",
    r"logout/": "POST-only, no data",
    r"static/.*": "static files",
    r"media/.*": "uploads are never served by URL; probed in test_privacy",
}

# Routes only staff may use. test_scope checks that anonymous visitors are refused on each.
STAFF_ONLY = [
    r"staff/",
    r"staff/.+",
    r"api/v1/staff.*",
    r"api/v1/reports/<int:report_id>/(transition|transitions|notes|read|assign|attachments).*",
    r"api/v1/reports/<report_id>/(transition|transitions|notes|read|assign|attachments).*",
    r"api/v1/incidents.*",
    r"operations/.*",
    # Soft targets (issue 10): everything but the registry's list and one target, which
    # answer the public with the public projection only (scanned in test_privacy).
    r"api/v1/softtargets/(<int:target_id>/.+|scales|geojson|measures/.+)",
]


def matches(route: str, patterns: list[str] | dict[str, str]) -> bool:
    """True when a route string fully matches one of the patterns."""
    return any(re.fullmatch(p, route) for p in patterns)
