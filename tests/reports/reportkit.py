"""Helpers for the intake/workflow/API tests: files, counts, a citizen's submission."""

from __future__ import annotations

import io
from typing import Any

from straz.accounts.models import AuditEntry

# A point inside district A (conftest: square 13.35..13.39 × 49.72..49.76).
IN_A = (49.74, 13.37)
IN_B = (49.74, 13.47)
OUTSIDE = (50.5, 15.0)


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (32, 24)) -> bytes:
    """A small real image in a Pillow format."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buf, format=fmt)
    return buf.getvalue()


def pdf_bytes(extra: dict[str, Any] | None = None) -> bytes:
    """A well-formed one-page PDF written by pypdf; `extra` entries go into its catalogue."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    for key, value in (extra or {}).items():
        writer._root_object[key] = value
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


PDF_BYTES = pdf_bytes()


def counts() -> dict[str, int]:
    """Row counts of everything a submission may write."""
    from straz.reports.models import (
        Attachment,
        IdempotencyRecord,
        InternalNote,
        Report,
        ReportEvent,
    )

    return {
        "reports": Report.objects.count(),
        "events": ReportEvent.objects.count(),
        "attachments": Attachment.objects.count(),
        "notes": InternalNote.objects.count(),
        "idempotency": IdempotencyRecord.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def submit(**overrides: Any) -> Any:
    """Submit a report through the service with sensible defaults."""
    from straz.reports.services import submit_report

    kwargs: dict[str, Any] = {
        "category_code": "illegal-dump",
        "lat": IN_A[0],
        "lon": IN_A[1],
        "client_ip": "203.0.113.10",
        "source": "api",
    }
    kwargs.update(overrides)
    return submit_report(**kwargs)
