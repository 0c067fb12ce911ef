"""How many processes and threads the package keeps busy: as many as there are cores, never more.

Work is parallel at one level at a time. Cells (:mod:`drivers.cells`) or bootstrap blocks
(:mod:`drivers.bootstrap`) run in worker processes; inside a worker every step that could
start threads of its own (the random forest, the Shapley sweep over many drivers) keeps to
one, and linear algebra keeps to one BLAS thread (:mod:`drivers.blas`). Without workers the
one process may use every core for those steps. On two cores, two bootstrap workers each
growing a forest on two threads kept four threads busy and took longer than two.

Examples
--------
>>> inner_threads() == cores()
True
>>> with in_worker():
...     inner_threads(), worker_processes(4)
(1, 1)
>>> worker_processes(1)
1
"""

from __future__ import annotations

import threading
from contextlib import contextmanager, suppress

_depth = [0]
_lock = threading.Lock()


def cores() -> int:
    """Cores this process may use: its CPU affinity and container quota (joblib's count)."""
    from joblib import cpu_count

    return max(1, int(cpu_count()))


@contextmanager
def in_worker():
    """Mark the enclosed work as running inside a worker (of a process pool or a cluster):
    :func:`inner_threads` and :func:`worker_processes` then give 1."""
    with _lock:
        _depth[0] += 1
    try:
        yield
    finally:
        with _lock:
            _depth[0] -= 1


def inside_worker() -> bool:
    """True inside :func:`in_worker` (in this process)."""
    return _depth[0] > 0


def inner_threads() -> int:
    """Threads a step may start for itself (a forest's ``n_jobs``, the Shapley sweep): one
    inside a worker, where the other workers hold the other cores, every core otherwise."""
    return 1 if inside_worker() else cores()


def on_cluster() -> bool:
    """True when joblib work goes to a Dask cluster (``joblib.parallel_config(backend="dask")``,
    :func:`drivers.cells.dask_cluster`): its workers, not this machine's cores, bound it."""
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    return type(backend).__name__ == "DaskDistributedBackend"


def worker_processes(n_jobs: int | None) -> int:
    """Processes to start for ``n_jobs`` asked: at most the cores (more only queue for
    them), none inside a worker (1 = run here), every core for None or -1. On a Dask
    cluster (:func:`on_cluster`) ``n_jobs`` as asked, None meaning every worker (-1).

    >>> worker_processes(None) == worker_processes(-1) == cores()
    True
    """
    if inside_worker():
        return 1
    if on_cluster():
        return -1 if n_jobs is None else int(n_jobs)
    if n_jobs is None or n_jobs == -1:
        return cores()
    if int(n_jobs) != n_jobs or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive whole number (or -1 for every core), "
                         f"got {n_jobs!r}")
    return min(int(n_jobs), cores())



#: Resamples from which a command starts its worker processes ahead (:func:`warm_workers`):
#: a bootstrap this long on a survey of usual size is spread over processes.
WARM_FROM = 200


_warmed = [0]  # processes warm_workers started in this process (joblib keeps them)


def workers_warm(n_jobs: int | None) -> bool:
    """Whether :func:`warm_workers` has started the processes ``n_jobs`` would use, so that
    handing work to them costs no start-up.

    >>> workers_warm(1)
    False
    """
    processes = worker_processes(n_jobs)
    return 1 < processes <= _warmed[0] and not on_cluster()


def warm_workers(n_jobs: int | None) -> threading.Thread | None:
    """Start the worker processes now, in the background, so that the first parallel step
    finds them ready.

    A worker's first task pays for starting a Python process, importing what the bootstrap
    needs and loading the compiled Shapley kernel: about 1.1-1.3 s of CPU on this project's
    two-core machine (:func:`_warm`), during which the parent would wait. Started while the parent loads the study and computes the
    point estimates, the two overlap. joblib keeps the workers for the later steps (its
    reusable executor), so this is done once per command. Nothing is started inside a worker,
    on a Dask cluster or for one process.

    Returns the thread doing it (None when there is nothing to start).

    >>> warm_workers(1) is None
    True
    """
    processes = worker_processes(n_jobs)
    if processes <= 1 or on_cluster():
        return None
    _warmed[0] = max(_warmed[0], processes)
    import multiprocessing
    import signal
    import time

    def start() -> None:
        from joblib import Parallel, delayed

        try:
            Parallel(n_jobs=processes)(delayed(_warm)() for _ in range(processes))
        except BaseException:  # noqa: BLE001 - a head start only: a pool the command is
            pass  # stopping (Ctrl-C, SIGTERM) or that broke is started again when needed

    # Ctrl-C is for the parent, which then stops the pool: the workers are spawned with
    # SIGINT ignored (a new process keeps an ignored signal, and Python then installs no
    # KeyboardInterrupt), else a worker caught starting up prints a traceback of its own.
    # Only the main thread may change a handler; it is back as soon as the processes exist
    # (milliseconds), which is why commands call this as they start, before any long step.
    shield = threading.current_thread() is threading.main_thread()
    before = len(multiprocessing.active_children())
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if shield else None
    try:
        thread = threading.Thread(target=start, name="drivers-warm-workers", daemon=True)
        thread.start()
        deadline = time.monotonic() + 2.0
        while (shield and thread.is_alive() and time.monotonic() < deadline
               and len(multiprocessing.active_children()) < before + processes):
            time.sleep(0.002)
    finally:
        if shield:
            signal.signal(signal.SIGINT, previous)
    return thread


def stop_workers(reap: bool = False) -> None:
    """Stop the worker processes now, without letting them wind down, when a command ends:
    early (Ctrl-C, SIGTERM, an error), workers started ahead ignore Ctrl-C and, caught
    starting up, would otherwise hold the command's exit for several seconds while they
    load; done, idle workers would hold it for about a second while they tear down.
    ``reap`` waits the milliseconds it takes the killed processes to be collected, so that
    their CPU time counts in this process's (what ``time`` and benchmarks report).

    >>> stop_workers()  # no pool: nothing to do
    """
    import sys

    module = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(module, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=reap, kill_workers=True)
    _warmed[0] = 0  # the next bootstrap times its first block again before starting any


def quiet_resource_tracker() -> None:
    """Start the resource trackers now (joblib's and Python's), with their standard error on
    the null device.

    A tracker is a helper process that removes the workers' shared memory and semaphores
    when they are gone. It prints tracebacks of its own bookkeeping (a ``KeyError`` on a
    folder the workers had already removed) when a command's whole process group is stopped:
    Ctrl-C in a terminal, ``kill`` of the group, a CI job timing out. The command owes the
    user one line then, ``drivers: terminated``; the trackers still clean up, only their
    chatter is dropped. Both start with the parent's file descriptor 2, so descriptor 2
    points at the null device for the milliseconds they take to start, in the main thread,
    before the command starts any thread. Called by the command line only: a notebook keeps
    every message.

    >>> quiet_resource_tracker()  # once started, later calls leave it as it is
    """
    import os
    import sys
    from multiprocessing import resource_tracker as python_tracker

    from joblib.externals.loky.backend import resource_tracker as joblib_tracker

    def start() -> None:
        joblib_tracker.ensure_running()
        python_tracker.ensure_running()

    with suppress(OSError, ValueError, AttributeError):  # standard error may be closed
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no standard error at all: nothing to silence
        start()
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            start()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _warm() -> None:
    """What a worker needs before its first task: the blocks of a paired bootstrap
    (:func:`drivers.bootstrap._run_block` running :class:`drivers.paired.PairedStatistic`),
    with the compiled Shapley kernel and the BLAS limit they use.

    Nothing more: pandas, scipy.special and the analyses took about 0.6 s of CPU per worker
    (a third of its start-up), on cores the parent is using to load the command line and
    the study. A task that needs them (a report's cells, a method other than Shapley) imports
    them when it arrives.
    """
    import drivers.bootstrap  # noqa: F401  (the task: _run_block)
    import drivers.paired  # noqa: F401  (the statistic it runs)
    from drivers.blas import one_blas_thread
    from drivers.subset_sweep import compile_now

    compile_now()
    with one_blas_thread():  # finds the BLAS libraries once, as each block's limit needs
        pass
