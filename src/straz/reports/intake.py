"""Intake of citizens' reports: the report's own checks on top of the generic protections
of straz.core.intake (texts, uploads, client address, limits, idempotency).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from straz.core import intake as core_intake
from straz.core.config import straz_settings
from straz.core.errors import RateLimited
from straz.core.intake import (
    CheckedAttachment,
    ClientKey,
    IncomingAttachment,
    SniffedAttachment,
    UploadLike,
    check_attachment,
    check_coordinates,
    check_idempotency_key,
    check_text,
    clean_text,
    client_ip,
    lock_client,
    read_upload,
    request_fingerprint,
    sanitise_attachment,
    sniff_attachment,
    sniff_type,
)
from straz.reports.models import Report

# Re-exported: the report services and forms reach every intake step through this module.
__all__ = [
    "RATE_WINDOW",
    "CheckedAttachment",
    "ClientKey",
    "IncomingAttachment",
    "SniffedAttachment",
    "UploadLike",
    "check_attachment",
    "check_coordinates",
    "check_description",
    "check_idempotency_key",
    "check_text",
    "clean_text",
    "client_ip",
    "client_key",
    "enforce_rate_limit",
    "lock_client",
    "read_upload",
    "request_fingerprint",
    "sanitise_attachment",
    "seconds_until_next_report",
    "sniff_attachment",
    "sniff_type",
]

RATE_WINDOW = timedelta(hours=24)


def check_description(value: str | None) -> str:
    """The police-only description: plain text of at most DESCRIPTION_MAX_CHARS."""
    return check_text(
        value,
        label=_("description"),
        max_chars=int(straz_settings().description_max_chars),
        field="description",
    )


def client_key(ip: str) -> ClientKey:
    """The reporter's rate-limit key with the daily report limit of its network."""
    return core_intake.client_key(
        ip,
        limit=int(straz_settings().reports_per_ip_per_day),
        shared_limit=int(straz_settings().reports_per_shared_ip_per_day),
    )


def seconds_until_next_report(*, client: ClientKey, now: datetime) -> int | None:
    """None when the client may file one more report now, else the seconds until it may.

    The report form asks this before the person starts (issue 9); enforce_rate_limit
    asks the same when a report arrives.
    """
    since = now - RATE_WINDOW
    recent = list(
        Report.objects.filter(reporter_key=client.key, created_at__gt=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: max(client.limit, 0)]
    )
    return core_intake.seconds_until_admitted(
        recent, limit=client.limit, window=RATE_WINDOW, now=now
    )


def enforce_rate_limit(*, client: ClientKey, now: datetime) -> None:
    """Refuse with 429 when the client used up its reports for the last 24 hours."""
    retry = seconds_until_next_report(client=client, now=now)
    if retry is None:
        return
    if client.limit == 1:
        message = _("You can send one report a day. Please try again later.")
    else:
        message = _(
            "You can send at most %(limit)d reports a day from this network. "
            "Please try again later."
        ) % {"limit": client.limit}
    raise RateLimited(message, retry_after=retry)
