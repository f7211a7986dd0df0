"""Who may do what in accounts: the territorial scope of staff roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from straz.accounts.models import Role

if TYPE_CHECKING:
    from straz.accounts.models import User

# Roles whose view and actions are limited to the police districts they are assigned to.
DISTRICT_SCOPED_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})


def is_district_scoped(user: User) -> bool:
    """True when this user sees and acts only within assigned districts."""
    return user.role in DISTRICT_SCOPED_ROLES and not user.is_superuser


# Roles that must log in with a second factor (ADR 0024): every role that reads police-only
# data. Today restrict() lets every role that reads reports read their police-only parts
# (reports.policy.police_only_reports), which is all but the incident commander; the
# dispatcher also reads callers' numbers (§12). tests/accounts/test_two_factor.py checks that
# every role restrict() lets read police-only text is in this set.
SECOND_FACTOR_ROLES = frozenset(
    {Role.OFFICER, Role.SUPERVISOR, Role.DISPATCHER, Role.ANALYST, Role.MANAGER, Role.ADMIN}
)


def second_factor_required(user: User) -> bool:
    """True when this account must have and use a second factor: anyone who may use the
    admin site (staff, superuser) and every role that reads police-only data."""
    return bool(user.is_staff or user.is_superuser or user.role in SECOND_FACTOR_ROLES)
