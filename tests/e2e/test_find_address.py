"""A citizen finds their officer by typing a misspelled street name (issue 10, "Must show").

Chromium against a real server whose address points came through `straz import-addresses`
(the demo's RÚIAN-shaped sample): the find-your-district page suggests addresses as the
person types, the arrow keys and Enter choose one, and the card names the district and its
officer. On the report form the same box places the pin. Nothing may reach the internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.fixtures import _start

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("live-server")]

LOAD = """
import subprocess, sys
from straz.demo.addresses import SAMPLE
subprocess.run(
    [sys.executable, "-m", "straz.cli", "import-addresses", str(SAMPLE), "--format", "ruian"],
    check=True,
)
from straz.territory.models import Area
area = Area.objects.get(code="PD-A")
result = {"district": area.name, "officer": area.primary_officer.name}
"""
AMERICKA_42 = "Americká 2244/42, Jižní Předměstí, 301 00 Plzeň"


@pytest.fixture(scope="module")
def address_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    server = _start(tmp_path_factory.mktemp("addresses"), {}, "addresses")
    try:
        server.expected = server.run_django(LOAD)
        yield server
    finally:
        server.destroy()


@pytest.mark.parametrize(
    ("locale", "size"),
    [pytest.param("cs-CZ", (1280, 800), id="cs-desktop"), pytest.param("pl-PL", (390, 844), id="pl-phone")],
)
def test_citizen_finds_their_officer_by_a_misspelled_street(
    address_server: Any, browser_session: Any, locale: str, size: tuple[int, int]
) -> None:
    page = browser_session.new_page(address_server.url, locale=locale)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto("/districts/")
    box = page.locator("#district-q")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-autocomplete") == "list"
    # Two wrong letters: "Amerikca" for "Americká", typed key by key like a person.
    box.press_sequentially("Amerikca 42", delay=30)
    options = page.locator("#district-suggestions [role=option]")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert options.first.inner_text().startswith(AMERICKA_42)
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert options.first.get_attribute("aria-selected") == "true"
    box.press("Enter")
    card = page.locator("#district-card")
    card.locator("#district-name").filter(has_text=address_server.expected["district"]).wait_for()
    assert card.locator("[data-testid=district-address]").inner_text().endswith(AMERICKA_42)
    assert card.locator("#officer-name").inner_text().endswith(address_server.expected["officer"])
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == AMERICKA_42
    # The page did not widen beyond the screen on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    assert browser_session.external_requests == []
    assert browser_session.page_errors == []


def test_report_form_address_box_places_the_pin(address_server: Any, browser_session: Any) -> None:
    page = browser_session.new_page(address_server.url, locale="en-GB")
    page.goto("/report/?lang=en")
    page.locator("#report-map.leaflet-container").wait_for()
    box = page.locator("#id_address_text")
    box.press_sequentially("americka 2244/42", delay=20)
    option = page.locator("#address-suggestions [role=option]").first
    option.wait_for()
    assert option.inner_text().startswith(AMERICKA_42)
    option.click()
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    assert abs(float(page.input_value("#id_lat")) - 49.744) < 0.002
    page.locator("#route-preview").filter(has_text=address_server.expected["district"]).wait_for()
    assert browser_session.page_errors == []
