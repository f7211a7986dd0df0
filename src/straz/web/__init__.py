"""Cross-wing pages (login, source download; later the operational picture) and the map-layer registry."""
