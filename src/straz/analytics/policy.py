"""Who sees which statistics: the public view for everyone, the staff view in their scope."""

from __future__ import annotations

from typing import Any

from straz.accounts.policy import is_district_scoped

PUBLIC = "public"
STAFF = "staff"


def audience_for(user: Any) -> str:
    """PUBLIC for anonymous visitors, STAFF for a logged-in staff member."""
    return STAFF if user is not None and user.is_authenticated and user.is_active else PUBLIC


def scoped_district_ids(user: Any) -> list[int] | None:
    """The districts a staff member's statistics are limited to (None = no limit)."""
    if user is None or audience_for(user) != STAFF or not is_district_scoped(user):
        return None
    return list(user.districts.values_list("pk", flat=True))
