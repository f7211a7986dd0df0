"""GeoJSON parsing: validation that names the feature and the reason, RFC 7946 winding, bbox."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from straz.geo.geojson import (
    GeoErrorCode,
    GeoJSONError,
    bbox_of,
    normalise_winding,
    parse_features,
    parse_geometry,
    to_geojson,
)

BOUNDARIES = Path(__file__).resolve().parents[3] / "shared" / "data" / "boundaries"


def fc(*geometries: Any) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"n": i}, "geometry": g}
            for i, g in enumerate(geometries)
        ],
    }


def square(lon: float, lat: float, size: float, *, clockwise: bool = False) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    if clockwise:
        ring.reverse()
    return {"type": "Polygon", "coordinates": [ring]}


def codes(exc: GeoJSONError) -> list[tuple[int | None, GeoErrorCode]]:
    return [(e.feature_index, e.code) for e in exc.errors]


def only_error(source: Any) -> Any:
    with pytest.raises(GeoJSONError) as info:
        parse_features(source)
    assert len(info.value.errors) == 1, info.value.errors
    return info.value.errors[0]


# ----------------------------------------------------------------------------- properties

lons = st.floats(min_value=-179.0, max_value=178.0, allow_nan=False)
lats = st.floats(min_value=-89.0, max_value=88.0, allow_nan=False)
sizes = st.floats(min_value=1e-4, max_value=1.0, allow_nan=False)


@st.composite
def star_polygons(draw: Any) -> list[list[float]]:
    """A simple (non-self-intersecting) polygon: points at sorted angles around a centre."""
    cx = draw(st.floats(min_value=-170, max_value=170))
    cy = draw(st.floats(min_value=-80, max_value=80))
    n = draw(st.integers(min_value=3, max_value=24))
    angles = sorted(
        draw(
            st.lists(
                st.floats(min_value=0, max_value=2 * math.pi - 1e-3),
                min_size=n,
                max_size=n,
                unique=True,
            )
        )
    )
    assume(all(b - a > 1e-2 for a, b in itertools.pairwise(angles)))
    radii = draw(st.lists(st.floats(min_value=0.05, max_value=5.0), min_size=n, max_size=n))
    ring = [
        [round(cx + r * math.cos(a), 9), round(cy + r * math.sin(a), 9)]
        for a, r in zip(angles, radii, strict=True)
    ]
    ring.append(list(ring[0]))
    return ring


@settings(max_examples=150, deadline=None)
@given(star_polygons(), st.booleans())
def test_valid_polygons_come_back_counter_clockwise_with_exact_bbox(
    ring: list[list[float]], reverse: bool
) -> None:
    poly = Polygon(ring)
    assume(poly.is_valid and poly.area > 1e-6)
    coords = list(reversed(ring)) if reverse else ring
    [feature] = parse_features({"type": "Polygon", "coordinates": [coords]})
    geom = feature.geometry
    assert geom.exterior.is_ccw
    assert math.isclose(geom.area, poly.area, rel_tol=1e-9)
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    assert feature.bbox == (min(xs), min(ys), max(xs), max(ys))
    # Output round-trips and stays in the right-hand orientation.
    again = parse_geometry(feature.geometry_geojson())
    assert again.exterior.is_ccw and math.isclose(again.area, poly.area, rel_tol=1e-9)


@settings(max_examples=100, deadline=None)
@given(lons, lats, sizes, sizes)
def test_holes_are_clockwise_after_normalising(lon: float, lat: float, w: float, h: float) -> None:
    outer = [
        [lon, lat],
        [lon, lat + h],
        [lon + w, lat + h],
        [lon + w, lat],
        [lon, lat],
    ]  # clockwise
    hole = [
        [lon + w / 4, lat + h / 4],
        [lon + 3 * w / 4, lat + h / 4],
        [lon + 3 * w / 4, lat + 3 * h / 4],
        [lon + w / 4, lat + 3 * h / 4],
        [lon + w / 4, lat + h / 4],
    ]  # counter-clockwise: wrong for a hole
    assume(Polygon(outer, [hole]).is_valid)
    geom = parse_geometry({"type": "Polygon", "coordinates": [outer, hole]})
    assert geom.exterior.is_ccw
    assert not geom.interiors[0].is_ccw
    out = to_geojson(geom)
    assert out["type"] == "Polygon" and isinstance(out["coordinates"][0][0], list)


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.tuples(st.floats(min_value=180.0001, max_value=1e6), lats),
        st.tuples(st.floats(max_value=-180.0001, min_value=-1e6), lats),
        st.tuples(lons, st.floats(min_value=90.0001, max_value=1e6)),
        st.tuples(lons, st.floats(max_value=-90.0001, min_value=-1e6)),
    ),
    st.integers(min_value=0, max_value=3),
)
def test_out_of_range_coordinates_name_the_feature_and_the_point(
    bad: tuple[float, float], position: int
) -> None:
    good = square(13.3, 49.7, 0.1)
    broken = square(13.3, 49.7, 0.1)
    ring = broken["coordinates"][0]
    ring[position] = list(bad)
    if position == 0:
        ring[-1] = list(bad)
    error = only_error(fc(good, good, broken))
    assert error.feature_index == 2
    assert error.code is GeoErrorCode.OUT_OF_RANGE
    assert (error.params["lon"], error.params["lat"]) == bad


@settings(max_examples=60, deadline=None)
@given(lons, lats, sizes)
def test_unclosed_rings_are_refused(lon: float, lat: float, size: float) -> None:
    geom = square(lon, lat, size)
    geom["coordinates"][0].pop()  # drop the closing point (4 points left)
    geom["coordinates"][0].append([lon + size / 2, lat + size / 2])  # still 5 points, not closed
    error = only_error(fc(geom))
    assert error.code is GeoErrorCode.UNCLOSED_RING
    assert error.feature_index == 0
    assert error.params["first"] == [lon, lat]


@settings(max_examples=60, deadline=None)
@given(lons, lats, sizes)
def test_bow_ties_report_where_they_cross(lon: float, lat: float, size: float) -> None:
    ring = [[lon, lat], [lon + size, lat + size], [lon + size, lat], [lon, lat + size], [lon, lat]]
    error = only_error(fc(square(0, 0, 1), {"type": "Polygon", "coordinates": [ring]}))
    assert error.feature_index == 1
    assert error.code is GeoErrorCode.SELF_INTERSECTION
    assert math.isclose(error.params["lon"], lon + size / 2, abs_tol=1e-6)
    assert math.isclose(error.params["lat"], lat + size / 2, abs_tol=1e-6)


# ----------------------------------------------------------------------------- examples


def test_not_json_says_where() -> None:
    error = only_error('{"type": "FeatureCollection", "features": [}')
    assert error.code is GeoErrorCode.NOT_JSON
    assert error.feature_index is None
    assert error.params["line"] == 1 and error.params["column"] > 1


def test_nan_is_not_a_coordinate() -> None:
    text = '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [NaN, 1], [0, 0]]]}'
    assert only_error(text).code is GeoErrorCode.NOT_JSON


@pytest.mark.parametrize(
    ("doc", "code", "index"),
    [
        ([], GeoErrorCode.WRONG_TYPE, None),
        ({"type": "Topology"}, GeoErrorCode.WRONG_TYPE, None),
        ({"type": "FeatureCollection", "features": []}, GeoErrorCode.NO_FEATURES, None),
        ({"type": "FeatureCollection"}, GeoErrorCode.NO_FEATURES, None),
        ({"type": "Feature", "properties": {}}, GeoErrorCode.MISSING_GEOMETRY, 0),
        ({"type": "Feature", "geometry": None, "properties": {}}, GeoErrorCode.MISSING_GEOMETRY, 0),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}},
            GeoErrorCode.UNSUPPORTED_GEOMETRY,
            0,
        ),
        ({"type": "Polygon", "coordinates": []}, GeoErrorCode.EMPTY, 0),
        ({"type": "MultiPolygon", "coordinates": []}, GeoErrorCode.EMPTY, 0),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]},
            GeoErrorCode.TOO_FEW_POINTS,
            0,
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 1], [0, 0]]]},
            GeoErrorCode.TOO_FEW_POINTS,
            0,
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]},
            GeoErrorCode.SELF_INTERSECTION,
            0,
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], ["1", 0], [1, 1], [0, 0]]]},
            GeoErrorCode.BAD_COORDINATES,
            0,
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [True, 0], [1, 1], [0, 0]]]},
            GeoErrorCode.BAD_COORDINATES,
            0,
        ),
        ({"type": "Polygon", "coordinates": [[0, 0, 1, 1]]}, GeoErrorCode.BAD_COORDINATES, 0),
        ({"type": "Polygon", "coordinates": None}, GeoErrorCode.BAD_COORDINATES, 0),
        (
            {"type": "Feature", "geometry": square(0, 0, 1), "properties": [1]},
            GeoErrorCode.WRONG_TYPE,
            0,
        ),
        (
            {
                "type": "Polygon",
                "crs": {"type": "name", "properties": {"name": "EPSG:2180"}},
                "coordinates": [],
            },
            GeoErrorCode.UNSUPPORTED_CRS,
            None,
        ),
    ],
)
def test_each_kind_of_bad_input_has_its_own_code(
    doc: Any, code: GeoErrorCode, index: int | None
) -> None:
    error = only_error(json.dumps(doc))
    assert error.code is code
    assert error.feature_index == index


def test_every_bad_feature_is_listed_with_its_index() -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    doc = fc(square(0, 0, 1), bowtie, square(0, 0, 1), None, square(200, 0, 1))
    with pytest.raises(GeoJSONError) as info:
        parse_features(doc)
    assert codes(info.value) == [
        (1, GeoErrorCode.SELF_INTERSECTION),
        (3, GeoErrorCode.MISSING_GEOMETRY),
        (4, GeoErrorCode.OUT_OF_RANGE),
    ]


def test_a_hopeless_file_stops_after_max_errors_and_says_so() -> None:
    from straz.geo.geojson import MAX_ERRORS

    doc = fc(*[None] * (MAX_ERRORS + 10))
    with pytest.raises(GeoJSONError) as info:
        parse_features(doc)
    errors = info.value.errors
    assert len(errors) == MAX_ERRORS + 1
    assert all(e.code is GeoErrorCode.MISSING_GEOMETRY for e in errors[:-1])
    assert errors[-1].code is GeoErrorCode.TOO_MANY_ERRORS and errors[-1].feature_index is None
    assert errors[-1].params == {"shown": MAX_ERRORS, "after": MAX_ERRORS - 1}
    # Exactly MAX_ERRORS bad features and nothing after them: no "stopped" note.
    with pytest.raises(GeoJSONError) as info:
        parse_features(fc(*[None] * MAX_ERRORS))
    assert len(info.value.errors) == MAX_ERRORS


def test_overlapping_parts_of_a_multipolygon_are_refused() -> None:
    doc = {
        "type": "MultiPolygon",
        "coordinates": [square(0, 0, 2)["coordinates"], square(1, 1, 2)["coordinates"]],
    }
    assert only_error(doc).code is GeoErrorCode.SELF_INTERSECTION


def test_hole_outside_its_shell_is_an_invalid_polygon_with_a_place() -> None:
    outer = square(0, 0, 4)["coordinates"][0]
    hole = square(5, 5, 1, clockwise=True)["coordinates"][0]
    error = only_error({"type": "Polygon", "coordinates": [outer, hole]})
    assert error.code is GeoErrorCode.INVALID_POLYGON
    assert "outside" in error.params["reason"].lower()
    assert (error.params["lon"], error.params["lat"]) == (5.0, 5.0)


def test_wgs84_crs_member_is_accepted_and_properties_kept() -> None:
    doc = fc(square(13.3, 49.7, 0.1))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    [feature] = parse_features(json.dumps(doc).encode())
    assert feature.properties == {"n": 0}
    assert feature.bbox == pytest.approx((13.3, 49.7, 13.4, 49.8))


def test_normalise_winding_and_bbox_on_a_multipolygon() -> None:
    geom = shapely.MultiPolygon(
        [Polygon([(0, 0), (0, 1), (1, 1), (1, 0)]), Polygon([(3, 3), (3, 4), (5, 4), (5, 3)])]
    )
    out = normalise_winding(geom)
    assert all(p.exterior.is_ccw for p in out.geoms)
    assert bbox_of(out) == (0.0, 0.0, 5.0, 4.0)


# ----------------------------------------------------------------------------- real files


def _boundary(name: str) -> bytes:
    path = BOUNDARIES / name
    if not path.exists():
        pytest.fail(f"test data missing: {path}")
    return path.read_bytes()


def test_all_144_municipalities_of_kujawsko_pomorskie_parse_and_are_rewound() -> None:
    raw = json.loads(_boundary("pl-kujawsko-pomorskie-gminy.geojson"))
    # The source writes clockwise exteriors; the parser must turn them round.
    assert not shapely.geometry.shape(raw["features"][0]["geometry"]).geoms[0].exterior.is_ccw
    features = parse_features(raw)
    assert len(features) == 144
    assert len({f.properties["kod"] for f in features}) == 144
    assert all(
        p.exterior.is_ccw for f in features for p in getattr(f.geometry, "geoms", [f.geometry])
    )
    torun = next(f for f in features if f.properties["nazwa"] == "M. Toruń")
    assert torun.geometry.contains(shapely.Point(18.6057, 53.0103))  # Rynek Staromiejski
    min_lon, min_lat, max_lon, max_lat = torun.bbox
    assert 18.4 < min_lon < 18.6 < max_lon < 18.8 and 52.9 < min_lat < 53.0 < max_lat < 53.1


def test_czech_outline_parses() -> None:
    [feature] = parse_features(_boundary("cz-outline.geojson"))
    assert feature.geometry.contains(shapely.Point(14.4205, 50.0875))  # Prague
    assert feature.geometry.contains(shapely.Point(13.3776, 49.7477))  # Plzeň
    assert not feature.geometry.contains(shapely.Point(16.9252, 52.4064))  # Poznań


def test_simplified_voivodeships_are_refused_with_every_self_intersection_located() -> None:
    with pytest.raises(GeoJSONError) as info:
        parse_features(_boundary("pl-wojewodztwa.geojson"))
    errors = info.value.errors
    assert {e.code for e in errors} == {GeoErrorCode.SELF_INTERSECTION}
    assert [e.feature_index for e in errors] == [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 15]
    first = errors[0]
    assert (first.params["lon"], first.params["lat"]) == pytest.approx((16.8231, 54.3379))


def test_deep_nesting_is_a_structured_error_not_a_crash() -> None:
    from straz.geo.geojson import MAX_DEPTH, GeoErrorCode, GeoJSONError, load_json, parse_geometry

    for text in ("[" * 100_000, "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)):
        with pytest.raises(GeoJSONError) as info:
            load_json(text)
        assert [e.code for e in info.value.errors] == [GeoErrorCode.TOO_DEEP]
    # The limit itself is fine: only deeper is refused.
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    deep: list[object] = []
    for _ in range(5_000):
        deep = [deep]
    with pytest.raises(GeoJSONError) as info:
        parse_geometry({"type": "Polygon", "coordinates": deep})
    assert [e.code for e in info.value.errors] == [GeoErrorCode.TOO_DEEP]
