"""Every chart on the bundled bank-loan case, in English and Chinese, checked automatically.

Each chart is rendered to PNG with missing-glyph warnings turned into errors, then checked:
no two texts of an axes overlap (point labels, numbers, quadrant names, value texts), no text
or leader line of an axes touches an interval whisker, no two tick labels touch, no two legend
entries overlap, and every text (the numbered key too) lies inside the figure. The inputs are
built once per module with a fast importance method and few resamples, and each chart is drawn
once per worker and shared by the tests that look at it, so the file runs in seconds.
"""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from drivers import plots
from drivers.paths import bank_loan_study_file

GLYPH = r".*missing from font.*"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def bank():
    path = bank_loan_study_file()
    if not path.exists():
        pytest.skip("data/bank_loan/study.yaml is absent")
    from drivers import load_study
    from drivers.importance import importance
    from drivers.metrics import outcome_table
    from drivers.priority import penalty_reward, study_priority, wave_movement
    from drivers.relationship import relationship

    study = load_study(path)
    fast = {"method": "relative_weights", "bootstrap": 30, "seed": 7}
    tables = {}
    for outcome in ("csat", "nps"):
        table = importance(study.data, study.outcome(outcome).column, study.attribute_columns,
                           method="relative_weights", weights=study.weight_column)
        table["dimension"] = [study.dimension_of(d) for d in table["driver"]]
        tables[outcome] = table
    comparison = tables["csat"][["driver", "dimension", "share"]].rename(
        columns={"share": "share_csat"}).merge(
        tables["nps"][["driver", "share"]].rename(columns={"share": "share_nps"}))
    gap = comparison["share_nps"] - comparison["share_csat"]
    comparison["lead"] = np.where(gap > 0.02, "NPS-led",
                                  np.where(gap < -0.02, "CSAT-led", "shared"))
    penalty = penalty_reward(study.data, "csat", study.attribute_columns, weights="weight")
    penalty["dimension"] = [study.dimension_of(d) for d in penalty["driver"]]
    return {
        "study": study,
        "csat": study_priority(study, "csat", **fast),
        "nps": study_priority(study, "nps", **fast),
        "segments": study_priority(study, "csat", by="channel", **fast),
        "moved": wave_movement(study, "csat", method="relative_weights"),
        "moved_dimension": wave_movement(study, "nps", level="dimension"),
        "penalty": penalty,
        "relationship": relationship(study),
        "tables": tables,
        "comparison": comparison,
        "waves": outcome_table(study, by="wave"),
        "channels": pd.concat([outcome_table(study), outcome_table(study, by="channel")]),
    }


def _waves(b):
    table = b["waves"]
    return table[table["kind"].isin(["csat", "nps"])]


CHARTS = {
    "priority_matrix": lambda b, lang: plots.priority_matrix_plot(
        b["csat"], labels=b["study"], lang=lang, title="CSAT"),
    "priority_matrix_pair": lambda b, lang: plots.priority_matrix_pair(
        b["csat"], b["nps"], labels=b["study"], lang=lang),
    "segment_priority": lambda b, lang: plots.segment_priority_plot(
        b["segments"], labels=b["study"], lang=lang, title="By channel"),
    "wave_movement": lambda b, lang: plots.wave_movement_plot(
        b["moved"], labels=b["study"], lang=lang),
    "wave_movement_dimension": lambda b, lang: plots.wave_movement_plot(
        b["moved_dimension"], labels=b["study"], lang=lang),
    "penalty_reward": lambda b, lang: plots.penalty_reward_plot(
        b["penalty"], labels=b["study"], lang=lang),
    "divergent_profile": lambda b, lang: plots.divergent_profile_plot(
        b["relationship"], labels=b["study"], lang=lang),
    "divergent_profile_dimension": lambda b, lang: plots.divergent_profile_plot(
        b["relationship"], "promoting_not_satisfied", "dimension", labels=b["study"],
        lang=lang),
    "ranking": lambda b, lang: plots.ranking_plot(
        b["tables"]["csat"], labels=b["study"], lang=lang, title="CSAT"),
    "ranking_pair": lambda b, lang: plots.ranking_pair_plot(
        b["tables"]["csat"], b["tables"]["nps"], labels=b["study"], lang=lang),
    "importance_scatter": lambda b, lang: plots.importance_scatter(
        b["comparison"], labels=b["study"], lang=lang),
    "nps_composition": lambda b, lang: plots.nps_composition_plot(
        b["channels"], group="channel", lang=lang),
    "trend": lambda b, lang: plots.trend_plot(_waves(b), labels=b["study"], lang=lang),
    "crosstab": lambda b, lang: plots.crosstab_heatmap(b["relationship"].crosstab, lang=lang),
}


# ---------------------------------------------------------------- checks


def render_strict(fig) -> bytes:
    """PNG bytes; a glyph missing from every font raises instead of drawing a box.

    Drawn at the figure's own resolution, the one the labels were placed at (a glyph missing
    is missing at any resolution).
    """
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GLYPH)
        fig.savefig(buffer, format="png", dpi="figure")
    return buffer.getvalue()


def words_box(text, renderer):
    """The box of a text's words (an annotation's own extent includes its leader line)."""
    return matplotlib.text.Text.get_window_extent(text, renderer)


def overlapping(texts, renderer, tolerance=0.5):
    """Pairs of texts whose boxes overlap by more than ``tolerance`` pixels both ways (a
    negative tolerance asks for that much of a gap)."""
    shown = [t for t in texts if t.get_visible() and t.get_text().strip()]
    boxes = [words_box(t, renderer) for t in shown]
    pairs = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            if (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
                    and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance):
                pairs.append((shown[i].get_text(), shown[j].get_text()))
    return pairs


def tick_labels(axis):
    low, high = sorted(axis.get_view_interval())
    return [tick.label1 for tick in axis.get_major_ticks()
            if low - 1e-9 <= tick.get_loc() <= high + 1e-9 and tick.label1.get_visible()]


def outside(fig, renderer):
    """Texts that stick out of the figure."""
    frame = fig.bbox
    texts = list(fig.texts)
    for legend in fig.legends:
        texts += legend.get_texts()
    for ax in fig.axes:
        texts += [*ax.texts, ax.title, ax._left_title, ax.xaxis.label, ax.yaxis.label,
                  *tick_labels(ax.xaxis), *tick_labels(ax.yaxis)]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    bad = []
    for text in texts:
        if not (text.get_visible() and text.get_text().strip()):
            continue
        box = words_box(text, renderer)
        if box.x0 < frame.x0 - 0.5 or box.x1 > frame.x1 + 0.5 or box.y0 < frame.y0 - 0.5 \
                or box.y1 > frame.y1 + 0.5:
            bad.append(text.get_text())
    return bad


def whisker_boxes(ax):
    """Pixel boxes of the vertical interval whiskers drawn in data coordinates (a matrix's
    importance intervals): each line at its width, each end cap at its marker width."""
    dpi = ax.figure.dpi
    boxes = []
    for line in ax.lines:
        xs = np.asarray(line.get_xdata(), dtype=float)
        ys = np.asarray(line.get_ydata(), dtype=float)
        if line.get_transform() != ax.transData or len(xs) != 2 or xs[0] != xs[1]:
            continue
        ends = ax.transData.transform(np.column_stack([xs, ys]))
        if line.get_linestyle() == "-":
            half = line.get_linewidth() * dpi / 72 / 2
            boxes.append((ends[0, 0] - half, ends[:, 1].min(), ends[0, 0] + half,
                          ends[:, 1].max()))
        elif line.get_marker() == "_":
            half = line.get_markersize() * dpi / 72 / 2
            width = max(line.get_markeredgewidth(), 1.0) * dpi / 72 / 2
            boxes += [(x - half, y - width, x + half, y + width) for x, y in ends]
    return boxes


def _crosses(p, q, a, b) -> bool:
    def side(o, s, t):
        return (s[0] - o[0]) * (t[1] - o[1]) - (s[1] - o[1]) * (t[0] - o[0])

    return side(a, b, p) * side(a, b, q) < 0 and side(p, q, a) * side(p, q, b) < 0


def on_whiskers(ax, renderer):
    """Texts of ``ax`` (labels, numbers) touching a whisker, and leader lines crossing one."""
    boxes = whisker_boxes(ax)
    bad = []
    for text in ax.texts:
        if text.get_transform() == ax.transAxes or not text.get_text().strip():
            continue
        words = words_box(text, renderer)
        for x0, y0, x1, y1 in boxes:
            if min(words.x1, x1) > max(words.x0, x0) and min(words.y1, y1) > max(words.y0, y0):
                bad.append(f"{text.get_text()!r} on a whisker")
                break
        arrow = getattr(text, "arrow_patch", None)
        if arrow is not None and text.get_text():
            path = arrow.get_path().vertices
            start, stop = path[0], path[-1]
            for x0, y0, x1, y1 in boxes:
                if y1 - y0 > x1 - x0 and _crosses(start, stop, ((x0 + x1) / 2, y0),
                                                  ((x0 + x1) / 2, y1)):
                    bad.append(f"leader of {text.get_text()!r} across a whisker")
                    break
    return bad


def check_figure(fig):
    png = render_strict(fig)
    assert png.startswith(b"\x89PNG")
    renderer = fig.canvas.get_renderer()
    problems = []
    for k, ax in enumerate(fig.axes):
        problems += [f"axes {k} texts {p}" for p in overlapping(ax.texts, renderer)]
        problems += [f"axes {k} x ticks {p}" for p in overlapping(tick_labels(ax.xaxis),
                                                                    renderer)]
        # Wrapped tick labels must not even touch: at least a pixel between two of them.
        problems += [f"axes {k} y ticks {p}" for p in overlapping(tick_labels(ax.yaxis),
                                                                    renderer, -1.0)]
        problems += [f"axes {k} {p}" for p in on_whiskers(ax, renderer)]
        if ax.get_legend() is not None:
            problems += [f"axes {k} legend {p}"
                         for p in overlapping(ax.get_legend().get_texts(), renderer)]
    for legend in fig.legends:
        problems += [f"figure legend {p}" for p in overlapping(legend.get_texts(), renderer)]
    problems += [f"outside the figure: {t!r}" for t in outside(fig, renderer)]
    assert not problems, "\n".join(problems)


def has_chinese(fig) -> bool:
    texts = [t.get_text() for ax in fig.axes for t in
             [*ax.texts, ax.xaxis.label, ax.yaxis.label, *ax.get_yticklabels()]]
    texts += [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    return any("\u4e00" <= ch <= "\u9fff" for text in texts for ch in text)


# ---------------------------------------------------------------- every chart, both languages


_DRAWN: dict = {}


def drawn(bank, name, lang="en"):
    """The chart's axes, drawn once per worker and checked with :func:`check_figure`.

    ``plt.close`` after a test leaves the figure intact but swaps its canvas for a bare one,
    so a later test gets it back on an Agg canvas (the same resolution, so the same sizes).
    """
    if (name, lang) not in _DRAWN:
        axes = CHARTS[name](bank, lang)
        check_figure(np.asarray(axes).ravel()[0].figure)
        _DRAWN[name, lang] = axes
    axes = _DRAWN[name, lang]
    fig = np.asarray(axes).ravel()[0].figure
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return axes


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_renders_cleanly_on_the_bank_case(bank, name, lang):
    axes = drawn(bank, name, lang)
    first = np.asarray(axes).ravel()[0]
    fig = first.figure
    assert all(ax.has_data() or ax.texts for ax in fig.axes), "an empty panel"
    if lang == "zh" and name not in ("nps_composition", "crosstab"):
        assert has_chinese(fig), "the Chinese chart shows no Chinese labels"


# ---------------------------------------------------------------- the checks can fail


def test_checks_catch_overlap_and_text_outside():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.text(0.5, 0.5, "first label")
    ax.text(0.5, 0.5, "second label")
    ax.text(1.6, 0.5, "far outside the figure")
    with pytest.raises(AssertionError) as failure:
        check_figure(fig)
    assert "first label" in str(failure.value) and "far outside" in str(failure.value)


def test_checks_catch_labels_on_whiskers_and_touching_ticks():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.plot([0.5, 0.5], [0.1, 0.9], linestyle="-")
    ax.plot([0.3, 0.3], [0.2, 0.8], linestyle="-")
    ax.plot([0.3, 0.3], [0.2, 0.8], marker="_", linestyle="none", markersize=5)
    ax.annotate("across", xy=(0.5, 0.5), ha="center")
    # Only the end cap of the second whisker reaches this one.
    ax.annotate("cap", xy=(0.305, 0.8), ha="left", va="center")
    ax.annotate("leader", xy=(0.7, 0.5), xytext=(0.1, 0.5), arrowprops={"arrowstyle": "-"})
    ax.set_yticks([0.0, 0.04], ["first\nline", "second\nline"])
    with pytest.raises(AssertionError) as failure:
        check_figure(fig)
    message = str(failure.value)
    assert "'across' on a whisker" in message and "'cap' on a whisker" in message
    assert "leader of 'leader' across a whisker" in message
    assert "y ticks ('first\\nline', 'second\\nline')" in message


def test_checks_catch_missing_glyphs():
    # Chinese text in a font without Chinese glyphs: the strict render must refuse it.
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("品牌体验")
        with pytest.raises(UserWarning, match="missing from font"):
            render_strict(fig)


# ---------------------------------------------------------------- chart-specific facts


def test_matrix_pair_shares_limits_and_one_legend(bank):
    axes = drawn(bank, "priority_matrix_pair")
    assert axes[0].get_xlim() == axes[1].get_xlim()
    assert axes[0].get_ylim() == axes[1].get_ylim()
    assert len(axes[0].figure.legends) == 1
    assert [ax.get_title(loc="left") for ax in axes] == [
        bank["study"].label("csat"), bank["study"].label("nps")]
    # A number beside a point stands for a label in the key under the panels.
    numbers = {t.get_text() for ax in axes for t in ax.texts if t.get_gid() == "label-number"}
    key = {t.get_text() for t in axes[0].figure.texts if t.get_gid() == "label-key"}
    assert numbers <= key
    # Both panels carry interval whiskers from the bootstrap: importance (up) and
    # performance (across) for every driver.
    for ax in axes:
        segments = [s for c in ax.collections if c.get_gid() == "interval"
                    for s in c.get_segments()]
        vertical = sum(s[0][0] == s[1][0] for s in segments)
        horizontal = sum(s[0][1] == s[1][1] for s in segments)
        assert vertical == horizontal == len(bank["csat"])


def test_matrix_labels_stay_off_the_cross_hairs_where_possible(bank):
    ax = drawn(bank, "priority_matrix")
    renderer = ax.figure.canvas.get_renderer()
    x_cross = bank["csat"]["performance_cross"].iloc[0]
    y_cross = bank["csat"]["importance_cross"].iloc[0]
    px, py = ax.transData.transform((x_cross, y_cross))
    labels = [t for t in ax.texts if t.get_transform() != ax.transAxes]
    crossing = [t.get_text() for t in labels
                if (b := words_box(t, renderer)).x0 < px < b.x1 or b.y0 < py < b.y1]
    # Whiskers are obstacles too now, and they take precedence: a label next to a point right
    # by the cross-hair may have to lie across it. Without the rule cost, most would.
    assert len(crossing) <= 3, f"labels lying across a cross-hair: {crossing}"


def test_segment_panels_share_scales_and_name_their_size(bank):
    axes = plots.segment_priority_plot(bank["segments"], labels=bank["study"], n_labels=4)
    segments = list(dict.fromkeys(bank["segments"]["segment"]))
    assert len(axes) == len(segments)
    assert len({ax.get_xlim() for ax in axes}) == 1 and len({ax.get_ylim() for ax in axes}) == 1
    sizes = bank["segments"].attrs["n"]
    for ax, segment in zip(axes, segments, strict=True):
        assert f"(n = {sizes[segment]:,})" in ax.get_title(loc="left")
        # The top 4 priorities and the 3 most important drivers (ALWAYS_LABELLED), each by
        # its name or by a number keyed under the panels.
        part = bank["segments"][bank["segments"]["segment"] == segment]
        wanted = set(part.nsmallest(4, "priority")["driver"]) | set(
            part.nlargest(3, "importance")["driver"])
        labelled = [t for t in ax.texts if t.get_transform() != ax.transAxes and t.get_text()]
        assert len(labelled) == len(wanted)


def test_segment_priority_needs_a_segment_column(bank):
    with pytest.raises(ValueError, match="segment"):
        plots.segment_priority_plot(bank["csat"])


def test_wave_movement_draws_one_arrow_per_moved_driver(bank):
    moved = bank["moved_dimension"]
    ax = drawn(bank, "wave_movement_dimension")
    arrows = [t for t in ax.texts if t.get_text() == "" and t.arrow_patch is not None]
    assert len(arrows) == len(moved)
    labels = [t.get_text() for t in ax.texts if t.get_text()]
    assert len(labels) == len(moved)
    with pytest.raises(ValueError, match="performance_to"):
        plots.wave_movement_plot(moved.drop(columns="performance_to"))


def test_penalty_reward_groups_categories_and_rejects_unknown(bank):
    table = bank["penalty"]
    ax = drawn(bank, "penalty_reward")
    order = list(plots.KANO_NAMES)
    shown = [bank["study"].label(d) for d in table["driver"]]
    ticks = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    categories = table.set_index(table["driver"].map(bank["study"].label))["category"]
    ranks = [order.index(categories[t]) for t in ticks if t in categories.index]
    assert ranks == sorted(ranks) and len(ticks) == len(shown)
    bad = table.assign(category="kano")
    with pytest.raises(ValueError, match="unknown category"):
        plots.penalty_reward_plot(bad)


def test_divergent_profile_orders_by_effect_and_checks_group(bank):
    ax = plots.divergent_profile_plot(bank["relationship"], kind="dimension",
                                      labels=bank["study"])
    xs = [line.get_xdata()[0] for line in ax.lines if len(line.get_xdata()) == 1]
    assert xs == sorted(xs)
    with pytest.raises(ValueError, match="group must be one of"):
        plots.divergent_profile_plot(bank["relationship"], group="happy")
