"""Pure rules of territory: how place names are compared and address text is read."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# NFKD leaves a few Central European letters intact (ł, đ, ø); fold them by hand.
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss"})
# Czech (301 00, 30100) and Polish (87-100) post codes.
POSTCODE = re.compile(r"\b(\d{3}\s?\d{2}|\d{2}-\d{3})\b")
# Words people add to an address that name no place: street-type abbreviations and such.
ADDRESS_NOISE = frozenset(
    {"ul", "ulice", "ulica", "c", "p", "cp", "co", "czech", "republic", "cr", "cz", "pl"}
)
# Longer texts are cut: an address never needs more words, and it bounds the queries.
MAX_ADDRESS_WORDS = 12


def normalise_place_name(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used for matching place names."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    cleaned = "".join(c if c.isalnum() else " " for c in bare)
    return " ".join(cleaned.split())


def address_variants(text: str, *, noise: Iterable[str]) -> list[str]:
    """Normalised search texts to try in order: as written, without noise, without numbers.

    Noise is the post code, "ul." and the names of municipalities and city districts that
    people append ("Americká 42, 301 00 Plzeň"). Unknown words are never dropped, so
    "Václavské náměstí" cannot degrade into some other "náměstí".
    """
    noise_words = set(noise) | ADDRESS_NOISE
    tokens = normalise_place_name(text).split()[:MAX_ADDRESS_WORDS]
    if not tokens:
        return []
    named = [
        t
        for t in normalise_place_name(POSTCODE.sub(" ", text)).split()[:MAX_ADDRESS_WORDS]
        if t not in noise_words
    ]
    without_numbers = [t for t in named if not any(ch.isdigit() for ch in t)]
    variants: list[str] = []
    for words in (tokens, named, without_numbers):
        candidate = " ".join(words)
        if candidate and candidate not in variants:
            variants.append(candidate)
    return variants


def match_tier(name: str, query: str) -> int:
    """How well a normalised name matches a normalised query: 0 exact, 1 prefix, 2 word start, 3 part."""
    if name == query:
        return 0
    if name.startswith(query):
        return 1
    if f" {query}" in f" {name}":
        return 2
    return 3
