"""The report documents (HTML and PDF) of a site and of a territory: one template for the page and the PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Q,
)
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from straz.accounts.people import shown_author
from straz.geo.svg_map import MapFeature, SiteMapLabels, render_site_map
from straz.incidents.alarm.texts import stored_reason_text
from straz.incidents.choices import (
    CommandStart,
    ComponentKind,
    SiteFeatureKind,
    SiteMessageLetter,
    TimelineKind,
)
from straz.incidents.models import (
    AlarmDeclaration,
    CommandAssignment,
    ComponentDeployment,
    Incident,
    IncidentEvent,
    IncidentReport,
    SiteFeature,
    TerritoryReport,
    TimelineEntry,
)
from straz.incidents.reporting.requirement import (
    ReportRequirement,
    TerritoryRequirement,
    _zone,
    report_deadline,
    report_requirement,
    territory_requirement,
)
from straz.incidents.reporting.site_report import REPORT_FIELDS, field_labels, report_for
from straz.incidents.reporting.territory_report import _sites, territory_report_for

# The time of day in documents, to the second; the date part is the language's (ADR 0035).
TIME_FORMAT = "%H:%M:%S"


def deadline_text(due_at: datetime | None) -> str:
    """The deadline as people read it everywhere: the last minute of the last day (cs 6. 12. 2026 23:59)."""
    if due_at is None:
        return ""
    return date_format(timezone.localtime(due_at - timedelta(seconds=1)), "DATETIME_FORMAT")


def days_to_deadline(due_at: datetime, now: datetime) -> int:
    """Whole local calendar days from today to the last day (0 on the last day, negative after)."""
    last_day = timezone.localtime(due_at - timedelta(seconds=1)).date()
    return (last_day - timezone.localtime(now).date()).days


def local_time(value: datetime | None) -> str:
    """A stored UTC time as the document prints it, in the site's zone (cs 22. 11. 2026 03:14:05)."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{date_format(local, 'DATE_FORMAT')} {local.strftime(TIME_FORMAT)}"


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
    # The 14th day (local date text) when it was no working day and the deadline moved (ADR 0029).
    deadline_moved_from: str = ""



def _reason_row(reason: dict[str, Any]) -> dict[str, str]:
    """A stored reason as the document shows it; a territory's reasons say which reading
    (a site's own, or the territory's own facts, ADR 0030) they belong to."""
    text = stored_reason_text(reason)
    if reason.get("reading") == "territory":
        text = _("Territory's own facts: %(text)s") % {"text": text}
    elif reason.get("reading") == "site" and reason.get("incident"):
        text = f"#{reason['incident']}: {text}"
    return {"rule": str(reason.get("rule", "")), "text": text}

def site_map_svg(incident: Incident, *, element_id: str = "site-map") -> str:
    """The graphic depiction of the site (§16(4)) as SVG, in the current language."""

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
            by=shown_author(a.declared_by_label, a.declared_by),
            reasons=[_reason_row(r) for r in (a.reasons or []) if isinstance(r, dict)],
            written_reason=a.written_reason,
        )
        for a in AlarmDeclaration.objects.filter(scope).select_related("declared_by").order_by("declared_at", "id")
    ]
    components = [
        ComponentRow(
            kind=str(d.get_kind_display()),
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
            text=e.rendered,
            author=e.author_shown,
        )
        for e in TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.MESSAGE).select_related("author").order_by("at", "id")
    ]
    amendments = []
    if report.pk is not None:
        amendments = [
            AmendmentRow(
                at=local_time(a.at),
                author=shown_author(a.author_label, a.author),
                reason=a.reason,
                fields=[str(labels.get(name, name)) for name in sorted(a.changes or {})],
            )
            for a in report.amendments.select_related("author")
        ]
    moved_from = ""
    if incident.rescue_ended_at is not None and requirement.required:
        deadline = report_deadline(incident.rescue_ended_at, _zone())
        if deadline.moved:
            moved_from = date_format(deadline.nominal_day, "DATE_FORMAT")
    return ReportDocument(
        deadline_moved_from=moved_from,
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
            MessageRow(at=local_time(e.at), letter="", letter_label="", text=e.rendered, author=e.author_shown)
            for e in TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.ZONE).select_related("author").order_by("at", "id")
        ],
    )


def pdf_filename(incident: Incident) -> str:
    """ASCII file name of the report's PDF."""
    return f"zprava-o-zasahu-{incident.pk}.pdf"


def render_report_pdf(document: ReportDocument, *, language: str | None = None) -> bytes:
    """The report as a PDF (WeasyPrint), from the same document template as the page."""
    # WeasyPrint is heavy (Pango, fonts): loaded only when a PDF is asked for.
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
            reasons=[_reason_row(r) for r in (a.reasons or []) if isinstance(r, dict)],
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
    # WeasyPrint is heavy (Pango, fonts): loaded only when a PDF is asked for.
    from weasyprint import HTML

    html = render_to_string(
        "incidents/report_territory_pdf.html",
        {"doc": document, "LANGUAGE_CODE": language or get_language()},
    )
    pdf: bytes = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    return pdf
