"""Finding English UI words on Czech and Polish pages (issue 9, item 7).

The vocabulary is built from the catalogues: a word of an English msgid that appears in no
Czech or Polish msgstr can only be on a Czech or Polish page because a string escaped
translation (not wrapped in gettext, translated nowhere, or built by a script or library
in English). Proper nouns, codes and format names that are the same in every language sit
in an allowlist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import lxml.html

from tests.test_translations import LOCALE, po_entries

# Words that are the same in every language of the UI: names of products, standards,
# formats, organisations and codes, and the language switcher's own-language names.
ALLOWED = {
    "straz", "open311", "geojson", "json", "csv", "pdf", "svg", "png", "api", "cap", "kmzb",
    "hzs", "orp", "opis", "izs", "totp", "agpl", "leaflet", "openstreetmap", "osm",
    "english", "polski", "čeština", "django", "htmx", "http", "https", "url", "www",
    "wgs84", "utc", "ico", "gps", "sms", "xml", "html", "h3", "bbox", "csrf",
}
# Word characters of the three languages; digits split words.
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
MIN_LENGTH = 3
# Attributes a screen reader reads out or a browser shows.
SPOKEN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "aria-description")
NOT_TEXT = {"script", "style", "template"}


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text) if len(w) >= MIN_LENGTH}


def _strip_placeholders(text: str) -> str:
    # %(name)s and {{ name }} are variables, not words of the sentence.
    return re.sub(r"%\([^)]*\)[sd]|\{\{[^}]*\}\}|\{[^}]*\}", " ", text)


@cache
def english_only_words() -> frozenset[str]:
    """Words of the English msgids that no Czech or Polish translation uses."""
    english: set[str] = set()
    translated: set[str] = set()
    for language in ("cs", "pl"):
        for entry in po_entries(Path(LOCALE) / language / "LC_MESSAGES" / "django.po"):
            english |= _words(_strip_placeholders(str(entry["msgid"])))
            for msgstr in entry["msgstrs"]:  # type: ignore[attr-defined]
                translated |= _words(_strip_placeholders(str(msgstr)))
    return frozenset(english - translated - ALLOWED)


# Content that says it is in another language (`lang="en"`) or is not to be translated at
# all (`translate="no"`, the HTML standard's mark for codes and data shown as stored), and
# the admin's columns of a record's English fields (a category's English name): data in
# English on purpose.
OTHER_LANGUAGE_CLASS = re.compile(r"\bfield-\w+_en\b")
# Hard-coded English in Django itself, not in any catalogue: the admin search icon's alt.
UPSTREAM = {("img", "alt", "Search")}


def _foreign(node: Any, page_lang: str) -> bool:
    if (node.get("translate") or "").strip().lower() == "no":
        return True
    lang = node.get("lang")
    if lang and node.tag != "html" and lang.split("-")[0] != page_lang:
        return True
    return bool(OTHER_LANGUAGE_CLASS.search(node.get("class") or ""))


def visible_texts(html: str) -> list[str]:
    """Text nodes outside scripts plus the attributes people read or hear, in page order."""
    root = lxml.html.document_fromstring(html)
    page_lang = (root.get("lang") or "").split("-")[0]
    # The elements themselves, not their id(): lxml's proxies live only while referenced.
    skipped = {n for top in root.iter() if isinstance(top.tag, str) and _foreign(top, page_lang) for n in top.iter()}
    texts: list[str] = []
    for node in root.iter():
        tag = node.tag if isinstance(node.tag, str) else ""
        if node in skipped:
            if node.tail and node.getparent() not in skipped:
                texts.append(node.tail)
            continue
        if tag in NOT_TEXT:
            if node.tail:
                texts.append(node.tail)
            continue
        if tag and not _inside(node, NOT_TEXT) and node.text:
            texts.append(node.text)
        for name in SPOKEN_ATTRIBUTES:
            value = node.get(name) if tag else None
            if value and (tag, name, value) not in UPSTREAM:
                texts.append(value)
        if tag == "input" and node.get("type") in ("submit", "button", "reset") and node.get("value"):
            texts.append(node.get("value"))
        if node.tail and not _inside(node.getparent(), NOT_TEXT):
            texts.append(node.tail)
    return [t for t in (" ".join(x.split()) for x in texts) if t]


def _inside(node: object, tags: set[str]) -> bool:
    while node is not None:
        tag = getattr(node, "tag", None)
        if isinstance(tag, str) and tag in tags:
            return True
        node = node.getparent()  # type: ignore[attr-defined]
    return False


# Data rather than words: e-mail addresses, URLs, and lower-case machine identifiers
# (codes such as `kmzb-drug-use`, `incident.created`, `alarm_level_declared`). Also,
# Django's own Czech and Polish help for multiple selects quotes the Mac's key by its name.
NOT_WORDS = re.compile(
    r"[\w.+-]+@[\w.-]+|\bhttps?://\S+|(?<![\w-])[a-z0-9]+(?:[._-][a-z0-9]+)+(?![\w-])"
    r"|[\"„“]Command[\"”“]"
)


def _without_data(text: str) -> str:
    return NOT_WORDS.sub(" ", text)


def english_words_in(texts: Iterable[str], extra_allowed: Iterable[str] = ()) -> dict[str, str]:
    """English-only words found in the texts, each with the first text it appeared in."""
    vocabulary = english_only_words() - {w.lower() for w in extra_allowed}
    found: dict[str, str] = {}
    for text in texts:
        for word in _words(_without_data(text)) & vocabulary:
            found.setdefault(word, text[:120])
    return found
