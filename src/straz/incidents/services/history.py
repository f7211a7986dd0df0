"""Bulk load of past interventions (demo data sets, benchmarks): rows written in a few queries.

The caller builds unsaved model rows; nothing is audited or put on the outbox, because
the rows describe history, not changes made now. Call inside one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from straz.incidents.models import (
    AlarmDeclaration,
    CommandAssignment,
    ComponentDeployment,
    Incident,
    IncidentEvent,
    IncidentReport,
    TerritoryReport,
    TimelineEntry,
)


def bulk_load_events(events: Sequence[IncidentEvent]) -> list[IncidentEvent]:
    """Write past events (territories); returned with their ids, in order."""
    return IncidentEvent.objects.bulk_create(events)


def bulk_load_incidents(incidents: Sequence[Incident]) -> list[Incident]:
    """Write past incidents; returned with their ids, in order."""
    return Incident.objects.bulk_create(incidents)


def bulk_load_records(
    *,
    incidents: Sequence[Incident],
    declarations: Sequence[AlarmDeclaration],
    commands: Sequence[CommandAssignment],
    deployments: Sequence[ComponentDeployment],
    timeline: Sequence[TimelineEntry],
) -> dict[int, CommandAssignment]:
    """Write the declarations, command terms, components and timeline of loaded incidents.

    Each incident's current command becomes its last term (terms in order); the map of
    incident id to that term is returned.
    """
    AlarmDeclaration.objects.bulk_create(declarations)
    terms = CommandAssignment.objects.bulk_create(commands)
    last_term = {c.incident_id: c for c in terms}  # in order: the last one wins
    for incident in incidents:
        incident.current_command = last_term[incident.pk]
    Incident.objects.bulk_update(incidents, ["current_command"])
    ComponentDeployment.objects.bulk_create(deployments)
    TimelineEntry.objects.bulk_create(timeline)
    return last_term


def bulk_load_reports(
    *, reports: Sequence[IncidentReport] = (), territory_reports: Sequence[TerritoryReport] = ()
) -> None:
    """Write past site reports (§16(2)) and territory reports (§16(3))."""
    IncidentReport.objects.bulk_create(reports)
    TerritoryReport.objects.bulk_create(territory_reports)
