"""Finding address points by typed text: fuzzy-match the small name table, then numbers by index.

The distinct names (streets and parts of municipalities) are held in memory per process
and reloaded when the table changes (its highest id grows with every import); the points
themselves are read from the database through the (key, number) indexes. Each answer is
routed to its police district at answer time, so new district borders apply at once.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Max, Q
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from straz.territory.addresses.rules import (
    AddressQuery,
    allowed_typos,
    name_tier,
    number_tier,
    read_query,
)
from straz.territory.models import AddressName, AddressPoint, Area, Officer
from straz.territory.rules import normalise_place_name
from straz.territory.services import route_points

MAX_LIMIT = 20
DEFAULT_LIMIT = 10
# How many best-matching names are looked up for numbers.
NAME_CANDIDATES = 40
POINTS_PER_QUERY = 30
# Names of one tier looked up for numbers (the best-ranked ones first).
KEYS_PER_TIER = 8


@dataclass(frozen=True, slots=True)
class _Name:
    key: str
    name: str
    municipality_code: str
    municipality: str
    municipality_key: str
    is_street: bool
    lat: float
    lon: float
    points: int


@dataclass(frozen=True)
class FoundAddress:
    """One answer: a label, a point and where it belongs."""

    label: str
    lat: float
    lon: float
    district: Area | None
    officer: Officer | None


class _NameIndex:
    """Distinct name keys, sorted (prefixes), their words (word starts) and entries."""

    def __init__(self, names: list[_Name], version: int | None) -> None:
        self.version = version
        self.by_key: dict[str, list[_Name]] = defaultdict(list)
        # (key, municipality code) → entries, for answers limited to a named town.
        self.by_key_code: dict[tuple[str, str], list[_Name]] = defaultdict(list)
        self.street_keys: set[str] = set()
        self.part_keys: set[str] = set()
        self.codes_by_town: dict[str, set[str]] = defaultdict(set)
        words: dict[str, set[str]] = defaultdict(set)
        for entry in names:
            self.by_key[entry.key].append(entry)
            self.by_key_code[(entry.key, entry.municipality_code)].append(entry)
            (self.street_keys if entry.is_street else self.part_keys).add(entry.key)
            self.codes_by_town[entry.municipality_key].add(entry.municipality_code)
            for word in entry.key.split()[1:]:
                words[word].add(entry.key)
        for entries in self.by_key.values():
            entries.sort(key=lambda e: -e.points)
        self.keys = sorted(self.by_key)
        self.words = {w: sorted(k) for w, k in words.items()}
        self.word_list = sorted(self.words)
        self.towns = sorted(self.codes_by_town)
        self.municipality_keys = set(self.towns)

    def _prefixed(self, sorted_list: list[str], typed: str, cap: int) -> list[str]:
        start = bisect.bisect_left(sorted_list, typed)
        out: list[str] = []
        for item in sorted_list[start : start + cap]:
            if not item.startswith(typed):
                break
            out.append(item)
        return out

    def is_town(self, text: str) -> bool:
        """Whether the words name a municipality, or begin the name of one (three letters on)."""
        return text in self.municipality_keys or (
            len(text) >= 3 and bool(self._prefixed(self.towns, text, 1))
        )

    def codes_of_town(self, town: str) -> set[str]:
        """Codes of the municipalities the words name (exactly, else by the start of the name)."""
        if town in self.codes_by_town:
            return set(self.codes_by_town[town])
        codes: set[str] = set()
        for name in self._prefixed(self.towns, town, 200):
            codes.update(self.codes_by_town[name])
        return codes

    def candidates(self, typed: str) -> list[tuple[int, str]]:
        """Name keys matching typed words, with their tier (rules.name_tier), best first."""
        found: set[str] = set(self._prefixed(self.keys, typed, 200))
        for word in self._prefixed(self.word_list, typed, 50):
            found.update(self.words[word][:50])
        budget = allowed_typos(typed)
        if budget:
            for key, _distance, _index in process.extract(
                typed, self.keys, scorer=Levenshtein.distance, score_cutoff=budget, limit=50
            ):
                found.add(key)
        ranked = [(tier, key) for key in found if (tier := name_tier(key, typed)) is not None]
        ranked.sort(key=lambda item: (item[0], len(item[1]), item[1]))
        return ranked

    def entries(self, key: str, codes: set[str] | None) -> list[_Name]:
        """The streets or parts of this name, biggest first, only in these towns if given."""
        if codes is None:
            return self.by_key[key]
        found = [e for code in codes for e in self.by_key_code.get((key, code), ())]
        found.sort(key=lambda e: -e.points)
        return found


_lock = threading.Lock()
_index: _NameIndex | None = None


def _current_version() -> int | None:
    top: int | None = AddressName.objects.aggregate(top=Max("id"))["top"]
    return top


def name_index() -> _NameIndex:
    """The in-memory name index, reloaded when the name table changed."""
    global _index
    version = _current_version()
    cached = _index
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        if _index is not None and _index.version == version:
            return _index
        names = [
            _Name(
                key=row.key,
                name=row.name,
                municipality_code=row.municipality_code,
                municipality=row.municipality,
                municipality_key=normalise_place_name(row.municipality),
                is_street=row.is_street,
                lat=row.lat,
                lon=row.lon,
                points=row.points,
            )
            for row in AddressName.objects.all().iterator(chunk_size=10000)
        ]
        _index = _NameIndex(names, version)
        return _index


def _splits(query: AddressQuery, index: _NameIndex) -> list[tuple[str, str]]:
    """(name words, municipality words) readings of the typed words, the whole text first.

    The tail may name the part of the municipality, the municipality, or both, as an
    address label does ("Americká 2244/42, Jižní Předměstí, 301 00 Plzeň").
    """
    words = query.name.split()
    readings = [(query.name, "")]
    for cut in range(len(words) - 1, 0, -1):
        town = _town_of(words[cut:], index)
        if town is not None:
            readings.append((" ".join(words[:cut]), town))
    return readings


def _town_of(tail: list[str], index: _NameIndex) -> str | None:
    """The municipality words a tail of the text names ("" for a part only), or None."""
    text = " ".join(tail)
    if index.is_town(text):
        return text
    if text in index.part_keys:
        return ""
    for cut in range(1, len(tail)):
        part, town = " ".join(tail[:cut]), " ".join(tail[cut:])
        if part in index.part_keys and town in index.municipality_keys:
            return town
    return None


_Scored = tuple[tuple[int, int, int, int, str], str, float, float]


def search_addresses(*, text: str, limit: int = DEFAULT_LIMIT) -> list[FoundAddress]:
    """Addresses (or streets and parts, without a number) matching the text, best first."""
    limit = max(1, min(limit, MAX_LIMIT))
    query = read_query(text)
    if not query.name:
        return []
    index = name_index()
    scored: list[_Scored] = []
    for typed, town in _splits(query, index):
        codes = index.codes_of_town(town) if town else None
        ranked = index.candidates(typed)[:NAME_CANDIDATES]
        if query.has_number:
            scored.extend(_with_numbers(query, ranked, codes, index, limit))
            continue
        for tier, key in ranked:
            for entry in index.entries(key, codes)[:limit]:
                label = (
                    entry.name
                    if entry.name == entry.municipality
                    else f"{entry.name}, {entry.municipality}"
                )
                rank = (tier, 0 if town else 1, 0, -entry.points, label)
                scored.append((rank, label, entry.lat, entry.lon))
    scored.sort(key=lambda item: item[0])
    unique: list[tuple[str, float, float]] = []
    labels: set[str] = set()
    for _rank, label, lat, lon in scored:
        if label not in labels:
            labels.add(label)
            unique.append((label, lat, lon))
        if len(unique) >= limit:
            break
    routes = route_points([(lat, lon) for _label, lat, lon in unique])
    return [
        FoundAddress(
            label=label,
            lat=lat,
            lon=lon,
            district=route.district if route else None,
            officer=route.officer if route else None,
        )
        for (label, lat, lon), route in zip(unique, routes, strict=True)
    ]


def _with_numbers(
    query: AddressQuery,
    ranked: list[tuple[int, str]],
    codes: set[str] | None,
    index: _NameIndex,
    limit: int,
) -> list[_Scored]:
    """Address points of the matched names carrying the typed number(s), tier by tier.

    Each tier's names are looked up together through the (key, number, town size) indexes,
    biggest towns first; a worse tier is read only while the better ones found too few.
    """
    out: list[_Scored] = []
    by_tier: dict[int, list[str]] = defaultdict(list)
    for tier, key in ranked:
        by_tier[tier].append(key)
    for tier in sorted(by_tier):
        keys = by_tier[tier]
        street_keys = [k for k in keys if k in index.street_keys]
        # One indexed query per name: each reads its biggest towns' rows straight from the
        # (key, number, town size) index; an IN of many common names would sort them all.
        points: list[AddressPoint] = []
        for key in keys[:KEYS_PER_TIER]:
            points.extend(
                _points(
                    query,
                    [key] if key in index.street_keys else [],
                    [key] if key in index.part_keys else [],
                    codes,
                )
            )
        for point in points:
            via_street = point.street_key in street_keys and bool(point.street)
            numbers = number_tier(
                query,
                has_street=via_street,
                house_number=point.house_number,
                orientation_number=point.orientation_number,
                letter=point.orientation_letter,
            )
            if numbers is None:
                continue
            label = str(point)
            rank = (tier, 0 if codes is not None else 1, numbers, -point.municipality_size, label)
            out.append((rank, label, point.lat, point.lon))
        if len(out) >= limit:
            break
    return out


def _points(
    query: AddressQuery, street_keys: list[str], part_keys: list[str], codes: set[str] | None
) -> list[AddressPoint]:
    """Points of these names with the typed number, one indexed query per reading of it."""
    wanted = query.house_number
    filters: list[Q] = []
    if street_keys:
        if query.slashed:
            filters.append(
                Q(street_key__in=street_keys, orientation_number=query.orientation_number)
            )
        else:
            filters.append(Q(street_key__in=street_keys, orientation_number=wanted))
            filters.append(Q(street_key__in=street_keys, house_number=wanted))
    if part_keys:
        filters.append(Q(part_key__in=part_keys, house_number=wanted))
    points: dict[int, AddressPoint] = {}
    for condition in filters:
        rows = AddressPoint.objects.filter(condition)
        if codes is not None:
            rows = rows.filter(municipality_code__in=sorted(codes))
        for point in rows.order_by("-municipality_size")[:POINTS_PER_QUERY]:
            points[point.pk] = point
    return list(points.values())


def address_points_present() -> bool:
    """Whether any address point has been imported."""
    return AddressPoint.objects.exists()
