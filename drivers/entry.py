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
    try:
        with _ctrl_c_held():
            from drivers.cli import main as run
    except KeyboardInterrupt:
        try:
            print(INTERRUPTED, file=sys.stderr, flush=True)
        except (OSError, ValueError):  # standard error itself may be closed
            pass
        return EXIT_INTERRUPTED
    return run()


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
