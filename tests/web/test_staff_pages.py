"""Staff pages: login required, scope respected, workflow buttons, notes, marking read."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from straz.reports import services
from straz.reports.intake import IncomingAttachment
from straz.reports.models import EventKind, InternalNote, Report
from tests.web.conftest import IN_B, SECRET_DESCRIPTION, jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/staff/", "/staff/reports/1/", "/staff/reports/1/attachments/1/"]
)
def test_staff_pages_require_login(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_login_page_logs_in_and_goes_to_the_queue(officer: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/login/", {"username": "officer", "password": "officer-pass"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    html = client.get("/staff/").content.decode()
    assert "My queue" in html and 'id="nav-logout"' in html


def test_wrong_password_is_refused_in_czech(officer: Any) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="cs").post(
        "/login/", {"username": "officer", "password": "nope"}
    )
    assert response.status_code == 200
    assert 'id="login-error"' in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_queue_shows_only_reports_in_scope(
    file_report: Any, officer: Any, officer_b: Any, client_for: Any
) -> None:
    mine = file_report()
    theirs = file_report(point=IN_B)
    html_a = client_for(officer).get("/staff/").content.decode()
    assert f'data-report-id="{mine.pk}"' in html_a and f'data-report-id="{theirs.pk}"' not in html_a
    html_b = client_for(officer_b).get("/staff/").content.decode()
    assert f'data-report-id="{theirs.pk}"' in html_b and f'data-report-id="{mine.pk}"' not in html_b


def test_queue_puts_overdue_first_with_badges_and_highlights_flagged(
    file_report: Any,
    supervisor: Any,
    client_for: Any,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    fresh = file_report()
    late = file_report(point=(49.73, 13.36))
    past = timezone.now() - timedelta(days=1)
    Report.objects.filter(pk=late.pk).update(
        read_due_at=past, verify_due_at=past, overdue_flagged_at=past
    )
    html = Client(HTTP_ACCEPT_LANGUAGE="en")
    html = client_for(supervisor).get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.index(f'data-report-id="{late.pk}"') < html.index(f'data-report-id="{fresh.pk}"')
    row = html[html.index(f'data-report-id="{late.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'class="flagged"' in row and "Not read in time" in row
    fresh_row = html[html.index(f'data-report-id="{fresh.pk}"') :]
    assert "Read within" in fresh_row[: fresh_row.index("</tr>")]


def test_queue_filters_by_status_category_and_district(
    file_report: Any, admin_user: Any, client_for: Any, officer: Any
) -> None:
    from straz.reports.services import transition_report

    dump = file_report()
    drugs = file_report(category="drug-use", point=(49.73, 13.36))
    in_b = file_report(point=IN_B)
    transition_report(user=officer, report_id=dump.pk, target="verification")
    client = client_for(admin_user)

    def ids(**params: str) -> set[int]:
        html = client.get("/staff/", params).content.decode()
        return {r.pk for r in (dump, drugs, in_b) if f'data-report-id="{r.pk}"' in html}

    assert ids() == {dump.pk, drugs.pk, in_b.pk}
    assert ids(status="verification") == {dump.pk}
    assert ids(category="drug-use") == {drugs.pk}
    assert ids(district="PD-B") == {in_b.pk}
    assert ids(status="bogus") == {dump.pk, drugs.pk, in_b.pk}  # an invalid filter is ignored


def test_queue_htmx_returns_only_the_rows(file_report: Any, officer: Any, client_for: Any) -> None:
    report = file_report()
    html = (
        client_for(officer)
        .get("/staff/", {"status": "new"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "<html" not in html and f'data-report-id="{report.pk}"' in html


def test_queue_paginates(file_report: Any, admin_user: Any, client_for: Any) -> None:
    for i in range(27):
        file_report(point=(49.721 + i * 0.001, 13.351 + (i % 5) * 0.006))
    client = client_for(admin_user)
    first = client.get("/staff/").content.decode()
    second = client.get("/staff/", {"page": 2}).content.decode()
    assert first.count("data-report-id=") == 25
    assert second.count("data-report-id=") == 2
    assert 'id="page-next"' in first and 'id="page-prev"' in second


def test_staff_report_out_of_scope_is_404(
    file_report: Any, officer_b: Any, client_for: Any
) -> None:
    report = file_report()
    assert client_for(officer_b).get(f"/staff/reports/{report.pk}/").status_code == 404
    assert (
        client_for(officer_b)
        .post(f"/staff/reports/{report.pk}/", {"action": "transition", "target": "verification"})
        .status_code
        == 404
    )
    report.refresh_from_db()
    assert report.status == "new"


def test_opening_a_report_shows_police_only_data_and_marking_it_read_is_a_post(
    file_report: Any,
    officer: Any,
    client_for: Any,
) -> None:
    report = file_report(
        description=SECRET_DESCRIPTION,
        attachment=IncomingAttachment(name="tyres.jpg", data=jpeg_bytes()),
    )
    assert report.read_at is None
    client = client_for(officer)
    html = client.get(f"/staff/reports/{report.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert SECRET_DESCRIPTION in html
    # The photo is listed under its generated name; the sender's name is not kept (ADR 0022).
    assert report.attachments.get().file_name in html and "tyres.jpg" not in html
    report.refresh_from_db()
    assert report.read_at is None  # a GET changes nothing (ADR 0026)
    assert client.post(f"/staff/reports/{report.pk}/", {"action": "read"}).status_code == 302
    report.refresh_from_db()
    assert report.read_at is not None
    assert report.events.filter(kind=EventKind.READ).count() == 1
    # Only the legal next step is offered.
    assert 'data-testid="transition-verification"' in html
    assert 'data-testid="transition-confirmed"' not in html


def test_attachment_download_in_scope_only(
    file_report: Any, officer: Any, officer_b: Any, client_for: Any
) -> None:
    data = jpeg_bytes()
    report = file_report(attachment=IncomingAttachment(name="tyres.jpg", data=data))
    attachment = report.attachments.get()
    url = f"/staff/reports/{report.pk}/attachments/{attachment.pk}/"
    response = client_for(officer).get(url)
    assert response.status_code == 200
    stored = services.attachment_path(attachment)
    assert stored is not None and b"".join(response.streaming_content) == stored.read_bytes()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(officer_b).get(url).status_code == 404


def test_analyst_sees_but_cannot_act_and_does_not_mark_read(
    file_report: Any, analyst: Any, client_for: Any
) -> None:
    report = file_report()
    client = client_for(analyst)
    html = client.get(f"/staff/reports/{report.pk}/").content.decode()
    assert 'id="transition-form"' not in html and 'id="note-form"' not in html
    report.refresh_from_db()
    assert report.read_at is None
    response = client.post(
        f"/staff/reports/{report.pk}/",
        {"action": "transition", "target": "verification"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == "new"


def test_transition_with_public_note_then_final_status_has_no_buttons(
    file_report: Any,
    officer: Any,
    client_for: Any,
) -> None:
    report = file_report()
    client = client_for(officer)
    url = f"/staff/reports/{report.pk}/"
    response = client.post(
        url,
        {
            "action": "transition",
            "target": "verification",
            "public_note": "We are on it.",
            "note": "caretaker suspected",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "verification"
    assert InternalNote.objects.filter(report=report, text="caretaker suspected").exists()
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert (
        'data-testid="transition-confirmed"' in html
        and 'data-testid="transition-not_confirmed"' in html
    )
    assert "Potwierdzone" in html and "We are on it." in html
    client.post(url, {"action": "transition", "target": "not_confirmed", "confirmed": "on"})
    html = client.get(url).content.decode()
    assert 'data-testid="transition-' not in html
    public = Client().get(f"/r/{report.pk}/").content.decode()
    assert "We are on it." in public and "caretaker suspected" not in public


def test_illegal_transition_is_refused_in_users_language(
    file_report: Any, officer: Any, client_for: Any
) -> None:
    report = file_report()
    response = client_for(officer).post(
        f"/staff/reports/{report.pk}/",
        {"action": "transition", "target": "eliminated"},
        HTTP_ACCEPT_LANGUAGE="cs",
    )
    assert response.status_code == 409
    assert "nemůže přejít" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "new"


def test_adding_a_note_shows_it_with_the_author(
    file_report: Any, officer: Any, client_for: Any
) -> None:
    report = file_report()
    client = client_for(officer)
    response = client.post(
        f"/staff/reports/{report.pk}/", {"action": "note", "text": "Checked on site, tyres there."}
    )
    assert response.status_code == 302
    html = client.get(f"/staff/reports/{report.pk}/").content.decode()
    assert "Checked on site, tyres there." in html
    empty = client.post(f"/staff/reports/{report.pk}/", {"action": "note", "text": ""})
    assert empty.status_code == 422
    assert InternalNote.objects.filter(report=report).count() == 1


def test_admin_sees_link_to_back_office(admin_user: Any, client_for: Any) -> None:
    assert 'id="nav-admin"' in client_for(admin_user).get("/staff/").content.decode()


def test_supervisor_reassigns_a_report_officer_cannot(
    file_report: Any, supervisor: Any, officer: Any, client_for: Any
) -> None:
    from straz.territory.models import Officer

    report = file_report()
    other = Officer.objects.create(name="nstrm. Karel Dvořák")
    other.districts.add(report.district)
    html = client_for(officer).get(f"/staff/reports/{report.pk}/").content.decode()
    assert 'id="reassign-form"' not in html
    refused = client_for(officer).post(
        f"/staff/reports/{report.pk}/", {"action": "reassign", "officer": other.pk}
    )
    assert refused.status_code == 403
    client = client_for(supervisor)
    assert 'id="reassign-form"' in client.get(f"/staff/reports/{report.pk}/").content.decode()
    response = client.post(
        f"/staff/reports/{report.pk}/", {"action": "reassign", "officer": other.pk}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.officer_id == other.pk
