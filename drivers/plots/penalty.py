"""Penalty and reward of low and high ratings per attribute (Kano-style categories)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from drivers.plots.common import _axes, _freeze, _label_map, _note_style, _require
from drivers.plots.ranking import _fit_texts_right
from drivers.style import (
    FONT_SIZES,
    NPS_STYLES,
    chart_text,
    label_for,
    use_house_style,
    wrap_label,
)

# ---------------------------------------------------------------- penalty / reward

#: Reading order and names of the penalty-reward categories.
KANO_NAMES = {
    "basic": "Basic: low rating hurts",
    "performance": "Performance: both",
    "delighter": "Delighter: high rating lifts",
    "indifferent": "No clear effect",
}


def penalty_reward_plot(table: pd.DataFrame, ax=None, labels=None, lang: str = "en",
                        ci: float = 0.95, title: str | None = None, alpha: float | None = None):
    """Penalty of a low rating against reward of a high rating, per attribute.

    Parameters
    ----------
    table : DataFrame
        From :func:`drivers.priority.penalty_reward`: ``driver``, ``penalty``, ``reward``;
        optional ``penalty_se``, ``reward_se`` (interval whiskers), ``penalty_p``,
        ``reward_p`` (hollow bars when not significant), ``category``, ``dimension``.
    ax : Axes, optional
        Where to draw.
    labels : Study or dict, optional
        Row labels (a Study also supplies the dimensions).
    lang : str
        Label language when ``labels`` is a Study.
    ci : float
        Level of the whiskers (``effect +/- z se``).
    title : str, optional
        Chart title.
    alpha : float, optional
        Significance level for the hollow bars; default ``table.attrs["alpha"]`` or 0.05.

    Returns
    -------
    Axes
        One row per attribute, grouped by category (basic, performance, delighter, no clear
        effect) and by size within it: the penalty as a bar to the left of zero, the reward to
        the right (colour and hatch differ, so it prints in grey), whiskers, the category
        named at the right.

    Examples
    --------
    >>> table = pd.DataFrame({"driver": ["fees", "gift"], "penalty": [0.9, 0.05],
    ...                       "reward": [0.1, 0.7], "penalty_se": [0.1, 0.1],
    ...                       "reward_se": [0.1, 0.1], "penalty_p": [0.001, 0.6],
    ...                       "reward_p": [0.3, 0.001], "category": ["basic", "delighter"]})
    >>> ax = penalty_reward_plot(table)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['fees', 'gift']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from scipy import stats

    _require(table, ["driver", "penalty", "reward"], "table")
    if table.empty:
        raise ValueError("table has no rows")
    alpha = table.attrs.get("alpha", 0.05) if alpha is None else alpha
    frame = table.copy()
    if "category" not in frame.columns:
        frame["category"] = "indifferent"
    unknown = set(frame["category"]) - set(KANO_NAMES)
    if unknown:
        raise ValueError(f"unknown category {', '.join(map(str, sorted(unknown)))}; expected "
                         f"{', '.join(KANO_NAMES)}")
    frame["_order"] = [list(KANO_NAMES).index(c) for c in frame["category"]]
    frame["_size"] = -np.fmax(frame["penalty"].astype(float), frame["reward"].astype(float))
    frame = frame.sort_values(["_order", "_size"], kind="mergesort").reset_index(drop=True)
    drivers = [str(d) for d in frame["driver"]]
    text_of = _label_map(drivers, labels, lang)
    z = stats.norm.ppf(0.5 + ci / 2)
    penalty = frame["penalty"].to_numpy(dtype=float)
    reward = frame["reward"].to_numpy(dtype=float)
    ax, created = _axes(ax, (8.6, 0.36 * len(frame) + 1.9), lang)
    with use_house_style(lang):
        positions = np.arange(len(frame))[::-1].astype(float)
        ends = []
        # Penalty in the upper half of each row, reward in the lower half: a wrong-signed
        # effect (a "penalty" that lifts) then crosses zero without hiding the other bar.
        for side, values, sign, key, shift in (("penalty", penalty, -1, "detractors", 0.19),
                                               ("reward", reward, 1, "promoters", -0.19)):
            style = NPS_STYLES[key]
            p = frame[f"{side}_p"].to_numpy(dtype=float) if f"{side}_p" in frame else \
                np.zeros(len(frame))
            significant = np.isfinite(p) & (p < alpha)
            shown = np.nan_to_num(values)
            ax.barh(positions + shift, sign * shown, height=0.36, zorder=2, linewidth=0.8,
                    color=[style["color"] if s else "white" for s in significant],
                    edgecolor=[("black" if s else style["color"]) for s in significant],
                    hatch=style["hatch"])
            if f"{side}_se" in frame:
                se = frame[f"{side}_se"].to_numpy(dtype=float)
                ok = np.isfinite(se) & np.isfinite(values)
                ax.errorbar(sign * values[ok], positions[ok] + shift, xerr=z * se[ok],
                            fmt="none", ecolor="#222222", elinewidth=0.8, capsize=2,
                            zorder=3)
                ends.append(np.where(ok, np.abs(values) + z * np.nan_to_num(se),
                                     np.abs(shown)))
            else:
                ends.append(np.abs(shown))
        reach = float(np.nanmax(np.r_[ends[0], ends[1], 1e-9])) * 1.08
        ax.set_xlim(-reach, reach)
        ax.axvline(0, color="black", linewidth=0.8, zorder=3)
        breaks = np.flatnonzero(np.diff(frame["_order"].to_numpy())) + 1
        for b in breaks:
            ax.axhline(positions[b] + 0.5, color="#999999", linewidth=0.6, zorder=1)
        category_texts = []
        for category in dict.fromkeys(frame["category"]):
            rows = positions[(frame["category"] == category).to_numpy()]
            category_texts.append(ax.annotate(
                wrap_label(chart_text(KANO_NAMES[category], lang), 16), (reach, rows.mean()),
                xytext=(4, 0), textcoords="offset points", ha="left", va="center",
                fontsize=FONT_SIZES["label"], color="#333333", fontstyle=_note_style(lang),
                annotation_clip=False))
        ax.set_yticks(positions)
        ax.set_yticklabels([wrap_label(text_of[d], 34) for d in drivers])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(-0.6, len(frame) - 0.4)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):g}"))
        outcome = table.attrs.get("outcome")
        name = label_for(labels, outcome, lang) if hasattr(labels, "outcomes") and \
            outcome in getattr(labels, "outcomes", {}) else (outcome or "")
        ax.set_xlabel(chart_text("Change in the outcome (points): penalty of a low rating "
                                 "(left), reward of a high rating (right)", lang)
                      + (f"\n{name}" if name else ""))
        ax.xaxis.grid(True, zorder=0)
        ax.set_axisbelow(True)
        if title:
            ax.set_title(title)
        handles = [Patch(facecolor=NPS_STYLES["detractors"]["color"], edgecolor="black",
                         hatch=NPS_STYLES["detractors"]["hatch"],
                         label=chart_text("Penalty (bottom box vs middle)", lang)),
                   Patch(facecolor=NPS_STYLES["promoters"]["color"], edgecolor="black",
                         hatch=NPS_STYLES["promoters"]["hatch"],
                         label=chart_text("Reward (top box vs middle)", lang)),
                   Patch(facecolor="white", edgecolor="#555555",
                         label=chart_text("hollow: not significant", lang))]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16 if
                  len(frame) < 8 else -0.08), ncol=3, borderaxespad=0.0)
        _freeze(ax, created)
        _fit_texts_right(ax, category_texts)
    return ax


