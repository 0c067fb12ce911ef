"""NPS composition: detractors, passives and promoters as stacked bars."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from drivers.plots.common import NPS_COLUMNS, _axes, _freeze, _require, percent_formatter
from drivers.plots.ranking import _fit_texts_right
from drivers.style import (
    FONT_SIZES,
    NPS_STYLES,
    chart_text,
    use_house_style,
    wrap_label,
)

# ---------------------------------------------------------------- NPS composition


def nps_composition_plot(table: pd.DataFrame, ax=None, group: str | None = None,
                         title: str | None = None, lang: str = "en", overall: str = "All",
                         names: Mapping | None = None):
    """Stacked bars of detractors, passives and promoters, with the NPS of each row.

    Parameters
    ----------
    table : DataFrame
        One row per bar with ``detractors``, ``passives``, ``promoters`` (% or proportions)
        and optionally the NPS in ``score`` or ``nps`` (else promoters - detractors), e.g.
        the NPS rows of :func:`drivers.metrics.outcome_table` (rows of other kinds are
        dropped when a ``kind`` column is present).
    ax : Axes, optional
        Where to draw.
    group : str, optional
        Column naming the bars (a segment); default ``segment``, ``label``, ``level`` or
        ``group`` if present, else the only text column besides ``outcome``/``kind``. Rows
        whose group is empty are the overall bar, named ``overall``.
    title : str, optional
        Chart title.
    lang : str
        Language of the fonts (Chinese segment names need ``"zh"`` only for the warning).
    overall : str
        Name of the overall bar.
    names : dict, optional
        Display name of each group value (e.g. ``{"mobile_app": "Mobile app"}``); values
        not in it are shown with underscores as spaces.

    Returns
    -------
    Axes
        Bars in table order from the top, each split into the three groups (colour and
        hatch), the share written inside segments of 7% or more, the NPS to the right.

    Examples
    --------
    >>> table = pd.DataFrame({"channel": [None, "mobile_app"], "detractors": [20.0, 15.0],
    ...                       "passives": [40.0, 40.0], "promoters": [40.0, 45.0]})
    >>> ax = nps_composition_plot(table)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['All', 'mobile app']
    >>> [t.get_text() for t in ax.texts if t.get_text().startswith("NPS")]
    ['NPS +20', 'NPS +30']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    _require(table, list(NPS_COLUMNS), "table")
    frame = table
    if "kind" in frame.columns:
        frame = frame[frame["kind"] == "nps"]
    if frame.empty:
        raise ValueError("table has no NPS rows")
    overall_name = chart_text(overall, lang)
    raw = _group_names(frame, group, overall_name)
    names = [n if n == overall_name else str((names or {}).get(n, n.replace("_", " ")))
             for n in raw]
    parts = frame[list(NPS_COLUMNS)].to_numpy(dtype=float)
    if np.nanmax(parts.sum(axis=1)) <= 1.5:
        parts = parts * 100
    if "score" in frame.columns:
        score = frame["score"].to_numpy(dtype=float)
    elif "nps" in frame.columns:
        score = frame["nps"].to_numpy(dtype=float)
    else:
        score = parts[:, 2] - parts[:, 0]
    if np.nanmax(np.abs(score)) <= 1.0 and np.nanmax(np.abs(parts[:, 2] - parts[:, 0])) > 1.0:
        score = score * 100
    ax, created = _axes(ax, (7.2, 0.42 * len(frame) + 1.5), lang)
    with use_house_style(lang):
        positions = np.arange(len(frame))[::-1]
        left = np.zeros(len(frame))
        for k, column in enumerate(NPS_COLUMNS):
            style = NPS_STYLES[column]
            ax.barh(positions, parts[:, k], left=left, height=0.66, color=style["color"],
                    hatch=style["hatch"], edgecolor="black", linewidth=0.6,
                    label=chart_text(column.capitalize(), lang), zorder=2)
            for pos, start, width in zip(positions, left, parts[:, k], strict=True):
                if width >= 7:
                    ax.text(start + width / 2, pos, f"{width:.0f}%", ha="center", va="center",
                            fontsize=FONT_SIZES["label"], color=style["text"], zorder=3,
                            bbox={"boxstyle": "round,pad=0.15", "facecolor": style["color"],
                                  "edgecolor": "none"})
            left = left + parts[:, k]
        score_texts = [ax.text(101.5, pos, f"NPS {_half_up(value):+d}", ha="left", va="center",
                               fontsize=FONT_SIZES["small"], zorder=3)
                       for pos, value in zip(positions, score, strict=True)]
        overall_rows = [i for i, n in enumerate(names) if n == overall_name]
        if overall_rows == [0] and len(names) > 1:
            # The overall bar is the benchmark: set it apart from the segments under it.
            ax.hlines(positions[0] - 0.5, 0, 100, color="#666666", linewidth=0.8, zorder=1)
        ax.set_yticks(positions)
        ax.set_yticklabels([wrap_label(n, 28) for n in names])
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, len(frame) - 0.4)
        ax.xaxis.set_major_formatter(percent_formatter(100))
        ax.set_xlabel(chart_text("Share of respondents", lang))
        ax.spines["bottom"].set_bounds(0, 100)
        if title:
            ax.set_title(title)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16 if len(frame) < 5 else -0.1),
                  ncol=3)
        _freeze(ax, created)
        _fit_texts_right(ax, score_texts)
        ax.spines["bottom"].set_bounds(0, 100)
        ax.set_xticks([t for t in ax.get_xticks() if 0 <= t <= 100])
    return ax


def _half_up(value: float) -> int:
    """Round half away from zero, as NPS is reported (12.5 -> 13, not Python's 12)."""
    return int(np.sign(value) * np.floor(abs(value) + 0.5))


def _group_names(frame: pd.DataFrame, group: str | None, overall: str) -> list[str]:
    if group is None:
        for candidate in ("segment", "label", "level", "group"):
            if candidate in frame.columns:
                group = candidate
                break
    if group is None:
        numeric = set(frame.select_dtypes("number").columns)
        texts = [c for c in frame.columns if c not in numeric and c not in ("outcome", "kind")]
        if len(texts) > 1:
            raise ValueError(f"several text columns ({', '.join(texts)}); say which names "
                             "the bars with group=")
        group = texts[0] if texts else None
    if group is None:
        return [overall] * len(frame) if len(frame) == 1 else \
            [f"{overall} {i + 1}" for i in range(len(frame))]
    if group not in frame.columns:
        raise ValueError(f"group column {group!r} is not in the table")
    return [overall if pd.isna(v) else str(v) for v in frame[group]]


