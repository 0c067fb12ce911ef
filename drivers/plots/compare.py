"""CSAT against NPS: each driver's importance for both outcomes, with the diagonal."""

from __future__ import annotations

import numpy as np
import pandas as pd

from drivers.plots.common import (
    MARKER_SIZE,
    _axes,
    _dimension_legend,
    _dimension_names,
    _driver_styles,
    _freeze,
    _note_style,
    _percent_axis,
    _require,
    interval_lines,
)
from drivers.plots.labels import place_labels
from drivers.style import (
    FONT_SIZES,
    chart_text,
    dimension_style,
    use_house_style,
    wrap_label,
)

# ---------------------------------------------------------------- CSAT vs NPS importance


def importance_scatter(comparison: pd.DataFrame, ax=None, x: str | None = None,
                       y: str | None = None, labels=None, lang: str = "en", n_labels: int = 8,
                       title: str | None = None):
    """Each driver's importance for CSAT (x) against NPS (y), with the diagonal.

    Parameters
    ----------
    comparison : DataFrame
        ``driver`` and the two importances: ``x``/``y`` columns, by default the first pair
        found of ``share_csat``/``share_nps``, ``importance_csat``/``importance_nps``,
        ``csat``/``nps``. Optional ``dimension`` and ``lead`` (``"CSAT-led"``,
        ``"NPS-led"``, ``"shared"``).
    ax : Axes, optional
        Where to draw.
    x, y : str, optional
        Column names of the CSAT and NPS importances.
    labels : Study or dict, optional
        Point labels.
    lang : str
        Label language when ``labels`` is a Study.
    n_labels : int
        Without a ``lead`` column, how many drivers farthest from the diagonal to label.
    title : str, optional
        Chart title.

    Returns
    -------
    Axes
        Equal scales on both axes, the ``y = x`` diagonal, the regions above ("NPS-led") and
        below ("CSAT-led") named. With at most ``n_labels`` drivers every one is labelled and,
        given the interval columns of :func:`drivers.analysis.compare` (``<x>_ci_low``,
        ``<x>_ci_high``, the same for ``y``), carries its two intervals as whiskers; with
        more, ``n_labels`` are labelled: those with a lead other than "shared" farthest from
        the diagonal first, then the most important of the rest; the intervals stay in the
        table.
    """
    x, y = _comparison_columns(comparison, x, y)
    _require(comparison, ["driver", x, y], "comparison")
    drivers, text_of, dimensions, order = _driver_styles(comparison, labels, lang)
    xs = comparison[x].to_numpy(dtype=float)
    ys = comparison[y].to_numpy(dtype=float)
    distance = np.abs(ys - xs) / np.sqrt(2)
    few = len(drivers) <= n_labels
    if few:
        chosen = [True] * len(drivers)
    else:
        # n_labels drivers: the led ones farthest from the diagonal first (all of them when
        # there is no lead column), then the most important of the rest.
        led = np.array([str(v) not in ("shared", "untested") for v in comparison["lead"]]) \
            if "lead" in comparison.columns else np.ones(len(drivers), dtype=bool)
        ranked = [i for i in np.argsort(-distance, kind="mergesort") if led[i]][:n_labels]
        largest = np.argsort(-np.fmax(xs, ys), kind="mergesort")
        ranked += [i for i in largest if i not in ranked][:n_labels - len(ranked)]
        chosen = [i in set(ranked) for i in range(len(drivers))]
    ax, created = _axes(ax, (6.8, 6.4), lang)
    with use_house_style(lang):
        extent = np.r_[xs, ys]
        if few and {f"{x}_ci_high", f"{y}_ci_high"} <= set(comparison.columns):
            extent = np.r_[extent, comparison[f"{x}_ci_high"], comparison[f"{y}_ci_high"]]
        low = min(0.0, float(np.nanmin(np.r_[xs, ys])))
        high = float(np.nanmax(extent)) * 1.12
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
        ax.set_aspect("equal", adjustable="box")
        ax.plot([low, high], [low, high], color="#555555", linestyle="--", linewidth=0.8,
                zorder=1)
        region_texts = [
            ax.text(0.03, 0.97, chart_text("NPS-led: matters more for recommending", lang),
                    transform=ax.transAxes, ha="left", va="top", fontsize=FONT_SIZES["small"],
                    fontstyle=_note_style(lang), color="#333333"),
            ax.text(0.97, 0.03, chart_text("CSAT-led: matters more for satisfaction", lang),
                    transform=ax.transAxes, ha="right", va="bottom",
                    fontsize=FONT_SIZES["small"], fontstyle=_note_style(lang), color="#333333"),
        ]
        x_ci = [f"{x}_ci_low", f"{x}_ci_high"]
        y_ci = [f"{y}_ci_low", f"{y}_ci_high"]
        # Whiskers only where they stay readable; with many drivers the table holds them.
        has_ci = few and set(x_ci + y_ci) <= set(comparison.columns)
        whiskers = []
        for i in range(len(drivers)):
            style = dimension_style(dimensions[i], order)
            if has_ci:
                x_low, x_high = comparison[x_ci].iloc[i].to_numpy(dtype=float)
                y_low, y_high = comparison[y_ci].iloc[i].to_numpy(dtype=float)
                interval_lines(ax, [ys[i]], [x_low], [x_high], horizontal=True,
                               color=style["color"], linewidth=0.8, alpha=0.7, cap=0)
                interval_lines(ax, [xs[i]], [y_low], [y_high], horizontal=False,
                               color=style["color"], linewidth=0.8, alpha=0.7, cap=0)
                whiskers += [(x_low, ys[i], x_high, ys[i]), (xs[i], y_low, xs[i], y_high)]
            ax.plot([xs[i]], [ys[i]], marker=style["marker"], color=style["color"],
                    markeredgecolor="black", markeredgewidth=0.7, markersize=MARKER_SIZE,
                    linestyle="none", zorder=4)
        percent = np.nanmax(np.abs(np.r_[xs, ys])) <= 1.0 and x.startswith("share")
        if percent:
            _percent_axis(ax.xaxis, np.r_[xs, ys])
            _percent_axis(ax.yaxis, np.r_[xs, ys])
        what = "share of explained variance" if x.startswith("share") else "importance"
        ax.set_xlabel(chart_text(f"{_outcome_of(x, 'CSAT')}: {what}", lang))
        ax.set_ylabel(chart_text(f"{_outcome_of(y, 'NPS')}: {what}", lang))
        if title:
            ax.set_title(title)
        _dimension_legend(ax, order, _dimension_names(labels, order, lang),
                          ncol=min(len(order), 2) or 1)
        _freeze(ax, created)
        ranking = np.argsort(-distance, kind="mergesort")
        place_labels(ax, xs[ranking], ys[ranking],
                     [wrap_label(text_of[drivers[i]]) if chosen[i] else "" for i in ranking],
                     fixed_texts=region_texts, whiskers=whiskers,
                     rules=[(low, low, high, high)])
    return ax


def _outcome_of(column: str, default: str) -> str:
    """``share_csat`` -> ``CSAT``: the outcome a comparison column belongs to."""
    for prefix in ("share_", "importance_"):
        if column.startswith(prefix):
            return column[len(prefix):].upper()
    return default


def _comparison_columns(comparison: pd.DataFrame, x: str | None, y: str | None
                        ) -> tuple[str, str]:
    if x is not None and y is not None:
        return x, y
    for pair in (("share_csat", "share_nps"), ("importance_csat", "importance_nps"),
                 ("csat", "nps")):
        if set(pair) <= set(comparison.columns):
            return pair
    raise ValueError("comparison needs share_csat/share_nps, importance_csat/importance_nps or "
                     "csat/nps columns (or pass x= and y=)")


