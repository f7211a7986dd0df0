"""HTTP load benchmark of citizen intake against a real `straz serve` process.

    .venv/bin/python benchmarks/bench_http_intake.py --reports 2000 --clients 8
    .venv/bin/python benchmarks/bench_http_intake.py --db postgres://straz:straz@127.0.0.1:5432/straz_bench_http
    .venv/bin/python benchmarks/bench_http_intake.py --serve-arg=--workers=1   # one process

The benchmark migrates a throw-away database (SQLite in a temp dir, or the PostgreSQL
database named in the URL, dropped and created afresh), adds one police district covering
the sampled area, starts `straz serve` on a free port and lets N client threads post
reports to the JSON API (POST /api/v1/reports) over keep-alive connections.

The deployment is configured as it would be behind a reverse proxy on the same machine:
STRAZ_TRUSTED_PROXIES=127.0.0.1 and STRAZ_TRUSTED_PROXY_COUNT=1, every report carrying
its own X-Forwarded-For address, so that the default limit of one report per address a
day stays in force and is exercised (a rate-limit lookup per report) without refusing
anything. Duplicate detection is left on (random points rarely fall within its radius).

Prints JSON: accepted/s over the measured phase, p50/p95/p99 latency, refusals and
errors, and the count check against the database (accepted == rows).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# The sampled area: one police district around Plzeň.
WEST, SOUTH, EAST, NORTH = 13.0, 49.5, 13.8, 50.0
CATEGORIES = ("cz-illegal-dump", "cz-bad-parking", "cz-speeding", "cz-night-noise")

SEED = """
import json, django
django.setup()
from straz.reports.models import Category
from straz.territory.models import Area, Officer
ring = [[{w}, {s}], [{e}, {s}], [{e}, {n}], [{w}, {n}], [{w}, {s}]]
area = Area.objects.create(kind="police-district", code="B-1", name="Bench",
    geometry={{"type": "Polygon", "coordinates": [ring]}},
    min_lon={w}, max_lon={e}, min_lat={s}, max_lat={n})
Officer.objects.create(name="Bench officer").districts.add(area)
active = set(Category.objects.filter(is_active=True).values_list("code", flat=True))
print(json.dumps(sorted(active)))
"""

COUNT = """
import json, django
django.setup()
from straz.reports.models import Report
print(json.dumps({"rows": Report.objects.count()}))
"""


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def _group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of every live process in the server's process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state, ppid, pgrp, … utime (12th), stime (13th).
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_reset(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _run(env: dict[str, str], args: list[str]) -> str:
    proc = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        raise SystemExit(f"{args[:2]} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return proc.stdout


class Client(threading.Thread):
    """One client: a keep-alive connection posting reports from distinct forwarded addresses."""

    def __init__(self, *, port: int, index: int, count: int, categories: list[str]) -> None:
        super().__init__(daemon=True)
        self.port, self.index, self.count = port, index, count
        self.categories = categories
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.failures: list[str] = []
        self.ready = threading.Event()
        self.go = threading.Event()

    def _address(self, i: int) -> str:
        # A distinct documentation-range-free address per report (never repeats in a run).
        n = self.index * 1_000_000 + i
        return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"

    def _request(self, i: int, rnd: random.Random) -> tuple[str, bytes, dict[str, str]]:
        lat, lon = rnd.uniform(SOUTH + 0.05, NORTH - 0.05), rnd.uniform(WEST + 0.05, EAST - 0.05)
        category = rnd.choice(self.categories)
        headers = {"X-Forwarded-For": self._address(i), "Accept-Language": "en"}
        body = json.dumps(
            {"category": category, "lat": lat, "lon": lon, "description": "benchmark"}
        ).encode()
        headers["Content-Type"] = "application/json"
        return "/api/v1/reports", body, headers

    def run(self) -> None:
        rnd = random.Random(self.index)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.ready.set()
        self.go.wait()
        for i in range(self.count):
            path, body, headers = self._request(i, rnd)
            start = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                self.failures.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                continue
            self.latencies.append(time.perf_counter() - start)
            self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
            if resp.status != 201 and len(self.failures) < 5:
                self.failures.append(f"{resp.status}: {data[:200]!r}")
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgres:// URL")
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=80, help="reports posted before measuring")
    parser.add_argument(
        "--serve-arg",
        action="append",
        default=[],
        help="extra argument for `straz serve` (repeatable), e.g. --serve-arg=--workers=2",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="straz-bench-http-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "STRAZ_DATA_DIR"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "straz.settings",
            "PYTHONPATH": str(ROOT / "src"),
            "STRAZ_DATA_DIR": str(data_dir),
            "STRAZ_SECRET_KEY": "bench-" + uuid.uuid4().hex,
            "STRAZ_AUDIT_KEY": "bench-audit-" + uuid.uuid4().hex,
            "STRAZ_AUDIT_CHECKPOINT_DIR": str(data_dir / "checkpoints"),
            # A reverse proxy on this machine writes X-Forwarded-For (one hop).
            "STRAZ_TRUSTED_PROXIES": "127.0.0.1",
            "STRAZ_TRUSTED_PROXY_COUNT": "1",
            "STRAZ_LOG_LEVEL": "WARNING",
        }
    )
    if args.db != "sqlite":
        _pg_reset(args.db)
        env["DATABASE_URL"] = args.db
    _run(env, ["-m", "straz.cli", "migrate", "--noinput"])
    active = json.loads(
        _run(env, ["-c", SEED.format(w=WEST, s=SOUTH, e=EAST, n=NORTH)]).strip().splitlines()[-1]
    )
    categories = [c for c in CATEGORIES if c in active] or active[:4]

    port = _free_port()
    log = open(data_dir / "server.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "straz.cli", "serve", "--port", str(port), *args.serve_arg],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit((data_dir / "server.log").read_text()[-3000:])
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/api/v1/categories")
                c.getresponse().read()
                c.close()
                break
            except OSError:
                time.sleep(0.2)

        def phase(total: int, offset: int) -> tuple[list[Client], float]:
            share = [
                total // args.clients + (1 if i < total % args.clients else 0)
                for i in range(args.clients)
            ]
            clients = [
                Client(port=port, index=offset + i, count=n, categories=categories)
                for i, n in enumerate(share)
            ]
            for c in clients:
                c.start()
            for c in clients:
                c.ready.wait()
            start = time.perf_counter()
            for c in clients:
                c.go.set()
            for c in clients:
                c.join()
            return clients, time.perf_counter() - start

        warm, _ = phase(args.warmup, 100)
        cpu_before = _group_cpu_seconds(server.pid)
        clients, elapsed = phase(args.reports, 0)
        server_cpu = _group_cpu_seconds(server.pid) - cpu_before
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        log.close()

    def accepted(cs: list[Client]) -> int:
        return sum(c.statuses.get(201, 0) for c in cs)

    latencies = [x for c in clients for x in c.latencies]
    statuses: dict[str, int] = {}
    for c in clients:
        for code, n in c.statuses.items():
            statuses[str(code)] = statuses.get(str(code), 0) + n
    rows = json.loads(_run(env, ["-c", COUNT]).strip().splitlines()[-1])["rows"]
    ok = accepted(clients)
    connection_errors = sum(1 for c in clients for f in c.failures if not f[:1].isdigit())
    result: dict[str, Any] = {
        "db": "sqlite" if args.db == "sqlite" else "postgresql",
        "serve_args": args.serve_arg,
        "clients": args.clients,
        "reports": args.reports,
        "seconds": round(elapsed, 2),
        "accepted": ok,
        "rate_per_s": round(ok / elapsed, 1),
        "p50_ms": _pct(latencies, 0.50),
        "p95_ms": _pct(latencies, 0.95),
        "p99_ms": _pct(latencies, 0.99),
        "max_ms": _pct(latencies, 1.0),
        # Robust to a busy machine, unlike the rate: the server's CPU per accepted report.
        "server_cpu_ms_per_report": round(server_cpu * 1000 / max(ok, 1), 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "statuses": statuses,
        # Answers other than 201 and connections that broke: both should be zero.
        "errors": sum(len(c.latencies) for c in clients) - ok + connection_errors,
        "connection_errors": connection_errors,
        "failures_sample": [f for c in clients for f in c.failures][:5],
        "count_check": {
            "accepted_total": ok + accepted(warm),
            "rows": rows,
            "ok": rows == ok + accepted(warm),
        },
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / f"http-intake-{result['db']}-{args.reports}.json").write_text(
        json.dumps(result, indent=2)
    )
    if args.keep:
        print(f"data kept in {data_dir}", file=sys.stderr)
    else:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
