"""JSON API of the threat map (categories, reports, map, staff transitions)."""

from ninja import Router

router = Router(tags=["threat map"])
