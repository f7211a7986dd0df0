"""Small RÚIAN-shaped address-point files for the tests (cp1250, S-JTSK as ČÚZK writes it)."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from pyproj import Transformer

HEADER_2024 = (
    "Kód ADM;Kód obce;Název obce;Kód MOMC;Název MOMC;Kód MOP;Název MOP;Kód části obce;"
    "Název části obce;Kód ulice;Název ulice;Typ SO;Číslo domovní;Číslo orientační;"
    "Znak čísla orientačního;PSČ;Souřadnice Y;Souřadnice X;Platí Od"
)
# An older export: fewer columns, in another order, no MOMC/MOP.
HEADER_OLD = (
    "Kód ADM;Kód obce;Název obce;Název části obce;Název ulice;Typ SO;Číslo domovní;"
    "Číslo orientační;Znak čísla orientačního;PSČ;Souřadnice Y;Souřadnice X"
)
_TO_SJTSK = Transformer.from_crs("EPSG:4326", "EPSG:5514", always_xy=True)


class Point(NamedTuple):
    adm: str
    municipality_code: str
    municipality: str
    part: str
    street: str
    house: int
    orientation: int | None
    letter: str
    postcode: str
    lat: float | None
    lon: float | None
    kind: str = "č.p."


PLZEN = [
    Point("11111111", "554791", "Plzeň", "Jižní Předměstí", "Americká", 2244, 42, "", "30100", 49.741, 13.372),
    Point("11111112", "554791", "Plzeň", "Jižní Předměstí", "Americká", 2245, 44, "a", "30100", 49.7412, 13.373),
    Point("11111113", "554791", "Plzeň", "Východní Předměstí", "Škroupova", 1, 3, "", "30100", 49.745, 13.381),
    Point("11111114", "554791", "Plzeň", "Jižní Předměstí", "Náměstí Republiky", 42, 7, "", "30100", 49.747, 13.377),
]
LHOTA = [
    Point("22222221", "558371", "Lhota", "Lhota", "", 12, None, "", "30100", 49.712, 13.300),
    Point("22222222", "558371", "Lhota", "Lhota", "", 3, None, "", "30100", 49.713, 13.301, "č.ev."),
]


def sjtsk(lat: float, lon: float) -> tuple[float, float]:
    """RÚIAN's positive (Y, X) for a WGS84 point."""
    x, y = _TO_SJTSK.transform(lon, lat)
    return -x, -y


def ruian_csv(points: Sequence[Point], *, header: str = HEADER_2024, comma: bool = False) -> bytes:
    """A RÚIAN address-point CSV in Windows-1250."""
    lines = [header]
    old = header == HEADER_OLD
    for p in points:
        if p.lat is None or p.lon is None:
            y_text = x_text = ""
        else:
            y, x = sjtsk(p.lat, p.lon)
            y_text, x_text = f"{y:.2f}", f"{x:.2f}"
            if comma:
                y_text, x_text = y_text.replace(".", ","), x_text.replace(".", ",")
        orientation = "" if p.orientation is None else str(p.orientation)
        if old:
            cells = [p.adm, p.municipality_code, p.municipality, p.part, p.street, p.kind,
                     str(p.house), orientation, p.letter, p.postcode, y_text, x_text]
        else:
            cells = [p.adm, p.municipality_code, p.municipality, "", "", "", "", "1",
                     p.part, "9" if p.street else "", p.street, p.kind, str(p.house),
                     orientation, p.letter, p.postcode, y_text, x_text, "2024-01-01T00:00:00"]
        lines.append(";".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode("cp1250")


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path
