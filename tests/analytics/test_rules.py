"""Pure statistics rules: medians, rates, per-capita figures, months, spreadsheet safety."""

from __future__ import annotations

import statistics
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from straz.analytics import rules


@given(st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=60))
def test_median_agrees_with_the_standard_library(values: list[float]) -> None:
    assert rules.median(values) == pytest.approx(statistics.median(values), rel=1e-12, abs=1e-9)


def test_median_of_nothing_is_unknown() -> None:
    assert rules.median([]) is None


@given(st.integers(min_value=1, max_value=10_000))
def test_median_offsets_point_at_the_middle(count: int) -> None:
    values = list(range(count))
    first, last = rules.median_offsets(count)
    assert (values[first] + values[last]) / 2 == statistics.median(values)


def test_median_offsets_refuse_empty() -> None:
    with pytest.raises(ValueError):
        rules.median_offsets(0)


def test_ratio_and_per_capita() -> None:
    assert rules.ratio(2, 3) == pytest.approx(2 / 3)
    assert rules.ratio(1, 0) is None
    assert rules.per_capita(4, 40_000) == pytest.approx(10.0)
    assert rules.per_capita(3, 30_000, base=1000) == pytest.approx(0.1)
    assert rules.per_capita(5, None) is None
    assert rules.per_capita(5, 0) is None


def test_months_between_crosses_the_year() -> None:
    assert rules.months_between(date(2025, 11, 30), date(2026, 2, 1)) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert rules.months_between(date(2026, 3, 1), date(2026, 2, 1)) == []
    assert rules.fill_months({"2026-01": 3}, ["2025-12", "2026-01"]) == [
        ("2025-12", 0),
        ("2026-01", 3),
    ]


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+420 123", "'+420 123"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Plzeň", "Plzeň"),
        ("", ""),
    ],
)
def test_spreadsheet_safe(text: str, safe: str) -> None:
    assert rules.spreadsheet_safe(text) == safe


def test_deadline_share() -> None:
    assert rules.DeadlineShare(3, 4).share == pytest.approx(0.75)
    assert rules.DeadlineShare(0, 0).share is None
