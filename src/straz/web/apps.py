from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "straz.web"
    label = "web"
    verbose_name = "Web"
