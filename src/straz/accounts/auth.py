"""API authentication: `Authorization: Bearer TOKEN` or a logged-in staff session.

Tokens expire (STRAZ_API_TOKEN_DAYS, 90 by default) and may be read-only (ADR 0027).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from straz.accounts.models import ApiToken, User
from straz.core.config import straz_settings
from straz.core.errors import DomainError, Forbidden, ValidationFailed

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

TOKEN_PREFIX = "straz_"  # noqa: S105 (a prefix that marks tokens, not a secret)


def hash_token(raw: str) -> str:
    """SHA-256 hex of a raw token; tokens are never stored in the clear."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class TokenExpired(DomainError):
    """The token was valid once; it has passed its expiry and must be replaced."""

    status = 401


def issue_token(
    *, user: User, name: str = "", expires_days: int | None = None, read_only: bool = False
) -> str:
    """Create a token for `user` and return it in the clear, once."""
    days = straz_settings().api_token_days if expires_days is None else expires_days
    if days < 1:
        raise ValidationFailed(_("A token must live at least one day."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:12],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=days),
        read_only=read_only,
    )
    return raw


def _live_token(raw: str) -> ApiToken | None:
    """The unrevoked token of an active user, expired or not, or None."""
    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def authenticate_token(raw: str, method: str) -> User | None:
    """The user of a valid token allowed to use `method`; None for an unknown token.

    An expired token answers 401 and a read-only token used to change something 403,
    each with a message saying so (a bare "invalid token" would leave the client guessing).
    """
    token = _live_token(raw)
    if token is None:
        return None
    now = timezone.now()
    if token.expires_at <= now:
        raise TokenExpired(
            _("The API token expired on %(date)s. Ask an administrator for a new one.")
            % {"date": date_format(timezone.localtime(token.expires_at), "DATETIME_FORMAT")}
        )
    if token.read_only and method.upper() not in SAFE_METHODS:
        raise Forbidden(_("This API token is read-only: it cannot change anything."))
    # Touch at most once a minute so that reads do not turn into a write each.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_for_token(raw: str, method: str = "GET") -> User | None:
    """The user of a token valid for `method` now, or None (expired and read-only included)."""
    try:
        return authenticate_token(raw, method)
    except DomainError:
        return None


class StaffBearer(HttpBearer):
    """Bearer-token auth for staff endpoints."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token, str(request.method or "GET"))
        if user is None:
            return None
        request.user = user
        return user


class StaffSession(SessionAuth):
    """Session auth (the staff web UI calling the API); CSRF is checked by Ninja."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


staff_auth = [StaffBearer(), StaffSession()]


def optional_staff(request: HttpRequest) -> User | None:
    """The staff user behind a request (bearer or session), or None for the public."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return authenticate_token(header[7:].strip(), str(request.method or "GET"))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return cast(User, user)  # the middleware sets a staff User once authenticated
    return None
