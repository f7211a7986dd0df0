"""Forms of the soft-target pages; the services do the real checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from straz.softtargets.choices import (
    MeasureKind,
    MeasureState,
    PublicListing,
    TargetKind,
    TargetState,
)

ANY = [("", _("All"))]


class RegistryFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=ANY + list(TargetKind.choices))
    district = forms.ChoiceField(label=_("Police district"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False, choices=ANY + list(TargetState.choices))
    band = forms.ChoiceField(label=_("Risk band"), required=False)

    def __init__(self, *args: Any, districts: list[tuple[str, str]], bands: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = ANY + districts  # type: ignore[attr-defined]
        self.fields["band"].choices = ANY + bands  # type: ignore[attr-defined]


class TargetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=TargetKind.choices)
    address = forms.CharField(
        label=_("Address"), max_length=250, required=False,
        help_text=_("Used to find the place when no coordinates are given."),
    )
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    capacity = forms.IntegerField(label=_("Capacity"), required=False, min_value=0, max_value=10_000_000)
    operator = forms.CharField(label=_("Operator"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=150, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), max_length=254, required=False)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=200, required=False)
    public_listing = forms.ChoiceField(label=_("Shown to the public"), choices=PublicListing.choices)
    state = forms.ChoiceField(label=_("State"), choices=TargetState.choices)


class RestrictedForm(forms.Form):
    text = forms.CharField(label=_("Design part"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=4000)
    vulnerabilities = forms.CharField(label=_("Vulnerabilities"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)
    attackers = forms.CharField(label=_("Attacker types"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)


class ClearanceForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeasureKind.choices)
    title = forms.CharField(label=_("Measure"), max_length=200)
    owner = forms.CharField(label=_("Owner"), max_length=150, required=False)
    cost_planned = forms.DecimalField(label=_("Planned cost (CZK)"), required=False, min_value=0, max_digits=12, decimal_places=2)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class MeasureChangeForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=MeasureState.choices)
    cost_spent = forms.DecimalField(label=_("Money spent (CZK)"), required=False, min_value=0, max_digits=12, decimal_places=2)
    evidence = forms.FileField(label=_("Evidence (photo or PDF)"), required=False)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File (photo or PDF)"))


def assessment_form(factor_names: list[str], rows: int, low_high: dict[str, tuple[int, int]]) -> type[forms.Form]:
    """A form with `rows` scenarios, each a name and a score per factor of the scale."""
    fields: dict[str, Any] = {}
    for i in range(rows):
        fields[f"s{i}-name"] = forms.CharField(label=_("Scenario"), max_length=200, required=i == 0)
        for name in factor_names:
            low, high = low_high[name]
            fields[f"s{i}-{name}"] = forms.TypedChoiceField(
                label=name, required=False, coerce=int, empty_value=None,
                choices=[("", "—")] + [(str(v), str(v)) for v in range(low, high + 1)],
            )
    return type("AssessmentForm", (forms.Form,), fields)
