"""How CSAT and NPS relate: the cross-tab heatmap and the profiles of divergent groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from drivers.plots.common import (
    MARKER_SIZE,
    _axes,
    _dimension_legend,
    _dimension_names,
    _freeze,
    _label_map,
    _order,
    _padded,
    _require,
)
from drivers.style import (
    FONT_SIZES,
    SEQUENTIAL_CMAP,
    chart_text,
    dimension_style,
    use_house_style,
    wrap_label,
)

# ---------------------------------------------------------------- cross-tab heatmap


def crosstab_heatmap(crosstab: pd.DataFrame, ax=None, value: str = "pct",
                     title: str | None = None, lang: str = "en"):
    """Heatmap of the CSAT x NPS cross-tab with every cell annotated.

    Parameters
    ----------
    crosstab : DataFrame
        :attr:`drivers.relationship.Relationship.crosstab` (``csat_group``, ``nps_group``,
        ``n`` and ``value``), or a wide table (rows by columns) of numbers.
    ax : Axes, optional
        Where to draw.
    value : str
        Tidy column coloured and written: ``pct`` (% of all), ``row_pct``, ``col_pct`` or
        ``weighted_n``.
    title : str, optional
        Chart title.
    lang : str
        Font language.

    Returns
    -------
    Axes
        Cells shaded by ``value`` (a sequential map that prints in grey), each written as
        the value and, for tidy input, the respondent count.
    """
    if {"csat_group", "nps_group", value} <= set(crosstab.columns):
        wide = crosstab.pivot(index="csat_group", columns="nps_group", values=value)
        rows = [r for r in ("top box", "not top box") if r in wide.index]
        columns = [c for c in ("detractor", "passive", "promoter") if c in wide.columns]
        wide = wide.loc[rows, columns]
        counts = crosstab.pivot(index="csat_group", columns="nps_group", values="n") \
            .loc[rows, columns] if "n" in crosstab.columns else None
        row_title, column_title = "CSAT", chart_text("NPS group", lang)
        row_names = [chart_text(f"CSAT {r}", lang) for r in rows]
        column_names = [chart_text(c.capitalize() + "s", lang) for c in columns]
    else:
        wide = crosstab.select_dtypes("number")
        if wide.empty:
            raise ValueError("crosstab needs csat_group, nps_group and value columns, or "
                             "numbers in a wide table")
        counts = None
        row_title, column_title = wide.index.name or "", wide.columns.name or ""
        row_names = [str(r) for r in wide.index]
        column_names = [str(c) for c in wide.columns]
    cells = wide.to_numpy(dtype=float)
    ax, created = _axes(ax, (6.2, 3.2), lang)
    with use_house_style(lang):
        peak = np.nanmax(cells) if np.isfinite(cells).any() else 1.0
        image = ax.imshow(cells, cmap=SEQUENTIAL_CMAP, vmin=0, vmax=peak * 1.05,
                          aspect="auto")
        percent = value in ("pct", "row_pct", "col_pct")
        for i in range(cells.shape[0]):
            for j in range(cells.shape[1]):
                number = cells[i, j]
                text = "-" if not np.isfinite(number) else \
                    (f"{number:.1f}%" if percent else f"{number:,.0f}")
                if counts is not None:
                    text += f"\n(n = {int(counts.iloc[i, j]):,})"
                shade = image.cmap(image.norm(number)) if np.isfinite(number) else (1, 1, 1, 1)
                light = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2]
                ax.text(j, i, text, ha="center", va="center", fontsize=FONT_SIZES["small"],
                        color="white" if light < 0.5 else "black")
        ax.set_xticks(np.arange(len(column_names)))
        ax.set_xticklabels(column_names)
        ax.set_yticks(np.arange(len(row_names)))
        ax.set_yticklabels(row_names)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xlabel(column_title)
        ax.set_ylabel(row_title if not row_names[0].startswith(row_title) else "")
        if title:
            ax.set_title(title)
        what = {"pct": "% of all respondents", "row_pct": "% of the CSAT group",
                "col_pct": "% of the NPS group", "weighted_n": "weighted respondents"}
        ax.xaxis.set_label_position("top")
        ax.xaxis.tick_top()
        described = chart_text(what.get(value, value), lang)
        ax.set_xlabel(f"{column_title} ({described})" if column_title else described)
        # Laid out now, also on axes given by a caller: the row names are long, and a figure
        # whose layout is frozen later would cut them.
        _freeze(ax, created)
    return ax


# ---------------------------------------------------------------- divergent groups


def divergent_profile_plot(profiles, group: str = "satisfied_not_promoting",
                           kind: str = "attribute", ax=None, labels=None, lang: str = "en",
                           title: str | None = None, top: int | None = None):
    """What sets a divergent group apart: standardized mean differences with intervals.

    Parameters
    ----------
    profiles : Relationship or DataFrame
        A :func:`drivers.relationship.relationship` result, or its ``profiles`` table
        (``group``, ``kind``, ``item``, ``smd``, ``smd_ci_low``, ``smd_ci_high``; optional
        ``dimension``).
    group : str
        Which divergent group (``satisfied_not_promoting``,
        ``satisfied_not_promoting_incl_passives``, ``promoting_not_satisfied``).
    kind : {"attribute", "dimension"}
        Attributes or dimensions.
    ax : Axes, optional
        Where to draw.
    labels : Study or dict, optional
        Item labels (a Study also supplies the dimensions).
    lang : str
        Label language when ``labels`` is a Study.
    title : str, optional
        Chart title; default the group's name.
    top : int, optional
        Show only the ``top`` items with the largest absolute difference.

    Returns
    -------
    Axes
        One row per item, sorted from the most negative to the most positive difference
        (group minus rest, in pooled standard deviations, Cohen's d); points shaped and
        coloured by dimension with interval whiskers; shaded band for |d| < 0.2 (a small
        effect, Cohen 1988).

    Examples
    --------
    >>> profiles = pd.DataFrame({"group": "satisfied_not_promoting", "kind": "attribute",
    ...                          "item": ["rate", "agent"], "dimension": ["BX", "SX"],
    ...                          "smd": [0.1, -0.6], "smd_ci_low": [-0.1, -0.8],
    ...                          "smd_ci_high": [0.3, -0.4]})
    >>> ax = divergent_profile_plot(profiles)
    >>> [t.get_text() for t in ax.get_yticklabels()]  # from the bottom up
    ['agent', 'rate']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from drivers.relationship import DIVERGENT

    table = getattr(profiles, "profiles", profiles)
    _require(table, ["group", "kind", "item", "smd"], "profiles")
    if group not in DIVERGENT:
        raise ValueError(f"group must be one of {', '.join(DIVERGENT)}, got {group!r}")
    if kind not in ("attribute", "dimension"):
        raise ValueError(f"kind must be 'attribute' or 'dimension', got {kind!r}")
    frame = table[(table["group"] == group) & (table["kind"] == kind)]
    frame = frame[np.isfinite(frame["smd"].to_numpy(dtype=float))]
    if frame.empty:
        raise ValueError(f"profiles has no {kind} rows with an effect size for {group!r}")
    if top is not None:
        frame = frame.loc[frame["smd"].abs().sort_values(ascending=False,
                                                         kind="mergesort").index[:top]]
    frame = frame.sort_values("smd", kind="mergesort").reset_index(drop=True)
    items = [str(i) for i in frame["item"]]
    text_of = _label_map(items, labels, lang)
    if kind == "dimension" and labels is not None and hasattr(labels, "dimensions"):
        text_of = {d: f"{d} {text_of[d]}" for d in items}
    dimensions = ([None if pd.isna(d) else d for d in frame["dimension"]]
                  if "dimension" in frame.columns else [None] * len(frame))
    order = _order(dimensions, labels)
    smd = frame["smd"].to_numpy(dtype=float)
    has_ci = {"smd_ci_low", "smd_ci_high"} <= set(frame.columns)
    # Wide enough that long items take two lines, not three; rows tall enough for the
    # tallest item, so neighbouring labels never touch.
    shown = [wrap_label(text_of[i], 40) for i in items]
    lines = max(s.count("\n") + 1 for s in shown)
    row = max(0.32, 0.15 * lines + 0.02)
    ax, created = _axes(ax, (7.6, row * len(frame) + 1.9), lang)
    with use_house_style(lang):
        positions = np.arange(len(frame)).astype(float)
        ax.axvspan(-0.2, 0.2, color="#EDEDED", zorder=0, linewidth=0)
        ax.axvline(0, color="black", linewidth=0.8, zorder=1)
        for i, pos in enumerate(positions):
            style = dimension_style(dimensions[i], order)
            if has_ci:
                low, high = frame["smd_ci_low"].iloc[i], frame["smd_ci_high"].iloc[i]
                if np.isfinite(low) and np.isfinite(high):
                    ax.plot([low, high], [pos, pos], color=style["color"], linewidth=1.3,
                            zorder=2, solid_capstyle="butt")
            ax.plot([smd[i]], [pos], marker=style["marker"], color=style["color"],
                    markeredgecolor="black", markeredgewidth=0.7, markersize=MARKER_SIZE,
                    linestyle="none", zorder=3)
        values = np.r_[smd, frame["smd_ci_low"].to_numpy(dtype=float) if has_ci else [],
                       frame["smd_ci_high"].to_numpy(dtype=float) if has_ci else [], -0.3, 0.3]
        lo, hi = _padded(values, 0.08)
        ax.set_xlim(lo, hi)
        ax.set_yticks(positions)
        ax.set_yticklabels(shown)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(-0.6, len(frame) - 0.4)
        ax.xaxis.grid(True, zorder=0)
        ax.set_axisbelow(True)
        ax.set_xlabel(chart_text("Difference from the other respondents (Cohen's d)", lang))
        if title is None:
            title = chart_text(DIVERGENT[group][0], lang)
            if "n_group" in frame.columns and frame["n_group"].notna().any():
                title += f" (n = {int(frame['n_group'].max()):,})"
        if title:
            ax.set_title(title)
        extra = [Patch(facecolor="#EDEDED", edgecolor="none",
                       label=chart_text("|d| < 0.2: small", lang))]
        if has_ci:
            extra.append(Line2D([], [], color="#333333", linewidth=1.3,
                                label=chart_text("interval", lang)))
        _dimension_legend(ax, order, _dimension_names(labels, order, lang), extra,
                          ncol=3)
        legend = ax.get_legend()
        if legend is not None:
            legend.set_bbox_to_anchor((0.5, -0.12 if len(frame) < 10 else -0.07),
                                      transform=ax.transAxes)
        _freeze(ax, created)
    return ax

