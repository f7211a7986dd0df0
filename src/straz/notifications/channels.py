"""The sender registry: one sender per channel; delivery looks the channel up here.

E-mail and webhook register themselves in the app's ready(); a later SMS, siren or
cell-broadcast gateway is a plugin that calls `register_sender` from its own ready(),
without touching the outbox or delivery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from straz.core.config import straz_settings
from straz.notifications.models import OutboxMessage

# Kept short in the log and in last_error; the receiver's whole answer is not ours to store.
MAX_DETAIL_CHARS = 500


@dataclass(frozen=True)
class SendResult:
    """The outcome of one attempt: delivered or not, and why."""

    delivered: bool
    detail: str


class Sender(Protocol):
    """Sends one outbox message once; returns the outcome and never raises for transport errors."""

    def __call__(self, message: OutboxMessage, *, timeout: float) -> SendResult: ...


AddressCheck = Callable[[str], None]


@dataclass(frozen=True)
class ChannelSender:
    """A registered channel: how to send on it and which addresses it accepts."""

    channel: str
    send: Sender
    check_address: AddressCheck


_SENDERS: dict[str, ChannelSender] = {}


def _channel_max_length() -> int:
    return int(OutboxMessage._meta.get_field("channel").max_length or 0)


def register_sender(channel: str, send: Sender, *, check_address: AddressCheck) -> None:
    """Register (or replace) the sender of a channel; `check_address` raises ValidationError."""
    if not channel or len(channel) > _channel_max_length():
        raise ValueError(
            f"channel {channel!r}: a name of 1 to {_channel_max_length()} characters is needed"
        )
    _SENDERS[channel] = ChannelSender(channel=channel, send=send, check_address=check_address)


def unregister_sender(channel: str) -> None:
    """Forget a channel's sender (its queued messages then fail as an unknown channel)."""
    _SENDERS.pop(channel, None)


def registered_channels() -> list[str]:
    """The channels a message may be queued on, in registration order."""
    return list(_SENDERS)


def validate_address(channel: str, address: str) -> None:
    """Raise ValidationError unless the channel is registered and the address fits it."""
    registered = _SENDERS.get(channel)
    if registered is None:
        raise ValidationError(_("Unknown channel."))
    registered.check_address(address)


def short_detail(text: str) -> str:
    """The text cut to what the attempt log keeps."""
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


def send(message: OutboxMessage, *, timeout: float | None = None) -> SendResult:
    """Deliver one message through its channel's sender once; never raises for transport errors."""
    registered = _SENDERS.get(message.channel)
    if registered is None:
        return SendResult(False, f"unknown channel {message.channel!r}")
    limit = timeout if timeout is not None else straz_settings().outbox_send_timeout_seconds
    return registered.send(message, timeout=limit)
