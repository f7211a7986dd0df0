"""The incident report (zpráva o zásahu, §16 of Decree 328/2001): when it is required, its
14-day deadline, and the audited use cases that fill, complete and amend it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from straz.incidents.models import (
    AlarmDeclaration,
    ComponentDeployment,
    Incident,
    IncidentEvent,
    IncidentReport,
    IncidentReportAmendment,
    IncidentReportStatus,
    ReportContents,
    TerritoryReport,
)
from straz.incidents.policy import can_run_incidents, can_write_incident
from straz.incidents.services.base import _locked_event, _locked_incident, _plain, _text, _timeline

# §16(2): the report is written when level III or special was declared for the site.
REPORT_LEVELS = ("III", "special")
# §16(2): handed to the regional fire brigade within 14 days after the intervention ends.
REPORT_DAYS = 14

TEXT_FIELDS = (
    "origin",
    "work_done",
    "forces_and_means",
    "procedure",
    "consequences",
    "damage_note",
    "personal_help",
    "material_help",
)
AMOUNT_FIELDS = ("damage_czk", "values_saved_czk")
COUNT_FIELDS = ("dead", "injured", "rescued", "evacuated")
REPORT_FIELDS = TEXT_FIELDS + AMOUNT_FIELDS + COUNT_FIELDS
# What §16(4) requires before the commander may complete the report (0 is a valid count).
REQUIRED_TO_COMPLETE = (
    "origin",
    "work_done",
    "forces_and_means",
    "procedure",
    "consequences",
    *AMOUNT_FIELDS,
    *COUNT_FIELDS,
)
REPORT_TEXT_MAX_CHARS = 20_000
# Largest amount accepted, in CZK (10^13 = ten trillion, beyond any real damage).
AMOUNT_MAX = 10**13
COUNT_MAX = 10_000_000


def field_labels() -> dict[str, str]:
    """Translated names of the report fields, for messages and the document."""
    return {
        "origin": _("Origin of the incident"),
        "work_done": _("Rescue and liquidation work done"),
        "forces_and_means": _("Forces and means used"),
        "procedure": _("Procedure of the components at the site"),
        "consequences": _("Consequences of the incident"),
        "damage_czk": _("Damage (CZK)"),
        "values_saved_czk": _("Values saved (CZK)"),
        "damage_note": _("Damage and values saved, details"),
        "dead": _("Dead"),
        "injured": _("Injured"),
        "rescued": _("Rescued"),
        "evacuated": _("Evacuated"),
        "personal_help": _("Personal help given"),
        "material_help": _("Material help given"),
    }


# ---------------------------------------------------------------- requirement and deadline


@dataclass(frozen=True)
class ReportRequirement:
    """Whether §16(2) requires a report, until when, and whether it is done or late."""

    required: bool
    due_at: datetime | None
    completed_at: datetime | None
    overdue: bool


def report_due_at(rescue_ended_at: datetime, zone: tzinfo) -> datetime:
    """Deadline of §16(2): the end of the 14th day after the day the intervention ended.

    Days are counted in the local calendar (the day of the end is not counted, as
    Czech law counts periods in days), so the report is due before local midnight
    that ends the 14th day; the result is an aware datetime in UTC.
    """
    if rescue_ended_at.tzinfo is None:
        raise ValueError("rescue_ended_at must be timezone-aware")
    ended_day: date = rescue_ended_at.astimezone(zone).date()
    last_day = ended_day + timedelta(days=REPORT_DAYS)
    end_local = datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=zone)
    return end_local.astimezone(ZoneInfo("UTC"))


def requirement_for(
    *,
    required: bool,
    rescue_ended_at: datetime | None,
    completed_at: datetime | None,
    now: datetime,
    zone: tzinfo,
) -> ReportRequirement:
    """The requirement from plain facts (pure: no database)."""
    if not required:
        return ReportRequirement(False, None, completed_at, False)
    due = report_due_at(rescue_ended_at, zone) if rescue_ended_at is not None else None
    overdue = due is not None and completed_at is None and now >= due
    return ReportRequirement(True, due, completed_at, overdue)


def _zone() -> tzinfo:
    return ZoneInfo(settings.TIME_ZONE)


def _high_level_declared() -> Q:
    """Incidents with III or special ever declared for the site itself (§16(2)).

    A declaration for the event (the territory) does not count here: that one calls
    for the regional fire brigade's territory report of §16(3), not for each site's.
    """
    declared = AlarmDeclaration.objects.filter(level__in=REPORT_LEVELS)
    return Q(Exists(declared.filter(incident=OuterRef("pk"))))


def report_requirement(incident: Incident, *, now: datetime | None = None) -> ReportRequirement:
    """§16(2) for one incident: required when III/special was ever declared, due 14 days after the end."""
    required = (
        incident.alarm_level in REPORT_LEVELS
        or Incident.objects.filter(pk=incident.pk).filter(_high_level_declared()).exists()
    )
    completed_at = (
        IncidentReport.objects.filter(incident_id=incident.pk, status=IncidentReportStatus.COMPLETED)
        .values_list("completed_at", flat=True)
        .first()
    )
    return requirement_for(
        required=required,
        rescue_ended_at=incident.rescue_ended_at,
        completed_at=completed_at,
        now=now or timezone.now(),
        zone=_zone(),
    )


def report_requirements(
    incidents: Iterable[Incident], *, now: datetime | None = None
) -> dict[int, ReportRequirement]:
    """The requirement of many incidents in two queries (for the board and lists)."""
    items = list(incidents)
    ids = [i.pk for i in items]
    if not ids:
        return {}
    required_ids = set(
        Incident.objects.filter(pk__in=ids).filter(_high_level_declared()).values_list("pk", flat=True)
    )
    completed = dict(
        IncidentReport.objects.filter(incident_id__in=ids, status=IncidentReportStatus.COMPLETED).values_list(
            "incident_id", "completed_at"
        )
    )
    when = now or timezone.now()
    zone = _zone()
    return {
        i.pk: requirement_for(
            required=i.pk in required_ids or i.alarm_level in REPORT_LEVELS,
            rescue_ended_at=i.rescue_ended_at,
            completed_at=completed.get(i.pk),
            now=when,
            zone=zone,
        )
        for i in items
    }


@dataclass(frozen=True)
class DueReport:
    """One row of the list of reports due: the incident, its requirement and draft state."""

    incident: Incident
    requirement: ReportRequirement
    has_draft: bool


# ---------------------------------------------------------------- the backlog in SQL
#
# The board polls the reports-due strip every few seconds and the backlog of closed
# incidents grows without end, so the list is answered by the database: the requirement
# (§16(2)) is a filter, counts are aggregates, and only the rows shown are loaded. The
# deadline itself is computed by report_due_at alone (the local-midnight rule): SQL only
# narrows by the time the rescue ended, which brackets the deadline (see due_by_band).


def _required_q() -> Q:
    """§16(2) as a filter: III/special is the site's level now or was ever declared for the site."""
    # The same rule as report_requirement's, written as IN (subquery) rather than
    # correlated EXISTS: the database reads the few high declarations once instead of
    # probing them for every incident of the backlog (about twice as fast at 30,000).
    # Declarations for an event (territory) are §16(3)'s business, not the site's.
    declared = AlarmDeclaration.objects.filter(level__in=REPORT_LEVELS)
    return Q(alarm_level__in=REPORT_LEVELS) | Q(
        pk__in=declared.filter(incident__isnull=False).values("incident_id")
    )


def _completed_ids() -> QuerySet[IncidentReport]:
    return IncidentReport.objects.filter(status=IncidentReportStatus.COMPLETED).values("incident_id")


def _completed_report() -> Exists:
    return Exists(
        IncidentReport.objects.filter(incident=OuterRef("pk"), status=IncidentReportStatus.COMPLETED)
    )


def required_incidents(*, include_completed: bool = False) -> QuerySet[Incident]:
    """Incidents whose report §16(2) requires (by default only those not completed yet)."""
    qs = Incident.objects.filter(_required_q())
    if not include_completed:
        qs = qs.exclude(pk__in=_completed_ids())
    return qs


def due_by_band(moment: datetime) -> tuple[datetime, datetime]:
    """Rescue-end bounds (certain, possible) for deadlines falling at or before `moment`.

    A rescue that ended before `certain` has its deadline at or before `moment`; one that
    ended at or after `possible` has it later; between them report_due_at decides. The
    deadline lies 14 days − 1 h to 15 days + 1 h after the end (the end of the 14th local
    day; a change of summer time moves local midnight by an hour), so a day of margin on
    each side holds for any time zone whose offset changes by less than a day.
    """
    return moment - timedelta(days=REPORT_DAYS + 2), moment - timedelta(days=REPORT_DAYS - 1)


def _count_due_by(pending: QuerySet[Incident], moment: datetime, zone: tzinfo, certain_count: int) -> int:
    """Add to `certain_count` (ended before the band) the rows in the band whose deadline is at or before `moment`."""
    certain, possible = due_by_band(moment)
    near = (
        pending.filter(rescue_ended_at__gte=certain, rescue_ended_at__lt=possible)
        .order_by()
        .values_list("rescue_ended_at", flat=True)
    )
    return certain_count + sum(1 for ended in near if report_due_at(ended, zone) <= moment)


def _rows(
    qs: QuerySet[Incident], *, now: datetime, offset: int, limit: int | None, include_completed: bool = False
) -> list[DueReport]:
    """The rows of a page in list order: not completed first, then by the end of rescue work."""
    # The deadline grows with the end of rescue work (the local day of the end), so this
    # is deadline order, overdue first; running interventions (no end) last.
    order: list[Any] = [F("rescue_ended_at").asc(nulls_last=True), "pk"]
    if include_completed:
        order.insert(0, "report_done")

    def ordered(rows: QuerySet[Incident]) -> QuerySet[Incident]:
        if include_completed:
            rows = rows.annotate(report_done=_completed_report())
        return rows.order_by(*order)

    # The page's ids are picked from narrow rows; the joins and per-row subqueries run only
    # for those (joined over the whole backlog they cost more than the filter itself).
    ids = ordered(qs).values("pk")
    ids = ids[offset : offset + limit] if limit is not None else ids[offset:]
    completed_at = IncidentReport.objects.filter(
        incident=OuterRef("pk"), status=IncidentReportStatus.COMPLETED
    ).values("completed_at")[:1]
    page = ordered(
        Incident.objects.filter(pk__in=Subquery(ids))
        .select_related("type", "current_command")
        .annotate(
            has_draft=Exists(IncidentReport.objects.filter(incident=OuterRef("pk"))),
            report_completed_at=Subquery(completed_at),
        )
    )
    zone = _zone()
    return [
        DueReport(
            incident,
            requirement_for(
                required=True,
                rescue_ended_at=incident.rescue_ended_at,
                completed_at=getattr(incident, "report_completed_at", None),
                now=now,
                zone=zone,
            ),
            bool(getattr(incident, "has_draft", False)),
        )
        for incident in page
    ]


def reports_due(
    *,
    now: datetime | None = None,
    include_completed: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[DueReport]:
    """Incidents whose §16(2) report is required and not completed; overdue first, then by deadline.

    One query; `offset`/`limit` page through it (completed ones, when included, come last).
    """
    return _rows(
        required_incidents(include_completed=include_completed),
        now=now or timezone.now(),
        offset=max(0, offset),
        limit=limit,
        include_completed=include_completed,
    )


@dataclass(frozen=True)
class ReportsDueSummary:
    """The reports-due strip: how many reports have a running deadline, how many are late, the first ones."""

    due: int
    overdue: int
    first: list[DueReport]

    @property
    def next(self) -> DueReport | None:
        """The report with the nearest (or most overdue) deadline."""
        return self.first[0] if self.first else None


def reports_due_summary(*, now: datetime | None = None, top: int = 1) -> ReportsDueSummary:
    """Counts of reports due and overdue and the `top` nearest deadlines, in three queries whatever the backlog."""
    when = now or timezone.now()
    # Only ended interventions have a deadline (14 days after the end of rescue work).
    pending = required_incidents().filter(rescue_ended_at__isnull=False)
    certain, _possible = due_by_band(when)
    counts = pending.aggregate(
        due=Count("pk"), overdue_certain=Count("pk", filter=Q(rescue_ended_at__lt=certain))
    )
    overdue = _count_due_by(pending, when, _zone(), counts["overdue_certain"])
    first = _rows(pending, now=when, offset=0, limit=max(0, top)) if counts["due"] and top > 0 else []
    return ReportsDueSummary(due=counts["due"], overdue=overdue, first=first)


def reports_due_count(*, include_completed: bool = False) -> int:
    """How many rows reports_due() has in all (one query), for paging through it."""
    return required_incidents(include_completed=include_completed).count()


def pending_report_ids(incidents: QuerySet[Incident]) -> set[int]:
    """Which of these incidents need a report not yet completed (one query)."""
    return set(incidents.filter(_required_q()).filter(~_completed_report()).values_list("pk", flat=True))


# ---------------------------------------------------------------- permissions


def can_write_report(user: User | Any, incident: Incident) -> bool:
    """Who may fill and complete the report: whoever may write to the incident."""
    return can_write_incident(user, incident)


def _require_report_writer(user: User, incident: Incident) -> None:
    if not can_write_report(user, incident):
        raise Forbidden(
            _("Only the incident commander, the operations centre or an administrator can edit the report.")
        )


# ---------------------------------------------------------------- the draft


def forces_and_means_summary(incident: Incident) -> str:
    """The forces and means of every called component, as a starting text for §16(4)."""
    lines = []
    for d in ComponentDeployment.objects.filter(incident=incident).order_by("called_at", "id"):
        parts = [d.get_kind_display()]  # type: ignore[attr-defined]
        if d.unit_name:
            parts.append(d.unit_name)
        line = " – ".join(str(p) for p in parts)
        details = [
            _("people: %(n)s") % {"n": d.people},
            _("vehicles: %(n)s") % {"n": d.vehicles},
        ]
        equipment = ", ".join(str(e) for e in (d.equipment or []) if str(e).strip())
        if equipment:
            details.append(equipment)
        if d.leader_name:
            details.append(_("leader %(name)s") % {"name": d.leader_name})
        lines.append(f"{line}: {'; '.join(details)}")
    return "\n".join(lines)


def report_for(incident: Incident) -> IncidentReport:
    """The stored report, or an unsaved draft prefilled from the incident and its components."""
    stored = IncidentReport.objects.filter(incident=incident).first()
    if stored is not None:
        return stored
    now = timezone.now()
    return IncidentReport(
        incident=incident,
        origin=incident.description,
        forces_and_means=forces_and_means_summary(incident),
        version=0,
        created_at=now,
        updated_at=now,
    )


def _report_snapshot(report: ReportContents) -> dict[str, Any]:
    return {
        "status": report.status,
        "version": report.version,
        **{name: getattr(report, name) for name in REPORT_FIELDS},
        "completed_at": report.completed_at,
        "completed_by": report.completed_by_label,
    }


def _clean_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validate submitted report fields; unknown names and bad values are refused."""
    labels = field_labels()
    unknown = sorted(set(changes) - set(REPORT_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("Unknown report field “%(name)s”.") % {"name": str(unknown[0])[:60]}
        )
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        label = labels[name]
        if name in TEXT_FIELDS:
            if value is not None and not isinstance(value, str):
                raise ValidationFailed(_("The %(field)s must be text.") % {"field": label})
            # _text keeps the translated messages of the incident services (length, NUL).
            clean[name] = _text(value, label=label, max_chars=REPORT_TEXT_MAX_CHARS)
            continue
        upper = AMOUNT_MAX if name in AMOUNT_FIELDS else COUNT_MAX
        if value is None or value == "":
            clean[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationFailed(_("The %(field)s must be a whole number.") % {"field": label})
        text = str(value).strip().replace(" ", "").replace("\u00a0", "")
        if not text.isdigit() or not text.isascii():
            if text.startswith("-") and text[1:].isdigit():
                raise ValidationFailed(_("The %(field)s cannot be negative.") % {"field": label})
            raise ValidationFailed(_("The %(field)s must be a whole number.") % {"field": label})
        number = int(text)
        if number > upper:
            raise ValidationFailed(
                _("The %(field)s may be at most %(max)s.") % {"field": label, "max": upper}
            )
        clean[name] = number
    return clean


def _locked_report(incident: Incident) -> IncidentReport | None:
    return IncidentReport.objects.select_for_update().filter(incident=incident).first()


def _check_version(report: ReportContents | None, version: int | None) -> None:
    current = report.version if report is not None else 0
    if version is not None and version != current:
        raise Conflict(
            _(
                "The report was changed by someone else meanwhile (version %(current)s, you edited "
                "version %(yours)s). Reload it and make your changes again."
            )
            % {"current": current, "yours": version}
        )


def save_report(
    *,
    user: User,
    incident_id: int,
    changes: Mapping[str, Any],
    version: int | None = None,
    amendment_reason: str = "",
) -> IncidentReport:
    """Save report fields: a draft freely; a completed report only as an amendment with a reason."""
    # Refuse those who may not write before judging their input (then again under the lock).
    _require_report_writer(user, get_incident(incident_id))
    clean = _clean_changes(changes)
    reason = _text(amendment_reason, label=_("reason of the amendment"))
    now = timezone.now()
    with audit.audited_transaction():
        incident = _locked_incident(incident_id)
        _require_report_writer(user, incident)
        report = _locked_report(incident)
        _check_version(report, version)
        created = report is None
        if report is None:
            report = report_for(incident)
            report.version = 1
            report.created_by = user
            report.created_at = now
        before = _report_snapshot(report)
        if report.is_completed and not reason:
            raise Conflict(
                _("The report is completed and locked; an amendment needs a written reason.")
            )
        if not report.is_completed and reason:
            raise ValidationFailed(_("Only a completed report is amended; save the draft without a reason."))
        diff = {
            name: {"before": getattr(report, name), "after": value}
            for name, value in clean.items()
            if getattr(report, name) != value
        }
        if not diff and not created:
            return report
        for name, value in clean.items():
            setattr(report, name, value)
        if not created:
            report.version += 1
        report.updated_at = now
        report.updated_by = user
        report.save()
        if report.is_completed:
            amendment = IncidentReportAmendment.objects.create(
                report=report,
                at=now,
                author=user,
                author_label=audit.actor_label_for(user, fallback="system"),
                reason=reason,
                changes=_plain(diff),
            )
            action = "incident_report.amended"
            extra: dict[str, Any] = {"amendment": amendment.pk, "reason": reason}
        else:
            action = "incident_report.created" if created else "incident_report.draft_saved"
            extra = {}
        audit.record(
            action=action,
            object_type="incident",
            object_id=incident.pk,
            actor=user,
            before=None if created else before,
            after={**_report_snapshot(report), **extra},
        )
    return report


def _sign_off(
    report: ReportContents | None,
    *,
    user: User,
    now: datetime,
    unfinished: str | None,
    action: str,
    object_type: str,
    object_id: int,
) -> None:
    """Complete a site or territory report inside the caller's transaction: a saved draft,
    the rescue work ended (`unfinished` says why not), every §16(4) part filled; audited."""
    if report is None:
        raise Conflict(_("The report has no saved draft yet; save it first."))
    if report.is_completed:
        raise Conflict(_("The report is already completed."))
    if unfinished:
        raise Conflict(unfinished)
    labels = field_labels()
    missing = [
        str(labels[name])
        for name in REQUIRED_TO_COMPLETE
        if getattr(report, name) is None or getattr(report, name) == ""
    ]
    if missing:
        raise ValidationFailed(
            _("Fill in before completing the report: %(fields)s.") % {"fields": ", ".join(missing)}
        )
    before = _report_snapshot(report)
    report.status = IncidentReportStatus.COMPLETED
    report.completed_at = now
    report.completed_by = user
    report.completed_by_label = audit.actor_label_for(user, fallback="system")
    report.version += 1
    report.updated_at = now
    report.updated_by = user
    report.save()
    audit.record(
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor=user,
        before=before,
        after=_report_snapshot(report),
    )


def complete_report(*, user: User, incident_id: int, version: int | None = None) -> IncidentReport:
    """Complete (sign off) the report: every §16(4) part filled; it is locked afterwards."""
    now = timezone.now()
    with audit.audited_transaction():
        incident = _locked_incident(incident_id)
        _require_report_writer(user, incident)
        report = _locked_report(incident)
        _check_version(report, version)
        unfinished = (
            _("The rescue work has not ended yet; the report is completed after the end.")
            if incident.rescue_ended_at is None
            else None
        )
        _sign_off(
            report, user=user, now=now, unfinished=unfinished,
            action="incident_report.completed", object_type="incident", object_id=incident.pk,
        )
    return report


def get_incident(incident_id: int) -> Incident:
    """The incident with what the report shows joined, or NotFound."""
    incident = (
        Incident.objects.select_related("type", "event", "current_command").filter(pk=incident_id).first()
    )
    if incident is None:
        raise NotFound(_("Incident not found."))
    return incident


# ---------------------------------------------------------------- the document (HTML and PDF)

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def deadline_text(due_at: datetime | None) -> str:
    """The deadline as people read it: the last second of the last day (e.g. 2026-12-06 23:59:59)."""
    return local_time(due_at - timedelta(seconds=1)) if due_at is not None else ""


def days_to_deadline(due_at: datetime, now: datetime) -> int:
    """Whole local calendar days from today to the last day (0 on the last day, negative after)."""
    last_day = timezone.localtime(due_at - timedelta(seconds=1)).date()
    return (last_day - timezone.localtime(now).date()).days


def local_time(value: datetime | None) -> str:
    """A stored UTC time as the document prints it, in the site's zone (e.g. 2026-11-22 03:14:05)."""
    if value is None:
        return ""
    return timezone.localtime(value).strftime(TIME_FORMAT)


@dataclass(frozen=True)
class CommandChange:
    """One commander's term as §3(8) wants it recorded: time of the change, name and surname."""

    at: str
    commander: str
    previous: str
    how: str
    component: str
    declaration: str
    situation: str
    aim: str
    priorities: str
    ended_at: str


@dataclass(frozen=True)
class DeclarationRow:
    """A declared alarm level with its reasons (§20–§24 citations) and written reason."""

    at: str
    level: str
    proposed: str
    for_event: bool
    by: str
    reasons: list[dict[str, str]]
    written_reason: str


@dataclass(frozen=True)
class ComponentRow:
    """A component with its forces and means, call, arrival and departure."""

    kind: str
    unit: str
    leader: str
    people: int
    vehicles: int
    equipment: str
    called_at: str
    arrived_at: str
    departed_at: str


@dataclass(frozen=True)
class MessageRow:
    """A §6 message from the site."""

    at: str
    letter: str
    letter_label: str
    text: str
    author: str


@dataclass(frozen=True)
class AmendmentRow:
    """A change made after completion, with its reason."""

    at: str
    author: str
    reason: str
    fields: list[str]


@dataclass(frozen=True)
class ReportDocument:
    """Everything the report page and the PDF show, times already in local text."""

    incident: Incident
    report: IncidentReport
    requirement: ReportRequirement
    due_at: str
    completed_at: str
    rescue_started_at: str
    rescue_ended_at: str
    created_at: str
    fields: list[tuple[str, str, Any]]
    commands: list[CommandChange]
    declarations: list[DeclarationRow]
    components: list[ComponentRow]
    messages: list[MessageRow]
    amendments: list[AmendmentRow]
    site_map_svg: str
    generated_at: str
    # Drawing, changing and removing zones, posts and the affected area, in order.
    site_history: list[MessageRow] = field(default_factory=list)


def site_map_svg(incident: Incident, *, element_id: str = "site-map") -> str:
    """The graphic depiction of the site (§16(4)) as SVG, in the current language."""
    from straz.geo.svg_map import MapFeature, SiteMapLabels, render_site_map
    from straz.incidents.models import SiteFeature, SiteFeatureKind

    features = [
        MapFeature(kind=f.kind, geometry=f.geometry, name=f.name)
        # Only what the site had at the end: removed zones and posts stay in the timeline
        # (site_history below), not on the map.
        for f in SiteFeature.objects.filter(incident=incident, retired_at__isnull=True).order_by(
            "created_at", "id"
        )
    ]
    labels = SiteMapLabels(
        title=_("Site of the intervention: %(title)s") % {"title": incident.title},
        legend=_("Legend"),
        # The letter on the north arrow: S (sever) in Czech, N in Polish and English.
        north=_("N"),
        incident=_("Incident point"),
        affected_area=_("Affected area"),
        kinds={value: str(label) for value, label in SiteFeatureKind.choices},
    )
    return render_site_map(
        features=features,
        incident_point=(incident.lon, incident.lat),
        affected_area=incident.affected_area,
        labels=labels,
        element_id=element_id,
    )


def report_document(incident: Incident, *, now: datetime | None = None) -> ReportDocument:
    """Collect the report, the commander changes, declarations, components, messages and map."""
    from straz.incidents.models import (
        CommandAssignment,
        CommandStart,
        ComponentKind,
        SiteMessageLetter,
        TimelineEntry,
        TimelineKind,
    )

    report = report_for(incident)
    requirement = report_requirement(incident, now=now)
    labels = field_labels()
    fields = [(name, labels[name], getattr(report, name)) for name in REPORT_FIELDS]
    how_labels = dict(CommandStart.choices)
    kind_labels = dict(ComponentKind.choices)
    commands = []
    previous_name = ""
    for c in CommandAssignment.objects.filter(incident=incident).order_by("started_at", "id"):
        commands.append(
            CommandChange(
                at=local_time(c.started_at),
                commander=c.commander_name,
                previous=previous_name,
                how=str(how_labels.get(c.how, c.how)),
                component=str(kind_labels.get(c.commander_component, c.commander_component)),
                declaration=c.takeover_declaration,
                situation=c.briefing_situation,
                aim=c.briefing_aim,
                priorities=c.briefing_priorities,
                ended_at=local_time(c.ended_at),
            )
        )
        previous_name = c.commander_name
    scope = Q(incident=incident)
    if incident.event_id is not None:
        scope |= Q(event_id=incident.event_id)
    declarations = [
        DeclarationRow(
            at=local_time(a.declared_at),
            level=a.level,
            proposed=a.proposed_level,
            for_event=a.event_id is not None,
            by=a.declared_by_label,
            reasons=[
                {"rule": str(r.get("rule", "")), "text": str(r.get("text", ""))}
                for r in (a.reasons or [])
                if isinstance(r, dict)
            ],
            written_reason=a.written_reason,
        )
        for a in AlarmDeclaration.objects.filter(scope).order_by("declared_at", "id")
    ]
    components = [
        ComponentRow(
            kind=str(d.get_kind_display()),  # type: ignore[attr-defined]
            unit=d.unit_name,
            leader=d.leader_name,
            people=d.people,
            vehicles=d.vehicles,
            equipment=", ".join(str(e) for e in (d.equipment or [])),
            called_at=local_time(d.called_at),
            arrived_at=local_time(d.arrived_at),
            departed_at=local_time(d.departed_at),
        )
        for d in ComponentDeployment.objects.filter(incident=incident).order_by("called_at", "id")
    ]
    letters = dict(SiteMessageLetter.choices)
    messages = [
        MessageRow(
            at=local_time(e.at),
            letter=e.letter,
            letter_label=str(letters.get(e.letter, "")),
            text=e.text,
            author=e.author_label,
        )
        for e in TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.MESSAGE).order_by("at", "id")
    ]
    amendments = []
    if report.pk is not None:
        amendments = [
            AmendmentRow(
                at=local_time(a.at),
                author=a.author_label,
                reason=a.reason,
                fields=[str(labels.get(name, name)) for name in sorted(a.changes or {})],
            )
            for a in report.amendments.all()
        ]
    return ReportDocument(
        incident=incident,
        report=report,
        requirement=requirement,
        due_at=deadline_text(requirement.due_at),
        completed_at=local_time(report.completed_at),
        rescue_started_at=local_time(incident.rescue_started_at),
        rescue_ended_at=local_time(incident.rescue_ended_at),
        created_at=local_time(incident.created_at),
        fields=fields,
        commands=commands,
        declarations=declarations,
        components=components,
        messages=messages,
        amendments=amendments,
        site_map_svg=site_map_svg(incident),
        generated_at=local_time(now or timezone.now()),
        site_history=[
            MessageRow(at=local_time(e.at), letter="", letter_label="", text=e.text, author=e.author_label)
            for e in TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.ZONE).order_by("at", "id")
        ],
    )


def pdf_filename(incident: Incident) -> str:
    """ASCII file name of the report's PDF."""
    return f"zprava-o-zasahu-{incident.pk}.pdf"


def render_report_pdf(document: ReportDocument, *, language: str | None = None) -> bytes:
    """The report as a PDF (WeasyPrint), from the same document template as the page."""
    from django.template.loader import render_to_string
    from django.utils.translation import get_language
    from weasyprint import HTML

    html = render_to_string(
        "incidents/report_pdf.html",
        {"doc": document, "LANGUAGE_CODE": language or get_language()},
    )
    # No base URL: the document carries everything inline (map as SVG, fonts from the
    # system), so WeasyPrint never fetches anything.
    pdf: bytes = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    return pdf


def _refuse_fetch(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    # The report must render offline and must not be made to fetch URLs from user text.
    raise ValueError(f"external resource refused: {url[:80]}")


# ---------------------------------------------------------------- deadline reminders (§16(2))

# How long before the deadline the first reminder goes out.
REMINDER_DAYS_BEFORE = 3
# §16(2): the report is handed to the regional fire brigade, whose operations centre is
# the regional OPIS; the commander who writes it is reminded too (by e-mail, if known).
REMINDER_CONTACT_ROLE = "regional_opis"
REMINDER_DUE_SOON = "due_soon"
REMINDER_OVERDUE = "overdue"


def reminder_stage(requirement: ReportRequirement, now: datetime) -> str | None:
    """Which reminder a requirement calls for now: due soon, overdue, or none (pure)."""
    if not requirement.required or requirement.due_at is None or requirement.completed_at is not None:
        return None
    if now >= requirement.due_at:
        return REMINDER_OVERDUE
    if now >= requirement.due_at - timedelta(days=REMINDER_DAYS_BEFORE):
        return REMINDER_DUE_SOON
    return None


def _reminder_commander(incident: Incident) -> User | None:
    from straz.incidents.models import CommandAssignment

    # The commander at the end of the intervention writes the report (§16(2)).
    last = (
        CommandAssignment.objects.filter(incident=incident, commander_user__isnull=False)
        .select_related("commander_user")
        .order_by("-started_at", "-id")
        .first()
    )
    return last.commander_user if last is not None else None


def _reminder_text(incident: Incident, stage: str, due_at: datetime) -> tuple[str, str]:
    # Reminders go out in the system's language (Czech), as the other notifications do.
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        values = {"title": incident.title, "id": incident.pk, "due": deadline_text(due_at)}
        if stage == REMINDER_OVERDUE:
            subject = _("Incident report overdue: %(title)s") % values
            body = _(
                "The incident report (§16(4) of Decree 328/2001) for incident #%(id)s “%(title)s” "
                "was due by %(due)s and has not been completed."
            ) % values
        else:
            subject = _("Incident report due soon: %(title)s") % values
            body = _(
                "The incident report (§16(4) of Decree 328/2001) for incident #%(id)s “%(title)s” "
                "is due by %(due)s (§16(2): within 14 days after the end of the intervention)."
            ) % values
    return str(subject), str(body)


def _remind_one(incident_id: int, now: datetime) -> int:
    from straz.incidents.models import TimelineKind
    from straz.notifications.models import Channel, OutboxMessage
    from straz.notifications.outbox import contacts_for, enqueue

    with audit.audited_transaction():
        incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
        if incident is None:
            return 0
        # Read again under the lock: the report may have been completed since the list was made.
        requirement = report_requirement(incident, now=now)
        stage = reminder_stage(requirement, now)
        if stage is None:
            return 0
        assert requirement.due_at is not None
        prefix = f"incident:{incident.pk}:report16:{stage}"
        recipients: list[tuple[str, str, str]] = [
            (f"{prefix}:contact:{c.pk}", c.channel, c.address)
            for c in contacts_for(role=REMINDER_CONTACT_ROLE, region_code=incident.region_code)
        ]
        commander = _reminder_commander(incident)
        if commander is not None and commander.is_active and commander.email:
            recipients.append((f"{prefix}:user:{commander.pk}", Channel.EMAIL, commander.email))
        # Stable keys: a second run (or a second worker) finds them and writes nothing.
        done = set(
            OutboxMessage.objects.filter(dedupe_key__in=[r[0] for r in recipients]).values_list(
                "dedupe_key", flat=True
            )
        )
        todo = [r for r in recipients if r[0] not in done]
        if not todo:
            return 0
        subject, body = _reminder_text(incident, stage, requirement.due_at)
        payload = {
            "kind": "incident_report_reminder",
            "stage": stage,
            "incident": incident.pk,
            "title": incident.title,
            "due_at": requirement.due_at.isoformat(),
            "region_code": incident.region_code,
        }
        sent: list[str] = []
        for key, channel, address in todo:
            try:
                enqueue(
                    channel=channel,
                    address=address,
                    subject=subject,
                    body=body,
                    payload=payload,
                    rule="§16(2)",
                    source_type="incident",
                    source_id=str(incident.pk),
                    dedupe_key=key,
                )
            except DjangoValidationError:
                continue  # a misconfigured contact must not block the others
            sent.append(key)
        if not sent:
            return 0
        _timeline(
            incident=incident,
            kind=TimelineKind.LOG,
            user=None,
            at=now,
            text=subject,
            data={"report_reminder": stage, "due_at": requirement.due_at, "recipients": len(sent)},
        )
        audit.record(
            action="incident.report_reminder_enqueued",
            object_type="incident",
            object_id=incident.pk,
            actor_label="system",
            after={"stage": stage, "due_at": requirement.due_at, "outbox": sent},
        )
    return len(sent)


def _reminded(stage: str) -> Exists:
    from straz.incidents.models import TimelineEntry, TimelineKind

    # _remind_one writes this line in the transaction that enqueues the stage's notices.
    return Exists(
        TimelineEntry.objects.filter(
            incident=OuterRef("pk"), kind=TimelineKind.LOG, data__report_reminder=stage
        )
    )


def reminder_candidates(*, now: datetime) -> list[tuple[int, str]]:
    """(incident id, stage) of the reports that call for a reminder now and did not get it.

    The database narrows to the reminder windows and drops the stages already reminded
    (two queries whatever the backlog); reminder_stage decides each remaining row, and
    rows nobody could be told about (no contact for the region, no commander's e-mail)
    are left out without opening a transaction each.
    """
    from straz.incidents.models import CommandAssignment
    from straz.notifications.outbox import contacts_for

    zone = _zone()
    # Due soon from REMINDER_DAYS_BEFORE before the deadline; overdue from the deadline.
    _soon_certain, soon_possible = due_by_band(now + timedelta(days=REMINDER_DAYS_BEFORE))
    _late_certain, late_possible = due_by_band(now)
    # The e-mail of the last commander with an account, as _reminder_commander picks them.
    commander_email = (
        CommandAssignment.objects.filter(incident=OuterRef("pk"), commander_user__isnull=False)
        .order_by("-started_at", "-id")
        .annotate(
            mail=Case(
                When(commander_user__is_active=True, then=F("commander_user__email")),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .values("mail")[:1]
    )
    rows = (
        required_incidents()
        .filter(rescue_ended_at__isnull=False, rescue_ended_at__lt=soon_possible)
        .filter(~_reminded(REMINDER_OVERDUE))
        # Reminded as due soon and certainly not overdue yet: nothing to do now.
        .exclude(Q(rescue_ended_at__gte=late_possible) & Q(_reminded(REMINDER_DUE_SOON)))
        .annotate(reminded_soon=_reminded(REMINDER_DUE_SOON), commander_email=Subquery(commander_email))
        .order_by("rescue_ended_at", "pk")
        .values_list("pk", "rescue_ended_at", "region_code", "reminded_soon", "commander_email")
    )
    contacts: dict[str, bool] = {}
    out: list[tuple[int, str]] = []
    for pk, ended, region, reminded_soon, email in rows:
        requirement = requirement_for(required=True, rescue_ended_at=ended, completed_at=None, now=now, zone=zone)
        stage = reminder_stage(requirement, now)
        if stage is None or (stage == REMINDER_DUE_SOON and reminded_soon):
            continue
        if region not in contacts:
            contacts[region] = bool(contacts_for(role=REMINDER_CONTACT_ROLE, region_code=region))
        if contacts[region] or email:
            out.append((pk, stage))
    return out


def remind_report_deadlines(*, now: datetime | None = None) -> int:
    """Enqueue §16(2) reminders: 3 days before the deadline and once overdue; safe to repeat."""
    when = now or timezone.now()
    written = 0
    for incident_id, _stage in reminder_candidates(now=when):
        # _remind_one decides again under the incident's lock (the report may be done by now).
        written += _remind_one(incident_id, when)
    return written


def periodic_jobs() -> list[tuple[str, float, Any]]:
    """(name, interval in seconds, job) for the worker loop."""
    return [("remind-incident-report-deadlines", 900.0, remind_report_deadlines)]


# ---------------------------------------------------------------- the territory report (§16(3))
#
# When level III or special was declared for a territory (an event) with more than one
# site, the regional fire brigade (HZS kraje, through its OPIS) writes one report for the
# whole territory, with the same contents (§16(4)); the decree sets no deadline for it.


@dataclass(frozen=True)
class TerritoryRequirement:
    """Whether §16(3) requires the territory report of an event, and whether it is done."""

    required: bool
    sites: int
    declared: bool
    completed_at: datetime | None


def _event_declared_high(event: IncidentEvent) -> bool:
    return event.alarm_level in REPORT_LEVELS or AlarmDeclaration.objects.filter(
        event=event, level__in=REPORT_LEVELS
    ).exists()


def territory_requirement(event: IncidentEvent) -> TerritoryRequirement:
    """§16(3): required when III/special was ever declared for the event and it has more than one site."""
    declared = _event_declared_high(event)
    sites = Incident.objects.filter(event=event).count()
    completed_at = (
        TerritoryReport.objects.filter(event=event, status=IncidentReportStatus.COMPLETED)
        .values_list("completed_at", flat=True)
        .first()
    )
    return TerritoryRequirement(declared and sites > 1, sites, declared, completed_at)


def required_events(*, include_completed: bool = False) -> QuerySet[IncidentEvent]:
    """Events whose territory report §16(3) requires (by default only those not completed)."""
    declared = AlarmDeclaration.objects.filter(level__in=REPORT_LEVELS, event__isnull=False).values("event_id")
    qs = (
        IncidentEvent.objects.filter(Q(alarm_level__in=REPORT_LEVELS) | Q(pk__in=declared))
        .annotate(site_count=Count("incidents"))
        .filter(site_count__gt=1)
    )
    if not include_completed:
        qs = qs.exclude(
            pk__in=TerritoryReport.objects.filter(status=IncidentReportStatus.COMPLETED).values("event_id")
        )
    return qs


@dataclass(frozen=True)
class DueTerritoryReport:
    """One row of the territory reports listed as due: the event, its sites and the report state."""

    event: IncidentEvent
    sites: int
    has_draft: bool
    completed_at: datetime | None


def territory_reports_due(*, include_completed: bool = False, limit: int = 200) -> list[DueTerritoryReport]:
    """Events whose §16(3) report is required (not completed unless asked), oldest first (one query)."""
    completed_at = TerritoryReport.objects.filter(
        event=OuterRef("pk"), status=IncidentReportStatus.COMPLETED
    ).values("completed_at")[:1]
    rows = (
        required_events(include_completed=include_completed)
        .annotate(
            has_draft=Exists(TerritoryReport.objects.filter(event=OuterRef("pk"))),
            report_completed_at=Subquery(completed_at),
        )
        .order_by("created_at", "pk")[: max(0, limit)]
    )
    return [
        DueTerritoryReport(
            e, int(getattr(e, "site_count", 0)), bool(getattr(e, "has_draft", False)), getattr(e, "report_completed_at", None)
        )
        for e in rows
    ]


def can_write_territory_report(user: User | Any) -> bool:
    """§16(3): the regional fire brigade writes it — the operations centre (OPIS) and administrators."""
    # A site's commander is not the author here, even of a site of this event.
    return can_run_incidents(user)


def _require_territory_writer(user: User) -> None:
    if not can_write_territory_report(user):
        raise Forbidden(
            _("Only the operations centre (HZS kraje) or an administrator can edit the territory report.")
        )


def get_event(event_id: int) -> IncidentEvent:
    """The event, or NotFound."""
    event = IncidentEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("Event not found."))
    return event


def _sites(event: IncidentEvent) -> list[Incident]:
    return list(
        Incident.objects.filter(event=event).select_related("type", "current_command")
        .order_by(F("priority").asc(nulls_last=True), "pk")
    )


def territory_report_for(event: IncidentEvent) -> TerritoryReport:
    """The stored territory report, or an unsaved draft prefilled from all the sites."""
    stored = TerritoryReport.objects.filter(event=event).first()
    if stored is not None:
        return stored
    now = timezone.now()
    origins, forces = [], []
    for site in _sites(event):
        head = f"#{site.pk} {site.title}"
        if site.description:
            origins.append(f"{head}: {site.description}")
        summary = forces_and_means_summary(site)
        if summary:
            forces.append(f"{head}\n{summary}")
    return TerritoryReport(
        event=event,
        origin="\n".join(origins),
        forces_and_means="\n\n".join(forces),
        version=0,
        created_at=now,
        updated_at=now,
    )


def save_territory_report(
    *, user: User, event_id: int, changes: Mapping[str, Any], version: int | None = None
) -> TerritoryReport:
    """Save the territory report's draft; a completed one is locked."""
    _require_territory_writer(user)
    get_event(event_id)
    clean = _clean_changes(changes)
    now = timezone.now()
    with audit.audited_transaction():
        event = _locked_event(event_id)
        report = TerritoryReport.objects.select_for_update().filter(event=event).first()
        _check_version(report, version)
        created = report is None
        if report is None:
            report = territory_report_for(event)
            report.version = 1
            report.created_by = user
            report.created_at = now
        if report.is_completed:
            raise Conflict(_("The territory report is completed and locked."))
        before = _report_snapshot(report)
        changed = {name: value for name, value in clean.items() if getattr(report, name) != value}
        if not changed and not created:
            return report
        for name, value in clean.items():
            setattr(report, name, value)
        if not created:
            report.version += 1
        report.updated_at = now
        report.updated_by = user
        report.save()
        audit.record(
            action="territory_report.created" if created else "territory_report.draft_saved",
            object_type="incident_event",
            object_id=event.pk,
            actor=user,
            before=None if created else before,
            after=_report_snapshot(report),
        )
    return report


def complete_territory_report(*, user: User, event_id: int, version: int | None = None) -> TerritoryReport:
    """Complete (lock) the territory report: every §16(4) part filled and every site's rescue work ended."""
    _require_territory_writer(user)
    now = timezone.now()
    with audit.audited_transaction():
        event = _locked_event(event_id)
        report = TerritoryReport.objects.select_for_update().filter(event=event).first()
        _check_version(report, version)
        unfinished = (
            _("The rescue work has not ended at every site yet; the territory report is completed after the end.")
            if Incident.objects.filter(event=event, rescue_ended_at__isnull=True).exists()
            else None
        )
        _sign_off(
            report, user=user, now=now, unfinished=unfinished,
            action="territory_report.completed", object_type="incident_event", object_id=event.pk,
        )
    return report


@dataclass(frozen=True)
class SiteSection:
    """One site of the territory: its commanders (§3(8)), components, §6 messages and map."""

    incident: Incident
    rescue_started_at: str
    rescue_ended_at: str
    commands: list[CommandChange]
    components: list[ComponentRow]
    messages: list[MessageRow]
    site_map_svg: str


@dataclass(frozen=True)
class TerritoryDocument:
    """Everything the territory report page and PDF show (§16(3) and §16(4))."""

    event: IncidentEvent
    report: TerritoryReport
    requirement: TerritoryRequirement
    completed_at: str
    fields: list[tuple[str, str, Any]]
    declarations: list[DeclarationRow]
    sites: list[SiteSection]
    generated_at: str


def territory_document(event: IncidentEvent, *, now: datetime | None = None) -> TerritoryDocument:
    """Collect the territory report, the event's declarations and every site's record."""
    report = territory_report_for(event)
    labels = field_labels()
    site_docs = []
    for k, site in enumerate(_sites(event)):
        doc = report_document(site, now=now)
        site_docs.append(
            SiteSection(
                incident=site,
                rescue_started_at=doc.rescue_started_at,
                rescue_ended_at=doc.rescue_ended_at,
                commands=doc.commands,
                components=doc.components,
                messages=doc.messages,
                # Each map needs its own element id: the page shows several SVGs.
                site_map_svg=site_map_svg(site, element_id=f"site-map-{k + 1}"),
            )
        )
    declarations = [
        DeclarationRow(
            at=local_time(a.declared_at),
            level=a.level,
            proposed=a.proposed_level,
            for_event=True,
            by=a.declared_by_label,
            reasons=[
                {"rule": str(r.get("rule", "")), "text": str(r.get("text", ""))}
                for r in (a.reasons or [])
                if isinstance(r, dict)
            ],
            written_reason=a.written_reason,
        )
        for a in AlarmDeclaration.objects.filter(event=event).order_by("declared_at", "id")
    ]
    return TerritoryDocument(
        event=event,
        report=report,
        requirement=territory_requirement(event),
        completed_at=local_time(report.completed_at),
        fields=[(name, labels[name], getattr(report, name)) for name in REPORT_FIELDS],
        declarations=declarations,
        sites=site_docs,
        generated_at=local_time(now or timezone.now()),
    )


def territory_pdf_filename(event: IncidentEvent) -> str:
    """ASCII file name of the territory report's PDF."""
    return f"zprava-o-zasahu-uzemi-{event.pk}.pdf"


def render_territory_pdf(document: TerritoryDocument, *, language: str | None = None) -> bytes:
    """The territory report as a PDF (WeasyPrint), from the same document template as its page."""
    from django.template.loader import render_to_string
    from django.utils.translation import get_language
    from weasyprint import HTML

    html = render_to_string(
        "incidents/report_territory_pdf.html",
        {"doc": document, "LANGUAGE_CODE": language or get_language()},
    )
    pdf: bytes = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    return pdf
