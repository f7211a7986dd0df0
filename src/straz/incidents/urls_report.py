"""URL patterns of the §16(4) incident report pages (joined in straz.incidents.urls)."""

from django.urls import URLPattern, path

from straz.incidents import views_report

urlpatterns: list[URLPattern] = [
    path("incidents/<int:incident_id>/report/", views_report.report_page, name="report"),
    path("incidents/<int:incident_id>/report.pdf", views_report.report_pdf, name="report-pdf"),
    path("events/<int:event_id>/report/", views_report.territory_report_page, name="event-report"),
    path("events/<int:event_id>/report.pdf", views_report.territory_report_pdf, name="event-report-pdf"),
    path("reports/", views_report.reports_due_page, name="reports-due"),
]
