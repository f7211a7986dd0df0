"""Queries of the threat map; the one place where staff scope is applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from straz.accounts.access import restrict
from straz.accounts.models import User
from straz.core.errors import NotFound
from straz.reports import policy
from straz.reports.models import Report
from straz.reports.rules import OPEN_STATUSES, VERIFIED_STATUSES, Status
from straz.reports.rules import is_overdue as rule


def can_act_on_reports(user: User) -> bool:
    """True when the user's role may change reports (verify, note, mark read)."""
    return policy.can_act(user)


def visible_reports_for(user: User) -> QuerySet[Report]:
    """Reports a staff user may see: own districts for officers/supervisors, none for commanders, all for others."""
    return policy.scope(Report.objects.all(), user)


@dataclass(frozen=True)
class StaffReport:
    """A report as one staff member may see it: with its police-only parts or without."""

    report: Report
    # True when the police-only fields were read (through restrict(), read-audited);
    # False when they were not even loaded (need-to-know, ADR 0025).
    police_only: bool


def staff_report_for(user: User, report_id: int) -> StaffReport:
    """A report in the user's scope, its police-only parts only for those who need to know."""
    related = ("category", "district", "officer")
    full = (
        restrict(Report.objects.all(), user, policy.READ_POLICE_ONLY)
        .select_related(*related)
        .filter(pk=report_id)
        .first()
    )
    if full is not None:
        return StaffReport(full, True)
    rest = (
        visible_reports_for(user)
        .defer(*Report.POLICE_ONLY_FIELDS)
        .select_related(*related)
        .filter(pk=report_id)
        .first()
    )
    if rest is None:
        raise NotFound(_("Report not found."))
    return StaffReport(rest, False)


def overdue_q(now: datetime) -> Q:
    """Reports that missed their read or verify deadline."""
    unread_late = Q(read_at__isnull=True, read_due_at__lt=now)
    unverified_late = Q(verify_due_at__lt=now) & ~Q(status__in=[s.value for s in VERIFIED_STATUSES])
    return unread_late | unverified_late


# Orders of the staff queue (the `sort` of the page and API); "deadline" is the default.
QUEUE_ORDERS = ("deadline", "newest", "oldest", "category", "status")
QUEUE_TEXT_MAX = 100


def _text_q(user: User, text: str) -> Q:
    """Reports matching a search text: the report number, and for those who need to know,
    the description and address the citizen wrote (police-only, ADR 0025)."""
    words = text.split()
    number = text.strip().lstrip("#")
    match = Q(pk=int(number)) if number.isdigit() and len(number) < 19 else Q(pk__in=[])
    # Without the need to know, a match on police-only text would reveal what it says.
    if words and policy.can_read_police_only(user):
        every_word = Q()
        for word in words:
            every_word &= Q(description__icontains=word) | Q(address_text__icontains=word)
        match |= every_word
    return match


def queue_for(
    user: User,
    *,
    statuses: list[str] | None = None,
    category_code: str | None = None,
    district_code: str | None = None,
    overdue: bool | None = None,
    include_duplicates: bool = False,
    text: str = "",
    order: str = "deadline",
    now: datetime | None = None,
) -> QuerySet[Report]:
    """A user's work queue: open reports by default, overdue first, then by next due date."""
    now = now or timezone.now()
    qs = visible_reports_for(user).select_related("category", "district", "officer")
    text = text.strip()[:QUEUE_TEXT_MAX]
    if text:
        qs = qs.filter(_text_q(user, text))
    qs = qs.filter(status__in=statuses or [s.value for s in OPEN_STATUSES])
    if category_code:
        qs = qs.filter(category__code=category_code)
    if district_code:
        qs = qs.filter(district__code=district_code)
    if not include_duplicates:
        qs = qs.filter(duplicate_of__isnull=True)
    late = overdue_q(now)
    if overdue is True:
        qs = qs.filter(late)
    elif overdue is False:
        qs = qs.exclude(late)
    qs = qs.annotate(
        overdue_rank=Case(When(late, then=Value(0)), default=Value(1), output_field=IntegerField()),
        # The next deadline: reading while unread, then verifying.
        next_due=Case(
            When(read_at__isnull=True, then=F("read_due_at")),
            default=Coalesce(F("verify_due_at"), F("read_due_at")),
        ),
    )
    if order == "newest":
        return qs.order_by("-created_at", "-id")
    if order == "oldest":
        return qs.order_by("created_at", "id")
    if order == "category":
        return qs.order_by("category__order", "category__code", "-created_at", "-id")
    if order == "status":
        # The workflow's order (new, verification, …), not the alphabet of the values.
        rank = Case(
            *[When(status=s.value, then=Value(i)) for i, s in enumerate(Status)],
            default=Value(len(Status)),
            output_field=IntegerField(),
        )
        return qs.annotate(status_rank=rank).order_by("status_rank", "-created_at", "-id")
    return qs.order_by("overdue_rank", F("next_due").asc(nulls_last=True), "created_at", "id")


def is_overdue(report: Report, now: datetime | None = None) -> bool:
    """True when a report missed a deadline (same rule as overdue_q)."""
    return rule(
        now=now or timezone.now(),
        status=Status(report.status),
        read_at=report.read_at,
        read_due=report.read_due_at,
        verify_due=report.verify_due_at,
    )
