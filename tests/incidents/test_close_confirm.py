"""Issue 9, item 3: closing an incident is confirmed first; components on site leave with it (§6(1) h))."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from straz.accounts.models import AuditEntry
from straz.core.errors import Conflict
from straz.incidents import services
from straz.incidents.models import ComponentDeployment, Incident, TimelineEntry
from tests.incidents.incident_fixtures import audit_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(make_incident: Any, dispatcher: Any) -> Incident:
    """An incident in progress with two components on site and one that already left."""
    incident = make_incident()
    services.change_state(user=dispatcher, incident_id=incident.pk, target="in_progress")
    for kind, leader in (("hzs", "Svoboda"), ("pcr", "Dvořák"), ("zzs", "Malá")):
        services.check_in_component(
            user=dispatcher, incident_id=incident.pk, kind=kind, leader_name=leader, people=3, vehicles=1
        )
    gone = ComponentDeployment.objects.get(incident=incident, kind="zzs")
    services.check_out_component(user=dispatcher, incident_id=incident.pk, deployment_id=gone.pk)
    return incident


def _record(incident_id: int) -> tuple[Any, ...]:
    incident = Incident.objects.get(pk=incident_id)
    departed = tuple(
        ComponentDeployment.objects.filter(incident_id=incident_id).order_by("pk").values_list("departed_at", flat=True)
    )
    timeline = TimelineEntry.objects.filter(incident_id=incident_id).count()
    changes = AuditEntry.objects.filter(action__startswith="incident.").count()
    return incident.state, incident.rescue_ended_at, departed, timeline, changes


def test_closing_with_components_on_site_is_refused_unconfirmed(live: Incident, dispatcher: Any) -> None:
    before = _record(live.pk)
    with pytest.raises(Conflict) as refused:
        services.change_state(user=dispatcher, incident_id=live.pk, target="closed")
    assert "Svoboda" in refused.value.message and "Dvořák" in refused.value.message
    assert _record(live.pk) == before


def test_confirmed_closing_records_that_the_components_left(live: Incident, dispatcher: Any) -> None:
    audit_before = audit_count()
    services.change_state(user=dispatcher, incident_id=live.pk, target="closed", components_leave=True)
    live.refresh_from_db()
    assert live.state == "closed" and live.rescue_ended_at is not None
    deployments = {d.kind: d for d in ComponentDeployment.objects.filter(incident=live)}
    assert deployments["hzs"].departed_at == live.rescue_ended_at
    assert deployments["pcr"].departed_at == live.rescue_ended_at
    assert deployments["zzs"].departed_at < live.rescue_ended_at  # left before: untouched
    # §6(1) h): each departure is a message from the site; both, plus the state change, audited.
    departures = TimelineEntry.objects.filter(incident=live, letter="h", at=live.rescue_ended_at)
    assert departures.count() == 2
    assert audit_count() == audit_before + 3


def test_closing_without_components_on_site_needs_no_flag(make_incident: Any, dispatcher: Any) -> None:
    incident = make_incident()
    services.change_state(user=dispatcher, incident_id=incident.pk, target="closed")
    incident.refresh_from_db()
    assert incident.state == "closed"


def _page(incident: Incident) -> str:
    return reverse("incidents:incident", args=[incident.pk])


def test_page_close_without_confirmation_changes_nothing_and_asks(
    live: Incident, dispatcher: Any, client_for: Any
) -> None:
    before = _record(live.pk)
    response = client_for(dispatcher).post(
        _page(live),
        {"action": "state", "state-target": "closed", "state-note": "Místo předáno"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="close-confirm"' in html
    assert html.count('data-testid="close-confirm-component"') == 2
    assert "Svoboda" in html and "Dvořák" in html and "Malá" not in html
    assert "cannot be reopened" in html
    assert 'name="state-confirmed" value="on"' in html and "Místo předáno" in html
    assert _record(live.pk) == before


def test_page_close_with_confirmation_closes(live: Incident, dispatcher: Any, client_for: Any) -> None:
    response = client_for(dispatcher).post(
        _page(live), {"action": "state", "state-target": "closed", "state-confirmed": "on"}
    )
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.state == "closed"
    assert not ComponentDeployment.objects.filter(incident=live, departed_at__isnull=True).exists()


def test_page_illegal_close_is_refused_not_offered(make_incident: Any, dispatcher: Any, client_for: Any) -> None:
    incident = make_incident()
    services.change_state(user=dispatcher, incident_id=incident.pk, target="closed")
    response = client_for(dispatcher).post(_page(incident), {"action": "state", "state-target": "closed"})
    assert response.status_code == 409
    assert 'data-testid="close-confirm"' not in response.content.decode()


def test_page_close_by_a_reader_is_forbidden_not_offered(live: Incident, analyst: Any) -> None:
    client = Client()
    client.force_login(analyst)
    response = client.post(_page(live), {"action": "state", "state-target": "closed"})
    assert response.status_code == 403
    assert Incident.objects.get(pk=live.pk).state == "in_progress"


def test_api_close_needs_components_leave(live: Incident, dispatcher_api: Any) -> None:
    before = _record(live.pk)
    path = f"/incidents/{live.pk}/state"
    assert dispatcher_api.post(path, {"state": "closed"}).status_code == 409
    assert _record(live.pk) == before
    assert dispatcher_api.post(path, {"state": "closed", "components_leave": True}).status_code == 200
    assert Incident.objects.get(pk=live.pk).state == "closed"
