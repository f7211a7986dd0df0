"""API of the site division (§5): features, the affected area and the coordination level."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from straz.accounts.auth import staff_auth
from straz.incidents import services
from straz.incidents.api.common import (
    _ERRORS,
    MAX_ID,
    NAME_MAX,
    CoordinationLevelValue,
    FeatureKindValue,
    IncidentDetailOut,
    IncidentSiteFeatureOut,
    _actor,
    _created,
    _detail,
    _feature,
    _id,
    _readable_incident,
    _StrictIn,
)

# The facts' value lists are the preview endpoint's (one list, one OpenAPI enum).

router = Router(tags=["incidents"], auth=staff_auth)


class IncidentSiteFeatureIn(_StrictIn):
    kind: FeatureKindValue
    geometry: dict[str, Any]
    name: str = Field("", max_length=NAME_MAX)
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="the sector of a section")


@router.post(
    "/incidents/{int:incident_id}/site-features",
    response={201: IncidentSiteFeatureOut, **_ERRORS},
    summary="Draw a zone or post (§5)",
)
def add_site_feature(
    request: HttpRequest, payload: IncidentSiteFeatureIn, incident_id: int = _id()
) -> Any:
    """Zones are polygons, posts are points; sections must lie within their sector."""
    data = payload.model_dump()
    f = services.add_site_feature(
        user=_actor(request), incident_id=incident_id, parent_id=data.pop("parent"), **data
    )
    return _created(_feature(f))


class IncidentSiteFeatureCollectionOut(Schema):
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


@router.get(
    "/incidents/{int:incident_id}/site-features",
    response={200: IncidentSiteFeatureCollectionOut, **_ERRORS},
    summary="The site division as GeoJSON",
)
def site_features(request: HttpRequest, incident_id: int = _id(), include_retired: bool = False) -> Any:
    """Zones and posts of the site as a GeoJSON FeatureCollection (removed ones on request)."""
    incident = _readable_incident(request, incident_id)
    features = incident.site_features.all()
    if not include_retired:
        features = features.filter(retired_at__isnull=True)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f.pk,
                "geometry": f.geometry,
                "properties": {
                    "kind": f.kind,
                    "kind_label": str(f.get_kind_display()),
                    "name": f.name,
                    "parent": f.parent_id,
                    "retired_at": f.retired_at.isoformat() if f.retired_at else None,
                },
            }
            for f in features
        ],
    }


class IncidentSiteFeatureChangeIn(_StrictIn):
    """Only the fields sent change; `parent: null` takes a feature out of its sector."""

    kind: FeatureKindValue | None = None
    geometry: dict[str, Any] | None = None
    name: str | None = Field(None, max_length=NAME_MAX)
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="the sector of a section")


@router.patch(
    "/incidents/{int:incident_id}/site-features/{int:feature_id}",
    response={200: IncidentSiteFeatureOut, **_ERRORS},
    summary="Change a zone or post (§5) as the site changes",
)
def change_site_feature(
    request: HttpRequest,
    payload: IncidentSiteFeatureChangeIn,
    incident_id: int = _id(),
    feature_id: int = _id(),
) -> Any:
    """Geometry, name, kind within zones or posts, the sector of a section; recorded old → new."""
    sent = payload.model_fields_set
    f = services.change_site_feature(
        user=_actor(request),
        incident_id=incident_id,
        feature_id=feature_id,
        geometry=payload.geometry,
        name=payload.name,
        kind=payload.kind,
        parent_id=payload.parent if "parent" in sent else services.KEEP,
    )
    return _feature(f)


class IncidentSiteFeatureRetireIn(_StrictIn):
    note: str = Field("", max_length=NAME_MAX * 2)


@router.post(
    "/incidents/{int:incident_id}/site-features/{int:feature_id}/retire",
    response={200: IncidentSiteFeatureOut, **_ERRORS},
    summary="Remove a zone or post from the site (kept on record)",
)
def retire_site_feature(
    request: HttpRequest,
    payload: IncidentSiteFeatureRetireIn,
    incident_id: int = _id(),
    feature_id: int = _id(),
) -> Any:
    """The feature stays in the record with the time it was removed; it is no longer drawn."""
    f = services.retire_site_feature(
        user=_actor(request), incident_id=incident_id, feature_id=feature_id, note=payload.note
    )
    return _feature(f)


class IncidentAffectedAreaIn(_StrictIn):
    affected_area: dict[str, Any] | None = Field(..., description="GeoJSON Polygon/MultiPolygon, or null to clear")


@router.put(
    "/incidents/{int:incident_id}/affected-area",
    response={200: IncidentDetailOut, **_ERRORS},
    summary="Redraw or clear the affected area",
)
def change_affected_area(request: HttpRequest, payload: IncidentAffectedAreaIn, incident_id: int = _id()) -> Any:
    """A new polygon of the area the incident affects, or null."""
    services.change_affected_area(
        user=_actor(request), incident_id=incident_id, affected_area=payload.affected_area
    )
    return _detail(incident_id)


class IncidentCoordinationLevelIn(_StrictIn):
    coordination_level: CoordinationLevelValue


@router.put(
    "/incidents/{int:incident_id}/coordination-level",
    response={200: IncidentDetailOut, **_ERRORS},
    summary="Change the coordination level (§2)",
)
def change_coordination_level(
    request: HttpRequest, payload: IncidentCoordinationLevelIn, incident_id: int = _id()
) -> Any:
    """Tactical, operational or strategic level of coordination."""
    services.change_coordination_level(
        user=_actor(request), incident_id=incident_id, coordination_level=payload.coordination_level
    )
    return _detail(incident_id)
