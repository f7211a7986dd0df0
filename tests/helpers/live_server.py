"""The real product in a subprocess: own data dir, own database, free port, restartable.

A `LiveServer` migrates its own database (a fresh SQLite file under its data dir, or a
freshly created PostgreSQL database when DATABASE_URL points at PostgreSQL), loads the
minimal fixtures of `seed_live.py`, runs `straz serve` on a free port and waits until it
answers. `kill()` sends SIGKILL (the durability test); `start()` brings it back on the
same data.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_SCRIPT = Path(__file__).with_name("seed_live.py")
# Env the server must not inherit from the test run (each server chooses its own).
_SCRUBBED = ("DATABASE_URL", "STRAZ_DATA_DIR", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER")


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listens_on(pid: int, port: int) -> bool:
    """True when process `pid` itself holds the listening socket of `port` (Linux /proc).

    Guards against a race on free ports: another worker's server may have taken the port
    we picked, and answering HTTP on it does not make it ours.
    """
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if (
                len(fields) > 9
                and fields[3] == "0A"
                and int(fields[1].rsplit(":", 1)[1], 16) == port
            ):
                inodes.add(fields[9])
    if not inodes:
        return False
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        links = [os.readlink(fd) for fd in fd_dir.iterdir()]
    except OSError:
        return False
    return any(link == f"socket:[{inode}]" for link in links for inode in inodes)


def is_postgres(url: str | None) -> bool:
    """True when a database URL points at PostgreSQL."""
    return bool(url) and urlsplit(url or "").scheme in {"postgres", "postgresql", "pgsql"}


def _with_dbname(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _psycopg_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, parts.fragment))


class LiveServer:
    """One Straz server process with its own data directory and database."""

    def __init__(
        self, *, base_dir: Path, extra_env: dict[str, str] | None = None, label: str = "live"
    ) -> None:
        self.base_dir = Path(base_dir)
        self.data_dir = self.base_dir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.base_dir / "server.log"
        self.label = label
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.fixtures: dict[str, Any] = {}
        self._pg_admin_url: str | None = None
        self._pg_dbname: str | None = None
        self.env = self._make_env(extra_env or {})

    # ---- set-up -------------------------------------------------------------------
    def _make_env(self, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "straz.settings",
                "STRAZ_DATA_DIR": str(self.data_dir),
                "STRAZ_SECRET_KEY": "h7-live-server-" + uuid.uuid4().hex,
                "STRAZ_DEBUG": "0",
                # Tiles from the server itself (404s): nothing may reach the internet.
                "STRAZ_TILE_URL": "/static/offline-tiles/{z}/{x}/{y}.png",
                "STRAZ_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        outer_db = os.environ.get("DATABASE_URL")
        if is_postgres(outer_db):
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            self._pg_dbname = f"straz_h7live_{worker}_{self.label}_{uuid.uuid4().hex[:8]}".lower()
            self._pg_admin_url = _with_dbname(outer_db or "", "postgres")
            env["DATABASE_URL"] = _with_dbname(outer_db or "", self._pg_dbname)
        env.update(extra)
        return env

    @property
    def database_kind(self) -> str:
        """'postgresql' or 'sqlite'."""
        return "postgresql" if self._pg_dbname else "sqlite"

    def _create_database(self) -> None:
        if not self._pg_dbname:
            return
        import psycopg

        with psycopg.connect(_psycopg_url(self._pg_admin_url or ""), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self._pg_dbname}"')

    def _drop_database(self) -> None:
        if not self._pg_dbname:
            return
        import psycopg

        with psycopg.connect(_psycopg_url(self._pg_admin_url or ""), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_dbname}" WITH (FORCE)')

    def _run(self, args: list[str], timeout: float = 300) -> str:
        proc = subprocess.run(
            [sys.executable, *args],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed ({proc.returncode}):\n"
                f"{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
            )
        return proc.stdout

    def prepare(self) -> dict[str, Any]:
        """Create the database, migrate it and load the minimal fixtures; returns them."""
        self._create_database()
        self._run(["-m", "straz.cli", "migrate", "--noinput"])
        out = self._run([str(SEED_SCRIPT)])
        self.fixtures = json.loads(out.strip().splitlines()[-1])
        return self.fixtures

    # ---- process ------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        """Start `straz serve` on a free port and wait until it answers HTTP."""
        assert self.process is None or self.process.poll() is not None, "already running"
        last_error = ""
        for _attempt in range(3):
            self.port = free_port()
            log = open(self.log_path, "ab")  # the child inherits the descriptor
            log.write(f"\n==== start on port {self.port} at {time.time():.0f}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "straz.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    last_error = self.log_tail()
                    break
                try:
                    requests.get(self.url + "/api/v1/openapi.json", timeout=2)
                except requests.RequestException:
                    time.sleep(0.2)
                    continue
                if listens_on(self.process.pid, self.port):
                    return
                time.sleep(0.2)
            else:
                self.kill()
                raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log_tail()}")
        raise RuntimeError(f"server failed to start:\n{last_error}")

    def stop(self) -> None:
        """Stop gracefully (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the server process (no clean-up, like a power cut of the process)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def restart(self) -> None:
        """Stop (if running) and start again on the same data."""
        self.stop()
        self.start()

    def destroy(self) -> None:
        """Stop the server and drop its PostgreSQL database (the temp dir is pytest's)."""
        self.kill()
        self._drop_database()

    def log_tail(self, chars: int = 6000) -> str:
        """The end of the server's log, for failure messages."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return "(no log)"

    # ---- access -------------------------------------------------------------------
    def run_django(self, code: str, timeout: float = 300) -> Any:
        """Run Python with Django set up against this server's database; returns `result`.

        The snippet assigns a JSON-serialisable value to `result`.
        """
        script = (
            "import json, django\n"
            "django.setup()\n"
            "result = None\n" + code + "\nprint('\\n' + json.dumps(result, default=str))\n"
        )
        out = self._run(["-c", script], timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    def session(self, token: str | None = None) -> requests.Session:
        """A requests session, optionally carrying a staff Bearer token."""
        s = requests.Session()
        if token:
            s.headers["Authorization"] = f"Bearer {token}"
        return s

    def token(self, username: str) -> str:
        """The API token the fixtures issued for a seeded user."""
        return str(self.fixtures["users"][username]["token"])

    def password(self, username: str) -> str:
        """The password of a seeded user."""
        return str(self.fixtures["users"][username]["password"])
