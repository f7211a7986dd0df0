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


# Where each role lands after logging in: its own work, not a page chosen for another role.
# URL names (resolved by the web layer). Police roles work the report queue; the operations
# roles the incident board; the analyst reads the statistics; the crime-prevention manager
# lands on the soft-target dashboard (overdue measures first, issue 10); the administrator manages accounts and code lists in the back office.
LANDING_PAGES = {
    "officer": "reports:staff-queue",
    "supervisor": "reports:staff-queue",
    "dispatcher": "incidents:board",
    "commander": "incidents:board",
    "analyst": "analytics:statistics",
    "manager": "softtargets:dashboard",
    "admin": "admin:index",
}
DEFAULT_LANDING_PAGE = "reports:staff-queue"


def landing_page(role: str, *, is_superuser: bool = False) -> str:
    """The URL name of the page a user with this role sees first after logging in."""
    if is_superuser:
        return LANDING_PAGES["admin"]
    return LANDING_PAGES.get(role, DEFAULT_LANDING_PAGE)
