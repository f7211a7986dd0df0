"""The KMZB read deadline (ADR 0026): it stops only when the police of the report's
district (an officer or the district's supervisor) mark the report read, an explicit
CSRF-protected POST; opening it (GET) changes nothing for anyone, and analysts, managers,
administrators and officers of other districts never stop it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from straz.accounts.models import AuditEntry
from straz.core.errors import Forbidden, NotFound
from straz.reports import services
from straz.reports.models import EventKind, Report
from tests.reports.reportkit import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(
    district_a: Any, district_b: Any, categories: dict[str, Any], tmp_path: Path, settings: Any
) -> Report:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Report.objects.get(pk=submit(description="popis").report_id)


def _state(report_id: int) -> dict[str, Any]:
    r = Report.objects.get(pk=report_id)
    return {
        "read_at": r.read_at,
        "status": r.status,
        "events": r.events.count(),
        "audit": AuditEntry.objects.filter(object_type="report", object_id=str(report_id)).count(),
    }


def _session(user: Any, **extra: Any) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en", **extra)
    c.force_login(user)
    return c


ALL_STAFF = ["officer", "supervisor", "officer_b", "analyst", "manager", "dispatcher", "admin_user"]
NOT_COMPETENT = ["officer_b", "analyst", "manager", "dispatcher", "admin_user"]
COMPETENT = ["officer", "supervisor"]


@pytest.mark.parametrize("role", ALL_STAFF)
def test_opening_a_report_changes_nothing(
    request: Any, role: str, report: Report, token_for: Any
) -> None:
    user = request.getfixturevalue(role)
    before = _state(report.pk)
    _session(user).get(f"/staff/reports/{report.pk}/")
    Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}").get(f"/api/v1/staff/reports/{report.pk}")
    assert _state(report.pk) == before
    assert before["read_at"] is None


@pytest.mark.parametrize("role", NOT_COMPETENT)
def test_only_the_district_police_stop_the_read_clock(
    request: Any, role: str, report: Report, token_for: Any
) -> None:
    user = request.getfixturevalue(role)
    before = _state(report.pk)
    with pytest.raises((Forbidden, NotFound)):
        services.mark_read(user=user, report_id=report.pk)
    page = _session(user).post(f"/staff/reports/{report.pk}/", {"action": "read"})
    assert page.status_code in (403, 404)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}").post(
        f"/api/v1/staff/reports/{report.pk}/read", data="{}", content_type="application/json"
    )
    assert api.status_code in (403, 404)
    assert isinstance(api.json()["detail"], str)
    assert _state(report.pk) == before


def test_an_administrators_status_change_leaves_the_read_clock_running(
    admin_user: Any, report: Report
) -> None:
    services.transition_report(user=admin_user, report_id=report.pk, target="verification")
    report.refresh_from_db()
    assert report.status == "verification" and report.read_at is None


@pytest.mark.parametrize("role", COMPETENT)
def test_the_district_police_mark_it_read_with_a_post(
    request: Any, role: str, report: Report, token_for: Any
) -> None:
    user = request.getfixturevalue(role)
    resp = _session(user).post(f"/staff/reports/{report.pk}/", {"action": "read"})
    assert resp.status_code == 302
    report.refresh_from_db()
    assert report.read_at is not None
    assert report.events.filter(kind=EventKind.READ, actor=user).count() == 1
    assert AuditEntry.objects.filter(action="report.read", object_id=str(report.pk)).count() == 1
    # A second mark changes nothing.
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}").post(
        f"/api/v1/staff/reports/{report.pk}/read", data="{}", content_type="application/json"
    )
    assert api.status_code == 200 and api.json()["read_at"] is not None
    assert report.events.filter(kind=EventKind.READ).count() == 1


def test_the_api_marks_read_for_the_district_officer(
    officer: Any, report: Report, token_for: Any
) -> None:
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(officer)}")
    assert api.get(f"/api/v1/staff/reports/{report.pk}").json()["read_at"] is None
    resp = api.post(
        f"/api/v1/staff/reports/{report.pk}/read", data="{}", content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["read_at"] is not None
    report.refresh_from_db()
    assert report.read_at is not None


def test_the_district_officers_status_change_stops_the_read_clock(
    officer: Any, report: Report
) -> None:
    services.transition_report(user=officer, report_id=report.pk, target="verification")
    report.refresh_from_db()
    assert report.read_at is not None


def test_marking_read_needs_the_csrf_token(officer: Any, report: Report) -> None:
    client = _session(officer, enforce_csrf_checks=True)
    resp = client.post(f"/staff/reports/{report.pk}/", {"action": "read"})
    assert resp.status_code == 403
    assert Report.objects.get(pk=report.pk).read_at is None


def test_the_page_offers_the_mark_read_button_only_to_the_district_police(
    officer: Any, analyst: Any, report: Report
) -> None:
    assert (
        'id="mark-read-form"'
        in _session(officer).get(f"/staff/reports/{report.pk}/").content.decode()
    )
    assert (
        'id="mark-read-form"'
        not in _session(analyst).get(f"/staff/reports/{report.pk}/").content.decode()
    )


def test_the_page_says_the_deadlines_run_in_calendar_hours_from_receipt(
    officer: Any, report: Report, settings: Any
) -> None:
    received = datetime(2026, 12, 2, 13, 3, tzinfo=UTC)  # 14:03 in Prague
    Report.objects.filter(pk=report.pk).update(
        created_at=received,
        read_due_at=datetime(2026, 12, 4, 13, 3, tzinfo=UTC),
        verify_due_at=datetime(2026, 12, 7, 13, 3, tzinfo=UTC),
    )
    html = _session(officer).get(f"/staff/reports/{report.pk}/").content.decode()
    assert "4 Dec 2026, 14:03 (48 h from receipt, calendar hours)" in html  # English (ADR 0035)
    assert "7 Dec 2026, 14:03 (120 h from receipt, calendar hours)" in html


def test_api_body_for_mark_read_is_empty_or_json(
    officer: Any, report: Report, token_for: Any
) -> None:
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(officer)}")
    resp = api.post(
        f"/api/v1/staff/reports/{report.pk}/read",
        data=json.dumps({}),
        content_type="application/json",
    )
    assert resp.status_code == 200
