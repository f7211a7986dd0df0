"""Each role lands on its own work after logging in (issue 9, item 8)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from straz.accounts.models import Role, User
from straz.accounts.rules import LANDING_PAGES, landing_page

pytestmark = pytest.mark.django_db

PASSWORD = "Kv3t-nova-zahrada"


@pytest.fixture(autouse=True)
def fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


EXPECTED = {
    Role.OFFICER: "/staff/",
    Role.SUPERVISOR: "/staff/",
    Role.DISPATCHER: "/operations/",
    Role.COMMANDER: "/operations/",
    Role.ANALYST: "/statistics/",
    Role.MANAGER: "/staff/softtargets/",
    Role.ADMIN: "/admin/",
}


def test_every_role_has_a_landing_page() -> None:
    assert set(LANDING_PAGES) == {role.value for role in Role}


@pytest.mark.parametrize("role", list(Role))
def test_login_lands_on_the_roles_own_work(role: Role) -> None:
    User.objects.create_user(username=f"u-{role.value}", password=PASSWORD, role=role)
    response = Client().post("/login/", {"username": f"u-{role.value}", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == EXPECTED[role]


def test_a_safe_next_still_wins() -> None:
    User.objects.create_user(username="disp", password=PASSWORD, role=Role.DISPATCHER)
    response = Client().post(
        "/login/?next=/operations/calls/", {"username": "disp", "password": PASSWORD, "next": "/operations/calls/"}
    )
    assert response["Location"] == "/operations/calls/"


def test_a_superuser_lands_in_the_back_office() -> None:
    assert landing_page(Role.OFFICER, is_superuser=True) == "admin:index"
    assert reverse(landing_page("unknown-role")) == "/staff/"
