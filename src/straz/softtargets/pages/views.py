"""Staff pages of soft targets: thin views over the wing's services and selectors."""

from __future__ import annotations

import csv
import io
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from straz.accounts.models import User
from straz.core.errors import DomainError
from straz.core.intake import IncomingAttachment, sniff_type
from straz.softtargets import display, policy, rules, selectors, services
from straz.softtargets.choices import MeasureSource, TargetKind
from straz.softtargets.models import RiskScale, SoftTarget
from straz.softtargets.pages.forms import (
    ClearanceForm,
    DocumentForm,
    MeasureChangeForm,
    MeasureForm,
    RegistryFilterForm,
    RestrictedForm,
    TargetForm,
    assessment_form,
)
from straz.territory.models import Area, AreaKind
from straz.territory.services import geocode

SCENARIO_ROWS = 4


def _user(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not policy.reads_registry(user):
        raise PermissionDenied
    return user


def _manager(request: HttpRequest) -> User:
    user = _user(request)
    if not policy.manages(user):
        raise PermissionDenied
    return user


def _band_choices() -> list[tuple[str, str]]:
    return [(b, str(display.band_label(b))) for b in selectors.band_names_in_use()]


def _measure_rows(measures: list[Any]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "m": m,
            "overdue": rules.is_overdue(deadline=m.deadline, finished=m.finished, today=today),
            "form": MeasureChangeForm(initial={"state": m.state, "cost_spent": m.cost_spent}, prefix=f"m{m.pk}"),
        }
        for m in measures
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The prevention dashboard: overdue measures first, then the registry with its filters."""
    user = _user(request)
    districts = [(a.code, a.name) for a in Area.objects.filter(kind=AreaKind.POLICE_DISTRICT, is_active=True).order_by("name")]
    form = RegistryFilterForm(request.GET or None, districts=districts, bands=_band_choices())
    filters: dict[str, str] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    targets = list(selectors.registry(user, **filters))
    overdue = selectors.overdue_measures(user)
    return render(
        request,
        "softtargets/dashboard.html",
        {
            "nav": "softtargets",
            "form": form,
            "targets": [{"t": t, "band": display.band_label(t.current_band), "band_css": display.band_css(t.current_band)} for t in targets],
            "overdue": overdue,
            "overdue_elsewhere": selectors.overdue_elsewhere(user),
            "can_manage": policy.manages(user),
        },
    )


def _target_input(data: dict[str, Any]) -> services.TargetInput:
    lat, lon = data.get("lat"), data.get("lon")
    if (lat is None or lon is None) and data.get("address"):
        found = geocode(text=data["address"])
        if found is not None:
            lat, lon = found
    return services.TargetInput(
        name=data["name"], kind=data["kind"], lat=lat, lon=lon, capacity=data.get("capacity"),
        operator=data.get("operator") or "", contact_name=data.get("contact_name") or "",
        contact_phone=data.get("contact_phone") or "", contact_email=data.get("contact_email") or "",
        address=data.get("address") or "", opening_hours=data.get("opening_hours") or "",
        public_listing=data["public_listing"], state=data["state"],
    )


def _error_to_form(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@login_required
def target_new(request: HttpRequest) -> HttpResponse:
    """Register a soft target (managers); the district is routed from the place."""
    user = _manager(request)
    form = TargetForm(request.POST or None, initial={"kind": TargetKind.SCHOOL})
    if request.method == "POST" and form.is_valid():
        try:
            target = services.register_target(actor=user, data=_target_input(form.cleaned_data))
        except DomainError as error:
            _error_to_form(form, error)
        else:
            messages.success(request, _("The soft target was registered."))
            return redirect("softtargets:target", target_id=target.pk)
    return render(request, "softtargets/target_form.html", {"nav": "softtargets", "form": form, "target": None})


@login_required
def target_edit(request: HttpRequest, target_id: int) -> HttpResponse:
    _manager(request)
    user, target = _with_target(request, target_id)
    initial = {f: getattr(target, f) for f in TargetForm.base_fields}
    form = TargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_target(actor=user, target_id=target.pk, data=_target_input(form.cleaned_data))
        except DomainError as error:
            _error_to_form(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("softtargets:target", target_id=target.pk)
    return render(request, "softtargets/target_form.html", {"nav": "softtargets", "form": form, "target": target})


def _history(assessments: list[Any]) -> dict[str, Any]:
    """Assessments side by side: one column per assessment, one row per scenario name."""
    names: list[str] = []
    for a in assessments:
        for s in a.scenarios:
            if s["name"] not in names:
                names.append(s["name"])
    rows = []
    for name in names:
        cells = []
        for a in assessments:
            found = next((s for s in a.scenarios if s["name"] == name), None)
            cells.append(
                {"s": found, "band": display.band_label(found["band"]), "css": display.band_css(found["band"])}
                if found else None
            )
        rows.append({"name": name, "cells": cells})
    columns = [
        {"a": a, "band": display.band_label(a.overall_band), "css": display.band_css(a.overall_band)}
        for a in assessments
    ]
    return {"columns": columns, "rows": rows}


def _with_target(request: HttpRequest, target_id: int) -> tuple[User, SoftTarget]:
    user = _user(request)
    try:
        return user, selectors.target_for(user, target_id)
    except DomainError:
        raise Http404 from None


@login_required
def target_detail(request: HttpRequest, target_id: int) -> HttpResponse:
    """A target: registry fields for every staff member; the design part only with clearance."""
    user, target = _with_target(request, target_id)
    cleared = policy.is_cleared(user, target.pk)
    context: dict[str, Any] = {
        "nav": "softtargets",
        "target": target,
        "cleared": cleared,
        "can_manage": policy.manages(user),
        "band": display.band_label(target.current_band),
        "band_css": display.band_css(target.current_band),
    }
    if cleared:
        part = selectors.restricted_part(user, target)
        assessments = selectors.assessments(user, target) or []
        measures = selectors.measures(user, target) or []
        context.update(
            {
                "part": part,
                "restricted_form": RestrictedForm(
                    initial={"text": part.text, "vulnerabilities": part.vulnerabilities, "attackers": part.attackers}
                    if part else None
                ),
                "history": _history(list(reversed(assessments))),
                "latest": assessments[0] if assessments else None,
                "measures": _measure_rows(measures),
                "measure_form": MeasureForm(),
                "documents": selectors.documents(user, target) or [],
                "document_form": DocumentForm(prefix="doc"),
                "clearance_form": ClearanceForm(),
            }
        )
        if assessments:
            latest = assessments[0]
            scale = services.scale_of(latest.scale)
            context["matrix"] = display.risk_matrix_svg(
                scale, latest.scenarios, title=_("Risk matrix of the latest assessment")
            )
            context["latest_scenarios"] = [
                {"n": n, "s": s, "band": display.band_label(s["band"]), "css": display.band_css(s["band"])}
                for n, s in enumerate(latest.scenarios, start=1)
            ]
    elif context["can_manage"]:
        context["clearance_form"] = ClearanceForm()
    return render(request, "softtargets/target_detail.html", context)


@login_required
@require_POST
def restricted_save(request: HttpRequest, target_id: int) -> HttpResponse:
    user = _manager(request)
    form = RestrictedForm(request.POST)
    if form.is_valid():
        try:
            services.set_restricted(actor=user, target_id=target_id, **form.cleaned_data)
            messages.success(request, _("The design part was saved."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("The design part was not saved: check its length."))
    return redirect("softtargets:target", target_id=target_id)


@login_required
@require_POST
def clearance_grant(request: HttpRequest, target_id: int) -> HttpResponse:
    user = _manager(request)
    form = ClearanceForm(request.POST)
    if form.is_valid():
        try:
            services.grant_clearance(actor=user, target_id=target_id, username=form.cleaned_data["username"])
            messages.success(request, _("The clearance was granted."))
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("softtargets:target", target_id=target_id)


def _scales() -> list[RiskScale]:
    latest: dict[str, RiskScale] = {}
    for row in RiskScale.objects.order_by("name", "-version"):
        latest.setdefault(row.name, row)
    return list(latest.values())


@login_required
def assess(request: HttpRequest, target_id: int) -> HttpResponse:
    """Score scenarios on the newest version of a scale; the results are stored with it."""
    user, target = _with_target(request, target_id)
    if not policy.manages(user) or not policy.is_cleared(user, target.pk):
        raise PermissionDenied
    scales = _scales()
    chosen_name = request.GET.get("scale") or request.POST.get("scale") or rules.DEFAULT_SCALE_NAME
    row = next((s for s in scales if s.name == chosen_name), scales[0] if scales else None)
    if row is None:
        raise Http404
    scale = services.scale_of(row)
    names = [f.name for f in scale.factors]
    form_class = assessment_form(names, SCENARIO_ROWS, {f.name: (f.low, f.high) for f in scale.factors})
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        scenarios = []
        for i in range(SCENARIO_ROWS):
            name = form.cleaned_data.get(f"s{i}-name") or ""
            scores = {n: form.cleaned_data.get(f"s{i}-{n}") for n in names}
            if not name and all(v is None for v in scores.values()):
                continue
            scenarios.append({"name": name, "scores": {k: v for k, v in scores.items() if v is not None}})
        try:
            services.assess(actor=user, target_id=target.pk, scale_name=row.name, scenarios=scenarios)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The assessment was saved."))
            return redirect("softtargets:target", target_id=target.pk)
    rows = [
        {
            "name": form[f"s{i}-name"],
            "probability": [(display.factor_label(f.name), form[f"s{i}-{f.name}"]) for f in scale.probability],
            "impact": [(display.factor_label(f.name), form[f"s{i}-{f.name}"]) for f in scale.impact],
            "n": i + 1,
        }
        for i in range(SCENARIO_ROWS)
    ]
    return render(
        request,
        "softtargets/assess.html",
        {
            "nav": "softtargets", "target": target, "form": form, "rows": rows, "scale": row, "scales": scales,
            "bands": [(display.band_label(b.name), b.start) for b in scale.bands],
        },
    )


@login_required
@require_POST
def measure_add(request: HttpRequest, target_id: int) -> HttpResponse:
    user = _manager(request)
    form = MeasureForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_measure(
                actor=user, target_id=target_id,
                data=services.MeasureInput(
                    kind=data["kind"], title=data["title"], owner=data.get("owner") or "",
                    cost_planned=data.get("cost_planned") or 0, deadline=data.get("deadline"),
                    source=MeasureSource.MANUAL,
                ),
            )
            messages.success(request, _("The measure was added."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("The measure was not added: fill in its kind and name, and a valid date."))
    return redirect("softtargets:target", target_id=target_id)


@login_required
@require_POST
def measure_change(request: HttpRequest, measure_id: int) -> HttpResponse:
    user = _manager(request)
    try:
        measure = selectors.measure_for(user, measure_id)
    except DomainError:
        raise Http404 from None
    form = MeasureChangeForm(request.POST, request.FILES, prefix=f"m{measure.pk}")
    if form.is_valid():
        upload = form.cleaned_data.get("evidence")
        evidence = IncomingAttachment(name=upload.name or "", data=upload.read()) if upload else None
        try:
            services.update_measure(
                actor=user, measure_id=measure.pk, state=form.cleaned_data["state"],
                cost_spent=form.cleaned_data.get("cost_spent"), evidence=evidence,
            )
            messages.success(request, _("The measure was updated."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("The measure was not updated: check the values."))
    return redirect("softtargets:target", target_id=measure.target_id)


@login_required
def measure_evidence(request: HttpRequest, measure_id: int) -> HttpResponseBase:
    """Download a measure's evidence (users cleared for its target), never inline as HTML."""
    user = _user(request)
    try:
        measure = selectors.measure_for(user, measure_id)
    except DomainError:
        raise Http404 from None
    if not measure.evidence:
        raise Http404
    return _download(measure.evidence, f"evidence-{measure.pk}")


@login_required
@require_POST
def document_add(request: HttpRequest, target_id: int) -> HttpResponse:
    user = _manager(request)
    form = DocumentForm(request.POST, request.FILES, prefix="doc")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.add_document(
                actor=user, target_id=target_id, title=form.cleaned_data["title"],
                upload=IncomingAttachment(name=upload.name or "", data=upload.read()),
            )
            messages.success(request, _("The document was attached."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("The document was not attached: give a title and a file."))
    return redirect("softtargets:target", target_id=target_id)


@login_required
def document_download(request: HttpRequest, document_id: int) -> HttpResponseBase:
    """Download a target's document (users cleared for it), never inline as HTML."""
    user = _user(request)
    try:
        document = selectors.document_for(user, document_id)
    except DomainError:
        raise Http404 from None
    return _download(document.stored, f"document-{document.pk}")


def _download(stored: str, name: str) -> HttpResponseBase:
    handle = services.attachment_storage().open(stored, "rb")
    content_type = sniff_type(handle.read(16)) or "application/octet-stream"
    handle.seek(0)
    response = FileResponse(
        handle, content_type=content_type, as_attachment=not content_type.startswith("image/"),
        filename=f"{name}.{stored.rsplit('.', 1)[-1]}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def measures_list(request: HttpRequest) -> HttpResponse:
    """Every measure of the targets the user is cleared for, overdue ones flagged."""
    user = _user(request)
    from straz.accounts.access import restrict
    from straz.softtargets.models import Measure

    only_open = request.GET.get("open") == "1"
    rows = Measure.objects.select_related("target").order_by("deadline", "pk")
    if only_open:
        rows = rows.exclude(state__in=selectors.FINISHED)
    measures = list(restrict(rows, user, policy.READ_RESTRICTED))
    return render(
        request, "softtargets/measures.html",
        {"nav": "softtargets", "measures": _measure_rows(measures), "only_open": only_open,
         "elsewhere": selectors.overdue_elsewhere(user)},
    )


# ---------------------------------------------------------------- implementation report


def _report_context() -> dict[str, Any]:
    rows = selectors.implementation_report()
    bands = sorted({b for r in rows for b in r.bands}, key=lambda b: (b == "", list(display.BAND_NAMES).index(b) if b in display.BAND_NAMES else 99, b))
    kinds = dict(TargetKind.choices)
    lines = [
        {
            "kind": kinds.get(r.kind, r.kind),
            "district": r.city_district or _("outside city districts"),
            "targets": r.targets,
            "bands": [r.bands.get(b, 0) for b in bands],
            "done": r.done, "open": r.open, "overdue": r.overdue,
            "planned": r.planned, "spent": r.spent,
        }
        for r in rows
    ]
    totals = {
        "targets": sum(r.targets for r in rows),
        "bands": [sum(r.bands.get(b, 0) for r in rows) for b in bands],
        "done": sum(r.done for r in rows), "open": sum(r.open for r in rows),
        "overdue": sum(r.overdue for r in rows),
        "planned": sum((r.planned for r in rows), start=type(rows[0].planned)(0)) if rows else 0,
        "spent": sum((r.spent for r in rows), start=type(rows[0].spent)(0)) if rows else 0,
    }
    band_labels = [display.band_label(b) if b else _("not assessed") for b in bands]
    return {"lines": lines, "totals": totals, "band_labels": band_labels, "today": timezone.localdate()}


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The strategy's implementation part: by target kind and city district."""
    _user(request)
    return render(request, "softtargets/report.html", {"nav": "softtargets", **_report_context()})


def report_headings(band_labels: list[Any]) -> list[str]:
    return [
        _("Kind"), _("City district"), _("Soft targets"),
        *[_("Risk band: %(band)s") % {"band": str(b)} for b in band_labels],
        _("Measures done"), _("Measures open"), _("Measures overdue"),
        _("Planned (CZK)"), _("Spent (CZK)"),
    ]


@login_required
def report_csv(request: HttpRequest) -> HttpResponse:
    """The implementation part as CSV for people (semicolon, BOM, headings in the reader's language)."""
    _user(request)
    ctx = _report_context()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(report_headings([_strip(b) for b in ctx["band_labels"]]))
    for line in ctx["lines"]:
        writer.writerow([line["kind"], line["district"], line["targets"], *line["bands"], line["done"], line["open"], line["overdue"], f"{line['planned']:.2f}", f"{line['spent']:.2f}"])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mekke-cile-implementace.csv"'
    return response


def _strip(value: Any) -> str:
    from django.utils.html import strip_tags

    return strip_tags(str(value))


@login_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    """The implementation part as PDF (WeasyPrint, the page's own table, nothing fetched)."""
    _user(request)
    from weasyprint import HTML

    html = render_to_string("softtargets/report_pdf.html", {**_report_context(), "LANGUAGE_CODE": get_language()})
    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="mekke-cile-implementace.pdf"'
    return response


def _refuse_fetch(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    raise ValueError(f"external resource refused: {url[:80]}")


