"""§16 paths: the §16(4) help given must be stated (or "none") before completing, and the hand-over
of the §16(2) report to the regional fire brigade and of the §16(3) report to the hejtman or
ORP mayor is recorded, shown and audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from straz.accounts.models import AuditEntry, User
from straz.core.errors import Conflict, Forbidden, ValidationFailed
from straz.incidents import reporting
from straz.incidents.models import Incident, IncidentReport
from tests.incidents.test_report import FULL, _closed_incident, _pdf_text

pytestmark = pytest.mark.django_db

WITHOUT_HELP = {k: v for k, v in FULL.items() if k not in ("personal_help", "material_help")}


@pytest.fixture
def closed(dispatcher: User, commander: User, commander_b: User, make_incident: Any) -> Incident:
    return _closed_incident(dispatcher, commander, commander_b, make_incident)


# ---------------------------------------------------------------- §16(4): help given, or "none"


@pytest.mark.parametrize("missing", ["personal_help", "material_help"])
def test_completing_without_the_help_given_is_refused_with_a_clear_message(
    closed: Incident, dispatcher: User, missing: str
) -> None:
    changes = {**WITHOUT_HELP, **{k: FULL[k] for k in ("personal_help", "material_help") if k != missing}}
    reporting.save_report(user=dispatcher, incident_id=closed.pk, changes=changes)
    audits = AuditEntry.objects.count()
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        reporting.complete_report(user=dispatcher, incident_id=closed.pk)
    message = str(refused.value.message)
    with translation.override("en"):
        label = reporting.field_labels()[missing]
    assert str(label) in message
    assert "“none”" in message and "§16(4)" in message
    assert IncidentReport.objects.get().status == "draft" and AuditEntry.objects.count() == audits


def test_an_explicit_none_completes_the_report(closed: Incident, dispatcher: User) -> None:
    reporting.save_report(
        user=dispatcher, incident_id=closed.pk, changes={**WITHOUT_HELP, "personal_help": "žádná", "material_help": "none"}
    )
    done = reporting.complete_report(user=dispatcher, incident_id=closed.pk)
    assert done.status == "completed"


def test_the_report_page_asks_for_the_help_given(closed: Incident, dispatcher: User, client_for: Any) -> None:
    html = client_for(dispatcher).get(f"/operations/incidents/{closed.pk}/report/", HTTP_ACCEPT_LANGUAGE="en")
    assert html.status_code == 200
    assert "describe it, or write “none”" in html.content.decode()


# ---------------------------------------------------------------- §16(2)/(3): the hand-over


def test_the_site_report_is_handed_to_the_regional_fire_brigade_once_audited_and_shown(
    closed: Incident, dispatcher: User, commander_b: User, client_for: Any
) -> None:
    reporting.save_report(user=commander_b, incident_id=closed.pk, changes=FULL)
    with pytest.raises(Conflict):  # a draft is not handed over
        reporting.hand_over_report(user=commander_b, incident_id=closed.pk, recipient_name="HZS PK")
    reporting.complete_report(user=commander_b, incident_id=closed.pk)
    with pytest.raises(ValidationFailed):  # §16(2) names the regional fire brigade, not the hejtman
        reporting.hand_over_report(user=commander_b, incident_id=closed.pk, recipient="hejtman", recipient_name="X")
    with pytest.raises(ValidationFailed):
        reporting.hand_over_report(
            user=commander_b, incident_id=closed.pk, recipient_name="HZS PK", handed_at=timezone.now() + timedelta(hours=2)
        )
    audits = AuditEntry.objects.count()
    report = reporting.hand_over_report(
        user=commander_b, incident_id=closed.pk, recipient_name="HZS Plzeňského kraje, por. Novák"
    )
    assert report.handed_to == "regional_fire_brigade" and report.handed_over_by == commander_b
    assert report.handed_over_at is not None
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == audits + 1 and entry is not None
    assert entry.action == "incident_report.handed_over"
    assert entry.after["handed_to_name"] == "HZS Plzeňského kraje, por. Novák" and entry.after["rule"] == "§16(2)"
    with pytest.raises(Conflict):
        reporting.hand_over_report(user=commander_b, incident_id=closed.pk, recipient_name="Jiný")
    html = client_for(dispatcher).get(f"/operations/incidents/{closed.pk}/report/").content.decode()
    assert "HZS Plzeňského kraje, por. Novák" in html and 'data-testid="report-handover"' in html
    assert 'data-testid="report-handover-form"' not in html
    pdf = client_for(dispatcher).get(f"/operations/incidents/{closed.pk}/report.pdf")
    text, _pages = _pdf_text(pdf.content)
    assert "Novák" in text


def test_the_report_page_records_the_hand_over(closed: Incident, dispatcher: User, client_for: Any) -> None:
    reporting.save_report(user=dispatcher, incident_id=closed.pk, changes=FULL)
    reporting.complete_report(user=dispatcher, incident_id=closed.pk)
    ops = client_for(dispatcher)
    url = f"/operations/incidents/{closed.pk}/report/"
    assert 'data-testid="report-handover-form"' in ops.get(url).content.decode()
    refused = ops.post(url, {"action": "handover", "handover-recipient": "hejtman", "handover-recipient_name": "X"})
    assert refused.status_code == 422
    resp = ops.post(url, {"action": "handover", "handover-recipient": "regional_fire_brigade",
                          "handover-recipient_name": "<i>HZS PK</i>"})
    assert resp.status_code == 302
    html = ops.get(url).content.decode()
    assert "&lt;i&gt;HZS PK&lt;/i&gt;" in html and "<i>HZS PK</i>" not in html


def test_the_territory_report_goes_to_the_hejtman_or_the_orp_mayor(
    dispatcher: User, commander: User, api_as: Any, make_incident: Any, client_for: Any
) -> None:
    from straz.incidents import services

    a, b = make_incident(), make_incident(title="Druhé místo")
    event = services.create_event(user=dispatcher, name="Povodeň", incident_ids=[a.pk, b.pk], region_code="CZ032")
    services.declare_alarm_level(user=dispatcher, event_id=event.pk, level="III", notify_by_other_means=True)
    for site in (a, b):
        services.change_state(user=dispatcher, incident_id=site.pk, target="closed")
    reporting.save_territory_report(user=dispatcher, event_id=event.pk, changes=FULL)
    reporting.complete_territory_report(user=dispatcher, event_id=event.pk)
    api = api_as(dispatcher)
    wrong = api.post(f"/incidents/events/{event.pk}/report/handover",
                     {"recipient": "regional_fire_brigade", "recipient_name": "HZS PK"})
    assert wrong.status_code == 422
    with pytest.raises(Forbidden):
        reporting.hand_over_territory_report(user=commander, event_id=event.pk, recipient="hejtman", recipient_name="X")
    done = api.post(f"/incidents/events/{event.pk}/report/handover",
                    {"recipient": "hejtman", "recipient_name": "Hejtman Plzeňského kraje"})
    assert done.status_code == 200, done.content
    assert done.json()["handed_to"] == "hejtman" and done.json()["handed_over_by"] == "dispatcher"
    assert AuditEntry.objects.order_by("-seq").first().action == "territory_report.handed_over"  # type: ignore[union-attr]
    html = client_for(dispatcher).get(f"/operations/events/{event.pk}/report/").content.decode()
    assert "Hejtman Plzeňského kraje" in html and 'data-testid="report-handover"' in html
