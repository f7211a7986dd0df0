"""How soft-target values are shown: translated names of known codes, the risk-matrix picture.

Band and factor names of the default scale are codes with translated names; names a city
gave its own scale are data, shown as stored and marked translate="no" (ADR 0040)."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from straz.softtargets import rules
from straz.softtargets.choices import BAND_NAMES

FACTOR_NAMES: dict[str, Any] = {
    "accessibility": _("accessibility"),
    "occurrence": _("occurrence"),
    "complexity": _("complexity"),
    "lives": _("lives and health"),
    "object": _("the object"),
    "finances": _("finances"),
    "community": _("community"),
}

# Colours of the bands from the lowest to the highest (more bands reuse the scale).
PALETTE = ["#cfe8d5", "#fbe7a1", "#f6b97c", "#e98b83", "#c95b6a"]
INK = ["#1e5631", "#6b4e00", "#7a3a00", "#7d1d14", "#5a0d1c"]


def band_label(code: str) -> SafeString | str:
    """A band's name: translated for the default codes, as stored (not translated) otherwise."""
    if not code:
        return "—"
    if code in BAND_NAMES:
        return str(BAND_NAMES[code])
    return format_html('<span translate="no">{}</span>', code)


def factor_label(code: str) -> SafeString | str:
    if code in FACTOR_NAMES:
        return str(FACTOR_NAMES[code])
    return format_html('<span translate="no">{}</span>', code)


def band_index(scale: rules.Scale, band: str) -> int:
    names = [b.name for b in scale.bands]
    if band not in names:
        return 0
    position = names.index(band)
    if len(names) <= 1:
        return 0
    return round(position * (len(PALETTE) - 1) / (len(names) - 1))


def band_css(band: str) -> str:
    """A CSS class for a band badge (default codes only)."""
    return f"band-{band}" if band in BAND_NAMES else "band-other"


def risk_matrix_svg(scale: rules.Scale, scenarios: list[dict[str, Any]], *, title: str) -> SafeString:
    """The probability × impact matrix with each scenario numbered at its cell (escaped SVG)."""
    p_low, p_high = scale.probability_range
    i_low, i_high = scale.impact_range
    cols, rows = p_high - p_low + 1, i_high - i_low + 1
    cell = 14
    left, bottom, top = 34, 30, 6
    width, height = left + cols * cell + 6, top + rows * cell + bottom
    rects = []
    for ci in range(cols):
        for ri in range(rows):
            p, i = p_low + ci, i_low + ri
            idx = band_index(scale, rules.band_of(scale, p * i))
            rects.append((left + ci * cell, top + (rows - 1 - ri) * cell, cell, cell, PALETTE[idx]))
    cells = format_html_join(
        "", '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>', rects
    )
    marks = []
    for n, s in enumerate(scenarios, start=1):
        x = left + (int(s["probability"]) - p_low) * cell + cell // 2
        y = top + (rows - 1 - (int(s["impact"]) - i_low)) * cell + cell // 2
        marks.append((x, y, s["name"], s["risk"], x, y + 4, n))
    dots = format_html_join(
        "",
        '<g><circle cx="{}" cy="{}" r="7" fill="#12355b"><title>{} ({})</title></circle>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="9" fill="#fff">{}</text></g>',
        marks,
    )
    return format_html(
        '<svg class="risk-matrix" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        "{}{}"
        '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>'
        '<text x="10" y="{}" font-size="10" text-anchor="middle" transform="rotate(-90 10 {})">{}</text>'
        "</svg>",
        title, width, height, cells, dots,
        left + cols * cell // 2, height - 8, _("probability"),
        top + rows * cell // 2, top + rows * cell // 2, _("impact"),
    )
