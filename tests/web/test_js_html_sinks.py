"""No string built from data reaches an HTML sink in the JavaScript Straz ships.

Leaflet's ``bindTooltip``, ``bindPopup``, ``setContent`` and ``divIcon({html})`` insert a
string argument as HTML, exactly like ``innerHTML``. The shipped scripts (not ``vendor/``)
must hand them DOM nodes built with ``Straz.el`` (text children only), a function that
returns such a node, or a string literal. ``innerHTML``/``outerHTML`` may only be assigned
an empty literal; ``insertAdjacentHTML`` and ``document.write`` are not used at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "straz"

LEAFLET_SINKS = ("bindTooltip", "bindPopup", "setContent", "setTooltipContent", "setPopupContent")
NODE_BUILDERS = ("S.el(", "Straz.el(")
STRING_LITERAL = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*$""")


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.what}"


def shipped_scripts() -> list[Path]:
    return sorted(p for p in SRC.glob("**/static/**/*.js") if "vendor" not in p.parts)


def _strip_comments(code: str) -> str:
    """Blank out comments, keeping line numbers (strings are left alone)."""
    out: list[str] = []
    i, n = 0, len(code)
    quote: str | None = None
    while i < n:
        c = code[i]
        if quote:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(code[i + 1])
                i += 2
                continue
            if c == quote:
                quote = None
            i += 1
        elif c in "\"'`":
            quote = c
            out.append(c)
            i += 1
        elif code.startswith("/*", i):
            end = code.find("*/", i + 2)
            end = n if end == -1 else end + 2
            out.append(re.sub(r"[^\n]", " ", code[i:end]))
            i = end
        elif code.startswith("//", i):
            end = code.find("\n", i)
            end = n if end == -1 else end
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _balanced(code: str, start: int, open_: str = "(", close: str = ")") -> str:
    """The text between code[start] (an opening bracket) and its matching closing one."""
    depth, i, quote = 0, start, None
    while i < len(code):
        c = code[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'`":
            quote = c
        elif c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return code[start + 1 : i]
        i += 1
    return code[start + 1 :]


def _value_until_comma(code: str, start: int) -> str:
    """An object-literal value starting at code[start], up to the next top-level , or }."""
    depth, i, quote = 0, start, None
    while i < len(code):
        c = code[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif c == "," and depth == 0:
            break
        i += 1
    return code[start:i]


def _node_functions(code: str) -> set[str]:
    """Names of functions declared in the file whose every return builds a DOM node."""
    names = set()
    for m in re.finditer(r"function\s+(\w+)\s*\([^)]*\)\s*\{", code):
        body = _balanced(code, m.end() - 1, "{", "}")
        returns = re.findall(r"\breturn\s+([^;]*)", body)
        if returns and all(r.strip().startswith(NODE_BUILDERS) for r in returns):
            names.add(m.group(1))
    return names


def _safe_content(arg: str, node_functions: set[str]) -> bool:
    arg = arg.strip()
    if STRING_LITERAL.match(arg):
        return True
    if arg.startswith(NODE_BUILDERS):
        # the whole argument is one S.el(...) call
        paren = arg.index("(")
        return paren + len(_balanced(arg, paren)) + 2 == len(arg)
    call = re.fullmatch(r"(\w+)\((.*)\)", arg, re.S)
    if call and call.group(1) in node_functions:
        return True
    fn = re.fullmatch(r"function\s*\([^)]*\)\s*\{(.*)\}", arg, re.S)
    if fn:
        returns = re.findall(r"\breturn\s+([^;]*)", fn.group(1))
        return bool(returns) and all(_safe_content(r, node_functions) for r in returns)
    return False


def scan(code: str, file: str = "<js>") -> list[Finding]:
    """Every place where a non-literal string can reach an HTML sink."""
    code = _strip_comments(code)
    node_functions = _node_functions(code)
    found: list[Finding] = []

    def line(pos: int) -> int:
        return code.count("\n", 0, pos) + 1

    for m in re.finditer(r"\.(innerHTML|outerHTML)\s*(\+?=)(?!=)", code):
        rhs = _value_until_comma(code, m.end()).split(";")[0]
        if m.group(2) == "+=" or not re.fullmatch(r"""\s*(""|'')\s*""", rhs):
            found.append(Finding(file, line(m.start()), f"{m.group(1)} assigned {rhs.strip()!r}"))
    for m in re.finditer(r"\b(insertAdjacentHTML|document\.write(?:ln)?)\s*\(", code):
        found.append(Finding(file, line(m.start()), f"{m.group(1)} used"))
    for m in re.finditer(r"\.(" + "|".join(LEAFLET_SINKS) + r")\s*\(", code):
        arg = _balanced(code, m.end() - 1)
        first = _value_until_comma(arg, 0)  # options may follow the content
        if not _safe_content(first, node_functions):
            found.append(Finding(file, line(m.start()), f"{m.group(1)}({first.strip()[:60]})"))
    for m in re.finditer(r"divIcon\s*\(", code):
        options = _balanced(code, m.end() - 1)
        for h in re.finditer(r"\bhtml\s*:", options):
            value = _value_until_comma(options, h.end())
            if not _safe_content(value, node_functions):
                found.append(Finding(file, line(m.start()), f"divIcon html {value.strip()[:60]}"))
    for m in re.finditer(r"\battribution\s*:", code):
        value = _value_until_comma(code, m.end()).strip()
        if not (STRING_LITERAL.match(value) or re.match(r"(S\.|Straz\.)?escapeHtml\(", value)):
            found.append(Finding(file, line(m.start()), f"attribution {value[:60]}"))
    return found


def test_the_scripts_exist() -> None:
    names = {p.name for p in shipped_scripts()}
    assert {"board.js", "map.js", "common.js", "incident.js", "report-form.js"} <= names, names


@pytest.mark.parametrize("path", shipped_scripts(), ids=lambda p: p.name)
def test_no_data_reaches_an_html_sink(path: Path) -> None:
    findings = scan(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    assert not findings, "\n".join(map(str, findings))


# The scanner itself: each unsafe shape is caught, each safe one passes.

UNSAFE = [
    "m.bindTooltip(p.title);",  # the board's stored XSS
    "m.bindPopup(popupHtml(p));",
    'm.bindPopup("<strong>" + S.escapeHtml(name) + "</strong>");',
    "L.popup().setLatLng(e.latlng).setContent('<a href=\"' + url + '\">x</a>').openOn(map);",
    'layer.bindTooltip(S.escapeHtml(p.kind_label + ": " + p.name));',
    "var icon = L.divIcon({ className: '', html: '<div>' + count + '</div>', iconSize: [1, 1] });",
    "list.innerHTML = rows.join('');",
    "list.innerHTML += item;",
    "box.outerHTML = html;",
    "document.body.insertAdjacentHTML('beforeend', html);",
    "document.write(x);",
    "m.bindPopup(function () { return '<b>' + p.title + '</b>'; });",
    "L.tileLayer(url, { attribution: cfg.tileAttribution || '' });",
]

SAFE = [
    'm.bindTooltip(S.el("span", null, p.title));',
    'm.bindTooltip("Place of the incident");',
    "m.bindPopup(function () { return S.el('div', null, [p.title]); });",
    "function node(p) { return S.el('b', null, p.title); }\nm.bindPopup(node(p), { maxWidth: 300 });",
    "var icon = L.divIcon({ className: '', html: S.el('div', { 'data-count': n }, label), iconSize: [1, 1] });",
    'list.innerHTML = "";',
    "htmx.ajax('GET', url, { target: t, swap: 'innerHTML' });",
    "L.tileLayer(url, { attribution: escapeHtml(cfg.tileAttribution || '') });",
    "// m.bindTooltip(p.title) in a comment is not code",
]


@pytest.mark.parametrize("snippet", UNSAFE)
def test_scanner_catches_unsafe_sink(snippet: str) -> None:
    assert scan(snippet), snippet


@pytest.mark.parametrize("snippet", SAFE)
def test_scanner_accepts_safe_use(snippet: str) -> None:
    assert not scan(snippet), scan(snippet)
