"""Compiled (numba) loops of the route moves, on int64 node arrays and the travel matrix.

They replaced numpy expressions that scored every move of a route as one array: the loops
make the same sums in the same order and keep the first of equal moves, so the search takes
the same decisions (the same plans for a seed and iteration count), 4-15 times faster per call
on routes of a few dozen stops, without allocating (visits x candidates) arrays. Compiled on
first use and cached on disk (beside this file, else in the user's cache folder); a change of
this file, the CPU or Python compiles them again. :func:`warm_up` compiles or loads them before
a search starts its clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import numpy as np
from numba import njit

_F = TypeVar("_F", bound=Callable)


def _compiled(func: _F) -> _F:
    """``numba.njit`` with its cache on disk, or in memory only where no cache can be written.

    Numba refuses ``cache=True`` when neither the package's folder nor the user's cache folder
    is writable (a read-only install); the search then compiles in each process instead.
    """
    try:
        return cast("_F", njit(cache=True)(func))
    except RuntimeError:
        return cast("_F", njit(func))


_MIN_GAIN_S = 1e-10
"""Smallest saving (seconds) that counts as an improvement of a route."""
_INF = np.inf


@_compiled
def two_opt(travel: np.ndarray, path: np.ndarray) -> bool:
    """Best-improvement 2-opt on ``path`` (int64 array, stations included) in place."""
    changed = False
    n = path.size
    while n >= 4:
        m = n - 1  # arcs
        best = 0.0  # numpy's triu leaves zeros below: a max of 0 stops
        bi = -1
        bj = -1
        for i in range(m):
            a_i = path[i]
            b_i = path[i + 1]
            arc_i = travel[a_i, b_i]
            for j in range(i + 2, m):
                a_j = path[j]
                b_j = path[j + 1]
                g = arc_i + travel[a_j, b_j] - travel[a_i, a_j] - travel[b_i, b_j]
                if g > best:
                    best = g
                    bi = i
                    bj = j
        if bi < 0 or best <= _MIN_GAIN_S:
            break
        lo = bi + 1
        hi = bj
        while lo < hi:
            t = path[lo]
            path[lo] = path[hi]
            path[hi] = t
            lo += 1
            hi -= 1
        changed = True
    return changed


@_compiled
def or_opt(travel: np.ndarray, path: np.ndarray) -> bool:
    """Best-improvement relocation of single nodes of ``path`` (int64 array) in place."""
    changed = False
    n = path.size
    while n >= 4:
        k = n - 2
        best = -_INF
        bi = 0
        bj = 0
        first = True
        for i in range(k):
            p0 = path[i]
            v = path[i + 1]
            p2 = path[i + 2]
            saving = travel[p0, v] + travel[v, p2] - travel[p0, p2]
            for j in range(k + 1):
                if j == i or j == i + 1:
                    g = -_INF
                else:
                    a = path[j]
                    b = path[j + 1]
                    g = saving - (travel[v, b] + travel[a, v] - travel[a, b])
                if first or g > best:
                    best = g
                    bi = i
                    bj = j
                    first = False
        if best <= _MIN_GAIN_S:
            break
        v = path[bi + 1]
        if bj <= bi:  # insert at bj + 1, shifting bj + 1 .. bi right
            for q in range(bi + 1, bj + 1, -1):
                path[q] = path[q - 1]
            path[bj + 1] = v
        else:  # pop at bi + 1, insert at bj (in the shortened list)
            for q in range(bi + 1, bj):
                path[q] = path[q + 1]
            path[bj] = v
        changed = True
    return changed


@_compiled
def _times(
    travel: np.ndarray, dwell: np.ndarray, p: np.ndarray, begin: float
) -> tuple[np.ndarray, np.ndarray]:
    """Second each node of ``p`` is left (no dwell at the start) and each next node reached."""
    n = p.size
    dep = np.empty(n - 1)
    dep[0] = begin + 0.0
    acc = 0.0
    for q in range(n - 2):
        acc += travel[p[q], p[q + 1]] + dwell[p[q + 1]]
        dep[q + 1] = begin + acc
    arr = np.empty(n - 1)
    for q in range(n - 1):
        arr[q] = dep[q] + travel[p[q], p[q + 1]]
    return dep, arr


@_compiled
def removal_savings(travel: np.ndarray, dwell: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Seconds saved by taking each visit ``p[1:-1]`` out of ``p``.

    Its walks in and out less the walk that joins its neighbours, plus its dwell.
    """
    out = np.empty(p.size - 2)
    for c in range(p.size - 2):
        a = p[c]
        v = p[c + 1]
        b = p[c + 2]
        out[c] = travel[a, v] + travel[v, b] - travel[a, b] + dwell[v]
    return out


@_compiled
def two_opt_star(
    travel: np.ndarray,
    dwell: np.ndarray,
    p1: np.ndarray,
    p2: np.ndarray,
    begin1: float,
    begin2: float,
    lim1: float,
    lim2: float,
) -> tuple[int, int]:
    """Best tail exchange (2-opt*): ``p1[: i + 1] + p2[j + 1 :]`` and ``p2[: j + 1] + p1[i + 1 :]``.

    Each new path must reach its end by its limit; returns the (i, j) that saves most time in
    sum, (-1, -1) when none saves time.
    """
    dep1, arr1 = _times(travel, dwell, p1, begin1)
    dep2, arr2 = _times(travel, dwell, p2, begin2)
    n1 = p1.size - 1
    n2 = p2.size - 1
    end1 = arr1[n1 - 1]
    end2 = arr2[n2 - 1]
    total = end1 + end2
    l1 = lim1 + 1e-9
    l2 = lim2 + 1e-9
    best = _INF
    bi = -1
    bj = -1
    for i in range(n1):
        d1 = dep1[i]
        a1 = p1[i]
        b1 = p1[i + 1]
        tail1 = end1 - arr1[i]
        for j in range(n2):
            new1 = d1 + travel[a1, p2[j + 1]] + (end2 - arr2[j])
            new2 = dep2[j] + travel[p2[j], b1] + tail1
            delta = new1 + new2 - total
            if new1 <= l1 and new2 <= l2 and delta < -_MIN_GAIN_S and (bi < 0 or delta < best):
                best = delta
                bi = i
                bj = j
    return bi, bj


@_compiled
def relocate_between(
    travel: np.ndarray, dwell: np.ndarray, p1: np.ndarray, p2: np.ndarray, slack2: float
) -> tuple[int, int]:
    """Best move of visit ``p1[i + 1]`` onto arc ``j`` of ``p2`` that saves time in sum.

    Route 2 may grow by ``slack2`` seconds; returns (i, j), (-1, -1) when no move saves time.
    """
    k = p1.size - 2
    m = p2.size - 1
    lim = slack2 + 1e-9
    best = _INF
    bi = -1
    bj = -1
    saving = removal_savings(travel, dwell, p1)
    for i in range(k):
        v = p1[i + 1]
        dv = dwell[v]
        out = saving[i]
        for j in range(m):
            a = p2[j]
            b = p2[j + 1]
            add = travel[a, v] + travel[v, b]
            add -= travel[a, b]
            add += dv
            delta = add - out
            if add <= lim and delta < -_MIN_GAIN_S and (bi < 0 or delta < best):
                best = delta
                bi = i
                bj = j
    return bi, bj


@_compiled
def _top3(
    to_u: np.ndarray,
    from_u: np.ndarray,
    path: np.ndarray,
    base: np.ndarray,
    val: np.ndarray,
    idx: np.ndarray,
    r: int,
) -> None:
    """Row ``r`` of :func:`best_insertions` for one node, given its walks to and from all nodes.

    One pass keeps the three smallest, the first of equals: the same as three rounds of
    argmin-then-mask (a later equal value never passes an earlier one), and slots left empty
    (fewer than three arcs) keep ``(inf, 0)``.
    """
    v0 = v1 = v2 = _INF
    i0 = i1 = i2 = 0
    for j in range(base.size):
        x = to_u[path[j]] + from_u[path[j + 1]]
        x -= base[j]
        if x < v0:
            v2, i2 = v1, i1
            v1, i1 = v0, i0
            v0, i0 = x, j
        elif x < v1:
            v2, i2 = v1, i1
            v1, i1 = x, j
        elif x < v2:
            v2, i2 = x, j
    val[r, 0], val[r, 1], val[r, 2] = v0, v1, v2
    idx[r, 0], idx[r, 1], idx[r, 2] = i0, i1, i2


@_compiled
def best_insertions(
    travel: np.ndarray, path: np.ndarray, nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Three cheapest arcs of ``path`` for each of ``nodes``: (added seconds, arc index).

    Arcs are numbered from the first (``path[0] -> path[1]``); missing arcs (paths of fewer
    than three arcs) are ``inf``.
    """
    na = path.size - 1
    nn = nodes.size
    val = np.empty((nn, 3))
    idx = np.empty((nn, 3), dtype=np.int64)
    base = np.empty(na)
    for j in range(na):
        base[j] = travel[path[j], path[j + 1]]
    for r in range(nn):
        _top3(travel[:, nodes[r]], travel[nodes[r]], path, base, val, idx, r)
    return val, idx


@_compiled
def insert_without(
    travel: np.ndarray, path: np.ndarray, val: np.ndarray, arc: np.ndarray, nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cheapest insertion of each of ``nodes`` into ``path`` once its visit ``i`` is taken out.

    Returns (visits of ``path``, ``nodes``) arrays of added seconds and of the arc used, -1
    standing for the gap the removed visit leaves. Only the three best arcs of the whole path
    (``val``, ``arc`` from :func:`best_insertions`) are looked at: removing a visit kills just
    two arcs (``i - 1`` and ``i``), so the best arc left is the first of the three that is not
    one of them.
    """
    nv = path.size - 2
    nn = nodes.size
    out = np.empty((nv, nn))
    where = np.empty((nv, nn), dtype=np.int64)
    for r in range(nv):
        i = r + 1
        before = path[r]
        after = path[r + 2]
        base = travel[before, after]
        for c in range(nn):
            if arc[c, 0] != i - 1 and arc[c, 0] != i:
                best = val[c, 0]
                best_arc = arc[c, 0]
            elif arc[c, 1] != i - 1 and arc[c, 1] != i:
                best = val[c, 1]
                best_arc = arc[c, 1]
            else:
                best = val[c, 2]
                best_arc = arc[c, 2]
            u = nodes[c]
            gap = travel[before, u] + travel[u, after]
            gap -= base
            if gap <= best:
                out[r, c] = gap
                where[r, c] = -1
            else:
                out[r, c] = best
                where[r, c] = best_arc
    return out, where


@_compiled
def swap_star(
    travel: np.ndarray,
    dwell: np.ndarray,
    p1: np.ndarray,
    p2: np.ndarray,
    slack1: float,
    slack2: float,
) -> tuple[int, int, int, int]:
    """Best SWAP* exchange (Vidal 2022): (i, j, arc in route 1, arc in route 2).

    ``i = -1`` when no exchange saves time.
    """
    u = p1[1:-1]
    v = p2[1:-1]
    nu = u.size
    nv = v.size
    out1 = removal_savings(travel, dwell, p1)
    out2 = removal_savings(travel, dwell, p2)
    val1, idx1 = best_insertions(travel, p1, v)
    in1, arc1 = insert_without(travel, p1, val1, idx1, v)  # (u, v)
    val2, idx2 = best_insertions(travel, p2, u)
    in2, arc2 = insert_without(travel, p2, val2, idx2, u)  # (v, u)
    l1 = slack1 + 1e-9
    l2 = slack2 + 1e-9
    best = _INF
    bi = -1
    bj = -1
    for i in range(nu):
        for j in range(nv):
            d1 = in1[i, j] + dwell[v[j]] - out1[i]
            d2 = in2[j, i] + dwell[u[i]] - out2[j]
            s = d1 + d2
            if d1 <= l1 and d2 <= l2 and s < -_MIN_GAIN_S and (bi < 0 or s < best):
                best = s
                bi = i
                bj = j
    if bi < 0:
        return -1, -1, 0, 0
    return bi, bj, arc1[bi, bj], arc2[bj, bi]


@_compiled
def cheapest_insertions(
    to_c: np.ndarray,
    from_c: np.ndarray,
    dwell_c: np.ndarray,
    travel: np.ndarray,
    prev: np.ndarray,
    nxt: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Cheapest position of each candidate in a route, (pure-TOP case).

    ``to_c[a, c]`` and ``from_c[b, c]`` are the walks a -> candidate c and c -> b (rows
    contiguous over the candidates); the added seconds at position ``p`` are
    ``to_c[prev[p], c] + from_c[nxt[p], c] - travel[prev[p], nxt[p]] + dwell_c[c]``. Returns
    the minimum per candidate and its first position.
    """
    nc = to_c.shape[1]
    npos = prev.size
    best = np.empty(nc)
    pos = np.zeros(nc, dtype=np.int64)
    base = travel[prev[0], nxt[0]]
    row_a = to_c[prev[0]]
    row_b = from_c[nxt[0]]
    for c in range(nc):
        best[c] = row_a[c] + row_b[c] - base + dwell_c[c]
    for p in range(1, npos):
        base = travel[prev[p], nxt[p]]
        row_a = to_c[prev[p]]
        row_b = from_c[nxt[p]]
        for c in range(nc):
            d = row_a[c] + row_b[c] - base + dwell_c[c]
            if d < best[c]:
                best[c] = d
                pos[c] = p
    return best, pos


@_compiled
def swap_scores(
    travel: np.ndarray,
    dwell: np.ndarray,
    path: np.ndarray,
    into: np.ndarray,
    frm: np.ndarray,
    dwell_rows: np.ndarray,
    worth: np.ndarray,
    val_node: np.ndarray,
    slack: float,
    tol: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best swap of each candidate into ``path`` (SWAP* arcs; see ``_Engine._swaps``).

    Row ``r`` of ``into`` / ``frm`` holds the walks to / from candidate ``r`` (all nodes);
    ``worth`` are the candidates' values, ``val_node`` those of the route's visits. Returns
    per candidate the score (``-inf`` where no visit qualifies), the visit position and the
    arc.
    """
    nv = path.size - 2
    na = path.size - 1
    nn = into.shape[0]
    saving = removal_savings(travel, dwell, path)
    base = np.empty(na)
    for j in range(na):
        base[j] = travel[path[j], path[j + 1]]
    gap_base = np.empty(nv)
    for c in range(nv):
        gap_base[c] = travel[path[c], path[c + 2]]
    val = np.empty((1, 3))
    idx = np.empty((1, 3), dtype=np.int64)
    score = np.empty(nn)
    pos = np.empty(nn, dtype=np.int64)
    arc = np.empty(nn, dtype=np.int64)
    lim = slack + tol
    for r in range(nn):
        to_u = into[r]
        from_u = frm[r]
        _top3(to_u, from_u, path, base, val, idx, 0)
        best = -_INF
        at = 0
        at_arc = 0
        for c in range(nv):
            i = c + 1  # the visit taken out; arcs i - 1 and i go with it
            if idx[0, 0] != i - 1 and idx[0, 0] != i:
                ins, ins_arc = val[0, 0], idx[0, 0]
            elif idx[0, 1] != i - 1 and idx[0, 1] != i:
                ins, ins_arc = val[0, 1], idx[0, 1]
            else:
                ins, ins_arc = val[0, 2], idx[0, 2]
            gap = to_u[path[c]] + from_u[path[c + 2]]
            gap -= gap_base[c]
            if gap <= ins:
                ins, ins_arc = gap, -1
            extra = ins + dwell_rows[r] - saving[c]
            gain = worth[r] - val_node[c]
            if extra <= lim and ((gain > 1e-12) or ((gain >= -1e-12) and (extra < -1e-9))):
                part = gain - 1e-6 * extra
            else:
                part = -_INF
            if part > best or c == 0:
                best = part
                at = c
                at_arc = ins_arc
        score[r] = best
        pos[r] = at
        arc[r] = at_arc
    return score, pos, arc


def warm_up() -> None:
    """Compile the kernels, or load them from the cache, on a two-stop instance."""
    travel = np.array([[0.0, 2.0, 3.0], [2.0, 0.0, 1.0], [3.0, 1.0, 0.0]])
    dwell = np.ones(3)
    path = np.array([0, 1, 2, 0], dtype=np.int64)
    nodes = np.array([1, 2], dtype=np.int64)
    two_opt(travel, path.copy())
    or_opt(travel, path.copy())
    two_opt_star(travel, dwell, path, path, 0.0, 0.0, 10.0, 10.0)
    relocate_between(travel, dwell, path, path, 1.0)
    swap_star(travel, dwell, path, path, 1.0, 1.0)
    cheapest_insertions(travel, travel, dwell, travel, path[:-1], path[1:])
    rows = np.ascontiguousarray(travel[nodes])
    swap_scores(travel, dwell, path, rows, rows, dwell[nodes], dwell[nodes], dwell[1:3], 1.0, 1e-9)
