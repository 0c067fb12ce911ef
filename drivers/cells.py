"""Many analyses at once: cells run in parallel on this machine's cores or on a Dask cluster.

A *cell* is one unit of work: one analysis (importance of both levels, a CSAT-NPS
comparison, a priority matrix) of one outcome (or pair of outcomes) on one subset of a study
(a segment, a wave, or both), with its bootstrap. Cells are independent, so they run in
worker processes through joblib, and through joblib's Dask backend on a cluster. Each cell
carries its seed: the numbers do not depend on where, in which order or in how many
processes the cells run. Inside a cell the bootstrap and every nested step keep to one
process and one thread (:mod:`drivers.parallel`), so the busy threads match the cores.

Examples
--------
>>> import drivers
>>> study = drivers.load_study(drivers.bank_loan_study_file())
>>> cells = segment_cells(study, "priority", ["csat", "nps"], by="product", level="dimension")
>>> [(cell.outcome, cell.where) for cell in cells][:2]
[('csat', (('product', 'credit_only'),)), ('csat', (('product', 'pledged'),))]
>>> matrices = run_cells(cells, n_jobs=1)
>>> matrices[0][["driver", "quadrant"]].shape
(4, 2)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from drivers.parallel import in_worker, worker_processes

#: The analyses a cell can run: name -> (module, function). Each takes the study and the
#: outcome (a pair for ``compare``) first.
ANALYSES = {"importance": ("drivers.analysis", "study_importance"),
            "compare": ("drivers.analysis", "compare"),
            "priority": ("drivers.priority", "study_priority"),
            "priorities": ("drivers.priority", "joint_priority")}


@dataclass(frozen=True, eq=False)
class Cell:
    """One analysis of one outcome on one subset of a study.

    Attributes
    ----------
    study : Study
        The whole study; the cell keeps the rows matching :attr:`where` (chosen in the
        process that runs the cell, so a cluster receives the study once, not per cell).
    analysis : str
        A key of :data:`ANALYSES`: ``importance`` (:func:`drivers.analysis.study_importance`),
        ``compare`` (:func:`drivers.analysis.compare`), ``priority``
        (:func:`drivers.priority.study_priority`) or ``priorities`` (the matrices of several
        outcomes from one joint bootstrap, :func:`drivers.priority.joint_priority`).
    outcome : str or tuple of str
        The outcome (``compare``: the two outcomes; ``priorities``: the outcomes).
    where : tuple of (column, value)
        The rows analysed: those whose columns hold these values (a segment, a wave, both);
        empty for every row.
    options : mapping
        Keyword arguments of the analysis (``method``, ``level``, ``bootstrap``, ``seed``...);
        ``n_jobs`` is set by the runner.
    """

    study: Any
    analysis: str
    outcome: str | tuple[str, str]
    where: tuple[tuple[str, Any], ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.analysis not in ANALYSES:
            raise ValueError(f"analysis must be one of {', '.join(ANALYSES)}, got "
                             f"{self.analysis!r}")
        object.__setattr__(self, "where", tuple((str(c), v) for c, v in self.where))
        object.__setattr__(self, "options", dict(self.options))
        absent = [c for c, _ in self.where if c not in self.study.data.columns]
        if absent:
            raise ValueError(f"cell subset names {', '.join(absent)}, not columns of the study "
                             "data")

    def rows(self) -> np.ndarray:
        """Which rows of the study the cell analyses (boolean)."""
        mask = np.ones(len(self.study.data), dtype=bool)
        for column, value in self.where:
            mask &= (self.study.data[column] == value).to_numpy()
        return mask

    def run(self, n_jobs: int = 1):
        """The analysis on the cell's rows (``n_jobs``: its bootstrap's processes)."""
        from importlib import import_module

        from drivers.priority import subset_study

        module, name = ANALYSES[self.analysis]
        analysis = getattr(import_module(module), name)
        study = subset_study(self.study, self.rows()) if self.where else self.study
        outcome = self.outcome
        if self.analysis == "compare":
            return analysis(study, outcomes=tuple(outcome), n_jobs=n_jobs, **self.options)
        return analysis(study, outcome, n_jobs=n_jobs, **self.options)


def segment_cells(study, analysis: str, outcomes: Sequence, by: str | Sequence[str] | None = None,
                  wave: bool = False, min_n: int = 30, **options) -> list[Cell]:
    """The grid of cells: every outcome x every level of the ``by`` columns (x every wave).

    Parameters
    ----------
    study : Study
        The survey.
    analysis : str
        A key of :data:`ANALYSES`.
    outcomes : sequence
        Outcome names (``compare``: pairs of outcome names).
    by : str or list of str, optional
        Segment columns; each level of each column is a cell (columns are not crossed with
        each other). None: the whole study.
    wave : bool
        Also split every cell by the study's wave.
    min_n : int
        Cells with fewer respondents are left out (as ``study_priority`` leaves out small
        segments).
    **options
        Keyword arguments of the analysis, the same for every cell (``seed`` included, so
        each cell's numbers are those of the analysis run on its own).

    Returns
    -------
    list of Cell
        Outcome by outcome, then segment columns, levels in natural order (W2 before W10),
        then waves.
    """
    from drivers.metrics import natural_levels

    columns = [by] if isinstance(by, str) else list(by or [])
    if wave and not study.wave_column:
        raise ValueError("wave=True needs a study with a wave column")
    subsets: list[tuple] = [()] if not columns else [
        ((column, level),) for column in columns
        for level in natural_levels(study.data[column])]
    if wave:
        waves = natural_levels(study.data[study.wave_column])
        subsets = [(*subset, (study.wave_column, w)) for subset in subsets for w in waves]
    cells = []
    for outcome in outcomes:
        for subset in subsets:
            cell = Cell(study, analysis, outcome, subset, options)
            if not subset or cell.rows().sum() >= min_n:
                cells.append(cell)
    return cells


def run_cells(cells: Sequence[Cell], n_jobs: int | None = None,
              scheduler: str | Any | None = None) -> list:
    """Run cells in parallel and return their results in the order of ``cells``.

    Parameters
    ----------
    cells : sequence of Cell
        From :func:`segment_cells`, or built by hand (any mix of studies and analyses).
    n_jobs : int, optional
        Local worker processes (None or -1: every core; 1: one after another in this
        process). With a single cell its bootstrap gets the processes instead.
    scheduler : str or distributed.Client, optional
        A Dask distributed scheduler (``"tcp://host:8786"``) or client: the cells run on its
        workers (``n_jobs`` is then ignored), each study shipped to them once.

    Returns
    -------
    list
        One result per cell (the analysis's table).

    Notes
    -----
    Each cell runs with one bootstrap process and single-threaded nested steps
    (:func:`drivers.parallel.in_worker`), so ``n_jobs`` cells keep ``n_jobs`` cores busy.
    A result does not depend on ``n_jobs`` or the scheduler: each cell draws its resamples
    from its own seed (the ``seed`` option), in fixed blocks.
    """
    cells = list(cells)
    if not cells:
        return []
    if scheduler is not None:
        with dask_cluster(scheduler, scatter=_studies(cells)):
            return _parallel(cells, -1)
    processes = worker_processes(n_jobs)
    if len(cells) == 1:
        return [cells[0].run(n_jobs=processes)]
    if processes == 1:
        return [cell.run(n_jobs=1) for cell in cells]
    return _parallel(cells, processes)


def _parallel(cells: list[Cell], n_jobs: int) -> list:
    from joblib import Parallel, delayed

    # The study goes as an argument of its own: the Dask backend sends arguments listed in
    # ``scatter`` once and passes a reference with every task.
    return Parallel(n_jobs=n_jobs)(
        delayed(_run_in_worker)(cell.study, cell.analysis, cell.outcome, cell.where,
                                cell.options) for cell in cells)


def _run_in_worker(study, analysis: str, outcome, where: tuple, options: dict):
    with in_worker():
        return Cell(study, analysis, outcome, where, options).run(n_jobs=1)


def _studies(cells: list[Cell]) -> list:
    """The distinct studies of the cells (by identity), to ship to a cluster once each."""
    return list({id(cell.study): cell.study for cell in cells}.values())


@contextmanager
def dask_cluster(scheduler: str | Any, scatter: Sequence | None = None) -> Iterator[Any]:
    """Run joblib work (cells, bootstrap blocks) on a Dask distributed cluster.

    ``scheduler`` is the scheduler's address or a ``distributed.Client``; ``scatter`` lists
    large objects (studies) sent to the workers once rather than with every task. Needs
    the ``dask`` extra (``pip install "drivers[dask]"``).

    Yields the client.
    """
    try:
        from distributed import Client
    except ImportError as error:  # pragma: no cover - the dev extra installs it
        raise ValueError("a Dask scheduler needs the dask extra: pip install "
                         "'drivers[dask]'") from error
    from joblib import parallel_config

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        with parallel_config(backend="dask", client=client, scatter=list(scatter or [])):
            yield client
    finally:
        if client is not scheduler:
            client.close()

