"""Issue 9, item 3: a verification result is confirmed before it is set, and can be undone for a while."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F
from django.test import Client

from straz.accounts.audit import verify_chain
from straz.accounts.models import AuditEntry, Role, User
from straz.reports import services
from straz.reports.models import EventKind, Report, ReportEvent

pytestmark = pytest.mark.django_db


def _url(report: Report) -> str:
    return f"/staff/reports/{report.pk}/"


def _in_verification(report: Report, officer: Any) -> Report:
    services.transition_report(user=officer, report_id=report.pk, target="verification")
    report.refresh_from_db()
    return report


def _confirmed(report: Report, officer: Any) -> ReportEvent:
    _in_verification(report, officer)
    services.transition_report(user=officer, report_id=report.pk, target="confirmed")
    return ReportEvent.objects.filter(report=report, kind=EventKind.STATUS).latest("at", "id")


def _age(report: Report, minutes: int) -> None:
    """Move the report's whole history `minutes` into the past (its order unchanged)."""
    ReportEvent.objects.filter(report=report).update(at=F("at") - timedelta(minutes=minutes))


def test_a_verification_result_without_confirmation_changes_nothing_and_asks(
    file_report: Any, officer: Any, client_for: Any
) -> None:
    report = _in_verification(file_report(), officer)
    audit_before = AuditEntry.objects.filter(action__startswith="report.status").count()
    events_before = report.events.count()
    response = client_for(officer).post(
        _url(report),
        {"action": "transition", "target": "confirmed", "public_note": "Patrols ordered."},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="transition-confirm"' in html
    assert "The reporter sees the new status." in html
    assert 'data-status="confirmed"' in html and "Patrols ordered." in html
    report.refresh_from_db()
    assert report.status == "verification"
    assert report.events.count() == events_before
    assert AuditEntry.objects.filter(action__startswith="report.status").count() == audit_before


def test_with_confirmation_the_result_is_set_and_undo_is_offered(
    file_report: Any, officer: Any, client_for: Any
) -> None:
    report = _in_verification(file_report(), officer)
    client = client_for(officer)
    response = client.post(
        _url(report),
        {"action": "transition", "target": "confirmed", "public_note": "", "confirmed": "on"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "confirmed"
    html = client.get(_url(report), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="undo-form"' in html and "Undo: back to" in html


def test_undo_restores_the_previous_status_audited_and_in_the_history(
    file_report: Any, officer: Any, client_for: Any
) -> None:
    report = file_report()
    step = _confirmed(report, officer)
    report.refresh_from_db()
    assert report.verified_at is not None
    client = client_for(officer)
    response = client.post(_url(report), {"action": "undo", "event": str(step.pk)})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "verification"
    assert report.verified_at is None  # unverified again: the verify deadline runs on
    # Nothing deleted: the confirmation stays in the history, followed by its correction.
    kinds = list(report.events.order_by("at", "id").values_list("kind", "from_status", "to_status"))
    assert kinds[-2:] == [
        (EventKind.STATUS, "verification", "confirmed"),
        (EventKind.CORRECTED, "confirmed", "verification"),
    ]
    entry = AuditEntry.objects.filter(action="report.status_corrected").get()
    assert entry.object_id == str(report.pk) or int(entry.object_id) == report.pk
    assert list(verify_chain()) == []
    html = client.get(_url(report), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Status corrected" in html and 'data-testid="undo-form"' not in html
    public = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/r/{report.pk}/").content.decode()
    assert "Status corrected to" in public


def test_undo_after_the_window_is_refused_with_a_translated_message(
    file_report: Any, officer: Any, client_for: Any
) -> None:
    report = file_report()
    step = _confirmed(report, officer)
    _age(report, 11)
    audit_before = AuditEntry.objects.filter(action__startswith="report.status").count()
    response = client_for(officer).post(
        _url(report), {"action": "undo", "event": str(step.pk)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "can no longer be undone" in html and "10 minutes" in html
    report.refresh_from_db()
    assert report.status == "confirmed"
    assert AuditEntry.objects.filter(action__startswith="report.status").count() == audit_before
    assert 'data-testid="undo-form"' not in html


def test_undo_only_by_its_author_or_a_supervisor_and_only_once(
    file_report: Any, officer: Any, supervisor: Any, district_a: Any
) -> None:
    report = file_report()
    step = _confirmed(report, officer)
    colleague = User.objects.create_user(username="colleague", password="x", role=Role.OFFICER)
    colleague.districts.set([district_a])
    with pytest.raises(services.Conflict):
        services.correct_status_change(user=colleague, report_id=report.pk, event_id=step.pk)
    services.correct_status_change(user=supervisor, report_id=report.pk, event_id=step.pk)
    with pytest.raises(services.Conflict):
        services.correct_status_change(user=officer, report_id=report.pk, event_id=step.pk)
    report.refresh_from_db()
    assert report.status == "verification"
    assert report.events.filter(kind=EventKind.CORRECTED).count() == 1


def test_only_the_latest_change_can_be_undone(file_report: Any, officer: Any) -> None:
    report = file_report()
    first = _confirmed(report, officer)
    services.transition_report(user=officer, report_id=report.pk, target="eliminated")
    with pytest.raises(services.Conflict):
        services.correct_status_change(user=officer, report_id=report.pk, event_id=first.pk)
    report.refresh_from_db()
    assert report.status == "eliminated"
