"""The sliding per-client window shared by report intake and anonymous downloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from straz.core.intake import seconds_until_admitted

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_fewer_requests_than_the_limit_are_admitted() -> None:
    assert seconds_until_admitted([], limit=1, window=HOUR, now=NOW) is None
    newest = [NOW - timedelta(minutes=1), NOW - timedelta(minutes=2)]
    assert seconds_until_admitted(newest, limit=3, window=HOUR, now=NOW) is None


def test_at_the_limit_the_wait_ends_when_the_limit_th_newest_leaves() -> None:
    newest = [NOW - timedelta(minutes=10), NOW - timedelta(minutes=40), NOW - timedelta(minutes=50)]
    # limit 2: the 2nd newest (40 min ago) leaves in 20 min
    assert seconds_until_admitted(newest, limit=2, window=HOUR, now=NOW) == 20 * 60 + 1
    # limit 3: the 3rd newest (50 min ago) leaves in 10 min
    assert seconds_until_admitted(newest, limit=3, window=HOUR, now=NOW) == 10 * 60 + 1


def test_a_zero_limit_admits_nothing() -> None:
    assert seconds_until_admitted([], limit=0, window=HOUR, now=NOW) == 3600
