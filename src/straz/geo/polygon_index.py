"""In-memory point-in-polygon index over shapely's STRtree, for routing points to districts."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Generic, TypeVar

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

K = TypeVar("K", bound=Hashable)


class PolygonIndex(Generic[K]):
    """Find which polygon holds a point.

    Where polygons overlap (or a point lies on a shared border) the smallest polygon wins,
    then the one added first, so the answer never depends on the tree's internal order.
    """

    def __init__(self, items: Sequence[tuple[K, BaseGeometry]]) -> None:
        self._keys: list[K] = [key for key, _ in items]
        geoms = np.array([geom for _, geom in items], dtype=object)
        self._geoms = geoms
        self._areas: NDArray[np.float64] = (
            shapely.area(geoms).astype(np.float64) if len(geoms) else np.zeros(0, dtype=np.float64)
        )
        # Rank by (area, insertion order) once, so that picking a winner is an argmin.
        order = np.lexsort((np.arange(len(geoms)), self._areas))
        self._rank = np.empty(len(geoms), dtype=np.int64)
        self._rank[order] = np.arange(len(geoms))
        shapely.prepare(geoms)
        self._tree = shapely.STRtree(geoms)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> list[K]:
        """The keys in insertion order."""
        return list(self._keys)

    def locate(self, lon: float, lat: float) -> K | None:
        """The key of the polygon holding (lon, lat), or None."""
        return self.locate_many([lon], [lat])[0]

    def locate_many(self, lons: ArrayLike, lats: ArrayLike) -> list[K | None]:
        """Vectorised locate for many points (one tree query for all)."""
        winners = self.locate_indices(lons, lats)
        keys = self._keys
        return [keys[i] if i >= 0 else None for i in winners.tolist()]

    def locate_indices(self, lons: ArrayLike, lats: ArrayLike) -> NDArray[np.int64]:
        """Insertion index of each point's polygon (-1 = outside every polygon)."""
        xs = np.asarray(lons, dtype=np.float64).ravel()
        ys = np.asarray(lats, dtype=np.float64).ravel()
        if xs.shape != ys.shape:
            raise ValueError("lons and lats must have the same length")
        out = np.full(len(xs), -1, dtype=np.int64)
        if len(xs) == 0 or len(self._keys) == 0:
            return out
        pairs = self._tree.query(shapely.points(xs, ys), predicate="intersects")
        if pairs.shape[1] == 0:
            return out
        point_idx, poly_idx = pairs[0], pairs[1]
        # Sort hits by point, then by rank; the first hit of each point is its winner.
        order = np.lexsort((self._rank[poly_idx], point_idx))
        point_sorted = point_idx[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = point_sorted[1:] != point_sorted[:-1]
        out[point_sorted[first]] = poly_idx[order][first]
        return out
