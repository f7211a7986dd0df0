"""App config of the IZS wing: registers its periodic jobs (§16(2) deadline reminders)."""

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "straz.incidents"
    label = "incidents"
    verbose_name = _("Joint interventions (IZS)")

    def record_kinds(self) -> dict[str, Any]:
        """Names of this wing's record kinds in the audit log and the outbox (core.record_kinds)."""
        return {
            "incident": _("incident"),
            "incident_event": _("event (territory)"),
            "event": _("event (territory)"),
            "call": _("emergency call record"),
            "operations_centre": _("operations centre"),
        }

    def ready(self) -> None:
        # Imported here: the jobs reach the models, which need the app registry ready.
        from straz.core.jobs import register_job
        from straz.incidents import reporting

        for name, interval, run in reporting.periodic_jobs():
            register_job(name, interval, run)
