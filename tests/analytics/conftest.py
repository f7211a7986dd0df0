"""A small, known threat-map data set for the statistics tests, built with the ORM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from straz.reports.models import Attachment, Report
from straz.reports.rules import Status, h3_int, public_location, public_visibility
from tests.incidents.incident_fixtures import (  # noqa: F401 (fixtures of the IZS statistics tests)
    api_as,
    contacts,
    make_incident,
)

READ_DAYS = settings.STRAZ["READ_DEADLINE_DAYS"]
VERIFY_DAYS = settings.STRAZ["VERIFY_DEADLINE_DAYS"]


@dataclass
class Spec:
    """One report of the data set, with what the test expects to be counted."""

    name: str
    category: str  # key of the `categories` fixture
    district: str | None  # "A", "B" or None
    status: Status
    created: datetime
    read_after_h: float | None = None
    verified_after_h: float | None = None
    duplicate_of: str | None = None


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_report(
    *,
    category: Any,
    district: Any,
    status: Status,
    created: datetime,
    read_after_h: float | None = None,
    verified_after_h: float | None = None,
    duplicate_of: Any = None,
    n: int = 0,
    now: datetime | None = None,
) -> Report:
    """A report with public fields filled the way the rules say (location, visibility)."""
    now = now or timezone.now()
    if district is not None:
        lat = district.min_lat + 0.01 + 0.001 * n
        lon = district.min_lon + 0.01 + 0.0013 * n
    else:
        lat, lon = 50.2 + 0.001 * n, 14.1
    plat, plon = public_location(
        lat,
        lon,
        approximate=category.public_location_approximated,
        resolution=settings.STRAZ["APPROXIMATE_RESOLUTION"],
    )
    read_at = created + timedelta(hours=read_after_h) if read_after_h is not None else None
    verified_at = (
        created + timedelta(hours=verified_after_h) if verified_after_h is not None else None
    )
    updated = max(t for t in (created, read_at, verified_at) if t is not None)
    visibility = public_visibility(
        status=status,
        last_change=updated,
        now=now,
        only_when_confirmed=category.public_only_when_confirmed,
        is_duplicate=duplicate_of is not None,
        retention_days=settings.STRAZ["PUBLIC_RETENTION_DAYS"],
    )
    report = Report.objects.create(
        category=category,
        status=status.value,
        lat=lat,
        lon=lon,
        public_lat=plat,
        public_lon=plon,
        h3_r9=h3_int(lat, lon, 9),
        description=f"SECRET-DESC-{n}",
        address_text=f'=HYPERLINK("x") street {n}',
        created_at=created,
        updated_at=updated,
        read_at=read_at,
        verified_at=verified_at,
        read_due_at=None if duplicate_of else created + timedelta(days=READ_DAYS),
        verify_due_at=None if duplicate_of else created + timedelta(days=VERIFY_DAYS),
        occurred_at=created - timedelta(hours=3),
        district=district,
        reporter_ip=f"203.0.113.{n}",
        reporter_key=f"KEYHASH{n:04d}",
        duplicate_of=duplicate_of,
        is_public=visibility.public,
        public_until=visibility.until,
    )
    Attachment.objects.create(
        report=report,
        path=f"att/{n}.jpg",
        content_type="image/jpeg",
        size=10,
        sha256="0" * 64,
        created_at=created,
    )
    if duplicate_of is not None:
        Report.objects.filter(pk=duplicate_of.pk).update(
            duplicate_count=duplicate_of.duplicate_count + 1
        )
    return report


def dataset_specs(now: datetime) -> list[Spec]:
    """The known data set: both districts, all three kinds of category, every status."""
    return [
        Spec("r1", "dump", "A", Status.NEW, utc(2026, 1, 10, 10)),
        Spec("r2", "dump", "A", Status.VERIFICATION, utc(2026, 1, 20, 10), read_after_h=5),
        # 23:30 UTC on 31 January is 00:30 on 1 February in Prague: a February report.
        Spec(
            "r3",
            "dump",
            "A",
            Status.CONFIRMED,
            utc(2026, 1, 31, 23, 30),
            read_after_h=30,
            verified_after_h=100,
        ),
        Spec(
            "r4",
            "dump",
            "B",
            Status.NOT_CONFIRMED,
            utc(2026, 2, 5, 8),
            read_after_h=60,
            verified_after_h=130,
        ),
        Spec(
            "r5",
            "drugs",
            "B",
            Status.ELIMINATED,
            utc(2026, 2, 10, 9),
            read_after_h=1,
            verified_after_h=20,
        ),
        Spec(
            "r6",
            "drugs",
            "A",
            Status.PASSED_ON,
            utc(2026, 3, 2, 9),
            read_after_h=2,
            verified_after_h=50,
        ),
        Spec("r7", "venue", "A", Status.NEW, utc(2026, 3, 3, 9)),  # confirmed-only: hidden
        Spec(
            "r8",
            "venue",
            "B",
            Status.CONFIRMED,
            utc(2026, 3, 4, 9),
            read_after_h=10,
            verified_after_h=40,
        ),
        Spec("r9", "dump", "A", Status.NEW, utc(2026, 2, 2, 9), duplicate_of="r3"),
        Spec("r10", "dump", None, Status.NEW, utc(2026, 3, 5, 9)),
        Spec("r11", "dump", "B", Status.VERIFICATION, utc(2026, 3, 6, 9), read_after_h=3),
        # Recent: not confirmed yesterday, still on the public map; read late, verified on time.
        Spec(
            "r12",
            "dump",
            "A",
            Status.NOT_CONFIRMED,
            now - timedelta(hours=72),
            read_after_h=49,
            verified_after_h=50,
        ),
        # Arrived an hour ago: no deadline can be judged yet.
        Spec("r13", "drugs", "B", Status.NEW, now - timedelta(hours=1)),
    ]


@dataclass
class Dataset:
    specs: list[Spec]
    reports: dict[str, Report]
    districts: dict[str, Any]
    categories: dict[str, Any]
    now: datetime


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def dataset(district_a: Any, district_b: Any, categories: dict[str, Any]) -> Dataset:
    """The reports of dataset_specs(), created in order."""
    now = timezone.now()
    districts = {"A": district_a, "B": district_b}
    reports: dict[str, Report] = {}
    for n, spec in enumerate(dataset_specs(now), start=1):
        reports[spec.name] = make_report(
            category=categories[spec.category],
            district=districts.get(spec.district) if spec.district else None,
            status=spec.status,
            created=spec.created,
            read_after_h=spec.read_after_h,
            verified_after_h=spec.verified_after_h,
            duplicate_of=reports[spec.duplicate_of] if spec.duplicate_of else None,
            n=n,
            now=now,
        )
    return Dataset(dataset_specs(now), reports, districts, categories, now)
