"""Calls received by the operations centre and forwarded to another (§12)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.errors import Conflict, NotFound
from straz.incidents.choices import TimelineKind
from straz.incidents.models import CallRecord
from straz.incidents.policy import (
    require_operations_centre,
)
from straz.incidents.services.base import (
    NAME_MAX_CHARS,
    _label,
    _locked_incident,
    _now,
    _point,
    _text,
    _timeline,
)

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
) -> CallRecord:
    """Record an emergency call received by a centre."""
    require_operations_centre(user)
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
        )
        if incident is not None:
            _timeline(
                incident=incident,
                kind=TimelineKind.CALL,
                user=user,
                at=now,
                text=_("Emergency call received by %(centre)s.") % {"centre": centre},
                data={"call": call.pk},
            )
        audit.record(
            action="call.recorded",
            object_type="call",
            object_id=call.pk,
            actor=user,
            # The caller's number stays out of the log.
            after={"centre": centre, "incident": incident_id, "chars": len(text)},
        )
    return call


def forward_call(*, user: User, call_id: int, to_centre: str, to_opis: str = "") -> CallRecord:
    """§12(1): forward the call data to the competent centre (and the OPIS when several components are needed)."""
    require_operations_centre(user)
    centre = _text(to_centre, label=_("competent centre"), max_chars=NAME_MAX_CHARS, required=True)
    opis = _text(to_opis, label=_("OPIS"), max_chars=NAME_MAX_CHARS)
    now = _now()
    with audit.audited_transaction():
        call = CallRecord.objects.select_for_update().filter(pk=call_id).first()
        if call is None:
            raise NotFound(_("Call record not found."))
        if call.forwarded_at is not None:
            raise Conflict(_("This call was already forwarded."))
        call.forwarded_to_centre = centre
        call.forwarded_to_opis = opis
        call.forwarded_at = now
        call.forwarded_by = user
        call.forwarded_by_label = _label(user)
        call.save()
        if call.incident_id is not None:
            _timeline(
                incident=call.incident,
                kind=TimelineKind.CALL,
                user=user,
                at=now,
                text=_("Call forwarded to %(centre)s%(opis)s.")
                % {"centre": centre, "opis": f" + {opis}" if opis else ""},
                data={"call": call.pk, "to_centre": centre, "to_opis": opis},
            )
        audit.record(
            action="call.forwarded",
            object_type="call",
            object_id=call.pk,
            actor=user,
            after={"to_centre": centre, "to_opis": opis, "at": now},
        )
    return call
