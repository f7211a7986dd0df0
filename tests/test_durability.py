"""Nothing acknowledged is ever lost: SIGKILL the server mid-stream, restart, count again.

Several threads post reports to a real `straz serve` process; every 201 answer is written
down. The server is killed with SIGKILL while posts are in flight, restarted on the same
data, and then every acknowledged report must exist, be readable through the public API,
and the pre-aggregated map counts must equal both the number of public reports and a
recount from scratch (`aggregates.rebuild`).
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
import requests

from tests.helpers.fixtures import straz_server_factory  # noqa: F401
from tests.helpers.live_server import LiveServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-server")]

THREADS = 6
# Kill once this many reports were acknowledged (the posting goes on meanwhile).
KILL_AFTER = 60

# Map counts per zoom band over the whole of district A, read through the public API.
MAP_ZOOMS = (6, 10, 14)


def _district_a_points(rng: random.Random, n: int) -> list[tuple[float, float]]:
    # Well inside district A (13.35–13.39 E, 49.72–49.76 N), distinct points.
    return [
        (round(rng.uniform(49.7215, 49.7585), 6), round(rng.uniform(13.3515, 13.3885), 6))
        for _ in range(n)
    ]


def _post_until_stopped(
    server: LiveServer,
    category: str,
    worker: int,
    stop: threading.Event,
    acked: dict[int, dict[str, Any]],
    errors: list[str],
    lost_connections: list[int],
    lock: threading.Lock,
) -> None:
    rng = random.Random(worker)
    session = requests.Session()
    i = 0
    while not stop.is_set():
        lat, lon = _district_a_points(rng, 1)[0]
        body = {
            "category": category,
            "lat": lat,
            "lon": lon,
            "description": f"durability w{worker} #{i}",
        }
        i += 1
        try:
            resp = session.post(
                server.url + "/api/v1/reports",
                json=body,
                timeout=10,
                headers={"X-Forwarded-For": f"198.18.{worker}.{i % 250 + 1}"},
            )
        except requests.RequestException:
            # The server is gone (killed): this post was never acknowledged.
            with lock:
                lost_connections.append(worker)
            time.sleep(0.05)
            continue
        if resp.status_code == 201:
            report_id = int(resp.json()["id"])
            with lock:
                acked[report_id] = body
        elif resp.status_code >= 500:
            with lock:
                errors.append(f"{resp.status_code}: {resp.text[:300]}")


RECOUNT = """
from straz.reports.map import aggregates
from straz.reports.models import MapCell, Report
def snapshot():
    # Every column of every cell row of the citizen layer, whatever the schema.
    return sorted(tuple(sorted(row.items())) for row in MapCell.objects.filter(layer=1).values())
before = snapshot()
ids = set({ACKED})
present = set(Report.objects.filter(pk__in=ids).values_list("pk", flat=True))
public = Report.objects.filter(is_public=True).count()
from straz.accounts import audit
from straz.accounts.models import AuditEntry
audited = set(
    AuditEntry.objects.filter(object_type="report", object_id__in=[str(i) for i in ids])
    .values_list("object_id", flat=True)
)
chain_problems = [f"#{p.seq}: {p.reason}" for p in audit.verify_chain()]
aggregates.rebuild(layer=1)
after = snapshot()
result = {
    "missing": sorted(ids - present),
    "unaudited": sorted(ids - {int(x) for x in audited}),
    "chain_problems": chain_problems,
    "public": public,
    "total": Report.objects.count(),
    "aggregates_match_rebuild": before == after,
    "cells_before": len(before),
    "cells_after": len(after),
    "diff": [repr(x) for x in sorted(set(before) ^ set(after))][:20],
}
"""


def _map_total(server: LiveServer, zoom: int, bbox: str) -> int:
    resp = requests.get(server.url + "/api/v1/map", params={"bbox": bbox, "zoom": zoom}, timeout=30)
    assert resp.status_code == 200, resp.text[:500]
    data = resp.json()
    assert data["type"] == "FeatureCollection"
    total = 0
    for feature in data["features"]:
        props = feature.get("properties") or {}
        total += int(props.get("count", 1))
    return total


def test_acknowledged_reports_survive_sigkill(straz_server_factory: Any) -> None:  # noqa: F811
    server: LiveServer = straz_server_factory(
        {
            # Distinct points never merge as near-duplicates, so every report is public.
            "STRAZ_DUPLICATE_RADIUS_M": "0",
            "STRAZ_TRUSTED_PROXY_COUNT": "1",
        },
        label="durability",
    )
    category = "illegal-dump"
    acked: dict[int, dict[str, Any]] = {}
    errors: list[str] = []
    lost_connections: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_post_until_stopped,
            args=(server, category, w, stop, acked, errors, lost_connections, lock),
            daemon=True,
        )
        for w in range(THREADS)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while len(acked) < KILL_AFTER and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(acked) >= KILL_AFTER, (
        f"only {len(acked)} reports acknowledged; errors: {errors[:5]}\n{server.log_tail()}"
    )
    # Kill while the threads are still posting, so some requests are mid-flight.
    server.kill()
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors, f"server errors while posting: {errors[:5]}"
    # The kill hit the server under load: posts were refused or cut off by it.
    assert lost_connections, "no post was interrupted; the kill did not happen mid-stream"
    acknowledged = dict(acked)

    server.start()
    # Posting works again after the restart (the database is not left locked or broken).
    resp = requests.post(
        server.url + "/api/v1/reports",
        json={"category": category, "lat": 49.7301, "lon": 13.3601},
        timeout=10,
        headers={"X-Forwarded-For": "198.18.200.1"},
    )
    assert resp.status_code == 201, resp.text[:500]
    acknowledged[int(resp.json()["id"])] = {"category": category, "lat": 49.7301, "lon": 13.3601}

    # Every acknowledged report is readable with what was sent.
    session = requests.Session()
    for report_id, body in acknowledged.items():
        r = session.get(f"{server.url}/api/v1/reports/{report_id}", timeout=10)
        assert r.status_code == 200, (
            f"report {report_id} lost after SIGKILL: {r.status_code} {r.text[:200]}"
        )
        public = r.json()
        assert public["status"] == "new"
        assert (
            str(
                public["category"]
                if not isinstance(public["category"], dict)
                else public["category"]["code"]
            )
            == category
        )
        assert "description" not in public

    check = server.run_django(RECOUNT.replace("{ACKED}", repr(sorted(acknowledged))))
    assert check["missing"] == [], f"acknowledged but missing: {check['missing'][:20]}"
    assert check["unaudited"] == [], f"reports without an audit entry: {check['unaudited'][:20]}"
    assert check["chain_problems"] == [], (
        f"audit chain broken by the kill: {check['chain_problems']}"
    )
    assert check["public"] >= len(acknowledged)
    assert check["aggregates_match_rebuild"], (
        f"map aggregates differ from a recount: {check['diff']}"
    )

    # The public map counts exactly the public reports at every zoom band.
    d = server.fixtures["districts"]["A"]
    west, south = d["lon"] - 0.01, d["lat"] - 0.01
    east, north = d["lon"] + d["size"] + 0.01, d["lat"] + d["size"] + 0.01
    bbox = f"{west},{south},{east},{north}"
    for zoom in MAP_ZOOMS:
        assert _map_total(server, zoom, bbox) == check["public"], f"zoom {zoom}"
