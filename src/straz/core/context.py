"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def straz_context(request: HttpRequest) -> dict[str, Any]:
    """Map settings and the emergency number, available to every template."""
    return {
        "STRAZ_TILE_URL": settings.STRAZ["TILE_URL"],
        "STRAZ_TILE_ATTRIBUTION": settings.STRAZ["TILE_ATTRIBUTION"],
        "STRAZ_MAP_CENTER": settings.STRAZ["MAP_CENTER"],
        "STRAZ_MAP_ZOOM": settings.STRAZ["MAP_ZOOM"],
        "EMERGENCY_NUMBER": "112",
    }
