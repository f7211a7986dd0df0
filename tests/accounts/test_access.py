"""restrict(queryset, user, action): the registered rule narrows, and reading is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from straz.accounts.access import UnknownAction, restrict
from straz.accounts.models import ReadEntry
from straz.reports import policy
from straz.reports.models import InternalNote, Report
from straz.reports.services import add_note
from tests.reports.reportkit import IN_B, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_reports(
    district_a: Any, district_b: Any, categories: dict[str, Any], tmp_path: Path, settings: Any
) -> tuple[int, int]:
    settings.MEDIA_ROOT = tmp_path / "media"
    a = submit(client_ip="203.0.113.1").report_id
    b = submit(client_ip="203.0.113.2", lat=IN_B[0], lon=IN_B[1]).report_id
    return a, b


def test_an_unregistered_action_is_refused(officer: Any, two_reports: tuple[int, int]) -> None:
    with pytest.raises(UnknownAction):
        restrict(Report.objects.all(), officer, "reports.no_such_action")


def test_restrict_narrows_to_the_scope_and_records_who_read_what(
    officer: Any, two_reports: tuple[int, int]
) -> None:
    a, b = two_reports
    qs = restrict(Report.objects.all(), officer, policy.READ_POLICE_ONLY)
    assert ReadEntry.objects.count() == 0  # building the queryset reads nothing
    assert [r.pk for r in qs.order_by("pk")] == [a]  # officer of district A only
    entry = ReadEntry.objects.get()
    assert entry.user == officer and entry.user_label == officer.username
    assert entry.action == policy.READ_POLICE_ONLY
    assert entry.object_type == "reports.Report" and entry.object_ids == [str(a)]
    # Nothing read, nothing recorded.
    assert not restrict(Report.objects.filter(pk=b), officer, policy.READ_POLICE_ONLY).exists()
    list(restrict(Report.objects.filter(pk=b), officer, policy.READ_POLICE_ONLY))
    assert ReadEntry.objects.count() == 1


def test_commanders_read_no_police_only_parts(commander: Any, two_reports: tuple[int, int]) -> None:
    assert not list(restrict(Report.objects.all(), commander, policy.READ_POLICE_ONLY))
    assert not ReadEntry.objects.exists()


def test_staff_page_and_api_record_reading_police_only_parts(
    officer: Any,
    two_reports: tuple[int, int],
    client_for: Any,
    token_for: Any,
) -> None:
    a, _b = two_reports
    add_note(user=officer, report_id=a, text="internal")
    note = InternalNote.objects.get(report_id=a)
    assert client_for(officer).get(f"/staff/reports/{a}/").status_code == 200
    read = {(e.object_type, tuple(e.object_ids)) for e in ReadEntry.objects.all()}
    assert ("reports.Report", (str(a),)) in read
    assert ("reports.InternalNote", (str(note.pk),)) in read
    before = ReadEntry.objects.count()
    res = Client().get(
        f"/api/v1/staff/reports/{a}", HTTP_AUTHORIZATION=f"Bearer {token_for(officer)}"
    )
    assert res.status_code == 200 and res.json()["notes"][0]["text"] == "internal"
    assert ReadEntry.objects.count() > before
    # The public page reads no police-only part: nothing is recorded.
    before = ReadEntry.objects.count()
    Client().get(f"/r/{a}/")
    Client().get(f"/api/v1/reports/{a}")
    assert ReadEntry.objects.count() == before
