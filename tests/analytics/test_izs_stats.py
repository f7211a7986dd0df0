"""Statistics of joint interventions (§16(5)): numbers against hand-built incidents, filters,
the CSV for Excel (shape, injection safety), the page, the JSON API, permissions, bad input."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from straz.accounts.models import User
from straz.analytics.izs import stats
from straz.incidents.models import (
    AlarmDeclaration,
    Incident,
    IncidentReport,
    IncidentType,
)
from straz.territory.models import AreaKind
from tests.conftest import make_area, square

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def _t(days: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, minutes=minutes)


def _incident(
    *,
    type_code: str = "flood",
    title: str = "Zásah",
    created: datetime,
    started: datetime | None = None,
    ended: datetime | None = None,
    state: str = "in_progress",
    levels: tuple[str, ...] = (),
    region: str = "CZ032",
    orp: str = "3212",
    lat: float = 49.75,
    lon: float = 13.35,
    report: dict[str, Any] | None = None,
) -> Incident:
    """An incident written straight to the database with exactly the given times."""
    incident = Incident.objects.create(
        type=IncidentType.objects.get(code=type_code),
        title=title,
        lat=lat,
        lon=lon,
        state=state,
        alarm_level=levels[-1] if levels else "",
        rescue_started_at=started,
        rescue_ended_at=ended,
        region_code=region,
        orp_code=orp,
        created_at=created,
        updated_at=created,
    )
    for i, level in enumerate(levels):
        AlarmDeclaration.objects.create(
            incident=incident,
            level=level,
            proposed_level=level,
            declared_by_label="OPIS",
            declared_at=created + timedelta(minutes=i + 1),
        )
    if report is not None:
        IncidentReport.objects.create(
            incident=incident, created_at=created, updated_at=created, **report
        )
    return incident


@pytest.fixture
def areas(db: Any) -> dict[str, Any]:
    """Municipality Plzeň (13.2–13.6 E, 49.6–50.0 N) with city district Plzeň 3 in it; Blovice apart."""
    return {
        "plzen": make_area(
            kind=AreaKind.MUNICIPALITY,
            code="554791",
            name="Plzeň",
            geometry=square(13.2, 49.6, 0.4),
        ),
        "blovice": make_area(
            kind=AreaKind.MUNICIPALITY,
            code="557587",
            name="Blovice",
            geometry=square(13.5, 49.5, 0.05),
        ),
        "plzen3": make_area(
            kind=AreaKind.CITY_DISTRICT,
            code="546003",
            name="Plzeň 3",
            geometry=square(13.3, 49.7, 0.1),
        ),
    }


@pytest.fixture
def scene(areas: dict[str, Any]) -> dict[str, Incident]:
    """Six incidents with known types, levels, months, areas, durations and report numbers."""
    return {
        # Flood in Plzeň 3, closed after 90 minutes, levels I → III → II: highest III.
        "flood_a": _incident(
            created=_t(0),
            started=_t(0, 10),
            ended=_t(0, 100),
            state="closed",
            levels=("I", "III", "II"),
            lat=49.75,
            lon=13.35,
            report={
                "status": "completed",
                "dead": 1,
                "injured": 4,
                "rescued": 10,
                "evacuated": 200,
            },
        ),
        # Flood in Plzeň outside the district, closed after 30 minutes, level II; a draft report.
        "flood_b": _incident(
            created=_t(1),
            started=_t(1),
            ended=_t(1, 30),
            state="closed",
            levels=("II",),
            lat=49.65,
            lon=13.25,
            report={"status": "draft", "dead": 7, "injured": 7},
        ),
        # Mass road accident in Blovice, open, no level; another ORP.
        "road": _incident(
            type_code="mass-road-accident",
            created=_t(2),
            started=_t(2, 5),
            state="liquidation",
            orp="3207",
            lat=49.52,
            lon=13.52,
        ),
        # Hazardous leak outside every known area, special level; reported but never started:
        # its start is the time it was reported (April).
        "leak": _incident(
            type_code="hazardous-substance-leak",
            created=_t(25),
            state="reported",
            levels=("special",),
            region="CZ020",
            orp="",
            lat=50.5,
            lon=14.5,
        ),
        # Reported 31 March 23:30 UTC = 1 April 01:30 in Prague: counts in April.
        "late_march": _incident(
            type_code="mass-road-accident",
            created=datetime(2026, 3, 31, 23, 30, tzinfo=UTC),
            started=datetime(2026, 3, 31, 23, 30, tzinfo=UTC),
            ended=datetime(2026, 4, 1, 1, 30, tzinfo=UTC),
            state="closed",
            levels=("I",),
            lat=49.72,
            lon=13.31,
            report={
                "status": "completed",
                "dead": None,
                "injured": 2,
                "rescued": None,
                "evacuated": None,
            },
        ),
        # Created in February, rescue work started only in March: the start decides (March).
        "slow_start": _incident(
            created=datetime(2026, 2, 27, 12, 0, tzinfo=UTC),
            started=_t(3),
            state="in_progress",
            lat=49.62,
            lon=13.22,
        ),
    }


def _rows(rows: list[stats.Breakdown]) -> dict[str, int]:
    return {r.key: r.incidents for r in rows}


def test_counts_by_type_level_month_and_area_match_the_hand_built_incidents(
    scene: dict[str, Incident],
) -> None:
    result = stats.compute_statistics(stats.IncidentStatisticsFilter())
    s = result.summary
    assert (s.incidents, s.open, s.closed) == (6, 3, 3)
    assert s.by_level == {"I": 1, "II": 1, "III": 1, "special": 1, "none": 2}
    types = _rows(result.tables["types"])
    assert types["flood"] == 3
    assert types["mass-road-accident"] == 2
    assert types["hazardous-substance-leak"] == 1
    # Every active type is listed, also those without an incident.
    assert len(types) == IncidentType.objects.filter(is_active=True).count()
    assert sum(types.values()) == 6
    assert _rows(result.tables["levels"]) == {"I": 1, "II": 1, "III": 1, "special": 1, "none": 2}
    assert [(r.key, r.incidents) for r in result.tables["months"]] == [
        ("2026-03", 4),
        ("2026-04", 2),
    ]
    assert _rows(result.tables["regions"]) == {"CZ032": 5, "CZ020": 1}
    assert _rows(result.tables["orps"]) == {"3212": 4, "3207": 1, "": 1}
    assert _rows(result.tables["municipalities"]) == {"554791": 4, "557587": 1, "": 1}
    assert _rows(result.tables["city-districts"]) == {"546003": 2, "": 4}
    flood = next(r for r in result.tables["types"] if r.key == "flood")
    assert flood.by_level == {"I": 0, "II": 1, "III": 1, "special": 0, "none": 1}


def test_rescue_durations_count_closed_incidents_only(scene: dict[str, Incident]) -> None:
    result = stats.compute_statistics(stats.IncidentStatisticsFilter())
    s = result.summary
    # 90 (flood_a), 30 (flood_b), 120 (late_march); the open ones have no duration.
    assert s.with_duration == 3
    assert s.rescue_minutes_total == 240
    assert s.rescue_minutes_median == 90
    assert s.rescue_median_hm == "1:30"
    assert s.rescue_total_hm == "4:00"
    flood = next(r for r in result.tables["types"] if r.key == "flood")
    assert (flood.with_duration, flood.rescue_minutes_total, flood.rescue_minutes_median) == (
        2,
        120,
        60,
    )
    leak = next(r for r in result.tables["types"] if r.key == "hazardous-substance-leak")
    assert (leak.with_duration, leak.rescue_minutes_median, leak.rescue_median_hm) == (0, None, "")


def test_consequences_come_from_completed_reports_only(scene: dict[str, Incident]) -> None:
    s = stats.compute_statistics(stats.IncidentStatisticsFilter()).summary
    # flood_b's draft (7 dead) does not count; an empty number in a completed report is 0.
    assert (s.reported, s.dead, s.injured, s.rescued, s.evacuated) == (2, 1, 6, 10, 200)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"type_code": "flood"}, {"flood_a", "flood_b", "slow_start"}),
        ({"level": "III"}, {"flood_a"}),
        ({"level": "none"}, {"road", "slow_start"}),
        ({"region": "CZ020"}, {"leak"}),
        ({"orp": "3207"}, {"road"}),
        ({"municipality": "554791"}, {"flood_a", "flood_b", "late_march", "slow_start"}),
        ({"city_district": "546003"}, {"flood_a", "late_march"}),
        ({"date_from": date(2026, 4, 1)}, {"leak", "late_march"}),
        ({"date_to": date(2026, 3, 31)}, {"flood_a", "flood_b", "road", "slow_start"}),
        ({"date_from": date(2026, 3, 11), "date_to": date(2026, 3, 12)}, {"flood_b", "road"}),
        ({"date_from": date(2026, 2, 1), "date_to": date(2026, 2, 28)}, set()),
        ({"type_code": "mass-road-accident", "city_district": "546003"}, {"late_march"}),
        ({"type_code": "flood", "level": "II", "municipality": "554791"}, {"flood_b"}),
    ],
)
def test_filters_select_exactly_the_matching_incidents(
    scene: dict[str, Incident], filters: dict[str, Any], expected: set[str]
) -> None:
    result = stats.compute_statistics(stats.IncidentStatisticsFilter(**filters))
    ids = {r.id for r in result.records}
    assert ids == {scene[name].pk for name in expected}
    assert result.summary.incidents == len(expected)
    # Every table adds up to the same total.
    for table in stats.TABLES:
        assert sum(r.incidents for r in result.tables[table]) == len(expected), table


def test_the_month_table_has_every_month_of_the_period_also_empty_ones(
    scene: dict[str, Incident],
) -> None:
    result = stats.compute_statistics(
        stats.IncidentStatisticsFilter(date_from=date(2026, 1, 15), date_to=date(2026, 5, 2))
    )
    assert [(r.key, r.incidents) for r in result.tables["months"]] == [
        ("2026-01", 0),
        ("2026-02", 0),
        ("2026-03", 4),
        ("2026-04", 2),
        ("2026-05", 0),
    ]


def test_incidents_recorded_through_the_services_are_counted(
    make_incident: Any, dispatcher: User
) -> None:
    from straz.incidents import services

    incident = make_incident()
    services.declare_alarm_level(user=dispatcher, incident_id=incident.pk, level="III")
    services.change_state(user=dispatcher, incident_id=incident.pk, target="in_progress")
    services.change_state(user=dispatcher, incident_id=incident.pk, target="closed")
    other = make_incident(type="flood", orp_code="3207")
    result = stats.compute_statistics(stats.IncidentStatisticsFilter())
    assert result.summary.incidents == 2
    assert result.summary.closed == 1
    assert result.summary.with_duration == 1
    assert _rows(result.tables["levels"])["III"] == 1
    assert _rows(result.tables["levels"])["none"] == 1
    level_none = stats.compute_statistics(stats.IncidentStatisticsFilter(level="none"))
    assert [r.id for r in level_none.records] == [other.pk]


# ---------------------------------------------------------------- CSV


def _csv(response: Any) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff"), "UTF-8 with BOM, so that Excel reads the letters right"
    assert "\r\n" in body
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_table_csv_has_the_header_and_one_line_per_row(
    scene: dict[str, Incident], client_for: Callable[[User], Client], dispatcher: User
) -> None:
    client = client_for(dispatcher)
    response = client.get("/operations/statistics/types.csv", {"level": "III"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = _csv(response)
    # People read the headings in their language (issue 9); the columns are table_header().
    with translation.override("cs"):
        assert rows[0] == stats.header_labels(stats.table_header())
    assert rows[0] != stats.table_header()  # not the machine names
    rows[0] = stats.table_header()
    assert len(rows) == 1 + IncidentType.objects.filter(is_active=True).count()
    assert all(len(row) == len(rows[0]) for row in rows)
    flood = next(row for row in rows if row[0] == "flood")
    record = dict(zip(rows[0], flood, strict=True))
    assert record["incidents"] == "1"
    assert record["level_III"] == "1"
    assert record["rescue_minutes_median"] == "90"
    assert (record["dead"], record["evacuated"]) == ("1", "200")

    months = _csv(client.get("/operations/statistics/months.csv"))
    assert [row[:3] for row in months[1:]] == [
        ["2026-03", "2026-03", "4"],
        ["2026-04", "2026-04", "2"],
    ]


def test_incidents_csv_lists_each_counted_incident(
    scene: dict[str, Incident], client_for: Callable[[User], Client], dispatcher: User
) -> None:
    rows = _csv(
        client_for(dispatcher).get(
            "/operations/statistics/incidents.csv", {"city_district": "546003"}
        )
    )
    with translation.override("cs"):
        assert rows[0] == stats.header_labels(stats.incidents_header())
    rows[0] = stats.incidents_header()
    by_id = {int(row[0]): dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {scene["flood_a"].pk, scene["late_march"].pk}
    late = by_id[scene["late_march"].pk]
    assert late["start"] == "2026-04-01T01:30:00+02:00"  # local time, with its offset
    assert late["rescue_minutes"] == "120"
    assert (late["municipality"], late["city_district"]) == ("Plzeň", "Plzeň 3")
    assert (late["dead"], late["injured"]) == ("0", "2")
    assert by_id[scene["flood_a"].pk]["highest_level"] == "III"


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x.example","a")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "  =1", "＝1"],
)
def test_csv_cells_never_start_a_formula(
    areas: dict[str, Any], client_for: Callable[[User], Client], dispatcher: User, text: str
) -> None:
    IncidentType.objects.filter(code="flood").update(name_cs=text)
    _incident(title=text, created=_t(0), region=text[:20], lat=49.75, lon=13.35)
    client = client_for(dispatcher)
    incidents = _csv(client.get("/operations/statistics/incidents.csv"))
    record = dict(zip(stats.incidents_header(), incidents[1], strict=True))
    for column in ("title", "type_label", "region"):
        assert record[column].startswith("'"), (column, record[column])
        assert record[column][1:] == (text if column != "region" else text[:20])
    types = _csv(client.get("/operations/statistics/types.csv"))
    flood = next(row for row in types if row[0] == "flood")
    assert flood[1] == "'" + text


def test_spreadsheet_safe_leaves_plain_text_and_numbers_alone() -> None:
    assert stats.spreadsheet_safe("Plzeň 3") == "Plzeň 3"
    assert stats.spreadsheet_safe(42) == 42
    assert stats.spreadsheet_safe(None) == ""
    assert stats.spreadsheet_safe("a=b") == "a=b"


# ---------------------------------------------------------------- page and API


def test_page_shows_tables_with_bars(
    scene: dict[str, Incident], client_for: Callable[[User], Client], dispatcher: User
) -> None:
    response = client_for(dispatcher).get("/operations/statistics/", {"municipality": "554791"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="stat-incidents" data-value="4"' in html
    for table in stats.TABLES:
        assert f'id="table-{table}"' in html
    # The busiest type has the full bar; bars are plain CSS, no script or image needed.
    assert 'style="width:100%"' in html
    assert "/operations/statistics/incidents.csv?municipality=554791" in html
    assert "no-store" in response["Cache-Control"]


def test_api_returns_the_same_numbers(
    scene: dict[str, Incident], api_as: Callable[[User | None], Any], dispatcher: User
) -> None:
    response = api_as(dispatcher).get(
        "/incidents/statistics", type="flood", **{"from": "2026-03-01"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["filters"] == {"type": "flood", "from": "2026-03-01"}
    assert body["summary"]["incidents"] == 3
    assert body["summary"]["by_level"] == {"I": 0, "II": 1, "III": 1, "special": 0, "none": 1}
    assert body["summary"]["rescue_minutes_median"] == 60
    assert body["summary"]["dead"] == 1
    assert [(r["key"], r["incidents"]) for r in body["by_month"]] == [("2026-03", 3)]
    assert {r["key"]: r["incidents"] for r in body["by_city_district"]} == {"546003": 1, "": 2}


def test_every_active_staff_member_may_read(
    scene: dict[str, Incident], client_for: Callable[[User], Client], officer: User, analyst: User
) -> None:
    for user in (officer, analyst):
        response = client_for(user).get("/operations/statistics/")
        assert response.status_code == 200
        html = response.content.decode()
        # The same figures for every reader: every incident of the scene, every table.
        assert f'id="stat-incidents" data-value="{len(scene)}"' in html
        for table in stats.TABLES:
            assert f'id="table-{table}"' in html


def test_anonymous_and_deactivated_users_are_refused(
    scene: dict[str, Incident],
    citizen: Client,
    api_as: Callable[[User | None], Any],
    dispatcher: User,
    token_for: Callable[[User], str],
) -> None:
    for url in (
        "/operations/statistics/",
        "/operations/statistics/types.csv",
        "/operations/statistics/incidents.csv",
    ):
        response = citizen.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    assert api_as(None).get("/incidents/statistics").status_code == 401
    token = token_for(dispatcher)
    dispatcher.is_active = False
    dispatcher.save()
    response = Client().get("/api/v1/incidents/statistics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code in (401, 403)
    assert b'"incidents"' not in response.content


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"from": "1900-01-01"}, "from"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to"),
        ({"type": "no-such-type"}, "type"),
        ({"level": "IV"}, "level"),
        ({"region": "<script>"}, "region"),
        ({"orp": "x" * 21}, "orp"),
        ({"municipality": "999999"}, "municipality"),
        ({"city_district": "' OR 1=1"}, "city_district"),
    ],
)
def test_bad_filters_get_a_translated_4xx(
    scene: dict[str, Incident],
    client_for: Callable[[User], Client],
    api_as: Callable[[User | None], Any],
    dispatcher: User,
    params: dict[str, str],
    field: str,
) -> None:
    client = client_for(dispatcher)
    page = client.get("/operations/statistics/", params, HTTP_ACCEPT_LANGUAGE="cs")
    assert page.status_code == 400
    assert 'class="errorlist' in page.content.decode()
    for language in ("cs", "pl"):
        csv_response = client.get(
            "/operations/statistics/types.csv", params, HTTP_ACCEPT_LANGUAGE=language
        )
        assert csv_response.status_code == 400
        assert csv_response["Content-Type"].startswith("text/plain")
        text = csv_response.content.decode()
        assert text.startswith("Neplatný filtr" if language == "cs" else "Nieprawidłowy filtr"), (
            text
        )
    api = api_as(dispatcher)
    response = api.client.get(
        "/api/v1/incidents/statistics",
        params,
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
        HTTP_ACCEPT_LANGUAGE="pl",
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Nieprawidłowy filtr")


def test_an_unknown_table_is_not_found(
    client_for: Callable[[User], Client], dispatcher: User
) -> None:
    assert client_for(dispatcher).get("/operations/statistics/secrets.csv").status_code == 404
