"""Import of the Czech police crime-map open data: files, idempotence, public rules, map layer."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import h3
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from straz.accounts.audit import verify_chain
from straz.accounts.models import AuditEntry
from straz.reports.models import (
    CrimeRecord,
    CrimeRelevance,
    CrimeState,
    CrimeType,
    MapCell,
    MapLayer,
)

DATA = Path(__file__).parent / "data" / "crimemap"
CODE_LISTS = [DATA / "types.json", DATA / "states.json", DATA / "relevance.json"]

# What the sample month holds (see tests/reports/data/crimemap/202401.geojson).
PUBLIC_IDS = {"11453301", "11453302", "11453303", "11453307", "11453309", "11453311", "11453314"}
NOT_PUBLIC = {
    "11453304": "hidden type (Pohlavní zneužití)",
    "11453305": "hidden through its parent type 22",
    "11453312": "hidden type (dětská pornografie)",
    "11453306": "state 'Skutek se nestal'",
    "11453310": "state 'Fingovaná trestná činnost'",
    "11453308": "type 999 not in the code list",
    "11453313": "no type",
}
PRIMARY = {
    "11453301": 3,
    "11453302": 3,
    "11453303": 1,
    "11453307": 4,
    "11453309": 5,
    "11453311": 4,
    "11453314": 3,
}

pytestmark = pytest.mark.django_db


def run(*paths: Any, fail: bool = False, language: str = "en", **options: Any) -> str:
    """Run `straz import-crime-map`; returns stdout + stderr (expects failure when `fail`)."""
    out, err = io.StringIO(), io.StringIO()
    args = [str(p) for p in paths]
    with translation.override(language):
        if fail:
            with pytest.raises(CommandError) as excinfo:
                call_command(
                    "import_crime_map", *args, "--no-progress", stdout=out, stderr=err, **options
                )
            return out.getvalue() + err.getvalue() + str(excinfo.value)
        call_command("import_crime_map", *args, "--no-progress", stdout=out, stderr=err, **options)
    return out.getvalue() + err.getvalue()


def snapshot() -> dict[str, tuple[Any, ...]]:
    """Every stored record's fields, keyed by the police id."""
    return {
        r.external_id: (
            r.occurred_at,
            r.lat,
            r.lon,
            r.public_lat,
            r.public_lon,
            r.state_id,
            r.relevance_id,
            tuple(r.types),
            r.primary_type_id,
            r.municipal_police,
            r.is_public,
        )
        for r in CrimeRecord.objects.all()
    }


def police_layer_rows() -> set[tuple[int, ...]]:
    """All map aggregate entries of the police layer, as a map read sees them.

    Rolling periods are aged lazily (before a read), so they are aged here first.
    """
    from straz.reports.map import aggregates

    aggregates.age_all_periods()
    return {
        (*key[1:], *value) for key, value in aggregates.logical_rows(MapLayer.POLICE_DATA).items()
    }


def police_total(*, period: int = 0, category_id: int = 0, res: int = 4) -> int:
    """Public police records counted in the map aggregates (one period and resolution)."""
    from straz.reports.map import aggregates

    return sum(
        value[0]
        for (_layer, days, r, _cell, cat, _st), value in aggregates.logical_rows(
            MapLayer.POLICE_DATA
        ).items()
        if days == period and r == res and (category_id == 0 or cat == category_id)
    )


def layer_total(category_id: int = 0, res: int = 4) -> int:
    """Public police records counted in the map aggregates (all time, one resolution)."""
    return police_total(category_id=category_id, res=res)


def write_features(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return path


def sample_features() -> list[dict[str, Any]]:
    return json.loads((DATA / "202401.geojson").read_text(encoding="utf-8"))["features"]


# ---------------------------------------------------------------- code lists


def test_code_lists_are_imported_and_reimport_changes_nothing() -> None:
    out = run(*CODE_LISTS)
    assert CrimeType.objects.count() == 22
    assert CrimeState.objects.get(id=4).name == "Skutek se nestal"
    # relevance.json comes as an id → name object, not a list.
    assert CrimeRelevance.objects.get(id=1).name == "Místo spáchání"
    node = CrimeType.objects.get(id=3211)
    assert (node.parent_id1, node.parent_id2, node.parent_id3) == (3, 32, 321)
    assert "22 inserted" in out
    audit_before = AuditEntry.objects.count()

    again = run(*CODE_LISTS)
    assert "0 inserted, 0 updated, 22 unchanged" in again
    assert AuditEntry.objects.count() == audit_before


# ---------------------------------------------------------------- records and public rules


def test_geojson_import_applies_the_public_rules() -> None:
    out = run(*CODE_LISTS, DATA / "202401.geojson")
    assert "202401.geojson (GeoJSON): 14 inserted, 0 updated, 0 unchanged, 0 skipped" in out
    records = {r.external_id: r for r in CrimeRecord.objects.all()}
    assert set(records) == PUBLIC_IDS | set(NOT_PUBLIC)
    assert {k for k, r in records.items() if r.is_public} == PUBLIC_IDS
    for external_id, type_id in PRIMARY.items():
        assert records[external_id].primary_type_id == type_id, external_id
    # State and relevance are kept for analysts, also for records the public never sees.
    assert records["11453306"].state_id == 4
    assert records["11453307"].relevance_id == 2
    assert records["11453303"].municipal_police is True
    assert records["11453301"].municipal_police is False
    assert records["11453302"].types == [3, 32, 321]
    # Timestamps without an offset are Czech local time (CET in January = UTC+1).
    assert records["11453301"].occurred_at.isoformat() == "2024-01-03T07:15:00+00:00"
    assert records["11453311"].occurred_at.isoformat() == "2024-01-20T21:30:00+00:00"
    assert records["11453314"].occurred_at.isoformat() == "2024-01-28T06:45:00+00:00"
    assert "type never shown publicly: 3" in out
    assert "state kept off the public map: 2" in out


def test_public_location_is_the_centre_of_a_coarse_cell() -> None:
    run(*CODE_LISTS, DATA / "202401.geojson")
    resolution = settings.STRAZ.get(
        "CRIME_MAP_PUBLIC_RESOLUTION", settings.STRAZ["APPROXIMATE_RESOLUTION"]
    )
    for record in CrimeRecord.objects.all():
        assert (record.public_lat, record.public_lon) != (record.lat, record.lon)
        cell = h3.latlng_to_cell(record.lat, record.lon, resolution)
        centre = h3.cell_to_latlng(cell)
        assert record.public_lat == pytest.approx(centre[0], abs=1e-6)
        assert record.public_lon == pytest.approx(centre[1], abs=1e-6)
    # Two thefts a few dozen metres apart share one public point.
    a, b = (
        CrimeRecord.objects.get(external_id="11453301"),
        CrimeRecord.objects.get(external_id="11453314"),
    )
    assert (a.public_lat, a.public_lon) == (b.public_lat, b.public_lon)


def test_public_resolution_is_a_setting() -> None:
    conf = {**settings.STRAZ, "CRIME_MAP_PUBLIC_RESOLUTION": 6}
    with override_settings(STRAZ=conf):
        run(*CODE_LISTS, DATA / "202401.geojson")
    record = CrimeRecord.objects.get(external_id="11453302")
    centre = h3.cell_to_latlng(h3.latlng_to_cell(record.lat, record.lon, 6))
    assert (record.public_lat, record.public_lon) == pytest.approx(centre, abs=1e-6)


def test_reimport_is_idempotent() -> None:
    run(*CODE_LISTS, DATA / "202401.geojson")
    before, rows, audit = snapshot(), police_layer_rows(), AuditEntry.objects.count()
    out = run(DATA / "202401.geojson")
    assert "14 unchanged" in out and "0 inserted, 0 updated" in out
    assert CrimeRecord.objects.count() == 14
    assert snapshot() == before
    assert police_layer_rows() == rows
    assert AuditEntry.objects.count() == audit


def test_reimport_updates_changed_records_and_the_map(tmp_path: Path) -> None:
    run(*CODE_LISTS, DATA / "202401.geojson")
    assert layer_total() == 7
    features = sample_features()
    for feature in features:
        if feature["properties"]["id"] == 11453301:
            feature["properties"]["state"] = 4  # the police found it did not happen
        if feature["properties"]["id"] == 11453302:
            feature["geometry"]["coordinates"] = [13.3912, 49.7301]
    out = run(write_features(tmp_path / "202401.geojson", features))
    assert "0 inserted, 2 updated, 12 unchanged" in out
    assert CrimeRecord.objects.count() == 14
    assert not CrimeRecord.objects.get(external_id="11453301").is_public
    moved = CrimeRecord.objects.get(external_id="11453302")
    assert (moved.lon, moved.lat) == (13.3912, 49.7301)
    assert layer_total() == 6
    assert layer_total(category_id=3) == 2
    # The incremental moves leave exactly what a rebuild from scratch computes.
    incremental = police_layer_rows()
    from straz.reports.map import aggregates

    aggregates.rebuild(layer=MapLayer.POLICE_DATA)
    assert police_layer_rows() == incremental


def test_csv_gives_the_same_records_as_geojson() -> None:
    run(*CODE_LISTS, DATA / "202401.csv")
    from_csv = snapshot()
    assert len(from_csv) == 14
    # The GeoJSON of the same month changes nothing: every field is identical.
    out = run(DATA / "202401.geojson")
    assert "0 inserted, 0 updated, 14 unchanged" in out
    assert snapshot() == from_csv


def test_zip_with_csv_inside(tmp_path: Path) -> None:
    out = run(*CODE_LISTS, DATA / "202401.zip")
    assert "202401.zip:202401.csv (CSV): 14 inserted" in out
    assert "202401.zip:README.txt" in out  # reported as left out, not an error
    assert {r.external_id for r in CrimeRecord.objects.filter(is_public=True)} == PUBLIC_IDS
    zipped = snapshot()
    CrimeRecord.objects.all().delete()
    run(DATA / "202401.csv")
    assert snapshot() == zipped


def test_semicolon_csv_with_decimal_commas(tmp_path: Path) -> None:
    text = (DATA / "202401.csv").read_text(encoding="utf-8")
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    for i, row in enumerate(rows):
        writer.writerow(
            row
            if i == 0
            else [row[0], row[1].replace(".", ","), row[2].replace(".", ","), *row[3:]]
        )
    path = tmp_path / "202401-excel.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
    )  # with a BOM, as spreadsheets write
    run(*CODE_LISTS, DATA / "202401.geojson")
    assert "0 inserted, 0 updated, 14 unchanged" in run(path)


def test_bad_geojson_records_are_skipped_with_their_positions() -> None:
    out = run(*CODE_LISTS, DATA / "202401-bad.geojson")
    assert "2 inserted, 0 updated, 0 unchanged, 7 skipped" in out
    assert "invalid date (feature 1, line 5: 2024-13-45T00:00:00)" in out
    assert "no location (feature 2, line 6)" in out
    assert "invalid location (feature 3, line 7" in out
    assert "missing id (feature 4, line 8)" in out
    assert "not a GeoJSON Feature (feature 5, line 9)" in out
    assert "invalid code (feature 6, line 10" in out
    assert "id repeated later in the file" in out and "feature 7, line 11" in out
    assert set(CrimeRecord.objects.values_list("external_id", flat=True)) == {
        "11453407",
        "11453408",
    }
    # The later of two records with one id counts.
    assert CrimeRecord.objects.get(external_id="11453407").state_id == 2


def test_bad_csv_rows_are_skipped_with_their_lines() -> None:
    out = run(*CODE_LISTS, DATA / "202401-bad.csv")
    assert "2 inserted, 0 updated, 0 unchanged, 3 skipped" in out
    assert "invalid location (line 3: abc)" in out
    assert "invalid date (line 4: yesterday)" in out
    assert "wrong number of columns (line 5" in out
    record = CrimeRecord.objects.get(external_id="11453505")
    assert record.types == [3, 31, 312] and record.municipal_police and record.primary_type_id == 3


def test_broken_file_fails_clearly_and_other_files_still_import(tmp_path: Path) -> None:
    out = run(DATA / "broken-truncated.geojson", *CODE_LISTS, DATA / "202401.csv", fail=True)
    assert "broken-truncated.geojson" in out
    assert "line 9" in out and "truncated" in out
    assert "could not be imported" in out
    # Nothing half-read from the broken file is stored; the good files are.
    assert CrimeRecord.objects.count() == 14
    assert not CrimeRecord.objects.filter(source_file="broken-truncated.geojson").exists()


def test_records_before_the_break_are_kept_and_the_error_says_so() -> None:
    run(*CODE_LISTS)
    out = run(DATA / "broken-truncated.geojson", fail=True, batch_size=2)
    assert CrimeRecord.objects.count() == 4
    assert "4 records before this point were stored" in out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("202402.zip", b"PK\x03\x04 this is not really an archive", "zip"),
        ("202403.geojson", b"<html>Service unavailable</html>", "GeoJSON"),
        ("202404.geojson", b'{"type": "Feature", "properties": {}}', "FeatureCollection"),
        ("202405.csv", b"a,b,c\n1,2,3\n", "missing CSV columns: id, x, y, date"),
        ("202406.csv", b"id,x,y,date\n1,13.3,49.7,\xff\xfe2024\n", "UTF-8"),
        ("notes.txt", b"hello", "cannot tell what this file holds"),
    ],
)
def test_unreadable_files_exit_non_zero(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    out = run(path, fail=True)
    assert name in out and message in out
    assert CrimeRecord.objects.count() == 0


def test_missing_file_exit_non_zero() -> None:
    out = run(DATA / "does-not-exist.geojson", fail=True)
    assert "does-not-exist.geojson" in out and "file not found" in out


def test_import_order_does_not_matter() -> None:
    # Records first: with unknown types nothing may be public (a type could be a hidden one).
    run(DATA / "202401.geojson")
    assert not CrimeRecord.objects.filter(is_public=True).exists()
    assert layer_total() == 0
    run(*CODE_LISTS)
    assert {r.external_id for r in CrimeRecord.objects.filter(is_public=True)} == PUBLIC_IDS
    assert {
        r.external_id: r.primary_type_id for r in CrimeRecord.objects.filter(is_public=True)
    } == PRIMARY
    assert layer_total() == len(PUBLIC_IDS)


def test_code_lists_go_first_within_one_run() -> None:
    run(DATA / "202401.geojson", *CODE_LISTS)
    assert {r.external_id for r in CrimeRecord.objects.filter(is_public=True)} == PUBLIC_IDS


def test_hidden_types_and_states_are_settings() -> None:
    run(*CODE_LISTS, DATA / "202401.geojson")
    conf = {
        **settings.STRAZ,
        "CRIME_MAP_HIDDEN_TYPE_IDS": [4],
        "CRIME_MAP_NON_PUBLIC_STATE_NAMES": [],
    }
    with override_settings(STRAZ=conf), CaptureQueriesContext(connection) as queries:
        out = run(reapply_rules=True)
    assert "Public rules re-applied: 4 records changed." in out
    # Records are read in chunks, not one query per record.
    table = CrimeRecord._meta.db_table
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and table in q["sql"]
    ]
    assert len(reads) == 2, reads
    public = {r.external_id for r in CrimeRecord.objects.filter(is_public=True)}
    # Type 4 ("Ostatní") and its children 41, 42 are now hidden; states no longer hide.
    assert public == (PUBLIC_IDS - {"11453307", "11453311"}) | {"11453306", "11453310"}
    assert layer_total() == len(public)
    assert layer_total(category_id=4) == 0


# ---------------------------------------------------------------- map layer


def test_map_layer_counts_equal_public_records() -> None:
    run(*CODE_LISTS, DATA / "202401.geojson", DATA / "202401-bad.geojson")
    public = CrimeRecord.objects.filter(is_public=True)
    assert public.count() == 9
    for res in (0, 4, 8, 11):
        assert layer_total(res=res) == public.count()
    for type_id in (1, 3, 4, 5):
        assert layer_total(category_id=type_id) == public.filter(primary_type_id=type_id).count()
    assert layer_total(category_id=2) == 0  # every sexual offence sample is hidden
    # The citizen layer is untouched.
    assert not MapCell.objects.filter(layer=MapLayer.CITIZEN_REPORTS).exists()


def test_rebuild_after_bulk_import_matches_incremental() -> None:
    run(*CODE_LISTS, DATA / "202401.geojson")
    incremental = police_layer_rows()
    MapCell.objects.filter(layer=MapLayer.POLICE_DATA).delete()
    CrimeRecord.objects.all().delete()
    run(DATA / "202401.geojson", rebuild_map=True)
    # The re-imported records have new ids: compare everything but the sums of ids.
    assert {row[:-1] for row in police_layer_rows()} == {row[:-1] for row in incremental}
    lone = {row for row in police_layer_rows() if row[5] == 1}
    assert {row[-1] for row in lone} <= set(CrimeRecord.objects.values_list("pk", flat=True))


def test_public_map_endpoint_shows_police_layer_without_exact_points() -> None:
    run(*CODE_LISTS, DATA / "202401.geojson")
    response = Client().get(
        "/api/v1/map", {"bbox": "13.30,49.70,13.45,49.78", "zoom": 12, "layer": "police"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert sum(f["properties"]["count"] for f in body["features"]) == len(PUBLIC_IDS)
    exact = {(round(r.lon, 6), round(r.lat, 6)) for r in CrimeRecord.objects.all()}
    shown = {tuple(round(c, 6) for c in f["geometry"]["coordinates"]) for f in body["features"]}
    assert not exact & shown
    assert "11453304" not in response.content.decode()


# ---------------------------------------------------------------- audit


def test_every_import_batch_is_audited_and_the_chain_holds() -> None:
    run(*CODE_LISTS)
    run(DATA / "202401.geojson", batch_size=5)
    entries = AuditEntry.objects.filter(action="crimemap.imported").order_by("seq")
    assert entries.count() == 3  # 14 records in batches of 5
    assert sum(e.after["inserted"] for e in entries) == 14
    assert entries.first().actor_label == "import:crime-map"
    assert AuditEntry.objects.filter(action="crimemap.code_list_imported").count() == 3
    assert list(verify_chain()) == []


def test_zip_member_streams_from_the_archive(tmp_path: Path) -> None:
    archive = tmp_path / "2024.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.write(DATA / "202401.geojson", "data/202401.geojson")
        z.write(DATA / "types.json", "ciselniky/types.json")
        z.write(DATA / "states.json", "ciselniky/states.json")
    out = run(archive)
    assert "2024.zip:ciselniky/types.json (types): 22 inserted" in out
    assert "2024.zip:data/202401.geojson (GeoJSON): 14 inserted" in out
    # The code lists in the archive were applied before its records.
    assert {r.external_id for r in CrimeRecord.objects.filter(is_public=True)} == PUBLIC_IDS


def test_recent_offences_count_in_the_rolling_periods(tmp_path: Path) -> None:
    from datetime import timedelta

    from django.utils import timezone

    features = sample_features()[:3]  # public: 11453301, 11453302, 11453303
    features[0]["properties"]["date"] = (timezone.now() - timedelta(days=2)).isoformat()
    features[1]["properties"]["date"] = (timezone.now() - timedelta(days=20)).isoformat()
    run(*CODE_LISTS, write_features(tmp_path / "recent.geojson", features))
    police_layer_rows()  # ages the periods like a map read does

    def period_total(days: int) -> int:
        return police_total(period=days)

    assert (period_total(7), period_total(30), period_total(365), period_total(0)) == (1, 2, 2, 3)


def test_summary_speaks_czech_by_default() -> None:
    out = run(*CODE_LISTS, language="cs")
    assert "types.json (types): vloženo 22, aktualizováno 0, beze změny 0, přeskočeno 0" in out
