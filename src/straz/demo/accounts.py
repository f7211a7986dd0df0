"""Demo staff accounts: one per role, password `<name>-demo` (published demo logins, for the demo only)."""

from __future__ import annotations

from typing import Any

from straz.accounts.models import Role
from straz.accounts.services import ensure_staff_user
from straz.demo.common import say

DEMO_PASSWORD_SUFFIX = "-demo"  # noqa: S105 - published demo logins
DEMO_ROLES = ("officer", "supervisor", "dispatcher", "analyst", "manager", "admin")

# ---------------------------------------------------------------------------------- people


def create_users(police: list[Any], stdout: Any = None) -> dict[str, Any]:
    """One demo account per role (officer and supervisor scoped to the first districts)."""
    scopes = {"officer": police[:2], "supervisor": police[:5]}
    users: dict[str, Any] = {}
    for role in DEMO_ROLES:
        user, created = ensure_staff_user(
            username=role,
            password=f"{role}{DEMO_PASSWORD_SUFFIX}",
            role=Role(role),
            first_name=role.capitalize(),
            email=f"{role}@example.cz",
            administrator=role == "admin",
            districts=scopes.get(role, ()),
            demo_password=True,
        )
        if not created:
            say(stdout, f"User {role} already exists; left unchanged (demo password not set).")
        users[role] = user
    profile = police[0].primary_officer
    if (
        profile is not None
        and profile.user_id is None
        and not hasattr(users["officer"], "officer_profile")
    ):
        profile.user = users["officer"]
        profile.save(update_fields=["user"])
    return users
