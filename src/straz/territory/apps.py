"""App config of territory: connects the signals that keep the locate indexes fresh."""

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "straz.territory"
    label = "territory"
    verbose_name = _("Territory")

    def record_kinds(self) -> dict[str, Any]:
        """Names of this wing's record kinds in the audit log and the outbox (core.record_kinds)."""
        return {"area": _("area"), "address": _("address points")}

    def ready(self) -> None:
        # Imported here: signals imports models, which need the app registry ready.
        from straz.territory import signals

        signals.connect()
