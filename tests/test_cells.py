"""Cells in parallel: the same numbers in one process, in local workers and on a Dask cluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import drivers
import drivers.bootstrap
from drivers.analysis import driver_base
from drivers.bootstrap import BLOCK, bootstrap_samples
from drivers.cells import Cell, dask_cluster, run_cells, segment_cells
from drivers.priority import study_priority, subset_study


@pytest.fixture(scope="module")
def study():
    return drivers.load_study(drivers.bank_loan_study_file())


def bank_cells(study):
    """Four small cells with their bootstrap: CSAT and NPS dimension matrices by product."""
    return segment_cells(study, "priority", ["csat", "nps"], by="product", level="dimension",
                         bootstrap=30, seed=7, noise_draws=0)


def assert_same_tables(first: list[pd.DataFrame], second: list[pd.DataFrame]) -> None:
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_a_cell_is_the_analysis_of_its_rows(study):
    cell = Cell(study, "priority", "nps", (("product", "pledged"),), {"level": "dimension"})
    rows = (study.data["product"] == "pledged").to_numpy()
    expected = study_priority(subset_study(study, rows), "nps", level="dimension")
    pd.testing.assert_frame_equal(cell.run(), expected)
    assert cell.rows().sum() == rows.sum() > 0


def test_segment_cells_span_outcomes_segments_and_waves(study):
    cells = segment_cells(study, "importance", ["csat"], by=["product", "region"], wave=True)
    subsets = [cell.where for cell in cells]
    assert len(cells) == (2 + 4) * study.data["wave"].nunique()
    assert subsets[0] == (("product", "credit_only"), ("wave", "2026Q1"))
    pairs = segment_cells(study, "compare", [("csat", "nps")], by="product", min_n=10**6)
    assert pairs == []  # every segment below min_n is left out
    with pytest.raises(ValueError, match="analysis must be one of"):
        Cell(study, "regression", "csat")
    with pytest.raises(ValueError, match="not columns"):
        Cell(study, "priority", "csat", (("branch", "x"),))


def test_cells_give_the_same_numbers_in_one_or_two_processes(study):
    cells = bank_cells(study)
    assert_same_tables(run_cells(cells, n_jobs=1), run_cells(cells, n_jobs=2))


def test_segment_matrices_are_cells_run_in_parallel(study):
    one = study_priority(study, "csat", level="dimension", by="region", bootstrap=20, seed=3,
                         noise_draws=0, n_jobs=1)
    two = study_priority(study, "csat", level="dimension", by="region", bootstrap=20, seed=3,
                         noise_draws=0, n_jobs=2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    east = one[one["segment"] == "east"].drop(columns="segment").reset_index(drop=True)
    base, _ = driver_base(study)  # segments are cut from the driver base
    alone = study_priority(subset_study(base, (base.data["region"] == "east").to_numpy()),
                           "csat", level="dimension", bootstrap=20, seed=3, noise_draws=0,
                           base="all", missing=one.attrs["base"]["missing"])
    pd.testing.assert_frame_equal(east, alone, check_exact=True)


def resample_mean(X, y, w):
    from drivers.parallel import inner_threads

    return np.array([np.average(y, weights=w), inner_threads()])


def test_cells_on_a_dask_cluster_equal_the_local_run(study, monkeypatch):
    distributed = pytest.importorskip("distributed")
    cells = bank_cells(study)
    local = run_cells(cells, n_jobs=1)
    y = np.random.default_rng(2).normal(size=120)
    alone = bootstrap_samples(resample_mean, y[:, None], y, None, n_resamples=130, seed=4)
    monkeypatch.setattr(drivers.bootstrap, "PROCESS_WORTH_SECONDS", -1.0)  # blocks go out
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = run_cells(cells, scheduler=cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            with distributed.get_task_stream(client) as stream:
                again = run_cells(cells[:2], scheduler=client)
            assert len(stream.data) >= 2  # the cells ran on the cluster's workers
            with dask_cluster(client), distributed.get_task_stream(client) as stream:
                spread = bootstrap_samples(resample_mean, y[:, None], y, None,
                                           n_resamples=130, seed=4, n_jobs=None)
            assert len(stream.data) >= 2  # bootstrap blocks 2 and 3 ran on the workers
    np.testing.assert_array_equal(alone[:, 0], spread[:, 0])
    assert (spread[BLOCK:, 1] == 1).all()  # one thread for nested steps on a worker
    assert_same_tables(local, remote)
    assert_same_tables(local[:2], again)


def test_jobs_on_the_command_line_give_the_same_table(monkeypatch, capsys):
    from drivers.cli import main

    monkeypatch.setattr(drivers.bootstrap, "PROCESS_WORTH_SECONDS", -1.0)  # workers start
    survey = drivers.bank_loan_study_file().parent / "survey.csv"
    argv = ["importance", str(survey), "--outcome", "csat", "--drivers",
            "bx_promise_limit,px_app_usability,sx_agent_expertise", "--missing-codes", "98,99",
            "--bootstrap", "120", "--seed", "5"]
    tables = []
    for jobs in ("1", "2"):
        assert main([*argv, "--jobs", jobs]) == 0
        tables.append(capsys.readouterr().out)
    assert tables[0] == tables[1] and "ci_low" in tables[0]
    assert main([*argv, "--jobs", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "expected a number of processes" in err[0]
