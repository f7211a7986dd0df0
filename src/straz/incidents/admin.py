"""Back office of joint interventions: incident types and operations centres are editable; records are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from straz.accounts import audit
from straz.accounts.models import User
from straz.accounts.people import shown_author
from straz.core.admin_display import StoredJsonMixin, code_html
from straz.incidents.models import (
    AlarmDeclaration,
    CallRecord,
    CommandAssignment,
    ComponentDeployment,
    Incident,
    IncidentEvent,
    IncidentReport,
    IncidentReportAmendment,
    IncidentType,
    OperationsCentre,
    SiteFeature,
    TimelineEntry,
)
from straz.incidents.policy import can_read_caller_number


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):
    list_display = ("type_code", "name_cs", "name_pl", "name_en", "is_active", "order")
    list_editable = ("is_active", "order")
    search_fields = ("code", "name_cs", "name_pl", "name_en")

    @admin.display(description=_("code"), ordering="code")
    def type_code(self, obj: IncidentType) -> Any:
        return code_html(obj.code)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        # The code is an API contract (incidents name their type by it); it never changes,
        # and once set it is shown as the code it is.
        if obj is None:
            return fields
        return list(dict.fromkeys("type_code" if f == "code" else f for f in fields))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("type_code",) if obj is not None else ()


class ReadOnlyAdmin(StoredJsonMixin, admin.ModelAdmin):
    """Records change only through the services (audit entry + timeline), never here.

    Their JSON fields (facts, reasons, geometry, parameters) are shown as stored."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "type", "state", "alarm_level", "coordination_level", "created_at")
    list_filter = ("state", "alarm_level", "type")
    search_fields = ("title",)


@admin.register(IncidentEvent)
class IncidentEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "region_code", "alarm_level", "created_at")


@admin.register(AlarmDeclaration)
class AlarmDeclarationAdmin(ReadOnlyAdmin):
    list_display = ("id", "incident", "event", "level", "proposed_level", "declared_by_person", "declared_at")
    list_filter = ("level",)
    list_select_related = ("incident", "event", "declared_by")

    @admin.display(description=_("declared by"), ordering="declared_by_label")
    def declared_by_person(self, obj: AlarmDeclaration) -> str:
        return obj.declared_by_shown


@admin.register(CommandAssignment)
class CommandAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "incident", "commander_name", "commander_user", "how", "started_at", "ended_at")


@admin.register(ComponentDeployment)
class ComponentDeploymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "incident", "kind", "leader_name", "called_at", "arrived_at", "departed_at")
    list_filter = ("kind",)


@admin.register(SiteFeature)
class SiteFeatureAdmin(ReadOnlyAdmin):
    list_display = ("id", "incident", "kind", "name", "parent", "created_at")


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "incident", "event", "at", "kind", "letter", "said", "written_by")
    list_filter = ("kind", "letter")
    list_select_related = ("incident", "event", "author")
    readonly_fields = ("said",)

    @admin.display(description=_("author"), ordering="author_label")
    def written_by(self, obj: TimelineEntry) -> str:
        return obj.author_shown

    @admin.display(description=_("Message"))
    def said(self, obj: TimelineEntry) -> str:
        """The entry as it reads in the administrator's language (ADR 0031)."""
        return obj.rendered


@admin.register(CallRecord)
class CallRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "received_at", "received_by_centre", "forwarded_to_centre", "forwarded_at")

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        # The caller's number follows the same rule here as on the page and in the API.
        return () if can_read_caller_number(request.user) else ("caller_phone",)


CENTRE_FIELDS = ("component", "name", "region_code", "is_opis", "active")


@admin.register(OperationsCentre)
class OperationsCentreAdmin(admin.ModelAdmin):
    """The centres §12 forwards calls to, per region; every change is audited."""

    list_display = ("name", "component", "region_code", "is_opis", "active")
    list_filter = ("component", "is_opis", "active")
    search_fields = ("name", "region_code")

    def save_model(self, request: HttpRequest, obj: OperationsCentre, form: Any, change: bool) -> None:
        before = OperationsCentre.objects.filter(pk=obj.pk).values(*CENTRE_FIELDS).first() if change else None
        with audit.audited_transaction():
            super().save_model(request, obj, form, change)
            audit.record(
                action="operations_centre.changed" if change else "operations_centre.created",
                object_type="operations_centre",
                object_id=obj.pk,
                actor=request.user if isinstance(request.user, User) else None,
                before=before,
                after=model_to_dict(obj, fields=CENTRE_FIELDS),
            )

    def delete_model(self, request: HttpRequest, obj: OperationsCentre) -> None:
        with audit.audited_transaction():
            before = model_to_dict(obj, fields=CENTRE_FIELDS)
            pk = obj.pk
            super().delete_model(request, obj)
            audit.record(
                action="operations_centre.deleted",
                object_type="operations_centre",
                object_id=pk,
                actor=request.user if isinstance(request.user, User) else None,
                before=before,
                after=None,
            )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in list(queryset):
            self.delete_model(request, obj)


@admin.register(IncidentReport)
class IncidentReportAdmin(ReadOnlyAdmin):
    list_display = ("id", "incident", "status", "version", "completed_at")
    list_filter = ("status",)


@admin.register(IncidentReportAmendment)
class IncidentReportAmendmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "report", "at", "written_by")
    list_select_related = ("report", "author")

    @admin.display(description=_("author"), ordering="author_label")
    def written_by(self, obj: IncidentReportAmendment) -> str:
        return shown_author(obj.author_label, obj.author)
