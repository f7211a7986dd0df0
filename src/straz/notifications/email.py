"""The e-mail channel: one message through Django's mail, the same Message-ID on every attempt."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

from straz.core.config import straz_settings
from straz.notifications.channels import SendResult, register_sender, short_detail
from straz.notifications.models import Channel, OutboxMessage


def message_id_header(message: OutboxMessage) -> str:
    """The e-mail Message-ID derived from the row's stable message_id."""
    return f"<{message.message_id}@{straz_settings().outbox_message_id_domain}>"


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
        return SendResult(False, short_detail(f"{type(exc).__name__}: {exc}"))
    if sent != 1:
        return SendResult(False, "mail backend accepted no message")
    return SendResult(True, "sent")


def register() -> None:
    """Register the e-mail channel (called from the app's ready())."""
    register_sender(Channel.EMAIL, send_email, check_address=validate_email)
