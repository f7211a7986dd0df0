"""Audit tests write checkpoints to their own directory, never to the user's state directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def checkpoint_dir(settings: Any, tmp_path: Path) -> Path:
    """A fresh checkpoint directory for each test."""
    folder = tmp_path / "audit-checkpoints"
    settings.STRAZ_AUDIT_CHECKPOINT_DIR = str(folder)
    return folder
