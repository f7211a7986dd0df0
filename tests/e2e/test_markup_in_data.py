"""Markup in stored data (a district or category name set by an administrator or an import)
is shown as text on every page and map popup — no script of it ever runs in the browser."""

from __future__ import annotations

from typing import Any

import pytest
import requests

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("live-server")]

EVIL_DISTRICT = 'Obvod <img src=x onerror="window.__xss=1;alert(1)">'
EVIL_CATEGORY = '<script>window.__xss=2;alert(2)</script>"><svg onload="window.__xss=3;alert(3)">'
LAT, LON = 49.7400, 13.5700  # inside the evil district

SETUP = f"""
from straz.reports.models import Category
from straz.territory.models import Area
ring = [[13.55, 49.72], [13.59, 49.72], [13.59, 49.76], [13.55, 49.76], [13.55, 49.72]]
Area.objects.create(kind="police-district", code="PD-X", name={EVIL_DISTRICT!r},
    geometry={{"type": "Polygon", "coordinates": [ring]}},
    min_lon=13.55, max_lon=13.59, min_lat=49.72, max_lat=49.76)
Category.objects.create(code="evil-category", name_cs={EVIL_CATEGORY!r}, name_pl={EVIL_CATEGORY!r},
    name_en={EVIL_CATEGORY!r}, group="<b>group</b>")
result = True
"""


def test_markup_in_names_never_runs(straz_server_factory: Any, browser_session: Any) -> None:
    server = straz_server_factory(label="markup")
    server.run_django(SETUP)
    resp = requests.post(
        server.url + "/api/v1/reports",
        json={"category": "evil-category", "lat": LAT, "lon": LON},
        timeout=30,
    )
    assert resp.status_code == 201, resp.text
    report_id = resp.json()["id"]
    assert resp.json()["district"]["name"] == EVIL_DISTRICT  # stored as given, as data
    admin = {"Authorization": f"Bearer {server.token('admin')}"}
    for target in ("verification", "confirmed"):
        r = requests.post(
            f"{server.url}/api/v1/staff/reports/{report_id}/transition",
            json={"status": target},
            headers=admin,
            timeout=30,
        )
        assert r.status_code == 200, r.text

    dialogs: list[str] = []
    public = browser_session.new_page(server.url)
    public.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pages = [
        f"/r/{report_id}/",
        "/report/",
        "/districts/",
        f"/districts/?lat={LAT}&lon={LON}",
        "/statistics/",
        "/statistics/?category=evil-category&district=PD-X",
    ]
    for url in pages:
        public.goto(url)
        public.wait_for_load_state("load")
        assert public.evaluate("window.__xss") is None, f"{url} ran injected script"
    # The name is shown as text where it belongs.
    public.goto(f"/r/{report_id}/")
    assert EVIL_CATEGORY in public.inner_text("body")
    # The public map at street zoom: the point's popup carries both names.
    public.goto(f"/?lat={LAT}&lon={LON}&z=17")
    public.locator('#map[data-state="idle"]').wait_for()
    point = public.locator(f'.straz-point[data-report-id="{report_id}"]')
    point.click()
    public.locator(".leaflet-popup-content").wait_for()
    assert EVIL_CATEGORY in public.inner_text(".leaflet-popup-content")
    assert public.evaluate("window.__xss") is None, "map popup ran injected script"
    # The report form's district preview after a click in the evil district.
    public.goto(f"/report/?lat={LAT}&lon={LON}")
    public.locator("#route-preview").filter(has_text="Obvod").wait_for()
    assert public.evaluate("window.__xss") is None, "district preview ran injected script"

    staff = browser_session.new_page(server.url)
    staff.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    staff.goto("/login/")
    staff.fill("#id_username", "admin")
    staff.fill("#id_password", server.password("admin"))
    staff.click("#login-submit")
    # An administrator lands on the back office (accounts.rules.LANDING_PAGES).
    staff.wait_for_url("**/admin/**")
    for url in ("/staff/", f"/staff/reports/{report_id}/", "/statistics/"):
        staff.goto(url)
        staff.wait_for_load_state("load")
        assert staff.evaluate("window.__xss") is None, f"staff {url} ran injected script"
    assert not dialogs, dialogs
    assert not browser_session.page_errors, browser_session.page_errors
    assert not browser_session.external_requests, browser_session.external_requests
