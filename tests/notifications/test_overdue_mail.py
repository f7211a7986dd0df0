"""The threat map's overdue e-mail is an outbox row like every other message, sent by the worker."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from straz.accounts import audit
from straz.notifications.models import DeliveryAttempt, MessageState, OutboxMessage
from straz.notifications.outbox import messages_for
from straz.reports import jobs
from straz.reports.models import Report
from tests.reports.reportkit import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(
    district_a: Any, categories: dict[str, Any], tmp_path: Path, settings: Any, supervisor: Any
) -> Report:
    settings.MEDIA_ROOT = tmp_path / "media"
    supervisor.email = "vedouci@policie.example"
    supervisor.save()
    return Report.objects.get(pk=submit(client_ip="203.0.113.1").report_id)


def past_the_read_deadline() -> Any:
    return timezone.now() + timedelta(days=3)


def test_the_overdue_mail_is_an_outbox_row_of_the_report(report: Report) -> None:
    assert jobs.flag_overdue_reports(now=past_the_read_deadline()) == 1
    rows = list(messages_for(report))
    assert [(m.channel, m.address, m.state) for m in rows] == [
        ("email", "vedouci@policie.example", MessageState.PENDING)
    ]
    assert str(report.pk) in rows[0].subject
    assert f"/staff/reports/{report.pk}/" in rows[0].body
    assert (rows[0].source_type, rows[0].source_id) == ("report", str(report.pk))
    assert mail.outbox == []  # nothing is sent inside the flagging transaction


def test_the_worker_delivers_the_overdue_mail(report: Report) -> None:
    jobs.flag_overdue_reports(now=past_the_read_deadline())
    call_command("worker", "--once", "--quiet")
    assert [m.to for m in mail.outbox] == [["vedouci@policie.example"]]
    row = messages_for(report).get()
    assert row.state == MessageState.DELIVERED
    assert mail.outbox[0].extra_headers["X-Straz-Message-Id"] == str(row.message_id)
    assert DeliveryAttempt.objects.filter(message=row, outcome="delivered").count() == 1


def test_the_overdue_mail_has_a_stable_key_and_is_queued_once(
    report: Report, supervisor: Any
) -> None:
    jobs.flag_overdue_reports(now=past_the_read_deadline())
    row = messages_for(report).get()
    assert row.dedupe_key == f"report:{report.pk}:overdue:user:{supervisor.pk}"
    # Flagging again (even after the flag was cleared by hand) adds no second message.
    Report.objects.filter(pk=report.pk).update(overdue_flagged_at=None)
    assert jobs.flag_overdue_reports(now=past_the_read_deadline()) == 1
    assert messages_for(report).count() == 1


def test_no_mail_is_queued_when_the_flag_does_not_commit(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_record(**kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "record", broken_record)
    assert jobs.flag_overdue_reports(now=past_the_read_deadline()) == 0
    assert not OutboxMessage.objects.exists()
    report.refresh_from_db()
    assert report.overdue_flagged_at is None


def test_a_supervisor_with_a_broken_address_does_not_block_the_flag(
    report: Report, supervisor: Any
) -> None:
    supervisor.email = "not an address"
    supervisor.save()
    assert jobs.flag_overdue_reports(now=past_the_read_deadline()) == 1
    assert not messages_for(report).exists()
