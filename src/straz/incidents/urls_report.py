"""URL patterns of the report pages (joined in straz.incidents.urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
