"""URL patterns of the §16(5) statistics pages, mounted under /operations/ (namespace incidents_statistics)."""

from django.urls import URLPattern, path

from straz.analytics.izs import stats, views

# One fixed route per CSV table (no <table> parameter): every route can be probed as it is
# by the scope and privacy scans, and an unknown table is simply not a URL.
app_name = "incidents_statistics"

urlpatterns: list[URLPattern] = [
    path("statistics/", views.statistics_page, name="statistics"),
    *[
        path(
            f"statistics/{table}.csv",
            views.statistics_csv,
            {"table": table},
            name=f"statistics-csv-{table}",
        )
        for table in (*stats.TABLES, "incidents")
    ],
]
