"""THE public projection of the threat map: what anyone may see of a report, in every channel.

The API, the public report page, Open311, the public downloads and the map points all read
reports through this module, so a police-only field cannot leak through a second whitelist.
`Report.POLICE_ONLY_FIELDS` names the fields that never go public; the privacy scan
(tests/test_privacy.py) reads that list and tests/reports/test_public.py checks it against
`PUBLIC_FIELDS` here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import h3
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import dateformat, timezone

from straz.core.config import straz_settings
from straz.geo import h3grid
from straz.reports.models import STATUS_LABELS, Category, EventKind, Report
from straz.reports.rules import STATUS_COLORS, Status

# Model fields of Report the public may see (through one of the channels above).
PUBLIC_FIELDS = (
    "id",
    "category",
    "status",
    "district",
    "public_lat",
    "public_lon",
    "created_at",
    "updated_at",
    "occurred_at",  # the day only (event_day), on the page and in downloads alike
    "verify_due_at",  # Open311 expected_datetime while verification is due
    "duplicate_count",
    "is_public",
    "public_until",
)

# Steps of a report's history the public sees, on the page and in the API alike
# (no names, no internal steps such as notes, reassignments or category changes).
PUBLIC_HISTORY_KINDS = (EventKind.CREATED, EventKind.READ, EventKind.STATUS, EventKind.CORRECTED)


def public_now_q(now: datetime) -> Q:
    """The ORM twin of rules.is_public_now: reports the public sees at `now`."""
    return Q(is_public=True) & (Q(public_until__isnull=True) | Q(public_until__gt=now))


# Its complement among public rows, for the expiry job: still marked public, period over.
# The SQL form answers the map's cheap "anything due?" probes from the public_until index.
EXPIRED_SQL = "public_until <= %s AND is_public"


def expired_q(now: datetime) -> Q:
    """Reports still marked public whose public period ended by `now` (EXPIRED_SQL's ORM twin)."""
    return Q(is_public=True, public_until__lte=now)


def visible_reports(now: datetime | None = None) -> QuerySet[Report]:
    """Every report the public sees now (also before the expiry job ran)."""
    return Report.objects.filter(public_now_q(now or timezone.now()))


def public_report(report_id: int, now: datetime | None = None) -> Report | None:
    """A report as far as the public may see it, or None when it is not public."""
    return visible_reports(now).select_related("category", "district").filter(pk=report_id).first()


def status_label(status: str) -> str:
    """The translated label of a status value (the value itself when unknown)."""
    try:
        return str(STATUS_LABELS[Status(status)])
    except ValueError:
        return status


def public_history(report: Report) -> list[dict[str, Any]]:
    """The public steps of a report's history, oldest first."""
    events = (
        report.events.filter(kind__in=[k.value for k in PUBLIC_HISTORY_KINDS])
        # "report" too: the related manager sets it on each row, which would otherwise
        # load the deferred report_id with one query per step.
        .only("report", "at", "kind", "to_status", "public_note")
        .order_by("at", "id")
    )
    return [
        {
            "at": e.at,
            "kind": e.kind,
            "kind_label": EventKind(e.kind).label,
            "status": e.to_status,
            "status_label": status_label(e.to_status) if e.to_status else "",
            "note": e.public_note,
        }
        for e in events
    ]


def event_day(occurred_at: datetime | None) -> date | None:
    """The public form of the time of the event: its local day, never the hour.

    The exact time could single out the person who reported it or the people involved;
    every public channel (report page, downloads) shows this day and nothing finer.
    """
    if occurred_at is None:
        return None
    return occurred_at.astimezone(timezone.get_default_timezone()).date()


def district_ref(report: Report) -> dict[str, str] | None:
    """The police district of a report as the public sees it (code and name)."""
    if report.district is None:
        return None
    return {"code": report.district.code, "name": report.district.name}


def report_data(report: Report) -> dict[str, Any]:
    """The public view of a report: nothing police-only (no description, IP, notes, exact point)."""
    return {
        "id": report.pk,
        "status": report.status,
        "status_label": status_label(report.status),
        "status_color": STATUS_COLORS[Status(report.status)],
        "category": {"code": report.category.code, "name": report.category.name},
        "location": {
            "lat": report.public_lat,
            "lon": report.public_lon,
            "approximate": report.category.public_location_approximated,
        },
        "district": district_ref(report),
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "also_reported": report.duplicate_count,
        "history": public_history(report),
    }


# Map points: the columns a map point carries (public location, never the exact one).
POINT_COLUMNS = (
    "pk",
    "status",
    "category__code",
    "duplicate_count",
    "public_lat",
    "public_lon",
    "created_at",
)


# The SQL twin of public_now_q (a test proves they agree), for the map's lone reports.
PUBLIC_NOW_SQL = "is_public AND (public_until IS NULL OR public_until > %s)"


def points_by_id(ids: Iterable[int], now: datetime | None = None) -> list[tuple[Any, ...]]:
    """POINT_COLUMNS rows of the given reports that the public sees now, in id order.

    Raw SQL because the map asks for hundreds of ids per view: PostgreSQL plans an
    `= ANY(array)` once, where the ORM's `IN (%s, …)` costs it a few milliseconds.
    """
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return []
    reports, categories = Report._meta.db_table, Category._meta.db_table
    params: list[Any] = []
    if connection.vendor == "postgresql":
        match = "r.id = ANY(%s)"
        params.append(wanted)
    else:
        match = f"r.id IN ({', '.join(['%s'] * len(wanted))})"
        params.extend(wanted)
    visible = PUBLIC_NOW_SQL.replace("is_public", "r.is_public").replace(
        "public_until", "r.public_until"
    )
    params.append(connection.ops.adapt_datetimefield_value(now or timezone.now()))
    sql = (
        "SELECT r.id, r.status, c.code, r.duplicate_count, r.public_lat, r.public_lon, "  # noqa: S608
        f"r.created_at FROM {reports} r JOIN {categories} c ON c.id = r.category_id "
        f"WHERE {match} AND {visible} ORDER BY r.id"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return [(*row[:6], _aware_utc(row[6])) for row in rows]


def _aware_utc(value: Any) -> datetime:
    """A stored timestamp as an aware datetime (SQLite returns UTC text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def reported_on(created_at: datetime) -> date:
    """The public date of a report on the map: the local day it was filed."""
    return created_at.astimezone(timezone.get_default_timezone()).date()


# Public downloads (CSV/GeoJSON): the stored columns read and the columns written.
EXPORT_COLUMNS = (
    "id",
    "category_id",
    "status",
    "district_id",
    "public_lat",
    "public_lon",
    "created_at",
    "updated_at",
    "occurred_at",
    "duplicate_count",
)
EXPORT_FIELDS = (
    "id",
    "category",
    "category_name",
    "status",
    "status_name",
    "district",
    "district_name",
    "lat",
    "lon",
    "approximate",
    "created_at",
    "updated_at",
    "occurred_on",
    "duplicate_count",
)


def _utc(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_row(
    values: Iterable[Any],
    *,
    categories: Mapping[int, Category],
    districts: Mapping[int, tuple[str, str]],
    status_names: Mapping[str, str],
    language: str,
) -> dict[str, Any]:
    """One row of a public download from the values of EXPORT_COLUMNS."""
    rec = dict(zip(EXPORT_COLUMNS, values, strict=True))
    cat = categories[rec["category_id"]]
    district = districts.get(rec["district_id"], ("", ""))
    occurred_on = event_day(rec["occurred_at"])
    return {
        "id": rec["id"],
        "category": cat.code,
        "category_name": cat.name_in(language),
        "status": rec["status"],
        "status_name": status_names.get(rec["status"], rec["status"]),
        "district": district[0],
        "district_name": district[1],
        "approximate": cat.public_location_approximated,
        "created_at": _utc(rec["created_at"]),
        "updated_at": _utc(rec["updated_at"]),
        "lat": round(rec["public_lat"], 6),
        "lon": round(rec["public_lon"], 6),
        # Only the day of the event (event_day): its exact time could single out a person.
        "occurred_on": occurred_on.isoformat() if occurred_on else "",
        # "Also reported by N people" is on the public report page too.
        "duplicate_count": rec["duplicate_count"],
    }


def public_id_for_number(number: int) -> int | None:
    """The public page a report number leads to: the report, or the first report of its
    duplicate group, when the public sees it now; None otherwise (or for unknown numbers)."""
    row = Report.objects.filter(pk=number).values_list("pk", "duplicate_of_id").first()
    if row is None:
        return None
    candidate = row[1] or row[0]
    return candidate if public_report(candidate) is not None else None


# ---------------------------------------------------------------------------------------
# Nearby reports: what the report form shows around the chosen point, against duplicates.

NEARBY_RADIUS_M = 300
NEARBY_DAYS = 30
NEARBY_LIMIT = 20
# The resolution of Report.h3_r9, the exact point's cell (the candidates' index).
_EXACT_CELL_RES = 9


@dataclass(frozen=True)
class NearbyReport:
    """A public report near a point: public fields only, with its distance from the point."""

    id: int
    category: Category
    status: str
    created_at: datetime
    lat: float
    lon: float
    distance_m: float

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def status_color(self) -> str:
        return STATUS_COLORS[Status(self.status)]

    @property
    def rounded_distance_m(self) -> int:
        """The distance to 10 m: a public point is at best a street position."""
        return int(round(self.distance_m / 10.0) * 10)

    @property
    def reported_on(self) -> date:
        return timezone.localtime(self.created_at).date()


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; plenty for a few hundred metres)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def _radius_bbox(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / 111_320.0
    dlon = dlat / max(0.05, math.cos(math.radians(lat)))
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def nearby_reports(
    *,
    lat: float,
    lon: float,
    category_code: str | None = None,
    radius_m: float = NEARBY_RADIUS_M,
    days: int = NEARBY_DAYS,
    limit: int = NEARBY_LIMIT,
    now: datetime | None = None,
) -> list[NearbyReport]:
    """Public reports of the last `days` whose PUBLIC point lies within `radius_m`, nearest first."""
    now = now or timezone.now()
    bbox = _radius_bbox(lat, lon, radius_m)
    min_lon, min_lat, max_lon, max_lat = bbox
    # Candidates come from the index on the exact point's cell (as the map's points do);
    # the decision is then made on the public point alone. An approximated report is shown
    # at the centre of its coarse cell, so for those categories the candidates are the
    # cells in and around each coarse cell whose centre lies in the box.
    where = Q(h3_r9__in=h3grid.cover_bbox(bbox, _EXACT_CELL_RES))
    approx_res = int(straz_settings().approximate_resolution)
    approx_cells: set[int] = set()
    for coarse in h3grid.cover_bbox(bbox, approx_res):
        clat, clon = h3grid.cell_center(coarse)
        if min_lat <= clat <= max_lat and min_lon <= clon <= max_lon:
            for near in h3.grid_disk(h3grid.int_to_cell(coarse), 1):
                approx_cells.update(int(c, 16) for c in h3.cell_to_children(near, _EXACT_CELL_RES))
    approx_ids = list(
        Category.objects.filter(public_location_approximated=True).values_list("id", flat=True)
    )
    if approx_cells and approx_ids:
        where |= Q(h3_r9__in=sorted(approx_cells), category_id__in=approx_ids)
    rows = visible_reports(now).filter(
        where,
        public_lat__gte=min_lat,
        public_lat__lte=max_lat,
        public_lon__gte=min_lon,
        public_lon__lte=max_lon,
        created_at__gte=now - timedelta(days=days),
    )
    if category_code:
        rows = rows.filter(category__code=category_code)
    found = []
    for report in rows.select_related("category").only(
        "id", "category", "status", "created_at", "public_lat", "public_lon"
    ):
        away = distance_m(lat, lon, report.public_lat, report.public_lon)
        if away <= radius_m:
            found.append(
                NearbyReport(
                    id=report.pk,
                    category=report.category,
                    status=report.status,
                    created_at=report.created_at,
                    lat=report.public_lat,
                    lon=report.public_lon,
                    distance_m=away,
                )
            )
    found.sort(key=lambda r: (r.distance_m, -r.created_at.timestamp(), r.id))
    return found[:limit]


# The day as the public pages show it (report page: "Day of the event").
PUBLIC_DAY_FORMAT = "j. n. Y"


def nearby_item(report: NearbyReport, *, language: str) -> dict[str, Any]:
    """One nearby report as the API gives it to the report form's list and markers."""
    return {
        "id": report.id,
        "category": {"code": report.category.code, "name": report.category.name_in(language)},
        "status": report.status,
        "status_label": report.status_label,
        "status_color": report.status_color,
        "reported_on": report.reported_on.isoformat(),
        "reported_on_text": dateformat.format(report.reported_on, PUBLIC_DAY_FORMAT),
        "distance_m": report.rounded_distance_m,
        "lat": round(report.lat, 6),
        "lon": round(report.lon, 6),
        "url": reverse("reports:report-detail", args=[report.id]),
    }
