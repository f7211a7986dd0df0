"""Streaming readers for the crime-map open data files: GeoJSON, CSV, zip, code lists.

Monthly files reach 100 MB, so records are read one at a time from a bounded buffer
instead of loading the whole document. No Django here.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from straz.reports.crimemap.rules import (
    BAD_COLUMNS,
    BAD_ENTRY,
    BadRecord,
    CrimeRow,
    TypeNode,
    parse_code,
    row_from_csv,
    row_from_feature,
)

Progress = Callable[[int], None]
CHUNK_SIZE = 1 << 20
# A syntax error this far before the end of the buffer cannot be a record cut by a chunk
# boundary (no record is that long), so it is reported instead of reading further.
_MAX_RECORD_CHARS = 1 << 20


class FileKind(StrEnum):
    """What an input file holds."""

    GEOJSON = "geojson"
    CSV = "csv"
    ZIP = "zip"
    TYPES = "types"
    STATES = "states"
    RELEVANCE = "relevance"


CODE_LIST_KINDS = frozenset({FileKind.TYPES, FileKind.STATES, FileKind.RELEVANCE})


class BrokenFile(Exception):
    """The file cannot be read on (not UTF-8, not JSON/CSV, wrong structure)."""

    def __init__(self, message: str, *, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.where = where


@dataclass(frozen=True)
class Item:
    """One record read from a file: the parsed row, or why it was refused."""

    position: str
    row: CrimeRow | None = None
    error: BadRecord | None = None


_NAME_HINTS: list[tuple[tuple[str, ...], FileKind]] = [
    (("relevance",), FileKind.RELEVANCE),
    (("types", "type", "typy"), FileKind.TYPES),
    (("states", "state", "stavy", "stav"), FileKind.STATES),
]


def detect_kind(name: str, head: bytes) -> FileKind | None:
    """Tell a file's kind from its name, then from its first bytes (None when unsure)."""
    lower = os.path.basename(name).lower()
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"PK\x03\x04") or lower.endswith(".zip"):
        return FileKind.ZIP
    if lower.endswith(".geojson"):
        return FileKind.GEOJSON
    if lower.endswith(".csv"):
        return FileKind.CSV
    if text.startswith(b"{") and (b'"FeatureCollection"' in text or b'"features"' in text):
        return FileKind.GEOJSON
    stem = lower.rsplit(".", 1)[0]
    for hints, kind in _NAME_HINTS:
        if any(
            stem == h
            or stem.startswith(h + "_")
            or stem.endswith("_" + h)
            or stem.endswith("-" + h)
            or stem.startswith(h + "-")
            for h in hints
        ):
            return kind
    if b"parent_id1" in text:
        return FileKind.TYPES
    if text[:1] not in (b"{", b"[") and b"," in text.split(b"\n", 1)[0]:
        first = text.split(b"\n", 1)[0].lower()
        if b"id" in first and b"x" in first and b"y" in first:
            return FileKind.CSV
    return None


class _CountingReader(io.RawIOBase):
    """A raw byte stream that reports how many bytes were read (for the progress bar)."""

    def __init__(self, inner: IO[bytes], progress: Progress | None) -> None:
        self._inner = inner
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if n and self._progress is not None:
            self._progress(n)
        return n


class _JsonStream:
    """Reads JSON values one at a time from a byte stream with a bounded buffer."""

    def __init__(
        self, stream: IO[bytes], progress: Progress | None, chunk_size: int = CHUNK_SIZE
    ) -> None:
        self._stream = stream
        self._progress = progress
        self._chunk = chunk_size
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
        self._json = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._bytes = 0
        self._line = 1
        self._counted = 0  # buffer index up to which newlines are counted into _line

    def line_at(self, index: int) -> int:
        """Line number (1-based) of a buffer index at or after the last one asked for."""
        if index > self._counted:
            self._line += self.buf.count("\n", self._counted, index)
            self._counted = index
        return self._line

    def _more(self) -> bool:
        if self.eof:
            return False
        self.line_at(self.pos)
        data = self._stream.read(self._chunk)
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise BrokenFile(f"not UTF-8 text (byte {self._bytes + exc.start + 1})") from None
        self._bytes += len(data)
        if data and self._progress is not None:
            self._progress(len(data))
        # Drop what was consumed so that memory stays bounded by about one chunk.
        self.buf = self.buf[self.pos :] + text
        self._counted -= self.pos
        self.pos = 0
        if not data:
            self.eof = True
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            buf, pos, n = self.buf, self.pos, len(self.buf)
            while pos < n and buf[pos] in " \t\r\n":
                pos += 1
            self.pos = pos
            if pos < n:
                return buf[pos]
            if not self._more():
                return ""

    def take(self, expected: str) -> None:
        """Consume one structural character or fail with the position."""
        found = self.peek()
        if found != expected:
            shown = repr(found) if found else "the end of the file"
            raise BrokenFile(
                f"expected {expected!r} but found {shown}", where=f"line {self.line_at(self.pos)}"
            )
        self.pos += 1

    def value(self) -> Any:
        """Decode the next complete JSON value."""
        if not self.peek():
            raise BrokenFile("unexpected end of the file", where=f"line {self.line_at(self.pos)}")
        while True:
            try:
                obj, end = self._json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof or len(self.buf) - exc.pos > _MAX_RECORD_CHARS:
                    line = self.line_at(max(self.pos, min(exc.pos, len(self.buf))))
                    truncated = self.eof and len(self.buf.rstrip()) - exc.pos < 200
                    hint = (
                        " - the file ends in the middle of a record (truncated?)"
                        if truncated
                        else ""
                    )
                    raise BrokenFile(
                        f"invalid JSON ({exc.msg}){hint}", where=f"line {line}"
                    ) from None
                self._more()
                continue
            if end >= len(self.buf) and not self.eof:
                # A number or literal cut by the chunk boundary decodes short: read on.
                self._more()
                continue
            self.pos = end
            return obj


def iter_geojson(
    stream: IO[bytes], *, progress: Progress | None = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[Item]:
    """Yield each Feature of a FeatureCollection, parsed or refused, without loading the file."""
    js = _JsonStream(stream, progress, chunk_size)
    if js.peek() != "{":
        raise BrokenFile("not a GeoJSON FeatureCollection (no JSON object)", where="line 1")
    js.take("{")
    collection_type: Any = None
    saw_features = False
    if js.peek() == "}":
        raise BrokenFile("the GeoJSON object has no 'features'")
    while True:
        key = js.value()
        if not isinstance(key, str):
            raise BrokenFile("invalid JSON object key", where=f"line {js.line_at(js.pos)}")
        js.take(":")
        if key == "features":
            saw_features = True
            js.take("[")
            index = 0
            if js.peek() == "]":
                js.take("]")
            else:
                while True:
                    js.peek()
                    line = js.line_at(js.pos)
                    feature = js.value()
                    index += 1
                    position = f"feature {index}, line {line}"
                    try:
                        yield Item(position, row=row_from_feature(feature))
                    except BadRecord as exc:
                        yield Item(position, error=exc)
                    sep = js.peek()
                    if sep == ",":
                        js.take(",")
                    elif sep == "]":
                        js.take("]")
                        break
                    else:
                        js.take("]")
        else:
            value = js.value()
            if key == "type":
                collection_type = value
        sep = js.peek()
        if sep == ",":
            js.take(",")
        else:
            js.take("}")
            break
    if js.peek():
        raise BrokenFile(
            "data after the end of the GeoJSON object", where=f"line {js.line_at(js.pos)}"
        )
    if collection_type is not None and collection_type != "FeatureCollection":
        raise BrokenFile(f"GeoJSON type is {collection_type!r}, expected 'FeatureCollection'")
    if not saw_features:
        raise BrokenFile("the GeoJSON object has no 'features'")


CSV_REQUIRED = ("id", "x", "y", "date")


def iter_csv(stream: IO[bytes], *, progress: Progress | None = None) -> Iterator[Item]:
    """Yield each CSV row (id, x, y, date, state, relevance, types, mp), parsed or refused."""
    raw = io.BufferedReader(_CountingReader(stream, progress), buffer_size=CHUNK_SIZE)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        header_line = text.readline()
    except UnicodeDecodeError:
        raise BrokenFile("not UTF-8 text", where="line 1") from None
    if not header_line.strip():
        raise BrokenFile("the CSV file is empty")
    # The police CSV uses commas; a Czech spreadsheet export uses semicolons.
    delimiter = max((",", ";", "\t"), key=header_line.count)
    decimal_comma = delimiter != ","
    header = [h.strip().lower() for h in next(csv.reader([header_line], delimiter=delimiter))]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise BrokenFile(f"missing CSV columns: {', '.join(missing)}", where="line 1")
    if len(set(header)) != len(header):
        raise BrokenFile("repeated CSV column names", where="line 1")
    reader = csv.reader(text, delimiter=delimiter)
    line = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BrokenFile(f"invalid CSV ({exc})", where=f"line {reader.line_num + 1}") from None
        except UnicodeDecodeError:
            raise BrokenFile("not UTF-8 text", where=f"after line {line}") from None
        line = reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        position = f"line {line}"
        if len(values) != len(header):
            yield Item(
                position,
                error=BadRecord(BAD_COLUMNS, f"{len(values)} columns, expected {len(header)}"),
            )
            continue
        try:
            yield Item(
                position,
                row=row_from_csv(
                    dict(zip(header, values, strict=True)), decimal_comma=decimal_comma
                ),
            )
        except BadRecord as exc:
            yield Item(position, error=exc)


@dataclass(frozen=True)
class ZipMember:
    """A data file inside a zip archive."""

    name: str
    kind: FileKind | None
    size: int


def zip_members(path: Path) -> list[ZipMember]:
    """The files inside an archive with their detected kinds."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = []
            for info in archive.infolist():
                if (
                    info.is_dir()
                    or info.filename.startswith("__MACOSX/")
                    or os.path.basename(info.filename).startswith(".")
                ):
                    continue
                with archive.open(info) as handle:
                    head = handle.read(4096)
                kind = detect_kind(info.filename, head)
                members.append(ZipMember(info.filename, kind, info.file_size))
            return members
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BrokenFile(f"not a readable zip archive ({exc})") from None


def open_zip_member(path: Path, name: str) -> tuple[zipfile.ZipFile, IO[bytes]]:
    """Open one member for streaming; the caller closes both."""
    try:
        archive = zipfile.ZipFile(path)
        return archive, archive.open(name)
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise BrokenFile(f"cannot open {name} in the archive ({exc})") from None


def iter_records(
    kind: FileKind, stream: IO[bytes], *, progress: Progress | None = None
) -> Iterator[Item]:
    """Records of a data file of the given kind."""
    if kind is FileKind.GEOJSON:
        return iter_geojson(stream, progress=progress)
    if kind is FileKind.CSV:
        return iter_csv(stream, progress=progress)
    raise ValueError(f"{kind} is not a record file")


@dataclass(frozen=True)
class CodeEntry:
    """One entry of a code list: (id, name) or a TypeNode for `types.json`."""

    position: str
    node: TypeNode | None = None
    error: BadRecord | None = None


def _entries(document: Any) -> list[Any]:
    """The list of entries of a code list, whatever its wrapping."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        lists = [v for v in document.values() if isinstance(v, list)]
        if len(lists) == 1 and len(document) <= 3:
            return lists[0]  # e.g. {"data": [...]}
        if all(isinstance(v, str) for v in document.values()):
            return [{"id": k, "name": v} for k, v in document.items()]  # {"1": "name", …}
    raise BrokenFile("a code list must be a JSON list of {id, name} objects or an id → name object")


def read_code_list(kind: FileKind, stream: IO[bytes]) -> list[CodeEntry]:
    """Parse `types.json`, `states.json` or `relevance.json` (small: read whole)."""
    try:
        document = json.loads(stream.read().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BrokenFile("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BrokenFile(f"invalid JSON ({exc.msg})", where=f"line {exc.lineno}") from None
    result: list[CodeEntry] = []
    for index, entry in enumerate(_entries(document), start=1):
        position = f"entry {index}"
        try:
            if not isinstance(entry, dict):
                raise BadRecord(BAD_ENTRY, "not an object")
            type_id = parse_code(entry.get("id"))
            name = entry.get("name")
            if type_id is None:
                raise BadRecord(BAD_ENTRY, "missing id")
            if not isinstance(name, str) or not name.strip():
                raise BadRecord(BAD_ENTRY, "missing name")
            label = entry.get("label")
            node = TypeNode(
                id=type_id,
                parent_id1=parse_code(entry.get("parent_id1")) if kind is FileKind.TYPES else None,
                parent_id2=parse_code(entry.get("parent_id2")) if kind is FileKind.TYPES else None,
                parent_id3=parse_code(entry.get("parent_id3")) if kind is FileKind.TYPES else None,
                name=name.strip()[:300],
                label=label.strip()[:300] if isinstance(label, str) else "",
            )
            result.append(CodeEntry(position, node=node))
        except BadRecord as exc:
            result.append(
                CodeEntry(
                    position,
                    error=exc if exc.reason == BAD_ENTRY else BadRecord(BAD_ENTRY, str(exc)),
                )
            )
    return result
