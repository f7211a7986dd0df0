"""H3 grid for the public map: Web Mercator scale, resolution per zoom, viewport covers.

Pure and framework-free. Cells are handled as signed 64-bit integers (H3's top bit is
always 0) because that is how the database stores them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import h3
from h3.api import basic_int as h3i

BBox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat

EARTH_RADIUS_M = 6_378_137.0
# Metres per pixel at the equator at zoom 0 with 256-pixel tiles (Web Mercator).
EQUATOR_MPP_Z0 = 2 * math.pi * EARTH_RADIUS_M / 256
MERCATOR_MAX_LAT = 85.05112878
FINEST_RES = 11
# Target distance between neighbouring cluster centres on screen.
TARGET_SPACING_PX = 60.0
# A 1280×800 viewport at the target spacing holds ~330 cells; the cap leaves room for
# the buffer ring and high-latitude distortion while keeping every query bounded.
DEFAULT_MAX_CELLS = 2500
# Cells at or below this resolution are enumerated from the full (small) grid instead of
# polygon filling, which avoids H3's trouble with polygons spanning half the globe.
ENUMERATE_MAX_RES = 2
_RES_BITS_SHIFT = 52


def metres_per_pixel(lat: float, zoom: float) -> float:
    """Ground metres per screen pixel in Web Mercator at a latitude and zoom."""
    lat = max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, lat))
    return float(EQUATOR_MPP_Z0 * math.cos(math.radians(lat)) / (2.0**zoom))


@lru_cache(maxsize=32)
def cell_spacing_m(res: int) -> float:
    """Average distance between neighbouring cell centres at a resolution, in metres."""
    return math.sqrt(3.0) * float(h3.average_hexagon_edge_length(res, unit="m"))


@lru_cache(maxsize=32)
def cell_area_km2(res: int) -> float:
    """Average hexagon area at a resolution, in km²."""
    return float(h3.average_hexagon_area(res, unit="km^2"))


def resolution_for_zoom(
    zoom: float,
    lat: float,
    *,
    finest: int = FINEST_RES,
    resolutions: Sequence[int] | None = None,
) -> int:
    """The resolution (of those given) whose cells are closest to TARGET_SPACING_PX apart."""
    mpp = metres_per_pixel(lat, zoom)
    best, best_err = 0, math.inf
    for res in resolutions if resolutions is not None else range(finest + 1):
        err = abs(math.log(cell_spacing_m(res) / mpp / TARGET_SPACING_PX))
        if err < best_err:
            best, best_err = res, err
    return best


def clip_bbox(bbox: BBox) -> BBox:
    """Clamp a bbox to valid lon/lat (Mercator latitudes), keeping min ≤ max."""
    min_lon, min_lat, max_lon, max_lat = bbox
    if min_lon > max_lon:
        min_lon, max_lon = max_lon, min_lon
    if min_lat > max_lat:
        min_lat, max_lat = max_lat, min_lat
    min_lon = max(-180.0, min(180.0, min_lon))
    max_lon = max(-180.0, min(180.0, max_lon))
    min_lat = max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, min_lat))
    max_lat = max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, max_lat))
    return min_lon, min_lat, max_lon, max_lat


def bbox_area_km2(bbox: BBox) -> float:
    """Area of a lon/lat box on the sphere, in km²."""
    min_lon, min_lat, max_lon, max_lat = clip_bbox(bbox)
    r_km = EARTH_RADIUS_M / 1000.0
    dlon = math.radians(max_lon - min_lon)
    return (
        r_km * r_km * dlon * abs(math.sin(math.radians(max_lat)) - math.sin(math.radians(min_lat)))
    )


def estimated_cell_count(bbox: BBox, res: int) -> float:
    """Rough number of cells covering a bbox (area ratio plus a perimeter ring)."""
    min_lon, min_lat, max_lon, max_lat = clip_bbox(bbox)
    spacing_km = cell_spacing_m(res) / 1000.0
    mid = math.radians((min_lat + max_lat) / 2)
    width_km = math.radians(max_lon - min_lon) * EARTH_RADIUS_M / 1000 * math.cos(mid)
    height_km = math.radians(max_lat - min_lat) * EARTH_RADIUS_M / 1000
    ring = 2 * (width_km + height_km) / spacing_km + 4
    return bbox_area_km2(bbox) / cell_area_km2(res) + 2 * ring + 8


def resolution_for_view(
    bbox: BBox,
    zoom: float,
    *,
    max_cells: int = DEFAULT_MAX_CELLS,
    resolutions: Sequence[int] | None = None,
) -> int:
    """Resolution for a viewport: judged where cells look densest, capped by cell count.

    `resolutions` are those the caller stores (all up to FINEST_RES by default, sorted).
    """
    allowed = sorted(resolutions) if resolutions is not None else list(range(FINEST_RES + 1))
    min_lon, min_lat, max_lon, max_lat = clip_bbox(bbox)
    # Cells look densest on screen where the ground per pixel is largest: nearest the equator.
    lat = 0.0 if min_lat <= 0.0 <= max_lat else min(abs(min_lat), abs(max_lat))
    res = resolution_for_zoom(zoom, lat, resolutions=allowed)
    coarser = [r for r in allowed if r <= res]
    while (
        len(coarser) > 1
        and estimated_cell_count((min_lon, min_lat, max_lon, max_lat), coarser[-1]) > max_cells
    ):
        coarser.pop()
    return coarser[-1]


def viewport_bbox(
    lat: float, lon: float, zoom: float, *, width: int = 1280, height: int = 800
) -> BBox:
    """The bbox a width×height pixel map shows when centred on (lat, lon) at a zoom."""
    scale = 256.0 * 2.0**zoom
    lat = max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, lat))
    x = (lon + 180.0) / 360.0 * scale
    siny = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + siny) / (1 - siny)) / (4 * math.pi)) * scale

    def unproject(px: float, py: float) -> tuple[float, float]:
        lon_ = px / scale * 360.0 - 180.0
        n = math.pi - 2.0 * math.pi * py / scale
        lat_ = math.degrees(math.atan(math.sinh(n)))
        return lon_, lat_

    min_lon, max_lat = unproject(x - width / 2, max(0.0, y - height / 2))
    max_lon, min_lat = unproject(x + width / 2, min(scale, y + height / 2))
    return clip_bbox((min_lon, min_lat, max_lon, max_lat))


def cell_to_int(cell: str) -> int:
    """H3 cell string to its integer id."""
    return int(cell, 16)


def int_to_cell(value: int) -> str:
    """Integer id to the H3 cell string."""
    return format(value, "x")


def point_cell(lat: float, lon: float, res: int) -> int:
    """The integer cell containing a point."""
    return int(h3i.latlng_to_cell(lat, lon, res))


def parent_int(cell: int, res: int) -> int:
    """Parent of an integer cell at a coarser (or equal) resolution, by bit arithmetic."""
    digits_below = 3 * (15 - res)
    cleared = cell & ~(0xF << _RES_BITS_SHIFT)
    return cleared | (res << _RES_BITS_SHIFT) | ((1 << digits_below) - 1)


def cell_resolution(cell: int) -> int:
    """Resolution of an integer cell."""
    return (cell >> _RES_BITS_SHIFT) & 0xF


def cell_center(cell: int) -> tuple[float, float]:
    """(lat, lon) of an integer cell's centre."""
    lat, lon = h3.cell_to_latlng(int_to_cell(cell))
    return float(lat), float(lon)


@lru_cache(maxsize=ENUMERATE_MAX_RES + 1)
def _all_cells(res: int) -> tuple[tuple[int, float, float], ...]:
    """Every cell of a coarse resolution with its centre (122 · 7^res cells)."""
    out: list[tuple[int, float, float]] = []
    for base in h3.get_res0_cells():
        for cell in h3.cell_to_children(base, res):
            lat, lon = h3.cell_to_latlng(cell)
            out.append((int(cell, 16), float(lat), float(lon)))
    return tuple(out)


def _buffered(bbox: BBox, res: int) -> BBox:
    """Grow a bbox by one hexagon radius so that every cell overlapping it is included."""
    min_lon, min_lat, max_lon, max_lat = bbox
    # A hexagon's centre-to-vertex distance equals its edge length (spacing / √3).
    dlat = 1.05 * cell_spacing_m(res) / math.sqrt(3.0) / 111_320.0
    coslat = max(0.05, math.cos(math.radians(max(abs(min_lat), abs(max_lat)) + dlat)))
    dlon = dlat / coslat
    return clip_bbox((min_lon - dlon, min_lat - dlat, max_lon + dlon, max_lat + dlat))


def _ring(
    min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> list[tuple[float, float]]:
    """A (lat, lon) ring following the bbox edges, densified so arcs hug the parallels."""
    steps_lon = max(1, math.ceil(max_lon - min_lon))
    steps_lat = max(1, math.ceil(max_lat - min_lat))
    ring: list[tuple[float, float]] = []
    for i in range(steps_lon):
        ring.append((min_lat, min_lon + (max_lon - min_lon) * i / steps_lon))
    for i in range(steps_lat):
        ring.append((min_lat + (max_lat - min_lat) * i / steps_lat, max_lon))
    for i in range(steps_lon):
        ring.append((max_lat, max_lon - (max_lon - min_lon) * i / steps_lon))
    for i in range(steps_lat):
        ring.append((max_lat - (max_lat - min_lat) * i / steps_lat, min_lon))
    return ring


def cover_bbox(
    bbox: BBox, res: int, *, max_cells: int = DEFAULT_MAX_CELLS, buffer: bool = True
) -> list[int]:
    """Integer cells covering a bbox and every cell overlapping it, sorted; bounded."""
    box = clip_bbox(bbox)
    if estimated_cell_count(box, res) > max_cells * 4:
        raise ValueError(f"bbox needs too many cells at resolution {res}")
    if buffer:
        box = _buffered(box, res)
    min_lon, min_lat, max_lon, max_lat = box
    cells: set[int] = set()
    if res <= ENUMERATE_MAX_RES:
        for cell, lat, lon in _all_cells(res):
            if min_lat <= lat <= max_lat and min_lon <= lon <= max_lon:
                cells.add(cell)
    else:
        # H3 joins polygon vertices by great-circle arcs and misreads polygons wider than
        # a hemisphere, so wide boxes are filled in strips of at most 90° of longitude.
        strips = max(1, math.ceil((max_lon - min_lon) / 90.0))
        width = (max_lon - min_lon) / strips
        for i in range(strips):
            lo = min_lon + i * width
            hi = max_lon if i == strips - 1 else lo + width
            if hi - lo <= 0 or max_lat - min_lat <= 0:
                continue
            shape = h3.LatLngPoly(_ring(lo, min_lat, hi, max_lat))
            cells.update(h3i.h3shape_to_cells(shape, res))
    # Degenerate or tiny boxes may contain no cell centre: add the cells of the box's own
    # corners and centre so that a point-sized view still finds its cluster.
    for lat, lon in (
        (min_lat, min_lon),
        (min_lat, max_lon),
        (max_lat, min_lon),
        (max_lat, max_lon),
        ((min_lat + max_lat) / 2, (min_lon + max_lon) / 2),
    ):
        cells.add(point_cell(lat, lon, res))
    return sorted(cells)
