"""When §16(2) requires a site's report and §16(3) a territory's, and the 14-day deadline: the rule, in Python."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.models import (
    Exists,
    OuterRef,
    Q,
)
from django.utils import timezone

from straz.incidents.choices import IncidentReportStatus
from straz.incidents.models import (
    AlarmDeclaration,
    Incident,
    IncidentEvent,
    IncidentReport,
    TerritoryReport,
)

# §16(2): the report is written when level III or special was declared for the site.
REPORT_LEVELS = ("III", "special")


# §16(2): handed to the regional fire brigade within 14 days after the intervention ends.
REPORT_DAYS = 14


@dataclass(frozen=True)
class ReportRequirement:
    """Whether §16(2) requires a report, until when, and whether it is done or late."""

    required: bool
    due_at: datetime | None
    completed_at: datetime | None
    overdue: bool


# ADR 0029: a deadline whose last day is a Saturday, Sunday or Czech public holiday ends on
# the next working day, as Czech law counts periods (§40(1)(c) of the Administrative Code).
# No run of Czech non-working days is longer than this (24–26 December with a weekend is 5),
# so the SQL band in due.py can bracket every deadline; a test walks the calendar to prove it.
MAX_DAYS_MOVED = 7


@lru_cache(maxsize=256)
def _czech_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("CZ", years=year).keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Czech public holiday (the `holidays` library's calendar)."""
    return day.weekday() < 5 and day not in _czech_holidays(day.year)


def last_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the next working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class ReportDeadline:
    """The last day of §16(2)'s 14 days, the day it moved to (ADR 0029) and the moment it ends."""

    nominal_day: date
    last_day: date
    due_at: datetime

    @property
    def moved(self) -> bool:
        """True when the 14th day was not a working day and the deadline moved past it."""
        return self.last_day != self.nominal_day


def report_deadline(rescue_ended_at: datetime, zone: tzinfo) -> ReportDeadline:
    """Deadline of §16(2): the end of the 14th day after the day the intervention ended,
    moved to the next working day when that day is a Saturday, Sunday or Czech public holiday.

    Days are counted in the local calendar (the day of the end is not counted, as
    Czech law counts periods in days), so the report is due before local midnight
    that ends the last day; `due_at` is an aware datetime in UTC.
    """
    if rescue_ended_at.tzinfo is None:
        raise ValueError("rescue_ended_at must be timezone-aware")
    ended_day: date = rescue_ended_at.astimezone(zone).date()
    nominal = ended_day + timedelta(days=REPORT_DAYS)
    last_day = last_working_day(nominal)
    end_local = datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=zone)
    return ReportDeadline(nominal, last_day, end_local.astimezone(ZoneInfo("UTC")))


def report_due_at(rescue_ended_at: datetime, zone: tzinfo) -> datetime:
    """The moment the §16(2) deadline ends (see report_deadline): the one rule every list uses."""
    return report_deadline(rescue_ended_at, zone).due_at


def requirement_for(
    *,
    required: bool,
    rescue_ended_at: datetime | None,
    completed_at: datetime | None,
    now: datetime,
    zone: tzinfo,
) -> ReportRequirement:
    """The requirement from plain facts (pure: no database)."""
    if not required:
        return ReportRequirement(False, None, completed_at, False)
    due = report_due_at(rescue_ended_at, zone) if rescue_ended_at is not None else None
    overdue = due is not None and completed_at is None and now >= due
    return ReportRequirement(True, due, completed_at, overdue)


def _zone() -> tzinfo:
    return ZoneInfo(settings.TIME_ZONE)


def _high_level_declared() -> Q:
    """Incidents with III or special ever declared for the site itself (§16(2)).

    A declaration for the event (the territory) does not count here: that one calls
    for the regional fire brigade's territory report of §16(3), not for each site's.
    """
    declared = AlarmDeclaration.objects.filter(level__in=REPORT_LEVELS)
    return Q(Exists(declared.filter(incident=OuterRef("pk"))))


def report_requirement(incident: Incident, *, now: datetime | None = None) -> ReportRequirement:
    """§16(2) for one incident: required when III/special was ever declared, due 14 days after the end."""
    required = (
        incident.alarm_level in REPORT_LEVELS
        or Incident.objects.filter(pk=incident.pk).filter(_high_level_declared()).exists()
    )
    completed_at = (
        IncidentReport.objects.filter(incident_id=incident.pk, status=IncidentReportStatus.COMPLETED)
        .values_list("completed_at", flat=True)
        .first()
    )
    return requirement_for(
        required=required,
        rescue_ended_at=incident.rescue_ended_at,
        completed_at=completed_at,
        now=now or timezone.now(),
        zone=_zone(),
    )


def report_requirements(
    incidents: Iterable[Incident], *, now: datetime | None = None
) -> dict[int, ReportRequirement]:
    """The requirement of many incidents in two queries (for the board and lists)."""
    items = list(incidents)
    ids = [i.pk for i in items]
    if not ids:
        return {}
    required_ids = set(
        Incident.objects.filter(pk__in=ids).filter(_high_level_declared()).values_list("pk", flat=True)
    )
    completed = dict(
        IncidentReport.objects.filter(incident_id__in=ids, status=IncidentReportStatus.COMPLETED).values_list(
            "incident_id", "completed_at"
        )
    )
    when = now or timezone.now()
    zone = _zone()
    return {
        i.pk: requirement_for(
            required=i.pk in required_ids or i.alarm_level in REPORT_LEVELS,
            rescue_ended_at=i.rescue_ended_at,
            completed_at=completed.get(i.pk),
            now=when,
            zone=zone,
        )
        for i in items
    }


@dataclass(frozen=True)
class TerritoryRequirement:
    """Whether §16(3) requires the territory report of an event, and whether it is done."""

    required: bool
    sites: int
    declared: bool
    completed_at: datetime | None


def _event_declared_high(event: IncidentEvent) -> bool:
    return event.alarm_level in REPORT_LEVELS or AlarmDeclaration.objects.filter(
        event=event, level__in=REPORT_LEVELS
    ).exists()


def territory_requirement(event: IncidentEvent) -> TerritoryRequirement:
    """§16(3): required when III/special was ever declared for the event and it has more than one site."""
    declared = _event_declared_high(event)
    sites = Incident.objects.filter(event=event).count()
    completed_at = (
        TerritoryReport.objects.filter(event=event, status=IncidentReportStatus.COMPLETED)
        .values_list("completed_at", flat=True)
        .first()
    )
    return TerritoryRequirement(declared and sites > 1, sites, declared, completed_at)
