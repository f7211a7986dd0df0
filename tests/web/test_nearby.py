"""Nearby reports on the report form: public only, in the chosen category or all, nearest first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from straz.reports import public
from straz.reports.models import Report
from straz.territory.models import Place
from tests.web.conftest import IN_A, browser

pytestmark = pytest.mark.django_db

NORTH_200M = (IN_A[0] + 0.0018, IN_A[1])  # about 200 m north of IN_A
FAR = (IN_A[0] + 0.009, IN_A[1])  # about 1 km north


@pytest.fixture
def around(file_report: Any) -> dict[str, Report]:
    """Reports around IN_A: two dumps (here, 200 m away), a far one, an old one, a hidden one."""
    made = {
        "here": file_report(point=IN_A),
        "north": file_report(point=NORTH_200M),
        "far": file_report(point=FAR),
        "old": file_report(point=(IN_A[0] - 0.0009, IN_A[1])),
        # Public only once the police confirm it: not shown while new.
        "venue": file_report(category="dangerous-venue", point=IN_A),
    }
    Report.objects.filter(pk=made["old"].pk).update(created_at=timezone.now() - timedelta(days=40))
    return made


def test_only_public_recent_reports_within_the_radius_nearest_first(around: dict[str, Report]) -> None:
    found = public.nearby_reports(lat=IN_A[0], lon=IN_A[1], category_code="illegal-dump")
    assert [r.id for r in found] == [around["here"].pk, around["north"].pk]
    assert found[0].distance_m < 1 and 180 < found[1].distance_m < 220
    assert found[1].rounded_distance_m % 10 == 0


def test_the_category_filter_and_all_categories(around: dict[str, Report], file_report: Any) -> None:
    drugs = file_report(category="drug-use", point=IN_A)
    drugs.refresh_from_db()
    # An approximated report is found and measured at its public point, never its exact one.
    at_public = public.nearby_reports(lat=drugs.public_lat, lon=drugs.public_lon, category_code="drug-use")
    assert [r.id for r in at_public] == [drugs.pk]
    assert (at_public[0].lat, at_public[0].lon) == (drugs.public_lat, drugs.public_lon)
    assert at_public[0].distance_m < 1
    every = public.nearby_reports(lat=drugs.public_lat, lon=drugs.public_lon)
    assert drugs.pk in [r.id for r in every]
    assert public.nearby_reports(lat=IN_A[0], lon=IN_A[1], category_code="drug-use") == [
        r for r in public.nearby_reports(lat=IN_A[0], lon=IN_A[1]) if r.category.code == "drug-use"
    ]
    dumps_only = public.nearby_reports(lat=IN_A[0], lon=IN_A[1], category_code="illegal-dump")
    assert all(r.category.code == "illegal-dump" for r in dumps_only)


def test_the_api_lists_them_with_category_status_date_distance_and_link(around: dict[str, Report]) -> None:
    client = browser("en")
    data = client.get(
        "/api/v1/reports/nearby", {"lat": IN_A[0], "lon": IN_A[1], "category": "illegal-dump"}
    ).json()
    assert data["radius_m"] == 300 and data["days"] == 30 and data["category"] == "illegal-dump"
    first = data["items"][0]
    assert first["id"] == around["here"].pk and first["url"] == f"/r/{around['here'].pk}/"
    assert first["category"] == {"code": "illegal-dump", "name": "Illegal dump"}
    assert first["status"] == "new" and first["status_label"] == "New"
    assert first["reported_on"] == timezone.localdate().isoformat() and first["distance_m"] == 0
    assert set(first) == {
        "id", "category", "status", "status_label", "status_color", "reported_on",
        "reported_on_text", "distance_m", "lat", "lon", "url",
    }
    assert client.get("/api/v1/reports/nearby", {"lat": IN_A[0], "lon": IN_A[1], "category": "nope"}).status_code == 422
    assert client.get("/api/v1/reports/nearby", {"lat": 95, "lon": IN_A[1]}).status_code == 422
    assert client.get("/api/v1/reports/nearby", {"lon": IN_A[1]}).status_code == 422


def test_the_form_lists_them_without_js_in_the_chosen_category(around: dict[str, Report], file_report: Any) -> None:
    other = file_report(category="drug-use", point=(IN_A[0] + 0.0005, IN_A[1] + 0.0005))
    client = browser("en")
    query = {"lat": IN_A[0], "lon": IN_A[1], "category": "illegal-dump"}
    html = client.get("/report/", query).content.decode()
    assert f'data-report-id="{around["here"].pk}"' in html
    assert f'data-report-id="{around["north"].pk}"' in html
    assert f'data-report-id="{around["far"].pk}"' not in html
    assert f'data-report-id="{around["venue"].pk}"' not in html
    assert f'data-report-id="{other.pk}"' not in html
    assert "2 reports within 300 m in the last 30 days. Is yours among them?" in html
    assert f'href="/r/{around["here"].pk}/"' in html and "Illegal dump" in html
    assert 'id="nearby-toggle"' in html and "nearby=all" in html
    everything = client.get("/report/", {**query, "nearby": "all"}).content.decode()
    assert f'data-report-id="{around["here"].pk}"' in everything
    # Whether the drug-use report shows depends on where its approximated point lies; the
    # list follows public.nearby_reports either way.
    expected = {r.id for r in public.nearby_reports(lat=IN_A[0], lon=IN_A[1])}
    assert (f'data-report-id="{other.pk}"' in everything) == (other.pk in expected)


def test_the_form_finds_the_point_of_an_address_without_js(around: dict[str, Report]) -> None:
    Place.objects.create(name="Americká", kind="street", lat=IN_A[0], lon=IN_A[1])
    html = browser("en").get("/report/", {"near": "americka"}).content.decode()
    assert f'value="{IN_A[0]}"' in html or f'value="{IN_A[0]:.6f}"' in html
    assert f'data-report-id="{around["here"].pk}"' in html


def test_no_point_no_list_and_a_hint(categories: Any) -> None:
    html = browser("en").get("/report/").content.decode()
    assert 'id="nearby-list"' in html and "data-report-id" not in html
    assert "Choose the place to see the reports near it." in html
