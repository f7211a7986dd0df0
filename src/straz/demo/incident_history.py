"""Demo history of the IZS: two years of closed joint interventions around Plzeň for the §16(5) statistics."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from straz.accounts import audit
from straz.accounts.models import AuditEntry, AuditHead, User
from straz.accounts.people import person_label
from straz.demo.common import say
from straz.demo.incidents import BRIEFING_WORDS, DEMO_COMMANDERS, IZS_ORP, IZS_REGION, shift_metres
from straz.demo.territory import PLACES
from straz.incidents import entries
from straz.incidents.models import (
    AlarmDeclaration,
    CommandAssignment,
    ComponentDeployment,
    Incident,
    IncidentEvent,
    IncidentReport,
    IncidentType,
    TerritoryReport,
    TimelineEntry,
)
from straz.incidents.services import history

# ---------------------------------------------------------------------------------- IZS history
#
# Two years of closed joint interventions for the §16(5) statistics: about eight a month
# around Plzeň, with the seasons (spring thaw and summer storms bring floods, winter the
# pile-ups and windstorms), mostly levels I–II, some III and a rare special one, their
# commanders, components with forces and means, rescue durations and the completed §16(4)
# reports of the III/special ones (a couple of recent ones still due). Hundreds of rows
# told through the services would cost seconds and thousands of audit entries for
# invented history, so they are bulk-inserted in one transaction with ONE audit entry for
# the batch (its own action, so databases demo-loaded before get it once too).

HISTORY_DEMO_ACTION = "demo.incident_history"
HISTORY_MONTHS = 24
HISTORY_SEED = 16_05

# (type code, weight per month in winter, in summer, median rescue hours): a region's mix.
HISTORY_TYPES = (
    ("mass-road-accident", 3.2, 1.8, 2.5),
    ("fire-many-persons", 1.6, 1.2, 5.0),
    ("hazardous-substance-leak", 0.8, 0.9, 6.0),
    ("search-for-missing-person", 0.6, 1.0, 9.0),
    ("explosive-or-suspicious-object", 0.5, 0.5, 3.0),
    ("windstorm", 0.5, 0.6, 7.0),
    ("flood", 0.0, 0.0, 18.0),  # by month: FLOOD_MONTHS
    ("railway-accident", 0.25, 0.25, 7.0),
    ("building-collapse", 0.15, 0.15, 14.0),
    ("mass-casualty-incident", 0.2, 0.3, 4.0),
    ("other", 0.4, 0.4, 4.0),
    ("air-accident", 0.03, 0.08, 6.0),
)
# Floods a month by the month of the year: the thaw (March, April) and the downpours (June–August).
FLOOD_MONTHS = {3: 0.8, 4: 0.6, 5: 0.3, 6: 0.7, 7: 0.9, 8: 0.6}
# Levels I–II mostly, III sometimes, special rarely; some types run higher.
HISTORY_LEVELS = (("I", 0.56), ("II", 0.33), ("III", 0.095), ("special", 0.015))
HIGHER_LEVEL_TYPES = {"hazardous-substance-leak", "building-collapse", "mass-casualty-incident", "flood", "air-accident"}

HISTORY_TITLES = {
    "mass-road-accident": ("Hromadná nehoda – {place}", "Srážka autobusu a osobních vozidel – {place}", "Řetězová nehoda v mlze – {place}"),
    "fire-many-persons": ("Požár bytového domu – {place}", "Požár v suterénu obytného domu – {place}", "Požár haly – {place}"),
    "hazardous-substance-leak": ("Únik čpavku – {place}", "Únik nafty do kanalizace – {place}", "Únik chloru z úpravny vody – {place}"),
    "search-for-missing-person": ("Pátrání po pohřešované seniorce – {place}", "Pátrání po pohřešovaném dítěti – {place}"),
    "explosive-or-suspicious-object": ("Podezřelé zavazadlo – {place}", "Nález munice z 2. světové války – {place}"),
    "windstorm": ("Vichřice – popadané stromy, {place}", "Větrná smršť – poškozené střechy, {place}"),
    "flood": ("Rozlitá řeka – {place}", "Zatopené sklepy a komunikace – {place}"),
    "railway-accident": ("Srážka vlaku s vozidlem na přejezdu – {place}", "Vykolejení nákladního vlaku – {place}"),
    "building-collapse": ("Zřícení části domu – {place}", "Propad stropu v rekonstruovaném domě – {place}"),
    "mass-casualty-incident": ("Hromadné postižení osob – otrava CO, {place}", "Kolaps návštěvníků koncertu – {place}"),
    "other": ("Únik plynu z vedení – {place}", "Výpadek dodávky vody – {place}"),
    "air-accident": ("Nouzové přistání ultralehkého letadla – {place}",),
}
# Rivers of Plzeň for the floods: (name of the place, lat, lon).
RIVER_PLACES = (
    ("Mže, Roudná", 49.7560, 13.3790),
    ("Radbuza, Doudlevce", 49.7300, 13.3800),
    ("Úslava, Koterov", 49.7310, 13.4210),
    ("Berounka, Bílá Hora", 49.7790, 13.3960),
    ("Úhlava, Hradiště", 49.7170, 13.3870),
    ("Mže, Malesice", 49.7640, 13.2950),
)
HISTORY_COMMANDERS = (
    "npor. Tomáš Bureš (HZS PK, PS Plzeň-Košutka)",
    "kpt. Ing. Lenka Marešová (HZS PK, ÚO Plzeň)",
    "por. Jakub Sýkora (HZS PK, PS Plzeň-Slovany)",
    "mjr. Ing. Pavel Hájek (HZS PK, ÚO Plzeň)",
    "nstržm. Josef Kotek (HZS PK, PS Plzeň-Košutka)",
    "ppor. Martina Holubová (HZS PK, PS Plzeň-Slovany)",
    "kpt. Bc. Ondřej Pešek (HZS PK, PS Plzeň-Lobzy)",
)
# kind → unit names; (people, vehicles) ranges scale with the level.
HISTORY_UNITS = {
    "hzs": ("HZS PS Plzeň-Košutka", "HZS PS Plzeň-Slovany", "HZS PS Plzeň-Lobzy"),
    "jpo": ("JSDH Plzeň-Božkov", "JSDH Plzeň-Radčice", "JSDH Plzeň-Křimice", "JSDH Černice"),
    "zzs": ("ZZS PK – výjezdová základna Plzeň-Lochotín", "ZZS PK – RLP Plzeň", "ZZS PK – RZP Plzeň-Bory"),
    "pcr": ("PČR OOP Plzeň-Skvrňany", "PČR OOP Plzeň-Slovany", "PČR DI Plzeň"),
    "municipal_police": ("Městská policie Plzeň",),
    "utilities": ("Vodárna Plzeň a.s.", "ČEZ Distribuce", "GasNet"),
    "army": ("AČR – ženijní jednotka",),
    "ngo": ("Český červený kříž – OS Plzeň-město",),
}
HISTORY_LEADERS = ("Jan Hasič", "Petra Nováková", "Karel Šimek", "Jiří Veselý", "Lucie Benešová", "Martin Dvořák", "Filip Kraus")
HISTORY_EXTRA_KINDS = {
    "mass-road-accident": ("zzs", "pcr"),
    "fire-many-persons": ("zzs", "pcr", "jpo"),
    "hazardous-substance-leak": ("zzs", "pcr", "utilities"),
    "search-for-missing-person": ("pcr", "municipal_police", "jpo"),
    "explosive-or-suspicious-object": ("pcr", "zzs", "municipal_police"),
    "windstorm": ("jpo", "utilities", "municipal_police"),
    "flood": ("jpo", "utilities", "army", "ngo"),
    "railway-accident": ("zzs", "pcr", "utilities"),
    "building-collapse": ("zzs", "pcr", "utilities"),
    "mass-casualty-incident": ("zzs", "pcr", "ngo"),
    "other": ("pcr", "utilities"),
    "air-accident": ("zzs", "pcr"),
}


def incident_history_present() -> bool:
    """True when the demo's history of closed joint interventions was loaded before."""

    return AuditEntry.objects.filter(action=HISTORY_DEMO_ACTION).exists()


def ensure_incident_history(*, stdout: Any = None, now: datetime | None = None) -> bool:
    """Load two years of closed joint interventions (bulk, one audit entry) unless present."""
    if incident_history_present():
        return False

    with transaction.atomic():
        AuditHead.objects.select_for_update().get_or_create(id=1)
        if incident_history_present():
            return False
        when = (now or timezone.now()).replace(second=0, microsecond=0)
        counts = _IzsHistory(now=when).write()
        audit.record(
            action=HISTORY_DEMO_ACTION,
            object_type="demo",
            object_id="plzen-izs-history",
            actor_label="system",
            after={**counts, "months": HISTORY_MONTHS, "until": when.isoformat()},
        )
    say(
        stdout,
        f"IZS history: {counts['incidents']} closed joint interventions over {HISTORY_MONTHS} months, "
        f"{counts['completed_reports']} completed reports, {counts['reports_due']} still due.",
    )
    return True


class _IzsHistory:
    """The closed interventions of the last two years, built in memory and bulk-inserted."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.rng = random.Random(HISTORY_SEED)
        self.types = {t.code: t for t in IncidentType.objects.all()}
        self.dispatcher = User.objects.filter(username="dispatcher").first()
        self.commander_users = [u for u in User.objects.filter(username__in=[c[0] for c in DEMO_COMMANDERS])]
        self.plan: list[dict[str, Any]] = []

    # -- what happened when ---------------------------------------------------------------

    def _season(self, moment: datetime) -> float:
        """0 in mid-winter, 1 in mid-summer."""
        day = timezone.localtime(moment).timetuple().tm_yday
        return (1 - math.cos(2 * math.pi * (day - 15) / 365.25)) / 2

    def _level(self, code: str) -> str:
        levels = [level for level, _weight in HISTORY_LEVELS]
        weights = [weight for _level, weight in HISTORY_LEVELS]
        if code in HIGHER_LEVEL_TYPES:
            weights = [0.4, 0.4, 0.17, 0.03]
        return str(self.rng.choices(levels, weights=weights)[0])

    def _place(self, code: str) -> tuple[str, float, float]:
        if code == "flood":
            name, lat, lon = self.rng.choice(RIVER_PLACES)
        else:
            name, _kind, lat, lon = self.rng.choice(PLACES)
        lat, lon = shift_metres(lat, lon, self.rng.gauss(0, 250), self.rng.gauss(0, 250))
        return name, round(lat, 6), round(lon, 6)

    def _add(self, code: str, start: datetime, *, level: str | None = None, event: int | None = None,
             place: tuple[str, float, float] | None = None, priority: int | None = None) -> dict[str, Any]:
        hours = next(h for c, _w, _s, h in HISTORY_TYPES if c == code)
        name, lat, lon = place or self._place(code)
        row = {
            "code": code if code in self.types else "other",
            "start": start,
            "level": level or self._level(code),
            "event": event,
            "priority": priority,
            "title": self.rng.choice(HISTORY_TITLES[code]).format(place=name),
            "lat": lat,
            "lon": lon,
            # Rescue durations are skewed: most are short, a few last long.
            "duration": timedelta(hours=max(0.4, self.rng.lognormvariate(math.log(hours), 0.6))),
        }
        self.plan.append(row)
        return row

    def _plan(self) -> list[dict[str, Any]]:
        first = self.now - timedelta(days=round(HISTORY_MONTHS * 30.44))
        # Nothing in the last 16 days but the reports still due (below): the history is over.
        last = self.now - timedelta(days=16)
        day = first
        while day < last:
            summer = self._season(day)
            month = timezone.localtime(day).month
            for code, winter_rate, summer_rate, _hours in HISTORY_TYPES:
                rate = (winter_rate + (summer_rate - winter_rate) * summer) / 30.44
                if code == "flood":
                    rate = FLOOD_MONTHS.get(month, 0.02) / 30.44
                if self.rng.random() < rate:
                    start = day + timedelta(minutes=self.rng.uniform(0, 24 * 60))
                    if start < last:
                        self._add(code, start)
            day += timedelta(days=1)
        # Floods of the seasons: the spring thaw and the summer downpours of last year,
        # each an event (§20(3)) over several sites of the rivers.
        year = timezone.localtime(self.now).year - 1
        zone = timezone.get_current_timezone()
        for n, (month, day_of_month, sites, event_level) in enumerate(((3, 14, 6, "II"), (7, 20, 8, "III"))):
            begin = datetime(year, month, day_of_month, 5, 30, tzinfo=zone)
            for k in range(sites):
                name, lat, lon = RIVER_PLACES[k % len(RIVER_PLACES)]
                lat, lon = shift_metres(lat, lon, self.rng.gauss(0, 150) + 400 * (k // len(RIVER_PLACES)), self.rng.gauss(0, 150))
                self._add(
                    "flood", begin + timedelta(hours=3 * k + self.rng.uniform(0, 2)),
                    level=self.rng.choice(("I", "II", "II")) if event_level == "II" else self.rng.choice(("II", "III")),
                    event=n, place=(name, round(lat, 6), round(lon, 6)), priority=k + 1,
                )
        self.events: list[dict[str, Any]] = [
            {"name": f"Jarní povodeň {year} – Plzeň", "level": "II", "start": datetime(year, 3, 14, 5, 0, tzinfo=zone)},
            {"name": f"Letní povodeň {year} – Plzeň", "level": "III", "start": datetime(year, 7, 20, 5, 0, tzinfo=zone)},
        ]
        # A couple of recent level III interventions whose reports are still due (§16(2)).
        self.due_rows = [
            self._add("fire-many-persons", self.now - timedelta(days=9, hours=5), level="III"),
            self._add("hazardous-substance-leak", self.now - timedelta(days=5, hours=11), level="III"),
        ]
        for row in self.due_rows:
            row["duration"] = timedelta(hours=6)
        # The special level is rare but should appear once in two years: the largest leak.
        if not any(r["level"] == "special" for r in self.plan):
            leaks = [r for r in self.plan if r["code"] == "hazardous-substance-leak" and r not in self.due_rows]
            if leaks:
                max(leaks, key=lambda r: r["duration"])["level"] = "special"
        self.plan.sort(key=lambda r: r["start"])
        return self.plan

    # -- the rows -------------------------------------------------------------------------

    def write(self) -> dict[str, Any]:
        rng = self.rng
        plan = self._plan()
        events = history.bulk_load_events(
            [
                IncidentEvent(
                    name=e["name"], region_code=IZS_REGION, orp_code=IZS_ORP, alarm_level=e["level"],
                    created_at=e["start"], updated_at=e["start"] + timedelta(days=3), created_by=self.dispatcher,
                )
                for e in self.events
            ]
        )
        incidents = []
        for row in plan:
            reported = row["start"]
            started = reported + timedelta(minutes=rng.uniform(6, 25))
            ended = started + row["duration"]
            level = row["level"]
            incidents.append(
                Incident(
                    type=self.types[row["code"]],
                    title=row["title"],
                    description="Zásah složek IZS (ukázková historie).",
                    lat=row["lat"],
                    lon=row["lon"],
                    persons_threatened={"I": 5, "II": 30, "III": 150, "special": 1200}[level],
                    state="closed",
                    alarm_level=level,
                    coordination_level="operational" if level in ("III", "special") else "tactical",
                    rescue_started_at=started,
                    rescue_ended_at=ended,
                    region_code=IZS_REGION,
                    orp_code=IZS_ORP,
                    event=events[row["event"]] if row["event"] is not None else None,
                    priority=row["priority"],
                    created_at=reported,
                    updated_at=ended + timedelta(minutes=rng.uniform(5, 60)),
                    created_by=self.dispatcher,
                )
            )
        incidents = history.bulk_load_incidents(incidents)

        declarations = []
        for e, spec in zip(events, self.events, strict=True):
            declarations.append(
                AlarmDeclaration(
                    event=e, level=spec["level"], proposed_level=spec["level"], declared_by_label="OPIS HZS PK",
                    declared_by=self.dispatcher, declared_at=spec["start"] + timedelta(hours=2),
                    written_reason="Více míst zásahu na území (§20(3)).",
                )
            )
        commands, deployments, timeline = [], [], []
        required = []
        for inc in incidents:
            start, end = inc.rescue_started_at, inc.rescue_ended_at
            assert start is not None and end is not None
            level = inc.alarm_level
            first_level = level
            if level in ("II", "III") and rng.random() < 0.25:
                first_level = {"II": "I", "III": "II"}[level]  # escalated during the intervention
                declarations.append(
                    AlarmDeclaration(
                        incident=inc, level=first_level, proposed_level=first_level, declared_by_label="OPIS HZS PK",
                        declared_by=self.dispatcher, declared_at=inc.created_at + timedelta(minutes=4),
                    )
                )
            declarations.append(
                AlarmDeclaration(
                    incident=inc, level=level, proposed_level=level, declared_by_label="OPIS HZS PK",
                    declared_by=self.dispatcher,
                    declared_at=inc.created_at + timedelta(minutes=4 if first_level == level else 40),
                )
            )
            # The first commander; at III/special the intervention often passes to a higher one (§3(7)).
            user = rng.choice(self.commander_users) if self.commander_users and rng.random() < 0.3 else None
            name = (
                person_label(user) if user is not None
                else rng.choice(HISTORY_COMMANDERS)
            )
            handover = level in ("III", "special") and rng.random() < 0.6
            terms = [(name, user, start)]
            if handover:
                terms.append((rng.choice([c for c in HISTORY_COMMANDERS if c != name]), None, start + (end - start) / 4))
            for k, (who, account, since) in enumerate(terms):
                commands.append(
                    CommandAssignment(
                        incident=inc, commander_name=who, commander_user=account, commander_component="hzs",
                        started_at=since, ended_at=terms[k + 1][2] if k + 1 < len(terms) else None,
                        how="initial" if k == 0 else "handover",
                        briefing_situation="" if k == 0 else "Situace stabilizována, síly a prostředky na místě.",
                        briefing_aim="" if k == 0 else "Dokončit záchranné práce a předat místo.",
                        takeover_declaration="" if k == 0 else BRIEFING_WORDS,
                        recorded_by=self.dispatcher,
                    )
                )
            kinds = ["hzs", *rng.sample(HISTORY_EXTRA_KINDS[inc.type.code], k=min(len(HISTORY_EXTRA_KINDS[inc.type.code]), 1 + int(level in ("II", "III", "special")) + int(level in ("III", "special"))))]
            scale = {"I": 1, "II": 2, "III": 4, "special": 7}[level]
            for kind in kinds:
                called = inc.created_at + timedelta(minutes=rng.uniform(1, 15))
                arrived = called + timedelta(minutes=rng.uniform(5, 22))
                deployments.append(
                    ComponentDeployment(
                        incident=inc, kind=kind, unit_name=rng.choice(HISTORY_UNITS[kind]),
                        called_at=called, arrived_at=arrived,
                        departed_at=max(arrived + timedelta(minutes=20), end - timedelta(minutes=rng.uniform(0, 30))),
                        leader_name=rng.choice(HISTORY_LEADERS),
                        people=rng.randint(2, 6) * (scale if kind in ("hzs", "jpo", "army") else 1),
                        vehicles=rng.randint(1, 2) * (scale if kind in ("hzs", "jpo") else 1),
                        equipment=["CAS 20", "vyprošťovací zařízení"] if kind == "hzs" else [],
                    )
                )
            # Automatic lines as message codes, read in each reader's language (ADR 0031).
            for at, kind, said in (
                (inc.created_at, "state", entries.message("incident.recorded")),
                (
                    inc.created_at + timedelta(minutes=4),
                    "declaration",
                    entries.message("alarm.declared", level=first_level, proposed=first_level),
                ),
                (start, "command", entries.message("command.assigned", name=name)),
                (end, "state", entries.message("incident.state_changed", state=entries.label("state", "closed"))),
            ):
                timeline.append(
                    TimelineEntry(
                        incident=inc, at=at, kind=kind, code=said["code"], params=said["params"],
                        author=self.dispatcher, author_label="OPIS HZS PK",
                    )
                )
            # §16(2): the site's own III/special (a level for the event alone calls for §16(3)).
            if level in ("III", "special"):
                required.append(inc)
        last_term = history.bulk_load_records(
            incidents=incidents, declarations=declarations, commands=commands, deployments=deployments, timeline=timeline
        )

        # bulk_create keeps the order of the plan.
        due_ids = {inc.pk for row, inc in zip(plan, incidents, strict=True) if any(row is d for d in self.due_rows)}
        reports = [self._report(inc, last_term[inc.pk]) for inc in required if inc.pk not in due_ids]
        # One of the reports still due has a draft saved, the other is not started.
        draft_of = min(due_ids) if due_ids else None
        if draft_of is not None:
            inc = next(i for i in incidents if i.pk == draft_of)
            draft = self._report(inc, last_term[inc.pk])
            draft.status, draft.completed_at, draft.completed_by, draft.completed_by_label = "draft", None, None, ""
            draft.dead = draft.injured = draft.rescued = draft.evacuated = None
            draft.updated_at = draft.created_at
            reports.append(draft)
        # §16(3): the regional fire brigade's report for each past territory at III/special
        # (more than one site), completed a week after the last site ended. No random draws:
        # the rest of the demo stays as it was.
        territory = []
        for e, spec in zip(events, self.events, strict=True):
            sites = [i for i in incidents if i.event_id == e.pk]
            if spec["level"] not in ("III", "special") or len(sites) < 2:
                continue
            ended = max(i.rescue_ended_at for i in sites if i.rescue_ended_at is not None)
            done = min(ended + timedelta(days=7), self.now - timedelta(hours=1))
            territory.append(
                TerritoryReport(
                    event=e, status="completed",
                    origin=f"{e.name}: povodeň na {len(sites)} místech zásahu.",
                    work_done="Záchrana a evakuace osob, protipovodňová opatření, odčerpávání, úklid.",
                    forces_and_means="Jednotky HZS PK a JSDH ze všech míst zásahu, ZZS PK, PČR, obce.",
                    procedure="OPIS HZS PK určila pořadí míst zásahu (§7 b); velitelé zásahu řídili svá místa.",
                    consequences="Zaplavené sklepy a přízemí, dočasně uzavřené komunikace.",
                    damage_czk=len(sites) * 1_500_000, values_saved_czk=len(sites) * 9_000_000,
                    dead=0, injured=len(sites) // 2, rescued=len(sites) * 3, evacuated=len(sites) * 120,
                    personal_help="Dobrovolníci obcí při stavbě protipovodňových zábran.",
                    material_help="Pytle s pískem a čerpadla ze skladu Správy státních hmotných rezerv.",
                    version=2, created_at=ended + timedelta(days=1), updated_at=done,
                    created_by=self.dispatcher, updated_by=self.dispatcher, completed_at=done,
                    completed_by=self.dispatcher, completed_by_label="OPIS HZS PK",
                )
            )
        history.bulk_load_reports(reports=reports, territory_reports=territory)
        return {
            "incidents": len(incidents),
            "events": len(events),
            "by_level": {lvl: sum(1 for i in incidents if i.alarm_level == lvl) for lvl, _w in HISTORY_LEVELS},
            "components": len(deployments),
            "commands": len(commands),
            "completed_reports": sum(1 for r in reports if r.status == "completed"),
            "reports_due": len(due_ids),
        }

    def _report(self, inc: Any, command: Any) -> Any:
        rng = self.rng
        code = inc.type.code
        end = inc.rescue_ended_at
        big = inc.alarm_level == "special"
        evacuated = {
            "flood": rng.randint(40, 600), "hazardous-substance-leak": rng.randint(20, 900),
            "fire-many-persons": rng.randint(15, 220), "building-collapse": rng.randint(10, 80),
        }.get(code, rng.randint(0, 30)) * (3 if big else 1)
        injured = rng.choice((0, 1, 2, 3, 5, 8, 12)) * (2 if big else 1)
        completed = min(end + timedelta(days=rng.uniform(2, 12)), self.now - timedelta(hours=1))
        author = command.commander_user
        return IncidentReport(
            incident=inc,
            status="completed",
            origin=f"{inc.type.name_cs}: {inc.title}.",
            work_done="Průzkum, záchrana osob, lokalizace a likvidace, dohled a předání místa.",
            forces_and_means="Jednotky HZS a JSDH, ZZS PK, PČR; podle seznamu složek zásahu.",
            procedure="Velitel zásahu rozdělil místo na úseky, složky postupovaly podle pokynů velitele.",
            consequences="Bez trvalých následků na životním prostředí." if rng.random() < 0.7 else "Dočasné omezení dopravy a dodávek.",
            damage_czk=rng.randint(2, 400) * 50_000 * (5 if big else 1),
            values_saved_czk=rng.randint(5, 900) * 100_000,
            dead=rng.choice((0, 0, 0, 0, 0, 0, 1, 2)),
            injured=injured,
            rescued=rng.choice((0, 0, 1, 2, 4, 7, 12, 25)),
            evacuated=evacuated,
            # §16(4): help given, stated explicitly even when there was none.
            personal_help="Žádná.",
            material_help="Žádná.",
            version=2,
            created_at=end + timedelta(hours=rng.uniform(2, 30)),
            updated_at=completed,
            created_by=author,
            updated_by=author,
            completed_at=completed,
            completed_by=author,
            completed_by_label=command.commander_name,
        )
