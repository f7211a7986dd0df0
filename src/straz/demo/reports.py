"""Demo threat-map reports: several thousand around Plzeň's hotspots, with their history, notes and duplicates."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.utils import timezone

from straz.core.config import straz_settings
from straz.demo.territory import CITY_OUTLINE
from straz.reports import services
from straz.reports.intake import client_key
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

DEFAULT_REPORT_COUNT = 5000
# History spans about 18 months; reports are denser towards the present.
HISTORY_DAYS = 540


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
    return client_key(ip).key


def create_reports(*, count: int, users: dict[str, Any], places: list[Any]) -> dict[str, int]:
    conf = straz_settings()
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
    retention = int(conf.public_retention_days)
    approx_res = int(conf.approximate_resolution)
    read_days, verify_days = int(conf.read_deadline_days), int(conf.verify_deadline_days)
    ip_days = conf.ip_retention_days
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
    services.bulk_load_reports(reports)

    # Duplicates: a second citizen reports the same thing nearby within a day or two.
    open_recent = [r for r in reports if r.status in ("new", "verification", "confirmed")]
    duplicates: list[Report] = []
    for _ in range(dup_count):
        if not open_recent:
            break
        original = pyrand.choice(open_recent)
        created = original.created_at + timedelta(hours=pyrand.uniform(0.5, 40))
        if created >= now:
            created = original.created_at + (now - original.created_at) / 2
        lats, lons = _offset(
            original.lat,
            original.lon,
            np.array([pyrand.gauss(0, 30)]),
            np.array([pyrand.gauss(0, 30)]),
        )
        dlat, dlon = float(lats[0]), float(lons[0])
        category = original.category
        plat, plon = public_location(
            dlat, dlon, approximate=category.public_location_approximated, resolution=approx_res
        )
        duplicates.append(
            Report(
                category=category,
                status="new",
                lat=dlat,
                lon=dlon,
                public_lat=plat,
                public_lon=plon,
                h3_r9=h3_int(dlat, dlon, 9),
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
    # Route the duplicates too: a nudge of ~30 m may cross a district border.
    for dup, route in zip(
        duplicates, route_points([(d.lat, d.lon) for d in duplicates]), strict=True
    ):
        if route is not None:
            dup.district, dup.officer = route.district, route.officer
    services.bulk_load_duplicates(duplicates)

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
    services.bulk_load_history(events, notes)
    return {
        "reports": len(reports) + len(duplicates),
        "duplicates": len(duplicates),
        "events": len(events),
        "notes": len(notes),
    }
