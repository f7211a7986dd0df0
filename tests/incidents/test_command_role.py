"""The incident-commander role (ADR 0014): a commander writes only to the incident they command."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from straz.accounts.models import Role, User
from straz.core.errors import Forbidden, ValidationFailed
from straz.incidents import services
from straz.incidents.models import ComponentDeployment, Incident, SiteFeature, TimelineEntry
from tests.incidents.incident_fixtures import audit_count

pytestmark = pytest.mark.django_db

BRIEFING = {
    "situation": "Požár haly, bez zraněných.",
    "aim": "Zastavit šíření na sklad.",
    "priorities": "1) chladit, 2) odvětrat.",
}
ZONE = {
    "type": "Polygon",
    "coordinates": [[[13.369, 49.739], [13.371, 49.739], [13.371, 49.741], [13.369, 49.741], [13.369, 49.739]]],
}
REFUSAL_EN = (
    "Only the operations centre (dispatcher), an administrator or the current commander "
    "of this incident can do this."
)


def _commanded_by(user: User | None, make_incident: Any, dispatcher: User) -> Incident:
    """An incident whose first commander is `user` (None: a commander without an account)."""
    incident = make_incident()
    services.assign_commander(
        user=dispatcher,
        incident_id=incident.pk,
        commander_name=(user.get_full_name() or user.get_username()) if user else "npor. Kovář",
        commander_user_id=user.pk if user else None,
        component="hzs",
    )
    return Incident.objects.select_related("current_command").get(pk=incident.pk)


def _snapshot(incident: Incident) -> Any:
    incident.refresh_from_db()
    return (
        incident.state,
        incident.alarm_level,
        incident.persons_threatened,
        incident.current_command_id,
        ComponentDeployment.objects.filter(incident=incident).count(),
        SiteFeature.objects.filter(incident=incident).count(),
        TimelineEntry.objects.filter(incident=incident).count(),
        audit_count(),
    )


def _writes(incident: Incident, other: User) -> list[tuple[str, str, dict[str, Any]]]:
    """Every write to one incident over the API, each valid for a fresh commanded incident."""
    called = ComponentDeployment.objects.create(incident=incident, kind="pcr", called_at=incident.created_at)
    on_site = ComponentDeployment.objects.create(
        incident=incident, kind="zzs", called_at=incident.created_at, arrived_at=incident.created_at,
        leader_name="MUDr. Lípová", people=2, vehicles=1,
    )
    i = incident.pk
    return [
        ("put", f"/incidents/{i}/facts", {"persons_threatened": 5000}),
        ("post", f"/incidents/{i}/state", {"state": "in_progress"}),
        ("post", f"/incidents/{i}/declarations", {"level": "III"}),
        ("post", f"/incidents/{i}/commander/successor", {"successor_name": "por. Malý"}),
        ("post", f"/incidents/{i}/commander/takeover", {"how": "authority_representative",
                                                         "new_commander_name": "Ing. Starosta",
                                                         "skip_reason": "Nástupce nedosažitelný."}),
        ("post", f"/incidents/{i}/commander/handover", {"new_commander_name": "kpt. Nový",
                                                         "new_commander_user": other.pk, **BRIEFING}),
        ("post", f"/incidents/{i}/components", {"kind": "hzs", "unit_name": "JSDH Bolevec"}),
        ("post", f"/incidents/{i}/components/check-in", {"kind": "pcr", "deployment_id": called.pk,
                                                          "leader_name": "prap. Malá", "people": 2, "vehicles": 1}),
        ("post", f"/incidents/{i}/components/{on_site.pk}/check-out", {}),
        ("post", f"/incidents/{i}/site-features", {"kind": "danger_zone", "geometry": ZONE, "name": "NZ"}),
        ("post", f"/incidents/{i}/messages", {"letter": "c", "text": "Lokalizováno."}),
        ("post", f"/incidents/{i}/log", {"text": "Poznámka velitele."}),
    ]


# ---------------------------------------------------------------- the rule


def test_can_write_incident_follows_the_role_and_the_current_command(
    make_incident: Any, dispatcher: User, admin_user: User, commander: User, commander_b: User,
    analyst: User, manager: User,
) -> None:
    incident = _commanded_by(commander, make_incident, dispatcher)
    assert services.can_write_incident(dispatcher, incident)
    assert services.can_write_incident(admin_user, incident)
    assert services.can_write_incident(commander, incident)
    assert not services.can_write_incident(commander_b, incident)
    assert not services.can_write_incident(analyst, incident)
    assert not services.can_write_incident(manager, incident)
    assert not services.can_write_incident(None, incident)
    # A commander of no incident, or of one commanded by someone without an account: no.
    nobody = make_incident()
    assert not services.can_write_incident(commander, nobody)
    unlinked = _commanded_by(None, make_incident, dispatcher)
    assert not services.can_write_incident(commander, unlinked)
    # An officer cannot be named commander at all, and a commander moved to another role
    # loses the right at once: the role decides, not only the name on the command.
    officer = User.objects.create_user(username="policista", password="x-pass", role=Role.OFFICER)
    with pytest.raises(ValidationFailed):
        _commanded_by(officer, make_incident, dispatcher)
    commander.role = Role.ANALYST
    commander.save()
    assert not services.can_write_incident(commander, incident)
    commander.role = Role.COMMANDER
    commander.save()
    assert services.can_write_incident(commander, incident)
    # A deactivated commander loses the right at once.
    commander.is_active = False
    commander.save()
    assert not services.can_write_incident(commander, incident)


def test_handover_moves_the_right_to_write_to_the_new_commander(
    make_incident: Any, dispatcher: User, commander: User, commander_b: User
) -> None:
    incident = _commanded_by(commander, make_incident, dispatcher)
    services.hand_over_command(
        user=commander, incident_id=incident.pk, new_commander_name=commander_b.get_full_name(),
        new_commander_user_id=commander_b.pk, **BRIEFING,
    )
    incident = Incident.objects.select_related("current_command").get(pk=incident.pk)
    assert not services.can_write_incident(commander, incident)
    assert services.can_write_incident(commander_b, incident)
    with pytest.raises(Forbidden):
        services.post_site_message(user=commander, incident_id=incident.pk, letter="c", text="Ještě já.")
    entry = services.post_site_message(user=commander_b, incident_id=incident.pk, letter="c", text="Lokalizováno.")
    assert entry.author_label == "Eva Nástupcová"  # the person, not the username (issue 9 item 7)


# ---------------------------------------------------------------- over the API


@pytest.mark.parametrize("index", range(12))
def test_commander_writes_to_the_incident_they_command(
    index: int, api_as: Any, make_incident: Any, dispatcher: User, commander: User, commander_b: User
) -> None:
    incident = _commanded_by(commander, make_incident, dispatcher)
    method, path, body = _writes(incident, commander_b)[index]
    before = audit_count()
    resp = getattr(api_as(commander), method)(path, body)
    assert resp.status_code in (200, 201), (path, resp.status_code, resp.content)
    assert audit_count() > before
    # The record says who did it.
    last = TimelineEntry.objects.filter(incident=incident).order_by("-pk").first()
    assert last is not None and last.author_label == "Petr Velitel"


@pytest.mark.parametrize("index", range(12))
def test_commander_of_another_incident_is_refused_and_nothing_changes(
    index: int, api_as: Any, make_incident: Any, dispatcher: User, commander: User, commander_b: User
) -> None:
    incident = _commanded_by(commander_b, make_incident, dispatcher)
    _commanded_by(commander, make_incident, dispatcher)  # commander runs a different incident
    method, path, body = _writes(incident, commander)[index]
    before = _snapshot(incident)
    resp = getattr(api_as(commander), method)(path, body, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 403, (path, resp.status_code, resp.content)
    assert resp.json()["detail"] == REFUSAL_EN
    assert _snapshot(incident) == before


def test_refusal_is_in_the_users_language(
    api_as: Any, make_incident: Any, dispatcher: User, commander: User, commander_b: User
) -> None:
    incident = _commanded_by(commander_b, make_incident, dispatcher)
    client = api_as(commander)
    for lang in ("cs", "pl", "en"):
        resp = client.post(f"/incidents/{incident.pk}/log", {"text": "x"}, HTTP_ACCEPT_LANGUAGE=lang)
        assert resp.status_code == 403
        with translation.override(lang):
            expected = translation.gettext(REFUSAL_EN)
        assert resp.json()["detail"] == expected, lang


def test_commander_does_not_create_incidents_events_or_calls_nor_assign_command(
    api_as: Any, make_incident: Any, dispatcher: User, commander: User
) -> None:
    from tests.incidents.incident_fixtures import INCIDENT_BODY

    mine = _commanded_by(commander, make_incident, dispatcher)
    other = make_incident()
    event = services.create_event(user=dispatcher, name="Povodeň Plzeň", incident_ids=[mine.pk, other.pk])
    client = api_as(commander)
    before = (Incident.objects.count(), audit_count())
    refused = [
        ("/incidents", INCIDENT_BODY),
        ("/incidents/events", {"name": "Akce", "incidents": [mine.pk, other.pk]}),
        (f"/incidents/events/{event.pk}/incidents", {"incidents": [make_incident().pk]}),
        (f"/incidents/events/{event.pk}/priorities", {"order": [other.pk, mine.pk]}),
        (f"/incidents/events/{event.pk}/declarations", {"level": "III"}),
        ("/incidents/calls", {"received_by_centre": "TCTV 112", "summary": "Požár"}),
        # The first commander of an incident is assigned by the OPIS.
        (f"/incidents/{other.pk}/commander", {"commander_name": "npor. Já", "commander_user": commander.pk}),
    ]
    before = (Incident.objects.count(), audit_count())
    for path, body in refused:
        resp = client.post(path, body)
        assert resp.status_code == 403, (path, resp.status_code, resp.content)
    assert (Incident.objects.count(), audit_count()) == before
    calls = client.get("/incidents/calls")
    assert calls.status_code == 200 and all(c["caller_phone"] is None for c in calls.json()["items"])
    # Reading stays open to every active staff member.
    detail = client.get(f"/incidents/{other.pk}")
    assert detail.status_code == 200
    assert (detail.json()["id"], detail.json()["title"]) == (other.pk, other.title)
    board = client.get("/incidents/board")
    assert board.status_code == 200
    assert {mine.pk, other.pk} <= {item["id"] for item in board.json()["items"]}


def test_commander_sees_the_alarm_level_proposal(api_as: Any, commander: User) -> None:
    resp = api_as(commander).post("/incidents/alarm-level", {"persons_threatened": 5000})
    assert resp.status_code == 200
    assert resp.json()["level"] in {"II", "III", "special"}


def test_commander_hands_over_over_the_api_and_loses_the_right(
    api_as: Any, make_incident: Any, dispatcher: User, commander: User, commander_b: User
) -> None:
    incident = _commanded_by(commander, make_incident, dispatcher)
    first, second = api_as(commander), api_as(commander_b)
    assert second.post(f"/incidents/{incident.pk}/log", {"text": "x"}).status_code == 403
    resp = first.post(
        f"/incidents/{incident.pk}/commander/handover",
        {"new_commander_name": "kpt. Eva Nástupcová", "new_commander_user": commander_b.pk, **BRIEFING},
    )
    assert resp.status_code == 201, resp.content
    assert first.post(f"/incidents/{incident.pk}/log", {"text": "x"}).status_code == 403
    for target in ("in_progress", "liquidation", "closed"):
        assert second.post(f"/incidents/{incident.pk}/state", {"state": target}).status_code == 200
    incident.refresh_from_db()
    assert incident.state == "closed" and incident.rescue_ended_at is not None


def test_recorded_at_stamps_the_story_time_but_the_audit_keeps_the_real_time(
    make_incident: Any, dispatcher: User, commander: User
) -> None:
    from datetime import datetime, timedelta

    from django.utils import timezone

    from straz.accounts.models import AuditEntry

    incident = _commanded_by(commander, make_incident, dispatcher)
    story = timezone.now() - timedelta(hours=5)
    before = timezone.now()
    with services.recorded_at(story):
        entry = services.post_site_message(user=commander, incident_id=incident.pk, letter="a", text="Hoří.")
        services.change_state(user=commander, incident_id=incident.pk, target="in_progress")
    incident.refresh_from_db()
    assert entry.at == story and incident.rescue_started_at == story
    assert AuditEntry.objects.order_by("-seq").first().at >= before
    # Outside the block the clock is the real one again.
    later = services.post_site_message(user=commander, incident_id=incident.pk, letter="f", text="Hotovo.")
    assert later.at >= before
    with pytest.raises(ValueError), services.recorded_at(datetime(2026, 1, 1)):
        pass


def test_only_an_account_that_can_write_is_named_commander(
    api_as: Any, make_incident: Any, dispatcher: User, analyst: User, commander: User
) -> None:
    incident = make_incident()
    api = api_as(dispatcher)
    before = _snapshot(incident)
    resp = api.post(
        f"/incidents/{incident.pk}/commander",
        {"commander_name": "Analytik", "commander_user": analyst.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert resp.status_code == 422
    assert "analyst" in resp.json()["detail"] and "cannot command" in resp.json()["detail"]
    assert _snapshot(incident) == before
    ok = api.post(f"/incidents/{incident.pk}/commander", {"commander_name": "Velitel", "commander_user": commander.pk})
    assert ok.status_code == 201
    # A handover to such an account is refused just the same, and changes nothing.
    before = _snapshot(incident)
    resp = api.post(
        f"/incidents/{incident.pk}/commander/handover",
        {"new_commander_name": "Analytik", "new_commander_user": analyst.pk, **BRIEFING},
    )
    assert resp.status_code == 422
    assert _snapshot(incident) == before
