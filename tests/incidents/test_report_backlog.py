"""The §16(2) backlog answered by the database: the board's reports-due strip, the paged
list and the reminder job agree with report_requirement (DST edges, event-level declarations
that do not count for the site, lowered levels, completed reports) and use a fixed number of queries whatever the backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from straz.accounts.models import User
from straz.incidents import reporting
from straz.incidents.models import (
    AlarmDeclaration,
    CommandAssignment,
    Incident,
    IncidentEvent,
    IncidentReport,
    IncidentType,
    TimelineEntry,
)
from straz.incidents.reporting import reminders
from straz.notifications.models import NotificationContact

pytestmark = pytest.mark.django_db

PRAGUE = ZoneInfo("Europe/Prague")
T0 = datetime(2026, 1, 1, tzinfo=UTC)

# Ends of rescue work around the local midnights of Prague and the summer-time changes of
# 2026 (29 March 01:00 UTC forward, 25 October 01:00 UTC back), plus ordinary ones.
EDGE_ENDS = [
    datetime(2026, 3, 28, 22, 59, 59, tzinfo=UTC),  # 23:59:59 CET, 28 March
    datetime(2026, 3, 28, 23, 0, tzinfo=UTC),  # 00:00 CET, 29 March
    datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # just before the clocks jump
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 03:00 CEST
    datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC),
    datetime(2026, 3, 29, 22, 0, tzinfo=UTC),  # 00:00 CEST, 30 March
    datetime(2026, 10, 24, 21, 59, 59, tzinfo=UTC),
    datetime(2026, 10, 24, 22, 0, tzinfo=UTC),  # 00:00 CEST, 25 October
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET (the hour repeated)
    datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC),
    datetime(2026, 10, 25, 23, 0, tzinfo=UTC),  # 00:00 CET, 26 October
    datetime(2026, 11, 10, 9, 15, tzinfo=UTC),
    datetime(2026, 6, 30, 12, 0, tzinfo=UTC),
    # ADR 0029: the DST ends above reach weekends 14 days later and share the moved deadline
    # (Mon 13 April, Mon 9 November); these keep local midnights on ordinary weekdays and
    # add Christmas (14th day 24 December → Monday 28 December).
    datetime(2026, 11, 18, 22, 59, 59, tzinfo=UTC),  # 23:59:59 CET, Wed 18 November → Wed 2 December
    datetime(2026, 11, 18, 23, 0, tzinfo=UTC),  # 00:00 CET, Thu 19 November → Thu 3 December
    datetime(2026, 12, 10, 9, 0, tzinfo=UTC),
]
# How §16(2) applies to each incident of the varied set, in turn.
# "event_special": a site of an event declared special (§16(3), not the site's §16(2));
# "event_site_ii": such a site with II declared for itself; "event_site_iii": with III.
KINDS = (
    "iii", "event_special", "event_site_ii", "event_site_iii", "lowered", "only_ii", "level_only", "completed",
    "draft", "none",
)
IN_EVENT = ("event_special", "event_site_ii", "event_site_iii")


def _type() -> IncidentType:
    return IncidentType.objects.order_by("pk").first()  # type: ignore[return-value]


def _declare(level: str, *, incident: Incident | None = None, event: IncidentEvent | None = None) -> None:
    AlarmDeclaration.objects.create(
        incident=incident, event=event, level=level, proposed_level=level, declared_by_label="OPIS", declared_at=T0
    )


def _incident(title: str, ended: datetime | None, *, level: str = "", event: IncidentEvent | None = None) -> Incident:
    return Incident.objects.create(
        type=_type(), title=title, lat=49.74, lon=13.37, state="closed" if ended else "in_progress",
        alarm_level=level, rescue_ended_at=ended, event=event, region_code="CZ032", created_at=T0, updated_at=T0,
    )


def _report(incident: Incident, *, completed: bool) -> None:
    IncidentReport.objects.create(
        incident=incident, status="completed" if completed else "draft", created_at=T0, updated_at=T0,
        completed_at=T0 + timedelta(days=400) if completed else None,
    )


def _varied_set() -> list[Incident]:
    event = IncidentEvent.objects.create(name="Povodeň", region_code="CZ032", created_at=T0, updated_at=T0)
    _declare("special", event=event)
    made = []
    ends: list[datetime | None] = [*EDGE_ENDS, None]
    for n, ended in enumerate(ends):
        for k, kind in enumerate(KINDS):
            if (n + k) % 3 == 2 and ended is not None:
                continue  # not every combination: the set stays small and still varied
            inc = _incident(f"{kind} {n}", ended, event=event if kind in IN_EVENT else None,
                            level={"lowered": "II", "only_ii": "II", "level_only": "III", "event_site_ii": "II",
                                   "event_site_iii": "III"}.get(kind, ""))
            if kind in ("iii", "completed", "draft", "event_site_iii"):
                _declare("III", incident=inc)
            elif kind == "lowered":
                _declare("III", incident=inc)
                _declare("II", incident=inc)
            elif kind in ("only_ii", "event_site_ii"):
                _declare("II", incident=inc)
            if kind in ("completed", "draft") and ended is not None:
                _report(inc, completed=kind == "completed")
            made.append(inc)
    return made


def _moments(incidents: list[Incident]) -> list[datetime]:
    """Each deadline and each reminder start, a second before and at it."""
    dues = {reporting.report_due_at(i.rescue_ended_at, PRAGUE) for i in incidents if i.rescue_ended_at}
    out = set()
    for due in dues:
        for edge in (due, due - timedelta(days=reporting.REMINDER_DAYS_BEFORE)):
            out |= {edge - timedelta(seconds=1), edge}
    return sorted(out)


def test_the_database_answers_exactly_as_report_requirement(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Prague"
    incidents = _varied_set()
    regional = NotificationContact.objects.create(
        role="regional_opis", name="KOPIS", channel="email", address="kopis@kraj.example", region_code="CZ032"
    )
    assert regional.pk
    # The event's declaration alone never makes its sites' reports required (§16(2)).
    by_title = {i.title.rsplit(" ", 1)[0]: i for i in incidents}
    assert not reporting.report_requirement(by_title["event_special"]).required
    assert not reporting.report_requirement(by_title["event_site_ii"]).required
    assert reporting.report_requirement(by_title["event_site_iii"]).required
    moments = _moments(incidents)
    assert len(moments) >= 28  # 7 distinct deadlines, each with its reminder start
    checked_overdue = set()
    for now in moments:
        reqs = {i.pk: reporting.report_requirement(i, now=now) for i in incidents}
        pending = [i for i in incidents if reqs[i.pk].required and reqs[i.pk].completed_at is None]
        with_deadline = [i for i in pending if reqs[i.pk].due_at is not None]
        summary = reporting.reports_due_summary(now=now, top=3)
        assert summary.due == len(with_deadline)
        overdue = sum(1 for i in with_deadline if reqs[i.pk].overdue)
        assert summary.overdue == overdue, now
        checked_overdue.add(overdue)
        nearest = sorted(with_deadline, key=lambda i: (reqs[i.pk].due_at, i.rescue_ended_at, i.pk))[:3]
        assert [r.incident.pk for r in summary.first] == [i.pk for i in nearest]
        assert all(r.requirement == reqs[r.incident.pk] for r in summary.first)

        rows = reporting.reports_due(now=now)
        assert sorted(r.incident.pk for r in rows) == sorted(i.pk for i in pending)
        assert all(r.requirement == reqs[r.incident.pk] for r in rows)
        far = datetime.max.replace(tzinfo=UTC)
        dues = [r.requirement.due_at or far for r in rows]
        assert dues == sorted(dues)  # overdue first, then by deadline, running ones last

        expected = {
            (i.pk, stage)
            for i in pending
            if (stage := reporting.reminder_stage(reqs[i.pk], now)) is not None
        }
        assert set(reporting.reminder_candidates(now=now)) == expected
    # The moments really cross deadlines: the overdue count takes many values.
    assert len(checked_overdue) > 5
    everything = reporting.reports_due(now=moments[0], include_completed=True)
    done = [r for r in everything if r.requirement.completed_at is not None]
    assert done and everything[-len(done) :] == done  # completed ones last


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    ended=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
    seconds=st.integers(min_value=-20 * 86400, max_value=20 * 86400),
    zone=st.sampled_from(["Europe/Prague", "Europe/Warsaw", "America/New_York", "Australia/Lord_Howe", "UTC"]),
)
def test_the_band_brackets_every_deadline(ended: datetime, seconds: int, zone: str) -> None:
    moment = ended + timedelta(days=reporting.REPORT_DAYS) + timedelta(seconds=seconds)
    certain, possible = reporting.due_by_band(moment)
    due = reporting.report_due_at(ended, ZoneInfo(zone))
    if ended < certain:
        assert due <= moment
    if ended >= possible:
        assert due > moment


def _backlog(n: int, *, start: int = 0, ended_days_ago: float = 40) -> list[Incident]:
    """n closed incidents with III declared and no report, bulk-inserted."""
    now = timezone.now()
    made = Incident.objects.bulk_create(
        [
            Incident(
                type=_type(), title=f"Uzavřená III {start + i}", lat=49.74, lon=13.37, state="closed",
                alarm_level="III", rescue_ended_at=now - timedelta(days=ended_days_ago, minutes=i),
                region_code="CZ032", created_at=now - timedelta(days=60), updated_at=now,
            )
            for i in range(n)
        ]
    )
    AlarmDeclaration.objects.bulk_create(
        [AlarmDeclaration(incident=i, level="III", proposed_level="III", declared_by_label="OPIS", declared_at=i.created_at) for i in made]
    )
    return made


def _queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx)


def test_strip_page_and_board_use_the_same_number_of_queries_for_any_backlog(
    client_for: Any, dispatcher: User
) -> None:
    client = client_for(dispatcher)
    page = reverse("incidents:reports-due")
    rows = reverse("incidents:board-rows")
    _backlog(3)
    client.get(rows)
    small = (
        _queries(lambda: reporting.reports_due_summary(top=5)),
        _queries(lambda: client.get(page)),
        _queries(lambda: client.get(rows)),
        _queries(lambda: reporting.reminder_candidates(now=timezone.now())),
    )
    _backlog(120, start=3)
    _backlog(30, start=200, ended_days_ago=13.5)  # the due-soon window, a band near a deadline
    large = (
        _queries(lambda: reporting.reports_due_summary(top=5)),
        _queries(lambda: client.get(page)),
        _queries(lambda: client.get(rows)),
        _queries(lambda: reporting.reminder_candidates(now=timezone.now())),
    )
    assert large == small
    assert small[0] == 3
    summary = reporting.reports_due_summary()
    assert (summary.due, summary.overdue) == (153, 123)


def test_the_list_page_pages_in_deadline_order(client_for: Any, analyst: User) -> None:
    made = _backlog(60)
    client = client_for(analyst)
    url = reverse("incidents:reports-due")
    order = [r.incident.pk for r in reporting.reports_due()]
    assert order == [i.pk for i in reversed(made)]  # the earliest end (largest offset) first

    def ids(html: str) -> list[int]:
        return [int(part.split('"', 1)[0]) for part in html.split('data-testid="report-due-row" data-incident="')[1:]]

    first = client.get(url).content.decode()
    assert ids(first) == order[:50]
    assert 'data-due="60" data-overdue="60" data-total="60"' in first and 'id="page-next"' in first
    second = client.get(url + "?page=2").content.decode()
    assert ids(second) == order[50:] and 'id="page-prev"' in second
    # Like the staff queue: a bad page number shows the first page, a too high one the last.
    assert ids(client.get(url + "?page=x").content.decode()) == order[:50]
    assert ids(client.get(url + "?page=99").content.decode()) == order[50:]


def test_api_pages_the_list(api_as: Any, analyst: User) -> None:
    made = _backlog(7)
    api = api_as(analyst)
    data = api.get("/incidents/reports/due?limit=3&offset=2").json()
    assert (data["count"], data["due"], data["overdue"], data["offset"], data["limit"]) == (7, 7, 7, 2, 3)
    assert [item["incident_id"] for item in data["items"]] == [i.pk for i in reversed(made)][2:5]
    assert api.get("/incidents/reports/due?limit=0").status_code == 422
    assert api.get("/incidents/reports/due?offset=-1").status_code == 422


def test_the_reminder_job_skips_what_was_reminded_and_whom_nobody_can_be_told(
    monkeypatch: pytest.MonkeyPatch, commander: User
) -> None:
    now = timezone.now()
    reminded = _backlog(20)
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(incident=i, at=now, kind="log", text="x", data={"report_reminder": "overdue"}, author_label="system")
            for i in reminded
        ]
    )
    soon_done = _backlog(1, start=50, ended_days_ago=13)
    TimelineEntry.objects.create(
        incident=soon_done[0], at=now, kind="log", text="x", data={"report_reminder": "due_soon"}, author_label="system"
    )
    nobody = _backlog(5, start=60)  # overdue, but no contact and no commander's e-mail
    told = _backlog(2, start=70)
    commander.email = "velitel@hzs.example"
    commander.save(update_fields=["email"])
    for inc in told:
        CommandAssignment.objects.create(
            incident=inc, commander_name="Petr Velitel", commander_user=commander, commander_component="hzs",
            started_at=inc.created_at, how="initial",
        )
    assert {pk for pk, _stage in reporting.reminder_candidates(now=now)} == {i.pk for i in told}
    # With a contact for the region everyone not yet reminded is due a notice.
    NotificationContact.objects.create(
        role="regional_opis", name="KOPIS", channel="email", address="kopis@kraj.example", region_code="CZ032"
    )
    expected = {(i.pk, "overdue") for i in nobody + told}
    assert set(reporting.reminder_candidates(now=now)) == expected
    ran: list[int] = []
    real = reminders._remind_one
    monkeypatch.setattr(reminders, "_remind_one", lambda pk, when: ran.append(pk) or real(pk, when))
    assert reminders.remind_report_deadlines(now=now) == 5 + 2 * 2
    assert sorted(ran) == sorted(pk for pk, _ in expected)
    # A second run finds nothing to do and opens no transaction.
    ran.clear()
    assert reporting.remind_report_deadlines(now=now + timedelta(minutes=15)) == 0
    assert ran == []
