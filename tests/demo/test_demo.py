"""Demo data: loads once, is internally consistent with the rules, and its users can log in."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from django.conf import settings
from django.db.models import Count, Q
from django.test import Client
from django.utils import timezone

from straz.accounts.audit import verify_chain
from straz.accounts.models import AuditEntry, Role, User
from straz.demo.accounts import DEMO_PASSWORD_SUFFIX, DEMO_ROLES
from straz.demo.loader import DEMO_AUDIT_ACTION, ensure_demo_data
from straz.reports.models import Report, ReportEvent
from straz.reports.rules import Status, public_location, public_visibility
from straz.territory.models import Area, AreaKind, Place
from straz.territory.services import geocode, route_point

pytestmark = pytest.mark.django_db

REPORTS = 400


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    # PBKDF2 for six users in every test would dominate the run time; logins still check it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db: Any) -> dict[str, Any]:
    out = io.StringIO()
    created = ensure_demo_data(report_count=REPORTS, stdout=out)
    return {"created": created, "stdout": out.getvalue()}


def test_first_run_creates_and_second_run_reuses(demo: dict[str, Any]) -> None:
    assert demo["created"] is True
    assert "Reports:" in demo["stdout"]
    counts = (
        Report.objects.count(),
        ReportEvent.objects.count(),
        Area.objects.count(),
        User.objects.count(),
    )
    assert ensure_demo_data(report_count=REPORTS) is False
    assert ensure_demo_data() is False
    assert (
        Report.objects.count(),
        ReportEvent.objects.count(),
        Area.objects.count(),
        User.objects.count(),
    ) == counts
    assert AuditEntry.objects.filter(action=DEMO_AUDIT_ACTION).count() == 1
    assert list(verify_chain()) == []


def test_territory_is_plzen_with_real_codes(demo: dict[str, Any]) -> None:
    city = Area.objects.get(kind=AreaKind.MUNICIPALITY, code="554791")
    assert city.name == "Plzeň"
    districts = dict(Area.objects.filter(kind=AreaKind.CITY_DISTRICT).values_list("code", "name"))
    assert districts == {
        "545970": "Plzeň 1",
        "545988": "Plzeň 2-Slovany",
        "546003": "Plzeň 3",
        "546208": "Plzeň 4",
    }
    police = list(Area.objects.filter(kind=AreaKind.POLICE_DISTRICT))
    assert 8 <= len(police) <= 10
    assert all(a.primary_officer is not None and a.population for a in police)
    assert all(a.primary_officer.email.endswith("example.cz") for a in police)  # type: ignore[union-attr]
    # The old town square lies in the centre's district, and city hall has an officer to call.
    routing = route_point(lat=49.7477, lon=13.3776)
    assert (
        routing is not None
        and routing.district.name == "Obvod Plzeň-střed"
        and routing.officer is not None
    )
    # Police districts tile the city: no overlaps, no gaps (areas add up to the outline).
    from shapely.geometry import shape
    from shapely.ops import unary_union

    outline = shape(city.geometry)
    union = unary_union([shape(a.geometry) for a in police])
    # (Coordinates are rounded to 6 decimals, so allow slivers of a few square metres.)
    assert union.area == pytest.approx(outline.area, rel=1e-5)
    assert sum(shape(a.geometry).area for a in police) == pytest.approx(union.area, rel=1e-5)


def _logs_in(username: str, password: str) -> bool:
    """Log in through the login form (the login-throttling backend needs a request)."""
    client = Client()
    client.post("/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session


def test_users_per_role_can_log_in_with_demo_passwords(demo: dict[str, Any]) -> None:
    for role in DEMO_ROLES:
        user = User.objects.get(username=role)
        assert user.role == Role(role)
        assert _logs_in(role, f"{role}{DEMO_PASSWORD_SUFFIX}"), role
        assert not _logs_in(role, "wrong")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username="officer").is_staff
    officer_scope = set(
        User.objects.get(username="officer").districts.values_list("code", flat=True)
    )
    supervisor_scope = set(
        User.objects.get(username="supervisor").districts.values_list("code", flat=True)
    )
    assert 1 <= len(officer_scope) <= 2
    assert len(supervisor_scope) >= 3 and officer_scope < supervisor_scope
    assert (
        User.objects.get(username="officer")
        .officer_profile.districts.filter(code__in=officer_scope)
        .exists()
    )


def test_every_status_is_present_with_histories(demo: dict[str, Any]) -> None:
    assert Report.objects.count() == REPORTS
    by_status = Counter(Report.objects.values_list("status", flat=True))
    assert set(by_status) == {s.value for s in Status}
    now = timezone.now()
    for report in Report.objects.prefetch_related("events"):
        events = list(report.events.all())
        assert events[0].kind == "created" and events[0].at == report.created_at
        status_steps = [(e.from_status, e.to_status) for e in events if e.kind == "status"]
        # The status history walks the legal workflow from "new" to the current status.
        current = "new"
        for from_status, to_status in status_steps:
            assert from_status == current
            current = to_status
        assert current == report.status
        assert all(e.at <= now for e in events)
        assert [e.at for e in events] == sorted(e.at for e in events)
        if report.status != "new":
            assert report.read_at is not None and report.read_at <= events[-1].at
        if report.status in ("confirmed", "not_confirmed", "eliminated", "passed_on"):
            assert report.verified_at is not None
        assert report.updated_at >= report.created_at


def test_overdue_duplicates_and_expired_reports_exist(demo: dict[str, Any]) -> None:
    now = timezone.now()
    assert Report.objects.filter(
        read_at__isnull=True, read_due_at__lt=now, duplicate_of__isnull=True
    ).exists()
    duplicates = Report.objects.filter(duplicate_of__isnull=False)
    assert duplicates.exists()
    assert not duplicates.filter(is_public=True).exists()
    # duplicate_count on each first report equals its linked duplicates.
    for primary in Report.objects.filter(duplicate_count__gt=0).annotate(n=Count("duplicates")):
        assert primary.duplicate_count == primary.n
    assert (
        Report.objects.filter(duplicate_count__gt=0).count()
        == duplicates.values("duplicate_of").distinct().count()
    )
    # Some not-confirmed / eliminated reports have already left the public view.
    assert Report.objects.filter(
        status__in=["not_confirmed", "eliminated"], is_public=False
    ).exists()
    assert Report.objects.filter(
        status__in=["not_confirmed", "eliminated"], is_public=True
    ).exists()


def test_visibility_and_public_location_follow_the_rules(demo: dict[str, Any]) -> None:
    now = timezone.now()
    conf = settings.STRAZ
    for r in Report.objects.select_related("category"):
        vis = public_visibility(
            status=Status(r.status),
            last_change=r.updated_at,
            now=now,
            only_when_confirmed=r.category.public_only_when_confirmed,
            is_duplicate=r.duplicate_of_id is not None,
            retention_days=conf["PUBLIC_RETENTION_DAYS"],
        )
        assert r.is_public == vis.public, r.pk
        assert r.public_until == vis.until, r.pk
        expected = public_location(
            r.lat,
            r.lon,
            approximate=r.category.public_location_approximated,
            resolution=conf["APPROXIMATE_RESOLUTION"],
        )
        assert (r.public_lat, r.public_lon) == pytest.approx(expected)


def test_all_reports_are_routed_exactly(demo: dict[str, Any]) -> None:
    reports = list(Report.objects.select_related("district"))
    assert all(r.district_id is not None for r in reports)
    for r in reports:
        routing = route_point(lat=r.lat, lon=r.lon)
        assert routing is not None and routing.district.pk == r.district_id, r.pk
        assert r.officer_id == routing.district.primary_officer_id


def test_category_mix_and_recency_look_like_real_data(demo: dict[str, Any]) -> None:
    codes = Counter(Report.objects.values_list("category__code", flat=True))
    top3 = codes["cz-speeding"] + codes["cz-bad-parking"] + codes["cz-public-drinking"]
    assert 0.6 <= top3 / REPORTS <= 0.8
    now = timezone.now()
    recent = Report.objects.filter(created_at__gte=now - timezone.timedelta(days=180)).count()
    old = Report.objects.filter(created_at__lt=now - timezone.timedelta(days=360)).count()
    assert recent > old > 0
    assert not Report.objects.filter(created_at__lt=now - timezone.timedelta(days=560)).exists()
    # Every report carries the keyed client hash used for abuse limits; the address itself
    # is police-only and erased after the retention period.
    assert not Report.objects.filter(reporter_key="").exists()
    assert Report.objects.filter(reporter_ip__isnull=False).exists()
    ip_days = settings.STRAZ["IP_RETENTION_DAYS"]
    assert not Report.objects.filter(
        reporter_ip__isnull=False, created_at__lt=now - timezone.timedelta(days=ip_days + 1)
    ).exists()


def test_police_only_notes_and_addresses_are_plausible(demo: dict[str, Any]) -> None:
    from straz.reports.models import InternalNote

    assert InternalNote.objects.exists()
    assert not InternalNote.objects.filter(author__isnull=True).exists()
    # A typed address names a gazetteer place within a few hundred metres of the point.
    places = {p.name: p for p in Place.objects.all()}
    with_address = list(Report.objects.exclude(address_text=""))
    assert with_address
    for r in with_address:
        place = places[r.address_text]
        assert abs(place.lat - r.lat) < 0.005 and abs(place.lon - r.lon) < 0.007, r.pk


def test_gazetteer_is_seeded(demo: dict[str, Any]) -> None:
    assert Place.objects.count() >= 20
    lat, lon = geocode(text="namesti Republiky") or (0.0, 0.0)
    assert abs(lat - 49.7477) < 0.01 and abs(lon - 13.3776) < 0.01
    assert not Place.objects.filter(Q(area__isnull=True)).exists()


def test_zero_reports_still_sets_up_city_and_users(db: Any) -> None:
    assert ensure_demo_data(report_count=0) is True
    assert Report.objects.count() == 0
    assert User.objects.filter(username__in=DEMO_ROLES).count() == len(DEMO_ROLES)


def test_existing_accounts_are_not_touched(db: Any) -> None:
    admin = User.objects.create_user(
        username="admin", password="own-secret-password", role=Role.ADMIN
    )
    out = io.StringIO()
    assert ensure_demo_data(report_count=20, stdout=out) is True
    admin.refresh_from_db()
    assert admin.check_password("own-secret-password")
    assert not admin.check_password("admin-demo")
    assert "admin already exists" in out.getvalue()


# ---------------------------------------------------------------- IZS part of the demo


def test_izs_demo_tells_open_incidents_an_event_and_a_closed_level_iii(demo: dict[str, Any]) -> None:
    from straz.demo.incidents import DEMO_COMMANDERS, INCIDENT_DEMO_ACTION
    from straz.incidents import services
    from straz.incidents.choices import LEVEL_RANK, OPEN_STATES
    from straz.incidents.models import AlarmDeclaration, Incident, IncidentEvent, TimelineEntry
    from straz.notifications.models import OutboxMessage

    assert AuditEntry.objects.filter(action=INCIDENT_DEMO_ACTION).count() == 1
    commanders = []
    for username, *_ in DEMO_COMMANDERS:
        user = User.objects.get(username=username)
        assert user.role == Role.COMMANDER
        assert _logs_in(username, f"{username}{DEMO_PASSWORD_SUFFIX}")
        commanders.append(user)
    open_incidents = list(Incident.objects.filter(state__in=OPEN_STATES).select_related("current_command"))
    assert len(open_incidents) >= 5
    assert len({i.type_id for i in open_incidents}) >= 5
    assert {i.alarm_level for i in open_incidents} >= {"II", "III"}
    assert {i.state for i in open_incidents} == set(OPEN_STATES)
    assert all(i.current_command is not None for i in open_incidents)
    assert len({i.current_command.commander_name for i in open_incidents}) == len(open_incidents)
    # Each demo commander may write to exactly one open incident: the one they command.
    for user in commanders:
        writable = [i for i in open_incidents if services.can_write_incident(user, i)]
        assert len(writable) == 1 and writable[0].current_command.commander_user_id == user.pk
    # All of them lie in Plzeň; components on site and en route; zones and §6 messages.
    assert all(49.66 < i.lat < 49.81 and 13.26 < i.lon < 13.49 for i in open_incidents)
    deployments = [d for i in open_incidents for d in i.deployments.all()]
    assert any(d.arrived_at and not d.departed_at for d in deployments)
    assert any(d.arrived_at is None for d in deployments)
    assert any(d.departed_at for d in deployments)
    kinds = {f.kind for i in open_incidents for f in i.site_features.all()}
    assert {"danger_zone", "outer_zone", "sector", "section", "command_post"} <= kinds
    letters = set(
        TimelineEntry.objects.filter(incident__in=open_incidents, kind="message").values_list("letter", flat=True)
    )
    assert {"a", "c", "e", "f", "g", "i"} <= letters
    # The story happened over the last hours: times are spread, none in the future.
    times = list(TimelineEntry.objects.values_list("at", flat=True))
    assert max(times) <= timezone.now() and (max(times) - min(times)).total_seconds() > 3 * 3600
    # One event of two sites with priorities 1 and 2 and its own declared level (§20(3), §7 b).
    event = IncidentEvent.objects.filter(incidents__state__in=OPEN_STATES).distinct().get()
    assert sorted(event.incidents.values_list("priority", flat=True)) == [1, 2]
    assert event.alarm_level == "III" and event.declarations.exists()
    # A declaration below the proposal carries its written reason.
    lower = [d for d in AlarmDeclaration.objects.all() if LEVEL_RANK[d.level] < LEVEL_RANK[d.proposed_level]]
    assert lower and all(d.written_reason for d in lower)
    # The closed incident: level III declared, rescue ended, its report due within 14 days.
    told = AuditEntry.objects.get(action=INCIDENT_DEMO_ACTION).after["incidents"]
    closed = Incident.objects.get(pk=told["closed"][0], state="closed")
    assert closed.declarations.filter(level="III").exists()
    assert closed.rescue_ended_at is not None and closed.rescue_ended_at < timezone.now()
    assert closed.commands.count() == 2  # a handover to report (§3(8))
    from straz.incidents.reporting import report_requirement

    requirement = report_requirement(closed)
    assert requirement.required and not requirement.overdue
    assert requirement.due_at is not None and requirement.due_at > timezone.now()
    # III declarations notified the contacts of §23(2) and §13 f) through the outbox.
    assert set(OutboxMessage.objects.values_list("rule", flat=True)) == {"§23(2)", "§13 f)"}
    assert list(verify_chain()) == []


def test_izs_demo_is_added_once_to_a_demo_loaded_before_it(db: Any, monkeypatch: Any) -> None:
    from straz.demo import loader as demo_module
    from straz.incidents.models import Incident

    monkeypatch.setattr(demo_module, "ensure_incident_demo", lambda **kwargs: False)
    monkeypatch.setattr(demo_module, "ensure_incident_history", lambda **kwargs: False)
    assert ensure_demo_data(report_count=0) is True
    assert not Incident.objects.exists() and not User.objects.filter(role=Role.COMMANDER).exists()
    monkeypatch.undo()
    assert ensure_demo_data(report_count=0) is False
    counts = (Incident.objects.count(), User.objects.count(), AuditEntry.objects.count())
    assert counts[0] >= 6 and User.objects.filter(role=Role.COMMANDER).count() == 2
    assert ensure_demo_data(report_count=0) is False
    assert (Incident.objects.count(), User.objects.count(), AuditEntry.objects.count()) == counts


# ---------------------------------------------------------------- IZS history (§16(5) statistics)


def _history_ids() -> set[int]:
    from straz.demo.incidents import INCIDENT_DEMO_ACTION
    from straz.incidents.models import Incident

    told = AuditEntry.objects.get(action=INCIDENT_DEMO_ACTION).after["incidents"]
    story = set(told["open"]) | set(told["closed"])
    return set(Incident.objects.exclude(pk__in=story).values_list("pk", flat=True))


def test_izs_history_gives_the_statistics_two_years_of_closed_interventions(demo: dict[str, Any]) -> None:
    from datetime import timedelta

    from straz.analytics.izs.stats import IncidentStatisticsFilter, compute_statistics
    from straz.demo.incident_history import HISTORY_DEMO_ACTION
    from straz.incidents import reporting
    from straz.incidents.choices import LEVEL_RANK
    from straz.incidents.models import (
        AlarmDeclaration,
        ComponentDeployment,
        Incident,
        IncidentEvent,
        IncidentReport,
        TerritoryReport,
    )

    assert "IZS history:" in demo["stdout"]
    entry = AuditEntry.objects.get(action=HISTORY_DEMO_ACTION)
    ids = _history_ids()
    history = list(Incident.objects.filter(pk__in=ids).select_related("type", "current_command", "event"))
    assert 150 <= len(history) <= 250 and entry.after["incidents"] == len(history)
    now = timezone.now()
    assert all(i.state == "closed" and i.region_code == "CZ032" for i in history)
    assert all(49.66 < i.lat < 49.81 and 13.26 < i.lon < 13.49 for i in history)
    # Spread over the past 24 months, every rescue with a start before its end.
    starts = [i.rescue_started_at for i in history]
    assert all(s is not None for s in starts)
    assert min(starts) > now - timedelta(days=24 * 31) and max(i.rescue_ended_at for i in history) < now
    months = {timezone.localtime(s).strftime("%Y-%m") for s in starts}
    assert len(months) >= 20
    minutes = [(i.rescue_ended_at - i.rescue_started_at).total_seconds() / 60 for i in history]
    assert min(minutes) > 0 and max(minutes) > 12 * 60 and sorted(minutes)[len(minutes) // 2] < 8 * 60
    # Types weighted as in a region: road accidents first, then fires; many types in all.
    types = Counter(i.type.code for i in history)
    assert types.most_common(1)[0][0] == "mass-road-accident" and len(types) >= 8
    assert types["fire-many-persons"] > types["railway-accident"]
    # Floods come with the seasons (spring thaw, summer downpours), partly as events.
    floods = [i for i in history if i.type.code == "flood"]
    assert len(floods) >= 8
    assert sum(1 for i in floods if 3 <= timezone.localtime(i.rescue_started_at).month <= 8) >= 0.8 * len(floods)
    assert {i.event.name for i in floods if i.event is not None} and all(
        i.priority for i in floods if i.event is not None
    )
    # Levels mostly I–II, some III, rare special; the highest declared is the level kept.
    levels = Counter(i.alarm_level for i in history)
    assert levels["I"] + levels["II"] >= 0.75 * len(history)
    assert levels["III"] >= 5 and 1 <= levels["special"] <= 5
    for i in history:
        declared = [d.level for d in AlarmDeclaration.objects.filter(incident=i)]
        assert declared and max(declared, key=LEVEL_RANK.__getitem__) == i.alarm_level
    # A commander for each, components with forces and means.
    assert all(i.current_command is not None and i.current_command.commander_name for i in history)
    deployments = ComponentDeployment.objects.filter(incident__in=ids)
    assert set(deployments.values_list("incident", flat=True)) == ids
    assert all(d.people > 0 and d.arrived_at and d.departed_at for d in deployments)
    assert {"hzs", "zzs", "pcr", "jpo"} <= set(deployments.values_list("kind", flat=True))
    # §16(2)/(4): every required report is completed with its numbers, but for a couple still due.
    required = set(reporting.required_incidents(include_completed=True).filter(pk__in=ids).values_list("pk", flat=True))
    reports = IncidentReport.objects.filter(incident__in=required)
    done = [r for r in reports if r.status == "completed"]
    due = required - {r.incident_id for r in done}
    assert len(due) == 2 and len(done) == len(required) - 2 >= 10
    assert all(None not in (r.dead, r.injured, r.rescued, r.evacuated) and r.completed_at < now for r in done)
    assert sum(r.evacuated for r in done) > 0 and sum(r.injured for r in done) > 0
    for pk in due:
        req = reporting.report_requirement(Incident.objects.get(pk=pk))
        assert req.required and not req.overdue and req.due_at is not None and req.due_at > now
    summary = reporting.reports_due_summary()
    assert (summary.due, summary.overdue) == (3, 0)  # the two above and the story's warehouse fire
    # §16(3): the summer flood (III for a territory of eight sites) has its territory report
    # completed; the spring one (II) needs none; only the story's open flood event is due.
    floods = {e.name: e for e in IncidentEvent.objects.all()}
    summer = next(e for name, e in floods.items() if name.startswith("Letní"))
    spring = next(e for name, e in floods.items() if name.startswith("Jarní"))
    assert reporting.territory_requirement(summer).required
    assert TerritoryReport.objects.get(event=summer).status == "completed"
    assert not reporting.territory_requirement(spring).required
    assert [r.event.name for r in reporting.territory_reports_due()] == ["Povodeň Plzeň – Úslava a Radbuza"]
    # The statistics count them: consequences from the reports, durations in minutes.
    stats = compute_statistics(IncidentStatisticsFilter())
    assert stats.summary.closed >= len(history) and stats.summary.reported == len(done)
    assert stats.summary.with_duration >= len(history)
    assert list(verify_chain()) == []


def test_izs_history_is_added_once_to_a_demo_loaded_before_it(db: Any, monkeypatch: Any) -> None:
    from straz.demo import loader as demo_module
    from straz.demo.incident_history import HISTORY_DEMO_ACTION
    from straz.incidents.models import Incident

    monkeypatch.setattr(demo_module, "ensure_incident_history", lambda **kwargs: False)
    assert ensure_demo_data(report_count=0) is True
    story = Incident.objects.count()
    assert not AuditEntry.objects.filter(action=HISTORY_DEMO_ACTION).exists()
    monkeypatch.undo()
    out = io.StringIO()
    assert ensure_demo_data(report_count=0, stdout=out) is False
    assert "IZS history:" in out.getvalue()
    counts = (Incident.objects.count(), AuditEntry.objects.count())
    assert 150 <= counts[0] - story <= 250
    assert ensure_demo_data(report_count=0) is False
    assert (Incident.objects.count(), AuditEntry.objects.count()) == counts
    assert AuditEntry.objects.filter(action=HISTORY_DEMO_ACTION).count() == 1
    assert list(verify_chain()) == []


def test_the_demo_anchors_a_log_written_before_the_audit_key(db: Any) -> None:
    from django.core.management import call_command

    from tests.accounts.test_audit_key import _legacy_log

    _legacy_log(3)
    out = io.StringIO()
    call_command("demo", "--no-serve", "--reports", "0", stdout=out)
    assert "anchored by entry #4" in out.getvalue()
    assert list(verify_chain()) == []
    assert AuditEntry.objects.get(seq=4).action == "audit.rekeyed"


def test_a_demo_loaded_before_regions_were_areas_gets_its_region_and_orp(demo: dict[str, Any]) -> None:
    from straz.demo.territory import IZS_AREAS_ACTION

    Area.objects.filter(kind__in=[AreaKind.REGION, AreaKind.ORP]).delete()
    out = io.StringIO()
    assert ensure_demo_data(stdout=out) is False
    assert "added as areas" in out.getvalue()
    assert set(Area.objects.filter(kind__in=[AreaKind.REGION, AreaKind.ORP]).values_list("kind", "code")) == {
        (AreaKind.REGION, "CZ032"),
        (AreaKind.ORP, "3212"),
    }
    assert AuditEntry.objects.filter(action=IZS_AREAS_ACTION).count() == 1
    ensure_demo_data(stdout=io.StringIO())
    assert AuditEntry.objects.filter(action=IZS_AREAS_ACTION).count() == 1


def test_police_layer_has_a_real_shaped_sample(demo: dict[str, Any]) -> None:
    """Issue 9, item 8: the police-data layer of the demo map is not empty; the sample came
    through the importer (its audit entries), hidden types stay off the public map."""
    from straz.reports.models import CrimeRecord, CrimeType

    records = CrimeRecord.objects.all()
    assert records.count() >= 500
    assert CrimeType.objects.count() >= 20
    assert AuditEntry.objects.filter(action="crimemap.code_list_imported").exists()
    public = records.filter(is_public=True)
    assert 0 < public.count() < records.count()
    # Hidden types (sexual offences) never reach the public layer.
    assert not public.filter(primary_type_id__in=[21, 22]).exists()
    # Spread over the last year, mostly in the city.
    span = records.order_by("-occurred_at").first().occurred_at - records.order_by("occurred_at").first().occurred_at
    assert span.days > 300
    response = Client().get("/api/v1/map", {"layer": "police", "zoom": 12, "bbox": "13.25,49.66,13.50,49.81"})
    assert response.status_code == 200
    total = sum(f["properties"].get("count", 1) for f in response.json()["features"])
    assert total == public.count()
    assert "Police data" in demo["stdout"]


def test_demo_city_has_real_shaped_address_points(demo: dict[str, Any]) -> None:
    """Issue 10: the find-your-district page works out of the box: the RÚIAN-shaped sample
    came through the importer and a misspelled street finds its district and officer."""
    from straz.territory.models import AddressPoint

    assert AddressPoint.objects.count() > 700
    assert AuditEntry.objects.filter(action="territory.import_addresses").count() == 1
    assert "Address points:" in demo["stdout"]
    body = Client().get("/api/v1/addresses", {"q": "Amerikca 42"}).json()
    assert body[0]["label"] == "Americká 2244/42, Jižní Předměstí, 301 00 Plzeň"
    expected = route_point(lat=body[0]["lat"], lon=body[0]["lon"])
    assert expected is not None and expected.officer is not None
    assert body[0]["district"] == {"code": expected.district.code, "name": expected.district.name}
    assert body[0]["officer"]["name"] == expected.officer.name
    # A second run imports nothing again.
    ensure_demo_data(report_count=REPORTS)
    assert AuditEntry.objects.filter(action="territory.import_addresses").count() == 1
