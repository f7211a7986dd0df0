"""Every route, from Django's URL resolver, answers with the Content-Security-Policy and no
inline script; staff responses are never cached by browsers or proxies (ADR 0021).

Anonymous visitors fetch every public route and every staff-only route (they get a refusal
or a login redirect); an administrator fetches every route, the back office included. On
each response: the CSP header carries the policy's directives, HTML has no ``<script>``
without ``src`` (except ``type="application/json"`` data blocks), no ``on…=`` handler, no
``javascript:`` URL and no ``<style>`` element; staff responses say ``private, no-store``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from straz.core.csp import tile_source
from tests.helpers.routes import STAFF_ONLY, all_routes, matches

pytestmark = pytest.mark.django_db

# Not fetched: files and POST-only switches with no page of their own.
SKIPPED = [r"static/.*", r"media/.*"]
PRIVATE = "private, no-store"


@dataclass
class World:
    ids: dict[str, int]
    category: str


@pytest.fixture
def world(
    district_a: Any, district_b: Any, categories: Any, officer: Any, dispatcher: Any, settings: Any
) -> World:
    """A public report, two incidents in an event and a call, so detail pages render."""
    from straz.incidents import services as incidents
    from tests.incidents.incident_fixtures import INCIDENT_BODY

    settings.STRAZ = {**settings.STRAZ, "REPORTS_PER_IP_PER_DAY": 1000}
    resp = Client(REMOTE_ADDR="198.51.100.7").post(
        "/api/v1/reports",
        data=json.dumps(
            {"category": "illegal-dump", "lat": 49.7291, "lon": 13.3612, "description": "x"}
        ),
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    body = {**INCIDENT_BODY}
    type_code = body.pop("type")
    one = incidents.create_incident(user=dispatcher, type_code=type_code, **body)
    two = incidents.create_incident(
        user=dispatcher, type_code=type_code, **{**body, "title": "Druhé místo"}
    )
    event = incidents.create_event(user=dispatcher, name="Povodeň", incident_ids=[one.pk, two.pk])
    call = incidents.record_call(user=dispatcher, received_by_centre="KOPIS", summary="Dým")
    return World(
        ids={
            "report_id": int(resp.json()["id"]),
            "incident_id": one.pk,
            "event_id": event.pk,
            "call_id": call.pk,
            "content_type_id": 1,
        },
        category="illegal-dump",
    )


def _concrete(route: str, world: World) -> str:
    """One URL for a route: real ids where the product has them, 1 for the rest."""
    from straz.analytics import charts, exports

    url = route
    if "(?P<" in url:  # Open311 and the back office: regular-expression routes
        url = url.replace("^", "").replace("$", "").replace(r"\.", ".")
        values = {
            "fmt": "json",
            "service_code": world.category,
            "request_id": str(world.ids["report_id"]),
            "app_label": "reports",
        }

        def fill(m: re.Match[str]) -> str:
            name, body = m.group(1), m.group(2)
            if name in values:
                return values[name]
            return body.split("|")[0] if re.fullmatch(r"[\w|]+", body) else "nothing"

        url = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", fill, url)
    url = re.sub(r"<(slug:)?table>", next(iter(exports.TABLES)), url)
    url = re.sub(r"<(slug:)?name>", next(iter(charts.CHARTS)), url)
    url = re.sub(r"<(str:)?fmt>", next(iter(charts.FORMATS)), url)
    for name, value in world.ids.items():
        url = re.sub(rf"<(int:|path:|str:)?{name}>", str(value), url)
    url = re.sub(r"<(int:|path:|str:)?\w+>", "1", url)  # attachments, features, admin objects
    assert "<" not in url and "(" not in url, f"cannot fill {route!r}: {url!r}"
    return "/" + url


def _routes(*, staff: bool) -> Iterator[tuple[str, bool]]:
    """(route, staff_only) for every route a visitor of this kind is sent to."""
    for r in all_routes():
        if matches(r.route, SKIPPED):
            continue
        staff_only = matches(r.route, STAFF_ONLY) or r.route.startswith("admin/")
        if r.route.startswith("admin/") and not staff and r.route not in ("admin/", "admin/login/"):
            continue  # one anonymous probe of the back office is enough
        yield r.route, staff_only


class _Inline(HTMLParser):
    """Collects inline scripts, event-handler attributes, javascript: URLs and <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        for name, value in a.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value[:40]!r}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            if "src" not in a and a.get("type", "").lower() != "application/json":
                self.problems.append(f"inline <script {a}>")
            self._in_script = "src" not in a

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        pass


def inline_problems(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.problems


def parse_csp(header: str) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            policy[words[0].lower()] = words[1:]
    return policy


def expected_img_sources(settings: Any) -> set[str]:
    parts = urlsplit(settings.STRAZ["TILE_URL"])
    tiles = {f"{parts.scheme}://{parts.netloc}"} if parts.scheme and parts.netloc else set()
    return {"'self'", "data:", "blob:", *tiles}


def check_policy(header: str | None, settings: Any) -> list[str]:
    if not header:
        return ["no Content-Security-Policy header"]
    p = parse_csp(header)
    wrong = []
    for directive, value in {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "style-src": ["'self'"],
    }.items():
        if p.get(directive) != value:
            wrong.append(f"{directive} {p.get(directive)}")
    if set(p.get("img-src", [])) != expected_img_sources(settings):
        wrong.append(f"img-src {p.get('img-src')}")
    return wrong


def _body(resp: Any) -> bytes:
    if getattr(resp, "streaming", False):
        return b"".join(resp.streaming_content)
    return bytes(resp.content)


def _walk(client: Client, world: World, settings: Any, *, staff: bool) -> list[str]:
    failures: list[str] = []
    for route, staff_only in _routes(staff=staff):
        url = _concrete(route, world)
        resp = client.get(url)
        where = f"{'staff' if staff else 'anonymous'} GET {url} ({resp.status_code})"
        if resp.status_code >= 500:
            failures.append(f"{where}: server error")
            continue
        failures += [
            f"{where}: {w}" for w in check_policy(resp.get("Content-Security-Policy"), settings)
        ]
        if resp.get("Content-Type", "").startswith("text/html"):
            failures += [
                f"{where}: {p}" for p in inline_problems(_body(resp).decode("utf-8", "replace"))
            ]
        cache = resp.get("Cache-Control", "")
        if staff or staff_only:
            if cache != PRIVATE:
                failures.append(f"{where}: Cache-Control {cache!r}")
        elif cache == PRIVATE:  # a view's own never_cache (login) is its business
            failures.append(f"{where}: public page made private: {cache!r}")
    return failures


def test_every_route_has_the_policy_anonymously(world: World, settings: Any) -> None:
    failures = _walk(Client(REMOTE_ADDR="192.0.2.9"), world, settings, staff=False)
    assert not failures, "\n".join(failures)


def test_every_route_has_the_policy_for_staff(
    world: World, admin_user: Any, client_for: Any, settings: Any
) -> None:
    routes = [r for r, _ in _routes(staff=True)]
    assert "operations/" in routes and "staff/" in routes and "admin/" in routes, routes
    failures = _walk(client_for(admin_user), world, settings, staff=True)
    assert not failures, "\n".join(failures)


def test_api_token_responses_are_private(world: World, admin_user: Any, token_for: Any) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(admin_user)}")
    for url in ("/api/v1/staff/reports", "/api/v1/categories", "/api/v1/incidents"):
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        assert resp["Cache-Control"] == PRIVATE, url


# The pieces of the walk, each shown to catch what it is for.


def test_inline_script_and_handlers_are_found() -> None:
    assert inline_problems("<script>alert(1)</script>")
    assert inline_problems('<button onclick="go()">x</button>')
    assert inline_problems('<a href="javascript:go()">x</a>')
    assert inline_problems("<style>p{}</style>")
    assert not inline_problems('<script src="/static/x.js"></script>')
    assert not inline_problems('<script type="application/json" id="c">{"a": "<b>"}</script>')
    assert not inline_problems('<span class="dot" style="background: #fff"></span>')


def test_the_policy_check_refuses_a_weak_policy(settings: Any) -> None:
    good = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src " + " ".join(sorted(expected_img_sources(settings))),
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )
    assert check_policy(good, settings) == []
    assert check_policy(
        good.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"), settings
    )
    assert check_policy(good.replace("img-src ", "img-src https://evil.example "), settings)
    assert check_policy(good.replace("; object-src 'none'", ""), settings)
    assert check_policy(None, settings)


@pytest.mark.parametrize(
    ("tile_url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://tiles.local:8080/{z}/{x}/{y}.png", "http://tiles.local:8080"),
        ("https://user:secret@tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
        ("", None),
        ("/tiles/{z}/{x}/{y}.png", None),
        ("javascript:alert(1)", None),
        ("https://tiles.{s}.example.org/{z}/{x}/{y}.png", None),
        ("https://tiles.example.org;script-src *", None),
    ],
)
def test_tile_source_is_the_tile_host_only(tile_url: str, source: str | None) -> None:
    assert tile_source(tile_url) == source


def test_policy_follows_the_configured_tile_host() -> None:
    from straz.core.csp import directives

    assert (
        "https://tiles.example.org"
        in directives("https://tiles.example.org/{z}/{x}/{y}.png")["img-src"]
    )
    assert directives("")["img-src"] == ["'self'", "data:", "blob:"]
