"""Login lockout with back-off on top of django-axes (ADR 0024).

Axes counts failed logins per account and per address (AXES_LOCKOUT_PARAMETERS) and keeps
them for AXES_COOLOFF_TIME. This handler narrows the window in which they count to
`rules.lockout_window`: a client that reached the limit waits the base cool-off, and each
failure after that doubles the wait, so a patient guesser gets a handful of tries a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from straz.accounts.rules import lockout_window
from straz.core.config import straz_settings


def _memory() -> timedelta:
    value = settings.AXES_COOLOFF_TIME
    return value if isinstance(value, timedelta) else timedelta(hours=float(value))


def _window(failures: int, limit: int) -> timedelta:
    base = timedelta(minutes=float(straz_settings().login_cooloff_minutes))
    return lockout_window(failures, limit=limit, base=base, cap=_memory())


def _now(request: HttpRequest) -> datetime:
    at = getattr(request, "axes_attempt_time", None)
    return at if at is not None else timezone.now()


class BackoffDatabaseHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """Axes' database handler with a lockout window that grows with the failures."""

    def _remembered(self, request: HttpRequest, credentials: dict[str, Any] | None) -> list[QuerySet[Any]]:
        since = _now(request) - _memory()
        return [qs.filter(attempt_time__gte=since) for qs in self.filter_user_attempts(request, credentials)]

    def get_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> list[QuerySet[Any]]:
        """Per lockout parameter, the attempts inside that client's own window."""
        limit = get_failure_limit(request, credentials)
        now = _now(request)
        narrowed = []
        for attempts in self._remembered(request, credentials):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            narrowed.append(attempts.filter(attempt_time__gte=now - _window(failures, limit)))
        return narrowed


def lockout_ends_at(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime | None:
    """When the lockout of this request's account or address ends (None: not locked)."""
    handler = BackoffDatabaseHandler()
    limit = get_failure_limit(request, credentials)
    ends: list[datetime] = []
    for attempts in handler._remembered(request, credentials):
        row = attempts.aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        failures, last = row["n"] or 0, row["last"]
        if last is not None and failures >= limit:
            end = last + _window(failures, limit)
            if end > _now(request):
                ends.append(end)
    return max(ends) if ends else None
