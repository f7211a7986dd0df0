"""Benchmark of district routing: import 144 Polish municipalities, time lookups.

    .venv/bin/python benchmarks/bench_routing.py --db sqlite
    .venv/bin/python benchmarks/bench_routing.py --db postgres --lookups 2000

Imports `../shared/data/boundaries/pl-kujawsko-pomorskie-gminy.geojson` as police districts
into a throw-away database (SQLite under a temp dir, or the PostgreSQL database
`straz_bench_routing`), then prints JSON: import time, index build time, route_point
latency for points inside and outside every district, GET /api/v1/districts/lookup
latency through Django, and the throughput of vectorised route_points.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
GMINY = ROOT.parent / "shared" / "data" / "boundaries" / "pl-kujawsko-pomorskie-gminy.geojson"


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {
        "n": len(values),
        "p50_ms": pct(0.5),
        "p95_ms": pct(0.95),
        "mean_ms": round(statistics.fmean(values) * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100_000, help="points for route_points")
    args = parser.parse_args()

    os.environ["STRAZ_DATA_DIR"] = tempfile.mkdtemp(prefix="straz-bench-routing-")
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = "postgres://straz:straz@127.0.0.1:5432/straz_bench_routing"
        import psycopg

        with psycopg.connect(
            "postgresql://straz:straz@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            conn.execute("DROP DATABASE IF EXISTS straz_bench_routing")
            conn.execute("CREATE DATABASE straz_bench_routing")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "straz.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from straz.territory.services import (
        import_areas,
        invalidate_district_index,
        route_point,
        route_points,
    )

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    result = import_areas(
        features_source=GMINY, kind="police-district", code_field="kod", name_field="nazwa"
    )
    import_s = time.perf_counter() - t
    invalidate_district_index()
    t = time.perf_counter()
    route_point(lat=53.0103, lon=18.6057)
    build_s = time.perf_counter() - t

    rnd = random.Random(11)
    inside = [(rnd.uniform(52.6, 53.4), rnd.uniform(17.6, 19.2)) for _ in range(args.lookups)]
    outside = [(rnd.uniform(49.0, 50.0), rnd.uniform(13.0, 15.0)) for _ in range(args.lookups)]
    hit: list[float] = []
    routed = 0
    for lat, lon in inside:
        t = time.perf_counter()
        routed += route_point(lat=lat, lon=lon) is not None
        hit.append(time.perf_counter() - t)
    miss: list[float] = []
    for lat, lon in outside:
        t = time.perf_counter()
        assert route_point(lat=lat, lon=lon) is None
        miss.append(time.perf_counter() - t)
    client = Client()
    http: list[float] = []
    for lat, lon in inside[: min(500, len(inside))]:
        t = time.perf_counter()
        res = client.get("/api/v1/districts/lookup", {"lat": lat, "lon": lon})
        http.append(time.perf_counter() - t)
        assert res.status_code in (200, 404)
    batch = [(rnd.uniform(52.3, 53.8), rnd.uniform(17.2, 19.8)) for _ in range(args.batch)]
    t = time.perf_counter()
    answers = route_points(batch)
    batch_s = time.perf_counter() - t

    out = {
        "db": args.db,
        "districts": result.total,
        "import_s": round(import_s, 3),
        "index_build_s": round(build_s, 3),
        "route_point_inside": _summary(hit),
        "routed_inside_share": round(routed / len(inside), 3),
        "route_point_outside": _summary(miss),
        "lookup_http": _summary(http),
        "route_points_batch": {
            "points": len(batch),
            "seconds": round(batch_s, 3),
            "points_per_s": round(len(batch) / batch_s),
            "routed": sum(a is not None for a in answers),
        },
    }
    print(json.dumps(out, indent=2))
    target = ROOT / "benchmarks" / "out"
    target.mkdir(exist_ok=True)
    (target / f"routing-{args.db}.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
