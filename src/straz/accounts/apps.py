from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from straz.core.config import straz_settings
from straz.core.jobs import register_job


class AccountsConfig(AppConfig):
    name = "straz.accounts"
    label = "accounts"
    verbose_name = _("Accounts and audit")

    def record_kinds(self) -> dict[str, Any]:
        """Names of this wing's record kinds in the audit log and the outbox (core.record_kinds)."""
        return {"user": _("user"), "api_token": _("API token"), "audit": _("audit log")}

    def ready(self) -> None:
        # Imported here: the receivers read models, which need the app registry ready.
        from straz.accounts import signals

        signals.connect()
        # Off by default (cron can run `straz audit checkpoint` instead): a checkpoint
        # directory belongs to one deployment, and the worker also runs in tests (ADR 0020).
        minutes = straz_settings().audit_checkpoint_interval_minutes
        if minutes > 0:
            # Imported here: the module imports models, which need the app registry ready.
            from straz.accounts.checkpoints import checkpoint_if_moved

            register_job("checkpoint-audit-chain", minutes * 60, checkpoint_if_moved)
