"""Use cases of a joint intervention: each one checks, writes, audits and records the timeline
in one transaction."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import Role, User
from straz.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from straz.incidents.models import (
    LEVEL_RANK,
    OPEN_STATES,
    POINT_FEATURES,
    RANK_LEVEL,
    STATE_TRANSITIONS,
    THREATENED_VALUES,
    AlarmDeclaration,
    CallRecord,
    CommandAssignment,
    CommandStart,
    ComponentDeployment,
    ComponentKind,
    ComponentsInvolved,
    CoordinationLevel,
    Incident,
    IncidentEvent,
    IncidentState,
    IncidentType,
    SiteCoordination,
    SiteFeature,
    SiteFeatureKind,
    SiteMessageLetter,
    TimelineEntry,
    TimelineKind,
)

# Roles that run joint interventions (OPIS dispatchers and administrators): every incident.
INCIDENT_WRITER_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})
# Incident commanders write only to the incidents they currently command (ADR 0014).
COMMANDER_ROLES = frozenset({Role.COMMANDER})
TEXT_MAX_CHARS = 4000
NAME_MAX_CHARS = 150
TAKEOVER_DECLARATION = "Přebírám velení"  # §3(7): the words the new commander says


# ---------------------------------------------------------------- helpers

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


def can_run_incidents(user: User | Any) -> bool:
    """True when the user may change incidents (dispatcher, admin, superuser)."""
    return bool(
        user is not None
        and getattr(user, "is_active", False)
        and (getattr(user, "is_superuser", False) or getattr(user, "role", None) in INCIDENT_WRITER_ROLES)
    )


def _is_commander(user: User | Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_active", False)
        and getattr(user, "role", None) in COMMANDER_ROLES
    )


def can_write_incident(user: User | Any, incident: Incident) -> bool:
    """True when the user may change this incident: the OPIS and admins always, a commander
    only while they are its current commander."""
    if can_run_incidents(user):
        return True
    if not _is_commander(user) or incident.current_command_id is None:
        return False
    command = incident.current_command
    return command is not None and command.commander_user_id == user.pk


def require_operations_centre(user: User | Any) -> None:
    """Refuse (403) anyone but the operations centre (dispatcher) and administrators."""
    if not can_run_incidents(user):
        raise Forbidden(_("Only the operations centre (dispatcher) or an administrator can do this."))


# The name other modules of the app already call.
_require_writer = require_operations_centre


def _incident_refusal() -> Forbidden:
    return Forbidden(
        _(
            "Only the operations centre (dispatcher), an administrator or the current "
            "commander of this incident can do this."
        )
    )


def _require_incident_role(user: User) -> None:
    # Early refusal for roles that may never write to any incident, before any validation.
    if not (can_run_incidents(user) or _is_commander(user)):
        raise _incident_refusal()


def _require_incident_writer(user: User, incident: Incident) -> None:
    if not can_write_incident(user, incident):
        raise _incident_refusal()


@contextmanager
def _writing(user: User, incident_id: int, *, open_only: bool = True) -> Iterator[Incident]:
    """The audited transaction of a change to one incident: locked, permitted, (open)."""
    with audit.audited_transaction():
        incident = _locked_incident(incident_id)
        # Checked under the row lock: a handover in between cannot leave the old commander writing.
        _require_incident_writer(user, incident)
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
    from straz.geo.geojson import (
        GeoError,
        GeoJSONError,
        normalise_winding,
        parse_geometry,
        to_geojson,
    )
    from straz.territory.services import describe_geo_error

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
    from shapely.geometry import Point

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
    return audit.actor_label_for(user, fallback="system")


def _timeline(
    *,
    incident: Incident | None,
    kind: str,
    user: User | None,
    at: datetime,
    text: str = "",
    data: dict[str, Any] | None = None,
    letter: str = "",
    event: IncidentEvent | None = None,
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        incident=incident,
        event=event,
        at=at,
        kind=kind,
        letter=letter,
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
    text: str,
    data: dict[str, Any] | None = None,
    letter: str = "",
    before: Any = None,
    after: Any = None,
) -> TimelineEntry:
    """One change to an incident: its timeline line and its audit entry (in the caller's transaction)."""
    entry = _timeline(incident=incident, kind=kind, letter=letter, user=user, at=at, text=text, data=data)
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


# ---------------------------------------------------------------- incidents


def _facts_fields(
    persons_threatened: int | None,
    area_m2: float | None,
    complicated_objects: int,
    threatened: Sequence[str],
    components: str,
    coordination: str,
) -> dict[str, Any]:
    if persons_threatened is not None and (isinstance(persons_threatened, bool) or persons_threatened < 0):
        raise ValidationFailed(_("The number of persons threatened cannot be negative."))
    if area_m2 is not None and (not math.isfinite(area_m2) or area_m2 < 0):
        raise ValidationFailed(_("The threatened area cannot be negative."))
    if complicated_objects < 0:
        raise ValidationFailed(_("The number of objects cannot be negative."))
    unknown = [t for t in threatened if t not in THREATENED_VALUES]
    if unknown:
        raise ValidationFailed(
            _("Unknown threatened item “%(value)s”.") % {"value": str(unknown[0])[:60]}
        )
    return {
        "persons_threatened": persons_threatened,
        "area_m2": area_m2,
        "complicated_objects": complicated_objects,
        "threatened": sorted(set(threatened)),
        "components": _choice(components, ComponentsInvolved, label=_("components")),
        "site_coordination": _choice(coordination, SiteCoordination, label=_("coordination")),
    }


def _snapshot(incident: Incident) -> dict[str, Any]:
    return {
        "type": incident.type_id,
        "title": incident.title,
        "lat": incident.lat,
        "lon": incident.lon,
        "state": incident.state,
        "alarm_level": incident.alarm_level,
        "coordination_level": incident.coordination_level,
        "event": incident.event_id,
        "priority": incident.priority,
        "rescue_started_at": incident.rescue_started_at,
        "rescue_ended_at": incident.rescue_ended_at,
        **incident.facts_dict(),
    }


def create_incident(
    *,
    user: User,
    type_code: str,
    title: str,
    lat: float,
    lon: float,
    description: str = "",
    affected_area: dict[str, Any] | None = None,
    persons_threatened: int | None = None,
    area_m2: float | None = None,
    complicated_objects: int = 0,
    threatened: Sequence[str] = (),
    components: str = ComponentsInvolved.BASIC_UNCOORDINATED,
    coordination: str = SiteCoordination.NONE,
    coordination_level: str = CoordinationLevel.TACTICAL,
    region_code: str = "",
    orp_code: str = "",
) -> Incident:
    """Record a new incident (state reported) with its facts and optional affected area."""
    _require_writer(user)
    lat_f, lon_f = _point(lat, lon)
    title_t = _text(title, label=_("title"), max_chars=200, required=True)
    desc = _text(description, label=_("description"))
    facts = _facts_fields(persons_threatened, area_m2, complicated_objects, threatened, components, coordination)
    level = _choice(coordination_level, CoordinationLevel, label=_("coordination level"))
    area = _polygon(affected_area, label=_("affected area"))[0] if affected_area is not None else None
    region = _text(region_code, label=_("region code"), max_chars=20)
    orp = _text(orp_code, label=_("ORP code"), max_chars=20)
    now = _now()
    with audit.audited_transaction():
        itype = IncidentType.objects.filter(code=str(type_code)[:60], is_active=True).first()
        if itype is None:
            raise ValidationFailed(
                _("Unknown incident type “%(code)s”.") % {"code": str(type_code)[:60]}
            )
        incident = Incident.objects.create(
            type=itype,
            title=title_t,
            description=desc,
            lat=lat_f,
            lon=lon_f,
            affected_area=area,
            coordination_level=level,
            region_code=region,
            orp_code=orp,
            created_at=now,
            updated_at=now,
            created_by=user,
            **facts,
        )
        _record(
            incident,
            user=user,
            at=now,
            action="incident.created",
            kind=TimelineKind.STATE,
            text=_("Incident recorded."),
            data={"state": incident.state, "type": itype.code},
            after=_snapshot(incident),
        )
    return incident


def update_incident_facts(
    *,
    user: User,
    incident_id: int,
    persons_threatened: int | None,
    area_m2: float | None,
    complicated_objects: int = 0,
    threatened: Sequence[str] = (),
    components: str = ComponentsInvolved.BASIC_UNCOORDINATED,
    coordination: str = SiteCoordination.NONE,
) -> Incident:
    """Refine what the incident threatens (the facts the alarm-level proposal reads)."""
    _require_incident_role(user)
    facts = _facts_fields(persons_threatened, area_m2, complicated_objects, threatened, components, coordination)
    now = _now()
    with _writing(user, incident_id) as incident:
        before = incident.facts_dict()
        for name, value in facts.items():
            setattr(incident, name, value)
        _touch(incident, now, facts.keys())
        _record(
            incident,
            user=user,
            at=now,
            action="incident.facts_updated",
            kind=TimelineKind.LOG,
            text=_("Facts of the incident updated."),
            data={"before": before, "after": incident.facts_dict()},
            before=before,
            after=incident.facts_dict(),
        )
    return incident


def change_affected_area(*, user: User, incident_id: int, affected_area: dict[str, Any] | None) -> Incident:
    """Redraw the affected area of an open incident, or clear it (None)."""
    _require_incident_role(user)
    area = _polygon(affected_area, label=_("affected area"))[0] if affected_area is not None else None
    now = _now()
    with _writing(user, incident_id) as incident:
        before = incident.affected_area
        if _plain(before) == _plain(area):
            raise Conflict(_("The affected area is already like this; nothing was changed."))
        incident.affected_area = area
        _touch(incident, now, ["affected_area"])
        if area is None:
            text = _("Affected area cleared.")
        elif before is None:
            text = _("Affected area drawn.")
        else:
            text = _("Affected area redrawn.")
        _record(
            incident,
            user=user,
            at=now,
            action="incident.affected_area_changed",
            kind=TimelineKind.ZONE,
            text=text,
            data={"before": before, "after": area},
            before={"affected_area": before},
            after={"affected_area": area},
        )
    return incident


def change_coordination_level(*, user: User, incident_id: int, coordination_level: str) -> Incident:
    """Move the coordination of an open incident to the tactical, operational or strategic level (§2)."""
    _require_incident_role(user)
    level = _choice(str(coordination_level), CoordinationLevel, label=_("coordination level"))
    now = _now()
    with _writing(user, incident_id) as incident:
        before = incident.coordination_level
        if before == level:
            raise Conflict(_("The coordination level is already this one; nothing was changed."))
        incident.coordination_level = level
        _touch(incident, now, ["coordination_level"])
        labels = dict(CoordinationLevel.choices)
        _record(
            incident,
            user=user,
            at=now,
            action="incident.coordination_level_changed",
            kind=TimelineKind.COMMAND,
            text=_("Coordination level: %(before)s → %(after)s.")
            % {"before": labels.get(before, before), "after": labels[level]},
            data={"from": before, "to": level},
            before={"coordination_level": before},
            after={"coordination_level": level},
        )
    return incident


STATE_LABELS = dict(IncidentState.choices)


def change_state(*, user: User, incident_id: int, target: str, note: str = "") -> Incident:
    """Move an incident along reported → in progress → liquidation → closed (legal steps only)."""
    _require_incident_role(user)
    goal = _choice(str(target), IncidentState, label=_("state"))
    note_t = _text(note, label=_("note"))
    now = _now()
    with _writing(user, incident_id, open_only=False) as incident:
        current = incident.state
        if goal not in STATE_TRANSITIONS[current]:
            allowed = ", ".join(str(STATE_LABELS[s]) for s in STATE_TRANSITIONS[current]) or _(
                "none (final state)"
            )
            raise Conflict(
                _(
                    "An incident in state “%(current)s” cannot move to “%(target)s”. "
                    "Allowed next steps: %(allowed)s."
                )
                % {"current": STATE_LABELS[current], "target": STATE_LABELS[goal], "allowed": allowed}
            )
        before = _snapshot(incident)
        incident.state = goal
        fields = ["state"]
        # §6 b): start and end of rescue work are part of the record.
        if goal == IncidentState.IN_PROGRESS and incident.rescue_started_at is None:
            incident.rescue_started_at = now
            fields.append("rescue_started_at")
        if goal == IncidentState.CLOSED:
            if incident.rescue_started_at is None:
                incident.rescue_started_at = now
                fields.append("rescue_started_at")
            incident.rescue_ended_at = now
            fields.append("rescue_ended_at")
        _touch(incident, now, fields)
        _record(
            incident,
            user=user,
            at=now,
            action="incident.state_changed",
            kind=TimelineKind.STATE,
            text=note_t or str(STATE_LABELS[goal]),
            data={"from": current, "to": goal},
            before=before,
            after={**_snapshot(incident), "note": note_t},
        )
    return incident


# ---------------------------------------------------------------- alarm levels


def individual_persons_max() -> int:
    """The documented boundary of "individual persons" (§21 a), from settings."""
    from straz.incidents.alarm_text import individual_persons_max as configured

    return configured()


@dataclass(frozen=True)
class ProposalSnapshot:
    """A proposal turned into plain values: the level string and its reasons."""

    level: str
    reasons: list[dict[str, Any]]


def _reason_dict(reason: Any) -> dict[str, Any]:
    from straz.incidents.alarm_text import reason_text

    return {
        "rule": str(reason.rule),
        "code": str(reason.code),
        "params": _plain(dict(reason.params)),
        "text": str(reason_text(reason)),
    }


def propose_for_facts(facts: dict[str, Any]) -> ProposalSnapshot:
    """Run the pure rule (rules.propose_alarm_level) over an incident's facts."""
    from straz.incidents.rules import IncidentFacts, propose_alarm_level

    proposal = propose_alarm_level(
        IncidentFacts(
            persons_threatened=facts["persons_threatened"],
            area_m2=facts["area_m2"],
            complicated_objects=facts["complicated_objects"],
            threatened=frozenset(facts["threatened"]),
            components=facts["components"],
            coordination=facts["coordination"],
        ),
        individual_persons_max=individual_persons_max(),
    )
    return ProposalSnapshot(
        level=RANK_LEVEL[int(proposal.level)],
        reasons=[_reason_dict(r) for r in proposal.reasons],
    )


def propose_for_incident(incident: Incident) -> ProposalSnapshot:
    """The proposed level of one site."""
    return propose_for_facts(incident.facts_dict())


def propose_for_event(event: IncidentEvent) -> ProposalSnapshot:
    """A territory's proposal: the highest of its sites' proposals, reasons per site."""
    best = "I"
    reasons: list[dict[str, Any]] = []
    for incident in event.incidents.order_by("pk"):
        p = propose_for_incident(incident)
        if LEVEL_RANK[p.level] > LEVEL_RANK[best]:
            best = p.level
        reasons.extend({**r, "incident": incident.pk} for r in p.reasons)
    return ProposalSnapshot(level=best, reasons=reasons)


# (rule, contact role, for a level) — §23(2), §24(2), §24(3); §13 f) for a territory.
_NOTIFY_SITE: dict[str, tuple[tuple[str, str], ...]] = {
    "III": (("§23(2)", "hejtman"), ("§23(2)", "orp_mayor")),
    "special": (("§24(2)", "hejtman"), ("§24(2)", "orp_mayor"), ("§24(3)", "gr_hzs")),
}
_NOTIFY_TERRITORY = (("§13 f)", "higher_opis"),)


def _notification_text(
    *, rule: str, level: str, subject_name: str, where: str, declaration: AlarmDeclaration
) -> tuple[str, str]:
    # Notifications go out in the system's language (Czech), not the declaring user's.
    with translation.override(settings.LANGUAGE_CODE):
        level_label = dict(AlarmDeclaration._meta.get_field("level").choices or [])[level]
        subject = _("%(level)s declared: %(name)s") % {"level": level_label, "name": subject_name}
        body = _(
            "%(level)s was declared for %(name)s (%(where)s) at %(at)s by %(by)s.\n"
            "Notified under %(rule)s of Decree 328/2001."
        ) % {
            "level": level_label,
            "name": subject_name,
            "where": where,
            "at": timezone.localtime(declaration.declared_at).strftime("%Y-%m-%d %H:%M"),
            "by": declaration.declared_by_label,
            "rule": rule,
        }
    return str(subject), str(body)


def _contact_role_label(role: str) -> str:
    """The translated name of a notification contact role."""
    from straz.notifications.models import ContactRole

    return str(dict(ContactRole.choices).get(role, role))


def _enqueue_notifications(
    *, declaration: AlarmDeclaration, source: Incident | IncidentEvent | None
) -> list[dict[str, Any]]:
    """Outbox rows for §23(2) / §24(2)–(3) / §13 f), in the declaring transaction."""
    from straz.notifications.outbox import contacts_for, enqueue

    assert source is not None
    territory = isinstance(source, IncidentEvent)
    source_type = "event" if territory else "incident"
    source_id = source.pk
    name = source.name if isinstance(source, IncidentEvent) else source.title
    region_code, orp_code = source.region_code, source.orp_code
    # A territory has no single point; its notices name it instead.
    lat, lon = (None, None) if isinstance(source, IncidentEvent) else (source.lat, source.lon)
    level = declaration.level
    rules = list(_NOTIFY_SITE.get(level, ()))
    if territory and level in _NOTIFY_SITE:
        rules.extend(_NOTIFY_TERRITORY)
    written: list[dict[str, Any]] = []
    for rule, role in rules:
        # The GŘ HZS is national: every region's declarations reach it.
        contacts = contacts_for(
            role=role,
            region_code=None if role == "gr_hzs" else region_code,
            orp_code=orp_code if role == "orp_mayor" else None,
        )
        if not contacts:
            # Nobody is set up to receive this notice: the declaration still stands, and
            # the gap is recorded so that the operations centre notifies by other means.
            written.append({"rule": rule, "role": role, "error": "no_contact"})
        for contact in contacts:
            subject, body = _notification_text(
                rule=rule,
                level=level,
                subject_name=name,
                where=f"{lat:.5f}, {lon:.5f}" if lat is not None and lon is not None else name,
                declaration=declaration,
            )
            payload = {
                "kind": "alarm_level_declared",
                "rule": rule,
                "level": level,
                "source_type": source_type,
                "source_id": source_id,
                "name": name,
                "region_code": region_code,
                "orp_code": orp_code,
                "lat": lat,
                "lon": lon,
                "declared_at": declaration.declared_at.isoformat(),
                "declared_by": declaration.declared_by_label,
                "declaration": declaration.pk,
                "reasons": [{"rule": r["rule"], "code": r["code"]} for r in declaration.reasons],
            }
            try:
                row = enqueue(
                    channel=contact.channel,
                    address=contact.address,
                    subject=subject,
                    body=body,
                    payload=payload,
                    rule=rule,
                    source_type=source_type,
                    source_id=str(source_id),
                    dedupe_key=f"{source_type}:{source_id}:decl:{declaration.pk}:{rule}:{contact.pk}",
                )
            except DjangoValidationError:
                # A misconfigured contact must not stop the declaration; the gap is recorded.
                written.append({"rule": rule, "contact": contact.pk, "error": "invalid_address"})
                continue
            written.append({"rule": rule, "contact": contact.pk, "message": str(row.message_id)})
    return written


def declare_alarm_level(
    *,
    user: User,
    level: str,
    incident_id: int | None = None,
    event_id: int | None = None,
    written_reason: str = "",
) -> AlarmDeclaration:
    """Declare a level for a site or a territory (§20); lower than proposed needs a reason."""
    # A territory's level is the OPIS's (§20(3)); a site's is also its commander's.
    if incident_id is not None:
        _require_incident_role(user)
    else:
        _require_writer(user)
    if (incident_id is None) == (event_id is None):
        raise ValidationFailed(_("Declare the level either for an incident or for an event."))
    goal = _choice(str(level), _levels(), label=_("alarm level"))
    reason = _text(written_reason, label=_("reason"))
    now = _now()
    with audit.audited_transaction():
        incident = _locked_incident(incident_id) if incident_id is not None else None
        event = _locked_event(event_id) if event_id is not None else None
        if incident is not None:
            _require_incident_writer(user, incident)
            _require_open(incident)
            proposal = propose_for_incident(incident)
            facts: dict[str, Any] = incident.facts_dict()
            previous = incident.alarm_level
        else:
            assert event is not None
            if not event.incidents.filter(state__in=OPEN_STATES).exists():
                raise Conflict(_("The event has no open incident; there is nothing to declare for."))
            proposal = propose_for_event(event)
            facts = {"incidents": sorted(event.incidents.values_list("pk", flat=True))}
            previous = event.alarm_level
        if LEVEL_RANK[goal] < LEVEL_RANK[proposal.level] and not reason:
            raise ValidationFailed(
                _(
                    "Level %(level)s is lower than the proposed level %(proposed)s; "
                    "give a written reason for declaring it."
                )
                % {"level": goal, "proposed": proposal.level}
            )
        declaration = AlarmDeclaration.objects.create(
            incident=incident,
            event=event,
            level=goal,
            proposed_level=proposal.level,
            reasons=proposal.reasons,
            facts=_plain(facts),
            written_reason=reason,
            declared_by=user,
            declared_by_label=_label(user),
            declared_at=now,
        )
        notified: list[dict[str, Any]] = []
        # Only a change of level notifies: re-declaring the same level tells nobody anew.
        if goal in _NOTIFY_SITE and goal != previous:
            notified = _enqueue_notifications(declaration=declaration, source=incident or event)
        data = {
            "declaration": declaration.pk,
            "level": goal,
            "previous": previous,
            "proposed": proposal.level,
            "reasons": [r["rule"] for r in proposal.reasons],
            "written_reason": reason,
            "notifications": notified,
        }
        text = _("Alarm level %(level)s declared (proposed %(proposed)s).") % {
            "level": goal,
            "proposed": proposal.level,
        }
        gaps = [_contact_role_label(n["role"]) for n in notified if n.get("error") == "no_contact"]
        if gaps:
            text += " " + _("No notification contact is set up for: %(whom)s. Notify them by other means.") % {
                "whom": ", ".join(gaps)
            }
        if incident is not None:
            incident.alarm_level = goal
            _touch(incident, now, ["alarm_level"])
            _timeline(incident=incident, kind=TimelineKind.DECLARATION, user=user, at=now, text=text, data=data)
        else:
            assert event is not None
            event.alarm_level = goal
            _touch_event(event, now, ["alarm_level"])
            _timeline(incident=None, event=event, kind=TimelineKind.DECLARATION, user=user, at=now, text=text, data=data)
            # Each site's own record shows the level of its territory too.
            for member in event.incidents.order_by("pk"):
                _timeline(
                    incident=member,
                    event=event,
                    kind=TimelineKind.DECLARATION,
                    user=user,
                    at=now,
                    text=_("Alarm level %(level)s declared for the territory “%(name)s”.")
                    % {"level": goal, "name": event.name},
                    data={**data, "territory": True},
                )
        audit.record(
            action="incident.alarm_level_declared" if incident else "event.alarm_level_declared",
            object_type="incident" if incident else "event",
            object_id=(incident or event).pk,  # type: ignore[union-attr]
            actor=user,
            before={"alarm_level": previous},
            after=data,
        )
    return declaration


def _levels() -> Any:
    from straz.incidents.models import AlarmLevelValue

    return AlarmLevelValue


# ---------------------------------------------------------------- command (§3)


def _command_snapshot(c: CommandAssignment | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "id": c.pk,
        "commander": c.commander_name,
        "commander_user": c.commander_user_id,
        "component": c.commander_component,
        "successor": c.successor_name,
        "how": c.how,
        "started_at": c.started_at,
        "ended_at": c.ended_at,
    }


def _current_command(incident: Incident) -> CommandAssignment | None:
    if incident.current_command_id is None:
        return None
    return CommandAssignment.objects.select_for_update().filter(pk=incident.current_command_id).first()


def _commander_user(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise ValidationFailed(_("Unknown user %(id)s.") % {"id": user_id})
    # Only an account that may write to the incident once it commands it can be named.
    if not (can_run_incidents(found) or _is_commander(found)):
        raise ValidationFailed(
            _(
                "The account %(user)s cannot command an incident: choose an incident "
                "commander, a dispatcher or an administrator."
            )
            % {"user": found.get_username()}
        )
    return found


@dataclass(frozen=True)
class _Briefing:
    """§3(7): what the outgoing commander tells (situation, aim, priorities) and the takeover words."""

    situation: str = ""
    aim: str = ""
    priorities: str = ""
    declaration: str = ""


def _briefing(*, situation: str, aim: str, priorities: str, declaration: str, required: bool) -> _Briefing:
    return _Briefing(
        situation=_text(situation, label=_("situation"), required=required),
        aim=_text(aim, label=_("aim"), required=required),
        priorities=_text(priorities, label=_("priorities"), required=required),
        declaration=_text(declaration, label=_("takeover declaration"), max_chars=300) or TAKEOVER_DECLARATION,
    )


def _start_command(
    *,
    incident: Incident,
    user: User,
    now: datetime,
    how: str,
    commander_name: str,
    commander_user: User | None,
    component: str,
    successor_name: str,
    previous: CommandAssignment | None,
    briefing: _Briefing = _Briefing(),
) -> CommandAssignment:
    if previous is not None:
        previous.ended_at = now
        previous.save(update_fields=["ended_at"])
    command = CommandAssignment.objects.create(
        incident=incident,
        commander_name=commander_name,
        commander_user=commander_user,
        commander_component=component,
        successor_name=successor_name,
        started_at=now,
        how=how,
        briefing_situation=briefing.situation,
        briefing_aim=briefing.aim,
        briefing_priorities=briefing.priorities,
        takeover_declaration=briefing.declaration,
        previous=previous,
        recorded_by=user,
    )
    incident.current_command = command
    _touch(incident, now, ["current_command"])
    return command


def _require_command(incident: Incident) -> CommandAssignment:
    command = _current_command(incident)
    if command is None:
        raise Conflict(_("The incident has no commander yet; assign the first commander."))
    return command


def _component_value(component: str) -> str:
    if not component:
        return ""
    return _choice(component, ComponentKind, label=_("component"))


def assign_commander(
    *,
    user: User,
    incident_id: int,
    commander_name: str,
    commander_user_id: int | None = None,
    component: str = "",
    successor_name: str = "",
) -> CommandAssignment:
    """Record the first commander at the site (§3(2)); later changes go through a handover."""
    _require_incident_role(user)
    name = _text(commander_name, label=_("commander"), max_chars=NAME_MAX_CHARS, required=True)
    successor = _text(successor_name, label=_("successor"), max_chars=NAME_MAX_CHARS)
    comp = _component_value(component)
    now = _now()
    with _writing(user, incident_id) as incident:
        if incident.current_command_id is not None:
            raise Conflict(_("The incident already has a commander; hand over command instead."))
        command = _start_command(
            incident=incident,
            user=user,
            now=now,
            how=CommandStart.INITIAL,
            commander_name=name,
            commander_user=_commander_user(commander_user_id),
            component=comp,
            successor_name=successor,
            previous=None,
        )
        _record(
            incident,
            user=user,
            at=now,
            action="incident.commander_assigned",
            kind=TimelineKind.COMMAND,
            text=_("%(name)s commands the intervention.") % {"name": name},
            data={"command": _command_snapshot(command)},
            after=_command_snapshot(command),
        )
    return command


def name_successor(*, user: User, incident_id: int, successor_name: str) -> CommandAssignment:
    """§3(3) e): the commander names a successor in advance."""
    _require_incident_role(user)
    successor = _text(successor_name, label=_("successor"), max_chars=NAME_MAX_CHARS, required=True)
    now = _now()
    with _writing(user, incident_id) as incident:
        command = _require_command(incident)
        before = command.successor_name
        command.successor_name = successor
        command.save(update_fields=["successor_name"])
        _record(
            incident,
            user=user,
            at=now,
            action="incident.successor_named",
            kind=TimelineKind.COMMAND,
            text=_("Successor named: %(name)s.") % {"name": successor},
            data={"command": command.pk, "successor": successor, "before": before},
            before={"successor": before},
            after={"successor": successor, "command": command.pk},
        )
    return command


def hand_over_command(
    *,
    user: User,
    incident_id: int,
    new_commander_name: str,
    situation: str,
    aim: str,
    priorities: str,
    new_commander_user_id: int | None = None,
    component: str = "",
    successor_name: str = "",
    declaration: str = TAKEOVER_DECLARATION,
) -> CommandAssignment:
    """§3(7): the outgoing commander briefs situation, aim and priorities; the new one takes over."""
    _require_incident_role(user)
    name = _text(new_commander_name, label=_("new commander"), max_chars=NAME_MAX_CHARS, required=True)
    brief = _briefing(situation=situation, aim=aim, priorities=priorities, declaration=declaration, required=True)
    successor = _text(successor_name, label=_("successor"), max_chars=NAME_MAX_CHARS)
    comp = _component_value(component)
    now = _now()
    with _writing(user, incident_id) as incident:
        return _change_command(
            incident=incident,
            user=user,
            now=now,
            previous=_require_command(incident),
            how=CommandStart.HANDOVER,
            commander_name=name,
            commander_user=_commander_user(new_commander_user_id),
            component=comp,
            successor_name=successor,
            briefing=brief,
        )


def _change_command(
    *, incident: Incident, user: User, now: datetime, previous: CommandAssignment, **start: Any
) -> CommandAssignment:
    """End the previous command, start the new one and record the change."""
    command = _start_command(incident=incident, user=user, now=now, previous=previous, **start)
    # §3(8): the record keeps the time of the change and the name of the new commander;
    # §6 e): a change of commander is a message to the OPIS.
    data = {
        "from": previous.commander_name,
        "to": command.commander_name,
        "at": now,
        "how": command.how,
        "declaration": command.takeover_declaration,
        "briefing": {
            "situation": command.briefing_situation,
            "aim": command.briefing_aim,
            "priorities": command.briefing_priorities,
        },
        "command": command.pk,
    }
    _record(
        incident,
        user=user,
        at=now,
        action="incident.command_changed",
        kind=TimelineKind.MESSAGE,
        letter=SiteMessageLetter.E,
        text=_("%(new)s: “%(words)s” (took over from %(old)s at %(at)s).")
        % {
            "new": command.commander_name,
            "words": command.takeover_declaration,
            "old": previous.commander_name,
            "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S"),
        },
        data=data,
        before=_command_snapshot(previous),
        after=_command_snapshot(command),
    )
    return command


@dataclass(frozen=True)
class TakeoverProposal:
    """Who takes over when the commander drops out (§3(6)), and by which letter."""

    how: str
    rule: str
    name: str
    component: str = ""
    deployment_id: int | None = None


def _prevailing_deployment(incident: Incident) -> ComponentDeployment | None:
    # The component doing the prevailing activity: the most people on site; among equals
    # the one that arrived first.
    return (
        incident.deployments.filter(arrived_at__isnull=False, departed_at__isnull=True)
        .exclude(leader_name="")
        .order_by("-people", "arrived_at", "pk")
        .first()
    )


def takeover_options(incident: Incident) -> list[TakeoverProposal]:
    """The §3(6) candidates in the legal order a) → b) → c); c) needs a name given by the caller."""
    options: list[TakeoverProposal] = []
    current = incident.current_command
    if current is not None and current.successor_name:
        options.append(
            TakeoverProposal(how=CommandStart.SUCCESSOR, rule="§3(6) a)", name=current.successor_name)
        )
    prevailing = _prevailing_deployment(incident)
    if prevailing is not None:
        options.append(
            TakeoverProposal(
                how=CommandStart.PREVAILING_COMPONENT,
                rule="§3(6) b)",
                name=prevailing.leader_name,
                component=prevailing.kind,
                deployment_id=prevailing.pk,
            )
        )
    options.append(TakeoverProposal(how=CommandStart.AUTHORITY_REPRESENTATIVE, rule="§3(6) c)", name=""))
    return options


_TAKEOVER_ORDER = [
    CommandStart.SUCCESSOR,
    CommandStart.PREVAILING_COMPONENT,
    CommandStart.AUTHORITY_REPRESENTATIVE,
]


def take_over_command_when_commander_drops_out(
    *,
    user: User,
    incident_id: int,
    how: str | None = None,
    new_commander_name: str = "",
    skip_reason: str = "",
    situation: str = "",
    aim: str = "",
    priorities: str = "",
    declaration: str = TAKEOVER_DECLARATION,
) -> CommandAssignment:
    """§3(6): the successor, else the prevailing component's leader, else the authority's representative."""
    _require_incident_role(user)
    name_given = _text(new_commander_name, label=_("new commander"), max_chars=NAME_MAX_CHARS)
    skip = _text(skip_reason, label=_("reason"))
    brief = _briefing(situation=situation, aim=aim, priorities=priorities, declaration=declaration, required=False)
    if how is not None:
        how = _choice(how, CommandStart, label=_("takeover"))
        if how not in _TAKEOVER_ORDER:
            raise ValidationFailed(_("A takeover follows §3(6) a), b) or c)."))
    now = _now()
    with _writing(user, incident_id) as incident:
        previous = _require_command(incident)
        options = takeover_options(incident)
        chosen = options[0] if how is None else next((o for o in options if o.how == how), None)
        if chosen is None:
            raise Conflict(
                _("Nobody qualifies under %(rule)s at this incident.")
                % {"rule": {"successor": "§3(6) a)", "prevailing_component": "§3(6) b)"}.get(str(how), "§3(6)")}
            )
        skipped = [o for o in options if _TAKEOVER_ORDER.index(o.how) < _TAKEOVER_ORDER.index(chosen.how)]
        if skipped and not skip:
            raise Conflict(
                _(
                    "§3(6) gives the order a) → b) → c): %(who)s (%(rule)s) comes first. "
                    "Give the reason why they cannot take over."
                )
                % {"who": skipped[0].name, "rule": skipped[0].rule}
            )
        name = chosen.name or name_given
        if chosen.how == CommandStart.AUTHORITY_REPRESENTATIVE and not name_given:
            raise ValidationFailed(_("Name the representative of the responsible authority."))
        if chosen.how == CommandStart.AUTHORITY_REPRESENTATIVE:
            name = name_given
        if skip:
            _timeline(
                incident=incident,
                kind=TimelineKind.LOG,
                user=user,
                at=now,
                text=skip,
                data={"skipped": [o.rule for o in skipped]},
            )
        return _change_command(
            incident=incident,
            user=user,
            now=now,
            previous=previous,
            how=chosen.how,
            commander_name=name,
            commander_user=None,
            component=chosen.component,
            successor_name="",
            briefing=brief,
        )


# ---------------------------------------------------------------- components (§4(2))


def _deployment_snapshot(d: ComponentDeployment) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.kind,
        "unit": d.unit_name,
        "leader": d.leader_name,
        "people": d.people,
        "vehicles": d.vehicles,
        "equipment": d.equipment,
        "called_at": d.called_at,
        "arrived_at": d.arrived_at,
        "departed_at": d.departed_at,
    }


def _equipment(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 200:
        raise ValidationFailed(_("The equipment must be a list of at most 200 items."))
    for item in value:
        if not isinstance(item, str | dict) or len(str(item)) > 300:
            raise ValidationFailed(_("Each item of equipment must be a short text or an object."))
    return _plain(value)  # type: ignore[no-any-return]


def _forces(people: int, vehicles: int) -> None:
    for v in (people, vehicles):
        if isinstance(v, bool) or v < 0 or v > 100_000:
            raise ValidationFailed(_("People and vehicles must be whole numbers from 0 to 100000."))


def _locked_deployment(incident: Incident, deployment_id: int) -> ComponentDeployment:
    d = ComponentDeployment.objects.select_for_update().filter(pk=deployment_id, incident=incident).first()
    if d is None:
        raise NotFound(_("Component not found at this incident."))
    return d


def _record_deployment(
    incident: Incident,
    d: ComponentDeployment,
    *,
    user: User,
    at: datetime,
    step: str,
    text: str,
    before: dict[str, Any] | None = None,
) -> None:
    """A component's step (called, checked in, checked out): incident touched, timeline, audit."""
    _touch(incident, at)
    after = _deployment_snapshot(d)
    # §6 h): a departure is a message from the site; the other steps are component entries.
    out = step == "checked_out"
    _record(
        incident,
        user=user,
        at=at,
        action=f"incident.component_{step}",
        kind=TimelineKind.MESSAGE if out else TimelineKind.COMPONENT,
        letter=SiteMessageLetter.H if out else "",
        text=text,
        data={"deployment": after, "action": step},
        before=before,
        after=after,
    )


def call_component(
    *, user: User, incident_id: int, kind: str, unit_name: str = "", people: int = 0, vehicles: int = 0
) -> ComponentDeployment:
    """Record that a component was called to the site (the board shows called vs on site)."""
    _require_incident_role(user)
    comp = _choice(kind, ComponentKind, label=_("component"))
    unit = _text(unit_name, label=_("unit"), max_chars=NAME_MAX_CHARS)
    _forces(people, vehicles)
    now = _now()
    with _writing(user, incident_id) as incident:
        d = ComponentDeployment.objects.create(
            incident=incident, kind=comp, unit_name=unit, called_at=now, people=people, vehicles=vehicles
        )
        _record_deployment(
            incident,
            d,
            user=user,
            at=now,
            step="called",
            text=_("Component called: %(kind)s %(unit)s.") % {"kind": d.get_kind_display(), "unit": unit},
        )
    return d


def check_in_component(
    *,
    user: User,
    incident_id: int,
    kind: str,
    leader_name: str,
    people: int,
    vehicles: int,
    equipment: list[Any] | None = None,
    unit_name: str = "",
    deployment_id: int | None = None,
) -> ComponentDeployment:
    """§4(2): a component's leader reports arrival with forces and means to the commander."""
    _require_incident_role(user)
    comp = _choice(kind, ComponentKind, label=_("component"))
    leader = _text(leader_name, label=_("leader"), max_chars=NAME_MAX_CHARS, required=True)
    unit = _text(unit_name, label=_("unit"), max_chars=NAME_MAX_CHARS)
    _forces(people, vehicles)
    gear = _equipment(equipment)
    now = _now()
    with _writing(user, incident_id) as incident:
        if deployment_id is not None:
            d = _locked_deployment(incident, deployment_id)
            if d.arrived_at is not None:
                raise Conflict(_("This component has already checked in."))
            if d.kind != comp:
                raise ValidationFailed(_("The component kind does not match the one called."))
            before: dict[str, Any] | None = _deployment_snapshot(d)
        else:
            d = ComponentDeployment(incident=incident, kind=comp, called_at=now)
            before = None
        d.arrived_at = now
        d.leader_name = leader
        d.unit_name = unit or d.unit_name
        d.people = people
        d.vehicles = vehicles
        d.equipment = gear
        d.save()
        _record_deployment(
            incident,
            d,
            user=user,
            at=now,
            step="checked_in",
            text=_("%(kind)s checked in: leader %(leader)s, %(people)s people, %(vehicles)s vehicles.")
            % {"kind": d.get_kind_display(), "leader": leader, "people": people, "vehicles": vehicles},
            before=before,
        )
    return d


def check_out_component(*, user: User, incident_id: int, deployment_id: int) -> ComponentDeployment:
    """§6 h): record a component's departure from the site."""
    _require_incident_role(user)
    now = _now()
    with _writing(user, incident_id, open_only=False) as incident:
        d = _locked_deployment(incident, deployment_id)
        if d.arrived_at is None:
            raise Conflict(_("This component has not checked in."))
        if d.departed_at is not None:
            raise Conflict(_("This component has already left."))
        before = _deployment_snapshot(d)
        d.departed_at = now
        d.save(update_fields=["departed_at"])
        _record_deployment(
            incident,
            d,
            user=user,
            at=now,
            step="checked_out",
            text=_("%(kind)s left the site (leader %(leader)s).")
            % {"kind": d.get_kind_display(), "leader": d.leader_name},
            before=before,
        )
    return d


# ---------------------------------------------------------------- site division (§5)


def add_site_feature(
    *,
    user: User,
    incident_id: int,
    kind: str,
    geometry: dict[str, Any],
    name: str = "",
    parent_id: int | None = None,
) -> SiteFeature:
    """Draw a zone (polygon) or post (point) of §5; a section must lie within its sector."""
    _require_incident_role(user)
    fkind = _choice(kind, SiteFeatureKind, label=_("zone or post"))
    label = _("geometry")
    if fkind in POINT_FEATURES:
        geo, shape = _point_geometry(geometry, label=label)
    else:
        geo, shape = _polygon(geometry, label=label)
    title = _text(name, label=_("name"), max_chars=NAME_MAX_CHARS)
    if fkind == SiteFeatureKind.SECTION and parent_id is None:
        raise ValidationFailed(_("A section belongs to a sector: choose the sector."))
    if fkind != SiteFeatureKind.SECTION and parent_id is not None:
        raise ValidationFailed(_("Only a section can belong to a sector."))
    now = _now()
    with _writing(user, incident_id) as incident:
        parent = None
        if parent_id is not None:
            parent = _active_sector(incident, parent_id)
            _require_within_sector(parent, shape)
        feature = SiteFeature.objects.create(
            incident=incident,
            kind=fkind,
            name=title,
            geometry=geo,
            parent=parent,
            created_at=now,
            created_by=user,
        )
        _touch(incident, now)
        _record(
            incident,
            user=user,
            at=now,
            action="incident.site_feature_added",
            kind=TimelineKind.ZONE,
            text=_("%(kind)s drawn%(name)s.")
            % {"kind": feature.get_kind_display(), "name": f": {title}" if title else ""},
            data={"feature": feature.pk, "kind": fkind, "parent": parent_id},
            after={"feature": feature.pk, "kind": fkind, "name": title, "parent": parent_id, "geometry": geo},
        )
    return feature


def _active_sector(incident: Incident, sector_id: int) -> SiteFeature:
    parent = SiteFeature.objects.filter(
        pk=sector_id, incident=incident, kind=SiteFeatureKind.SECTOR, retired_at__isnull=True
    ).first()
    if parent is None:
        raise ValidationFailed(_("The sector was not found at this incident."))
    return parent


def _require_within_sector(sector: SiteFeature, shape: Any) -> None:
    sector_shape = _polygon(sector.geometry, label=_("sector"))[1]
    # A little tolerance (about 1 cm) for shared edges drawn by hand or snapped.
    if not sector_shape.buffer(1e-7).covers(shape):
        raise ValidationFailed(
            _("The section must lie within its sector “%(sector)s”.") % {"sector": sector.name or sector.pk}
        )


def _locked_feature(incident: Incident, feature_id: int) -> SiteFeature:
    feature = SiteFeature.objects.select_for_update().filter(pk=feature_id, incident=incident).first()
    if feature is None:
        raise NotFound(_("The zone or post was not found at this incident."))
    if feature.retired_at is not None:
        raise Conflict(_("The zone or post was already removed from the site; it can no longer be changed."))
    return feature


def _feature_state(f: SiteFeature) -> dict[str, Any]:
    return {"kind": f.kind, "name": f.name, "parent": f.parent_id, "geometry": f.geometry}


def _feature_title(f: SiteFeature) -> str:
    kind = str(f.get_kind_display())  # type: ignore[attr-defined]
    return f"{kind} “{f.name}”" if f.name else kind


class _Keep:
    """Marks an argument the caller leaves as it is (None means 'no sector' for parent_id)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


def change_site_feature(
    *,
    user: User,
    incident_id: int,
    feature_id: int,
    geometry: dict[str, Any] | None = None,
    name: str | None = None,
    kind: str | None = None,
    parent_id: int | _Keep | None = KEEP,
) -> SiteFeature:
    """Change a zone or post as the site changes: geometry, name, kind (zone stays a zone, post
    a post) or the sector of a section; validated like drawing it, recorded old → new."""
    _require_incident_role(user)
    new_kind = _choice(str(kind), SiteFeatureKind, label=_("zone or post")) if kind is not None else None
    new_name = _text(name, label=_("name"), max_chars=NAME_MAX_CHARS) if name is not None else None
    now = _now()
    with _writing(user, incident_id) as incident:
        feature = _locked_feature(incident, feature_id)
        before = _feature_state(feature)
        title_before = _feature_title(feature)
        fkind = new_kind or feature.kind
        is_point = fkind in POINT_FEATURES
        if is_point != (feature.kind in POINT_FEATURES):
            raise ValidationFailed(
                _("A zone can only become another zone and a post another post; draw a new one instead.")
            )
        label = _("geometry")
        if geometry is not None:
            geo, shape = _point_geometry(geometry, label=label) if is_point else _polygon(geometry, label=label)
        else:
            geo = feature.geometry
            shape = _point_geometry(geo, label=label)[1] if is_point else _polygon(geo, label=label)[1]
        parent: SiteFeature | None
        if fkind == SiteFeatureKind.SECTION:
            wanted = feature.parent_id if isinstance(parent_id, _Keep) else parent_id
            if wanted is None:
                raise ValidationFailed(_("A section belongs to a sector: choose the sector."))
            parent = _active_sector(incident, wanted)
            _require_within_sector(parent, shape)
        else:
            if not isinstance(parent_id, _Keep) and parent_id is not None:
                raise ValidationFailed(_("Only a section can belong to a sector."))
            parent = None  # a section that becomes another zone leaves its sector
        sections = SiteFeature.objects.filter(parent=feature, retired_at__isnull=True)
        if feature.kind == SiteFeatureKind.SECTOR:
            if fkind != SiteFeatureKind.SECTOR and sections.exists():
                raise Conflict(
                    _("The sector still has sections; move or remove them before it stops being a sector.")
                )
            for section in sections if geometry is not None else ():
                # The same tolerance as drawing a section: redrawing must not strand one.
                if not shape.buffer(1e-7).covers(_polygon(section.geometry, label=_("section"))[1]):
                    raise ValidationFailed(
                        _("The section “%(section)s” would no longer lie within the sector.")
                        % {"section": section.name or section.pk}
                    )
        feature.kind = fkind
        feature.geometry = geo
        feature.parent = parent
        if new_name is not None:
            feature.name = new_name
        after = _feature_state(feature)
        if _plain(after) == _plain(before):
            raise Conflict(_("Nothing to change: the zone or post is already like this."))
        feature.updated_at = now
        feature.save(update_fields=["kind", "geometry", "parent", "name", "updated_at"])
        _touch(incident, now)
        changes = []
        if after["kind"] != before["kind"]:
            changes.append(
                _("kind %(before)s → %(after)s")
                % {"before": dict(SiteFeatureKind.choices)[before["kind"]], "after": feature.get_kind_display()}  # type: ignore[attr-defined]
            )
        if after["name"] != before["name"]:
            changes.append(_("name “%(before)s” → “%(after)s”") % {"before": before["name"], "after": feature.name})
        if after["parent"] != before["parent"]:
            changes.append(
                _("sector %(before)s → %(after)s")
                % {"before": before["parent"] or "—", "after": after["parent"] or "—"}
            )
        if _plain(after["geometry"]) != _plain(before["geometry"]):
            changes.append(_("moved") if is_point else _("redrawn"))
        _record(
            incident,
            user=user,
            at=now,
            action="incident.site_feature_changed",
            kind=TimelineKind.ZONE,
            text=_("%(feature)s changed: %(changes)s.") % {"feature": title_before, "changes": "; ".join(changes)},
            data={"feature": feature.pk, "before": before, "after": after},
            before={"feature": feature.pk, **before},
            after={"feature": feature.pk, **after},
        )
    return feature


def retire_site_feature(*, user: User, incident_id: int, feature_id: int, note: str = "") -> SiteFeature:
    """Remove a zone or post from the site; it stays on record with when and by whom."""
    _require_incident_role(user)
    note_t = _text(note, label=_("note"), max_chars=NAME_MAX_CHARS * 2)
    now = _now()
    with _writing(user, incident_id) as incident:
        feature = _locked_feature(incident, feature_id)
        if SiteFeature.objects.filter(parent=feature, retired_at__isnull=True).exists():
            raise Conflict(_("The sector still has sections; remove them first."))
        feature.retired_at = now
        feature.retired_by = user
        feature.updated_at = now
        feature.save(update_fields=["retired_at", "retired_by", "updated_at"])
        _touch(incident, now)
        text = _("%(feature)s removed from the site.") % {"feature": _feature_title(feature)}
        _record(
            incident,
            user=user,
            at=now,
            action="incident.site_feature_retired",
            kind=TimelineKind.ZONE,
            text=f"{text} {note_t}" if note_t else text,
            data={"feature": feature.pk, "kind": feature.kind, "retired": True, "note": note_t},
            before={"feature": feature.pk, **_feature_state(feature)},
            after={"feature": feature.pk, "retired_at": now, "note": note_t},
        )
    return feature


# ---------------------------------------------------------------- messages and log (§6)


def post_site_message(*, user: User, incident_id: int, letter: str, text: str) -> TimelineEntry:
    """A message from the site to the OPIS, typed by §6(1) a)–i)."""
    _require_incident_role(user)
    code = _choice(str(letter), SiteMessageLetter, label=_("message type"))
    body = _text(text, label=_("message"), required=True)
    now = _now()
    with _writing(user, incident_id) as incident:
        entry = _timeline(
            incident=incident, kind=TimelineKind.MESSAGE, letter=code, user=user, at=now, text=body
        )
        _touch(incident, now)
        _audit(incident, user=user, action="incident.message_posted", after={"entry": entry.pk, "letter": code, "chars": len(body)})
    return entry


def add_log_entry(*, user: User, incident_id: int, text: str) -> TimelineEntry:
    """A free-text line in the incident's log (also after closing: the record may be completed)."""
    _require_incident_role(user)
    body = _text(text, label=_("log entry"), required=True)
    now = _now()
    with _writing(user, incident_id, open_only=False) as incident:
        entry = _timeline(incident=incident, kind=TimelineKind.LOG, user=user, at=now, text=body)
        _audit(incident, user=user, action="incident.log_added", after={"entry": entry.pk, "chars": len(body)})
    return entry


# ---------------------------------------------------------------- events (§20(3), §7 b)


def create_event(
    *, user: User, name: str, incident_ids: Sequence[int], region_code: str = "", orp_code: str = ""
) -> IncidentEvent:
    """Group incidents into one event for a territory with more than one site."""
    _require_writer(user)
    title = _text(name, label=_("name"), max_chars=200, required=True)
    region = _text(region_code, label=_("region code"), max_chars=20)
    orp = _text(orp_code, label=_("ORP code"), max_chars=20)
    ids = sorted(set(incident_ids))
    if len(ids) < 2:
        raise ValidationFailed(_("An event for a territory groups at least two incidents."))
    now = _now()
    with audit.audited_transaction():
        event = IncidentEvent.objects.create(
            name=title, region_code=region, orp_code=orp, created_at=now, updated_at=now, created_by=user
        )
        _attach(event=event, incident_ids=ids, user=user, now=now)
        _audit_event(
            event,
            user=user,
            action="event.created",
            after={"name": title, "region": region, "orp": orp, "incidents": ids},
        )
    return event


def _attach(*, event: IncidentEvent, incident_ids: Sequence[int], user: User, now: datetime) -> None:
    found = list(Incident.objects.select_for_update().filter(pk__in=incident_ids).order_by("pk"))
    missing = sorted(set(incident_ids) - {i.pk for i in found})
    if missing:
        raise NotFound(_("Incident %(id)s not found.") % {"id": missing[0]})
    for incident in found:
        _require_open(incident)
        if incident.event_id is not None and incident.event_id != event.pk:
            raise Conflict(
                _("Incident %(id)s already belongs to another event.") % {"id": incident.pk}
            )
    next_priority = (
        max((p for p in event.incidents.values_list("priority", flat=True) if p is not None), default=0) + 1
    )
    for incident in found:
        if incident.event_id == event.pk:
            continue
        incident.event = event
        incident.priority = next_priority
        next_priority += 1
        _touch(incident, now, ["event", "priority"])
        _timeline(
            incident=incident,
            event=event,
            kind=TimelineKind.EVENT,
            user=user,
            at=now,
            text=_("Grouped into the event “%(name)s”.") % {"name": event.name},
            data={"event": event.pk, "priority": incident.priority},
        )


def group_into_event(*, user: User, event_id: int, incident_ids: Sequence[int]) -> IncidentEvent:
    """Add incidents to an existing event (each gets the next priority)."""
    _require_writer(user)
    ids = sorted(set(incident_ids))
    if not ids:
        raise ValidationFailed(_("Choose at least one incident."))
    now = _now()
    with audit.audited_transaction():
        event = _locked_event(event_id)
        before = sorted(event.incidents.values_list("pk", flat=True))
        _attach(event=event, incident_ids=ids, user=user, now=now)
        _touch_event(event, now)
        _audit_event(
            event,
            user=user,
            action="event.incidents_added",
            before={"incidents": before},
            after={"incidents": sorted(event.incidents.values_list("pk", flat=True))},
        )
    return event


def set_site_priorities(*, user: User, event_id: int, order: Sequence[int]) -> IncidentEvent:
    """§7 b): priorities between the sites of an event; `order` lists every site, first = 1."""
    _require_writer(user)
    now = _now()
    with audit.audited_transaction():
        event = _locked_event(event_id)
        members = {i.pk: i for i in Incident.objects.select_for_update().filter(event=event)}
        if len(order) != len(set(order)) or set(order) != set(members):
            raise ValidationFailed(
                _("List every incident of the event exactly once (%(ids)s).")
                % {"ids": ", ".join(str(i) for i in sorted(members))}
            )
        before = {str(pk): i.priority for pk, i in members.items()}
        for rank, pk in enumerate(order, start=1):
            incident = members[pk]
            if incident.priority != rank:
                incident.priority = rank
                _touch(incident, now, ["priority"])
        after = {str(pk): rank for rank, pk in enumerate(order, start=1)}
        _touch_event(event, now)
        _timeline(
            incident=None,
            event=event,
            kind=TimelineKind.EVENT,
            user=user,
            at=now,
            text=_("Priorities between the sites set."),
            data={"order": list(order)},
        )
        for pk in order:
            _timeline(
                incident=members[pk],
                event=event,
                kind=TimelineKind.EVENT,
                user=user,
                at=now,
                text=_("Priority within the event “%(name)s”: %(rank)s.")
                % {"name": event.name, "rank": after[str(pk)]},
                data={"order": list(order)},
            )
        _audit_event(
            event,
            user=user,
            action="event.priorities_set",
            before=before,
            after=after,
        )
    return event


# ---------------------------------------------------------------- calls (§12)


def record_call(
    *,
    user: User,
    received_by_centre: str,
    summary: str,
    caller_phone: str = "",
    lat: float | None = None,
    lon: float | None = None,
    incident_id: int | None = None,
    received_at: datetime | None = None,
) -> CallRecord:
    """Record an emergency call received by a centre."""
    _require_writer(user)
    centre = _text(received_by_centre, label=_("receiving centre"), max_chars=NAME_MAX_CHARS, required=True)
    text = _text(summary, label=_("summary"), required=True)
    phone = _text(caller_phone, label=_("caller's number"), max_chars=40)
    point = _point(lat, lon) if lat is not None or lon is not None else None
    now = _now()
    with audit.audited_transaction():
        incident = _locked_incident(incident_id) if incident_id is not None else None
        call = CallRecord.objects.create(
            received_at=received_at or now,
            received_by_centre=centre,
            caller_phone=phone,
            summary=text,
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            incident=incident,
            recorded_by=user,
        )
        if incident is not None:
            _timeline(
                incident=incident,
                kind=TimelineKind.CALL,
                user=user,
                at=now,
                text=_("Emergency call received by %(centre)s.") % {"centre": centre},
                data={"call": call.pk},
            )
        audit.record(
            action="call.recorded",
            object_type="call",
            object_id=call.pk,
            actor=user,
            # The caller's number stays out of the log.
            after={"centre": centre, "incident": incident_id, "chars": len(text)},
        )
    return call


def forward_call(*, user: User, call_id: int, to_centre: str, to_opis: str = "") -> CallRecord:
    """§12(1): forward the call data to the competent centre (and the OPIS when several components are needed)."""
    _require_writer(user)
    centre = _text(to_centre, label=_("competent centre"), max_chars=NAME_MAX_CHARS, required=True)
    opis = _text(to_opis, label=_("OPIS"), max_chars=NAME_MAX_CHARS)
    now = _now()
    with audit.audited_transaction():
        call = CallRecord.objects.select_for_update().filter(pk=call_id).first()
        if call is None:
            raise NotFound(_("Call record not found."))
        if call.forwarded_at is not None:
            raise Conflict(_("This call was already forwarded."))
        call.forwarded_to_centre = centre
        call.forwarded_to_opis = opis
        call.forwarded_at = now
        call.forwarded_by = user
        call.forwarded_by_label = _label(user)
        call.save()
        if call.incident_id is not None:
            _timeline(
                incident=call.incident,
                kind=TimelineKind.CALL,
                user=user,
                at=now,
                text=_("Call forwarded to %(centre)s%(opis)s.")
                % {"centre": centre, "opis": f" + {opis}" if opis else ""},
                data={"call": call.pk, "to_centre": centre, "to_opis": opis},
            )
        audit.record(
            action="call.forwarded",
            object_type="call",
            object_id=call.pk,
            actor=user,
            after={"to_centre": centre, "to_opis": opis, "at": now},
        )
    return call


def open_incidents_filter() -> Q:
    """Incidents still being worked on."""
    return Q(state__in=OPEN_STATES)
