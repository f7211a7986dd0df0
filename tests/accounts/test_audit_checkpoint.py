"""Signed checkpoints of the audit head: written, read back, and refused when altered (ADR 0020)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from straz.accounts import audit
from straz.accounts.checkpoints import checkpoint_if_moved
from straz.accounts.models import AuditEntry, AuditHead


def _append(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit.record(action="test.change", object_type="thing", object_id=i, after={"v": i})


@pytest.mark.django_db
def test_checkpoint_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _append(4)
    out = tmp_path / "exported" / "head.json"
    call_command("audit", "checkpoint", "--out", str(out))
    doc = json.loads(out.read_text())
    head = AuditHead.objects.get()
    assert (doc["seq"], doc["hash"], doc["count"]) == (4, head.last_hash, 4)
    assert doc["format"] == "straz-audit-checkpoint/1" and doc["at"] and len(doc["signature"]) == 64
    _append(1)
    call_command("audit", "verify", "--checkpoint", str(out))
    assert "(entry #4) matches" in capsys.readouterr().out


@pytest.mark.django_db
def test_checkpoints_go_to_the_configured_directory(checkpoint_dir: Path) -> None:
    _append(2)
    call_command("audit", "checkpoint")
    (path,) = checkpoint_dir.glob("checkpoint-*.json")
    assert json.loads(path.read_text())["seq"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        # An older head and count: would let the newest entries be deleted unnoticed.
        {"seq": 1, "count": 1},
        {"hash": "0" * 64},
        {"signature": "0" * 64},
        {"format": "something-else"},
    ],
)
def test_a_tampered_checkpoint_is_refused(tmp_path: Path, change: dict[str, Any]) -> None:
    _append(3)
    out = tmp_path / "head.json"
    call_command("audit", "checkpoint", "--out", str(out))
    doc = json.loads(out.read_text())
    if change.get("seq") == 1:
        change["hash"] = AuditEntry.objects.get(seq=1).hash
    out.write_text(json.dumps({**doc, **change}))
    with pytest.raises(CommandError, match=r"checkpoint .*head\.json is not"):
        call_command("audit", "verify", "--checkpoint", str(out))


@pytest.mark.django_db
def test_a_tampered_checkpoint_in_the_directory_is_refused(checkpoint_dir: Path) -> None:
    _append(3)
    call_command("audit", "checkpoint")
    (path,) = checkpoint_dir.glob("checkpoint-*.json")
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "count": 1}))
    with pytest.raises(CommandError, match="not signed with the audit key"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_a_broken_chain_is_not_checkpointed(tmp_path: Path) -> None:
    _append(3)
    with connection.cursor() as cur:
        cur.execute("UPDATE accounts_auditentry SET after = %s WHERE seq = 2", ['{"v": 999}'])
    out = tmp_path / "head.json"
    with pytest.raises(CommandError, match="does not verify"):
        call_command("audit", "checkpoint", "--out", str(out))
    assert not out.exists()


@pytest.mark.django_db
def test_verify_without_a_checkpoint_says_what_it_cannot_see(capsys: pytest.CaptureFixture[str]) -> None:
    _append(1)
    call_command("audit", "verify")
    assert "no checkpoint in" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_worker_job_checkpoints_only_when_the_head_moved(checkpoint_dir: Path) -> None:
    _append(2)
    assert "entry #2" in str(checkpoint_if_moved())
    assert checkpoint_if_moved() is None
    _append(1)
    assert "entry #3" in str(checkpoint_if_moved())
    assert len(list(checkpoint_dir.glob("checkpoint-*.json"))) == 2
