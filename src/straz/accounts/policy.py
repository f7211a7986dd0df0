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
