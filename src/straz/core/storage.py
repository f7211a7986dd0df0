"""Where files live: Django's storage API, local disk by default, an S3-compatible store when configured.

Several `straz serve` processes on several machines share one database and one file store
(ADR 0038). Report attachments go through the `default` storage of `settings.STORAGES`:
with `STRAZ_STORAGE=s3` (or `STRAZ_S3_BUCKET` set) a bucket of an S3-compatible store
(django-storages), otherwise MEDIA_ROOT under the data directory, written durably.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage

FILESYSTEM = "filesystem"
S3 = "s3"
STORAGE_KINDS = (FILESYSTEM, S3)
# The storage alias of report attachments, besides Django's own "staticfiles".
ATTACHMENTS = "default"


class StorageConfigError(ValueError):
    """The storage environment variables contradict each other or miss a value."""


class DurableFileSystemStorage(FileSystemStorage):
    """FileSystemStorage that fsyncs the file and its folder: an acknowledged upload survives a crash."""

    def _save(self, name: str, content: Any) -> str:
        saved = str(super()._save(name, content))  # type: ignore[misc]
        path = Path(self.path(saved))
        for target, flags in ((path, os.O_RDONLY), (path.parent, os.O_RDONLY)):
            fd = os.open(target, flags)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return saved


def storage_kind(env: Mapping[str, str]) -> str:
    """'s3' or 'filesystem', as STRAZ_STORAGE (or a configured bucket) says."""
    raw = (env.get("STRAZ_STORAGE") or "").strip().lower()
    if not raw:
        return S3 if (env.get("STRAZ_S3_BUCKET") or "").strip() else FILESYSTEM
    if raw not in STORAGE_KINDS:
        raise StorageConfigError(
            f"STRAZ_STORAGE={raw!r}: expected one of {', '.join(STORAGE_KINDS)}"
        )
    return raw


def _s3_options(env: Mapping[str, str]) -> dict[str, Any]:
    bucket = (env.get("STRAZ_S3_BUCKET") or "").strip()
    if not bucket:
        raise StorageConfigError("STRAZ_STORAGE=s3 needs STRAZ_S3_BUCKET")
    base = (env.get("STRAZ_S3_PREFIX") or "").strip().strip("/")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": base,
        # Objects are private; Straz serves them itself after its access checks.
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
    endpoint = (env.get("STRAZ_S3_ENDPOINT_URL") or "").strip()
    if endpoint:
        options["endpoint_url"] = endpoint
    region = (env.get("STRAZ_S3_REGION") or "").strip()
    if region:
        options["region_name"] = region
    style = (env.get("STRAZ_S3_ADDRESSING_STYLE") or "").strip()
    if style:
        if style not in {"path", "virtual", "auto"}:
            raise StorageConfigError(
                f"STRAZ_S3_ADDRESSING_STYLE={style!r}: expected path, virtual or auto"
            )
        options["addressing_style"] = style
    # Credentials come from boto3's own chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
    # AWS_PROFILE, an instance role... never from Straz's settings.
    return options


def storages_setting(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Django's STORAGES for this environment (attachments and static files)."""
    if storage_kind(env) == S3:
        attachments: dict[str, Any] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": _s3_options(env),
        }
    else:
        # No location: it follows settings.MEDIA_ROOT (and overrides of it in tests).
        attachments = {"BACKEND": "straz.core.storage.DurableFileSystemStorage"}
    return {
        ATTACHMENTS: attachments,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
