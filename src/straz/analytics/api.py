"""JSON API of statistics: the numbers of the statistics page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from straz.accounts.auth import optional_staff
from straz.analytics.forms import StatisticsFilterForm, audience_of
from straz.analytics.threatmap import queries

router = Router(tags=["statistics"])


class StatusCounts(Schema):
    new: int
    verification: int
    confirmed: int
    not_confirmed: int
    eliminated: int
    passed_on: int


class BreakdownOut(Schema):
    key: str
    label: str
    total: int
    by_status: StatusCounts
    verified: int
    confirmed: int
    confirmation_rate: float | None
    population: int | None
    per_100k: float | None
    median_hours_to_read: float | None
    median_hours_to_verify: float | None
    read_on_time: int
    read_judged: int
    read_on_time_share: float | None
    verified_on_time: int
    verify_judged: int
    verified_on_time_share: float | None


class StatisticsOut(Schema):
    audience: str
    filters: dict[str, str]
    generated_at: str
    time_zone: str
    read_deadline_days: int
    verify_deadline_days: int
    duplicates: int
    summary: BreakdownOut
    by_category: list[BreakdownOut]
    by_district: list[BreakdownOut]
    by_month: list[BreakdownOut]


@router.get("/statistics", response=StatisticsOut, summary="Statistics of the threat map")
def statistics(
    request: HttpRequest,
    date_from: str | None = Query(
        None, alias="from", description="First day (YYYY-MM-DD, local time)"
    ),
    date_to: str | None = Query(None, alias="to", description="Last day (YYYY-MM-DD, inclusive)"),
    district: str | None = Query(None, description="Police district code"),
    category: str | None = Query(None, description="Category code"),
    view: str | None = Query(None, description="'public' makes staff see the public numbers"),
) -> dict[str, object]:
    """Counts by category, status, police district and month; rates, medians, deadlines.

    Anonymous callers get the public statistics; staff (bearer token or session) get
    their scope unless `view=public`.
    """
    user = optional_staff(request)
    data = {
        k: v
        for k, v in {
            "from": date_from,
            "to": date_to,
            "district": district,
            "category": category,
            "view": view,
        }.items()
        if v not in (None, "")
    }
    form = StatisticsFilterForm(data, user=user)
    if not form.is_valid():
        raise HttpError(422, _("Invalid filter: %(errors)s") % {"errors": form.error_text()})
    audience = audience_of(form, user=user)
    stats = queries.compute_statistics(user=user, filters=form.to_filter(), audience=audience)
    return stats.as_dict()
