"""Photo previews on the staff report page: thumbnails through the access-checked attachment view."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from straz.reports.intake import IncomingAttachment

pytestmark = pytest.mark.django_db


def photo(width: int, height: int, mode: str = "RGB", fmt: str = "JPEG") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (width, height), (200, 40, 40, 128) if mode == "RGBA" else (200, 40, 40)).save(buf, format=fmt)
    return buf.getvalue()


@pytest.fixture
def with_photo(file_report: Any) -> Any:
    return file_report(attachment=IncomingAttachment(name="my-secret-name.jpg", data=photo(1600, 1200)))


def test_the_staff_report_page_shows_a_preview_of_each_photo(with_photo: Any, officer: Any, client_for: Any) -> None:
    attachment = with_photo.attachments.get()
    html = client_for(officer).get(f"/staff/reports/{with_photo.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    url = f"/staff/reports/{with_photo.pk}/attachments/{attachment.pk}/"
    assert f'<img src="{url}?size=thumb"' in html
    assert f"Photo 1 of report #{with_photo.pk} (open in full size)" in html
    assert "my-secret-name" not in html


def test_the_preview_is_a_small_jpeg_without_the_original_name(with_photo: Any, officer: Any, client_for: Any) -> None:
    attachment = with_photo.attachments.get()
    response = client_for(officer).get(f"/staff/reports/{with_photo.pk}/attachments/{attachment.pk}/?size=thumb")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(response.content)) as im:
        assert im.format == "JPEG" and max(im.size) == 320 and im.size == (320, 240)
    assert "my-secret-name" not in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_transparent_png_gets_a_preview_too(file_report: Any, officer: Any, client_for: Any) -> None:
    report = file_report(attachment=IncomingAttachment(name="a.png", data=photo(400, 100, "RGBA", "PNG")))
    attachment = report.attachments.get()
    response = client_for(officer).get(f"/staff/reports/{report.pk}/attachments/{attachment.pk}/?size=thumb")
    with Image.open(io.BytesIO(response.content)) as im:
        assert im.format == "JPEG" and im.size == (320, 80)


def test_previews_follow_the_same_access_rules(with_photo: Any, officer_b: Any, analyst: Any, client_for: Any) -> None:
    attachment = with_photo.attachments.get()
    url = f"/staff/reports/{with_photo.pk}/attachments/{attachment.pk}/?size=thumb"
    assert client_for(officer_b).get(url).status_code == 404  # another district
    assert client_for(analyst).get(url).status_code == 404  # no need to know
    anonymous = Client().get(url)
    assert anonymous.status_code in (302, 401, 403) and anonymous.get("Content-Type") != "image/jpeg"


def test_an_unknown_size_is_refused_with_a_message(with_photo: Any, officer: Any, client_for: Any) -> None:
    attachment = with_photo.attachments.get()
    response = client_for(officer).get(
        f"/staff/reports/{with_photo.pk}/attachments/{attachment.pk}/?size=huge", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "Unknown preview size." in response.content.decode()


def test_a_pdf_has_no_preview(file_report: Any, officer: Any, client_for: Any) -> None:
    from tests.reports.reportkit import PDF_BYTES

    report = file_report(attachment=IncomingAttachment(name="a.pdf", data=PDF_BYTES))
    attachment = report.attachments.get()
    url = f"/staff/reports/{report.pk}/attachments/{attachment.pk}/"
    assert client_for(officer).get(url + "?size=thumb").status_code == 404
    html = client_for(officer).get(f"/staff/reports/{report.pk}/").content.decode()
    assert 'id="photo-previews"' not in html and url in html
