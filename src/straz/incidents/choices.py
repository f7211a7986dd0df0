"""Each domain value of the IZS wing spelled once: Django choices (alarm levels derived from
rules.AlarmLevel), the orders and sets built on them, and typing.Literal types for the API."""

from __future__ import annotations

from typing import Any, Literal

from django.db import models
from django.utils.translation import gettext_lazy as _

from straz.incidents.alarm.rules import AlarmLevel


def literal_of(*values: str) -> Any:
    """A typing.Literal of these values, for API schemas (the values come from the choices)."""
    return Literal[values]


class IncidentState(models.TextChoices):
    """Life of an incident; rescue work starts with in_progress and ends with closed."""

    REPORTED = "reported", _("Reported")
    IN_PROGRESS = "in_progress", _("Rescue work in progress")
    LIQUIDATION = "liquidation", _("Liquidation work")
    CLOSED = "closed", _("Closed")


# Legal state changes. Reported → closed is a false alarm or a call-out cancelled before
# any work; in progress → closed is an intervention that needed no liquidation work.
STATE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    IncidentState.REPORTED: (IncidentState.IN_PROGRESS, IncidentState.CLOSED),
    IncidentState.IN_PROGRESS: (IncidentState.LIQUIDATION, IncidentState.CLOSED),
    IncidentState.LIQUIDATION: (IncidentState.CLOSED,),
    IncidentState.CLOSED: (),
}


OPEN_STATES = (IncidentState.REPORTED, IncidentState.IN_PROGRESS, IncidentState.LIQUIDATION)


class CoordinationLevel(models.TextChoices):
    """§2: who coordinates the joint intervention."""

    TACTICAL = "tactical", _("Tactical (incident commander)")
    OPERATIONAL = "operational", _("Operational (OPIS)")
    STRATEGIC = "strategic", _("Strategic (mayor, hejtman, ministry)")


class AlarmLevelValue(models.TextChoices):
    """§20(2): the four alarm levels as the API spells them; the values are rules.AlarmLevel's."""

    I = AlarmLevel.I.api_value, _("Level I")  # noqa: E741 (the decree's name for it)
    II = AlarmLevel.II.api_value, _("Level II")
    III = AlarmLevel.III.api_value, _("Level III")
    SPECIAL = AlarmLevel.SPECIAL.api_value, _("Special level")


# Order of the levels (rules.AlarmLevel): special is the highest.
LEVEL_RANK: dict[str, int] = {level.api_value: int(level) for level in AlarmLevel}
RANK_LEVEL: dict[int, str] = {rank: value for value, rank in LEVEL_RANK.items()}


class ComponentsInvolved(models.TextChoices):
    """Who works at the site (§21 b – §24 b)."""

    BASIC_UNCOORDINATED = "basic_uncoordinated", _("Basic components, no continuous coordination")
    BASIC_AND_OTHER_FROM_REGION = "basic_and_other_from_region", _(
        "Basic and other components from the region"
    )
    OTHER_REGIONS = "other_regions", _("Forces from other regions")
    # §24 b): "other help" (ostatní pomoc) under §22 of Act 239/2000, or foreign help. The
    # value keeps its first spelling: stored rows and API clients use it.
    NATIONAL_OR_FOREIGN_HELP = "national_or_foreign_help", _(
        "Other help (§22 of Act 239/2000) or foreign help"
    )


class ComponentOrigin(models.TextChoices):
    """Where a component called to the site comes from (letter b) of §22–§24); the values
    are rules.COMPONENT_ORIGINS'."""

    REGION = "region", _("From the region of the incident")
    OTHER_REGION = "other_region", _("From another region")
    OTHER_HELP = "other_help", _("Other help (§22 of Act 239/2000)")
    FOREIGN = "foreign", _("Foreign help")


class SiteCoordination(models.TextChoices):
    """How the site is coordinated (§22 c – §24 d)."""

    NONE = "none", _("No continuous coordination")
    CONTINUOUS = "continuous", _("Continuous coordination by the commander")
    STAFF_AND_SECTORS = "staff_and_sectors", _("Commander with staff, sectors and sections")
    STRATEGIC = "strategic", _("Strategic-level coordination")


THREATENED_VALUES = (
    "single_object",
    "single_vehicle",
    "mass_transport_vehicle",
    "valuable_animal_breeding",
    "part_of_municipality",
    "company_site_part",
    "railway_train_set",
    "several_livestock_farms",
    "river_basin",
    "product_pipeline",
    "mass_road_accident",
    "air_accident",
    "whole_municipality",
)


class CommandStart(models.TextChoices):
    """How a commander came to command (§3(2), §3(6), §3(7))."""

    INITIAL = "initial", _("First commander at the site")
    HANDOVER = "handover", _("Handover (§3(7))")
    SUCCESSOR = "successor", _("Named successor took over (§3(6) a)")
    PREVAILING_COMPONENT = "prevailing_component", _(
        "Leader of the prevailing component took over (§3(6) b)"
    )
    AUTHORITY_REPRESENTATIVE = "authority_representative", _(
        "Representative of the responsible authority took over (§3(6) c)"
    )


class ComponentKind(models.TextChoices):
    """IZS components: the basic four, then other components (§4 of the IZS Act)."""

    HZS = "hzs", _("Fire rescue service (HZS)")
    JPO = "jpo", _("Fire protection unit (JPO)")
    PCR = "pcr", _("Police (PČR)")
    ZZS = "zzs", _("Emergency medical service (ZZS)")
    MUNICIPAL_POLICE = "municipal_police", _("Municipal police")
    ARMY = "army", _("Army")
    UTILITIES = "utilities", _("Utilities and network operators")
    NGO = "ngo", _("Non-governmental organisation")
    OTHER = "other", _("Other component")


BASIC_COMPONENTS = frozenset(
    {ComponentKind.HZS, ComponentKind.JPO, ComponentKind.PCR, ComponentKind.ZZS}
)


class SiteFeatureKind(models.TextChoices):
    """Zones of §5(1) a)–k) and posts of §5(2)."""

    OUTER_ZONE = "outer_zone", _("Outer zone (§5(1) a)")
    DANGER_ZONE = "danger_zone", _("Danger zone (§5(1) b)")
    STAGING_AREA = "staging_area", _("Staging area (§5(1) c)")
    REAR_AREA = "rear_area", _("Rear area (§5(1) d)")
    DECONTAMINATION_AREA = "decontamination_area", _("Decontamination area (§5(1) e)")
    MEDICAL_AREA = "medical_area", _("Medical care area (§5(1) f)")
    EVACUEE_ASSEMBLY = "evacuee_assembly", _("Assembly point of evacuees (§5(1) g)")
    ANIMAL_AREA = "animal_area", _("Area for animals (§5(1) h)")
    VICTIMS_AREA = "victims_area", _("Area for victims (§5(1) i)")
    EXPECTED_SPREAD = "expected_spread", _("Area of expected spread (§5(1) j)")
    SECTOR = "sector", _("Sector (§5(1) k)")
    SECTION = "section", _("Section (§5(1) k)")
    COMMAND_POST = "command_post", _("Command post (§5(2))")
    STAFF_POST = "staff_post", _("Staff post (§5(2))")
    MEDIA_POINT = "media_point", _("Media information point (§5(2))")
    AFFECTED_PERSONS_INFO = "affected_persons_info", _(
        "Information point about affected persons (§5(2))"
    )


POINT_FEATURES = frozenset(
    {
        SiteFeatureKind.COMMAND_POST,
        SiteFeatureKind.STAFF_POST,
        SiteFeatureKind.MEDIA_POINT,
        SiteFeatureKind.AFFECTED_PERSONS_INFO,
    }
)


class TimelineKind(models.TextChoices):
    """What a timeline entry records."""

    MESSAGE = "message", _("Message from the site (§6)")
    LOG = "log", _("Log entry")
    DECLARATION = "declaration", _("Alarm level declaration")
    COMMAND = "command", _("Command")
    COMPONENT = "component", _("Component")
    STATE = "state", _("State change")
    ZONE = "zone", _("Site division")
    EVENT = "event", _("Event and priorities")
    CALL = "call", _("Emergency call")


class SiteMessageLetter(models.TextChoices):
    """§6(1) a)–i): what a message from the site carries."""

    A = "a", _("Situation at the site")
    B = "b", _("Start and end of rescue work")
    C = "c", _("Forces and means deployed and needed")
    D = "d", _("Declared alarm level")
    E = "e", _("Change of commander")
    F = "f", _("State of the work")
    G = "g", _("Major change: injuries, deaths, large damage")
    H = "h", _("Departure of components")
    I = "i", _("Important information given to the public")  # noqa: E741 (§6 letter)


class IncidentReportStatus(models.TextChoices):
    """A report is a draft until the commander completes it; then it is locked."""

    DRAFT = "draft", _("Draft")
    COMPLETED = "completed", _("Completed")


class NoticeStatus(models.TextChoices):
    """Where a §23(2) notice stands (ADR 0028): proposed on level III, sent only once decided."""

    PROPOSED = "proposed", _("awaiting decision")
    SENT = "sent", _("decided and sent")
    DECLINED = "declined", _("decided not to notify")
    SUPERSEDED = "superseded", _("superseded by a later level")


class NoticeBasis(models.TextChoices):
    """On what §23(2) the OPIS notifies: the duty officer's decision, or the commander's request (ORP mayor)."""

    DUTY_OFFICER = "duty_officer", _("decision of the fire brigade's duty officer")
    COMMANDER_REQUEST = "commander_request", _("request of the incident commander")


class ReportRecipient(models.TextChoices):
    """To whom §16 hands a report: (2) the regional fire brigade; (3) the hejtman or ORP mayor who coordinated."""

    REGIONAL_FIRE_BRIGADE = "regional_fire_brigade", _("regional fire rescue service (HZS kraje)")
    HEJTMAN = "hejtman", _("regional governor (hejtman)")
    ORP_MAYOR = "orp_mayor", _("mayor of the municipality with extended powers (ORP)")


# §16(2): the site's report goes to the regional fire brigade; §16(3): the territory's to the
# hejtman or the ORP mayor who coordinated the rescue work.
SITE_REPORT_RECIPIENTS = (ReportRecipient.REGIONAL_FIRE_BRIGADE,)
TERRITORY_REPORT_RECIPIENTS = (ReportRecipient.HEJTMAN, ReportRecipient.ORP_MAYOR)


class CallType(models.TextChoices):
    """§12: what an emergency call is about; calls/rules.py says whose centre is competent."""

    FIRE = "fire", _("fire")
    TECHNICAL = "technical", _("technical rescue")
    HAZARDOUS_SUBSTANCE = "hazardous_substance", _("hazardous substance")
    FLOOD = "flood", _("flood")
    MEDICAL = "medical", _("medical emergency")
    CRIME = "crime", _("crime")
    PUBLIC_ORDER = "public_order", _("public order")
    TRAFFIC_ACCIDENT = "traffic_accident", _("traffic accident")


class CentreComponent(models.TextChoices):
    """The basic components with operations centres that receive emergency calls (§12)."""

    HZS = "hzs", _("Fire rescue service (HZS)")
    ZZS = "zzs", _("Emergency medical service (ZZS)")
    PCR = "pcr", _("Police (PČR)")
