"""How many threads linear algebra (BLAS) may start inside the package: one.

numpy and scipy hand matrix products and solves to a BLAS (OpenBLAS in their wheels) that
starts one thread per core. A driver model's matrices are small (tens of columns): waking
the threads costs more than the arithmetic. One least squares on 2,000 x 13 took 272-306 ms
on two busy cores against 0.35 ms on one thread, and inside bootstrap worker processes the
threads of every worker fight over the same cores. The largest product in the package, the
moments of a million respondents by twenty-odd columns (about 1e9 flops), takes a few
hundredths of a second on one thread, so no problem here is large enough for more.

Every numeric entry point (importance, compare, diagnostics, dominance, the NPS outcome
models, each bootstrap block) runs under :func:`one_blas_thread`; the caller's setting
comes back on return.

Examples
--------
>>> import numpy as np
>>> with one_blas_thread():
...     product = np.ones((3, 4)) @ np.ones((4, 2))
>>> product.tolist()
[[4.0, 4.0], [4.0, 4.0], [4.0, 4.0]]
>>> @one_blas_thread()
... def small_solve(a, b):
...     return np.linalg.solve(a, b)
>>> small_solve(np.eye(2), np.ones(2)).tolist()
[1.0, 1.0]
"""

from __future__ import annotations

from contextlib import ContextDecorator

_controllers: list = []


def _controller():
    """One threadpoolctl controller for the process: finding the libraries costs about 3 ms,
    limiting through a kept controller about 0.04 ms."""
    if not _controllers:
        import numpy  # noqa: F401  (both BLAS libraries loaded before they are listed)
        import scipy.linalg  # noqa: F401
        from threadpoolctl import ThreadpoolController

        _controllers.append(ThreadpoolController())
    return _controllers[0]


class one_blas_thread(ContextDecorator):  # noqa: N801  (used like a function)
    """Run a block, or (as ``@one_blas_thread()``) a function, with BLAS on one thread."""

    def __enter__(self):
        self._limiter = _controller().limit(limits=1, user_api="blas")
        return self

    def __exit__(self, *exc):
        self._limiter.restore_original_limits()
        return False
