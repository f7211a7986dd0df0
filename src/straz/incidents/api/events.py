"""API of events (§20(3), §7 b)) and calls forwarded between centres (§12)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from straz.accounts.auth import staff_auth
from straz.core.errors import NotFound
from straz.incidents import policy, services
from straz.incidents.api.common import (
    _ERRORS,
    MAX_ID,
    NAME_MAX,
    TEXT_MAX,
    IncidentDeclarationOut,
    IncidentDeclareIn,
    _actor,
    _created,
    _declaration,
    _declare,
    _id,
    _reader,
    _StrictIn,
)

# The facts' value lists are the preview endpoint's (one list, one OpenAPI enum).
from straz.incidents.models import (
    CallRecord,
    IncidentEvent,
)

router = Router(tags=["incidents"], auth=staff_auth)


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


class IncidentCallIn(_StrictIn):
    received_by_centre: str = Field(..., min_length=1, max_length=NAME_MAX)
    summary: str = Field(..., min_length=1, max_length=TEXT_MAX)
    caller_phone: str = Field("", max_length=40)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    incident: int | None = Field(None, ge=1, le=MAX_ID)
    call_type: str = Field("", max_length=30, description="§12: fire, technical, hazardous_substance, flood, medical, "
                           "crime, public_order, traffic_accident")
    components_needed: list[str] = Field(
        default_factory=list, max_length=3, description="components the call needs: hzs, zzs, pcr"
    )


class IncidentCallOut(Schema):
    id: int
    received_at: datetime
    received_by_centre: str
    # Null for those who may not read it (incidents.policy.can_read_caller_number).
    caller_phone: str | None
    summary: str
    lat: float | None
    lon: float | None
    incident: int | None
    forwarded_to_centre: str
    forwarded_to_opis: str
    forwarded_at: datetime | None
    forwarded_by: str
    call_type: str = ""
    components_needed: list[str] = []
    forward_flags: list[str] = []


def _call(c: CallRecord, user: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "received_at": c.received_at,
        "received_by_centre": c.received_by_centre,
        "caller_phone": c.caller_phone if policy.can_read_caller_number(user) else None,
        "summary": c.summary,
        "lat": c.lat,
        "lon": c.lon,
        "incident": c.incident_id,
        "forwarded_to_centre": c.forwarded_to_centre,
        "forwarded_to_opis": c.forwarded_to_opis,
        "forwarded_at": c.forwarded_at,
        "forwarded_by": c.forwarded_by_label,
        "call_type": c.call_type,
        "components_needed": list(c.components_needed or []),
        "forward_flags": list(c.forward_flags or []),
    }




@router.post("/incidents/calls", response={201: IncidentCallOut, **_ERRORS}, summary="Record an emergency call")
def record_call(request: HttpRequest, payload: IncidentCallIn) -> Any:
    """An emergency call received by a centre (§12)."""
    data = payload.model_dump()
    c = services.record_call(user=_actor(request), incident_id=data.pop("incident"), **data)
    return _created(_call(c, _actor(request)))


class IncidentCallListOut(Schema):
    count: int
    items: list[IncidentCallOut]


@router.get("/incidents/calls", response={200: IncidentCallListOut, **_ERRORS}, summary="Emergency calls")
def list_calls(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Any:
    """Recorded calls, newest first; the caller's number only for the operations centre."""
    user = _actor(request)
    policy.require_viewer(user)
    qs = CallRecord.objects.all()
    return {"count": qs.count(), "items": [_call(c, user) for c in qs[offset : offset + limit]]}


class IncidentForwardIn(_StrictIn):
    to_centre: str = Field("", max_length=NAME_MAX, description="empty: the competent centre the territory knows")
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
    return _call(c, _actor(request))
