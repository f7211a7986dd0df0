"""Back office for areas, officers and the gazetteer."""

from __future__ import annotations

from django.contrib import admin

from straz.territory.models import AddressPoint, Area, Officer, Place


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "name",
        "code",
        "kind",
        "parent",
        "population",
        "primary_officer",
        "is_active",
        "updated_at",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent", "primary_officer")
    readonly_fields = ("min_lon", "min_lat", "max_lon", "max_lat", "updated_at")
    # The polygon is edited by importing GeoJSON (`straz import-areas`), which validates it.
    exclude = ("geometry",)

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "rank", "phone", "email", "user")
    list_filter = ("districts",)
    search_fields = ("name", "email", "phone")
    filter_horizontal = ("districts",)
    raw_id_fields = ("user",)


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "lat", "lon", "area")
    list_filter = ("kind", "area")
    search_fields = ("name", "normalised_name")
    fieldsets = ((None, {"fields": ("name", "kind", "lat", "lon", "area")}),)


@admin.register(AddressPoint)
class AddressPointAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Imported address points: read only; `straz import-addresses` replaces them."""

    list_display = ("__str__", "municipality_code", "postcode", "lat", "lon")
    search_fields = ("street", "part", "municipality", "=municipality_code", "=source_code")
    list_per_page = 50
    show_full_result_count = False  # counting millions of rows on every page is slow

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
