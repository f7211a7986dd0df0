"""URL patterns of the §16(5) statistics pages (joined in straz.incidents.urls)."""

from django.urls import URLPattern, path

from straz.incidents import views_stats

urlpatterns: list[URLPattern] = [
    path("statistics/", views_stats.statistics_page, name="statistics"),
    path("statistics/<slug:table>.csv", views_stats.statistics_csv, name="statistics-csv"),
]
