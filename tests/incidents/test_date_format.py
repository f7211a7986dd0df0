"""ADR 0035: one date-time format per language; a §16 deadline reads the same on every page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from straz.accounts.models import User
from straz.incidents import services
from straz.incidents.models import Incident

pytestmark = pytest.mark.django_db

# Rescue work ended Wed 25 Nov 2026, 11:00 in Prague: the report is due by the end of Wed 9 Dec.
ENDED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DEADLINE = {"cs": "9. 12. 2026 23:59", "pl": "09.12.2026 23:59", "en": "9 Dec 2026, 23:59"}
# The same deadline in the shapes it had before: the exclusive end, ISO, without the year.
OTHER_SHAPES = ("10. 12. 2026 00:00", "2026-12-09", "2026-12-10", "9. 12. 23:59", "10. 12. 00:00")


@pytest.fixture
def due_incident(settings: Any, dispatcher: User, make_incident: Any) -> Incident:
    settings.TIME_ZONE = "Europe/Prague"
    incident = make_incident()
    services.declare_alarm_level(user=dispatcher, level="III", incident_id=incident.pk)
    Incident.objects.filter(pk=incident.pk).update(state="closed", rescue_ended_at=ENDED)
    incident.refresh_from_db()
    return incident


@pytest.mark.parametrize("language", ["cs", "pl", "en"])
def test_the_deadline_reads_the_same_on_every_page(
    language: str, due_incident: Incident, client_for: Any, dispatcher: User
) -> None:
    client = client_for(dispatcher)
    pages = {
        "incident": reverse("incidents:incident", args=[due_incident.pk]),
        "board": reverse("incidents:board-rows"),
        "reports due": reverse("incidents:reports-due"),
        "report": reverse("incidents:report", kwargs={"incident_id": due_incident.pk}),
    }
    for name, url in pages.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert DEADLINE[language] in html, f"{name} ({language}) does not show {DEADLINE[language]!r}"
        for shape in OTHER_SHAPES:
            assert shape not in html, f"{name} ({language}) shows the deadline as {shape!r}"
