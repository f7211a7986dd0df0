"""Statistics pages (thin views over analytics.services)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def statistics_page(request: HttpRequest) -> HttpResponse:
    """Public statistics of the threat map."""
    return render(request, "analytics/statistics.html")
