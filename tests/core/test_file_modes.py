"""Data files are private to the service account (ADR 0027): var/ 0700, files 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

import straz
from straz.core import intake as core_intake

SHARED_UMASK = 0o022  # the usual default: files 0644, directories 0755

# The source tree under test, for the fresh interpreters these tests start.
SRC = str(Path(straz.__file__).resolve().parents[1])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """Run with the common 022 umask, and give the process its umask back afterwards."""
    before = os.umask(SHARED_UMASK)
    try:
        yield
    finally:
        os.umask(before)


def test_a_fresh_data_directory_and_secret_key_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STRAZ_")}
    clean["PYTHONPATH"] = os.pathsep.join([SRC, clean.get("PYTHONPATH", "")])
    subprocess.run(
        [sys.executable, "-c", "import os; os.umask(0o022); import straz.settings"],
        env={**clean, "STRAZ_DATA_DIR": str(data_dir)},
        check=True,
        timeout=120,
    )
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "secret_key") == 0o600


def test_the_straz_command_creates_the_database_private(tmp_path: Path) -> None:
    """`straz manage migrate` on a new data directory: a 0600 database in a 0700 folder."""
    data_dir = tmp_path / "var"
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("STRAZ_") and k != "DATABASE_URL"
    }
    clean["PYTHONPATH"] = os.pathsep.join([SRC, clean.get("PYTHONPATH", "")])
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; os.umask(0o022); from straz.cli import main; main(sys.argv[1:])",
            "manage",
            "migrate",
            "--verbosity=0",
        ],
        env={**clean, "STRAZ_DATA_DIR": str(data_dir)},
        check=True,
        timeout=300,
    )
    database = data_dir / "straz.sqlite3"
    assert database.exists()
    assert mode(data_dir) == 0o700
    assert mode(database) == 0o600


@pytest.mark.django_db
def test_the_worker_closes_an_existing_data_directory_and_sets_a_private_umask(
    tmp_path: Path, settings: Any, usual_umask: None
) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o755)
    os.chmod(data_dir, 0o755)
    settings.DATA_DIR = data_dir
    call_command("worker", "--once", "--quiet")
    assert mode(data_dir) == 0o700
    later = data_dir / "exports" / "written-later.csv"
    later.parent.mkdir()
    later.write_text("x")
    assert mode(later.parent) == 0o700 and mode(later) == 0o600


@pytest.mark.django_db
def test_attachments_are_stored_private_whatever_the_umask(
    district_a: Any, categories: dict[str, Any], tmp_path: Path, settings: Any, usual_umask: None
) -> None:
    from straz.reports import services
    from tests.reports.reportkit import IN_A, image_bytes

    settings.MEDIA_ROOT = tmp_path / "media"
    result = services.submit_report(
        category_code="illegal-dump",
        lat=IN_A[0],
        lon=IN_A[1],
        description="",
        occurred_at=None,
        address_text="",
        attachment=core_intake.IncomingAttachment(name="a.png", data=image_bytes("PNG")),
        client_ip="198.51.100.77",
        source="api",
        idempotency_key=None,
    )
    stored = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert result.status_code == 201 and len(stored) == 1
    assert mode(stored[0]) == 0o600
    assert mode(stored[0].parent) == 0o700
