"""Command of a joint intervention: first commander, successor, handover (§3(7)), §3(6) order."""

from __future__ import annotations

from typing import Any

import pytest

from straz.incidents.models import CommandAssignment, TimelineEntry
from tests.incidents.incident_fixtures import audit_count

pytestmark = pytest.mark.django_db

BRIEFING = {
    "situation": "Hoří sklad, dva zranění předáni ZZS.",
    "aim": "Zabránit rozšíření na sousední halu.",
    "priorities": "1) chladit nádrže, 2) odvětrat halu B.",
}


def _with_commander(dispatcher_api: Any, make_incident: Any, **extra: Any) -> Any:
    incident = make_incident()
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/commander",
        {"commander_name": "npor. Petr Kovář", "component": "hzs", **extra},
    )
    assert resp.status_code == 201, resp.content
    return incident


def test_first_commander_is_recorded_and_shown(dispatcher_api: Any, make_incident: Any) -> None:
    before = audit_count()
    incident = _with_commander(dispatcher_api, make_incident, successor_name="por. Jan Malý")
    assert audit_count() == before + 2  # creation + command
    detail = dispatcher_api.get(f"/incidents/{incident.pk}").json()
    assert detail["commander"]["commander_name"] == "npor. Petr Kovář"
    assert detail["commander"]["successor_name"] == "por. Jan Malý"
    assert detail["commander"]["how"] == "initial"
    # A second "first" commander is refused: changes go through a handover.
    again = dispatcher_api.post(f"/incidents/{incident.pk}/commander", {"commander_name": "Někdo"})
    assert again.status_code == 409
    assert CommandAssignment.objects.filter(incident=incident).count() == 1


def test_handover_records_briefing_declaration_time_and_name(
    dispatcher_api: Any, make_incident: Any
) -> None:
    incident = _with_commander(dispatcher_api, make_incident)
    before = audit_count()
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/commander/handover",
        {"new_commander_name": "mjr. Eva Dvořáková", "component": "hzs", **BRIEFING},
    )
    assert resp.status_code == 201, resp.content
    new = resp.json()
    assert new["how"] == "handover"
    assert new["takeover_declaration"] == "Přebírám velení"
    assert new["briefing_situation"] == BRIEFING["situation"]
    assert new["briefing_aim"] == BRIEFING["aim"]
    assert new["briefing_priorities"] == BRIEFING["priorities"]
    assert new["recorded_by"] == "dispatcher"
    assert audit_count() == before + 1
    commands = list(CommandAssignment.objects.filter(incident=incident).order_by("id"))
    assert len(commands) == 2
    old, cur = commands
    assert old.ended_at == cur.started_at  # no gap, no overlap
    incident.refresh_from_db()
    assert incident.current_command_id == cur.pk
    # §3(8) / §6 e): the record holds the time of the change and the new commander's name.
    entry = TimelineEntry.objects.get(incident=incident, kind="message", letter="e")
    assert entry.data["to"] == "mjr. Eva Dvořáková" and entry.data["from"] == "npor. Petr Kovář"
    assert entry.at == cur.started_at
    assert "mjr. Eva Dvořáková" in entry.rendered and "Přebírám velení" in entry.rendered
    assert entry.author_label == "dispatcher"


@pytest.mark.parametrize("missing", ["situation", "aim", "priorities"])
def test_handover_without_a_full_briefing_is_refused(
    dispatcher_api: Any, make_incident: Any, missing: str
) -> None:
    incident = _with_commander(dispatcher_api, make_incident)
    before = (audit_count(), CommandAssignment.objects.count(), TimelineEntry.objects.count())
    body = {"new_commander_name": "mjr. Eva Dvořáková", **BRIEFING, missing: ""}
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/commander/handover", body)
    assert resp.status_code == 422
    assert (audit_count(), CommandAssignment.objects.count(), TimelineEntry.objects.count()) == before


def test_handover_needs_a_commander_first(dispatcher_api: Any, make_incident: Any) -> None:
    incident = make_incident()
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/commander/handover", {"new_commander_name": "X", **BRIEFING}
    )
    assert resp.status_code == 409


def _check_in(dispatcher_api: Any, incident: Any, kind: str, leader: str, people: int) -> int:
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/components/check-in",
        {"kind": kind, "leader_name": leader, "people": people, "vehicles": 1},
    )
    assert resp.status_code == 201, resp.content
    return int(resp.json()["id"])


def test_takeover_follows_the_order_successor_then_prevailing_component_then_authority(
    dispatcher_api: Any, make_incident: Any
) -> None:
    incident = _with_commander(dispatcher_api, make_incident, successor_name="por. Jan Malý")
    _check_in(dispatcher_api, incident, "pcr", "prap. Karel Dub", 4)
    zzs = _check_in(dispatcher_api, incident, "zzs", "MUDr. Anna Lípová", 9)
    options = dispatcher_api.get(f"/incidents/{incident.pk}/commander/takeover").json()
    assert [(o["rule"], o["name"]) for o in options] == [
        ("§3(6) a)", "por. Jan Malý"),
        ("§3(6) b)", "MUDr. Anna Lípová"),
        ("§3(6) c)", ""),
    ]
    assert options[1]["deployment_id"] == zzs and options[1]["component"] == "zzs"
    # Skipping a) needs a reason.
    skip = dispatcher_api.post(
        f"/incidents/{incident.pk}/commander/takeover", {"how": "prevailing_component"}
    )
    assert skip.status_code == 409
    assert "por. Jan Malý" in skip.json()["detail"]
    # Without a choice the rule's proposal (a) takes over.
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/commander/takeover", {})
    assert resp.status_code == 201, resp.content
    assert (resp.json()["commander_name"], resp.json()["how"]) == ("por. Jan Malý", "successor")
    # The new commander named no successor: b) comes first now.
    options = dispatcher_api.get(f"/incidents/{incident.pk}/commander/takeover").json()
    assert options[0]["rule"] == "§3(6) b)"
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/commander/takeover", {})
    assert (resp.json()["commander_name"], resp.json()["how"]) == ("MUDr. Anna Lípová", "prevailing_component")
    assert resp.json()["commander_component"] == "zzs"
    # c) needs the representative's name, and skipping b) a reason.
    no_name = dispatcher_api.post(
        f"/incidents/{incident.pk}/commander/takeover",
        {"how": "authority_representative", "skip_reason": "MUDr. Lípová ošetřuje zraněné."},
    )
    assert no_name.status_code == 422
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/commander/takeover",
        {
            "how": "authority_representative",
            "new_commander_name": "Ing. Tomáš Hora, krajský úřad",
            "skip_reason": "MUDr. Lípová ošetřuje zraněné.",
        },
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["how"] == "authority_representative"
    changes = TimelineEntry.objects.filter(incident=incident, kind="message", letter="e").order_by("id")
    assert [e.data["how"] for e in changes] == ["successor", "prevailing_component", "authority_representative"]
    assert TimelineEntry.objects.filter(incident=incident, kind="log", text__startswith="MUDr.").count() == 1


def test_takeover_with_nobody_qualifying_under_b_is_refused(dispatcher_api: Any, make_incident: Any) -> None:
    incident = _with_commander(dispatcher_api, make_incident)
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/commander/takeover", {"how": "prevailing_component"}
    )
    assert resp.status_code == 409
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/commander/takeover", {})
    assert resp.status_code == 422  # c) is the only option and needs a name


def test_naming_a_successor(dispatcher_api: Any, make_incident: Any) -> None:
    incident = _with_commander(dispatcher_api, make_incident)
    before = audit_count()
    resp = dispatcher_api.post(f"/incidents/{incident.pk}/commander/successor", {"successor_name": "por. Malý"})
    assert resp.status_code == 200
    assert resp.json()["successor_name"] == "por. Malý"
    assert audit_count() == before + 1


def test_closed_incident_takes_no_command_changes(dispatcher_api: Any, make_incident: Any) -> None:
    incident = _with_commander(dispatcher_api, make_incident)
    assert dispatcher_api.post(f"/incidents/{incident.pk}/state", {"state": "closed"}).status_code == 200
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/commander/handover", {"new_commander_name": "X", **BRIEFING}
    )
    assert resp.status_code == 409
