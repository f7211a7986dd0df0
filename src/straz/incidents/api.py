"""Staff JSON API of joint interventions: incidents, command, components, site, timeline, board."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja import Status as HttpStatus
from pydantic import ConfigDict

from straz.accounts.auth import staff_auth
from straz.core.api import ErrorOut
from straz.core.errors import Forbidden, NotFound
from straz.incidents import policy, selectors, services

# The facts' value lists are the preview endpoint's (one list, one OpenAPI enum).
from straz.incidents.api_alarm import ComponentsValue, LevelValue
from straz.incidents.api_alarm import CoordinationValue as SiteCoordinationValue
from straz.incidents.api_alarm import ThreatenedItem as ThreatenedValue
from straz.incidents.choices import (
    OPEN_STATES,
    STATE_TRANSITIONS,
    CommandStart,
    ComponentKind,
    CoordinationLevel,
    IncidentState,
    SiteFeatureKind,
    SiteMessageLetter,
    literal_of,
)
from straz.incidents.models import (
    AlarmDeclaration,
    CallRecord,
    CommandAssignment,
    ComponentDeployment,
    Incident,
    IncidentEvent,
    IncidentType,
    SiteFeature,
    TimelineEntry,
)

router = Router(tags=["incidents"], auth=staff_auth)

MAX_ID = 2**63 - 1
TEXT_MAX = services.TEXT_MAX_CHARS
NAME_MAX = services.NAME_MAX_CHARS

# The value lists are the choices' own (choices.py), so the API cannot drift from them;
# mypy sees plain strings (a Literal built at run time is no static type).
if TYPE_CHECKING:
    StateValue = CoordinationLevelValue = ComponentKindValue = str
    FeatureKindValue = LetterValue = TakeoverValue = str
else:
    StateValue = literal_of(*IncidentState.values)
    CoordinationLevelValue = literal_of(*CoordinationLevel.values)
    ComponentKindValue = literal_of(*ComponentKind.values)
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
    if not selectors.can_view_incidents(user):
        raise Forbidden(_("You are not allowed to do this."))
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


# ---------------------------------------------------------------- schemas


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
        "reasons": list(a.reasons or []),
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


# ---------------------------------------------------------------- incidents


@router.get("/incidents/types", response={200: list[IncidentTypeOut], **_ERRORS}, summary="Incident types")
def incident_types(request: HttpRequest) -> Any:
    """The configurable list of standard joint activities (§18)."""
    _reader(request)
    return [_type(t) for t in IncidentType.objects.filter(is_active=True)]


class IncidentCreateIn(_StrictIn):
    type: str = Field(..., min_length=1, max_length=60)
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=TEXT_MAX)
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)
    affected_area: dict[str, Any] | None = None
    persons_threatened: int | None = Field(None, ge=0, le=100_000_000)
    area_m2: float | None = Field(None, ge=0, le=1e12)
    complicated_objects: int = Field(0, ge=0, le=1_000_000)
    threatened: list[ThreatenedValue] = Field(default_factory=list, max_length=20)
    components: ComponentsValue = "basic_uncoordinated"
    coordination: SiteCoordinationValue = "none"
    coordination_level: CoordinationLevelValue = "tactical"
    region_code: str = Field("", max_length=20)
    orp_code: str = Field("", max_length=20)


@router.post("/incidents", response={201: IncidentDetailOut, **_ERRORS}, summary="Record an incident")
def create_incident(request: HttpRequest, payload: IncidentCreateIn) -> Any:
    """A new incident in state "reported"."""
    data = payload.model_dump()
    incident = services.create_incident(user=_actor(request), type_code=data.pop("type"), **data)
    return _created(_detail(incident.pk))


@router.get("/incidents", response={200: IncidentListOut, **_ERRORS}, summary="Incidents")
def list_incidents(
    request: HttpRequest,
    state: list[StateValue] | None = Query(None),  # noqa: B008 - Ninja parameter declaration
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Any:
    """Incidents, newest first; by default the open ones."""
    _reader(request)
    qs = Incident.objects.select_related("type", "event", "current_command__recorded_by")
    qs = qs.filter(state__in=list(state)) if state else qs.filter(state__in=OPEN_STATES)
    return {"count": qs.count(), "items": [_incident_data(i) for i in qs[offset : offset + limit]]}


class IncidentBoardRowOut(Schema):
    id: int
    title: str
    type: IncidentTypeOut
    state: str
    alarm_level: str
    lat: float
    lon: float
    commander: str
    event: IncidentEventRefOut | None
    priority: int | None
    components_called: int
    components_on_site: int
    components_en_route: int
    people_on_site: int
    last_message_at: datetime | None
    seconds_since_last_message: int | None
    created_at: datetime


class IncidentBoardOut(Schema):
    generated_at: datetime
    count: int
    items: list[IncidentBoardRowOut]


@router.get("/incidents/board", response={200: IncidentBoardOut, **_ERRORS}, summary="Operations board")
def board(request: HttpRequest) -> Any:
    """Open incidents with level, commander, components on site vs called, time since the last message."""
    _reader(request)
    now = timezone.now()
    items = []
    for i in selectors.board_incidents():
        last = i.last_message_at  # type: ignore[attr-defined]
        items.append(
            {
                "id": i.pk,
                "title": i.title,
                "type": _type(i.type),
                "state": i.state,
                "alarm_level": i.alarm_level,
                "lat": i.lat,
                "lon": i.lon,
                "commander": i.current_command.commander_name if i.current_command else "",
                "event": _event_ref(i.event),
                "priority": i.priority,
                "components_called": i.components_called,  # type: ignore[attr-defined]
                "components_on_site": i.components_on_site,  # type: ignore[attr-defined]
                "components_en_route": i.components_en_route,  # type: ignore[attr-defined]
                "people_on_site": i.people_on_site or 0,  # type: ignore[attr-defined]
                "last_message_at": last,
                "seconds_since_last_message": max(0, int((now - last).total_seconds())) if last else None,
                "created_at": i.created_at,
            }
        )
    return {"generated_at": now, "count": len(items), "items": items}


@router.get(
    "/incidents/{int:incident_id}", response={200: IncidentDetailOut, **_ERRORS}, summary="An incident"
)
def incident_detail(request: HttpRequest, incident_id: int = _id()) -> Any:
    """An incident with its commanders, components, declarations and site division."""
    _reader(request)
    return _detail(incident_id)


class IncidentFactsIn(_StrictIn):
    persons_threatened: int | None = Field(None, ge=0, le=100_000_000)
    area_m2: float | None = Field(None, ge=0, le=1e12)
    complicated_objects: int = Field(0, ge=0, le=1_000_000)
    threatened: list[ThreatenedValue] = Field(default_factory=list, max_length=20)
    components: ComponentsValue = "basic_uncoordinated"
    coordination: SiteCoordinationValue = "none"


@router.put(
    "/incidents/{int:incident_id}/facts",
    response={200: IncidentDetailOut, **_ERRORS},
    summary="Update what the incident threatens",
)
def update_facts(request: HttpRequest, payload: IncidentFactsIn, incident_id: int = _id()) -> Any:
    """Replace the facts the alarm-level proposal reads."""
    services.update_incident_facts(user=_actor(request), incident_id=incident_id, **payload.model_dump())
    return _detail(incident_id)


class IncidentStateIn(_StrictIn):
    state: StateValue
    note: str = Field("", max_length=TEXT_MAX)


@router.post(
    "/incidents/{int:incident_id}/state",
    response={200: IncidentDetailOut, **_ERRORS},
    summary="Change the state of an incident",
)
def change_state(request: HttpRequest, payload: IncidentStateIn, incident_id: int = _id()) -> Any:
    """reported → in_progress → liquidation → closed; closing records the end of rescue work."""
    services.change_state(
        user=_actor(request), incident_id=incident_id, target=payload.state, note=payload.note
    )
    return _detail(incident_id)


# ---------------------------------------------------------------- alarm levels


class IncidentReasonOut(Schema):
    rule: str
    code: str
    text: str


class IncidentProposalOut(Schema):
    level: str
    reasons: list[IncidentReasonOut]
    declared_level: str


@router.get(
    "/incidents/{int:incident_id}/proposal",
    response={200: IncidentProposalOut, **_ERRORS},
    summary="Proposed alarm level of an incident",
)
def incident_proposal(request: HttpRequest, incident_id: int = _id()) -> Any:
    """What the rule proposes from the incident's current facts, with citations (no side effects)."""
    incident = _readable_incident(request, incident_id)
    p = services.propose_for_incident(incident)
    return {"level": p.level, "reasons": p.reasons, "declared_level": incident.alarm_level}


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


@router.post(
    "/incidents/{int:incident_id}/declarations",
    response={201: IncidentDeclarationOut, **_ERRORS},
    summary="Declare the alarm level of an incident",
)
def declare_level(request: HttpRequest, payload: IncidentDeclareIn, incident_id: int = _id()) -> Any:
    """Declare a level (§20); lower than proposed needs a written reason; III/special notify (§23, §24)."""
    return _created(_declaration(_declare(request, payload, incident_id=incident_id)))


# ---------------------------------------------------------------- command


class IncidentCommanderIn(_StrictIn):
    commander_name: str = Field(..., min_length=1, max_length=NAME_MAX)
    commander_user: int | None = Field(None, ge=1, le=MAX_ID)
    component: ComponentKindValue | None = None
    successor_name: str = Field("", max_length=NAME_MAX)


@router.post(
    "/incidents/{int:incident_id}/commander",
    response={201: IncidentCommandOut, **_ERRORS},
    summary="Assign the first commander",
)
def assign_commander(request: HttpRequest, payload: IncidentCommanderIn, incident_id: int = _id()) -> Any:
    """The first commander at the site (§3(2))."""
    c = services.assign_commander(
        user=_actor(request),
        incident_id=incident_id,
        commander_name=payload.commander_name,
        commander_user_id=payload.commander_user,
        component=payload.component or "",
        successor_name=payload.successor_name,
    )
    return _created(_command(c))


class IncidentSuccessorIn(_StrictIn):
    successor_name: str = Field(..., min_length=1, max_length=NAME_MAX)


@router.post(
    "/incidents/{int:incident_id}/commander/successor",
    response={200: IncidentCommandOut, **_ERRORS},
    summary="Name the commander's successor",
)
def name_successor(request: HttpRequest, payload: IncidentSuccessorIn, incident_id: int = _id()) -> Any:
    """§3(3) e): the successor named in advance."""
    return _command(
        services.name_successor(
            user=_actor(request), incident_id=incident_id, successor_name=payload.successor_name
        )
    )


class IncidentHandoverIn(_StrictIn):
    new_commander_name: str = Field(..., min_length=1, max_length=NAME_MAX)
    new_commander_user: int | None = Field(None, ge=1, le=MAX_ID)
    component: ComponentKindValue | None = None
    situation: str = Field(..., min_length=1, max_length=TEXT_MAX)
    aim: str = Field(..., min_length=1, max_length=TEXT_MAX)
    priorities: str = Field(..., min_length=1, max_length=TEXT_MAX)
    successor_name: str = Field("", max_length=NAME_MAX)
    declaration: str = Field(services.TAKEOVER_DECLARATION, max_length=300)


@router.post(
    "/incidents/{int:incident_id}/commander/handover",
    response={201: IncidentCommandOut, **_ERRORS},
    summary="Hand over command (§3(7))",
)
def hand_over(request: HttpRequest, payload: IncidentHandoverIn, incident_id: int = _id()) -> Any:
    """Briefing (situation, aim, priorities), takeover declaration; time and name recorded."""
    data = payload.model_dump()
    c = services.hand_over_command(
        user=_actor(request),
        incident_id=incident_id,
        new_commander_user_id=data.pop("new_commander_user"),
        component=data.pop("component") or "",
        **data,
    )
    return _created(_command(c))


class IncidentTakeoverOptionOut(Schema):
    how: str
    rule: str
    name: str
    component: str
    deployment_id: int | None


@router.get(
    "/incidents/{int:incident_id}/commander/takeover",
    response={200: list[IncidentTakeoverOptionOut], **_ERRORS},
    summary="Who takes over if the commander drops out (§3(6))",
)
def takeover_options(request: HttpRequest, incident_id: int = _id()) -> Any:
    """The §3(6) candidates in order; the first one is the proposal."""
    incident = _readable_incident(request, incident_id)
    return [o.__dict__ for o in services.takeover_options(incident)]


class IncidentTakeoverIn(_StrictIn):
    how: TakeoverValue | None = None
    new_commander_name: str = Field("", max_length=NAME_MAX)
    skip_reason: str = Field("", max_length=TEXT_MAX)
    situation: str = Field("", max_length=TEXT_MAX)
    aim: str = Field("", max_length=TEXT_MAX)
    priorities: str = Field("", max_length=TEXT_MAX)
    declaration: str = Field(services.TAKEOVER_DECLARATION, max_length=300)


@router.post(
    "/incidents/{int:incident_id}/commander/takeover",
    response={201: IncidentCommandOut, **_ERRORS},
    summary="Take over when the commander drops out (§3(6))",
)
def take_over(request: HttpRequest, payload: IncidentTakeoverIn, incident_id: int = _id()) -> Any:
    """a) the successor, b) the prevailing component's leader, c) the authority's representative."""
    c = services.take_over_command_when_commander_drops_out(
        user=_actor(request), incident_id=incident_id, **payload.model_dump()
    )
    return _created(_command(c))


# ---------------------------------------------------------------- components


class IncidentCallComponentIn(_StrictIn):
    kind: ComponentKindValue
    unit_name: str = Field("", max_length=NAME_MAX)
    people: int = Field(0, ge=0, le=100_000)
    vehicles: int = Field(0, ge=0, le=100_000)


@router.post(
    "/incidents/{int:incident_id}/components",
    response={201: IncidentDeploymentOut, **_ERRORS},
    summary="Call a component",
)
def call_component(
    request: HttpRequest, payload: IncidentCallComponentIn, incident_id: int = _id()
) -> Any:
    """A component called to the site (shown as en route until it checks in)."""
    d = services.call_component(user=_actor(request), incident_id=incident_id, **payload.model_dump())
    return _created(_deployment(d))


class IncidentCheckInIn(_StrictIn):
    kind: ComponentKindValue
    leader_name: str = Field(..., min_length=1, max_length=NAME_MAX)
    people: int = Field(..., ge=0, le=100_000)
    vehicles: int = Field(..., ge=0, le=100_000)
    equipment: list[str] = Field(default_factory=list, max_length=200)
    unit_name: str = Field("", max_length=NAME_MAX)
    deployment_id: int | None = Field(None, ge=1, le=MAX_ID, description="the call it answers")


@router.post(
    "/incidents/{int:incident_id}/components/check-in",
    response={201: IncidentDeploymentOut, **_ERRORS},
    summary="A component checks in (§4(2))",
)
def check_in(request: HttpRequest, payload: IncidentCheckInIn, incident_id: int = _id()) -> Any:
    """Arrival with leader and forces and means."""
    d = services.check_in_component(user=_actor(request), incident_id=incident_id, **payload.model_dump())
    return _created(_deployment(d))


@router.post(
    "/incidents/{int:incident_id}/components/{int:deployment_id}/check-out",
    response={200: IncidentDeploymentOut, **_ERRORS},
    summary="A component leaves the site",
)
def check_out(request: HttpRequest, incident_id: int = _id(), deployment_id: int = _id()) -> Any:
    """Departure (§6 h)."""
    d = services.check_out_component(
        user=_actor(request), incident_id=incident_id, deployment_id=deployment_id
    )
    return _deployment(d)


# ---------------------------------------------------------------- site


class IncidentSiteFeatureIn(_StrictIn):
    kind: FeatureKindValue
    geometry: dict[str, Any]
    name: str = Field("", max_length=NAME_MAX)
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="the sector of a section")


@router.post(
    "/incidents/{int:incident_id}/site-features",
    response={201: IncidentSiteFeatureOut, **_ERRORS},
    summary="Draw a zone or post (§5)",
)
def add_site_feature(
    request: HttpRequest, payload: IncidentSiteFeatureIn, incident_id: int = _id()
) -> Any:
    """Zones are polygons, posts are points; sections must lie within their sector."""
    data = payload.model_dump()
    f = services.add_site_feature(
        user=_actor(request), incident_id=incident_id, parent_id=data.pop("parent"), **data
    )
    return _created(_feature(f))


class IncidentSiteFeatureCollectionOut(Schema):
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


@router.get(
    "/incidents/{int:incident_id}/site-features",
    response={200: IncidentSiteFeatureCollectionOut, **_ERRORS},
    summary="The site division as GeoJSON",
)
def site_features(request: HttpRequest, incident_id: int = _id(), include_retired: bool = False) -> Any:
    """Zones and posts of the site as a GeoJSON FeatureCollection (removed ones on request)."""
    incident = _readable_incident(request, incident_id)
    features = incident.site_features.all()
    if not include_retired:
        features = features.filter(retired_at__isnull=True)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f.pk,
                "geometry": f.geometry,
                "properties": {
                    "kind": f.kind,
                    "kind_label": str(f.get_kind_display()),
                    "name": f.name,
                    "parent": f.parent_id,
                    "retired_at": f.retired_at.isoformat() if f.retired_at else None,
                },
            }
            for f in features
        ],
    }


class IncidentSiteFeatureChangeIn(_StrictIn):
    """Only the fields sent change; `parent: null` takes a feature out of its sector."""

    kind: FeatureKindValue | None = None
    geometry: dict[str, Any] | None = None
    name: str | None = Field(None, max_length=NAME_MAX)
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="the sector of a section")


@router.patch(
    "/incidents/{int:incident_id}/site-features/{int:feature_id}",
    response={200: IncidentSiteFeatureOut, **_ERRORS},
    summary="Change a zone or post (§5) as the site changes",
)
def change_site_feature(
    request: HttpRequest,
    payload: IncidentSiteFeatureChangeIn,
    incident_id: int = _id(),
    feature_id: int = _id(),
) -> Any:
    """Geometry, name, kind within zones or posts, the sector of a section; recorded old → new."""
    sent = payload.model_fields_set
    f = services.change_site_feature(
        user=_actor(request),
        incident_id=incident_id,
        feature_id=feature_id,
        geometry=payload.geometry,
        name=payload.name,
        kind=payload.kind,
        parent_id=payload.parent if "parent" in sent else services.KEEP,
    )
    return _feature(f)


class IncidentSiteFeatureRetireIn(_StrictIn):
    note: str = Field("", max_length=NAME_MAX * 2)


@router.post(
    "/incidents/{int:incident_id}/site-features/{int:feature_id}/retire",
    response={200: IncidentSiteFeatureOut, **_ERRORS},
    summary="Remove a zone or post from the site (kept on record)",
)
def retire_site_feature(
    request: HttpRequest,
    payload: IncidentSiteFeatureRetireIn,
    incident_id: int = _id(),
    feature_id: int = _id(),
) -> Any:
    """The feature stays in the record with the time it was removed; it is no longer drawn."""
    f = services.retire_site_feature(
        user=_actor(request), incident_id=incident_id, feature_id=feature_id, note=payload.note
    )
    return _feature(f)


class IncidentAffectedAreaIn(_StrictIn):
    affected_area: dict[str, Any] | None = Field(..., description="GeoJSON Polygon/MultiPolygon, or null to clear")


@router.put(
    "/incidents/{int:incident_id}/affected-area",
    response={200: IncidentDetailOut, **_ERRORS},
    summary="Redraw or clear the affected area",
)
def change_affected_area(request: HttpRequest, payload: IncidentAffectedAreaIn, incident_id: int = _id()) -> Any:
    """A new polygon of the area the incident affects, or null."""
    services.change_affected_area(
        user=_actor(request), incident_id=incident_id, affected_area=payload.affected_area
    )
    return _detail(incident_id)


class IncidentCoordinationLevelIn(_StrictIn):
    coordination_level: CoordinationLevelValue


@router.put(
    "/incidents/{int:incident_id}/coordination-level",
    response={200: IncidentDetailOut, **_ERRORS},
    summary="Change the coordination level (§2)",
)
def change_coordination_level(
    request: HttpRequest, payload: IncidentCoordinationLevelIn, incident_id: int = _id()
) -> Any:
    """Tactical, operational or strategic level of coordination."""
    services.change_coordination_level(
        user=_actor(request), incident_id=incident_id, coordination_level=payload.coordination_level
    )
    return _detail(incident_id)


# ---------------------------------------------------------------- messages, log, timeline


class IncidentTimelineEntryOut(Schema):
    id: int
    at: datetime
    kind: str
    letter: str
    letter_label: str
    text: str
    data: dict[str, Any]
    author: str


def _entry(e: TimelineEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": e.at,
        "kind": e.kind,
        "letter": e.letter,
        "letter_label": str(e.get_letter_display()) if e.letter else "",
        "text": e.text,
        "data": e.data or {},
        "author": e.author_label,
    }


class IncidentMessageIn(_StrictIn):
    letter: LetterValue
    text: str = Field(..., min_length=1, max_length=TEXT_MAX)


@router.post(
    "/incidents/{int:incident_id}/messages",
    response={201: IncidentTimelineEntryOut, **_ERRORS},
    summary="Message from the site (§6 a–i)",
)
def post_message(request: HttpRequest, payload: IncidentMessageIn, incident_id: int = _id()) -> Any:
    """A typed message from the site to the OPIS."""
    e = services.post_site_message(user=_actor(request), incident_id=incident_id, **payload.model_dump())
    return _created(_entry(e))


class IncidentLogIn(_StrictIn):
    text: str = Field(..., min_length=1, max_length=TEXT_MAX)


@router.post(
    "/incidents/{int:incident_id}/log",
    response={201: IncidentTimelineEntryOut, **_ERRORS},
    summary="Free-text log entry",
)
def add_log(request: HttpRequest, payload: IncidentLogIn, incident_id: int = _id()) -> Any:
    """A line in the incident's log."""
    e = services.add_log_entry(user=_actor(request), incident_id=incident_id, text=payload.text)
    return _created(_entry(e))


class IncidentTimelineOut(Schema):
    count: int
    items: list[IncidentTimelineEntryOut]


@router.get(
    "/incidents/{int:incident_id}/timeline",
    response={200: IncidentTimelineOut, **_ERRORS},
    summary="Timeline of an incident",
)
def timeline(
    request: HttpRequest,
    incident_id: int = _id(),
    limit: int = Query(500, ge=1, le=5000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Any:
    """Everything recorded about the incident, oldest first."""
    _readable_incident(request, incident_id)
    qs = selectors.incident_timeline(incident_id)
    return {"count": qs.count(), "items": [_entry(e) for e in qs[offset : offset + limit]]}


class IncidentNotificationOut(Schema):
    message_id: str
    rule: str
    channel: str
    address: str
    subject: str
    state: str
    attempts: int
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    source_type: str


@router.get(
    "/incidents/{int:incident_id}/notifications",
    response={200: list[IncidentNotificationOut], **_ERRORS},
    summary="Notifications of an incident",
)
def notifications(request: HttpRequest, incident_id: int = _id()) -> Any:
    """Outbox rows caused by the incident's (or its event's) declarations, with their rule and state."""
    incident = _readable_incident(request, incident_id)
    return [
        {
            "message_id": str(m.message_id),
            "rule": m.rule,
            "channel": m.channel,
            "address": m.address,
            "subject": m.subject,
            "state": m.state,
            "attempts": m.attempts,
            "last_error": m.last_error,
            "created_at": m.created_at,
            "delivered_at": m.delivered_at,
            "next_attempt_at": m.next_attempt_at,
            "source_type": m.source_type,
        }
        for m in selectors.incident_notifications(incident)
    ]


# ---------------------------------------------------------------- events (§20(3), §7 b)


class IncidentEventIn(_StrictIn):
    name: str = Field(..., min_length=1, max_length=200)
    incidents: list[int] = Field(..., min_length=2, max_length=500)
    region_code: str = Field("", max_length=20)
    orp_code: str = Field("", max_length=20)


class IncidentEventSiteOut(Schema):
    id: int
    title: str
    priority: int | None
    state: str
    alarm_level: str


class IncidentEventOut(Schema):
    id: int
    name: str
    region_code: str
    orp_code: str
    alarm_level: str
    sites: list[IncidentEventSiteOut]
    declarations: list[IncidentDeclarationOut]
    created_at: datetime


def _event(event_id: int) -> dict[str, Any]:
    e = IncidentEvent.objects.filter(pk=event_id).first()
    if e is None:
        raise NotFound(_("Event not found."))
    sites = e.incidents.order_by(F("priority").asc(nulls_last=True), "pk")
    return {
        "id": e.pk,
        "name": e.name,
        "region_code": e.region_code,
        "orp_code": e.orp_code,
        "alarm_level": e.alarm_level,
        "sites": [
            {"id": i.pk, "title": i.title, "priority": i.priority, "state": i.state, "alarm_level": i.alarm_level}
            for i in sites
        ],
        "declarations": [_declaration(a) for a in e.declarations.all()],
        "created_at": e.created_at,
    }


def _ids(values: list[int]) -> list[int]:
    for v in values:
        if not 1 <= v <= MAX_ID:
            raise NotFound(_("Incident %(id)s not found.") % {"id": v})
    return values


@router.post("/incidents/events", response={201: IncidentEventOut, **_ERRORS}, summary="Group incidents into an event")
def create_event(request: HttpRequest, payload: IncidentEventIn) -> Any:
    """An event for a territory with more than one site (§20(3))."""
    data = payload.model_dump()
    e = services.create_event(user=_actor(request), incident_ids=_ids(data.pop("incidents")), **data)
    return _created(_event(e.pk))


class IncidentEventListOut(Schema):
    count: int
    items: list[IncidentEventOut]


@router.get("/incidents/events", response={200: IncidentEventListOut, **_ERRORS}, summary="Events")
def list_events(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Any:
    """Events (territories with more than one site), newest first."""
    _reader(request)
    qs = IncidentEvent.objects.order_by("-created_at", "-pk")
    ids = list(qs.values_list("pk", flat=True)[offset : offset + limit])
    return {"count": qs.count(), "items": [_event(pk) for pk in ids]}


@router.get("/incidents/events/{int:event_id}", response={200: IncidentEventOut, **_ERRORS}, summary="An event")
def event_detail(request: HttpRequest, event_id: int = _id()) -> Any:
    """An event with its sites in priority order and its declarations."""
    _reader(request)
    return _event(event_id)


class IncidentEventAddIn(_StrictIn):
    incidents: list[int] = Field(..., min_length=1, max_length=500)


@router.post(
    "/incidents/events/{int:event_id}/incidents",
    response={200: IncidentEventOut, **_ERRORS},
    summary="Add incidents to an event",
)
def add_to_event(request: HttpRequest, payload: IncidentEventAddIn, event_id: int = _id()) -> Any:
    """Add sites to the event; each gets the next priority."""
    services.group_into_event(user=_actor(request), event_id=event_id, incident_ids=_ids(payload.incidents))
    return _event(event_id)


class IncidentPrioritiesIn(_StrictIn):
    order: list[int] = Field(..., min_length=1, max_length=500)


@router.post(
    "/incidents/events/{int:event_id}/priorities",
    response={200: IncidentEventOut, **_ERRORS},
    summary="Set priorities between sites (§7 b)",
)
def set_priorities(request: HttpRequest, payload: IncidentPrioritiesIn, event_id: int = _id()) -> Any:
    """Every site of the event, first = highest priority."""
    services.set_site_priorities(user=_actor(request), event_id=event_id, order=payload.order)
    return _event(event_id)


@router.post(
    "/incidents/events/{int:event_id}/declarations",
    response={201: IncidentDeclarationOut, **_ERRORS},
    summary="Declare the alarm level of a territory (§20(3))",
)
def declare_event_level(request: HttpRequest, payload: IncidentDeclareIn, event_id: int = _id()) -> Any:
    """The OPIS declares a level for the territory; III/special also go to the higher OPIS (§13 f)."""
    return _created(_declaration(_declare(request, payload, event_id=event_id)))


# ---------------------------------------------------------------- calls (§12)


class IncidentCallIn(_StrictIn):
    received_by_centre: str = Field(..., min_length=1, max_length=NAME_MAX)
    summary: str = Field(..., min_length=1, max_length=TEXT_MAX)
    caller_phone: str = Field("", max_length=40)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    incident: int | None = Field(None, ge=1, le=MAX_ID)


class IncidentCallOut(Schema):
    id: int
    received_at: datetime
    received_by_centre: str
    caller_phone: str
    summary: str
    lat: float | None
    lon: float | None
    incident: int | None
    forwarded_to_centre: str
    forwarded_to_opis: str
    forwarded_at: datetime | None
    forwarded_by: str


def _call(c: CallRecord) -> dict[str, Any]:
    return {
        "id": c.pk,
        "received_at": c.received_at,
        "received_by_centre": c.received_by_centre,
        "caller_phone": c.caller_phone,
        "summary": c.summary,
        "lat": c.lat,
        "lon": c.lon,
        "incident": c.incident_id,
        "forwarded_to_centre": c.forwarded_to_centre,
        "forwarded_to_opis": c.forwarded_to_opis,
        "forwarded_at": c.forwarded_at,
        "forwarded_by": c.forwarded_by_label,
    }


def _call_reader(request: HttpRequest) -> None:
    # Call records carry the caller's number: only those who handle calls read them.
    policy.require_operations_centre(_actor(request))


@router.post("/incidents/calls", response={201: IncidentCallOut, **_ERRORS}, summary="Record an emergency call")
def record_call(request: HttpRequest, payload: IncidentCallIn) -> Any:
    """An emergency call received by a centre (§12)."""
    data = payload.model_dump()
    c = services.record_call(user=_actor(request), incident_id=data.pop("incident"), **data)
    return _created(_call(c))


class IncidentCallListOut(Schema):
    count: int
    items: list[IncidentCallOut]


@router.get("/incidents/calls", response={200: IncidentCallListOut, **_ERRORS}, summary="Emergency calls")
def list_calls(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Any:
    """Recorded calls, newest first."""
    _call_reader(request)
    qs = CallRecord.objects.all()
    return {"count": qs.count(), "items": [_call(c) for c in qs[offset : offset + limit]]}


class IncidentForwardIn(_StrictIn):
    to_centre: str = Field(..., min_length=1, max_length=NAME_MAX)
    to_opis: str = Field("", max_length=NAME_MAX)


@router.post(
    "/incidents/calls/{int:call_id}/forward",
    response={200: IncidentCallOut, **_ERRORS},
    summary="Forward a call to the competent centre (§12)",
)
def forward_call(request: HttpRequest, payload: IncidentForwardIn, call_id: int = _id()) -> Any:
    """Forward the call data to the competent centre and, when several components are needed, the OPIS."""
    c = services.forward_call(
        user=_actor(request), call_id=call_id, to_centre=payload.to_centre, to_opis=payload.to_opis
    )
    return _call(c)
