"""Importing address points: ČÚZK RÚIAN CSV (cp1250, S-JTSK) or any CSV with named columns.

One import is one transaction: each municipality met in the files has its old points
replaced by the new ones, the name table is rebuilt for it and one audit entry is written.
A file that cannot be read (encoding, header, not a zip) refuses the whole import;
single bad rows are skipped and reported with their line numbers.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import Avg, Count
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.territory.addresses.rules import (
    HouseNumberKind,
    map_ruian_header,
    parse_decimal,
    ruian_kind,
)
from straz.territory.models import AddressName, AddressPoint
from straz.territory.rules import normalise_place_name

BATCH = 5000
# The fields a row is read into, whatever the source format.
FIELDS = (
    "municipality_code",
    "municipality",
    "part",
    "street",
    "kind",
    "house_number",
    "orientation_number",
    "letter",
    "postcode",
    "x",
    "y",
    "adm_code",
)


class AddressImportError(ValueError):
    """The files were refused; `messages` are translated; nothing was changed."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = [str(m) for m in messages]
        super().__init__("\n".join(self.messages))


@dataclass(frozen=True)
class BadRow:
    """A row that was skipped: the file, its line number and why."""

    source: str
    line: int
    reason: str


@dataclass
class AddressImportSummary:
    """What an import did."""

    imported: int = 0
    without_coordinates: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CsvColumns:
    """Where each field is in a CSV of another register (`--format csv`); '' when absent."""

    municipality_code: str
    municipality: str
    house_number: str
    x: str  # longitude, or easting in `crs`
    y: str  # latitude, or northing in `crs`
    street: str = ""
    part: str = ""
    orientation_number: str = ""
    letter: str = ""
    postcode: str = ""
    source_code: str = ""
    delimiter: str = ","
    encoding: str = "utf-8"
    crs: str = "EPSG:4326"


@dataclass(frozen=True)
class _Source:
    label: str
    open_text: Callable[[], io.TextIOBase]


_RUIAN_CRS = "EPSG:5514"


def _transformer(crs: str) -> Any:
    from pyproj import Transformer  # the PROJ database is heavy: loaded on first import only

    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


def _sources(
    paths: Sequence[str | Path], encoding: str, archives: list[zipfile.ZipFile]
) -> list[_Source]:
    """Each CSV to read: the files given, and the CSV members of the zips given.

    Zips are opened once and kept in `archives` (the caller closes them): reopening a zip
    of 6,000 municipality files for each member would re-read its directory every time.
    """
    sources: list[_Source] = []
    for given in paths:
        path = Path(given)
        if not path.is_file():
            raise AddressImportError(
                [_("File %(path)s does not exist or is not a file") % {"path": str(given)}]
            )
        if zipfile.is_zipfile(path):
            try:
                archive = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise AddressImportError(
                    [
                        _("%(path)s is not a readable zip archive (%(reason)s)")
                        % {"path": str(given), "reason": exc}
                    ]
                ) from exc
            archives.append(archive)
            members = sorted(n for n in archive.namelist() if n.lower().endswith(".csv"))
            if not members:
                raise AddressImportError(
                    [_("The zip archive %(path)s contains no CSV file") % {"path": str(given)}]
                )
            sources.extend(
                _Source(label=f"{given}:{member}", open_text=_zip_opener(archive, member, encoding))
                for member in members
            )
        else:
            sources.append(_Source(label=str(given), open_text=_file_opener(path, encoding)))
    return sources


def _zip_opener(
    archive: zipfile.ZipFile, member: str, encoding: str
) -> Callable[[], io.TextIOBase]:
    def open_text() -> io.TextIOBase:
        return io.TextIOWrapper(archive.open(member), encoding=encoding, newline="")

    return open_text


def _file_opener(path: Path, encoding: str) -> Callable[[], io.TextIOBase]:
    def open_text() -> io.TextIOBase:
        return io.TextIOWrapper(path.open("rb"), encoding=encoding, newline="")

    return open_text


def _ruian_rows(
    reader: Iterator[list[str]], source: str
) -> Iterator[tuple[int, dict[str, str] | None, str]]:
    header = next(reader, None)
    if header is None:
        raise AddressImportError([_("%(path)s is empty") % {"path": source}])
    positions, missing = map_ruian_header(header)
    if missing:
        raise AddressImportError(
            [
                _("%(path)s is not a RÚIAN address-point file: missing columns %(columns)s")
                % {"path": source, "columns": ", ".join(missing)}
            ]
        )
    width = len(header)
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < width:
            yield (
                line,
                None,
                _("expected %(expected)s columns, found %(found)s")
                % {
                    "expected": width,
                    "found": len(row),
                },
            )
            continue
        values = {name: row[index].strip() for name, index in positions.items()}
        values["kind"] = ruian_kind(values.get("kind", ""))
        # RÚIAN gives S-JTSK as positive numbers; EPSG:5514 is both negated (x = -Y, y = -X).
        y_text, x_text = values.get("y", ""), values.get("x", "")
        values["x"], values["y"] = _negated(y_text), _negated(x_text)
        yield line, values, ""


def _negated(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    return text[1:] if text.startswith("-") else "-" + text


def _csv_rows(
    reader: Iterator[list[str]], source: str, columns: CsvColumns
) -> Iterator[tuple[int, dict[str, str] | None, str]]:
    header = next(reader, None)
    if header is None:
        raise AddressImportError([_("%(path)s is empty") % {"path": source}])
    names = [h.strip().lstrip("\ufeff") for h in header]
    wanted = {
        "municipality_code": columns.municipality_code,
        "municipality": columns.municipality,
        "house_number": columns.house_number,
        "x": columns.x,
        "y": columns.y,
        "street": columns.street,
        "part": columns.part,
        "orientation_number": columns.orientation_number,
        "letter": columns.letter,
        "postcode": columns.postcode,
        "adm_code": columns.source_code,
    }
    missing = [column for column in wanted.values() if column and column not in names]
    if missing:
        raise AddressImportError(
            [
                _("%(path)s has no column %(columns)s")
                % {"path": source, "columns": ", ".join(missing)}
            ]
        )
    positions = {f: names.index(c) for f, c in wanted.items() if c}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(names):
            yield (
                line,
                None,
                _("expected %(expected)s columns, found %(found)s")
                % {
                    "expected": len(names),
                    "found": len(row),
                },
            )
            continue
        values = {name: row[index].strip() for name, index in positions.items()}
        values["kind"] = HouseNumberKind.DESCRIPTIVE
        yield line, values, ""


def _optional_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text else None


@dataclass
class _Pending:
    line: int
    source: str
    values: dict[str, str]
    house_number: int
    orientation_number: int | None
    x: float
    y: float


def _checked(line: int, source: str, values: dict[str, str]) -> tuple[_Pending | None, str, bool]:
    """A row ready to convert, or the reason it is bad, or (None, '', True) without coordinates."""
    x_text, y_text = values.get("x", ""), values.get("y", "")
    try:
        x, y = parse_decimal(x_text), parse_decimal(y_text)
    except ValueError:
        return None, _("the coordinates are not numbers"), False
    if x is None or y is None:
        return None, "", True
    if not values.get("municipality_code") or not values.get("municipality"):
        return None, _("the municipality code or name is missing"), False
    try:
        house_number = int(values.get("house_number", ""))
        orientation = _optional_int(values.get("orientation_number", ""))
    except ValueError:
        return None, _("the house or orientation number is not a whole number"), False
    if house_number <= 0 or (orientation is not None and orientation <= 0):
        return None, _("the house or orientation number is not a whole number"), False
    if len(values.get("letter", "")) > 1:
        return None, _("the orientation letter has more than one character"), False
    for name, limit in (
        ("municipality_code", 12),
        ("municipality", 100),
        ("part", 100),
        ("street", 150),
        ("postcode", 10),
        ("adm_code", 20),
    ):
        if len(values.get(name, "")) > limit:
            return None, _("a value is longer than its column allows"), False
    return _Pending(line, source, values, house_number, orientation, x, y), "", False


def import_addresses(
    *,
    paths: Sequence[str | Path],
    file_format: str = "ruian",
    columns: CsvColumns | None = None,
    actor: User | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> AddressImportSummary:
    """Import address points from files or zips; all or nothing, one audit entry."""
    if file_format == "ruian":
        encoding, delimiter, crs = "cp1250", ";", _RUIAN_CRS
    elif file_format == "csv":
        if columns is None:
            raise AddressImportError([_("The CSV format needs its column names.")])
        encoding, delimiter, crs = columns.encoding, columns.delimiter, columns.crs
    else:
        raise AddressImportError(
            [_("Unknown format %(format)s; choose ruian or csv") % {"format": file_format}]
        )
    try:
        transformer = _transformer(crs)
    except Exception as exc:  # pyproj raises its own CRSError for unknown systems
        raise AddressImportError([_("Unknown coordinate system %(crs)s") % {"crs": crs}]) from exc
    archives: list[zipfile.ZipFile] = []
    try:
        return _import(
            paths,
            file_format,
            columns,
            actor,
            on_rows,
            encoding,
            delimiter,
            transformer,
            _sources(paths, encoding, archives),
        )
    finally:
        for archive in archives:
            archive.close()


def _import(
    paths: Sequence[str | Path],
    file_format: str,
    columns: CsvColumns | None,
    actor: User | None,
    on_rows: Callable[[int], None] | None,
    encoding: str,
    delimiter: str,
    transformer: Any,
    sources: list[_Source],
) -> AddressImportSummary:
    """The import proper, once the sources are known (see import_addresses)."""

    def read(source: _Source) -> Iterator[tuple[int, dict[str, str] | None, str]]:
        try:
            with source.open_text() as handle:
                reader = csv.reader(handle, delimiter=delimiter)
                if file_format == "ruian":
                    yield from _ruian_rows(reader, source.label)
                else:
                    yield from _csv_rows(reader, source.label, columns)  # type: ignore[arg-type]
        except UnicodeDecodeError as exc:
            raise AddressImportError(
                [
                    _("%(path)s is not in the expected encoding %(encoding)s (%(reason)s)")
                    % {"path": source.label, "encoding": encoding, "reason": exc.reason}
                ]
            ) from exc
        except csv.Error as exc:
            raise AddressImportError(
                [
                    _("%(path)s is not a readable CSV file (%(reason)s)")
                    % {"path": source.label, "reason": exc}
                ]
            ) from exc

    # First pass, outside any transaction: every file readable, and each municipality's
    # size (its rows in the files), which each point stores for the search's ranking.
    sizes: Counter[str] = Counter()
    for source in sources:
        for _line, values, _problem in read(source):
            if values is not None:
                sizes[values.get("municipality_code", "")] += 1
    summary = AddressImportSummary()
    seen: set[str] = set()
    names: dict[str, str] = {}
    with audit.audited_transaction():
        for source in sources:
            batch: list[_Pending] = []
            for line, values, problem in read(source):
                if values is None:
                    summary.bad_rows.append(BadRow(source.label, line, problem))
                    continue
                pending, problem, no_coordinates = _checked(line, source.label, values)
                if no_coordinates:
                    summary.without_coordinates += 1
                elif pending is None:
                    summary.bad_rows.append(BadRow(source.label, line, problem))
                else:
                    batch.append(pending)
                if len(batch) >= BATCH:
                    _write(batch, transformer, seen, names, sizes, summary, on_rows)
                    batch = []
            _write(batch, transformer, seen, names, sizes, summary, on_rows)
        summary.municipalities = sorted(seen)
        _rebuild_names(seen)
        audit.record(
            action="territory.import_addresses",
            object_type="address",
            object_id=file_format,
            actor=actor,
            actor_label=None if actor else "import",
            after={
                "files": [str(p) for p in paths],
                "imported": summary.imported,
                "without_coordinates": summary.without_coordinates,
                "bad_rows": len(summary.bad_rows),
                "municipalities": {code: names[code] for code in summary.municipalities},
            },
        )
    return summary


def _write(
    batch: list[_Pending],
    transformer: Any,
    seen: set[str],
    names: dict[str, str],
    sizes: Counter[str],
    summary: AddressImportSummary,
    on_rows: Callable[[int], None] | None,
) -> None:
    if not batch:
        return
    lons, lats = transformer.transform([p.x for p in batch], [p.y for p in batch])
    points: list[AddressPoint] = []
    for pending, lon, lat in zip(batch, lons, lats, strict=True):
        lon, lat = float(lon), float(lat)
        if not (
            math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
        ):
            summary.bad_rows.append(
                BadRow(pending.source, pending.line, _("the coordinates are outside the world"))
            )
            continue
        values = pending.values
        code = values["municipality_code"]
        if code not in seen:
            # Re-importing a municipality replaces its points (inside this transaction).
            AddressPoint.objects.filter(municipality_code=code).delete()
            seen.add(code)
            names[code] = values["municipality"]
        part = values.get("part", "") or values["municipality"]
        street = values.get("street", "")
        part_key = normalise_place_name(part)
        points.append(
            AddressPoint(
                municipality_code=code,
                municipality=values["municipality"],
                part=part,
                street=street,
                street_key=normalise_place_name(street) if street else part_key,
                part_key=part_key,
                house_number_kind=values.get("kind") or HouseNumberKind.DESCRIPTIVE,
                house_number=pending.house_number,
                orientation_number=pending.orientation_number,
                orientation_letter=values.get("letter", "").lower(),
                postcode=values.get("postcode", "").replace(" ", ""),
                lat=round(lat, 7),
                lon=round(lon, 7),
                source_code=values.get("adm_code", ""),
                municipality_size=sizes[code],
            )
        )
    AddressPoint.objects.bulk_create(points, batch_size=BATCH)
    summary.imported += len(points)
    if on_rows is not None:
        on_rows(len(batch))


def _rebuild_names(codes: Iterable[str]) -> None:
    """The distinct streets and parts of these municipalities, with the mean of their points."""
    codes = sorted(codes)
    AddressName.objects.filter(municipality_code__in=codes).delete()
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        points = AddressPoint.objects.filter(municipality_code__in=chunk)
        names: list[AddressName] = []
        streets = (
            points.exclude(street="")
            .values("municipality_code", "municipality", "street", "street_key")
            .annotate(lat=Avg("lat"), lon=Avg("lon"), n=Count("id"))
            .order_by()
        )
        for row in streets:
            names.append(
                AddressName(
                    municipality_code=row["municipality_code"],
                    municipality=row["municipality"],
                    name=row["street"],
                    key=row["street_key"],
                    is_street=True,
                    lat=row["lat"],
                    lon=row["lon"],
                    points=row["n"],
                )
            )
        parts = (
            points.values("municipality_code", "municipality", "part", "part_key")
            .annotate(lat=Avg("lat"), lon=Avg("lon"), n=Count("id"))
            .order_by()
        )
        for part_row in parts:
            names.append(
                AddressName(
                    municipality_code=part_row["municipality_code"],
                    municipality=part_row["municipality"],
                    name=part_row["part"],
                    key=part_row["part_key"],
                    is_street=False,
                    lat=part_row["lat"],
                    lon=part_row["lon"],
                    points=part_row["n"],
                )
            )
        AddressName.objects.bulk_create(names, batch_size=BATCH)
