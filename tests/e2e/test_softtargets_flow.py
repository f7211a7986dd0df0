"""Soft targets end to end, in Chromium against a real server (issue 10).

A crime-prevention manager logs in and lands on the soft-target dashboard, registers a
school (its police district is found from the place), assesses it on the default scale
(high risk, drawn on the risk matrix), adds two measures; one of them goes overdue (its
deadline day passes) and shows on the dashboard, the other does not. Nothing may reach
the internet.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("live-server")]

PASSWORD = "prevence-e2e-heslo"
FACTORS = ("accessibility", "occurrence", "complexity", "lives", "object", "finances", "community")


def test_manager_registers_assesses_and_sees_the_overdue_measure(e2e_server: Any, browser_session: Any) -> None:
    e2e_server.run_django(
        "from straz.accounts.models import User\n"
        "u = User(username='prevence', role='manager', first_name='Lenka', last_name='Černá')\n"
        f"u.set_password({PASSWORD!r})\n"
        "u.save()\n"
        "result = u.pk"
    )
    page = browser_session.new_page(e2e_server.url, locale="en-GB")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/login/")
    page.fill("#id_username", "prevence")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/staff/softtargets/")

    # Register a school in district A.
    page.click("#softtarget-new")
    page.fill("#id_name", "4. základní škola")
    page.select_option("#id_kind", "school")
    page.fill("#id_lat", "49.7401")
    page.fill("#id_lon", "13.3701")
    page.fill("#id_capacity", "620")
    page.click("#softtarget-save")
    page.wait_for_url("**/staff/softtargets/*/")
    assert page.inner_text("#target-name") == "4. základní škola"
    assert page.inner_text("#target-district") == "Obvod A"
    assert page.inner_text("#target-band") == "—"

    # Assess it: one scenario scored 5 on every factor is high risk (15 × 20 = 300).
    page.click("#assess-link")
    page.fill("#id_s0-name", "Armed intruder at entrance B")
    for factor in FACTORS:
        page.select_option(f"#id_s0-{factor}", "5")
    page.fill("#id_s1-name", "Arson in the gym")
    for factor in FACTORS:
        page.select_option(f"#id_s1-{factor}", "2")
    page.click("#assessment-save")
    page.wait_for_url("**/staff/softtargets/*/")
    assert page.inner_text("#target-band") == "high"
    assert page.locator("svg.risk-matrix circle").count() == 2
    assert "300" in page.inner_text("#latest-scenarios")

    # Two measures: the card readers are due tomorrow, the drill in two months.
    tomorrow = date.today() + timedelta(days=1)
    for title, deadline in (("Card readers at every entrance", tomorrow), ("Lockdown drill", tomorrow + timedelta(days=60))):
        page.select_option("#id_kind", "technical")
        page.fill("#id_title", title)
        page.fill("#id_owner", "Education department")
        page.fill("#id_cost_planned", "30000")
        page.fill("#id_deadline", deadline.isoformat())
        page.click("#measure-add")
        page.wait_for_load_state()
    assert page.locator("#measures-table tbody tr").count() == 2
    assert page.locator("#measures-table [data-overdue]").count() == 0

    page.goto("/staff/softtargets/")
    assert "Card readers" not in page.inner_text("[data-testid=overdue-measures]")

    # Two days pass: the card readers' deadline day is over and they are not done.
    e2e_server.run_django(
        "from datetime import timedelta\n"
        "from straz.softtargets.models import Measure\n"
        "m = Measure.objects.get(title='Card readers at every entrance')\n"
        "Measure.objects.filter(pk=m.pk).update(deadline=m.deadline - timedelta(days=2))\n"
        "result = m.pk"
    )
    page.reload()
    overdue = page.inner_text("[data-testid=overdue-measures]")
    assert "Card readers at every entrance" in overdue and "4. základní škola" in overdue
    assert "Lockdown drill" not in overdue
    assert not browser_session.page_errors
