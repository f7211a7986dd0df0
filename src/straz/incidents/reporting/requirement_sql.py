"""The SQL twin of requirement.py: the same §16(2)/(3) rule as query filters (the agreement test holds them together)."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from straz.incidents.choices import IncidentReportStatus
from straz.incidents.models import (
    AlarmDeclaration,
    Incident,
    IncidentEvent,
    IncidentReport,
    TerritoryReport,
)
from straz.incidents.reporting.requirement import REPORT_LEVELS


def _required_q() -> Q:
    """§16(2) as a filter: III/special is the site's level now or was ever declared for the site."""
    # The same rule as report_requirement's, written as IN (subquery) rather than
    # correlated EXISTS: the database reads the few high declarations once instead of
    # probing them for every incident of the backlog (about twice as fast at 30,000).
    # Declarations for an event (territory) are §16(3)'s business, not the site's.
    declared = AlarmDeclaration.objects.filter(level__in=REPORT_LEVELS)
    return Q(alarm_level__in=REPORT_LEVELS) | Q(
        pk__in=declared.filter(incident__isnull=False).values("incident_id")
    )


def _completed_ids() -> QuerySet[IncidentReport, Any]:
    return IncidentReport.objects.filter(status=IncidentReportStatus.COMPLETED).values("incident_id")


def _completed_report() -> Exists:
    return Exists(
        IncidentReport.objects.filter(incident=OuterRef("pk"), status=IncidentReportStatus.COMPLETED)
    )


def required_incidents(*, include_completed: bool = False) -> QuerySet[Incident]:
    """Incidents whose report §16(2) requires (by default only those not completed yet)."""
    qs = Incident.objects.filter(_required_q())
    if not include_completed:
        qs = qs.exclude(pk__in=_completed_ids())
    return qs


def required_ids(incidents: QuerySet[Incident]) -> set[int]:
    """Which of these incidents §16(2) requires a report of, completed or not (one query)."""
    return set(incidents.filter(_required_q()).values_list("pk", flat=True))


def required_events(*, include_completed: bool = False) -> QuerySet[IncidentEvent]:
    """Events whose territory report §16(3) requires (by default only those not completed)."""
    declared = AlarmDeclaration.objects.filter(level__in=REPORT_LEVELS, event__isnull=False).values("event_id")
    qs = (
        IncidentEvent.objects.filter(Q(alarm_level__in=REPORT_LEVELS) | Q(pk__in=declared))
        .annotate(site_count=Count("incidents"))
        .filter(site_count__gt=1)
    )
    if not include_completed:
        qs = qs.exclude(
            pk__in=TerritoryReport.objects.filter(status=IncidentReportStatus.COMPLETED).values("event_id")
        )
    return qs
