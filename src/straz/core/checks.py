"""Deployment checks (`straz manage check --deploy`): state one machine keeps that others need (ADR 0038)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


def _shared_database() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3")


@register(Tags.security, deploy=True)
def shared_state_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """On a shared database, warn about keys and files that stay on one machine."""
    if not _shared_database():
        return []  # one machine by construction
    found: list[CheckMessage] = []
    if getattr(settings, "STRAZ_SECRET_KEY_SOURCE", "") == "generated":
        found.append(
            Warning(
                "SECRET_KEY was generated in this machine's data directory.",
                hint="Set STRAZ_SECRET_KEY or STRAZ_SECRET_KEY_FILE to the same value on every machine.",
                id="straz.W001",
            )
        )
    backend = settings.STORAGES.get("default", {}).get("BACKEND", "")
    if backend.endswith("FileSystemStorage"):
        found.append(
            Warning(
                "Report attachments are stored on this machine's disk.",
                hint="With several machines set STRAZ_STORAGE=s3 and STRAZ_S3_BUCKET (ADR 0038).",
                id="straz.W002",
            )
        )
    return found
