"""`straz serve --workers N`: N processes answer on one port under one supervisor (ADR 0037)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.helpers.live_server import REPO_ROOT, free_port, listens_on

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-server")]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/api/v1/openapi.json", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _wait(predicate, timeout: float = 60) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def two_process_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTEST_XDIST_WORKER"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "straz.settings",
            "STRAZ_DATA_DIR": str(tmp_path / "data"),
            "STRAZ_SECRET_KEY": "serving-" + uuid.uuid4().hex,
            "PYTHONUNBUFFERED": "1",
        }
    )
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "straz.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        started = _wait(
            lambda: proc.poll() is not None or (_answers(url) and len(_children(proc.pid)) == 2)
        )
        assert started and proc.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
        yield proc, port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        log.close()


def test_two_processes_each_answer_on_the_one_port(
    two_process_server: tuple[subprocess.Popen[bytes], int],
) -> None:
    proc, port = two_process_server
    url = f"http://127.0.0.1:{port}"
    first, second = sorted(_children(proc.pid))
    # The supervisor holds the port, and so does each serving process.
    assert listens_on(proc.pid, port)
    assert listens_on(first, port) and listens_on(second, port)
    # With either one frozen, the other answers: both serve, neither is a stand-by.
    for frozen in (first, second):
        os.kill(frozen, signal.SIGSTOP)
        try:
            assert _answers(url), f"no answer while process {frozen} was stopped"
        finally:
            os.kill(frozen, signal.SIGCONT)


def test_a_serving_process_that_dies_is_replaced(
    two_process_server: tuple[subprocess.Popen[bytes], int],
) -> None:
    proc, port = two_process_server
    url = f"http://127.0.0.1:{port}"
    victim = min(_children(proc.pid))
    os.kill(victim, signal.SIGKILL)
    assert _wait(lambda: len(_children(proc.pid) - {victim}) == 2), _children(proc.pid)
    assert _answers(url)


def test_sigterm_stops_every_process(
    two_process_server: tuple[subprocess.Popen[bytes], int],
) -> None:
    proc, _port = two_process_server
    children = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert proc.returncode is not None
    assert _wait(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children), 30)
