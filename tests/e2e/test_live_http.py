"""What only a real HTTP server shows: body limits on the wire and clients behind a proxy."""

from __future__ import annotations

from typing import Any

import pytest
import requests

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-server")]

MB = 1024 * 1024
GOOD = {"category": "illegal-dump", "lat": 49.7401, "lon": 13.3701}


def _counts(server: Any) -> dict[str, int]:
    return server.run_django(
        "from straz.reports.models import Report, Attachment\n"
        "from straz.accounts.models import AuditEntry\n"
        "result = {'reports': Report.objects.count(), 'attachments': Attachment.objects.count(),"
        " 'audit': AuditEntry.objects.count()}"
    )


def test_ten_megabyte_bodies_are_refused_on_the_wire(straz_server_factory: Any) -> None:
    server = straz_server_factory(label="bodylimit")
    before = _counts(server)
    body = b'{"category": "illegal-dump", "description": "' + b"x" * (10 * MB) + b'"}'
    resp = requests.post(
        server.url + "/api/v1/reports",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert resp.status_code == 413, resp.text[:300]
    assert resp.json()["detail"]
    resp = requests.post(
        server.url + "/api/v1/reports/multipart",
        data={k: str(v) for k, v in GOOD.items()},
        files={"attachment": ("big.jpg", b"\xff\xd8\xff" + b"0" * (10 * MB), "image/jpeg")},
        timeout=60,
    )
    assert resp.status_code == 413, resp.text[:300]
    assert _counts(server) == before
    # The server still serves after refusing (nothing left half-read on the connection).
    assert requests.post(server.url + "/api/v1/reports", json=GOOD, timeout=30).status_code == 201


def test_clients_behind_a_trusted_proxy_are_told_apart(straz_server_factory: Any) -> None:
    """With one trusted proxy, X-Forwarded-For names the client: limits and the stored IP use it."""
    server = straz_server_factory(
        {"STRAZ_TRUSTED_PROXY_COUNT": "1", "STRAZ_REPORTS_PER_IP_PER_DAY": "1"}, label="proxy"
    )
    post = lambda ip, lat: requests.post(  # noqa: E731
        server.url + "/api/v1/reports",
        json={**GOOD, "lat": lat},
        headers={"X-Forwarded-For": ip},
        timeout=30,
    )
    first = post("198.51.100.71", 49.7301)
    assert first.status_code == 201, first.text
    second = post("198.51.100.72", 49.7501)
    assert second.status_code == 201, f"a second client behind the proxy was refused: {second.text}"
    again = post("198.51.100.71", 49.7551)
    assert again.status_code == 429, again.text
    stored = server.run_django(
        "from straz.reports.models import Report\n"
        f"result = list(Report.objects.filter(pk__in=[{first.json()['id']}, {second.json()['id']}])"
        ".order_by('pk').values_list('reporter_ip', flat=True))"
    )
    assert stored == ["198.51.100.71", "198.51.100.72"]


def test_import_areas_command_refuses_a_broken_file(
    straz_server_factory: Any, tmp_path: Any
) -> None:
    """`straz import-areas` as an operator runs it: non-zero exit, a reason, no traceback."""
    import subprocess
    import sys

    from tests.helpers.live_server import REPO_ROOT

    server = straz_server_factory(label="cli")
    count = "from straz.territory.models import Area\nresult = Area.objects.count()"
    before = server.run_django(count)
    broken = tmp_path / "districts.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": ')
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "straz.cli",
            "import-areas",
            str(broken),
            "--kind",
            "police-district",
            "--code-field",
            "code",
            "--name-field",
            "name",
        ],
        cwd=REPO_ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip(), "no reason given"
    assert server.run_django(count) == before
