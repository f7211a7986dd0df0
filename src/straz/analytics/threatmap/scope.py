"""What the threat-map statistics count: the filter, the audience's scope, whole months.


Who is counted (decided here, in one place):

* **Public statistics** count every report whose existence the public may know, also
  after it faded from the map (not confirmed / eliminated reports leave the map after
  the retention period, but "how many reports were there and what became of them" is
  exactly the question the public asks). Excluded: reports of categories that are public
  only once confirmed and are not (or not yet) confirmed — their mere existence is not
  public. The numbers are aggregates by category, police district, month and status;
  they carry no location finer than a police district and no content, so approximated
  categories leak nothing the map does not already show.
* **Staff statistics** count everything in the user's scope, which
  `straz.reports.selectors.visible_reports_for(user)` decides (officers and supervisors:
  their districts; analysts, managers, admins: everything).
* In both, a near-duplicate (`duplicate_of` set) is the same threat reported again: it
  is counted once, on its first report; the number of duplicates is given separately.

Public **downloads of single reports** are stricter: only reports the public sees now
(`is_public`), at their public location, with public fields only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Q,
    QuerySet,
)
from django.utils import timezone

from straz.accounts.models import User
from straz.analytics.policy import STAFF, audience_for, scoped_district_ids
from straz.reports.models import Category, Report
from straz.reports.rules import CONFIRMED_FAMILY
from straz.reports.selectors import visible_reports_for
from straz.territory.models import Area, AreaKind

_CONFIRMED = [s.value for s in CONFIRMED_FAMILY]


# --- filters and scope -----------------------------------------------------------------


@dataclass(frozen=True)
class StatisticsFilter:
    """What the numbers are limited to: report dates (local days), a district, a category."""

    date_from: date | None = None
    date_to: date | None = None
    district: Area | None = None
    category: Category | None = None

    def as_query(self) -> dict[str, str]:
        """The filter as query parameters (for links to charts and downloads)."""
        query = {}
        if self.date_from:
            query["from"] = self.date_from.isoformat()
        if self.date_to:
            query["to"] = self.date_to.isoformat()
        if self.district is not None:
            query["district"] = self.district.code
        if self.category is not None:
            query["category"] = self.category.code
        return query


def staff_reports(user: User) -> QuerySet[Report]:
    """Every report in a staff member's scope (the scope rule lives in reports.selectors)."""
    return visible_reports_for(user)


def hidden_category_ids() -> list[int]:
    return list(
        Category.objects.filter(public_only_when_confirmed=True).values_list("id", flat=True)
    )


def counted_reports(*, user: User | None) -> QuerySet[Report]:
    """Reports the statistics of this audience count (duplicates included; see module doc)."""
    if audience_for(user) == STAFF:
        assert user is not None
        return staff_reports(user)
    qs = Report.objects.all()
    hidden = hidden_category_ids()
    if hidden:
        # A confirmed-only category's unconfirmed reports must not show even as a count.
        qs = qs.filter(Q(status__in=_CONFIRMED) | ~Q(category_id__in=hidden))
    return qs


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def apply_filter(qs: QuerySet[Report], filters: StatisticsFilter) -> QuerySet[Report]:
    """Limit reports to the period (local days, both ends inclusive), district and category."""
    if filters.date_from:
        qs = qs.filter(created_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    if filters.district is not None:
        qs = qs.filter(district_id=filters.district.pk)
    if filters.category is not None:
        qs = qs.filter(category_id=filters.category.pk)
    return qs


def district_choices(*, user: User | None) -> QuerySet[Area]:
    """Police districts a user may filter by (district-scoped staff: their own)."""
    qs = Area.objects.filter(kind=AreaKind.POLICE_DISTRICT)
    scoped = scoped_district_ids(user)
    if scoped is not None:
        qs = qs.filter(pk__in=scoped)
    return qs.order_by("name")


@dataclass
class Period:
    """A filter's days split into whole local months (from the summaries) and edge days."""

    month_from: date | None
    month_to: date | None
    has_months: bool
    edges: list[tuple[date, date]]
    whole_years: bool


def _month_end(day: date) -> date:
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def split_period(filters: StatisticsFilter) -> Period:
    first, last = filters.date_from, filters.date_to
    if first and last and first > last:
        return Period(None, None, False, [], False)
    edges: list[tuple[date, date]] = []
    lo = hi = None
    if first is not None:
        if first.day == 1:
            lo = first
        else:
            end = _month_end(first)
            if last is not None and last <= end:
                return Period(None, None, False, [(first, last)], False)
            edges.append((first, end))
            lo = end + timedelta(days=1)
    if last is not None:
        if last == _month_end(last):
            hi = last.replace(day=1)
        else:
            edges.append((last.replace(day=1), last))
            hi = (last.replace(day=1) - timedelta(days=1)).replace(day=1)
    has_months = lo is None or hi is None or lo <= hi
    whole_years = (lo is None or lo.month == 1) and (hi is None or hi.month == 12)
    return Period(lo, hi, has_months, edges, whole_years)


def sql_in(column: str, values: list[int], where: list[str], params: list[Any]) -> None:
    where.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
    params.extend(values)
