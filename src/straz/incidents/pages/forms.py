"""Forms of the operations pages: they only parse the input; the services decide what is legal."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from straz.accounts.models import User
from straz.accounts.people import person_label, person_name
from straz.geo.geojson import GeoErrorCode, GeoJSONError, load_json
from straz.incidents import policy
from straz.incidents.choices import (
    OPEN_STATES,
    THREATENED_VALUES,
    AlarmLevelValue,
    CallType,
    CentreComponent,
    ComponentKind,
    ComponentOrigin,
    ComponentsInvolved,
    CoordinationLevel,
    IncidentState,
    NoticeBasis,
    SiteCoordination,
    SiteFeatureKind,
    SiteMessageLetter,
)
from straz.incidents.models import Incident, IncidentType

# What the threatened items are called in the form (§21 a – §24 a).
THREATENED_LABELS = {
    "single_object": _("A single object (or its part)"),
    "single_vehicle": _("Single personal or freight vehicles"),
    "mass_transport_vehicle": _("A means of mass passenger transport"),
    "valuable_animal_breeding": _("Valuable animal breeding"),
    "part_of_municipality": _("Part of a municipality"),
    "company_site_part": _("Part of a company site"),
    "railway_train_set": _("Railway train sets"),
    "several_livestock_farms": _("Several livestock farms"),
    "river_basin": _("River basins"),
    "product_pipeline": _("Product pipelines"),
    "mass_road_accident": _("Mass road accident"),
    "air_accident": _("Air accident"),
    "whole_municipality": _("Whole municipalities"),
}

def _blank(choices: Any, label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *list(choices)]


def commander_users() -> Any:
    """Active accounts that can be named commander (incident commanders, policy), by surname."""
    return User.objects.filter(is_active=True, role__in=policy.COMMAND_ELIGIBLE_ROLES).order_by(
        "last_name", "first_name", "username"
    )


class UserChoiceField(forms.ModelChoiceField):
    """A person shown as documents name them (rank, name, function, organisation) and the username."""

    def label_from_instance(self, obj: Any) -> str:
        label = person_label(obj)
        return label if label == obj.get_username() else f"{label} · {obj.get_username()}"


class FactsForm(forms.Form):
    """The facts the alarm-level proposal reads (§21–§24 letters a–d)."""

    persons_threatened = forms.IntegerField(
        label=_("Persons threatened"), required=False, min_value=0, max_value=100_000_000
    )
    area_m2 = forms.FloatField(
        label=_("Threatened area (m²)"), required=False, min_value=0, max_value=1e12
    )
    complicated_objects = forms.IntegerField(
        label=_("Objects with complicated intervention conditions"),
        required=False,
        min_value=0,
        max_value=100_000,
        initial=0,
    )
    threatened = forms.MultipleChoiceField(
        label=_("What is threatened"),
        required=False,
        choices=[(v, THREATENED_LABELS[v]) for v in THREATENED_VALUES],
        widget=forms.CheckboxSelectMultiple,
    )
    components = forms.ChoiceField(
        label=_("Who works at the site"),
        choices=ComponentsInvolved.choices,
        initial=ComponentsInvolved.BASIC_UNCOORDINATED,
    )
    coordination = forms.ChoiceField(
        label=_("Coordination at the site"),
        choices=SiteCoordination.choices,
        initial=SiteCoordination.NONE,
    )

    def facts(self) -> dict[str, Any]:
        """Cleaned facts as the service's keyword arguments."""
        d = self.cleaned_data
        return {
            "persons_threatened": d.get("persons_threatened"),
            "area_m2": d.get("area_m2"),
            "complicated_objects": d.get("complicated_objects") or 0,
            "threatened": list(d.get("threatened") or []),
            "components": d["components"],
            "coordination": d["coordination"],
        }


class IncidentForm(FactsForm):
    """A new incident: type, title, point (click on the map) and the facts."""

    field_order = ["type", "title", "lat", "lon", "description"]

    type = forms.ChoiceField(label=_("Type of incident"), choices=())
    title = forms.CharField(label=_("Title"), max_length=200)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    coordination_level = forms.ChoiceField(
        label=_("Coordination level"),
        choices=CoordinationLevel.choices,
        initial=CoordinationLevel.TACTICAL,
    )
    region_code = forms.CharField(label=_("Region code"), required=False, max_length=20)
    orp_code = forms.CharField(label=_("ORP code"), required=False, max_length=20)
    affected_area = forms.CharField(
        label=_("Affected area (GeoJSON polygon)"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, language: str = "cs", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["type"]).choices = _blank(
            (t.code, t.name_in(language)) for t in IncidentType.objects.filter(is_active=True)
        )
        for name in ("lat", "lon"):
            self.fields[name].widget.attrs.update({"step": "any", "inputmode": "decimal"})

    def clean_affected_area(self) -> dict[str, Any] | None:
        raw = (self.cleaned_data.get("affected_area") or "").strip()
        return parse_geometry_text(raw) if raw else None


class DeclareForm(forms.Form):
    """§20: declare a level; lower than proposed needs a written reason (the service checks)."""

    level = forms.ChoiceField(label=_("Alarm level"), choices=AlarmLevelValue.choices)
    written_reason = forms.CharField(
        label=_("Written reason (required when lower than proposed)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # §23(2)/§24: asked for only when the location names no region or ORP to notify.
    notify_by_other_means = forms.BooleanField(
        label=_("If whom to notify cannot be found from the location, I will notify them by other means"),
        required=False,
    )


class NoticeDecisionForm(forms.Form):
    """§23(2) (ADR 0028): the duty officer's decision on a proposed notice, or the commander's request."""

    notice_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    basis = forms.ChoiceField(label=_("On what basis"), choices=NoticeBasis.choices)
    decided_by = forms.CharField(label=_("Who decided or requested (name)"), max_length=150)
    decided_at = forms.DateTimeField(
        label=_("When (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("notify", _("notify")), ("decline", _("do not notify"))],
        initial="notify",
    )


class AssignCommanderForm(forms.Form):
    """§3(2): the first commander at the site."""

    commander_user = UserChoiceField(
        label=_("Commander's account"), queryset=User.objects.none(), required=False
    )
    commander_name = forms.CharField(
        label=_("Commander's name"), required=False, max_length=150,
        help_text=_("Leave empty to use the account's name."),
    )
    component = forms.ChoiceField(
        label=_("Commander's component"), required=False, choices=_blank(ComponentKind.choices)
    )
    successor_name = forms.CharField(label=_("Successor (§3(3) e)"), required=False, max_length=150)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["commander_user"]).queryset = commander_users()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = data.get("commander_user")
        if not data.get("commander_name") and user is not None:
            data["commander_name"] = person_name(user)
        if not data.get("commander_name"):
            self.add_error("commander_name", _("Name the commander or choose the account."))
        return data


class SuccessorForm(forms.Form):
    """§3(3) e): the commander names a successor in advance."""

    successor_name = forms.CharField(label=_("Successor"), max_length=150)


class HandoverForm(forms.Form):
    """§3(7): briefing by the outgoing commander and the new commander's declaration."""

    new_commander_user = UserChoiceField(
        label=_("New commander's account"), queryset=User.objects.none(), required=False
    )
    new_commander_name = forms.CharField(label=_("New commander's name"), required=False, max_length=150)
    component = forms.ChoiceField(
        label=_("New commander's component"), required=False, choices=_blank(ComponentKind.choices)
    )
    situation = forms.CharField(label=_("Situation"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    aim = forms.CharField(label=_("Aim"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    priorities = forms.CharField(
        label=_("Priorities"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    declaration = forms.CharField(
        label=_("Takeover declaration"), max_length=300, required=False,
        help_text=_("Empty: “Přebírám velení” (I take over command)."),
    )
    successor_name = forms.CharField(label=_("New successor"), required=False, max_length=150)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["new_commander_user"]).queryset = commander_users()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = data.get("new_commander_user")
        if not data.get("new_commander_name") and user is not None:
            data["new_commander_name"] = person_name(user)
        if not data.get("new_commander_name"):
            self.add_error("new_commander_name", _("Name the new commander or choose the account."))
        return data


class TakeoverForm(forms.Form):
    """§3(6): who takes over when the commander drops out, in the legal order."""

    how = forms.ChoiceField(label=_("Who takes over"), choices=())
    new_commander_name = forms.CharField(
        label=_("Representative of the responsible authority (§3(6) c)"), required=False, max_length=150
    )
    skip_reason = forms.CharField(
        label=_("Why the earlier candidates cannot take over"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    situation = forms.CharField(label=_("Situation found"), required=False, max_length=4000)

    def __init__(self, *args: Any, options: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        for o in options or []:
            who = o.name or _("name below")
            choices.append((o.how, f"{o.rule} {who}"))
        cast(forms.ChoiceField, self.fields["how"]).choices = choices


class CallComponentForm(forms.Form):
    """A component called to the site through the OPIS."""

    kind = forms.ChoiceField(label=_("Component"), choices=ComponentKind.choices)
    unit_name = forms.CharField(label=_("Unit"), required=False, max_length=150)
    people = forms.IntegerField(label=_("People"), required=False, min_value=0, max_value=100_000, initial=0)
    vehicles = forms.IntegerField(label=_("Vehicles"), required=False, min_value=0, max_value=100_000, initial=0)
    # Letter b) of §22–§24: the alarm-level proposal reads where the forces come from.
    origin = forms.ChoiceField(
        label=_("Origin"),
        required=False,
        choices=ComponentOrigin.choices,
        initial=ComponentOrigin.REGION,
    )


def equipment_lines(text: str) -> list[str]:
    """Equipment typed one item a line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CheckInForm(forms.Form):
    """§4(2): the leader reports arrival with forces and means."""

    deployment_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Component"), choices=ComponentKind.choices)
    unit_name = forms.CharField(label=_("Unit"), required=False, max_length=150)
    leader_name = forms.CharField(label=_("Leader"), max_length=150)
    origin = forms.ChoiceField(
        label=_("Origin"),
        required=False,
        choices=[("", _("As called (or from the region)")), *ComponentOrigin.choices],
    )
    people = forms.IntegerField(label=_("People"), min_value=0, max_value=100_000)
    vehicles = forms.IntegerField(label=_("Vehicles"), min_value=0, max_value=100_000)
    equipment = forms.CharField(
        label=_("Equipment (one item a line)"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CheckOutForm(forms.Form):
    """§6 h): a component leaves the site."""

    deployment_id = forms.IntegerField(min_value=1)


def parse_geometry_text(raw: str) -> dict[str, Any]:
    """A GeoJSON geometry from pasted or drawn text; the service validates its shape."""
    try:
        value = load_json(raw)
    except GeoJSONError as error:
        # "[" * 100000 would exhaust the stack; load_json refuses deep nesting instead.
        if any(e.code is GeoErrorCode.TOO_DEEP for e in error.errors):
            raise forms.ValidationError(_("The geometry is nested too deeply.")) from None
        raise forms.ValidationError(_("The geometry is not valid JSON.")) from None
    # A pasted Feature or a one-feature collection is accepted for convenience.
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    elif isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features") or []
        if len(features) != 1 or not isinstance(features[0], dict):
            raise forms.ValidationError(_("Paste exactly one geometry."))
        value = features[0].get("geometry")
    if not isinstance(value, dict):
        raise forms.ValidationError(_("The geometry must be a GeoJSON object."))
    return value


class SiteFeatureForm(forms.Form):
    """A zone or post of §5 drawn on the map (or pasted as GeoJSON)."""

    kind = forms.ChoiceField(label=_("Zone or post"), choices=SiteFeatureKind.choices)
    name = forms.CharField(label=_("Name"), required=False, max_length=150)
    parent_id = forms.TypedChoiceField(
        label=_("Sector (for a section)"), required=False, coerce=int, empty_value=None, choices=()
    )
    geometry = forms.CharField(
        label=_("Geometry (GeoJSON)"),
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("Drawn on the map, or paste a GeoJSON Polygon or Point."),
    )

    def __init__(self, *args: Any, sectors: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["parent_id"]).choices = _blank(sectors or [])

    def clean_geometry(self) -> Any:
        return parse_geometry_text(self.cleaned_data["geometry"])


class SiteFeatureEditForm(SiteFeatureForm):
    """A zone or post changed as the site changes (same fields, plus which one)."""

    feature_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class SiteFeatureRetireForm(forms.Form):
    """A zone or post the site no longer has (it stays on record)."""

    feature_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class AffectedAreaForm(forms.Form):
    """The affected area redrawn (drawn on the map or pasted), or cleared."""

    geometry = forms.CharField(
        label=_("Affected area (GeoJSON polygon)"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )
    clear = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("clear"):
            data["area"] = None
            return data
        raw = (data.get("geometry") or "").strip()
        if not raw:
            raise forms.ValidationError(_("Draw the affected area or paste it as GeoJSON."))
        data["area"] = parse_geometry_text(raw)
        return data


class CoordinationLevelForm(forms.Form):
    """§2: tactical, operational or strategic coordination."""

    coordination_level = forms.ChoiceField(label=_("Coordination level"), choices=CoordinationLevel.choices)


class MessageForm(forms.Form):
    """§6(1) a)–i): a typed message from the site."""

    letter = forms.ChoiceField(
        label=_("Message type (§6)"),
        choices=[(v, f"{v}) {label}") for v, label in SiteMessageLetter.choices],
    )
    text = forms.CharField(label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class LogForm(forms.Form):
    """A free-text line in the log."""

    text = forms.CharField(label=_("Log entry"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class StateForm(forms.Form):
    """reported → in progress → liquidation → closed."""

    target = forms.ChoiceField(label=_("New state"), choices=IncidentState.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)
    # Set by the closing confirmation step: closing cannot be undone (issue 9, item 3).
    confirmed = forms.BooleanField(required=False)


def _open_incident_choices(*, free_only: bool) -> list[tuple[int, str]]:
    qs = Incident.objects.filter(state__in=OPEN_STATES).only("pk", "title", "alarm_level")
    if free_only:
        qs = qs.filter(event__isnull=True)
    return [(i.pk, f"#{i.pk} {i.title}" + (f" · {i.alarm_level}" if i.alarm_level else "")) for i in qs.order_by("-pk")[:500]]


class EventForm(forms.Form):
    """§20(3): a territory with more than one site becomes one event."""

    name = forms.CharField(label=_("Name of the event"), max_length=200)
    region_code = forms.CharField(label=_("Region code"), required=False, max_length=20)
    orp_code = forms.CharField(label=_("ORP code"), required=False, max_length=20)
    incidents = forms.TypedMultipleChoiceField(
        label=_("Sites (open incidents not yet in an event)"),
        coerce=int,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["incidents"]).choices = _open_incident_choices(free_only=True)


class AddSitesForm(forms.Form):
    """More sites for an existing event."""

    incidents = forms.TypedMultipleChoiceField(
        label=_("Add sites"), coerce=int, choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["incidents"]).choices = _open_incident_choices(free_only=True)


class CallForm(forms.Form):
    """§12: an emergency call received by a centre."""

    received_by_centre = forms.CharField(label=_("Receiving centre"), max_length=150)
    caller_phone = forms.CharField(label=_("Caller's number"), required=False, max_length=40)
    summary = forms.CharField(label=_("Summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    incident_id = forms.IntegerField(label=_("Incident number (if known)"), required=False, min_value=1)
    call_type = forms.ChoiceField(label=_("Type of call"), required=False, choices=_blank(CallType.choices))
    components_needed = forms.MultipleChoiceField(
        label=_("Components needed"),
        required=False,
        choices=CentreComponent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("More than one: the call also goes to the OPIS (§12(1))."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError(_("Give both latitude and longitude, or neither."))
        return data


class ForwardForm(forms.Form):
    """§12(1): forward the call data to the competent centre and, if needed, to the OPIS."""

    call_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    to_centre = forms.CharField(label=_("Competent centre"), max_length=150, required=False)
    to_opis = forms.CharField(label=_("OPIS (when several components are needed)"), required=False, max_length=150)
