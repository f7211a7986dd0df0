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


# Roles that must log in with a second factor (ADR 0024): every role that reads police-only
# data (POLICE_ONLY_READER_ROLES, the need-to-know rule of ADR 0025) and the dispatcher, who
# reads emergency callers' numbers (§12). Analysts, managers and commanders read neither and
# may enrol voluntarily. tests/accounts/test_two_factor.py checks that every role restrict()
# lets read police-only text is in this set.
SECOND_FACTOR_ROLES = frozenset(POLICE_ONLY_READER_ROLES | {Role.DISPATCHER})


def second_factor_required(user: User) -> bool:
    """True when this account must have and use a second factor: anyone who may use the
    admin site (staff, superuser) and every role that reads police-only data."""
    return bool(user.is_staff or user.is_superuser or user.role in SECOND_FACTOR_ROLES)
