"""Nested parallelism: one level at a time, so busy threads match the cores."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.importance import FOREST, forest_importance
from drivers.parallel import cores, in_worker, inner_threads, worker_processes


def test_workers_start_no_processes_or_threads_of_their_own():
    assert worker_processes(1) == 1
    assert worker_processes(64) == cores()  # more processes than cores only queue
    assert inner_threads() == cores()
    with in_worker():
        assert (worker_processes(2), worker_processes(None), inner_threads()) == (1, 1, 1)
    assert inner_threads() == cores()
    with pytest.raises(ValueError, match="positive whole number"):
        worker_processes(0)


def test_the_forest_grows_on_one_thread_inside_a_worker(monkeypatch):
    # The forest asked for two threads inside every bootstrap worker (issue 9).
    import sklearn.ensemble

    asked = []

    class Recording(sklearn.ensemble.RandomForestRegressor):
        def __init__(self, **options):
            asked.append(options["n_jobs"])
            super().__init__(**options)

    monkeypatch.setattr(sklearn.ensemble, "RandomForestRegressor", Recording)
    monkeypatch.setitem(FOREST, "n_estimators", 4)  # the thread count is what is checked
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = X[:, 0] + rng.normal(size=60)
    forest_importance(X, y, seed=1)
    assert set(asked) == {cores()}
    asked.clear()
    with in_worker():
        forest_importance(X, y, seed=1)
    assert set(asked) == {1}


def test_forest_bootstrap_from_the_command_line(monkeypatch, capsys, tmp_path):
    # `drivers importance --method random_forest --bootstrap N` was reported to stop with
    # "KeyError: 'driver'". (Worker processes import the module afresh, so the small
    # forest below holds in this process only: the bootstrap runs here.)
    import drivers
    from drivers.cli import main

    monkeypatch.setitem(FOREST, "n_estimators", 4)
    survey = drivers.bank_loan_study_file().parent / "survey.csv"
    small = tmp_path / "survey.csv"
    small.write_text("".join(survey.read_text().splitlines(keepends=True)[:151]))
    code = main(["importance", str(small), "--outcome", "csat", "--drivers",
                 "bx_promise_limit,bx_promise_rate,px_app_usability", "--method",
                 "random_forest", "--missing-codes", "98,99", "--bootstrap", "20", "--seed", "2",
                 "--jobs", "1"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err and "internal error" not in err
    lines = out.strip().splitlines()
    assert lines[0].startswith("driver,importance,share,rank,std,ci_low,ci_high")
    assert len(lines) == 4
