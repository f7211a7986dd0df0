"""Periodic jobs of the threat map, run by `straz worker`."""

from __future__ import annotations

from collections.abc import Callable


def periodic_jobs() -> list[tuple[str, float, Callable[[], object]]]:
    """(name, interval in seconds, job) for the worker loop."""
    return []
