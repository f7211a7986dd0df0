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
  confirmed) ends every file at once (`invalidate_public_exports`, after the commit), on
  every machine: the files are a per-machine cache, so the end is a generation number in
  the database that each file records and must still match (ADR 0038);
* files that took less than CHEAP_SECONDS to write are not kept at all: they are served
  from an unlinked file, so a small deployment always serves the current state and
  leaves nothing on disk — the cache only pays where it must;
* the kept files use at most PUBLIC_EXPORT_CACHE_MAX_BYTES of disk: after every write
  the least recently used go first, and a file bigger than the whole cap is served once
  and not kept (ADR 0023) — every distinct filter can no longer fill the disk;
* one process writes a given file at a time (a lock file, one of a fixed set); others
  serve the previous file meanwhile, or wait for the first one.

Staff downloads are not cached: they are live, scoped and audited (views.py). Anonymous
downloads are also limited per address (analytics.throttle).
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
from typing import Any, BinaryIO

from django.conf import settings
from django.db.models import (
    F,
    Min,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import get_language, override

from straz.accounts.access import restrict
from straz.accounts.models import User
from straz.analytics import exports
from straz.analytics.models import PublicExportGeneration
from straz.analytics.policy import PUBLIC, STAFF, audience_for
from straz.analytics.threatmap.scope import (
    StatisticsFilter,
    apply_filter,
    counted_reports,
    staff_reports,
)
from straz.core.config import straz_settings
from straz.reports import policy, public
from straz.reports.models import STATUS_LABELS, Category, Report
from straz.reports.rules import Status
from straz.territory.models import Area, AreaKind, Officer

# --- rows of single reports ----------------------------------------------------------

PUBLIC_EXPORT_FIELDS = list(public.EXPORT_FIELDS)
# Staff get everything in their scope except the reporter's IP address and its hash.
STAFF_EXPORT_FIELDS = [
    "id",
    "category",
    "category_name",
    "status",
    "status_name",
    "district",
    "district_name",
    "lat",
    "lon",
    "public_lat",
    "public_lon",
    "approximate",
    "created_at",
    "updated_at",
    "occurred_at",
    "read_at",
    "verified_at",
    "read_due_at",
    "verify_due_at",
    "is_public",
    "public_until",
    "source",
    "officer",
    "duplicate_of",
    "duplicate_count",
    "address_text",
    "description",
]
_STAFF_COLUMNS = [
    "id",
    "category_id",
    "status",
    "district_id",
    "lat",
    "lon",
    "public_lat",
    "public_lon",
    "created_at",
    "updated_at",
    "occurred_at",
    "read_at",
    "verified_at",
    "read_due_at",
    "verify_due_at",
    "is_public",
    "public_until",
    "source",
    "officer_id",
    "duplicate_of_id",
    "duplicate_count",
    "address_text",
    "description",
]
# Columns only those who need to know read (ADR 0025): the exact point, address, description.
POLICE_ONLY_EXPORT_FIELDS = frozenset({"lat", "lon", "address_text", "description"})
# Staff without the need to know (analysts, managers…): workflow fields and the public point.
WORKFLOW_EXPORT_FIELDS = [f for f in STAFF_EXPORT_FIELDS if f not in POLICE_ONLY_EXPORT_FIELDS]
EXPORT_CHUNK = 2000


def export_fields(audience: str, user: User | None = None) -> list[str]:
    """Column names of a report download for an audience (and, for staff, the user)."""
    if audience != STAFF:
        return PUBLIC_EXPORT_FIELDS
    return STAFF_EXPORT_FIELDS if policy.can_read_police_only(user) else WORKFLOW_EXPORT_FIELDS


def publicly_visible_reports(*, now: datetime | None = None) -> QuerySet[Report]:
    """Reports the public sees on the map right now (also before the expiry job ran)."""
    now = now or timezone.now()
    qs = counted_reports(user=None).filter(duplicate_of__isnull=True)
    return qs.filter(public.public_now_q(now))


def _utc(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_reports(
    *,
    user: User | None,
    filters: StatisticsFilter,
    audience: str | None = None,
    now: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Rows of the report download, streamed from the database in chunks, oldest first."""
    audience = audience or audience_for(user)
    lang = get_language()
    categories = {c.pk: c for c in Category.objects.all()}
    districts = {
        a.pk: (a.code, a.name)
        for a in Area.objects.filter(kind=AreaKind.POLICE_DISTRICT).only("code", "name")
    }
    status_names = {s.value: str(STATUS_LABELS[s]) for s in Status}
    if audience != STAFF:
        # The public download is the public projection's, row by row.
        public_qs = apply_filter(publicly_visible_reports(now=now), filters).order_by("id")
        for values in public_qs.values_list(*public.EXPORT_COLUMNS).iterator(
            chunk_size=EXPORT_CHUNK
        ):
            yield public.export_row(
                values,
                categories=categories,
                districts=districts,
                status_names=status_names,
                language=lang,
            )
        return
    assert user is not None
    police_only = policy.can_read_police_only(user)
    if police_only:
        # Narrowed by the need-to-know rule; the download itself is one audit entry (views).
        qs = apply_filter(restrict(staff_reports(user), user, policy.READ_POLICE_ONLY), filters)
        columns = _STAFF_COLUMNS
    else:
        qs = apply_filter(staff_reports(user), filters)
        columns = [c for c in _STAFF_COLUMNS if c not in POLICE_ONLY_EXPORT_FIELDS]
    officers = dict(Officer.objects.values_list("pk", "name"))
    for values in qs.order_by("id").values_list(*columns).iterator(chunk_size=EXPORT_CHUNK):
        rec = dict(zip(columns, values, strict=True))
        cat = categories[rec["category_id"]]
        district = districts.get(rec["district_id"], ("", ""))
        row: dict[str, Any] = {
            "id": rec["id"],
            "category": cat.code,
            "category_name": cat.name_in(lang),
            "status": rec["status"],
            "status_name": status_names.get(rec["status"], rec["status"]),
            "district": district[0],
            "district_name": district[1],
            "approximate": cat.public_location_approximated,
            "created_at": _utc(rec["created_at"]),
            "updated_at": _utc(rec["updated_at"]),
        }
        # Without the need to know, a feature's geometry is its public point (no lat/lon column).
        exact = (rec["lat"], rec["lon"]) if police_only else (rec["public_lat"], rec["public_lon"])
        row.update(
            lat=round(exact[0], 7),
            lon=round(exact[1], 7),
            public_lat=round(rec["public_lat"], 7),
            public_lon=round(rec["public_lon"], 7),
            occurred_at=_utc(rec["occurred_at"]),
            read_at=_utc(rec["read_at"]),
            verified_at=_utc(rec["verified_at"]),
            read_due_at=_utc(rec["read_due_at"]),
            verify_due_at=_utc(rec["verify_due_at"]),
            is_public=rec["is_public"],
            public_until=_utc(rec["public_until"]),
            source=rec["source"],
            officer=officers.get(rec["officer_id"], ""),
            duplicate_of=rec["duplicate_of_id"] or "",
            duplicate_count=rec["duplicate_count"],
        )
        if police_only:
            row.update(address_text=rec["address_text"], description=rec["description"])
        yield row


CHEAP_SECONDS = 2.0
FORMATS = ("csv", "geojson")
# Writers of different filters share a fixed set of lock files (no file per filter).
LOCK_STRIPES = 64
# A temporary file older than this was left by a writer that died.
STALE_TMP = timedelta(hours=1)


@dataclass(frozen=True)
class ExportFile:
    """A written public download: where it is and what identifies its content."""

    path: Path
    etag: str
    generated_at: datetime
    valid_until: datetime | None
    seconds: float
    # The PublicExportGeneration the file was written under; another one ends it.
    generation: int = -1


@dataclass(frozen=True)
class OpenExport:
    """A public download ready to stream: its identity and an open handle on its bytes.

    The handle stays readable even when the file is evicted (or never kept) meanwhile.
    """

    file: ExportFile
    stream: BinaryIO


def max_age() -> timedelta:
    """How long a written public download may be served (lag behind writes)."""
    return timedelta(minutes=float(straz_settings().public_export_max_age_minutes))


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
        generation=int(data.get("generation", -1)),
    )


def current_generation() -> int:
    """The shared generation of public downloads (0 until the first invalidation)."""
    value = PublicExportGeneration.objects.filter(pk=1).values_list("generation", flat=True).first()
    return int(value or 0)


def _usable(found: ExportFile | None, now: datetime, generation: int) -> bool:
    if found is None or found.seconds < CHEAP_SECONDS or found.generation != generation:
        return False
    return now - found.generated_at < max_age()


def invalidate_public_exports() -> int:
    """Stop serving every written public download, on every machine (the next request writes anew)."""
    if not PublicExportGeneration.objects.filter(pk=1).update(generation=F("generation") + 1):
        _row, created = PublicExportGeneration.objects.get_or_create(pk=1, defaults={"generation": 1})
        if not created:
            PublicExportGeneration.objects.filter(pk=1).update(generation=F("generation") + 1)
    gone = 0
    for meta in _folder().glob("public-*.json"):
        try:
            meta.unlink()
            gone += 1
        except OSError:
            pass
    return gone


def _chunks(fmt: str, filters: StatisticsFilter, now: datetime) -> Iterator[str]:
    fields = export_fields(PUBLIC)
    rows = export_reports(user=None, filters=filters, audience=PUBLIC, now=now)
    if fmt == "csv":
        return exports.csv_stream(fields, rows)
    return exports.geojson_stream(fields, rows)


def _write(
    path: Path, fmt: str, filters: StatisticsFilter, language: str, generation: int
) -> ExportFile:

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
        generation=generation,
    )
    os.replace(tmp, path)
    meta = {
        "etag": written.etag,
        "generated_at": now.astimezone(UTC).isoformat(),
        "valid_until": until.astimezone(UTC).isoformat() if until else None,
        "seconds": written.seconds,
        "generation": generation,
        "format": fmt,
        "language": language,
        "filters": filters.as_query(),
    }
    meta_tmp = path.with_name(f".{path.stem}.{os.getpid()}.json.tmp")
    meta_tmp.write_text(json.dumps(meta))
    os.replace(meta_tmp, path.with_suffix(".json"))
    return written


def _open(found: ExportFile) -> OpenExport | None:
    try:
        stream = found.path.open("rb")
    except OSError:  # evicted between reading its metadata and opening it
        return None
    _touch(found.path)
    return OpenExport(file=found, stream=stream)


def _touch(path: Path) -> None:
    # The modification time is the file's last use: eviction drops the oldest first.
    try:
        os.utime(path)
    except OSError:
        pass


def _forget(path: Path) -> None:
    for item in (path, path.with_suffix(".json")):
        try:
            item.unlink()
        except OSError:
            pass


def public_export(*, fmt: str, filters: StatisticsFilter, language: str) -> OpenExport:
    """The public download for a filter and language, written now if the last one is too old."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    folder = _folder()
    key = _key(fmt, filters, language)
    path = folder / f"public-{key}.{fmt}"
    found = _read_meta(path)
    # Read before writing: an invalidation during the write ends the file being written.
    generation = current_generation()
    if _usable(found, timezone.now(), generation):
        assert found is not None
        opened = _open(found)
        if opened is not None:
            return opened
    with (folder / f".lock-{int(key[:8], 16) % LOCK_STRIPES:02d}").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # Another process is writing it: serve the previous file if there is one.
            if (
                found is not None
                and found.seconds >= CHEAP_SECONDS
                and found.generation == generation
            ):
                opened = _open(found)
                if opened is not None:
                    return opened
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            again = _read_meta(path)
            if (
                again is not None
                and again != found
                and _usable(again, timezone.now(), generation)
            ):
                opened = _open(again)
                if opened is not None:
                    return opened
            written = _write(path, fmt, filters, language, generation)
            stream = path.open("rb")
            cap = int(straz_settings().public_export_cache_max_bytes)
            if written.seconds < CHEAP_SECONDS or _stored_size(path) > cap:
                # Not worth keeping, or bigger than the whole cache: served from the open
                # handle, gone from the disk now.
                _forget(path)
            _evict(folder, cap=cap)
            return OpenExport(file=written, stream=stream)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _stored_size(path: Path) -> int:
    total = 0
    for item in (path, path.with_suffix(".json")):
        try:
            total += item.stat().st_size
        except OSError:
            pass
    return total


def _evict(folder: Path, *, cap: int, keep: timedelta = timedelta(days=1)) -> None:
    """Keep the written downloads within `cap` bytes, least recently used out first.

    Also drops files nobody asked for in a day, metadata whose file is gone, and
    temporary files of writers that died (best effort: files may vanish meanwhile).
    """
    now = time.time()
    for tmp in folder.glob(".public-*.tmp"):
        try:
            if tmp.stat().st_mtime < now - STALE_TMP.total_seconds():
                tmp.unlink()
        except OSError:
            pass
    kept: list[tuple[float, int, Path]] = []
    for fmt in FORMATS:
        for item in folder.glob(f"public-*.{fmt}"):
            try:
                used = item.stat().st_mtime
            except OSError:
                continue
            if used < now - keep.total_seconds():
                _forget(item)
                continue
            kept.append((used, _stored_size(item), item))
    for meta in folder.glob("public-*.json"):
        if not any(meta.with_suffix(f".{fmt}").exists() for fmt in FORMATS):
            try:
                meta.unlink()
            except OSError:
                pass
    total = sum(size for _, size, _ in kept)
    for _used, size, item in sorted(kept, key=lambda entry: entry[0]):
        if total <= cap:
            break
        _forget(item)
        total -= size


def cache_bytes() -> int:
    """Bytes the written public downloads use on disk now (files and their metadata)."""
    total = 0
    for item in _folder().glob("public-*"):
        try:
            total += item.stat().st_size
        except OSError:
            pass
    return total
