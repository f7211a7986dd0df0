"""The graphic depiction of the site (§16(4)): a pure, deterministic, escaped SVG."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from straz.geo.svg_map import (
    LocalPlane,
    MapFeature,
    SiteMapLabels,
    clean_text,
    nice_length,
    render_site_map,
)

SVG = "{http://www.w3.org/2000/svg}"


def _square(lon: float, lat: float, d: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]],
    }


LABELS = SiteMapLabels(
    title="Místo zásahu",
    legend="Legenda",
    north="S",
    incident="Místo události",
    affected_area="Postižené území",
    kinds={"danger_zone": "Nebezpečná zóna", "outer_zone": "Vnější zóna", "command_post": "Místo velení"},
)
FEATURES = [
    MapFeature("outer_zone", _square(13.360, 49.735, 0.02), "Vnější"),
    MapFeature("danger_zone", _square(13.368, 49.739, 0.004), "Nebezpečná"),
    MapFeature("command_post", {"type": "Point", "coordinates": [13.365, 49.750]}, "VZ"),
]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_draws_zones_by_kind_posts_incident_legend_scale_and_north() -> None:
    svg = render_site_map(
        features=FEATURES,
        incident_point=(13.370, 49.740),
        affected_area=_square(13.366, 49.737, 0.008),
        labels=LABELS,
    )
    root = _parse(svg)
    classes = [e.get("class", "") for e in root.iter()]
    assert "zone zone-danger_zone" in classes and "zone zone-outer_zone" in classes
    assert "affected-area" in classes and "incident-point" in classes
    assert "scale-bar" in classes and "north-arrow" in classes and "legend" in classes
    texts = _texts(root)
    for word in ("Legenda", "Nebezpečná zóna", "Vnější zóna", "Místo velení", "Místo události", "Postižené území", "S"):
        assert word in texts, (word, texts)
    # The outer zone is drawn before (under) the danger zone inside it.
    order = [c for c in classes if c.startswith("zone ")]
    assert order.index("zone zone-outer_zone") < order.index("zone zone-danger_zone")
    # A kind that is not on the map is not in the legend.
    assert "Staging area" not in svg and "staging_area" not in svg


def test_same_input_gives_the_same_bytes() -> None:
    a = render_site_map(features=FEATURES, incident_point=(13.37, 49.74), labels=LABELS)
    b = render_site_map(features=list(FEATURES), incident_point=(13.37, 49.74), labels=LABELS)
    assert a == b
    # Feature order does not change the drawing either (sorted by kind and size).
    c = render_site_map(features=list(reversed(FEATURES)), incident_point=(13.37, 49.74), labels=LABELS)
    assert a == c


def test_every_text_is_escaped() -> None:
    nasty = '<script>alert("x")</script> & \' " \x01'
    svg = render_site_map(
        features=[MapFeature("danger_zone", _square(13.37, 49.74, 0.001), nasty), MapFeature(nasty, _square(13.371, 49.74, 0.001))],
        incident_point=(13.3705, 49.7405),
        labels=SiteMapLabels(title=nasty, legend=nasty, north=nasty, incident=nasty, affected_area=nasty, kinds={}),
        element_id='x" onload="alert(1)',
    )
    assert "<script" not in svg
    root = _parse(svg)  # well-formed XML, so nothing broke out of an attribute or element
    assert not [k for e in root.iter() for k in e.attrib if k.lower().startswith("on")]
    assert root.get("id") == "xonloadalert1"
    assert any("<script>" in t for t in _texts(root))  # shown as text, not markup
    assert "\x01" not in svg
    assert clean_text('a<b>&"') == "a&lt;b&gt;&amp;&quot;"


def test_scale_bar_length_matches_the_projection() -> None:
    # Two points 1 km apart east-west at 50° N; the scale bar's pixels per metre must agree.
    lat = 50.0
    dlon = math.degrees(1000 / (6_371_008.8 * math.cos(math.radians(lat))))
    plane = LocalPlane(14.0, lat)
    x, y = plane.to_metres(14.0 + dlon, lat)
    assert abs(x - 1000) < 1e-6 and abs(y) < 1e-9
    svg = render_site_map(
        features=[MapFeature("section", {"type": "LineString", "coordinates": [[14.0, lat], [14.0 + dlon, lat]]})],
        labels=LABELS,
    )
    root = _parse(svg)
    line = next(e for e in root.iter(f"{SVG}path") if "zone-section" in e.get("class", ""))
    xs = [float(v) for v in re.findall(r"[ML](-?[\d.]+) ", line.get("d", ""))]
    px_per_m = (max(xs) - min(xs)) / 1000
    bar = next(e for e in root.iter(f"{SVG}g") if e.get("class") == "scale-bar")
    bar_path = next(e for e in bar.iter(f"{SVG}path")).get("d", "")
    hs = [float(v) for v in re.findall(r"H(-?[\d.]+)", bar_path)]
    start = float(re.match(r"M(-?[\d.]+)", bar_path).group(1))  # type: ignore[union-attr]
    label = "".join(bar.find(f"{SVG}text").itertext())  # type: ignore[union-attr]
    metres = float(label.split()[0]) * (1000 if label.endswith("km") else 1)
    assert abs((hs[0] - start) - metres * px_per_m) < 0.5


def test_nice_lengths() -> None:
    assert nice_length(730) == 500
    assert nice_length(199) == 100
    assert nice_length(2000) == 2000
    assert nice_length(0.3) == 0.2
    assert nice_length(0) == 1.0


def test_empty_and_broken_geometry_still_give_a_valid_drawing() -> None:
    svg = render_site_map(
        features=[
            MapFeature("danger_zone", {"type": "Polygon", "coordinates": [[[float("nan"), 1], [2, "x"]]]}),
            MapFeature("command_post", {"type": "Point", "coordinates": [500, 100]}),
            MapFeature("sector", {"nonsense": True}),
        ],
        labels=LABELS,
    )
    root = _parse(svg)
    classes = [e.get("class", "") for e in root.iter()]
    assert "north-arrow" in classes and "zone zone-danger_zone" not in classes
    assert render_site_map(features=[], labels=LABELS) == render_site_map(features=[], labels=LABELS)


coordinate = st.tuples(st.floats(13.30, 13.45), st.floats(49.70, 49.80))


@settings(max_examples=40, deadline=None)
@given(
    rings=st.lists(st.lists(coordinate, min_size=3, max_size=8), min_size=0, max_size=5),
    names=st.lists(st.text(max_size=30), min_size=5, max_size=5),
    point=st.one_of(st.none(), coordinate),
)
def test_any_site_renders_well_formed_and_inside_the_drawing(
    rings: list[list[tuple[float, float]]], names: list[str], point: tuple[float, float] | None
) -> None:
    kinds = ["danger_zone", "outer_zone", "sector", "medical_area", "unknown_kind"]
    features = [
        MapFeature(kinds[i % 5], {"type": "Polygon", "coordinates": [[*map(list, ring), list(ring[0])]]}, names[i % 5])
        for i, ring in enumerate(rings)
    ]
    svg = render_site_map(features=features, incident_point=point, labels=LABELS, width=760, height=500)
    root = _parse(svg)
    assert svg == render_site_map(features=features, incident_point=point, labels=LABELS, width=760, height=500)
    for e in root.iter(f"{SVG}path"):
        if "zone" in e.get("class", ""):
            numbers = [float(v) for v in re.findall(r"-?\d+\.\d", e.get("d", ""))]
            xs, ys = numbers[0::2], numbers[1::2]
            # Everything fits the map frame (14 px margin, 230 px legend) with rounding slack.
            assert all(13 <= x <= 760 - 230 - 13 for x in xs), xs
            assert all(13 <= y <= 500 - 13 for y in ys), ys
