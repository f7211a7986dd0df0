from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "straz.core"
    label = "core"
    verbose_name = "Straz core"

    def ready(self) -> None:
        from straz.core import checks  # noqa: F401  (registers the deployment checks)
