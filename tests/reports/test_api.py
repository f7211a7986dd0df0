"""The threat-map JSON API: categories, citizen reports, public view, staff workflow, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from straz.reports.models import Attachment, Report
from tests.reports.reportkit import IN_A, IN_B, PDF_BYTES, counts, image_bytes

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"


@pytest.fixture
def served(
    district_a: Any, district_b: Any, categories: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def post_json(client: Client, body: Any, **headers: Any) -> Any:
    return client.post(REPORTS, data=json.dumps(body), content_type="application/json", **headers)


def ok_body(**extra: Any) -> dict[str, Any]:
    return {"category": "illegal-dump", "lat": IN_A[0], "lon": IN_A[1], **extra}


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# ---------------------------------------------------------------- categories


def test_categories_in_the_requested_language(served: None, citizen: Client) -> None:
    cs = {c["code"]: c for c in citizen.get("/api/v1/categories").json()}
    assert cs["illegal-dump"]["name"] == "Černá skládka"
    assert cs["dangerous-venue"]["public_only_when_confirmed"] is True
    assert cs["drug-use"]["public_location_approximated"] is True
    pl = {c["code"]: c["name"] for c in citizen.get("/api/v1/categories?lang=pl").json()}
    assert pl["illegal-dump"] == "Dzikie wysypisko śmieci"
    en = {
        c["code"]: c["name"]
        for c in citizen.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE="en").json()
    }
    assert en["illegal-dump"] == "Illegal dump"
    assert citizen.get("/api/v1/categories?lang=xx").status_code == 422


def test_shipped_catalogue_has_the_kmzb_list_and_czech_set(citizen: Client, settings: Any) -> None:
    # One catalogue is offered per deployment (STRAZ_CATEGORY_CATALOGUE): the Polish one here.
    settings.STRAZ = {**settings.STRAZ, "CATEGORY_CATALOGUE": "kmzb"}
    data = citizen.get("/api/v1/categories?lang=pl").json()
    kmzb = {c["name"].lower() for c in data if c["catalogue"] == "kmzb"}
    # Polish names exactly as KMZB lists them (spec/threat-map.md), first letter capitalised.
    for name in (
        "nieprawidłowe parkowanie",
        "przekraczanie dozwolonej prędkości",
        "dzikie wysypiska śmieci",
        "miejsce niebezpiecznej działalności rozrywkowej",
        "osoba bezdomna wymagająca pomocy",
        "grupowanie się małoletnich zagrożonych demoralizacją",
        "nielegalna wycinka drzew",
    ):
        assert name in kmzb
    by_code = {c["code"]: c for c in data}
    assert by_code["kmzb-dangerous-entertainment-venue"]["public_only_when_confirmed"]
    for code in (
        "kmzb-drug-use",
        "kmzb-homeless-needing-help",
        "kmzb-minors-at-risk",
    ):
        assert by_code[code]["public_location_approximated"], code
    settings.STRAZ = {**settings.STRAZ, "CATEGORY_CATALOGUE": "cz"}
    cs_data = citizen.get("/api/v1/categories?lang=cs").json()
    assert {c["code"]: c for c in cs_data}["cz-homeless-needing-help"][
        "public_location_approximated"
    ]
    cs = {c["code"]: c["name"] for c in cs_data}
    assert (
        cs["cz-illegal-dump"] == "Černá skládka" and cs["cz-night-noise"] == "Rušení nočního klidu"
    )


# ---------------------------------------------------------------- citizen reports


def test_report_is_created_and_shown_publicly_without_police_only_fields(
    served: None, citizen: Client
) -> None:
    res = post_json(
        citizen, ok_body(description="Tajný popis pro policii", occurred_at="2020-01-01T00:00:00Z")
    )
    assert res.status_code == 422  # more than a year ago
    res = post_json(citizen, ok_body(description="Tajný popis pro policii"))
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["status"] == "new" and body["district"] == {"code": "PD-A", "name": "Obvod A"}
    assert body["public_url"] == f"/r/{body['id']}/"
    public = citizen.get(f"{REPORTS}/{body['id']}")
    assert public.status_code == 200
    data = public.json()
    assert data["category"]["code"] == "illegal-dump" and data["district"]["code"] == "PD-A"
    assert data["location"] == {"lat": IN_A[0], "lon": IN_A[1], "approximate": False}
    assert [h["status"] for h in data["history"]] == ["new"]
    text = public.content.decode()
    assert "Tajný popis" not in text and "198.51.100.23" not in text


def test_approximated_report_never_shows_the_exact_point(served: None, citizen: Client) -> None:
    res = post_json(citizen, {"category": "drug-use", "lat": 49.7412345, "lon": 13.3723456})
    data = citizen.get(f"{REPORTS}/{res.json()['id']}").json()
    assert data["location"]["approximate"] is True
    assert (data["location"]["lat"], data["location"]["lon"]) != (49.7412345, 13.3723456)
    assert "49.7412345" not in json.dumps(data)


def test_non_public_report_is_404(served: None, citizen: Client) -> None:
    res = post_json(citizen, {"category": "dangerous-venue", "lat": IN_A[0], "lon": IN_A[1]})
    assert res.status_code == 201
    missing = citizen.get(f"{REPORTS}/{res.json()['id']}")
    assert missing.status_code == 404 and isinstance(missing.json()["detail"], str)
    for bad in ("0", "-1", "99999999999999999999999", "abc"):
        r = citizen.get(f"{REPORTS}/{bad}")
        assert r.status_code in (404, 422) and isinstance(r.json()["detail"], str), bad


BAD_BODIES = [
    ({"category": "nope", "lat": IN_A[0], "lon": IN_A[1]}, "nope"),
    (ok_body(lat=91), "90"),
    (ok_body(lon=-181), "180"),
    (ok_body(lat="north"), "latitude"),
    (ok_body(description="<script>alert(1)</script>"), "HTML"),
    (ok_body(description="x" * 501), "500"),
    (ok_body(extra="field"), "extra"),
    (ok_body(occurred_at="yesterday"), "2026"),
    ({"lat": IN_A[0], "lon": IN_A[1]}, "category"),
    ({"category": "illegal-dump", "lat": 50.5, "lon": 15.0}, "outside"),
    ({"category": "illegal-dump"}, "map"),
    ([1, 2, 3], "JSON"),
    ("just a string", "JSON"),
]


@pytest.mark.parametrize("body,fragment", BAD_BODIES)
def test_bad_bodies_get_a_clear_422_and_store_nothing(
    served: None, citizen: Client, body: Any, fragment: str
) -> None:
    before = counts()
    res = post_json(citizen, body, HTTP_ACCEPT_LANGUAGE="en")
    assert res.status_code == 422, res.content
    detail = res.json()["detail"]
    assert isinstance(detail, str) and fragment in detail
    assert counts() == before


def test_malformed_json_is_refused(served: None, citizen: Client) -> None:
    before = counts()
    res = citizen.post(
        REPORTS, data=b'{"category": "illegal-dump", ', content_type="application/json"
    )
    assert res.status_code in (400, 422) and isinstance(res.json()["detail"], str)
    assert counts() == before


def test_rate_limit_answers_429_with_retry_after(served: None, citizen: Client) -> None:
    assert post_json(citizen, ok_body()).status_code == 201
    res = post_json(citizen, ok_body(lat=49.725, lon=13.355), HTTP_ACCEPT_LANGUAGE="en")
    assert res.status_code == 429
    assert int(res["Retry-After"]) > 0 and "one report a day" in res.json()["detail"]


def test_trusted_proxy_header_is_used_only_when_configured(served: None, settings: Any) -> None:
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    assert post_json(proxy, ok_body(), HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 201
    # Without trusted proxies the forwarded header is ignored: same REMOTE_ADDR → limited.
    assert (
        post_json(
            proxy, ok_body(lat=49.725, lon=13.355), HTTP_X_FORWARDED_FOR="203.0.113.2"
        ).status_code
        == 429
    )
    settings.STRAZ = {**settings.STRAZ, "TRUSTED_PROXY_COUNT": 1}
    # A proxy count alone is not enough: 10.0.0.1 is not a configured proxy address, so a
    # client reaching the app port directly cannot pick its address (ADR 0027).
    assert (
        post_json(
            proxy, ok_body(lat=49.725, lon=13.355), HTTP_X_FORWARDED_FOR="203.0.113.2"
        ).status_code
        == 429
    )
    settings.STRAZ = {**settings.STRAZ, "TRUSTED_PROXIES": ["10.0.0.0/24"]}
    assert (
        post_json(
            proxy, ok_body(lat=49.725, lon=13.355), HTTP_X_FORWARDED_FOR="203.0.113.2"
        ).status_code
        == 201
    )


def test_idempotent_retry_returns_the_same_id(served: None, citizen: Client) -> None:
    first = post_json(citizen, ok_body(), HTTP_IDEMPOTENCY_KEY="k-123")
    again = post_json(citizen, ok_body(), HTTP_IDEMPOTENCY_KEY="k-123")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1
    other = post_json(citizen, ok_body(description="changed"), HTTP_IDEMPOTENCY_KEY="k-123")
    assert other.status_code == 422 and Report.objects.count() == 1


def test_multipart_with_a_photo(served: None, citizen: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("foto.pdf", image_bytes("JPEG"), content_type="application/pdf")
    res = citizen.post(
        f"{REPORTS}/multipart",
        data={"category": "illegal-dump", "lat": IN_A[0], "lon": IN_A[1], "attachment": photo},
    )
    assert res.status_code == 201, res.content
    att = Attachment.objects.get(report_id=res.json()["id"])
    assert att.content_type == "image/jpeg"  # sniffed, not taken from the name or header


@pytest.mark.parametrize(
    "name,data,status",
    [("photo.jpg", b"MZ\x90\x00 not a photo", 422), ("x.png", b"<svg onload=alert(1)>", 422)],
)
def test_multipart_refuses_disguised_files(
    served: None, citizen: Client, tmp_path: Path, name: str, data: bytes, status: int
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = counts()
    res = citizen.post(
        f"{REPORTS}/multipart",
        data={
            "category": "illegal-dump",
            "lat": IN_A[0],
            "lon": IN_A[1],
            "attachment": SimpleUploadedFile(name, data, "image/jpeg"),
        },
    )
    assert res.status_code == status and isinstance(res.json()["detail"], str)
    assert counts() == before
    assert not any(p.is_file() for p in (tmp_path / "media").rglob("*"))


def test_multipart_refuses_oversized_files_and_unknown_fields(
    served: None, citizen: Client, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.STRAZ = {**settings.STRAZ, "MAX_ATTACHMENT_BYTES": 2000}
    before = counts()
    big = SimpleUploadedFile("big.jpg", image_bytes("PNG", (300, 300)) + b"\0" * 3000, "image/png")
    res = citizen.post(
        f"{REPORTS}/multipart",
        data={"category": "illegal-dump", "lat": IN_A[0], "lon": IN_A[1], "attachment": big},
    )
    assert res.status_code == 413 and isinstance(res.json()["detail"], str)
    res = citizen.post(
        f"{REPORTS}/multipart",
        data={"category": "illegal-dump", "lat": IN_A[0], "lon": IN_A[1], "evil": "1"},
    )
    assert res.status_code == 422 and "evil" in res.json()["detail"]
    assert counts() == before


def test_duplicate_shows_as_also_reported(served: None) -> None:
    first = post_json(Client(REMOTE_ADDR="203.0.113.1"), ok_body()).json()
    second = post_json(Client(REMOTE_ADDR="203.0.113.2"), ok_body(lat=IN_A[0] + 0.0003)).json()
    assert second["duplicate_of"] == first["id"]
    public = Client().get(f"{REPORTS}/{first['id']}").json()
    assert public["also_reported"] == 1
    assert Client().get(f"{REPORTS}/{second['id']}").status_code == 404


# ---------------------------------------------------------------- staff


def _report_in(district: str) -> int:
    lat, lon = IN_A if district == "A" else IN_B
    ip = "203.0.113.50" if district == "A" else "203.0.113.51"
    res = post_json(
        Client(REMOTE_ADDR=ip),
        {"category": "illegal-dump", "lat": lat, "lon": lon, "description": "popis"},
    )
    assert res.status_code == 201
    return int(res.json()["id"])


def test_staff_endpoints_need_authentication(served: None, citizen: Client) -> None:
    rid = _report_in("A")
    for res in (
        citizen.get("/api/v1/staff/reports"),
        citizen.get(f"/api/v1/staff/reports/{rid}"),
        citizen.post(
            f"/api/v1/staff/reports/{rid}/transition",
            data='{"status":"verification"}',
            content_type="application/json",
        ),
    ):
        assert res.status_code == 401 and isinstance(res.json()["detail"], str)
    assert Report.objects.get(pk=rid).status == "new"


def test_officer_queue_detail_and_transition(served: None, officer: Any, token_for: Any) -> None:
    a, b = _report_in("A"), _report_in("B")
    c = Client()
    auth = bearer(token_for(officer))
    queue = c.get("/api/v1/staff/reports", **auth).json()
    assert [i["id"] for i in queue["items"]] == [a] and queue["count"] == 1
    detail = c.get(f"/api/v1/staff/reports/{a}", **auth)
    assert detail.status_code == 200
    d = detail.json()
    assert d["description"] == "popis" and d["location"] == {"lat": IN_A[0], "lon": IN_A[1]}
    assert d["read_at"] is None  # opening changes nothing; marking read is a POST
    marked = c.post(f"/api/v1/staff/reports/{a}/read", **auth)
    assert marked.status_code == 200 and marked.json()["read_at"] is not None
    assert d["allowed_transitions"] == ["verification"]
    assert c.get(f"/api/v1/staff/reports/{b}", **auth).status_code == 404
    res = c.post(
        f"/api/v1/staff/reports/{a}/transition",
        data=json.dumps({"status": "confirmed"}),
        content_type="application/json",
        **auth,
    )
    assert res.status_code == 409 and isinstance(res.json()["detail"], str)
    res = c.post(
        f"/api/v1/staff/reports/{a}/transition",
        data=json.dumps({"status": "verification", "public_note": "Jedeme tam"}),
        content_type="application/json",
        **auth,
    )
    assert res.status_code == 200 and res.json()["status"] == "verification"
    res = c.post(
        f"/api/v1/staff/reports/{a}/transition",
        data=json.dumps({"status": "confirmed", "bogus": 1}),
        content_type="application/json",
        **auth,
    )
    assert res.status_code == 422
    res = c.post(
        f"/api/v1/staff/reports/{b}/transition",
        data=json.dumps({"status": "verification"}),
        content_type="application/json",
        **auth,
    )
    assert res.status_code == 404 and Report.objects.get(pk=b).status == "new"
    res = c.post(
        f"/api/v1/staff/reports/{a}/notes",
        data=json.dumps({"text": "Hlídka 14:00"}),
        content_type="application/json",
        **auth,
    )
    assert res.status_code == 201 and res.json()["text"] == "Hlídka 14:00"
    public = Client().get(f"{REPORTS}/{a}").json()
    assert public["history"][-1]["note"] == "Jedeme tam" and "Hlídka" not in json.dumps(public)


def test_dispatcher_reads_everything_but_cannot_act(
    served: None, dispatcher: Any, client_for: Any
) -> None:
    a, b = _report_in("A"), _report_in("B")
    c = client_for(dispatcher)
    assert {i["id"] for i in c.get("/api/v1/staff/reports").json()["items"]} == {a, b}
    assert c.get(f"/api/v1/staff/reports/{a}").json()["read_at"] is None  # reading is not acting
    res = c.post(
        f"/api/v1/staff/reports/{a}/transition",
        data=json.dumps({"status": "verification"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert res.status_code == 403 and "role" in res.json()["detail"]
    assert Report.objects.get(pk=a).status == "new"


def test_attachment_download_is_scoped(
    served: None, officer: Any, officer_b: Any, token_for: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    res = Client(REMOTE_ADDR="203.0.113.60").post(
        f"{REPORTS}/multipart",
        data={
            "category": "illegal-dump",
            "lat": IN_A[0],
            "lon": IN_A[1],
            "attachment": SimpleUploadedFile("d.pdf", PDF_BYTES),
        },
    )
    rid = res.json()["id"]
    aid = Attachment.objects.get(report_id=rid).pk
    url = f"/api/v1/staff/reports/{rid}/attachments/{aid}"
    got = Client().get(url, **bearer(token_for(officer)))
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF_BYTES
    assert got["Content-Type"] == "application/pdf" and "attachment" in got["Content-Disposition"]
    assert Client().get(url, **bearer(token_for(officer_b))).status_code == 404
    assert Client().get(url).status_code == 401


def test_openapi_lists_the_threat_map_endpoints(citizen: Client) -> None:
    schema = citizen.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for p in (
        "/api/v1/categories",
        "/api/v1/reports",
        "/api/v1/reports/multipart",
        "/api/v1/reports/{report_id}",
        "/api/v1/staff/reports",
        "/api/v1/staff/reports/{report_id}/transition",
    ):
        assert p in paths, p
    body = paths["/api/v1/reports"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].split("/")[-1]
    assert schema["components"]["schemas"][ref]["additionalProperties"] is False


def test_czech_error_differs_from_english_once_translated(served: None, citizen: Client) -> None:
    mo = Path(django_settings.LOCALE_PATHS[0]) / "cs" / "LC_MESSAGES" / "django.mo"
    if not mo.exists():
        pytest.fail("Czech catalogue missing: the compiled .mo files are part of the product")
    en = post_json(
        citizen, {"category": "nope", "lat": IN_A[0], "lon": IN_A[1]}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()["detail"]
    cs = post_json(
        citizen, {"category": "nope", "lat": IN_A[0], "lon": IN_A[1]}, HTTP_ACCEPT_LANGUAGE="cs"
    ).json()["detail"]
    assert en != cs and "nope" in cs
    if (Path(django_settings.LOCALE_PATHS[0]) / "pl" / "LC_MESSAGES" / "django.mo").exists():
        pl = post_json(
            citizen, {"category": "nope", "lat": IN_A[0], "lon": IN_A[1]}, HTTP_ACCEPT_LANGUAGE="pl"
        ).json()["detail"]
        assert pl not in (en, cs) and "nope" in pl
    # Validation errors found by the schema are translated too.
    en_lat = post_json(citizen, ok_body(lat=91), HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    cs_lat = post_json(citizen, ok_body(lat=91), HTTP_ACCEPT_LANGUAGE="cs").json()["detail"]
    assert en_lat != cs_lat and "90" in cs_lat
