"""Each domain value of the soft-targets wing spelled once (Django choices and API literals)."""

from __future__ import annotations

from typing import Any, Literal

from django.db import models
from django.utils.translation import gettext_lazy as _


def literal_of(*values: str) -> Any:
    """A typing.Literal of these values, for API schemas (the values come from the choices)."""
    return Literal[values]


class TargetKind(models.TextChoices):
    """Kinds of soft target (the Plzeň strategy 2024–2028 and the ministry's list)."""

    SCHOOL = "school", _("School")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    HOSPITAL = "hospital", _("Hospital")
    CULTURE = "culture", _("Culture venue")
    SPORT = "sport", _("Sports venue")
    RELIGIOUS = "religious", _("Religious site")
    SHOPPING = "shopping", _("Shopping centre")
    TRANSPORT_HUB = "transport_hub", _("Transport hub")
    PUBLIC_SPACE = "public_space", _("Public space")
    ACCOMMODATION = "accommodation", _("Accommodation")
    OTHER = "other", _("Other")


class TargetState(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class PublicListing(models.TextChoices):
    """What the public may see of a target: nothing, or its name, kind and that it is protected."""

    HIDDEN = "hidden", _("Not shown to the public")
    PROTECTED_PLACE = "protected_place", _("Name and kind shown as a protected place")


class MeasureKind(models.TextChoices):
    TECHNICAL = "technical", _("Technical measure")
    REGIME = "regime", _("Regime measure")


class MeasureState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class MeasureSource(models.TextChoices):
    """Where a measure came from: an assessment, a security audit or an inspection, or by hand."""

    ASSESSMENT = "assessment", _("Risk assessment")
    AUDIT = "audit", _("Security audit")
    MANUAL = "manual", _("Entered by hand")


# Band codes of the default scale, named in the reader's language; other scales' band
# names are shown as stored.
BAND_NAMES: dict[str, Any] = {
    "low": _("low"),
    "medium": _("medium"),
    "high": _("high"),
    "critical": _("critical"),
}

KindValue = literal_of(*TargetKind.values)
StateValue = literal_of(*TargetState.values)
ListingValue = literal_of(*PublicListing.values)
MeasureKindValue = literal_of(*MeasureKind.values)
MeasureStateValue = literal_of(*MeasureState.values)
