"""Keep the in-process district index fresh when areas change in this process."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save


def _area_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from straz.territory.models import AreaKind
    from straz.territory.services import invalidate_district_index

    if instance.kind == AreaKind.POLICE_DISTRICT:
        invalidate_district_index()


def connect() -> None:
    """Connect the Area signals (called once from the app config)."""
    from straz.territory.models import Area

    post_save.connect(_area_changed, sender=Area, dispatch_uid="territory.area_saved")
    post_delete.connect(_area_changed, sender=Area, dispatch_uid="territory.area_deleted")
