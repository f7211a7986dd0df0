"""Open311 GeoReport v2 endpoints (XML and JSON)."""

urlpatterns: list[object] = []
