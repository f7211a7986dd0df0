"""Reads of the soft-targets wing. The restricted part is read only through restrict()."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from straz.accounts.access import restrict
from straz.accounts.models import User
from straz.core.errors import NotFound
from straz.softtargets import policy
from straz.softtargets.choices import MeasureState
from straz.softtargets.models import Assessment, Measure, RestrictedPart, SoftTarget, TargetDocument

FINISHED = (MeasureState.DONE, MeasureState.CANCELLED)


def registry(user: User, *, kind: str = "", district: str = "", state: str = "", band: str = "") -> QuerySet[SoftTarget]:
    """The registry as staff see it (no restricted part), filtered."""
    if not policy.reads_registry(user):
        return SoftTarget.objects.none()
    rows = SoftTarget.objects.select_related("district", "city_district", "municipality")
    if kind:
        rows = rows.filter(kind=kind)
    if district:
        rows = rows.filter(district__code=district)
    if state:
        rows = rows.filter(state=state)
    if band:
        rows = rows.filter(current_band=band)
    return rows


def target_for(user: User, target_id: int) -> SoftTarget:
    """One target of the registry, or NotFound (the public never reads this)."""
    from django.utils.translation import gettext as _

    target = registry(user).filter(pk=target_id).first()
    if target is None:
        raise NotFound(_("No such soft target."))
    return target


def restricted_part(user: User, target: SoftTarget) -> RestrictedPart | None:
    """The target's design part when the user is cleared (the read is audited), else None."""
    rows = list(restrict(RestrictedPart.objects.filter(target=target), user, policy.READ_RESTRICTED))
    return rows[0] if rows else None


def assessments(user: User, target: SoftTarget) -> list[Assessment] | None:
    """The target's assessments, newest first, for a cleared user (audited); None otherwise."""
    if not policy.is_cleared(user, target.pk):
        return None
    return list(restrict(Assessment.objects.filter(target=target), user, policy.READ_RESTRICTED))


def measures(user: User, target: SoftTarget) -> list[Measure] | None:
    """The target's measures in detail for a cleared user (audited); None otherwise."""
    if not policy.is_cleared(user, target.pk):
        return None
    return list(restrict(Measure.objects.filter(target=target), user, policy.READ_RESTRICTED))


def documents(user: User, target: SoftTarget) -> list[TargetDocument] | None:
    """The target's documents for a cleared user (audited); None otherwise."""
    if not policy.is_cleared(user, target.pk):
        return None
    return list(restrict(TargetDocument.objects.filter(target=target), user, policy.READ_RESTRICTED))


def document_for(user: User, document_id: int) -> TargetDocument:
    """One document for a cleared user (audited), or NotFound."""
    from django.utils.translation import gettext as _

    rows = list(restrict(TargetDocument.objects.filter(pk=document_id), user, policy.READ_RESTRICTED))
    if not rows:
        raise NotFound(_("No such document."))
    return rows[0]


def measure_for(user: User, measure_id: int) -> Measure:
    """One measure in detail for a cleared user (audited), or NotFound."""
    from django.utils.translation import gettext as _

    rows = list(
        restrict(Measure.objects.filter(pk=measure_id).select_related("target"), user, policy.READ_RESTRICTED)
    )
    if not rows:
        raise NotFound(_("No such measure."))
    return rows[0]


def _overdue_q(today: date) -> Q:
    return Q(deadline__lt=today) & ~Q(state__in=FINISHED)


def overdue_measures(user: User, *, today: date | None = None) -> list[Measure]:
    """Overdue measures of the targets this user is cleared for (audited), oldest deadline first."""
    day = today or timezone.localdate()
    rows = Measure.objects.filter(_overdue_q(day)).select_related("target").order_by("deadline", "pk")
    return list(restrict(rows, user, policy.READ_RESTRICTED))


def overdue_elsewhere(user: User, *, today: date | None = None) -> int:
    """How many overdue measures belong to targets the user is not cleared for (a count only)."""
    day = today or timezone.localdate()
    cleared = restrict(Measure.objects.all(), user, policy.READ_RESTRICTED).values("pk")
    return Measure.objects.filter(_overdue_q(day)).exclude(pk__in=cleared).count()


# ---------------------------------------------------------------- implementation report


@dataclass
class ReportRow:
    """One line of the implementation part: a target kind in a city district."""

    kind: str
    city_district: str
    targets: int = 0
    bands: dict[str, int] = field(default_factory=dict)
    done: int = 0
    open: int = 0
    overdue: int = 0
    planned: Decimal = Decimal(0)
    spent: Decimal = Decimal(0)


def implementation_report(*, today: date | None = None) -> list[ReportRow]:
    """Counts and sums by target kind and city district (no restricted detail, only aggregates)."""
    day = today or timezone.localdate()
    rows: dict[tuple[str, str], ReportRow] = {}

    def row(kind: str, district: str | None) -> ReportRow:
        key = (kind, district or "")
        if key not in rows:
            rows[key] = ReportRow(kind=kind, city_district=district or "")
        return rows[key]

    for item in (
        SoftTarget.objects.values("kind", "city_district__name", "current_band")
        .order_by()
        .annotate(n=Count("pk"))
    ):
        r = row(item["kind"], item["city_district__name"])
        r.targets += item["n"]
        band = item["current_band"] or ""
        r.bands[band] = r.bands.get(band, 0) + item["n"]
    for sums in (
        Measure.objects.values("target__kind", "target__city_district__name")
        .order_by()
        .annotate(
            done=Count("pk", filter=Q(state=MeasureState.DONE)),
            open=Count("pk", filter=~Q(state__in=FINISHED)),
            overdue=Count("pk", filter=_overdue_q(day)),
            planned=Sum("cost_planned", filter=~Q(state=MeasureState.CANCELLED)),
            spent=Sum("cost_spent"),
        )
    ):
        r = row(sums["target__kind"], sums["target__city_district__name"])
        r.done += sums["done"]
        r.open += sums["open"]
        r.overdue += sums["overdue"]
        r.planned += Decimal(sums["planned"] or 0)
        r.spent += Decimal(sums["spent"] or 0)
    return sorted(rows.values(), key=lambda r: (r.kind, r.city_district))


def band_names_in_use() -> list[str]:
    """Band codes present in the registry, for the report's columns and the filter."""
    return sorted({b for b in SoftTarget.objects.values_list("current_band", flat=True).distinct() if b})


def latest_assessment_overall(target: SoftTarget) -> dict[str, Any] | None:
    """The current overall result kept on the registry row (not restricted)."""
    if target.current_risk is None:
        return None
    return {"risk": target.current_risk, "band": target.current_band}
