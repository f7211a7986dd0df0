"""Django side of the alarm-level rule: the deployment's setting and translated reasons.

Each text is English source; the comment above it quotes the decree's Czech wording
(Decree 328/2001 §21–§24) so that the translators of cs/pl can follow the law's terms.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from straz.incidents.alarm.rules import (
    INDIVIDUAL_PERSONS_LIMIT,
    Note,
    Proposal,
    Reason,
    check_individual_persons_max,
)
from straz.incidents.choices import ComponentsInvolved

# "Individual persons" (§21 a) has no number in the decree; see
# docs/decisions/0010-individual-persons-boundary.md for why 10 is the default.
DEFAULT_INDIVIDUAL_PERSONS_MAX = 10
SETTING = "IZS_INDIVIDUAL_PERSONS_MAX"
ENV_VARIABLE = "STRAZ_IZS_INDIVIDUAL_PERSONS_MAX"


def individual_persons_max() -> int:
    """The most threatened persons that still count as "individual persons" (§21 a)."""
    raw: Any = getattr(settings, "STRAZ", {}).get(SETTING)
    if raw is None:
        raw = os.environ.get(ENV_VARIABLE) or DEFAULT_INDIVIDUAL_PERSONS_MAX
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{SETTING} must be a whole number, not {raw!r}") from exc
    try:
        # At 100 or more it would swallow §22 a) ("at most 100 persons") into level I.
        return check_individual_persons_max(False if isinstance(raw, bool) else value)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{SETTING} must be between 1 and {INDIVIDUAL_PERSONS_LIMIT}, not {raw!r}"
        ) from exc


_TEXTS: dict[str, Promise] = {
    # ---------------------------------------------------------------- letter a): persons
    # Translators: §21 a) „mimořádná událost ohrožuje jednotlivé osoby“
    "persons_individual": gettext_lazy(
        "The incident threatens individual persons (%(persons)s; up to %(individual_max)s "
        "count as individual persons here)."
    ),
    # Translators: §22 a) „mimořádná událost ohrožuje nejvýše 100 osob“
    "persons_at_most_100": gettext_lazy(
        "The incident threatens at most 100 persons (%(persons)s)."
    ),
    # Translators: §23 a) „mimořádná událost ohrožuje více jak 100 a nejvýše 1000 osob“
    "persons_at_most_1000": gettext_lazy(
        "The incident threatens more than 100 and at most 1,000 persons (%(persons)s)."
    ),
    # Translators: §24 a) „mimořádná událost ohrožuje více jak 1000 osob“
    "persons_over_1000": gettext_lazy(
        "The incident threatens more than 1,000 persons (%(persons)s)."
    ),
    # ---------------------------------------------------------------- letter a): area
    # Translators: §21 a) „ohrožuje … plochy území do 500 m2“
    "area_up_to_500_m2": gettext_lazy(
        "The incident threatens an area of up to 500 m² (%(area_m2)s m²)."
    ),
    # Translators: §22 a) „ohrožuje … plochy území do 10 000 m2“
    "area_up_to_10000_m2": gettext_lazy(
        "The incident threatens an area of up to 10,000 m² (%(area_m2)s m²)."
    ),
    # Translators: §23 a) „ohrožuje … plochy území do 1 km2“
    "area_up_to_1_km2": gettext_lazy(
        "The incident threatens an area of up to 1 km² (%(area_m2)s m²)."
    ),
    # Translators: §24 a) „ohrožuje … plochy území nad 1 km2“
    "area_over_1_km2": gettext_lazy(
        "The incident threatens an area of over 1 km² (%(area_m2)s m²)."
    ),
    # ---------------------------------------------------------------- letter a): objects
    # Translators: §22 a) „ohrožuje … více jak jeden objekt se složitými podmínkami pro zásah“
    "complicated_objects": gettext_lazy(
        "The incident threatens more than one object with complicated intervention "
        "conditions (%(count)s)."
    ),
    # Translators: §21 a) „ohrožuje … jednotlivý objekt nebo jeho část, mimo objekt, kde jsou
    # složité podmínky pro zásah“: one such object is excluded from level I, so at least II
    # (§22 a) names only „více jak jeden objekt“).
    "complicated_object_excluded_from_i": gettext_lazy(
        "The incident threatens one object with complicated intervention conditions: §21 a) "
        "excludes it from level I, so the level is at least II."
    ),
    # Translators: §21 a) „ohrožuje … jednotlivý objekt nebo jeho část“
    "threatened_single_object": gettext_lazy("The incident threatens a single object or its part."),
    # Translators: §21 a) „ohrožuje … jednotlivé dopravní prostředky osobní nebo nákladní dopravy“
    "threatened_single_vehicle": gettext_lazy(
        "The incident threatens single vehicles of passenger or freight transport."
    ),
    # Translators: §22 a) „ohrožuje … jednotlivé prostředky hromadné dopravy osob“
    "threatened_mass_transport_vehicle": gettext_lazy(
        "The incident threatens single means of mass passenger transport."
    ),
    # Translators: §22 a) „ohrožuje … cenný chov zvířat“
    "threatened_valuable_animal_breeding": gettext_lazy(
        "The incident threatens a valuable animal breeding."
    ),
    # Translators: §23 a) „ohrožuje … část obce“
    "threatened_part_of_municipality": gettext_lazy(
        "The incident threatens part of a municipality."
    ),
    # Translators: §23 a) „ohrožuje … část … areálu podniku“
    "threatened_company_site_part": gettext_lazy("The incident threatens part of a company site."),
    # Translators: §23 a) „ohrožuje … soupravy železniční přepravy“
    "threatened_railway_train_set": gettext_lazy("The incident threatens railway train sets."),
    # Translators: §23 a) „ohrožuje … několik chovů hospodářských zvířat“
    "threatened_several_livestock_farms": gettext_lazy(
        "The incident threatens several livestock farms."
    ),
    # Translators: §23 a) „ohrožuje … povodí řek“
    "threatened_river_basin": gettext_lazy("The incident threatens river basins."),
    # Translators: §23 a) „ohrožuje … produktovody“
    "threatened_product_pipeline": gettext_lazy("The incident threatens product pipelines."),
    # Translators: §23 a) „jde o hromadnou havárii v silniční dopravě“
    "threatened_mass_road_accident": gettext_lazy("It is a mass road traffic accident."),
    # Translators: §23 a) „jde … o havárii v letecké dopravě“
    "threatened_air_accident": gettext_lazy("It is an air transport accident."),
    # Translators: §24 a) „ohrožuje … celé obce“
    "threatened_whole_municipality": gettext_lazy("The incident threatens whole municipalities."),
    # ---------------------------------------------------------------- letter b): components
    # Translators: §21 b) „záchranné a likvidační práce provádí základní složky, které není
    # nutno při společném zásahu nepřetržitě koordinovat“
    "components_basic": gettext_lazy(
        "Rescue and liquidation work is done by basic components that need no continuous "
        "coordination."
    ),
    # Translators: §22 b) „záchranné a likvidační práce provádí základní a ostatní složky
    # z kraje, kde mimořádná událost probíhá“
    "components_basic_and_other_from_region": gettext_lazy(
        "Rescue and liquidation work is done by basic and other components from the region "
        "where the incident happens."
    ),
    # Translators: §23 b) „záchranné a likvidační práce provádí základní a ostatní složky nebo
    # se využívají síly a prostředky z jiných krajů“
    "components_other_regions": gettext_lazy(
        "Rescue and liquidation work is done by basic and other components, or forces and "
        "means from other regions are used."
    ),
    # Translators: §24 b) „záchranné a likvidační práce provádí základní a ostatní složky
    # včetně využití sil a prostředků z jiných krajů, popřípadě je nutno použít pomoc podle
    # § 22 zákona nebo zahraniční pomoci“ — § 22 of Act 239/2000 is „ostatní pomoc“
    # (other help), not national help.
    "components_national_or_foreign_help": gettext_lazy(
        "Rescue and liquidation work is done by basic and other components including forces "
        "and means from other regions, and other help (§22 of Act 239/2000) or foreign help "
        "is needed."
    ),
    # Translators: §23 b) „… se využívají síly a prostředky z jiných krajů“, read for a
    # territory (§20(3)) whose sites lie in several regions.
    "components_several_regions": gettext_lazy(
        "The sites of the territory lie in %(regions)s regions, so forces and means of more "
        "than one region are used."
    ),
    # ---------------------------------------------------------------- letters c), d)
    # Translators: §22 c) „je nutné nepřetržitě koordinovat složky velitelem zásahu při
    # společném zásahu“
    "coordination_continuous": gettext_lazy(
        "The incident commander must coordinate the components continuously."
    ),
    # Translators: §23 c) „je nutné složky při společném zásahu v místě zásahu koordinovat
    # velitelem zásahu za pomoci štábu velitele zásahu a místo zásahu rozdělit na sektory
    # a úseky“
    "coordination_staff_and_sectors": gettext_lazy(
        "The incident commander coordinates the components with the help of the commander's "
        "staff, and the site is divided into sectors and sections."
    ),
    # Translators: §24 c) — the same words as §23 c); cited at the special level only when
    # another criterion reaches it.
    "coordination_staff_and_sectors_special": gettext_lazy(
        "The incident commander coordinates the components with the help of the commander's "
        "staff, and the site is divided into sectors and sections (at the special level, "
        "which another criterion reaches)."
    ),
    # Translators: §24 d) „společný zásah složek vyžaduje koordinaci na strategické úrovni
    # podle § 2 písm. c)“
    "coordination_strategic": gettext_lazy(
        "The joint intervention needs coordination at the strategic level (§2 c)."
    ),
}

# Reason codes that reason_text knows; the tests check it covers every code the rule emits.
KNOWN_CODES = frozenset(_TEXTS)

_NOTES: dict[str, Promise] = {
    "components_claim_contradicts_record": gettext_lazy(
        "The facts say the components are “%(claimed)s”, but the components called or on "
        "site show “%(recorded)s”. The proposal uses the record; correct the facts."
    ),
}

# Note codes that note_text knows.
KNOWN_NOTES = frozenset(_NOTES)


def _number(value: object) -> str:
    """A number in the active language's format (1 000 in Czech, 1,000 in English)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        return number_format(round(value, 2), decimal_pos=None, force_grouping=True)
    return number_format(value, force_grouping=True)


def _reason_text(code: str, rule: str, params: Mapping[str, object]) -> str:
    template = _TEXTS.get(code)
    if template is None:
        # A code from a newer rule than this text table: still say what was cited.
        return _("Criterion %(rule)s holds.") % {"rule": rule}
    values = {key: _number(value) for key, value in params.items()}
    return str(template) % values if values else str(template)


def reason_text(reason: Reason) -> str:
    """The reason in the active language, with its numbers filled in."""
    return _reason_text(reason.code, reason.rule, reason.params)


def stored_reason_text(reason: Mapping[str, Any]) -> str:
    """A reason kept with a declaration (code, rule, params), in the reader's language.

    The text stored beside it was the declaring user's language; it is shown only for a
    code this table no longer knows (ADR 0031)."""
    code = str(reason.get("code", ""))
    params = reason.get("params")
    if code in _TEXTS and isinstance(params, dict):
        try:
            return _reason_text(code, str(reason.get("rule", "")), params)
        except (KeyError, ValueError, TypeError):
            pass
    return str(reason.get("text", "")) or _("Criterion %(rule)s holds.") % {"rule": reason.get("rule", "")}


def note_text(note: Note) -> str:
    """A note of a proposal in the active language (component values by their labels)."""
    template = _NOTES.get(note.code)
    if template is None:
        return note.code
    labels = dict(ComponentsInvolved.choices)
    values = {key: str(labels.get(str(value), value)) for key, value in note.params.items()}
    return str(template) % values if "%(" in str(template) else str(template)


def proposal_payload(proposal: Proposal) -> dict[str, Any]:
    """The API shape of a proposal: level plus each reason's citation and text."""
    return {
        "level": proposal.level.api_value,
        "reasons": [
            {"rule": r.rule, "level": r.level.api_value, "text": reason_text(r)}
            for r in proposal.reasons
        ],
    }
