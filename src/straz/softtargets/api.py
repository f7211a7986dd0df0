"""JSON API of soft targets: the registry, the restricted design part, clearances, risk
scales, assessments and measures. The pages use the same services and selectors."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Path, Router, Schema
from pydantic import ConfigDict

from straz.accounts.auth import optional_staff, staff_auth
from straz.accounts.models import User
from straz.core.api import register_field_labels
from straz.core.errors import NotFound, ValidationFailed
from straz.softtargets import policy, public, selectors, services
from straz.softtargets.choices import (
    KindValue,
    ListingValue,
    MeasureKindValue,
    MeasureStateValue,
    PublicListing,
    StateValue,
    TargetState,
)
from straz.softtargets.models import Assessment, Measure, RestrictedPart, SoftTarget

router = Router(tags=["soft targets"])

MAX_ID = 2**63 - 1

register_field_labels(
    {
        "name": gettext_lazy("name"),
        "kind": gettext_lazy("kind"),
        "capacity": gettext_lazy("capacity"),
        "operator": gettext_lazy("operator"),
        "opening_hours": gettext_lazy("opening hours"),
        "outline": gettext_lazy("outline (GeoJSON)"),
        "public_listing": gettext_lazy("shown to the public"),
        "username": gettext_lazy("user name"),
        "scale": gettext_lazy("risk scale"),
        "scenarios": gettext_lazy("scenarios"),
        "scores": gettext_lazy("scores"),
        "probability": gettext_lazy("probability"),
        "impact": gettext_lazy("impact"),
        "bands": gettext_lazy("bands"),
        "vulnerabilities": gettext_lazy("vulnerabilities"),
        "attackers": gettext_lazy("attacker types"),
        "title": gettext_lazy("measure"),
        "owner": gettext_lazy("owner"),
        "cost_planned": gettext_lazy("planned cost (CZK)"),
        "cost_spent": gettext_lazy("money spent (CZK)"),
        "deadline": gettext_lazy("deadline"),
    }
)


def _area(area: Any) -> dict[str, str] | None:
    return {"code": area.code, "name": area.name} if area is not None else None


def target_json(target: SoftTarget, user: User) -> dict[str, Any]:
    """A target as staff read it; "restricted" is present only for a cleared user."""
    data: dict[str, Any] = {
        "id": target.pk,
        "name": target.name,
        "kind": target.kind,
        "operator": target.operator,
        "contacts": {
            "name": target.contact_name, "phone": target.contact_phone, "email": target.contact_email,
        },
        "address": target.address,
        "lat": target.lat,
        "lon": target.lon,
        "outline": target.outline,
        "capacity": target.capacity,
        "opening_hours": target.opening_hours,
        "state": target.state,
        "public_listing": target.public_listing,
        "district": _area(target.district),
        "municipality": _area(target.municipality),
        "city_district": _area(target.city_district),
        "risk": selectors.latest_assessment_overall(target),
    }
    return data


def restricted_json(part: RestrictedPart | None) -> dict[str, Any]:
    if part is None:
        return {"text": "", "vulnerabilities": "", "attackers": "", "updated_at": None}
    return {
        "text": part.text,
        "vulnerabilities": part.vulnerabilities,
        "attackers": part.attackers,
        "updated_at": part.updated_at.isoformat(),
    }


def assessment_json(a: Assessment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "scale": a.scale_name,
        "version": a.scale_version,
        "made_at": a.made_at.isoformat(),
        "scenarios": [
            {k: s[k] for k in ("name", "scores", "probability", "impact", "risk", "band")}
            for s in a.scenarios
        ],
        "overall": {"risk": a.overall_risk, "band": a.overall_band},
    }


def measure_json(m: Measure) -> dict[str, Any]:
    return {
        "id": m.pk,
        "target": m.target_id,
        "kind": m.kind,
        "title": m.title,
        "description": m.description,
        "owner": m.owner,
        "cost_planned": str(m.cost_planned),
        "cost_spent": str(m.cost_spent),
        "deadline": m.deadline.isoformat() if m.deadline else None,
        "state": m.state,
        "done_on": m.done_on.isoformat() if m.done_on else None,
        "source": m.source,
        "source_id": m.source_id,
        "evidence": bool(m.evidence),
    }


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


# ---------------------------------------------------------------- the registry


class TargetIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200)
    kind: KindValue
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)
    capacity: int | None = Field(None, ge=0, le=10_000_000)
    operator: str = Field("", max_length=200)
    contact_name: str = Field("", max_length=150)
    contact_phone: str = Field("", max_length=40)
    contact_email: str = Field("", max_length=254)
    address: str = Field("", max_length=250)
    opening_hours: str = Field("", max_length=200)
    outline: dict[str, Any] | None = Field(None, description="GeoJSON Polygon or MultiPolygon (WGS84)")
    public_listing: ListingValue = PublicListing.HIDDEN.value
    state: StateValue = TargetState.ACTIVE.value


def _input(payload: TargetIn) -> services.TargetInput:
    return services.TargetInput(**payload.model_dump())


@router.post("/softtargets", auth=staff_auth, summary="Register a soft target")
def create_target(request: HttpRequest, payload: TargetIn) -> JsonResponse:
    """A manager or administrator registers a target; district and city district are routed."""
    user: User = request.auth  # type: ignore[attr-defined]
    target = services.register_target(actor=user, data=_input(payload))
    response = _json(target_json(target, user), status=201)
    response["Location"] = f"/api/v1/softtargets/{target.pk}"
    return response


@router.get("/softtargets", summary="Soft targets")
def list_targets(request: HttpRequest) -> JsonResponse:
    """Staff get the registry; the public only targets listed as protected places (name, kind)."""
    user = optional_staff(request)
    if user is None or not policy.reads_registry(user):
        return _json(public.public_targets())
    return _json([target_json(t, user) for t in selectors.registry(user)])


@router.get("/softtargets/geojson", auth=staff_auth, summary="Soft targets as a staff map layer")
def targets_geojson(request: HttpRequest, bbox: str = "") -> JsonResponse:
    """The registry's points (GeoJSON, WGS84) for the staff map: name, kind, state and band only.

    `bbox=minlon,minlat,maxlon,maxlat` keeps the points inside it (others are ignored)."""
    user: User = request.auth  # type: ignore[attr-defined]
    rows = selectors.registry(user)
    try:
        west, south, east, north = (float(v) for v in bbox.split(",")) if bbox else (None,) * 4
    except ValueError:
        raise ValidationFailed(_("The bbox must be four numbers: west,south,east,north.")) from None
    if west is not None:
        rows = rows.filter(lon__gte=west, lon__lte=east, lat__gte=south, lat__lte=north)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [t.lon, t.lat]},
            "properties": {
                "id": t.pk, "name": t.name, "kind": t.kind, "state": t.state, "band": t.current_band or None,
            },
        }
        for t in rows
    ]
    return _json({"type": "FeatureCollection", "features": features})


@router.get("/softtargets/{int:target_id}", summary="One soft target")
def get_target(request: HttpRequest, target_id: int = Path(..., ge=1, le=MAX_ID)) -> JsonResponse:
    """With clearance for the target, its design part comes under "restricted" (absent otherwise)."""
    user = optional_staff(request)
    if user is None or not policy.reads_registry(user):
        shown = public.public_target(target_id)
        if shown is None:
            raise NotFound(str(gettext_lazy("No such soft target.")))
        return _json(shown)
    target = selectors.target_for(user, target_id)
    data = target_json(target, user)
    if policy.is_cleared(user, target.pk):
        data["restricted"] = restricted_json(selectors.restricted_part(user, target))
    return _json(data)


@router.put("/softtargets/{int:target_id}", auth=staff_auth, summary="Change a soft target")
def put_target(request: HttpRequest, payload: TargetIn, target_id: int = Path(..., ge=1, le=MAX_ID)) -> JsonResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    target = services.update_target(actor=user, target_id=target_id, data=_input(payload))
    return _json(target_json(target, user))


class RestrictedIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(..., max_length=services.TEXT_MAX)
    vulnerabilities: str = Field("", max_length=services.TEXT_MAX)
    attackers: str = Field("", max_length=services.TEXT_MAX)


@router.put("/softtargets/{int:target_id}/restricted", auth=staff_auth, summary="Set the restricted design part")
def put_restricted(request: HttpRequest, payload: RestrictedIn, target_id: int = Path(..., ge=1, le=MAX_ID)) -> JsonResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    part = services.set_restricted(actor=user, target_id=target_id, **payload.model_dump())
    return _json(restricted_json(part))


class ClearanceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(..., min_length=1, max_length=150)


@router.post("/softtargets/{int:target_id}/clearances", auth=staff_auth, summary="Grant clearance")
def post_clearance(request: HttpRequest, payload: ClearanceIn, target_id: int = Path(..., ge=1, le=MAX_ID)) -> JsonResponse:
    """A manager or administrator clears a user for the target's restricted part."""
    user: User = request.auth  # type: ignore[attr-defined]
    clearance = services.grant_clearance(actor=user, target_id=target_id, username=payload.username)
    return _json({"target": clearance.target_id, "username": clearance.user.get_username()}, status=201)


# ---------------------------------------------------------------- scales and assessments


class ScaleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=60)
    probability: list[Any] = Field(..., description='factor names, or {"name", "min", "max"}')
    impact: list[Any] = Field(..., description='factor names, or {"name", "min", "max"}')
    min: int = Field(1, ge=0, le=1000)
    max: int = Field(7, ge=1, le=1000)
    bands: list[dict[str, Any]] = Field(..., description='[{"name", "from"}] in rising order')


@router.post("/softtargets/scales", auth=staff_auth, summary="Publish a risk scale (a new version)")
def post_scale(request: HttpRequest, payload: ScaleIn) -> JsonResponse:
    """Posting an existing name makes its next version; assessments keep the version they used."""
    user: User = request.auth  # type: ignore[attr-defined]
    data = payload.model_dump()
    row = services.publish_scale(actor=user, name=data.pop("name"), definition=data)
    return _json({"id": row.pk, "name": row.name, "version": row.version}, status=201)


@router.get("/softtargets/scales", auth=staff_auth, summary="Risk scales (every version)")
def list_scales(request: HttpRequest) -> JsonResponse:
    from straz.softtargets.models import RiskScale

    return _json(
        [
            {"id": s.pk, "name": s.name, "version": s.version, **s.definition}
            for s in RiskScale.objects.all()
        ]
    )


class ScenarioIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200)
    scores: dict[str, Any]


class AssessmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    scale: str = Field(..., min_length=1, max_length=60)
    scenarios: list[ScenarioIn] = Field(..., min_length=1, max_length=services.SCENARIOS_MAX)


@router.post("/softtargets/{int:target_id}/assessments", auth=staff_auth, summary="Assess a soft target")
def post_assessment(request: HttpRequest, payload: AssessmentIn, target_id: int = Path(..., ge=1, le=MAX_ID)) -> JsonResponse:
    """Scores each scenario on the newest version of the scale; 422 names a missing or out-of-range factor."""
    user: User = request.auth  # type: ignore[attr-defined]
    assessment = services.assess(
        actor=user,
        target_id=target_id,
        scale_name=payload.scale,
        scenarios=[s.model_dump() for s in payload.scenarios],
    )
    return _json(assessment_json(assessment), status=201)


@router.get("/softtargets/{int:target_id}/assessments", auth=staff_auth, summary="A target's assessments")
def list_assessments(request: HttpRequest, target_id: int = Path(..., ge=1, le=MAX_ID)) -> JsonResponse:
    """With the results they had when made, newest first (clearance for the target needed)."""
    user: User = request.auth  # type: ignore[attr-defined]
    target = selectors.target_for(user, target_id)
    rows = selectors.assessments(user, target)
    if rows is None:
        raise NotFound(str(gettext_lazy("No such soft target.")))
    return _json([assessment_json(a) for a in rows])


# ---------------------------------------------------------------- measures


class MeasureIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: MeasureKindValue
    title: str = Field(..., min_length=1, max_length=200)
    owner: str = Field("", max_length=150)
    description: str = Field("", max_length=services.TEXT_MAX)
    cost_planned: float = Field(0, ge=0, le=9_999_999_999)
    deadline: date | None = None


@router.post("/softtargets/{int:target_id}/measures", auth=staff_auth, summary="Add a measure")
def post_measure(request: HttpRequest, payload: MeasureIn, target_id: int = Path(..., ge=1, le=MAX_ID)) -> JsonResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    measure = services.add_measure(actor=user, target_id=target_id, data=services.MeasureInput(**payload.model_dump()))
    return _json(measure_json(measure), status=201)


@router.get("/softtargets/{int:target_id}/measures", auth=staff_auth, summary="A target's measures")
def list_measures(request: HttpRequest, target_id: int = Path(..., ge=1, le=MAX_ID)) -> JsonResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    target = selectors.target_for(user, target_id)
    rows = selectors.measures(user, target)
    if rows is None:
        raise NotFound(str(gettext_lazy("No such soft target.")))
    return _json([measure_json(m) for m in rows])


class MeasureChangeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    state: MeasureStateValue
    cost_spent: float | None = Field(None, ge=0, le=9_999_999_999)
    deadline: date | None = None


@router.put("/softtargets/measures/{int:measure_id}", auth=staff_auth, summary="Move a measure on")
def put_measure(request: HttpRequest, payload: MeasureChangeIn, measure_id: int = Path(..., ge=1, le=MAX_ID)) -> JsonResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    measure = services.update_measure(actor=user, measure_id=measure_id, **payload.model_dump())
    return _json(measure_json(measure))
