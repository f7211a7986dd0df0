"""The pages' scripts in a real browser: map counts, filing by map click, accessibility."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import IN_A

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "assets" / "axe.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def page(chromium_path: str, settings: Any, monkeypatch: Any) -> Any:
    """A Chromium page; tiles point at a dead address so the offline fallback runs."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls made by the
    # test itself (fixtures, assertions) are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from straz.core.csp import directives

    settings.STRAZ = {**settings.STRAZ, "TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"}
    # settings.py derives the CSP from the tile URL; a changed tile URL changes both.
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives(settings.STRAZ["TILE_URL"])}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        pg = browser.new_page(
            viewport={"width": 1280, "height": 800},
            locale="en-GB",
            extra_http_headers={"Accept-Language": "en"},
        )
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.errors = errors
        yield pg
        browser.close()


def axe_violations(page: Any) -> list[str]:
    # The pages forbid inline scripts (CSP script-src 'self'): axe is served as a file from
    # the page's own origin, as every script of the product is.
    page.route("**/__axe.min.js", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.add_script_tag(url="/__axe.min.js")
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations"
        ".map(v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


def test_public_map_draws_exact_counts_without_tiles(
    page: Any, live_server: Any, file_report: Any
) -> None:
    for i in range(3):
        file_report(point=(49.725 + i * 0.01, 13.355 + i * 0.01))
    page.goto(f"{live_server.url}/?lat={IN_A[0]}&lon={IN_A[1]}&z=12")
    page.wait_for_selector("#map[data-state=idle]", timeout=15000)
    assert page.get_attribute("#map", "data-report-count") == "3"
    page.wait_for_selector("[data-testid=tiles-offline]", timeout=10000)
    page.wait_for_selector(
        "path.leaflet-interactive, .leaflet-overlay-pane path", state="attached", timeout=10000
    )
    assert "lat=" in page.url and "z=12" in page.url
    # A status filter that matches nothing empties the map and lands in the URL.
    page.select_option("#filter-status", "confirmed")
    page.wait_for_function(
        "() => document.querySelector('#map').dataset.reportCount === '0'", timeout=10000
    )
    assert "status=confirmed" in page.url
    assert axe_violations(page) == []
    assert page.errors == []


def test_street_zoom_lists_single_reports_linking_to_their_pages(
    page: Any, live_server: Any, file_report: Any
) -> None:
    report = file_report()
    page.goto(f"{live_server.url}/?lat={IN_A[0]}&lon={IN_A[1]}&z=17")
    page.wait_for_selector(
        f".straz-point[data-report-id='{report.pk}'][data-status='new']", timeout=15000
    )
    link = page.locator(f"#map-list a[data-report-id='{report.pk}']")
    assert link.get_attribute("href") == f"/r/{report.pk}/"
    assert page.errors == []


def test_citizen_files_a_report_by_clicking_the_map(
    page: Any, live_server: Any, categories: Any, district_a: Any
) -> None:
    from straz.reports.models import Report

    page.goto(f"{live_server.url}/report/?lat={IN_A[0]}&lon={IN_A[1]}")
    page.wait_for_selector("#report-map .leaflet-marker-icon", timeout=10000)
    page.locator("#report-map").click(position={"x": 200, "y": 150})
    page.wait_for_function(
        "() => document.getElementById('route-preview').textContent.includes('Obvod A')", timeout=10000
    )
    page.select_option("#id_category", "illegal-dump")
    page.fill("#id_description", "Old fridge by the river")
    assert "23" in page.text_content("#description-counter")
    assert axe_violations(page) == []
    page.click("#report-submit")
    page.wait_for_selector("#report-number", timeout=10000)
    report = Report.objects.get()
    assert page.get_attribute("#report-number", "data-report-id") == str(report.pk)
    assert report.description == "Old fridge by the river" and report.source == "web"
    assert report.lat != IN_A[0] or report.lon != IN_A[1]  # the click moved the pin
    assert page.errors == []


def test_find_your_district_by_clicking_the_map(
    page: Any, live_server: Any, district_a: Any
) -> None:
    page.goto(f"{live_server.url}/districts/?lat={IN_A[0]}&lon={IN_A[1]}")
    page.wait_for_selector("#district-result[data-district-code='PD-A']")
    page.goto(f"{live_server.url}/districts/")
    page.wait_for_timeout(500)
    page.evaluate(f"strazDistrictMap.setView([{IN_A[0]}, {IN_A[1]}], 14)")
    page.locator("#district-map").click(position={"x": 250, "y": 210})
    page.wait_for_selector("#district-result[data-district-code='PD-A']", timeout=10000)
    assert "npor. Jana Nováková" in page.text_content("#district-card")
    assert axe_violations(page) == []
    assert page.errors == []
