"""Automatic timeline texts and alarm-level reasons are read in the reader's language
(issue 9 item 2, ADR 0031): an English-UI dispatcher's actions appear in Czech in the
Czech §16(4) report and in Polish on a Polish reader's page."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.utils import translation

from straz.accounts.models import User
from straz.incidents import entries, services
from straz.incidents.models import TimelineEntry

pytestmark = pytest.mark.django_db

DANGER_ZONE = {
    "type": "Polygon",
    "coordinates": [[[13.368, 49.739], [13.372, 49.739], [13.372, 49.7415], [13.368, 49.7415], [13.368, 49.739]]],
}


def _english_dispatcher_works(dispatcher: User, make_incident: Any) -> Any:
    """What a dispatcher with an English UI does: declare, call, check in and out, draw a zone."""
    with translation.override("en"):
        incident = make_incident()
        services.declare_alarm_level(user=dispatcher, level="III", incident_id=incident.pk, written_reason="test")
        called = services.call_component(user=dispatcher, incident_id=incident.pk, kind="hzs", unit_name="HS Plzeň")
        services.check_in_component(
            user=dispatcher, incident_id=incident.pk, kind="hzs", leader_name="Jan Hasič", people=12, vehicles=3,
            deployment_id=called.pk,
        )
        services.check_out_component(user=dispatcher, incident_id=incident.pk, deployment_id=called.pk)
        services.add_site_feature(
            user=dispatcher, incident_id=incident.pk, kind="danger_zone", geometry=DANGER_ZONE, name="Zóna D5"
        )
    return incident


def test_czech_report_shows_an_english_dispatchers_entries_in_czech(
    dispatcher: User, make_incident: Any, client_for: Any, analyst: User
) -> None:
    incident = _english_dispatcher_works(dispatcher, make_incident)
    page = client_for(analyst).get(f"/operations/incidents/{incident.pk}/report/", HTTP_ACCEPT_LANGUAGE="cs")
    assert page.status_code == 200
    html = page.content.decode()
    # The reason of the declaration (§23 a), the departure message (§6 h) and the zone drawn.
    assert "Jde o hromadnou dopravní nehodu na pozemní komunikaci." in html
    assert "Hasičský záchranný sbor (HZS) opustila místo zásahu (velitel Jan Hasič)." in html
    assert "Zakreslen prvek" in html and "Zóna D5" in html
    for english in ("It is a mass road traffic accident.", "left the site", "drawn", "Danger zone"):
        assert english not in html, english


def test_polish_reader_sees_the_timeline_in_polish(
    dispatcher: User, make_incident: Any, client_for: Any
) -> None:
    incident = _english_dispatcher_works(dispatcher, make_incident)
    page = client_for(dispatcher).get(f"/operations/incidents/{incident.pk}/", HTTP_ACCEPT_LANGUAGE="pl")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ogłoszono stopień alarmowy III" in html
    assert "Zadysponowano służbę:" in html and "opuściła miejsce akcji" in html
    for english in ("Alarm level III declared", "Component called", "left the site", "Incident recorded."):
        assert english not in html, english


def test_api_gives_the_code_and_the_text_in_the_request_language(
    dispatcher: User, make_incident: Any, dispatcher_api: Any
) -> None:
    incident = _english_dispatcher_works(dispatcher, make_incident)
    resp = dispatcher_api.client.get(
        f"/api/v1/incidents/{incident.pk}/timeline", HTTP_ACCEPT_LANGUAGE="cs", **dispatcher_api._headers()
    )
    assert resp.status_code == 200
    items = resp.json()["items"]
    declared = next(i for i in items if i["kind"] == "declaration")
    assert declared["text"].startswith("Vyhlášen stupeň poplachu III")
    assert "declared" not in declared["text"]
    # Several sentences (the declaration, then whom to notify): the first is the declaration.
    first = declared["params"]["parts"][0] if declared["code"] == entries.SENTENCES else declared
    assert first["code"] == "alarm.declared" and first["params"]["level"] == "III"


def test_typed_words_stay_as_typed_next_to_the_automatic_part(dispatcher: User, make_incident: Any) -> None:
    incident = make_incident()
    services.change_state(user=dispatcher, incident_id=incident.pk, target="in_progress", note="Hasí se.")
    entry = TimelineEntry.objects.filter(incident=incident, kind="state").last()
    assert entry is not None and entry.code == "incident.state_changed" and entry.text == "Hasí se."
    with translation.override("en"):
        assert entry.rendered.endswith("Hasí se.")
        assert "Hasí se." in entries.entry_text(entry, language="pl")


def test_legacy_texts_are_read_back_and_unknown_ones_stay() -> None:
    with translation.override("cs"):
        czech = str(entries.render("alarm.declared", {"level": "III", "proposed": "II"}))
    parsed = entries.parse_legacy(czech, ["cs", "pl", "en"])
    assert parsed == entries.message("alarm.declared", level="III", proposed="II")
    two = "Alarm level III declared (proposed III). No notification contact is set up for: x. Notify them by other means."
    both = entries.parse_legacy(two, ["en"])
    assert both is not None and both["code"] == entries.SENTENCES and len(both["params"]["parts"]) == 2
    called = entries.parse_legacy("Povolána složka: Hasičský záchranný sbor (HZS) HS Plzeň.", ["cs", "pl", "en"])
    assert called is not None and called["params"]["kind"] == entries.label("component", "hzs")
    assert entries.parse_legacy("Dva zranění, jeden těžce.", ["cs", "pl", "en"]) is None


def test_data_migration_turns_old_rows_into_messages_and_keeps_free_text(
    dispatcher: User, make_incident: Any
) -> None:
    from django.apps import apps

    incident = make_incident()
    old = TimelineEntry.objects.create(
        incident=incident, at=incident.created_at, kind="component",
        text="Component called: Fire rescue service (HZS) HS Plzeň.", author_label="x",
    )
    free = TimelineEntry.objects.create(
        incident=incident, at=incident.created_at, kind="log", text="Dva zranění, jeden těžce.", author_label="x"
    )
    migration = importlib.import_module("straz.incidents.migrations.0011_timeline_entry_message_from_text")
    migration.forwards(apps, None)
    old = TimelineEntry.objects.get(pk=old.pk)
    assert old.code == "component.called" and old.text == ""
    with translation.override("cs"):
        assert old.rendered == "Povolána složka: Hasičský záchranný sbor (HZS) HS Plzeň."
    free = TimelineEntry.objects.get(pk=free.pk)
    assert free.code == "" and free.text == "Dva zranění, jeden těžce."


def test_back_office_shows_the_entries_in_the_administrators_language(
    dispatcher: User, make_incident: Any, admin_user: User, client_for: Any
) -> None:
    incident = _english_dispatcher_works(dispatcher, make_incident)
    page = client_for(admin_user).get("/admin/incidents/timelineentry/", HTTP_ACCEPT_LANGUAGE="cs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Povolána složka: Hasičský záchranný sbor (HZS) HS Plzeň." in html
    assert "Component called" not in html and incident.title in html
