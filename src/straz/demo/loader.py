"""Demo data: Plzeň with districts, officers, staff users, a gazetteer and thousands of reports,
and joint interventions of the IZS (open incidents, an event, a closed one whose report is due).

The city outline and every district polygon here are SYNTHETIC: plausible shapes built
from real district centres (Voronoi cells clipped to a rough city outline), not the
official RÚIAN boundaries. Codes of the municipality and of the city districts Plzeň 1–4
are the real RÚIAN codes; police districts (obvody), officers and contacts are invented.
"""
from __future__ import annotations

from typing import Any

from django.db import transaction

from straz.accounts import audit
from straz.accounts.models import AuditEntry, AuditHead
from straz.analytics.threatmap.summaries import rebuild_summaries
from straz.demo.accounts import create_users
from straz.demo.addresses import load_address_sample
from straz.demo.common import say
from straz.demo.crimemap import load_crime_sample
from straz.demo.incident_history import ensure_incident_history
from straz.demo.incidents import ensure_incident_demo
from straz.demo.reports import DEFAULT_REPORT_COUNT, create_reports
from straz.demo.softtargets import ensure_softtarget_demo
from straz.demo.territory import (
    CITY_DISTRICTS,
    MUNICIPALITY,
    POLICE_DISTRICTS,
    create_places,
    create_territory,
)
from straz.reports.map import aggregates
from straz.reports.seed import seed_categories

DEMO_AUDIT_ACTION = "demo.load"


def demo_present() -> bool:
    """True when the demo data set was loaded into this database before."""
    return AuditEntry.objects.filter(action=DEMO_AUDIT_ACTION).exists()


def ensure_demo_data(*, report_count: int | None = None, stdout: Any = None) -> bool:
    """Load the demo data set unless present; True when it was created now."""
    if demo_present():
        # Databases loaded before the IZS part (or its history) existed get it now.
        ensure_incident_demo(stdout=stdout)
        ensure_incident_history(stdout=stdout)
        load_crime_sample(stdout=stdout)
        ensure_softtarget_demo(stdout=stdout)
        load_address_sample(stdout=stdout)
        return False

    count = DEFAULT_REPORT_COUNT if report_count is None else max(0, int(report_count))
    with transaction.atomic():
        # Take the audit chain's head lock first: two `straz demo` runs at once then queue
        # here (SQLite's IMMEDIATE transactions already do) instead of clashing on codes.
        AuditHead.objects.select_for_update().get_or_create(id=1)
        if demo_present():  # another process won the race while we waited for the lock
            return False
        seed_categories()
        areas = create_territory()
        say(
            stdout,
            f"Territory: Plzeň, {len(CITY_DISTRICTS)} city districts, "
            f"{len(POLICE_DISTRICTS)} police districts.",
        )
        users = create_users(areas["police"], stdout)
        places = create_places()
        stats = create_reports(count=count, users=users, places=places)
        say(
            stdout,
            f"Reports: {stats['reports']} ({stats['duplicates']} duplicates), "
            f"events: {stats['events']}.",
        )
        aggregates.rebuild()
        # bulk_create skips the model signals that keep the statistics summaries exact.
        rebuild_summaries()
        audit.record(
            action=DEMO_AUDIT_ACTION,
            object_type="demo",
            object_id="plzen",
            actor_label="system",
            after={
                "municipality": MUNICIPALITY["code"],
                "police_districts": [code for code, *_ in POLICE_DISTRICTS],
                "users": sorted(users),
                "places": len(places),
                **stats,
            },
        )
    ensure_incident_demo(stdout=stdout)
    ensure_incident_history(stdout=stdout)
    load_crime_sample(stdout=stdout)
    ensure_softtarget_demo(stdout=stdout)
    load_address_sample(stdout=stdout)
    return True
