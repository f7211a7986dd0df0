"""The demo city has a few soft targets, each with one assessment, and one overdue measure."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_demo_soft_targets(settings: Any, tmp_path: Any) -> None:
    from straz.accounts.models import User
    from straz.demo.loader import ensure_demo_data
    from straz.softtargets import selectors
    from straz.softtargets.models import Assessment, SoftTarget

    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_demo_data(report_count=5)
    targets = list(SoftTarget.objects.all())
    assert len(targets) == 4
    assert all(t.district is not None and t.city_district is not None for t in targets)
    assert sorted(Assessment.objects.values_list("target_id", flat=True)) == sorted(t.pk for t in targets)
    manager = User.objects.get(username="manager")
    overdue = selectors.overdue_measures(manager)
    assert [m.title for m in overdue] == ["Čtečky karet u všech vchodů"]
    assert {t.current_band for t in targets} >= {"high"}
