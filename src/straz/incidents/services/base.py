"""What every incident use case shares: the story clock, checked inputs, locks, timeline and audit."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point

from straz.accounts import audit
from straz.accounts.models import User
from straz.accounts.people import person_label
from straz.core.errors import Conflict, NotFound, ValidationFailed
from straz.geo.geojson import GeoError, GeoJSONError, normalise_winding, parse_geometry, to_geojson
from straz.incidents.choices import IncidentState
from straz.incidents.models import Incident, IncidentEvent, TimelineEntry
from straz.incidents.policy import (
    require_incident_writer,
)
from straz.territory.services import describe_geo_error

# ---------------------------------------------------------------- helpers

TEXT_MAX_CHARS = 4000
NAME_MAX_CHARS = 150

# The time the services stamp on what they record. Only the demo data set tells a story with
# times of its own (recorded_at); the audit log always keeps the real time of each write.
_STORY_TIME: ContextVar[datetime | None] = ContextVar("incident_story_time", default=None)


def _now() -> datetime:
    return _STORY_TIME.get() or timezone.now()


@contextmanager
def recorded_at(at: datetime) -> Iterator[None]:
    """Stamp the incident changes made inside with `at` (demo history); not for live use."""
    if timezone.is_naive(at):
        raise ValueError("recorded_at needs an aware datetime")
    token = _STORY_TIME.set(at)
    try:
        yield
    finally:
        _STORY_TIME.reset(token)


@contextmanager
def _writing(user: User, incident_id: int, *, open_only: bool = True) -> Iterator[Incident]:
    """The audited transaction of a change to one incident: locked, permitted, (open)."""
    with audit.audited_transaction():
        incident = _locked_incident(incident_id)
        # Checked under the row lock: a handover in between cannot leave the old commander writing.
        require_incident_writer(user, incident)
        if open_only:
            _require_open(incident)
        yield incident


def _text(value: str | None, *, label: str, max_chars: int = TEXT_MAX_CHARS, required: bool = False) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise ValidationFailed(_("The %(field)s contains a forbidden character.") % {"field": label})
    if len(text) > max_chars:
        raise ValidationFailed(
            _("The %(field)s may have at most %(max)s characters.") % {"field": label, "max": max_chars}
        )
    if required and not text:
        raise ValidationFailed(_("The %(field)s must not be empty.") % {"field": label})
    return text


def _point(lat: float | None, lon: float | None) -> tuple[float, float]:
    for v in (lat, lon):
        if v is None or isinstance(v, bool) or not math.isfinite(float(v)):
            raise ValidationFailed(_("The location must be a point with latitude and longitude."))
    assert lat is not None and lon is not None
    if not -90 <= lat <= 90:
        raise ValidationFailed(_("The latitude must be between -90 and 90 degrees."))
    if not -180 <= lon <= 180:
        raise ValidationFailed(_("The longitude must be between -180 and 180 degrees."))
    return float(lat), float(lon)


def _polygon(value: Any, *, label: str) -> tuple[dict[str, Any], Any]:
    """Validate a GeoJSON Polygon/MultiPolygon; (normalised GeoJSON, shapely geometry)."""

    try:
        geom = normalise_winding(parse_geometry(value))
    except GeoJSONError as exc:
        first = exc.errors[0]
        reason = describe_geo_error(GeoError(first.code, None, first.params))
        raise ValidationFailed(
            _("The %(field)s is not a valid polygon: %(reason)s.") % {"field": label, "reason": reason}
        ) from None
    return to_geojson(geom), geom


def _point_geometry(value: Any, *, label: str) -> tuple[dict[str, Any], Any]:
    """Validate a GeoJSON Point; (GeoJSON, shapely point)."""

    if not isinstance(value, dict) or value.get("type") != "Point":
        found = value.get("type") if isinstance(value, dict) else type(value).__name__
        raise ValidationFailed(
            _("The %(field)s must be a GeoJSON Point (found %(found)s).")
            % {"field": label, "found": str(found)[:40]}
        )
    coords = value.get("coordinates")
    if (
        not isinstance(coords, list)
        or len(coords) != 2
        or any(isinstance(c, bool) or not isinstance(c, int | float) for c in coords)
    ):
        raise ValidationFailed(
            _("The %(field)s must have coordinates [longitude, latitude].") % {"field": label}
        )
    lon, lat = coords
    lat_f, lon_f = _point(lat, lon)
    return {"type": "Point", "coordinates": [lon_f, lat_f]}, Point(lon_f, lat_f)


def _plain(value: Any) -> Any:
    """Round-trip through JSON so stored data is exactly what a reader gets back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def _label(user: User | None) -> str:
    """How the record names who acted: rank, name, function and organisation (accounts.people)."""
    return person_label(user)[:150] if user is not None else "system"


def _timeline(
    *,
    incident: Incident | None,
    kind: str,
    user: User | None,
    at: datetime,
    text: str = "",
    message: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    letter: str = "",
    event: IncidentEvent | None = None,
) -> TimelineEntry:
    """A timeline line: `message` (entries.message) is the automatic part, rendered when read;
    `text` only what a person typed."""
    return TimelineEntry.objects.create(
        incident=incident,
        event=event,
        at=at,
        kind=kind,
        letter=letter,
        code=message["code"] if message else "",
        params=_plain(message["params"]) if message else {},
        text=text,
        data=_plain(data or {}),
        author=user,
        author_label=_label(user),
    )


def _audit(incident: Incident, *, user: User, action: str, before: Any = None, after: Any = None) -> None:
    audit.record(
        action=action, object_type="incident", object_id=incident.pk, actor=user, before=before, after=after
    )


def _record(
    incident: Incident,
    *,
    user: User,
    at: datetime,
    action: str,
    kind: str,
    message: dict[str, Any] | None = None,
    text: str = "",
    data: dict[str, Any] | None = None,
    letter: str = "",
    before: Any = None,
    after: Any = None,
) -> TimelineEntry:
    """One change to an incident: its timeline line and its audit entry (in the caller's transaction)."""
    entry = _timeline(
        incident=incident, kind=kind, letter=letter, user=user, at=at, message=message, text=text, data=data
    )
    _audit(incident, user=user, action=action, before=before, after=after)
    return entry


def _locked_incident(incident_id: int) -> Incident:
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(_("Incident not found."))
    return incident


def _touch_event(event: IncidentEvent, now: datetime, fields: Iterable[str] = ()) -> None:
    event.updated_at = now
    event.save(update_fields=["updated_at", *fields])


def _audit_event(event: IncidentEvent, *, user: User, action: str, before: Any = None, after: Any = None) -> None:
    audit.record(action=action, object_type="event", object_id=event.pk, actor=user, before=before, after=after)


def _locked_event(event_id: int) -> IncidentEvent:
    event = IncidentEvent.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("Event not found."))
    return event


def _require_open(incident: Incident) -> None:
    if incident.state == IncidentState.CLOSED:
        raise Conflict(_("The incident is closed; it can no longer be changed."))


def _touch(incident: Incident, now: datetime, fields: Iterable[str] = ()) -> None:
    incident.updated_at = now
    incident.save(update_fields=["updated_at", *fields])


def _choice(value: str, choices: Any, *, label: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            _("Unknown %(field)s “%(value)s”. Valid values: %(valid)s.")
            % {"field": label, "value": str(value)[:40], "valid": ", ".join(choices.values)}
        )
    return str(value)
