"""The territory report of §16(3): required when III/special was declared for an event (a
territory) with more than one site, written by the regional fire brigade (OPIS/admin), not
by a site's commander; its document and PDF cover every site; bad input stores nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from straz.accounts.models import AuditEntry, User
from straz.incidents import policy, reporting, services
from straz.incidents.models import CommandAssignment, Incident, IncidentEvent, TerritoryReport
from tests.incidents.test_report import FULL, _pdf_text

pytestmark = pytest.mark.django_db


def _event(dispatcher: User, incidents: list[Incident], level: str = "III") -> IncidentEvent:
    event = services.create_event(user=dispatcher, name="Povodeň Úslava", incident_ids=[i.pk for i in incidents])
    services.declare_alarm_level(user=dispatcher, level=level, event_id=event.pk, written_reason="Povodeň na území.")
    return event


def _site_with_handover(
    dispatcher: User, commander: User, commander_b: User, make_incident: Any, *, title: str, first: str, second: str
) -> Incident:
    site = make_incident(title=title)
    services.assign_commander(
        user=dispatcher, incident_id=site.pk, commander_name=first, commander_user_id=commander.pk, component="hzs"
    )
    services.check_in_component(
        user=commander, incident_id=site.pk, kind="hzs", leader_name=f"Velitel {title}", people=8, vehicles=2,
        unit_name=f"JPO {title}",
    )
    services.post_site_message(user=commander, incident_id=site.pk, letter="g", text=f"Hlášení z místa {title}.")
    services.hand_over_command(
        user=commander, incident_id=site.pk, new_commander_name=second, new_commander_user_id=commander_b.pk,
        situation="Voda klesá.", aim="Odčerpat sklepy.", priorities="Obytné domy.",
    )
    return site


# ---------------------------------------------------------------- when §16(3) requires it


def test_event_iii_with_one_site_requires_no_territory_report(dispatcher: User, make_incident: Any) -> None:
    # The services group at least two sites; an event left with one (admin, imported data)
    # is still judged by the rule: one site, no territory report.
    site, other = make_incident(), make_incident(title="Druhé")
    event = _event(dispatcher, [site, other])
    Incident.objects.filter(pk=other.pk).update(event=None)
    req = reporting.territory_requirement(event)
    assert req.declared and req.sites == 1 and not req.required
    assert reporting.territory_reports_due() == []


def test_event_iii_with_two_sites_requires_it_and_the_sites_need_no_site_report(
    dispatcher: User, make_incident: Any
) -> None:
    a, b = make_incident(), make_incident(title="Druhé místo")
    event = _event(dispatcher, [a, b])
    services.declare_alarm_level(user=dispatcher, level="II", incident_id=b.pk, written_reason="místo")
    assert reporting.territory_requirement(event).required
    assert [r.event.pk for r in reporting.territory_reports_due()] == [event.pk]
    assert reporting.territory_reports_due()[0].sites == 2
    # §16(2) is the site's own declaration: II for the site inside an event at III is no report.
    for site in (a, b):
        site.refresh_from_db()
        assert not reporting.report_requirement(site).required
    # Only II for the territory: no territory report either.
    c, d = make_incident(title="Třetí"), make_incident(title="Čtvrté")
    low = _event(dispatcher, [c, d], level="II")
    assert not reporting.territory_requirement(low).required
    assert [r.event.pk for r in reporting.territory_reports_due()] == [event.pk]


def test_a_lowered_event_level_still_requires_it(dispatcher: User, make_incident: Any) -> None:
    a, b = make_incident(), make_incident(title="Druhé")
    event = _event(dispatcher, [a, b], level="special")
    services.declare_alarm_level(user=dispatcher, level="II", event_id=event.pk, written_reason="zlepšení")
    event.refresh_from_db()
    assert event.alarm_level == "II" and reporting.territory_requirement(event).required


# ---------------------------------------------------------------- who writes it, its life


def test_only_opis_and_admin_write_it_not_a_commander(
    dispatcher: User, commander: User, admin_user: User, make_incident: Any, api_as: Any, client_for: Any
) -> None:
    a = make_incident()
    services.assign_commander(
        user=dispatcher, incident_id=a.pk, commander_name="Petr Velitel", commander_user_id=commander.pk, component="hzs"
    )
    event = _event(dispatcher, [a, make_incident(title="Druhé")])
    a.refresh_from_db()
    assert services.can_write_incident(commander, a)  # the commander of a site of this event…
    assert not policy.can_write_territory_report(commander)  # …is not the author (§16(3))
    url = f"/incidents/events/{event.pk}/report"
    resp = api_as(commander).put(url, {"origin": "x"})
    assert resp.status_code == 403 and "HZS" in resp.json()["detail"]
    assert api_as(commander).post(url + "/complete").status_code == 403
    page = f"/operations/events/{event.pk}/report/"
    assert client_for(commander).post(page, {"origin": "x", "action": "save"}).status_code == 403
    assert 'data-testid="territory-report-form"' not in client_for(commander).get(page).content.decode()
    assert api_as(None).get(url).status_code == 401
    assert not TerritoryReport.objects.exists()
    assert api_as(admin_user).put(url, {"origin": "Povodeň."}).status_code == 200
    assert TerritoryReport.objects.get(event=event).origin == "Povodeň."


def test_draft_then_complete_after_every_site_ended_then_locked(
    dispatcher: User, make_incident: Any, api_as: Any
) -> None:
    a, b = make_incident(), make_incident(title="Druhé")
    event = _event(dispatcher, [a, b])
    api = api_as(dispatcher)
    url = f"/incidents/events/{event.pk}/report"
    data = api.get(url).json()
    assert data["stored"] is False and data["requirement"] == {
        "required": True, "sites": 2, "declared_for_territory": True, "deadline": None, "completed_at": None,
    }
    before = AuditEntry.objects.count()
    resp = api.put(url, {**FULL, "version": 0})
    assert resp.status_code == 200, resp.content
    assert resp.json()["version"] == 1 and AuditEntry.objects.count() == before + 1
    resp = api.post(url + "/complete", {"version": 1})
    assert resp.status_code == 409 and resp.json()["detail"]  # a site is still running
    for site in (a, b):
        services.change_state(user=dispatcher, incident_id=site.pk, target="in_progress")
        services.change_state(user=dispatcher, incident_id=site.pk, target="closed")
    assert api.post(url + "/complete", {"version": 2}).status_code == 409  # stale version
    resp = api.post(url + "/complete", {"version": 1})
    assert resp.status_code == 200 and resp.json()["status"] == "completed"
    assert reporting.territory_reports_due() == []
    assert [r.event.pk for r in reporting.territory_reports_due(include_completed=True)] == [event.pk]
    resp = api.put(url, {"origin": "jinak"})
    assert resp.status_code == 409
    assert TerritoryReport.objects.get(event=event).origin == FULL["origin"]
    assert AuditEntry.objects.filter(action="territory_report.completed", object_id=str(event.pk)).count() == 1


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"dead": -1}, None),
        ({"injured": "mnoho"}, None),
        ({"origin": "x" * (reporting.REPORT_TEXT_MAX_CHARS + 1)}, None),
        ({"unknown": 1}, None),
    ],
)
def test_bad_input_is_a_translated_4xx_and_stores_nothing(
    dispatcher: User, make_incident: Any, api_as: Any, body: dict[str, Any], fragment: str | None
) -> None:
    event = _event(dispatcher, [make_incident(), make_incident(title="Druhé")])
    before = AuditEntry.objects.count()
    resp = api_as(dispatcher).put(
        f"/incidents/events/{event.pk}/report", body, HTTP_ACCEPT_LANGUAGE="cs"
    )
    assert 400 <= resp.status_code < 500 and resp.status_code == 422, resp.content
    assert not TerritoryReport.objects.exists() and AuditEntry.objects.count() == before
    assert api_as(dispatcher).get("/incidents/events/999999/report").status_code == 404


def test_service_refuses_bad_values_in_czech_and_polish(dispatcher: User, make_incident: Any) -> None:
    from django.utils import translation

    from straz.core.errors import ValidationFailed

    event = _event(dispatcher, [make_incident(), make_incident(title="Druhé")])
    messages = {}
    for lang in ("cs", "pl"):
        with translation.override(lang), pytest.raises(ValidationFailed) as err:
            reporting.save_territory_report(user=dispatcher, event_id=event.pk, changes={"dead": "-3"})
        messages[lang] = err.value.message
    assert messages["cs"] != messages["pl"]
    assert not TerritoryReport.objects.exists()


def test_page_refuses_bad_input_and_saves_good(dispatcher: User, make_incident: Any, client_for: Any) -> None:
    event = _event(dispatcher, [make_incident(), make_incident(title="Druhé")])
    client = client_for(dispatcher)
    url = f"/operations/events/{event.pk}/report/"
    resp = client.post(url, {"dead": "-2", "version": "0", "action": "save"}, HTTP_ACCEPT_LANGUAGE="cs")
    assert resp.status_code == 422 and "záporn" in resp.content.decode()
    assert not TerritoryReport.objects.exists()
    resp = client.post(url, {"origin": "Povodeň na dvou tocích.", "version": "0", "action": "save"})
    assert resp.status_code == 302
    assert TerritoryReport.objects.get(event=event).origin == "Povodeň na dvou tocích."


# ---------------------------------------------------------------- the document and PDF


def test_pdf_has_every_site_with_its_handover_time_and_name(
    dispatcher: User, commander: User, commander_b: User, make_incident: Any, client_for: Any, analyst: User
) -> None:
    a = _site_with_handover(
        dispatcher, commander, commander_b, make_incident, title="Koterov", first="Petr Velitel", second="Eva Nástupcová"
    )
    b = _site_with_handover(
        dispatcher, commander, commander_b, make_incident, title="Doudlevce", first="Jan První", second="Marie Druhá"
    )
    event = _event(dispatcher, [a, b])
    services.add_site_feature(
        user=commander_b, incident_id=b.pk, kind="danger_zone", name="Zaplavená zóna D",
        geometry={"type": "Polygon", "coordinates": [[[13.368, 49.739], [13.372, 49.739], [13.372, 49.7415], [13.368, 49.739]]]},
    )
    # The prefilled draft aggregates the forces and means of every site.
    draft = reporting.territory_report_for(event)
    assert "JPO Koterov" in draft.forces_and_means and "JPO Doudlevce" in draft.forces_and_means
    resp = client_for(analyst).get(f"/operations/events/{event.pk}/report.pdf", HTTP_ACCEPT_LANGUAGE="cs")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    text, _fonts = _pdf_text(resp.content)
    flat = re.sub(r"\s+", " ", text)
    for site, name in ((a, "Eva Nástupcová"), (b, "Marie Druhá")):
        handover = CommandAssignment.objects.get(incident=site, how="handover")
        local = timezone.localtime(handover.started_at)
        at = f"{local.day}. {local.month}. {local.year} {local:%H:%M:%S}"  # Czech document (ADR 0035)
        assert re.search(re.escape(at) + r".{0,40}" + re.escape(name), flat), flat[:3000]
    assert "Hlášení z místa Koterov." in flat and "Hlášení z místa Doudlevce." in flat  # §6 messages
    assert "Povodeň na území." in flat  # the territory's declaration with its reason
    assert "Zaplavená zóna D" in flat  # the site map of the second site
    assert "lhůtu" in flat.lower() or "lhůta" in flat.lower() or "no deadline" in flat.lower()
    assert not TerritoryReport.objects.exists()  # reading never stores
    # The page shows a map per site with distinct element ids.
    html = client_for(analyst).get(f"/operations/events/{event.pk}/report/").content.decode()
    assert html.count('data-testid="territory-report-site"') == 2
    assert 'id="site-map-1"' in html and 'id="site-map-2"' in html


def test_event_page_links_it_and_the_reports_due_page_lists_it(
    dispatcher: User, make_incident: Any, client_for: Any
) -> None:
    event = _event(dispatcher, [make_incident(), make_incident(title="Druhé")])
    client = client_for(dispatcher)
    page = client.get(f"/operations/events/{event.pk}/").content.decode()
    assert f'href="/operations/events/{event.pk}/report/"' in page and 'data-required="1"' in page
    due = client.get("/operations/reports/").content.decode()
    assert f'data-testid="territory-report-due-row" data-event="{event.pk}"' in due
