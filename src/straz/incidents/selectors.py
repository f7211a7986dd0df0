"""Read side of joint interventions: the operations board, timelines and notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum

from straz.accounts.models import User
from straz.incidents.models import (
    OPEN_STATES,
    Incident,
    TimelineEntry,
    TimelineKind,
)


def can_view_incidents(user: User | Any) -> bool:
    """Every active staff member may read incidents (the police is a basic IZS component)."""
    return bool(user is not None and getattr(user, "is_active", False))


def board_incidents() -> QuerySet[Incident]:
    """Open incidents with everything the board shows, in one query.

    Components are counted over one join (no row multiplication: it is the only to-many
    join); the last message comes from a correlated subquery over the (incident, kind, at)
    index, so the cost does not grow with the length of the timelines.
    """
    last_message = (
        TimelineEntry.objects.filter(incident=OuterRef("pk"), kind=TimelineKind.MESSAGE)
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        Incident.objects.filter(state__in=OPEN_STATES)
        .select_related("type", "event", "current_command")
        .annotate(
            components_called=Count("deployments"),
            components_on_site=Count(
                "deployments",
                filter=Q(deployments__arrived_at__isnull=False, deployments__departed_at__isnull=True),
            ),
            components_en_route=Count(
                "deployments",
                filter=Q(deployments__arrived_at__isnull=True, deployments__departed_at__isnull=True),
            ),
            people_on_site=Sum(
                "deployments__people",
                filter=Q(deployments__arrived_at__isnull=False, deployments__departed_at__isnull=True),
            ),
            last_message_at=Subquery(last_message),
        )
        .order_by(F("event_id").asc(nulls_last=True), F("priority").asc(nulls_last=True), "-created_at")
    )


def incident_timeline(incident_id: int) -> QuerySet[TimelineEntry]:
    """The timeline of one incident, oldest first."""
    return TimelineEntry.objects.filter(incident_id=incident_id).order_by("at", "id")


def incident_notifications(incident: Incident) -> QuerySet[Any]:
    """Outbox rows caused by this incident or by the event (territory) it belongs to."""
    from straz.warnings.models import OutboxMessage

    where = Q(source_type="incident", source_id=str(incident.pk))
    if incident.event_id is not None:
        where |= Q(source_type="event", source_id=str(incident.event_id))
    return OutboxMessage.objects.filter(where).order_by("created_at", "pk")

