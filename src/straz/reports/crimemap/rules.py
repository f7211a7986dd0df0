"""Pure rules for the Czech police crime-map open data: records, the type hierarchy, public rules.

No Django here: the importer (`straz.reports.crimemap.importer`) feeds parsed dicts in and stores
what comes out. Reasons for refusing a record are short keys; the importer translates them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

# The police publish local Czech time; a timestamp without an offset is read in this zone.
SOURCE_TIME_ZONE = ZoneInfo("Europe/Prague")
EXTERNAL_ID_MAX = 64

# Reason keys for skipped records (the importer maps them to translated messages).
MISSING_ID = "missing-id"
BAD_ID = "bad-id"
NOT_A_FEATURE = "not-a-feature"
NO_LOCATION = "no-location"
BAD_LOCATION = "bad-location"
BAD_DATE = "bad-date"
BAD_CODE = "bad-code"
BAD_FLAG = "bad-flag"
REPEATED_ID = "repeated-id"
BAD_COLUMNS = "bad-columns"
BAD_ENTRY = "bad-entry"
UNCHANGED = "unchanged"

# Reasons a stored record is kept off the public map.
NOT_PUBLIC_NO_TYPE = "no-type"
NOT_PUBLIC_UNKNOWN_TYPE = "unknown-type"
NOT_PUBLIC_HIDDEN_TYPE = "hidden-type"
NOT_PUBLIC_STATE = "state"


class BadRecord(ValueError):
    """A record that cannot be imported; `reason` is one of the reason keys above."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class CrimeRow:
    """One valid offence record as published by the police."""

    external_id: str
    occurred_at: datetime
    lat: float
    lon: float
    state_id: int | None
    relevance_id: int | None
    types: tuple[int, ...]
    municipal_police: bool


def parse_external_id(value: Any) -> str:
    """The record's id as text (the police use integers; strings are accepted too)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadRecord(MISSING_ID)
    if isinstance(value, bool) or isinstance(value, float | dict | list):
        raise BadRecord(BAD_ID, repr(value)[:40])
    text = str(value).strip()
    if len(text) > EXTERNAL_ID_MAX:
        raise BadRecord(BAD_ID, f"longer than {EXTERNAL_ID_MAX} characters")
    return text


def parse_timestamp(value: Any) -> datetime:
    """An ISO 8601 timestamp as aware UTC; local Czech time when it carries no offset."""
    if not isinstance(value, str) or not value.strip():
        raise BadRecord(BAD_DATE, repr(value)[:40])
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRecord(BAD_DATE, value[:40]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SOURCE_TIME_ZONE)
    return moment.astimezone(UTC)


def parse_code(value: Any) -> int | None:
    """A code-list reference (state, relevance): integer or empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadRecord(BAD_CODE, repr(value))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise BadRecord(BAD_CODE, repr(value)[:40])


_TYPE_SPLIT = re.compile(r"[,;|\s]+")


def parse_types(value: Any) -> tuple[int, ...]:
    """The list of type codes: a JSON list, or text like "1,12,123" / "[1, 12]" in CSV."""
    if value is None:
        return ()
    items: list[Any]
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        text = value.strip().strip("[]").strip()
        items = [t for t in _TYPE_SPLIT.split(text) if t] if text else []
    elif isinstance(value, int) and not isinstance(value, bool):
        items = [value]
    else:
        raise BadRecord(BAD_CODE, repr(value)[:40])
    codes: list[int] = []
    for item in items:
        code = parse_code(item)
        if code is None:
            raise BadRecord(BAD_CODE, repr(value)[:40])
        if code not in codes:
            codes.append(code)
    return tuple(codes)


_TRUE = {"true", "t", "1", "yes", "y", "ano", "a"}
_FALSE = {"false", "f", "0", "no", "n", "ne", ""}


def parse_flag(value: Any) -> bool:
    """The `mp` flag (municipal police): boolean, 0/1, or text."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise BadRecord(BAD_FLAG, repr(value)[:40])


def parse_coordinate(value: Any, *, decimal_comma: bool = False) -> float:
    """A coordinate number (CSV text may use a decimal comma)."""
    if isinstance(value, bool) or value is None:
        raise BadRecord(BAD_LOCATION, repr(value)[:40])
    if isinstance(value, str):
        text = value.strip()
        if decimal_comma:
            text = text.replace(",", ".")
        if not text:
            raise BadRecord(NO_LOCATION)
        try:
            number = float(text)
        except ValueError:
            raise BadRecord(BAD_LOCATION, value[:40]) from None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        raise BadRecord(BAD_LOCATION, repr(value)[:40])
    if not math.isfinite(number):
        raise BadRecord(BAD_LOCATION, repr(value)[:40])
    return number


def check_point(lon: float, lat: float) -> tuple[float, float]:
    """Refuse points outside WGS84 ranges and the (0, 0) placeholder."""
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise BadRecord(BAD_LOCATION, f"[{lon}, {lat}] is outside WGS84 lon/lat ranges")
    if lon == 0.0 and lat == 0.0:
        raise BadRecord(NO_LOCATION, "[0, 0]")
    return lon, lat


def row_from_properties(props: Mapping[str, Any], lon: float, lat: float) -> CrimeRow:
    """Build a CrimeRow from the shared properties (id, date, state, relevance, types, mp)."""
    return CrimeRow(
        external_id=parse_external_id(props.get("id")),
        occurred_at=parse_timestamp(props.get("date")),
        lat=lat,
        lon=lon,
        state_id=parse_code(props.get("state")),
        relevance_id=parse_code(props.get("relevance")),
        types=parse_types(props.get("types")),
        municipal_police=parse_flag(props.get("mp")),
    )


def row_from_feature(feature: Any) -> CrimeRow:
    """Parse one GeoJSON Feature with a Point geometry ([lon, lat], WGS84)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise BadRecord(NOT_A_FEATURE)
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise BadRecord(NOT_A_FEATURE, "properties missing")
    # The id may sit on the feature itself (RFC 7946 §3.2) rather than in properties.
    if props.get("id") is None and feature.get("id") is not None:
        props = {**props, "id": feature["id"]}
    geometry = feature.get("geometry")
    if geometry is None:
        parse_external_id(props.get("id"))
        raise BadRecord(NO_LOCATION)
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise BadRecord(BAD_LOCATION, "geometry is not a Point")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise BadRecord(BAD_LOCATION, "Point without [lon, lat]")
    lon, lat = check_point(parse_coordinate(coords[0]), parse_coordinate(coords[1]))
    return row_from_properties(props, lon, lat)


# Czech exports made in GIS tools often carry S-JTSK / Krovak East North (EPSG:5514)
# metres instead of WGS84 degrees; the two ranges cannot be confused.
_SJTSK_X = (-950_000.0, -400_000.0)
_SJTSK_Y = (-1_300_000.0, -900_000.0)
_sjtsk_transformer: Any = None


def is_sjtsk(x: float, y: float) -> bool:
    """True when (x, y) lie in the S-JTSK range covering Czechia."""
    return _SJTSK_X[0] <= x <= _SJTSK_X[1] and _SJTSK_Y[0] <= y <= _SJTSK_Y[1]


def sjtsk_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """EPSG:5514 metres to WGS84 (lon, lat), rounded to about 10 cm."""
    global _sjtsk_transformer
    if _sjtsk_transformer is None:
        from pyproj import Transformer  # heavy third-party (PROJ database): first use only

        _sjtsk_transformer = Transformer.from_crs("EPSG:5514", "EPSG:4326", always_xy=True)
    lon, lat = _sjtsk_transformer.transform(x, y)
    return round(float(lon), 6), round(float(lat), 6)


def row_from_csv(record: Mapping[str, Any], *, decimal_comma: bool = False) -> CrimeRow:
    """Parse one CSV row (columns id, x = lon, y = lat, date, state, relevance, types, mp)."""
    external_id = parse_external_id(record.get("id"))
    x, y = record.get("x"), record.get("y")
    if (
        x is None
        or y is None
        or (isinstance(x, str) and not x.strip())
        or (isinstance(y, str) and not y.strip())
    ):
        raise BadRecord(NO_LOCATION)
    x_num = parse_coordinate(x, decimal_comma=decimal_comma)
    y_num = parse_coordinate(y, decimal_comma=decimal_comma)
    if is_sjtsk(x_num, y_num):
        x_num, y_num = sjtsk_to_wgs84(x_num, y_num)
    lon, lat = check_point(x_num, y_num)
    props = dict(record)
    props["id"] = external_id
    return row_from_properties(props, lon, lat)


@dataclass(frozen=True)
class TypeNode:
    """One entry of `types.json`."""

    id: int
    parent_id1: int | None
    parent_id2: int | None
    parent_id3: int | None
    name: str
    label: str = ""

    @property
    def parents(self) -> tuple[int, ...]:
        return tuple(
            p
            for p in (self.parent_id1, self.parent_id2, self.parent_id3)
            if p is not None and p != self.id
        )


class TypeHierarchy:
    """The offence-type tree; tolerant of both readings of parent_id1…3 (path or chain)."""

    def __init__(self, nodes: Iterable[TypeNode]) -> None:
        self.nodes: dict[int, TypeNode] = {n.id: n for n in nodes}
        self._ancestors: dict[int, frozenset[int]] = {}

    def __contains__(self, type_id: object) -> bool:
        return type_id in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def ancestors(self, type_id: int) -> frozenset[int]:
        """Every known ancestor of a type (parents, their parents, …)."""
        cached = self._ancestors.get(type_id)
        if cached is not None:
            return cached
        seen: set[int] = set()
        todo = list(self.nodes[type_id].parents) if type_id in self.nodes else []
        while todo:
            current = todo.pop()
            if current in seen or current == type_id:
                continue  # a cycle in bad data must not loop forever
            seen.add(current)
            node = self.nodes.get(current)
            if node is not None:
                todo.extend(node.parents)
        result = frozenset(seen)
        self._ancestors[type_id] = result
        return result

    def root_of(self, type_id: int) -> int:
        """The top-level type above `type_id` (itself when it has no parents)."""
        node = self.nodes.get(type_id)
        if node is None or not node.parents:
            return type_id
        # The root is the ancestor that has no parents of its own; with the "path" reading
        # that is parent_id1, with the "chain" reading the last one set.
        roots = [
            a for a in self.ancestors(type_id) if a in self.nodes and not self.nodes[a].parents
        ]
        if roots:
            return min(roots)
        return node.parent_id1 if node.parent_id1 is not None else node.parents[-1]

    def matching(
        self, *, ids: Iterable[int] = (), name_patterns: Iterable[str] = ()
    ) -> frozenset[int]:
        """Types that are listed by id or whose name/label contains a pattern (case-insensitive)."""
        wanted = set(ids)
        patterns = [p.casefold() for p in name_patterns if p.strip()]
        for node in self.nodes.values():
            text = f"{node.name} {node.label}".casefold()
            if any(p in text for p in patterns):
                wanted.add(node.id)
        return frozenset(wanted)


@dataclass(frozen=True)
class PublicRules:
    """What keeps a police record off the public map (settings + code lists)."""

    hidden_type_ids: frozenset[int]
    non_public_state_ids: frozenset[int]


def build_public_rules(
    *,
    hierarchy: TypeHierarchy,
    states: Mapping[int, str],
    hidden_type_ids: Iterable[int],
    hidden_type_names: Iterable[str],
    non_public_state_ids: Iterable[int],
    non_public_state_names: Iterable[str],
) -> PublicRules:
    """Resolve the configured ids and name patterns against the loaded code lists."""
    state_patterns = [p.casefold() for p in non_public_state_names if p.strip()]
    states_off = set(non_public_state_ids) | {
        sid for sid, name in states.items() if any(p in name.casefold() for p in state_patterns)
    }
    return PublicRules(
        hidden_type_ids=hierarchy.matching(ids=hidden_type_ids, name_patterns=hidden_type_names),
        non_public_state_ids=frozenset(states_off),
    )


def primary_type(types: tuple[int, ...], hierarchy: TypeHierarchy) -> int | None:
    """The top-level type of a record: the root of its first known type."""
    for code in types:
        if code in hierarchy:
            return hierarchy.root_of(code)
    return types[0] if types else None


def why_not_public(
    *, types: tuple[int, ...], state_id: int | None, hierarchy: TypeHierarchy, rules: PublicRules
) -> str | None:
    """None when the public may see the record, else the reason key.

    A type missing from the code list could be one of the hidden kinds, so a record is
    shown only once all of its types are known (import order then does not matter: the
    records are re-checked when `types.json` arrives).
    """
    if not types:
        return NOT_PUBLIC_NO_TYPE
    if any(code not in hierarchy for code in types):
        return NOT_PUBLIC_UNKNOWN_TYPE
    hidden = rules.hidden_type_ids
    if hidden and any(code in hidden or hierarchy.ancestors(code) & hidden for code in types):
        return NOT_PUBLIC_HIDDEN_TYPE
    if state_id is not None and state_id in rules.non_public_state_ids:
        return NOT_PUBLIC_STATE
    return None
