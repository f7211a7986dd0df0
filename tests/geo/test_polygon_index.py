"""Point-in-polygon index: matches brute force, vectorised = scalar, deterministic overlaps."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from straz.geo.geojson import parse_features
from straz.geo.polygon_index import PolygonIndex

BOUNDARIES = Path(__file__).resolve().parents[3] / "shared" / "data" / "boundaries"

coordinates = st.tuples(
    st.floats(min_value=-1.0, max_value=6.0, allow_nan=False),
    st.floats(min_value=-1.0, max_value=6.0, allow_nan=False),
)


@st.composite
def boxes(draw: st.DrawFn) -> list[tuple[str, shapely.Geometry]]:
    """A handful of random, possibly overlapping rectangles within [0, 5]²."""
    n = draw(st.integers(min_value=1, max_value=8))
    out = []
    for i in range(n):
        x0 = draw(st.floats(min_value=0, max_value=4.5))
        y0 = draw(st.floats(min_value=0, max_value=4.5))
        w = draw(st.floats(min_value=0.05, max_value=5 - x0))
        h = draw(st.floats(min_value=0.05, max_value=5 - y0))
        out.append((f"k{i}", box(x0, y0, x0 + w, y0 + h)))
    return out


def brute_force(items: list[tuple[str, shapely.Geometry]], x: float, y: float) -> str | None:
    """Reference answer: smallest polygon covering the point, first inserted on ties."""
    hits = [
        (geom.area, i, key) for i, (key, geom) in enumerate(items) if geom.intersects(Point(x, y))
    ]
    return min(hits)[2] if hits else None


@settings(max_examples=150, deadline=None)
@given(boxes(), st.lists(coordinates, min_size=1, max_size=40))
def test_agrees_with_brute_force_and_scalar_equals_vectorised(
    items: list[tuple[str, shapely.Geometry]], points: list[tuple[float, float]]
) -> None:
    index = PolygonIndex(items)
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    many = index.locate_many(xs, ys)
    assert many == [brute_force(items, x, y) for x, y in points]
    assert many == [index.locate(x, y) for x, y in points]
    indices = index.locate_indices(np.array(xs), np.array(ys))
    assert [items[i][0] if i >= 0 else None for i in indices.tolist()] == many


def test_overlaps_pick_the_smallest_whatever_the_insertion_order() -> None:
    city = ("city", box(0, 0, 10, 10))
    quarter = ("quarter", box(0, 0, 5, 5))
    block = ("block", box(1, 1, 2, 2))
    for order in itertools.permutations([city, quarter, block]):
        index = PolygonIndex(list(order))
        assert index.locate_many([1.5, 3, 8, 20], [1.5, 3, 8, 20]) == [
            "block",
            "quarter",
            "city",
            None,
        ]


def test_identical_polygons_resolve_to_the_first_added() -> None:
    same = box(0, 0, 1, 1)
    assert PolygonIndex([("a", same), ("b", same)]).locate(0.5, 0.5) == "a"
    assert PolygonIndex([("b", same), ("a", same)]).locate(0.5, 0.5) == "b"


def test_shared_border_is_deterministic() -> None:
    west, east = box(0, 0, 1, 1), box(1, 0, 2, 1)
    # Equal areas: the first added wins on the shared edge, and always the same one.
    assert PolygonIndex([("west", west), ("east", east)]).locate(1.0, 0.5) == "west"
    assert PolygonIndex([("east", east), ("west", west)]).locate(1.0, 0.5) == "east"


def test_empty_index_and_mismatched_inputs() -> None:
    empty: PolygonIndex[str] = PolygonIndex([])
    assert len(empty) == 0
    assert empty.locate(0, 0) is None
    assert empty.locate_many([], []) == []
    with pytest.raises(ValueError):
        PolygonIndex([("a", box(0, 0, 1, 1))]).locate_many([0, 1], [0])


def test_nan_points_are_outside() -> None:
    index = PolygonIndex([("a", box(0, 0, 1, 1))])
    assert index.locate_many([float("nan"), 0.5], [0.5, 0.5]) == [None, "a"]


def test_holes_are_outside() -> None:
    donut = box(0, 0, 4, 4).difference(box(1, 1, 3, 3))
    index = PolygonIndex([("donut", donut), ("core", box(1, 1, 3, 3))])
    assert index.locate_many([0.5, 2, 5], [0.5, 2, 5]) == ["donut", "core", None]


def test_kujawsko_pomorskie_municipalities_route_points_to_the_right_gmina() -> None:
    path = BOUNDARIES / "pl-kujawsko-pomorskie-gminy.geojson"
    if not path.exists():
        pytest.fail(f"test data missing: {path}")
    features = parse_features(path.read_bytes())
    index = PolygonIndex([(f.properties["nazwa"], f.geometry) for f in features])
    assert len(index) == 144
    assert index.locate(18.6057, 53.0103) == "M. Toruń"  # Rynek Staromiejski
    assert index.locate(18.0006, 53.1228) == "M. Bydgoszcz"  # Stary Rynek
    assert index.locate(19.0677, 52.6483) == "M. Włocławek"
    assert index.locate(14.4205, 50.0875) is None  # Prague
    # Many random points in the voivodeship: vectorised answers equal shapely's contains,
    # and municipalities tile the region, so no point lands in two at once.
    rng = np.random.default_rng(7)
    xs, ys = rng.uniform(17.3, 19.7, 3000), rng.uniform(52.4, 53.7, 3000)
    got = index.locate_many(xs, ys)
    geoms = [(f.properties["nazwa"], f.geometry) for f in features]
    for x, y, name in zip(xs[:300], ys[:300], got[:300], strict=True):
        holders = [n for n, g in geoms if g.intersects(Point(x, y))]
        assert len(holders) <= 1
        assert name == (holders[0] if holders else None)
    assert sum(g is not None for g in got) > 1500
