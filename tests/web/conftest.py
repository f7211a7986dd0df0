"""Fixtures for the web pages: reports filed through the real intake service."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

IN_A = (49.74, 13.37)
IN_B = (49.74, 13.47)
OUTSIDE = (50.5, 15.0)
SECRET_DESCRIPTION = "SECRET-DESCRIPTION-7f3a the neighbour at no. 12 dumps tyres"
REPORTER_IP = "203.0.113.77"


def jpeg_bytes() -> bytes:
    """A small real JPEG."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (24, 16), (10, 120, 40)).save(buf, format="JPEG")
    return buf.getvalue()


def browser(language: str, **extra: Any) -> Client:
    """An anonymous browser asking for pages in `language`."""
    return Client(HTTP_ACCEPT_LANGUAGE=language, **extra)


@pytest.fixture
def file_report(categories: dict[str, Any], district_a: Any, district_b: Any) -> Callable[..., Any]:
    """File a report through submit_report, each from its own IP (the daily limit)."""
    from straz.reports.models import Report
    from straz.reports.services import submit_report

    counter = {"n": 0}

    def make(
        *,
        category: str = "illegal-dump",
        point: tuple[float, float] = IN_A,
        ip: str | None = None,
        description: str = "",
        attachment: Any = None,
    ) -> Report:
        counter["n"] += 1
        result = submit_report(
            category_code=category,
            lat=point[0],
            lon=point[1],
            description=description,
            client_ip=ip or f"198.51.100.{counter['n']}",
            source="web",
            attachment=attachment,
        )
        return Report.objects.get(pk=result.report_id)

    return make
