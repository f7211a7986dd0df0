"""The pure spatial kernel (no Django, mypy --strict): GeoJSON validation, H3 grid, polygon index, SVG site maps."""
