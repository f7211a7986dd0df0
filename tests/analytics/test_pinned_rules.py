"""Duration histograms and display rounding of the statistics (analytics.rules), value by value."""

from __future__ import annotations

import math

import pytest

from straz.analytics import rules


@pytest.mark.parametrize(
    ("bucket", "seconds"),
    [
        (0, 0.0),
        (1, 60.0),
        (29, 1740.0),
        (30, 1800.0),
        (46, 3600.0),  # one doubling (16 steps) above 30 minutes
        (62, 7200.0),
    ],
)
def test_a_bucket_stands_for_its_duration(bucket: int, seconds: float) -> None:
    assert rules.bucket_seconds(bucket) == pytest.approx(seconds, rel=1e-12)
    assert isinstance(rules.bucket_seconds(bucket), float)


def test_log_buckets_step_by_a_sixteenth_of_a_doubling() -> None:
    assert rules.bucket_seconds(31) == pytest.approx(1879.6928083693447, rel=1e-12)


@pytest.mark.parametrize(
    ("seconds", "bucket"),
    [(-5, 0), (0, 0), (29, 0), (31, 1), (90, 2), (60 * 29, 29), (60 * 29.4, 29), (1800, 30), (3600, 46)],
)
def test_durations_fall_into_buckets(seconds: float, bucket: int) -> None:
    assert rules.duration_bucket(seconds) == bucket


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, None),
        ({5: 0}, None),
        ({5: -1}, None),
        ({3: 1}, 180.0),
        ({3: 1, 5: 1}, 240.0),
        ({3: 1, 5: 1, 7: 1}, 300.0),
        ({2: 2, 40: 1}, 120.0),
        ({2: 1, 30: 1}, 960.0),
        ({7: 1, 3: 1, 5: 0}, 300.0),  # order of the keys does not matter, empty buckets skipped
        ({1: 3, 2: 1}, 60.0),
        ({1: 2, 2: 2}, 90.0),
        ({46: 1, 30: 1}, 2700.0),
    ],
)
def test_histogram_median(counts: dict[int, int], expected: float | None) -> None:
    assert rules.histogram_median(counts) == expected


def test_hours_and_rounding() -> None:
    assert rules.seconds_to_hours(None) is None
    assert rules.seconds_to_hours(5400) == 1.5
    assert rules.seconds_to_hours(0) == 0.0
    assert rules.rounded(None) is None
    assert rules.rounded(math.nan) is None
    assert rules.rounded(3.14159) == 3.1
    assert rules.rounded(3.14159, 3) == 3.142
    assert rules.rounded(2.0, 0) == 2.0


def test_the_median_walks_every_bucket_before_it() -> None:
    assert rules.histogram_median({1: 1, 2: 1, 3: 1, 4: 1, 5: 1}) == 180.0
    assert rules.histogram_median({1: 1, 2: 1, 3: 1, 4: 1}) == 150.0


def test_median_offsets_refuse_an_empty_list() -> None:
    for count in (0, -1):
        with pytest.raises(ValueError, match=r"^count must be positive$"):
            rules.median_offsets(count)
    assert rules.median_offsets(1) == (0, 0)
    assert rules.median_offsets(2) == (0, 1)


def test_ratios_and_per_capita_at_their_smallest_divisors() -> None:
    assert rules.ratio(1, 1) == 1.0
    assert rules.ratio(1, 0) is None
    assert rules.ratio(1, -1) is None
    assert rules.per_capita(5, 1) == 500_000.0
    assert rules.per_capita(5, 0) is None
    assert rules.per_capita(5, None) is None
    assert rules.per_capita(5, -3) is None
    assert rules.per_capita(3, 200, base=100) == 1.5


def test_months_between_one_month_and_across_a_year() -> None:
    from datetime import date

    assert rules.months_between(date(2026, 3, 5), date(2026, 3, 5)) == ["2026-03"]
    assert rules.months_between(date(2026, 3, 31), date(2026, 3, 1)) == []
    assert rules.months_between(date(2025, 11, 30), date(2026, 2, 1)) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
