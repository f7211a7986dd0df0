"""URL patterns of the board pages (joined in straz.incidents.urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
