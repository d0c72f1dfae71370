"""Estimates for inserting a stop into scheduled routes, used by the general repair.

Before an insertion is scheduled exactly, the repair scores every (candidate, position) pair
from estimated starts: the wait for a revisit slot (:func:`_slot_starts`), the waits later in
the route that absorb a delay (:func:`_waits_after`) and the value of the time bucket the stop
would start in (:func:`_bucket_values`).
"""

from __future__ import annotations

import math

import numpy as np

from planner.search._local import _Tails
from planner.search._model import TOL_S, Shift, _Data


def _taken_starts(
    data: _Data, tails: _Tails, cands: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows of ``cands`` already visited (planned or done) and their visits' start times.

    The starts form a (rows, most visits) array padded with NaN; None when no candidate
    has a visit or repeat dwells need no spacing.
    """
    if data.gap <= 0.0:
        return None
    lists = [(c, tails.starts_of(v)) for c, v in enumerate(cands.tolist())]
    lists = [(c, x) for c, x in lists if x]
    if not lists:
        return None
    width = max(len(x) for _, x in lists)
    starts = np.full((len(lists), width), np.nan)
    for k, (_, x) in enumerate(lists):
        starts[k, : len(x)] = x
    return np.asarray([c for c, _ in lists]), starts


def _slot_starts(
    data: _Data, taken: tuple[np.ndarray, np.ndarray], est_s: np.ndarray
) -> np.ndarray:
    """Estimated starts after the wait for a revisit slot, per (candidate, position).

    ``est_s`` holds the estimated arrivals; a candidate with visits in ``taken`` (see
    :func:`_taken_starts`) starts at least the minimum gap from each of them, by the slot
    rule of the schedule (:func:`._schedule._gap_slot`). An estimate: the schedule looks
    only at the visits that start before the inserted one, and the inserted stop may
    move them.
    """
    gap = data.gap
    rows, starts = taken
    s = est_s[rows]
    for _ in range(starts.shape[1] + 1):
        moved = np.zeros(s.shape, dtype=bool)
        for j in range(starts.shape[1]):
            x = starts[:, j : j + 1]
            clash = np.abs(s - x) < gap - TOL_S  # False where x is NaN padding
            s = np.where(clash, x + gap, s)
            moved |= clash
        if not moved.any():
            break
    out = est_s.copy()
    out[rows] = s
    return out


def _waits_after(
    data: _Data, sh: Shift, seq: list[int], starts: list[float], break_start: float | None
) -> np.ndarray:
    """Seconds of waiting at or after each insertion position of a scheduled route.

    Entry ``p`` sums the waits for a revisit slot at visits ``p, p + 1, ...`` and the wait
    for the break window when the break comes before one of those visits or after the last:
    a delay inserted at ``p`` is absorbed by them before it reaches the route's end (the
    forward time slack of Savelsbergh 1992). An optimistic estimate, to leave out insertions
    that cannot fit before they are scheduled exactly: another officer's slot may move, and
    a break right after the inserted stop may be taken before it instead.
    """
    tl, dl, bn = data.tl, data.dl, sh.break_node
    waits = [0.0] * (len(seq) + 1)
    t, cur = sh.begin_s, sh.start
    for j in range(len(seq) + 1):
        nxt = seq[j] if j < len(seq) else sh.end
        if (
            break_start is not None
            and t - TOL_S <= break_start
            and (j == len(seq) or break_start < starts[j])
        ):
            reach = t + (0.0 if bn is None else tl[cur][bn])
            waits[j] += max(0.0, break_start - reach)  # before visit j (or the end)
            t, cur = break_start + sh.break_s, (cur if bn is None else bn)
        if j < len(seq):
            waits[j] += max(0.0, starts[j] - (t + tl[cur][nxt]))
            t, cur = starts[j] + dl[nxt], nxt
    return np.cumsum(waits[::-1])[::-1]


def _bucket_values(data: _Data, cands: np.ndarray, est_s: np.ndarray) -> np.ndarray:
    """value[c, bucket(est)] for a (candidates, positions) array of estimated starts."""
    if data.n_buckets == 1 or math.isinf(data.problem.bucket_s):
        return np.repeat(data.value[cands, 0][:, None], est_s.shape[1], axis=1)
    h = np.clip(np.floor(est_s / data.problem.bucket_s), 0, data.n_buckets - 1).astype(int)
    return data.value[cands[:, None], h]
