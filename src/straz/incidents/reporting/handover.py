"""Handing a completed report over (§16(2): to the regional fire brigade; §16(3): to the hejtman
or the ORP mayor who coordinated): who received it, who handed it, when; audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.accounts.people import person_label
from straz.core.errors import Conflict, Forbidden, ValidationFailed
from straz.incidents.choices import (
    SITE_REPORT_RECIPIENTS,
    TERRITORY_REPORT_RECIPIENTS,
    ReportRecipient,
)
from straz.incidents.models import IncidentReport, ReportContents, TerritoryReport
from straz.incidents.policy import can_write_report, can_write_territory_report
from straz.incidents.services.base import NAME_MAX_CHARS, _locked_event, _locked_incident, _text

# A hand-over time a little ahead of the server clock is a clock difference, not the future.
CLOCK_SKEW = timedelta(minutes=2)


def _record_handover(
    report: ReportContents | None,
    *,
    user: User,
    recipient: str,
    allowed: Sequence[str],
    recipient_name: str,
    handed_at: datetime | None,
    rule: str,
    action: str,
    object_type: str,
    object_id: int,
) -> None:
    """Check and store the hand-over inside the caller's transaction, with its audit entry."""
    if recipient not in allowed:
        labels = dict(ReportRecipient.choices)
        raise ValidationFailed(
            _("%(rule)s: this report is handed to %(allowed)s.")
            % {"rule": rule, "allowed": ", ".join(str(labels[a]) for a in allowed)}
        )
    name = _text(recipient_name, label=_("recipient"), max_chars=NAME_MAX_CHARS, required=True)
    now = timezone.now()
    when = handed_at or now
    if timezone.is_naive(when):
        raise ValidationFailed(_("The time of the hand-over must include a time zone."))
    if when > now + CLOCK_SKEW:
        raise ValidationFailed(_("The time of the hand-over cannot be in the future."))
    if report is None or not report.is_completed:
        raise Conflict(_("Only a completed report can be handed over; complete it first."))
    if report.handed_over_at is not None:
        raise Conflict(_("The report was already handed over; nothing was changed."))
    if report.completed_at is not None and when < report.completed_at:
        raise ValidationFailed(_("The report cannot be handed over before it was completed."))
    report.handed_to = recipient
    report.handed_to_name = name
    report.handed_over_at = when
    report.handed_over_by = user
    report.handed_over_by_label = (person_label(user)[:150] if user is not None else "system")
    report.save(
        update_fields=["handed_to", "handed_to_name", "handed_over_at", "handed_over_by", "handed_over_by_label"]
    )
    audit.record(
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor=user,
        before={"handed_over_at": None},
        after={
            "rule": rule,
            "handed_to": recipient,
            "handed_to_name": name,
            "handed_over_at": when.isoformat(),
            "handed_over_by": report.handed_over_by_label,
        },
    )


def hand_over_report(
    *,
    user: User,
    incident_id: int,
    recipient_name: str,
    recipient: str = ReportRecipient.REGIONAL_FIRE_BRIGADE,
    handed_at: datetime | None = None,
) -> IncidentReport:
    """§16(2): record that the completed site report was handed to the regional fire brigade."""
    with audit.audited_transaction():
        incident = _locked_incident(incident_id)
        if not can_write_report(user, incident):
            raise Forbidden(
                _("Only the incident commander, the operations centre or an administrator can edit the report.")
            )
        report = IncidentReport.objects.select_for_update().filter(incident=incident).first()
        _record_handover(
            report, user=user, recipient=str(recipient), allowed=SITE_REPORT_RECIPIENTS,
            recipient_name=recipient_name, handed_at=handed_at, rule="§16(2)",
            action="incident_report.handed_over", object_type="incident", object_id=incident.pk,
        )
    assert report is not None
    return report


def hand_over_territory_report(
    *,
    user: User,
    event_id: int,
    recipient: str,
    recipient_name: str,
    handed_at: datetime | None = None,
) -> TerritoryReport:
    """§16(3): record that the completed territory report was handed to the hejtman or the ORP mayor."""
    if not can_write_territory_report(user):
        raise Forbidden(
            _("Only the operations centre (HZS kraje) or an administrator can edit the territory report.")
        )
    with audit.audited_transaction():
        event = _locked_event(event_id)
        report = TerritoryReport.objects.select_for_update().filter(event=event).first()
        _record_handover(
            report, user=user, recipient=str(recipient), allowed=TERRITORY_REPORT_RECIPIENTS,
            recipient_name=recipient_name, handed_at=handed_at, rule="§16(3)",
            action="territory_report.handed_over", object_type="incident_event", object_id=event.pk,
        )
    assert report is not None
    return report
