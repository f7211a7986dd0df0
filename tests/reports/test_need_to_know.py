"""Need-to-know for police-only text (ADR 0025): only the police of the report's district
(and administrators, audited) read a report's description, exact place, address, photos
and internal notes; analysts and managers get the public projection plus workflow fields,
in every channel: the staff page, the staff API, attachments, staff downloads, the back
office and its search."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from straz.accounts.models import ReadEntry
from straz.reports import services
from straz.reports.intake import IncomingAttachment
from straz.reports.models import Report
from tests.reports.reportkit import IN_A, image_bytes, submit

pytestmark = pytest.mark.django_db

SECRET = "SECRET-7f3a the neighbour at no. 12 deals from the garage"
ADDRESS = "Tajná 12"
NOTE = "NOTE-91c2 patrol saw a grey van"
# The exact point of the report, as its digits appear in pages and API answers.
EXACT_LAT = f"{IN_A[0] + 0.001234:.6f}"


@pytest.fixture
def report(
    district_a: Any,
    district_b: Any,
    categories: dict[str, Any],
    officer: Any,
    tmp_path: Path,
    settings: Any,
) -> Report:
    settings.MEDIA_ROOT = tmp_path / "media"
    # An approximated category: the public point is not the exact one.
    result = submit(
        category_code="drug-use",
        lat=IN_A[0] + 0.001234,
        lon=IN_A[1] + 0.004321,
        description=SECRET,
        address_text=ADDRESS,
        attachment=IncomingAttachment(name="photo.jpg", data=image_bytes()),
    )
    services.add_note(user=officer, report_id=result.report_id, text=NOTE)
    return Report.objects.get(pk=result.report_id)


def _session(user: Any) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def _token(user: Any, token_for: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}", HTTP_ACCEPT_LANGUAGE="en")


def _body(resp: Any) -> str:
    raw = b"".join(resp.streaming_content) if resp.streaming else resp.content
    return raw.decode("utf-8-sig", errors="replace")


def _leaks(text: str) -> list[str]:
    return [m for m in (SECRET, ADDRESS, NOTE, EXACT_LAT) if m in text]


NO_NEED = ["analyst", "manager"]
POLICE = ["officer", "supervisor"]


@pytest.mark.parametrize("role", NO_NEED)
def test_analysts_and_managers_read_no_police_only_text_on_the_staff_page(
    request: Any, role: str, report: Report
) -> None:
    user = request.getfixturevalue(role)
    resp = _session(user).get(f"/staff/reports/{report.pk}/")
    assert resp.status_code == 200
    html = _body(resp)
    assert _leaks(html) == []
    # The workflow fields are still there: status, deadlines, district.
    assert 'data-status="new"' in html and "Obvod A" in html
    assert report.read_due_at is not None
    assert 'id="read-deadline"' in html
    assert f"/staff/reports/{report.pk}/attachments/" not in html
    # Nothing police-only was read, so nothing is in the read audit for this user.
    assert not ReadEntry.objects.filter(user=user).exists()


@pytest.mark.parametrize("role", NO_NEED)
def test_analysts_and_managers_read_no_police_only_text_through_the_api(
    request: Any, role: str, report: Report, token_for: Any
) -> None:
    user = request.getfixturevalue(role)
    client = _token(user, token_for)
    resp = client.get(f"/api/v1/staff/reports/{report.pk}")
    assert resp.status_code == 200
    data = resp.json()
    assert _leaks(json.dumps(data)) == []
    assert data["police_only"] is False
    assert data["description"] is None and data["address"] is None and data["location"] is None
    assert data["attachments"] == [] and data["notes"] == []
    # Workflow fields and the public location are given.
    assert data["status"] == "new" and data["district"]["code"] == "PD-A"
    assert data["read_due_at"] and data["verify_due_at"]
    assert data["public_location"] == {"lat": report.public_lat, "lon": report.public_lon}
    # The queue too is workflow fields only.
    queue = client.get("/api/v1/staff/reports")
    assert [i["id"] for i in queue.json()["items"]] == [report.pk]
    assert _leaks(_body(queue)) == []


@pytest.mark.parametrize("role", NO_NEED)
def test_analysts_and_managers_cannot_download_photos(
    request: Any, role: str, report: Report, token_for: Any
) -> None:
    user = request.getfixturevalue(role)
    attachment = report.attachments.get()
    page = _session(user).get(f"/staff/reports/{report.pk}/attachments/{attachment.pk}/")
    assert page.status_code == 404
    api = _token(user, token_for).get(
        f"/api/v1/staff/reports/{report.pk}/attachments/{attachment.pk}"
    )
    assert api.status_code == 404


@pytest.mark.parametrize("role", NO_NEED)
def test_staff_downloads_of_analysts_and_managers_leave_out_police_only_columns(
    request: Any, role: str, report: Report
) -> None:
    user = request.getfixturevalue(role)
    client = _session(user)
    resp = client.get("/statistics/reports.csv")
    assert resp.status_code == 200
    text = _body(resp)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["id"]) for r in rows] == [report.pk]
    assert not {"description", "address_text", "lat", "lon"} & set(rows[0])
    assert rows[0]["read_due_at"] and rows[0]["status"] == "new"
    assert _leaks(text) == []
    geo = client.get("/statistics/reports.geojson")
    assert geo.status_code == 200
    feature = json.loads(_body(geo))["features"][0]
    assert feature["geometry"]["coordinates"] == [report.public_lon, report.public_lat]
    assert _leaks(_body(geo)) == []


@pytest.mark.parametrize("role", POLICE)
def test_police_of_the_district_read_it_all_and_every_read_is_audited(
    request: Any, role: str, report: Report, token_for: Any
) -> None:
    user = request.getfixturevalue(role)
    html = _body(_session(user).get(f"/staff/reports/{report.pk}/"))
    assert SECRET in html and ADDRESS in html and NOTE in html and EXACT_LAT in html
    assert f"/staff/reports/{report.pk}/attachments/" in html
    data = _token(user, token_for).get(f"/api/v1/staff/reports/{report.pk}").json()
    assert data["police_only"] is True and data["description"] == SECRET
    assert data["address"] == ADDRESS and [n["text"] for n in data["notes"]] == [NOTE]
    assert len(data["attachments"]) == 1
    reads = ReadEntry.objects.filter(user=user, action="reports.read_police_only")
    assert reads.filter(object_type="reports.Report", object_ids=[str(report.pk)]).count() >= 2
    rows = list(csv.DictReader(io.StringIO(_body(_session(user).get("/statistics/reports.csv")))))
    assert rows[0]["description"] == SECRET and rows[0]["address_text"] == ADDRESS


def test_police_of_another_district_read_nothing(report: Report, officer_b: Any) -> None:
    assert _session(officer_b).get(f"/staff/reports/{report.pk}/").status_code == 404


def test_administrators_read_it_audited(report: Report, admin_user: Any) -> None:
    html = _body(_session(admin_user).get(f"/staff/reports/{report.pk}/"))
    assert SECRET in html
    assert ReadEntry.objects.filter(
        user=admin_user, action="reports.read_police_only", object_type="reports.Report"
    ).exists()


def test_back_office_shows_no_police_only_field_nor_searches_them(
    report: Report, admin_user: Any
) -> None:
    """The back office bypasses restrict(): it shows and searches workflow fields only."""
    client = _session(admin_user)
    change = client.get(f"/admin/reports/report/{report.pk}/change/")
    assert change.status_code == 200
    assert _leaks(_body(change)) == []
    found = client.get("/admin/reports/report/", {"q": ADDRESS})
    assert found.status_code == 200
    assert f"/admin/reports/report/{report.pk}/change/" not in _body(found)
