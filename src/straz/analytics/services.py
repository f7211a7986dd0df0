"""Statistics of the threat map: SQL aggregates for the public and for staff, and exports.

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

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    F,
    FloatField,
    Func,
    Max,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext

from straz.accounts.models import AuditHead, User
from straz.analytics import rules
from straz.analytics.policy import PUBLIC, STAFF, audience_for, scoped_district_ids
from straz.reports import public
from straz.reports.models import STATUS_LABELS, Category, Report
from straz.reports.rules import CONFIRMED_FAMILY, VERIFIED_STATUSES, Status
from straz.territory.models import Area, AreaKind, Officer

NO_DISTRICT = ""  # key of the row for reports outside every police district

_CONFIRMED = [s.value for s in CONFIRMED_FAMILY]
_VERIFIED = [s.value for s in VERIFIED_STATUSES]


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
    from straz.reports.selectors import visible_reports_for

    return visible_reports_for(user)


def _hidden_category_ids() -> list[int]:
    return list(
        Category.objects.filter(public_only_when_confirmed=True).values_list("id", flat=True)
    )


def counted_reports(*, user: User | None) -> QuerySet[Report]:
    """Reports the statistics of this audience count (duplicates included; see module doc)."""
    if audience_for(user) == STAFF:
        assert user is not None
        return staff_reports(user)
    qs = Report.objects.all()
    hidden = _hidden_category_ids()
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


# --- SQL helpers -----------------------------------------------------------------------


class ElapsedSeconds(Func):
    """Seconds from the second datetime expression to the first, as a float, in SQL."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django stores datetimes as UTC text; julianday() parses it (millisecond precision).
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision)",
            arg_joiner=" - ",
            **extra,
        )


WHOLE = "__whole__"  # key of the median over every group together


def duration_medians(
    qs: QuerySet[Report], *, end_fields: tuple[str, ...], group_field: str | None = None
) -> dict[str, dict[Any, float]]:
    """Median seconds from created_at to each end field, per group and over all, in SQL.

    One scan for all end fields. PostgreSQL uses percentile_cont with GROUPING SETS
    (the groups and the whole at once); SQLite numbers the rows of each group in order
    of the duration with a window function and averages the middle one or two. No row
    ever reaches Python. Reports without the end time are left out of its median.
    """
    result: dict[str, dict[Any, float]] = {end: {} for end in end_fields}
    present = Q()
    for end in end_fields:
        present |= Q(**{f"{end}__isnull": False})
    durations = {
        f"d{i}": ElapsedSeconds(F(end), F("created_at")) for i, end in enumerate(end_fields)
    }
    inner = (
        qs.order_by()
        .filter(present)
        .annotate(grp=F(group_field) if group_field else Value(0), **durations)
        .values_list("grp", *durations)
    )
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # e.g. a scope that is empty by construction
        return result
    names = list(durations)
    # The SQL around Django's own compilation of the queryset holds no user input; the
    # filter values stay bound parameters.
    if connection.vendor == "postgresql":
        medians = ", ".join(f"PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY {d})" for d in names)
        query = (
            f"SELECT GROUPING(grp), grp, {medians} FROM ({sql}) AS t"  # noqa: S608
            " GROUP BY GROUPING SETS ((grp), ())"
        )
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            for whole, grp, *values in cursor.fetchall():
                for end, value in zip(end_fields, values, strict=True):
                    if value is not None:
                        result[end][WHOLE if whole else grp] = float(value)
        return _whole_only(result) if group_field is None else result
    # rn is 1-based: the middle rows of n are (n+1)/2 and (n+2)/2 in integer division.
    parts = []
    for i, d in enumerate(names):
        parts.append(
            f"SELECT {i}, 0, grp, AVG(d) FROM (SELECT grp, {d} AS d,"  # noqa: S608
            f" ROW_NUMBER() OVER (PARTITION BY grp ORDER BY {d}) AS rn,"
            f" COUNT(*) OVER (PARTITION BY grp) AS n FROM t WHERE {d} IS NOT NULL)"
            " WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY grp"
        )
        parts.append(
            f"SELECT {i}, 1, NULL, AVG(d) FROM (SELECT {d} AS d,"  # noqa: S608
            f" ROW_NUMBER() OVER (ORDER BY {d}) AS rn, COUNT(*) OVER () AS n"
            f" FROM t WHERE {d} IS NOT NULL) WHERE rn IN ((n + 1) / 2, (n + 2) / 2)"
        )
    query = f"WITH t AS MATERIALIZED ({sql}) " + " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for i, whole, grp, value in cursor.fetchall():
            if value is not None:
                result[end_fields[i]][WHOLE if whole else grp] = float(value)
    return _whole_only(result) if group_field is None else result


def _whole_only(result: dict[str, dict[Any, float]]) -> dict[str, dict[Any, float]]:
    return {end: {k: v for k, v in values.items() if k == WHOLE} for end, values in result.items()}


# --- the numbers -----------------------------------------------------------------------


@dataclass
class Breakdown:
    """The numbers of one row of a table (a category, a district, a month) or of the whole."""

    key: str
    label: str
    by_status: Counter[str] = field(default_factory=Counter)
    population: int | None = None
    read_on_time: rules.DeadlineShare = field(default_factory=lambda: rules.DeadlineShare(0, 0))
    verified_on_time: rules.DeadlineShare = field(default_factory=lambda: rules.DeadlineShare(0, 0))
    median_read_seconds: float | None = None
    median_verify_seconds: float | None = None
    # Reports the per-capita figure counts, when not all of the row's (see the summary).
    per_capita_total: int | None = None

    @property
    def total(self) -> int:
        """Reports counted in this row."""
        return sum(self.by_status.values())

    @property
    def verified(self) -> int:
        """Reports the police finished verifying (confirmed or not)."""
        return sum(self.by_status[s] for s in _VERIFIED)

    @property
    def confirmed(self) -> int:
        """Reports confirmed (also those eliminated or passed on since)."""
        return sum(self.by_status[s] for s in _CONFIRMED)

    @property
    def confirmation_rate(self) -> float | None:
        """Confirmed among verified."""
        return rules.ratio(self.confirmed, self.verified)

    @property
    def per_100k(self) -> float | None:
        """Reports per 100,000 residents (None when the population is unknown)."""
        count = self.total if self.per_capita_total is None else self.per_capita_total
        return rules.per_capita(count, self.population)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready numbers of this row."""
        return {
            "key": self.key,
            "label": self.label,
            "total": self.total,
            "by_status": {s.value: self.by_status[s.value] for s in Status},
            "verified": self.verified,
            "confirmed": self.confirmed,
            "confirmation_rate": rules.rounded(self.confirmation_rate, 4),
            "population": self.population,
            "per_100k": rules.rounded(self.per_100k, 2),
            "median_hours_to_read": rules.rounded(
                rules.seconds_to_hours(self.median_read_seconds), 2
            ),
            "median_hours_to_verify": rules.rounded(
                rules.seconds_to_hours(self.median_verify_seconds), 2
            ),
            "read_on_time": self.read_on_time.on_time,
            "read_judged": self.read_on_time.judged,
            "read_on_time_share": rules.rounded(self.read_on_time.share, 4),
            "verified_on_time": self.verified_on_time.on_time,
            "verify_judged": self.verified_on_time.judged,
            "verified_on_time_share": rules.rounded(self.verified_on_time.share, 4),
        }


@dataclass
class Statistics:
    """Every number of the statistics page for one audience and filter."""

    audience: str
    filters: StatisticsFilter
    summary: Breakdown
    by_category: list[Breakdown]
    by_district: list[Breakdown]
    by_month: list[Breakdown]
    duplicates: int
    generated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, as the API returns it."""
        return {
            "audience": self.audience,
            "filters": self.filters.as_query(),
            "generated_at": self.generated_at.isoformat(),
            "time_zone": settings.TIME_ZONE,
            "read_deadline_days": settings.STRAZ["READ_DEADLINE_DAYS"],
            "verify_deadline_days": settings.STRAZ["VERIFY_DEADLINE_DAYS"],
            "duplicates": self.duplicates,
            "summary": self.summary.as_dict(),
            "by_category": [row.as_dict() for row in self.by_category],
            "by_district": [row.as_dict() for row in self.by_district],
            "by_month": [row.as_dict() for row in self.by_month],
        }


def month_label(key: str) -> str:
    """A month key ('2026-03') as the user reads it ('03/2026')."""
    year, month = key.split("-")
    return f"{month}/{year}"


STATISTICS_CACHE_SECONDS = 60


def _cache_key(filters: StatisticsFilter) -> str:
    # Every state change writes an audit entry, and every new report a new id: either
    # moving on makes a new key, so the cached numbers are never older than the last
    # write. The minute in the key lets deadlines that pass with time show up.
    seq = AuditHead.objects.filter(id=1).values_list("last_seq", flat=True).first() or 0
    last_id = Report.objects.aggregate(m=Max("id"))["m"] or 0
    minute = int(timezone.now().timestamp() // STATISTICS_CACHE_SECONDS)
    query = urlencode(sorted(filters.as_query().items()))
    return f"straz:statistics:public:{get_language()}:{query}:{seq}:{last_id}:{minute}"


def compute_statistics(
    *,
    user: User | None,
    filters: StatisticsFilter,
    audience: str | None = None,
    now: datetime | None = None,
) -> Statistics:
    """Counts, rates, medians and deadline shares for the public or a staff member's scope."""
    audience = audience or audience_for(user)
    if audience == PUBLIC and now is None:
        key = _cache_key(filters)
        cached = cache.get(key)
        if cached is None:
            cached = _compute(user=None, filters=filters, audience=audience, now=timezone.now())
            cache.set(key, cached, STATISTICS_CACHE_SECONDS * 2)
        return cached
    return _compute(user=user, filters=filters, audience=audience, now=now or timezone.now())


# Selections with at most this many original reports get exact medians from the reports
# themselves (cheap at that size); larger ones read the duration histograms.
LIVE_MEDIAN_MAX = 5_000


@dataclass
class _DistrictAcc:
    by_status: Counter[str] = field(default_factory=Counter)
    summary_total: int = 0
    read_ok: int = 0
    verify_ok: int = 0
    read_judged: int = 0
    verify_judged: int = 0
    read_not_due: int = 0
    verify_not_due: int = 0


@dataclass
class _Period:
    """A filter's days split into whole local months (from the summaries) and edge days."""

    month_from: date | None
    month_to: date | None
    has_months: bool
    edges: list[tuple[date, date]]
    whole_years: bool


def _month_end(day: date) -> date:
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _split_period(filters: StatisticsFilter) -> _Period:
    first, last = filters.date_from, filters.date_to
    if first and last and first > last:
        return _Period(None, None, False, [], False)
    edges: list[tuple[date, date]] = []
    lo = hi = None
    if first is not None:
        if first.day == 1:
            lo = first
        else:
            end = _month_end(first)
            if last is not None and last <= end:
                return _Period(None, None, False, [(first, last)], False)
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
    return _Period(lo, hi, has_months, edges, whole_years)


def _in(column: str, values: list[int], where: list[str], params: list[Any]) -> None:
    where.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
    params.extend(values)


def _summary_rows(
    *,
    group: str,
    category_level: bool,
    district_level: bool,
    period: _Period,
    category_id: int | None,
    districts: list[int] | None,
    subtract: list[int],
) -> list[tuple[Any, ...]]:
    """Summed ReportStats rows: (group, category_id, kind, *counts) over whole months."""
    from straz.analytics.models import ALL_DISTRICTS, ReportStats
    from straz.analytics.summaries import COUNT_COLUMNS

    where: list[str] = []
    params: list[Any] = []
    if category_id is not None:
        where.append("category_id = %s")
        params.append(category_id)
    elif category_level:
        where.append("category_id <> 0")
    else:
        _in("category_id", [0, *subtract], where, params)
    if districts is not None:
        _in("district_key", districts, where, params)
    elif district_level:
        where.append("district_key <> %s")
        params.append(ALL_DISTRICTS)
    else:
        where.append("district_key = %s")
        params.append(ALL_DISTRICTS)
    if period.month_from is not None:
        where.append("month >= %s")
        params.append(period.month_from)
    if period.month_to is not None:
        where.append("month <= %s")
        params.append(period.month_to)
    sums = ", ".join(f"SUM({c})" for c in COUNT_COLUMNS)
    sql = (
        f"SELECT {group}, category_id, kind, {sums} FROM {ReportStats._meta.db_table} "  # noqa: S608
        f"WHERE {' AND '.join(where)} GROUP BY {group}, category_id, kind"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _compute(
    *, user: User | None, filters: StatisticsFilter, audience: str, now: datetime
) -> Statistics:
    from straz.analytics.models import KIND_CONFIRMED, KIND_DUPLICATE, NO_DISTRICT_KEY

    staff = audience == STAFF
    hidden = set() if staff else set(_hidden_category_ids())
    districts = scoped_district_ids(user) if staff else None
    if filters.district is not None:
        wanted = filters.district.pk
        districts = [wanted] if districts is None or wanted in districts else []
    category_id = filters.category.pk if filters.category is not None else None
    period = _split_period(filters)
    statuses = [s.value for s in Status]
    lang = get_language()

    category_counts: dict[int, Counter[str]] = defaultdict(Counter)
    district_acc: dict[int, _DistrictAcc] = defaultdict(_DistrictAcc)
    month_counts: dict[str, Counter[str]] = defaultdict(Counter)
    duplicates = 0

    def sign_of(row_category: int, kind: int, *, category_level: bool) -> int:
        """+1 to add a row, -1 to subtract it (a hidden category inside a roll-up), 0 to skip."""
        unknown = row_category in hidden and not kind & KIND_CONFIRMED
        if category_id is not None or category_level:
            return 0 if unknown else 1
        if row_category == 0:
            return 1
        return -1 if unknown else 0

    if period.has_months and districts != []:
        common = {
            "period": period,
            "category_id": category_id,
            "districts": districts,
            "subtract": sorted(hidden),
        }
        for key, cat, kind, *vals in _summary_rows(
            group="district_key", category_level=False, district_level=True, **common
        ):
            sign = sign_of(cat, kind, category_level=False)
            if not sign:
                continue
            if kind & KIND_DUPLICATE:
                duplicates += sign * sum(vals[: len(statuses)])
                continue
            acc = district_acc[key]
            for status, v in zip(statuses, vals, strict=False):
                acc.by_status[status] += sign * v
                acc.summary_total += sign * v
            acc.read_ok += sign * vals[len(statuses)]
            acc.verify_ok += sign * vals[len(statuses) + 1]
        for cat, _cat, kind, *vals in _summary_rows(
            group="category_id", category_level=True, district_level=False, **common
        ):
            if kind & KIND_DUPLICATE or not sign_of(cat, kind, category_level=True):
                continue
            for status, v in zip(statuses, vals, strict=False):
                category_counts[cat][status] += v
        for month, cat, kind, *vals in _summary_rows(
            group="month", category_level=False, district_level=False, **common
        ):
            sign = sign_of(cat, kind, category_level=False)
            if kind & KIND_DUPLICATE or not sign:
                continue
            if isinstance(month, str):
                month = date.fromisoformat(month)
            key = rules.month_key(month.year, month.month)
            for status, v in zip(statuses, vals, strict=False):
                month_counts[key][status] += sign * v
        _count_deadlines_not_due(
            district_acc,
            period=period,
            category_id=category_id,
            districts=districts,
            hidden=hidden,
            now=now,
        )
        for acc in district_acc.values():
            acc.read_judged += acc.summary_total - acc.read_not_due
            acc.verify_judged += acc.summary_total - acc.verify_not_due

    # Days at the edges of the period that do not fill a month: one pass over their
    # reports, counted by the same rules as the summaries.
    from straz.analytics import summaries
    from straz.analytics.models import STEP_READ

    deadlines = summaries.deadline_days()
    scoped = counted_reports(user=user if staff else None)
    edge_hists: dict[int, dict[Any, dict[int, int]]] = {
        step: defaultdict(lambda: defaultdict(int)) for step in (1, 2)
    }
    for first, last in period.edges:
        edge = apply_filter(
            scoped,
            StatisticsFilter(
                date_from=first, date_to=last, district=filters.district, category=filters.category
            ),
        )
        key = rules.month_key(first.year, first.month)
        rows = edge.order_by().values_list(*summaries.STATE_COLUMNS)
        # The rules of summaries.contribution, inlined: this loop runs per report.
        for created, cat, district_id, status, dup, *steps in rows.iterator(chunk_size=10_000):
            if dup is not None:
                duplicates += 1
                continue
            category_counts[cat][status] += 1
            month_counts[key][status] += 1
            acc = district_acc[district_id if district_id is not None else NO_DISTRICT_KEY]
            acc.by_status[status] += 1
            read_at, verified_at, read_due, verify_due = steps
            for step, done, due, days in (
                (STEP_READ, read_at, read_due, deadlines[0]),
                (3 - STEP_READ, verified_at, verify_due, deadlines[1]),
            ):
                if done is not None:
                    ok = done <= due if due is not None else done - created <= days
                    bucket = rules.duration_bucket((done - created).total_seconds())
                    edge_hists[step][district_id][bucket] += 1
                    edge_hists[step][WHOLE][bucket] += 1
                    judged = True
                else:
                    ok = False
                    judged = (due if due is not None else created + days) < now
                if step == STEP_READ:
                    acc.read_ok += ok
                    acc.read_judged += judged
                else:
                    acc.verify_ok += ok
                    acc.verify_judged += judged

    category_counts = {k: v for k, v in category_counts.items() if sum(v.values())}
    district_acc = {k: v for k, v in district_acc.items() if sum(v.by_status.values())}
    month_counts = {k: v for k, v in month_counts.items() if sum(v.values())}

    categories = Category.objects.in_bulk(list(category_counts))
    by_category = [
        Breakdown(
            key=categories[cat_id].code, label=categories[cat_id].name_in(lang), by_status=counter
        )
        for cat_id, counter in category_counts.items()
    ]
    by_category.sort(key=lambda row: (-row.total, row.label))

    total = sum(sum(acc.by_status.values()) for acc in district_acc.values())
    read_medians, verify_medians = _medians(
        edge_hists=edge_hists,
        user=user,
        staff=staff,
        filters=filters,
        period=period,
        districts=districts,
        total=total,
    )
    areas = Area.objects.in_bulk([d for d in district_acc if d != NO_DISTRICT_KEY])
    by_district: list[Breakdown] = []
    for district_key, acc in district_acc.items():
        area = areas.get(district_key)
        group = district_key if district_key != NO_DISTRICT_KEY else None
        by_district.append(
            Breakdown(
                key=area.code if area else NO_DISTRICT,
                label=area.name if area else gettext("Outside every police district"),
                by_status=acc.by_status,
                population=area.population if area else None,
                read_on_time=rules.DeadlineShare(acc.read_ok, acc.read_judged),
                verified_on_time=rules.DeadlineShare(acc.verify_ok, acc.verify_judged),
                median_read_seconds=read_medians.get(group),
                median_verify_seconds=verify_medians.get(group),
            )
        )
    by_district.sort(key=lambda row: (-row.total, row.label))

    by_month = [
        Breakdown(key=key, label=month_label(key), by_status=month_counts.get(key, Counter()))
        for key in _month_keys(month_counts, filters)
    ]

    # The whole: counts summed from the districts; medians over all rows at once.
    summary = Breakdown(key="all", label="")
    for row in by_district:
        summary.by_status.update(row.by_status)
    summary.read_on_time = rules.DeadlineShare(
        sum(r.read_on_time.on_time for r in by_district),
        sum(r.read_on_time.judged for r in by_district),
    )
    summary.verified_on_time = rules.DeadlineShare(
        sum(r.verified_on_time.on_time for r in by_district),
        sum(r.verified_on_time.judged for r in by_district),
    )
    summary.median_read_seconds = read_medians.get(WHOLE)
    summary.median_verify_seconds = verify_medians.get(WHOLE)
    # Per 100,000 over the districts whose population is known (and only their reports).
    known = [r for r in by_district if r.population]
    summary.population = sum(r.population or 0 for r in known) or None
    summary.per_capita_total = sum(r.total for r in known)

    return Statistics(
        audience=audience,
        filters=filters,
        summary=summary,
        by_category=by_category,
        by_district=by_district,
        by_month=by_month,
        duplicates=duplicates,
        generated_at=now,
    )


def _count_deadlines_not_due(
    district_acc: dict[int, _DistrictAcc],
    *,
    period: _Period,
    category_id: int | None,
    districts: list[int] | None,
    hidden: set[int],
    now: datetime,
) -> None:
    """Pending steps whose deadline is still ahead: they cannot be judged yet."""
    from straz.analytics.models import KIND_CONFIRMED, STEP_READ, PendingDeadline

    where = ["due_at >= %s"]
    params: list[Any] = [connection.ops.adapt_datetimefield_value(now)]
    if category_id is not None:
        where.append("category_id = %s")
        params.append(category_id)
    if districts is not None:
        _in("district_key", districts, where, params)
    if period.month_from is not None:
        where.append("month >= %s")
        params.append(period.month_from)
    if period.month_to is not None:
        where.append("month <= %s")
        params.append(period.month_to)
    sql = (
        f"SELECT district_key, category_id, kind, step, COUNT(*) FROM "  # noqa: S608
        f"{PendingDeadline._meta.db_table} WHERE {' AND '.join(where)} "
        "GROUP BY district_key, category_id, kind, step"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for district_key, cat, kind, step, n in cursor.fetchall():
            if cat in hidden and not kind & KIND_CONFIRMED:
                continue
            acc = district_acc[district_key]
            if step == STEP_READ:
                acc.read_not_due += n
            else:
                acc.verify_not_due += n


def _medians(
    *,
    edge_hists: dict[int, dict[Any, dict[int, int]]],
    user: User | None,
    staff: bool,
    filters: StatisticsFilter,
    period: _Period,
    districts: list[int] | None,
    total: int,
) -> tuple[dict[Any, float], dict[Any, float]]:
    """Median seconds to read and to verify per district (None = outside) and WHOLE.

    Exact from the reports for small selections or a category together with a period;
    else from the duration histograms, edge days binned from their reports (precision:
    see rules.duration_bucket).
    """
    from straz.analytics.models import (
        GRAIN_ALL_TIME,
        GRAIN_MONTH,
        GRAIN_YEAR,
        NO_DISTRICT_KEY,
        STEP_READ,
        ReportCategoryDurationStats,
        ReportDurationStats,
    )

    if total == 0 or districts == []:
        return {}, {}
    dated = filters.date_from is not None or filters.date_to is not None
    by_category = filters.category is not None
    if total <= LIVE_MEDIAN_MAX or (by_category and dated):
        scoped = counted_reports(user=user if staff else None)
        originals = apply_filter(scoped, filters).filter(duplicate_of__isnull=True)
        medians = duration_medians(
            originals, end_fields=("read_at", "verified_at"), group_field="district_id"
        )
        return medians["read_at"], medians["verified_at"]
    where: list[str] = []
    params: list[Any] = []
    table = ReportDurationStats._meta.db_table
    if filters.category is not None:
        table = ReportCategoryDurationStats._meta.db_table
        where.append("category_id = %s")
        params.append(filters.category.pk)
    elif not dated:
        where.append("grain = %s AND period = %s")
        params.extend([GRAIN_ALL_TIME, date(1970, 1, 1)])
    else:
        where.append("grain = %s")
        params.append(GRAIN_YEAR if period.whole_years else GRAIN_MONTH)
        if period.month_from is not None:
            where.append("period >= %s")
            params.append(period.month_from)
        if period.month_to is not None:
            where.append("period <= %s")
            params.append(
                date(period.month_to.year, 1, 1) if period.whole_years else period.month_to
            )
    if not staff:
        where.append("public = 1")
    if districts is not None:
        _in("district_key", districts, where, params)
    sql = (
        f"SELECT district_key, step, bucket, SUM(count) FROM "  # noqa: S608
        f"{table} WHERE {' AND '.join(where)} "
        "GROUP BY district_key, step, bucket"
    )
    hists: dict[int, dict[Any, dict[int, int]]] = {
        step: defaultdict(lambda: defaultdict(int)) for step in (1, 2)
    }
    if period.has_months:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for district_key, step, bucket, n in cursor.fetchall():
                group = None if district_key == NO_DISTRICT_KEY else district_key
                hists[step][group][bucket] += int(n)
                hists[step][WHOLE][bucket] += int(n)
    # Edge days that do not fill a month: their durations, binned the same way (_compute).
    for step, groups in edge_hists.items():
        for group, counts in groups.items():
            for bucket, n in counts.items():
                hists[step][group][bucket] += n
    out: list[dict[Any, float]] = []
    for step in (STEP_READ, 3 - STEP_READ):
        medians: dict[Any, float] = {}
        for group, counts in hists[step].items():
            value = rules.histogram_median(counts)
            if value is not None:
                medians[group] = value
        out.append(medians)
    return out[0], out[1]


def _month_keys(month_counts: dict[str, Counter[str]], filters: StatisticsFilter) -> list[str]:
    """Every month of the period (or of the data), so that empty months show as zero."""
    present = sorted(month_counts)
    first = filters.date_from or (
        date.fromisoformat(present[0] + "-01") if present else filters.date_to
    )
    last = filters.date_to or (
        date.fromisoformat(present[-1] + "-01") if present else filters.date_from
    )
    if first is None or last is None:
        return []
    return rules.months_between(first, last)


# --- downloads of single reports ------------------------------------------------------

PUBLIC_EXPORT_FIELDS = list(public.EXPORT_FIELDS)
# Staff get everything in their scope except the reporter's IP address and its hash.
STAFF_EXPORT_FIELDS = [
    "id",
    "category",
    "category_name",
    "status",
    "status_name",
    "district",
    "district_name",
    "lat",
    "lon",
    "public_lat",
    "public_lon",
    "approximate",
    "created_at",
    "updated_at",
    "occurred_at",
    "read_at",
    "verified_at",
    "read_due_at",
    "verify_due_at",
    "is_public",
    "public_until",
    "source",
    "officer",
    "duplicate_of",
    "duplicate_count",
    "address_text",
    "description",
]
_STAFF_COLUMNS = [
    "id",
    "category_id",
    "status",
    "district_id",
    "lat",
    "lon",
    "public_lat",
    "public_lon",
    "created_at",
    "updated_at",
    "occurred_at",
    "read_at",
    "verified_at",
    "read_due_at",
    "verify_due_at",
    "is_public",
    "public_until",
    "source",
    "officer_id",
    "duplicate_of_id",
    "duplicate_count",
    "address_text",
    "description",
]
EXPORT_CHUNK = 2000


def export_fields(audience: str) -> list[str]:
    """Column names of a report download for an audience."""
    return STAFF_EXPORT_FIELDS if audience == STAFF else PUBLIC_EXPORT_FIELDS


def publicly_visible_reports(*, now: datetime | None = None) -> QuerySet[Report]:
    """Reports the public sees on the map right now (also before the expiry job ran)."""
    now = now or timezone.now()
    qs = counted_reports(user=None).filter(duplicate_of__isnull=True)
    return qs.filter(public.public_now_q(now))


def _utc(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_reports(
    *,
    user: User | None,
    filters: StatisticsFilter,
    audience: str | None = None,
    now: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Rows of the report download, streamed from the database in chunks, oldest first."""
    audience = audience or audience_for(user)
    lang = get_language()
    categories = {c.pk: c for c in Category.objects.all()}
    districts = {
        a.pk: (a.code, a.name)
        for a in Area.objects.filter(kind=AreaKind.POLICE_DISTRICT).only("code", "name")
    }
    status_names = {s.value: str(STATUS_LABELS[s]) for s in Status}
    if audience != STAFF:
        # The public download is the public projection's, row by row.
        public_qs = apply_filter(publicly_visible_reports(now=now), filters).order_by("id")
        for values in public_qs.values_list(*public.EXPORT_COLUMNS).iterator(
            chunk_size=EXPORT_CHUNK
        ):
            yield public.export_row(
                values,
                categories=categories,
                districts=districts,
                status_names=status_names,
                language=lang,
            )
        return
    assert user is not None
    qs = apply_filter(staff_reports(user), filters)
    officers = dict(Officer.objects.values_list("pk", "name"))
    columns = _STAFF_COLUMNS
    for values in qs.order_by("id").values_list(*columns).iterator(chunk_size=EXPORT_CHUNK):
        rec = dict(zip(columns, values, strict=True))
        cat = categories[rec["category_id"]]
        district = districts.get(rec["district_id"], ("", ""))
        row: dict[str, Any] = {
            "id": rec["id"],
            "category": cat.code,
            "category_name": cat.name_in(lang),
            "status": rec["status"],
            "status_name": status_names.get(rec["status"], rec["status"]),
            "district": district[0],
            "district_name": district[1],
            "approximate": cat.public_location_approximated,
            "created_at": _utc(rec["created_at"]),
            "updated_at": _utc(rec["updated_at"]),
        }
        row.update(
            lat=round(rec["lat"], 7),
            lon=round(rec["lon"], 7),
            public_lat=round(rec["public_lat"], 7),
            public_lon=round(rec["public_lon"], 7),
            occurred_at=_utc(rec["occurred_at"]),
            read_at=_utc(rec["read_at"]),
            verified_at=_utc(rec["verified_at"]),
            read_due_at=_utc(rec["read_due_at"]),
            verify_due_at=_utc(rec["verify_due_at"]),
            is_public=rec["is_public"],
            public_until=_utc(rec["public_until"]),
            source=rec["source"],
            officer=officers.get(rec["officer_id"], ""),
            duplicate_of=rec["duplicate_of_id"] or "",
            duplicate_count=rec["duplicate_count"],
            address_text=rec["address_text"],
            description=rec["description"],
        )
        yield row
