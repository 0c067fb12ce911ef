"""Charts read back: what is drawn (whisker ends, markers filled or hollow, quadrant names, label
anchors) against the table it was drawn from, and no label a reader could misread on any chart
of the bank report or of a differently shaped study."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.text import Annotation

import drivers
from drivers.plots import label_collisions, priority_matrix_plot, ranking_plot
from drivers.report import compute_report, document


def interval_segments(ax, orientation: str | None = None) -> list[tuple[float, float, float]]:
    """(position, low, high) of every interval whisker, in data coordinates.

    ``orientation`` "horizontal" or "vertical" keeps only those whiskers.
    """
    out = []
    for collection in ax.collections:
        if isinstance(collection, LineCollection) and collection.get_gid() == "interval":
            for (x0, y0), (x1, y1) in collection.get_segments():
                if y0 == y1 and orientation in (None, "horizontal"):  # at height y
                    out.append((y0, min(x0, x1), max(x0, x1)))
                elif y0 != y1 and orientation in (None, "vertical"):
                    out.append((x0, min(y0, y1), max(y0, y1)))
    return out


def test_ranking_whiskers_span_each_drivers_interval():
    table = pd.DataFrame({"driver": ["a", "b", "c"], "share": [0.5, 0.3, 0.2],
                          # b's estimate lies outside its interval, as a bootstrap
                          # percentile interval can (drivers report --bootstrap 5)
                          "share_ci_low": [0.42, 0.31, 0.1], "share_ci_high": [0.6, 0.4, 0.25]})
    ax = ranking_plot(table)
    rows = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    drawn = {round(at, 6): (low, high) for at, low, high in interval_segments(ax)}
    for _, row in table.iterrows():
        low, high = drawn[round(rows[row["driver"]], 6)]
        assert (low, high) == pytest.approx((row["share_ci_low"], row["share_ci_high"]))
    bars = sorted(((p.get_y() + p.get_height() / 2, p.get_width()) for p in ax.patches
                   if p.get_width() > 0), reverse=True)
    assert [w for _, w in bars] == pytest.approx(table["share"].tolist())
    plt.close("all")


@pytest.fixture(scope="module")
def matrix():
    return pd.DataFrame({
        "driver": ["rate", "fees", "agent", "app", "speed"],
        "dimension": ["BX", "BX", "SX", "PX", "BX"],
        "importance": [0.40, 0.10, 0.25, 0.05, 0.22],
        "importance_ci_low": [0.30, 0.05, 0.18, 0.01, 0.12],
        "importance_ci_high": [0.50, 0.15, 0.32, 0.09, 0.28],
        "performance": [3.2, 4.3, 3.5, 4.0, 4.4],
        "importance_cross": 0.2, "performance_cross": 3.88,
        "quadrant": ["Fix first", "Possible overinvestment", "Fix first",
                     "Possible overinvestment", "Maintain"],
        "performance_ci_low": [3.1, 4.2, 3.35, 3.9, 4.3],
        "performance_ci_high": [3.3, 4.4, 3.6, 4.1, 4.5],
        "quadrant_probability": [0.99, 0.95, 0.91, 0.97, 0.62],
        "confidence": ["high", "high", "high", "high", "low"],
    })


def test_priority_matrix_reads_back(matrix):
    ax = priority_matrix_plot(matrix, n_labels=None)
    # markers: where the table puts them, filled when the quadrant holds with high confidence
    points = {}
    for line in ax.lines:
        if line.get_marker() in ("o", "s", "^", "D") and len(line.get_xdata()) == 1:
            points[(round(float(line.get_xdata()[0]), 6), round(float(line.get_ydata()[0]), 6))] \
                = line
    for _, row in matrix.iterrows():
        line = points[(round(row["performance"], 6), round(row["importance"], 6))]
        hollow = to_rgba(line.get_markerfacecolor()) == to_rgba("white")
        assert hollow == (row["confidence"] != "high"), row["driver"]
    # whiskers: the importance interval of each driver at its performance, and the
    # performance interval at its importance
    drawn = {round(at, 6): (low, high) for at, low, high in interval_segments(ax, "vertical")}
    across = {round(at, 6): (low, high)
              for at, low, high in interval_segments(ax, "horizontal")}
    for _, row in matrix.iterrows():
        assert drawn[round(row["performance"], 6)] == pytest.approx(
            (row["importance_ci_low"], row["importance_ci_high"]))
        assert across[round(row["importance"], 6)] == pytest.approx(
            (row["performance_ci_low"], row["performance_ci_high"]))
    # quadrant names: each sits in the corner holding the drivers of that quadrant
    x_cross, y_cross = 3.88, 0.2
    for text in ax.texts:
        if isinstance(text, Annotation) or text.get_transform() != ax.transAxes:
            continue
        cx, cy = text.get_position()
        right, top = cx > 0.5, cy > 0.5
        inside = matrix[((matrix["performance"] > x_cross) == right)
                        & ((matrix["importance"] > y_cross) == top)]
        assert set(inside["quadrant"]) <= {text.get_text()}, text.get_text()
    # labels: anchored at their own driver's point, the biggest drivers among them
    anchors = {t.get_text(): t.xy for t in ax.texts if isinstance(t, Annotation)
               and t.get_gid() == "label"}
    for _, row in matrix.iterrows():
        assert anchors[row["driver"]] == pytest.approx((row["performance"], row["importance"]))
    assert label_collisions(ax) == []
    plt.close("all")


def test_the_biggest_drivers_are_labelled_whatever_their_priority(matrix):
    ax = priority_matrix_plot(matrix.assign(priority=[5, 4, 3, 1, 2]), n_labels=1)
    shown = {t.get_text() for t in ax.texts if isinstance(t, Annotation) and t.get_gid()}
    assert {"rate", "agent", "speed", "app"} <= shown  # the top three by share, and #1
    plt.close("all")


# ---------------------------------------------------------------- every chart of two reports


def _second_study():
    from test_report import second_study

    return second_study()


@pytest.fixture(scope="module", params=["bank", "second"])
def report_charts(request):
    study = (drivers.load_study(drivers.bank_loan_study_file()) if request.param == "bank"
             else _second_study())
    numbers = compute_report(study, bootstrap=8, seed=1, n_jobs=1)
    return request.param, document(numbers, lang="en")


#: What label_collisions says of a label a reader cannot read or tie to its point.
HARD_COLLISIONS = (" overlaps ", " covers a marker", " is crossed by a line", " crosses label ")


def test_no_label_collisions_on_any_report_chart(report_charts):
    """Each chart of the report drawn once; every label checked against everything drawn.

    A label over another label, a text or a marker, a line (cross-hair, whisker, leader)
    through a label, or a leader line through another label fails the test: each makes a
    label hard to read or tie to its point, and the matrices send such a label to their
    numbered key instead. The remaining findings of label_collisions (a leader line across
    a cross-hair or whisker, a label nearer another point than its own) are reported as a
    warning: the goal is none.
    """
    import warnings

    name, doc = report_charts
    found, grazing, taller = {}, {}, {}
    for _, chart in doc.charts():
        fig = chart.figure()
        try:
            problems = [p for ax in fig.axes for p in label_collisions(ax)]
            # The page planned the chart's height: a numbered key is fitted in, not added
            # under it (it pushed action lists onto near-empty pages).
            height = fig.get_size_inches()[1]
            if height > chart.height + 0.01:
                taller[chart.key] = (chart.height, round(height, 2))
        finally:
            plt.close(fig)
        hard = [p for p in problems if any(word in p for word in HARD_COLLISIONS)]
        if hard:
            found[chart.key] = hard
        if len(hard) < len(problems):
            grazing[chart.key] = [p for p in problems if p not in hard]
    if grazing:
        warnings.warn(f"{name}: labels touched by a line: {grazing}", UserWarning,
                      stacklevel=1)
    assert found == {}, f"{name}: {found}"
    assert taller == {}, f"{name}: charts taller than planned: {taller}"


def test_chart_headlines_are_computed_from_their_numbers(report_charts):
    name, doc = report_charts
    headlines = [b["headline"] for b, _ in doc.charts()]
    assert len(set(headlines)) == len(headlines)  # no sentence repeats
    assert all(h and h[-1] in ".。" for h in headlines)
    assert all(len(h) < 320 for h in headlines)


def test_quadrant_names_keep_off_the_points():
    """Drivers crowd the low-importance corners: each quadrant name moves along its own
    quadrant's edges to a spot no marker or whisker touches, and stays inside its quadrant
    (read back from the drawn texts and markers)."""
    import numpy as np

    from drivers.plots.labels import _clip_hits, _overlap

    perf = [3.02, 3.06, 3.10, 3.14, 4.86, 4.90, 4.94, 3.5, 4.5]
    imp = [0.004, 0.010, 0.006, 0.012, 0.004, 0.010, 0.006, 0.30, 0.28]
    matrix = pd.DataFrame({
        "driver": [f"d{i}" for i in range(len(perf))], "performance": perf,
        "importance": imp, "importance_ci_low": [max(v - 0.01, 0) for v in imp],
        "importance_ci_high": [v + 0.01 for v in imp], "importance_cross": 0.1,
        "performance_cross": 4.0})
    matrix["quadrant"] = np.where(matrix["importance"] >= 0.1,
                                  np.where(matrix["performance"] < 4.0, "Fix first", "Maintain"),
                                  np.where(matrix["performance"] < 4.0, "Monitor",
                                           "Possible overinvestment"))
    ax = priority_matrix_plot(matrix, xlim=(3.0, 5.0), ylim=(0.0, 0.35))
    fig = ax.figure
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    markers, segments = [], []
    for line in ax.lines:
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), float))
        if line.get_marker() not in (None, "None", "none", "", "_", "|"):
            half = line.get_markersize() * fig.dpi / 72 / 2
            markers += [(x - half, y - half, x + half, y + half) for x, y in xy]
    for collection in ax.collections:
        if isinstance(collection, LineCollection):
            for path in collection.get_segments():
                segments.append(collection.get_transform().transform(np.asarray(path, float)))
    spans = {"Monitor": (3.0, 4.0, 0.0, 0.1), "Possible overinvestment": (4.0, 5.0, 0.0, 0.1),
             "Fix first": (3.0, 4.0, 0.1, 0.35), "Maintain": (4.0, 5.0, 0.1, 0.35)}
    names = {t.get_text().replace("\n", " "): t for t in ax.texts
             if t.get_text().replace("\n", " ") in spans}
    assert set(names) == set(spans)
    for name, text in names.items():
        e = text.get_window_extent(renderer)
        box = np.array([[e.x0, e.y0, e.x1, e.y1]])
        assert (_overlap(box, np.asarray(markers)) == 0).all(), name
        for path in segments:
            assert not _clip_hits(path[:-1], path[1:], box, trim=0.0).any(), name
        (left, bottom), (right, top) = ax.transData.transform(
            [spans[name][0::2], spans[name][1::2]])
        assert left <= e.x0 and e.x1 <= right and bottom <= e.y0 and e.y1 <= top, name
    plt.close("all")
