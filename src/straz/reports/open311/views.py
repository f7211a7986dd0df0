"""Open311 GeoReport v2 views: services, service definitions, requests (read and create), tokens.

Decisions (see also docs in the module docstring of straz.reports.open311.urls):
- a category is a service (service_code = category code), a report is a request;
- reporting is anonymous: e-mail, device_id, account_id, names and phone are accepted
  so that standard clients work, but never stored nor echoed; the answer says so;
- `description` of a request is the police-only text, so it is never published: requests
  are listed with `description` null; `address` (citizen text) is not published either;
- lat/long of a request are its *public* location (approximated categories stay coarse);
  no media_url (attachments are police-only); only publicly visible reports are listed;
- jurisdiction_id is accepted and ignored (one jurisdiction per installation);
- tokens: the id is returned at once, and also a signed token that `tokens/{token}`
  resolves, for clients that only follow tokens;
- no api_key is accepted (none is issued; staff tokens never travel as parameters), and a
  POST sent by another site's page (its Origin) is refused unless that origin is allowed
  (ADR 0027).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from straz.core.config import straz_settings
from straz.core.errors import DomainError
from straz.core.intake import check_browser_origin
from straz.reports import followers, intake, public
from straz.reports.models import (
    STATUS_LABELS,
    Category,
    EventKind,
    Report,
    ReportEvent,
    ReportSource,
)
from straz.reports.open311.format import Open311Error, iso_datetime, render, render_error
from straz.reports.rules import OPEN_STATUSES, Status
from straz.reports.services import submit_report

DEFAULT_WINDOW = timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_IDS = 1000
OCCURRED_AT = "occurred_at"
# Consent to the status e-mails to the GeoReport `email` (ADR 0036); its only value is "yes".
EMAIL_CONSENT = "email_consent"
EMAIL_CONSENT_YES = "yes"
# Fields of the GeoReport POST that identify a person; reporting here is anonymous.
PERSONAL_FIELDS = ("email", "device_id", "account_id", "first_name", "last_name", "phone")
OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)
AWAITING_VERIFICATION = frozenset({Status.NEW.value, Status.VERIFICATION.value})
_TOKEN_SALT = "straz.open311.token"  # noqa: S105 - a signing salt, not a secret
_LANGS = {code for code, _name in settings.LANGUAGES}


# ---------------------------------------------------------------- plumbing


def _language(request: HttpRequest) -> str:
    """`locale` (GeoReport extension) or `lang` parameter, else the negotiated language."""
    for name in ("locale", "lang"):
        value = (request.GET.get(name) or "").strip().lower().replace("_", "-")
        if value[:2] in _LANGS:
            return value[:2]
    current = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return current if current in _LANGS else settings.LANGUAGE_CODE


def open311_view(
    *methods: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Method check, language, and errors as GeoReport error lists in the asked format."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(
            request: HttpRequest, *args: Any, fmt: str = "json", **kwargs: Any
        ) -> HttpResponse:
            lang = _language(request)
            with translation.override(lang):
                allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)
                allowed.add("OPTIONS")
                if request.method == "OPTIONS":
                    response = HttpResponse(status=204)
                    response["Allow"] = ", ".join(sorted(allowed))
                    response["Access-Control-Allow-Origin"] = "*"
                    response["Access-Control-Allow-Methods"] = ", ".join(sorted(allowed))
                    return response
                if request.method not in allowed:
                    error = Open311Error(
                        405,
                        _("This endpoint does not accept the %(method)s method.")
                        % {"method": str(request.method)[:10]},
                        {"Allow": ", ".join(sorted(allowed))},
                    )
                    return render_error(fmt, error)
                try:
                    return view(request, *args, fmt=fmt, lang=lang, **kwargs)
                except Open311Error as error:
                    return render_error(fmt, error)
                except DomainError as error:
                    # The use cases speak HTTP already; GeoReport knows 400 for invalid input.
                    status = 400 if error.status == 422 else error.status
                    return render_error(fmt, Open311Error(status, error.message, error.headers()))

        return csrf_exempt(wrapper)

    return decorate


def _active_category(code: str) -> Category:
    category = Category.objects.offered().filter(code=code).first()
    if category is None:
        raise Open311Error(
            404,
            _("Unknown service_code “%(code)s”. The list is at services.json.")
            % {"code": code[:60]},
        )
    return category


# ---------------------------------------------------------------- services


def service_of(category: Category, lang: str) -> dict[str, Any]:
    """A category as a GeoReport service."""
    names = [category.name_in(lang), category.name_cs, category.name_en, category.name_pl]
    keywords = list(dict.fromkeys(n for n in names[1:] if n and n != names[0]))
    description = getattr(category, f"description_{lang}", "") or category.description_cs or ""
    return {
        "service_code": category.code,
        "service_name": names[0],
        "description": description or None,
        # Every service takes the optional time of the event (see the service definition).
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(keywords) or None,
        "group": category.group or None,
    }


@open311_view("GET")
def services(request: HttpRequest, *, fmt: str, lang: str) -> HttpResponse:
    """GET services.{fmt}: every offered category (the deployment's catalogue)."""
    items = [service_of(c, lang) for c in Category.objects.offered().order_by("order", "code")]
    return render(fmt, "services", items)


def attributes_for(category: Category) -> list[dict[str, Any]]:
    """The extra fields a service takes (the same for every category today)."""
    return [
        {
            "variable": True,
            "code": OCCURRED_AT,
            "datatype": "datetime",
            "required": False,
            "datatype_description": _(
                "ISO 8601 date and time, e.g. 2026-05-14T18:30:00+02:00; without an offset it is local time."
            ),
            "order": 1,
            "description": _(
                "When did it happen? Leave empty if it is still going on or you do not know."
            ),
        },
        {
            "variable": True,
            "code": EMAIL_CONSENT,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _(
                "“yes” together with email: the person agrees to the status e-mails. "
                "Without it the email is not stored."
            ),
            "order": 2,
            "description": _(
                "Tell me by e-mail when the status of this report changes. I agree that my "
                "e-mail address is stored for this purpose only, apart from the report, and "
                "erased after the report is closed; each e-mail has a link to withdraw."
            ),
            "values": [{"key": EMAIL_CONSENT_YES, "name": _("Yes, I agree")}],
        },
    ]


@open311_view("GET")
def service_definition(
    request: HttpRequest, service_code: str, *, fmt: str, lang: str
) -> HttpResponse:
    """GET services/{service_code}.{fmt}: the attributes of one service."""
    category = _active_category(service_code)
    return render(
        fmt,
        "service_definition",
        {"service_code": category.code, "attributes": attributes_for(category)},
    )


# ---------------------------------------------------------------- requests: reading


def _public_reports(now: datetime) -> QuerySet[Report]:
    """Reports the public may see now (their public period not yet over)."""
    latest_status = ReportEvent.objects.filter(
        # A correction (undo) sets the status too; its note (none) replaces the undone one's.
        report=OuterRef("pk"), kind__in=[EventKind.STATUS, EventKind.CORRECTED]
    ).order_by("-at", "-id")
    return (
        public.visible_reports(now)
        .select_related("category", "district")
        .only(
            "id",
            "status",
            "created_at",
            "updated_at",
            "verify_due_at",
            "public_lat",
            "public_lon",
            "category__code",
            "category__name_cs",
            "category__name_pl",
            "category__name_en",
            "district__name",
        )
        .annotate(public_note=Subquery(latest_status.values("public_note")[:1]))
    )


def request_of(report: Report, lang: str) -> dict[str, Any]:
    """A report as a GeoReport request: public fields only."""
    label = str(STATUS_LABELS.get(Status(report.status), report.status))
    note = getattr(report, "public_note", "") or ""
    return {
        "service_request_id": str(report.pk),
        "status": "open" if report.status in OPEN_VALUES else "closed",
        "status_notes": f"{label}: {note}" if note else label,
        "service_name": report.category.name_in(lang),
        "service_code": report.category.code,
        # The citizen's text is for the police only (KMZB), so it is never published.
        "description": None,
        "agency_responsible": report.district.name if report.district is not None else None,
        "service_notice": None,
        "requested_datetime": iso_datetime(report.created_at),
        "updated_datetime": iso_datetime(report.updated_at),
        # The police must verify by this time (KMZB: within 5 days).
        "expected_datetime": iso_datetime(report.verify_due_at)
        if report.status in AWAITING_VERIFICATION
        else None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": report.public_lat,
        "long": report.public_lon,
    }


def _parse_when(name: str, value: str, *, end: bool) -> datetime:
    # An unescaped "+" of an offset arrives as a space in a query string.
    text = re.sub(r"(T[\d:.]+) (\d\d:?\d\d)$", r"\1+\2", value.strip())
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is not None:
                moment = datetime.combine(day, datetime.max.time() if end else datetime.min.time())
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s must be an ISO 8601 date and time, e.g. 2026-05-14T00:00:00Z.")
            % {"name": name},
        )
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _positive_int(name: str, value: str | None, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    if not re.fullmatch(r"\d{1,9}", value.strip()):
        raise Open311Error(
            400,
            _("%(name)s must be a whole number from 1 to %(max)d.")
            % {"name": name, "max": maximum},
        )
    number = int(value)
    if not 1 <= number <= maximum:
        raise Open311Error(
            400,
            _("%(name)s must be a whole number from 1 to %(max)d.")
            % {"name": name, "max": maximum},
        )
    return number


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _list_requests(request: HttpRequest, *, fmt: str, lang: str) -> HttpResponse:
    now = timezone.now()
    params = request.GET
    qs = _public_reports(now)
    page = _positive_int("page", params.get("page"), 1, 1_000_000)
    page_size = _positive_int("page_size", params.get("page_size"), MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    ids = _split(",".join(params.getlist("service_request_id")))
    if ids:
        # GeoReport: a list of ids overrides every other filter.
        if len(ids) > MAX_IDS or not all(re.fullmatch(r"\d{1,18}", i) for i in ids):
            raise Open311Error(
                400,
                _(
                    "service_request_id must be a comma-separated list of at most %(max)d request ids."
                )
                % {"max": MAX_IDS},
            )
        qs = qs.filter(pk__in=[int(i) for i in ids])
    else:
        codes = _split(",".join(params.getlist("service_code")))
        if codes:
            found = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
            unknown = [c for c in codes if c not in found]
            if unknown:
                raise Open311Error(
                    404,
                    _("Unknown service_code “%(code)s”. The list is at services.json.")
                    % {"code": unknown[0][:60]},
                )
            qs = qs.filter(category__code__in=codes)
        start_raw, end_raw = params.get("start_date"), params.get("end_date")
        end = _parse_when("end_date", end_raw, end=True) if end_raw else None
        start = _parse_when("start_date", start_raw, end=False) if start_raw else None
        # Default window: the last 90 days (of the given end, when there is one).
        if start is None:
            start = (end or now) - DEFAULT_WINDOW
        if end is not None and start > end:
            raise Open311Error(400, _("start_date must be before end_date."))
        qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
        statuses = {s.lower() for s in _split(",".join(params.getlist("status")))}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status must be open, closed, or both separated by a comma."))
        if statuses == {"open"}:
            qs = qs.filter(status__in=OPEN_VALUES)
        elif statuses == {"closed"}:
            qs = qs.exclude(status__in=OPEN_VALUES)
    offset = (page - 1) * page_size
    reports = list(qs.order_by("-created_at", "-id")[offset : offset + page_size])
    return render(fmt, "service_requests", [request_of(r, lang) for r in reports])


# ---------------------------------------------------------------- requests: creating


def _float_param(name: str, value: str) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise Open311Error(
            400, _("%(name)s must be a number in decimal degrees (WGS84).") % {"name": name}
        ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise Open311Error(
            400, _("%(name)s must be a number in decimal degrees (WGS84).") % {"name": name}
        )
    return number


def _attributes(request: HttpRequest) -> dict[str, str]:
    """`attribute[code]=value` pairs of the POST body."""
    found: dict[str, str] = {}
    for key in request.POST:
        match = re.fullmatch(r"attribute\[([^\]]*)\](\[\])?", key)
        if match:
            found[match.group(1)] = request.POST.get(key, "")
    return found


def issue_token(report_id: int) -> str:
    """A signed token resolving to a request id."""
    return signing.Signer(salt=_TOKEN_SALT).sign(str(report_id))


def _check_api_key(request: HttpRequest) -> None:
    """Reporting needs no api_key, and none is accepted (ADR 0027).

    Straz issues no Open311 client keys, and a staff API token must never travel as a
    parameter: query strings and form fields end up in access logs and browser
    histories. Staff tokens go only in the `Authorization: Bearer` header of the JSON
    API. Any api_key is refused rather than silently ignored, so a client learns at once.
    """
    key = (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()
    if key:
        raise Open311Error(
            403,
            _(
                "No api_key is accepted here: leave it out to report anonymously. Staff API tokens are sent only in the Authorization header, never as a parameter."
            ),
        )


def _create_request(request: HttpRequest, *, fmt: str, lang: str) -> HttpResponse:
    data = request.POST
    _check_api_key(request)
    # A page of another site must not file reports from a visitor's browser.
    check_browser_origin(request)
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required. The list is at services.json."))
    _active_category(code)
    lat_raw, lon_raw = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    address = (data.get("address_string") or "").strip()
    lat = lon = None
    if lat_raw or lon_raw:
        if not (lat_raw and lon_raw):
            raise Open311Error(400, _("Give both lat and long, or an address_string."))
        lat, lon = _float_param("lat", lat_raw), _float_param("long", lon_raw)
    elif not address:
        if (data.get("address_id") or "").strip():
            raise Open311Error(
                400, _("address_id is not supported here; send lat and long, or an address_string.")
            )
        raise Open311Error(400, _("A location is required: lat and long, or an address_string."))
    attributes = _attributes(request)
    unknown = sorted(set(attributes) - {OCCURRED_AT, EMAIL_CONSENT})
    if unknown:
        raise Open311Error(
            400,
            _("Unknown attribute “%(code)s”. See the service definition.")
            % {"code": unknown[0][:60]},
        )
    occurred_at = None
    if attributes.get(OCCURRED_AT, "").strip():
        occurred_at = _parse_when(f"attribute[{OCCURRED_AT}]", attributes[OCCURRED_AT], end=False)
    consent_raw = attributes.get(EMAIL_CONSENT, "").strip().lower()
    if consent_raw not in ("", EMAIL_CONSENT_YES):
        raise Open311Error(
            400,
            _("attribute[%(code)s] takes only the value “%(yes)s”.")
            % {"code": EMAIL_CONSENT, "yes": EMAIL_CONSENT_YES},
        )
    email = (data.get("email") or "").strip()
    # GeoReport clients send `email` as an identity too; only with the consent attribute is
    # it kept, to tell of status changes (ADR 0036). Without it, it is dropped as before.
    follow = (
        followers.check_follow(
            email,
            True,
            language=lang,
            site_url=f"{request.scheme}://{request.get_host()}",
        )
        if consent_raw
        else None
    )
    result = submit_report(
        category_code=code,
        lat=lat,
        lon=lon,
        description=data.get("description") or "",
        occurred_at=occurred_at,
        address_text=address,
        client_ip=intake.client_ip(request),
        source=ReportSource.OPEN311,
        idempotency_key=request.headers.get("Idempotency-Key") or None,
        follow=follow,
    )
    district = (result.response.get("district") or {}).get("name", "")
    notices = [
        _(
            "Thank you. The report was passed to the police district “%(district)s”; the police read reports within %(read)d days and verify them within %(verify)d days."
        )
        % {
            "district": district,
            "read": straz_settings().read_deadline_days,
            "verify": straz_settings().verify_deadline_days,
        }
    ]
    if result.response.get("duplicate_of"):
        notices.append(
            _(
                "The same threat was already reported nearby; the report was added to request %(id)s."
            )
            % {"id": result.response["duplicate_of"]}
        )
    if follow is not None:
        notices.append(
            _(
                "The e-mail address is kept only to tell of status changes, apart from the "
                "report; each e-mail has a link to stop them."
            )
        )
    other_personal = [name for name in PERSONAL_FIELDS if follow is None or name != "email"]
    if any((data.get(name) or "").strip() for name in other_personal):
        notices.append(
            _(
                "Reporting is anonymous: the personal details sent (e-mail, name, phone, device) were not stored."
            )
        )
    if (data.get("media_url") or "").strip():
        notices.append(_("media_url is not accepted; photos can be attached in the web form."))
    notices.append(_("This is not an emergency service: in an emergency call 112."))
    body = [
        {
            "service_request_id": str(result.report_id),
            "token": issue_token(result.report_id),
            "service_notice": " ".join(notices),
            # No account_id: reporting is anonymous.
        }
    ]
    return render(fmt, "service_requests", body)


@open311_view("GET", "POST")
def requests(request: HttpRequest, *, fmt: str, lang: str) -> HttpResponse:
    """GET requests.{fmt} lists public requests; POST creates one (form-encoded)."""
    if request.method == "POST":
        return _create_request(request, fmt=fmt, lang=lang)
    return _list_requests(request, fmt=fmt, lang=lang)


@open311_view("GET")
def request_detail(request: HttpRequest, request_id: str, *, fmt: str, lang: str) -> HttpResponse:
    """GET requests/{id}.{fmt}: one public request (as a list of one, like the spec)."""
    report = None
    if re.fullmatch(r"\d{1,18}", request_id):
        report = _public_reports(timezone.now()).filter(pk=int(request_id)).first()
    if report is None:
        raise Open311Error(
            404, _("Request %(id)s was not found or is not public.") % {"id": request_id[:40]}
        )
    return render(fmt, "service_requests", [request_of(report, lang)])


@open311_view("GET")
def token(request: HttpRequest, token: str, *, fmt: str, lang: str) -> HttpResponse:
    """GET tokens/{token}.{fmt}: the request id behind a token from POST requests."""
    try:
        report_id = int(signing.Signer(salt=_TOKEN_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        report_id = None
    if report_id is None or not Report.objects.filter(pk=report_id).exists():
        raise Open311Error(404, _("Unknown token."))
    return render(fmt, "service_requests", [{"service_request_id": str(report_id), "token": token}])


@open311_view("GET")
def discovery(request: HttpRequest, *, fmt: str, lang: str) -> HttpResponse:
    """GET discovery.{fmt}: where this GeoReport v2 endpoint is and what it speaks."""
    base = (
        request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "json"})).rsplit(
            "/", 1
        )[0]
        + "/"
    )
    return render(
        fmt,
        "discovery",
        {
            "changeset": "2026-11-21T00:00:00+00:00",
            "contact": _("Straz threat map; not for emergencies: call 112."),
            "key_service": _("No key is needed: reporting is anonymous."),
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": "2026-11-21T00:00:00+00:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


def unknown_endpoint(request: HttpRequest, rest: str) -> HttpResponse:
    """Anything else under /open311/v2/: an error list instead of an HTML page."""
    fmt = "xml" if rest.endswith(".xml") else "json"
    with translation.override(_language(request)):
        stem, dot, suffix = rest.rpartition(".")
        if dot and re.fullmatch(
            r"(services|requests|discovery|services/[^/]+|requests/[^/]+|tokens/[^/]+)", stem
        ):
            error = Open311Error(
                400,
                _("Unsupported format “%(format)s”; use .xml or .json.") % {"format": suffix[:10]},
            )
            return render_error("json", error)
        return render_error(
            fmt,
            Open311Error(
                404,
                _("There is no such Open311 endpoint. Start at discovery.json or services.json."),
            ),
        )
