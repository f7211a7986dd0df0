"""In Chromium against a real server: markup typed into an incident title or a category name
is shown as text on every map (board tooltip and popup, public map popup, the report form's
nearby popup) and never runs; the main pages run their scripts under the
Content-Security-Policy without a single violation (ADR 0021)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("live-server")]

EVIL_TITLE = '<img src=x onerror="window.__xss=1">'
EVIL_CATEGORY = '<img src=y onerror="window.__xss=2"><b>bold</b>'
LAT, LON = 49.7400, 13.3700  # inside district A of the live seed

SETUP = f"""
from straz.reports.models import Category
Category.objects.create(code="evil-markup", name_cs={EVIL_CATEGORY!r}, name_pl={EVIL_CATEGORY!r},
    name_en={EVIL_CATEGORY!r})
result = True
"""

# Collects CSP violations from the first moment of every document (an init script is not
# subject to the page's policy).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " @" + e.sourceFile + ":" + e.lineNumber);
});
"""


def _incident(server: Any, title: str) -> int:
    resp = requests.post(
        server.url + "/api/v1/incidents",
        json={
            "type": "mass-road-accident",
            "title": title,
            "lat": LAT,
            "lon": LON,
            "persons_threatened": 3,
            "threatened": ["mass_road_accident"],
            "region_code": "CZ032",
            "orp_code": "3212",
        },
        headers={"Authorization": f"Bearer {server.token('dispatcher')}"},
        timeout=30,
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def _public_report(server: Any, category: str) -> int:
    resp = requests.post(
        server.url + "/api/v1/reports",
        json={
            "category": category,
            "lat": LAT + 0.0005,
            "lon": LON + 0.0005,
            "description": "Plain text here.",
        },
        timeout=30,
    )
    assert resp.status_code == 201, resp.text
    report_id = int(resp.json()["id"])
    admin = {"Authorization": f"Bearer {server.token('admin')}"}
    for target in ("verification", "confirmed"):
        r = requests.post(
            f"{server.url}/api/v1/staff/reports/{report_id}/transition",
            json={"status": target},
            headers=admin,
            timeout=30,
        )
        assert r.status_code == 200, r.text
    return report_id


def _login(session: Any, server: Any, username: str) -> Any:
    page = session.new_page(server.url)
    page.add_init_script(WATCH_CSP)
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", server.password(username))
    page.click("#login-submit")
    page.wait_for_load_state("load")
    return page


def test_markup_in_titles_and_names_stays_text_on_every_map(
    straz_server_factory: Any, browser_session: Any
) -> None:
    server = straz_server_factory(label="xss")
    server.run_django(SETUP)
    incident_id = _incident(server, EVIL_TITLE)
    report_id = _public_report(server, "evil-markup")
    dialogs: list[str] = []

    # The operations board: hover the marker, then walk the rows with J.
    board = _login(browser_session, server, "dispatcher")
    board.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    board.goto("/operations/")
    board.locator('#board-map[data-markers="1"]').wait_for()
    marker = board.locator("#board-map path.leaflet-interactive").first
    marker.hover()
    tooltip = board.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text().strip() == f"#{incident_id} {EVIL_TITLE}"
    assert board.locator(".leaflet-tooltip img").count() == 0
    assert board.evaluate("window.__xss") is None, "board tooltip ran the title"
    board.mouse.move(5, 5)
    board.locator("body").click(position={"x": 5, "y": 5})
    board.keyboard.press("j")
    board.locator(".leaflet-tooltip").filter(has_text=EVIL_TITLE).wait_for()
    marker.click()
    popup = board.locator(".leaflet-popup-content")
    popup.wait_for()
    assert EVIL_TITLE in popup.inner_text()
    assert popup.locator("img").count() == 0
    assert board.evaluate("window.__xss") is None, "board popup ran the title"
    # The incident's own page and its map.
    board.goto(f"/operations/incidents/{incident_id}/")
    board.locator("#site-map.leaflet-container").wait_for()
    assert board.evaluate("window.__xss") is None, "incident page ran the title"

    # The public map at street zoom: the point's popup shows the category name as text.
    public = browser_session.new_page(server.url)
    public.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    public.goto(f"/?lat={LAT + 0.0005}&lon={LON + 0.0005}&z=17")
    public.locator('#map[data-state="idle"]').wait_for()
    public.locator(f'.straz-point[data-report-id="{report_id}"]').click()
    popup = public.locator(".leaflet-popup-content")
    popup.wait_for()
    assert EVIL_CATEGORY in popup.inner_text()
    assert popup.locator("img, b").count() == 0
    assert public.evaluate("window.__xss") is None, "public map popup ran the name"
    # The report form's "reports nearby" popup.
    public.goto(f"/report/?lat={LAT + 0.0005}&lon={LON + 0.0005}")
    nearby = public.locator("#report-map path.leaflet-interactive")
    nearby.first.wait_for()
    nearby.last.click(force=True)
    popup = public.locator(".leaflet-popup-content").filter(has_text="<img")
    popup.wait_for()
    assert EVIL_CATEGORY in popup.inner_text()
    assert public.evaluate("window.__xss") is None, "report form popup ran the name"
    # The public report page.
    public.goto(f"/r/{report_id}/")
    assert EVIL_CATEGORY in public.inner_text("body")
    assert public.evaluate("window.__xss") is None

    assert not dialogs, dialogs
    assert not browser_session.page_errors, browser_session.page_errors
    assert not browser_session.external_requests, browser_session.external_requests


def test_main_pages_run_under_the_policy_without_violations(
    straz_server_factory: Any, browser_session: Any
) -> None:
    server = straz_server_factory(label="csp")
    incident_id = _incident(server, "D5 km 80, nehoda")
    report_id = _public_report(server, "illegal-dump")
    console: list[str] = []

    public = browser_session.new_page(server.url)
    public.add_init_script(WATCH_CSP)
    public.on(
        "console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None
    )
    # (url, a selector that exists only once the page's script ran)
    public_pages = [
        ("/", '#map[data-state="idle"]'),
        ("/report/", "#report-map.leaflet-container"),
        ("/districts/", "#district-map.leaflet-container"),
        (f"/r/{report_id}/", "#report-map.leaflet-container"),
        ("/statistics/", "main"),
        ("/api/v1/docs", "#swagger-ui .swagger-ui"),  # Swagger UI ran
    ]
    for url, ready in public_pages:
        public.goto(url)
        public.locator(ready).first.wait_for()
        public.wait_for_load_state("load")
        assert public.evaluate("window.__csp") == [], url
    resp = public.request.get(server.url + "/")
    assert "script-src 'self'" in resp.headers["content-security-policy"]

    staff = _login(browser_session, server, "dispatcher")
    staff.on(
        "console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None
    )
    staff_pages = [
        ("/operations/", '#board-map[data-markers="1"]'),
        (f"/operations/incidents/{incident_id}/", "#site-map.leaflet-container"),
        ("/operations/incidents/new/", ".leaflet-container"),
        (f"/operations/incidents/{incident_id}/report/", "main"),
        ("/operations/statistics/", "main"),
    ]
    for url, ready in staff_pages:
        staff.goto(url)
        staff.locator(ready).first.wait_for()
        staff.wait_for_load_state("load")
        assert staff.evaluate("window.__csp") == [], url
    # The board's htmx polling swaps rows in under the policy too.
    staff.goto("/operations/")
    staff.locator('#board-map[data-markers="1"]').wait_for()
    staff.evaluate(
        "window.__swapped = 0; document.body.addEventListener('htmx:afterSwap', function () { window.__swapped += 1; });"
        "window.htmx.ajax('GET', '/operations/board/rows/', { source: '#board-rows', target: '#board-rows', swap: 'innerHTML' })"
    )
    staff.wait_for_function("() => window.__swapped > 0")
    staff.locator('#board-map[data-markers="1"]').wait_for()
    assert staff.evaluate("window.__csp") == []
    # The §16(4) report still comes out of WeasyPrint as a PDF.
    pdf = staff.request.get(f"{server.url}/operations/incidents/{incident_id}/report.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF"), pdf.status

    admin = _login(browser_session, server, "supervisor")
    admin.goto("/staff/")
    admin.wait_for_load_state("load")
    admin.goto(f"/staff/reports/{report_id}/")
    admin.locator("#report-map.leaflet-container").wait_for()
    assert admin.evaluate("window.__csp") == []

    assert not console, console
    assert not browser_session.page_errors, browser_session.page_errors
    assert not browser_session.external_requests, browser_session.external_requests
