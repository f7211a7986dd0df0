"""Read side of joint interventions: the operations board, timelines and notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum

from straz.incidents.choices import OPEN_STATES, NoticeStatus, TimelineKind
from straz.incidents.models import ComponentDeployment, Incident, NoticeProposal, TimelineEntry
from straz.notifications.models import OutboxMessage


def board_incidents() -> list[Incident]:
    """Open incidents with everything the board shows, in two queries whatever their number.

    The incidents come with their type, event and commander joined and the time of the
    last message from a correlated subquery over the (incident, kind, at) index; the
    component counts come from one GROUP BY incident over the deployments of open
    incidents. (Grouping the wide incident rows by every column instead cost most of the
    time at 500 incidents.)
    """
    last_message = (
        TimelineEntry.objects.filter(incident=OuterRef("pk"), kind=TimelineKind.MESSAGE)
        .order_by("-at")
        .values("at")[:1]
    )
    incidents: list[Incident] = list(
        Incident.objects.filter(state__in=OPEN_STATES)
        .select_related("type", "event", "current_command")
        .only(*BOARD_FIELDS)
        .annotate(
            last_message_at=Subquery(last_message),
            # §23(2) (ADR 0028): a notice proposed on level III still waits for its decision.
            notices_pending=Exists(
                NoticeProposal.objects.filter(incident=OuterRef("pk"), status=NoticeStatus.PROPOSED)
            ),
        )
        .order_by(F("event_id").asc(nulls_last=True), F("priority").asc(nulls_last=True), "-created_at")
    )
    on_site = Q(arrived_at__isnull=False, departed_at__isnull=True)
    counts: dict[int, Any] = {
        row["incident_id"]: row
        for row in ComponentDeployment.objects.filter(incident__state__in=OPEN_STATES)
        .values("incident_id")
        .annotate(
            called=Count("pk"),
            on_site=Count("pk", filter=on_site),
            en_route=Count("pk", filter=Q(arrived_at__isnull=True, departed_at__isnull=True)),
            people=Sum("people", filter=on_site),
        )
        .order_by()
    }
    for incident in incidents:
        row = counts.get(incident.pk, {})
        incident.components_called = row.get("called", 0)  # type: ignore[attr-defined]
        incident.components_on_site = row.get("on_site", 0)  # type: ignore[attr-defined]
        incident.components_en_route = row.get("en_route", 0)  # type: ignore[attr-defined]
        incident.people_on_site = row.get("people") or 0  # type: ignore[attr-defined]
    return incidents


BOARD_FIELDS = (
    "title",
    "lat",
    "lon",
    "state",
    "alarm_level",
    "priority",
    "created_at",
    "type__code",
    "type__name_cs",
    "type__name_pl",
    "type__name_en",
    "event__name",
    "event__alarm_level",
    "current_command__commander_name",
)


def incident_timeline(incident_id: int) -> QuerySet[TimelineEntry]:
    """The timeline of one incident, oldest first."""
    return TimelineEntry.objects.filter(incident_id=incident_id).select_related("author").order_by("at", "id")


def incident_notifications(incident: Incident) -> QuerySet[Any]:
    """Outbox rows caused by this incident or by the event (territory) it belongs to."""

    where = Q(source_type="incident", source_id=str(incident.pk))
    if incident.event_id is not None:
        where |= Q(source_type="event", source_id=str(incident.event_id))
    return OutboxMessage.objects.filter(where).order_by("created_at", "pk")



def recorded_notification_outcomes(incident: Incident) -> list[dict[str, Any]]:
    """What the declarations and §23(2) decisions of this incident (and of its event)
    recorded about their notifications, oldest first: sent messages and gaps alike."""
    where = Q(incident=incident)
    if incident.event_id is not None:
        where |= Q(event_id=incident.event_id, incident__isnull=True)
    outcomes: list[dict[str, Any]] = []
    for data in (
        TimelineEntry.objects.filter(where, kind=TimelineKind.DECLARATION)
        .order_by("at", "pk")
        .values_list("data", flat=True)
    ):
        outcomes.extend((data or {}).get("notifications") or [])
    for sent in NoticeProposal.objects.filter(where).order_by("proposed_at", "pk").values_list("sent", flat=True):
        outcomes.extend(sent or [])
    return outcomes


def components_on_site(incident: Incident) -> QuerySet[ComponentDeployment]:
    """The incident's components that checked in and have not left, in order of arrival."""
    return incident.deployments.filter(arrived_at__isnull=False, departed_at__isnull=True).order_by(
        "arrived_at", "pk"
    )


def component_label(d: ComponentDeployment) -> str:
    """A component as people name it: its kind, its unit and its leader where known."""
    parts = [str(d.get_kind_display())]
    if d.unit_name:
        parts.append(d.unit_name)
    if d.leader_name:
        parts.append(d.leader_name)
    return " · ".join(parts)
