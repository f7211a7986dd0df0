"""Territory use cases: area import (all or nothing, audited), district routing, gazetteer."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from straz.accounts.audit import verify_chain
from straz.accounts.models import AuditEntry
from straz.territory.models import Area, AreaKind, Officer, Place
from straz.territory.rules import address_variants, normalise_place_name
from straz.territory.services import (
    AreaImportError,
    geocode,
    import_areas,
    route_point,
    route_points,
    search_places,
)
from tests.conftest import square

BOUNDARIES = Path(__file__).resolve().parents[3] / "shared" / "data" / "boundaries"
GMINY = BOUNDARIES / "pl-kujawsko-pomorskie-gminy.geojson"

pytestmark = pytest.mark.django_db


def collection(*features: tuple[dict[str, Any], dict[str, Any] | None]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features
        ],
    }


def districts(*specs: tuple[str, str, float, float, float]) -> dict[str, Any]:
    return collection(
        *[({"code": c, "name": n}, square(lon, lat, size)) for c, n, lon, lat, size in specs]
    )


def gminy() -> Path:
    if not GMINY.exists():
        pytest.fail(f"test data missing: {GMINY}")
    return GMINY


# ------------------------------------------------------------------------------ import


def test_all_144_municipalities_import_as_police_districts_and_torun_routes_to_torun() -> None:
    result = import_areas(
        features_source=gminy(), kind=AreaKind.POLICE_DISTRICT, code_field="kod", name_field="nazwa"
    )
    assert len(result.created) == 144 and result.updated == []
    assert Area.objects.filter(kind=AreaKind.POLICE_DISTRICT).count() == 144
    routing = route_point(lat=53.0103, lon=18.6057)
    assert routing is not None
    assert (routing.district.code, routing.district.name) == ("046301", "M. Toruń")
    torun = routing.district
    assert torun.min_lon < 18.6057 < torun.max_lon and torun.min_lat < 53.0103 < torun.max_lat
    assert route_point(lat=50.0875, lon=14.4205) is None
    # Stored geometry follows RFC 7946 (the source file is clockwise).
    from shapely.geometry import shape

    assert all(p.exterior.is_ccw for p in shape(torun.geometry).geoms)


def test_reimport_updates_in_place_and_each_import_is_audited() -> None:
    first = import_areas(
        features_source=districts(("D1", "One", 13.3, 49.7, 0.05)),
        kind=AreaKind.POLICE_DISTRICT,
        code_field="code",
        name_field="name",
    )
    area = Area.objects.get(code="D1")
    second = import_areas(
        features_source=districts(
            ("D1", "One renamed", 13.3, 49.7, 0.05), ("D2", "Two", 13.4, 49.7, 0.05)
        ),
        kind=AreaKind.POLICE_DISTRICT,
        code_field="code",
        name_field="name",
    )
    assert first.created == ["D1"]
    assert second.created == ["D2"] and second.updated == ["D1"]
    assert Area.objects.get(code="D1").pk == area.pk
    assert Area.objects.get(code="D1").name == "One renamed"
    entries = list(AuditEntry.objects.filter(action="territory.import_areas"))
    assert len(entries) == 2
    assert entries[1].after["created"] == ["D2"] and entries[1].after["updated"] == ["D1"]
    assert list(verify_chain()) == []


def test_one_bad_feature_rejects_the_whole_file_and_changes_nothing() -> None:
    import_areas(
        features_source=districts(("D1", "One", 13.3, 49.7, 0.05)),
        kind=AreaKind.POLICE_DISTRICT,
        code_field="code",
        name_field="name",
    )
    before = list(Area.objects.values_list("code", "name", "geometry"))
    audit_before = AuditEntry.objects.count()
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[13, 49], [14, 50], [14, 49], [13, 50], [13, 49]]],
    }
    doc = collection(
        ({"code": "D1", "name": "Changed"}, square(13.0, 49.0, 0.5)),
        ({"code": "D3", "name": "Three"}, bowtie),
        ({"code": "D4", "name": "Four"}, square(200, 49, 1)),
    )
    with translation.override("en"), pytest.raises(AreaImportError) as info:
        import_areas(
            features_source=json.dumps(doc),
            kind=AreaKind.POLICE_DISTRICT,
            code_field="code",
            name_field="name",
        )
    messages = info.value.messages
    assert len(messages) == 2
    assert (
        messages[0].startswith("Feature 1:")
        and "intersects itself" in messages[0]
        and "13.5" in messages[0]
    )
    assert (
        messages[1].startswith("Feature 2:")
        and "out of range" in messages[1]
        and "200" in messages[1]
    )
    assert list(Area.objects.values_list("code", "name", "geometry")) == before
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (
            [({"name": "No code"}, square(13, 49, 0.1))],
            "Feature 0: the code property code is missing",
        ),
        (
            [({"code": "X", "name": ""}, square(13, 49, 0.1))],
            "Feature 0: the name property name is missing",
        ),
        (
            [
                ({"code": "X", "name": "A"}, square(13, 49, 0.1)),
                ({"code": "X", "name": "B"}, square(14, 49, 0.1)),
            ],
            "Feature 1: code X repeats feature 0",
        ),
        ([({"code": "X" * 40, "name": "A"}, square(13, 49, 0.1))], "is longer than 32 characters"),
        ([({"code": "X", "name": "A"}, None)], "Feature 0: the feature has no geometry"),
    ],
)
def test_property_problems_name_the_feature(features: list[Any], expected: str) -> None:
    with translation.override("en"), pytest.raises(AreaImportError) as info:
        import_areas(
            features_source=collection(*features),
            kind=AreaKind.MUNICIPALITY,
            code_field="code",
            name_field="name",
        )
    assert any(expected in m for m in info.value.messages), info.value.messages
    assert Area.objects.count() == 0


def test_population_and_parent() -> None:
    import_areas(
        features_source=collection(({"kod": "554791", "nazev": "Plzeň"}, square(13.2, 49.6, 0.3))),
        kind=AreaKind.MUNICIPALITY,
        code_field="kod",
        name_field="nazev",
    )
    import_areas(
        features_source=collection(
            ({"kod": "545970", "nazev": "Plzeň 1", "obyv": "60123"}, square(13.3, 49.7, 0.1))
        ),
        kind=AreaKind.CITY_DISTRICT,
        code_field="kod",
        name_field="nazev",
        population_field="obyv",
        parent_code="554791",
    )
    district = Area.objects.get(kind=AreaKind.CITY_DISTRICT, code="545970")
    assert district.population == 60123
    assert district.parent is not None and district.parent.code == "554791"
    with translation.override("en"), pytest.raises(AreaImportError) as info:
        import_areas(
            features_source=collection(
                ({"kod": "1", "nazev": "A", "obyv": -5}, square(13.3, 49.7, 0.1))
            ),
            kind=AreaKind.CITY_DISTRICT,
            code_field="kod",
            name_field="nazev",
            population_field="obyv",
            parent_code="999",
        )
    assert any("population obyv must be a whole number" in m for m in info.value.messages)
    for bad in (1.5, "many", 3e9, True, None):
        with translation.override("en"), pytest.raises(AreaImportError, match="population"):
            import_areas(
                features_source=collection(
                    ({"kod": "2", "nazev": "B", "obyv": bad}, square(13.3, 49.7, 0.1))
                ),
                kind=AreaKind.CITY_DISTRICT,
                code_field="kod",
                name_field="nazev",
                population_field="obyv",
            )
    assert any("Parent area with code 999 does not exist" in m for m in info.value.messages)


def test_every_geo_error_code_has_a_sentence() -> None:
    from straz.geo.geojson import GeoError, GeoErrorCode
    from straz.territory.services import describe_geo_error

    params = {
        "reason": "r",
        "line": 1,
        "column": 2,
        "expected": "e",
        "found": "f",
        "lon": 1.5,
        "lat": 2.5,
        "ring": 0,
        "polygon": 0,
        "first": [0, 0],
        "last": [1, 1],
        "count": 2,
        "shown": 50,
        "after": 60,
        "limit": 64,
    }
    with translation.override("en"):
        sentences = {code: describe_geo_error(GeoError(code, 3, params)) for code in GeoErrorCode}
    assert all(s.startswith("Feature 3: ") for s in sentences.values())
    assert len(set(sentences.values())) == len(GeoErrorCode)  # each reason says something different
    assert "%(" not in "".join(sentences.values())


def test_unknown_kind_and_not_json() -> None:
    with translation.override("en"):
        with pytest.raises(AreaImportError, match="Unknown kind"):
            import_areas(features_source="{}", kind="county", code_field="a", name_field="b")
        with pytest.raises(AreaImportError, match="not valid JSON"):
            import_areas(
                features_source=b"\x89PNG",
                kind=AreaKind.MUNICIPALITY,
                code_field="a",
                name_field="b",
            )


def test_messages_go_through_gettext() -> None:
    # The wording must come from the catalogue of the active language, not be fixed English.
    from unittest import mock

    with (
        mock.patch("straz.territory.services._", side_effect=lambda s: "[cs]" + s),
        pytest.raises(AreaImportError) as info,
    ):
        import_areas(
            features_source=collection(({"code": "X"}, square(13, 49, 0.1))),
            kind="municipality",
            code_field="code",
            name_field="name",
        )
    assert info.value.messages[0].startswith("[cs]Feature 0")


# ------------------------------------------------------------------------------ CLI


def test_import_areas_command_imports_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "d.geojson"
    path.write_text(json.dumps(districts(("PD-1", "Obvod 1", 13.3, 49.7, 0.05))), encoding="utf-8")
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "import_areas",
            str(path),
            "--kind",
            "police-district",
            "--code-field",
            "code",
            "--name-field",
            "name",
            stdout=out,
        )
    assert "1 new" in out.getvalue()
    assert route_point(lat=49.72, lon=13.32).district.code == "PD-1"  # type: ignore[union-attr]


def test_import_areas_command_fails_loudly_on_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(districts(("PD-1", "Obvod 1", 13.3, 95.0, 0.05))), encoding="utf-8")
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_areas",
            str(path),
            "--kind",
            "police-district",
            "--code-field",
            "code",
            "--name-field",
            "name",
            stderr=err,
        )
    assert "Feature 0: coordinates out of range" in err.getvalue()
    with translation.override("en"), pytest.raises(CommandError, match="does not exist"):
        call_command(
            "import_areas",
            str(tmp_path / "missing.geojson"),
            "--kind",
            "police-district",
            "--code-field",
            "code",
            "--name-field",
            "name",
        )
    assert Area.objects.count() == 0


def test_cli_exit_code_is_non_zero(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "bad.geojson"
    path.write_text("not json", encoding="utf-8")
    env = {
        **__import__("os").environ,
        "STRAZ_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "straz.cli",
            "import-areas",
            str(path),
            "--kind",
            "municipality",
            "--code-field",
            "a",
            "--name-field",
            "b",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert "JSON" in proc.stderr


# ------------------------------------------------------------------------------ routing


def test_route_point_returns_the_district_and_its_officer(
    district_a: Area, district_b: Area
) -> None:
    routing = route_point(lat=49.74, lon=13.37)
    assert routing is not None
    assert routing.district == district_a
    assert routing.officer is not None and routing.officer.name == "npor. Jana Nováková"
    routing_b = route_point(lat=49.74, lon=13.47)
    assert routing_b is not None and routing_b.district == district_b and routing_b.officer is None
    assert route_point(lat=49.74, lon=13.42) is None  # the gap between A and B
    assert [
        r.district.code if r else None
        for r in route_points([(49.74, 13.37), (49.74, 13.42), (49.74, 13.47)])
    ] == ["PD-A", None, "PD-B"]


def test_new_district_is_routable_at_once() -> None:
    assert route_point(lat=49.0, lon=16.0) is None  # builds (and caches) an empty index
    import_areas(
        features_source=districts(("N1", "New", 15.9, 48.9, 0.2)),
        kind=AreaKind.POLICE_DISTRICT,
        code_field="code",
        name_field="name",
    )
    routing = route_point(lat=49.0, lon=16.0)
    assert routing is not None and routing.district.code == "N1"


def test_changes_made_behind_our_back_are_noticed(district_a: Area) -> None:
    """Another process (the CLI) changes rows without this process's signals firing."""
    assert route_point(lat=49.74, lon=13.37) is not None
    # Move the polygon away with a queryset update: no save() signal reaches the cache.
    Area.objects.filter(pk=district_a.pk).update(
        geometry=square(15.0, 49.0, 0.1),
        min_lon=15.0,
        min_lat=49.0,
        max_lon=15.1,
        max_lat=49.1,
        updated_at=timezone.now(),
    )
    assert route_point(lat=49.74, lon=13.37) is None
    assert route_point(lat=49.05, lon=15.05).district.pk == district_a.pk  # type: ignore[union-attr]
    # Deactivation that does not even touch updated_at is noticed too.
    Area.objects.filter(pk=district_a.pk).update(is_active=False)
    assert route_point(lat=49.05, lon=15.05) is None
    # A district created by raw insert-like means (bulk_create sends no post_save).
    Area.objects.bulk_create(
        [
            Area(
                kind=AreaKind.POLICE_DISTRICT,
                code="BULK",
                name="Bulk",
                geometry=square(16, 49, 0.1),
                min_lon=16,
                min_lat=49,
                max_lon=16.1,
                max_lat=49.1,
            )
        ]
    )
    assert route_point(lat=49.05, lon=16.05).district.code == "BULK"  # type: ignore[union-attr]


def test_deleted_district_stops_routing(district_a: Area) -> None:
    assert route_point(lat=49.74, lon=13.37) is not None
    Officer.objects.all().delete()
    district_a.delete()
    assert route_point(lat=49.74, lon=13.37) is None


def test_officer_contact_changes_show_without_rebuild(district_a: Area) -> None:
    route_point(lat=49.74, lon=13.37)
    Officer.objects.filter(pk=district_a.primary_officer_id).update(phone="+420 111 222 333")
    routing = route_point(lat=49.74, lon=13.37)
    assert (
        routing is not None
        and routing.officer is not None
        and routing.officer.phone == "+420 111 222 333"
    )


def test_other_kinds_do_not_route(db: Any) -> None:
    import_areas(
        features_source=districts(("M1", "Municipality", 13.3, 49.7, 0.1)),
        kind=AreaKind.MUNICIPALITY,
        code_field="code",
        name_field="name",
    )
    assert route_point(lat=49.75, lon=13.35) is None


# ------------------------------------------------------------------------------ gazetteer


def test_normalise_place_name_folds_accents_case_and_punctuation() -> None:
    assert normalise_place_name("Náměstí  Republiky") == "namesti republiky"
    assert normalise_place_name("ŁÓDŹ, ul. Piotrkowska 12") == "lodz ul piotrkowska 12"
    assert normalise_place_name("Plzeň 2-Slovany") == "plzen 2 slovany"


def test_geocode_and_search(district_a: Area) -> None:
    Area.objects.create(
        kind=AreaKind.MUNICIPALITY,
        code="554791",
        name="Plzeň",
        geometry=square(13.2, 49.6, 0.3),
        min_lon=13.2,
        min_lat=49.6,
        max_lon=13.5,
        max_lat=49.9,
    )
    Area.objects.create(
        kind=AreaKind.CITY_DISTRICT,
        code="546003",
        name="Plzeň 3",
        geometry=square(13.3, 49.7, 0.1),
        min_lon=13.3,
        min_lat=49.7,
        max_lon=13.4,
        max_lat=49.8,
    )
    square_place = Place.objects.create(
        name="náměstí Republiky", kind="landmark", lat=49.7477, lon=13.3776
    )
    Place.objects.create(name="Republikánská", kind="street", lat=49.70, lon=13.30)
    Place.objects.create(name="Americká", kind="street", lat=49.7444, lon=13.3800, area=district_a)
    Place.objects.create(name="Americká 42", kind="address", lat=49.7442, lon=13.3815)
    assert square_place.normalised_name == "namesti republiky"
    assert geocode(text="NAMESTI republiky") == (49.7477, 13.3776)
    assert geocode(text="Americká 42") == (49.7442, 13.3815)
    assert geocode(text="americka 7") == (49.7444, 13.3800)  # unknown number: the street
    assert geocode(text="Americká 42, 301 00 Plzeň") == (49.7442, 13.3815)
    assert geocode(text="ul. Americká 7, Plzeň") == (49.7444, 13.3800)
    assert geocode(text="Václavské náměstí") is None
    assert geocode(text="Plzeň") is None
    assert geocode(text="Americká 42, Plzeň 3") == (49.7442, 13.3815)
    assert geocode(text="  ,, ") is None
    names = [p.name for p in search_places(text="republ")]
    assert names == ["Republikánská", "náměstí Republiky"]  # prefix match ranks first
    assert [p.name for p in search_places(text="americka")] == ["Americká", "Americká 42"]
    for i in range(15):
        Place.objects.create(name=f"Ulice {i}", kind="street", lat=49.7, lon=13.3)
    assert len(search_places(text="ulice")) == 10


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_address_variants_never_invent_words(text: str) -> None:
    """Every variant uses only words of the text, the first is the whole text normalised."""
    variants = address_variants(text, noise={"plzen"})
    words = set(normalise_place_name(text).split())
    assert all(set(v.split()) <= words for v in variants)
    assert len(variants) == len(set(variants))
    if variants:
        assert variants[0] == " ".join(normalise_place_name(text).split()[:12])
    else:
        assert normalise_place_name(text) == ""


def test_address_variants_drop_noise_then_numbers() -> None:
    assert address_variants("ul. Americká 42, 301 00 Plzeň", noise={"plzen"}) == [
        "ul americka 42 301 00 plzen",
        "americka 42",
        "americka",
    ]
    assert address_variants("ul. Piotrkowska 12, 90-001 Łódź", noise={"lodz"}) == [
        "ul piotrkowska 12 90 001 lodz",
        "piotrkowska 12",
        "piotrkowska",
    ]
    assert address_variants("Václavské náměstí", noise=set()) == ["vaclavske namesti"]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        '{"type": "FeatureCollection", "features": ' + "[" * 100_000,
        # Parses, then nests far beyond any GeoJSON (in the properties).
        '{"type": "Feature", "properties": {"code": "X", "name": "A", "deep": '
        + "[" * 500
        + "]" * 500
        + '}, "geometry": '
        + json.dumps(square(13, 49, 0.1))
        + "}",
    ],
)
def test_import_areas_refuses_deeply_nested_json_with_a_reason(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.geojson"
    path.write_text(text)
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as info:
        call_command(
            "import_areas",
            str(path),
            "--kind",
            "municipality",
            "--code-field",
            "code",
            "--name-field",
            "name",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "Nothing was imported" in str(info.value)
    assert "nested too deeply" in err.getvalue()
    assert Area.objects.count() == 0
