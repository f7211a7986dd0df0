"""Public downloads come from a file on disk, reused for a few minutes, with ETag/Last-Modified."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from straz.analytics.threatmap import downloads
from straz.reports.models import Report
from tests.analytics.conftest import Dataset
from tests.analytics.test_exports import body_of, read_csv


@pytest.fixture
def export_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Files of this test only; every export counts as expensive, so the cache is used."""
    monkeypatch.setattr(downloads, "_folder", lambda: tmp_path)
    monkeypatch.setattr(downloads, "CHEAP_SECONDS", 0.0)
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


@pytest.mark.django_db(transaction=True)
def test_a_change_of_category_rules_ends_the_files(
    dataset: Dataset, citizen: Client, export_dir: Path
) -> None:
    from straz.reports import services as report_services

    drugs = dataset.categories["drugs"]  # approximated location
    report = dataset.reports["r6"]  # passed on: public
    before = read_csv(body_of(citizen.get("/statistics/reports.csv")))
    assert drugs.pk and any(int(r["id"]) == report.pk for r in before)
    row = next(r for r in before if int(r["id"]) == report.pk)
    assert row["approximate"] == "true"
    drugs.public_location_approximated = False
    drugs.save()
    report_services.reapply_category_rules(category_id=drugs.pk)
    after = read_csv(body_of(citizen.get("/statistics/reports.csv")))
    row = next(r for r in after if int(r["id"]) == report.pk)
    assert row["approximate"] == "false"
    assert (float(row["lat"]), float(row["lon"])) == (round(report.lat, 6), round(report.lon, 6))


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
    monkeypatch.setattr(downloads, "_folder", lambda: tmp_path)
    before = ids_in(citizen.get("/statistics/reports.csv"))
    gone = dataset.reports["r1"]
    Report.objects.filter(pk=gone.pk).update(is_public=False)
    assert ids_in(citizen.get("/statistics/reports.csv")) == before - {gone.pk}


def _straz() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.STRAZ)
