"""`straz import-addresses`: RÚIAN CSV in cp1250, S-JTSK, header variants, zips, all or nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from straz.accounts.models import AuditEntry
from straz.territory.addresses.importer import AddressImportError, CsvColumns, import_addresses
from straz.territory.models import AddressName, AddressPoint
from tests.territory.address_files import HEADER_OLD, LHOTA, PLZEN, Point, ruian_csv, write, zip_of

pytestmark = pytest.mark.django_db


def _point(adm: str) -> AddressPoint:
    return AddressPoint.objects.get(source_code=adm)


def test_ruian_file_in_cp1250_is_converted_from_sjtsk(tmp_path: Path) -> None:
    summary = import_addresses(paths=[write(tmp_path / "554791.csv", ruian_csv(PLZEN))])
    assert summary.imported == 4
    americka = _point("11111111")
    assert (americka.street, americka.part, americka.municipality) == ("Americká", "Jižní Předměstí", "Plzeň")
    assert americka.lat == pytest.approx(49.741, abs=1e-6)
    assert americka.lon == pytest.approx(13.372, abs=1e-6)
    assert str(americka) == "Americká 2244/42, Jižní Předměstí, 301 00 Plzeň"
    assert str(_point("11111112")) == "Americká 2245/44a, Jižní Předměstí, 301 00 Plzeň"
    assert AuditEntry.objects.filter(action="territory.import_addresses").count() == 1


def test_decimal_comma_and_old_header_are_read(tmp_path: Path) -> None:
    path = write(tmp_path / "old.csv", ruian_csv(PLZEN, header=HEADER_OLD, comma=True))
    summary = import_addresses(paths=[path])
    assert summary.imported == 4
    assert _point("11111113").lat == pytest.approx(49.745, abs=1e-6)


def test_rows_without_coordinates_are_counted_and_bad_rows_reported(tmp_path: Path) -> None:
    no_coords = Point("33", "554791", "Plzeň", "Doubravka", "Zábělská", 5, None, "", "31200", None, None)
    bad_number = PLZEN[0]._replace(adm="44", house=0)
    data = ruian_csv([*PLZEN, no_coords, bad_number])
    with translation.override("en"):  # the summary speaks the importing user's language
        summary = import_addresses(paths=[write(tmp_path / "a.csv", data)])
    assert summary.imported == 4
    assert summary.without_coordinates == 1
    assert [(b.line, b.reason) for b in summary.bad_rows] == [
        (7, "the house or orientation number is not a whole number")
    ]


def test_village_without_streets_and_registration_numbers(tmp_path: Path) -> None:
    import_addresses(paths=[write(tmp_path / "lhota.csv", ruian_csv(LHOTA))])
    assert str(_point("22222221")) == "Lhota 12, 301 00 Lhota"
    assert str(_point("22222222")) == "Lhota č. ev. 3, 301 00 Lhota"
    assert _point("22222221").street_key == "lhota"


def test_zip_of_municipality_files(tmp_path: Path) -> None:
    archive = zip_of(tmp_path / "all.zip", {"554791.csv": ruian_csv(PLZEN), "558371.csv": ruian_csv(LHOTA), "readme.txt": b"x"})
    summary = import_addresses(paths=[archive])
    assert summary.imported == 6
    assert summary.municipalities == ["554791", "558371"]
    assert set(AddressName.objects.values_list("key", "is_street")) >= {
        ("americka", True), ("jizni predmesti", False), ("lhota", False)
    }


def test_reimport_replaces_only_that_municipality(tmp_path: Path) -> None:
    import_addresses(paths=[write(tmp_path / "p.csv", ruian_csv(PLZEN)), write(tmp_path / "l.csv", ruian_csv(LHOTA))])
    import_addresses(paths=[write(tmp_path / "p2.csv", ruian_csv(PLZEN[:1]))])
    assert AddressPoint.objects.filter(municipality_code="554791").count() == 1
    assert AddressPoint.objects.filter(municipality_code="558371").count() == 2
    assert not AddressName.objects.filter(key="skroupova").exists()


@pytest.mark.parametrize(
    "content",
    [
        "Kód ADM;Kód obce;Název ulice\n1;2;x\n".encode("cp1250"),  # not an address-point header
        b"\x81\x83\x88;\x90\n",  # bytes that are not Windows-1250
        b"",
    ],
)
def test_bad_file_changes_nothing(tmp_path: Path, content: bytes) -> None:
    import_addresses(paths=[write(tmp_path / "p.csv", ruian_csv(PLZEN))])
    before = list(AddressPoint.objects.values_list("id", flat=True))
    audits = AuditEntry.objects.count()
    # A good file first: its municipality would be replaced, but the bad one refuses all.
    good = write(tmp_path / "p2.csv", ruian_csv(PLZEN[:1]))
    with pytest.raises(AddressImportError):
        import_addresses(paths=[good, write(tmp_path / "bad.csv", content)])
    assert list(AddressPoint.objects.values_list("id", flat=True)) == before
    assert AuditEntry.objects.count() == audits


def test_command_prints_a_summary_and_refuses_a_bad_file(tmp_path: Path) -> None:
    out = StringIO()
    with translation.override("en"):
        call_command("import_addresses", str(write(tmp_path / "p.csv", ruian_csv(PLZEN))), stdout=out)
        assert "Imported 4 address points in 1 municipalities" in out.getvalue()
        err = StringIO()
        with pytest.raises(CommandError, match="Nothing was imported"):
            call_command("import_addresses", str(tmp_path / "missing.csv"), stderr=err)
        assert "does not exist" in err.getvalue()


def test_generic_csv_with_column_options(tmp_path: Path) -> None:
    # Polish address points, e.g. from PRG, in PUWG 1992 (EPSG:2180).
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:2180", always_xy=True).transform(18.6, 53.01)
    data = f"teryt;miejscowosc;ulica;numer;x;y\n0463011;Toruń;Szeroka;12;{x:.2f};{y:.2f}\n"
    columns = CsvColumns(
        municipality_code="teryt", municipality="miejscowosc", street="ulica",
        house_number="numer", x="x", y="y", delimiter=";", crs="EPSG:2180",
    )
    summary = import_addresses(paths=[write(tmp_path / "pl.csv", data.encode())], file_format="csv", columns=columns)
    assert summary.imported == 1
    point = AddressPoint.objects.get()
    assert (point.street, point.house_number) == ("Szeroka", 12)
    assert point.lat == pytest.approx(53.01, abs=1e-6)


def test_generic_csv_names_a_missing_column(tmp_path: Path, **_: Any) -> None:
    columns = CsvColumns(municipality_code="a", municipality="b", house_number="c", x="lon", y="lat")
    with translation.override("en"), pytest.raises(AddressImportError, match="no column lon, lat"):
        import_addresses(paths=[write(tmp_path / "x.csv", b"a,b,c\n1,2,3\n")], file_format="csv", columns=columns)
