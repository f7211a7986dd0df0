"""Back office: contacts are editable (audited); outbox messages are read-only with "retry now"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from straz.accounts import audit
from straz.accounts.models import User
from straz.notifications.delivery import retry_now
from straz.notifications.models import DeliveryAttempt, NotificationContact, OutboxMessage

CONTACT_FIELDS = ("role", "region_code", "orp_code", "name", "channel", "address", "active")


def _contact_state(obj: NotificationContact) -> dict[str, Any]:
    return model_to_dict(obj, fields=CONTACT_FIELDS)


@admin.register(NotificationContact)
class NotificationContactAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "role", "region_code", "orp_code", "channel", "address", "active")
    list_filter = ("role", "channel", "active")
    search_fields = ("name", "address", "region_code", "orp_code")

    def save_model(
        self, request: HttpRequest, obj: NotificationContact, form: Any, change: bool
    ) -> None:
        before = (
            NotificationContact.objects.filter(pk=obj.pk).values(*CONTACT_FIELDS).first()
            if change
            else None
        )
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                action="notification_contact.changed" if change else "notification_contact.created",
                object_type="notification_contact",
                object_id=obj.pk,
                actor=request.user if isinstance(request.user, User) else None,
                before=before,
                after=_contact_state(obj),
            )

    def delete_model(self, request: HttpRequest, obj: NotificationContact) -> None:
        with transaction.atomic():
            before = _contact_state(obj)
            pk = obj.pk
            super().delete_model(request, obj)
            audit.record(
                action="notification_contact.deleted",
                object_type="notification_contact",
                object_id=pk,
                actor=request.user if isinstance(request.user, User) else None,
                before=before,
            )

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[NotificationContact]
    ) -> None:
        for obj in list(queryset):
            self.delete_model(request, obj)


class DeliveryAttemptInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "at", "outcome", "duration_ms", "detail")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "created_at",
        "channel",
        "address",
        "subject",
        "rule",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("state", "channel", "rule", "source_type")
    search_fields = ("address", "subject", "dedupe_key", "source_id", "message_id")
    date_hierarchy = "created_at"
    inlines = [DeliveryAttemptInline]
    actions = ["retry_selected_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rows come only from the changes that cause them

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the outbox is the record of what was (or was not) told to whom

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("notifications.change_outboxmessage"))

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_selected_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = retry_now(
            message_ids=list(queryset.values_list("pk", flat=True)),
            actor=request.user if isinstance(request.user, User) else None,
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d message will be sent again now.",
                "%(count)d messages will be sent again now.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
