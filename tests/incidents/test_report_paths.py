"""§16 paths: the §16(4) help given must be stated (or "none") before completing, and the hand-over
of the §16(2) report to the regional fire brigade and of the §16(3) report to the hejtman or
ORP mayor is recorded, shown and audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from straz.accounts.models import AuditEntry, User
from straz.core.errors import ValidationFailed
from straz.incidents import reporting
from straz.incidents.models import Incident, IncidentReport
from tests.incidents.test_report import FULL, _closed_incident

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
