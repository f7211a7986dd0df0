"""Statistics of joint interventions (§16(5) of Decree 328/2001): counts by incident type,
highest declared alarm level, month of start and area, with rescue-work durations and, when
incident reports exist, their consequences (dead, injured, rescued, evacuated).

Definitions (also in docs and on the page):
- an incident's *start* is the start of rescue work when recorded, otherwise the time it
  was reported; months and the date filter use the start in the local time zone;
- its *highest level* is the highest alarm level ever declared for the incident itself
  (a level declared for an event's territory is not counted for each of its sites);
  "none" when no level was declared;
- a *rescue duration* counts only for closed incidents with both the start and the end
  of rescue work, in whole minutes;
- *areas*: the region and ORP codes recorded on the incident, and the municipality and
  city district (straz.territory) whose polygon holds the incident's point.

Joint interventions number thousands a year, not millions: the matching incidents are
read in three narrow queries (rows, declarations, report consequences) and counted in
Python, which lets the point-in-polygon areas and the highest level be filtered and
grouped like any other column.
"""

from __future__ import annotations

import csv
import io
import statistics as pystats
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from shapely.geometry import shape

from straz.geo.geojson import normalise_winding
from straz.geo.polygon_index import PolygonIndex
from straz.incidents.choices import LEVEL_RANK, OPEN_STATES, IncidentReportStatus, IncidentState
from straz.incidents.models import AlarmDeclaration, Incident, IncidentReport, IncidentType
from straz.territory.models import Area, AreaKind

NO_LEVEL = "none"
LEVEL_KEYS: tuple[str, ...] = ("I", "II", "III", "special", NO_LEVEL)
# The tables of the page, the CSV downloads and the API, in the order they are shown.
TABLES: tuple[str, ...] = (
    "types",
    "levels",
    "months",
    "regions",
    "orps",
    "municipalities",
    "city-districts",
)
CONSEQUENCES: tuple[str, ...] = ("dead", "injured", "rescued", "evacuated")
MAX_MONTHS = 1200  # a month table longer than 100 years is a mistake, not a question


# ---------------------------------------------------------------- filter and result


@dataclass(frozen=True)
class IncidentStatisticsFilter:
    """What to count: a period of local days (inclusive) and optional type, level and area."""

    date_from: date | None = None
    date_to: date | None = None
    type_code: str | None = None
    level: str | None = None  # a LEVEL_KEYS value
    region: str | None = None
    orp: str | None = None
    municipality: str | None = None  # territory Area code (kind municipality)
    city_district: str | None = None  # territory Area code (kind city-district)

    def as_query(self) -> dict[str, str]:
        """The filter as query parameters (the names the page, CSV and API read)."""
        pairs = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "type": self.type_code or "",
            "level": self.level or "",
            "region": self.region or "",
            "orp": self.orp or "",
            "municipality": self.municipality or "",
            "city_district": self.city_district or "",
        }
        return {k: v for k, v in pairs.items() if v}


@dataclass(frozen=True)
class Consequences:
    """The human consequences an incident report records (§16(4))."""

    dead: int = 0
    injured: int = 0
    rescued: int = 0
    evacuated: int = 0


@dataclass(frozen=True)
class IncidentRecord:
    """One incident as the statistics see it."""

    id: int
    title: str
    type_code: str
    type_label: str
    state: str
    start: datetime
    end: datetime | None
    level: str  # LEVEL_KEYS value
    region: str
    orp: str
    municipality: tuple[str, str] | None  # (code, name)
    city_district: tuple[str, str] | None
    consequences: Consequences | None
    month: str  # YYYY-MM of the start, local time
    rescue_minutes: int | None  # closed incidents with both times; whole minutes


def rescue_minutes(state: str, start: datetime, end: datetime | None) -> int | None:
    """Length of the rescue work in whole minutes (closed incidents with both times)."""
    if state != IncidentState.CLOSED or end is None:
        return None
    return max(0, int((end - start).total_seconds() // 60))


def hours_minutes(minutes: int) -> str:
    """Whole minutes as h:mm (e.g. 125 → 2:05)."""
    return f"{minutes // 60}:{minutes % 60:02d}"


@dataclass
class Breakdown:
    """Counts of one row (a type, a level, a month, an area) or of everything."""

    key: str
    label: str
    incidents: int = 0
    open: int = 0
    closed: int = 0
    by_level: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVEL_KEYS, 0))
    durations: list[int] = field(default_factory=list, repr=False)
    reported: int = 0  # incidents whose consequences are known from a report
    dead: int = 0
    injured: int = 0
    rescued: int = 0
    evacuated: int = 0

    def add(self, record: IncidentRecord) -> None:
        """Count one incident into this row."""
        self.incidents += 1
        if record.state in OPEN_STATES:
            self.open += 1
        else:
            self.closed += 1
        self.by_level[record.level] += 1
        minutes = record.rescue_minutes
        if minutes is not None:
            self.durations.append(minutes)
        if record.consequences is not None:
            self.reported += 1
            self.dead += record.consequences.dead
            self.injured += record.consequences.injured
            self.rescued += record.consequences.rescued
            self.evacuated += record.consequences.evacuated

    @property
    def with_duration(self) -> int:
        return len(self.durations)

    @property
    def rescue_minutes_total(self) -> int:
        return sum(self.durations)

    @property
    def rescue_minutes_median(self) -> float | None:
        return float(pystats.median(self.durations)) if self.durations else None

    @property
    def rescue_median_hm(self) -> str:
        """The median duration as h:mm for the page ("" without any)."""
        median = self.rescue_minutes_median
        return hours_minutes(round(median)) if median is not None else ""

    @property
    def rescue_total_hm(self) -> str:
        """The total duration as h:mm for the page ("" without any)."""
        return hours_minutes(self.rescue_minutes_total) if self.durations else ""

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        out: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "incidents": self.incidents,
            "open": self.open,
            "closed": self.closed,
            "by_level": dict(self.by_level),
            "with_duration": self.with_duration,
            "rescue_minutes_total": self.rescue_minutes_total,
            "rescue_minutes_median": self.rescue_minutes_median,
            "reported": self.reported,
            "dead": self.dead,
            "injured": self.injured,
            "rescued": self.rescued,
            "evacuated": self.evacuated,
        }
        return out


@dataclass
class IncidentStatistics:
    """The whole answer: a summary row and one list of rows per table."""

    filters: IncidentStatisticsFilter
    generated_at: datetime
    summary: Breakdown
    tables: dict[str, list[Breakdown]]
    records: list[IncidentRecord] = field(repr=False)


# ---------------------------------------------------------------- areas (straz.territory)


Fingerprint = tuple[int, int, str]


class _AreaIndexes:
    """Process-wide point-in-polygon indexes of municipalities and city districts.

    Rebuilt when the areas of a kind change (count or latest update), also when another
    process imported them: every statistics request reads the fingerprint first.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[
            str, tuple[Fingerprint, PolygonIndex[int], dict[int, tuple[str, str]]]
        ] = {}

    def get(self, kind: str) -> tuple[PolygonIndex[int], dict[int, tuple[str, str]]]:
        """The index of the active areas of a kind and their (code, name) by id."""
        row = Area.objects.filter(kind=kind).aggregate(
            n=Count("pk"), active=Count("pk", filter=Q(is_active=True)), latest=Max("updated_at")
        )
        fingerprint: Fingerprint = (int(row["n"]), int(row["active"]), str(row["latest"]))
        with self._lock:
            built = self._built.get(kind)
        if built is not None and built[0] == fingerprint:
            return built[1], built[2]


        rows = list(
            Area.objects.filter(kind=kind, is_active=True)
            .order_by("code", "pk")
            .values_list("pk", "code", "name", "geometry")
        )
        index = PolygonIndex(
            [(pk, normalise_winding(shape(geometry))) for pk, _c, _n, geometry in rows]
        )
        names = {pk: (code, name) for pk, code, name, _g in rows}
        with self._lock:
            self._built[kind] = (fingerprint, index, names)
        return index, names


_area_indexes = _AreaIndexes()


def _locate(kind: str, points: Sequence[tuple[float, float]]) -> list[tuple[str, str] | None]:
    """(code, name) of the area of a kind holding each (lat, lon) point, None outside all."""
    if not points:
        return []
    index, names = _area_indexes.get(kind)
    ids = index.locate_many([p[1] for p in points], [p[0] for p in points])
    return [names[i] if i is not None else None for i in ids]


# ---------------------------------------------------------------- consequences (§16(4) report)


def _consequences(incident_ids: Any) -> dict[int, Consequences]:
    """Dead/injured/rescued/evacuated by incident, from the *completed* incident reports.

    A draft may still change, so it does not count yet; a number left empty in a completed
    report counts as zero.
    """
    rows = IncidentReport.objects.filter(
        incident_id__in=incident_ids, status=IncidentReportStatus.COMPLETED
    ).values_list("incident_id", *CONSEQUENCES)
    return {row[0]: Consequences(*(int(v or 0) for v in row[1:])) for row in rows}


# ---------------------------------------------------------------- computing


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _matching_incidents(filters: IncidentStatisticsFilter) -> Any:
    """The incidents whose database columns match the filter (area polygons come later)."""
    qs = Incident.objects.annotate(start=Coalesce("rescue_started_at", "created_at"))
    if filters.date_from is not None:
        qs = qs.filter(start__gte=_local_midnight(filters.date_from))
    if filters.date_to is not None:
        qs = qs.filter(start__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    if filters.type_code:
        qs = qs.filter(type__code=filters.type_code)
    if filters.region:
        qs = qs.filter(region_code=filters.region)
    if filters.orp:
        qs = qs.filter(orp_code=filters.orp)
    # A point inside an area is inside its bounding box: the database narrows the rows
    # down, the polygon test (later, in Python) decides.
    for kind, code in (
        (AreaKind.MUNICIPALITY, filters.municipality),
        (AreaKind.CITY_DISTRICT, filters.city_district),
    ):
        if code:
            box = Area.objects.filter(kind=kind, code=code).values_list(
                "min_lat", "max_lat", "min_lon", "max_lon"
            )
            for min_lat, max_lat, min_lon, max_lon in box:
                qs = qs.filter(
                    lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon
                )
    return qs.order_by()


def _highest_levels(incident_ids: Any) -> dict[int, str]:
    """The highest level ever declared for each incident (only those with a declaration)."""
    highest: dict[int, str] = {}
    rows = (
        AlarmDeclaration.objects.filter(incident_id__in=incident_ids)
        .values_list("incident_id", "level")
        .distinct()
        .order_by()
    )
    for incident_id, level in rows:
        known = highest.get(incident_id)
        if level in LEVEL_RANK and (known is None or LEVEL_RANK[level] > LEVEL_RANK[known]):
            highest[incident_id] = level
    return highest


def incident_records(filters: IncidentStatisticsFilter) -> list[IncidentRecord]:
    """The incidents matching the filter, oldest start first."""
    language = get_language()
    qs = _matching_incidents(filters)
    ids = qs.values("pk")
    rows = list(
        qs.values_list(
            "pk",
            "title",
            "type_id",
            "state",
            "start",
            "rescue_ended_at",
            "lat",
            "lon",
            "region_code",
            "orp_code",
            "alarm_level",
        )
    )
    types = {t.pk: t for t in IncidentType.objects.all()}
    levels = _highest_levels(ids) if rows else {}
    consequences = _consequences(ids) if rows else {}
    points = [(row[6], row[7]) for row in rows]
    municipalities = _locate(AreaKind.MUNICIPALITY, points)
    city_districts = _locate(AreaKind.CITY_DISTRICT, points)
    records: list[IncidentRecord] = []
    local = timezone.get_current_timezone()  # looked up once: 30,000 lookups cost 0.3 s
    for i, (pk, title, type_id, state, start, end, _lat, _lon, region, orp, current) in enumerate(
        rows
    ):
        itype = types[type_id]
        level = levels.get(pk, "")
        # The current level is one of the declared ones; it only matters for rows written
        # without a declaration (imports), so that nothing declared reads as "none".
        if current in LEVEL_RANK and (not level or LEVEL_RANK[current] > LEVEL_RANK[level]):
            level = current
        records.append(
            IncidentRecord(
                id=pk,
                title=title,
                type_code=itype.code,
                type_label=itype.name_in(language),
                state=state,
                start=start,
                end=end,
                level=level or NO_LEVEL,
                region=region,
                orp=orp,
                municipality=municipalities[i],
                city_district=city_districts[i],
                consequences=consequences.get(pk),
                month=month_key(start, local),
                rescue_minutes=rescue_minutes(state, start, end),
            )
        )
    records = [r for r in records if _matches_late(r, filters)]
    records.sort(key=lambda r: (r.start, r.id))
    return records


def _matches_late(record: IncidentRecord, filters: IncidentStatisticsFilter) -> bool:
    """The filter parts that need the computed level or the located areas."""
    if filters.level and record.level != filters.level:
        return False
    if filters.municipality and (
        record.municipality is None or record.municipality[0] != filters.municipality
    ):
        return False
    return not (
        filters.city_district
        and (record.city_district is None or record.city_district[0] != filters.city_district)
    )


def month_key(moment: datetime, zone: tzinfo | None = None) -> str:
    """YYYY-MM of a moment in the local time zone (or the given one)."""
    local = moment.astimezone(zone or timezone.get_current_timezone())
    return f"{local.year:04d}-{local.month:02d}"


def month_range(first: date, last: date) -> list[str]:
    """Every month key from the month of `first` to the month of `last`, inclusive."""
    keys: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month) and len(keys) < MAX_MONTHS:
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def level_label(level: str) -> str:
    """The translated name of a LEVEL_KEYS value."""
    labels = {
        "I": _("Level I"),
        "II": _("Level II"),
        "III": _("Level III"),
        "special": _("Special level"),
        NO_LEVEL: _("No level declared"),
    }
    return str(labels[level])


def _group(
    records: Iterable[IncidentRecord],
    key_of: Callable[[IncidentRecord], tuple[str, str]],
    *,
    preset: Sequence[tuple[str, str]] = (),
    sort: bool = True,
) -> list[Breakdown]:
    rows: dict[str, Breakdown] = {key: Breakdown(key=key, label=label) for key, label in preset}
    for record in records:
        key, label = key_of(record)
        row = rows.get(key)
        if row is None:
            row = rows[key] = Breakdown(key=key, label=label)
        row.add(record)
    out = list(rows.values())
    if sort:
        # Rows without a key ("not given", "outside") last; the rest by name.
        out.sort(key=lambda r: (r.key == "", r.label.casefold(), r.key))
    return out


def compute_statistics(filters: IncidentStatisticsFilter) -> IncidentStatistics:
    """Counts of the incidents matching the filter, overall and per table."""
    records = incident_records(filters)
    summary = Breakdown(key="", label=_("All incidents"))
    for record in records:
        summary.add(record)
    language = get_language()
    type_preset = [
        (t.code, t.name_in(language))
        for t in IncidentType.objects.filter(is_active=True).order_by("order", "code")
    ]
    if filters.type_code:
        type_preset = [p for p in type_preset if p[0] == filters.type_code]
    level_preset = [
        (k, level_label(k)) for k in LEVEL_KEYS if not filters.level or k == filters.level
    ]
    months: list[tuple[str, str]] = []
    first = filters.date_from or (timezone.localtime(records[0].start).date() if records else None)
    last = filters.date_to or (timezone.localtime(records[-1].start).date() if records else None)
    if first is not None and last is not None and first <= last:
        months = [(k, k) for k in month_range(first, last)]
    # Labels translated once, not once per incident.
    not_given = _("Not given")
    levels = {k: level_label(k) for k in LEVEL_KEYS}
    no_municipality = ("", _("Outside every known municipality"))
    no_city_district = ("", _("Not in a city district"))

    tables = {
        "types": _group(
            records, lambda r: (r.type_code, r.type_label), preset=type_preset, sort=False
        ),
        "levels": _group(
            records, lambda r: (r.level, levels[r.level]), preset=level_preset, sort=False
        ),
        "months": sorted(
            _group(
                records,
                lambda r: (r.month, r.month),
                preset=months,
                sort=False,
            ),
            key=lambda r: r.key,
        ),
        "regions": _group(records, lambda r: (r.region, r.region or not_given)),
        "orps": _group(records, lambda r: (r.orp, r.orp or not_given)),
        "municipalities": _group(records, lambda r: r.municipality or no_municipality),
        "city-districts": _group(records, lambda r: r.city_district or no_city_district),
    }
    return IncidentStatistics(
        filters=filters,
        generated_at=timezone.now(),
        summary=summary,
        tables=tables,
        records=records,
    )


def table_title(table: str) -> str:
    """The translated heading of a table."""
    titles = {
        "types": _("By incident type"),
        "levels": _("By highest declared alarm level"),
        "months": _("By month of start"),
        "regions": _("By region"),
        "orps": _("By ORP"),
        "municipalities": _("By municipality"),
        "city-districts": _("By city district"),
    }
    return str(titles[table])


# ---------------------------------------------------------------- CSV

CSV_DELIMITER = ";"  # what Excel expects in Czech and Polish locales (decimal comma)
CSV_BOM = "\ufeff"  # so that Excel reads UTF-8 (Czech and Polish letters) correctly
# Characters that make a spreadsheet read a cell as a formula (CSV injection, OWASP),
# with their full-width forms, which some spreadsheets fold to the ASCII ones.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that no spreadsheet runs as a formula (an apostrophe in front); numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    if value.lstrip(" ").startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV for Excel: UTF-8 with BOM, ';' between cells, CRLF; every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    buffer.write(CSV_BOM)
    writer.writerow([spreadsheet_safe(h) for h in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([spreadsheet_safe(v) for v in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def column_labels() -> dict[str, str]:
    """The CSV column headings people read (in the active language), by column name."""
    return {
        "key": _("Code"),
        "label": _("Name"),
        "incidents": _("Incidents"),
        "open": _("Still open"),
        "closed": _("Closed"),
        "level_I": _("Level I"),
        "level_II": _("Level II"),
        "level_III": _("Level III"),
        "level_special": _("Special level"),
        f"level_{NO_LEVEL}": _("No level declared"),
        "with_duration": _("With a known rescue duration"),
        "rescue_minutes_total": _("Rescue work in total (minutes)"),
        "rescue_minutes_median": _("Rescue work, median (minutes)"),
        "reported": _("Completed incident reports"),
        "dead": _("Dead"),
        "injured": _("Injured"),
        "rescued": _("Rescued"),
        "evacuated": _("Evacuated"),
        "id": _("Incident number"),
        "title": _("Title"),
        "type": _("Incident type code"),
        "type_label": _("Type"),
        "state": _("State"),
        "highest_level": _("Highest alarm level"),
        "start": _("Start"),
        "end": _("End"),
        "rescue_minutes": _("Rescue work (minutes)"),
        "region": _("Region"),
        "orp": _("ORP code"),
        "municipality_code": _("Municipality code"),
        "municipality": _("Municipality"),
        "city_district_code": _("City district code"),
        "city_district": _("City district"),
    }


def header_labels(header: Sequence[str]) -> list[str]:
    """The heading line of a CSV for people: each column's label in the reader's language."""
    labels = column_labels()
    return [str(labels[name]) for name in header]


def table_header() -> list[str]:
    """Column names of a table CSV (the JSON field names, by_level flattened); labels in column_labels()."""
    header = ["key", "label", "incidents", "open", "closed"]
    header += [f"level_{k}" for k in LEVEL_KEYS]
    header += ["with_duration", "rescue_minutes_total", "rescue_minutes_median"]
    header += ["reported", *CONSEQUENCES]
    return header


def table_rows(rows: Iterable[Breakdown]) -> Iterator[list[Any]]:
    """The rows of a table CSV, matching table_header()."""
    for row in rows:
        median = row.rescue_minutes_median
        cells: list[Any] = [row.key, row.label, row.incidents, row.open, row.closed]
        cells += [row.by_level[k] for k in LEVEL_KEYS]
        # Whole minutes: a decimal point would read as a date in a Czech spreadsheet.
        cells += [
            row.with_duration,
            row.rescue_minutes_total,
            round(median) if median is not None else "",
        ]
        cells += [row.reported, row.dead, row.injured, row.rescued, row.evacuated]
        yield cells


def table_csv(stats: IncidentStatistics, table: str) -> Iterator[str]:
    """One table of the statistics as CSV."""
    return csv_text(header_labels(table_header()), table_rows(stats.tables[table]))


def incidents_header() -> list[str]:
    """Column names of the incident-by-incident CSV."""
    header = [
        "id",
        "title",
        "type",
        "type_label",
        "state",
        "highest_level",
        "start",
        "end",
        "rescue_minutes",
        "region",
        "orp",
        "municipality_code",
        "municipality",
        "city_district_code",
        "city_district",
    ]
    header += list(CONSEQUENCES)
    return header


def _local_iso(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""


def incidents_rows(records: Iterable[IncidentRecord]) -> Iterator[list[Any]]:
    """One row per incident, matching incidents_header()."""
    local = timezone.get_current_timezone()
    for r in records:
        muni = r.municipality or ("", "")
        city = r.city_district or ("", "")
        minutes = r.rescue_minutes
        cells: list[Any] = [
            r.id,
            r.title,
            r.type_code,
            r.type_label,
            r.state,
            r.level,
            _local_iso(r.start, local),
            _local_iso(r.end, local),
            minutes if minutes is not None else "",
            r.region,
            r.orp,
            muni[0],
            muni[1],
            city[0],
            city[1],
        ]
        # Empty, not zero, when no completed report says how many.
        c = r.consequences
        cells += [c.dead, c.injured, c.rescued, c.evacuated] if c is not None else ["", "", "", ""]
        yield cells


def incidents_csv(stats: IncidentStatistics) -> Iterator[str]:
    """Every counted incident as one CSV row."""
    return csv_text(header_labels(incidents_header()), incidents_rows(stats.records))
