from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "straz.analytics"
    label = "analytics"
    verbose_name = _("Statistics")

    def record_kinds(self) -> dict[str, Any]:
        """Names of this wing's record kinds in the audit log and the outbox (core.record_kinds)."""
        return {"report-export": _("report download")}

    def ready(self) -> None:
        """Keep the statistics summaries exact on every ORM write of a report; prune limits."""
        # Imported in ready(): models and their modules load only once the app registry is.
        from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

        from straz.analytics.threatmap import summaries
        from straz.reports import signals as report_signals
        from straz.reports.models import Report

        uid = "straz.analytics.threatmap.summaries"
        pre_save.connect(summaries.before_report_save, sender=Report, dispatch_uid=uid + ".pre")
        post_save.connect(summaries.after_report_save, sender=Report, dispatch_uid=uid + ".post")
        pre_delete.connect(
            summaries.before_report_delete, sender=Report, dispatch_uid=uid + ".pred"
        )
        post_delete.connect(
            summaries.after_report_delete, sender=Report, dispatch_uid=uid + ".postd"
        )
        report_signals.category_rules_changed.connect(
            summaries.on_category_rules_changed, dispatch_uid=uid + ".rules"
        )

        from straz.analytics.throttle import DOWNLOAD_WINDOW, prune_download_hits
        from straz.core.jobs import register_job

        register_job(
            "prune-download-hits", DOWNLOAD_WINDOW.total_seconds() / 6, prune_download_hits
        )
