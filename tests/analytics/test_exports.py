"""Downloads: CSV and GeoJSON of reports and the aggregated tables, public and staff."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.test import Client
from django.utils import timezone

from straz.accounts.models import AuditEntry
from straz.reports.models import Report
from straz.reports.rules import public_location
from tests.analytics.conftest import Dataset
from tests.analytics.test_statistics import CONFIRMED, publicly_known

SECRETS = ("SECRET-DESC", "203.0.113.", "secret-photo", "KEYHASH", "reporter_ip", "description")


def body_of(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8")


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def expected_public_names(ds: Dataset) -> set[str]:
    """Reports on the public map now: not duplicates, confirmed-only rule, fading statuses."""
    retention = settings.STRAZ["PUBLIC_RETENTION_DAYS"]
    names = set()
    for spec in ds.specs:
        if spec.duplicate_of or not publicly_known(spec):
            continue
        report = ds.reports[spec.name]
        if (
            spec.status.value in {"not_confirmed", "eliminated"}
            and (ds.now - report.updated_at).days >= retention
        ):
            continue
        names.add(spec.name)
    return names


def test_public_csv_lists_exactly_the_public_reports_without_personal_data(
    dataset: Dataset, citizen: Client
) -> None:
    response = citizen.get("/statistics/reports.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = body_of(response)
    for secret in SECRETS:
        assert secret not in text
    rows = read_csv(text)
    by_id = {int(r["id"]): r for r in rows}
    expected = {dataset.reports[n].pk for n in expected_public_names(dataset)}
    assert set(by_id) == expected
    assert dataset.reports["r7"].pk not in by_id  # confirmed-only, not confirmed
    assert dataset.reports["r4"].pk not in by_id  # not confirmed long ago: left the map
    assert set(rows[0]) == {
        "id",
        "category",
        "category_name",
        "status",
        "status_name",
        "district",
        "district_name",
        "lat",
        "lon",
        "approximate",
        "created_at",
        "updated_at",
        "occurred_on",
        "duplicate_count",
    }
    r1 = by_id[dataset.reports["r1"].pk]
    assert (r1["category"], r1["status"], r1["district"]) == ("illegal-dump", "new", "PD-A")
    assert r1["created_at"] == "2026-01-10T10:00:00Z"
    assert r1["occurred_on"] == "2026-01-10"
    # r3 was reported again (r9): the public sees "also reported by 1".
    assert by_id[dataset.reports["r3"].pk]["duplicate_count"] == "1"
    assert r1["duplicate_count"] == "0"


def test_public_exports_show_approximated_categories_at_their_public_location(
    dataset: Dataset, citizen: Client
) -> None:
    report = dataset.reports["r6"]  # drug use: approximated
    plat, plon = public_location(
        report.lat,
        report.lon,
        approximate=True,
        resolution=settings.STRAZ["APPROXIMATE_RESOLUTION"],
    )
    assert (plat, plon) != (report.lat, report.lon)
    row = next(
        r
        for r in read_csv(body_of(citizen.get("/statistics/reports.csv")))
        if int(r["id"]) == report.pk
    )
    assert (float(row["lat"]), float(row["lon"])) == (plat, plon)
    assert row["approximate"] == "true"
    collection = json.loads(body_of(citizen.get("/statistics/reports.geojson")))
    feature = next(f for f in collection["features"] if f["id"] == report.pk)
    assert feature["geometry"]["coordinates"] == [plon, plat]
    text = json.dumps(collection)
    assert str(round(report.lat, 6)) not in text and str(round(report.lon, 6)) not in text


def test_public_geojson_is_rfc7946(dataset: Dataset, citizen: Client) -> None:
    response = citizen.get("/statistics/reports.geojson")
    assert response["Content-Type"] == "application/geo+json"
    text = body_of(response)
    for secret in SECRETS:
        assert secret not in text
    collection = json.loads(text)
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection  # RFC 7946 §4: WGS84 only, no crs member
    ids = set()
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        report = Report.objects.get(pk=feature["id"])
        # [longitude, latitude] order (Plzeň is at ~13.4 E, ~49.7 N).
        assert (lon, lat) == (round(report.public_lon, 6), round(report.public_lat, 6))
        assert 12 < lon < 19 and 48 < lat < 52
        assert set(feature["properties"]) >= {"category", "status", "district", "created_at"}
        assert "lat" not in feature["properties"]
        ids.add(feature["id"])
    assert ids == {dataset.reports[n].pk for n in expected_public_names(dataset)}


def test_public_export_drops_reports_whose_public_time_ran_out(
    dataset: Dataset, citizen: Client
) -> None:
    # The expiry job has not run yet: the row still says public, the clock says no.
    report = dataset.reports["r12"]
    Report.objects.filter(pk=report.pk).update(
        public_until=timezone.now() - timezone.timedelta(minutes=1)
    )
    ids = {int(r["id"]) for r in read_csv(body_of(citizen.get("/statistics/reports.csv")))}
    assert report.pk not in ids
    assert dataset.reports["r1"].pk in ids


def test_public_export_filters(dataset: Dataset, citizen: Client) -> None:
    rows = read_csv(
        body_of(citizen.get("/statistics/reports.csv?district=PD-B&category=illegal-dump"))
    )
    expected = {
        dataset.reports[n].pk
        for n in expected_public_names(dataset)
        if next(s for s in dataset.specs if s.name == n).district == "B"
        and next(s for s in dataset.specs if s.name == n).category == "dump"
    }
    assert {int(r["id"]) for r in rows} == expected
    assert citizen.get("/statistics/reports.csv?from=yesterday").status_code == 400
    assert citizen.get("/statistics/reports.geojson?district=NOPE").status_code == 400


def test_staff_export_has_everything_in_scope_but_never_the_ip(
    dataset: Dataset, admin_user: Any, client_for: Callable[[Any], Client]
) -> None:
    response = client_for(admin_user).get("/statistics/reports.csv")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = body_of(response)
    assert "203.0.113." not in text and "KEYHASH" not in text and "reporter" not in text
    rows = read_csv(text)
    assert {int(r["id"]) for r in rows} == {r.pk for r in dataset.reports.values()}
    r7 = next(r for r in rows if int(r["id"]) == dataset.reports["r7"].pk)
    assert r7["description"] == "SECRET-DESC-7"
    # A formula in free text is neutralised for spreadsheets.
    assert r7["address_text"].startswith("'=HYPERLINK")
    r6 = next(r for r in rows if int(r["id"]) == dataset.reports["r6"].pk)
    assert float(r6["lat"]) == round(dataset.reports["r6"].lat, 7)
    entry = AuditEntry.objects.filter(action="reports.exported").last()
    assert entry is not None and entry.actor == admin_user and entry.after["format"] == "csv"


def test_analyst_export_has_every_report_without_its_police_only_columns(
    dataset: Dataset, analyst: Any, client_for: Callable[[Any], Client]
) -> None:
    """Need-to-know (ADR 0025): workflow fields and the public point, all districts."""
    text = body_of(client_for(analyst).get("/statistics/reports.csv"))
    assert "SECRET-DESC" not in text and "HYPERLINK" not in text
    rows = read_csv(text)
    assert {int(r["id"]) for r in rows} == {r.pk for r in dataset.reports.values()}
    assert not {"description", "address_text", "lat", "lon"} & set(rows[0])
    r6 = next(r for r in rows if int(r["id"]) == dataset.reports["r6"].pk)
    assert float(r6["public_lat"]) == round(dataset.reports["r6"].public_lat, 7)
    entry = AuditEntry.objects.filter(action="reports.exported").last()
    assert entry is not None and entry.actor == analyst


def test_officer_export_is_limited_to_own_districts(
    dataset: Dataset, officer: Any, client_for: Callable[[Any], Client]
) -> None:
    collection = json.loads(body_of(client_for(officer).get("/statistics/reports.geojson")))
    ids = {f["id"] for f in collection["features"]}
    assert ids == {dataset.reports[s.name].pk for s in dataset.specs if s.district == "A"}
    assert all(f["properties"]["district"] == "PD-A" for f in collection["features"])
    assert "203.0.113." not in json.dumps(collection)


def test_staff_asking_for_the_public_view_get_the_public_export(
    dataset: Dataset, analyst: Any, client_for: Callable[[Any], Client]
) -> None:
    text = body_of(client_for(analyst).get("/statistics/reports.csv?view=public"))
    assert "SECRET-DESC" not in text
    assert {int(r["id"]) for r in read_csv(text)} == {
        dataset.reports[n].pk for n in expected_public_names(dataset)
    }


def test_aggregated_tables_as_csv(dataset: Dataset, citizen: Client) -> None:
    for table in ("categories", "districts", "months"):
        response = citizen.get(f"/statistics/tables/{table}.csv")
        assert response.status_code == 200, table
        text = body_of(response)
        for secret in SECRETS:
            assert secret not in text
        rows = read_csv(text)
        counted = [s for s in dataset.specs if publicly_known(s) and not s.duplicate_of]
        assert sum(int(r["total"]) for r in rows) == len(counted), table
    districts = {
        r["key"]: r for r in read_csv(body_of(citizen.get("/statistics/tables/districts.csv")))
    }
    a = [s for s in dataset.specs if publicly_known(s) and not s.duplicate_of and s.district == "A"]
    assert int(districts["PD-A"]["total"]) == len(a)
    assert float(districts["PD-A"]["per_100k"]) == round(len(a) * 100_000 / 40_000, 2)
    assert int(districts["PD-A"]["status_confirmed"]) == sum(
        1 for s in a if s.status.value == "confirmed"
    )
    assert int(districts["PD-A"]["confirmed"]) == sum(1 for s in a if s.status.value in CONFIRMED)
    assert citizen.get("/statistics/tables/secrets.csv").status_code == 404


def test_streams_stay_valid_across_chunk_boundaries() -> None:
    from straz.analytics import exports

    fields = ["id", "lat", "lon", "label"]
    for count in (0, 1, exports.BATCH, exports.BATCH + 1, 2 * exports.BATCH + 7):
        rows = [
            {"id": i, "lat": 49.5 + i / 1e5, "lon": 13.1, "label": f"=x{i}"} for i in range(count)
        ]
        parsed = read_csv("".join(exports.csv_stream(fields, iter(rows))))
        assert [int(r["id"]) for r in parsed] == list(range(count))
        assert all(r["label"].startswith("'=") for r in parsed)
        collection = json.loads("".join(exports.geojson_stream(fields, iter(rows))))
        assert [f["id"] for f in collection["features"]] == list(range(count))
        if count:
            assert collection["features"][-1]["geometry"]["coordinates"] == [13.1, rows[-1]["lat"]]
