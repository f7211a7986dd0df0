"""Every persona's pages in Czech and Polish carry no English UI word (issue 9, item 7).

The demo city is loaded and each persona (an anonymous citizen and every staff role) walks
every HTML page of the resolver it may open (the admin too, for the administrator), in
cs, pl and en. Czech and Polish pages are scanned for words of the English-only
vocabulary (tests/helpers/english_words.py): text nodes, and the attributes read out by
screen readers (aria-label, title, alt, placeholder). CSV downloads are scanned by their
header row. The JS-built parts of the map pages (Leaflet controls) are scanned in the
browser by tests/e2e/test_language_scan_browser.py.

A failure lists every page and the English words on it, so the catalogues can be fixed.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.helpers.english_words import english_words_in, visible_texts
from tests.helpers.routes import NOT_SCANNED, all_routes, matches

pytestmark = pytest.mark.django_db

PERSONAS = ("citizen", "officer", "supervisor", "analyst", "manager", "dispatcher", "commander", "admin")
LANGUAGES = ("cs", "pl", "en")
# Machine interfaces speak codes and English field names by standard, not the UI language:
# the API, Open311, GeoJSON, and the threat map's open-data CSVs (comma-separated, the
# same field names as the API and GeoJSON; ADR 0035). The PDF is the report page's
# template, scanned as the page. The operations CSVs (semicolon, for Excel) are for people
# and scanned by their heading line.
NOT_UI = [
    r"api/.*",
    r"open311/.*",
    r".*\.pdf",
    r".*\.geojson",
    r"statistics/charts/.*",
    r"statistics/reports\.csv",
    r"statistics/tables/.*",
]
# Czech first and last names for the demo accounts (their demo names are the role words).
NAMES = {
    "officer": ("Jan", "Novák"),
    "supervisor": ("Marie", "Svobodová"),
    "analyst": ("Tomáš", "Dvořák"),
    "manager": ("Lenka", "Černá"),
    "dispatcher": ("Pavel", "Procházka"),
    "admin": ("Jana", "Kučerová"),
}


@pytest.fixture
def city(settings: Any, tmp_path: Any) -> dict[str, Any]:
    """The demo city with a few reports, and the persona accounts."""
    from straz.accounts.models import Role, User
    from straz.demo.loader import ensure_demo_data

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_demo_data(report_count=120)
    users: dict[str, Any] = {}
    for role, (first, last) in NAMES.items():
        user = User.objects.get(username=role)
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
        users[role] = user
    # Log-in names are account data; the demo's are role words in English. Real ones are
    # people's: the scan must not count the data, only the interface.
    for user in User.objects.all():
        user.username = f"{user.first_name[:1]}{user.last_name}{user.pk}".lower() or f"u{user.pk}"
        user.save(update_fields=["username"])
    users["commander"] = User.objects.filter(role=Role.COMMANDER).order_by("pk").first()
    assert users["commander"] is not None
    return users


def _ids(user: Any) -> dict[str, list[int]]:
    """Identifiers to fill the routes' parameters with, among the records the user may see."""
    from straz.incidents.models import Incident, IncidentEvent
    from straz.reports.models import Report
    from straz.reports.selectors import visible_reports_for

    public = list(Report.objects.filter(is_public=True).order_by("pk").values_list("pk", flat=True)[:1])
    staff: list[int] = []
    if user is not None and getattr(user, "role", "") in ("officer", "supervisor", "analyst", "manager", "admin"):
        staff = list(visible_reports_for(user).order_by("-pk").values_list("pk", flat=True)[:1])
    incidents = list(Incident.objects.order_by("pk").values_list("pk", flat=True))
    # An open one and a closed one (with its §16(4) report), when the demo has them.
    chosen = sorted({incidents[0], incidents[-1]}) if incidents else []
    events = list(IncidentEvent.objects.order_by("pk").values_list("pk", flat=True)[:1])
    from straz.softtargets.models import SoftTarget

    targets = list(SoftTarget.objects.order_by("pk").values_list("pk", flat=True)[:1])
    return {"report_id": public + staff, "incident_id": chosen, "event_id": events, "target_id": targets}


def _urls(route: str, name: str | None, ids: dict[str, list[int]]) -> list[str]:
    """The concrete URLs of a route string, one per identifier it takes."""
    if "(?P<" in route or "^" in route:
        return []
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if not params:
        return ["/" + route]
    if len(params) > 1 or params[0] not in ids:
        return []  # attachments and chart formats are files, not pages
    urls = []
    for value in ids[params[0]]:
        urls.append("/" + re.sub(r"<(?:\w+:)?\w+>", str(value), route))
    return urls


def _admin_urls(client: Client) -> list[str]:
    urls = [reverse("admin:index")]
    for model, _model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{info}_changelist"))
        urls.append(reverse(f"{info}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{info}_change", args=[first.pk]))
    return urls


def _texts(response: Any) -> list[str] | None:
    kind = response.get("Content-Type", "")
    if response.status_code != 200 or (getattr(response, "streaming", False) and "csv" not in kind):
        return None
    if "text/html" in kind:
        return visible_texts(response.content.decode())
    if "text/csv" in kind:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))), [])
        return header
    return None


def _client(persona: str, users: dict[str, Any], language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR="198.51.100.23")
    if persona != "citizen":
        client.force_login(users[persona])
    return client


def test_no_english_on_czech_or_polish_pages_of_any_persona(city: dict[str, Any]) -> None:
    routes = [r for r in all_routes() if not matches(r.route, NOT_SCANNED) and not matches(r.route, NOT_UI)]
    leaks: dict[str, dict[str, str]] = {}
    broken: list[str] = []
    scanned: set[tuple[str, str]] = set()
    for language in LANGUAGES:
        for persona in PERSONAS:
            client = _client(persona, city, language)
            ids = _ids(city.get(persona))
            urls = [u for r in routes for u in _urls(r.route, r.name, ids)]
            if persona == "admin":
                urls += _admin_urls(client)
            for url in urls:
                response = client.get(url)
                if response.status_code >= 500:
                    broken.append(f"{language} {persona} {url}: {response.status_code}")
                texts = _texts(response)
                if texts is None:
                    continue
                scanned.add((language, url))
                if language == "en":
                    continue
                found = english_words_in(texts)
                if found:
                    key = f"[{language}] {url} ({persona})"
                    leaks[key] = found
    assert not broken, "pages failing: " + "; ".join(broken)
    # The walk reached the pages of every wing, not only login redirects.
    walked = {u for _, u in scanned}
    for must in ("/", "/report/", "/staff/", "/operations/", "/statistics/", "/operations/calls/", "/admin/"):
        assert must in walked, f"{must} was not scanned"
    assert any(u.startswith("/operations/incidents/") for u in walked)
    assert any(u.startswith("/admin/") and u.endswith("/change/") for u in walked)
    report = "\n".join(
        f"{page}: " + ", ".join(f"{word!r} in {text!r}" for word, text in sorted(words.items()))
        for page, words in sorted(leaks.items())
    )
    assert not leaks, f"English words on {len(leaks)} Czech/Polish pages:\n{report}"
