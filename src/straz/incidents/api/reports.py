"""Staff JSON API of the §16(4) incident report: read, save the draft, complete, PDF, reports due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import ConfigDict

from straz.accounts.auth import staff_auth
from straz.core.api import ErrorOut
from straz.core.errors import Forbidden
from straz.incidents import policy, reporting
from straz.incidents.models import IncidentReport
from straz.incidents.pages.reports import pdf_download

router = Router(tags=["incident reports"], auth=staff_auth)

MAX_ID = 2**63 - 1
TEXT_MAX = reporting.REPORT_TEXT_MAX_CHARS
_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _reader(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not policy.can_view_incidents(user):
        raise Forbidden(_("You are not allowed to do this."))
    return user


class IncidentReportRequirementOut(Schema):
    required: bool
    due_at: datetime | None
    completed_at: datetime | None
    overdue: bool


class IncidentReportAmendmentOut(Schema):
    at: datetime
    author: str
    reason: str
    changes: dict[str, Any]


class IncidentReportOut(Schema):
    incident_id: int
    stored: bool
    status: str
    version: int
    origin: str
    work_done: str
    forces_and_means: str
    procedure: str
    consequences: str
    damage_czk: int | None
    values_saved_czk: int | None
    damage_note: str
    dead: int | None
    injured: int | None
    rescued: int | None
    evacuated: int | None
    personal_help: str
    material_help: str
    updated_at: datetime | None
    completed_at: datetime | None
    completed_by: str
    handed_to: str = ""
    handed_to_name: str = ""
    handed_over_at: datetime | None = None
    handed_over_by: str = ""
    can_edit: bool
    requirement: IncidentReportRequirementOut
    amendments: list[IncidentReportAmendmentOut]


class IncidentReportIn(Schema):
    """Fields to change (absent = unchanged); `version` guards against lost updates."""

    model_config = ConfigDict(extra="forbid")

    origin: str | None = Field(None, max_length=TEXT_MAX)
    work_done: str | None = Field(None, max_length=TEXT_MAX)
    forces_and_means: str | None = Field(None, max_length=TEXT_MAX)
    procedure: str | None = Field(None, max_length=TEXT_MAX)
    consequences: str | None = Field(None, max_length=TEXT_MAX)
    damage_czk: int | None = Field(None, ge=0, le=reporting.AMOUNT_MAX)
    values_saved_czk: int | None = Field(None, ge=0, le=reporting.AMOUNT_MAX)
    damage_note: str | None = Field(None, max_length=TEXT_MAX)
    dead: int | None = Field(None, ge=0, le=reporting.COUNT_MAX)
    injured: int | None = Field(None, ge=0, le=reporting.COUNT_MAX)
    rescued: int | None = Field(None, ge=0, le=reporting.COUNT_MAX)
    evacuated: int | None = Field(None, ge=0, le=reporting.COUNT_MAX)
    personal_help: str | None = Field(None, max_length=TEXT_MAX)
    material_help: str | None = Field(None, max_length=TEXT_MAX)
    version: int | None = Field(None, ge=0, le=2**31 - 1)
    amendment_reason: str = Field("", max_length=4000)


class IncidentReportCompleteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=0, le=2**31 - 1)


class IncidentReportDueRowOut(Schema):
    incident_id: int
    title: str
    alarm_level: str
    state: str
    commander: str
    rescue_ended_at: datetime | None
    has_draft: bool
    requirement: IncidentReportRequirementOut


class IncidentReportsDueOut(Schema):
    count: int
    due: int
    overdue: int
    offset: int
    limit: int
    items: list[IncidentReportDueRowOut]


def _requirement(req: reporting.ReportRequirement) -> dict[str, Any]:
    return {
        "required": req.required,
        "due_at": req.due_at,
        "completed_at": req.completed_at,
        "overdue": req.overdue,
    }


def _report_data(user: Any, incident_id: int) -> dict[str, Any]:
    incident = reporting.get_incident(incident_id)
    report: IncidentReport = reporting.report_for(incident)
    stored = report.pk is not None
    return {
        "incident_id": incident.pk,
        "stored": stored,
        "status": report.status,
        "version": report.version,
        **{name: getattr(report, name) for name in reporting.REPORT_FIELDS},
        "updated_at": report.updated_at if stored else None,
        "completed_at": report.completed_at,
        "completed_by": report.completed_by_label,
        "handed_to": report.handed_to,
        "handed_to_name": report.handed_to_name,
        "handed_over_at": report.handed_over_at,
        "handed_over_by": report.handed_over_by_label,
        "can_edit": policy.can_write_report(user, incident),
        "requirement": _requirement(reporting.report_requirement(incident)),
        "amendments": [
            {"at": a.at, "author": a.author_label, "reason": a.reason, "changes": a.changes}
            for a in (report.amendments.all() if stored else [])
        ],
    }


@router.get(
    "/incidents/reports/due",
    response={200: IncidentReportsDueOut, **_ERRORS},
    summary="Incident reports due (§16(2))",
)
def reports_due(
    request: HttpRequest,
    completed: bool = False,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10**9),
) -> Any:
    """Incidents whose report is required and not completed (or all with ?completed=true); overdue first.

    `count` is the number of rows in all, `due` and `overdue` the reports with a running and
    a passed deadline; `items` are the `limit` rows from `offset` on.
    """
    _reader(request)
    now = timezone.now()
    summary = reporting.reports_due_summary(now=now, top=0)
    rows = reporting.reports_due(now=now, include_completed=completed, offset=offset, limit=limit)
    items = [
        {
            "incident_id": r.incident.pk,
            "title": r.incident.title,
            "alarm_level": r.incident.alarm_level,
            "state": r.incident.state,
            "commander": r.incident.current_command.commander_name if r.incident.current_command else "",
            "rescue_ended_at": r.incident.rescue_ended_at,
            "has_draft": r.has_draft,
            "requirement": _requirement(r.requirement),
        }
        for r in rows
    ]
    return {
        "count": reporting.reports_due_count(include_completed=completed),
        "due": summary.due,
        "overdue": summary.overdue,
        "offset": offset,
        "limit": limit,
        "items": items,
    }


@router.get(
    "/incidents/{incident_id}/report",
    response={200: IncidentReportOut, **_ERRORS},
    summary="Incident report (§16(4))",
)
def get_report(request: HttpRequest, incident_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """The stored report, or the prefilled draft (stored=false) when nobody saved it yet."""
    user = _reader(request)
    return _report_data(user, incident_id)


@router.put(
    "/incidents/{incident_id}/report",
    response={200: IncidentReportOut, **_ERRORS},
    summary="Save the incident report draft, or amend a completed report",
)
def put_report(
    request: HttpRequest,
    payload: IncidentReportIn,
    incident_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    """Change the given fields; a completed report changes only with an amendment_reason."""
    user = _reader(request)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    reason = data.pop("amendment_reason", "")
    reporting.save_report(
        user=user, incident_id=incident_id, changes=data, version=version, amendment_reason=reason
    )
    return _report_data(user, incident_id)


@router.post(
    "/incidents/{incident_id}/report/complete",
    response={200: IncidentReportOut, **_ERRORS},
    summary="Complete (lock) the incident report",
)
def complete_report(
    request: HttpRequest,
    payload: IncidentReportCompleteIn | None = None,
    incident_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    """Every §16(4) part must be filled; afterwards changes are amendments."""
    user = _reader(request)
    reporting.complete_report(
        user=user, incident_id=incident_id, version=payload.version if payload is not None else None
    )
    return _report_data(user, incident_id)


@router.get(
    "/incidents/{incident_id}/report.pdf",
    response={200: None, **_ERRORS},
    summary="Incident report as PDF",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The report as a PDF document",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def report_pdf(request: HttpRequest, incident_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """The same document as the report page, as PDF (site map and commander changes included)."""
    _reader(request)
    incident = reporting.get_incident(incident_id)
    pdf = reporting.render_report_pdf(reporting.report_document(incident), language=get_language())
    return pdf_download(pdf, reporting.pdf_filename(incident))


# ---------------------------------------------------------------- the territory report (§16(3))


class TerritoryReportRequirementOut(Schema):
    required: bool
    sites: int
    declared_for_territory: bool
    deadline: None = Field(None, description="The decree sets no deadline for the territory report (§16(3)).")
    completed_at: datetime | None


class TerritoryReportOut(Schema):
    event_id: int
    stored: bool
    status: str
    version: int
    origin: str
    work_done: str
    forces_and_means: str
    procedure: str
    consequences: str
    damage_czk: int | None
    values_saved_czk: int | None
    damage_note: str
    dead: int | None
    injured: int | None
    rescued: int | None
    evacuated: int | None
    personal_help: str
    material_help: str
    updated_at: datetime | None
    completed_at: datetime | None
    completed_by: str
    handed_to: str = ""
    handed_to_name: str = ""
    handed_over_at: datetime | None = None
    handed_over_by: str = ""
    can_edit: bool
    requirement: TerritoryReportRequirementOut


class TerritoryReportIn(Schema):
    """Fields to change (absent = unchanged); `version` guards against lost updates."""

    model_config = ConfigDict(extra="forbid")

    origin: str | None = Field(None, max_length=TEXT_MAX)
    work_done: str | None = Field(None, max_length=TEXT_MAX)
    forces_and_means: str | None = Field(None, max_length=TEXT_MAX)
    procedure: str | None = Field(None, max_length=TEXT_MAX)
    consequences: str | None = Field(None, max_length=TEXT_MAX)
    damage_czk: int | None = Field(None, ge=0, le=reporting.AMOUNT_MAX)
    values_saved_czk: int | None = Field(None, ge=0, le=reporting.AMOUNT_MAX)
    damage_note: str | None = Field(None, max_length=TEXT_MAX)
    dead: int | None = Field(None, ge=0, le=reporting.COUNT_MAX)
    injured: int | None = Field(None, ge=0, le=reporting.COUNT_MAX)
    rescued: int | None = Field(None, ge=0, le=reporting.COUNT_MAX)
    evacuated: int | None = Field(None, ge=0, le=reporting.COUNT_MAX)
    personal_help: str | None = Field(None, max_length=TEXT_MAX)
    material_help: str | None = Field(None, max_length=TEXT_MAX)
    version: int | None = Field(None, ge=0, le=2**31 - 1)


class TerritoryReportCompleteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=0, le=2**31 - 1)


def _territory_data(user: Any, event_id: int) -> dict[str, Any]:
    event = reporting.get_event(event_id)
    report = reporting.territory_report_for(event)
    stored = report.pk is not None
    req = reporting.territory_requirement(event)
    return {
        "event_id": event.pk,
        "stored": stored,
        "status": report.status,
        "version": report.version,
        **{name: getattr(report, name) for name in reporting.REPORT_FIELDS},
        "updated_at": report.updated_at if stored else None,
        "completed_at": report.completed_at,
        "completed_by": report.completed_by_label,
        "handed_to": report.handed_to,
        "handed_to_name": report.handed_to_name,
        "handed_over_at": report.handed_over_at,
        "handed_over_by": report.handed_over_by_label,
        "can_edit": policy.can_write_territory_report(user),
        "requirement": {
            "required": req.required,
            "sites": req.sites,
            "declared_for_territory": req.declared,
            "deadline": None,
            "completed_at": req.completed_at,
        },
    }


@router.get(
    "/incidents/events/{event_id}/report",
    response={200: TerritoryReportOut, **_ERRORS},
    summary="Territory incident report (§16(3))",
)
def get_territory_report(request: HttpRequest, event_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """The stored territory report, or the draft prefilled from every site (stored=false)."""
    user = _reader(request)
    return _territory_data(user, event_id)


@router.put(
    "/incidents/events/{event_id}/report",
    response={200: TerritoryReportOut, **_ERRORS},
    summary="Save the territory report draft",
)
def put_territory_report(
    request: HttpRequest,
    payload: TerritoryReportIn,
    event_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    """Change the given fields; only the operations centre (HZS kraje) and administrators write it."""
    user = _reader(request)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    reporting.save_territory_report(user=user, event_id=event_id, changes=data, version=version)
    return _territory_data(user, event_id)


@router.post(
    "/incidents/events/{event_id}/report/complete",
    response={200: TerritoryReportOut, **_ERRORS},
    summary="Complete (lock) the territory report",
)
def complete_territory_report(
    request: HttpRequest,
    payload: TerritoryReportCompleteIn | None = None,
    event_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    """Every §16(4) part filled and the rescue work ended at every site; it is locked afterwards."""
    user = _reader(request)
    reporting.complete_territory_report(
        user=user, event_id=event_id, version=payload.version if payload is not None else None
    )
    return _territory_data(user, event_id)


@router.get(
    "/incidents/events/{event_id}/report.pdf",
    response={200: None, **_ERRORS},
    summary="Territory incident report as PDF",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The territory report as a PDF document",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def territory_report_pdf(request: HttpRequest, event_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """The same document as the territory report page, as PDF (every site with its map)."""
    _reader(request)
    event = reporting.get_event(event_id)
    pdf = reporting.render_territory_pdf(reporting.territory_document(event), language=get_language())
    return pdf_download(pdf, reporting.territory_pdf_filename(event))


# ---------------------------------------------------------------- §16(2)/(3): the hand-over


class ReportHandoverIn(Schema):
    model_config = ConfigDict(extra="forbid")

    recipient: str = Field(
        ..., max_length=30,
        description="regional_fire_brigade (§16(2) site report); hejtman or orp_mayor (§16(3) territory report)",
    )
    recipient_name: str = Field(..., max_length=150, description="who received it (name, office)")
    handed_at: datetime | None = Field(None, description="when it was handed over (default: now)")


@router.post(
    "/incidents/{incident_id}/report/handover",
    response={200: IncidentReportOut, **_ERRORS},
    summary="Record the hand-over of the completed report to the regional fire brigade (§16(2))",
)
def hand_over_report(
    request: HttpRequest, payload: ReportHandoverIn, incident_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    """Who received the completed report, who handed it and when; once."""
    user = _reader(request)
    reporting.hand_over_report(
        user=user, incident_id=incident_id, recipient=payload.recipient,
        recipient_name=payload.recipient_name, handed_at=payload.handed_at,
    )
    return _report_data(user, incident_id)


@router.post(
    "/incidents/events/{event_id}/report/handover",
    response={200: TerritoryReportOut, **_ERRORS},
    summary="Record the hand-over of the territory report to the hejtman or ORP mayor (§16(3))",
)
def hand_over_territory_report(
    request: HttpRequest, payload: ReportHandoverIn, event_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    """Who received the completed territory report, who handed it and when; once."""
    user = _reader(request)
    reporting.hand_over_territory_report(
        user=user, event_id=event_id, recipient=payload.recipient,
        recipient_name=payload.recipient_name, handed_at=payload.handed_at,
    )
    return _territory_data(user, event_id)
