"""Start-up checks of the threat map's settings."""

from __future__ import annotations

from typing import Any

from django.core import checks


def category_catalogue_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """STRAZ_CATEGORY_CATALOGUE must name a shipped catalogue."""
    from straz.reports.models import CATALOGUE_ALIASES, CATALOGUES, offered_catalogue

    value = offered_catalogue()
    if value in CATALOGUES:
        return []
    allowed = ", ".join([*CATALOGUES, *CATALOGUE_ALIASES])
    return [
        checks.Error(
            f"STRAZ_CATEGORY_CATALOGUE is {value!r}; use one of {allowed}.",
            id="straz.reports.E001",
        )
    ]
