"""The restricted design part reaches nobody without clearance, and every read is audited.

Every route of the resolver (pages, API, exports, Open311, search), every back-office list
and change page, is fetched by each persona without clearance — anonymous, every staff
role, another manager and a superuser administrator — with every soft-target and measure
id, plain and with a search for the markers. No response may carry a marker of the design
part (its text, vulnerabilities, attacker types, scenario names, measure titles). The same
walk by the cleared manager does see them, so the markers are not hidden by accident, and
each of those reads leaves a read-audit entry."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from straz.accounts.models import ReadEntry, Role, User
from straz.core.intake import IncomingAttachment
from straz.softtargets import services
from straz.softtargets.models import Measure
from tests.helpers.routes import all_routes
from tests.softtargets.conftest import HIGH

pytestmark = pytest.mark.django_db

MARKER = b"SECRET"
GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@pytest.fixture
def world(assessed_school: Any, manager: Any, city_district: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    listed = services.register_target(
        actor=manager,
        data=services.TargetInput(name="Náměstí Republiky", kind="public_space", lat=49.7471, lon=13.3776, public_listing="protected_place"),
    )
    services.set_restricted(actor=manager, target_id=listed.pk, text="SECRET-LISTED bollards missing")
    services.assess(actor=manager, target_id=listed.pk, scale_name="default", scenarios=[{"name": "SECRET-LISTED vehicle ramming", "scores": HIGH}])
    services.add_measure(
        actor=manager, target_id=listed.pk,
        data=services.MeasureInput(kind="technical", title="SECRET-LISTED bollards", deadline=timezone.localdate() - timedelta(days=3)),
    )
    measure = Measure.objects.filter(target=assessed_school).first()
    assert measure is not None
    services.update_measure(actor=manager, measure_id=measure.pk, state="in_progress", deadline=timezone.localdate() - timedelta(days=1))
    png = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 200)).save(png, "PNG")
    document = services.add_document(
        actor=manager, target_id=assessed_school.pk, title="SECRET-DOC evacuation plan",
        upload=IncomingAttachment(name="plan.png", data=png.getvalue()),
    )
    return {"targets": [assessed_school.pk, listed.pk], "measures": list(Measure.objects.values_list("pk", flat=True)), "documents": [document.pk]}


def _urls(world: dict[str, Any]) -> list[str]:
    values = {"target_id": world["targets"], "measure_id": world["measures"], "document_id": world["documents"], "fmt": ["json", "csv", "xml"], "format": ["json", "xml"]}
    urls: list[str] = []
    for route in all_routes():
        if route.route.startswith(("static/", "media/", "admin/")):
            continue
        url = "/" + route.route.replace("^", "").replace("$", "").replace("\\.", ".")
        candidates = [url]
        for pattern in (GROUP, PARAM):
            expanded = []
            for u in candidates:
                while (m := pattern.search(u)) is not None:
                    name = m.group(1)
                    options = [str(v) for v in values.get(name, [1])]
                    for option in options[1:]:
                        expanded.append(u[: m.start()] + option + u[m.end():])
                    u = u[: m.start()] + options[0] + u[m.end():]
                expanded.append(u)
            candidates = expanded
        urls += candidates
    urls = list(dict.fromkeys(urls))
    # Searches for words of the design part (a page may echo the query, so not the marker).
    words = ("unguarded", "intruder", "readers", "bollards")
    searches = [f"{u}?q={w}" for u in urls for w in words[:1]] + [
        f"{u}?q={w}" for u in ("/api/v1/search", "/api/v1/places", "/", "/staff/", "/staff/softtargets/") for w in words
    ]
    return urls + searches


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{info}_changelist"), reverse(f"{info}_changelist") + "?q=unguarded"]
        for pk in model._default_manager.order_by("-pk").values_list("pk", flat=True)[:200]:
            urls.append(reverse(f"{info}_change", args=[pk]))
    return urls


def _body(resp: Any) -> bytes:
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.77")
    if user is not None:
        client.force_login(user)
    return client


def test_no_route_shows_the_design_part_without_clearance(
    world: dict[str, Any], manager: Any, admin_user: Any, analyst: Any, officer: Any, supervisor: Any, dispatcher: Any, settings: Any,
) -> None:
    settings.STRAZ = {**settings.STRAZ, "REPORTS_PER_IP_PER_DAY": 10000}
    commander = User.objects.create_user(username="commander", role=Role.COMMANDER)
    other_manager = User.objects.create_user(username="manager2", role=Role.MANAGER)
    urls = _urls(world)
    assert any("/staff/softtargets/" in u for u in urls) and any("/api/v1/softtargets/" in u for u in urls)
    leaks = []
    for user in (None, analyst, officer, supervisor, dispatcher, commander, other_manager, admin_user):
        client = _client(user)
        pages = urls + (_admin_urls() if user is admin_user else [])
        for url in pages:
            body = _body(client.get(url))
            if MARKER in body:
                leaks.append(f"{getattr(user, 'username', 'anonymous')} {url}")
    assert not leaks, leaks
    # Nobody above was cleared, so nobody's reading was recorded as a read of the design part.
    assert not ReadEntry.objects.filter(action="softtargets.read_restricted").exclude(user=manager).exists()


def test_the_cleared_manager_sees_it_and_every_read_is_audited(world: dict[str, Any], manager: Any) -> None:
    client = _client(manager)
    school, listed = world["targets"]
    reads = {
        f"/staff/softtargets/{school}/": {"softtargets.RestrictedPart", "softtargets.Assessment", "softtargets.Measure", "softtargets.TargetDocument"},
        f"/api/v1/softtargets/{listed}": {"softtargets.RestrictedPart"},
        f"/api/v1/softtargets/{school}/assessments": {"softtargets.Assessment"},
        f"/api/v1/softtargets/{school}/measures": {"softtargets.Measure"},
        "/staff/softtargets/": {"softtargets.Measure"},
        "/staff/softtargets/measures/": {"softtargets.Measure"},
    }
    for url, kinds in reads.items():
        before = ReadEntry.objects.count()
        body = _body(client.get(url))
        assert MARKER in body, url
        new = ReadEntry.objects.order_by("pk")[before:]
        assert {e.object_type for e in new} == kinds, url
        assert all(e.user_id == manager.pk and e.action == "softtargets.read_restricted" for e in new)
    # The document itself: its download is a read of the restricted part too.
    before = ReadEntry.objects.count()
    document = world["documents"][0]
    assert client.get(f"/staff/softtargets/documents/{document}/").status_code == 200
    assert [e.object_type for e in ReadEntry.objects.order_by("pk")[before:]] == ["softtargets.TargetDocument"]
