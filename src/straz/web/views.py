"""Thin page views; the work happens in each domain's services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def map_page(request: HttpRequest) -> HttpResponse:
    """The public threat map."""
    return render(request, "web/map.html")


@login_required
def staff_queue(request: HttpRequest) -> HttpResponse:
    """An officer's queue of reports (placeholder until the staff UI lands)."""
    return render(request, "web/staff_queue.html")
