"""Forms of the public and staff pages; they validate at the edge with the intake rules."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from straz.core.config import straz_settings
from straz.core.errors import DomainError
from straz.reports.followers import check_follow
from straz.reports.intake import (
    check_coordinates,
    check_description,
    check_text,
    read_upload,
    sniff_attachment,
)
from straz.territory.services import geocode

# Group codes used by the category catalogue, with their public names.
CATEGORY_GROUP_LABELS = {
    "road-traffic": gettext_lazy("Road traffic"),
    "public-order": gettext_lazy("Public order"),
    "environment": gettext_lazy("Environment"),
    "animals": gettext_lazy("Animals"),
    "water": gettext_lazy("Water"),
    "railway": gettext_lazy("Railway"),
    "social": gettext_lazy("People in need"),
    "other": gettext_lazy("Other"),
}


def group_label(group: str) -> str:
    """A category group's public name (the code itself when it is not a known group)."""
    if not group:
        return str(gettext_lazy("Other"))
    return str(
        CATEGORY_GROUP_LABELS.get(group, group.replace("-", " ").replace("_", " ").capitalize())
    )


def category_groups(
    categories: list[Any], language: str | None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Categories as (group name, [(code, name), …]) in catalogue order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for category in categories:
        groups.setdefault(category.group or "", []).append(
            (category.code, category.name_in(language))
        )
    return [(group_label(group), items) for group, items in groups.items()]


def grouped_category_choices(categories: list[Any], language: str | None) -> list[tuple[str, Any]]:
    """Choices for a <select>: one <optgroup> per group, or a flat list when there is one group."""
    groups = category_groups(categories, language)
    if len(groups) == 1:
        return list(groups[0][1])
    return [(label, items) for label, items in groups]


class ReportForm(forms.Form):
    """A citizen's report: where, what, optionally when and a file; no personal data."""

    category = forms.ChoiceField(label=gettext_lazy("What is the problem?"))
    lat = forms.FloatField(required=False, widget=forms.HiddenInput(attrs={"id": "id_lat"}))
    lon = forms.FloatField(required=False, widget=forms.HiddenInput(attrs={"id": "id_lon"}))
    address_text = forms.CharField(
        label=gettext_lazy("Address or place"),
        required=False,
        max_length=250,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
                "aria-controls": "address-suggestions",
            }
        ),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "aria-describedby": "description-help description-counter"}
        ),
    )
    occurred_at = forms.DateTimeField(
        label=gettext_lazy("When did it happen? (optional)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    attachment = forms.FileField(
        label=gettext_lazy("Photo or PDF (optional)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={
                "accept": "image/jpeg,image/png,image/webp,application/pdf",
                "aria-describedby": "attachment-help",
            }
        ),
    )
    # Optional: an e-mail address to be told of status changes, only with the box ticked
    # (consent; stored apart from the report and erased, ADR 0036).
    follow_email = forms.CharField(
        label=gettext_lazy("Your e-mail (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "aria-describedby": "follow-help"}),
    )
    follow_consent = forms.BooleanField(
        label=gettext_lazy(
            "Tell me by e-mail when the status of this report changes. I agree that my e-mail "
            "address is stored for this purpose only."
        ),
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "follow-help"}),
    )
    # A key per rendered form: a double click or a retried POST files one report, not two.
    submission_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        categories: list[Any],
        language: str | None,
        site_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        self.site_url = site_url
        placeholder = ("", _("— choose a category —"))
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            placeholder,
            *grouped_category_choices(categories, language),
        ]
        max_chars = int(straz_settings().description_max_chars)
        self.fields["description"].widget.attrs["maxlength"] = str(max_chars)
        self.fields["description"].widget.attrs["data-max"] = str(max_chars)
        self.fields["attachment"].widget.attrs["data-max-bytes"] = str(
            straz_settings().max_attachment_bytes
        )
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4().hex)
        self.geocoded = False

    def clean_description(self) -> str:

        try:
            return check_description(self.cleaned_data.get("description"))
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_address_text(self) -> str:

        try:
            return check_text(
                self.cleaned_data.get("address_text"), label=_("address"), max_chars=250
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_occurred_at(self) -> Any:
        value = self.cleaned_data.get("occurred_at")
        # A few minutes of slack for clocks that run fast on phones.
        if value is not None and value > timezone.now() + timedelta(minutes=10):
            raise forms.ValidationError(_("The time of the event cannot be in the future."))
        if value is not None and value < timezone.now() - timedelta(days=366):
            raise forms.ValidationError(
                _(
                    "The time of the event is more than a year ago; please contact the police directly."
                )
            )
        return value

    def clean_attachment(self) -> Any:

        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        try:
            # Size and type from the first bytes only; the picture is decoded by the
            # report service once the rate limit has admitted the request (ADR 0022).
            sniff_attachment(read_upload(upload))
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        upload.seek(0)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["follow"] = check_follow(
                data.get("follow_email"),
                bool(data.get("follow_consent")),
                language=self.language,
                site_url=self.site_url,
            )
        except DomainError as exc:
            field = getattr(exc, "field", None)
            self.add_error(field if field in self.fields else "follow_email", exc.message)
        lat, lon = data.get("lat"), data.get("lon")
        try:
            point = check_coordinates(lat, lon)
        except DomainError as exc:
            self.add_error("address_text", exc.message)
            return data
        if point is None:
            address = data.get("address_text") or ""
            if not address and "address_text" not in self.errors:
                self.add_error(
                    "address_text",
                    _("Mark the place on the map, use your location or type an address."),
                )
                return data
            if address:
                found = geocode(text=address)
                if found is None:
                    self.add_error(
                        "address_text",
                        _("We could not find this address. Mark the place on the map instead."),
                    )
                    return data
                data["lat"], data["lon"] = found
                self.geocoded = True
        return data


class StaffFilterForm(forms.Form):
    """Filters, search and order of the staff queue (all optional)."""

    field_order = ("q", "status", "category", "district", "sort", "overdue")

    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    district = forms.ChoiceField(label=gettext_lazy("District"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Report number, or words of the description or address"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("deadline", gettext_lazy("Deadline (overdue first)")),
            ("newest", gettext_lazy("Newest first")),
            ("oldest", gettext_lazy("Oldest first")),
            ("category", gettext_lazy("Category")),
            ("status", gettext_lazy("Status")),
        ],
    )

    def __init__(
        self,
        *args: Any,
        statuses: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        districts: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        open_all = [("", _("Open reports")), ("all", _("All statuses"))]
        cast(forms.ChoiceField, self.fields["status"]).choices = [*open_all, *statuses]
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("All categories")),
            *categories,
        ]
        cast(forms.ChoiceField, self.fields["district"]).choices = [
            ("", _("All districts")),
            *districts,
        ]


class TransitionForm(forms.Form):
    """Move a report to its next status, optionally with a public and an internal note."""

    target = forms.CharField(max_length=20)
    public_note = forms.CharField(
        label=gettext_lazy("Public note (shown on the public page)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=gettext_lazy("Internal note (police only)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Set by the confirmation step; a verification result is not set without it.
    confirmed = forms.BooleanField(required=False)


class NoteForm(forms.Form):
    """An internal, police-only note."""

    text = forms.CharField(
        label=gettext_lazy("New internal note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
