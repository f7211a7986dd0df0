"""The notification outbox, its delivery log, and who is notified (contacts)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How a notification travels."""

    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class MessageState(models.TextChoices):
    """Life of an outbox row: pending → sending (leased) → delivered, or failed (dead)."""

    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed (no more attempts)")


class OutboxMessage(models.Model):
    """One notification, written in the transaction of the change that causes it."""

    # Stable across every attempt (e-mail Message-ID, webhook Idempotency-Key) so that a
    # receiver can drop the repeats that at-least-once delivery may produce.
    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=500)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"), blank=True, default="")
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    rule = models.CharField(_("legal basis"), max_length=60, blank=True, default="")
    source_type = models.CharField(_("source type"), max_length=40, blank=True, default="")
    source_id = models.CharField(_("source id"), max_length=64, blank=True, default="")
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    state = models.CharField(
        _("state"), max_length=10, choices=MessageState.choices, default=MessageState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(
        _("next attempt at"), default=timezone.now, db_index=True
    )
    last_error = models.TextField(_("last error"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # A claim is a lease: a worker that dies mid-send leaves the row in `sending` and the
    # expired lease makes it due again (at-least-once).
    lease_owner = models.CharField(_("lease owner"), max_length=64, blank=True, default="")
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notif_outbox_due_idx"),
            models.Index(fields=["state", "lease_until"], name="notif_outbox_lease_idx"),
            models.Index(fields=["source_type", "source_id"], name="notif_outbox_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}: {self.subject}"


class AttemptOutcome(models.TextChoices):
    """What one delivery attempt came to."""

    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    LOST = "lost", _("Worker lost during delivery")


class DeliveryAttempt(models.Model):
    """The log of every attempt to deliver an outbox message."""

    message = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, related_name="delivery_attempts",
        verbose_name=_("outbox message"),
    )
    number = models.PositiveIntegerField(_("attempt number"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=10, choices=AttemptOutcome.choices)
    detail = models.TextField(_("detail"), blank=True, default="")
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message_id", "at", "id"]

    def __str__(self) -> str:
        return f"#{self.number} {self.get_outcome_display()}"


class ContactRole(models.TextChoices):
    """Whom the IZS decree tells to notify (§23(2), §24(2)–(3), §13 f))."""

    HEJTMAN = "hejtman", _("Regional governor (hejtman)")
    ORP_MAYOR = "orp_mayor", _("Mayor of the municipality with extended powers")
    GR_HZS = "gr_hzs", _("General Directorate of the Fire Rescue Service")
    HIGHER_OPIS = "higher_opis", _("Higher operations centre (OPIS)")
    REGIONAL_OPIS = "regional_opis", _("Regional operations centre (OPIS)")
    OTHER = "other", _("Other")


class NotificationContact(models.Model):
    """Who receives a kind of notification for a region or ORP, and by which channel."""

    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices)
    region_code = models.CharField(
        _("region code"),
        max_length=20,
        blank=True,
        default="",
        help_text=_("Region this contact serves; empty = every region."),
    )
    orp_code = models.CharField(
        _("ORP code"),
        max_length=20,
        blank=True,
        default="",
        help_text=_("Municipality with extended powers this contact serves; empty = every one."),
    )
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(
        _("address"), max_length=500, help_text=_("E-mail address or webhook URL (http/https).")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification contact")
        verbose_name_plural = _("notification contacts")
        ordering = ["role", "region_code", "orp_code", "name"]
        indexes = [models.Index(fields=["role", "active"], name="notif_contact_role_idx")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"

    def clean(self) -> None:
        """The address must fit the channel (an e-mail address or an http(s) URL)."""
        from django.core.exceptions import ValidationError

        from straz.notifications.channels import validate_address

        try:
            validate_address(self.channel, self.address)
        except ValidationError as exc:
            raise ValidationError({"address": exc.messages}) from exc
