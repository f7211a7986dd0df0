"""The operations board: every open incident in one table, polled every few seconds."""

from __future__ import annotations

from datetime import datetime
from html import escape as html_escape
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page

from straz.incidents import policy, reporting, selectors
from straz.incidents.choices import (
    OPEN_STATES,
    IncidentState,
)
from straz.incidents.models import Incident
from straz.incidents.pages.common import (
    LEVEL_COLORS,
    _age,
    _level_label,
    _map_config,
    _optional_url,
    _require_viewer,
    js_strings,
)

# A site that sent no message for this long is flagged on the board (§6: timely information).
STALE_MESSAGE_MINUTES = 30


BOARD_POLL_SECONDS = 10


# One board row. The board re-renders every open incident every few seconds; building the
# row in Python (escaping every value) is several times faster than a template
# loop with some thirty nodes per row, and keeps the polled fragment well under 200 ms at
# 500 incidents. The markup is the one _board_rows.html had; data-* attributes feed board.js.
_ROW_HTML = (
    '<tr class="inc-row state-{state}{stale_class}" data-testid="board-row" data-incident-id="{id}" '
    'data-level="{level_attr}" data-state="{state}" data-lat="{lat}" data-lon="{lon}" data-search="{search}">'
    '<td class="num">{priority}</td>'
    '<td><span class="level-badge level-{level_attr}" title="{level_label}">{level_text}</span>{report}{notices}</td>'
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
    notices = (
        f' <span class="badge warn" data-testid="board-notices-pending" title="{e(t["notices"])}">§23(2)</span>'
        if r["notices_pending"]
        else ""
    )
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
        notices=notices,
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
                "last_title": date_format(local_last, "DATETIME_FORMAT") if local_last else "",
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
                "notices_pending": bool(getattr(inc, "notices_pending", False)),
            }
        )
    strings = {
        "report": _("Incident report required (§16(2))"),
        "notices": _("Notices proposed under §23(2) await the duty officer's decision"),
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
