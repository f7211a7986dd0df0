"""Pages of the threat map: the public map, reporting, districts and the staff queue."""

from django.urls import path

from straz.reports.pages import views

app_name = "reports"

urlpatterns = [
    path("", views.map_page, name="map"),
    path("report/", views.report_new, name="report-new"),
    path("report/sent/", views.report_sent, name="report-sent"),
    path("r/", views.report_lookup, name="report-lookup"),
    path("r/<int:report_id>/", views.report_detail, name="report-detail"),
    path("r/stop/<str:token>/", views.follow_stop, name="follow-stop"),
    path("districts/", views.districts_page, name="districts"),
    path("staff/", views.staff_queue, name="staff-queue"),
    path("staff/reports/<int:report_id>/", views.staff_report, name="staff-report"),
    path(
        "staff/reports/<int:report_id>/attachments/<int:attachment_id>/",
        views.staff_attachment,
        name="staff-attachment",
    ),
]
