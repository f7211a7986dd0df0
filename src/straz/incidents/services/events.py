"""Events (§20(3), §7 b)): several sites of one territory, grouped, with priorities."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.errors import Conflict, NotFound, ValidationFailed
from straz.incidents import entries
from straz.incidents.choices import TimelineKind
from straz.incidents.models import Incident, IncidentEvent
from straz.incidents.policy import (
    require_operations_centre,
)
from straz.incidents.services.base import (
    _audit_event,
    _locked_event,
    _now,
    _require_open,
    _text,
    _timeline,
    _touch,
    _touch_event,
)

# ---------------------------------------------------------------- events (§20(3), §7 b)


def create_event(
    *, user: User, name: str, incident_ids: Sequence[int], region_code: str = "", orp_code: str = ""
) -> IncidentEvent:
    """Group incidents into one event for a territory with more than one site."""
    require_operations_centre(user)
    title = _text(name, label=_("name"), max_chars=200, required=True)
    region = _text(region_code, label=_("region code"), max_chars=20)
    orp = _text(orp_code, label=_("ORP code"), max_chars=20)
    ids = sorted(set(incident_ids))
    if len(ids) < 2:
        raise ValidationFailed(_("An event for a territory groups at least two incidents."))
    now = _now()
    with audit.audited_transaction():
        event = IncidentEvent.objects.create(
            name=title, region_code=region, orp_code=orp, created_at=now, updated_at=now, created_by=user
        )
        _attach(event=event, incident_ids=ids, user=user, now=now)
        _audit_event(
            event,
            user=user,
            action="event.created",
            after={"name": title, "region": region, "orp": orp, "incidents": ids},
        )
    return event


def _attach(*, event: IncidentEvent, incident_ids: Sequence[int], user: User, now: datetime) -> None:
    found = list(Incident.objects.select_for_update().filter(pk__in=incident_ids).order_by("pk"))
    missing = sorted(set(incident_ids) - {i.pk for i in found})
    if missing:
        raise NotFound(_("Incident %(id)s not found.") % {"id": missing[0]})
    for incident in found:
        _require_open(incident)
        if incident.event_id is not None and incident.event_id != event.pk:
            raise Conflict(
                _("Incident %(id)s already belongs to another event.") % {"id": incident.pk}
            )
    next_priority = (
        max((p for p in event.incidents.values_list("priority", flat=True) if p is not None), default=0) + 1
    )
    for incident in found:
        if incident.event_id == event.pk:
            continue
        incident.event = event
        incident.priority = next_priority
        next_priority += 1
        _touch(incident, now, ["event", "priority"])
        _timeline(
            incident=incident,
            event=event,
            kind=TimelineKind.EVENT,
            user=user,
            at=now,
            message=entries.message("event.grouped", name=event.name),
            data={"event": event.pk, "priority": incident.priority},
        )


def group_into_event(*, user: User, event_id: int, incident_ids: Sequence[int]) -> IncidentEvent:
    """Add incidents to an existing event (each gets the next priority)."""
    require_operations_centre(user)
    ids = sorted(set(incident_ids))
    if not ids:
        raise ValidationFailed(_("Choose at least one incident."))
    now = _now()
    with audit.audited_transaction():
        event = _locked_event(event_id)
        before = sorted(event.incidents.values_list("pk", flat=True))
        _attach(event=event, incident_ids=ids, user=user, now=now)
        _touch_event(event, now)
        _audit_event(
            event,
            user=user,
            action="event.incidents_added",
            before={"incidents": before},
            after={"incidents": sorted(event.incidents.values_list("pk", flat=True))},
        )
    return event


def set_site_priorities(*, user: User, event_id: int, order: Sequence[int]) -> IncidentEvent:
    """§7 b): priorities between the sites of an event; `order` lists every site, first = 1."""
    require_operations_centre(user)
    now = _now()
    with audit.audited_transaction():
        event = _locked_event(event_id)
        members = {i.pk: i for i in Incident.objects.select_for_update().filter(event=event)}
        if len(order) != len(set(order)) or set(order) != set(members):
            raise ValidationFailed(
                _("List every incident of the event exactly once (%(ids)s).")
                % {"ids": ", ".join(str(i) for i in sorted(members))}
            )
        before = {str(pk): i.priority for pk, i in members.items()}
        for rank, pk in enumerate(order, start=1):
            incident = members[pk]
            if incident.priority != rank:
                incident.priority = rank
                _touch(incident, now, ["priority"])
        after = {str(pk): rank for rank, pk in enumerate(order, start=1)}
        _touch_event(event, now)
        _timeline(
            incident=None,
            event=event,
            kind=TimelineKind.EVENT,
            user=user,
            at=now,
            message=entries.message("event.priorities_set"),
            data={"order": list(order)},
        )
        for pk in order:
            _timeline(
                incident=members[pk],
                event=event,
                kind=TimelineKind.EVENT,
                user=user,
                at=now,
                message=entries.message("event.priority", name=event.name, rank=after[str(pk)]),
                data={"order": list(order)},
            )
        _audit_event(
            event,
            user=user,
            action="event.priorities_set",
            before=before,
            after=after,
        )
    return event
