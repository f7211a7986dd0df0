"""A citizen on a phone follows the report: e-mail with consent, the number, the lookup, the
status e-mail in Czech, and the unsubscribe link (issue 9, item 9; ADR 0036)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.test_threat_map_flow import _officer_confirms, _status_label

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("live-server")]

EMAIL = "obcanka@example.cz"

OUTBOX = """
from straz.notifications.models import OutboxMessage
result = [
    {"address": m.address, "subject": m.subject, "body": m.body}
    for m in OutboxMessage.objects.filter(source_type="report-follower").order_by("pk")
]
"""

FOLLOWERS = """
from straz.reports.models import FollowerContact
result = FollowerContact.objects.count()
"""


def _no_horizontal_overflow(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_citizen_follows_the_report_by_email_and_number(
    e2e_server: Any, browser_session: Any
) -> None:
    page = browser_session.new_page(e2e_server.url)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/report/")
    page.locator("#report-map.leaflet-container").wait_for()
    page.locator("#report-map").click()
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    page.select_option("#id_category", "illegal-dump")
    # An address without the consent is refused, and the form says why.
    page.fill("#id_follow_email", EMAIL)
    page.click("#report-submit")
    page.locator("#error-summary").wait_for()
    page.locator('#error-summary a[href="#id_follow_consent"]').wait_for()
    assert e2e_server.run_django(FOLLOWERS) == 0
    page.locator("#report-map").click()
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    page.check("#id_follow_consent")
    page.click("#report-submit")
    page.wait_for_url("**/report/sent/")
    number = page.locator("[data-testid=report-number]")
    report_id = int(number.get_attribute("data-report-id") or "0")
    assert report_id > 0 and number.is_visible()
    page.locator("#follow-hint").wait_for()
    _no_horizontal_overflow(page)
    assert e2e_server.run_django(FOLLOWERS) == 1

    # The number typed on the map page leads to the public page.
    lookup = browser_session.new_page(e2e_server.url)
    lookup.set_viewport_size({"width": 390, "height": 844})
    lookup.goto("/")
    lookup.fill("[data-testid=lookup-number]", str(report_id))
    lookup.click("[data-testid=lookup-submit]")
    lookup.wait_for_url(f"**/r/{report_id}/")
    assert lookup.locator("#report-status").get_attribute("data-status") == "new"
    assert EMAIL not in lookup.content()

    # The officer's two steps each queue one e-mail, in the reporter's language (Czech).
    _officer_confirms(browser_session, e2e_server, report_id)
    mails = e2e_server.run_django(OUTBOX)
    assert [m["address"] for m in mails] == [EMAIL, EMAIL]
    assert str(report_id) in mails[-1]["subject"]
    assert _status_label("confirmed", "cs") in mails[-1]["subject"]
    stop = re.search(r"https?://\S+/r/stop/[\w-]+/", mails[-1]["body"])
    assert stop, mails[-1]["body"]

    # The unsubscribe link asks first; the button erases the address.
    unsubscribe = browser_session.new_page(e2e_server.url)
    unsubscribe.set_viewport_size({"width": 390, "height": 844})
    unsubscribe.goto(stop[0])
    assert e2e_server.run_django(FOLLOWERS) == 1
    unsubscribe.click("[data-testid=follow-stop-confirm]")
    unsubscribe.locator("[data-testid=follow-stopped]").wait_for()
    assert e2e_server.run_django(FOLLOWERS) == 0
    assert not browser_session.external_requests, browser_session.external_requests
    assert not browser_session.page_errors, browser_session.page_errors
