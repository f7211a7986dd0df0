"""The police crime-map import rules (reports.crimemap.rules), value by value."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from straz.reports.crimemap import rules as cm

RECORD = {"id": "7", "date": "2026-03-02T10:00:00", "types": "1", "state": "", "mp": "0"}


def _reason(call: Any) -> tuple[str, str, str]:
    with pytest.raises(cm.BadRecord) as exc:
        call()
    return exc.value.reason, exc.value.detail, str(exc.value)


# ---------------------------------------------------------------- refusals carry their reason


def test_a_refusal_says_its_reason_and_detail() -> None:
    bare = cm.BadRecord(cm.NO_LOCATION)
    assert (bare.reason, bare.detail, str(bare)) == ("no-location", "", "no-location")
    detailed = cm.BadRecord(cm.BAD_ID, "too long")
    assert (detailed.reason, detailed.detail, str(detailed)) == ("bad-id", "too long", "bad-id: too long")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, "12"), (" 12 ", "12"), ("a" * 64, "a" * 64)],
)
def test_external_ids(value: Any, expected: str) -> None:
    assert cm.parse_external_id(value) == expected


@pytest.mark.parametrize(
    ("value", "reason", "detail"),
    [
        (None, "missing-id", ""),
        ("  ", "missing-id", ""),
        (True, "bad-id", "True"),
        (1.5, "bad-id", "1.5"),
        ({}, "bad-id", "{}"),
        ([], "bad-id", "[]"),
        ("a" * 65, "bad-id", "longer than 64 characters"),
    ],
)
def test_bad_external_ids(value: Any, reason: str, detail: str) -> None:
    assert _reason(lambda: cm.parse_external_id(value))[:2] == (reason, detail)


def test_a_local_timestamp_is_read_in_prague_time() -> None:
    assert cm.parse_timestamp(" 2026-07-01T12:00:00 ") == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert cm.parse_timestamp("2026-07-01T12:00:00z") == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert _reason(lambda: cm.parse_timestamp("  ")) == ("bad-date", "'  '", "bad-date: '  '")
    assert _reason(lambda: cm.parse_timestamp("včera"))[:2] == ("bad-date", "včera")
    assert _reason(lambda: cm.parse_timestamp(None))[:2] == ("bad-date", "None")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("  ", None), (5, 5), (5.0, 5), (" -3 ", -3), ("12", 12)],
)
def test_codes(value: Any, expected: int | None) -> None:
    assert cm.parse_code(value) == expected


@pytest.mark.parametrize(("value", "detail"), [(True, "True"), (5.5, "5.5"), ("x1", "'x1'"), ([1], "[1]")])
def test_bad_codes(value: Any, detail: str) -> None:
    assert _reason(lambda: cm.parse_code(value))[:2] == ("bad-code", detail)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1;2|3 4", (1, 2, 3, 4)),
        ("[5, 5, 6]", (5, 6)),
        ("[]", ()),
        ("", ()),
        (None, ()),
        (9, (9,)),
        ([3, "4"], (3, 4)),
    ],
)
def test_type_lists(value: Any, expected: tuple[int, ...]) -> None:
    assert cm.parse_types(value) == expected


@pytest.mark.parametrize(("value", "detail"), [(True, "True"), (1.5, "1.5"), (["", 1], "['', 1]")])
def test_bad_type_lists(value: Any, detail: str) -> None:
    assert _reason(lambda: cm.parse_types(value))[:2] == ("bad-code", detail)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (" ANO ", True),
        ("a", True),
        ("ne", False),
        ("", False),
        ("y", True),
        ("f", False),
    ],
)
def test_municipal_police_flag(value: Any, expected: bool) -> None:
    assert cm.parse_flag(value) is expected


@pytest.mark.parametrize(("value", "detail"), [(2, "2"), ("snad", "'snad'"), (1.0, "1.0")])
def test_bad_flags(value: Any, detail: str) -> None:
    assert _reason(lambda: cm.parse_flag(value))[:2] == ("bad-flag", detail)


@pytest.mark.parametrize(
    ("value", "comma", "expected"),
    [(" 13.5 ", False, 13.5), ("13,5", True, 13.5), (7, False, 7.0), (7.25, False, 7.25)],
)
def test_coordinates(value: Any, comma: bool, expected: float) -> None:
    number = cm.parse_coordinate(value, decimal_comma=comma)
    assert number == expected and isinstance(number, float)


@pytest.mark.parametrize(
    ("value", "comma", "reason", "detail"),
    [
        (True, False, "bad-location", "True"),
        (None, False, "bad-location", "None"),
        ("  ", False, "no-location", ""),
        ("13,5", False, "bad-location", "13,5"),
        ("nan", False, "bad-location", "'nan'"),
        (float("inf"), False, "bad-location", "inf"),
        ([1], False, "bad-location", "[1]"),
    ],
)
def test_bad_coordinates(value: Any, comma: bool, reason: str, detail: str) -> None:
    assert _reason(lambda: cm.parse_coordinate(value, decimal_comma=comma))[:2] == (reason, detail)


@pytest.mark.parametrize(("lon", "lat"), [(180.0, 90.0), (-180.0, -90.0), (0.0, 1.0), (1.0, 0.0)])
def test_points_on_the_edges_of_wgs84_pass(lon: float, lat: float) -> None:
    assert cm.check_point(lon, lat) == (lon, lat)


@pytest.mark.parametrize(("lon", "lat"), [(180.01, 0.5), (-180.01, 0.5), (0.5, 90.01), (0.5, -90.01)])
def test_points_outside_wgs84_are_refused(lon: float, lat: float) -> None:
    reason, detail, _ = _reason(lambda: cm.check_point(lon, lat))
    assert reason == "bad-location" and detail == f"[{lon}, {lat}] is outside WGS84 lon/lat ranges"


def test_the_null_island_placeholder_is_no_location() -> None:
    assert _reason(lambda: cm.check_point(0.0, 0.0))[:2] == ("no-location", "[0, 0]")


# ---------------------------------------------------------------- S-JTSK metres


@pytest.mark.parametrize(
    ("x", "y", "inside"),
    [
        (-950_000.0, -1_300_000.0, True),
        (-400_000.0, -900_000.0, True),
        (-950_000.1, -1_000_000.0, False),
        (-399_999.9, -1_000_000.0, False),
        (-800_000.0, -1_300_000.1, False),
        (-800_000.0, -899_999.9, False),
        (13.37, 49.74, False),
        (-800_000.0, 49.74, False),
        (13.37, -1_000_000.0, False),
    ],
)
def test_the_sjtsk_range(x: float, y: float, inside: bool) -> None:
    assert cm.is_sjtsk(x, y) is inside


def test_sjtsk_metres_become_degrees_rounded_to_six_places(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyproj import Transformer

    # The first use builds the transformer (an earlier test may have built it already).
    monkeypatch.setattr(cm, "_sjtsk_transformer", None)

    # The inverse transform (WGS84 → EPSG:5514) of a point in Plzeň given to 6 places.
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:5514", always_xy=True).transform(13.3776, 49.7475)
    assert cm.is_sjtsk(x, y)
    assert cm.sjtsk_to_wgs84(x, y) == (13.3776, 49.7475)


def test_sjtsk_conversion_keeps_six_decimal_places(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyproj import Transformer

    monkeypatch.setattr(cm, "_sjtsk_transformer", None)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:5514", always_xy=True).transform(
        13.37761234, 49.74751234
    )
    assert cm.sjtsk_to_wgs84(x, y) == (13.377612, 49.747512)


def test_a_csv_row_in_sjtsk_lands_in_plzen() -> None:
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:5514", always_xy=True).transform(13.3776, 49.7475)
    row = cm.row_from_csv({**RECORD, "x": f"{x:.3f}".replace(".", ","), "y": f"{y:.3f}".replace(".", ",")}, decimal_comma=True)
    assert (round(row.lon, 4), round(row.lat, 4)) == (13.3776, 49.7475)


@pytest.mark.parametrize(
    ("x", "y"),
    [(None, "49.7"), ("13.3", None), ("", "49.7"), ("13.3", "  "), ("  ", "")],
)
def test_a_csv_row_without_a_coordinate_has_no_location(x: Any, y: Any) -> None:
    assert _reason(lambda: cm.row_from_csv({**RECORD, "x": x, "y": y}))[:2] == ("no-location", "")


def test_a_csv_row_in_degrees() -> None:
    row = cm.row_from_csv({**RECORD, "x": "13.3776", "y": "49.7475", "mp": "1", "state": "3", "relevance": "2"})
    assert row == cm.CrimeRow(
        external_id="7",
        occurred_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        lat=49.7475,
        lon=13.3776,
        state_id=3,
        relevance_id=2,
        types=(1,),
        municipal_police=True,
    )


def test_a_csv_row_with_a_bad_id_names_the_id_first() -> None:
    assert _reason(lambda: cm.row_from_csv({**RECORD, "id": None, "x": "13.3", "y": "49.7"}))[0] == "missing-id"


# ---------------------------------------------------------------- the type tree and public rules


def _tree() -> cm.TypeHierarchy:
    return cm.TypeHierarchy(
        [
            cm.TypeNode(1, None, None, None, "Násilné činy", "násilí"),
            cm.TypeNode(12, 1, None, None, "Loupež"),
            cm.TypeNode(123, 1, 12, None, "Loupež v bance"),
            cm.TypeNode(2, None, None, None, "Majetkové činy"),
            cm.TypeNode(21, 2, None, None, "Krádež"),
            cm.TypeNode(5, 5, None, None, "Sám sobě rodičem"),
            cm.TypeNode(30, None, 31, None, "Bez kořene", "orphan"),
            cm.TypeNode(40, 41, 42, None, "Dva neznámí rodiče"),
            # The "chain" reading: only the direct parent is given.
            cm.TypeNode(1234, 123, None, None, "Přepadení se zbraní"),
        ]
    )


def test_the_type_tree() -> None:
    tree = _tree()
    assert len(tree) == 9 and 12 in tree
    assert tree.ancestors(1234) == frozenset({123, 12, 1})
    assert tree.root_of(1234) == 1 and 99 not in tree
    assert tree.ancestors(123) == frozenset({1, 12})
    assert tree.ancestors(1) == frozenset()
    assert tree.ancestors(99) == frozenset()
    assert tree.ancestors(5) == frozenset()
    assert tree.root_of(123) == 1
    assert tree.root_of(21) == 2
    assert tree.root_of(2) == 2
    assert tree.root_of(99) == 99
    assert tree.root_of(30) == 31  # unknown parent: the last one set
    assert tree.root_of(40) == 41  # unknown parents: the first one (the "path" reading)
    assert tree.matching(ids=[21], name_patterns=["LOUPEŽ", " "]) == frozenset({12, 123, 21})
    assert tree.matching(name_patterns=["ORPHAN"]) == frozenset({30})
    assert tree.matching() == frozenset()


def test_primary_type_is_the_root_of_the_first_known_type() -> None:
    tree = _tree()
    assert cm.primary_type((99, 123, 21), tree) == 1
    assert cm.primary_type((99, 98), tree) == 99
    assert cm.primary_type((), tree) is None


def test_public_rules_and_why_not_public() -> None:
    tree = _tree()
    rules = cm.build_public_rules(
        hierarchy=tree,
        states={1: "Šetřeno", 2: "Odloženo", 3: "Jiné"},
        hidden_type_ids=[12],
        hidden_type_names=["krádež"],
        non_public_state_ids=[3],
        non_public_state_names=["ODLOŽ", "  "],
    )
    assert rules == cm.PublicRules(frozenset({12, 21}), frozenset({2, 3}))

    def why(types: tuple[int, ...], state: int | None = None) -> str | None:
        return cm.why_not_public(types=types, state_id=state, hierarchy=tree, rules=rules)

    assert why(()) == "no-type"
    assert why((1, 99)) == "unknown-type"
    assert why((123,)) == "hidden-type"  # a child of a hidden type
    assert why((1, 21)) == "hidden-type"
    assert why((1,), 2) == "state"
    assert why((1,), 1) is None
    assert why((1,)) is None
    nothing_hidden = cm.PublicRules(frozenset(), frozenset())
    assert cm.why_not_public(types=(123,), state_id=2, hierarchy=tree, rules=nothing_hidden) is None


def test_a_decimal_comma_is_read_only_when_asked() -> None:
    record = {**RECORD, "x": "13,3776", "y": "49,7475"}
    assert _reason(lambda: cm.row_from_csv(record))[:2] == ("bad-location", "13,3776")
    row = cm.row_from_csv(record, decimal_comma=True)
    assert (row.lon, row.lat) == (13.3776, 49.7475)
