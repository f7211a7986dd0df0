"""JSON API of the public map: GeoJSON clusters and points for a viewport."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from django.db import connection
from django.db.models import DateTimeField, ExpressionWrapper, F, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from h3.api import basic_int as h3i
from ninja import Field, Query, Router, Schema

from straz.core.config import straz_settings
from straz.geo import h3grid
from straz.reports import public
from straz.reports.map import aggregates
from straz.reports.models import Category, CrimeType, MapLayer
from straz.reports.rules import STATUS_COLORS, Status

router = Router(tags=["map"])

# Single reports replace clusters only at street zoom and when the view holds few of them.
POINTS_MIN_ZOOM = 16
POINTS_MAX = 300
# Resolution of Report.h3_r9 (the exact point's cell), used to find single reports.
DUPLICATE_CELL_RES = 9
# A "street zoom" request whose bbox is much larger than a screen gets clusters instead.
POINT_SEARCH_MAX_CELLS = 1500
MAX_FILTER_VALUES = 60
PERIODS = {"7d": 7, "30d": 30, "365d": 365, "all": aggregates.ALL_TIME}
LAYERS = {"reports": MapLayer.CITIZEN_REPORTS, "police": MapLayer.POLICE_DATA}


class PointGeometry(Schema):
    type: Literal["Point"]
    coordinates: list[float]


class MapFeatureProperties(Schema):
    kind: Literal["cluster", "report"]
    count: int | None = None
    cell: str | None = None
    id: int | None = None
    status: str | None = None
    category: str | None = None
    color: str | None = None
    also_reported: int | None = None
    date: str | None = Field(
        None, description="The day the report was filed (local date, YYYY-MM-DD)."
    )


class MapFeature(Schema):
    type: Literal["Feature"]
    geometry: PointGeometry
    properties: MapFeatureProperties


class MapFeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[MapFeature]
    mode: Literal["clusters", "points"]
    resolution: int
    total: int


class MapError(Schema):
    detail: str


class BadMapQuery(Exception):
    """A map query the user must fix; the message is already translated."""


@dataclass(frozen=True)
class MapQuery:
    """A validated map request."""

    bbox: h3grid.BBox
    zoom: int
    layer: int
    period_days: int
    category_ids: list[int] | None
    statuses: list[str] | None


def _split(raw: str | None) -> list[str] | None:
    if raw is None or raw.strip() == "":
        return None
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if len(values) > MAX_FILTER_VALUES:
        raise BadMapQuery(
            _("Too many values in one filter (at most %(n)d).") % {"n": MAX_FILTER_VALUES}
        )
    return values or None


def parse_bbox(raw: str | None) -> h3grid.BBox:
    """minLon,minLat,maxLon,maxLat → a checked bbox."""
    if raw is None or raw.strip() == "":
        raise BadMapQuery(_("The map area (bbox) is required: minLon,minLat,maxLon,maxLat."))
    parts = raw.split(",")
    if len(parts) != 4:
        raise BadMapQuery(
            _("The map area (bbox) must be four numbers: minLon,minLat,maxLon,maxLat.")
        )
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise BadMapQuery(
            _("The map area (bbox) must be four numbers: minLon,minLat,maxLon,maxLat.")
        ) from None
    if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
        raise BadMapQuery(
            _("The map area (bbox) must be four numbers: minLon,minLat,maxLon,maxLat.")
        )
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise BadMapQuery(_("The longitudes of the map area must be between -180 and 180 degrees."))
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise BadMapQuery(_("The latitudes of the map area must be between -90 and 90 degrees."))
    if min_lon > max_lon or min_lat > max_lat:
        raise BadMapQuery(
            _(
                "The map area must be given as minLon,minLat,maxLon,maxLat "
                "(west, south, east, north)."
            )
        )
    return min_lon, min_lat, max_lon, max_lat


def parse_query(
    *,
    bbox: str | None,
    zoom: int,
    category: str | None,
    status: str | None,
    period: str | None,
    layer: str | None,
) -> MapQuery:
    """Validate every map parameter; raises BadMapQuery with a translated message."""
    box = parse_bbox(bbox)
    if not 0 <= zoom <= 20:
        raise BadMapQuery(_("The zoom must be a whole number from 0 to 20."))
    layer_id = LAYERS.get(layer or "reports")
    if layer_id is None:
        raise BadMapQuery(
            _("Unknown map layer “%(value)s”; use reports or police.")
            % {"value": (layer or "")[:40]}
        )
    period_days = PERIODS.get(period or "all")
    if period_days is None:
        raise BadMapQuery(
            _("Unknown period “%(value)s”; use 7d, 30d, 365d or all.")
            % {"value": (period or "")[:40]}
        )
    codes = _split(category)
    statuses = _split(status)
    category_ids: list[int] | None = None
    if layer_id == MapLayer.POLICE_DATA:
        if statuses:
            raise BadMapQuery(_("Police data has no statuses; leave out the status filter."))
        if codes:
            try:
                type_ids = sorted({int(c) for c in codes})
            except ValueError:
                raise BadMapQuery(_("Police data is filtered by crime type numbers.")) from None
            known = set(CrimeType.objects.filter(id__in=type_ids).values_list("id", flat=True))
            unknown = [t for t in type_ids if t not in known]
            if unknown:
                raise BadMapQuery(_("Unknown crime type %(value)s.") % {"value": unknown[0]})
            category_ids = type_ids
    else:
        if codes:
            found = dict(Category.objects.filter(code__in=codes).values_list("code", "id"))
            unknown_codes = [c for c in codes if c not in found]
            if unknown_codes:
                raise BadMapQuery(
                    _("Unknown category “%(value)s”.") % {"value": unknown_codes[0][:60]}
                )
            category_ids = sorted(set(found.values()))
        if statuses:
            valid = {s.value for s in Status}
            bad = [s for s in statuses if s not in valid]
            if bad:
                raise BadMapQuery(
                    _("Unknown status “%(value)s”; use %(allowed)s.")
                    % {"value": bad[0][:40], "allowed": ", ".join(s.value for s in Status)}
                )
            statuses = sorted(set(statuses))
    return MapQuery(box, zoom, layer_id, period_days, category_ids, statuses)


def _cluster_feature(c: aggregates.CellCount) -> str:
    # Written as text: hundreds of clusters per response make dict building + json.dumps
    # the largest cost of a request. Every value is a number or a hex cell id (no escaping).
    return (
        '{"type":"Feature","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},'  # noqa: UP031
        '"properties":{"kind":"cluster","count":%d,"cell":"%x"}}' % (c.lon, c.lat, c.count, c.cell)
    )


def _point_features(q: MapQuery) -> list[dict[str, Any]]:
    """Single public reports in the view, at their public location only."""
    min_lon, min_lat, max_lon, max_lat = q.bbox
    # Candidates come from the index on the exact point's res-9 cell. Where the public
    # point is the exact one, the cells covering the view suffice; an approximated report
    # is shown at the centre of its coarse cell, so for those categories the candidates
    # are the res-9 cells in and around each coarse cell whose centre lies in the view.
    view_cells = h3grid.cover_bbox(q.bbox, DUPLICATE_CELL_RES)
    approx_res = int(straz_settings().approximate_resolution)
    approx_cells: set[int] = set()
    for coarse in h3grid.cover_bbox(q.bbox, approx_res):
        clat, clon = h3grid.cell_center(coarse)
        if min_lat <= clat <= max_lat and min_lon <= clon <= max_lon:
            for near in h3i.grid_disk(coarse, 1):
                approx_cells.update(h3i.cell_to_children(near, DUPLICATE_CELL_RES))
    approx_ids = list(
        Category.objects.filter(public_location_approximated=True).values_list("id", flat=True)
    )
    where = Q(h3_r9__in=view_cells)
    if approx_cells and approx_ids:
        where |= Q(h3_r9__in=sorted(approx_cells), category_id__in=approx_ids)
    qs = public.visible_reports().filter(
        where,
        public_lat__gte=min_lat,
        public_lat__lte=max_lat,
        public_lon__gte=min_lon,
        public_lon__lte=max_lon,
    )
    if q.category_ids is not None:
        qs = qs.filter(category_id__in=q.category_ids)
    if q.statuses is not None:
        qs = qs.filter(status__in=q.statuses)
    if q.period_days:
        since = timezone.now() - timedelta(days=q.period_days)
        if connection.vendor == "postgresql":
            # Compare an expression, not the column: PostgreSQL would otherwise AND a bitmap
            # of the whole period's created_at range (tens of thousands of rows) with the
            # few hundred candidates the cell index already found.
            shifted = ExpressionWrapper(
                F("created_at") + timedelta(0), output_field=DateTimeField()
            )
            qs = qs.annotate(created_unindexed=shifted).filter(created_unindexed__gte=since)
        else:
            qs = qs.filter(created_at__gte=since)
    rows = list(qs.order_by("pk").values_list(*public.POINT_COLUMNS)[: POINTS_MAX + 1])
    return _report_features(rows)


def _report_features(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Report features from public.POINT_COLUMNS rows (public location and date only)."""
    colors = {s.value: c for s, c in STATUS_COLORS.items()}
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(plon, 6), round(plat, 6)]},
            "properties": {
                "kind": "report",
                "id": pk,
                "status": status,
                "category": code,
                "color": colors.get(status, "#555555"),
                "also_reported": dup,
                "date": public.reported_on(created).isoformat(),
            },
        }
        for pk, status, code, dup, plat, plon, created in rows
    ]


def _lone_reports(clusters: list[aggregates.CellCount]) -> dict[int, dict[str, Any]]:
    """The report features of the clusters of one, by cell: a cluster of one is its report."""
    by_id = {c.single_id: c.cell for c in clusters if c.single_id is not None}
    if not by_id:
        return {}
    rows = public.points_by_id(by_id)
    return {by_id[f["properties"]["id"]]: f for f in _report_features(rows)}


def _collection(features: str, mode: str, res: int, total: int) -> str:
    text = '{"type":"FeatureCollection","features":[%s],"mode":"%s","resolution":%d,"total":%d}'
    return text % (
        features,
        mode,
        res,
        total,
    )


def render_map(q: MapQuery) -> str:
    """The FeatureCollection as JSON text (clusters, or points at street zoom)."""
    aggregates.refresh_public_map(layer=q.layer, period_days=q.period_days)
    res = h3grid.resolution_for_view(q.bbox, q.zoom, resolutions=aggregates.STORED_RES)
    cells = h3grid.cover_bbox(q.bbox, res)
    clusters = aggregates.cell_counts(
        layer=q.layer,
        period_days=q.period_days,
        res=res,
        cells=cells,
        category_ids=q.category_ids,
        statuses=q.statuses,
    )
    total = sum(c.count for c in clusters)
    street_sized = h3grid.estimated_cell_count(q.bbox, DUPLICATE_CELL_RES) <= POINT_SEARCH_MAX_CELLS
    if (
        q.layer == MapLayer.CITIZEN_REPORTS
        and q.zoom >= POINTS_MIN_ZOOM
        and street_sized
        and total <= POINTS_MAX
    ):
        features = _point_features(q)
        if len(features) <= POINTS_MAX:
            text = ",".join(
                json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in features
            )
            return _collection(text, "points", res, len(features))
    lone = _lone_reports(clusters) if q.layer == MapLayer.CITIZEN_REPORTS else {}
    parts = [_cluster_feature(c) for c in clusters if c.cell not in lone]
    if lone:
        # One encoder call for all lone reports (a street view may hold a thousand).
        text = json.dumps(list(lone.values()), separators=(",", ":"), ensure_ascii=False)
        parts.append(text[1:-1])
    return _collection(",".join(parts), "clusters", res, total)


@router.get(
    "/map",
    response={200: MapFeatureCollection, 304: None, 422: MapError},
    summary="Public map: clusters and reports in a viewport (GeoJSON)",
    description=(
        "RFC 7946 FeatureCollection. Clusters (`kind: cluster`) carry `count`, the H3 `cell` "
        "and sit at the mean public location of their reports; a cluster of one is returned as "
        "its report (`kind: report`, with its status colour and the day it was filed), and at "
        "street zoom (≥ 16) with few reports in view every report is returned on its own "
        "(`mode: points`). Counts are exact at every read. Layer `police` "
        "shows police crime-map records (category = crime type numbers, no statuses)."
    ),
)
def public_map(
    request: HttpRequest,
    zoom: int = Query(..., description="Map zoom level, 0–20."),
    bbox: str = Query(
        ..., description="minLon,minLat,maxLon,maxLat (WGS84)", examples=["13.30,49.70,13.45,49.78"]
    ),
    category: str | None = Query(None, description="Category code(s), comma-separated."),
    status: str | None = Query(None, description="Status value(s), comma-separated."),
    period: str | None = Query(
        None, description="7d, 30d, 365d (created in the last N days) or all (default)."
    ),
    layer: str | None = Query(None, description="reports (default) or police."),
) -> HttpResponse:
    """GeoJSON clusters or points of the public map for a viewport."""
    try:
        q = parse_query(
            bbox=bbox, zoom=zoom, category=category, status=status, period=period, layer=layer
        )
    except BadMapQuery as exc:
        return JsonResponse(
            {"detail": str(exc)}, status=422, json_dumps_params={"ensure_ascii": False}
        )
    body = render_map(q).encode()
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    # Counts change with every report, so caches must revalidate; the ETag makes that cheap.
    headers = {"ETag": etag, "Cache-Control": "public, no-cache"}
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/geo+json")
    for name, value in headers.items():
        response[name] = value
    return response
