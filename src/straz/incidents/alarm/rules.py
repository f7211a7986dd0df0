"""Alarm levels of the integrated rescue system: Decree 328/2001 §20–§24 as a pure rule.

`propose_alarm_level` looks at the facts of one incident and proposes the level the
decree asks for: the highest level that any criterion reaches (or that an exclusion
leaves as the lowest possible, Reason.at_least), with every criterion that holds cited by
paragraph and letter. `propose_territory_level` does the same for a
territory with more than one site (§20(3)): it reads the sites one by one and the
territory's own facts (summed over its sites) and proposes the higher (ADR 0030).
`components_from_record` turns the components actually called or on site into the value
of letter b) (the record wins over a typed claim; a contradiction is noted).
No Django here: the API, the services and the tests all call the same function.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
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

# Letter b): who does the rescue and liquidation work, lowest first. The last value keeps
# its historical spelling (stored rows and API clients use it) but means §24 b): "other
# help" (ostatní pomoc) under §22 of Act 239/2000, or foreign help.
COMPONENTS: Mapping[str, AlarmLevel] = MappingProxyType(
    {
        "basic_uncoordinated": AlarmLevel.I,
        "basic_and_other_from_region": AlarmLevel.II,
        "other_regions": AlarmLevel.III,
        "national_or_foreign_help": AlarmLevel.SPECIAL,
    }
)

# Where a component called to the site comes from, and the value of letter b) that its
# presence makes true: from the incident's own region it adds nothing beyond its kind
# (basic or other); from another region it is §23 b); other help (§22 of Act 239/2000)
# or foreign help is §24 b).
COMPONENT_ORIGINS: Mapping[str, str | None] = MappingProxyType(
    {
        "region": None,
        "other_region": "other_regions",
        "other_help": "national_or_foreign_help",
        "foreign": "national_or_foreign_help",
    }
)

# §2: the level at which the joint intervention is coordinated, lowest first; the
# strategic level (§2 c) is what §24 d) names.
COORDINATION_LEVELS: tuple[str, ...] = ("tactical", "operational", "strategic")

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

# Thresholds of letter a), inclusive ("nejvýše", "do"): persons and area. The deployment's
# "individual persons" boundary (§21 a), ADR 0010) must stay below PERSONS_II_MAX, or
# "at most 100 persons" (§22 a) could never hold.
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
    # What the record says about letter b): the components called or on site, through
    # components_from_record; None when nothing is recorded yet (the typed claim stands).
    components_recorded: str | None = None
    # §2: the level coordinating the joint intervention; "strategic" is §24 d).
    coordination_level: str = "tactical"

    @property
    def components_used(self) -> str:
        """The value of letter b) the proposal reads: the record when there is one."""
        return self.components if self.components_recorded is None else self.components_recorded

    @property
    def strategic(self) -> bool:
        """Coordination at the strategic level (§2 c), typed as the site's or as the incident's level."""
        return self.coordination == "strategic" or self.coordination_level == "strategic"

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
        if self.components_recorded is not None and self.components_recorded not in COMPONENTS:
            raise ValueError(f"unknown recorded components value {self.components_recorded!r}")
        if self.coordination_level not in COORDINATION_LEVELS:
            raise ValueError(f"unknown coordination level {self.coordination_level!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Reason:
    """One criterion that holds: its citation, a stable code and the numbers behind it.

    Most reasons reach the level of the paragraph they cite. An exclusion is the other
    kind: it cites the letter that shuts a fact out of a level and carries `at_least`, the
    lowest level the fact leaves possible (one object with complicated intervention
    conditions cites §21 a), which excludes it from level I, and is at least II).
    """

    rule: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False)
    at_least: AlarmLevel | None = None

    def __post_init__(self) -> None:
        if self.at_least is None:
            return
        cited = level_of_rule(self.rule)
        if not isinstance(self.at_least, AlarmLevel) or self.at_least <= cited:
            raise ValueError(
                f"at_least must be an alarm level above {cited.api_value} ({self.rule}), "
                f"not {self.at_least!r}"
            )

    @property
    def level(self) -> AlarmLevel:
        """The level this reason asks for: its paragraph's, or the floor an exclusion leaves."""
        return self.at_least if self.at_least is not None else level_of_rule(self.rule)


@dataclass(frozen=True)
class Note:
    """Something the dispatcher should know that is no criterion: a stable code and its numbers."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Proposal:
    """The proposed level and every criterion that holds, highest level first, and notes."""

    level: AlarmLevel
    reasons: tuple[Reason, ...]
    notes: tuple[Note, ...] = ()


# The largest "individual persons" boundary the rule accepts: one below §22 a)'s 100.
INDIVIDUAL_PERSONS_LIMIT = PERSONS_II_MAX - 1


def check_individual_persons_max(value: object) -> int:
    """The "individual persons" boundary (§21 a), refused unless it is 1–99 (ADR 0010).

    At 100 a threat to exactly 100 persons would be "individual persons" (level I) although
    §22 a) names "at most 100 persons" for level II: the boundary must stay below 100.
    """
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 1 <= value <= INDIVIDUAL_PERSONS_LIMIT
    ):
        raise ValueError(
            f"individual_persons_max must be between 1 and {INDIVIDUAL_PERSONS_LIMIT}, not {value!r}"
        )
    return value


def propose_alarm_level(facts: IncidentFacts, *, individual_persons_max: int) -> Proposal:
    """The alarm level the decree asks for (the highest any criterion reaches, §20) and why.

    `individual_persons_max` is the deployment's reading of "individual persons" (§21 a),
    for which the decree gives no number: more threatened persons than that, up to 100,
    are level II (§22 a). It must stay below 100 (check_individual_persons_max).
    """
    check_individual_persons_max(individual_persons_max)
    notes: list[Note] = []
    found: list[Reason] = []
    found.extend(_persons(facts.persons_threatened, individual_persons_max))
    found.extend(_area(facts.area_m2))
    found.extend(_complicated_objects(facts.complicated_objects))
    found.extend(_threatened(facts.threatened))
    if facts.components_recorded is not None and facts.components_recorded != facts.components:
        notes.append(
            Note(
                "components_claim_contradicts_record",
                {"claimed": facts.components, "recorded": facts.components_recorded},
            )
        )
    site_coordination = "strategic" if facts.strategic else facts.coordination
    found.extend(_components(facts.components_used, site_coordination))
    coordination = _coordination(facts.coordination)
    if facts.strategic and facts.coordination != "strategic":
        # §24 d): the incident was moved to strategic coordination (§2 c) while the
        # site's own coordination says less; both hold.
        coordination.append(Reason(rule_for(AlarmLevel.SPECIAL, "d"), "coordination_strategic"))
    special_otherwise = any(r.level is AlarmLevel.SPECIAL for r in [*found, *coordination])
    if (
        coordination
        and coordination[0].code == "coordination_staff_and_sectors"
        and special_otherwise
    ):
        # §23 c) and §24 c) have the same words: a staff and sectors alone is III, but
        # once another criterion reaches the special level the same fact is §24 c).
        coordination[0] = Reason(
            rule_for(AlarmLevel.SPECIAL, "c"), "coordination_staff_and_sectors_special"
        )
    found.extend(coordination)
    return _proposal(found, notes)


def _proposal(found: Sequence[Reason], notes: Sequence[Note] = ()) -> Proposal:
    # There is always at least one reason: basic components without continuous
    # coordination are §21 b); any other components or coordination reach II or more.
    level = max(r.level for r in found)
    reasons = tuple(sorted(found, key=lambda r: -r.level))  # stable: criteria order kept
    return Proposal(level=level, reasons=reasons, notes=tuple(notes))


# ---------------------------------------------------------------- letter b) from the record


def components_from_record(deployments: Iterable[tuple[bool, str]]) -> str | None:
    """The value of letter b) that the components called or on site make true.

    Each deployment is (is_basic, origin) with origin one of COMPONENT_ORIGINS. None when
    nothing is recorded: then the typed claim stands (at the first call-out, §20(3), the
    level is declared before anyone arrives).
    """
    best: str | None = None
    for is_basic, origin in deployments:
        if origin not in COMPONENT_ORIGINS:
            raise ValueError(f"unknown component origin {origin!r}")
        value = COMPONENT_ORIGINS[origin] or (
            "basic_uncoordinated" if is_basic else "basic_and_other_from_region"
        )
        if best is None or COMPONENTS[value] > COMPONENTS[best]:
            best = value
    return best


# ---------------------------------------------------------------- a territory (§20(3))


@dataclass(frozen=True)
class TerritoryProposal:
    """Both readings of a territory with several sites, and the higher of them (ADR 0030).

    `sites` holds each site's proposal in the order the sites were given; `highest_site`
    is the highest of their levels; `own` reads the territory's own facts.
    """

    level: AlarmLevel
    highest_site: AlarmLevel
    sites: tuple[Proposal, ...]
    own: Proposal
    own_facts: IncidentFacts


def _sum_or_none(values: Iterable[int | float | None]) -> int | float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def territory_facts(sites: Sequence[IncidentFacts]) -> IncidentFacts:
    """The facts of a territory as one: persons, area and complicated objects summed over
    its sites, the threatened items of all of them, and the highest components and
    coordination of any (a record of components wins over a claim, site by site)."""
    if not sites:
        raise ValueError("a territory has at least one site")
    persons = _sum_or_none(s.persons_threatened for s in sites)
    components = max((s.components_used for s in sites), key=lambda c: COMPONENTS[c])
    order = list(COORDINATION)
    return IncidentFacts(
        persons_threatened=None if persons is None else int(persons),
        area_m2=_sum_or_none(s.area_m2 for s in sites),
        complicated_objects=sum(s.complicated_objects for s in sites),
        threatened=frozenset().union(*(s.threatened for s in sites)),
        components=components,
        coordination=max((s.coordination for s in sites), key=order.index),
        coordination_level=max(
            (s.coordination_level for s in sites), key=COORDINATION_LEVELS.index
        ),
    )


def propose_territory_level(
    sites: Sequence[IncidentFacts], *, regions: int, individual_persons_max: int
) -> TerritoryProposal:
    """The level of a territory with several sites (§20(3)): the higher of two readings.

    The highest level any site reaches on its own facts, and the level §21–§24 give the
    territory's own facts (territory_facts). When its sites lie in more than one region
    (`regions`), forces of more than one region work on the one territory: §23 b).
    """
    if not _is_int(regions) or regions < 0:
        raise ValueError(f"regions must be a whole number ≥ 0, not {regions!r}")
    per_site = tuple(
        propose_alarm_level(s, individual_persons_max=individual_persons_max) for s in sites
    )
    facts = territory_facts(sites)
    own = propose_alarm_level(facts, individual_persons_max=individual_persons_max)
    if regions > 1 and COMPONENTS[facts.components] < AlarmLevel.III:
        # The components of each region may each be "from the region" of their own site,
        # but the territory uses forces of several regions: §23 b) (ADR 0030).
        found = [r for r in own.reasons if r.code != "components_basic"]
        found.append(
            Reason(rule_for(AlarmLevel.III, "b"), "components_several_regions", {"regions": regions})
        )
        own = _proposal(found, own.notes)
    highest = max(p.level for p in per_site)
    return TerritoryProposal(
        level=max(highest, own.level),
        highest_site=highest,
        sites=per_site,
        own=own,
        own_facts=facts,
    )


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
    if count == 0:
        return []
    if count == 1:
        # §21 a) names "jednotlivý objekt … mimo objekt, kde jsou složité podmínky pro
        # zásah": one such object is excluded from level I, so it is at least II. The
        # citation is that exclusion; §22 a) names only more than one (ADR 0030).
        return [
            Reason(
                rule_for(AlarmLevel.I, "a"),
                "complicated_object_excluded_from_i",
                {"count": count},
                at_least=AlarmLevel.II,
            )
        ]
    # §22 a): "více jak jeden objekt se složitými podmínkami pro zásah", more than one.
    return [Reason(rule_for(AlarmLevel.II, "a"), "complicated_objects", {"count": count})]


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
