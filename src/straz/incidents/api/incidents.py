"""API of one incident: types, create, list, board, detail, facts, state, proposal, declaration, timeline, messages, notifications."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from straz.accounts.auth import staff_auth
from straz.core.errors import NotFound
from straz.incidents import selectors, services

# The facts' value lists are the preview endpoint's (one list, one OpenAPI enum).
from straz.incidents.api.alarm import ComponentsValue
from straz.incidents.api.alarm import CoordinationValue as SiteCoordinationValue
from straz.incidents.api.alarm import ThreatenedItem as ThreatenedValue
from straz.incidents.api.common import (
    _ERRORS,
    TEXT_MAX,
    CoordinationLevelValue,
    IncidentDeclarationOut,
    IncidentDeclareIn,
    IncidentDetailOut,
    IncidentEventRefOut,
    IncidentListOut,
    IncidentProposalNoteOut,
    IncidentReasonOut,
    IncidentTypeOut,
    LetterValue,
    StateValue,
    _actor,
    _created,
    _declaration,
    _declare,
    _detail,
    _event_ref,
    _id,
    _incident_data,
    _readable_incident,
    _reader,
    _StrictIn,
    _type,
)
from straz.incidents.choices import (
    OPEN_STATES,
    NoticeBasis,
    literal_of,
)
from straz.incidents.models import (
    Incident,
    IncidentEvent,
    IncidentType,
    TimelineEntry,
)

router = Router(tags=["incidents"], auth=staff_auth)

if TYPE_CHECKING:
    NoticeBasisValue: TypeAlias = str
else:
    NoticeBasisValue = literal_of(*NoticeBasis.values)


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
    components_leave: bool = Field(
        False,
        description=(
            "Confirms closing while components are still on site: each is recorded as having "
            "left now (§6(1) h)). Without it such a close is refused with 409."
        ),
    )


@router.post(
    "/incidents/{int:incident_id}/state",
    response={200: IncidentDetailOut, **_ERRORS},
    summary="Change the state of an incident",
)
def change_state(request: HttpRequest, payload: IncidentStateIn, incident_id: int = _id()) -> Any:
    """reported → in_progress → liquidation → closed; closing records the end of rescue work."""
    services.change_state(
        user=_actor(request),
        incident_id=incident_id,
        target=payload.state,
        note=payload.note,
        components_leave=payload.components_leave,
    )
    return _detail(incident_id)


class IncidentProposalOut(Schema):
    level: str
    reasons: list[IncidentReasonOut]
    notes: list[IncidentProposalNoteOut]
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
    return {"level": p.level, "reasons": p.reasons, "notes": p.notes, "declared_level": incident.alarm_level}


@router.post(
    "/incidents/{int:incident_id}/declarations",
    response={201: IncidentDeclarationOut, **_ERRORS},
    summary="Declare the alarm level of an incident",
)
def declare_level(request: HttpRequest, payload: IncidentDeclareIn, incident_id: int = _id()) -> Any:
    """Declare a level (§20); lower than proposed needs a written reason; III/special notify (§23, §24)."""
    return _created(_declaration(_declare(request, payload, incident_id=incident_id)))


class IncidentTimelineEntryOut(Schema):
    id: int
    at: datetime
    kind: str
    letter: str
    letter_label: str
    text: str
    code: str = ""
    params: dict[str, Any] = {}
    data: dict[str, Any]
    author: str


def _entry(e: TimelineEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": e.at,
        "kind": e.kind,
        "letter": e.letter,
        "letter_label": str(e.get_letter_display()) if e.letter else "",
        # Rendered in the request's language; `code` and `params` give the message itself.
        "text": e.rendered,
        "code": e.code,
        "params": e.params or {},
        "data": e.data or {},
        "author": e.author_shown,
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


# ---------------------------------------------------------------- §23(2) notices by decision (ADR 0028)


class IncidentNoticeOut(Schema):
    id: int
    rule: str
    role: str
    status: str
    declaration: int
    incident: int | None
    event: int | None
    proposed_at: datetime
    basis: str
    decided_by: str
    decided_at: datetime | None
    recorded_by: str
    recorded_at: datetime | None
    would_tell: list[str]
    sent: list[dict[str, Any]]


def _notice_row(row: dict[str, Any]) -> dict[str, Any]:
    p = row["proposal"]
    return {
        "id": p.pk,
        "rule": p.rule,
        "role": p.role,
        "status": p.status,
        "declaration": p.declaration_id,
        "incident": p.incident_id,
        "event": p.event_id,
        "proposed_at": p.proposed_at,
        "basis": p.basis,
        "decided_by": p.decided_by_name,
        "decided_at": p.decided_at,
        "recorded_by": p.recorded_by_label,
        "recorded_at": p.recorded_at,
        "would_tell": [f"{c.name} <{c.address}>" for c in row["contacts"]],
        "sent": p.sent,
    }


@router.get(
    "/incidents/{int:incident_id}/notices",
    response={200: list[IncidentNoticeOut], **_ERRORS},
    summary="§23(2) notices of an incident: proposed, decided, sent",
)
def incident_notices(request: HttpRequest, incident_id: int = _id()) -> Any:
    """The notices Straz proposed on level III, whom each would tell, and the decisions recorded."""
    incident = _readable_incident(request, incident_id)
    return [_notice_row(r) for r in services.pending_notices(incident)]


class IncidentNoticeDecisionIn(_StrictIn):
    basis: NoticeBasisValue = Field(
        ..., description="duty_officer (the duty officer's decision) or commander_request (ORP mayor only)"
    )
    decided_by: str = Field(..., max_length=150, description="name of the duty officer or commander")
    decided_at: datetime | None = Field(None, description="when they decided (default: now)")
    notify: bool = Field(True, description="false records a duty officer's decision not to notify")


@router.post(
    "/incidents/notices/{int:notice_id}/decision",
    response={200: IncidentNoticeOut, **_ERRORS},
    summary="Record the decision on a §23(2) notice, and send it",
)
def decide_notice(request: HttpRequest, payload: IncidentNoticeDecisionIn, notice_id: int = _id()) -> Any:
    """The OPIS records the duty officer's decision; the commander may request the ORP mayor's notice."""
    proposal = services.decide_notice(
        user=_actor(request),
        proposal_id=notice_id,
        basis=payload.basis,
        decided_by_name=payload.decided_by,
        decided_at=payload.decided_at,
        notify=payload.notify,
    )
    return _notice_row({"proposal": proposal, "contacts": []})


@router.get(
    "/incidents/events/{int:event_id}/notices",
    response={200: list[IncidentNoticeOut], **_ERRORS},
    summary="§23(2) notices of an event (territory): proposed, decided, sent",
)
def event_notices(request: HttpRequest, event_id: int = _id()) -> Any:
    """The notices Straz proposed on level III for the territory, and the decisions recorded."""
    _reader(request)
    event = IncidentEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("Event not found."))
    return [_notice_row(r) for r in services.pending_notices(event)]
