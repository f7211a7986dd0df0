"""Incidents: recording, legal state changes, alarm-level declarations, notifications, scope."""

from __future__ import annotations

from typing import Any

import pytest

from straz.accounts.models import AuditEntry
from straz.incidents.entries import entry_text
from straz.incidents.models import (
    AlarmDeclaration,
    Incident,
    IncidentType,
    TimelineEntry,
)
from tests.incidents.incident_fixtures import INCIDENT_BODY, audit_count

pytestmark = pytest.mark.django_db


def _outbox() -> Any:
    from straz.notifications.models import OutboxMessage

    return OutboxMessage.objects


# ---------------------------------------------------------------- types and creation


def test_standard_activity_types_are_seeded_in_three_languages() -> None:
    codes = set(IncidentType.objects.values_list("code", flat=True))
    for code in (
        "explosive-or-suspicious-object",
        "active-attacker",
        "mass-road-accident",
        "hazardous-substance-leak",
        "flood",
        "fire-many-persons",
        "air-accident",
        "railway-accident",
    ):
        assert code in codes
    for t in IncidentType.objects.all():
        assert t.name_cs and t.name_pl and t.name_en


def test_types_endpoint_names_types_in_the_requested_language(dispatcher_api: Any) -> None:
    resp = dispatcher_api.client.get(
        "/api/v1/incidents/types",
        HTTP_AUTHORIZATION=f"Bearer {dispatcher_api.token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert resp.status_code == 200
    names = {t["code"]: t["name"] for t in resp.json()}
    assert names["flood"] == "Flood"


def test_dispatcher_records_an_incident(dispatcher_api: Any, dispatcher: Any) -> None:
    before = audit_count()
    area = {
        "type": "Polygon",
        "coordinates": [[[13.36, 49.73], [13.38, 49.73], [13.38, 49.75], [13.36, 49.75], [13.36, 49.73]]],
    }
    resp = dispatcher_api.post("/incidents", {**INCIDENT_BODY, "affected_area": area})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["state"] == "reported"
    assert body["type"]["code"] == "mass-road-accident"
    assert body["facts"]["persons_threatened"] == 40
    assert body["facts"]["threatened"] == ["mass_road_accident"]
    assert body["affected_area"]["type"] == "Polygon"
    assert body["allowed_states"] == ["in_progress", "closed"]
    assert body["rescue_started_at"] is None
    incident = Incident.objects.get(pk=body["id"])
    assert incident.created_by == dispatcher
    assert audit_count() == before + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "incident.created" and entry.object_id == str(incident.pk)
    assert entry.actor == dispatcher
    timeline = list(TimelineEntry.objects.filter(incident=incident))
    assert [e.kind for e in timeline] == ["state"]
    assert timeline[0].author_label == "dispatcher"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"type": "no-such-type"}, "no-such-type"),
        ({"lat": 91}, None),
        ({"threatened": ["volcano"]}, None),
        ({"components": "everyone"}, None),
        ({"title": ""}, None),
        ({"persons_threatened": -1}, None),
        ({"unknown_field": 1}, "unknown_field"),
        (
            {
                "affected_area": {
                    "type": "Polygon",
                    "coordinates": [[[13.36, 49.73], [13.38, 49.75], [13.38, 49.73], [13.36, 49.75], [13.36, 49.73]]],
                }
            },
            "13.37",
        ),
        ({"affected_area": {"type": "Point", "coordinates": [13.3, 49.7]}}, "Point"),
    ],
)
def test_bad_incident_is_refused_and_nothing_is_stored(
    dispatcher_api: Any, change: dict[str, Any], needle: str | None
) -> None:
    before = (Incident.objects.count(), audit_count(), TimelineEntry.objects.count())
    resp = dispatcher_api.post("/incidents", {**INCIDENT_BODY, **change})
    assert resp.status_code == 422, resp.content
    detail = resp.json()["detail"]
    assert isinstance(detail, str) and detail
    if needle:
        assert needle in detail
    assert (Incident.objects.count(), audit_count(), TimelineEntry.objects.count()) == before


def test_self_intersecting_area_names_the_place_in_czech_by_default(dispatcher_api: Any) -> None:
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[13.36, 49.73], [13.38, 49.75], [13.38, 49.73], [13.36, 49.75], [13.36, 49.73]]],
    }
    resp = dispatcher_api.post("/incidents", {**INCIDENT_BODY, "affected_area": bow_tie})
    assert resp.status_code == 422
    detail = resp.json()["detail"]
    assert "13.37" in detail and "49.74" in detail
    english = dispatcher_api.client.post(
        "/api/v1/incidents",
        data={**INCIDENT_BODY, "affected_area": bow_tie},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {dispatcher_api.token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.status_code == 422
    assert "intersects itself" in english.json()["detail"]
    assert english.json()["detail"] != detail


# ---------------------------------------------------------------- states


def test_legal_path_through_the_states_records_start_and_end_of_rescue_work(
    dispatcher_api: Any, make_incident: Any
) -> None:
    incident = make_incident()
    path = f"/incidents/{incident.pk}/state"
    resp = dispatcher_api.post(path, {"state": "in_progress"})
    assert resp.status_code == 200, resp.content
    started = resp.json()["rescue_started_at"]
    assert started is not None and resp.json()["rescue_ended_at"] is None
    assert dispatcher_api.post(path, {"state": "liquidation"}).status_code == 200
    before = audit_count()
    resp = dispatcher_api.post(path, {"state": "closed", "note": "Komunikace zprůjezdněna."})
    assert resp.status_code == 200
    body = resp.json()
    assert body["state"] == "closed"
    assert body["rescue_started_at"] == started
    assert body["rescue_ended_at"] is not None and body["rescue_ended_at"] >= started
    assert body["allowed_states"] == []
    assert audit_count() == before + 1
    states = [
        e.data for e in TimelineEntry.objects.filter(incident=incident, kind="state").order_by("id")
    ][1:]
    assert [(d["from"], d["to"]) for d in states] == [
        ("reported", "in_progress"),
        ("in_progress", "liquidation"),
        ("liquidation", "closed"),
    ]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ([], "liquidation"),
        ([], "reported"),
        (["in_progress"], "reported"),
        (["in_progress", "liquidation"], "in_progress"),
        (["closed"], "in_progress"),
        (["in_progress", "closed"], "liquidation"),
    ],
)
def test_illegal_state_changes_are_refused_and_change_nothing(
    dispatcher_api: Any, make_incident: Any, start: list[str], target: str
) -> None:
    incident = make_incident()
    for step in start:
        assert dispatcher_api.post(f"/incidents/{incident.pk}/state", {"state": step}).status_code == 200
    incident.refresh_from_db()
    snapshot = (incident.state, incident.rescue_started_at, incident.rescue_ended_at)
    before = (audit_count(), TimelineEntry.objects.count())
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/state", {"state": target})
    assert resp.status_code == 409
    assert "cannot move" in resp.json()["detail"] or "nemůže" in resp.json()["detail"] or resp.json()["detail"]
    incident.refresh_from_db()
    assert (incident.state, incident.rescue_started_at, incident.rescue_ended_at) == snapshot
    assert (audit_count(), TimelineEntry.objects.count()) == before


def test_unknown_incident_is_404(dispatcher_api: Any) -> None:
    assert dispatcher_api.get("/incidents/999999").status_code == 404
    assert dispatcher_api.post("/incidents/999999/state", {"state": "closed"}).status_code == 404


# ---------------------------------------------------------------- alarm levels


def test_proposal_reads_the_incident_facts_with_citations(dispatcher_api: Any, make_incident: Any) -> None:
    incident = make_incident()
    resp = dispatcher_api.get(f"/incidents/{incident.pk}/proposal")
    assert resp.status_code == 200
    body = resp.json()
    assert body["level"] == "III"
    rules = {r["rule"] for r in body["reasons"]}
    assert "§23 a)" in rules
    assert all(r["text"] for r in body["reasons"])
    assert body["declared_level"] == ""


def test_declaring_the_proposed_or_a_higher_level_needs_no_reason(
    dispatcher_api: Any, make_incident: Any, dispatcher: Any
) -> None:
    incident = make_incident(threatened=[], persons_threatened=3)  # proposes I
    before = audit_count()
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/declarations", {"level": "II"})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["level"], body["proposed_level"], body["declared_by"]) == ("II", "I", "dispatcher")
    assert audit_count() == before + 1
    incident.refresh_from_db()
    assert incident.alarm_level == "II"
    entry = TimelineEntry.objects.filter(incident=incident, kind="declaration").get()
    assert entry.data["level"] == "II" and entry.data["proposed"] == "I"
    assert entry.author == dispatcher


def test_declaring_lower_than_proposed_needs_a_written_reason(
    dispatcher_api: Any, make_incident: Any
) -> None:
    incident = make_incident()  # proposes III
    before = (AlarmDeclaration.objects.count(), audit_count(), TimelineEntry.objects.count())
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/declarations", {"level": "II"})
    assert resp.status_code == 422
    assert "III" in resp.json()["detail"]
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/declarations", {"level": "II", "reason": "   "})
    assert resp.status_code == 422
    assert (AlarmDeclaration.objects.count(), audit_count(), TimelineEntry.objects.count()) == before
    incident.refresh_from_db()
    assert incident.alarm_level == ""
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/declarations",
        {"level": "II", "reason": "Vozidla mimo provoz, osoby již evakuovány."},
    )
    assert resp.status_code == 201
    declaration = AlarmDeclaration.objects.get(pk=resp.json()["id"])
    assert declaration.written_reason.startswith("Vozidla")
    assert declaration.proposed_level == "III"
    assert any(r["rule"] == "§23 a)" for r in declaration.reasons)


def _decide(api: Any, notice_id: int, **body: Any) -> Any:
    return api.post(
        f"/incidents/notices/{notice_id}/decision", {"basis": "duty_officer", "decided_by": "npor. Jan Služba", **body}
    )


def _notices(api: Any, incident_id: int) -> dict[str, dict[str, Any]]:
    resp = api.get(f"/incidents/{incident_id}/notices")
    assert resp.status_code == 200
    return {n["role"]: n for n in resp.json()}


def test_level_three_proposes_the_23_2_notices_and_sends_them_only_on_decision(
    dispatcher_api: Any, make_incident: Any, contacts: dict[str, Any]
) -> None:
    incident = make_incident()
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/declarations", {"level": "III"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert resp.status_code == 201
    # §23(2): nothing goes out on the declaration itself; both notices wait for a decision.
    assert not _outbox().filter(source_type="incident", source_id=str(incident.pk)).exists()
    proposed = _notices(dispatcher_api, incident.pk)
    assert {r: n["status"] for r, n in proposed.items()} == {"hejtman": "proposed", "orp_mayor": "proposed"}
    assert proposed["hejtman"]["would_tell"] == [f"{contacts['hejtman'].name} <{contacts['hejtman'].address}>"]
    assert proposed["orp_mayor"]["would_tell"] == [f"{contacts['orp_mayor'].name} <{contacts['orp_mayor'].address}>"]
    declared = TimelineEntry.objects.get(incident=incident, kind="declaration")
    assert "§23(2)" in entry_text(declared, language="en") and declared.data["notifications"] == []
    assert {(p["rule"], p["role"]) for p in declared.data["proposed_notices"]} == {
        ("§23(2)", "hejtman"), ("§23(2)", "orp_mayor")
    }
    # The duty officer decides for the hejtman: only that notice is sent.
    decided = _decide(dispatcher_api, proposed["hejtman"]["id"], decided_at="2026-12-03T06:30:00+01:00")
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "sent" and decided.json()["decided_by"] == "npor. Jan Služba"
    rows = list(_outbox().filter(source_type="incident", source_id=str(incident.pk)))
    assert [(r.rule, r.address) for r in rows] == [("§23(2)", contacts["hejtman"].address)]
    assert rows[0].payload["decision"]["basis"] == "duty_officer"
    assert rows[0].payload["decision"]["decided_by"] == "npor. Jan Služba"
    assert "npor. Jan Služba" in rows[0].body
    # The commander's request for the ORP mayor, recorded by the OPIS.
    asked = _decide(dispatcher_api, proposed["orp_mayor"]["id"], basis="commander_request", decided_by="Petr Velitel")
    assert asked.status_code == 200, asked.content
    rows = list(_outbox().filter(source_type="incident", source_id=str(incident.pk)))
    got = sorted((r.rule, r.address) for r in rows)
    assert got == [
        ("§23(2)", contacts["hejtman"].address),
        ("§23(2)", contacts["orp_mayor"].address),
    ]
    assert all(r.payload["level"] == "III" and r.payload["source_id"] == incident.pk for r in rows)
    # The endpoint lists them with their rule, state and attempts.
    listed = dispatcher_api.get(f"/incidents/{incident.pk}/notifications")
    assert listed.status_code == 200
    assert sorted((n["rule"], n["address"]) for n in listed.json()) == got
    assert all(n["state"] and n["attempts"] == 0 and n["message_id"] for n in listed.json())
    # A decided notice cannot be decided again (nothing sent twice).
    again_decided = _decide(dispatcher_api, proposed["hejtman"]["id"])
    assert again_decided.status_code == 409
    # Re-declaring the same level tells nobody anew and proposes nothing new.
    again = dispatcher_api.post(f"/incidents/{incident.pk}/declarations", {"level": "III"})
    assert again.status_code == 201
    assert _outbox().filter(source_type="incident", source_id=str(incident.pk)).count() == 2
    assert len(_notices(dispatcher_api, incident.pk)) == 2

def test_special_level_notifies_hejtman_orp_mayor_and_gr_hzs(
    dispatcher_api: Any, make_incident: Any, contacts: dict[str, Any]
) -> None:
    incident = make_incident()
    assert dispatcher_api.post(f"/incidents/{incident.pk}/declarations", {"level": "special"}).status_code == 201
    rows = _outbox().filter(source_type="incident", source_id=str(incident.pk))
    assert sorted((r.rule, r.address) for r in rows) == [
        ("§24(2)", contacts["hejtman"].address),
        ("§24(2)", contacts["orp_mayor"].address),
        ("§24(3)", contacts["gr_hzs"].address),
    ]
    # §13 f) is for a territory only, not for one site.
    assert not rows.filter(rule="§13 f)").exists()


def test_levels_one_and_two_notify_nobody(
    dispatcher_api: Any, make_incident: Any, contacts: dict[str, Any]
) -> None:
    incident = make_incident(threatened=[], persons_threatened=2)
    for level in ("I", "II"):
        assert dispatcher_api.post(f"/incidents/{incident.pk}/declarations", {"level": level}).status_code == 201
    assert _outbox().count() == 0
    assert dispatcher_api.get(f"/incidents/{incident.pk}/notifications").json() == []


def test_a_broken_contact_does_not_block_the_decision(
    dispatcher_api: Any, make_incident: Any, contacts: dict[str, Any]
) -> None:
    from straz.notifications.models import NotificationContact

    NotificationContact.objects.filter(pk=contacts["hejtman"].pk).update(address="not an address")
    incident = make_incident()
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/declarations", {"level": "III"})
    assert resp.status_code == 201
    proposed = _notices(dispatcher_api, incident.pk)
    for role in ("hejtman", "orp_mayor"):
        assert _decide(dispatcher_api, proposed[role]["id"]).status_code == 200
    rows = _outbox().filter(source_type="incident", source_id=str(incident.pk))
    assert [r.address for r in rows] == [contacts["orp_mayor"].address]
    entry = TimelineEntry.objects.filter(incident=incident, kind="declaration", data__notice__role="hejtman").first()
    assert entry is not None
    assert {"rule": "§23(2)", "contact": contacts["hejtman"].pk, "error": "invalid_address"} in entry.data["notice"][
        "notifications"
    ]

def test_territory_level_three_also_goes_to_the_higher_opis(
    dispatcher_api: Any, make_incident: Any, contacts: dict[str, Any]
) -> None:
    a, b = make_incident(), make_incident(title="Druhé místo", threatened=[], persons_threatened=5)
    resp = dispatcher_api.post(
        "/incidents/events", {"name": "Povodně Plzeňsko", "incidents": [a.pk, b.pk], "region_code": "CZ032", "orp_code": "3212"}
    )
    assert resp.status_code == 201, resp.content
    event_id = resp.json()["id"]
    assert [s["priority"] for s in resp.json()["sites"]] == [1, 2]
    lower = dispatcher_api.post(f"/incidents/events/{event_id}/declarations", {"level": "II"})
    assert lower.status_code == 422  # a site proposes III, so the territory does too
    resp = dispatcher_api.post(f"/incidents/events/{event_id}/declarations", {"level": "III"})
    assert resp.status_code == 201
    # §13 f) goes to the higher OPIS at once; §23(2) waits for the duty officer's decision.
    rows = _outbox().filter(source_type="event", source_id=str(event_id))
    assert sorted((r.rule, r.address) for r in rows) == [("§13 f)", contacts["higher_opis"].address)]
    listed_notices = dispatcher_api.get(f"/incidents/events/{event_id}/notices")
    assert listed_notices.status_code == 200
    proposed = {n["role"]: n for n in listed_notices.json()}
    assert set(proposed) == {"hejtman", "orp_mayor"} and {n["event"] for n in proposed.values()} == {event_id}
    # A territory has no commander: only the duty officer's decision applies.
    refused = _decide(dispatcher_api, proposed["orp_mayor"]["id"], basis="commander_request")
    assert refused.status_code == 403
    for role in ("hejtman", "orp_mayor"):
        assert _decide(dispatcher_api, proposed[role]["id"]).status_code == 200
    rows = _outbox().filter(source_type="event", source_id=str(event_id))
    assert sorted((r.rule, r.address) for r in rows) == [
        ("§13 f)", contacts["higher_opis"].address),
        ("§23(2)", contacts["hejtman"].address),
        ("§23(2)", contacts["orp_mayor"].address),
    ]
    # Each site's notifications list shows its territory's rows; each timeline has the entry.
    listed = dispatcher_api.get(f"/incidents/{b.pk}/notifications").json()
    assert {n["rule"] for n in listed} == {"§13 f)", "§23(2)"}
    for site in (a, b):
        assert TimelineEntry.objects.filter(incident=site, kind="declaration", data__territory=True).count() == 1
    detail = dispatcher_api.get(f"/incidents/events/{event_id}").json()
    assert detail["alarm_level"] == "III" and len(detail["declarations"]) == 1
    listed_events = dispatcher_api.get("/incidents/events").json()
    assert listed_events["count"] == 1 and listed_events["items"][0]["id"] == event_id


def test_site_priorities_within_an_event(dispatcher_api: Any, make_incident: Any) -> None:
    a, b, c = make_incident(), make_incident(title="B"), make_incident(title="C")
    event_id = dispatcher_api.post("/incidents/events", {"name": "Území", "incidents": [a.pk, b.pk]}).json()["id"]
    resp = dispatcher_api.post(f"/incidents/events/{event_id}/incidents", {"incidents": [c.pk]})
    assert resp.status_code == 200
    assert [(s["id"], s["priority"]) for s in resp.json()["sites"]] == [(a.pk, 1), (b.pk, 2), (c.pk, 3)]
    bad = dispatcher_api.post(f"/incidents/events/{event_id}/priorities", {"order": [c.pk, a.pk]})
    assert bad.status_code == 422
    before = audit_count()
    resp = dispatcher_api.post(f"/incidents/events/{event_id}/priorities", {"order": [c.pk, a.pk, b.pk]})
    assert resp.status_code == 200
    assert [s["id"] for s in resp.json()["sites"]] == [c.pk, a.pk, b.pk]
    assert audit_count() == before + 1
    # An incident belongs to one event only.
    other = dispatcher_api.post("/incidents/events", {"name": "Jiné", "incidents": [a.pk, make_incident().pk]})
    assert other.status_code == 409


# ---------------------------------------------------------------- timeline


def test_log_and_messages_are_timestamped_attributed_and_immutable(
    dispatcher_api: Any, make_incident: Any
) -> None:
    incident = make_incident()
    assert dispatcher_api.post(f"/incidents/{incident.pk}/log", {"text": "Volal řidič autobusu."}).status_code == 201
    msg = dispatcher_api.post(
        f"/incidents/{incident.pk}/messages", {"letter": "g", "text": "Dva zranění, jeden těžce."}
    )
    assert msg.status_code == 201
    assert msg.json()["letter"] == "g" and msg.json()["letter_label"]
    assert dispatcher_api.post(f"/incidents/{incident.pk}/messages", {"letter": "z", "text": "x"}).status_code == 422
    resp = dispatcher_api.get(f"/incidents/{incident.pk}/timeline")
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert [i["kind"] for i in items] == ["state", "log", "message"]
    assert all(i["author"] == "dispatcher" and i["at"] for i in items)
    entry = TimelineEntry.objects.get(pk=msg.json()["id"])
    entry.text = "changed"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    with pytest.raises(RuntimeError):
        TimelineEntry.objects.filter(incident=incident).update(text="rewritten")
    with pytest.raises(RuntimeError):
        TimelineEntry.objects.filter(incident=incident).delete()
    assert TimelineEntry.objects.get(pk=entry.pk).text == "Dva zranění, jeden těžce."


# ---------------------------------------------------------------- calls (§12)


def test_a_call_is_forwarded_with_who_and_when(dispatcher_api: Any, make_incident: Any) -> None:
    incident = make_incident()
    resp = dispatcher_api.post(
        "/incidents/calls",
        {"received_by_centre": "ZOS ZZS Plzeňského kraje", "summary": "Nehoda autobusu.", "incident": incident.pk},
    )
    assert resp.status_code == 201, resp.content
    call_id = resp.json()["id"]
    before = audit_count()
    fwd = dispatcher_api.post(
        f"/incidents/calls/{call_id}/forward", {"to_centre": "KOPIS HZS Plzeňského kraje", "to_opis": "KOPIS Plzeň"}
    )
    assert fwd.status_code == 200
    body = fwd.json()
    assert body["forwarded_to_centre"] == "KOPIS HZS Plzeňského kraje"
    assert body["forwarded_by"] == "dispatcher" and body["forwarded_at"]
    assert audit_count() == before + 1
    assert dispatcher_api.post(f"/incidents/calls/{call_id}/forward", {"to_centre": "X"}).status_code == 409
    assert TimelineEntry.objects.filter(incident=incident, kind="call").count() == 2


# ---------------------------------------------------------------- scope


WRITES = [
    ("post", "/incidents", INCIDENT_BODY),
    ("post", "/incidents/{id}/state", {"state": "in_progress"}),
    ("post", "/incidents/{id}/declarations", {"level": "III"}),
    ("post", "/incidents/{id}/commander", {"commander_name": "npor. Kovář"}),
    ("post", "/incidents/{id}/components/check-in", {"kind": "hzs", "leader_name": "X", "people": 4, "vehicles": 1}),
    ("post", "/incidents/{id}/log", {"text": "x"}),
    ("post", "/incidents/{id}/messages", {"letter": "a", "text": "x"}),
    ("put", "/incidents/{id}/facts", {"persons_threatened": 5000}),
    ("post", "/incidents/calls", {"received_by_centre": "A", "summary": "B"}),
]


def _state_of(incident: Incident) -> Any:
    incident.refresh_from_db()
    return (
        Incident.objects.count(),
        incident.state,
        incident.alarm_level,
        incident.persons_threatened,
        TimelineEntry.objects.count(),
        audit_count(),
    )


def test_anonymous_is_refused_everywhere(api_as: Any, make_incident: Any) -> None:
    incident = make_incident()
    anonymous = api_as(None)
    before = _state_of(incident)
    for method, path, body in WRITES:
        resp = getattr(anonymous, method)(path.format(id=incident.pk), body)
        assert resp.status_code == 401, (path, resp.status_code)
    for path in ("/incidents", "/incidents/board", f"/incidents/{incident.pk}", f"/incidents/{incident.pk}/timeline",
                 f"/incidents/{incident.pk}/notifications", "/incidents/types", "/incidents/calls"):
        resp = anonymous.get(path)
        assert resp.status_code == 401, path
        assert "detail" in resp.json()
    assert _state_of(incident) == before


@pytest.mark.parametrize("role", ["officer_user", "analyst", "manager"])
def test_other_roles_may_read_but_not_write(
    request: Any, role: str, api_as: Any, make_incident: Any, db: Any
) -> None:
    if role == "officer_user":
        from straz.accounts.models import Role, User

        user = User.objects.create_user(username="policista", password="x-pass", role=Role.OFFICER)
    else:
        user = request.getfixturevalue(role)
    incident = make_incident()
    client = api_as(user)
    before = _state_of(incident)
    for method, path, body in WRITES:
        resp = getattr(client, method)(path.format(id=incident.pk), body)
        assert resp.status_code == 403, (path, resp.status_code, resp.content)
        assert resp.json()["detail"]
    assert _state_of(incident) == before
    assert client.get(f"/incidents/{incident.pk}").status_code == 200
    assert client.get("/incidents/board").status_code == 200
    # Call records are read by every staff member; the caller's number only by the
    # operations centre (tests/incidents/test_caller_numbers.py).
    assert client.get("/incidents/calls").status_code == 200


def test_admin_may_write(api_as: Any, admin_user: Any) -> None:
    resp = api_as(admin_user).post("/incidents", INCIDENT_BODY)
    assert resp.status_code == 201


def test_session_writes_need_the_csrf_token(client_for: Any, dispatcher: Any) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(dispatcher)
    resp = strict.post("/api/v1/incidents", data=INCIDENT_BODY, content_type="application/json")
    assert resp.status_code in (401, 403)
    assert not Incident.objects.exists()


# ---------------------------------------------------------------- board


def _board_queries(client: Any, django_assert_max_num_queries: Any) -> tuple[int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        resp = client.get("/api/v1/incidents/board")
    assert resp.status_code == 200
    return len(ctx.captured_queries), resp.json()


def test_board_shows_level_commander_components_and_last_message_without_n_plus_one(
    client_for: Any, dispatcher: Any, make_incident: Any, django_assert_max_num_queries: Any
) -> None:
    from straz.incidents import services

    client = client_for(dispatcher)
    first = make_incident()
    services.assign_commander(user=dispatcher, incident_id=first.pk, commander_name="kpt. Novák")
    services.call_component(user=dispatcher, incident_id=first.pk, kind="zzs")
    services.check_in_component(
        user=dispatcher, incident_id=first.pk, kind="hzs", leader_name="Svoboda", people=6, vehicles=2
    )
    services.post_site_message(user=dispatcher, incident_id=first.pk, letter="a", text="Situace")
    services.declare_alarm_level(user=dispatcher, incident_id=first.pk, level="III")
    closed = make_incident(title="Zavřená")
    services.change_state(user=dispatcher, incident_id=closed.pk, target="closed")
    small, body = _board_queries(client, django_assert_max_num_queries)
    row = next(i for i in body["items"] if i["id"] == first.pk)
    assert row["alarm_level"] == "III"
    assert row["commander"] == "kpt. Novák"
    assert (row["components_called"], row["components_on_site"], row["components_en_route"]) == (2, 1, 1)
    assert row["people_on_site"] == 6
    assert row["last_message_at"] is not None and row["seconds_since_last_message"] >= 0
    assert closed.pk not in {i["id"] for i in body["items"]}
    # Twenty more incidents, each with a commander, components and messages: same query count.
    for n in range(20):
        inc = make_incident(title=f"Místo {n}")
        services.assign_commander(user=dispatcher, incident_id=inc.pk, commander_name=f"Velitel {n}")
        services.check_in_component(
            user=dispatcher, incident_id=inc.pk, kind="pcr", leader_name="L", people=2, vehicles=1
        )
        services.post_site_message(user=dispatcher, incident_id=inc.pk, letter="f", text="Práce")
    large, body = _board_queries(client, django_assert_max_num_queries)
    assert body["count"] == 21
    assert large == small
    assert large <= 4  # session, user, the board query (+ nothing per incident)


def test_deleting_an_incident_from_the_back_office_is_not_offered(admin_user: Any, make_incident: Any) -> None:
    from django.test import Client

    incident = make_incident()
    c = Client()
    c.force_login(admin_user)
    resp = c.get(f"/admin/incidents/incident/{incident.pk}/delete/")
    assert resp.status_code in (302, 403)
    assert Incident.objects.filter(pk=incident.pk).exists()
    resp = c.get("/admin/incidents/incidenttype/")
    assert resp.status_code == 200
    # The seeded types are listed (the list works; only deleting is withheld).
    assert incident.type.code in resp.content.decode()


def test_refined_facts_change_the_proposal(dispatcher_api: Any, make_incident: Any) -> None:
    incident = make_incident(threatened=[], persons_threatened=3)
    assert dispatcher_api.get(f"/incidents/{incident.pk}/proposal").json()["level"] == "I"
    before = audit_count()
    resp = dispatcher_api.put(
        f"/incidents/{incident.pk}/facts", {"persons_threatened": 5000, "threatened": ["whole_municipality"]}
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["facts"]["persons_threatened"] == 5000
    assert audit_count() == before + 1
    proposal = dispatcher_api.get(f"/incidents/{incident.pk}/proposal").json()
    assert proposal["level"] == "special"
    assert {"§24 a)"} <= {r["rule"] for r in proposal["reasons"]}


def test_declaration_and_its_notifications_commit_together(
    dispatcher: Any, make_incident: Any, contacts: dict[str, Any], monkeypatch: Any
) -> None:
    """If writing a notification fails, the declaration is not stored either (one transaction)."""
    from straz.incidents import services
    from straz.notifications import outbox

    incident = make_incident()
    real = outbox.enqueue
    calls = []

    def failing_second(**kwargs: Any) -> Any:
        calls.append(kwargs["rule"])
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(outbox, "enqueue", failing_second)
    before = (AlarmDeclaration.objects.count(), audit_count(), TimelineEntry.objects.count())
    with pytest.raises(RuntimeError):
        services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="special")
    assert len(calls) == 2
    assert (AlarmDeclaration.objects.count(), audit_count(), TimelineEntry.objects.count()) == before
    assert _outbox().count() == 0
    incident.refresh_from_db()
    assert incident.alarm_level == ""


def test_deciding_iii_notices_without_contacts_records_whom_nobody_told(
    dispatcher_api: Any, make_incident: Any
) -> None:
    """No contact for the hejtman or the ORP mayor: the level and decision stand, the gap is on record."""
    incident = make_incident()
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/declarations", {"level": "III"}, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 201
    proposed = _notices(dispatcher_api, incident.pk)
    assert proposed["hejtman"]["would_tell"] == []
    decided = dispatcher_api.post(
        f"/incidents/notices/{proposed['hejtman']['id']}/decision",
        {"basis": "duty_officer", "decided_by": "Jan Služba"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert decided.status_code == 200
    assert {(n["rule"], n["role"], n["error"]) for n in decided.json()["sent"]} == {("§23(2)", "hejtman", "no_contact")}
    assert not _outbox().filter(source_type="incident", source_id=str(incident.pk)).exists()
    entry = TimelineEntry.objects.filter(incident=incident, kind="declaration").latest("at", "id")
    assert "No notification contact" in entry_text(entry, language="en") and "hejtman" in entry_text(entry, language="en")
