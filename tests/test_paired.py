"""The paired statistic of compare (drivers.paired) as the worker processes of its bootstrap
see it: lean to import, and the same numbers as in the parent process."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np

from drivers.bootstrap import _run_block, _timed_block, block_plan
from drivers.importance import bootstrap_statistic
from drivers.paired import PairedStatistic

#: Modules a worker of a Shapley bootstrap has no use for: each costs start-up CPU that
#: competes with the parent on two cores (pandas alone about 0.55 s).
HEAVY = ("pandas", "scipy.special", "scipy.stats", "sklearn", "statsmodels",
         "drivers.importance", "drivers.analysis", "drivers.priority")

# A warm worker (drivers.parallel._warm), then the tasks a bootstrap hands it, unpickled
# from standard input as loky's workers unpickle them.
WORKER = textwrap.dedent("""
    import pickle, sys
    heavy = {heavy!r}
    loaded = lambda: sorted(name for name in heavy if name in sys.modules)
    from drivers.parallel import _warm
    _warm()
    warm = loaded()
    tasks = pickle.load(sys.stdin.buffer)
    results = [function(*args, **options) for function, args, options in tasks]
    pickle.dump((warm, loaded(), results), sys.stdout.buffer)
""")


def _survey(n: int = 400, p: int = 5, seed: int = 4):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    X = latent[:, None] + rng.normal(size=(n, p))
    Y = np.column_stack([X @ np.linspace(1.0, 0.2, p), X[:, ::-1] @ np.linspace(1.0, 0.2, p)])
    Y += 2 * rng.normal(size=(n, 2))
    return X, Y, rng.uniform(0.5, 1.5, n)


def test_a_shapley_bootstrap_worker_imports_no_pandas_and_gets_the_parents_numbers():
    X, Y, w = _survey()
    gappy = X.copy()
    gappy[np.random.default_rng(5).random(X.shape) < 0.05] = np.nan  # pairwise blanks
    plan = block_plan(60, seed=3)  # blocks of 50 and 10
    tasks = []
    for missing, drivers, groups in (("listwise", X, None), ("pairwise", gappy, None),
                                     ("listwise", X, [[0, 1], [2, 3, 4]])):
        paired = PairedStatistic("shapley", groups, missing, None)
        for i, (block_seed, size) in enumerate(plan):  # as bootstrap_samples hands them out
            tasks.append((_timed_block if i == 0 else _run_block,
                          (paired, drivers, Y, w, block_seed, size), {"worker": True}))
    done = subprocess.run([sys.executable, "-c", WORKER.format(heavy=HEAVY)],
                          input=pickle.dumps(tasks), capture_output=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr.decode()
    warm, after, results = pickle.loads(done.stdout)
    assert warm == [], f"a warm worker imported {warm}"
    assert after == [], f"a worker running Shapley blocks imported {after}"
    here = [function(*args, **options) for function, args, options in tasks]
    for theirs, ours in zip(results, here, strict=True):
        theirs, ours = (block[0] if isinstance(block, tuple) else block for block in (theirs, ours))
        assert np.array_equal(theirs, ours)  # bit for bit: the seed, not the process, decides


def test_other_methods_make_their_statistic_in_the_worker_with_the_same_numbers():
    """Pickled without its per-outcome statistic (a Shapley worker never needs it), a
    statistic of another method builds it where it runs; the values are those of
    drivers.importance's statistic, outcome by outcome."""
    X, Y, w = _survey(n=200)
    for method in ("relative_weights", "beta", "shapley"):
        paired = PairedStatistic(method, None, "listwise", 1)
        first = paired(X, Y, w)
        copy = pickle.loads(pickle.dumps(paired))
        assert copy._statistic is None and copy._sums is None
        expected = np.concatenate([bootstrap_statistic(method, None, "listwise", 1)(X, y, w)
                                   for y in Y.T])
        np.testing.assert_allclose(copy(X, Y, w), expected, rtol=0, atol=1e-12)
        assert np.array_equal(copy(X, Y, w), first)
