"""In Chromium: the map pages in Czech and Polish, with everything their scripts and Leaflet
built (zoom buttons, attribution, popup close button, marker), carry no English UI word
(issue 9, item 7). The server-rendered walk of every persona's pages is
tests/web/test_language_scan.py; this adds what only exists after the scripts ran.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.english_words import english_words_in, visible_texts

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("live-server")]

LOCALES = {"cs": "cs-CZ", "pl": "pl-PL"}
SERVER_DATETIME = {"cs": "9. 12. 2026 23:59", "pl": "09.12.2026 23:59"}
LAT, LON = 49.7400, 13.3700  # inside district A of the live seed
# (persona, path, selector of the map once Leaflet has built it)
PAGES = [
    ("citizen", "/", "#map.leaflet-container .leaflet-control-zoom-in"),
    ("citizen", f"/report/?lat={LAT}&lon={LON}", "#report-map.leaflet-container .leaflet-control-zoom-in"),
    ("citizen", "/districts/", "#district-map.leaflet-container .leaflet-control-zoom-in"),
    ("dispatcher", "/operations/", "#board-map.leaflet-container .leaflet-control-zoom-in"),
    ("dispatcher", "/operations/incidents/new/", "#incident-map.leaflet-container .leaflet-control-zoom-in"),
]


# The live seed names its people in English ("dispatcher", "Officer A"): data, not the
# interface. Give them Czech names, as a real deployment has.
PEOPLE = """
from straz.accounts.models import User
from straz.territory.models import Officer
User.objects.filter(username="dispatcher").update(username="pprochazka", first_name="Pavel", last_name="Procházka")
for n, officer in enumerate(Officer.objects.order_by("pk")):
    officer.name = ["Jan Novák", "Eva Horáková"][n % 2]
    officer.save(update_fields=["name"])
result = True
"""
LOGIN = {"dispatcher": "pprochazka"}


def _page(session: Any, server: Any, persona: str, locale: str) -> Any:
    page = session.new_page(server.url, locale=locale)
    if persona != "citizen":
        page.goto("/login/")
        page.fill("#id_username", LOGIN[persona])
        page.fill("#id_password", server.password(persona))
        page.click("#login-submit")
        page.wait_for_load_state("load")
    return page


def test_map_pages_built_by_scripts_carry_no_english(e2e_server: Any, browser_session: Any) -> None:
    e2e_server.run_django(PEOPLE)
    leaks: dict[str, dict[str, str]] = {}
    for language, locale in LOCALES.items():
        pages = {persona: _page(browser_session, e2e_server, persona, locale) for persona in ("citizen", "dispatcher")}
        for persona, path, ready in PAGES:
            page = pages[persona]
            page.goto(path)
            page.locator(ready).wait_for()
            assert page.evaluate("document.documentElement.lang") == language
            # Scripts format dates as the server does (ADR 0035): 9 Dec 2026, 23:59 in Prague.
            shown = page.evaluate("Straz.formatDateTime(new Date(Date.UTC(2026, 11, 9, 22, 59)))")
            assert shown == SERVER_DATETIME[language], (path, shown)
            # What a screen reader announces for the zoom buttons.
            zoom_in = page.locator(ready).first
            assert zoom_in.get_attribute("aria-label") == zoom_in.get_attribute("title")
            found = english_words_in(visible_texts(page.content()))
            if found:
                leaks[f"[{language}] {path} ({persona})"] = found
    report = "\n".join(
        f"{where}: " + ", ".join(f"{word!r} in {text!r}" for word, text in sorted(words.items()))
        for where, words in sorted(leaks.items())
    )
    assert not leaks, f"English words on {len(leaks)} Czech/Polish map pages:\n{report}"
    assert not browser_session.page_errors, browser_session.page_errors
