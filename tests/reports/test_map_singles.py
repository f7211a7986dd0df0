"""Issue 9, items 4 and 10: lone reports are drawn as reports, popups get a date, and the
aggregates stay small (at most one row per report, resolution and period)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from straz.reports.map import aggregates
from straz.reports.models import MapCell, Report
from straz.reports.rules import STATUS_COLORS, Status
from tests.reports.map_helpers import change_status, create_report, features

# A street-level view in the centre of Plzeň (zoom 16 on a 1280×800 screen is ~2 × 1.2 km).
CENTRE = (49.7475, 13.3776)
STREET_BBOX = "13.3690,49.7430,13.3950,49.7580"


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


def _dense_centre(categories: dict[str, Any], now: datetime) -> tuple[list[Report], list[Report]]:
    """Six reports on their own ~450 m apart, and a pile of three on one spot."""
    alone = [
        create_report(
            categories["dump"], CENTRE[0] + 0.004 * (i % 3), CENTRE[1] + 0.006 * (i // 3), now=now
        )
        for i in range(6)
    ]
    pile = [
        create_report(categories["dump"], 49.7455 + i * 0.00001, 13.3720, now=now) for i in range(3)
    ]
    return alone, pile


@pytest.mark.django_db
def test_at_street_zoom_a_crowded_view_draws_lone_reports_with_their_status_colour(
    citizen: Client, categories: dict[str, Any], now: datetime, monkeypatch: Any
) -> None:
    from straz.reports.map import api as map_api

    # Too many reports for the points mode: the city centre of a national deployment.
    monkeypatch.setattr(map_api, "POINTS_MAX", 4)
    alone, _pile = _dense_centre(categories, now)
    change_status(alone[0].pk, "verification", now=now)
    for zoom in (16, 17):
        r = citizen.get("/api/v1/map", {"bbox": STREET_BBOX, "zoom": zoom})
        body = r.json()
        assert body["mode"] == "clusters" and body["total"] == 9, zoom
        reports = [f["properties"] for f in features(r) if f["properties"]["kind"] == "report"]
        clusters = [f["properties"] for f in features(r) if f["properties"]["kind"] == "cluster"]
        assert sorted(p["id"] for p in reports) == sorted(a.pk for a in alone), zoom
        assert [c["count"] for c in clusters] == [3], zoom
        colours = {p["id"]: p["color"] for p in reports}
        assert colours[alone[0].pk] == STATUS_COLORS[Status.VERIFICATION]
        assert colours[alone[1].pk] == STATUS_COLORS[Status.NEW]


@pytest.mark.django_db
def test_a_cluster_of_one_is_its_report_at_every_zoom_and_with_filters(
    citizen: Client, categories: dict[str, Any], now: datetime
) -> None:
    r = create_report(categories["dump"], 49.7400, 13.3700, now=now)
    create_report(categories["dump"], 49.7400, 13.3700, now=now)  # a second one, same spot
    change_status(r.pk, "verification", now=now)
    bbox = "13.30,49.70,13.45,49.78"
    for zoom in (5, 9, 12, 14):
        (both,) = features(citizen.get("/api/v1/map", {"bbox": bbox, "zoom": zoom}))
        assert both["properties"] == {
            "kind": "cluster",
            "count": 2,
            "cell": both["properties"]["cell"],
        }
        # Filtered down to one, the cluster is that report.
        (one,) = features(
            citizen.get("/api/v1/map", {"bbox": bbox, "zoom": zoom, "status": "verification"})
        )
        assert one["properties"]["kind"] == "report" and one["properties"]["id"] == r.pk
        assert one["properties"]["status"] == "verification"


@pytest.mark.django_db
def test_popups_get_the_local_day_the_report_was_filed(
    citizen: Client, categories: dict[str, Any]
) -> None:
    # 23:30 UTC on 1 March is already 2 March in Prague.
    filed = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    r = create_report(categories["dump"], 49.7400, 13.3700, now=filed)
    local_day = filed.astimezone(ZoneInfo("Europe/Prague")).date().isoformat()
    assert local_day == "2026-03-02"
    for zoom in (12, 17):  # a cluster of one, and the points mode
        (f,) = features(
            citizen.get("/api/v1/map", {"bbox": "13.3690,49.7395,13.3710,49.7405", "zoom": zoom})
        )
        assert f["properties"]["id"] == r.pk
        assert f["properties"]["date"] == local_day


@pytest.mark.django_db
def test_a_lone_report_that_left_the_public_view_is_not_shown(
    citizen: Client, categories: dict[str, Any], now: datetime
) -> None:
    r = create_report(categories["dump"], 49.7400, 13.3700, now=now)
    change_status(r.pk, "verification", now=now)
    change_status(r.pk, "eliminated", now=now)
    later = now + timedelta(days=31)
    aggregates.expire_due_reports(later)
    assert (
        features(citizen.get("/api/v1/map", {"bbox": "13.30,49.70,13.45,49.78", "zoom": 12})) == []
    )


@pytest.mark.django_db
def test_the_aggregates_hold_at_most_one_row_per_report_resolution_and_period(
    categories: dict[str, Any], now: datetime
) -> None:
    """The old layout kept four roll-up rows per cell at resolutions 0-9 (~4x this bound)."""
    cats = [categories["dump"], categories["drugs"]]
    memberships = 0  # (report, period) pairs
    for i in range(24):
        # Spread over ~100 km so that most cells hold one report, as in the countryside.
        created = now - timedelta(days=3 * i)
        r = create_report(
            cats[i % 2],
            49.2 + (i % 6) * 0.17,
            13.0 + (i // 6) * 0.29,
            now=now,
            created_at=created,
        )
        if i % 3 == 0:
            change_status(r.pk, "verification", now=now)
        memberships += 1 + sum(created >= now - timedelta(days=p) for p in aggregates.PERIODS)
    aggregates.age_all_periods(now)
    rows = MapCell.objects.count()
    assert rows <= memberships * len(aggregates.STORED_RES)
    # Every row is a distinct cell: the table grows with cells, not with their contents.
    assert rows == len(set(MapCell.objects.values_list("layer", "period_days", "cell")))


@pytest.mark.django_db
def test_the_sql_twin_of_public_now_agrees_with_the_orm(
    categories: dict[str, Any], now: datetime
) -> None:
    from straz.reports import public

    reports = [
        create_report(categories["dump"], 49.74 + i * 0.001, 13.37, now=now) for i in range(4)
    ]
    change_status(reports[1].pk, "verification", now=now)
    change_status(reports[1].pk, "not_confirmed", now=now)  # public for 30 more days
    hidden = create_report(categories["venue"], 49.75, 13.38, now=now)  # not public until confirmed
    ids = [r.pk for r in (*reports, hidden)]
    for moment in (now, now + timedelta(days=29), now + timedelta(days=31)):
        orm = sorted(public.visible_reports(moment).filter(pk__in=ids).values_list("pk", flat=True))
        assert [row[0] for row in public.points_by_id(ids, moment)] == orm
    assert hidden.pk not in [row[0] for row in public.points_by_id(ids, now)]
