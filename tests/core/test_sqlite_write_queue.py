"""SQLite writers queue on the kernel's file lock, not on SQLite's sleeping retries (ADR 0037)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db.utils import load_backend

ENGINE = django_settings.DATABASES["default"]["ENGINE"]
ON_SQLITE = ENGINE.endswith("sqlite3")
pytestmark = pytest.mark.skipif(not ON_SQLITE, reason="the SQLite backend of a deployment")


def _connection(path: Path, alias: str) -> Any:
    """A connection to a file database through the backend a deployment is configured with."""
    backend = load_backend(ENGINE)
    conf = {
        **django_settings.DATABASES["default"],
        "NAME": str(path),
        # SQLite's own wait for a locked database: far shorter than the other writer's
        # transaction below, so a writer that relied on it would fail.
        "OPTIONS": {**django_settings.DATABASES["default"]["OPTIONS"], "timeout": 0.05},
        "TEST": {},
    }
    return backend.DatabaseWrapper(conf, alias)


@pytest.fixture
def own_connections(django_db_blocker: Any) -> Any:
    """These connections open a file of their own, not the test database."""
    with django_db_blocker.unblock():
        yield


def test_a_second_writer_waits_for_the_first_instead_of_failing(
    tmp_path: Path, own_connections: None
) -> None:
    db = tmp_path / "queue.sqlite3"
    setup = _connection(db, "setup")
    with setup.cursor() as cur:
        cur.execute("CREATE TABLE t (n integer)")
    setup.close()

    holding = threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        conn = _connection(db, "first")
        try:
            with _atomic(conn):
                with conn.cursor() as cur:
                    cur.execute("INSERT INTO t VALUES (1)")
                holding.set()
                time.sleep(0.6)  # a long transaction: ten times SQLite's own timeout
        finally:
            conn.close()

    def second() -> None:
        holding.wait(10)
        conn = _connection(db, "second")
        try:
            with _atomic(conn), conn.cursor() as cur:
                cur.execute("INSERT INTO t VALUES (2)")
            outcome["ok"] = True
        except Exception as exc:  # what the old backend did: "database is locked"
            outcome["error"] = repr(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcome == {"ok": True}
    check = _connection(db, "check")
    with check.cursor() as cur:
        cur.execute("SELECT n FROM t ORDER BY n")
        assert [row[0] for row in cur.fetchall()] == [1, 2]
    check.close()


class _atomic:
    """What transaction.atomic does, on a connection that is not in django.db.connections."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.ensure_connection()
        self.conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            self.conn.commit()
        else:
            self.conn.rollback()
        self.conn.set_autocommit(True)
