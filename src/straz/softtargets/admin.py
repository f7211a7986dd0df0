"""Back office of soft targets: the registry, scales and clearances, read-only.

Changes go through the pages and the API (services: permission, audit). The restricted
design part — RestrictedPart, Assessment, Measure — has no back-office list at all: the
admin site does not read through restrict(), and an administrator without clearance for a
target must not read its design part (ADR 0042)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from straz.core.admin_display import StoredJsonMixin
from straz.softtargets.models import Clearance, RiskScale, SoftTarget


class ReadOnlyAdmin(StoredJsonMixin, admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SoftTarget)
class SoftTargetAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "district", "city_district", "state", "public_listing")
    list_filter = ("kind", "state")
    search_fields = ("name", "operator")
    exclude = ("current_risk", "current_band")


@admin.register(RiskScale)
class RiskScaleAdmin(ReadOnlyAdmin):
    list_display = ("name", "version", "created_at")


@admin.register(Clearance)
class ClearanceAdmin(ReadOnlyAdmin):
    list_display = ("target", "user", "granted_by", "granted_at")
    list_select_related = ("target", "user", "granted_by")
