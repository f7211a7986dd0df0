"""Set-up shared by the in-process benchmarks: a fresh or reused database, migrated."""

from __future__ import annotations

import os
from pathlib import Path


def setup_django(
    db: str, pg_url: str, data_dir: str, fresh: bool, env: dict[str, str] | None = None
) -> None:
    """Point Django at SQLite in `data_dir` or at `pg_url` (recreated when `fresh`); migrate."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "straz.settings")
    os.environ["STRAZ_DATA_DIR"] = data_dir
    os.environ.update(env or {})
    if db == "postgres":
        os.environ["DATABASE_URL"] = pg_url
        if fresh:
            import psycopg

            name = pg_url.rsplit("/", 1)[1]
            admin = pg_url.rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ.pop("DATABASE_URL", None)
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                p = Path(data_dir) / f"straz.sqlite3{suffix}"
                if p.exists():
                    p.unlink()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
