"""Upper bound on the objective: fractional knapsack over officer time."""

from __future__ import annotations

import math

import numpy as np

from planner.search._model import TOL_S, Problem, _Data


def upper_bound(problem: Problem) -> float:
    """Return a valid upper bound on the objective (fractional knapsack over officer time).

    Argument: every visit of node ``i`` occupies its officer for at least
    ``c_i = dwell_s[i] + min_j travel_s[j, i]`` seconds (the walk into it; ``j`` ranges over all
    other nodes, and over ``i`` itself when ``i`` may be visited twice) and earns at most
    ``max_h value[i, h] * decay**k`` for its ``k``-th visit counted after the history, plus the
    largest ``walk_value`` of an arc entering ``i``. Visits are disjoint in officer time, and the
    officers together have at most ``sum(end_s - begin_s - break_s)`` seconds, so the optimum is
    at most the fractional knapsack of these items over that capacity. Each arc that enters the
    end station or a break node, at most one per shift each, adds its largest ``walk_value``.
    Visits no shift can reach and return from in time are dropped.

    Parameters
    ----------
    problem : Problem
        The instance.

    Returns
    -------
    float
        An upper bound on the objective of every feasible solution.
    """
    data = _Data(problem)
    n = data.n
    travel = data.travel.copy()
    walk = np.zeros((n, n)) if data.walk is None else np.maximum(data.walk, 0.0)
    capacity = 0.0
    extra = 0.0
    reach = np.zeros(n, dtype=bool)
    for sh in problem.shifts:
        capacity += max(0.0, sh.end_s - sh.begin_s - sh.break_s)
        extra += float(walk[:, sh.end].max())
        if sh.break_node is not None and sh.break_s > 0.0:
            extra += float(walk[:, sh.break_node].max())
        spare = sh.end_s - sh.begin_s - sh.break_s + TOL_S
        reach |= data.travel[sh.start] + data.dwell + data.travel[:, sh.end] <= spare
    off = travel.copy()
    np.fill_diagonal(off, np.inf)
    in_min = off.min(axis=0) if n > 1 else np.zeros(n)
    best_value = np.maximum(data.value.max(axis=1), 0.0)
    in_walk = walk.max(axis=0)
    items: list[tuple[float, float]] = []
    for i in range(n):
        if not reach[i] or data.cap[i] <= 0:
            continue
        for k in range(data.cap[i]):
            gain = best_value[i] * data.decay ** (data.hist_count[i] + k) + in_walk[i]
            if gain <= 0.0:
                break
            arc = in_min[i] if k == 0 else min(in_min[i], 0.0)
            items.append((gain, float(data.dwell[i] + max(arc, 0.0))))
    items.sort(key=lambda it: -it[0] / it[1] if it[1] > 0 else -math.inf)
    total = extra
    for gain, cost in items:
        if cost <= capacity:
            total += gain
            capacity -= cost
        else:
            total += gain * capacity / cost
            break
    return float(total)
