"""JSON API of territory: district lookup."""

from ninja import Router

router = Router(tags=["territory"])
