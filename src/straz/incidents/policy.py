"""Who may do what in the IZS wing: the only place incident roles are named."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from straz.accounts.models import Role, User
from straz.core.errors import Forbidden
from straz.incidents.models import Incident

# Roles that run joint interventions (OPIS dispatchers and administrators): every incident.
INCIDENT_WRITER_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})
# Incident commanders write only to the incidents they currently command (ADR 0014).
COMMANDER_ROLES = frozenset({Role.COMMANDER})
# The operations centre, administrators and commanders declare levels (§20), so they see
# the proposal before declaring.
ALARM_PREVIEW_ROLES = INCIDENT_WRITER_ROLES | COMMANDER_ROLES
# Accounts that may be named the commander of an incident (§3): incident commanders only.
# A dispatcher or an administrator runs the operations centre or the back office, not the
# site; a commander without an account is named by name (issue 9 item 7).
COMMAND_ELIGIBLE_ROLES = (Role.COMMANDER,)


def _active(user: User | Any) -> bool:
    return bool(user is not None and getattr(user, "is_active", False))


def can_view_incidents(user: User | Any) -> bool:
    """Every active staff member may read incidents (the police is a basic IZS component)."""
    return _active(user)


def can_run_incidents(user: User | Any) -> bool:
    """True when the user may change incidents (dispatcher, admin, superuser)."""
    return _active(user) and bool(
        getattr(user, "is_superuser", False) or getattr(user, "role", None) in INCIDENT_WRITER_ROLES
    )


def can_read_caller_number(user: User | Any) -> bool:
    """§12 call records: only the operations centre that handles the calls (and admins) read
    the caller's number; every other staff member sees the call without it."""
    return can_run_incidents(user)


def is_commander(user: User | Any) -> bool:
    """True for an active incident commander's account."""
    return _active(user) and getattr(user, "role", None) in COMMANDER_ROLES


def can_be_named_commander(user: User | Any) -> bool:
    """True for an account that may be named an incident's commander (§3): an active
    incident commander's account."""
    return _active(user) and getattr(user, "role", None) in COMMAND_ELIGIBLE_ROLES


def can_write_incident(user: User | Any, incident: Incident) -> bool:
    """True when the user may change this incident: the OPIS and admins always, a commander
    only while they are its current commander."""
    if can_run_incidents(user):
        return True
    if not is_commander(user) or incident.current_command_id is None:
        return False
    command = incident.current_command
    return command is not None and command.commander_user_id == user.pk


def can_preview_alarm_level(user: User | Any) -> bool:
    """Who sees the level proposal of §20–§24 before declaring: whoever may declare one."""
    return getattr(user, "role", None) in ALARM_PREVIEW_ROLES


def can_write_report(user: User | Any, incident: Incident) -> bool:
    """Who may fill and complete the site's report (§16(2)): whoever may write to the incident."""
    return can_write_incident(user, incident)


def can_write_territory_report(user: User | Any) -> bool:
    """§16(3): the regional fire brigade writes it — the operations centre (OPIS) and administrators."""
    # A site's commander is not the author here, even of a site of this event.
    return can_run_incidents(user)


def require_viewer(user: User | Any) -> None:
    """Refuse (403) anyone who may not read incidents."""
    if not can_view_incidents(user):
        raise Forbidden(_("You are not allowed to do this."))


def require_operations_centre(user: User | Any) -> None:
    """Refuse (403) anyone but the operations centre (dispatcher) and administrators."""
    if not can_run_incidents(user):
        raise Forbidden(_("Only the operations centre (dispatcher) or an administrator can do this."))


def incident_refusal() -> Forbidden:
    """The refusal of a write to an incident by someone who may not make it."""
    return Forbidden(
        _(
            "Only the operations centre (dispatcher), an administrator or the current "
            "commander of this incident can do this."
        )
    )


def require_incident_role(user: User) -> None:
    """Refuse early the roles that may never write to any incident, before any validation."""
    if not (can_run_incidents(user) or is_commander(user)):
        raise incident_refusal()


def require_incident_writer(user: User, incident: Incident) -> None:
    """Refuse a write to this incident by anyone but its writers."""
    if not can_write_incident(user, incident):
        raise incident_refusal()


def can_record_notice_decision(user: User | Any, incident: Incident | None, basis: str) -> bool:
    """§23(2) (ADR 0028): the operations centre records the duty officer's decision; a request of
    the commander for the ORP mayor's notice is recorded by whoever may write to the incident
    (its current commander, or the OPIS taking the request by radio). A territory has no commander."""
    if basis == "duty_officer":
        return can_run_incidents(user)
    if basis == "commander_request":
        return incident is not None and can_write_incident(user, incident)
    return False
