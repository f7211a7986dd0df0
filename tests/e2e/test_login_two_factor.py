"""Staff login with the second factor, in Chromium against a real server (ADR 0024).

An officer logs in with a password and is sent to set up two-factor login: the page shows
the QR code (inline SVG) and the key as text; the officer types the key into "the app"
(the test computes the code from it) and lands in the queue. Next time, a wrong code is
refused and the right one admits. Ten wrong passwords then lock the login with a
translated page.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from django_otp.oath import TOTP

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("live-server")]


def _code(secret_text: str, offset_steps: int = 0) -> str:
    raw = "".join(secret_text.split())
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * offset_steps
    return str(totp.token()).zfill(6)


def _password_step(page: Any, server: Any, password: str | None = None) -> None:
    page.goto("/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", password or server.password("officer"))
    page.click("#login-submit")


def test_login_with_enrolment_and_a_second_factor(straz_server_factory: Any, browser_session: Any) -> None:
    server = straz_server_factory({"STRAZ_REQUIRE_2FA": "1"}, label="twofactor")
    page = browser_session.new_page(server.url, locale="en-GB")
    _password_step(page, server)
    page.wait_for_url("**/staff/two-factor/**")
    assert page.locator("[data-testid=two-factor-qr] svg").count() == 1
    secret = page.inner_text("[data-testid=two-factor-secret]")
    page.fill("#id_code", _code(secret))
    page.click("[data-testid=two-factor-submit]")
    page.wait_for_url("**/staff/")
    assert page.locator("#nav-queue").count() == 1

    # A new login: the password is not enough.
    page.click("#nav-logout")
    _password_step(page, server)
    page.wait_for_url("**/staff/two-factor/verify/**")
    page.goto("/staff/")
    assert "/staff/two-factor/verify/" in page.url
    page.fill("#id_code", "000000" if _code(secret) != "000000" else "111111")
    page.click("[data-testid=two-factor-submit]")
    error = page.locator("#two-factor-error")
    error.wait_for()
    assert "accepted in 1 second" in error.inner_text()
    # django-otp's own throttle: after one wrong code the next is checked a second later
    # (measured from the server's check; two seconds leave room for the round trip).
    time.sleep(2)
    # The code of the next time step (the current one was used at enrolment).
    page.fill("#id_code", _code(secret, 1))
    page.click("[data-testid=two-factor-submit]")
    page.wait_for_url("**/staff/")
    assert not browser_session.page_errors


def test_ten_wrong_passwords_lock_the_login(straz_server_factory: Any, browser_session: Any) -> None:
    server = straz_server_factory(label="lockout")
    page = browser_session.new_page(server.url, locale="en-GB")
    for _ in range(10):
        _password_step(page, server, "wrong-password")
    _password_step(page, server)
    page.locator("[data-testid=locked-out]").wait_for()
    assert "Try again in 15 minutes" in page.inner_text("#locked-out-wait")
    assert "/staff/" not in page.url
