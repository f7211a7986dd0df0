"""A page of another site cannot file reports from a visitor's browser (ADR 0027).

Browsers send `text/plain`, url-encoded and multipart bodies across sites without a CORS
preflight, so the JSON API requires `application/json` and checks the page's Origin.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from straz.reports.models import Report
from tests.reports.reportkit import IN_A

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"
BODY = {"category": "illegal-dump", "lat": IN_A[0], "lon": IN_A[1]}


@pytest.fixture
def served(
    district_a: Any, district_b: Any, categories: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded"]
)
def test_json_reports_sent_as_another_type_are_refused(
    served: None, citizen: Client, content_type: str
) -> None:
    response = citizen.post(
        REPORTS, data=json.dumps(BODY), content_type=content_type, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 415, response.content
    assert "Content-Type: application/json" in response.json()["detail"]
    assert Report.objects.count() == 0


def test_a_body_that_is_not_even_json_still_gets_the_media_type_message(
    served: None, citizen: Client
) -> None:
    response = citizen.post(REPORTS, data="category=x", content_type="text/plain")
    assert response.status_code == 415
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_REFERER": "https://evil.example/page.html"},
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
    ],
)
def test_a_page_of_another_site_is_refused(
    served: None, citizen: Client, headers: dict[str, str]
) -> None:
    response = citizen.post(
        REPORTS,
        data=json.dumps(BODY),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )
    assert response.status_code == 403, response.content
    assert "this site's own pages" in response.json()["detail"]
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a program: no page named
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_ORIGIN": "https://testserver"},  # TLS ended at the proxy
        {"HTTP_REFERER": "http://testserver/report/"},
        {"HTTP_ORIGIN": "https://app.example.org"},  # configured
    ],
)
def test_own_pages_programs_and_allowed_origins_may_report(
    served: None, citizen: Client, settings: Any, headers: dict[str, str]
) -> None:
    settings.STRAZ = {**settings.STRAZ, "ALLOWED_ORIGINS": ["https://app.example.org"]}
    response = citizen.post(
        REPORTS, data=json.dumps(BODY), content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    assert Report.objects.count() == 1


def test_multipart_endpoint_takes_only_multipart_from_its_own_site(
    served: None, citizen: Client
) -> None:
    urlencoded = citizen.post(
        f"{REPORTS}/multipart",
        data="category=illegal-dump&lat=49.74&lon=13.37",
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert urlencoded.status_code == 415, urlencoded.content
    assert "multipart/form-data" in urlencoded.json()["detail"]
    cross = citizen.post(
        f"{REPORTS}/multipart",
        {"category": "illegal-dump", "lat": IN_A[0], "lon": IN_A[1]},
        HTTP_ORIGIN="https://evil.example",
    )
    assert cross.status_code == 403
    assert Report.objects.count() == 0
    same = citizen.post(
        f"{REPORTS}/multipart",
        {"category": "illegal-dump", "lat": IN_A[0], "lon": IN_A[1]},
        HTTP_ORIGIN="http://testserver",
    )
    assert same.status_code == 201, same.content
