"""Public downloads of single reports served from files on disk, regenerated at most every
few minutes.

A national data set (3 M reports) takes minutes of CPU to write as CSV or GeoJSON; the
public download is the same for every visitor with the same filter and language, so it
is written once to a file and streamed from disk with an ETag and Last-Modified (a
repeat request answers 304). Rules:

* a file is used while it is younger than PUBLIC_EXPORT_MAX_AGE_MINUTES (default 10) —
  the public download may lag writes by that much, never more (also a report whose
  public period ended: at national scale one does so every few seconds, so waiting for
  none would mean never reusing a file);
* a change of a category's public rules (approximated location, public only once
  confirmed) ends every file at once (`invalidate_public_exports`, after the commit);
* files that took less than CHEAP_SECONDS to write are not reused at all: a small
  deployment always serves the current state, the cache only pays where it must;
* one process writes a given file at a time (a lock file); others serve the previous
  file meanwhile, or wait for the first one.

Staff downloads are not cached: they are live, scoped and audited (views.py).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import override

from straz.analytics import exports, services
from straz.analytics.services import PUBLIC, StatisticsFilter

CHEAP_SECONDS = 2.0
FORMATS = ("csv", "geojson")


@dataclass(frozen=True)
class ExportFile:
    """A written public download: where it is and what identifies its content."""

    path: Path
    etag: str
    generated_at: datetime
    valid_until: datetime | None
    seconds: float


def max_age() -> timedelta:
    """How long a written public download may be served (lag behind writes)."""
    return timedelta(minutes=float(settings.STRAZ.get("PUBLIC_EXPORT_MAX_AGE_MINUTES", 10)))


def _folder() -> Path:
    folder = Path(settings.DATA_DIR) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _key(fmt: str, filters: StatisticsFilter, language: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in sorted(filters.as_query().items()))
    return hashlib.sha256(f"{fmt}|{language}|{query}".encode()).hexdigest()[:32]


def _read_meta(path: Path) -> ExportFile | None:
    meta = path.with_suffix(".json")
    try:
        data = json.loads(meta.read_text())
    except (OSError, ValueError):
        return None
    if not path.exists():
        return None
    until = data.get("valid_until")
    return ExportFile(
        path=path,
        etag=str(data["etag"]),
        generated_at=datetime.fromisoformat(data["generated_at"]),
        valid_until=datetime.fromisoformat(until) if until else None,
        seconds=float(data["seconds"]),
    )


def _usable(found: ExportFile | None, now: datetime) -> bool:
    if found is None or found.seconds < CHEAP_SECONDS:
        return False
    return now - found.generated_at < max_age()


def invalidate_public_exports() -> int:
    """Stop serving every written public download (their next request writes them anew)."""
    gone = 0
    for meta in _folder().glob("public-*.json"):
        try:
            meta.unlink()
            gone += 1
        except OSError:
            pass
    return gone


def _chunks(fmt: str, filters: StatisticsFilter, now: datetime) -> Iterator[str]:
    fields = services.export_fields(PUBLIC)
    rows = services.export_reports(user=None, filters=filters, audience=PUBLIC, now=now)
    if fmt == "csv":
        return exports.csv_stream(fields, rows)
    return exports.geojson_stream(fields, rows)


def _write(path: Path, fmt: str, filters: StatisticsFilter, language: str) -> ExportFile:
    from straz.reports.models import Report

    now = timezone.now()
    t0 = time.perf_counter()
    digest = hashlib.sha256()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with override(language), tmp.open("wb") as out:
        for chunk in _chunks(fmt, filters, now):
            data = chunk.encode("utf-8")
            digest.update(data)
            out.write(data)
        out.flush()
        os.fsync(out.fileno())
    # For information: the first moment a report in the file leaves the public view.
    until = Report.objects.filter(is_public=True, public_until__gt=now).aggregate(
        m=Min("public_until")
    )["m"]
    written = ExportFile(
        path=path,
        etag=f'"{digest.hexdigest()[:40]}"',
        generated_at=now,
        valid_until=until,
        seconds=time.perf_counter() - t0,
    )
    os.replace(tmp, path)
    meta = {
        "etag": written.etag,
        "generated_at": now.astimezone(UTC).isoformat(),
        "valid_until": until.astimezone(UTC).isoformat() if until else None,
        "seconds": written.seconds,
        "format": fmt,
        "language": language,
        "filters": filters.as_query(),
    }
    meta_tmp = path.with_name(f".{path.stem}.{os.getpid()}.json.tmp")
    meta_tmp.write_text(json.dumps(meta))
    os.replace(meta_tmp, path.with_suffix(".json"))
    return written


def public_export(*, fmt: str, filters: StatisticsFilter, language: str) -> ExportFile:
    """The public download for a filter and language, written now if the last one is too old."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    path = _folder() / f"public-{_key(fmt, filters, language)}.{fmt}"
    found = _read_meta(path)
    if _usable(found, timezone.now()):
        assert found is not None
        return found
    with path.with_suffix(".lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # Another process is writing it: serve the previous file if there is one.
            if found is not None and found.seconds >= CHEAP_SECONDS:
                return found
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            again = _read_meta(path)
            if again is not None and again != found and _usable(again, timezone.now()):
                return again
            written = _write(path, fmt, filters, language)
            _prune(_folder())
            return written
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _prune(folder: Path, *, keep: timedelta = timedelta(days=1)) -> None:
    """Drop files of filters nobody asked for in a day (best effort)."""
    cutoff = time.time() - keep.total_seconds()
    for item in folder.glob("public-*"):
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink()
        except OSError:
            pass
