"""The demo city: Plzeň with its districts, staff, reports and joint interventions, loaded through each wing's own services."""
