"""§16(2) deadline reminders: the worker job enqueues, once per incident and stage, an outbox
notice to the regional OPIS and the commander 3 days before the deadline and when overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from straz.accounts.models import AuditEntry, User
from straz.incidents import reporting, services
from straz.incidents.models import Incident, TimelineEntry
from straz.notifications.models import NotificationContact, OutboxMessage
from tests.incidents.test_report import FULL, _closed_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(dispatcher: User, commander: User, commander_b: User, make_incident: Any) -> Incident:
    commander_b.email = "eva.nastupcova@hzs.example"
    commander_b.save(update_fields=["email"])
    return _closed_incident(dispatcher, commander, commander_b, make_incident)


@pytest.fixture
def opis(contacts: dict[str, Any]) -> NotificationContact:
    NotificationContact.objects.create(
        role="regional_opis", name="KOPIS jiného kraje", channel="email", address="kopis@jiny.example", region_code="CZ020"
    )
    return NotificationContact.objects.create(
        role="regional_opis", name="KOPIS HZS Plzeňského kraje", channel="webhook", address="https://kopis.example/hook", region_code="CZ032"
    )


def due(incident: Incident) -> datetime:
    req = reporting.report_requirement(incident)
    assert req.required and req.due_at is not None
    return req.due_at


def reminders(incident: Incident) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(source_type="incident", source_id=str(incident.pk), rule="§16(2)").order_by("dedupe_key"))


def reminder_lines(incident: Incident) -> list[TimelineEntry]:
    return [e for e in TimelineEntry.objects.filter(incident=incident, kind="log") if "report_reminder" in e.data]


def test_stage_is_pure_and_follows_the_deadline() -> None:
    at = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
    req = reporting.ReportRequirement(True, at, None, False)
    assert reporting.reminder_stage(req, at - timedelta(days=3, seconds=1)) is None
    assert reporting.reminder_stage(req, at - timedelta(days=3)) == "due_soon"
    assert reporting.reminder_stage(req, at - timedelta(seconds=1)) == "due_soon"
    assert reporting.reminder_stage(req, at) == "overdue"
    assert reporting.reminder_stage(reporting.ReportRequirement(True, at, at, False), at) is None
    assert reporting.reminder_stage(reporting.ReportRequirement(False, None, None, False), at) is None
    assert reporting.reminder_stage(reporting.ReportRequirement(True, None, None, False), at) is None


def test_reminders_go_out_once_before_the_deadline_and_once_when_overdue(
    closed: Incident, opis: NotificationContact, commander_b: User
) -> None:
    deadline = due(closed)
    assert reporting.remind_report_deadlines(now=deadline - timedelta(days=4)) == 0
    assert reminders(closed) == []

    soon = deadline - timedelta(days=2)
    assert reporting.remind_report_deadlines(now=soon) == 2
    rows = reminders(closed)
    # The regional OPIS of the incident's region and the commander who ended the intervention.
    assert sorted(r.address for r in rows) == ["eva.nastupcova@hzs.example", "https://kopis.example/hook"]
    assert {r.payload["stage"] for r in rows} == {"due_soon"}
    assert all(str(closed.pk) in r.body and closed.title in r.subject for r in rows)
    assert len(reminder_lines(closed)) == 1
    audits = AuditEntry.objects.filter(action="incident.report_reminder_enqueued", object_id=str(closed.pk)).count()
    assert audits == 1
    # Every further run (every worker, every process) finds the stable keys and adds nothing.
    for _ in range(3):
        assert reporting.remind_report_deadlines(now=soon + timedelta(hours=1)) == 0
    assert len(reminders(closed)) == 2 and len(reminder_lines(closed)) == 1

    late = deadline + timedelta(minutes=1)
    assert reporting.remind_report_deadlines(now=late) == 2
    assert reporting.remind_report_deadlines(now=late + timedelta(days=5)) == 0
    stages = sorted(r.payload["stage"] for r in reminders(closed))
    assert stages == ["due_soon", "due_soon", "overdue", "overdue"]
    assert len(reminder_lines(closed)) == 2
    assert AuditEntry.objects.filter(action="incident.report_reminder_enqueued", object_id=str(closed.pk)).count() == 2


def test_first_run_after_the_deadline_sends_only_the_overdue_notice(closed: Incident, opis: NotificationContact) -> None:
    assert reporting.remind_report_deadlines(now=due(closed) + timedelta(days=1)) == 2
    assert {r.payload["stage"] for r in reminders(closed)} == {"overdue"}


def test_completed_or_not_required_reports_get_no_reminder(
    closed: Incident, opis: NotificationContact, dispatcher: User, make_incident: Any
) -> None:
    reporting.save_report(user=dispatcher, incident_id=closed.pk, changes=FULL)
    reporting.complete_report(user=dispatcher, incident_id=closed.pk)
    level_ii = make_incident(title="Jen II")
    services.declare_alarm_level(user=dispatcher, level="II", incident_id=level_ii.pk, written_reason="x")
    services.change_state(user=dispatcher, incident_id=level_ii.pk, target="in_progress")
    services.change_state(user=dispatcher, incident_id=level_ii.pk, target="closed")
    running = make_incident(title="Běží")
    services.declare_alarm_level(user=dispatcher, level="III", incident_id=running.pk)
    assert reporting.remind_report_deadlines(now=due(closed) + timedelta(days=30)) == 0
    assert OutboxMessage.objects.filter(rule="§16(2)").count() == 0


def test_a_row_written_by_another_worker_is_not_written_again(closed: Incident, opis: NotificationContact) -> None:
    from django.db import transaction

    from straz.notifications.outbox import enqueue

    soon = due(closed) - timedelta(days=1)
    with transaction.atomic():
        enqueue(
            channel="webhook", address=opis.address, subject="s", body="b", payload={}, rule="§16(2)",
            source_type="incident", source_id=str(closed.pk),
            dedupe_key=f"incident:{closed.pk}:report16:due_soon:contact:{opis.pk}",
        )
    # Only the commander's notice is new; the contact's one is not duplicated.
    assert reporting.remind_report_deadlines(now=soon) == 1
    assert len(reminders(closed)) == 2


def test_misconfigured_contact_does_not_block_the_others(closed: Incident, opis: NotificationContact) -> None:
    NotificationContact.objects.create(role="regional_opis", name="Chybný", channel="email", address="not-an-address", region_code="CZ032")
    assert reporting.remind_report_deadlines(now=due(closed) - timedelta(days=1)) == 2


def test_the_worker_runs_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    from straz.core import jobs as core_jobs

    registered = {job.name: job for job in core_jobs.registered_jobs()}
    assert registered["remind-incident-report-deadlines"].run is reporting.remind_report_deadlines
    ran: list[str] = []
    stub = core_jobs.PeriodicJob("remind-incident-report-deadlines", 900.0, lambda: ran.append("x"))
    monkeypatch.setattr(core_jobs, "_REGISTRY", {stub.name: stub})
    core_jobs.run_worker(quiet=True, once=True)
    assert ran == ["x"]
