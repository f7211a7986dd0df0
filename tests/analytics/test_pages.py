"""The statistics page, chart pictures and the JSON API."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from django.test import Client
from lxml import etree
from PIL import Image

from straz.analytics.threatmap import queries
from straz.analytics.threatmap.scope import StatisticsFilter
from tests.analytics.conftest import Dataset
from tests.analytics.test_exports import SECRETS
from tests.analytics.test_statistics import PRAGUE, expect, public_specs


def test_public_page_shows_the_numbers_and_links(dataset: Dataset, citizen: Client) -> None:
    response = citizen.get("/statistics/")
    assert response.status_code == 200
    html = response.content.decode()
    total = expect(public_specs(dataset), dataset.now)["total"]
    assert f'id="stat-total" data-value="{total}"' in html
    for link in (
        "reports.csv",
        "reports.geojson",
        "tables/districts.csv",
        "charts/months.svg",
        "/api/v1/statistics",
    ):
        assert link in html
    assert "Obvod A" in html and "Obvod B" in html
    for secret in SECRETS[:4]:
        assert secret not in html


def test_page_filters_carry_into_links(dataset: Dataset, citizen: Client) -> None:
    response = citizen.get("/statistics/?from=2026-02-01&to=2026-02-28&district=PD-A")
    assert response.status_code == 200
    html = response.content.decode()
    assert "reports.csv?from=2026-02-01&amp;to=2026-02-28&amp;district=PD-A" in html
    expected = sum(
        1
        for s in public_specs(dataset)
        if s.district == "A"
        and not s.duplicate_of
        and s.created.astimezone(PRAGUE).strftime("%Y-%m") == "2026-02"
    )
    assert expected == 1  # the report of 31 January 23:30 UTC
    assert f'id="stat-total" data-value="{expected}"' in html


def test_bad_filter_is_a_clear_400_that_changes_nothing(dataset: Dataset, citizen: Client) -> None:
    response = citizen.get("/statistics/?from=2026-03-01&to=2026-02-01", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "must not be before its start" in response.content.decode()
    response = citizen.get("/statistics/?category=no-such", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert citizen.get("/statistics/?from=1800-01-01").status_code == 400


def test_staff_see_the_staff_variant(
    dataset: Dataset, analyst: Any, client_for: Callable[[Any], Client]
) -> None:
    client = client_for(analyst)
    html = client.get("/statistics/").content.decode()
    total = expect(dataset.specs, dataset.now)["total"]
    assert f'id="stat-total" data-value="{total}"' in html
    assert "view=public" in html
    public = client.get("/statistics/?view=public").content.decode()
    assert (
        f'id="stat-total" data-value="{expect(public_specs(dataset), dataset.now)["total"]}"'
        in public
    )


def test_officer_filter_offers_only_own_districts(
    dataset: Dataset, officer: Any, client_for: Callable[[Any], Client]
) -> None:
    client = client_for(officer)
    html = client.get("/statistics/").content.decode()
    assert 'value="PD-A"' in html and 'value="PD-B"' not in html
    assert client.get("/statistics/?district=PD-B").status_code == 400


def test_charts_are_real_pictures_with_caching_headers(dataset: Dataset, citizen: Client) -> None:
    for name in ("months", "categories", "districts", "statuses"):
        png = citizen.get(f"/statistics/charts/{name}.png")
        assert png.status_code == 200, name
        assert png["Content-Type"] == "image/png"
        assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
        image = Image.open(io.BytesIO(png.content))
        assert image.format == "PNG" and image.size[0] >= 400
        assert "public" in png["Cache-Control"] and "max-age=300" in png["Cache-Control"]
        svg = citizen.get(f"/statistics/charts/{name}.svg")
        assert svg["Content-Type"] == "image/svg+xml"
        root = etree.fromstring(svg.content)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    etag = png["ETag"]
    again = citizen.get("/statistics/charts/statuses.png", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert citizen.get("/statistics/charts/secrets.png").status_code == 404
    assert citizen.get("/statistics/charts/months.gif").status_code == 404
    assert citizen.get("/statistics/charts/months.png?to=2026-13-01").status_code == 400


def test_chart_labels_follow_the_language(dataset: Dataset, citizen: Client) -> None:
    polish = citizen.get(
        "/statistics/charts/categories.svg", HTTP_ACCEPT_LANGUAGE="pl"
    ).content.decode()
    assert "Dzikie wysypisko śmieci" in polish
    czech = citizen.get(
        "/statistics/charts/categories.svg", HTTP_ACCEPT_LANGUAGE="cs"
    ).content.decode()
    assert "Černá skládka" in czech


def test_staff_charts_are_private(
    dataset: Dataset, analyst: Any, client_for: Callable[[Any], Client]
) -> None:
    response = client_for(analyst).get("/statistics/charts/months.png")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_api_returns_the_same_numbers(dataset: Dataset, citizen: Client) -> None:
    response = citizen.get("/api/v1/statistics?from=2026-02-01&district=PD-B")
    assert response.status_code == 200
    data = response.json()
    filters = StatisticsFilter(date_from=date(2026, 2, 1), district=dataset.districts["B"])
    direct = queries.compute_statistics(user=None, filters=filters).as_dict()
    for key in ("summary", "by_category", "by_district", "by_month", "duplicates"):
        assert data[key] == direct[key], key
    assert data["audience"] == "public"
    assert data["filters"] == {"from": "2026-02-01", "district": "PD-B"}
    for secret in SECRETS[:4]:
        assert secret not in json.dumps(data)


def test_api_gives_staff_their_scope_by_token(
    dataset: Dataset, analyst: Any, token_for: Callable[[Any], str], citizen: Client
) -> None:
    token = token_for(analyst)
    data = citizen.get("/api/v1/statistics", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert data["audience"] == "staff"
    assert data["summary"]["total"] == expect(dataset.specs, dataset.now)["total"]
    public = citizen.get("/api/v1/statistics").json()
    assert public["summary"]["total"] == expect(public_specs(dataset), dataset.now)["total"]


def test_api_bad_input_is_a_422_in_the_users_language(dataset: Dataset, citizen: Client) -> None:
    response = citizen.get("/api/v1/statistics?from=2026-02-31", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "from" in response.json()["detail"]
    response = citizen.get("/api/v1/statistics?district=XX&category=YY", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "district" in detail and "category" in detail


def test_api_is_in_the_openapi_schema(db: Any, citizen: Client) -> None:
    schema = citizen.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/statistics"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"from", "to", "district", "category", "view"}


ODD_VALUES = [
    "",
    " ",
    "0",
    "-1",
    "2026-02-30",
    "2026-1-1",
    "9999-12-31",
    "%00",
    "\u0000",
    "ž" * 300,
    "PD-A'--",
    "[]",
]


def test_odd_input_never_breaks_the_endpoints(dataset: Dataset, citizen: Client) -> None:
    paths = [
        "/api/v1/statistics",
        "/statistics/",
        "/statistics/reports.csv",
        "/statistics/charts/statuses.svg",
    ]
    for value in ODD_VALUES:
        for param in ("from", "to", "district", "category", "view"):
            for path in paths:
                response = citizen.get(path, {param: value})
                assert response.status_code in (200, 400, 422), (
                    path,
                    param,
                    value,
                    response.status_code,
                )
