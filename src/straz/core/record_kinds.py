"""Names of the kinds of record that shared logs point at (audit entries, outbox rows).

The audit log and the outbox store the kind of the record they are about as a short code
("incident", "report-follower"): a stable value inside hash-chained or delivered rows. The
wing that owns the record names its codes in its AppConfig's `record_kinds()` (as the map
layers are registered), so the back office shows them in the reader's language while the
lower wings, which keep those logs, know nothing of the upper ones.
"""

from __future__ import annotations

from django.apps import apps


def record_kind_name(code: str) -> str | None:
    """The name of a record-kind code in the active language, or None when no wing names it."""
    for config in apps.get_app_configs():
        names = getattr(config, "record_kinds", None)
        if names is None:
            continue
        name = names().get(code)
        if name is not None:
            return str(name)
    return None
