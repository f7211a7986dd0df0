"""Back office for staff accounts, API tokens and the (read-only) audit log."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from straz.accounts import audit, twofactor
from straz.accounts.models import ApiToken, AuditEntry, User
from straz.accounts.people import person_label
from straz.core.admin_display import code_html, json_html
from straz.core.record_kinds import record_kind_name

# django-otp's own TOTP admin shows every user's secret and QR code to any admin: a reset is
# the only thing an administrator does to another user's device (the action below, audited).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
del otp_totp_admin


# The four permissions Django creates for every model, by codename prefix.
MODEL_ACTIONS = ("add", "change", "delete", "view")


def permission_label(permission: Permission) -> str:
    """A permission in the reader's language: app | model | action.

    Django stores the names of the permissions it creates ("Can add report") in English
    when migrating; the app and model names and the four actions have translations.
    """
    model = permission.content_type.model_class()
    action = permission.codename.split("_", 1)[0]
    if model is None or action not in MODEL_ACTIONS or permission.codename != f"{action}_{model._meta.model_name}":
        return str(permission)
    words = {"add": gettext("Add"), "change": gettext("Change"), "delete": gettext("Delete"), "view": gettext("View")}
    name = model._meta.verbose_name
    # A library that names its model with a plain string (django-otp's "TOTP device") is
    # looked up in Straz's catalogue (core.upstream_strings); a lazy name is translated already.
    shown = gettext(name) if isinstance(name, str) else name
    return f"{model._meta.app_config.verbose_name} | {shown} | {words[action]}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """The permission picker of users and groups, labelled by permission_label()."""

    def label_from_instance(self, obj: Any) -> str:
        return permission_label(obj)


def _permission_field(db_field: Any, kwargs: dict[str, Any]) -> None:
    if db_field.name in ("user_permissions", "permissions"):
        kwargs["form_class"] = PermissionChoiceField


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    def formfield_for_manytomany(self, db_field: Any, request: Any = None, **kwargs: Any) -> Any:
        _permission_field(db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "rank", "first_name", "last_name", "email", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    filter_horizontal = ("districts", "groups", "user_permissions")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Role and scope"), {"fields": ("role", "districts", "language")}),
        (_("As documents name the person"), {"fields": ("rank", "function", "organisation")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("role",)}),
    )
    actions = ["reset_two_factor"]

    def formfield_for_manytomany(self, db_field: Any, request: Any = None, **kwargs: Any) -> Any:
        _permission_field(db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.action(description=_("Reset two-factor login (the user sets it up again)"))
    def reset_two_factor(self, request: HttpRequest, queryset: Any) -> None:
        actor = cast(User, request.user)
        for user in queryset:
            twofactor.remove_devices(user=user, actor=actor)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            # Field names only: never a password hash in the log.
            changed = sorted(
                f for f in (form.changed_data if form is not None else []) if "password" not in f
            )
            audit.record(
                action="user.changed" if change else "user.created",
                object_type="user",
                object_id=obj.pk,
                actor=cast(User, request.user),
                after={"role": obj.role, "is_active": obj.is_active, "changed_fields": changed},
            )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            if "districts" in form.changed_data:
                user = form.instance
                audit.record(
                    action="user.scope_changed",
                    object_type="user",
                    object_id=user.pk,
                    actor=cast(User, request.user),
                    after={"districts": sorted(user.districts.values_list("code", flat=True))},
                )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "prefix",
        "user",
        "name",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at", "read_only")
    search_fields = ("prefix", "user__username", "name")
    # Expiry and scope are set once at issue (audited); only revoking changes a token.
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued by `straz createtoken`, which shows the secret once

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            ids = list(queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True))
            ApiToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
            if ids:
                audit.record(
                    action="token.revoked",
                    object_type="api_token",
                    object_id=",".join(map(str, ids)),
                    actor=cast(User, request.user),
                    after={"count": len(ids)},
                )


class RecordKindFilter(admin.SimpleListFilter):
    """Filter by the kind of record an entry is about, named in the reader's language."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
        return sorted(((code, record_kind_name(code) or code) for code in codes), key=lambda c: c[1])

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(object_type=self.value()) if self.value() else queryset


# Fixed actor labels the services write for what no account did (audit.actor_label_for).
ACTOR_WORDS = {"system": _("system"), "citizen": _("citizen")}


def actor_shown(label: str, actor: User | None) -> Any:
    """Who acted: the account's person, a fixed word in the reader's language, or the
    stored label as recorded (a code such as `system:retention`)."""
    if actor is not None:
        return person_label(actor)
    if label in ACTOR_WORDS:
        return ACTOR_WORDS[label]
    return code_html(label)


AUDIT_FIELDS = (
    "seq",
    "at",
    "actor",
    "actor_shown",
    "actor_label_recorded",
    "action_code",
    "object_kind",
    "object_id",
    "before_shown",
    "after_shown",
    "prev_hash",
    "hash",
)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("seq", "at", "actor_shown", "action_code", "object_kind", "object_id")
    list_filter = ("action", RecordKindFilter)
    list_select_related = ("actor",)
    search_fields = ("=object_id", "actor_label", "action")
    date_hierarchy = "at"
    show_full_result_count = False
    fields = AUDIT_FIELDS
    readonly_fields = AUDIT_FIELDS

    @admin.display(description=_("actor"), ordering="actor_label")
    def actor_shown(self, obj: AuditEntry) -> Any:
        return actor_shown(obj.actor_label, obj.actor)

    @admin.display(description=_("actor as recorded"))
    def actor_label_recorded(self, obj: AuditEntry) -> Any:
        return code_html(obj.actor_label)

    @admin.display(description=_("action"), ordering="action")
    def action_code(self, obj: AuditEntry) -> Any:
        return code_html(obj.action)

    @admin.display(description=_("object type"), ordering="object_type")
    def object_kind(self, obj: AuditEntry) -> Any:
        return record_kind_name(obj.object_type) or code_html(obj.object_type)

    @admin.display(description=_("before"))
    def before_shown(self, obj: AuditEntry) -> Any:
        return json_html(obj.before)

    @admin.display(description=_("after"))
    def after_shown(self, obj: AuditEntry) -> Any:
        return json_html(obj.after)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
