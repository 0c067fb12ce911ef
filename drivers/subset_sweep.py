"""The compiled all-subsets sweep behind :mod:`drivers.shapley` (numba, cached on disk).

Layout. The joint matrix of drivers and outcomes is stored as a packed lower triangle whose
rows run *backwards* through the order in which drivers are decided: the ``k`` outcome rows
first (their diagonals only: the outcomes never meet each other), then the drivers decided
last, up to the driver decided first in the last row. Deciding a driver then touches only
the end of the triangle: leaving it out drops its trailing row (the state of the smaller
problem is a prefix of the same array, no copy), taking it in sweeps that row out (a
symmetric rank-1 update of the prefix). Entry ``(a, b)``, ``a >= b``, of a driver row ``a``
sits at ``k + (a (a + 1) - k (k + 1)) / 2 + b``; an outcome's residual variance at its row.

Two phases per task (a fixed slice of the subset space):

* outer drivers (the high bits of a subset's index) are decided depth first, one matrix per
  depth, so each of their ``2^H`` subsets costs one sweep of a small matrix;
* for each outer subset, the ``L`` inner drivers (the low bits) are swept breadth first over
  all ``2^L`` inner subsets at once: column ``s`` of a ``(entries, 2^L)`` array holds the state
  of inner subset ``s``; the subsets whose highest inner driver is ``u`` (columns ``2^u`` to
  ``2^(u+1) - 1``) come from sweeping driver ``u`` out of columns ``0`` to ``2^u - 1``, so every
  subset is made by exactly one sweep, and every loop runs over a contiguous run of
  subsets, which the compiler turns into vector instructions. The last three inner drivers
  (single variables) get no columns of their own: the seven subsets each state of the first
  eighth leads to are swept and credited in registers (:func:`_last_three_credits`), so
  seven eighths of the array are never written; the breadth-first levels left are those
  whose states have more than three drivers still to decide.

Shapley values need no table of ``2^m`` R^2: with ``w(s) = s! (m - s - 1)! / m!`` and
``c(s) = w(s - 1) + w(s)``, ``phi_j = sum_{S holding j} c(|S|) R^2(S) - sum_S w(|S|) R^2(S)``;
an inner block's weighted R^2 are folded in halves (the upper half of a run of ``2^(j+1)``
holds bit ``j``) and its total is credited to every outer driver of the block's subset.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Status codes a task reports (the caller turns them into errors).
OK, PIVOT_NEGATIVE, R2_ABOVE_ONE = 0, 1, 2

#: A residual variance below ``-R2_SLACK`` times the outcome's variance means R^2 > 1.
R2_SLACK = 1e-9

_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": {"contract"}}


@njit(**_OPTIONS)
def entries(rows: int, k: int) -> int:
    """Length of the packed triangle over the first ``rows`` rows (``k`` outcome rows)."""
    if rows <= k:
        return rows
    return k + (rows * (rows + 1) - k * (k + 1)) // 2


@njit(**_OPTIONS)
def _row_start(a: int, k: int) -> int:
    return k + (a * (a + 1) - k * (k + 1)) // 2


@njit(**_OPTIONS)
def _sweep_matrix(state, rows, k, threshold):
    """Sweep the last row out of one packed state, in place. Returns a status code."""
    rho = rows - 1
    base = _row_start(rho, k)
    pivot = state[base + rho]
    if pivot < -threshold:
        return PIVOT_NEGATIVE
    if not pivot > threshold:
        return OK  # collinear with the drivers already in: left out, as a pseudo-inverse
    inverse = 1.0 / pivot
    for a in range(k):
        value = state[base + a]
        state[a] -= value * value * inverse
    for a in range(k, rho):
        start = _row_start(a, k)
        scaled = state[base + a] * inverse
        for b in range(a + 1):
            state[start + b] -= scaled * state[base + b]
    return OK


#: Columns swept together: the pivot row and the scaled row of a run of this many subsets
#: stay in the first-level cache while every entry of the triangle is updated from them, so
#: each entry is read once from the second-level cache instead of with both of them.
COLUMN_RUN = 256


@njit(**_OPTIONS)
def _sweep_columns(G, scaled, inverse, source, target, n, rows, k, threshold):
    """Sweep the last row out of the states in columns ``source .. source + n - 1`` of ``G``
    into columns ``target ..`` (the same columns when ``source == target``)."""
    # Column indices are unsigned: a signed index makes numba wrap negative values around,
    # a branch per element that keeps the loops from vector instructions. Plain 2-D indexing
    # throughout: a row view per loop costs two atomic reference counts, more than the
    # arithmetic of a short row. Every entry gets the same operations in the same order
    # whatever the run length, so the runs do not change a bit of the result.
    rho = rows - 1
    base = _row_start(rho, k)
    src, dst = np.uint64(source), np.uint64(target)
    negative = 0
    for s in range(np.uint64(n)):
        pivot = G[base + rho, src + s]
        negative += pivot < -threshold
        reciprocal = 1.0 / pivot  # computed whatever the pivot, so the loop has no branch
        inverse[s] = reciprocal if pivot > threshold else 0.0
    for first in range(0, n, COLUMN_RUN):
        c = np.uint64(first)
        width = np.uint64(min(COLUMN_RUN, n - first))
        for a in range(k):
            for s in range(width):
                value = G[base + a, src + c + s]
                G[a, dst + c + s] = G[a, src + c + s] - value * value * inverse[c + s]
        for a in range(k, rho):
            start = _row_start(a, k)
            for s in range(width):
                scaled[s] = G[base + a, src + c + s] * inverse[c + s]
            for b in range(a + 1):
                for s in range(width):
                    G[start + b, dst + c + s] = (G[start + b, src + c + s]
                                                 - scaled[s] * G[base + b, src + c + s])
    return PIVOT_NEGATIVE if negative > 0 else OK


@njit(**_OPTIONS)
def _lane_sum(values, start, n):
    """Sum of ``values[start:start + n]`` in eight interleaved partial sums (a fixed order the
    compiler can put in vector registers; plain left-to-right addition cannot be). The
    partial sums are local variables: an array of them would be allocated on every call."""
    l0 = l1 = l2 = l3 = l4 = l5 = l6 = l7 = 0.0
    s = np.uint64(0)
    first = np.uint64(start)
    while s + np.uint64(8) <= np.uint64(n):
        i = first + s
        l0 += values[i]
        l1 += values[i + np.uint64(1)]
        l2 += values[i + np.uint64(2)]
        l3 += values[i + np.uint64(3)]
        l4 += values[i + np.uint64(4)]
        l5 += values[i + np.uint64(5)]
        l6 += values[i + np.uint64(6)]
        l7 += values[i + np.uint64(7)]
        s += np.uint64(8)
    while s < np.uint64(n):
        l0 += values[first + s]
        s += np.uint64(1)
    return ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))


@njit(**_OPTIONS)
def _pair_inverses(x_pivot, y_pivot, cross, x_threshold, y_threshold):
    """Inverse pivots of two drivers ``x`` then ``y`` (residual variances ``x_pivot``,
    ``y_pivot``, covariance ``cross``): 1 / x's, 1 / y's alone, 1 / y's once x is swept;
    an inverse is 0 where its pivot is at most its threshold (collinear), as in
    :func:`_sweep_columns`. Also returns how many pivots are below minus their threshold."""
    negative = (x_pivot < -x_threshold) + (y_pivot < -y_threshold)
    reciprocal = 1.0 / x_pivot
    x_inverse = reciprocal if x_pivot > x_threshold else 0.0
    reciprocal = 1.0 / y_pivot
    y_inverse = reciprocal if y_pivot > y_threshold else 0.0
    y_swept = y_pivot - (cross * x_inverse) * cross
    negative += y_swept < -y_threshold
    reciprocal = 1.0 / y_swept
    return x_inverse, y_inverse, (reciprocal if y_swept > y_threshold else 0.0), negative


@njit(**_OPTIONS)
def _pair_residuals(residual, x_cross, y_cross, cross, x_inverse, y_inverse, yx_inverse):
    """An outcome's residual variance once ``x``, ``y`` alone, and ``x`` then ``y`` are swept
    from a state (the outcome's covariances with them ``x_cross``, ``y_cross``; theirs
    ``cross``), with the inverse pivots of :func:`_pair_inverses`."""
    with_x = residual - x_cross * x_cross * x_inverse
    y_cross_x = y_cross - (cross * x_inverse) * x_cross
    return (with_x, residual - y_cross * y_cross * y_inverse,
            with_x - y_cross_x * y_cross_x * yx_inverse)


@njit(**_OPTIONS)
def _last_three_pivots(G, inverse, n, k, thresholds):
    """Pivots of the last three inner drivers, ``z`` (decided third to last), ``x`` and
    ``y`` (last), for the ``n`` states in columns ``0 .. n - 1``, which hold rows ``k``
    (``y``), ``k + 1`` (``x``) and ``k + 2`` (``z``) besides the outcomes. Into ``inverse``,
    ``n`` entries each: 1 / the pivot of ``z``; then of ``x``, ``y`` alone and ``y`` once ``x``
    is swept (:func:`_pair_inverses`) with ``z`` left out; then the same once ``z`` is swept.
    Returns a status code."""
    y_row, x_row, z_row = k, 2 * k + 1, 3 * k + 3  # _row_start(k + i, k)
    z_threshold, x_threshold, y_threshold = thresholds[k + 2], thresholds[k + 1], thresholds[k]
    u = np.uint64(n)
    negative = 0
    for s in range(u):
        z_pivot = G[z_row + k + 2, s]
        negative += z_pivot < -z_threshold
        reciprocal = 1.0 / z_pivot
        z_inverse = reciprocal if z_pivot > z_threshold else 0.0
        zy, zx = G[z_row + k, s], G[z_row + k + 1, s]
        x_pivot, cross, y_pivot = G[x_row + k + 1, s], G[x_row + k, s], G[y_row + k, s]
        x0, y0, yx0, faults = _pair_inverses(x_pivot, y_pivot, cross, x_threshold, y_threshold)
        negative += faults
        zx_scaled, zy_scaled = zx * z_inverse, zy * z_inverse
        x1, y1, yx1, faults = _pair_inverses(x_pivot - zx_scaled * zx, y_pivot - zy_scaled * zy,
                                             cross - zx_scaled * zy, x_threshold, y_threshold)
        negative += faults
        inverse[s] = z_inverse
        inverse[u + s] = x0
        inverse[np.uint64(2) * u + s] = y0
        inverse[np.uint64(3) * u + s] = yx0
        inverse[np.uint64(4) * u + s] = x1
        inverse[np.uint64(5) * u + s] = y1
        inverse[np.uint64(6) * u + s] = yx1
    return PIVOT_NEGATIVE if negative > 0 else OK


@njit(**_OPTIONS)
def _last_three_credits(G, inverse, out, credit_weights, n, k, outcome, scale):
    """Credit the subsets that hold any of the last three inner drivers ``z``, ``x``, ``y``
    straight from their parents' states in columns ``0 .. n - 1`` (pivots from
    :func:`_last_three_pivots`), never writing those subsets' states: the same sweeps, in
    the same order, as sweeping ``z``, ``x`` and ``y`` into columns of their own. Leaves the
    first three folds of :func:`_inner` done: ``out[s]`` the weighted total of the eight
    subsets ``s + j n``; ``out[n + s]``, ``out[2n + s]``, ``out[4n + s]`` of those of them that
    hold ``z``, ``x``, ``y``. Returns how many shares fell below ``-R2_SLACK`` and the
    residual of the subset of every inner driver (column ``n - 1`` with all three)."""
    y_row, x_row, z_row = k, 2 * k + 1, 3 * k + 3
    u = np.uint64(n)
    above_one = 0
    every = 0.0
    for s in range(u):
        residual = G[outcome, s]
        y_cross, x_cross, z_cross = (G[y_row + outcome, s], G[x_row + outcome, s],
                                     G[z_row + outcome, s])
        zy, zx, cross = G[z_row + k, s], G[z_row + k + 1, s], G[x_row + k, s]
        z_inverse = inverse[s]
        # z left out, then z swept in first: x, y alone, y once x is in, from each state.
        with_x, with_y, with_xy = _pair_residuals(
            residual, x_cross, y_cross, cross, inverse[u + s],
            inverse[np.uint64(2) * u + s], inverse[np.uint64(3) * u + s])
        with_z = residual - z_cross * z_cross * z_inverse
        zy_scaled, zx_scaled = zy * z_inverse, zx * z_inverse
        with_zx, with_zy, with_zxy = _pair_residuals(
            with_z, x_cross - zx_scaled * z_cross, y_cross - zy_scaled * z_cross,
            cross - zx_scaled * zy, inverse[np.uint64(4) * u + s],
            inverse[np.uint64(5) * u + s], inverse[np.uint64(6) * u + s])
        every = with_zxy
        shares = (with_z * scale, with_x * scale, with_zx * scale, with_y * scale,
                  with_zy * scale, with_xy * scale, with_zxy * scale)
        for share in shares:
            above_one += share < -R2_SLACK
        one, two = credit_weights[s], credit_weights[u + s]
        four = credit_weights[np.uint64(2) * u + s]
        c_z = one * (1.0 - shares[0])
        c_x = one * (1.0 - shares[1])
        c_zx = two * (1.0 - shares[2])
        c_y = one * (1.0 - shares[3])
        c_zy = two * (1.0 - shares[4])
        c_xy = four * (1.0 - shares[5])
        c_zxy = credit_weights[np.uint64(3) * u + s] * (1.0 - shares[6])
        holds_y = (c_y + c_zy) + (c_xy + c_zxy)
        out[np.uint64(4) * u + s] = holds_y
        out[np.uint64(2) * u + s] = (c_x + c_zx) + (c_xy + c_zxy)
        out[u + s] = (c_z + c_zx) + (c_zy + c_zxy)
        out[s] = ((out[s] + c_z) + (c_x + c_zx)) + holds_y
    return above_one, every


@njit(**_OPTIONS)
def _inner(G, scaled, inverse, weighted, rows_after, sizes, first, L, k, thresholds,
           inverse_variance, credit_weights, first_weight, h, phi, r2, r2_offset, store):
    """Sweep every inner subset of the state in column 0 of ``G`` and credit its R^2.

    ``rows_after[u]`` is the number of rows left once inner driver ``u`` is decided;
    ``sizes[first + u]`` its number of variables; ``h`` the number of outer drivers in the
    subset, ``first_weight`` the weight ``c(h)`` of the outer subset alone and
    ``credit_weights[s]`` the weight ``c(h + 1 + popcount(s))`` (the subsets whose highest
    inner driver is ``u`` are those of ``0 .. 2^u - 1`` with ``u`` added). Adds the inner
    drivers' credit to ``phi[first + u]`` and leaves the block's weighted total per outcome
    in ``weighted[:, 0]`` for the caller to credit to the outer drivers.

    The last three inner drivers, when single variables, are not swept into columns of their
    own: their seven eighths of the subsets are credited straight from the states of the
    first eighth (:func:`_last_three_credits`), which saves writing and reading back most
    of the block. ``store`` (every R^2 kept) sweeps them as the others.
    """
    status = OK
    fused = 3 if (not store and L >= 3 and sizes[first + L - 1] == 1
                  and sizes[first + L - 2] == 1 and sizes[first + L - 3] == 1) else 0
    top = L - fused
    for u in range(top):
        n = 1 << u
        rows = rows_after[u] + sizes[first + u]
        code = _sweep_columns(G, scaled, inverse, 0, n, n, rows, k, thresholds[rows - 1])
        status = max(status, code)
        for _extra in range(1, sizes[first + u]):
            rows -= 1
            code = _sweep_columns(G, scaled, inverse, n, n, n, rows, k, thresholds[rows - 1])
            status = max(status, code)
    count = 1 << L
    eighth = 1 << top
    if fused:
        status = max(status, _last_three_pivots(G, inverse, eighth, k, thresholds))
    for outcome in range(k):
        residual = G[outcome]
        out = weighted[outcome]
        scale = inverse_variance[outcome]
        # The empty subset explains nothing, exactly (1 - v / v need not round to 0).
        out[0] = 0.0 if h == 0 else first_weight * (1.0 - residual[0] * scale)
        above_one = residual[0] * scale < -R2_SLACK
        for u in range(top):
            n = np.uint64(1) << np.uint64(u)
            for s in range(n):
                share = residual[n + s] * scale
                above_one += share < -R2_SLACK
                out[n + s] = credit_weights[s] * (1.0 - share)
        if fused:
            beyond, every = _last_three_credits(G, inverse, out, credit_weights, eighth, k,
                                                outcome, scale)
            above_one += beyond
            residual[count - 1] = every  # the subset of every inner driver (full R^2)
            phi[first + L - 1, outcome] += _lane_sum(out, 4 * eighth, eighth)
            phi[first + L - 2, outcome] += _lane_sum(out, 2 * eighth, eighth)
            phi[first + L - 3, outcome] += _lane_sum(out, eighth, eighth)
        if above_one:
            status = max(status, R2_ABOVE_ONE)
        if store:
            offset = np.uint64(r2_offset)
            for s in range(np.uint64(count)):
                r2[outcome, offset + s] = 1.0 - residual[s] * scale
            if h == 0:
                r2[outcome, offset] = 0.0
        # Fold in halves: the upper half of a run of 2^(u+1) holds inner driver u.
        for u in range(top - 1, -1, -1):
            half = np.uint64(1) << np.uint64(u)
            phi[first + u, outcome] += _lane_sum(out, half, half)
            for s in range(half):
                out[s] += out[half + s]
    return status


@njit(**_OPTIONS)
def run_tasks(packed, thresholds, sizes, k, n_outer, n_inner, task_bits, first_task,
              last_task, inverse_variance, with_weight, credit_weights, phi_tasks,
              full_r2, status_tasks, r2, store, states, G, scaled, inverse, weighted):
    """Run tasks ``first_task .. last_task - 1`` of the fixed split of the subset space.

    ``sizes`` lists the variables per driver in decision order (outer drivers first, the
    first of them the highest bit of a subset's index; then inner drivers from bit 0 up).
    Task ``t`` fixes the first ``task_bits`` outer decisions to the bits of ``t``. Each task
    writes its own row of ``phi_tasks`` (credit ``sum_{S holding j} c(|S|) R^2(S)`` per driver
    in decision order x outcome) and ``status_tasks``, so the caller's reduction order is
    fixed whatever runs the tasks; the last task writes the R^2 of all drivers to
    ``full_r2``. ``with_weight[s]`` is ``c(s)``; ``credit_weights[h]`` the weights of the inner
    subsets of an outer subset of ``h`` drivers (see :func:`_inner`). ``states`` (outer
    depth x packed entries), ``G`` (inner packed entries x columns), ``scaled``
    (:data:`COLUMN_RUN`), ``inverse`` (columns) and ``weighted`` (outcomes x columns) are
    working space, one set per thread, with at least ``2^n_inner`` columns; every entry is
    written before it is read, so they may be reused from call to call.
    """
    m = n_outer + n_inner
    H, L = n_outer, n_inner
    rows_at = np.empty(m + 1, dtype=np.int64)  # rows of the state once decisions 0..i-1 made
    rows_at[m] = k
    for i in range(m - 1, -1, -1):
        rows_at[i] = rows_at[i + 1] + sizes[i]
    rows_after = np.empty(max(L, 1), dtype=np.int64)
    for u in range(L):
        rows_after[u] = k
        for v in range(u + 1, L):
            rows_after[u] += sizes[H + v]
    inner_entries = entries(rows_at[H], k)
    where = np.zeros(H + 1, dtype=np.int64)  # which row of ``states`` holds depth i
    free = H - task_bits
    for task in range(first_task, last_task):
        phi = phi_tasks[task]
        status = OK
        states[0, :] = packed
        prefix_size = 0
        for i in range(task_bits):
            if (task >> (task_bits - 1 - i)) & 1:
                states[i + 1, :] = states[where[i]]
                rows = rows_at[i]
                for extra in range(sizes[i]):
                    status = max(status, _sweep_matrix(states[i + 1], rows - extra, k,
                                                       thresholds[rows - extra - 1]))
                where[i + 1] = i + 1
                prefix_size += 1
            else:
                where[i + 1] = where[i]
        for outer in range(1 << free):
            # Only the decisions below the highest changed bit of the counter are redone.
            depth = task_bits
            if outer > 0:
                changed = outer ^ (outer - 1)
                while changed > 1:
                    changed >>= 1
                    depth -= 1
                depth += free - 1
            for i in range(depth, H):
                if (outer >> (H - 1 - i)) & 1:
                    rows = rows_at[i]
                    used = entries(rows, k)
                    states[i + 1, :used] = states[where[i], :used]
                    for extra in range(sizes[i]):
                        status = max(status, _sweep_matrix(states[i + 1], rows - extra, k,
                                                           thresholds[rows - extra - 1]))
                    where[i + 1] = i + 1
                else:
                    where[i + 1] = where[i]
            size = prefix_size
            bits = outer
            while bits:
                size += bits & 1
                bits >>= 1
            root = states[where[H]]
            for e in range(inner_entries):
                G[e, 0] = root[e]
            offset = ((task << free) | outer) << L
            status = max(status, _inner(G, scaled, inverse, weighted, rows_after, sizes, H,
                                        L, k, thresholds, inverse_variance,
                                        credit_weights[size], with_weight[size], size, phi,
                                        r2, offset, store))
            if task == (1 << task_bits) - 1 and outer == (1 << free) - 1:
                for outcome in range(k):  # the subset of every driver
                    full_r2[outcome] = 1.0 - G[outcome, (1 << L) - 1] * inverse_variance[outcome]
            # The block's weighted total goes to every outer driver in its subset.
            for i in range(H):
                included = ((task >> (task_bits - 1 - i)) & 1 if i < task_bits
                            else (outer >> (H - 1 - i)) & 1)
                if included:
                    for outcome in range(k):
                        phi[i, outcome] += weighted[outcome, 0]
        status_tasks[task] = status


def compile_now() -> None:
    """Compile the kernel, or load it from numba's on-disk cache (``__pycache__`` beside this
    file). The first compilation after an install takes about 15 CPU seconds; later
    processes load it in about half a second. ``make install`` and ``make test`` call this
    once, so test workers and bootstrap processes never compile it themselves."""
    from drivers.shapley import shapley_values

    shapley_values(np.eye(2), np.array([[0.3, 0.1], [0.2, 0.4]]))


if __name__ == "__main__":
    compile_now()
