"""Issue 9, item 4: one category catalogue per deployment (STRAZ_CATEGORY_CATALOGUE).

The shipped data holds the Czech set and the Polish KMZB list with identical Czech labels
("Žebrání" twice); only the configured catalogue is offered on the map, the report form,
the API and Open311, and reports filed under the other one stay readable.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from straz.reports.models import Category
from tests.reports.map_helpers import create_report, features

PLZEN_BBOX = "13.20,49.60,13.60,49.90"


def _options(html: str) -> list[str]:
    """The option labels of the map's category filter."""
    select = html.split('id="filter-category"', 1)[1].split("</select>", 1)[0]
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


def _codes(html: str) -> list[str]:
    select = html.split('id="filter-category"', 1)[1].split("</select>", 1)[0]
    return [c for c in re.findall(r'<option value="([^"]*)"', select) if c]


@pytest.fixture
def catalogue(settings: Any) -> Any:
    def use(name: str) -> None:
        settings.STRAZ = {**settings.STRAZ, "CATEGORY_CATALOGUE": name}

    return use


@pytest.mark.django_db
def test_the_seeded_lists_would_offer_begging_twice() -> None:
    # The premise: both shipped catalogues name a category "Žebrání".
    assert Category.objects.filter(name_cs="Žebrání", is_active=True).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["cz", "kmzb", "pl"])
def test_exactly_one_begging_is_offered_everywhere(
    citizen: Client, catalogue: Any, name: str
) -> None:
    catalogue(name)
    stored = "kmzb" if name == "pl" else name
    page = citizen.get("/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert _options(page).count("Žebrání") == 1
    form = citizen.get("/report/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert form.count(">Žebrání<") == 1
    api = citizen.get("/api/v1/categories", {"lang": "cs"}).json()
    assert [c["name"] for c in api].count("Žebrání") == 1
    assert {c["catalogue"] for c in api} == {stored}
    services = json.loads(citizen.get("/open311/v2/services.json").content)
    offered = set(Category.objects.filter(catalogue=stored).values_list("code", flat=True))
    assert {s["service_code"] for s in services} == offered
    assert set(_codes(page)) == offered


@pytest.mark.django_db
def test_picking_each_offered_category_shows_its_reports(citizen: Client) -> None:
    now = datetime.now(UTC)
    page = citizen.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    codes = _codes(page)
    assert codes
    placed = {}
    for i, code in enumerate(codes):
        category = Category.objects.get(code=code)
        # Confirmed-only categories are not public while new; the rest are.
        placed[code] = create_report(
            category, 49.70 + (i % 8) * 0.02, 13.30 + (i // 8) * 0.03, now=now
        )
    for code, report in placed.items():
        shown = features(
            citizen.get("/api/v1/map", {"bbox": PLZEN_BBOX, "zoom": 10, "category": code})
        )
        expected = 1 if report.is_public else 0
        assert sum(f["properties"].get("count", 1) for f in shown) == expected, code


@pytest.mark.django_db
def test_the_other_catalogue_is_refused_at_intake_but_its_reports_stay_readable(
    citizen: Client, catalogue: Any
) -> None:
    now = datetime.now(UTC)
    old = create_report(Category.objects.get(code="cz-begging"), 49.74, 13.37, now=now)
    catalogue("kmzb")
    refused = citizen.post(
        "/api/v1/reports",
        {"category": "cz-begging", "lat": 49.74, "lon": 13.37},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 422
    assert "Unknown category “cz-begging”" in refused.content.decode()
    # Filed before the switch: still on its page and on the map.
    assert citizen.get(f"/r/{old.pk}/").status_code == 200
    shown = features(citizen.get("/api/v1/map", {"bbox": PLZEN_BBOX, "zoom": 10}))
    assert [f["properties"].get("id") for f in shown] == [old.pk]
