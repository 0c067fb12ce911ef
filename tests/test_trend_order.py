"""The trend chart orders waves as the package does everywhere (drivers.metrics.natural_levels)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from drivers.plots import trend_plot  # noqa: E402


def _ticks(table: pd.DataFrame) -> list[str]:
    ax = trend_plot(table, wave="wave")
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    plt.close(ax.figure)
    return ticks


def test_waves_in_natural_order_not_text_order():
    table = pd.DataFrame({"outcome": "csat", "wave": ["W10", "W2", "W9"],
                          "score": [70.0, 60.0, 65.0]})
    assert _ticks(table) == ["W2", "W9", "W10"]


def test_labelled_waves_keep_their_category_order():
    # Chinese quarter labels sort as text 一, 三, 二; the category says 一, 二, 三.
    labels = ["2026年第一季度", "2026年第二季度", "2026年第三季度"]
    table = pd.DataFrame({"outcome": "csat", "score": [70.1, 68.1, 65.6],
                          "wave": pd.Categorical(labels, categories=labels)})
    assert _ticks(table) == labels
    # The plotted points follow the ticks: the first wave's score at x = 0.
    ax = trend_plot(table.iloc[::-1], wave="wave")
    line = ax.get_lines()[0]
    assert list(line.get_ydata()[:3]) == [70.1, 68.1, 65.6]
    plt.close(ax.figure)
