"""Sending one outbox message: e-mail through Django's mail, webhook as an HTTP POST."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from straz.notifications.models import Channel, OutboxMessage

DEFAULT_TIMEOUT_S = 5.0
# Kept short in the log and in last_error; the receiver's whole answer is not ours to store.
MAX_DETAIL_CHARS = 500


def outbox_setting(name: str, default: Any) -> Any:
    """A number from settings.STRAZ (OUTBOX_*), falling back to the built-in default."""
    return getattr(settings, "STRAZ", {}).get(name, default)


@dataclass(frozen=True)
class SendResult:
    """The outcome of one attempt: delivered or not, and why."""

    delivered: bool
    detail: str


def validate_address(channel: str, address: str) -> None:
    """Raise ValidationError unless the address fits the channel (e-mail / http(s) URL)."""
    if channel == Channel.EMAIL:
        validate_email(address)
    elif channel == Channel.WEBHOOK:
        parts = urlsplit(address)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValidationError(_("A webhook address must be an http or https URL."))
    else:
        raise ValidationError(_("Unknown channel."))


def message_id_header(message: OutboxMessage) -> str:
    """The e-mail Message-ID derived from the row's stable message_id."""
    domain = outbox_setting("OUTBOX_MESSAGE_ID_DOMAIN", "straz.invalid")
    return f"<{message.message_id}@{domain}>"


def webhook_body(message: OutboxMessage) -> dict[str, Any]:
    """The JSON a webhook receives; `message_id` lets it drop repeats."""
    return {
        "message_id": str(message.message_id),
        "subject": message.subject,
        "body": message.body,
        "rule": message.rule,
        "source_type": message.source_type,
        "source_id": message.source_id,
        "created_at": message.created_at.isoformat(),
        "payload": message.payload,
    }


def _short(text: str) -> str:
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


def send_email(message: OutboxMessage, *, timeout: float) -> SendResult:
    """Send the message as one e-mail; the same Message-ID on every attempt."""
    try:
        connection = get_connection(timeout=timeout)
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            connection=connection,
            headers={
                "Message-ID": message_id_header(message),
                "X-Straz-Message-Id": str(message.message_id),
            },
        )
        sent = email.send(fail_silently=False)
    except Exception as exc:  # any transport error is a failed attempt, retried later
        return SendResult(False, _short(f"{type(exc).__name__}: {exc}"))
    if sent != 1:
        return SendResult(False, "mail backend accepted no message")
    return SendResult(True, "sent")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead anywhere (another scheme, an internal host): a 3xx is a failure.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def send_webhook(message: OutboxMessage, *, timeout: float) -> SendResult:
    """POST the message as JSON with `Idempotency-Key: <message_id>`; 2xx = delivered."""
    try:
        validate_address(Channel.WEBHOOK, message.address)
    except ValidationError:
        return SendResult(False, "refused: webhook address must be an http or https URL")
    data = json.dumps(webhook_body(message), ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 -- scheme checked above (http/https only)
        message.address,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": str(message.message_id),
            "User-Agent": "Straz-outbox/1",
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(1024)
    except urllib.error.HTTPError as exc:
        return SendResult(False, _short(f"HTTP {exc.code} {exc.reason}"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return SendResult(False, _short(f"{type(exc).__name__}: {reason}"))
    if 200 <= status < 300:
        return SendResult(True, f"HTTP {status}")
    return SendResult(False, f"HTTP {status}")


def send(message: OutboxMessage, *, timeout: float | None = None) -> SendResult:
    """Deliver one message through its channel once; never raises for transport errors."""
    limit = (
        timeout
        if timeout is not None
        else float(outbox_setting("OUTBOX_SEND_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_S))
    )
    if message.channel == Channel.EMAIL:
        return send_email(message, timeout=limit)
    if message.channel == Channel.WEBHOOK:
        return send_webhook(message, timeout=limit)
    return SendResult(False, f"unknown channel {message.channel!r}")
