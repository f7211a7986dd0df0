"""Logins in the audit log: success, failure, lockout and logout (ADR 0024).

No address is written in the clear (the log is append-only, so it could never be erased):
entries carry a keyed pseudonym of the client's address, enough to see that attempts came
from one place. A name typed at the login that belongs to no account is stored the same
way, so that a password typed into the user-name field never lands in the log.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from straz.accounts import audit
from straz.accounts.models import User
from straz.core.intake import client_ip

LOGIN = "auth.login"
LOGIN_FAILED = "auth.login_failed"
LOCKED_OUT = "auth.locked_out"
LOGOUT = "auth.logout"
_UNKNOWN = "-"  # object_id of an entry about a name that is no account


def pseudonym(purpose: str, value: str) -> str:
    """A keyed, shortened hash of `value`: stable within a deployment, reveals nothing."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def client_pseudonym(request: HttpRequest | None) -> str | None:
    """The pseudonym of the request's client address (the address axes counted)."""
    if request is None:
        return None
    ip = getattr(request, "axes_ip_address", None) or client_ip(request)
    return pseudonym("login-client", str(ip))


def _account(username: str) -> User | None:
    return User.objects.filter(username=username).first() if username else None


def _named(username: str) -> tuple[str, dict[str, Any]]:
    """object_id and the name part of an entry about a typed user name."""
    user = _account(username)
    if user is not None:
        return str(user.pk), {"username": user.get_username()}
    return _UNKNOWN, {"username": None, "unknown_name": pseudonym("login-name", username[:150])}


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    with audit.audited_transaction():
        audit.record(
            action=LOGIN,
            object_type="user",
            object_id=user.pk,
            actor=user,
            after={"client": client_pseudonym(request)},
        )


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get(User.USERNAME_FIELD) or "")
    object_id, named = _named(username)
    with audit.audited_transaction():
        audit.record(
            action=LOGIN_FAILED,
            object_type="user",
            object_id=object_id,
            actor_label="login",
            # Only the name: Django masks the password in `credentials`, and it is not read.
            after={**named, "client": client_pseudonym(request)},
        )


def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any
) -> None:
    # Axes signals a lockout for the failure that reaches the limit (it has just counted
    # it: axes_failures_since_start is set) and again for every attempt refused while
    # locked (not counted); only the first is a new lockout.
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    object_id, named = _named(str(username or ""))
    with audit.audited_transaction():
        audit.record(
            action=LOCKED_OUT,
            object_type="user",
            object_id=object_id,
            actor_label="login",
            after={**named, "client": client_pseudonym(request), "failures": int(failures)},
        )


def on_logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    with audit.audited_transaction():
        audit.record(
            action=LOGOUT,
            object_type="user",
            object_id=user.pk,
            actor=user,
            after={"client": client_pseudonym(request)},
        )


def connect() -> None:
    """Connect the receivers (AccountsConfig.ready)."""
    user_logged_in.connect(on_logged_in, dispatch_uid="straz-audit-login")
    # Imported here: twofactor reads django-otp's models.
    from straz.accounts.twofactor import remember_at_login

    user_logged_in.connect(remember_at_login, dispatch_uid="straz-second-factor-at-login")
    user_login_failed.connect(on_login_failed, dispatch_uid="straz-audit-login-failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="straz-audit-locked-out")
    user_logged_out.connect(on_logged_out, dispatch_uid="straz-audit-logout")
