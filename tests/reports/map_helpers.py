"""Helpers for the map tests: write reports the way the intake service does, and recount."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import h3
from django.db import transaction
from django.db.models import F

from straz.reports.map import aggregates
from straz.reports.models import Category, Report
from straz.reports.rules import Status, h3_int, public_location, public_visibility

RETENTION_DAYS = 30
APPROX_RES = 8


def _visibility(report: Report, category: Category, now: datetime) -> tuple[bool, datetime | None]:
    vis = public_visibility(
        status=Status(report.status),
        last_change=report.updated_at,
        now=now,
        only_when_confirmed=category.public_only_when_confirmed,
        is_duplicate=report.duplicate_of_id is not None,
        retention_days=RETENTION_DAYS,
    )
    return vis.public, vis.until


def create_report(
    category: Category,
    lat: float,
    lon: float,
    *,
    now: datetime,
    created_at: datetime | None = None,
    duplicate_of: Report | None = None,
    description: str = "",
) -> Report:
    """Insert a report with its public location and visibility, and move its footprint."""
    with transaction.atomic():
        plat, plon = public_location(
            lat, lon, approximate=category.public_location_approximated, resolution=APPROX_RES
        )
        report = Report(
            category=category,
            status=Status.NEW.value,
            lat=lat,
            lon=lon,
            public_lat=plat,
            public_lon=plon,
            h3_r9=h3_int(lat, lon, 9),
            created_at=created_at or now,
            updated_at=now,
            duplicate_of=duplicate_of,
            description=description,
            reporter_ip="192.0.2.77",
        )
        report.is_public, report.public_until = _visibility(report, category, now)
        report.save()
        if duplicate_of is not None:
            Report.objects.filter(pk=duplicate_of.pk).update(
                duplicate_count=F("duplicate_count") + 1
            )
        aggregates.apply_change(old=None, new=aggregates.footprint_of(report))
    return report


def change_status(report_id: int, target: str, *, now: datetime) -> Report:
    """Change a report's status as the workflow service does (visibility + footprint)."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("category")
            .get(pk=report_id)
        )
        old = aggregates.footprint_of(report)
        report.status = target
        report.updated_at = now
        report.is_public, report.public_until = _visibility(report, report.category, now)
        report.save()
        aggregates.apply_change(old=old, new=aggregates.footprint_of(report))
    return report


def expected_rows(*, now: datetime) -> dict[tuple[int, ...], tuple[int, int, int, int]]:
    """The map's entries as they must be, recounted from the reports with the h3 library itself.

    One entry per (period, resolution, cell, category, status): count, sums of the public
    location in microdegrees, and the sum of the report ids.
    """
    rows: dict[tuple[int, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in Report.objects.filter(is_public=True):
        st = aggregates.STATUS_CODES[r.status]
        periods = [0] + [p for p in aggregates.PERIODS if r.created_at >= now - timedelta(days=p)]
        lat_e6, lon_e6 = round(r.public_lat * 1e6), round(r.public_lon * 1e6)
        # A report belongs to the finest cell of its public point and to that cell's
        # ancestors (H3 children do not tile their parent exactly, so this is not always
        # the coarse cell containing the point; the hierarchy keeps coarse = sum of fine).
        leaf = h3.latlng_to_cell(r.public_lat, r.public_lon, max(aggregates.STORED_RES))
        for res in aggregates.STORED_RES:
            cell = int(h3.cell_to_parent(leaf, res), 16)
            for p in periods:
                row = rows[(1, p, res, cell, r.category_id, st)]
                row[0] += 1
                row[1] += lat_e6
                row[2] += lon_e6
                row[3] += r.pk
    return {k: (v[0], v[1], v[2], v[3]) for k, v in rows.items()}


def stored_rows(layer: int = 1) -> dict[tuple[int, ...], tuple[int, int, int, int]]:
    """The map's stored entries of a layer, unpacked."""
    return dict(aggregates.logical_rows(layer))


def bring_up_to(now: datetime) -> None:
    """What a map read does before answering, for every period at once."""
    aggregates.expire_due_reports(now)
    aggregates.age_all_periods(now)


def features(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return list(body["features"])
