"""Demo data: Plzeň with districts, officers, staff users, a gazetteer and thousands of reports,
and joint interventions of the IZS (open incidents, an event, a closed one whose report is due).

The city outline and every district polygon here are SYNTHETIC: plausible shapes built
from real district centres (Voronoi cells clipped to a rough city outline), not the
official RÚIAN boundaries. Codes of the municipality and of the city districts Plzeň 1–4
are the real RÚIAN codes; police districts (obvody), officers and contacts are invented.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

DEMO_PASSWORD_SUFFIX = "-demo"  # noqa: S105 - published demo logins
DEMO_AUDIT_ACTION = "demo.load"
DEFAULT_REPORT_COUNT = 5000
DEMO_ROLES = ("officer", "supervisor", "dispatcher", "analyst", "manager", "admin")
# History spans about 18 months; reports are denser towards the present.
HISTORY_DAYS = 540

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
MUNICIPALITY = {"code": "554791", "name": "Plzeň", "population": 185_000}
# Real RÚIAN codes; centres are rough and only seed the synthetic cells.
CITY_DISTRICTS = [
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


@dataclass(frozen=True)
class Hotspot:
    """Where reports cluster: a point (or a street segment) with a spread in metres."""

    kind: str
    a: tuple[float, float]
    b: tuple[float, float] | None
    sigma_m: float
    weight: float


HOTSPOTS = [
    Hotspot("centre", (49.7477, 13.3776), None, 260, 3.0),
    Hotspot("station", (49.7434, 13.3870), None, 150, 2.0),
    Hotspot("station", (49.7380, 13.3830), None, 120, 0.6),  # bus terminal
    Hotspot("estate", (49.7690, 13.3560), None, 380, 1.6),  # Lochotín
    Hotspot("estate", (49.7830, 13.3700), None, 350, 1.2),  # Košutka / Bolevec
    Hotspot("estate", (49.7350, 13.4080), None, 380, 1.5),  # Slovany
    Hotspot("estate", (49.7240, 13.3560), None, 330, 1.3),  # Bory
    Hotspot("estate", (49.7600, 13.4320), None, 350, 1.0),  # Doubravka
    Hotspot("estate", (49.7430, 13.3240), None, 330, 1.1),  # Skvrňany
    Hotspot("park", (49.7270, 13.3660), None, 150, 1.0),  # Borský park
    Hotspot("park", (49.7600, 13.3720), None, 140, 0.9),  # Lochotínský park
    Hotspot("park", (49.7460, 13.3740), None, 90, 1.0),  # the ring of parks around the centre
    Hotspot("nightlife", (49.7452, 13.3725), (49.7432, 13.3870), 35, 2.0),  # Americká
    Hotspot("road", (49.7620, 13.3700), (49.7990, 13.3560), 25, 2.0),  # Karlovarská
    Hotspot("road", (49.7520, 13.3960), (49.7650, 13.4700), 25, 2.0),  # Rokycanská
    Hotspot("road", (49.7360, 13.3730), (49.6900, 13.3690), 25, 1.8),  # Klatovská
    Hotspot("road", (49.7380, 13.3980), (49.7150, 13.4500), 25, 1.2),  # Slovanská / Východní
    Hotspot("road", (49.7480, 13.3600), (49.7420, 13.2800), 25, 1.2),  # Domažlická / Plzeňská
]

# Share of reports per category (Czech set). Speeding, bad parking and drinking ≈ 70 %.
CATEGORY_MIX: dict[str, float] = {
    "cz-speeding": 28.0,
    "cz-bad-parking": 27.0,
    "cz-public-drinking": 15.0,
    "cz-illegal-dump": 5.0,
    "cz-night-noise": 5.0,
    "cz-vandalism-graffiti": 4.0,
    "cz-drug-use": 2.5,
    "cz-stray-dogs": 2.0,
    "cz-discarded-syringes": 2.0,
    "cz-dangerous-place": 2.0,
    "cz-abandoned-vehicle": 1.5,
    "cz-broken-street-lighting": 1.5,
    "cz-begging": 1.5,
    "cz-homeless-needing-help": 1.5,
    "cz-minors-at-risk": 1.0,
    "cz-illegal-dormitory": 0.5,
}
# Where each category tends to happen: weights per hotspot kind ("background" = anywhere).
CATEGORY_PLACES: dict[str, dict[str, float]] = {
    "cz-speeding": {"road": 0.9, "background": 0.1},
    "cz-bad-parking": {"centre": 0.35, "estate": 0.35, "station": 0.15, "background": 0.15},
    "cz-public-drinking": {
        "park": 0.35,
        "nightlife": 0.25,
        "station": 0.2,
        "centre": 0.1,
        "background": 0.1,
    },
    "cz-night-noise": {"nightlife": 0.55, "estate": 0.3, "background": 0.15},
    "cz-illegal-dump": {"background": 0.75, "estate": 0.25},
    "cz-vandalism-graffiti": {"estate": 0.4, "park": 0.2, "station": 0.2, "background": 0.2},
    "cz-drug-use": {"station": 0.4, "park": 0.4, "background": 0.2},
    "cz-discarded-syringes": {"park": 0.5, "station": 0.3, "background": 0.2},
    "cz-stray-dogs": {"background": 0.8, "estate": 0.2},
    "cz-begging": {"centre": 0.6, "station": 0.4},
    "cz-homeless-needing-help": {"station": 0.5, "park": 0.3, "centre": 0.2},
    "cz-minors-at-risk": {"estate": 0.6, "park": 0.4},
    "cz-illegal-dormitory": {"estate": 0.6, "background": 0.4},
}
DEFAULT_PLACES = {"background": 0.5, "estate": 0.3, "centre": 0.2}
DESCRIPTIONS: dict[str, list[str]] = {
    "cz-speeding": [
        "Auta tu večer jezdí výrazně rychleji než 50.",
        "Motorkáři závodí hlavně o víkendu.",
    ],
    "cz-bad-parking": [
        "Auta parkují na chodníku, kočárek neprojede.",
        "Stání na přechodu u školy.",
    ],
    "cz-public-drinking": [
        "Skupina lidí tu denně pije na lavičkách.",
        "Po zavíračce hluk a rozbité lahve.",
    ],
    "cz-illegal-dump": [
        "Za garážemi přibývá stavební suť.",
        "Vyhozená lednička a pytle s odpadem.",
    ],
    "cz-night-noise": ["Hlasitá hudba po 22. hodině každý pátek."],
}
# Police-only notes (never public): they let privacy checks look for something real.
INTERNAL_NOTES = [
    "Kontrola provedena hlídkou 2. směny, oznamovatel nekontaktován.",
    "Opakovaný výskyt, doporučeno zařadit do plánu hlídek na víkend.",
    "Na místě zjištěna skupina osob, poučeny, bez dalších opatření.",
    "Předán podnět Městské policii Plzeň.",
]
PUBLIC_NOTES = {
    "confirmed": ["Lokalita zařazena do plánu hlídkové činnosti.", ""],
    "eliminated": [
        "Zvýšené hlídky, problém se již neopakuje.",
        "Vozidla odtažena, značení doplněno.",
        "",
    ],
    "passed_on": [
        "Předáno odboru životního prostředí Magistrátu města Plzně.",
        "Předáno správě komunikací.",
    ],
    "not_confirmed": ["Při kontrole na místě nezjištěno.", ""],
}


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        # Django's OutputWrapper adds the newline only when missing; plain streams need it.
        stdout.write(text if text.endswith("\n") else text + "\n")


def demo_present() -> bool:
    """True when the demo data set was loaded into this database before."""
    from straz.accounts.models import AuditEntry

    return AuditEntry.objects.filter(action=DEMO_AUDIT_ACTION).exists()


def ensure_demo_data(*, report_count: int | None = None, stdout: Any = None) -> bool:
    """Load the demo data set unless present; True when it was created now."""
    if demo_present():
        # Databases loaded before the IZS part (or its history) existed get it now.
        ensure_incident_demo(stdout=stdout)
        ensure_incident_history(stdout=stdout)
        return False
    try:
        from straz.reports.seed import seed_categories
    except ImportError as exc:  # pragma: no cover - guards a broken install
        raise RuntimeError(
            "straz.reports.seed.seed_categories is missing; cannot load demo reports"
        ) from exc
    from straz.accounts import audit
    from straz.reports import aggregates

    count = DEFAULT_REPORT_COUNT if report_count is None else max(0, int(report_count))
    with transaction.atomic():
        # Take the audit chain's head lock first: two `straz demo` runs at once then queue
        # here (SQLite's IMMEDIATE transactions already do) instead of clashing on codes.
        from straz.accounts.models import AuditHead

        AuditHead.objects.select_for_update().get_or_create(id=1)
        if demo_present():  # another process won the race while we waited for the lock
            return False
        seed_categories()
        areas = _create_territory()
        _say(
            stdout,
            f"Territory: Plzeň, {len(CITY_DISTRICTS)} city districts, "
            f"{len(POLICE_DISTRICTS)} police districts.",
        )
        users = _create_users(areas["police"], stdout)
        places = _create_places()
        stats = _create_reports(count=count, users=users, places=places)
        _say(
            stdout,
            f"Reports: {stats['reports']} ({stats['duplicates']} duplicates), "
            f"events: {stats['events']}.",
        )
        aggregates.rebuild()
        # bulk_create skips the model signals that keep the statistics summaries exact.
        from straz.analytics.summaries import rebuild_summaries

        rebuild_summaries()
        audit.record(
            action=DEMO_AUDIT_ACTION,
            object_type="demo",
            object_id="plzen",
            actor_label="system",
            after={
                "municipality": MUNICIPALITY["code"],
                "police_districts": [code for code, *_ in POLICE_DISTRICTS],
                "users": sorted(users),
                "places": len(places),
                **stats,
            },
        )
    ensure_incident_demo(stdout=stdout)
    ensure_incident_history(stdout=stdout)
    return True


# ---------------------------------------------------------------------------------- territory


def _metric_scale() -> float:
    # Work in a locally-isotropic plane (lon scaled by cos φ) so Voronoi cells look right.
    return math.cos(math.radians(49.74))


def _voronoi(centres: list[tuple[float, float]], outline: Any) -> list[Any]:
    """Cells (WGS84 polygons) around (lat, lon) centres, clipped to the outline, in input order."""
    import shapely
    from shapely.affinity import scale
    from shapely.geometry import MultiPoint, Point

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
    from straz.geo.geojson import bbox_of, normalise_winding, parse_geometry, to_geojson
    from straz.territory.models import Area

    # Round-trip through the validating parser: the demo obeys the same rules as imports.
    geojson = to_geojson(normalise_winding(geom))
    geojson["coordinates"] = _round_coords(geojson["coordinates"])
    checked = parse_geometry(geojson)
    min_lon, min_lat, max_lon, max_lat = bbox_of(checked)
    area, _ = Area.objects.update_or_create(
        kind=kind,
        code=code,
        defaults={
            "name": name,
            "geometry": to_geojson(checked),
            "population": population,
            "parent": parent,
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
            "is_active": True,
        },
    )
    return area


def _round_coords(value: Any) -> Any:
    if value and isinstance(value[0], int | float):
        return [round(value[0], 6), round(value[1], 6)]
    return [_round_coords(v) for v in value]


def _create_territory() -> dict[str, Any]:
    from shapely.geometry import Polygon

    from straz.territory.models import AreaKind, Officer

    outline = Polygon(CITY_OUTLINE)
    city = _area(
        kind=AreaKind.MUNICIPALITY,
        code=MUNICIPALITY["code"],
        name=str(MUNICIPALITY["name"]),
        geom=outline,
        population=int(MUNICIPALITY["population"]),
        parent=None,
    )
    district_cells = _voronoi([d["centre"] for d in CITY_DISTRICTS], outline)  # type: ignore[misc]
    for spec, cell in zip(CITY_DISTRICTS, district_cells, strict=True):
        _area(
            kind=AreaKind.CITY_DISTRICT,
            code=str(spec["code"]),
            name=str(spec["name"]),
            geom=cell,
            population=int(spec["population"]),
            parent=city,  # type: ignore[call-overload]
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
        email = f"{_ascii(given)}.{_ascii(family)}@example.cz"
        officer, _ = Officer.objects.update_or_create(
            email=email,
            defaults={
                "name": officer_name,
                "rank": rank,
                "phone": f"+420 974 3{i:02d} {100 + 7 * i:03d}",
                "office": f"Obvodní oddělení {name.removeprefix('Obvod ')}, Plzeň",
                "office_hours": OFFICE_HOURS,
            },
        )
        officer.districts.add(area)
        area.primary_officer = officer
        area.save(update_fields=["primary_officer", "updated_at"])
        police.append(area)
    return {"city": city, "police": police}


def _ascii(text: str) -> str:
    from straz.territory.models import normalise_place_name

    return normalise_place_name(text).replace(" ", "")


# ---------------------------------------------------------------------------------- people


def _create_users(police: list[Any], stdout: Any = None) -> dict[str, Any]:
    from straz.accounts.models import Role, User

    scopes = {"officer": police[:2], "supervisor": police[:5]}
    users: dict[str, Any] = {}
    for role in DEMO_ROLES:
        user = User.objects.filter(username=role).first()
        if user is None:
            user = User.objects.create_user(
                username=role,
                password=f"{role}{DEMO_PASSWORD_SUFFIX}",
                role=Role(role),
                first_name=role.capitalize(),
                email=f"{role}@example.cz",
                is_staff=role == "admin",
                is_superuser=role == "admin",
            )
            if role in scopes:
                user.districts.set(scopes[role])
        else:
            # Never reset the password of an account someone already made.
            _say(stdout, f"User {role} already exists; left unchanged (demo password not set).")
        users[role] = user
    profile = police[0].primary_officer
    if (
        profile is not None
        and profile.user_id is None
        and not hasattr(users["officer"], "officer_profile")
    ):
        profile.user = users["officer"]
        profile.save(update_fields=["user"])
    return users


def _create_places() -> list[Any]:
    from straz.territory.models import Place, normalise_place_name
    from straz.territory.services import route_points

    routes = route_points([(lat, lon) for _, _, lat, lon in PLACES])
    existing = set(Place.objects.values_list("normalised_name", flat=True))
    new = [
        Place(
            name=name,
            normalised_name=normalise_place_name(name),
            kind=kind,
            lat=lat,
            lon=lon,
            area=route.district if route else None,
        )
        for (name, kind, lat, lon), route in zip(PLACES, routes, strict=True)
        if normalise_place_name(name) not in existing
    ]
    Place.objects.bulk_create(new)
    return list(Place.objects.all())


# ---------------------------------------------------------------------------------- reports


def _offset(
    lat: float, lon: float, north_m: np.ndarray, east_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    return lat + north_m / 111_320.0, lon + east_m / (111_320.0 * math.cos(math.radians(lat)))


def _sample_points(
    rng: np.random.Generator, kinds: list[dict[str, float]], bbox: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """One point per entry of `kinds` (a weight per hotspot kind), before routing checks."""
    n = len(kinds)
    lats = np.empty(n)
    lons = np.empty(n)
    by_kind: dict[str, list[Hotspot]] = {}
    for h in HOTSPOTS:
        by_kind.setdefault(h.kind, []).append(h)
    for i, weights in enumerate(kinds):
        names = list(weights)
        kind = names[
            int(
                rng.choice(
                    len(names), p=np.array([weights[k] for k in names]) / sum(weights.values())
                )
            )
        ]
        if kind == "background" or kind not in by_kind:
            lats[i] = rng.uniform(bbox[1], bbox[3])
            lons[i] = rng.uniform(bbox[0], bbox[2])
            continue
        spots = by_kind[kind]
        spot = spots[
            int(
                rng.choice(
                    len(spots), p=np.array([s.weight for s in spots]) / sum(s.weight for s in spots)
                )
            )
        ]
        if spot.b is None:
            lat, lon = _offset(
                spot.a[0], spot.a[1], rng.normal(0, spot.sigma_m, 1), rng.normal(0, spot.sigma_m, 1)
            )
        else:
            t = rng.uniform()
            base_lat = spot.a[0] + t * (spot.b[0] - spot.a[0])
            base_lon = spot.a[1] + t * (spot.b[1] - spot.a[1])
            lat, lon = _offset(
                base_lat, base_lon, rng.normal(0, spot.sigma_m, 1), rng.normal(0, spot.sigma_m, 1)
            )
        lats[i], lons[i] = float(lat[0]), float(lon[0])
    return lats, lons


def _age_days(rng: np.random.Generator, n: int) -> np.ndarray:
    # u**1.7 piles ages near zero: recent months are busier, as on the real maps.
    return HISTORY_DAYS * rng.uniform(0, 1, n) ** 1.7


def _hour_of_day(rng: np.random.Generator, code: str) -> float:
    if code in ("cz-public-drinking", "cz-night-noise", "cz-drug-use"):
        return float(rng.choice([17, 18, 19, 20, 21, 22, 23, 0, 1])) + rng.uniform(0, 1)
    return float(rng.normal(14, 4)) % 24


def _status_for_age(rng: np.random.Generator, age: float) -> str:
    if age < 2:
        table = {"new": 0.7, "verification": 0.3}
    elif age < 7:
        table = {
            "new": 0.15,
            "verification": 0.3,
            "confirmed": 0.25,
            "not_confirmed": 0.15,
            "eliminated": 0.08,
            "passed_on": 0.07,
        }
    else:
        table = {
            "new": 0.015,
            "verification": 0.035,
            "confirmed": 0.17,
            "not_confirmed": 0.3,
            "eliminated": 0.37,
            "passed_on": 0.11,
        }
    names = list(table)
    return names[
        int(rng.choice(len(names), p=np.array(list(table.values())) / sum(table.values())))
    ]


def _timeline(
    rng: np.random.Generator, status: str, created: datetime, now: datetime
) -> list[tuple[str, datetime, str, str]]:
    """(kind, at, from, to) steps after creation leading to `status`, all before now."""
    days = timedelta(days=1)
    steps: list[tuple[str, float, str, str]] = []
    t = 0.0
    read_after = float(rng.choice([rng.uniform(0.05, 1.5), rng.uniform(1.5, 4.0)], p=[0.85, 0.15]))
    path = {
        "new": [],
        "verification": ["verification"],
        "confirmed": ["verification", "confirmed"],
        "not_confirmed": ["verification", "not_confirmed"],
        "eliminated": ["verification", "confirmed", "eliminated"],
        "passed_on": ["verification", "confirmed", "passed_on"],
    }[status]
    if status == "new":
        if rng.uniform() < 0.4:
            steps.append(("read", read_after, "", ""))
    else:
        steps.append(("read", read_after, "", ""))
        t = read_after
        current = "new"
        for target in path:
            t += {
                "verification": rng.uniform(0.01, 0.5),
                "confirmed": rng.uniform(0.3, 4.0),
                "not_confirmed": rng.uniform(0.3, 4.0),
                "eliminated": rng.uniform(2, 60),
                "passed_on": rng.uniform(0.2, 5),
            }[target]
            steps.append(("status", t, current, target))
            current = target
    if not steps:
        return []
    span = (now - created) / days
    last = max(s[1] for s in steps)
    factor = 1.0 if last < span * 0.98 else span * 0.95 / last
    return [(k, created + timedelta(days=at * factor), f, to) for k, at, f, to in steps]


def _client_key(ip: str) -> str:
    try:
        from straz.reports.intake import client_key
    except ImportError:  # pragma: no cover - intake is part of the product
        return ""
    return client_key(ip).key


def _create_reports(*, count: int, users: dict[str, Any], places: list[Any]) -> dict[str, int]:
    from straz.reports.models import (
        Category,
        EventKind,
        InternalNote,
        Report,
        ReportEvent,
        ReportSource,
    )
    from straz.reports.rules import Status as St
    from straz.reports.rules import deadlines_for, h3_int, public_location, public_visibility
    from straz.territory.services import district_index, route_points

    conf = settings.STRAZ
    now = timezone.now()
    rng = np.random.default_rng(20240601)
    pyrand = random.Random(20240601)
    categories = {
        c.code: c for c in Category.objects.filter(code__in=list(CATEGORY_MIX), is_active=True)
    }
    if not categories:
        raise RuntimeError("no demo categories found (cz-* set); did seed_categories() run?")
    codes = [c for c in CATEGORY_MIX if c in categories]
    weights = np.array([CATEGORY_MIX[c] for c in codes])
    weights = weights / weights.sum()
    if count == 0:
        return {"reports": 0, "duplicates": 0, "events": 0, "notes": 0}

    dup_count = max(1, count // 33) if count >= 10 else 0
    base_count = count - dup_count
    chosen = [codes[i] for i in rng.choice(len(codes), size=base_count, p=weights)]
    # Draw points until every report lies inside a police district.
    index = district_index()
    outline_bbox = (
        min(p[0] for p in CITY_OUTLINE),
        min(p[1] for p in CITY_OUTLINE),
        max(p[0] for p in CITY_OUTLINE),
        max(p[1] for p in CITY_OUTLINE),
    )
    lats = np.empty(base_count)
    lons = np.empty(base_count)
    todo = np.arange(base_count)
    for _round in range(50):
        if len(todo) == 0:
            break
        la, lo = _sample_points(
            rng, [CATEGORY_PLACES.get(chosen[i], DEFAULT_PLACES) for i in todo], outline_bbox
        )
        inside = index.locate_indices(lo, la) >= 0
        lats[todo[inside]] = la[inside]
        lons[todo[inside]] = lo[inside]
        todo = todo[~inside]
    if len(todo):
        raise RuntimeError("could not place demo reports inside the police districts")

    ages = np.sort(_age_days(rng, base_count))[::-1]  # oldest first, so ids grow with time
    acting = users.get("officer")
    supervisor = users.get("supervisor")
    retention = int(conf["PUBLIC_RETENTION_DAYS"])
    approx_res = int(conf["APPROXIMATE_RESOLUTION"])
    read_days, verify_days = int(conf["READ_DEADLINE_DAYS"]), int(conf["VERIFY_DEADLINE_DAYS"])
    ip_days = int(conf.get("IP_RETENTION_DAYS", 180) or 0)
    routes = route_points(list(zip(lats.tolist(), lons.tolist(), strict=True)))
    sources = [ReportSource.WEB] * 17 + [ReportSource.API] * 2 + [ReportSource.OPEN311]

    keys: dict[str, str] = {}

    def reporter(age_days: float) -> dict[str, Any]:
        # Documentation range (RFC 5737); the address is erased after the retention period
        # like real ones, the keyed hash for abuse limits stays.
        ip = f"203.0.113.{pyrand.randint(1, 254)}"
        if ip not in keys:
            keys[ip] = _client_key(ip)
        keep = ip_days == 0 or age_days < ip_days
        return {"reporter_ip": ip if keep else None, "reporter_key": keys[ip]}

    place_lat = np.array([p.lat for p in places])
    place_lon = np.array([p.lon for p in places])

    def nearest_place(lat: float, lon: float) -> str:
        # Citizens who type an address name the nearest street or landmark, if one is close.
        if not places:
            return ""
        d2 = (place_lat - lat) ** 2 + ((place_lon - lon) * math.cos(math.radians(lat))) ** 2
        i = int(np.argmin(d2))
        return str(places[i].name) if math.sqrt(float(d2[i])) * 111_320 < 300 else ""

    reports: list[Report] = []
    timelines: list[list[tuple[str, datetime, str, str]]] = []
    for i in range(base_count):
        code = chosen[i]
        category = categories[code]
        day = now - timedelta(days=float(ages[i]))
        created = day.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
            hours=_hour_of_day(rng, code)
        )
        if created > now - timedelta(minutes=5):
            created = now - timedelta(minutes=float(rng.uniform(5, 600)))
        age = (now - created).total_seconds() / 86400
        status = _status_for_age(rng, age)
        steps = _timeline(rng, status, created, now)
        read_at = next((at for k, at, *_ in steps if k == "read"), None)
        verified_at = next(
            (
                at
                for k, at, _f, to in steps
                if k == "status" and to in ("confirmed", "not_confirmed")
            ),
            None,
        )
        last_change = max([created, *[at for _k, at, *_ in steps]])
        due = deadlines_for(created, read_days=read_days, verify_days=verify_days)
        lat, lon = float(lats[i]), float(lons[i])
        plat, plon = public_location(
            lat, lon, approximate=category.public_location_approximated, resolution=approx_res
        )
        vis = public_visibility(
            status=St(status),
            last_change=last_change,
            now=now,
            only_when_confirmed=category.public_only_when_confirmed,
            is_duplicate=False,
            retention_days=retention,
        )
        route = routes[i]
        assert route is not None
        overdue = (read_at is None and now > due.read_due) or (
            verified_at is None and now > due.verify_due
        )
        flagged = None
        if overdue:
            flagged = min(
                now, (due.read_due if read_at is None else due.verify_due) + timedelta(hours=1)
            )
            steps.append(("overdue", flagged, "", ""))
        descriptions = DESCRIPTIONS.get(code)
        reports.append(
            Report(
                category=category,
                status=status,
                lat=lat,
                lon=lon,
                public_lat=plat,
                public_lon=plon,
                h3_r9=h3_int(lat, lon, 9),
                address_text=nearest_place(lat, lon) if pyrand.random() < 0.3 else "",
                description=pyrand.choice(descriptions)
                if descriptions and pyrand.random() < 0.5
                else "",
                occurred_at=created - timedelta(minutes=pyrand.randint(5, 360))
                if pyrand.random() < 0.5
                else None,
                created_at=created,
                updated_at=last_change,
                read_at=read_at,
                verified_at=verified_at,
                read_due_at=due.read_due,
                verify_due_at=due.verify_due,
                overdue_flagged_at=flagged,
                district=route.district,
                officer=route.officer,
                source=pyrand.choice(sources),
                **reporter(age),
                is_public=vis.public,
                public_until=vis.until,
            )
        )
        timelines.append(steps)
    Report.objects.bulk_create(reports, batch_size=500)

    # Duplicates: a second citizen reports the same thing nearby within a day or two.
    open_recent = [r for r in reports if r.status in ("new", "verification", "confirmed")]
    duplicates: list[Report] = []
    dup_of: dict[int, int] = {}
    for _ in range(dup_count):
        if not open_recent:
            break
        original = pyrand.choice(open_recent)
        created = original.created_at + timedelta(hours=pyrand.uniform(0.5, 40))
        if created >= now:
            created = original.created_at + (now - original.created_at) / 2
        lat, lon = _offset(
            original.lat,
            original.lon,
            np.array([pyrand.gauss(0, 30)]),
            np.array([pyrand.gauss(0, 30)]),
        )
        la, lo = float(lat[0]), float(lon[0])
        category = original.category
        plat, plon = public_location(
            la, lo, approximate=category.public_location_approximated, resolution=approx_res
        )
        duplicates.append(
            Report(
                category=category,
                status="new",
                lat=la,
                lon=lo,
                public_lat=plat,
                public_lon=plon,
                h3_r9=h3_int(la, lo, 9),
                created_at=created,
                updated_at=created,
                district=original.district,
                officer=original.officer,
                source=ReportSource.WEB,
                **reporter((now - created).total_seconds() / 86400),
                duplicate_of=original,
                is_public=False,
                public_until=None,
            )
        )
        dup_of[original.pk] = dup_of.get(original.pk, 0) + 1
    # Route the duplicates too: a nudge of ~30 m may cross a district border.
    for dup, route in zip(
        duplicates, route_points([(d.lat, d.lon) for d in duplicates]), strict=True
    ):
        if route is not None:
            dup.district, dup.officer = route.district, route.officer
    Report.objects.bulk_create(duplicates, batch_size=500)
    for original in reports:
        if original.pk in dup_of:
            original.duplicate_count = dup_of[original.pk]
    Report.objects.bulk_update(
        [r for r in reports if r.pk in dup_of], ["duplicate_count"], batch_size=500
    )

    officer_scope = set(acting.districts.values_list("pk", flat=True)) if acting else set()
    supervisor_scope = (
        set(supervisor.districts.values_list("pk", flat=True)) if supervisor else set()
    )
    events: list[ReportEvent] = []
    notes: list[InternalNote] = []
    for report, steps in zip(reports, timelines, strict=True):
        # Steps in districts without a demo account carry no actor (officers with no login).
        if report.district_id in officer_scope:
            actor = acting
        elif report.district_id in supervisor_scope:
            actor = supervisor
        else:
            actor = None
        events.append(
            ReportEvent(
                report=report, at=report.created_at, kind=EventKind.CREATED, to_status="new"
            )
        )
        for kind, at, from_status, to_status in steps:
            if kind == "read":
                events.append(ReportEvent(report=report, at=at, kind=EventKind.READ, actor=actor))
            elif kind == "status":
                note = pyrand.choice(PUBLIC_NOTES.get(to_status, [""]))
                events.append(
                    ReportEvent(
                        report=report,
                        at=at,
                        kind=EventKind.STATUS,
                        from_status=from_status,
                        to_status=to_status,
                        actor=actor,
                        public_note=note,
                    )
                )
            elif kind == "overdue":
                events.append(ReportEvent(report=report, at=at, kind=EventKind.OVERDUE))
            if kind == "status" and to_status in ("confirmed", "not_confirmed") and actor:
                if pyrand.random() < 0.3:
                    notes.append(
                        InternalNote(
                            report=report,
                            author=actor,
                            text=pyrand.choice(INTERNAL_NOTES),
                            created_at=at,
                        )
                    )
    for dup in duplicates:
        events.append(
            ReportEvent(report=dup, at=dup.created_at, kind=EventKind.CREATED, to_status="new")
        )
        events.append(ReportEvent(report=dup, at=dup.created_at, kind=EventKind.DUPLICATE))
    ReportEvent.objects.bulk_create(events, batch_size=1000)
    InternalNote.objects.bulk_create(notes, batch_size=1000)
    return {
        "reports": len(reports) + len(duplicates),
        "duplicates": len(duplicates),
        "events": len(events),
        "notes": len(notes),
    }


# ---------------------------------------------------------------------------------- IZS
#
# Joint interventions in Plzeň: every record goes through the incident services (checked,
# audited, on the timeline) as the dispatcher or the commander would make it; the services
# stamp the story's own times (recorded_at) while the audit log keeps the real load time.
# Places are real, the incidents and people invented.

INCIDENT_DEMO_ACTION = "demo.incidents"
# (username, first name, last name): incident commanders of HZS Plzeňského kraje.
DEMO_COMMANDERS = (("commander", "Petr", "Kovář"), ("commander2", "Eva", "Dvořáková"))
IZS_REGION = "CZ032"  # Plzeňský kraj
IZS_ORP = "3212"  # ORP Plzeň
# Whom §23(2), §24(2)–(3) and §13 f) notify; e-mail only, so the demo worker writes files.
IZS_CONTACTS = (
    ("hejtman", "Hejtman Plzeňského kraje", "hejtman@plzensky-kraj.example", IZS_REGION, ""),
    ("orp_mayor", "Primátor města Plzně", "primator@plzen.example", IZS_REGION, IZS_ORP),
    ("gr_hzs", "Operační a informační středisko GŘ HZS ČR", "opis@grhzs.example", "", ""),
    ("higher_opis", "OPIS GŘ HZS ČR (nadřízené)", "nadrizene-opis@grhzs.example", IZS_REGION, ""),
)
BRIEFING_WORDS = "Přebírám velení"


def incident_demo_present() -> bool:
    """True when the IZS part of the demo was loaded into this database before."""
    from straz.accounts.models import AuditEntry

    return AuditEntry.objects.filter(action=INCIDENT_DEMO_ACTION).exists()


def ensure_incident_demo(*, stdout: Any = None) -> bool:
    """Load the IZS demo (commanders, open incidents, an event, a closed level-III incident)
    unless present; True when it was created now."""
    if incident_demo_present():
        return False
    from straz.accounts import audit
    from straz.accounts.models import AuditHead

    with transaction.atomic():
        AuditHead.objects.select_for_update().get_or_create(id=1)
        if incident_demo_present():
            return False
        contacts = _izs_contacts()
        story = _IzsStory(
            now=timezone.now().replace(second=0, microsecond=0),
            dispatcher=_demo_user("dispatcher", "dispatcher", "Dispečer", "OPIS", stdout),
            commanders=[_demo_user(u, "commander", first, last, stdout) for u, first, last in DEMO_COMMANDERS],
        )
        told = story.tell()
        audit.record(
            action=INCIDENT_DEMO_ACTION,
            object_type="demo",
            object_id="plzen-izs",
            actor_label="system",
            after={"incidents": told, "contacts": contacts},
        )
    _say(stdout, f"IZS: {len(told['open'])} open incidents, 1 event, 1 closed incident (report due).")
    return True


def _demo_user(username: str, role: str, first: str, last: str, stdout: Any) -> Any:
    from straz.accounts.models import Role, User

    user = User.objects.filter(username=username).first()
    if user is not None:
        return user  # never reset an account someone already has
    _say(stdout, f"User {username} created (password {username}{DEMO_PASSWORD_SUFFIX}).")
    return User.objects.create_user(
        username=username,
        password=f"{username}{DEMO_PASSWORD_SUFFIX}",
        role=Role(role),
        first_name=first,
        last_name=last,
        email=f"{username}@example.cz",
    )


def _izs_contacts() -> int:
    from straz.notifications.models import NotificationContact

    for role, name, address, region, orp in IZS_CONTACTS:
        NotificationContact.objects.get_or_create(
            role=role,
            name=name,
            defaults={"channel": "email", "address": address, "region_code": region, "orp_code": orp},
        )
    return len(IZS_CONTACTS)


def _shift(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    """The point `east_m` east and `north_m` north of (lat, lon), on a local flat earth."""
    return (
        lat + north_m / 111_320.0,
        lon + east_m / (111_320.0 * math.cos(math.radians(lat))),
    )


def _polygon_of(points: list[tuple[float, float]]) -> dict[str, Any]:
    ring = [[round(lon, 6), round(lat, 6)] for lat, lon in points]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _circle(lat: float, lon: float, radius_m: float, corners: int = 16) -> dict[str, Any]:
    return _polygon_of(
        [
            _shift(lat, lon, radius_m * math.sin(2 * math.pi * k / corners), radius_m * math.cos(2 * math.pi * k / corners))
            for k in range(corners)
        ]
    )


def _box(lat: float, lon: float, west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """A rectangle given by its edges in metres from (lat, lon)."""
    return _polygon_of(
        [_shift(lat, lon, west, south), _shift(lat, lon, east, south), _shift(lat, lon, east, north), _shift(lat, lon, west, north)]
    )


def _post(lat: float, lon: float, east_m: float = 0, north_m: float = 0) -> dict[str, Any]:
    p_lat, p_lon = _shift(lat, lon, east_m, north_m)
    return {"type": "Point", "coordinates": [round(p_lon, 6), round(p_lat, 6)]}


class _IzsStory:
    """The demo's joint interventions, told step by step at their own times."""

    def __init__(self, *, now: datetime, dispatcher: Any, commanders: list[Any]) -> None:
        from straz.incidents import services

        self.services = services
        self.now = now
        self.dispatcher = dispatcher
        self.commander, self.commander2 = commanders

    # -- one step -----------------------------------------------------------------------

    def do(self, minutes_ago: float, action: str, *, by: Any = None, **kwargs: Any) -> Any:
        """Run one service at `minutes_ago`, as `by` when they may (else as the dispatcher)."""
        from straz.incidents.models import Incident

        actor = by or self.dispatcher
        incident_id = kwargs.get("incident_id")
        if actor is not self.dispatcher and incident_id is not None:
            incident = Incident.objects.select_related("current_command").get(pk=incident_id)
            if not self.services.can_write_incident(actor, incident):
                actor = self.dispatcher  # an existing account of another role kept its name
        with self.services.recorded_at(self.now - timedelta(minutes=minutes_ago)):
            return getattr(self.services, action)(user=actor, **kwargs)

    def incident(self, minutes_ago: float, **kwargs: Any) -> int:
        incident = self.do(minutes_ago, "create_incident", region_code=IZS_REGION, orp_code=IZS_ORP, **kwargs)
        return int(incident.pk)

    def declare(self, minutes_ago: float, incident_id: int, *, by: Any = None, level: str | None = None, reason: str = "") -> None:
        from straz.incidents.models import Incident

        proposed = self.services.propose_for_incident(Incident.objects.get(pk=incident_id)).level
        self.do(minutes_ago, "declare_alarm_level", by=by, incident_id=incident_id, level=level or proposed, written_reason=reason)

    def command(self, minutes_ago: float, incident_id: int, name: str, user: Any = None, component: str = "hzs", successor: str = "") -> None:
        self.do(
            minutes_ago, "assign_commander", incident_id=incident_id, commander_name=name,
            commander_user_id=user.pk if user is not None else None, component=component, successor_name=successor,
        )

    def arrive(self, minutes_ago: float, incident_id: int, kind: str, unit: str, leader: str, people: int, vehicles: int, *equipment: str, by: Any = None, called: Any = None) -> Any:
        return self.do(
            minutes_ago, "check_in_component", by=by, incident_id=incident_id, kind=kind, unit_name=unit,
            leader_name=leader, people=people, vehicles=vehicles, equipment=list(equipment),
            deployment_id=called.pk if called is not None else None,
        )

    def call(self, minutes_ago: float, incident_id: int, kind: str, unit: str, people: int = 0, vehicles: int = 0, by: Any = None) -> Any:
        return self.do(minutes_ago, "call_component", by=by, incident_id=incident_id, kind=kind, unit_name=unit, people=people, vehicles=vehicles)

    def zone(self, minutes_ago: float, incident_id: int, kind: str, geometry: dict[str, Any], name: str = "", by: Any = None, parent: Any = None) -> Any:
        return self.do(
            minutes_ago, "add_site_feature", by=by, incident_id=incident_id, kind=kind, geometry=geometry,
            name=name, parent_id=parent.pk if parent is not None else None,
        )

    def say(self, minutes_ago: float, incident_id: int, letter: str, text: str, by: Any = None) -> None:
        self.do(minutes_ago, "post_site_message", by=by, incident_id=incident_id, letter=letter, text=text)

    def state(self, minutes_ago: float, incident_id: int, target: str, note: str = "", by: Any = None) -> None:
        self.do(minutes_ago, "change_state", by=by, incident_id=incident_id, target=target, note=note)

    # -- the story ----------------------------------------------------------------------

    def tell(self) -> dict[str, Any]:
        open_ids = [
            self.ammonia_leak(),
            *self.flood(),
            self.bus_crash(),
            self.suspicious_object(),
            self.missing_child(),
            self.block_of_flats_fire(),
        ]
        return {"open": open_ids, "closed": [self.warehouse_fire()]}

    def ammonia_leak(self) -> int:
        """Level III, in progress; first commander handed over to `commander` (§3(7))."""
        lat, lon = 49.7500, 13.3895
        i = self.incident(
            130, type_code="hazardous-substance-leak", title="Únik čpavku – zimní stadion, Štruncovy sady",
            lat=lat, lon=lon, description="Únik čpavku z chladicího zařízení zimního stadionu, oblak se šíří k jihovýchodu.",
            persons_threatened=350, area_m2=60_000, threatened=["part_of_municipality"],
            components="basic_and_other_from_region", coordination="staff_and_sectors",
            coordination_level="operational",
        )
        self.command(124, i, "npor. Jan Malý (HZS PS Plzeň-střed)")
        self.state(124, i, "in_progress")
        self.arrive(124, i, "hzs", "HZS PS Plzeň-střed", "npor. Jan Malý", 12, 4, "CAS 20", "protichemické oděvy", "detektor NH3")
        self.arrive(118, i, "zzs", "ZZS PK – RZP Plzeň 1", "MUDr. Anna Lípová", 3, 1, "kyslík", "vakuové matrace")
        self.arrive(115, i, "pcr", "PČR OOP Plzeň-Bory", "prap. Tomáš Dvořák", 6, 3, "uzávěra silnic")
        self.say(112, i, "a", "Únik z chladicího okruhu, oblak nad parkovištěm, zasaženi 3 zaměstnanci stadionu.")
        self.declare(110, i)
        self.zone(108, i, "danger_zone", _circle(lat, lon, 150), "Nebezpečná zóna – čpavek")
        self.zone(106, i, "outer_zone", _circle(lat, lon, 400), "Vnější zóna")
        self.zone(104, i, "decontamination_area", _box(lat, lon, -260, -40, -200, 20), "Dekontaminace osob")
        self.zone(102, i, "command_post", _post(lat, lon, -250, 80), "Velitelské stanoviště")
        self.zone(100, i, "medical_area", _box(lat, lon, -330, 60, -270, 120), "Shromaždiště raněných")
        self.do(
            95, "hand_over_command", incident_id=i, by=self.dispatcher,
            new_commander_name=f"{self.commander.get_full_name() or self.commander.get_username()} (HZS PK, ÚO Plzeň)",
            new_commander_user_id=self.commander.pk, component="hzs",
            situation="Únik NH3 z chladicího okruhu, 3 zasažení předáni ZZS, uzavřeny Štruncovy sady.",
            aim="Zastavit únik a zabránit šíření oblaku k obytné zástavbě.",
            priorities="1) uzavřít ventil strojovny, 2) vodní clona, 3) varování obyvatel Lochotína.",
            successor_name="npor. Jan Malý", declaration=BRIEFING_WORDS,
        )
        c = self.commander
        self.arrive(80, i, "hzs", "HZS PK – chemická laboratoř Plzeň", "kpt. Lucie Černá", 4, 1, "analyzátor", "plynotěsné oděvy", by=c)
        self.call(60, i, "municipal_police", "Městská policie Plzeň – okrsek Lochotín", 4, 2, by=c)
        self.call(45, i, "utilities", "Plzeňská teplárenská – havarijní služba", 2, 1, by=c)
        self.say(70, i, "c", "Na místě 4 jednotky PO, chemická laboratoř měří koncentrace na hranici vnější zóny.", by=c)
        self.say(50, i, "i", "Obyvatelé Lochotína: zavřete okna, nevycházejte; informace na webu města.", by=c)
        self.say(20, i, "f", "Ventil uzavřen, vodní clona drží oblak, koncentrace klesají.", by=c)
        return i

    def flood(self) -> list[int]:
        """Two sites of one event (§20(3)): level III for the territory, priorities set (§7 b)."""
        k_lat, k_lon = 49.7275, 13.4225
        koterov = self.incident(
            300, type_code="flood", title="Povodeň – Úslava, Koterov", lat=k_lat, lon=k_lon,
            description="Úslava vybřežila u lávky v Koterově, zatopeny zahrady a sklepy rodinných domů.",
            persons_threatened=150, area_m2=80_000, threatened=["river_basin"],
            components="basic_and_other_from_region", coordination="continuous",
        )
        d_lat, d_lon = 49.7265, 13.3880
        doudlevce = self.incident(
            280, type_code="flood", title="Povodeň – Radbuza, Doudlevce", lat=d_lat, lon=d_lon,
            description="Radbuza stoupá, hráze z pytlů u zahrádkářské kolonie.",
            persons_threatened=60, area_m2=9_000, components="basic_and_other_from_region",
            coordination="continuous",
        )
        c2 = self.commander2
        self.command(290, koterov, f"{c2.get_full_name() or c2.get_username()} (HZS PK, ÚO Plzeň)", user=c2, successor="npor. Karel Beneš")
        self.command(270, doudlevce, "npor. Jiří Veselý (JSDH Doudlevce)", component="jpo")
        for site in (koterov, doudlevce):
            self.state(265, site, "in_progress")
        self.arrive(285, koterov, "hzs", "HZS PS Plzeň-Slovany", "nprap. Martin Procházka", 8, 3, "čerpadla", "protipovodňové zábrany", by=c2)
        self.arrive(250, koterov, "jpo", "JSDH Koterov", "Ondřej Říha", 9, 2, "plovoucí čerpadlo", by=c2)
        self.arrive(240, koterov, "army", "AČR – ženijní rota Bechyně", "kpt. Pavel Kubát", 20, 4, "pytle s pískem", "nakladač", by=c2)
        self.arrive(260, doudlevce, "jpo", "JSDH Doudlevce", "npor. Jiří Veselý", 7, 2, "pytle s pískem")
        self.arrive(230, doudlevce, "municipal_police", "Městská policie Plzeň – okrsek Slovany", "str. Hana Marková", 3, 1)
        self.call(40, doudlevce, "ngo", "Červený kříž – Oblastní spolek Plzeň", 6, 2)
        self.declare(255, koterov, by=c2, level="II", reason="Evakuace ulice U Lávky dokončena; na místě zůstává do 40 osob. Stupeň území vyhlásí OPIS.")
        self.declare(250, doudlevce)
        event = self.do(245, "create_event", name="Povodeň Plzeň – Úslava a Radbuza", incident_ids=[koterov, doudlevce], region_code=IZS_REGION, orp_code=IZS_ORP)
        self.do(244, "set_site_priorities", event_id=event.pk, order=[koterov, doudlevce])
        self.do(243, "declare_alarm_level", event_id=event.pk, level="III", written_reason="Povodňová situace na dvou tocích na území města.")
        river = _polygon_of([_shift(k_lat, k_lon, x, y) for x, y in ((-500, -120), (0, -60), (450, 40), (450, 160), (0, 90), (-500, 30))])
        self.zone(235, koterov, "danger_zone", river, "Zaplavené území", by=c2)
        sector = self.zone(230, koterov, "sector", _box(k_lat, k_lon, -500, 40, 0, 260), "Sektor Sever – U Lávky", by=c2)
        self.zone(229, koterov, "section", _box(k_lat, k_lon, -500, 40, -250, 260), "Úsek 1 – zahrádky", by=c2, parent=sector)
        self.zone(228, koterov, "section", _box(k_lat, k_lon, -250, 40, 0, 260), "Úsek 2 – rodinné domy", by=c2, parent=sector)
        self.zone(225, koterov, "evacuee_assembly", _box(k_lat, k_lon, 150, 300, 230, 360), "ZŠ Koterov – shromaždiště evakuovaných", by=c2)
        self.zone(224, koterov, "command_post", _post(k_lat, k_lon, 100, 280), "Velitelské stanoviště", by=c2)
        self.say(220, koterov, "a", "Hladina Úslavy 2,9 m a stoupá, zatopeno 12 sklepů.", by=c2)
        self.say(120, koterov, "c", "Potřeba dalších 2 000 pytlů a nakladače, vyžádáno u AČR.", by=c2)
        self.say(15, koterov, "f", "Hráz z pytlů dokončena, čerpání ze sklepů pokračuje.", by=c2)
        self.zone(225, doudlevce, "danger_zone", _box(d_lat, d_lon, -150, -80, 150, 60), "Ohrožené zahrádky")
        self.say(200, doudlevce, "a", "Radbuza 1,8 m, hráz z pytlů v délce 60 m.")
        self.say(95, doudlevce, "f", "Stav stabilizován, hlídky JSDH na hrázi.")
        return [koterov, doudlevce]

    def bus_crash(self) -> int:
        """Level II, a helicopter still on its way."""
        lat, lon = 49.7560, 13.4150
        i = self.incident(
            55, type_code="mass-road-accident", title="Srážka autobusu MHD s nákladním vozidlem – Rokycanská",
            lat=lat, lon=lon, description="Autobus linky 30 a nákladní vozidlo, 14 zraněných, z toho 2 vážně.",
            persons_threatened=35, threatened=["mass_transport_vehicle"], components="basic_and_other_from_region",
        )
        self.command(50, i, "npor. Tomáš Beneš (HZS PS Plzeň-Slovany)")
        self.state(50, i, "in_progress")
        self.arrive(49, i, "hzs", "HZS PS Plzeň-Slovany", "npor. Tomáš Beneš", 6, 2, "hydraulické vyprošťovací zařízení")
        self.arrive(46, i, "zzs", "ZZS PK – RZP Plzeň 3", "Mgr. Petra Nová", 2, 1)
        self.arrive(44, i, "zzs", "ZZS PK – RLP Plzeň", "MUDr. Karel Šimek", 3, 1, "třídicí karty START")
        self.arrive(43, i, "pcr", "PČR – dopravní inspektorát Plzeň", "nprap. Jakub Němec", 4, 2)
        self.call(42, i, "zzs", "LZS Plzeň – Kryštof 07", 3, 1)
        self.declare(41, i)
        self.zone(40, i, "danger_zone", _box(lat, lon, -40, -20, 40, 20), "Místo nehody")
        self.zone(38, i, "victims_area", _box(lat, lon, 60, -30, 110, 10), "Stanoviště třídění raněných")
        self.say(37, i, "g", "14 zraněných, 2 těžce; 1 osoba zaklíněná ve vozidle.")
        self.say(10, i, "c", "Vyproštění dokončeno, odvoz raněných do FN Lochotín a FN Bory.")
        return i

    def suspicious_object(self) -> int:
        """Reported, level declared above the proposal as a precaution; the pyrotechnician en route."""
        lat, lon = 49.7434, 13.3870
        i = self.incident(
            25, type_code="explosive-or-suspicious-object", title="Podezřelé zavazadlo – Hlavní nádraží, odbavovací hala",
            lat=lat, lon=lon, description="Opuštěný kufr u pokladen v odbavovací hale, nahlásila ostraha Českých drah.",
            persons_threatened=8, threatened=["single_object"], components="basic_uncoordinated",
        )
        self.command(22, i, "pplk. Radek Hora (PČR OOP Plzeň-střed)", component="pcr")
        self.arrive(20, i, "pcr", "PČR OOP Plzeň-střed", "pplk. Radek Hora", 5, 2)
        self.call(18, i, "pcr", "PČR – pyrotechnická služba Plzeň", 2, 1)
        self.call(17, i, "hzs", "HZS PS Plzeň-střed", 6, 2)
        self.declare(16, i, level="II")
        self.zone(15, i, "outer_zone", _circle(lat, lon, 100), "Evakuovaný prostor – 100 m")
        self.say(14, i, "a", "Hala vyklizena, vlaky projíždějí bez zastavení na 1. nástupišti.")
        return i

    def missing_child(self) -> int:
        """Level II, search sectors with sections (§5(1) k)."""
        lat, lon = 49.7835, 13.3830
        i = self.incident(
            200, type_code="search-for-missing-person", title="Pátrání po pohřešovaném dítěti – Boleveský rybník",
            lat=lat, lon=lon, description="Chlapec (8 let) se nevrátil z koupaliště, naposledy viděn u hráze.",
            persons_threatened=1, components="basic_and_other_from_region", coordination="continuous",
        )
        self.command(190, i, "mjr. Kateřina Kučerová (PČR KŘP Plzeňského kraje)", component="pcr")
        self.state(190, i, "in_progress")
        self.arrive(185, i, "pcr", "PČR OOP Plzeň-Bolevec", "prap. Petr Novák", 8, 3, "dron", "psovod")
        self.arrive(170, i, "jpo", "JSDH Bolevec", "Luboš Kříž", 10, 2, "člun")
        self.arrive(160, i, "ngo", "Horská služba – Plzeň", "Adam Vlk", 6, 1, "termovize")
        self.declare(150, i)
        north = self.zone(140, i, "sector", _box(lat, lon, -600, 0, 600, 600), "Sektor Sever – lesy Bolevec")
        self.zone(139, i, "section", _box(lat, lon, -600, 0, 0, 600), "Úsek 1 – Senecký rybník", parent=north)
        self.zone(138, i, "section", _box(lat, lon, 0, 0, 600, 600), "Úsek 2 – Kamenný rybník", parent=north)
        self.zone(137, i, "sector", _box(lat, lon, -600, -500, 600, 0), "Sektor Jih – hráz a pláž")
        self.zone(136, i, "affected_persons_info", _post(lat, lon, 0, -550), "Informační místo pro rodinu")
        self.say(130, i, "c", "V terénu 24 osob, 2 psovodi, dron s termovizí.")
        self.say(35, i, "a", "Nalezeny boty u Seneckého rybníka, pátrání soustředěno do úseku 1.")
        return i

    def block_of_flats_fire(self) -> int:
        """Liquidation work; some components already gone home (§6 h)."""
        lat, lon = 49.7380, 13.3990
        i = self.incident(
            360, type_code="fire-many-persons", title="Požár bytového domu – Jiráskovo náměstí",
            lat=lat, lon=lon, description="Požár ve 3. podlaží, zakouřená chodba, evakuace 30 obyvatel.",
            persons_threatened=30, threatened=["single_object"], components="basic_uncoordinated",
        )
        self.command(355, i, "por. Jakub Hruška (HZS PS Plzeň-Slovany)")
        self.state(355, i, "in_progress")
        first = self.arrive(354, i, "hzs", "HZS PS Plzeň-Slovany", "por. Jakub Hruška", 8, 3, "AZ 30", "dýchací přístroje")
        zzs = self.arrive(350, i, "zzs", "ZZS PK – RZP Plzeň 2", "Bc. Eva Horáková", 2, 1)
        self.arrive(348, i, "pcr", "PČR OOP Plzeň-Slovany", "nstržm. Lucie Černá", 2, 1)
        self.declare(345, i)
        self.zone(344, i, "danger_zone", _box(lat, lon, -30, -20, 30, 20), "Zakouřený dům")
        self.zone(340, i, "evacuee_assembly", _box(lat, lon, 50, 30, 90, 60), "Evakuovaní obyvatelé – MHD autobus")
        self.say(330, i, "g", "2 osoby nadýchané zplodinami předány ZZS.")
        self.state(240, i, "liquidation", "Požár uhašen, odvětrávání a kontrola termokamerou.")
        self.do(230, "check_out_component", incident_id=i, deployment_id=zzs.pk)
        self.do(200, "check_out_component", incident_id=i, deployment_id=first.pk)
        self.say(200, i, "h", "Jednotka HZS Plzeň-Slovany odjela, na místě zůstává JSDH Slovany.")
        self.arrive(205, i, "jpo", "JSDH Slovany", "Martin Dvořák", 6, 1, "termokamera")
        return i

    def warehouse_fire(self) -> int:
        """Closed three days ago after level III: the §16(4) report is due within 14 days (§16(2))."""
        lat, lon = 49.7230, 13.3310
        start = 3 * 24 * 60 + 420  # three days and seven hours ago
        i = self.incident(
            start, type_code="fire-many-persons", title="Požár skladu chemikálií – průmyslová zóna Borská pole",
            lat=lat, lon=lon, description="Požár skladu barev a ředidel, hustý kouř nad jihozápadem města.",
            persons_threatened=600, area_m2=150_000, threatened=["company_site_part"],
            components="basic_and_other_from_region", coordination="staff_and_sectors",
            coordination_level="operational",
        )
        c2 = self.commander2
        self.command(start - 5, i, f"{c2.get_full_name() or c2.get_username()} (HZS PK, ÚO Plzeň)", user=c2)
        self.state(start - 5, i, "in_progress", by=c2)
        hzs = self.arrive(start - 8, i, "hzs", "HZS PS Plzeň-Košutka", "npor. Filip Kraus", 14, 5, "CAS 30", "žebřík AZ 37", by=c2)
        zzs = self.arrive(start - 12, i, "zzs", "ZZS PK – RLP Plzeň", "MUDr. Karel Šimek", 3, 1, by=c2)
        pcr = self.arrive(start - 15, i, "pcr", "PČR OOP Plzeň-Skvrňany", "prap. Jiří Veselý", 6, 3, by=c2)
        self.declare(start - 20, i, by=c2)
        self.zone(start - 25, i, "danger_zone", _circle(lat, lon, 250), "Nebezpečná zóna – kouř", by=c2)
        self.zone(start - 26, i, "outer_zone", _circle(lat, lon, 800), "Vnější zóna", by=c2)
        self.zone(start - 27, i, "staging_area", _box(lat, lon, 300, 300, 420, 380), "Nástupní prostor", by=c2)
        self.zone(start - 28, i, "command_post", _post(lat, lon, 320, 260), "Velitelské stanoviště", by=c2)
        self.say(start - 30, i, "i", "Varování obyvatel Bor a Skvrňan: zavřete okna, vypněte ventilaci.", by=c2)
        self.do(
            start - 90, "hand_over_command", by=c2, incident_id=i,
            new_commander_name="plk. Ing. Roman Sedlák (ředitel HZS PK)", component="hzs",
            situation="Sklad v plném rozsahu, sousední hala chráněna, 2 hasiči ošetřeni.",
            aim="Lokalizovat požár do 2 hodin a zabránit zasažení sousední haly.",
            priorities="1) ochrana sousední haly, 2) chlazení nádrží ředidel, 3) měření kouře v zástavbě.",
            declaration=BRIEFING_WORDS,
        )
        self.say(start - 180, i, "f", "Požár lokalizován.")
        self.state(start - 300, i, "liquidation", "Požár zlikvidován, dohašování a odklizení.")
        for minutes, d in ((start - 310, zzs), (start - 320, pcr), (start - 400, hzs)):
            self.do(minutes, "check_out_component", incident_id=i, deployment_id=d.pk)
        self.state(start - 420, i, "closed", "Zásah ukončen, místo předáno majiteli.")
        return i


# ---------------------------------------------------------------------------------- IZS history
#
# Two years of closed joint interventions for the §16(5) statistics: about eight a month
# around Plzeň, with the seasons (spring thaw and summer storms bring floods, winter the
# pile-ups and windstorms), mostly levels I–II, some III and a rare special one, their
# commanders, components with forces and means, rescue durations and the completed §16(4)
# reports of the III/special ones (a couple of recent ones still due). Hundreds of rows
# told through the services would cost seconds and thousands of audit entries for
# invented history, so they are bulk-inserted in one transaction with ONE audit entry for
# the batch (its own action, so databases demo-loaded before get it once too).

HISTORY_DEMO_ACTION = "demo.incident_history"
HISTORY_MONTHS = 24
HISTORY_SEED = 16_05

# (type code, weight per month in winter, in summer, median rescue hours): a region's mix.
HISTORY_TYPES = (
    ("mass-road-accident", 3.2, 1.8, 2.5),
    ("fire-many-persons", 1.6, 1.2, 5.0),
    ("hazardous-substance-leak", 0.8, 0.9, 6.0),
    ("search-for-missing-person", 0.6, 1.0, 9.0),
    ("explosive-or-suspicious-object", 0.5, 0.5, 3.0),
    ("windstorm", 0.5, 0.6, 7.0),
    ("flood", 0.0, 0.0, 18.0),  # by month: FLOOD_MONTHS
    ("railway-accident", 0.25, 0.25, 7.0),
    ("building-collapse", 0.15, 0.15, 14.0),
    ("mass-casualty-incident", 0.2, 0.3, 4.0),
    ("other", 0.4, 0.4, 4.0),
    ("air-accident", 0.03, 0.08, 6.0),
)
# Floods a month by the month of the year: the thaw (March, April) and the downpours (June–August).
FLOOD_MONTHS = {3: 0.8, 4: 0.6, 5: 0.3, 6: 0.7, 7: 0.9, 8: 0.6}
# Levels I–II mostly, III sometimes, special rarely; some types run higher.
HISTORY_LEVELS = (("I", 0.56), ("II", 0.33), ("III", 0.095), ("special", 0.015))
HIGHER_LEVEL_TYPES = {"hazardous-substance-leak", "building-collapse", "mass-casualty-incident", "flood", "air-accident"}

HISTORY_TITLES = {
    "mass-road-accident": ("Hromadná nehoda – {place}", "Srážka autobusu a osobních vozidel – {place}", "Řetězová nehoda v mlze – {place}"),
    "fire-many-persons": ("Požár bytového domu – {place}", "Požár v suterénu obytného domu – {place}", "Požár haly – {place}"),
    "hazardous-substance-leak": ("Únik čpavku – {place}", "Únik nafty do kanalizace – {place}", "Únik chloru z úpravny vody – {place}"),
    "search-for-missing-person": ("Pátrání po pohřešované seniorce – {place}", "Pátrání po pohřešovaném dítěti – {place}"),
    "explosive-or-suspicious-object": ("Podezřelé zavazadlo – {place}", "Nález munice z 2. světové války – {place}"),
    "windstorm": ("Vichřice – popadané stromy, {place}", "Větrná smršť – poškozené střechy, {place}"),
    "flood": ("Rozlitá řeka – {place}", "Zatopené sklepy a komunikace – {place}"),
    "railway-accident": ("Srážka vlaku s vozidlem na přejezdu – {place}", "Vykolejení nákladního vlaku – {place}"),
    "building-collapse": ("Zřícení části domu – {place}", "Propad stropu v rekonstruovaném domě – {place}"),
    "mass-casualty-incident": ("Hromadné postižení osob – otrava CO, {place}", "Kolaps návštěvníků koncertu – {place}"),
    "other": ("Únik plynu z vedení – {place}", "Výpadek dodávky vody – {place}"),
    "air-accident": ("Nouzové přistání ultralehkého letadla – {place}",),
}
# Rivers of Plzeň for the floods: (name of the place, lat, lon).
RIVER_PLACES = (
    ("Mže, Roudná", 49.7560, 13.3790),
    ("Radbuza, Doudlevce", 49.7300, 13.3800),
    ("Úslava, Koterov", 49.7310, 13.4210),
    ("Berounka, Bílá Hora", 49.7790, 13.3960),
    ("Úhlava, Hradiště", 49.7170, 13.3870),
    ("Mže, Malesice", 49.7640, 13.2950),
)
HISTORY_COMMANDERS = (
    "npor. Tomáš Bureš (HZS PK, PS Plzeň-Košutka)",
    "kpt. Ing. Lenka Marešová (HZS PK, ÚO Plzeň)",
    "por. Jakub Sýkora (HZS PK, PS Plzeň-Slovany)",
    "mjr. Ing. Pavel Hájek (HZS PK, ÚO Plzeň)",
    "nstržm. Josef Kotek (HZS PK, PS Plzeň-Košutka)",
    "ppor. Martina Holubová (HZS PK, PS Plzeň-Slovany)",
    "kpt. Bc. Ondřej Pešek (HZS PK, PS Plzeň-Lobzy)",
)
# kind → unit names; (people, vehicles) ranges scale with the level.
HISTORY_UNITS = {
    "hzs": ("HZS PS Plzeň-Košutka", "HZS PS Plzeň-Slovany", "HZS PS Plzeň-Lobzy"),
    "jpo": ("JSDH Plzeň-Božkov", "JSDH Plzeň-Radčice", "JSDH Plzeň-Křimice", "JSDH Černice"),
    "zzs": ("ZZS PK – výjezdová základna Plzeň-Lochotín", "ZZS PK – RLP Plzeň", "ZZS PK – RZP Plzeň-Bory"),
    "pcr": ("PČR OOP Plzeň-Skvrňany", "PČR OOP Plzeň-Slovany", "PČR DI Plzeň"),
    "municipal_police": ("Městská policie Plzeň",),
    "utilities": ("Vodárna Plzeň a.s.", "ČEZ Distribuce", "GasNet"),
    "army": ("AČR – ženijní jednotka",),
    "ngo": ("Český červený kříž – OS Plzeň-město",),
}
HISTORY_LEADERS = ("Jan Hasič", "Petra Nováková", "Karel Šimek", "Jiří Veselý", "Lucie Benešová", "Martin Dvořák", "Filip Kraus")
HISTORY_EXTRA_KINDS = {
    "mass-road-accident": ("zzs", "pcr"),
    "fire-many-persons": ("zzs", "pcr", "jpo"),
    "hazardous-substance-leak": ("zzs", "pcr", "utilities"),
    "search-for-missing-person": ("pcr", "municipal_police", "jpo"),
    "explosive-or-suspicious-object": ("pcr", "zzs", "municipal_police"),
    "windstorm": ("jpo", "utilities", "municipal_police"),
    "flood": ("jpo", "utilities", "army", "ngo"),
    "railway-accident": ("zzs", "pcr", "utilities"),
    "building-collapse": ("zzs", "pcr", "utilities"),
    "mass-casualty-incident": ("zzs", "pcr", "ngo"),
    "other": ("pcr", "utilities"),
    "air-accident": ("zzs", "pcr"),
}


def incident_history_present() -> bool:
    """True when the demo's history of closed joint interventions was loaded before."""
    from straz.accounts.models import AuditEntry

    return AuditEntry.objects.filter(action=HISTORY_DEMO_ACTION).exists()


def ensure_incident_history(*, stdout: Any = None, now: datetime | None = None) -> bool:
    """Load two years of closed joint interventions (bulk, one audit entry) unless present."""
    if incident_history_present():
        return False
    from straz.accounts import audit
    from straz.accounts.models import AuditHead

    with transaction.atomic():
        AuditHead.objects.select_for_update().get_or_create(id=1)
        if incident_history_present():
            return False
        when = (now or timezone.now()).replace(second=0, microsecond=0)
        counts = _IzsHistory(now=when).write()
        audit.record(
            action=HISTORY_DEMO_ACTION,
            object_type="demo",
            object_id="plzen-izs-history",
            actor_label="system",
            after={**counts, "months": HISTORY_MONTHS, "until": when.isoformat()},
        )
    _say(
        stdout,
        f"IZS history: {counts['incidents']} closed joint interventions over {HISTORY_MONTHS} months, "
        f"{counts['completed_reports']} completed reports, {counts['reports_due']} still due.",
    )
    return True


class _IzsHistory:
    """The closed interventions of the last two years, built in memory and bulk-inserted."""

    def __init__(self, *, now: datetime) -> None:
        from straz.accounts.models import User
        from straz.incidents.models import IncidentType

        self.now = now
        self.rng = random.Random(HISTORY_SEED)
        self.types = {t.code: t for t in IncidentType.objects.all()}
        self.dispatcher = User.objects.filter(username="dispatcher").first()
        self.commander_users = [u for u in User.objects.filter(username__in=[c[0] for c in DEMO_COMMANDERS])]
        self.plan: list[dict[str, Any]] = []

    # -- what happened when ---------------------------------------------------------------

    def _season(self, moment: datetime) -> float:
        """0 in mid-winter, 1 in mid-summer."""
        day = timezone.localtime(moment).timetuple().tm_yday
        return (1 - math.cos(2 * math.pi * (day - 15) / 365.25)) / 2

    def _level(self, code: str) -> str:
        levels, weights = zip(*HISTORY_LEVELS, strict=True)
        if code in HIGHER_LEVEL_TYPES:
            weights = (0.4, 0.4, 0.17, 0.03)
        return str(self.rng.choices(levels, weights=weights)[0])

    def _place(self, code: str) -> tuple[str, float, float]:
        if code == "flood":
            name, lat, lon = self.rng.choice(RIVER_PLACES)
        else:
            name, _kind, lat, lon = self.rng.choice(PLACES)
        lat, lon = _shift(lat, lon, self.rng.gauss(0, 250), self.rng.gauss(0, 250))
        return name, round(lat, 6), round(lon, 6)

    def _add(self, code: str, start: datetime, *, level: str | None = None, event: int | None = None,
             place: tuple[str, float, float] | None = None, priority: int | None = None) -> dict[str, Any]:
        hours = next(h for c, _w, _s, h in HISTORY_TYPES if c == code)
        name, lat, lon = place or self._place(code)
        row = {
            "code": code if code in self.types else "other",
            "start": start,
            "level": level or self._level(code),
            "event": event,
            "priority": priority,
            "title": self.rng.choice(HISTORY_TITLES[code]).format(place=name),
            "lat": lat,
            "lon": lon,
            # Rescue durations are skewed: most are short, a few last long.
            "duration": timedelta(hours=max(0.4, self.rng.lognormvariate(math.log(hours), 0.6))),
        }
        self.plan.append(row)
        return row

    def _plan(self) -> list[dict[str, Any]]:
        first = self.now - timedelta(days=round(HISTORY_MONTHS * 30.44))
        # Nothing in the last 16 days but the reports still due (below): the history is over.
        last = self.now - timedelta(days=16)
        day = first
        while day < last:
            summer = self._season(day)
            month = timezone.localtime(day).month
            for code, winter_rate, summer_rate, _hours in HISTORY_TYPES:
                rate = (winter_rate + (summer_rate - winter_rate) * summer) / 30.44
                if code == "flood":
                    rate = FLOOD_MONTHS.get(month, 0.02) / 30.44
                if self.rng.random() < rate:
                    start = day + timedelta(minutes=self.rng.uniform(0, 24 * 60))
                    if start < last:
                        self._add(code, start)
            day += timedelta(days=1)
        # Floods of the seasons: the spring thaw and the summer downpours of last year,
        # each an event (§20(3)) over several sites of the rivers.
        year = timezone.localtime(self.now).year - 1
        zone = timezone.get_current_timezone()
        for n, (month, day_of_month, sites, event_level) in enumerate(((3, 14, 6, "II"), (7, 20, 8, "III"))):
            begin = datetime(year, month, day_of_month, 5, 30, tzinfo=zone)
            for k in range(sites):
                name, lat, lon = RIVER_PLACES[k % len(RIVER_PLACES)]
                lat, lon = _shift(lat, lon, self.rng.gauss(0, 150) + 400 * (k // len(RIVER_PLACES)), self.rng.gauss(0, 150))
                self._add(
                    "flood", begin + timedelta(hours=3 * k + self.rng.uniform(0, 2)),
                    level=self.rng.choice(("I", "II", "II")) if event_level == "II" else self.rng.choice(("II", "III")),
                    event=n, place=(name, round(lat, 6), round(lon, 6)), priority=k + 1,
                )
        self.events = [
            {"name": f"Jarní povodeň {year} – Plzeň", "level": "II", "start": datetime(year, 3, 14, 5, 0, tzinfo=zone)},
            {"name": f"Letní povodeň {year} – Plzeň", "level": "III", "start": datetime(year, 7, 20, 5, 0, tzinfo=zone)},
        ]
        # A couple of recent level III interventions whose reports are still due (§16(2)).
        self.due_rows = [
            self._add("fire-many-persons", self.now - timedelta(days=9, hours=5), level="III"),
            self._add("hazardous-substance-leak", self.now - timedelta(days=5, hours=11), level="III"),
        ]
        for row in self.due_rows:
            row["duration"] = timedelta(hours=6)
        # The special level is rare but should appear once in two years: the largest leak.
        if not any(r["level"] == "special" for r in self.plan):
            leaks = [r for r in self.plan if r["code"] == "hazardous-substance-leak" and r not in self.due_rows]
            if leaks:
                max(leaks, key=lambda r: r["duration"])["level"] = "special"
        self.plan.sort(key=lambda r: r["start"])
        return self.plan

    # -- the rows -------------------------------------------------------------------------

    def write(self) -> dict[str, int]:
        from straz.incidents.models import (
            AlarmDeclaration,
            CommandAssignment,
            ComponentDeployment,
            Incident,
            IncidentEvent,
            IncidentReport,
            TerritoryReport,
            TimelineEntry,
        )

        rng = self.rng
        plan = self._plan()
        events = IncidentEvent.objects.bulk_create(
            [
                IncidentEvent(
                    name=e["name"], region_code=IZS_REGION, orp_code=IZS_ORP, alarm_level=e["level"],
                    created_at=e["start"], updated_at=e["start"] + timedelta(days=3), created_by=self.dispatcher,
                )
                for e in self.events
            ]
        )
        incidents = []
        for row in plan:
            reported = row["start"]
            started = reported + timedelta(minutes=rng.uniform(6, 25))
            ended = started + row["duration"]
            level = row["level"]
            incidents.append(
                Incident(
                    type=self.types[row["code"]],
                    title=row["title"],
                    description="Zásah složek IZS (ukázková historie).",
                    lat=row["lat"],
                    lon=row["lon"],
                    persons_threatened={"I": 5, "II": 30, "III": 150, "special": 1200}[level],
                    state="closed",
                    alarm_level=level,
                    coordination_level="operational" if level in ("III", "special") else "tactical",
                    rescue_started_at=started,
                    rescue_ended_at=ended,
                    region_code=IZS_REGION,
                    orp_code=IZS_ORP,
                    event=events[row["event"]] if row["event"] is not None else None,
                    priority=row["priority"],
                    created_at=reported,
                    updated_at=ended + timedelta(minutes=rng.uniform(5, 60)),
                    created_by=self.dispatcher,
                )
            )
        incidents = Incident.objects.bulk_create(incidents)

        declarations = []
        for e, spec in zip(events, self.events, strict=True):
            declarations.append(
                AlarmDeclaration(
                    event=e, level=spec["level"], proposed_level=spec["level"], declared_by_label="OPIS HZS PK",
                    declared_by=self.dispatcher, declared_at=spec["start"] + timedelta(hours=2),
                    written_reason="Více míst zásahu na území (§20(3)).",
                )
            )
        commands, deployments, timeline = [], [], []
        required = []
        for inc in incidents:
            start, end = inc.rescue_started_at, inc.rescue_ended_at
            assert start is not None and end is not None
            level = inc.alarm_level
            first_level = level
            if level in ("II", "III") and rng.random() < 0.25:
                first_level = {"II": "I", "III": "II"}[level]  # escalated during the intervention
                declarations.append(
                    AlarmDeclaration(
                        incident=inc, level=first_level, proposed_level=first_level, declared_by_label="OPIS HZS PK",
                        declared_by=self.dispatcher, declared_at=inc.created_at + timedelta(minutes=4),
                    )
                )
            declarations.append(
                AlarmDeclaration(
                    incident=inc, level=level, proposed_level=level, declared_by_label="OPIS HZS PK",
                    declared_by=self.dispatcher,
                    declared_at=inc.created_at + timedelta(minutes=4 if first_level == level else 40),
                )
            )
            # The first commander; at III/special the intervention often passes to a higher one (§3(7)).
            user = rng.choice(self.commander_users) if self.commander_users and rng.random() < 0.3 else None
            name = (
                f"{user.get_full_name() or user.get_username()} (HZS PK)" if user is not None
                else rng.choice(HISTORY_COMMANDERS)
            )
            handover = level in ("III", "special") and rng.random() < 0.6
            terms = [(name, user, start)]
            if handover:
                terms.append((rng.choice([c for c in HISTORY_COMMANDERS if c != name]), None, start + (end - start) / 4))
            for k, (who, account, since) in enumerate(terms):
                commands.append(
                    CommandAssignment(
                        incident=inc, commander_name=who, commander_user=account, commander_component="hzs",
                        started_at=since, ended_at=terms[k + 1][2] if k + 1 < len(terms) else None,
                        how="initial" if k == 0 else "handover",
                        briefing_situation="" if k == 0 else "Situace stabilizována, síly a prostředky na místě.",
                        briefing_aim="" if k == 0 else "Dokončit záchranné práce a předat místo.",
                        takeover_declaration="" if k == 0 else BRIEFING_WORDS,
                        recorded_by=self.dispatcher,
                    )
                )
            kinds = ["hzs", *rng.sample(HISTORY_EXTRA_KINDS[inc.type.code], k=min(len(HISTORY_EXTRA_KINDS[inc.type.code]), 1 + int(level in ("II", "III", "special")) + int(level in ("III", "special"))))]
            scale = {"I": 1, "II": 2, "III": 4, "special": 7}[level]
            for kind in kinds:
                called = inc.created_at + timedelta(minutes=rng.uniform(1, 15))
                arrived = called + timedelta(minutes=rng.uniform(5, 22))
                deployments.append(
                    ComponentDeployment(
                        incident=inc, kind=kind, unit_name=rng.choice(HISTORY_UNITS[kind]),
                        called_at=called, arrived_at=arrived,
                        departed_at=max(arrived + timedelta(minutes=20), end - timedelta(minutes=rng.uniform(0, 30))),
                        leader_name=rng.choice(HISTORY_LEADERS),
                        people=rng.randint(2, 6) * (scale if kind in ("hzs", "jpo", "army") else 1),
                        vehicles=rng.randint(1, 2) * (scale if kind in ("hzs", "jpo") else 1),
                        equipment=["CAS 20", "vyprošťovací zařízení"] if kind == "hzs" else [],
                    )
                )
            for at, kind, text in (
                (inc.created_at, "state", "Událost přijata na OPIS HZS Plzeňského kraje."),
                (inc.created_at + timedelta(minutes=4), "declaration", f"Vyhlášen stupeň poplachu {first_level}."),
                (start, "command", f"Velení převzal {name}."),
                (end, "state", "Záchranné práce ukončeny, zásah uzavřen."),
            ):
                timeline.append(
                    TimelineEntry(incident=inc, at=at, kind=kind, text=text, author=self.dispatcher, author_label="OPIS HZS PK")
                )
            # §16(2): the site's own III/special (a level for the event alone calls for §16(3)).
            if level in ("III", "special"):
                required.append(inc)
        AlarmDeclaration.objects.bulk_create(declarations)
        commands = CommandAssignment.objects.bulk_create(commands)
        last_term = {c.incident_id: c for c in commands}  # in order: the last one wins
        for inc in incidents:
            inc.current_command = last_term[inc.pk]
        Incident.objects.bulk_update(incidents, ["current_command"])
        ComponentDeployment.objects.bulk_create(deployments)
        TimelineEntry.objects.bulk_create(timeline)

        # bulk_create keeps the order of the plan.
        due_ids = {inc.pk for row, inc in zip(plan, incidents, strict=True) if any(row is d for d in self.due_rows)}
        reports = [self._report(inc, last_term[inc.pk]) for inc in required if inc.pk not in due_ids]
        # One of the reports still due has a draft saved, the other is not started.
        draft_of = min(due_ids) if due_ids else None
        if draft_of is not None:
            inc = next(i for i in incidents if i.pk == draft_of)
            draft = self._report(inc, last_term[inc.pk])
            draft.status, draft.completed_at, draft.completed_by, draft.completed_by_label = "draft", None, None, ""
            draft.dead = draft.injured = draft.rescued = draft.evacuated = None
            draft.updated_at = draft.created_at
            reports.append(draft)
        IncidentReport.objects.bulk_create(reports)
        # §16(3): the regional fire brigade's report for each past territory at III/special
        # (more than one site), completed a week after the last site ended. No random draws:
        # the rest of the demo stays as it was.
        territory = []
        for e, spec in zip(events, self.events, strict=True):
            sites = [i for i in incidents if i.event_id == e.pk]
            if spec["level"] not in ("III", "special") or len(sites) < 2:
                continue
            ended = max(i.rescue_ended_at for i in sites if i.rescue_ended_at is not None)
            done = min(ended + timedelta(days=7), self.now - timedelta(hours=1))
            territory.append(
                TerritoryReport(
                    event=e, status="completed",
                    origin=f"{e.name}: povodeň na {len(sites)} místech zásahu.",
                    work_done="Záchrana a evakuace osob, protipovodňová opatření, odčerpávání, úklid.",
                    forces_and_means="Jednotky HZS PK a JSDH ze všech míst zásahu, ZZS PK, PČR, obce.",
                    procedure="OPIS HZS PK určila pořadí míst zásahu (§7 b); velitelé zásahu řídili svá místa.",
                    consequences="Zaplavené sklepy a přízemí, dočasně uzavřené komunikace.",
                    damage_czk=len(sites) * 1_500_000, values_saved_czk=len(sites) * 9_000_000,
                    dead=0, injured=len(sites) // 2, rescued=len(sites) * 3, evacuated=len(sites) * 120,
                    version=2, created_at=ended + timedelta(days=1), updated_at=done,
                    created_by=self.dispatcher, updated_by=self.dispatcher, completed_at=done,
                    completed_by=self.dispatcher, completed_by_label="OPIS HZS PK",
                )
            )
        TerritoryReport.objects.bulk_create(territory)
        return {
            "incidents": len(incidents),
            "events": len(events),
            "by_level": {lvl: sum(1 for i in incidents if i.alarm_level == lvl) for lvl, _w in HISTORY_LEVELS},
            "components": len(deployments),
            "commands": len(commands),
            "completed_reports": sum(1 for r in reports if r.status == "completed"),
            "reports_due": len(due_ids),
        }

    def _report(self, inc: Any, command: Any) -> Any:
        from straz.incidents.models import IncidentReport

        rng = self.rng
        code = inc.type.code
        end = inc.rescue_ended_at
        big = inc.alarm_level == "special"
        evacuated = {
            "flood": rng.randint(40, 600), "hazardous-substance-leak": rng.randint(20, 900),
            "fire-many-persons": rng.randint(15, 220), "building-collapse": rng.randint(10, 80),
        }.get(code, rng.randint(0, 30)) * (3 if big else 1)
        injured = rng.choice((0, 1, 2, 3, 5, 8, 12)) * (2 if big else 1)
        completed = min(end + timedelta(days=rng.uniform(2, 12)), self.now - timedelta(hours=1))
        author = command.commander_user
        return IncidentReport(
            incident=inc,
            status="completed",
            origin=f"{inc.type.name_cs}: {inc.title}.",
            work_done="Průzkum, záchrana osob, lokalizace a likvidace, dohled a předání místa.",
            forces_and_means="Jednotky HZS a JSDH, ZZS PK, PČR; podle seznamu složek zásahu.",
            procedure="Velitel zásahu rozdělil místo na úseky, složky postupovaly podle pokynů velitele.",
            consequences="Bez trvalých následků na životním prostředí." if rng.random() < 0.7 else "Dočasné omezení dopravy a dodávek.",
            damage_czk=rng.randint(2, 400) * 50_000 * (5 if big else 1),
            values_saved_czk=rng.randint(5, 900) * 100_000,
            dead=rng.choice((0, 0, 0, 0, 0, 0, 1, 2)),
            injured=injured,
            rescued=rng.choice((0, 0, 1, 2, 4, 7, 12, 25)),
            evacuated=evacuated,
            version=2,
            created_at=end + timedelta(hours=rng.uniform(2, 30)),
            updated_at=completed,
            created_by=author,
            updated_by=author,
            completed_at=completed,
            completed_by=author,
            completed_by_label=command.commander_name,
        )
