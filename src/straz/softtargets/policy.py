"""Who may do what with soft targets: the only place this wing names roles (ADR 0042).

The registry (name, kind, place, operator, capacity, state, the latest overall band) is
read by every active staff member. The restricted design part — vulnerabilities, attacker
types, scenarios and their scores, measures in detail — is read only by users holding a
clearance for that target, whatever their role, through accounts.access.restrict() so that
every read is recorded. Managers and administrators register targets, publish scales and
grant clearances; whoever registers a target is cleared for it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from straz.accounts.models import Role, User

# Roles that register and change soft targets, publish risk scales and grant clearances.
MANAGING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})

# The restrict() action for reading a target's restricted design part (RestrictedPart,
# Assessment, Measure): only holders of a clearance for that target.
READ_RESTRICTED = "softtargets.read_restricted"


def _staff(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def reads_registry(user: Any) -> bool:
    """True for any active staff member: the registry without its restricted part."""
    return _staff(user)


def manages(user: Any) -> bool:
    """True when the user may register targets, publish scales and grant clearances."""
    return _staff(user) and (user.is_superuser or user.role in MANAGING_ROLES)


def is_cleared(user: Any, target_id: int) -> bool:
    """True when the user holds a clearance for this target's restricted part."""
    if not _staff(user):
        return False
    from straz.softtargets.models import Clearance

    return Clearance.objects.filter(user_id=user.pk, target_id=target_id).exists()


def cleared_rows(queryset: QuerySet[Any], user: User) -> QuerySet[Any]:
    """restrict() rule: rows of the restricted part of the targets this user is cleared for."""
    if not _staff(user):
        return queryset.none()
    from straz.softtargets.models import Clearance

    return queryset.filter(target_id__in=Clearance.objects.filter(user_id=user.pk).values("target_id"))
