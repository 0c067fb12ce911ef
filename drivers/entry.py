"""The ``drivers`` command as the shell starts it.

Loading the command line takes a second or two (pandas, matplotlib); Ctrl-C meanwhile ends
with the same one line and exit code as Ctrl-C during the work, never a traceback from the
middle of an import. ``python -m drivers`` and the installed ``drivers`` script both start
here.

>>> EXIT_INTERRUPTED, INTERRUPTED
(130, 'drivers: interrupted')
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: Exit code after Ctrl-C: the shell's 128 + signal number.
EXIT_INTERRUPTED = 128 + signal.SIGINT
#: The one line Ctrl-C leaves on standard error.
INTERRUPTED = "drivers: interrupted"


def main() -> int:
    """Load the command line and run it; returns the exit code."""
    early = False
    try:
        with _ctrl_c_held():
            early = _start_workers_early(sys.argv[1:])
            from drivers.cli import main as run
    except KeyboardInterrupt:
        if early:
            from drivers.parallel import stop_workers

            stop_workers()
        try:
            print(INTERRUPTED, file=sys.stderr, flush=True)
        except (OSError, ValueError):  # standard error itself may be closed
            pass
        return EXIT_INTERRUPTED
    return _leave(run())


def _leave(code: int) -> int:
    """End the process with ``code`` once the command is done, without tearing down the
    interpreter: freeing every module and object of pandas, numba and matplotlib one by one
    takes most of a second of CPU after the last output is written, and the process is about
    to end anyway. The standard streams are flushed and the exit handlers run first (joblib's
    removal of its temporary folders, the resource trackers); outputs were written and
    closed by the command. Returns ``code`` instead while a thread that Python would wait
    for is still running."""
    import atexit
    import os
    import threading

    if any(thread is not threading.main_thread() and not thread.daemon and thread.is_alive()
           for thread in threading.enumerate()):
        return code
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed, or a pipe the reader left
            pass
    atexit._run_exitfuncs()
    os._exit(code)


#: Commands whose worker processes start before the command line loads (see
#: :func:`_start_workers_early`), with the ``--bootstrap`` they default to.
EARLY_WORKERS = {"compare": 1000}


def _start_workers_early(argv: list[str]) -> bool:
    """Start the worker processes of a long bootstrap now, while the command line loads.

    ``drivers compare`` starts its workers as it begins (:func:`drivers.parallel.warm_workers`),
    but the command line takes 2-3 s of imports before it begins, during which one core
    waits; a worker's own start-up (about 1.1-1.3 s of CPU: numpy, numba and the kernel) fits
    there. Only for a plain reading of the options: the command, ``--bootstrap`` of at least
    :data:`drivers.parallel.WARM_FROM`, ``--jobs`` other than 1, no ``--scheduler`` and no
    help. Anything else waits for the parsed options (a wrong guess only costs idle
    workers, which the command stops when it ends). Returns whether workers were started.

    >>> _start_workers_early(["compare", "study.yaml", "--jobs", "1"])
    False
    >>> _start_workers_early(["metrics", "study.yaml"])
    False
    """
    if not argv or argv[0] not in EARLY_WORKERS:
        return False
    options = {"--bootstrap": str(EARLY_WORKERS[argv[0]]), "--jobs": None}
    for i, word in enumerate(argv[1:], start=1):
        name, equals, value = word.partition("=")
        if name in ("-h", "--help", "--scheduler"):
            return False
        if name in options:
            options[name] = value if equals else (argv[i + 1] if i + 1 < len(argv) else "")
    try:
        bootstrap = int(options["--bootstrap"])
        jobs = None if options["--jobs"] is None else int(options["--jobs"])
    except ValueError:
        return False
    from drivers.parallel import WARM_FROM, quiet_resource_tracker, warm_workers, worker_processes

    try:
        if bootstrap < WARM_FROM or worker_processes(jobs) <= 1:
            return False
    except ValueError:  # not a number of processes: the command line says so
        return False
    quiet_resource_tracker()  # before any worker, as the command line does (drivers.cli)
    return warm_workers(jobs) is not None


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C back while the command line loads, and deliver it on the way out.

    Raised inside the import machinery, a KeyboardInterrupt can land in a callback whose
    exceptions Python only reports ("Exception ignored ...") and the command then runs on;
    held back, it arrives here, where it is caught. Where signals cannot be blocked
    (Windows), the import runs as it is.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
