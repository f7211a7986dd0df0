"""API of command (§3) and components (§4(2)) at an incident."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from straz.accounts.auth import staff_auth
from straz.incidents import services
from straz.incidents.api.common import (
    _ERRORS,
    MAX_ID,
    NAME_MAX,
    TEXT_MAX,
    ComponentKindValue,
    ComponentOriginValue,
    IncidentCommandOut,
    IncidentDeploymentOut,
    TakeoverValue,
    _actor,
    _command,
    _created,
    _deployment,
    _id,
    _readable_incident,
    _StrictIn,
)

# The facts' value lists are the preview endpoint's (one list, one OpenAPI enum).

router = Router(tags=["incidents"], auth=staff_auth)


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


class IncidentCallComponentIn(_StrictIn):
    kind: ComponentKindValue
    unit_name: str = Field("", max_length=NAME_MAX)
    people: int = Field(0, ge=0, le=100_000)
    vehicles: int = Field(0, ge=0, le=100_000)
    origin: ComponentOriginValue = Field(
        "region", description="where the forces come from (letter b) of §22–§24)"
    )


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
    origin: ComponentOriginValue | None = Field(
        None, description="where the forces come from; omitted keeps the call's (or the region)"
    )


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
