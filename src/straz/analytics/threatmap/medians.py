"""Median durations of the threat map (read, verify): live from reports or from the histograms."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
)

from straz.accounts.models import User
from straz.analytics import rules
from straz.analytics.models import (
    GRAIN_ALL_TIME,
    GRAIN_MONTH,
    GRAIN_YEAR,
    NO_DISTRICT_KEY,
    STEP_READ,
    ReportCategoryDurationStats,
    ReportDurationStats,
)
from straz.analytics.threatmap.scope import (
    Period,
    StatisticsFilter,
    apply_filter,
    counted_reports,
    sql_in,
)
from straz.reports.models import Report

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
        return whole_only(result) if group_field is None else result
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
    return whole_only(result) if group_field is None else result


def whole_only(result: dict[str, dict[Any, float]]) -> dict[str, dict[Any, float]]:
    return {end: {k: v for k, v in values.items() if k == WHOLE} for end, values in result.items()}


# Selections with at most this many original reports get exact medians from the reports
# themselves (cheap at that size); larger ones read the duration histograms.
LIVE_MEDIAN_MAX = 5_000


def medians_of(
    *,
    edge_hists: dict[int, dict[Any, dict[int, int]]],
    user: User | None,
    staff: bool,
    filters: StatisticsFilter,
    period: Period,
    districts: list[int] | None,
    total: int,
) -> tuple[dict[Any, float], dict[Any, float]]:
    """Median seconds to read and to verify per district (None = outside) and WHOLE.

    Exact from the reports for small selections or a category together with a period;
    else from the duration histograms, edge days binned from their reports (precision:
    see rules.duration_bucket).
    """

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
        sql_in("district_key", districts, where, params)
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
        by_group: dict[Any, float] = {}
        for group, counts in hists[step].items():
            value = rules.histogram_median(counts)
            if value is not None:
                by_group[group] = value
        out.append(by_group)
    return out[0], out[1]
