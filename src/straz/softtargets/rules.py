"""Risk scoring of soft targets (pure): scales as configuration, scenarios, bands, overdue measures.

Source: Ministry of the Interior, "Vyhodnocení ohroženosti měkkého cíle" (2018), phase II:
each scenario's probability and impact are scored and risk = probability × impact, plotted
on a matrix and banded. The factors, their ranges and the band thresholds are a versioned
configuration (ADR 0041); within probability and within impact the factors are summed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

NAME_MAX = 60
FACTORS_MAX = 30
# The largest risk a scale may reach (stored in a 32-bit integer column).
RISK_MAX = 2_000_000_000


class ScaleError(ValueError):
    """A scale definition is invalid; `code` says why, `subject` names the part concerned."""

    def __init__(self, code: str, subject: str = "") -> None:
        super().__init__(f"{code}: {subject}")
        self.code = code
        self.subject = subject


class ScoreError(ValueError):
    """A scenario's scores do not fit the scale; `code` is missing/range/unknown, `factor` which."""

    def __init__(self, code: str, factor: str, *, low: int = 0, high: int = 0) -> None:
        super().__init__(f"{code}: {factor}")
        self.code = code
        self.factor = factor
        self.low = low
        self.high = high


@dataclass(frozen=True)
class Factor:
    name: str
    low: int
    high: int


@dataclass(frozen=True)
class Band:
    name: str
    start: int  # the lowest risk in this band


@dataclass(frozen=True)
class Scale:
    """A scale's definition: probability and impact factors (summed), bands by risk."""

    probability: tuple[Factor, ...]
    impact: tuple[Factor, ...]
    bands: tuple[Band, ...]

    @property
    def factors(self) -> tuple[Factor, ...]:
        return self.probability + self.impact

    @property
    def probability_range(self) -> tuple[int, int]:
        return sum(f.low for f in self.probability), sum(f.high for f in self.probability)

    @property
    def impact_range(self) -> tuple[int, int]:
        return sum(f.low for f in self.impact), sum(f.high for f in self.impact)

    @property
    def risk_range(self) -> tuple[int, int]:
        return (
            self.probability_range[0] * self.impact_range[0],
            self.probability_range[1] * self.impact_range[1],
        )

    def to_json(self) -> dict[str, Any]:
        """The stored form (RiskScale.definition)."""
        return {
            "probability": [{"name": f.name, "min": f.low, "max": f.high} for f in self.probability],
            "impact": [{"name": f.name, "min": f.low, "max": f.high} for f in self.impact],
            "bands": [{"name": b.name, "from": b.start} for b in self.bands],
        }


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    scores: dict[str, int]
    probability: int
    impact: int
    risk: int
    band: str


# The default scale of the issue and of the public tool the spec cites: probability =
# accessibility + occurrence + complexity, impact = lives + object + finances + community,
# each 1–7. Thresholds: a scenario scored 4 everywhere (12 × 16 = 192) is medium, 5
# everywhere (15 × 20 = 300) high, 6 everywhere (18 × 24 = 432) critical.
DEFAULT_SCALE_NAME = "default"
DEFAULT_SCALE: dict[str, Any] = {
    "probability": ["accessibility", "occurrence", "complexity"],
    "impact": ["lives", "object", "finances", "community"],
    "min": 1,
    "max": 7,
    "bands": [
        {"name": "low", "from": 0},
        {"name": "medium", "from": 120},
        {"name": "high", "from": 240},
        {"name": "critical", "from": 400},
    ],
}


def _int(value: Any, subject: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScaleError("not_integer", subject)
    return value


def _name(value: Any, subject: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScaleError("name_missing", subject)
    name = value.strip()
    if len(name) > NAME_MAX:
        raise ScaleError("name_too_long", name[:NAME_MAX])
    return name


def parse_scale(data: Mapping[str, Any]) -> Scale:
    """A Scale from its JSON form: factors as names (taking "min"/"max" of the scale) or as
    {"name", "min", "max"}; bands as [{"name", "from"}] in rising order. Raises ScaleError."""
    default_low = data.get("min", 1)
    default_high = data.get("max", 7)
    default_low = _int(default_low, "min")
    default_high = _int(default_high, "max")
    seen: set[str] = set()

    def factors(key: str) -> tuple[Factor, ...]:
        raw = data.get(key)
        if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
            raise ScaleError("no_factors", key)
        if len(raw) > FACTORS_MAX:
            raise ScaleError("too_many_factors", key)
        out = []
        for item in raw:
            if isinstance(item, Mapping):
                name = _name(item.get("name"), key)
                low = _int(item.get("min", default_low), name)
                high = _int(item.get("max", default_high), name)
            else:
                name, low, high = _name(item, key), default_low, default_high
            if name in seen:
                raise ScaleError("duplicate_factor", name)
            if low < 0 or high <= low:
                raise ScaleError("bad_range", name)
            seen.add(name)
            out.append(Factor(name, low, high))
        return tuple(out)

    probability = factors("probability")
    impact = factors("impact")
    raw_bands = data.get("bands")
    if not isinstance(raw_bands, Sequence) or isinstance(raw_bands, str) or not raw_bands:
        raise ScaleError("no_bands", "bands")
    bands: list[Band] = []
    for item in raw_bands:
        if not isinstance(item, Mapping):
            raise ScaleError("name_missing", "bands")
        name = _name(item.get("name"), "bands")
        start = _int(item.get("from"), name)
        if bands and start <= bands[-1].start:
            raise ScaleError("bands_not_rising", name)
        if any(b.name == name for b in bands):
            raise ScaleError("duplicate_band", name)
        bands.append(Band(name, start))
    scale = Scale(probability, impact, tuple(bands))
    if scale.risk_range[1] > RISK_MAX:
        raise ScaleError("too_large", "max")
    if bands[0].start > scale.risk_range[0]:
        raise ScaleError("lowest_risk_unbanded", bands[0].name)
    return scale


def band_of(scale: Scale, risk: int) -> str:
    """The band a risk falls into: the last band whose start it reaches."""
    chosen = scale.bands[0].name
    for band in scale.bands:
        if risk >= band.start:
            chosen = band.name
    return chosen


def score_scenario(scale: Scale, name: str, scores: Mapping[str, Any]) -> ScenarioResult:
    """One scenario's probability (sum), impact (sum), risk (product) and band.

    Every factor of the scale must be scored, within its range, with a whole number; an
    unknown factor is refused too (a typo must not silently drop a score)."""
    for key in scores:
        if key not in {f.name for f in scale.factors}:
            raise ScoreError("unknown", str(key)[:NAME_MAX])
    clean: dict[str, int] = {}
    for factor in scale.factors:
        if factor.name not in scores:
            raise ScoreError("missing", factor.name, low=factor.low, high=factor.high)
        value = scores[factor.name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScoreError("not_integer", factor.name, low=factor.low, high=factor.high)
        if not factor.low <= value <= factor.high:
            raise ScoreError("range", factor.name, low=factor.low, high=factor.high)
        clean[factor.name] = value
    probability = sum(clean[f.name] for f in scale.probability)
    impact = sum(clean[f.name] for f in scale.impact)
    risk = probability * impact
    return ScenarioResult(name, clean, probability, impact, risk, band_of(scale, risk))


def overall(results: Iterable[ScenarioResult]) -> ScenarioResult | None:
    """The worst scenario (highest risk; the first of equals), or None without scenarios."""
    worst: ScenarioResult | None = None
    for result in results:
        if worst is None or result.risk > worst.risk:
            worst = result
    return worst


def is_overdue(*, deadline: date | None, finished: bool, today: date) -> bool:
    """A measure is overdue when it is not finished (done or cancelled) after its deadline day."""
    return deadline is not None and not finished and deadline < today


def matrix_cell(scale: Scale, probability: int, impact: int, *, size: int) -> tuple[int, int]:
    """Where a (probability, impact) point falls on a size × size matrix (column, row from bottom)."""
    p_low, p_high = scale.probability_range
    i_low, i_high = scale.impact_range

    def pos(value: int, low: int, high: int) -> int:
        if high <= low:
            return 0
        return min(size - 1, max(0, (value - low) * size // (high - low + 1)))

    return pos(probability, p_low, p_high), pos(impact, i_low, i_high)
