"""Calls received by the operations centre and forwarded to another (§12)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.errors import Conflict, NotFound, ValidationFailed
from straz.incidents import entries
from straz.incidents.calls.rules import (
    MISSING_OPIS,
    NOT_COMPETENT,
    Forwarding,
    forwarding_for,
    forwarding_problems,
)
from straz.incidents.choices import CallType, CentreComponent, TimelineKind
from straz.incidents.models import CallRecord, OperationsCentre
from straz.incidents.policy import (
    require_operations_centre,
)
from straz.incidents.services.base import (
    NAME_MAX_CHARS,
    _choice,
    _label,
    _locked_incident,
    _now,
    _point,
    _text,
    _timeline,
)
from straz.territory.locate import locate
from straz.territory.models import AreaKind

# ---------------------------------------------------------------- calls (§12)


def record_call(
    *,
    user: User,
    received_by_centre: str,
    summary: str,
    caller_phone: str = "",
    lat: float | None = None,
    lon: float | None = None,
    incident_id: int | None = None,
    received_at: datetime | None = None,
    call_type: str = "",
    components_needed: Sequence[str] = (),
) -> CallRecord:
    """Record an emergency call received by a centre, with its type and the components it needs (§12)."""
    require_operations_centre(user)
    kind = _choice(str(call_type), CallType, label=_("type of call")) if call_type else ""
    needed = sorted({_choice(str(c), CentreComponent, label=_("component")) for c in components_needed})
    centre = _text(received_by_centre, label=_("receiving centre"), max_chars=NAME_MAX_CHARS, required=True)
    text = _text(summary, label=_("summary"), required=True)
    phone = _text(caller_phone, label=_("caller's number"), max_chars=40)
    point = _point(lat, lon) if lat is not None or lon is not None else None
    now = _now()
    with audit.audited_transaction():
        incident = _locked_incident(incident_id) if incident_id is not None else None
        call = CallRecord.objects.create(
            received_at=received_at or now,
            received_by_centre=centre,
            caller_phone=phone,
            summary=text,
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            incident=incident,
            recorded_by=user,
            call_type=kind,
            components_needed=needed,
        )
        if incident is not None:
            _timeline(
                incident=incident,
                kind=TimelineKind.CALL,
                user=user,
                at=now,
                message=entries.message("call.received", centre=centre),
                data={"call": call.pk},
            )
        audit.record(
            action="call.recorded",
            object_type="call",
            object_id=call.pk,
            actor=user,
            # The caller's number stays out of the log.
            after={"centre": centre, "incident": incident_id, "chars": len(text), "type": kind, "needed": needed},
        )
    return call


@dataclass(frozen=True)
class CallRouting:
    """Where §12(1) sends a call, as far as its type, place and the territory's centres tell."""

    plan: Forwarding | None
    region_code: str
    competent_centre: str
    opis: str

    @property
    def opis_required(self) -> bool:
        return self.plan is not None and self.plan.opis_required


def _call_region(call: CallRecord) -> str:
    """The region of the call's place (or of its incident): typed code first, else located."""
    if call.incident is not None and call.incident.region_code:
        return str(call.incident.region_code)
    point = (call.lat, call.lon) if call.lat is not None and call.lon is not None else None
    if point is None and call.incident is not None:
        point = (call.incident.lat, call.incident.lon)
    if point is None:
        return ""
    area = locate(AreaKind.REGION, [point])[0]
    return area.code if area is not None else ""


def call_routing(call: CallRecord) -> CallRouting:
    """The competent centre and the OPIS of a call from its type, components needed and place (§12(1))."""
    needed = [str(c) for c in (call.components_needed or [])]
    if call.call_type:
        plan: Forwarding | None = forwarding_for(call.call_type, needed)
    elif len(set(needed)) > 1:
        # No type: the competent centre is the dispatcher's to name, but the OPIS copy is still due.
        plan = Forwarding(competent="", components=frozenset(needed), opis_required=True)
    else:
        plan = None
    region = _call_region(call)
    centres = OperationsCentre.objects.filter(region_code=region, active=True) if region else None
    competent = ""
    opis = ""
    if centres is not None:
        if plan is not None and plan.competent:
            found = centres.filter(component=plan.competent).order_by("-is_opis", "name").first()
            competent = found.name if found is not None else ""
        found_opis = centres.filter(component=CentreComponent.HZS, is_opis=True).order_by("name").first()
        opis = found_opis.name if found_opis is not None else ""
    return CallRouting(plan=plan, region_code=region, competent_centre=competent, opis=opis)


def forward_call(*, user: User, call_id: int, to_centre: str = "", to_opis: str = "") -> CallRecord:
    """§12(1): forward the call data to the competent centre (and the OPIS when several components are needed).

    The competent centre and the OPIS come from the call's type and place when the territory
    knows them; a typed centre overrides (flagged when it is not the competent one). Without
    the OPIS copy a call that needs several components is refused.
    """
    require_operations_centre(user)
    typed_centre = _text(to_centre, label=_("competent centre"), max_chars=NAME_MAX_CHARS)
    typed_opis = _text(to_opis, label=_("OPIS"), max_chars=NAME_MAX_CHARS)
    now = _now()
    with audit.audited_transaction():
        call = CallRecord.objects.select_for_update(of=("self",)).select_related("incident").filter(pk=call_id).first()
        if call is None:
            raise NotFound(_("Call record not found."))
        if call.forwarded_at is not None:
            raise Conflict(_("This call was already forwarded."))
        routing = call_routing(call)
        centre = typed_centre or routing.competent_centre
        if not centre:
            raise ValidationFailed(
                _("No competent centre is known for this call's type and place; enter the centre to forward it to.")
            )
        opis = typed_opis or (routing.opis if routing.opis_required else "")
        problems = (
            forwarding_problems(routing.plan, to_centre=centre, competent_centre=routing.competent_centre, to_opis=opis)
            if routing.plan is not None
            else ()
        )
        if MISSING_OPIS in problems:
            raise ValidationFailed(
                _(
                    "Several components are needed (%(components)s): §12(1) requires forwarding the call "
                    "also to the OPIS. No OPIS is known for the call's region; enter it."
                )
                % {"components": ", ".join(_component_label(c) for c in sorted(routing.plan.components))}  # type: ignore[union-attr]
            )
        flags = [p for p in problems if p == NOT_COMPETENT]
        call.forwarded_to_centre = centre
        call.forwarded_to_opis = opis
        call.forwarded_at = now
        call.forwarded_by = user
        call.forwarded_by_label = _label(user)
        call.forward_flags = flags
        call.save()
        if call.incident_id is not None:
            said = entries.sentences(
                entries.message("call.forwarded", centre=centre, opis=f" + {opis}" if opis else ""),
                entries.message("call.not_competent", competent=routing.competent_centre) if flags else None,
            )
            _timeline(
                incident=call.incident,
                kind=TimelineKind.CALL,
                user=user,
                at=now,
                message=said,
                data={"call": call.pk, "to_centre": centre, "to_opis": opis, "flags": flags},
            )
        audit.record(
            action="call.forwarded",
            object_type="call",
            object_id=call.pk,
            actor=user,
            after={
                "to_centre": centre,
                "to_opis": opis,
                "at": now,
                "competent": routing.competent_centre,
                "opis_required": routing.opis_required,
                "flags": flags,
            },
        )
    return call


def _component_label(component: str) -> str:
    return str(dict(CentreComponent.choices).get(component, component))
