"""Connection settings that the product relies on, checked on the live connection."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.db import connection

ON_SQLITE = django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


@pytest.mark.skipif(not ON_SQLITE, reason="SQLite pragmas")
@pytest.mark.django_db
def test_sqlite_enforces_foreign_keys() -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1


@pytest.mark.skipif(ON_SQLITE, reason="PostgreSQL session settings")
@pytest.mark.django_db
def test_postgresql_sessions_run_without_jit() -> None:
    """Short web queries must not pay JIT compilation (hundreds of ms on the board)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
