"""The background job loop: the task queue plus periodic jobs (deadlines, expiry)."""

from __future__ import annotations

import logging
import time

logger = logging.getLogger(__name__)

# Periodic jobs registered by domains: (name, interval seconds, callable).
PERIODIC: list[tuple[str, float, object]] = []


def run_worker(*, quiet: bool = False, once: bool = False, poll: float = 5.0) -> None:
    """Run periodic jobs forever (or one round with once=True)."""
    from straz.incidents.reporting import periodic_jobs as incident_jobs
    from straz.notifications.delivery import periodic_jobs as outbox_jobs
    from straz.reports.jobs import periodic_jobs

    jobs = [*periodic_jobs(), *outbox_jobs(), *incident_jobs()]
    last: dict[str, float] = {}
    while True:
        now = time.monotonic()
        for name, interval, func in jobs:
            if once or now - last.get(name, -1e9) >= interval:
                try:
                    result = func()
                    if not quiet and result:
                        print(f"[worker] {name}: {result}", flush=True)
                except Exception:
                    logger.exception("periodic job %s failed", name)
                last[name] = now
        if once:
            return
        time.sleep(poll)
