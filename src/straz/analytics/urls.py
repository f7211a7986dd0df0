"""Statistics pages, chart pictures and downloads."""

from django.urls import path

from straz.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.statistics_page, name="statistics"),
    path("reports.csv", views.reports_download, {"fmt": "csv"}, name="reports-csv"),
    path("reports.geojson", views.reports_download, {"fmt": "geojson"}, name="reports-geojson"),
    path("tables/<slug:table>.csv", views.table_download, name="table-csv"),
    path("charts/<slug:name>.<str:fmt>", views.chart, name="chart"),
]
