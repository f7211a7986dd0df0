"""Import of the Czech police crime-map open data (plane 1 of KMZB) and its public map layer.

`import_paths` reads monthly GeoJSON/CSV files (also zipped) and the code lists, upserts
by the police record id (re-imports update, never duplicate), decides per record whether
the public may see it (hidden types, non-public states, approximated location) and keeps
the `MapLayer.POLICE_DATA` aggregates exact. Public rules are settings with defaults here:

- ``STRAZ["CRIME_MAP_HIDDEN_TYPE_IDS"]``: type ids never shown (descendants included);
- ``STRAZ["CRIME_MAP_HIDDEN_TYPE_NAMES"]``: the same by name/label text (case-insensitive);
- ``STRAZ["CRIME_MAP_NON_PUBLIC_STATE_IDS"]`` / ``…_STATE_NAMES``: states kept off the map
  (the act did not happen, is not an offence, was faked) — still stored for analysts;
- ``STRAZ["CRIME_MAP_PUBLIC_RESOLUTION"]``: H3 resolution of the public location.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from straz.accounts import audit
from straz.core.config import straz_settings
from straz.reports.crimemap import rules as cr
from straz.reports.crimemap.readers import (
    CODE_LIST_KINDS,
    BrokenFile,
    FileKind,
    Item,
    detect_kind,
    iter_records,
    open_zip_member,
    read_code_list,
    zip_members,
)
from straz.reports.map import aggregates
from straz.reports.models import CrimeRecord, CrimeRelevance, CrimeState, CrimeType, MapLayer
from straz.reports.rules import public_location

AUDIT_ACTOR = "import:crime-map"
BATCH_SIZE = 2000
# Sexual offences against children are never shown on the public map (the police do
# the same); matched in the type name or label, so they are caught whatever their id.
DEFAULT_HIDDEN_TYPE_NAMES = (
    "pohlavní zneužití",
    "dětskou pornografi",
    "dětská pornografie",
    "zneužití dítěte",
    "kontaktů s dítětem",
    "svádění k pohlavnímu styku",
)
DEFAULT_NON_PUBLIC_STATE_NAMES = (
    "skutek se nestal",
    "skutek není trestným činem",
    "fingovan",
)

REASON_LABELS = {
    cr.MISSING_ID: gettext_lazy("missing id"),
    cr.BAD_ID: gettext_lazy("invalid id"),
    cr.NOT_A_FEATURE: gettext_lazy("not a GeoJSON Feature"),
    cr.NO_LOCATION: gettext_lazy("no location"),
    cr.BAD_LOCATION: gettext_lazy("invalid location"),
    cr.BAD_DATE: gettext_lazy("invalid date"),
    cr.BAD_CODE: gettext_lazy("invalid code"),
    cr.BAD_FLAG: gettext_lazy("invalid mp flag"),
    cr.BAD_COLUMNS: gettext_lazy("wrong number of columns"),
    cr.BAD_ENTRY: gettext_lazy("invalid code-list entry"),
    cr.REPEATED_ID: gettext_lazy("id repeated later in the file (the later record counts)"),
    cr.NOT_PUBLIC_NO_TYPE: gettext_lazy("no offence type"),
    cr.NOT_PUBLIC_UNKNOWN_TYPE: gettext_lazy("type not in the code list (yet)"),
    cr.NOT_PUBLIC_HIDDEN_TYPE: gettext_lazy("type never shown publicly"),
    cr.NOT_PUBLIC_STATE: gettext_lazy("state kept off the public map"),
}
KIND_LABELS = {
    FileKind.GEOJSON: "GeoJSON",
    FileKind.CSV: "CSV",
    FileKind.ZIP: "zip",
    FileKind.TYPES: "types",
    FileKind.STATES: "states",
    FileKind.RELEVANCE: "relevance",
}
MAX_EXAMPLES_PER_REASON = 3


def reason_label(reason: str) -> str:
    """The translated text of a reason key."""
    label = REASON_LABELS.get(reason)
    return str(label) if label is not None else reason


@dataclass
class FileSummary:
    """What one input file did to the database."""

    name: str
    kind: str = ""
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    not_public: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    note: str = ""

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def skip(self, reason: str, position: str, detail: str = "") -> None:
        """Count a refused record and keep its position for the report."""
        self.skipped[reason] += 1
        examples = self.examples.setdefault(reason, [])
        if len(examples) < MAX_EXAMPLES_PER_REASON:
            examples.append(f"{position}: {detail}" if detail else position)

    def lines(self) -> list[str]:
        """The human summary (translated); the error, if any, is in `error`."""
        head = _(
            "%(name)s (%(kind)s): %(inserted)d inserted, %(updated)d updated, %(unchanged)d unchanged, %(skipped)d skipped"
        ) % {
            "name": self.name,
            "kind": self.kind or "?",
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped_total,
        }
        out = [head]
        for reason, count in sorted(self.skipped.items()):
            where = "; ".join(self.examples.get(reason, []))
            more = " …" if count > len(self.examples.get(reason, [])) else ""
            out.append(
                _("  skipped %(count)d × %(reason)s (%(where)s%(more)s)")
                % {
                    "count": count,
                    "reason": reason_label(reason),
                    "where": where,
                    "more": more,
                }
            )
        if self.note:
            out.append(f"  {self.note}")
        if self.not_public:
            parts = ", ".join(f"{reason_label(r)}: {n}" for r, n in sorted(self.not_public.items()))
            out.append(_("  stored but not on the public map: %(parts)s") % {"parts": parts})
        return out


# ---------------------------------------------------------------- public rules


def public_resolution() -> int:
    """H3 resolution the public location of a police record is snapped to."""
    conf = straz_settings()
    if conf.crime_map_public_resolution is not None:
        return conf.crime_map_public_resolution
    return conf.approximate_resolution


@dataclass(frozen=True)
class RuleContext:
    """The code lists and settings a record is judged against."""

    hierarchy: cr.TypeHierarchy
    rules: cr.PublicRules
    resolution: int


def load_rule_context() -> RuleContext:
    """Read the code lists and settings once per import."""
    hierarchy = cr.TypeHierarchy(
        cr.TypeNode(t.id, t.parent_id1, t.parent_id2, t.parent_id3, t.name, t.label)
        for t in CrimeType.objects.all()
    )
    states = dict(CrimeState.objects.values_list("id", "name"))
    conf = straz_settings()
    rules = cr.build_public_rules(
        hierarchy=hierarchy,
        states=states,
        hidden_type_ids=list(conf.crime_map_hidden_type_ids),
        hidden_type_names=list(
            DEFAULT_HIDDEN_TYPE_NAMES
            if conf.crime_map_hidden_type_names is None
            else conf.crime_map_hidden_type_names
        ),
        non_public_state_ids=list(conf.crime_map_non_public_state_ids),
        non_public_state_names=list(
            DEFAULT_NON_PUBLIC_STATE_NAMES
            if conf.crime_map_non_public_state_names is None
            else conf.crime_map_non_public_state_names
        ),
    )
    return RuleContext(hierarchy=hierarchy, rules=rules, resolution=public_resolution())


def _judged(
    types: tuple[int, ...], state_id: int | None, lat: float, lon: float, ctx: RuleContext
) -> dict[str, Any]:
    """The derived columns of a record: primary type, public flag, public location."""
    reason = cr.why_not_public(
        types=types, state_id=state_id, hierarchy=ctx.hierarchy, rules=ctx.rules
    )
    plat, plon = public_location(lat, lon, approximate=True, resolution=ctx.resolution)
    return {
        "primary_type_id": cr.primary_type(types, ctx.hierarchy),
        "is_public": reason is None,
        "public_lat": plat,
        "public_lon": plon,
        "_reason": reason,
    }


def crime_footprint(record: CrimeRecord) -> Any:
    """What a police record contributes to the public map (None when not public)."""
    # One definition for incremental moves and for aggregates.rebuild(layer=2).
    return aggregates.footprint_of(record)


def _apply_map_changes(changes: list[tuple[Any, Any]]) -> None:
    moves = [(old, new) for old, new in changes if old != new]
    if moves:
        aggregates.apply_changes(moves)


def rebuild_map_layer() -> int:
    """Recompute the police-data layer of the public map from the stored records."""
    return int(aggregates.rebuild(layer=int(MapLayer.POLICE_DATA)))


# ---------------------------------------------------------------- records

_FIELDS = (
    "occurred_at",
    "lat",
    "lon",
    "public_lat",
    "public_lon",
    "state_id",
    "relevance_id",
    "types",
    "primary_type_id",
    "municipal_police",
    "is_public",
)


_INSERT_COLUMNS = ("external_id", "imported_at", "source_file", *_FIELDS)


def _db_values(record: CrimeRecord, names: tuple[str, ...]) -> list[Any]:
    """Column values ready for the database driver."""
    ops = connection.ops
    row: list[Any] = []
    for name in names:
        value = getattr(record, name)
        if name == "types":
            value = json.dumps(value)
        elif name in ("occurred_at", "imported_at"):
            value = ops.adapt_datetimefield_value(value)
        row.append(value)
    return row


def _placeholder(name: str) -> str:
    return "%s::jsonb" if name == "types" and connection.vendor == "postgresql" else "%s"


def _column(name: str) -> str:
    field = CrimeRecord._meta.get_field(name)
    assert isinstance(field, Field) and field.column  # concrete columns only
    return connection.ops.quote_name(field.column)


def _insert_records(records: list[CrimeRecord]) -> None:
    """Insert new records with executemany (the ORM's per-value preparation dominated)."""
    table = connection.ops.quote_name(CrimeRecord._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(_column(n) for n in _INSERT_COLUMNS)}) "  # noqa: S608 - model names
        f"VALUES ({', '.join(_placeholder(n) for n in _INSERT_COLUMNS)})"
    )
    rows = [_db_values(r, _INSERT_COLUMNS) for r in records]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])


def _update_records(records: list[CrimeRecord], names: tuple[str, ...]) -> None:
    """Update changed records by primary key with executemany (bulk_update's CASE is slow)."""
    table = connection.ops.quote_name(CrimeRecord._meta.db_table)
    assignments = ", ".join(f"{_column(n)} = {_placeholder(n)}" for n in names)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608 - model names
    rows = [[*_db_values(r, names), r.pk] for r in records]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])


def _store_batch(
    batch: list[tuple[str, cr.CrimeRow]],
    *,
    ctx: RuleContext,
    summary: FileSummary,
    source: str,
    update_map: bool,
) -> None:
    """Upsert one batch by external id: one transaction, one audit entry, exact map counts."""
    latest: dict[str, tuple[str, cr.CrimeRow]] = {}
    for position, row in batch:
        if row.external_id in latest:
            summary.skip(cr.REPEATED_ID, latest[row.external_id][0], row.external_id)
        latest[row.external_id] = (position, row)
    now = timezone.now()
    inserted = updated = 0
    with transaction.atomic():
        existing = {
            r.external_id: r
            for r in CrimeRecord.objects.select_for_update().filter(external_id__in=list(latest))
        }
        creates: list[CrimeRecord] = []
        updates: list[CrimeRecord] = []
        changes: list[tuple[Any, Any]] = []
        for external_id, (_position, row) in latest.items():
            derived = _judged(row.types, row.state_id, row.lat, row.lon, ctx)
            reason = derived.pop("_reason")
            if reason is not None:
                summary.not_public[reason] += 1
            values: dict[str, Any] = {
                "occurred_at": row.occurred_at,
                "lat": row.lat,
                "lon": row.lon,
                "state_id": row.state_id,
                "relevance_id": row.relevance_id,
                "types": list(row.types),
                "municipal_police": row.municipal_police,
                **derived,
            }
            record = existing.get(external_id)
            if record is None:
                record = CrimeRecord(
                    external_id=external_id, imported_at=now, source_file=source[:255], **values
                )
                creates.append(record)
                continue
            if all(getattr(record, name) == values[name] for name in _FIELDS):
                summary.unchanged += 1
                continue
            before = crime_footprint(record)
            for name in _FIELDS:
                setattr(record, name, values[name])
            record.imported_at = now
            record.source_file = source[:255]
            updates.append(record)
            changes.append((before, crime_footprint(record)))
        if creates:
            _insert_records(creates)
            inserted = len(creates)
            # The map names a lone record by its id, which exists only once inserted.
            ids = dict(
                CrimeRecord.objects.filter(
                    external_id__in=[r.external_id for r in creates]
                ).values_list("external_id", "pk")
            )
            for record in creates:
                record.pk = ids[record.external_id]
                changes.append((None, crime_footprint(record)))
        if updates:
            _update_records(updates, (*_FIELDS, "imported_at", "source_file"))
            updated = len(updates)
        if inserted or updated:
            if update_map:
                _apply_map_changes(changes)
            audit.record(
                action="crimemap.imported",
                object_type="crime_map_file",
                object_id=source[:255],
                actor_label=AUDIT_ACTOR,
                after={
                    "inserted": inserted,
                    "updated": updated,
                    "from": batch[0][0],
                    "to": batch[-1][0],
                },
            )
    summary.inserted += inserted
    summary.updated += updated


def import_records(
    items: Iterable[Item],
    *,
    source: str,
    summary: FileSummary,
    ctx: RuleContext | None = None,
    update_map: bool = True,
    batch_size: int = BATCH_SIZE,
) -> FileSummary:
    """Store the records of one file in batches; bad records are counted and skipped."""
    ctx = ctx or load_rule_context()
    batch: list[tuple[str, cr.CrimeRow]] = []
    for item in items:
        if item.row is None:
            error = item.error or cr.BadRecord(cr.NOT_A_FEATURE)
            summary.skip(error.reason, item.position, error.detail)
            continue
        batch.append((item.position, item.row))
        if len(batch) >= batch_size:
            _store_batch(batch, ctx=ctx, summary=summary, source=source, update_map=update_map)
            batch = []
    if batch:
        _store_batch(batch, ctx=ctx, summary=summary, source=source, update_map=update_map)
    return summary


# ---------------------------------------------------------------- code lists

_CODE_MODELS: dict[FileKind, Any] = {
    FileKind.TYPES: CrimeType,
    FileKind.STATES: CrimeState,
    FileKind.RELEVANCE: CrimeRelevance,
}


def import_code_list(
    kind: FileKind, stream: IO[bytes], *, source: str, summary: FileSummary
) -> FileSummary:
    """Upsert a code list by id in one transaction with one audit entry."""
    model = _CODE_MODELS[kind]
    entries = read_code_list(kind, stream)
    with transaction.atomic():
        existing = {obj.id: obj for obj in model.objects.select_for_update()}
        for entry in entries:
            if entry.node is None:
                error = entry.error or cr.BadRecord(cr.BAD_ENTRY)
                summary.skip(error.reason, entry.position, error.detail)
                continue
            node = entry.node
            values: dict[str, Any] = {"name": node.name}
            if kind is FileKind.TYPES:
                values.update(
                    parent_id1=node.parent_id1,
                    parent_id2=node.parent_id2,
                    parent_id3=node.parent_id3,
                    label=node.label,
                )
            obj = existing.get(node.id)
            if obj is None:
                existing[node.id] = model.objects.create(id=node.id, **values)
                summary.inserted += 1
            elif any(getattr(obj, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(obj, k, v)
                obj.save(update_fields=list(values))
                summary.updated += 1
            else:
                summary.unchanged += 1
        if summary.inserted or summary.updated:
            audit.record(
                action="crimemap.code_list_imported",
                object_type=f"crime_{kind.value}",
                object_id=source[:255],
                actor_label=AUDIT_ACTOR,
                after={"inserted": summary.inserted, "updated": summary.updated},
            )
    return summary


def reapply_public_rules(*, update_map: bool = True, batch_size: int = 5000) -> int:
    """Re-judge every stored record against the current code lists and settings; returns changes.

    Needed when `types.json`/`states.json` arrive after the records, or a setting changes.
    """
    ctx = load_rule_context()
    changed = 0
    last_id = 0
    fields = ("primary_type_id", "is_public", "public_lat", "public_lon")
    while True:
        with transaction.atomic():
            chunk = list(
                CrimeRecord.objects.select_for_update()
                .filter(id__gt=last_id)
                .order_by("id")
                .only("id", "types", "state_id", "lat", "lon", "occurred_at", *fields)[:batch_size]
            )
            if not chunk:
                break
            last_id = chunk[-1].id
            updates, changes = [], []
            for record in chunk:
                types = tuple(int(t) for t in record.types or ())
                derived = _judged(types, record.state_id, record.lat, record.lon, ctx)
                derived.pop("_reason")
                if all(getattr(record, k) == derived[k] for k in fields):
                    continue
                before = crime_footprint(record)
                for k in fields:
                    setattr(record, k, derived[k])
                updates.append(record)
                changes.append((before, crime_footprint(record)))
            if updates:
                _update_records(updates, fields)
                if update_map:
                    _apply_map_changes(changes)
                audit.record(
                    action="crimemap.rules_reapplied",
                    object_type="crime_record",
                    object_id=f"{chunk[0].id}-{last_id}",
                    actor_label=AUDIT_ACTOR,
                    after={"changed": len(updates)},
                )
                changed += len(updates)
    return changed


# ---------------------------------------------------------------- files


@dataclass(frozen=True)
class InputFile:
    """A file (or a member of a zip archive) to import, with its kind."""

    path: Path
    kind: FileKind | None
    member: str | None = None
    size: int = 0

    @property
    def name(self) -> str:
        return f"{self.path.name}:{self.member}" if self.member else self.path.name


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4096)


def plan_inputs(
    paths: Iterable[str | Path], *, kind: FileKind | None = None
) -> tuple[list[InputFile], list[FileSummary]]:
    """Detect kinds (expanding zips); code lists first so records are judged against them."""
    inputs: list[InputFile] = []
    problems: list[FileSummary] = []
    for raw in paths:
        path = Path(raw)
        try:
            if not path.is_file():
                raise BrokenFile(_("file not found"))
            detected = kind or detect_kind(path.name, _head(path))
            if detected is FileKind.ZIP:
                members = zip_members(path)
                if not members:
                    raise BrokenFile(_("the archive holds no files"))
                for member in members:
                    inputs.append(InputFile(path, member.kind, member.name, member.size))
            else:
                inputs.append(InputFile(path, detected, None, path.stat().st_size))
        except BrokenFile as exc:
            problems.append(FileSummary(name=path.name, error=str(exc)))
        except OSError as exc:
            problems.append(FileSummary(name=path.name, error=str(exc)))
    order = {FileKind.TYPES: 0, FileKind.STATES: 1, FileKind.RELEVANCE: 2}
    inputs.sort(key=lambda f: order.get(f.kind, 3) if f.kind else 3)
    return inputs, problems


def _progress_bar(total: int, name: str, enabled: bool) -> Any:
    from tqdm import tqdm  # third-party progress bar, only for the command line

    return tqdm(
        total=total or None, desc=name, unit="B", unit_scale=True, disable=not enabled, leave=False
    )


def import_paths(
    paths: Iterable[str | Path],
    *,
    kind: FileKind | None = None,
    progress: bool = False,
    rebuild_map: bool = False,
    batch_size: int = BATCH_SIZE,
    on_summary: Callable[[FileSummary], None] | None = None,
) -> list[FileSummary]:
    """Import files of any kind; each gets a summary (error set when the file is broken).

    With `rebuild_map` the map layer is recomputed once at the end instead of batch by
    batch (faster for a first load of many months; the counts are stale until then).
    """
    inputs, summaries = plan_inputs(paths, kind=kind)
    for s in summaries:
        if on_summary:
            on_summary(s)
    ctx: RuleContext | None = None
    codes_changed = False
    for item in inputs:
        summary = FileSummary(
            name=item.name, kind=KIND_LABELS.get(item.kind, "?") if item.kind else "?"
        )
        if item.kind is None and item.member is not None:
            # A read-me or licence beside the data in an archive is not an error.
            summary.note = _("not crime-map data, left out")
            summaries.append(summary)
            if on_summary:
                on_summary(summary)
            continue
        try:
            if item.kind is None:
                raise BrokenFile(
                    _(
                        "cannot tell what this file holds; name it *.geojson, *.csv, types.json, states.json or relevance.json, or pass --kind"
                    )
                )
            with ExitStack() as stack:
                if item.member is not None:
                    archive, stream = open_zip_member(item.path, item.member)
                    stack.callback(archive.close)
                    stack.callback(stream.close)
                else:
                    stream = stack.enter_context(item.path.open("rb"))
                if item.kind in CODE_LIST_KINDS:
                    import_code_list(item.kind, stream, source=item.name, summary=summary)
                    codes_changed = codes_changed or bool(summary.inserted or summary.updated)
                    ctx = None
                else:
                    if ctx is None:
                        if codes_changed:
                            # Records stored earlier are judged again against the new lists.
                            reapply_public_rules(update_map=not rebuild_map)
                            codes_changed = False
                        ctx = load_rule_context()
                    bar = stack.enter_context(_progress_bar(item.size, item.name, progress))
                    import_records(
                        iter_records(item.kind, stream, progress=bar.update),
                        source=item.name,
                        summary=summary,
                        ctx=ctx,
                        update_map=not rebuild_map,
                        batch_size=batch_size,
                    )
        except (BrokenFile, zipfile.BadZipFile, EOFError, OSError) as exc:
            done = summary.inserted + summary.updated
            summary.error = str(exc) + (
                _(" — %(n)d records before this point were stored; re-import after fixing the file")
                % {"n": done}
                if done
                else ""
            )
        summaries.append(summary)
        if on_summary:
            on_summary(summary)
    if codes_changed:
        reapply_public_rules(update_map=not rebuild_map)
    if rebuild_map:
        rebuild_map_layer()
    return summaries
