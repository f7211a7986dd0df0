"""Login rules (pure): how long a client waits after repeated failed logins (ADR 0024)."""

from __future__ import annotations

from datetime import timedelta

# 2**32 times any base is beyond every cap; stop doubling there.
_MAX_DOUBLINGS = 32


def lockout_window(failures: int, *, limit: int, base: timedelta, cap: timedelta) -> timedelta:
    """How far back failures count (and how long a lockout lasts) for a client with
    `failures` remembered failed logins.

    Up to the limit the window is `base`: `limit` failures within it lock the client for
    `base`. Every failure after that (the remembered count is kept until a successful login
    or until the memory ends) doubles the wait, never beyond `cap`.
    """
    if failures <= limit:
        return min(base, cap)
    doublings = failures - limit
    if doublings >= _MAX_DOUBLINGS:
        return cap
    return min(base * (1 << doublings), cap)
