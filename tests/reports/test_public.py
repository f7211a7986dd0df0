"""The public projection: one "public now" predicate (rule and ORM twin) and one public history."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from straz.reports import public, services
from straz.reports.models import EventKind, Report, ReportEvent
from straz.reports.rules import is_public_now
from tests.reports.reportkit import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(
    district_a: Any, district_b: Any, categories: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_public_now_rule_and_its_orm_twin_agree(served: None) -> None:
    """Every combination of is_public × public_until (past, now, future, none) at one instant."""
    now = timezone.now()
    untils = [
        None,
        now - timedelta(days=1),
        now,
        now + timedelta(seconds=1),
        now + timedelta(days=3),
    ]
    ids = []
    for flag, until in itertools.product([True, False], untils):
        report_id = submit(client_ip=f"203.0.113.{len(ids) + 20}").report_id
        # .update: set the stored state directly, the predicate judges stored rows.
        Report.objects.filter(pk=report_id).update(is_public=flag, public_until=until)
        ids.append(report_id)
    by_sql = set(public.visible_reports(now).filter(pk__in=ids).values_list("pk", flat=True))
    by_rule = {
        r.pk
        for r in Report.objects.filter(pk__in=ids)
        if is_public_now(is_public=r.is_public, public_until=r.public_until, now=now)
    }
    assert by_sql == by_rule
    # Not vacuous: some are public, some are not.
    assert by_sql and by_sql != set(ids)
    for r in Report.objects.filter(pk__in=ids):
        assert (public.public_report(r.pk, now) is not None) == (r.pk in by_sql)
    # The expiry twins: rows still marked public that are no longer public now.
    marked = set(Report.objects.filter(pk__in=ids, is_public=True).values_list("pk", flat=True))
    expired = set(
        Report.objects.filter(public.expired_q(now), pk__in=ids).values_list("pk", flat=True)
    )
    assert expired == marked - by_rule and expired
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id FROM {Report._meta.db_table} WHERE {public.EXPIRED_SQL}",
            [connection.ops.adapt_datetimefield_value(now)],
        )
        assert {row[0] for row in cur.fetchall()} & set(ids) == expired


def test_page_and_api_show_the_same_public_history(
    served: None, officer: Any, supervisor: Any
) -> None:
    """The public page and the public API list the same steps (PUBLIC_HISTORY_KINDS)."""
    report_id = submit(client_ip="203.0.113.5").report_id
    services.mark_read(user=officer, report_id=report_id)
    services.transition_report(
        user=officer, report_id=report_id, target="verification", note="internal"
    )
    services.add_note(user=officer, report_id=report_id, text="not public")
    services.reassign_report(user=supervisor, report_id=report_id, officer_id=None)
    services.transition_report(user=officer, report_id=report_id, target="confirmed")
    stored = set(ReportEvent.objects.filter(report_id=report_id).values_list("kind", flat=True))
    # Not vacuous: the report has public and non-public steps.
    assert stored - {k.value for k in public.PUBLIC_HISTORY_KINDS}
    expected = list(
        ReportEvent.objects.filter(
            report_id=report_id, kind__in=[k.value for k in public.PUBLIC_HISTORY_KINDS]
        )
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )
    assert EventKind.READ.value in expected
    api = Client().get(f"/api/v1/reports/{report_id}").json()
    assert [h["kind"] for h in api["history"]] == expected
    page = Client().get(f"/r/{report_id}/").content.decode()
    history = page[
        page.index('id="report-history"') : page.index("</ol>", page.index('id="report-history"'))
    ]
    assert re.findall(r'data-kind="(\w+)"', history) == expected


def test_the_public_page_shows_the_event_day_as_the_download_does(
    served: None, client: Client
) -> None:
    """The exact time of the event stays inside: page and download both give the local day."""
    import csv
    import io
    from datetime import datetime
    from zoneinfo import ZoneInfo

    # 23:47 Prague time on 1 May is 21:47 UTC: the page must not show the hour, and the
    # day must be the local one in both channels.
    occurred = datetime(2026, 5, 1, 23, 47, tzinfo=ZoneInfo("Europe/Prague"))
    report_id = submit(client_ip="203.0.113.61", occurred_at=occurred).report_id
    assert public.public_report(report_id) is not None

    page = client.get(f"/r/{report_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    shown = re.search(r'<time id="occurred-on" datetime="([^"]+)">([^<]+)</time>', page)
    assert shown is not None, page
    assert "23:47" not in page and "21:47" not in page
    assert occurred.isoformat() not in page

    download = b"".join(client.get("/statistics/reports.csv").streaming_content).decode()
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(download, newline=""))}
    assert rows[report_id]["occurred_on"] == "2026-05-01"
    assert shown.group(1) == rows[report_id]["occurred_on"]
    assert shown.group(2).strip() == "1 May 2026"  # the English page (ADR 0035)
