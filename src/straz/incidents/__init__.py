"""Joint interventions of the IZS (Decree 328/2001): incidents, command, components, site, events, calls, reports."""
