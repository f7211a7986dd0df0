"""The Czech and Polish catalogues are complete, compiled, and see every string in the code."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])
SOURCE = Path(__file__).resolve().parents[1] / "src" / "straz"
LANGUAGES = ["cs", "pl"]


def _unquote(lines: list[str]) -> str:
    # PO strings are C-style string literals; Python reads the escapes they use.
    return "".join(ast.literal_eval(line) for line in lines)


def po_entries(path: Path) -> list[dict[str, object]]:
    """Entries of a .po file: msgid, msgid_plural, msgstr values, flags (a small reader)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or all(line.startswith("#~") for line in lines):
            continue
        flags: set[str] = set()
        parts: dict[str, list[str]] = {}
        current = ""
        for line in lines:
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                parts[current].append(line)
            else:
                current, _, rest = line.partition(" ")
                parts[current] = [rest]
        entries.append(
            {
                "msgid": _unquote(parts.get("msgid", ['""'])),
                "msgctxt": _unquote(parts["msgctxt"]) if "msgctxt" in parts else None,
                "plural": "msgid_plural" in parts,
                "msgstrs": [_unquote(v) for k, v in parts.items() if k.startswith("msgstr")],
                "flags": flags,
            }
        )
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(language: str) -> None:
    entries = [e for e in po_entries(LOCALE / language / "LC_MESSAGES" / "django.po") if e["msgid"]]
    assert len(entries) > 1000
    untranslated = [e["msgid"] for e in entries if not all(e["msgstrs"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{language}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language: str) -> None:
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    catalog = compiled._catalog  # type: ignore[attr-defined]
    for entry in po_entries(folder / "django.po"):
        msgid = entry["msgid"]
        if not msgid:
            continue
        # A msgid with a context is stored as "context\x04msgid" (GNU gettext).
        if entry["msgctxt"] is not None:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        key = (msgid, 0) if entry["plural"] else msgid
        assert key in catalog, f"{language}: {msgid!r} is in django.po but not in django.mo (run compilemessages)"
        if not entry["plural"]:
            assert catalog[key] == entry["msgstrs"][0], f"{language}: {msgid!r} differs in django.mo"


def test_code_marks_strings_only_with_names_makemessages_knows() -> None:
    """makemessages finds _(), gettext(), gettext_lazy()…; an alias such as _lazy() hides strings."""
    alias = re.compile(r"import\s+.*\b(n?p?gettext(?:_lazy|_noop)?)\s+as\s+(?!_\b)(\w+)")
    offenders = [
        f"{path.relative_to(SOURCE)}: {m.group(0)}"
        for path in SOURCE.rglob("*.py")
        if "migrations" not in path.parts
        for m in alias.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
