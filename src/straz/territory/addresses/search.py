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
POINTS_PER_QUERY = 60


@dataclass(frozen=True)
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
        words: dict[str, set[str]] = defaultdict(set)
        self.municipality_keys: set[str] = set()
        self.part_keys: set[str] = set()
        # Address points per municipality: of two equal answers, the bigger town's first.
        self.municipality_points: dict[str, int] = defaultdict(int)
        for entry in names:
            if not entry.is_street:
                self.municipality_points[entry.municipality_code] += entry.points
            self.by_key[entry.key].append(entry)
            for word in entry.key.split()[1:]:
                words[word].add(entry.key)
            self.municipality_keys.add(entry.municipality_key)
            if not entry.is_street:
                self.part_keys.add(entry.key)
        for entries in self.by_key.values():
            entries.sort(key=lambda e: -e.points)
        self.keys = sorted(self.by_key)
        self.words = {w: sorted(k) for w, k in words.items()}
        self.word_list = sorted(self.words)

    def _prefixed(self, sorted_list: list[str], typed: str, cap: int) -> list[str]:
        start = bisect.bisect_left(sorted_list, typed)
        out: list[str] = []
        for item in sorted_list[start : start + cap]:
            if not item.startswith(typed):
                break
            out.append(item)
        return out

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


_lock = threading.Lock()
_index: _NameIndex | None = None


def _current_version() -> int | None:
    return AddressName.objects.aggregate(top=Max("id"))["top"]


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
        tail = words[cut:]
        town = _town_of(tail, index)
        if town is not None:
            readings.append((" ".join(words[:cut]), town))
    return readings


def _town_of(tail: list[str], index: _NameIndex) -> str | None:
    """The municipality words a tail of the text names ("" for a part only), or None."""
    text = " ".join(tail)
    if text in index.municipality_keys:
        return text
    if len(text) >= 3 and any(m.startswith(text) for m in index.municipality_keys):
        return text
    if text in index.part_keys:
        return ""
    for cut in range(1, len(tail)):
        part, town = " ".join(tail[:cut]), " ".join(tail[cut:])
        if part in index.part_keys and town in index.municipality_keys:
            return town
    return None


def search_addresses(*, text: str, limit: int = DEFAULT_LIMIT) -> list[FoundAddress]:
    """Addresses (or streets and parts, without a number) matching the text, best first."""
    limit = max(1, min(limit, MAX_LIMIT))
    query = read_query(text)
    if not query.name:
        return []
    index = name_index()
    # (name tier, town given and matched, number tier, -points, label) → answer
    scored: list[tuple[tuple[int, int, int, int, str], str, float, float]] = []
    for typed, town in _splits(query, index):
        entries: list[tuple[int, _Name]] = []
        for tier, key in index.candidates(typed)[:NAME_CANDIDATES]:
            for entry in index.by_key[key]:
                if town and not entry.municipality_key.startswith(town):
                    continue
                entries.append((tier, entry))
        if query.has_number:
            scored.extend(_with_numbers(query, entries, bool(town), index.municipality_points))
        else:
            for tier, entry in entries[: limit * 4]:
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
    entries: list[tuple[int, _Name]],
    town_given: bool,
    municipality_points: dict[str, int],
) -> list[tuple[tuple[int, int, int, int, str], str, float, float]]:
    """Address points of the matched names carrying the typed number(s)."""
    tiers: dict[tuple[str, str, bool], int] = {}
    for tier, entry in entries:
        slot = (entry.municipality_code, entry.key, entry.is_street)
        tiers[slot] = min(tier, tiers.get(slot, tier))
    if not tiers:
        return []
    street_keys = sorted({key for (_code, key, street) in tiers if street})
    part_keys = sorted({key for (_code, key, street) in tiers if not street})
    codes = sorted({code for (code, _key, _street) in tiers})
    wanted = query.house_number
    filters: list[Q] = []
    if query.slashed:
        if street_keys:
            filters.append(
                Q(street_key__in=street_keys, orientation_number=query.orientation_number)
            )
        if part_keys:
            filters.append(Q(part_key__in=part_keys, house_number=wanted))
    else:
        if street_keys:
            filters.append(Q(street_key__in=street_keys, orientation_number=wanted))
            filters.append(Q(street_key__in=street_keys, house_number=wanted))
        if part_keys:
            filters.append(Q(part_key__in=part_keys, house_number=wanted))
            # Villages without streets: their points carry the part's key as street_key.
            filters.append(Q(street_key__in=part_keys, house_number=wanted))
    points: dict[int, AddressPoint] = {}
    for condition in filters:
        # One index per query (key, number); the municipality narrows afterwards.
        for point in AddressPoint.objects.filter(condition).filter(municipality_code__in=codes)[
            :POINTS_PER_QUERY
        ]:
            points[point.pk] = point
    out: list[tuple[tuple[int, int, int, int, str], str, float, float]] = []
    for point in points.values():
        has_street = bool(point.street)
        via_street = tiers.get((point.municipality_code, point.street_key, True))
        via_part = tiers.get((point.municipality_code, point.part_key, False))
        if via_street is None and via_part is None:
            continue
        numbers = number_tier(
            query,
            has_street=has_street and via_street is not None,
            house_number=point.house_number,
            orientation_number=point.orientation_number,
            letter=point.orientation_letter,
        )
        if numbers is None:
            continue
        tier = min(t for t in (via_street, via_part) if t is not None)
        label = str(point)
        size = municipality_points.get(point.municipality_code, 0)
        out.append(
            ((tier, 0 if town_given else 1, numbers, -size, label), label, point.lat, point.lon)
        )
    return out


def address_points_present() -> bool:
    """Whether any address point has been imported."""
    return AddressPoint.objects.exists()
