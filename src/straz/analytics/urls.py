"""Statistics pages and downloads."""

from django.urls import path

from straz.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.statistics_page, name="statistics"),
]
