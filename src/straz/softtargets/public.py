"""The one public projection of soft targets: at most name, kind and "protected place".

A target whose public listing is `hidden` does not exist for the public; a listed one shows
its name and kind and that it is a protected place — never its location, operator,
contacts, capacity, district, risk band, assessments or measures (ADR 0042)."""

from __future__ import annotations

from typing import Any

from straz.softtargets.choices import PublicListing, TargetState
from straz.softtargets.models import SoftTarget

PUBLIC_FIELDS = ("id", "name", "kind", "protected_place")


def public_targets() -> list[dict[str, Any]]:
    rows = SoftTarget.objects.filter(
        public_listing=PublicListing.PROTECTED_PLACE, state=TargetState.ACTIVE
    ).only("pk", "name", "kind")
    return [project(t) for t in rows]


def public_target(target_id: int) -> dict[str, Any] | None:
    target = (
        SoftTarget.objects.filter(
            pk=target_id, public_listing=PublicListing.PROTECTED_PLACE, state=TargetState.ACTIVE
        )
        .only("pk", "name", "kind")
        .first()
    )
    return project(target) if target is not None else None


def project(target: SoftTarget) -> dict[str, Any]:
    return {"id": target.pk, "name": target.name, "kind": target.kind, "protected_place": True}
