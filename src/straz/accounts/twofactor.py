"""Second factor (TOTP, django-otp): enrol, verify at login, remove, reset; each audited (ADR 0024)."""

from __future__ import annotations

import base64
import math
from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from straz.accounts import audit
from straz.accounts.models import User
from straz.accounts.policy import second_factor_required
from straz.core.config import straz_settings

DEVICE_NAME = "authenticator"
# The session remembers whether it must pass the second factor, decided at login, so that
# pages do not query the devices on every request.
SESSION_KEY = "straz_second_factor"


def has_device(user: User) -> bool:
    """True when the user has a confirmed second-factor device."""
    return any(True for _ in devices_for_user(user, confirmed=True))


def must_verify(user: User) -> bool:
    """True when this session must pass the second factor before any page.

    A user with a device always does; without one, only a user whose role requires it,
    and only while STRAZ_REQUIRE_2FA is on (then they are sent to enrol).
    """
    if has_device(user):
        return True
    return bool(straz_settings().require_2fa) and second_factor_required(user)


def session_must_verify(request: HttpRequest, user: User) -> bool:
    """must_verify(user) as this session decided it at login (decided now if it never did)."""
    remembered = request.session.get(SESSION_KEY)
    if remembered is None:
        remembered = must_verify(user)
        request.session[SESSION_KEY] = remembered
    return bool(remembered)


def remember_at_login(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    """user_logged_in receiver: decide once per login whether the session needs a code."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = must_verify(user)


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device the user is enrolling (created on first view)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The device's secret in base32, grouped by four, for typing into an app by hand."""
    raw = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _clean(code: str) -> str:
    return "".join(code.split())


def confirm_enrolment(*, request: HttpRequest, user: User, code: str) -> bool:
    """Confirm the pending device with a code from the app; the session counts as verified."""
    device = pending_device(user)
    if not device.verify_token(_clean(code)):
        _record_failure(user, "enrol")
        return False
    with audit.audited_transaction():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One device per account: older pending ones are dropped.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit.record(action="auth.2fa_enrolled", object_type="user", object_id=user.pk, actor=user)
    otp_login(request, device)
    return True


def retry_wait_seconds(user: User) -> int:
    """Seconds until django-otp accepts another code for this user (0: now).

    django-otp throttles every device itself: each wrong code doubles the wait (1 s, 2 s,
    4 s, …) until a right one resets it.
    """
    waits: list[int] = []
    for device in devices_for_user(user, confirmed=None):
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("locked_until") is not None:
            until: datetime = info["locked_until"]
            waits.append(math.ceil((until - timezone.now()).total_seconds()))
    return max([0, *waits])


def verify(*, request: HttpRequest, user: User, code: str) -> bool:
    """The login's second step: True (and the session verified) when the code is right."""
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(_clean(code)):
            otp_login(request, device)
            with audit.audited_transaction():
                audit.record(
                    action="auth.2fa_verified", object_type="user", object_id=user.pk, actor=user
                )
            return True
    _record_failure(user, "login")
    return False


def _record_failure(user: User, step: str) -> None:
    with audit.audited_transaction():
        audit.record(
            action="auth.2fa_failed",
            object_type="user",
            object_id=user.pk,
            actor=user,
            after={"step": step},
        )


def remove_devices(*, user: User, actor: User) -> int:
    """Remove every second-factor device of `user` (their own, or an admin's reset); audited."""
    with audit.audited_transaction():
        count = 0
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            count += 1
        audit.record(
            action="auth.2fa_removed" if actor.pk == user.pk else "auth.2fa_reset",
            object_type="user",
            object_id=user.pk,
            actor=actor,
            after={"devices": count},
        )
    return count
