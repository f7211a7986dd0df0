"""Open311 GeoReport v2: the threat map as a standard service-request endpoint (XML and JSON)."""
