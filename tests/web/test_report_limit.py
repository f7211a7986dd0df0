"""The daily report limit is told before the person starts (issue 9, item 5).

An address that used up its reports for the day sees, on opening the report form, a clear
message with the time when it may report again (in the page language's date format) and
no form to fill in; a POST over the limit answers with the same message, not with a form
error that has nothing to correct.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import formats, timezone, translation

from straz.reports.models import Report
from tests.web.conftest import IN_A, browser

pytestmark = pytest.mark.django_db


def _file(client: Any, **fields: Any) -> Any:
    data = {
        "category": "illegal-dump",
        "lat": IN_A[0],
        "lon": IN_A[1],
        "description": "",
        "submission_key": "",
    }
    data.update(fields)
    return client.post("/report/", data)


def _until(html: str) -> tuple[datetime, str]:
    """The machine-readable time and its shown text from the limit message."""
    match = re.search(
        r'<time datetime="([^"]+)" data-testid="report-limit-until">([^<]+)</time>', html
    )
    assert match, html
    return datetime.fromisoformat(match.group(1)), match.group(2)


@pytest.mark.parametrize("language", ["en", "cs", "pl"])
def test_form_tells_the_limit_before_the_person_starts(
    categories: Any, district_a: Any, language: str
) -> None:
    client = browser(language, REMOTE_ADDR="198.51.100.70")
    assert _file(client, description="first").status_code == 302
    sent = Report.objects.get().created_at

    response = client.get("/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="report-limit"' in html
    assert 'id="report-form"' not in html and 'id="report-submit"' not in html
    until, shown = _until(html)
    # Again one day after the first report, shown in the page language's date format.
    assert abs((until - (sent + timedelta(days=1))).total_seconds()) <= 2
    with translation.override(language):
        assert shown == formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
    if language == "en":
        assert "You can send one report a day" in html
        assert "You can report again from" in html


def test_a_fresh_address_gets_the_form(categories: Any, district_a: Any) -> None:
    client = browser("en", REMOTE_ADDR="198.51.100.71")
    html = client.get("/report/").content.decode()
    assert 'id="report-form"' in html and 'data-testid="report-limit"' not in html


def test_post_over_the_limit_gives_the_same_message_not_a_form_error(
    categories: Any, district_a: Any
) -> None:
    client = browser("en", REMOTE_ADDR="198.51.100.72")
    assert _file(client, description="first").status_code == 302
    before = Report.objects.count()
    response = _file(client, lat=IN_A[0] + 0.01, description="second one typed")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert 'data-testid="report-limit"' in html and "You can report again from" in html
    assert 'id="error-summary"' not in html and "correct the following" not in html
    assert Report.objects.count() == before


def test_incomplete_post_over_the_limit_also_gets_the_limit_message(
    categories: Any, district_a: Any
) -> None:
    client = browser("en", REMOTE_ADDR="198.51.100.73")
    assert _file(client, description="first").status_code == 302
    response = _file(client, category="", lat="", lon="")
    assert response.status_code == 429
    html = response.content.decode()
    assert 'data-testid="report-limit"' in html and 'id="error-summary"' not in html


def test_shared_network_limit_names_its_number(
    categories: Any, district_a: Any, settings: Any
) -> None:
    settings.STRAZ = {**settings.STRAZ, "REPORTS_PER_IP_PER_DAY": 2}
    client = browser("en", REMOTE_ADDR="198.51.100.74")
    assert _file(client, description="first").status_code == 302
    assert 'id="report-form"' in client.get("/report/").content.decode()
    assert _file(client, lat=IN_A[0] + 0.01, description="second").status_code == 302
    html = client.get("/report/").content.decode()
    assert "You can send at most 2 reports a day" in html
    assert 'id="report-form"' not in html
