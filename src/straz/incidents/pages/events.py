"""Pages of events (territories, §20(3)) and of calls forwarded between centres (§12)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from straz.core.errors import DomainError, NotFound, ValidationFailed
from straz.incidents import policy, reporting, services
from straz.incidents.choices import (
    IncidentState,
    TimelineKind,
)
from straz.incidents.models import CallRecord, Incident, IncidentEvent, TimelineEntry
from straz.incidents.pages.common import LEVEL_COLORS, _level_label, _require_viewer
from straz.incidents.pages.forms import (
    AddSitesForm,
    CallForm,
    DeclareForm,
    EventForm,
    ForwardForm,
    NoticeDecisionForm,
)
from straz.notifications.models import OutboxMessage


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    """Group open incidents of one territory into an event (§20(3))."""
    _require_viewer(request)
    if not policy.can_run_incidents(request.user):
        raise PermissionDenied(_("Only the operations centre (dispatcher) or an administrator can do this."))
    status = 200
    if request.method == "POST":
        form = EventForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                event = services.create_event(
                    user=request.user,  # type: ignore[arg-type]
                    name=d["name"],
                    incident_ids=d["incidents"],
                    region_code=d.get("region_code") or "",
                    orp_code=d.get("orp_code") or "",
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(request, _("The event “%(name)s” groups %(count)s sites.") % {
                    "name": event.name, "count": len(d["incidents"])})
                return redirect("incidents:event", event_id=event.pk)
        else:
            messages.error(request, _("The form has errors; nothing was saved."))
            status = 422
    else:
        form = EventForm(initial={"incidents": request.GET.getlist("incident")})
    return render(request, "incidents/event_new.html", {"nav": "operations", "form": form}, status=status)


def _priority_order(request: HttpRequest, sites: list[Incident]) -> list[int]:
    ranked: list[tuple[int, int, int]] = []
    for site in sites:
        raw = request.POST.get(f"prio-{site.pk}", "").strip()
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationFailed(
                _("The priority of incident #%(id)s must be a whole number from 1.") % {"id": site.pk}
            )
        ranked.append((int(raw), site.priority or 10**6, site.pk))
    return [pk for _rank, _old, pk in sorted(ranked)]


def _event_notice_rows(user: Any, event: IncidentEvent) -> list[dict[str, Any]]:
    """The territory's §23(2) notices, each with the bases this user may record (a territory has no commander)."""
    rows = services.pending_notices(event)
    for row in rows:
        row["allowed"] = [
            (basis, label) for basis, label in row["bases"] if policy.can_record_notice_decision(user, None, basis)
        ]
    return rows


def _event_context(request: HttpRequest, event: IncidentEvent, bound: dict[str, Any]) -> dict[str, Any]:
    language = get_language()
    sites = list(
        event.incidents.select_related("type", "current_command").order_by(
            F("priority").asc(nulls_last=True), "pk"
        )
    )
    proposal = services.propose_for_event(event)
    state_labels = dict(IncidentState.choices)
    kinds = dict(TimelineKind.choices)
    return {
        "nav": "operations",
        "event": event,
        "sites": [
            {
                "incident": s,
                "type": s.type.name_in(language),
                "state_label": state_labels.get(s.state, s.state),
                "open": s.state != IncidentState.CLOSED,
                "commander": s.current_command.commander_name if s.current_command else "",
            }
            for s in sites
        ],
        "proposal": proposal,
        "level_label": _level_label(event.alarm_level),
        # §16(3): the territory report of the regional fire brigade (reporting.py).
        "territory_report": reporting.territory_requirement(event),
        "declarations": list(event.declarations.select_related("declared_by").order_by("declared_at", "pk")),
        "timeline": [
            {
                "at": e.at,
                "kind_label": kinds.get(e.kind, e.kind),
                "text": e.rendered,
                "author": e.author_shown,
                "incident_id": e.incident_id,
            }
            for e in TimelineEntry.objects.filter(event=event).select_related("author").order_by("-at", "-id")[:200]
        ],
        "notifications": list(
            OutboxMessage.objects.filter(source_type="event", source_id=str(event.pk)).order_by("created_at", "pk")
        ),
        "can_write": policy.can_run_incidents(request.user),
        "notices": _event_notice_rows(request.user, event),
        "declare_form": bound.get("declare")
        or DeclareForm(initial={"level": proposal.level}, prefix="declare"),
        "add_form": bound.get("add") or AddSitesForm(prefix="add"),
        "level_colors": LEVEL_COLORS,
    }


@login_required
@require_http_methods(["GET", "POST"])
def event_page(request: HttpRequest, event_id: int) -> HttpResponse:
    """An event for a territory: its sites in order of priority (§7 b) and its own level (§20(3))."""
    _require_viewer(request)
    event = get_object_or_404(IncidentEvent, pk=event_id)
    bound: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        user: Any = request.user
        try:
            if action == "declare":
                form: Any = DeclareForm(request.POST, prefix="declare")
                bound["declare"] = form
                if not form.is_valid():
                    raise ValidationFailed(_("The form has errors; nothing was changed."))
                decl = services.declare_alarm_level(
                    user=user, event_id=event.pk, level=form.cleaned_data["level"],
                    written_reason=form.cleaned_data.get("written_reason") or "",
                    notify_by_other_means=bool(form.cleaned_data.get("notify_by_other_means")),
                )
                text = _("Alarm level %(level)s was declared.") % {"level": _level_label(decl.level)}
            elif action == "notice":
                form = NoticeDecisionForm(request.POST, prefix="notice")
                if not form.is_valid():
                    raise ValidationFailed(_("The form has errors; nothing was changed."))
                d = form.cleaned_data
                if not event.notice_proposals.filter(pk=d["notice_id"]).exists():
                    raise NotFound(_("Proposed notice not found."))
                proposal = services.decide_notice(
                    user=user, proposal_id=d["notice_id"], basis=d["basis"], decided_by_name=d["decided_by"],
                    decided_at=d.get("decided_at"), notify=d["decision"] == "notify",
                )
                text = _("The decision on the notice was recorded: %(status)s.") % {
                    "status": proposal.get_status_display()
                }
            elif action == "add":
                form = AddSitesForm(request.POST, prefix="add")
                bound["add"] = form
                if not form.is_valid():
                    raise ValidationFailed(_("The form has errors; nothing was changed."))
                services.group_into_event(user=user, event_id=event.pk, incident_ids=form.cleaned_data["incidents"])
                text = _("The sites were added to the event.")
            elif action == "priorities":
                if not policy.can_run_incidents(user):
                    raise PermissionDenied(_("Only the operations centre (dispatcher) or an administrator can do this."))
                order = _priority_order(request, list(event.incidents.all()))
                services.set_site_priorities(user=user, event_id=event.pk, order=order)
                text = _("Priorities between the sites were set.")
            else:
                messages.error(request, _("Unknown action."))
                status = 400
                text = ""
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            if status == 200:
                messages.success(request, text)
                return redirect("incidents:event", event_id=event.pk)
        event = get_object_or_404(IncidentEvent, pk=event_id)
    return render(request, "incidents/event.html", _event_context(request, event, bound), status=status)


CALLS_SHOWN = 100


@login_required
@require_http_methods(["GET", "POST"])
def calls_page(request: HttpRequest) -> HttpResponse:
    """Emergency calls received and their forwarding to the competent centre and the OPIS (§12)."""
    _require_viewer(request)
    user: Any = request.user
    writable = policy.can_run_incidents(user)
    record_form = CallForm(prefix="call")
    forward_form: Any = None
    status = 200
    if request.method == "POST":
        if not writable:
            raise PermissionDenied(_("Only the operations centre (dispatcher) or an administrator can do this."))
        action = request.POST.get("action", "")
        try:
            if action == "record":
                record_form = CallForm(request.POST, prefix="call")
                if not record_form.is_valid():
                    raise ValidationFailed(_("The form has errors; nothing was saved."))
                d = record_form.cleaned_data
                call = services.record_call(
                    user=user,
                    received_by_centre=d["received_by_centre"],
                    summary=d["summary"],
                    caller_phone=d.get("caller_phone") or "",
                    lat=d.get("lat"),
                    lon=d.get("lon"),
                    incident_id=d.get("incident_id"),
                    call_type=d.get("call_type") or "",
                    components_needed=d.get("components_needed") or [],
                )
                text = _("Call #%(id)s was recorded.") % {"id": call.pk}
            elif action == "forward":
                forward_form = ForwardForm(request.POST)
                if not forward_form.is_valid():
                    raise ValidationFailed(_("The form has errors; nothing was changed."))
                d = forward_form.cleaned_data
                call = services.forward_call(
                    user=user, call_id=d["call_id"], to_centre=d.get("to_centre") or "", to_opis=d.get("to_opis") or ""
                )
                text = _("Call #%(id)s was forwarded to %(centre)s.") % {
                    "id": call.pk, "centre": call.forwarded_to_centre}
            else:
                raise ValidationFailed(_("Unknown action."), status=400)
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(request, text)
            return redirect("incidents:calls")
    calls = list(CallRecord.objects.select_related("incident").order_by("-received_at", "-id")[:CALLS_SHOWN])
    for c in calls:
        # §12(1): whom a call still to forward goes to, from its type and place.
        c.routing = services.call_routing(c) if writable and c.forwarded_at is None else None  # type: ignore[attr-defined]
    failed_call = forward_form.data.get("call_id") if forward_form is not None else None
    return render(
        request,
        "incidents/calls.html",
        {
            "nav": "operations",
            "calls": calls,
            "can_write": writable,
            # The page follows the API's rule for the caller's number (§12).
            "show_numbers": policy.can_read_caller_number(user),
            "record_form": record_form,
            "forward_form": forward_form,
            "failed_call": str(failed_call or ""),
            "calls_shown": CALLS_SHOWN,
        },
        status=status,
    )
