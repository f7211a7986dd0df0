"""Back office of the threat map: categories are editable; reports are read-only here."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.admin_display import code_html
from straz.reports.models import Category, Report, ReportEvent
from straz.reports.pages.forms import group_label
from straz.reports.public import status_label
from straz.reports.services import reapply_category_rules

RULE_FIELDS = ("public_only_when_confirmed", "public_location_approximated")


class CategoryGroupFilter(admin.SimpleListFilter):
    """Filter categories by group, named as the public pages name it."""

    title = _("group")
    parameter_name = "group"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = Category.objects.order_by().values_list("group", flat=True).distinct()
        return sorted(((code, group_label(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        return queryset if value is None else queryset.filter(group=value)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "category_code",
        "name_cs",
        "name_pl",
        "name_en",
        "catalogue",
        "group_name",
        *RULE_FIELDS,
        "is_active",
        "order",
    )
    list_filter = ("catalogue", CategoryGroupFilter, "is_active", *RULE_FIELDS)
    list_editable = ("is_active", "order")
    search_fields = ("code", "name_cs", "name_pl", "name_en")

    @admin.display(description=_("code"), ordering="code")
    def category_code(self, obj: Category) -> Any:
        return code_html(obj.code)

    @admin.display(description=_("group"), ordering="group")
    def group_name(self, obj: Category) -> str:
        return group_label(obj.group)

    def get_fields(self, request: HttpRequest, obj: Category | None = None) -> Any:
        fields = list(super().get_fields(request, obj))
        # The code is an API contract (Open311 service_code, filters); it never changes,
        # and once set it is shown as the code it is.
        if obj is None:
            return fields
        return list(dict.fromkeys("category_code" if f == "code" else f for f in fields))

    def get_readonly_fields(
        self, request: HttpRequest, obj: Category | None = None
    ) -> tuple[str, ...]:
        return ("category_code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Category | None = None) -> bool:
        return False  # reports keep their category; deactivate instead

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        before = (
            Category.objects.filter(pk=obj.pk).values(*RULE_FIELDS, "is_active").first()
            if change
            else None
        )
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                action="category.changed" if change else "category.created",
                object_type="category",
                object_id=obj.code,
                actor=cast(User, request.user),
                before=before,
                after={
                    **{f: getattr(obj, f) for f in RULE_FIELDS},
                    "is_active": obj.is_active,
                    "changed_fields": sorted(form.changed_data) if form is not None else [],
                },
            )
            # Changed public rules apply to the reports already filed (location, visibility, map).
            if before is not None and any(before[f] != getattr(obj, f) for f in RULE_FIELDS):
                reapply_category_rules(category_id=obj.pk, user=cast(User, request.user))


def _workflow_fields() -> list[str]:
    """Every field of a report except the police-only ones."""
    return [f.name for f in Report._meta.fields if f.name not in Report.POLICE_ONLY_FIELDS]


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "status_before", "status_after", "actor", "public_note")
    readonly_fields = fields

    @admin.display(description=_("from status"))
    def status_before(self, obj: ReportEvent) -> str:
        return status_label(obj.from_status)

    @admin.display(description=_("to status"))
    def status_after(self, obj: ReportEvent) -> str:
        return status_label(obj.to_status)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "category",
        "status",
        "district",
        "officer",
        "created_at",
        "read_at",
        "is_public",
        "duplicate_of",
    )
    list_filter = ("status", "is_public", "source", "category__catalogue", "category", "district")
    # Police-only fields are neither shown nor searchable here: the back office bypasses
    # restrict() and its read audit, so they are read on the staff page only (ADR 0025).
    search_fields = ("=id",)
    date_hierarchy = "created_at"
    list_select_related = ("category", "district", "officer")
    inlines = [ReportEventInline]
    show_full_result_count = False  # counting 3 M rows on every page view is slow

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return _workflow_fields()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return _workflow_fields()

    # Status, visibility and the map counts change only through the staff workflow
    # (services), which audits and keeps the aggregates exact.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.site_header = _("Straz back office")
# The browser tab says the same, not "Django site admin".
admin.site.site_title = _("Straz back office")
