"""Division of the site (§5): sectors, sections, zones and posts drawn on the site map."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from straz.accounts.models import User
from straz.core.errors import Conflict, NotFound, ValidationFailed
from straz.incidents import entries
from straz.incidents.choices import POINT_FEATURES, SiteFeatureKind, TimelineKind
from straz.incidents.models import Incident, SiteFeature
from straz.incidents.policy import (
    require_incident_role,
)
from straz.incidents.services.base import (
    NAME_MAX_CHARS,
    _choice,
    _now,
    _plain,
    _point_geometry,
    _polygon,
    _record,
    _text,
    _touch,
    _writing,
)

# ---------------------------------------------------------------- site division (§5)


def add_site_feature(
    *,
    user: User,
    incident_id: int,
    kind: str,
    geometry: dict[str, Any],
    name: str = "",
    parent_id: int | None = None,
) -> SiteFeature:
    """Draw a zone (polygon) or post (point) of §5; a section must lie within its sector."""
    require_incident_role(user)
    fkind = _choice(kind, SiteFeatureKind, label=_("zone or post"))
    label = _("geometry")
    if fkind in POINT_FEATURES:
        geo, shape = _point_geometry(geometry, label=label)
    else:
        geo, shape = _polygon(geometry, label=label)
    title = _text(name, label=_("name"), max_chars=NAME_MAX_CHARS)
    if fkind == SiteFeatureKind.SECTION and parent_id is None:
        raise ValidationFailed(_("A section belongs to a sector: choose the sector."))
    if fkind != SiteFeatureKind.SECTION and parent_id is not None:
        raise ValidationFailed(_("Only a section can belong to a sector."))
    now = _now()
    with _writing(user, incident_id) as incident:
        parent = None
        if parent_id is not None:
            parent = _active_sector(incident, parent_id)
            _require_within_sector(parent, shape)
        feature = SiteFeature.objects.create(
            incident=incident,
            kind=fkind,
            name=title,
            geometry=geo,
            parent=parent,
            created_at=now,
            created_by=user,
        )
        _touch(incident, now)
        _record(
            incident,
            user=user,
            at=now,
            action="incident.site_feature_added",
            kind=TimelineKind.ZONE,
            message=entries.message(
                "site.drawn", kind=entries.label("feature", feature.kind), name=f": {title}" if title else ""
            ),
            data={"feature": feature.pk, "kind": fkind, "parent": parent_id},
            after={"feature": feature.pk, "kind": fkind, "name": title, "parent": parent_id, "geometry": geo},
        )
    return feature


def _active_sector(incident: Incident, sector_id: int) -> SiteFeature:
    parent = SiteFeature.objects.filter(
        pk=sector_id, incident=incident, kind=SiteFeatureKind.SECTOR, retired_at__isnull=True
    ).first()
    if parent is None:
        raise ValidationFailed(_("The sector was not found at this incident."))
    return parent


def _require_within_sector(sector: SiteFeature, shape: Any) -> None:
    sector_shape = _polygon(sector.geometry, label=_("sector"))[1]
    # A little tolerance (about 1 cm) for shared edges drawn by hand or snapped.
    if not sector_shape.buffer(1e-7).covers(shape):
        raise ValidationFailed(
            _("The section must lie within its sector “%(sector)s”.") % {"sector": sector.name or sector.pk}
        )


def _locked_feature(incident: Incident, feature_id: int) -> SiteFeature:
    feature = SiteFeature.objects.select_for_update().filter(pk=feature_id, incident=incident).first()
    if feature is None:
        raise NotFound(_("The zone or post was not found at this incident."))
    if feature.retired_at is not None:
        raise Conflict(_("The zone or post was already removed from the site; it can no longer be changed."))
    return feature


def _feature_state(f: SiteFeature) -> dict[str, Any]:
    return {"kind": f.kind, "name": f.name, "parent": f.parent_id, "geometry": f.geometry}


def _feature_title(f: SiteFeature) -> dict[str, Any]:
    """A zone or post as its kind (in the reader's language) and its name."""
    kind = entries.label("feature", f.kind)
    return entries.message("site.feature_named", kind=kind, name=f.name) if f.name else entries.message("site.feature", kind=kind)


class _Keep:
    """Marks an argument the caller leaves as it is (None means 'no sector' for parent_id)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


def change_site_feature(
    *,
    user: User,
    incident_id: int,
    feature_id: int,
    geometry: dict[str, Any] | None = None,
    name: str | None = None,
    kind: str | None = None,
    parent_id: int | _Keep | None = KEEP,
) -> SiteFeature:
    """Change a zone or post as the site changes: geometry, name, kind (zone stays a zone, post
    a post) or the sector of a section; validated like drawing it, recorded old → new."""
    require_incident_role(user)
    new_kind = _choice(str(kind), SiteFeatureKind, label=_("zone or post")) if kind is not None else None
    new_name = _text(name, label=_("name"), max_chars=NAME_MAX_CHARS) if name is not None else None
    now = _now()
    with _writing(user, incident_id) as incident:
        feature = _locked_feature(incident, feature_id)
        before = _feature_state(feature)
        title_before = _feature_title(feature)
        fkind = new_kind or feature.kind
        is_point = fkind in POINT_FEATURES
        if is_point != (feature.kind in POINT_FEATURES):
            raise ValidationFailed(
                _("A zone can only become another zone and a post another post; draw a new one instead.")
            )
        label = _("geometry")
        if geometry is not None:
            geo, shape = _point_geometry(geometry, label=label) if is_point else _polygon(geometry, label=label)
        else:
            geo = feature.geometry
            shape = _point_geometry(geo, label=label)[1] if is_point else _polygon(geo, label=label)[1]
        parent: SiteFeature | None
        if fkind == SiteFeatureKind.SECTION:
            wanted = feature.parent_id if isinstance(parent_id, _Keep) else parent_id
            if wanted is None:
                raise ValidationFailed(_("A section belongs to a sector: choose the sector."))
            parent = _active_sector(incident, wanted)
            _require_within_sector(parent, shape)
        else:
            if not isinstance(parent_id, _Keep) and parent_id is not None:
                raise ValidationFailed(_("Only a section can belong to a sector."))
            parent = None  # a section that becomes another zone leaves its sector
        sections = SiteFeature.objects.filter(parent=feature, retired_at__isnull=True)
        if feature.kind == SiteFeatureKind.SECTOR:
            if fkind != SiteFeatureKind.SECTOR and sections.exists():
                raise Conflict(
                    _("The sector still has sections; move or remove them before it stops being a sector.")
                )
            for section in sections if geometry is not None else ():
                # The same tolerance as drawing a section: redrawing must not strand one.
                if not shape.buffer(1e-7).covers(_polygon(section.geometry, label=_("section"))[1]):
                    raise ValidationFailed(
                        _("The section “%(section)s” would no longer lie within the sector.")
                        % {"section": section.name or section.pk}
                    )
        feature.kind = fkind
        feature.geometry = geo
        feature.parent = parent
        if new_name is not None:
            feature.name = new_name
        after = _feature_state(feature)
        if _plain(after) == _plain(before):
            raise Conflict(_("Nothing to change: the zone or post is already like this."))
        feature.updated_at = now
        feature.save(update_fields=["kind", "geometry", "parent", "name", "updated_at"])
        _touch(incident, now)
        changes = []
        if after["kind"] != before["kind"]:
            changes.append(
                entries.message(
                    "site.change_kind",
                    before=entries.label("feature", before["kind"]),
                    after=entries.label("feature", feature.kind),
                )
            )
        if after["name"] != before["name"]:
            changes.append(entries.message("site.change_name", before=before["name"], after=feature.name))
        if after["parent"] != before["parent"]:
            changes.append(
                entries.message("site.change_sector", before=before["parent"] or "—", after=after["parent"] or "—")
            )
        if _plain(after["geometry"]) != _plain(before["geometry"]):
            changes.append(entries.message("site.moved" if is_point else "site.redrawn"))
        _record(
            incident,
            user=user,
            at=now,
            action="incident.site_feature_changed",
            kind=TimelineKind.ZONE,
            message=entries.message("site.changed", feature=title_before, changes=entries.joined(changes, "; ")),
            data={"feature": feature.pk, "before": before, "after": after},
            before={"feature": feature.pk, **before},
            after={"feature": feature.pk, **after},
        )
    return feature


def retire_site_feature(*, user: User, incident_id: int, feature_id: int, note: str = "") -> SiteFeature:
    """Remove a zone or post from the site; it stays on record with when and by whom."""
    require_incident_role(user)
    note_t = _text(note, label=_("note"), max_chars=NAME_MAX_CHARS * 2)
    now = _now()
    with _writing(user, incident_id) as incident:
        feature = _locked_feature(incident, feature_id)
        if SiteFeature.objects.filter(parent=feature, retired_at__isnull=True).exists():
            raise Conflict(_("The sector still has sections; remove them first."))
        feature.retired_at = now
        feature.retired_by = user
        feature.updated_at = now
        feature.save(update_fields=["retired_at", "retired_by", "updated_at"])
        _touch(incident, now)
        said = entries.message("site.removed", feature=_feature_title(feature))
        _record(
            incident,
            user=user,
            at=now,
            action="incident.site_feature_retired",
            kind=TimelineKind.ZONE,
            message=said,
            text=note_t,
            data={"feature": feature.pk, "kind": feature.kind, "retired": True, "note": note_t},
            before={"feature": feature.pk, **_feature_state(feature)},
            after={"feature": feature.pk, "retired_at": now, "note": note_t},
        )
    return feature
