"""§16(2) has one home: the board, the reports-due list, the reminders, the incident page and
the API agree on which incidents need a report, over a generated table of cases.

The cases vary the levels ever declared for the site and for its event (territory), whether
the site belongs to an event at all, whether it is open or closed and whether its report is
completed. The rule (reporting/requirement.py): a report is required when III or special was
ever declared for the site itself; a territory's level calls for §16(3)'s territory report
instead, never for each site's.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from straz.accounts.models import User
from straz.incidents import services
from straz.incidents.choices import IncidentReportStatus
from straz.incidents.models import Incident, IncidentReport
from straz.incidents.reporting.reminders import remind_report_deadlines
from straz.notifications.models import NotificationContact, OutboxMessage

pytestmark = pytest.mark.django_db

# Levels declared for the site, in order ("III>II": III was declared, then lowered).
SITE_LEVELS = ("", "II", "III", "special", "III>II")
# None: the site belongs to no event; otherwise the level declared for its event ("" none).
EVENT_LEVELS = (None, "", "III", "special")


@dataclass(frozen=True)
class Case:
    site: str
    event: str | None
    event_sites: int
    closed: bool
    completed: bool

    @property
    def required(self) -> bool:
        """The expected answer, written from the decree: III/special ever declared for the site."""
        return any(level in ("III", "special") for level in self.site.split(">"))


def _cases() -> list[Case]:
    cases = []
    for site, event, closed, completed in itertools.product(SITE_LEVELS, EVENT_LEVELS, (False, True), (False, True)):
        # Only a required report can be completed; an event has two or three sites.
        if completed and not any(level in ("III", "special") for level in site.split(">")):
            continue
        sites = 2 if event is None or len(cases) % 2 else 3
        cases.append(Case(site, event, sites, closed, completed))
    return cases


CASES = _cases()


def _declare(user: User, level: str, **subject: int) -> None:
    services.declare_alarm_level(user=user, level=level, written_reason="Rozhodnutí velitele", **subject)


def _build(case: Case, dispatcher: User, make_incident: Any, ended: Any) -> Incident:
    incident: Incident = make_incident(title=f"case {case}", persons_threatened=2, threatened=[])
    for level in filter(None, case.site.split(">")):
        _declare(dispatcher, level, incident_id=incident.pk)
    if case.event is not None:
        others = [make_incident(title="partner", persons_threatened=2, threatened=[]) for _ in range(case.event_sites - 1)]
        event = services.create_event(
            user=dispatcher, name=f"event {case}", incident_ids=[incident.pk, *(o.pk for o in others)]
        )
        if case.event:
            _declare(dispatcher, case.event, event_id=event.pk)
    if case.closed:
        Incident.objects.filter(pk=incident.pk).update(state="closed", rescue_ended_at=ended)
    if case.completed:
        now = timezone.now()
        IncidentReport.objects.create(
            incident=incident,
            status=IncidentReportStatus.COMPLETED,
            created_at=now,
            updated_at=now,
            completed_at=now,
        )
    return incident


def _board_flags(client: Client) -> dict[int, bool]:
    html = client.get(reverse("incidents:board")).content.decode()
    rows = re.findall(r'<tr class="inc-row[^"]*" data-testid="board-row" data-incident-id="(\d+)".*?</tr>', html, re.S)
    flags = {}
    for pk in rows:
        row = re.search(rf'data-incident-id="{pk}".*?</tr>', html, re.S)
        assert row is not None
        flags[int(pk)] = "report-badge" in row.group(0)
    return flags


def test_board_list_reminders_page_and_api_agree_on_section_16_2(
    dispatcher: User,
    make_incident: Any,
    client_for: Callable[[User], Client],
    api_as: Callable[[User | None], Any],
) -> None:
    # A regional OPIS for the reminders (all cases are typed CZ032).
    NotificationContact.objects.create(
        role="regional_opis", name="KOPIS", channel="email", address="kopis@kraj.example", region_code="CZ032"
    )
    ended = timezone.now() - timedelta(days=30)  # every closed case is overdue
    built = {case: _build(case, dispatcher, make_incident, ended) for case in CASES}
    expected = {incident.pk: case.required for case, incident in built.items()}
    pending = {pk for case, i in built.items() if case.required and not case.completed for pk in [i.pk]}

    ops = client_for(dispatcher)
    api = api_as(dispatcher)
    board = _board_flags(ops)
    due_all = {r["incident_id"] for r in api.get("/incidents/reports/due", completed="true", limit=500).json()["items"]}
    due_open = {r["incident_id"] for r in api.get("/incidents/reports/due", limit=500).json()["items"]}
    remind_report_deadlines(now=timezone.now())
    reminded = {
        int(m.source_id) for m in OutboxMessage.objects.filter(source_type="incident", rule__startswith="§16")
    }

    disagreements = []
    for case, incident in built.items():
        pk, required = incident.pk, expected[incident.pk]
        page = ops.get(reverse("incidents:incident", args=[pk])).content.decode()
        said = {
            "page": 'data-testid="report-required"' in page,
            "api": api.get(f"/incidents/{pk}/report").json()["requirement"]["required"],
            "list": pk in due_all,
            "list_pending": pk in due_open,
            "reminders": pk in reminded,
        }
        want = {
            "page": required,
            "api": required,
            "list": required,
            "list_pending": pk in pending,
            "reminders": pk in pending and case.closed,
        }
        if not case.closed:
            # The board shows open incidents only.
            said["board"] = board.get(pk)
            want["board"] = required
        wrong = {k: (said[k], want[k]) for k in want if said[k] != want[k]}
        if wrong:
            disagreements.append((case, wrong))
    assert disagreements == [], f"{len(disagreements)} of {len(CASES)} cases disagree: {disagreements[:5]}"
