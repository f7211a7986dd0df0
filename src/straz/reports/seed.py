"""Load the report categories (KMZB national list + Czech city set) from data/categories.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CATEGORIES_FILE = Path(__file__).resolve().parent / "data" / "categories.json"
# Fields the seed owns; `is_active` is left to the back office so that a city's choice
# of categories survives re-seeding.
SEEDED_FIELDS = (
    "catalogue",
    "name_cs",
    "name_pl",
    "name_en",
    "group",
    "public_only_when_confirmed",
    "public_location_approximated",
    "color",
    "order",
)


def category_rows() -> list[dict[str, Any]]:
    """The category definitions shipped with Straz."""
    rows: list[dict[str, Any]] = json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))
    return rows


def seed_categories(category_model: Any = None) -> tuple[int, int]:
    """Create or update every shipped category by code; returns (created, updated)."""
    if category_model is None:
        # Migrations pass their historical model; otherwise the real one (a cycle at import).
        from straz.reports.models import Category as category_model
    created = updated = 0
    for row in category_rows():
        defaults = {field: row[field] for field in SEEDED_FIELDS if field in row}
        obj = category_model.objects.filter(code=row["code"]).first()
        if obj is None:
            category_model.objects.create(code=row["code"], **defaults)
            created += 1
        elif any(getattr(obj, k) != v for k, v in defaults.items()):
            for k, v in defaults.items():
                setattr(obj, k, v)
            obj.save(update_fields=list(defaults))
            updated += 1
    return created, updated
