"""Who may do what in the IZS wing: the only place incident roles are named."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from straz.accounts.models import Role, User
from straz.core.errors import Forbidden
from straz.incidents.models import (
    Incident,
)

# Roles that run joint interventions (OPIS dispatchers and administrators): every incident.
INCIDENT_WRITER_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})
# Incident commanders write only to the incidents they currently command (ADR 0014).
COMMANDER_ROLES = frozenset({Role.COMMANDER})

def can_run_incidents(user: User | Any) -> bool:
    """True when the user may change incidents (dispatcher, admin, superuser)."""
    return bool(
        user is not None
        and getattr(user, "is_active", False)
        and (getattr(user, "is_superuser", False) or getattr(user, "role", None) in INCIDENT_WRITER_ROLES)
    )


def is_commander(user: User | Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_active", False)
        and getattr(user, "role", None) in COMMANDER_ROLES
    )


def can_write_incident(user: User | Any, incident: Incident) -> bool:
    """True when the user may change this incident: the OPIS and admins always, a commander
    only while they are its current commander."""
    if can_run_incidents(user):
        return True
    if not is_commander(user) or incident.current_command_id is None:
        return False
    command = incident.current_command
    return command is not None and command.commander_user_id == user.pk


def require_operations_centre(user: User | Any) -> None:
    """Refuse (403) anyone but the operations centre (dispatcher) and administrators."""
    if not can_run_incidents(user):
        raise Forbidden(_("Only the operations centre (dispatcher) or an administrator can do this."))


def incident_refusal() -> Forbidden:
    return Forbidden(
        _(
            "Only the operations centre (dispatcher), an administrator or the current "
            "commander of this incident can do this."
        )
    )


def require_incident_role(user: User) -> None:
    # Early refusal for roles that may never write to any incident, before any validation.
    if not (can_run_incidents(user) or is_commander(user)):
        raise incident_refusal()


def require_incident_writer(user: User, incident: Incident) -> None:
    if not can_write_incident(user, incident):
        raise incident_refusal()
