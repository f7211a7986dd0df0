"""What the IZS API routers share: value types, errors, path ids, the reader and writer checks, output schemas."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema
from ninja import Status as HttpStatus
from pydantic import ConfigDict

from straz.core.api import ErrorOut
from straz.core.errors import NotFound
from straz.incidents import policy, services
from straz.incidents.alarm.texts import stored_reason_text

# The facts' value lists are the preview endpoint's (one list, one OpenAPI enum).
from straz.incidents.api.alarm import LevelValue
from straz.incidents.choices import (
    STATE_TRANSITIONS,
    CommandStart,
    ComponentKind,
    ComponentOrigin,
    CoordinationLevel,
    IncidentState,
    SiteFeatureKind,
    SiteMessageLetter,
    literal_of,
)
from straz.incidents.models import (
    AlarmDeclaration,
    CommandAssignment,
    ComponentDeployment,
    Incident,
    IncidentEvent,
    IncidentType,
    SiteFeature,
)

MAX_ID = 2**63 - 1


TEXT_MAX = services.TEXT_MAX_CHARS


NAME_MAX = services.NAME_MAX_CHARS


# The value lists are the choices' own (choices.py), so the API cannot drift from them;
# mypy sees plain strings (a Literal built at run time is no static type).
if TYPE_CHECKING:
    StateValue: TypeAlias = str
    CoordinationLevelValue: TypeAlias = str
    ComponentKindValue: TypeAlias = str
    ComponentOriginValue: TypeAlias = str
    FeatureKindValue: TypeAlias = str
    LetterValue: TypeAlias = str
    TakeoverValue: TypeAlias = str
else:
    StateValue = literal_of(*IncidentState.values)
    CoordinationLevelValue = literal_of(*CoordinationLevel.values)
    ComponentKindValue = literal_of(*ComponentKind.values)
    ComponentOriginValue = literal_of(*ComponentOrigin.values)
    FeatureKindValue = literal_of(*SiteFeatureKind.values)
    LetterValue = literal_of(*SiteMessageLetter.values)
    # §3(6): the three ways a commander who drops out is replaced.
    TakeoverValue = literal_of(
        CommandStart.SUCCESSOR.value,
        CommandStart.PREVAILING_COMPONENT.value,
        CommandStart.AUTHORITY_REPRESENTATIVE.value,
    )


_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _id(name: str = "id") -> Any:
    return Path(..., ge=1, le=MAX_ID)


def _actor(request: HttpRequest) -> Any:
    """The authenticated staff user (staff_auth put it on the request)."""
    return request.auth  # type: ignore[attr-defined]


def _reader(request: HttpRequest) -> Any:
    user = _actor(request)
    policy.require_viewer(user)
    return user


def _created(data: Any) -> HttpStatus:
    return HttpStatus(201, data)


def _readable_incident(request: HttpRequest, incident_id: int) -> Incident:
    _reader(request)
    return _incident(incident_id)


def _incident(incident_id: int) -> Incident:
    incident = (
        Incident.objects.select_related("type", "event", "current_command").filter(pk=incident_id).first()
    )
    if incident is None:
        raise NotFound(_("Incident not found."))
    return incident


class _StrictIn(Schema):
    """A request body that refuses unknown fields (422) instead of ignoring them."""

    model_config = ConfigDict(extra="forbid")


class IncidentTypeOut(Schema):
    code: str
    name: str


class IncidentFactsOut(Schema):
    persons_threatened: int | None
    area_m2: float | None
    complicated_objects: int
    threatened: list[str]
    components: str
    coordination: str


class IncidentEventRefOut(Schema):
    id: int
    name: str
    alarm_level: str


class IncidentCommandOut(Schema):
    id: int
    commander_name: str
    commander_component: str
    successor_name: str
    how: str
    started_at: datetime
    ended_at: datetime | None
    briefing_situation: str
    briefing_aim: str
    briefing_priorities: str
    takeover_declaration: str
    recorded_by: str


class IncidentDeploymentOut(Schema):
    id: int
    kind: str
    kind_label: str
    is_basic: bool
    origin: str
    unit_name: str
    leader_name: str
    people: int
    vehicles: int
    equipment: list[Any]
    called_at: datetime
    arrived_at: datetime | None
    departed_at: datetime | None
    on_site: bool


class IncidentDeclarationOut(Schema):
    id: int
    level: str
    proposed_level: str
    reasons: list[dict[str, Any]]
    written_reason: str
    declared_by: str
    declared_at: datetime


class IncidentSiteFeatureOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    geometry: dict[str, Any]
    parent: int | None
    created_at: datetime
    updated_at: datetime | None
    retired_at: datetime | None
    active: bool


class IncidentOut(Schema):
    id: int
    type: IncidentTypeOut
    title: str
    description: str
    lat: float
    lon: float
    affected_area: dict[str, Any] | None
    facts: IncidentFactsOut
    coordination_level: str
    state: str
    state_label: str
    allowed_states: list[str]
    alarm_level: str
    rescue_started_at: datetime | None
    rescue_ended_at: datetime | None
    region_code: str
    orp_code: str
    event: IncidentEventRefOut | None
    priority: int | None
    commander: IncidentCommandOut | None
    created_at: datetime
    updated_at: datetime


class IncidentDetailOut(IncidentOut):
    commands: list[IncidentCommandOut]
    deployments: list[IncidentDeploymentOut]
    declarations: list[IncidentDeclarationOut]
    site_features: list[IncidentSiteFeatureOut]


class IncidentListOut(Schema):
    count: int
    items: list[IncidentOut]


def _type(t: IncidentType) -> dict[str, Any]:
    return {"code": t.code, "name": t.name}


def _command(c: CommandAssignment | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "id": c.pk,
        "commander_name": c.commander_name,
        "commander_component": c.commander_component,
        "successor_name": c.successor_name,
        "how": c.how,
        "started_at": c.started_at,
        "ended_at": c.ended_at,
        "briefing_situation": c.briefing_situation,
        "briefing_aim": c.briefing_aim,
        "briefing_priorities": c.briefing_priorities,
        "takeover_declaration": c.takeover_declaration,
        "recorded_by": c.recorded_by.get_username() if c.recorded_by else "",
    }


def _deployment(d: ComponentDeployment) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.kind,
        "kind_label": str(d.get_kind_display()),
        "is_basic": d.is_basic,
        "origin": d.origin,
        "unit_name": d.unit_name,
        "leader_name": d.leader_name,
        "people": d.people,
        "vehicles": d.vehicles,
        "equipment": list(d.equipment or []),
        "called_at": d.called_at,
        "arrived_at": d.arrived_at,
        "departed_at": d.departed_at,
        "on_site": d.arrived_at is not None and d.departed_at is None,
    }


def _declaration(a: AlarmDeclaration) -> dict[str, Any]:
    return {
        "id": a.pk,
        "level": a.level,
        "proposed_level": a.proposed_level,
        # Each reason's text in the request's language (ADR 0031).
        "reasons": [
            {**r, "text": stored_reason_text(r)} if isinstance(r, dict) else r for r in (a.reasons or [])
        ],
        "written_reason": a.written_reason,
        "declared_by": a.declared_by_label,
        "declared_at": a.declared_at,
    }


def _feature(f: SiteFeature) -> dict[str, Any]:
    return {
        "id": f.pk,
        "kind": f.kind,
        "kind_label": str(f.get_kind_display()),
        "name": f.name,
        "geometry": f.geometry,
        "parent": f.parent_id,
        "created_at": f.created_at,
        "updated_at": f.updated_at,
        "retired_at": f.retired_at,
        "active": f.retired_at is None,
    }


def _event_ref(e: IncidentEvent | None) -> dict[str, Any] | None:
    return {"id": e.pk, "name": e.name, "alarm_level": e.alarm_level} if e else None


def _incident_data(i: Incident) -> dict[str, Any]:
    facts = i.facts_dict()
    return {
        "id": i.pk,
        "type": _type(i.type),
        "title": i.title,
        "description": i.description,
        "lat": i.lat,
        "lon": i.lon,
        "affected_area": i.affected_area,
        "facts": facts,
        "coordination_level": i.coordination_level,
        "state": i.state,
        "state_label": str(i.get_state_display()),
        "allowed_states": [str(s) for s in STATE_TRANSITIONS[i.state]],
        "alarm_level": i.alarm_level,
        "rescue_started_at": i.rescue_started_at,
        "rescue_ended_at": i.rescue_ended_at,
        "region_code": i.region_code,
        "orp_code": i.orp_code,
        "event": _event_ref(i.event),
        "priority": i.priority,
        "commander": _command(i.current_command),
        "created_at": i.created_at,
        "updated_at": i.updated_at,
    }


def _detail(incident_id: int) -> dict[str, Any]:
    i = _incident(incident_id)
    data = _incident_data(i)
    data.update(
        commands=[_command(c) for c in i.commands.select_related("recorded_by")],
        deployments=[_deployment(d) for d in i.deployments.all()],
        declarations=[_declaration(a) for a in i.declarations.all()],
        site_features=[_feature(f) for f in i.site_features.all()],
    )
    return data


class IncidentReasonOut(Schema):
    rule: str
    code: str
    # The level this reason asks for: its paragraph's, or the floor an exclusion leaves
    # (§21 a) excludes one object with complicated conditions from I: "II").
    level: LevelValue
    text: str


class IncidentProposalNoteOut(Schema):
    """Something the proposal notes that is no criterion (a contradicted claim, an exclusion)."""

    code: str
    text: str


class IncidentDeclareIn(_StrictIn):
    level: LevelValue
    reason: str = Field("", max_length=TEXT_MAX, description="required when lower than proposed")
    notify_by_other_means: bool = Field(
        False,
        description="III/special: confirm notifying by other means when the location names no region or ORP",
    )


def _declare(request: HttpRequest, payload: IncidentDeclareIn, **subject: int) -> AlarmDeclaration:
    return services.declare_alarm_level(
        user=_actor(request),
        level=payload.level,
        written_reason=payload.reason,
        notify_by_other_means=payload.notify_by_other_means,
        **subject,
    )
