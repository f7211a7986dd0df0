"""Periodic jobs of the threat map, run by `straz worker`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.config import straz_settings
from straz.notifications import outbox
from straz.notifications.models import Channel
from straz.reports import followers
from straz.reports.map import aggregates
from straz.reports.models import EventKind, IdempotencyRecord, Report, ReportEvent
from straz.reports.policy import OVERDUE_RECIPIENT_ROLE
from straz.reports.selectors import overdue_q

logger = logging.getLogger(__name__)
IDEMPOTENCY_TTL = timedelta(days=7)
BATCH = 500


def _supervisors(district_id: int | None) -> list[tuple[int, str, str]]:
    """(user id, e-mail address, language) of a district's active supervisors, by address."""
    if district_id is None:
        return []
    users = User.objects.filter(
        role=OVERDUE_RECIPIENT_ROLE, is_active=True, districts=district_id
    ).exclude(email="")
    languages = {code for code, _name in settings.LANGUAGES}
    found: dict[str, tuple[int, str, str]] = {}
    for pk, email, language in users.order_by("pk").values_list("pk", "email", "language"):
        lang = language if language in languages else settings.LANGUAGE_CODE
        # One message per address, even when two accounts share it.
        found.setdefault(email, (pk, email, lang))
    return [found[email] for email in sorted(found)]


def _overdue_message(report: Report, language: str) -> tuple[str, str]:
    """Subject and body of the overdue e-mail in one language."""
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
    return subject, body


def _enqueue_overdue_mails(report: Report) -> int:
    """Outbox rows telling the district's supervisors; inside the flagging transaction."""
    source_type, source_id = outbox.source_ref(report)
    texts: dict[str, tuple[str, str]] = {}
    queued = 0
    for user_id, address, language in _supervisors(report.district_id):
        try:
            validate_email(address)
        except ValidationError:
            # A mistyped address must not keep the report unflagged (and re-tried) forever.
            logger.warning("supervisor %s has an invalid e-mail address; not told", user_id)
            continue
        if language not in texts:
            texts[language] = _overdue_message(report, language)
        subject, body = texts[language]
        outbox.enqueue(
            channel=Channel.EMAIL,
            address=address,
            subject=subject,
            body=body,
            payload={"report": report.pk, "unread": report.read_at is None},
            rule="",
            source_type=source_type,
            source_id=source_id,
            dedupe_key=f"report:{report.pk}:overdue:user:{user_id}",
        )
        queued += 1
    return queued


def flag_overdue_reports(now: datetime | None = None) -> int:
    """Flag each report that missed its read or verify deadline, once, and queue mail to its supervisors."""
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
    # One transaction per report: the flag, its event, its audit entry and the outbox rows
    # for the supervisors commit together; the worker delivers the rows (with retries).
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
        notified = _enqueue_overdue_mails(report)
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
        return 1


def erase_old_reporter_ips(now: datetime | None = None) -> int:
    """Erase reporter IP addresses older than IP_RETENTION_DAYS (0 keeps them)."""
    days = int(straz_settings().ip_retention_days)
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


def erase_due_followers(now: datetime | None = None) -> int:
    """Erase followers' e-mail addresses once their report is closed past the retention (ADR 0036)."""
    return followers.erase_due_followers(now)


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
    return aggregates.expire_due_reports()


def periodic_jobs() -> list[tuple[str, float, Callable[[], object]]]:
    """(name, interval in seconds, job) for the worker loop."""
    return [
        ("expire-public-reports", 60.0, expire_public_reports),
        ("flag-overdue-reports", 300.0, flag_overdue_reports),
        ("erase-old-reporter-ips", 3600.0, erase_old_reporter_ips),
        ("erase-due-followers", 3600.0, erase_due_followers),
        ("prune-idempotency-records", 3600.0, prune_idempotency_records),
    ]
