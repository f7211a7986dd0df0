"""Demo soft targets in Plzeň: a school, a kindergarten, a hospital and a square, each with
one assessment on the default scale and a few measures (one overdue), loaded through the
wing's services by the demo manager. Names and places are real Plzeň places; the design
parts, scores and measures are invented."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from straz.accounts import audit
from straz.accounts.models import AuditEntry, Role, User
from straz.demo.common import say
from straz.softtargets import services

DEMO_OPERATOR = "Statutární město Plzeň"
DEMO_ACTION = "demo.softtargets"

# name, kind, lat, lon, capacity, listing, scenarios [(name, 7 scores)], measures [(kind, title, owner, cost, days, state)]
TARGETS: list[tuple[Any, ...]] = [
    (
        "4. základní škola Plzeň", "school", 49.7391, 13.3657, 620, "hidden",
        [("Ozbrojený útočník u vchodu B", (5, 5, 5, 5, 5, 5, 5)), ("Žhářský útok v tělocvičně", (3, 3, 4, 4, 5, 4, 3))],
        [("technical", "Čtečky karet u všech vchodů", "Odbor školství", 30000, -10, "in_progress"),
         ("regime", "Nácvik uzamčení školy", "Ředitelství školy", 0, 45, "planned")],
    ),
    (
        "Mateřská škola Jižní Předměstí", "kindergarten", 49.7302, 13.3702, 110, "hidden",
        [("Cizí osoba v areálu", (4, 3, 2, 4, 2, 2, 3))],
        [("technical", "Videotelefon u branky", "Odbor školství", 18000, 30, "planned")],
    ),
    (
        "Fakultní nemocnice Lochotín", "hospital", 49.7665, 13.3690, 2500, "hidden",
        [("Agresivní návštěvník na urgentním příjmu", (6, 5, 3, 4, 3, 3, 4))],
        [("regime", "Školení personálu urgentního příjmu", "Nemocnice", 12000, 60, "planned")],
    ),
    (
        "Náměstí Republiky", "public_space", 49.7477, 13.3776, 8000, "protected_place",
        [("Najetí vozidlem do davu při akci", (5, 4, 3, 6, 3, 4, 6))],
        [("technical", "Mobilní zábrany pro velké akce", "Správa veřejného statku", 450000, 120, "planned")],
    ),
]


def ensure_softtarget_demo(*, stdout: Any = None) -> bool:
    """Load the demo soft targets unless present; True when they were created now."""
    if AuditEntry.objects.filter(action=DEMO_ACTION).exists():
        return False
    manager = User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk").first()
    if manager is None:
        return False
    today = timezone.localdate()
    factors = ("accessibility", "occurrence", "complexity", "lives", "object", "finances", "community")
    for name, kind, lat, lon, capacity, listing, scenarios, measures in TARGETS:
        target = services.register_target(
            actor=manager,
            data=services.TargetInput(
                name=name, kind=kind, lat=lat, lon=lon, capacity=capacity, operator=DEMO_OPERATOR,
                public_listing=listing,
            ),
        )
        services.set_restricted(
            actor=manager, target_id=target.pk,
            text="Ukázka: popis návrhové části (smyšlený).",
            vulnerabilities="Ukázka: volně přístupné vchody.",
            attackers="Ukázka: osamělý útočník.",
        )
        services.assess(
            actor=manager, target_id=target.pk, scale_name="default",
            scenarios=[{"name": s, "scores": dict(zip(factors, scores, strict=True))} for s, scores in scenarios],
        )
        for m_kind, title, owner, cost, days, state in measures:
            measure = services.add_measure(
                actor=manager, target_id=target.pk,
                data=services.MeasureInput(
                    kind=m_kind, title=title, owner=owner, cost_planned=cost,
                    deadline=today + timedelta(days=days),
                ),
            )
            if state != "planned":
                services.update_measure(actor=manager, measure_id=measure.pk, state=state)
    with audit.audited_transaction():
        audit.record(
            action=DEMO_ACTION, object_type="demo", object_id="plzen", actor_label="system",
            after={"soft_targets": len(TARGETS)},
        )
    say(stdout, f"Soft targets: {len(TARGETS)}, each assessed, with measures (one overdue).")
    return True
