"""Periodic jobs of the threat map, run by `straz worker`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import Role, User
from straz.reports.models import EventKind, IdempotencyRecord, Report, ReportEvent
from straz.reports.selectors import overdue_q

logger = logging.getLogger(__name__)
IDEMPOTENCY_TTL = timedelta(days=7)
BATCH = 500


def _supervisor_emails(district_id: int | None) -> dict[str, list[str]]:
    """E-mail addresses of a district's supervisors, grouped by their language."""
    if district_id is None:
        return {}
    users = User.objects.filter(
        role=Role.SUPERVISOR, is_active=True, districts=district_id
    ).exclude(email="")
    languages = {code for code, _name in settings.LANGUAGES}
    grouped: dict[str, set[str]] = {}
    for email, language in users.values_list("email", "language"):
        lang = language if language in languages else settings.LANGUAGE_CODE
        grouped.setdefault(lang, set()).add(email)
    return {lang: sorted(emails) for lang, emails in grouped.items()}


def _notify_supervisors(report: Report, recipients: list[str], language: str) -> None:
    with translation.override(language):
        district = report.district.name if report.district else "—"
        subject = _("Report #%(id)s missed its deadline") % {"id": report.pk}
        if report.read_at is None:
            reason = _("It was not read by %(due)s.") % {
                "due": f"{timezone.localtime(report.read_due_at):%Y-%m-%d %H:%M}"
            }
        else:
            reason = _("It was not verified by %(due)s.") % {
                "due": f"{timezone.localtime(report.verify_due_at):%Y-%m-%d %H:%M}"
            }
        body = "\n".join(
            [
                _("Report #%(id)s (%(category)s) in district %(district)s needs attention.")
                % {"id": report.pk, "category": report.category.name, "district": district},
                reason,
                "",
                _("Open it in the staff queue: /staff/reports/%(id)s/") % {"id": report.pk},
            ]
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def flag_overdue_reports(now: datetime | None = None) -> int:
    """Flag each report that missed its read or verify deadline, once, and tell its supervisors."""
    now = now or timezone.now()
    flagged = 0
    candidates = list(
        Report.objects.filter(
            overdue_q(now), overdue_flagged_at__isnull=True, duplicate_of__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    for report_id in candidates:
        try:
            flagged += _flag_one(report_id, now)
        except Exception:
            # The report stays unflagged (its transaction rolled back) and is retried next run.
            logger.exception("could not flag overdue report %s", report_id)
    return flagged


def _flag_one(report_id: int, now: datetime) -> int:
    # One transaction per report; the mail goes out before the commit, so a mail failure
    # leaves the report unflagged and it is tried again: supervisors are told at least once.
    with audit.audited_transaction():
        report = (
            Report.objects.select_for_update(of=("self",))
            .filter(overdue_q(now), pk=report_id, overdue_flagged_at__isnull=True)
            .first()
        )
        if report is None:
            return 0
        report.overdue_flagged_at = now
        report.save(update_fields=["overdue_flagged_at"])
        ReportEvent.objects.create(
            report=report,
            at=now,
            kind=EventKind.OVERDUE,
            from_status=report.status,
            to_status=report.status,
        )
        by_language = _supervisor_emails(report.district_id)
        notified = sum(len(v) for v in by_language.values())
        audit.record(
            action="report.overdue",
            object_type="report",
            object_id=report.pk,
            actor_label="system:deadlines",
            before={"overdue_flagged_at": None},
            after={
                "overdue_flagged_at": now,
                "unread": report.read_at is None,
                "notified": notified,
            },
        )
        for language, recipients in sorted(by_language.items()):
            _notify_supervisors(report, recipients, language)
        return 1


def erase_old_reporter_ips(now: datetime | None = None) -> int:
    """Erase reporter IP addresses older than IP_RETENTION_DAYS (0 keeps them)."""
    days = int(settings.STRAZ.get("IP_RETENTION_DAYS", 0))
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with audit.audited_transaction():
        count = Report.objects.filter(reporter_ip__isnull=False, created_at__lt=cutoff).update(
            reporter_ip=None
        )
        if count:
            audit.record(
                action="reports.reporter_ips_erased",
                object_type="report",
                object_id="*",
                actor_label="system:retention",
                after={"count": count, "created_before": cutoff},
            )
    return count


def prune_idempotency_records(now: datetime | None = None) -> int:
    """Forget stored answers to Idempotency-Key requests older than seven days."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_TTL
    with audit.audited_transaction():
        count, _details = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
        if count:
            audit.record(
                action="reports.idempotency_pruned",
                object_type="idempotency",
                object_id="*",
                actor_label="system:retention",
                after={"count": count, "created_before": cutoff},
            )
    return count


def expire_public_reports() -> int:
    """Reports whose public period ended leave the public map (aggregates stay exact)."""
    from straz.reports.map import aggregates

    return aggregates.expire_due_reports()


def periodic_jobs() -> list[tuple[str, float, Callable[[], object]]]:
    """(name, interval in seconds, job) for the worker loop."""
    return [
        ("expire-public-reports", 60.0, expire_public_reports),
        ("flag-overdue-reports", 300.0, flag_overdue_reports),
        ("erase-old-reporter-ips", 3600.0, erase_old_reporter_ips),
        ("prune-idempotency-records", 3600.0, prune_idempotency_records),
    ]
