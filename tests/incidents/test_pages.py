"""Operations pages: the board, a new incident and the incident page call the services; bad
input gives a translated message and changes nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from straz.accounts.models import AuditEntry, Role, User
from straz.incidents.models import (
    AlarmDeclaration,
    CommandAssignment,
    ComponentDeployment,
    Incident,
    SiteFeature,
    TimelineEntry,
)

pytestmark = pytest.mark.django_db

BOARD = "/operations/"


def _page(incident: Incident) -> str:
    return reverse("incidents:incident", args=[incident.pk])


def _post(client: Client, incident: Incident, action: str, **fields: Any) -> Any:
    data: dict[str, Any] = {"action": action}
    for key, value in fields.items():
        data[key.replace("__", "-")] = value
    return client.post(_page(incident), data)


def _state(incident_id: int) -> dict[str, Any]:
    inc = Incident.objects.get(pk=incident_id)
    return {
        "incident": (inc.state, inc.alarm_level, inc.current_command_id, inc.persons_threatened),
        "timeline": TimelineEntry.objects.filter(incident_id=incident_id).count(),
        "declarations": AlarmDeclaration.objects.filter(incident_id=incident_id).count(),
        "commands": CommandAssignment.objects.filter(incident_id=incident_id).count(),
        "deployments": list(
            ComponentDeployment.objects.filter(incident_id=incident_id).values_list(
                "pk", "arrived_at", "departed_at"
            )
        ),
        "features": SiteFeature.objects.filter(incident_id=incident_id).count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def ops(dispatcher: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(dispatcher)


@pytest.fixture
def commander_account(db: Any) -> User:
    return User.objects.create_user(
        username="velitel1", password="x", role=Role.COMMANDER, first_name="Jan", last_name="Novák"
    )


def _text(resp: Any) -> str:
    return resp.content.decode()


# ---------------------------------------------------------------- access


def test_anonymous_visitors_go_to_the_login_page(citizen: Client, make_incident: Any) -> None:
    incident = make_incident()
    for url in (BOARD, reverse("incidents:board-rows"), _page(incident), reverse("incidents:incident-new")):
        resp = citizen.get(url)
        assert resp.status_code == 302 and "/login/" in resp["Location"], url
    before = _state(incident.pk)
    resp = citizen.post(_page(incident), {"action": "log", "log-text": "x"})
    assert resp.status_code == 302
    assert _state(incident.pk) == before


def test_a_reader_sees_the_incident_but_no_forms_and_cannot_write(
    analyst: User, client_for: Callable[[User], Client], make_incident: Any
) -> None:
    incident = make_incident()
    client = client_for(analyst)
    resp = client.get(_page(incident))
    assert resp.status_code == 200
    html = _text(resp)
    assert 'data-testid="proposal-level"' in html
    assert 'data-testid="declare-form"' not in html
    assert 'data-testid="checkin-form"' not in html
    assert client.get(reverse("incidents:incident-new")).status_code == 403
    before = _state(incident.pk)
    resp = _post(client, incident, "declare", declare__level="III")
    assert resp.status_code == 403
    assert _state(incident.pk) == before
    assert client.post(reverse("incidents:incident-new"), {"title": "x"}).status_code == 403


# ---------------------------------------------------------------- board


def test_board_lists_open_incidents_with_level_commander_components_and_last_message(
    ops: Client, dispatcher: User, make_incident: Any
) -> None:
    from straz.incidents import services

    a = make_incident(title="Únik čpavku Plzeň", type="hazardous-substance-leak")
    b = make_incident(title="Hromadná nehoda D5")
    closed = make_incident(title="Planý poplach")
    services.change_state(user=dispatcher, incident_id=closed.pk, target="closed")
    services.declare_alarm_level(user=dispatcher, incident_id=b.pk, level="III")
    services.assign_commander(user=dispatcher, incident_id=b.pk, commander_name="por. Jana Malá")
    services.call_component(user=dispatcher, incident_id=b.pk, kind="zzs")
    services.check_in_component(
        user=dispatcher, incident_id=b.pk, kind="hzs", leader_name="Karel", people=6, vehicles=2
    )
    services.post_site_message(user=dispatcher, incident_id=b.pk, letter="a", text="Situace stabilní")
    c = make_incident(title="Zatopený podjezd")
    event = services.create_event(user=dispatcher, name="Povodeň Berounka", incident_ids=[a.pk, c.pk])
    services.set_site_priorities(user=dispatcher, event_id=event.pk, order=[c.pk, a.pk])

    resp = ops.get(BOARD)
    assert resp.status_code == 200
    html = _text(resp)
    assert 'hx-get="/operations/board/rows/"' in html and "every 10s" in html
    rows = re.findall(r'data-testid="board-row" data-incident-id="(\d+)"', html)
    assert sorted(int(r) for r in rows) == sorted([a.pk, b.pk, c.pk])
    # The sites of the event come together, in the order of priority (§7 b).
    assert rows.index(str(c.pk)) + 1 == rows.index(str(a.pk))
    assert "Planý poplach" not in html
    row_b = html[html.index(f'data-incident-id="{b.pk}"') :]
    row_b = row_b[: row_b.index("</tr>")]
    assert 'data-level="III"' in row_b
    assert "por. Jana Malá" in row_b
    assert 'data-on-site="1" data-called="2"' in row_b
    assert '<td class="num" data-testid="board-people">6</td>' in row_b
    assert "<time datetime=" in row_b  # the last message's age
    assert "§16" in row_b  # III needs a report
    assert f'data-event-id="{event.pk}"' in html and "Povodeň Berounka" in html
    # The map's markers are read from the rows: each carries its point.
    points = re.findall(r'data-incident-id="(\d+)" data-level="(\w+)" data-state="\w+" data-lat="([\d.]+)" data-lon="([\d.]+)"', html)
    assert {int(p[0]) for p in points} == {a.pk, b.pk, c.pk}
    assert (str(b.pk), "III", f"{b.lat:.6f}", f"{b.lon:.6f}") in points

    fragment = ops.get(reverse("incidents:board-rows"))
    assert fragment.status_code == 200
    assert "<html" not in _text(fragment)
    assert f'data-incident-id="{b.pk}"' in _text(fragment)


def test_board_queries_do_not_grow_with_the_number_of_incidents(
    ops: Client, dispatcher: User, make_incident: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from straz.incidents import services

    def add(n: int) -> None:
        made = []
        for i in range(n):
            inc = make_incident(title=f"MU {i}")
            services.assign_commander(user=dispatcher, incident_id=inc.pk, commander_name=f"VZ {i}")
            services.check_in_component(
                user=dispatcher, incident_id=inc.pk, kind="pcr", leader_name="L", people=2, vehicles=1
            )
            services.post_site_message(user=dispatcher, incident_id=inc.pk, letter="f", text="ok")
            made.append(inc.pk)
        services.create_event(user=dispatcher, name=f"Událost {made[0]}", incident_ids=made[:2])

    add(2)
    ops.get(reverse("incidents:board-rows"))
    with CaptureQueriesContext(connection) as few:
        assert ops.get(reverse("incidents:board-rows")).status_code == 200
    add(8)
    with CaptureQueriesContext(connection) as many:
        resp = ops.get(reverse("incidents:board-rows"))
    assert resp.status_code == 200
    assert _text(resp).count('data-testid="board-row"') == 10
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


# ---------------------------------------------------------------- new incident


def test_new_incident_page_creates_the_incident_and_shows_the_proposal(ops: Client) -> None:
    resp = ops.get(reverse("incidents:incident-new") + "?lat=49.7411&lon=13.3702")
    assert resp.status_code == 200
    html = _text(resp)
    assert 'id="incident-map"' in html and 'value="49.7411"' in html
    assert 'value="mass-road-accident"' in html
    resp = ops.post(
        reverse("incidents:incident-new"),
        {
            "type": "mass-road-accident",
            "title": "D5 km 80",
            "lat": "49.7411",
            "lon": "13.3702",
            "persons_threatened": "150",
            "complicated_objects": "0",
            "components": "basic_uncoordinated",
            "coordination": "none",
            "coordination_level": "tactical",
        },
    )
    assert resp.status_code == 302
    incident = Incident.objects.get(title="D5 km 80")
    assert resp["Location"] == _page(incident)
    assert (incident.lat, incident.lon, incident.persons_threatened) == (49.7411, 13.3702, 150)
    page = _text(ops.get(_page(incident)))
    assert 'data-testid="proposal-level" data-level="III"' in page
    assert 'data-rule="§23 a)"' in page
    assert "more than 100 and at most 1,000 persons" in page or "více" in page


@pytest.mark.parametrize(
    ("language", "required"),
    [("cs", "Toto pole je třeba vyplnit."), ("pl", "To pole jest wymagane."), ("en", "This field is required.")],
)
def test_new_incident_without_a_point_is_refused_in_the_users_language(
    ops: Client, language: str, required: str
) -> None:
    before = (Incident.objects.count(), AuditEntry.objects.count())
    resp = ops.post(
        reverse("incidents:incident-new"),
        {"type": "flood", "title": "Bez bodu", "components": "basic_uncoordinated", "coordination": "none",
         "coordination_level": "tactical"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert resp.status_code == 422
    assert required in _text(resp)
    assert (Incident.objects.count(), AuditEntry.objects.count()) == before


def test_new_incident_refusals_from_the_service_change_nothing(ops: Client) -> None:
    before = (Incident.objects.count(), AuditEntry.objects.count())
    resp = ops.post(
        reverse("incidents:incident-new"),
        {"type": "flood", "title": "Nul\x00byte", "lat": "49.7", "lon": "13.3",
         "components": "basic_uncoordinated", "coordination": "none", "coordination_level": "tactical"},
    )
    assert resp.status_code in (400, 422)
    assert (Incident.objects.count(), AuditEntry.objects.count()) == before
    resp = ops.post(
        reverse("incidents:incident-new"),
        {"type": "no-such-type", "title": "x", "lat": "49.7", "lon": "13.3",
         "components": "basic_uncoordinated", "coordination": "none", "coordination_level": "tactical"},
    )
    assert resp.status_code == 422
    assert (Incident.objects.count(), AuditEntry.objects.count()) == before


def test_proposal_preview_has_no_side_effects(ops: Client) -> None:
    before = (Incident.objects.count(), AuditEntry.objects.count())
    resp = ops.post(
        reverse("incidents:proposal-preview"),
        {"persons_threatened": "1500", "components": "basic_uncoordinated", "coordination": "none"},
    )
    assert resp.status_code == 200
    assert 'data-level="special"' in _text(resp) and "§24 a)" in _text(resp)
    resp = ops.post(
        reverse("incidents:proposal-preview"),
        {"facts-persons_threatened": "40", "facts-components": "basic_uncoordinated",
         "facts-coordination": "none", "prefix": "facts"},
    )
    assert 'data-level="II"' in _text(resp)
    resp = ops.post(reverse("incidents:proposal-preview"), {"persons_threatened": "-5"})
    assert resp.status_code == 422
    assert (Incident.objects.count(), AuditEntry.objects.count()) == before


# ---------------------------------------------------------------- incident page


def test_declaring_lower_than_proposed_needs_a_written_reason(ops: Client, make_incident: Any) -> None:
    incident = make_incident(persons_threatened=150)
    before = _state(incident.pk)
    resp = _post(ops, incident, "declare", declare__level="II")
    assert resp.status_code == 422
    assert "written reason" in _text(resp) or "písemn" in _text(resp)
    assert _state(incident.pk) == before
    resp = _post(ops, incident, "declare", declare__level="II", declare__written_reason="Osoby již evakuovány")
    assert resp.status_code == 302
    incident.refresh_from_db()
    assert incident.alarm_level == "II"
    page = _text(ops.get(_page(incident)))
    assert "Osoby již evakuovány" in page
    resp = _post(ops, incident, "declare", declare__level="special")
    assert resp.status_code == 302
    incident.refresh_from_db()
    assert incident.alarm_level == "special"


def test_declaring_iii_lists_the_notifications_with_their_rule(
    ops: Client, make_incident: Any, contacts: Any
) -> None:
    incident = make_incident(persons_threatened=150)
    assert _post(ops, incident, "declare", declare__level="III").status_code == 302
    html = _text(ops.get(_page(incident)))
    # §23(2) (ADR 0028): proposed first, sent once the duty officer's decision is recorded.
    assert html.count('data-testid="notification-row"') == 0
    assert html.count('data-testid="notice-form"') == 2
    for proposal in incident.notice_proposals.all():
        resp = _post(ops, incident, "notice", notice__notice_id=str(proposal.pk), notice__basis="duty_officer",
                     notice__decided_by="Jan Služba", notice__decision="notify")
        assert resp.status_code == 302
    html = _text(ops.get(_page(incident)))
    assert html.count('data-testid="notification-row"') == 2
    assert "§23(2)" in html and "hejtman@kraj.example" in html


def test_command_assignment_successor_handover_and_history(
    ops: Client, make_incident: Any, commander_account: User
) -> None:
    incident = make_incident()
    before = _state(incident.pk)
    resp = _post(ops, incident, "assign", assign__commander_name="")
    assert resp.status_code == 422
    assert _state(incident.pk) == before
    resp = _post(ops, incident, "assign", assign__commander_user=str(commander_account.pk), assign__component="hzs")
    assert resp.status_code == 302
    incident.refresh_from_db()
    assert incident.current_command is not None
    assert incident.current_command.commander_name == "Jan Novák"
    assert incident.current_command.commander_user_id == commander_account.pk
    assert _post(ops, incident, "successor", successor__successor_name="kpt. Dvořák").status_code == 302
    # A handover without the briefing is refused and changes nothing.
    before = _state(incident.pk)
    resp = _post(ops, incident, "handover", handover__new_commander_name="mjr. Svoboda", handover__situation="x")
    assert resp.status_code == 422
    assert _state(incident.pk) == before
    resp = _post(
        ops, incident, "handover",
        handover__new_commander_name="mjr. Svoboda", handover__situation="Požár lokalizován",
        handover__aim="Likvidace", handover__priorities="Evakuace", handover__declaration="Přebírám velení",
    )
    assert resp.status_code == 302
    html = _text(ops.get(_page(incident)))
    assert 'data-testid="commander-name">mjr. Svoboda' in html
    assert 'data-testid="command-history"' in html and "Požár lokalizován" in html
    assert 'data-letter="e"' in html  # §6 e) change of commander in the timeline


def test_takeover_follows_the_order_of_section_3_6(ops: Client, make_incident: Any) -> None:
    incident = make_incident()
    _post(ops, incident, "assign", assign__commander_name="VZ 1", assign__successor_name="Náhradník")
    html = _text(ops.get(_page(incident)))
    assert "§3(6) a)" in html and "Náhradník" in html
    before = _state(incident.pk)
    resp = _post(ops, incident, "takeover", takeover__how="authority_representative", takeover__new_commander_name="Starosta")
    assert resp.status_code == 409  # the named successor comes first; no reason given
    assert _state(incident.pk) == before
    resp = _post(ops, incident, "takeover", takeover__how="successor")
    assert resp.status_code == 302
    incident.refresh_from_db()
    assert incident.current_command.commander_name == "Náhradník"  # type: ignore[union-attr]


def test_components_call_check_in_and_out(ops: Client, make_incident: Any) -> None:
    incident = make_incident()
    assert _post(ops, incident, "call", call__kind="zzs", call__unit_name="RZP Plzeň").status_code == 302
    called = ComponentDeployment.objects.get(incident=incident)
    before = _state(incident.pk)
    resp = _post(ops, incident, "checkin", checkin__kind="zzs", checkin__leader_name="", checkin__people="2",
                 checkin__vehicles="1", checkin__deployment_id=str(called.pk))
    assert resp.status_code == 422
    resp = _post(ops, incident, "checkin", checkin__kind="zzs", checkin__leader_name="MUDr. K",
                 checkin__people="-1", checkin__vehicles="1")
    assert resp.status_code == 422
    assert _state(incident.pk) == before
    resp = _post(ops, incident, "checkin", checkin__kind="zzs", checkin__leader_name="MUDr. Král",
                 checkin__people="3", checkin__vehicles="1", checkin__equipment="defibrilátor\nnosítka\n",
                 checkin__deployment_id=str(called.pk))
    assert resp.status_code == 302
    called.refresh_from_db()
    assert called.arrived_at is not None and called.equipment == ["defibrilátor", "nosítka"]
    html = _text(ops.get(_page(incident)))
    assert html.count('data-testid="on-site-row"') == 1
    assert 'data-on-site="1" data-called="1"' in html
    assert _post(ops, incident, "checkout", deployment_id=str(called.pk)).status_code == 302
    before = _state(incident.pk)
    resp = _post(ops, incident, "checkout", deployment_id=str(called.pk))
    assert resp.status_code == 409
    assert _state(incident.pk) == before


POLYGON = {"type": "Polygon", "coordinates": [[[13.37, 49.74], [13.38, 49.74], [13.38, 49.75], [13.37, 49.75], [13.37, 49.74]]]}


def test_site_features_from_pasted_geojson_with_sectors_and_sections(ops: Client, make_incident: Any) -> None:
    incident = make_incident()
    before = _state(incident.pk)
    for bad in ("{not json", json.dumps({"type": "Polygon", "coordinates": [[[13.37, 49.74], [13.38, 49.74]]]}),
                json.dumps({"type": "Point", "coordinates": [13.37, 49.74]})):
        resp = _post(ops, incident, "feature", feature__kind="danger_zone", feature__geometry=bad)
        assert resp.status_code == 422, bad
    assert _state(incident.pk) == before
    feature = {"type": "Feature", "properties": {}, "geometry": POLYGON}
    resp = _post(ops, incident, "feature", feature__kind="sector", feature__name="Sektor A", feature__geometry=json.dumps(feature))
    assert resp.status_code == 302
    sector = SiteFeature.objects.get(incident=incident, kind="sector")
    inside = {"type": "Polygon", "coordinates": [[[13.372, 49.742], [13.375, 49.742], [13.375, 49.745], [13.372, 49.742]]]}
    outside = {"type": "Polygon", "coordinates": [[[13.40, 49.742], [13.41, 49.742], [13.41, 49.745], [13.40, 49.742]]]}
    before = _state(incident.pk)
    resp = _post(ops, incident, "feature", feature__kind="section", feature__parent_id=str(sector.pk), feature__geometry=json.dumps(outside))
    assert resp.status_code == 422
    assert _state(incident.pk) == before
    resp = _post(ops, incident, "feature", feature__kind="section", feature__parent_id=str(sector.pk), feature__geometry=json.dumps(inside))
    assert resp.status_code == 302
    resp = _post(ops, incident, "feature", feature__kind="command_post", feature__geometry=json.dumps({"type": "Point", "coordinates": [13.371, 49.741]}))
    assert resp.status_code == 302
    html = _text(ops.get(_page(incident)))
    assert html.count('data-testid="feature-row"') == 3
    config = json.loads(re.search(r'id="straz-map-config" type="application/json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    kinds = [f["properties"]["kind"] for f in config["features"]["features"]]
    assert kinds == ["sector", "section", "command_post"]


def test_messages_log_timeline_and_state_to_closed(ops: Client, make_incident: Any) -> None:
    incident = make_incident()
    before = _state(incident.pk)
    assert _post(ops, incident, "message", message__letter="z", message__text="x").status_code == 422
    assert _post(ops, incident, "message", message__letter="a", message__text="").status_code == 422
    assert _state(incident.pk) == before
    assert _post(ops, incident, "message", message__letter="g", message__text="2 zranění").status_code == 302
    assert _post(ops, incident, "log", log__text="Volán odtah").status_code == 302
    timeline = _text(ops.get(reverse("incidents:incident-timeline", args=[incident.pk])))
    assert "2 zranění" in timeline and "Volán odtah" in timeline and 'data-letter="g"' in timeline
    # Reported → liquidation is not a legal step.
    before = _state(incident.pk)
    assert _post(ops, incident, "state", state__target="liquidation").status_code == 409
    assert _state(incident.pk) == before
    for target in ("in_progress", "liquidation"):
        assert _post(ops, incident, "state", state__target=target).status_code == 302
    # Closing cannot be undone: asked first (issue 9, item 3), then done.
    assert _post(ops, incident, "state", state__target="closed").status_code == 200
    assert _post(ops, incident, "state", state__target="closed", state__confirmed="on").status_code == 302
    incident.refresh_from_db()
    assert incident.state == "closed" and incident.rescue_ended_at is not None
    html = _text(ops.get(_page(incident)))
    assert 'data-testid="declare-form"' not in html and 'data-testid="log-form"' in html
    assert 'data-testid="rescue-ended"' in html
    before = _state(incident.pk)
    assert _post(ops, incident, "message", message__letter="a", message__text="po uzavření").status_code == 409
    assert _state(incident.pk) == before


def test_unknown_action_and_unknown_incident(ops: Client, make_incident: Any) -> None:
    incident = make_incident()
    before = _state(incident.pk)
    assert _post(ops, incident, "explode").status_code == 400
    assert _state(incident.pk) == before
    assert ops.get(reverse("incidents:incident", args=[999999])).status_code == 404


@pytest.mark.parametrize("language", ["cs", "pl", "en"])
def test_pages_render_in_every_language(ops: Client, make_incident: Any, language: str) -> None:
    incident = make_incident()
    for url in (BOARD, _page(incident), reverse("incidents:incident-new")):
        resp = ops.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert resp.status_code == 200
        assert f'<html lang="{language}">' in _text(resp)


# ---------------------------------------------------------------- events


def _event_state(event_id: int) -> dict[str, Any]:
    from straz.incidents.models import IncidentEvent

    event = IncidentEvent.objects.get(pk=event_id)
    return {
        "event": (event.name, event.alarm_level),
        "sites": sorted(event.incidents.values_list("pk", "priority")),
        "declarations": AlarmDeclaration.objects.filter(event=event).count(),
        "audit": AuditEntry.objects.count(),
    }


def test_event_groups_sites_sets_priorities_and_declares_its_level(
    ops: Client, make_incident: Any, contacts: Any
) -> None:
    from straz.incidents.models import IncidentEvent

    a = make_incident(title="Zaplavená obec A", persons_threatened=150, type="flood")
    b = make_incident(title="Zaplavená obec B", persons_threatened=20, type="flood")
    c = make_incident(title="Jinde")
    new = ops.get(reverse("incidents:event-new") + f"?incident={a.pk}&incident={b.pk}")
    assert new.status_code == 200 and "checked" in _text(new)
    before = (IncidentEvent.objects.count(), AuditEntry.objects.count())
    resp = ops.post(reverse("incidents:event-new"), {"name": "Povodeň", "incidents": [str(a.pk)]})
    assert resp.status_code == 422  # one site is not an event for a territory
    resp = ops.post(reverse("incidents:event-new"), {"name": "", "incidents": [str(a.pk), str(b.pk)]})
    assert resp.status_code == 422
    assert (IncidentEvent.objects.count(), AuditEntry.objects.count()) == before
    resp = ops.post(
        reverse("incidents:event-new"),
        {"name": "Povodeň Berounka", "region_code": "CZ032", "incidents": [str(a.pk), str(b.pk)]},
    )
    assert resp.status_code == 302
    event = IncidentEvent.objects.get(name="Povodeň Berounka")
    url = reverse("incidents:event", args=[event.pk])
    assert resp["Location"] == url
    page = _text(ops.get(url))
    assert page.count('data-testid="event-site"') == 2
    assert 'data-testid="proposal-level" data-level="III"' in page

    before = _event_state(event.pk)
    resp = ops.post(url, {"action": "priorities", f"prio-{a.pk}": "x", f"prio-{b.pk}": "1"})
    assert resp.status_code == 422
    assert _event_state(event.pk) == before
    resp = ops.post(url, {"action": "priorities", f"prio-{a.pk}": "2", f"prio-{b.pk}": "1"})
    assert resp.status_code == 302
    assert dict(event.incidents.values_list("pk", "priority")) == {a.pk: 2, b.pk: 1}
    board = _text(ops.get(BOARD))
    assert board.index(f'data-incident-id="{b.pk}"') < board.index(f'data-incident-id="{a.pk}"')

    before = _event_state(event.pk)
    resp = ops.post(url, {"action": "declare", "declare-level": "I"})
    assert resp.status_code == 422
    assert _event_state(event.pk) == before
    resp = ops.post(url, {"action": "declare", "declare-level": "III"})
    assert resp.status_code == 302
    event.refresh_from_db()
    assert event.alarm_level == "III"
    page = _text(ops.get(url))
    assert "§13 f)" in page  # the higher OPIS is notified of a territory's III

    assert ops.post(url, {"action": "add", "add-incidents": [str(c.pk)]}).status_code == 302
    assert event.incidents.count() == 3


def test_readers_cannot_change_events(
    ops: Client, analyst: User, client_for: Callable[[User], Client], make_incident: Any, dispatcher: User
) -> None:
    from straz.incidents import services

    a, b = make_incident(), make_incident()
    event = services.create_event(user=dispatcher, name="E", incident_ids=[a.pk, b.pk])
    reader = client_for(analyst)
    url = reverse("incidents:event", args=[event.pk])
    page = reader.get(url)
    assert page.status_code == 200 and 'data-testid="priorities-submit"' not in _text(page)
    before = _event_state(event.pk)
    assert reader.post(url, {"action": "priorities", f"prio-{a.pk}": "2", f"prio-{b.pk}": "1"}).status_code == 403
    assert reader.post(url, {"action": "declare", "declare-level": "III"}).status_code == 403
    assert reader.get(reverse("incidents:event-new")).status_code == 403
    assert _event_state(event.pk) == before


# ---------------------------------------------------------------- emergency calls (§12)


def test_calls_are_recorded_and_forwarded_once(
    ops: Client, make_incident: Any, analyst: User, client_for: Callable[[User], Client]
) -> None:
    from straz.incidents.models import CallRecord

    incident = make_incident()
    url = reverse("incidents:calls")
    before = (CallRecord.objects.count(), AuditEntry.objects.count())
    for bad in (
        {"call-received_by_centre": "", "call-summary": "x"},
        {"call-received_by_centre": "KOPIS PČR", "call-summary": "x", "call-lat": "49.7"},
        {"call-received_by_centre": "KOPIS PČR", "call-summary": "x", "call-incident_id": "999999"},
    ):
        resp = ops.post(url, {"action": "record", **bad})
        assert resp.status_code in (404, 422), bad
    assert (CallRecord.objects.count(), AuditEntry.objects.count()) == before
    resp = ops.post(url, {"action": "record", "call-received_by_centre": "KOPIS PČR Plzeň",
                          "call-summary": "Hoří sklad, kouř nad D5", "call-caller_phone": "+420 600 000 000",
                          "call-lat": "49.74", "call-lon": "13.37", "call-incident_id": str(incident.pk)})
    assert resp.status_code == 302
    call = CallRecord.objects.get()
    assert call.incident_id == incident.pk and (call.lat, call.lon) == (49.74, 13.37)
    page = _text(ops.get(url))
    assert f'data-testid="call-row" data-call-id="{call.pk}" data-forwarded="0"' in page
    before = (CallRecord.objects.filter(forwarded_at__isnull=False).count(), AuditEntry.objects.count())
    assert ops.post(url, {"action": "forward", "call_id": str(call.pk), "to_centre": ""}).status_code == 422
    assert (CallRecord.objects.filter(forwarded_at__isnull=False).count(), AuditEntry.objects.count()) == before
    resp = ops.post(url, {"action": "forward", "call_id": str(call.pk), "to_centre": "ZOS HZS Plzeňského kraje", "to_opis": "KOPIS HZS"})
    assert resp.status_code == 302
    call.refresh_from_db()
    assert call.forwarded_to_centre == "ZOS HZS Plzeňského kraje" and call.forwarded_by_label == "dispatcher"
    assert ops.post(url, {"action": "forward", "call_id": str(call.pk), "to_centre": "jinam"}).status_code == 409
    call.refresh_from_db()
    assert call.forwarded_to_centre == "ZOS HZS Plzeňského kraje"
    # Both the call and its forwarding are in the incident's timeline.
    assert _text(ops.get(reverse("incidents:incident-timeline", args=[incident.pk]))).count('data-kind="call"') == 2
    reader = client_for(analyst)
    assert reader.get(url).status_code == 200
    assert 'data-testid="call-record-form"' not in _text(reader.get(url))
    assert reader.post(url, {"action": "record", "call-received_by_centre": "x", "call-summary": "y"}).status_code == 403
    assert CallRecord.objects.count() == 1


def test_board_shows_reports_due_after_closed_level_iii_interventions(
    ops: Client, dispatcher: User, make_incident: Any
) -> None:
    from straz.incidents import services

    done = make_incident(title="Uzavřená III")
    services.declare_alarm_level(user=dispatcher, incident_id=done.pk, level="III")
    services.change_state(user=dispatcher, incident_id=done.pk, target="closed")
    lowered = make_incident(title="Snížený stupeň", persons_threatened=150)
    services.declare_alarm_level(user=dispatcher, incident_id=lowered.pk, level="III")
    services.declare_alarm_level(user=dispatcher, incident_id=lowered.pk, level="II", written_reason="evakuováno")
    html = _text(ops.get(reverse("incidents:board-rows"), HTTP_ACCEPT_LANGUAGE="en"))
    assert 'data-testid="board-reports-due" data-due="1" data-overdue="0"' in html
    assert f"#{done.pk}" in html
    # III was declared once: the report stays required although the level is now II.
    row = html[html.index(f'data-incident-id="{lowered.pk}"') :]
    assert "§16" in row[: row.index("</tr>")]


def test_board_rows_escape_what_staff_typed(ops: Client, dispatcher: User, make_incident: Any) -> None:
    from straz.incidents import services

    incident = make_incident(title='<img src=x onerror="alert(1)"> & "D5"')
    services.assign_commander(user=dispatcher, incident_id=incident.pk, commander_name="<b>VZ</b>")
    html = _text(ops.get(reverse("incidents:board-rows")))
    assert "<img src=x" not in html and "<b>VZ</b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &quot;D5&quot;" in html
    assert "&lt;b&gt;VZ&lt;/b&gt;" in html


def test_new_incident_with_an_affected_area(ops: Client) -> None:
    base = {
        "type": "flood", "title": "Povodeň Radbuza", "lat": "49.74", "lon": "13.37",
        "components": "basic_uncoordinated", "coordination": "none", "coordination_level": "tactical",
    }
    before = (Incident.objects.count(), AuditEntry.objects.count())
    crossing = {"type": "Polygon", "coordinates": [[[13.36, 49.73], [13.38, 49.75], [13.38, 49.73], [13.36, 49.75], [13.36, 49.73]]]}
    for bad in ("{", json.dumps(crossing), json.dumps([1, 2])):
        resp = ops.post(reverse("incidents:incident-new"), {**base, "affected_area": bad})
        assert resp.status_code == 422, bad
    assert (Incident.objects.count(), AuditEntry.objects.count()) == before
    resp = ops.post(reverse("incidents:incident-new"), {**base, "affected_area": json.dumps(POLYGON)})
    assert resp.status_code == 302
    incident = Incident.objects.get(title="Povodeň Radbuza")
    assert incident.affected_area is not None and incident.affected_area["type"] == "Polygon"
    html = _text(ops.get(_page(incident)))
    config = json.loads(re.search(r'id="straz-map-config" type="application/json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert config["affectedArea"]["type"] == "Polygon"


# ---------------------------------------------------------------- the commander's pages


def test_a_commander_writes_only_while_commanding_that_incident(
    ops: Client, commander: User, commander_b: User, client_for: Callable[[User], Client], make_incident: Any
) -> None:
    mine, other = make_incident(title="Moje"), make_incident(title="Cizí")
    assert _post(ops, mine, "assign", assign__commander_user=str(commander.pk)).status_code == 302
    as_commander = client_for(commander)
    assert 'data-testid="checkin-form"' in _text(as_commander.get(_page(mine)))
    assert 'data-testid="checkin-form"' not in _text(as_commander.get(_page(other)))
    assert 'data-testid="new-incident"' not in _text(as_commander.get(BOARD))
    assert as_commander.get(reverse("incidents:incident-new")).status_code == 403
    before = _state(other.pk)
    resp = _post(as_commander, other, "message", message__letter="a", message__text="cizí")
    assert resp.status_code == 403
    assert _state(other.pk) == before
    resp = _post(as_commander, mine, "message", message__letter="a", message__text="Situace")
    assert resp.status_code == 302
    resp = _post(
        as_commander, mine, "handover",
        handover__new_commander_user=str(commander_b.pk), handover__situation="s", handover__aim="a",
        handover__priorities="p",
    )
    assert resp.status_code == 302, re.findall(r'class="(?:message message-error|error-text)">([^<]*)', _text(resp))
    mine.refresh_from_db()
    assert mine.current_command.commander_user_id == commander_b.pk  # type: ignore[union-attr]
    assert mine.current_command.commander_name == "Eva Nástupcová"  # type: ignore[union-attr]
    # The former commander now only reads.
    assert 'data-testid="checkin-form"' not in _text(as_commander.get(_page(mine)))
    before = _state(mine.pk)
    assert _post(as_commander, mine, "state", state__target="in_progress").status_code == 403
    assert _state(mine.pk) == before
    successor = client_for(commander_b)
    assert _post(successor, mine, "state", state__target="in_progress").status_code == 302


def test_operations_pages_have_unique_ids_and_labelled_fields(
    ops: Client, dispatcher: User, make_incident: Any
) -> None:
    from collections import Counter

    from straz.incidents import services

    a, b = make_incident(), make_incident()
    services.assign_commander(user=dispatcher, incident_id=a.pk, commander_name="VZ")
    services.call_component(user=dispatcher, incident_id=a.pk, kind="zzs")
    services.check_in_component(user=dispatcher, incident_id=a.pk, kind="hzs", leader_name="L", people=1, vehicles=1)
    services.record_call(user=dispatcher, received_by_centre="KOPIS", summary="x")
    event = services.create_event(user=dispatcher, name="E", incident_ids=[a.pk, b.pk])
    for url in (BOARD, _page(a), reverse("incidents:incident-new"), reverse("incidents:event", args=[event.pk]),
                reverse("incidents:event-new"), reverse("incidents:calls")):
        html = _text(ops.get(url))
        ids = Counter(re.findall(r'\sid="([^"]+)"', html))
        assert not [i for i, n in ids.items() if n > 1], (url, [i for i, n in ids.items() if n > 1])
        # Every visible input, select and textarea has a label pointing at it.
        labelled = set(re.findall(r'<label[^>]*\sfor="([^"]+)"', html))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if re.search(r'type="(hidden|submit|button)"', tag):
                continue
            field_id = re.search(r'\sid="([^"]+)"', tag)
            assert field_id and field_id.group(1) in labelled, (url, tag)


def test_the_polled_board_fragment_is_compressed(ops: Client, make_incident: Any) -> None:
    import gzip

    for i in range(5):
        make_incident(title=f"MU {i}")
    resp = ops.get(reverse("incidents:board-rows"), HTTP_ACCEPT_ENCODING="gzip")
    assert resp.status_code == 200 and resp["Content-Encoding"] == "gzip"
    assert gzip.decompress(resp.content).decode().count('data-testid="board-row"') == 5
    assert "csrfmiddlewaretoken" not in gzip.decompress(resp.content).decode()


# ---------------------------------------------------------------- the site changes (change, remove, area, level)


def _features_state(incident_id: int) -> list[tuple[Any, ...]]:
    return list(
        SiteFeature.objects.filter(incident_id=incident_id)
        .order_by("pk")
        .values_list("pk", "kind", "name", "geometry", "parent_id", "retired_at")
    )


def test_zone_is_changed_from_its_edit_form_and_removed_but_kept(
    ops: Client, make_incident: Any, dispatcher: User
) -> None:
    from straz.incidents import services

    incident = make_incident()
    zone = services.add_site_feature(user=dispatcher, incident_id=incident.pk, kind="danger_zone", geometry=POLYGON, name="NZ")
    html = _text(ops.get(_page(incident)))
    assert f'href="?edit={zone.pk}#site"' in html and 'data-testid="feature-retire"' in html
    edit_page = _text(ops.get(_page(incident) + f"?edit={zone.pk}"))
    assert 'data-testid="feature-editing"' in edit_page and 'value="feature_edit"' in edit_page
    assert 'data-testid="draw-edit"' in edit_page
    assert "13.37" in edit_page  # the stored geometry is in the form, ready for editing its vertices
    # Bad input: a broken polygon, a post's kind, another incident's id — 4xx, nothing changes.
    other = make_incident(title="Jiná")
    other_zone = services.add_site_feature(user=dispatcher, incident_id=other.pk, kind="danger_zone", geometry=POLYGON)
    before, features = _state(incident.pk), _features_state(incident.pk)
    bowtie = {"type": "Polygon", "coordinates": [[[13.37, 49.74], [13.38, 49.75], [13.38, 49.74], [13.37, 49.75], [13.37, 49.74]]]}
    for fields, status in (
        ({"feature__geometry": json.dumps(bowtie), "feature__kind": "danger_zone"}, 422),
        ({"feature__geometry": json.dumps(POLYGON), "feature__kind": "command_post"}, 422),
        ({"feature__geometry": "{", "feature__kind": "danger_zone"}, 422),
        ({"feature__geometry": json.dumps(POLYGON), "feature__kind": "danger_zone", "feature__name": "NZ"}, 409),
    ):
        resp = _post(ops, incident, "feature_edit", feature__feature_id=str(zone.pk), **fields)
        assert resp.status_code == status, fields
        assert 'data-testid="feature-editing"' in _text(resp)  # the edit form stays, with the error
    resp = _post(ops, incident, "feature_edit", feature__feature_id=str(other_zone.pk), feature__kind="danger_zone",
                 feature__geometry=json.dumps(POLYGON), feature__name="X")
    assert resp.status_code == 404
    assert _state(incident.pk) == before and _features_state(incident.pk) == features
    bigger = {"type": "Polygon", "coordinates": [[[13.36, 49.73], [13.39, 49.73], [13.39, 49.76], [13.36, 49.76], [13.36, 49.73]]]}
    resp = _post(ops, incident, "feature_edit", feature__feature_id=str(zone.pk), feature__kind="outer_zone",
                 feature__name="Vnější", feature__geometry=json.dumps(bigger))
    assert resp.status_code == 302
    zone.refresh_from_db()
    assert (zone.kind, zone.name, zone.geometry["coordinates"][0][0]) == ("outer_zone", "Vnější", [13.36, 49.73])
    timeline = _text(ops.get(reverse("incidents:incident-timeline", args=[incident.pk])))
    assert "NZ" in timeline and "Vnější" in timeline
    # Removed: off the map and the list, kept in "removed from the site" and in the database.
    assert _post(ops, incident, "feature_retire", retire__feature_id=str(zone.pk)).status_code == 302
    html = _text(ops.get(_page(incident)))
    assert 'data-testid="feature-row"' not in html and 'data-testid="retired-feature-row"' in html
    config = json.loads(re.search(r'id="straz-map-config" type="application/json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert config["features"]["features"] == []
    assert SiteFeature.objects.get(pk=zone.pk).retired_at is not None
    before = _state(incident.pk)
    assert _post(ops, incident, "feature_retire", retire__feature_id=str(zone.pk)).status_code == 409
    assert _post(ops, incident, "feature_retire", retire__feature_id="x").status_code == 422
    assert _state(incident.pk) == before
    # A removed zone cannot be opened for editing: the page shows the normal drawing form.
    assert 'data-testid="feature-editing"' not in _text(ops.get(_page(incident) + f"?edit={zone.pk}"))


def test_affected_area_and_coordination_level_change_on_the_page(ops: Client, make_incident: Any) -> None:
    incident = make_incident()
    before = _state(incident.pk)
    assert _post(ops, incident, "area", area__geometry="").status_code == 422
    assert _post(ops, incident, "area", area__geometry=json.dumps({"type": "Point", "coordinates": [13, 49]})).status_code == 422
    assert _post(ops, incident, "coordination", coordination__coordination_level="cosmic").status_code == 422
    assert _post(ops, incident, "coordination", coordination__coordination_level="tactical").status_code == 409
    assert _state(incident.pk) == before
    assert _post(ops, incident, "area", area__geometry=json.dumps(POLYGON)).status_code == 302
    incident.refresh_from_db()
    assert incident.affected_area is not None
    html = _text(ops.get(_page(incident)))
    assert 'data-testid="area-clear"' in html
    assert _post(ops, incident, "area", area__clear="1").status_code == 302
    incident.refresh_from_db()
    assert incident.affected_area is None
    assert _post(ops, incident, "coordination", coordination__coordination_level="strategic").status_code == 302
    incident.refresh_from_db()
    assert incident.coordination_level == "strategic"


def test_site_change_forms_only_for_writers(
    client_for: Callable[[User], Client], make_incident: Any, dispatcher: User, commander: User, commander_b: User
) -> None:
    from straz.incidents import services

    incident = make_incident()
    zone = services.add_site_feature(user=dispatcher, incident_id=incident.pk, kind="danger_zone", geometry=POLYGON, name="NZ")
    services.assign_commander(user=dispatcher, incident_id=incident.pk, commander_name="Petr", commander_user_id=commander.pk, component="hzs")
    outsider = client_for(commander_b)
    html = _text(outsider.get(_page(incident) + f"?edit={zone.pk}"))
    assert 'data-testid="feature-retire"' not in html and 'data-testid="feature-editing"' not in html
    assert 'data-testid="area-form"' not in html
    before = _state(incident.pk)
    assert _post(outsider, incident, "feature_retire", retire__feature_id=str(zone.pk)).status_code == 403
    assert _post(outsider, incident, "coordination", coordination__coordination_level="strategic").status_code == 403
    assert _state(incident.pk) == before
    own = client_for(commander)
    assert 'data-testid="feature-editing"' in _text(own.get(_page(incident) + f"?edit={zone.pk}"))
    assert _post(own, incident, "feature_retire", retire__feature_id=str(zone.pk)).status_code == 302


@pytest.mark.parametrize(
    "nested",
    [
        "[" * 100_000,
        '{"a":' * 30_000,
        '{"type": "Polygon", "coordinates": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"type": "Feature", "geometry": ' + '{"type": "Feature", "geometry": ' * 5_000 + "}" * 5_000 + "}",
        # Parses (the decoder manages a few hundred levels) but is no GeoJSON at any depth.
        '{"type": "Polygon", "coordinates": ' + "[" * 300 + "]" * 300 + "}",
    ],
)
def test_deeply_nested_geojson_is_a_clear_error_not_a_crash(
    ops: Client, make_incident: Any, nested: str
) -> None:
    incident = make_incident()
    before = _state(incident.pk)
    resp = ops.post(
        _page(incident),
        {"action": "feature", "feature-kind": "danger_zone", "feature-geometry": nested},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert resp.status_code == 422
    assert "nested too deeply" in resp.content.decode()
    assert _state(incident.pk) == before
