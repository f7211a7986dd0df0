"""Staff pages of joint interventions under /operations/: board, incidents, events, calls, reports.

Statistics (§16(5)) are analytics.izs's pages, mounted under the same prefix.
"""

from django.urls import URLPattern, path

from straz.incidents.board import views as board
from straz.incidents.pages import events, incident, reports

app_name = "incidents"

urlpatterns: list[URLPattern] = [
    path("", board.board, name="board"),
    path("board/rows/", board.board_rows, name="board-rows"),
    path("incidents/new/", incident.incident_new, name="incident-new"),
    path("incidents/proposal/", incident.proposal_preview, name="proposal-preview"),
    path("incidents/<int:incident_id>/", incident.incident_page, name="incident"),
    path("incidents/<int:incident_id>/timeline/", incident.incident_timeline, name="incident-timeline"),
    path("events/new/", events.event_new, name="event-new"),
    path("calls/", events.calls_page, name="calls"),
    path("events/<int:event_id>/", events.event_page, name="event"),
    path("incidents/<int:incident_id>/report/", reports.report_page, name="report"),
    path("incidents/<int:incident_id>/report.pdf", reports.report_pdf, name="report-pdf"),
    path("events/<int:event_id>/report/", reports.territory_report_page, name="event-report"),
    path("events/<int:event_id>/report.pdf", reports.territory_report_pdf, name="event-report-pdf"),
    path("reports/", reports.reports_due_page, name="reports-due"),
]
