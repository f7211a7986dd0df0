"""Outbox rows a declaration writes for the people §23(2), §24(2)–(3) and §13 f) name.

The region and ORP to notify follow from where the sites lie (territory.locate); a code
typed on the incident or event overrides the located one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from straz.incidents.alarm.recipients import (
    Notice,
    Place,
    Scope,
    needs_decision,
    notices_for,
    place_of,
    targets,
    unresolved,
)
from straz.incidents.models import AlarmDeclaration, Incident, IncidentEvent
from straz.notifications import outbox
from straz.notifications.models import ContactRole
from straz.territory.locate import locate
from straz.territory.models import AreaKind


def _sites(source: Incident | IncidentEvent) -> list[Incident]:
    if isinstance(source, IncidentEvent):
        return list(source.incidents.order_by("pk"))
    return [source]


def places_of(source: Incident | IncidentEvent) -> list[Place]:
    """Where the sites of an incident or event lie for notifying (typed codes override located ones)."""
    sites = _sites(source)
    points = [(site.lat, site.lon) for site in sites]
    regions = locate(AreaKind.REGION, points)
    orps = locate(AreaKind.ORP, points)
    places: list[Place] = []
    for site, region, orp in zip(sites, regions, orps, strict=True):
        # An event's own codes speak for every site of its territory.
        typed_region = source.region_code or site.region_code
        typed_orp = source.orp_code or site.orp_code
        place = place_of(
            typed_region=typed_region,
            typed_orp=typed_orp,
            located_region=region.code if region is not None else "",
            located_orp=orp.code if orp is not None else "",
        )
        if place not in places:
            places.append(place)
    return places


def unresolved_notices(level: str, source: Incident | IncidentEvent) -> list[Notice]:
    """The notices of declaring `level` whose recipients the location does not determine."""
    notices = notices_for(level, territory=isinstance(source, IncidentEvent))
    return unresolved(notices, places_of(source)) if notices else []


def contact_role_label(role: str) -> str:
    """The translated name of a notification contact role."""
    return str(dict(ContactRole.choices).get(role, role))


def _notification_text(
    *, rule: str, level: str, subject_name: str, where: str, declaration: AlarmDeclaration
) -> tuple[str, str]:
    # Notifications go out in the system's language (Czech), not the declaring user's.
    with translation.override(settings.LANGUAGE_CODE):
        level_label = dict(AlarmDeclaration._meta.get_field("level").choices or [])[level]
        subject = _("%(level)s declared: %(name)s") % {"level": level_label, "name": subject_name}
        body = _(
            "%(level)s was declared for %(name)s (%(where)s) at %(at)s by %(by)s.\n"
            "Notified under %(rule)s of Decree 328/2001."
        ) % {
            "level": level_label,
            "name": subject_name,
            "where": where,
            "at": date_format(timezone.localtime(declaration.declared_at), "DATETIME_FORMAT"),
            "by": declaration.declared_by_label,
            "rule": rule,
        }
    return str(subject), str(body)


def _contacts(notice: Notice, place: Place) -> list[Any]:
    # The GŘ HZS is national: every region's declarations reach it.
    return outbox.contacts_for(
        role=notice.role,
        region_code=None if notice.scope is Scope.NATIONAL else place.region_code,
        orp_code=place.orp_code if notice.scope is Scope.ORP else None,
    )


def enqueue_notifications(
    *,
    declaration: AlarmDeclaration,
    source: Incident | IncidentEvent,
    only: Sequence[Notice] | None = None,
    decision: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Outbox rows for §23(2) / §24(2)–(3) / §13 f), in the declaring (or deciding) transaction.

    `only` limits them to some of the level's notices (a decided §23(2) notice, or the
    automatic ones at the declaration); `decision` goes into the payload and the text.
    """
    territory = isinstance(source, IncidentEvent)
    source_type = "event" if territory else "incident"
    source_id = source.pk
    name = source.name if isinstance(source, IncidentEvent) else source.title
    # A territory has no single point; its notices name it instead.
    lat, lon = (None, None) if isinstance(source, IncidentEvent) else (source.lat, source.lon)
    level = declaration.level
    places = places_of(source)
    chosen = tuple(notices_for(level, territory=territory) if only is None else only)
    written: list[dict[str, Any]] = []
    for notice in unresolved(chosen, places):
        # Nobody can be found from the location: the dispatcher confirmed other means.
        written.append({"rule": notice.rule, "role": notice.role, "error": "no_recipient"})
    for notice in chosen:
        told: set[int] = set()
        for place in targets(notice, places):
            contacts = [c for c in _contacts(notice, place) if c.pk not in told]
            if not contacts and not told:
                # Nobody is set up to receive this notice: the declaration still stands, and
                # the gap is recorded so that the operations centre notifies by other means.
                written.append(
                    {"rule": notice.rule, "role": notice.role, "error": "no_contact",
                     "region_code": place.region_code, "orp_code": place.orp_code}
                )
            for contact in contacts:
                told.add(contact.pk)
                written.append(
                    _enqueue_one(
                        declaration=declaration,
                        notice=notice,
                        place=place,
                        contact=contact,
                        source_type=source_type,
                        source_id=source_id,
                        name=name,
                        lat=lat,
                        lon=lon,
                        decision=decision,
                    )
                )
    return written


def _enqueue_one(
    *,
    declaration: AlarmDeclaration,
    notice: Notice,
    place: Place,
    contact: Any,
    source_type: str,
    source_id: int,
    name: str,
    lat: float | None,
    lon: float | None,
    decision: dict[str, Any] | None = None,
) -> dict[str, Any]:
    subject, body = _notification_text(
        rule=notice.rule,
        level=declaration.level,
        subject_name=name,
        where=f"{lat:.5f}, {lon:.5f}" if lat is not None and lon is not None else name,
        declaration=declaration,
    )
    if decision:
        body += "\n" + _decision_text(decision)
    payload = {
        "kind": "alarm_level_declared",
        "rule": notice.rule,
        "level": declaration.level,
        "source_type": source_type,
        "source_id": source_id,
        "name": name,
        "region_code": place.region_code,
        "orp_code": place.orp_code,
        "lat": lat,
        "lon": lon,
        "declared_at": declaration.declared_at.isoformat(),
        "declared_by": declaration.declared_by_label,
        "declaration": declaration.pk,
        "reasons": [{"rule": r["rule"], "code": r["code"]} for r in declaration.reasons],
    }
    if decision:
        payload["decision"] = decision
    try:
        row = outbox.enqueue(
            channel=contact.channel,
            address=contact.address,
            subject=subject,
            body=body,
            payload=payload,
            rule=notice.rule,
            source_type=source_type,
            source_id=str(source_id),
            dedupe_key=f"{source_type}:{source_id}:decl:{declaration.pk}:{notice.rule}:{contact.pk}",
        )
    except DjangoValidationError:
        # A misconfigured contact must not stop the declaration; the gap is recorded.
        return {"rule": notice.rule, "contact": contact.pk, "error": "invalid_address"}
    return {"rule": notice.rule, "contact": contact.pk, "message": str(row.message_id)}


def _decision_text(decision: dict[str, Any]) -> str:
    # In the system's language, like the rest of the notification.
    with translation.override(settings.LANGUAGE_CODE):
        if decision.get("basis") == "commander_request":
            text = _("Sent at the request of the incident commander %(name)s made at %(at)s.")
        else:
            text = _("Sent on the decision of the fire brigade's duty officer %(name)s taken at %(at)s.")
        at = decision.get("decided_at_local", "")
        if decision.get("decided_at"):
            # The one date-time format of the language (ADR 0035), from the stored instant.
            at = date_format(timezone.localtime(datetime.fromisoformat(decision["decided_at"])), "DATETIME_FORMAT")
        return str(text % {"name": decision.get("decided_by", ""), "at": at})


def would_tell(notice: Notice, source: Incident | IncidentEvent) -> list[Any]:
    """The active contacts a proposed notice would reach now (shown before anyone decides)."""
    told: dict[int, Any] = {}
    for place in targets(notice, places_of(source)):
        for contact in _contacts(notice, place):
            told.setdefault(contact.pk, contact)
    return list(told.values())


# ---------------------------------------------------------------- who will be told, who was told


def notice_plan(level: str, source: Incident | IncidentEvent) -> list[dict[str, Any]]:
    """What declaring `level` now would do, notice by notice, said plainly before declaring.

    Each row: the rule, the recipient's role (and its label), whether it goes out with the
    declaration or waits for the §23(2) decision, the contacts it would reach from where the
    sites lie, and the gap when it would reach nobody ("no_location": the location lies in
    no known region/ORP; "no_contact": nobody is set up for that region/ORP).
    """
    notices = notices_for(level, territory=isinstance(source, IncidentEvent))
    if not notices:
        return []
    places = places_of(source)
    unknown = set(unresolved(notices, places))
    rows: list[dict[str, Any]] = []
    for notice in notices:
        contacts = would_tell(notice, source)
        gap = "no_location" if notice in unknown else ("" if contacts else "no_contact")
        rows.append(
            {
                "rule": notice.rule,
                "role": notice.role,
                "role_label": contact_role_label(notice.role),
                "by_decision": needs_decision(notice),
                "contacts": contacts,
                "gap": gap,
            }
        )
    return rows


def told_gaps(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The notices that reached nobody, from what declarations and decisions recorded.

    `entries` are the `notifications` lists the declaring service stored in the timeline
    (and the `sent` lists of decided notices): each gap names the rule, the role and why.
    """
    gaps: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for entry in entries:
        error = entry.get("error")
        if not error:
            continue
        role = str(entry.get("role", ""))
        key = (str(entry.get("rule", "")), role, str(error))
        if key in seen:
            continue
        seen.add(key)
        gaps.append(
            {
                "rule": key[0],
                "role": role,
                "role_label": contact_role_label(role) if role else "",
                "error": error,
                "region_code": entry.get("region_code", ""),
                "orp_code": entry.get("orp_code", ""),
            }
        )
    return gaps
