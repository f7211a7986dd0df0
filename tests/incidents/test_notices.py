"""§23(2) is a decision, not an automatic notice (ADR 0028): level III proposes the hejtman's
and ORP mayor's notices; the OPIS records the duty officer's decision (or the commander's
request for the mayor) and only then are they sent. Special (§24(2)–(3)) and a territory's
§13 f) notice are unchanged: sent with the declaration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from straz.accounts.models import AuditEntry, User
from straz.core.errors import Conflict, Forbidden, ValidationFailed
from straz.incidents import policy, services
from straz.incidents.alarm.recipients import bases_for, needs_decision, notices_for
from straz.incidents.entries import entry_text
from straz.incidents.models import AlarmDeclaration, NoticeProposal, TimelineEntry
from straz.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _rows(source_type: str, source_id: int) -> list[tuple[str, str]]:
    return sorted(
        (m.rule, m.address) for m in OutboxMessage.objects.filter(source_type=source_type, source_id=str(source_id))
    )


def _proposal(incident: Any, role: str) -> NoticeProposal:
    return NoticeProposal.objects.get(incident=incident, role=role, status="proposed")


def _commanded(dispatcher: User, commander: User, make_incident: Any) -> Any:
    incident = make_incident()
    services.assign_commander(
        user=dispatcher, incident_id=incident.pk, commander_name="Petr Velitel", commander_user_id=commander.pk
    )
    services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="III")
    incident.refresh_from_db()
    return incident


# ---------------------------------------------------------------- the rule (pure)


def test_only_23_2_waits_for_a_decision_and_the_commander_may_ask_only_for_the_mayor() -> None:
    assert [needs_decision(n) for n in notices_for("III", territory=False)] == [True, True]
    assert not any(needs_decision(n) for n in notices_for("special", territory=False))
    territory = notices_for("III", territory=True)
    assert [(n.rule, needs_decision(n)) for n in territory] == [("§23(2)", True), ("§23(2)", True), ("§13 f)", False)]
    assert bases_for("hejtman") == ("duty_officer",)
    assert bases_for("orp_mayor") == ("duty_officer", "commander_request")


def test_who_may_record_which_basis(
    dispatcher: User, commander: User, commander_b: User, analyst: User, make_incident: Any
) -> None:
    incident = _commanded(dispatcher, commander, make_incident)
    assert policy.can_record_notice_decision(dispatcher, incident, "duty_officer")
    assert policy.can_record_notice_decision(dispatcher, incident, "commander_request")
    assert not policy.can_record_notice_decision(commander, incident, "duty_officer")
    assert policy.can_record_notice_decision(commander, incident, "commander_request")
    assert not policy.can_record_notice_decision(commander_b, incident, "commander_request")
    assert not policy.can_record_notice_decision(analyst, incident, "duty_officer")
    assert not policy.can_record_notice_decision(dispatcher, None, "commander_request")
    assert not policy.can_record_notice_decision(dispatcher, incident, "anything")


# ---------------------------------------------------------------- proposal, decision, sending


def test_level_three_sends_nothing_until_the_decision_and_the_timeline_has_all_three_steps(
    dispatcher: User, make_incident: Any, contacts: dict[str, Any]
) -> None:
    incident = make_incident()
    with translation.override("en"):
        services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="III")
    assert _rows("incident", incident.pk) == []
    declared = TimelineEntry.objects.get(incident=incident, kind="declaration")
    assert "Notices proposed under §23(2)" in entry_text(declared, language="en") and "hejtman" in entry_text(declared, language="en")
    proposals = NoticeProposal.objects.filter(incident=incident).order_by("role")
    assert [(p.rule, p.role, p.status) for p in proposals] == [
        ("§23(2)", "hejtman", "proposed"), ("§23(2)", "orp_mayor", "proposed")
    ]
    decided_at = timezone.now() - timedelta(minutes=5)
    entries_before = TimelineEntry.objects.filter(incident=incident).count()
    with translation.override("en"):
        proposal = services.decide_notice(
            user=dispatcher, proposal_id=_proposal(incident, "hejtman").pk, basis="duty_officer",
            decided_by_name="npor. Jan Služba", decided_at=decided_at,
        )
    assert proposal.status == "sent" and proposal.decided_at == decided_at
    assert proposal.decided_by_name == "npor. Jan Služba" and proposal.recorded_by == dispatcher
    assert _rows("incident", incident.pk) == [("§23(2)", contacts["hejtman"].address)]
    texts = [entry_text(e, language="en") for e in TimelineEntry.objects.filter(incident=incident).order_by("id")]
    assert len(texts) == entries_before + 2
    at = timezone.localtime(decided_at).strftime("%H:%M")
    assert texts[-2] == (
        f"The duty officer npor. Jan Služba decided at {at} that Regional governor (hejtman) be notified (§23(2))."
    )
    assert texts[-1] == "Notice to Regional governor (hejtman) handed to the outbox for delivery (messages: 1)."
    audit = AuditEntry.objects.filter(action="incident.notice_decided").latest("id")
    assert audit.after["basis"] == "duty_officer" and audit.after["decided_by"] == "npor. Jan Služba"
    assert audit.after["status"] == "sent" and audit.before == {"status": "proposed"}
    # The mayor's notice is still only proposed.
    assert _proposal(incident, "orp_mayor").status == "proposed"


def test_the_commander_requests_the_mayors_notice_but_cannot_decide_for_the_hejtman(
    dispatcher: User, commander: User, make_incident: Any, contacts: dict[str, Any]
) -> None:
    incident = _commanded(dispatcher, commander, make_incident)
    hejtman, mayor = _proposal(incident, "hejtman"), _proposal(incident, "orp_mayor")
    with pytest.raises(Forbidden):
        services.decide_notice(user=commander, proposal_id=hejtman.pk, basis="duty_officer", decided_by_name="Petr Velitel")
    with pytest.raises(ValidationFailed):
        # The hejtman is told only on the duty officer's decision, even when the OPIS records it.
        services.decide_notice(user=dispatcher, proposal_id=hejtman.pk, basis="commander_request", decided_by_name="X")
    assert _rows("incident", incident.pk) == []
    services.decide_notice(user=commander, proposal_id=mayor.pk, basis="commander_request", decided_by_name="Petr Velitel")
    assert _rows("incident", incident.pk) == [("§23(2)", contacts["orp_mayor"].address)]
    message = OutboxMessage.objects.get(source_type="incident", source_id=str(incident.pk))
    assert message.payload["decision"]["basis"] == "commander_request"
    assert "Petr Velitel" in message.body


def test_bad_decisions_are_refused_and_change_nothing(
    dispatcher: User, analyst: User, make_incident: Any, contacts: dict[str, Any]
) -> None:
    incident = make_incident()
    services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="III")
    pk = _proposal(incident, "hejtman").pk
    before = (AuditEntry.objects.count(), TimelineEntry.objects.count(), OutboxMessage.objects.count())
    cases: list[tuple[type[Exception], dict[str, Any]]] = [
        (ValidationFailed, {"basis": "duty_officer", "decided_by_name": "  "}),
        (ValidationFailed, {"basis": "whim", "decided_by_name": "Jan"}),
        (ValidationFailed, {"basis": "duty_officer", "decided_by_name": "Jan",
                            "decided_at": timezone.now() + timedelta(hours=1)}),
        (ValidationFailed, {"basis": "commander_request", "decided_by_name": "Jan", "notify": False}),
    ]
    for error, kwargs in cases:
        with pytest.raises(error):
            services.decide_notice(user=dispatcher, proposal_id=pk, **kwargs)
    with pytest.raises(Forbidden):
        services.decide_notice(user=analyst, proposal_id=pk, basis="duty_officer", decided_by_name="Jan")
    assert (AuditEntry.objects.count(), TimelineEntry.objects.count(), OutboxMessage.objects.count()) == before
    assert NoticeProposal.objects.get(pk=pk).status == "proposed"


def test_the_duty_officer_may_decide_not_to_notify(dispatcher: User, make_incident: Any, contacts: dict[str, Any]) -> None:
    incident = make_incident()
    services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="III")
    proposal = services.decide_notice(
        user=dispatcher, proposal_id=_proposal(incident, "hejtman").pk, basis="duty_officer",
        decided_by_name="Jan Služba", notify=False,
    )
    assert proposal.status == "declined" and proposal.sent == []
    assert _rows("incident", incident.pk) == []
    with pytest.raises(Conflict):
        services.decide_notice(user=dispatcher, proposal_id=proposal.pk, basis="duty_officer", decided_by_name="Jan")


# ---------------------------------------------------------------- special keeps its own rules


def test_special_still_notifies_at_once_and_supersedes_undecided_23_2_notices(
    dispatcher: User, make_incident: Any, contacts: dict[str, Any]
) -> None:
    incident = make_incident()
    services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="III")
    services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="special")
    # §24(2)–(3): the hejtman, the ORP mayor and the GŘ HZS, with the declaration.
    assert _rows("incident", incident.pk) == sorted([
        ("§24(2)", contacts["hejtman"].address),
        ("§24(2)", contacts["orp_mayor"].address),
        ("§24(3)", contacts["gr_hzs"].address),
    ])
    assert set(NoticeProposal.objects.filter(incident=incident).values_list("status", flat=True)) == {"superseded"}
    with pytest.raises(Conflict):
        services.decide_notice(
            user=dispatcher, proposal_id=NoticeProposal.objects.filter(incident=incident).first().pk,  # type: ignore[union-attr]
            basis="duty_officer", decided_by_name="Jan",
        )


def test_a_special_territory_still_tells_the_higher_opis_at_once(
    dispatcher: User, make_incident: Any, contacts: dict[str, Any]
) -> None:
    a, b = make_incident(), make_incident(title="Druhé místo")
    event = services.create_event(user=dispatcher, name="Povodeň", incident_ids=[a.pk, b.pk], region_code="CZ032", orp_code="3212")
    services.declare_alarm_level(user=dispatcher, event_id=event.pk, level="special")
    assert _rows("event", event.pk) == sorted([
        ("§24(2)", contacts["hejtman"].address),
        ("§24(2)", contacts["orp_mayor"].address),
        ("§24(3)", contacts["gr_hzs"].address),
        ("§13 f)", contacts["higher_opis"].address),
    ])
    assert not NoticeProposal.objects.filter(event=event).exists()


# ---------------------------------------------------------------- pages and board


def test_the_incident_page_shows_whom_a_notice_would_tell_and_records_the_decision(
    dispatcher: User, client_for: Any, make_incident: Any, contacts: dict[str, Any]
) -> None:
    incident = make_incident()
    services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="III")
    ops = client_for(dispatcher)
    url = reverse("incidents:incident", args=[incident.pk])
    html = ops.get(url).content.decode()
    assert 'data-testid="notices"' in html and html.count('data-testid="notice-form"') == 2
    assert contacts["hejtman"].address in html and contacts["orp_mayor"].address in html
    pk = _proposal(incident, "hejtman").pk
    resp = ops.post(url, {"action": "notice", "notice-notice_id": str(pk), "notice-basis": "duty_officer",
                          "notice-decided_by": "npor. Jan Služba", "notice-decision": "notify"})
    assert resp.status_code == 302
    assert _rows("incident", incident.pk) == [("§23(2)", contacts["hejtman"].address)]
    html = ops.get(url).content.decode()
    assert html.count('data-testid="notice-form"') == 1 and "npor. Jan Služba" in html
    # Markup in the name is shown as text.
    mayor = _proposal(incident, "orp_mayor").pk
    ops.post(url, {"action": "notice", "notice-notice_id": str(mayor), "notice-basis": "duty_officer",
                   "notice-decided_by": "<b>x</b>", "notice-decision": "decline"})
    html = ops.get(url).content.decode()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_the_commander_sees_only_the_mayors_request_form(
    dispatcher: User, commander: User, client_for: Any, make_incident: Any, contacts: dict[str, Any]
) -> None:
    incident = _commanded(dispatcher, commander, make_incident)
    html = client_for(commander).get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    assert html.count('data-testid="notice-form"') == 1
    assert 'value="commander_request"' in html and 'value="duty_officer"' not in html


def test_the_board_flags_incidents_with_notices_awaiting_a_decision(
    dispatcher: User, client_for: Any, make_incident: Any, contacts: dict[str, Any]
) -> None:
    incident = make_incident()
    services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="III")
    ops = client_for(dispatcher)
    assert 'data-testid="board-notices-pending"' in ops.get(reverse("incidents:board-rows")).content.decode()
    for role in ("hejtman", "orp_mayor"):
        services.decide_notice(user=dispatcher, proposal_id=_proposal(incident, role).pk, basis="duty_officer",
                               decided_by_name="Jan")
    assert 'data-testid="board-notices-pending"' not in ops.get(reverse("incidents:board-rows")).content.decode()


def test_the_event_page_records_the_duty_officers_decision(
    dispatcher: User, client_for: Any, make_incident: Any, contacts: dict[str, Any]
) -> None:
    a, b = make_incident(), make_incident(title="Druhé místo")
    event = services.create_event(user=dispatcher, name="Povodeň", incident_ids=[a.pk, b.pk], region_code="CZ032", orp_code="3212")
    services.declare_alarm_level(user=dispatcher, event_id=event.pk, level="III")
    assert _rows("event", event.pk) == [("§13 f)", contacts["higher_opis"].address)]
    proposal = NoticeProposal.objects.get(event=event, role="hejtman")
    ops = client_for(dispatcher)
    url = reverse("incidents:event", args=[event.pk])
    assert 'data-testid="notice-form"' in ops.get(url).content.decode()
    resp = ops.post(url, {"action": "notice", "notice-notice_id": str(proposal.pk), "notice-basis": "duty_officer",
                          "notice-decided_by": "Jan Služba", "notice-decision": "notify"})
    assert resp.status_code == 302
    assert ("§23(2)", contacts["hejtman"].address) in _rows("event", event.pk)
    # Every site's record shows the decision too.
    for site in (a, b):
        assert TimelineEntry.objects.filter(incident=site, data__notice__role="hejtman").count() == 2
    assert AlarmDeclaration.objects.filter(event=event).count() == 1
