"""Staff pages of the §16(4) incident report: the site report (§16(2)) and the territory report
(§16(3)) (HTML form + document), their PDFs and the list of reports due."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from straz.core.errors import DomainError, NotFound
from straz.incidents import policy, reporting
from straz.incidents.choices import (
    SITE_REPORT_RECIPIENTS,
    TERRITORY_REPORT_RECIPIENTS,
    ReportRecipient,
)
from straz.incidents.models import Incident, IncidentEvent

TEXT_ROWS = {"origin": 4, "work_done": 5, "forces_and_means": 5, "procedure": 5, "consequences": 4}
HELP_FIELDS = reporting.HELP_FIELDS
# Rows of the reports-due list per page: the backlog of closed incidents grows without end.
REPORTS_PAGE_SIZE = 50


class ReportForm(forms.Form):
    """The §16(4) fields; numbers are text here so that "1 250 000" is accepted as typed."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    amendment_reason = forms.CharField(
        label=gettext_lazy("Reason of the amendment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = reporting.field_labels()
        for name in reporting.TEXT_FIELDS:
            self.fields[name] = forms.CharField(
                label=labels[name],
                required=False,
                max_length=reporting.REPORT_TEXT_MAX_CHARS,
                strip=False,
                widget=forms.Textarea(attrs={"rows": TEXT_ROWS.get(name, 3), "data-testid": f"report-{name}"}),
                help_text=(
                    gettext_lazy("Required to complete the report: describe it, or write “none”.")
                    if name in HELP_FIELDS
                    else ""
                ),
            )
        for name in reporting.AMOUNT_FIELDS + reporting.COUNT_FIELDS:
            self.fields[name] = forms.CharField(
                label=labels[name],
                required=False,
                max_length=30,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "data-testid": f"report-{name}"}),
            )

    def _bound(self, names: tuple[str, ...]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def text_fields(self) -> list[forms.BoundField]:
        return self._bound(tuple(n for n in reporting.TEXT_FIELDS if n not in HELP_FIELDS))

    def number_fields(self) -> list[forms.BoundField]:
        return self._bound(reporting.AMOUNT_FIELDS + reporting.COUNT_FIELDS)

    def help_fields(self) -> list[forms.BoundField]:
        return self._bound(HELP_FIELDS)


class HandoverForm(forms.Form):
    """§16(2)/(3): to whom the completed report was handed, and when."""

    recipient = forms.ChoiceField(label=gettext_lazy("Handed to"), choices=ReportRecipient.choices)
    recipient_name = forms.CharField(label=gettext_lazy("Recipient (name, office)"), max_length=150)
    handed_at = forms.DateTimeField(
        label=gettext_lazy("When (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def __init__(self, *args: Any, allowed: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ReportRecipient.choices)
        field = self.fields["recipient"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(value, labels[value]) for value in allowed]


def _hand_over(request: HttpRequest, allowed: Sequence[str], record: Callable[[dict[str, Any]], Any]) -> tuple[bool, int]:
    """Handle the hand-over form; (done, status)."""
    form = HandoverForm(request.POST, allowed=allowed, prefix="handover")
    if not form.is_valid():
        messages.error(request, _("The form has errors; nothing was changed."))
        return False, 422
    try:
        record(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return False, exc.status
    messages.success(request, _("The hand-over of the report was recorded."))
    return True, 200


def _incident_or_404(incident_id: int) -> Incident:
    try:
        return reporting.get_incident(incident_id)
    except NotFound:
        raise Http404(_("Incident not found.")) from None


def _require_reader(request: HttpRequest) -> None:
    if not policy.can_view_incidents(request.user):
        raise PermissionDenied(_("You are not allowed to do this."))


def _initial(report: Any) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(report, name) for name in reporting.REPORT_FIELDS}
    data["version"] = report.version if report.pk is not None else 0
    return data


def pdf_download(pdf: bytes, filename: str) -> HttpResponse:
    """A PDF as a private download (pages and API): never cached, never shown inline."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _edit_report(
    request: HttpRequest,
    *,
    save: Callable[[dict[str, Any], int | None, str], Any],
    complete: Callable[[], Any],
) -> tuple[bool, ReportForm | None, int]:
    """Handle the report form of a site or territory report: save the draft, then complete
    it when asked. Returns (done, the form to show again or None for a fresh one, status)."""
    form = ReportForm(request.POST)
    if not form.is_valid():
        return False, form, 422
    data = form.cleaned_data
    changes = {name: data.get(name) for name in reporting.REPORT_FIELDS}
    saved = False
    try:
        save(changes, data.get("version"), data.get("amendment_reason") or "")
        saved = True
        if request.POST.get("action") == "complete":
            complete()
            messages.success(request, _("The report was completed and locked."))
        else:
            messages.success(request, _("The report was saved."))
        return True, None, 200
    except DomainError as exc:
        if not saved:
            form.add_error(None, exc.message)
            return False, form, exc.status
        # The draft is stored; only completing it was refused. Show the stored version so
        # that the next save does not collide with itself.
        messages.warning(request, _("The draft was saved, but the report was not completed."))
        messages.error(request, exc.message)
        return False, None, exc.status


@login_required
@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The report as a document; the commander / OPIS edit the draft, complete or amend it."""
    _require_reader(request)
    incident = _incident_or_404(incident_id)
    can_write = policy.can_write_report(request.user, incident)
    status = 200
    form: ReportForm | None = None
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(_("Only the incident commander, the operations centre or an administrator can edit the report."))
        if request.POST.get("action") == "handover":
            done, status = _hand_over(
                request,
                SITE_REPORT_RECIPIENTS,
                lambda d: reporting.hand_over_report(
                    user=request.user,  # type: ignore[arg-type]
                    incident_id=incident.pk,
                    recipient=d["recipient"],
                    recipient_name=d["recipient_name"],
                    handed_at=d.get("handed_at"),
                ),
            )
            if done:
                return redirect("incidents:report", incident_id=incident.pk)
        else:
            done, form, status = _edit_report(
                request,
                save=lambda changes, version, reason: reporting.save_report(
                    user=request.user,  # type: ignore[arg-type]
                    incident_id=incident.pk,
                    changes=changes,
                    version=version,
                    amendment_reason=reason,
                ),
                complete=lambda: reporting.complete_report(user=request.user, incident_id=incident.pk),  # type: ignore[arg-type]
            )
            if done:
                return redirect("incidents:report", incident_id=incident.pk)
    document = reporting.report_document(incident)
    if can_write and form is None:
        form = ReportForm(initial=_initial(document.report))
    return render(
        request,
        "incidents/report.html",
        {"doc": document, "form": form, "can_write": can_write, "nav": "operations",
         "handover_form": HandoverForm(allowed=SITE_REPORT_RECIPIENTS, prefix="handover")},
        status=status,
    )


@login_required
@require_GET
def report_pdf(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The report as a PDF download."""
    _require_reader(request)
    incident = _incident_or_404(incident_id)
    pdf = reporting.render_report_pdf(reporting.report_document(incident), language=get_language())
    return pdf_download(pdf, reporting.pdf_filename(incident))


def _event_or_404(event_id: int) -> IncidentEvent:
    try:
        return reporting.get_event(event_id)
    except NotFound:
        raise Http404(_("Event not found.")) from None


@login_required
@require_http_methods(["GET", "POST"])
def territory_report_page(request: HttpRequest, event_id: int) -> HttpResponse:
    """The §16(3) territory report as a document; the OPIS (HZS kraje) / admin edit and complete it."""
    _require_reader(request)
    event = _event_or_404(event_id)
    can_write = policy.can_write_territory_report(request.user)
    status = 200
    form: ReportForm | None = None
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(
                _("Only the operations centre (HZS kraje) or an administrator can edit the territory report.")
            )
        if request.POST.get("action") == "handover":
            done, status = _hand_over(
                request,
                TERRITORY_REPORT_RECIPIENTS,
                lambda d: reporting.hand_over_territory_report(
                    user=request.user,  # type: ignore[arg-type]
                    event_id=event.pk,
                    recipient=d["recipient"],
                    recipient_name=d["recipient_name"],
                    handed_at=d.get("handed_at"),
                ),
            )
            if done:
                return redirect("incidents:event-report", event_id=event.pk)
        else:
            done, form, status = _edit_report(
                request,
                # The territory report has no amendments: once completed it is locked.
                save=lambda changes, version, reason: reporting.save_territory_report(
                    user=request.user,  # type: ignore[arg-type]
                    event_id=event.pk,
                    changes=changes,
                    version=version,
                ),
                complete=lambda: reporting.complete_territory_report(user=request.user, event_id=event.pk),  # type: ignore[arg-type]
            )
            if done:
                return redirect("incidents:event-report", event_id=event.pk)
    document = reporting.territory_document(event)
    if can_write and form is None:
        form = ReportForm(initial=_initial(document.report))
    return render(
        request,
        "incidents/report_territory.html",
        {"doc": document, "form": form, "can_write": can_write, "nav": "operations",
         "handover_form": HandoverForm(allowed=TERRITORY_REPORT_RECIPIENTS, prefix="handover")},
        status=status,
    )


@login_required
@require_GET
def territory_report_pdf(request: HttpRequest, event_id: int) -> HttpResponse:
    """The territory report as a PDF download."""
    _require_reader(request)
    event = _event_or_404(event_id)
    pdf = reporting.render_territory_pdf(reporting.territory_document(event), language=get_language())
    return pdf_download(pdf, reporting.territory_pdf_filename(event))


@login_required
@require_GET
def reports_due_page(request: HttpRequest) -> HttpResponse:
    """Incidents whose report §16(2) requires, with deadlines; overdue first, a page at a time."""
    _require_reader(request)
    show_completed = request.GET.get("completed") == "1"
    now = timezone.now()
    total = reporting.reports_due_count(include_completed=show_completed)
    # Paging a range: the database counts and pages, the paginator only does the arithmetic
    # (and, like the staff queue, turns a bad or too high page number into the nearest page).
    page = Paginator(range(total), REPORTS_PAGE_SIZE).get_page(request.GET.get("page"))
    offset = page.start_index() - 1 if total else 0
    summary = reporting.reports_due_summary(now=now, top=0)
    rows = []
    for row in reporting.reports_due(
        now=now, include_completed=show_completed, offset=offset, limit=REPORTS_PAGE_SIZE
    ):
        req = row.requirement
        command = row.incident.current_command
        days = reporting.days_to_deadline(req.due_at, now) if req.due_at else 0
        rows.append(
            {
                "incident": row.incident,
                "commander": command.commander_name if command else "",
                "ended": reporting.local_time(row.incident.rescue_ended_at),
                "due": reporting.deadline_text(req.due_at),
                "overdue": req.overdue,
                "completed": reporting.local_time(req.completed_at),
                "has_draft": row.has_draft,
                "days_left": max(0, days),
                # Overdue from the first second after the last day: late by at least one day.
                "days_late": max(1, -days) if req.overdue else 0,
            }
        )
    return render(
        request,
        "incidents/reports_due.html",
        {
            "rows": rows,
            "page": page,
            "total": total,
            "summary": summary,
            "querystring": "completed=1" if show_completed else "",
            "show_completed": show_completed,
            # §16(3): territory reports of the regional fire brigade, no deadline.
            "territory_rows": reporting.territory_reports_due(include_completed=show_completed),
            "nav": "operations",
        },
    )
