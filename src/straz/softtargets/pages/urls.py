"""Staff pages of soft targets (all under /staff/softtargets/)."""

from django.urls import path

from straz.softtargets.pages import views

app_name = "softtargets"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.target_new, name="target-new"),
    path("report/", views.report, name="report"),
    path("report.csv", views.report_csv, name="report-csv"),
    path("report.pdf", views.report_pdf, name="report-pdf"),
    path("measures/", views.measures_list, name="measures"),
    path("measures/<int:measure_id>/", views.measure_change, name="measure-change"),
    path("measures/<int:measure_id>/evidence/", views.measure_evidence, name="measure-evidence"),
    path("documents/<int:document_id>/", views.document_download, name="document"),
    path("<int:target_id>/", views.target_detail, name="target"),
    path("<int:target_id>/documents/", views.document_add, name="document-add"),
    path("<int:target_id>/edit/", views.target_edit, name="target-edit"),
    path("<int:target_id>/restricted/", views.restricted_save, name="restricted"),
    path("<int:target_id>/clearances/", views.clearance_grant, name="clearances"),
    path("<int:target_id>/assess/", views.assess, name="assess"),
    path("<int:target_id>/measures/", views.measure_add, name="measure-add"),
]
