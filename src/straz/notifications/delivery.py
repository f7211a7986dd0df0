"""Delivering the outbox: claim with a lease, send outside any transaction, record the outcome.

At-least-once: a worker that dies between sending and recording leaves its row in
`sending`; once the lease expires the row is due again and is sent once more with the
same message_id, so the receiver can drop the repeat. In normal running a row is leased
by exactly one worker at a time, so nothing is sent twice.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.config import straz_settings
from straz.notifications import channels
from straz.notifications.models import AttemptOutcome, DeliveryAttempt, MessageState, OutboxMessage

logger = logging.getLogger(__name__)

ACTOR = "system:outbox"


def max_attempts() -> int:
    """How many attempts a message gets before it is marked failed (dead)."""
    return max(1, straz_settings().outbox_max_attempts)


def backoff_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter: between half and all of base·2^(n−1), capped."""
    conf = straz_settings()
    base, cap = conf.outbox_backoff_base_seconds, conf.outbox_backoff_cap_seconds
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    # Jitter spreads the retries of many messages that failed together (a receiver outage).
    return timedelta(seconds=ceiling * (rng or random).uniform(0.5, 1.0))


def _due_q(now: datetime) -> Q:
    return Q(state=MessageState.PENDING, next_attempt_at__lte=now) | Q(
        state=MessageState.SENDING, lease_until__lt=now
    )


def _log_attempt(
    message: OutboxMessage, *, at: datetime, outcome: str, detail: str, duration_ms: int
) -> None:
    DeliveryAttempt.objects.create(
        message=message,
        number=message.attempts,
        at=at,
        outcome=outcome,
        detail=detail,
        duration_ms=duration_ms,
    )


def _give_up_lost(message: OutboxMessage, *, now: datetime) -> None:
    """A row whose last allowed attempt died with its worker: failed, logged, audited."""
    with audit.audited_transaction():
        updated = OutboxMessage.objects.filter(
            pk=message.pk, state=MessageState.SENDING, lease_owner=message.lease_owner
        ).update(
            state=MessageState.FAILED,
            lease_owner="",
            lease_until=None,
            last_error="worker lost during delivery; no attempts left",
        )
        if not updated:
            return
        _log_attempt(
            message,
            at=now,
            outcome=AttemptOutcome.LOST,
            detail="worker lost during delivery; no attempts left",
            duration_ms=0,
        )
        audit.record(
            action="outbox.failed",
            object_type="outbox_message",
            object_id=message.message_id,
            actor_label=ACTOR,
            before={"state": MessageState.SENDING, "attempts": message.attempts},
            after={"state": MessageState.FAILED, "error": "worker lost during delivery"},
        )


def claim_next(
    *, now: datetime, owner: str, lease_seconds: float, skip_addresses: Collection[str] = ()
) -> OutboxMessage | None:
    """Lease the next due message to `owner` (state=sending, attempts+1), or None."""
    while True:
        with transaction.atomic():
            qs = OutboxMessage.objects.filter(_due_q(now)).order_by("next_attempt_at", "pk")
            if skip_addresses:
                qs = qs.exclude(address__in=list(skip_addresses))
            # PostgreSQL: concurrent workers skip each other's rows. SQLite has no row locks;
            # its transactions begin IMMEDIATE, so the whole claim holds the write lock.
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            message = qs.first()
            if message is None:
                return None
            lost = message.state == MessageState.SENDING
            if lost and message.attempts >= max_attempts():
                pass  # handled below, audited in its own transaction
            else:
                message.state = MessageState.SENDING
                message.attempts += 1
                message.lease_owner = owner
                message.lease_until = now + timedelta(seconds=lease_seconds)
                message.save(update_fields=["state", "attempts", "lease_owner", "lease_until"])
                if lost:
                    _log_attempt(
                        message,
                        at=now,
                        outcome=AttemptOutcome.LOST,
                        detail="lease expired: the worker died or stalled while sending",
                        duration_ms=0,
                    )
                return message
        _give_up_lost(message, now=now)


def record_outcome(
    message: OutboxMessage, result: channels.SendResult, *, now: datetime, duration_ms: int
) -> bool:
    """Store one attempt's outcome (state, backoff, log, audit) in a short transaction."""
    with audit.audited_transaction():
        mine = OutboxMessage.objects.filter(
            pk=message.pk, state=MessageState.SENDING, lease_owner=message.lease_owner
        )
        before = {"state": MessageState.SENDING, "attempts": message.attempts}
        if result.delivered:
            after = {"state": MessageState.DELIVERED, "attempts": message.attempts}
            updated = mine.update(
                state=MessageState.DELIVERED,
                delivered_at=now,
                last_error="",
                lease_owner="",
                lease_until=None,
            )
            action = "outbox.delivered"
        elif message.attempts >= max_attempts():
            after = {
                "state": MessageState.FAILED,
                "attempts": message.attempts,
                "error": result.detail,
            }
            updated = mine.update(
                state=MessageState.FAILED,
                last_error=result.detail,
                lease_owner="",
                lease_until=None,
            )
            action = "outbox.failed"
        else:
            retry_at = now + backoff_delay(message.attempts)
            after = {
                "state": MessageState.PENDING,
                "attempts": message.attempts,
                "error": result.detail,
                "next_attempt_at": retry_at,
            }
            updated = mine.update(
                state=MessageState.PENDING,
                last_error=result.detail,
                next_attempt_at=retry_at,
                lease_owner="",
                lease_until=None,
            )
            action = "outbox.retry_scheduled"
        detail = result.detail
        if not updated:
            # Our lease expired and another worker took the row over: keep the log honest,
            # leave the state to the current lease holder.
            detail = f"{detail} (lease lost before the outcome was recorded)"
        _log_attempt(
            message,
            at=now,
            outcome=AttemptOutcome.DELIVERED if result.delivered else AttemptOutcome.FAILED,
            detail=detail,
            duration_ms=duration_ms,
        )
        if updated:
            audit.record(
                action=action,
                object_type="outbox_message",
                object_id=message.message_id,
                actor_label=ACTOR,
                before=before,
                after=after,
            )
    return bool(updated) and result.delivered


def deliver_due(
    *,
    now: datetime | None = None,
    limit: int = 50,
    lease_seconds: float | None = None,
    send: Callable[[OutboxMessage], channels.SendResult] | None = None,
) -> int:
    """Deliver up to `limit` due messages, one at a time; returns how many were delivered."""
    owner = uuid.uuid4().hex
    lease = float(
        lease_seconds if lease_seconds is not None else straz_settings().outbox_lease_seconds
    )
    sender = send or channels.send
    delivered = 0
    # An address that failed once in this round is not tried again in it: ten messages to
    # a receiver that hangs cost one timeout, not ten, before the others get their turn.
    failing: set[str] = set()
    for _ in range(limit):
        claim_time = now or timezone.now()
        message = claim_next(
            now=claim_time, owner=owner, lease_seconds=lease, skip_addresses=failing
        )
        if message is None:
            break
        # Sent outside any transaction: a slow receiver holds no lock, and the claim is
        # already committed, so no other worker sends this row meanwhile.
        started = time.monotonic()
        try:
            result = sender(message)
        except Exception as exc:  # a bug in a channel must not stop the other messages
            logger.exception("outbox channel crashed on %s", message.message_id)
            result = channels.SendResult(False, f"{type(exc).__name__}: {exc}")
        duration_ms = int((time.monotonic() - started) * 1000)
        delivered += record_outcome(
            message, result, now=now or timezone.now(), duration_ms=duration_ms
        )
        if not result.delivered:
            failing.add(message.address)
    return delivered


def retry_now(*, message_ids: list[int], actor: User | None, now: datetime | None = None) -> int:
    """Make failed or waiting messages due at once (a failed one gets its attempts back); audited."""
    now = now or timezone.now()
    user = actor
    count = 0
    with audit.audited_transaction():
        rows = OutboxMessage.objects.filter(
            pk__in=message_ids, state__in=[MessageState.PENDING, MessageState.FAILED]
        ).order_by("pk")
        if connection.features.has_select_for_update:
            rows = rows.select_for_update()
        for message in rows:
            before = {
                "state": message.state,
                "attempts": message.attempts,
                "next_attempt_at": message.next_attempt_at,
            }
            attempts = 0 if message.state == MessageState.FAILED else message.attempts
            OutboxMessage.objects.filter(pk=message.pk).update(
                state=MessageState.PENDING,
                attempts=attempts,
                next_attempt_at=now,
                lease_owner="",
                lease_until=None,
            )
            audit.record(
                action="outbox.retry_now",
                object_type="outbox_message",
                object_id=message.message_id,
                actor=user,
                actor_label=None if user else "system",
                before=before,
                after={"state": MessageState.PENDING, "attempts": attempts, "next_attempt_at": now},
            )
            count += 1
    return count


def deliver_outbox() -> int:
    """The worker job: deliver what is due now."""
    return deliver_due()


def periodic_jobs() -> list[tuple[str, float, Callable[[], object]]]:
    """(name, interval in seconds, job) for the worker loop."""
    interval = straz_settings().outbox_interval_seconds
    return [("deliver-outbox", interval, deliver_outbox)]
