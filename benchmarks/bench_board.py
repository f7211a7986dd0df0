"""Benchmark of the operations board: server-side p50/p95 of the board API and the board pages.

    .venv/bin/python benchmarks/bench_board.py                        # throw-away SQLite database
    DATABASE_URL=postgres://straz:straz@127.0.0.1:5432/straz .venv/bin/python benchmarks/bench_board.py

With DATABASE_URL a throw-away PostgreSQL database `<name>_board_bench` is created next to
the named one (and dropped afterwards unless --keep); without it a SQLite file in a
temporary folder. The data: 500 open incidents (reported / in progress / liquidation, with
levels, events with priorities, 1–3 commanders each, 2–9 components called, some on site,
some gone) carrying 20,000 timeline entries (about a third of them §6 messages), plus
closed incidents with their own commanders, components, declarations and timelines, and
completed §16(4) reports for the level III/special ones older than a month (the recent
ones are the backlog of reports due; --no-reports leaves every one of them due).

Measured in-process with Django's test client (middleware, auth, view, template, JSON; no
network): GET /api/v1/incidents/board (Bearer token), the board page and its polled
fragment (URL names incidents:board and incidents:board-rows, when they exist), and
selectors.board_incidents() alone; each with its query count. Target: p95 < 200 ms.
The §16(2) backlog is timed too: the reports-due list page (incidents:reports-due), the
board's strip alone (reporting.reports_due_summary) and the reminder job's selection
(reporting.reminder_candidates); all three run a fixed number of queries whatever the
number of closed incidents (compare --closed 3000 with --closed 30000 --no-reports).
The §16(5) statistics API and page over all incidents are timed too (fewer requests).
Wall time and this process's CPU time are both given: on a shared machine the wall time
grows with other processes' load. Prints JSON (also written to benchmarks/out/board-<db>.json).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# benchmarks/statistics.py would shadow the standard library's `statistics` (Django's
# SQLite backend imports it): keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT / "src"))

TARGET_MS = 200.0


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(len(s) - 1, int(k) + 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


# ---------------------------------------------------------------- database


class ThrowAwayDatabase:
    """A fresh database for one run: SQLite in a temporary folder, or a new PostgreSQL one."""

    def __init__(self, *, keep: bool) -> None:
        self.keep = keep
        self.data_dir = tempfile.mkdtemp(prefix="straz-board-bench-")
        self.pg_admin_url: str | None = None
        self.pg_name: str | None = None
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql://")):
            parts = urlsplit(url)
            base = parts.path.lstrip("/") or "straz"
            self.pg_name = f"{base}_board_bench"
            self.pg_admin_url = urlunsplit(parts._replace(path="/postgres"))
            os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{self.pg_name}"))
        elif url:
            raise SystemExit("DATABASE_URL must be a PostgreSQL URL (or unset for SQLite)")
        os.environ["STRAZ_DATA_DIR"] = self.data_dir

    @property
    def kind(self) -> str:
        return "postgres" if self.pg_name else "sqlite"

    def _pg(self, sql: str) -> None:
        import psycopg

        assert self.pg_admin_url is not None
        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        if self.pg_name:
            self._pg(f'DROP DATABASE IF EXISTS "{self.pg_name}"')
            self._pg(f'CREATE DATABASE "{self.pg_name}"')
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "straz.settings")
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)

    def drop(self) -> None:
        if self.keep:
            return
        from django.db import connections

        connections.close_all()
        if self.pg_name:
            self._pg(f'DROP DATABASE IF EXISTS "{self.pg_name}"')
        shutil.rmtree(self.data_dir, ignore_errors=True)


# ---------------------------------------------------------------- data


def _areas() -> int:
    """A grid of 40 municipalities and 12 city districts over the incidents (for the statistics)."""
    from straz.territory.models import Area, AreaKind

    def square(kind: str, code: str, lon: float, lat: float, size: float) -> Area:
        ring = [
            [lon, lat],
            [lon + size, lat],
            [lon + size, lat + size],
            [lon, lat + size],
            [lon, lat],
        ]
        return Area(
            kind=kind,
            code=code,
            name=f"{kind} {code}",
            geometry={"type": "Polygon", "coordinates": [ring]},
            min_lon=lon,
            min_lat=lat,
            max_lon=lon + size,
            max_lat=lat + size,
        )

    rows = [
        square(AreaKind.MUNICIPALITY, f"5{i:02d}{j:02d}", 13.2 + 0.05 * i, 49.6 + 0.05 * j, 0.05)
        for i in range(8)
        for j in range(5)
    ]
    rows += [
        square(AreaKind.CITY_DISTRICT, f"54{i:02d}{j:02d}", 13.3 + 0.05 * i, 49.7 + 0.05 * j, 0.05)
        for i in range(4)
        for j in range(3)
    ]
    return len(Area.objects.bulk_create(rows))


def build(
    *, open_count: int, timeline: int, closed: int, seed: int, reports: bool = True
) -> dict[str, Any]:
    """Write the incidents with bulk inserts; returns the counts and the dispatcher."""
    from django.db import transaction
    from django.utils import timezone

    from straz.accounts.models import Role, User
    from straz.incidents.choices import CommandStart, ComponentKind, SiteMessageLetter, TimelineKind
    from straz.incidents.models import (
        AlarmDeclaration,
        CommandAssignment,
        ComponentDeployment,
        Incident,
        IncidentEvent,
        IncidentType,
        TimelineEntry,
    )

    rng = random.Random(seed)
    now = timezone.now()
    t0 = time.perf_counter()
    areas = _areas()
    types = list(IncidentType.objects.all())
    dispatcher = User.objects.create_user(
        username="bench-dispatcher", password="x", role=Role.DISPATCHER
    )
    commanders = [
        User.objects.create_user(
            username=f"bench-commander-{i}", password="x", role=Role.DISPATCHER
        )
        for i in range(20)
    ]
    levels = ["", "", "I", "I", "I", "II", "II", "III", "special"]
    kinds = [k.value for k in ComponentKind]
    letters = [letter.value for letter in SiteMessageLetter]
    timeline_kinds = [
        TimelineKind.MESSAGE,
        TimelineKind.MESSAGE,
        TimelineKind.LOG,
        TimelineKind.COMPONENT,
        TimelineKind.STATE,
        TimelineKind.COMMAND,
        TimelineKind.ZONE,
    ]
    with transaction.atomic():
        events = IncidentEvent.objects.bulk_create(
            [
                IncidentEvent(
                    name=f"Událost {i}",
                    region_code="CZ032",
                    alarm_level=rng.choice(["", "II", "III"]),
                    created_at=now - timedelta(hours=rng.uniform(1, 72)),
                    updated_at=now,
                )
                for i in range(30)
            ]
        )

        def incident(i: int, *, is_open: bool) -> Incident:
            created = (
                now - timedelta(minutes=rng.uniform(5, 72 * 60))
                if is_open
                else now - timedelta(days=rng.uniform(3, 730))
            )
            state = (
                rng.choice(["reported", "in_progress", "in_progress", "liquidation"])
                if is_open
                else "closed"
            )
            started = (
                created + timedelta(minutes=rng.uniform(1, 20)) if state != "reported" else None
            )
            event = rng.choice(events) if is_open and rng.random() < 0.3 else None
            return Incident(
                type=rng.choice(types),
                title=f"{'Otevřená' if is_open else 'Uzavřená'} MU {i}",
                description="Popis události " * 5,
                lat=49.6 + rng.random() * 0.3,
                lon=13.2 + rng.random() * 0.4,
                persons_threatened=rng.choice([None, 3, 12, 40, 150]),
                threatened=rng.sample(
                    ["single_object", "part_of_municipality", "mass_road_accident"], 1
                ),
                state=state,
                alarm_level=rng.choice(levels),
                rescue_started_at=started,
                rescue_ended_at=(started or created) + timedelta(hours=rng.uniform(0.5, 20))
                if not is_open
                else None,
                region_code="CZ032",
                orp_code=rng.choice(["3212", "3207", "3211"]),
                event=event,
                priority=rng.randint(1, 5) if event is not None else None,
                created_at=created,
                updated_at=created,
                created_by=dispatcher,
            )

        open_incidents = Incident.objects.bulk_create(
            [incident(i, is_open=True) for i in range(open_count)]
        )
        closed_incidents = Incident.objects.bulk_create(
            [incident(i, is_open=False) for i in range(closed)]
        )
        everything = open_incidents + closed_incidents

        commands: list[CommandAssignment] = []
        for inc in everything:
            terms = rng.randint(1, 3) if inc.state != "closed" else 1
            start = inc.created_at
            for term in range(terms):
                user = rng.choice(commanders)
                commands.append(
                    CommandAssignment(
                        incident=inc,
                        commander_name=f"velitel {user.username}",
                        commander_user=user,
                        commander_component="hzs",
                        started_at=start + timedelta(minutes=10 * term),
                        ended_at=start + timedelta(minutes=10 * (term + 1))
                        if term < terms - 1
                        else None,
                        how=CommandStart.INITIAL if term == 0 else CommandStart.HANDOVER,
                        briefing_situation="Situace" if term else "",
                        takeover_declaration="Přebírám velení" if term else "",
                    )
                )
        commands = CommandAssignment.objects.bulk_create(commands)
        current = {c.incident_id: c for c in commands if c.ended_at is None}
        for inc in everything:
            inc.current_command = current[inc.pk]
        Incident.objects.bulk_update(everything, ["current_command"], batch_size=1000)

        deployments = []
        for inc in everything:
            for _ in range(rng.randint(2, 9) if inc.state != "closed" else 3):
                called = inc.created_at + timedelta(minutes=rng.uniform(0, 30))
                arrived = (
                    called + timedelta(minutes=rng.uniform(3, 25)) if rng.random() < 0.75 else None
                )
                departed = (
                    arrived + timedelta(minutes=rng.uniform(10, 200))
                    if arrived is not None and (inc.state == "closed" or rng.random() < 0.25)
                    else None
                )
                deployments.append(
                    ComponentDeployment(
                        incident=inc,
                        kind=rng.choice(kinds),
                        unit_name="jednotka",
                        called_at=called,
                        arrived_at=arrived,
                        departed_at=departed,
                        leader_name="velitel jednotky",
                        people=rng.randint(2, 12),
                        vehicles=rng.randint(1, 3),
                    )
                )
        ComponentDeployment.objects.bulk_create(deployments, batch_size=2000)

        declarations = [
            AlarmDeclaration(
                incident=inc,
                level=inc.alarm_level,
                proposed_level=inc.alarm_level,
                declared_by_label="OPIS",
                declared_at=inc.created_at + timedelta(minutes=5),
            )
            for inc in everything
            if inc.alarm_level
        ]
        AlarmDeclaration.objects.bulk_create(declarations, batch_size=2000)

        # §16(2): closed incidents at level III or special need a report within 14 days.
        # Realistically those older than a month have a completed one; the recent ones
        # are the backlog the board's reports-due strip shows. (--no-reports: none at all.)
        from straz.incidents.choices import IncidentReportStatus
        from straz.incidents.models import IncidentReport

        filed = [
            IncidentReport(
                incident=inc,
                status=IncidentReportStatus.COMPLETED,
                dead=rng.randint(0, 2),
                injured=rng.randint(0, 10),
                rescued=rng.randint(0, 20),
                evacuated=rng.randint(0, 300),
                created_at=inc.rescue_ended_at,
                updated_at=inc.rescue_ended_at,
                completed_at=inc.rescue_ended_at + timedelta(days=rng.uniform(1, 13)),
            )
            for inc in closed_incidents
            if reports
            and inc.alarm_level in ("III", "special")
            and inc.rescue_ended_at is not None
            and inc.rescue_ended_at < now - timedelta(days=30)
        ]
        IncidentReport.objects.bulk_create(filed, batch_size=2000)

        def entries(incs: list[Incident], n: int) -> list[TimelineEntry]:
            # Skewed: a few busy incidents carry many entries, as on a real board.
            weights = [rng.paretovariate(1.5) for _ in incs]
            picks = rng.choices(incs, weights=weights, k=n)
            rows = []
            for inc in picks:
                kind = rng.choice(timeline_kinds)
                age = (now - inc.created_at).total_seconds() if inc.state != "closed" else 3600
                rows.append(
                    TimelineEntry(
                        incident=inc,
                        at=(now if inc.state != "closed" else inc.created_at + timedelta(hours=1))
                        - timedelta(seconds=rng.uniform(0, age)),
                        kind=kind,
                        letter=rng.choice(letters) if kind == TimelineKind.MESSAGE else "",
                        text="Zpráva z místa zásahu " * 3,
                        data={"n": rng.randint(0, 100)},
                        author=dispatcher,
                        author_label="dispečer",
                    )
                )
            return rows

        TimelineEntry.objects.bulk_create(entries(open_incidents, timeline), batch_size=2000)
        TimelineEntry.objects.bulk_create(entries(closed_incidents, closed * 10), batch_size=2000)
    from straz.incidents.models import TimelineEntry as TE

    return {
        "dispatcher": dispatcher,
        "counts": {
            "open_incidents": len(open_incidents),
            "closed_incidents": len(closed_incidents),
            "timeline_open": TE.objects.filter(incident__in=open_incidents).count(),
            "timeline_all": TE.objects.count(),
            "components": len(deployments),
            "commands": len(commands),
            "declarations": len(declarations),
            "events": len(events),
            "areas": areas,
            "completed_reports": len(filed),
        },
        "build_s": round(time.perf_counter() - t0, 1),
    }


# ---------------------------------------------------------------- measuring


def _count_queries(call: Any) -> int:
    # An execute wrapper, not CaptureQueriesContext: each request closes the connection
    # (CONN_MAX_AGE 0 on SQLite), and the wrapper outlives a reconnect.
    from django.db import connection

    seen = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal seen
        seen += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        call()
    return seen


def _time(call: Any, *, requests: int, warmup: int) -> dict[str, Any]:
    for _ in range(warmup):
        call()
    queries = _count_queries(call)
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(requests):
        t0, c0 = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    p95 = percentile(times, 0.95)
    return {
        "p50_ms": round(percentile(times, 0.5), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(max(times), 1),
        # CPU time of this process: what the request costs when the machine is shared
        # (wall time grows with the load of other processes; on PostgreSQL the server's
        # own work is not in it).
        "cpu_p50_ms": round(percentile(cpu, 0.5), 1),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 1),
        "n": len(times),
        "queries": queries,
        "under_target": p95 < TARGET_MS,
    }


def measure(dispatcher: Any, *, requests: int, warmup: int) -> dict[str, Any]:
    """Time the board API, the board page and fragment, and the selector."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from straz.accounts.auth import issue_token
    from straz.incidents import selectors

    token = issue_token(user=dispatcher, name="bench")
    api_client = Client()
    page_client = Client()
    page_client.force_login(dispatcher)

    def get(client: Client, url: str, **headers: str) -> Any:
        def call() -> None:
            response = client.get(url, **headers)
            if response.status_code != 200:
                raise SystemExit(
                    f"GET {url} answered {response.status_code}: {response.content[:300]!r}"
                )
            # A streamed answer is only produced when read.
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)

        return call

    out: dict[str, Any] = {}
    out["api_board"] = {
        "url": "/api/v1/incidents/board",
        **_time(
            get(api_client, "/api/v1/incidents/board", HTTP_AUTHORIZATION=f"Bearer {token}"),
            requests=requests,
            warmup=warmup,
        ),
    }
    body = json.loads(
        api_client.get("/api/v1/incidents/board", HTTP_AUTHORIZATION=f"Bearer {token}").content
    )
    out["api_board"]["items"] = body["count"]
    for name in ("incidents:board", "incidents:board-rows"):
        try:
            url = reverse(name)
        except NoReverseMatch:
            out[name] = {"missing": "no such URL name yet"}
            continue
        out[name] = {"url": url, **_time(get(page_client, url), requests=requests, warmup=warmup)}
        out[name]["bytes"] = len(page_client.get(url).content)
    # The §16(5) statistics over every incident (open and closed), for comparison.
    stats_requests = max(5, requests // 4)
    out["api_incident_statistics"] = {
        "url": "/api/v1/incidents/statistics",
        **_time(
            get(api_client, "/api/v1/incidents/statistics", HTTP_AUTHORIZATION=f"Bearer {token}"),
            requests=stats_requests,
            warmup=1,
        ),
    }
    try:
        url = reverse("incidents_statistics:statistics")
        out["incidents_statistics:statistics"] = {
            "url": url,
            **_time(get(page_client, url), requests=stats_requests, warmup=1),
        }
    except NoReverseMatch:
        out["incidents_statistics:statistics"] = {"missing": "no such URL name yet"}
    out["selector_board_incidents"] = _time(
        lambda: selectors.board_incidents(), requests=requests, warmup=warmup
    )
    # The §16(2) backlog: the list of reports due (first page) and the reminder job's
    # selection (every 15 minutes in the worker), both answered by the database.
    from straz.incidents import reporting

    try:
        url = reverse("incidents:reports-due")
        out["incidents:reports-due"] = {
            "url": url,
            **_time(get(page_client, url), requests=max(5, requests // 2), warmup=1),
        }
    except NoReverseMatch:
        out["incidents:reports-due"] = {"missing": "no such URL name yet"}
    out["reports_due_summary"] = _time(
        lambda: reporting.reports_due_summary(top=1), requests=requests, warmup=warmup
    )
    out["reminder_candidates"] = _time(
        lambda: reporting.reminder_candidates(now=datetime.now().astimezone()),
        requests=max(5, requests // 4),
        warmup=1,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--open", type=int, default=500, help="open incidents")
    ap.add_argument(
        "--timeline", type=int, default=20_000, help="timeline entries of the open incidents"
    )
    ap.add_argument(
        "--closed", type=int, default=3000, help="closed incidents (10 timeline entries each)"
    )
    ap.add_argument("--requests", type=int, default=60, help="measured requests per endpoint")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--keep", action="store_true", help="keep the throw-away database afterwards")
    ap.add_argument(
        "--no-reports",
        action="store_true",
        help="no incident report for any closed incident (every III/special one is due)",
    )
    ap.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() before measuring, as a server can do after start-up (cheaper full collections)",
    )
    args = ap.parse_args()

    db = ThrowAwayDatabase(keep=args.keep)
    result: dict[str, Any] = {"db": db.kind, "target_ms": TARGET_MS, "load_before": os.getloadavg()}
    try:
        t0 = time.perf_counter()
        db.create()
        result["migrate_s"] = round(time.perf_counter() - t0, 1)
        built = build(
            open_count=args.open,
            timeline=args.timeline,
            closed=args.closed,
            seed=args.seed,
            reports=not args.no_reports,
        )
        result["data"] = built["counts"]
        result["build_s"] = built["build_s"]
        if db.kind == "postgres":
            # What autovacuum would have done by the time a board is busy.
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
                # JIT compilation can cost more than a query itself (the board's reports-due
                # query: ~320 ms of JIT for ~25 ms of work at 30,000 closed incidents).
                cursor.execute("SHOW jit")
                result["pg_jit"] = cursor.fetchone()[0]
        if args.gc_freeze:
            # Full collections otherwise walk every object Django loaded at start-up; they
            # land in one request out of four or five and double its time (the p95).
            import gc

            gc.collect()
            gc.freeze()
        result["gc_freeze"] = args.gc_freeze
        result["measured"] = measure(
            built["dispatcher"], requests=args.requests, warmup=args.warmup
        )
        result["finished_at"] = datetime.now().astimezone().isoformat(timespec="seconds")
        result["load_after"] = os.getloadavg()
    finally:
        db.drop()
    text = json.dumps(result, indent=2, default=str)
    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"board-{db.kind}.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
