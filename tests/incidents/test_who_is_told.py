"""Issue 9, item 1: the declaration form says who III and special will tell, and the
notifications panel says who was told and who was not (nothing hidden behind one line)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from straz.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(dispatcher: User, client_for: Callable[[User], Client]) -> Client:
    client = client_for(dispatcher)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _page(incident: Any) -> str:
    return reverse("incidents:incident", args=[incident.pk])


def _rows(html: str, testid: str) -> list[str]:
    return re.findall(rf'<li data-testid="{testid}"[^>]*>', html)


def test_the_form_names_whom_iii_and_special_will_tell(ops: Client, make_incident: Any, contacts: Any) -> None:
    incident = make_incident()
    html = ops.get(_page(incident)).content.decode()
    plan = html.split('data-testid="notice-plan"', 1)[1].split("</form>", 1)[0]
    assert "If you declare Level III:" in plan
    # §23(2): the hejtman and the ORP mayor of where the site lies, on decision.
    assert "Hejtman Plzeňského kraje" in plan and "hejtman@kraj.example" in plan
    assert "Starosta ORP Plzeň" in plan
    assert "proposed; sent only once the duty officer decides" in plan
    # Contacts of other regions and ORPs are not named.
    assert "hejtman@jiny.example" not in plan and "starosta@jina.example" not in plan
    # Special: §24(2)–(3), at once, the GŘ HZS included.
    special = plan.split('data-level="special"', 1)[1]
    assert "sent at once with the declaration" in special
    assert 'data-rule="§24(3)" data-role="gr_hzs" data-gap=""' in special
    assert "opis@grhzs.example" in special


def test_a_missing_contact_is_said_before_declaring(ops: Client, make_incident: Any, contacts: Any) -> None:
    contacts["gr_hzs"].delete()
    incident = make_incident()
    html = ops.get(_page(incident)).content.decode()
    assert 'data-rule="§24(3)" data-role="gr_hzs" data-gap="no_contact"' in html
    assert "no notification contact is set up for this region or ORP" in html


def test_without_a_known_region_the_form_says_nobody_will_be_told(
    ops: Client, make_incident: Any, contacts: Any
) -> None:
    # Far outside every known region and without typed codes.
    incident = make_incident(region_code="", orp_code="", lat=50.9, lon=15.9)
    html = ops.get(_page(incident)).content.decode()
    gaps = [row for row in _rows(html, "notice-plan-row") if 'data-gap="no_location"' in row]
    assert len(gaps) >= 2
    assert "the site lies in no known region or ORP" in html


def test_the_panel_says_who_was_not_told(ops: Client, make_incident: Any, dispatcher: User) -> None:
    # No contacts at all: declaring special reaches nobody, and the panel says so plainly.
    incident = make_incident()
    html = ops.get(_page(incident)).content.decode()
    assert "levels I and II notify nobody" in html
    assert "notifications are sent when" not in html
    resp = ops.post(_page(incident), {"action": "declare", "declare-level": "special"})
    assert resp.status_code == 302
    html = ops.get(_page(incident)).content.decode()
    gaps = _rows(html, "notice-gap")
    roles = {re.search(r'data-role="([^"]*)"', g).group(1) for g in gaps}  # type: ignore[union-attr]
    assert {"hejtman", "orp_mayor", "gr_hzs"} <= roles
    assert "Nobody was told:" in html
    assert "notify them by other means" in html


def test_a_delivered_notice_is_not_listed_as_a_gap(ops: Client, make_incident: Any, contacts: Any) -> None:
    contacts["gr_hzs"].delete()
    incident = make_incident()
    assert ops.post(_page(incident), {"action": "declare", "declare-level": "special"}).status_code == 302
    html = ops.get(_page(incident)).content.decode()
    gap_roles = {re.search(r'data-role="([^"]*)"', g).group(1) for g in _rows(html, "notice-gap")}  # type: ignore[union-attr]
    assert "hejtman" not in gap_roles and "orp_mayor" not in gap_roles
    # The GŘ HZS has no contact in the fixture: that one is said.
    assert "gr_hzs" in gap_roles
