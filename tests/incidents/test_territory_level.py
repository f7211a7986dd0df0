"""Issue 8 items 13 and 14: a territory's level from its own facts (§20(3)) and the facts
the alarm-level proposal takes from the record (Decree 328/2001 §21–§24, §2 c)).

Each expectation is written from the decree's words, not computed from the code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from straz.accounts.models import User
from straz.core.errors import ValidationFailed
from straz.incidents import reporting, services
from straz.incidents.alarm.rules import (
    COMPONENT_ORIGINS,
    COORDINATION_LEVELS,
    AlarmLevel,
    IncidentFacts,
    components_from_record,
    propose_alarm_level,
    propose_territory_level,
    territory_facts,
)
from straz.incidents.alarm.texts import individual_persons_max, reason_text
from straz.incidents.choices import ComponentOrigin, ComponentsInvolved, CoordinationLevel
from straz.incidents.models import AlarmDeclaration, Incident, TimelineEntry

I, II, III, SPECIAL = AlarmLevel.I, AlarmLevel.II, AlarmLevel.III, AlarmLevel.SPECIAL  # noqa: E741
INDIVIDUAL_MAX = 10


def _site(**kwargs: Any) -> IncidentFacts:
    kwargs.setdefault("persons_threatened", None)
    kwargs.setdefault("area_m2", None)
    return IncidentFacts(**kwargs)


def _territory(*sites: IncidentFacts, regions: int = 1) -> Any:
    return propose_territory_level(sites, regions=regions, individual_persons_max=INDIVIDUAL_MAX)


# ------------------------------------------------------------------ 13: the territory's own facts


@pytest.mark.parametrize(
    ("sites", "site_level", "own_level", "own_rule"),
    [
        # 60 + 60 persons: each "at most 100" (§22 a), together "more than 100" (§23 a).
        ([{"persons_threatened": 60}, {"persons_threatened": 60}], II, III, "§23 a)"),
        # 600 + 500 persons: each at most 1,000 (§23 a), together more than 1,000 (§24 a).
        ([{"persons_threatened": 600}, {"persons_threatened": 500}], III, SPECIAL, "§24 a)"),
        # 8 + 8 persons: each individual persons (§21 a), together at most 100 (§22 a).
        ([{"persons_threatened": 8}, {"persons_threatened": 8}], I, II, "§22 a)"),
        # 6,000 + 6,000 m²: each up to 10,000 m² (§22 a), together up to 1 km² (§23 a).
        ([{"area_m2": 6_000}, {"area_m2": 6_000}], II, III, "§23 a)"),
        # 400 + 400 m²: each up to 500 m² (§21 a), together up to 10,000 m² (§22 a).
        ([{"area_m2": 400}, {"area_m2": 400}], I, II, "§22 a)"),
    ],
)
def test_sums_over_the_sites_cross_a_threshold_no_site_reaches(
    sites: list[dict[str, Any]], site_level: AlarmLevel, own_level: AlarmLevel, own_rule: str
) -> None:
    proposal = _territory(*(_site(**s) for s in sites))
    assert proposal.highest_site is site_level
    assert proposal.own.level is own_level
    assert own_rule in [r.rule for r in proposal.own.reasons]
    assert proposal.level is own_level  # the higher of the two readings


def test_the_higher_reading_wins_and_both_keep_their_citations() -> None:
    """A site at III (an air accident) and 30 + 20 persons: the site reading is higher."""
    proposal = _territory(
        _site(persons_threatened=30, threatened=frozenset({"air_accident"})),
        _site(persons_threatened=20),
    )
    assert proposal.highest_site is III
    assert proposal.level is III
    assert proposal.sites[0].reasons[0].rule == "§23 a)"
    persons = [r for r in proposal.own.reasons if r.code.startswith("persons_")]
    assert [(r.rule, dict(r.params)) for r in persons] == [("§22 a)", {"persons": 50})]


def test_unknown_numbers_stay_unknown_and_known_ones_add_up() -> None:
    facts = territory_facts([_site(), _site(persons_threatened=7, area_m2=10.5), _site(area_m2=4)])
    assert facts.persons_threatened == 7
    assert facts.area_m2 == 14.5
    assert territory_facts([_site(), _site()]).persons_threatened is None


def test_sites_in_several_regions_use_forces_of_several_regions() -> None:
    """§23 b): forces and means from other regions are used for the one territory."""
    one = _territory(_site(), _site(), regions=1)
    assert one.level is I
    two = _territory(_site(), _site(), regions=2)
    assert two.level is III
    (reason,) = [r for r in two.own.reasons if r.rule == "§23 b)"]
    assert reason.code == "components_several_regions"
    assert dict(reason.params) == {"regions": 2}
    assert "§21 b)" not in [r.rule for r in two.own.reasons]
    with translation.override("en"):
        assert "2 regions" in reason_text(reason)


def test_components_and_coordination_of_any_site_count_for_the_territory() -> None:
    proposal = _territory(
        _site(components="basic_and_other_from_region"),
        _site(coordination_level="strategic"),
    )
    assert proposal.level is SPECIAL
    rules = [r.rule for r in proposal.own.reasons]
    assert "§24 d)" in rules and "§22 b)" in rules


# ------------------------------------------------------------------ 14: strategic coordination


def test_strategic_coordination_level_proposes_the_special_level() -> None:
    """§24 d): a joint intervention coordinated at the strategic level (§2 c)."""
    tactical = propose_alarm_level(
        _site(persons_threatened=3), individual_persons_max=INDIVIDUAL_MAX
    )
    assert tactical.level is I
    strategic = propose_alarm_level(
        _site(persons_threatened=3, coordination_level="strategic"),
        individual_persons_max=INDIVIDUAL_MAX,
    )
    assert strategic.level is SPECIAL
    assert strategic.reasons[0].rule == "§24 d)"
    # Basic components needing no coordination (§21 b) do not hold at the strategic level.
    assert "§21 b)" not in [r.rule for r in strategic.reasons]


def test_staff_and_sectors_becomes_24_c_next_to_strategic_coordination() -> None:
    proposal = propose_alarm_level(
        _site(coordination="staff_and_sectors", coordination_level="strategic"),
        individual_persons_max=INDIVIDUAL_MAX,
    )
    assert sorted(r.rule for r in proposal.reasons) == ["§24 c)", "§24 d)"]


# ------------------------------------------------------------------ 14: components from the record


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ([], None),
        ([(True, "region"), (True, "region")], "basic_uncoordinated"),
        ([(True, "region"), (False, "region")], "basic_and_other_from_region"),
        ([(True, "region"), (True, "other_region")], "other_regions"),
        ([(False, "region"), (True, "other_help")], "national_or_foreign_help"),
        ([(True, "foreign")], "national_or_foreign_help"),
    ],
)
def test_components_from_record(record: list[tuple[bool, str]], expected: str | None) -> None:
    assert components_from_record(record) == expected


def test_the_record_wins_over_a_contradicting_claim_and_is_noted() -> None:
    claim_low = propose_alarm_level(
        _site(components="basic_uncoordinated", components_recorded="basic_and_other_from_region"),
        individual_persons_max=INDIVIDUAL_MAX,
    )
    assert claim_low.level is II
    assert [r.rule for r in claim_low.reasons] == ["§22 b)"]
    assert [(n.code, dict(n.params)) for n in claim_low.notes] == [
        (
            "components_claim_contradicts_record",
            {"claimed": "basic_uncoordinated", "recorded": "basic_and_other_from_region"},
        )
    ]
    claim_high = propose_alarm_level(
        _site(components="national_or_foreign_help", components_recorded="basic_uncoordinated"),
        individual_persons_max=INDIVIDUAL_MAX,
    )
    assert claim_high.level is I
    assert [n.code for n in claim_high.notes] == ["components_claim_contradicts_record"]
    agreeing = propose_alarm_level(
        _site(components="other_regions", components_recorded="other_regions"),
        individual_persons_max=INDIVIDUAL_MAX,
    )
    assert agreeing.level is III and agreeing.notes == ()


# ------------------------------------------------------------------ 14: individual persons


@pytest.mark.parametrize(
    ("persons", "level", "rule"),
    [(99, I, "§21 a)"), (100, II, "§22 a)"), (101, III, "§23 a)")],
)
def test_widest_individual_persons_setting_leaves_100_persons_at_level_two(
    persons: int, level: AlarmLevel, rule: str
) -> None:
    """§22 a) "nejvýše 100 osob": 100 persons are level II under any setting."""
    proposal = propose_alarm_level(_site(persons_threatened=persons), individual_persons_max=99)
    assert proposal.level is level
    assert proposal.reasons[0].rule == rule


def test_an_individual_persons_setting_of_100_is_refused(settings: Any) -> None:
    with pytest.raises(ValueError, match="individual_persons_max"):
        propose_alarm_level(_site(persons_threatened=100), individual_persons_max=100)
    settings.STRAZ = {**settings.STRAZ, "IZS_INDIVIDUAL_PERSONS_MAX": 100}
    with pytest.raises(ImproperlyConfigured):
        individual_persons_max()
    settings.STRAZ = {**settings.STRAZ, "IZS_INDIVIDUAL_PERSONS_MAX": 99}
    assert individual_persons_max() == 99


# ------------------------------------------------------------------ 14: one complicated object


def test_one_complicated_object_is_at_least_two_citing_21_a_not_22_a() -> None:
    """§21 a) excludes "objekt, kde jsou složité podmínky pro zásah" from level I, so one
    such object is at least II; §22 a) names "více jak jeden objekt" and is not cited."""
    one = propose_alarm_level(_site(complicated_objects=1), individual_persons_max=INDIVIDUAL_MAX)
    assert one.level is II
    assert "§22 a)" not in [r.rule for r in one.reasons]
    assert [(r.rule, r.code) for r in one.reasons if r.level is II] == [
        ("§21 a)", "complicated_object_excluded_from_i")
    ]
    assert one.notes == ()
    with translation.override("en"):
        text = reason_text(one.reasons[0])
    assert "§21 a)" in text and "at least II" in text
    two = propose_alarm_level(_site(complicated_objects=2), individual_persons_max=INDIVIDUAL_MAX)
    assert two.level is II
    assert [(r.rule, r.code) for r in two.reasons if r.level is II] == [
        ("§22 a)", "complicated_objects")
    ]


def test_a_territory_reads_one_complicated_object_as_one() -> None:
    """One object on one site and none elsewhere: the territory has one (1 + 0 = 1), so
    both readings are II by the exclusion in §21 a), and neither cites §22 a)."""
    proposal = _territory(_site(complicated_objects=1), _site(persons_threatened=3))
    assert proposal.own_facts.complicated_objects == 1
    assert (proposal.highest_site, proposal.own.level, proposal.level) == (II, II, II)
    for reading in (proposal.sites[0], proposal.own):
        assert [(r.rule, dict(r.params)) for r in reading.reasons if r.level is II] == [
            ("§21 a)", {"count": 1})
        ]
    assert "§22 a)" not in [r.rule for p in (*proposal.sites, proposal.own) for r in p.reasons]
    assert proposal.sites[1].level is I


def test_one_complicated_object_at_each_of_two_sites_is_more_than_one_for_the_territory() -> None:
    """Each site has one (§21 a), at least II); the territory has two: §22 a)."""
    proposal = _territory(_site(complicated_objects=1), _site(complicated_objects=1))
    assert [p.level for p in proposal.sites] == [II, II]
    assert all(p.reasons[0].rule == "§21 a)" for p in proposal.sites)
    assert proposal.own.level is II
    assert [(r.rule, r.code, dict(r.params)) for r in proposal.own.reasons if r.level is II] == [
        ("§22 a)", "complicated_objects", {"count": 2})
    ]
    assert proposal.level is II


# ------------------------------------------------------------------ 14: other help (§22 of the Act)


def test_help_under_section_22_of_the_act_is_other_help() -> None:
    with translation.override("en"):
        label = str(ComponentsInvolved.NATIONAL_OR_FOREIGN_HELP.label)
        assert label == "Other help (§22 of Act 239/2000) or foreign help"
        proposal = propose_alarm_level(
            _site(components="national_or_foreign_help"), individual_persons_max=INDIVIDUAL_MAX
        )
        text = reason_text(proposal.reasons[0])
    assert proposal.reasons[0].rule == "§24 b)"
    assert "other help (§22 of Act 239/2000) or foreign help" in text
    assert "national" not in (label + text).lower()


# ------------------------------------------------------------------ through the services and pages


@pytest.fixture
def two_sites(make_incident: Callable[..., Incident]) -> list[Incident]:
    return [
        make_incident(title="Levý břeh", threatened=[], persons_threatened=60),
        make_incident(title="Pravý břeh", threatened=[], persons_threatened=60),
    ]


@pytest.mark.django_db
def test_a_territory_of_two_sites_below_100_persons_proposes_three(
    dispatcher: User, two_sites: list[Incident]
) -> None:
    for site in two_sites:
        assert services.propose_for_incident(site).level == "II"
    event = services.create_event(
        user=dispatcher, name="Povodně", incident_ids=[s.pk for s in two_sites]
    )
    proposal = services.propose_for_event(event)
    assert (proposal.level, proposal.highest_site_level, proposal.own_level) == ("III", "II", "III")
    own = proposal.reasons_of("territory")
    assert ("§23 a)", {"persons": 120}) in [(r["rule"], r["params"]) for r in own]
    assert {r["incident"] for r in proposal.reasons_of("site")} == {s.pk for s in two_sites}
    with translation.override("en"), pytest.raises(ValidationFailed, match="proposed level III"):
        services.declare_alarm_level(user=dispatcher, event_id=event.pk, level="II")
    declaration = services.declare_alarm_level(
        user=dispatcher, event_id=event.pk, level="III", notify_by_other_means=True
    )
    declaration.refresh_from_db()
    assert declaration.proposed_level == "III"
    assert declaration.facts["territory"]["persons_threatened"] == 120
    assert (declaration.facts["highest_site_level"], declaration.facts["own_level"]) == (
        "II",
        "III",
    )
    assert {r["reading"] for r in declaration.reasons} == {"site", "territory"}


@pytest.mark.django_db
def test_sites_with_region_codes_of_two_regions_count_two_regions(
    dispatcher: User, make_incident: Callable[..., Incident]
) -> None:
    a = make_incident(threatened=[], persons_threatened=2, region_code="CZ032")
    b = make_incident(threatened=[], persons_threatened=2, region_code="CZ020")
    event = services.create_event(user=dispatcher, name="Hranice krajů", incident_ids=[a.pk, b.pk])
    proposal = services.propose_for_event(event)
    assert proposal.level == "III"
    assert [r["params"] for r in proposal.reasons_of("territory") if r["rule"] == "§23 b)"] == [
        {"regions": 2}
    ]


@pytest.mark.django_db
def test_event_page_shows_both_readings(
    dispatcher: User, client_for: Callable[[User], Client], two_sites: list[Incident]
) -> None:
    event = services.create_event(
        user=dispatcher, name="Povodně", incident_ids=[s.pk for s in two_sites]
    )
    with translation.override("en"):
        html = (
            client_for(dispatcher)
            .get(reverse("incidents:event", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="en")
            .content.decode()
        )
    assert 'data-testid="reading-site" data-level="II"' in html
    assert 'data-testid="reading-territory" data-level="III"' in html
    assert 'data-rule="§23 a)" data-reading="territory"' in html
    assert 'data-rule="§22 a)" data-reading="site"' in html


@pytest.mark.django_db
def test_one_complicated_object_reaches_every_consumer_as_two_citing_21_a(
    dispatcher: User,
    make_incident: Callable[..., Incident],
    client_for: Callable[[User], Client],
    dispatcher_api: Any,
) -> None:
    """The site's proposal, the API, the event's two readings, the event page, the stored
    declaration and the §16 documents all show II citing §21 a), never §22 a)."""
    one = make_incident(threatened=[], persons_threatened=3, complicated_objects=1)
    other = make_incident(threatened=[], persons_threatened=2)
    site = services.propose_for_incident(one)
    assert site.level == "II"
    assert [r["rule"] for r in site.reasons] == ["§21 a)", "§21 a)", "§21 b)"]
    assert site.reasons[0]["code"] == "complicated_object_excluded_from_i"
    body = dispatcher_api.get(f"/incidents/{one.pk}/proposal").json()
    assert body["level"] == "II"
    assert "§22 a)" not in [r["rule"] for r in body["reasons"]]
    first = body["reasons"][0]
    assert (first["rule"], first["code"], first["level"]) == (
        "§21 a)",
        "complicated_object_excluded_from_i",
        "II",
    )
    assert body["notes"] == []
    with translation.override("en"), pytest.raises(ValidationFailed, match="proposed level II"):
        services.declare_alarm_level(user=dispatcher, incident_id=one.pk, level="I")

    event = services.create_event(user=dispatcher, name="Sklad", incident_ids=[one.pk, other.pk])
    proposal = services.propose_for_event(event)
    assert (proposal.level, proposal.highest_site_level, proposal.own_level) == ("II", "II", "II")
    own = [(r["rule"], r["code"], r["params"]) for r in proposal.reasons_of("territory")]
    assert ("§21 a)", "complicated_object_excluded_from_i", {"count": 1}) in own
    assert "§22 a)" not in [r["rule"] for r in proposal.reasons]
    with translation.override("en"):
        html = (
            client_for(dispatcher)
            .get(reverse("incidents:event", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="en")
            .content.decode()
        )
    assert 'data-testid="reading-territory" data-level="II"' in html
    assert 'data-rule="§21 a)" data-reading="territory"' in html
    assert 'data-rule="§22 a)"' not in html
    with translation.override("en"):
        declaration = services.declare_alarm_level(user=dispatcher, event_id=event.pk, level="II")
    declaration.refresh_from_db()
    assert declaration.proposed_level == "II"
    stored = {(r["reading"], r["rule"], r["code"]) for r in declaration.reasons}
    assert {r["level"] for r in declaration.reasons if r["rule"] == "§21 a)"} == {"I", "II"}
    assert ("territory", "§21 a)", "complicated_object_excluded_from_i") in stored
    assert ("site", "§21 a)", "complicated_object_excluded_from_i") in stored
    assert "§22 a)" not in {rule for _, rule, _ in stored}
    one.refresh_from_db()  # it now belongs to the event, whose declarations its §16 record lists
    with translation.override("en"):
        documents = [reporting.territory_document(event), reporting.report_document(one)]
    for document in documents:
        (row,) = document.declarations
        assert (row.level, row.proposed) == ("II", "II")
        cited = [r["rule"] for r in row.reasons]
        assert "§21 a)" in cited and "§22 a)" not in cited
        assert any("at least II" in r["text"] for r in row.reasons)


@pytest.mark.django_db
def test_moving_to_strategic_coordination_proposes_special(
    dispatcher: User, make_incident: Callable[..., Incident], dispatcher_api: Any
) -> None:
    incident = make_incident(threatened=[], persons_threatened=3)
    assert services.propose_for_incident(incident).level == "I"
    services.change_coordination_level(
        user=dispatcher, incident_id=incident.pk, coordination_level="strategic"
    )
    incident.refresh_from_db()
    proposal = services.propose_for_incident(incident)
    assert proposal.level == "special"
    assert proposal.reasons[0]["rule"] == "§24 d)"
    body = dispatcher_api.get(f"/incidents/{incident.pk}/proposal").json()
    assert body["level"] == "special"
    entry = TimelineEntry.objects.filter(incident=incident, kind="command").last()
    assert entry is not None and entry.data["proposed"] == "special"
    with (
        translation.override("en"),
        pytest.raises(ValidationFailed, match="proposed level special"),
    ):
        services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="I")


@pytest.mark.django_db
def test_proposal_reads_the_components_called_or_on_site(
    dispatcher: User, make_incident: Callable[..., Incident], dispatcher_api: Any
) -> None:
    incident = make_incident(threatened=[], persons_threatened=3)  # typed: basic only
    assert services.propose_for_incident(incident).level == "I"
    army = services.call_component(user=dispatcher, incident_id=incident.pk, kind="army")
    proposal = services.propose_for_incident(incident)
    assert proposal.level == "II"
    assert "§22 b)" in [r["rule"] for r in proposal.reasons]
    assert [n["code"] for n in proposal.notes] == ["components_claim_contradicts_record"]
    body = dispatcher_api.get(f"/incidents/{incident.pk}/proposal").json()
    assert [n["code"] for n in body["notes"]] == ["components_claim_contradicts_record"]
    # Forces from another region (§23 b) once they are called from there.
    services.call_component(
        user=dispatcher, incident_id=incident.pk, kind="hzs", origin="other_region"
    )
    assert services.propose_for_incident(incident).level == "III"
    # A component that left is no longer on the record of who works at the site.
    for d in incident.deployments.all():
        services.check_in_component(
            user=dispatcher,
            incident_id=incident.pk,
            kind=d.kind,
            leader_name="L",
            people=1,
            vehicles=1,
            deployment_id=d.pk,
        )
        services.check_out_component(user=dispatcher, incident_id=incident.pk, deployment_id=d.pk)
    assert services.propose_for_incident(incident).level == "I"
    assert army.pk in list(incident.deployments.values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_typed_claim_above_the_record_is_flagged_and_not_used(
    dispatcher: User, make_incident: Callable[..., Incident]
) -> None:
    incident = make_incident(
        threatened=[], persons_threatened=3, components="national_or_foreign_help"
    )
    assert services.propose_for_incident(incident).level == "special"  # nothing on record yet
    services.call_component(user=dispatcher, incident_id=incident.pk, kind="zzs")
    proposal = services.propose_for_incident(incident)
    assert proposal.level == "I"
    assert [n["code"] for n in proposal.notes] == ["components_claim_contradicts_record"]
    declaration = services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="I")
    stored = AlarmDeclaration.objects.get(pk=declaration.pk)
    assert stored.facts["components_recorded"] == "basic_uncoordinated"
    assert [n["code"] for n in stored.facts["notes"]] == ["components_claim_contradicts_record"]


@pytest.mark.django_db
def test_component_origin_is_validated_and_changes_nothing(
    dispatcher: User, make_incident: Callable[..., Incident]
) -> None:
    incident = make_incident(threatened=[], persons_threatened=3)
    with translation.override("en"), pytest.raises(ValidationFailed, match="Unknown origin"):
        services.call_component(user=dispatcher, incident_id=incident.pk, kind="hzs", origin="mars")
    assert not incident.deployments.exists()


def test_the_rule_knows_exactly_the_values_the_record_stores() -> None:
    """Origins and coordination levels are spelled once in choices.py and read by the rule."""
    assert list(ComponentOrigin.values) == list(COMPONENT_ORIGINS)
    assert list(CoordinationLevel.values) == list(COORDINATION_LEVELS)
    with pytest.raises(ValueError, match="origin"):
        components_from_record([(True, "mars")])
    with pytest.raises(ValueError, match="coordination level"):
        _site(coordination_level="global")


@pytest.mark.django_db
def test_new_incident_preview_reads_the_coordination_level(
    dispatcher: User, client_for: Callable[[User], Client]
) -> None:
    """Choosing strategic coordination (§2 c) on the new-incident form previews special."""
    client = client_for(dispatcher)
    facts = {"persons_threatened": "3", "components": "basic_uncoordinated", "coordination": "none"}
    url = reverse("incidents:proposal-preview")
    tactical = client.post(url, {**facts, "coordination_level": "tactical"}).content.decode()
    assert 'data-testid="proposal-level" data-level="I"' in tactical
    strategic = client.post(url, {**facts, "coordination_level": "strategic"}).content.decode()
    assert 'data-testid="proposal-level" data-level="special"' in strategic
    assert 'data-rule="§24 d)"' in strategic


# ------------------------------------------------------------------ properties of the territory

SITE_FACTS = st.builds(
    IncidentFacts,
    persons_threatened=st.one_of(st.none(), st.integers(min_value=0, max_value=1_500)),
    area_m2=st.one_of(st.none(), st.floats(min_value=0, max_value=2_000_000, allow_nan=False)),
    complicated_objects=st.integers(min_value=0, max_value=3),
    threatened=st.frozensets(st.sampled_from(["single_object", "mass_transport_vehicle", "river_basin"])),
    components=st.sampled_from(list(ComponentsInvolved.values)),
    coordination=st.sampled_from(["none", "continuous", "staff_and_sectors", "strategic"]),
    components_recorded=st.one_of(st.none(), st.sampled_from(list(ComponentsInvolved.values))),
    coordination_level=st.sampled_from(list(CoordinationLevel.values)),
)


@settings(max_examples=200, deadline=None)
@given(
    sites=st.lists(SITE_FACTS, min_size=2, max_size=5),
    extra=SITE_FACTS,
    regions=st.integers(min_value=0, max_value=3),
)
def test_a_territory_is_never_below_a_site_and_a_further_site_never_lowers_it(
    sites: list[IncidentFacts], extra: IncidentFacts, regions: int
) -> None:
    proposal = _territory(*sites, regions=regions)
    site_levels = [
        propose_alarm_level(s, individual_persons_max=INDIVIDUAL_MAX).level for s in sites
    ]
    assert proposal.highest_site == max(site_levels)
    assert proposal.level == max(proposal.highest_site, proposal.own.level)
    grown = _territory(*sites, extra, regions=regions)
    assert grown.level >= proposal.level
    more_regions = _territory(*sites, regions=regions + 1)
    assert more_regions.level >= proposal.level
