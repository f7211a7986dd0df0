"""POST /api/v1/incidents/alarm-level: staff only, strict about its input, no side effects."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from straz.accounts.models import AuditEntry, User
from straz.incidents.alarm.rules import (
    COMPONENTS,
    COORDINATION,
    THREATENED_ITEMS,
    IncidentFacts,
    Reason,
    propose_alarm_level,
    propose_territory_level,
)
from straz.incidents.alarm.texts import KNOWN_CODES, individual_persons_max, reason_text
from straz.incidents.api.alarm import ComponentsValue, CoordinationValue, ThreatenedItem

URL = "/api/v1/incidents/alarm-level"


def _post(client: Client, body: Any, *, raw: str | None = None, **headers: Any) -> Any:
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


@pytest.fixture
def dispatcher_api(dispatcher: User, token_for: Callable[[User], str]) -> Client:
    """A client sending the dispatcher's Bearer token (English answers unless told)."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(dispatcher)}")


# ------------------------------------------------------------------ answers


def test_answer_shape_and_citations(dispatcher_api: Client) -> None:
    resp = _post(
        dispatcher_api,
        {"persons_threatened": 150, "area_m2": 400, "threatened": ["air_accident"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert set(body) == {"level", "reasons"}
    assert body["level"] == "III"
    for reason in body["reasons"]:
        assert set(reason) == {"rule", "level", "text"}
        assert reason["text"]
    rules = [r["rule"] for r in body["reasons"]]
    assert [r["level"] for r in body["reasons"]] == ["III", "III", "I", "I"]
    assert rules == ["§23 a)", "§23 a)", "§21 a)", "§21 b)"]
    texts = " ".join(r["text"] for r in body["reasons"])
    assert "more than 100 and at most 1,000 persons (150)" in texts
    assert "air transport accident" in texts
    assert "up to 500 m² (400 m²)" in texts


def test_defaults_are_level_one_by_basic_components(dispatcher_api: Client) -> None:
    resp = _post(dispatcher_api, {})
    assert resp.status_code == 200
    body = resp.json()
    assert body["level"] == "I"
    assert [r["rule"] for r in body["reasons"]] == ["§21 b)"]


@pytest.mark.parametrize(
    ("body", "level", "rule"),
    [
        ({"complicated_objects": 2}, "II", "§22 a)"),
        # One object is excluded from §21 a): at least II, cited by that exclusion.
        ({"complicated_objects": 1}, "II", "§21 a)"),
        ({"components": "basic_and_other_from_region"}, "II", "§22 b)"),
        ({"coordination": "continuous"}, "II", "§22 c)"),
        ({"components": "other_regions"}, "III", "§23 b)"),
        ({"coordination": "staff_and_sectors"}, "III", "§23 c)"),
        ({"area_m2": 1_000_001}, "special", "§24 a)"),
        (
            {"threatened": ["whole_municipality"], "coordination": "staff_and_sectors"},
            "special",
            "§24 c)",
        ),
        ({"components": "national_or_foreign_help"}, "special", "§24 b)"),
        (
            {"coordination": "strategic", "persons_threatened": None, "area_m2": None},
            "special",
            "§24 d)",
        ),
        ({"area_m2": 10_000.0}, "II", "§22 a)"),
    ],
)
def test_levels_through_the_api(
    dispatcher_api: Client, body: dict[str, Any], level: str, rule: str
) -> None:
    resp = _post(dispatcher_api, body)
    assert resp.status_code == 200, resp.content
    assert resp.json()["level"] == level
    assert rule in [r["rule"] for r in resp.json()["reasons"]]


def test_one_complicated_object_is_two_by_21_a_and_two_objects_are_22_a(
    dispatcher_api: Client,
) -> None:
    """§21 a) excludes an object with complicated conditions from I; §22 a) names more than one."""
    one = _post(dispatcher_api, {"complicated_objects": 1}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert one["level"] == "II"
    assert [(r["rule"], r["level"]) for r in one["reasons"]] == [("§21 a)", "II"), ("§21 b)", "I")]
    assert "§21 a)" in one["reasons"][0]["text"] and "at least II" in one["reasons"][0]["text"]
    two = _post(dispatcher_api, {"complicated_objects": 2}).json()
    assert two["level"] == "II"
    assert [(r["rule"], r["level"]) for r in two["reasons"]] == [("§22 a)", "II"), ("§21 b)", "I")]


def test_individual_persons_follows_the_setting(dispatcher_api: Client, settings: Any) -> None:
    body = {"persons_threatened": 15}
    assert _post(dispatcher_api, body).json()["level"] == "II"  # default 10
    settings.STRAZ = {**settings.STRAZ, "IZS_INDIVIDUAL_PERSONS_MAX": 20}
    resp = _post(dispatcher_api, body, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.json()["level"] == "I"
    assert "up to 20 count as individual persons" in resp.json()["reasons"][0]["text"]


def test_admin_and_session_are_allowed(
    admin_user: User, client_for: Callable[[User], Client]
) -> None:
    resp = _post(client_for(admin_user), {"persons_threatened": 2_000})
    assert resp.status_code == 200
    assert resp.json()["level"] == "special"


# ------------------------------------------------------------------ refusals


def test_anonymous_is_refused(db: Any) -> None:
    resp = _post(Client(), {"persons_threatened": 5})
    assert resp.status_code == 401
    assert resp.json()["detail"] == "Přihlaste se nebo pošlete platný API token."
    # Authentication comes first: a bad body does not tell an anonymous caller anything.
    assert _post(Client(), {"nonsense": 1}).status_code == 401


def test_roles_outside_the_operations_centre_are_refused(
    officer: User, analyst: User, token_for: Callable[[User], str]
) -> None:
    for user in (officer, analyst):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
        resp = _post(client, {"persons_threatened": 5})
        assert resp.status_code == 403
        assert resp.json()["detail"]


BAD_BODIES = {
    "unknown field": ({"persons": 5}, "persons"),
    "unknown threatened item": ({"threatened": ["single_object", "meteor"]}, "meteor"),
    "threatened not a list": ({"threatened": "single_object"}, "threatened"),
    "threatened null": ({"threatened": None}, "threatened"),
    "threatened item not text": ({"threatened": [7]}, "threatened"),
    "unknown components": ({"components": "army"}, "components"),
    "components null": ({"components": None}, "components"),
    "unknown coordination": ({"coordination": "tactical"}, "coordination"),
    "coordination wrong case": ({"coordination": "Strategic"}, "coordination"),
    "negative persons": ({"persons_threatened": -1}, "persons_threatened"),
    "fractional persons": ({"persons_threatened": 1.5}, "persons_threatened"),
    "persons as text": ({"persons_threatened": "12"}, "persons_threatened"),
    "persons as boolean": ({"persons_threatened": True}, "persons_threatened"),
    "negative area": ({"area_m2": -0.1}, "area_m2"),
    "area as text": ({"area_m2": "500"}, "area_m2"),
    "negative objects": ({"complicated_objects": -2}, "complicated_objects"),
    "objects null": ({"complicated_objects": None}, "complicated_objects"),
    "too many items": ({"threatened": ["single_object"] * 101}, "threatened"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_input_is_refused_with_a_message_naming_the_field(
    dispatcher_api: Client, case: str
) -> None:
    body, named = BAD_BODIES[case]
    resp = _post(dispatcher_api, body, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 422, resp.content
    detail = resp.json()["detail"]
    assert isinstance(detail, str)
    assert named in detail, detail


@pytest.mark.parametrize(
    "raw", ['{"area_m2": NaN}', '{"area_m2": Infinity}', '{"area_m2": 1e999}', "[]", '"x"']
)
def test_non_finite_numbers_and_non_objects_are_refused(dispatcher_api: Client, raw: str) -> None:
    resp = _post(dispatcher_api, None, raw=raw)
    assert resp.status_code in (400, 422), resp.content
    assert resp.json()["detail"]


def test_refusals_list_the_allowed_values(dispatcher_api: Client) -> None:
    detail = _post(dispatcher_api, {"components": "army"}, HTTP_ACCEPT_LANGUAGE="en").json()[
        "detail"
    ]
    assert detail == (
        "“army” is not an allowed value of “components”. Allowed values: basic_uncoordinated, "
        "basic_and_other_from_region, other_regions, national_or_foreign_help."
    )
    detail = _post(dispatcher_api, {"x": 1}, HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert detail.startswith("Unknown field “x”. Allowed fields: persons_threatened, area_m2")


def test_refusals_speak_czech_by_default_and_english_on_request(dispatcher_api: Client) -> None:
    czech = _post(dispatcher_api, {"sector": 1}).json()["detail"]
    english = _post(dispatcher_api, {"sector": 1}, HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert czech.startswith("Neznámé pole „sector“.")
    assert english.startswith("Unknown field “sector”.")
    forbidden_cs = _post(Client(), {}).json()["detail"]
    forbidden_en = _post(Client(), {}, HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert forbidden_cs != forbidden_en


# ------------------------------------------------------------------ no side effects


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_preview_writes_nothing(dispatcher: User, client_for: Callable[[User], Client]) -> None:
    client = client_for(dispatcher)
    before_audit = AuditEntry.objects.count()
    before = _row_counts()
    bodies = [
        {"persons_threatened": 2_000, "coordination": "strategic"},
        {"threatened": ["air_accident"], "components": "other_regions"},
        {"components": "army"},
        {"persons_threatened": -5},
    ]
    with CaptureQueriesContext(connection) as queries:
        statuses = [_post(client, body).status_code for body in bodies]
    assert statuses == [200, 200, 422, 422]
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert AuditEntry.objects.count() == before_audit
    assert _row_counts() == before


# ------------------------------------------------------------------ text and setting


def test_the_api_accepts_exactly_the_values_the_rule_knows() -> None:
    from typing import get_args

    assert list(get_args(ThreatenedItem)) == list(THREATENED_ITEMS)
    assert list(get_args(ComponentsValue)) == list(COMPONENTS)
    assert list(get_args(CoordinationValue)) == list(COORDINATION)


def _every_reason() -> list[Reason]:
    """Reasons for every code the rule can emit."""
    found: dict[str, Reason] = {}
    facts = [
        IncidentFacts(persons_threatened=p, area_m2=a)
        for p, a in [(5, 100), (50, 5_000), (500, 500_000), (5_000, 5_000_000)]
    ]
    facts += [IncidentFacts(None, None, complicated_objects=n) for n in (1, 3)]
    facts += [IncidentFacts(None, None, threatened=frozenset(THREATENED_ITEMS))]
    facts += [IncidentFacts(None, None, components=c) for c in COMPONENTS]
    facts += [IncidentFacts(None, None, coordination=c) for c in COORDINATION]
    facts += [
        IncidentFacts(
            None, None, coordination="staff_and_sectors", components="national_or_foreign_help"
        )
    ]
    for f in facts:
        for reason in propose_alarm_level(f, individual_persons_max=10).reasons:
            found.setdefault(reason.code, reason)
    # A territory whose sites lie in several regions (§20(3), §23 b).
    two_regions = propose_territory_level(
        [IncidentFacts(None, None), IncidentFacts(None, None)], regions=2, individual_persons_max=10
    )
    for reason in two_regions.own.reasons:
        found.setdefault(reason.code, reason)
    return list(found.values())


def test_every_reason_code_has_its_own_text() -> None:
    reasons = _every_reason()
    assert {r.code for r in reasons} == KNOWN_CODES
    with translation.override("en"):
        texts = [reason_text(r) for r in reasons]
    assert all(texts) and len(set(texts)) == len(texts)
    assert all("%(" not in t for t in texts), texts


def test_numbers_are_formatted_for_the_language() -> None:
    reason = Reason("§24 a)", "area_over_1_km2", {"area_m2": 1_250_000.0})
    with translation.override("en"):
        assert "(1,250,000 m²)" in reason_text(reason)
    with translation.override("cs"):
        assert "1\xa0250\xa0000" in reason_text(reason)
    fractional = Reason("§22 a)", "area_up_to_10000_m2", {"area_m2": 2_500.25})
    with translation.override("en"):
        assert "(2,500.25 m²)" in reason_text(fractional)


def test_setting_reading(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.STRAZ = {k: v for k, v in settings.STRAZ.items() if k != "IZS_INDIVIDUAL_PERSONS_MAX"}
    monkeypatch.delenv("STRAZ_IZS_INDIVIDUAL_PERSONS_MAX", raising=False)
    assert individual_persons_max() == 10
    monkeypatch.setenv("STRAZ_IZS_INDIVIDUAL_PERSONS_MAX", "25")
    assert individual_persons_max() == 25
    settings.STRAZ = {**settings.STRAZ, "IZS_INDIVIDUAL_PERSONS_MAX": 4}
    assert individual_persons_max() == 4  # the settings key wins over the environment
    for bad in (0, 100, 101, "many", True):
        settings.STRAZ = {**settings.STRAZ, "IZS_INDIVIDUAL_PERSONS_MAX": bad}
        with pytest.raises(ImproperlyConfigured):
            individual_persons_max()
