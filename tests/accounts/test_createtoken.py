"""`straz createtoken USERNAME` prints a token that the API accepts as a Bearer token."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from straz.accounts.models import ApiToken, AuditEntry


@pytest.mark.django_db
def test_printed_token_opens_the_staff_api(officer) -> None:
    out = StringIO()
    call_command("createtoken", "officer", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("straz_")
    # Only the hash is stored, and the issue is audited without the secret.
    token = ApiToken.objects.get(user=officer)
    assert raw not in token.key_hash
    entry = AuditEntry.objects.get(action="token.issue")
    assert raw not in str(entry.after)

    anonymous = Client().get("/api/v1/staff/reports")
    assert anonymous.status_code == 401
    authorised = Client().get("/api/v1/staff/reports", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert authorised.status_code == 200
    wrong = Client().get("/api/v1/staff/reports", HTTP_AUTHORIZATION=f"Bearer {raw}x")
    assert wrong.status_code == 401


@pytest.mark.django_db
def test_unknown_user_is_refused() -> None:
    with pytest.raises(CommandError):
        call_command("createtoken", "nobody")
    assert not ApiToken.objects.exists()
