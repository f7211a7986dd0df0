"""The public map's place search: a GET form that works without JS, and its JSON API."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from straz.territory.models import AreaKind, Place
from tests.conftest import make_area, square
from tests.web.conftest import IN_A, browser

pytestmark = pytest.mark.django_db


def _config(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="straz-map-config" type="application/json">(.*?)</script>', html, re.S)
    assert match, "map config missing"
    return json.loads(match.group(1))


def test_the_map_has_a_search_box(categories: Any) -> None:
    html = browser("en").get("/").content.decode()
    assert 'id="map-search"' in html and 'name="q"' in html and 'role="search"' in html
    assert "/static/straz/map-search.js" in html


def test_searching_the_map_without_js_centres_it_on_the_one_result(categories: Any, district_a: Any) -> None:
    Place.objects.create(name="Americká", kind="street", lat=IN_A[0], lon=IN_A[1])
    html = browser("en").get("/", {"q": "americka", "category": "illegal-dump"}).content.decode()
    assert "Showing: Americká" in html
    focus = _config(html)["search"]
    assert (focus["lat"], focus["lon"]) == IN_A and focus["bounds"] is None
    # The filter chosen before the search is kept.
    assert 'name="category" value="illegal-dump"' in html
    assert f'/report/?lat={IN_A[0]:.6f}&amp;lon={IN_A[1]:.6f}' in html


def test_several_results_make_a_list_of_links_keeping_the_filters(categories: Any, district_a: Any) -> None:
    slovany = make_area(kind=AreaKind.CITY_DISTRICT, code="545988", name="Plzeň 2-Slovany", geometry=square(13.36, 49.73, 0.02))
    make_area(kind=AreaKind.POLICE_DISTRICT, code="PLZ-03", name="Obvod Plzeň-Slovany", geometry=square(13.40, 49.73, 0.01))
    html = browser("en").get("/", {"q": "SLOVANY", "status": "new"}).content.decode()
    assert "2 places match “SLOVANY”. Choose one:" in html
    assert f'href="/?pick=area%3A{slovany.pk}&amp;status=new"' in html
    assert _config(html)["search"] is None
    picked = browser("en").get("/", {"pick": f"area:{slovany.pk}"}).content.decode()
    focus = _config(picked)["search"]
    assert focus["name"] == "Plzeň 2-Slovany"
    assert focus["bounds"] == pytest.approx([49.73, 13.36, 49.75, 13.38])


def test_nothing_found_says_so_in_czech(categories: Any) -> None:
    html = browser("cs").get("/", {"q": "zzzz"}).content.decode()
    assert 'id="map-search-none"' in html


def test_search_results_are_escaped(categories: Any, district_a: Any) -> None:
    Place.objects.create(name="<img src=x onerror=alert(1)>", kind="landmark", lat=IN_A[0], lon=IN_A[1])
    html = browser("en").get("/", {"q": "img src"}).content.decode()
    # Neither in the markup nor in the map's JSON configuration (json_script escapes "<").
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_search_api_finds_areas_and_places(district_a: Any) -> None:
    make_area(kind=AreaKind.CITY_DISTRICT, code="545988", name="Plzeň 2-Slovany", geometry=square(13.36, 49.73, 0.02))
    Place.objects.create(name="Slovanská alej", kind="street", lat=IN_A[0], lon=IN_A[1], area=district_a)
    client = browser("en")
    results = client.get("/api/v1/search", {"q": "slovan"}).json()
    # A name starting with the text ranks before one where it starts a later word.
    assert [r["name"] for r in results] == ["Slovanská alej", "Plzeň 2-Slovany"]
    assert results[1]["kind"] == "city-district" and results[1]["kind_label"] == "City district"
    assert results[0]["district"] == "Obvod A" and results[0]["bounds"] is None
    assert client.get("/api/v1/search").status_code == 422
    assert client.get("/api/v1/search", {"q": "x" * 201}).status_code == 422
