"""Pure rules of address points: reading a typed address, labels, RÚIAN columns, name matching.

No Django here (the import-linter contract keeps `*rules` modules pure, see pyproject).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from straz.territory.rules import normalise_place_name

# "2244/42", "2244/42a", "42", "42a", "č.ev. 12" is read as the number 12.
_NUMBER = re.compile(r"^(\d{1,6})(?:/(\d{1,4})([a-z]?))?([a-z]?)$")
# Czech (30100, 301 00) and Polish (87-100) post codes are not house numbers.
_POSTCODE = re.compile(r"\b\d{3}\s\d{2}\b|\b\d{2}-\d{3}\b|\b\d{5}\b")
# Words people add to an address that name nothing: "ul.", "č.p.", "č.ev.", "nám." stays.
_NOISE = frozenset({"ul", "ulice", "ulica", "c", "p", "cp", "ev", "cev", "co", "cislo"})
MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 8


class HouseNumberKind:
    """RÚIAN "Typ SO": a descriptive number (č.p.) or a registration number (č.ev.)."""

    DESCRIPTIVE = "p"
    REGISTRATION = "e"


@dataclass(frozen=True)
class AddressQuery:
    """A typed address read into its name words and its numbers."""

    name: str  # normalised words (street, part of municipality, maybe the municipality)
    house_number: int | None = None  # the first number ("2244" of "2244/42", or "42")
    orientation_number: int | None = None  # the number after the slash
    letter: str = ""  # the orientation letter ("a" of "42a" or "2244/42a")
    slashed: bool = False  # both numbers were given

    @property
    def has_number(self) -> bool:
        return self.house_number is not None


def read_query(text: str) -> AddressQuery:
    """Split a typed address into normalised name words and its house/orientation numbers."""
    text = _POSTCODE.sub(" ", text[:MAX_QUERY_CHARS])
    # Keep the slash of "2244/42" while normalising the rest.
    text = re.sub(r"(\d)\s*/\s*(\d)", r"\1/\2", text)
    words: list[str] = []
    number: re.Match[str] | None = None
    for raw in text.split():
        parts = [p for p in (normalise_place_name(x) for x in raw.split("/")) if p]
        token = "/".join(parts) if "/" in raw and len(parts) == 2 else normalise_place_name(raw)
        for word in token.split():
            match = _NUMBER.match(word)
            if match and number is None:
                number = match
            elif word not in _NOISE and not word.isdigit():
                words.append(word)
    name = " ".join(words[:MAX_QUERY_WORDS])
    if number is None:
        return AddressQuery(name=name)
    first, after_slash, slash_letter, letter = number.groups()
    if after_slash is not None:
        return AddressQuery(
            name=name,
            house_number=int(first),
            orientation_number=int(after_slash),
            letter=slash_letter,
            slashed=True,
        )
    return AddressQuery(name=name, house_number=int(first), letter=letter)


def number_label(
    *, kind: str, house_number: int, orientation_number: int | None, letter: str
) -> str:
    """The number part of a Czech address: "2244/42a", "2244", "č. ev. 12"."""
    first = f"č. ev. {house_number}" if kind == HouseNumberKind.REGISTRATION else str(house_number)
    if orientation_number is None:
        return first
    return f"{first}/{orientation_number}{letter}"


def address_label(
    *,
    street: str,
    part: str,
    municipality: str,
    postcode: str,
    kind: str,
    house_number: int,
    orientation_number: int | None,
    letter: str,
) -> str:
    """An address as the Czech post writes it: "Americká 2244/42, Jižní Předměstí, 301 00 Plzeň"."""
    number = number_label(
        kind=kind, house_number=house_number, orientation_number=orientation_number, letter=letter
    )
    town = f"{format_postcode(postcode)} {municipality}".strip()
    if street:
        pieces = [f"{street} {number}"]
        if part and part != municipality and part != street:
            pieces.append(part)
    else:
        pieces = [f"{part or municipality} {number}"]
    pieces.append(town)
    return ", ".join(p for p in pieces if p)


def format_postcode(postcode: str) -> str:
    """Czech post codes with their space ("30100" → "301 00"); others as given."""
    digits = postcode.replace(" ", "")
    if len(digits) == 5 and digits.isdigit():
        return f"{digits[:3]} {digits[3:]}"
    return postcode.strip()


def allowed_typos(name: str) -> int:
    """How many wrong letters a typed name may have: none when short, two from eight letters."""
    if len(name) < 4:
        return 0
    if len(name) < 8:
        return 1
    return 2


def name_tier(key: str, typed: str) -> int | None:
    """How well a normalised name matches typed words: 0 exact, 1 prefix, 2 word start, 3–4 one or two typos."""
    if not typed:
        return None
    if key == typed:
        return 0
    if key.startswith(typed):
        return 1
    if f" {typed}" in f" {key}":
        return 2
    budget = allowed_typos(typed)
    if budget:
        distance = Levenshtein.distance(key, typed, score_cutoff=budget)
        if distance <= budget:
            return 2 + distance
    return None


def number_tier(
    query: AddressQuery,
    *,
    has_street: bool,
    house_number: int,
    orientation_number: int | None,
    letter: str,
) -> int | None:
    """How well a point's numbers fit the typed ones: 0 all, 1 the likely one, 2 the other; None no."""
    if query.house_number is None:
        return 0
    if query.slashed:
        if house_number != query.house_number or orientation_number != query.orientation_number:
            return None
        return 0 if letter == query.letter else 1
    wanted = query.house_number
    letter_fits = letter == query.letter
    # On a street people write the orientation number, in a village the descriptive one.
    if has_street and orientation_number == wanted:
        return 0 if letter_fits else 1
    if house_number == wanted:
        return 1 if has_street or not letter_fits else 0
    if orientation_number == wanted:
        return 2
    return None


# ---------------------------------------------------------------------------------------
# RÚIAN CSV columns, as ČÚZK names them (header variants across the years map to one field)

RUIAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "adm_code": ("kod adm", "adm kod", "kod adresniho mista"),
    "municipality_code": ("kod obce",),
    "municipality": ("nazev obce",),
    "momc": ("nazev momc",),
    "part": ("nazev casti obce",),
    "street": ("nazev ulice",),
    "kind": ("typ so", "typ stavebniho objektu"),
    "house_number": ("cislo domovni",),
    "orientation_number": ("cislo orientacni",),
    "letter": ("znak cisla orientacniho", "znak cisla orientacniho cisla"),
    "postcode": ("psc",),
    "y": ("souradnice y",),
    "x": ("souradnice x",),
}
RUIAN_REQUIRED = ("municipality_code", "municipality", "house_number", "y", "x")


def map_ruian_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column index of each known field in a RÚIAN header, and the required fields missing."""
    positions: dict[str, int] = {}
    normalised = [normalise_place_name(h.strip().lstrip("\ufeff")) for h in header]
    for field, names in RUIAN_COLUMNS.items():
        for index, name in enumerate(normalised):
            if name in names:
                positions[field] = index
                break
    missing = [f for f in RUIAN_REQUIRED if f not in positions]
    return positions, missing


def ruian_kind(value: str) -> str:
    """'č.p.' → descriptive, 'č.ev.' → registration (the RÚIAN "Typ SO" column)."""
    return (
        HouseNumberKind.REGISTRATION
        if "ev" in normalise_place_name(value).split()
        else HouseNumberKind.DESCRIPTIVE
    )


def parse_decimal(value: str) -> float | None:
    """A number written with a decimal point or comma ("1069852.35" or "1069852,35"); None if empty."""
    text = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        return None
    return float(text)
