"""Command of a joint intervention (§3): assigning, naming a successor, handing over, taking over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from straz.accounts.models import User
from straz.core.errors import Conflict, ValidationFailed
from straz.incidents import entries
from straz.incidents.choices import CommandStart, ComponentKind, SiteMessageLetter, TimelineKind
from straz.incidents.models import CommandAssignment, ComponentDeployment, Incident
from straz.incidents.policy import (
    can_be_named_commander,
    require_incident_role,
)
from straz.incidents.services.base import (
    NAME_MAX_CHARS,
    _choice,
    _now,
    _record,
    _text,
    _timeline,
    _touch,
    _writing,
)

# ---------------------------------------------------------------- command (§3)


TAKEOVER_DECLARATION = "Přebírám velení"  # §3(7): the words the new commander says


def _command_snapshot(c: CommandAssignment | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "id": c.pk,
        "commander": c.commander_name,
        "commander_user": c.commander_user_id,
        "component": c.commander_component,
        "successor": c.successor_name,
        "how": c.how,
        "started_at": c.started_at,
        "ended_at": c.ended_at,
    }


def _current_command(incident: Incident) -> CommandAssignment | None:
    if incident.current_command_id is None:
        return None
    return CommandAssignment.objects.select_for_update().filter(pk=incident.current_command_id).first()


def _commander_user(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise ValidationFailed(_("Unknown user %(id)s.") % {"id": user_id})
    # Only an incident commander's account is named (policy); anyone else by name only.
    if not can_be_named_commander(found):
        raise ValidationFailed(
            _(
                "The account %(user)s cannot command an incident: choose an incident "
                "commander's account, or type the commander's name."
            )
            % {"user": found.get_username()}
        )
    return found


@dataclass(frozen=True)
class _Briefing:
    """§3(7): what the outgoing commander tells (situation, aim, priorities) and the takeover words."""

    situation: str = ""
    aim: str = ""
    priorities: str = ""
    declaration: str = ""


def _briefing(*, situation: str, aim: str, priorities: str, declaration: str, required: bool) -> _Briefing:
    return _Briefing(
        situation=_text(situation, label=_("situation"), required=required),
        aim=_text(aim, label=_("aim"), required=required),
        priorities=_text(priorities, label=_("priorities"), required=required),
        declaration=_text(declaration, label=_("takeover declaration"), max_chars=300) or TAKEOVER_DECLARATION,
    )


def _start_command(
    *,
    incident: Incident,
    user: User,
    now: datetime,
    how: str,
    commander_name: str,
    commander_user: User | None,
    component: str,
    successor_name: str,
    previous: CommandAssignment | None,
    briefing: _Briefing = _Briefing(),
) -> CommandAssignment:
    if previous is not None:
        previous.ended_at = now
        previous.save(update_fields=["ended_at"])
    command = CommandAssignment.objects.create(
        incident=incident,
        commander_name=commander_name,
        commander_user=commander_user,
        commander_component=component,
        successor_name=successor_name,
        started_at=now,
        how=how,
        briefing_situation=briefing.situation,
        briefing_aim=briefing.aim,
        briefing_priorities=briefing.priorities,
        takeover_declaration=briefing.declaration,
        previous=previous,
        recorded_by=user,
    )
    incident.current_command = command
    _touch(incident, now, ["current_command"])
    return command


def _require_command(incident: Incident) -> CommandAssignment:
    command = _current_command(incident)
    if command is None:
        raise Conflict(_("The incident has no commander yet; assign the first commander."))
    return command


def _component_value(component: str) -> str:
    if not component:
        return ""
    return _choice(component, ComponentKind, label=_("component"))


def assign_commander(
    *,
    user: User,
    incident_id: int,
    commander_name: str,
    commander_user_id: int | None = None,
    component: str = "",
    successor_name: str = "",
) -> CommandAssignment:
    """Record the first commander at the site (§3(2)); later changes go through a handover."""
    require_incident_role(user)
    name = _text(commander_name, label=_("commander"), max_chars=NAME_MAX_CHARS, required=True)
    successor = _text(successor_name, label=_("successor"), max_chars=NAME_MAX_CHARS)
    comp = _component_value(component)
    now = _now()
    with _writing(user, incident_id) as incident:
        if incident.current_command_id is not None:
            raise Conflict(_("The incident already has a commander; hand over command instead."))
        command = _start_command(
            incident=incident,
            user=user,
            now=now,
            how=CommandStart.INITIAL,
            commander_name=name,
            commander_user=_commander_user(commander_user_id),
            component=comp,
            successor_name=successor,
            previous=None,
        )
        _record(
            incident,
            user=user,
            at=now,
            action="incident.commander_assigned",
            kind=TimelineKind.COMMAND,
            message=entries.message("command.assigned", name=name),
            data={"command": _command_snapshot(command)},
            after=_command_snapshot(command),
        )
    return command


def name_successor(*, user: User, incident_id: int, successor_name: str) -> CommandAssignment:
    """§3(3) e): the commander names a successor in advance."""
    require_incident_role(user)
    successor = _text(successor_name, label=_("successor"), max_chars=NAME_MAX_CHARS, required=True)
    now = _now()
    with _writing(user, incident_id) as incident:
        command = _require_command(incident)
        before = command.successor_name
        command.successor_name = successor
        command.save(update_fields=["successor_name"])
        _record(
            incident,
            user=user,
            at=now,
            action="incident.successor_named",
            kind=TimelineKind.COMMAND,
            message=entries.message("command.successor", name=successor),
            data={"command": command.pk, "successor": successor, "before": before},
            before={"successor": before},
            after={"successor": successor, "command": command.pk},
        )
    return command


def hand_over_command(
    *,
    user: User,
    incident_id: int,
    new_commander_name: str,
    situation: str,
    aim: str,
    priorities: str,
    new_commander_user_id: int | None = None,
    component: str = "",
    successor_name: str = "",
    declaration: str = TAKEOVER_DECLARATION,
) -> CommandAssignment:
    """§3(7): the outgoing commander briefs situation, aim and priorities; the new one takes over."""
    require_incident_role(user)
    name = _text(new_commander_name, label=_("new commander"), max_chars=NAME_MAX_CHARS, required=True)
    brief = _briefing(situation=situation, aim=aim, priorities=priorities, declaration=declaration, required=True)
    successor = _text(successor_name, label=_("successor"), max_chars=NAME_MAX_CHARS)
    comp = _component_value(component)
    now = _now()
    with _writing(user, incident_id) as incident:
        return _change_command(
            incident=incident,
            user=user,
            now=now,
            previous=_require_command(incident),
            how=CommandStart.HANDOVER,
            commander_name=name,
            commander_user=_commander_user(new_commander_user_id),
            component=comp,
            successor_name=successor,
            briefing=brief,
        )


def _change_command(
    *, incident: Incident, user: User, now: datetime, previous: CommandAssignment, **start: Any
) -> CommandAssignment:
    """End the previous command, start the new one and record the change."""
    command = _start_command(incident=incident, user=user, now=now, previous=previous, **start)
    # §3(8): the record keeps the time of the change and the name of the new commander;
    # §6 e): a change of commander is a message to the OPIS.
    data = {
        "from": previous.commander_name,
        "to": command.commander_name,
        "at": now,
        "how": command.how,
        "declaration": command.takeover_declaration,
        "briefing": {
            "situation": command.briefing_situation,
            "aim": command.briefing_aim,
            "priorities": command.briefing_priorities,
        },
        "command": command.pk,
    }
    _record(
        incident,
        user=user,
        at=now,
        action="incident.command_changed",
        kind=TimelineKind.MESSAGE,
        letter=SiteMessageLetter.E,
        message=entries.message(
            "command.taken_over",
            new=command.commander_name,
            words=command.takeover_declaration,
            old=previous.commander_name,
            at=entries.at(now),
        ),
        data=data,
        before=_command_snapshot(previous),
        after=_command_snapshot(command),
    )
    return command


@dataclass(frozen=True)
class TakeoverProposal:
    """Who takes over when the commander drops out (§3(6)), and by which letter."""

    how: str
    rule: str
    name: str
    component: str = ""
    deployment_id: int | None = None


def _prevailing_deployment(incident: Incident) -> ComponentDeployment | None:
    # The component doing the prevailing activity: the most people on site; among equals
    # the one that arrived first.
    return (
        incident.deployments.filter(arrived_at__isnull=False, departed_at__isnull=True)
        .exclude(leader_name="")
        .order_by("-people", "arrived_at", "pk")
        .first()
    )


def takeover_options(incident: Incident) -> list[TakeoverProposal]:
    """The §3(6) candidates in the legal order a) → b) → c); c) needs a name given by the caller."""
    options: list[TakeoverProposal] = []
    current = incident.current_command
    if current is not None and current.successor_name:
        options.append(
            TakeoverProposal(how=CommandStart.SUCCESSOR, rule="§3(6) a)", name=current.successor_name)
        )
    prevailing = _prevailing_deployment(incident)
    if prevailing is not None:
        options.append(
            TakeoverProposal(
                how=CommandStart.PREVAILING_COMPONENT,
                rule="§3(6) b)",
                name=prevailing.leader_name,
                component=prevailing.kind,
                deployment_id=prevailing.pk,
            )
        )
    options.append(TakeoverProposal(how=CommandStart.AUTHORITY_REPRESENTATIVE, rule="§3(6) c)", name=""))
    return options


_TAKEOVER_ORDER: list[str] = [
    CommandStart.SUCCESSOR,
    CommandStart.PREVAILING_COMPONENT,
    CommandStart.AUTHORITY_REPRESENTATIVE,
]


def take_over_command_when_commander_drops_out(
    *,
    user: User,
    incident_id: int,
    how: str | None = None,
    new_commander_name: str = "",
    skip_reason: str = "",
    situation: str = "",
    aim: str = "",
    priorities: str = "",
    declaration: str = TAKEOVER_DECLARATION,
) -> CommandAssignment:
    """§3(6): the successor, else the prevailing component's leader, else the authority's representative."""
    require_incident_role(user)
    name_given = _text(new_commander_name, label=_("new commander"), max_chars=NAME_MAX_CHARS)
    skip = _text(skip_reason, label=_("reason"))
    brief = _briefing(situation=situation, aim=aim, priorities=priorities, declaration=declaration, required=False)
    if how is not None:
        how = _choice(how, CommandStart, label=_("takeover"))
        if how not in _TAKEOVER_ORDER:
            raise ValidationFailed(_("A takeover follows §3(6) a), b) or c)."))
    now = _now()
    with _writing(user, incident_id) as incident:
        previous = _require_command(incident)
        options = takeover_options(incident)
        chosen = options[0] if how is None else next((o for o in options if o.how == how), None)
        if chosen is None:
            raise Conflict(
                _("Nobody qualifies under %(rule)s at this incident.")
                % {"rule": {"successor": "§3(6) a)", "prevailing_component": "§3(6) b)"}.get(str(how), "§3(6)")}
            )
        skipped = [o for o in options if _TAKEOVER_ORDER.index(o.how) < _TAKEOVER_ORDER.index(chosen.how)]
        if skipped and not skip:
            raise Conflict(
                _(
                    "§3(6) gives the order a) → b) → c): %(who)s (%(rule)s) comes first. "
                    "Give the reason why they cannot take over."
                )
                % {"who": skipped[0].name, "rule": skipped[0].rule}
            )
        name = chosen.name or name_given
        if chosen.how == CommandStart.AUTHORITY_REPRESENTATIVE and not name_given:
            raise ValidationFailed(_("Name the representative of the responsible authority."))
        if chosen.how == CommandStart.AUTHORITY_REPRESENTATIVE:
            name = name_given
        if skip:
            _timeline(
                incident=incident,
                kind=TimelineKind.LOG,
                user=user,
                at=now,
                text=skip,
                data={"skipped": [o.rule for o in skipped]},
            )
        return _change_command(
            incident=incident,
            user=user,
            now=now,
            previous=previous,
            how=chosen.how,
            commander_name=name,
            commander_user=None,
            component=chosen.component,
            successor_name="",
            briefing=brief,
        )
