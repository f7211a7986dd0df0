"""How place names are compared and address text is read (territory.rules), value by value."""

from __future__ import annotations

import pytest

from straz.territory.rules import MAX_ADDRESS_WORDS, address_variants, normalise_place_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plzeň", "plzen"),
        ("  Náměstí   Republiky ", "namesti republiky"),
        ("Łódź", "lodz"),
        ("ŁÓDŹ", "lodz"),
        ("Đakovo", "dakovo"),
        ("Ørsted-Ø", "orsted o"),
        ("Straße", "strasse"),
        ("U Zvonařky 5/12", "u zvonarky 5 12"),
        ("a.b,c;d", "a b c d"),
        ("", ""),
        ("---", ""),
    ],
)
def test_place_names_are_folded(text: str, expected: str) -> None:
    assert normalise_place_name(text) == expected


def test_an_address_is_tried_as_written_without_noise_then_without_numbers() -> None:
    assert address_variants("Americká 42, 301 00 Plzeň", noise=["plzen"]) == [
        "americka 42 301 00 plzen",
        "americka 42",
        "americka",
    ]


def test_polish_post_codes_and_street_words_are_noise() -> None:
    assert address_variants("ul. Długa 5, 87-100 Toruń", noise=["torun"]) == [
        "ul dluga 5 87 100 torun",
        "dluga 5",
        "dluga",
    ]


def test_a_compact_czech_post_code_is_noise() -> None:
    assert address_variants("Husova 3 30100", noise=[]) == ["husova 3 30100", "husova 3", "husova"]


def test_unknown_words_are_kept_and_variants_are_not_repeated() -> None:
    assert address_variants("Václavské náměstí", noise=["praha"]) == ["vaclavske namesti"]


def test_nothing_to_search_gives_no_variants() -> None:
    assert address_variants("", noise=[]) == []
    assert address_variants(" ,. ", noise=[]) == []


def test_noise_only_keeps_the_text_as_written() -> None:
    assert address_variants("Plzeň 301 00", noise=["plzen"]) == ["plzen 301 00"]


def test_long_texts_are_cut_to_twelve_words() -> None:
    assert MAX_ADDRESS_WORDS == 12
    words = [f"w{i}" for i in range(20)]
    # Every word carries a digit and none is noise: one variant, the first twelve words.
    assert address_variants(" ".join(words), noise=[]) == [" ".join(words[:12])]


def test_letters_only_words_survive_the_number_filter() -> None:
    text = " ".join(["alfa"] * 11 + ["beta", "gama"])
    assert address_variants(text, noise=[]) == [" ".join(["alfa"] * 11 + ["beta"])]
