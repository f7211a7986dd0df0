"""JSON API of the threat map: categories, citizen reports, the staff queue and workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, File, Form, Header, Path, Query, Router, Schema, UploadedFile
from ninja import Status as HttpStatus
from pydantic import ConfigDict

from straz.accounts.access import restrict
from straz.accounts.auth import staff_auth
from straz.accounts.models import User
from straz.core.api import ErrorOut, register_field_labels, request_language
from straz.core.errors import NotFound, ValidationFailed
from straz.core.intake import check_browser_origin, require_json, require_multipart
from straz.reports import followers, intake, policy, public, selectors, services
from straz.reports.models import Category, Report, ReportSource
from straz.reports.rules import Status, allowed_targets

router = Router(tags=["threat map"])

MAX_ID = 2**63 - 1
StatusValue = Literal[
    "new", "verification", "confirmed", "not_confirmed", "eliminated", "passed_on"
]
LangValue = Literal["cs", "pl", "en"]
# selectors.QUEUE_ORDERS, spelled for the schema.
QueueOrder = Literal["deadline", "newest", "oldest", "category", "status"]


# Field names of the threat-map API, for the error envelope's messages.
register_field_labels(
    {
        "category": gettext_lazy("category"),
        "lat": gettext_lazy("latitude"),
        "lon": gettext_lazy("longitude"),
        "description": gettext_lazy("description"),
        "occurred_at": gettext_lazy("time of the event"),
        "address": gettext_lazy("address"),
        "email": gettext_lazy("e-mail"),
        "email_consent": gettext_lazy("consent to status e-mails"),
        "status": gettext_lazy("status"),
        "public_note": gettext_lazy("public note"),
        "note": gettext_lazy("note"),
        "text": gettext_lazy("note"),
        "officer": gettext_lazy("officer"),
        "report_id": gettext_lazy("report number"),
        "attachment_id": gettext_lazy("attachment number"),
    }
)


# ---------------------------------------------------------------- categories


class CategoryOut(Schema):
    code: str
    name: str
    group: str
    catalogue: str
    color: str
    public_only_when_confirmed: bool
    public_location_approximated: bool


@router.get("/categories", response=list[CategoryOut], summary="Report categories")
def list_categories(request: HttpRequest, lang: LangValue | None = None) -> list[dict[str, Any]]:
    """The offered categories (the deployment's catalogue) named in the requested language."""
    language = lang or request_language(request)
    return [
        {
            "code": c.code,
            "name": c.name_in(language),
            "group": c.group,
            "catalogue": c.catalogue,
            "color": c.color,
            "public_only_when_confirmed": c.public_only_when_confirmed,
            "public_location_approximated": c.public_location_approximated,
        }
        for c in Category.objects.offered()
    ]


# ---------------------------------------------------------------- citizen reports


class ReportIn(Schema):
    """A citizen's report: a category and a place (a point, or an address to look up)."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(
        ..., min_length=1, max_length=60, description="category code from /categories"
    )
    lat: float | None = Field(None, ge=-90, le=90, description="WGS84 latitude")
    lon: float | None = Field(None, ge=-180, le=180, description="WGS84 longitude")
    description: str = Field("", max_length=500, description="plain text, police only")
    occurred_at: datetime | None = Field(None, description="when it happened (ISO 8601)")
    address: str = Field(
        "", max_length=250, description="address or place, used when no point is given"
    )
    email: str | None = Field(
        None,
        max_length=254,
        description="optional: the reporter's e-mail address, to be told when the status "
        "changes; only together with email_consent=true",
    )
    email_consent: bool = Field(
        False,
        description="true when the reporter agreed that the e-mail address is stored apart "
        "from the report, used only to tell them of status changes, never shown, and erased "
        "after the report is closed (STRAZ_FOLLOW_RETENTION_DAYS); each e-mail has a link "
        "that withdraws the consent (ADR 0036)",
    )


class DistrictOut(Schema):
    code: str
    name: str


class ReportCreatedOut(Schema):
    id: int
    status: str
    district: DistrictOut
    public_url: str
    duplicate_of: int | None = None


_SUBMIT_RESPONSES = {
    201: ReportCreatedOut,
    403: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    415: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def _submit(
    request: HttpRequest,
    data: dict[str, Any],
    attachment: Any,
    idempotency_key: str | None,
    source: str,
) -> HttpResponse:
    follow = followers.check_follow(
        data.get("email"),
        bool(data.get("email_consent")),
        language=request_language(request),
        site_url=f"{request.scheme}://{request.get_host()}",
    )
    result = services.submit_report(
        category_code=data["category"],
        lat=data.get("lat"),
        lon=data.get("lon"),
        description=data.get("description") or "",
        occurred_at=data.get("occurred_at"),
        address_text=data.get("address") or "",
        attachment=attachment,
        client_ip=intake.client_ip(request),
        source=source,
        idempotency_key=idempotency_key,
        follow=follow,
    )
    response = JsonResponse(result.response, status=result.status_code)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    response["Location"] = f"/api/v1/reports/{result.report_id}"
    return response


@router.post("/reports", response=_SUBMIT_RESPONSES, summary="Report a threat")
def create_report(
    request: HttpRequest,
    payload: ReportIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> HttpResponse:
    """Send a report without an account; answers 201 with the report's id and district.

    The body must be sent as `application/json`; a browser page of another site is refused.
    """
    require_json(request)
    check_browser_origin(request)
    return _submit(request, payload.model_dump(), None, idempotency_key, ReportSource.API)


class ReportForm(Schema):
    """The same fields as POST /reports, as form data."""

    category: str = Field(..., min_length=1, max_length=60)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    description: str = Field("", max_length=500)
    occurred_at: datetime | None = None
    address: str = Field("", max_length=250)
    email: str | None = Field(None, max_length=254)
    email_consent: bool = False


@router.post(
    "/reports/multipart", response=_SUBMIT_RESPONSES, summary="Report a threat with an attachment"
)
def create_report_multipart(
    request: HttpRequest,
    form: Form[ReportForm],
    attachment: File[UploadedFile | None] = None,  # Optional outside File[] drops the upload
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> HttpResponse:
    """Form-data variant with an optional photo (JPEG/PNG/WebP) or PDF up to 5 MB.

    The form must be sent as `multipart/form-data`; a browser page of another site is refused.
    """
    require_multipart(request)
    check_browser_origin(request)
    unknown = set(request.POST) - set(ReportForm.model_fields) - {"csrfmiddlewaretoken"}
    unknown |= set(request.FILES) - {"attachment"}
    if unknown:
        raise ValidationFailed(_("Unknown field “%(field)s”.") % {"field": sorted(unknown)[0][:60]})
    return _submit(request, form.model_dump(), attachment, idempotency_key, ReportSource.API)


class CategoryRef(Schema):
    code: str
    name: str


class NearbyQuery(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)
    category: str | None = Field(None, max_length=64)


class NearbyItem(Schema):
    id: int
    category: CategoryRef
    status: str
    status_label: str
    status_color: str
    reported_on: str
    reported_on_text: str
    distance_m: int
    lat: float
    lon: float
    url: str


class NearbyOut(Schema):
    radius_m: int
    days: int
    category: str | None
    items: list[NearbyItem]


@router.get(
    "/reports/nearby",
    response={200: NearbyOut, 422: ErrorOut},
    summary="Public reports near a point (the report form's duplicate check)",
)
def nearby_reports(request: HttpRequest, query: Query[NearbyQuery]) -> Any:
    """Public reports of the last 30 days within 300 m of a point, nearest first."""
    code = query.category or None
    if code is not None and not Category.objects.filter(code=code, is_active=True).exists():
        raise ValidationFailed(
            _("Unknown category “%(value)s”.") % {"value": code[:60]}, field="category"
        )
    language = request_language(request)
    return {
        "radius_m": public.NEARBY_RADIUS_M,
        "days": public.NEARBY_DAYS,
        "category": code,
        "items": [
            public.nearby_item(r, language=language)
            for r in public.nearby_reports(lat=query.lat, lon=query.lon, category_code=code)
        ],
    }


class LocationOut(Schema):
    lat: float
    lon: float
    approximate: bool


class HistoryItem(Schema):
    at: datetime
    kind: str
    status: str
    status_label: str
    note: str


class PublicReportOut(Schema):
    id: int
    status: str
    status_label: str
    status_color: str
    category: CategoryRef
    location: LocationOut
    district: DistrictOut | None
    created_at: datetime
    updated_at: datetime
    also_reported: int
    history: list[HistoryItem]


@router.get(
    "/reports/{report_id}",
    response={200: PublicReportOut, 404: ErrorOut},
    summary="A report, public view",
)
def get_report(request: HttpRequest, report_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """Public view of a report; 404 when it is not (or no longer) public."""
    report = public.public_report(report_id)
    if report is None:
        raise NotFound(_("Report not found."))
    return public.report_data(report)


# ---------------------------------------------------------------- staff


class OfficerRef(Schema):
    id: int
    name: str


class StaffReportRow(Schema):
    id: int
    status: str
    status_label: str
    category: CategoryRef
    district: DistrictOut | None
    officer: OfficerRef | None
    created_at: datetime
    read_at: datetime | None
    read_due_at: datetime | None
    verify_due_at: datetime | None
    overdue: bool
    duplicate_of: int | None
    duplicate_count: int
    is_public: bool


class StaffQueueOut(Schema):
    count: int
    items: list[StaffReportRow]


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    # The generated name the file is stored under; the sender's file name is not kept.
    name: str
    url: str


class NoteOut(Schema):
    id: int
    at: datetime
    author: str
    text: str


class EventOut(Schema):
    at: datetime
    kind: str
    from_status: str
    to_status: str
    actor: str
    public_note: str


class ExactLocationOut(Schema):
    lat: float
    lon: float


class StaffReportOut(StaffReportRow):
    # Need-to-know (ADR 0025): the police-only parts (description, address, exact location,
    # attachments, notes) are given only when `police_only` is true; otherwise they are
    # null or empty and the caller works with the public location and workflow fields.
    police_only: bool
    description: str | None
    address: str | None
    occurred_at: datetime | None
    updated_at: datetime
    verified_at: datetime | None
    overdue_flagged_at: datetime | None
    location: ExactLocationOut | None
    public_location: ExactLocationOut
    public_until: datetime | None
    source: str
    allowed_transitions: list[str]
    duplicates: list[int]
    attachments: list[AttachmentOut]
    notes: list[NoteOut]
    events: list[EventOut]


def _row(report: Report, now: datetime) -> dict[str, Any]:
    return {
        "id": report.pk,
        "status": report.status,
        "status_label": public.status_label(report.status),
        "category": {"code": report.category.code, "name": report.category.name},
        "district": public.district_ref(report),
        "officer": {"id": report.officer.pk, "name": report.officer.name}
        if report.officer
        else None,
        "created_at": report.created_at,
        "read_at": report.read_at,
        "read_due_at": report.read_due_at,
        "verify_due_at": report.verify_due_at,
        "overdue": selectors.is_overdue(report, now),
        "duplicate_of": report.duplicate_of_id,
        "duplicate_count": report.duplicate_count,
        "is_public": report.is_public,
    }


def staff_report_data(seen: selectors.StaffReport, user: User) -> dict[str, Any]:
    """Everything this staff member may see about a report in their scope (need-to-know)."""
    now = timezone.now()
    report, police_only = seen.report, seen.police_only
    data = _row(report, now)
    data.update(
        police_only=police_only,
        description=report.description if police_only else None,
        address=report.address_text if police_only else None,
        occurred_at=report.occurred_at,
        updated_at=report.updated_at,
        verified_at=report.verified_at,
        overdue_flagged_at=report.overdue_flagged_at,
        location={"lat": report.lat, "lon": report.lon} if police_only else None,
        public_location={"lat": report.public_lat, "lon": report.public_lon},
        public_until=report.public_until,
        source=report.source,
        allowed_transitions=[s.value for s in allowed_targets(Status(report.status))],
        duplicates=list(report.duplicates.order_by("id").values_list("id", flat=True)[:200]),
        attachments=[
            {
                "id": a.pk,
                "content_type": a.content_type,
                "size": a.size,
                "name": a.file_name,
                "url": f"/api/v1/staff/reports/{report.pk}/attachments/{a.pk}",
            }
            for a in restrict(report.attachments.all(), user, policy.READ_POLICE_ONLY).order_by(
                "id"
            )
        ],
        notes=[
            {
                "id": n.pk,
                "at": n.created_at,
                "author": n.author.get_username() if n.author else "",
                "text": n.text,
            }
            for n in restrict(report.notes.all(), user, policy.READ_POLICE_ONLY).select_related(
                "author"
            )
        ],
        events=[
            {
                "at": e.at,
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor.get_username() if e.actor else "",
                "public_note": e.public_note,
            }
            for e in report.events.select_related("actor")
        ],
    )
    return data


def _caller(request: HttpRequest) -> User:
    """The staff member staff_auth authenticated (Ninja sets request.auth)."""
    return cast(User, request.auth)  # type: ignore[attr-defined]


def _staff_report(request: HttpRequest, report_id: int) -> selectors.StaffReport:
    # The police-only parts (description, exact point, photos, notes) are read through
    # restrict(), read-audited, and only by those who need to know them.
    return selectors.staff_report_for(_caller(request), report_id)


@router.get(
    "/staff/reports",
    auth=staff_auth,
    response={200: StaffQueueOut, 401: ErrorOut},
    summary="Staff queue",
)
def staff_queue(
    request: HttpRequest,
    status: list[StatusValue] | None = Query(None),  # noqa: B008 - Ninja parameter declaration
    category: str | None = Query(None, max_length=60),
    district: str | None = Query(None, max_length=32),
    overdue: bool | None = None,
    include_duplicates: bool = False,
    q: str | None = Query(None, max_length=selectors.QUEUE_TEXT_MAX),
    sort: QueueOrder = "deadline",
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict[str, Any]:
    """Reports in the caller's scope: open ones by default, overdue first, then by due date.

    `q` finds a report number, and words of the description or address for callers who may
    read them; `sort` orders by deadline (default), newest, oldest, category or status.
    """
    now = timezone.now()
    qs = selectors.queue_for(
        _caller(request),
        statuses=list(status) if status else None,
        category_code=category,
        district_code=district,
        overdue=overdue,
        include_duplicates=include_duplicates,
        text=q or "",
        order=sort,
        now=now,
    )
    return {"count": qs.count(), "items": [_row(r, now) for r in qs[offset : offset + limit]]}


@router.get(
    "/staff/reports/{report_id}",
    auth=staff_auth,
    response={200: StaffReportOut, 401: ErrorOut, 404: ErrorOut},
    summary="Report detail for staff",
)
def staff_report(
    request: HttpRequest, report_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    """Full detail for those who need to know, else workflow fields; reading changes nothing."""
    return staff_report_data(_staff_report(request, report_id), _caller(request))


@router.post(
    "/staff/reports/{report_id}/read",
    auth=staff_auth,
    response={200: StaffReportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Mark a report as read by the police of its district",
)
def staff_mark_read(
    request: HttpRequest, report_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    """Stops the KMZB read deadline; only an officer or supervisor of the report's district."""
    services.mark_read(user=_caller(request), report_id=report_id)
    return staff_report_data(_staff_report(request, report_id), _caller(request))


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: StatusValue
    public_note: str = Field("", max_length=500)
    note: str = Field("", max_length=services.NOTE_MAX_CHARS)


@router.post(
    "/staff/reports/{report_id}/transition",
    auth=staff_auth,
    response={
        200: StaffReportOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Change a report's status",
)
def staff_transition(
    request: HttpRequest, payload: TransitionIn, report_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    """Move a report along the workflow (new → verification → confirmed/not confirmed → …)."""
    services.transition_report(
        user=_caller(request),
        report_id=report_id,
        target=payload.status,
        public_note=payload.public_note,
        note=payload.note,
    )
    return staff_report_data(_staff_report(request, report_id), _caller(request))


class NoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(..., min_length=1, max_length=services.NOTE_MAX_CHARS)


@router.post(
    "/staff/reports/{report_id}/notes",
    auth=staff_auth,
    response={201: NoteOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add an internal note",
)
def staff_add_note(
    request: HttpRequest, payload: NoteIn, report_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    """A police-only note on a report."""
    note = services.add_note(user=_caller(request), report_id=report_id, text=payload.text)
    return HttpStatus(
        201,
        {
            "id": note.pk,
            "at": note.created_at,
            "author": _caller(request).get_username(),
            "text": note.text,
        },
    )


class AssignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    officer: int | None = Field(..., ge=1, le=MAX_ID)


@router.post(
    "/staff/reports/{report_id}/assign",
    auth=staff_auth,
    response={200: StaffReportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Reassign a report to another officer (supervisors)",
)
def staff_assign(
    request: HttpRequest, payload: AssignIn, report_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    """Give a report to another officer of its district."""
    services.reassign_report(user=_caller(request), report_id=report_id, officer_id=payload.officer)
    return staff_report_data(_staff_report(request, report_id), _caller(request))


@router.get(
    "/staff/reports/{report_id}/attachments/{attachment_id}",
    auth=staff_auth,
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="Download an attachment",
)
def staff_attachment(
    request: HttpRequest,
    report_id: int = Path(..., ge=1, le=MAX_ID),
    attachment_id: int = Path(..., ge=1, le=MAX_ID),
) -> FileResponse:
    """The stored file (photos re-encoded at intake), only for staff who may read the report's police-only parts."""
    report = _staff_report(request, report_id).report
    attachment = (
        restrict(report.attachments.all(), _caller(request), policy.READ_POLICE_ONLY)
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    handle = services.open_attachment(attachment)
    if handle is None:
        raise NotFound(_("Attachment not found."))
    content_type = intake.sniff_type(handle.read(16)) or "application/octet-stream"
    handle.seek(0)
    response = FileResponse(
        handle, content_type=content_type, as_attachment=True, filename=attachment.file_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
