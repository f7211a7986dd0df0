"""Reminders of the §16(2) deadline: three days before and once overdue, to the regional OPIS and the commander."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.incidents import entries
from straz.incidents.choices import TimelineKind
from straz.incidents.models import (
    CommandAssignment,
    Incident,
    TimelineEntry,
)
from straz.incidents.reporting.document import deadline_text
from straz.incidents.reporting.due import due_by_band
from straz.incidents.reporting.requirement import (
    ReportRequirement,
    _zone,
    report_requirement,
    requirement_for,
)
from straz.incidents.reporting.requirement_sql import required_incidents
from straz.incidents.services.base import _timeline
from straz.notifications.models import Channel, OutboxMessage
from straz.notifications.outbox import contacts_for, enqueue

# How long before the deadline the first reminder goes out.
REMINDER_DAYS_BEFORE = 3


# §16(2): the report is handed to the regional fire brigade, whose operations centre is
# the regional OPIS; the commander who writes it is reminded too (by e-mail, if known).
REMINDER_CONTACT_ROLE = "regional_opis"


REMINDER_DUE_SOON = "due_soon"


REMINDER_OVERDUE = "overdue"


def reminder_stage(requirement: ReportRequirement, now: datetime) -> str | None:
    """Which reminder a requirement calls for now: due soon, overdue, or none (pure)."""
    if not requirement.required or requirement.due_at is None or requirement.completed_at is not None:
        return None
    if now >= requirement.due_at:
        return REMINDER_OVERDUE
    if now >= requirement.due_at - timedelta(days=REMINDER_DAYS_BEFORE):
        return REMINDER_DUE_SOON
    return None


def _reminder_commander(incident: Incident) -> User | None:
    # The commander at the end of the intervention writes the report (§16(2)).
    last = (
        CommandAssignment.objects.filter(incident=incident, commander_user__isnull=False)
        .select_related("commander_user")
        .order_by("-started_at", "-id")
        .first()
    )
    return last.commander_user if last is not None else None


def _reminder_text(incident: Incident, stage: str, due_at: datetime) -> tuple[str, str]:
    # Reminders go out in the system's language (Czech), as the other notifications do.

    with translation.override(settings.LANGUAGE_CODE):
        values = {"title": incident.title, "id": incident.pk, "due": deadline_text(due_at)}
        if stage == REMINDER_OVERDUE:
            subject = _("Incident report overdue: %(title)s") % values
            body = _(
                "The incident report (§16(4) of Decree 328/2001) for incident #%(id)s “%(title)s” "
                "was due by %(due)s and has not been completed."
            ) % values
        else:
            subject = _("Incident report due soon: %(title)s") % values
            body = _(
                "The incident report (§16(4) of Decree 328/2001) for incident #%(id)s “%(title)s” "
                "is due by %(due)s (§16(2): within 14 days after the end of the intervention)."
            ) % values
    return str(subject), str(body)


def _remind_one(incident_id: int, now: datetime) -> int:
    with audit.audited_transaction():
        incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
        if incident is None:
            return 0
        # Read again under the lock: the report may have been completed since the list was made.
        requirement = report_requirement(incident, now=now)
        stage = reminder_stage(requirement, now)
        if stage is None:
            return 0
        assert requirement.due_at is not None
        prefix = f"incident:{incident.pk}:report16:{stage}"
        recipients: list[tuple[str, str, str]] = [
            (f"{prefix}:contact:{c.pk}", c.channel, c.address)
            for c in contacts_for(role=REMINDER_CONTACT_ROLE, region_code=incident.region_code)
        ]
        commander = _reminder_commander(incident)
        if commander is not None and commander.is_active and commander.email:
            recipients.append((f"{prefix}:user:{commander.pk}", Channel.EMAIL, commander.email))
        # Stable keys: a second run (or a second worker) finds them and writes nothing.
        done = set(
            OutboxMessage.objects.filter(dedupe_key__in=[r[0] for r in recipients]).values_list(
                "dedupe_key", flat=True
            )
        )
        todo = [r for r in recipients if r[0] not in done]
        if not todo:
            return 0
        subject, body = _reminder_text(incident, stage, requirement.due_at)
        payload = {
            "kind": "incident_report_reminder",
            "stage": stage,
            "incident": incident.pk,
            "title": incident.title,
            "due_at": requirement.due_at.isoformat(),
            "region_code": incident.region_code,
        }
        sent: list[str] = []
        for key, channel, address in todo:
            try:
                enqueue(
                    channel=channel,
                    address=address,
                    subject=subject,
                    body=body,
                    payload=payload,
                    rule="§16(2)",
                    source_type="incident",
                    source_id=str(incident.pk),
                    dedupe_key=key,
                )
            except DjangoValidationError:
                continue  # a misconfigured contact must not block the others
            sent.append(key)
        if not sent:
            return 0
        _timeline(
            incident=incident,
            kind=TimelineKind.LOG,
            user=None,
            at=now,
            message=entries.message(
                "report.reminder_overdue" if stage == REMINDER_OVERDUE else "report.reminder_due",
                title=incident.title,
            ),
            data={"report_reminder": stage, "due_at": requirement.due_at, "recipients": len(sent)},
        )
        audit.record(
            action="incident.report_reminder_enqueued",
            object_type="incident",
            object_id=incident.pk,
            actor_label="system",
            after={"stage": stage, "due_at": requirement.due_at, "outbox": sent},
        )
    return len(sent)


def _reminded(stage: str) -> Exists:
    # _remind_one writes this line in the transaction that enqueues the stage's notices.
    return Exists(
        TimelineEntry.objects.filter(
            incident=OuterRef("pk"), kind=TimelineKind.LOG, data__report_reminder=stage
        )
    )


def reminder_candidates(*, now: datetime) -> list[tuple[int, str]]:
    """(incident id, stage) of the reports that call for a reminder now and did not get it.

    The database narrows to the reminder windows and drops the stages already reminded
    (two queries whatever the backlog); reminder_stage decides each remaining row, and
    rows nobody could be told about (no contact for the region, no commander's e-mail)
    are left out without opening a transaction each.
    """

    zone = _zone()
    # Due soon from REMINDER_DAYS_BEFORE before the deadline; overdue from the deadline.
    _soon_certain, soon_possible = due_by_band(now + timedelta(days=REMINDER_DAYS_BEFORE))
    _late_certain, late_possible = due_by_band(now)
    # The e-mail of the last commander with an account, as _reminder_commander picks them.
    commander_email = (
        CommandAssignment.objects.filter(incident=OuterRef("pk"), commander_user__isnull=False)
        .order_by("-started_at", "-id")
        .annotate(
            mail=Case(
                When(commander_user__is_active=True, then=F("commander_user__email")),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .values("mail")[:1]
    )
    rows = (
        required_incidents()
        .filter(rescue_ended_at__isnull=False, rescue_ended_at__lt=soon_possible)
        .filter(~_reminded(REMINDER_OVERDUE))
        # Reminded as due soon and certainly not overdue yet: nothing to do now.
        .exclude(Q(rescue_ended_at__gte=late_possible) & Q(_reminded(REMINDER_DUE_SOON)))
        .annotate(reminded_soon=_reminded(REMINDER_DUE_SOON), commander_email=Subquery(commander_email))
        .order_by("rescue_ended_at", "pk")
        .values_list("pk", "rescue_ended_at", "region_code", "reminded_soon", "commander_email")
    )
    contacts: dict[str, bool] = {}
    out: list[tuple[int, str]] = []
    for pk, ended, region, reminded_soon, email in rows:
        requirement = requirement_for(required=True, rescue_ended_at=ended, completed_at=None, now=now, zone=zone)
        stage = reminder_stage(requirement, now)
        if stage is None or (stage == REMINDER_DUE_SOON and reminded_soon):
            continue
        if region not in contacts:
            contacts[region] = bool(contacts_for(role=REMINDER_CONTACT_ROLE, region_code=region))
        if contacts[region] or email:
            out.append((pk, stage))
    return out


def remind_report_deadlines(*, now: datetime | None = None) -> int:
    """Enqueue §16(2) reminders: 3 days before the deadline and once overdue; safe to repeat."""
    when = now or timezone.now()
    written = 0
    for incident_id, _stage in reminder_candidates(now=when):
        # _remind_one decides again under the incident's lock (the report may be done by now).
        written += _remind_one(incident_id, when)
    return written


def periodic_jobs() -> list[tuple[str, float, Any]]:
    """(name, interval in seconds, job) for the worker loop."""
    return [("remind-incident-report-deadlines", 900.0, remind_report_deadlines)]
