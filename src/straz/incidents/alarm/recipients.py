"""Whom a declared alarm level tells (§23(2), §24(2)–(3), §13 f) of Decree 328/2001): pure rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Scope(Enum):
    """Which territory a recipient serves, so that it is found from the incident's location."""

    NATIONAL = "national"
    REGION = "region"
    ORP = "orp"


@dataclass(frozen=True)
class Notice:
    """One notice a declaration calls for: its legal basis, the contact role and its scope."""

    rule: str
    role: str
    scope: Scope


_HEJTMAN = "hejtman"
_ORP_MAYOR = "orp_mayor"
_GR_HZS = "gr_hzs"
_HIGHER_OPIS = "higher_opis"

# §23(2), §24(2), §24(3) for a site; §13 f) adds the higher OPIS for a territory.
_SITE: dict[str, tuple[Notice, ...]] = {
    "III": (Notice("§23(2)", _HEJTMAN, Scope.REGION), Notice("§23(2)", _ORP_MAYOR, Scope.ORP)),
    "special": (
        Notice("§24(2)", _HEJTMAN, Scope.REGION),
        Notice("§24(2)", _ORP_MAYOR, Scope.ORP),
        Notice("§24(3)", _GR_HZS, Scope.NATIONAL),
    ),
}
_TERRITORY = (Notice("§13 f)", _HIGHER_OPIS, Scope.REGION),)


def notifies(level: str) -> bool:
    """True when declaring `level` tells anyone outside the intervention (III and special)."""
    return level in _SITE


def notices_for(level: str, *, territory: bool) -> tuple[Notice, ...]:
    """The notices declaring `level` calls for, for a site or (territory=True) for an event."""
    site = _SITE.get(level, ())
    return site + _TERRITORY if territory and site else site


@dataclass(frozen=True)
class Place:
    """Where a site lies for notifying: its region and ORP codes ('' when unknown)."""

    region_code: str
    orp_code: str


def place_of(*, typed_region: str, typed_orp: str, located_region: str, located_orp: str) -> Place:
    """The codes to notify by: a typed code overrides the one located from the point."""
    return Place(region_code=typed_region or located_region, orp_code=typed_orp or located_orp)


def unresolved(notices: Iterable[Notice], places: Iterable[Place]) -> list[Notice]:
    """The notices whose recipient cannot be determined because a region or ORP is unknown."""
    known = list(places)
    missing: list[Notice] = []
    for notice in notices:
        if notice.scope is Scope.NATIONAL:
            continue
        if not known or any(not _code(place, notice.scope) for place in known):
            missing.append(notice)
    return missing


def targets(notice: Notice, places: Iterable[Place]) -> list[Place]:
    """The distinct places a notice is sent for: one per region or ORP, one for a national notice."""
    out: list[Place] = []
    seen: set[tuple[str, str]] = set()
    for place in places:
        if notice.scope is Scope.NATIONAL:
            key = ("", "")
        elif notice.scope is Scope.REGION:
            key = (place.region_code, "")
        else:
            key = (place.region_code, place.orp_code)
        if _code(place, notice.scope) or notice.scope is Scope.NATIONAL:
            if key not in seen:
                seen.add(key)
                out.append(Place(*key))
    if notice.scope is Scope.NATIONAL and not out:
        out.append(Place("", ""))
    return out


def _code(place: Place, scope: Scope) -> str:
    return place.region_code if scope is Scope.REGION else place.orp_code


# ---------------------------------------------------------------- §23(2): notices by decision (ADR 0028)

# The bases on which §23(2) lets the OPIS notify, as NoticeBasis values spell them.
DUTY_OFFICER = "duty_officer"
COMMANDER_REQUEST = "commander_request"


def needs_decision(notice: Notice) -> bool:
    """True for §23(2)'s notices: the OPIS sends them on a decision, not on the declaration itself.

    §24(2)–(3) (special) and §13 f) (a territory's level to the higher OPIS) stay automatic.
    """
    return notice.rule == "§23(2)"


def bases_for(role: str) -> tuple[str, ...]:
    """§23(2): the hejtman on the duty officer's decision; the ORP mayor the same way or at the commander's request."""
    if role == _ORP_MAYOR:
        return (DUTY_OFFICER, COMMANDER_REQUEST)
    return (DUTY_OFFICER,)
