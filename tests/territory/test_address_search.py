"""Address search: diacritics, typos, number forms, parts of municipalities, the API's shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from straz.territory.addresses.importer import import_addresses
from straz.territory.addresses.rules import read_query
from straz.territory.addresses.search import search_addresses
from tests.territory.address_files import LHOTA, PLZEN, Point, ruian_csv, write

pytestmark = pytest.mark.django_db

ELSEWHERE = [
    # Another town with an "Americká" street: the town's name in the text decides.
    Point("55555551", "500011", "Rokycany", "Rokycany", "Americká", 100, 42, "", "33701", 49.74, 13.59),
    Point("55555552", "500011", "Rokycany", "Rokycany", "Americká", 101, 2, "", "33701", 49.7401, 13.5901),
]


@pytest.fixture
def addresses(tmp_path: Path, district_a: Any) -> None:
    import_addresses(paths=[write(tmp_path / "a.csv", ruian_csv([*PLZEN, *LHOTA, *ELSEWHERE]))])


def _labels(text: str, limit: int = 10) -> list[str]:
    return [found.label for found in search_addresses(text=text, limit=limit)]


def test_reading_the_typed_numbers() -> None:
    q = read_query("Americká 2244/42a, 301 00 Plzeň")
    assert (q.name, q.house_number, q.orientation_number, q.letter, q.slashed) == (
        "americka plzen", 2244, 42, "a", True
    )
    q = read_query("Americka 42")
    assert (q.name, q.house_number, q.orientation_number, q.slashed) == ("americka", 42, None, False)
    assert read_query("Lhota č. ev. 3").house_number == 3
    assert read_query("Lhota č. ev. 3").name == "lhota"


@pytest.mark.parametrize(
    "text",
    [
        "Americká 2244/42",
        "Americka 2244/42",
        "americká 42",
        "Amerciká 42",  # two letters swapped
        "Ameriká 42",  # one letter missing
        "Amerikka 42, Plzeň",  # one wrong, one doubled letter, with the town
        "Jižní Předměstí 2244",  # part of the municipality with the descriptive number
        "AMERICKA 2244/42 Plzen",
    ],
)
def test_americka_42_is_first(addresses: None, text: str) -> None:
    assert _labels(text)[0] == "Americká 2244/42, Jižní Předměstí, 301 00 Plzeň"


@pytest.mark.parametrize("adm", ["11111111", "11111112", "11111114", "22222221", "22222222", "55555551"])
def test_a_label_finds_its_own_address(addresses: None, adm: str) -> None:
    # The address box puts the chosen label into the page's address (?q=…).
    from straz.territory.models import AddressPoint

    label = str(AddressPoint.objects.get(source_code=adm))
    assert _labels(label)[0] == label


def test_orientation_letter(addresses: None) -> None:
    assert _labels("Americká 44a")[0] == "Americká 2245/44a, Jižní Předměstí, 301 00 Plzeň"


def test_the_town_decides_between_equal_streets(addresses: None) -> None:
    assert _labels("Americká 42 Rokycany")[0] == "Americká 100/42, 337 01 Rokycany"
    assert _labels("Americká 42 Plzeň")[0].endswith("Plzeň")


def test_a_descriptive_number_on_a_street_ranks_after_the_orientation_number(addresses: None) -> None:
    # "Náměstí Republiky 42" is č.p. 42 there, while Americká has č.o. 42 in two towns.
    labels = _labels("Náměstí Republiky 42")
    assert labels[0] == "Náměstí Republiky 42/7, Jižní Předměstí, 301 00 Plzeň"


def test_a_word_of_a_longer_name(addresses: None) -> None:
    assert _labels("Republiky 7")[0] == "Náměstí Republiky 42/7, Jižní Předměstí, 301 00 Plzeň"


def test_village_without_streets(addresses: None) -> None:
    assert _labels("Lhota 12")[0] == "Lhota 12, 301 00 Lhota"
    assert _labels("Lhota 3")[0] == "Lhota č. ev. 3, 301 00 Lhota"


def test_without_a_number_streets_and_parts_are_found(addresses: None) -> None:
    labels = _labels("skroupova")
    assert labels == ["Škroupova, Plzeň"]
    assert _labels("Jizni predm")[0] == "Jižní Předměstí, Plzeň"


def test_typing_a_prefix(addresses: None) -> None:
    assert set(_labels("Ameri")[:2]) == {"Americká, Plzeň", "Americká, Rokycany"}


def test_no_match_and_no_wild_guesses(addresses: None) -> None:
    assert _labels("Xyzzy 42") == []
    # Three wrong letters are too many.
    assert _labels("Omarycki 42") == []
    # A number on a street that has no such number.
    assert _labels("Škroupova 999") == []


def test_limit(addresses: None) -> None:
    assert len(_labels("Americká", limit=1)) == 1


def test_new_import_is_searchable_at_once(addresses: None, tmp_path: Path) -> None:
    extra = [Point("77", "554791", "Plzeň", "Doubravka", "Zábělská", 5, 9, "", "31200", 49.76, 13.42)]
    import_addresses(paths=[write(tmp_path / "b.csv", ruian_csv([*PLZEN, *extra]))])
    assert _labels("Zabelska 9")[0] == "Zábělská 5/9, Doubravka, 312 00 Plzeň"


# ------------------------------------------------------------------------------ the API


def test_api_shape_with_district_and_public_officer(addresses: None, citizen: Client) -> None:
    response = citizen.get("/api/v1/addresses", {"q": "Amerika 2244/42", "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 1
    first = body[0]
    assert first["label"] == "Americká 2244/42, Jižní Předměstí, 301 00 Plzeň"
    assert first["lat"] == pytest.approx(49.741, abs=1e-6)
    assert first["district"] == {"code": "PD-A", "name": "Obvod A"}
    assert first["officer"] == {
        "name": "npor. Jana Nováková",
        "rank": "",
        "phone": "+420 974 000 001",
        "email": "a@policie.example",
        "office": "",
        "office_hours": "",
    }


def test_api_outside_every_district(addresses: None, citizen: Client) -> None:
    body = citizen.get("/api/v1/addresses", {"q": "Americká 2 Rokycany"}).json()
    assert body[0]["label"] == "Americká 101/2, 337 01 Rokycany"
    assert body[0]["district"] is None and body[0]["officer"] is None


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 101}, {"q": "Americká", "limit": 0}, {"q": "A", "limit": 21}])
def test_api_bad_input(addresses: None, citizen: Client, params: dict[str, Any]) -> None:
    response = citizen.get("/api/v1/addresses", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["detail"]


# ------------------------------------------------------------------ the pages without JS


def test_district_page_finds_an_address_without_javascript(addresses: None, citizen: Client) -> None:
    html = citizen.get("/districts/", {"q": "Amerikka 2244/42"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Address: Americká 2244/42, Jižní Předměstí, 301 00 Plzeň" in html
    assert 'id="district-name"' in html and "Obvod A" in html
    assert "npor. Jana Nováková" in html


def test_district_page_address_outside_every_district(addresses: None, citizen: Client) -> None:
    html = citizen.get("/districts/", {"q": "Americká 2 Rokycany"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This place is outside the districts we cover." in html


def test_report_geocoding_reads_address_points(addresses: None) -> None:
    from straz.territory.services import geocode

    lat, lon = geocode(text="Amerika 44a, Plzeň") or (0.0, 0.0)
    assert (lat, lon) == pytest.approx((49.7412, 13.373), abs=1e-6)
