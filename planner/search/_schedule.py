"""Exact scheduling of visit sequences: event simulation, objective, :func:`evaluate`."""

from __future__ import annotations

import heapq
from typing import Literal

from planner.search._model import TOL_S, Problem, Shift, Solution, Visit, _Data


def _gap_slot(starts: list[float] | None, arrival_s: float, gap_s: float) -> float:
    """Earliest start >= ``arrival_s`` at least ``gap_s`` from every start in ``starts``."""
    s = arrival_s
    if not starts or gap_s <= 0.0:
        return s
    moved = True
    while moved:
        moved = False
        for x in starts:
            if abs(s - x) < gap_s - TOL_S:
                s = x + gap_s
                moved = True
    return s


def _break_step(
    data: _Data,
    shift: Shift,
    t: float,
    cur: int,
    nxt: int | None,
    taken: list[float] | None = None,
) -> tuple[float, int, float] | Literal[False] | None:
    """Decide whether to take the pending break before walking from ``cur`` to ``nxt``.

    The break is deferred while it is early and the stop at ``nxt`` (started in its first free
    revisit slot among the starts ``taken`` there) still leaves time to reach the break in its
    window. It is taken at ``break_node`` when given, else where the officer is; after the
    last stop (``nxt`` None), at the end station: walking back first never ends later.

    Returns
    -------
    tuple[float, int, float] | None | False
        ``(time after the break, node after the break, break start)`` when taken now, ``False``
        when it is deferred, ``None`` when the window is already missed (infeasible).
    """
    tl = data.tl
    bn = shift.break_node if shift.break_node is not None or nxt is not None else shift.end
    arrive = t if bn is None else t + tl[cur][bn]
    if nxt is not None:
        begin = _gap_slot(taken, t + tl[cur][nxt], data.gap)
        later = begin + data.dl[nxt] + (0.0 if bn is None else tl[nxt][bn])
        if arrive < shift.break_earliest_s - TOL_S and later <= shift.break_latest_s + TOL_S:
            return False
    start = max(arrive, shift.break_earliest_s)
    if start > shift.break_latest_s + TOL_S:
        return None
    return start + shift.break_s, (cur if bn is None else bn), start


_Scheduled = tuple[list[list[float]], list[float | None], list[float], float]
"""Starts per route, break starts, end arrivals and the objective of a scheduled plan."""


def _simulate(data: _Data, seqs: list[list[int]]) -> _Scheduled | None:
    """Schedule ``seqs``; return starts, break starts, end arrivals and the objective, or None."""
    shifts, tl, dl = data.shifts, data.tl, data.dl
    m = len(shifts)
    if len(seqs) != m:
        return None
    counts: dict[int, int] = {}
    for seq in seqs:
        for v in seq:
            if not 0 <= v < data.n:
                return None
            counts[v] = counts.get(v, 0) + 1
    if any(c > data.cap[v] for v, c in counts.items()):
        return None
    gap = data.gap
    node_starts: dict[int, list[float]] = {k: list(v) for k, v in data.hist_starts.items()}
    t = [s.begin_s for s in shifts]
    cur = [s.start for s in shifts]
    pos = [0] * m
    pending = [s.break_s > 0.0 for s in shifts]
    brk: list[float | None] = [None] * m
    starts: list[list[float]] = [[] for _ in range(m)]
    arcs: list[tuple[int, int]] | None = [] if data.wl is not None else None  # walks made
    # next arrivals (time, officer); a route's entry changes only when that route moves
    heap = [(t[r] + tl[cur[r]][seqs[r][0]], r) for r in range(m) if seqs[r]]
    heapq.heapify(heap)
    while heap:
        r = heapq.heappop(heap)[1]
        nxt = seqs[r][pos[r]]
        sh = shifts[r]
        if pending[r]:
            step = _break_step(data, sh, t[r], cur[r], nxt, node_starts.get(nxt))
            if step is None:
                return None
            if step is not False:
                if arcs is not None and sh.break_node is not None:
                    arcs.append((cur[r], sh.break_node))
                t[r], cur[r], brk[r] = step
                pending[r] = False
        arrival = t[r] + tl[cur[r]][nxt]
        if arcs is not None:
            arcs.append((cur[r], nxt))
        s = _gap_slot(node_starts.get(nxt), arrival, gap) if gap > 0.0 else arrival
        starts[r].append(s)
        if gap > 0.0:
            node_starts.setdefault(nxt, []).append(s)
        t[r] = s + dl[nxt]
        cur[r] = nxt
        pos[r] += 1
        if t[r] + tl[nxt][sh.end] > sh.end_s + TOL_S:
            return None
        if pos[r] < len(seqs[r]):
            heapq.heappush(heap, (t[r] + tl[nxt][seqs[r][pos[r]]], r))
    ends: list[float] = []
    for r, sh in enumerate(shifts):
        if pending[r]:
            step = _break_step(data, sh, t[r], cur[r], None)
            if step is None:
                return None
            if arcs is not None:
                arcs.append((cur[r], step[1]))  # type: ignore[index]
            t[r], cur[r], brk[r] = step  # type: ignore[misc]
        if arcs is not None:
            arcs.append((cur[r], sh.end))
        arrive = t[r] + tl[cur[r]][sh.end]
        if arrive > sh.end_s + TOL_S:
            return None
        ends.append(arrive)
    return starts, brk, ends, _visit_value(data, seqs, starts) + _walk_value(data, arcs or [])


def _walk_value(data: _Data, arcs: list[tuple[int, int]]) -> float:
    """Walk value of the walks made, in order; each street's passes decaying when they do."""
    if data.passes is not None:
        return data.passes.walk_credit(arcs)
    walk = 0.0
    for a, b in arcs:
        walk += data.wl[a][b]  # type: ignore[index]
    return walk


def _visit_value(data: _Data, seqs: list[list[int]], starts: list[list[float]]) -> float:
    """Sum of visit values with buckets and the repeat decay ranked in time order."""
    if data.decay == 1.0:
        return sum(
            data.vl[v][data.bucket(s)]
            for seq, st in zip(seqs, starts, strict=True)
            for v, s in zip(seq, st, strict=True)
        )
    per_node: dict[int, list[tuple[float, int]]] = {}
    for node, s in data.problem.history:
        per_node.setdefault(node, []).append((s, 0))
    for seq, st in zip(seqs, starts, strict=True):
        for v, s in zip(seq, st, strict=True):
            per_node.setdefault(v, []).append((s, 1))
    total = 0.0
    for v, items in per_node.items():
        items.sort()
        for rank, (s, new) in enumerate(items):
            if new:
                total += data.vl[v][data.bucket(s)] * data.decay**rank
    return total


def _solution(data: _Data, seqs: list[list[int]]) -> Solution | None:
    """Scheduled :class:`Solution` of ``seqs`` or None when infeasible."""
    out = _simulate(data, seqs)
    if out is None:
        return None
    starts, brk, _, objective = out
    routes = tuple(
        tuple(Visit(int(v), float(s)) for v, s in zip(seq, st, strict=True))
        for seq, st in zip(seqs, starts, strict=True)
    )
    return Solution(routes=routes, breaks=tuple(brk), objective=float(objective))


def evaluate(problem: Problem, sequences: list[list[int]]) -> Solution | None:
    """Schedule the visit sequences of every shift and compute the objective.

    Parameters
    ----------
    problem : Problem
        The instance.
    sequences : list[list[int]]
        One list of node indices per shift, in visiting order (stations not listed).

    Returns
    -------
    Solution | None
        The scheduled solution, or None if a shift ends late, a break window is missed, a node is
        visited more than ``max_visits`` times (history not counted), or the number of sequences
        differs from the number of shifts.
    """
    return _solution(_Data(problem), [list(map(int, s)) for s in sequences])
