"""The soft-targets API as issue 10 spells it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.softtargets.conftest import HIGH, LOW

pytestmark = pytest.mark.django_db


def _client(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def _post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _put(client: Client, url: str, body: Any) -> Any:
    return client.put(url, data=json.dumps(body), content_type="application/json")


def test_a_manager_registers_a_target_routed_to_its_district(manager: Any, token_for: Any, city_district: Any) -> None:
    api = _client(token_for(manager))
    resp = _post(api, "/api/v1/softtargets", {"name": "4. ZŠ", "kind": "school", "lat": 49.7401, "lon": 13.3701, "capacity": 600})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["district"] == {"code": "PD-A", "name": "Obvod A"}
    assert body["city_district"] == {"code": "554791", "name": "Plzeň 1"}
    assert body["capacity"] == 600 and isinstance(body["id"], int)
    # Outside every district: district null, still registered.
    resp = _post(api, "/api/v1/softtargets", {"name": "Chata", "kind": "other", "lat": 50.5, "lon": 15.0})
    assert resp.status_code == 201 and resp.json()["district"] is None
    listing = api.get("/api/v1/softtargets").json()
    assert [t["name"] for t in listing] == ["4. ZŠ", "Chata"]


def test_only_managers_and_admins_register(analyst: Any, officer: Any, token_for: Any, district_a: Any) -> None:
    from straz.softtargets.models import SoftTarget

    for user in (analyst, officer):
        resp = _post(_client(token_for(user)), "/api/v1/softtargets", {"name": "X", "kind": "school", "lat": 49.74, "lon": 13.37})
        assert resp.status_code == 403
    assert not SoftTarget.objects.exists()


def test_bad_kind_is_refused(manager: Any, token_for: Any, district_a: Any) -> None:
    resp = _post(_client(token_for(manager)), "/api/v1/softtargets", {"name": "X", "kind": "castle", "lat": 49.74, "lon": 13.37})
    assert resp.status_code == 422 and "kind" in resp.json()["detail"]


def test_restricted_key_only_with_clearance(school: Any, manager: Any, analyst: Any, token_for: Any) -> None:
    from straz.accounts.models import ReadEntry, Role, User

    boss = _client(token_for(manager))
    resp = _put(boss, f"/api/v1/softtargets/{school.pk}/restricted", {"text": "Entrance B unguarded", "vulnerabilities": "no fence"})
    assert resp.status_code == 200, resp.content
    mine = boss.get(f"/api/v1/softtargets/{school.pk}").json()
    assert mine["restricted"]["text"] == "Entrance B unguarded"
    assert ReadEntry.objects.filter(user=manager, action="softtargets.read_restricted", object_type="softtargets.RestrictedPart").exists()

    other = _client(token_for(analyst))
    body = other.get(f"/api/v1/softtargets/{school.pk}").json()
    assert "restricted" not in body and body["name"] == school.name
    assert _put(other, f"/api/v1/softtargets/{school.pk}/restricted", {"text": "x"}).status_code == 403
    assert other.get(f"/api/v1/softtargets/{school.pk}/assessments").status_code == 404

    # An analyst may not grant clearance; a manager may, and then the key appears.
    assert _post(other, f"/api/v1/softtargets/{school.pk}/clearances", {"username": "analyst"}).status_code == 403
    other_manager = User.objects.create_user(username="m2", role=Role.MANAGER)
    assert "restricted" not in _client(token_for(other_manager)).get(f"/api/v1/softtargets/{school.pk}").json()
    resp = _post(boss, f"/api/v1/softtargets/{school.pk}/clearances", {"username": "analyst"})
    assert resp.status_code == 201
    assert other.get(f"/api/v1/softtargets/{school.pk}").json()["restricted"]["vulnerabilities"] == "no fence"
    assert _post(boss, f"/api/v1/softtargets/{school.pk}/clearances", {"username": "nobody"}).status_code == 422


def test_scales_assessments_and_422_naming_the_factor(school: Any, manager: Any, token_for: Any) -> None:
    api = _client(token_for(manager))
    scale = {
        "name": "plzen",
        "probability": ["accessibility", "occurrence", "complexity"],
        "impact": ["lives", "object", "finances", "community"],
        "min": 1, "max": 7,
        "bands": [{"name": "low", "from": 0}, {"name": "medium", "from": 100}, {"name": "high", "from": 200}, {"name": "critical", "from": 350}],
    }
    first = _post(api, "/api/v1/softtargets/scales", scale)
    assert first.status_code == 201 and first.json()["version"] == 1
    second = _post(api, "/api/v1/softtargets/scales", scale)
    assert second.json()["version"] == 2 and second.json()["id"] != first.json()["id"]

    url = f"/api/v1/softtargets/{school.pk}/assessments"
    resp = _post(api, url, {"scale": "plzen", "scenarios": [{"name": "intruder", "scores": HIGH}, {"name": "arson", "scores": LOW}]})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["scale"] == "plzen" and body["version"] == 2
    assert [(s["name"], s["probability"], s["impact"], s["risk"], s["band"]) for s in body["scenarios"]] == [
        ("intruder", 15, 20, 300, "high"), ("arson", 4, 5, 20, "low"),
    ]
    assert body["overall"] == {"risk": 300, "band": "high"}

    missing = {k: v for k, v in HIGH.items() if k != "community"}
    resp = _post(api, url, {"scale": "plzen", "scenarios": [{"name": "x", "scores": missing}]})
    assert resp.status_code == 422 and "community" in resp.json()["detail"]
    resp = _post(api, url, {"scale": "plzen", "scenarios": [{"name": "x", "scores": {**HIGH, "lives": 8}}]})
    assert resp.status_code == 422 and "lives" in resp.json()["detail"] and "1" in resp.json()["detail"]
    resp = _post(api, url, {"scale": "nope", "scenarios": [{"name": "x", "scores": HIGH}]})
    assert resp.status_code == 422
    bad_scale = _post(api, "/api/v1/softtargets/scales", {**scale, "bands": [{"name": "low", "from": 500}]})
    assert bad_scale.status_code == 422

    listed = api.get(url).json()
    assert len(listed) == 1 and listed[0]["overall"] == {"risk": 300, "band": "high"}
    assert api.get(f"/api/v1/softtargets/{school.pk}").json()["risk"] == {"risk": 300, "band": "high"}


def test_public_sees_name_kind_and_protected_place_or_nothing(school: Any, manager: Any, token_for: Any, city_district: Any) -> None:
    from straz.softtargets import services

    anonymous = Client()
    assert anonymous.get("/api/v1/softtargets").json() == []
    assert anonymous.get(f"/api/v1/softtargets/{school.pk}").status_code == 404
    listed = services.register_target(
        actor=manager,
        data=services.TargetInput(name="Náměstí", kind="public_space", lat=49.74, lon=13.37, public_listing="protected_place"),
    )
    assert anonymous.get("/api/v1/softtargets").json() == [
        {"id": listed.pk, "name": "Náměstí", "kind": "public_space", "protected_place": True}
    ]
    assert anonymous.get(f"/api/v1/softtargets/{listed.pk}").json() == {
        "id": listed.pk, "name": "Náměstí", "kind": "public_space", "protected_place": True,
    }


def test_measures_api(school: Any, manager: Any, analyst: Any, token_for: Any) -> None:
    api = _client(token_for(manager))
    resp = _post(api, f"/api/v1/softtargets/{school.pk}/measures", {"kind": "regime", "title": "Lockdown drill", "owner": "OŠMT", "cost_planned": 5000, "deadline": "2026-01-31"})
    assert resp.status_code == 201, resp.content
    mid = resp.json()["id"]
    assert [m["title"] for m in api.get(f"/api/v1/softtargets/{school.pk}/measures").json()] == ["Lockdown drill"]
    resp = _put(api, f"/api/v1/softtargets/measures/{mid}", {"state": "done", "cost_spent": 4200})
    assert resp.status_code == 200 and resp.json()["state"] == "done" and resp.json()["cost_spent"] == "4200.00"
    other = _client(token_for(analyst))
    assert other.get(f"/api/v1/softtargets/{school.pk}/measures").status_code == 404
    assert _put(other, f"/api/v1/softtargets/measures/{mid}", {"state": "planned"}).status_code == 403


def test_staff_map_layer_has_points_but_no_restricted_part(assessed_school: Any, analyst: Any, token_for: Any) -> None:
    from straz.web.layers import registered_layers

    layer = next(layer for layer in registered_layers() if layer.key == "softtargets")
    assert not layer.public
    assert Client().get(layer.url).status_code == 401
    body = _client(token_for(analyst)).get(layer.url)
    assert body.status_code == 200 and b"SECRET" not in body.content
    feature = body.json()["features"][0]
    assert feature["geometry"]["coordinates"] == [13.3701, 49.7401]
    assert feature["properties"]["band"] == "high" and feature["properties"]["kind"] == "school"
