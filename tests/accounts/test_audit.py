"""The audit chain: every entry links to the one before; tampering shows."""

from __future__ import annotations

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
