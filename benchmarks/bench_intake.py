"""Benchmark of citizen intake and the staff workflow through the HTTP API (in-process).

    .venv/bin/python benchmarks/bench_intake.py --db sqlite --reports 2000
    .venv/bin/python benchmarks/bench_intake.py --db postgres --reports 2000

Uses a throw-away database (SQLite under a temp dir, or the PostgreSQL database
`straz_bench_intake`), one police district covering the sampled area, and prints JSON
with latency percentiles of POST /reports (each from its own address), staff transitions
and the staff queue, plus the size of the background already stored.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": _pct(values, 0.5),
        "p95_ms": _pct(values, 0.95),
        "mean_ms": round(statistics.fmean(values) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--reports", type=int, default=1000)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="straz-bench-intake-")
    os.environ["STRAZ_DATA_DIR"] = data_dir
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = "postgres://straz:straz@127.0.0.1:5432/straz_bench_intake"
        import psycopg

        with psycopg.connect(
            "postgresql://straz:straz@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            conn.execute("DROP DATABASE IF EXISTS straz_bench_intake")
            conn.execute("CREATE DATABASE straz_bench_intake")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "straz.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    from straz.accounts.auth import issue_token
    from straz.accounts.models import Role, User
    from straz.territory.models import Area, Officer

    ring = [[13.0, 49.5], [13.8, 49.5], [13.8, 50.0], [13.0, 50.0], [13.0, 49.5]]
    area = Area.objects.create(
        kind="police-district",
        code="B-1",
        name="Bench",
        geometry={"type": "Polygon", "coordinates": [ring]},
        min_lon=13.0,
        max_lon=13.8,
        min_lat=49.5,
        max_lat=50.0,
    )
    officer = Officer.objects.create(name="Bench officer")
    officer.districts.add(area)
    user = User.objects.create_user(username="bench", password="x", role=Role.OFFICER)
    user.districts.add(area)
    token = issue_token(user=user)
    rnd = random.Random(7)

    post: list[float] = []
    ids: list[int] = []
    # One client (one handler, like a long-running server process); each post from its own address.
    client = Client()
    for i in range(args.reports):
        address = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        body = {
            "category": rnd.choice(
                ["cz-illegal-dump", "cz-bad-parking", "cz-speeding", "cz-night-noise"]
            ),
            "lat": rnd.uniform(49.55, 49.95),
            "lon": rnd.uniform(13.05, 13.75),
            "description": "benchmark",
        }
        t = time.perf_counter()
        res = client.post(
            "/api/v1/reports",
            data=json.dumps(body),
            content_type="application/json",
            REMOTE_ADDR=address,
        )
        post.append(time.perf_counter() - t)
        assert res.status_code == 201, res.content
        ids.append(res.json()["id"])

    staff = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    transition: list[float] = []
    for rid in rnd.sample(ids, min(200, len(ids))):
        t = time.perf_counter()
        res = staff.post(
            f"/api/v1/staff/reports/{rid}/transition",
            data=json.dumps({"status": "verification"}),
            content_type="application/json",
            **auth,
        )
        transition.append(time.perf_counter() - t)
        assert res.status_code == 200, res.content
    queue: list[float] = []
    for _ in range(50):
        t = time.perf_counter()
        res = staff.get("/api/v1/staff/reports?limit=50", **auth)
        queue.append(time.perf_counter() - t)
        assert res.status_code == 200
    result: dict[str, Any] = {
        "db": args.db,
        "reports": args.reports,
        "post_report": _summary(post),
        "staff_transition": _summary(transition),
        "staff_queue_50": _summary(queue),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / f"intake-{args.db}-{args.reports}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
