"""Components of the IZS at the site (§4(2)): called, checked in, checked out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from straz.accounts.models import User
from straz.core.errors import Conflict, NotFound, ValidationFailed
from straz.incidents import entries
from straz.incidents.choices import ComponentKind, ComponentOrigin, SiteMessageLetter, TimelineKind
from straz.incidents.models import ComponentDeployment, Incident
from straz.incidents.policy import (
    require_incident_role,
)
from straz.incidents.services.base import (
    NAME_MAX_CHARS,
    _choice,
    _now,
    _plain,
    _record,
    _text,
    _touch,
    _writing,
)

# ---------------------------------------------------------------- components (§4(2))


def _deployment_snapshot(d: ComponentDeployment) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.kind,
        "origin": d.origin,
        "unit": d.unit_name,
        "leader": d.leader_name,
        "people": d.people,
        "vehicles": d.vehicles,
        "equipment": d.equipment,
        "called_at": d.called_at,
        "arrived_at": d.arrived_at,
        "departed_at": d.departed_at,
    }


def _equipment(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 200:
        raise ValidationFailed(_("The equipment must be a list of at most 200 items."))
    for item in value:
        if not isinstance(item, str | dict) or len(str(item)) > 300:
            raise ValidationFailed(_("Each item of equipment must be a short text or an object."))
    return _plain(value)


def _forces(people: int, vehicles: int) -> None:
    for v in (people, vehicles):
        if isinstance(v, bool) or v < 0 or v > 100_000:
            raise ValidationFailed(_("People and vehicles must be whole numbers from 0 to 100000."))


def _locked_deployment(incident: Incident, deployment_id: int) -> ComponentDeployment:
    d = ComponentDeployment.objects.select_for_update().filter(pk=deployment_id, incident=incident).first()
    if d is None:
        raise NotFound(_("Component not found at this incident."))
    return d


def _record_deployment(
    incident: Incident,
    d: ComponentDeployment,
    *,
    user: User,
    at: datetime,
    step: str,
    message: dict[str, Any],
    before: dict[str, Any] | None = None,
) -> None:
    """A component's step (called, checked in, checked out): incident touched, timeline, audit."""
    _touch(incident, at)
    after = _deployment_snapshot(d)
    # §6 h): a departure is a message from the site; the other steps are component entries.
    out = step == "checked_out"
    _record(
        incident,
        user=user,
        at=at,
        action=f"incident.component_{step}",
        kind=TimelineKind.MESSAGE if out else TimelineKind.COMPONENT,
        letter=SiteMessageLetter.H if out else "",
        message=message,
        data={"deployment": after, "action": step},
        before=before,
        after=after,
    )


def call_component(
    *,
    user: User,
    incident_id: int,
    kind: str,
    unit_name: str = "",
    people: int = 0,
    vehicles: int = 0,
    origin: str = ComponentOrigin.REGION,
) -> ComponentDeployment:
    """Record that a component was called to the site (the board shows called vs on site).

    Its kind and origin are the record the alarm-level proposal reads for letter b).
    """
    require_incident_role(user)
    comp = _choice(kind, ComponentKind, label=_("component"))
    where = _choice(origin, ComponentOrigin, label=_("origin"))
    unit = _text(unit_name, label=_("unit"), max_chars=NAME_MAX_CHARS)
    _forces(people, vehicles)
    now = _now()
    with _writing(user, incident_id) as incident:
        d = ComponentDeployment.objects.create(
            incident=incident,
            kind=comp,
            origin=where,
            unit_name=unit,
            called_at=now,
            people=people,
            vehicles=vehicles,
        )
        _record_deployment(
            incident,
            d,
            user=user,
            at=now,
            step="called",
            message=entries.message("component.called", kind=entries.label("component", d.kind), unit=unit),
        )
    return d


def check_in_component(
    *,
    user: User,
    incident_id: int,
    kind: str,
    leader_name: str,
    people: int,
    vehicles: int,
    equipment: list[Any] | None = None,
    unit_name: str = "",
    deployment_id: int | None = None,
    origin: str | None = None,
) -> ComponentDeployment:
    """§4(2): a component's leader reports arrival with forces and means to the commander.

    `origin` None keeps the origin it was called with (from the region when it checks in
    uncalled).
    """
    require_incident_role(user)
    comp = _choice(kind, ComponentKind, label=_("component"))
    where = _choice(origin, ComponentOrigin, label=_("origin")) if origin is not None else None
    leader = _text(leader_name, label=_("leader"), max_chars=NAME_MAX_CHARS, required=True)
    unit = _text(unit_name, label=_("unit"), max_chars=NAME_MAX_CHARS)
    _forces(people, vehicles)
    gear = _equipment(equipment)
    now = _now()
    with _writing(user, incident_id) as incident:
        if deployment_id is not None:
            d = _locked_deployment(incident, deployment_id)
            if d.arrived_at is not None:
                raise Conflict(_("This component has already checked in."))
            if d.kind != comp:
                raise ValidationFailed(_("The component kind does not match the one called."))
            before: dict[str, Any] | None = _deployment_snapshot(d)
        else:
            d = ComponentDeployment(incident=incident, kind=comp, called_at=now)
            before = None
        if where is not None:
            d.origin = where
        d.arrived_at = now
        d.leader_name = leader
        d.unit_name = unit or d.unit_name
        d.people = people
        d.vehicles = vehicles
        d.equipment = gear
        d.save()
        _record_deployment(
            incident,
            d,
            user=user,
            at=now,
            step="checked_in",
            message=entries.message(
                "component.checked_in",
                kind=entries.label("component", d.kind),
                leader=leader,
                people=people,
                vehicles=vehicles,
            ),
            before=before,
        )
    return d


def check_out_component(*, user: User, incident_id: int, deployment_id: int) -> ComponentDeployment:
    """§6 h): record a component's departure from the site."""
    require_incident_role(user)
    now = _now()
    with _writing(user, incident_id, open_only=False) as incident:
        d = _locked_deployment(incident, deployment_id)
        if d.arrived_at is None:
            raise Conflict(_("This component has not checked in."))
        if d.departed_at is not None:
            raise Conflict(_("This component has already left."))
        record_departure(
            incident,
            d,
            user=user,
            at=now,
            message=entries.message("component.left", kind=entries.label("component", d.kind), leader=d.leader_name),
        )
    return d


def record_departure(
    incident: Incident, d: ComponentDeployment, *, user: User, at: datetime, message: dict[str, Any]
) -> None:
    """§6(1) h): a component on site leaves at `at`; its timeline message and audit entry (caller holds the lock)."""
    before = _deployment_snapshot(d)
    d.departed_at = at
    d.save(update_fields=["departed_at"])
    _record_deployment(incident, d, user=user, at=at, step="checked_out", message=message, before=before)
