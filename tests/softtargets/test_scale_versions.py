"""Changing the scale (a new version) leaves every old assessment's result unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from straz.softtargets import rules, services
from straz.softtargets.models import Assessment, RiskScale, SoftTarget
from tests.softtargets.conftest import HIGH, LOW

pytestmark = pytest.mark.django_db

MEDIUM = dict.fromkeys(HIGH, 4)


def test_the_default_scale_is_seeded_as_the_issue_describes() -> None:
    row = RiskScale.objects.get(name="default")
    assert row.version == 1
    assert rules.parse_scale(row.definition) == rules.parse_scale(rules.DEFAULT_SCALE)


def test_a_new_version_changes_no_old_result(school: Any, manager: Any, token_for: Any) -> None:
    # Three assessments on version 1 of the default scale.
    for scores in (HIGH, LOW, MEDIUM):
        services.assess(actor=manager, target_id=school.pk, scale_name="default", scenarios=[{"name": "s", "scores": scores}, {"name": "t", "scores": LOW}])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(manager)}")
    before = api.get(f"/api/v1/softtargets/{school.pk}/assessments").json()
    assert [a["overall"]["band"] for a in before] == ["medium", "low", "high"]
    assert {a["version"] for a in before} == {1}

    # Version 2: other thresholds and another factor; every score of the old ones would now band differently.
    resp = api.post(
        "/api/v1/softtargets/scales",
        data=json.dumps({
            "name": "default",
            "probability": ["accessibility", "occurrence", "complexity", "attractiveness"],
            "impact": ["lives", "object", "finances", "community"],
            "min": 1, "max": 7,
            "bands": [{"name": "low", "from": 0}, {"name": "medium", "from": 20}, {"name": "high", "from": 50}, {"name": "critical", "from": 100}],
        }),
        content_type="application/json",
    )
    assert resp.json()["version"] == 2
    after = api.get(f"/api/v1/softtargets/{school.pk}/assessments").json()
    assert after == before
    version_one = RiskScale.objects.get(name="default", version=1)
    assert rules.parse_scale(version_one.definition) == rules.parse_scale(rules.DEFAULT_SCALE)
    assert set(Assessment.objects.values_list("scale_id", flat=True)) == {version_one.pk}

    # A new assessment uses version 2 and needs its new factor; the old ones stay as they were.
    new = services.assess(actor=manager, target_id=school.pk, scale_name="default", scenarios=[{"name": "s", "scores": {**MEDIUM, "attractiveness": 4}}])
    assert (new.scale_version, new.overall_band) == (2, "critical")
    latest = api.get(f"/api/v1/softtargets/{school.pk}/assessments").json()
    assert latest[1:] == before
    assert SoftTarget.objects.get(pk=school.pk).current_band == "critical"
