"""GET /api/v1/map: clusters and points, filters, privacy of locations, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import h3
import pytest
from django.test import Client

from straz.reports.map import aggregates
from straz.reports.models import CrimeRecord, CrimeType, MapCell, Report
from tests.reports.map_helpers import change_status, create_report, features

PLZEN_BBOX = "13.30,49.70,13.45,49.78"


def get_map(client: Client, **params: Any) -> Any:
    return client.get("/api/v1/map", {"bbox": PLZEN_BBOX, "zoom": 12, **params})


def total(client: Client, **params: Any) -> int:
    # A cluster of one is drawn as its report, which counts one.
    return sum(f["properties"].get("count", 1) for f in features(get_map(client, **params)))


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


@pytest.mark.django_db
def test_clusters_carry_count_cell_and_the_mean_public_location(
    citizen: Client, categories: dict[str, Any], now: datetime
) -> None:
    a = create_report(categories["dump"], 49.7400, 13.3700, now=now)
    b = create_report(categories["dump"], 49.7402, 13.3704, now=now)
    fs = features(get_map(citizen, zoom=5))
    assert len(fs) == 1
    f = fs[0]
    assert f["properties"]["kind"] == "cluster" and f["properties"]["count"] == 2
    assert h3.is_valid_cell(f["properties"]["cell"])
    lon, lat = f["geometry"]["coordinates"]
    assert lat == pytest.approx((a.public_lat + b.public_lat) / 2, abs=1e-6)
    assert lon == pytest.approx((a.public_lon + b.public_lon) / 2, abs=1e-6)
    # Clusters never carry report details.
    assert set(f["properties"]) == {"kind", "count", "cell"}


@pytest.mark.django_db
def test_response_is_geojson_with_revalidation_headers(
    citizen: Client, categories: dict[str, Any], now: datetime
) -> None:
    create_report(categories["dump"], 49.74, 13.37, now=now)
    r = get_map(citizen)
    assert r["Content-Type"] == "application/geo+json"
    assert "no-cache" in r["Cache-Control"]
    again = citizen.get(
        "/api/v1/map", {"bbox": PLZEN_BBOX, "zoom": 12}, headers={"if-none-match": r["ETag"]}
    )
    assert again.status_code == 304
    create_report(categories["dump"], 49.741, 13.371, now=now)
    changed = citizen.get(
        "/api/v1/map", {"bbox": PLZEN_BBOX, "zoom": 12}, headers={"if-none-match": r["ETag"]}
    )
    assert changed.status_code == 200 and changed["ETag"] != r["ETag"]


@pytest.mark.django_db
def test_street_zoom_shows_single_public_reports_without_private_fields(
    citizen: Client, categories: dict[str, Any], now: datetime
) -> None:
    primary = create_report(
        categories["dump"], 49.7400, 13.3700, now=now, description="SECRET-DESC"
    )
    create_report(
        categories["dump"], 49.7401, 13.3701, now=now, duplicate_of=primary, description="SECRET-2"
    )
    bbox = "13.3690,49.7395,13.3710,49.7405"
    r = citizen.get("/api/v1/map", {"bbox": bbox, "zoom": 17})
    fs = features(r)
    assert r.json()["mode"] == "points"
    assert len(fs) == 1  # the duplicate is not shown on its own
    props = fs[0]["properties"]
    assert props == {
        "kind": "report",
        "id": primary.pk,
        "status": "new",
        "category": "illegal-dump",
        "color": props["color"],
        "also_reported": 1,
        "date": primary.created_at.astimezone(ZoneInfo("Europe/Prague")).date().isoformat(),
    }
    assert props["color"].startswith("#")
    body = r.content.decode()
    assert "SECRET" not in body and "192.0.2.77" not in body
    # Zoomed out, a cluster of one is still the report itself, with its status colour.
    (alone,) = features(citizen.get("/api/v1/map", {"bbox": bbox, "zoom": 12}))
    assert alone["properties"]["kind"] == "report" and alone["properties"]["id"] == primary.pk
    assert alone["properties"]["color"] == props["color"]


@pytest.mark.django_db
def test_street_zoom_with_many_reports_stays_clustered(
    citizen: Client, categories: dict[str, Any], now: datetime, monkeypatch: Any
) -> None:
    from straz.reports.map import api as map_api

    monkeypatch.setattr(map_api, "POINTS_MAX", 3)
    for i in range(5):
        create_report(categories["dump"], 49.7400 + i * 0.00005, 13.3700, now=now)
    r = citizen.get("/api/v1/map", {"bbox": "13.3690,49.7395,13.3710,49.7405", "zoom": 17})
    assert r.json()["mode"] == "clusters" and r.json()["total"] == 5
    assert sum(f["properties"].get("count", 1) for f in features(r)) == 5


@pytest.mark.django_db
def test_approximated_category_never_reveals_the_exact_point(
    citizen: Client, categories: dict[str, Any], now: datetime
) -> None:
    exact = (49.74123, 13.37456)
    r = create_report(categories["drugs"], *exact, now=now)
    assert (r.public_lat, r.public_lon) != exact
    for zoom in range(0, 21):
        pad = 0.01
        bbox = f"{exact[1] - pad},{exact[0] - pad},{exact[1] + pad},{exact[0] + pad}"
        resp = citizen.get("/api/v1/map", {"bbox": bbox, "zoom": zoom})
        fs = features(resp)
        assert len(fs) == 1, zoom
        lon, lat = fs[0]["geometry"]["coordinates"]
        assert (lat, lon) == pytest.approx((r.public_lat, r.public_lon), abs=1e-6)
        assert "49.74123" not in resp.content.decode() and "13.37456" not in resp.content.decode()


@pytest.mark.django_db
def test_confirmed_only_category_appears_once_confirmed(
    citizen: Client, categories: dict[str, Any], now: datetime
) -> None:
    r = create_report(categories["venue"], 49.74, 13.37, now=now)
    assert total(citizen) == 0
    change_status(r.pk, "verification", now=now)
    assert total(citizen) == 0
    change_status(r.pk, "confirmed", now=now)
    assert total(citizen) == 1
    assert total(citizen, status="confirmed") == 1


@pytest.mark.django_db
def test_category_status_and_period_filters(
    citizen: Client, categories: dict[str, Any], now: datetime
) -> None:
    create_report(categories["dump"], 49.74, 13.37, now=now)
    old = create_report(
        categories["dump"], 49.75, 13.38, now=now, created_at=now - timedelta(days=20)
    )
    create_report(categories["drugs"], 49.73, 13.36, now=now, created_at=now - timedelta(days=200))
    change_status(old.pk, "verification", now=now)
    assert total(citizen) == 3
    assert total(citizen, category="illegal-dump") == 2
    assert total(citizen, category="illegal-dump,drug-use") == 3
    assert total(citizen, status="new") == 2
    assert total(citizen, status="new,verification") == 3
    assert total(citizen, category="illegal-dump", status="verification") == 1
    assert total(citizen, period="7d") == 1
    assert total(citizen, period="30d") == 2
    assert total(citizen, period="365d") == 3
    assert total(citizen, period="all") == 3
    assert total(citizen, period="30d", category="drug-use") == 0
    # The same filters hold at the leaf-only resolutions (street zoom, clusters forced).
    for zoom in (15, 17):
        bbox = "13.355,49.725,13.385,49.755"
        fs = features(citizen.get("/api/v1/map", {"bbox": bbox, "zoom": zoom, "status": "new"}))
        assert sum(f["properties"].get("count", 1) for f in fs) == 2


@pytest.mark.django_db
def test_the_map_expires_faded_reports_before_answering(
    citizen: Client, categories: dict[str, Any], now: datetime
) -> None:
    long_ago = now - timedelta(days=40)
    r = create_report(categories["dump"], 49.74, 13.37, now=long_ago)
    change_status(r.pk, "verification", now=long_ago)
    change_status(r.pk, "not_confirmed", now=long_ago)  # public until 10 days ago
    assert MapCell.objects.filter(layer=1).exists()
    assert total(citizen) == 0
    assert not Report.objects.get(pk=r.pk).is_public
    assert not MapCell.objects.filter(layer=1).exists()


@pytest.mark.django_db
def test_police_layer(citizen: Client, categories: dict[str, Any], now: datetime) -> None:
    CrimeType.objects.create(id=42, name="Krádež")
    rec = CrimeRecord.objects.create(
        external_id="p1",
        occurred_at=now - timedelta(days=3),
        lat=49.7401,
        lon=13.3702,
        public_lat=49.74,
        public_lon=13.37,
        primary_type_id=42,
        imported_at=now,
    )
    aggregates.apply_change(old=None, new=aggregates.footprint_of(rec))
    create_report(categories["dump"], 49.74, 13.37, now=now)
    assert total(citizen, layer="police") == 1
    assert total(citizen, layer="police", category="42") == 1
    assert total(citizen, layer="police", period="7d") == 1
    assert total(citizen) == 1  # the citizen layer is separate
    assert get_map(citizen, layer="police", category="43").status_code == 422
    assert get_map(citizen, layer="police", status="new").status_code == 422
    fs = features(
        citizen.get(
            "/api/v1/map", {"bbox": "13.369,49.739,13.371,49.741", "zoom": 18, "layer": "police"}
        )
    )
    assert [f["properties"]["kind"] for f in fs] == ["cluster"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"bbox": None},
        {"bbox": ""},
        {"bbox": "13,49,14"},
        {"bbox": "a,b,c,d"},
        {"bbox": "13,49,14,nan"},
        {"bbox": "14,49,13,50"},
        {"bbox": "13,50,14,49"},
        {"bbox": "-181,49,14,50"},
        {"bbox": "13,-91,14,50"},
        {"zoom": 21},
        {"zoom": -1},
        {"zoom": "x"},
        {"zoom": None},
        {"category": "no-such-category"},
        {"category": "illegal-dump,nope"},
        {"status": "open"},
        {"period": "2d"},
        {"layer": "cctv"},
        {"category": ",".join(["illegal-dump"] * 61)},
    ],
)
def test_bad_input_is_refused_with_a_message(
    citizen: Client, categories: dict[str, Any], params: dict[str, Any]
) -> None:
    query = {"bbox": PLZEN_BBOX, "zoom": 12, **params}
    query = {k: v for k, v in query.items() if v is not None}
    before = MapCell.objects.count()
    r = citizen.get("/api/v1/map", query, headers={"accept-language": "en"})
    assert r.status_code == 422, r.content
    detail = r.json()["detail"]
    assert isinstance(detail, str) and len(detail) > 10
    assert MapCell.objects.count() == before


@pytest.mark.django_db
def test_huge_and_degenerate_viewports_are_answered(
    citizen: Client, categories: dict[str, Any], now: datetime
) -> None:
    create_report(categories["dump"], 49.74, 13.37, now=now)
    for bbox, zoom in [
        ("-180,-90,180,90", 0),
        ("-180,-90,180,90", 20),
        ("13.37,49.74,13.37,49.74", 17),
        ("13.37,49.74,13.37,49.74", 3),
    ]:
        r = citizen.get("/api/v1/map", {"bbox": bbox, "zoom": zoom})
        fs = features(r)
        assert sum(f["properties"].get("count", 1) for f in fs) == 1, (bbox, zoom)


@pytest.mark.django_db
def test_openapi_describes_the_map(citizen: Client) -> None:
    doc = citizen.get("/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/map"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {"bbox", "zoom", "category", "status", "period", "layer"} <= names
    assert "200" in op["responses"] and "422" in op["responses"]


@pytest.mark.django_db
def test_approximated_report_shows_at_its_coarse_centre_even_when_the_exact_point_is_off_screen(
    citizen: Client, categories: dict[str, Any], now: datetime
) -> None:
    from straz.geo import h3grid

    exact = (49.74123, 13.37456)
    r = create_report(categories["drugs"], *exact, now=now)
    pad = 0.0004
    bbox = f"{r.public_lon - pad},{r.public_lat - pad},{r.public_lon + pad},{r.public_lat + pad}"
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox.split(","))
    assert not (min_lat <= exact[0] <= max_lat and min_lon <= exact[1] <= max_lon)
    assert h3grid.point_cell(*exact, 9) not in h3grid.cover_bbox(
        (min_lon, min_lat, max_lon, max_lat), 9
    )
    resp = citizen.get("/api/v1/map", {"bbox": bbox, "zoom": 18})
    fs = features(resp)
    assert resp.json()["mode"] == "points"
    assert [f["properties"]["id"] for f in fs] == [r.pk]
    assert fs[0]["geometry"]["coordinates"] == [round(r.public_lon, 6), round(r.public_lat, 6)]
