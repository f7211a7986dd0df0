"""The statistics filter, shared by the page, the downloads, the charts and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from straz.accounts.models import User
from straz.analytics.filters import PeriodFilterForm
from straz.analytics.policy import PUBLIC, STAFF
from straz.analytics.threatmap.scope import StatisticsFilter, district_choices
from straz.reports.models import Category


class StatisticsFilterForm(PeriodFilterForm):
    """Period, police district and category; field names are the query parameters."""

    def __init__(self, data: Any = None, *, user: User | None = None) -> None:
        super().__init__(data)
        self.fields["district"] = forms.ModelChoiceField(
            label=_("Police district"),
            required=False,
            to_field_name="code",
            queryset=district_choices(user=user),
            empty_label=_("All districts"),
        )
        self.fields["category"] = forms.ModelChoiceField(
            label=_("Category"),
            required=False,
            to_field_name="code",
            queryset=Category.objects.order_by("order", "code"),
            empty_label=_("All categories"),
        )
        # Categories are listed by their name in the active language.
        self.fields["category"].label_from_instance = lambda c: c.name  # type: ignore[attr-defined]
        self.fields["view"] = forms.ChoiceField(
            label=_("Show"),
            required=False,
            choices=[("", _("My scope")), (PUBLIC, _("What the public sees"))],
        )

    def to_filter(self) -> StatisticsFilter:
        """The validated filter (call after is_valid())."""
        data = self.cleaned_data
        return StatisticsFilter(
            date_from=data.get("from"),
            date_to=data.get("to"),
            district=data.get("district"),
            category=data.get("category"),
        )

    def wants_public_view(self) -> bool:
        """True when a staff member asked to see the public variant."""
        return self.cleaned_data.get("view") == PUBLIC

    def error_text(self) -> str:
        """All errors as one line for plain-text and JSON answers."""
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in msgs)}" for name, msgs in self.errors.items()
        )


def audience_of(form: StatisticsFilterForm, *, user: User | None) -> str:
    """The audience the request gets: staff when logged in, unless the public view was asked for."""
    if user is None or not user.is_authenticated or form.wants_public_view():
        return PUBLIC
    return STAFF
