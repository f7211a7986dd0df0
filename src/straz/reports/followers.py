"""Citizens following their report by e-mail: consent at intake, the contact kept apart from the
report, status e-mails through the outbox, one-click unsubscribe, and erasure (ADR 0036)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.core.config import straz_settings
from straz.core.errors import ValidationFailed
from straz.notifications import outbox
from straz.notifications.models import Channel
from straz.reports.models import STATUS_LABELS, FollowerContact, Report, ReportEvent
from straz.reports.rules import CLOSED_STATUSES, Status, is_public_now

logger = logging.getLogger(__name__)

# The consent text the form and the API describe; bump it when their wording changes, so
# that each stored consent says which text was agreed to.
FOLLOW_CONSENT_VERSION = "2026-12"
# The legal basis written on each outbox row (the outbox's "legal basis" column).
FOLLOW_RULE = "GDPR art. 6(1)(a)"
# Outbox rows of a follower are found (and forgotten) by this source type and its pk.
OUTBOX_SOURCE_TYPE = "report-follower"
EMAIL_MAX_CHARS = 254
ERASE_BATCH = 500


@dataclass(frozen=True)
class FollowRequest:
    """A checked wish to be told of status changes: the address, language and site."""

    email: str
    language: str
    site_url: str = ""


def _language(language: str | None) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    lang = (language or "")[:2].lower()
    return lang if lang in codes else str(settings.LANGUAGE_CODE)


def check_follow(
    email: str | None, consent: bool, *, language: str | None, site_url: str = ""
) -> FollowRequest | None:
    """The follow wish from an e-mail and its consent box, or None; bad input raises ValidationFailed."""
    address = str(email or "").strip()
    if not address and not consent:
        return None
    if address and not consent:
        raise ValidationFailed(
            _(
                "To be told when the status changes, tick the box to agree to it; "
                "or leave the e-mail address empty."
            ),
            field="follow_consent",
        )
    if not address:
        raise ValidationFailed(
            _("Enter the e-mail address to tell about status changes, or untick the box."),
            field="follow_email",
        )
    try:
        if len(address) > EMAIL_MAX_CHARS:
            raise ValidationError("too long")
        validate_email(address)
    except ValidationError:
        raise ValidationFailed(
            _("Enter a valid e-mail address, e.g. name@example.cz."), field="follow_email"
        ) from None
    return FollowRequest(email=address, language=_language(language), site_url=site_url[:200])


def add_follower(*, report: Report, follow: FollowRequest, now: datetime) -> FollowerContact:
    """Store the follower of a new report; call inside the submission's transaction."""
    return FollowerContact.objects.create(
        report=report,
        email=follow.email,
        language=follow.language,
        consented_at=now,
        consent_version=FOLLOW_CONSENT_VERSION,
        token=secrets.token_urlsafe(32),
        site_url=follow.site_url,
    )


def _link(contact: FollowerContact, path: str) -> str:
    base = (straz_settings().public_url or contact.site_url).rstrip("/")
    return f"{base}{path}"


def _status_message(
    contact: FollowerContact, report: Report, *, note: str, public: bool
) -> tuple[str, str]:
    """Subject and body of a status e-mail in the follower's language; public text only."""
    status = Status(report.status)
    with translation.override(contact.language):
        label = str(STATUS_LABELS[status])
        subject = _("Report %(id)s: %(status)s") % {"id": report.pk, "status": label}
        lines = [
            _("The status of report %(id)s changed to: %(status)s.")
            % {
                "id": report.pk,
                "status": label,
            }
        ]
        if contact.report_id != report.pk:
            lines.append(
                _(
                    "Your report %(own)s was added to this report because it is about the same problem."
                )
                % {"own": contact.report_id}
            )
        if note:
            lines.append(_("Public note of the police: %(note)s") % {"note": note})
        lines.append("")
        if public:
            lines.append(
                _("See the report: %(url)s")
                % {"url": _link(contact, reverse("reports:report-detail", args=[report.pk]))}
            )
        else:
            lines.append(_("This report is not shown on the public map."))
        if status in CLOSED_STATUSES:
            lines.append(
                _(
                    "This is the final status: we will not write again, and your e-mail address "
                    "will be erased within %(days)s days."
                )
                % {"days": int(straz_settings().follow_retention_days)}
            )
        lines += [
            "",
            _(
                "You receive this e-mail because you asked to be told when the status of your "
                "report changes. To stop, open this link and confirm: %(url)s"
            )
            % {"url": _link(contact, reverse("reports:follow-stop", args=[contact.token]))},
        ]
    return subject, "\n".join(lines)


def followers_of(report: Report) -> list[FollowerContact]:
    """Who follows a report: its own followers and those of the duplicates added to it."""
    return list(
        FollowerContact.objects.filter(Q(report=report) | Q(report__duplicate_of=report)).order_by(
            "pk"
        )
    )


def notify_followers(*, report: Report, event: ReportEvent, now: datetime) -> int:
    """Queue a status e-mail to each follower; call inside the status change's transaction."""
    contacts = followers_of(report)
    if not contacts:
        return 0
    public = is_public_now(is_public=report.is_public, public_until=report.public_until, now=now)
    queued = 0
    for contact in contacts:
        subject, body = _status_message(contact, report, note=event.public_note, public=public)
        try:
            outbox.enqueue(
                channel=Channel.EMAIL,
                address=contact.email,
                subject=subject,
                body=body,
                payload={"report": report.pk, "status": report.status, "follower": contact.pk},
                rule=FOLLOW_RULE,
                source_type=OUTBOX_SOURCE_TYPE,
                source_id=str(contact.pk),
                dedupe_key=f"{OUTBOX_SOURCE_TYPE}:{contact.pk}:event:{event.pk}",
            )
        except ValidationError:
            # Checked at intake; a stored address that no longer passes must not block the
            # officer's change.
            logger.warning("follower %s has an invalid e-mail address; not told", contact.pk)
            continue
        queued += 1
    return queued


def follower_by_token(token: str) -> FollowerContact | None:
    """The follower an unsubscribe link belongs to, or None."""
    if not token or len(token) > 64:
        return None
    return FollowerContact.objects.filter(token=token).first()


def unsubscribe(*, token: str) -> bool:
    """Erase the follower of an unsubscribe link and its queued e-mails; False if already gone."""
    with audit.audited_transaction():
        contact = FollowerContact.objects.select_for_update().filter(token=str(token)[:64]).first()
        if contact is None:
            return False
        forgotten = outbox.forget_recipient(
            source_type=OUTBOX_SOURCE_TYPE, source_id=str(contact.pk)
        )
        report_id, follower_id = contact.report_id, contact.pk
        contact.delete()
        audit.record(
            action="report.follower_erased",
            object_type="report",
            object_id=report_id,
            actor_label="citizen:unsubscribe",
            after={"follower": follower_id, "reason": "unsubscribed", "outbox_rows": forgotten},
        )
    return True


def erase_due_q(now: datetime, *, closed_retention_days: int, ip_retention_days: int) -> Q:
    """The ORM twin of rules.follower_erase_due over FollowerContact rows."""
    closed = [s.value for s in CLOSED_STATUSES]
    cutoff = now - timedelta(days=closed_retention_days)
    due = Q(
        report__duplicate_of__isnull=True,
        report__status__in=closed,
        report__updated_at__lte=cutoff,
    ) | Q(
        report__duplicate_of__status__in=closed,
        report__duplicate_of__updated_at__lte=cutoff,
    )
    if ip_retention_days > 0:
        due |= Q(report__created_at__lte=now - timedelta(days=ip_retention_days))
    return due


def erase_due_followers(now: datetime | None = None) -> int:
    """Erase the followers whose report is closed past the retention period (or whose IP went)."""
    now = now or timezone.now()
    conf = straz_settings()
    due = erase_due_q(
        now,
        closed_retention_days=int(conf.follow_retention_days),
        ip_retention_days=int(conf.ip_retention_days),
    )
    erased = 0
    while True:
        with audit.audited_transaction():
            ids = list(
                FollowerContact.objects.select_for_update(of=("self",))
                .filter(due)
                .order_by("pk")
                .values_list("pk", flat=True)[:ERASE_BATCH]
            )
            if not ids:
                break
            forgotten = sum(
                outbox.forget_recipient(source_type=OUTBOX_SOURCE_TYPE, source_id=str(pk))
                for pk in ids
            )
            FollowerContact.objects.filter(pk__in=ids).delete()
            audit.record(
                action="reports.followers_erased",
                object_type="report-follower",
                object_id="*",
                actor_label="system:retention",
                after={"count": len(ids), "outbox_rows": forgotten, "reason": "retention"},
            )
            erased += len(ids)
        if len(ids) < ERASE_BATCH:
            break
    return erased
