"""Preview of the alarm level (Decree 328/2001 §20–§24): facts in, level and citations out.

No side effects: nothing is stored and nothing is audited; declaring a level is a
separate, audited use case of the incidents app.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import ConfigDict, model_validator

from straz.accounts.auth import staff_auth
from straz.core.api import ErrorOut
from straz.core.errors import Forbidden, ValidationFailed
from straz.incidents import policy
from straz.incidents.alarm.rules import COMPONENTS, COORDINATION, THREATENED_ITEMS, IncidentFacts
from straz.incidents.alarm.rules import propose_alarm_level as propose
from straz.incidents.alarm.texts import individual_persons_max, proposal_payload
from straz.incidents.choices import AlarmLevelValue, literal_of

router = Router(tags=["incidents"])


# The value lists are the rule's own (rules.py), so the API cannot drift from it.
if TYPE_CHECKING:
    ThreatenedItem: TypeAlias = str
    ComponentsValue: TypeAlias = str
    CoordinationValue: TypeAlias = str
    LevelValue: TypeAlias = str
else:
    ThreatenedItem = literal_of(*THREATENED_ITEMS)
    ComponentsValue = literal_of(*COMPONENTS)
    CoordinationValue = literal_of(*COORDINATION)
    LevelValue = literal_of(*AlarmLevelValue.values)

FIELDS = (
    "persons_threatened",
    "area_m2",
    "complicated_objects",
    "threatened",
    "components",
    "coordination",
)
# Thirteen items exist; a longer list can only be repeats (harmless) or an attack.
MAX_THREATENED_ITEMS = 100


def _refuse(message: str) -> NoReturn:
    raise ValidationFailed(message)


def _shown(value: Any) -> str:
    """A refused value as the client sent it, short enough for a message."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


def _allowed(field: str, value: Any, allowed: list[str]) -> None:
    if not isinstance(value, str) or value not in allowed:
        _refuse(
            _("“%(value)s” is not an allowed value of “%(field)s”. Allowed values: %(allowed)s.")
            % {"value": _shown(value), "field": field, "allowed": ", ".join(allowed)}
        )


def _whole_number(data: dict[str, Any], field: str, *, nullable: bool) -> None:
    if field not in data or (nullable and data[field] is None):
        return
    value = data[field]
    if not isinstance(value, int) or isinstance(value, bool):
        if nullable:
            _refuse(_("“%(field)s” must be a whole number or null.") % {"field": field})
        _refuse(_("“%(field)s” must be a whole number.") % {"field": field})
    if value < 0:
        _refuse(_("“%(field)s” must not be negative.") % {"field": field})


def check_alarm_facts(data: dict[str, Any]) -> None:
    """Refuse unknown fields and values with a translated message naming the field (422)."""
    for key in data:
        if key not in FIELDS:
            _refuse(
                _("Unknown field “%(field)s”.") % {"field": _shown(key)}
                + " "
                + _("Allowed fields: %(fields)s.") % {"fields": ", ".join(FIELDS)}
            )
    _whole_number(data, "persons_threatened", nullable=True)
    area = data.get("area_m2")
    if area is not None:
        if not isinstance(area, int | float) or isinstance(area, bool) or not math.isfinite(area):
            _refuse(_("“%(field)s” must be a number or null.") % {"field": "area_m2"})
        if area < 0:
            _refuse(_("“%(field)s” must not be negative.") % {"field": "area_m2"})
    _whole_number(data, "complicated_objects", nullable=False)
    if "threatened" in data:
        items = data["threatened"]
        if not isinstance(items, list):
            _refuse(_("“%(field)s” must be a list.") % {"field": "threatened"})
        if len(items) > MAX_THREATENED_ITEMS:
            _refuse(
                _("“%(field)s” may have at most %(max)s items.")
                % {"field": "threatened", "max": MAX_THREATENED_ITEMS}
            )
        for item in items:
            _allowed("threatened", item, list(THREATENED_ITEMS))
    if "components" in data:
        _allowed("components", data["components"], list(COMPONENTS))
    if "coordination" in data:
        _allowed("coordination", data["coordination"], list(COORDINATION))


class AlarmFactsIn(Schema):
    """The facts the alarm-level criteria of §21–§24 look at."""

    model_config = ConfigDict(extra="forbid")

    persons_threatened: int | None = Field(
        None, ge=0, strict=True, description="Number of threatened persons (letter a)."
    )
    area_m2: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="Threatened area in m² (letter a)."
    )
    complicated_objects: int = Field(
        0,
        ge=0,
        strict=True,
        description="Threatened objects with complicated intervention conditions (letter a).",
    )
    threatened: list[ThreatenedItem] = Field(
        default_factory=list,
        max_length=MAX_THREATENED_ITEMS,
        description="What else the incident threatens or is (letter a).",
    )
    components: ComponentsValue = Field(
        "basic_uncoordinated", description="Who does the rescue and liquidation work (letter b)."
    )
    coordination: CoordinationValue = Field(
        "none", description="How the components are coordinated (letters c, d)."
    )

    @model_validator(mode="before")
    @classmethod
    def _explain_refusals(cls, data: Any) -> Any:
        # Pydantic's own errors only say "invalid value"; this names the field and the
        # allowed values. ValidationFailed is no ValueError, so it reaches the API's
        # error handler as a 422 with the translated message.
        if isinstance(data, dict):
            check_alarm_facts(data)
        return data


class AlarmReasonOut(Schema):
    rule: str = Field(description="The paragraph and letter, e.g. “§23 a)”.")
    level: LevelValue = Field(
        description="The level this reason asks for: its paragraph's, or the lowest level an "
        "exclusion leaves (one object with complicated conditions cites §21 a) and asks for II)."
    )
    text: str


class AlarmLevelOut(Schema):
    level: LevelValue
    reasons: list[AlarmReasonOut]


@router.post(
    "/incidents/alarm-level",
    auth=staff_auth,
    response={200: AlarmLevelOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Propose an alarm level (preview, changes nothing)",
)
def preview_alarm_level(request: HttpRequest, payload: AlarmFactsIn) -> dict[str, Any]:
    """The level Decree 328/2001 §20–§24 asks for, with every criterion that holds cited."""
    if not policy.can_preview_alarm_level(request.user):
        raise Forbidden(_("You are not allowed to do this."))
    facts = IncidentFacts(
        persons_threatened=payload.persons_threatened,
        area_m2=payload.area_m2,
        complicated_objects=payload.complicated_objects,
        threatened=frozenset(payload.threatened),
        components=payload.components,
        coordination=payload.coordination,
    )
    return proposal_payload(propose(facts, individual_persons_max=individual_persons_max()))
