"""Bad input gets a clear 4xx in the user's language and changes nothing.

Every case checks three things: the status is a 4xx (not a 5xx, not a 2xx), the answer
carries a human message, and nothing was stored — row counts of every table the intake
and workflow write, the audit log, and the files under MEDIA_ROOT are as before.
A valid request through the same door is the control: it does change the counts.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tests.reports.reportkit import PDF_BYTES

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(__file__).resolve().parents[1] / "src" / "straz" / "locale"
A_LAT, A_LON = 49.7401, 13.3701  # inside district A
MB = 1024 * 1024


# ------------------------------------------------------------------ helpers


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buf, "JPEG")
    return buf.getvalue()


MINIMAL_PDF = PDF_BYTES  # a well-formed one-page PDF


@pytest.fixture
def world(
    settings: Any, tmp_path: Path, district_a: Any, district_b: Any, officer: Any, categories: Any
) -> Path:
    """Districts, categories, an officer; uploads go to a private MEDIA_ROOT (returned)."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.STRAZ = {**settings.STRAZ, "REPORTS_PER_IP_PER_DAY": 1000}
    return media


def snapshot(media: Path) -> dict[str, Any]:
    """Row counts of everything a request could write, and the uploaded files."""
    from straz.accounts.models import AuditEntry
    from straz.reports.models import (
        Attachment,
        IdempotencyRecord,
        InternalNote,
        MapCell,
        Report,
        ReportEvent,
    )
    from straz.territory.models import Area

    state: dict[str, Any] = {
        m.__name__: m.objects.count()
        for m in (
            Report,
            ReportEvent,
            InternalNote,
            Attachment,
            IdempotencyRecord,
            MapCell,
            AuditEntry,
            Area,
        )
    }
    state["statuses"] = sorted(Report.objects.values_list("id", "status"))
    state["files"] = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())
    return state


def message_of(resp: Any) -> str:
    """The human message of an error answer (JSON `detail` or the page's error text)."""
    content_type = resp.get("Content-Type", "")
    if "json" in content_type:
        data = json.loads(resp.content)
        if isinstance(data, list):  # Open311: [{"code": 400, "description": "…"}]
            texts = [e.get("description") for e in data if isinstance(e, dict)]
            assert texts and all(isinstance(t, str) for t in texts), (
                f"no error description: {data!r}"
            )
            return " ".join(texts)
        detail = data.get("detail") if isinstance(data, dict) else None
        assert isinstance(detail, str), f"error body has no message string: {data!r}"
        return detail
    text = resp.content.decode("utf-8", errors="replace")
    assert "Traceback" not in text
    if "xml" in content_type:
        descriptions = re.findall(r"<description>(.*?)</description>", text, re.S)
        assert descriptions, f"no <description> in the XML error: {text[:300]}"
        return " ".join(descriptions)
    found = re.findall(r'class="[^"]*(?:errorlist|error|alert)[^"]*"[^>]*>(.*?)</', text, re.S)
    messages = [re.sub(r"<[^>]+>", " ", m).strip() for m in found]
    messages = [m for m in messages if m]
    assert messages, "the page shows no error message"
    return " ".join(messages)


def assert_refused(resp: Any, statuses: tuple[int, ...] = ()) -> str:
    """A 4xx (one of `statuses` when given) with a non-empty message; returns it."""
    assert 400 <= resp.status_code < 500, (
        f"expected 4xx, got {resp.status_code}: {resp.content[:300]!r}"
    )
    if statuses:
        assert resp.status_code in statuses, (
            f"expected {statuses}, got {resp.status_code}: {resp.content[:300]!r}"
        )
    msg = message_of(resp)
    assert len(msg.strip()) >= 5, f"message too short: {msg!r}"
    assert "Traceback" not in msg and "pydantic" not in msg.lower()
    return msg


def post_json(
    body: Any, *, raw: bytes | None = None, ip: str = "203.0.113.5", **headers: str
) -> Any:
    data = raw if raw is not None else json.dumps(body).encode()
    return Client(REMOTE_ADDR=ip).post(
        "/api/v1/reports", data=data, content_type="application/json", **headers
    )


def post_multipart(
    fields: dict[str, Any], files: dict[str, tuple[str, bytes, str]] | None = None
) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = dict(fields)
    for key, (name, content, ctype) in (files or {}).items():
        data[key] = SimpleUploadedFile(name, content, content_type=ctype)
    return Client(REMOTE_ADDR="203.0.113.6").post("/api/v1/reports/multipart", data=data)


GOOD = {"category": "illegal-dump", "lat": A_LAT, "lon": A_LON, "description": "Pneumatiky u lesa."}


# ------------------------------------------------------------------ control


def test_valid_report_is_stored(world: Path) -> None:
    """The control: the counting below sees a real write."""
    before = snapshot(world)
    resp = post_json(GOOD)
    assert resp.status_code == 201, resp.content
    after = snapshot(world)
    assert after["Report"] == before["Report"] + 1
    assert after["AuditEntry"] > before["AuditEntry"]
    resp = post_multipart(
        {**GOOD, "lat": A_LAT + 0.003}, {"attachment": ("a.png", _png(), "image/png")}
    )
    assert resp.status_code == 201, resp.content
    assert len(snapshot(world)["files"]) == len(before["files"]) + 1


# ------------------------------------------------------------------ JSON API


BAD_JSON_BODIES = {
    "lat-too-high": {**GOOD, "lat": 91},
    "lat-too-low": {**GOOD, "lat": -90.5},
    "lon-out-of-range": {**GOOD, "lon": 181},
    "lat-not-a-number": {**GOOD, "lat": "north"},
    "lat-only": {"category": "illegal-dump", "lat": A_LAT},
    "no-place": {"category": "illegal-dump"},
    "missing-category": {"lat": A_LAT, "lon": A_LON},
    "unknown-category": {**GOOD, "category": "no-such-category"},
    "empty-category": {**GOOD, "category": ""},
    "outside-every-district": {**GOOD, "lat": 50.08, "lon": 14.42},
    "description-too-long": {**GOOD, "description": "x" * 501},
    "script-tag": {**GOOD, "description": "<script>alert(1)</script>"},
    "img-onerror": {**GOOD, "description": 'Hi <img src=x onerror="alert(1)">'},
    "javascript-url": {**GOOD, "description": "javascript:alert(1)"},
    "future-event": {**GOOD, "occurred_at": "2999-01-01T10:00:00+00:00"},
    "bad-date": {**GOOD, "occurred_at": "yesterday evening"},
    "unknown-field": {**GOOD, "reporter_name": "Jan Novák"},
    "unknown-field-is_public": {**GOOD, "is_public": False},
    "category-as-object": {**GOOD, "category": {"code": "illegal-dump"}},
    "description-not-text": {**GOOD, "description": ["a", "b"]},
}


@pytest.mark.parametrize("case", sorted(BAD_JSON_BODIES))
def test_api_refuses_bad_report(world: Path, case: str) -> None:
    before = snapshot(world)
    assert_refused(post_json(BAD_JSON_BODIES[case]), (400, 404, 409, 413, 422))
    assert snapshot(world) == before


BAD_RAW_BODIES = {
    "invalid-json": b'{"category": "illegal-dump", "lat": 49.74,',
    "nan": b'{"category": "illegal-dump", "lat": NaN, "lon": 13.37}',
    "infinity": b'{"category": "illegal-dump", "lat": 49.7, "lon": Infinity}',
    "array": b"[1, 2, 3]",
    "string": b'"hello"',
    "empty": b"",
    "not-utf8": b'{"category": "illegal-dump", "description": "\xff", "lat": 49.7, "lon": 13.3}',
    "huge-number": b'{"category": "illegal-dump", "lat": 1e400, "lon": 13.37}',
}


@pytest.mark.parametrize("case", sorted(BAD_RAW_BODIES))
def test_api_refuses_malformed_json(world: Path, case: str) -> None:
    before = snapshot(world)
    assert_refused(post_json(None, raw=BAD_RAW_BODIES[case]), (400, 422))
    assert snapshot(world) == before


def test_api_refuses_wrong_content_type(world: Path) -> None:
    before = snapshot(world)
    resp = Client(REMOTE_ADDR="203.0.113.7").post(
        "/api/v1/reports",
        data="category=illegal-dump&lat=49.74&lon=13.37",
        content_type="text/plain",
    )
    assert_refused(resp)
    assert snapshot(world) == before


def test_ten_megabyte_body_is_refused_with_413(world: Path) -> None:
    before = snapshot(world)
    body = (
        b'{"category": "illegal-dump", "lat": 49.74, "lon": 13.37, "description": "'
        + b"x" * (10 * MB)
        + b'"}'
    )
    assert_refused(post_json(None, raw=body), (413,))
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = Client(REMOTE_ADDR="203.0.113.8").post(
        "/api/v1/reports/multipart",
        data={
            **GOOD,
            "attachment": SimpleUploadedFile(
                "big.jpg", b"\xff\xd8\xff" + b"0" * (10 * MB), "image/jpeg"
            ),
        },
    )
    assert_refused(resp, (413,))
    assert snapshot(world) == before


def test_idempotency_key_must_be_printable(world: Path) -> None:
    before = snapshot(world)
    assert_refused(post_json(GOOD, HTTP_IDEMPOTENCY_KEY="x" * 201), (400, 422))
    assert_refused(post_json(GOOD, HTTP_IDEMPOTENCY_KEY="a b"), (400, 422))
    assert snapshot(world) == before


# ------------------------------------------------------------------ attachments

DISGUISED = {
    "html-named-jpg": (
        "photo.jpg",
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "image/jpeg",
    ),
    "svg-named-png": (
        "photo.png",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(2)</script></svg>",
        "image/png",
    ),
    "png-header-then-junk": ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00junk" * 200, "image/png"),
    "jpeg-header-then-junk": ("photo.jpg", b"\xff\xd8\xff\xe0" + b"junk" * 300, "image/jpeg"),
    "truncated-png": ("photo.png", _png()[:40], "image/png"),
    "pdf-header-then-junk": ("doc.pdf", b"%PDF-1.7\n" + b"junk" * 300, "application/pdf"),
    "exe-named-jpg": ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 500, "image/jpeg"),
    "zip-named-pdf": ("doc.pdf", b"PK\x03\x04" + b"\x00" * 500, "application/pdf"),
    "empty-file": ("photo.jpg", b"", "image/jpeg"),
    "oversized": ("photo.jpg", _jpeg() + b"\x00" * (5 * MB), "image/jpeg"),
}


@pytest.mark.parametrize("case", sorted(DISGUISED))
def test_api_refuses_bad_attachment(world: Path, case: str) -> None:
    before = snapshot(world)
    resp = post_multipart(GOOD, {"attachment": DISGUISED[case]})
    assert_refused(resp, (413,) if case == "oversized" else (400, 413, 415, 422))
    assert snapshot(world) == before


@pytest.mark.parametrize("case", ["html-named-jpg", "png-header-then-junk", "oversized"])
def test_web_form_refuses_bad_attachment(world: Path, case: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    name, content, ctype = DISGUISED[case]
    before = snapshot(world)
    resp = Client(REMOTE_ADDR="203.0.113.9").post(
        "/report/",
        data={
            "category": "illegal-dump",
            "lat": A_LAT,
            "lon": A_LON,
            "description": "x",
            "attachment": SimpleUploadedFile(name, content, ctype),
        },
    )
    assert_refused(resp)
    assert snapshot(world) == before


def test_web_form_refuses_markup_and_bad_place(world: Path) -> None:
    before = snapshot(world)
    client = Client(REMOTE_ADDR="203.0.113.10")
    for data in (
        {
            "category": "illegal-dump",
            "lat": A_LAT,
            "lon": A_LON,
            "description": "<script>alert(1)</script>",
        },
        {"category": "illegal-dump", "lat": 95, "lon": A_LON},
        {"category": "no-such-category", "lat": A_LAT, "lon": A_LON},
        {"category": "illegal-dump", "lat": 50.08, "lon": 14.42},
    ):
        resp = client.post("/report/", data=data)
        assert_refused(resp)
        # The page escapes what it echoes back.
        assert b"<script>alert(1)</script>" not in resp.content
    assert snapshot(world) == before


def test_pdf_named_jpg_is_stored_as_pdf(world: Path) -> None:
    """The type comes from the content: a real PDF called .jpg is kept as a PDF, not an image."""
    from straz.reports.models import Attachment

    resp = post_multipart(GOOD, {"attachment": ("photo.jpg", MINIMAL_PDF, "image/jpeg")})
    if resp.status_code == 201:
        att = Attachment.objects.get(report_id=resp.json()["id"])
        assert att.content_type == "application/pdf"
        assert not att.path.endswith(".jpg")
    else:
        assert_refused(resp, (415, 422))


# ------------------------------------------------------------------ Open311

OPEN311_GOOD = {
    "service_code": "illegal-dump",
    "lat": str(A_LAT),
    "long": str(A_LON),
    "description": "x",
}
BAD_OPEN311 = {
    "no-service-code": {k: v for k, v in OPEN311_GOOD.items() if k != "service_code"},
    "unknown-service-code": {**OPEN311_GOOD, "service_code": "no-such-service"},
    "lat-out-of-range": {**OPEN311_GOOD, "lat": "123.4"},
    "lat-not-a-number": {**OPEN311_GOOD, "lat": "north"},
    "lat-only": {k: v for k, v in OPEN311_GOOD.items() if k != "long"},
    "no-location": {"service_code": "illegal-dump"},
    "outside-every-district": {**OPEN311_GOOD, "lat": "50.08", "long": "14.42"},
    "script-tag": {**OPEN311_GOOD, "description": "<script>alert(1)</script>"},
    "description-too-long": {**OPEN311_GOOD, "description": "x" * 501},
    "unknown-attribute": {**OPEN311_GOOD, "attribute[colour]": "red"},
    "bad-api-key": {**OPEN311_GOOD, "api_key": "straz_not-a-key"},
}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_post_is_checked_like_the_api(world: Path, fmt: str) -> None:
    client = Client(REMOTE_ADDR="203.0.113.12")
    for case, data in sorted(BAD_OPEN311.items()):
        before = snapshot(world)
        resp = client.post(f"/open311/v2/requests.{fmt}", data=data)
        try:
            assert_refused(resp, (400, 403, 404, 413, 422))
        except AssertionError as exc:
            raise AssertionError(f"{case}: {exc}") from None
        assert snapshot(world) == before, case
    # The control: a good request is stored.
    before = snapshot(world)
    resp = client.post(f"/open311/v2/requests.{fmt}", data=OPEN311_GOOD)
    assert resp.status_code in (200, 201), resp.content
    assert snapshot(world)["Report"] == before["Report"] + 1


# ------------------------------------------------------------------ other public endpoints

BAD_QUERIES = [
    "/api/v1/map?bbox=abc&zoom=10",
    "/api/v1/map?bbox=13.3,49.7,13.4&zoom=10",
    "/api/v1/map?bbox=13.4,49.7,13.3,49.8&zoom=10",
    "/api/v1/map?bbox=13.3,-95,13.4,49.8&zoom=10",
    "/api/v1/map?bbox=13.3,49.7,13.4,49.8&zoom=99",
    "/api/v1/map?bbox=13.3,49.7,13.4,49.8&zoom=-1",
    "/api/v1/map?bbox=13.3,49.7,13.4,49.8",
    "/api/v1/map?zoom=10",
    "/api/v1/map?bbox=13.3,49.7,13.4,49.8&zoom=10&category=no-such-category",
    "/api/v1/map?bbox=13.3,49.7,13.4,49.8&zoom=10&status=bogus",
    "/api/v1/map?bbox=nan,49.7,13.4,49.8&zoom=10",
    "/api/v1/districts/lookup?lat=999&lon=13.37",
    "/api/v1/districts/lookup?lat=abc&lon=13.37",
    "/api/v1/districts/lookup?lat=49.74",
    "/api/v1/addresses",
    "/api/v1/addresses?q=Americka&limit=abc",
    "/api/v1/addresses?q=Americka&limit=0",
    "/api/v1/reports/0",
    "/api/v1/reports/abc",
    "/api/v1/reports/99999999999999999999999",
]


@pytest.mark.parametrize("url", BAD_QUERIES)
def test_public_endpoints_refuse_bad_queries(world: Path, url: str) -> None:
    before = snapshot(world)
    assert_refused(Client().get(url), (400, 404, 422))
    assert snapshot(world) == before


# ------------------------------------------------------------------ staff workflow


def test_staff_transition_refuses_bad_input(world: Path, officer: Any, token_for: Any) -> None:
    resp = post_json(GOOD)
    assert resp.status_code == 201
    report_id = resp.json()["id"]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(officer)}")
    url = f"/api/v1/staff/reports/{report_id}/transition"
    before = snapshot(world)
    for body, statuses in [
        ({"status": "bogus"}, (400, 422)),
        ({"status": "confirmed"}, (409,)),  # new → confirmed skips verification
        ({"status": "eliminated"}, (409,)),
        ({"status": "verification", "note": "<script>x</script>"}, (400, 422)),
        ({"status": "verification", "public_note": "y" * 501}, (400, 422)),
        ({"status": "verification", "extra": 1}, (400, 422)),
        ({}, (400, 422)),
    ]:
        resp = client.post(url, data=json.dumps(body), content_type="application/json")
        assert_refused(resp, statuses)
        assert snapshot(world) == before, body
    resp = client.post(
        f"/api/v1/staff/reports/{report_id}/notes",
        data=json.dumps({"text": ""}),
        content_type="application/json",
    )
    assert_refused(resp, (400, 422))
    assert snapshot(world) == before


# ------------------------------------------------------------------ import of areas


BROKEN_GEOJSON = {
    "not-json": "this is not json {",
    "empty": "",
    "not-geojson": json.dumps({"hello": "world"}),
    "point-not-polygon": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "X1", "name": "X"},
                    "geometry": {"type": "Point", "coordinates": [13.4, 49.7]},
                }
            ],
        }
    ),
    "unclosed-ring": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "X2", "name": "X"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[13.0, 49.0], [13.1, 49.0], [13.1, 49.1]]],
                    },
                }
            ],
        }
    ),
    "bow-tie": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "X3", "name": "X"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [
                            [[13.0, 49.0], [13.1, 49.1], [13.1, 49.0], [13.0, 49.1], [13.0, 49.0]]
                        ],
                    },
                }
            ],
        }
    ),
    "lon-out-of-range": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "X4", "name": "X"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [
                            [[200.0, 49.0], [201.0, 49.0], [201.0, 50.0], [200.0, 49.0]]
                        ],
                    },
                }
            ],
        }
    ),
    "missing-code": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "X"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[13.0, 49.0], [13.1, 49.0], [13.1, 49.1], [13.0, 49.0]]],
                    },
                }
            ],
        }
    ),
    # One good feature followed by a broken one: all or nothing, so not even the first.
    "good-then-bad": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "OK1", "name": "Good"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[13.0, 49.0], [13.1, 49.0], [13.1, 49.1], [13.0, 49.0]]],
                    },
                },
                {
                    "type": "Feature",
                    "properties": {"code": "BAD", "name": "Bad"},
                    "geometry": {"type": "Polygon", "coordinates": [[["a", "b"], [13.1, 49.0]]]},
                },
            ],
        }
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_GEOJSON))
def test_import_areas_refuses_broken_geojson(world: Path, tmp_path: Path, case: str) -> None:
    from straz.territory.models import Area

    path = tmp_path / f"{case}.geojson"
    path.write_text(BROKEN_GEOJSON[case])
    before = snapshot(world)
    codes = set(Area.objects.values_list("code", flat=True))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command(
            "import_areas",
            str(path),
            "--kind",
            "police-district",
            "--code-field",
            "code",
            "--name-field",
            "name",
            stdout=out,
            stderr=err,
        )
    assert str(info.value).strip(), "the command gives no reason"
    assert snapshot(world) == before
    assert set(Area.objects.values_list("code", flat=True)) == codes


def test_import_areas_control(world: Path, tmp_path: Path) -> None:
    """The control: a good file does import."""
    from straz.territory.models import Area

    good = json.loads(BROKEN_GEOJSON["good-then-bad"])
    good["features"] = good["features"][:1]
    path = tmp_path / "good.geojson"
    path.write_text(json.dumps(good))
    call_command(
        "import_areas",
        str(path),
        "--kind",
        "police-district",
        "--code-field",
        "code",
        "--name-field",
        "name",
        stdout=io.StringIO(),
    )
    assert Area.objects.filter(code="OK1").exists()


# ------------------------------------------------------------------ language


def _catalogue(lang: str) -> bool:
    return (LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo").exists()


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_errors_follow_the_users_language(world: Path, lang: str) -> None:
    """Czech by default; Accept-Language: pl / en switches the message language."""
    if not (_catalogue("cs") and (lang == "en" or _catalogue(lang))):
        pytest.fail(f"no compiled message catalogue for cs/{lang}: the .mo files are part of the product")
    bodies = [
        BAD_JSON_BODIES["lat-too-high"],
        BAD_JSON_BODIES["unknown-category"],
        BAD_JSON_BODIES["script-tag"],
    ]
    for body in bodies:
        czech = assert_refused(post_json(body))
        other = assert_refused(post_json(body, HTTP_ACCEPT_LANGUAGE=lang))
        assert czech != other, f"the same message in cs and {lang}: {czech!r}"
        explicit = assert_refused(post_json(body, HTTP_ACCEPT_LANGUAGE="cs"))
        assert explicit == czech
    # The report form speaks the visitor's language too.
    form = {"category": "illegal-dump", "lat": 95, "lon": A_LON, "description": "<b>x</b>"}
    czech_page = message_of(Client(REMOTE_ADDR="203.0.113.11").post("/report/", data=form))
    other_page = message_of(
        Client(REMOTE_ADDR="203.0.113.11").post("/report/", data=form, HTTP_ACCEPT_LANGUAGE=lang)
    )
    assert czech_page != other_page, f"the form's errors ignore Accept-Language: {lang}"
    # The 413 guard runs before Django reads the body; it must speak the language too.
    big = b"x" * (10 * MB)
    czech = assert_refused(post_json(None, raw=big), (413,))
    other = assert_refused(post_json(None, raw=big, HTTP_ACCEPT_LANGUAGE=lang), (413,))
    assert czech != other, f"the 413 answer ignores Accept-Language: {lang}: {other!r}"


# ------------------------------------------------------------------ NUL bytes

# PostgreSQL refuses NUL in text; SQLite takes it. Either way a NUL is bad input, never a 500.
NUL_GETS = [
    "/api/v1/staff/reports?district=a%00b",
    "/api/v1/staff/reports?category=a%00b",
    "/api/v1/staff/reports?status=new%00",
    "/api/v1/map?bbox=13.3,49.7,13.4,49.8&zoom=10&category=a%00b",
    "/api/v1/map?bbox=13.3,49.7,13.4,49.8&zoom=10&status=new%00",
    "/api/v1/map?bbox=13.3,49.7,13.4,49.8&zoom=10&layer=police%00",
    "/api/v1/statistics?district=a%00b",
    "/api/v1/statistics?category=a%00b",
    "/api/v1/places?q=a%00b",
    "/api/v1/addresses?q=a%00b%2042",
    "/api/v1/categories?lang=cs%00",
    "/statistics/?district=a%00b",
    "/statistics/reports.csv?category=a%00b",
    "/open311/v2/requests.json?service_code=a%00b",
    "/open311/v2/requests.xml?status=open%00",
    "/open311/v2/services/a%00b.json",
    "/open311/v2/requests/1%00.json",
    "/districts/?q=a%00b",
    "/staff/?district=a%00b",
    "/staff/?category=a%00b",
    "/report/?category=a%00b",
    "/?category=a%00b",
]


def test_nul_bytes_never_cause_server_errors(world: Path, admin_user: Any, token_for: Any) -> None:
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {token_for(admin_user)}", raise_request_exception=False
    )
    client.force_login(admin_user)
    before = snapshot(world)
    errors = [
        f"GET {u}: {r.status_code}" for u in NUL_GETS if (r := client.get(u)).status_code >= 500
    ]
    posts = [
        ("/api/v1/reports", {**GOOD, "category": "illegal\u0000dump"}),
        ("/api/v1/reports", {**GOOD, "description": "a\u0000b", "address": "x\u0000"}),
    ]
    for url, body in posts:
        resp = client.post(url, data=json.dumps(body), content_type="application/json")
        if resp.status_code >= 500:
            errors.append(f"POST {url} {body}: {resp.status_code}")
    for data in (
        {**OPEN311_GOOD, "service_code": "illegal\u0000dump"},
        {**OPEN311_GOOD, "description": "a\u0000"},
    ):
        resp = client.post("/open311/v2/requests.json", data=data)
        if resp.status_code >= 500:
            errors.append(f"POST open311 {data}: {resp.status_code}")
    resp = Client(raise_request_exception=False).post(
        "/login/", data={"username": "ad\u0000min", "password": "x"}
    )
    if resp.status_code >= 500:
        errors.append(f"POST /login/: {resp.status_code}")
    assert not errors, "\n".join(errors)
    # Whatever was accepted had its NUL removed; refused requests stored nothing.
    from straz.reports.models import Report

    stored = Report.objects.exclude(pk__in=[pk for pk, _ in before["statuses"]])
    assert not [r.pk for r in stored if "\x00" in r.description + r.address_text]
