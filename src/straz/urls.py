"""Root URL configuration: public web, staff web, JSON API, Open311, back office."""

from django.contrib import admin
from django.urls import include, path

from straz.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("open311/v2/", include("straz.reports.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("statistics/", include("straz.analytics.urls")),
    path("operations/", include("straz.analytics.izs.urls")),
    path("operations/", include("straz.incidents.pages.urls")),
    path("staff/softtargets/", include("straz.softtargets.pages.urls")),
    path("", include("straz.web.urls")),
    path("", include("straz.reports.pages.urls")),
]
