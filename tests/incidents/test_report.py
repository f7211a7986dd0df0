"""The §16(4) incident report: when §16(2) requires it and its 14-day deadline, the audited
draft → complete → amendment life, permissions, bad input, the page, the PDF read back."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from straz.accounts.models import AuditEntry, User
from straz.incidents import reporting, services
from straz.incidents.models import (
    CommandAssignment,
    Incident,
    IncidentReport,
    IncidentReportAmendment,
)
from tests.incidents.incident_fixtures import audit_count

pytestmark = pytest.mark.django_db

PRAGUE = ZoneInfo("Europe/Prague")
BRIEFING = {"situation": "Dvanáct vozidel, tři zranění.", "aim": "Vyprostit osoby.", "priorities": "Zranění, pak provoz."}
DANGER_ZONE = {
    "type": "Polygon",
    "coordinates": [[[13.368, 49.739], [13.372, 49.739], [13.372, 49.7415], [13.368, 49.7415], [13.368, 49.739]]],
}
FULL = {
    "origin": "Srážka 12 vozidel v mlze.",
    "work_done": "Vyproštění, uhašení požáru jednoho vozidla, úklid vozovky.",
    "forces_and_means": "HZS 12 osob, 3 vozidla; ZZS 6 osob.",
    "procedure": "HZS vyprošťovala, ZZS třídila zraněné, PČR uzavřela dálnici.",
    "consequences": "Dálnice uzavřena 6 hodin.",
    "damage_czk": 2_500_000,
    "values_saved_czk": 9_000_000,
    "dead": 0,
    "injured": 3,
    "rescued": 5,
    "evacuated": 40,
    "personal_help": "Řidiči projíždějících vozidel pomáhali s první pomocí.",
    "material_help": "žádná",
}


def _closed_incident(dispatcher: User, commander: User, commander_b: User, make_incident: Any, level: str = "III") -> Incident:
    """A mass road accident: level declared, commander, two components, danger zone,
    handover from `commander` to `commander_b`, then closed by `commander_b`."""
    incident = make_incident()
    services.declare_alarm_level(user=dispatcher, level=level, incident_id=incident.pk, written_reason="test")
    services.assign_commander(
        user=dispatcher, incident_id=incident.pk, commander_name="Petr Velitel", commander_user_id=commander.pk, component="hzs"
    )
    services.check_in_component(user=commander, incident_id=incident.pk, kind="hzs", leader_name="Jan Hasič", people=12, vehicles=3, equipment=["CAS 20"], unit_name="HS Plzeň")
    zzs = services.check_in_component(user=commander, incident_id=incident.pk, kind="zzs", leader_name="MUDr. Řehoř", people=6, vehicles=2)
    services.check_out_component(user=commander, incident_id=incident.pk, deployment_id=zzs.pk)
    services.post_site_message(user=commander, incident_id=incident.pk, letter="g", text="Tři zranění převezeni do FN Plzeň.")
    services.add_site_feature(user=commander, incident_id=incident.pk, kind="danger_zone", geometry=DANGER_ZONE, name="Nebezpečná zóna D5")
    services.hand_over_command(
        user=commander, incident_id=incident.pk, new_commander_name="Eva Nástupcová", new_commander_user_id=commander_b.pk, **BRIEFING
    )
    services.change_state(user=commander_b, incident_id=incident.pk, target="in_progress")
    # HZS is still on site: closing ends the intervention and records its departure (§6(1) h)).
    services.change_state(user=commander_b, incident_id=incident.pk, target="closed", components_leave=True)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def closed(dispatcher: User, commander: User, commander_b: User, make_incident: Any) -> Incident:
    return _closed_incident(dispatcher, commander, commander_b, make_incident)


# ---------------------------------------------------------------- §16(2): requirement and deadline


def test_deadline_is_the_end_of_the_14th_local_day_after_the_end() -> None:
    # Ended 25 Nov 2026 23:30 local (22:30 UTC): day 14 after is Wed 9 Dec, due before 10 Dec 00:00 local.
    ended = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)
    assert reporting.report_due_at(ended, PRAGUE) == datetime(2026, 12, 9, 23, 0, tzinfo=UTC)
    # 23:30 UTC is already 26 Nov in Prague: one day later (Thu 10 Dec).
    assert reporting.report_due_at(ended + timedelta(hours=1), PRAGUE) == datetime(2026, 12, 10, 23, 0, tzinfo=UTC)
    # Across the change to summer time the local midnight is 22:00 UTC (day 14: Thu 2 April).
    assert reporting.report_due_at(datetime(2026, 3, 19, 12, 0, tzinfo=UTC), PRAGUE) == datetime(2026, 4, 2, 22, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        reporting.report_due_at(datetime(2026, 3, 20, 12, 0), PRAGUE)


def test_overdue_only_after_the_deadline_and_only_while_not_completed() -> None:
    ended = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    due = reporting.report_due_at(ended, PRAGUE)
    kw: dict[str, Any] = {"required": True, "rescue_ended_at": ended, "zone": PRAGUE}
    assert not reporting.requirement_for(completed_at=None, now=due - timedelta(seconds=1), **kw).overdue
    late = reporting.requirement_for(completed_at=None, now=due, **kw)
    assert late.overdue and late.due_at == due
    assert not reporting.requirement_for(completed_at=due, now=due + timedelta(days=3), **kw).overdue
    running = reporting.requirement_for(required=True, rescue_ended_at=None, completed_at=None, now=due, zone=PRAGUE)
    assert running.required and running.due_at is None and not running.overdue
    not_required = reporting.requirement_for(required=False, rescue_ended_at=ended, completed_at=None, now=due, zone=PRAGUE)
    assert not not_required.required and not_required.due_at is None and not not_required.overdue


def test_days_to_the_deadline_count_local_calendar_days(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Prague"
    due = reporting.report_due_at(datetime(2026, 11, 25, 10, 0, tzinfo=UTC), PRAGUE)  # last day Wed 9 Dec
    # One date-time format per language (ADR 0035): the last minute of the last day.
    with translation.override("cs"):
        assert reporting.deadline_text(due) == "9. 12. 2026 23:59"
    with translation.override("pl"):
        assert reporting.deadline_text(due) == "09.12.2026 23:59"
    with translation.override("en"):
        assert reporting.deadline_text(due) == "9 Dec 2026, 23:59"
    assert reporting.days_to_deadline(due, datetime(2026, 11, 25, 10, 0, tzinfo=UTC)) == 14
    assert reporting.days_to_deadline(due, datetime(2026, 12, 9, 22, 59, tzinfo=UTC)) == 0
    assert reporting.days_to_deadline(due, datetime(2026, 12, 9, 23, 0, tzinfo=UTC)) == -1


def test_required_when_iii_was_ever_declared_even_if_lowered(dispatcher: User, make_incident: Any) -> None:
    incident = make_incident()
    assert not reporting.report_requirement(incident).required
    services.declare_alarm_level(user=dispatcher, level="II", incident_id=incident.pk, written_reason="méně")
    incident.refresh_from_db()
    assert not reporting.report_requirement(incident).required
    services.declare_alarm_level(user=dispatcher, level="III", incident_id=incident.pk)
    services.declare_alarm_level(user=dispatcher, level="II", incident_id=incident.pk, written_reason="situace se zlepšila")
    incident.refresh_from_db()
    assert incident.alarm_level == "II"
    req = reporting.report_requirement(incident)
    assert req.required and req.due_at is None  # still running
    services.change_state(user=dispatcher, incident_id=incident.pk, target="closed")
    incident.refresh_from_db()
    req = reporting.report_requirement(incident)
    assert req.due_at == reporting.report_due_at(incident.rescue_ended_at, PRAGUE)
    assert reporting.report_requirements([incident])[incident.pk] == req


def test_a_declaration_for_the_event_does_not_require_the_sites_reports(
    dispatcher: User, make_incident: Any
) -> None:
    # §16(2) binds the commander of a site only when III/special was declared for the site;
    # a declaration for the territory (the event) calls for §16(3), written by HZS kraje.
    a, b = make_incident(), make_incident(title="Druhé místo")
    event = services.create_event(user=dispatcher, name="Povodeň Berounka", incident_ids=[a.pk, b.pk])
    services.declare_alarm_level(user=dispatcher, level="special", event_id=event.pk, written_reason="území")
    services.declare_alarm_level(user=dispatcher, level="II", incident_id=b.pk, written_reason="místo")
    reqs = reporting.report_requirements(Incident.objects.filter(pk__in=[a.pk, b.pk]))
    assert not reqs[a.pk].required and not reqs[b.pk].required
    b.refresh_from_db()
    assert not reporting.report_requirement(b).required
    assert not reporting.reports_due() and reporting.reports_due_summary().due == 0
    services.declare_alarm_level(user=dispatcher, level="III", incident_id=a.pk)
    a.refresh_from_db()
    assert reporting.report_requirement(a).required and not reporting.report_requirement(b).required
    assert [r.incident.pk for r in reporting.reports_due()] == [a.pk]


def test_reports_due_lists_overdue_first_and_drops_completed(
    dispatcher: User, commander: User, commander_b: User, make_incident: Any
) -> None:
    old = _closed_incident(dispatcher, commander, commander_b, make_incident)
    Incident.objects.filter(pk=old.pk).update(rescue_ended_at=timezone.now() - timedelta(days=20))
    fresh = _closed_incident(dispatcher, commander, commander_b, make_incident)
    running = make_incident(title="Běží")
    services.declare_alarm_level(user=dispatcher, level="III", incident_id=running.pk)
    level_ii = make_incident(title="Jen II")
    services.declare_alarm_level(user=dispatcher, level="II", incident_id=level_ii.pk, written_reason="x")
    rows = reporting.reports_due()
    assert [r.incident.pk for r in rows] == [old.pk, fresh.pk, running.pk]
    assert rows[0].requirement.overdue and not rows[1].requirement.overdue
    reporting.save_report(user=dispatcher, incident_id=fresh.pk, changes=FULL)
    reporting.complete_report(user=dispatcher, incident_id=fresh.pk)
    assert [r.incident.pk for r in reporting.reports_due()] == [old.pk, running.pk]
    assert fresh.pk in [r.incident.pk for r in reporting.reports_due(include_completed=True)]


# ---------------------------------------------------------------- draft, complete, amend


def test_unsaved_report_is_prefilled_from_the_components(closed: Incident) -> None:
    report = reporting.report_for(closed)
    assert report.pk is None and report.version == 0
    assert "HS Plzeň" in report.forces_and_means and "12" in report.forces_and_means
    assert "MUDr. Řehoř" in report.forces_and_means
    assert not IncidentReport.objects.exists()


def test_draft_save_complete_lock_and_amend_are_audited(closed: Incident, commander_b: User) -> None:
    before = audit_count()
    report = reporting.save_report(user=commander_b, incident_id=closed.pk, changes={"origin": "Mlha."})
    assert report.version == 1 and report.status == "draft"
    assert report.forces_and_means  # the prefill was stored with the first save
    assert audit_count() == before + 1
    assert AuditEntry.objects.order_by("-seq").first().action == "incident_report.created"  # type: ignore[union-attr]
    # Completing needs every §16(4) part: refused, nothing changes.
    with pytest.raises(Exception) as missing:
        reporting.complete_report(user=commander_b, incident_id=closed.pk)
    assert getattr(missing.value, "status", None) == 422
    assert str(IncidentReport._meta.get_field("work_done").verbose_name).lower() in str(missing.value).lower()
    assert IncidentReport.objects.get().status == "draft" and audit_count() == before + 1
    reporting.save_report(user=commander_b, incident_id=closed.pk, changes=FULL, version=1)
    done = reporting.complete_report(user=commander_b, incident_id=closed.pk, version=2)
    assert done.status == "completed" and done.completed_by == commander_b and done.completed_at is not None
    assert audit_count() == before + 3
    # Locked: a plain save is refused; an amendment needs a reason and is recorded.
    with pytest.raises(Exception) as locked:
        reporting.save_report(user=commander_b, incident_id=closed.pk, changes={"injured": 4})
    assert getattr(locked.value, "status", None) == 409
    assert IncidentReport.objects.get().injured == 3
    amended = reporting.save_report(
        user=commander_b, incident_id=closed.pk, changes={"injured": 4}, amendment_reason="Jeden zraněný zjištěn později."
    )
    assert amended.injured == 4 and amended.status == "completed"
    amendment = IncidentReportAmendment.objects.get()
    assert amendment.changes == {"injured": {"before": 3, "after": 4}}
    assert amendment.author_label == "Eva Nástupcová"
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None and entry.action == "incident_report.amended"
    assert entry.before["injured"] == 3 and entry.after["injured"] == 4


def test_stale_version_is_refused(closed: Incident, dispatcher: User) -> None:
    reporting.save_report(user=dispatcher, incident_id=closed.pk, changes={"origin": "A"})
    reporting.save_report(user=dispatcher, incident_id=closed.pk, changes={"origin": "B"}, version=1)
    with pytest.raises(Exception) as stale:
        reporting.save_report(user=dispatcher, incident_id=closed.pk, changes={"origin": "C"}, version=1)
    assert getattr(stale.value, "status", None) == 409
    assert IncidentReport.objects.get().origin == "B"


def test_report_cannot_be_completed_while_the_rescue_work_runs(dispatcher: User, make_incident: Any) -> None:
    incident = make_incident()
    reporting.save_report(user=dispatcher, incident_id=incident.pk, changes=FULL)
    with pytest.raises(Exception) as running:
        reporting.complete_report(user=dispatcher, incident_id=incident.pk)
    assert getattr(running.value, "status", None) == 409
    assert IncidentReport.objects.get().status == "draft"


# ---------------------------------------------------------------- API: permissions and bad input


def test_api_permissions(
    closed: Incident, api_as: Any, analyst: User, commander: User, commander_b: User, dispatcher: User
) -> None:
    url = f"/incidents/{closed.pk}/report"
    # Any active staff member reads (the prefilled draft, not stored).
    got = api_as(analyst).get(url)
    assert got.status_code == 200 and got.json()["stored"] is False and got.json()["can_edit"] is False
    assert got.json()["requirement"]["required"] is True
    before = audit_count()
    # A reader, and the commander who handed over, may not write; nothing is stored.
    for user in (analyst, commander):
        resp = api_as(user).put(url, {"origin": "x"})
        assert resp.status_code == 403, resp.content
        assert api_as(user).post(url + "/complete").status_code == 403
    assert not IncidentReport.objects.exists() and audit_count() == before
    assert api_as(None).get(url).status_code == 401
    assert api_as(None).put(url, {"origin": "x"}).status_code == 401
    # The current commander writes; so does the operations centre.
    resp = api_as(commander_b).put(url, {**FULL, "version": 0})
    assert resp.status_code == 200, resp.content
    assert resp.json()["stored"] is True and resp.json()["version"] == 1 and resp.json()["can_edit"] is True
    resp = api_as(dispatcher).post(url + "/complete", {"version": 1})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "completed" and body["completed_by"] == "dispatcher"
    assert body["requirement"]["completed_at"] is not None and body["requirement"]["overdue"] is False
    assert api_as(dispatcher).get("/incidents/404404/report").status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"dead": -1}, 422),
        ({"injured": "three"}, 422),
        ({"damage_czk": 1.5}, 422),
        ({"damage_czk": 10**14}, 422),
        ({"origin": "x" * (reporting.REPORT_TEXT_MAX_CHARS + 1)}, 422),
        # NUL characters are refused for the whole request before any view (middleware).
        ({"origin": "nul\x00byte"}, 400),
        ({"unknown_field": 1}, 422),
        ({"status": "completed"}, 422),
        ({"version": -1}, 422),
    ],
)
def test_api_bad_input_is_a_translated_4xx_and_stores_nothing(
    closed: Incident, api_as: Any, dispatcher: User, body: dict[str, Any], status: int
) -> None:
    client = api_as(dispatcher)
    before = audit_count()
    answers = {}
    for lang in ("cs", "en"):
        resp = client.client.put(
            f"/api/v1/incidents/{closed.pk}/report",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {client.token}",
            HTTP_ACCEPT_LANGUAGE=lang,
        )
        assert resp.status_code == status, (body, resp.content)
        answers[lang] = resp.json()["detail"]
        assert answers[lang]
    assert answers["cs"] != answers["en"], answers  # the message is in the caller's language
    assert not IncidentReport.objects.exists() and audit_count() == before


def test_api_bad_input_on_a_completed_report_leaves_it_untouched(closed: Incident, api_as: Any, dispatcher: User) -> None:
    api = api_as(dispatcher)
    assert api.put(f"/incidents/{closed.pk}/report", FULL).status_code == 200
    assert api.post(f"/incidents/{closed.pk}/report/complete").status_code == 200
    before = audit_count()
    assert api.put(f"/incidents/{closed.pk}/report", {"dead": 2}).status_code == 409
    assert api.put(f"/incidents/{closed.pk}/report", {"dead": -2, "amendment_reason": "x"}).status_code == 422
    assert api.post(f"/incidents/{closed.pk}/report/complete").status_code == 409
    assert audit_count() == before and IncidentReport.objects.get().dead == 0
    assert not IncidentReportAmendment.objects.exists()


def test_api_reports_due(closed: Incident, api_as: Any, analyst: User) -> None:
    Incident.objects.filter(pk=closed.pk).update(rescue_ended_at=timezone.now() - timedelta(days=30))
    resp = api_as(analyst).get("/incidents/reports/due")
    assert resp.status_code == 200, resp.content
    data = resp.json()
    assert data["count"] == 1 and data["overdue"] == 1
    assert data["items"][0]["incident_id"] == closed.pk and data["items"][0]["commander"] == "Eva Nástupcová"


# ---------------------------------------------------------------- the PDF and the page


def _pdf_text(content: bytes) -> tuple[str, set[str]]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    return text, fonts


def _czech_time(moment: datetime) -> str:
    """A time as a Czech document prints it (ADR 0035): the Czech date, the time to the second."""
    local = timezone.localtime(moment)
    return f"{local.day}. {local.month}. {local.year} {local:%H:%M:%S}"


def test_pdf_contains_the_handover_time_and_name_declarations_components_and_map(
    closed: Incident, client_for: Any, analyst: User
) -> None:
    handover = CommandAssignment.objects.get(incident=closed, how="handover")
    expected_time = _czech_time(handover.started_at)
    resp = client_for(analyst).get(f"/operations/incidents/{closed.pk}/report.pdf", HTTP_ACCEPT_LANGUAGE="cs")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/pdf"
    assert "attachment" in resp["Content-Disposition"]
    text, fonts = _pdf_text(resp.content)
    flat = re.sub(r"\s+", " ", text)
    assert "Eva Nástupcová" in flat and "Petr Velitel" in flat
    assert expected_time in flat  # §3(8): time of the change …
    # … and the name on the same row as that time.
    assert re.search(re.escape(expected_time) + r".{0,40}Eva Nástupcová", flat), flat[:2000]
    assert "§23 a)" in flat  # the declaration with its reasons
    assert "HS Plzeň" in flat and "MUDr. Řehoř" in flat  # components with leaders
    from straz.incidents.models import ComponentDeployment

    departed = ComponentDeployment.objects.get(incident=closed, kind="zzs").departed_at
    assert _czech_time(departed) in flat  # §6 h) departure
    assert "Tři zranění převezeni do FN Plzeň." in flat  # the §6 messages
    assert "Nebezpečná zóna D5" in flat  # the site map's zone label
    assert any("DejaVu" in f for f in fonts), fonts  # embedded font covering Czech
    assert IncidentReport.objects.count() == 0  # reading never stores


def test_report_page_edits_the_draft_and_refuses_bad_input(closed: Incident, client_for: Any, commander_b: User, analyst: User) -> None:
    url = f"/operations/incidents/{closed.pk}/report/"
    reader = client_for(analyst)
    page = reader.get(url)
    assert page.status_code == 200
    assert b'data-testid="report-document"' in page.content and b'data-testid="report-form"' not in page.content
    assert b"<svg" in page.content and b"north-arrow" in page.content
    assert reader.post(url, {"origin": "x", "action": "save"}).status_code == 403
    writer = client_for(commander_b)
    page = writer.get(url)
    assert b'data-testid="report-form"' in page.content
    before = audit_count()
    bad = writer.post(url, {"origin": "Mlha", "dead": "-1", "version": "0", "action": "save"})
    assert bad.status_code == 422
    assert not IncidentReport.objects.exists() and audit_count() == before
    fields = {k: str(v) for k, v in FULL.items()}
    fields["damage_czk"] = "2 500 000"
    ok = writer.post(url, {**fields, "version": "0", "action": "complete"})
    assert ok.status_code == 302, ok.content[:2000]
    report = IncidentReport.objects.get()
    assert report.status == "completed" and report.damage_czk == 2_500_000
    page = writer.get(url)
    assert b'data-testid="report-amend"' in page.content


def test_reports_due_page_shows_the_deadline_and_overdue(closed: Incident, client_for: Any, analyst: User, citizen: Any) -> None:
    Incident.objects.filter(pk=closed.pk).update(rescue_ended_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    page = client_for(analyst).get("/operations/reports/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-incident="{closed.pk}"' in html and "badge overdue" in html
    assert "15 Jan 2026, 23:59" in html  # the last day is 15 January (1 + 14), to its end
    assert "overdue, days late:" in html
    anonymous = citizen.get("/operations/reports/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_pdf_lists_amendments_with_their_reason(closed: Incident, dispatcher: User, client_for: Any) -> None:
    reporting.save_report(user=dispatcher, incident_id=closed.pk, changes=FULL)
    reporting.complete_report(user=dispatcher, incident_id=closed.pk)
    reporting.save_report(
        user=dispatcher, incident_id=closed.pk, changes={"evacuated": 41}, amendment_reason="Doplněn jeden evakuovaný."
    )
    resp = client_for(dispatcher).get(f"/operations/incidents/{closed.pk}/report.pdf")
    text, _ = _pdf_text(resp.content)
    flat = re.sub(r"\s+", " ", text)
    assert "Doplněn jeden evakuovaný." in flat and "41" in flat


@hypothesis_settings(max_examples=200, deadline=None)
@given(ended=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_deadline_is_a_local_midnight_14_to_15_days_after_the_end(ended: datetime) -> None:
    due = reporting.report_due_at(ended, PRAGUE)
    local = due.astimezone(PRAGUE)
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    # The midnight after the 14th day, or after the working day it moved to (ADR 0029).
    deadline = reporting.report_deadline(ended, PRAGUE)
    assert deadline.nominal_day - ended.astimezone(PRAGUE).date() == timedelta(days=14)
    assert local.date() == deadline.last_day + timedelta(days=1)
    assert reporting.is_working_day(deadline.last_day)
    moved = timedelta(days=(deadline.last_day - deadline.nominal_day).days)
    assert moved <= timedelta(days=reporting.MAX_DAYS_MOVED)
    # 14 to 15 days later, give or take the hour a change of summer time moves midnight.
    assert timedelta(days=14) - timedelta(hours=1) < due - ended - moved <= timedelta(days=15, hours=1)


def test_page_complete_with_gaps_saves_the_draft_and_says_what_is_missing(
    closed: Incident, client_for: Any, commander_b: User
) -> None:
    writer = client_for(commander_b)
    url = f"/operations/incidents/{closed.pk}/report/"
    resp = writer.post(url, {"origin": "Mlha", "version": "0", "action": "complete"}, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 422
    report = IncidentReport.objects.get()
    assert report.status == "draft" and report.origin == "Mlha"
    html = resp.content.decode()
    assert "Rescue and liquidation work done" in html and "message-error" in html
    # The form shows the stored version, so the next save goes through.
    assert 'name="version" value="1"' in html


def test_report_map_shows_the_final_site_and_the_history_lists_removed_zones(
    dispatcher: User, make_incident: Any, client_for: Any, analyst: User
) -> None:
    """A zone removed during the intervention leaves the site map but stays in the report's site history."""
    incident = make_incident()
    kept = services.add_site_feature(user=dispatcher, incident_id=incident.pk, kind="danger_zone", geometry=DANGER_ZONE, name="Zóna trvalá")
    gone = services.add_site_feature(user=dispatcher, incident_id=incident.pk, kind="outer_zone", geometry=DANGER_ZONE, name="Zóna zrušená")
    services.retire_site_feature(user=dispatcher, incident_id=incident.pk, feature_id=gone.pk)
    page = client_for(analyst).get(f"/operations/incidents/{incident.pk}/report/", HTTP_ACCEPT_LANGUAGE="cs")
    assert page.status_code == 200
    html = page.content.decode()
    svg = html[html.index("<svg"): html.index("</svg>")]
    assert kept.name in svg and gone.name not in svg
    history = html[html.index('data-testid="report-site-history"'):]
    history = history[: history.index("</table>")]
    assert gone.name in history and kept.name in history


def test_back_office_lists_reports_read_only(closed: Incident, commander_b: User, admin_user: User) -> None:
    from django.test import Client

    report = reporting.save_report(user=commander_b, incident_id=closed.pk, changes={"origin": "Mlha."})
    c = Client()
    c.force_login(admin_user)
    assert c.get("/admin/incidents/incidentreport/").status_code == 200
    assert c.get(f"/admin/incidents/incidentreport/{report.pk}/change/").status_code == 200
    c.post(f"/admin/incidents/incidentreport/{report.pk}/delete/", {"post": "yes"})
    assert IncidentReport.objects.filter(pk=report.pk).exists()
    assert c.get("/admin/incidents/incidentreportamendment/").status_code == 200
