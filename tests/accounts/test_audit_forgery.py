"""Someone who can write the database but lacks the audit key cannot forge the chain (ADR 0020).

Each forgery is what such an attacker can really do: the hash algorithm is public, so they
can recompute bare SHA-256 hashes after a rewrite and move the head row to match.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from straz.accounts import audit
from straz.accounts.models import AuditEntry, AuditHead

KEY = "k" * 20 + "-test-audit-key-0123456789"


@pytest.fixture(autouse=True)
def audit_key(settings: Any) -> str:
    settings.STRAZ_AUDIT_KEY = KEY
    return KEY


def _append(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit.record(action="test.change", object_type="thing", object_id=i, before={"v": i}, after={"v": i + 1})


def _rows() -> list[dict[str, Any]]:
    fields = ("seq", "at", "actor_label", "action", "object_type", "object_id", "before", "after", "prev_hash", "hash")
    return list(AuditEntry.objects.order_by("seq").values(*fields))


def _rewrite_from(seq: int, after: dict[str, Any]) -> None:
    """Rewrite entry `seq`, recompute every later hash without the key, and move the head along."""
    prev = "0" * 64
    with connection.cursor() as cur:
        for row in _rows():
            if row["seq"] < seq:
                prev = row["hash"]
                continue
            if row["seq"] == seq:
                row["after"] = after
            digest = audit.entry_hash(
                seq=row["seq"], at=row["at"], actor_label=row["actor_label"], action=row["action"],
                object_type=row["object_type"], object_id=row["object_id"], before=row["before"],
                after=row["after"], prev_hash=prev,
            )
            cur.execute(
                "UPDATE accounts_auditentry SET after = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                [json.dumps(row["after"]), prev, digest, row["seq"]],
            )
            prev = digest
        cur.execute("UPDATE accounts_audithead SET last_hash = %s WHERE id = 1", [prev])


def _truncate_to(seq: int) -> None:
    """Delete every entry after `seq` and move the head back to it."""
    last = AuditEntry.objects.filter(seq=seq).values_list("hash", flat=True).first() or "0" * 64
    with connection.cursor() as cur:
        cur.execute("DELETE FROM accounts_auditentry WHERE seq > %s", [seq])
        cur.execute("UPDATE accounts_audithead SET last_seq = %s, last_hash = %s WHERE id = 1", [seq, last])


@pytest.mark.django_db
def test_a_rewritten_entry_with_recomputed_hashes_is_detected() -> None:
    _append(4)
    _rewrite_from(2, {"v": 999})
    with pytest.raises(CommandError, match=r"entry #2: entry is not signed with the audit key"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_a_log_rewritten_from_the_first_entry_is_detected() -> None:
    _append(3)
    _rewrite_from(1, {"v": 999})
    with pytest.raises(CommandError, match=r"not signed with the audit key"):
        call_command("audit", "verify")
    # Nor does the application countersign the forgery by appending to it.
    with pytest.raises(RuntimeError, match="audit"), transaction.atomic():
        audit.record(action="test.after", object_type="thing", object_id=9)


@pytest.mark.django_db
def test_deleting_the_newest_entries_and_moving_the_head_back_is_detected() -> None:
    _append(5)
    call_command("audit", "checkpoint")
    _truncate_to(3)
    with pytest.raises(CommandError, match=r"shorter than its checkpoint.*entries were deleted"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_a_wiped_log_is_detected() -> None:
    _append(3)
    call_command("audit", "checkpoint")
    _truncate_to(0)
    assert AuditEntry.objects.count() == 0
    with pytest.raises(CommandError, match=r"shorter than its checkpoint.*wiped"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_entries_cannot_be_updated_or_deleted_in_bulk() -> None:
    _append(2)
    before = _rows()
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEntry.objects.filter(seq=2).update(after={"v": 999})
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEntry.objects.all().delete()
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEntry.objects.filter(seq=1).delete()
    entry = AuditEntry.objects.get(seq=1)
    entry.after = {"v": 999}
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEntry.objects.bulk_update([entry], ["after"])
    assert _rows() == before


@pytest.mark.django_db
def test_entries_are_keyed_and_the_key_is_not_in_the_database() -> None:
    _append(2)
    first = _rows()[0]
    body = json.dumps(
        {
            "seq": 1, "at": first["at"].astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": first["actor_label"], "action": first["action"], "type": first["object_type"],
            "id": first["object_id"], "before": first["before"], "after": first["after"], "prev": "0" * 64,
        },
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    ).encode()
    assert first["hash"] == hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()
    assert first["hash"] != hashlib.sha256(body).hexdigest()
    forms = {KEY, KEY.encode().hex(), hashlib.sha256(KEY.encode()).hexdigest()}
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            cur.execute(f'SELECT * FROM "{table}"')  # table names come from introspection
            for row in cur.fetchall():
                text = " ".join(str(v) for v in row)
                assert not any(form in text for form in forms), table
    assert AuditHead.objects.get().last_hash == _rows()[-1]["hash"]


@pytest.mark.django_db
def test_a_changed_key_breaks_verification(settings: Any) -> None:
    _append(2)
    settings.STRAZ_AUDIT_KEY = "another key, also long enough to be accepted"
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_an_intact_chain_with_its_checkpoint_verifies(capsys: pytest.CaptureFixture[str], checkpoint_dir: Path) -> None:
    _append(3)
    call_command("audit", "checkpoint")
    _append(2)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "5 entries verified" in out and "(entry #3) matches" in out
    assert len(list(checkpoint_dir.glob("checkpoint-*.json"))) == 1
