"""The append-only audit log, chained with an HMAC under a key kept outside the database (ADR 0003, 0020)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from straz.accounts import auditkey
from straz.accounts.models import AuditEntry, AuditHead, User

# The entry `straz audit rekey` appends to sign a log written before the key existed.
REKEY_ACTION = "audit.rekeyed"
_HASHED_FIELDS = (
    "seq", "at", "actor_label", "action", "object_type", "object_id", "before", "after", "prev_hash",
)


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
    key: bytes | None = None,
) -> str:
    """HMAC-SHA256 under the audit key over the entry and the previous hash (key None: bare SHA-256, before ADR 0020)."""
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
    ).encode("utf-8")
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _stored_hash(row: dict[str, Any], key: bytes | None) -> str:
    return entry_hash(key=key, **{name: row[name] for name in _HASHED_FIELDS})


class AuditChainError(RuntimeError):
    """The chain cannot be extended: its newest entry is not signed with the audit key."""


def chain_key() -> bytes:
    """The audit key; the default key file is created only while no entry is signed with a key.

    A missing key file under a signed log means the key was lost (a fresh container, a
    reinstalled host): making a new one would silently fork the chain, so Straz refuses.
    """
    key = auditkey.load_key()
    if key is not None:
        return key
    head = AuditHead.objects.filter(id=1).first()
    newest = _entry_row(head.last_seq) if head is not None and head.last_seq else None
    if newest is None or _stored_hash(newest, None) == newest["hash"]:
        return auditkey.create_default_key()
    raise auditkey.AuditKeyError(
        f"the audit log is signed but its key file {auditkey.default_key_file()} is missing: "
        "restore it from backup, or set STRAZ_AUDIT_KEY or STRAZ_AUDIT_KEY_FILE"
    )


def _entry_row(seq: int) -> dict[str, Any] | None:
    row: dict[str, Any] | None = AuditEntry.objects.filter(seq=seq).values(*_HASHED_FIELDS, "hash").first()
    return row


def _check_head(head: AuditHead, key: bytes) -> None:
    # Extending a chain whose head the key does not sign would countersign a forgery (or
    # hide that the log predates the key), so the write is refused instead.
    if head.last_seq == 0:
        return
    row = _entry_row(head.last_seq)
    if row is not None and row["hash"] == head.last_hash:
        if hmac.compare_digest(_stored_hash(row, key), row["hash"]):
            return
        if _stored_hash(row, None) == row["hash"]:
            raise AuditChainError(
                "the audit log predates the audit key: anchor it once with `straz audit rekey`"
            )
    raise AuditChainError(
        f"the newest audit entry #{head.last_seq} is not signed with the audit key: "
        "run `straz audit verify`"
    )


def actor_label_for(actor: User | None, fallback: str = "citizen") -> str:
    """How an actor is named in the log: username for staff, a fixed word otherwise."""
    return actor.get_username() if actor is not None else fallback


def lock_chain() -> None:
    """Lock the chain head now (inside a transaction) so this writer's locks start there."""
    if _scope() is not None:
        # Inside an audited transaction, which took the head first and holds it to the end.
        return
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
        connection = transaction.get_connection()
        outermost = getattr(connection, _SCOPE, None) is None
        if outermost:
            AuditHead.objects.select_for_update().get_or_create(id=1)
            setattr(connection, _SCOPE, _HeadScope())
        try:
            yield
        finally:
            if outermost:
                delattr(connection, _SCOPE)


# The newest entry this audited transaction wrote itself, while holding the head all along.
_SCOPE = "_straz_audit_scope"


class _HeadScope:
    __slots__ = ("written",)

    def __init__(self) -> None:
        self.written: tuple[int, str] | None = None


def _scope() -> _HeadScope | None:
    scope: _HeadScope | None = getattr(transaction.get_connection(), _SCOPE, None)
    return scope


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
    return _append(
        action=action, object_type=object_type, object_id=object_id, before=before, after=after,
        actor=actor, actor_label=actor_label, legacy_head_ok=False,
    )


def _append(
    *,
    action: str,
    object_type: str,
    object_id: object,
    before: Any,
    after: Any,
    actor: User | None,
    actor_label: str | None,
    legacy_head_ok: bool,
) -> AuditEntry:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change")
    key = chain_key()
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    scope = _scope()
    # The head was checked when this transaction first extended the chain; an entry it
    # wrote itself since, under the head's lock and not yet committed, needs no second
    # look (reports committed together, ADR 0037). Anything else is checked.
    own = scope is not None and scope.written == (head.last_seq, head.last_hash)
    if not legacy_head_ok and not own:
        _check_head(head, key)
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
        key=key,
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
    if scope is not None:
        scope.written = (seq, digest)
    return entry


# ChainProblem.kind of a log that predates the key and has not been anchored yet: the one
# problem `straz audit rekey` may resolve.
UNANCHORED = "unanchored"


@dataclass(frozen=True)
class ChainProblem:
    """A place where the chain does not hold."""

    seq: int
    reason: str
    kind: str = "broken"


def verify_chain(batch_size: int = 5000) -> Iterator[ChainProblem]:
    """Recompute every HMAC and link; yield each break (nothing yielded = intact).

    Entries hashed without a key (written before ADR 0020) are accepted only as the leading
    run of the log, and only when the first keyed entry after them is the `audit.rekeyed`
    anchor naming the last of them; anyone can compute a bare SHA-256, so an unkeyed entry
    anywhere else is a forgery.
    """
    key = chain_key()
    prev_hash = "0" * 64
    expected_seq = 1
    last_seq = 0
    keyed_seen = False
    legacy_last: tuple[int, str] | None = None
    qs = AuditEntry.objects.order_by("seq").values(*_HASHED_FIELDS, "hash")
    for row in qs.iterator(chunk_size=batch_size):
        seq, digest = row["seq"], row["hash"]
        if seq != expected_seq:
            yield ChainProblem(seq, f"missing entries before #{seq} (expected #{expected_seq})")
        if row["prev_hash"] != prev_hash:
            yield ChainProblem(seq, "link to the previous entry is broken")
        if hmac.compare_digest(_stored_hash(row, key), digest):
            if legacy_last is not None and not keyed_seen and not _anchors(row, legacy_last):
                yield ChainProblem(seq, "entry follows unkeyed entries without an audit.rekeyed anchor")
            keyed_seen = True
        elif _stored_hash(row, None) == digest:
            if keyed_seen:
                yield ChainProblem(seq, "entry is not signed with the audit key (rewritten without the key)")
            else:
                legacy_last = (seq, digest)
        else:
            yield ChainProblem(seq, "content does not match its hash (entry was altered)")
        prev_hash = digest
        expected_seq = seq + 1
        last_seq = seq
    if legacy_last is not None and not keyed_seen:
        yield ChainProblem(
            legacy_last[0],
            f"entries #1–#{legacy_last[0]} are not signed with the audit key; if they were written "
            "before the key was introduced, anchor them with `straz audit rekey`",
            UNANCHORED,
        )
    head = AuditHead.objects.filter(id=1).first()
    head_moved = head is not None and (
        head.last_seq != last_seq or (last_seq and head.last_hash != prev_hash)
    )
    if head_moved:
        yield ChainProblem(last_seq, "the newest entries were removed (chain head does not match)")


def _anchors(row: dict[str, Any], legacy_last: tuple[int, str]) -> bool:
    expected = {"legacy_seq": legacy_last[0], "legacy_hash": legacy_last[1]}
    return bool(row["action"] == REKEY_ACTION and row["after"] == expected)


def rekey(actor_label: str = "straz audit rekey") -> AuditEntry | None:
    """Sign a log written before the audit key with one anchoring entry (None: nothing to anchor).

    Refused when the log is broken in any other way: anchoring must not bless a forgery.
    """
    with audited_transaction():
        head = AuditHead.objects.get(id=1)
        problems = list(verify_chain())
        if not problems:
            return None
        if any(p.kind != UNANCHORED for p in problems):
            raise AuditChainError(
                f"the audit chain is broken ({len(problems)} problem(s)); it will not be anchored"
            )
        return _append(
            action=REKEY_ACTION,
            object_type="audit",
            object_id=head.last_seq,
            before=None,
            after={"legacy_seq": head.last_seq, "legacy_hash": head.last_hash},
            actor=None,
            actor_label=actor_label,
            legacy_head_ok=True,
        )
