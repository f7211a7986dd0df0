"""Benchmark of the public map: generate N clustered reports, rebuild, time viewport queries.

    .venv/bin/python benchmarks/bench_map.py --db sqlite --reports 3000000
    .venv/bin/python benchmarks/bench_map.py --db postgres --reports 20000 --queries 100

Prints JSON (also written to benchmarks/out/map-<db>-<reports>.json). Server-side time is the
whole request through Django (middleware, Ninja, SQL, GeoJSON) with the test client,
in-process. `--reuse` keeps an existing data set of the same size (to re-measure queries).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from _setup import setup_django as _setup_django  # noqa: E402

# Cities of Czechia and Poland: (lat, lon, weight ~ population in thousands, spread km).
CITIES = [
    (50.0755, 14.4378, 1350, 7.0),
    (49.1951, 16.6068, 380, 4.5),
    (49.8209, 18.2625, 285, 5.0),
    (49.7384, 13.3736, 175, 3.5),
    (50.7663, 15.0543, 105, 3.0),
    (49.5938, 17.2509, 100, 3.0),
    (50.2092, 15.8328, 92, 3.0),
    (48.9745, 14.4743, 94, 3.0),
    (50.0343, 15.7812, 90, 3.0),
    (50.6607, 14.0323, 92, 3.0),
    (49.2265, 17.6707, 74, 2.5),
    (49.3961, 15.5912, 51, 2.5),
    (52.2297, 21.0122, 1860, 8.0),
    (50.0647, 19.9450, 800, 6.0),
    (51.7592, 19.4560, 660, 6.0),
    (51.1079, 17.0385, 670, 6.0),
    (52.4064, 16.9252, 540, 5.5),
    (54.3520, 18.6466, 490, 5.5),
    (53.4285, 14.5528, 400, 5.0),
    (53.1235, 18.0084, 340, 4.5),
    (51.2465, 22.5684, 340, 4.5),
    (50.2649, 19.0238, 290, 4.0),
    (53.1325, 23.1688, 300, 4.0),
    (54.5189, 18.5305, 245, 4.0),
    (50.8118, 19.1203, 215, 3.5),
    (51.4027, 21.1471, 210, 3.5),
    (50.2945, 18.6714, 175, 3.5),
    (50.0413, 21.9990, 195, 3.5),
    (53.7784, 20.4801, 170, 3.5),
    (50.8661, 20.6286, 190, 3.5),
]
# Land boxes for the background (south-west lon/lat, north-east lon/lat, weight).
LAND = [((12.1, 48.6, 18.8, 51.0), 0.3), ((14.2, 49.1, 24.0, 54.7), 0.7)]
STATUS_MIX = [
    ("new", 0.10),
    ("verification", 0.10),
    ("confirmed", 0.30),
    ("not_confirmed", 0.18),
    ("eliminated", 0.27),
    ("passed_on", 0.05),
]
BANDS = {"5-8": range(5, 9), "9-12": range(9, 13), "13-17": range(13, 18)}
ANYWHERE = (-10.0, 36.0, 35.0, 62.0)


def setup_django(db: str, pg_url: str, data_dir: str, fresh: bool) -> None:
    # Generated reports come from few addresses: lift the per-address daily limit.
    _setup_django(db, pg_url, data_dir, fresh, env={"STRAZ_REPORTS_PER_IP_PER_DAY": "1000000"})


def generate(n: int, seed: int) -> dict[str, Any]:
    """Clustered synthetic reports as numpy arrays (exact and public locations, statuses…)."""
    import numpy as np

    from straz.reports.models import Category
    from straz.reports.rules import CONFIRMED_FAMILY, FADING_STATUSES, public_location

    rng = np.random.default_rng(seed)
    cats = list(
        Category.objects.order_by("order", "code").values(
            "id", "public_only_when_confirmed", "public_location_approximated"
        )
    )
    # A long-tailed category mix: a few categories (dumps, speeding, drinking) dominate.
    w = 1.0 / np.arange(1, len(cats) + 1) ** 1.1
    cat_idx = rng.choice(len(cats), size=n, p=w / w.sum())
    city_w = np.array([c[2] for c in CITIES], float)
    in_city = rng.random(n) < 0.72
    lat = np.empty(n)
    lon = np.empty(n)
    nc = int(in_city.sum())
    city = rng.choice(len(CITIES), size=nc, p=city_w / city_w.sum())
    clat = np.array([c[0] for c in CITIES])[city]
    clon = np.array([c[1] for c in CITIES])[city]
    spread = np.array([c[3] for c in CITIES])[city]
    # A third of city reports come from street-level hotspots (a square, a park, a pub).
    hot = rng.random(nc) < 0.33
    hot_off = (
        rng.normal(0, 1, (len(CITIES), 25, 2)) * np.array([c[3] for c in CITIES])[:, None, None]
    )
    hot_pick = rng.integers(0, 25, nc)
    off_km = np.where(
        hot[:, None],
        hot_off[city, hot_pick] + rng.normal(0, 0.15, (nc, 2)),
        rng.normal(0, 1, (nc, 2)) * spread[:, None],
    )
    lat[in_city] = clat + off_km[:, 0] / 111.32
    lon[in_city] = clon + off_km[:, 1] / (111.32 * np.cos(np.radians(clat)))
    nb = n - nc
    land = rng.choice(len(LAND), size=nb, p=[x[1] for x in LAND])
    boxes = np.array([x[0] for x in LAND])[land]
    lon[~in_city] = boxes[:, 0] + rng.random(nb) * (boxes[:, 2] - boxes[:, 0])
    lat[~in_city] = boxes[:, 1] + rng.random(nb) * (boxes[:, 3] - boxes[:, 1])
    lat, lon = np.round(lat, 6), np.round(lon, 6)
    statuses = np.array([s for s, _ in STATUS_MIX])
    status = statuses[rng.choice(len(STATUS_MIX), size=n, p=[p for _, p in STATUS_MIX])]
    now = datetime.now(UTC)
    # Three years of reports, more of them recently (the service grows).
    age_days = 1095 * rng.power(0.7, n)
    created = np.array([now - timedelta(days=float(d)) for d in age_days])
    updated_days = np.minimum(age_days, rng.exponential(6.0, n))
    updated = np.array([now - timedelta(days=float(d)) for d in (age_days - updated_days)])
    dup = rng.random(n) < 0.03
    conf_only = np.array([cats[i]["public_only_when_confirmed"] for i in cat_idx])
    approx = np.array([cats[i]["public_location_approximated"] for i in cat_idx])
    confirmed = np.isin(status, [s.value for s in CONFIRMED_FAMILY])
    fading = np.isin(status, [s.value for s in FADING_STATUSES])
    until = updated + timedelta(days=30)
    still = np.array([u > now for u in until])
    public = ~dup & ~(conf_only & ~confirmed) & ~(fading & ~still)
    public_until = np.where(public & fading, until, None)
    plat, plon = lat.copy(), lon.copy()
    for i in np.flatnonzero(approx):
        plat[i], plon[i] = public_location(
            float(lat[i]), float(lon[i]), approximate=True, resolution=8
        )
    import h3

    h3_r9 = np.array(
        [
            int(h3.latlng_to_cell(a, b, 9), 16)
            for a, b in zip(lat.tolist(), lon.tolist(), strict=True)
        ],
        np.int64,
    )
    dup_count = np.where(rng.random(n) < 0.05, rng.integers(1, 4, n), 0)
    return {
        "category_id": np.array([cats[i]["id"] for i in cat_idx]),
        "status": status,
        "lat": lat,
        "lon": lon,
        "public_lat": plat,
        "public_lon": plon,
        "h3_r9": h3_r9,
        "created_at": created,
        "updated_at": updated,
        "is_public": public,
        "public_until": public_until,
        "duplicate_count": dup_count,
    }


def _columns() -> tuple[list[str], dict[str, Any]]:
    """Every concrete Report column with a default for those the generator does not fill."""
    from straz.reports.models import Report

    defaults: dict[str, Any] = {}
    names = []
    for f in Report._meta.concrete_fields:
        if f.primary_key:
            continue
        names.append(f.column)
        defaults[f.column] = None if f.null else f.get_default()
    return names, defaults


def load(data: dict[str, Any], n: int) -> float:
    """Bulk insert the reports (COPY on PostgreSQL, executemany on SQLite); returns seconds."""
    from django.db import connection, transaction

    from straz.reports.models import Report

    t0 = time.perf_counter()
    names, defaults = _columns()
    table = Report._meta.db_table
    step = 100_000
    pg = connection.vendor == "postgresql"
    # Indexes are dropped for the load and built afterwards (a sort instead of 3 M random
    # B-tree inserts); the SQLite page cache is raised for the same reason.
    with connection.cursor() as cur:
        if pg:
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
                [table, "%pkey"],
            )
            indexes = cur.fetchall()
            for name, _sql in indexes:
                cur.execute(f'DROP INDEX "{name}"')
        else:
            cur.execute("PRAGMA cache_size=-2000000")
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name=%s AND sql IS NOT NULL",
                [table],
            )
            indexes = cur.fetchall()
            for name, _sql in indexes:
                cur.execute(f'DROP INDEX "{name}"')
    with transaction.atomic():
        with connection.cursor() as cur:
            for lo in range(0, n, step):
                hi = min(n, lo + step)
                cols = []
                for name in names:
                    if name in data:
                        v = data[name][lo:hi]
                        if name in ("created_at", "updated_at", "public_until"):
                            v = [
                                None if x is None else connection.ops.adapt_datetimefield_value(x)
                                for x in v
                            ]
                        else:
                            v = v.tolist()
                        cols.append(v)
                    else:
                        d = defaults[name]
                        cols.append([d] * (hi - lo))
                rows = list(zip(*cols, strict=True))
                if pg:
                    with cur.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(names))
                    cur.executemany(
                        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows
                    )
    with connection.cursor() as cur:
        for _name, sql in indexes:
            cur.execute(sql)
        cur.execute(f"ANALYZE {table}")
    return time.perf_counter() - t0


def db_size() -> dict[str, Any]:
    """Size of the database, of the map aggregates and of the reports table (with indexes)."""
    from django.db import connection

    from straz.reports.models import MapCell, Report

    out: dict[str, Any] = {}
    mapcell, reports = MapCell._meta.db_table, Report._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_database_size(current_database())")
            out["database_mb"] = round(cur.fetchone()[0] / 1e6, 1)
            for label, table in (("mapcell_mb", mapcell), ("reports_mb", reports)):
                # Heap, TOAST and every index of the table.
                cur.execute("SELECT pg_total_relation_size(%s)", [table])
                out[label] = round(cur.fetchone()[0] / 1e6, 1)
        else:
            cur.execute("PRAGMA page_count")
            pages = cur.fetchone()[0]
            cur.execute("PRAGMA page_size")
            psize = cur.fetchone()[0]
            out["database_mb"] = round(pages * psize / 1e6, 1)
            try:
                # dbstat names every B-tree: the table and each of its indexes.
                cur.execute(
                    "SELECT s.name, m.tbl_name, SUM(s.pgsize) FROM dbstat s "
                    "JOIN sqlite_master m ON m.name = s.name GROUP BY s.name"
                )
                sizes = cur.fetchall()
                out["mapcell_mb"] = round(sum(b for _n, t, b in sizes if t == mapcell) / 1e6, 1)
                out["reports_mb"] = round(sum(b for _n, t, b in sizes if t == reports) / 1e6, 1)
            except Exception as exc:
                out["dbstat_error"] = str(exc)
        if out.get("reports_mb"):
            out["mapcell_to_reports"] = round(out.get("mapcell_mb", 0) / out["reports_mb"], 3)
        out["mapcell_share"] = (
            round(out.get("mapcell_mb", 0) / out["database_mb"], 3) if out["database_mb"] else None
        )
        cur.execute(f"SELECT COUNT(*) FROM {mapcell}")
        out["mapcell_rows"] = cur.fetchone()[0]
        # The resolution sits in bits 52-55 of the cell id.
        cur.execute(
            f"SELECT (cell / 4503599627370496) % 16 AS res, COUNT(*) FROM {mapcell} "
            "WHERE period_days = 0 GROUP BY res ORDER BY res"
        )
        out["mapcell_rows_all_time_by_res"] = {int(r): int(c) for r, c in cur.fetchall()}
    return out


def summary(result: dict[str, Any]) -> str:
    """A short table: sizes, then p95 per zoom band for every filter."""
    size = result["size"]
    lines = [
        f"{result['db']} {result['reports']:,} reports ({result['public_reports']:,} public): "
        f"map aggregates {size.get('mapcell_mb')} MB, reports table {size.get('reports_mb')} MB "
        f"(ratio {size.get('mapcell_to_reports')}), {size['mapcell_rows']:,} aggregate rows",
        f"{'filter':<24}" + "".join(f"{band + ' p95':>14}" for band in BANDS),
    ]
    for name, bands in result["queries"].items():
        lines.append(
            f"{name:<24}" + "".join(f"{bands[b]['p95_ms']:>11.2f} ms" for b in BANDS if b in bands)
        )
    return "\n".join(lines)


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    f, c = math.floor(k), math.ceil(k)
    return s[f] + (s[c] - s[f]) * (k - f)


def measure_queries(
    data: dict[str, Any], queries: int, seed: int, extra: dict[str, str]
) -> dict[str, Any]:
    """p50/p95 server-side milliseconds per zoom band for random 1280×800 viewports."""
    from django.test import Client

    from straz.geo.h3grid import viewport_bbox
    from straz.reports.models import Category

    rng = random.Random(seed)
    codes = list(Category.objects.values_list("code", flat=True))
    client = Client()
    lat, lon = data["lat"], data["lon"]
    out: dict[str, Any] = {}
    for band, zooms in BANDS.items():
        times: list[float] = []
        features: list[int] = []
        modes: dict[str, int] = {}
        for i in range(queries + 20):
            zoom = rng.choice(list(zooms))
            if rng.random() < 0.85:
                j = rng.randrange(len(lat))
                clat, clon = float(lat[j]), float(lon[j])
            else:
                clat, clon = (
                    rng.uniform(ANYWHERE[1], ANYWHERE[3]),
                    rng.uniform(ANYWHERE[0], ANYWHERE[2]),
                )
            bbox = viewport_bbox(clat, clon, zoom)
            params = {"bbox": ",".join(f"{v:.6f}" for v in bbox), "zoom": str(zoom), **extra}
            if params.get("category") == "*":
                params["category"] = rng.choice(codes)
            t0 = time.perf_counter()
            resp = client.get("/api/v1/map", params)
            dt = (time.perf_counter() - t0) * 1000
            if resp.status_code != 200:
                raise SystemExit(f"map query failed {resp.status_code}: {resp.content[:300]!r}")
            if i >= 20:  # the first requests warm caches and imports
                times.append(dt)
                body = json.loads(resp.content)
                features.append(len(body["features"]))
                modes[body["mode"]] = modes.get(body["mode"], 0) + 1
        out[band] = {
            "p50_ms": round(percentile(times, 0.5), 2),
            "p95_ms": round(percentile(times, 0.95), 2),
            "max_ms": round(max(times), 2),
            "n": len(times),
            "features_p50": int(percentile([float(f) for f in features], 0.5)),
            "features_max": max(features),
            "modes": modes,
        }
    return out


def measure_writes(count: int, seed: int) -> dict[str, Any]:
    """ms per report through the real write path (services.submit_report) and the map share."""
    from django.db import transaction

    from straz.reports import services
    from straz.reports.map import aggregates
    from straz.reports.models import Category, Report
    from straz.territory.models import Area, Officer

    rng = random.Random(seed)
    area = Area.objects.filter(code="BENCH-ALL").first()
    if area is None:
        ring = [[12.0, 48.5], [24.2, 48.5], [24.2, 54.9], [12.0, 54.9], [12.0, 48.5]]
        area = Area.objects.create(
            kind="police-district",
            code="BENCH-ALL",
            name="Benchmark district",
            geometry={"type": "Polygon", "coordinates": [ring]},
            min_lon=12.0,
            min_lat=48.5,
            max_lon=24.2,
            max_lat=54.9,
        )
        officer = Officer.objects.create(name="Benchmark officer")
        area.primary_officer = officer
        area.save()
    codes = list(Category.objects.offered().values_list("code", flat=True))
    points = [
        (
            CITIES[rng.randrange(len(CITIES))][0] + rng.gauss(0, 0.05),
            CITIES[rng.randrange(len(CITIES))][1] + rng.gauss(0, 0.05),
        )
        for _ in range(count)
    ]
    # Warm up (imports, district index).
    services.submit_report(
        category_code=codes[0], lat=50.08, lon=14.43, client_ip="203.0.113.1", source="api"
    )
    t0 = time.perf_counter()
    for k, (la, lo) in enumerate(points):
        services.submit_report(
            category_code=rng.choice(codes),
            lat=la,
            lon=lo,
            description="bench",
            client_ip=f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}",
            source="api",
        )
    submit_ms = (time.perf_counter() - t0) * 1000 / count
    # The map's own share: moving a footprint in and out in a transaction.
    sample = list(Report.objects.filter(is_public=True).order_by("-pk")[:count])
    t0 = time.perf_counter()
    for r in sample:
        with transaction.atomic():
            fp = aggregates.footprint_of(r)
            aggregates.apply_change(old=None, new=fp)
            aggregates.apply_change(old=fp, new=None)
    apply_ms = (time.perf_counter() - t0) * 1000 / (2 * len(sample))
    # A status change (new → verification) moves the status rows only.
    t0 = time.perf_counter()
    for r in sample:
        with transaction.atomic():
            old = aggregates.footprint_of(r)
            new = dataclasses.replace(
                old, status="verification" if old.status != "verification" else "new"
            )
            aggregates.apply_change(old=old, new=new)
            aggregates.apply_change(old=new, new=old)
    status_ms = (time.perf_counter() - t0) * 1000 / (2 * len(sample))
    return {
        "submit_report_ms_per_report": round(submit_ms, 3),
        "apply_change_create_or_remove_ms": round(apply_ms, 3),
        "apply_change_status_ms": round(status_ms, 3),
        "n": count,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--reports", type=int, default=20_000)
    ap.add_argument(
        "--queries", type=int, default=300, help="measured queries per zoom band and filter"
    )
    ap.add_argument("--writes", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reuse", action="store_true", help="keep an existing data set of this size")
    ap.add_argument("--pg-url", default="postgres://straz:straz@127.0.0.1:5432/straz_h1_bench")
    ap.add_argument("--data-dir", default="/tmp/straz-h1-bench")
    ap.add_argument("--skip-periods", action="store_true")
    ap.add_argument(
        "--rebuild", action="store_true", help="with --reuse: rebuild the aggregates anyway"
    )
    args = ap.parse_args()

    data_dir = f"{args.data_dir}-{args.db}-{args.reports}"
    pg_url = f"{args.pg_url}_{args.reports}"
    fresh = not args.reuse
    setup_django(args.db, pg_url, data_dir, fresh)
    from straz.reports.map import aggregates
    from straz.reports.models import Report

    result: dict[str, Any] = {
        "db": args.db,
        "reports": args.reports,
        "load_before": os.getloadavg(),
    }
    t0 = time.perf_counter()
    data = generate(args.reports, args.seed)
    result["generate_s"] = round(time.perf_counter() - t0, 1)
    if fresh or Report.objects.count() < args.reports:
        result["insert_s"] = round(load(data, args.reports), 1)
    if "insert_s" in result or args.rebuild:
        t0 = time.perf_counter()
        result["rebuild_rows"] = aggregates.rebuild()
        result["rebuild_s"] = round(time.perf_counter() - t0, 1)
        if args.db == "postgres":
            from django.db import connection

            with connection.cursor() as cur:
                # FULL: a rebuild deletes the old rows; measure the table, not its dead rows.
                cur.execute("VACUUM FULL ANALYZE reports_mapcell")
        else:
            from django.db import connection

            with connection.cursor() as cur:
                cur.execute("ANALYZE")
    # The worker runs this every minute; the backlog that built up while the data set was
    # loaded (reports whose public period ended meanwhile) belongs to it, not to a map read.
    t0 = time.perf_counter()
    result["maintenance_before_queries"] = aggregates.maintain_public_map()
    result["maintenance_s"] = round(time.perf_counter() - t0, 2)
    result["public_reports"] = Report.objects.filter(is_public=True).count()
    result["size"] = db_size()
    result["queries"] = {
        "all_time": measure_queries(data, args.queries, args.seed, {}),
        "all_time_one_category": measure_queries(
            data, args.queries, args.seed + 1, {"category": "*"}
        ),
    }
    if not args.skip_periods:
        for period in ("7d", "30d", "365d"):
            result["queries"][f"{period}"] = measure_queries(
                data, max(50, args.queries // 3), args.seed + 2, {"period": period}
            )
            result["queries"][f"{period}_one_category"] = measure_queries(
                data, max(50, args.queries // 3), args.seed + 3, {"period": period, "category": "*"}
            )
        result["queries"]["status_confirmed"] = measure_queries(
            data, max(50, args.queries // 3), args.seed + 4, {"status": "confirmed"}
        )
        result["queries"]["status_confirmed_one_category"] = measure_queries(
            data,
            max(50, args.queries // 3),
            args.seed + 5,
            {"status": "confirmed", "category": "*"},
        )
    result["writes"] = measure_writes(args.writes, args.seed)
    result["load_after"] = os.getloadavg()
    text = json.dumps(result, indent=2, default=str)
    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"map-{args.db}-{args.reports}.json").write_text(text)
    print(text)
    print(summary(result), file=sys.stderr)


if __name__ == "__main__":
    main()
