"""URL patterns of the §16(5) statistics pages (joined in straz.incidents.urls)."""

from django.urls import URLPattern, path

from straz.incidents import stats, views_stats

# One fixed route per CSV table (no <table> parameter): every route can be probed as it is
# by the scope and privacy scans, and an unknown table is simply not a URL.
urlpatterns: list[URLPattern] = [
    path("statistics/", views_stats.statistics_page, name="statistics"),
    *[
        path(
            f"statistics/{table}.csv",
            views_stats.statistics_csv,
            {"table": table},
            name=f"statistics-csv-{table}",
        )
        for table in (*stats.TABLES, "incidents")
    ],
]
