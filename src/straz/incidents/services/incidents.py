"""Use cases of one incident: its facts, state, affected area and the alarm level declared for it (§20)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.errors import Conflict, ValidationFailed
from straz.incidents import entries
from straz.incidents.alarm.notify import (
    contact_role_label,
    enqueue_notifications,
    unresolved_notices,
)
from straz.incidents.alarm.recipients import Notice, notifies
from straz.incidents.alarm.rules import (
    IncidentFacts,
    Note,
    Proposal,
    Reason,
    components_from_record,
    propose_alarm_level,
    propose_territory_level,
)
from straz.incidents.alarm.texts import individual_persons_max, note_text, reason_text
from straz.incidents.choices import (
    BASIC_COMPONENTS,
    LEVEL_RANK,
    OPEN_STATES,
    RANK_LEVEL,
    STATE_TRANSITIONS,
    THREATENED_VALUES,
    AlarmLevelValue,
    ComponentsInvolved,
    CoordinationLevel,
    IncidentState,
    SiteCoordination,
    TimelineKind,
)
from straz.incidents.models import AlarmDeclaration, Incident, IncidentEvent, IncidentType
from straz.incidents.policy import (
    require_incident_role,
    require_incident_writer,
    require_operations_centre,
)
from straz.incidents.selectors import component_label, components_on_site
from straz.incidents.services.base import (
    _choice,
    _label,
    _locked_event,
    _locked_incident,
    _now,
    _plain,
    _point,
    _polygon,
    _record,
    _require_open,
    _text,
    _timeline,
    _touch,
    _touch_event,
    _writing,
)
from straz.incidents.services.components import record_departure
from straz.incidents.services.notices import (
    proposals_message,
    propose_notices,
    split_notices,
    supersede_pending,
)
from straz.territory.locate import locate
from straz.territory.models import AreaKind

# ---------------------------------------------------------------- incidents


def _facts_fields(
    persons_threatened: int | None,
    area_m2: float | None,
    complicated_objects: int,
    threatened: Sequence[str],
    components: str,
    coordination: str,
) -> dict[str, Any]:
    if persons_threatened is not None and (isinstance(persons_threatened, bool) or persons_threatened < 0):
        raise ValidationFailed(_("The number of persons threatened cannot be negative."))
    if area_m2 is not None and (not math.isfinite(area_m2) or area_m2 < 0):
        raise ValidationFailed(_("The threatened area cannot be negative."))
    if complicated_objects < 0:
        raise ValidationFailed(_("The number of objects cannot be negative."))
    unknown = [t for t in threatened if t not in THREATENED_VALUES]
    if unknown:
        raise ValidationFailed(
            _("Unknown threatened item “%(value)s”.") % {"value": str(unknown[0])[:60]}
        )
    return {
        "persons_threatened": persons_threatened,
        "area_m2": area_m2,
        "complicated_objects": complicated_objects,
        "threatened": sorted(set(threatened)),
        "components": _choice(components, ComponentsInvolved, label=_("components")),
        "site_coordination": _choice(coordination, SiteCoordination, label=_("coordination")),
    }


def _snapshot(incident: Incident) -> dict[str, Any]:
    return {
        "type": incident.type_id,
        "title": incident.title,
        "lat": incident.lat,
        "lon": incident.lon,
        "state": incident.state,
        "alarm_level": incident.alarm_level,
        "coordination_level": incident.coordination_level,
        "event": incident.event_id,
        "priority": incident.priority,
        "rescue_started_at": incident.rescue_started_at,
        "rescue_ended_at": incident.rescue_ended_at,
        **incident.facts_dict(),
    }


def create_incident(
    *,
    user: User,
    type_code: str,
    title: str,
    lat: float,
    lon: float,
    description: str = "",
    affected_area: dict[str, Any] | None = None,
    persons_threatened: int | None = None,
    area_m2: float | None = None,
    complicated_objects: int = 0,
    threatened: Sequence[str] = (),
    components: str = ComponentsInvolved.BASIC_UNCOORDINATED,
    coordination: str = SiteCoordination.NONE,
    coordination_level: str = CoordinationLevel.TACTICAL,
    region_code: str = "",
    orp_code: str = "",
) -> Incident:
    """Record a new incident (state reported) with its facts and optional affected area."""
    require_operations_centre(user)
    lat_f, lon_f = _point(lat, lon)
    title_t = _text(title, label=_("title"), max_chars=200, required=True)
    desc = _text(description, label=_("description"))
    facts = _facts_fields(persons_threatened, area_m2, complicated_objects, threatened, components, coordination)
    level = _choice(coordination_level, CoordinationLevel, label=_("coordination level"))
    area = _polygon(affected_area, label=_("affected area"))[0] if affected_area is not None else None
    region = _text(region_code, label=_("region code"), max_chars=20)
    orp = _text(orp_code, label=_("ORP code"), max_chars=20)
    now = _now()
    with audit.audited_transaction():
        itype = IncidentType.objects.filter(code=str(type_code)[:60], is_active=True).first()
        if itype is None:
            raise ValidationFailed(
                _("Unknown incident type “%(code)s”.") % {"code": str(type_code)[:60]}
            )
        incident = Incident.objects.create(
            type=itype,
            title=title_t,
            description=desc,
            lat=lat_f,
            lon=lon_f,
            affected_area=area,
            coordination_level=level,
            region_code=region,
            orp_code=orp,
            created_at=now,
            updated_at=now,
            created_by=user,
            **facts,
        )
        _record(
            incident,
            user=user,
            at=now,
            action="incident.created",
            kind=TimelineKind.STATE,
            message=entries.message("incident.recorded"),
            data={"state": incident.state, "type": itype.code},
            after=_snapshot(incident),
        )
    return incident


def update_incident_facts(
    *,
    user: User,
    incident_id: int,
    persons_threatened: int | None,
    area_m2: float | None,
    complicated_objects: int = 0,
    threatened: Sequence[str] = (),
    components: str = ComponentsInvolved.BASIC_UNCOORDINATED,
    coordination: str = SiteCoordination.NONE,
) -> Incident:
    """Refine what the incident threatens (the facts the alarm-level proposal reads)."""
    require_incident_role(user)
    facts = _facts_fields(persons_threatened, area_m2, complicated_objects, threatened, components, coordination)
    now = _now()
    with _writing(user, incident_id) as incident:
        before = incident.facts_dict()
        for name, value in facts.items():
            setattr(incident, name, value)
        _touch(incident, now, facts.keys())
        _record(
            incident,
            user=user,
            at=now,
            action="incident.facts_updated",
            kind=TimelineKind.LOG,
            message=entries.message("incident.facts_updated"),
            data={"before": before, "after": incident.facts_dict()},
            before=before,
            after=incident.facts_dict(),
        )
    return incident


def change_affected_area(*, user: User, incident_id: int, affected_area: dict[str, Any] | None) -> Incident:
    """Redraw the affected area of an open incident, or clear it (None)."""
    require_incident_role(user)
    area = _polygon(affected_area, label=_("affected area"))[0] if affected_area is not None else None
    now = _now()
    with _writing(user, incident_id) as incident:
        before = incident.affected_area
        if _plain(before) == _plain(area):
            raise Conflict(_("The affected area is already like this; nothing was changed."))
        incident.affected_area = area
        _touch(incident, now, ["affected_area"])
        if area is None:
            said = entries.message("area.cleared")
        elif before is None:
            said = entries.message("area.drawn")
        else:
            said = entries.message("area.redrawn")
        _record(
            incident,
            user=user,
            at=now,
            action="incident.affected_area_changed",
            kind=TimelineKind.ZONE,
            message=said,
            data={"before": before, "after": area},
            before={"affected_area": before},
            after={"affected_area": area},
        )
    return incident


def change_coordination_level(*, user: User, incident_id: int, coordination_level: str) -> Incident:
    """Move the coordination of an open incident to the tactical, operational or strategic level (§2)."""
    require_incident_role(user)
    level = _choice(str(coordination_level), CoordinationLevel, label=_("coordination level"))
    now = _now()
    with _writing(user, incident_id) as incident:
        before = incident.coordination_level
        if before == level:
            raise Conflict(_("The coordination level is already this one; nothing was changed."))
        proposed_before = propose_for_incident(incident).level
        incident.coordination_level = level
        _touch(incident, now, ["coordination_level"])
        changed = entries.message(
            "coordination.changed",
            before=entries.label("coordination", before),
            after=entries.label("coordination", level),
        )
        proposed_now = None
        # Strategic coordination (§2 c) is itself a special-level criterion (§24 d): when
        # the move changes the proposal, say what it became, so both read together.
        data: dict[str, Any] = {"from": before, "to": level}
        proposed = propose_for_incident(incident).level
        if proposed != proposed_before:
            proposed_now = entries.message("alarm.proposed_now", level=proposed)
            data["proposed"] = proposed
        _record(
            incident,
            user=user,
            at=now,
            action="incident.coordination_level_changed",
            kind=TimelineKind.COMMAND,
            message=entries.sentences(changed, proposed_now),
            data=data,
            before={"coordination_level": before},
            after={"coordination_level": level},
        )
    return incident


STATE_LABELS = dict(IncidentState.choices)


def change_state(
    *, user: User, incident_id: int, target: str, note: str = "", components_leave: bool = False
) -> Incident:
    """Move an incident along reported → in progress → liquidation → closed (legal steps only).

    Closing ends the intervention (§6(1) b)) and cannot be undone: the §16(2) report
    deadline runs from it. With components still on site it is refused unless the caller
    confirms with `components_leave`; each is then recorded as having left now (§6(1) h)).
    """
    require_incident_role(user)
    goal = _choice(str(target), IncidentState, label=_("state"))
    note_t = _text(note, label=_("note"))
    now = _now()
    with _writing(user, incident_id, open_only=False) as incident:
        current = incident.state
        if goal not in STATE_TRANSITIONS[current]:
            allowed = ", ".join(str(STATE_LABELS[s]) for s in STATE_TRANSITIONS[current]) or _(
                "none (final state)"
            )
            raise Conflict(
                _(
                    "An incident in state “%(current)s” cannot move to “%(target)s”. "
                    "Allowed next steps: %(allowed)s."
                )
                % {"current": STATE_LABELS[current], "target": STATE_LABELS[goal], "allowed": allowed}
            )
        if goal == IncidentState.CLOSED:
            _components_leave_on_closing(incident, user=user, at=now, confirmed=components_leave)
        before = _snapshot(incident)
        incident.state = goal
        fields = ["state"]
        # §6 b): start and end of rescue work are part of the record.
        if goal == IncidentState.IN_PROGRESS and incident.rescue_started_at is None:
            incident.rescue_started_at = now
            fields.append("rescue_started_at")
        if goal == IncidentState.CLOSED:
            if incident.rescue_started_at is None:
                incident.rescue_started_at = now
                fields.append("rescue_started_at")
            incident.rescue_ended_at = now
            fields.append("rescue_ended_at")
        _touch(incident, now, fields)
        _record(
            incident,
            user=user,
            at=now,
            action="incident.state_changed",
            kind=TimelineKind.STATE,
            message=entries.message("incident.state_changed", state=entries.label("state", goal)),
            text=note_t,
            data={"from": current, "to": goal},
            before=before,
            after={**_snapshot(incident), "note": note_t},
        )
    return incident


def _components_leave_on_closing(incident: Incident, *, user: User, at: Any, confirmed: bool) -> None:
    """§6(1) h): the components still on site leave when the intervention ends; refused unconfirmed."""
    on_site = list(components_on_site(incident).select_for_update())
    if not on_site:
        return
    if not confirmed:
        names = "; ".join(component_label(d) for d in on_site)
        raise Conflict(
            ngettext(
                "%(count)s component is still on site (%(names)s). Closing ends the intervention "
                "and records that it left now; it cannot be undone. Confirm to close.",
                "%(count)s components are still on site (%(names)s). Closing ends the intervention "
                "and records that they left now; it cannot be undone. Confirm to close.",
                len(on_site),
            )
            % {"count": len(on_site), "names": names}
        )
    for d in on_site:
        record_departure(
            incident,
            d,
            user=user,
            at=at,
            message=entries.message(
                "component.left_at_close", kind=entries.label("component", d.kind), leader=d.leader_name or "—"
            ),
        )


# ---------------------------------------------------------------- alarm levels


@dataclass(frozen=True)
class ProposalSnapshot:
    """A proposal turned into plain values: the level string, its reasons and its notes.

    For a territory (§20(3)) the reasons of both readings are listed, each marked with
    its `reading` ("site", with the `incident`, or "territory"), and the two levels the
    proposal is the higher of are given (ADR 0030).
    """

    level: str
    reasons: list[dict[str, Any]]
    notes: list[dict[str, Any]] = field(default_factory=list)
    highest_site_level: str = ""
    own_level: str = ""

    def reasons_of(self, reading: str) -> list[dict[str, Any]]:
        """The reasons of one reading of a territory ("site" or "territory")."""
        return [r for r in self.reasons if r.get("reading") == reading]


def _reason_dict(reason: Reason) -> dict[str, Any]:
    return {
        "rule": str(reason.rule),
        "code": str(reason.code),
        # The level the reason asks for: an exclusion (§21 a) for one object with
        # complicated conditions) cites a lower paragraph than the level it leaves.
        "level": reason.level.api_value,
        "params": _plain(dict(reason.params)),
        "text": str(reason_text(reason)),
    }


def _note_dict(note: Note) -> dict[str, Any]:
    return {"code": note.code, "params": _plain(dict(note.params)), "text": note_text(note)}


def _snapshot_of(proposal: Proposal) -> ProposalSnapshot:
    return ProposalSnapshot(
        level=RANK_LEVEL[int(proposal.level)],
        reasons=[_reason_dict(r) for r in proposal.reasons],
        notes=[_note_dict(n) for n in proposal.notes],
    )


def _typed_facts(facts: dict[str, Any], **record: Any) -> IncidentFacts:
    return IncidentFacts(
        persons_threatened=facts["persons_threatened"],
        area_m2=facts["area_m2"],
        complicated_objects=facts["complicated_objects"],
        threatened=frozenset(facts["threatened"]),
        components=facts["components"],
        coordination=facts["coordination"],
        **record,
    )


def propose_for_facts(
    facts: dict[str, Any], *, coordination_level: str = CoordinationLevel.TACTICAL
) -> ProposalSnapshot:
    """Run the pure rule (rules.propose_alarm_level) over typed facts (a preview, no record)."""
    level = _choice(str(coordination_level), CoordinationLevel, label=_("coordination level"))
    proposal = propose_alarm_level(
        _typed_facts(facts, coordination_level=level), individual_persons_max=individual_persons_max()
    )
    return _snapshot_of(proposal)


def _recorded_components(incident: Incident) -> str | None:
    """Letter b) as the components called or on site (not yet departed) make it true."""
    rows = incident.deployments.filter(departed_at__isnull=True).values_list("kind", "origin")
    return components_from_record((kind in BASIC_COMPONENTS, origin) for kind, origin in rows)


def incident_facts(incident: Incident) -> IncidentFacts:
    """What the rule reads of one site: its typed facts, the components on record and the
    level coordinating it (§2; strategic is §24 d)."""
    return _typed_facts(
        incident.facts_dict(),
        components_recorded=_recorded_components(incident),
        coordination_level=incident.coordination_level,
    )


def _record_facts(facts: IncidentFacts) -> dict[str, Any]:
    """The facts a declaration keeps: what the rule read, plain."""
    return _plain(
        {
            "persons_threatened": facts.persons_threatened,
            "area_m2": facts.area_m2,
            "complicated_objects": facts.complicated_objects,
            "threatened": sorted(facts.threatened),
            "components": facts.components,
            "coordination": facts.coordination,
            "components_recorded": facts.components_recorded,
            "coordination_level": facts.coordination_level,
        }
    )


def propose_for_incident(incident: Incident) -> ProposalSnapshot:
    """The proposed level of one site, from its facts and its record."""
    proposal = propose_alarm_level(incident_facts(incident), individual_persons_max=individual_persons_max())
    return _snapshot_of(proposal)


def _regions_involved(sites: Sequence[Incident]) -> int:
    """How many regions the sites lie in: each site's typed region code, else the located one."""
    located = locate(AreaKind.REGION, [(s.lat, s.lon) for s in sites])
    codes = {s.region_code or (area.code if area is not None else "") for s, area in zip(sites, located, strict=True)}
    codes.discard("")
    return len(codes)


def _event_reading(event: IncidentEvent) -> tuple[ProposalSnapshot, IncidentFacts | None]:
    sites = list(event.incidents.order_by("pk"))
    if not sites:
        return ProposalSnapshot(level="I", reasons=[]), None
    territory = propose_territory_level(
        [incident_facts(site) for site in sites],
        regions=_regions_involved(sites),
        individual_persons_max=individual_persons_max(),
    )
    reasons: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for site, proposal in zip(sites, territory.sites, strict=True):
        reasons.extend({**_reason_dict(r), "reading": "site", "incident": site.pk} for r in proposal.reasons)
        notes.extend({**_note_dict(n), "reading": "site", "incident": site.pk} for n in proposal.notes)
    reasons.extend({**_reason_dict(r), "reading": "territory"} for r in territory.own.reasons)
    notes.extend({**_note_dict(n), "reading": "territory"} for n in territory.own.notes)
    snapshot = ProposalSnapshot(
        level=RANK_LEVEL[int(territory.level)],
        reasons=reasons,
        notes=notes,
        highest_site_level=RANK_LEVEL[int(territory.highest_site)],
        own_level=RANK_LEVEL[int(territory.own.level)],
    )
    return snapshot, territory.own_facts


def propose_for_event(event: IncidentEvent) -> ProposalSnapshot:
    """A territory's proposal (§20(3)): the higher of its highest site's level and the level
    of its own facts summed over its sites (ADR 0030), with the reasons of both readings."""
    return _event_reading(event)[0]


def declare_alarm_level(
    *,
    user: User,
    level: str,
    incident_id: int | None = None,
    event_id: int | None = None,
    written_reason: str = "",
    notify_by_other_means: bool = False,
) -> AlarmDeclaration:
    """Declare a level for a site or a territory (§20); lower than proposed needs a reason."""
    # A territory's level is the OPIS's (§20(3)); a site's is also its commander's.
    if incident_id is not None:
        require_incident_role(user)
    else:
        require_operations_centre(user)
    if (incident_id is None) == (event_id is None):
        raise ValidationFailed(_("Declare the level either for an incident or for an event."))
    goal = _choice(str(level), AlarmLevelValue, label=_("alarm level"))
    reason = _text(written_reason, label=_("reason"))
    now = _now()
    with audit.audited_transaction():
        incident = _locked_incident(incident_id) if incident_id is not None else None
        event = _locked_event(event_id) if event_id is not None else None
        if incident is not None:
            require_incident_writer(user, incident)
            _require_open(incident)
            read = incident_facts(incident)
            proposal = _snapshot_of(
                propose_alarm_level(read, individual_persons_max=individual_persons_max())
            )
            facts: dict[str, Any] = _record_facts(read)
            previous = incident.alarm_level
        else:
            assert event is not None
            if not event.incidents.filter(state__in=OPEN_STATES).exists():
                raise Conflict(_("The event has no open incident; there is nothing to declare for."))
            proposal, own = _event_reading(event)
            facts = {"incidents": sorted(event.incidents.values_list("pk", flat=True))}
            if own is not None:
                # The territory's own facts (ADR 0030) and the two readings' levels.
                facts["territory"] = _record_facts(own)
                facts["highest_site_level"] = proposal.highest_site_level
                facts["own_level"] = proposal.own_level
            previous = event.alarm_level
        if LEVEL_RANK[goal] < LEVEL_RANK[proposal.level] and not reason:
            raise ValidationFailed(
                _(
                    "Level %(level)s is lower than the proposed level %(proposed)s; "
                    "give a written reason for declaring it."
                )
                % {"level": goal, "proposed": proposal.level}
            )
        source = incident or event
        assert source is not None
        # Only a change of level notifies: re-declaring the same level tells nobody anew.
        notifying = notifies(goal) and goal != previous
        unknown = unresolved_notices(goal, source) if notifying else []
        if unknown and not notify_by_other_means:
            # Whom §23(2)/§24 name follows from the location; without a region or ORP
            # nobody would be told unless the dispatcher says they will do it another way.
            raise ValidationFailed(
                _(
                    "Whom to notify cannot be determined: the location of %(name)s lies in no known "
                    "region or ORP (%(whom)s). Enter the region and ORP codes, or confirm that you "
                    "will notify them by other means."
                )
                % {"name": _subject_name(source), "whom": _whom(unknown)}
            )
        if proposal.notes:
            facts["notes"] = proposal.notes
        declaration = AlarmDeclaration.objects.create(
            incident=incident,
            event=event,
            level=goal,
            proposed_level=proposal.level,
            reasons=proposal.reasons,
            facts=_plain(facts),
            written_reason=reason,
            declared_by=user,
            declared_by_label=_label(user),
            declared_at=now,
        )
        # §23(2) (ADR 0028): the hejtman's and ORP mayor's notices of level III wait for the
        # duty officer's decision (or the commander's request); the rest go out now.
        automatic, by_decision = split_notices(goal, territory=event is not None) if notifying else ((), ())
        if goal != previous:
            supersede_pending(source=source)
        notified = (
            enqueue_notifications(declaration=declaration, source=source, only=automatic) if automatic else []
        )
        proposals = propose_notices(declaration=declaration, source=source, notices=by_decision, at=now)
        # A proposed notice nobody can be found for is on record like a sent one would be.
        notified += [
            {"rule": n.rule, "role": n.role, "error": "no_recipient"} for n in unknown if n in by_decision
        ]
        data = {
            "declaration": declaration.pk,
            "level": goal,
            "previous": previous,
            "proposed": proposal.level,
            "reasons": [r["rule"] for r in proposal.reasons],
            "written_reason": reason,
            "notifications": notified,
            "proposed_notices": [{"id": p.pk, "rule": p.rule, "role": p.role} for p in proposals],
        }
        if unknown:
            data["notified_by_other_means"] = True
        gaps = [n for n in notified if n.get("error") == "no_contact"]
        said = entries.sentences(
            entries.message("alarm.declared", level=goal, proposed=proposal.level),
            entries.message("alarm.no_contact", whom=_whom_ref(gaps)) if gaps else None,
            proposals_message(proposals) if proposals else None,
            entries.message("alarm.other_means", whom=_whom_ref(unknown)) if unknown else None,
        )
        if incident is not None:
            incident.alarm_level = goal
            _touch(incident, now, ["alarm_level"])
            _timeline(incident=incident, kind=TimelineKind.DECLARATION, user=user, at=now, message=said, data=data)
        else:
            assert event is not None
            event.alarm_level = goal
            _touch_event(event, now, ["alarm_level"])
            _timeline(
                incident=None, event=event, kind=TimelineKind.DECLARATION, user=user, at=now, message=said, data=data
            )
            # Each site's own record shows the level of its territory too.
            for member in event.incidents.order_by("pk"):
                _timeline(
                    incident=member,
                    event=event,
                    kind=TimelineKind.DECLARATION,
                    user=user,
                    at=now,
                    message=entries.message("alarm.declared_territory", level=goal, name=event.name),
                    data={**data, "territory": True},
                )
        audit.record(
            action="incident.alarm_level_declared" if incident else "event.alarm_level_declared",
            object_type="incident" if incident else "event",
            object_id=(incident or event).pk,  # type: ignore[union-attr]
            actor=user,
            before={"alarm_level": previous},
            after=data,
        )
    return declaration


def _subject_name(source: Incident | IncidentEvent) -> str:
    return source.name if isinstance(source, IncidentEvent) else source.title


def _roles(notices: Sequence[Notice | dict[str, Any]]) -> list[str]:
    return [n.role if isinstance(n, Notice) else str(n["role"]) for n in notices]


def _whom_ref(notices: Sequence[Notice | dict[str, Any]]) -> dict[str, Any]:
    """The distinct contact roles of some notices or gaps, labelled when read."""
    return entries.labels("role", _roles(notices))


def _whom(notices: Sequence[Notice | dict[str, Any]]) -> str:
    """The distinct contact roles of some notices or gaps, translated, in order."""
    return ", ".join(contact_role_label(role) for role in dict.fromkeys(_roles(notices)))


