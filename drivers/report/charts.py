"""The report's charts as objects: drawn once, written as SVG (the PDF) or PNG (the deck).

A :class:`Chart` knows how to draw itself (a function of its axes) and at which size. Its
width is the text width of the page (:data:`TEXT_WIDTH` inches), so the PDF places it at its
natural size and every chart font prints at the size the house style gives it (7.5 pt and
more); nothing is scaled down on the page.

SVG keeps text as text (``svg.fonttype = "none"``): Typst embeds it with the same fonts as the
page, so chart labels, Chinese included, are selectable and searchable in the PDF.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

#: Width of the text block of the A4 page (210 mm less two 20 mm margins), in inches.
TEXT_WIDTH = 170 / 25.4
#: Redrawings of a chart that grew while drawn, each shorter by what it grew (see
#: :meth:`Chart.figure`).
FIT_PASSES = 3


@dataclass
class Chart:
    """One figure of the report.

    Attributes
    ----------
    key : str
        A stable name (the figure's file name in the build folder, the deck's picture).
    draw : callable
        ``draw(ax)`` (or ``draw(axes)`` for ``ncols > 1``, ``draw(fig)`` for ``kind="figure"``)
        draws the chart with :mod:`drivers.plots`.
    height : float
        Height in inches (the width is :data:`TEXT_WIDTH`).
    lang : str
        Language of the house style (fonts).
    ncols : int
        Panels side by side.
    kind : {"axes", "figure"}
        Whether ``draw`` gets axes or the whole figure.
    """

    key: str
    draw: Callable
    height: float
    lang: str = "en"
    ncols: int = 1
    kind: str = "axes"
    #: Bytes already rendered, by (format, dpi): see :func:`render_charts`.
    rendered: dict = field(default_factory=dict, repr=False, compare=False)

    def figure(self):
        """The drawn matplotlib figure (close it with ``plt.close``), :attr:`height` tall.

        A chart that grows while it is drawn (a priority matrix adds its numbered key of
        labels under the axes) is drawn once more with its axes shorter by what it grew,
        so the page keeps the room it planned (the matrix and its action list on one page).
        """
        import matplotlib.pyplot as plt

        drawn_at = self.height
        fig = self._drawn(drawn_at)
        for _ in range(FIT_PASSES):  # a shorter chart may key one more label: try again
            grown = fig.get_size_inches()[1] - self.height
            if grown <= 0.01:
                break
            plt.close(fig)
            drawn_at = max(drawn_at - grown, self.height / 2)
            fig = self._drawn(drawn_at)
        return fig

    def _drawn(self, height: float):
        import matplotlib.pyplot as plt

        from drivers.style import use_house_style

        with use_house_style(self.lang):
            if self.kind == "figure":
                fig = plt.figure(figsize=(TEXT_WIDTH, height), layout="constrained")
                self.draw(fig)
                fig.set_layout_engine("none")
            else:
                fig, ax = plt.subplots(1, self.ncols, figsize=(TEXT_WIDTH, height),
                                       layout="constrained")
                self.draw(ax)
                # Keep the layout the labels were placed in (the charts lay the figure out
                # before placing labels): another pass would move the axes under them.
                fig.set_layout_engine("none")
            tidy_legends(fig)
        return fig

    def render(self, fmt: str, dpi: int = 200) -> bytes:
        """The chart as ``svg`` (text kept as text) or ``png`` bytes, reproducibly (from
        :attr:`rendered` when :func:`render_charts` made it already)."""
        if (fmt, dpi) not in self.rendered:
            self.rendered.update(self.render_formats([(fmt, dpi)]))
        return self.rendered[fmt, dpi]

    def render_formats(self, formats: Sequence[tuple[str, int]]) -> dict:
        """Draw the chart once (layout and label placement included) and save it in each of
        ``formats`` (``(format, dpi)`` pairs); returns ``{(format, dpi): bytes}``."""
        import matplotlib.pyplot as plt

        from drivers.style import save_metadata, use_house_style

        fig = self.figure()
        try:
            out = {}
            for fmt, dpi in formats:
                buffer = io.BytesIO()
                with use_house_style(self.lang):
                    rc = {"svg.fonttype": "none"} if fmt == "svg" else {}
                    with plt.rc_context(rc):
                        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=save_metadata(fmt))
                out[fmt, dpi] = buffer.getvalue()
            return out
        finally:
            plt.close(fig)


#: Charts drawn in worker processes only from this many on: a worker's first chart pays for
#: importing matplotlib and the house fonts (about a second).
PARALLEL_FROM = 6


def render_charts(charts: Sequence[Chart], formats: Mapping[str, Sequence[tuple[str, int]]],
                  n_jobs: int | None = None) -> None:
    """Render every chart in the formats it is needed in, each drawn once, on every core.

    A report draws some 30 charts; laying one out and placing its labels costs about a
    second and is the same for every format, so a chart shown in the PDF (SVG) and in the
    deck (PNG) is drawn once and saved twice. The charts are independent, so they are spread
    over worker processes (:func:`drivers.parallel.worker_processes`); the bytes do not depend
    on which process drew them. Results go to each chart's :attr:`Chart.rendered`.

    Parameters
    ----------
    charts : sequence of Chart
    formats : mapping
        Chart key to its ``(format, dpi)`` pairs; a chart without an entry is left alone.
    n_jobs : int, optional
        Processes (None: every core).

    >>> chart = Chart("demo", lambda ax: ax.plot([0, 1], [0, 1]), height=1.0)
    >>> render_charts([chart], {"demo": [("svg", 200), ("png", 72)]}, n_jobs=1)
    >>> sorted(chart.rendered), chart.render("png", 72)[:4]
    ([('png', 72), ('svg', 200)], b'\x89PNG')
    """
    from drivers.parallel import worker_processes

    todo = [(chart, [f for f in formats.get(chart.key, ()) if f not in chart.rendered])
            for chart in charts]
    todo = [(chart, wanted) for chart, wanted in todo if wanted]
    processes = worker_processes(n_jobs)
    if processes > 1 and len(todo) >= PARALLEL_FROM:
        from joblib import Parallel, delayed

        # The tallest first: height goes with the labels a chart places, the costly part
        # (a segment matrix about 2 s, a small bar chart 0.2 s), so no process is left with
        # a long chart at the end while the others wait.
        order = sorted(range(len(todo)), key=lambda i: -todo[i][0].height)
        drawn = Parallel(n_jobs=processes)(
            delayed(_render_in_worker)(*todo[i]) for i in order)
        done = [None] * len(todo)
        for i, rendered in zip(order, drawn, strict=True):
            done[i] = rendered
    else:
        done = [chart.render_formats(wanted) for chart, wanted in todo]
    for (chart, _), rendered in zip(todo, done, strict=True):
        chart.rendered.update(rendered)


def _render_in_worker(chart: Chart, formats) -> dict:
    from drivers.parallel import in_worker

    with in_worker():
        return chart.render_formats(formats)


def tidy_legends(fig) -> None:
    """Move legends anchored under the axes just below the axis title and tick labels.

    Anchored at a fixed fraction of the axes height, they run into the x-axis title on the
    short axes a report page gives a chart.
    """
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        anchor = legend.get_bbox_to_anchor()
        box = ax.transAxes.inverted().transform(anchor.get_points())
        if box[1][1] >= 0:  # not under the axes
            continue
        axis = ax.xaxis.get_tightbbox(renderer)
        if axis is None:
            continue
        bottom = ax.transAxes.inverted().transform((0, axis.y0))[1]
        gap = 4 / ax.get_window_extent(renderer).height  # 4 px
        if box[1][1] > bottom - gap:
            legend.set_bbox_to_anchor((0.5, bottom - gap), transform=ax.transAxes)
