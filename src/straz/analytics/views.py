"""Statistics page, chart pictures and downloads (thin views over analytics.threatmap)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.analytics import charts, exports, throttle
from straz.analytics.forms import StatisticsFilterForm, audience_of
from straz.analytics.policy import PUBLIC, STAFF
from straz.analytics.threatmap import downloads, queries
from straz.core.errors import RateLimited
from straz.core.intake import client_ip
from straz.reports.models import STATUS_LABELS
from straz.reports.rules import Status

PAGE_DISTRICT_ROWS = 100  # the page shows the busiest districts; the CSV has them all


def _staff_user(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return user
    return None


def _bad_filter(form: StatisticsFilterForm) -> HttpResponse:
    return HttpResponse(
        _("Invalid filter: %(errors)s") % {"errors": form.error_text()},
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def _no_store_for_staff(response: HttpResponseBase, audience: str) -> None:
    # Staff numbers and rows are personal to the account: never kept by shared caches.
    if audience == STAFF:
        patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])


def statistics_page(request: HttpRequest) -> HttpResponse:
    """Statistics of the threat map: public numbers, or the staff member's scope when logged in."""
    user = _staff_user(request)
    form = StatisticsFilterForm(request.GET, user=user)
    if not form.is_valid():
        response = render(
            request, "analytics/statistics.html", {"form": form, "stats": None}, status=400
        )
        _no_store_for_staff(response, PUBLIC)
        return response
    audience = audience_of(form, user=user)
    filters = form.to_filter()
    stats = queries.compute_statistics(user=user, filters=filters, audience=audience)
    query = filters.as_query()
    if audience == PUBLIC and user is not None:
        query["view"] = PUBLIC
    qs = urlencode(query)
    context: dict[str, Any] = {
        "form": form,
        "stats": stats,
        "audience": audience,
        "is_staff_user": user is not None,
        "query": qs,
        "statuses": [(s.value, STATUS_LABELS[s]) for s in Status],
        "district_rows": stats.by_district[:PAGE_DISTRICT_ROWS],
        "districts_truncated": len(stats.by_district) > PAGE_DISTRICT_ROWS,
        "charts": charts.CHARTS,
        "tables": exports.TABLES,
    }
    response = render(request, "analytics/statistics.html", context)
    _no_store_for_staff(response, audience)
    return response


def _too_many(exc: RateLimited) -> HttpResponse:
    response = HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    for name, value in exc.headers().items():
        response[name] = value
    patch_cache_control(response, private=True, no_store=True)
    return response


def _admitted(request: HttpRequest, user: User | None) -> HttpResponse | None:
    """None when the download may go ahead; a 429 when an anonymous client used up its hour."""
    if user is not None:
        return None  # staff are not limited (ADR 0023)
    try:
        throttle.admit_download(ip=client_ip(request))
    except RateLimited as exc:
        return _too_many(exc)
    return None


def _filtered(request: HttpRequest) -> tuple[StatisticsFilterForm, User | None, str] | HttpResponse:
    user = _staff_user(request)
    form = StatisticsFilterForm(request.GET, user=user)
    if not form.is_valid():
        return _bad_filter(form)
    return form, user, audience_of(form, user=user)


def chart(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """One chart as PNG or SVG, with caching headers and an ETag of its bytes."""
    if name not in charts.CHARTS or fmt not in charts.FORMATS:
        raise Http404(_("No such chart."))
    parsed = _filtered(request)
    if isinstance(parsed, HttpResponse):
        return parsed
    form, user, audience = parsed
    stats = queries.compute_statistics(user=user, filters=form.to_filter(), audience=audience)
    body = charts.render_chart(stats, name=name, fmt=fmt)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=charts.FORMATS[fmt])
    response["ETag"] = etag
    response["Content-Language"] = get_language()
    if audience == STAFF:
        patch_cache_control(response, private=True, max_age=60)
    else:
        patch_cache_control(response, public=True, max_age=300)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def _filename(stem: str, ext: str, audience: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d")
    return f"straz-{stem}-{audience}-{stamp}.{ext}"


def _record_staff_export(user: User, *, kind: str, form: StatisticsFilterForm) -> None:
    # Staff downloads carry personal data (descriptions for the police, ADR 0025): who took
    # what is on the record.
    with transaction.atomic():
        audit.record(
            action="reports.exported",
            object_type="report-export",
            object_id=kind,
            actor=user,
            after={"format": kind, "filters": form.to_filter().as_query()},
        )


def reports_download(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """All reports matching the filter as CSV or GeoJSON, streamed."""
    parsed = _filtered(request)
    if isinstance(parsed, HttpResponse):
        return parsed
    form, user, audience = parsed
    refused = _admitted(request, user)
    if refused is not None:
        return refused
    if audience == STAFF:
        assert user is not None
        _record_staff_export(user, kind=fmt, form=form)
    else:
        return _public_download(request, fmt, form)
    fields = downloads.export_fields(audience, user)
    rows = downloads.export_reports(user=user, filters=form.to_filter(), audience=audience)
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream(fields, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(
            exports.geojson_stream(fields, rows), content_type="application/geo+json"
        )
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename("reports", fmt, audience)}"'
    )
    _no_store_for_staff(response, audience)
    return response


def _public_download(
    request: HttpRequest, fmt: str, form: StatisticsFilterForm
) -> HttpResponseBase:
    """The public download from its file on disk (see export_cache), with ETag/Last-Modified."""
    opened = downloads.public_export(
        fmt=fmt, filters=form.to_filter(), language=get_language() or settings.LANGUAGE_CODE
    )
    written = opened.file
    modified = written.generated_at.timestamp()
    not_modified = get_conditional_response(request, etag=written.etag, last_modified=int(modified))
    if not_modified is not None:
        opened.stream.close()
        response: HttpResponseBase = not_modified
    else:
        content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/geo+json"
        response = FileResponse(opened.stream, content_type=content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="{_filename("reports", fmt, PUBLIC)}"'
        )
    response["ETag"] = written.etag
    response["Last-Modified"] = http_date(modified)
    patch_cache_control(response, public=True, max_age=60)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def table_download(request: HttpRequest, table: str) -> HttpResponse:
    """One aggregated table (categories, districts, months) as CSV."""
    if table not in exports.TABLES:
        raise Http404(_("No such table."))
    parsed = _filtered(request)
    if isinstance(parsed, HttpResponse):
        return parsed
    form, user, audience = parsed
    refused = _admitted(request, user)
    if refused is not None:
        return refused
    stats = queries.compute_statistics(user=user, filters=form.to_filter(), audience=audience)
    response = HttpResponse(
        "".join(exports.table_csv(stats, table)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(table, "csv", audience)}"'
    _no_store_for_staff(response, audience)
    return response
