from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "straz.territory"
    label = "territory"
    verbose_name = _("Territory")

    def ready(self) -> None:
        from straz.territory import signals

        signals.connect()
