"""Charts of driver analysis: priority matrix, rankings, CSAT vs NPS, NPS mix, trends.

Every function takes an optional ``ax`` (or ``axes``), draws in the house style of
:mod:`drivers.style` and returns the axes. Charts stay readable in black-and-white print:
dimensions differ by marker and hatch as well as colour, and quadrants are named, not only
tinted. Point labels are placed by :func:`place_labels`, a deterministic greedy placement that
measures every label with the renderer and never lets two labels, or a label and a point,
overlap; labels moved away from their point get a leader line.

Examples
--------
>>> import pandas as pd
>>> matrix = pd.DataFrame({"driver": ["rate", "fees", "agent"], "dimension": ["BX", "BX", "SX"],
...                        "importance": [0.5, 0.2, 0.3], "performance": [3.1, 4.2, 3.9],
...                        "importance_cross": 1 / 3, "performance_cross": 3.73,
...                        "quadrant": ["Fix first", "Possible overinvestment", "Monitor"]})
>>> ax = priority_matrix_plot(matrix, title="What drives CSAT")
>>> sorted(t.get_text() for t in ax.texts if t.get_text() in ("rate", "fees", "agent"))
['agent', 'fees', 'rate']
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import PercentFormatter

from drivers.style import (
    DIMENSION_STYLES,
    FONT_SIZES,
    NPS_STYLES,
    OUTCOME_STYLES,
    QUADRANT_COLORS,
    SEQUENTIAL_CMAP,
    WRAP_WIDTH,
    chart_text,
    dimension_style,
    label_for,
    use_house_style,
    wrap_label,
)

#: Label offsets tried around a point, in points (nearest first).
RADII = (3.0, 7.0, 12.0, 19.0, 28.0, 40.0, 55.0, 75.0)
#: Directions tried at each radius, in degrees (right, up, left, down first).
ANGLES = (0, 90, 180, 270, 45, 135, 225, 315, 22.5, 67.5, 112.5, 157.5, 202.5, 247.5,
          292.5, 337.5)
#: Offsets (points) beyond which a label gets a leader line to its point.
LEADER_FROM = 10.0
#: Gap kept around every label box, in pixels.
PAD_PX = 2.0
#: Cost of one square pixel of a label over another label, a point or a fixed text.
HARD = 1e4
#: Cost of one square pixel of a label over an interval whisker.
SOFT = 3.0
#: Cost of a label box crossed by a leader line (or a leader line crossing a label).
CROSSING = 3e3
#: Cost of a label without leader line that sits nearer another point than its own.
AMBIGUOUS = 2e3
#: Marker size (points) of the charts.
MARKER_SIZE = 7.0

NPS_COLUMNS = ("detractors", "passives", "promoters")


# ---------------------------------------------------------------- label placement


def place_labels(ax, x: Sequence[float], y: Sequence[float], texts: Sequence[str], *,
                 fixed_texts: Sequence = (), whiskers: Sequence[tuple] = (),
                 lines: Sequence[tuple] = (), marker_size: float = MARKER_SIZE, fontsize: float | None = None,
                 color: str = "#222222") -> list:
    """Label points without overlaps: a deterministic greedy placement.

    Parameters
    ----------
    ax : Axes
        Axes whose limits and position are final (the figure is drawn first to measure).
    x, y : sequences of float
        Data coordinates of the points, in placement order (earlier labels get the better
        spots, so pass the most important first).
    texts : sequences of str
        The labels (already wrapped); empty strings are skipped but their points are still
        avoided.
    fixed_texts : sequence of Text
        Other texts in the axes to keep clear of (quadrant names, notes).
    whiskers : sequence of (x0, y0, x1, y1)
        Interval lines in data coordinates, avoided where possible.
    lines : sequence of (x0, y0, x1, y1)
        Line segments in data coordinates (e.g. of a trend line) that labels should not
        cross; they cost like a leader line.
    marker_size : float
        Marker size in points (the area around each point kept free).
    fontsize : float, optional
        Label font size (default the house label size).
    color : str
        Label colour.

    Returns
    -------
    list of Annotation
        One per non-empty label, in input order.

    Notes
    -----
    Each label is measured with the renderer (``Text.get_window_extent``). Candidates are
    offsets at :data:`RADII` x :data:`ANGLES` around the point, the text aligned away from
    it; if all of them collide, a grid over the whole axes is tried. A candidate's cost is
    ``HARD`` x the area it overlaps labels, points and fixed texts, ``SOFT`` x the area over
    whiskers, ``CROSSING`` per leader line it crosses (or label its own leader line would
    cross), ``AMBIGUOUS`` when, without a leader line, it sits nearer another point than its
    own, plus its distance from the point in pixels; anything not wholly inside the axes is
    excluded. The cheapest wins, ties going to the earlier candidate, so the same input
    gives the same layout.
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    fontsize = FONT_SIZES["label"] if fontsize is None else fontsize
    points = ax.transData.transform(np.column_stack([np.asarray(x, float),
                                                     np.asarray(y, float)]))
    px_per_pt = fig.dpi / 72.0
    half = marker_size * px_per_pt / 2 + 1.0
    hard = [np.column_stack([points[:, 0] - half, points[:, 1] - half,
                             points[:, 0] + half, points[:, 1] + half])]
    for text in fixed_texts:
        if text.get_visible() and text.get_text():
            box = text.get_window_extent(renderer)
            hard.append(np.array([[box.x0 - PAD_PX, box.y0 - PAD_PX,
                                   box.x1 + PAD_PX, box.y1 + PAD_PX]]))
    hard_boxes = np.vstack(hard)
    soft_boxes = np.zeros((0, 4))
    if len(whiskers):
        ends = np.asarray(whiskers, dtype=float)
        start = ax.transData.transform(ends[:, :2])
        stop = ax.transData.transform(ends[:, 2:])
        soft_boxes = np.column_stack([np.minimum(start[:, 0], stop[:, 0]) - 1.5,
                                      np.minimum(start[:, 1], stop[:, 1]),
                                      np.maximum(start[:, 0], stop[:, 0]) + 1.5,
                                      np.maximum(start[:, 1], stop[:, 1])])
    frame = ax.get_window_extent(renderer)
    inside = (frame.x0 + 1, frame.y0 + 1, frame.x1 - 1, frame.y1 - 1)

    annotations = []
    leaders: list[tuple[np.ndarray, np.ndarray]] = []
    for x0, y0, x1, y1 in lines:
        start, stop = ax.transData.transform([(x0, y0), (x1, y1)])
        leaders.append((start, stop))
    for i, label in enumerate(texts):
        if not label:
            continue
        probe = ax.text(0, 0, label, fontsize=fontsize, ha="left", va="bottom")
        extent = probe.get_window_extent(renderer)
        probe.remove()
        width, height = extent.width + 2 * PAD_PX, extent.height + 2 * PAD_PX
        point = points[i]
        choice = _best_spot(point, width, height, hard_boxes, soft_boxes, leaders, inside,
                            px_per_pt, half, own=i, points=points)
        dx, dy, ha, va, box, far = choice
        arrow = None
        if far:
            # Start the leader at the box point nearest the marker (relpos), the segment the
            # placement checked for crossings, rather than matplotlib's default box centre.
            near = _nearest_on_box(point, box)
            relpos = (float(np.clip((near[0] - box[0] - PAD_PX) / (width - 2 * PAD_PX), 0, 1)),
                      float(np.clip((near[1] - box[1] - PAD_PX) / (height - 2 * PAD_PX), 0, 1)))
            arrow = {"arrowstyle": "-", "color": "#666666", "lw": 0.6, "shrinkA": 0.0,
                     "shrinkB": marker_size / 2 + 0.5, "relpos": relpos}
        annotation = ax.annotate(label, xy=(x[i], y[i]), xytext=(dx / px_per_pt,
                                                                  dy / px_per_pt),
                                 textcoords="offset points", ha=ha, va=va, fontsize=fontsize,
                                 color=color, arrowprops=arrow, annotation_clip=False,
                                 zorder=5)
        annotations.append(annotation)
        hard_boxes = np.vstack([hard_boxes, box[None, :]])
        if far:
            leaders.append((point, _nearest_on_box(point, box)))
    return annotations


def _candidates(point, width, height, px_per_pt, inside):
    """Candidate (dx, dy, ha, va, box, far) around ``point``, nearest first."""
    rows = []
    for radius in RADII:
        r = radius * px_per_pt
        for angle in ANGLES:
            cos, sin = np.cos(np.radians(angle)), np.sin(np.radians(angle))
            dx, dy = r * cos, r * sin
            ha = "left" if cos > 0.3 else "right" if cos < -0.3 else "center"
            va = "bottom" if sin > 0.3 else "top" if sin < -0.3 else "center"
            x0 = {"left": dx, "right": dx - width, "center": dx - width / 2}[ha]
            y0 = {"bottom": dy, "top": dy - height, "center": dy - height / 2}[va]
            box = np.array([point[0] + x0, point[1] + y0, point[0] + x0 + width,
                            point[1] + y0 + height])
            rows.append((dx, dy, ha, va, box, radius > LEADER_FROM))
    return rows


def _grid_candidates(point, width, height, inside, step=8.0):
    rows = []
    xs = np.arange(inside[0] + width / 2, inside[2] - width / 2 + 1e-9, step)
    ys = np.arange(inside[1] + height / 2, inside[3] - height / 2 + 1e-9, step)
    for cx in xs:
        for cy in ys:
            box = np.array([cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2])
            rows.append((cx - point[0], cy - point[1], "center", "center", box, True))
    return rows


def _best_spot(point, width, height, hard, soft, leaders, inside, px_per_pt, half, own,
               points):
    best = _cheapest(_candidates(point, width, height, px_per_pt, inside), point, hard, soft,
                     leaders, inside, own, points)
    # Anything worse than a crossing (an overlap, or a leader line through a label) sends
    # the search over the whole axes; the nearest clean spot there usually wins.
    if best[1] >= CROSSING:
        fallback = _cheapest(_grid_candidates(point, width, height, inside), point, hard, soft,
                             leaders, inside, own, points)
        if fallback[0] is not None and fallback[1] < best[1]:
            best = fallback
    if best[0] is None:
        raise ValueError("a label is larger than the axes; enlarge the figure or shorten it")
    dx, dy, ha, va, box, far = best[0]
    # Shrink the padded box back to the text for the record of occupied space; the pad
    # stays around it through the text's own padding on the next label.
    return dx + {"left": PAD_PX, "right": -PAD_PX, "center": 0.0}[ha], \
        dy + {"bottom": PAD_PX, "top": -PAD_PX, "center": 0.0}[va], ha, va, box, far


def _cheapest(candidates, point, hard, soft, leaders, inside, own, points):
    if not candidates:
        return None, np.inf
    boxes = np.array([c[4] for c in candidates])
    outside = ((boxes[:, 0] < inside[0]) | (boxes[:, 1] < inside[1])
               | (boxes[:, 2] > inside[2]) | (boxes[:, 3] > inside[3]))
    others = np.ones(len(hard), dtype=bool)
    others[own] = False
    cost = HARD * _overlap(boxes, hard[others]).sum(axis=1)
    # The label's own point is only "touched" when the box covers it, not when it is near.
    cost += HARD * _overlap(boxes, hard[[own]]).sum(axis=1)
    if len(soft):
        cost += SOFT * _overlap(boxes, soft).sum(axis=1)
    for start, stop in leaders:
        cost += CROSSING * _segment_hits(start, stop, boxes)
    far = np.array([c[5] for c in candidates])
    if far.any():
        ends = np.array([_nearest_on_box(point, b) for b in boxes[far]])
        hits = np.zeros(far.sum())
        for box in hard[others]:
            hits += _segments_hit_box(point, ends, box)
        for start, stop in leaders:
            hits += _segments_cross(point, ends, start, stop)
        cost[far] += CROSSING * hits
    if (~far).any() and len(points) > 1:
        # A label without a leader line must sit nearer its own point than any other.
        near = boxes[~far]
        own_gap = _box_gap(near, point)
        other_gap = np.min([_box_gap(near, p) for k, p in enumerate(points) if k != own],
                           axis=0)
        cost[~far] += AMBIGUOUS * (other_gap < own_gap + 2.0)
    distance = np.hypot(boxes[:, [0, 2]].mean(axis=1) - point[0],
                        boxes[:, [1, 3]].mean(axis=1) - point[1])
    cost += distance
    cost[outside] = np.inf
    index = int(np.argmin(cost))
    if not np.isfinite(cost[index]):
        return None, np.inf
    return candidates[index], float(cost[index])


def _overlap(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Intersection areas, boxes (n, 4) x others (m, 4) -> (n, m)."""
    if len(others) == 0:
        return np.zeros((len(boxes), 0))
    width = (np.minimum(boxes[:, None, 2], others[None, :, 2])
             - np.maximum(boxes[:, None, 0], others[None, :, 0]))
    height = (np.minimum(boxes[:, None, 3], others[None, :, 3])
              - np.maximum(boxes[:, None, 1], others[None, :, 1]))
    return np.clip(width, 0, None) * np.clip(height, 0, None)


def _box_gap(boxes: np.ndarray, point) -> np.ndarray:
    """Distance from a point to each box (0 inside)."""
    dx = np.maximum(np.maximum(boxes[:, 0] - point[0], point[0] - boxes[:, 2]), 0)
    dy = np.maximum(np.maximum(boxes[:, 1] - point[1], point[1] - boxes[:, 3]), 0)
    return np.hypot(dx, dy)


def _nearest_on_box(point, box) -> np.ndarray:
    return np.array([np.clip(point[0], box[0], box[2]), np.clip(point[1], box[1], box[3])])


def _segment_hits(start, stop, boxes: np.ndarray, samples: int = 24) -> np.ndarray:
    """1 where the segment start-stop passes through a box (sampled along its length)."""
    t = np.linspace(0.02, 0.98, samples)
    xs = start[0] + t * (stop[0] - start[0])
    ys = start[1] + t * (stop[1] - start[1])
    inside = ((xs[None, :] > boxes[:, [0]]) & (xs[None, :] < boxes[:, [2]])
              & (ys[None, :] > boxes[:, [1]]) & (ys[None, :] < boxes[:, [3]]))
    return inside.any(axis=1).astype(float)


def _segments_cross(start, ends: np.ndarray, a, b) -> np.ndarray:
    """1 per segment (start -> each end) properly crossing the segment a-b."""
    def side(p, q, r):
        return (q[0] - p[0]) * (r[..., 1] - p[1]) - (q[1] - p[1]) * (r[..., 0] - p[0])

    d1 = side(a, b, np.broadcast_to(start, ends.shape))
    d2 = side(a, b, ends)
    d3 = (ends[:, 0] - start[0]) * (a[1] - start[1]) - (ends[:, 1] - start[1]) * (a[0] - start[0])
    d4 = (ends[:, 0] - start[0]) * (b[1] - start[1]) - (ends[:, 1] - start[1]) * (b[0] - start[0])
    return ((d1 * d2 < 0) & (d3 * d4 < 0)).astype(float)


def _segments_hit_box(start, ends: np.ndarray, box, samples: int = 24) -> np.ndarray:
    """1 per segment (start -> each end) passing through ``box``."""
    t = np.linspace(0.02, 0.98, samples)
    xs = start[0] + t[None, :] * (ends[:, [0]] - start[0])
    ys = start[1] + t[None, :] * (ends[:, [1]] - start[1])
    inside = (xs > box[0]) & (xs < box[2]) & (ys > box[1]) & (ys < box[3])
    return inside.any(axis=1).astype(float)


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
    fig.canvas.draw()
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


def _order(dimensions) -> list:
    seen = []
    for d in dimensions:
        if d is not None and d not in seen:
            seen.append(d)
    standard = [d for d in DIMENSION_STYLES if d in seen]
    return standard + [d for d in seen if d not in DIMENSION_STYLES]


def _require(table: pd.DataFrame, columns, what: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"{what} must be a DataFrame")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}; it has "
                         f"{', '.join(map(str, table.columns))}")


def _dimension_legend(ax, order, names, extra=(), ncol=None):
    handles = []
    for d in order:
        style = dimension_style(d, order)
        handles.append(Line2D([], [], marker=style["marker"], color=style["color"],
                              markeredgecolor="black", markeredgewidth=0.7, linestyle="none",
                              markersize=MARKER_SIZE, label=names.get(d, d)))
    handles.extend(extra)
    if not handles:
        return None
    return ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1),
                     ncol=ncol or min(len(handles), 3), handletextpad=0.4, columnspacing=1.2,
                     borderaxespad=0.0)


def _percent_axis(axis, values) -> None:
    if np.nanmax(np.abs(values)) <= 1.0:
        # Automatic decimals: fixed 0 would print 12.5% ticks as "13%".
        axis.set_major_formatter(PercentFormatter(1.0, decimals=None))


# ---------------------------------------------------------------- priority matrix


def priority_matrix_plot(matrix: pd.DataFrame, ax=None, labels=None, title: str | None = None,
                         lang: str = "en", wrap: int = WRAP_WIDTH):
    """Importance-performance chart with named quadrants and placed labels.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`drivers.priority.priority_matrix` (one segment): ``driver``,
        ``importance``, ``performance``, ``quadrant``, ``importance_cross``,
        ``performance_cross``; optional ``dimension``, ``importance_ci_low``,
        ``importance_ci_high``, ``certain``.
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

    Returns
    -------
    Axes
        Performance on x, importance on y; quadrant tints and names, dashed cross-hairs,
        points coloured and shaped by dimension (hollow when the importance interval crosses
        the cross-hair), interval whiskers, and one label per point.
    """
    _require(matrix, ["driver", "importance", "performance", "quadrant", "importance_cross",
                      "performance_cross"], "matrix")
    if "segment" in matrix.columns and matrix["segment"].nunique() > 1:
        raise ValueError("matrix holds several segments; plot one at a time, e.g. "
                         "matrix[matrix['segment'] == value]")
    if matrix.empty:
        raise ValueError("matrix has no rows")
    drivers = [str(d) for d in matrix["driver"]]
    text_of = _label_map(drivers, labels, lang)
    dimensions = _dimensions_of(matrix, labels)
    order = _order(dimensions)
    imp = matrix["importance"].to_numpy(dtype=float)
    perf = matrix["performance"].to_numpy(dtype=float)
    has_ci = {"importance_ci_low", "importance_ci_high"} <= set(matrix.columns)
    low = matrix["importance_ci_low"].to_numpy(dtype=float) if has_ci else imp
    high = matrix["importance_ci_high"].to_numpy(dtype=float) if has_ci else imp
    certain = (matrix["certain"].astype("boolean").fillna(True).to_numpy(dtype=bool)
               if "certain" in matrix.columns else np.ones(len(matrix), dtype=bool))
    x_cross = float(matrix["performance_cross"].iloc[0])
    y_cross = float(matrix["importance_cross"].iloc[0])

    ax, created = _axes(ax, (9.0, 7.4), lang)
    with use_house_style(lang):
        x_lo, x_hi = _padded(np.r_[perf, x_cross], 0.16)
        y_lo, y_hi = _padded(np.r_[np.nan_to_num(low, nan=imp.min()),
                                   np.nan_to_num(high, nan=imp.max()), y_cross], 0.16)
        y_lo = min(y_lo, 0.0) if imp.min() >= 0 and y_lo < 0.25 * y_hi else y_lo
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
        quadrant_texts = [ax.text(cx, cy, chart_text(name, lang), transform=ax.transAxes, ha=ha, va=va,
                                  fontsize=FONT_SIZES["small"], color="#333333",
                                  fontstyle="italic", zorder=2)
                          for name, (cx, cy, ha, va) in corners.items()]
        whiskers = []
        for i in range(len(matrix)):
            style = dimension_style(dimensions[i], order)
            if has_ci and np.isfinite(low[i]) and np.isfinite(high[i]):
                ax.plot([perf[i], perf[i]], [low[i], high[i]], color=style["color"],
                        linewidth=1.1, zorder=3, solid_capstyle="butt")
                ax.plot([perf[i]], [low[i]], marker="_", color=style["color"],
                        markersize=5, zorder=3)
                ax.plot([perf[i]], [high[i]], marker="_", color=style["color"],
                        markersize=5, zorder=3)
                whiskers.append((perf[i], low[i], perf[i], high[i]))
            ax.plot([perf[i]], [imp[i]], marker=style["marker"], linestyle="none",
                    markersize=MARKER_SIZE, markeredgecolor="black", markeredgewidth=0.7,
                    markerfacecolor=style["color"] if certain[i] else "white", zorder=4)
        kind = matrix.attrs.get("performance_kind", "mean")
        ax.set_xlabel(chart_text("Performance (top-box %)" if kind == "top_box"
                                 else "Performance (mean rating)", lang))
        value = matrix.attrs.get("value", "share")
        ax.set_ylabel(chart_text("Importance (share of explained variance)" if value == "share"
                                 else "Importance", lang))
        _percent_axis(ax.yaxis, np.r_[imp, high])
        if title:
            ax.set_title(title)
        extra = []
        if has_ci:
            extra.append(Line2D([], [], color="#333333", linewidth=1.1,
                                label=chart_text("importance interval", lang)))
        if has_ci and not certain.all():
            extra.append(Line2D([], [], marker="o", markerfacecolor="white",
                                markeredgecolor="black", linestyle="none",
                                markersize=MARKER_SIZE,
                                label=chart_text("hollow: interval crosses line", lang)))
        _dimension_legend(ax, order, _dimension_names(labels, order, lang), extra,
                          ncol=min(len(order) + len(extra), 3))
        _freeze(ax, created)
        ranking = np.argsort(-imp, kind="mergesort")
        place_labels(ax, perf[ranking], imp[ranking],
                     [wrap_label(text_of[drivers[i]], wrap) for i in ranking],
                     fixed_texts=quadrant_texts, whiskers=whiskers)
    return ax


def _padded(values: np.ndarray, fraction: float) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    low, high = float(values.min()), float(values.max())
    span = high - low if high > low else max(abs(high), 1.0) * 0.2
    return low - fraction * span, high + fraction * span


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
    dim_order = _order(dimensions)
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
            ax.errorbar(values[ok], positions[ok],
                        xerr=[values[ok] - low[ok], high[ok] - values[ok]], fmt="none",
                        ecolor="black", elinewidth=0.9, capsize=2.5, zorder=3)
            ends = np.where(ok, np.maximum(values, high), values)
        value_texts = [ax.text(max(e, 0), pos, " " + _value_text(v, value == "share"),
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
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
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


def _value_text(v: float, share: bool) -> str:
    if share:
        return f"{100 * v:.0f}%" if abs(v) >= 0.01 else f"{100 * v:.1f}%"
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
        ax.figure.canvas.draw()


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
        axes[0].figure.canvas.draw()
        axes[0].figure.set_layout_engine("none")
    # One x scale for both panels, so bar lengths compare across CSAT and NPS; the second
    # panel can also change the layout of the first, so fit both value columns again.
    right = max(panel.get_xlim()[1] for panel in axes)
    for panel in axes:
        panel.set_xlim(panel.get_xlim()[0], right)
    axes[0].figure.canvas.draw()
    for panel in axes:
        _fit_texts_right(panel, list(panel.texts))
    right = max(panel.get_xlim()[1] for panel in axes)
    for panel in axes:
        panel.set_xlim(panel.get_xlim()[0], right)
    return axes


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
        below ("CSAT-led") named; labelled drivers are those with a lead other than "shared",
        or the ``n_labels`` farthest from the diagonal.
    """
    x, y = _comparison_columns(comparison, x, y)
    _require(comparison, ["driver", x, y], "comparison")
    drivers = [str(d) for d in comparison["driver"]]
    text_of = _label_map(drivers, labels, lang)
    dimensions = _dimensions_of(comparison, labels)
    order = _order(dimensions)
    xs = comparison[x].to_numpy(dtype=float)
    ys = comparison[y].to_numpy(dtype=float)
    distance = np.abs(ys - xs) / np.sqrt(2)
    if "lead" in comparison.columns:
        chosen = [str(v) != "shared" for v in comparison["lead"]]
    else:
        ranked = np.argsort(-distance, kind="mergesort")[:n_labels]
        chosen = [i in set(ranked.tolist()) for i in range(len(drivers))]
    ax, created = _axes(ax, (6.8, 6.4), lang)
    with use_house_style(lang):
        low = min(0.0, float(np.nanmin(np.r_[xs, ys])))
        high = float(np.nanmax(np.r_[xs, ys])) * 1.18
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
        ax.set_aspect("equal", adjustable="box")
        ax.plot([low, high], [low, high], color="#555555", linestyle="--", linewidth=0.8,
                zorder=1)
        region_texts = [
            ax.text(0.03, 0.97, chart_text("NPS-led: matters more for recommending", lang),
                    transform=ax.transAxes, ha="left", va="top", fontsize=FONT_SIZES["small"],
                    fontstyle="italic", color="#333333"),
            ax.text(0.97, 0.03, chart_text("CSAT-led: matters more for satisfaction", lang),
                    transform=ax.transAxes, ha="right", va="bottom",
                    fontsize=FONT_SIZES["small"], fontstyle="italic", color="#333333"),
        ]
        for i in range(len(drivers)):
            style = dimension_style(dimensions[i], order)
            ax.plot([xs[i]], [ys[i]], marker=style["marker"], color=style["color"],
                    markeredgecolor="black", markeredgewidth=0.7, markersize=MARKER_SIZE,
                    linestyle="none", zorder=4)
        percent = np.nanmax(np.abs(np.r_[xs, ys])) <= 1.0 and x.startswith("share")
        if percent:
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        what = "share of explained variance" if x.startswith("share") else "importance"
        ax.set_xlabel(chart_text(f"CSAT: {what}", lang))
        ax.set_ylabel(chart_text(f"NPS: {what}", lang))
        if title:
            ax.set_title(title)
        _dimension_legend(ax, order, _dimension_names(labels, order, lang),
                          ncol=min(len(order), 2) or 1)
        _freeze(ax, created)
        ranking = np.argsort(-distance, kind="mergesort")
        place_labels(ax, xs[ranking], ys[ranking],
                     [wrap_label(text_of[drivers[i]]) if chosen[i] else "" for i in ranking],
                     fixed_texts=region_texts)
    return ax


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


# ---------------------------------------------------------------- NPS composition


def nps_composition_plot(table: pd.DataFrame, ax=None, group: str | None = None,
                         title: str | None = None, lang: str = "en", overall: str = "All"):
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

    Returns
    -------
    Axes
        Bars in table order from the top, each split into the three groups (colour and
        hatch), the share written inside segments of 7% or more, the NPS to the right.
    """
    _require(table, list(NPS_COLUMNS), "table")
    frame = table
    if "kind" in frame.columns:
        frame = frame[frame["kind"] == "nps"]
    if frame.empty:
        raise ValueError("table has no NPS rows")
    names = _group_names(frame, group, chart_text(overall, lang))
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
        ax.set_yticks(positions)
        ax.set_yticklabels([wrap_label(n, 28) for n in names])
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, len(frame) - 0.4)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
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
    waves = sorted(pd.unique(table[wave].dropna()), key=str)
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
                ax.errorbar(positions[ok], score[ok], yerr=[score[ok] - low[ok],
                                                            high[ok] - score[ok]],
                            fmt="none", ecolor=style["color"], elinewidth=1.0, capsize=3,
                            zorder=3)
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
            ylabel = ("Score (top-box %, NPS points)" if "nps" in kinds and len(kinds) > 1
                      else "NPS points" if kinds == {"nps"} else "Top-box %")
        ax.set_ylabel(chart_text(ylabel, lang))
        ax.set_xlabel(chart_text(wave.replace("_", " ").capitalize(), lang))
        ax.yaxis.grid(True)
        ax.set_axisbelow(True)
        if title:
            ax.set_title(title)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14),
                  ncol=len(outcomes) if len(outcomes) < 3 else 2)
        _freeze(ax, created)
        place_labels(ax, xs_all, ys_all, texts_all, color="#222222", whiskers=bars,
                     lines=segments)
    return ax


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
        if created:
            _freeze(ax, created)
    return ax
