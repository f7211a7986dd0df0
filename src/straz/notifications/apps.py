from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from straz.core.jobs import register_job


class NotificationsConfig(AppConfig):
    name = "straz.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def record_kinds(self) -> dict[str, Any]:
        """Names of this wing's record kinds in the audit log and the outbox (core.record_kinds)."""
        return {"notification_contact": _("notification contact"), "outbox_message": _("outbox message")}

    def ready(self) -> None:
        # Imported here: these modules import the models, which need a ready app registry.
        from straz.notifications import delivery, email, webhook

        email.register()
        webhook.register()
        for name, interval, run in delivery.periodic_jobs():
            register_job(name, interval, run)
