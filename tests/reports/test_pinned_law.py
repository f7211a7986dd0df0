"""What KMZB and the product's policy fix, stated as literals and tested on both sides.

These tests do not read the expected values back from settings or from the rule module:
a change of a deadline, a limit or a colour must fail here, on purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from straz.core.config import StrazSettings, straz_settings
from straz.core.errors import PayloadTooLarge, RateLimited
from straz.reports import intake, jobs, public, selectors, services
from straz.reports.models import Report
from straz.reports.rules import (
    STATUS_COLORS,
    Status,
    deadlines_for,
    is_overdue,
    is_public_now,
    public_visibility,
)
from tests.reports.reportkit import IN_A, submit

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)

# KMZB: the police read a report within 2 days and verify it within 5 days of its arrival.
READ_DAYS = 2
VERIFY_DAYS = 5
# One report per address per 24 hours; photos up to 5 MB; faded reports stay 30 days.
RATE_WINDOW = timedelta(hours=24)
FIVE_MB = 5 * 1024 * 1024
RETENTION_DAYS = 30


# ---------------------------------------------------------------- the literals


def test_the_built_in_policy_is_the_kmzb_one() -> None:
    built_in = StrazSettings()
    assert built_in.read_deadline_days == 2
    assert built_in.verify_deadline_days == 5
    assert built_in.max_attachment_bytes == 5_242_880
    assert built_in.public_retention_days == 30
    assert built_in.reports_per_ip_per_day == 1
    assert intake.RATE_WINDOW == timedelta(hours=24)


def test_the_running_settings_keep_the_kmzb_deadlines() -> None:
    running = straz_settings()
    assert (running.read_deadline_days, running.verify_deadline_days) == (2, 5)
    assert running.max_attachment_bytes == FIVE_MB


def test_deadlines_are_two_and_five_days_from_arrival() -> None:
    due = deadlines_for(T0, read_days=READ_DAYS, verify_days=VERIFY_DAYS)
    assert due.read_due == datetime(2026, 3, 4, 8, 30, tzinfo=UTC)
    assert due.verify_due == datetime(2026, 3, 7, 8, 30, tzinfo=UTC)


@pytest.fixture
def served(district_a: Any, categories: dict[str, Any], tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
def test_a_stored_report_carries_the_two_and_five_day_deadlines(served: None) -> None:
    report = Report.objects.get(pk=submit().report_id)
    assert report.read_due_at - report.created_at == timedelta(days=2)
    assert report.verify_due_at - report.created_at == timedelta(days=5)


# ---------------------------------------------------------------- the 5 MB upload limit


def test_a_photo_of_exactly_5_mb_passes_the_size_limit() -> None:
    data = b"\xff\xd8\xff" + b"0" * (FIVE_MB - 3)
    upload = intake.read_upload(intake.IncomingAttachment(name="p.jpg", data=data))
    assert upload is not None and len(upload.data) == 5_242_880


def test_one_byte_over_5_mb_is_refused_with_413() -> None:
    data = b"\xff\xd8\xff" + b"0" * (FIVE_MB - 2)
    with pytest.raises(PayloadTooLarge) as exc:
        intake.read_upload(intake.IncomingAttachment(name="p.jpg", data=data))
    assert exc.value.status == 413


class _Stream:
    """An upload that does not know its size (read in chunks, like a streamed body)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.name, self.size = data, "p.jpg", None

    def read(self, n: int = -1) -> bytes:
        chunk, self.data = (self.data, b"") if n < 0 else (self.data[:n], self.data[n:])
        return chunk


@pytest.mark.parametrize(("extra", "accepted"), [(0, True), (1, False)])
def test_a_streamed_upload_is_cut_at_5_mb(extra: int, accepted: bool) -> None:
    stream = _Stream(b"0" * (FIVE_MB + extra))
    if accepted:
        upload = intake.read_upload(stream)
        assert upload is not None and len(upload.data) == FIVE_MB and upload.name == "p.jpg"
    else:
        with pytest.raises(PayloadTooLarge):
            intake.read_upload(stream)


# ---------------------------------------------------------------- the 24-hour window


def _spread(i: int) -> dict[str, float]:
    return {"lat": 49.725 + (i % 4) * 0.01, "lon": 13.355 + (i // 4) * 0.01}


@pytest.mark.django_db
def test_a_second_report_23_h_59_min_later_is_refused(served: None) -> None:
    first = submit(client_ip="203.0.113.7")
    Report.objects.filter(pk=first.report_id).update(
        created_at=timezone.now() - timedelta(hours=23, minutes=59)
    )
    with translation.override("en"), pytest.raises(RateLimited) as exc:
        submit(client_ip="203.0.113.7", **_spread(5))
    assert "one report a day" in exc.value.message
    # The client may try again when the first report is 24 hours old: in about a minute.
    assert 55 <= exc.value.retry_after <= 61
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_a_second_report_24_h_1_min_later_is_accepted(served: None) -> None:
    first = submit(client_ip="203.0.113.7")
    Report.objects.filter(pk=first.report_id).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    second = submit(client_ip="203.0.113.7", **_spread(5))
    assert second.status_code == 201
    assert Report.objects.count() == 2


# ---------------------------------------------------------------- overdue at the boundary


@pytest.mark.parametrize(
    ("offset", "late"), [(-SECOND, False), (timedelta(0), False), (SECOND, True)]
)
def test_read_deadline_boundary(offset: timedelta, late: bool) -> None:
    read_due = T0 + timedelta(days=2)
    assert (
        is_overdue(
            now=read_due + offset,
            status=Status.NEW,
            read_at=None,
            read_due=read_due,
            verify_due=T0 + timedelta(days=5),
        )
        is late
    )


@pytest.mark.parametrize(
    ("offset", "late"), [(-SECOND, False), (timedelta(0), False), (SECOND, True)]
)
def test_verify_deadline_boundary(offset: timedelta, late: bool) -> None:
    verify_due = T0 + timedelta(days=5)
    assert (
        is_overdue(
            now=verify_due + offset,
            status=Status.VERIFICATION,
            read_at=T0,
            read_due=T0 + timedelta(days=2),
            verify_due=verify_due,
        )
        is late
    )


@pytest.mark.parametrize(
    ("status", "late"),
    [
        ("new", True),
        ("verification", True),
        ("confirmed", False),
        ("not_confirmed", False),
        ("eliminated", False),
        ("passed_on", False),
    ],
)
def test_only_unverified_reports_miss_the_verify_deadline(status: str, late: bool) -> None:
    assert (
        is_overdue(
            now=T0 + timedelta(days=6),
            status=Status(status),
            read_at=T0,
            read_due=T0 + timedelta(days=2),
            verify_due=T0 + timedelta(days=5),
        )
        is late
    )


def test_a_report_without_deadlines_is_never_overdue() -> None:
    for status in Status:
        assert not is_overdue(
            now=T0 + timedelta(days=400), status=status, read_at=None, read_due=None, verify_due=None
        )


def test_an_unread_report_is_late_whatever_its_status() -> None:
    # Reading is a step of its own: a confirmed report nobody marked read is still late.
    assert is_overdue(
        now=T0 + timedelta(days=3),
        status=Status.CONFIRMED,
        read_at=None,
        read_due=T0 + timedelta(days=2),
        verify_due=T0 + timedelta(days=5),
    )


# ------------------------------------------- the Python and SQL forms of "overdue" agree

CASE = st.fixed_dictionaries(
    {
        "status": st.sampled_from([s.value for s in Status]),
        # Offsets in seconds around "now", so that equality with a deadline comes up.
        "read": st.one_of(st.none(), st.integers(-3, 3)),
        "read_due": st.one_of(st.none(), st.integers(-3, 3)),
        "verify_due": st.one_of(st.none(), st.integers(-3, 3)),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases=st.lists(CASE, min_size=1, max_size=6))
def test_python_and_sql_overdue_agree(served: None, cases: list[dict[str, Any]]) -> None:
    # One stored report (made by the first example) is the template of every case row.
    template = Report.objects.filter(description="template").first() or Report.objects.get(
        pk=submit(client_ip="203.0.113.50", description="template").report_id
    )
    Report.objects.exclude(pk=template.pk).delete()
    now = T0

    def at(offset: int | None) -> datetime | None:
        return None if offset is None else now + timedelta(seconds=offset)

    expected: set[int] = set()
    for case in cases:
        template.pk = None
        template.status = case["status"]
        template.read_at = at(case["read"])
        template.read_due_at = at(case["read_due"])
        template.verify_due_at = at(case["verify_due"])
        template.description = "case"
        template.save()
        late = is_overdue(
            now=now,
            status=Status(case["status"]),
            read_at=template.read_at,
            read_due=template.read_due_at,
            verify_due=template.verify_due_at,
        )
        assert selectors.is_overdue(template, now) is late
        if late:
            expected.add(template.pk)
    cases_sql = Report.objects.filter(description="case")
    in_sql = set(cases_sql.filter(selectors.overdue_q(now)).values_list("pk", flat=True))
    assert in_sql == expected


# ---------------------------------------------------------------- public retention


@pytest.mark.parametrize(
    ("offset", "shown"), [(-SECOND, True), (timedelta(0), False), (SECOND, False)]
)
@pytest.mark.parametrize("status", [Status.NOT_CONFIRMED, Status.ELIMINATED])
def test_faded_reports_leave_the_public_view_at_30_days(
    status: Status, offset: timedelta, shown: bool
) -> None:
    end = T0 + timedelta(days=30)
    vis = public_visibility(
        status=status,
        last_change=T0,
        now=end + offset,
        only_when_confirmed=False,
        is_duplicate=False,
        retention_days=RETENTION_DAYS,
    )
    assert vis.public is shown
    assert vis.until == (end if shown else None)


@pytest.mark.parametrize("status", [Status.NEW, Status.VERIFICATION, Status.CONFIRMED, Status.PASSED_ON])
def test_other_statuses_stay_public_without_end(status: Status) -> None:
    vis = public_visibility(
        status=status,
        last_change=T0,
        now=T0 + timedelta(days=3650),
        only_when_confirmed=False,
        is_duplicate=False,
        retention_days=RETENTION_DAYS,
    )
    assert (vis.public, vis.until) == (True, None)


@pytest.mark.parametrize(
    ("offset", "shown"), [(-SECOND, True), (timedelta(0), False), (SECOND, False)]
)
def test_stored_visibility_ends_at_public_until(offset: timedelta, shown: bool) -> None:
    until = T0 + timedelta(days=30)
    assert is_public_now(is_public=True, public_until=until, now=until + offset) is shown
    assert is_public_now(is_public=False, public_until=until, now=until + offset) is False
    assert is_public_now(is_public=True, public_until=None, now=until + offset) is True
    assert is_public_now(is_public=False, public_until=None, now=until + offset) is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("offset", "shown"), [(-SECOND, True), (timedelta(0), False), (SECOND, False)]
)
def test_sql_visibility_ends_at_public_until(served: None, offset: timedelta, shown: bool) -> None:
    report = Report.objects.get(pk=submit().report_id)
    until = T0 + timedelta(days=30)
    Report.objects.filter(pk=report.pk).update(is_public=True, public_until=until)
    now = until + offset
    assert public.visible_reports(now).filter(pk=report.pk).exists() is shown
    assert Report.objects.filter(public.expired_q(now), pk=report.pk).exists() is (not shown)
    assert (public.public_report(report.pk, now) is not None) is shown


# ---------------------------------------------------------------- workflow facts


@pytest.fixture
def confirmed(served: None, officer: Any) -> Report:
    report = Report.objects.get(pk=submit().report_id)
    services.transition_report(user=officer, report_id=report.pk, target="verification")
    services.transition_report(user=officer, report_id=report.pk, target="confirmed")
    return Report.objects.get(pk=report.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("last_step", ["eliminated", "passed_on"])
def test_eliminating_keeps_the_time_of_verification(
    confirmed: Report, officer: Any, last_step: str
) -> None:
    verified = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    read = datetime(2026, 1, 4, 9, 0, tzinfo=UTC)
    Report.objects.filter(pk=confirmed.pk).update(verified_at=verified, read_at=read)
    services.transition_report(user=officer, report_id=confirmed.pk, target=last_step)
    after = Report.objects.get(pk=confirmed.pk)
    assert after.status == last_step
    assert after.verified_at == verified
    assert after.read_at == read


@pytest.mark.django_db
def test_verification_is_timed_when_the_police_decide(served: None, officer: Any) -> None:
    report = Report.objects.get(pk=submit().report_id)
    services.transition_report(user=officer, report_id=report.pk, target="verification")
    started = Report.objects.get(pk=report.pk)
    assert started.read_at is not None and started.verified_at is None
    services.transition_report(user=officer, report_id=report.pk, target="not_confirmed")
    done = Report.objects.get(pk=report.pk)
    assert done.verified_at is not None and done.verified_at >= started.read_at
    assert done.read_at == started.read_at


@pytest.mark.django_db
def test_duplicates_get_no_deadlines_of_their_own(served: None) -> None:
    first = submit(client_ip="203.0.113.21")
    second = submit(client_ip="203.0.113.22", lat=IN_A[0] + 0.0002, lon=IN_A[1])
    primary = Report.objects.get(pk=first.report_id)
    duplicate = Report.objects.get(pk=second.report_id)
    assert duplicate.duplicate_of_id == primary.pk
    assert primary.read_due_at is not None and primary.verify_due_at is not None
    assert duplicate.read_due_at is None and duplicate.verify_due_at is None
    assert duplicate.is_public is False
    # Long after every deadline only the first report is flagged.
    later = timezone.now() + timedelta(days=10)
    assert selectors.is_overdue(duplicate, later) is False
    assert jobs.flag_overdue_reports(now=later) == 1
    assert Report.objects.get(pk=primary.pk).overdue_flagged_at == later
    assert Report.objects.get(pk=duplicate.pk).overdue_flagged_at is None


# ---------------------------------------------------------------- the map colours

# KMZB: green new, yellow under verification, red confirmed, grey not confirmed; the
# product's own colours for eliminated (blue) and passed on (purple).
COLOURS = {
    "new": "#2e9d3a",
    "verification": "#e3b505",
    "confirmed": "#d62728",
    "not_confirmed": "#8c8c8c",
    "eliminated": "#1f5fa8",
    "passed_on": "#8e44ad",
}


def test_every_status_has_its_colour() -> None:
    assert {s.value: c for s, c in STATUS_COLORS.items()} == COLOURS


@pytest.mark.django_db
def test_the_public_view_and_the_map_paint_each_status(
    served: None, officer: Any, client: Any
) -> None:
    report = Report.objects.get(pk=submit().report_id)
    assert public.district_ref(report) == {"code": "PD-A", "name": "Obvod A"}
    Report.objects.filter(pk=report.pk).update(district=None)
    assert public.district_ref(Report.objects.get(pk=report.pk)) is None
    Report.objects.filter(pk=report.pk).update(district=report.district)
    painted = [public.report_data(report)["status_color"]]
    for step in ("verification", "confirmed", "eliminated"):
        services.transition_report(user=officer, report_id=report.pk, target=step)
        report = Report.objects.get(pk=report.pk)
        painted.append(public.report_data(report)["status_color"])
    assert painted == ["#2e9d3a", "#e3b505", "#d62728", "#1f5fa8"]
    resp = client.get(
        "/api/v1/map", {"bbox": "13.36,49.73,13.38,49.75", "zoom": 18}
    )
    assert resp.status_code == 200
    points = [f["properties"] for f in resp.json()["features"] if f["properties"].get("id")]
    assert [(p["id"], p["status"], p["color"]) for p in points] == [
        (report.pk, "eliminated", "#1f5fa8")
    ]


# ---------------------------------------------------------------- a public download row


def test_a_download_row_shows_only_public_columns_and_the_day_of_the_event() -> None:
    from straz.reports.models import Category

    dump = Category(
        pk=7, code="illegal-dump", name_cs="Černá skládka", name_pl="Dzikie wysypisko",
        name_en="Illegal dump", public_location_approximated=True,
    )
    values = (
        41,  # id
        7,  # category_id
        "confirmed",
        3,  # district_id
        49.7412345678,
        13.3712345678,
        datetime(2026, 3, 2, 8, 30, 15, tzinfo=UTC),
        datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
        # 23:30 UTC on 1 March is already 2 March in Prague: the local day is written.
        datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
        2,
    )
    row = public.export_row(
        values,
        categories={7: dump},
        districts={3: ("PD-A", "Obvod A")},
        status_names={"confirmed": "Confirmed"},
        language="pl",
    )
    assert row == {
        "id": 41,
        "category": "illegal-dump",
        "category_name": "Dzikie wysypisko",
        "status": "confirmed",
        "status_name": "Confirmed",
        "district": "PD-A",
        "district_name": "Obvod A",
        "approximate": True,
        "created_at": "2026-03-02T08:30:15Z",
        "updated_at": "2026-03-03T09:00:00Z",
        "lat": 49.741235,
        "lon": 13.371235,
        "occurred_on": "2026-03-02",
        "duplicate_count": 2,
    }
    assert set(row) == set(public.EXPORT_FIELDS)


def test_a_download_row_without_district_event_time_or_status_name() -> None:
    from straz.reports.models import Category

    dump = Category(pk=7, code="illegal-dump", name_cs="Černá skládka", name_pl="", name_en="")
    values = (1, 7, "new", None, 49.0, 13.0, None, None, None, 0)
    row = public.export_row(
        values, categories={7: dump}, districts={}, status_names={}, language="en"
    )
    assert (row["district"], row["district_name"]) == ("", "")
    assert (row["created_at"], row["updated_at"], row["occurred_on"]) == ("", "", "")
    assert row["status_name"] == "new"
    assert row["category_name"] == "Černá skládka"
    assert row["approximate"] is False


# ---------------------------------------------------------------- who reads what


@pytest.mark.django_db
def test_a_supervisor_is_one_only_while_active(supervisor: Any, officer: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    from straz.reports import policy

    assert policy.is_supervisor(supervisor) is True
    assert policy.is_supervisor(officer) is False
    assert policy.is_supervisor(AnonymousUser()) is False
    assert policy.is_supervisor(None) is False
    supervisor.is_active = False
    assert policy.is_supervisor(supervisor) is False


@pytest.mark.django_db
def test_police_only_parts_follow_the_district(
    served: None, district_b: Any, officer: Any, officer_b: Any, commander: Any
) -> None:
    from straz.reports import policy
    from straz.reports.models import InternalNote
    from tests.reports.reportkit import IN_B

    in_a = Report.objects.get(pk=submit(client_ip="203.0.113.31").report_id)
    in_b = Report.objects.get(
        pk=submit(client_ip="203.0.113.32", lat=IN_B[0], lon=IN_B[1]).report_id
    )
    note_a = services.add_note(user=officer, report_id=in_a.pk, text="Pozor, pes.")
    note_b = services.add_note(user=officer_b, report_id=in_b.pk, text="Prověřeno.")
    reports, notes = Report.objects.all(), InternalNote.objects.all()
    assert set(policy.police_only_reports(reports, officer)) == {in_a}
    assert set(policy.police_only_reports(reports, officer_b)) == {in_b}
    assert set(policy.police_only_children(notes, officer)) == {note_a}
    assert set(policy.police_only_children(notes, officer_b)) == {note_b}
    assert not policy.police_only_reports(reports, commander).exists()
    assert not policy.police_only_children(notes, commander).exists()


# ---------------------------------------------------------------- the public history


@pytest.mark.django_db
def test_the_public_history_in_time_order_with_labels_in_one_query(
    served: None, django_assert_num_queries: Any
) -> None:
    from straz.reports.models import ReportEvent

    report = Report.objects.get(pk=submit().report_id)
    created = report.created_at
    # Stored out of time order: the status step first, the earlier reading after it.
    ReportEvent.objects.create(
        report=report, at=created + timedelta(hours=2), kind="status",
        from_status="new", to_status="verification", public_note="Hlídka vyslána.",
    )
    ReportEvent.objects.create(report=report, at=created + timedelta(hours=1), kind="read")
    ReportEvent.objects.create(report=report, at=created + timedelta(hours=3), kind="assigned")
    with translation.override("en"):
        with django_assert_num_queries(1):
            history = public.public_history(report)
        # The kind label is a lazy translation: read it in the language of the page.
        history = [{**step, "kind_label": str(step["kind_label"])} for step in history]
    assert history == [
        {
            "at": created, "kind": "created", "kind_label": "Reported",
            "status": "new", "status_label": "New", "note": "",
        },
        {
            "at": created + timedelta(hours=1), "kind": "read", "kind_label": "Read by the police",
            "status": "", "status_label": "", "note": "",
        },
        {
            "at": created + timedelta(hours=2), "kind": "status", "kind_label": "Status changed",
            "status": "verification", "status_label": "Under verification",
            "note": "Hlídka vyslána.",
        },
    ]


def test_status_labels_are_translated_and_unknown_values_kept() -> None:
    with translation.override("en"):
        assert public.status_label("confirmed") == "Confirmed"
        assert public.status_label("not_confirmed") == "Not confirmed"
        assert public.status_label("bogus") == "bogus"


def test_a_download_row_of_the_wrong_shape_is_refused() -> None:
    from straz.reports.models import Category

    dump = Category(pk=7, code="illegal-dump", name_cs="Černá skládka")
    with pytest.raises(ValueError):
        public.export_row(
            (1, 7, "new", None, 49.0, 13.0, None, None, None),  # one column short
            categories={7: dump}, districts={}, status_names={}, language="cs",
        )


@pytest.mark.django_db
def test_only_an_active_supervisor_or_admin_reassigns(
    supervisor: Any, officer: Any, admin_user: Any
) -> None:
    from straz.reports import policy

    assert policy.can_reassign(supervisor) and policy.can_reassign(admin_user)
    assert not policy.can_reassign(officer)
    supervisor.is_active = False
    assert not policy.can_reassign(supervisor)


@pytest.mark.django_db
def test_only_an_active_officer_acts(officer: Any, analyst: Any) -> None:
    from straz.reports import policy

    assert policy.can_act(officer) and not policy.can_act(analyst)
    officer.is_active = False
    assert not policy.can_act(officer)


@pytest.mark.django_db
def test_a_public_report_is_read_with_its_category_and_district_in_one_query(
    served: None, django_assert_num_queries: Any
) -> None:
    report_id = submit().report_id
    with django_assert_num_queries(1):
        report = public.public_report(report_id)
        assert report is not None
        assert (report.category.code, report.district.code) == ("illegal-dump", "PD-A")


def test_an_approximated_point_is_its_cell_centre_to_six_places() -> None:
    from straz.reports.rules import public_location

    # H3 resolution 8 cell of a point in Plzeň; its centre is 49.74073417…, 13.36971365….
    assert public_location(49.7412345, 13.3712345, approximate=True, resolution=8) == (
        49.740734,
        13.369714,
    )
    assert public_location(49.7412345, 13.3712345, approximate=False, resolution=8) == (
        49.7412345,
        13.3712345,
    )
