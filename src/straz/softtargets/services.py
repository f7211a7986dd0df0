"""Soft-target use cases: each one transaction with its permission check and audit entry.

Audit entries of the restricted part never carry its text or scores: the audit log is a
back-office list every administrator reads, so it records which fields changed and the
overall result, not the design part itself (ADR 0042)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.utils import timezone
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.errors import Forbidden, NotFound, ValidationFailed
from straz.core.intake import IncomingAttachment, check_attachment, check_coordinates, check_text
from straz.core.storage import ATTACHMENTS
from straz.geo.geojson import GeoJSONError, parse_geometry
from straz.softtargets import policy, rules
from straz.softtargets.choices import (
    MeasureKind,
    MeasureSource,
    MeasureState,
    PublicListing,
    TargetKind,
    TargetState,
)
from straz.softtargets.models import (
    Assessment,
    Clearance,
    Measure,
    RestrictedPart,
    RiskScale,
    SoftTarget,
    TargetDocument,
)
from straz.territory.locate import locate_point
from straz.territory.models import AreaKind
from straz.territory.services import route_point

TEXT_MAX = 4000
SCENARIOS_MAX = 50
COST_MAX = Decimal("9999999999.99")


def _require_manager(actor: User) -> None:
    if not policy.manages(actor):
        raise Forbidden(_("Only a crime-prevention manager or an administrator may do this."))


def _require_cleared(actor: User, target: SoftTarget) -> None:
    if not policy.is_cleared(actor, target.pk):
        raise Forbidden(_("You have no clearance for the restricted part of this soft target."))


def _target(target_id: int) -> SoftTarget:
    target = SoftTarget.objects.filter(pk=target_id).first()
    if target is None:
        raise NotFound(_("No such soft target."))
    return target


def _choice(value: Any, choices: Any, label: str, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(_("The %(field)s has an invalid value.") % {"field": label}, field=field)
    return str(value)


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class TargetInput:
    name: str
    kind: str
    lat: float | None
    lon: float | None
    capacity: int | None = None
    operator: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    address: str = ""
    opening_hours: str = ""
    outline: Any = None
    public_listing: str = PublicListing.HIDDEN
    state: str = TargetState.ACTIVE


def _checked(data: TargetInput) -> dict[str, Any]:
    name = check_text(data.name, label=_("name"), max_chars=200, field="name")
    if not name:
        raise ValidationFailed(_("The field “%(field)s” is required.") % {"field": _("name")}, field="name")
    point = check_coordinates(data.lat, data.lon)
    if point is None:
        raise ValidationFailed(_("Mark the place on the map or give its coordinates."), field="location")
    if data.capacity is not None and not 0 <= data.capacity <= 10_000_000:
        raise ValidationFailed(_("The %(field)s is out of the allowed range.") % {"field": _("capacity")}, field="capacity")
    outline = None
    if data.outline not in (None, "", {}):
        try:
            parse_geometry(data.outline)
        except GeoJSONError:
            raise ValidationFailed(
                _("The outline must be a GeoJSON polygon in WGS84 coordinates."), field="outline"
            ) from None
        outline = data.outline
    return {
        "name": name,
        "kind": _choice(data.kind, TargetKind, _("kind"), "kind"),
        "lat": point[0],
        "lon": point[1],
        "capacity": data.capacity,
        "operator": check_text(data.operator, label=_("operator"), max_chars=200, field="operator"),
        "contact_name": check_text(data.contact_name, label=_("contact person"), max_chars=150, field="contact_name"),
        "contact_phone": check_text(data.contact_phone, label=_("contact phone"), max_chars=40, field="contact_phone"),
        "contact_email": check_text(data.contact_email, label=_("contact e-mail"), max_chars=254, field="contact_email"),
        "address": check_text(data.address, label=_("address"), max_chars=250, field="address"),
        "opening_hours": check_text(data.opening_hours, label=_("opening hours"), max_chars=200, field="opening_hours"),
        "outline": outline,
        "public_listing": _choice(data.public_listing, PublicListing, _("shown to the public"), "public_listing"),
        "state": _choice(data.state, TargetState, _("state"), "state"),
    }


def _routing(lat: float, lon: float) -> dict[str, Any]:
    """Police district, municipality and city district holding the point (territory's index)."""
    routing = route_point(lat=lat, lon=lon)
    return {
        "district": routing.district if routing is not None else None,
        "municipality": locate_point(AreaKind.MUNICIPALITY, lat=lat, lon=lon),
        "city_district": locate_point(AreaKind.CITY_DISTRICT, lat=lat, lon=lon),
    }


def _registry_snapshot(target: SoftTarget) -> dict[str, Any]:
    return {
        "name": target.name,
        "kind": target.kind,
        "lat": target.lat,
        "lon": target.lon,
        "capacity": target.capacity,
        "state": target.state,
        "public_listing": target.public_listing,
        "district": target.district.code if target.district else None,
    }


def register_target(*, actor: User, data: TargetInput) -> SoftTarget:
    """Add a target to the registry, routed to its district; its registrar is cleared for it."""
    _require_manager(actor)
    fields = _checked(data)
    routed = _routing(fields["lat"], fields["lon"])
    with audit.audited_transaction():
        target = SoftTarget.objects.create(**fields, **routed, created_by=actor)
        Clearance.objects.create(user=actor, target=target, granted_by=actor)
        audit.record(
            action="softtarget.registered", object_type="softtarget", object_id=target.pk,
            after=_registry_snapshot(target), actor=actor,
        )
        audit.record(
            action="softtarget.clearance_granted", object_type="softtarget", object_id=target.pk,
            after={"user": actor.get_username()}, actor=actor,
        )
    return target


def update_target(*, actor: User, target_id: int, data: TargetInput) -> SoftTarget:
    """Change a target's registry fields (routing follows a moved point)."""
    _require_manager(actor)
    fields = _checked(data)
    routed = _routing(fields["lat"], fields["lon"])
    with audit.audited_transaction():
        target = SoftTarget.objects.select_for_update().filter(pk=target_id).first()
        if target is None:
            raise NotFound(_("No such soft target."))
        before = _registry_snapshot(target)
        for key, value in {**fields, **routed}.items():
            setattr(target, key, value)
        target.save()
        audit.record(
            action="softtarget.changed", object_type="softtarget", object_id=target.pk,
            before=before, after=_registry_snapshot(target), actor=actor,
        )
    return target


def set_restricted(
    *, actor: User, target_id: int, text: str, vulnerabilities: str = "", attackers: str = ""
) -> RestrictedPart:
    """Write a target's restricted design part (managers with clearance for it)."""
    _require_manager(actor)
    target = _target(target_id)
    _require_cleared(actor, target)
    values = {
        "text": check_text(text, label=_("design part"), max_chars=TEXT_MAX, field="text"),
        "vulnerabilities": check_text(vulnerabilities, label=_("vulnerabilities"), max_chars=TEXT_MAX, field="vulnerabilities"),
        "attackers": check_text(attackers, label=_("attacker types"), max_chars=TEXT_MAX, field="attackers"),
    }
    with audit.audited_transaction():
        part, _created = RestrictedPart.objects.select_for_update().get_or_create(target=target)
        changed = sorted(k for k, v in values.items() if getattr(part, k) != v)
        for key, value in values.items():
            setattr(part, key, value)
        part.updated_at = timezone.now()
        part.updated_by = actor
        part.save()
        # The fields that changed, never their content (the audit log is not cleared).
        audit.record(
            action="softtarget.restricted_set", object_type="softtarget", object_id=target.pk,
            after={"changed": changed}, actor=actor,
        )
    return part


def grant_clearance(*, actor: User, target_id: int, username: str) -> Clearance:
    """Clear `username` for a target's restricted part (a manager or administrator grants it)."""
    _require_manager(actor)
    target = _target(target_id)
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationFailed(_("No active staff account has this user name."), field="username")
    with audit.audited_transaction():
        clearance, created = Clearance.objects.get_or_create(
            user=user, target=target, defaults={"granted_by": actor}
        )
        if created:
            audit.record(
                action="softtarget.clearance_granted", object_type="softtarget", object_id=target.pk,
                after={"user": user.get_username()}, actor=actor,
            )
    return clearance


def revoke_clearance(*, actor: User, target_id: int, username: str) -> None:
    """End a user's clearance for a target."""
    _require_manager(actor)
    target = _target(target_id)
    with audit.audited_transaction():
        deleted, _rows = Clearance.objects.filter(target=target, user__username=username).delete()
        if deleted:
            audit.record(
                action="softtarget.clearance_revoked", object_type="softtarget", object_id=target.pk,
                before={"user": username}, actor=actor,
            )


# ---------------------------------------------------------------- scales and assessments


def describe_scale_error(error: rules.ScaleError) -> str:
    """The translated sentence for a refused scale definition."""
    messages = {
        "not_integer": _("“%(subject)s” must be a whole number."),
        "name_missing": _("Every factor and band of “%(subject)s” needs a name."),
        "name_too_long": _("The name “%(subject)s” is too long."),
        "no_factors": _("The scale needs at least one factor in “%(subject)s”."),
        "duplicate_factor": _("The factor “%(subject)s” appears twice."),
        "bad_range": _("The range of the factor “%(subject)s” is invalid (0 ≤ min < max)."),
        "no_bands": _("The scale needs at least one band."),
        "bands_not_rising": _("The bands must start at rising values (“%(subject)s” does not)."),
        "duplicate_band": _("The band “%(subject)s” appears twice."),
        "too_many_factors": _("“%(subject)s” may have at most 30 factors."),
        "too_large": _("The scale's highest risk is too large; use smaller ranges."),
        "lowest_risk_unbanded": _("The first band (“%(subject)s”) must start at or below the lowest possible risk."),
    }
    return messages.get(error.code, _("The scale is invalid.")) % {"subject": error.subject}


def describe_score_error(error: rules.ScoreError) -> str:
    """The translated sentence for a refused score, naming the factor."""
    params = {"factor": error.factor, "low": error.low, "high": error.high}
    if error.code == "missing":
        return _("The score of the factor “%(factor)s” is missing.") % params
    if error.code == "unknown":
        return _("The scale has no factor “%(factor)s”.") % params
    return _("The score of the factor “%(factor)s” must be a whole number from %(low)s to %(high)s.") % params


def publish_scale(*, actor: User | None, name: str, definition: Mapping[str, Any]) -> RiskScale:
    """Store a new version of the named scale (version 1 for a new name); old ones stay."""
    if actor is not None:
        _require_manager(actor)
    clean_name = check_text(name, label=_("name"), max_chars=60, field="name")
    if not clean_name:
        raise ValidationFailed(_("The field “%(field)s” is required.") % {"field": _("name")}, field="name")
    try:
        scale = rules.parse_scale(definition)
    except rules.ScaleError as error:
        raise ValidationFailed(describe_scale_error(error), field="scale") from None
    with audit.audited_transaction():
        latest = RiskScale.objects.select_for_update().filter(name=clean_name).order_by("-version").first()
        version = (latest.version + 1) if latest else 1
        row = RiskScale.objects.create(
            name=clean_name, version=version, definition=scale.to_json(), created_by=actor
        )
        audit.record(
            action="softtarget.scale_published", object_type="risk_scale", object_id=row.pk,
            after={"name": clean_name, "version": version, "definition": row.definition}, actor=actor,
        )
    return row


def scale_of(row: RiskScale) -> rules.Scale:
    """The rules' Scale of a stored version."""
    return rules.parse_scale(row.definition)


def latest_scale(name: str) -> RiskScale | None:
    return RiskScale.objects.filter(name=name).order_by("-version").first()


def assess(
    *, actor: User, target_id: int, scale_name: str, scenarios: Sequence[Mapping[str, Any]]
) -> Assessment:
    """Score the scenarios on the newest version of the scale and store the results with it."""
    _require_manager(actor)
    target = _target(target_id)
    _require_cleared(actor, target)
    row = latest_scale(scale_name)
    if row is None:
        raise ValidationFailed(_("There is no risk scale named “%(name)s”.") % {"name": scale_name[:60]}, field="scale")
    scale = scale_of(row)
    if not scenarios:
        raise ValidationFailed(_("An assessment needs at least one scenario."), field="scenarios")
    if len(scenarios) > SCENARIOS_MAX:
        raise ValidationFailed(_("An assessment may have at most %(max)s scenarios.") % {"max": SCENARIOS_MAX}, field="scenarios")
    results = []
    for item in scenarios:
        name = check_text(str(item.get("name") or ""), label=_("scenario"), max_chars=200, field="scenarios")
        if not name:
            raise ValidationFailed(_("Every scenario needs a name."), field="scenarios")
        scores = item.get("scores")
        if not isinstance(scores, Mapping):
            raise ValidationFailed(_("Every scenario needs its scores."), field="scenarios")
        try:
            results.append(rules.score_scenario(scale, name, scores))
        except rules.ScoreError as error:
            raise ValidationFailed(describe_score_error(error), field=error.factor) from None
    worst = rules.overall(results)
    assert worst is not None  # at least one scenario was checked above
    with audit.audited_transaction():
        assessment = Assessment.objects.create(
            target=target,
            scale=row,
            scale_name=row.name,
            scale_version=row.version,
            made_by=actor,
            scenarios=[
                {
                    "name": r.name, "scores": r.scores, "probability": r.probability,
                    "impact": r.impact, "risk": r.risk, "band": r.band,
                }
                for r in results
            ],
            overall_risk=worst.risk,
            overall_band=worst.band,
        )
        SoftTarget.objects.filter(pk=target.pk).update(current_risk=worst.risk, current_band=worst.band)
        # The overall result only: the scenarios are the restricted part.
        audit.record(
            action="softtarget.assessed", object_type="softtarget", object_id=target.pk,
            after={
                "assessment": assessment.pk, "scale": row.name, "version": row.version,
                "scenarios": len(results), "overall_band": worst.band,
            },
            actor=actor,
        )
    return assessment


# ---------------------------------------------------------------- measures


def _money(value: Any, label: str, field: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("The %(field)s must be a number.") % {"field": label}, field=field) from None
    if not Decimal(0) <= amount <= COST_MAX:
        raise ValidationFailed(_("The %(field)s is out of the allowed range.") % {"field": label}, field=field)
    return amount


def attachment_storage() -> Storage:
    """Where evidence files live: the attachments storage (disk or S3, ADR 0038)."""
    return storages[ATTACHMENTS]


@dataclass(frozen=True)
class MeasureInput:
    kind: str
    title: str
    owner: str = ""
    description: str = ""
    cost_planned: Any = 0
    deadline: date | None = None
    source: str = MeasureSource.MANUAL
    source_id: int | None = None


def add_measure(*, actor: User, target_id: int, data: MeasureInput) -> Measure:
    """Add a technical or regime measure to a target (managers cleared for it)."""
    _require_manager(actor)
    target = _target(target_id)
    _require_cleared(actor, target)
    title = check_text(data.title, label=_("measure"), max_chars=200, field="title")
    if not title:
        raise ValidationFailed(_("The field “%(field)s” is required.") % {"field": _("measure")}, field="title")
    values = {
        "kind": _choice(data.kind, MeasureKind, _("kind"), "kind"),
        "title": title,
        "owner": check_text(data.owner, label=_("owner"), max_chars=150, field="owner"),
        "description": check_text(data.description, label=_("description"), max_chars=TEXT_MAX, field="description"),
        "cost_planned": _money(data.cost_planned, _("planned cost (CZK)"), "cost_planned"),
        "deadline": data.deadline,
        "source": _choice(data.source, MeasureSource, _("source"), "source"),
        "source_id": data.source_id,
    }
    with audit.audited_transaction():
        measure = Measure.objects.create(target=target, created_by=actor, **values)
        audit.record(
            action="softtarget.measure_added", object_type="softtarget_measure", object_id=measure.pk,
            after={"target": target.pk, "kind": measure.kind, "deadline": str(measure.deadline or "")},
            actor=actor,
        )
    return measure


def update_measure(
    *,
    actor: User,
    measure_id: int,
    state: str,
    cost_spent: Any = None,
    deadline: date | None = None,
    evidence: IncomingAttachment | None = None,
) -> Measure:
    """Move a measure on (state, money spent, deadline) and attach its evidence."""
    _require_manager(actor)
    measure = Measure.objects.filter(pk=measure_id).first()
    if measure is None or not policy.is_cleared(actor, measure.target_id):
        raise NotFound(_("No such measure."))
    new_state = _choice(state, MeasureState, _("state"), "state")
    spent = _money(cost_spent, _("money spent (CZK)"), "cost_spent") if cost_spent not in (None, "") else None
    checked = check_attachment(evidence) if evidence is not None else None
    stored = ""
    if checked is not None:
        relative = f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{checked.extension}"
        stored = attachment_storage().save(relative, ContentFile(checked.data))
    try:
        with audit.audited_transaction():
            row = Measure.objects.select_for_update().get(pk=measure.pk)
            before = {"state": row.state, "deadline": str(row.deadline or "")}
            row.state = new_state
            row.done_on = timezone.localdate() if new_state == MeasureState.DONE else None
            if spent is not None:
                row.cost_spent = spent
            if deadline is not None:
                row.deadline = deadline
            if checked is not None:
                row.evidence = stored
                row.evidence_type = checked.content_type
            row.save()
            audit.record(
                action="softtarget.measure_changed", object_type="softtarget_measure", object_id=row.pk,
                before=before,
                after={"state": row.state, "deadline": str(row.deadline or ""), "evidence": bool(stored)},
                actor=actor,
            )
    except Exception:
        if stored:
            attachment_storage().delete(stored)
        raise
    return row


def add_document(*, actor: User, target_id: int, title: str, upload: IncomingAttachment | None) -> TargetDocument:
    """Attach a document (image or PDF, checked like report attachments) to a target's design part."""
    _require_manager(actor)
    target = _target(target_id)
    _require_cleared(actor, target)
    clean_title = check_text(title, label=_("title"), max_chars=200, field="title")
    if not clean_title:
        raise ValidationFailed(_("The field “%(field)s” is required.") % {"field": _("title")}, field="title")
    checked = check_attachment(upload)
    if checked is None:
        raise ValidationFailed(_("Choose a file (a photo or a PDF)."), field="file")
    relative = f"softtargets/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{checked.extension}"
    stored = attachment_storage().save(relative, ContentFile(checked.data))
    try:
        with audit.audited_transaction():
            document = TargetDocument.objects.create(
                target=target, title=clean_title, stored=stored, content_type=checked.content_type,
                size=checked.size, uploaded_by=actor,
            )
            # The kind of file and its size, never its title (the audit log is not cleared).
            audit.record(
                action="softtarget.document_added", object_type="softtarget", object_id=target.pk,
                after={"document": document.pk, "type": checked.content_type, "size": checked.size},
                actor=actor,
            )
    except Exception:
        attachment_storage().delete(stored)
        raise
    return document
