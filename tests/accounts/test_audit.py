"""The audit chain: every entry links to the one before; tampering shows."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from straz.accounts import audit
from straz.accounts.models import AuditEntry


def _append(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit.record(action="test.change", object_type="thing", object_id=i, before={"v": i}, after={"v": i + 1})


@pytest.mark.django_db
def test_intact_chain_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    _append(5)
    assert list(audit.verify_chain()) == []
    call_command("audit", "verify")
    assert "5 entries verified" in capsys.readouterr().out


@pytest.mark.django_db
def test_altered_entry_is_detected() -> None:
    _append(3)
    with connection.cursor() as cur:
        cur.execute("UPDATE accounts_auditentry SET after = %s WHERE seq = 2", ['{"v": 999}'])
    problems = list(audit.verify_chain())
    assert [p.seq for p in problems] == [2]
    with pytest.raises(CommandError):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_removed_newest_entry_is_detected() -> None:
    _append(3)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM accounts_auditentry WHERE seq = 3")
    assert any("removed" in p.reason for p in audit.verify_chain())


@pytest.mark.django_db
def test_entries_cannot_be_changed_through_the_orm() -> None:
    _append(1)
    entry = AuditEntry.objects.get()
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        audit.record(action="x", object_type="y", object_id=1)


# --- one audited transaction extending the chain several times (group commit, ADR 0037) ---


def _spy_head_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    real = audit._check_head

    def spy(head: Any, key: bytes) -> None:
        seen.append(head.last_seq)
        real(head, key)

    monkeypatch.setattr(audit, "_check_head", spy)
    return seen


@pytest.mark.django_db
def test_an_audited_transaction_checks_the_head_once_then_trusts_only_its_own_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with audit.audited_transaction():
        audit.record(action="test.first", object_type="thing", object_id=0)
    checks = _spy_head_checks(monkeypatch)
    with audit.audited_transaction():
        for i in range(1, 4):
            audit.record(action="test.change", object_type="thing", object_id=i)
        # An entry undone with its savepoint leaves a head this transaction did not
        # write last: the next entry checks it again.
        with pytest.raises(RuntimeError), transaction.atomic():
            audit.record(action="test.undone", object_type="thing", object_id=9)
            raise RuntimeError("refused")
        audit.record(action="test.after", object_type="thing", object_id=5)
    # The first entry checked the committed head; the entries after it were this
    # transaction's own; the one after the undone savepoint checked again.
    assert checks == [1, 4]
    # A new transaction checks again, even though this process wrote the head.
    with audit.audited_transaction():
        audit.record(action="test.next", object_type="thing", object_id=6)
    assert checks == [1, 4, 5]
    assert list(audit.verify_chain()) == []
