"""Operations pages: the live board, a new incident on the map, and the incident page.

Views only parse forms and call `incidents.services`; every refusal there carries a
translated message and an HTTP status, which the page shows without changing anything.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape as html_escape
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_http_methods, require_POST

from straz.core.errors import DomainError, ValidationFailed
from straz.incidents import policy, reporting, selectors, services
from straz.incidents.choices import (
    LEVEL_RANK,
    OPEN_STATES,
    POINT_FEATURES,
    STATE_TRANSITIONS,
    AlarmLevelValue,
    CommandStart,
    IncidentState,
    SiteFeatureKind,
    SiteMessageLetter,
    TimelineKind,
)
from straz.incidents.forms import (
    AddSitesForm,
    AffectedAreaForm,
    AssignCommanderForm,
    CallComponentForm,
    CallForm,
    CheckInForm,
    CheckOutForm,
    CoordinationLevelForm,
    DeclareForm,
    EventForm,
    FactsForm,
    ForwardForm,
    HandoverForm,
    IncidentForm,
    LogForm,
    MessageForm,
    SiteFeatureEditForm,
    SiteFeatureForm,
    SiteFeatureRetireForm,
    StateForm,
    SuccessorForm,
    TakeoverForm,
    equipment_lines,
)
from straz.incidents.models import CallRecord, Incident, IncidentEvent, SiteFeature, TimelineEntry

# Alarm-level colours of the board and the maps (I → special: green, amber, orange, red).
LEVEL_COLORS = {"I": "#2f7d32", "II": "#a87700", "III": "#d9480f", "special": "#a1001c", "": "#5b6570"}
# A site that sent no message for this long is flagged on the board (§6: timely information).
STALE_MESSAGE_MINUTES = 30
BOARD_POLL_SECONDS = 10
# The incident page shows the newest entries; the full record is in the §16(4) report and the API.
TIMELINE_LIMIT = 500
# Zone colours on the incident map, by §5 kind; posts are drawn as circle markers.
FEATURE_COLORS = {
    SiteFeatureKind.OUTER_ZONE: "#5b6570",
    SiteFeatureKind.DANGER_ZONE: "#c62828",
    SiteFeatureKind.STAGING_AREA: "#1565c0",
    SiteFeatureKind.REAR_AREA: "#6a4c93",
    SiteFeatureKind.DECONTAMINATION_AREA: "#00838f",
    SiteFeatureKind.MEDICAL_AREA: "#2e7d32",
    SiteFeatureKind.EVACUEE_ASSEMBLY: "#ef6c00",
    SiteFeatureKind.ANIMAL_AREA: "#8d6e63",
    SiteFeatureKind.VICTIMS_AREA: "#37474f",
    SiteFeatureKind.EXPECTED_SPREAD: "#f9a825",
    SiteFeatureKind.SECTOR: "#283593",
    SiteFeatureKind.SECTION: "#5c6bc0",
}
POST_COLOR = "#12355b"


def js_strings() -> dict[str, str]:
    """Strings the operations scripts show, translated on the server."""
    keys = {
        "Map": _("Map"),
        "The base map is not available; districts and reports are still shown.": _(
            "The base map is not available; the incidents and zones are still shown."
        ),
        "Open the incident": _("Open the incident"),
        "Create an incident here": _("Create an incident here"),
        "Place of the incident": _("Place of the incident"),
        "Point set: %(lat)s, %(lon)s": _("Point set: %(lat)s, %(lon)s"),
        "Click the map to set the place of the incident.": _("Click the map to set the place of the incident."),
        "Click the map to add vertices; finish with Enter or the Finish button.": _(
            "Click the map to add vertices; finish with Enter or the Finish button."
        ),
        "Click the map to place the post.": _("Click the map to place the post."),
        "Vertices: %(count)s": _("Vertices: %(count)s"),
        "A zone needs at least 3 vertices.": _("A zone needs at least 3 vertices."),
        "Shape ready; check the form and save it.": _("Shape ready; check the form and save it."),
        "Drawing cancelled.": _("Drawing cancelled."),
        "Drag the vertices, click the map to add one; finish with Enter or the Finish button.": _(
            "Drag the vertices, click the map to add one; finish with Enter or the Finish button."
        ),
        "Updated %(time)s": _("Updated %(time)s"),
        "The board could not be refreshed; retrying.": _("The board could not be refreshed; retrying."),
        "Lower than proposed: a written reason is required.": _(
            "Lower than proposed: a written reason is required."
        ),
    }
    return keys


def _require_viewer(request: HttpRequest) -> None:
    if not selectors.can_view_incidents(request.user):
        raise PermissionDenied(_("You may not see the operations board."))


def can_write(user: Any, incident: Incident) -> bool:
    """Whether the page offers the write forms (the service checks again on every write)."""
    return policy.can_write_incident(user, incident)


def _map_config(**extra: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "tileUrl": settings.STRAZ["TILE_URL"],
        "tileAttribution": settings.STRAZ["TILE_ATTRIBUTION"],
        "center": settings.STRAZ["MAP_CENTER"],
        "zoom": settings.STRAZ["MAP_ZOOM"],
        "levelColors": LEVEL_COLORS,
    }
    cfg.update(extra)
    return cfg


def _age(seconds: float) -> str:
    """A compact age for the board: 4 min, 2 h 05 min, 3 d 4 h."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(hours)s h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}


def _level_label(level: str) -> str:
    return str(dict(AlarmLevelValue.choices).get(level, _("not declared")))


# ---------------------------------------------------------------- board


# One board row. The board re-renders every open incident every few seconds; building the
# row in Python (escaping every value) is several times faster than a template
# loop with some thirty nodes per row, and keeps the polled fragment well under 200 ms at
# 500 incidents. The markup is the one _board_rows.html had; data-* attributes feed board.js.
_ROW_HTML = (
    '<tr class="inc-row state-{state}{stale_class}" data-testid="board-row" data-incident-id="{id}" '
    'data-level="{level_attr}" data-state="{state}" data-lat="{lat}" data-lon="{lon}" data-search="{search}">'
    '<td class="num">{priority}</td>'
    '<td><span class="level-badge level-{level_attr}" title="{level_label}">{level_text}</span>{report}</td>'
    '<td class="inc-title"><a href="{url}" class="inc-link" data-testid="board-incident-link">#{id} {title}</a>'
    '<span class="inc-type">{type}</span></td>'
    '<td><span class="state-badge state-{state}">{state_label}</span></td>'
    '<td class="inc-commander">{commander}</td>'
    '<td class="num" data-testid="board-components" data-on-site="{on_site}" data-called="{called}">'
    "<strong>{on_site}</strong>/{called}{en_route}</td>"
    '<td class="num" data-testid="board-people">{people}</td>'
    '<td class="num{stale_text}">{last}</td></tr>'
)


def _row_html(r: dict[str, Any], t: dict[str, str]) -> str:
    """The HTML of one board row; every value goes through html.escape before it is joined."""
    # Django's format_html would escape the same way, but its lazy-aware wrappers cost half
    # of the board's time at 500 rows; the standard escape (& < > " ') is enough here.
    e = _escape
    if r["last_iso"]:
        last = f'<time datetime="{e(r["last_iso"])}" title="{e(r["last_title"])}">{e(r["since"])}</time>'
    else:
        last = f'<span title="{e(t["no_message"])}">({e(r["since"])})</span>'
    report = f' <span class="badge report-badge" title="{e(t["report"])}">§16</span>' if r["report_required"] else ""
    commander = e(r["commander"]) if r["commander"] else f'<span class="warn-text">{e(t["none"])}</span>'
    en_route = f' <span class="help">({int(r["en_route"])} {e(t["en_route"])})</span>' if r["en_route"] else ""
    html = _ROW_HTML.format(
        state=e(r["state"]),
        stale_class=" stale" if r["stale"] else "",
        id=int(r["id"]),
        level_attr=e(r["level_attr"]),
        lat=f"{float(r['lat']):.6f}",
        lon=f"{float(r['lon']):.6f}",
        search=e(r["search"]),
        priority=int(r["priority"]) if r["priority"] else "·",
        level_label=e(r["level_label"]),
        level_text=e(r["level_text"]),
        report=report,
        url=e(r["url"]),
        title=e(r["title"]),
        type=e(r["type"]),
        state_label=e(r["state_label"]),
        commander=commander,
        on_site=int(r["on_site"]),
        called=int(r["called"]),
        en_route=en_route,
        people=int(r["people"]),
        stale_text=" warn-text" if r["stale"] else "",
        last=last,
    )
    return mark_safe(html)  # noqa: S308 (every interpolated value is escaped or an int above)


def _escape(value: Any) -> str:
    return html_escape(str(value), quote=True)


def _board_context(now: datetime) -> dict[str, Any]:
    language = get_language()
    incidents = selectors.board_incidents()
    due = reporting.reports_due_summary(now=now, top=1)
    # §16(2) from its one home: III or special ever declared for the site itself (a
    # territory's level calls for the §16(3) territory report, not each site's).
    report_ids = reporting.required_ids(Incident.objects.filter(state__in=OPEN_STATES))
    state_labels = {value: str(label) for value, label in IncidentState.choices}
    level_labels = {level: _level_label(level) for level in LEVEL_COLORS}
    special_short = _("SPEC")
    # One reverse() for all rows: the board renders hundreds of them every few seconds.
    url_pattern = reverse("incidents:incident", args=[0]).replace("/0/", "/{}/")
    rows: list[dict[str, Any]] = []
    for inc in incidents:
        last = getattr(inc, "last_message_at", None)
        since = (now - (last or inc.created_at)).total_seconds()
        event = inc.event
        command = inc.current_command
        level = inc.alarm_level or ""
        type_name = inc.type.name_in(language)
        commander = command.commander_name if command is not None else ""
        local_last = timezone.localtime(last) if last is not None else None
        rows.append(
            {
                "id": inc.pk,
                "url": url_pattern.format(inc.pk),
                "level_attr": level or "none",
                "level_text": special_short if level == "special" else (level or "—"),
                "search": f"{inc.title} {type_name} {commander} {event.name if event else ''} #{inc.pk}".lower(),
                "last_iso": local_last.isoformat() if local_last else "",
                "last_title": local_last.strftime("%d.%m.%Y %H:%M:%S") if local_last else "",
                "type": type_name,
                "type_code": inc.type.code,
                "title": inc.title,
                "lat": inc.lat,
                "lon": inc.lon,
                "level": level,
                "level_label": level_labels.get(level, level),
                "level_color": LEVEL_COLORS.get(level, LEVEL_COLORS[""]),
                "state": inc.state,
                "state_label": state_labels.get(inc.state, inc.state),
                "commander": commander,
                "called": inc.components_called,  # type: ignore[attr-defined]
                "on_site": inc.components_on_site,  # type: ignore[attr-defined]
                "en_route": inc.components_en_route,  # type: ignore[attr-defined]
                "people": inc.people_on_site,  # type: ignore[attr-defined]
                "last_message_at": last,
                "since": _age(since),
                "stale": since > STALE_MESSAGE_MINUTES * 60,
                "event": event.name if event is not None else "",
                "event_id": inc.event_id,
                "event_level": event.alarm_level if event is not None else "",
                "priority": inc.priority,
                "report_required": inc.pk in report_ids,
            }
        )
    strings = {
        "report": _("Incident report required (§16(2))"),
        "none": _("none"),
        "en_route": _("en route"),
        "no_message": _("No message yet; time since reported"),
    }
    for row in rows:
        row["html"] = _row_html(row, strings)
    groups: list[dict[str, Any]] = []
    for row in rows:
        key = row["event_id"]
        if key is None or not groups or groups[-1]["event_id"] != key:
            groups.append(
                {
                    "event_id": key,
                    "event": row["event"],
                    "event_level": row["event_level"],
                    "event_level_label": _level_label(row["event_level"]) if row["event_level"] else "",
                    "rows": [],
                }
            )
        groups[-1]["rows"].append(row)
    by_level = {level: 0 for level in ("", "I", "II", "III", "special")}
    for row in rows:
        by_level[row["level"] or ""] = by_level.get(row["level"] or "", 0) + 1
    return {
        "rows": rows,
        "groups": groups,
        "summary": {
            "open": len(rows),
            "by_level": [
                {"level": lvl, "label": _level_label(lvl), "count": by_level[lvl], "color": LEVEL_COLORS[lvl]}
                for lvl in ("special", "III", "II", "I", "")
            ],
            "on_site": sum(r["on_site"] for r in rows),
            "people": sum(r["people"] for r in rows),
            "stale": sum(1 for r in rows if r["stale"]),
        },
        "now": now,
        "stale_minutes": STALE_MESSAGE_MINUTES,
        "reports": _reports_summary(due),
        "reports_due_url": _optional_url("incidents:reports-due"),
    }


def _reports_summary(due: Any) -> dict[str, Any]:
    return {"due": due.due, "overdue": due.overdue, "next": due.next}


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The live operations board: every open incident on a map and in a list."""
    _require_viewer(request)
    context = _board_context(timezone.now())
    context.update(
        {
            "nav": "operations",
            "can_create": policy.can_run_incidents(request.user),
            "poll_seconds": BOARD_POLL_SECONDS,
            "map_config": _map_config(newIncidentUrl=reverse("incidents:incident-new")),
            "js_strings": js_strings(),
            "statistics_url": _optional_url("incidents_statistics:statistics"),
        }
    )
    return render(request, "incidents/board.html", context)


@login_required
@gzip_page  # ~570 KB of rows at 500 incidents every 10 s; no CSRF token or echoed input in it (BREACH)
def board_rows(request: HttpRequest) -> HttpResponse:
    """The board's list and map data, polled by htmx every few seconds."""
    _require_viewer(request)
    return render(request, "incidents/_board_rows.html", _board_context(timezone.now()))


def _optional_url(name: str, *args: Any) -> str | None:
    # Pages of the other slices (report, statistics) may not exist yet on every branch.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# ---------------------------------------------------------------- new incident


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
        proposal = services.propose_for_facts(form.facts())
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
    proposal = services.propose_for_facts(form.facts()) if form.is_valid() else None
    return render(
        request,
        "incidents/_proposal.html",
        {"proposal": proposal, "proposal_errors": form.errors if not form.is_valid() else None,
         "level_colors": LEVEL_COLORS},
        status=200 if proposal is not None else 422,
    )


# ---------------------------------------------------------------- incident page


def _sectors(incident: Incident, *, exclude: int | None = None) -> list[tuple[int, str]]:
    # Retired sectors take no sections; a sector is never its own parent.
    return [
        (f.pk, f.name or f"#{f.pk}")
        for f in incident.site_features.filter(kind=SiteFeatureKind.SECTOR, retired_at__isnull=True)
        .exclude(pk=exclude)
        .order_by("created_at", "pk")
    ]


def _editable_feature(incident: Incident, raw: Any) -> SiteFeature | None:
    """The active zone or post of this incident that `raw` (an id from the URL or form) names."""
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    if not 1 <= pk <= 2**63 - 1:
        return None
    return incident.site_features.filter(pk=pk, retired_at__isnull=True).first()


def _make_form(action: str, incident: Incident, data: Any = None, editing: SiteFeature | None = None) -> Any:
    if action == "facts":
        initial = {
            "persons_threatened": incident.persons_threatened,
            "area_m2": incident.area_m2,
            "complicated_objects": incident.complicated_objects,
            "threatened": list(incident.threatened or []),
            "components": incident.components,
            "coordination": incident.site_coordination,
        }
        return FactsForm(data, initial=initial, prefix="facts")
    if action == "declare":
        return DeclareForm(data, initial={"level": services.propose_for_incident(incident).level}, prefix="declare")
    if action == "assign":
        return AssignCommanderForm(data, prefix="assign")
    if action == "successor":
        return SuccessorForm(data, prefix="successor")
    if action == "handover":
        return HandoverForm(data, initial={"declaration": services.TAKEOVER_DECLARATION}, prefix="handover")
    if action == "takeover":
        options = services.takeover_options(incident) if incident.current_command_id else []
        return TakeoverForm(data, options=options, prefix="takeover")
    if action == "call":
        return CallComponentForm(data, prefix="call")
    if action == "checkin":
        return CheckInForm(data, prefix="checkin")
    if action == "checkout":
        return CheckOutForm(data)
    if action == "feature":
        return SiteFeatureForm(data, sectors=_sectors(incident), prefix="feature")
    if action == "feature_edit":
        initial = {}
        if editing is not None:
            initial = {
                "feature_id": editing.pk,
                "kind": editing.kind,
                "name": editing.name,
                "parent_id": editing.parent_id,
                "geometry": json.dumps(editing.geometry),
            }
        sectors = _sectors(incident, exclude=editing.pk if editing is not None else None)
        return SiteFeatureEditForm(data, sectors=sectors, initial=initial, prefix="feature")
    if action == "feature_retire":
        return SiteFeatureRetireForm(data, prefix="retire")
    if action == "area":
        area = json.dumps(incident.affected_area) if incident.affected_area else ""
        return AffectedAreaForm(data, initial={"geometry": area}, prefix="area")
    if action == "coordination":
        return CoordinationLevelForm(data, initial={"coordination_level": incident.coordination_level}, prefix="coordination")
    if action == "message":
        return MessageForm(data, prefix="message")
    if action == "log":
        return LogForm(data, prefix="log")
    if action == "state":
        return StateForm(data, prefix="state")
    raise KeyError(action)


ACTIONS = ("facts", "declare", "assign", "successor", "handover", "takeover", "call", "checkin",
           "checkout", "feature", "feature_edit", "feature_retire", "area", "coordination", "message", "log",
           "state")
# The page section each action returns to.
ANCHORS = {
    "facts": "alarm", "declare": "alarm", "assign": "command", "successor": "command",
    "handover": "command", "takeover": "command", "call": "components", "checkin": "components",
    "checkout": "components", "feature": "site", "feature_edit": "site", "feature_retire": "site",
    "area": "site", "coordination": "site", "message": "messages", "log": "messages",
    "state": "state",
}


def _perform(action: str, user: Any, incident: Incident, form: Any) -> str:
    """Call the service for one action; returns the success message."""
    d = form.cleaned_data
    iid = incident.pk
    if action == "facts":
        services.update_incident_facts(user=user, incident_id=iid, **form.facts())
        return _("The facts were updated; the proposal is recalculated.")
    if action == "declare":
        decl = services.declare_alarm_level(
            user=user,
            incident_id=iid,
            level=d["level"],
            written_reason=d.get("written_reason") or "",
            notify_by_other_means=bool(d.get("notify_by_other_means")),
        )
        return _("Alarm level %(level)s was declared.") % {"level": _level_label(decl.level)}
    if action == "assign":
        user_obj = d.get("commander_user")
        command = services.assign_commander(
            user=user,
            incident_id=iid,
            commander_name=d["commander_name"],
            commander_user_id=user_obj.pk if user_obj is not None else None,
            component=d.get("component") or "",
            successor_name=d.get("successor_name") or "",
        )
        return _("%(name)s commands the intervention.") % {"name": command.commander_name}
    if action == "successor":
        services.name_successor(user=user, incident_id=iid, successor_name=d["successor_name"])
        return _("Successor named: %(name)s.") % {"name": d["successor_name"]}
    if action == "handover":
        new_user = d.get("new_commander_user")
        command = services.hand_over_command(
            user=user,
            incident_id=iid,
            new_commander_name=d["new_commander_name"],
            new_commander_user_id=new_user.pk if new_user is not None else None,
            component=d.get("component") or "",
            situation=d["situation"],
            aim=d["aim"],
            priorities=d["priorities"],
            declaration=d.get("declaration") or services.TAKEOVER_DECLARATION,
            successor_name=d.get("successor_name") or "",
        )
        return _("Command was handed over to %(name)s at %(at)s.") % {
            "name": command.commander_name,
            "at": timezone.localtime(command.started_at).strftime("%H:%M:%S"),
        }
    if action == "takeover":
        command = services.take_over_command_when_commander_drops_out(
            user=user,
            incident_id=iid,
            how=d["how"],
            new_commander_name=d.get("new_commander_name") or "",
            skip_reason=d.get("skip_reason") or "",
            situation=d.get("situation") or "",
        )
        return _("%(name)s took over command (§3(6)).") % {"name": command.commander_name}
    if action == "call":
        dep = services.call_component(
            user=user,
            incident_id=iid,
            kind=d["kind"],
            unit_name=d.get("unit_name") or "",
            people=d.get("people") or 0,
            vehicles=d.get("vehicles") or 0,
        )
        return _("Component called: %(kind)s.") % {"kind": dep.get_kind_display()}
    if action == "checkin":
        dep = services.check_in_component(
            user=user,
            incident_id=iid,
            kind=d["kind"],
            leader_name=d["leader_name"],
            people=d["people"],
            vehicles=d["vehicles"],
            equipment=equipment_lines(d.get("equipment") or ""),
            unit_name=d.get("unit_name") or "",
            deployment_id=d.get("deployment_id"),
        )
        return _("%(kind)s checked in (leader %(leader)s).") % {
            "kind": dep.get_kind_display(),
            "leader": dep.leader_name,
        }
    if action == "checkout":
        dep = services.check_out_component(user=user, incident_id=iid, deployment_id=d["deployment_id"])
        return _("%(kind)s left the site.") % {"kind": dep.get_kind_display()}
    if action == "feature":
        feature = services.add_site_feature(
            user=user,
            incident_id=iid,
            kind=d["kind"],
            geometry=d["geometry"],
            name=d.get("name") or "",
            parent_id=d.get("parent_id"),
        )
        return _("%(kind)s was saved.") % {"kind": feature.get_kind_display()}
    if action == "feature_edit":
        feature = services.change_site_feature(
            user=user,
            incident_id=iid,
            feature_id=d["feature_id"],
            kind=d["kind"],
            geometry=d["geometry"],
            name=d.get("name") or "",
            parent_id=d.get("parent_id"),
        )
        return _("%(kind)s was changed.") % {"kind": feature.get_kind_display()}
    if action == "feature_retire":
        feature = services.retire_site_feature(user=user, incident_id=iid, feature_id=d["feature_id"])
        return _("%(kind)s was removed from the site; it stays in the record.") % {
            "kind": feature.get_kind_display()
        }
    if action == "area":
        services.change_affected_area(user=user, incident_id=iid, affected_area=d["area"])
        return _("The affected area was cleared.") if d["area"] is None else _("The affected area was saved.")
    if action == "coordination":
        updated = services.change_coordination_level(
            user=user, incident_id=iid, coordination_level=d["coordination_level"]
        )
        return _("Coordination level: %(level)s.") % {"level": updated.get_coordination_level_display()}
    if action == "message":
        services.post_site_message(user=user, incident_id=iid, letter=d["letter"], text=d["text"])
        return _("The message was recorded.")
    if action == "log":
        services.add_log_entry(user=user, incident_id=iid, text=d["text"])
        return _("The log entry was recorded.")
    if action == "state":
        updated = services.change_state(user=user, incident_id=iid, target=d["target"], note=d.get("note") or "")
        return _("State changed to: %(state)s.") % {"state": updated.get_state_display()}
    raise KeyError(action)


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
            "text": e.text,
            "author": e.author_label,
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
    declarations = list(incident.declarations.order_by("declared_at", "pk"))
    notifications = list(selectors.incident_notifications(incident))
    forms_by_action = {a: bound.get(a) or _make_form(a, incident) for a in ACTIONS}
    if editing is not None and writable:
        # The drawing form edits the chosen zone or post instead of drawing a new one.
        forms_by_action["feature"] = bound.get("feature_edit") or _make_form(
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
            form = _make_form(action, incident, request.POST, editing=editing)
            if form.is_valid():
                try:
                    text = _perform(action, request.user, incident, form)
                except DomainError as exc:
                    messages.error(request, exc.message)
                    status = exc.status
                    bound[action] = form
                else:
                    messages.success(request, text)
                    url = reverse("incidents:incident", args=[incident.pk])
                    return redirect(f"{url}#{ANCHORS[action]}")
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



# ---------------------------------------------------------------- events (§20(3), §7 b)


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


def _event_context(request: HttpRequest, event: IncidentEvent, bound: dict[str, Any]) -> dict[str, Any]:
    from straz.notifications.models import OutboxMessage

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
        "declarations": list(event.declarations.order_by("declared_at", "pk")),
        "timeline": [
            {
                "at": e.at,
                "kind_label": kinds.get(e.kind, e.kind),
                "text": e.text,
                "author": e.author_label,
                "incident_id": e.incident_id,
            }
            for e in TimelineEntry.objects.filter(event=event).order_by("-at", "-id")[:200]
        ],
        "notifications": list(
            OutboxMessage.objects.filter(source_type="event", source_id=str(event.pk)).order_by("created_at", "pk")
        ),
        "can_write": policy.can_run_incidents(request.user),
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


# ---------------------------------------------------------------- emergency calls (§12)

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
                )
                text = _("Call #%(id)s was recorded.") % {"id": call.pk}
            elif action == "forward":
                forward_form = ForwardForm(request.POST)
                if not forward_form.is_valid():
                    raise ValidationFailed(_("The form has errors; nothing was changed."))
                d = forward_form.cleaned_data
                call = services.forward_call(
                    user=user, call_id=d["call_id"], to_centre=d["to_centre"], to_opis=d.get("to_opis") or ""
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
    failed_call = forward_form.data.get("call_id") if forward_form is not None else None
    return render(
        request,
        "incidents/calls.html",
        {
            "nav": "operations",
            "calls": calls,
            "can_write": writable,
            "record_form": record_form,
            "forward_form": forward_form,
            "failed_call": str(failed_call or ""),
            "calls_shown": CALLS_SHOWN,
        },
        status=status,
    )
