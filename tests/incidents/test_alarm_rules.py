"""The alarm-level rule against the words of Decree 328/2001 §20–§24.

A table with a row for every criterion letter of §21–§24 and for every threshold, then
properties over random facts: the level never drops when the incident grows, it is the
highest level any reason reaches (§20), and every reason cites the paragraph and letter
the decree gives that criterion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from straz.incidents.alarm.rules import (
    AlarmLevel,
    IncidentFacts,
    Proposal,
    Reason,
    level_of_rule,
    propose_alarm_level,
)

I, II, III, SPECIAL = AlarmLevel.I, AlarmLevel.II, AlarmLevel.III, AlarmLevel.SPECIAL  # noqa: E741

# Written from the decree, not from the code: the letters each paragraph has (§21–§24 (1)).
DECREE_LETTERS = {"§21": "ab", "§22": "abc", "§23": "abc", "§24": "abcd"}
LEVEL_OF_PARAGRAPH = {"§21": I, "§22": II, "§23": III, "§24": SPECIAL}
# Reasons that cite an exclusion rather than a criterion, and the level they leave as the
# lowest possible: §21 a) names "jednotlivý objekt nebo jeho část, mimo objekt, kde jsou
# složité podmínky pro zásah", so even one such object cannot be level I (spec reading
# notes: "even one such object means at least II").
FLOOR_OF_CODE = {"complicated_object_excluded_from_i": II}

# Where the decree puts each `threatened` item (letter a of the paragraph named).
DECREE_ITEMS = {
    "single_object": "§21 a)",  # jednotlivý objekt nebo jeho část
    "single_vehicle": "§21 a)",  # jednotlivé dopravní prostředky osobní nebo nákladní dopravy
    "mass_transport_vehicle": "§22 a)",  # jednotlivé prostředky hromadné dopravy osob
    "valuable_animal_breeding": "§22 a)",  # cenný chov zvířat
    "part_of_municipality": "§23 a)",  # část obce
    "company_site_part": "§23 a)",  # (část) areálu podniku
    "railway_train_set": "§23 a)",  # soupravy železniční přepravy
    "several_livestock_farms": "§23 a)",  # několik chovů hospodářských zvířat
    "river_basin": "§23 a)",  # povodí řek
    "product_pipeline": "§23 a)",  # produktovody
    "mass_road_accident": "§23 a)",  # hromadná havárie v silniční dopravě
    "air_accident": "§23 a)",  # havárie v letecké dopravě
    "whole_municipality": "§24 a)",  # celé obce
}
COMPONENTS_ORDER = [
    "basic_uncoordinated",
    "basic_and_other_from_region",
    "other_regions",
    "national_or_foreign_help",
]
COORDINATION_ORDER = ["none", "continuous", "staff_and_sectors", "strategic"]

# The citation the decree gives each reason code (checked for every reason the rule emits).
RULE_OF_CODE = {
    "persons_individual": "§21 a)",
    "persons_at_most_100": "§22 a)",
    "persons_at_most_1000": "§23 a)",
    "persons_over_1000": "§24 a)",
    "area_up_to_500_m2": "§21 a)",
    "area_up_to_10000_m2": "§22 a)",
    "area_up_to_1_km2": "§23 a)",
    "area_over_1_km2": "§24 a)",
    "complicated_objects": "§22 a)",
    "complicated_object_excluded_from_i": "§21 a)",
    **{f"threatened_{item}": rule for item, rule in DECREE_ITEMS.items()},
    "components_basic": "§21 b)",
    "components_basic_and_other_from_region": "§22 b)",
    "components_other_regions": "§23 b)",
    "components_national_or_foreign_help": "§24 b)",
    "coordination_continuous": "§22 c)",
    "coordination_staff_and_sectors": "§23 c)",
    "coordination_staff_and_sectors_special": "§24 c)",
    "coordination_strategic": "§24 d)",
}

INDIVIDUAL_MAX = 10


@dataclass(frozen=True)
class Row:
    """One case: the letter it proves, the facts, the level and the citation expected."""

    proves: str
    expected: AlarmLevel
    rule: str
    facts: dict[str, Any] = field(default_factory=dict)
    individual_max: int = INDIVIDUAL_MAX


def _facts(**kwargs: Any) -> IncidentFacts:
    kwargs.setdefault("persons_threatened", None)
    kwargs.setdefault("area_m2", None)
    if isinstance(kwargs.get("threatened"), list):
        kwargs["threatened"] = frozenset(kwargs["threatened"])
    return IncidentFacts(**kwargs)


ROWS = [
    # §21 a) individual persons, a single object, single vehicles, area up to 500 m².
    Row("§21 a)", I, "§21 a)", {"persons_threatened": 1}),
    Row("§21 a)", I, "§21 a)", {"persons_threatened": 3}),
    Row("§21 a)", I, "§21 a)", {"threatened": ["single_object"]}),
    Row("§21 a)", I, "§21 a)", {"threatened": ["single_vehicle"]}),
    Row("§21 a)", I, "§21 a)", {"area_m2": 120}),
    # §21 b) basic components needing no continuous coordination (the defaults).
    Row("§21 b)", I, "§21 b)", {}),
    # §22 a) at most 100 persons; more than one object with complicated conditions (one
    # such object is excluded from §21 a), so it is at least II, cited by §21 a)); mass
    # transport; valuable breeding; area.
    Row("§22 a)", II, "§22 a)", {"persons_threatened": 50}),
    Row("one object", II, "§21 a)", {"complicated_objects": 1}),
    Row("one object", II, "§21 a)", {"threatened": ["single_object"], "complicated_objects": 1}),
    Row("§22 a)", II, "§22 a)", {"complicated_objects": 2}),
    Row("§22 a)", II, "§22 a)", {"threatened": ["single_object"], "complicated_objects": 2}),
    Row("§22 a)", II, "§22 a)", {"threatened": ["mass_transport_vehicle"]}),
    Row("§22 a)", II, "§22 a)", {"threatened": ["valuable_animal_breeding"]}),
    Row("§22 a)", II, "§22 a)", {"area_m2": 5_000}),
    # §22 b) basic and other components from the region.
    Row("§22 b)", II, "§22 b)", {"components": "basic_and_other_from_region"}),
    # §22 c) continuous coordination by the commander.
    Row("§22 c)", II, "§22 c)", {"coordination": "continuous"}),
    # §23 a) 101–1,000 persons and the listed things; area up to 1 km².
    Row("§23 a)", III, "§23 a)", {"persons_threatened": 500}),
    *[
        Row("§23 a)", III, "§23 a)", {"threatened": [item]})
        for item, rule in DECREE_ITEMS.items()
        if rule == "§23 a)"
    ],
    Row("§23 a)", III, "§23 a)", {"area_m2": 250_000}),
    # §23 b) basic and other components, or forces from other regions.
    Row("§23 b)", III, "§23 b)", {"components": "other_regions"}),
    # §23 c) a staff plus sectors and sections gives III on its own (reading notes).
    Row("§23 c)", III, "§23 c)", {"coordination": "staff_and_sectors"}),
    # §24 a) more than 1,000 persons, whole municipalities, area over 1 km².
    Row("§24 a)", SPECIAL, "§24 a)", {"persons_threatened": 5_000}),
    Row("§24 a)", SPECIAL, "§24 a)", {"threatened": ["whole_municipality"]}),
    Row("§24 a)", SPECIAL, "§24 a)", {"area_m2": 3_000_000}),
    # §24 b) forces from other regions plus help under §22 of the Act or foreign help.
    Row("§24 b)", SPECIAL, "§24 b)", {"components": "national_or_foreign_help"}),
    # §24 c) the same words as §23 c): cited at special once another criterion reaches it.
    Row(
        "§24 c)",
        SPECIAL,
        "§24 c)",
        {"coordination": "staff_and_sectors", "threatened": ["whole_municipality"]},
    ),
    Row(
        "§24 c)",
        SPECIAL,
        "§24 c)",
        {"coordination": "staff_and_sectors", "components": "national_or_foreign_help"},
    ),
    # §24 d) strategic-level coordination (§2 c).
    Row("§24 d)", SPECIAL, "§24 d)", {"coordination": "strategic"}),
    # ---- boundaries: area (inclusive "do").
    Row("boundary", I, "§21 a)", {"area_m2": 500}),
    Row("boundary", II, "§22 a)", {"area_m2": 500.5}),
    Row("boundary", II, "§22 a)", {"area_m2": 501}),
    Row("boundary", II, "§22 a)", {"area_m2": 10_000}),
    Row("boundary", III, "§23 a)", {"area_m2": 10_001}),
    Row("boundary", III, "§23 a)", {"area_m2": 1_000_000}),  # exactly 1 km²
    Row("boundary", SPECIAL, "§24 a)", {"area_m2": 1_000_000.5}),
    Row("boundary", SPECIAL, "§24 a)", {"area_m2": 1_000_001}),
    # ---- boundaries: persons ("nejvýše 100", "více jak 100 a nejvýše 1000", "více jak 1000").
    Row("boundary", II, "§22 a)", {"persons_threatened": 100}),
    Row("boundary", III, "§23 a)", {"persons_threatened": 101}),
    Row("boundary", III, "§23 a)", {"persons_threatened": 1_000}),
    Row("boundary", SPECIAL, "§24 a)", {"persons_threatened": 1_001}),
    # ---- boundaries: the individual-persons setting (§21 a has no number).
    Row("setting", I, "§21 a)", {"persons_threatened": 10}),
    Row("setting", II, "§22 a)", {"persons_threatened": 11}),
    Row("setting", I, "§21 a)", {"persons_threatened": 5}, individual_max=5),
    Row("setting", II, "§22 a)", {"persons_threatened": 6}, individual_max=5),
    Row("setting", I, "§21 a)", {"persons_threatened": 30}, individual_max=30),
    Row("setting", I, "§21 a)", {"persons_threatened": 99}, individual_max=99),
    Row("setting", II, "§22 a)", {"persons_threatened": 100}, individual_max=99),
    Row("setting", III, "§23 a)", {"persons_threatened": 101}, individual_max=99),
    # ---- nothing threatened by number: zero counts as no criterion, the defaults hold.
    Row("zero", I, "§21 b)", {"persons_threatened": 0, "area_m2": 0, "complicated_objects": 0}),
    # ---- the highest criterion wins (§20): a mix of letters and levels.
    Row(
        "§20",
        III,
        "§23 a)",
        {
            "persons_threatened": 40,
            "area_m2": 300,
            "threatened": ["single_object", "railway_train_set"],
            "coordination": "continuous",
        },
    ),
]


def _decree_level(reason: Reason) -> AlarmLevel:
    """The level a reason reaches by the decree: its paragraph's, or the floor of an exclusion."""
    return FLOOR_OF_CODE.get(reason.code, LEVEL_OF_PARAGRAPH[reason.rule.split()[0]])


def _propose(row: Row) -> Proposal:
    return propose_alarm_level(_facts(**row.facts), individual_persons_max=row.individual_max)


def test_every_criterion_letter_has_a_row() -> None:
    proven = {row.proves for row in ROWS if row.proves.startswith("§2")}
    wanted = {f"{p} {letter})" for p, letters in DECREE_LETTERS.items() for letter in letters}
    assert proven >= wanted, f"letters without a row: {sorted(wanted - proven)}"
    items = {item for row in ROWS for item in row.facts.get("threatened", [])}
    assert items == set(DECREE_ITEMS)


@pytest.mark.parametrize(
    "row", ROWS, ids=[f"{i}-{row.proves}-{row.expected.name}" for i, row in enumerate(ROWS)]
)
def test_table(row: Row) -> None:
    proposal = _propose(row)
    assert proposal.level is row.expected, proposal
    rules = [r.rule for r in proposal.reasons]
    assert row.rule in rules, f"{row.rule} not cited: {rules}"
    # The row's citation reaches the level it proves, and the first reason reaches it too.
    assert max(_decree_level(r) for r in proposal.reasons if r.rule == row.rule) is row.expected
    assert _decree_level(proposal.reasons[0]) is row.expected


def test_one_complicated_object_is_at_least_two_by_the_exclusion_in_21_a() -> None:
    """§21 a) excludes an object with complicated intervention conditions from level I, so
    even one such object means at least II; the citation is that exclusion, §21 a), not
    §22 a), which names "více jak jeden objekt" (more than one)."""
    one = propose_alarm_level(_facts(complicated_objects=1), individual_persons_max=INDIVIDUAL_MAX)
    assert one.level is II
    assert [(r.rule, r.code, r.level) for r in one.reasons] == [
        ("§21 a)", "complicated_object_excluded_from_i", II),
        ("§21 b)", "components_basic", I),
    ]
    assert dict(one.reasons[0].params) == {"count": 1}
    assert one.reasons[0].at_least is II
    assert "§22 a)" not in [r.rule for r in one.reasons]
    assert one.notes == ()
    two = propose_alarm_level(_facts(complicated_objects=2), individual_persons_max=INDIVIDUAL_MAX)
    assert two.level is II
    assert [(r.rule, r.code) for r in two.reasons if r.level is II] == [
        ("§22 a)", "complicated_objects")
    ]
    assert dict(two.reasons[0].params) == {"count": 2}
    assert "complicated_object_excluded_from_i" not in [r.code for r in two.reasons]
    assert two.notes == ()


def test_one_complicated_object_does_not_lower_a_higher_level() -> None:
    """The exclusion is a floor: a §23 a) criterion still decides III, both are cited."""
    proposal = propose_alarm_level(
        _facts(complicated_objects=1, persons_threatened=500), individual_persons_max=INDIVIDUAL_MAX
    )
    assert proposal.level is III
    assert [r.rule for r in proposal.reasons] == ["§23 a)", "§21 a)", "§21 b)"]


def test_a_floor_must_lie_above_the_level_its_citation_names() -> None:
    assert Reason("§21 a)", "x", at_least=II).level is II
    assert Reason("§22 a)", "x").level is II
    for bad in (I, "II", 2):
        with pytest.raises(ValueError, match="at_least"):
            Reason("§21 a)", "x", at_least=bad)  # type: ignore[arg-type]


def test_staff_and_sectors_alone_is_three_not_special() -> None:
    """§23 c) and §24 c) share their words; alone they give III (spec reading notes)."""
    proposal = propose_alarm_level(
        _facts(coordination="staff_and_sectors", persons_threatened=2_000),
        individual_persons_max=INDIVIDUAL_MAX,
    )
    assert proposal.level is SPECIAL
    assert {r.rule for r in proposal.reasons} == {"§24 a)", "§24 c)"}
    alone = propose_alarm_level(
        _facts(coordination="staff_and_sectors"), individual_persons_max=INDIVIDUAL_MAX
    )
    assert [r.rule for r in alone.reasons] == ["§23 c)"]


def test_basic_components_are_not_level_one_once_coordination_is_needed() -> None:
    """§21 b) is basic components *that need no continuous coordination*."""
    proposal = propose_alarm_level(
        _facts(coordination="continuous"), individual_persons_max=INDIVIDUAL_MAX
    )
    assert [r.rule for r in proposal.reasons] == ["§22 c)"]


def test_reasons_carry_the_numbers() -> None:
    proposal = propose_alarm_level(
        _facts(persons_threatened=7, area_m2=2_500.5), individual_persons_max=INDIVIDUAL_MAX
    )
    by_code = {r.code: dict(r.params) for r in proposal.reasons}
    assert by_code["persons_individual"] == {"persons": 7, "individual_max": 10}
    assert by_code["area_up_to_10000_m2"] == {"area_m2": 2_500.5}


def test_level_api_values() -> None:
    assert [level.api_value for level in AlarmLevel] == ["I", "II", "III", "special"]
    assert [AlarmLevel.from_api(v) for v in ("I", "II", "III", "special")] == list(AlarmLevel)
    with pytest.raises(ValueError, match="unknown alarm level"):
        AlarmLevel.from_api("IV")


@pytest.mark.parametrize(
    "bad",
    [
        {"persons_threatened": -1},
        {"persons_threatened": True},
        {"persons_threatened": 2.0},
        {"area_m2": -0.5},
        {"area_m2": math.nan},
        {"area_m2": math.inf},
        {"complicated_objects": -1},
        {"threatened": ["single_object", "meteor"]},
        {"threatened": "single_object"},
        {"components": "army"},
        {"coordination": "tactical"},
    ],
)
def test_impossible_facts_cannot_be_built(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        _facts(**bad)


@pytest.mark.parametrize("bad", [0, -3, 100, 101, True])
def test_individual_persons_setting_must_stay_below_the_level_two_limit(bad: Any) -> None:
    with pytest.raises(ValueError, match="individual_persons_max"):
        propose_alarm_level(_facts(persons_threatened=1), individual_persons_max=bad)


def test_citation_parser_refuses_letters_the_decree_does_not_have() -> None:
    assert level_of_rule("§24 d)") is SPECIAL
    for bad in ("§21 c)", "§23 d)", "§25 a)", "§20 a)", "23 a)"):
        with pytest.raises(ValueError):
            level_of_rule(bad)


# ------------------------------------------------------------------ properties

PERSONS = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=2_000),
    st.sampled_from([0, 1, 10, 11, 100, 101, 1_000, 1_001]),
    st.integers(min_value=0, max_value=10**12),
)
AREAS = st.one_of(
    st.none(),
    st.floats(min_value=0, max_value=3_000_000, allow_nan=False),
    st.sampled_from([0.0, 500.0, 500.01, 10_000.0, 10_000.01, 1_000_000.0, 1_000_000.01]),
    st.floats(min_value=0, max_value=1e15, allow_nan=False, allow_infinity=False),
)
FACTS = st.builds(
    IncidentFacts,
    persons_threatened=PERSONS,
    area_m2=AREAS,
    complicated_objects=st.integers(min_value=0, max_value=5),
    threatened=st.frozensets(st.sampled_from(sorted(DECREE_ITEMS))),
    components=st.sampled_from(COMPONENTS_ORDER),
    coordination=st.sampled_from(COORDINATION_ORDER),
)
INDIVIDUAL = st.integers(min_value=1, max_value=99)


def _grow(facts: IncidentFacts, how: str, amount: int, item: str) -> IncidentFacts:
    """The same incident, larger in one respect."""
    if how == "persons":
        return replace(facts, persons_threatened=(facts.persons_threatened or 0) + amount)
    if how == "area":
        return replace(facts, area_m2=(facts.area_m2 or 0.0) + amount * 37.5)
    if how == "objects":
        return replace(facts, complicated_objects=facts.complicated_objects + amount)
    if how == "threatened":
        return replace(facts, threatened=facts.threatened | {item})
    if how == "components":
        i = COMPONENTS_ORDER.index(facts.components)
        return replace(facts, components=COMPONENTS_ORDER[min(i + 1, 3)])
    i = COORDINATION_ORDER.index(facts.coordination)
    return replace(facts, coordination=COORDINATION_ORDER[min(i + 1, 3)])


@settings(max_examples=300, deadline=None)
@given(
    facts=FACTS,
    individual_max=INDIVIDUAL,
    how=st.sampled_from(["persons", "area", "objects", "threatened", "components", "coordination"]),
    amount=st.integers(min_value=0, max_value=5_000),
    item=st.sampled_from(sorted(DECREE_ITEMS)),
)
def test_growing_an_incident_never_lowers_its_level(
    facts: IncidentFacts, individual_max: int, how: str, amount: int, item: str
) -> None:
    before = propose_alarm_level(facts, individual_persons_max=individual_max)
    after = propose_alarm_level(
        _grow(facts, how, amount, item), individual_persons_max=individual_max
    )
    assert after.level >= before.level, (how, amount, item, before, after)


@settings(max_examples=300, deadline=None)
@given(facts=FACTS, individual_max=INDIVIDUAL)
def test_level_is_the_highest_reason_and_every_citation_exists(
    facts: IncidentFacts, individual_max: int
) -> None:
    proposal = propose_alarm_level(facts, individual_persons_max=individual_max)
    assert proposal.reasons, "a proposal always says why"
    levels = []
    for reason in proposal.reasons:
        paragraph, letter = reason.rule.split()
        assert paragraph in DECREE_LETTERS, reason
        assert letter.endswith(")") and letter[:-1] in DECREE_LETTERS[paragraph], reason
        assert RULE_OF_CODE[reason.code] == reason.rule, reason
        assert reason.level is _decree_level(reason), reason
        levels.append(_decree_level(reason))
    assert proposal.level == max(levels)  # §20: the highest level any criterion reaches
    assert levels == sorted(levels, reverse=True), "highest reasons first"
    assert len({r.code for r in proposal.reasons}) == len(proposal.reasons)
    # §24 c) only ever accompanies another special criterion (reading notes).
    codes = {r.code for r in proposal.reasons}
    if "coordination_staff_and_sectors_special" in codes:
        assert levels.count(SPECIAL) >= 2
    # Objects with complicated conditions: one is the §21 a) exclusion, more are §22 a).
    objects = facts.complicated_objects
    assert ("complicated_object_excluded_from_i" in codes) is (objects == 1)
    assert ("complicated_objects" in codes) is (objects > 1)
    # Each threatened item is cited exactly where the decree lists it.
    for item in facts.threatened:
        assert f"threatened_{item}" in codes


@settings(max_examples=200, deadline=None)
@given(facts=FACTS, low=INDIVIDUAL, high=INDIVIDUAL)
def test_a_wider_individual_persons_setting_never_raises_the_level(
    facts: IncidentFacts, low: int, high: int
) -> None:
    low, high = min(low, high), max(low, high)
    narrow = propose_alarm_level(facts, individual_persons_max=low)
    wide = propose_alarm_level(facts, individual_persons_max=high)
    assert wide.level <= narrow.level
