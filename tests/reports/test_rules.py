"""The pure rules of the threat map: workflow table, deadlines, public visibility and location."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import h3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from straz.reports.rules import (
    TRANSITIONS,
    Status,
    allowed_targets,
    can_transition,
    deadlines_for,
    h3_int,
    is_overdue,
    public_location,
    public_visibility,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

LEGAL = {
    ("new", "verification"),
    ("verification", "confirmed"),
    ("verification", "not_confirmed"),
    ("confirmed", "eliminated"),
    ("confirmed", "passed_on"),
}


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_transition_table_matches_kmzb_workflow(current: Status, target: Status) -> None:
    assert can_transition(current, target) is ((current.value, target.value) in LEGAL)


def test_final_statuses_have_no_way_out() -> None:
    for final in (Status.NOT_CONFIRMED, Status.ELIMINATED, Status.PASSED_ON):
        assert allowed_targets(final) == []
    assert allowed_targets(Status.VERIFICATION) == [Status.CONFIRMED, Status.NOT_CONFIRMED]
    assert set(TRANSITIONS) == set(Status)


def test_deadlines_count_from_arrival() -> None:
    d = deadlines_for(NOW, read_days=2, verify_days=5)
    assert d.read_due == NOW + timedelta(days=2)
    assert d.verify_due == NOW + timedelta(days=5)


def test_overdue_when_unread_after_read_deadline() -> None:
    due = deadlines_for(NOW, read_days=2, verify_days=5)
    later = NOW + timedelta(days=3)
    assert is_overdue(
        now=later, status=Status.NEW, read_at=None, read_due=due.read_due, verify_due=due.verify_due
    )
    assert not is_overdue(
        now=later, status=Status.NEW, read_at=NOW, read_due=due.read_due, verify_due=due.verify_due
    )
    much_later = NOW + timedelta(days=6)
    assert is_overdue(
        now=much_later,
        status=Status.VERIFICATION,
        read_at=NOW,
        read_due=due.read_due,
        verify_due=due.verify_due,
    )
    assert not is_overdue(
        now=much_later,
        status=Status.CONFIRMED,
        read_at=NOW,
        read_due=due.read_due,
        verify_due=due.verify_due,
    )


# KMZB: a category public only once confirmed shows confirmed threats and what became of
# them (eliminated, passed on); it never shows new, under verification or not confirmed.
CONFIRMED_ONLY_PUBLIC = {
    "new": False,
    "verification": False,
    "confirmed": True,
    "not_confirmed": False,
    "eliminated": True,
    "passed_on": True,
}


@pytest.mark.parametrize(("status", "expected"), sorted(CONFIRMED_ONLY_PUBLIC.items()))
def test_confirmed_only_category_hidden_until_confirmed(status: str, expected: bool) -> None:
    vis = public_visibility(
        status=Status(status),
        last_change=NOW,
        now=NOW,
        only_when_confirmed=True,
        is_duplicate=False,
        retention_days=30,
    )
    assert vis.public is expected
    assert set(CONFIRMED_ONLY_PUBLIC) == {s.value for s in Status}


def test_fading_statuses_leave_public_view_after_retention() -> None:
    for status in (Status.NOT_CONFIRMED, Status.ELIMINATED):
        fresh = public_visibility(
            status=status,
            last_change=NOW,
            now=NOW + timedelta(days=29),
            only_when_confirmed=False,
            is_duplicate=False,
            retention_days=30,
        )
        assert fresh.public and fresh.until == NOW + timedelta(days=30)
        old = public_visibility(
            status=status,
            last_change=NOW,
            now=NOW + timedelta(days=31),
            only_when_confirmed=False,
            is_duplicate=False,
            retention_days=30,
        )
        assert not old.public
    kept = public_visibility(
        status=Status.CONFIRMED,
        last_change=NOW,
        now=NOW + timedelta(days=400),
        only_when_confirmed=False,
        is_duplicate=False,
        retention_days=30,
    )
    assert kept.public and kept.until is None


def test_duplicates_are_never_public_on_their_own() -> None:
    vis = public_visibility(
        status=Status.NEW,
        last_change=NOW,
        now=NOW,
        only_when_confirmed=False,
        is_duplicate=True,
        retention_days=30,
    )
    assert not vis.public


@given(st.floats(min_value=-80, max_value=80), st.floats(min_value=-179, max_value=179))
def test_approximated_location_is_the_cell_centre(lat: float, lon: float) -> None:
    plat, plon = public_location(lat, lon, approximate=True, resolution=8)
    cell = h3.latlng_to_cell(lat, lon, 8)
    # The public point is the centre of the point's cell: anyone in the same cell gets the
    # same public point, so it does not reveal where inside the cell the report was.
    assert h3.latlng_to_cell(plat, plon, 8) == cell
    assert public_location(lat, lon, approximate=False, resolution=8) == (lat, lon)


@given(st.floats(min_value=-89, max_value=89), st.floats(min_value=-179.9, max_value=179.9))
def test_h3_int_roundtrips(lat: float, lon: float) -> None:
    value = h3_int(lat, lon, 9)
    assert 0 < value < 2**63
    assert format(value, "x") == h3.latlng_to_cell(lat, lon, 9)
