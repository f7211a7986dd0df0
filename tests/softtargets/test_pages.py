"""The soft-target pages: register, assess, measures, the dashboard and the implementation report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from straz.softtargets.models import Measure, SoftTarget
from tests.softtargets.conftest import HIGH

pytestmark = pytest.mark.django_db


def _login(user: Any, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_manager_registers_assesses_and_sees_overdue_measures(manager: Any, city_district: Any) -> None:
    web = _login(manager)
    resp = web.post("/staff/softtargets/new/", {
        "name": "4. základní škola", "kind": "school", "lat": "49.7401", "lon": "13.3701", "capacity": "620",
        "public_listing": "hidden", "state": "active",
    })
    assert resp.status_code == 302, resp.content.decode()[:2000]
    target = SoftTarget.objects.get()
    assert target.district is not None and target.district.code == "PD-A"
    assert target.city_district is not None and target.city_district.name == "Plzeň 1"

    form = {"scale": "default", "s0-name": "Armed intruder at entrance B", **{f"s0-{k}": str(v) for k, v in HIGH.items()}}
    resp = web.post(f"/staff/softtargets/{target.pk}/assess/", form)
    assert resp.status_code == 302
    page = web.get(f"/staff/softtargets/{target.pk}/").content.decode()
    assert "Armed intruder at entrance B" in page and "<svg" in page and "high" in page

    yesterday = timezone.localdate() - timedelta(days=1)
    for title, deadline in (("Card readers", yesterday), ("Staff drill", yesterday + timedelta(days=60))):
        resp = web.post(f"/staff/softtargets/{target.pk}/measures/", {"kind": "technical", "title": title, "owner": "OŠMT", "cost_planned": "15000", "deadline": deadline.isoformat()})
        assert resp.status_code == 302
    assert Measure.objects.count() == 2
    dashboard = web.get("/staff/softtargets/").content.decode()
    overdue_box = dashboard.split('data-testid="overdue-measures"')[1].split("</section>")[0]
    assert "Card readers" in overdue_box and "Staff drill" not in overdue_box


def test_bad_input_is_refused_with_a_message_and_changes_nothing(manager: Any, district_a: Any) -> None:
    web = _login(manager)
    resp = web.post("/staff/softtargets/new/", {"name": "<script>x</script>", "kind": "school", "lat": "49.74", "lon": "13.37", "public_listing": "hidden", "state": "active"})
    assert resp.status_code == 200 and "plain text" in resp.content.decode()
    resp = web.post("/staff/softtargets/new/", {"name": "Škola", "kind": "school", "public_listing": "hidden", "state": "active"})
    assert resp.status_code == 200 and "coordinates" in resp.content.decode()
    assert not SoftTarget.objects.exists()


def test_assessment_form_names_the_missing_factor(manager: Any, school: Any) -> None:
    web = _login(manager)
    scores = {f"s0-{k}": str(v) for k, v in HIGH.items() if k != "finances"}
    resp = web.post(f"/staff/softtargets/{school.pk}/assess/", {"scale": "default", "s0-name": "x", **scores})
    assert resp.status_code == 200 and "finances" in resp.content.decode()
    assert not school.assessments.exists()


def test_report_html_csv_pdf(assessed_school: Any, manager: Any, analyst: Any) -> None:
    web = _login(analyst)
    html = web.get("/staff/softtargets/report/").content.decode()
    assert "Plzeň 1" in html and "SECRET" not in html
    body = web.get("/staff/softtargets/report.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][:3] == ["Kind", "City district", "Soft targets"]
    assert rows[1][:3] == ["School", "Plzeň 1", "1"] and "Risk band: high" in rows[0]
    assert rows[1][rows[0].index("Risk band: high")] == "1"
    assert rows[1][rows[0].index("Measures open")] == "1"
    assert rows[1][rows[0].index("Planned (CZK)")] == "30000.00"
    pdf = web.get("/staff/softtargets/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_uncleared_staff_see_the_registry_but_not_the_design_part(assessed_school: Any, analyst: Any) -> None:
    page = _login(analyst).get(f"/staff/softtargets/{assessed_school.pk}/").content.decode()
    assert assessed_school.name in page and "SECRET" not in page
    assert _login(analyst).get(f"/staff/softtargets/{assessed_school.pk}/assess/").status_code == 403


def test_evidence_is_stored_re_encoded_and_read_only_with_clearance(assessed_school: Any, manager: Any, analyst: Any, settings: Any, tmp_path: Any) -> None:
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path / "media"
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buf, "PNG")
    buf.seek(0)
    buf.name = "readers.png"
    measure = Measure.objects.get(target=assessed_school)
    web = _login(manager)
    resp = web.post(
        f"/staff/softtargets/measures/{measure.pk}/",
        {f"m{measure.pk}-state": "done", f"m{measure.pk}-cost_spent": "28000", f"m{measure.pk}-evidence": buf},
    )
    assert resp.status_code == 302
    measure.refresh_from_db()
    assert measure.state == "done" and measure.done_on is not None and measure.evidence.startswith("evidence/")
    got = web.get(f"/staff/softtargets/measures/{measure.pk}/evidence/")
    assert got.status_code == 200 and got["Content-Type"].startswith("image/")
    assert _login(analyst).get(f"/staff/softtargets/measures/{measure.pk}/evidence/").status_code == 404
    # A file that is no image or PDF is refused with a message and changes nothing.
    bad = io.BytesIO(b"<html><script>alert(1)</script></html>")
    bad.name = "x.png"
    web.post(f"/staff/softtargets/measures/{measure.pk}/", {f"m{measure.pk}-state": "in_progress", f"m{measure.pk}-evidence": bad})
    measure.refresh_from_db()
    assert measure.state == "done"


def test_documents_are_part_of_the_design_part(assessed_school: Any, manager: Any, analyst: Any, settings: Any, tmp_path: Any) -> None:
    from PIL import Image

    from straz.softtargets.models import TargetDocument

    settings.MEDIA_ROOT = tmp_path / "media"
    pdf = io.BytesIO()
    Image.new("RGB", (20, 20), (255, 255, 255)).save(pdf, "PDF")
    pdf.seek(0)
    pdf.name = "plan.pdf"
    web = _login(manager)
    assert web.post(f"/staff/softtargets/{assessed_school.pk}/documents/", {"doc-title": "Evacuation plan", "doc-file": pdf}).status_code == 302
    document = TargetDocument.objects.get()
    assert document.content_type == "application/pdf" and document.stored.startswith("softtargets/")
    assert "Evacuation plan" in web.get(f"/staff/softtargets/{assessed_school.pk}/").content.decode()
    got = web.get(f"/staff/softtargets/documents/{document.pk}/")
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")
    other = _login(analyst)
    assert other.get(f"/staff/softtargets/documents/{document.pk}/").status_code == 404
    assert "Evacuation plan" not in other.get(f"/staff/softtargets/{assessed_school.pk}/").content.decode()
    assert other.post(f"/staff/softtargets/{assessed_school.pk}/documents/", {"doc-title": "x"}).status_code == 403
