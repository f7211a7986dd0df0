"""Pre-aggregated public map counts per H3 cell (MapCell), kept exact in the writing transaction.

Layout (ADR 0032; the measurements behind it are there and in ADR 0007):
- one row per (layer, period, cell) for resolutions 0–9 and 11 (the cell id carries its
  resolution); zoom z reads one of them (geo.h3grid.resolution_for_view);
- the row packs, in `leaves`, one entry per (category, status) present in the cell: count,
  location sums and the sum of report ids. A query sums the entries its filters match (all
  of them without filters); a cluster whose count is one names its report (the id sum of
  one report is its id), so it is drawn as the report;
- period_days 0 is all time; 7/30/365 are rolling windows by creation time. A window
  counts the rows created at or after its MapWindow.aged_until; `age_period` removes the
  rows that fell out and moves the cursor, lazily (before a map read) or from the worker;
- sums are integer microdegrees of the *public* location, so means are exact and
  approximated categories never leak their exact point.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from straz.accounts import audit
from straz.geo.h3grid import FINEST_RES, cell_resolution, parent_int, point_cell
from straz.reports import public
from straz.reports.models import (
    CrimeRecord,
    EventKind,
    MapCell,
    MapLayer,
    MapWindow,
    Report,
    ReportEvent,
)
from straz.reports.rules import Status

# Resolution 10 is left out: it served zooms 15-16 only, which resolutions 9 and 11 serve
# as well, and its cells (mostly of one report) were a quarter of the table (ADR 0032).
STORED_RES: tuple[int, ...] = (*range(10), FINEST_RES)
PERIODS: tuple[int, ...] = (7, 30, 365)
ALL_TIME = 0
# Status codes in a leaf entry; 0 = no status (the police layer).
STATUS_CODES: dict[str, int] = {s.value: i for i, s in enumerate(Status, start=1)}
STATUS_BY_CODE: dict[int, str] = {v: k for k, v in STATUS_CODES.items()}
ALL = 0
# A police record without a crime type is filed under this pseudo-category.
UNTYPED_CRIME = -1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

TABLE = MapCell._meta.db_table
WINDOW_TABLE = MapWindow._meta.db_table
KEY_COLUMNS = ("layer", "period_days", "cell")
ALL_COLUMNS = (*KEY_COLUMNS, "leaves")
# One packed (category, status) entry of a cell, little-endian, no padding (33 bytes).
LEAF = np.dtype(
    [
        ("cat", "<i4"),
        ("status", "u1"),
        ("count", "<i4"),
        ("lat", "<i8"),
        ("lon", "<i8"),
        ("rid", "<i8"),
    ]
)

SUMMED = ("count", "lat", "lon", "rid")  # the additive fields of an entry

# A logical row: (layer, period, res, cell, category, status) → [count, Σlat, Σlon, Σid].
Key = tuple[int, int, int, int, int, int]
CellKey = tuple[int, int, int]  # (layer, period, cell)
Leaves = dict[tuple[int, int], list[int]]


# A cell of several entries starts with their total, marked with this status, so that the
# unfiltered map reads the first entry only (SQL substring) and decodes one per cell.
TOTAL_STATUS = 255


def pack_leaves(leaves: Leaves) -> bytes:
    """The packed entries of a cell, sorted by (category, status), after their total."""
    items = sorted(leaves.items())
    total = len(items) > 1
    arr = np.zeros(len(items) + total, LEAF)
    for i, ((cat, st), (n, la, lo, rid)) in enumerate(items, start=total):
        arr[i] = (cat, st, n, la, lo, rid)
    if total:
        arr[0] = (ALL, TOTAL_STATUS, *(arr[name][1:].sum() for name in SUMMED))
    return arr.tobytes()


def unpack_leaves(blob: bytes | memoryview | None) -> Leaves:
    """A cell's entries as {(category, status): [count, Σlat, Σlon, Σid]}."""
    if not blob:
        return {}
    arr = np.frombuffer(bytes(blob), LEAF)
    return {
        (int(e["cat"]), int(e["status"])): [
            int(e["count"]),
            int(e["lat"]),
            int(e["lon"]),
            int(e["rid"]),
        ]
        for e in arr
        if e["status"] != TOTAL_STATUS
    }


@dataclass(frozen=True)
class Footprint:
    """What one public report contributes: layer, category, status and public location."""

    layer: int
    category_id: int
    status: str
    lat: float
    lon: float
    # Creation time (occurrence time for police data), for the rolling periods.
    created_at: datetime | None = None
    # The report's (record's) id: a cluster of one names its report by the sum of ids.
    source_id: int = 0


def footprint_of(obj: Report | CrimeRecord) -> Footprint | None:
    """The footprint of a report or police record, or None when the public does not see it."""
    if not obj.is_public:
        return None
    if isinstance(obj, CrimeRecord):
        return Footprint(
            layer=MapLayer.POLICE_DATA,
            category_id=_crime_category(obj.primary_type_id),
            status="",
            lat=obj.public_lat,
            lon=obj.public_lon,
            created_at=obj.occurred_at,
            source_id=int(obj.pk),
        )
    return Footprint(
        layer=MapLayer.CITIZEN_REPORTS,
        category_id=obj.category_id,
        status=obj.status,
        lat=obj.public_lat,
        lon=obj.public_lon,
        created_at=obj.created_at,
        source_id=int(obj.pk),
    )


def _crime_category(type_id: int | None) -> int:
    return UNTYPED_CRIME if type_id is None else int(type_id)


def _status_code(status: str) -> int:
    if status == "":
        return ALL
    return STATUS_CODES[status]


def _e6(value: float) -> int:
    return round(value * 1_000_000)


def _add(deltas: dict[Key, list[int]], fp: Footprint, sign: int, periods: Sequence[int]) -> None:
    """Add (sign=+1) or remove (-1) one footprint's entries in the given periods."""
    leaf = point_cell(fp.lat, fp.lon, FINEST_RES)
    st = _status_code(fp.status)
    dlat, dlon, did = sign * _e6(fp.lat), sign * _e6(fp.lon), sign * fp.source_id
    for res in STORED_RES:
        cell = parent_int(leaf, res)
        for period in periods:
            row = deltas[(fp.layer, period, res, cell, fp.category_id, st)]
            row[0] += sign
            row[1] += dlat
            row[2] += dlon
            row[3] += did


def _periods_for(fp: Footprint, cursors: dict[int, datetime]) -> list[int]:
    out = [ALL_TIME]
    if fp.created_at is not None:
        out.extend(p for p in PERIODS if fp.created_at >= cursors[p])
    return out


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _cursors(layer: int, *, lock: bool) -> dict[int, datetime]:
    """Aged-until cursors of a layer's periods; missing ones start at the epoch.

    On PostgreSQL writers take them FOR SHARE so that an ageing run (FOR UPDATE) and a
    footprint move never interleave; SQLite writers are serialised by BEGIN IMMEDIATE.
    """
    sql = f'SELECT days, aged_until FROM "{WINDOW_TABLE}" WHERE layer = %s'  # noqa: S608
    if lock and _is_postgres():
        sql += " FOR SHARE"
    with connection.cursor() as cur:
        cur.execute(sql, [layer])
        rows = cur.fetchall()
        if len(rows) < len(PERIODS):
            # An epoch cursor counts every row in the window; the next ageing run trims it.
            for days in PERIODS:
                cur.execute(
                    f'INSERT INTO "{WINDOW_TABLE}" (layer, days, aged_until) VALUES (%s, %s, %s) '  # noqa: S608
                    "ON CONFLICT (layer, days) DO NOTHING",
                    [layer, days, connection.ops.adapt_datetimefield_value(EPOCH)],
                )
            cur.execute(sql, [layer])
            rows = cur.fetchall()
    out: dict[int, datetime] = {}
    for days, aged in rows:
        out[int(days)] = _aware(aged)
    return out


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def _read_cells(keys: Sequence[CellKey], *, lock: bool) -> dict[CellKey, bytes]:
    """The stored entries of the given cells, packed (locked for update on PostgreSQL)."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for layer, period, cell in keys:
        groups[(layer, period)].append(cell)
    out: dict[CellKey, bytes] = {}
    pg = _is_postgres()
    with connection.cursor() as cur:
        for (layer, period), cells in sorted(groups.items()):
            params: list[Any] = [layer, period]
            where = _cell_filter(cells, params)
            cur.execute(
                f"SELECT cell, leaves FROM {TABLE} WHERE layer = %s AND period_days = %s "  # noqa: S608
                f"AND {where} ORDER BY cell{' FOR UPDATE' if lock and pg else ''}",
                params,
            )
            for cell, blob in cur.fetchall():
                out[(layer, period, int(cell))] = bytes(blob)
    return out


def _entry_keys(entries: np.ndarray) -> np.ndarray:
    # (category, status) as one sortable number: status is a byte, so cat * 256 + status
    # orders as the tuple does, negative categories included.
    return entries["cat"].astype(np.int64) * 256 + entries["status"]


def adjust_leaves(blob: bytes | None, changes: Leaves) -> bytes:
    """A cell's packed entries with `changes` added, as `pack_leaves` would pack the result.

    Works on the packed array (binary search and vector operations): a coarse cell holds
    hundreds of entries, and turning each into Python objects and back made every write
    cost tens of milliseconds at 3 M reports. An entry whose count reaches zero goes;
    b"" means the cell is empty.
    """
    arr = np.frombuffer(blob, LEAF) if blob else np.zeros(0, LEAF)
    entries = (arr[1:] if len(arr) > 1 else arr).copy()  # without the total
    keys = _entry_keys(entries)
    added: list[tuple[int, ...]] = []
    for (cat, st), delta in changes.items():
        key = cat * 256 + st
        i = int(np.searchsorted(keys, key))
        if i < len(keys) and int(keys[i]) == key:
            for name, d in zip(SUMMED, delta, strict=True):
                entries[name][i] += d
        else:
            added.append((cat, st, *delta))
    if added:
        entries = np.concatenate([entries, np.array(added, dtype=LEAF)])
        entries = entries[np.argsort(_entry_keys(entries), kind="stable")]
    entries = entries[entries["count"] != 0]
    if len(entries) > 1:
        total = np.zeros(1, LEAF)
        total["cat"], total["status"] = ALL, TOTAL_STATUS
        for name in SUMMED:
            total[name] = entries[name].sum()
        entries = np.concatenate([total, entries])
    return entries.tobytes()


def _write(deltas: dict[Key, list[int]]) -> None:
    """Apply logical deltas to their cells in key order (one lock order); drop emptied cells.

    Each changed cell is read, its entries adjusted and written back whole: callers hold
    the audit head (PostgreSQL) or BEGIN IMMEDIATE (SQLite), and an ageing run holds its
    period's window row, so no two writers change one cell at once.
    """
    changes: dict[CellKey, Leaves] = defaultdict(dict)
    for (layer, period, _res, cell, cat, st), v in deltas.items():
        if any(v):
            changes[(layer, period, cell)][(cat, st)] = v
    if not changes:
        return
    keys = sorted(changes)
    stored = _read_cells(keys, lock=True)
    upserts: list[tuple[int, int, int, bytes]] = []
    emptied: list[CellKey] = []
    for key in keys:
        # A move of a footprint never added (rows written around the services, as a bulk
        # import does before its rebuild) leaves a negative entry, as the old layout did;
        # reads count only cells above zero and a rebuild repairs it.
        packed = adjust_leaves(stored.get(key), changes[key])
        if not packed:
            if key in stored:
                emptied.append(key)
            continue
        upserts.append((*key, packed))
    cols = ", ".join(ALL_COLUMNS)
    conflict = ", ".join(KEY_COLUMNS)
    update = ", ".join(f"{c} = EXCLUDED.{c}" for c in ALL_COLUMNS[len(KEY_COLUMNS) :])
    with connection.cursor() as cur:
        if upserts and _is_postgres():
            types = ("int2", "int2", "int8", "bytea")
            arrays = [list(col) for col in zip(*upserts, strict=True)]
            unnest = ", ".join(f"%s::{t}[]" for t in types)
            cur.execute(
                f"INSERT INTO {TABLE} ({cols}) SELECT * FROM unnest({unnest}) "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {update}",
                arrays,
            )
        elif upserts:
            marks = ", ".join(["%s"] * len(ALL_COLUMNS))
            cur.executemany(
                f"INSERT INTO {TABLE} ({cols}) VALUES ({marks}) "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {update}",
                upserts,
            )
        if emptied:
            where = " AND ".join(f"{c} = %s" for c in KEY_COLUMNS)
            cur.executemany(f"DELETE FROM {TABLE} WHERE {where}", emptied)  # noqa: S608


def _lock_in_audit_order() -> None:
    """On PostgreSQL, take the audit head before any map row.

    Every state change appends to the audit log, which locks its single head row; if one
    use case moved the map first and audited second while another did the reverse, two
    writers could each hold what the other waits for. Taking the head first here makes
    the order AuditHead → MapWindow → MapCell whatever the caller does (SQLite writers are
    serialised by BEGIN IMMEDIATE already).
    """
    if _is_postgres():
        audit.lock_chain()


def apply_change(*, old: Footprint | None, new: Footprint | None) -> None:
    """Move one report's footprint from `old` to `new` (either may be None)."""
    apply_changes([(old, new)])


def apply_changes(changes: Iterable[tuple[Footprint | None, Footprint | None]]) -> None:
    """Apply many footprint moves in one go (bulk loads, expiry sweeps)."""
    pairs = [(o, n) for o, n in changes if o is not None or n is not None]
    if not pairs:
        return
    with transaction.atomic(savepoint=False):
        _lock_in_audit_order()
        layers = sorted({fp.layer for pair in pairs for fp in pair if fp is not None})
        cursors = {layer: _cursors(layer, lock=True) for layer in layers}
        deltas: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for old, new in pairs:
            if old is not None:
                _add(deltas, old, -1, _periods_for(old, cursors[old.layer]))
            if new is not None:
                _add(deltas, new, +1, _periods_for(new, cursors[new.layer]))
        _write(deltas)


# --- sources -----------------------------------------------------------------------


def _source(layer: int) -> tuple[str, str, str, str]:
    """(table, category column, status column or '' , time column) of a layer's rows."""
    if layer == MapLayer.POLICE_DATA:
        return CrimeRecord._meta.db_table, "primary_type_id", "", "occurred_at"
    return Report._meta.db_table, "category_id", "status", "created_at"


def _dt_param(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


# --- rolling periods ---------------------------------------------------------------


def period_due(*, layer: int, days: int, now: datetime | None = None) -> bool:
    """Cheap check: has a public row fallen out of the rolling period since it was aged?"""
    now = now or timezone.now()
    table, _cat, _st, time_col = _source(layer)
    with connection.cursor() as cur:
        cur.execute(
            f'SELECT aged_until FROM "{WINDOW_TABLE}" WHERE layer = %s AND days = %s',  # noqa: S608
            [layer, days],
        )
        row = cur.fetchone()
        aged = EPOCH if row is None else _aware(row[0])
        boundary = now - timedelta(days=days)
        if aged >= boundary:
            return False
        cur.execute(
            f"SELECT 1 FROM {table} WHERE {time_col} >= %s AND {time_col} < %s "  # noqa: S608
            "AND is_public LIMIT 1",
            [_dt_param(aged), _dt_param(boundary)],
        )
        return cur.fetchone() is not None


def age_period(*, layer: int, days: int, now: datetime | None = None) -> int:
    """Remove rows older than the rolling period from its counts; returns how many left."""
    now = now or timezone.now()
    boundary = now - timedelta(days=days)
    table, cat_col, st_col, time_col = _source(layer)
    with transaction.atomic():
        _cursors(layer, lock=False)  # make sure the cursor rows exist
        lock = " FOR UPDATE" if _is_postgres() else ""
        with connection.cursor() as cur:
            cur.execute(
                f'SELECT aged_until FROM "{WINDOW_TABLE}" WHERE layer = %s AND days = %s{lock}',  # noqa: S608
                [layer, days],
            )
            aged = _aware(cur.fetchone()[0])
            if aged >= boundary:
                return 0
            status_expr = st_col or "''"
            cur.execute(
                f"SELECT {cat_col}, {status_expr}, public_lat, public_lon, id FROM {table} "  # noqa: S608
                f"WHERE is_public AND {time_col} >= %s AND {time_col} < %s",
                [_dt_param(aged), _dt_param(boundary)],
            )
            leaving = cur.fetchall()
            deltas: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
            for cat, status, lat, lon, pk in leaving:
                category = _crime_category(cat) if layer == MapLayer.POLICE_DATA else int(cat)
                fp = Footprint(layer, category, status, lat, lon, source_id=int(pk))
                _add(deltas, fp, -1, [days])
            _write(deltas)
            cur.execute(
                f'UPDATE "{WINDOW_TABLE}" SET aged_until = %s WHERE layer = %s AND days = %s',  # noqa: S608
                [_dt_param(boundary), layer, days],
            )
    return len(leaving)


def age_all_periods(now: datetime | None = None) -> int:
    """Age every rolling period of every layer (worker job); returns rows that left."""
    now = now or timezone.now()
    return sum(
        age_period(layer=layer, days=days, now=now) for layer in MapLayer.values for days in PERIODS
    )


# --- expiry ------------------------------------------------------------------------


def expiry_due(now: datetime | None = None) -> bool:
    """Cheap check (index on public_until): is a public report past its public period?"""
    now = now or timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT 1 FROM {Report._meta.db_table} WHERE {public.EXPIRED_SQL} LIMIT 1",  # noqa: S608
            [_dt_param(now)],
        )
        return cur.fetchone() is not None


def expire_due_reports(now: datetime | None = None) -> int:
    """Take reports whose public period ended off the public map, with audit and event."""
    now = now or timezone.now()
    kind = EventKind.HIDDEN
    with audit.audited_transaction():
        due = list(Report.objects.select_for_update().filter(public.expired_q(now)).order_by("pk"))
        changes: list[tuple[Footprint | None, Footprint | None]] = []
        for report in due:
            old = footprint_of(report)
            until = report.public_until
            report.is_public = False
            report.public_until = None
            report.save(update_fields=["is_public", "public_until"])
            ReportEvent.objects.create(
                report=report, at=now, kind=kind, from_status=report.status, to_status=report.status
            )
            audit.record(
                action="report.left_public_view",
                object_type="report",
                object_id=report.pk,
                actor_label="system:expiry",
                before={"is_public": True, "public_until": until},
                after={"is_public": False, "public_until": None},
            )
            changes.append((old, None))
        apply_changes(changes)
    return len(due)


def refresh_public_map(
    *,
    layer: int = MapLayer.CITIZEN_REPORTS,
    period_days: int = ALL_TIME,
    now: datetime | None = None,
) -> None:
    """Before a map read: expire due reports and age the asked period if anything is due."""
    now = now or timezone.now()
    expire, age = _due_flags(layer=layer, period_days=period_days, now=now)
    if expire:
        expire_due_reports(now)
    if age:
        age_period(layer=layer, days=period_days, now=now)


def _due_flags(*, layer: int, period_days: int, now: datetime) -> tuple[bool, bool]:
    """(expiry due, period ageing due) in one round trip, both answered from indexes."""
    reports = Report._meta.db_table
    parts: list[str] = []
    params: list[Any] = []
    if layer == MapLayer.CITIZEN_REPORTS:
        parts.append(
            f"EXISTS (SELECT 1 FROM {reports} WHERE {public.EXPIRED_SQL})"  # noqa: S608
        )
        params.append(_dt_param(now))
    else:
        parts.append("0 = 1")
    if period_days != ALL_TIME:
        table, _cat, _st, time_col = _source(layer)
        # No cursor row means no footprint was ever written for the layer: nothing to age.
        # A scalar subquery, so that the planner sees a constant range on the time index.
        parts.append(
            f"EXISTS (SELECT 1 FROM {table} WHERE {time_col} < %s AND is_public AND "  # noqa: S608
            f'{time_col} >= (SELECT aged_until FROM "{WINDOW_TABLE}" '
            "WHERE layer = %s AND days = %s))"
        )
        params.extend([_dt_param(now - timedelta(days=period_days)), layer, period_days])
    else:
        parts.append("0 = 1")
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(parts)}", params)
        expire, age = cur.fetchone()
    return bool(expire), bool(age)


def maintain_public_map(now: datetime | None = None) -> dict[str, int]:
    """Worker job: expire due reports and age every rolling period, so reads find nothing due."""
    now = now or timezone.now()
    return {"expired": expire_due_reports(now), "aged_out": age_all_periods(now)}


# --- reading -----------------------------------------------------------------------


@dataclass(slots=True)  # not frozen: a view builds thousands, and frozen init is slow
class CellCount:
    """One cluster: its cell, member count, mean public location and, alone, its report."""

    cell: int
    count: int
    lat: float
    lon: float
    # The id of the one report a cluster of one holds (None for larger clusters).
    single_id: int | None = None


def _cell_filter(cells: Sequence[int], params: list[Any]) -> str:
    if _is_postgres():
        params.append(list(cells))
        return "cell = ANY(%s::int8[])"
    params.extend(cells)
    return f"cell IN ({', '.join(['%s'] * len(cells))})"


def cell_counts(
    *,
    layer: int,
    period_days: int,
    res: int,
    cells: Sequence[int],
    category_ids: Sequence[int] | None = None,
    statuses: Sequence[str] | None = None,
) -> list[CellCount]:
    """Counts and mean positions for the given cells of one resolution (None filter = all)."""
    if not cells:
        return []
    params: list[Any] = [layer, period_days]
    where = f"layer = %s AND period_days = %s AND {_cell_filter(cells, params)}"
    unfiltered = category_ids is None and statuses is None
    # Unfiltered, the first entry is the cell's total (or its only entry).
    column = f"substr(leaves, 1, {LEAF.itemsize})" if unfiltered else "leaves"
    with connection.cursor() as cur:
        cur.execute(f"SELECT cell, {column} FROM {TABLE} WHERE {where}", params)  # noqa: S608
        rows = cur.fetchall()
    if not rows:
        return []
    blobs = [bytes(blob) for _cell, blob in rows]
    entries = np.frombuffer(b"".join(blobs), LEAF)
    if unfiltered:
        totals = [entries[name].tolist() for name in SUMMED]
    else:
        owner = np.repeat(np.arange(len(rows)), [len(b) // LEAF.itemsize for b in blobs])
        keep = entries["status"] != TOTAL_STATUS
        if category_ids is not None:
            keep &= np.isin(entries["cat"], np.array(sorted(set(category_ids)), np.int64))
        if statuses is not None:
            codes = sorted({_status_code(s) for s in statuses})
            keep &= np.isin(entries["status"], np.array(codes, np.int64))
        # Float sums are exact here: every partial sum is an integer far below 2**53.
        totals = [
            np.bincount(owner, weights=np.where(keep, entries[name], 0), minlength=len(rows))
            .astype(np.int64)
            .tolist()
            for name in SUMMED
        ]
    return [
        CellCount(int(cell), n, slat / n / 1e6, slon / n / 1e6, rid if n == 1 else None)
        for (cell, _blob), n, slat, slon, rid in zip(rows, *totals, strict=True)
        if n > 0
    ]


def logical_rows(layer: int) -> dict[Key, tuple[int, int, int, int]]:
    """Every stored entry of a layer as {(layer, period, res, cell, category, status): sums}."""
    out: dict[Key, tuple[int, int, int, int]] = {}
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT period_days, cell, leaves FROM {TABLE} WHERE layer = %s",  # noqa: S608
            [layer],
        )
        for period, cell, blob in cur.fetchall():
            leaves = unpack_leaves(blob)
            res = cell_resolution(int(cell))
            for (cat, st), (n, la, lo, rid) in leaves.items():
                out[(layer, int(period), res, int(cell), cat, st)] = (n, la, lo, rid)
    return out


# --- rebuild -----------------------------------------------------------------------

_PARENT_MASKS = {res: (1 << (3 * (15 - res))) - 1 for res in STORED_RES}
_CAT_BITS = 19
_CAT_OFFSET = 1 << (_CAT_BITS - 1)


def _parents_np(leaf: np.ndarray, res: int) -> np.ndarray:
    """Vectorised parent_int for an int64 array of finest-resolution cells."""
    cleared = leaf & np.int64(~(0xF << 52))
    return cleared | np.int64(res << 52) | np.int64(_PARENT_MASKS[res])


def _group_entries(
    res: int,
    cells: np.ndarray,
    cats: np.ndarray,
    sts: np.ndarray,
    lat_e6: np.ndarray,
    lon_e6: np.ndarray,
    ids: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Entries grouped by (cell, category, status) in key order: (cells, LEAF records)."""
    compact = (cells >> np.int64(3 * (15 - res))) & np.int64((1 << (7 + 3 * res)) - 1)
    key = (compact << np.int64(_CAT_BITS + 4)) | ((cats + _CAT_OFFSET) << np.int64(4)) | sts
    order = np.argsort(key, kind="stable")
    skey = key[order]
    starts = np.flatnonzero(np.concatenate(([True], skey[1:] != skey[:-1])))
    first = order[starts]
    entries = np.zeros(len(starts), LEAF)
    entries["cat"] = cats[first]
    entries["status"] = sts[first]
    entries["count"] = np.diff(np.append(starts, len(skey)))
    entries["lat"] = np.add.reduceat(lat_e6[order], starts)
    entries["lon"] = np.add.reduceat(lon_e6[order], starts)
    entries["rid"] = np.add.reduceat(ids[order], starts)
    return cells[first], entries


def _load_source(layer: int, boundaries: dict[int, datetime]) -> dict[str, np.ndarray]:
    """Public rows of a layer as arrays, with one 'in period' flag column per period."""
    table, cat_col, st_col, time_col = _source(layer)
    flags = ", ".join(f"CASE WHEN {time_col} >= %s THEN 1 ELSE 0 END" for _ in PERIODS)
    status_expr = st_col or "''"
    sql = (
        f"SELECT {cat_col}, {status_expr}, public_lat, public_lon, id, {flags} "  # noqa: S608
        f"FROM {table} WHERE is_public"
    )
    parts: dict[str, list[np.ndarray]] = defaultdict(list)
    with connection.cursor() as cur:
        cur.execute(sql, [_dt_param(boundaries[p]) for p in PERIODS])
        while True:
            chunk = cur.fetchmany(100_000)
            if not chunk:
                break
            cat, st, lat, lon, ids, *fl = zip(*chunk, strict=True)
            if layer == MapLayer.POLICE_DATA:
                parts["cat"].append(np.array([_crime_category(c) for c in cat], np.int64))
            else:
                parts["cat"].append(np.array(cat, np.int64))
            parts["st"].append(np.array([_status_code(s) for s in st], np.int64))
            parts["lat"].append(np.array(lat, np.float64))
            parts["lon"].append(np.array(lon, np.float64))
            parts["id"].append(np.array(ids, np.int64))
            parts["leaf"].append(
                np.array(
                    [point_cell(a, b, FINEST_RES) for a, b in zip(lat, lon, strict=True)], np.int64
                )
            )
            for p, f in zip(PERIODS, fl, strict=True):
                parts[f"p{p}"].append(np.array(f, bool))
    names = ["cat", "st", "lat", "lon", "id", "leaf", *(f"p{p}" for p in PERIODS)]
    return {k: (np.concatenate(parts[k]) if parts[k] else np.zeros(0)) for k in names}


def _cell_rows(
    layer: int, period: int, cells: np.ndarray, entries: np.ndarray
) -> list[tuple[int, int, int, bytes]]:
    """Physical rows from key-ordered entries: one per cell, a total first when several."""
    starts = np.flatnonzero(np.concatenate(([True], cells[1:] != cells[:-1])))
    sizes = np.diff(np.append(starts, len(entries))).tolist()
    totals = np.zeros(len(starts), LEAF)
    totals["cat"] = ALL
    totals["status"] = TOTAL_STATUS
    for name in SUMMED:
        totals[name] = np.add.reduceat(entries[name].astype(np.int64), starts)
    raw = entries.tobytes()
    size = LEAF.itemsize
    rows = []
    for i, (cell, lo, n) in enumerate(
        zip(cells[starts].tolist(), starts.tolist(), sizes, strict=True)
    ):
        body = raw[lo * size : (lo + n) * size]
        rows.append((layer, period, cell, totals[i].tobytes() + body if n > 1 else body))
    return rows


def _bulk_insert(rows: list[tuple[int, int, int, bytes]]) -> int:
    """Insert physical rows (no conflicts: the layer was emptied first)."""
    if not rows:
        return 0
    cols = ", ".join(ALL_COLUMNS)
    with connection.cursor() as cur:
        if _is_postgres():
            with cur.cursor.copy(f"COPY {TABLE} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(ALL_COLUMNS))
            step = 200_000
            for lo in range(0, len(rows), step):
                cur.executemany(
                    f"INSERT INTO {TABLE} ({cols}) VALUES ({marks})",  # noqa: S608
                    rows[lo : lo + step],
                )
    return len(rows)


def rebuild(*, layer: int | None = None) -> int:
    """Recompute a layer's aggregates (all layers when None) from the source rows; returns rows."""
    layers = list(MapLayer.values) if layer is None else [int(layer)]
    now = timezone.now()
    written = 0
    with transaction.atomic():
        for lay in layers:
            boundaries = {p: now - timedelta(days=p) for p in PERIODS}
            with connection.cursor() as cur:
                cur.execute(f"DELETE FROM {TABLE} WHERE layer = %s", [lay])  # noqa: S608
                cur.execute(f'DELETE FROM "{WINDOW_TABLE}" WHERE layer = %s', [lay])  # noqa: S608
                for p in PERIODS:
                    cur.execute(
                        f'INSERT INTO "{WINDOW_TABLE}" (layer, days, aged_until) '  # noqa: S608
                        "VALUES (%s, %s, %s)",
                        [lay, p, _dt_param(boundaries[p])],
                    )
            src = _load_source(lay, boundaries)
            if len(src["leaf"]) == 0:
                continue
            lat_e6 = np.rint(src["lat"] * 1e6).astype(np.int64)
            lon_e6 = np.rint(src["lon"] * 1e6).astype(np.int64)
            for period in (ALL_TIME, *PERIODS):
                mask = np.ones(len(src["leaf"]), bool) if period == ALL_TIME else src[f"p{period}"]
                leaf, cat, st, ids = (
                    src["leaf"][mask],
                    src["cat"][mask],
                    src["st"][mask],
                    src["id"][mask],
                )
                la, lo = lat_e6[mask], lon_e6[mask]
                if len(leaf) == 0:
                    continue
                for res in STORED_RES:
                    cells, entries = _group_entries(
                        res, _parents_np(leaf, res), cat, st, la, lo, ids
                    )
                    # Key order (cell first) turns the load into B-tree appends.
                    written += _bulk_insert(_cell_rows(lay, period, cells, entries))
    return written
