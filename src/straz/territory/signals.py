"""Keep the in-process locate indexes fresh when areas change in this process."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from straz.territory.locate import invalidate
from straz.territory.models import Area


def _area_changed(sender: Any, instance: Area, **kwargs: Any) -> None:
    invalidate(instance.kind)


def connect() -> None:
    """Connect the Area signals (called once from the app config)."""
    post_save.connect(_area_changed, sender=Area, dispatch_uid="territory.area_saved")
    post_delete.connect(_area_changed, sender=Area, dispatch_uid="territory.area_deleted")
