"""What the operations pages share: who may see them, colours, the map's settings, labels and ages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from straz.core.config import straz_settings
from straz.incidents import policy
from straz.incidents.choices import (
    AlarmLevelValue,
    SiteFeatureKind,
)
from straz.incidents.models import Incident

# Alarm-level colours of the board and the maps (I → special: green, amber, orange, red).
LEVEL_COLORS = {"I": "#2f7d32", "II": "#a87700", "III": "#d9480f", "special": "#a1001c", "": "#5b6570"}


# The incident page shows the newest entries; the full record is in the §16(4) report and the API.
TIMELINE_LIMIT = 500


# Zone colours on the incident map, by §5 kind; posts are drawn as circle markers.
FEATURE_COLORS = {
    SiteFeatureKind.OUTER_ZONE: "#5b6570",
    SiteFeatureKind.DANGER_ZONE: "#c62828",
    SiteFeatureKind.STAGING_AREA: "#1565c0",
    SiteFeatureKind.REAR_AREA: "#6a4c93",
    SiteFeatureKind.DECONTAMINATION_AREA: "#00838f",
    SiteFeatureKind.MEDICAL_AREA: "#2e7d32",
    SiteFeatureKind.EVACUEE_ASSEMBLY: "#ef6c00",
    SiteFeatureKind.ANIMAL_AREA: "#8d6e63",
    SiteFeatureKind.VICTIMS_AREA: "#37474f",
    SiteFeatureKind.EXPECTED_SPREAD: "#f9a825",
    SiteFeatureKind.SECTOR: "#283593",
    SiteFeatureKind.SECTION: "#5c6bc0",
}


POST_COLOR = "#12355b"


def js_strings() -> dict[str, str]:
    """Strings the operations scripts show, translated on the server."""
    keys = {
        "Map": _("Map"),
        "The base map is not available; districts and reports are still shown.": _(
            "The base map is not available; the incidents and zones are still shown."
        ),
        "Use two fingers to move the map.": _("Use two fingers to move the map."),
        "Open the incident": _("Open the incident"),
        "Create an incident here": _("Create an incident here"),
        "Place of the incident": _("Place of the incident"),
        "Point set: %(lat)s, %(lon)s": _("Point set: %(lat)s, %(lon)s"),
        "Click the map to set the place of the incident.": _("Click the map to set the place of the incident."),
        "Click the map to add vertices; finish with Enter or the Finish button.": _(
            "Click the map to add vertices; finish with Enter or the Finish button."
        ),
        "Click the map to place the post.": _("Click the map to place the post."),
        "Vertices: %(count)s": _("Vertices: %(count)s"),
        "A zone needs at least 3 vertices.": _("A zone needs at least 3 vertices."),
        "Shape ready; check the form and save it.": _("Shape ready; check the form and save it."),
        "Drawing cancelled.": _("Drawing cancelled."),
        "Drag the vertices, click the map to add one; finish with Enter or the Finish button.": _(
            "Drag the vertices, click the map to add one; finish with Enter or the Finish button."
        ),
        "Updated %(time)s": _("Updated %(time)s"),
        "The board could not be refreshed; retrying.": _("The board could not be refreshed; retrying."),
        "Lower than proposed: a written reason is required.": _(
            "Lower than proposed: a written reason is required."
        ),
    }
    return keys


def _require_viewer(request: HttpRequest) -> None:
    if not policy.can_view_incidents(request.user):
        raise PermissionDenied(_("You may not see the operations board."))


def can_write(user: Any, incident: Incident) -> bool:
    """Whether the page offers the write forms (the service checks again on every write)."""
    return policy.can_write_incident(user, incident)


def _map_config(**extra: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "tileUrl": straz_settings().tile_url,
        "tileAttribution": straz_settings().tile_attribution,
        "center": list(straz_settings().map_center),
        "zoom": straz_settings().map_zoom,
        "levelColors": LEVEL_COLORS,
    }
    cfg.update(extra)
    return cfg


def _age(seconds: float) -> str:
    """A compact age for the board: 4 min, 2 h 05 min, 3 d 4 h."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(hours)s h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}


def _level_label(level: str) -> str:
    return str(dict(AlarmLevelValue.choices).get(level, _("not declared")))


def _optional_url(name: str, *args: Any) -> str | None:
    # Pages of the other slices (report, statistics) may not exist yet on every branch.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None
