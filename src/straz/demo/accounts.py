"""Demo staff accounts: one per role, password `<name>-demo` (published demo logins, for the demo only)."""

from __future__ import annotations

from typing import Any

from straz.accounts.models import Role
from straz.accounts.services import ensure_staff_user
from straz.demo.common import say

DEMO_PASSWORD_SUFFIX = "-demo"  # noqa: S105 - published demo logins
DEMO_ROLES = ("officer", "supervisor", "dispatcher", "analyst", "manager", "admin")
# How documents name each demo person (accounts.people): rank, name, function, organisation.
DEMO_PEOPLE: dict[str, dict[str, str]] = {
    "officer": {"rank": "nstržm.", "first_name": "Tomáš", "last_name": "Beneš",
                "function": "policista", "organisation": "Policie ČR, OOP Plzeň-město"},
    "supervisor": {"rank": "npor.", "first_name": "Martina", "last_name": "Horáková",
                   "function": "vedoucí oddělení", "organisation": "Policie ČR, KŘP Plzeňského kraje"},
    "dispatcher": {"rank": "kpt.", "first_name": "Jan", "last_name": "Svoboda",
                   "function": "operační důstojník", "organisation": "OPIS HZS Plzeňského kraje"},
    "analyst": {"rank": "Ing.", "first_name": "Lucie", "last_name": "Černá",
                "function": "analytička", "organisation": "Magistrát města Plzně"},
    "manager": {"rank": "Mgr.", "first_name": "Pavel", "last_name": "Dvořák",
                "function": "manažer prevence kriminality", "organisation": "Magistrát města Plzně"},
    "admin": {"rank": "", "first_name": "Karel", "last_name": "Novotný",
              "function": "správce systému", "organisation": "Magistrát města Plzně"},
}

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
            **DEMO_PEOPLE[role],
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
