from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "straz.reports"
    label = "reports"
    verbose_name = _("Threat map")

    def ready(self) -> None:
        from straz.accounts.access import register_restriction
        from straz.core.jobs import register_job
        from straz.reports import jobs, policy
        from straz.reports.models import Attachment, InternalNote, Report

        for name, interval, run in jobs.periodic_jobs():
            register_job(name, interval, run)
        register_restriction(Report, policy.READ_POLICE_ONLY, policy.police_only_reports)
        for model in (Attachment, InternalNote):
            register_restriction(model, policy.READ_POLICE_ONLY, policy.police_only_children)
