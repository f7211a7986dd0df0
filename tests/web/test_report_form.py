"""The citizen's report form: success, errors in the user's language, nothing stored on error."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from straz.reports.models import Attachment, Report
from tests.web.conftest import IN_A, OUTSIDE, browser, jpeg_bytes

pytestmark = pytest.mark.django_db


def stored() -> tuple[int, int]:
    return Report.objects.count(), Attachment.objects.count()


def post(client: Any, **fields: Any) -> Any:
    data = {
        "category": "illegal-dump",
        "lat": IN_A[0],
        "lon": IN_A[1],
        "description": "",
        "submission_key": "",
    }
    data.update(fields)
    return client.post("/report/", data)


def test_form_renders_with_counter_and_privacy_hint(categories: Any) -> None:
    html = browser("en").get("/report/").content.decode()
    assert 'id="report-form"' in html and 'id="report-map"' in html
    assert 'maxlength="500"' in html and 'id="description-counter"' in html
    assert "visible only to the police" in html
    assert 'name="submission_key"' in html
    assert 'type="datetime-local"' in html
    assert 'accept="image/jpeg,image/png,image/webp,application/pdf"' in html


def test_filing_a_report_shows_its_number_and_public_link(categories: Any, district_a: Any) -> None:
    client = browser("en", REMOTE_ADDR="198.51.100.40")
    from datetime import timedelta

    from django.utils import timezone

    yesterday = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = post(client, description="Tyres behind the garages", occurred_at=yesterday)
    assert response.status_code == 302 and response["Location"] == "/report/sent/"
    report = Report.objects.get()
    assert report.source == "web" and report.description == "Tyres behind the garages"
    assert report.reporter_ip == "198.51.100.40" and report.district == district_a
    assert report.occurred_at is not None
    page = client.get("/report/sent/").content.decode()
    assert f'data-report-id="{report.pk}"' in page
    assert f'href="/r/{report.pk}/"' in page
    assert "Obvod A" in page


def test_filing_with_a_photo_stores_the_attachment(categories: Any, district_a: Any) -> None:
    client = browser("en", REMOTE_ADDR="198.51.100.41")
    photo = SimpleUploadedFile("dump.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = post(client, attachment=photo)
    assert response.status_code == 302
    assert Attachment.objects.get().content_type == "image/jpeg"


def test_double_submission_of_one_form_files_one_report(categories: Any, district_a: Any) -> None:
    client = browser("en", REMOTE_ADDR="198.51.100.42")
    first = post(client, submission_key="k-123", description="once")
    second = post(client, submission_key="k-123", description="once")
    assert first.status_code == second.status_code == 302
    assert Report.objects.count() == 1


def test_confirmation_page_without_a_submission_goes_back_to_the_form(categories: Any) -> None:
    response = browser("en").get("/report/sent/")
    assert response.status_code == 302 and response["Location"] == "/report/"


@pytest.mark.parametrize(
    ("language", "fields", "field_id", "message"),
    [
        ("en", {"category": ""}, "id_category", "This field is required."),
        ("cs", {"category": ""}, "id_category", "Toto pole je třeba vyplnit."),
        ("pl", {"category": ""}, "id_category", "To pole jest wymagane."),
        ("en", {"category": "no-such-thing"}, "id_category", "Select a valid choice."),
        ("en", {"description": "x" * 501}, "id_description", "at most 500 characters"),
        ("cs", {"description": "x" * 501}, "id_description", "nejvýše 500 znaků"),
        ("pl", {"description": "x" * 501}, "id_description", "najwyżej 500 znaków"),
        ("en", {"description": "<script>alert(1)</script>"}, "id_description", "plain text"),
        ("en", {"lat": "", "lon": ""}, "id_address_text", "Mark the place on the map"),
        ("pl", {"lat": "", "lon": ""}, "id_address_text", "Zaznacz miejsce na mapie"),
        ("en", {"lat": "95", "lon": "13"}, "id_address_text", "latitude must be between"),
        ("en", {"occurred_at": "2999-01-01T10:00"}, "id_occurred_at", "cannot be in the future"),
        ("cs", {"occurred_at": "2999-01-01T10:00"}, "id_occurred_at", "nemůže být v budoucnosti"),
        ("en", {"occurred_at": "not a date"}, "id_occurred_at", "Enter a valid date/time."),
    ],
)
def test_bad_input_shows_error_next_to_field_in_users_language_and_stores_nothing(
    categories: Any,
    district_a: Any,
    language: str,
    fields: dict[str, Any],
    field_id: str,
    message: str,
) -> None:
    before = stored()
    response = post(
        browser(language, REMOTE_ADDR="198.51.100.50"), **{"description": "kept text 42", **fields}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert message in html
    # The message sits in the field's block, after the field itself.
    field_pos = html.index(f'id="{field_id}"')
    assert html.index(message, field_pos) > field_pos
    if "description" not in fields:
        assert "kept text 42" in html  # what was typed is kept
    assert stored() == before


def test_outside_every_district_is_refused_in_czech(categories: Any, district_a: Any) -> None:
    before = stored()
    response = post(
        browser("cs", REMOTE_ADDR="198.51.100.51"),
        lat=OUTSIDE[0],
        lon=OUTSIDE[1],
        description="zachovaný text",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="error-summary"' in html and "zachovaný text" in html
    assert stored() == before


def test_wrong_file_type_is_refused_next_to_the_file_field(
    categories: Any, district_a: Any
) -> None:
    before = stored()
    bad = SimpleUploadedFile(
        "virus.jpg", b"MZ\x90\x00 not an image at all", content_type="image/jpeg"
    )
    response = post(browser("en", REMOTE_ADDR="198.51.100.52"), attachment=bad)
    assert response.status_code == 422
    html = response.content.decode()
    assert "This file type is not accepted." in html
    assert html.index("This file type is not accepted.", html.index('id="id_attachment"')) > 0
    assert stored() == before


def test_too_large_file_is_refused(categories: Any, district_a: Any, settings: Any) -> None:
    settings.STRAZ = {**settings.STRAZ, "MAX_ATTACHMENT_BYTES": 1000}
    before = stored()
    big = SimpleUploadedFile("big.jpg", jpeg_bytes() + b"\0" * 2000, content_type="image/jpeg")
    response = post(browser("en", REMOTE_ADDR="198.51.100.53"), attachment=big)
    assert response.status_code == 422
    assert "The attachment is too large" in response.content.decode()
    assert stored() == before


def test_second_report_the_same_day_is_refused_with_429_in_polish(
    categories: Any, district_a: Any
) -> None:
    client = browser("pl", REMOTE_ADDR="198.51.100.54")
    assert post(client, description="first").status_code == 302
    before = stored()
    response = post(client, lat=IN_A[0] + 0.01, description="second one typed")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    # The limit message (issue 9), not a form error with nothing to correct.
    assert 'data-testid="report-limit"' in html and 'id="error-summary"' not in html
    assert stored() == before


def test_address_text_is_geocoded_when_no_point_is_given(categories: Any, district_a: Any) -> None:
    from straz.territory.models import Place

    Place.objects.create(name="Americká", lat=IN_A[0], lon=IN_A[1])
    response = post(
        browser("en", REMOTE_ADDR="198.51.100.55"), lat="", lon="", address_text="Americká 12"
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.lat, report.lon) == IN_A and report.address_text == "Americká 12"


def test_unknown_address_is_refused_next_to_the_address_field(
    categories: Any, district_a: Any
) -> None:
    before = stored()
    response = post(
        browser("en", REMOTE_ADDR="198.51.100.56"), lat="", lon="", address_text="Nowhere street 9"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "We could not find this address." in html
    assert 'value="Nowhere street 9"' in html
    assert stored() == before


def test_form_prefills_point_and_category_from_the_query(categories: Any) -> None:
    html = (
        browser("en")
        .get("/report/", {"lat": "49.7", "lon": "13.3", "category": "illegal-dump"})
        .content.decode()
    )
    assert 'value="49.7"' in html and 'value="13.3"' in html
    assert '<option value="illegal-dump" selected>' in html
