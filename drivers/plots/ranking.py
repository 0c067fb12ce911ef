"""Rankings of driver importance: bars with interval whiskers, one outcome or two side by
side."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from drivers.plots.common import (
    _axes,
    _dimension_names,
    _dimensions_of,
    _freeze,
    _label_map,
    _order,
    _percent_axis,
    _require,
    interval_lines,
)
from drivers.style import (
    DIMENSION_STYLES,
    FONT_SIZES,
    chart_text,
    dimension_style,
    use_house_style,
    wrap_label,
)

# ---------------------------------------------------------------- rankings


def _interval_columns(table: pd.DataFrame, value: str) -> tuple[str, str] | None:
    pairs = {"share": ("share_ci_low", "share_ci_high"), "importance": ("ci_low", "ci_high")}
    low, high = pairs.get(value, (f"{value}_ci_low", f"{value}_ci_high"))
    return (low, high) if {low, high} <= set(table.columns) else None


def ranking_plot(table: pd.DataFrame, ax=None, value: str = "share", labels=None,
                 title: str | None = None, lang: str = "en", order: Sequence[str] | None = None,
                 show_labels: bool = True):
    """Horizontal bars of importance, largest on top, with interval whiskers.

    Parameters
    ----------
    table : DataFrame
        An importance table: ``driver`` and ``value``; optional interval columns
        (``share_ci_low``/``share_ci_high`` or ``ci_low``/``ci_high``) and ``dimension``.
    ax : Axes, optional
        Where to draw.
    value : str
        Column to draw (``share`` by default).
    labels : Study or dict, optional
        Bar labels (a Study also supplies the dimensions for colours and hatches).
    title : str, optional
        Chart title.
    lang : str
        Label language when ``labels`` is a Study.
    order : sequence of str, optional
        Driver order from the top; default by ``value`` descending.
    show_labels : bool
        Whether to write the driver labels on the y axis.

    Returns
    -------
    Axes
        Bars coloured and hatched by dimension, whiskers for the interval, the value written
        beyond each bar.
    """
    _require(table, ["driver", value], "table")
    if table.empty:
        raise ValueError("table has no rows")
    if order is None:
        frame = table.sort_values(value, ascending=False, kind="mergesort")
    else:
        missing = [d for d in table["driver"] if d not in list(order)]
        if missing:
            raise ValueError(f"order misses driver(s) {', '.join(map(str, missing))}")
        frame = table.set_index("driver").loc[list(order)].reset_index()
    drivers = [str(d) for d in frame["driver"]]
    text_of = _label_map(drivers, labels, lang)
    dimensions = _dimensions_of(frame, labels)
    dim_order = _order(dimensions, labels)
    values = frame[value].to_numpy(dtype=float)
    interval = _interval_columns(frame, value)
    ax, created = _axes(ax, (6.5, 0.34 * len(frame) + 1.4), lang)
    with use_house_style(lang):
        positions = np.arange(len(frame))[::-1]
        for i, pos in enumerate(positions):
            style = dimension_style(dimensions[i], dim_order)
            colour = style["color"] if dimensions[i] is not None else DIMENSION_STYLES["BX"]["color"]
            ax.barh(pos, values[i], height=0.68, color=colour, edgecolor="black",
                    linewidth=0.6, hatch=style["hatch"] if dimensions[i] is not None else "",
                    zorder=2)
        ends = values.copy()
        if interval is not None:
            low = frame[interval[0]].to_numpy(dtype=float)
            high = frame[interval[1]].to_numpy(dtype=float)
            ok = np.isfinite(low) & np.isfinite(high)
            interval_lines(ax, positions[ok], low[ok], high[ok], horizontal=True)
            ends = np.where(ok, np.maximum(values, high), values)
        # One decimal when shares are small (5.2% and 4.6% are different drivers, not "5%").
        decimals = 1 if np.nanmax(np.abs(values)) < 0.2 else 0
        value_texts = [ax.text(max(e, 0), pos, " " + _value_text(v, value == "share", decimals),
                               va="center", ha="left",
                               fontsize=FONT_SIZES["label"], zorder=4)
                       for e, v, pos in zip(ends, values, positions, strict=True)]
        ax.set_yticks(positions)
        if show_labels:
            ax.set_yticklabels([wrap_label(text_of[d], 34) for d in drivers])
        else:
            # Not blank labels: with a shared y axis those would blank the other panel too.
            ax.tick_params(axis="y", labelleft=False)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(-0.6, len(frame) - 0.4)
        left = min(0.0, float(np.nanmin(np.r_[values, ends])))
        ax.set_xlim(left, max(float(np.nanmax(ends)), 1e-9) * 1.15)
        if value == "share":
            _percent_axis(ax.xaxis, np.r_[values, ends])
            ax.set_xlabel(chart_text("Share of explained variance", lang))
        else:
            ax.set_xlabel(value.replace("_", " ").capitalize())
        ax.xaxis.grid(True, zorder=0)
        ax.set_axisbelow(True)
        if title:
            ax.set_title(title)
        if dim_order:
            handles = [Patch(facecolor=dimension_style(d, dim_order)["color"],
                             hatch=dimension_style(d, dim_order)["hatch"], edgecolor="black",
                             linewidth=0.6, label=_dimension_names(labels, [d], lang)[d])
                       for d in dim_order]
            # Outside on the right: inside, a legend can cover long bars or their whiskers.
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                      fontsize=FONT_SIZES["label"], borderaxespad=0.0)
        _freeze(ax, created)
        _fit_texts_right(ax, value_texts)
    return ax


def _value_text(v: float, share: bool, decimals: int = 0) -> str:
    if share:
        return f"{100 * v:.{decimals}f}%" if abs(v) >= 0.01 or decimals else f"{100 * v:.1f}%"
    return f"{v:.3f}" if abs(v) < 1 else f"{v:.2f}"


def _fit_texts_right(ax, texts, rounds: int = 6) -> None:
    """Widen the x axis until every value text ends inside the axes."""
    renderer = ax.figure.canvas.get_renderer()
    for _ in range(rounds):
        frame = ax.get_window_extent(renderer)
        right = max(t.get_window_extent(renderer).x1 for t in texts)
        if right <= frame.x1 - 2:
            return
        low, high = ax.get_xlim()
        # The texts keep their pixel width, so grow the data range by the overshoot ratio.
        inside = frame.x1 - frame.x0
        ax.set_xlim(low, low + (high - low) * (right - frame.x0 + 4) / inside)
        ax.figure.draw_without_rendering()


def ranking_pair_plot(csat_table: pd.DataFrame, nps_table: pd.DataFrame, axes=None,
                      value: str = "share", labels=None, lang: str = "en",
                      titles: tuple[str, str] = ("CSAT", "NPS"), order: str = "csat"):
    """CSAT and NPS rankings side by side, drivers in the same rows.

    Parameters
    ----------
    csat_table, nps_table : DataFrame
        Importance tables of the two outcomes, on the same drivers.
    axes : pair of Axes, optional
        Where to draw; a new two-panel figure otherwise.
    value, labels, lang
        As in :func:`ranking_plot`.
    titles : (str, str)
        Panel titles.
    order : {"csat", "nps"}
        Whose ranking sets the row order (so a driver's two bars are on one line).

    Returns
    -------
    ndarray of Axes
        The CSAT and NPS panels.
    """
    _require(csat_table, ["driver", value], "csat_table")
    _require(nps_table, ["driver", value], "nps_table")
    if set(csat_table["driver"]) != set(nps_table["driver"]):
        raise ValueError("csat_table and nps_table must list the same drivers")
    if order not in ("csat", "nps"):
        raise ValueError(f"order must be 'csat' or 'nps', got {order!r}")
    leading = csat_table if order == "csat" else nps_table
    rows = leading.sort_values(value, ascending=False, kind="mergesort")["driver"].tolist()
    created = axes is None
    if created:
        with use_house_style(lang):
            fig, axes = plt.subplots(1, 2, figsize=(10.5, 0.34 * len(rows) + 1.6),
                                     layout="constrained", sharey=True)
    axes = np.asarray(axes)
    for panel, (table, title) in enumerate(zip((csat_table, nps_table), titles, strict=True)):
        ranking_plot(table, ax=axes[panel], value=value, labels=labels, title=title, lang=lang,
                     order=rows, show_labels=panel == 0)
        if panel == 0 and axes[0].get_legend() is not None:
            axes[0].get_legend().remove()
    if created:
        axes[0].figure.draw_without_rendering()
        axes[0].figure.set_layout_engine("none")
    # One x scale for both panels, so bar lengths compare across CSAT and NPS; the second
    # panel can also change the layout of the first, so fit both value columns again.
    right = max(panel.get_xlim()[1] for panel in axes)
    for panel in axes:
        panel.set_xlim(panel.get_xlim()[0], right)
    axes[0].figure.draw_without_rendering()
    for panel in axes:
        _fit_texts_right(panel, list(panel.texts))
    right = max(panel.get_xlim()[1] for panel in axes)
    for panel in axes:
        panel.set_xlim(panel.get_xlim()[0], right)
    return axes


