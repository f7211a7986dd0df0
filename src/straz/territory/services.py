"""Territory use cases: importing areas, routing a point to its police district, geocoding."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.geo.geojson import (
    GeoError,
    GeoErrorCode,
    GeoJSONError,
    ParsedFeature,
    bbox_of,
    parse_features,
    parse_geometry,
    to_geojson,
)
from straz.geo.polygon_index import PolygonIndex
from straz.territory.locate import Fingerprint, fingerprint, index, invalidate, locate
from straz.territory.models import Area, AreaKind, Officer, Place
from straz.territory.rules import address_variants, match_tier, normalise_place_name

# ---------------------------------------------------------------------------------------
# Import


class AreaImportError(ValueError):
    """The input was refused; `messages` are translated, one per problem, nothing was saved."""

    def __init__(self, messages: Sequence[str], problems: Sequence[GeoError] = ()) -> None:
        self.messages: list[str] = [str(m) for m in messages]
        self.problems = tuple(problems)
        super().__init__("\n".join(self.messages))


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    kind: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated)


def describe_geo_error(error: GeoError) -> str:
    """A GeoJSON problem in the user's language, naming the feature and the reason."""
    p = dict(error.params)
    code = error.code
    if code is GeoErrorCode.NOT_JSON:
        if "line" in p:
            reason = (
                _("the file is not valid JSON (line %(line)s, column %(column)s: %(reason)s)") % p
            )
        else:
            reason = _("the file is not valid JSON (%(reason)s)") % p
    elif code is GeoErrorCode.WRONG_TYPE:
        reason = _("wrong type: expected %(expected)s, found %(found)s") % p
    elif code is GeoErrorCode.UNSUPPORTED_CRS:
        reason = (
            _("unsupported coordinate system %(found)s; only WGS84 longitude/latitude is accepted")
            % p
        )
    elif code is GeoErrorCode.NO_FEATURES:
        reason = _("the FeatureCollection contains no features")
    elif code is GeoErrorCode.MISSING_GEOMETRY:
        reason = _("the feature has no geometry")
    elif code is GeoErrorCode.UNSUPPORTED_GEOMETRY:
        reason = _("geometry type %(found)s is not supported; use Polygon or MultiPolygon") % p
    elif code is GeoErrorCode.BAD_COORDINATES:
        reason = _("coordinates are not pairs of numbers (%(found)s)") % p
    elif code is GeoErrorCode.OUT_OF_RANGE:
        reason = (
            _(
                "coordinates out of range (longitude %(lon)s, latitude %(lat)s); longitude must be "
                "between -180 and 180 and latitude between -90 and 90"
            )
            % p
        )
    elif code is GeoErrorCode.UNCLOSED_RING:
        reason = (
            _(
                "ring %(ring)s of polygon %(polygon)s is not closed "
                "(first point %(first)s, last point %(last)s)"
            )
            % p
        )
    elif code is GeoErrorCode.TOO_FEW_POINTS:
        if "ring" in p:
            reason = (
                _(
                    "ring %(ring)s of polygon %(polygon)s has too few points "
                    "(%(count)s; at least 4 are needed)"
                )
                % p
            )
        else:
            reason = (
                _("a ring has too few distinct points near longitude %(lon)s, latitude %(lat)s") % p
            )
    elif code is GeoErrorCode.SELF_INTERSECTION:
        if "lon" in p:
            reason = _("the polygon intersects itself at longitude %(lon)s, latitude %(lat)s") % p
        else:
            reason = _("the polygon intersects itself")
    elif code is GeoErrorCode.EMPTY:
        reason = _("the geometry is empty (no area)")
    elif code is GeoErrorCode.TOO_DEEP:
        reason = _("the JSON is nested too deeply (more than %(limit)s levels)") % p
    elif code is GeoErrorCode.TOO_MANY_ERRORS:
        reason = (
            _(
                "checking stopped after %(shown)s problems (at feature %(after)s); "
                "fix these and try again"
            )
            % p
        )
    else:
        if "lon" in p:
            reason = _("invalid polygon (%(reason)s) at longitude %(lon)s, latitude %(lat)s") % p
        else:
            reason = _("invalid polygon (%(reason)s)") % p
    if error.feature_index is None:
        return reason
    return _("Feature %(index)s: %(reason)s") % {"index": error.feature_index, "reason": reason}


def _read_source(
    source: str | bytes | Path | IO[Any] | Mapping[str, Any],
) -> str | bytes | Mapping[str, Any]:
    if isinstance(source, Path):
        return source.read_bytes()
    if isinstance(source, str | bytes | Mapping):
        return source
    data = source.read()
    if not isinstance(data, str | bytes):
        raise TypeError("features_source file must yield text or bytes")
    return data


def _text_property(props: Mapping[str, Any], name: str) -> str:
    value = props.get(name)
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return str(value).strip()


def import_areas(
    *,
    features_source: str | bytes | Path | IO[Any] | Mapping[str, Any],
    kind: str,
    code_field: str,
    name_field: str,
    population_field: str | None = None,
    parent_code: str | None = None,
    actor: User | None = None,
    source_label: str = "",
) -> ImportResult:
    """Create or update areas of one kind from GeoJSON, all or nothing, with one audit entry."""
    if kind not in AreaKind.values:
        raise AreaImportError(
            [
                _("Unknown kind of area %(kind)s; choose one of: %(choices)s")
                % {"kind": kind, "choices": ", ".join(AreaKind.values)}
            ]
        )
    try:
        features = parse_features(_read_source(features_source))
    except GeoJSONError as exc:
        raise AreaImportError([describe_geo_error(e) for e in exc.errors], exc.errors) from exc

    messages: list[str] = []
    rows: list[tuple[ParsedFeature, str, str, int | None]] = []
    seen: dict[str, int] = {}
    code_max = Area._meta.get_field("code").max_length or 32
    name_max = Area._meta.get_field("name").max_length or 200
    for feature in features:
        props = feature.properties
        code = _text_property(props, code_field)
        name = _text_property(props, name_field)
        index = feature.index
        if not code:
            messages.append(
                _("Feature %(index)s: the code property %(field)s is missing or empty")
                % {"index": index, "field": code_field}
            )
            continue
        if len(code) > code_max:
            messages.append(
                _("Feature %(index)s: code %(code)s is longer than %(max)s characters")
                % {"index": index, "code": code[:40], "max": code_max}
            )
            continue
        if code in seen:
            messages.append(
                _("Feature %(index)s: code %(code)s repeats feature %(first)s")
                % {"index": index, "code": code, "first": seen[code]}
            )
            continue
        seen[code] = index
        if not name:
            messages.append(
                _("Feature %(index)s: the name property %(field)s is missing or empty")
                % {"index": index, "field": name_field}
            )
            continue
        population: int | None = None
        if population_field:
            raw = props.get(population_field)
            try:
                if isinstance(raw, bool) or raw is None:
                    raise ValueError
                number = float(raw)
                # PositiveIntegerField is a 32-bit column on PostgreSQL.
                if number != int(number) or not 0 <= number <= 2_147_483_647:
                    raise ValueError
                population = int(number)
            except (TypeError, ValueError, OverflowError):
                messages.append(
                    _(
                        "Feature %(index)s: population %(field)s must be a whole number "
                        "of 0 or more, not %(value)s"
                    )
                    % {"index": index, "field": population_field, "value": repr(raw)[:40]}
                )
                continue
        rows.append((feature, code, name[:name_max], population))

    parent: Area | None = None
    if parent_code:
        candidates = {a.kind: a for a in Area.objects.filter(code=parent_code)}
        for preferred in (AreaKind.MUNICIPALITY, AreaKind.CITY_DISTRICT, AreaKind.POLICE_DISTRICT):
            if preferred.value in candidates:
                parent = candidates[preferred.value]
                break
        if parent is None:
            messages.append(
                _("Parent area with code %(code)s does not exist") % {"code": parent_code}
            )
    if messages:
        raise AreaImportError(messages)

    result = ImportResult(kind=kind)
    with transaction.atomic():
        existing = {
            a.code: a
            for a in Area.objects.select_for_update().filter(
                kind=kind, code__in=[r[1] for r in rows]
            )
        }
        for feature, code, name, population in rows:
            min_lon, min_lat, max_lon, max_lat = feature.bbox
            area = existing.get(code)
            if area is None:
                area = Area(kind=kind, code=code)
                result.created.append(code)
            else:
                result.updated.append(code)
            area.name = name
            area.geometry = feature.geometry_geojson()
            area.min_lon, area.min_lat, area.max_lon, area.max_lat = (
                min_lon,
                min_lat,
                max_lon,
                max_lat,
            )
            area.is_active = True
            if population_field:
                area.population = population
            if parent is not None:
                area.parent = parent
            area.save()
        audit.record(
            action="territory.import_areas",
            object_type="area",
            object_id=kind,
            actor=actor,
            actor_label=None if actor else "import",
            after={
                "kind": kind,
                "source": source_label,
                "created": result.created,
                "updated": result.updated,
                "parent": parent.code if parent else None,
            },
        )
        # Locatable at once: this transaction's readers see the new index straight away,
        # and others when it commits (the fingerprint changes then).
        invalidate(kind)
        transaction.on_commit(lambda: invalidate(kind))
    return result


# ---------------------------------------------------------------------------------------
# Bulk load (demo data sets and fixtures: the same checks as an import, no audit per row)


def load_area(
    *,
    kind: str,
    code: str,
    name: str,
    geometry: dict[str, Any],
    population: int | None = None,
    parent: Area | None = None,
) -> Area:
    """Create or update one area from a GeoJSON geometry, validated like an import."""
    checked = parse_geometry(geometry)
    min_lon, min_lat, max_lon, max_lat = bbox_of(checked)
    area, _created = Area.objects.update_or_create(
        kind=kind,
        code=code,
        defaults={
            "name": name,
            "geometry": to_geojson(checked),
            "population": population,
            "parent": parent,
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
            "is_active": True,
        },
    )
    return area


def load_officer(*, email: str, name: str, rank: str, phone: str, office: str, office_hours: str, district: Area) -> Officer:
    """Create or update an officer (by e-mail) and make them the district's primary officer."""
    officer, _created = Officer.objects.update_or_create(
        email=email,
        defaults={"name": name, "rank": rank, "phone": phone, "office": office, "office_hours": office_hours},
    )
    officer.districts.add(district)
    district.primary_officer = officer
    district.save(update_fields=["primary_officer", "updated_at"])
    return officer


def bulk_load_places(places: Iterable[tuple[str, str, float, float]]) -> list[Place]:
    """Add gazetteer entries (name, kind, lat, lon) not present yet, each in its police district."""
    rows = list(places)
    routes = route_points([(lat, lon) for _, _, lat, lon in rows])
    existing = set(Place.objects.values_list("normalised_name", flat=True))
    new = [
        Place(
            name=name,
            normalised_name=normalise_place_name(name),
            kind=kind,
            lat=lat,
            lon=lon,
            area=route.district if route else None,
        )
        for (name, kind, lat, lon), route in zip(rows, routes, strict=True)
        if normalise_place_name(name) not in existing
    ]
    return Place.objects.bulk_create(new)


# ---------------------------------------------------------------------------------------
# Routing


@dataclass(frozen=True)
class Routing:
    """Where a point belongs: its police district and the district's officer."""

    district: Area
    officer: Officer | None


def district_fingerprint() -> Fingerprint:
    """A value that changes whenever any police district changes (for caches and ETags)."""
    return fingerprint(AreaKind.POLICE_DISTRICT)


def invalidate_district_index() -> None:
    """Forget the cached district index (it is rebuilt on the next lookup)."""
    invalidate(AreaKind.POLICE_DISTRICT)


def district_index() -> PolygonIndex[int]:
    """The current index of active police districts (keys are Area ids)."""
    return index(AreaKind.POLICE_DISTRICT)


def route_points(points: Iterable[tuple[float, float]]) -> list[Routing | None]:
    """Route many (lat, lon) points in one vectorised query; None outside every district."""
    # District routing is one use of the shared locate index.
    return [
        Routing(district=area, officer=area.primary_officer) if area is not None else None
        for area in locate(AreaKind.POLICE_DISTRICT, points)
    ]


def route_point(*, lat: float, lon: float) -> Routing | None:
    """The police district (and its officer) responsible for a point, or None outside all."""
    return route_points([(lat, lon)])[0]


# ---------------------------------------------------------------------------------------
# Gazetteer


def search_places(*, text: str, limit: int = 10) -> list[Place]:
    """Places matching a text, accent-insensitive: exact names first, then prefixes, then parts."""
    norm = normalise_place_name(text)
    if not norm:
        return []
    tokens = norm.split()
    qs = Place.objects.all()
    for token in tokens:
        qs = qs.filter(normalised_name__contains=token)
    candidates = list(qs.select_related("area")[:200])

    def rank(place: Place) -> tuple[int, int, str]:
        name = place.normalised_name
        return match_tier(name, norm), len(name), name

    candidates.sort(key=rank)
    return candidates[:limit]


def noise_words() -> set[str]:
    """Words of municipality and city-district names ("Plzeň", "Slovany"), which people append."""
    words: set[str] = set()
    names = Area.objects.filter(
        kind__in=[AreaKind.MUNICIPALITY, AreaKind.CITY_DISTRICT]
    ).values_list("name", flat=True)
    for name in names:
        words.update(normalise_place_name(name).split())
    return words


def geocode(*, text: str) -> tuple[float, float] | None:
    """(lat, lon) of an address or place text: an address point, else the local gazetteer, or None."""
    variants = address_variants(text, noise=())
    if not variants:
        return None
    if any(ch.isdigit() for ch in text):
        # Imported here: the address search routes its answers through this module.
        from straz.territory.addresses.search import search_addresses

        addresses = search_addresses(text=text, limit=1)
        if addresses:
            return addresses[0].lat, addresses[0].lon
    found = search_places(text=variants[0], limit=1)
    if not found:
        for variant in address_variants(text, noise=noise_words())[1:]:
            found = search_places(text=variant, limit=1)
            if found:
                break
    if found:
        return found[0].lat, found[0].lon
    return None
