"""The territory report of an event (§16(3), contents §16(4)), written by the regional fire brigade."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import (
    F,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.errors import Conflict, Forbidden, NotFound
from straz.incidents.models import (
    Incident,
    IncidentEvent,
    TerritoryReport,
)
from straz.incidents.policy import can_write_territory_report
from straz.incidents.reporting.site_report import (
    _check_version,
    _clean_changes,
    _report_snapshot,
    _sign_off,
    forces_and_means_summary,
)
from straz.incidents.services.base import _locked_event


def _require_territory_writer(user: User) -> None:
    if not can_write_territory_report(user):
        raise Forbidden(
            _("Only the operations centre (HZS kraje) or an administrator can edit the territory report.")
        )


def get_event(event_id: int) -> IncidentEvent:
    """The event, or NotFound."""
    event = IncidentEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("Event not found."))
    return event


def _sites(event: IncidentEvent) -> list[Incident]:
    return list(
        Incident.objects.filter(event=event).select_related("type", "current_command")
        .order_by(F("priority").asc(nulls_last=True), "pk")
    )


def territory_report_for(event: IncidentEvent) -> TerritoryReport:
    """The stored territory report, or an unsaved draft prefilled from all the sites."""
    stored = TerritoryReport.objects.filter(event=event).first()
    if stored is not None:
        return stored
    now = timezone.now()
    origins, forces = [], []
    for site in _sites(event):
        head = f"#{site.pk} {site.title}"
        if site.description:
            origins.append(f"{head}: {site.description}")
        summary = forces_and_means_summary(site)
        if summary:
            forces.append(f"{head}\n{summary}")
    return TerritoryReport(
        event=event,
        origin="\n".join(origins),
        forces_and_means="\n\n".join(forces),
        version=0,
        created_at=now,
        updated_at=now,
    )


def save_territory_report(
    *, user: User, event_id: int, changes: Mapping[str, Any], version: int | None = None
) -> TerritoryReport:
    """Save the territory report's draft; a completed one is locked."""
    _require_territory_writer(user)
    get_event(event_id)
    clean = _clean_changes(changes)
    now = timezone.now()
    with audit.audited_transaction():
        event = _locked_event(event_id)
        report = TerritoryReport.objects.select_for_update().filter(event=event).first()
        _check_version(report, version)
        created = report is None
        if report is None:
            report = territory_report_for(event)
            report.version = 1
            report.created_by = user
            report.created_at = now
        if report.is_completed:
            raise Conflict(_("The territory report is completed and locked."))
        before = _report_snapshot(report)
        changed = {name: value for name, value in clean.items() if getattr(report, name) != value}
        if not changed and not created:
            return report
        for name, value in clean.items():
            setattr(report, name, value)
        if not created:
            report.version += 1
        report.updated_at = now
        report.updated_by = user
        report.save()
        audit.record(
            action="territory_report.created" if created else "territory_report.draft_saved",
            object_type="incident_event",
            object_id=event.pk,
            actor=user,
            before=None if created else before,
            after=_report_snapshot(report),
        )
    return report


def complete_territory_report(*, user: User, event_id: int, version: int | None = None) -> TerritoryReport:
    """Complete (lock) the territory report: every §16(4) part filled and every site's rescue work ended."""
    _require_territory_writer(user)
    now = timezone.now()
    with audit.audited_transaction():
        event = _locked_event(event_id)
        report = TerritoryReport.objects.select_for_update().filter(event=event).first()
        _check_version(report, version)
        unfinished = (
            _("The rescue work has not ended at every site yet; the territory report is completed after the end.")
            if Incident.objects.filter(event=event, rescue_ended_at__isnull=True).exists()
            else None
        )
        _sign_off(
            report, user=user, now=now, unfinished=unfinished,
            action="territory_report.completed", object_type="incident_event", object_id=event.pk,
        )
    assert report is not None  # _sign_off refused a missing draft
    return report
