"""The shared kernel every wing stands on; it knows no domain (errors, API envelope, settings, jobs, intake guards)."""
