"""Parse and validate GeoJSON (RFC 7946) polygons into shapely geometries.

Errors are structured (a code plus parameters) rather than sentences, so that the caller
can word them in the user's language; this module knows nothing of Django or gettext.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

PolygonalGeometry: TypeAlias = Polygon | MultiPolygon
BBox = tuple[float, float, float, float]

# CRS names that mean WGS84 lon/lat; RFC 7946 dropped `crs`, but older exports (GDAL,
# QGIS) still write it, and refusing them would only push users to strip it by hand.
WGS84_CRS_NAMES = frozenset(
    {
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "urn:ogc:def:crs:EPSG::4326",
        "EPSG:4326",
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    }
)
# Stop collecting after this many problems: a broken file should not produce a novel.
MAX_ERRORS = 50
# Deepest nesting of arrays/objects accepted. A MultiPolygon inside a Feature inside a
# FeatureCollection is 7 levels; properties may nest a little. Anything far deeper is an
# attack on the recursive code that reads it (the JSON decoder, repr, the database).
MAX_DEPTH = 64

_WHERE = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)\s*\]")


class GeoErrorCode(StrEnum):
    """Why a piece of GeoJSON was refused."""

    NOT_JSON = "not_json"
    WRONG_TYPE = "wrong_type"
    UNSUPPORTED_CRS = "unsupported_crs"
    NO_FEATURES = "no_features"
    MISSING_GEOMETRY = "missing_geometry"
    UNSUPPORTED_GEOMETRY = "unsupported_geometry"
    BAD_COORDINATES = "bad_coordinates"
    OUT_OF_RANGE = "out_of_range"
    UNCLOSED_RING = "unclosed_ring"
    TOO_FEW_POINTS = "too_few_points"
    SELF_INTERSECTION = "self_intersection"
    INVALID_POLYGON = "invalid_polygon"
    EMPTY = "empty"
    TOO_MANY_ERRORS = "too_many_errors"
    TOO_DEEP = "too_deep"


@dataclass(frozen=True)
class GeoError:
    """One problem: its code, the feature's index (None for the document) and parameters."""

    code: GeoErrorCode
    feature_index: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        where = "document" if self.feature_index is None else f"feature {self.feature_index}"
        details = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{where}: {self.code.value}" + (f" ({details})" if details else "")


class GeoJSONError(ValueError):
    """Raised with every problem found (up to MAX_ERRORS) in the input."""

    def __init__(self, errors: Sequence[GeoError]) -> None:
        self.errors: tuple[GeoError, ...] = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class ParsedFeature:
    """A validated polygonal feature: RFC 7946 winding, its properties and bounding box."""

    index: int
    geometry: PolygonalGeometry
    properties: Mapping[str, Any]
    bbox: BBox

    def geometry_geojson(self) -> dict[str, Any]:
        """The geometry as a GeoJSON mapping with plain lists."""
        return to_geojson(self.geometry)


class _Problem(Exception):
    """Internal: the first problem found in one feature."""

    def __init__(self, code: GeoErrorCode, **params: Any) -> None:
        super().__init__(code.value)
        self.code = code
        self.params = params


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number in JSON")


def _too_deep() -> GeoJSONError:
    return GeoJSONError([GeoError(GeoErrorCode.TOO_DEEP, None, {"limit": MAX_DEPTH})])


def nesting_depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when lists/dicts in `value` nest deeper than `limit` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def load_json(source: str | bytes) -> Any:
    """Decode JSON text, refusing NaN/Infinity and deep nesting; raises GeoJSONError."""
    try:
        value = json.loads(source, parse_constant=_reject_constant)
    except RecursionError:
        # The decoder recurses per level: "[" * 100000 exhausts the stack before any check.
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError) as exc:
        # json.JSONDecodeError carries line/column; other ValueErrors a plain reason.
        line = getattr(exc, "lineno", None)
        col = getattr(exc, "colno", None)
        params: dict[str, Any] = {"reason": getattr(exc, "msg", str(exc))}
        if line is not None:
            params.update(line=line, column=col)
        raise GeoJSONError([GeoError(GeoErrorCode.NOT_JSON, None, params)]) from exc
    if nesting_depth_exceeds(value):
        raise _too_deep()
    return value


def _position(value: Any) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise _Problem(GeoErrorCode.BAD_COORDINATES, found=_short(value))
    lon, lat = value[0], value[1]
    for v in (lon, lat):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise _Problem(GeoErrorCode.BAD_COORDINATES, found=_short(value))
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise _Problem(GeoErrorCode.OUT_OF_RANGE, lon=lon, lat=lat)
    return float(lon), float(lat)


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ring(value: Any, *, polygon: int, ring: int) -> list[tuple[float, float]]:
    if not isinstance(value, list | tuple):
        raise _Problem(GeoErrorCode.BAD_COORDINATES, found=_short(value))
    points = [_position(p) for p in value]
    if len(points) < 4:
        raise _Problem(GeoErrorCode.TOO_FEW_POINTS, polygon=polygon, ring=ring, count=len(points))
    if points[0] != points[-1]:
        raise _Problem(
            GeoErrorCode.UNCLOSED_RING,
            polygon=polygon,
            ring=ring,
            first=list(points[0]),
            last=list(points[-1]),
        )
    if len(set(points)) < 3:
        raise _Problem(
            GeoErrorCode.TOO_FEW_POINTS, polygon=polygon, ring=ring, count=len(set(points))
        )
    return points


def _polygon(value: Any, *, polygon: int) -> Polygon:
    if not isinstance(value, list | tuple):
        raise _Problem(GeoErrorCode.BAD_COORDINATES, found=_short(value))
    if not value:
        raise _Problem(GeoErrorCode.EMPTY)
    rings = [_ring(r, polygon=polygon, ring=i) for i, r in enumerate(value)]
    return Polygon(rings[0], rings[1:])


def _validity(geom: PolygonalGeometry) -> None:
    """Turn shapely's validity verdict into a problem that says what and where."""
    if geom.is_empty:
        raise _Problem(GeoErrorCode.EMPTY)
    reason = shapely.is_valid_reason(geom)
    if reason == "Valid Geometry":
        if geom.area <= 0.0:
            raise _Problem(GeoErrorCode.EMPTY)
        return
    match = _WHERE.search(reason)
    where: dict[str, Any] = {}
    if match:
        where = {"lon": float(match.group(1)), "lat": float(match.group(2))}
    text = _WHERE.sub("", reason).strip()
    if "Self-intersection" in text:
        raise _Problem(GeoErrorCode.SELF_INTERSECTION, **where)
    if "Too few points" in text:
        raise _Problem(GeoErrorCode.TOO_FEW_POINTS, **where)
    raise _Problem(GeoErrorCode.INVALID_POLYGON, reason=text, **where)


def _build_geometry(value: Any) -> PolygonalGeometry:
    if value is None:
        raise _Problem(GeoErrorCode.MISSING_GEOMETRY)
    if not isinstance(value, Mapping):
        raise _Problem(GeoErrorCode.WRONG_TYPE, expected="geometry", found=type(value).__name__)
    gtype = value.get("type")
    if gtype not in ("Polygon", "MultiPolygon"):
        raise _Problem(GeoErrorCode.UNSUPPORTED_GEOMETRY, found=str(gtype))
    coords = value.get("coordinates")
    if coords is None:
        raise _Problem(GeoErrorCode.BAD_COORDINATES, found="null")
    if not isinstance(coords, list | tuple):
        raise _Problem(GeoErrorCode.BAD_COORDINATES, found=_short(coords))
    geom: PolygonalGeometry
    if gtype == "Polygon":
        geom = _polygon(coords, polygon=0)
    else:
        if not coords:
            raise _Problem(GeoErrorCode.EMPTY)
        geom = MultiPolygon([_polygon(p, polygon=i) for i, p in enumerate(coords)])
    _validity(geom)
    return normalise_winding(geom)


def normalise_winding(geom: PolygonalGeometry) -> PolygonalGeometry:
    """RFC 7946 right-hand rule: exterior rings counter-clockwise, holes clockwise."""
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    assert isinstance(oriented, Polygon | MultiPolygon)
    return oriented


def bbox_of(geom: PolygonalGeometry) -> BBox:
    """(min_lon, min_lat, max_lon, max_lat) of a geometry."""
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    return float(min_lon), float(min_lat), float(max_lon), float(max_lat)


def _lists(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


def to_geojson(geom: PolygonalGeometry) -> dict[str, Any]:
    """A GeoJSON geometry mapping (lists, not tuples) for storage and output."""
    data = mapping(geom)
    return {"type": data["type"], "coordinates": _lists(data["coordinates"])}


def parse_geometry(value: Any) -> PolygonalGeometry:
    """Validate one GeoJSON Polygon/MultiPolygon geometry object."""
    if nesting_depth_exceeds(value):
        raise _too_deep()
    try:
        return _build_geometry(value)
    except _Problem as problem:
        raise GeoJSONError([GeoError(problem.code, 0, problem.params)]) from None


def _check_crs(doc: Mapping[str, Any]) -> None:
    crs = doc.get("crs")
    if crs is None:
        return
    name = None
    if isinstance(crs, Mapping):
        props = crs.get("properties")
        if isinstance(props, Mapping):
            name = props.get("name")
    if name not in WGS84_CRS_NAMES:
        raise GeoJSONError(
            [GeoError(GeoErrorCode.UNSUPPORTED_CRS, None, {"found": _short(name if name else crs)})]
        )


def parse_features(source: str | bytes | Mapping[str, Any]) -> list[ParsedFeature]:
    """Parse a FeatureCollection, Feature or bare geometry; GeoJSONError lists every problem."""
    doc = load_json(source) if isinstance(source, str | bytes) else source
    if nesting_depth_exceeds(doc):
        raise _too_deep()
    if not isinstance(doc, Mapping):
        raise GeoJSONError(
            [
                GeoError(
                    GeoErrorCode.WRONG_TYPE,
                    None,
                    {"expected": "FeatureCollection", "found": type(doc).__name__},
                )
            ]
        )
    _check_crs(doc)
    dtype = doc.get("type")
    raw: list[Any]
    if dtype == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise GeoJSONError([GeoError(GeoErrorCode.NO_FEATURES, None, {})])
        if not features:
            raise GeoJSONError([GeoError(GeoErrorCode.NO_FEATURES, None, {})])
        raw = features
    elif dtype == "Feature":
        raw = [doc]
    elif dtype in ("Polygon", "MultiPolygon"):
        raw = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        raise GeoJSONError(
            [
                GeoError(
                    GeoErrorCode.WRONG_TYPE,
                    None,
                    {"expected": "FeatureCollection", "found": str(dtype)},
                )
            ]
        )
    parsed: list[ParsedFeature] = []
    errors: list[GeoError] = []
    for index, feature in enumerate(raw):
        try:
            if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
                found = (
                    feature.get("type") if isinstance(feature, Mapping) else type(feature).__name__
                )
                raise _Problem(GeoErrorCode.WRONG_TYPE, expected="Feature", found=str(found))
            props = feature.get("properties")
            if props is None:
                props = {}
            if not isinstance(props, Mapping):
                raise _Problem(
                    GeoErrorCode.WRONG_TYPE,
                    expected="properties object",
                    found=type(props).__name__,
                )
            if "geometry" not in feature:
                raise _Problem(GeoErrorCode.MISSING_GEOMETRY)
            geom = _build_geometry(feature["geometry"])
        except _Problem as problem:
            errors.append(GeoError(problem.code, index, problem.params))
            if len(errors) >= MAX_ERRORS and index + 1 < len(raw):
                errors.append(
                    GeoError(
                        GeoErrorCode.TOO_MANY_ERRORS, None, {"shown": MAX_ERRORS, "after": index}
                    )
                )
                break
            continue
        parsed.append(
            ParsedFeature(index=index, geometry=geom, properties=dict(props), bbox=bbox_of(geom))
        )
    if errors:
        raise GeoJSONError(errors)
    return parsed
