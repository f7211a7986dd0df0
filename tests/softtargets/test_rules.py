"""The scoring rules: sums within probability and impact, risk = P × I, bands, the worst scenario."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from straz.softtargets import rules

SCALE = rules.parse_scale(rules.DEFAULT_SCALE)
FACTORS = [f.name for f in SCALE.factors]
scores_st = st.fixed_dictionaries({name: st.integers(1, 7) for name in FACTORS})


def test_default_scale_is_the_issues() -> None:
    assert [f.name for f in SCALE.probability] == ["accessibility", "occurrence", "complexity"]
    assert [f.name for f in SCALE.impact] == ["lives", "object", "finances", "community"]
    assert all((f.low, f.high) == (1, 7) for f in SCALE.factors)
    assert [b.name for b in SCALE.bands] == ["low", "medium", "high", "critical"]
    assert SCALE.risk_range == (3 * 4, 21 * 28)


def test_a_scenario_scored_five_everywhere_is_high() -> None:
    result = rules.score_scenario(SCALE, "x", dict.fromkeys(FACTORS, 5))
    assert (result.probability, result.impact, result.risk, result.band) == (15, 20, 300, "high")


@settings(deadline=None)
@given(scores_st)
def test_risk_is_probability_times_impact(scores: dict[str, int]) -> None:
    result = rules.score_scenario(SCALE, "s", scores)
    p = scores["accessibility"] + scores["occurrence"] + scores["complexity"]
    i = scores["lives"] + scores["object"] + scores["finances"] + scores["community"]
    assert (result.probability, result.impact, result.risk) == (p, i, p * i)
    band = [b for b in SCALE.bands if b.start <= p * i][-1]
    assert result.band == band.name


@settings(deadline=None)
@given(scores_st, st.sampled_from(FACTORS))
def test_raising_one_score_never_lowers_the_band(scores: dict[str, int], factor: str) -> None:
    if scores[factor] == 7:
        return
    order = [b.name for b in SCALE.bands]
    before = rules.score_scenario(SCALE, "s", scores)
    after = rules.score_scenario(SCALE, "s", {**scores, factor: scores[factor] + 1})
    assert after.risk > before.risk
    assert order.index(after.band) >= order.index(before.band)


@settings(deadline=None)
@given(st.lists(scores_st, min_size=1, max_size=6))
def test_overall_is_the_worst_scenario(all_scores: list[dict[str, int]]) -> None:
    results = [rules.score_scenario(SCALE, f"s{i}", s) for i, s in enumerate(all_scores)]
    worst = rules.overall(results)
    assert worst is not None and worst.risk == max(r.risk for r in results)


@settings(deadline=None)
@given(scores_st, st.sampled_from(FACTORS), st.sampled_from([0, 8, -1, 100]))
def test_a_score_out_of_range_names_its_factor(scores: dict[str, int], factor: str, bad: int) -> None:
    with pytest.raises(rules.ScoreError) as err:
        rules.score_scenario(SCALE, "s", {**scores, factor: bad})
    assert (err.value.code, err.value.factor) == ("range", factor)


def test_missing_and_unknown_factors_are_named() -> None:
    scores = dict.fromkeys(FACTORS, 3)
    del scores["finances"]
    with pytest.raises(rules.ScoreError) as err:
        rules.score_scenario(SCALE, "s", scores)
    assert (err.value.code, err.value.factor) == ("missing", "finances")
    with pytest.raises(rules.ScoreError) as err:
        rules.score_scenario(SCALE, "s", {**dict.fromkeys(FACTORS, 3), "finanses": 3})
    assert (err.value.code, err.value.factor) == ("unknown", "finanses")
    with pytest.raises(rules.ScoreError):
        rules.score_scenario(SCALE, "s", {**dict.fromkeys(FACTORS, 3), "lives": True})


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"probability": []}, "no_factors"),
        ({"impact": ["lives", "lives"]}, "duplicate_factor"),
        ({"bands": [{"name": "a", "from": 0}, {"name": "b", "from": 0}]}, "bands_not_rising"),
        ({"bands": [{"name": "a", "from": 50}]}, "lowest_risk_unbanded"),
        ({"min": 5, "max": 5}, "bad_range"),
        ({"bands": []}, "no_bands"),
        ({"probability": [f"p{i}" for i in range(31)]}, "too_many_factors"),
        ({"probability": [{"name": "p", "min": 0, "max": 10**9}]}, "too_large"),
    ],
)
def test_invalid_scales_are_refused(change: dict[str, object], code: str) -> None:
    with pytest.raises(rules.ScaleError) as err:
        rules.parse_scale({**rules.DEFAULT_SCALE, **change})
    assert err.value.code == code


def test_per_factor_ranges() -> None:
    scale = rules.parse_scale(
        {"probability": [{"name": "p", "min": 0, "max": 3}], "impact": ["i"], "min": 1, "max": 5,
         "bands": [{"name": "low", "from": 0}, {"name": "high", "from": 10}]}
    )
    assert scale.risk_range == (0, 15)
    assert rules.score_scenario(scale, "s", {"p": 3, "i": 4}).band == "high"
    assert rules.parse_scale(scale.to_json()) == scale


def test_overdue_is_after_the_deadline_day_and_unfinished() -> None:
    today = date(2026, 12, 3)
    assert rules.is_overdue(deadline=date(2026, 12, 2), finished=False, today=today)
    assert not rules.is_overdue(deadline=date(2026, 12, 3), finished=False, today=today)
    assert not rules.is_overdue(deadline=date(2026, 12, 2), finished=True, today=today)
    assert not rules.is_overdue(deadline=None, finished=False, today=today)
