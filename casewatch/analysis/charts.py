"""Charts for the PDU head's report, drawn from the analysis document (so only what disclosure
control lets through) as inline SVG: the page stays one self-contained file."""

import io
from typing import Any

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from casewatch.analysis.profile import GROUPS, MEASURES, REFERENCE, measure_name

# Text stays text (smaller, searchable); ids are fixed, so the same analysis draws the same page.
STYLE: dict[Any, Any] = {"svg.fonttype": "none", "svg.hashsalt": "casewatch", "font.size": 10,
                         "axes.spines.top": False, "axes.spines.right": False}
COLOURS = ("#1d70b8", "#d4351c", "#00703c")
WORSE, BETTER = "#d4351c", "#00703c"  # GOV.UK red and green
TICKS = (0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10)


def chart(height: float) -> tuple[Figure, Axes]:
    """A figure of its own (matplotlib's object interface: no pyplot state, no display)."""
    with rc_context(STYLE):
        figure = Figure(figsize=(7.5, height))
        return figure, figure.subplots()


def svg(figure: Figure) -> str:
    """The figure as an <svg> element to inline (no XML prolog)."""
    buffer = io.StringIO()
    with rc_context(STYLE):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def rates_by_group(rows: list[dict[str, Any]], dimension: str) -> str | None:
    """Relative rate index of a breach with its 95% interval, per group and measure (every key
    question and rule measure that has one), on a log scale. Red: more of this group's cases
    breach than the reference group's; green: fewer; filled where the interval excludes 1."""
    groups = [g for g in GROUPS[dimension] if g != REFERENCE[dimension]]
    points = [(g, m, r) for m in MEASURES for g in groups for r in rows
              if r["dimension"] == dimension and r["group"] == g and r["measure"] == m
              and r["ciLow"] is not None]
    if not points:
        return None
    figure, axes = chart(0.3 * len(points) + 1.4)
    labels = []
    for position, (group, measure, row) in enumerate(points):
        colour = WORSE if row["rri"] > 1 else BETTER
        axes.errorbar(row["rri"], position, xerr=[[row["rri"] - row["ciLow"]],
                                                  [row["ciHigh"] - row["rri"]]],
                      fmt="o", color=colour, capsize=3, markersize=5,
                      markerfacecolor=colour if row["flagged"] else "white")
        labels.append(f"{group}  {measure_name(measure)}")
    axes.axvline(1.0, color="#505a5f", linewidth=1)
    axes.set_xscale("log")  # an index of 2 and one of 0.5 are equally far from 1
    low, high = axes.get_xlim()
    axes.set_xticks([t for t in TICKS if low <= t <= high])
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.set_yticks(range(len(points)), labels)
    axes.invert_yaxis()
    axes.set_xlabel(f"rate of breaches against {REFERENCE[dimension]} (95% interval): red more, "
                    "green fewer; filled where the interval excludes 1")
    return svg(figure)


def needs_and_referrals(needs: list[dict[str, Any]]) -> str | None:
    """Cases with each need against those referred and those whose referral started."""
    served = [n for n in needs if n["service"] is not None and n["cases"] is not None]
    if not served:
        return None
    figure, axes = chart(0.45 * len(served) + 1.2)
    height = 0.27
    for offset, (column, label) in enumerate((("cases", "cases with the need"),
                                              ("referred", "referred"),
                                              ("started", "referral started"))):
        values = [n[column] or 0 for n in served]  # a suppressed count is drawn as nothing
        axes.barh([i + (offset - 1) * height for i in range(len(served))], values,
                  height=height, color=COLOURS[offset], label=label)
    axes.set_yticks(range(len(served)),
                    [f"{n['need'].replace('_', ' ').lower()} → {n['service'].lower()}"
                     for n in served])
    axes.invert_yaxis()
    axes.set_xlabel("cases (rounded to 5; fewer than 10 not drawn)")
    axes.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.4, -0.12), ncol=3)
    return svg(figure)


def oversight_load(teams: list[dict[str, Any]]) -> str | None:
    """Open HIGH and CRITICAL alerts per practitioner, by team."""
    shown = [t for t in teams if t["openHighAndCriticalPerPractitioner"] is not None]
    if not shown:
        return None
    figure, axes = chart(0.35 * len(shown) + 1.0)
    axes.barh(range(len(shown)), [t["openHighAndCriticalPerPractitioner"] for t in shown],
              color=COLOURS[0])
    axes.set_yticks(range(len(shown)), [t["team"] for t in shown])
    axes.invert_yaxis()
    axes.set_xlabel("open HIGH and CRITICAL alerts per practitioner")
    return svg(figure)
