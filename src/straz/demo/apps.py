from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "straz.demo"
    label = "demo"
    verbose_name = "Straz demo data"

    def record_kinds(self) -> dict[str, Any]:
        """Names of this wing's record kinds in the audit log (core.record_kinds)."""
        return {"demo": _("demo data")}
