"""Citizen intake: every bad input is refused with a clear message and stores nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation

from straz.core.errors import PayloadTooLarge, ValidationFailed
from straz.reports import intake
from straz.reports.models import Attachment, Report
from tests.reports.reportkit import IN_A, OUTSIDE, PDF_BYTES, counts, image_bytes, submit

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- pure checks


def test_clean_text_strips_controls_and_surrogates_but_keeps_lines() -> None:
    assert intake.clean_text("  a\x00b\x07c\r\nd\te\ud800 ") == "abc\nd\te"


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "hi <b>there</b>",
        "<img src=x onerror=alert(1)>",
        "< script>",
        "</div>",
        "<!-- x -->",
        "click javascript:alert(1)",
        "&#60;script&#62;",
    ],
)
def test_markup_is_refused(text: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        intake.check_description(text)
    assert exc.value.status == 422
    assert "HTML" in exc.value.message or "HTML" in str(exc.value)


@pytest.mark.parametrize(
    "text", ["3 < 5 a 7 > 2", "auto u č.p. 12 <> nic", "Kč 500,- & víc", "a<5"]
)
def test_ordinary_text_with_angle_brackets_passes(text: str) -> None:
    assert intake.check_description(text) == text


def test_description_limit_is_500_characters() -> None:
    assert len(intake.check_description("ž" * 500)) == 500
    with pytest.raises(ValidationFailed) as exc:
        intake.check_description("ž" * 501)
    assert "500" in exc.value.message


@pytest.mark.parametrize(
    # WebP is re-encoded like every picture; an opaque one becomes a JPEG (ADR 0022).
    "fmt,ctype",
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/jpeg")],
)
def test_real_images_are_accepted_whatever_their_name(fmt: str, ctype: str) -> None:
    checked = intake.check_attachment(
        intake.IncomingAttachment(name="photo.txt", data=image_bytes(fmt))
    )
    assert checked is not None and checked.content_type == ctype


def test_pdf_is_accepted_by_header_and_trailer() -> None:
    checked = intake.check_attachment(intake.IncomingAttachment(name="x.jpg", data=PDF_BYTES))
    assert (
        checked is not None
        and checked.content_type == "application/pdf"
        and checked.extension == "pdf"
    )


@pytest.mark.parametrize(
    "name,data",
    [
        ("photo.jpg", b"MZ\x90\x00 this is an executable"),
        ("photo.jpg", b"<html><script>alert(1)</script></html>"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # PNG magic, no image
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"garbage" * 20),  # JPEG magic, no image
        ("doc.pdf", b"%PDF-1.4\n no trailer here"),
        ("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 junk"),
        ("notes.txt", b"just some text"),
    ],
)
def test_disguised_or_broken_files_are_refused(name: str, data: bytes) -> None:
    with pytest.raises(ValidationFailed) as exc:
        intake.check_attachment(intake.IncomingAttachment(name=name, data=data))
    assert exc.value.status == 422
    assert "PDF" in exc.value.message


def test_truncated_jpeg_is_refused() -> None:
    data = image_bytes("JPEG", (400, 300))
    with pytest.raises(ValidationFailed):
        intake.check_attachment(
            intake.IncomingAttachment(name="x.jpg", data=data[: len(data) // 2])
        )


def test_oversized_file_is_refused_with_413(settings: Any) -> None:
    settings.STRAZ = {**settings.STRAZ, "MAX_ATTACHMENT_BYTES": 1000}
    with pytest.raises(PayloadTooLarge) as exc:
        intake.read_upload(
            intake.IncomingAttachment(name="big.jpg", data=b"\xff\xd8\xff" + b"0" * 1000)
        )
    assert exc.value.status == 413


@pytest.mark.parametrize(
    "lat,lon",
    [
        (91, 13),
        (-91, 13),
        (49, 181),
        (49, -181),
        (float("nan"), 13),
        (49, float("inf")),
        (49.7, None),
    ],
)
def test_coordinates_out_of_range_are_refused(lat: Any, lon: Any) -> None:
    with pytest.raises(ValidationFailed):
        intake.check_coordinates(lat, lon)


# ---------------------------------------------------------------- through the service


@pytest.fixture
def served(district_a: Any, categories: dict[str, Any], tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


BAD_SUBMISSIONS = [
    ({"category_code": "no-such-category"}, "category"),
    ({"lat": 95.0}, "latitude"),
    ({"lon": 200.0}, "longitude"),
    ({"lat": None, "lon": None}, "map"),
    ({"lat": OUTSIDE[0], "lon": OUTSIDE[1]}, "outside"),
    ({"description": "<script>alert(1)</script>"}, "HTML"),
    ({"description": "x" * 501}, "500"),
    ({"address_text": "<b>Main</b>"}, "HTML"),
    ({"occurred_at": timezone.now() + timedelta(days=2)}, "future"),
    ({"occurred_at": timezone.now() - timedelta(days=800)}, "year"),
    ({"attachment": intake.IncomingAttachment("x.jpg", b"MZ fake exe")}, "PDF"),
    ({"idempotency_key": "bad key with spaces"}, "Idempotency-Key"),
]


@pytest.mark.parametrize("overrides,fragment", BAD_SUBMISSIONS)
def test_bad_submission_is_refused_and_nothing_is_stored(
    served: None, tmp_path: Path, overrides: dict[str, Any], fragment: str
) -> None:
    before = counts()
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        submit(**overrides)
    assert exc.value.status == 422
    assert fragment in exc.value.message
    assert counts() == before
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_inactive_category_is_refused(served: None, categories: dict[str, Any]) -> None:
    categories["dump"].is_active = False
    categories["dump"].save()
    with pytest.raises(ValidationFailed):
        submit()
    assert Report.objects.count() == 0


def test_accepted_report_is_routed_and_keeps_police_only_fields(
    served: None, district_a: Any, tmp_path: Path
) -> None:
    before = counts()
    result = submit(
        description="Pytle se sutí\x00 u lesa",
        address_text="U lesa",
        attachment=intake.IncomingAttachment("f.png", image_bytes("PNG")),
        occurred_at=timezone.now() - timedelta(hours=3),
    )
    report = Report.objects.get(pk=result.report_id)
    assert result.status_code == 201 and not result.replayed
    assert result.response["district"] == {"code": "PD-A", "name": "Obvod A"}
    assert report.status == "new" and report.is_public
    assert (
        report.district_id == district_a.pk and report.officer_id == district_a.primary_officer_id
    )
    assert report.description == "Pytle se sutí u lesa"
    assert report.reporter_ip == "203.0.113.10" and len(report.reporter_key) == 64
    assert "203.0.113.10" not in report.reporter_key
    assert report.read_due_at == report.created_at + timedelta(
        days=settings.STRAZ["READ_DEADLINE_DAYS"]
    )
    assert report.verify_due_at == report.created_at + timedelta(
        days=settings.STRAZ["VERIFY_DEADLINE_DAYS"]
    )
    after = counts()
    assert after["reports"] == before["reports"] + 1
    assert after["audit"] == before["audit"] + 1
    assert after["attachments"] == before["attachments"] + 1
    att = Attachment.objects.get(report=report)
    stored = tmp_path / "media" / att.path
    # Stored re-encoded (ADR 0022): the same picture, a PNG again, under a generated name.
    from PIL import Image

    with Image.open(stored) as im:
        assert im.format == "PNG" and im.size == (32, 24)
        assert im.convert("RGB").getpixel((5, 5)) == (200, 40, 40)
    assert att.content_type == "image/png" and att.path.endswith(".png")
    assert report.events.filter(kind="created").count() == 1


def test_audit_entry_holds_neither_ip_nor_description(served: None) -> None:
    from straz.accounts.models import AuditEntry

    submit(description="tajná informace pro policii", client_ip="198.51.100.77")
    entry = AuditEntry.objects.filter(action="report.submitted").get()
    dumped = str(entry.after) + str(entry.before)
    assert "198.51.100.77" not in dumped and "tajná" not in dumped


def test_attachment_file_is_removed_when_the_transaction_fails(
    served: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from straz.accounts import audit

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(audit, "record", broken)
    before = counts()
    with pytest.raises(RuntimeError):
        submit(attachment=intake.IncomingAttachment("f.pdf", PDF_BYTES))
    assert counts() == before
    media = tmp_path / "media"
    assert not any(p.is_file() for p in media.rglob("*"))


def test_approximated_category_hides_the_exact_point(served: None) -> None:
    result = submit(category_code="drug-use", lat=49.7412345, lon=13.3723456)
    report = Report.objects.get(pk=result.report_id)
    assert (report.public_lat, report.public_lon) != (report.lat, report.lon)
    assert report.is_public


def test_confirmed_only_category_is_not_public_when_new(served: None) -> None:
    result = submit(category_code="dangerous-venue")
    assert Report.objects.get(pk=result.report_id).is_public is False


def test_address_text_is_geocoded_when_no_point_is_given(served: None) -> None:
    from straz.territory.models import Place

    Place.objects.create(name="Náměstí Republiky", lat=IN_A[0] + 0.001, lon=IN_A[1] + 0.001)
    result = submit(lat=None, lon=None, address_text="namesti republiky")
    report = Report.objects.get(pk=result.report_id)
    assert (report.lat, report.lon) == (IN_A[0] + 0.001, IN_A[1] + 0.001)
    assert report.address_text == "namesti republiky"


def test_unknown_address_asks_to_mark_the_map(served: None) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        submit(lat=None, lon=None, address_text="Nonexistent street 999")
    assert "map" in exc.value.message
    assert Report.objects.count() == 0


def test_seeded_categories_exist_after_migrations() -> None:
    """The data migration loads the shipped categories; seeding again changes nothing."""
    from straz.reports.models import Category
    from straz.reports.seed import category_rows, seed_categories

    rows = category_rows()
    assert Category.objects.filter(code__in=[r["code"] for r in rows]).count() == len(rows)
    assert seed_categories() == (0, 0)


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"category_code": "nope"}, "category"),
        ({"description": "<b>x</b>"}, "description"),
        ({"address_text": "<b>x</b>"}, "address_text"),
        ({"lat": 91.0}, "location"),
        ({"lat": 50.5, "lon": 15.0}, "location"),
        ({"occurred_at": timezone.now() + timedelta(days=1)}, "occurred_at"),
        ({"attachment": intake.IncomingAttachment("a.jpg", b"nope")}, "attachment"),
    ],
)
def test_errors_name_the_field_they_are_about(
    served: None, overrides: dict[str, Any], field: str
) -> None:
    """Forms show each message next to its field."""
    with pytest.raises(ValidationFailed) as exc:
        submit(**overrides)
    assert exc.value.field == field


def test_truncated_jpeg_is_refused_after_the_pdf_renderer_was_loaded() -> None:
    """WeasyPrint switches Pillow to accept truncated images when it is imported."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as WeasyPrint's import leaves it
    data = image_bytes("JPEG", (400, 300))
    with pytest.raises(ValidationFailed):
        intake.check_attachment(
            intake.IncomingAttachment(name="x.jpg", data=data[: len(data) // 2])
        )
