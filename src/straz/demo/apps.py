from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "straz.demo"
    label = "demo"
    verbose_name = "Straz demo data"
