"""Phones and tablets (issue 9, item 5): every page fits the screen it is shown on.

A real server with the demo city (reports, open incidents, calls) is walked in Chromium at
a phone (390×844) and a small tablet/laptop (1024×768), each page as the persona who works
there. The document may never be wider than the window: wide tables scroll inside their
own container or reflow, grids stack. The board shows all its columns at 1024 px, and on a
phone the public map leaves room to scroll the page and shows the filters on the first
screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.fixtures import _start

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("live-server")]

PHONE = (390, 844)
TABLET = (1024, 768)
SIZES = [pytest.param(PHONE, id="390x844"), pytest.param(TABLET, id="1024x768")]

# Demo data on top of the live-server fixtures; the officer works in two demo districts
# (as the demo's own officer does) so that the queue and a report page have content.
DEMO = """
from straz.demo.loader import ensure_demo_data
from straz.accounts.models import User
from straz.incidents.models import Incident, IncidentEvent
from straz.reports.models import Report
from straz.territory.models import Area
ensure_demo_data(report_count=300)
demo_districts = list(
    Area.objects.filter(kind="police-district").exclude(code__in=["PD-A", "PD-B"]).order_by("pk")[:2]
)
officer = User.objects.get(username="officer")
officer.districts.set(demo_districts)
open_incident = (
    Incident.objects.filter(state="in_progress").order_by("pk").values_list("pk", flat=True).first()
)
in_scope = Report.objects.filter(district__in=demo_districts, is_public=True).order_by("pk")
report = in_scope.values_list("pk", flat=True).first()
event = IncidentEvent.objects.order_by("pk").values_list("pk", flat=True).first()
from straz.softtargets.models import SoftTarget
target = SoftTarget.objects.order_by("pk").values_list("pk", flat=True).first()
result = {"incident": open_incident, "report": report, "event": event, "target": target}
"""

PASSWORDS = {"commander": "commander-demo", "manager": "manager-demo"}

# (persona or None for a citizen, path; {incident} and {report} are filled from the demo)
PAGES = [
    (None, "/"),
    (None, "/report/"),
    (None, "/r/{report}/"),
    (None, "/districts/"),
    (None, "/statistics/"),
    (None, "/admin/login/"),
    ("analyst", "/statistics/"),
    ("officer", "/staff/"),
    ("officer", "/staff/reports/{report}/"),
    ("officer", "/staff/two-factor/"),
    ("dispatcher", "/operations/"),
    ("dispatcher", "/operations/calls/"),
    ("dispatcher", "/operations/incidents/{incident}/"),
    ("commander", "/operations/incidents/{incident}/"),
    # The other pages of the walk (brief: every persona's pages at phone size).
    (None, "/login/"),
    ("dispatcher", "/operations/incidents/new/"),
    ("dispatcher", "/operations/events/{event}/"),
    ("dispatcher", "/operations/reports/"),
    ("commander", "/operations/incidents/{incident}/report/"),
    ("analyst", "/operations/statistics/"),
    # Soft targets (issue 10): the manager's dashboard, a target with its design part,
    # the assessment form, the measures and the implementation report.
    ("manager", "/staff/softtargets/"),
    ("manager", "/staff/softtargets/new/"),
    ("manager", "/staff/softtargets/{target}/"),
    ("manager", "/staff/softtargets/{target}/assess/"),
    ("manager", "/staff/softtargets/measures/"),
    ("manager", "/staff/softtargets/report/"),
]

OVERFLOW = """() => ({
  doc: document.documentElement.scrollWidth,
  body: document.body.scrollWidth,
  width: window.innerWidth,
  wider: [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                  && !el.closest('.leaflet-container')
                  && !el.closest('[data-scrolls]')
                  && getComputedStyle(el).position !== 'fixed')
    .filter(el => !(el.parentElement && el.parentElement.getBoundingClientRect().right > window.innerWidth + 1))
    .slice(0, 5)
    .map(el => el.tagName + (el.id ? '#' + el.id : '') + '.' + el.className),
})"""


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One server with the demo city for the whole module (starting one per page is slow)."""
    server = _start(tmp_path_factory.mktemp("responsive"), {}, "responsive")
    try:
        server.demo = server.run_django(DEMO)
        assert all(server.demo.values()), server.demo
        yield server
    finally:
        server.destroy()


def _open(session: Any, server: Any, persona: str | None, path: str, size: tuple[int, int]) -> Any:
    page = session.new_page(server.url)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    if persona is not None:
        password = PASSWORDS.get(persona) or server.password(persona)
        page.goto("/login/")
        page.fill("#id_username", persona)
        page.fill("#id_password", password)
        page.click("#login-submit")
        page.wait_for_load_state()
        assert "/login/" not in page.url, f"{persona} could not log in"
    response = page.goto(path.format(**server.demo))
    assert response is not None and response.status == 200, (path, response and response.status)
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("persona", "path"), PAGES, ids=[f"{p or 'citizen'}:{u}" for p, u in PAGES])
def test_page_fits_the_window(
    browser_session: Any, demo_server: Any, persona: str | None, path: str, size: tuple[int, int]
) -> None:
    page = _open(browser_session, demo_server, persona, path, size)
    m = page.evaluate(OVERFLOW)
    assert m["width"] == size[0]
    assert m["doc"] <= m["width"] and m["body"] <= m["width"], m
    assert not browser_session.page_errors


def test_board_shows_every_column_at_1024(browser_session: Any, demo_server: Any) -> None:
    """The board's list is not cut: its last column ends inside the window and the list
    does not hide columns behind a horizontal scroll bar."""
    page = _open(browser_session, demo_server, "dispatcher", "/operations/", TABLET)
    geometry = page.evaluate(
        """() => {
          const pane = document.querySelector('.ops-list-pane');
          const last = document.querySelector('#board-table thead th:last-child');
          return {scroll: pane.scrollWidth, client: pane.clientWidth,
                  lastRight: last.getBoundingClientRect().right, width: window.innerWidth};
        }"""
    )
    assert geometry["scroll"] <= geometry["client"], geometry
    assert geometry["lastRight"] <= geometry["width"], geometry


def test_phone_map_leaves_room_to_scroll_and_shows_filters(
    browser_session: Any, demo_server: Any
) -> None:
    """On a phone the map takes at most half the screen, so a finger beside it scrolls the
    page, and the first filter is on the first screen (not below a full-screen map)."""
    page = _open(browser_session, demo_server, None, "/", PHONE)
    page.locator("#map.leaflet-container").wait_for()
    geometry = page.evaluate(
        """() => {
          const map = document.getElementById('map').getBoundingClientRect();
          const filter = document.getElementById('filter-category').getBoundingClientRect();
          return {mapHeight: map.height, filterBottom: filter.bottom, height: window.innerHeight,
                  docHeight: document.documentElement.scrollHeight};
        }"""
    )
    assert geometry["mapHeight"] <= geometry["height"] / 2, geometry
    assert geometry["filterBottom"] <= geometry["height"], geometry
    # The page is taller than the window, and scrolling it moves past the map.
    assert geometry["docHeight"] > geometry["height"], geometry
    page.mouse.wheel(0, 2000)
    page.wait_for_function("() => window.scrollY > 0")


ONE_FINGER_SWIPE = """() => {
  const map = document.getElementById('map');
  const box = map.getBoundingClientRect();
  const at = (y) => new Touch({identifier: 1, target: map, clientX: box.left + box.width / 2, clientY: y});
  const send = (type, y) => map.dispatchEvent(new TouchEvent(type, {
    touches: [at(y)], targetTouches: [at(y)], changedTouches: [at(y)], bubbles: true, cancelable: true}));
  send('touchstart', box.top + 120);
  send('touchmove', box.top + 80);
}"""


def test_phone_map_scrolls_with_one_finger_and_moves_with_two(
    browser_session: Any, demo_server: Any
) -> None:
    """On a touch phone the map does not pan under one finger (the browser scrolls the
    page: touch-action allows it); a one-finger swipe shows the two-finger hint."""
    context = browser_session.browser.new_context(
        base_url=demo_server.url,
        viewport={"width": PHONE[0], "height": PHONE[1]},
        has_touch=True,
        is_mobile=True,
        locale="en-GB",
    )
    browser_session.contexts.append(context)
    page = context.new_page()
    browser_session.pages.append(page)
    page.goto("/")
    page.locator("#map.leaflet-container").wait_for()
    state = page.evaluate(
        """() => { const map = document.getElementById('map');
          return {touch: map.dataset.touch, action: getComputedStyle(map).touchAction,
                  dragging: map.classList.contains('leaflet-touch-drag')}; }"""
    )
    assert state == {"touch": "two-fingers", "action": "pan-x pan-y", "dragging": False}, state
    page.evaluate(ONE_FINGER_SWIPE)
    hint = page.locator("[data-testid=map-touch-hint]")
    hint.wait_for()
    assert hint.inner_text() == "Use two fingers to move the map."


def test_desktop_map_keeps_one_finger_dragging(browser_session: Any, demo_server: Any) -> None:
    page = _open(browser_session, demo_server, None, "/", TABLET)
    page.locator("#map.leaflet-container").wait_for()
    assert page.evaluate("() => document.getElementById('map').dataset.touch") is None


@pytest.mark.parametrize("language", ["pl", "en"])
def test_soft_target_page_fits_a_phone_in_every_language(
    browser_session: Any, demo_server: Any, language: str
) -> None:
    # Polish labels are the longest: a label column sized to its longest word pushed the
    # target's facts past a 390 px screen.
    path = "/staff/softtargets/{target}/"
    page = _open(browser_session, demo_server, "manager", path, (390, 844))
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": demo_server.url}]
    )
    page.goto(path.format(**demo_server.demo))
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == language
    m = page.evaluate(OVERFLOW)
    assert m["doc"] <= m["width"] and m["body"] <= m["width"], m
    assert not browser_session.page_errors
