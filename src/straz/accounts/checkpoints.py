"""Signed checkpoints of the audit chain's head, kept outside the database (ADR 0020).

A checkpoint records the head (sequence number and hash) and the entry count, signed with
the audit key. The chain must still contain the latest one and not be shorter than it, so
deleting the newest entries or wiping the log shows even when the head row is rewritten.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from straz.accounts import auditkey
from straz.accounts.audit import ChainProblem, audited_transaction, chain_key, verify_chain
from straz.accounts.models import AuditEntry, AuditHead
from straz.core.config import straz_settings

FORMAT = "straz-audit-checkpoint/1"
_SIGNED_FIELDS = ("format", "seq", "hash", "count", "at")


class CheckpointError(Exception):
    """A checkpoint file that cannot be trusted (unreadable, malformed, or not signed by the key)."""


@dataclass(frozen=True)
class Checkpoint:
    """The chain head as a signed checkpoint saw it."""

    seq: int
    hash: str
    count: int
    at: str
    path: Path | None = None


def checkpoint_dir() -> Path:
    """STRAZ_AUDIT_CHECKPOINT_DIR, or $XDG_STATE_HOME/straz/audit-checkpoints/<database>."""
    configured = straz_settings().audit_checkpoint_dir
    if configured:
        return Path(configured).expanduser().resolve()
    # One directory per database, so that two checkouts (or a test database) never compare
    # themselves with each other's checkpoints.
    db = connection.settings_dict
    identity = "|".join(str(db.get(k) or "") for k in ("ENGINE", "HOST", "PORT", "NAME"))
    name = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]
    return auditkey.default_state_dir() / "audit-checkpoints" / name


def _signature(key: bytes, doc: dict[str, Any]) -> str:
    body = json.dumps({f: doc[f] for f in _SIGNED_FIELDS}, sort_keys=True, separators=(",", ":"))
    # A prefix of its own keeps a checkpoint signature from ever being taken for an entry hash.
    return hmac.new(key, f"{FORMAT}\n{body}".encode(), hashlib.sha256).hexdigest()


def load_checkpoint(path: Path) -> Checkpoint:
    """Read and check one checkpoint file; CheckpointError when it cannot be trusted."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {path} cannot be read: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not all(f in doc for f in _SIGNED_FIELDS):
        raise CheckpointError(f"checkpoint {path} is not a {FORMAT} document")
    signature = doc.get("signature")
    if not isinstance(signature, str) or not hmac.compare_digest(_signature(chain_key(), doc), signature):
        raise CheckpointError(f"checkpoint {path} is not signed with the audit key (altered or forged)")
    if not (isinstance(doc["seq"], int) and isinstance(doc["count"], int) and isinstance(doc["hash"], str)):
        raise CheckpointError(f"checkpoint {path} is not a {FORMAT} document")
    return Checkpoint(seq=doc["seq"], hash=doc["hash"], count=doc["count"], at=str(doc["at"]), path=path)


def latest_checkpoint(directory: Path | None = None) -> Checkpoint | None:
    """The checkpoint with the highest sequence number in the directory (None: none yet)."""
    folder = directory or checkpoint_dir()
    # File names start with the zero-padded sequence number, so the last name is the newest.
    names = sorted(folder.glob("checkpoint-*.json")) if folder.is_dir() else []
    return load_checkpoint(names[-1]) if names else None


def check_against(checkpoint: Checkpoint) -> Iterator[ChainProblem]:
    """Yield a problem unless the chain still holds the checkpoint's head and is not shorter."""
    head = AuditHead.objects.filter(id=1).first()
    last_seq = head.last_seq if head is not None else 0
    count = AuditEntry.objects.count()
    if count < checkpoint.count or last_seq < checkpoint.seq:
        yield ChainProblem(
            last_seq,
            f"the log is shorter than its checkpoint of {checkpoint.at} ({count} entries, head "
            f"#{last_seq}; the checkpoint saw {checkpoint.count}, head #{checkpoint.seq}): entries were "
            "deleted or the log was wiped",
        )
        return
    if checkpoint.seq == 0:
        return
    stored = AuditEntry.objects.filter(seq=checkpoint.seq).values_list("hash", flat=True).first()
    if stored != checkpoint.hash:
        yield ChainProblem(
            checkpoint.seq,
            f"entry #{checkpoint.seq} differs from the checkpoint of {checkpoint.at}: the log was rewritten",
        )


def take_checkpoint(out: Path | None = None) -> tuple[Checkpoint, Path]:
    """Verify the chain, then write a signed checkpoint of its head (to `out` or the directory)."""
    with audited_transaction():
        # Holding the head lock keeps the head and the count from one moment.
        problems = list(verify_chain())
        previous = latest_checkpoint()
        if previous is not None:
            problems += check_against(previous)
        if problems:
            raise CheckpointError(
                f"the audit chain does not verify ({problems[0].reason}); no checkpoint written"
            )
        head, _ = AuditHead.objects.get_or_create(id=1)
        doc: dict[str, Any] = {
            "format": FORMAT,
            "seq": head.last_seq,
            "hash": head.last_hash,
            "count": AuditEntry.objects.count(),
            "at": timezone.now().isoformat(timespec="seconds"),
        }
    doc["signature"] = _signature(chain_key(), doc)
    if out is None:
        folder = checkpoint_dir()
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        out = folder / f"checkpoint-{doc['seq']:012d}-{stamp}.json"
    out.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written aside and renamed, so a reader never sees half a checkpoint.
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, out)
    checkpoint = Checkpoint(seq=doc["seq"], hash=doc["hash"], count=doc["count"], at=doc["at"], path=out)
    return checkpoint, out


def checkpoint_if_moved() -> str | None:
    """The worker's job: a new checkpoint when the head moved since the latest one."""
    previous = latest_checkpoint()
    head = AuditHead.objects.filter(id=1).first()
    if head is None or (previous is not None and previous.seq == head.last_seq):
        return None
    checkpoint, path = take_checkpoint()
    return f"checkpoint of entry #{checkpoint.seq} written to {path}"
