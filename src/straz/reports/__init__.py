"""The threat map, whole: citizen reports, their workflow, the public projection, map, Open311, crime-map data and pages."""
