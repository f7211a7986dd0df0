"""The append-only, hash-chained audit log: appending and verifying."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from straz.accounts.models import AuditEntry, AuditHead, User


def _canonical(value: Any) -> Any:
    """Round-trip through JSON so that what is hashed is exactly what is stored."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    """SHA-256 over the entry's content and the previous entry's hash."""
    body = json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_label,
            "action": action,
            "type": object_type,
            "id": object_id,
            "before": before,
            "after": after,
            "prev": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def actor_label_for(actor: User | None, fallback: str = "citizen") -> str:
    """How an actor is named in the log: username for staff, a fixed word otherwise."""
    return actor.get_username() if actor is not None else fallback


def lock_chain() -> None:
    """Lock the chain head now (inside a transaction) so this writer's locks start there."""
    AuditHead.objects.select_for_update().get_or_create(id=1)


@contextmanager
def audited_transaction() -> Iterator[None]:
    """A transaction that takes the audit head before anything else.

    Every audited change ends by locking the single head row; a writer that first locked
    some other row (a report it transitions, the primary of a duplicate) and then waits
    for the head can deadlock with one that holds the head and waits for that row.
    Taking the head first gives every writer the same lock order. (SQLite serialises
    writers with BEGIN IMMEDIATE anyway.)
    """
    with transaction.atomic():
        lock_chain()
        yield


def record(
    *,
    action: str,
    object_type: str,
    object_id: object,
    before: Any = None,
    after: Any = None,
    actor: User | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    """Append one entry; must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change")
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    seq = head.last_seq + 1
    at = timezone.now()
    label = actor_label or actor_label_for(actor)
    before_c, after_c = _canonical(before), _canonical(after)
    digest = entry_hash(
        seq=seq,
        at=at,
        actor_label=label,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before_c,
        after=after_c,
        prev_hash=head.last_hash,
    )
    entry = AuditEntry.objects.create(
        seq=seq,
        at=at,
        actor=actor,
        actor_label=label,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before_c,
        after=after_c,
        prev_hash=head.last_hash,
        hash=digest,
    )
    AuditHead.objects.filter(id=1).update(last_seq=seq, last_hash=digest)
    return entry


@dataclass(frozen=True)
class ChainProblem:
    """A place where the chain does not hold."""

    seq: int
    reason: str


def verify_chain(batch_size: int = 5000) -> Iterator[ChainProblem]:
    """Recompute every hash and link; yield each break (nothing yielded = intact)."""
    prev_hash = "0" * 64
    expected_seq = 1
    last_seq = 0
    qs = AuditEntry.objects.order_by("seq").values_list(
        "seq", "at", "actor_label", "action", "object_type", "object_id", "before", "after",
        "prev_hash", "hash",
    )
    for row in qs.iterator(chunk_size=batch_size):
        seq, at, label, action, otype, oid, before, after, prev, digest = row
        if seq != expected_seq:
            yield ChainProblem(seq, f"missing entries before #{seq} (expected #{expected_seq})")
        if prev != prev_hash:
            yield ChainProblem(seq, "link to the previous entry is broken")
        computed = entry_hash(
            seq=seq, at=at, actor_label=label, action=action, object_type=otype,
            object_id=oid, before=before, after=after, prev_hash=prev,
        )
        if computed != digest:
            yield ChainProblem(seq, "content does not match its hash (entry was altered)")
        prev_hash = digest
        expected_seq = seq + 1
        last_seq = seq
    head = AuditHead.objects.filter(id=1).first()
    head_moved = head is not None and (
        head.last_seq != last_seq or (last_seq and head.last_hash != prev_hash)
    )
    if head_moved:
        yield ChainProblem(last_seq, "the newest entries were removed (chain head does not match)")
