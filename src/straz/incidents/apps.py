from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "straz.incidents"
    label = "incidents"
    verbose_name = _("Joint interventions (IZS)")
