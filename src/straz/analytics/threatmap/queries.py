"""The threat-map statistics: counts and medians by category, district, month and status."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Max,
)
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext

from straz.accounts.models import AuditHead, User
from straz.analytics import rules
from straz.analytics.models import (
    ALL_DISTRICTS,
    KIND_CONFIRMED,
    KIND_DUPLICATE,
    NO_DISTRICT_KEY,
    STEP_READ,
    PendingDeadline,
    ReportStats,
)
from straz.analytics.policy import PUBLIC, STAFF, audience_for, scoped_district_ids
from straz.analytics.threatmap import summaries
from straz.analytics.threatmap.medians import WHOLE, medians_of
from straz.analytics.threatmap.scope import (
    Period,
    StatisticsFilter,
    apply_filter,
    counted_reports,
    hidden_category_ids,
    split_period,
    sql_in,
)
from straz.core.config import straz_settings
from straz.reports.models import Category, Report
from straz.reports.rules import CONFIRMED_FAMILY, VERIFIED_STATUSES, Status
from straz.territory.models import Area

NO_DISTRICT = ""  # key of the row for reports outside every police district
_CONFIRMED = [s.value for s in CONFIRMED_FAMILY]
_VERIFIED = [s.value for s in VERIFIED_STATUSES]


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
            "read_deadline_days": straz_settings().read_deadline_days,
            "verify_deadline_days": straz_settings().verify_deadline_days,
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


def _summary_rows(
    *,
    group: str,
    category_level: bool,
    district_level: bool,
    period: Period,
    category_id: int | None,
    districts: list[int] | None,
    subtract: list[int],
) -> list[tuple[Any, ...]]:
    """Summed ReportStats rows: (group, category_id, kind, *counts) over whole months."""

    where: list[str] = []
    params: list[Any] = []
    if category_id is not None:
        where.append("category_id = %s")
        params.append(category_id)
    elif category_level:
        where.append("category_id <> 0")
    else:
        sql_in("category_id", [0, *subtract], where, params)
    if districts is not None:
        sql_in("district_key", districts, where, params)
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
    sums = ", ".join(f"SUM({c})" for c in summaries.COUNT_COLUMNS)
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

    staff = audience == STAFF
    hidden = set() if staff else set(hidden_category_ids())
    districts = scoped_district_ids(user) if staff else None
    if filters.district is not None:
        wanted = filters.district.pk
        districts = [wanted] if districts is None or wanted in districts else []
    category_id = filters.category.pk if filters.category is not None else None
    period = split_period(filters)
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
        common: dict[str, Any] = {
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
    read_medians, verify_medians = medians_of(
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
    period: Period,
    category_id: int | None,
    districts: list[int] | None,
    hidden: set[int],
    now: datetime,
) -> None:
    """Pending steps whose deadline is still ahead: they cannot be judged yet."""

    where = ["due_at >= %s"]
    params: list[Any] = [connection.ops.adapt_datetimefield_value(now)]
    if category_id is not None:
        where.append("category_id = %s")
        params.append(category_id)
    if districts is not None:
        sql_in("district_key", districts, where, params)
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
