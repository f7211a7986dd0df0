"""The back office names IZS records in the administrator's language (issue 9, item 7):
titles instead of "AlarmDeclaration object (1)", people as documents name them, and the
stored JSON facts shown as stored, marked not to translate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import lxml.html
import pytest
from django.test import Client
from django.utils import translation

from straz.accounts.models import User
from straz.incidents import services
from straz.incidents.models import (
    AlarmDeclaration,
    CommandAssignment,
    ComponentDeployment,
    SiteFeature,
)

pytestmark = pytest.mark.django_db

DANGER_ZONE = {
    "type": "Polygon",
    "coordinates": [[[13.368, 49.739], [13.372, 49.739], [13.372, 49.7415], [13.368, 49.7415], [13.368, 49.739]]],
}
# 07:53 in Prague (CET) on 3 December 2026.
AT = datetime(2026, 12, 3, 6, 53, tzinfo=UTC)


@pytest.fixture
def worked(dispatcher: User, make_incident: Any) -> Any:
    dispatcher.first_name, dispatcher.last_name, dispatcher.rank = "Pavel", "Procházka", "nprap."
    dispatcher.save()
    incident = make_incident()
    services.declare_alarm_level(user=dispatcher, level="III", incident_id=incident.pk, written_reason="test")
    services.call_component(user=dispatcher, incident_id=incident.pk, kind="hzs", unit_name="HS Plzeň")
    services.add_site_feature(
        user=dispatcher, incident_id=incident.pk, kind="danger_zone", geometry=DANGER_ZONE, name="Zóna D5"
    )
    AlarmDeclaration.objects.filter(incident=incident).update(declared_at=AT)
    ComponentDeployment.objects.filter(incident=incident).update(called_at=AT)
    return incident


def test_records_have_titles_in_the_readers_language(worked: Any) -> None:
    declaration = AlarmDeclaration.objects.get(incident=worked)
    deployment = ComponentDeployment.objects.get(incident=worked)
    feature = SiteFeature.objects.get(incident=worked)
    with translation.override("en"):
        assert str(declaration) == f"Level III declared 3 Dec 2026, 07:53 – #{worked.pk} D5 km 80, hromadná nehoda"
        assert str(deployment).startswith("Fire rescue service")
        assert str(deployment).endswith(f"HS Plzeň called 3 Dec 2026, 07:53 – #{worked.pk} D5 km 80, hromadná nehoda")
        assert str(feature) == "Danger zone (§5(1) b): Zóna D5"
    with translation.override("cs"):
        # The level's and the zone's own names follow the language (their msgids are translated).
        assert "Level III" not in str(declaration)
        assert "Danger zone" not in str(feature)


def test_a_command_term_is_titled_by_commander_and_start(worked: Any, dispatcher: User) -> None:
    services.assign_commander(user=dispatcher, incident_id=worked.pk, commander_name="npor. Jan Malý")
    term = CommandAssignment.objects.get(incident=worked)
    CommandAssignment.objects.filter(pk=term.pk).update(started_at=AT)
    term.refresh_from_db()
    with translation.override("en"):
        assert str(term) == f"npor. Jan Malý in command from 3 Dec 2026, 07:53 – #{worked.pk} D5 km 80, hromadná nehoda"


def test_back_office_lists_show_people_and_stored_facts_as_stored(worked: Any, admin_user: User) -> None:
    client = Client()
    client.force_login(admin_user)
    listing = client.get("/admin/incidents/alarmdeclaration/", HTTP_ACCEPT_LANGUAGE="en")
    page = lxml.html.document_fromstring(listing.content.decode())
    assert [" ".join(td.text_content().split()) for td in page.find_class("field-declared_by_person")] == [
        "nprap. Pavel Procházka"
    ]
    declaration = AlarmDeclaration.objects.get(incident=worked)
    detail = client.get(f"/admin/incidents/alarmdeclaration/{declaration.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    page = lxml.html.document_fromstring(detail.content.decode())
    # The rule's inputs and reasons are JSON: shown as stored, in elements marked not to translate.
    stored = page.xpath('//pre[@translate="no"]')
    assert len(stored) == 2
    assert any('"persons_threatened": 40' in pre.text_content() for pre in stored)
    labels = [" ".join(label.text_content().split()) for label in page.xpath("//label")]
    assert "Facts:" in labels and "Reasons:" in labels and "Proposed level:" in labels
