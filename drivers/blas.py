"""How many threads linear algebra (BLAS) may start: one, unless a problem is large.

numpy and scipy hand matrix products and solves to a BLAS (OpenBLAS in their wheels) that
starts one thread per core. A driver model's matrices are small (tens of columns): waking
the threads costs more than the arithmetic. One least squares on 2,000 x 13 took 272-306 ms
on two busy cores against 0.35 ms on one thread, and inside bootstrap worker processes the
threads of every worker fight over the same cores. So every numeric entry point of the
package (importance, compare, diagnostics, dominance, NPS models, each bootstrap block)
runs under :func:`blas_threads`, which holds BLAS at one thread; the few products that are
large enough to gain from threads (moments of a million respondents) ask for the library's
own thread count back by passing their size.

Examples
--------
>>> import numpy as np
>>> with blas_threads():
...     product = np.ones((3, 4)) @ np.ones((4, 2))
>>> product.tolist()
[[4.0, 4.0], [4.0, 4.0], [4.0, 4.0]]
>>> @blas_threads()
... def small_solve(a, b):
...     return np.linalg.solve(a, b)
>>> small_solve(np.eye(2), np.ones(2)).tolist()
[1.0, 1.0]
"""

from __future__ import annotations

from contextlib import contextmanager

#: Floating-point operations from which a product may use every BLAS thread (a million
#: respondents x 20 columns is 8e8); below, one thread is faster than waking the others.
BLAS_PARALLEL_FLOPS = 2e8

_state: dict = {}


def _controller():
    """One threadpoolctl controller for the process (finding the libraries costs ~3 ms;
    limiting through a kept controller ~0.04 ms), with the thread counts found at start."""
    if "controller" not in _state:
        import numpy  # noqa: F401  (both BLAS libraries loaded before they are listed)
        import scipy.linalg  # noqa: F401
        from threadpoolctl import ThreadpoolController

        controller = ThreadpoolController()
        blas = controller.select(user_api="blas")
        _state["controller"] = controller
        _state["default"] = max([lib.num_threads for lib in blas.lib_controllers] or [1])
    return _state["controller"], _state["default"]


@contextmanager
def blas_threads(flops: float = 0.0):
    """Run a block (or, as a decorator, a function) with BLAS limited to one thread.

    Parameters
    ----------
    flops : float
        Size of the work inside. From :data:`BLAS_PARALLEL_FLOPS` on, BLAS gets back the
        number of threads it had when the package first limited it (its default, or what
        ``OPENBLAS_NUM_THREADS`` set), even inside an outer one-thread block.
    """
    controller, default = _controller()
    limit = default if flops >= BLAS_PARALLEL_FLOPS else 1
    with controller.limit(limits=limit, user_api="blas"):
        yield
