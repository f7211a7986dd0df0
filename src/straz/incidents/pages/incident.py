"""Pages of one incident: the new-incident form, the proposal preview, the incident page and its timeline."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from straz.core.errors import DomainError
from straz.incidents import policy, reporting, selectors, services
from straz.incidents.alarm.notify import notice_plan, told_gaps
from straz.incidents.board.views import BOARD_POLL_SECONDS
from straz.incidents.choices import (
    LEVEL_RANK,
    POINT_FEATURES,
    STATE_TRANSITIONS,
    CommandStart,
    CoordinationLevel,
    IncidentState,
    SiteFeatureKind,
    SiteMessageLetter,
    TimelineKind,
)
from straz.incidents.models import Incident, SiteFeature
from straz.incidents.pages.actions import ACTIONS, _editable_feature, make_form
from straz.incidents.pages.common import (
    FEATURE_COLORS,
    LEVEL_COLORS,
    POST_COLOR,
    TIMELINE_LIMIT,
    _level_label,
    _map_config,
    _optional_url,
    _require_viewer,
    can_write,
    js_strings,
)
from straz.incidents.pages.forms import (
    FactsForm,
    IncidentForm,
)


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    """Create an incident: click the map for the point, fill the type, title and facts."""
    _require_viewer(request)
    if not policy.can_run_incidents(request.user):
        raise PermissionDenied(_("Only the operations centre (dispatcher) or an administrator can do this."))
    language = get_language() or "cs"
    status = 200
    if request.method == "POST":
        form = IncidentForm(request.POST, language=language)
        if form.is_valid():
            d = form.cleaned_data
            try:
                incident = services.create_incident(
                    user=request.user,  # type: ignore[arg-type]
                    type_code=d["type"],
                    title=d["title"],
                    lat=d["lat"],
                    lon=d["lon"],
                    description=d.get("description") or "",
                    coordination_level=d["coordination_level"],
                    region_code=d.get("region_code") or "",
                    orp_code=d.get("orp_code") or "",
                    affected_area=d.get("affected_area"),
                    **form.facts(),
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Incident #%(id)s was recorded.") % {"id": incident.pk})
                return redirect("incidents:incident", incident_id=incident.pk)
        else:
            messages.error(request, _("The form has errors; nothing was saved."))
            status = 422
    else:
        initial: dict[str, Any] = {}
        for key in ("lat", "lon"):
            try:
                value = float(request.GET.get(key, ""))
            except ValueError:
                continue
            initial[key] = round(value, 6)
        form = IncidentForm(initial=initial, language=language)
    proposal = None
    if form.is_bound and form.is_valid():
        proposal = services.propose_for_facts(
            form.facts(), coordination_level=form.cleaned_data["coordination_level"]
        )
    context = {
        "nav": "operations",
        "form": form,
        "proposal": proposal,
        "map_config": _map_config(),
        "js_strings": js_strings(),
        "level_colors": LEVEL_COLORS,
    }
    return render(request, "incidents/incident_new.html", context, status=status)


@login_required
@require_POST
def proposal_preview(request: HttpRequest) -> HttpResponse:
    """The alarm-level proposal for facts being typed (no side effects)."""
    _require_viewer(request)
    # The incident page's facts form carries the "facts" prefix; the new-incident form none.
    prefix = "facts" if request.POST.get("prefix") == "facts" else None
    form = FactsForm(request.POST, prefix=prefix)
    # The new-incident form also carries the coordination level (§2): strategic is §24 d).
    # The incident page's facts form does not: it previews the typed facts alone.
    level = request.POST.get("coordination_level") if prefix is None else None
    if level not in CoordinationLevel.values:
        level = CoordinationLevel.TACTICAL
    proposal = (
        services.propose_for_facts(form.facts(), coordination_level=level) if form.is_valid() else None
    )
    return render(
        request,
        "incidents/_proposal.html",
        {"proposal": proposal, "proposal_errors": form.errors if not form.is_valid() else None,
         "level_colors": LEVEL_COLORS},
        status=200 if proposal is not None else 422,
    )


def _load_incident(incident_id: int) -> Incident:
    return get_object_or_404(
        Incident.objects.select_related("type", "event", "current_command", "current_command__commander_user"),
        pk=incident_id,
    )


def _feature_collection(incident: Incident, features: list[Any]) -> dict[str, Any]:
    out = []
    for f in features:
        out.append(
            {
                "type": "Feature",
                "geometry": f.geometry,
                "properties": {
                    "id": f.pk,
                    "kind": f.kind,
                    "kind_label": f.get_kind_display(),
                    "name": f.name,
                    "parent": f.parent_id,
                    "point": f.kind in POINT_FEATURES,
                    "color": FEATURE_COLORS.get(f.kind, POST_COLOR),
                },
            }
        )
    return {"type": "FeatureCollection", "features": out}


def _timeline_rows(incident_id: int, limit: int | None = None) -> list[dict[str, Any]]:
    kinds = dict(TimelineKind.choices)
    letters = dict(SiteMessageLetter.choices)
    qs = selectors.incident_timeline(incident_id).order_by("-at", "-id")
    entries = list(qs[:limit] if limit else qs)
    return [
        {
            "id": e.pk,
            "at": e.at,
            "kind": e.kind,
            "kind_label": kinds.get(e.kind, e.kind),
            "letter": e.letter,
            "letter_label": letters.get(e.letter, "") if e.letter else "",
            "text": e.rendered,
            "author": e.author_shown,
        }
        for e in entries
    ]


def _incident_context(
    request: HttpRequest, incident: Incident, bound: dict[str, Any], editing: SiteFeature | None = None
) -> dict[str, Any]:
    user = request.user
    writable = can_write(user, incident) and incident.state != IncidentState.CLOSED
    proposal = services.propose_for_incident(incident)
    all_features = list(incident.site_features.select_related("parent").order_by("created_at", "pk"))
    # The map and the list show the site as it is; removed zones and posts are listed apart.
    features = [f for f in all_features if f.retired_at is None]
    retired = [f for f in all_features if f.retired_at is not None]
    deployments = list(incident.deployments.order_by("called_at", "pk"))
    commands = list(incident.commands.select_related("commander_user").order_by("started_at", "pk"))
    declarations = list(incident.declarations.select_related("declared_by").order_by("declared_at", "pk"))
    notifications = list(selectors.incident_notifications(incident))
    # Item 1 of issue 9: who will be told if III or special is declared now, and who was not.
    notice_plans = [
        {"level": level, "label": _level_label(level), "rows": notice_plan(level, incident)}
        for level in ("III", "special")
    ] if writable else []
    notice_gaps = told_gaps(selectors.recorded_notification_outcomes(incident))
    forms_by_action = {a: bound.get(a) or make_form(a, incident) for a in ACTIONS}
    if editing is not None and writable:
        # The drawing form edits the chosen zone or post instead of drawing a new one.
        forms_by_action["feature"] = bound.get("feature_edit") or make_form(
            "feature_edit", incident, editing=editing
        )
    state_labels = dict(IncidentState.choices)
    targets = [(t, state_labels[t]) for t in STATE_TRANSITIONS[IncidentState(incident.state)]]
    options = services.takeover_options(incident) if incident.current_command_id else []
    requirement = reporting.report_requirement(incident)
    lower_than_proposed = bool(incident.alarm_level) and (
        LEVEL_RANK[incident.alarm_level] < LEVEL_RANK[proposal.level]
    )
    return {
        "nav": "operations",
        "incident": incident,
        "type_name": incident.type.name_in(get_language()),
        "level_label": _level_label(incident.alarm_level),
        "level_color": LEVEL_COLORS.get(incident.alarm_level, LEVEL_COLORS[""]),
        "proposal": proposal,
        "proposal_label": _level_label(proposal.level),
        "lower_than_proposed": lower_than_proposed,
        "declarations": declarations,
        "commands": commands,
        "command": incident.current_command,
        "takeover_options": options,
        "deployments": deployments,
        "called": [d for d in deployments if d.arrived_at is None and d.departed_at is None],
        "on_site": [d for d in deployments if d.arrived_at is not None and d.departed_at is None],
        "departed": [d for d in deployments if d.departed_at is not None],
        "people_on_site": sum(d.people for d in deployments if d.arrived_at and not d.departed_at),
        "features": features,
        "retired_features": retired,
        "editing": editing if writable else None,
        "sectors": [f for f in features if f.kind == SiteFeatureKind.SECTOR],
        "timeline": _timeline_rows(incident.pk, TIMELINE_LIMIT),
        "timeline_limit": TIMELINE_LIMIT,
        "notifications": notifications,
        "notice_plans": notice_plans,
        "notice_gaps": notice_gaps,
        "notifying_level": incident.alarm_level in ("III", "special"),
        # §23(2) (ADR 0028): notices proposed on level III and the decisions recorded.
        "notices": _notice_rows(user, incident),
        "targets": targets,
        "can_write": writable,
        "can_log": can_write(user, incident),
        "forms": forms_by_action,
        "requirement": requirement,
        "report_url": _optional_url("incidents:report", incident.pk),
        "report_pdf_url": _optional_url("incidents:report-pdf", incident.pk),
        "command_how": dict(CommandStart.choices),
        "map_config": _map_config(
            point=[incident.lat, incident.lon],
            zoom=16,
            levelColor=LEVEL_COLORS.get(incident.alarm_level, LEVEL_COLORS[""]),
            features=_feature_collection(incident, features),
            affectedArea=incident.affected_area,
            pointKinds=sorted(str(k) for k in POINT_FEATURES),
            featureColors={str(k): v for k, v in FEATURE_COLORS.items()},
            postColor=POST_COLOR,
        ),
        "js_strings": js_strings(),
        "level_colors": LEVEL_COLORS,
        "poll_seconds": BOARD_POLL_SECONDS * 2,
    }


def _notice_rows(user: Any, incident: Incident) -> list[dict[str, Any]]:
    """The incident's §23(2) notices, each with the bases this user may record (policy decides)."""
    rows = services.pending_notices(incident)
    for row in rows:
        row["allowed"] = [
            (basis, label) for basis, label in row["bases"]
            if policy.can_record_notice_decision(user, incident, basis)
        ]
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def incident_page(request: HttpRequest, incident_id: int) -> HttpResponse:
    """One incident: facts, proposal and declaration, command, components, site, messages."""
    _require_viewer(request)
    incident = _load_incident(incident_id)
    bound: dict[str, Any] = {}
    status = 200
    editing = _editable_feature(incident, request.GET.get("edit"))
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "feature_edit":
            editing = _editable_feature(incident, request.POST.get("feature-feature_id"))
        if action not in ACTIONS:
            messages.error(request, _("Unknown action."))
            status = 400
        else:
            form = make_form(action, incident, request.POST, editing=editing)
            if form.is_valid() and _close_unconfirmed(request.user, action, incident, form):
                # Closing cannot be undone: say what it does and ask first; nothing changed yet.
                return _close_confirmation(request, incident, form)
            if form.is_valid():
                try:
                    text = ACTIONS[action].perform(request.user, incident, form)
                except DomainError as exc:
                    messages.error(request, exc.message)
                    status = exc.status
                    bound[action] = form
                else:
                    messages.success(request, text)
                    url = reverse("incidents:incident", args=[incident.pk])
                    return redirect(f"{url}#{ACTIONS[action].anchor}")
            else:
                messages.error(request, _("The form has errors; nothing was changed."))
                status = 422
                bound[action] = form
        incident = _load_incident(incident_id)
    if editing is not None:
        editing = _editable_feature(incident, editing.pk)  # it may have been removed meanwhile
    context = _incident_context(request, incident, bound, editing)
    context["failed_action"] = next(iter(bound), "")
    return render(request, "incidents/incident.html", context, status=status)


def _close_unconfirmed(user: Any, action: str, incident: Incident, form: Any) -> bool:
    """True for a close the user may make, is legal now, and was not yet confirmed."""
    d = form.cleaned_data
    # An illegal or forbidden close is refused by the service at once, never offered for confirmation.
    return (
        action == "state"
        and d["target"] == IncidentState.CLOSED
        and not d.get("confirmed")
        and IncidentState.CLOSED in STATE_TRANSITIONS[IncidentState(incident.state)]
        and can_write(user, incident)
    )


def _close_confirmation(request: HttpRequest, incident: Incident, form: Any) -> HttpResponse:
    """The closing step: what ending the intervention records, the components still on site, no undo."""
    on_site = [
        {"label": selectors.component_label(d), "people": d.people, "arrived_at": d.arrived_at}
        for d in selectors.components_on_site(incident)
    ]
    context = {
        "nav": "operations",
        "incident": incident,
        "note": form.cleaned_data.get("note") or "",
        "on_site": on_site,
        "report_required": reporting.report_requirement(incident).required,
        "level_label": _level_label(incident.alarm_level),
    }
    return render(request, "incidents/close_confirm.html", context)


@login_required
def incident_timeline(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The incident's timeline as a fragment (htmx polls it)."""
    _require_viewer(request)
    incident = get_object_or_404(Incident.objects.only("pk"), pk=incident_id)
    return render(
        request,
        "incidents/_timeline.html",
        {"timeline": _timeline_rows(incident.pk, TIMELINE_LIMIT), "incident": incident,
         "timeline_limit": TIMELINE_LIMIT},
    )
