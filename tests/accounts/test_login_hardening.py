"""Login hardening (ADR 0024): lockout with back-off, password rules, logins in the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from straz.accounts.models import AuditEntry, Role, User
from straz.accounts.services import ensure_staff_user

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
PASSWORD = "Kv3t-nova-zahrada"


@pytest.fixture(autouse=True)
def fast_hasher(settings: Any) -> None:
    """Many logins per test: a cheap hasher keeps them quick (the rules do not depend on it)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db: Any) -> User:
    return User.objects.create_user(username="novak", password=PASSWORD, role=Role.OFFICER)


@pytest.fixture
def other(db: Any) -> User:
    return User.objects.create_user(username="svoboda", password=PASSWORD, role=Role.ANALYST)


def _client(ip: str = "198.51.100.7") -> Client:
    return Client(REMOTE_ADDR=ip)


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# ---------------------------------------------------------------- throttling and lockout


def test_forty_wrong_passwords_then_the_right_one_is_refused(staff: User) -> None:
    client = _client()
    for _ in range(40):
        _login(client, "novak", "wrong-password")
    response = _login(client, "novak", PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)


def test_lockout_is_per_account_across_addresses(staff: User) -> None:
    for i in range(10):
        _login(_client(f"198.51.100.{i + 10}"), "novak", "wrong-password")
    # A fresh address does not help: the account itself is locked.
    client = _client("203.0.113.99")
    assert _login(client, "novak", PASSWORD).status_code == 429
    assert not _logged_in(client)


def test_lockout_is_per_address_across_usernames(staff: User, other: User) -> None:
    client = _client("198.51.100.50")
    for i in range(10):
        _login(client, f"guess{i}", "wrong-password")
    # Neither account failed, yet the address is locked for every account.
    assert _login(client, "svoboda", PASSWORD).status_code == 429
    assert not _logged_in(client)
    # Another address still logs in.
    elsewhere = _client("198.51.100.51")
    _login(elsewhere, "svoboda", PASSWORD)
    assert _logged_in(elsewhere)


def test_the_admin_login_is_locked_too(admin_user: User) -> None:
    admin_user.set_password(PASSWORD)
    admin_user.save()
    client = _client("198.51.100.90")
    for _ in range(10):
        client.post("/admin/login/", {"username": "admin", "password": "wrong-password"})
    response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 429
    assert not _logged_in(client)


def test_below_the_limit_the_right_password_works(staff: User) -> None:
    client = _client()
    for _ in range(9):
        _login(client, "novak", "wrong-password")
    _login(client, "novak", PASSWORD)
    assert _logged_in(client)


def test_client_address_is_the_products_client_ip(settings: Any, staff: User) -> None:
    """Behind one trusted proxy the address is the one the proxy saw, as for reports."""
    settings.STRAZ = {**settings.STRAZ, "TRUSTED_PROXY_COUNT": 1, "TRUSTED_PROXIES": ["10.0.0.1/32"]}
    for i in range(10):
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.60").post(
            LOGIN, {"username": f"guess{i}", "password": "x"}
        )
    # Same proxy, other client behind it: not locked.
    ok = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.61")
    ok.post(LOGIN, {"username": "novak", "password": PASSWORD})
    assert "_auth_user_id" in ok.session
    locked = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.60")
    assert locked.post(LOGIN, {"username": "novak", "password": PASSWORD}).status_code == 429


def test_lockout_page_is_translated_and_says_how_long(staff: User) -> None:
    client = _client()
    for _ in range(10):
        _login(client, "novak", "wrong-password")
    response = client.post(
        LOGIN, {"username": "novak", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 429
    body = response.content.decode()
    assert "Login locked" in body and "Try again in 15 minutes." in body
    assert int(response["Retry-After"]) == 15 * 60
    cs = _client().post(LOGIN, {"username": "novak", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="cs")
    assert cs.status_code == 429
    assert 'lang="cs"' in cs.content.decode()


def test_lock_ends_after_the_cool_off(staff: User) -> None:
    from axes.models import AccessAttempt

    client = _client()
    for _ in range(10):
        _login(client, "novak", "wrong-password")
    assert _login(client, "novak", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    _login(client, "novak", PASSWORD)
    assert _logged_in(client)


def test_each_failure_after_a_lockout_doubles_the_wait(staff: User) -> None:
    from axes.models import AccessAttempt

    client = _client()
    for _ in range(10):
        _login(client, "novak", "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    _login(client, "novak", "wrong-password")  # the 11th: locks again, now for 30 minutes
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _login(client, "novak", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    _login(client, "novak", PASSWORD)
    assert _logged_in(client)


def test_attempts_while_locked_are_not_counted(staff: User) -> None:
    from axes.models import AccessAttempt

    client = _client()
    for _ in range(40):
        _login(client, "novak", "wrong-password")
    # 10 counted, 30 refused unchecked: the wait is the first lockout's, not 2**30 of it.
    counted = max(AccessAttempt.objects.values_list("failures_since_start", flat=True))
    assert counted == 10


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(0, 15), (9, 15), (10, 15), (11, 30), (12, 60), (16, 960), (17, 1440), (60, 1440)],
)
def test_lockout_window_doubles_after_the_limit_up_to_the_cap(failures: int, minutes: int) -> None:
    from straz.accounts.rules import lockout_window

    window = lockout_window(
        failures, limit=10, base=timedelta(minutes=15), cap=timedelta(hours=24)
    )
    assert window == timedelta(minutes=minutes)


# ---------------------------------------------------------------- password rules


@pytest.mark.parametrize("password", ["password", "12345678", "1234567890", "heslo123", "kratke123"])
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, User(username="novak"))


def test_password_like_the_user_name_is_refused() -> None:
    with pytest.raises(ValidationError):
        validate_password("jana.novakova1", User(username="jana.novakova", email="jana@example.cz"))


def test_a_good_password_passes() -> None:
    validate_password(PASSWORD, User(username="novak"))


def test_staff_accounts_are_created_only_with_good_passwords(db: Any) -> None:
    with pytest.raises(ValidationError):
        ensure_staff_user(username="dvorak", password="12345678", role=Role.OFFICER)
    assert not User.objects.filter(username="dvorak").exists()
    user, created = ensure_staff_user(username="dvorak", password=PASSWORD, role=Role.OFFICER)
    assert created and user.check_password(PASSWORD)


def test_demo_passwords_skip_the_rules_only_when_asked(db: Any) -> None:
    user, created = ensure_staff_user(
        username="officer", password="officer-demo", role=Role.OFFICER, demo_password=True
    )
    assert created and user.check_password("officer-demo")


def test_admin_add_user_form_refuses_weak_passwords(admin_user: User) -> None:
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/user/add/",
        {"username": "dvorak", "password1": "12345678", "password2": "12345678", "role": "officer", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="dvorak").exists()
    client.post(
        "/admin/accounts/user/add/",
        {"username": "dvorak", "password1": PASSWORD, "password2": PASSWORD, "role": "officer", "usable_password": "true"},
    )
    assert User.objects.filter(username="dvorak").exists()


# ---------------------------------------------------------------- audit


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def test_successful_login_and_logout_are_audited_without_the_address(staff: User) -> None:
    client = _client("198.51.100.77")
    _login(client, "novak", PASSWORD)
    (login,) = _entries("auth.login")
    assert login.actor_id == staff.pk and login.object_id == str(staff.pk)
    assert login.after["client"] and "198.51.100.77" not in str(login.after)
    client.post("/logout/")
    (logout,) = _entries("auth.logout")
    assert logout.actor_id == staff.pk
    assert logout.after["client"] == login.after["client"]


def test_failed_login_is_audited_with_the_name_and_no_password(staff: User) -> None:
    _login(_client("198.51.100.78"), "novak", "Secret-guess-123")
    (entry,) = _entries("auth.login_failed")
    assert entry.object_id == str(staff.pk)
    assert entry.after["username"] == "novak"
    assert "Secret-guess-123" not in str(entry.after) and "198.51.100.78" not in str(entry.after)


def test_a_name_that_is_no_account_is_stored_only_as_a_keyed_hash(db: Any) -> None:
    # People type their password into the name field; the append-only log must not keep it.
    _login(_client(), "Kv3t-my-password", "x")
    (entry,) = _entries("auth.login_failed")
    assert entry.after["username"] is None
    assert entry.after["unknown_name"] and "Kv3t" not in str(entry.after)


def test_lockout_is_audited_once_per_lockout(staff: User) -> None:
    client = _client()
    for _ in range(40):
        _login(client, "novak", "wrong-password")
    (entry,) = _entries("auth.locked_out")
    assert entry.object_id == str(staff.pk)
    assert entry.after["username"] == "novak" and entry.after["failures"] == 10
    assert len(_entries("auth.login_failed")) == 40


def test_login_audit_entries_keep_the_chain_intact(staff: User) -> None:
    from straz.accounts.audit import verify_chain

    client = _client()
    for _ in range(11):
        _login(client, "novak", "wrong-password")
    assert not list(verify_chain())


# ---------------------------------------------------------------- the demo's exception


def test_straz_demo_prints_that_its_passwords_are_demo_only(db: Any) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("demo", "--no-serve", "--reports", "0", stdout=out)
    text = out.getvalue()
    assert "DEMO-ONLY passwords" in text and "admin-demo" in text


@pytest.mark.parametrize(("command", "expected"), [("demo", "0"), ("serve", None)])
def test_only_the_demo_switches_the_second_factor_off(
    monkeypatch: Any, command: str, expected: str | None
) -> None:
    import os

    import django.core.management

    from straz import cli

    seen: dict[str, str | None] = {}
    monkeypatch.delenv("STRAZ_REQUIRE_2FA", raising=False)
    monkeypatch.setattr(
        django.core.management,
        "execute_from_command_line",
        lambda argv: seen.setdefault("value", os.environ.get("STRAZ_REQUIRE_2FA")),
    )
    cli.main([command, "--no-serve"])
    assert seen["value"] == expected


def test_the_second_factor_is_required_by_default() -> None:
    from straz.core.config import DEFAULTS

    assert DEFAULTS.require_2fa is True
