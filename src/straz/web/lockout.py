"""The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): translated, 429, says how long."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from straz.accounts.lockout import lockout_ends_at


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """Too many failed logins for this account or address: when to try again."""
    ends = lockout_ends_at(request, credentials)
    minutes = max(1, math.ceil((ends - timezone.now()).total_seconds() / 60)) if ends else None
    response = render(
        request,
        "web/locked_out.html",
        {"nav": "login", "minutes": minutes, "ends": ends},
        status=429,
    )
    if minutes is not None:
        response["Retry-After"] = str(minutes * 60)
    return response
