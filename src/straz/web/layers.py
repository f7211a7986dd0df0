"""The map-layer registry: every wing's map layers, for cross-wing maps (the operational picture).

Wings sit below web and never import it, so they declare their layers on their AppConfig
(`map_layers()` returning plain mappings with key, label, url and public); this registry
collects them from the installed apps. The threat map declares its two public layers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps


@dataclass(frozen=True)
class MapLayer:
    """One layer a map can show: its key, label, GeoJSON endpoint and whether it is public."""

    app: str
    key: str
    label: Any  # a lazy translation
    url: str
    public: bool


def _layer(app: str, spec: Mapping[str, Any]) -> MapLayer:
    return MapLayer(
        app=app,
        key=str(spec["key"]),
        label=spec["label"],
        url=str(spec["url"]),
        public=bool(spec.get("public", False)),
    )


def registered_layers(*, public_only: bool = False) -> list[MapLayer]:
    """Every installed wing's map layers, in app order; keys are unique across wings."""
    found: list[MapLayer] = []
    for config in apps.get_app_configs():
        declare = getattr(config, "map_layers", None)  # optional hook of a wing's AppConfig
        if declare is None:
            continue
        found.extend(_layer(config.label, spec) for spec in declare())
    keys = [layer.key for layer in found]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise ValueError(f"map layer keys declared twice: {sorted(duplicates)}")
    return [layer for layer in found if layer.public or not public_only]
