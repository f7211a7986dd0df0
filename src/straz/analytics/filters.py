"""Filter forms shared by the statistics pages, their downloads and their APIs."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Dates outside this range are typing errors, not periods anyone means.
EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)


class PeriodFilterForm(forms.Form):
    """A filter with a period of whole days; the query parameters are `from` and `to`."""

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        # `from` is a Python keyword, so the fields are added by name.
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                input_formats=["%Y-%m-%d"],
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        for name, value in (("from", start), ("to", end)):
            if value is not None and not (EARLIEST <= value <= LATEST):
                self.add_error(name, _("Enter a date between 1990 and 2100."))
        if start and end and start > end:
            self.add_error("to", _("The end of the period must not be before its start."))
        return cleaned
