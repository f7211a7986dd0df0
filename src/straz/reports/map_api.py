"""JSON API of the public map: GeoJSON clusters and points for a viewport."""

from ninja import Router

router = Router(tags=["map"])
