"""Report intake holds the write lock only for what needs it (ADR 0037).

On SQLite the transaction holds the database's one write lock, on PostgreSQL the audit
chain head: every other report waits for it. Looking up the category, the place and its
police district needs neither, so they run before the transaction; their refusals and
idempotent replays behave as before.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from straz.core.errors import ValidationFailed
from straz.reports import services
from straz.reports.models import Category, Report
from tests.reports.reportkit import OUTSIDE, submit

pytestmark = pytest.mark.django_db


def _record_atomic(monkeypatch: pytest.MonkeyPatch, name: str, seen: list[bool]) -> None:
    original = getattr(services, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(connection.in_atomic_block)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, name, spy)


# A real transaction per statement: the test database's wrapping transaction would hide it.
@pytest.mark.django_db(transaction=True)
def test_category_and_district_are_looked_up_outside_the_write_transaction(
    district_a: Any, categories: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    routed: list[bool] = []
    looked_up: list[bool] = []
    _record_atomic(monkeypatch, "route_point", routed)
    _record_atomic(monkeypatch, "_active_category", looked_up)
    assert submit().status_code == 201
    assert routed == [False] and looked_up == [False]


def test_lookups_refuse_as_before_and_store_nothing(district_a: Any, categories: Any) -> None:
    with pytest.raises(ValidationFailed) as unknown:
        submit(category_code="no-such-category")
    assert unknown.value.field == "category"
    with pytest.raises(ValidationFailed) as outside:
        submit(lat=OUTSIDE[0], lon=OUTSIDE[1])
    assert outside.value.field == "location"
    assert Report.objects.count() == 0


def test_a_retry_is_replayed_even_if_its_category_was_retired_meanwhile(
    district_a: Any, categories: Any
) -> None:
    first = submit(idempotency_key="retry-1")
    Category.objects.filter(code="illegal-dump").update(is_active=False)
    again = submit(idempotency_key="retry-1")
    assert again.replayed and again.response == first.response
    assert Report.objects.count() == 1
