"""Pure number-crunching of the statistics: medians, rates, per-capita figures, month buckets.

No Django here: the services feed these functions plain numbers from SQL aggregates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

PER_CAPITA_BASE = 100_000

# Characters that make a spreadsheet treat a cell as a formula (CSV injection, OWASP).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def median(values: Sequence[float]) -> float | None:
    """Median of a list of numbers (mean of the two middle ones when even); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    if n % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def median_offsets(count: int) -> tuple[int, int]:
    """Zero-based positions (first, last) of the middle element(s) in a sorted list of `count`."""
    if count <= 0:
        raise ValueError("count must be positive")
    return (count - 1) // 2, count // 2


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return part / whole


def per_capita(count: int, population: int | None, base: int = PER_CAPITA_BASE) -> float | None:
    """Count per `base` residents; None when the population is unknown or zero."""
    if not population or population <= 0:
        return None
    return count * base / population


def seconds_to_hours(seconds: float | None) -> float | None:
    """Seconds as hours (None stays None)."""
    return None if seconds is None else seconds / 3600.0


def rounded(value: float | None, digits: int = 1) -> float | None:
    """A number rounded for display and for stable JSON (None stays None)."""
    if value is None or math.isnan(value):
        return None
    return round(value, digits)


def month_key(year: int, month: int) -> str:
    """A month bucket's key, ISO style: '2026-03'."""
    return f"{year:04d}-{month:02d}"


def months_between(first: date, last: date) -> list[str]:
    """Every month key from `first`'s month to `last`'s month, inclusive, in order."""
    if last < first:
        return []
    keys = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        keys.append(month_key(year, month))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return keys


def fill_months(counts: dict[str, int], keys: Iterable[str]) -> list[tuple[str, int]]:
    """Counts for each month key in order, zero for the months nothing happened in."""
    return [(key, counts.get(key, 0)) for key in keys]


def spreadsheet_safe(text: str) -> str:
    """Neutralise a free-text cell a spreadsheet would run as a formula (prefix an apostrophe)."""
    if text and text.startswith(_FORMULA_TRIGGERS):
        return "'" + text
    return text


@dataclass(frozen=True)
class DeadlineShare:
    """How many reports met a deadline among those where it can be judged."""

    on_time: int
    judged: int

    @property
    def share(self) -> float | None:
        """Fraction met (None when nothing could be judged yet)."""
        return ratio(self.on_time, self.judged)


# --- duration histograms ---------------------------------------------------------------
# Below EXACT_MINUTES a bucket is one whole minute (durations rounded to the minute: at
# most 30 s off); above, buckets are log-spaced with STEPS_PER_DOUBLING per doubling and a
# bucket stands for its geometric centre (at most 2^(1/32) - 1 ≈ 2.2 % off).
EXACT_MINUTES = 30
STEPS_PER_DOUBLING = 16


def duration_bucket(seconds: float) -> int:
    """The histogram bucket of a duration in seconds (negative durations count as zero)."""
    minutes = max(0.0, seconds / 60.0)
    if minutes < EXACT_MINUTES - 0.5:
        return round(minutes)
    return EXACT_MINUTES + max(0, round(STEPS_PER_DOUBLING * math.log2(minutes / EXACT_MINUTES)))


def bucket_seconds(bucket: int) -> float:
    """The duration in seconds that a histogram bucket stands for."""
    if bucket < EXACT_MINUTES:
        return bucket * 60.0
    return float(EXACT_MINUTES * 60.0 * 2.0 ** ((bucket - EXACT_MINUTES) / STEPS_PER_DOUBLING))


def histogram_median(counts: dict[int, int]) -> float | None:
    """Median seconds of a bucket histogram (mean of the two middle values when even)."""
    n = sum(c for c in counts.values() if c > 0)
    if n <= 0:
        return None
    first, last = median_offsets(n)
    seen = 0
    low: float | None = None
    for bucket in sorted(counts):
        c = counts[bucket]
        if c <= 0:
            continue
        if low is None and seen + c > first:
            low = bucket_seconds(bucket)
        if seen + c > last:
            assert low is not None
            return (low + bucket_seconds(bucket)) / 2.0
        seen += c
    return low
