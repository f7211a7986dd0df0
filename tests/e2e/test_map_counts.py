"""Map counts are exact after every write, status change and report leaving the public view.

Against a real server: reports are posted (some merge as near-duplicates, some are of a
category public only once confirmed, some approximated), then officers move them along
the workflow — into statuses that stay public and into ones that leave the public view
at once (retention 0 days). After each phase the public map's counts, summed per zoom
band, with and without category and status filters, must equal the number of public
reports the database holds, and the aggregates must equal a recount from scratch.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
import requests

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-server")]

CATEGORIES = ["illegal-dump", "dangerous-venue", "drug-use"]
STATUSES = ["new", "verification", "confirmed", "not_confirmed", "eliminated", "passed_on"]
# A street-sized square inside district A where most reports go, and the whole area.
STREET = (13.3650, 49.7400, 13.3750, 49.7460)  # west, south, east, north
WHOLE = (13.30, 49.70, 13.53, 49.78)
ZOOMS_WHOLE = (5, 6, 8, 9, 11, 12, 13)
ZOOMS_STREET = (14, 16, 17)

EXPECTED = """
from django.db.models import Q
from straz.reports.models import Report
west, south, east, north = {STREET}
public = Report.objects.filter(is_public=True)
street = public.filter(public_lon__gte=west, public_lon__lte=east)
street = street.filter(public_lat__gte=south, public_lat__lte=north)
result = {{}}
for name, qs in (("whole", public), ("street", street)):
    result[name] = {{"": qs.count()}}
    for c in {CATEGORIES}:
        result[name]["category=" + c] = qs.filter(category__code=c).count()
    for s in {STATUSES}:
        result[name]["status=" + s] = qs.filter(status=s).count()
    result[name]["category=illegal-dump&status=confirmed"] = qs.filter(
        category__code="illegal-dump", status="confirmed").count()
result["hidden"] = Report.objects.filter(is_public=False).count()
"""

RECOUNT = """
from straz.reports.map import aggregates
from straz.reports.models import MapCell
def snapshot():
    return sorted(tuple(sorted(row.items())) for row in MapCell.objects.filter(layer=1).values())
before = snapshot()
aggregates.rebuild(layer=1)
result = before == snapshot()
"""


def _map_total(server: Any, box: tuple[float, ...], zoom: int, query: str) -> int:
    bbox = ",".join(f"{v:.6f}" for v in box)
    url = f"{server.url}/api/v1/map?bbox={bbox}&zoom={zoom}" + (f"&{query}" if query else "")
    resp = requests.get(url, timeout=30)
    assert resp.status_code == 200, f"{url}: {resp.status_code} {resp.text[:300]}"
    return sum(int((f.get("properties") or {}).get("count", 1)) for f in resp.json()["features"])


def _check(server: Any, phase: str) -> dict[str, Any]:
    expected = server.run_django(
        EXPECTED.format(STREET=STREET, CATEGORIES=CATEGORIES, STATUSES=STATUSES)
    )
    wrong = []
    for name, box, zooms in (("whole", WHOLE, ZOOMS_WHOLE), ("street", STREET, ZOOMS_STREET)):
        for query, count in expected[name].items():
            for zoom in zooms:
                got = _map_total(server, box, zoom, query)
                if got != count:
                    wrong.append(f"{name} zoom {zoom} [{query}]: map {got}, database {count}")
    assert not wrong, f"after {phase}:\n" + "\n".join(wrong[:30])
    assert server.run_django(RECOUNT), f"after {phase}: aggregates differ from a recount"
    return expected


def _post(server: Any, category: str, lat: float, lon: float) -> int | None:
    resp = requests.post(
        server.url + "/api/v1/reports",
        json={"category": category, "lat": lat, "lon": lon},
        timeout=30,
    )
    assert resp.status_code == 201, resp.text[:300]
    body = resp.json()
    return None if body.get("duplicate_of") else int(body["id"])


def _move(server: Any, token: str, report_id: int, *targets: str) -> None:
    for target in targets:
        resp = requests.post(
            f"{server.url}/api/v1/staff/reports/{report_id}/transition",
            json={"status": target},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert resp.status_code == 200, (
            f"{report_id} → {target}: {resp.status_code} {resp.text[:300]}"
        )


def test_map_counts_follow_every_change(straz_server_factory: Any) -> None:
    server = straz_server_factory({"STRAZ_PUBLIC_RETENTION_DAYS": "0"}, label="counts")
    rng = random.Random(7)
    primaries: dict[str, list[int]] = {"A": [], "B": []}
    # Phase 1: writes. Points are close enough that some merge as near-duplicates.
    for i in range(36):
        category = CATEGORIES[i % 3]
        lat = rng.uniform(STREET[1] + 0.0003, STREET[3] - 0.0003)
        lon = rng.uniform(STREET[0] + 0.0003, STREET[2] - 0.0003)
        report_id = _post(server, category, lat, lon)
        if report_id:
            primaries["A"].append(report_id)
    for i in range(6):
        report_id = _post(server, CATEGORIES[i % 3], 49.73 + 0.004 * i, 13.46 + 0.003 * i)
        if report_id:
            primaries["B"].append(report_id)
    first = _check(server, "the writes")
    assert first["hidden"] > 0, (
        "no report was hidden (duplicates / confirmed-only): the test proves little"
    )
    assert first["whole"][""] > 10

    # Phase 2: status changes that stay public, and ones that leave the public view.
    officer, officer_b = server.token("officer"), server.token("officer_b")
    a = primaries["A"]
    plan = [
        ("verification",),
        ("verification", "confirmed"),
        ("verification", "not_confirmed"),  # fades at once (retention 0)
        ("verification", "confirmed", "eliminated"),  # fades at once
        ("verification", "confirmed", "passed_on"),
    ]
    for i, report_id in enumerate(a):
        steps = plan[i % len(plan)]
        if i % 6 == 5:
            continue  # some stay new
        _move(server, officer, report_id, *steps)
    for report_id in primaries["B"][:3]:
        _move(server, officer_b, report_id, "verification", "confirmed")
    second = _check(server, "the status changes")
    assert second["whole"]["status=confirmed"] > 0
    assert second["hidden"] > first["hidden"], "nothing left the public view"
