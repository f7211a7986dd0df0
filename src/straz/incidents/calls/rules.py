"""§12(1) of Decree 328/2001 as pure rules: which basic component's operations centre is competent
for a call, and when the call data must also go to the territorially competent OPIS.

A basic component's centre that receives a call it is not competent for forwards the call data to
the competent centre and, when several components are needed, also to the OPIS (the fire rescue
service's operations and information centre of the region).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# The basic components with their own operations centres (§12): fire brigade, EMS, police.
HZS = "hzs"
ZZS = "zzs"
PCR = "pcr"
CENTRE_COMPONENTS = (HZS, ZZS, PCR)

# What each type of call is about, and whose centre answers it.
CALL_TYPE_COMPONENT: dict[str, str] = {
    "fire": HZS,
    "technical": HZS,
    "hazardous_substance": HZS,
    "flood": HZS,
    "medical": ZZS,
    "crime": PCR,
    "public_order": PCR,
    "traffic_accident": PCR,
}
CALL_TYPES = tuple(CALL_TYPE_COMPONENT)


@dataclass(frozen=True)
class Forwarding:
    """Where §12(1) sends a call: the competent component, all components needed, and the OPIS copy."""

    competent: str
    components: frozenset[str]
    opis_required: bool


def forwarding_for(call_type: str, components_needed: Iterable[str] = ()) -> Forwarding:
    """The competent component of a call type and whether several components make the OPIS copy required."""
    if call_type not in CALL_TYPE_COMPONENT:
        raise ValueError(f"unknown call type {call_type!r}")
    competent = CALL_TYPE_COMPONENT[call_type]
    components = frozenset({competent, *components_needed})
    return Forwarding(competent=competent, components=components, opis_required=len(components) > 1)


# Problems of a forwarding as recorded, by code: refused (the OPIS copy is missing where
# several components are needed) or flagged (the call went to a centre other than the
# competent one the territory knows).
MISSING_OPIS = "missing_opis"
NOT_COMPETENT = "not_competent"


def forwarding_problems(
    plan: Forwarding, *, to_centre: str, competent_centre: str, to_opis: str
) -> tuple[str, ...]:
    """What is wrong with forwarding to `to_centre` (+ `to_opis`) under `plan` ('' = unknown or none)."""
    problems: list[str] = []
    if plan.opis_required and not to_opis.strip():
        problems.append(MISSING_OPIS)
    if competent_centre and to_centre.strip() and to_centre.strip() != competent_centre:
        problems.append(NOT_COMPETENT)
    return tuple(problems)
