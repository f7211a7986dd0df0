"""App config of the IZS wing: registers its periodic jobs (§16(2) deadline reminders)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "straz.incidents"
    label = "incidents"
    verbose_name = _("Joint interventions (IZS)")

    def ready(self) -> None:
        # Imported here: the jobs reach the models, which need the app registry ready.
        from straz.core.jobs import register_job
        from straz.incidents import reporting

        for name, interval, run in reporting.periodic_jobs():
            register_job(name, interval, run)
