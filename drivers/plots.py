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
from matplotlib.ticker import FuncFormatter, MaxNLocator

from drivers.style import (
    CJK_LANGUAGES,
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
    text_width,
    use_house_style,
    wrap_label,
)

#: Label offsets tried around a point, in points (nearest first).
RADII = (4.5, 7.0, 12.0, 19.0, 28.0, 40.0, 55.0, 75.0)
#: Directions tried at each radius, in degrees (right, up, left, down first).
ANGLES = (0, 90, 180, 270, 45, 135, 225, 315, 22.5, 67.5, 112.5, 157.5, 202.5, 247.5,
          292.5, 337.5)
#: Offsets (points) beyond which a label gets a leader line to its point.
LEADER_FROM = 10.0
#: Longest leader line (points) when labels may fall back to a numbered key.
MAX_LEADER = 60.0
#: Offsets (points) tried for a number placed next to its point.
NUMBER_RADII = (1.5, 3.5, 6.0, 9.0)
#: Gap kept around every label box, in pixels.
PAD_PX = 2.0
#: Cost of one square pixel of a label over another label, a point or a fixed text.
HARD = 1e4
#: Cost of one square pixel of a label over an interval whisker (its line and end caps): as
#: good as hard, since a line through text makes it hard to read.
WHISKER = 5e3
#: Half width (points) of the space kept free around a whisker line, covering its end caps.
WHISKER_HALF = 3.0
#: Cost of a label box crossed by a leader line (or a leader line crossing a label, a point
#: or a whisker).
CROSSING = 3e3
#: Cost of a label without leader line that sits nearer another point than its own.
AMBIGUOUS = 2e3
#: Cost of a label lying across a reference line (cross-hair, diagonal): avoided when a
#: nearby free spot exists, since text over a rule is hard to read and looks misplaced.
RULE = 1000.0
#: Cost per pixel of leader line, on top of the distance every candidate pays: long leaders
#: cross the chart and are hard to follow.
LEADER_COST = 1.5
#: Cost of using the n-th alternative wrapping of a label instead of the first.
ALTERNATIVE = 12.0
#: Marker size (points) of the charts.
MARKER_SIZE = 7.0

NPS_COLUMNS = ("detractors", "passives", "promoters")


# ---------------------------------------------------------------- label placement


def place_labels(ax, x: Sequence[float], y: Sequence[float], texts: Sequence, *,
                 fixed_texts: Sequence = (), whiskers: Sequence[tuple] = (),
                 lines: Sequence[tuple] = (), rules: Sequence[tuple] = (),
                 marker_size: float = MARKER_SIZE, fontsize: float | None = None,
                 color: str = "#222222", key: dict | None = None,
                 names: Sequence[str] | None = None, max_leader: float = MAX_LEADER,
                 draw: bool = True) -> list:
    """Label points without overlaps: a deterministic greedy placement.

    Parameters
    ----------
    ax : Axes
        Axes whose limits and position are final (the figure is drawn first to measure).
    x, y : sequences of float
        Data coordinates of the points, in placement order (earlier labels get the better
        spots, so pass the most important first).
    texts : sequence of str or of tuples of str
        The labels (already wrapped), or per label a tuple of alternative wrappings, the
        preferred first; empty strings are skipped but their points are still avoided.
    fixed_texts : sequence of Text
        Other texts in the axes to keep clear of (quadrant names, notes).
    whiskers : sequence of (x0, y0, x1, y1)
        Interval lines in data coordinates, with their end caps: neither labels nor leader
        lines may cross them (a label over one costs nearly as much as over another label).
    lines : sequence of (x0, y0, x1, y1)
        Line segments in data coordinates (e.g. of a trend line) that labels should not
        cross; they cost like a leader line.
    rules : sequence of (x0, y0, x1, y1)
        Reference lines in data coordinates (cross-hairs, a diagonal) that labels should
        not lie across; a label over one costs :data:`RULE`.
    marker_size : float
        Marker size in points (the area around each point kept free).
    fontsize : float, optional
        Label font size (default the house label size).
    color : str
        Label colour.
    key : dict, optional
        Turns on the numbered fallback: a label that finds no free spot within
        ``max_leader`` points of its point is replaced by a small number next to the point,
        and ``key`` (full label -> number, shared between panels so one driver keeps one
        number) gains the entry; draw it with :func:`draw_label_key`. Without ``key``, such
        a label goes to the nearest free spot anywhere in the axes.
    names : sequence of str, optional
        Full (unwrapped) label per point for the key; default the label with its line
        breaks taken out.
    max_leader : float
        Longest leader line in points when ``key`` is given.
    draw : bool
        Draw the figure first (pass False when it was just drawn and nothing changed).

    Returns
    -------
    list of Annotation
        One per non-empty label, in input order: the label, or its number (``gid``
        ``"label-number"``).

    Notes
    -----
    Each label is measured with the renderer (``Text.get_window_extent``). Candidates are
    offsets at :data:`RADII` x :data:`ANGLES` around the point, for every alternative
    wrapping, the text aligned away from it. A candidate's cost is ``HARD`` x the area it
    overlaps labels, points and fixed texts, ``WHISKER`` x the area over whiskers and their
    caps, ``CROSSING`` per leader line or whisker its own leader line would cross (or leader
    line crossing it), ``RULE`` per reference line under it or crossed by its leader,
    ``AMBIGUOUS`` when, without a leader line, it sits nearer another point than its own,
    ``LEADER_COST`` per pixel of leader line, ``ALTERNATIVE`` per step down the list of
    wrappings, plus its distance from the point in pixels; anything not wholly inside the
    axes is excluded. The cheapest wins, ties going to the earlier candidate, so the same
    input gives the same layout. A winner costing ``CROSSING`` or more (it overlaps or
    crosses something) sends the label to the numbered key when one is kept, else to a grid
    over the whole axes.
    """
    fig = ax.figure
    if draw:
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
    scene = {"hard": np.vstack(hard), "soft": np.zeros((0, 4)), "whiskers": [],
             "leaders": [], "rules": [], "points": points,
             "inside": None, "max_leader": None}
    if len(whiskers):
        ends = np.asarray(whiskers, dtype=float)
        start = ax.transData.transform(ends[:, :2])
        stop = ax.transData.transform(ends[:, 2:])
        reach = WHISKER_HALF * px_per_pt
        scene["soft"] = np.column_stack([np.minimum(start[:, 0], stop[:, 0]) - reach,
                                         np.minimum(start[:, 1], stop[:, 1]) - 1.5,
                                         np.maximum(start[:, 0], stop[:, 0]) + reach,
                                         np.maximum(start[:, 1], stop[:, 1]) + 1.5])
        scene["whiskers"] = list(zip(start, stop, strict=True))
    frame = ax.get_window_extent(renderer)
    scene["inside"] = (frame.x0 + 1, frame.y0 + 1, frame.x1 - 1, frame.y1 - 1)
    for x0, y0, x1, y1 in lines:
        start, stop = ax.transData.transform([(x0, y0), (x1, y1)])
        scene["leaders"].append((start, stop))
    scene["rules"] = [tuple(ax.transData.transform([(x0, y0), (x1, y1)]))
                      for x0, y0, x1, y1 in rules]

    def measure(label, **style):
        probe = ax.text(0, 0, label, fontsize=fontsize, ha="left", va="bottom", **style)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        return extent.width + 2 * PAD_PX, extent.height + 2 * PAD_PX

    annotations = []
    for i, label in enumerate(texts):
        options = [label] if isinstance(label, str) else [t for t in label if t]
        if not options or not options[0]:
            continue
        point = points[i]
        shapes = [measure(option) for option in options]
        spots = _join([_candidates(point, w, h, px_per_pt, alternative=k)
                       for k, (w, h) in enumerate(shapes)])
        limit = None if key is None else max_leader * px_per_pt
        best, cost = _cheapest(spots, point, scene, own=i, max_leader=limit)
        if key is not None and (best is None or cost >= CROSSING):
            # No clean spot near the point: a number beside it, the label in the key.
            name = names[i] if names is not None else _unwrap(options[0])
            number = key.setdefault(name, str(len(key) + 1))
            style = {}
            width, height = measure(number, **style)
            spots = _candidates(point, width, height, px_per_pt, radii=NUMBER_RADII)
            best, cost = _cheapest(spots, point, scene, own=i)
            text, gid = number, "label-number"
        else:
            if best is None or cost >= CROSSING:
                # Anything worse than a crossing (an overlap, or a leader line through a
                # label) sends the search over the whole axes; the nearest clean spot there
                # usually wins.
                grid = _join([_grid_candidates(point, w, h, scene["inside"], alternative=k)
                              for k, (w, h) in enumerate(shapes)])
                fallback = _cheapest(grid, point, scene, own=i)
                if fallback[0] is not None and fallback[1] < cost:
                    best, cost = fallback
            text, gid, style = None, "label", {}
        if best is None:
            raise ValueError("a label is larger than the axes; enlarge the figure or shorten it")
        dx, dy, ha, va, box, far, alternative = best
        text = options[alternative] if text is None else text
        width, height = box[2] - box[0], box[3] - box[1]
        # Shrink the padded box back to the text for the record of occupied space; the pad
        # stays around it through the text's own padding on the next label.
        dx += {"left": PAD_PX, "right": -PAD_PX, "center": 0.0}[ha]
        dy += {"bottom": PAD_PX, "top": -PAD_PX, "center": 0.0}[va]
        arrow = None
        if far:
            # Start the leader at the box point nearest the marker (relpos), the segment the
            # placement checked for crossings, rather than matplotlib's default box centre.
            near = _nearest_on_box(point, box)
            relpos = (float(np.clip((near[0] - box[0] - PAD_PX) / (width - 2 * PAD_PX), 0, 1)),
                      float(np.clip((near[1] - box[1] - PAD_PX) / (height - 2 * PAD_PX), 0, 1)))
            arrow = {"arrowstyle": "-", "color": "#666666", "lw": 0.6, "shrinkA": 0.0,
                     "shrinkB": marker_size / 2 + 0.5, "relpos": relpos}
        annotation = ax.annotate(text, xy=(x[i], y[i]), xytext=(dx / px_per_pt,
                                                                 dy / px_per_pt),
                                 textcoords="offset points", ha=ha, va=va, fontsize=fontsize,
                                 color=color, arrowprops=arrow, annotation_clip=False,
                                 zorder=5, gid=gid, **style)
        annotations.append(annotation)
        scene["hard"] = np.vstack([scene["hard"], box[None, :]])
        if far:
            scene["leaders"].append((point, _nearest_on_box(point, box)))
    return annotations


def _unwrap(text: str) -> str:
    """A wrapped label on one line again (no space between two Chinese characters)."""
    lines = text.split("\n")
    out = lines[0]
    for line in lines[1:]:
        joined = out[-1:] + line[:1]
        out += ("" if joined and all(text_width(ch) == 2 for ch in joined) else " ") + line
    return out


def wrap_alternatives(text: str, wrap: int = WRAP_WIDTH, max_lines: int = 3) -> tuple:
    """Wrappings of a label to try when placing it: at ``wrap``, one line wider (fewer lines)
    and narrower (up to ``max_lines`` short lines), the ``wrap`` one first.

    >>> for option in wrap_alternatives("Staff were courteous and patient"):
    ...     print(option.replace("\\n", " / "))
    Staff were courteous / and patient
    Staff were courteous and patient
    Staff were / courteous / and patient
    """
    first = wrap_label(text, wrap)
    options = [first]
    count = first.count("\n") + 1
    total = text_width(str(text))
    if count == 2 and total <= int(wrap * 1.7):
        options.append(wrap_label(text, int(wrap * 1.7)))
    if count < max_lines:
        for width in range(max(8, -(-total // max_lines)), wrap):
            narrower = wrap_label(text, width)
            if narrower.count("\n") + 1 == count + 1:
                options.append(narrower)
                break
    return tuple(dict.fromkeys(options))


def draw_label_key(fig, key: Mapping[str, str], fontsize: float | None = None,
                   wrap: int = 60) -> list:
    """The numbered key of labels placed as numbers, under the charts of a figure.

    The figure grows taller by the key's height, so the charts keep their size and the labels
    already placed their positions; the key goes under every axes, above a figure legend.

    Parameters
    ----------
    fig : Figure
        A laid-out figure (layout engine off, as after the charts of this module).
    key : mapping
        Full label -> number, as filled by :func:`place_labels`.
    fontsize : float, optional
        Default the house label size.
    wrap : int
        Width at which key entries wrap.

    Returns
    -------
    list of Text
        The key's texts (``gid`` ``"label-key"``), number then label per entry.
    """
    if not key:
        return []
    fontsize = FONT_SIZES["label"] if fontsize is None else fontsize
    renderer = fig.canvas.get_renderer()
    entries = sorted(key.items(), key=lambda item: int(item[1]))
    numbers = [fig.text(0, 0, number, fontsize=fontsize)
               for _, number in entries]
    labels = [fig.text(0, 0, wrap_label(name, wrap), fontsize=fontsize) for name, _ in entries]
    num_w = max(t.get_window_extent(renderer).width for t in numbers)
    sizes = [t.get_window_extent(renderer) for t in labels]
    for text in numbers + labels:
        text.remove()
    gap = 0.6 * fontsize * fig.dpi / 72
    column = num_w + gap + max(s.width for s in sizes) + 3 * gap
    margin = 0.02 * fig.bbox.width
    columns = max(1, min(len(entries), int((fig.bbox.width - 2 * margin) // column)))
    rows = -(-len(entries) // columns)
    # Column-major, so the numbers read down a column as in a list.
    row_heights = [max(sizes[c * rows + r].height for c in range(columns)
                       if c * rows + r < len(entries)) + 0.35 * gap for r in range(rows)]
    height = sum(row_heights) + gap
    _grow_figure_bottom(fig, height)
    renderer = fig.canvas.get_renderer()
    top = max([lg.get_window_extent(renderer).y1 for lg in fig.legends], default=0.0) + height
    left = margin + max(0.0, (fig.bbox.width - 2 * margin - columns * column) / 2)
    texts = []
    for k, (name, number) in enumerate(entries):
        c, r = divmod(k, rows)
        x0 = left + c * column
        y0 = (top - sum(row_heights[:r])) / fig.bbox.height
        texts.append(fig.text((x0 + num_w) / fig.bbox.width, y0, number, ha="right", va="top",
                              fontsize=fontsize, gid="label-key"))
        texts.append(fig.text((x0 + num_w + gap) / fig.bbox.width, y0, wrap_label(name, wrap),
                              ha="left", va="top", fontsize=fontsize, gid="label-key"))
    return texts


def _grow_figure_bottom(fig, pixels: float) -> None:
    """Add ``pixels`` of height under the charts, keeping every axes and figure text where it
    is on screen relative to the top; figure legends stay at the bottom."""
    width, height = fig.get_size_inches()
    old = fig.bbox.height
    new = old + pixels
    boxes = [(ax, ax.get_position()) for ax in fig.axes]
    texts = [(t, t.get_position()) for t in fig.texts]
    fig.set_size_inches(width, height * new / old, forward=False)
    for ax, box in boxes:
        ax.set_position([box.x0, (box.y0 * old + pixels) / new, box.width,
                         box.height * old / new])
    for text, (tx, ty) in texts:
        if text.get_transform() == fig.transFigure:
            text.set_position((tx, (ty * old + pixels) / new))
    fig.canvas.draw()


def _spots(dx, dy, ha, va, boxes, far, alternative=0) -> dict:
    n = len(boxes)
    return {"dx": np.asarray(dx, float), "dy": np.asarray(dy, float), "ha": list(ha),
            "va": list(va), "boxes": np.asarray(boxes, float).reshape(n, 4),
            "far": np.asarray(far, bool), "alternative": np.full(n, alternative)}


def _join(parts: list) -> dict:
    return {name: (np.concatenate([p[name] for p in parts]) if name not in ("ha", "va")
                   else [v for p in parts for v in p[name]]) for name in parts[0]}


def _candidates(point, width, height, px_per_pt, alternative=0, radii=RADII) -> dict:
    """Candidate spots around ``point``, nearest first."""
    dx, dy, ha, va, boxes, far = [], [], [], [], [], []
    for radius in radii:
        r = radius * px_per_pt
        for angle in ANGLES:
            cos, sin = np.cos(np.radians(angle)), np.sin(np.radians(angle))
            h = "left" if cos > 0.3 else "right" if cos < -0.3 else "center"
            v = "bottom" if sin > 0.3 else "top" if sin < -0.3 else "center"
            x0 = {"left": r * cos, "right": r * cos - width, "center": r * cos - width / 2}[h]
            y0 = {"bottom": r * sin, "top": r * sin - height, "center": r * sin - height / 2}[v]
            dx.append(r * cos)
            dy.append(r * sin)
            ha.append(h)
            va.append(v)
            boxes.append((point[0] + x0, point[1] + y0, point[0] + x0 + width,
                          point[1] + y0 + height))
            far.append(radius > LEADER_FROM)
    return _spots(dx, dy, ha, va, boxes, far, alternative)


def _grid_candidates(point, width, height, inside, step=8.0, alternative=0) -> dict:
    xs = np.arange(inside[0] + width / 2, inside[2] - width / 2 + 1e-9, step)
    ys = np.arange(inside[1] + height / 2, inside[3] - height / 2 + 1e-9, step)
    cx, cy = (grid.ravel() for grid in np.meshgrid(xs, ys, indexing="ij"))
    boxes = np.column_stack([cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2])
    n = len(boxes)
    return _spots(cx - point[0], cy - point[1], ["center"] * n, ["center"] * n, boxes,
                  np.ones(n, bool), alternative)


def _cheapest(spots, point, scene, own, max_leader=None):
    """The cheapest spot as (dx, dy, ha, va, box, far, alternative) and its cost."""
    boxes = spots["boxes"]
    if len(boxes) == 0:
        return None, np.inf
    hard, points, inside = scene["hard"], scene["points"], scene["inside"]
    outside = ((boxes[:, 0] < inside[0]) | (boxes[:, 1] < inside[1])
               | (boxes[:, 2] > inside[2]) | (boxes[:, 3] > inside[3]))
    others = np.ones(len(hard), dtype=bool)
    others[own] = False
    # Boxes over any point (its own included: the marker box is tight) or label.
    cost = HARD * _overlap(boxes, hard).sum(axis=1)
    if len(scene["soft"]):
        cost += WHISKER * _overlap(boxes, scene["soft"]).sum(axis=1)
    for start, stop in scene["leaders"]:
        cost += CROSSING * _segment_hits(start, stop, boxes)
    for start, stop in scene["rules"]:
        cost += RULE * _rule_hits(start, stop, boxes)
    cost += ALTERNATIVE * spots["alternative"]
    far = spots["far"]
    if far.any():
        ends = np.column_stack([np.clip(point[0], boxes[far, 0], boxes[far, 2]),
                                np.clip(point[1], boxes[far, 1], boxes[far, 3])])
        hits = np.zeros(far.sum())
        for box in hard[others]:
            hits += _segments_hit_box(point, ends, box)
        for start, stop in scene["leaders"] + scene["whiskers"]:
            hits += _segments_cross(point, ends, start, stop)
        length = np.hypot(ends[:, 0] - point[0], ends[:, 1] - point[1])
        cost[far] += CROSSING * hits + LEADER_COST * length
        for start, stop in scene["rules"]:
            # A leader across a cross-hair puts the label in another quadrant: misleading.
            cost[far] += RULE * _segments_cross(point, ends, start, stop)
        if max_leader is not None:
            cost[np.flatnonzero(far)[length > max_leader]] = np.inf
    if (~far).any() and len(points) > 1:
        # A label without a leader line must sit nearer its own point than any other.
        near = boxes[~far]
        own_gap = _box_gap(near, point)
        other_gap = np.min([_box_gap(near, p) for k, p in enumerate(points) if k != own],
                           axis=0)
        cost[~far] += AMBIGUOUS * (other_gap < own_gap + 2.0)
    cost += np.hypot(boxes[:, [0, 2]].mean(axis=1) - point[0],
                     boxes[:, [1, 3]].mean(axis=1) - point[1])
    cost[outside] = np.inf
    index = int(np.argmin(cost))
    if not np.isfinite(cost[index]):
        return None, np.inf
    spot = (float(spots["dx"][index]), float(spots["dy"][index]), spots["ha"][index],
            spots["va"][index], boxes[index], bool(far[index]),
            int(spots["alternative"][index]))
    return spot, float(cost[index])


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


def _rule_hits(start, stop, boxes: np.ndarray) -> np.ndarray:
    """1 where the segment start-stop passes through a box, exactly (Liang-Barsky clipping)."""
    dx, dy = stop[0] - start[0], stop[1] - start[1]
    t0 = np.zeros(len(boxes))
    t1 = np.ones(len(boxes))
    hit = np.ones(len(boxes), dtype=bool)
    for p, q in ((-dx, start[0] - boxes[:, 0]), (dx, boxes[:, 2] - start[0]),
                 (-dy, start[1] - boxes[:, 1]), (dy, boxes[:, 3] - start[1])):
        if p == 0:
            hit &= q >= 0
            continue
        r = q / p
        if p < 0:
            t0 = np.maximum(t0, r)
        else:
            t1 = np.minimum(t1, r)
    return (hit & (t0 <= t1)).astype(float)


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


# ---------------------------------------------------------------- priority matrix


def priority_matrix_plot(matrix: pd.DataFrame, ax=None, labels=None, title: str | None = None,
                         lang: str = "en", wrap: int = WRAP_WIDTH,
                         xlim: tuple[float, float] | None = None,
                         ylim: tuple[float, float] | None = None, legend: bool = True,
                         n_labels: int | None = None):
    """Importance-performance chart with named quadrants and placed labels.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`drivers.priority.priority_matrix` (one segment): ``driver``,
        ``importance``, ``performance``, ``quadrant``, ``importance_cross``,
        ``performance_cross``; optional ``dimension``, ``importance_ci_low``,
        ``importance_ci_high``, ``confidence`` (hollow points: below "high"), ``priority``.
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
        Label only this many drivers, in priority order (``priority`` column, else by
        importance); default all.

    Returns
    -------
    Axes
        Performance on x, importance on y; quadrant tints and names, dashed cross-hairs,
        points coloured and shaped by dimension (hollow when fewer than 90% of the joint
        resamples keep the driver in its quadrant), interval whiskers, and one label per point that touches no other
        label, no point and, where there is room, no cross-hair.

    Examples
    --------
    >>> matrix = pd.DataFrame({"driver": ["rate", "fees", "agent"],
    ...                        "importance": [0.5, 0.2, 0.3], "performance": [3.1, 4.2, 3.9],
    ...                        "importance_cross": 1 / 3, "performance_cross": 3.73,
    ...                        "quadrant": ["Fix first", "Possible overinvestment", "Monitor"]})
    >>> ax = priority_matrix_plot(matrix, n_labels=2)
    >>> sorted(t.get_text() for t in ax.texts if t.get_text() in ("rate", "fees", "agent"))
    ['agent', 'rate']
    >>> plt.close("all")
    """
    ax, created = _axes(ax, (9.0, 7.4), lang)
    with use_house_style(lang):
        layout = _matrix_base(ax, matrix, labels, lang, xlim, ylim, title)
        if legend:
            _dimension_legend(ax, layout["order"], layout["names"], layout["extra"],
                              ncol=_legend_columns(layout))
        _freeze(ax, created)
        key = {} if created else None
        _matrix_labels(ax, layout, wrap, n_labels, key=key, draw=not created)
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
            ax.plot([perf[i], perf[i]], [low[i], high[i]], color=style["color"],
                    linewidth=0.9, alpha=0.8, zorder=3, solid_capstyle="butt")
            ax.plot([perf[i], perf[i]], [low[i], high[i]], marker="_", linestyle="none",
                    color=style["color"], alpha=0.8, markersize=5, zorder=3)
            whiskers.append((perf[i], low[i], perf[i], high[i]))
        ax.plot([perf[i]], [imp[i]], marker=style["marker"], linestyle="none",
                markersize=MARKER_SIZE, markeredgecolor="black", markeredgewidth=0.7,
                markerfacecolor=style["color"] if certain[i] else "white", zorder=4)
    _matrix_axis_titles(ax, matrix.attrs, lang)
    _percent_axis(ax.yaxis, np.r_[imp, high])
    if title:
        ax.set_title(title)
    extra = []
    if has_ci:
        extra.append(Line2D([], [], color="#333333", linewidth=1.1,
                            label=chart_text("importance interval", lang)))
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
            "order": order, "names": _dimension_names(labels, order, lang), "extra": extra}


def _matrix_labels(ax, layout, wrap, n_labels, key=None, draw=True) -> list:
    """Place the point labels of a matrix drawn by :func:`_matrix_base`."""
    ranking = layout["ranking"]
    # The most important drivers are placed first (better spots), but which ones get a label
    # at all follows the priority order.
    chosen = set(ranking[:n_labels].tolist()) if n_labels is not None else set(ranking.tolist())
    placement = np.argsort(-layout["imp"], kind="mergesort")
    texts = [wrap_alternatives(layout["texts"][i], wrap) if i in chosen else ""
             for i in placement]
    return place_labels(ax, layout["perf"][placement], layout["imp"][placement], texts,
                        fixed_texts=layout["quadrant_texts"], whiskers=layout["whiskers"],
                        rules=layout["rules"], key=key,
                        names=[layout["texts"][i] for i in placement], draw=draw)


def _note_style(lang: str) -> str:
    """Italic for Latin notes; upright for CJK, which has no italic and looks broken slanted."""
    return "normal" if lang in CJK_LANGUAGES else "italic"


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
            ax.errorbar(values[ok], positions[ok],
                        xerr=[values[ok] - low[ok], high[ok] - values[ok]], fmt="none",
                        ecolor="black", elinewidth=0.9, capsize=2.5, zorder=3)
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
        for i in range(len(drivers)):
            style = dimension_style(dimensions[i], order)
            if has_ci:
                x_low, x_high = comparison[x_ci].iloc[i].to_numpy(dtype=float)
                y_low, y_high = comparison[y_ci].iloc[i].to_numpy(dtype=float)
                ax.errorbar([xs[i]], [ys[i]], xerr=[[xs[i] - x_low], [x_high - xs[i]]],
                            yerr=[[ys[i] - y_low], [y_high - ys[i]]], fmt="none",
                            ecolor=style["color"], elinewidth=0.8, alpha=0.7, zorder=3)
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
                     fixed_texts=region_texts)
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
    >>> plt.close("all")
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
    handles = []
    for d in order:
        style = dimension_style(d, order)
        handles.append(Line2D([], [], marker=style["marker"], color=style["color"],
                              markeredgecolor="black", markeredgewidth=0.7, linestyle="none",
                              markersize=MARKER_SIZE, label=names.get(d, d)))
    handles += extra
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
                         wrap: int = WRAP_WIDTH, n_labels: int | None = None):
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
    wrap, n_labels
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
        _label_panels(axes, layouts, wrap, n_labels, created)
    return axes


def _matrix_axis_titles(ax, attrs: Mapping, lang: str) -> None:
    """Axis titles of an importance-performance chart, from its table's ``attrs``."""
    top_box = attrs.get("performance_kind", "mean") == "top_box"
    ax.set_xlabel(chart_text("Performance (top-box %)" if top_box
                             else "Performance (mean rating)", lang))
    share = attrs.get("value", "share") == "share"
    ax.set_ylabel(chart_text("Importance (share of explained variance)" if share
                             else "Importance", lang))


def _label_panels(axes, layouts, wrap, n_labels, created: bool) -> None:
    """Label every panel's points; a figure of our own gets one numbered key for all."""
    _freeze(axes[0], created)
    key = {} if created else None
    for ax, layout in zip(axes, layouts, strict=True):
        _matrix_labels(ax, layout, wrap, n_labels, key=key, draw=not created)
    if key:
        draw_label_key(axes[0].figure, key)


def segment_priority_plot(matrix: pd.DataFrame, axes=None, labels=None, lang: str = "en",
                          ncols: int | None = None, n_labels: int | None = 6,
                          names: Mapping | None = None, wrap: int = 18,
                          title: str | None = None):
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
    panels = [matrix[matrix["segment"] == s].drop(columns="segment") for s in segments]
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
        _label_panels(axes, layouts, wrap, n_labels, created)
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
    >>> plt.close("all")
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
    >>> plt.close("all")
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
