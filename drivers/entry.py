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

#: Exit code after Ctrl-C: the shell's 128 + signal number.
EXIT_INTERRUPTED = 128 + signal.SIGINT
#: The one line Ctrl-C leaves on standard error.
INTERRUPTED = "drivers: interrupted"


def main() -> int:
    """Load the command line and run it; returns the exit code."""
    try:
        from drivers.cli import main as run
    except KeyboardInterrupt:
        try:
            print(INTERRUPTED, file=sys.stderr, flush=True)
        except (OSError, ValueError):  # standard error itself may be closed
            pass
        return EXIT_INTERRUPTED
    return run()
