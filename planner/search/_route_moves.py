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
