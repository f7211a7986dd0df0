"""§12 call records: the caller's number is read only by the operations centre (dispatchers)
and administrators, by one rule (`incidents.policy.can_read_caller_number`) that the calls
page and the calls API both follow; other staff see the calls without the number."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from straz.incidents import policy, services

pytestmark = pytest.mark.django_db

NUMBER = "+420 777 123 456"
SUMMARY = "Hoří stodola za obcí"

READERS = {"dispatcher": True, "admin_user": True}
OTHERS = ["officer", "supervisor", "analyst", "manager", "commander"]


@pytest.fixture
def call(dispatcher: Any) -> Any:
    return services.record_call(
        user=dispatcher, received_by_centre="TCTV 112", summary=SUMMARY, caller_phone=NUMBER
    )


def _page(user: Any) -> str:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    resp = c.get("/operations/calls/")
    assert resp.status_code == 200
    return resp.content.decode()


def _api(user: Any, token_for: Any) -> dict[str, Any]:
    resp = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}").get("/api/v1/incidents/calls")
    assert resp.status_code == 200, resp.content
    data: dict[str, Any] = resp.json()
    return data


@pytest.mark.parametrize("role", [*READERS, *OTHERS])
def test_page_and_api_agree_on_who_reads_the_callers_number(
    request: Any, role: str, call: Any, token_for: Any
) -> None:
    user = request.getfixturevalue(role)
    expected = READERS.get(role, False)
    assert policy.can_read_caller_number(user) is expected
    html = _page(user)
    api = _api(user, token_for)
    [item] = api["items"]
    # Both channels show the call itself…
    assert SUMMARY in html and item["summary"] == SUMMARY
    # …and the number exactly when the rule allows it.
    assert (NUMBER in html) is expected
    assert (item["caller_phone"] == NUMBER) is expected
    if not expected:
        assert item["caller_phone"] is None
        assert NUMBER not in str(api)


def test_back_office_follows_the_same_rule(call: Any, admin_user: Any, analyst: Any) -> None:
    from django.contrib.auth.models import Permission

    analyst.is_staff = True
    analyst.save()
    analyst.user_permissions.add(Permission.objects.get(codename="view_callrecord"))
    url = f"/admin/incidents/callrecord/{call.pk}/change/"
    for user, expected in ((admin_user, True), (analyst, False)):
        c = Client()
        c.force_login(user)
        resp = c.get(url)
        assert resp.status_code == 200
        assert SUMMARY in resp.content.decode()
        assert (NUMBER in resp.content.decode()) is expected
