"""What every demo module shares: progress output."""

from __future__ import annotations

from typing import Any


def say(stdout: Any, text: str) -> None:
    """Write one line of progress to a Django OutputWrapper or a plain stream (None: silent)."""
    if stdout is not None:
        # Django's OutputWrapper adds the newline only when missing; plain streams need it.
        stdout.write(text if text.endswith("\n") else text + "\n")
