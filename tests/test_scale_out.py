"""Two machines, one database: two `straz serve` and two `straz worker` processes on PostgreSQL.

Each "machine" has its own data directory (nothing on one machine's disk is seen by the
other); they share the PostgreSQL database, an S3-compatible store (moto's server, offline)
and the secrets from the environment (ADR 0038). Reports with photos are posted alternately
to both servers; an attachment uploaded through one is served by the other; the officer's
status changes go through the other server too; overdue deadlines make the two workers,
started together, flag the reports and deliver the supervisors' e-mails. Everything must
come out as on one server: one row per report, one flag and one e-mail per overdue report,
each e-mail delivered exactly once, the audit chain intact, the map counts exact.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.helpers.fixtures import LIVE_ENV
from tests.helpers.live_server import REPO_ROOT, LiveServer, free_port, is_postgres

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-server")]

BUCKET = "straz-scale-out"
REPORTS = 24
THREADS = 4
CATEGORY = "illegal-dump"
JPEG_MAGIC = b"\xff\xd8\xff"


def _require_postgres() -> None:
    if is_postgres(os.environ.get("DATABASE_URL")):
        return
    if os.environ.get("STRAZ_EXPECT_DB") == "postgresql":
        pytest.fail("STRAZ_EXPECT_DB=postgresql but DATABASE_URL is not a PostgreSQL URL")
    pytest.skip("the scale-out test needs PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.fixture
def object_store() -> Iterator[str]:
    """An offline S3 endpoint (moto's server) with an empty private bucket; yields its URL."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per S3 request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _s3(endpoint, boto3).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        server.stop()


def _s3(endpoint: str, boto3: Any = None) -> Any:
    if boto3 is None:
        import boto3
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


def _photo(seed: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (seed * 9 % 256, 120, 40)).save(buf, format="JPEG")
    return buf.getvalue()


def _start_worker(machine: LiveServer, name: str) -> subprocess.Popen[bytes]:
    log = open(machine.base_dir / f"{name}.log", "ab")  # the child inherits the descriptor
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "straz.cli", "worker", "--poll", "0.5"],
            cwd=REPO_ROOT,
            env=machine.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        log.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _delivered_message_ids(mail_dir: Path) -> list[str]:
    """X-Straz-Message-Id of every e-mail the (file-based) relay received, repeats included."""
    found: list[str] = []
    for path in mail_dir.glob("*"):
        found += re.findall(r"^X-Straz-Message-Id: (\S+)$", path.read_text(), flags=re.M)
    return found


STATE = """
from collections import Counter
from straz.accounts import audit
from straz.notifications.models import DeliveryAttempt, OutboxMessage
from straz.reports.map import aggregates
from straz.reports.models import Attachment, EventKind, MapCell, Report, ReportEvent
def cells():
    return sorted(tuple(sorted(r.items())) for r in MapCell.objects.filter(layer=1).values())
before = cells()
aggregates.rebuild(layer=1)
result = {
    "reports": Report.objects.count(),
    "attachments": Attachment.objects.count(),
    "attachment_names": sorted(Attachment.objects.values_list("path", flat=True)),
    "flagged": Report.objects.filter(overdue_flagged_at__isnull=False).count(),
    "overdue_events": dict(
        Counter(ReportEvent.objects.filter(kind=EventKind.OVERDUE).values_list("report_id", flat=True))
    ),
    "messages": list(OutboxMessage.objects.values("message_id", "state", "attempts", "source_id")),
    "attempts": DeliveryAttempt.objects.count(),
    "statuses": dict(Counter(Report.objects.values_list("status", flat=True))),
    "chain_problems": [f"#{p.seq}: {p.reason}" for p in audit.verify_chain()],
    "aggregates_exact": before == cells(),
}
"""

PROGRESS = """
from straz.notifications.models import OutboxMessage
from straz.reports.models import Report
result = {
    "flagged": Report.objects.filter(overdue_flagged_at__isnull=False).count(),
    "pending": OutboxMessage.objects.exclude(state="delivered").count(),
    "messages": OutboxMessage.objects.count(),
}
"""


def test_two_servers_and_two_workers_on_one_database(
    object_store: str, tmp_path: Path
) -> None:
    _require_postgres()
    mail_dir = tmp_path / "relay"  # the SMTP relay both workers send to, recording each e-mail
    mail_dir.mkdir()
    shared = {
        **LIVE_ENV,
        # Secrets every machine shares (ADR 0038): sessions, CSRF and the audit chain.
        "STRAZ_SECRET_KEY": "scale-out-" + secrets.token_hex(24),
        "STRAZ_AUDIT_KEY": secrets.token_hex(32),
        "STRAZ_STORAGE": "s3",
        "STRAZ_S3_BUCKET": BUCKET,
        "STRAZ_S3_ENDPOINT_URL": object_store,
        "STRAZ_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "STRAZ_EMAIL_FILE_PATH": str(mail_dir),
        # Distinct points never merge as duplicates; each client has its own address.
        "STRAZ_DUPLICATE_RADIUS_M": "0",
        "STRAZ_TRUSTED_PROXY_COUNT": "1",
    }
    machine_a = LiveServer(base_dir=tmp_path / "a", extra_env=shared, label="scalea")
    machine_b: LiveServer | None = None
    workers: list[subprocess.Popen[bytes]] = []
    try:
        fixtures = machine_a.prepare()
        machine_a.start()
        # Machine B: its own data directory, machine A's database.
        machine_b = LiveServer(
            base_dir=tmp_path / "b",
            extra_env={**shared, "DATABASE_URL": machine_a.env["DATABASE_URL"]},
            label="scaleb",
        )
        machine_b.fixtures = fixtures
        machine_b.start()
        servers = [machine_a, machine_b]
        _run_scenario(servers, mail_dir, workers, object_store)
    finally:
        for process in workers:
            _stop(process)
        if machine_b is not None:
            machine_b.kill()
        machine_a.destroy()


def _post_reports(servers: list[LiveServer]) -> dict[int, tuple[int, str]]:
    """Post REPORTS reports with photos, alternately to the two servers; id -> (server, sha)."""
    posted: dict[int, tuple[int, str]] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def post(worker: int) -> None:
        session = requests.Session()
        for i in range(worker, REPORTS, THREADS):
            server = i % 2
            photo = _photo(i)
            resp = session.post(
                servers[server].url + "/api/v1/reports/multipart",
                data={
                    "category": CATEGORY,
                    # Inside district A, a distinct point each.
                    "lat": f"{49.725 + i * 0.0012:.6f}",
                    "lon": f"{13.355 + i * 0.0011:.6f}",
                    "description": f"scale-out report {i}",
                },
                files={"attachment": (f"photo-{i}.jpg", photo, "image/jpeg")},
                headers={"X-Forwarded-For": f"198.18.7.{i + 1}"},
                timeout=30,
            )
            with lock:
                if resp.status_code == 201:
                    posted[int(resp.json()["id"])] = (server, hashlib.sha256(photo).hexdigest())
                else:
                    errors.append(f"{resp.status_code}: {resp.text[:300]}")

    threads = [threading.Thread(target=post, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:5]
    return posted


def _run_scenario(
    servers: list[LiveServer],
    mail_dir: Path,
    workers: list[subprocess.Popen[bytes]],
    endpoint: str,
) -> None:
    machine_a, machine_b = servers
    posted = _post_reports(servers)
    assert len(posted) == REPORTS
    assert {server for server, _sha in posted.values()} == {0, 1}

    # Attachments live in the shared store, not on either machine's disk.
    keys = [o["Key"] for o in _s3(endpoint).list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert len(keys) == REPORTS, keys
    for machine in servers:
        media = machine.data_dir / "media"
        assert not media.exists() or not _files_under(media), _files_under(media)

    # Each photo is served by the server that did NOT receive it, identical to the other's copy.
    officer = machine_a.token("officer")
    for report_id, (server, _sha) in sorted(posted.items()):
        other = servers[1 - server]
        detail = other.session(officer).get(
            f"{other.url}/api/v1/staff/reports/{report_id}", timeout=30
        )
        assert detail.status_code == 200, detail.text[:300]
        attachments = detail.json()["attachments"]
        assert len(attachments) == 1
        url = attachments[0]["url"]
        served_by_other = other.session(officer).get(other.url + url, timeout=30)
        assert served_by_other.status_code == 200, (
            f"report {report_id} posted to server {server}: {served_by_other.status_code}"
        )
        assert served_by_other.content.startswith(JPEG_MAGIC)
        served_by_own = servers[server].session(officer).get(servers[server].url + url, timeout=30)
        assert served_by_own.content == served_by_other.content

    # The officer moves every report on through the server it was not posted to.
    for report_id, (server, _sha) in sorted(posted.items()):
        other = servers[1 - server]
        resp = other.session(officer).post(
            f"{other.url}/api/v1/staff/reports/{report_id}/transition",
            json={"status": "verification"},
            timeout=30,
        )
        assert resp.status_code == 200, resp.text[:300]

    # A login on one machine holds on the other (shared secret key, sessions in the database).
    browser = requests.Session()
    browser.get(machine_a.url + "/login/", timeout=30)
    login = browser.post(
        machine_a.url + "/login/",
        data={
            "username": "officer",
            "password": machine_a.password("officer"),
            "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""),
        },
        headers={"Referer": machine_a.url + "/login/"},
        timeout=30,
        allow_redirects=False,
    )
    assert login.status_code == 302, login.text[:500]
    queue = browser.get(machine_b.url + "/staff/", timeout=30, allow_redirects=False)
    assert queue.status_code == 200, (queue.status_code, queue.headers.get("Location"))

    # Every report misses its verification deadline; the supervisor of district A has an address.
    machine_a.run_django(
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from straz.accounts.models import User\n"
        "from straz.reports.models import Report\n"
        "User.objects.filter(username='supervisor').update(email='supervisor-a@policie.example')\n"
        "result = Report.objects.update(verify_due_at=timezone.now() - timedelta(hours=1))\n"
    )
    # Both workers start together: both run the deadline job and the delivery at once.
    workers.append(_start_worker(machine_a, "worker-a"))
    workers.append(_start_worker(machine_b, "worker-b"))
    deadline = time.monotonic() + 180
    progress: dict[str, Any] = {}
    while time.monotonic() < deadline:
        progress = machine_a.run_django(PROGRESS)
        if (
            progress["flagged"] == REPORTS
            and progress["messages"] == REPORTS
            and progress["pending"] == 0
        ):
            break
        assert all(w.poll() is None for w in workers), "a worker exited"
        time.sleep(1)
    assert progress.get("pending") == 0 and progress.get("flagged") == REPORTS, progress
    # Another round of both workers finds nothing more to do.
    time.sleep(2)
    for process in workers:
        _stop(process)

    state = machine_a.run_django(STATE)
    assert state["reports"] == REPORTS
    assert state["attachments"] == REPORTS
    assert sorted(keys) == state["attachment_names"]
    assert state["statuses"] == {"verification": REPORTS}
    assert state["flagged"] == REPORTS
    assert sorted(int(k) for k in state["overdue_events"]) == sorted(posted)
    assert set(state["overdue_events"].values()) == {1}, state["overdue_events"]
    messages = state["messages"]
    assert len(messages) == REPORTS
    assert sorted(int(m["source_id"]) for m in messages) == sorted(posted)
    assert {m["state"] for m in messages} == {"delivered"}
    assert {m["attempts"] for m in messages} == {1}
    assert state["attempts"] == REPORTS
    delivered = Counter(_delivered_message_ids(mail_dir))
    assert sorted(delivered) == sorted(str(m["message_id"]) for m in messages)
    assert set(delivered.values()) == {1}, delivered
    assert state["chain_problems"] == []
    assert state["aggregates_exact"]
