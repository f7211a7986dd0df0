"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from straz.core.config import straz_settings


def straz_context(request: HttpRequest) -> dict[str, Any]:
    """Map settings and the emergency number, available to every template."""
    return {
        "STRAZ_TILE_URL": straz_settings().tile_url,
        "STRAZ_TILE_ATTRIBUTION": straz_settings().tile_attribution,
        "STRAZ_MAP_CENTER": straz_settings().map_center,
        "STRAZ_MAP_ZOOM": straz_settings().map_zoom,
        "EMERGENCY_NUMBER": "112",
    }
