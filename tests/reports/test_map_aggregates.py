"""MapCell stays equal to a from-scratch recount through creates, status changes, duplicates,
expiry and the ageing of the rolling periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from straz.accounts.models import AuditEntry
from straz.reports.map import aggregates
from straz.reports.models import CrimeRecord, MapCell, MapWindow, Report, ReportEvent
from straz.reports.rules import Status, allowed_targets
from tests.reports.map_helpers import (
    bring_up_to,
    change_status,
    create_report,
    expected_rows,
    stored_rows,
)

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("create"),
            st.integers(0, 2),
            st.floats(-0.02, 0.02),
            st.floats(-0.03, 0.03),
            st.integers(0, 400),
        ),
        st.tuples(st.just("transition"), st.integers(0, 50), st.integers(0, 1)),
        st.tuples(st.just("duplicate"), st.integers(0, 50)),
        st.tuples(st.just("tick"), st.integers(0, 45)),
    ),
    min_size=1,
    max_size=15,
)


def _reset() -> None:
    Report.objects.all().delete()
    MapCell.objects.all().delete()
    MapWindow.objects.all().delete()


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=ops)
def test_random_histories_keep_the_map_equal_to_a_recount(
    categories: dict[str, Any], steps: list[tuple[Any, ...]]
) -> None:
    _reset()
    cats = [categories["dump"], categories["venue"], categories["drugs"]]
    now = T0
    ids: list[int] = []
    for step in steps:
        kind = step[0]
        if kind == "create":
            _k, ci, dlat, dlon, age = step
            r = create_report(
                cats[ci], 49.74 + dlat, 13.37 + dlon, now=now, created_at=now - timedelta(days=age)
            )
            ids.append(r.pk)
        elif kind == "transition" and ids:
            report = Report.objects.get(pk=ids[step[1] % len(ids)])
            targets = allowed_targets(Status(report.status))
            if targets:
                change_status(report.pk, targets[step[2] % len(targets)].value, now=now)
        elif kind == "duplicate" and ids:
            primary = Report.objects.get(pk=ids[step[1] % len(ids)])
            r = create_report(
                primary.category, primary.lat + 0.0003, primary.lon, now=now, duplicate_of=primary
            )
            ids.append(r.pk)
        elif kind == "tick":
            now += timedelta(days=step[1])
            bring_up_to(now)
            assert stored_rows() == expected_rows(now=now)
    bring_up_to(now)
    assert stored_rows() == expected_rows(now=now)
    assert all(v[0] > 0 for v in stored_rows().values())


@pytest.mark.django_db
def test_rebuild_gives_the_same_rows_as_incremental_writes(categories: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    for i in range(40):
        cat = [categories["dump"], categories["drugs"], categories["venue"]][i % 3]
        r = create_report(
            cat,
            49.70 + i * 0.003,
            13.30 + (i % 7) * 0.01,
            now=now,
            created_at=now - timedelta(days=i * 11),
        )
        if i % 4 == 0:
            change_status(r.pk, "verification", now=now)
        if i % 8 == 0:
            change_status(r.pk, "confirmed", now=now)
    aggregates.age_all_periods(now)
    incremental = stored_rows()
    assert incremental == expected_rows(now=now)
    cells = MapCell.objects.filter(layer=1).count()
    assert aggregates.rebuild(layer=1) == cells
    # rebuild ages to its own clock; nothing was created in the seconds between.
    assert stored_rows() == incremental


@pytest.mark.django_db
def test_expiry_takes_faded_reports_off_the_map_with_audit_and_event(
    categories: dict[str, Any],
) -> None:
    now = T0
    r = create_report(categories["dump"], 49.74, 13.37, now=now)
    change_status(r.pk, "verification", now=now)
    change_status(r.pk, "not_confirmed", now=now)
    r.refresh_from_db()
    assert r.is_public and r.public_until == now + timedelta(days=30)
    assert not aggregates.expiry_due(now + timedelta(days=29))
    assert aggregates.expire_due_reports(now + timedelta(days=29)) == 0
    later = now + timedelta(days=31)
    assert aggregates.expiry_due(later)
    audit_before = AuditEntry.objects.count()
    assert aggregates.expire_due_reports(later) == 1
    r.refresh_from_db()
    assert not r.is_public and r.public_until is None
    assert AuditEntry.objects.count() == audit_before + 1
    assert AuditEntry.objects.order_by("-seq").first().action == "report.left_public_view"
    assert ReportEvent.objects.filter(report=r).count() == 1
    assert not MapCell.objects.filter(layer=1).exists()
    assert not aggregates.expiry_due(later)


@pytest.mark.django_db
def test_periods_age_out_lazily_and_exactly(categories: dict[str, Any]) -> None:
    now = T0
    create_report(categories["dump"], 49.74, 13.37, now=now, created_at=now - timedelta(days=5))
    aggregates.age_all_periods(now)

    def total(period: int) -> int:
        return sum(v[0] for k, v in stored_rows().items() if k[1] == period and k[2] == 0)

    assert [total(p) for p in (0, 7, 30, 365)] == [1, 1, 1, 1]
    later = now + timedelta(days=3)  # created 8 days before `later`
    assert aggregates.period_due(layer=1, days=7, now=later)
    assert not aggregates.period_due(layer=1, days=30, now=later)
    aggregates.refresh_public_map(period_days=7, now=later)
    assert [total(p) for p in (0, 7, 30, 365)] == [1, 0, 1, 1]
    assert not aggregates.period_due(layer=1, days=7, now=later)


@pytest.mark.django_db
def test_status_change_moves_only_status_rows(categories: dict[str, Any]) -> None:
    now = T0
    r = create_report(categories["dump"], 49.74, 13.37, now=now)
    before = stored_rows()
    change_status(r.pk, "verification", now=now)
    after = stored_rows()
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    # Only the report's entries move, from its old status to the new one, in every cell.
    assert {k[5] for k in changed} == {
        aggregates.STATUS_CODES["new"],
        aggregates.STATUS_CODES["verification"],
    }
    assert len(changed) == 2 * len({k[:5] for k in changed})


@pytest.mark.django_db
def test_police_layer_counts_crime_records(categories: dict[str, Any]) -> None:
    now = T0
    rec = CrimeRecord.objects.create(
        external_id="x1",
        occurred_at=now - timedelta(days=2),
        lat=49.7401,
        lon=13.3702,
        public_lat=49.74,
        public_lon=13.37,
        primary_type_id=42,
        imported_at=now,
    )
    aggregates.apply_change(old=None, new=aggregates.footprint_of(rec))
    rows = stored_rows(layer=2)
    totals = {k: v for k, v in rows.items() if k[1] == 0 and k[2] == 5}
    assert sorted((k[4], k[5], v[0], v[3]) for k, v in totals.items()) == [(42, 0, 1, rec.pk)]
    # The mean is the public point, not the exact one.
    assert all(v[1] == 49_740_000 and v[2] == 13_370_000 for v in rows.values())
    rec.is_public = False
    rec.save()
    aggregates.apply_change(
        old=aggregates.Footprint(2, 42, "", 49.74, 13.37, rec.occurred_at, source_id=rec.pk),
        new=aggregates.footprint_of(rec),
    )
    assert stored_rows(layer=2) == {}
    assert aggregates.rebuild(layer=2) == 0
    rec.is_public = True
    rec.save()
    # Rebuild runs on today's clock: the record stays only in the periods that still hold it.
    today = datetime.now(UTC)
    periods = {0} | {p for p in aggregates.PERIODS if rec.occurred_at >= today - timedelta(days=p)}
    # One row per cell: the record's cell at each stored resolution, per period.
    assert aggregates.rebuild(layer=2) == len(periods) * len(aggregates.STORED_RES)
    assert stored_rows(layer=2) == {k: v for k, v in rows.items() if k[1] in periods}


@pytest.mark.django_db
def test_the_intake_and_workflow_services_keep_the_map_exact(
    categories: dict[str, Any], officer: Any
) -> None:
    from straz.reports import services

    ids = []
    for i, cat in enumerate(["illegal-dump", "dangerous-venue", "drug-use", "illegal-dump"]):
        result = services.submit_report(
            category_code=cat,
            lat=49.73 + i * 0.005,
            lon=13.36 + i * 0.004,
            client_ip=f"198.51.100.{i + 1}",
            source="api",
        )
        ids.append(result.report_id)
    services.transition_report(user=officer, report_id=ids[1], target="verification")
    services.transition_report(user=officer, report_id=ids[1], target="confirmed")
    services.transition_report(user=officer, report_id=ids[0], target="verification")
    services.transition_report(user=officer, report_id=ids[0], target="not_confirmed")
    now = datetime.now(UTC)
    aggregates.age_all_periods(now)
    assert stored_rows() == expected_rows(now=now)
    assert Report.objects.filter(is_public=True).count() == 4


@pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="SQLite serialises writers with BEGIN IMMEDIATE; the lock order matters on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_postgresql_neither_deadlock_nor_lose_counts(
    categories: dict[str, Any],
) -> None:
    import threading

    from django.db import connection, transaction

    from straz.accounts import audit

    now = datetime.now(UTC)
    existing = [
        create_report(categories["dump"], 49.74 + i * 1e-4, 13.37, now=now).pk for i in range(12)
    ]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def moves_map_then_audits() -> None:
        try:
            barrier.wait()
            for pk in existing:
                with transaction.atomic():
                    change_status(pk, "verification", now=now)
                    audit.record(
                        action="test.transition",
                        object_type="report",
                        object_id=pk,
                        actor_label="t",
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def audits_then_moves_map() -> None:
        try:
            barrier.wait()
            for i in range(12):
                with transaction.atomic():
                    audit.record(
                        action="test.submit", object_type="report", object_id=i, actor_label="t"
                    )
                    create_report(categories["dump"], 49.745 + i * 1e-4, 13.372, now=now)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=moves_map_then_audits),
        threading.Thread(target=audits_then_moves_map),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    aggregates.age_all_periods(now)
    assert stored_rows() == expected_rows(now=now)
    assert Report.objects.filter(status="verification").count() == 12
