"""One report per address per day holds under concurrent posts on a file SQLite database too.

tests/reports/test_intake_limits.py runs the concurrent case only on PostgreSQL (the
in-memory test database cannot serve several connections). Here a real `straz serve`
process on its own file database takes simultaneous posts from one address.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from tests.helpers.fixtures import straz_server_factory  # noqa: F401
from tests.helpers.live_server import LiveServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-server")]

POSTERS = 6


def test_simultaneous_posts_from_one_address_store_one_report(
    straz_server_factory: Any,  # noqa: F811
) -> None:
    server: LiveServer = straz_server_factory(
        {
            # The product's limit (the live-server default lifts it for other tests).
            "STRAZ_REPORTS_PER_IP_PER_DAY": "1",
            "STRAZ_DUPLICATE_RADIUS_M": "0",
            "STRAZ_TRUSTED_PROXY_COUNT": "1",
        },
        label="ratelimit",
    )
    if server.database_kind != "sqlite":
        pytest.skip("this test is about SQLite; PostgreSQL runs test_intake_limits")
    barrier = threading.Barrier(POSTERS)
    answers: list[int] = []
    lock = threading.Lock()

    def post(i: int) -> None:
        body = {
            "category": "illegal-dump",
            "lat": 49.725 + i * 0.004,
            "lon": 13.36,
            "description": f"souběh {i}",
        }
        session = requests.Session()
        barrier.wait()
        resp = session.post(
            server.url + "/api/v1/reports",
            json=body,
            timeout=60,
            headers={"X-Forwarded-For": "198.51.100.77", "Accept-Language": "en"},
        )
        with lock:
            answers.append(resp.status_code)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(POSTERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(answers) == [201] + [429] * (POSTERS - 1), server.log_tail()
    stored = server.run_django(
        "from straz.reports.models import Report\n"
        "result = Report.objects.filter(description__startswith='souběh').count()\n"
    )
    assert stored == 1
    # Another address is not affected by the first one's limit.
    other = requests.post(
        server.url + "/api/v1/reports",
        json={"category": "illegal-dump", "lat": 49.75, "lon": 13.38},
        timeout=60,
        headers={"X-Forwarded-For": "198.51.100.78"},
    )
    assert other.status_code == 201
