"""The periodic-job registry and the worker loop that runs it.

Each wing registers its own jobs in its `AppConfig.ready()`; core knows none of them. A
job returns something truthy when it did work (printed by the worker unless quiet).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    """A job the worker runs every `interval` seconds."""

    name: str
    interval: float
    run: Callable[[], object]


_REGISTRY: dict[str, PeriodicJob] = {}


def register_job(name: str, interval: float, run: Callable[[], object]) -> None:
    """Register (or replace, by name) a periodic job; called from an app's ready()."""
    if interval <= 0:
        raise ValueError(f"job {name!r}: the interval must be positive")
    _REGISTRY[name] = PeriodicJob(name=name, interval=float(interval), run=run)


def registered_jobs() -> list[PeriodicJob]:
    """Every registered job, in registration order."""
    return list(_REGISTRY.values())


def run_worker(
    *,
    quiet: bool = False,
    once: bool = False,
    poll: float = 5.0,
    jobs: list[PeriodicJob] | None = None,
) -> None:
    """Run the registered jobs forever (or one round with once=True); a failing job is logged."""
    chosen = registered_jobs() if jobs is None else jobs
    last: dict[str, float] = {}
    while True:
        now = time.monotonic()
        for job in chosen:
            if once or now - last.get(job.name, -1e9) >= job.interval:
                try:
                    result = job.run()
                    if not quiet and result:
                        print(f"[worker] {job.name}: {result}", flush=True)
                except Exception:
                    logger.exception("periodic job %s failed", job.name)
                last[job.name] = now
        if once:
            return
        time.sleep(poll)
