"""Upkeep of the statistics summaries (ReportStats, ReportDurationStats, PendingDeadline).

Every change of a report's statistics-relevant fields moves its contribution from the
old state to the new one **in the same transaction** as the change. The hook is the
Report model's save/delete signals (connected in apps.py) rather than calls in each use
case: then every ORM write — the workflow services, the admin, imports, the demo and the
tests' fixtures — keeps the summaries exact, and no new write path can forget it. Writes
that bypass the ORM signals (QuerySet.update of these fields, bulk_create, raw SQL bulk
loads) must call `rebuild_summaries()` afterwards; fields that the statistics do not read
(is_public, public_until, officer, notes…) never touch the summaries.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from straz.accounts.models import AuditHead
from straz.analytics import rules
from straz.analytics.models import (
    ALL_CATEGORIES,
    ALL_DISTRICTS,
    GRAIN_ALL_TIME,
    GRAIN_CATEGORY,
    GRAIN_MONTH,
    GRAIN_YEAR,
    KIND_CONFIRMED,
    KIND_DUPLICATE,
    NO_DISTRICT_KEY,
    STEP_READ,
    STEP_VERIFY,
    PendingDeadline,
    ReportCategoryDurationStats,
    ReportDurationStats,
    ReportStats,
    SummaryCategoryRule,
)
from straz.core.config import straz_settings
from straz.reports.models import Category, Report
from straz.reports.rules import CONFIRMED_FAMILY, Status

STATUS_COLUMNS = [f"n_{s.value}" for s in Status]
STATUS_INDEX = {s.value: i for i, s in enumerate(Status)}
COUNT_COLUMNS = [*STATUS_COLUMNS, "read_ok", "verify_ok"]
EPOCH_DAY = date(1970, 1, 1)
_CONFIRMED = frozenset(s.value for s in CONFIRMED_FAMILY)
# Report fields the summaries read; a save touching none of them changes nothing here.
RELEVANT_FIELDS = frozenset(
    {
        "created_at",
        "category",
        "category_id",
        "district",
        "district_id",
        "status",
        "duplicate_of",
        "duplicate_of_id",
        "read_at",
        "verified_at",
        "read_due_at",
        "verify_due_at",
    }
)
STATE_COLUMNS = (
    "created_at",
    "category_id",
    "district_id",
    "status",
    "duplicate_of_id",
    "read_at",
    "verified_at",
    "read_due_at",
    "verify_due_at",
)


@dataclass(frozen=True)
class ReportState:
    """What the statistics know of one report."""

    created_at: datetime
    category_id: int
    district_id: int | None
    status: str
    duplicate: bool
    read_at: datetime | None
    verified_at: datetime | None
    read_due_at: datetime | None
    verify_due_at: datetime | None
    # The category is public only once confirmed (its unconfirmed reports are not public).
    hidden_category: bool


CountKey = tuple[date, int, int, int]
# (grain, period, district, public, step, bucket); grain GRAIN_CATEGORY has the category
# id in place of the period (ReportCategoryDurationStats).
HistKey = tuple[int, Any, int, int, int, int]
PendingRow = tuple[int, date, int, int, int, datetime]  # step, month, cat, district, kind, due


@dataclass
class Contribution:
    """The summary rows one report adds."""

    counts: dict[CountKey, list[int]]
    hist: dict[HistKey, int]
    pending: list[PendingRow]


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def local_month(moment: datetime) -> date:
    """First day of the month of an instant in the deployment's time zone."""
    local = moment.astimezone(timezone.get_default_timezone())
    return date(local.year, local.month, 1)


def deadline_days() -> tuple[timedelta, timedelta]:
    return (
        timedelta(days=int(straz_settings().read_deadline_days)),
        timedelta(days=int(straz_settings().verify_deadline_days)),
    )


def kind_of(status: str, duplicate: bool) -> int:
    """The kind bits of a report (confirmed family, duplicate)."""
    return (KIND_CONFIRMED if status in _CONFIRMED else 0) | (KIND_DUPLICATE if duplicate else 0)


def contribution(
    state: ReportState, *, deadlines: tuple[timedelta, timedelta] | None = None
) -> Contribution:
    """The rows a report in this state contributes to every summary table."""
    read_days, verify_days = deadlines or deadline_days()
    month = local_month(state.created_at)
    district = state.district_id if state.district_id is not None else NO_DISTRICT_KEY
    kind = kind_of(state.status, state.duplicate)
    vec = [0] * len(COUNT_COLUMNS)
    vec[STATUS_INDEX[state.status]] = 1
    hist: dict[HistKey, int] = {}
    pending: list[PendingRow] = []
    if not state.duplicate:
        # Duplicates are the same threat again: no deadlines or durations of their own.
        public = 0 if state.hidden_category and state.status not in _CONFIRMED else 1
        periods = (
            (GRAIN_ALL_TIME, EPOCH_DAY),
            (GRAIN_YEAR, date(month.year, 1, 1)),
            (GRAIN_MONTH, month),
        )
        steps = (
            (STEP_READ, state.read_at, state.read_due_at, read_days, 6),
            (STEP_VERIFY, state.verified_at, state.verify_due_at, verify_days, 7),
        )
        for step, done, due, days, column in steps:
            if done is not None:
                within = done <= due if due is not None else done - state.created_at <= days
                vec[column] = 1 if within else 0
                bucket = rules.duration_bucket((done - state.created_at).total_seconds())
                for grain, period in periods:
                    hist[(grain, period, district, public, step, bucket)] = 1
                # All time per category (ReportCategoryDurationStats), same key shape.
                hist[(GRAIN_CATEGORY, state.category_id, district, public, step, bucket)] = 1
            else:
                effective_due = due if due is not None else state.created_at + days
                pending.append((step, month, state.category_id, district, kind, effective_due))
    counts = {
        (month, cat, dist, kind): vec
        for cat in (state.category_id, ALL_CATEGORIES)
        for dist in (district, ALL_DISTRICTS)
    }
    return Contribution(counts=counts, hist=hist, pending=pending)


# --- reading report states -------------------------------------------------------------


def state_from_values(values: Iterable[Any], hidden: bool) -> ReportState:
    (
        created,
        category_id,
        district_id,
        status,
        dup_id,
        read_at,
        verified_at,
        read_due,
        verify_due,
    ) = values
    created_at = _aware(created)
    assert created_at is not None
    return ReportState(
        created_at=created_at,
        category_id=int(category_id),
        district_id=None if district_id is None else int(district_id),
        status=str(status),
        duplicate=dup_id is not None,
        read_at=_aware(read_at),
        verified_at=_aware(verified_at),
        read_due_at=_aware(read_due),
        verify_due_at=_aware(verify_due),
        hidden_category=bool(hidden),
    )


def load_state(report_id: int) -> ReportState | None:
    """The stored state of a report (None when there is no such report)."""
    row = Report.objects.filter(pk=report_id).values_list(*STATE_COLUMNS).first()
    if row is None:
        return None
    return state_from_values(row, category_hidden(int(row[1])))


def category_hidden(category_id: int) -> bool:
    """The public rule the summaries use for a category (recorded on first use)."""

    flag = (
        SummaryCategoryRule.objects.filter(pk=category_id)
        .values_list("public_only_when_confirmed", flat=True)
        .first()
    )
    if flag is not None:
        return bool(flag)
    current = bool(
        Category.objects.filter(pk=category_id)
        .values_list("public_only_when_confirmed", flat=True)
        .first()
    )
    SummaryCategoryRule.objects.get_or_create(
        category_id=category_id, defaults={"public_only_when_confirmed": current}
    )
    return current


def category_rules_changed(*, category_id: int) -> int:
    """After a category's public rule changed: move its reports' histogram rows; returns them."""

    current = bool(
        Category.objects.filter(pk=category_id)
        .values_list("public_only_when_confirmed", flat=True)
        .first()
    )
    # Imported here: downloads → exports → queries → summaries is a real cycle.
    from straz.analytics.threatmap.downloads import invalidate_public_exports

    # Public downloads written under the old rules (exact points, unconfirmed reports of
    # a now confirmed-only category) must not be served again once this commits.
    transaction.on_commit(invalidate_public_exports)
    with transaction.atomic():
        recorded = category_hidden(category_id)
        if recorded == current:
            return 0
        deadlines = deadline_days()
        hist: dict[HistKey, int] = defaultdict(int)
        moved = 0
        rows = Report.objects.filter(category_id=category_id, duplicate_of__isnull=True)
        for values in rows.order_by().values_list(*STATE_COLUMNS).iterator(chunk_size=20_000):
            before = contribution(state_from_values(values, recorded), deadlines=deadlines)
            after = contribution(state_from_values(values, current), deadlines=deadlines)
            if before.hist == after.hist:
                continue
            moved += 1
            for key, n in before.hist.items():
                hist[key] -= n
            for key, n in after.hist.items():
                hist[key] += n
        _lock_in_audit_order()
        changed = sorted((k, v) for k, v in hist.items() if v)
        if changed:
            with connection.cursor() as cur:
                _upsert_hist(cur, changed)
        SummaryCategoryRule.objects.filter(pk=category_id).update(
            public_only_when_confirmed=current
        )
    return moved


def on_category_rules_changed(sender: Any, *, category_id: int, **_: Any) -> None:
    """Receiver of reports.signals.category_rules_changed: keep the public medians exact."""
    category_rules_changed(category_id=category_id)


def state_of(
    report: Report, *, base: ReportState | None = None, fields: Iterable[str] | None = None
) -> ReportState:
    """The state of an in-memory report; with `fields`, only those come from it (rest: base)."""
    if fields is not None and base is not None:
        names = set(fields)

        def pick(attr: str) -> Any:
            return getattr(report, attr) if attr in names else getattr(base, attr)

        created_at = pick("created_at")
        category_id = (
            report.category_id if {"category", "category_id"} & names else base.category_id
        )
        district_id = (
            report.district_id if {"district", "district_id"} & names else base.district_id
        )
        status = pick("status")
        duplicate = (
            report.duplicate_of_id is not None
            if {"duplicate_of", "duplicate_of_id"} & names
            else base.duplicate
        )
        read_at, verified_at = pick("read_at"), pick("verified_at")
        read_due, verify_due = pick("read_due_at"), pick("verify_due_at")
    else:
        created_at, category_id, district_id = (
            report.created_at,
            report.category_id,
            report.district_id,
        )
        status, duplicate = report.status, report.duplicate_of_id is not None
        read_at, verified_at = report.read_at, report.verified_at
        read_due, verify_due = report.read_due_at, report.verify_due_at
    if base is not None and base.category_id == category_id:
        hidden = base.hidden_category
    else:
        hidden = category_hidden(category_id)
    return state_from_values(
        (
            created_at,
            category_id,
            district_id,
            status,
            1 if duplicate else None,
            read_at,
            verified_at,
            read_due,
            verify_due,
        ),
        hidden,
    )


# --- writing ---------------------------------------------------------------------------


def _table(model: Any) -> str:
    return str(model._meta.db_table)


def _lock_in_audit_order() -> None:
    # Same order as the map writers (AuditHead → summary rows) so that two use cases that
    # audit before or after saving a report cannot deadlock on PostgreSQL.
    if connection.vendor == "postgresql":
        AuditHead.objects.select_for_update().get_or_create(id=1)


def apply_report_change(
    *, report_id: int, old: ReportState | None, new: ReportState | None
) -> None:
    """Move one report's contribution from `old` to `new` (either may be None) in the summaries."""
    if old == new:
        return
    deadlines = deadline_days()
    before = contribution(old, deadlines=deadlines) if old is not None else None
    after = contribution(new, deadlines=deadlines) if new is not None else None
    counts: dict[CountKey, list[int]] = defaultdict(lambda: [0] * len(COUNT_COLUMNS))
    hist: dict[HistKey, int] = defaultdict(int)
    for part, sign in ((before, -1), (after, 1)):
        if part is None:
            continue
        for key, vec in part.counts.items():
            row = counts[key]
            for i, v in enumerate(vec):
                row[i] += sign * v
        for hkey, n in part.hist.items():
            hist[hkey] += sign * n
    pending_changed = (before.pending if before else []) != (after.pending if after else [])
    count_rows = sorted((k, v) for k, v in counts.items() if any(v))
    hist_rows = sorted((k, v) for k, v in hist.items() if v)
    if not count_rows and not hist_rows and not pending_changed:
        return
    with transaction.atomic(savepoint=False):
        _lock_in_audit_order()
        with connection.cursor() as cur:
            if count_rows:
                _upsert_counts(cur, count_rows)
            if hist_rows:
                _upsert_hist(cur, hist_rows)
            if pending_changed:
                if before is not None:  # a new report has no deadlines to replace yet
                    cur.execute(
                        f"DELETE FROM {_table(PendingDeadline)} WHERE report_id = %s",  # noqa: S608
                        [report_id],
                    )
                if after is not None and after.pending:
                    _insert_pending(cur, [(report_id, *row) for row in after.pending])


def _upsert_counts(cur: Any, rows: list[tuple[CountKey, list[int]]]) -> None:
    cols = ", ".join(["month", "category_id", "district_key", "kind", *COUNT_COLUMNS])
    marks = ", ".join(["%s"] * (4 + len(COUNT_COLUMNS)))
    table = _table(ReportStats)
    update = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in COUNT_COLUMNS)
    cur.executemany(
        f"INSERT INTO {table} ({cols}) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT (month, category_id, district_key, kind) DO UPDATE SET {update}",
        [(*k, *v) for k, v in rows],
    )


def _upsert_hist(cur: Any, rows: list[tuple[HistKey, int]]) -> None:
    table = _table(ReportDurationStats)
    by_period = [(*k, v) for k, v in rows if k[0] != GRAIN_CATEGORY]
    by_category = [(*k[1:], v) for k, v in rows if k[0] == GRAIN_CATEGORY]
    if by_period:
        cur.executemany(
            f"INSERT INTO {table} (grain, period, district_key, public, step, bucket, count) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (grain, period, district_key, public, step, bucket) "
            f"DO UPDATE SET count = {table}.count + EXCLUDED.count",
            by_period,
        )
    if by_category:
        table = _table(ReportCategoryDurationStats)
        cur.executemany(
            f"INSERT INTO {table} (category_id, district_key, public, step, bucket, count) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (category_id, district_key, public, step, bucket) "
            f"DO UPDATE SET count = {table}.count + EXCLUDED.count",
            by_category,
        )


def _insert_pending(cur: Any, rows: list[tuple[Any, ...]]) -> None:
    adapt = connection.ops.adapt_datetimefield_value
    cur.executemany(
        f"INSERT INTO {_table(PendingDeadline)} "  # noqa: S608
        "(report_id, step, month, category_id, district_key, kind, due_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [(*r[:-1], adapt(r[-1])) for r in rows],
    )


# --- signal handlers (connected in apps.py) --------------------------------------------

_OLD = "_straz_stats_old"


def before_report_save(
    sender: Any, instance: Report, update_fields: Any = None, raw: bool = False, **_: Any
) -> None:
    """Remember the stored state of a report about to be saved."""
    if raw:  # fixtures loaded with loaddata: rebuild_summaries() afterwards
        return
    if update_fields is not None and not (set(update_fields) & RELEVANT_FIELDS):
        setattr(instance, _OLD, "skip")
        return
    setattr(instance, _OLD, load_state(instance.pk) if instance.pk is not None else None)


def after_report_save(
    sender: Any, instance: Report, update_fields: Any = None, raw: bool = False, **_: Any
) -> None:
    """Move the report's contribution to its new state, inside the saving transaction."""
    if raw:
        return
    old = instance.__dict__.pop(_OLD, None)
    if old == "skip":
        return
    fields = None if update_fields is None or old is None else update_fields
    new = state_of(instance, base=old, fields=fields)
    apply_report_change(report_id=instance.pk, old=old, new=new)


_DUPLICATES = "_straz_stats_duplicates"


def before_report_delete(sender: Any, instance: Report, **_: Any) -> None:
    """Remember the stored state of a report about to be deleted, and of its duplicates."""
    setattr(instance, _OLD, load_state(instance.pk))
    # Deleting a first report un-links its duplicates with an UPDATE (on_delete=SET_NULL)
    # that sends no signals: they become originals, so they move here.
    ids = list(Report.objects.filter(duplicate_of_id=instance.pk).values_list("pk", flat=True))
    setattr(instance, _DUPLICATES, [(pk, load_state(pk)) for pk in ids])


def after_report_delete(sender: Any, instance: Report, **_: Any) -> None:
    """Take a deleted report out of the summaries; its former duplicates count as originals."""
    old = instance.__dict__.pop(_OLD, None)
    if isinstance(old, ReportState):
        apply_report_change(report_id=instance.pk, old=old, new=None)
    for pk, state in instance.__dict__.pop(_DUPLICATES, []):
        if state is not None:
            apply_report_change(report_id=pk, old=state, new=load_state(pk))


# --- rebuild ---------------------------------------------------------------------------


def rebuild_summaries() -> dict[str, Any]:
    """Recompute every summary table from the reports (after bulk loads); returns row counts."""

    t0 = time.perf_counter()
    hidden = set(
        Category.objects.filter(public_only_when_confirmed=True).values_list("id", flat=True)
    )
    deadlines = deadline_days()
    counts: dict[CountKey, list[int]] = defaultdict(lambda: [0] * len(COUNT_COLUMNS))
    hist: dict[HistKey, int] = defaultdict(int)
    pending: list[tuple[Any, ...]] = []
    reports = 0
    with transaction.atomic():
        with connection.cursor() as cur:
            for model in (
                ReportStats,
                ReportDurationStats,
                ReportCategoryDurationStats,
                PendingDeadline,
                SummaryCategoryRule,
            ):
                cur.execute(f"DELETE FROM {_table(model)}")  # noqa: S608
        SummaryCategoryRule.objects.bulk_create(
            SummaryCategoryRule(category_id=pk, public_only_when_confirmed=flag)
            for pk, flag in Category.objects.values_list("id", "public_only_when_confirmed")
        )
        rows = Report.objects.order_by().values_list("pk", *STATE_COLUMNS)
        for pk, *values in rows.iterator(chunk_size=20_000):
            reports += 1
            state = state_from_values(values, values[1] in hidden)
            part = contribution(state, deadlines=deadlines)
            for key, vec in part.counts.items():
                row = counts[key]
                for i, v in enumerate(vec):
                    if v:
                        row[i] += v
            for hkey, n in part.hist.items():
                hist[hkey] += n
            for p in part.pending:
                pending.append((pk, *p))
        with connection.cursor() as cur:
            step = 50_000
            crows = sorted(counts.items())
            for lo in range(0, len(crows), step):
                _upsert_counts(cur, crows[lo : lo + step])
            hrows = sorted(hist.items())
            for lo in range(0, len(hrows), step):
                _upsert_hist(cur, hrows[lo : lo + step])
            for lo in range(0, len(pending), step):
                _insert_pending(cur, pending[lo : lo + step])
    return {
        "reports": reports,
        "count_rows": len(counts),
        "histogram_rows": len(hist),
        "pending_rows": len(pending),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def recount() -> tuple[dict[CountKey, list[int]], dict[HistKey, int], set[tuple[Any, ...]]]:
    """The summaries as a from-scratch recount would make them (for checks and tests)."""

    hidden = set(
        Category.objects.filter(public_only_when_confirmed=True).values_list("id", flat=True)
    )
    counts: dict[CountKey, list[int]] = defaultdict(lambda: [0] * len(COUNT_COLUMNS))
    hist: dict[HistKey, int] = defaultdict(int)
    pending: set[tuple[Any, ...]] = set()
    for pk, *values in Report.objects.order_by().values_list("pk", *STATE_COLUMNS):
        part = contribution(state_from_values(values, values[1] in hidden))
        for key, vec in part.counts.items():
            for i, v in enumerate(vec):
                counts[key][i] += v
        for hkey, n in part.hist.items():
            hist[hkey] += n
        for step, month, cat, dist, kind, due in part.pending:
            pending.add((pk, step, month, cat, dist, kind, due))
    return (
        {k: v for k, v in counts.items() if any(v)},
        {k: v for k, v in hist.items() if v},
        pending,
    )


def stored() -> tuple[dict[CountKey, list[int]], dict[HistKey, int], set[tuple[Any, ...]]]:
    """The summaries as stored (zero rows left out), in the shape of recount()."""
    counts = {
        (r[0], r[1], r[2], r[3]): list(r[4:])
        for r in ReportStats.objects.values_list(
            "month", "category_id", "district_key", "kind", *COUNT_COLUMNS
        )
        if any(r[4:])
    }
    hist = {
        tuple(r[:6]): r[6]
        for r in ReportDurationStats.objects.values_list(
            "grain", "period", "district_key", "public", "step", "bucket", "count"
        )
        if r[6]
    }
    for r in ReportCategoryDurationStats.objects.values_list(
        "category_id", "district_key", "public", "step", "bucket", "count"
    ):
        if r[5]:
            hist[(GRAIN_CATEGORY, *r[:5])] = r[5]
    pending = set(
        PendingDeadline.objects.values_list(
            "report_id", "step", "month", "category_id", "district_key", "kind", "due_at"
        )
    )
    return counts, hist, pending  # type: ignore[return-value]
