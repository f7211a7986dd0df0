"""Who may do what in accounts: the territorial scope of staff roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from straz.accounts.models import Role

if TYPE_CHECKING:
    from straz.accounts.models import User

# Roles whose view and actions are limited to the police districts they are assigned to.
DISTRICT_SCOPED_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})
# Roles that may read police-only data at all (need-to-know, ADR 0025): the police, within
# their districts, and administrators, every read audited. Analysts, managers, dispatchers
# and incident commanders never do. The two-factor requirement follows this list.
POLICE_ONLY_READER_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})


def is_district_scoped(user: User) -> bool:
    """True when this user sees and acts only within assigned districts."""
    return user.role in DISTRICT_SCOPED_ROLES and not user.is_superuser


def reads_police_only(user: User) -> bool:
    """True when this user's role may read police-only data (each wing narrows it further)."""
    return bool(user.is_superuser or user.role in POLICE_ONLY_READER_ROLES)
