"""Workers started ahead (drivers.parallel.warm_workers): Ctrl-C stays with the parent."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc (Linux)")


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})


def test_warm_workers_ignore_ctrl_c_and_the_parent_keeps_it():
    result = _run("""
        import os, signal, threading, time
        from drivers.parallel import warm_workers
        assert warm_workers(1) is None
        thread = warm_workers(2)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        thread.join()
        kids = [p for p in os.listdir('/proc') if p.isdigit()
                and open(f'/proc/{p}/stat').read().split()[3] == str(os.getpid())
                and 'loky' in open(f'/proc/{p}/cmdline').read()]
        ignored = [int(next(line for line in open(f'/proc/{k}/status')
                            if line.startswith('SigIgn')).split()[1], 16) >> 1 & 1
                   for k in kids]
        print(len(kids), ignored)
    """)
    assert result.returncode == 0, result.stderr
    count, ignored = result.stdout.split(maxsplit=1)
    assert int(count) >= 2 and ignored.strip() == str([1] * int(count))


def test_warm_workers_take_every_block_and_the_numbers_do_not_change():
    # Once a command has started its workers, the first block no longer runs (and is timed)
    # here while they wait: every block goes to them, each drawn from its own seed.
    result = _run("""
        import os
        import numpy as np
        from drivers.bootstrap import bootstrap_samples
        from drivers.parallel import warm_workers

        def statistic(X, y, w):
            return np.array([np.average(y, weights=w), os.getpid()])

        rng = np.random.default_rng(5)
        X, y = rng.normal(size=(300, 2)), rng.normal(size=300)
        alone = bootstrap_samples(statistic, X, y, None, 200, seed=3, n_jobs=1)
        warm_workers(2).join()
        shared = bootstrap_samples(statistic, X, y, None, 200, seed=3, n_jobs=2)
        assert np.array_equal(alone[:, 0], shared[:, 0])
        assert set(alone[:, 1]) == {os.getpid()}
        print(os.getpid() in set(shared[:, 1]))
    """)
    assert result.returncode == 0, result.stderr
    # Which worker takes which block is up to the scheduler; that none ran here is not.
    assert result.stdout.split() == ["False"]


def test_estimate_from_the_first_block_of_warm_workers():
    # The estimate a command prints comes from the bootstrap's own first block; from warm
    # workers that block comes back with its duration, and the numbers are not touched.
    result = _run("""
        import numpy as np
        from drivers.bootstrap import bootstrap_samples, estimate_to
        from drivers.parallel import warm_workers

        def statistic(X, y, w):
            return np.array([np.average(y, weights=w)])

        rng = np.random.default_rng(5)
        X, y = rng.normal(size=(300, 2)), rng.normal(size=300)
        alone = bootstrap_samples(statistic, X, y, None, 200, seed=3, n_jobs=1)
        warm_workers(2).join()
        said = []
        with estimate_to(said.append):
            shared = bootstrap_samples(statistic, X, y, None, 200, seed=3, n_jobs=2)
            again = bootstrap_samples(statistic, X, y, None, 200, seed=3, n_jobs=2)
        assert np.array_equal(alone, shared) and np.array_equal(alone, again)
        print(len(said), all(seconds > 0 for seconds in said))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "True"]


@pytest.mark.parametrize(("argv", "started"), [
    (["compare", "study.yaml"], [None]),
    (["compare", "study.yaml", "--bootstrap=500", "--jobs", "2"], [2]),
    (["compare", "study.yaml", "--bootstrap", "100"], []),
    (["compare", "study.yaml", "--jobs=1"], []),
    (["compare", "study.yaml", "--scheduler", "tcp://host:8786"], []),
    (["compare", "--help"], []),
    (["compare", "study.yaml", "--bootstrap", "many"], []),
    (["compare", "study.yaml", "--bootstrap"], []),
    (["importance", "data.csv", "--outcome", "csat"], []),
])
def test_compare_starts_its_workers_before_the_command_line_loads(monkeypatch, argv, started):
    # drivers.entry starts the workers of a long compare bootstrap while the command line
    # imports, from a plain reading of the options; anything unclear waits for argparse.
    import drivers.entry
    import drivers.parallel

    calls = []
    monkeypatch.setattr(drivers.parallel, "cores", lambda: 2)
    monkeypatch.setattr(drivers.parallel, "quiet_resource_tracker", lambda: calls.append("quiet"))
    monkeypatch.setattr(drivers.parallel, "warm_workers", lambda jobs: calls.append(jobs) or 1)
    assert drivers.entry._start_workers_early(argv) is bool(started)
    assert calls == (["quiet", *started] if started else [])
