"""What Decree 328/2001 fixes, pinned with literal values and both sides of each boundary.

The thresholds of §21–§24 letter a), who §23(2), §24(2)–(3) and §13 f) tell, the parts of
the §16(4) report and the 14-day deadline of §16(2) are written out here as numbers and
words, not read back from the rule modules.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from straz.accounts.models import User
from straz.demo.territory import create_izs_areas
from straz.incidents import reporting, services
from straz.incidents.alarm.recipients import (
    Notice,
    Place,
    Scope,
    notices_for,
    notifies,
    place_of,
    targets,
    unresolved,
)
from straz.incidents.alarm.rules import AlarmLevel, IncidentFacts, propose_alarm_level
from straz.incidents.models import IncidentReport
from straz.incidents.reporting.requirement import report_due_at, requirement_for
from straz.notifications.models import OutboxMessage
from tests.incidents.test_report import _closed_incident

PRAGUE = ZoneInfo("Europe/Prague")
IN_PLZEN = {"lat": 49.7477, "lon": 13.3776}


def _propose(individual_max: int = 10, **facts: Any) -> Any:
    return propose_alarm_level(
        IncidentFacts(**{"persons_threatened": None, "area_m2": None, **facts}),
        individual_persons_max=individual_max,
    )


def _codes(proposal: Any) -> list[tuple[str, str]]:
    return [(r.rule, r.code) for r in proposal.reasons]


# ---------------------------------------------------------------- §21–§24 a): area in m²


@pytest.mark.parametrize(
    ("area", "level", "rule", "code"),
    [
        (0.5, AlarmLevel.I, "§21 a)", "area_up_to_500_m2"),
        (500.0, AlarmLevel.I, "§21 a)", "area_up_to_500_m2"),
        (500.001, AlarmLevel.II, "§22 a)", "area_up_to_10000_m2"),
        (9_999.99, AlarmLevel.II, "§22 a)", "area_up_to_10000_m2"),
        (10_000.0, AlarmLevel.II, "§22 a)", "area_up_to_10000_m2"),
        (10_000.01, AlarmLevel.III, "§23 a)", "area_up_to_1_km2"),
        (1_000_000.0, AlarmLevel.III, "§23 a)", "area_up_to_1_km2"),
        (1_000_000.1, AlarmLevel.SPECIAL, "§24 a)", "area_over_1_km2"),
    ],
)
def test_area_boundaries_hold_for_fractions(area: float, level: AlarmLevel, rule: str, code: str) -> None:
    proposal = _propose(area_m2=area)
    assert proposal.level is level
    cited = [r for r in proposal.reasons if r.code.startswith("area_")]
    assert [(r.rule, r.code, dict(r.params)) for r in cited] == [(rule, code, {"area_m2": area})]


# ---------------------------------------------------------------- §21–§24 a): persons


@pytest.mark.parametrize(
    ("persons", "level", "rule", "code"),
    [
        (1, AlarmLevel.I, "§21 a)", "persons_individual"),
        (10, AlarmLevel.I, "§21 a)", "persons_individual"),
        (11, AlarmLevel.II, "§22 a)", "persons_at_most_100"),
        (100, AlarmLevel.II, "§22 a)", "persons_at_most_100"),
        (101, AlarmLevel.III, "§23 a)", "persons_at_most_1000"),
        (1_000, AlarmLevel.III, "§23 a)", "persons_at_most_1000"),
        (1_001, AlarmLevel.SPECIAL, "§24 a)", "persons_over_1000"),
    ],
)
def test_persons_boundaries(persons: int, level: AlarmLevel, rule: str, code: str) -> None:
    proposal = _propose(individual_max=10, persons_threatened=persons)
    assert proposal.level is level
    cited = [(r.rule, r.code) for r in proposal.reasons if r.code.startswith("persons_")]
    assert cited == [(rule, code)]


def test_individual_persons_cite_the_deployments_reading() -> None:
    (reason,) = [r for r in _propose(individual_max=7, persons_threatened=7).reasons if r.code.startswith("persons")]
    assert dict(reason.params) == {"persons": 7, "individual_max": 7}
    (reason,) = [r for r in _propose(individual_max=7, persons_threatened=8).reasons if r.code.startswith("persons")]
    assert dict(reason.params) == {"persons": 8}


@pytest.mark.parametrize("individual_max", [1, 99])
def test_the_individual_persons_reading_may_span_1_to_99(individual_max: int) -> None:
    """Below 100: "at most 100 persons" is §22 a) (ADR 0010)."""
    proposal = _propose(individual_max=individual_max, persons_threatened=individual_max)
    assert proposal.level is AlarmLevel.I


@pytest.mark.parametrize("bad", [0, 100, 101, True, 5.0])
def test_the_individual_persons_reading_outside_1_to_99_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match="individual_persons_max"):
        _propose(individual_max=bad, persons_threatened=1)


@pytest.mark.parametrize(
    "facts",
    [
        {"persons_threatened": 0},
        {"area_m2": 0.0},
        {"area_m2": 0},
        {"persons_threatened": 0, "area_m2": 0.0},
        {"persons_threatened": None, "area_m2": None},
    ],
)
def test_nobody_and_no_area_are_not_cited(facts: dict[str, Any]) -> None:
    # "Zero persons threatened" is no §21 a) reason: only the basic components are (§21 b).
    proposal = _propose(**facts)
    assert proposal.level is AlarmLevel.I
    assert _codes(proposal) == [("§21 b)", "components_basic")]


# ---------------------------------------------------------------- complicated objects


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, [("§21 b)", "components_basic")]),
        # One object: at least II by the exclusion in §21 a), not §22 a) (ADR 0030).
        (1, [("§21 a)", "complicated_object_excluded_from_i"), ("§21 b)", "components_basic")]),
        (2, [("§22 a)", "complicated_objects"), ("§21 b)", "components_basic")]),
    ],
)
def test_complicated_objects(count: int, expected: list[tuple[str, str]]) -> None:
    proposal = _propose(complicated_objects=count)
    assert _codes(proposal) == expected
    if count:
        assert dict(proposal.reasons[0].params) == {"count": count}


# ---------------------------------------------------------------- letters b) to d)


@pytest.mark.parametrize(
    ("components", "coordination", "expected"),
    [
        ("basic_uncoordinated", "none", [("§21 b)", "components_basic")]),
        ("basic_uncoordinated", "continuous", [("§22 c)", "coordination_continuous")]),
        (
            "basic_and_other_from_region",
            "none",
            [("§22 b)", "components_basic_and_other_from_region")],
        ),
        ("other_regions", "none", [("§23 b)", "components_other_regions")]),
        (
            "national_or_foreign_help",
            "staff_and_sectors",
            [
                ("§24 b)", "components_national_or_foreign_help"),
                ("§24 c)", "coordination_staff_and_sectors_special"),
            ],
        ),
        (
            "other_regions",
            "staff_and_sectors",
            [("§23 b)", "components_other_regions"), ("§23 c)", "coordination_staff_and_sectors")],
        ),
        ("basic_uncoordinated", "strategic", [("§24 d)", "coordination_strategic")]),
    ],
)
def test_components_and_coordination(
    components: str, coordination: str, expected: list[tuple[str, str]]
) -> None:
    assert _codes(_propose(components=components, coordination=coordination)) == expected


def test_reasons_are_ordered_highest_level_first_keeping_criteria_order() -> None:
    proposal = _propose(
        individual_max=10,
        persons_threatened=5,
        area_m2=20_000.0,
        complicated_objects=2,
        threatened=["single_object", "mass_transport_vehicle"],
    )
    assert proposal.level is AlarmLevel.III
    assert _codes(proposal) == [
        ("§23 a)", "area_up_to_1_km2"),
        ("§22 a)", "complicated_objects"),
        ("§22 a)", "threatened_mass_transport_vehicle"),
        ("§21 a)", "persons_individual"),
        ("§21 a)", "threatened_single_object"),
        ("§21 b)", "components_basic"),
    ]


def test_a_threatened_whole_municipality_is_special() -> None:
    proposal = _propose(threatened=["whole_municipality"])
    assert proposal.level is AlarmLevel.SPECIAL
    assert _codes(proposal)[0] == ("§24 a)", "threatened_whole_municipality")
    assert dict(proposal.reasons[0].params) == {"item": "whole_municipality"}


# ---------------------------------------------------------------- who is told


def test_who_is_told_for_each_level_of_a_site_and_a_territory() -> None:
    hejtman_iii = Notice("§23(2)", "hejtman", Scope.REGION)
    mayor_iii = Notice("§23(2)", "orp_mayor", Scope.ORP)
    higher_opis = Notice("§13 f)", "higher_opis", Scope.REGION)
    special_site = (
        Notice("§24(2)", "hejtman", Scope.REGION),
        Notice("§24(2)", "orp_mayor", Scope.ORP),
        Notice("§24(3)", "gr_hzs", Scope.NATIONAL),
    )
    assert notices_for("I", territory=False) == notices_for("I", territory=True) == ()
    assert notices_for("II", territory=False) == notices_for("II", territory=True) == ()
    assert notices_for("III", territory=False) == (hejtman_iii, mayor_iii)
    assert notices_for("III", territory=True) == (hejtman_iii, mayor_iii, higher_opis)
    assert notices_for("special", territory=False) == special_site
    # §13 f): the OPIS tells the higher operations centre of a special level territory too.
    assert notices_for("special", territory=True) == (*special_site, higher_opis)
    assert [notifies(level) for level in ("I", "II", "III", "special")] == [False, False, True, True]


def test_a_typed_code_wins_over_the_located_one() -> None:
    assert place_of(typed_region="CZ020", typed_orp="", located_region="CZ032", located_orp="3212") == Place(
        "CZ020", "3212"
    )
    assert place_of(typed_region="", typed_orp="2101", located_region="CZ032", located_orp="3212") == Place(
        "CZ032", "2101"
    )
    assert place_of(typed_region="", typed_orp="", located_region="", located_orp="") == Place("", "")


def test_unresolved_and_targets_by_scope() -> None:
    hejtman, mayor, national = notices_for("special", territory=False)
    no_orp = Place("CZ032", "")
    assert unresolved([hejtman, mayor, national], [no_orp]) == [mayor]
    assert unresolved([hejtman, mayor, national], [Place("", "")]) == [hejtman, mayor]
    assert targets(mayor, [no_orp]) == []
    assert targets(hejtman, [no_orp, no_orp]) == [Place("CZ032", "")]
    assert targets(national, []) == [Place("", "")]
    assert targets(national, [Place("CZ032", "3212"), Place("CZ020", "2101")]) == [Place("", "")]
    assert targets(mayor, [Place("CZ032", "3212"), Place("CZ032", "3212")]) == [Place("CZ032", "3212")]


@pytest.mark.django_db
def test_a_special_level_territory_tells_the_higher_operations_centre(
    dispatcher: User, make_incident: Any, contacts: dict[str, Any]
) -> None:
    create_izs_areas()
    a = make_incident(region_code="", orp_code="", **IN_PLZEN)
    b = make_incident(region_code="", orp_code="", lat=49.73, lon=13.40)
    event = services.create_event(user=dispatcher, name="Povodeň", incident_ids=[a.pk, b.pk])
    services.declare_alarm_level(
        user=dispatcher, event_id=event.pk, level="special", written_reason="Celé území"
    )
    rows = OutboxMessage.objects.filter(source_type="event", source_id=str(event.pk))
    assert sorted((r.rule, r.address) for r in rows) == sorted(
        [
            ("§24(2)", contacts["hejtman"].address),
            ("§24(2)", contacts["orp_mayor"].address),
            ("§24(3)", contacts["gr_hzs"].address),
            ("§13 f)", contacts["higher_opis"].address),
        ]
    )


# ---------------------------------------------------------------- §20(3) a territory


@pytest.mark.django_db
def test_a_territory_of_level_one_sites_is_proposed_level_one(
    dispatcher: User, make_incident: Any
) -> None:
    quiet = {"persons_threatened": 1, "threatened": [], "area_m2": 20.0}
    a = make_incident(title="Strom na silnici", **quiet)
    b = make_incident(title="Strom na chodníku", lat=49.73, lon=13.40, **quiet)
    event = services.create_event(user=dispatcher, name="Vichřice", incident_ids=[a.pk, b.pk])
    assert services.propose_for_incident(a).level == "I"
    assert services.propose_for_event(event).level == "I"


# ---------------------------------------------------------------- §16(4) report parts

COMPLETE = {
    "origin": "Srážka v mlze.",
    "work_done": "Vyproštění.",
    "forces_and_means": "HZS 12 osob.",
    "procedure": "HZS vyprošťovala.",
    "consequences": "Dálnice uzavřena.",
    "damage_note": "Bez dalších škod.",
    "personal_help": "Žádná.",
    "material_help": "Žádná.",
    "damage_czk": 0,
    "values_saved_czk": 0,
    "dead": 0,
    "injured": 0,
    "rescued": 0,
    "evacuated": 0,
}
# English labels of the four counts §16(4) asks for.
COUNT_LABELS = {"dead": "Dead", "injured": "Injured", "rescued": "Rescued", "evacuated": "Evacuated"}


@pytest.fixture
def closed(dispatcher: User, commander: User, commander_b: User, make_incident: Any) -> Any:
    return _closed_incident(dispatcher, commander, commander_b, make_incident)


@pytest.mark.django_db
@pytest.mark.parametrize("count", sorted(COUNT_LABELS))
def test_the_report_is_not_completed_without_each_count(
    closed: Any, commander_b: User, count: str
) -> None:
    from django.utils import translation

    reporting.save_report(
        user=commander_b, incident_id=closed.pk, changes={**COMPLETE, count: None}
    )
    with translation.override("en"), pytest.raises(Exception) as refused:
        reporting.complete_report(user=commander_b, incident_id=closed.pk)
    assert getattr(refused.value, "status", None) == 422
    assert str(refused.value).endswith(f": {COUNT_LABELS[count]}.")
    assert IncidentReport.objects.get(incident=closed).status == "draft"


@pytest.mark.django_db
def test_zero_counts_complete_the_report(closed: Any, commander_b: User) -> None:
    reporting.save_report(user=commander_b, incident_id=closed.pk, changes=COMPLETE)
    done = reporting.complete_report(user=commander_b, incident_id=closed.pk)
    assert done.status == "completed"
    assert (done.dead, done.injured, done.rescued, done.evacuated) == (0, 0, 0, 0)


# ---------------------------------------------------------------- §16(2) 14 days


def test_the_report_is_due_at_local_midnight_ending_the_14th_day() -> None:
    ended = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 16:00 in Prague, 10 March
    assert report_due_at(ended, PRAGUE) == datetime(2026, 3, 24, 23, 0, tzinfo=UTC)
    # Ending one minute before local midnight or just after it moves the deadline a day.
    assert report_due_at(datetime(2026, 3, 10, 22, 59, tzinfo=UTC), PRAGUE) == datetime(
        2026, 3, 24, 23, 0, tzinfo=UTC
    )
    assert report_due_at(datetime(2026, 3, 10, 23, 0, tzinfo=UTC), PRAGUE) == datetime(
        2026, 3, 25, 23, 0, tzinfo=UTC
    )


def test_the_deadline_follows_the_zone_it_is_given() -> None:
    utc = ZoneInfo("UTC")
    # 23:30 UTC on 10 March is already 11 March in Prague, not in UTC.
    ended = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    assert report_due_at(ended, utc) == datetime(2026, 3, 25, 0, 0, tzinfo=UTC)
    assert report_due_at(ended, PRAGUE) == datetime(2026, 3, 25, 23, 0, tzinfo=UTC)
    # The deadline is stored and compared in UTC.
    assert report_due_at(ended, PRAGUE).utcoffset() == timedelta(0)


def test_a_naive_end_of_rescue_work_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^rescue_ended_at must be timezone-aware$"):
        report_due_at(datetime(2026, 3, 10, 15, 0), PRAGUE)


@pytest.mark.parametrize(
    ("offset", "late"), [(-timedelta(seconds=1), False), (timedelta(0), True), (timedelta(seconds=1), True)]
)
def test_the_report_is_overdue_from_its_deadline_on(offset: timedelta, late: bool) -> None:
    ended = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    due = datetime(2026, 3, 24, 23, 0, tzinfo=UTC)
    req = requirement_for(
        required=True, rescue_ended_at=ended, completed_at=None, now=due + offset, zone=PRAGUE
    )
    assert (req.required, req.due_at, req.completed_at, req.overdue) == (True, due, None, late)
    done = requirement_for(
        required=True, rescue_ended_at=ended, completed_at=due, now=due + offset, zone=PRAGUE
    )
    assert (done.due_at, done.completed_at, done.overdue) == (due, due, False)


def test_no_deadline_while_the_rescue_work_runs_or_when_not_required() -> None:
    now = datetime(2026, 3, 30, tzinfo=UTC)
    running = requirement_for(required=True, rescue_ended_at=None, completed_at=None, now=now, zone=PRAGUE)
    assert (running.required, running.due_at, running.overdue) == (True, None, False)
    ended = datetime(2026, 3, 1, tzinfo=UTC)
    free = requirement_for(required=False, rescue_ended_at=ended, completed_at=None, now=now, zone=PRAGUE)
    assert (free.required, free.due_at, free.completed_at, free.overdue) == (False, None, None, False)


# ---------------------------------------------------------------- §16(2)/(3) from the record


@pytest.mark.django_db
def test_which_sites_owe_a_report(
    dispatcher: User, commander_b: User, closed: Any, make_incident: Any
) -> None:
    from straz.incidents.models import Incident

    assert reporting.report_requirements([]) == {}
    only_ii = make_incident(title="Jen II")
    services.declare_alarm_level(user=dispatcher, level="II", incident_id=only_ii.pk, written_reason="x")
    lowered = make_incident(title="Sníženo")
    services.declare_alarm_level(user=dispatcher, level="III", incident_id=lowered.pk)
    services.declare_alarm_level(user=dispatcher, level="II", incident_id=lowered.pk, written_reason="lépe")
    # A level stored without a declaration row (imported data) counts as well.
    stored_only = make_incident(title="Import")
    Incident.objects.filter(pk=stored_only.pk).update(alarm_level="special")
    reporting.save_report(user=commander_b, incident_id=closed.pk, changes=COMPLETE)
    done = reporting.complete_report(user=commander_b, incident_id=closed.pk)
    rows = Incident.objects.filter(pk__in=[closed.pk, only_ii.pk, lowered.pk, stored_only.pk])
    # An ended site whose report is not done is late 30 days after the end.
    Incident.objects.filter(pk=lowered.pk).update(rescue_ended_at=closed.rescue_ended_at)
    reqs = reporting.report_requirements(rows, now=closed.rescue_ended_at + timedelta(days=30))
    due = report_due_at(closed.rescue_ended_at, PRAGUE)
    assert reqs[closed.pk] == reporting.ReportRequirement(True, due, done.completed_at, False)
    assert reqs[only_ii.pk] == reporting.ReportRequirement(False, None, None, False)
    assert reqs[lowered.pk] == reporting.ReportRequirement(True, due, None, True)
    # Without `now` the clock decides: the same site is not late yet.
    assert reporting.report_requirements(rows)[lowered.pk].overdue is False
    assert reqs[stored_only.pk] == reporting.ReportRequirement(True, None, None, False)
    one = reporting.report_requirement(closed, now=closed.rescue_ended_at + timedelta(days=30))
    assert one == reqs[closed.pk]


@pytest.mark.django_db
def test_which_events_owe_a_territory_report(dispatcher: User, make_incident: Any) -> None:
    from straz.incidents.models import Incident, IncidentEvent

    def event_of(name: str, level: str | None) -> Any:
        a, b = make_incident(title=f"{name} 1"), make_incident(title=f"{name} 2")
        event = services.create_event(user=dispatcher, name=name, incident_ids=[a.pk, b.pk])
        if level:
            services.declare_alarm_level(user=dispatcher, level=level, event_id=event.pk, written_reason="x")
        event.refresh_from_db()
        return event

    def req(event: Any) -> tuple[bool, int, bool, Any]:
        r = reporting.territory_requirement(event)
        return (r.required, r.sites, r.declared, r.completed_at)

    assert req(event_of("Třetí", "III")) == (True, 2, True, None)
    assert req(event_of("Zvláštní", "special")) == (True, 2, True, None)
    assert req(event_of("Druhý", "II")) == (False, 2, False, None)
    assert req(event_of("Bez", None)) == (False, 2, False, None)
    lowered = event_of("Snížený", "III")
    services.declare_alarm_level(user=dispatcher, level="II", event_id=lowered.pk, written_reason="lépe")
    lowered.refresh_from_db()
    assert req(lowered) == (True, 2, True, None)
    stored = event_of("Import", None)
    IncidentEvent.objects.filter(pk=stored.pk).update(alarm_level="III")
    stored.refresh_from_db()
    assert req(stored) == (True, 2, True, None)
    # A completed report is the event's own, not another event's.
    from straz.incidents.models import TerritoryReport

    finished = event_of("Hotovo", "III")
    signed = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    TerritoryReport.objects.create(
        event=finished, status="completed", completed_at=signed, created_at=signed, updated_at=signed
    )
    assert req(finished) == (True, 2, True, signed)
    assert req(lowered) == (True, 2, True, None)
    single = event_of("Jedno", "III")
    last = Incident.objects.filter(event=single).order_by("-pk").first()
    assert last is not None
    Incident.objects.filter(pk=last.pk).update(event=None)
    assert req(single) == (False, 1, True, None)


@pytest.mark.django_db
def test_the_list_of_territory_reports_due(dispatcher: User, make_incident: Any) -> None:
    import inspect

    from straz.incidents.models import IncidentEvent, TerritoryReport
    from straz.incidents.reporting import due

    def event_of(name: str) -> Any:
        a, b = make_incident(title=f"{name} 1"), make_incident(title=f"{name} 2")
        event = services.create_event(user=dispatcher, name=name, incident_ids=[a.pk, b.pk])
        services.declare_alarm_level(user=dispatcher, level="III", event_id=event.pk)
        return event

    done, waiting, drafted = event_of("Hotovo"), event_of("Čeká"), event_of("Rozepsáno")
    signed = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    TerritoryReport.objects.create(
        event=done, status="completed", completed_at=signed, created_at=signed, updated_at=signed
    )
    TerritoryReport.objects.create(event=drafted, status="draft", created_at=signed, updated_at=signed)
    # Oldest event first: the last one created was recorded as the earliest (imported).
    IncidentEvent.objects.filter(pk=drafted.pk).update(created_at=done.created_at - timedelta(hours=1))
    rows = reporting.territory_reports_due()
    assert [(r.event.pk, r.sites, r.has_draft, r.completed_at) for r in rows] == [
        (drafted.pk, 2, True, None),
        (waiting.pk, 2, False, None),
    ]
    every = reporting.territory_reports_due(include_completed=True)
    assert [(r.event.pk, r.has_draft, r.completed_at) for r in every] == [
        (drafted.pk, True, None),
        (done.pk, True, signed),
        (waiting.pk, False, None),
    ]
    assert [r.event.pk for r in reporting.territory_reports_due(include_completed=True, limit=1)] == [drafted.pk]
    assert reporting.territory_reports_due(limit=0) == []
    # The board shows at most 200 events unless asked for more.
    assert inspect.signature(due.territory_reports_due).parameters["limit"].default == 200


def test_a_report_not_required_still_shows_when_it_was_completed() -> None:
    signed = datetime(2026, 3, 30, tzinfo=UTC)
    req = requirement_for(
        required=False, rescue_ended_at=None, completed_at=signed, now=signed, zone=PRAGUE
    )
    assert (req.required, req.due_at, req.completed_at, req.overdue) == (False, None, signed, False)
