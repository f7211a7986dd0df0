from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "straz.reports"
    label = "reports"
    verbose_name = _("Threat map")

    def ready(self) -> None:
        from straz.core.jobs import register_job
        from straz.reports import jobs

        for name, interval, run in jobs.periodic_jobs():
            register_job(name, interval, run)
