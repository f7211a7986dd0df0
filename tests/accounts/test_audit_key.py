"""Where the audit key comes from, and how a log written before the key is anchored (ADR 0020)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from straz.accounts import audit, auditkey
from straz.accounts.models import AuditEntry, AuditHead

KEY = "a-test-audit-key-that-is-long-enough-0123456789"


def _append(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit.record(action="test.change", object_type="thing", object_id=i, after={"v": i})


@pytest.fixture
def no_key_configured(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Neither STRAZ_AUDIT_KEY nor STRAZ_AUDIT_KEY_FILE; the default key file goes under tmp_path."""
    settings.STRAZ_AUDIT_KEY = ""
    settings.STRAZ_AUDIT_KEY_FILE = ""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "straz" / "audit.key"


def _legacy_log(n: int) -> None:
    """A log as Straz wrote it before ADR 0020: bare SHA-256 hashes, no key."""
    prev = "0" * 64
    with transaction.atomic():
        for seq in range(1, n + 1):
            fields: dict[str, Any] = {
                "seq": seq, "at": timezone.now(), "actor_label": "citizen", "action": "old.change",
                "object_type": "thing", "object_id": str(seq), "before": None, "after": {"v": seq},
            }
            digest = audit.entry_hash(**fields, prev_hash=prev)
            AuditEntry.objects.create(**fields, prev_hash=prev, hash=digest)
            prev = digest
        AuditHead.objects.update_or_create(id=1, defaults={"last_seq": n, "last_hash": prev})


@pytest.mark.django_db
def test_without_configuration_a_key_file_is_made_outside_the_data_directory(no_key_configured: Path) -> None:
    _append(1)
    assert no_key_configured.is_file()
    assert stat.S_IMODE(no_key_configured.stat().st_mode) == 0o600
    assert stat.S_IMODE(no_key_configured.parent.stat().st_mode) == 0o700
    assert len(no_key_configured.read_bytes().strip()) >= auditkey.KEY_MIN_BYTES
    call_command("audit", "verify")


@pytest.mark.django_db
def test_a_lost_key_file_is_not_silently_replaced(no_key_configured: Path) -> None:
    _append(2)
    no_key_configured.unlink()
    with pytest.raises(auditkey.AuditKeyError, match="restore it from backup"), transaction.atomic():
        audit.record(action="test.change", object_type="thing", object_id=3)
    with pytest.raises(CommandError, match=r"key file .* is missing"):
        call_command("audit", "verify")
    assert not no_key_configured.exists()


@pytest.mark.django_db
def test_the_key_is_read_from_the_key_file(settings: Any, tmp_path: Path) -> None:
    path = tmp_path / "secret" / "audit.key"
    path.parent.mkdir()
    path.write_text(KEY + "\n")
    settings.STRAZ_AUDIT_KEY = ""
    settings.STRAZ_AUDIT_KEY_FILE = str(path)
    assert auditkey.load_key() == KEY.encode()
    _append(2)
    settings.STRAZ_AUDIT_KEY_FILE = ""
    settings.STRAZ_AUDIT_KEY = KEY
    call_command("audit", "verify")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"STRAZ_AUDIT_KEY": "short"}, "shorter than"),
        ({"STRAZ_AUDIT_KEY": KEY, "STRAZ_AUDIT_KEY_FILE": "/etc/straz/audit.key"}, "not both"),
        ({"STRAZ_AUDIT_KEY_FILE": "/nonexistent/straz/audit.key"}, "does not exist"),
    ],
)
def test_a_bad_key_configuration_is_refused(settings: Any, values: dict[str, str], message: str) -> None:
    settings.STRAZ_AUDIT_KEY = ""
    settings.STRAZ_AUDIT_KEY_FILE = ""
    for name, value in values.items():
        setattr(settings, name, value)
    with pytest.raises(auditkey.AuditKeyError, match=message):
        auditkey.load_key()


def test_a_key_file_inside_the_data_directory_is_refused(settings: Any) -> None:
    path = Path(settings.DATA_DIR) / "audit.key"
    settings.STRAZ_AUDIT_KEY = ""
    settings.STRAZ_AUDIT_KEY_FILE = str(path)
    with pytest.raises(auditkey.AuditKeyError, match="must not be inside the data directory"):
        auditkey.load_key()


@pytest.mark.django_db
def test_a_log_from_before_the_key_must_be_anchored_once(settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    settings.STRAZ_AUDIT_KEY = KEY
    _legacy_log(3)
    with pytest.raises(CommandError, match=r"#1–#3 are not signed .*straz audit rekey"):
        call_command("audit", "verify")
    with pytest.raises(audit.AuditChainError, match="rekey"), transaction.atomic():
        audit.record(action="test.change", object_type="thing", object_id=4)
    call_command("audit", "rekey")
    anchor = AuditEntry.objects.get(seq=4)
    assert anchor.action == audit.REKEY_ACTION
    assert anchor.after == {"legacy_seq": 3, "legacy_hash": AuditEntry.objects.get(seq=3).hash}
    _append(1)
    call_command("audit", "rekey")
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "anchored by entry #4" in out and "nothing to anchor" in out and "5 entries verified" in out


@pytest.mark.django_db
def test_the_anchored_old_entries_cannot_be_rewritten(settings: Any) -> None:
    settings.STRAZ_AUDIT_KEY = KEY
    _legacy_log(3)
    call_command("audit", "rekey")
    # Rewrite entry 2 and recompute the unkeyed hashes of 2 and 3: the anchor's link breaks.
    rows = list(AuditEntry.objects.filter(seq__lte=3).order_by("seq").values())
    prev = rows[0]["hash"]
    with connection.cursor() as cur:
        for row in rows[1:]:
            after = {"v": 999} if row["seq"] == 2 else row["after"]
            digest = audit.entry_hash(
                seq=row["seq"], at=row["at"], actor_label=row["actor_label"], action=row["action"],
                object_type=row["object_type"], object_id=row["object_id"], before=row["before"],
                after=after, prev_hash=prev,
            )
            cur.execute(
                "UPDATE accounts_auditentry SET after = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                ['{"v": 999}' if row["seq"] == 2 else f'{{"v": {row["seq"]}}}', prev, digest, row["seq"]],
            )
            prev = digest
    with pytest.raises(CommandError, match="entry #4: link to the previous entry is broken"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_unkeyed_entries_without_the_anchor_are_refused(settings: Any) -> None:
    settings.STRAZ_AUDIT_KEY = KEY
    _legacy_log(2)
    # A keyed entry straight after the old ones, without `straz audit rekey`: the
    # application refuses to write it, so only a forger could have.
    head = AuditHead.objects.get()
    fields: dict[str, Any] = {
        "seq": 3, "at": timezone.now(), "actor_label": "x", "action": "test.change",
        "object_type": "thing", "object_id": "3", "before": None, "after": None,
    }
    digest = audit.entry_hash(**fields, prev_hash=head.last_hash, key=KEY.encode())
    AuditEntry.objects.create(**fields, prev_hash=head.last_hash, hash=digest)
    AuditHead.objects.filter(id=1).update(last_seq=3, last_hash=digest)
    with pytest.raises(CommandError, match=r"without an audit\.rekeyed anchor"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_rekey_refuses_a_broken_log(settings: Any) -> None:
    settings.STRAZ_AUDIT_KEY = KEY
    _legacy_log(3)
    with connection.cursor() as cur:
        cur.execute("UPDATE accounts_auditentry SET after = %s WHERE seq = 2", ['{"v": 999}'])
    with pytest.raises(CommandError, match="will not be anchored"):
        call_command("audit", "rekey")
    assert AuditEntry.objects.count() == 3


def test_a_key_file_made_meanwhile_by_another_process_is_kept(no_key_configured: Path) -> None:
    no_key_configured.parent.mkdir(parents=True)
    no_key_configured.write_text(KEY + "\n")
    assert auditkey.create_default_key() == KEY.encode()
    assert no_key_configured.read_text() == KEY + "\n"
    assert [p.name for p in no_key_configured.parent.iterdir()] == ["audit.key"]
