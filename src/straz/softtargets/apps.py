"""App config of the soft-targets wing: its restrict() rule, record kinds and map layer."""

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SoftTargetsConfig(AppConfig):
    name = "straz.softtargets"
    label = "softtargets"
    verbose_name = _("Soft targets")

    def map_layers(self) -> list[dict[str, Any]]:
        """The registry as a staff map layer (web.layers): points, never the restricted part."""
        return [
            {
                "key": "softtargets",
                "label": _("Soft targets"),
                "url": "/api/v1/softtargets/geojson?layer=softtargets",
                "public": False,
            }
        ]

    def private_paths(self) -> list[str]:
        """Staff-only API paths beside the public registry (core.middleware: never cached)."""
        return [r"/api/v1/softtargets/(\d+/.+|scales|geojson|measures/.*)"]

    def record_kinds(self) -> dict[str, Any]:
        """Names of this wing's record kinds in the audit log (core.record_kinds)."""
        return {
            "softtarget": _("soft target"),
            "softtarget_measure": _("soft-target measure"),
            "risk_scale": _("risk scale"),
        }

    def ready(self) -> None:
        # Imported in ready(): models load only once the app registry is.
        from straz.accounts.access import register_restriction
        from straz.softtargets import policy
        from straz.softtargets.models import Assessment, Measure, RestrictedPart, TargetDocument

        for model in (RestrictedPart, Assessment, Measure, TargetDocument):
            register_restriction(model, policy.READ_RESTRICTED, policy.cleared_rows)
