from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "straz.core"
    label = "core"
    verbose_name = "Straz core"
