from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "straz.reports"
    label = "reports"
    verbose_name = _("Threat map")

    def map_layers(self) -> list[dict[str, Any]]:
        """The threat map's layers for the map-layer registry (straz.web.layers)."""
        return [
            {
                "key": "reports",
                "label": _("Citizen reports"),
                "url": "/api/v1/map?layer=reports",
                "public": True,
            },
            {
                "key": "police",
                "label": _("Police data"),
                "url": "/api/v1/map?layer=police",
                "public": True,
            },
        ]

    def record_kinds(self) -> dict[str, Any]:
        """Names of this wing's record kinds in the audit log and the outbox (core.record_kinds)."""
        return {
            "report": _("report"),
            "category": _("category"),
            "report-follower": _("report follower"),
            "idempotency": _("idempotency record"),
            "crime_map_file": _("crime map file"),
            "crime_record": _("crime record"),
            "crime_types": _("crime types"),
            "crime_states": _("crime states"),
            "crime_relevance": _("crime relevances"),
        }

    def ready(self) -> None:
        # Imported in ready(): models and their modules load only once the app registry is.
        from django.core import checks

        from straz.accounts.access import register_restriction
        from straz.core.jobs import register_job
        from straz.reports import jobs, policy
        from straz.reports.checks import category_catalogue_check
        from straz.reports.models import Attachment, InternalNote, Report

        checks.register(category_catalogue_check)
        for name, interval, run in jobs.periodic_jobs():
            register_job(name, interval, run)
        register_restriction(Report, policy.READ_POLICE_ONLY, policy.police_only_reports)
        for model in (Attachment, InternalNote):
            register_restriction(model, policy.READ_POLICE_ONLY, policy.police_only_children)
