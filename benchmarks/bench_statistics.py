"""Benchmark of the statistics: N reports with districts and read/verify times, then
p50/p95 of GET /api/v1/statistics (unfiltered, one district, one year, one category) and
the write cost of keeping the summaries exact.

    .venv/bin/python benchmarks/bench_statistics.py --db sqlite --reports 20000
    .venv/bin/python benchmarks/bench_statistics.py --db postgres --reports 3000000 --from-h1

Reports come from benchmarks/bench_map.py's generator (clustered points, long-tailed categories,
three years, more of them recently); this script adds what the map does not need: a grid
of 0.5° police districts with populations, read and verify times, deadlines and 3 %
duplicates (SQL UPDATEs, so that 3 M rows take minutes, not hours). `--from-h1` starts
from a copy of the map benchmark's 3 M data set (see --h1-sqlite / --h1-pg) instead of
generating it again. Every statistics request runs with an empty cache: what a visitor
pays after any write. Prints JSON (also written to benchmarks/out/statistics-<db>-<n>.json).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import statistics as pystats
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))


def _map_benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("map_benchmark", HERE / "bench_map.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GRID_LAT0, GRID_LON0, GRID_STEP = 48.5, 12.0, 0.5
GRID_ROWS, GRID_COLS = 13, 25
AREA_ID0 = 900_000


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(len(s) - 1, int(k) + 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def setup(args: argparse.Namespace) -> None:
    """Point Django at the benchmark database, creating or copying it when asked."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "straz.settings")
    data_dir = f"{args.data_dir}-{args.db}-{args.reports}"
    os.environ["STRAZ_DATA_DIR"] = data_dir
    os.environ["STRAZ_REPORTS_PER_IP_PER_DAY"] = "1000000"
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    if args.db == "postgres":
        url = f"{args.pg_url}_{args.reports}"
        os.environ["DATABASE_URL"] = url
        if not args.reuse:
            import psycopg

            name = url.rsplit("/", 1)[1]
            admin = url.rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                if args.from_h1:
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{args.h1_pg}"')
                else:
                    conn.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ.pop("DATABASE_URL", None)
        db = Path(data_dir) / "straz.sqlite3"
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            if args.from_h1:
                shutil.copyfile(args.h1_sqlite, db)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_reports(n: int, seed: int) -> dict[str, Any]:
    """Generate and load the map benchmark's reports unless the database has them."""
    bench = _map_benchmark()
    generate, load = bench.generate, bench.load
    from straz.reports.models import Category, Report
    from straz.reports.seed import seed_categories

    out: dict[str, Any] = {}
    if not Category.objects.exists():
        seed_categories()
    have = Report.objects.count()
    if have >= n:
        out["reports_present"] = have
        return out
    t0 = time.perf_counter()
    data = generate(n, seed)
    out["generate_s"] = round(time.perf_counter() - t0, 1)
    out["insert_s"] = round(load(data, n), 1)
    return out


def ensure_statistics_fields() -> dict[str, Any]:
    """Districts, read/verify times, deadlines and duplicates, filled by SQL (idempotent)."""
    from django.db import connection, transaction

    from straz.reports.models import Report
    from straz.territory.models import Area

    if Area.objects.filter(pk=AREA_ID0).exists():
        return {"fields_prepared": "already"}
    t0 = time.perf_counter()
    rng = random.Random(3)
    areas = []
    for row in range(GRID_ROWS):
        for col in range(GRID_COLS):
            lat, lon = GRID_LAT0 + row * GRID_STEP, GRID_LON0 + col * GRID_STEP
            ring = [
                [lon, lat],
                [lon + GRID_STEP, lat],
                [lon + GRID_STEP, lat + GRID_STEP],
                [lon, lat + GRID_STEP],
                [lon, lat],
            ]
            areas.append(
                Area(
                    pk=AREA_ID0 + row * 100 + col,
                    kind="police-district",
                    code=f"BENCH-{row:02d}-{col:02d}",
                    name=f"Benchmark district {row}/{col}",
                    geometry={"type": "Polygon", "coordinates": [ring]},
                    min_lon=lon,
                    min_lat=lat,
                    max_lon=lon + GRID_STEP,
                    max_lat=lat + GRID_STEP,
                    population=rng.randrange(20_000, 400_000),
                )
            )
    table = Report._meta.db_table
    pg = connection.vendor == "postgresql"
    # One UPDATE rewrites each row once; pseudo-random numbers come from the id, so that
    # the verify time can build on the read time within the same statement.
    u1 = "((id * 7919 % 1000003) / 1000003.0)"
    u2 = "((id * 104729 % 999983) / 999983.0)"
    u3 = "((id * 1299709 % 1000033) / 1000033.0)"
    read_s = f"({u1} * {u2} * 96 * 3600)"
    verify_s = f"({read_s} + {u3} * {u1} * 200 * 3600)"
    if pg:

        def plus(secs: str) -> str:
            return f"created_at + make_interval(secs => {secs})"

        def due(days: int) -> str:
            return f"created_at + interval '{days} days'"
    else:

        def plus(secs: str) -> str:
            return f"strftime('%Y-%m-%d %H:%M:%f', created_at, '+' || ({secs}) || ' seconds')"

        def due(days: int) -> str:
            return f"strftime('%Y-%m-%d %H:%M:%f', created_at, '+{days} days')"

    grid = (
        f"{AREA_ID0} + CAST((lat - {GRID_LAT0}) / {GRID_STEP} AS INTEGER) * 100"
        f" + CAST((lon - {GRID_LON0}) / {GRID_STEP} AS INTEGER)"
    )
    inside = (
        f"lat >= {GRID_LAT0} AND lat < {GRID_LAT0 + GRID_ROWS * GRID_STEP} AND "
        f"lon >= {GRID_LON0} AND lon < {GRID_LON0 + GRID_COLS * GRID_STEP}"
    )
    verified = "status IN ('confirmed', 'not_confirmed', 'eliminated', 'passed_on')"
    duplicate = "id % 33 = 0"
    # New reports are mostly unread; everything else was read, verified ones verified;
    # 3 % are near-duplicates of the report before them (no deadlines of their own).
    update = (
        f"UPDATE {table} SET "
        f"district_id = CASE WHEN {inside} THEN {grid} END, "
        f"read_at = CASE WHEN status <> 'new' OR id % 3 = 0 THEN {plus(read_s)} END, "
        f"verified_at = CASE WHEN {verified} THEN {plus(verify_s)} END, "
        f"read_due_at = CASE WHEN {duplicate} THEN NULL ELSE {due(2)} END, "
        f"verify_due_at = CASE WHEN {duplicate} THEN NULL ELSE {due(5)} END, "
        f"duplicate_of_id = CASE WHEN {duplicate} THEN id - 1 END"
    )
    with connection.cursor() as cur:
        # Indexes on the rewritten columns are rebuilt afterwards (a sort, not 3 M
        # random B-tree updates); SQLite gets a large page cache for the same reason.
        if pg:
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND (indexdef LIKE %s OR indexdef LIKE %s)",
                [table, "%district_id%", "%duplicate_of_id%"],
            )
        else:
            cur.execute("PRAGMA cache_size=-2000000")
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND (sql LIKE %s OR sql LIKE %s)",
                [table, "%district_id%", "%duplicate_of_id%"],
            )
        indexes = cur.fetchall()
    with transaction.atomic():
        Area.objects.bulk_create(areas)
        with connection.cursor() as cur:
            for name, _sql in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            cur.execute(update)
    # After the commit: PostgreSQL checks the deferred foreign keys there first.
    with connection.cursor() as cur:
        for _name, sql in indexes:
            cur.execute(sql)
        cur.execute(f"ANALYZE {table}")
    return {"fields_prepared_s": round(time.perf_counter() - t0, 1)}


def measure_api(requests: int, seed: int) -> dict[str, Any]:
    """p50/p95 ms of the statistics API per view, each request after emptying the cache."""
    from django.core.cache import cache
    from django.db.models import Count
    from django.test import Client

    from straz.reports.models import Report

    rng = random.Random(seed)
    client = Client()
    districts = list(
        Report.objects.exclude(district__isnull=True)
        .values("district__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("district__code", flat=True)[:50]
    )
    biggest = Report.objects.values("category__code").annotate(n=Count("id")).order_by("-n").first()
    latest = Report.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    year = latest.year - 1 if latest else 2025
    views: dict[str, Any] = {
        "unfiltered": lambda: {},
        "one_district": lambda: {"district": rng.choice(districts)},
        "one_year": lambda: {"from": f"{year}-01-01", "to": f"{year}-12-31"},
        "one_category_largest": lambda: {"category": biggest["category__code"]},
        "partial_months": lambda: {"from": f"{year}-03-15", "to": f"{year}-06-10"},
    }
    out: dict[str, Any] = {"year": year, "largest_category": biggest}
    for name, params in views.items():
        times = []
        for i in range(requests + 2):
            cache.clear()
            t0 = time.perf_counter()
            resp = client.get("/api/v1/statistics", params())
            dt = (time.perf_counter() - t0) * 1000
            if resp.status_code != 200:
                raise SystemExit(f"statistics failed {resp.status_code}: {resp.content[:300]!r}")
            if i >= 2:
                times.append(dt)
        body = json.loads(resp.content)
        out[name] = {
            "p50_ms": round(percentile(times, 0.5), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1),
            "n": len(times),
            "total": body["summary"]["total"],
        }
    return out


def measure_live(seed: int) -> dict[str, Any]:
    """One unfiltered computation the old way (GROUP BY over the reports), for comparison."""
    from django.utils import timezone

    from straz.analytics.threatmap import medians, scope

    t0 = time.perf_counter()
    scoped = scope.counted_reports(user=None)
    originals = scoped.filter(duplicate_of__isnull=True).order_by()
    list(originals.values_list("category_id", "district_id", "status").annotate())
    medians.duration_medians(
        originals, end_fields=("read_at", "verified_at"), group_field="district_id"
    )
    return {
        "live_group_by_and_medians_s": round(time.perf_counter() - t0, 2),
        "at": timezone.now().isoformat(),
    }


def measure_writes(count: int, seed: int) -> dict[str, Any]:
    """ms per submit and per status change with and without the summary upkeep."""
    from django.db.models.signals import post_save, pre_save
    from django.utils import timezone

    from straz.accounts.models import Role, User
    from straz.analytics.threatmap import summaries
    from straz.reports import services
    from straz.reports.models import Category, Report

    rng = random.Random(seed)
    admin = User.objects.filter(username="bench-admin").first()
    if admin is None:
        admin = User.objects.create_user(username="bench-admin", password="x", role=Role.ADMIN)
    codes = list(Category.objects.filter(is_active=True).values_list("code", flat=True))

    def submit_many(k: int, tag: int) -> list[int]:
        ids = []
        for i in range(k):
            res = services.submit_report(
                category_code=rng.choice(codes),
                lat=50.0 + rng.random() * 0.4,
                lon=14.2 + rng.random() * 0.4,
                client_ip=f"10.{tag}.{(i >> 8) & 255}.{i & 255}",
                source="api",
            )
            ids.append(res.report_id)
        return ids

    submit_many(5, 250)  # warm-up: imports, district index
    out: dict[str, Any] = {"n": count}
    runs: dict[str, list[float]] = {"on": [], "off": [], "on_transition": [], "off_transition": []}
    uid = "straz.analytics.threatmap.summaries"
    for rnd, mode in enumerate(("on", "off", "off", "on")):
        if mode == "off":
            pre_save.disconnect(sender=Report, dispatch_uid=uid + ".pre")
            post_save.disconnect(sender=Report, dispatch_uid=uid + ".post")
        t0 = time.perf_counter()
        ids = submit_many(count, 10 + rnd)
        runs[mode].append((time.perf_counter() - t0) * 1000 / count)
        t0 = time.perf_counter()
        for report_id in ids:
            services.transition_report(user=admin, report_id=report_id, target="verification")
        runs[mode + "_transition"].append((time.perf_counter() - t0) * 1000 / count)
        if mode == "off":
            pre_save.connect(summaries.before_report_save, sender=Report, dispatch_uid=uid + ".pre")
            post_save.connect(
                summaries.after_report_save, sender=Report, dispatch_uid=uid + ".post"
            )
    # The upkeep alone, without the rest of the use case (less noise on a loaded machine):
    # add and remove a report's contribution, and a status change, each rolled back.
    import dataclasses

    from django.db import transaction

    sample = list(Report.objects.order_by("-pk").values_list("pk", flat=True)[:count])
    states = [(pk, summaries.load_state(pk)) for pk in sample]
    t0 = time.perf_counter()
    with transaction.atomic():
        for pk, state in states:
            summaries.apply_report_change(report_id=pk, old=state, new=None)
            summaries.apply_report_change(report_id=pk, old=None, new=state)
        transaction.set_rollback(True)
    out["upkeep_ms_remove_or_add"] = round((time.perf_counter() - t0) * 1000 / (2 * count), 3)
    t0 = time.perf_counter()
    with transaction.atomic():
        for pk, state in states:
            assert state is not None
            moved = dataclasses.replace(
                state,
                status="confirmed" if state.status != "confirmed" else "eliminated",
                verified_at=state.verified_at or timezone.now(),
            )
            summaries.apply_report_change(report_id=pk, old=state, new=moved)
            summaries.apply_report_change(report_id=pk, old=moved, new=state)
        transaction.set_rollback(True)
    out["upkeep_ms_status_change"] = round((time.perf_counter() - t0) * 1000 / (2 * count), 3)
    t0 = time.perf_counter()
    for pk, _state in states[:50]:
        summaries.load_state(pk)
    out["upkeep_ms_load_old_state"] = round((time.perf_counter() - t0) * 1000 / 50, 3)
    out["submit_ms_with_summaries"] = round(pystats.mean(runs["on"]), 3)
    out["submit_ms_without_summaries"] = round(pystats.mean(runs["off"]), 3)
    out["transition_ms_with_summaries"] = round(pystats.mean(runs["on_transition"]), 3)
    out["transition_ms_without_summaries"] = round(pystats.mean(runs["off_transition"]), 3)
    out["summary_upkeep_ms_per_submit"] = round(
        out["submit_ms_with_summaries"] - out["submit_ms_without_summaries"], 3
    )
    out["summary_upkeep_ms_per_transition"] = round(
        out["transition_ms_with_summaries"] - out["transition_ms_without_summaries"], 3
    )
    # Writes made with the upkeep off left the summaries behind: bring them back.
    out["note"] = "the 'off' runs skip the summaries: rebuild before reusing the database"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--reports", type=int, default=3_000_000)
    ap.add_argument("--requests", type=int, default=20, help="measured requests per view")
    ap.add_argument("--writes", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reuse", action="store_true", help="keep the existing benchmark database")
    ap.add_argument("--from-h1", action="store_true", help="copy bench_map.py's data set to start")
    ap.add_argument("--h1-sqlite", default="/tmp/straz-h1-bench-sqlite-3000000/straz.sqlite3")
    ap.add_argument("--h1-pg", default="straz_h1_bench_3000000")
    ap.add_argument(
        "--reuse-after", action="store_true", help="rebuild the summaries after the write test"
    )
    ap.add_argument("--live", action="store_true", help="also time the old live computation once")
    ap.add_argument("--pg-url", default="postgres://straz:straz@127.0.0.1:5432/straz_h8_stats")
    ap.add_argument("--data-dir", default="/tmp/straz-h8-stats")
    args = ap.parse_args()

    result: dict[str, Any] = {
        "db": args.db,
        "reports": args.reports,
        "load_before": os.getloadavg(),
    }
    t0 = time.perf_counter()
    setup(args)
    result["setup_s"] = round(time.perf_counter() - t0, 1)
    result.update(ensure_reports(args.reports, args.seed))
    result.update(ensure_statistics_fields())
    from straz.analytics.threatmap import summaries

    result["rebuild"] = summaries.rebuild_summaries()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    result["api"] = measure_api(args.requests, args.seed)
    if args.live:
        result["old_way"] = measure_live(args.seed)
    result["writes"] = measure_writes(args.writes, args.seed)
    if args.reuse_after:
        # The runs with the upkeep switched off left the summaries behind.
        result["rebuild_after_writes"] = summaries.rebuild_summaries()
    result["load_after"] = os.getloadavg()
    text = json.dumps(result, indent=2, default=str)
    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"statistics-{args.db}-{args.reports}.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
