"""Writing notifications into the outbox, in the transaction of the change that causes them,
and reading back what was told about a source object (`messages_for`)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from straz.notifications.channels import registered_channels, validate_address
from straz.notifications.models import MessageState, NotificationContact, OutboxMessage


def source_ref(source: models.Model) -> tuple[str, str]:
    """(source_type, source_id) of an object: OUTBOX_SOURCE_TYPE or its model name, and its pk."""
    kind = getattr(type(source), "OUTBOX_SOURCE_TYPE", None) or source._meta.model_name
    return str(kind), str(source.pk)


def messages_for(source: models.Model) -> QuerySet[OutboxMessage]:
    """The outbox rows caused by one object, oldest first."""
    source_type, source_id = source_ref(source)
    return OutboxMessage.objects.filter(source_type=source_type, source_id=source_id).order_by(
        "created_at", "pk"
    )


def enqueue(
    *,
    channel: str,
    address: str,
    subject: str,
    body: str,
    payload: dict[str, Any],
    rule: str,
    source_type: str,
    source_id: str,
    dedupe_key: str,
) -> OutboxMessage:
    """Add one notification to the outbox (idempotent by dedupe_key); call inside the change's transaction."""
    # Outside a transaction the row could commit without the change (or the change without
    # the row): exactly what the outbox exists to prevent.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.enqueue must run inside the transaction of the change")
    if channel not in registered_channels():
        raise ValueError(f"unknown channel {channel!r}")
    if not dedupe_key:
        raise ValueError("dedupe_key is required")
    validate_address(channel, address)  # ValidationError: a contact was misconfigured
    existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    try:
        # A savepoint, so that losing a race on dedupe_key does not spoil the caller's
        # transaction (PostgreSQL aborts a transaction after an error).
        with transaction.atomic():
            return OutboxMessage.objects.create(
                channel=channel,
                address=address,
                subject=subject[:300],
                body=body,
                payload=payload,
                rule=rule,
                source_type=source_type,
                source_id=str(source_id),
                dedupe_key=dedupe_key,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)


def contacts_for(
    *, role: str, region_code: str | None = None, orp_code: str | None = None
) -> list[NotificationContact]:
    """Active contacts of a role serving a region / ORP (an empty code on a contact serves all)."""
    qs = NotificationContact.objects.filter(role=role, active=True)
    if region_code is not None:
        qs = qs.filter(Q(region_code=region_code) | Q(region_code=""))
    if orp_code is not None:
        qs = qs.filter(Q(orp_code=orp_code) | Q(orp_code=""))
    return list(qs.order_by("region_code", "orp_code", "name", "pk"))


def forget_recipient(*, source_type: str, source_id: str) -> int:
    """Erase the recipient of one source's rows: unsent rows go, sent ones keep no address or text.

    For personal contacts whose consent was withdrawn or whose retention ended (a citizen
    following a report, ADR 0036). A row a worker is sending right now is deleted too; the
    worker's outcome then updates nothing. Returns how many rows were dropped or blanked.
    """
    rows = OutboxMessage.objects.filter(source_type=source_type, source_id=str(source_id))
    _total, by_model = rows.exclude(state=MessageState.DELIVERED).delete()
    dropped = int(by_model.get(OutboxMessage._meta.label, 0))
    blanked = rows.exclude(address="", body="").update(address="", body="", payload={})
    return dropped + blanked
