"""Staff scope: officers and supervisors act only within their own police districts.

For each scoped actor, every staff operation on a report of another district — reading,
moving it along the workflow, annotating, reassigning, downloading its attachment, through
the API (Bearer token and session) and the staff web pages — is refused with 403/404 and
changes nothing (status, read mark, notes, events, audit log). The same operations on a
report of the actor's own district succeed, so the refusals are not an accident of a
wrong URL. Anonymous visitors get 401/403 (or the login page) on every staff route.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.helpers.routes import STAFF_ONLY, all_routes, matches

pytestmark = pytest.mark.django_db

DENIED = (403, 404)


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


@dataclass
class Case:
    """Two reports, one per district, each with an attachment."""

    report_a: int
    report_b: int
    attachment_a: int
    attachment_b: int


@pytest.fixture
def case(settings: Any, tmp_path: Any, district_a: Any, district_b: Any, categories: Any) -> Case:
    from straz.reports import services
    from straz.reports.intake import IncomingAttachment
    from straz.reports.models import Attachment

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STRAZ = {**settings.STRAZ, "REPORTS_PER_IP_PER_DAY": 1000}
    ids = []
    for i, (lat, lon) in enumerate([(49.7401, 13.3701), (49.7401, 13.4701)]):
        result = services.submit_report(
            category_code="illegal-dump",
            lat=lat,
            lon=lon,
            description=f"scope {i}",
            attachment=IncomingAttachment(name=f"photo{i}.png", data=_png()),
            client_ip=f"203.0.113.{i + 10}",
            source="api",
        )
        ids.append(result.report_id)
    att = {a.report_id: a.pk for a in Attachment.objects.filter(report_id__in=ids)}
    return Case(
        report_a=ids[0], report_b=ids[1], attachment_a=att[ids[0]], attachment_b=att[ids[1]]
    )


def _state(report_id: int) -> dict[str, Any]:
    """Everything an operation could change about a report, plus the audit log length."""
    from straz.accounts.models import AuditEntry
    from straz.reports.models import Report

    r = Report.objects.get(pk=report_id)
    return {
        "status": r.status,
        "read_at": r.read_at,
        "officer": r.officer_id,
        "updated_at": r.updated_at,
        "notes": r.notes.count(),
        "events": r.events.count(),
        "audit": AuditEntry.objects.count(),
        "audit_of_report": AuditEntry.objects.filter(
            object_type="report", object_id=str(report_id)
        ).count(),
    }


def _own(state: dict[str, Any]) -> dict[str, Any]:
    """A report's own state, without the global audit length (other reports change it)."""
    return {k: v for k, v in state.items() if k != "audit"}


def _api_client(how: str, user: Any, token_for: Callable[[Any], str]) -> Client:
    if how == "token":
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    c = Client(enforce_csrf_checks=False)
    c.force_login(user)
    return c


def _api_attempts(
    report_id: int, attachment_id: int, officer_id: int | None
) -> list[tuple[str, str, Any]]:
    base = f"/api/v1/staff/reports/{report_id}"
    return [
        ("get", base, None),
        ("post", f"{base}/transition", {"status": "verification"}),
        ("post", f"{base}/transition", {"status": "verification", "note": "x", "public_note": "y"}),
        ("post", f"{base}/notes", {"text": "foreign note"}),
        ("post", f"{base}/assign", {"officer": officer_id or 1}),
        ("get", f"{base}/attachments/{attachment_id}", None),
        ("post", f"{base}/read", {}),
    ]


def _call(client: Client, method: str, url: str, body: Any) -> Any:
    if method == "get":
        return client.get(url)
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _scoped_actor(name: str, request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(name)


@pytest.mark.parametrize("how", ["token", "session"])
@pytest.mark.parametrize("actor", ["officer", "supervisor"])
def test_api_refuses_reports_of_other_districts(
    case: Case,
    actor: str,
    how: str,
    request: pytest.FixtureRequest,
    token_for: Any,
    officer_b: Any,
) -> None:
    user = _scoped_actor(actor, request)
    client = _api_client(how, user, token_for)
    from straz.territory.models import Officer

    b_officer = Officer.objects.filter(districts__code="PD-B").first()
    before = _state(case.report_b)
    for method, url, body in _api_attempts(
        case.report_b, case.attachment_b, b_officer.pk if b_officer else None
    ):
        resp = _call(client, method, url, body)
        assert resp.status_code in DENIED, (
            f"{actor}/{how} {method.upper()} {url}: {resp.status_code}"
        )
        assert b"\x89PNG" not in (
            b"".join(resp.streaming_content) if resp.streaming else resp.content
        )
        assert _state(case.report_b) == before, f"{method.upper()} {url} changed report B"
    # The queue does not list it, not even when filtered by its district.
    for url in (
        "/api/v1/staff/reports",
        "/api/v1/staff/reports?district=PD-B",
        "/api/v1/staff/reports?status=new&include_duplicates=true",
    ):
        resp = client.get(url)
        assert resp.status_code == 200, resp.content
        assert case.report_b not in [row["id"] for row in resp.json()["items"]], url
    # Control: within their own district the same operations work.
    resp = client.get(f"/api/v1/staff/reports/{case.report_a}")
    assert resp.status_code == 200, resp.content
    assert case.report_a in [
        row["id"] for row in client.get("/api/v1/staff/reports").json()["items"]
    ]
    resp = client.get(f"/api/v1/staff/reports/{case.report_a}/attachments/{case.attachment_a}")
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content).startswith(b"\x89PNG")
    resp = _call(
        client,
        "post",
        f"/api/v1/staff/reports/{case.report_a}/transition",
        {"status": "verification"},
    )
    assert resp.status_code == 200, resp.content
    resp = _call(
        client, "post", f"/api/v1/staff/reports/{case.report_a}/notes", {"text": "own note"}
    )
    assert resp.status_code == 201, resp.content
    resp = _call(client, "post", f"/api/v1/staff/reports/{case.report_a}/read", {})
    assert resp.status_code == 200 and resp.json()["read_at"] is not None, resp.content
    after_a = _state(case.report_a)
    assert after_a["status"] == "verification" and after_a["notes"] == 1
    assert _own(_state(case.report_b)) == _own(before)


def test_officer_of_district_b_cannot_touch_district_a(
    case: Case, officer_b: Any, token_for: Any
) -> None:
    client = _api_client("token", officer_b, token_for)
    before = _state(case.report_a)
    for method, url, body in _api_attempts(case.report_a, case.attachment_a, None):
        resp = _call(client, method, url, body)
        assert resp.status_code in DENIED, f"{method.upper()} {url}: {resp.status_code}"
    assert _state(case.report_a) == before
    # …while B's own report is theirs to work on.
    assert client.get(f"/api/v1/staff/reports/{case.report_b}").status_code == 200


@pytest.mark.parametrize("actor", ["officer", "supervisor"])
def test_web_pages_refuse_reports_of_other_districts(
    case: Case, actor: str, request: pytest.FixtureRequest
) -> None:
    user = _scoped_actor(actor, request)
    client = Client()
    client.force_login(user)
    before = _state(case.report_b)
    page = f"/staff/reports/{case.report_b}/"
    attempts = [
        ("get", page, None),
        (
            "post",
            page,
            {"action": "transition", "target": "verification", "public_note": "", "note": ""},
        ),
        ("post", page, {"action": "note", "text": "foreign note"}),
        ("post", page, {"action": "read"}),
        ("get", f"{page}attachments/{case.attachment_b}/", None),
        ("get", f"{page}attachments/{case.attachment_b}/?size=thumb", None),
        # An attachment of report B reached through report A's URL.
        ("get", f"/staff/reports/{case.report_a}/attachments/{case.attachment_b}/", None),
        ("get", f"/staff/reports/{case.report_a}/attachments/{case.attachment_b}/?size=thumb", None),
    ]
    for method, url, data in attempts:
        resp = client.get(url) if method == "get" else client.post(url, data=data)
        assert resp.status_code in DENIED, f"{actor} {method.upper()} {url}: {resp.status_code}"
        assert _state(case.report_b) == before, f"{method.upper()} {url} changed report B"
    queue = client.get("/staff/")
    assert queue.status_code == 200
    assert f"/staff/reports/{case.report_b}/".encode() not in queue.content
    # Control: the own district's report works through the same pages.
    assert f"/staff/reports/{case.report_a}/".encode() in queue.content
    own = f"/staff/reports/{case.report_a}/"
    assert client.get(own).status_code == 200
    resp = client.post(
        own, data={"action": "transition", "target": "verification", "public_note": "", "note": ""}
    )
    assert resp.status_code in (200, 302), resp.status_code
    assert _state(case.report_a)["status"] == "verification"
    resp = client.get(f"{own}attachments/{case.attachment_a}/")
    assert resp.status_code == 200
    # The photo's preview: the same checks, the same answer for the own district.
    resp = client.get(f"{own}attachments/{case.attachment_a}/?size=thumb")
    assert resp.status_code == 200 and resp["Content-Type"] == "image/jpeg"
    assert _own(_state(case.report_b)) == _own(before)


@pytest.mark.parametrize("role", ["dispatcher", "analyst"])
def test_read_only_roles_cannot_change_reports(
    case: Case, role: str, request: pytest.FixtureRequest, token_for: Any
) -> None:
    user = request.getfixturevalue(role)
    client = _api_client("token", user, token_for)
    before = _state(case.report_a)
    for url, body in [
        (f"/api/v1/staff/reports/{case.report_a}/transition", {"status": "verification"}),
        (f"/api/v1/staff/reports/{case.report_a}/notes", {"text": "x"}),
    ]:
        resp = _call(client, "post", url, body)
        assert resp.status_code in DENIED, f"{role} POST {url}: {resp.status_code}"
    assert _state(case.report_a) == before


def test_revoked_or_unknown_token_is_refused(case: Case, officer: Any, token_for: Any) -> None:
    from django.utils import timezone

    from straz.accounts.models import ApiToken

    raw = token_for(officer)
    ApiToken.objects.filter(user=officer).update(revoked_at=timezone.now())
    before = _state(case.report_a)
    for token in (raw, raw + "x", "straz_nonsense"):
        c = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert c.get(f"/api/v1/staff/reports/{case.report_a}").status_code == 401
        resp = _call(
            c,
            "post",
            f"/api/v1/staff/reports/{case.report_a}/transition",
            {"status": "verification"},
        )
        assert resp.status_code == 401
    assert _state(case.report_a) == before


def _concrete(route: str, case: Case) -> str:
    url = "/" + route
    for name, value in (("report_id", case.report_a), ("attachment_id", case.attachment_a)):
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    # Incident routes (IZS): anonymous callers are refused before any lookup, so any id does.
    # Soft-target routes likewise refuse anonymous callers before any lookup.
    for name in ("incident_id", "deployment_id", "feature_id", "event_id", "call_id", "notice_id", "target_id", "measure_id", "document_id"):
        url = url.replace(f"<int:{name}>", "1").replace(f"<{name}>", "1")
    return url


def test_anonymous_visitors_are_refused_on_every_staff_route(case: Case) -> None:
    staff_routes = [r.route for r in all_routes() if matches(r.route, STAFF_ONLY)]
    # The staff API and pages exist (a typo in STAFF_ONLY would otherwise pass silently).
    assert any(r.startswith("api/v1/staff") for r in staff_routes), staff_routes
    assert "staff/reports/<int:report_id>/" in staff_routes, staff_routes
    anonymous = Client(REMOTE_ADDR="192.0.2.50")
    before = _state(case.report_a)
    for route in staff_routes:
        url = _concrete(route, case)
        assert "<" not in url, f"cannot fill parameters of staff route {route}"
        for method in ("get", "post"):
            resp = (
                anonymous.get(url)
                if method == "get"
                else anonymous.post(url, data="{}", content_type="application/json")
            )
            if route.startswith("api/"):
                ok = resp.status_code in (401, 403, 405)
            else:
                ok = resp.status_code in (401, 403, 405) or (
                    resp.status_code == 302 and "/login/" in resp["Location"]
                )
            assert ok, f"anonymous {method.upper()} {url}: {resp.status_code}"
            assert b"\x89PNG" not in (
                b"".join(resp.streaming_content) if resp.streaming else resp.content
            )
    assert _state(case.report_a) == before
    # The back office too.
    resp = anonymous.get("/admin/reports/report/")
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]


def _export_ids(resp: Any, fmt: str) -> set[int]:
    import csv

    body = b"".join(resp.streaming_content) if resp.streaming else resp.content
    text = body.decode("utf-8-sig")
    if fmt == "csv":
        return {int(row["id"]) for row in csv.DictReader(io.StringIO(text)) if row.get("id")}
    return {int(f["properties"]["id"]) for f in json.loads(text)["features"]}


@pytest.mark.parametrize("actor", ["officer", "supervisor"])
def test_staff_exports_and_statistics_stay_within_the_districts(
    case: Case, actor: str, request: pytest.FixtureRequest, token_for: Any
) -> None:
    """Downloads and statistics are a way to read reports too: own districts only."""
    user = _scoped_actor(actor, request)
    client = Client()
    client.force_login(user)
    for fmt in ("csv", "geojson"):
        resp = client.get(f"/statistics/reports.{fmt}")
        assert resp.status_code == 200, resp.status_code
        ids = _export_ids(resp, fmt)
        assert case.report_a in ids, f"{fmt}: own report missing (the export is not the staff one?)"
        assert case.report_b not in ids, f"{actor} downloads a report of another district ({fmt})"
        resp = client.get(f"/statistics/reports.{fmt}?district=PD-B")
        assert resp.status_code in (200, 400, 403, 404, 422)
        if resp.status_code == 200:
            assert case.report_b not in _export_ids(resp, fmt)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    stats = api.get("/api/v1/statistics")
    assert stats.status_code == 200, stats.content
    by_district = {row["key"]: row["total"] for row in stats.json()["by_district"]}
    assert by_district.get("PD-A", 0) >= 1, by_district
    assert by_district.get("PD-B", 0) == 0, (
        f"{actor} sees counts of another district: {by_district}"
    )


def test_staff_session_needs_csrf_token(case: Case, officer: Any) -> None:
    """A logged-in officer's browser cannot be made to act by another site (CSRF)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    before = _state(case.report_a)
    resp = client.post(
        f"/api/v1/staff/reports/{case.report_a}/transition",
        data=json.dumps({"status": "verification"}),
        content_type="application/json",
    )
    assert resp.status_code in (401, 403), resp.status_code
    resp = client.post(
        f"/staff/reports/{case.report_a}/",
        data={"action": "transition", "target": "verification", "public_note": "", "note": ""},
    )
    assert resp.status_code == 403, resp.status_code
    assert _state(case.report_a) == before


@pytest.mark.parametrize("how", ["token", "session"])
def test_incident_commander_reads_no_threat_reports(
    case: Case, commander: Any, how: str, token_for: Any
) -> None:
    """A commander (fire and rescue) has no need to know police-only report text."""
    client = _api_client(how, commander, token_for)
    before = _state(case.report_a)
    for method, url, body in _api_attempts(case.report_a, case.attachment_a, None):
        resp = _call(client, method, url, body)
        assert resp.status_code in DENIED, f"commander {method} {url}: {resp.status_code}"
        assert b"scope 0" not in resp.content
    listing = client.get("/api/v1/staff/reports")
    assert listing.status_code == 200 and listing.json()["items"] == []
    web = Client()
    web.force_login(commander)
    assert web.get(f"/staff/reports/{case.report_a}/").status_code in DENIED
    queue = web.get("/staff/")
    assert queue.status_code == 302 and queue["Location"] == "/operations/"
    assert f"/staff/reports/{case.report_a}/".encode() not in queue.content
    assert _own(_state(case.report_a)) == _own(before)
    assert b'id="nav-queue"' not in web.get("/operations/").content


def test_follower_addresses_stay_out_of_every_role_and_route(
    case: Case, officer: Any, admin_user: Any, client_for: Callable[[Any], Client]
) -> None:
    """A follower's e-mail is shown to no one (police and admins included); the public follow
    routes (lookup, unsubscribe) reach no report the public may not see and no one else's
    contact (ADR 0036)."""
    from straz.reports import services
    from straz.reports.followers import FollowRequest
    from straz.reports.models import FollowerContact

    email = "scope.follower@example.cz"
    followed = services.submit_report(
        category_code="dangerous-venue",  # public only once confirmed
        lat=49.7411,
        lon=13.3711,
        client_ip="203.0.113.30",
        source="api",
        follow=FollowRequest(email=email, language="cs", site_url="http://testserver"),
    ).report_id
    services.transition_report(user=officer, report_id=followed, target="verification")
    for user in (officer, admin_user):
        client = client_for(user)
        for url in (
            f"/staff/reports/{followed}/",
            "/staff/",
            f"/api/v1/staff/reports/{followed}",
            "/api/v1/staff/reports",
        ):
            resp = client.get(url)
            assert resp.status_code == 200, (user, url)
            assert email not in resp.content.decode(), (user, url)
    anonymous = Client()
    assert anonymous.get("/r/", {"number": followed}).status_code == 404
    before = FollowerContact.objects.count()
    for token in ("", "guess", FollowerContact.objects.get().token[:-1]):
        assert anonymous.post(f"/r/stop/{token}/").status_code in DENIED
    assert FollowerContact.objects.count() == before
