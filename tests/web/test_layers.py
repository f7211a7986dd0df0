"""The map-layer registry collects the wings' layers; the threat map registers its two."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from straz.web.layers import registered_layers


def test_the_threat_map_registers_its_public_layers() -> None:
    layers = {layer.key: layer for layer in registered_layers(public_only=True)}
    assert {"reports", "police"} <= set(layers)
    assert all(layers[k].app == "reports" for k in ("reports", "police"))


@pytest.mark.django_db
def test_every_registered_layer_url_answers_geojson(district_a: Any, analyst: Any) -> None:
    bbox = "13.30,49.70,13.45,49.80"
    staff = Client()
    staff.force_login(analyst)
    for layer in registered_layers():
        # Staff layers (the soft-target registry) answer staff only.
        resp = (Client() if layer.public else staff).get(f"{layer.url}&bbox={bbox}&zoom=12")
        assert resp.status_code == 200, (layer.key, resp.content[:200])
        assert resp.json()["type"] == "FeatureCollection"
