"""JSON API of territory: find your district and officer, list districts, gazetteer search."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from straz.territory import search as territory_search
from straz.territory.addresses import rules as address_rules
from straz.territory.addresses import search as address_search
from straz.territory.models import Area, AreaKind, Officer
from straz.territory.services import district_fingerprint, route_point, search_places

router = Router(tags=["territory"])


class DistrictRef(Schema):
    code: str
    name: str


class OfficerOut(Schema):
    name: str
    rank: str
    phone: str
    email: str
    office: str
    office_hours: str


class LookupOut(Schema):
    district: DistrictRef
    officer: OfficerOut | None


class DistrictSummaryOut(Schema):
    code: str
    name: str
    bbox: list[float]
    population: int | None


class PlaceOut(Schema):
    name: str
    kind: str
    lat: float
    lon: float
    district: str | None = None


class Message(Schema):
    detail: str


class LookupQuery(Schema):
    lat: float | None = None
    lon: float | None = None


def _officer_out(officer: Officer | None) -> dict[str, str] | None:
    if officer is None:
        return None
    return {
        "name": officer.name,
        "rank": officer.rank,
        "phone": officer.phone,
        "email": officer.email,
        "office": officer.office,
        "office_hours": officer.office_hours,
    }


def _coordinate(value: float | None, *, name: str, limit: float) -> float:
    if value is None:
        raise HttpError(422, _("Parameter %(name)s is required.") % {"name": name})
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise HttpError(
            422,
            _("Parameter %(name)s must be a number between %(min)s and %(max)s.")
            % {"name": name, "min": -limit, "max": limit},
        )
    return value


@router.get(
    "/districts/lookup",
    response={200: LookupOut, 404: Message, 422: Message},
    summary="Find the police district and officer for a point",
)
def lookup_district(request: HttpRequest, query: Query[LookupQuery]) -> Any:
    """The police district covering a WGS84 point and its officer's public contacts."""
    lat = _coordinate(query.lat, name="lat", limit=90.0)
    lon = _coordinate(query.lon, name="lon", limit=180.0)
    routing = route_point(lat=lat, lon=lon)
    if routing is None:
        raise HttpError(404, _("This place is outside every police district we know."))
    return {
        "district": {"code": routing.district.code, "name": routing.district.name},
        "officer": _officer_out(routing.officer),
    }


def _active_districts() -> Any:
    return Area.objects.filter(kind=AreaKind.POLICE_DISTRICT, is_active=True).order_by("code")


@router.get("/districts", response=list[DistrictSummaryOut], summary="Police districts")
def list_districts(request: HttpRequest) -> Any:
    """Active police districts with their bounding box and population."""
    return [
        {
            "code": a.code,
            "name": a.name,
            "bbox": [a.min_lon, a.min_lat, a.max_lon, a.max_lat],
            "population": a.population,
        }
        for a in _active_districts().only(
            "code", "name", "min_lon", "min_lat", "max_lon", "max_lat", "population"
        )
    ]


@router.get("/districts/geojson", summary="Police district polygons (GeoJSON)")
def districts_geojson(request: HttpRequest) -> HttpResponse:
    """A GeoJSON FeatureCollection of active police-district polygons for drawing on a map."""

    # The polygons change rarely and can weigh megabytes: let browsers revalidate cheaply.
    etag = '"' + hashlib.sha256(repr(district_fingerprint()).encode()).hexdigest()[:20] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        not_modified = HttpResponse(status=304)
        not_modified["ETag"] = etag
        return not_modified
    features = [
        {
            "type": "Feature",
            "id": a.code,
            "geometry": a.geometry,
            "properties": {"code": a.code, "name": a.name, "population": a.population},
            "bbox": [a.min_lon, a.min_lat, a.max_lon, a.max_lat],
        }
        for a in _active_districts()
    ]
    body = json.dumps(
        {"type": "FeatureCollection", "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    response = HttpResponse(body, content_type="application/geo+json")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=60"
    return response


class PlaceQuery(Schema):
    q: str | None = None


@router.get(
    "/places", response={200: list[PlaceOut], 422: Message}, summary="Search the local gazetteer"
)
def places(request: HttpRequest, query: Query[PlaceQuery]) -> Any:
    """Up to 10 streets, landmarks and addresses matching the text (accents optional)."""
    text = (query.q or "").strip()
    if not text:
        raise HttpError(422, _("Parameter %(name)s is required.") % {"name": "q"})
    if len(text) > 100:
        raise HttpError(
            422, _("The search text may have at most %(max)s characters.") % {"max": 100}
        )
    return [
        {
            "name": p.name,
            "kind": p.kind,
            "lat": p.lat,
            "lon": p.lon,
            "district": p.area.name if p.area else None,
        }
        for p in search_places(text=text, limit=10)
    ]


class SearchQuery(Schema):
    q: str | None = None


class SearchResultOut(Schema):
    key: str
    name: str
    kind: str
    kind_label: str
    lat: float
    lon: float
    bounds: list[float] | None = None
    district: str


@router.get(
    "/search",
    response={200: list[SearchResultOut], 422: Message},
    summary="Search places and area names (the map's search box)",
)
def search_everything(request: HttpRequest, query: Query[SearchQuery]) -> Any:
    """Up to 10 streets, addresses, landmarks, city districts, municipalities and police districts."""
    text = (query.q or "").strip()
    if not text:
        raise HttpError(422, _("Parameter %(name)s is required.") % {"name": "q"})
    if len(text) > territory_search.MAX_QUERY_CHARS:
        raise HttpError(
            422,
            _("The search text may have at most %(max)s characters.")
            % {"max": territory_search.MAX_QUERY_CHARS},
        )
    return [
        {
            "key": f.key,
            "name": f.name,
            "kind": f.kind,
            "kind_label": f.kind_label,
            "lat": f.lat,
            "lon": f.lon,
            "bounds": list(f.bounds) if f.bounds else None,
            "district": f.district,
        }
        for f in territory_search.search(text=text)
    ]


class AddressQueryIn(Schema):
    q: str | None = None
    limit: int | None = None


class AddressOut(Schema):
    label: str
    lat: float
    lon: float
    district: DistrictRef | None
    officer: OfficerOut | None


@router.get(
    "/addresses",
    response={200: list[AddressOut], 422: Message},
    summary="Search address points: your police district and its officer",
)
def addresses(request: HttpRequest, query: Query[AddressQueryIn]) -> Any:
    """Addresses matching the text (accents optional, one or two typos), best first, each with its district and officer."""
    text = (query.q or "").strip()
    if not text:
        raise HttpError(422, _("Parameter %(name)s is required.") % {"name": "q"})
    if len(text) > address_rules.MAX_QUERY_CHARS:
        raise HttpError(
            422,
            _("The search text may have at most %(max)s characters.")
            % {"max": address_rules.MAX_QUERY_CHARS},
        )
    limit = address_search.DEFAULT_LIMIT if query.limit is None else query.limit
    if not 1 <= limit <= address_search.MAX_LIMIT:
        raise HttpError(
            422,
            _("Parameter %(name)s must be a number between %(min)s and %(max)s.")
            % {"name": "limit", "min": 1, "max": address_search.MAX_LIMIT},
        )
    return [
        {
            "label": found.label,
            "lat": found.lat,
            "lon": found.lon,
            "district": (
                {"code": found.district.code, "name": found.district.name}
                if found.district
                else None
            ),
            "officer": _officer_out(found.officer),
        }
        for found in address_search.search_addresses(text=text, limit=limit)
    ]
