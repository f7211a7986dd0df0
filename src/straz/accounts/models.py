"""Staff accounts with roles and territorial scope, API tokens, and the audit chain."""

from __future__ import annotations

from typing import Any, NoReturn

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles; a citizen is anonymous and has no account."""

    OFFICER = "officer", _("Police officer")
    SUPERVISOR = "supervisor", _("District supervisor")
    DISPATCHER = "dispatcher", _("Dispatcher")
    ANALYST = "analyst", _("Analyst")
    MANAGER = "manager", _("Crime-prevention manager")
    ADMIN = "admin", _("Administrator")
    # Velitel zásahu (Decree 328/2001 §3): writes only to the incidents they command.
    COMMANDER = "commander", _("Incident commander")


class User(AbstractUser):
    """A staff member; `districts` is the territorial scope of officers and supervisors."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    districts = models.ManyToManyField(
        "territory.Area",
        blank=True,
        related_name="staff",
        limit_choices_to={"kind": "police-district"},
        verbose_name=_("police districts"),
    )
    language = models.CharField(_("language"), max_length=5, blank=True, default="")
    # How documents name the person (accounts.people.person_label): "kpt. Jan Novák (velitel
    # družstva, HZS Plzeňského kraje)". All optional; without a name the username stands in.
    rank = models.CharField(
        _("rank or title"), max_length=30, blank=True, default="", help_text=_("E.g. npor., kpt., plk., Ing.")
    )
    function = models.CharField(_("function"), max_length=100, blank=True, default="")
    organisation = models.CharField(_("organisation or component"), max_length=150, blank=True, default="")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_district_scoped(self) -> bool:
        """True when this user sees and acts only within assigned districts (accounts.policy)."""
        # Imported here: policy names the roles and reads User (a real cycle).
        from straz.accounts.policy import is_district_scoped

        return is_district_scoped(self)


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored. It expires, and may only read."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # A token stops working at this moment (STRAZ_API_TOKEN_DAYS after issue by default).
    expires_at = models.DateTimeField(_("expires at"))
    # A read-only token may call safe methods only (GET, HEAD, OPTIONS).
    read_only = models.BooleanField(_("read-only"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class AuditHead(models.Model):
    """Single row holding the newest hash; locking it serialises appends to the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Audit entries in bulk: readable, never updated or deleted (ADR 0003, 0020)."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise RuntimeError("audit entries are append-only")

    def delete(self) -> NoReturn:
        raise RuntimeError("audit entries are append-only")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        raise RuntimeError("audit entries are append-only")


class AuditEntry(models.Model):
    """One append-only, hash-chained record of a state change: who, when, what, before → after."""

    seq = models.BigIntegerField(_("sequence number"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("actor's account"),
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit entries are append-only")

    def __str__(self) -> str:
        # The action is a dotted code (`incident.created`), shown as stored.
        return str(_("Audit entry #%(seq)s: %(action)s") % {"seq": self.seq, "action": self.action})


class ReadEntry(models.Model):
    """Who read which restricted rows, and when (the read audit of accounts.access.restrict)."""

    at = models.DateTimeField(_("time"), db_index=True)
    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("user"))
    user_label = models.CharField(_("reader"), max_length=150)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80)
    object_ids = models.JSONField(_("object ids"), default=list)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["object_type", "at"])]
        verbose_name = _("read audit entry")
        verbose_name_plural = _("read audit entries")

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("read audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("read audit entries are append-only")

    def __str__(self) -> str:
        return f"{self.user_label} {self.action} {self.object_type}:{self.object_ids}"
