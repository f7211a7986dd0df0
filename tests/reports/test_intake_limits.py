"""Abuse limits, idempotent retries and near-duplicate linking of citizen reports."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone, translation

from straz.core.errors import RateLimited, ValidationFailed
from straz.reports import intake
from straz.reports.models import IdempotencyRecord, Report
from tests.reports.reportkit import IN_A, counts, submit


@pytest.fixture
def served(district_a: Any, categories: dict[str, Any], tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _spread(i: int) -> dict[str, float]:
    # ~1.1 km apart, so that consecutive reports are not near-duplicates.
    return {"lat": 49.725 + (i % 4) * 0.01, "lon": 13.355 + (i // 4) * 0.01}


# ---------------------------------------------------------------- rate limits


@pytest.mark.django_db
def test_second_report_from_one_address_within_a_day_is_refused(served: None) -> None:
    submit(client_ip="203.0.113.5")
    before = counts()
    with translation.override("en"), pytest.raises(RateLimited) as exc:
        submit(client_ip="203.0.113.5", **_spread(5))
    assert exc.value.status == 429
    assert "one report a day" in exc.value.message
    assert 0 < exc.value.retry_after <= 24 * 3600 + 1
    assert exc.value.headers()["Retry-After"] == str(exc.value.retry_after)
    assert counts() == before
    # Another address is not affected.
    submit(client_ip="203.0.113.6", **_spread(6))


@pytest.mark.django_db
def test_limit_resets_after_24_hours(served: None) -> None:
    first = submit(client_ip="203.0.113.5")
    Report.objects.filter(pk=first.report_id).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    submit(client_ip="203.0.113.5", **_spread(3))


@pytest.mark.django_db
def test_ipv6_addresses_share_the_limit_of_their_64(served: None) -> None:
    submit(client_ip="2001:db8:1:2::1")
    with pytest.raises(RateLimited):
        submit(client_ip="2001:db8:1:2:ffff:ffff:ffff:fffe", **_spread(1))
    # A different /64 is a different client.
    submit(client_ip="2001:db8:1:3::1", **_spread(2))


@pytest.mark.django_db
def test_ipv4_mapped_ipv6_counts_as_the_ipv4_address(served: None) -> None:
    submit(client_ip="203.0.113.9")
    with pytest.raises(RateLimited):
        submit(client_ip="::ffff:203.0.113.9", **_spread(1))


@pytest.mark.django_db
def test_carrier_grade_nat_gets_its_own_higher_limit(served: None, settings: Any) -> None:
    settings.STRAZ = {
        **settings.STRAZ,
        "REPORTS_PER_SHARED_IP_PER_DAY": 3,
        "SHARED_IP_RANGES": ["100.64.0.0/10"],
    }
    for i in range(3):
        submit(client_ip="100.64.12.34", **_spread(i))
    with translation.override("en"), pytest.raises(RateLimited) as exc:
        submit(client_ip="100.64.12.34", **_spread(4))
    assert "3 reports a day" in exc.value.message
    assert Report.objects.count() == 3


def test_client_key_is_keyed_and_reveals_no_address(settings: Any) -> None:
    key = intake.client_key("203.0.113.5")
    # A hex digest may contain "203" by chance; the address itself, in any usual
    # spelling, must not be there (nor a plain hash of it).
    import hashlib

    assert len(key.key) == 64 and int(key.key, 16) >= 0
    for spelling in ("203.0.113.5", "203000113005", "cb007105"):
        assert spelling not in key.key
    assert key.key != hashlib.sha256(b"203.0.113.5").hexdigest()
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert intake.client_key("203.0.113.5").key != key.key
    assert intake.client_key("100.64.0.1").shared and not intake.client_key("100.128.0.1").shared


@pytest.mark.parametrize(
    "proxies,remote,xff,expected",
    [
        (0, "198.51.100.1", "1.2.3.4", "198.51.100.1"),
        (1, "10.0.0.1", "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        (2, "10.0.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "10.0.0.1", "", "10.0.0.1"),
        (1, "10.0.0.1", "not-an-ip", "10.0.0.1"),
        (0, "::ffff:198.51.100.3", "", "198.51.100.3"),
        # A client reaching the app port directly: its X-Forwarded-For is ignored (ADR 0027).
        (1, "198.51.100.9", "203.0.113.7", "198.51.100.9"),
        (2, "198.51.100.9", "6.6.6.6, 203.0.113.7, 10.0.0.2", "198.51.100.9"),
        # The second hop is not one of our proxies: it is the client, whatever lies left of it.
        (2, "10.0.0.1", "6.6.6.6, 203.0.113.7, 198.51.100.5", "198.51.100.5"),
        (1, "::ffff:10.0.0.1", "203.0.113.8", "203.0.113.8"),
    ],
)
def test_client_ip_honours_only_trusted_proxies(
    settings: Any, proxies: int, remote: str, xff: str, expected: str
) -> None:
    settings.STRAZ = {
        **settings.STRAZ,
        "TRUSTED_PROXY_COUNT": proxies,
        "TRUSTED_PROXIES": ["10.0.0.0/24"],
    }
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=xff)
    assert intake.client_ip(request) == expected


# Shared-cache in-memory SQLite (the test database) locks tables without a busy timeout;
# the real (file) database serialises writers with BEGIN IMMEDIATE. PostgreSQL runs this,
# and tests/test_durability.py posts concurrently to a file SQLite database.
@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="concurrency needs a file or server database",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_cannot_slip_past_the_limit(served: None) -> None:
    results: list[str] = []
    barrier = threading.Barrier(4)

    def post(i: int) -> None:
        try:
            barrier.wait()
            submit(client_ip="203.0.113.99", **_spread(i))
            results.append("ok")
        except RateLimited:
            results.append("limited")
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["limited", "limited", "limited", "ok"]
    assert Report.objects.count() == 1


# ---------------------------------------------------------------- idempotency


@pytest.mark.django_db
def test_retry_with_same_key_replays_the_same_report(served: None) -> None:
    first = submit(idempotency_key="retry-1", description="hello")
    before = counts()
    again = submit(idempotency_key="retry-1", description="hello")
    assert (
        again.replayed and again.report_id == first.report_id and again.response == first.response
    )
    assert counts() == before  # no new report, and the retry did not hit the rate limit


@pytest.mark.django_db
def test_same_key_with_a_different_body_is_refused(served: None) -> None:
    submit(idempotency_key="retry-2", description="hello")
    before = counts()
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        submit(idempotency_key="retry-2", description="something else")
    assert "Idempotency-Key" in exc.value.message
    assert counts() == before


@pytest.mark.django_db
def test_keys_are_scoped_per_client(served: None) -> None:
    a = submit(idempotency_key="k", client_ip="203.0.113.1")
    b = submit(idempotency_key="k", client_ip="203.0.113.2", **_spread(7))
    assert a.report_id != b.report_id
    assert IdempotencyRecord.objects.count() == 2


# ---------------------------------------------------------------- duplicates


@pytest.mark.django_db
def test_near_duplicate_is_linked_to_the_open_report(served: None) -> None:
    first = submit(client_ip="203.0.113.1")
    # ~50 m away, same category, different reporter.
    second = submit(client_ip="203.0.113.2", lat=IN_A[0] + 0.00045, lon=IN_A[1])
    primary = Report.objects.get(pk=first.report_id)
    dup = Report.objects.get(pk=second.report_id)
    assert dup.duplicate_of_id == primary.pk and primary.duplicate_count == 1
    assert not dup.is_public and primary.is_public
    assert second.response["duplicate_of"] == primary.pk
    assert second.response["public_url"].endswith(f"/{primary.pk}/")
    third = submit(client_ip="203.0.113.3", lat=IN_A[0], lon=IN_A[1] + 0.0005)
    primary.refresh_from_db()
    assert primary.duplicate_count == 2
    assert Report.objects.get(pk=third.report_id).duplicate_of_id == primary.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    ["far", "other-category", "old", "closed"],
)
def test_not_a_duplicate(served: None, change: str) -> None:
    first = submit(client_ip="203.0.113.1")
    kwargs: dict[str, Any] = {"client_ip": "203.0.113.2"}
    if change == "far":
        kwargs["lat"] = IN_A[0] + 0.003  # ~330 m
    elif change == "other-category":
        kwargs["category_code"] = "drug-use"
    elif change == "old":
        Report.objects.filter(pk=first.report_id).update(
            created_at=timezone.now() - timedelta(hours=73)
        )
    elif change == "closed":
        Report.objects.filter(pk=first.report_id).update(status="not_confirmed")
    second = submit(**kwargs)
    assert Report.objects.get(pk=second.report_id).duplicate_of_id is None


@pytest.mark.django_db
def test_duplicate_search_covers_the_whole_radius(served: None, settings: Any) -> None:
    """Points just inside the radius in every direction are found, across H3 cell borders."""
    import math

    from straz.reports.services import find_duplicate_primary

    settings.STRAZ = {**settings.STRAZ, "DUPLICATE_RADIUS_M": 400}
    first = submit(client_ip="203.0.113.1")
    now = timezone.now()
    for bearing in range(0, 360, 15):
        dlat = 390 / 111_320 * math.cos(math.radians(bearing))
        dlon = 390 / (111_320 * math.cos(math.radians(IN_A[0]))) * math.sin(math.radians(bearing))
        found = find_duplicate_primary(
            category_id=Report.objects.get(pk=first.report_id).category_id,
            lat=IN_A[0] + dlat,
            lon=IN_A[1] + dlon,
            now=now,
        )
        assert found is not None and found.pk == first.report_id, bearing


def test_forwarded_for_is_believed_from_loopback_proxies_by_default(settings: Any) -> None:
    """The default trusted proxy is a reverse proxy on the same machine, nothing else."""
    settings.STRAZ = {**settings.STRAZ, "TRUSTED_PROXY_COUNT": 1}
    settings.STRAZ.pop("TRUSTED_PROXIES", None)
    local = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    remote = RequestFactory().get("/", REMOTE_ADDR="192.0.2.4", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert intake.client_ip(local) == "203.0.113.9"
    assert intake.client_ip(remote) == "192.0.2.4"
