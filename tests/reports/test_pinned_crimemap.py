"""The police crime-map import rules (reports.crimemap.rules), value by value."""
