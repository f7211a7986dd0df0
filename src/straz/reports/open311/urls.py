"""Open311 GeoReport v2 endpoints (XML and JSON) under /open311/v2/.

The format is the suffix (`.xml` is mandatory in the spec, `.json` optional: both served).
Mapping and privacy decisions are documented in straz.reports.open311.views.
"""

from django.urls import re_path

from straz.reports.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(
        r"^services/(?P<service_code>[^/.]+)" + FMT,
        views.service_definition,
        name="service-definition",
    ),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/.]+)" + FMT, views.request_detail, name="request"),
    # The Swagger file of the spec spells the single-request path in the singular.
    re_path(
        r"^request/(?P<request_id>[^/.]+)" + FMT, views.request_detail, name="request-singular"
    ),
    re_path(r"^tokens/(?P<token>[^/.]+)" + FMT, views.token, name="token"),
    re_path(r"^(?P<rest>.*)$", views.unknown_endpoint, name="unknown"),
]
