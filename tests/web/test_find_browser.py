"""Finding things in a real browser: the map's search box and the report form's nearby list."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from straz.territory.models import AreaKind, Place
from tests.conftest import make_area, square
from tests.web.conftest import IN_A
from tests.web.test_browser import axe_violations, page  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_map_search_recentres_the_map_and_lists_several_matches(
    page: Any, live_server: Any, categories: Any, district_a: Any  # noqa: F811
) -> None:
    Place.objects.create(name="Americká", kind="street", lat=IN_A[0], lon=IN_A[1], area=district_a)
    make_area(kind=AreaKind.CITY_DISTRICT, code="545988", name="Plzeň 2-Slovany", geometry=square(13.36, 49.73, 0.02))
    make_area(kind=AreaKind.POLICE_DISTRICT, code="PLZ-03", name="Obvod Plzeň-Slovany", geometry=square(13.40, 49.73, 0.01))
    page.goto(f"{live_server.url}/?category=illegal-dump")
    page.wait_for_selector("#map .leaflet-container, #map.leaflet-container")
    page.fill("#map-search-q", "americka")
    page.press("#map-search-q", "Enter")
    page.wait_for_selector("#map-search-found")
    assert "Americká" in page.text_content("#map-search-found")
    # The map flies there (Leaflet animates the zoom): wait for it to arrive, or fail.
    page.wait_for_function(
        "([lat, lon]) => strazMap.getZoom() === 17"
        " && Math.abs(strazMap.getCenter().lat - lat) < 1e-4 && Math.abs(strazMap.getCenter().lng - lon) < 1e-4",
        arg=list(IN_A),
        timeout=10000,
    )
    # Stayed on the page, with the filter chosen before.
    assert page.input_value("#filter-category") == "illegal-dump"
    page.fill("#map-search-q", "slovany")
    page.press("#map-search-q", "Enter")
    page.wait_for_selector("#map-search-results li button")
    buttons = page.locator("#map-search-results li button")
    assert buttons.count() == 2
    buttons.nth(0).focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#map-search-found")
    page.wait_for_function("() => strazMap.getBounds().contains([49.74, 13.37])", timeout=10000)
    assert axe_violations(page) == []
    assert page.errors == []


def test_the_report_form_lists_nearby_reports_of_the_chosen_category(
    page: Any, live_server: Any, file_report: Any  # noqa: F811
) -> None:
    dump = file_report(point=IN_A)
    drugs = file_report(category="drug-use", point=IN_A)
    drugs.refresh_from_db()
    page.goto(f"{live_server.url}/report/?lat={drugs.public_lat}&lon={drugs.public_lon}")
    page.wait_for_selector(f"#nearby-list li[data-report-id='{drugs.pk}']")
    page.select_option("#id_category", "drug-use")
    expect(page.locator("#nearby-list li")).to_have_count(1)
    expect(page.locator(f"#nearby-list li[data-report-id='{drugs.pk}']")).to_have_count(1)
    page.select_option("#id_category", "illegal-dump")
    expect(page.locator(f"#nearby-list li[data-report-id='{drugs.pk}']")).to_have_count(0)
    page.check("#nearby-all")
    page.wait_for_selector(f"#nearby-list li[data-report-id='{drugs.pk}']")
    item = page.text_content(f"#nearby-list li[data-report-id='{drugs.pk}']")
    assert "Drug use" in item and "New" in item and " m away" in item
    assert page.get_attribute(f"#nearby-list li[data-report-id='{drugs.pk}'] a", "href") == f"/r/{drugs.pk}/"
    assert "Is yours among them?" in page.text_content("#nearby-note")
    assert dump.pk  # filed to prove the filter hides other categories
    assert page.errors == []
