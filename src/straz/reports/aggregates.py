"""Pre-aggregated public map counts per H3 cell (MapCell), kept exact in the writing transaction.

INTERFACE (owned by the map-engine work; bodies to be written):
- Footprint: what one report contributes to the public map.
- apply_change(old=..., new=...): move one report's footprint; call inside the transaction
  that changes the report (creation: old=None; leaving the public view: new=None).
- rebuild(layer=...): recompute a layer from scratch (after bulk imports).
- query_map(...): the GeoJSON FeatureCollection for a viewport.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Footprint:
    """What one public report contributes: layer, category, status and public location."""

    layer: int
    category_id: int
    status: str
    lat: float
    lon: float


def apply_change(*, old: Footprint | None, new: Footprint | None) -> None:
    """Move one report's footprint from `old` to `new` (either may be None)."""
    raise NotImplementedError


def apply_changes(changes: list[tuple[Footprint | None, Footprint | None]]) -> None:
    """Apply many footprint moves in one go (bulk loads, expiry sweeps)."""
    raise NotImplementedError


def rebuild(*, layer: int | None = None) -> int:
    """Recompute the aggregates of a layer (all when None) from the source rows."""
    raise NotImplementedError
