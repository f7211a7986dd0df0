"""ONE cached point-in-area index per area kind: locate(kind, points) for every wing."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import CharField, IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from shapely.geometry import shape

from straz.geo.geojson import normalise_winding
from straz.geo.polygon_index import PolygonIndex
from straz.territory.models import Area, AreaKind

Fingerprint = tuple[int, int, str]

# Three scalar subqueries summarising the areas of one kind: they change whenever one is
# added, edited (auto updated_at), deactivated or removed. The table name is ours.
_AREA_TABLE = Area._meta.db_table
_FP_COUNT = f"SELECT COUNT(*) FROM {_AREA_TABLE} WHERE kind = %s"  # noqa: S608
_FP_ACTIVE = f"SELECT COUNT(*) FROM {_AREA_TABLE} WHERE kind = %s AND is_active"  # noqa: S608
_FP_LATEST = f"SELECT MAX(updated_at) FROM {_AREA_TABLE} WHERE kind = %s"  # noqa: S608


def fingerprint(kind: str) -> Fingerprint:
    """A value that changes whenever any area of `kind` changes (for caches and ETags)."""
    # Raw SQL: the ORM's aggregate() costs ~0.6 ms of Python here, the query ~0.04 ms.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({_FP_COUNT}), ({_FP_ACTIVE}), ({_FP_LATEST})", [kind, kind, kind])
        count, active, latest = cursor.fetchone()
    return int(count or 0), int(active or 0), str(latest or "")


def _fingerprint_annotations(kind: str) -> dict[str, Any]:
    return {
        "fp_count": RawSQL(_FP_COUNT, [kind], output_field=IntegerField()),  # noqa: S611 - constant SQL, bound parameter
        "fp_active": RawSQL(_FP_ACTIVE, [kind], output_field=IntegerField()),  # noqa: S611
        # CharField: no converter, so the value reads exactly as in fingerprint().
        "fp_latest": RawSQL(_FP_LATEST, [kind], output_field=CharField()),  # noqa: S611
    }


class _KindIndex:
    """Process-wide STRtree of the active areas of one kind, with the fingerprint it was built at."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._lock = threading.Lock()
        self._index: PolygonIndex[int] | None = None
        self._fingerprint: Fingerprint | None = None

    def cached(self) -> tuple[PolygonIndex[int] | None, Fingerprint | None]:
        with self._lock:
            return self._index, self._fingerprint

    def invalidate(self) -> None:
        with self._lock:
            self._index = None
            self._fingerprint = None

    def rebuild(self) -> tuple[PolygonIndex[int], Fingerprint]:
        current = fingerprint(self.kind)
        # Ordered by code: on overlaps of equal area the lower code wins, stably.
        rows = (
            Area.objects.filter(kind=self.kind, is_active=True)
            .order_by("code", "pk")
            .values_list("pk", "geometry")
        )
        built = PolygonIndex([(pk, normalise_winding(shape(geometry))) for pk, geometry in rows])
        with self._lock:
            self._index, self._fingerprint = built, current
        return built, current


_indexes: dict[str, _KindIndex] = {kind.value: _KindIndex(kind.value) for kind in AreaKind}


def _index_of(kind: str) -> _KindIndex:
    if kind not in _indexes:
        raise ValueError(f"unknown area kind {kind!r}")
    return _indexes[kind]


def invalidate(kind: str) -> None:
    """Forget the cached index of one kind (it is rebuilt on the next lookup)."""
    _index_of(kind).invalidate()


def index(kind: str) -> PolygonIndex[int]:
    """The current index of active areas of `kind` (keys are Area ids)."""
    cache = _index_of(kind)
    built, known = cache.cached()
    if built is None or fingerprint(kind) != known:
        built, _ = cache.rebuild()
    return built


def _areas() -> QuerySet[Area]:
    # The polygon is not needed once located; loading it would dominate each lookup.
    return Area.objects.select_related("primary_officer").defer("geometry").order_by()


def locate(kind: str, points: Iterable[tuple[float, float]]) -> list[Area | None]:
    """The active area of `kind` holding each (lat, lon) point, in one vectorised query; None outside all."""
    pts = list(points)
    if not pts:
        return []
    cache = _index_of(kind)
    lons = [p[1] for p in pts]
    lats = [p[0] for p in pts]
    built, known = cache.cached()
    if built is None or known is None:
        built, known = cache.rebuild()
    areas: dict[int, Area] = {}
    ids: list[int | None] = []
    # Other processes (the import command, other app servers) change areas without this
    # process's signals. The area read carries the fingerprint along, so each lookup stays
    # one query and still notices any change at once; on a mismatch the index is rebuilt
    # and the points located again.
    for _attempt in range(3):
        ids = built.locate_many(lons, lats)
        wanted = {i for i in ids if i is not None}
        if wanted:
            rows = list(_areas().filter(pk__in=wanted).annotate(**_fingerprint_annotations(kind)))
            areas = {a.pk: a for a in rows}
            # The annotations of _fingerprint_annotations (mypy does not see RawSQL aliases).
            first: Any = rows[0] if rows else None
            current = (
                (int(first.fp_count), int(first.fp_active), str(first.fp_latest or ""))
                if first is not None
                else fingerprint(kind)
            )
        else:
            areas, current = {}, fingerprint(kind)
        if current == known and len(areas) == len(wanted):
            break
        built, known = cache.rebuild()
    return [areas.get(area_id) if area_id is not None else None for area_id in ids]


def locate_point(kind: str, *, lat: float, lon: float) -> Area | None:
    """The active area of `kind` holding one point, or None."""
    return locate(kind, [(lat, lon)])[0]
