"""Pure rules of the threat map: statuses, legal transitions, deadlines, public visibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import h3


class Status(StrEnum):
    """KMZB statuses, exactly (Nowe, Weryfikacja, Potwierdzone, Niepotwierdzone, …)."""

    NEW = "new"
    VERIFICATION = "verification"
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"
    ELIMINATED = "eliminated"
    PASSED_ON = "passed_on"


# Legal workflow steps. A report is verified (confirmed or not) only after verification
# started; only a confirmed threat can be eliminated or passed to another institution.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.VERIFICATION}),
    Status.VERIFICATION: frozenset({Status.CONFIRMED, Status.NOT_CONFIRMED}),
    Status.CONFIRMED: frozenset({Status.ELIMINATED, Status.PASSED_ON}),
    Status.NOT_CONFIRMED: frozenset(),
    Status.ELIMINATED: frozenset(),
    Status.PASSED_ON: frozenset(),
}

CONFIRMED_FAMILY = frozenset({Status.CONFIRMED, Status.ELIMINATED, Status.PASSED_ON})
# Statuses after which a report leaves the public view some days after its last change.
FADING_STATUSES = frozenset({Status.NOT_CONFIRMED, Status.ELIMINATED})
# Statuses meaning the police have finished verifying (for the verify deadline).
VERIFIED_STATUSES = frozenset(
    {Status.CONFIRMED, Status.NOT_CONFIRMED, Status.ELIMINATED, Status.PASSED_ON}
)
OPEN_STATUSES = frozenset({Status.NEW, Status.VERIFICATION, Status.CONFIRMED})
# Statuses a report never leaves: the report is closed.
CLOSED_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)

# Public map colours (KMZB: green new, yellow verification, red confirmed, grey not confirmed).
STATUS_COLORS: dict[Status, str] = {
    Status.NEW: "#2e9d3a",
    Status.VERIFICATION: "#e3b505",
    Status.CONFIRMED: "#d62728",
    Status.NOT_CONFIRMED: "#8c8c8c",
    Status.ELIMINATED: "#1f5fa8",
    Status.PASSED_ON: "#8e44ad",
}


# Statuses the officer's page asks to confirm before setting: each is a verification
# result the reporter reads on the public page (KMZB), so a slip of the mouse must not
# publish it (issue 9, item 3).
CONFIRMED_ON_PAGE = VERIFIED_STATUSES
# How long after a status change its author (or a supervisor) may correct it (ADR 0039).
# A verification result is the police's assessment, not a legal act with its own
# deadline, so a slip may be undone; the correction is a new history step, never a
# deletion, and the public page shows it.
STATUS_CORRECTION_WINDOW = timedelta(minutes=10)


def may_correct_status_change(changed_at: datetime, now: datetime) -> bool:
    """True while a status change made at `changed_at` may still be corrected (undone)."""
    return timedelta(0) <= now - changed_at <= STATUS_CORRECTION_WINDOW


def can_transition(current: Status, target: Status) -> bool:
    """True when the workflow allows moving from `current` to `target`."""
    return target in TRANSITIONS[current]


def allowed_targets(current: Status) -> list[Status]:
    """The statuses a report in `current` may move to, in workflow order."""
    return [s for s in Status if s in TRANSITIONS[current]]


@dataclass(frozen=True)
class Deadlines:
    """When a report must be read and verified by."""

    read_due: datetime
    verify_due: datetime


def deadlines_for(created_at: datetime, *, read_days: int, verify_days: int) -> Deadlines:
    """Deadlines counted from the moment the report arrived."""
    return Deadlines(
        created_at + timedelta(days=read_days), created_at + timedelta(days=verify_days)
    )


def is_overdue(
    *,
    now: datetime,
    status: Status,
    read_at: datetime | None,
    read_due: datetime | None,
    verify_due: datetime | None,
) -> bool:
    """True when a deadline passed without the step it asks for."""
    if read_at is None and read_due is not None and now > read_due:
        return True
    return status not in VERIFIED_STATUSES and verify_due is not None and now > verify_due


@dataclass(frozen=True)
class Visibility:
    """Whether the public sees a report now, and until when (None = no end)."""

    public: bool
    until: datetime | None


def public_visibility(
    *,
    status: Status,
    last_change: datetime,
    now: datetime,
    only_when_confirmed: bool,
    is_duplicate: bool,
    retention_days: int,
) -> Visibility:
    """Apply the public rules: confirmed-only categories, fading statuses, duplicates."""
    if is_duplicate:
        # The public sees the first report with "also reported by N people".
        return Visibility(False, None)
    if only_when_confirmed and status not in CONFIRMED_FAMILY:
        return Visibility(False, None)
    if status in FADING_STATUSES:
        until = last_change + timedelta(days=retention_days)
        return Visibility(now < until, until if now < until else None)
    return Visibility(True, None)


def is_public_now(*, is_public: bool, public_until: datetime | None, now: datetime) -> bool:
    """Whether the public sees a stored report at `now` (its ORM twin: public.public_now_q)."""
    # The expiry job clears is_public later; until it runs, public_until alone decides.
    return is_public and (public_until is None or now < public_until)


def public_location(
    lat: float, lon: float, *, approximate: bool, resolution: int
) -> tuple[float, float]:
    """Where the public sees a report: exact, or the centre of its coarse H3 cell."""
    if not approximate:
        return lat, lon
    cell = h3.latlng_to_cell(lat, lon, resolution)
    clat, clon = h3.cell_to_latlng(cell)
    return round(clat, 6), round(clon, 6)


def h3_int(lat: float, lon: float, resolution: int) -> int:
    """The H3 cell of a point as a signed 64-bit integer (H3's top bit is always 0)."""
    return int(h3.latlng_to_cell(lat, lon, resolution), 16)


def follower_erase_due(
    *,
    created_at: datetime,
    status: Status,
    last_change: datetime,
    now: datetime,
    closed_retention_days: int,
    ip_retention_days: int,
) -> bool:
    """Whether a follower's e-mail address must be erased now (ADR 0036).

    `status` and `last_change` are those of the report followed (the first report of a
    duplicate group). The address serves only to tell of status changes: once the report is
    closed it is kept `closed_retention_days` (a late question can still be answered), and
    never longer than the reporter's IP address, the report's other personal datum
    (`ip_retention_days`; 0 keeps both until closing decides).
    """
    if status in CLOSED_STATUSES and now >= last_change + timedelta(days=closed_retention_days):
        return True
    return ip_retention_days > 0 and now >= created_at + timedelta(days=ip_retention_days)
