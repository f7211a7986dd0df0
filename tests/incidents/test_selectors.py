"""The board selector: what board_incidents() returns, in what order, in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from straz.incidents import selectors
from straz.incidents.models import (
    CommandAssignment,
    ComponentDeployment,
    Incident,
    IncidentEvent,
    IncidentType,
    TimelineEntry,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _incident(
    title: str, *, state: str = "in_progress", minutes: int = 0, **extra: Any
) -> Incident:
    at = T0 + timedelta(minutes=minutes)
    return Incident.objects.create(
        type=IncidentType.objects.get(code="flood"),
        title=title,
        lat=49.74,
        lon=13.37,
        state=state,
        created_at=at,
        updated_at=at,
        **extra,
    )


def _command(incident: Incident, name: str, *, ended: bool = False) -> CommandAssignment:
    command = CommandAssignment.objects.create(
        incident=incident,
        commander_name=name,
        started_at=T0,
        ended_at=T0 + timedelta(minutes=5) if ended else None,
        how="initial",
    )
    if not ended:
        Incident.objects.filter(pk=incident.pk).update(current_command=command)
    return command


def _deploy(incident: Incident, *, arrived: bool, departed: bool = False, people: int = 0) -> None:
    ComponentDeployment.objects.create(
        incident=incident,
        kind="hzs",
        called_at=T0,
        arrived_at=T0 + timedelta(minutes=3) if arrived else None,
        departed_at=T0 + timedelta(minutes=30) if departed else None,
        people=people,
    )


def _entry(incident: Incident, *, kind: str, minutes: int) -> None:
    TimelineEntry.objects.create(
        incident=incident, at=T0 + timedelta(minutes=minutes), kind=kind, author_label="OPIS"
    )


def test_board_rows_carry_commander_components_and_last_message() -> None:
    busy = _incident("Busy", alarm_level="III")
    _command(busy, "npor. Dvořák", ended=True)
    _command(busy, "kpt. Novák")
    _deploy(busy, arrived=True, people=6)
    _deploy(busy, arrived=True, people=4)
    _deploy(busy, arrived=True, departed=True, people=9)  # gone: neither on site nor en route
    _deploy(busy, arrived=False, people=3)
    _entry(busy, kind="message", minutes=10)
    _entry(busy, kind="message", minutes=40)
    _entry(busy, kind="log", minutes=90)  # a log entry is not a message from the site
    quiet = _incident("Quiet", state="reported")
    closed = _incident("Closed", state="closed")
    _entry(closed, kind="message", minutes=5)

    rows = {i.title: i for i in selectors.board_incidents()}
    assert set(rows) == {"Busy", "Quiet"}
    b = rows["Busy"]
    assert b.current_command is not None and b.current_command.commander_name == "kpt. Novák"
    assert (b.components_called, b.components_on_site, b.components_en_route) == (4, 2, 1)  # type: ignore[attr-defined]
    assert b.people_on_site == 10  # type: ignore[attr-defined]
    assert b.last_message_at == T0 + timedelta(minutes=40)  # type: ignore[attr-defined]
    assert (b.type.code, b.alarm_level, b.state) == ("flood", "III", "in_progress")
    q = rows[quiet.title]
    assert q.current_command is None and q.event is None
    assert (q.components_called, q.components_on_site, q.people_on_site) == (0, 0, 0)  # type: ignore[attr-defined]
    assert q.last_message_at is None  # type: ignore[attr-defined]


def test_board_order_is_event_then_priority_then_newest() -> None:
    now = T0
    event = IncidentEvent.objects.create(
        name="Povodeň", alarm_level="III", created_at=now, updated_at=now
    )
    second = _incident("Event site 2", minutes=1, event=event, priority=2)
    first = _incident("Event site 1", minutes=0, event=event, priority=1)
    older = _incident("Alone, older", minutes=2)
    newer = _incident("Alone, newer", minutes=3)
    order = [i.pk for i in selectors.board_incidents()]
    assert order == [first.pk, second.pk, newer.pk, older.pk]
    rows = selectors.board_incidents()
    assert rows[0].event is not None and rows[0].event.name == "Povodeň"
    assert rows[0].event.alarm_level == "III"


def test_board_needs_two_queries_whatever_the_number_of_incidents() -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = selectors.board_incidents()
            # Reading every attribute the board shows must not query again.
            for i in rows:
                _ = (
                    i.type.name,
                    i.event.name if i.event else "",
                    i.current_command,
                    i.last_message_at,
                )  # type: ignore[attr-defined]
                if i.current_command is not None:
                    _ = i.current_command.commander_name
        return len(ctx.captured_queries)

    for n in range(3):
        inc = _incident(f"MU {n}")
        _command(inc, f"VZ {n}")
        _deploy(inc, arrived=True, people=2)
        _entry(inc, kind="message", minutes=n)
    few = count()
    for n in range(3, 30):
        inc = _incident(f"MU {n}")
        _command(inc, f"VZ {n}")
        _deploy(inc, arrived=True, people=2)
        _entry(inc, kind="message", minutes=n)
    assert count() == few == 2
