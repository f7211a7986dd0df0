"""The outbox is written in the transaction of the change: refused outside one, idempotent."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from straz.notifications import outbox
from straz.notifications.models import ContactRole, MessageState, NotificationContact, OutboxMessage

pytestmark = pytest.mark.django_db


def notification(**overrides: Any) -> dict[str, Any]:
    """Arguments of one §23(2) notification to the hejtman by e-mail."""
    args: dict[str, Any] = {
        "channel": "email",
        "address": "hejtman@kraj.example",
        "subject": "Stupeň poplachu III",
        "body": "Mimořádná událost, stupeň III.",
        "payload": {"incident": 7, "level": "III"},
        "rule": "§23(2)",
        "source_type": "incident",
        "source_id": "7",
        "dedupe_key": "incident:7:level:III:hejtman:1",
    }
    args.update(overrides)
    return args


@pytest.mark.django_db(transaction=True)
def test_enqueue_refuses_to_run_outside_a_transaction() -> None:
    # transaction=True: the ordinary test wraps everything in a transaction already.
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.enqueue(**notification())
    assert OutboxMessage.objects.count() == 0


def test_enqueue_inside_a_transaction_stores_a_pending_row_with_a_stable_id() -> None:
    with transaction.atomic():
        message = outbox.enqueue(**notification())
    stored = OutboxMessage.objects.get()
    assert stored.pk == message.pk
    assert isinstance(stored.message_id, uuid.UUID)
    assert stored.state == MessageState.PENDING
    assert stored.attempts == 0
    assert stored.rule == "§23(2)"
    assert stored.payload == {"incident": 7, "level": "III"}
    assert stored.next_attempt_at <= timezone.now()  # due at once


def test_the_row_rolls_back_with_the_change_that_caused_it() -> None:
    class ChangeFailed(Exception):
        pass

    with pytest.raises(ChangeFailed), transaction.atomic():
        outbox.enqueue(**notification())
        raise ChangeFailed
    assert OutboxMessage.objects.count() == 0


def test_second_enqueue_with_the_same_dedupe_key_returns_the_existing_row() -> None:
    with transaction.atomic():
        first = outbox.enqueue(**notification())
    with transaction.atomic():
        second = outbox.enqueue(**notification(subject="changed", body="changed"))
    assert second.pk == first.pk
    assert second.message_id == first.message_id
    assert OutboxMessage.objects.count() == 1
    assert OutboxMessage.objects.get().subject == "Stupeň poplachu III"


def test_duplicate_in_the_same_transaction_does_not_spoil_it() -> None:
    with transaction.atomic():
        first = outbox.enqueue(**notification())
        again = outbox.enqueue(**notification())
        other = outbox.enqueue(**notification(dedupe_key="incident:7:level:III:orp:1"))
    assert first.pk == again.pk != other.pk
    assert OutboxMessage.objects.count() == 2


@pytest.mark.parametrize(
    ("channel", "address"),
    [
        ("email", "not-an-address"),
        ("webhook", "ftp://receiver.example/hook"),
        ("webhook", "file:///etc/passwd"),
        ("webhook", "http:///no-host"),
        ("sms", "+420123456789"),
    ],
)
def test_bad_channel_or_address_is_refused_and_nothing_stored(channel: str, address: str) -> None:
    with pytest.raises((ValidationError, ValueError)), transaction.atomic():
        outbox.enqueue(**notification(channel=channel, address=address))
    assert OutboxMessage.objects.count() == 0


def test_contacts_for_picks_active_contacts_of_the_role_serving_the_territory() -> None:
    def contact(name: str, role: str, region: str = "", orp: str = "", active: bool = True) -> Any:
        return NotificationContact.objects.create(
            name=name, role=role, region_code=region, orp_code=orp, channel="email",
            address=f"{name}@example.org", active=active,
        )

    plzen = contact("plzen", ContactRole.HEJTMAN, region="CZ032")
    contact("praha", ContactRole.HEJTMAN, region="CZ010")
    contact("retired", ContactRole.HEJTMAN, region="CZ032", active=False)
    gr = contact("gr", ContactRole.GR_HZS)
    mayor = contact("mayor-plzen", ContactRole.ORP_MAYOR, region="CZ032", orp="3214")
    contact("mayor-klatovy", ContactRole.ORP_MAYOR, region="CZ032", orp="3207")

    assert outbox.contacts_for(role=ContactRole.HEJTMAN, region_code="CZ032") == [plzen]
    assert outbox.contacts_for(role=ContactRole.GR_HZS, region_code="CZ032") == [gr]
    assert outbox.contacts_for(
        role=ContactRole.ORP_MAYOR, region_code="CZ032", orp_code="3214"
    ) == [mayor]
    assert {c.name for c in outbox.contacts_for(role=ContactRole.HEJTMAN)} == {"plzen", "praha"}
    assert outbox.contacts_for(role=ContactRole.HIGHER_OPIS, region_code="CZ032") == []
