"""Geography decides who is told: §23(2)/§24/§13 f) recipients follow the incident's location
(territory.locate); typed codes only override; an unknown place is refused unless the
dispatcher confirms notifying by other means."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from straz.accounts.models import AuditEntry, User
from straz.demo.territory import create_izs_areas
from straz.incidents import services
from straz.incidents.alarm.recipients import Place, Scope, notices_for, targets, unresolved
from straz.incidents.entries import entry_text
from straz.incidents.models import AlarmDeclaration, Incident, TimelineEntry
from straz.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

# Inside the demo's Plzeňský kraj and ORP Plzeň (the city centre), and in none of them (Prague).
IN_PLZEN = {"lat": 49.7477, "lon": 13.3776}
OUTSIDE = {"lat": 50.0875, "lon": 14.4205}


def _untyped(make_incident: Any, where: dict[str, float]) -> Incident:
    incident: Incident = make_incident(region_code="", orp_code="", **where)
    return incident


def _rows(incident: Incident) -> list[tuple[str, str]]:
    rows = OutboxMessage.objects.filter(source_type="incident", source_id=str(incident.pk))
    return sorted((r.rule, r.address) for r in rows)


# ---------------------------------------------------------------- the pure rule


def test_level_three_asks_for_the_region_and_the_orp_special_also_the_nation() -> None:
    assert [(n.rule, n.role, n.scope) for n in notices_for("III", territory=False)] == [
        ("§23(2)", "hejtman", Scope.REGION),
        ("§23(2)", "orp_mayor", Scope.ORP),
    ]
    assert {n.role for n in notices_for("special", territory=True)} == {"hejtman", "orp_mayor", "gr_hzs", "higher_opis"}
    assert notices_for("II", territory=True) == ()


def test_a_notice_is_unresolved_when_any_site_lacks_its_area() -> None:
    notices = notices_for("special", territory=True)
    known = [Place("CZ032", "3212")]
    assert unresolved(notices, known) == []
    missing = unresolved(notices, [Place("CZ032", "3212"), Place("CZ032", "")])
    assert [n.role for n in missing] == ["orp_mayor"]
    # The GŘ HZS is national: it never depends on where the sites are.
    assert {n.role for n in unresolved(notices, [])} == {"hejtman", "orp_mayor", "higher_opis"}


def test_targets_are_one_per_region_or_orp() -> None:
    hejtman, mayor, national = notices_for("special", territory=False)
    places = [Place("CZ032", "3212"), Place("CZ032", "3213"), Place("CZ020", "2101")]
    assert targets(hejtman, places) == [Place("CZ032", ""), Place("CZ020", "")]
    assert targets(mayor, places) == places
    assert targets(national, places) == [Place("", "")]


# ---------------------------------------------------------------- derived from the location


def _decide_all(user: User, source: Any) -> None:
    """The duty officer decides to send every §23(2) notice still proposed for a site or territory."""
    for row in services.pending_notices(source):
        if row["proposal"].is_pending:
            services.decide_notice(
                user=user, proposal_id=row["proposal"].pk, basis="duty_officer", decided_by_name="Jan Služba"
            )


def test_level_three_inside_the_demo_region_tells_its_hejtman_and_mayor_without_typed_codes(
    dispatcher: User, make_incident: Any, contacts: dict[str, Any]
) -> None:
    create_izs_areas()
    incident = _untyped(make_incident, IN_PLZEN)
    assert (incident.region_code, incident.orp_code) == ("", "")
    services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="III")
    assert _rows(incident) == []  # §23(2) waits for the duty officer's decision (ADR 0028)
    _decide_all(dispatcher, incident)
    assert _rows(incident) == [
        ("§23(2)", contacts["hejtman"].address),
        ("§23(2)", contacts["orp_mayor"].address),
    ]
    payloads = [m.payload for m in OutboxMessage.objects.filter(source_id=str(incident.pk))]
    assert {(p["region_code"]) for p in payloads} == {"CZ032"}
    entry = TimelineEntry.objects.filter(incident=incident, kind="declaration").order_by("id").first()
    assert entry is not None and "declaration" in entry.data
    assert "notified_by_other_means" not in entry.data


def test_a_typed_code_overrides_the_located_one(
    dispatcher: User, make_incident: Any, contacts: dict[str, Any]
) -> None:
    create_izs_areas()
    incident = make_incident(region_code="", orp_code="3299", **IN_PLZEN)
    services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="III")
    _decide_all(dispatcher, incident)
    # The typed ORP wins over the located 3212; the region still comes from the location.
    assert _rows(incident) == sorted(
        [("§23(2)", contacts["hejtman"].address), ("§23(2)", contacts["orp_other"].address)]
    )
    other = make_incident(region_code="CZ020", orp_code="", **IN_PLZEN)
    services.declare_alarm_level(user=dispatcher, incident_id=other.pk, level="III")
    _decide_all(dispatcher, other)
    got = _rows(other)
    assert ("§23(2)", contacts["hejtman_other"].address) in got
    assert ("§23(2)", contacts["hejtman"].address) not in got


def test_a_territory_finds_its_region_from_its_sites(
    dispatcher: User, make_incident: Any, contacts: dict[str, Any]
) -> None:
    create_izs_areas()
    a = _untyped(make_incident, IN_PLZEN)
    b = _untyped(make_incident, {"lat": 49.73, "lon": 13.40})
    event = services.create_event(user=dispatcher, name="Povodeň", incident_ids=[a.pk, b.pk])
    services.declare_alarm_level(user=dispatcher, event_id=event.pk, level="III")
    _decide_all(dispatcher, event)
    rows = OutboxMessage.objects.filter(source_type="event", source_id=str(event.pk))
    assert sorted((r.rule, r.address) for r in rows) == sorted(
        [
            ("§23(2)", contacts["hejtman"].address),
            ("§23(2)", contacts["orp_mayor"].address),
            ("§13 f)", contacts["higher_opis"].address),
        ]
    )


# ---------------------------------------------------------------- refusal and confirmation


def test_outside_every_region_is_refused_without_the_confirmation(
    dispatcher_api: Any, make_incident: Any, contacts: dict[str, Any]
) -> None:
    create_izs_areas()
    incident = _untyped(make_incident, OUTSIDE)
    before = (AlarmDeclaration.objects.count(), AuditEntry.objects.count(), TimelineEntry.objects.count())
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/declarations", {"level": "III"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert resp.status_code == 422
    message = resp.json()["detail"]
    assert "cannot be determined" in message and "by other means" in message
    assert (AlarmDeclaration.objects.count(), AuditEntry.objects.count(), TimelineEntry.objects.count()) == before
    incident.refresh_from_db()
    assert incident.alarm_level == ""
    assert not OutboxMessage.objects.exists()


def test_outside_every_region_is_accepted_with_the_confirmation_and_it_is_on_record(
    dispatcher_api: Any, make_incident: Any, contacts: dict[str, Any]
) -> None:
    create_izs_areas()
    incident = _untyped(make_incident, OUTSIDE)
    resp = dispatcher_api.post(
        f"/incidents/{incident.pk}/declarations",
        {"level": "III", "notify_by_other_means": True},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert resp.status_code == 201
    incident.refresh_from_db()
    assert incident.alarm_level == "III"
    entry = TimelineEntry.objects.get(incident=incident, kind="declaration")
    assert entry.data["notified_by_other_means"] is True
    assert {(n["role"], n["error"]) for n in entry.data["notifications"] if n.get("error") == "no_recipient"} == {
        ("hejtman", "no_recipient"),
        ("orp_mayor", "no_recipient"),
    }
    assert "confirmed notifying them by other means" in entry_text(entry, language="en")
    audit = AuditEntry.objects.filter(action="incident.alarm_level_declared").latest("id")
    assert audit.after["notified_by_other_means"] is True


def test_levels_below_three_need_no_recipients(dispatcher: User, make_incident: Any) -> None:
    incident = _untyped(make_incident, OUTSIDE)
    services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="II", written_reason="Zmenšeno")
    incident.refresh_from_db()
    assert incident.alarm_level == "II"


def test_the_page_refuses_then_accepts_with_the_checkbox(
    dispatcher: User, client_for: Callable[[User], Client], make_incident: Any
) -> None:
    incident = _untyped(make_incident, OUTSIDE)
    ops = client_for(dispatcher)
    url = reverse("incidents:incident", args=[incident.pk])
    page = ops.get(url).content.decode()
    assert 'name="declare-notify_by_other_means"' in page
    refused = ops.post(url, {"action": "declare", "declare-level": "III"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    assert not AlarmDeclaration.objects.filter(incident=incident).exists()
    accepted = ops.post(
        url, {"action": "declare", "declare-level": "III", "declare-notify_by_other_means": "on"}
    )
    assert accepted.status_code == 302
    incident.refresh_from_db()
    assert incident.alarm_level == "III"
    assert TimelineEntry.objects.get(incident=incident, kind="declaration").data["notified_by_other_means"] is True
