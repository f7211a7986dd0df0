"""API authentication: `Authorization: Bearer TOKEN` or a logged-in staff session."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from straz.accounts.models import ApiToken, User

TOKEN_PREFIX = "straz_"  # noqa: S105 (a prefix that marks tokens, not a secret)


def hash_token(raw: str) -> str:
    """SHA-256 hex of a raw token; tokens are never stored in the clear."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(*, user: User, name: str = "") -> str:
    """Create a token for `user` and return it in the clear, once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=hash_token(raw))
    return raw


def user_for_token(raw: str) -> User | None:
    """The active staff user owning a valid, unrevoked token, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch at most once a minute so that reads do not turn into a write each.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class StaffBearer(HttpBearer):
    """Bearer-token auth for staff endpoints."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
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
        return user_for_token(header[7:].strip())
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return cast(User, user)  # the middleware sets a staff User once authenticated
    return None
