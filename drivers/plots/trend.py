"""Outcome scores by wave with their intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from drivers.plots.common import (
    MARKER_SIZE,
    _axes,
    _freeze,
    _label_map,
    _padded,
    _require,
    interval_lines,
)
from drivers.plots.labels import place_labels
from drivers.style import (
    OUTCOME_STYLES,
    chart_text,
    use_house_style,
)

# ---------------------------------------------------------------- trends


def trend_plot(table: pd.DataFrame, ax=None, wave: str | None = None, labels=None,
               title: str | None = None, lang: str = "en", ylabel: str | None = None):
    """CSAT, NPS (and any other outcome) per wave, with interval bars.

    Parameters
    ----------
    table : DataFrame
        Tidy per-wave scores: ``outcome``, a wave column, ``score``, optional ``ci_low`` and
        ``ci_high`` (e.g. :func:`drivers.metrics.outcome_table` with ``by`` = the wave
        column). Every outcome must be on the same scale of points (CSAT top-box % and
        NPS both run in points).
    ax : Axes, optional
        Where to draw.
    wave : str, optional
        Wave column; default ``wave``, or the one column besides the known ones.
    labels : Study or dict, optional
        Outcome names for the legend.
    title : str, optional
        Chart title.
    lang : str
        Label language when ``labels`` is a Study.
    ylabel : str, optional
        Y-axis title; by default says whether the scores are top-box %, NPS points or both.

    Returns
    -------
    Axes
        One line per outcome (own colour, marker and line style), interval bars, the value
        written next to each point.
    """
    _require(table, ["outcome", "score"], "table")
    known = {"outcome", "kind", "score", "ci_low", "ci_high", "se", "n", "n_missing",
             "n_effective", "mean",
             "promoters", "passives", "detractors"}
    if wave is None:
        if "wave" in table.columns:
            wave = "wave"
        else:
            others = [c for c in table.columns if c not in known]
            if len(others) != 1:
                raise ValueError("say which column holds the waves with wave=")
            wave = others[0]
    _require(table, [wave], "table")
    from drivers.metrics import natural_levels

    # The package's one wave order (category order, else W2 before W10): never a text sort,
    # which puts translated labels such as 第三季度 before 第二季度.
    waves = natural_levels(table[wave])
    outcomes = list(dict.fromkeys(table["outcome"]))
    names = _label_map(outcomes, labels, lang)
    ax, created = _axes(ax, (6.8, 4.4), lang)
    xs_all, ys_all, texts_all, bars, segments = [], [], [], [], []
    with use_house_style(lang):
        for k, outcome in enumerate(outcomes):
            rows = table[table["outcome"] == outcome].set_index(wave).reindex(waves)
            score = rows["score"].to_numpy(dtype=float)
            positions = np.arange(len(waves), dtype=float)
            kind = rows["kind"].dropna().iloc[0] if "kind" in rows and rows["kind"].notna().any() \
                else outcome
            style = OUTCOME_STYLES.get(str(kind), list(OUTCOME_STYLES.values())[k % 3])
            if {"ci_low", "ci_high"} <= set(rows.columns):
                low = rows["ci_low"].to_numpy(dtype=float)
                high = rows["ci_high"].to_numpy(dtype=float)
                ok = np.isfinite(low) & np.isfinite(high) & np.isfinite(score)
                interval_lines(ax, positions[ok], low[ok], high[ok], horizontal=False,
                               color=style["color"], linewidth=1.0, cap=6)
                bars += [(p, lo, p, hi) for p, lo, hi in zip(positions[ok], low[ok], high[ok],
                                                             strict=True)]
            ax.plot(positions, score, color=style["color"], marker=style["marker"],
                    linestyle=style["linestyle"], markersize=MARKER_SIZE,
                    markeredgecolor="black", markeredgewidth=0.7, linewidth=1.4,
                    label=names[outcome], zorder=4)
            ok = np.isfinite(score)
            segments += [(positions[i], score[i], positions[i + 1], score[i + 1])
                         for i in range(len(score) - 1) if ok[i] and ok[i + 1]]
            xs_all += positions[ok].tolist()
            ys_all += score[ok].tolist()
            texts_all += [f"{v:.1f}" for v in score[ok]]
        ax.set_xticks(np.arange(len(waves)))
        ax.set_xticklabels([str(w) for w in waves])
        ax.set_xlim(-0.5, len(waves) - 0.5)
        values = np.r_[table["score"].to_numpy(dtype=float),
                       table["ci_low"].to_numpy(dtype=float) if "ci_low" in table else [],
                       table["ci_high"].to_numpy(dtype=float) if "ci_high" in table else []]
        y_lo, y_hi = _padded(values, 0.2)
        ax.set_ylim(y_lo, y_hi)
        if y_lo < 0 < y_hi:
            ax.axhline(0, color="#999999", linewidth=0.6, zorder=1)
        if ylabel is None:
            kinds = set(table["kind"]) if "kind" in table.columns else set(outcomes)
            ylabel = ("Score\n(top-box %, NPS points)" if "nps" in kinds and len(kinds) > 1
                      else "NPS points" if kinds == {"nps"} else "Top-box %")
        ax.set_ylabel(chart_text(ylabel, lang))
        ax.set_xlabel(chart_text(wave.replace("_", " ").capitalize(), lang))
        ax.yaxis.grid(True)
        ax.set_axisbelow(True)
        if title:
            ax.set_title(title)
        # Beside the axes, not under them: under, it competes with the wave labels for the
        # height of a short chart (the report's summary gives it 2.3 inches).
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        _freeze(ax, created)
        place_labels(ax, xs_all, ys_all, texts_all, color="#222222", whiskers=bars,
                     lines=segments)
    return ax


