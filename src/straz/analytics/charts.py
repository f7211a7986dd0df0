"""Chart pictures of the statistics, drawn on the server with matplotlib (Agg, no pyplot)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from straz.analytics.threatmap.queries import Statistics
from straz.reports.models import STATUS_LABELS
from straz.reports.rules import STATUS_COLORS, Status

CHARTS = ("months", "categories", "districts", "statuses")
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
TOP = 15  # bars in the category and district charts


def _figure(height: float) -> Figure:
    figure = Figure(figsize=(8, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _months(stats: Statistics) -> Figure:
    figure = _figure(3.8)
    ax = figure.add_subplot()
    labels = [row.label for row in stats.by_month]
    positions = range(len(labels))
    bottom = [0] * len(labels)
    for status in Status:
        values = [row.by_status[status.value] for row in stats.by_month]
        if any(values):
            ax.bar(
                positions,
                values,
                bottom=bottom,
                color=STATUS_COLORS[status],
                label=str(STATUS_LABELS[status]),
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    step = max(1, len(labels) // 12)
    ax.set_xticks(list(positions)[::step], labels[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(_("Reports"))
    ax.set_title(_("Reports by month"))
    if any(bottom):
        # Beside the plot, so that it never hides a bar.
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return figure


def _horizontal(title: str, labels: list[str], values: list[float], xlabel: str) -> Figure:
    figure = _figure(max(2.0, 0.35 * len(labels) + 1.0))
    ax = figure.add_subplot()
    ax.barh(range(len(labels)), values, color="#1f5fa8")
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return figure


def _categories(stats: Statistics) -> Figure:
    rows = stats.by_category[:TOP]
    return _horizontal(
        _("Most reported categories"),
        [r.label for r in rows],
        [r.total for r in rows],
        _("Reports"),
    )


def _districts(stats: Statistics) -> Figure:
    with_population = [r for r in stats.by_district if r.per_100k is not None]
    if with_population:
        rows = sorted(with_population, key=lambda r: -(r.per_100k or 0))[:TOP]
        values = [r.per_100k or 0.0 for r in rows]
        xlabel = _("Reports per 100,000 residents")
    else:
        rows = stats.by_district[:TOP]
        values = [float(r.total) for r in rows]
        xlabel = _("Reports")
    return _horizontal(_("Police districts"), [r.label for r in rows], values, xlabel)


def _statuses(stats: Statistics) -> Figure:
    figure = _figure(3.0)
    ax = figure.add_subplot()
    statuses = list(Status)
    ax.bar(
        range(len(statuses)),
        [stats.summary.by_status[s.value] for s in statuses],
        color=[STATUS_COLORS[s] for s in statuses],
    )
    ax.set_xticks(
        range(len(statuses)),
        [str(STATUS_LABELS[s]) for s in statuses],
        rotation=20,
        ha="right",
        fontsize=8,
    )
    ax.set_ylabel(_("Reports"))
    ax.set_title(_("Reports by status"))
    return figure


def render_chart(stats: Statistics, *, name: str, fmt: str) -> bytes:
    """One chart as PNG or SVG bytes (deterministic: no timestamps in the file)."""
    figure = {
        "months": _months,
        "categories": _categories,
        "districts": _districts,
        "statuses": _statuses,
    }[name](stats)
    buffer = io.BytesIO()
    if fmt == "svg":
        # A fixed salt keeps the element ids stable, so equal numbers give an equal file;
        # text stays text (not paths), so the labels are searchable and accessible.
        with rc_context({"svg.hashsalt": "straz", "svg.fonttype": "none"}):
            figure.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
