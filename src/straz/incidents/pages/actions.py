"""The incident page's POST actions, an action table: each names its form, its use case and its section."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from straz.core.errors import NotFound
from straz.incidents import services
from straz.incidents.choices import (
    ComponentOrigin,
    SiteFeatureKind,
)
from straz.incidents.models import Incident, SiteFeature
from straz.incidents.pages.common import _level_label
from straz.incidents.pages.forms import (
    AffectedAreaForm,
    AssignCommanderForm,
    CallComponentForm,
    CheckInForm,
    CheckOutForm,
    CoordinationLevelForm,
    DeclareForm,
    FactsForm,
    HandoverForm,
    LogForm,
    MessageForm,
    NoticeDecisionForm,
    SiteFeatureEditForm,
    SiteFeatureForm,
    SiteFeatureRetireForm,
    StateForm,
    SuccessorForm,
    TakeoverForm,
    equipment_lines,
)


def _sectors(incident: Incident, *, exclude: int | None = None) -> list[tuple[int, str]]:
    # Retired sectors take no sections; a sector is never its own parent.
    sectors = incident.site_features.filter(kind=SiteFeatureKind.SECTOR, retired_at__isnull=True)
    if exclude is not None:
        sectors = sectors.exclude(pk=exclude)
    return [(f.pk, f.name or f"#{f.pk}") for f in sectors.order_by("created_at", "pk")]


def _editable_feature(incident: Incident, raw: Any) -> SiteFeature | None:
    """The active zone or post of this incident that `raw` (an id from the URL or form) names."""
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    if not 1 <= pk <= 2**63 - 1:
        return None
    return incident.site_features.filter(pk=pk, retired_at__isnull=True).first()


def _facts_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    initial = {
        "persons_threatened": incident.persons_threatened,
        "area_m2": incident.area_m2,
        "complicated_objects": incident.complicated_objects,
        "threatened": list(incident.threatened or []),
        "components": incident.components,
        "coordination": incident.site_coordination,
    }
    return FactsForm(data, initial=initial, prefix="facts")


def _facts(user: Any, incident: Incident, form: Any) -> str:
    iid = incident.pk
    services.update_incident_facts(user=user, incident_id=iid, **form.facts())
    return _("The facts were updated; the proposal is recalculated.")


def _declare_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return DeclareForm(data, initial={"level": services.propose_for_incident(incident).level}, prefix="declare")


def _declare(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    decl = services.declare_alarm_level(
        user=user,
        incident_id=iid,
        level=d["level"],
        written_reason=d.get("written_reason") or "",
        notify_by_other_means=bool(d.get("notify_by_other_means")),
    )
    return _("Alarm level %(level)s was declared.") % {"level": _level_label(decl.level)}


def _assign_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return AssignCommanderForm(data, prefix="assign")


def _assign(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    user_obj = d.get("commander_user")
    command = services.assign_commander(
        user=user,
        incident_id=iid,
        commander_name=d["commander_name"],
        commander_user_id=user_obj.pk if user_obj is not None else None,
        component=d.get("component") or "",
        successor_name=d.get("successor_name") or "",
    )
    return _("%(name)s commands the intervention.") % {"name": command.commander_name}


def _successor_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return SuccessorForm(data, prefix="successor")


def _successor(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    services.name_successor(user=user, incident_id=iid, successor_name=d["successor_name"])
    return _("Successor named: %(name)s.") % {"name": d["successor_name"]}


def _handover_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return HandoverForm(data, initial={"declaration": services.TAKEOVER_DECLARATION}, prefix="handover")


def _handover(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    new_user = d.get("new_commander_user")
    command = services.hand_over_command(
        user=user,
        incident_id=iid,
        new_commander_name=d["new_commander_name"],
        new_commander_user_id=new_user.pk if new_user is not None else None,
        component=d.get("component") or "",
        situation=d["situation"],
        aim=d["aim"],
        priorities=d["priorities"],
        declaration=d.get("declaration") or services.TAKEOVER_DECLARATION,
        successor_name=d.get("successor_name") or "",
    )
    return _("Command was handed over to %(name)s at %(at)s.") % {
        "name": command.commander_name,
        "at": timezone.localtime(command.started_at).strftime("%H:%M:%S"),
    }


def _takeover_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    options = services.takeover_options(incident) if incident.current_command_id else []
    return TakeoverForm(data, options=options, prefix="takeover")


def _takeover(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    command = services.take_over_command_when_commander_drops_out(
        user=user,
        incident_id=iid,
        how=d["how"],
        new_commander_name=d.get("new_commander_name") or "",
        skip_reason=d.get("skip_reason") or "",
        situation=d.get("situation") or "",
    )
    return _("%(name)s took over command (§3(6)).") % {"name": command.commander_name}


def _call_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return CallComponentForm(data, prefix="call")


def _call(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    dep = services.call_component(
        user=user,
        incident_id=iid,
        kind=d["kind"],
        unit_name=d.get("unit_name") or "",
        people=d.get("people") or 0,
        vehicles=d.get("vehicles") or 0,
        origin=d.get("origin") or ComponentOrigin.REGION,
    )
    return _("Component called: %(kind)s.") % {"kind": dep.get_kind_display()}


def _checkin_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return CheckInForm(data, prefix="checkin")


def _checkin(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    dep = services.check_in_component(
        user=user,
        incident_id=iid,
        kind=d["kind"],
        leader_name=d["leader_name"],
        people=d["people"],
        vehicles=d["vehicles"],
        equipment=equipment_lines(d.get("equipment") or ""),
        unit_name=d.get("unit_name") or "",
        deployment_id=d.get("deployment_id"),
        origin=d.get("origin") or None,
    )
    return _("%(kind)s checked in (leader %(leader)s).") % {
        "kind": dep.get_kind_display(),
        "leader": dep.leader_name,
    }


def _checkout_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return CheckOutForm(data)


def _checkout(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    dep = services.check_out_component(user=user, incident_id=iid, deployment_id=d["deployment_id"])
    return _("%(kind)s left the site.") % {"kind": dep.get_kind_display()}


def _feature_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return SiteFeatureForm(data, sectors=_sectors(incident), prefix="feature")


def _feature(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    feature = services.add_site_feature(
        user=user,
        incident_id=iid,
        kind=d["kind"],
        geometry=d["geometry"],
        name=d.get("name") or "",
        parent_id=d.get("parent_id"),
    )
    return _("%(kind)s was saved.") % {"kind": feature.get_kind_display()}


def _feature_edit_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    initial = {}
    if editing is not None:
        initial = {
            "feature_id": editing.pk,
            "kind": editing.kind,
            "name": editing.name,
            "parent_id": editing.parent_id,
            "geometry": json.dumps(editing.geometry),
        }
    sectors = _sectors(incident, exclude=editing.pk if editing is not None else None)
    return SiteFeatureEditForm(data, sectors=sectors, initial=initial, prefix="feature")


def _feature_edit(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    feature = services.change_site_feature(
        user=user,
        incident_id=iid,
        feature_id=d["feature_id"],
        kind=d["kind"],
        geometry=d["geometry"],
        name=d.get("name") or "",
        parent_id=d.get("parent_id"),
    )
    return _("%(kind)s was changed.") % {"kind": feature.get_kind_display()}


def _feature_retire_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return SiteFeatureRetireForm(data, prefix="retire")


def _feature_retire(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    feature = services.retire_site_feature(user=user, incident_id=iid, feature_id=d["feature_id"])
    return _("%(kind)s was removed from the site; it stays in the record.") % {
        "kind": feature.get_kind_display()
    }


def _area_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    area = json.dumps(incident.affected_area) if incident.affected_area else ""
    return AffectedAreaForm(data, initial={"geometry": area}, prefix="area")


def _area(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    services.change_affected_area(user=user, incident_id=iid, affected_area=d["area"])
    return _("The affected area was cleared.") if d["area"] is None else _("The affected area was saved.")


def _coordination_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return CoordinationLevelForm(data, initial={"coordination_level": incident.coordination_level}, prefix="coordination")


def _coordination(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    updated = services.change_coordination_level(
        user=user, incident_id=iid, coordination_level=d["coordination_level"]
    )
    return _("Coordination level: %(level)s.") % {"level": updated.get_coordination_level_display()}


def _message_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return MessageForm(data, prefix="message")


def _message(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    services.post_site_message(user=user, incident_id=iid, letter=d["letter"], text=d["text"])
    return _("The message was recorded.")


def _log_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return LogForm(data, prefix="log")


def _log(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    services.add_log_entry(user=user, incident_id=iid, text=d["text"])
    return _("The log entry was recorded.")


def _state_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return StateForm(data, prefix="state")


def _state(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    iid = incident.pk
    updated = services.change_state(
        user=user,
        incident_id=iid,
        target=d["target"],
        note=d.get("note") or "",
        components_leave=bool(d.get("confirmed")),
    )
    return _("State changed to: %(state)s.") % {"state": updated.get_state_display()}


def _notice_form(incident: Incident, data: Any, editing: SiteFeature | None) -> Any:
    return NoticeDecisionForm(data, prefix="notice")


def _notice(user: Any, incident: Incident, form: Any) -> str:
    d = form.cleaned_data
    if not incident.notice_proposals.filter(pk=d["notice_id"]).exists():
        raise NotFound(_("Proposed notice not found."))
    proposal = services.decide_notice(
        user=user,
        proposal_id=d["notice_id"],
        basis=d["basis"],
        decided_by_name=d["decided_by"],
        decided_at=d.get("decided_at"),
        notify=d["decision"] == "notify",
    )
    return _("The decision on the notice was recorded: %(status)s.") % {"status": proposal.get_status_display()}


@dataclass(frozen=True)
class Action:
    """One POST action of the incident page: its form, its use case, the section it returns to."""

    form: Callable[[Incident, Any, SiteFeature | None], Any]
    perform: Callable[[Any, Incident, Any], str]
    anchor: str


ACTIONS: dict[str, Action] = {
    "facts": Action(_facts_form, _facts, "alarm"),
    "declare": Action(_declare_form, _declare, "alarm"),
    "assign": Action(_assign_form, _assign, "command"),
    "successor": Action(_successor_form, _successor, "command"),
    "handover": Action(_handover_form, _handover, "command"),
    "takeover": Action(_takeover_form, _takeover, "command"),
    "call": Action(_call_form, _call, "components"),
    "checkin": Action(_checkin_form, _checkin, "components"),
    "checkout": Action(_checkout_form, _checkout, "components"),
    "feature": Action(_feature_form, _feature, "site"),
    "feature_edit": Action(_feature_edit_form, _feature_edit, "site"),
    "feature_retire": Action(_feature_retire_form, _feature_retire, "site"),
    "area": Action(_area_form, _area, "site"),
    "coordination": Action(_coordination_form, _coordination, "site"),
    "message": Action(_message_form, _message, "messages"),
    "log": Action(_log_form, _log, "messages"),
    "state": Action(_state_form, _state, "state"),
    "notice": Action(_notice_form, _notice, "notices"),
}


def make_form(action: str, incident: Incident, data: Any = None, editing: SiteFeature | None = None) -> Any:
    """The form of one action, bound to `data` when given."""
    return ACTIONS[action].form(incident, data, editing)
