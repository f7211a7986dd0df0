"""Staff pages of the §16(5) statistics: the page with tables and bars, and the CSV downloads."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.validators import RegexValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from straz.analytics.filters import PeriodFilterForm
from straz.analytics.izs import stats
from straz.incidents import policy
from straz.incidents.models import IncidentType
from straz.territory.models import Area, AreaKind

CODE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9_.-]{1,20}\Z",
    gettext_lazy("Enter a code of letters and digits (at most 20)."),
)


class IncidentStatisticsForm(PeriodFilterForm):
    """The filter of the statistics; field names are the query parameters of the page, CSV and API."""

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        language = get_language()
        type_field = forms.ModelChoiceField(
            label=gettext_lazy("Incident type"),
            required=False,
            to_field_name="code",
            queryset=IncidentType.objects.order_by("order", "code"),
            empty_label=gettext_lazy("All types"),
        )
        type_field.label_from_instance = lambda t: t.name_in(language)  # type: ignore[method-assign,assignment]
        self.fields["type"] = type_field
        self.fields["level"] = forms.ChoiceField(
            label=gettext_lazy("Highest alarm level"),
            required=False,
            choices=[("", gettext_lazy("All levels"))]
            + [(k, stats.level_label(k)) for k in stats.LEVEL_KEYS],
        )
        self.fields["region"] = forms.CharField(
            label=gettext_lazy("Region code"), required=False, max_length=20, validators=[CODE_VALIDATOR]
        )
        self.fields["orp"] = forms.CharField(
            label=gettext_lazy("ORP code"), required=False, max_length=20, validators=[CODE_VALIDATOR]
        )
        self.fields["municipality"] = forms.ModelChoiceField(
            label=gettext_lazy("Municipality"),
            required=False,
            to_field_name="code",
            queryset=Area.objects.filter(kind=AreaKind.MUNICIPALITY, is_active=True).order_by(
                "name"
            ),
            empty_label=gettext_lazy("All municipalities"),
        )
        self.fields["city_district"] = forms.ModelChoiceField(
            label=gettext_lazy("City district"),
            required=False,
            to_field_name="code",
            queryset=Area.objects.filter(kind=AreaKind.CITY_DISTRICT, is_active=True).order_by(
                "name"
            ),
            empty_label=gettext_lazy("All city districts"),
        )

    def to_filter(self) -> stats.IncidentStatisticsFilter:
        """The validated filter (call after is_valid())."""
        data = self.cleaned_data
        itype, muni, city = data.get("type"), data.get("municipality"), data.get("city_district")
        return stats.IncidentStatisticsFilter(
            date_from=data.get("from"),
            date_to=data.get("to"),
            type_code=itype.code if itype is not None else None,
            level=data.get("level") or None,
            region=data.get("region") or None,
            orp=data.get("orp") or None,
            municipality=muni.code if muni is not None else None,
            city_district=city.code if city is not None else None,
        )

    def error_text(self) -> str:
        """All errors as one line, each with its field's label."""
        parts = []
        for name, messages in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            text = " ".join(str(m) for m in messages)
            parts.append(f"{label}: {text}" if label else text)
        return "; ".join(parts)


def _private(response: HttpResponse) -> HttpResponse:
    # Staff numbers: never kept by a shared cache; the language changes the labels.
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def _refuse_unless_reader(request: HttpRequest) -> HttpResponse | None:
    if not policy.can_view_incidents(request.user):
        return HttpResponse(
            _("You are not allowed to do this."),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return None


def _with_bars(rows: list[stats.Breakdown]) -> list[tuple[stats.Breakdown, int]]:
    """Each row with its bar length in percent of the table's largest row."""
    top = max((r.incidents for r in rows), default=0)
    return [(r, round(100 * r.incidents / top) if top else 0) for r in rows]


@login_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Statistics of joint interventions (§16(5)): tables with bars, filters, downloads."""
    refused = _refuse_unless_reader(request)
    if refused is not None:
        return refused
    form = IncidentStatisticsForm(request.GET)
    if not form.is_valid():
        return _private(
            render(
                request,
                "analytics/izs/statistics.html",
                {"form": form, "result": None, "nav": "operations"},
                status=400,
            )
        )
    result = stats.compute_statistics(form.to_filter())
    query = urlencode(result.filters.as_query())
    tables = [
        {
            "slug": t,
            "title": stats.table_title(t),
            "rows": _with_bars(result.tables[t]),
            "csv_url": reverse(f"incidents_statistics:statistics-csv-{t}"),
        }
        for t in stats.TABLES
    ]
    context = {
        "form": form,
        "result": result,
        "summary": result.summary,
        "tables": tables,
        "query": query,
        "incidents_csv_url": reverse("incidents_statistics:statistics-csv-incidents"),
        "level_keys": stats.LEVEL_KEYS,
        "level_labels": [stats.level_label(k) for k in stats.LEVEL_KEYS],
        "nav": "operations",
    }
    return _private(render(request, "analytics/izs/statistics.html", context))


def _filename(stem: str) -> str:
    return f"straz-incidents-{stem}-{timezone.localtime().strftime('%Y%m%d')}.csv"


@login_required
def statistics_csv(request: HttpRequest, table: str) -> HttpResponse:
    """One table (or every incident, table 'incidents') as CSV for Excel."""
    if table not in (*stats.TABLES, "incidents"):
        raise Http404(_("No such table."))
    refused = _refuse_unless_reader(request)
    if refused is not None:
        return refused
    form = IncidentStatisticsForm(request.GET)
    if not form.is_valid():
        return _private(
            HttpResponse(
                _("Invalid filter: %(errors)s") % {"errors": form.error_text()},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        )
    result = stats.compute_statistics(form.to_filter())
    chunks = stats.incidents_csv(result) if table == "incidents" else stats.table_csv(result, table)
    response = HttpResponse("".join(chunks), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(table)}"'
    return _private(response)
