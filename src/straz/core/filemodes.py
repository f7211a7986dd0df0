"""Data files are private to the account that runs Straz (ADR 0027).

The data directory (SQLite database, uploads, exports, the secret key) is 0700 and new
files are 0600: the processes that write there (serve, worker, demo, every `straz`
command) set a umask of 077 at start, and the places that write a file name its mode.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def restrict_new_files() -> None:
    """From now on this process creates files 0600 and directories 0700."""
    os.umask(PRIVATE_UMASK)


def make_private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed and leave it 0700; returns it."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR_MODE)
    return path


def secure_data_dir(path: Path | str) -> None:
    """Start-up of a Straz process: private umask and a data directory no one else enters."""
    restrict_new_files()
    make_private_dir(Path(path))
