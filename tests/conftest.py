"""Shared fixtures named after the people who use Straz: citizen, officer, supervisor…"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from straz.accounts.models import Role, User

# CI sets these so that a missing PostgreSQL or browser fails loudly instead of skipping.
REQUIRE_BROWSER = os.environ.get("STRAZ_REQUIRE_BROWSER") == "1"
CHROMIUM = os.environ.get("STRAZ_CHROMIUM", "/usr/bin/chromium")


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    """A GeoJSON square polygon with its south-west corner at (lon, lat)."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_area(*, kind: str, code: str, name: str, geometry: dict[str, Any], population: int | None = None) -> Any:
    """Create an Area with its bounding box filled in from the geometry."""
    from straz.territory.models import Area

    ring = geometry["coordinates"][0]
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return Area.objects.create(
        kind=kind, code=code, name=name, geometry=geometry, population=population,
        min_lon=min(lons), max_lon=max(lons), min_lat=min(lats), max_lat=max(lats),
    )


@pytest.fixture
def district_a(db: Any) -> Any:
    """Police district A: a square in Plzeň around (13.37, 49.74)."""
    from straz.territory.models import Officer

    area = make_area(kind="police-district", code="PD-A", name="Obvod A", geometry=square(13.35, 49.72, 0.04), population=40000)
    officer = Officer.objects.create(name="npor. Jana Nováková", phone="+420 974 000 001", email="a@policie.example")
    officer.districts.add(area)
    area.primary_officer = officer
    area.save()
    return area


@pytest.fixture
def district_b(db: Any) -> Any:
    """Police district B, east of A and not touching it."""
    return make_area(kind="police-district", code="PD-B", name="Obvod B", geometry=square(13.45, 49.72, 0.04), population=30000)


@pytest.fixture
def categories(db: Any) -> dict[str, Any]:
    """Three categories: ordinary, public only once confirmed, and with approximated location."""
    from straz.reports.models import Category

    return {
        "dump": Category.objects.create(code="illegal-dump", name_cs="Černá skládka", name_pl="Dzikie wysypisko śmieci", name_en="Illegal dump"),
        "venue": Category.objects.create(code="dangerous-venue", name_cs="Nebezpečný podnik", name_pl="Miejsce niebezpiecznej działalności rozrywkowej", name_en="Dangerous entertainment venue", public_only_when_confirmed=True),
        "drugs": Category.objects.create(code="drug-use", name_cs="Užívání drog", name_pl="Używanie środków odurzających", name_en="Drug use", public_location_approximated=True),
    }


def _user(username: str, role: str, districts: list[Any] | None = None, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password=f"{username}-pass", role=role, **extra)
    if districts:
        user.districts.set(districts)
    return user


@pytest.fixture
def officer(district_a: Any) -> User:
    """An officer scoped to district A, linked to its officer profile."""
    user = _user("officer", Role.OFFICER, [district_a])
    profile = district_a.primary_officer
    profile.user = user
    profile.save()
    return user


@pytest.fixture
def officer_b(district_b: Any) -> User:
    """An officer scoped to district B only."""
    return _user("officer_b", Role.OFFICER, [district_b])


@pytest.fixture
def supervisor(district_a: Any) -> User:
    return _user("supervisor", Role.SUPERVISOR, [district_a])


@pytest.fixture
def dispatcher(db: Any) -> User:
    return _user("dispatcher", Role.DISPATCHER)


@pytest.fixture
def analyst(db: Any) -> User:
    return _user("analyst", Role.ANALYST)


@pytest.fixture
def manager(db: Any) -> User:
    return _user("manager", Role.MANAGER)


@pytest.fixture
def admin_user(db: Any) -> User:
    return _user("admin", Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def citizen() -> Client:
    """An anonymous visitor's browser-like client (no account)."""
    return Client(REMOTE_ADDR="198.51.100.23")


@pytest.fixture(autouse=True)
def _second_factor_not_required(settings: Any) -> None:
    """Staff log in with force_login here; the second-factor tests turn it on (ADR 0024)."""
    settings.STRAZ_REQUIRE_2FA = False


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    """A logged-in client for a staff user."""

    def make(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def token_for(db: Any) -> Callable[[User], str]:
    """A raw API token for a staff user."""
    from straz.accounts.auth import issue_token

    return lambda user: issue_token(user=user, name="test")


@pytest.fixture
def chromium_path() -> str:
    """Path of Debian's Chromium; fails under CI (STRAZ_REQUIRE_BROWSER=1) when missing."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if REQUIRE_BROWSER:
            pytest.fail(f"Chromium not found at {CHROMIUM} but browser tests are required")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture(scope="session", autouse=True)
def _expected_database(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """CI names the database it means to test (STRAZ_EXPECT_DB); anything else fails.

    At the end of the session, on PostgreSQL, it waits for the sessions that in-process
    live servers left behind: a request thread closes its database connection only when
    the browser closes its keep-alive socket, which can race with DROP DATABASE.
    """
    from django.db import connection

    expected = os.environ.get("STRAZ_EXPECT_DB")
    if expected and connection.vendor != expected:
        pytest.fail(f"tests were meant to run on {expected} but run on {connection.vendor}")
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock():
            _wait_for_other_sessions_to_leave(connection)


def _wait_for_other_sessions_to_leave(connection: Any, timeout: float = 10.0) -> None:
    """Wait until this process is the test database's only client, then end stragglers."""
    others = (
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(f"SELECT count(*) {others}")
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)
        # Threads of an abandoned keep-alive connection never end on their own.
        cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")


@pytest.fixture
def commander(db: Any) -> User:
    """An incident commander (velitel zásahu): writes only to the incidents they command."""
    return _user("commander", Role.COMMANDER, first_name="Petr", last_name="Velitel")


@pytest.fixture
def commander_b(db: Any) -> User:
    """A second incident commander, e.g. the one who takes over command."""
    return _user("commander_b", Role.COMMANDER, first_name="Eva", last_name="Nástupcová")
