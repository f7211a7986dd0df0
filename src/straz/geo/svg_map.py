"""Graphic depiction of the site (§16(4)): the affected area, the §5 zones, posts, sectors and
sections and the incident point, drawn as a self-contained SVG.

Pure and deterministic (no Django, no tiles, no network): the same input gives the same
bytes, so the HTML page and the PDF show the same drawing and tests can compare it.
Coordinates are WGS84 longitude/latitude; they are projected onto a local plane in
metres with an equirectangular projection around the drawing's centre, which at the
size of an intervention site (a few kilometres) is off by far less than a line width.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

EARTH_RADIUS_M = 6_371_008.8
# The smallest extent drawn, so that a lone point does not fill the map with nothing.
MIN_EXTENT_M = 120.0
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class MapFeature:
    """One site feature: its kind (a §5 zone or post), GeoJSON geometry and optional name."""

    kind: str
    geometry: Mapping[str, Any]
    name: str = ""


@dataclass(frozen=True)
class SiteMapLabels:
    """The words the drawing shows, already translated by the caller."""

    title: str = "Site of the intervention"
    legend: str = "Legend"
    north: str = "N"
    incident: str = "Incident"
    affected_area: str = "Affected area"
    kinds: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Style:
    """How one kind is drawn: fill, its opacity, outline and dash pattern (or a post symbol)."""

    fill: str
    opacity: float
    stroke: str
    dash: str = ""
    symbol: str = ""


# Drawing order = list order: wide, enclosing areas first so that smaller ones stay visible.
AREA_STYLES: dict[str, Style] = {
    "expected_spread": Style("#f4b400", 0.10, "#b07d00", "6 4"),
    "outer_zone": Style("#ffd54f", 0.18, "#c69300", "10 5"),
    "rear_area": Style("#a1887f", 0.20, "#5d4037"),
    "staging_area": Style("#4caf50", 0.22, "#1b5e20"),
    "sector": Style("#90caf9", 0.12, "#1565c0", "8 3"),
    "section": Style("#64b5f6", 0.16, "#0d47a1", "3 3"),
    "decontamination_area": Style("#ce93d8", 0.30, "#6a1b9a"),
    "medical_area": Style("#ffffff", 0.55, "#c62828"),
    "evacuee_assembly": Style("#80deea", 0.30, "#00838f"),
    "animal_area": Style("#c5e1a5", 0.35, "#558b2f"),
    "victims_area": Style("#9e9e9e", 0.35, "#212121"),
    "danger_zone": Style("#e53935", 0.28, "#b71c1c"),
}
POINT_STYLES: dict[str, Style] = {
    "command_post": Style("#0d47a1", 1.0, "#ffffff", symbol="square"),
    "staff_post": Style("#6a1b9a", 1.0, "#ffffff", symbol="square"),
    "media_point": Style("#ef6c00", 1.0, "#ffffff", symbol="circle"),
    "affected_persons_info": Style("#00838f", 1.0, "#ffffff", symbol="diamond"),
}
AFFECTED_STYLE = Style("#ff7043", 0.12, "#d84315", "2 3")
UNKNOWN_STYLE = Style("#bdbdbd", 0.25, "#616161")
UNKNOWN_POINT = Style("#616161", 1.0, "#ffffff", symbol="circle")


def clean_text(value: object) -> str:
    """Text safe for XML content and attributes: forbidden characters dropped, markup escaped."""
    return escape(_XML_FORBIDDEN.sub("", str(value)), {'"': "&quot;", "'": "&#39;"})


def _num(value: float) -> str:
    # Fixed precision keeps the output deterministic and small; -0.0 prints as 0.0.
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _finite(pair: Any) -> tuple[float, float] | None:
    if not isinstance(pair, list | tuple) or len(pair) < 2:
        return None
    lon, lat = pair[0], pair[1]
    if isinstance(lon, bool) or isinstance(lat, bool) or not isinstance(lon, int | float) or not isinstance(lat, int | float):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lat) > 90 or abs(lon) > 180:
        return None
    return float(lon), float(lat)


def _rings(coords: Any) -> list[Ring]:
    rings: list[Ring] = []
    if not isinstance(coords, list):
        return rings
    for ring in coords:
        if not isinstance(ring, list):
            continue
        points = [p for p in (_finite(c) for c in ring) if p is not None]
        if len(points) >= 3:
            rings.append(points)
    return rings


@dataclass(frozen=True)
class _Shape:
    """A geometry taken apart: polygons (lists of rings), lines and points, in lon/lat."""

    polygons: list[list[Ring]]
    lines: list[Ring]
    points: list[tuple[float, float]]

    def coordinates(self) -> Iterator[tuple[float, float]]:
        for polygon in self.polygons:
            for ring in polygon:
                yield from ring
        for line in self.lines:
            yield from line
        yield from self.points


def _shape(geometry: Mapping[str, Any] | None) -> _Shape:
    polygons: list[list[Ring]] = []
    lines: list[Ring] = []
    points: list[tuple[float, float]] = []
    if not isinstance(geometry, Mapping):
        return _Shape(polygons, lines, points)
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Feature":
        return _shape(geometry.get("geometry"))
    if kind == "Polygon":
        rings = _rings(coords)
        if rings:
            polygons.append(rings)
    elif kind == "MultiPolygon" and isinstance(coords, list):
        for part in coords:
            rings = _rings(part)
            if rings:
                polygons.append(rings)
    elif kind == "Point":
        point = _finite(coords)
        if point is not None:
            points.append(point)
    elif kind == "MultiPoint" and isinstance(coords, list):
        points.extend(p for p in (_finite(c) for c in coords) if p is not None)
    elif kind == "LineString" and isinstance(coords, list):
        line = [p for p in (_finite(c) for c in coords) if p is not None]
        if len(line) >= 2:
            lines.append(line)
    elif kind == "MultiLineString" and isinstance(coords, list):
        for part in coords:
            line = [p for p in (_finite(c) for c in part) if p is not None] if isinstance(part, list) else []
            if len(line) >= 2:
                lines.append(line)
    elif kind == "GeometryCollection" and isinstance(geometry.get("geometries"), list):
        for member in geometry["geometries"]:
            sub = _shape(member)
            polygons.extend(sub.polygons)
            lines.extend(sub.lines)
            points.extend(sub.points)
    return _Shape(polygons, lines, points)


@dataclass(frozen=True)
class LocalPlane:
    """Equirectangular projection around (lon0, lat0) onto metres east and north."""

    lon0: float
    lat0: float

    def to_metres(self, lon: float, lat: float) -> tuple[float, float]:
        """Metres east and north of the origin."""
        k = math.cos(math.radians(self.lat0))
        return (
            EARTH_RADIUS_M * math.radians(lon - self.lon0) * k,
            EARTH_RADIUS_M * math.radians(lat - self.lat0),
        )


@dataclass(frozen=True)
class _Frame:
    """Metres → pixels inside the map area (y grows downwards in SVG)."""

    plane: LocalPlane
    scale: float  # pixels per metre
    cx: float
    cy: float
    mx: float
    my: float

    def px(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self.plane.to_metres(lon, lat)
        return self.cx + (x - self.mx) * self.scale, self.cy - (y - self.my) * self.scale


def nice_length(max_metres: float) -> float:
    """The longest 1, 2 or 5 × 10^k metres not above max_metres (for the scale bar)."""
    if not math.isfinite(max_metres) or max_metres <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(max_metres))
    for step in (5, 2, 1):
        if step * power <= max_metres:
            return float(step * power)
    return float(power)


def _length_label(metres: float) -> str:
    if metres >= 1000:
        km = metres / 1000
        return f"{km:g} km"
    return f"{metres:g} m"


def _path(rings: Sequence[Ring], frame: _Frame, close: bool = True) -> str:
    parts = []
    for ring in rings:
        pts = [frame.px(lon, lat) for lon, lat in ring]
        head = f"M{_num(pts[0][0])} {_num(pts[0][1])}"
        tail = "".join(f"L{_num(x)} {_num(y)}" for x, y in pts[1:])
        parts.append(head + tail + ("Z" if close else ""))
    return "".join(parts)


def _ring_centre(ring: Ring, frame: _Frame) -> tuple[float, float]:
    """Area-weighted centroid of a ring in pixels (vertex mean when the ring is degenerate)."""
    pts = [frame.px(lon, lat) for lon, lat in ring]
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-9:
        return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    return cx / (3 * area), cy / (3 * area)


def _ring_area(ring: Ring, frame: _Frame) -> float:
    pts = [frame.px(lon, lat) for lon, lat in ring]
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True))) / 2


def _symbol(style: Style, x: float, y: float, size: float = 7.0) -> str:
    fill, stroke = style.fill, style.stroke
    if style.symbol == "square":
        return (
            f'<rect x="{_num(x - size)}" y="{_num(y - size)}" width="{_num(2 * size)}" '
            f'height="{_num(2 * size)}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
    if style.symbol == "diamond":
        return (
            f'<path d="M{_num(x)} {_num(y - size - 1)}L{_num(x + size + 1)} {_num(y)}L{_num(x)} '
            f'{_num(y + size + 1)}L{_num(x - size - 1)} {_num(y)}Z" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(size)}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'


def _halo_text(x: float, y: float, text: str, *, fill: str, anchor: str = "start", bold: bool = False) -> str:
    """A label readable on any background: a white outline drawn first, the text on top.

    (paint-order would do it in one element, but WeasyPrint's SVG renderer ignores it
    and would paint the outline over the letters.)
    """
    attrs = f'x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"' + (' font-weight="bold"' if bold else "")
    body = clean_text(text)
    return (
        f'<text {attrs} fill="#ffffff" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" '
        f'aria-hidden="true">{body}</text><text {attrs} fill="{fill}">{body}</text>'
    )


def _incident_marker(x: float, y: float) -> str:
    return (
        f'<g class="incident-point"><circle cx="{_num(x)}" cy="{_num(y)}" r="9" fill="#d50000" '
        f'stroke="#ffffff" stroke-width="2"/><path d="M{_num(x - 5)} {_num(y)}H{_num(x + 5)}M{_num(x)} '
        f'{_num(y - 5)}V{_num(y + 5)}" stroke="#ffffff" stroke-width="2"/></g>'
    )


def _area_swatch(style: Style, x: float, y: float) -> str:
    dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
    return (
        f'<rect x="{_num(x)}" y="{_num(y - 6)}" width="18" height="12" fill="{style.fill}" '
        f'fill-opacity="{max(style.opacity, 0.3):.2f}" stroke="{style.stroke}" stroke-width="1.5"{dash}/>'
    )


def render_site_map(
    *,
    features: Sequence[MapFeature],
    incident_point: tuple[float, float] | None = None,
    affected_area: Mapping[str, Any] | None = None,
    labels: SiteMapLabels | None = None,
    width: int = 760,
    height: int = 500,
    element_id: str = "site-map",
) -> str:
    """The site drawn as an SVG document: zones by kind, posts, incident point, legend, scale, north."""
    words = labels or SiteMapLabels()
    legend_w = 230
    pad = 14.0
    map_w, map_h = width - legend_w - 2 * pad, height - 2 * pad
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "", element_id) or "site-map"

    shapes = [(f, _shape(f.geometry)) for f in features]
    affected = _shape(affected_area) if affected_area is not None else _Shape([], [], [])
    everything = [c for _, s in shapes for c in s.coordinates()] + list(affected.coordinates())
    point = _finite(incident_point) if incident_point is not None else None
    if point is not None:
        everything.append(point)

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{safe_id}" class="site-map" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{safe_id}-title" font-family="DejaVu Sans, Verdana, sans-serif" font-size="11">',
        f'<title id="{safe_id}-title">{clean_text(words.title)}</title>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<rect x="{_num(pad)}" y="{_num(pad)}" width="{_num(map_w)}" height="{_num(map_h)}" '
        f'fill="#f5f7f5" stroke="#9e9e9e" stroke-width="1"/>',
        f'<clipPath id="{safe_id}-clip"><rect x="{_num(pad)}" y="{_num(pad)}" width="{_num(map_w)}" '
        f'height="{_num(map_h)}"/></clipPath>',
    ]

    legend_entries: list[str] = []  # SVG fragments drawn in the legend, one per row
    legend_texts: list[str] = []
    frame: _Frame | None = None
    if everything:
        lons = [c[0] for c in everything]
        lats = [c[1] for c in everything]
        plane = LocalPlane((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
        xs, ys = zip(*(plane.to_metres(lon, lat) for lon, lat in everything), strict=True)
        ext_x = max(max(xs) - min(xs), MIN_EXTENT_M) * 1.15
        ext_y = max(max(ys) - min(ys), MIN_EXTENT_M) * 1.15
        scale = min(map_w / ext_x, map_h / ext_y)
        frame = _Frame(
            plane,
            scale,
            pad + map_w / 2,
            pad + map_h / 2,
            (max(xs) + min(xs)) / 2,
            (max(ys) + min(ys)) / 2,
        )

    if frame is not None:
        out.append(f'<g clip-path="url(#{safe_id}-clip)">')
        name_labels: list[str] = []
        if affected.polygons or affected.lines:
            a = AFFECTED_STYLE
            d = "".join(_path(poly, frame) for poly in affected.polygons)
            if d:
                out.append(
                    f'<path class="affected-area" d="{d}" fill="{a.fill}" fill-opacity="{a.opacity:.2f}" '
                    f'fill-rule="evenodd" stroke="{a.stroke}" stroke-width="2" stroke-dasharray="{a.dash}"/>'
                )
            for line in affected.lines:
                out.append(
                    f'<path class="affected-area" d="{_path([line], frame, close=False)}" fill="none" '
                    f'stroke="{a.stroke}" stroke-width="2" stroke-dasharray="{a.dash}"/>'
                )
            legend_entries.append("affected")
            legend_texts.append(words.affected_area)
        order = {kind: i for i, kind in enumerate(AREA_STYLES)}
        areas = sorted(
            ((f, s) for f, s in shapes if s.polygons or s.lines),
            # Known kinds in the drawing order, unknown ones after; larger first within a kind.
            key=lambda fs: (
                order.get(fs[0].kind, len(order)),
                -sum(_ring_area(p[0], frame) for p in fs[1].polygons),
                fs[0].kind,
                fs[0].name,
            ),
        )
        seen_kinds: list[str] = []
        for f, s in areas:
            style = AREA_STYLES.get(f.kind, UNKNOWN_STYLE)
            dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
            kind_cls = re.sub(r"[^a-z0-9_]", "", f.kind.lower()) or "unknown"
            d = "".join(_path(poly, frame) for poly in s.polygons)
            if d:
                out.append(
                    f'<path class="zone zone-{kind_cls}" d="{d}" fill="{style.fill}" '
                    f'fill-opacity="{style.opacity:.2f}" fill-rule="evenodd" stroke="{style.stroke}" '
                    f'stroke-width="2"{dash}/>'
                )
            for line in s.lines:
                out.append(
                    f'<path class="zone zone-{kind_cls}" d="{_path([line], frame, close=False)}" '
                    f'fill="none" stroke="{style.stroke}" stroke-width="2.5"{dash}/>'
                )
            if f.name and s.polygons:
                largest = max(s.polygons, key=lambda p: _ring_area(p[0], frame))
                # The name sits inside the top edge, so nested zones (danger zone inside
                # the outer zone) do not stack their names on one centre.
                x, _ = _ring_centre(largest[0], frame)
                y = min(frame.px(lon, lat)[1] for lon, lat in largest[0]) + 14
                name_labels.append(_halo_text(x, y, f.name[:60], fill=style.stroke, anchor="middle", bold=True))
            if f.kind not in seen_kinds:
                seen_kinds.append(f.kind)
        for kind in seen_kinds:
            legend_entries.append(f"area:{kind}")
            legend_texts.append(words.kinds.get(kind, kind))
        out.extend(name_labels)
        seen_points: list[str] = []
        for f, s in sorted(((f, s) for f, s in shapes if s.points), key=lambda fs: (fs[0].kind, fs[0].name)):
            style = POINT_STYLES.get(f.kind, UNKNOWN_POINT)
            for lon, lat in s.points:
                x, y = frame.px(lon, lat)
                out.append(_symbol(style, x, y))
                if f.name:
                    out.append(_halo_text(x + 11, y + 4, f.name[:60], fill="#212121"))
            if f.kind not in seen_points:
                seen_points.append(f.kind)
        for kind in seen_points:
            legend_entries.append(f"point:{kind}")
            legend_texts.append(words.kinds.get(kind, kind))
        if point is not None:
            x, y = frame.px(*point)
            out.append(_incident_marker(x, y))
            legend_entries.append("incident")
            legend_texts.append(words.incident)
        out.append("</g>")

        # Scale bar: a round length about a quarter of the map's width.
        bar_m = nice_length(map_w / 4 / frame.scale)
        bar_px = bar_m * frame.scale
        bx, by = pad + 14, pad + map_h - 18
        out.append(
            f'<g class="scale-bar"><rect x="{_num(bx - 6)}" y="{_num(by - 18)}" width="{_num(bar_px + 12)}" '
            f'height="30" fill="#ffffff" fill-opacity="0.8"/>'
            f'<path d="M{_num(bx)} {_num(by - 5)}V{_num(by + 5)}H{_num(bx + bar_px)}V{_num(by - 5)}" '
            f'fill="none" stroke="#212121" stroke-width="2"/>'
            f'<rect x="{_num(bx)}" y="{_num(by)}" width="{_num(bar_px / 2)}" height="5" fill="#212121"/>'
            f'<text x="{_num(bx + bar_px / 2)}" y="{_num(by - 8)}" text-anchor="middle">'
            f"{clean_text(_length_label(bar_m))}</text></g>"
        )
    # North arrow (the projection keeps north up).
    nx, ny = pad + map_w - 26, pad + 14
    out.append(
        f'<g class="north-arrow"><rect x="{_num(nx - 14)}" y="{_num(ny - 5)}" width="28" height="50" rx="4" '
        f'fill="#ffffff" fill-opacity="0.85"/><path d="M{_num(nx)} {_num(ny)}L{_num(nx + 9)} {_num(ny + 26)}L{_num(nx)} '
        f'{_num(ny + 20)}L{_num(nx - 9)} {_num(ny + 26)}Z" fill="#212121"/>'
        f'<text x="{_num(nx)}" y="{_num(ny + 40)}" text-anchor="middle" font-weight="bold" font-size="13">'
        f"{clean_text(words.north)}</text></g>"
    )

    # Legend: only what the drawing shows.
    lx, ly = width - legend_w + 4, pad + 4
    out.append(f'<g class="legend"><text x="{_num(lx)}" y="{_num(ly + 10)}" font-weight="bold" font-size="12">{clean_text(words.legend)}</text>')
    row_y = ly + 32
    for entry, text in zip(legend_entries, legend_texts, strict=True):
        if entry == "affected":
            swatch = _area_swatch(AFFECTED_STYLE, lx, row_y)
        elif entry == "incident":
            swatch = (
                f'<circle cx="{_num(lx + 9)}" cy="{_num(row_y)}" r="6" fill="#d50000" stroke="#ffffff" stroke-width="1.5"/>'
            )
        elif entry.startswith("area:"):
            swatch = _area_swatch(AREA_STYLES.get(entry[5:], UNKNOWN_STYLE), lx, row_y)
        else:
            swatch = _symbol(POINT_STYLES.get(entry[6:], UNKNOWN_POINT), lx + 9, row_y, size=5.5)
        out.append(swatch)
        # Long names wrap onto a second line rather than run off the drawing.
        first, rest = _wrap(text, 30)
        out.append(f'<text x="{_num(lx + 26)}" y="{_num(row_y + 4)}">{clean_text(first)}</text>')
        if rest:
            row_y += 13
            out.append(f'<text x="{_num(lx + 26)}" y="{_num(row_y + 4)}">{clean_text(rest)}</text>')
        row_y += 20
    out.append("</g></svg>")
    return "".join(out)


def _wrap(text: str, limit: int) -> tuple[str, str]:
    """Split a legend text into at most two lines at a space (the second is cut if too long)."""
    if len(text) <= limit:
        return text, ""
    cut = text.rfind(" ", 0, limit + 1)
    if cut <= 0:
        cut = limit
    rest = text[cut:].strip()
    if len(rest) > limit:
        rest = rest[: limit - 1] + "…"
    return text[:cut].strip(), rest
