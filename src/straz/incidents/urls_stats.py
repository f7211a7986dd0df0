"""URL patterns of the stats pages (joined in straz.incidents.urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
