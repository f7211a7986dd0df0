"""Who may do what on the threat map: the only place the reports wing names roles."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from straz.accounts.models import Role, User
from straz.accounts.policy import DISTRICT_SCOPED_ROLES, is_district_scoped, reads_police_only

# Roles that may change the state of a report (verify, confirm, eliminate…).
ACTING_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
# Roles that may assign a report to another officer.
REASSIGNING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
# Roles that never read citizens' threat reports: an incident commander (usually of the
# fire and rescue service) works on joint interventions and has no need to know the
# police-only text of reports (ADR 0014).
NO_ACCESS_ROLES = frozenset({Role.COMMANDER})
# Roles told about the overdue reports of their districts.
OVERDUE_RECIPIENT_ROLE = Role.SUPERVISOR

# The restrict() action for reading the police-only parts of a report: its description,
# exact point and address, photos (attachments) and internal notes. Need-to-know (ADR
# 0025): only the police of the report's district read them, and administrators (audited);
# analysts and managers work with the public projection and the workflow fields.
READ_POLICE_ONLY = "reports.read_police_only"
# Roles whose opening of a report counts as "read by the police" for the KMZB read
# deadline (ADR 0026): the officers of the report's district and the district's supervisor.
READ_CLOCK_ROLES = DISTRICT_SCOPED_ROLES


def _staff(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def reads_reports(user: Any) -> bool:
    """True when this staff member may read citizens' threat reports at all."""
    return _staff(user) and (user.is_superuser or user.role not in NO_ACCESS_ROLES)


def can_act(user: Any) -> bool:
    """True when the user's role may change reports (verify, note, mark read)."""
    return _staff(user) and (user.is_superuser or user.role in ACTING_ROLES)


def can_correct_status_change(user: Any, actor_id: int | None) -> bool:
    """True when the user may undo a status change made by `actor_id`: its author or a supervisor."""
    if not can_act(user):
        return False
    return user.pk == actor_id or user.is_superuser or user.role in REASSIGNING_ROLES


def can_reassign(user: Any) -> bool:
    """True when the user may assign reports to officers."""
    return _staff(user) and (user.is_superuser or user.role in REASSIGNING_ROLES)


def is_supervisor(user: Any) -> bool:
    """True for a district supervisor (the queue offers the district-wide view)."""
    return _staff(user) and user.role == Role.SUPERVISOR


def scope(queryset: QuerySet[Any], user: User, *, via: str = "") -> QuerySet[Any]:
    """Rows of `queryset` whose report the user may see (own districts when scoped)."""
    if not reads_reports(user):
        return queryset.none()
    if is_district_scoped(user):
        return queryset.filter(**{f"{via}district__in": user.districts.values("pk")})
    return queryset


def can_read_police_only(user: Any) -> bool:
    """True when the user may read police-only parts of the reports in their scope."""
    return reads_reports(user) and reads_police_only(user)


def police_only_reports(queryset: QuerySet[Any], user: User) -> QuerySet[Any]:
    """restrict() rule: reports whose police-only parts the user may read (need-to-know)."""
    if not can_read_police_only(user):
        return queryset.none()
    return scope(queryset, user)


def police_only_children(queryset: QuerySet[Any], user: User) -> QuerySet[Any]:
    """restrict() rule: attachments and notes of the reports whose police-only parts the user reads."""
    if not can_read_police_only(user):
        return queryset.none()
    return scope(queryset, user, via="report__")


def stops_read_clock(user: Any, district_id: int | None) -> bool:
    """KMZB: True when this user's reading is the police's reading of a report of `district_id`.

    Only an officer of the report's district or that district's supervisor stops the read
    deadline; analysts, managers, dispatchers, administrators and the police of other
    districts never do (ADR 0026).
    """
    if not _staff(user) or user.role not in READ_CLOCK_ROLES or district_id is None:
        return False
    return bool(user.districts.filter(pk=district_id).exists())
