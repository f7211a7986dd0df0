"""The police workflow: scope, legal transitions, visibility and map counts, audit, deadlines."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation

from straz.accounts.audit import verify_chain
from straz.accounts.models import AuditEntry
from straz.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from straz.notifications.delivery import deliver_due
from straz.reports import jobs, public, selectors, services
from straz.reports.models import IdempotencyRecord, Report, ReportEvent
from tests.reports.reportkit import IN_B, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(
    district_a: Any, district_b: Any, categories: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def report_a(served: None) -> Report:
    return Report.objects.get(pk=submit(client_ip="203.0.113.1").report_id)


@pytest.fixture
def report_b(served: None) -> Report:
    return Report.objects.get(
        pk=submit(client_ip="203.0.113.2", lat=IN_B[0], lon=IN_B[1]).report_id
    )


def _count_cells() -> int:
    from straz.reports.map import aggregates

    # Reports counted at the coarsest resolution, all time, over all categories and statuses.
    return sum(
        value[0]
        for (_layer, period, res, *_rest), value in aggregates.logical_rows(1).items()
        if period == 0 and res == 0
    )


def test_officer_moves_report_through_the_workflow(officer: Any, report_a: Report) -> None:
    audit_before = AuditEntry.objects.count()
    services.transition_report(
        user=officer, report_id=report_a.pk, target="verification", public_note="Prověřujeme"
    )
    services.transition_report(
        user=officer, report_id=report_a.pk, target="confirmed", note="Byl jsem tam"
    )
    services.transition_report(
        user=officer, report_id=report_a.pk, target="eliminated", public_note="Uklizeno"
    )
    report_a.refresh_from_db()
    assert report_a.status == "eliminated"
    assert report_a.read_at is not None and report_a.verified_at is not None
    assert report_a.public_until is not None  # eliminated reports fade from the public view
    assert AuditEntry.objects.count() == audit_before + 3
    assert list(report_a.events.filter(kind="status").values_list("to_status", flat=True)) == [
        "verification",
        "confirmed",
        "eliminated",
    ]
    assert report_a.notes.get().text == "Byl jsem tam"
    assert list(verify_chain()) == []


@pytest.mark.parametrize(
    "path,target",
    [
        ([], "confirmed"),
        ([], "eliminated"),
        (["verification"], "new"),
        (["verification", "not_confirmed"], "confirmed"),
        (["verification", "confirmed", "passed_on"], "eliminated"),
        ([], "new"),
    ],
)
def test_illegal_transitions_are_refused_with_409(
    officer: Any, report_a: Report, path: list[str], target: str
) -> None:
    for step in path:
        services.transition_report(user=officer, report_id=report_a.pk, target=step)
    report_a.refresh_from_db()
    before = (report_a.status, AuditEntry.objects.count(), ReportEvent.objects.count())
    with translation.override("en"), pytest.raises(Conflict) as exc:
        services.transition_report(user=officer, report_id=report_a.pk, target=target)
    assert exc.value.status == 409 and "cannot move" in exc.value.message
    report_a.refresh_from_db()
    assert (report_a.status, AuditEntry.objects.count(), ReportEvent.objects.count()) == before


def test_unknown_status_is_a_422(officer: Any, report_a: Report) -> None:
    with pytest.raises(ValidationFailed):
        services.transition_report(user=officer, report_id=report_a.pk, target="solved")


def test_officer_cannot_see_or_act_outside_their_districts(officer: Any, report_b: Report) -> None:
    assert not selectors.visible_reports_for(officer).filter(pk=report_b.pk).exists()
    assert report_b.pk not in [r.pk for r in selectors.queue_for(officer)]
    audit_before = AuditEntry.objects.count()
    for call in (
        lambda: services.transition_report(
            user=officer, report_id=report_b.pk, target="verification"
        ),
        lambda: services.mark_read(user=officer, report_id=report_b.pk),
        lambda: services.add_note(user=officer, report_id=report_b.pk, text="x"),
    ):
        with pytest.raises(NotFound):
            call()
    report_b.refresh_from_db()
    assert (
        report_b.status == "new"
        and report_b.read_at is None
        and AuditEntry.objects.count() == audit_before
    )


def test_officer_of_b_sees_only_b(
    officer: Any, officer_b: Any, report_a: Report, report_b: Report
) -> None:
    assert [r.pk for r in selectors.visible_reports_for(officer_b)] == [report_b.pk]
    assert [r.pk for r in selectors.visible_reports_for(officer)] == [report_a.pk]


@pytest.mark.parametrize("role", ["dispatcher", "analyst", "manager"])
def test_read_only_roles_see_everything_but_change_nothing(
    request: Any, role: str, report_a: Report, report_b: Report
) -> None:
    user = request.getfixturevalue(role)
    assert {r.pk for r in selectors.visible_reports_for(user)} == {report_a.pk, report_b.pk}
    with pytest.raises(Forbidden):
        services.transition_report(user=user, report_id=report_a.pk, target="verification")
    with pytest.raises(Forbidden):
        services.add_note(user=user, report_id=report_a.pk, text="x")
    with pytest.raises(Forbidden):
        services.mark_read(user=user, report_id=report_a.pk)


def test_admin_acts_everywhere(admin_user: Any, report_b: Report) -> None:
    services.transition_report(user=admin_user, report_id=report_b.pk, target="verification")
    assert Report.objects.get(pk=report_b.pk).status == "verification"


def test_supervisor_reassigns_within_the_district(
    supervisor: Any, officer: Any, district_a: Any, report_a: Report
) -> None:
    from straz.territory.models import Officer

    other = Officer.objects.create(name="prap. Petr Dvořák")
    other.districts.add(district_a)
    stranger = Officer.objects.create(name="Mimo obvod")
    services.reassign_report(user=supervisor, report_id=report_a.pk, officer_id=other.pk)
    assert Report.objects.get(pk=report_a.pk).officer_id == other.pk
    with pytest.raises(ValidationFailed):
        services.reassign_report(user=supervisor, report_id=report_a.pk, officer_id=stranger.pk)
    with pytest.raises(Forbidden):
        services.reassign_report(user=officer, report_id=report_a.pk, officer_id=other.pk)
    assert AuditEntry.objects.filter(action="report.reassigned").count() == 1


def test_mark_read_once(officer: Any, report_a: Report) -> None:
    assert services.mark_read(user=officer, report_id=report_a.pk) is True
    assert services.mark_read(user=officer, report_id=report_a.pk) is False
    assert ReportEvent.objects.filter(report=report_a, kind="read").count() == 1
    assert AuditEntry.objects.filter(action="report.read").count() == 1


def test_notes_refuse_markup_and_empty_text(officer: Any, report_a: Report) -> None:
    for text in ("", "   ", "<script>x</script>"):
        with pytest.raises(ValidationFailed):
            services.add_note(user=officer, report_id=report_a.pk, text=text)
    assert report_a.notes.count() == 0


def test_map_counts_follow_visibility(
    officer: Any, served: None, categories: dict[str, Any]
) -> None:
    """A confirmed-only category appears on the map when confirmed and counts stay exact."""
    venue = Report.objects.get(
        pk=submit(client_ip="203.0.113.7", category_code="dangerous-venue").report_id
    )
    dump = Report.objects.get(pk=submit(client_ip="203.0.113.8", lat=49.73, lon=13.36).report_id)
    assert _count_cells() == 1  # only the dump is public
    services.transition_report(user=officer, report_id=venue.pk, target="verification")
    assert _count_cells() == 1
    services.transition_report(user=officer, report_id=venue.pk, target="confirmed")
    assert _count_cells() == 2
    services.transition_report(user=officer, report_id=dump.pk, target="verification")
    services.transition_report(user=officer, report_id=dump.pk, target="not_confirmed")
    assert _count_cells() == 2  # not confirmed stays public for the retention period
    # After the retention period the expiry job takes it off the map.
    Report.objects.filter(pk=dump.pk).update(public_until=timezone.now() - timedelta(seconds=1))
    assert jobs.expire_public_reports() == 1
    assert _count_cells() == 1
    assert public_ids() == {venue.pk}


def public_ids() -> set[int]:
    return {r.pk for r in Report.objects.all() if public.public_report(r.pk) is not None}


# ---------------------------------------------------------------- jobs


def test_overdue_reports_are_flagged_once_and_supervisors_told(
    supervisor: Any, report_a: Report, report_b: Report
) -> None:
    supervisor.email = "vedouci@policie.example"
    supervisor.save()
    mail.outbox.clear()
    later = timezone.now() + timedelta(days=3)  # past the 2-day read deadline
    assert jobs.flag_overdue_reports(now=later) == 2
    report_a.refresh_from_db()
    assert report_a.overdue_flagged_at == later
    assert ReportEvent.objects.filter(kind="overdue").count() == 2
    assert AuditEntry.objects.filter(action="report.overdue").count() == 2
    # The mail is queued in the outbox with the flag; the worker's delivery sends it.
    assert mail.outbox == []
    assert deliver_due() == 1
    # Only district A has a supervisor with an e-mail address.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["vedouci@policie.example"]
    assert str(report_a.pk) in mail.outbox[0].subject
    assert f"/staff/reports/{report_a.pk}/" in mail.outbox[0].body
    assert jobs.flag_overdue_reports(now=later + timedelta(days=3)) == 0
    assert deliver_due() == 0
    assert len(mail.outbox) == 1


def test_overdue_mail_speaks_each_supervisors_language(
    supervisor: Any, district_a: Any, report_a: Report
) -> None:
    from straz.accounts.models import Role, User

    supervisor.email, supervisor.language = "cs@policie.example", ""
    supervisor.save()
    polish = User.objects.create_user(
        username="nadkomisarz",
        password="x",
        role=Role.SUPERVISOR,
        email="pl@policja.example",
        language="pl",
    )
    polish.districts.add(district_a)
    mail.outbox.clear()
    assert jobs.flag_overdue_reports(now=timezone.now() + timedelta(days=3)) == 1
    assert deliver_due() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["cs@policie.example", "pl@policja.example"]
    with translation.override("pl"):
        from django.utils.translation import gettext

        expected_pl = gettext("Report #%(id)s missed its deadline") % {"id": report_a.pk}
    assert [m.subject for m in mail.outbox if m.to == ["pl@policja.example"]] == [expected_pl]


def test_read_reports_are_not_overdue_before_the_verify_deadline(
    officer: Any, report_a: Report
) -> None:
    services.mark_read(user=officer, report_id=report_a.pk)
    assert jobs.flag_overdue_reports(now=timezone.now() + timedelta(days=3)) == 0
    assert jobs.flag_overdue_reports(now=timezone.now() + timedelta(days=6)) == 1


def test_queue_puts_overdue_first(officer: Any, served: None) -> None:
    new = Report.objects.get(pk=submit(client_ip="203.0.113.1").report_id)
    old = Report.objects.get(pk=submit(client_ip="203.0.113.2", lat=49.725, lon=13.355).report_id)
    Report.objects.filter(pk=old.pk).update(read_due_at=timezone.now() - timedelta(hours=1))
    assert [r.pk for r in selectors.queue_for(officer)] == [old.pk, new.pk]
    assert [r.pk for r in selectors.queue_for(officer, overdue=True)] == [old.pk]


def test_reporter_ips_are_erased_after_retention(served: None, settings: Any) -> None:
    r = Report.objects.get(pk=submit(client_ip="203.0.113.1").report_id)
    assert jobs.erase_old_reporter_ips(now=timezone.now() + timedelta(days=179)) == 0
    assert jobs.erase_old_reporter_ips(now=timezone.now() + timedelta(days=181)) == 1
    r.refresh_from_db()
    assert r.reporter_ip is None and r.reporter_key  # the keyed hash stays for abuse limits
    assert AuditEntry.objects.filter(action="reports.reporter_ips_erased").count() == 1


def test_idempotency_records_are_pruned_after_a_week(served: None) -> None:
    submit(idempotency_key="abc")
    assert jobs.prune_idempotency_records(now=timezone.now() + timedelta(days=6)) == 0
    assert jobs.prune_idempotency_records(now=timezone.now() + timedelta(days=8)) == 1
    assert IdempotencyRecord.objects.count() == 0


def test_worker_runs_every_job_once(served: None) -> None:
    from django.core.management import call_command

    call_command("worker", "--once", "--quiet")
    from straz.core.jobs import registered_jobs

    names = [job.name for job in registered_jobs() if job.run.__module__ == jobs.__name__]
    assert names == [
        "expire-public-reports",
        "flag-overdue-reports",
        "erase-old-reporter-ips",
        "erase-due-followers",
        "prune-idempotency-records",
    ]


def test_changing_category_rules_reapplies_them(
    officer: Any, served: None, categories: dict[str, Any]
) -> None:
    r = Report.objects.get(
        pk=submit(client_ip="203.0.113.1", lat=49.7412345, lon=13.3723456).report_id
    )
    assert (r.public_lat, r.public_lon) == (r.lat, r.lon)
    dump = categories["dump"]
    dump.public_location_approximated = True
    dump.save()
    assert services.reapply_category_rules(category_id=dump.pk) == 1
    r.refresh_from_db()
    assert (r.public_lat, r.public_lon) != (r.lat, r.lon)
    assert _count_cells() == 1
