"""A joint intervention end to end, in Chromium against a real server (issue 3).

The dispatcher (OPIS) creates an incident by clicking the map; the proposal reads III with
its § citations and the dispatcher declares it and names the commander. The commander, in
a second browser, checks in two components, draws a danger zone vertex by vertex on the
map and hands over command (§3(7)) to a second commander, who closes the incident through
liquidation and downloads the §16(4) report PDF: its text holds the time of the handover
and the new commander's name (§3(8)). Meanwhile the dispatcher's board, never reloaded,
shows the components on site. Nothing may reach the internet.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("live-server")]

COMMANDERS = {
    "commander": ("Jan", "Velitel", "commander-e2e"),
    "commander2": ("Petra", "Nástupcová", "commander2-e2e"),
}


def _accounts(server: Any) -> dict[str, int]:
    """Create the two commander accounts in the server's database; their ids by username."""
    lines = [
        "from straz.accounts.models import User",
        "result = {}",
    ]
    for username, (first, last, password) in COMMANDERS.items():
        lines += [
            f"u = User.objects.filter(username={username!r}).first() or User(username={username!r})",
            f"u.first_name, u.last_name, u.role, u.is_active = {first!r}, {last!r}, 'commander', True",
            f"u.set_password({password!r})",
            "u.save()",
            f"result[{username!r}] = u.pk",
        ]
    return dict(server.run_django("\n".join(lines)))


def _login(session: Any, server: Any, username: str, password: str, next_url: str) -> Any:
    page = session.new_page(server.url)
    page.goto(f"/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")
    page.wait_for_url(f"**{next_url}")
    return page


def _click_map(page: Any, selector: str, fx: float, fy: float) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


def _dispatcher_creates_and_declares(page: Any) -> int:
    page.goto("/operations/incidents/new/")
    page.locator("#incident-map.leaflet-container").wait_for()
    _click_map(page, "#incident-map", 0.55, 0.45)
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    lat, lon = float(page.input_value("#id_lat")), float(page.input_value("#id_lon"))
    assert 49.0 < lat < 50.5 and 12.5 < lon < 14.5, (lat, lon)
    # The affected area, drawn with the same tool; clicks while drawing do not move the point.
    page.click("[data-testid=area-draw-start]")
    for fx, fy in ((0.35, 0.3), (0.75, 0.35), (0.6, 0.7)):
        _click_map(page, "#incident-map", fx, fy)
    page.click("[data-testid=area-draw-finish]")
    assert (float(page.input_value("#id_lat")), float(page.input_value("#id_lon"))) == (lat, lon)
    assert '"type":"Polygon"' in page.input_value("#id_affected_area").replace(" ", "")
    page.select_option("#id_type", "mass-road-accident")
    page.fill("#id_title", "D5 km 80: hromadná nehoda, únik nafty")
    page.fill("#id_persons_threatened", "150")
    page.locator("#id_persons_threatened").dispatch_event("change")
    page.check("input[name=threatened][value=mass_road_accident]")
    # The proposal is previewed while typing (htmx), before anything is saved.
    page.locator('#proposal-preview [data-testid=proposal-level][data-level="III"]').wait_for()
    page.click("[data-testid=incident-create]")
    page.wait_for_url(re.compile(r".*/operations/incidents/\d+/$"))
    incident_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    page.wait_for_function("() => document.getElementById('site-map').dataset.features !== undefined")

    level = page.locator("#alarm [data-testid=proposal-level]")
    assert level.get_attribute("data-level") == "III"
    rules = page.locator("#alarm [data-testid=proposal-reason]").evaluate_all(
        "els => els.map(e => [e.dataset.rule, e.textContent.trim()])"
    )
    cited = {rule for rule, _ in rules}
    assert "§23 a)" in cited, rules
    assert all(len(text) > len(rule) + 10 for rule, text in rules), rules  # each citation has its text
    assert page.input_value("#id_declare-level") == "III"
    page.click("[data-testid=declare-submit]")
    page.locator('[data-testid=incident-level][data-level="III"]').wait_for()
    page.locator("[data-testid=declarations]").filter(has_text="III").wait_for()
    return incident_id


def _dispatcher_assigns(page: Any, commander_id: int) -> None:
    page.select_option("#id_assign-commander_user", str(commander_id))
    page.select_option("#id_assign-component", "hzs")
    page.click("[data-testid=assign-submit]")
    page.locator("[data-testid=commander-name]").filter(has_text="Jan Velitel").wait_for()


def _check_in(page: Any, kind: str, unit: str, leader: str, people: int, vehicles: int, gear: str) -> None:
    page.select_option("#id_checkin-kind", kind)
    page.fill("#id_checkin-unit_name", unit)
    page.fill("#id_checkin-leader_name", leader)
    page.fill("#id_checkin-people", str(people))
    page.fill("#id_checkin-vehicles", str(vehicles))
    page.fill("#id_checkin-equipment", gear)
    page.click("[data-testid=checkin-submit]")
    page.locator(f'[data-testid=on-site-row][data-kind="{kind}"]').wait_for()


def _commander_works(page: Any, incident_id: int, successor_id: int) -> None:
    page.locator("[data-testid=checkin-form]").wait_for()
    _check_in(page, "hzs", "HS Plzeň", "nprap. Karel Hasič", 8, 2, "CAS 20\nhydraulické nůžky")
    _check_in(page, "zzs", "RZP Plzeň-Lochotín", "MUDr. Eva Lékařová", 3, 1, "")
    assert page.locator("[data-testid=on-site-row]").count() == 2
    counts = page.locator("[data-testid=component-counts]")
    assert counts.get_attribute("data-on-site") == "2"

    # Rescue work starts.
    page.click("[data-testid=state-in_progress]")
    page.locator('[data-testid=incident-state][data-state="in_progress"]').wait_for()

    # A danger zone drawn vertex by vertex with the own drawing tool.
    page.locator("#site-map.leaflet-container").wait_for()
    page.select_option("#id_feature-kind", "danger_zone")
    page.fill("#id_feature-name", "Únik nafty")
    page.click("[data-testid=draw-start]")
    page.locator('#site-map[data-drawing="1"]').wait_for()
    for fx, fy in ((0.25, 0.25), (0.75, 0.22), (0.8, 0.75), (0.3, 0.8)):
        _click_map(page, "#site-map", fx, fy)
    page.locator('#site-map[data-vertices="4"]').wait_for()
    page.click("[data-testid=draw-finish]")
    geometry = page.input_value("#id_feature-geometry")
    assert '"type":"Polygon"' in geometry.replace(" ", ""), geometry
    page.click("[data-testid=feature-submit]")
    page.locator('[data-testid=feature-row][data-kind="danger_zone"]').wait_for()
    page.wait_for_function("() => document.getElementById('site-map').dataset.features === '1'")
    assert page.locator("#site-map path.leaflet-interactive").count() >= 1

    # §6 a) message from the site.
    page.select_option("#id_message-letter", "a")
    page.fill("#id_message-text", "Dvě osobní vozidla a autobus, 4 zranění, únik nafty zastaven.")
    page.click("[data-testid=message-submit]")
    page.locator('[data-testid=timeline-entry][data-letter="a"]').wait_for()
    # The form posted and the page reloaded: the entry can be in the DOM before the page's
    # script (which sets strazSiteMap last) has wired the filter; under load that lost a race.
    page.wait_for_function("() => window.strazSiteMap !== undefined")
    page.select_option("[data-testid=timeline-filter]", "message")
    page.locator('[data-testid=timeline-entry][data-kind="component"]').first.wait_for(state="hidden")
    assert page.locator('[data-testid=timeline-entry][data-letter="a"]').is_visible()
    page.select_option("[data-testid=timeline-filter]", "")

    # §3(7) handover with the briefing; §3(8) time and name are recorded.
    page.click("[data-testid=handover-open]")
    page.select_option("#id_handover-new_commander_user", str(successor_id))
    page.fill("#id_handover-situation", "Zraněné ošetřuje ZZS, vozovka uzavřena.")
    page.fill("#id_handover-aim", "Odstranit naftu a zprovoznit D5.")
    page.fill("#id_handover-priorities", "1. bezpečnost, 2. ekologie, 3. doprava")
    page.click("[data-testid=handover-submit]")
    page.locator("[data-testid=commander-name]").filter(has_text="Petra Nástupcová").wait_for()
    # The outgoing commander may no longer write to this incident.
    assert page.locator("[data-testid=checkin-form]").count() == 0
    assert page.locator("[data-testid=state-form]").count() == 0


def _successor_closes_and_downloads(page: Any, incident_id: int) -> bytes:
    page.locator("[data-testid=state-form]").wait_for()
    page.click("[data-testid=state-liquidation]")
    page.locator('[data-testid=incident-state][data-state="liquidation"]').wait_for()
    page.click("[data-testid=state-closed]")
    # Closing cannot be undone: the page says what it does and asks first (issue 9, item 3).
    page.click("[data-testid=close-confirm-submit]")
    page.locator('[data-testid=incident-state][data-state="closed"]').wait_for()
    page.locator("[data-testid=rescue-ended]").wait_for()
    page.locator("[data-testid=report-required]").wait_for()
    with page.expect_download() as info:
        page.click("[data-testid=report-pdf]")
    download = info.value
    path = download.path()
    assert path is not None
    with open(path, "rb") as fh:
        return fh.read()


def test_dispatcher_and_commanders_run_a_joint_intervention(browser_session: Any, e2e_server: Any) -> None:
    server = e2e_server
    ids = _accounts(server)

    dispatcher = _login(browser_session, server, "dispatcher", server.password("dispatcher"), "/operations/")
    dispatcher.locator("#board-map.leaflet-container").wait_for()
    incident_id = _dispatcher_creates_and_declares(dispatcher)
    _dispatcher_assigns(dispatcher, ids["commander"])

    # The dispatcher watches the board; it refreshes itself (htmx polling), never reloaded.
    dispatcher.goto("/operations/")
    row = dispatcher.locator(f'[data-testid=board-row][data-incident-id="{incident_id}"]')
    row.wait_for()
    assert row.get_attribute("data-level") == "III"
    assert "Jan Velitel" in row.inner_text()
    assert row.locator("[data-testid=board-components]").get_attribute("data-on-site") == "0"
    dispatcher.wait_for_function("() => Number(document.getElementById('board-map').dataset.markers) >= 1")
    # Keyboard and filter: "/" focuses the filter, which hides rows that do not match; J
    # walks to the next incident.
    dispatcher.locator("h1").click()
    dispatcher.keyboard.press("/")
    assert dispatcher.evaluate("document.activeElement.id") == "board-filter"
    dispatcher.keyboard.type("no such site")
    row.wait_for(state="hidden")
    dispatcher.fill("#board-filter", "d5 KM 80")
    row.wait_for(state="visible")
    dispatcher.fill("#board-filter", "")
    dispatcher.locator("h1").click()
    dispatcher.keyboard.press("j")
    focused = dispatcher.evaluate("document.activeElement.closest('tr') && document.activeElement.closest('tr').dataset.incidentId")
    assert focused == str(incident_id)

    commander = _login(
        browser_session, server, "commander", COMMANDERS["commander"][2], f"/operations/incidents/{incident_id}/"
    )
    _commander_works(commander, incident_id, ids["commander2"])

    dispatcher.locator(
        f'[data-testid=board-row][data-incident-id="{incident_id}"] [data-testid=board-components][data-on-site="2"]'
    ).wait_for(timeout=30_000)
    # The board refreshes on its own: the hand-over may reach it one refresh after the
    # components did, so wait for the successor's name rather than read it at once.
    dispatcher.locator(f'[data-testid=board-row][data-incident-id="{incident_id}"]').filter(
        has_text="Petra Nástupcová"
    ).wait_for(timeout=30_000)

    successor = _login(
        browser_session, server, "commander2", COMMANDERS["commander2"][2], f"/operations/incidents/{incident_id}/"
    )
    pdf = _successor_closes_and_downloads(successor, incident_id)
    assert pdf.startswith(b"%PDF")

    handover = server.run_django(
        "from django.utils import timezone\n"
        "from straz.incidents.models import CommandAssignment\n"
        f"c = CommandAssignment.objects.get(incident_id={incident_id}, how='handover')\n"
        "t = timezone.localtime(c.started_at)\n"
        "result = {'name': c.commander_name, 'hm': t.strftime('%H:%M'), 'date': t.strftime('%d. %m. %Y'),\n"
        "          'day': t.day, 'month': t.month, 'year': t.year}\n"
    )
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = re.sub(r"\s+", " ", text)
    assert handover["name"] == "Petra Nástupcová"
    assert "Petra Nástupcová" in flat, flat[:3000]
    assert handover["hm"] in flat, (handover, flat[:3000])
    day_month = re.compile(rf"0?{handover['day']}\.\s?0?{handover['month']}\.\s?{handover['year']}")
    assert day_month.search(flat) or f"{handover['year']}-{handover['month']:02d}-{handover['day']:02d}" in flat

    # Once closed it leaves the board at the next refresh.
    dispatcher.locator(f'[data-testid=board-row][data-incident-id="{incident_id}"]').wait_for(
        state="detached", timeout=30_000
    )
    assert not browser_session.external_requests, browser_session.external_requests
    assert not browser_session.page_errors, browser_session.page_errors
