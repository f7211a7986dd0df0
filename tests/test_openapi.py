"""The OpenAPI document names every schema once (Ninja silently overwrites duplicates)."""

from __future__ import annotations

from collections import Counter

from ninja import Schema

import straz.api  # noqa: F401  (imports every router and its schemas)


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def test_schema_names_are_unique_across_routers() -> None:
    ours = [c for c in _subclasses(Schema) if c.__module__.startswith("straz.")]
    assert ours, "no API schemas found"
    counts = Counter(c.__name__ for c in ours)
    duplicated = {name: [c.__module__ for c in ours if c.__name__ == name] for name, n in counts.items() if n > 1}
    assert duplicated == {}
