"""Demo territory: Plzeňský kraj, ORP Plzeň, Plzeň, its city districts and police districts
(synthetic shapes, real RÚIAN / NUTS codes), officers, the gazetteer.

The region's and the ORP's outlines are synthetic boxes (not the official borders) drawn so
that the city outline lies inside both: incidents in the city find their region and ORP.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import shapely
from django.db import transaction
from shapely.affinity import scale
from shapely.geometry import MultiPoint, Point, Polygon, box

from straz.accounts import audit
from straz.geo.geojson import normalise_winding, to_geojson
from straz.territory.models import Area, AreaKind, Place
from straz.territory.rules import normalise_place_name
from straz.territory.services import bulk_load_places, load_area, load_officer


class IzsArea(NamedTuple):
    """A demo region or ORP: its code, name, synthetic box (lon/lat bounds) and population."""

    code: str
    name: str
    bbox: tuple[float, float, float, float]
    population: int


# Rough outline of Plzeň (lon, lat), clockwise from the north-west; approximate, not official.

CITY_OUTLINE = [
    (13.300, 49.795),
    (13.345, 49.802),
    (13.380, 49.797),
    (13.410, 49.790),
    (13.440, 49.781),
    (13.470, 49.770),
    (13.486, 49.750),
    (13.478, 49.728),
    (13.460, 49.705),
    (13.440, 49.688),
    (13.410, 49.672),
    (13.375, 49.667),
    (13.345, 49.676),
    (13.318, 49.690),
    (13.290, 49.705),
    (13.270, 49.725),
    (13.262, 49.748),
    (13.270, 49.770),
    (13.285, 49.787),
    (13.300, 49.795),
]
MUNICIPALITY: dict[str, Any] = {"code": "554791", "name": "Plzeň", "population": 185_000}
# The IZS notifies by region and ORP (§23(2)): codes are real, outlines synthetic boxes
# (min lon, min lat, max lon, max lat) around the city outline.
REGION = IzsArea("CZ032", "Plzeňský kraj", (12.60, 49.15, 13.95, 50.10), 610_000)
ORP = IzsArea("3212", "ORP Plzeň", (13.15, 49.58, 13.60, 49.88), 200_000)
# Real RÚIAN codes; centres are rough and only seed the synthetic cells.
CITY_DISTRICTS: list[dict[str, Any]] = [
    {"code": "545970", "name": "Plzeň 1", "centre": (49.775, 13.352), "population": 60_000},
    {"code": "545988", "name": "Plzeň 2-Slovany", "centre": (49.722, 13.410), "population": 38_000},
    {"code": "546003", "name": "Plzeň 3", "centre": (49.731, 13.350), "population": 58_000},
    {"code": "546208", "name": "Plzeň 4", "centre": (49.766, 13.432), "population": 27_000},
]
# Invented police districts around the places real stations serve.
POLICE_DISTRICTS = [
    ("PLZ-01", "Obvod Plzeň-střed", (49.7477, 13.3776), 22_000),
    ("PLZ-02", "Obvod Plzeň-Bory", (49.7280, 13.3600), 24_000),
    ("PLZ-03", "Obvod Plzeň-Slovany", (49.7330, 13.4000), 28_000),
    ("PLZ-04", "Obvod Plzeň-Doubravka", (49.7610, 13.4330), 20_000),
    ("PLZ-05", "Obvod Plzeň-Lochotín", (49.7690, 13.3600), 30_000),
    ("PLZ-06", "Obvod Plzeň-Bolevec", (49.7880, 13.3700), 18_000),
    ("PLZ-07", "Obvod Plzeň-Skvrňany", (49.7450, 13.3230), 20_000),
    ("PLZ-08", "Obvod Plzeň-Východní předměstí", (49.7510, 13.4050), 14_000),
    ("PLZ-09", "Obvod Plzeň-Litice a Lhota", (49.6950, 13.3650), 5_000),
    ("PLZ-10", "Obvod Plzeň-Černice", (49.7080, 13.4400), 4_000),
]
OFFICERS = [
    ("Petr Novák", "praporčík"),
    ("Jana Svobodová", "nadpraporčík"),
    ("Tomáš Dvořák", "podpraporčík"),
    ("Lucie Černá", "nadstrážmistr"),
    ("Martin Procházka", "praporčík"),
    ("Kateřina Kučerová", "inspektorka"),
    ("Jiří Veselý", "nadpraporčík"),
    ("Eva Horáková", "podpraporčice"),
    ("Jakub Němec", "strážmistr"),
    ("Hana Marková", "praporčice"),
]
OFFICE_HOURS = "Po 8:00–12:00, St 13:00–17:00"

# (name, kind, lat, lon)
PLACES = [
    ("náměstí Republiky", "landmark", 49.7477, 13.3776),
    ("Hlavní nádraží", "landmark", 49.7434, 13.3870),
    ("Americká", "street", 49.7444, 13.3800),
    ("Klatovská třída", "street", 49.7330, 13.3700),
    ("Karlovarská", "street", 49.7750, 13.3660),
    ("Rokycanská", "street", 49.7560, 13.4150),
    ("Slovanská alej", "street", 49.7350, 13.3980),
    ("Masarykovo náměstí", "landmark", 49.7345, 13.4010),
    ("Borský park", "landmark", 49.7270, 13.3660),
    ("Lochotínský park", "landmark", 49.7600, 13.3720),
    ("Plzeňský Prazdroj", "landmark", 49.7470, 13.3930),
    ("Doosan Arena", "landmark", 49.7490, 13.3870),
    ("Techmania", "landmark", 49.7410, 13.3580),
    ("DEPO2015", "landmark", 49.7460, 13.3650),
    ("Zoologická a botanická zahrada", "landmark", 49.7640, 13.3580),
    ("Fakultní nemocnice Lochotín", "landmark", 49.7690, 13.3800),
    ("Fakultní nemocnice Bory", "landmark", 49.7310, 13.3680),
    ("Západočeská univerzita", "landmark", 49.7240, 13.3510),
    ("Sady Pětatřicátníků", "street", 49.7460, 13.3740),
    ("Prešovská", "street", 49.7460, 13.3760),
    ("Pražská", "street", 49.7480, 13.3810),
    ("Nádražní", "street", 49.7440, 13.3840),
    ("Přemyslova", "street", 49.7540, 13.3790),
    ("Francouzská třída", "street", 49.7410, 13.3930),
    ("Koterovská", "street", 49.7350, 13.4130),
    ("Gerská", "street", 49.7800, 13.3660),
    ("Kaznějovská", "street", 49.7790, 13.3750),
    ("Studentská", "street", 49.7640, 13.3600),
    ("Mikulášské náměstí", "landmark", 49.7390, 13.3900),
    ("Sylvestrova", "street", 49.7570, 13.4300),
    ("Plaská", "street", 49.7700, 13.3810),
    ("Americká 42", "address", 49.7442, 13.3815),
    ("náměstí Republiky 1", "address", 49.7474, 13.3779),
]

# ---------------------------------------------------------------------------------- territory


def _metric_scale() -> float:
    # Work in a locally-isotropic plane (lon scaled by cos φ) so Voronoi cells look right.
    return math.cos(math.radians(49.74))


def _voronoi(centres: list[tuple[float, float]], outline: Any) -> list[Any]:
    """Cells (WGS84 polygons) around (lat, lon) centres, clipped to the outline, in input order."""

    k = _metric_scale()
    flat_outline = scale(outline, xfact=k, yfact=1.0, origin=(0, 0))
    pts = MultiPoint([(lon * k, lat) for lat, lon in centres])
    cells = shapely.voronoi_polygons(pts, extend_to=flat_outline.buffer(0.1))
    out = []
    for lat, lon in centres:
        p = Point(lon * k, lat)
        cell = next(c for c in cells.geoms if c.contains(p))
        clipped = cell.intersection(flat_outline)
        out.append(scale(clipped, xfact=1.0 / k, yfact=1.0, origin=(0, 0)))
    return out


def _area(
    *, kind: str, code: str, name: str, geom: Any, population: int | None, parent: Any
) -> Any:
    # Through the territory wing's loader: the demo obeys the same rules as imports.
    geojson = to_geojson(normalise_winding(geom))
    geojson["coordinates"] = _round_coords(geojson["coordinates"])
    return load_area(kind=kind, code=code, name=name, geometry=geojson, population=population, parent=parent)


def _round_coords(value: Any) -> Any:
    if value and isinstance(value[0], int | float):
        return [round(value[0], 6), round(value[1], 6)]
    return [_round_coords(v) for v in value]


IZS_AREAS_ACTION = "demo.izs_areas"


def create_izs_areas() -> tuple[Area, Area]:
    """Plzeňský kraj and ORP Plzeň, the areas IZS notifications are addressed by (idempotent)."""
    region = _area(
        kind=AreaKind.REGION, code=REGION.code, name=REGION.name, geom=box(*REGION.bbox),
        population=REGION.population, parent=None,
    )
    orp = _area(
        kind=AreaKind.ORP, code=ORP.code, name=ORP.name, geom=box(*ORP.bbox),
        population=ORP.population, parent=region,
    )
    return region, orp


def ensure_izs_areas() -> bool:
    """Add the region and ORP to a demo database loaded before they were areas; True when added."""
    if Area.objects.filter(kind=AreaKind.REGION, code=REGION.code).exists():
        return False
    with transaction.atomic():
        region, orp = create_izs_areas()
        audit.record(
            action=IZS_AREAS_ACTION,
            object_type="demo",
            object_id="plzen-izs-areas",
            actor_label="system",
            after={"region": region.code, "orp": orp.code},
        )
    return True


def create_territory() -> dict[str, Any]:
    """The demo's areas, officers and their districts."""
    create_izs_areas()
    outline = Polygon(CITY_OUTLINE)
    city = _area(
        kind=AreaKind.MUNICIPALITY,
        code=MUNICIPALITY["code"],
        name=str(MUNICIPALITY["name"]),
        geom=outline,
        population=int(MUNICIPALITY["population"]),
        parent=None,
    )
    district_cells = _voronoi([d["centre"] for d in CITY_DISTRICTS], outline)
    for spec, cell in zip(CITY_DISTRICTS, district_cells, strict=True):
        _area(
            kind=AreaKind.CITY_DISTRICT,
            code=str(spec["code"]),
            name=str(spec["name"]),
            geom=cell,
            population=int(spec["population"]),
            parent=city,
        )
    police_cells = _voronoi([centre for _, _, centre, _ in POLICE_DISTRICTS], outline)
    police = []
    for i, ((code, name, _centre, population), cell) in enumerate(
        zip(POLICE_DISTRICTS, police_cells, strict=True)
    ):
        area = _area(
            kind=AreaKind.POLICE_DISTRICT,
            code=code,
            name=name,
            geom=cell,
            population=population,
            parent=city,
        )
        officer_name, rank = OFFICERS[i % len(OFFICERS)]
        given, family = officer_name.split(" ", 1)
        email = f"{ascii_name(given)}.{ascii_name(family)}@example.cz"
        load_officer(
            email=email,
            name=officer_name,
            rank=rank,
            phone=f"+420 974 3{i:02d} {100 + 7 * i:03d}",
            office=f"Obvodní oddělení {name.removeprefix('Obvod ')}, Plzeň",
            office_hours=OFFICE_HOURS,
            district=area,
        )
        police.append(area)
    return {"city": city, "police": police}

def create_places() -> list[Any]:
    bulk_load_places(PLACES)
    return list(Place.objects.all())


def ascii_name(text: str) -> str:
    return normalise_place_name(text).replace(" ", "")
