"""Settings for `make mutate` only: the test database in a file kept between mutants.

mutmut runs the selected tests once per mutant; migrating a fresh in-memory database each
time costs more than the tests. With this file database and pytest-django's --reuse-db the
migrations run once. Nothing else differs from straz.settings.
"""

from __future__ import annotations

from pathlib import Path

from straz.settings import *  # noqa: F403
from straz.settings import DATABASES

_FILE = Path(__file__).resolve().parents[1] / "var" / "mutmut-test.sqlite3"
_FILE.parent.mkdir(exist_ok=True)
DATABASES["default"]["TEST"] = {"NAME": str(_FILE)}
# Tests roll back; a crash only loses a database that --create-db rebuilds.
DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=ON;"
)
