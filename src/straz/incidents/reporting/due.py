"""The lists of reports due (§16(2)) and territory reports due (§16(3)), answered by the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from straz.incidents.choices import IncidentReportStatus
from straz.incidents.models import Incident, IncidentEvent, IncidentReport, TerritoryReport
from straz.incidents.reporting.requirement import (
    MAX_DAYS_MOVED,
    REPORT_DAYS,
    ReportRequirement,
    _zone,
    report_due_at,
    requirement_for,
)
from straz.incidents.reporting.requirement_sql import (
    _completed_report,
    required_events,
    required_incidents,
)


@dataclass(frozen=True)
class DueReport:
    """One row of the list of reports due: the incident, its requirement and draft state."""

    incident: Incident
    requirement: ReportRequirement
    has_draft: bool


def due_by_band(moment: datetime) -> tuple[datetime, datetime]:
    """Rescue-end bounds (certain, possible) for deadlines falling at or before `moment`.

    A rescue that ended before `certain` has its deadline at or before `moment`; one that
    ended at or after `possible` has it later; between them report_due_at decides. The
    deadline lies 14 days − 1 h to 15 days + 1 h after the end (the end of the 14th local
    day; a change of summer time moves local midnight by an hour), plus up to
    MAX_DAYS_MOVED days when the 14th day is not a working day (ADR 0029), so a day of
    margin on each side holds for any time zone whose offset changes by less than a day.
    """
    return (
        moment - timedelta(days=REPORT_DAYS + 2 + MAX_DAYS_MOVED),
        moment - timedelta(days=REPORT_DAYS - 1),
    )


def _count_due_by(pending: QuerySet[Incident], moment: datetime, zone: tzinfo, certain_count: int) -> int:
    """Add to `certain_count` (ended before the band) the rows in the band whose deadline is at or before `moment`."""
    certain, possible = due_by_band(moment)
    near = (
        pending.filter(rescue_ended_at__gte=certain, rescue_ended_at__lt=possible)
        .order_by()
        .values_list("rescue_ended_at", flat=True)
    )
    return certain_count + sum(1 for ended in near if ended is not None and report_due_at(ended, zone) <= moment)


def _rows(
    qs: QuerySet[Incident], *, now: datetime, offset: int, limit: int | None, include_completed: bool = False
) -> list[DueReport]:
    """The rows of a page in list order: not completed first, then by the end of rescue work."""
    # The deadline grows with the end of rescue work (the local day of the end), so this
    # is deadline order, overdue first; running interventions (no end) last.
    order: list[Any] = [F("rescue_ended_at").asc(nulls_last=True), "pk"]
    if include_completed:
        order.insert(0, "report_done")

    def ordered(rows: QuerySet[Incident]) -> QuerySet[Incident]:
        if include_completed:
            rows = rows.annotate(report_done=_completed_report())
        return rows.order_by(*order)

    # The page's ids are picked from narrow rows; the joins and per-row subqueries run only
    # for those (joined over the whole backlog they cost more than the filter itself).
    ids = ordered(qs).values("pk")
    ids = ids[offset : offset + limit] if limit is not None else ids[offset:]
    completed_at = IncidentReport.objects.filter(
        incident=OuterRef("pk"), status=IncidentReportStatus.COMPLETED
    ).values("completed_at")[:1]
    page = ordered(
        Incident.objects.filter(pk__in=Subquery(ids))
        .select_related("type", "current_command")
        .annotate(
            has_draft=Exists(IncidentReport.objects.filter(incident=OuterRef("pk"))),
            report_completed_at=Subquery(completed_at),
        )
    )
    zone = _zone()
    return [
        DueReport(
            incident,
            requirement_for(
                required=True,
                rescue_ended_at=incident.rescue_ended_at,
                completed_at=getattr(incident, "report_completed_at", None),
                now=now,
                zone=zone,
            ),
            bool(getattr(incident, "has_draft", False)),
        )
        for incident in page
    ]


def reports_due(
    *,
    now: datetime | None = None,
    include_completed: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[DueReport]:
    """Incidents whose §16(2) report is required and not completed; overdue first, then by deadline.

    One query; `offset`/`limit` page through it (completed ones, when included, come last).
    """
    return _rows(
        required_incidents(include_completed=include_completed),
        now=now or timezone.now(),
        offset=max(0, offset),
        limit=limit,
        include_completed=include_completed,
    )


@dataclass(frozen=True)
class ReportsDueSummary:
    """The reports-due strip: how many reports have a running deadline, how many are late, the first ones."""

    due: int
    overdue: int
    first: list[DueReport]

    @property
    def next(self) -> DueReport | None:
        """The report with the nearest (or most overdue) deadline."""
        return self.first[0] if self.first else None


def reports_due_summary(*, now: datetime | None = None, top: int = 1) -> ReportsDueSummary:
    """Counts of reports due and overdue and the `top` nearest deadlines, in three queries whatever the backlog."""
    when = now or timezone.now()
    # Only ended interventions have a deadline (14 days after the end of rescue work).
    pending = required_incidents().filter(rescue_ended_at__isnull=False)
    certain, _possible = due_by_band(when)
    counts = pending.aggregate(
        due=Count("pk"), overdue_certain=Count("pk", filter=Q(rescue_ended_at__lt=certain))
    )
    overdue = _count_due_by(pending, when, _zone(), counts["overdue_certain"])
    first = _rows(pending, now=when, offset=0, limit=max(0, top)) if counts["due"] and top > 0 else []
    return ReportsDueSummary(due=counts["due"], overdue=overdue, first=first)


def reports_due_count(*, include_completed: bool = False) -> int:
    """How many rows reports_due() has in all (one query), for paging through it."""
    return required_incidents(include_completed=include_completed).count()


@dataclass(frozen=True)
class DueTerritoryReport:
    """One row of the territory reports listed as due: the event, its sites and the report state."""

    event: IncidentEvent
    sites: int
    has_draft: bool
    completed_at: datetime | None


def territory_reports_due(*, include_completed: bool = False, limit: int = 200) -> list[DueTerritoryReport]:
    """Events whose §16(3) report is required (not completed unless asked), oldest first (one query)."""
    completed_at = TerritoryReport.objects.filter(
        event=OuterRef("pk"), status=IncidentReportStatus.COMPLETED
    ).values("completed_at")[:1]
    rows = (
        required_events(include_completed=include_completed)
        .annotate(
            has_draft=Exists(TerritoryReport.objects.filter(event=OuterRef("pk"))),
            report_completed_at=Subquery(completed_at),
        )
        .order_by("created_at", "pk")[: max(0, limit)]
    )
    return [
        DueTerritoryReport(
            e, int(getattr(e, "site_count", 0)), bool(getattr(e, "has_draft", False)), getattr(e, "report_completed_at", None)
        )
        for e in rows
    ]
