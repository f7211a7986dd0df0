"""Thin page views; the work happens in each domain's services and selectors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from straz.accounts.access import restrict
from straz.accounts.models import User
from straz.accounts.policy import is_district_scoped
from straz.core.config import straz_settings
from straz.core.errors import DomainError, NotFound, RateLimited
from straz.core.thumbnails import THUMBNAIL_SIDE, thumbnail_jpeg
from straz.reports import followers, policy, public, selectors, services
from straz.reports.intake import client_ip, sniff_type
from straz.reports.models import STATUS_LABELS, Category, EventKind, Report
from straz.reports.pages.forms import (
    NoteForm,
    ReportForm,
    StaffFilterForm,
    TransitionForm,
    category_groups,
)
from straz.reports.rules import (
    CONFIRMED_ON_PAGE,
    STATUS_COLORS,
    STATUS_CORRECTION_WINDOW,
    VERIFIED_STATUSES,
    Status,
    allowed_targets,
    can_transition,
    is_overdue,
)
from straz.reports.services import submit_report
from straz.territory import search as territory_search
from straz.territory.addresses.search import FoundAddress, search_addresses
from straz.territory.models import Area, AreaKind, Officer
from straz.territory.services import Routing, route_point

# Periods of the public map filter: URL value -> label.
# Periods of the public map filter (values of the map API's `period`).
PERIODS = ["7d", "30d", "365d", "all"]
DEFAULT_PERIOD = "365d"
LAYERS = ("reports", "police")
STAFF_PAGE_SIZE = 25
SUBMITTED_SESSION_KEY = "straz_submitted_report"


def _period_label(value: str) -> str:
    return {
        "7d": _("Last 7 days"),
        "30d": _("Last 30 days"),
        "365d": _("Last 12 months"),
        "all": _("All time"),
    }[value]


def js_strings() -> dict[str, str]:
    """Every string the page scripts show, translated on the server (no JS catalogue needed)."""
    return {
        "Map": _("Map"),
        "The base map is not available; districts and reports are still shown.": _(
            "The base map is not available; districts and reports are still shown."
        ),
        "Use two fingers to move the map.": _("Use two fingers to move the map."),
        "Loading…": _("Loading…"),
        "The map data could not be loaded. Try again.": _(
            "The map data could not be loaded. Try again."
        ),
        "Reports in view: %(count)s": _("Reports in view: %(count)s"),
        "No reports in view for these filters.": _("No reports in view for these filters."),
        "Police records in view: %(count)s": _("Police records in view: %(count)s"),
        "No police records in view.": _("No police records in view."),
        "Reports here: %(count)s (zoom in)": _("Reports here: %(count)s (zoom in)"),
        "Police records here: %(count)s (zoom in)": _("Police records here: %(count)s (zoom in)"),
        "Report #%(id)s": _("Report #%(id)s"),
        "Open the report": _("Open the report"),
        "Reported": _("Reported"),
        "Approximate location": _("Approximate location"),
        "Police record": _("Police record"),
        "People who reported it: %(count)s": _("People who reported it: %(count)s"),
        "Place of the problem": _("Place of the problem"),
        "Drag the pin to adjust the place.": _("Drag the pin to adjust the place."),
        "Your location could not be found.": _("Your location could not be found."),
        "Your browser cannot share your location.": _("Your browser cannot share your location."),
        "Locating…": _("Locating…"),
        "Place selected: %(lat)s, %(lon)s": _("Place selected: %(lat)s, %(lon)s"),
        "This report will go to %(district)s.": _("This report will go to %(district)s."),
        "District officer: %(officer)s": _("District officer: %(officer)s"),
        "This place is outside the districts we cover.": _(
            "This place is outside the districts we cover."
        ),
        "No matching places.": _("No matching places."),
        **_address_strings(),
        "Characters: %(count)s / %(max)s": _("Characters: %(count)s / %(max)s"),
        "The file is larger than %(size)s MB.": _("The file is larger than %(size)s MB."),
        "Click the map or search for a place.": _("Click the map or search for a place."),
        "Searching…": _("Searching…"),
        "Sending…": _("Sending…"),
        "Report a problem here": _("Report a problem here"),
        "Reports within %(radius)s m in the last %(days)s days: %(count)s. Is yours among them?": _(
            "Reports within %(radius)s m in the last %(days)s days: %(count)s. Is yours among them?"
        ),
        "No reports within %(radius)s m in the last %(days)s days.": _(
            "No reports within %(radius)s m in the last %(days)s days."
        ),
        "%(distance)s m away": _("%(distance)s m away"),
        **_search_strings(),
    }


def _address_strings() -> dict[str, str]:
    """Strings of the address box (address-box.js)."""
    return {
        "No matching addresses.": _("No matching addresses."),
        "Addresses found: %(count)s. Use the arrow keys to choose one.": _(
            "Addresses found: %(count)s. Use the arrow keys to choose one."
        ),
        "Police district": _("Police district"),
    }


def _search_strings() -> dict[str, str]:
    """Strings of the place search box (map-search.js)."""
    return {
        "Showing: %(name)s": _("Showing: %(name)s"),
        "Places found: %(count)s. Choose one:": _("Places found: %(count)s. Choose one:"),
        "No matching places.": _("No matching places."),
        "The search failed. Try again.": _("The search failed. Try again."),
    }


def _map_config(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """Settings the map scripts need, rendered into the page as JSON."""
    cfg: dict[str, Any] = {
        "tileUrl": straz_settings().tile_url,
        "tileAttribution": straz_settings().tile_attribution,
        "center": straz_settings().map_center,
        "zoom": straz_settings().map_zoom,
        "districtsUrl": "/api/v1/districts/geojson",
        "mapUrl": "/api/v1/map",
        "placesUrl": "/api/v1/places",
        "addressesUrl": "/api/v1/addresses",
        "lookupUrl": "/api/v1/districts/lookup",
        "reportUrl": reverse("reports:report-detail", args=[0]).replace("/0/", "/{id}/"),
        "reportNewUrl": reverse("reports:report-new"),
        "statusColors": {s.value: STATUS_COLORS[s] for s in Status},
        "statusLabels": {s.value: str(STATUS_LABELS[s]) for s in Status},
    }
    cfg.update(extra)
    return cfg


def _active_categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("order", "code"))


def _offered_categories() -> list[Category]:
    """The categories citizens choose from (one catalogue per deployment)."""
    return list(Category.objects.offered().order_by("order", "code"))


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context.setdefault("js_strings", js_strings())
    return render(request, template, context, status=status)


# ---------------------------------------------------------------- public map


def map_page(request: HttpRequest) -> HttpResponse:
    """The public threat map with filters kept in the URL."""
    language = get_language()
    categories = _offered_categories()
    codes = {c.code for c in categories}
    category = request.GET.get("category", "")
    status = request.GET.get("status", "")
    period = request.GET.get("period", DEFAULT_PERIOD)
    layer = request.GET.get("layer", "reports")
    filters = {
        "category": category if category in codes else "",
        "status": status if status in {s.value for s in Status} else "",
        "period": period if period in PERIODS else DEFAULT_PERIOD,
        "layer": layer if layer in LAYERS else "reports",
    }
    search = _map_search(request, filters)
    context = {
        "nav": "map",
        "filters": filters,
        "search": search,
        "category_groups": category_groups(categories, language),
        "statuses": [(s.value, STATUS_LABELS[s], STATUS_COLORS[s]) for s in Status],
        "periods": [(value, _period_label(value)) for value in PERIODS],
        "map_config": _map_config(
            request,
            categories={c.code: c.name_in(language) for c in categories},
            categoryIds={str(c.pk): c.code for c in categories},
            filters={**filters, "defaultPeriod": DEFAULT_PERIOD},
            searchUrl="/api/v1/search",
            search=search["focus"],
        ),
    }
    return _page(request, "reports/map.html", context)


def _map_search(request: HttpRequest, filters: dict[str, str]) -> dict[str, Any]:
    """The map's place search (?q=, or ?pick= from its list): results, and where to look."""
    query = (request.GET.get("q") or "").strip()[: territory_search.MAX_QUERY_CHARS]
    pick = (request.GET.get("pick") or "").strip()[:40]
    matches: list[territory_search.Found] = []
    found = None
    if pick:
        found = territory_search.resolve(pick)
    elif query:
        matches = territory_search.search(text=query)
        found = territory_search.chosen(matches)
    # Links from the list keep the filters the visitor chose.
    kept = urlencode(
        {
            key: value
            for key, value in filters.items()
            if value and not (key == "period" and value == DEFAULT_PERIOD)
            and not (key == "layer" and value == "reports")
        }
    )
    focus = None
    if found is not None:
        matches = []
        focus = {
            "name": found.name,
            "lat": found.lat,
            "lon": found.lon,
            "bounds": list(found.bounds) if found.bounds else None,
        }
    return {
        "query": query,
        "searched": bool(query or pick),
        "matches": matches,
        "found": found,
        "focus": focus,
        "kept": kept,
    }


# ---------------------------------------------------------------- report form


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """The citizen's report form; POST files the report through the intake service."""

    language = get_language()
    categories = _offered_categories()
    status_code = 200
    extra_headers: dict[str, str] = {}
    # The daily limit is told before the person starts, not after the whole form (issue 9).
    limit = services.daily_limit_reached(client_ip=client_ip(request))
    if request.method == "POST":
        form = ReportForm(
            request.POST,
            request.FILES,
            categories=categories,
            language=language,
            site_url=f"{request.scheme}://{request.get_host()}",
        )
        if limit is not None and not form.is_valid():
            pass  # Nothing to correct: whatever the form says, this address cannot report now.
        elif form.is_valid():
            data = form.cleaned_data
            try:
                result = submit_report(
                    category_code=data["category"],
                    lat=data["lat"],
                    lon=data["lon"],
                    description=data["description"],
                    occurred_at=data["occurred_at"],
                    address_text=data["address_text"],
                    attachment=data["attachment"],
                    client_ip=client_ip(request),
                    source="web",
                    idempotency_key=("web-form:" + data["submission_key"])
                    if data["submission_key"]
                    else None,
                    follow=data.get("follow"),
                )
            except RateLimited as exc:
                # Over the limit (a replay of a sent form was answered above): the same
                # message as on the empty form, not a form error.
                limit = services.daily_limit_reached(client_ip=client_ip(request)) or (
                    services.DailyLimit(
                        limit=int(straz_settings().reports_per_ip_per_day),
                        until=timezone.now() + timedelta(seconds=exc.retry_after),
                    )
                )
            except DomainError as exc:
                field = getattr(exc, "field", None)
                form.add_error(field if field in form.fields else None, exc.message)
                status_code = exc.status
                extra_headers = exc.headers()
            else:
                request.session[SUBMITTED_SESSION_KEY] = {
                    **_submitted_summary(result),
                    "following": data.get("follow") is not None,
                }
                return redirect("reports:report-sent")
        else:
            status_code = 422
    else:
        initial: dict[str, Any] = {}
        # The map page can hand over a point (?lat=&lon=) and a category (?category=).
        for key in ("lat", "lon"):
            try:
                initial[key] = float(request.GET[key])
            except (KeyError, ValueError):
                pass
        if request.GET.get("category") in {c.code for c in categories}:
            initial["category"] = request.GET["category"]
        initial.update(_near_address(request))
        form = ReportForm(initial=initial, categories=categories, language=language)
    if limit is not None and request.method == "POST":
        status_code = 429
        seconds = max(1, int((limit.until - timezone.now()).total_seconds()))
        extra_headers["Retry-After"] = str(seconds)
    context = {
        "nav": "report",
        "form": form,
        "limit": limit,
        "nearby": _nearby(request, form, {c.code for c in categories}),
        "description_max": int(straz_settings().description_max_chars),
        "attachment_max_mb": int(straz_settings().max_attachment_bytes) // (1024 * 1024),
        "follow_retention_days": int(straz_settings().follow_retention_days),
        "map_config": _map_config(
            request,
            categories={c.code: c.name_in(language) for c in categories},
            nearbyUrl="/api/v1/reports/nearby",
        ),
    }
    response = _page(request, "reports/report_form.html", context, status=status_code)
    for name, value in extra_headers.items():
        response[name] = value
    return response


def _near_address(request: HttpRequest) -> dict[str, Any]:
    """Without JS: ?near=<address> places the pin at the best match of the place search."""
    text = (request.GET.get("near") or "").strip()[: territory_search.MAX_QUERY_CHARS]
    if not text:
        return {}
    found = territory_search.search(text=text, limit=1)
    if not found:
        return {"address_text": text}
    return {"lat": found[0].lat, "lon": found[0].lon, "address_text": text}


def _nearby(request: HttpRequest, form: ReportForm, codes: set[str]) -> dict[str, Any]:
    """Public reports near the chosen point, in the chosen category unless all are asked for."""
    source = form.data if form.is_bound else form.initial
    try:
        lat, lon = float(source.get("lat", "")), float(source.get("lon", ""))
    except (TypeError, ValueError):
        return {"point": None, "items": [], "radius": public.NEARBY_RADIUS_M, "days": public.NEARBY_DAYS}
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return {"point": None, "items": [], "radius": public.NEARBY_RADIUS_M, "days": public.NEARBY_DAYS}
    category = source.get("category") or ""
    category = category if category in codes else ""
    everything = request.GET.get("nearby") == "all" or not category
    language = get_language()
    items = public.nearby_reports(
        lat=lat, lon=lon, category_code=None if everything else category
    )
    base = {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"}
    return {
        "point": (lat, lon),
        "items": [
            {"report": r, "category_name": r.category.name_in(language)} for r in items
        ],
        "category": category,
        "all": everything,
        "radius": public.NEARBY_RADIUS_M,
        "days": public.NEARBY_DAYS,
        # The no-JS toggle: the same page with the other choice.
        "toggle_url": "?" + urlencode({**base, "category": category, **({} if everything else {"nearby": "all"})})
        if category
        else "",
    }


def _submitted_summary(result: Any) -> dict[str, Any]:
    """What the confirmation page shows, taken from the intake result."""
    response = getattr(result, "response", {}) or {}
    return {"id": int(result.report_id), "duplicate_of": response.get("duplicate_of")}


def report_sent(request: HttpRequest) -> HttpResponse:
    """Confirmation after filing: the report number and a link to its public page."""
    summary = request.session.get(SUBMITTED_SESSION_KEY)
    if not summary:
        return redirect("reports:report-new")

    report_id = summary["id"]
    district = None
    officer = None
    row = (
        Report.objects.filter(pk=report_id)
        .select_related("district", "officer", "district__primary_officer")
        .first()
    )
    if row is not None:
        district = row.district
        officer = row.officer or (district.primary_officer if district else None)
    # Link to the page the public can open: the first report of a duplicate group, or this
    # one once public (some categories are public only after the police confirm them).
    public_id = public.public_id_for_number(report_id)
    context = {
        "nav": "report",
        "report_id": report_id,
        "following": bool(summary.get("following")),
        "duplicate_of": summary.get("duplicate_of"),
        "public_id": public_id,
        "district": district,
        "officer": officer,
        "verify_days": straz_settings().verify_deadline_days,
        "read_days": straz_settings().read_deadline_days,
    }
    return _page(request, "reports/report_sent.html", context)


# ---------------------------------------------------------------- public report page


def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """Public page of a report: category, status, public location, district, history."""

    report = public.public_report(report_id)
    if report is None:
        raise Http404
    events = public.public_history(report)
    approximate = report.category.public_location_approximated
    context = {
        "nav": "map",
        "report": report,
        "category_name": report.category.name_in(get_language()),
        "status_label": STATUS_LABELS[Status(report.status)],
        "status_color": STATUS_COLORS[Status(report.status)],
        "approximate": approximate,
        "district": report.district,
        "officer": report.district.primary_officer if report.district else None,
        "events": events,
        # The day only, as in the downloads (public.event_day); never report.occurred_at.
        "occurred_on": public.event_day(report.occurred_at),
        "also_reported": report.duplicate_count,
        "map_config": _map_config(
            request,
            point=[report.public_lat, report.public_lon],
            approximate=approximate,
            statusColor=STATUS_COLORS[Status(report.status)],
            zoom=16 if not approximate else 14,
        ),
    }
    return _page(request, "reports/report_detail.html", context)


# ---------------------------------------------------------------- following a report


LOOKUP_NUMBER_MAX_DIGITS = 9  # within a 32-bit id on every database


def report_lookup(request: HttpRequest) -> HttpResponse:
    """Find a report by the number shown after sending it, and open its public page."""
    raw = str(request.GET.get("number", "")).strip()
    error = ""
    status_code = 200
    if raw:
        digits = raw.lstrip("#№ ").strip()
        if not digits.isdigit() or len(digits) > LOOKUP_NUMBER_MAX_DIGITS:
            error = _("A report number is made of digits only, e.g. 1234.")
            status_code = 400
        else:
            public_id = public.public_id_for_number(int(digits))
            if public_id is not None:
                return redirect("reports:report-detail", report_id=public_id)
            error = _(
                "No public report has the number %(number)s. Check the number; some reports "
                "are shown only once the police confirm them."
            ) % {"number": digits}
            status_code = 404
    context = {"nav": "map", "number": raw[:40], "error": error}
    return _page(request, "reports/report_lookup.html", context, status=status_code)


@never_cache
@require_http_methods(["GET", "POST"])
def follow_stop(request: HttpRequest, token: str) -> HttpResponse:
    """The one-click unsubscribe link of the status e-mails: GET asks, POST erases the address."""
    contact = followers.follower_by_token(token)
    if request.method == "POST":
        done = contact is not None and followers.unsubscribe(token=token)
        context = {"nav": "map", "done": done, "gone": not done}
        return _page(request, "reports/follow_stop.html", context, status=200 if done else 404)
    context = {
        "nav": "map",
        "gone": contact is None,
        "report_id": contact.report_id if contact is not None else None,
    }
    return _page(
        request, "reports/follow_stop.html", context, status=200 if contact is not None else 404
    )


# ---------------------------------------------------------------- find your district


def districts_page(request: HttpRequest) -> HttpResponse:
    """Find your police district and its officer: map click (JS), a name search or a choice from a list."""

    query = (request.GET.get("q") or "").strip()[: territory_search.MAX_QUERY_CHARS]
    pick = (request.GET.get("pick") or "").strip()[:40]
    routings: list[Any] = []
    address: FoundAddress | None = None
    matches: list[territory_search.Found] = []
    found: territory_search.Found | None = None
    searched = False
    point: tuple[float, float] | None = None
    error = ""
    if pick:
        searched = True
        found = territory_search.resolve(pick)
        if found is None:
            error = _("We could not find this place. Try another name or click the map.")
    elif query:
        searched = True
        # A house number: an address point first (typos forgiven); else places and areas,
        # then address points (streets, parts of municipalities) when those find nothing.
        has_number = any(ch.isdigit() for ch in query)
        addresses = search_addresses(text=query, limit=1) if has_number else []
        if not addresses:
            matches = territory_search.search(text=query)
            found = territory_search.chosen(matches)
            if not matches and not has_number:
                addresses = search_addresses(text=query, limit=1)
        if not matches:
            address = addresses[0] if addresses else None
            if address is not None:
                point = (address.lat, address.lon)
                routings = [
                    Routing(district=address.district, officer=address.officer)
                ] if address.district else []
            else:
                error = _("We could not find this place. Try another name or click the map.")
    elif "lat" in request.GET and "lon" in request.GET:
        searched = True
        try:
            lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            point = (lat, lon)
        except ValueError:
            error = _("The coordinates must be numbers.")
        if point is not None:
            routing = route_point(lat=point[0], lon=point[1])
            routings = [routing] if routing else []
    if found is not None:
        matches = []
        point = (found.lat, found.lon)
        routings = territory_search.police_districts_for(found)
    if point is not None and not routings and not error:
        error = _("This place is outside the districts we cover.")
    first = routings[0] if routings else None
    context = {
        "nav": "districts",
        "query": query,
        "searched": searched,
        "point": point,
        "found": found,
        "address": address,
        "matches": matches,
        "routings": routings,
        "district": first.district if first else None,
        "officer": first.officer if first else None,
        "error": error,
        "map_config": _map_config(request, point=list(point) if point else None),
    }
    template = (
        "reports/_district_card.html"
        if request.headers.get("HX-Request")
        else "reports/districts.html"
    )
    return _page(request, template, context)


# ---------------------------------------------------------------- staff


def _deadline_badge(report: Report, now: datetime) -> dict[str, str]:
    """A short deadline state for the queue: overdue, due soon, read/verify due, done."""
    status = Status(report.status)
    if status in VERIFIED_STATUSES:
        return {"css": "ok", "text": _("Verified")}
    if is_overdue(
        now=now,
        status=status,
        read_at=report.read_at,
        read_due=report.read_due_at,
        verify_due=report.verify_due_at,
    ):
        if report.read_at is None and report.read_due_at and now > report.read_due_at:
            return {"css": "overdue", "text": _("Not read in time")}
        return {"css": "overdue", "text": _("Verification overdue")}
    due = report.verify_due_at if report.read_at else (report.read_due_at or report.verify_due_at)
    if due is None:
        return {"css": "", "text": ""}
    left = due - now
    hours = max(int(left.total_seconds() // 3600), 0)
    text = (
        _("Read within %(hours)d h") if report.read_at is None else _("Verify within %(hours)d h")
    )
    return {
        "css": "due-soon" if left < timedelta(hours=24) else "",
        "text": text % {"hours": hours},
    }


@login_required
def staff_queue(request: HttpRequest) -> HttpResponse:
    """The user's reports in scope, overdue first, with filters and pagination."""

    user = cast(User, request.user)  # login_required
    if not policy.reads_reports(user):
        # Incident commanders have no report queue; their work is on the operations board
        # (this is also where the login lands them).
        return redirect("incidents:board")
    language = get_language()
    categories = _active_categories()
    if is_district_scoped(user):
        district_rows = list(user.districts.order_by("name"))
    else:
        district_rows = list(
            Area.objects.filter(kind=AreaKind.POLICE_DISTRICT, is_active=True).order_by("name")
        )
    form = StaffFilterForm(
        request.GET or None,
        statuses=[(s.value, str(STATUS_LABELS[s])) for s in Status],
        categories=[(c.code, c.name_in(language)) for c in categories],
        districts=[(d.code, d.name) for d in district_rows],
    )
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["status"] == "all":
            filters["statuses"] = [s.value for s in Status]
        elif data["status"]:
            filters["statuses"] = [data["status"]]
        if data["category"]:
            filters["category_code"] = data["category"]
        if data["district"]:
            filters["district_code"] = data["district"]
        if data["overdue"]:
            filters["overdue"] = True
        if data["q"]:
            filters["text"] = data["q"]
        if data["sort"]:
            filters["order"] = data["sort"]
    queryset = selectors.queue_for(user, **filters)
    queryset = queryset.select_related("category", "district", "officer")
    page = Paginator(queryset, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "report": r,
            "category_name": r.category.name_in(language),
            "status_label": STATUS_LABELS[Status(r.status)],
            "status_color": STATUS_COLORS[Status(r.status)],
            "badge": _deadline_badge(r, now),
            "flagged": r.overdue_flagged_at is not None,
            "unread": r.read_at is None,
        }
        for r in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "staff",
        "form": form,
        "page": page,
        "rows": rows,
        "querystring": query.urlencode(),
        "is_supervisor": policy.is_supervisor(user),
    }
    template = (
        "reports/_staff_rows.html"
        if request.headers.get("HX-Request")
        else "reports/staff_queue.html"
    )
    return _page(request, template, context)


def _staff_report_or_404(user: Any, report_id: int) -> selectors.StaffReport:
    # The police-only parts (description, exact point, photos, notes) are read through
    # restrict(), read-audited, and only by those who need to know them (ADR 0025).
    try:
        return selectors.staff_report_for(user, report_id)
    except NotFound:
        raise Http404 from None


def _deadline(report: Report, due: datetime | None) -> dict[str, Any] | None:
    """A KMZB deadline with its length: calendar hours counted from receipt (ADR 0026)."""
    if due is None:
        return None
    return {"at": due, "hours": round((due - report.created_at).total_seconds() / 3600)}


def _needs_confirmation(report: Report, target: str) -> bool:
    # An illegal step is refused by the service at once, never offered for confirmation.
    if target not in Status._value2member_map_:
        return False
    goal = Status(target)
    return goal in CONFIRMED_ON_PAGE and can_transition(Status(report.status), goal)


def _confirm_transition(request: HttpRequest, report: Report, data: dict[str, Any]) -> HttpResponse:
    """The confirmation step of a status change: what the public and the reporter will see; nothing changed yet."""
    current = Status(report.status)
    target = Status(data["target"])
    minutes = int(STATUS_CORRECTION_WINDOW.total_seconds() // 60)
    context = {
        "nav": "staff",
        "report": report,
        "current_label": STATUS_LABELS[current],
        "current_color": STATUS_COLORS[current],
        "target": target.value,
        "target_label": STATUS_LABELS[target],
        "target_color": STATUS_COLORS[target],
        "public_note": data["public_note"],
        "note": data["note"],
        "undo_minutes": minutes,
    }
    return _page(request, "reports/staff_report_confirm.html", context)


def _undo_offer(user: User, report: Report, now: datetime) -> dict[str, Any] | None:
    """The latest status change this user may still undo, with the time the undo ends; else None."""
    step = services.latest_status_step(report)
    if step is None or services.correction_refusal(user=user, report=report, step=step, now=now):
        return None
    return {
        "event": step.pk,
        "from_label": STATUS_LABELS[Status(step.from_status)],
        "to_label": STATUS_LABELS[Status(step.to_status)],
        "until": step.at + STATUS_CORRECTION_WINDOW,
    }


@login_required
@require_http_methods(["GET", "POST"])
def staff_report(request: HttpRequest, report_id: int) -> HttpResponse:
    """A report as this staff member may see it; GET changes nothing; POST marks read, changes status, notes, assigns."""

    user = cast(User, request.user)  # login_required
    seen = _staff_report_or_404(user, report_id)
    report = seen.report
    transition_form = TransitionForm()
    note_form = NoteForm()
    status_code = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "transition":
                transition_form = TransitionForm(request.POST)
                if transition_form.is_valid():
                    data = transition_form.cleaned_data
                    if _needs_confirmation(report, data["target"]) and not data["confirmed"]:
                        # A verification result is published to the reporter: ask first.
                        return _confirm_transition(request, report, data)
                    services.transition_report(
                        user=user,
                        report_id=report.pk,
                        target=data["target"],
                        public_note=data["public_note"],
                        note=data["note"],
                    )
                    label = (
                        STATUS_LABELS.get(Status(data["target"]))
                        if data["target"] in Status._value2member_map_
                        else data["target"]
                    )
                    messages.success(
                        request, _("Status changed to: %(status)s") % {"status": label}
                    )
                    return redirect("reports:staff-report", report_id=report.pk)
                status_code = 422
            elif action == "undo":
                raw_event = request.POST.get("event", "")
                corrected = services.correct_status_change(
                    user=user,
                    report_id=report.pk,
                    event_id=int(raw_event) if raw_event.isdigit() else 0,
                )
                messages.success(
                    request,
                    _(
                        "The status change was undone; the report is again “%(status)s”. "
                        "The history shows the correction."
                    )
                    % {"status": STATUS_LABELS[Status(corrected.status)]},
                )
                return redirect("reports:staff-report", report_id=report.pk)
            elif action == "note":
                note_form = NoteForm(request.POST)
                if note_form.is_valid():
                    services.add_note(
                        user=user, report_id=report.pk, text=note_form.cleaned_data["text"]
                    )
                    messages.success(request, _("The note was saved."))
                    return redirect("reports:staff-report", report_id=report.pk)
                status_code = 422
            elif action == "read":
                # An explicit, CSRF-protected act of the district's police (ADR 0026).
                if services.mark_read(user=user, report_id=report.pk):
                    messages.success(request, _("The report is marked as read."))
                else:
                    messages.info(request, _("The report was already marked as read."))
                return redirect("reports:staff-report", report_id=report.pk)
            elif action == "reassign":
                raw = request.POST.get("officer", "")
                officer_id = int(raw) if raw.isdigit() else None
                updated = services.reassign_report(
                    user=user, report_id=report.pk, officer_id=officer_id
                )
                name = updated.officer.name if updated.officer else _("nobody")
                messages.success(
                    request, _("The report was assigned to %(officer)s.") % {"officer": name}
                )
                return redirect("reports:staff-report", report_id=report.pk)
            else:
                messages.error(request, _("Unknown action."))
                status_code = 400
        except DomainError as exc:
            messages.error(request, exc.message)
            status_code = exc.status
        seen = _staff_report_or_404(user, report_id)
        report = seen.report
    police_only = seen.police_only
    language = get_language()
    now = timezone.now()
    status = Status(report.status)
    events = [
        {
            "at": e.at,
            "kind_label": EventKind(e.kind).label if e.kind in EventKind.values else e.kind,
            "from_label": STATUS_LABELS.get(Status(e.from_status))
            if e.from_status in Status._value2member_map_
            else "",
            "to_label": STATUS_LABELS.get(Status(e.to_status))
            if e.to_status in Status._value2member_map_
            else "",
            "actor": (e.actor.get_full_name() or e.actor.get_username()) if e.actor else "",
            "public_note": e.public_note,
        }
        for e in report.events.select_related("actor").order_by("at", "id")
    ]
    notes = [
        {
            "at": n.created_at,
            "text": n.text,
            "author": (n.author.get_full_name() or n.author.get_username()) if n.author else "",
        }
        for n in restrict(report.notes.all(), user, policy.READ_POLICE_ONLY)
        .select_related("author")
        .order_by("created_at", "id")
    ]
    attachments = list(
        restrict(report.attachments.all(), user, policy.READ_POLICE_ONLY).order_by("id")
    )
    can_act = policy.can_act(user)
    can_reassign = policy.can_reassign(user)
    officers = []
    if can_reassign and report.district_id is not None:
        officers = list(Officer.objects.filter(districts=report.district_id).order_by("name"))
    context = {
        "nav": "staff",
        "report": report,
        "police_only": police_only,
        "can_mark_read": report.read_at is None
        and policy.stops_read_clock(user, report.district_id),
        "read_deadline": _deadline(report, report.read_due_at),
        "verify_deadline": _deadline(report, report.verify_due_at),
        "category_name": report.category.name_in(language),
        "status_label": STATUS_LABELS[status],
        "status_color": STATUS_COLORS[status],
        "badge": _deadline_badge(report, now),
        "targets": [(t.value, STATUS_LABELS[t], STATUS_COLORS[t]) for t in allowed_targets(status)]
        if can_act
        else [],
        "can_act": can_act,
        "undo": _undo_offer(user, report, now) if can_act else None,
        "can_reassign": can_reassign,
        "officers": officers,
        "events": events,
        "notes": notes,
        "attachments": attachments,
        "image_attachments": [a for a in attachments if a.content_type.startswith("image/")],
        "transition_form": transition_form,
        "note_form": note_form,
        "approximate": report.category.public_location_approximated,
        "map_config": _map_config(
            request,
            # Without the need to know, the map shows the public location only.
            point=[report.lat, report.lon]
            if police_only
            else [report.public_lat, report.public_lon],
            publicPoint=[report.public_lat, report.public_lon],
            statusColor=STATUS_COLORS[status],
            zoom=17,
        ),
    }
    return _page(request, "reports/staff_report.html", context, status=status_code)


@login_required
def staff_attachment(
    request: HttpRequest, report_id: int, attachment_id: int
) -> HttpResponseBase:
    """Download a report's attachment (staff in scope only), never rendered inline as HTML."""
    report = _staff_report_or_404(cast(User, request.user), report_id).report
    attachment = get_object_or_404(
        restrict(report.attachments.all(), cast(User, request.user), policy.READ_POLICE_ONLY),
        pk=attachment_id,
    )
    handle = services.open_attachment(attachment)
    if handle is None:
        raise Http404
    size = request.GET.get("size")
    if size is not None:
        with handle:
            return _attachment_preview(attachment, handle.read(), size)
    # The type is read from the stored bytes again; what cannot be told is a plain download.
    content_type = sniff_type(handle.read(16)) or "application/octet-stream"
    handle.seek(0)
    response = FileResponse(
        handle,
        content_type=content_type,
        # Only pictures are shown in the browser; PDFs and anything else are downloads.
        as_attachment=not content_type.startswith("image/"),
        filename=attachment.file_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# Sizes of attachment previews the staff pages ask for (?size=…), longest side in pixels.
PREVIEW_SIZES = {"thumb": THUMBNAIL_SIDE}


def _attachment_preview(attachment: Any, data: bytes, size: str) -> HttpResponse:
    """A small JPEG of a photo attachment; the same access checks ran before (staff_attachment)."""
    if size not in PREVIEW_SIZES:
        return HttpResponse(
            _("Unknown preview size."), status=400, content_type="text/plain; charset=utf-8"
        )
    # The type is read from the stored bytes again, as for the download.
    preview = thumbnail_jpeg(data, sniff_type(data[:16]) or "", side=PREVIEW_SIZES[size])
    if preview is None:
        raise Http404
    response = HttpResponse(preview, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    # Shown inline; the stored (generated) name only, never the sender's.
    response["Content-Disposition"] = f'inline; filename="preview-{attachment.pk}.jpg"'
    return response
