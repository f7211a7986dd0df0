"""The staff queue: text search (number, description, address) and sorting, kept in the pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from straz.reports.models import Report

pytestmark = pytest.mark.django_db


def ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-report-id="(\d+)"', html)]


@pytest.fixture
def three(file_report: Any) -> dict[str, Report]:
    made = {
        # Far enough apart (> 150 m) not to count as duplicates of each other.
        "fridge": file_report(point=(49.730, 13.360), description="Old fridge behind the garages"),
        "tyres": file_report(point=(49.740, 13.370), description="Tyres in the brook"),
        "sofa": file_report(category="drug-use", point=(49.750, 13.380), description="Needles by the playground"),
    }
    # Different ages: fridge oldest, sofa newest.
    now = timezone.now()
    for age, key in ((3, "fridge"), (2, "tyres"), (1, "sofa")):
        Report.objects.filter(pk=made[key].pk).update(created_at=now - timedelta(hours=age))
    # Read deadlines in a third order, so that no sort equals the default one by chance.
    for due, key in ((2, "fridge"), (3, "tyres"), (1, "sofa")):
        Report.objects.filter(pk=made[key].pk).update(read_due_at=now + timedelta(hours=due))
    Report.objects.filter(pk=made["tyres"].pk).update(address_text="Americká 42")
    return made


def test_the_queue_searches_the_description_and_address(three: dict[str, Report], officer: Any, client_for: Any) -> None:
    client = client_for(officer)
    assert ids(client.get("/staff/", {"q": "FRIDGE garages"}).content.decode()) == [three["fridge"].pk]
    assert ids(client.get("/staff/", {"q": "americká"}).content.decode()) == [three["tyres"].pk]
    assert ids(client.get("/staff/", {"q": "nothing like this"}).content.decode()) == []


def test_the_queue_finds_a_report_by_its_number(three: dict[str, Report], officer: Any, client_for: Any) -> None:
    client = client_for(officer)
    assert ids(client.get("/staff/", {"q": f"#{three['sofa'].pk}"}).content.decode()) == [three["sofa"].pk]
    assert ids(client.get("/staff/", {"q": str(three["tyres"].pk)}).content.decode()) == [three["tyres"].pk]


def test_without_the_need_to_know_police_only_text_is_not_searched(three: dict[str, Report], analyst: Any, client_for: Any) -> None:
    client = client_for(analyst)
    # The analyst sees the queue, but a match on the description would reveal what it says.
    assert three["fridge"].pk in ids(client.get("/staff/").content.decode())
    assert ids(client.get("/staff/", {"q": "fridge"}).content.decode()) == []
    assert ids(client.get("/staff/", {"q": str(three["fridge"].pk)}).content.decode()) == [three["fridge"].pk]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["sofa", "tyres", "fridge"]),
        ("oldest", ["fridge", "tyres", "sofa"]),
    ],
)
def test_the_queue_sorts_by_age(three: dict[str, Report], officer: Any, client_for: Any, sort: str, expected: list[str]) -> None:
    html = client_for(officer).get("/staff/", {"sort": sort}).content.decode()
    assert ids(html) == [three[k].pk for k in expected]


def test_the_default_order_is_by_deadline(three: dict[str, Report], officer: Any, client_for: Any) -> None:
    expected = [three[k].pk for k in ("sofa", "fridge", "tyres")]
    assert ids(client_for(officer).get("/staff/").content.decode()) == expected
    assert ids(client_for(officer).get("/staff/", {"sort": "deadline"}).content.decode()) == expected


def test_the_queue_sorts_by_category_and_status(three: dict[str, Report], officer: Any, client_for: Any) -> None:
    Report.objects.filter(pk=three["fridge"].pk).update(status="verification")
    client = client_for(officer)
    by_status = ids(client.get("/staff/", {"sort": "status"}).content.decode())
    # new before verification (the workflow's order); among equals the newest first.
    assert by_status == [three["sofa"].pk, three["tyres"].pk, three["fridge"].pk]
    by_category = ids(client.get("/staff/", {"sort": "category"}).content.decode())
    codes = [Report.objects.get(pk=i).category for i in by_category]
    assert [(c.order, c.code) for c in codes] == sorted((c.order, c.code) for c in codes)
    assert by_category.index(three["tyres"].pk) < by_category.index(three["fridge"].pk)


def test_search_and_sort_are_kept_in_the_pagination_links(file_report: Any, officer: Any, client_for: Any) -> None:
    for n in range(27):
        file_report(point=(49.722 + (n // 6) * 0.006, 13.352 + (n % 6) * 0.006), description=f"bulky waste {n}")
    html = client_for(officer).get("/staff/", {"q": "bulky", "sort": "oldest"}).content.decode()
    assert len(ids(html)) == 25
    link = re.search(r'href="\?([^"]+)" rel="next"', html)
    assert link and "q=bulky" in link.group(1) and "sort=oldest" in link.group(1)
    second = client_for(officer).get("/staff/?" + link.group(1).replace("&amp;", "&")).content.decode()
    assert len(ids(second)) == 2


def test_the_search_box_and_sort_are_on_the_page(officer: Any, client_for: Any) -> None:
    html = client_for(officer).get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="q"' in html and 'type="search"' in html and 'name="sort"' in html
    assert "Newest first" in html and "Report number, or words of the description or address" in html


def test_the_staff_api_searches_and_sorts_too(three: dict[str, Report], officer: Any, client_for: Any) -> None:
    from typing import get_args

    from straz.reports.api import QueueOrder
    from straz.reports.selectors import QUEUE_ORDERS

    assert get_args(QueueOrder) == QUEUE_ORDERS
    client = client_for(officer)
    found = client.get("/api/v1/staff/reports", {"q": "fridge"}).json()
    assert [r["id"] for r in found["items"]] == [three["fridge"].pk] and found["count"] == 1
    newest = client.get("/api/v1/staff/reports", {"sort": "newest"}).json()
    assert [r["id"] for r in newest["items"]] == [three[k].pk for k in ("sofa", "tyres", "fridge")]
    assert client.get("/api/v1/staff/reports", {"sort": "sideways"}).status_code == 422
