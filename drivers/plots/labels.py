"""Label placement: point labels that are never crossed, never ambiguous, always measured.

:func:`place_labels` places each label of a chart's points at the cheapest free spot near its
point: it measures every label with the renderer and scores candidate spots for overlaps with
other labels, points, whiskers, reference lines and leader lines (see its Notes). Charts of
:mod:`drivers.plots` call it after their layout is final; :func:`label_collisions` checks a
drawn chart for what the placement promises (tests use it on every report chart).

Why not textalloc: it places labels well among points and lines by broadcasting overlaps, but
treats whiskers as lines without their end caps, has no notion of a label being nearer another
point than its own (the misreading this module exists to prevent), no numbered key for labels
with no room, and takes a random seed-free scan order; this placement is deterministic and
scores exactly those failures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from drivers.plots.common import MARKER_SIZE
from drivers.style import (
    FONT_SIZES,
    WRAP_WIDTH,
    text_width,
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
#: Cost of a label lying across a reference line (cross-hair, diagonal), or of a leader line
#: crossing one: text over a rule is hard to read and looks misplaced, so a label with no
#: cheaper spot goes to the numbered key (or the grid search), as for a crossing.
RULE = 1000.0
#: Cost per pixel of leader line, on top of the distance every candidate pays: long leaders
#: cross the chart and are hard to follow.
LEADER_COST = 1.5
#: Cost of using the n-th alternative wrapping of a label instead of the first.
ALTERNATIVE = 12.0
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
    input gives the same layout. A winner costing ``RULE`` or more (it lies across a line,
    or overlaps or crosses something) sends the label to the numbered key when one is kept,
    else to a grid over the whole axes.
    """
    fig = ax.figure
    if draw:
        fig.draw_without_rendering()
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
        if key is not None and (best is None or cost >= RULE):
            # No clean spot near the point: a number beside it, the label in the key.
            name = names[i] if names is not None else _unwrap(options[0])
            number = key.setdefault(name, str(len(key) + 1))
            style = {}
            width, height = measure(number, **style)
            spots = _candidates(point, width, height, px_per_pt, radii=NUMBER_RADII)
            best, cost = _cheapest(spots, point, scene, own=i)
            text, gid = number, "label-number"
        else:
            if best is None or cost >= RULE:
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
        # Placed for this layout: a later layout pass must not shrink the axes around it
        # (which would move the points under fixed label offsets).
        annotation.set_in_layout(False)
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
    fig.draw_without_rendering()


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


def _segment_hits(start, stop, boxes: np.ndarray) -> np.ndarray:
    """1 where the segment start-stop passes through a box (its ends trimmed by 2%)."""
    return _clip_hits(np.asarray(start, float)[None], np.asarray(stop, float)[None],
                      boxes)[0].astype(float)


def _clip_hits(starts: np.ndarray, stops: np.ndarray, boxes: np.ndarray,
               trim: float = 0.02) -> np.ndarray:
    """Whether each segment (n) passes through the inside of each box (m): (n, m), exactly.

    Liang-Barsky clipping of the segment, its first and last ``trim`` left out (a leader line
    starts on its own label and ends at its marker). Exact where sampling points along the
    segment missed a line cutting a corner of a label.
    """
    starts = np.asarray(starts, float)[:, None, :]
    stops = np.asarray(stops, float)[:, None, :]
    boxes = np.asarray(boxes, float).reshape(-1, 4)[None]
    d = stops - starts
    t0 = np.full((starts.shape[0], boxes.shape[1]), trim)
    t1 = np.full_like(t0, 1.0 - trim)
    hit = np.ones_like(t0, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for axis, low, high in ((0, 0, 2), (1, 1, 3)):
            step = d[..., axis]
            a = (boxes[..., low] - starts[..., axis]) / step
            b = (boxes[..., high] - starts[..., axis]) / step
            flat = step == 0
            inside = (starts[..., axis] > boxes[..., low]) & (starts[..., axis] < boxes[..., high])
            hit &= ~flat | inside
            t0 = np.where(flat, t0, np.maximum(t0, np.minimum(a, b)))
            t1 = np.where(flat, t1, np.minimum(t1, np.maximum(a, b)))
    return hit & (t0 < t1)


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


def _segments_hit_box(start, ends: np.ndarray, box) -> np.ndarray:
    """1 per segment (start -> each end) passing through ``box``."""
    ends = np.asarray(ends, float).reshape(-1, 2)
    starts = np.broadcast_to(np.asarray(start, float), ends.shape)
    return _clip_hits(starts, ends, np.asarray(box, float)[None])[:, 0].astype(float)


# ---------------------------------------------------------------- checking a drawn chart


def label_collisions(ax, tolerance: float = 1.5) -> list[str]:
    """What a reader could misread in a drawn chart's point labels; empty when nothing.

    Reads the artists back (no knowledge of how the labels were placed): every label placed
    by :func:`place_labels` (``gid`` ``"label"`` or ``"label-number"``) is checked against

    - the other labels and the axes' other texts (quadrant names, notes): no overlap;
    - every marker of the axes (``Line2D`` markers, end caps aside): no overlap;
    - every drawn line: cross-hairs, diagonals, trend lines, interval whiskers and their end
      caps (``Line2D`` and ``LineCollection``): none may cross the label's box;
    - a label without a leader line must be nearer its own point than any other point;
    - a leader line may not cross a whisker, a cross-hair or another label.

    Parameters
    ----------
    ax : Axes
        A drawn chart.
    tolerance : float
        Pixels by which boxes may touch (a text box includes room above and below the
        glyphs, so a line grazing its edge crosses no letter).

    Returns
    -------
    list of str
        One line per problem, naming the label.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.text import Annotation, Text

    fig = ax.figure
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if isinstance(t, Annotation)
              and t.get_gid() in ("label", "label-number") and t.get_text()]
    others = [t for t in ax.texts if t not in labels and t.get_visible() and t.get_text()
              and not isinstance(t, Annotation)]
    points, markers, segments = [], [], []
    px = fig.dpi / 72.0
    for line in ax.lines:
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), float))
        marker = line.get_marker()
        half = line.get_markersize() * px / 2
        if marker in ("_", "|", 0, 1, 2, 3):  # end caps of a whisker: short line pieces
            for x, y in xy:
                vertical = marker in ("|", 2, 3)
                segments.append(((x, y - half), (x, y + half)) if vertical
                                else ((x - half, y), (x + half, y)))
        elif marker not in (None, "None", "none", ""):
            for x, y in xy:
                points.append((x, y))
                markers.append((x - half, y - half, x + half, y + half))
        if line.get_linestyle() not in ("None", "none", "", " ") and len(xy) >= 2:
            segments += [(tuple(a), tuple(b)) for a, b in zip(xy[:-1], xy[1:], strict=True)]
    for collection in ax.collections:
        if isinstance(collection, LineCollection) and collection.get_visible():
            transform = collection.get_transform()
            for path in collection.get_segments():
                xy = transform.transform(np.asarray(path, float))
                segments += [(tuple(a), tuple(b)) for a, b in zip(xy[:-1], xy[1:], strict=True)]
        elif hasattr(collection, "get_offsets") and not isinstance(collection, LineCollection):
            offsets = collection.get_offsets()
            if len(offsets):
                xy = collection.get_offset_transform().transform(np.asarray(offsets, float))
                for x, y in xy:
                    points.append((x, y))
                    markers.append((x - 3 * px, y - 3 * px, x + 3 * px, y + 3 * px))
    points = np.asarray(points, float).reshape(-1, 2)
    problems = []
    # The text's own box: an Annotation's extent would include its leader line.
    boxes = [_shrunk(Text.get_window_extent(t, renderer), tolerance) for t in labels]
    fixed = [_shrunk(t.get_window_extent(renderer), tolerance) for t in others]
    for i, (text, box) in enumerate(zip(labels, boxes, strict=True)):
        name = text.get_text().replace("\n", " ")
        own = ax.transData.transform(text.xy)
        for j, other in enumerate(boxes):
            if j > i and _overlap(box[None], other[None])[0, 0] > 0:
                problems.append(f"{name!r} overlaps label {labels[j].get_text()!r}")
        for other, box2 in zip(others, fixed, strict=True):
            if _overlap(box[None], box2[None])[0, 0] > 0:
                problems.append(f"{name!r} overlaps text {other.get_text()!r}")
        if len(markers) and (_overlap(box[None], np.asarray(markers))[0] > 0).any():
            problems.append(f"{name!r} covers a marker")
        leader = text.arrow_patch is not None and text.arrow_patch.get_visible()
        for start, stop in segments:
            if _rule_hits(np.asarray(start), np.asarray(stop), box[None])[0]:
                problems.append(f"{name!r} is crossed by a line")
                break
        if leader:
            near = _nearest_on_box(own, box)
            for start, stop in segments:
                if _segments_cross(own, near[None], np.asarray(start), np.asarray(stop))[0]:
                    problems.append(f"the leader line of {name!r} crosses a line")
                    break
            for j, other in enumerate(boxes):
                if j != i and _segments_hit_box(own, near[None], other)[0]:
                    problems.append(f"the leader line of {name!r} crosses label "
                                    f"{labels[j].get_text()!r}")
        elif len(points) > 1:
            gaps = _box_gap(box[None], own)[0]
            distances = np.array([_box_gap(box[None], p)[0] for p in points])
            mine = np.hypot(*(points - own).T) < 0.5
            if (distances[~mine] < gaps - tolerance).any():
                problems.append(f"{name!r} sits nearer another point than its own")
    return problems


def _shrunk(extent, by: float) -> np.ndarray:
    return np.array([extent.x0 + by, extent.y0 + by, extent.x1 - by, extent.y1 - by])
