"""The webhook channel: the message as a JSON POST with `Idempotency-Key: <message_id>`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from straz.notifications.channels import SendResult, register_sender, short_detail
from straz.notifications.models import Channel, OutboxMessage


def check_webhook_address(address: str) -> None:
    """Raise ValidationError unless the address is an http(s) URL with a host."""
    parts = urlsplit(address)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(_("A webhook address must be an http or https URL."))


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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead anywhere (another scheme, an internal host): a 3xx is a failure.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def send_webhook(message: OutboxMessage, *, timeout: float) -> SendResult:
    """POST the message as JSON with `Idempotency-Key: <message_id>`; 2xx = delivered."""
    try:
        check_webhook_address(message.address)
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
        return SendResult(False, short_detail(f"HTTP {exc.code} {exc.reason}"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return SendResult(False, short_detail(f"{type(exc).__name__}: {reason}"))
    if 200 <= status < 300:
        return SendResult(True, f"HTTP {status}")
    return SendResult(False, f"HTTP {status}")


def register() -> None:
    """Register the webhook channel (called from the app's ready())."""
    register_sender(Channel.WEBHOOK, send_webhook, check_address=check_webhook_address)
