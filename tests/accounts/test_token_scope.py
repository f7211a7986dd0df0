"""API tokens expire and may be read-only (ADR 0027)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone, translation

from straz.accounts.auth import issue_token
from straz.accounts.models import ApiToken, AuditEntry

pytestmark = pytest.mark.django_db

STAFF_REPORTS = "/api/v1/staff/reports"


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_ACCEPT_LANGUAGE": "en"}


def test_a_token_expires_after_the_default_ninety_days(officer: Any) -> None:
    raw = issue_token(user=officer, name="t")
    token = ApiToken.objects.get(user=officer)
    lifetime = token.expires_at - token.created_at
    assert timedelta(days=90) - timedelta(minutes=1) < lifetime <= timedelta(days=90)
    assert Client().get(STAFF_REPORTS, **bearer(raw)).status_code == 200


def test_the_default_lifetime_is_configurable(officer: Any, settings: Any) -> None:
    settings.STRAZ = {**settings.STRAZ, "API_TOKEN_DAYS": 7}
    issue_token(user=officer, name="t")
    token = ApiToken.objects.get(user=officer)
    assert token.expires_at - token.created_at <= timedelta(days=7)
    assert token.expires_at - token.created_at > timedelta(days=7) - timedelta(minutes=1)


def test_an_expired_token_is_refused_with_401_saying_so(officer: Any) -> None:
    raw = issue_token(user=officer, name="t")
    ApiToken.objects.filter(user=officer).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(STAFF_REPORTS, **bearer(raw))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    # The public statistics endpoint reads an optional token: an expired one is told too.
    stats = Client().get("/api/v1/statistics", **bearer(raw))
    assert stats.status_code == 401 and "expired" in stats.json()["detail"]


def test_a_read_only_token_reads_but_changes_nothing(
    officer: Any, district_a: Any, categories: dict[str, Any]
) -> None:
    raw = issue_token(user=officer, name="t", read_only=True)
    assert Client().get(STAFF_REPORTS, **bearer(raw)).status_code == 200
    response = Client().post(
        f"{STAFF_REPORTS}/1/transition",
        data='{"status": "verification"}',
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 403, response.content
    assert "read-only" in response.json()["detail"]


def test_a_read_write_token_may_still_change_things(officer: Any) -> None:
    raw = issue_token(user=officer, name="t")
    response = Client().post(
        f"{STAFF_REPORTS}/999999/transition",
        data='{"status": "verification"}',
        content_type="application/json",
        **bearer(raw),
    )
    # Past authentication: the report simply does not exist.
    assert response.status_code == 404, response.content


def test_createtoken_options_set_expiry_and_scope(officer: Any) -> None:
    out = StringIO()
    call_command("createtoken", "officer", "--expires-days", "3", "--read-only", stdout=out)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(user=officer)
    assert token.read_only is True
    assert timedelta(days=3) - timedelta(minutes=1) < token.expires_at - token.created_at
    assert token.expires_at - token.created_at <= timedelta(days=3)
    entry = AuditEntry.objects.get(action="token.issue")
    assert entry.after["read_only"] is True and entry.after["expires_days"] == 3
    assert raw not in str(entry.after)
    post = Client().post(
        f"{STAFF_REPORTS}/1/transition",
        data='{"status": "verification"}',
        content_type="application/json",
        **bearer(raw),
    )
    assert post.status_code == 403


def test_createtoken_refuses_a_lifetime_below_one_day(officer: Any) -> None:
    with translation.override("en"), pytest.raises(CommandError, match="at least one day"):
        call_command("createtoken", "officer", "--expires-days", "0", stdout=StringIO())
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action="token.issue").exists()
