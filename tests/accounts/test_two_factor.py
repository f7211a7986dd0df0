"""TOTP second factor (ADR 0024): who must use it, enrolment, the login's second step, reset."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp

from straz.accounts.models import AuditEntry, Role, User

pytestmark = pytest.mark.django_db

ENROL = "/staff/two-factor/"
VERIFY = "/staff/two-factor/verify/"
QUEUE = "/staff/"


@pytest.fixture(autouse=True)
def second_factor_on(settings: Any) -> None:
    """As in production (tests/conftest.py turns it off for the rest of the suite)."""
    settings.STRAZ_REQUIRE_2FA = True


def _devices() -> Any:
    """The TOTP device model (imported late: the app is installed by the settings)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice


def _code(device: Any, offset: int = 0) -> str:
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
    return str(value).zfill(device.digits)


def _device(user: User) -> Any:
    return _devices().objects.create(user=user, name="phone", confirmed=True)


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- who


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN])
def test_roles_reading_police_only_data_require_a_second_factor(role: Role) -> None:
    """The police-only readers of ADR 0025 and the dispatcher (callers' numbers, §12)."""
    from straz.accounts.policy import second_factor_required

    assert second_factor_required(User(username="x", role=role))


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MANAGER, Role.COMMANDER])
def test_roles_reading_neither_may_enrol_but_need_not(role: Role) -> None:
    from straz.accounts.policy import second_factor_required

    assert not second_factor_required(User(username="x", role=role))


def test_a_commander_does_not_need_one_but_the_admin_site_does() -> None:
    from straz.accounts.policy import second_factor_required

    assert not second_factor_required(User(username="x", role=Role.COMMANDER))
    assert second_factor_required(User(username="x", role=Role.COMMANDER, is_staff=True))


def test_every_role_that_reads_police_only_text_must_use_a_second_factor(
    district_a: Any, categories: Any, settings: Any
) -> None:
    """Follows restrict(): should the need-to-know rule change, this set must follow."""
    from straz.accounts.access import restrict
    from straz.accounts.policy import SECOND_FACTOR_ROLES
    from straz.reports import policy, services
    from straz.reports.models import Report

    settings.STRAZ = {**settings.STRAZ, "REPORTS_PER_IP_PER_DAY": 1000}
    services.submit_report(
        category_code="illegal-dump", lat=49.7401, lon=13.3701, description="two-factor",
        client_ip="203.0.113.40", source="api",
    )
    for role in Role:
        user = User.objects.create_user(username=f"u-{role.value}", role=role)
        user.districts.set([district_a])
        if restrict(Report.objects.all(), user, policy.READ_POLICE_ONLY).exists():
            assert role in SECOND_FACTOR_ROLES, role


# ---------------------------------------------------------------- the login's second step


def test_required_role_without_device_is_sent_to_enrol(officer: User) -> None:
    response = _logged_in(officer).get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL) and "next=%2Fstaff%2F" in response["Location"]


def test_nothing_is_asked_when_the_setting_is_off(settings: Any, officer: User) -> None:
    settings.STRAZ_REQUIRE_2FA = False
    assert _logged_in(officer).get(QUEUE).status_code == 200


def test_a_commander_without_device_is_not_asked(commander: User) -> None:
    assert _logged_in(commander).get("/operations/").status_code == 200


def test_admin_site_needs_the_second_factor(admin_user: User) -> None:
    response = _logged_in(admin_user).get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


def test_with_a_device_every_page_asks_for_the_code_first(officer: User) -> None:
    _device(officer)
    client = _logged_in(officer)
    for path in (QUEUE, "/", "/statistics/", ENROL):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY), path


def test_a_device_is_asked_for_even_when_not_required(settings: Any, commander: User) -> None:
    settings.STRAZ_REQUIRE_2FA = False
    _device(commander)
    response = _logged_in(commander).get("/operations/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_wrong_code_is_refused_and_audited(officer: User) -> None:
    device = _device(officer)
    client = _logged_in(officer)
    wrong = str((int(_code(device)) + 1) % 10**6).zfill(6)
    response = client.post(VERIFY, {"code": wrong, "next": QUEUE}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "The code is not right" in response.content.decode()
    # django-otp throttles the device: the right code right after a wrong one waits too.
    assert "the next one is accepted in 1 second" in response.content.decode()
    assert client.post(VERIFY, {"code": _code(device)}).status_code == 400
    assert client.get(QUEUE)["Location"].startswith(VERIFY)
    assert AuditEntry.objects.filter(action="auth.2fa_failed", object_id=str(officer.pk)).count() == 2


def test_correct_code_admits(officer: User) -> None:
    device = _device(officer)
    client = _logged_in(officer)
    response = client.post(VERIFY, {"code": _code(device), "next": QUEUE})
    assert response.status_code == 302 and response["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200
    assert AuditEntry.objects.filter(action="auth.2fa_verified", actor=officer).count() == 1


def test_next_never_leaves_the_site(officer: User) -> None:
    device = _device(officer)
    client = _logged_in(officer)
    response = client.post(VERIFY, {"code": _code(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_a_half_logged_in_session_is_anonymous_to_the_api(officer: User, token_for: Any) -> None:
    _device(officer)
    assert _logged_in(officer).get("/api/v1/staff/reports").status_code in (401, 403)
    # An API token is a separate credential: not affected.
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(officer)}")
    assert bearer.get("/api/v1/staff/reports").status_code == 200


def test_logout_works_before_the_code(officer: User) -> None:
    _device(officer)
    client = _logged_in(officer)
    client.post("/logout/")
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------- enrolment


def test_enrolment_shows_an_inline_svg_qr_code_and_the_secret(officer: User) -> None:
    client = _logged_in(officer)
    body = client.get(ENROL).content.decode()
    device = _devices().objects.get(user=officer, confirmed=False)
    assert '<svg' in body and 'class="segno"' in body
    assert "<img" not in body.split('data-testid="two-factor-qr"')[1].split("</div>")[0]
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert secret[:4] in body and secret.replace(" ", "") == "".join(
        body.split('id="two-factor-secret" data-testid="two-factor-secret">')[1].split("<")[0].split()
    )


def test_enrolment_confirmed_with_a_code(officer: User) -> None:
    client = _logged_in(officer)
    client.get(ENROL)
    device = _devices().objects.get(user=officer, confirmed=False)
    response = client.post(ENROL, {"code": _code(device), "next": QUEUE})
    assert response.status_code == 302 and response["Location"] == QUEUE
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(QUEUE).status_code == 200  # the session counts as verified
    assert AuditEntry.objects.filter(action="auth.2fa_enrolled", actor=officer).count() == 1


def test_enrolment_with_a_wrong_code_confirms_nothing(officer: User) -> None:
    client = _logged_in(officer)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000x"})
    assert response.status_code == 400
    assert not _devices().objects.filter(user=officer, confirmed=True).exists()


def test_user_removes_own_device_and_is_sent_to_enrol_again(officer: User) -> None:
    device = _device(officer)
    client = _logged_in(officer)
    client.post(VERIFY, {"code": _code(device)})
    response = client.post("/staff/two-factor/remove/")
    assert response.status_code == 302
    assert not _devices().objects.filter(user=officer).exists()
    assert AuditEntry.objects.filter(action="auth.2fa_removed", actor=officer).count() == 1
    assert client.get(QUEUE)["Location"].startswith(ENROL)


def test_admin_resets_another_users_device_audited(admin_user: User, officer: User) -> None:
    admin_device = _device(admin_user)
    _device(officer)
    client = _logged_in(admin_user)
    client.post(VERIFY, {"code": _code(admin_device)})
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [officer.pk]},
    )
    assert response.status_code == 302
    assert not _devices().objects.filter(user=officer).exists()
    assert _devices().objects.filter(user=admin_user).exists()
    entry = AuditEntry.objects.get(action="auth.2fa_reset")
    assert entry.actor_id == admin_user.pk and entry.object_id == str(officer.pk)


def test_admin_cannot_read_other_users_secrets(admin_user: User) -> None:
    from django.contrib import admin

    assert not admin.site.is_registered(_devices())
