"""Alarm levels of the integrated rescue system: Decree 328/2001 §20–§24 as a pure rule.

`propose_alarm_level` looks at the facts of one incident (or of a territory with several
sites, §20(3)) and proposes the level the decree asks for: the highest level that any
criterion reaches, with every criterion that holds cited by paragraph and letter.
No Django here: the API, the services and the tests all call the same function.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from types import MappingProxyType


class AlarmLevel(IntEnum):
    """The four alarm levels (§20(2)); the fourth, special (zvláštní), is the highest."""

    I = 1  # noqa: E741 (the decree's own name of the level)
    II = 2
    III = 3
    SPECIAL = 4

    @property
    def api_value(self) -> str:
        """The level as the API writes it: "I", "II", "III" or "special"."""
        return _API_VALUES[self]

    @classmethod
    def from_api(cls, value: str) -> AlarmLevel:
        """The level named by an API value ("I", "II", "III", "special")."""
        for level, text in _API_VALUES.items():
            if text == value:
                return level
        raise ValueError(f"unknown alarm level {value!r}")


_API_VALUES: Mapping[AlarmLevel, str] = MappingProxyType(
    {
        AlarmLevel.I: "I",
        AlarmLevel.II: "II",
        AlarmLevel.III: "III",
        AlarmLevel.SPECIAL: "special",
    }
)

# The paragraph that defines each level and the letters it has (§21–§24 (1)).
PARAGRAPHS: Mapping[AlarmLevel, str] = MappingProxyType(
    {AlarmLevel.I: "§21", AlarmLevel.II: "§22", AlarmLevel.III: "§23", AlarmLevel.SPECIAL: "§24"}
)
LETTERS: Mapping[AlarmLevel, tuple[str, ...]] = MappingProxyType(
    {
        AlarmLevel.I: ("a", "b"),
        AlarmLevel.II: ("a", "b", "c"),
        AlarmLevel.III: ("a", "b", "c"),
        AlarmLevel.SPECIAL: ("a", "b", "c", "d"),
    }
)

# Letter a): what the incident threatens. Each item names the level whose letter a)
# lists it; the words of the decree are in alarm/texts.py next to each item's text.
THREATENED_ITEMS: Mapping[str, AlarmLevel] = MappingProxyType(
    {
        "single_object": AlarmLevel.I,
        "single_vehicle": AlarmLevel.I,
        "mass_transport_vehicle": AlarmLevel.II,
        "valuable_animal_breeding": AlarmLevel.II,
        "part_of_municipality": AlarmLevel.III,
        "company_site_part": AlarmLevel.III,
        "railway_train_set": AlarmLevel.III,
        "several_livestock_farms": AlarmLevel.III,
        "river_basin": AlarmLevel.III,
        "product_pipeline": AlarmLevel.III,
        "mass_road_accident": AlarmLevel.III,
        "air_accident": AlarmLevel.III,
        "whole_municipality": AlarmLevel.SPECIAL,
    }
)

# Letter b): who does the rescue and liquidation work, lowest first.
COMPONENTS: Mapping[str, AlarmLevel] = MappingProxyType(
    {
        "basic_uncoordinated": AlarmLevel.I,
        "basic_and_other_from_region": AlarmLevel.II,
        "other_regions": AlarmLevel.III,
        "national_or_foreign_help": AlarmLevel.SPECIAL,
    }
)

# Letters c) and d): how the components are coordinated, lowest first. "none" reaches no
# level by itself: it only lets basic components count as §21 b) (no continuous
# coordination needed).
COORDINATION: Mapping[str, AlarmLevel | None] = MappingProxyType(
    {
        "none": None,
        "continuous": AlarmLevel.II,
        "staff_and_sectors": AlarmLevel.III,
        "strategic": AlarmLevel.SPECIAL,
    }
)

# Thresholds of letter a), inclusive ("nejvýše", "do"): persons and area.
PERSONS_II_MAX = 100
PERSONS_III_MAX = 1_000
AREA_I_MAX_M2 = 500.0
AREA_II_MAX_M2 = 10_000.0
AREA_III_MAX_M2 = 1_000_000.0  # 1 km²; anything larger is "nad 1 km2" (§24 a)

_RULE = re.compile(r"§(2[1-4]) ([a-d])\)")


def rule_for(level: AlarmLevel, letter: str) -> str:
    """The citation of a letter of a level's paragraph, e.g. (III, "a") → "§23 a)"."""
    if letter not in LETTERS[level]:
        raise ValueError(f"{PARAGRAPHS[level]} has no letter {letter!r}")
    return f"{PARAGRAPHS[level]} {letter})"


def level_of_rule(rule: str) -> AlarmLevel:
    """The level whose paragraph a citation names: "§23 a)" → AlarmLevel.III."""
    match = _RULE.fullmatch(rule)
    if match is None:
        raise ValueError(f"not a citation of §21–§24: {rule!r}")
    level = AlarmLevel(int(match.group(1)) - 20)
    if match.group(2) not in LETTERS[level]:
        raise ValueError(f"{PARAGRAPHS[level]} has no letter {match.group(2)!r}")
    return level


@dataclass(frozen=True)
class IncidentFacts:
    """What is known about an incident that the alarm-level criteria look at.

    Unknown `threatened` items, components or coordination values and negative or
    non-finite numbers cannot be constructed: the API refuses them before they get here.
    """

    persons_threatened: int | None
    area_m2: float | None
    complicated_objects: int = 0
    threatened: frozenset[str] = frozenset()
    components: str = "basic_uncoordinated"
    coordination: str = "none"

    def __post_init__(self) -> None:
        persons = self.persons_threatened
        if persons is not None and (not _is_int(persons) or persons < 0):
            raise ValueError(f"persons_threatened must be a whole number ≥ 0, not {persons!r}")
        area = self.area_m2
        if area is not None and (
            not isinstance(area, int | float)
            or isinstance(area, bool)
            or not math.isfinite(area)
            or area < 0
        ):
            raise ValueError(f"area_m2 must be a finite number ≥ 0, not {area!r}")
        if not _is_int(self.complicated_objects) or self.complicated_objects < 0:
            raise ValueError(
                f"complicated_objects must be a whole number ≥ 0, not {self.complicated_objects!r}"
            )
        if isinstance(self.threatened, str):
            raise ValueError("threatened must be a collection of items, not one string")
        # Callers may pass any iterable (a list from JSON, a set): store the frozenset.
        items = frozenset(self.threatened)
        unknown = sorted(str(item) for item in items if item not in THREATENED_ITEMS)
        if unknown:
            raise ValueError(f"unknown threatened items: {unknown}")
        object.__setattr__(self, "threatened", items)
        if self.components not in COMPONENTS:
            raise ValueError(f"unknown components value {self.components!r}")
        if self.coordination not in COORDINATION:
            raise ValueError(f"unknown coordination value {self.coordination!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Reason:
    """One criterion that holds: its citation, a stable code and the numbers behind it."""

    rule: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False)

    @property
    def level(self) -> AlarmLevel:
        """The level whose paragraph this reason cites."""
        return level_of_rule(self.rule)


@dataclass(frozen=True)
class Proposal:
    """The proposed level and every criterion that holds, highest level first."""

    level: AlarmLevel
    reasons: tuple[Reason, ...]


def propose_alarm_level(facts: IncidentFacts, *, individual_persons_max: int) -> Proposal:
    """The alarm level the decree asks for (the highest any criterion reaches, §20) and why.

    `individual_persons_max` is the deployment's reading of "individual persons" (§21 a),
    for which the decree gives no number: more threatened persons than that, up to 100,
    are level II (§22 a).
    """
    if not _is_int(individual_persons_max) or not 1 <= individual_persons_max <= PERSONS_II_MAX:
        raise ValueError(
            f"individual_persons_max must be between 1 and {PERSONS_II_MAX}, "
            f"not {individual_persons_max!r}"
        )
    found: list[Reason] = []
    found.extend(_persons(facts.persons_threatened, individual_persons_max))
    found.extend(_area(facts.area_m2))
    found.extend(_complicated_objects(facts.complicated_objects))
    found.extend(_threatened(facts.threatened))
    found.extend(_components(facts.components, facts.coordination))
    coordination = _coordination(facts.coordination)
    special_otherwise = any(r.level is AlarmLevel.SPECIAL for r in [*found, *coordination])
    if (
        coordination
        and coordination[0].code == "coordination_staff_and_sectors"
        and special_otherwise
    ):
        # §23 c) and §24 c) have the same words: a staff and sectors alone is III, but
        # once another criterion reaches the special level the same fact is §24 c).
        coordination = [
            Reason(rule_for(AlarmLevel.SPECIAL, "c"), "coordination_staff_and_sectors_special")
        ]
    found.extend(coordination)
    # There is always at least one reason: basic components without continuous
    # coordination are §21 b); any other components or coordination reach II or more.
    level = max(r.level for r in found)
    reasons = tuple(sorted(found, key=lambda r: -r.level))  # stable: criteria order kept
    return Proposal(level=level, reasons=reasons)


def _persons(persons: int | None, individual_max: int) -> list[Reason]:
    if not persons:
        return []
    params: dict[str, object] = {"persons": persons}
    if persons <= individual_max:
        params["individual_max"] = individual_max
        return [Reason(rule_for(AlarmLevel.I, "a"), "persons_individual", params)]
    if persons <= PERSONS_II_MAX:
        return [Reason(rule_for(AlarmLevel.II, "a"), "persons_at_most_100", params)]
    if persons <= PERSONS_III_MAX:
        return [Reason(rule_for(AlarmLevel.III, "a"), "persons_at_most_1000", params)]
    return [Reason(rule_for(AlarmLevel.SPECIAL, "a"), "persons_over_1000", params)]


def _area(area: float | None) -> list[Reason]:
    if not area:
        return []
    params: dict[str, object] = {"area_m2": area}
    if area <= AREA_I_MAX_M2:
        return [Reason(rule_for(AlarmLevel.I, "a"), "area_up_to_500_m2", params)]
    if area <= AREA_II_MAX_M2:
        return [Reason(rule_for(AlarmLevel.II, "a"), "area_up_to_10000_m2", params)]
    if area <= AREA_III_MAX_M2:
        return [Reason(rule_for(AlarmLevel.III, "a"), "area_up_to_1_km2", params)]
    return [Reason(rule_for(AlarmLevel.SPECIAL, "a"), "area_over_1_km2", params)]


def _complicated_objects(count: int) -> list[Reason]:
    if count <= 0:
        return []
    # §21 a) excludes an object with complicated intervention conditions from level I, so
    # even one such object is at least II; more than one is what §22 a) names.
    code = "complicated_object" if count == 1 else "complicated_objects"
    return [Reason(rule_for(AlarmLevel.II, "a"), code, {"count": count})]


def _threatened(items: Iterable[str]) -> list[Reason]:
    chosen = set(items)
    return [
        Reason(rule_for(level, "a"), f"threatened_{item}", {"item": item})
        for item, level in THREATENED_ITEMS.items()
        if item in chosen
    ]


def _components(components: str, coordination: str) -> list[Reason]:
    level = COMPONENTS[components]
    if level is AlarmLevel.I:
        # §21 b) holds only while the basic components need no continuous coordination.
        if coordination != "none":
            return []
        return [Reason(rule_for(AlarmLevel.I, "b"), "components_basic")]
    return [Reason(rule_for(level, "b"), f"components_{components}")]


def _coordination(coordination: str) -> list[Reason]:
    level = COORDINATION[coordination]
    if level is None:
        return []
    letter = "d" if level is AlarmLevel.SPECIAL else "c"
    return [Reason(rule_for(level, letter), f"coordination_{coordination}")]
