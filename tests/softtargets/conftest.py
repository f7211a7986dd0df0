"""Fixtures of the soft-targets tests: a city district over district A, a school in it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_area, square

HIGH = {"accessibility": 5, "occurrence": 5, "complexity": 5, "lives": 5, "object": 5, "finances": 5, "community": 5}
LOW = {"accessibility": 1, "occurrence": 2, "complexity": 1, "lives": 2, "object": 1, "finances": 1, "community": 1}


@pytest.fixture
def city_district(district_a: Any) -> Any:
    return make_area(kind="city-district", code="554791", name="Plzeň 1", geometry=square(13.34, 49.71, 0.06))


@pytest.fixture
def school(manager: Any, city_district: Any) -> Any:
    from straz.softtargets import services

    return services.register_target(
        actor=manager,
        data=services.TargetInput(name="4. ZŠ Plzeň", kind="school", lat=49.7401, lon=13.3701, capacity=600),
    )


@pytest.fixture
def assessed_school(manager: Any, school: Any) -> Any:
    from straz.softtargets import services

    services.set_restricted(
        actor=manager, target_id=school.pk, text="SECRET-DESIGN entrance B unguarded",
        vulnerabilities="SECRET-VULN no fence", attackers="SECRET-ATTACKER lone actor",
    )
    services.assess(
        actor=manager, target_id=school.pk, scale_name="default",
        scenarios=[{"name": "SECRET-SCENARIO armed intruder", "scores": HIGH}, {"name": "SECRET-SCENARIO2 arson", "scores": LOW}],
    )
    services.add_measure(
        actor=manager, target_id=school.pk,
        data=services.MeasureInput(kind="technical", title="SECRET-MEASURE card readers", owner="OŠMT", cost_planned=30000),
    )
    return school
