"""Charts of driver analysis: priority matrix, rankings, CSAT vs NPS, NPS mix, trends.

Every function takes an optional ``ax`` (or ``axes``), draws in the house style of
:mod:`drivers.style` and returns the axes. Charts stay readable in black-and-white print:
dimensions differ by marker and hatch as well as colour, and quadrants are named, not only
tinted. Point labels are placed by :func:`drivers.plots.labels.place_labels`, a deterministic
placement that measures every label with the renderer and never lets a label be crossed by a
cross-hair, a whisker, a marker or another label, nor sit nearer another point than its own.

One module per kind of chart:

- :mod:`~drivers.plots.matrix`: priority matrices (one, a CSAT/NPS pair, by segment) and the
  movement of drivers between waves;
- :mod:`~drivers.plots.ranking`: importance bars, one outcome or two side by side;
- :mod:`~drivers.plots.compare`: CSAT against NPS importance;
- :mod:`~drivers.plots.composition`: NPS composition;
- :mod:`~drivers.plots.trend`: outcome scores by wave;
- :mod:`~drivers.plots.relation`: the CSAT x NPS cross-tab and divergent-group profiles;
- :mod:`~drivers.plots.penalty`: penalty and reward;
- :mod:`~drivers.plots.labels`: label placement; :mod:`~drivers.plots.common`: shared helpers.

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

from drivers.plots.common import MARKER_SIZE, NPS_COLUMNS, percent_formatter
from drivers.plots.compare import importance_scatter
from drivers.plots.composition import nps_composition_plot
from drivers.plots.labels import (
    LEADER_FROM,
    PAD_PX,
    draw_label_key,
    label_collisions,
    place_labels,
    wrap_alternatives,
)
from drivers.plots.matrix import (
    matrix_limits,
    priority_matrix_pair,
    priority_matrix_plot,
    segment_priority_plot,
    wave_movement_plot,
)
from drivers.plots.penalty import KANO_NAMES, penalty_reward_plot
from drivers.plots.ranking import ranking_pair_plot, ranking_plot
from drivers.plots.relation import crosstab_heatmap, divergent_profile_plot
from drivers.plots.trend import trend_plot

__all__ = [
    "KANO_NAMES", "LEADER_FROM", "MARKER_SIZE", "NPS_COLUMNS", "PAD_PX", "crosstab_heatmap",
    "divergent_profile_plot", "draw_label_key", "importance_scatter", "label_collisions",
    "matrix_limits", "nps_composition_plot", "penalty_reward_plot", "percent_formatter",
    "place_labels", "priority_matrix_pair", "priority_matrix_plot", "ranking_pair_plot",
    "ranking_plot", "segment_priority_plot", "trend_plot", "divergent_profile_plot",
    "wave_movement_plot", "wrap_alternatives",
]
