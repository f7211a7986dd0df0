"""Demo data of the police layer: a year of offences in Plzeň in the police's own format.

The police publish the crime map as monthly GeoJSON files plus three code lists
(kriminalita.policie.cz open data). The demo writes a small sample in exactly that shape
(FeatureCollection; properties id, date, state, relevance, types, mp) and loads it through
the real importer, so the police-data layer of the map and the statistics are not empty and
the import path is the one a deployment uses. The offences are SYNTHETIC: invented points,
dates and types; the code lists are copies of the police's lists.
"""

from __future__ import annotations

import json
import random
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone
from shapely.geometry import Point, Polygon

from straz.demo.common import say
from straz.demo.territory import CITY_OUTLINE
from straz.reports.crimemap.importer import import_paths
from straz.reports.models import CrimeRecord

DATA = Path(__file__).parent / "data" / "crimemap"
CODE_LISTS = ("types.json", "states.json", "relevance.json")
SAMPLE_SIZE = 900
DAYS = 365
# Leaf types with rough weights of how often they occur in a Czech city (property crime
# and public-order offences dominate); a few hidden types are included on purpose so that
# the importer's public rules have something to hide.
TYPE_WEIGHTS = {
    311: 18, 312: 14, 3211: 9, 321: 5, 31: 8, 11: 2, 12: 5, 121: 1,
    41: 6, 42: 7, 51: 10, 52: 12, 22: 1, 21: 1,
}
STATE_WEIGHTS = {1: 45, 2: 25, 3: 22, 4: 4, 5: 3, 6: 1}
RELEVANCE_WEIGHTS = {1: 85, 2: 12, 3: 3}
FIRST_ID = 91_000_000


def _pick(rng: random.Random, weights: dict[int, int]) -> int:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def sample_features(*, count: int = SAMPLE_SIZE, seed: int = 20241201) -> list[dict[str, Any]]:
    """`count` offences inside the city outline over the last year, police-file shaped."""
    rng = random.Random(seed)
    outline = Polygon(CITY_OUTLINE)
    min_lon, min_lat, max_lon, max_lat = outline.bounds
    # Offences cluster in the centre and along the main streets: half of the points are
    # drawn near the centre, the rest anywhere in the city.
    centre = (13.3776, 49.7475)
    now = timezone.localtime()
    features: list[dict[str, Any]] = []
    while len(features) < count:
        if rng.random() < 0.5:
            lon, lat = rng.gauss(centre[0], 0.012), rng.gauss(centre[1], 0.007)
        else:
            lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
        if not outline.contains(Point(lon, lat)):
            continue
        when = now - timedelta(days=rng.uniform(1, DAYS), minutes=rng.randint(0, 1439))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {
                    "id": FIRST_ID + len(features),
                    # The police write local time without an offset.
                    "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
                    "state": _pick(rng, STATE_WEIGHTS),
                    "relevance": _pick(rng, RELEVANCE_WEIGHTS),
                    "types": [_pick(rng, TYPE_WEIGHTS)],
                    "mp": rng.random() < 0.15,
                },
            }
        )
    return features


def load_crime_sample(*, stdout: Any = None, count: int = SAMPLE_SIZE) -> int:
    """Load the sample through the importer unless police data are present; records stored."""
    if CrimeRecord.objects.exists():
        return 0
    with tempfile.TemporaryDirectory(prefix="straz-demo-crimemap-") as tmp:
        month = Path(tmp) / "demo-plzen.geojson"
        month.write_text(
            json.dumps({"type": "FeatureCollection", "features": sample_features(count=count)}),
            encoding="utf-8",
        )
        summaries = import_paths([*(DATA / name for name in CODE_LISTS), month])
    broken = [s for s in summaries if s.error]
    if broken:
        raise RuntimeError(f"demo crime-map sample did not load: {broken[0].name}: {broken[0].error}")
    stored = CrimeRecord.objects.count()
    say(stdout, f"Police data (synthetic, police-file format): {stored} offences, "
        f"{CrimeRecord.objects.filter(is_public=True).count()} shown on the public map.")
    return stored
