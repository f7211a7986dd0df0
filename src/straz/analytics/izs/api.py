"""JSON API of the §16(5) statistics of joint interventions (staff only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from straz.accounts.auth import staff_auth
from straz.analytics.izs import stats
from straz.analytics.izs.views import IncidentStatisticsForm
from straz.core.api import ErrorOut
from straz.core.errors import Forbidden, ValidationFailed
from straz.incidents import policy

router = Router(tags=["incidents"], auth=staff_auth)


class LevelCountsOut(Schema):
    I: int  # noqa: E741 (the decree's name for the level)
    II: int
    III: int
    special: int
    none: int


class StatisticsRowOut(Schema):
    key: str
    label: str
    incidents: int
    open: int
    closed: int
    by_level: LevelCountsOut
    with_duration: int
    rescue_minutes_total: int
    rescue_minutes_median: float | None
    # From the completed incident reports (§16(4)); `reported` says how many incidents have one.
    reported: int
    dead: int
    injured: int
    rescued: int
    evacuated: int


class IncidentStatisticsOut(Schema):
    filters: dict[str, str]
    generated_at: str
    time_zone: str
    summary: StatisticsRowOut
    by_type: list[StatisticsRowOut]
    by_level: list[StatisticsRowOut]
    by_month: list[StatisticsRowOut]
    by_region: list[StatisticsRowOut]
    by_orp: list[StatisticsRowOut]
    by_municipality: list[StatisticsRowOut]
    by_city_district: list[StatisticsRowOut]


@router.get(
    "/incidents/statistics",
    response={200: IncidentStatisticsOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Statistics of joint interventions (§16(5))",
)
def incident_statistics(
    request: HttpRequest,
    date_from: str | None = Query(
        None, alias="from", description="First day of start (YYYY-MM-DD, local)"
    ),
    date_to: str | None = Query(
        None, alias="to", description="Last day of start (YYYY-MM-DD, inclusive)"
    ),
    incident_type: str | None = Query(None, alias="type", description="Incident type code"),
    level: str | None = Query(
        None, description="Highest declared level: I, II, III, special or none"
    ),
    region: str | None = Query(None, description="Region code recorded on the incident"),
    orp: str | None = Query(None, description="ORP code recorded on the incident"),
    municipality: str | None = Query(
        None, description="Municipality code (territory) holding the point"
    ),
    city_district: str | None = Query(
        None, description="City district code (territory) holding the point"
    ),
) -> Any:
    """Incidents by type, highest declared level, month of start, region, ORP, municipality and city district."""
    if not policy.can_view_incidents(request.auth):  # type: ignore[attr-defined]
        raise Forbidden(_("You are not allowed to do this."))
    raw = {
        "from": date_from,
        "to": date_to,
        "type": incident_type,
        "level": level,
        "region": region,
        "orp": orp,
        "municipality": municipality,
        "city_district": city_district,
    }
    form = IncidentStatisticsForm({k: v for k, v in raw.items() if v not in (None, "")})
    if not form.is_valid():
        raise ValidationFailed(_("Invalid filter: %(errors)s") % {"errors": form.error_text()})
    result = stats.compute_statistics(form.to_filter())

    def rows(table: str) -> list[dict[str, Any]]:
        return [row.as_dict() for row in result.tables[table]]

    return {
        "filters": result.filters.as_query(),
        "generated_at": result.generated_at.isoformat(),
        "time_zone": settings.TIME_ZONE,
        "summary": result.summary.as_dict(),
        "by_type": rows("types"),
        "by_level": rows("levels"),
        "by_month": rows("months"),
        "by_region": rows("regions"),
        "by_orp": rows("orps"),
        "by_municipality": rows("municipalities"),
        "by_city_district": rows("city-districts"),
    }
