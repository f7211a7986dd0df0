"""Public territory API: district lookup, district list and polygons, gazetteer search."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from straz.territory.models import Area, Place

pytestmark = pytest.mark.django_db


def test_lookup_returns_district_and_officer_contacts(
    citizen: Client, district_a: Area, district_b: Area
) -> None:
    officer = district_a.primary_officer
    officer.rank = "npor."
    officer.office = "Obvodní oddělení Plzeň-střed"
    officer.office_hours = "Po 8–12"
    officer.save()
    response = citizen.get("/api/v1/districts/lookup", {"lat": 49.74, "lon": 13.37})
    assert response.status_code == 200
    assert response.json() == {
        "district": {"code": "PD-A", "name": "Obvod A"},
        "officer": {
            "name": "npor. Jana Nováková",
            "rank": "npor.",
            "phone": "+420 974 000 001",
            "email": "a@policie.example",
            "office": "Obvodní oddělení Plzeň-střed",
            "office_hours": "Po 8–12",
        },
    }
    response = citizen.get("/api/v1/districts/lookup", {"lat": 49.74, "lon": 13.47})
    assert response.status_code == 200 and response.json()["officer"] is None


def test_lookup_outside_every_district_is_404_in_the_users_language(
    citizen: Client, district_a: Area
) -> None:
    response = citizen.get(
        "/api/v1/districts/lookup", {"lat": 50.0, "lon": 14.0}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "This place is outside every police district we know."}


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"lon": 13.37}, "lat"),
        ({"lat": 49.74}, "lon"),
        ({}, "lat"),
        ({"lat": 91, "lon": 13}, "lat"),
        ({"lat": 49, "lon": -180.5}, "lon"),
        ({"lat": "nan", "lon": 13}, "lat"),
    ],
)
def test_lookup_rejects_missing_or_out_of_range_coordinates(
    citizen: Client, district_a: Area, params: dict[str, Any], word: str
) -> None:
    response = citizen.get("/api/v1/districts/lookup", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert word in response.json()["detail"]


def test_lookup_rejects_text(citizen: Client, district_a: Area) -> None:
    response = citizen.get("/api/v1/districts/lookup", {"lat": "north", "lon": 13})
    assert response.status_code == 422


def test_district_list_and_polygons(citizen: Client, district_a: Area, district_b: Area) -> None:
    Area.objects.create(
        kind="municipality",
        code="554791",
        name="Plzeň",
        geometry=district_a.geometry,
        min_lon=0,
        min_lat=0,
        max_lon=1,
        max_lat=1,
    )
    inactive = Area.objects.create(
        kind="police-district",
        code="PD-Z",
        name="Zrušený",
        geometry=district_a.geometry,
        is_active=False,
        min_lon=0,
        min_lat=0,
        max_lon=1,
        max_lat=1,
    )
    listing = citizen.get("/api/v1/districts").json()
    assert [(d["code"], d["name"], d["population"]) for d in listing] == [
        ("PD-A", "Obvod A", 40000),
        ("PD-B", "Obvod B", 30000),
    ]
    assert listing[0]["bbox"] == pytest.approx([13.35, 49.72, 13.39, 49.76])
    assert listing[1]["bbox"] == pytest.approx([13.45, 49.72, 13.49, 49.76])
    response = citizen.get("/api/v1/districts/geojson")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    doc = response.json()
    assert doc["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in doc["features"]] == ["PD-A", "PD-B"]
    assert doc["features"][0]["geometry"] == district_a.geometry
    assert "crs" not in doc
    assert inactive.code not in response.content.decode()
    # Revalidation: unchanged districts answer 304, any change gives a new ETag.
    etag = response["ETag"]
    again = citizen.get("/api/v1/districts/geojson", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    district_b.name = "Obvod B (nový)"
    district_b.save()
    changed = citizen.get("/api/v1/districts/geojson", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Obvod B (nový)" in changed.content.decode()


def test_place_search(citizen: Client, district_a: Area) -> None:
    Place.objects.create(
        name="náměstí Republiky", kind="landmark", lat=49.7477, lon=13.3776, area=district_a
    )
    Place.objects.create(name="Republikánská", kind="street", lat=49.70, lon=13.30)
    response = citizen.get("/api/v1/places", {"q": "namesti rep"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "name": "náměstí Republiky",
            "kind": "landmark",
            "lat": 49.7477,
            "lon": 13.3776,
            "district": "Obvod A",
        }
    ]
    assert len(citizen.get("/api/v1/places", {"q": "republ"}).json()) == 2
    assert citizen.get("/api/v1/places", {"q": "zzz"}).json() == []
    assert citizen.get("/api/v1/places").status_code == 422
    assert citizen.get("/api/v1/places", {"q": "x" * 101}).status_code == 422


def test_openapi_documents_the_territory_endpoints(citizen: Client) -> None:
    paths = citizen.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/districts/lookup",
        "/api/v1/districts",
        "/api/v1/districts/geojson",
        "/api/v1/places",
    ):
        assert path in paths


def test_back_office_lists_areas_officers_and_places(
    client_for: Any, admin_user: Any, district_a: Area
) -> None:
    Place.objects.create(name="Americká", kind="street", lat=49.7444, lon=13.38, area=district_a)
    client = client_for(admin_user)
    for url in (
        "/admin/territory/area/",
        "/admin/territory/area/?kind__exact=police-district",
        f"/admin/territory/area/{district_a.pk}/change/",
        "/admin/territory/officer/",
        f"/admin/territory/officer/{district_a.primary_officer_id}/change/",
        "/admin/territory/place/",
        "/admin/territory/place/?kind__exact=street",
        "/admin/territory/place/add/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Obvod A" in client.get("/admin/territory/area/").content.decode()
