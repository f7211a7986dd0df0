"""People, not usernames (issue 9 item 7): documents and the timeline name people by rank
and name, only incident commanders' accounts are offered and accepted as commanders, and
the report's table headers are nouns."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from straz.accounts.models import Role, User
from straz.accounts.people import person_label, person_name
from straz.incidents import services
from straz.incidents.models import Incident
from straz.incidents.pages.forms import AssignCommanderForm, HandoverForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked_commander(db: Any) -> User:
    return User.objects.create_user(
        username="velitel7", password="x", role=Role.COMMANDER, first_name="Jan", last_name="Novák",
        rank="kpt.", function="velitel družstva", organisation="HZS Plzeňského kraje",
    )


def test_person_is_named_by_rank_name_function_and_organisation(ranked_commander: User, dispatcher: User) -> None:
    assert person_name(ranked_commander) == "kpt. Jan Novák"
    assert person_label(ranked_commander) == "kpt. Jan Novák (velitel družstva, HZS Plzeňského kraje)"
    # Without a name the username is all there is.
    assert person_label(dispatcher) == "dispatcher"
    no_rank = User(username="x", first_name="Eva", last_name="Malá")
    assert person_label(no_rank) == "Eva Malá"


def test_report_and_timeline_name_the_person_not_the_username(
    dispatcher: User, ranked_commander: User, make_incident: Any, client_for: Any, analyst: User
) -> None:
    incident = make_incident()
    services.assign_commander(
        user=dispatcher, incident_id=incident.pk, commander_name=person_name(ranked_commander),
        commander_user_id=ranked_commander.pk, component="hzs",
    )
    services.post_site_message(user=ranked_commander, incident_id=incident.pk, letter="a", text="Požár 2. NP.")
    report = client_for(analyst).get(f"/operations/incidents/{incident.pk}/report/", HTTP_ACCEPT_LANGUAGE="cs")
    html = report.content.decode()
    messages = html[html.index("Požár 2. NP."):]
    messages = messages[: messages.index("</tr>")]
    assert "kpt. Jan Novák (velitel družstva, HZS Plzeňského kraje)" in messages
    assert "velitel7" not in html
    page = client_for(dispatcher).get(f"/operations/incidents/{incident.pk}/", HTTP_ACCEPT_LANGUAGE="cs")
    assert "kpt. Jan Novák (velitel družstva, HZS Plzeňského kraje)" in page.content.decode()


def test_rows_that_stored_a_username_show_the_person_now(
    dispatcher: User, ranked_commander: User, make_incident: Any
) -> None:
    from straz.incidents.models import TimelineEntry

    incident = make_incident()
    old = TimelineEntry.objects.create(
        incident=incident, at=incident.created_at, kind="log", text="x", author=ranked_commander, author_label="velitel7"
    )
    assert old.author_shown == "kpt. Jan Novák (velitel družstva, HZS Plzeňského kraje)"


def test_only_incident_commanders_are_offered_as_commanders(
    dispatcher: User, admin_user: User, ranked_commander: User
) -> None:
    for form in (AssignCommanderForm(), HandoverForm()):
        field = form.fields["commander_user" if isinstance(form, AssignCommanderForm) else "new_commander_user"]
        offered = set(field.queryset)  # type: ignore[attr-defined]
        assert offered == {ranked_commander}
        assert dispatcher not in offered and admin_user not in offered
        # Offered by rank and name, not by username alone.
        labels = [label for _value, label in field.choices if _value]  # type: ignore[attr-defined]
        assert labels == ["kpt. Jan Novák (velitel družstva, HZS Plzeňského kraje) · velitel7"]


def _state(incident: Incident) -> tuple[Any, ...]:
    incident.refresh_from_db()
    return (incident.current_command_id, incident.timeline.count(), incident.updated_at)


def test_a_post_naming_an_admin_or_a_dispatcher_as_commander_is_refused(
    dispatcher: User, admin_user: User, make_incident: Any, client_for: Any, api_as: Any
) -> None:
    incident = make_incident()
    before = _state(incident)
    ops: Client = client_for(dispatcher)
    resp = ops.post(
        f"/operations/incidents/{incident.pk}/",
        {"action": "assign", "assign-commander_user": str(admin_user.pk), "assign-commander_name": "Admin"},
        HTTP_ACCEPT_LANGUAGE="cs",
    )
    assert resp.status_code == 422
    # The form refuses the choice in Czech ("not one of the available choices").
    assert "Vyberte platnou možnost" in resp.content.decode()
    assert _state(incident) == before
    # The service refuses it too (the API, or a form that offered an account since demoted).
    api = api_as(dispatcher)
    refused = api.post(
        f"/incidents/{incident.pk}/commander",
        {"commander_name": "Dispečer", "commander_user": dispatcher.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 422 and "cannot command" in refused.json()["detail"]
    assert _state(incident) == before


@pytest.mark.parametrize(("language", "verb"), [("cs", "Změnit"), ("pl", "Zmień")])
def test_report_table_headers_are_no_verbs(
    language: str, verb: str, dispatcher: User, make_incident: Any, client_for: Any, analyst: User
) -> None:
    incident = make_incident()
    services.add_site_feature(
        user=dispatcher, incident_id=incident.pk, kind="danger_zone", name="Z1",
        geometry={"type": "Polygon", "coordinates": [[[13.368, 49.739], [13.372, 49.739], [13.372, 49.7415], [13.368, 49.739]]]},
    )
    html = client_for(analyst).get(
        f"/operations/incidents/{incident.pk}/report/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    headers = re.findall(r"<th[^>]*>(.*?)</th>", html, re.DOTALL)
    assert headers and verb not in headers
