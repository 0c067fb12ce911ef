"""Importance-performance charts: priority matrices (single, CSAT and NPS side by side, by
segment) and the movement of drivers between waves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from drivers.plots.common import (
    MARKER_SIZE,
    _axes,
    _dimension_legend,
    _dimension_names,
    _driver_styles,
    _freeze,
    _note_style,
    _order,
    _padded,
    _percent_axis,
    _require,
    dimension_handles,
    interval_lines,
)
from drivers.plots.labels import (
    _clip_hits,
    _overlap,
    draw_label_key,
    place_labels,
    wrap_alternatives,
)
from drivers.style import (
    FONT_SIZES,
    QUADRANT_COLORS,
    WRAP_WIDTH,
    chart_text,
    dimension_style,
    label_for,
    text_width,
    use_house_style,
    wrap_label,
)

# ---------------------------------------------------------------- priority matrix


def priority_matrix_plot(matrix: pd.DataFrame, ax=None, labels=None, title: str | None = None,
                         lang: str = "en", wrap: int = WRAP_WIDTH,
                         xlim: tuple[float, float] | None = None,
                         ylim: tuple[float, float] | None = None, legend: bool = True,
                         n_labels: int | None = None, label_key: bool | None = None):
    """Importance-performance chart with named quadrants and placed labels.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`drivers.priority.priority_matrix` (one segment): ``driver``,
        ``importance``, ``performance``, ``quadrant``, ``importance_cross``,
        ``performance_cross``; optional ``dimension``, ``importance_ci_low``,
        ``importance_ci_high``, ``performance_ci_low``, ``performance_ci_high``,
        ``confidence`` (hollow points: below "high"), ``priority``.
    ax : Axes, optional
        Where to draw; a new figure otherwise.
    labels : Study or dict, optional
        Point labels: a Study (labels in ``lang``) or a mapping driver -> label; default the
        driver names.
    title : str, optional
        Chart title.
    lang : str
        Label language when ``labels`` is a Study (``"zh"`` for Chinese).
    wrap : int
        Width at which labels wrap (a Chinese character counts two).
    xlim, ylim : (float, float), optional
        Axis limits (to share scales between panels); default fitted to the points, their
        intervals and the cross-hairs.
    legend : bool
        Draw the dimension legend under the axes.
    n_labels : int, optional
        Label this many drivers in priority order (``priority`` column, else by
        importance), and always the three most important; default all.
    label_key : bool, optional
        A label with no clean spot near its point (none clear of the other labels, points,
        intervals and cross-hairs) becomes a small number beside its point, named in a
        numbered key under the chart (the figure grows to hold it, and its layout is fixed
        from then on). Default: on a figure this function makes, not on axes it is given.

    Returns
    -------
    Axes
        Performance on x, importance on y; quadrant tints and names, dashed cross-hairs,
        points coloured and shaped by dimension (hollow when fewer than 90% of the joint
        resamples keep the driver in its quadrant), interval whiskers of importance (up) and
        performance (across), and one label per point that touches no other
        label, no point and, where there is room, no cross-hair.

    Examples
    --------
    >>> matrix = pd.DataFrame({"driver": ["rate", "fees", "agent", "app"],
    ...                        "importance": [0.5, 0.2, 0.25, 0.05],
    ...                        "performance": [3.1, 4.2, 3.9, 4.0],
    ...                        "importance_cross": 0.25, "performance_cross": 3.8,
    ...                        "quadrant": ["Fix first", "Possible overinvestment", "Maintain",
    ...                                     "Possible overinvestment"]})
    >>> ax = priority_matrix_plot(matrix, n_labels=1)
    >>> sorted(t.get_text() for t in ax.texts if t.get_gid() == "label")  # the top 3 by share
    ['agent', 'fees', 'rate']
    >>> plt.close("all")
    """
    ax, created = _axes(ax, (9.0, 7.4), lang)
    with use_house_style(lang):
        layout = _matrix_base(ax, matrix, labels, lang, xlim, ylim, title)
        if legend:
            _dimension_legend(ax, layout["order"], layout["names"], layout["extra"],
                              ncol=_legend_columns(layout))
        keyed = created if label_key is None else bool(label_key)
        _freeze(ax, keyed)
        key = {} if keyed else None
        _matrix_labels(ax, layout, wrap, n_labels, key=key, draw=not keyed)
        if key:
            draw_label_key(ax.figure, key)
    return ax


def _legend_columns(layout) -> int:
    count = len(layout["order"]) + len(layout["extra"])
    return max(1, len(layout["order"]) if not layout["extra"] and count <= 4 else min(count, 3))


def matrix_limits(matrices: Sequence[pd.DataFrame]) -> tuple[tuple[float, float],
                                                                tuple[float, float]]:
    """Axis limits that fit every point, interval and cross-hair of several matrices.

    Parameters
    ----------
    matrices : sequence of DataFrame
        Priority matrices (see :func:`priority_matrix_plot`).

    Returns
    -------
    ((float, float), (float, float))
        ``xlim`` (performance) and ``ylim`` (importance), padded as a single chart would be.

    Examples
    --------
    >>> one = pd.DataFrame({"importance": [0.2, 0.8], "performance": [3.0, 4.0],
    ...                     "importance_cross": 0.5, "performance_cross": 3.5})
    >>> two = one.assign(performance=[2.0, 4.5])
    >>> [round(v, 2) for v in matrix_limits([one, two])[0]]
    [1.6, 4.9]
    """
    perf, imp, low, high, crosses_x, crosses_y = [], [], [], [], [], []
    for matrix in matrices:
        _require(matrix, ["importance", "performance", "importance_cross",
                          "performance_cross"], "matrix")
        values = matrix["importance"].to_numpy(dtype=float)
        perf.append(matrix["performance"].to_numpy(dtype=float))
        for bound in ("performance_ci_low", "performance_ci_high"):
            if bound in matrix.columns:
                perf.append(matrix[bound].dropna().to_numpy(dtype=float))
        imp.append(values)
        has_ci = {"importance_ci_low", "importance_ci_high"} <= set(matrix.columns)
        low.append(matrix["importance_ci_low"].to_numpy(dtype=float) if has_ci else values)
        high.append(matrix["importance_ci_high"].to_numpy(dtype=float) if has_ci else values)
        crosses_x.append(matrix["performance_cross"].to_numpy(dtype=float))
        crosses_y.append(matrix["importance_cross"].to_numpy(dtype=float))
    perf, imp = np.concatenate(perf), np.concatenate(imp)
    low = np.nan_to_num(np.concatenate(low), nan=np.nanmin(imp))
    high = np.nan_to_num(np.concatenate(high), nan=np.nanmax(imp))
    x_lo, x_hi = _padded(np.r_[perf, np.concatenate(crosses_x)], 0.16)
    y_lo, y_hi = _padded(np.r_[low, high, np.concatenate(crosses_y)], 0.16)
    if np.nanmin(np.r_[imp, low]) >= 0 and y_lo < 0.25 * y_hi:
        # Importance starts at zero: show the zero line, with a sliver below for the markers.
        y_lo = -0.03 * y_hi
    return (x_lo, x_hi), (y_lo, y_hi)


def _matrix_base(ax, matrix, labels, lang, xlim, ylim, title) -> dict:
    """Everything of a priority matrix but the point labels; what the labels need."""
    _require(matrix, ["driver", "importance", "performance", "quadrant", "importance_cross",
                      "performance_cross"], "matrix")
    if "segment" in matrix.columns and matrix["segment"].nunique() > 1:
        raise ValueError("matrix holds several segments; plot one at a time, e.g. "
                         "matrix[matrix['segment'] == value], or use segment_priority_plot")
    if matrix.empty:
        raise ValueError("matrix has no rows")
    drivers, text_of, dimensions, order = _driver_styles(matrix, labels, lang)
    imp = matrix["importance"].to_numpy(dtype=float)
    perf = matrix["performance"].to_numpy(dtype=float)
    has_ci = {"importance_ci_low", "importance_ci_high"} <= set(matrix.columns)
    low = matrix["importance_ci_low"].to_numpy(dtype=float) if has_ci else imp
    high = matrix["importance_ci_high"].to_numpy(dtype=float) if has_ci else imp
    has_perf_ci = {"performance_ci_low", "performance_ci_high"} <= set(matrix.columns)
    perf_low = matrix["performance_ci_low"].to_numpy(dtype=float) if has_perf_ci else perf
    perf_high = matrix["performance_ci_high"].to_numpy(dtype=float) if has_perf_ci else perf
    # Filled: the quadrant holds with high confidence (or is not assessed); hollow below.
    certain = (matrix["confidence"].astype("string").fillna("high").eq("high")
               .to_numpy(dtype=bool)
               if "confidence" in matrix.columns else np.ones(len(matrix), dtype=bool))
    x_cross = float(matrix["performance_cross"].iloc[0])
    y_cross = float(matrix["importance_cross"].iloc[0])
    fitted = matrix_limits([matrix])
    x_lo, x_hi = xlim if xlim is not None else fitted[0]
    y_lo, y_hi = ylim if ylim is not None else fitted[1]
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    spans = {"Fix first": (x_lo, x_cross, y_cross, y_hi),
             "Maintain": (x_cross, x_hi, y_cross, y_hi),
             "Monitor": (x_lo, x_cross, y_lo, y_cross),
             "Possible overinvestment": (x_cross, x_hi, y_lo, y_cross)}
    for name, (a, b, c, d) in spans.items():
        ax.add_patch(Rectangle((a, c), b - a, d - c, facecolor=QUADRANT_COLORS[name],
                               edgecolor="none", zorder=0))
    ax.axvline(x_cross, color="#555555", linestyle="--", linewidth=0.8, zorder=1)
    ax.axhline(y_cross, color="#555555", linestyle="--", linewidth=0.8, zorder=1)
    corners = {"Fix first": (0.015, 0.985, "left", "top"),
               "Maintain": (0.985, 0.985, "right", "top"),
               "Monitor": (0.015, 0.015, "left", "bottom"),
               "Possible overinvestment": (0.985, 0.015, "right", "bottom")}
    quadrant_texts = [ax.text(cx, cy, chart_text(name, lang), transform=ax.transAxes, ha=ha,
                              va=va, fontsize=FONT_SIZES["small"], color="#333333",
                              fontstyle=_note_style(lang), zorder=2)
                      for name, (cx, cy, ha, va) in corners.items()]
    whiskers = []
    for i in range(len(matrix)):
        style = dimension_style(dimensions[i], order)
        if has_ci and np.isfinite(low[i]) and np.isfinite(high[i]):
            # Thin and slightly transparent: intervals inform, points and labels lead.
            interval_lines(ax, [perf[i]], [low[i]], [high[i]], horizontal=False,
                           color=style["color"], linewidth=0.9, alpha=0.8, cap=5)
            whiskers.append((perf[i], low[i], perf[i], high[i]))
        if has_perf_ci and np.isfinite(perf_low[i]) and np.isfinite(perf_high[i]):
            interval_lines(ax, [imp[i]], [perf_low[i]], [perf_high[i]], horizontal=True,
                           color=style["color"], linewidth=0.9, alpha=0.8, cap=5)
            whiskers.append((perf_low[i], imp[i], perf_high[i], imp[i]))
        ax.plot([perf[i]], [imp[i]], marker=style["marker"], linestyle="none",
                markersize=MARKER_SIZE, markeredgecolor="black", markeredgewidth=0.7,
                markerfacecolor=style["color"] if certain[i] else "white", zorder=4)
    _matrix_axis_titles(ax, matrix.attrs, lang)
    _percent_axis(ax.yaxis, np.r_[imp, high])
    if title:
        ax.set_title(title)
    extra = []
    if has_ci or has_perf_ci:
        extra.append(Line2D([], [], color="#333333", linewidth=1.1,
                            label=chart_text("95% intervals" if has_ci and has_perf_ci
                                             else "importance interval", lang)))
    if not certain.all():
        from drivers.priority import CONFIDENCE_THRESHOLDS

        extra.append(Line2D([], [], marker="o", markerfacecolor="white",
                            markeredgecolor="black", linestyle="none", markersize=MARKER_SIZE,
                            label=chart_text("hollow: quadrant holds in under {p}% of "
                                             "resamples", lang).format(
                                p=f"{100 * CONFIDENCE_THRESHOLDS['high']:g}")))
    if "priority" in matrix.columns:
        ranking = np.argsort(matrix["priority"].to_numpy(dtype=float), kind="mergesort")
    else:
        ranking = np.argsort(-imp, kind="mergesort")
    return {"perf": perf, "imp": imp, "texts": [text_of[d] for d in drivers],
            "ranking": ranking, "quadrant_texts": quadrant_texts, "whiskers": whiskers,
            "rules": [(x_cross, y_lo, x_cross, y_hi), (x_lo, y_cross, x_hi, y_cross)],
            "quadrant_spans": list(spans.values()), "order": order, "names": _dimension_names(labels, order, lang), "extra": extra}


#: The most important drivers of a matrix, labelled whatever their priority.
ALWAYS_LABELLED = 3


def _clear_quadrant_names(ax, layout) -> None:
    """Move each quadrant name off the points and intervals: along the outer or the inner
    edge of its own quadrant, on one line or two, to the spot nearest its outer corner that
    the fewest markers and whiskers touch (the low-importance corners are where most drivers
    sit). The figure is laid out and drawn already (:func:`_freeze`)."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    half = MARKER_SIZE * fig.dpi / 72.0 / 2 + 1.0
    inset, step = 4.0, 6.0
    points = ax.transData.transform(np.column_stack([layout["perf"], layout["imp"]]))
    markers = np.column_stack([points - half, points + half])
    ends = np.asarray(layout["whiskers"], float).reshape(-1, 4)
    starts, stops = ax.transData.transform(ends[:, :2]), ax.transData.transform(ends[:, 2:])
    to_axes = ax.transAxes.inverted()
    for text, (x0, x1, y0, y1) in zip(layout["quadrant_texts"], layout["quadrant_spans"],
                                      strict=True):
        (left, bottom), (right, top) = ax.transData.transform([(x0, y0), (x1, y1)])
        ha, outer_y = text.get_horizontalalignment(), text.get_verticalalignment()
        name = text.get_text()
        spots, choices, costs = [], [], []
        for lines, wording in enumerate((name, _two_lines(name))):
            if wording is None:
                continue
            text.set_text(wording)
            box = text.get_window_extent(renderer)
            room = right - left - box.width - 2 * inset
            if room < 0 or top - bottom < box.height + 2 * inset:
                continue
            slides = np.arange(0.0, room + step / 2, step)
            lefts = left + inset + (slides if ha == "left" else room - slides)
            for inner, va in enumerate((outer_y, "top" if outer_y == "bottom" else "bottom")):
                low = bottom + inset if va == "bottom" else top - inset - box.height
                for k, x in enumerate(lefts):
                    spots.append((x, low, x + box.width, low + box.height))
                    choices.append((wording, va))
                    # Clear first; then one line, the outer edge, nearest the outer corner.
                    costs.append(2e3 * lines + 1e3 * inner + k)
        text.set_text(name)
        if not spots:
            continue  # the quadrant is too small for its name anywhere else
        spots = np.asarray(spots)
        covered = (_overlap(spots, markers) > 0).sum(axis=1).astype(float)
        if len(ends):
            covered += _clip_hits(starts, stops, spots, trim=0.0).sum(axis=0)
        best = int(np.argmin(covered * 1e6 + np.asarray(costs)))
        wording, va = choices[best]
        x = spots[best, 0] if ha == "left" else spots[best, 2]
        y = spots[best, 1] if va == "bottom" else spots[best, 3]
        text.set_text(wording)
        text.set_position(to_axes.transform((x, y)))
        text.set_verticalalignment(va)


def _two_lines(name: str) -> str | None:
    """A quadrant name on two lines: at the space nearest its middle, else in the middle of
    Chinese text (which breaks anywhere); None for one word of another script.

    >>> _two_lines("Possible overinvestment"), _two_lines("Monitor"), _two_lines("可能过度投入")
    ('Possible\\noverinvestment', None, '可能过\\n度投入')
    """
    spaces = [i for i, ch in enumerate(name) if ch == " "]
    if spaces:
        cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
        return name[:cut] + "\n" + name[cut + 1:]
    if len(name) < 2 or not all(text_width(ch) == 2 for ch in name):
        return None
    middle = len(name) // 2
    return name[:middle] + "\n" + name[middle:]


def _matrix_labels(ax, layout, wrap, n_labels, key=None, draw=True) -> list:
    """Place the point labels of a matrix drawn by :func:`_matrix_base`."""
    _clear_quadrant_names(ax, layout)
    ranking = layout["ranking"]
    # The most important drivers are placed first (better spots); which ones get a label
    # follows the priority order, and the BIGGEST drivers are always among them.
    placement = np.argsort(-layout["imp"], kind="mergesort")
    chosen = set(ranking[:n_labels].tolist()) if n_labels is not None else set(ranking.tolist())
    chosen |= set(placement[:ALWAYS_LABELLED].tolist())
    texts = [wrap_alternatives(layout["texts"][i], wrap) if i in chosen else ""
             for i in placement]
    return place_labels(ax, layout["perf"][placement], layout["imp"][placement], texts,
                        fixed_texts=layout["quadrant_texts"], whiskers=layout["whiskers"],
                        rules=layout["rules"], key=key,
                        names=[layout["texts"][i] for i in placement], draw=draw)


# ---------------------------------------------------------------- CSAT and NPS matrices


def _figure_legend(fig, layouts, ncol: int | None = None):
    """One legend under all panels: the union of their dimensions and notes."""
    order, names, extra, seen = [], {}, [], set()
    for layout in layouts:
        for d in layout["order"]:
            if d not in order:
                order.append(d)
        names.update(layout["names"])
        for handle in layout["extra"]:
            if handle.get_label() not in seen:
                seen.add(handle.get_label())
                extra.append(handle)
    order = _order(order)
    handles = dimension_handles(order, names) + extra
    if not handles:
        return None
    columns = ncol or (len(handles) if len(handles) <= 6 else -(-len(handles) // 2))
    return fig.legend(handles=handles, loc="outside lower center", ncol=columns,
                      handletextpad=0.4, columnspacing=1.4)


def _outcome_title(matrix: pd.DataFrame, labels, lang: str, fallback: str) -> str:
    outcome = matrix.attrs.get("outcome")
    if outcome is not None and hasattr(labels, "outcomes") and outcome in labels.outcomes:
        return label_for(labels, outcome, lang)
    return fallback


def priority_matrix_pair(csat_matrix: pd.DataFrame, nps_matrix: pd.DataFrame, axes=None,
                         labels=None, lang: str = "en",
                         titles: tuple[str, str] | None = None, share_y: bool = True,
                         wrap: int = WRAP_WIDTH, n_labels: int | None = None,
                         label_key: bool | None = None):
    """CSAT and NPS priority matrices side by side, on the same axes limits.

    Parameters
    ----------
    csat_matrix, nps_matrix : DataFrame
        Priority matrices of the two outcomes (e.g. :func:`drivers.priority.study_priority`
        for ``"csat"`` and ``"nps"``), one segment each.
    axes : pair of Axes, optional
        Where to draw; a new two-panel figure (one legend under both) otherwise.
    labels : Study or dict, optional
        Point labels, as in :func:`priority_matrix_plot`.
    lang : str
        Label language when ``labels`` is a Study.
    titles : (str, str), optional
        Panel titles; default the outcome labels of the study, else "CSAT" and "NPS".
    share_y : bool
        Same importance limits on both panels (default), so a driver's height compares
        across CSAT and NPS; performance limits are always shared.
    wrap, n_labels, label_key
        As in :func:`priority_matrix_plot`.

    Returns
    -------
    ndarray of Axes
        The CSAT and NPS panels.

    Examples
    --------
    >>> csat = pd.DataFrame({"driver": ["rate", "agent"], "importance": [0.7, 0.3],
    ...                      "performance": [3.1, 3.9], "importance_cross": 0.5,
    ...                      "performance_cross": 3.5, "quadrant": ["Fix first", "Monitor"]})
    >>> nps = csat.assign(importance=[0.2, 0.8], quadrant=["Monitor", "Maintain"])
    >>> axes = priority_matrix_pair(csat, nps)
    >>> axes[0].get_ylim() == axes[1].get_ylim(), [ax.get_title(loc="left") for ax in axes]
    (True, ['CSAT', 'NPS'])
    >>> plt.close("all")
    """
    matrices = (csat_matrix, nps_matrix)
    xlim, ylim = matrix_limits(matrices)
    if titles is None:
        titles = tuple(_outcome_title(m, labels, lang, name)
                       for m, name in zip(matrices, ("CSAT", "NPS"), strict=True))
    created = axes is None
    with use_house_style(lang):
        if created:
            fig, axes = plt.subplots(1, 2, figsize=(16.0, 7.8), layout="constrained")
        axes = np.asarray(axes).ravel()
        if len(axes) != 2:
            raise ValueError(f"axes must be two Axes, got {len(axes)}")
        layouts = []
        for ax, matrix, title in zip(axes, matrices, titles, strict=True):
            own_ylim = ylim if share_y else matrix_limits([matrix])[1]
            layouts.append(_matrix_base(ax, matrix, labels, lang, xlim, own_ylim, title))
        if share_y:
            axes[1].set_ylabel("")
        if created:
            _figure_legend(axes[0].figure, layouts)
        else:
            _dimension_legend(axes[0], layouts[0]["order"], layouts[0]["names"],
                              layouts[0]["extra"], ncol=_legend_columns(layouts[0]))
        _label_panels(axes, layouts, wrap, n_labels,
                      created if label_key is None else bool(label_key))
    return axes


def _matrix_axis_titles(ax, attrs: Mapping, lang: str) -> None:
    """Axis titles of an importance-performance chart, from its table's ``attrs``."""
    top_box = attrs.get("performance_kind", "mean") == "top_box"
    ax.set_xlabel(chart_text("Performance (top-box %)" if top_box
                             else "Performance (mean rating)", lang))
    share = attrs.get("value", "share") == "share"
    ax.set_ylabel(chart_text("Importance (share of explained variance)" if share
                             else "Importance", lang))


def _label_panels(axes, layouts, wrap, n_labels, keyed: bool) -> None:
    """Label every panel's points; with ``keyed``, one numbered key for all of them."""
    # Laid out once and kept, also on a caller's figure: a later layout pass would count the
    # labels of one panel and move the others under their own labels.
    _freeze(axes[0], True)
    key = {} if keyed else None
    for ax, layout in zip(axes, layouts, strict=True):
        _matrix_labels(ax, layout, wrap, n_labels, key=key, draw=False)
    if key:
        draw_label_key(axes[0].figure, key)


def segment_priority_plot(matrix: pd.DataFrame, axes=None, labels=None, lang: str = "en",
                          ncols: int | None = None, n_labels: int | None = 6,
                          names: Mapping | None = None, wrap: int = 18,
                          title: str | None = None, label_key: bool | None = None):
    """Small multiples: one priority matrix per segment, on shared axes limits.

    Parameters
    ----------
    matrix : DataFrame
        Stacked matrices with a ``segment`` column, e.g.
        :func:`drivers.priority.study_priority` with ``by="channel"``; each segment keeps
        its own cross-hairs.
    axes : sequence of Axes, optional
        One per segment; a new grid of panels (one legend under all) otherwise.
    labels : Study or dict, optional
        Point labels, as in :func:`priority_matrix_plot`.
    lang : str
        Label language when ``labels`` is a Study.
    ncols : int, optional
        Panels per row (default up to 3).
    n_labels : int or None
        Drivers labelled per panel, in that segment's priority order (act-first first);
        None labels every point (crowded with many attributes).
    names : dict, optional
        Display name per segment value; default the value with underscores as spaces.
    wrap : int
        Width at which labels wrap.
    title : str, optional
        Figure title (a new figure only).
    label_key : bool, optional
        As in :func:`priority_matrix_plot` (one key for every panel).

    Returns
    -------
    ndarray of Axes
        One panel per segment, in the order of the table, titled with the segment and its
        respondent count when ``matrix.attrs["n"]`` has it.

    Examples
    --------
    >>> one = pd.DataFrame({"driver": ["rate", "agent"], "importance": [0.7, 0.3],
    ...                     "performance": [3.1, 3.9], "importance_cross": 0.5,
    ...                     "performance_cross": 3.5, "quadrant": ["Fix first", "Monitor"]})
    >>> stacked = pd.concat([one.assign(segment="mobile_app"), one.assign(segment="web")])
    >>> axes = segment_priority_plot(stacked)
    >>> [ax.get_title(loc="left") for ax in axes]
    ['mobile app', 'web']
    >>> plt.close("all")
    """
    _require(matrix, ["segment"], "matrix")
    segments = list(dict.fromkeys(matrix["segment"].tolist()))
    if not segments:
        raise ValueError("matrix has no rows")
    # Small multiples show the importance whiskers only: with the performance whiskers as
    # well, four to six panels of 20 drivers leave no room for the labels. The single
    # matrices and the workbook carry both intervals.
    panels = [matrix[matrix["segment"] == s].drop(
        columns=["segment", "performance_ci_low", "performance_ci_high"], errors="ignore")
        for s in segments]
    for panel in panels:
        panel.attrs = dict(matrix.attrs)
    xlim, ylim = matrix_limits(panels)
    counts = matrix.attrs.get("n") if isinstance(matrix.attrs.get("n"), Mapping) else {}
    n_word = "n"
    titles = []
    for s in segments:
        name = str((names or {}).get(s, str(s).replace("_", " ")))
        titles.append(f"{name} ({n_word} = {counts[s]:,})" if s in counts else name)
    created = axes is None
    with use_house_style(lang):
        if created:
            ncols = ncols or min(3, len(segments))
            nrows = -(-len(segments) // ncols)
            fig, grid = plt.subplots(nrows, ncols, figsize=(5.8 * ncols, 5.4 * nrows + 0.9),
                                     layout="constrained", squeeze=False)
            grid = grid.ravel()
            for extra in grid[len(segments):]:
                extra.remove()
            axes = grid[:len(segments)]
            if title:
                fig.suptitle(title, x=0.01, ha="left", fontsize=FONT_SIZES["title"])
        axes = np.asarray(axes).ravel()
        if len(axes) != len(segments):
            raise ValueError(f"need {len(segments)} axes (one per segment), got {len(axes)}")
        layouts = [_matrix_base(ax, panel, labels, lang, xlim, ylim, text)
                   for ax, panel, text in zip(axes, panels, titles, strict=True)]
        columns = ncols or len(axes)
        for k, ax in enumerate(axes):
            if k % columns:
                ax.set_ylabel("")
        if created:
            _figure_legend(axes[0].figure, layouts)
        _label_panels(axes, layouts, wrap, n_labels,
                      created if label_key is None else bool(label_key))
    return axes


# ---------------------------------------------------------------- wave movement


def wave_movement_plot(moved: pd.DataFrame, ax=None, labels=None, lang: str = "en",
                       n_labels: int | None = None, title: str | None = None,
                       wrap: int = WRAP_WIDTH):
    """Arrows from each driver's place in one wave to its place in the next.

    Parameters
    ----------
    moved : DataFrame
        From :func:`drivers.priority.wave_movement`: ``driver``, ``performance_from``,
        ``performance_to``, ``importance_from``, ``importance_to``; optional ``dimension``,
        ``wave_from``, ``wave_to``, ``quadrant_changed``.
    ax : Axes, optional
        Where to draw.
    labels : Study or dict, optional
        Point labels.
    lang : str
        Label language when ``labels`` is a Study.
    n_labels : int, optional
        Label only the longest moves (on axes scaled to their range), this many, plus every
        driver that changed quadrant; default every driver (an unlabelled arrow says
        little).
    title : str, optional
        Chart title.
    wrap : int
        Width at which labels wrap.

    Returns
    -------
    Axes
        Performance on x, importance on y; a hollow marker at the earlier wave, an arrow to a
        filled marker at the later one (shape and colour by dimension), the later wave's
        cross-hairs dashed when ``moved.attrs`` has them, labels at the later position.

    Examples
    --------
    >>> moved = pd.DataFrame({"driver": ["rate", "agent"], "dimension": ["BX", "SX"],
    ...                       "wave_from": "W1", "wave_to": "W2",
    ...                       "performance_from": [3.2, 3.8], "performance_to": [3.5, 3.7],
    ...                       "importance_from": [0.6, 0.4], "importance_to": [0.45, 0.55],
    ...                       "quadrant_changed": [True, False]})
    >>> ax = wave_movement_plot(moved)
    >>> sorted(t.get_text() for t in ax.texts if t.get_text() in ("rate", "agent"))
    ['agent', 'rate']
    >>> plt.close("all")
    """
    needed = ["driver", "performance_from", "performance_to", "importance_from",
              "importance_to"]
    _require(moved, needed, "moved")
    if moved.empty:
        raise ValueError("moved has no rows")
    drivers, text_of, dimensions, order = _driver_styles(moved, labels, lang)
    x0 = moved["performance_from"].to_numpy(dtype=float)
    x1 = moved["performance_to"].to_numpy(dtype=float)
    y0 = moved["importance_from"].to_numpy(dtype=float)
    y1 = moved["importance_to"].to_numpy(dtype=float)
    if not np.isfinite(np.r_[x0, x1, y0, y1]).all():
        raise ValueError("moved has missing importance or performance values")
    crosses = (moved.attrs.get("performance_cross"), moved.attrs.get("importance_cross"))
    x_lo, x_hi = _padded(np.r_[x0, x1], 0.14)
    y_lo, y_hi = _padded(np.r_[y0, y1], 0.14)
    y_lo = min(y_lo, 0.0) if min(y0.min(), y1.min()) >= 0 and y_lo < 0.25 * y_hi else y_lo
    waves = (str(moved["wave_from"].iloc[0]) if "wave_from" in moved else "A",
             str(moved["wave_to"].iloc[0]) if "wave_to" in moved else "B")
    span_x, span_y = (x_hi - x_lo) or 1.0, (y_hi - y_lo) or 1.0
    distance = np.hypot((x1 - x0) / span_x, (y1 - y0) / span_y)
    changed = (moved["quadrant_changed"].astype(bool).to_numpy() if "quadrant_changed" in moved
               else np.zeros(len(moved), dtype=bool))
    longest = np.argsort(-distance, kind="mergesort")
    chosen = set(longest.tolist() if n_labels is None else longest[:n_labels].tolist())
    chosen |= set(np.flatnonzero(changed).tolist())
    ax, created = _axes(ax, (9.0, 7.4), lang)
    with use_house_style(lang):
        ax.set_xlim(x_lo, x_hi)
        ax.set_ylim(y_lo, y_hi)
        rules = []
        if crosses[0] is not None and crosses[1] is not None:
            x_cross, y_cross = float(crosses[0][1]), float(crosses[1][1])
            ax.axvline(x_cross, color="#555555", linestyle="--", linewidth=0.8, zorder=1)
            ax.axhline(y_cross, color="#555555", linestyle="--", linewidth=0.8, zorder=1)
            rules = [(x_cross, y_lo, x_cross, y_hi), (x_lo, y_cross, x_hi, y_cross)]
        arrows = []
        for i in range(len(drivers)):
            style = dimension_style(dimensions[i], order)
            ax.plot([x0[i]], [y0[i]], marker=style["marker"], linestyle="none",
                    markersize=MARKER_SIZE - 1.5, markerfacecolor="white",
                    markeredgecolor=style["color"], markeredgewidth=1.1, zorder=3)
            if distance[i] > 1e-9:
                ax.annotate("", xy=(x1[i], y1[i]), xytext=(x0[i], y0[i]),
                            arrowprops={"arrowstyle": "-|>", "color": style["color"],
                                        "lw": 1.2, "shrinkA": MARKER_SIZE / 2,
                                        "shrinkB": MARKER_SIZE / 2 + 0.5,
                                        "mutation_scale": 9},
                            zorder=3)
                arrows.append((x0[i], y0[i], x1[i], y1[i]))
            ax.plot([x1[i]], [y1[i]], marker=style["marker"], linestyle="none",
                    markersize=MARKER_SIZE, markerfacecolor=style["color"],
                    markeredgecolor="black", markeredgewidth=0.7, zorder=4)
        _matrix_axis_titles(ax, moved.attrs, lang)
        _percent_axis(ax.yaxis, np.r_[y0, y1])
        if title:
            ax.set_title(title)
        extra = [Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor="black",
                        linestyle="none", markersize=MARKER_SIZE - 1.5,
                        label=chart_text("Wave", lang) + f" {waves[0]}"),
                 Line2D([], [], marker="o", markerfacecolor="#777777", markeredgecolor="black",
                        linestyle="none", markersize=MARKER_SIZE,
                        label=chart_text("Wave", lang) + f" {waves[1]}")]
        if rules:
            extra.append(Line2D([], [], color="#555555", linestyle="--", linewidth=0.8,
                                label=chart_text("cross-hairs of", lang) + f" {waves[1]}"))
        _dimension_legend(ax, order, _dimension_names(labels, order, lang), extra,
                          ncol=max(len(order), 2))
        _freeze(ax, created)
        placement = np.argsort(-y1, kind="mergesort")
        texts = [wrap_label(text_of[drivers[i]], wrap) if i in chosen else ""
                 for i in placement]
        # Earlier positions are obstacles too (empty labels), and arrows are lines to keep
        # clear of, so a label never sits on a trail.
        place_labels(ax, np.r_[x1[placement], x0], np.r_[y1[placement], y0],
                     texts + [""] * len(drivers), lines=arrows, rules=rules)
    return ax



#: Reading order and names of the penalty-reward categories.
