"""The site's incident report (§16(2), contents §16(4)): the audited use cases that fill, complete and amend it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.accounts.people import person_label
from straz.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from straz.incidents.choices import IncidentReportStatus
from straz.incidents.models import (
    ComponentDeployment,
    Incident,
    IncidentReport,
    IncidentReportAmendment,
    ReportContents,
)
from straz.incidents.policy import can_write_report
from straz.incidents.services.base import _locked_incident, _plain, _text

TEXT_FIELDS = (
    "origin",
    "work_done",
    "forces_and_means",
    "procedure",
    "consequences",
    "damage_note",
    "personal_help",
    "material_help",
)


AMOUNT_FIELDS = ("damage_czk", "values_saved_czk")


COUNT_FIELDS = ("dead", "injured", "rescued", "evacuated")


REPORT_FIELDS = TEXT_FIELDS + AMOUNT_FIELDS + COUNT_FIELDS


# §16(4) lists the personal and material help given; "none" must be said, not left out.
HELP_FIELDS = ("personal_help", "material_help")


# What §16(4) requires before the commander may complete the report (0 is a valid count).
REQUIRED_TO_COMPLETE = (
    "origin",
    "work_done",
    "forces_and_means",
    "procedure",
    "consequences",
    *AMOUNT_FIELDS,
    *COUNT_FIELDS,
    *HELP_FIELDS,
)


REPORT_TEXT_MAX_CHARS = 20_000


# Largest amount accepted, in CZK (10^13 = ten trillion, beyond any real damage).
AMOUNT_MAX = 10**13


COUNT_MAX = 10_000_000


def field_labels() -> dict[str, str]:
    """Translated names of the report fields, for messages and the document."""
    return {
        "origin": _("Origin of the incident"),
        "work_done": _("Rescue and liquidation work done"),
        "forces_and_means": _("Forces and means used"),
        "procedure": _("Procedure of the components at the site"),
        "consequences": _("Consequences of the incident"),
        "damage_czk": _("Damage (CZK)"),
        "values_saved_czk": _("Values saved (CZK)"),
        "damage_note": _("Damage and values saved, details"),
        "dead": _("Dead"),
        "injured": _("Injured"),
        "rescued": _("Rescued"),
        "evacuated": _("Evacuated"),
        "personal_help": _("Personal help given"),
        "material_help": _("Material help given"),
    }


def _require_report_writer(user: User, incident: Incident) -> None:
    if not can_write_report(user, incident):
        raise Forbidden(
            _("Only the incident commander, the operations centre or an administrator can edit the report.")
        )


def forces_and_means_summary(incident: Incident) -> str:
    """The forces and means of every called component, as a starting text for §16(4)."""
    lines = []
    for d in ComponentDeployment.objects.filter(incident=incident).order_by("called_at", "id"):
        parts = [d.get_kind_display()]
        if d.unit_name:
            parts.append(d.unit_name)
        line = " – ".join(str(p) for p in parts)
        details = [
            _("people: %(n)s") % {"n": d.people},
            _("vehicles: %(n)s") % {"n": d.vehicles},
        ]
        equipment = ", ".join(str(e) for e in (d.equipment or []) if str(e).strip())
        if equipment:
            details.append(equipment)
        if d.leader_name:
            details.append(_("leader %(name)s") % {"name": d.leader_name})
        lines.append(f"{line}: {'; '.join(details)}")
    return "\n".join(lines)


def report_for(incident: Incident) -> IncidentReport:
    """The stored report, or an unsaved draft prefilled from the incident and its components."""
    stored = IncidentReport.objects.filter(incident=incident).first()
    if stored is not None:
        return stored
    now = timezone.now()
    return IncidentReport(
        incident=incident,
        origin=incident.description,
        forces_and_means=forces_and_means_summary(incident),
        version=0,
        created_at=now,
        updated_at=now,
    )


def _report_snapshot(report: ReportContents) -> dict[str, Any]:
    return {
        "status": report.status,
        "version": report.version,
        **{name: getattr(report, name) for name in REPORT_FIELDS},
        "completed_at": report.completed_at,
        "completed_by": report.completed_by_label,
    }


def _clean_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validate submitted report fields; unknown names and bad values are refused."""
    labels = field_labels()
    unknown = sorted(set(changes) - set(REPORT_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("Unknown report field “%(name)s”.") % {"name": str(unknown[0])[:60]}
        )
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        label = labels[name]
        if name in TEXT_FIELDS:
            if value is not None and not isinstance(value, str):
                raise ValidationFailed(_("The %(field)s must be text.") % {"field": label})
            # _text keeps the translated messages of the incident services (length, NUL).
            clean[name] = _text(value, label=label, max_chars=REPORT_TEXT_MAX_CHARS)
            continue
        upper = AMOUNT_MAX if name in AMOUNT_FIELDS else COUNT_MAX
        if value is None or value == "":
            clean[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationFailed(_("The %(field)s must be a whole number.") % {"field": label})
        text = str(value).strip().replace(" ", "").replace("\u00a0", "")
        if not text.isdigit() or not text.isascii():
            if text.startswith("-") and text[1:].isdigit():
                raise ValidationFailed(_("The %(field)s cannot be negative.") % {"field": label})
            raise ValidationFailed(_("The %(field)s must be a whole number.") % {"field": label})
        number = int(text)
        if number > upper:
            raise ValidationFailed(
                _("The %(field)s may be at most %(max)s.") % {"field": label, "max": upper}
            )
        clean[name] = number
    return clean


def _locked_report(incident: Incident) -> IncidentReport | None:
    return IncidentReport.objects.select_for_update().filter(incident=incident).first()


def _check_version(report: ReportContents | None, version: int | None) -> None:
    current = report.version if report is not None else 0
    if version is not None and version != current:
        raise Conflict(
            _(
                "The report was changed by someone else meanwhile (version %(current)s, you edited "
                "version %(yours)s). Reload it and make your changes again."
            )
            % {"current": current, "yours": version}
        )


def save_report(
    *,
    user: User,
    incident_id: int,
    changes: Mapping[str, Any],
    version: int | None = None,
    amendment_reason: str = "",
) -> IncidentReport:
    """Save report fields: a draft freely; a completed report only as an amendment with a reason."""
    # Refuse those who may not write before judging their input (then again under the lock).
    _require_report_writer(user, get_incident(incident_id))
    clean = _clean_changes(changes)
    reason = _text(amendment_reason, label=_("reason of the amendment"))
    now = timezone.now()
    with audit.audited_transaction():
        incident = _locked_incident(incident_id)
        _require_report_writer(user, incident)
        report = _locked_report(incident)
        _check_version(report, version)
        created = report is None
        if report is None:
            report = report_for(incident)
            report.version = 1
            report.created_by = user
            report.created_at = now
        before = _report_snapshot(report)
        if report.is_completed and not reason:
            raise Conflict(
                _("The report is completed and locked; an amendment needs a written reason.")
            )
        if not report.is_completed and reason:
            raise ValidationFailed(_("Only a completed report is amended; save the draft without a reason."))
        diff = {
            name: {"before": getattr(report, name), "after": value}
            for name, value in clean.items()
            if getattr(report, name) != value
        }
        if not diff and not created:
            return report
        for name, value in clean.items():
            setattr(report, name, value)
        if not created:
            report.version += 1
        report.updated_at = now
        report.updated_by = user
        report.save()
        if report.is_completed:
            amendment = IncidentReportAmendment.objects.create(
                report=report,
                at=now,
                author=user,
                author_label=(person_label(user)[:150] if user is not None else "system"),
                reason=reason,
                changes=_plain(diff),
            )
            action = "incident_report.amended"
            extra: dict[str, Any] = {"amendment": amendment.pk, "reason": reason}
        else:
            action = "incident_report.created" if created else "incident_report.draft_saved"
            extra = {}
        audit.record(
            action=action,
            object_type="incident",
            object_id=incident.pk,
            actor=user,
            before=None if created else before,
            after={**_report_snapshot(report), **extra},
        )
    return report


def _sign_off(
    report: ReportContents | None,
    *,
    user: User,
    now: datetime,
    unfinished: str | None,
    action: str,
    object_type: str,
    object_id: int,
) -> None:
    """Complete a site or territory report inside the caller's transaction: a saved draft,
    the rescue work ended (`unfinished` says why not), every §16(4) part filled; audited."""
    if report is None:
        raise Conflict(_("The report has no saved draft yet; save it first."))
    if report.is_completed:
        raise Conflict(_("The report is already completed."))
    if unfinished:
        raise Conflict(unfinished)
    labels = field_labels()
    empty = [
        name
        for name in REQUIRED_TO_COMPLETE
        if getattr(report, name) is None or str(getattr(report, name)).strip() == ""
    ]
    if empty:
        message = _("Fill in before completing the report: %(fields)s.") % {
            "fields": ", ".join(str(labels[name]) for name in empty)
        }
        if any(name in HELP_FIELDS for name in empty):
            message += " " + _(
                "§16(4) asks for the personal and material help given: describe it, or write "
                "“none” when none was given."
            )
        raise ValidationFailed(message)
    before = _report_snapshot(report)
    report.status = IncidentReportStatus.COMPLETED
    report.completed_at = now
    report.completed_by = user
    report.completed_by_label = (person_label(user)[:150] if user is not None else "system")
    report.version += 1
    report.updated_at = now
    report.updated_by = user
    report.save()
    audit.record(
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor=user,
        before=before,
        after=_report_snapshot(report),
    )


def complete_report(*, user: User, incident_id: int, version: int | None = None) -> IncidentReport:
    """Complete (sign off) the report: every §16(4) part filled; it is locked afterwards."""
    now = timezone.now()
    with audit.audited_transaction():
        incident = _locked_incident(incident_id)
        _require_report_writer(user, incident)
        report = _locked_report(incident)
        _check_version(report, version)
        unfinished = (
            _("The rescue work has not ended yet; the report is completed after the end.")
            if incident.rescue_ended_at is None
            else None
        )
        _sign_off(
            report, user=user, now=now, unfinished=unfinished,
            action="incident_report.completed", object_type="incident", object_id=incident.pk,
        )
    assert report is not None  # _sign_off refused a missing draft
    return report


def get_incident(incident_id: int) -> Incident:
    """The incident with what the report shows joined, or NotFound."""
    incident = (
        Incident.objects.select_related("type", "event", "current_command").filter(pk=incident_id).first()
    )
    if incident is None:
        raise NotFound(_("Incident not found."))
    return incident
