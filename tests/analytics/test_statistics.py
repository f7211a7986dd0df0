"""Numbers of the statistics on a known data set, checked against an independent count."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from straz.analytics import policy
from straz.analytics.threatmap import medians, queries
from straz.analytics.threatmap.scope import StatisticsFilter
from straz.reports.models import Report
from straz.reports.rules import Status
from tests.analytics.conftest import Dataset, Spec, make_report, utc

PRAGUE = ZoneInfo("Europe/Prague")
CONFIRMED = {"confirmed", "eliminated", "passed_on"}
VERIFIED = CONFIRMED | {"not_confirmed"}
READ_H = settings.STRAZ["READ_DEADLINE_DAYS"] * 24
VERIFY_H = settings.STRAZ["VERIFY_DEADLINE_DAYS"] * 24
POPULATION = {"A": 40_000, "B": 30_000}


def publicly_known(spec: Spec) -> bool:
    """Whether the public may know the report exists (confirmed-only category rule)."""
    return not (spec.category == "venue" and spec.status.value not in CONFIRMED)


def expect(specs: list[Spec], now: datetime) -> dict[str, Any]:
    """The numbers, counted the slow and obvious way in Python."""
    rows = [s for s in specs if s.duplicate_of is None]
    by_status = Counter(s.status.value for s in rows)
    verified = sum(by_status[s] for s in VERIFIED)
    confirmed = sum(by_status[s] for s in CONFIRMED)
    reads = [s.read_after_h for s in rows if s.read_after_h is not None]
    verifies = [s.verified_after_h for s in rows if s.verified_after_h is not None]
    read_judged = [
        s for s in rows if s.read_after_h is not None or now > s.created + timedelta(hours=READ_H)
    ]
    verify_judged = [
        s
        for s in rows
        if s.verified_after_h is not None or now > s.created + timedelta(hours=VERIFY_H)
    ]
    in_known = [s for s in rows if s.district in POPULATION]
    population = sum(POPULATION[d] for d in {s.district for s in in_known})
    return {
        "total": len(rows),
        "by_status": {s.value: by_status[s.value] for s in Status},
        "verified": verified,
        "confirmed": confirmed,
        "confirmation_rate": round(confirmed / verified, 4) if verified else None,
        "median_hours_to_read": statistics.median(reads) if reads else None,
        "median_hours_to_verify": statistics.median(verifies) if verifies else None,
        "read_judged": len(read_judged),
        "read_on_time": sum(
            1 for s in read_judged if s.read_after_h is not None and s.read_after_h <= READ_H
        ),
        "verify_judged": len(verify_judged),
        "verified_on_time": sum(
            1
            for s in verify_judged
            if s.verified_after_h is not None and s.verified_after_h <= VERIFY_H
        ),
        "per_100k": round(len(in_known) * 100_000 / population, 2) if population else None,
    }


def assert_row(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if key.startswith("median") and value is not None:
            assert actual[key] == pytest.approx(value, abs=0.01), key
        else:
            assert actual[key] == value, key


def public_specs(ds: Dataset) -> list[Spec]:
    return [s for s in ds.specs if publicly_known(s)]


def test_public_summary_matches_an_independent_count(dataset: Dataset) -> None:
    stats = queries.compute_statistics(user=None, filters=StatisticsFilter(), now=dataset.now)
    assert stats.audience == policy.PUBLIC
    assert_row(stats.summary.as_dict(), expect(public_specs(dataset), dataset.now))
    assert stats.duplicates == sum(1 for s in public_specs(dataset) if s.duplicate_of)


def test_public_statistics_count_confirmed_only_categories_only_once_confirmed(
    dataset: Dataset,
) -> None:
    stats = queries.compute_statistics(user=None, filters=StatisticsFilter(), now=dataset.now)
    venue = next(row for row in stats.by_category if row.key == "dangerous-venue")
    assert venue.total == 1
    assert venue.by_status["new"] == 0
    # Staff see the unconfirmed one too.


def test_analyst_counts_everything(dataset: Dataset, analyst: Any) -> None:
    stats = queries.compute_statistics(user=analyst, filters=StatisticsFilter(), now=dataset.now)
    assert stats.audience == policy.STAFF
    assert_row(stats.summary.as_dict(), expect(dataset.specs, dataset.now))
    venue = next(row for row in stats.by_category if row.key == "dangerous-venue")
    assert (venue.total, venue.by_status["new"]) == (2, 1)


def test_officer_counts_only_own_district(dataset: Dataset, officer: Any) -> None:
    stats = queries.compute_statistics(user=officer, filters=StatisticsFilter(), now=dataset.now)
    mine = [s for s in dataset.specs if s.district == "A"]
    assert_row(stats.summary.as_dict(), expect(mine, dataset.now))
    assert [row.key for row in stats.by_district] == ["PD-A"]


def test_staff_may_ask_for_the_public_numbers(dataset: Dataset, analyst: Any) -> None:
    stats = queries.compute_statistics(
        user=analyst, filters=StatisticsFilter(), audience=policy.PUBLIC, now=dataset.now
    )
    assert stats.summary.total == expect(public_specs(dataset), dataset.now)["total"]


@pytest.mark.parametrize("district", ["A", "B"])
def test_per_district_numbers_per_100k_and_medians(dataset: Dataset, district: str) -> None:
    stats = queries.compute_statistics(user=None, filters=StatisticsFilter(), now=dataset.now)
    row = next(r for r in stats.by_district if r.key == f"PD-{district}").as_dict()
    specs = [s for s in public_specs(dataset) if s.district == district]
    expected = expect(specs, dataset.now)
    assert_row(row, expected)
    assert row["population"] == POPULATION[district]


def test_even_count_median_is_the_mean_of_the_middle_two(dataset: Dataset) -> None:
    # District B's public reads are 60, 1, 10 and 3 hours: the median is (3 + 10) / 2.
    stats = queries.compute_statistics(user=None, filters=StatisticsFilter(), now=dataset.now)
    row = next(r for r in stats.by_district if r.key == "PD-B")
    assert row.median_read_seconds == pytest.approx(6.5 * 3600, abs=1)


def test_reports_outside_every_district_have_their_own_row(dataset: Dataset) -> None:
    stats = queries.compute_statistics(user=None, filters=StatisticsFilter(), now=dataset.now)
    row = next(r for r in stats.by_district if r.key == queries.NO_DISTRICT)
    assert row.total == 1
    assert row.per_100k is None


def test_month_buckets_follow_prague_time_and_show_empty_months(dataset: Dataset) -> None:
    stats = queries.compute_statistics(user=None, filters=StatisticsFilter(), now=dataset.now)
    counted = [s for s in public_specs(dataset) if s.duplicate_of is None]
    expected = Counter(s.created.astimezone(PRAGUE).strftime("%Y-%m") for s in counted)
    got = {row.key: row.total for row in stats.by_month}
    assert got["2026-02"] == expected["2026-02"]
    assert got["2026-01"] == 2  # the 31 January 23:30 UTC report belongs to February
    assert {k: v for k, v in got.items() if v} == dict(expected)
    keys = [row.key for row in stats.by_month]
    assert keys == sorted(keys)
    assert keys[0] == "2026-01"
    assert keys[-1] == dataset.now.astimezone(PRAGUE).strftime("%Y-%m")
    # Every month in between is present, empty ones as zero.
    assert len(keys) == len(set(keys))
    assert "2026-04" in got and got["2026-04"] == expected.get("2026-04", 0)


def test_period_filter_uses_local_days(dataset: Dataset) -> None:
    february = StatisticsFilter(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    stats = queries.compute_statistics(user=None, filters=february, now=dataset.now)
    specs = [
        s
        for s in public_specs(dataset)
        if s.created.astimezone(PRAGUE).strftime("%Y-%m") == "2026-02"
    ]
    assert_row(stats.summary.as_dict(), expect(specs, dataset.now))
    assert [row.key for row in stats.by_month] == ["2026-02"]
    january = StatisticsFilter(date_to=date(2026, 1, 31))
    assert queries.compute_statistics(user=None, filters=january).summary.total == 2


def test_district_and_category_filters(dataset: Dataset) -> None:
    filters = StatisticsFilter(district=dataset.districts["A"], category=dataset.categories["dump"])
    stats = queries.compute_statistics(user=None, filters=filters, now=dataset.now)
    specs = [s for s in public_specs(dataset) if s.district == "A" and s.category == "dump"]
    assert_row(stats.summary.as_dict(), expect(specs, dataset.now))
    assert [row.key for row in stats.by_category] == ["illegal-dump"]


def test_deadline_falls_back_to_configured_days_when_not_stored(dataset: Dataset) -> None:
    # A report imported without stored deadlines, read after 3 days: late against the 2-day rule.
    report = make_report(
        category=dataset.categories["dump"],
        district=dataset.districts["A"],
        status=Status.VERIFICATION,
        created=utc(2026, 4, 1, 8),
        read_after_h=72,
        n=40,
    )
    Report.objects.filter(pk=report.pk).update(read_due_at=None, verify_due_at=None)
    april = StatisticsFilter(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30))
    summary = queries.compute_statistics(user=None, filters=april).summary
    assert (summary.read_on_time.on_time, summary.read_on_time.judged) == (0, 1)
    assert (summary.verified_on_time.on_time, summary.verified_on_time.judged) == (0, 1)


def test_medians_in_sql_match_python_on_many_durations(
    district_a: Any, categories: dict[str, Any]
) -> None:
    hours = [0.5, 7, 3, 3, 11, 2.25, 40, 1, 90, 6, 5.5]
    for n, h in enumerate(hours):
        make_report(
            category=categories["dump"],
            district=district_a,
            status=Status.VERIFICATION,
            created=utc(2026, 5, 1 + n, 9),
            read_after_h=h,
            n=n,
        )

    def median_of(qs: Any, group: str | None = None) -> dict[str, dict[Any, float]]:
        return medians.duration_medians(
            qs, end_fields=("read_at", "verified_at"), group_field=group
        )

    whole = medians.WHOLE
    got = median_of(Report.objects.all())
    assert got["read_at"] == {whole: pytest.approx(statistics.median(hours) * 3600, abs=1)}
    assert got["verified_at"] == {}  # nothing verified: no median, not zero
    later = Report.objects.exclude(read_at__lt=utc(2026, 5, 2, 0))
    assert median_of(later)["read_at"][whole] == pytest.approx(
        statistics.median(hours[1:]) * 3600, abs=1
    )
    grouped = median_of(Report.objects.all(), "district_id")["read_at"]
    expected = pytest.approx(statistics.median(hours) * 3600, abs=1)
    assert grouped == {district_a.pk: expected, whole: expected}
    assert median_of(Report.objects.none()) == {"read_at": {}, "verified_at": {}}


def test_grouped_medians_with_a_null_group(district_a: Any, categories: dict[str, Any]) -> None:
    # Reports outside every district form their own group, apart from the whole.
    inside = [1.0, 4.0]
    outside = [10.0, 20.0, 30.0]
    for n, h in enumerate(inside + outside):
        make_report(
            category=categories["dump"],
            district=district_a if n < len(inside) else None,
            status=Status.CONFIRMED,
            created=utc(2026, 6, 1 + n, 9),
            read_after_h=h,
            verified_after_h=2 * h,
            n=n,
        )
    got = medians.duration_medians(
        Report.objects.all(), end_fields=("read_at", "verified_at"), group_field="district_id"
    )
    assert got["read_at"][district_a.pk] == pytest.approx(2.5 * 3600, abs=1)
    assert got["read_at"][None] == pytest.approx(20 * 3600, abs=1)
    assert got["read_at"][medians.WHOLE] == pytest.approx(
        statistics.median(inside + outside) * 3600, abs=1
    )
    assert got["verified_at"][medians.WHOLE] == pytest.approx(
        2 * statistics.median(inside + outside) * 3600, abs=1
    )


def test_empty_statistics(db: Any) -> None:
    stats = queries.compute_statistics(user=None, filters=StatisticsFilter())
    data = stats.as_dict()
    assert data["summary"]["total"] == 0
    assert data["summary"]["confirmation_rate"] is None
    assert data["summary"]["median_hours_to_read"] is None
    assert data["by_month"] == []
