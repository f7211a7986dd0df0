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
from straz.core.admin_display import code_html, json_html
from straz.core.record_kinds import record_kind_name
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


class SourceKindFilter(admin.SimpleListFilter):
    """Filter by the kind of record a message is about, named in the reader's language."""

    title = _("source type")
    parameter_name = "source_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = OutboxMessage.objects.order_by().values_list("source_type", flat=True).distinct()
        return sorted(((code, record_kind_name(code) or code) for code in codes), key=lambda c: c[1])

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        return queryset if value is None else queryset.filter(source_type=value)


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
    list_filter = ("state", "channel", "rule", SourceKindFilter)
    search_fields = ("address", "subject", "dedupe_key", "source_id", "message_id")
    date_hierarchy = "created_at"
    inlines = [DeliveryAttemptInline]
    actions = ["retry_selected_now"]

    @admin.display(description=_("source type"), ordering="source_type")
    def source_kind(self, obj: OutboxMessage) -> Any:
        return record_kind_name(obj.source_type) or code_html(obj.source_type)

    @admin.display(description=_("deduplication key"))
    def dedupe_key_shown(self, obj: OutboxMessage) -> Any:
        return code_html(obj.dedupe_key)

    @admin.display(description=_("payload"))
    def payload_shown(self, obj: OutboxMessage) -> Any:
        return json_html(obj.payload)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Stored codes and JSON are shown by name or as stored (core.admin_display).
        shown = {"source_type": "source_kind", "dedupe_key": "dedupe_key_shown", "payload": "payload_shown"}
        fields = super().get_fields(request, obj)
        return list(dict.fromkeys(shown.get(f, f) if isinstance(f, str) else f for f in fields))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*super().get_readonly_fields(request, obj), "source_kind", "dedupe_key_shown", "payload_shown")

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
