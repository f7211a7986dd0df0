"""The threat map end to end, in Chromium against a real server.

A citizen places a point on the report form's map, picks a category, describes the
problem and sends it; the confirmation shows the report number. An officer logs in, finds
it in the queue, opens it and moves it to verification and then to confirmed. The public
map at street zoom then shows the report as a red "confirmed" point, and its public page
shows the new status. Nothing on the way may reach the internet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("live-server")]

CONFIRMED_RGB = "rgb(214, 39, 40)"  # STATUS_COLORS[CONFIRMED] = #d62728, KMZB red


def _status_label(status: str, language: str = "cs") -> str:
    from django.utils import translation

    from straz.reports.models import STATUS_LABELS
    from straz.reports.rules import Status

    with translation.override(language):
        return str(STATUS_LABELS[Status(status)])


def _citizen_reports(session: Any, server: Any, description: str) -> tuple[int, float, float]:
    page = session.new_page(server.url)
    page.goto("/report/")
    page.locator("#report-map.leaflet-container").wait_for()
    # Click the middle of the map: the configured centre, inside district A.
    page.locator("#report-map").click()
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    lat = float(page.input_value("#id_lat"))
    lon = float(page.input_value("#id_lon"))
    page.locator("#route-preview").filter(has_text="Obvod A").wait_for()
    page.select_option("#id_category", "illegal-dump")
    page.fill("#id_description", description)
    page.click("#report-submit")
    page.wait_for_url("**/report/sent/")
    number = page.locator("[data-testid=report-number]")
    report_id = int(number.get_attribute("data-report-id") or "0")
    assert report_id > 0
    assert number.inner_text().strip() == str(report_id)
    return report_id, lat, lon


def _officer_confirms(session: Any, server: Any, report_id: int) -> None:
    page = session.new_page(server.url)
    page.goto("/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", server.password("officer"))
    page.click("#login-submit")
    page.wait_for_url("**/staff/**")
    if "/staff/reports/" not in page.url:
        page.goto("/staff/")
    row = page.locator(f'tr[data-report-id="{report_id}"]')
    row.wait_for()
    assert row.get_attribute("data-status") == "new"
    row.locator("a.staff-report-link").click()
    page.wait_for_url(f"**/staff/reports/{report_id}/")
    status = page.locator("#staff-report-status")
    assert status.get_attribute("data-status") == "new"
    for target in ("verification", "confirmed"):
        page.click(f"#transition-form [data-testid=transition-{target}]")
        if target == "confirmed":
            # A verification result is confirmed first: the reporter sees it (issue 9, item 3).
            page.click("[data-testid=transition-confirm-submit]")
        page.locator(f'#staff-report-status[data-status="{target}"]').wait_for()


def _public_map_shows(session: Any, server: Any, report_id: int, lat: float, lon: float) -> None:
    page = session.new_page(server.url)
    page.goto(f"/?lat={lat:.6f}&lon={lon:.6f}&z=17")
    page.locator('#map[data-state="idle"]').wait_for()
    point = page.locator(f'.straz-point[data-report-id="{report_id}"]')
    point.wait_for()
    assert point.get_attribute("data-status") == "confirmed"
    colour = point.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == CONFIRMED_RGB, colour
    # The point's popup labels the status and links to the public page.
    point.click()
    link = page.locator("[data-testid=popup-report-link]")
    link.wait_for()
    popup = page.locator(".leaflet-popup-content")
    assert _status_label("confirmed") in popup.inner_text()
    # The day it was filed, in the page language's format (Czech: "3. 12. 2026").
    today = datetime.now(ZoneInfo("Europe/Prague")).date()
    day = page.locator("[data-testid=popup-date]").inner_text()
    assert day.endswith(f"{today.day}. {today.month}. {today.year}"), day
    link.click()
    page.wait_for_url(f"**/r/{report_id}/")
    status = page.locator("#report-status")
    assert status.get_attribute("data-status") == "confirmed"
    assert _status_label("confirmed") in status.inner_text()


def test_citizen_report_is_confirmed_and_shown(e2e_server: Any, browser_session: Any) -> None:
    description = "Černá skládka pneumatik u cesty (e2e)."
    report_id, lat, lon = _citizen_reports(browser_session, e2e_server, description)
    # Before verification the public map shows it as new (green).
    page = browser_session.new_page(e2e_server.url)
    page.goto(f"/r/{report_id}/")
    assert page.locator("#report-status").get_attribute("data-status") == "new"
    # The description is police-only: not on the public page.
    assert description not in page.content()
    _officer_confirms(browser_session, e2e_server, report_id)
    _public_map_shows(browser_session, e2e_server, report_id, lat, lon)
    assert not browser_session.external_requests, browser_session.external_requests
    assert not browser_session.page_errors, browser_session.page_errors
