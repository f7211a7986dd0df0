"""Photos and PDFs at intake (ADR 0022): pictures are re-encoded without metadata and stored
under a generated name, PDFs with active content are refused, polyglots do not survive, and
a client over its limit costs no decode."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from PIL import Image

from straz.accounts.models import AuditEntry
from straz.core import intake as core_intake
from straz.core.errors import RateLimited, ValidationFailed
from straz.reports import intake
from straz.reports.models import Attachment, Report
from tests.reports.reportkit import IN_A, PDF_BYTES, counts, image_bytes, pdf_bytes, submit

pytestmark = pytest.mark.django_db

SECRET_NAME = "Novakovi-doma-Kralovice-7"
GPS = {1: "N", 2: (49.0, 44.0, 31.5), 3: "E", 4: (13.0, 22.0, 15.25)}


@pytest.fixture
def served(district_a: Any, categories: dict[str, Any], tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def gps_jpeg(size: tuple[int, int] = (40, 20), orientation: int = 1) -> bytes:
    """A JPEG from a phone: GPS position, camera, a description, XMP and a comment."""
    im = Image.new("RGB", size, (10, 120, 200))
    im.paste((250, 250, 0), (0, 0, size[0] // 2, size[1]))  # left half yellow
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Industries"  # Make
    exif[0x0110] = "SpyCam X1"  # Model
    exif[0x010E] = "our house from the garden"  # ImageDescription
    exif[0x0112] = orientation
    exif[0x8825] = GPS  # the GPS IFD
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">home-location</x:xmpmeta>'
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif, comment=b"taken at home", xmp=xmp)
    data = buf.getvalue()
    # The test file really carries what the fix must remove.
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(0x8825), "the test JPEG has no GPS"
    assert b"SpyCam" in data and b"home-location" in data and b"taken at home" in data
    return data


def assert_no_metadata(data: bytes) -> None:
    for marker in (b"Exif", b"SpyCam", b"garden", b"home-location", b"taken at home", b"xmpmeta"):
        assert marker not in data, marker
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
        assert not exif.get_ifd(0x8825) and 0x010F not in exif and 0x010E not in exif
        assert "icc_profile" not in im.info and "exif" not in im.info and "xmp" not in im.info
        assert "comment" not in im.info


def stored_file(served: Path, report_id: int) -> tuple[Attachment, bytes]:
    att = Attachment.objects.get(report_id=report_id)
    return att, (served / att.path).read_bytes()


# ---------------------------------------------------------------- photos


def test_gps_and_camera_exif_is_gone_from_the_stored_and_served_photo(
    served: Path, officer: Any, client_for: Callable[[Any], Client]
) -> None:
    photo = gps_jpeg()
    result = submit(attachment=intake.IncomingAttachment(f"{SECRET_NAME}.jpg", photo))
    att, stored = stored_file(served, result.report_id)
    assert_no_metadata(stored)
    assert stored.endswith(b"\xff\xd9") and att.content_type == "image/jpeg"
    with Image.open(io.BytesIO(stored)) as im:
        assert im.size == (40, 20)
        assert im.getpixel((5, 10))[0] > 200 and im.getpixel((35, 10))[2] > 150  # same picture
    url = f"/staff/reports/{result.report_id}/attachments/{att.pk}/"
    served_response = client_for(officer).get(url)
    assert served_response.status_code == 200
    body = b"".join(served_response.streaming_content)
    assert body == stored
    assert_no_metadata(body)
    assert served_response["X-Content-Type-Options"] == "nosniff"
    assert served_response["Content-Type"] == "image/jpeg"
    disposition = served_response["Content-Disposition"]
    assert att.file_name in disposition and SECRET_NAME not in disposition


def test_the_senders_file_name_is_kept_nowhere(
    served: Path, officer: Any, client_for: Callable[[Any], Client], token_for: Any
) -> None:
    result = submit(attachment=intake.IncomingAttachment(f"{SECRET_NAME}.jpg", gps_jpeg()))
    att = Attachment.objects.get(report_id=result.report_id)
    assert not hasattr(att, "original_name")
    row = json.dumps(list(Attachment.objects.values()), default=str)
    audit = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert SECRET_NAME not in row and SECRET_NAME not in audit
    # uuid4 hex + the extension of the re-encoded format
    stem, ext = att.file_name.split(".")
    assert len(stem) == 32 and int(stem, 16) >= 0 and ext == "jpg"
    client = client_for(officer)
    page = client.get(f"/staff/reports/{result.report_id}/")
    assert page.status_code == 200 and SECRET_NAME not in page.content.decode()
    assert att.file_name in page.content.decode()
    api = Client().get(
        f"/api/v1/staff/reports/{result.report_id}",
        HTTP_AUTHORIZATION=f"Bearer {token_for(officer)}",
    )
    assert api.status_code == 200 and SECRET_NAME not in api.content.decode()
    assert api.json()["attachments"][0]["name"] == att.file_name
    download = Client().get(
        api.json()["attachments"][0]["url"], HTTP_AUTHORIZATION=f"Bearer {token_for(officer)}"
    )
    assert download.status_code == 200
    assert SECRET_NAME not in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"


def test_the_photo_is_turned_upright_by_its_exif_orientation(served: Path) -> None:
    # Orientation 6: the camera was turned; viewers rotate 90° clockwise to show it.
    result = submit(attachment=intake.IncomingAttachment("x.jpg", gps_jpeg(orientation=6)))
    _, stored = stored_file(served, result.report_id)
    with Image.open(io.BytesIO(stored)) as im:
        assert im.size == (20, 40)
        assert 0x0112 not in im.getexif()


def test_png_text_chunks_and_icc_profile_are_dropped(served: Path) -> None:
    from PIL import ImageCms, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 49.7421 13.3712 home")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>home-location</x:xmpmeta>")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    Image.new("RGBA", (16, 16), (0, 0, 255, 128)).save(buf, "PNG", pnginfo=info, icc_profile=icc)
    assert b"home" in buf.getvalue()
    result = submit(attachment=intake.IncomingAttachment("x.png", buf.getvalue()))
    att, stored = stored_file(served, result.report_id)
    assert b"home" not in stored and b"tEXt" not in stored and b"iTXt" not in stored
    assert b"iCCP" not in stored
    with Image.open(io.BytesIO(stored)) as im:
        assert im.format == "PNG" and im.mode == "RGBA"  # transparency survives
        assert im.getpixel((3, 3)) == (0, 0, 255, 128)
    assert att.content_type == "image/png"


@pytest.mark.parametrize(
    "mode,fmt,expected",
    [
        ("RGBA", "WEBP", ("image/png", "RGBA")),
        ("RGB", "WEBP", ("image/jpeg", "RGB")),
        ("CMYK", "JPEG", ("image/jpeg", "RGB")),
        ("L", "PNG", ("image/png", "L")),
        ("I;16", "PNG", ("image/png", "RGB")),
        ("LA", "PNG", ("image/png", "RGBA")),
    ],
)
def test_every_picture_becomes_a_plain_jpeg_or_png(
    mode: str, fmt: str, expected: tuple[str, str]
) -> None:
    buf = io.BytesIO()
    Image.new(mode, (8, 6)).save(buf, fmt)
    checked = intake.check_attachment(intake.IncomingAttachment("x", buf.getvalue()))
    assert checked is not None
    with Image.open(io.BytesIO(checked.data)) as im:
        assert (checked.content_type, im.mode) == expected and im.size == (8, 6)
    assert checked.extension == {"image/png": "png", "image/jpeg": "jpg"}[expected[0]]


def test_a_jpeg_html_polyglot_does_not_survive(served: Path) -> None:
    script = b"<html><body><script>alert(document.cookie)</script></body></html>"
    buf = io.BytesIO()
    Image.new("RGB", (24, 24), (90, 90, 90)).save(buf, "JPEG", comment=script)
    polyglot = buf.getvalue() + script  # in a comment and after the end-of-image marker
    with Image.open(io.BytesIO(polyglot)) as im:
        im.load()  # a valid JPEG for any decoder
    assert polyglot.count(b"<script") == 2
    result = submit(attachment=intake.IncomingAttachment("x.jpg", polyglot))
    _, stored = stored_file(served, result.report_id)
    lowered = stored.lower()
    assert b"<script" not in lowered and b"<html" not in lowered
    # Nothing after the end-of-image marker: the file ends exactly where the image does.
    assert stored.endswith(b"\xff\xd9") and stored.index(b"\xff\xd9", len(stored) - 2) == (
        len(stored) - 2
    )


def test_a_decompression_bomb_is_refused_before_decoding(
    served: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import PngImagePlugin

    settings.STRAZ = {**settings.STRAZ, "MAX_IMAGE_PIXELS": 1_000_000}
    before = counts()
    big = image_bytes("PNG", (1001, 1000))
    loads: list[int] = []
    real_load = PngImagePlugin.PngImageFile.load

    def counting_load(self: Any) -> Any:
        loads.append(1)
        return real_load(self)

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", counting_load)
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        submit(attachment=intake.IncomingAttachment("x.png", big))
    assert loads == []  # refused from the header: no pixel was decoded
    assert exc.value.status == 422 and exc.value.field == "attachment"
    assert "1 megapixels" in exc.value.message
    assert counts() == before
    assert not served.exists() or not any(p.is_file() for p in served.rglob("*"))
    # Exactly at the limit is accepted.
    assert submit(attachment=intake.IncomingAttachment("x.png", image_bytes("PNG", (1000, 1000))))


def test_the_pixel_limit_message_names_the_configured_limit(settings: Any) -> None:
    settings.STRAZ = {**settings.STRAZ, "MAX_IMAGE_PIXELS": 2_500_000}
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        intake.check_attachment(
            intake.IncomingAttachment("x.png", image_bytes("PNG", (2000, 1251)))
        )
    assert "2.5 megapixels" in exc.value.message


# ---------------------------------------------------------------- decode only after the limit


def test_a_rate_limited_request_never_decodes_its_photo(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[str] = []
    real = core_intake.reencode_image

    def counting(data: bytes, content_type: str) -> tuple[str, bytes]:
        decoded.append(content_type)
        return real(data, content_type)

    monkeypatch.setattr(core_intake, "reencode_image", counting)
    submit(client_ip="203.0.113.77", attachment=intake.IncomingAttachment("a.jpg", gps_jpeg()))
    assert decoded == ["image/jpeg"]
    before = counts()
    with pytest.raises(RateLimited):
        submit(
            client_ip="203.0.113.77",
            lat=IN_A[0] + 0.01,
            attachment=intake.IncomingAttachment("b.jpg", gps_jpeg()),
        )
    assert decoded == ["image/jpeg"]  # the limited request decoded nothing
    assert counts() == before
    # The same through the web form and the multipart API.
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = Client(REMOTE_ADDR="203.0.113.77").post(
        "/report/",
        data={
            "category": "illegal-dump",
            "lat": IN_A[0],
            "lon": IN_A[1] + 0.01,
            "attachment": SimpleUploadedFile("c.jpg", gps_jpeg(), "image/jpeg"),
        },
    )
    assert form.status_code == 429 and form["Retry-After"]
    api = Client(REMOTE_ADDR="203.0.113.77").post(
        "/api/v1/reports/multipart",
        data={
            "category": "illegal-dump",
            "lat": IN_A[0],
            "lon": IN_A[1] - 0.01,
            "attachment": SimpleUploadedFile("d.jpg", gps_jpeg(), "image/jpeg"),
        },
    )
    assert api.status_code == 429 and api["Retry-After"]
    assert decoded == ["image/jpeg"]
    assert counts() == before


def test_an_idempotent_retry_decodes_nothing_and_replays(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = submit(
        client_ip="203.0.113.78",
        idempotency_key="k-1",
        attachment=intake.IncomingAttachment("a.jpg", gps_jpeg()),
    )
    calls: list[int] = []
    monkeypatch.setattr(core_intake, "reencode_image", lambda *a: calls.append(1) or ("", b""))
    again = submit(
        client_ip="203.0.113.78",
        idempotency_key="k-1",
        attachment=intake.IncomingAttachment("a.jpg", gps_jpeg()),
    )
    assert again.replayed and again.report_id == first.report_id and calls == []
    assert Report.objects.count() == 1


# ---------------------------------------------------------------- PDFs


def _action(kind: str, **entries: Any) -> Any:
    from pypdf.generic import DictionaryObject, NameObject

    action = DictionaryObject({NameObject("/Type"): NameObject("/Action")})
    action[NameObject("/S")] = NameObject(kind)
    action.update({NameObject("/" + k): v for k, v in entries.items()})
    return action


def _js_open_action() -> dict[str, Any]:
    from pypdf.generic import TextStringObject

    return {"/OpenAction": _action("/JavaScript", JS=TextStringObject("app.alert(1)"))}


def _launch_open_action() -> dict[str, Any]:
    from pypdf.generic import TextStringObject

    return {"/OpenAction": _action("/Launch", F=TextStringObject("cmd.exe"))}


def _additional_actions() -> dict[str, Any]:
    from pypdf.generic import DictionaryObject, NameObject

    return {"/AA": DictionaryObject({NameObject("/WC"): _action("/GoTo")})}


def _embedded_file() -> dict[str, Any]:
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    names = DictionaryObject(
        {
            NameObject("/EmbeddedFiles"): DictionaryObject(
                {NameObject("/Names"): ArrayObject([TextStringObject("a.exe")])}
            )
        }
    )
    return {"/Names": names}


ACTIVE_PDFS = {
    "javascript-open-action": _js_open_action,
    "launch-open-action": _launch_open_action,
    "additional-actions": _additional_actions,
    "embedded-files": _embedded_file,
}


@pytest.mark.parametrize("case", sorted(ACTIVE_PDFS))
def test_pdfs_with_active_content_are_refused(served: Path, case: str) -> None:
    from pypdf.generic import NameObject

    extra = {NameObject(k): v for k, v in ACTIVE_PDFS[case]().items()}
    data = pdf_bytes(extra)
    before = counts()
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        submit(attachment=intake.IncomingAttachment("doc.pdf", data))
    assert exc.value.status == 422 and exc.value.field == "attachment"
    assert "scripts, embedded files or automatic actions" in exc.value.message
    assert counts() == before


def test_a_javascript_key_hidden_by_name_escapes_is_found() -> None:
    # /J#53 is the name /JS written with a hex escape; a byte search for "/JS" misses it.
    data = pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /J#53 (app.alert\\(1\\))", 1)
    assert b"/Type /Catalog /J#53" in data and b"/JS" not in data
    with pytest.raises(ValidationFailed):
        intake.check_attachment(intake.IncomingAttachment("doc.pdf", data))


def test_a_pdf_with_a_web_link_is_accepted_as_sent(served: Path) -> None:
    from pypdf.generic import NameObject, TextStringObject

    data = pdf_bytes(
        {NameObject("/OpenAction"): _action("/URI", URI=TextStringObject("https://example.org"))}
    )
    result = submit(attachment=intake.IncomingAttachment("doc.pdf", data))
    att, stored = stored_file(served, result.report_id)
    assert stored == data and att.content_type == "application/pdf"


def test_a_pdf_pypdf_cannot_read_is_refused() -> None:
    broken = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        intake.check_attachment(intake.IncomingAttachment("doc.pdf", broken))
    assert "could not be read" in exc.value.message


def test_a_pdf_is_served_as_a_download_with_its_sniffed_type(
    served: Path, officer: Any, client_for: Callable[[Any], Client]
) -> None:
    result = submit(attachment=intake.IncomingAttachment(f"{SECRET_NAME}.jpg", PDF_BYTES))
    att = Attachment.objects.get(report_id=result.report_id)
    response = client_for(officer).get(f"/staff/reports/{result.report_id}/attachments/{att.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert att.file_name in response["Content-Disposition"]
    assert SECRET_NAME not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_old_file_is_served_by_what_its_bytes_are_not_by_its_row(
    served: Path, officer: Any, client_for: Callable[[Any], Client]
) -> None:
    """A row from before re-encoding that claims a picture but holds HTML is a plain download."""
    result = submit(attachment=intake.IncomingAttachment("a.png", image_bytes("PNG")))
    att = Attachment.objects.get(report_id=result.report_id)
    (served / att.path).write_bytes(b"<html><script>alert(1)</script></html>")
    response = client_for(officer).get(f"/staff/reports/{result.report_id}/attachments/{att.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
