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


# ---------------------------------------------------------------- bounds (ADR 0023)


def _limits(settings: Any, **values: Any) -> None:
    settings.STRAZ = {**settings.STRAZ, **{k.upper(): v for k, v in values.items()}}


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.name.startswith("public-"))


def _stored(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".geojson"))


def test_distinct_filtered_downloads_never_exceed_the_cap(
    dataset: Dataset, citizen: Client, export_dir: Path, settings: Any
) -> None:
    expected = ids_in(citizen.get("/statistics/reports.csv?from=2001-01-01"))
    one_file = _folder_bytes(export_dir)
    assert one_file > 0
    cap = 3 * one_file + one_file // 2  # room for three of them
    _limits(settings, public_export_cache_max_bytes=cap, downloads_per_ip_per_hour=1000)
    for day in range(2, 22):
        response = citizen.get(f"/statistics/reports.csv?from=2001-01-{day:02d}")
        assert response.status_code == 200
        assert ids_in(response) == expected  # served whole although files are evicted
        assert _folder_bytes(export_dir) <= cap
    assert len(_stored(export_dir)) == 3
    # No lock file per filter either: writers share a fixed set of them.
    assert len(list(export_dir.glob(".lock-*"))) <= downloads.LOCK_STRIPES


def test_the_least_recently_used_file_goes_first(
    dataset: Dataset, citizen: Client, export_dir: Path, settings: Any
) -> None:
    import os
    import time

    urls = {name: f"/statistics/reports.csv?from=2001-02-0{n}" for n, name in enumerate("abc", 1)}
    citizen.get(urls["a"])
    citizen.get(urls["b"])
    file_a, file_b = sorted(_stored(export_dir), key=lambda p: p.stat().st_mtime_ns)
    size = max(_folder_bytes(export_dir) // 2, 1)
    now = time.time()
    os.utime(file_a, (now - 300, now - 300))  # a written first …
    os.utime(file_b, (now - 200, now - 200))
    _limits(settings, public_export_cache_max_bytes=2 * size + size // 2)
    assert citizen.get(urls["a"]).status_code == 200  # … but used again since
    assert file_a.stat().st_mtime > now - 100
    assert citizen.get(urls["c"]).status_code == 200
    assert file_a.exists() and not file_b.exists()
    assert len(_stored(export_dir)) == 2


def test_a_file_bigger_than_the_cap_is_served_whole_and_not_kept(
    dataset: Dataset, citizen: Client, export_dir: Path, settings: Any
) -> None:
    expected = ids_in(citizen.get("/statistics/reports.csv?from=2001-03-01"))
    _limits(settings, public_export_cache_max_bytes=10)
    response = citizen.get("/statistics/reports.csv?from=2001-03-02")
    assert response.status_code == 200 and ids_in(response) == expected
    assert response["ETag"]
    assert _folder_bytes(export_dir) <= 10 and not _stored(export_dir)


def test_cheap_downloads_leave_nothing_on_disk(
    dataset: Dataset, citizen: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(downloads, "_folder", lambda: tmp_path)
    for day in range(1, 6):
        response = citizen.get(f"/statistics/reports.geojson?from=2001-04-0{day}")
        assert response.status_code == 200
        assert b"FeatureCollection" in b"".join(response.streaming_content)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("public-")]


def test_anonymous_downloads_answer_429_after_the_limit(
    dataset: Dataset, export_dir: Path, settings: Any
) -> None:
    from django.utils import translation

    _limits(settings, downloads_per_ip_per_hour=3)
    visitor = Client(REMOTE_ADDR="198.51.100.99")
    assert visitor.get("/statistics/reports.csv").status_code == 200
    assert visitor.get("/statistics/reports.geojson?from=2001-05-01").status_code == 200
    assert visitor.get("/statistics/tables/categories.csv").status_code == 200
    with translation.override("en"):
        refused = visitor.get("/statistics/reports.csv?from=2001-05-02", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert 3000 < int(refused["Retry-After"]) <= 3601
    assert "at most 3 files an hour" in refused.content.decode()
    assert "no-store" in refused["Cache-Control"]
    assert visitor.get("/statistics/tables/months.csv").status_code == 429
    # Refused requests wrote nothing and count nothing; another address is not affected.
    assert not list(export_dir.glob("*2001-05-02*"))
    assert Client(REMOTE_ADDR="198.51.100.100").get("/statistics/reports.csv").status_code == 200


def test_staff_downloads_are_not_limited(
    dataset: Dataset,
    analyst: Any,
    client_for: Callable[[Any], Client],
    export_dir: Path,
    settings: Any,
) -> None:
    _limits(settings, downloads_per_ip_per_hour=1)
    client = client_for(analyst)
    for _ in range(4):
        assert client.get("/statistics/reports.csv").status_code == 200
        assert client.get("/statistics/tables/districts.csv").status_code == 200


def test_the_limit_window_slides_and_old_hits_are_pruned(dataset: Dataset, settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from straz.analytics import throttle
    from straz.analytics.models import DownloadHit
    from straz.core.errors import RateLimited

    _limits(settings, downloads_per_ip_per_hour=2)
    start = timezone.now()
    throttle.admit_download(ip="192.0.2.5", now=start)
    throttle.admit_download(ip="192.0.2.5", now=start + timedelta(minutes=30))
    with pytest.raises(RateLimited) as exc:
        throttle.admit_download(ip="192.0.2.5", now=start + timedelta(minutes=59))
    assert exc.value.retry_after == 61  # the first one leaves the window at 60 min
    throttle.admit_download(ip="192.0.2.5", now=start + timedelta(minutes=60, seconds=1))
    assert DownloadHit.objects.count() == 3
    assert throttle.prune_download_hits(now=start + timedelta(minutes=61)) == 1
    assert "192.0.2.5" not in str(list(DownloadHit.objects.values_list("client_key", flat=True)))


@pytest.mark.django_db(transaction=True)
def test_a_change_of_category_rules_ends_the_files_of_every_machine(
    dataset: Dataset, citizen: Client, export_dir: Path
) -> None:
    """The files are each machine's own cache: a change made through another machine ends them too."""
    import shutil

    from straz.reports import services as report_services

    drugs = dataset.categories["drugs"]  # approximated location
    report = dataset.reports["r6"]  # passed on: public
    first = citizen.get("/statistics/reports.csv")
    row = next(r for r in read_csv(body_of(first)) if int(r["id"]) == report.pk)
    assert row["approximate"] == "true"
    # This machine's files as they are; the change happens "on another machine", whose
    # invalidation cannot touch this disk: put the files back as they were.
    kept = export_dir.parent / f"{export_dir.name}-kept"
    shutil.copytree(export_dir, kept)
    drugs.public_location_approximated = False
    drugs.save()
    report_services.reapply_category_rules(category_id=drugs.pk)
    shutil.rmtree(export_dir)
    shutil.copytree(kept, export_dir)
    after = citizen.get("/statistics/reports.csv")
    assert after["ETag"] != first["ETag"]
    row = next(r for r in read_csv(body_of(after)) if int(r["id"]) == report.pk)
    assert row["approximate"] == "false"
