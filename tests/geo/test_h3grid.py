"""Properties of the map grid: scale, resolution per zoom, bounded and complete covers."""

from __future__ import annotations

import math

import h3
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from straz.geo import h3grid

lats = st.floats(-84.0, 84.0)
lons = st.floats(-179.9, 179.9)
zooms = st.integers(0, 20)


def test_metres_per_pixel_matches_web_mercator() -> None:
    assert h3grid.metres_per_pixel(0, 0) == pytest.approx(156_543.034, rel=1e-6)
    assert h3grid.metres_per_pixel(60, 1) == pytest.approx(156_543.034 / 2 / 2, rel=1e-6)


@given(lat=lats, zoom=zooms)
def test_zooming_in_never_coarsens_the_grid(lat: float, zoom: int) -> None:
    assume(zoom < 20)
    assert h3grid.resolution_for_zoom(zoom + 1, lat) >= h3grid.resolution_for_zoom(zoom, lat)


@given(lat=st.floats(-70, 70), zoom=st.integers(3, 16))
def test_clusters_sit_a_sensible_distance_apart_on_screen(lat: float, zoom: int) -> None:
    res = h3grid.resolution_for_zoom(zoom, lat)
    px = h3grid.cell_spacing_m(res) / h3grid.metres_per_pixel(lat, zoom)
    # One H3 step is a factor √7 ≈ 2.65, so the nearest step to 60 px lies within [37, 98].
    assert 60 / math.sqrt(7) <= px <= 60 * math.sqrt(7)


@settings(max_examples=60, deadline=None)
@given(lat=lats, lon=lons, zoom=zooms)
def test_a_viewport_needs_a_bounded_number_of_cells(lat: float, lon: float, zoom: int) -> None:
    bbox = h3grid.viewport_bbox(lat, lon, zoom)
    res = h3grid.resolution_for_view(bbox, zoom)
    cells = h3grid.cover_bbox(bbox, res)
    assert 1 <= len(cells) <= h3grid.DEFAULT_MAX_CELLS
    assert all(h3grid.cell_resolution(c) == res for c in cells)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-60, 60),
    lon=st.floats(-170, 170),
    w=st.floats(0.0, 5.0),
    h=st.floats(0.0, 5.0),
    res=st.integers(0, 7),
    fx=st.floats(0, 1),
    fy=st.floats(0, 1),
)
def test_every_point_of_the_bbox_is_in_a_covering_cell(
    lat: float, lon: float, w: float, h: float, res: int, fx: float, fy: float
) -> None:
    bbox = (lon, lat, lon + w, lat + h)
    assume(h3grid.estimated_cell_count(bbox, res) < h3grid.DEFAULT_MAX_CELLS)
    cells = set(h3grid.cover_bbox(bbox, res))
    plat, plon = lat + fy * h, lon + fx * w
    assert h3grid.point_cell(plat, plon, res) in cells


@given(lat=lats, lon=lons, res=st.integers(0, 15), parent=st.integers(0, 15))
def test_parent_by_bits_equals_h3(lat: float, lon: float, res: int, parent: int) -> None:
    assume(parent <= res)
    cell = h3.latlng_to_cell(lat, lon, res)
    as_int = h3grid.cell_to_int(cell)
    assert h3grid.int_to_cell(as_int) == cell
    assert h3grid.parent_int(as_int, parent) == h3grid.cell_to_int(h3.cell_to_parent(cell, parent))
    assert h3grid.cell_resolution(as_int) == res
    assert 0 < as_int < 2**63


@pytest.mark.parametrize(
    "bbox",
    [
        (-180, -90, 180, 90),
        (-180, -85, 180, 85),
        (179.9, 10, 180, 11),
        (13.37, 49.74, 13.37, 49.74),
        (14, 50, 13, 49),
    ],
)
def test_huge_degenerate_or_reversed_boxes_never_explode(
    bbox: tuple[float, float, float, float],
) -> None:
    for zoom in (0, 5, 12, 20):
        res = h3grid.resolution_for_view(bbox, zoom)
        cells = h3grid.cover_bbox(bbox, res)
        assert 1 <= len(cells) <= h3grid.DEFAULT_MAX_CELLS


def test_cover_refuses_a_resolution_that_would_explode() -> None:
    with pytest.raises(ValueError):
        h3grid.cover_bbox((-180, -85, 180, 85), 9)


@given(lat=lats, lon=lons, zoom=zooms)
def test_viewport_contains_its_centre(lat: float, lon: float, zoom: int) -> None:
    min_lon, min_lat, max_lon, max_lat = h3grid.viewport_bbox(lat, lon, zoom)
    assert min_lat <= lat + 1e-9 and lat - 1e-9 <= max_lat
    assert min_lon <= lon + 1e-9 and lon - 1e-9 <= max_lon


def test_only_the_stored_resolutions_are_chosen() -> None:
    """The map stores resolutions 0-9 and 11 (ADR 0032); zoom 15-16 used to read res 10."""
    stored = (*range(10), 11)
    seen = set()
    for zoom in range(0, 21):
        bbox = h3grid.viewport_bbox(49.7475, 13.3776, zoom)
        res = h3grid.resolution_for_view(bbox, zoom, resolutions=stored)
        seen.add(res)
        assert res in stored
        assert h3grid.estimated_cell_count(bbox, res) <= h3grid.DEFAULT_MAX_CELLS or res == 0
    assert 10 not in seen and 11 in seen and 9 in seen
    street = h3grid.viewport_bbox(49.7475, 13.3776, 16)
    assert h3grid.resolution_for_view(street, 16, resolutions=stored) == 11
