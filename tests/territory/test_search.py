"""The one place search: areas by name (accents and case optional), gazetteer places, choices."""

from __future__ import annotations

from typing import Any

import pytest

from straz.territory.models import Area, AreaKind, Place
from straz.territory.search import chosen, police_districts_for, resolve, search
from tests.conftest import make_area, square
from tests.web.conftest import IN_A, browser

pytestmark = pytest.mark.django_db


@pytest.fixture
def slovany(district_a: Any, district_b: Any) -> Area:
    """A city district lying mostly in police district A, partly in B (east of A)."""
    # A covers lon 13.35–13.39, B 13.45–13.49; the city district spans 13.36–13.46.
    return make_area(
        kind=AreaKind.CITY_DISTRICT, code="545988", name="Plzeň 2-Slovany",
        geometry={"type": "Polygon", "coordinates": [[[13.36, 49.73], [13.46, 49.73], [13.46, 49.75], [13.36, 49.75], [13.36, 49.73]]]},
    )


def test_area_names_are_stored_normalised(slovany: Area) -> None:
    assert Area.objects.get(pk=slovany.pk).normalised_name == "plzen 2 slovany"
    slovany.name = "Plzeň 2 – Slovany a Koterov"
    slovany.save(update_fields=["name"])
    assert Area.objects.get(pk=slovany.pk).normalised_name == "plzen 2 slovany a koterov"


@pytest.mark.parametrize("text", ["Slovany", "slovany", "SLOVANY", "plzen 2 slovany", "Plzeň 2-Slovany"])
def test_a_city_district_is_found_by_name_whatever_the_accents_and_case(slovany: Area, text: str) -> None:
    found = search(text=text)
    assert [f.key for f in found] == [f"area:{slovany.pk}"]
    assert found[0].kind == AreaKind.CITY_DISTRICT
    # The point shown on the map lies inside the district.
    south, west, north, east = found[0].bounds or (0, 0, 0, 0)
    assert south <= found[0].lat <= north and west <= found[0].lon <= east


def test_municipalities_police_districts_and_places_are_found_together(slovany: Area, district_a: Any) -> None:
    plzen = make_area(kind=AreaKind.MUNICIPALITY, code="554791", name="Plzeň", geometry=square(13.3, 49.7, 0.2))
    region = make_area(kind=AreaKind.REGION, code="CZ032", name="Plzeňský kraj", geometry=square(12.0, 49.0, 2.0))
    Place.objects.create(name="Plzeňská brána", kind="landmark", lat=IN_A[0], lon=IN_A[1])
    found = search(text="plzen")
    keys = [f.key for f in found]
    # The exact name first; regions are never an answer.
    assert keys[0] == f"area:{plzen.pk}"
    assert f"area:{slovany.pk}" in keys and f"area:{region.pk}" not in keys
    assert any(k.startswith("place:") for k in keys)
    assert chosen(found) == found[0]  # one exact match: shown at once
    assert [f.name for f in search(text="obvod a")] == ["Obvod A"]


def test_several_matches_without_an_exact_one_make_a_list(slovany: Area) -> None:
    make_area(kind=AreaKind.POLICE_DISTRICT, code="PLZ-03", name="Obvod Plzeň-Slovany", geometry=square(13.40, 49.73, 0.01))
    found = search(text="slovany")
    assert len(found) == 2
    assert chosen(found) is None
    assert resolve(found[1].key) is not None
    assert resolve("area:999999") is None and resolve("nonsense") is None and resolve("user:1") is None


def test_an_area_is_served_by_the_police_districts_covering_it(slovany: Area, district_a: Any, district_b: Any) -> None:
    found = resolve(f"area:{slovany.pk}")
    assert found is not None
    routings = police_districts_for(found)
    # Most of it lies in A (3 of 10 hundredths of a degree), a part in B (1 of 10).
    assert [r.district.code for r in routings] == ["PD-A", "PD-B"]
    assert routings[0].officer is not None and routings[0].officer.name == "npor. Jana Nováková"


def test_an_address_with_post_code_and_town_still_finds_the_street(district_a: Any) -> None:
    Place.objects.create(name="Americká 42", kind="address", lat=IN_A[0], lon=IN_A[1])
    make_area(kind=AreaKind.MUNICIPALITY, code="554791", name="Plzeň", geometry=square(13.3, 49.7, 0.2))
    found = search(text="Americká 42, 301 00 Plzeň")
    assert [f.name for f in found] == ["Americká 42"]


# ------------------------------------------------------------------ /districts/


def test_district_search_finds_slovany_and_lists_the_choices(slovany: Area) -> None:
    make_area(kind=AreaKind.POLICE_DISTRICT, code="PLZ-03", name="Obvod Plzeň-Slovany", geometry=square(13.40, 49.73, 0.01))
    html = browser("en").get("/districts/", {"q": "Slovany"}).content.decode()
    assert 'id="district-matches"' in html
    assert f'?pick=area%3A{slovany.pk}"' in html and "Plzeň 2-Slovany" in html
    assert "Obvod Plzeň-Slovany" in html and "district-error" not in html


def test_district_search_by_a_city_district_shows_its_police_district_and_officer(slovany: Area) -> None:
    html = browser("en").get("/districts/", {"q": "slovany"}).content.decode()
    assert 'id="district-result" data-district-code="PD-A"' in html
    assert 'data-district-code="PD-B"' in html  # the part served by B is said too
    assert "npor. Jana Nováková" in html
    assert "Plzeň 2-Slovany is served by several police districts" in html


def test_a_choice_from_the_list_shows_its_district(slovany: Area) -> None:
    html = browser("en").get("/districts/", {"pick": f"area:{slovany.pk}"}).content.decode()
    assert 'data-district-code="PD-A"' in html
    html = browser("en").get("/districts/", {"pick": "area:abc"}).content.decode()
    assert 'id="district-error"' in html and "data-district-code" not in html


def test_district_search_escapes_names(district_a: Any) -> None:
    Place.objects.create(name="<b>Zlá</b> ulice", kind="street", lat=IN_A[0], lon=IN_A[1])
    Place.objects.create(name="<b>Zlá</b> ulička", kind="street", lat=IN_A[0], lon=IN_A[1])
    html = browser("en").get("/districts/", {"q": "zla"}).content.decode()
    assert "<b>Zlá</b>" not in html and "&lt;b&gt;Zlá&lt;/b&gt; ulice" in html


def test_the_demo_city_finds_slovany(db: Any) -> None:
    """The demo territory (Plzeň): "Slovany" names a city district and a police district."""
    from straz.demo.territory import create_places, create_territory

    create_territory()
    create_places()
    found = search(text="Slovany")
    names = [f.name for f in found]
    assert "Plzeň 2-Slovany" in names and "Obvod Plzeň-Slovany" in names
    city_district = next(f for f in found if f.name == "Plzeň 2-Slovany")
    served_by = [r.district.name for r in police_districts_for(city_district)]
    assert served_by and all(r.startswith("Obvod Plzeň-") for r in served_by)
    html = browser("cs").get("/districts/", {"q": "slovany"}).content.decode()
    assert 'id="district-matches"' in html and "Plzeň 2-Slovany" in html
