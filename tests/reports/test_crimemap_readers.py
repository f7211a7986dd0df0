"""Streaming readers and pure rules of the crime-map import (no database)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from straz.reports.crimemap import readers
from straz.reports.crimemap import rules as cr
from straz.reports.crimemap.readers import BrokenFile, FileKind, detect_kind, iter_csv, iter_geojson

DATA = Path(__file__).parent / "data" / "crimemap"


def rows_of(items: list[readers.Item]) -> list[cr.CrimeRow]:
    return [i.row for i in items if i.row is not None]


def reference_rows(path: Path) -> list[cr.CrimeRow]:
    """The same records parsed the simple way: the whole document at once."""
    out = []
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        try:
            out.append(cr.row_from_feature(feature))
        except cr.BadRecord:
            pass
    return out


# ---------------------------------------------------------------- GeoJSON streaming


@settings(max_examples=40, deadline=None)
@given(chunk=st.integers(min_value=1, max_value=300))
def test_any_chunk_size_reads_the_same_records(chunk: int) -> None:
    for name in ("202401.geojson", "202401-bad.geojson"):
        path = DATA / name
        with path.open("rb") as handle:
            items = list(iter_geojson(handle, chunk_size=chunk))
        assert rows_of(items) == reference_rows(path)
        with path.open("rb") as handle:
            positions = [i.position for i in iter_geojson(handle)]
        assert [i.position for i in items] == positions


def test_numbers_cut_by_a_chunk_boundary_are_read_whole() -> None:
    doc = b'{"features": [], "totalFeatures": 1234567, "type": "FeatureCollection"}'
    for chunk in range(1, len(doc) + 1):
        assert list(iter_geojson(io.BytesIO(doc), chunk_size=chunk)) == []


def _feature(i: int) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [13.3 + (i % 1000) / 10000, 49.7 + (i // 1000) / 10000],
        },
        "properties": {
            "id": 20_000_000 + i,
            "date": "2024-03-01T12:00:00",
            "state": 1,
            "relevance": 1,
            "types": [3, 31, 311],
            "mp": False,
        },
    }


class _Tracking(io.BytesIO):
    """A byte stream that remembers the largest read asked for."""

    largest = 0

    def read(self, size: int | None = -1) -> bytes:
        self.largest = max(self.largest, size or 0)
        return super().read(size)


def test_large_file_is_read_with_a_bounded_buffer() -> None:
    features = [_feature(i) for i in range(20_000)]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    assert len(data) > 4_000_000
    stream = _Tracking(data)
    js_sizes: list[int] = []
    original = readers._JsonStream._more

    def spy(self: readers._JsonStream) -> bool:
        result = original(self)
        js_sizes.append(len(self.buf))
        return result

    readers._JsonStream._more = spy  # type: ignore[method-assign]
    try:
        count = sum(
            1 for item in iter_geojson(stream, chunk_size=64 * 1024) if item.row is not None
        )
    finally:
        readers._JsonStream._more = original  # type: ignore[method-assign]
    assert count == 20_000
    # Never more than about one chunk plus one record in memory, for a file 60× larger.
    assert max(js_sizes) < 2 * 64 * 1024
    assert stream.largest == 64 * 1024


def test_progress_counts_every_byte() -> None:
    seen: list[int] = []
    path = DATA / "202401.geojson"
    with path.open("rb") as handle:
        list(iter_geojson(handle, progress=seen.append, chunk_size=100))
    assert sum(seen) == path.stat().st_size
    seen.clear()
    with (DATA / "202401.csv").open("rb") as handle:
        list(iter_csv(handle, progress=seen.append))
    assert sum(seen) == (DATA / "202401.csv").stat().st_size


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (b"", "no JSON object"),
        (b"[]", "no JSON object"),
        (b'{"type": "FeatureCollection"}', "no 'features'"),
        (b'{"type": "FeatureCollection", "features": [{"a": 1} {"b": 2}]}', "expected ']'"),
        (b'{"type": "FeatureCollection", "features": [{"a": 1}]} trailing', "data after the end"),
        (b'{"type": "FeatureCollection", "features": [{"a": ]}', "invalid JSON"),
        (b'{"type": "Topology", "features": []}', "expected 'FeatureCollection'"),
        (b'{"features": [\xff]}', "not UTF-8"),
    ],
)
def test_broken_geojson_is_refused_with_a_reason(doc: bytes, message: str) -> None:
    with pytest.raises(BrokenFile) as excinfo:
        list(iter_geojson(io.BytesIO(doc), chunk_size=7))
    assert message in str(excinfo.value)


def test_a_syntax_error_mid_file_is_found_without_reading_everything() -> None:
    good = b",".join(json.dumps(_feature(i)).encode() for i in range(3000))
    doc = b'{"type": "FeatureCollection", "features": [' + good + b", {oops} ," + good * 40 + b"]}"
    stream = _Tracking(doc)
    with pytest.raises(BrokenFile) as excinfo:
        for _item in iter_geojson(stream, chunk_size=32 * 1024):
            pass
    assert "invalid JSON" in str(excinfo.value)
    # The reader stopped long before the end (the tail holds 120,000 more features).
    assert stream.tell() < len(doc) // 4


# ---------------------------------------------------------------- CSV


def test_csv_quoted_fields_and_blank_lines() -> None:
    text = 'id,x,y,date,types,mp,state,relevance\r\n\r\n"77","13.4","49.7","2024-02-01T10:00:00","[1, 2]","true","",""\r\n'
    (item,) = list(iter_csv(io.BytesIO(text.encode())))
    assert item.position == "line 3"
    assert item.row is not None
    assert item.row.types == (1, 2) and item.row.municipal_police and item.row.state_id is None


def test_csv_without_required_columns_is_broken() -> None:
    with pytest.raises(BrokenFile) as excinfo:
        list(iter_csv(io.BytesIO(b"id,lon,lat,date\n1,13,49,2024-01-01\n")))
    assert "x, y" in str(excinfo.value)


# ---------------------------------------------------------------- kinds


@pytest.mark.parametrize(
    ("name", "head", "kind"),
    [
        ("202401.geojson", b"", FileKind.GEOJSON),
        ("202401.json", b'{"type":"FeatureCollection","features":[', FileKind.GEOJSON),
        ("202401.csv", b"id,x,y", FileKind.CSV),
        ("data", b"id,x,y,date\n1,2,3", FileKind.CSV),
        ("export.bin", b"PK\x03\x04....", FileKind.ZIP),
        ("types.json", b"[]", FileKind.TYPES),
        ("crime-types.json", b"[]", FileKind.TYPES),
        ("codes.json", b'[{"id": 1, "parent_id1": null}]', FileKind.TYPES),
        ("states.json", b"[]", FileKind.STATES),
        ("relevance.json", b"{}", FileKind.RELEVANCE),
        ("something.json", b'[{"id": 1, "name": "x"}]', None),
    ],
)
def test_kind_detection(name: str, head: bytes, kind: FileKind | None) -> None:
    assert detect_kind(name, head) == kind


def test_code_list_shapes() -> None:
    as_list = readers.read_code_list(
        FileKind.STATES, io.BytesIO(b'[{"id": 4, "name": "Skutek se nestal"}]')
    )
    as_map = readers.read_code_list(FileKind.STATES, io.BytesIO(b'{"4": "Skutek se nestal"}'))
    wrapped = readers.read_code_list(
        FileKind.STATES, io.BytesIO(b'{"data": [{"id": "4", "name": "Skutek se nestal"}]}')
    )
    assert [e.node for e in as_list] == [e.node for e in as_map] == [e.node for e in wrapped]
    bad = readers.read_code_list(
        FileKind.TYPES, io.BytesIO(b'[{"id": 1}, {"name": "x"}, 5, {"id": 2, "name": "ok"}]')
    )
    assert [e.error.reason if e.error else "ok" for e in bad] == [
        cr.BAD_ENTRY,
        cr.BAD_ENTRY,
        cr.BAD_ENTRY,
        "ok",
    ]
    with pytest.raises(BrokenFile):
        readers.read_code_list(FileKind.TYPES, io.BytesIO(b"[{"))


# ---------------------------------------------------------------- pure rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-03T08:15:00", datetime(2024, 1, 3, 7, 15, tzinfo=UTC)),  # CET
        ("2024-07-03T08:15:00", datetime(2024, 7, 3, 6, 15, tzinfo=UTC)),  # CEST
        ("2024-07-03 08:15:00", datetime(2024, 7, 3, 6, 15, tzinfo=UTC)),
        ("2024-07-03T08:15:00Z", datetime(2024, 7, 3, 8, 15, tzinfo=UTC)),
        ("2024-07-03T08:15:00.000+02:00", datetime(2024, 7, 3, 6, 15, tzinfo=UTC)),
    ],
)
def test_timestamps(text: str, expected: datetime) -> None:
    assert cr.parse_timestamp(text) == expected


@pytest.mark.parametrize("value", ["", None, "yesterday", 20240103, "2024-02-30T00:00:00"])
def test_bad_timestamps(value: Any) -> None:
    with pytest.raises(cr.BadRecord) as excinfo:
        cr.parse_timestamp(value)
    assert excinfo.value.reason == cr.BAD_DATE


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([3, 31, 311], (3, 31, 311)),
        ("3,31,311", (3, 31, 311)),
        ("[3, 31]", (3, 31)),
        ("3|31", (3, 31)),
        ("3;31", (3, 31)),
        ("", ()),
        (None, ()),
        (311, (311,)),
        ([3, 3, 31], (3, 31)),
    ],
)
def test_types(value: Any, expected: tuple[int, ...]) -> None:
    assert cr.parse_types(value) == expected


@pytest.mark.parametrize("value", [["x"], "3,x", [True], {"a": 1}, 3.5])
def test_bad_types(value: Any) -> None:
    with pytest.raises(cr.BadRecord):
        cr.parse_types(value)


def _hierarchy(path_reading: bool) -> cr.TypeHierarchy:
    if path_reading:  # parent_id1 = top level, parent_id2 = next level, …
        nodes = [(1, None, None, None), (12, 1, None, None), (121, 1, 12, None), (1211, 1, 12, 121)]
    else:  # parent_id1 = direct parent, parent_id2 = grandparent, …
        nodes = [(1, None, None, None), (12, 1, None, None), (121, 12, 1, None), (1211, 121, 12, 1)]
    return cr.TypeHierarchy(cr.TypeNode(i, a, b, c, f"type {i}") for i, a, b, c in nodes)


@pytest.mark.parametrize("path_reading", [True, False])
def test_hierarchy_roots_and_ancestors_in_both_readings(path_reading: bool) -> None:
    h = _hierarchy(path_reading)
    assert [h.root_of(t) for t in (1, 12, 121, 1211)] == [1, 1, 1, 1]
    assert h.ancestors(1211) == {1, 12, 121}
    rules = cr.PublicRules(hidden_type_ids=frozenset({12}), non_public_state_ids=frozenset())
    assert (
        cr.why_not_public(types=(1211,), state_id=None, hierarchy=h, rules=rules)
        == cr.NOT_PUBLIC_HIDDEN_TYPE
    )
    assert cr.why_not_public(types=(1,), state_id=None, hierarchy=h, rules=rules) is None


def test_a_cycle_in_bad_code_lists_does_not_hang() -> None:
    h = cr.TypeHierarchy([cr.TypeNode(1, 2, None, None, "a"), cr.TypeNode(2, 1, None, None, "b")])
    assert h.ancestors(1) == {2}
    assert h.root_of(1) in {1, 2}


def test_hidden_by_name_pattern_is_case_insensitive() -> None:
    h = cr.TypeHierarchy(
        [
            cr.TypeNode(7, None, None, None, "POHLAVNÍ ZNEUŽITÍ"),
            cr.TypeNode(8, None, None, None, "Krádež"),
        ]
    )
    rules = cr.build_public_rules(
        hierarchy=h,
        states={4: "Skutek se nestal"},
        hidden_type_ids=[],
        hidden_type_names=["pohlavní zneužití"],
        non_public_state_ids=[],
        non_public_state_names=["skutek se nestal"],
    )
    assert rules.hidden_type_ids == {7}
    assert rules.non_public_state_ids == {4}
    assert (
        cr.why_not_public(types=(8,), state_id=4, hierarchy=h, rules=rules) == cr.NOT_PUBLIC_STATE
    )
    assert (
        cr.why_not_public(types=(8, 9), state_id=None, hierarchy=h, rules=rules)
        == cr.NOT_PUBLIC_UNKNOWN_TYPE
    )
    assert (
        cr.why_not_public(types=(), state_id=None, hierarchy=h, rules=rules)
        == cr.NOT_PUBLIC_NO_TYPE
    )


@pytest.mark.parametrize(
    ("feature", "reason"),
    [
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [0, 0]},
                "properties": {"id": 1, "date": "2024-01-01T00:00:00"},
            },
            cr.NO_LOCATION,
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
                "properties": {"id": 1},
            },
            cr.BAD_LOCATION,
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [13.4, 95]},
                "properties": {"id": 1},
            },
            cr.BAD_LOCATION,
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": ["13.4", "x"]},
                "properties": {"id": 1},
            },
            cr.BAD_LOCATION,
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [13.4, 49.7]},
                "properties": {"id": True, "date": "2024-01-01T00:00:00"},
            },
            cr.BAD_ID,
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [13.4, 49.7]},
                "properties": {"id": "x" * 65},
            },
            cr.BAD_ID,
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [13.4, 49.7]},
                "properties": {"id": 1, "date": "2024-01-01T00:00:00", "mp": "maybe"},
            },
            cr.BAD_FLAG,
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [13.4, 49.7]},
                "properties": {"id": 1, "date": "2024-01-01T00:00:00", "state": "open"},
            },
            cr.BAD_CODE,
        ),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [13.4, 49.7]}},
            cr.NOT_A_FEATURE,
        ),
    ],
)
def test_bad_features(feature: dict[str, Any], reason: str) -> None:
    with pytest.raises(cr.BadRecord) as excinfo:
        cr.row_from_feature(feature)
    assert excinfo.value.reason == reason


def test_feature_id_may_sit_on_the_feature() -> None:
    feature = {
        "type": "Feature",
        "id": 42,
        "geometry": {"type": "Point", "coordinates": [13.4, 49.7]},
        "properties": {"date": "2024-01-01T00:00:00"},
    }
    assert cr.row_from_feature(feature).external_id == "42"


def test_csv_in_sjtsk_metres_is_converted_to_wgs84() -> None:
    import csv

    from pyproj import Transformer

    to_sjtsk = Transformer.from_crs("EPSG:4326", "EPSG:5514", always_xy=True)
    rows = list(csv.reader(io.StringIO((DATA / "202401.csv").read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(rows[0])
    for row in rows[1:]:
        x, y = to_sjtsk.transform(float(row[1]), float(row[2]))
        writer.writerow([row[0], f"{x:.2f}", f"{y:.2f}", *row[3:]])
    converted = rows_of(list(iter_csv(io.BytesIO(out.getvalue().encode()))))
    with (DATA / "202401.csv").open("rb") as handle:
        original = rows_of(list(iter_csv(handle)))
    assert len(converted) == len(original) == 14
    for a, b in zip(converted, original, strict=True):
        assert a.external_id == b.external_id
        assert a.lon == pytest.approx(b.lon, abs=2e-6) and a.lat == pytest.approx(b.lat, abs=2e-6)
