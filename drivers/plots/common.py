"""What every chart shares: axes creation, labels of drivers and dimensions, legends, axes
formats, table checks."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from drivers.style import (
    CJK_LANGUAGES,
    DIMENSION_STYLES,
    dimension_style,
    label_for,
    use_house_style,
)

#: Marker size (points) of the charts.
MARKER_SIZE = 7.0

NPS_COLUMNS = ("detractors", "passives", "promoters")

# ---------------------------------------------------------------- helpers


def _axes(ax, figsize, lang):
    """The axes to draw on; a new constrained-layout figure when ``ax`` is None."""
    if ax is not None:
        return ax, False
    with use_house_style(lang):
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax, True


def _freeze(ax, created: bool) -> None:
    """Lay the figure out once and keep it, so labels placed next stay where they are."""
    fig = ax.figure
    fig.draw_without_rendering()
    if created:
        fig.set_layout_engine("none")


def _label_map(drivers, labels, lang: str) -> dict[str, str]:
    """Driver -> display label from a Study, a mapping, or the names themselves."""
    if labels is None:
        return {d: str(d) for d in drivers}
    if hasattr(labels, "attributes") and hasattr(labels, "label"):
        return {d: label_for(labels, d, lang) for d in drivers}
    if isinstance(labels, Mapping | pd.Series):
        mapping = dict(labels)
        return {d: str(mapping.get(d, d)) for d in drivers}
    raise ValueError("labels must be None, a Study, or a mapping driver -> label")


def _dimension_names(labels, dimensions, lang: str) -> dict[str, str]:
    names = {}
    for d in dimensions:
        if hasattr(labels, "dimensions") and d in getattr(labels, "dimensions", {}):
            names[d] = f"{d} {label_for(labels, d, lang)}"
        else:
            names[d] = str(d)
    return names


def _dimensions_of(table: pd.DataFrame, labels) -> list:
    if "dimension" in table.columns:
        return [None if pd.isna(d) else d for d in table["dimension"]]
    if hasattr(labels, "dimension_of"):
        return [labels.dimension_of(d) for d in table["driver"]]
    return [None] * len(table)


def _driver_styles(table: pd.DataFrame, labels, lang: str):
    """Driver names, their display labels, their dimensions and the dimension order."""
    drivers = [str(d) for d in table["driver"]]
    dimensions = _dimensions_of(table, labels)
    return drivers, _label_map(drivers, labels, lang), dimensions, _order(dimensions, labels)


def _order(dimensions, labels=None) -> list:
    """Dimensions in a stable order: the house BX/PX/SX/EX first, then the study's order
    (when ``labels`` is a Study), then order of appearance, so colours do not follow ranks."""
    seen = []
    for d in dimensions:
        if d is not None and d not in seen:
            seen.append(d)
    standard = [d for d in DIMENSION_STYLES if d in seen]
    study_order = [d for d in getattr(labels, "dimensions", {}) if d in seen]
    rest = [d for d in study_order if d not in standard]
    return standard + rest + [d for d in seen if d not in DIMENSION_STYLES and d not in rest]


def _require(table: pd.DataFrame, columns, what: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"{what} must be a DataFrame")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}; it has "
                         f"{', '.join(map(str, table.columns))}")


def dimension_handles(order, names) -> list:
    """One legend entry per dimension: its marker, colour and name."""
    handles = []
    for d in order:
        style = dimension_style(d, order)
        handles.append(Line2D([], [], marker=style["marker"], color=style["color"],
                              markeredgecolor="black", markeredgewidth=0.7, linestyle="none",
                              markersize=MARKER_SIZE, label=names.get(d, d)))
    return handles


def _dimension_legend(ax, order, names, extra=(), ncol=None):
    handles = dimension_handles(order, names)
    handles.extend(extra)
    if not handles:
        return None
    return ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1),
                     ncol=ncol or min(len(handles), 3), handletextpad=0.4, columnspacing=1.2,
                     borderaxespad=0.0)


def percent_formatter(whole: float = 1.0) -> FuncFormatter:
    """Tick formatter writing ``whole`` as 100%, with only the decimals a tick needs.

    ``PercentFormatter(decimals=None)`` writes every tick of a 0-20% axis as ``5.0%``; this
    writes ``5%`` and keeps ``2.5%`` where the ticks need it.

    >>> fmt = percent_formatter()
    >>> fmt(0.05, 0), fmt(0.025, 1), fmt(0.0, 2)
    ('5%', '2.5%', '0%')
    >>> percent_formatter(100)(40, 0)
    '40%'
    """
    def write(value, _position):
        return f"{round(100 * value / whole, 6):g}%"

    return FuncFormatter(write)


def _percent_axis(axis, values) -> None:
    if np.nanmax(np.abs(values)) <= 1.0:
        axis.set_major_formatter(percent_formatter(1.0))
        axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))


def _note_style(lang: str) -> str:
    """Italic for Latin notes; upright for CJK, which has no italic and looks broken slanted."""
    return "normal" if lang in CJK_LANGUAGES else "italic"


def _padded(values: np.ndarray, fraction: float) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    low, high = float(values.min()), float(values.max())
    span = high - low if high > low else max(abs(high), 1.0) * 0.2
    return low - fraction * span, high + fraction * span


def interval_lines(ax, at, low, high, horizontal: bool, color="black", linewidth: float = 0.9,
                   cap: float = 5.0, alpha: float = 1.0, zorder: float = 3):
    """Interval whiskers drawn from ``low`` to ``high`` with end caps, at positions ``at``.

    Drawn from the bounds themselves, not as errors around a point, so an estimate outside
    its interval (a bootstrap percentile interval can miss the point estimate) still shows
    the interval [low, high]. The whiskers are one ``LineCollection`` (``gid`` "interval")
    whose segments a test can read back.
    """
    at, low, high = (np.asarray(v, dtype=float) for v in (at, low, high))
    ok = np.isfinite(at) & np.isfinite(low) & np.isfinite(high)
    if not ok.any():
        return None
    draw = ax.hlines if horizontal else ax.vlines
    lines = draw(at[ok], low[ok], high[ok], colors=color, linewidth=linewidth, alpha=alpha,
                 zorder=zorder)
    lines.set_gid("interval")
    marker = "|" if horizontal else "_"
    for bound in (low[ok], high[ok]) if cap > 0 else ():
        xy = (bound, at[ok]) if horizontal else (at[ok], bound)
        ax.plot(*xy, marker=marker, linestyle="none", color=color, markersize=cap,
                alpha=alpha, zorder=zorder, markeredgewidth=linewidth)
    return lines
