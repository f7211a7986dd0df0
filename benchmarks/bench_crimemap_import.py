"""Benchmark of the crime-map import: generate a monthly GeoJSON of N offences and import it.

    .venv/bin/python benchmarks/bench_crimemap_import.py --db sqlite --records 100000
    .venv/bin/python benchmarks/bench_crimemap_import.py --db postgres --records 100000

Measures, on a fresh database: a first import keeping the map layer exact batch by batch,
a re-import where nothing changed, a re-import where every record changed (state), and a
first import with one map rebuild at the end (--rebuild-map). Prints JSON (also written to
benchmarks/out/crimemap-<db>-<records>.json) with records/s and the peak memory, which
stays flat because the file is streamed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
CODE_LISTS = ROOT / "tests" / "reports" / "data" / "crimemap"
TYPES = [311, 312, 321, 3211, 12, 121, 41, 42, 51, 52, 22, 23]


def write_month(path: Path, n: int, seed: int, state_shift: int = 0) -> int:
    """A FeatureCollection like the police's monthly file, written feature by feature."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        for i in range(n):
            feature = {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(12.2 + rng.random() * 6.6, 6),
                        round(48.6 + rng.random() * 2.4, 6),
                    ],
                },
                "properties": {
                    "id": 30_000_000 + i,
                    "date": f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00",
                    "state": 1 + (i + state_shift) % 6,
                    "relevance": 1 + i % 3,
                    "types": [rng.choice(TYPES)],
                    "mp": i % 7 == 0,
                },
            }
            f.write(json.dumps(feature) + (",\n" if i < n - 1 else "\n"))
        f.write("]}\n")
    return path.stat().st_size


def setup_django(db: str, pg_url: str, data_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "straz.settings")
    os.environ["STRAZ_DATA_DIR"] = data_dir
    if db == "postgres":
        import psycopg

        os.environ["DATABASE_URL"] = pg_url
        name = pg_url.rsplit("/", 1)[1]
        with psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ.pop("DATABASE_URL", None)
        for suffix in ("", "-wal", "-shm"):
            (Path(data_dir) / f"straz.sqlite3{suffix}").unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(label: str, paths: list[Path], n: int, **options: Any) -> dict[str, Any]:
    from straz.reports.crimemap.importer import import_paths

    start = time.perf_counter()
    summaries = import_paths(paths, **options)
    seconds = time.perf_counter() - start
    data = summaries[-1]
    return {
        "step": label,
        "seconds": round(seconds, 2),
        "records_per_s": round(n / seconds),
        "inserted": data.inserted,
        "updated": data.updated,
        "unchanged": data.unchanged,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--pg-url", default="postgres://straz:straz@127.0.0.1:5432/straz_bench_crimemap"
    )
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="straz-crimemap-bench-") as tmp:
        work = Path(tmp)
        setup_django(args.db, args.pg_url, str(work))
        from django.db import connection

        from straz.reports.crimemap.importer import import_paths
        from straz.reports.models import CrimeRecord, MapCell, MapLayer

        month = work / "202403.geojson"
        changed = work / "202403-changed.geojson"
        size = write_month(month, args.records, seed=1)
        write_month(changed, args.records, seed=1, state_shift=1)
        import_paths(
            [CODE_LISTS / "types.json", CODE_LISTS / "states.json", CODE_LISTS / "relevance.json"]
        )
        steps = [
            timed("first import, map exact per batch", [month], args.records),
            timed("re-import, nothing changed", [month], args.records),
            timed("re-import, every record changed", [changed], args.records),
        ]
        public = CrimeRecord.objects.filter(is_public=True).count()
        CrimeRecord.objects.all().delete()
        MapCell.objects.filter(layer=MapLayer.POLICE_DATA).delete()
        steps.append(
            timed(
                "first import, one map rebuild at the end", [month], args.records, rebuild_map=True
            )
        )
        result = {
            "benchmark": "crimemap_import",
            "db": args.db,
            "vendor": connection.vendor,
            "records": args.records,
            "file_mb": round(size / 1e6, 1),
            "public_records": public,
            "steps": steps,
            "load_average": os.getloadavg(),
        }
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / f"crimemap-{args.db}-{args.records}.json").write_text(
        json.dumps(result, indent=2) + "\n"
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
