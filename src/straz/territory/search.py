"""ONE place search for every page: gazetteer places and area names, offline, from our own data.

The district finder (/districts/), the public map's search box and the search API all call
`search`; a choice from a list comes back as its `key` ("area:12", "place:7") to `resolve`.
Names are compared in the normalised form of `rules.normalise_place_name`, so "slovany",
"Slovany" and "SLOVANY" find "Plzeň 2-Slovany", and "plzen" finds "Plzeň".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from shapely.geometry import shape

from straz.territory.models import Area, AreaKind, Place, PlaceKind
from straz.territory.rules import address_variants, match_tier, normalise_place_name
from straz.territory.services import Routing, noise_words, route_point, search_places

# Areas people look for by name; regions and ORPs are too large to be an answer.
SEARCHED_AREA_KINDS = (AreaKind.CITY_DISTRICT, AreaKind.MUNICIPALITY, AreaKind.POLICE_DISTRICT)
MAX_QUERY_CHARS = 200
DEFAULT_LIMIT = 10
# A police district counts as serving an area when it covers at least this share of it
# (shared borders and slivers of imprecise outlines are not "serving").
MIN_OVERLAP_SHARE = 0.01


@dataclass(frozen=True)
class Found:
    """One search result: a gazetteer place or an area, with a point and (areas) its bounds."""

    key: str
    name: str
    kind: str
    kind_label: str
    lat: float
    lon: float
    # (south, west, north, east) of an area; None for a place.
    bounds: tuple[float, float, float, float] | None
    # The police district a place lies in (its name), for telling equal names apart.
    district: str
    tier: int

    @property
    def is_area(self) -> bool:
        return self.key.startswith("area:")


def _from_place(place: Place, tier: int) -> Found:
    return Found(
        key=f"place:{place.pk}",
        name=place.name,
        kind=place.kind,
        kind_label=str(PlaceKind(place.kind).label) if place.kind in PlaceKind.values else place.kind,
        lat=place.lat,
        lon=place.lon,
        bounds=None,
        district=place.area.name if place.area else "",
        tier=tier,
    )


def _from_area(area: Area, tier: int) -> Found:
    # A point surely inside the area (a centroid may fall outside a bent outline).
    point = shape(area.geometry).representative_point()
    return Found(
        key=f"area:{area.pk}",
        name=area.name,
        kind=area.kind,
        kind_label=str(AreaKind(area.kind).label),
        lat=float(point.y),
        lon=float(point.x),
        bounds=(area.min_lat, area.min_lon, area.max_lat, area.max_lon),
        district=area.name if area.kind == AreaKind.POLICE_DISTRICT else "",
        tier=tier,
    )


def _matching_areas(norm: str, limit: int) -> list[tuple[int, Area]]:
    query = Area.objects.filter(is_active=True, kind__in=[k.value for k in SEARCHED_AREA_KINDS])
    for token in norm.split():
        query = query.filter(normalised_name__contains=token)
    rows = list(query.order_by("name", "pk")[:200])
    ranked = sorted(
        rows, key=lambda a: (match_tier(a.normalised_name, norm), len(a.normalised_name), a.name)
    )
    return [(match_tier(a.normalised_name, norm), a) for a in ranked[:limit]]


def search(*, text: str, limit: int = DEFAULT_LIMIT) -> list[Found]:
    """Places and areas matching a text (accents and case optional), best first."""
    norm = normalise_place_name(text[:MAX_QUERY_CHARS])
    if not norm:
        return []
    found = [_from_area(area, tier) for tier, area in _matching_areas(norm, limit)]
    found += [
        _from_place(place, match_tier(place.normalised_name, norm))
        for place in search_places(text=norm, limit=limit)
    ]
    if not found:
        # An address as people write it: "Americká 42, 301 00 Plzeň" (post code, town).
        for variant in address_variants(text[:MAX_QUERY_CHARS], noise=noise_words())[1:]:
            places = search_places(text=variant, limit=limit)
            if places:
                found = [_from_place(p, 3) for p in places]
                break
    # Areas before places of equal quality: a district's name is what people mean by it.
    found.sort(key=lambda f: (f.tier, 0 if f.is_area else 1, len(f.name), f.name))
    return found[:limit]


def chosen(found: list[Found]) -> Found | None:
    """The one result to show at once: the only one, or the only exact match; else None (a list)."""
    if len(found) == 1:
        return found[0]
    exact = [f for f in found if f.tier == 0]
    return exact[0] if len(exact) == 1 else None


def resolve(key: str) -> Found | None:
    """The result a `key` of an earlier search names (a choice from a list), or None."""
    kind, _sep, raw = key.partition(":")
    if not raw.isdigit() or len(raw) > 12:
        return None
    if kind == "place":
        place = Place.objects.select_related("area").filter(pk=int(raw)).first()
        return _from_place(place, 0) if place else None
    if kind == "area":
        area = (
            Area.objects.filter(
                pk=int(raw), is_active=True, kind__in=[k.value for k in SEARCHED_AREA_KINDS]
            )
            .first()
        )
        return _from_area(area, 0) if area else None
    return None


def police_districts_for(found: Found) -> list[Routing]:
    """The police districts serving a result: the one at a place, or those covering an area."""
    if not found.is_area:
        routing = route_point(lat=found.lat, lon=found.lon)
        return [routing] if routing else []
    area = Area.objects.select_related("primary_officer").get(pk=int(found.key[5:]))
    if area.kind == AreaKind.POLICE_DISTRICT:
        return [Routing(district=area, officer=area.primary_officer)]
    outline = shape(area.geometry)
    candidates = Area.objects.select_related("primary_officer").filter(
        Q(kind=AreaKind.POLICE_DISTRICT, is_active=True)
        & Q(min_lon__lte=area.max_lon, max_lon__gte=area.min_lon)
        & Q(min_lat__lte=area.max_lat, max_lat__gte=area.min_lat)
    )
    shares: list[tuple[float, Area]] = []
    for district in candidates:
        overlap = outline.intersection(shape(district.geometry)).area
        share = overlap / outline.area if outline.area else 0.0
        if share >= MIN_OVERLAP_SHARE:
            shares.append((share, district))
    shares.sort(key=lambda pair: (-pair[0], pair[1].name))
    return [Routing(district=d, officer=d.primary_officer) for _share, d in shares]
