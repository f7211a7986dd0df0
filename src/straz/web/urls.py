"""Public and staff pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from straz.web import source, views

app_name = "web"

urlpatterns = [
    path("", views.map_page, name="map"),
    path("report/", views.report_new, name="report-new"),
    path("report/sent/", views.report_sent, name="report-sent"),
    path("r/<int:report_id>/", views.report_detail, name="report-detail"),
    path("districts/", views.districts_page, name="districts"),
    path("source/", source.source_download, name="source"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html",
            redirect_authenticated_user=True,
            extra_context={"nav": "login"},
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", views.staff_queue, name="staff-queue"),
    path("staff/reports/<int:report_id>/", views.staff_report, name="staff-report"),
    path(
        "staff/reports/<int:report_id>/attachments/<int:attachment_id>/",
        views.staff_attachment,
        name="staff-attachment",
    ),
]
