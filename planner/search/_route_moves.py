"""Intra-route local search on plain Python lists (2-opt, or-opt) and route durations."""

from __future__ import annotations

import numpy as np

from planner.search._model import Shift, _Data

_MIN_GAIN_S = 1e-10
"""Smallest saving (seconds) that counts as an improvement of a route."""


def _two_opt(travel: np.ndarray, path: list[int]) -> bool:
    """Improve ``path`` (stations included) in place by best-improvement 2-opt.

    All reversals are scored at once: reversing ``path[i+1..j]`` replaces the arcs
    ``(p_i, p_i+1)`` and ``(p_j, p_j+1)`` by ``(p_i, p_j)`` and ``(p_i+1, p_j+1)``; valid for
    symmetric travel times only. Returns True if the path changed.
    """
    changed = False
    while len(path) >= 4:
        p = np.asarray(path)
        a, b = p[:-1], p[1:]
        arc = travel[a, b]
        gain = arc[:, None] + arc[None, :] - travel[a][:, a] - travel[b][:, b]
        gain = np.triu(gain, 2)
        f = int(gain.argmax())
        i, j = divmod(f, a.size)
        if gain[i, j] <= _MIN_GAIN_S:
            break
        path[i + 1 : j + 1] = path[i + 1 : j + 1][::-1]
        changed = True
    return changed


def _or_opt(travel: np.ndarray, path: list[int]) -> bool:
    """Relocate single nodes of ``path`` (stations included) in place, best move first.

    The saving of taking node ``i`` out and the cost of putting it on each arc are scored as
    one (nodes, arcs) array. Returns True if the path changed.
    """
    changed = False
    while len(path) >= 4:
        p = np.asarray(path)
        inner = p[1:-1]
        k = inner.size
        saving = travel[p[:-2], inner] + travel[inner, p[2:]] - travel[p[:-2], p[2:]]
        a, b = p[:-1], p[1:]
        add = travel[inner][:, b] + travel[a][:, inner].T - travel[a, b][None, :]
        gain = saving[:, None] - add
        idx = np.arange(k)
        gain[idx, idx] = -np.inf  # the arc entering the node itself
        gain[idx, idx + 1] = -np.inf  # the arc leaving it
        f = int(gain.argmax())
        i, j = divmod(f, k + 1)
        if gain[i, j] <= _MIN_GAIN_S:
            break
        v = path.pop(i + 1)
        path.insert(j + 1 if j <= i else j, v)
        changed = True
    return changed


def _path_time(data: _Data, shift: Shift, seq: list[int]) -> float:
    """Return the arrival at the end station, summing walks and dwells in order (pure TOP)."""
    tl, dl = data.tl, data.dl
    t = shift.begin_s
    cur = shift.start
    for v in seq:
        t += tl[cur][v]
        t += dl[v]
        cur = v
    return t + tl[cur][shift.end]


def _departures(
    travel: np.ndarray, dwell: np.ndarray, path: list[int], begin_s: float
) -> np.ndarray:
    """Second each node of ``path`` is left (after its dwell; no dwell at the two ends)."""
    p = np.asarray(path)
    step = travel[p[:-2], p[1:-1]] + dwell[p[1:-1]]
    return begin_s + np.concatenate([[0.0], np.cumsum(step)])


def _two_opt_star(
    travel: np.ndarray,
    dwell: np.ndarray,
    paths: tuple[list[int], list[int]],
    begins: tuple[float, float],
    limits: tuple[float, float],
) -> tuple[list[int], list[int]] | None:
    """Best exchange of tails between two routes that shortens them in sum (2-opt*).

    Cutting route 1 after position ``i`` and route 2 after ``j`` gives ``p1[:i+1] + p2[j+1:]``
    and ``p2[:j+1] + p1[i+1:]``; every cut pair is scored at once from departure times and
    tail durations, both new routes must end by their limits (Potvin & Rousseau 1995, JORS
    46(12)). The paths include their stations and must share the end station. Returns the new
    paths, or None when no exchange saves time.
    """
    p1, p2 = np.asarray(paths[0]), np.asarray(paths[1])
    dep1 = _departures(travel, dwell, paths[0], begins[0])
    dep2 = _departures(travel, dwell, paths[1], begins[1])
    arrive1 = dep1 + travel[p1[:-1], p1[1:]]  # arrival at p1[1:]
    arrive2 = dep2 + travel[p2[:-1], p2[1:]]
    tail1 = arrive1[-1] - arrive1  # from arriving at p1[k + 1] to arriving at the end
    tail2 = arrive2[-1] - arrive2
    new1 = dep1[:, None] + travel[p1[:-1, None], p2[None, 1:]] + tail2[None, :]
    new2 = dep2[None, :] + travel[p2[None, :-1], p1[1:, None]] + tail1[:, None]
    delta = new1 + new2 - (arrive1[-1] + arrive2[-1])
    ok = (new1 <= limits[0] + 1e-9) & (new2 <= limits[1] + 1e-9) & (delta < -_MIN_GAIN_S)
    if not ok.any():
        return None
    f = int(np.where(ok, delta, np.inf).argmin())
    i, j = divmod(f, p2.size - 1)
    return paths[0][: i + 1] + paths[1][j + 1 :], paths[1][: j + 1] + paths[0][i + 1 :]


def _relocate_between(
    travel: np.ndarray,
    dwell: np.ndarray,
    paths: tuple[list[int], list[int]],
    slack2_s: float,
) -> tuple[int, int] | None:
    """Best move of one node of route 1 onto an arc of route 2 that saves time in sum.

    ``paths`` include their stations; route 2 may grow by at most ``slack2_s`` seconds.
    Returns ``(i, j)``: take ``paths[0][i]`` out and insert it before ``paths[1][j]``; None
    when no move saves time.
    """
    p1, p2 = np.asarray(paths[0]), np.asarray(paths[1])
    if p1.size < 3:
        return None
    inner = p1[1:-1]
    saving = travel[p1[:-2], inner] + travel[inner, p1[2:]] - travel[p1[:-2], p1[2:]]
    a, b = p2[:-1], p2[1:]
    add = travel[a[None, :], inner[:, None]] + travel[inner[:, None], b[None, :]]
    add -= travel[a, b][None, :]
    add += dwell[inner][:, None]
    delta = add - (saving + dwell[inner])[:, None]
    ok = (add <= slack2_s + 1e-9) & (delta < -_MIN_GAIN_S)
    if not ok.any():
        return None
    f = int(np.where(ok, delta, np.inf).argmin())
    i, j = divmod(f, a.size)
    return i + 1, j + 1


def _trade_between(
    travel: np.ndarray,
    dwell: np.ndarray,
    paths: tuple[list[int], list[int]],
    slacks_s: tuple[float, float],
) -> tuple[int, int] | None:
    """Best exchange of one node of route 1 with one node of route 2 that saves time in sum.

    ``paths`` include their stations; each route may grow by at most its slack. Every pair is
    scored at once. Returns ``(i, j)``: ``paths[0][i]`` and ``paths[1][j]`` trade places; None
    when no exchange saves time.
    """
    p1, p2 = np.asarray(paths[0]), np.asarray(paths[1])
    if p1.size < 3 or p2.size < 3:
        return None
    a1, v1, b1 = p1[:-2], p1[1:-1], p1[2:]
    a2, v2, b2 = p2[:-2], p2[1:-1], p2[2:]
    old1 = travel[a1, v1] + travel[v1, b1] + dwell[v1]
    old2 = travel[a2, v2] + travel[v2, b2] + dwell[v2]
    # route 1 gets v2 in place of v1 (rows: i in route 1, cols: j in route 2)
    new1 = travel[a1[:, None], v2[None, :]] + travel[v2[None, :], b1[:, None]] + dwell[v2][None, :]
    new2 = travel[a2[None, :], v1[:, None]] + travel[v1[:, None], b2[None, :]] + dwell[v1][:, None]
    d1 = new1 - old1[:, None]
    d2 = new2 - old2[None, :]
    ok = (d1 <= slacks_s[0] + 1e-9) & (d2 <= slacks_s[1] + 1e-9) & (d1 + d2 < -_MIN_GAIN_S)
    if not ok.any():
        return None
    f = int(np.where(ok, d1 + d2, np.inf).argmin())
    i, j = divmod(f, v2.size)
    return i + 1, j + 1


def _best_insertions(
    travel: np.ndarray, path: np.ndarray, nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the three cheapest arcs of ``path`` for each of ``nodes``: (added s, arc index).

    Rows follow ``nodes``, columns the three arcs from the cheapest; arcs are numbered from the
    first (``path[0] -> path[1]``); missing arcs (paths of fewer than three arcs) are ``inf``.
    """
    a, b = path[:-1], path[1:]
    add = travel[a[None, :], nodes[:, None]] + travel[nodes[:, None], b[None, :]]
    add -= travel[a, b][None, :]
    rows = np.arange(nodes.size)
    val = np.empty((nodes.size, 3))
    idx = np.empty((nodes.size, 3), dtype=np.int64)
    for k in range(3):
        idx[:, k] = add.argmin(axis=1)
        val[:, k] = add[rows, idx[:, k]]
        add[rows, idx[:, k]] = np.inf
    return val, idx


def _insert_without(
    travel: np.ndarray, path: np.ndarray, top: tuple[np.ndarray, np.ndarray], nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cheapest insertion of each of ``nodes`` into ``path`` once its visit ``i`` is taken out.

    Returns (rows: visits ``i`` of ``path``, cols: ``nodes``) arrays of added seconds and of
    the arc used, -1 standing for the gap the removed visit leaves. Only the three best arcs of
    the whole path (``top``) are looked at, since removing a visit kills just two arcs (arcs
    ``i - 1`` and ``i``): the best arc left is the first of the three that is not one of them.
    """
    val, arc = top
    i = np.arange(1, path.size - 1)[:, None]
    first = (arc[None, :, 0] != i - 1) & (arc[None, :, 0] != i)
    second = (arc[None, :, 1] != i - 1) & (arc[None, :, 1] != i)
    best = np.where(first, val[None, :, 0], np.where(second, val[None, :, 1], val[None, :, 2]))
    best_arc = np.where(first, arc[None, :, 0], np.where(second, arc[None, :, 1], arc[None, :, 2]))
    before, after = path[:-2], path[2:]
    gap = travel[before[:, None], nodes[None, :]] + travel[nodes[None, :], after[:, None]]
    gap -= travel[before, after][:, None]
    use_gap = gap <= best
    return np.where(use_gap, gap, best), np.where(use_gap, -1, best_arc)


def _swap_star(
    travel: np.ndarray,
    dwell: np.ndarray,
    paths: tuple[list[int], list[int]],
    slacks_s: tuple[float, float],
) -> tuple[list[int], list[int]] | None:
    """Best exchange of one visit of route 1 with one of route 2, each put where it fits best.

    SWAP* (Vidal 2022, Computers & Operations Research 140): visit ``u`` of route 1 and ``v``
    of route 2 change routes, and each is inserted at its cheapest place in the other route
    (the place the other left included), not necessarily in its place. ``paths`` include
    their stations; each route may grow by at most its slack. Returns the new paths, or None
    when no exchange saves time in sum.
    """
    p1, p2 = np.asarray(paths[0]), np.asarray(paths[1])
    if p1.size < 3 or p2.size < 3:
        return None
    u, v = p1[1:-1], p2[1:-1]
    out1 = travel[p1[:-2], u] + travel[u, p1[2:]] - travel[p1[:-2], p1[2:]] + dwell[u]
    out2 = travel[p2[:-2], v] + travel[v, p2[2:]] - travel[p2[:-2], p2[2:]] + dwell[v]
    in1, arc1 = _insert_without(travel, p1, _best_insertions(travel, p1, v), v)  # (u, v)
    in2, arc2 = _insert_without(travel, p2, _best_insertions(travel, p2, u), u)  # (v, u)
    d1 = in1 + dwell[v][None, :] - out1[:, None]
    d2 = (in2 + dwell[u][None, :] - out2[:, None]).T
    ok = (d1 <= slacks_s[0] + 1e-9) & (d2 <= slacks_s[1] + 1e-9) & (d1 + d2 < -_MIN_GAIN_S)
    if not ok.any():
        return None
    f = int(np.where(ok, d1 + d2, np.inf).argmin())
    i, j = divmod(f, v.size)
    return (
        _put_in(paths[0], i + 1, paths[1][j + 1], int(arc1[i, j])),
        _put_in(paths[1], j + 1, paths[0][i + 1], int(arc2[j, i])),
    )


def _put_in(path: list[int], i: int, node: int, arc: int) -> list[int]:
    """``path`` without its visit ``i``, ``node`` inserted on ``arc`` (-1: where ``i`` was)."""
    out = path[:i] + path[i + 1 :]
    if arc == -1:
        out.insert(i, node)
    elif arc < i - 1:
        out.insert(arc + 1, node)
    else:  # arcs after the removed visit moved back by one
        out.insert(arc, node)
    return out
