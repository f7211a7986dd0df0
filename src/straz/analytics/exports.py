"""Text formats of the downloads: CSV and GeoJSON (RFC 7946), written as streams."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from straz.analytics.rules import spreadsheet_safe
from straz.analytics.threatmap.queries import Breakdown, Statistics
from straz.reports.rules import Status

# Free-text columns that a spreadsheet could execute as a formula.
_FREE_TEXT = {"description", "address_text", "category_name", "district_name", "officer", "label"}
# Location columns leave the GeoJSON properties and become its geometry.
_GEOMETRY = {"lat", "lon"}


def _cell(name: str, value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if name in _FREE_TEXT and isinstance(value, str):
        return spreadsheet_safe(value)
    return value


BATCH = 500  # rows per chunk of a streamed download


def csv_stream(fields: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A CSV (RFC 4180, CRLF) with a header line, yielded in chunks of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_cell(name, row[name]) for name in fields])
        if n % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate(0)
    yield buffer.getvalue()


def geojson_stream(fields: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A GeoJSON FeatureCollection of Points ([lon, lat], WGS84), yielded in chunks."""
    properties = [f for f in fields if f not in _GEOMETRY]
    yield '{"type":"FeatureCollection","features":['
    chunk: list[str] = []
    first = True
    for row in rows:
        feature = {
            "type": "Feature",
            "id": row["id"],
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": {name: row[name] for name in properties},
        }
        chunk.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
        if len(chunk) == BATCH:
            yield ("" if first else ",") + ",".join(chunk)
            first = False
            chunk = []
    if chunk:
        yield ("" if first else ",") + ",".join(chunk)
    yield "]}\n"


TABLES = ("categories", "districts", "months")
TABLE_FIELDS = [
    "key",
    "label",
    "total",
    *[f"status_{s.value}" for s in Status],
    "verified",
    "confirmed",
    "confirmation_rate",
    "population",
    "per_100k",
    "median_hours_to_read",
    "median_hours_to_verify",
    "read_on_time",
    "read_judged",
    "read_on_time_share",
    "verified_on_time",
    "verify_judged",
    "verified_on_time_share",
]


def table_rows(stats: Statistics, table: str) -> list[Breakdown]:
    """The rows of one aggregated table."""
    return {
        "categories": stats.by_category,
        "districts": stats.by_district,
        "months": stats.by_month,
    }[table]


def table_csv(stats: Statistics, table: str) -> Iterator[str]:
    """One aggregated table (by category, district or month) as CSV."""
    flat = []
    for row in table_rows(stats, table):
        data = row.as_dict()
        data.update({f"status_{k}": v for k, v in data.pop("by_status").items()})
        flat.append(data)
    return csv_stream(TABLE_FIELDS, flat)
