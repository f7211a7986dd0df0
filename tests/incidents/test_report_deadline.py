"""ADR 0029: the §16(2) deadline ends on the next working day when its 14th day is a Saturday,
Sunday or Czech public holiday; the Python rule and the database lists agree on it."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from straz.accounts.models import User
from straz.incidents import reporting, services
from straz.incidents.models import AlarmDeclaration, Incident, IncidentType

PRAGUE = ZoneInfo("Europe/Prague")


def _ended_local(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=PRAGUE).astimezone(UTC)


def _last_day(ended_day: date) -> date:
    return reporting.report_deadline(_ended_local(ended_day), PRAGUE).last_day


@pytest.mark.parametrize(
    ("ended", "nominal", "last"),
    [
        # A working day stays: ended Thu 19 Nov 2026, 14th day Thu 3 Dec.
        (date(2026, 11, 19), date(2026, 12, 3), date(2026, 12, 3)),
        # Across a weekend: Saturday 5 Dec and Sunday 6 Dec 2026 move to Monday 7 Dec.
        (date(2026, 11, 21), date(2026, 12, 5), date(2026, 12, 7)),
        (date(2026, 11, 22), date(2026, 12, 6), date(2026, 12, 7)),
        # Easter 2026: Good Friday 3 April, the weekend and Easter Monday 6 April → Tuesday 7 April.
        (date(2026, 3, 20), date(2026, 4, 3), date(2026, 4, 7)),
        (date(2026, 3, 23), date(2026, 4, 6), date(2026, 4, 7)),
        # 28 October 2026 is a Wednesday and a public holiday → Thursday 29 October.
        (date(2026, 10, 14), date(2026, 10, 28), date(2026, 10, 29)),
        # 24–26 December 2026 (Thu–Sat) and Sunday 27 → Monday 28 December.
        (date(2026, 12, 10), date(2026, 12, 24), date(2026, 12, 28)),
        (date(2026, 12, 11), date(2026, 12, 25), date(2026, 12, 28)),
        (date(2026, 12, 12), date(2026, 12, 26), date(2026, 12, 28)),
        # 2025: 24–26 December Wed–Fri, then the weekend → Monday 29 December (five days moved).
        (date(2025, 12, 10), date(2025, 12, 24), date(2025, 12, 29)),
        # 23 December 2026 is an ordinary Wednesday.
        (date(2026, 12, 9), date(2026, 12, 23), date(2026, 12, 23)),
    ],
)
def test_the_last_day_moves_to_the_next_working_day(ended: date, nominal: date, last: date) -> None:
    deadline = reporting.report_deadline(_ended_local(ended), PRAGUE)
    assert deadline.nominal_day == nominal
    assert deadline.last_day == last
    assert deadline.moved is (nominal != last)
    # Due at local midnight that ends the last day.
    end = datetime(last.year, last.month, last.day, tzinfo=PRAGUE) + timedelta(days=1)
    assert deadline.due_at == end.astimezone(UTC)
    assert reporting.report_due_at(_ended_local(ended), PRAGUE) == deadline.due_at


def test_easter_monday_and_christmas_at_the_exact_moment() -> None:
    # Easter Monday 2026: due at the end of Tuesday 7 April local (22:00 UTC, summer time).
    ended = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
    assert reporting.report_due_at(ended, PRAGUE) == datetime(2026, 4, 7, 22, 0, tzinfo=UTC)
    # 24 December 2026: due at the end of Monday 28 December (23:00 UTC, winter time).
    assert reporting.report_due_at(datetime(2026, 12, 10, 9, 0, tzinfo=UTC), PRAGUE) == datetime(
        2026, 12, 28, 23, 0, tzinfo=UTC
    )


def test_working_days_are_the_czech_calendar() -> None:
    assert reporting.is_working_day(date(2026, 12, 23))
    for holiday in (date(2026, 10, 28), date(2026, 12, 24), date(2026, 12, 25), date(2026, 4, 6), date(2026, 4, 3),
                    date(2026, 5, 1), date(2026, 5, 8), date(2026, 7, 6), date(2026, 9, 28), date(2026, 11, 17),
                    date(2027, 1, 1)):
        assert not reporting.is_working_day(holiday), holiday
    assert not reporting.is_working_day(date(2026, 12, 5))  # Saturday
    assert not reporting.is_working_day(date(2026, 12, 6))  # Sunday


def test_no_deadline_moves_further_than_the_band_allows() -> None:
    # The SQL band (due_by_band) assumes a move of at most MAX_DAYS_MOVED days: walk the calendar.
    day = date(2000, 1, 1)
    longest = 0
    while day < date(2091, 1, 1):
        longest = max(longest, (_last_day(day - timedelta(days=reporting.REPORT_DAYS)) - day).days)
        day += timedelta(days=1)
    assert longest == 5  # 24–26 December from a Wednesday, then the weekend
    assert longest <= reporting.MAX_DAYS_MOVED


def _incident(ended: datetime, n: int) -> Incident:
    itype = IncidentType.objects.order_by("pk").first()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    incident = Incident.objects.create(
        type=itype, title=f"Uzavřená III {n}", lat=49.74, lon=13.37, state="closed", alarm_level="III",
        rescue_ended_at=ended, region_code="CZ032", created_at=now, updated_at=now,
    )
    AlarmDeclaration.objects.create(
        incident=incident, level="III", proposed_level="III", declared_by_label="OPIS", declared_at=now
    )
    return incident


@pytest.mark.django_db
def test_the_database_lists_agree_with_the_rule_around_holidays(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Prague"
    rng = random.Random(20261228)
    # Ends whose 14th day falls in the longest runs of non-working days, near local midnight too.
    ends = [
        _ended_local(d, h)
        for d in (date(2025, 12, 10), date(2025, 12, 12), date(2026, 3, 20), date(2026, 3, 23),
                  date(2026, 10, 14), date(2026, 11, 21), date(2026, 12, 10), date(2026, 12, 9))
        for h in (0, 23)
    ]
    ends += [datetime(2025, 11, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 600 * 24 * 60)) for _ in range(30)]
    incidents = [_incident(e, n) for n, e in enumerate(ends)]
    dues = sorted({reporting.report_due_at(e, PRAGUE) for e in ends})
    moments = sorted({m for d in dues for m in (d - timedelta(seconds=1), d, d - timedelta(days=5))})
    for now in moments:
        expected = {i.pk: reporting.report_requirement(i, now=now) for i in incidents}
        summary = reporting.reports_due_summary(now=now, top=3)
        assert summary.due == len(incidents)
        assert summary.overdue == sum(1 for r in expected.values() if r.overdue), now
        rows = reporting.reports_due(now=now)
        assert all(r.requirement == expected[r.incident.pk] for r in rows)


@pytest.mark.django_db
def test_the_report_page_shows_the_moved_deadline(settings: Any, client: Any, dispatcher: User, make_incident: Any) -> None:
    settings.TIME_ZONE = "Europe/Prague"
    incident = make_incident()
    services.declare_alarm_level(user=dispatcher, level="III", incident_id=incident.pk)
    Incident.objects.filter(pk=incident.pk).update(state="closed", rescue_ended_at=_ended_local(date(2026, 12, 10)))
    incident.refresh_from_db()
    document = reporting.report_document(incident)
    assert document.deadline_moved_from == "24. 12. 2026"  # Czech, the default language
    assert document.due_at == "28. 12. 2026 23:59"
    client.force_login(dispatcher)
    page = client.get(f"/operations/incidents/{incident.pk}/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="report-deadline-moved"' in html
    assert "28. 12. 2026 23:59" in html
