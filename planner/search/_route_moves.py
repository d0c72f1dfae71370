"""Route moves on plain Python lists (within and between routes), over the compiled loops."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from planner.search import _kernels as _k
from planner.search._kernels import _MIN_GAIN_S
from planner.search._model import Shift, _Data


def _two_opt(travel: np.ndarray, path: list[int]) -> bool:
    """Improve ``path`` (stations included) in place by best-improvement 2-opt.

    Every reversal is scored: reversing ``path[i+1..j]`` replaces the arcs
    ``(p_i, p_i+1)`` and ``(p_j, p_j+1)`` by ``(p_i, p_j)`` and ``(p_i+1, p_j+1)``; valid for
    symmetric travel times only. Returns True if the path changed.
    """
    return _in_place(_k.two_opt, travel, path)


def _or_opt(travel: np.ndarray, path: list[int]) -> bool:
    """Relocate single nodes of ``path`` (stations included) in place, best move first.

    Every move (node ``i`` out, onto arc ``j``) is scored by the saving of taking it out less
    the cost of putting it on the arc. Returns True if the path changed.
    """
    return _in_place(_k.or_opt, travel, path)


def _in_place(
    kernel: Callable[[np.ndarray, np.ndarray], bool], travel: np.ndarray, path: list[int]
) -> bool:
    """Run an intra-route ``kernel`` on ``path`` as an int64 array; copy back what it changed."""
    if len(path) < 4:
        return False
    p = np.array(path, dtype=np.int64)
    if not kernel(travel, p):
        return False
    path[:] = p.tolist()
    return True


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


def _two_opt_star(
    travel: np.ndarray,
    dwell: np.ndarray,
    paths: tuple[list[int], list[int]],
    begins: tuple[float, float],
    limits: tuple[float, float],
) -> tuple[list[int], list[int]] | None:
    """Best exchange of tails between two routes that shortens them in sum (2-opt*).

    Cutting route 1 after position ``i`` and route 2 after ``j`` gives ``p1[:i+1] + p2[j+1:]``
    and ``p2[:j+1] + p1[i+1:]``; every cut pair is scored from departure times and
    tail durations, both new routes must end by their limits (Potvin & Rousseau 1995, JORS
    46(12)). The paths include their stations and must share the end station. Returns the new
    paths, or None when no exchange saves time.
    """
    i, j = _k.two_opt_star(
        travel,
        dwell,
        np.array(paths[0], dtype=np.int64),
        np.array(paths[1], dtype=np.int64),
        float(begins[0]),
        float(begins[1]),
        float(limits[0]),
        float(limits[1]),
    )
    if i < 0:
        return None
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
    if len(paths[0]) < 3:
        return None
    i, j = _k.relocate_between(
        travel,
        dwell,
        np.array(paths[0], dtype=np.int64),
        np.array(paths[1], dtype=np.int64),
        float(slack2_s),
    )
    if i < 0:
        return None
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
    if len(paths[0]) < 3 or len(paths[1]) < 3:
        return None
    i, j, arc1, arc2 = _k.swap_star(
        travel,
        dwell,
        np.array(paths[0], dtype=np.int64),
        np.array(paths[1], dtype=np.int64),
        float(slacks_s[0]),
        float(slacks_s[1]),
    )
    if i < 0:
        return None
    return (
        _put_in(paths[0], i + 1, paths[1][j + 1], int(arc1)),
        _put_in(paths[1], j + 1, paths[0][i + 1], int(arc2)),
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
