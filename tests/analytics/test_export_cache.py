"""Public downloads come from a file on disk, reused for a few minutes, with ETag/Last-Modified."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from straz.analytics import export_cache
from straz.reports.models import Report
from tests.analytics.conftest import Dataset
from tests.analytics.test_exports import body_of, read_csv


@pytest.fixture
def export_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Files of this test only; every export counts as expensive, so the cache is used."""
    monkeypatch.setattr(export_cache, "_folder", lambda: tmp_path)
    monkeypatch.setattr(export_cache, "CHEAP_SECONDS", 0.0)
    return tmp_path


def ids_in(response: Any) -> set[int]:
    return {int(r["id"]) for r in read_csv(body_of(response))}


def test_a_repeated_download_is_served_from_the_file_and_answers_304(
    dataset: Dataset, citizen: Client, export_dir: Path
) -> None:
    first = citizen.get("/statistics/reports.csv")
    assert first.status_code == 200
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag and modified
    files = sorted(p.name for p in export_dir.glob("public-*.csv"))
    assert len(files) == 1
    # A new report arrives: within the maximum age the same file is served (bounded lag).
    fresh = dataset.reports["r1"]
    Report.objects.filter(pk=fresh.pk).update(status="verification")
    again = citizen.get("/statistics/reports.csv")
    assert again["ETag"] == etag
    assert citizen.get("/statistics/reports.csv", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert (
        citizen.get("/statistics/reports.csv", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    )
    # Another filter or format is another file.
    assert citizen.get("/statistics/reports.csv?district=PD-A").status_code == 200
    assert citizen.get("/statistics/reports.geojson").status_code == 200
    assert len(list(export_dir.glob("public-*.csv"))) == 2
    assert len(list(export_dir.glob("public-*.geojson"))) == 1


def test_the_file_is_rewritten_after_the_maximum_age(
    dataset: Dataset, citizen: Client, export_dir: Path
) -> None:
    before = ids_in(citizen.get("/statistics/reports.csv"))
    gone = dataset.reports["r1"]
    Report.objects.filter(pk=gone.pk).update(is_public=False)
    assert ids_in(citizen.get("/statistics/reports.csv")) == before  # still the old file
    with override_settings(STRAZ={**_straz(), "PUBLIC_EXPORT_MAX_AGE_MINUTES": 0}):
        assert ids_in(citizen.get("/statistics/reports.csv")) == before - {gone.pk}


def test_a_report_leaving_the_public_view_ends_the_file(
    dataset: Dataset, citizen: Client, export_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fading = dataset.reports["r12"]  # not confirmed three days ago: public for a while yet
    until = fading.public_until
    assert until is not None
    assert fading.pk in ids_in(citizen.get("/statistics/reports.csv"))
    written = export_cache._read_meta(next(export_dir.glob("public-*.csv")))
    assert written is not None and written.valid_until == until
    # The clock passes its public time (the expiry job has not run): the file is not reused.
    monkeypatch.setattr(timezone, "now", lambda: until + timedelta(seconds=1))
    assert fading.pk not in ids_in(citizen.get("/statistics/reports.csv"))


def test_staff_downloads_stay_live_and_audited(
    dataset: Dataset, analyst: Any, client_for: Callable[[Any], Client], export_dir: Path
) -> None:
    from straz.accounts.models import AuditEntry

    client = client_for(analyst)
    before = AuditEntry.objects.filter(action="reports.exported").count()
    first = ids_in(client.get("/statistics/reports.csv"))
    Report.objects.filter(pk=dataset.reports["r1"].pk).delete()
    second = ids_in(client.get("/statistics/reports.csv"))
    assert first - second == {dataset.reports["r1"].pk}
    assert AuditEntry.objects.filter(action="reports.exported").count() == before + 2
    assert not list(export_dir.glob("public-*"))


def test_cheap_exports_are_always_written_fresh(
    dataset: Dataset, citizen: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_cache, "_folder", lambda: tmp_path)
    before = ids_in(citizen.get("/statistics/reports.csv"))
    gone = dataset.reports["r1"]
    Report.objects.filter(pk=gone.pk).update(is_public=False)
    assert ids_in(citizen.get("/statistics/reports.csv")) == before - {gone.pk}


def _straz() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.STRAZ)
