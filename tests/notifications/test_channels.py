"""Channels are a registry of senders: a channel registered later is queued and delivered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from straz.notifications import channels, delivery, outbox
from straz.notifications.channels import SendResult
from straz.notifications.models import MessageState, OutboxMessage

pytestmark = pytest.mark.django_db


class FakeSms:
    """A stand-in SMS gateway plugin: records what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, float]] = []

    def send(self, message: OutboxMessage, *, timeout: float) -> SendResult:
        self.sent.append((message.address, message.body, timeout))
        return SendResult(True, "gateway accepted")

    @staticmethod
    def check(address: str) -> None:
        if not (address.startswith("+") and address[1:].isdigit()):
            raise ValidationError("not a phone number")


@pytest.fixture
def sms() -> Iterator[FakeSms]:
    gateway = FakeSms()
    channels.register_sender("sms", gateway.send, check_address=gateway.check)
    yield gateway
    channels.unregister_sender("sms")


def enqueue(*, channel: str, address: str, key: str) -> OutboxMessage:
    with transaction.atomic():
        return outbox.enqueue(
            channel=channel,
            address=address,
            subject="Stupeň III",
            body="Vyrozumění.",
            payload={},
            rule="§23(2)",
            source_type="incident",
            source_id="7",
            dedupe_key=key,
        )


def test_email_and_webhook_register_themselves() -> None:
    assert {"email", "webhook"} <= set(channels.registered_channels())


def test_a_channel_registered_by_a_plugin_is_used_by_delivery(sms: FakeSms) -> None:
    message = enqueue(channel="sms", address="+420123456789", key="sms-1")
    assert delivery.deliver_due() == 1
    assert sms.sent == [("+420123456789", "Vyrozumění.", 5.0)]
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED


def test_a_plugin_channel_checks_its_own_addresses(sms: FakeSms) -> None:
    with pytest.raises(ValidationError):
        enqueue(channel="sms", address="hejtman@example.org", key="sms-2")


def test_an_unregistered_channel_is_refused_at_enqueue() -> None:
    with pytest.raises(ValueError, match="unknown channel"):
        enqueue(channel="siren", address="zone-7", key="siren-1")


def test_a_message_whose_channel_left_fails_its_attempt(sms: FakeSms) -> None:
    message = enqueue(channel="sms", address="+420123456789", key="sms-3")
    channels.unregister_sender("sms")
    assert delivery.deliver_due() == 0
    message.refresh_from_db()
    assert message.state == MessageState.PENDING and "unknown channel" in message.last_error


def test_a_channel_name_must_fit_the_outbox_column() -> None:
    with pytest.raises(ValueError, match="characters"):
        channels.register_sender(
            "cell_broadcast_gateway", FakeSms().send, check_address=FakeSms.check
        )
