"""Exact value of one insertion from the changed route alone, when no other route can notice.

Inserting stop ``c`` at position ``p`` of route ``r`` re-times only the rest of ``r`` (its
prefix keeps its times). Other routes see route ``r`` only through the revisit spacing at the
nodes they share with it and through the pass counts of the streets walked. When every stop of
``r``'s tail, before and after the insertion, either has its node to itself or stays at least
the minimum gap away from the other routes' visits there (from their arrival to their start,
the times their slot rule looks at), no slot of either side moves: the new plan's schedule is
the old one with ``r``'s tail re-simulated alone, as :func:`._schedule._simulate` would give
it. Its objective is then the old one plus the change in value of the nodes of the tail (repeats
ranked over all routes) and in walking credit of the streets under the tail's walks.
:class:`_Tails` computes that at the cost of one route's tail instead of the whole plan, and
says when it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.search._model import TOL_S, Shift, _Data
from planner.search._schedule import _break_step, _gap_slot

TailSchedule = tuple[float, list[float], float | None, float]
"""Objective, the route's starts, break start and end after an insertion."""


class _Tails:
    """Insertions into one scheduled state, evaluated from the changed route's tail."""

    def __init__(
        self,
        data: _Data,
        seqs: list[list[int]],
        starts: list[list[float]],
        breaks: list[float | None],
        obj: float,
    ) -> None:
        self.data, self.seqs, self.starts, self.breaks, self.obj = data, seqs, starts, breaks, obj
        # each route replayed once: arrivals at its stops, its walks, and where in them the
        # walks after each stop begin (first[r][p]: the walks after stop p - 1)
        self.arrivals, self.arcs, self.first = [], [], []
        for r in range(len(seqs)):
            arrivals, arcs, first = self._replay(r)
            self.arrivals.append(arrivals)
            self.arcs.append(arcs)
            self.first.append(first)
        # visits[u]: (route, arrival, start) of every planned visit of node u
        visits: dict[int, list[tuple[int, float, float]]] = {}
        for r, seq in enumerate(seqs):
            for v, a, s in zip(seq, self.arrivals[r], starts[r], strict=True):
                visits.setdefault(v, []).append((r, a, s))
        self.visits = visits
        # clear[r][p]: no stop of route r from position p on is near another route's visit
        self.clear: list[list[bool]] = []
        for r, seq in enumerate(seqs):
            flags = [True] * (len(seq) + 1)
            for j in range(len(seq) - 1, -1, -1):
                ok = self._apart(r, seq[j], self.arrivals[r][j], starts[r][j])
                flags[j] = flags[j + 1] and ok
            self.clear.append(flags)
        self.counts = None
        if data.passes is not None:
            self.counts = _street_counts(data, [a for arcs in self.arcs for a in arcs])

    def starts_of(self, v: int) -> list[float]:
        """Start times of the visits of node ``v``: those done, then the planned ones by route."""
        return [*self.data.hist_starts.get(v, ()), *(s for _, _, s in self.visits.get(v, ()))]

    def _apart(self, r: int, v: int, arrival: float, start: float) -> bool:
        """Tell whether a visit of ``v`` by route ``r`` (arrival to start) is clear of others'.

        Clear means at least the minimum gap from every other route's visit of ``v``, or no
        minimum gap at all.
        """
        gap = self.data.gap
        if gap <= 0.0:
            return True
        for q, a, s in self.visits.get(v, ()):
            if q != r and not (a - start >= gap or arrival - s >= gap):
                return False
        return True

    def insert(self, r: int, node: int, p: int) -> tuple[bool, TailSchedule | None]:
        """Insert ``node`` at position ``p`` of route ``r``: (decided, result).

        ``(True, None)`` when the route then ends late or misses its break window, ``(True,
        schedule)`` when it fits, ``(False, None)`` when another route could notice (ask
        :func:`._schedule._simulate`). The caller keeps ``node`` below its ``max_visits``.
        """
        data, sh = self.data, self.data.shifts[r]
        seq, starts, brk = self.seqs[r], self.starts[r], self.breaks[r]
        if not self.clear[r][p]:
            return False, None
        if p == 0:
            t, cur, pending = sh.begin_s, sh.start, sh.break_s > 0.0
        else:
            t, cur = starts[p - 1] + data.dl[seq[p - 1]], seq[p - 1]
            pending = sh.break_s > 0.0 and not (brk is not None and brk < starts[p - 1])
        tail = [node, *seq[p:]]
        taken: dict[int, list[float]] = {}
        if data.gap > 0.0:
            wanted = set(tail)
            for v in wanted:
                taken[v] = list(data.hist_starts.get(v, ()))
            for v, s in zip(seq[:p], starts[:p], strict=True):
                if v in wanted:
                    taken[v].append(s)
        run = _run_tail(data, sh, (t, cur, pending, None if pending else brk), tail, taken)
        # a stop near another route's visit may be moved by it in the whole plan (and a wait
        # there can change when the break is taken): only the whole schedule can tell, late or not
        if data.gap > 0.0 and not all(
            self._apart(r, v, a, s) for v, a, s in zip(tail, run.arrivals, run.starts, strict=False)
        ):
            return False, None
        if not run.fits:
            return True, None
        all_starts = starts[:p] + run.starts
        delta = self._nodes_change(r, set(tail), seq[:p] + tail, all_starts)
        delta += self._walk_change(self.arcs[r][self.first[r][p] :], run.arcs)
        return True, (self.obj + delta, all_starts, run.brk, run.end)

    def _replay(self, r: int) -> tuple[list[float], list[tuple[int, int]], list[int]]:
        """Replay route ``r``: arrivals, walks and where its walks after each stop begin.

        Arrivals are before any wait for a slot; entry ``p`` of the third list is the index of
        the first walk after stop ``p - 1`` (0 for ``p = 0``).
        """
        data, sh = self.data, self.data.shifts[r]
        seq, starts, brk = self.seqs[r], self.starts[r], self.breaks[r]
        bn = sh.break_node
        t, cur, pending = sh.begin_s, sh.start, brk is not None
        arrivals: list[float] = []
        arcs: list[tuple[int, int]] = []
        first = [0]
        for v, s in zip(seq, starts, strict=True):
            if pending and brk < s:  # type: ignore[operator]
                pending = False
                t = brk + sh.break_s  # type: ignore[operator]
                if bn is not None:
                    arcs.append((cur, bn))
                    cur = bn
            arrivals.append(t + data.tl[cur][v])
            arcs.append((cur, v))
            first.append(len(arcs))
            t, cur = s + data.dl[v], v
        if pending and bn is not None:
            arcs.append((cur, bn))
            cur = bn
        arcs.append((cur, sh.end))
        return arrivals, arcs, first

    def _nodes_change(
        self, r: int, nodes: set[int], new_seq: list[int], new_starts: list[float]
    ) -> float:
        """Change in value of ``nodes`` when route ``r`` visits them as ``new_seq`` does."""
        data = self.data
        total = 0.0
        for v in nodes:
            old = [s for q, _, s in self.visits.get(v, ())]
            new = [s for q, _, s in self.visits.get(v, ()) if q != r]
            new += [s for u, s in zip(new_seq, new_starts, strict=True) if u == v]
            total += _node_value(data, v, new) - _node_value(data, v, old)
        return total

    def _walk_change(self, old: list[tuple[int, int]], new: list[tuple[int, int]]) -> float:
        """Change of the plan's walking credit when walks ``old`` become walks ``new``."""
        data = self.data
        if data.wl is None:
            return 0.0
        passes = data.passes
        if self.counts is None or passes is None:  # walking value without decaying passes
            return sum(data.wl[a][b] for a, b in new) - sum(data.wl[a][b] for a, b in old)
        change: dict[int, int] = {}
        for arcs, sign in ((old, -1), (new, 1)):
            for a, b in arcs:
                if a != b:
                    for s in passes.streets_of(a, b).tolist():
                        change[s] = change.get(s, 0) + sign
        sp = passes.passes
        total = 0.0
        for s, k in change.items():
            if k:
                c = int(self.counts[s])
                if sp.decay == 1.0:
                    total += float(sp.weight[s]) * k
                else:
                    before = float(sp.before[s])
                    kept = sp.decay ** (before + c) - sp.decay ** (before + c + k)
                    total += float(sp.weight[s]) * kept / (1.0 - sp.decay)
        return total


def _street_counts(data: _Data, arcs: list[tuple[int, int]]) -> np.ndarray:
    """Count the passes of each street over the walks ``arcs``."""
    sp = data.passes
    assert sp is not None
    walked = [sp.streets_of(a, b) for a, b in arcs if a != b]
    size = len(sp.passes.weight)
    if not walked:
        return np.zeros(size, dtype=np.int64)
    return np.bincount(np.concatenate(walked), minlength=size)


@dataclass(slots=True)
class _TailRun:
    """One route's tail scheduled alone.

    The starts and arrivals of its stops (up to where it failed, if it did), its break start,
    end arrival and walks.
    """

    fits: bool
    starts: list[float]
    arrivals: list[float]
    brk: float | None = None
    end: float = 0.0
    arcs: list[tuple[int, int]] = field(default_factory=list)


def _run_tail(
    data: _Data,
    sh: Shift,
    at: tuple[float, int, bool, float | None],
    tail: list[int],
    taken: dict[int, list[float]],
) -> _TailRun:
    """Schedule the stops ``tail`` of one route as :func:`._schedule._simulate` does.

    ``at`` is the state before the first of them: (time, node, break pending, break start).
    """
    tl, dl, gap, bn = data.tl, data.dl, data.gap, sh.break_node
    t, cur, pending, brk = at
    run = _TailRun(False, [], [])
    for nxt in tail:
        if pending:
            step = _break_step(data, sh, t, cur, nxt, taken.get(nxt))
            if step is None:
                return run
            if step is not False:
                if bn is not None:
                    run.arcs.append((cur, bn))
                t, cur, brk = step
                pending = False
        arrival = t + tl[cur][nxt]
        run.arrivals.append(arrival)
        run.arcs.append((cur, nxt))
        if gap > 0.0:
            mine = taken[nxt]
            s = _gap_slot(mine, arrival, gap)
            mine.append(s)
        else:
            s = arrival
        run.starts.append(s)
        t, cur = s + dl[nxt], nxt
        if t + tl[nxt][sh.end] > sh.end_s + TOL_S:
            return run
    if pending:
        step = _break_step(data, sh, t, cur, None)
        if step is None:
            return run
        run.arcs.append((cur, step[1]))  # type: ignore[index]
        t, cur, brk = step  # type: ignore[misc]
    run.arcs.append((cur, sh.end))
    run.end = t + tl[cur][sh.end]
    run.fits = run.end <= sh.end_s + TOL_S
    run.brk = brk
    return run


def _node_value(data: _Data, v: int, starts: list[float]) -> float:
    """Value of the planned visits of node ``v`` at ``starts``, ranked after the visits done."""
    items = [(h, 0) for h in data.hist_starts.get(v, ())] + [(s, 1) for s in starts]
    items.sort()
    total = 0.0
    for rank, (s, fresh) in enumerate(items):
        if fresh:
            total += data.vl[v][data.bucket(s)] * data.decay**rank
    return total
