"""Use cases of accounts: creating staff accounts (the demo's bulk-load path)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password

from straz.accounts.models import Role, User


def ensure_staff_user(
    *,
    username: str,
    password: str,
    role: Role,
    first_name: str = "",
    email: str = "",
    administrator: bool = False,
    districts: Iterable[Any] = (),
    demo_password: bool = False,
    last_name: str = "",
    rank: str = "",
    function: str = "",
    organisation: str = "",
) -> tuple[User, bool]:
    """The account named `username`, created with these details if missing; True when created.

    The password must pass AUTH_PASSWORD_VALIDATORS (ValidationError otherwise); only the
    demo's published `<name>-demo` logins skip them (`demo_password=True`, ADR 0024).
    """
    user = User.objects.filter(username=username).first()
    if user is not None:
        # Never reset the password or scope of an account someone already made.
        return user, False
    if not demo_password:
        validate_password(password, User(username=username, first_name=first_name, email=email))
    user = User.objects.create_user(
        username=username,
        password=password,
        role=role,
        first_name=first_name,
        last_name=last_name,
        rank=rank,
        function=function,
        organisation=organisation,
        email=email,
        is_staff=administrator,
        is_superuser=administrator,
    )
    scope = list(districts)
    if scope:
        user.districts.set(scope)
    return user, True
