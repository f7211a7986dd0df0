"""Police-only data never leaves through a public endpoint.

Reports are created with unique markers in every police-only place: the description, the
reporter's IP address (IPv4 and IPv6), an attachment (file name, content, hash, storage
path), internal notes, and the exact point of a category whose public location is
approximated. Then every public route of the product — collected from Django's URL
resolver, so a new route cannot be forgotten — is fetched anonymously with the variants
that matter (every map zoom band, filters, formats) and no response may contain a marker.
"""

from __future__ import annotations

import io
import ipaddress
import json
import math
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.helpers.routes import NOT_SCANNED, STAFF_ONLY, all_routes, matches

pytestmark = pytest.mark.django_db

SCANNER_IP = "192.0.2.1"  # the anonymous visitor who reads; never a reporter
STATUSES = ["new", "verification", "confirmed", "not_confirmed", "eliminated", "passed_on"]
ZOOMS = list(range(5, 18))  # bands 5–8, 9–12, 13–17; 17 = street zoom with single points
FORMATS = ["json", "xml"]
PERIODS = ["7d", "30d", "365d", "all"]


# ------------------------------------------------------------------ the scenario


@dataclass
class Scenario:
    """What was created, and the strings that must never appear publicly."""

    reports: dict[str, int] = field(default_factory=dict)
    points: dict[str, tuple[float, float]] = field(default_factory=dict)
    public_points: dict[str, tuple[float, float]] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)
    attachment_ids: list[int] = field(default_factory=list)
    attachment_paths: list[str] = field(default_factory=list)
    category_codes: list[str] = field(default_factory=list)
    district_codes: list[str] = field(default_factory=list)
    # exact points of approximated reports: they must not appear in any public response
    secret_points: list[tuple[float, float]] = field(default_factory=list)
    # unsubscribe tokens of followers: each may appear only on its own page (its URL)
    follow_tokens: list[str] = field(default_factory=list)


def _marker(kind: str) -> str:
    return f"zz{kind}{secrets.token_hex(6)}"


def _jpeg_with(comment: bytes) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(buf, "JPEG", comment=comment)
    data = buf.getvalue()
    assert comment in data
    return data


def _pick_secret_point(
    *resolutions: int, south: float = 49.742, west: float = 13.372
) -> tuple[float, float]:
    """A point in district A that is far (> 60 m) from the centres of its coarse cells."""
    from straz.reports.rules import public_location

    rng = secrets.SystemRandom()
    while True:
        lat = round(rng.uniform(south, south + 0.013), 7)
        lon = round(rng.uniform(west, west + 0.014), 7)
        centres = [public_location(lat, lon, approximate=True, resolution=r) for r in resolutions]
        if all(_metres(lat, lon, plat, plon) > 60 for plat, plon in centres):
            return lat, lon


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat2 - lat1) * 111_320.0
    dx = (lon2 - lon1) * 111_320.0 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


@pytest.fixture
def scenario(
    settings: Any, tmp_path: Any, district_a: Any, district_b: Any, officer: Any, categories: Any
) -> Scenario:
    """Reports carrying markers in every police-only field, some confirmed, some not public."""
    from straz.reports import services
    from straz.reports.intake import IncomingAttachment
    from straz.reports.models import Attachment, Report

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STRAZ = {**settings.STRAZ, "REPORTS_PER_IP_PER_DAY": 1000, "DUPLICATE_RADIUS_M": 0}
    s = Scenario(
        category_codes=[c.code for c in categories.values()], district_codes=["PD-A", "PD-B"]
    )
    m = s.markers
    for key in ("desc1", "desc2", "desc3", "desc4", "note1", "note2", "note3", "file", "bytes"):
        m[key] = _marker(key)
    ip4 = f"198.51.100.{secrets.randbelow(250) + 2}"
    ip6 = str(
        ipaddress.IPv6Address(
            f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::{secrets.token_hex(2)}"
        )
    )
    m["ip4"], m["ip6"] = ip4, ip6

    # 1. An ordinary report through the public JSON API, from the marked IPv4 address.
    s.points["dump"] = (49.7291234, 13.3612345)
    resp = Client(REMOTE_ADDR=ip4).post(
        "/api/v1/reports",
        data=json.dumps(
            {
                "category": "illegal-dump",
                "lat": 49.7291234,
                "lon": 13.3612345,
                "description": m["desc1"],
            }
        ),
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    s.reports["dump"] = int(resp.json()["id"])

    # 2. An approximated category (drug use) with a marked attachment, from the IPv6 address.
    resolution = int(settings.STRAZ["APPROXIMATE_RESOLUTION"])
    secret = _pick_secret_point(resolution)
    s.points["drugs"] = secret
    s.secret_points.append(secret)
    photo = _jpeg_with(m["bytes"].encode())
    result = services.submit_report(
        category_code="drug-use",
        lat=secret[0],
        lon=secret[1],
        description=m["desc2"],
        attachment=IncomingAttachment(name=f"{m['file']}.jpg", data=photo),
        client_ip=ip6,
        source="web",
    )
    s.reports["drugs"] = result.report_id

    # 3. A report of a category that is public only once confirmed; it stays "new".
    s.points["venue"] = (49.7354321, 13.3823456)
    s.secret_points.append(s.points["venue"])
    r3 = services.submit_report(
        category_code="dangerous-venue",
        lat=49.7354321,
        lon=13.3823456,
        description=m["desc3"],
        client_ip=ip4,
        source="api",
    )
    s.reports["venue"] = r3.report_id

    # 3b. A reporter who follows the report by e-mail (kept apart, ADR 0036); confirmed
    # below, so that status e-mails were queued and the report is public.
    from straz.reports.followers import FollowRequest
    from straz.reports.models import FollowerContact

    m["email"] = f"{_marker('email')}@example.cz"
    follower_report = services.submit_report(
        category_code="illegal-dump",
        lat=49.7321234,
        lon=13.3712345,
        client_ip=ip4,
        source="api",
        follow=FollowRequest(email=m["email"], language="cs", site_url="http://testserver"),
    )
    s.reports["followed"] = follower_report.report_id
    contact = FollowerContact.objects.get(report_id=follower_report.report_id)
    assert contact.email == m["email"]
    m["follow_token"] = contact.token
    s.follow_tokens.append(contact.token)

    # 4. Another ordinary report in district B, not confirmed (fades later, public now).
    s.points["dump_b"] = (49.7412345, 13.4651234)
    r4 = services.submit_report(
        category_code="illegal-dump",
        lat=49.7412345,
        lon=13.4651234,
        description=m["desc4"],
        client_ip=ip6,
        source="open311",
    )
    s.reports["dump_b"] = r4.report_id

    # Workflow: confirm 1 and 2 with internal notes; a public note is allowed to show.
    for key in ("dump", "drugs", "followed"):
        services.transition_report(
            user=officer, report_id=s.reports[key], target="verification", note=m["note1"]
        )
        services.transition_report(
            user=officer,
            report_id=s.reports[key],
            target="confirmed",
            public_note="Více hlídek.",
            note=m["note2"],
        )
    services.add_note(user=officer, report_id=s.reports["dump"], text=m["note3"])

    # 5. A police record from the crime-map open data: the public sees it approximated only.
    crime = _pick_secret_point(7, 8, 9, south=49.745, west=13.352)  # apart from the others
    _import_crime_record(tmp_path, crime)
    s.points["crime"] = crime
    s.secret_points.append(crime)

    attachment = Attachment.objects.get(report_id=s.reports["drugs"])
    s.attachment_ids.append(attachment.pk)
    s.attachment_paths.append(attachment.path)
    m["sha256"] = attachment.sha256
    m["path"] = attachment.path.rsplit("/", 1)[-1].split(".")[0]
    from straz.reports.models import CrimeRecord

    record = CrimeRecord.objects.get(external_id=CRIME_ID)
    s.public_points["crime"] = (record.public_lat, record.public_lon)
    assert record.is_public
    assert _metres(*crime, record.public_lat, record.public_lon) > 40
    # An address typed by the citizen is police-only too.
    m["address"] = _marker("address")
    Report.objects.filter(pk=s.reports["dump"]).update(address_text=m["address"])
    for key, report_id in s.reports.items():
        report = Report.objects.get(pk=report_id)
        s.public_points[key] = (report.public_lat, report.public_lon)
        if report.reporter_key:
            m[f"reporter_key_{key}"] = report.reporter_key[:16]
        # Every field the model declares police-only gets a marker from its stored value.
        for name in Report.POLICE_ONLY_FIELDS:
            check = POLICE_ONLY_FIELD_CHECKS.get(name)
            assert check, f"the privacy scan does not know police-only field {name!r}; add it"
            if check == TEXT:
                value = str(getattr(report, name) or "")
                if value:
                    m[f"{name}_{key}"] = value[:16]
            elif report.category.public_location_approximated:
                # The exact point of an approximated report (and its fine cell) is secret;
                # otherwise the public point is the exact one by design.
                s.secret_points.append((report.lat, report.lon))
                m[f"{name}_{key}"] = str(report.h3_r9)
    # The stored data really carries the markers (otherwise the scan proves nothing).
    assert Report.objects.get(pk=s.reports["dump"]).description == m["desc1"]
    assert Report.objects.get(pk=s.reports["dump"]).reporter_ip == ip4
    assert Report.objects.get(pk=s.reports["drugs"]).reporter_ip == ip6
    # The sender's file name is kept nowhere (ADR 0022), not even in the stored path.
    assert m["file"] not in attachment.path
    return s


# How the scan checks each field of Report.POLICE_ONLY_FIELDS: TEXT = its stored value must
# not appear; POINT = for approximated categories the exact point (and its cell) must not.
TEXT, POINT = "text", "point"
POLICE_ONLY_FIELD_CHECKS = {
    "lat": POINT,
    "lon": POINT,
    "h3_r9": POINT,
    "address_text": TEXT,
    "description": TEXT,
    "reporter_ip": TEXT,
    "reporter_key": TEXT,
}
# Markers carried by the police-only relations of a report (Report.POLICE_ONLY_RELATIONS).
POLICE_ONLY_RELATION_MARKERS = {
    "attachments": ("file", "bytes", "sha256", "path"),
    "notes": ("note3",),
}
# Markers carried by the private relations of a report (Report.PRIVATE_RELATIONS).
PRIVATE_RELATION_MARKERS = {"followers": ("email", "follow_token")}


CRIME_DATA = Path(__file__).resolve().parent / "reports" / "data" / "crimemap"
CRIME_ID = "99887766"


def _import_crime_record(tmp_path: Path, point: tuple[float, float]) -> None:
    """Import one offence (relevance 'place of the offence', under investigation)."""
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [point[1], point[0]]},
        "properties": {
            "id": int(CRIME_ID),
            "date": "2024-01-05T10:00:00",
            "state": 1,
            "relevance": 1,
            "types": [311],
            "mp": False,
        },
    }
    month = tmp_path / "202401.geojson"
    month.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    lists = [str(CRIME_DATA / n) for n in ("types.json", "states.json", "relevance.json")]
    call_command("import_crime_map", *lists, str(month), "--no-progress", stdout=io.StringIO())


# ------------------------------------------------------------------ what to fetch


def _viewport(lat: float, lon: float, zoom: int) -> str:
    """bbox of a 1280×800 px viewport centred on a point."""
    span_lon = 1280 / 256 * 360 / 2**zoom
    span_lat = 800 / 256 * 360 / 2**zoom * math.cos(math.radians(lat))
    west, east = lon - span_lon / 2, lon + span_lon / 2
    south, north = lat - span_lat / 2, lat + span_lat / 2
    return f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}"


def _map_urls(s: Scenario) -> list[str]:
    urls = []
    centres = [s.points["drugs"], s.points["dump"], s.points["venue"], s.points["dump_b"]]
    for zoom in ZOOMS:
        for lat, lon in centres:
            bbox = _viewport(lat, lon, zoom)
            urls.append(f"/api/v1/map?bbox={bbox}&zoom={zoom}")
        bbox = _viewport(*s.points["drugs"], zoom)
        urls += [f"/api/v1/map?bbox={bbox}&zoom={zoom}&category={c}" for c in s.category_codes]
        urls += [f"/api/v1/map?bbox={bbox}&zoom={zoom}&status={st}" for st in STATUSES]
        urls += [f"/api/v1/map?bbox={bbox}&zoom={zoom}&period={p}" for p in PERIODS]
        crime_box = _viewport(*s.points["crime"], zoom)
        urls += [
            f"/api/v1/map?bbox={crime_box}&zoom={zoom}&layer={layer}"
            for layer in ("police", "reports")
        ]
    return urls


def _ids(s: Scenario) -> list[int]:
    return [*s.reports.values(), max(s.reports.values()) + 1000]


def _lookup_points(s: Scenario) -> list[tuple[float, float]]:
    # Public locations only: a visitor's own query coordinates are echoed back by design.
    return [p for key, p in s.public_points.items() if key != "venue"]


# route regex -> builder of concrete URLs (path + query) for that route
PUBLIC: dict[str, Callable[[Scenario], list[str]]] = {
    r"": lambda s: ["/", "/?lang=en", "/?lang=pl", "/?q=Plze", "/?q=a", "/?pick=area:1", "/?pick=place:1"],
    r"report/": lambda s: [
        "/report/",
        "/report/?near=Plze",
        *[f"/report/?lat={a}&lon={b}&nearby=all" for a, b in _lookup_points(s)],
        *[f"/report/?lat={a}&lon={b}&category={c}" for a, b in _lookup_points(s) for c in s.category_codes],
    ],
    r"report/sent/": lambda s: ["/report/sent/", *[f"/report/sent/?id={i}" for i in _ids(s)]],
    r"r/<int:report_id>/": lambda s: [f"/r/{i}/" for i in _ids(s)],
    r"r/": lambda s: ["/r/", *[f"/r/?number={i}" for i in _ids(s)], "/r/?number=x"],
    # The real token's page shows the token in its own address (language switch) only; it is
    # fetched by test_follower_unsubscribe_page_shows_no_personal_data below.
    r"r/stop/<str:token>/": lambda s: ["/r/stop/unknown-token/"],
    r"districts/": lambda s: [
        "/districts/",
        *[f"/districts/?lat={a}&lon={b}" for a, b in _lookup_points(s)],
        "/districts/?q=Plze",
        "/districts/?q=a",
        *[f"/districts/?pick=area:{i}" for i in range(1, 4)],
    ],
    r"login/": lambda s: ["/login/"],
    r"source/": lambda s: ["/source/"],
    r"statistics/": lambda s: ["/statistics/", *_stats_filters("/statistics/", s)],
    r"api/v1/": lambda s: ["/api/v1/"],
    r"api/v1/openapi.json": lambda s: ["/api/v1/openapi.json"],
    r"api/v1/docs": lambda s: ["/api/v1/docs"],
    r"api/v1/categories": lambda s: ["/api/v1/categories"],
    r"api/v1/reports": lambda s: ["/api/v1/reports"],
    r"api/v1/reports/<(int:)?report_id>": lambda s: [f"/api/v1/reports/{i}" for i in _ids(s)],
    r"api/v1/map": _map_urls,
    r"api/v1/districts": lambda s: ["/api/v1/districts"],
    r"api/v1/districts/geojson": lambda s: ["/api/v1/districts/geojson"],
    r"api/v1/districts/lookup": lambda s: [
        f"/api/v1/districts/lookup?lat={a}&lon={b}" for a, b in _lookup_points(s)
    ],
    r"api/v1/places": lambda s: ["/api/v1/places?q=Plze", "/api/v1/places?q=a"],
    r"api/v1/addresses": lambda s: [
        "/api/v1/addresses?q=Plze",
        "/api/v1/addresses?q=a",
        "/api/v1/addresses?q=Americka%2042&limit=20",
    ],
    r"api/v1/reports/nearby": lambda s: [
        *[f"/api/v1/reports/nearby?lat={a}&lon={b}" for a, b in _lookup_points(s)],
        *[f"/api/v1/reports/nearby?lat={a}&lon={b}&category={c}" for a, b in _lookup_points(s) for c in s.category_codes],
        # Queried at the exact (secret) points too: only public points may come back.
        *[f"/api/v1/reports/nearby?lat={a}&lon={b}" for a, b in s.secret_points],
    ],
    r"api/v1/search": lambda s: ["/api/v1/search?q=Plze", "/api/v1/search?q=a"],
    r"api/v1/reports/multipart": lambda s: ["/api/v1/reports/multipart"],
    # Soft targets: the public sees at most name, kind and "protected place" (softtargets.public).
    r"api/v1/softtargets": lambda s: ["/api/v1/softtargets"],
    r"api/v1/softtargets/<int:target_id>": lambda s: [f"/api/v1/softtargets/{i}" for i in range(1, 4)],
    r"api/v1/statistics": lambda s: [
        "/api/v1/statistics",
        *_stats_filters("/api/v1/statistics", s),
    ],
}


def _stats_filters(url: str, s: Scenario) -> list[str]:
    return [
        *[f"{url}?category={c}" for c in s.category_codes],
        *[f"{url}?district={d}" for d in s.district_codes],
        f"{url}?from=2000-01-01&to=2100-01-01",
        f"{url}?view=public",
        f"{url}?view=staff",
    ]


REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _regex_values(s: Scenario) -> dict[str, list[str]]:
    ids = [str(i) for i in _ids(s)]
    return {
        "request_id": ids,
        "report_id": ids,
        "service_code": s.category_codes,
        "fmt": FORMATS,
        "format": FORMATS,
        "token": ["zz-no-such-token", *ids],
        "rest": ["nonexistent", "requests/1/extra", "services/../requests.json"],
    }


def _expand_regex(route: str, s: Scenario) -> list[str]:
    """Concrete URLs for a re_path route: every named group filled with each value."""
    values = _regex_values(s)
    urls = ["/" + route.replace("^", "").replace("$", "").replace("\\.", ".")]
    while any(REGEX_GROUP.search(u) for u in urls):
        expanded = []
        for url in urls:
            match = REGEX_GROUP.search(url)
            if match is None:
                expanded.append(url)
                continue
            name = match.group(1)
            assert name in values, f"privacy scan cannot fill group {name!r} of {route!r}; add it"
            expanded += [url[: match.start()] + v + url[match.end() :] for v in values[name]]
        urls = expanded
    return urls


def _expand_generic(route: str, s: Scenario) -> list[str]:
    """Concrete URLs for a route with converters: every report id, both formats."""
    if "(?P<" in route:
        return _expand_regex(route, s)
    urls = ["/" + route]
    from straz.analytics import charts, exports

    subs = {
        r"<(int:)?(report_id|pk|id|service_request_id)>": [str(i) for i in _ids(s)],
        r"<(slug:)?table>": list(exports.TABLES),
        r"<(slug:)?name>": list(charts.CHARTS),
        r"charts/(.*)<(str:)?fmt>": [rf"charts/\1{f}" for f in charts.FORMATS],
        r"<(str:|slug:)?(format|fmt|ext)>": FORMATS,
        r"<(str:|slug:)?(code|service_code|category|category_code)>": s.category_codes,
        r"<(str:|slug:)?(district|district_code)>": s.district_codes,
    }
    for pattern, values in subs.items():
        expanded = []
        for url in urls:
            if re.search(pattern, url):
                expanded += [re.sub(pattern, v, url, count=1) for v in values]
            else:
                expanded.append(url)
        urls = expanded
    leftovers = [u for u in urls if "<" in u]
    assert not leftovers, f"privacy scan cannot fill the parameters of {route!r}; add it to PUBLIC"
    return urls


def public_urls(s: Scenario) -> tuple[list[str], list[str]]:
    """(URLs to fetch, routes nobody classified)."""
    urls: list[str] = []
    unknown: list[str] = []
    for r in all_routes():
        if matches(r.route, NOT_SCANNED) or matches(r.route, STAFF_ONLY):
            continue
        builder = next((b for p, b in PUBLIC.items() if re.fullmatch(p, r.route)), None)
        if r.route.startswith("open311/") or (
            r.route.startswith("statistics/") and r.route != "statistics/"
        ):
            urls += _open311_or_stats_urls(r.route, s)
        elif builder is not None:
            urls += builder(s)
        else:
            unknown.append(r.route)
    return list(dict.fromkeys(urls)), unknown


def _open311_or_stats_urls(route: str, s: Scenario) -> list[str]:
    """Open311 and statistics/export routes: every id and format, plus list filters."""
    urls = _expand_generic(route, s)
    extra = []
    for url in urls:
        if re.search(r"requests(\.(json|xml))?$", url) or url.endswith("/requests"):
            extra += [
                f"{url}?status=open",
                f"{url}?status=closed",
                f"{url}?service_request_id={','.join(str(i) for i in s.reports.values())}",
                *[f"{url}?service_code={c}" for c in s.category_codes],
                f"{url}?start_date=2000-01-01T00:00:00Z&end_date=2100-01-01T00:00:00Z",
            ]
        if route.startswith("statistics/"):
            extra += _stats_filters(url, s)
    return urls + extra


# ------------------------------------------------------------------ scanning


def _body(resp: Any) -> bytes:
    if getattr(resp, "streaming", False):
        return b"".join(resp.streaming_content)
    return bytes(resp.content)


def _positions(value: Any) -> Iterable[tuple[float, float]]:
    """(lat, lon) of every GeoJSON position and every {lat, lon} object in a JSON document."""
    if isinstance(value, dict):
        lat = value.get("lat", value.get("latitude"))
        lon = value.get("lon", value.get("long", value.get("lng", value.get("longitude"))))
        if isinstance(lat, (int, float, str)) and isinstance(lon, (int, float, str)):
            try:
                yield float(lat), float(lon)
            except ValueError:
                pass
        for v in value.values():
            yield from _positions(v)
    elif isinstance(value, list):
        if len(value) in (2, 3) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in value
        ):
            yield float(value[1]), float(value[0])
        else:
            for v in value:
                yield from _positions(v)


def _xml_positions(text: str) -> Iterable[tuple[float, float]]:
    lats = re.findall(r"<lat>\s*([-0-9.]+)\s*</lat>", text)
    lons = re.findall(r"<long>\s*([-0-9.]+)\s*</long>", text)
    for a, b in zip(lats, lons, strict=False):
        yield float(a), float(b)


EXTERNAL_ASSET = re.compile(
    r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""", re.IGNORECASE
)


def scan(client: Client, url: str, s: Scenario) -> list[str]:
    """Problems found in one public response (empty = clean)."""
    resp = client.get(url)
    problems = []
    if resp.status_code >= 500:
        problems.append(f"{url}: server error {resp.status_code}")
    body = _body(resp)
    text = body.decode("utf-8", errors="replace")
    headers = "\n".join(f"{k}: {v}" for k, v in resp.items())
    haystack = (headers + "\n" + text).lower()
    for name, marker in s.markers.items():
        if marker.lower() in haystack:
            problems.append(f"{url}: leaks {name} ({marker})")
    # Exact points of approximated / non-public reports, in any notation with ≥ 5 decimals.
    for lat, lon in s.secret_points:
        if f"{lat:.5f}"[:-1] in text and f"{lon:.5f}"[:-1] in text:
            problems.append(f"{url}: shows the exact point {lat},{lon} as text")
    content_type = resp.get("Content-Type", "")
    positions: list[tuple[float, float]] = []
    if "json" in content_type:
        try:
            positions = list(_positions(json.loads(text)))
        except ValueError:
            problems.append(f"{url}: invalid JSON")
    elif "xml" in content_type:
        positions = list(_xml_positions(text))
    for lat, lon in positions:
        for slat, slon in s.secret_points:
            if _metres(lat, lon, slat, slon) < 30:
                problems.append(f"{url}: position {lat},{lon} is within 30 m of a secret point")
    if "html" in content_type and EXTERNAL_ASSET.search(text):
        problems.append(
            f"{url}: loads an asset from another host (must work offline): "
            f"{EXTERNAL_ASSET.search(text)[0]}"
        )
    return problems


# ------------------------------------------------------------------ tests


def test_every_route_is_classified(scenario: Scenario) -> None:
    """A new route fails here until it is added to PUBLIC (and scanned) or to STAFF_ONLY."""
    _urls, unknown = public_urls(scenario)
    assert not unknown, (
        "routes not covered by the privacy scan (add them to PUBLIC in tests/test_privacy.py or "
        f"to STAFF_ONLY in tests/helpers/routes.py): {unknown}"
    )


def test_scan_covers_every_police_only_field_the_model_declares(scenario: Scenario) -> None:
    """The scan reads Report's own list: a newly declared police-only field is scanned too."""
    from straz.reports.models import Report
    from straz.reports.public import PUBLIC_FIELDS

    assert set(POLICE_ONLY_FIELD_CHECKS) == set(Report.POLICE_ONLY_FIELDS)
    assert set(POLICE_ONLY_RELATION_MARKERS) == set(Report.POLICE_ONLY_RELATIONS)
    assert not set(PUBLIC_FIELDS) & set(Report.POLICE_ONLY_FIELDS)
    for name in Report.POLICE_ONLY_FIELDS:
        # Each field has at least one marker (or a secret point), so its check is not vacuous.
        assert any(key.startswith(f"{name}_") for key in scenario.markers), name
    for markers in POLICE_ONLY_RELATION_MARKERS.values():
        assert all(scenario.markers.get(key) for key in markers)
    assert set(PRIVATE_RELATION_MARKERS) == set(Report.PRIVATE_RELATIONS)
    for markers in PRIVATE_RELATION_MARKERS.values():
        assert all(scenario.markers.get(key) for key in markers)


def test_no_police_only_data_in_any_public_response(scenario: Scenario) -> None:
    urls, _unknown = public_urls(scenario)
    client = Client(REMOTE_ADDR=SCANNER_IP)
    problems: list[str] = []
    for url in urls:
        problems += scan(client, url, scenario)
    assert not problems, "\n".join(problems[:40])


def test_scan_sees_the_public_data(scenario: Scenario) -> None:
    """Positive control: the scanned endpoints do show the reports (so silence means privacy)."""
    client = Client(REMOTE_ADDR=SCANNER_IP)
    dump, drugs, venue = (
        scenario.reports["dump"],
        scenario.reports["drugs"],
        scenario.reports["venue"],
    )
    for report_id in (dump, drugs):
        r = client.get(f"/api/v1/reports/{report_id}")
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "confirmed"
        page = client.get(f"/r/{report_id}/")
        assert page.status_code == 200
    # Not public until confirmed: neither the API nor the page shows it.
    assert client.get(f"/api/v1/reports/{venue}").status_code == 404
    assert client.get(f"/r/{venue}/").status_code == 404
    # At street zoom the ordinary report sits at its exact point, the approximated one at
    # its cell centre.
    lat, lon = scenario.points["drugs"]
    data = client.get(f"/api/v1/map?bbox={_viewport(lat, lon, 15)}&zoom=17").json()
    positions = list(_positions(data))
    plat, plon = scenario.public_points["drugs"]
    assert any(_metres(a, b, plat, plon) < 1 for a, b in positions), positions[:20]
    clat, clon = scenario.public_points["crime"]
    data = client.get(f"/api/v1/map?bbox={_viewport(clat, clon, 15)}&zoom=17&layer=police").json()
    assert any(_metres(a, b, clat, clon) < 1 for a, b in _positions(data)), list(_positions(data))[
        :20
    ]
    dlat, dlon = scenario.points["dump"]
    data = client.get(f"/api/v1/map?bbox={_viewport(dlat, dlon, 17)}&zoom=17").json()
    assert any(_metres(a, b, dlat, dlon) < 1 for a, b in _positions(data))


def test_follower_unsubscribe_page_shows_no_personal_data(scenario: Scenario) -> None:
    """The page of a real unsubscribe link: no e-mail, no report data beyond its number."""
    client = Client(REMOTE_ADDR=SCANNER_IP)
    for token in scenario.follow_tokens:
        url = f"/r/stop/{token}/"
        resp = client.get(url)
        assert resp.status_code == 200
        clean = Scenario(
            markers={k: v for k, v in scenario.markers.items() if k != "follow_token"},
            secret_points=scenario.secret_points,
        )
        assert scan(client, url, clean) == []


def test_uploads_are_not_served_by_url(scenario: Scenario) -> None:
    client = Client(REMOTE_ADDR=SCANNER_IP)
    for path in scenario.attachment_paths:
        for prefix in ("/media/", "/static/", "/", "/static/../media/"):
            resp = client.get(prefix + path)
            assert resp.status_code in (301, 302, 400, 403, 404), (
                f"{prefix + path}: {resp.status_code}"
            )
            assert scenario.markers["bytes"].encode() not in _body(resp)


def test_staff_attachment_needs_login(scenario: Scenario) -> None:
    client = Client(REMOTE_ADDR=SCANNER_IP)
    url = f"/staff/reports/{scenario.reports['drugs']}/attachments/{scenario.attachment_ids[0]}/"
    resp = client.get(url)
    assert resp.status_code in (302, 401, 403, 404)
    assert scenario.markers["bytes"].encode() not in _body(resp)
