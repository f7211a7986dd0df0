"""Demo joint interventions of the IZS: open sites with levels, command, components, zones and messages; an event; a closed fire whose report is due."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from straz.accounts import audit
from straz.accounts.models import AuditEntry, AuditHead, Role, User
from straz.accounts.people import person_name
from straz.demo.accounts import DEMO_PASSWORD_SUFFIX
from straz.demo.common import say
from straz.demo.territory import ORP, REGION, ensure_izs_areas
from straz.incidents import services
from straz.incidents.models import Incident, NoticeProposal
from straz.notifications.models import NotificationContact

# ---------------------------------------------------------------------------------- IZS
#
# Joint interventions in Plzeň: every record goes through the incident services (checked,
# audited, on the timeline) as the dispatcher or the commander would make it; the services
# stamp the story's own times (recorded_at) while the audit log keeps the real load time.
# Places are real, the incidents and people invented.

INCIDENT_DEMO_ACTION = "demo.incidents"
# (username, first name, last name): incident commanders of HZS Plzeňského kraje.
DEMO_COMMANDERS = (("commander", "Petr", "Kovář"), ("commander2", "Eva", "Dvořáková"))
# Rank, function and organisation of each demo commander, as documents name them.
DEMO_COMMANDER_PROFILES = {
    "commander": {"rank": "npor.", "function": "velitel čety", "organisation": "HZS Plzeňského kraje, ÚO Plzeň"},
    "commander2": {"rank": "kpt.", "function": "velitelka stanice", "organisation": "HZS Plzeňského kraje, ÚO Plzeň"},
}
# The demo's region and ORP are areas (demo/territory.py): incidents find them by location.
IZS_REGION = REGION.code  # Plzeňský kraj
IZS_ORP = ORP.code  # ORP Plzeň
# Whom §23(2), §24(2)–(3) and §13 f) notify; e-mail only, so the demo worker writes files.
IZS_CONTACTS = (
    ("hejtman", "Hejtman Plzeňského kraje", "hejtman@plzensky-kraj.example", IZS_REGION, ""),
    ("orp_mayor", "Primátor města Plzně", "primator@plzen.example", IZS_REGION, IZS_ORP),
    ("gr_hzs", "Operační a informační středisko GŘ HZS ČR", "opis@grhzs.example", "", ""),
    ("higher_opis", "OPIS GŘ HZS ČR (nadřízené)", "nadrizene-opis@grhzs.example", IZS_REGION, ""),
)
BRIEFING_WORDS = "Přebírám velení"


def incident_demo_present() -> bool:
    """True when the IZS part of the demo was loaded into this database before."""

    return AuditEntry.objects.filter(action=INCIDENT_DEMO_ACTION).exists()


def ensure_incident_demo(*, stdout: Any = None) -> bool:
    """Load the IZS demo (commanders, open incidents, an event, a closed level-III incident)
    unless present; True when it was created now."""
    if ensure_izs_areas():
        say(stdout, f"IZS: {REGION.name} and {ORP.name} added as areas (whom declarations notify).")
    if incident_demo_present():
        return False

    with transaction.atomic():
        AuditHead.objects.select_for_update().get_or_create(id=1)
        if incident_demo_present():
            return False
        contacts = _izs_contacts()
        story = _IzsStory(
            now=timezone.now().replace(second=0, microsecond=0),
            dispatcher=_demo_user("dispatcher", "dispatcher", "Dispečer", "OPIS", stdout),
            commanders=[_demo_user(u, "commander", first, last, stdout) for u, first, last in DEMO_COMMANDERS],
        )
        told = story.tell()
        audit.record(
            action=INCIDENT_DEMO_ACTION,
            object_type="demo",
            object_id="plzen-izs",
            actor_label="system",
            after={"incidents": told, "contacts": contacts},
        )
    say(stdout, f"IZS: {len(told['open'])} open incidents, 1 event, 1 closed incident (report due).")
    return True


def _demo_user(username: str, role: str, first: str, last: str, stdout: Any) -> Any:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user  # never reset an account someone already has
    say(stdout, f"User {username} created (password {username}{DEMO_PASSWORD_SUFFIX}).")
    return User.objects.create_user(
        username=username,
        password=f"{username}{DEMO_PASSWORD_SUFFIX}",
        role=Role(role),
        first_name=first,
        last_name=last,
        email=f"{username}@example.cz",
        **DEMO_COMMANDER_PROFILES.get(username, {}),
    )


def _izs_contacts() -> int:
    for role, name, address, region, orp in IZS_CONTACTS:
        NotificationContact.objects.get_or_create(
            role=role,
            name=name,
            defaults={"channel": "email", "address": address, "region_code": region, "orp_code": orp},
        )
    return len(IZS_CONTACTS)


def shift_metres(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    """The point `east_m` east and `north_m` north of (lat, lon), on a local flat earth."""
    return (
        lat + north_m / 111_320.0,
        lon + east_m / (111_320.0 * math.cos(math.radians(lat))),
    )


def _polygon_of(points: list[tuple[float, float]]) -> dict[str, Any]:
    ring = [[round(lon, 6), round(lat, 6)] for lat, lon in points]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _circle(lat: float, lon: float, radius_m: float, corners: int = 16) -> dict[str, Any]:
    return _polygon_of(
        [
            shift_metres(lat, lon, radius_m * math.sin(2 * math.pi * k / corners), radius_m * math.cos(2 * math.pi * k / corners))
            for k in range(corners)
        ]
    )


def _box(lat: float, lon: float, west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """A rectangle given by its edges in metres from (lat, lon)."""
    return _polygon_of(
        [shift_metres(lat, lon, west, south), shift_metres(lat, lon, east, south), shift_metres(lat, lon, east, north), shift_metres(lat, lon, west, north)]
    )


def _post(lat: float, lon: float, east_m: float = 0, north_m: float = 0) -> dict[str, Any]:
    p_lat, p_lon = shift_metres(lat, lon, east_m, north_m)
    return {"type": "Point", "coordinates": [round(p_lon, 6), round(p_lat, 6)]}


class _IzsStory:
    """The demo's joint interventions, told step by step at their own times."""

    def __init__(self, *, now: datetime, dispatcher: Any, commanders: list[Any]) -> None:
        self.services = services
        self.now = now
        self.dispatcher = dispatcher
        self.commander, self.commander2 = commanders

    # -- one step -----------------------------------------------------------------------

    def do(self, minutes_ago: float, action: str, *, by: Any = None, **kwargs: Any) -> Any:
        """Run one service at `minutes_ago`, as `by` when they may (else as the dispatcher)."""

        actor = by or self.dispatcher
        incident_id = kwargs.get("incident_id")
        if actor is not self.dispatcher and incident_id is not None:
            incident = Incident.objects.select_related("current_command").get(pk=incident_id)
            if not self.services.can_write_incident(actor, incident):
                actor = self.dispatcher  # an existing account of another role kept its name
        with self.services.recorded_at(self.now - timedelta(minutes=minutes_ago)):
            return getattr(self.services, action)(user=actor, **kwargs)

    def incident(self, minutes_ago: float, **kwargs: Any) -> int:
        incident = self.do(minutes_ago, "create_incident", region_code=IZS_REGION, orp_code=IZS_ORP, **kwargs)
        return int(incident.pk)

    def declare(self, minutes_ago: float, incident_id: int, *, by: Any = None, level: str | None = None, reason: str = "") -> None:
        proposed = self.services.propose_for_incident(Incident.objects.get(pk=incident_id)).level
        self.do(minutes_ago, "declare_alarm_level", by=by, incident_id=incident_id, level=level or proposed, written_reason=reason)

    def command(self, minutes_ago: float, incident_id: int, name: str, user: Any = None, component: str = "hzs", successor: str = "") -> None:
        self.do(
            minutes_ago, "assign_commander", incident_id=incident_id, commander_name=name,
            commander_user_id=user.pk if user is not None else None, component=component, successor_name=successor,
        )

    def arrive(self, minutes_ago: float, incident_id: int, kind: str, unit: str, leader: str, people: int, vehicles: int, *equipment: str, by: Any = None, called: Any = None) -> Any:
        return self.do(
            minutes_ago, "check_in_component", by=by, incident_id=incident_id, kind=kind, unit_name=unit,
            leader_name=leader, people=people, vehicles=vehicles, equipment=list(equipment),
            deployment_id=called.pk if called is not None else None,
        )

    def call(self, minutes_ago: float, incident_id: int, kind: str, unit: str, people: int = 0, vehicles: int = 0, by: Any = None) -> Any:
        return self.do(minutes_ago, "call_component", by=by, incident_id=incident_id, kind=kind, unit_name=unit, people=people, vehicles=vehicles)

    def zone(self, minutes_ago: float, incident_id: int, kind: str, geometry: dict[str, Any], name: str = "", by: Any = None, parent: Any = None) -> Any:
        return self.do(
            minutes_ago, "add_site_feature", by=by, incident_id=incident_id, kind=kind, geometry=geometry,
            name=name, parent_id=parent.pk if parent is not None else None,
        )

    def say(self, minutes_ago: float, incident_id: int, letter: str, text: str, by: Any = None) -> None:
        self.do(minutes_ago, "post_site_message", by=by, incident_id=incident_id, letter=letter, text=text)

    def state(self, minutes_ago: float, incident_id: int, target: str, note: str = "", by: Any = None) -> None:
        self.do(minutes_ago, "change_state", by=by, incident_id=incident_id, target=target, note=note)

    # -- the story ----------------------------------------------------------------------

    def tell(self) -> dict[str, Any]:
        open_ids = [
            self.ammonia_leak(),
            *self.flood(),
            self.bus_crash(),
            self.suspicious_object(),
            self.missing_child(),
            self.block_of_flats_fire(),
        ]
        return {"open": open_ids, "closed": [self.warehouse_fire()]}

    def ammonia_leak(self) -> int:
        """Level III, in progress; first commander handed over to `commander` (§3(7))."""
        lat, lon = 49.7500, 13.3895
        i = self.incident(
            130, type_code="hazardous-substance-leak", title="Únik čpavku – zimní stadion, Štruncovy sady",
            lat=lat, lon=lon, description="Únik čpavku z chladicího zařízení zimního stadionu, oblak se šíří k jihovýchodu.",
            persons_threatened=350, area_m2=60_000, threatened=["part_of_municipality"],
            components="basic_and_other_from_region", coordination="staff_and_sectors",
            coordination_level="operational",
        )
        self.command(124, i, "npor. Jan Malý (HZS PS Plzeň-střed)")
        self.state(124, i, "in_progress")
        self.arrive(124, i, "hzs", "HZS PS Plzeň-střed", "npor. Jan Malý", 12, 4, "CAS 20", "protichemické oděvy", "detektor NH3")
        self.arrive(118, i, "zzs", "ZZS PK – RZP Plzeň 1", "MUDr. Anna Lípová", 3, 1, "kyslík", "vakuové matrace")
        self.arrive(115, i, "pcr", "PČR OOP Plzeň-Bory", "prap. Tomáš Dvořák", 6, 3, "uzávěra silnic")
        self.say(112, i, "a", "Únik z chladicího okruhu, oblak nad parkovištěm, zasaženi 3 zaměstnanci stadionu.")
        self.declare(110, i)
        self.zone(108, i, "danger_zone", _circle(lat, lon, 150), "Nebezpečná zóna – čpavek")
        self.zone(106, i, "outer_zone", _circle(lat, lon, 400), "Vnější zóna")
        self.zone(104, i, "decontamination_area", _box(lat, lon, -260, -40, -200, 20), "Dekontaminace osob")
        self.zone(102, i, "command_post", _post(lat, lon, -250, 80), "Velitelské stanoviště")
        self.zone(100, i, "medical_area", _box(lat, lon, -330, 60, -270, 120), "Shromaždiště raněných")
        self.do(
            95, "hand_over_command", incident_id=i, by=self.dispatcher,
            new_commander_name=person_name(self.commander),
            new_commander_user_id=self.commander.pk, component="hzs",
            situation="Únik NH3 z chladicího okruhu, 3 zasažení předáni ZZS, uzavřeny Štruncovy sady.",
            aim="Zastavit únik a zabránit šíření oblaku k obytné zástavbě.",
            priorities="1) uzavřít ventil strojovny, 2) vodní clona, 3) varování obyvatel Lochotína.",
            successor_name="npor. Jan Malý", declaration=BRIEFING_WORDS,
        )
        c = self.commander
        self.arrive(80, i, "hzs", "HZS PK – chemická laboratoř Plzeň", "kpt. Lucie Černá", 4, 1, "analyzátor", "plynotěsné oděvy", by=c)
        self.call(60, i, "municipal_police", "Městská policie Plzeň – okrsek Lochotín", 4, 2, by=c)
        self.call(45, i, "utilities", "Plzeňská teplárenská – havarijní služba", 2, 1, by=c)
        self.say(70, i, "c", "Na místě 4 jednotky PO, chemická laboratoř měří koncentrace na hranici vnější zóny.", by=c)
        self.say(50, i, "i", "Obyvatelé Lochotína: zavřete okna, nevycházejte; informace na webu města.", by=c)
        self.say(20, i, "f", "Ventil uzavřen, vodní clona drží oblak, koncentrace klesají.", by=c)
        return i

    def flood(self) -> list[int]:
        """Two sites of one event (§20(3)): level III for the territory, priorities set (§7 b)."""
        k_lat, k_lon = 49.7275, 13.4225
        koterov = self.incident(
            300, type_code="flood", title="Povodeň – Úslava, Koterov", lat=k_lat, lon=k_lon,
            description="Úslava vybřežila u lávky v Koterově, zatopeny zahrady a sklepy rodinných domů.",
            persons_threatened=150, area_m2=80_000, threatened=["river_basin"],
            components="basic_and_other_from_region", coordination="continuous",
        )
        d_lat, d_lon = 49.7265, 13.3880
        doudlevce = self.incident(
            280, type_code="flood", title="Povodeň – Radbuza, Doudlevce", lat=d_lat, lon=d_lon,
            description="Radbuza stoupá, hráze z pytlů u zahrádkářské kolonie.",
            persons_threatened=60, area_m2=9_000, components="basic_and_other_from_region",
            coordination="continuous",
        )
        c2 = self.commander2
        self.command(290, koterov, person_name(c2), user=c2, successor="npor. Karel Beneš")
        self.command(270, doudlevce, "npor. Jiří Veselý (JSDH Doudlevce)", component="jpo")
        for site in (koterov, doudlevce):
            self.state(265, site, "in_progress")
        self.arrive(285, koterov, "hzs", "HZS PS Plzeň-Slovany", "nprap. Martin Procházka", 8, 3, "čerpadla", "protipovodňové zábrany", by=c2)
        self.arrive(250, koterov, "jpo", "JSDH Koterov", "Ondřej Říha", 9, 2, "plovoucí čerpadlo", by=c2)
        self.arrive(240, koterov, "army", "AČR – ženijní rota Bechyně", "kpt. Pavel Kubát", 20, 4, "pytle s pískem", "nakladač", by=c2)
        self.arrive(260, doudlevce, "jpo", "JSDH Doudlevce", "npor. Jiří Veselý", 7, 2, "pytle s pískem")
        self.arrive(230, doudlevce, "municipal_police", "Městská policie Plzeň – okrsek Slovany", "str. Hana Marková", 3, 1)
        self.call(40, doudlevce, "ngo", "Červený kříž – Oblastní spolek Plzeň", 6, 2)
        self.declare(255, koterov, by=c2, level="II", reason="Evakuace ulice U Lávky dokončena; na místě zůstává do 40 osob. Stupeň území vyhlásí OPIS.")
        self.declare(250, doudlevce)
        event = self.do(245, "create_event", name="Povodeň Plzeň – Úslava a Radbuza", incident_ids=[koterov, doudlevce], region_code=IZS_REGION, orp_code=IZS_ORP)
        self.do(244, "set_site_priorities", event_id=event.pk, order=[koterov, doudlevce])
        self.do(243, "declare_alarm_level", event_id=event.pk, level="III", written_reason="Povodňová situace na dvou tocích na území města.")
        # §23(2) (ADR 0028): III only proposes the notices; the duty officer decides to tell both.
        for proposal in NoticeProposal.objects.filter(event=event).order_by("pk"):
            self.do(238, "decide_notice", proposal_id=proposal.pk, basis="duty_officer",
                    decided_by_name="plk. Ing. Karel Dvořák, operační důstojník HZS PK")
        river = _polygon_of([shift_metres(k_lat, k_lon, x, y) for x, y in ((-500, -120), (0, -60), (450, 40), (450, 160), (0, 90), (-500, 30))])
        self.zone(235, koterov, "danger_zone", river, "Zaplavené území", by=c2)
        sector = self.zone(230, koterov, "sector", _box(k_lat, k_lon, -500, 40, 0, 260), "Sektor Sever – U Lávky", by=c2)
        self.zone(229, koterov, "section", _box(k_lat, k_lon, -500, 40, -250, 260), "Úsek 1 – zahrádky", by=c2, parent=sector)
        self.zone(228, koterov, "section", _box(k_lat, k_lon, -250, 40, 0, 260), "Úsek 2 – rodinné domy", by=c2, parent=sector)
        self.zone(225, koterov, "evacuee_assembly", _box(k_lat, k_lon, 150, 300, 230, 360), "ZŠ Koterov – shromaždiště evakuovaných", by=c2)
        self.zone(224, koterov, "command_post", _post(k_lat, k_lon, 100, 280), "Velitelské stanoviště", by=c2)
        self.say(220, koterov, "a", "Hladina Úslavy 2,9 m a stoupá, zatopeno 12 sklepů.", by=c2)
        self.say(120, koterov, "c", "Potřeba dalších 2 000 pytlů a nakladače, vyžádáno u AČR.", by=c2)
        self.say(15, koterov, "f", "Hráz z pytlů dokončena, čerpání ze sklepů pokračuje.", by=c2)
        self.zone(225, doudlevce, "danger_zone", _box(d_lat, d_lon, -150, -80, 150, 60), "Ohrožené zahrádky")
        self.say(200, doudlevce, "a", "Radbuza 1,8 m, hráz z pytlů v délce 60 m.")
        self.say(95, doudlevce, "f", "Stav stabilizován, hlídky JSDH na hrázi.")
        return [koterov, doudlevce]

    def bus_crash(self) -> int:
        """Level II, a helicopter still on its way."""
        lat, lon = 49.7560, 13.4150
        i = self.incident(
            55, type_code="mass-road-accident", title="Srážka autobusu MHD s nákladním vozidlem – Rokycanská",
            lat=lat, lon=lon, description="Autobus linky 30 a nákladní vozidlo, 14 zraněných, z toho 2 vážně.",
            persons_threatened=35, threatened=["mass_transport_vehicle"], components="basic_and_other_from_region",
        )
        self.command(50, i, "npor. Tomáš Beneš (HZS PS Plzeň-Slovany)")
        self.state(50, i, "in_progress")
        self.arrive(49, i, "hzs", "HZS PS Plzeň-Slovany", "npor. Tomáš Beneš", 6, 2, "hydraulické vyprošťovací zařízení")
        self.arrive(46, i, "zzs", "ZZS PK – RZP Plzeň 3", "Mgr. Petra Nová", 2, 1)
        self.arrive(44, i, "zzs", "ZZS PK – RLP Plzeň", "MUDr. Karel Šimek", 3, 1, "třídicí karty START")
        self.arrive(43, i, "pcr", "PČR – dopravní inspektorát Plzeň", "nprap. Jakub Němec", 4, 2)
        self.call(42, i, "zzs", "LZS Plzeň – Kryštof 07", 3, 1)
        self.declare(41, i)
        self.zone(40, i, "danger_zone", _box(lat, lon, -40, -20, 40, 20), "Místo nehody")
        self.zone(38, i, "victims_area", _box(lat, lon, 60, -30, 110, 10), "Stanoviště třídění raněných")
        self.say(37, i, "g", "14 zraněných, 2 těžce; 1 osoba zaklíněná ve vozidle.")
        self.say(10, i, "c", "Vyproštění dokončeno, odvoz raněných do FN Lochotín a FN Bory.")
        return i

    def suspicious_object(self) -> int:
        """Reported, level declared above the proposal as a precaution; the pyrotechnician en route."""
        lat, lon = 49.7434, 13.3870
        i = self.incident(
            25, type_code="explosive-or-suspicious-object", title="Podezřelé zavazadlo – Hlavní nádraží, odbavovací hala",
            lat=lat, lon=lon, description="Opuštěný kufr u pokladen v odbavovací hale, nahlásila ostraha Českých drah.",
            persons_threatened=8, threatened=["single_object"], components="basic_uncoordinated",
        )
        self.command(22, i, "pplk. Radek Hora (PČR OOP Plzeň-střed)", component="pcr")
        self.arrive(20, i, "pcr", "PČR OOP Plzeň-střed", "pplk. Radek Hora", 5, 2)
        self.call(18, i, "pcr", "PČR – pyrotechnická služba Plzeň", 2, 1)
        self.call(17, i, "hzs", "HZS PS Plzeň-střed", 6, 2)
        self.declare(16, i, level="II")
        self.zone(15, i, "outer_zone", _circle(lat, lon, 100), "Evakuovaný prostor – 100 m")
        self.say(14, i, "a", "Hala vyklizena, vlaky projíždějí bez zastavení na 1. nástupišti.")
        return i

    def missing_child(self) -> int:
        """Level II, search sectors with sections (§5(1) k)."""
        lat, lon = 49.7835, 13.3830
        i = self.incident(
            200, type_code="search-for-missing-person", title="Pátrání po pohřešovaném dítěti – Boleveský rybník",
            lat=lat, lon=lon, description="Chlapec (8 let) se nevrátil z koupaliště, naposledy viděn u hráze.",
            persons_threatened=1, components="basic_and_other_from_region", coordination="continuous",
        )
        self.command(190, i, "mjr. Kateřina Kučerová (PČR KŘP Plzeňského kraje)", component="pcr")
        self.state(190, i, "in_progress")
        self.arrive(185, i, "pcr", "PČR OOP Plzeň-Bolevec", "prap. Petr Novák", 8, 3, "dron", "psovod")
        self.arrive(170, i, "jpo", "JSDH Bolevec", "Luboš Kříž", 10, 2, "člun")
        self.arrive(160, i, "ngo", "Horská služba – Plzeň", "Adam Vlk", 6, 1, "termovize")
        self.declare(150, i)
        north = self.zone(140, i, "sector", _box(lat, lon, -600, 0, 600, 600), "Sektor Sever – lesy Bolevec")
        self.zone(139, i, "section", _box(lat, lon, -600, 0, 0, 600), "Úsek 1 – Senecký rybník", parent=north)
        self.zone(138, i, "section", _box(lat, lon, 0, 0, 600, 600), "Úsek 2 – Kamenný rybník", parent=north)
        self.zone(137, i, "sector", _box(lat, lon, -600, -500, 600, 0), "Sektor Jih – hráz a pláž")
        self.zone(136, i, "affected_persons_info", _post(lat, lon, 0, -550), "Informační místo pro rodinu")
        self.say(130, i, "c", "V terénu 24 osob, 2 psovodi, dron s termovizí.")
        self.say(35, i, "a", "Nalezeny boty u Seneckého rybníka, pátrání soustředěno do úseku 1.")
        return i

    def block_of_flats_fire(self) -> int:
        """Liquidation work; some components already gone home (§6 h)."""
        lat, lon = 49.7380, 13.3990
        i = self.incident(
            360, type_code="fire-many-persons", title="Požár bytového domu – Jiráskovo náměstí",
            lat=lat, lon=lon, description="Požár ve 3. podlaží, zakouřená chodba, evakuace 30 obyvatel.",
            persons_threatened=30, threatened=["single_object"], components="basic_uncoordinated",
        )
        self.command(355, i, "por. Jakub Hruška (HZS PS Plzeň-Slovany)")
        self.state(355, i, "in_progress")
        first = self.arrive(354, i, "hzs", "HZS PS Plzeň-Slovany", "por. Jakub Hruška", 8, 3, "AZ 30", "dýchací přístroje")
        zzs = self.arrive(350, i, "zzs", "ZZS PK – RZP Plzeň 2", "Bc. Eva Horáková", 2, 1)
        self.arrive(348, i, "pcr", "PČR OOP Plzeň-Slovany", "nstržm. Lucie Černá", 2, 1)
        self.declare(345, i)
        self.zone(344, i, "danger_zone", _box(lat, lon, -30, -20, 30, 20), "Zakouřený dům")
        self.zone(340, i, "evacuee_assembly", _box(lat, lon, 50, 30, 90, 60), "Evakuovaní obyvatelé – MHD autobus")
        self.say(330, i, "g", "2 osoby nadýchané zplodinami předány ZZS.")
        self.state(240, i, "liquidation", "Požár uhašen, odvětrávání a kontrola termokamerou.")
        self.do(230, "check_out_component", incident_id=i, deployment_id=zzs.pk)
        self.do(200, "check_out_component", incident_id=i, deployment_id=first.pk)
        self.say(200, i, "h", "Jednotka HZS Plzeň-Slovany odjela, na místě zůstává JSDH Slovany.")
        self.arrive(205, i, "jpo", "JSDH Slovany", "Martin Dvořák", 6, 1, "termokamera")
        return i

    def warehouse_fire(self) -> int:
        """Closed three days ago after level III: the §16(4) report is due within 14 days (§16(2))."""
        lat, lon = 49.7230, 13.3310
        start = 3 * 24 * 60 + 420  # three days and seven hours ago
        i = self.incident(
            start, type_code="fire-many-persons", title="Požár skladu chemikálií – průmyslová zóna Borská pole",
            lat=lat, lon=lon, description="Požár skladu barev a ředidel, hustý kouř nad jihozápadem města.",
            persons_threatened=600, area_m2=150_000, threatened=["company_site_part"],
            components="basic_and_other_from_region", coordination="staff_and_sectors",
            coordination_level="operational",
        )
        c2 = self.commander2
        self.command(start - 5, i, person_name(c2), user=c2)
        self.state(start - 5, i, "in_progress", by=c2)
        hzs = self.arrive(start - 8, i, "hzs", "HZS PS Plzeň-Košutka", "npor. Filip Kraus", 14, 5, "CAS 30", "žebřík AZ 37", by=c2)
        zzs = self.arrive(start - 12, i, "zzs", "ZZS PK – RLP Plzeň", "MUDr. Karel Šimek", 3, 1, by=c2)
        pcr = self.arrive(start - 15, i, "pcr", "PČR OOP Plzeň-Skvrňany", "prap. Jiří Veselý", 6, 3, by=c2)
        self.declare(start - 20, i, by=c2)
        self.zone(start - 25, i, "danger_zone", _circle(lat, lon, 250), "Nebezpečná zóna – kouř", by=c2)
        self.zone(start - 26, i, "outer_zone", _circle(lat, lon, 800), "Vnější zóna", by=c2)
        self.zone(start - 27, i, "staging_area", _box(lat, lon, 300, 300, 420, 380), "Nástupní prostor", by=c2)
        self.zone(start - 28, i, "command_post", _post(lat, lon, 320, 260), "Velitelské stanoviště", by=c2)
        self.say(start - 30, i, "i", "Varování obyvatel Bor a Skvrňan: zavřete okna, vypněte ventilaci.", by=c2)
        self.do(
            start - 90, "hand_over_command", by=c2, incident_id=i,
            new_commander_name="plk. Ing. Roman Sedlák (ředitel HZS PK)", component="hzs",
            situation="Sklad v plném rozsahu, sousední hala chráněna, 2 hasiči ošetřeni.",
            aim="Lokalizovat požár do 2 hodin a zabránit zasažení sousední haly.",
            priorities="1) ochrana sousední haly, 2) chlazení nádrží ředidel, 3) měření kouře v zástavbě.",
            declaration=BRIEFING_WORDS,
        )
        self.say(start - 180, i, "f", "Požár lokalizován.")
        self.state(start - 300, i, "liquidation", "Požár zlikvidován, dohašování a odklizení.")
        for minutes, d in ((start - 310, zzs), (start - 320, pcr), (start - 400, hzs)):
            self.do(minutes, "check_out_component", incident_id=i, deployment_id=d.pk)
        self.state(start - 420, i, "closed", "Zásah ukončen, místo předáno majiteli.")
        return i
