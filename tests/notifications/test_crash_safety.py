"""Real worker processes against a real database: SIGKILL mid-delivery loses nothing.

The test database (PostgreSQL) or a file copy of it (SQLite) is shared with worker
subprocesses that loop over `deliver_due`; a slow webhook receiver in this process records
every POST. Killed mid-send, the restarted worker delivers everything at least once, with
the same message_id; in normal running two concurrent workers send each message exactly once.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from straz.notifications import outbox
from straz.notifications.models import DeliveryAttempt, OutboxMessage
from tests.helpers.live_server import _with_dbname, is_postgres
from tests.notifications.receiver import Receiver, running_receiver

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER_LOOP = """
import sys, time, django
django.setup()
from straz.notifications.delivery import deliver_due
lease = float(sys.argv[1])
print("ready", flush=True)
while True:
    deliver_due(lease_seconds=lease, limit=5)
    time.sleep(0.05)
"""


class Shared:
    """The database the worker subprocesses use, and how to read message states from it."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.sqlite_file: Path | None = None
        url = os.environ.get("DATABASE_URL")
        if is_postgres(url):
            self.url = _with_dbname(url or "", connection.settings_dict["NAME"])
        else:
            self.sqlite_file = tmp_path / "outbox.sqlite3"
            self.url = f"sqlite:///{self.sqlite_file}"

    def publish(self) -> None:
        """Make the test's committed rows visible to subprocesses (SQLite: copy to a file)."""
        if self.sqlite_file is None:
            return
        connection.ensure_connection()
        target = sqlite3.connect(self.sqlite_file)
        try:
            connection.connection.backup(target)
        finally:
            target.close()

    def states(self) -> dict[str, str]:
        """message_id (hex string with dashes) → state, as the workers left them."""
        if self.sqlite_file is None:
            return {str(k): v for k, v in OutboxMessage.objects.values_list("message_id", "state")}
        with sqlite3.connect(self.sqlite_file, timeout=30) as db:
            rows = db.execute("SELECT message_id, state FROM notifications_outboxmessage").fetchall()
        # SQLite stores UUIDs as 32 hex digits.
        return {f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}": s for h, s in rows}

    def attempt_outcomes(self) -> list[str]:
        """Every logged attempt outcome."""
        if self.sqlite_file is None:
            return list(DeliveryAttempt.objects.values_list("outcome", flat=True))
        with sqlite3.connect(self.sqlite_file, timeout=30) as db:
            return [r[0] for r in db.execute("SELECT outcome FROM notifications_deliveryattempt")]

    def worker_env(self) -> dict[str, str]:
        """Environment of a worker process on this database (own data dir, no xdist)."""
        env = {
            k: v for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "STRAZ_DATA_DIR", "PYTEST_XDIST_WORKER"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="straz.settings",
            DATABASE_URL=self.url,
            STRAZ_DATA_DIR=str(self.tmp_path / "data"),
            STRAZ_SECRET_KEY="i2-outbox-crash-test",
            STRAZ_LOG_LEVEL="ERROR",
        )
        return env

    def start_worker(self, name: str, *, lease_s: float) -> subprocess.Popen[bytes]:
        """A worker process looping over deliver_due against this database."""
        env = self.worker_env()
        log = open(self.tmp_path / f"{name}.log", "ab")
        return subprocess.Popen(
            [sys.executable, "-c", WORKER_LOOP, str(lease_s)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Worker processes started by a test; all are killed at the end."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def enqueue_many(rx: Receiver, count: int) -> list[str]:
    """`count` webhook notifications to the receiver; their message_ids."""
    ids = []
    with transaction.atomic():
        for i in range(count):
            message = outbox.enqueue(
                channel="webhook", address=rx.url(), subject=f"#{i}", body="",
                payload={"i": i}, rule="§23(2)", source_type="test", source_id=str(i),
                dedupe_key=f"crash-test:{i}",
            )
            ids.append(str(message.message_id))
    return ids


def wait_until_all_delivered(shared: Shared, ids: list[str], timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        states = shared.states()
        if all(states.get(i) == "delivered" for i in ids):
            return states
        time.sleep(0.2)
    return states


def check_requests(rx: Receiver) -> None:
    for item in rx.received:
        assert item.idempotency_key == item.body["message_id"]


def test_two_workers_in_normal_running_send_each_message_exactly_once(
    tmp_path: Path, workers: list[Any]
) -> None:
    shared = Shared(tmp_path)
    with running_receiver(delay_s=0.1) as rx:
        ids = enqueue_many(rx, 16)
        shared.publish()
        # A lease far longer than a send: in normal running no lease ever expires.
        workers += [shared.start_worker(n, lease_s=30) for n in ("w1", "w2")]
        states = wait_until_all_delivered(shared, ids, timeout=30)
        assert all(states.get(i) == "delivered" for i in ids), states
        check_requests(rx)
        received = Counter(rx.ids())
    assert set(received) == set(ids)
    assert [i for i, n in received.items() if n > 1] == []  # nothing sent twice
    assert sorted(shared.attempt_outcomes()) == ["delivered"] * len(ids)


def test_a_worker_killed_mid_delivery_loses_nothing(tmp_path: Path, workers: list[Any]) -> None:
    shared = Shared(tmp_path)
    with running_receiver(delay_s=0.05, hold_at=4) as rx:
        ids = enqueue_many(rx, 10)
        shared.publish()
        first = shared.start_worker("first", lease_s=1.5)
        workers.append(first)
        # The 4th POST has arrived and the receiver holds its answer: kill the sender now.
        assert rx.wait_for(4, timeout=30), "the worker never delivered"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        rx.release.set()
        in_flight = rx.ids()[-1]
        states = shared.states()
        assert states[in_flight] == "sending"  # sent, but its outcome never recorded
        assert sum(s == "delivered" for s in states.values()) == 3

        workers.append(shared.start_worker("second", lease_s=1.5))
        states = wait_until_all_delivered(shared, ids, timeout=30)
        assert all(states.get(i) == "delivered" for i in ids), states
        check_requests(rx)
        received = Counter(rx.ids())
    # At least once for every message; the one in flight at the kill came twice, with the
    # same message_id both times, so the receiver can drop the repeat.
    assert set(received) == set(ids)
    assert received[in_flight] == 2
    assert [i for i, n in received.items() if n > 1] == [in_flight]
    assert shared.attempt_outcomes().count("lost") == 1


def test_straz_worker_command_delivers_the_outbox(tmp_path: Path) -> None:
    shared = Shared(tmp_path)
    with running_receiver() as rx:
        ids = enqueue_many(rx, 3)
        shared.publish()
        env = shared.worker_env()
        proc = subprocess.run(
            [sys.executable, "-m", "straz.cli", "worker", "--once", "--quiet"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        check_requests(rx)
        assert sorted(rx.ids()) == sorted(ids)
    assert all(shared.states()[i] == "delivered" for i in ids)
