"""Charts: every one renders, keeps its labels apart and inside the figure, and draws Chinese."""

from __future__ import annotations

import io
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from drivers import plots
from drivers.paths import bank_loan_study_file
from drivers.priority import priority_matrix
from drivers.style import (
    DIMENSION_STYLES,
    cjk_font,
    dimension_style,
    has_glyphs,
    label_for,
    save_metadata,
    text_width,
    use_house_style,
    wrap_label,
)

GLYPH = re.compile(r"Glyph \d+ .* missing from font")

LONG_LABELS = [
    "Credit limit granted as promised", "Interest rate as promised",
    "No fees beyond those promised", "Money paid out as fast as promised", "I trust the bank",
    "A strong, reputable bank", "Credit limit (up to 300,000 yuan) meets my needs",
    "Interest rate and fees are transparent", "Choice among the four repayment methods",
    "Revolving use of the credit line (borrow, repay, borrow again)",
    "Applying in the app is easy", "The agent knew the loan well",
    "The agent explained limit, interest and other fees clearly",
    "The agent explained the repayment options, their cost and revolving use",
    "The agent explained the impact on my credit report", "A human agent was easy to reach",
    "The agent resolved my question or problem", "Staff were courteous and patient",
    "Staff knew the product and the rules", "Staff followed up proactively",
    "Staff responded quickly",
]
CHINESE_LABELS = [
    "授信额度与承诺一致", "实际利率与承诺一致", "无承诺以外的额外费用", "放款速度与承诺一致",
    "信任这家银行", "银行品牌实力强、信誉好", "授信额度(最高30万元)满足需要", "利率和费用公开透明",
    "四种还款方式可灵活选择", "额度可循环使用、随借随还", "手机银行申请操作便捷", "客服人员专业能力强",
    "客服清楚解释额度、利息及其他费用", "客服清楚解释还款方式、还款成本及循环使用",
    "客服清楚解释对个人征信的影响", "容易联系到人工客服", "客服解决了我的问题",
    "工作人员态度友好、有耐心", "工作人员熟悉产品和规定", "工作人员主动跟进", "工作人员响应及时",
]
DIMENSIONS = ["BX"] * 6 + ["PX"] * 5 + ["SX"] * 6 + ["EX"] * 4


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- checking helpers


def render(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata=save_metadata("png"))
    return buffer.getvalue()


def all_texts(fig):
    """Every drawn, non-empty text: titles, axis labels, shown tick labels, legends, notes."""
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [*ax.texts, ax.title, ax._left_title, ax._right_title,
                  ax.xaxis.label, ax.yaxis.label]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    texts += [tick.label1, tick.label2]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def text_box(text, renderer):
    """The box of the words alone (an Annotation's own extent includes its leader line)."""
    return matplotlib.text.Text.get_window_extent(text, renderer)


def boxes_of(texts, renderer):
    return [text_box(t, renderer) for t in texts]


def overlap(a, b, tolerance=0.5) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
            and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance)


def assert_apart(texts, renderer):
    boxes = boxes_of(texts, renderer)
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not overlap(boxes[i], boxes[j]), \
                f"labels overlap: {texts[i].get_text()!r} and {texts[j].get_text()!r}"


def assert_clear_of_points(texts, ax, x, y, renderer, marker=plots.MARKER_SIZE):
    points = ax.transData.transform(np.column_stack([x, y]))
    half = marker * ax.figure.dpi / 72 / 2
    for text, box in zip(texts, boxes_of(texts, renderer), strict=True):
        for px, py in points:
            covered = (box.x0 < px + half - 1 and box.x1 > px - half + 1
                       and box.y0 < py + half - 1 and box.y1 > py - half + 1)
            assert not covered, f"label {text.get_text()!r} covers the point at {px, py}"


def assert_inside_figure(fig, renderer):
    frame = fig.bbox
    tight = fig.get_tightbbox(renderer)
    assert tight.x0 >= -0.01 and tight.y0 >= -0.01 and tight.x1 <= fig.bbox_inches.x1 + 0.01 \
        and tight.y1 <= fig.bbox_inches.y1 + 0.01, f"drawing exceeds the figure: {tight}"
    for text in all_texts(fig):
        box = text_box(text, renderer)
        assert box.x0 >= frame.x0 - 0.5 and box.x1 <= frame.x1 + 0.5 \
            and box.y0 >= frame.y0 - 0.5 and box.y1 <= frame.y1 + 0.5, \
            f"text {text.get_text()!r} sticks out of the figure: {box} vs {frame}"


def glyph_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if GLYPH.search(str(w.message))]


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def label_of(text) -> str:
    """The full label a text stands for, without its line breaks: the label itself in
    whichever wrapping was placed, or, for a number beside a point, its entry in the key
    under the chart."""
    if text.get_gid() == "label-number":
        entries = [t for t in text.figure.texts if t.get_gid() == "label-key"]
        key = {entries[i].get_text(): entries[i + 1].get_text()
               for i in range(0, len(entries), 2)}
        return _squeezed(key.get(text.get_text(), ""))
    return _squeezed(text.get_text())


def point_labels(ax, wanted):
    wanted = {_squeezed(w) for w in wanted}
    return [t for t in ax.texts if t.get_text() and label_of(t) in wanted]


def build_matrix(labels=LONG_LABELS, seed=3, intervals=True):
    rng = np.random.default_rng(seed)
    drivers = [f"d{i:02d}" for i in range(len(labels))]
    share = rng.dirichlet(np.full(len(drivers), 2.0))
    table = pd.DataFrame({"driver": drivers, "importance": share * 0.6, "share": share})
    if intervals:
        table["share_ci_low"] = share * 0.55
        table["share_ci_high"] = share * 1.5
    performance = pd.Series(rng.uniform(3.4, 4.3, len(drivers)), index=drivers)
    dims = dict(zip(drivers, DIMENSIONS[:len(drivers)], strict=True))
    matrix = priority_matrix(table, performance, dimension=dims, scale=(1, 5))
    return matrix, dict(zip(drivers, labels, strict=True))


# ---------------------------------------------------------------- style


def test_dimension_styles_differ_in_colour_marker_and_hatch():
    styles = [DIMENSION_STYLES[d] for d in ("BX", "PX", "SX", "EX")]
    for key in ("color", "marker", "hatch"):
        assert len({s[key] for s in styles}) == 4
    extra = dimension_style("CX", order=["BX", "CX", "DX"])
    other = dimension_style("DX", order=["BX", "CX", "DX"])
    assert extra != other and extra["marker"] not in {s["marker"] for s in styles}


def test_wrap_label_respects_width_for_latin_and_chinese():
    for label in LONG_LABELS + CHINESE_LABELS:
        wrapped = wrap_label(label, 22)
        assert all(text_width(line) <= 22 for line in wrapped.split("\n"))
        assert wrapped.replace("\n", "").replace(" ", "") == label.replace(" ", "")
    # Breaks after punctuation when the line count allows, never before it.
    assert wrap_label("工作人员态度友好、有耐心", 22) == "工作人员态度友好、\n有耐心"
    assert wrap_label("客服清楚解释额度、利息及其他费用", 22) == "客服清楚解释额度、\n利息及其他费用"
    # Balanced: no one-word last line.
    assert wrap_label("Staff knew the product and the rules", 22) == \
        "Staff knew the\nproduct and the rules"


def test_cjk_font_found_and_has_glyphs():
    name = cjk_font()
    assert name is not None, "mplfonts is installed in the dev environment; a CJK font is needed"
    assert has_glyphs("".join(CHINESE_LABELS), name)


def test_label_for_falls_back_to_english_with_one_warning(monkeypatch):
    from drivers import style
    from drivers.io import study_from_frame

    frame = pd.DataFrame({"id": [1, 2, 3], "sat": [5, 4, 3], "a": [5, 4, 2]})
    spec = {"id": "id", "second_language": "zh",
            "outcomes": {"csat": {"column": "sat", "kind": "csat", "scale": [1, 5]}},
            "dimensions": {"PX": {"label": "Product", "label_zh": "产品",
                                  "attributes": {"a": {"label": "Easy app",
                                                       "label_zh": "操作便捷"}}}}}
    study = study_from_frame(frame, spec)
    assert label_for(study, "a", "zh") == "操作便捷"
    assert label_for(study, "a", "en") == "Easy app"
    monkeypatch.setattr(style, "cjk_font", lambda: None)
    monkeypatch.setattr(style, "_warned", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert label_for(study, "a", "zh") == "Easy app"
        assert label_for(study, "PX", "zh") == "Product"
    assert len([w for w in caught if "Chinese glyphs" in str(w.message)]) == 1


def test_house_style_falls_back_to_the_cjk_font_per_glyph():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with use_house_style("zh"):
            fig, ax = plt.subplots()
            ax.set_title("品牌体验 Brand experience")
        render(fig)
    assert glyph_warnings(caught) == []


# ---------------------------------------------------------------- priority matrix


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_priority_matrix_plot_labels_apart_inside_and_drawn(lang):
    matrix, english = build_matrix()
    labels = english if lang == "en" else dict(zip(english, CHINESE_LABELS, strict=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = plots.priority_matrix_plot(matrix, labels=labels, title="Priority matrix",
                                        lang=lang)
        png = render(ax.figure)
    assert png.startswith(b"\x89PNG")
    assert glyph_warnings(caught) == []
    renderer = ax.figure.canvas.get_renderer()
    wanted = [wrap_label(v) for v in labels.values()]
    texts = point_labels(ax, wanted)
    assert sorted(label_of(t) for t in texts) == sorted(_squeezed(w) for w in wanted)
    quadrant_names = [t for t in ax.texts if t.get_transform() == ax.transAxes]
    assert len(quadrant_names) == 4
    assert_apart(texts + quadrant_names, renderer)
    assert_clear_of_points(texts, ax, matrix["performance"], matrix["importance"], renderer)
    assert_inside_figure(ax.figure, renderer)
    frame = ax.get_window_extent(renderer)
    for box in boxes_of(texts, renderer):
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 \
            and box.y1 <= frame.y1


def test_priority_matrix_plot_is_deterministic():
    matrix, labels = build_matrix()
    first = render(plots.priority_matrix_plot(matrix, labels=labels).figure)
    plt.close("all")
    second = render(plots.priority_matrix_plot(matrix, labels=labels).figure)
    assert first == second


def test_crowded_labels_still_do_not_overlap():
    # 25 points in a tight cluster: leader lines and numbers must keep them apart.
    rng = np.random.default_rng(11)
    n = 25
    drivers = [f"driver number {i}" for i in range(n)]
    table = pd.DataFrame({"driver": drivers, "share": rng.uniform(0.03, 0.05, n)})
    performance = pd.Series(rng.uniform(3.9, 4.0, n), index=drivers)
    matrix = priority_matrix(table, performance)
    ax = plots.priority_matrix_plot(matrix)
    render(ax.figure)
    renderer = ax.figure.canvas.get_renderer()
    texts = point_labels(ax, [wrap_label(d) for d in drivers])
    assert len(texts) == n
    assert_apart(texts, renderer)
    assert_clear_of_points(texts, ax, matrix["performance"], matrix["importance"], renderer)
    assert_inside_figure(ax.figure, renderer)
    # A label moved away from its point gets a leader line (one with no room near it, a
    # number and an entry in the key): without one, it sits right by its point.
    reach = (plots.LEADER_FROM + 1) * ax.figure.dpi / 72 + 2 * plots.PAD_PX
    for text in texts:
        if text.arrow_patch is None:
            px, py = ax.transData.transform(text.xy)
            box = text_box(text, renderer)
            gap = np.hypot(max(box.x0 - px, px - box.x1, 0), max(box.y0 - py, py - box.y1, 0))
            assert gap <= reach, f"{text.get_text()!r} is {gap:.0f} px from its point"


def test_points_below_high_confidence_are_hollow():
    table = pd.DataFrame({"driver": ["a", "b"], "share": [0.6, 0.4],
                          "share_ci_low": [0.55, 0.2], "share_ci_high": [0.65, 0.6]})
    matrix = priority_matrix(table, {"a": 3.0, "b": 4.0})
    matrix["confidence"] = pd.array(["high", "low"], dtype="string")
    ax = plots.priority_matrix_plot(matrix)
    faces = {tuple(line.get_xdata()): line.get_markerfacecolor() for line in ax.lines
             if line.get_marker() in ("o",) and len(line.get_xdata()) == 1}
    assert faces == {(3.0,): faces[(3.0,)], (4.0,): "white"} and faces[(3.0,)] != "white"


def test_priority_matrix_plot_rejects_several_segments():
    matrix, _ = build_matrix(LONG_LABELS[:4])
    stacked = pd.concat([matrix.assign(segment="a"), matrix.assign(segment="b")])
    with pytest.raises(ValueError, match="several segments"):
        plots.priority_matrix_plot(stacked)


def test_place_labels_on_user_axes():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    x = [0.5, 0.52, 0.48, 0.5]
    y = [0.5, 0.5, 0.52, 0.48]
    texts = plots.place_labels(ax, x, y, ["alpha", "beta", "gamma", "delta"])
    renderer = fig.canvas.get_renderer()
    assert_apart(texts, renderer)
    assert_clear_of_points(texts, ax, x, y, renderer)


# ---------------------------------------------------------------- rankings


def ranking_table(n=12, seed=1):
    rng = np.random.default_rng(seed)
    share = rng.dirichlet(np.full(n, 2.0))
    return pd.DataFrame({"driver": [f"d{i:02d}" for i in range(n)], "share": share,
                         "share_ci_low": share * 0.6, "share_ci_high": share * 1.4,
                         "dimension": DIMENSIONS[:n]})


def test_ranking_plot_sorted_with_whiskers_and_values_inside():
    table = ranking_table()
    labels = dict(zip(table["driver"], LONG_LABELS, strict=False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = plots.ranking_plot(table, labels=labels, title="CSAT drivers")
        render(ax.figure)
    assert glyph_warnings(caught) == []
    renderer = ax.figure.canvas.get_renderer()
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    top_first = table.sort_values("share", ascending=False)["driver"]
    assert ticks == [wrap_label(labels[d], 34) for d in top_first]
    frame = ax.get_window_extent(renderer)
    for text in ax.texts:
        assert text_box(text, renderer).x1 <= frame.x1 + 0.5
    assert_apart(list(ax.texts), renderer)
    assert_apart(ax.get_yticklabels(), renderer)
    assert_inside_figure(ax.figure, renderer)
    assert ax.texts[0].get_text().strip().endswith("%")


def test_ranking_pair_plot_shares_rows_and_scale_in_chinese():
    csat = ranking_table(seed=1)
    nps = ranking_table(seed=2)
    labels = dict(zip(csat["driver"], CHINESE_LABELS, strict=False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        axes = plots.ranking_pair_plot(csat, nps, labels=labels, lang="zh")
        render(axes[0].figure)
    assert glyph_warnings(caught) == []
    assert axes[0].get_xlim() == axes[1].get_xlim()
    assert [t.get_text() for t in axes[0].get_yticklabels()][0] == \
        wrap_label(labels[csat.sort_values("share").iloc[-1]["driver"]], 34)
    assert all(not tick.label1.get_visible() for tick in axes[1].yaxis.get_major_ticks())
    assert all(tick.label1.get_visible() for tick in axes[0].yaxis.get_major_ticks())
    renderer = axes[0].figure.canvas.get_renderer()
    assert_inside_figure(axes[0].figure, renderer)
    for ax in axes:
        assert_apart(list(ax.texts), renderer)


def test_ranking_pair_plot_needs_same_drivers():
    with pytest.raises(ValueError, match="same drivers"):
        plots.ranking_pair_plot(ranking_table(5), ranking_table(6))


# ---------------------------------------------------------------- CSAT vs NPS scatter


def comparison_table(n=21, seed=5):
    rng = np.random.default_rng(seed)
    csat = rng.dirichlet(np.full(n, 2.0))
    nps = rng.dirichlet(np.full(n, 2.0))
    return pd.DataFrame({"driver": [f"d{i:02d}" for i in range(n)], "share_csat": csat,
                         "share_nps": nps, "dimension": DIMENSIONS[:n]})


def test_importance_scatter_labels_the_drivers_off_the_diagonal():
    comparison = comparison_table()
    labels = dict(zip(comparison["driver"], LONG_LABELS, strict=True))
    ax = plots.importance_scatter(comparison, labels=labels, n_labels=6)
    render(ax.figure)
    distance = (comparison["share_nps"] - comparison["share_csat"]).abs()
    farthest = comparison.loc[distance.sort_values(ascending=False).index[:6], "driver"]
    texts = point_labels(ax, [wrap_label(v) for v in labels.values()])
    assert sorted(t.get_text() for t in texts) == sorted(wrap_label(labels[d]) for d in farthest)
    renderer = ax.figure.canvas.get_renderer()
    assert_apart(texts + [t for t in ax.texts if t.get_transform() == ax.transAxes], renderer)
    assert_clear_of_points(texts, ax, comparison["share_csat"], comparison["share_nps"],
                           renderer)
    assert_inside_figure(ax.figure, renderer)
    assert ax.get_xlim() == ax.get_ylim()


def test_importance_scatter_uses_lead_column_in_chinese():
    comparison = comparison_table()
    gap = comparison["share_nps"] - comparison["share_csat"]
    comparison["lead"] = np.where(gap > 0.03, "NPS-led",
                                  np.where(gap < -0.03, "CSAT-led", "shared"))
    labels = dict(zip(comparison["driver"], CHINESE_LABELS, strict=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = plots.importance_scatter(comparison, labels=labels, lang="zh")
        render(ax.figure)
    assert glyph_warnings(caught) == []
    led = comparison.loc[comparison["lead"] != "shared", "driver"]
    texts = point_labels(ax, [wrap_label(v) for v in labels.values()])
    assert sorted(t.get_text() for t in texts) == sorted(wrap_label(labels[d]) for d in led)
    renderer = ax.figure.canvas.get_renderer()
    assert_apart(texts, renderer)
    assert_inside_figure(ax.figure, renderer)


# ---------------------------------------------------------------- NPS composition


def test_nps_composition_plot_from_proportions_and_segments():
    table = pd.DataFrame({
        "outcome": "nps", "kind": "nps",
        "channel": [None, "mobile_app", "online_banking", "partner_platform"],
        "score": [21.0, 30.2, 12.5, -4.0],
        "detractors": [0.20, 0.15, 0.25, 0.35], "passives": [0.39, 0.40, 0.375, 0.34],
        "promoters": [0.41, 0.45, 0.375, 0.31]})
    ax = plots.nps_composition_plot(table, title="NPS by channel")
    render(ax.figure)
    assert [t.get_text() for t in ax.get_yticklabels()] == \
        ["All", "mobile app", "online banking", "partner platform"]
    renamed = plots.nps_composition_plot(table, names={"mobile_app": "App"})
    assert [t.get_text() for t in renamed.get_yticklabels()][1] == "App"
    for container in ax.containers:
        assert len(container.patches) == 4
    widths = np.sum([[p.get_width() for p in c.patches] for c in ax.containers], axis=0)
    np.testing.assert_allclose(widths, 100, atol=1e-9)
    scores = [t.get_text() for t in ax.texts if t.get_text().startswith("NPS")]
    assert scores == ["NPS +21", "NPS +30", "NPS +13", "NPS -4"]  # 12.5 rounds half up
    renderer = ax.figure.canvas.get_renderer()
    assert_apart(list(ax.texts), renderer)
    assert_inside_figure(ax.figure, renderer)


def test_nps_composition_plot_chinese_segments():
    table = pd.DataFrame({"segment": ["手机银行", "网上银行"], "detractors": [15.0, 25.0],
                          "passives": [40.0, 37.5], "promoters": [45.0, 37.5]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = plots.nps_composition_plot(table, lang="zh")
        render(ax.figure)
    assert glyph_warnings(caught) == []
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("NPS")] == \
        ["NPS +30", "NPS +13"]


# ---------------------------------------------------------------- trend and crosstab


def trend_table():
    return pd.DataFrame({
        "outcome": ["csat"] * 3 + ["nps"] * 3, "kind": ["csat"] * 3 + ["nps"] * 3,
        "wave": ["2026Q1", "2026Q2", "2026Q3"] * 2,
        "score": [72.0, 74.5, 73.0, 21.0, 24.0, 28.0],
        "ci_low": [69, 71.5, 70, 17, 20, 24.0], "ci_high": [75, 77.5, 76, 25, 28, 32.0]})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_trend_plot_points_bars_and_labels(lang):
    names = {"csat": "总体满意度", "nps": "推荐意愿"} if lang == "zh" else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = plots.trend_plot(trend_table(), labels=names, lang=lang, title="By wave")
        render(ax.figure)
    assert glyph_warnings(caught) == []
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026Q1", "2026Q2", "2026Q3"]
    values = [t for t in ax.texts if re.fullmatch(r"-?\d+\.\d", t.get_text())]
    assert sorted(t.get_text() for t in values) == sorted(
        f"{v:.1f}" for v in trend_table()["score"])
    renderer = ax.figure.canvas.get_renderer()
    assert_apart(values, renderer)
    assert_inside_figure(ax.figure, renderer)


def test_crosstab_heatmap_annotates_every_cell():
    crosstab = pd.DataFrame({
        "csat_group": ["top box"] * 3 + ["not top box"] * 3,
        "nps_group": ["detractor", "passive", "promoter"] * 2,
        "n": [10, 40, 50, 30, 15, 5], "pct": [6.7, 26.7, 33.3, 20.0, 10.0, 3.3]})
    ax = plots.crosstab_heatmap(crosstab, title="CSAT x NPS")
    render(ax.figure)
    cells = [t.get_text() for t in ax.texts]
    assert "33.3%\n(n = 50)" in cells and len(cells) == 6
    renderer = ax.figure.canvas.get_renderer()
    assert_apart(list(ax.texts), renderer)
    assert_inside_figure(ax.figure, renderer)


# ---------------------------------------------------------------- the bundled case


@pytest.fixture(scope="module")
def bank_study():
    path = bank_loan_study_file()
    if not path.exists():
        pytest.skip("data/bank_loan/study.yaml is absent")
    from drivers import load_study

    return load_study(path)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bank_loan_priority_matrix_chart(bank_study, lang, tmp_path):
    from drivers.output import save_figure
    from drivers.priority import study_priority

    matrix = study_priority(bank_study, "csat", method="relative_weights")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = plots.priority_matrix_plot(matrix, labels=bank_study, lang=lang,
                                        title=label_for(bank_study, "csat", lang))
        save_figure(ax.figure, tmp_path / "matrix.png")
    assert glyph_warnings(caught) == []
    renderer = ax.figure.canvas.get_renderer()
    wanted = [wrap_label(label_for(bank_study, d, lang)) for d in matrix["driver"]]
    texts = point_labels(ax, wanted)
    assert len(texts) == len(matrix)
    assert_apart(texts, renderer)
    assert_clear_of_points(texts, ax, matrix["performance"], matrix["importance"], renderer)
    assert_inside_figure(ax.figure, renderer)
    if lang == "zh":
        assert any(re.search(r"[\u4e00-\u9fff]", t.get_text()) for t in texts)


def test_bank_loan_crosstab_chart(bank_study):
    from drivers.relationship import relationship

    result = relationship(bank_study)
    ax = plots.crosstab_heatmap(result.crosstab, lang="zh")
    render(ax.figure)
    assert len(ax.texts) == 6
    assert_inside_figure(ax.figure, ax.figure.canvas.get_renderer())


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_saved_files_are_byte_identical(fmt):
    matrix, labels = build_matrix(LONG_LABELS[:8])
    files = []
    for _ in range(2):
        ax = plots.priority_matrix_plot(matrix, labels=dict(
            zip(labels, CHINESE_LABELS[:8], strict=True)), lang="zh")
        buffer = io.BytesIO()
        with use_house_style("zh"):
            ax.figure.savefig(buffer, format=fmt, metadata=save_metadata(fmt))
        files.append(buffer.getvalue())
        plt.close("all")
    assert files[0] == files[1]
