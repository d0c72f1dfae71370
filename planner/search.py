"""Anytime search for multi-officer orienteering: our own engine, numeric core only.

Model
-----
A team orienteering problem with service times, extended for foot patrol. Each shift (officer)
leaves its ``start`` node at ``begin_s``, walks along ``travel_s``, dwells ``dwell_s[i]`` at each
visited node ``i`` and must be at its ``end`` node by ``end_s``. A visit of node ``i`` starting at
second ``s`` earns ``value[i, h(s)] * repeat_decay**k`` where ``h`` is the time bucket and ``k``
the rank of the visit among all visits of ``i`` in time order (``history`` visits included, which
earn nothing themselves). Walking an arc ``i -> j`` earns ``walk_value[i, j]`` when given. A node
is visited at most ``max_visits[i]`` times in the new plan; two visits of one node (any officers,
history included) start at least ``min_gap_s`` apart; an optional meal break of ``break_s`` must
start within its window, either where the officer is or at ``break_node``. Every time is a float
second; feasibility uses a tolerance of 1e-9 s only.

Scheduling of a set of sequences (:func:`evaluate`) is a deterministic event simulation: the
officer whose next arrival is earliest moves first; a visit starts on arrival unless another
visit of the same node is closer than ``min_gap_s`` (then it waits for the first free slot); the
break is taken before the first leg that starts at or after ``break_earliest_s`` (waiting for the
window if deferring it past the next stop would miss ``break_latest_s``).

Algorithm
---------
Adaptive large neighbourhood search with iterated local search elements, the family behind the
strongest simple heuristics for the team orienteering problem (TOP). Why: the objective is a
choice of which nodes to visit, and destroy-repair changes that choice directly, while the local
searches keep each route short so that more fits; it needs no penalty tuning (routes are never
allowed to run over time), works with any exact evaluator, and is anytime by construction.

* destroy (one operator drawn per iteration, 1 to ~35 % of the visits): random, worst
  value/saving ratio, related (nearest visited nodes of a random seed visit), segment and whole
  route removal (Ropke & Pisinger 2006, Transportation Science 40(4); worst and related removal
  as in the TOP ALNS of Hammami, Rekik & Coelho 2020, Computers & OR 123);
* repair: greedy insertion by ``value**p / added seconds`` with ``p`` in {1, 2} and a random
  noise factor per node, the insertion ratio of Chao, Golden & Wasil 1996 (EJOR 88(3)) and of the
  iterated local search of Vansteenwegen, Souffriau, Vanden Berghe & Van Oudheusden 2009
  (Computers & OR 36(12), which uses ``score**2 / time``). Half of the repairs first refuse the
  nodes just removed (forcing a different choice), then allow them in a second pass;
* local search: 2-opt (symmetric travel only) and or-opt of single nodes to shorten routes, a
  second repair into the freed time (the "shorten then insert" loop of Vansteenwegen et al.
  2009 and Ke, Zhai, Li & Chan 2016, Omega 61), and, in the pure-TOP case without decay,
  swap-in of an unvisited node in place of a visited one worth less (the "replace" move of
  the TOP guided local search of Vansteenwegen et al. 2009, EJOR 196(1));
* acceptance: record-to-record travel (Dueck 1993, J. Computational Physics 104) with a threshold
  of 2 % of the best objective shrinking linearly to zero over the run, and a restart from the
  best solution after a long stall. Ties in objective prefer less time used.

Removals are cheap and insertions are where time goes, so the common pure-TOP case (one bucket,
no gap, no break, no walk value) keeps route durations and evaluates all insertions of all
candidates into a route as one numpy expression (O(1) per insertion). The general case estimates
insertions the same way (bucket of the estimated start, decay of the current count) and then
re-schedules the few best candidates exactly with :func:`evaluate` before committing one.

Bound
-----
:func:`upper_bound` is a fractional knapsack over the officers' time; see its docstring.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

TOL_S = 1e-9
"""Feasibility tolerance in seconds."""

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Shift:
    """One officer (unit): where and when the shift starts and ends, and its meal break."""

    start: int
    end: int
    begin_s: float
    end_s: float
    break_s: float = 0.0
    break_earliest_s: float = 0.0
    break_latest_s: float = math.inf
    break_node: int | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Problem:
    """Matrices and shifts of one planning problem (see the module docstring for the model)."""

    travel_s: np.ndarray
    value: np.ndarray
    dwell_s: np.ndarray
    max_visits: np.ndarray
    shifts: tuple[Shift, ...]
    bucket_s: float = math.inf
    repeat_decay: float = 1.0
    min_gap_s: float = 0.0
    walk_value: np.ndarray | None = None
    history: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Visit:
    """One dwell: the node and the second it starts."""

    node: int
    start_s: float


@dataclass(frozen=True, slots=True)
class Solution:
    """Scheduled routes (stations not listed), break starts per shift, and the objective."""

    routes: tuple[tuple[Visit, ...], ...]
    breaks: tuple[float | None, ...]
    objective: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Best solution, bound, status and the improvement history of one search."""

    best: Solution
    bound: float
    status: str
    history: tuple[tuple[float, float], ...]
    iterations: int
    runtime_s: float


@dataclass(frozen=True, slots=True)
class _Tuning:
    """Search constants (record-to-record threshold, destroy size, noise, restart stall)."""

    threshold: float = 0.02
    destroy_share: float = 0.35
    destroy_max: int = 30
    noise: float = 0.6
    stall_base: int = 400
    powers: tuple[float, ...] = (1.0, 2.0)
    ban_share: float = 0.5
    swap_share: float = 1.0


_TUNING = _Tuning()


class _Data:
    """Problem converted once to Python lists (scalar access) and numpy arrays (vector access)."""

    def __init__(self, problem: Problem) -> None:
        _check_problem(problem)
        self.problem = problem
        self.n = int(problem.travel_s.shape[0])
        self.travel = np.asarray(problem.travel_s, dtype=np.float64)
        self.tl = self.travel.tolist()
        self.value = np.asarray(problem.value, dtype=np.float64)
        self.vl = self.value.tolist()
        self.n_buckets = int(self.value.shape[1])
        self.dwell = np.asarray(problem.dwell_s, dtype=np.float64)
        self.dl = self.dwell.tolist()
        self.cap = [int(c) for c in problem.max_visits]
        self.shifts = problem.shifts
        self.decay = float(problem.repeat_decay)
        self.gap = float(problem.min_gap_s)
        self.walk = (
            None
            if problem.walk_value is None or not np.any(problem.walk_value)
            else np.asarray(problem.walk_value, dtype=np.float64)
        )
        self.wl = None if self.walk is None else self.walk.tolist()
        self.hist_count = [0] * self.n
        self.hist_starts: dict[int, list[float]] = {}
        for node, start_s in problem.history:
            self.hist_count[node] += 1
            self.hist_starts.setdefault(node, []).append(float(start_s))
        one_bucket = self.n_buckets == 1 or math.isinf(problem.bucket_s)
        self.simple = (
            one_bucket
            and self.gap <= 0.0
            and self.walk is None
            and all(s.break_s <= 0.0 for s in problem.shifts)
        )
        self.symmetric = bool(np.allclose(self.travel, self.travel.T, rtol=0.0, atol=1e-12))

    def bucket(self, start_s: float) -> int:
        """Value bucket of a visit starting at ``start_s``."""
        b = self.problem.bucket_s
        if self.n_buckets == 1 or math.isinf(b):
            return 0
        return max(0, min(self.n_buckets - 1, math.floor(start_s / b)))


def _check_problem(problem: Problem) -> None:
    """Raise ``ValueError`` naming the field when the arrays or shifts are inconsistent."""
    n = problem.travel_s.shape[0]
    if problem.travel_s.shape != (n, n):
        msg = f"travel_s must be square (got shape {problem.travel_s.shape})"
        raise ValueError(msg)
    if problem.value.ndim != 2 or problem.value.shape[0] != n or problem.value.shape[1] < 1:
        msg = f"value must have shape (n={n}, H>=1) (got {problem.value.shape})"
        raise ValueError(msg)
    for name in ("dwell_s", "max_visits"):
        if getattr(problem, name).shape != (n,):
            msg = f"{name} must have shape ({n},) (got {getattr(problem, name).shape})"
            raise ValueError(msg)
    if problem.walk_value is not None and problem.walk_value.shape != (n, n):
        msg = f"walk_value must have shape ({n}, {n}) (got {problem.walk_value.shape})"
        raise ValueError(msg)
    for k, s in enumerate(problem.shifts):
        for field in ("start", "end", "break_node"):
            node = getattr(s, field)
            if node is not None and not 0 <= node < n:
                msg = f"shifts[{k}].{field} = {node} is not a node index in [0, {n})"
                raise ValueError(msg)
    for node, _ in problem.history:
        if not 0 <= node < n:
            msg = f"history node {node} is not a node index in [0, {n})"
            raise ValueError(msg)


# ---------------------------------------------------------------------------------------------
# Scheduling and evaluation
# ---------------------------------------------------------------------------------------------


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
    data: _Data, shift: Shift, t: float, cur: int, nxt: int | None
) -> tuple[float, int, float] | bool | None:
    """Decide whether to take the pending break before walking from ``cur`` to ``nxt``.

    Returns
    -------
    tuple[float, int, float] | None | bool
        ``(time after the break, node after the break, break start)`` when taken now, ``False``
        when it is deferred, ``None`` when the window is already missed (infeasible).
    """
    tl, bn = data.tl, shift.break_node
    arrive = t if bn is None else t + tl[cur][bn]
    if nxt is not None:
        later = t + tl[cur][nxt] + data.dl[nxt] + (0.0 if bn is None else tl[nxt][bn])
        if arrive < shift.break_earliest_s - TOL_S and later <= shift.break_latest_s + TOL_S:
            return False
    start = max(arrive, shift.break_earliest_s)
    if start > shift.break_latest_s + TOL_S:
        return None
    return start + shift.break_s, (cur if bn is None else bn), start


def _simulate(
    data: _Data, seqs: list[list[int]]
) -> tuple[list[list[float]], list[float | None], list[float], float] | None:
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
    walk = 0.0
    wl = data.wl
    active = [r for r in range(m) if seqs[r]]
    while active:
        r = min(active, key=lambda q: (t[q] + tl[cur[q]][seqs[q][pos[q]]], q))
        nxt = seqs[r][pos[r]]
        sh = shifts[r]
        if pending[r]:
            step = _break_step(data, sh, t[r], cur[r], nxt)
            if step is None:
                return None
            if step is not False:
                if wl is not None and sh.break_node is not None:
                    walk += wl[cur[r]][sh.break_node]
                t[r], cur[r], brk[r] = step
                pending[r] = False
        arrival = t[r] + tl[cur[r]][nxt]
        if wl is not None:
            walk += wl[cur[r]][nxt]
        s = _gap_slot(node_starts.get(nxt), arrival, gap) if gap > 0.0 else arrival
        starts[r].append(s)
        if gap > 0.0:
            node_starts.setdefault(nxt, []).append(s)
        t[r] = s + dl[nxt]
        cur[r] = nxt
        pos[r] += 1
        if t[r] + tl[nxt][sh.end] > sh.end_s + TOL_S:
            return None
        if pos[r] == len(seqs[r]):
            active.remove(r)
    ends: list[float] = []
    for r, sh in enumerate(shifts):
        if pending[r]:
            step = _break_step(data, sh, t[r], cur[r], None)
            if step is None:
                return None
            if wl is not None and sh.break_node is not None:
                walk += wl[cur[r]][sh.break_node]
            t[r], cur[r], brk[r] = step  # type: ignore[misc]
        if wl is not None:
            walk += wl[cur[r]][sh.end]
        arrive = t[r] + tl[cur[r]][sh.end]
        if arrive > sh.end_s + TOL_S:
            return None
        ends.append(arrive)
    return starts, brk, ends, _visit_value(data, seqs, starts) + walk


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


# ---------------------------------------------------------------------------------------------
# Local search on one route (pure Python on list-of-lists travel times)
# ---------------------------------------------------------------------------------------------


def _two_opt(tl: list[list[float]], path: list[int]) -> bool:
    """Improve ``path`` (stations included) in place by 2-opt; True if it changed."""
    changed = False
    improved = True
    n = len(path)
    while improved:
        improved = False
        for i in range(n - 3):
            a, b = path[i], path[i + 1]
            ta, dab = tl[a], tl[a][b]
            tb = tl[b]
            for j in range(i + 2, n - 1):
                c, d = path[j], path[j + 1]
                if ta[c] + tb[d] < dab + tl[c][d] - 1e-10:
                    path[i + 1 : j + 1] = path[i + 1 : j + 1][::-1]
                    improved = changed = True
                    break
            if improved:
                break
    return changed


def _or_opt(tl: list[list[float]], path: list[int]) -> bool:
    """Relocate single nodes of ``path`` (stations included) in place; True if it changed."""
    changed = False
    improved = True
    while improved:
        improved = False
        for i in range(1, len(path) - 1):
            p, v, q = path[i - 1], path[i], path[i + 1]
            saving = tl[p][v] + tl[v][q] - tl[p][q]
            tv = tl[v]
            for j in range(len(path) - 1):
                if j in (i - 1, i):
                    continue
                a, b = path[j], path[j + 1]
                if tl[a][v] + tv[b] - tl[a][b] < saving - 1e-10:
                    del path[i]
                    path.insert(j + 1 if j < i else j, v)
                    improved = changed = True
                    break
            if improved:
                break
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


# ---------------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------------


class _State:
    """Mutable search state: sequences, per-route end times, visit counts and objective."""

    __slots__ = ("count", "ends", "obj", "seqs", "starts")

    def __init__(
        self,
        seqs: list[list[int]],
        ends: list[float],
        count: list[int],
        obj: float,
        starts: list[list[float]] | None = None,
    ) -> None:
        self.seqs = seqs
        self.ends = ends
        self.count = count
        self.obj = obj
        self.starts = starts

    def copy(self) -> _State:
        """Deep enough copy to mutate independently."""
        return _State(
            [list(s) for s in self.seqs],
            list(self.ends),
            list(self.count),
            self.obj,
            None if self.starts is None else [list(s) for s in self.starts],
        )

    def key(self) -> tuple[float, float]:
        """Comparison key: objective first, then less total time used."""
        return (self.obj, -sum(self.ends))


class _Engine:
    """Destroy-repair search over sequences; pure-TOP fast path or exact re-scheduling."""

    def __init__(self, data: _Data, rng: random.Random) -> None:
        self.data = data
        self.rng = rng
        p = data.problem
        self.m = len(p.shifts)
        self.best_value = data.value.max(axis=1)
        reach = np.zeros(data.n, dtype=bool)
        for sh in p.shifts:
            spare = sh.end_s - sh.begin_s - sh.break_s + TOL_S
            reach |= data.travel[sh.start] + data.dwell + data.travel[:, sh.end] <= spare
        caps = np.asarray(data.cap)
        self.cands = np.flatnonzero(reach & (caps > 0) & (self.best_value > 0.0))
        self.hist = np.asarray(data.hist_count, dtype=np.float64)
        self.val0 = data.value[:, 0]
        self.limit = [sh.end_s for sh in p.shifts]
        self.to_cands = data.travel[:, self.cands]  # (n, C): travel a -> candidate
        self.from_cands = data.travel[self.cands, :]  # (C, n): travel candidate -> b
        self.dwell_cands = data.dwell[self.cands][:, None]

    # -- state construction -------------------------------------------------------------------

    def state_of(self, seqs: list[list[int]]) -> _State | None:
        """Exact state of ``seqs`` (None when infeasible)."""
        out = _simulate(self.data, seqs)
        if out is None:
            return None
        starts, _, ends, obj = out
        count = [0] * self.data.n
        for seq in seqs:
            for v in seq:
                count[v] += 1
        return _State([list(s) for s in seqs], ends, count, obj, starts)

    def refresh(self, st: _State) -> bool:
        """Recompute ``st`` exactly after an edit; False when it became infeasible."""
        if self.data.simple:
            st.ends = [
                _path_time(self.data, sh, s)
                for sh, s in zip(self.data.shifts, st.seqs, strict=True)
            ]
            return all(e <= lim + TOL_S for e, lim in zip(st.ends, self.limit, strict=True))
        out = _simulate(self.data, st.seqs)
        if out is None:
            return False
        st.starts, _, st.ends, st.obj = out
        return True

    def marginal(self, count: list[int], nodes: np.ndarray) -> np.ndarray:
        """Value of one more visit of each node in the pure-TOP case."""
        c = np.asarray(count, dtype=np.float64)[nodes] + self.hist[nodes]
        if self.data.decay == 1.0:
            return self.val0[nodes].copy()
        return self.val0[nodes] * self.data.decay**c

    # -- destroy -------------------------------------------------------------------------------

    def destroy(self, st: _State, k: int) -> tuple[set[int], set[int]]:
        """Remove about ``k`` visits with a randomly chosen operator.

        Returns the nodes removed and the routes changed.
        """
        rng = self.rng
        visits = [(r, i) for r, s in enumerate(st.seqs) for i in range(len(s))]
        if not visits:
            return set(), set()
        k = min(k, len(visits))
        op = rng.random()
        tl = self.data.tl
        if op < 0.3:
            chosen = rng.sample(visits, k)
        elif op < 0.55:
            r0, i0 = rng.choice(visits)
            center = st.seqs[r0][i0]
            row = tl[center]
            ranked = sorted(visits, key=lambda ri: row[st.seqs[ri[0]][ri[1]]] * (1 + rng.random()))
            chosen = ranked[:k]
        elif op < 0.8:
            chosen = self._worst(st, visits, k)
        elif op < 0.95 or self.m == 1:
            r0 = rng.choice([r for r, s in enumerate(st.seqs) if s])
            n0 = len(st.seqs[r0])
            length = min(k, n0)
            i0 = rng.randrange(n0 - length + 1)
            chosen = [(r0, i) for i in range(i0, i0 + length)]
        else:
            r0 = rng.choice([r for r, s in enumerate(st.seqs) if s])
            chosen = [(r0, i) for i in range(len(st.seqs[r0]))]
        by_route: dict[int, list[int]] = {}
        removed: set[int] = set()
        for r, i in chosen:
            by_route.setdefault(r, []).append(i)
            removed.add(st.seqs[r][i])
        for r, idx in by_route.items():
            drop = set(idx)
            seq = st.seqs[r]
            for i in idx:
                st.count[seq[i]] -= 1
            st.seqs[r] = [v for i, v in enumerate(seq) if i not in drop]
        if self.data.simple:
            st.obj = self.simple_objective(st.count)
        return removed, set(by_route)

    def _worst(self, st: _State, visits: list[tuple[int, int]], k: int) -> list[tuple[int, int]]:
        """Visits with the lowest value per second saved by removing them, randomised."""
        tl, dl, rng = self.data.tl, self.data.dl, self.rng
        scored = []
        for r, i in visits:
            seq = st.seqs[r]
            sh = self.data.shifts[r]
            p = seq[i - 1] if i > 0 else sh.start
            q = seq[i + 1] if i + 1 < len(seq) else sh.end
            v = seq[i]
            saving = tl[p][v] + tl[v][q] - tl[p][q] + dl[v]
            val = float(self.best_value[v])
            scored.append((val / (saving + _EPS) * rng.random() ** 0.5, r, i))
        scored.sort()
        return [(r, i) for _, r, i in scored[:k]]

    def simple_objective(self, count: list[int]) -> float:
        """Objective from visit counts in the pure-TOP case (order does not matter there)."""
        d = self.data.decay
        total = 0.0
        for v in self.cands.tolist():
            c = count[v]
            if c:
                h = self.data.hist_count[v]
                if d == 1.0:
                    total += self.val0[v] * c
                else:
                    total += self.val0[v] * sum(d ** (h + j) for j in range(c))
        return float(total)

    # -- repair --------------------------------------------------------------------------------

    def _route_deltas(self, seq: list[int], sh: Shift) -> np.ndarray:
        """Return the added seconds (walk + dwell) of each candidate at each position."""
        prev = np.array([sh.start, *seq])
        nxt = np.array([*seq, sh.end])
        base = self.data.travel[prev, nxt]
        return self.to_cands[prev].T + self.from_cands[:, nxt] - base + self.dwell_cands

    def repair(
        self, st: _State, noise: float, power: float = 1.0, banned: set[int] | None = None
    ) -> set[int]:
        """Greedy insertion by value**power per added second until nothing fits.

        Nodes in ``banned`` (just removed) are not reinserted. Returns the routes that changed.
        """
        if self.data.simple:
            return self._repair_simple(st, noise, power, banned or set())
        return self._repair_general(st, noise, power, banned or set())

    def _repair_simple(self, st: _State, noise: float, power: float, banned: set[int]) -> set[int]:
        cands = self.cands
        changed: set[int] = set()
        if cands.size == 0:
            return changed
        caps = np.asarray(self.data.cap)[cands]
        alive = np.asarray(st.count)[cands] < caps
        if banned:
            alive &= ~np.isin(cands, list(banned))
        if not alive.any():
            return changed
        rng = self.rng
        factor = np.array([1.0 + noise * (rng.random() - 0.5) for _ in range(cands.size)])
        m = self.m
        best_d = np.empty((m, cands.size))
        best_p = np.empty((m, cands.size), dtype=np.int64)
        slack = np.empty(m)
        for r in range(m):
            d = self._route_deltas(st.seqs[r], self.data.shifts[r])
            best_p[r] = d.argmin(axis=1)
            best_d[r] = d[np.arange(cands.size), best_p[r]]
            slack[r] = self.limit[r] - st.ends[r]
        while True:
            gains = self.marginal(st.count, cands) ** power * factor
            fits = best_d <= slack[:, None] + TOL_S
            fits &= alive[None, :]
            if not fits.any():
                break
            ratio = np.where(fits, gains[None, :] / (best_d + _EPS), -np.inf)
            flat = int(ratio.argmax())
            r, c = divmod(flat, cands.size)
            v = int(cands[c])
            seq = st.seqs[r]
            seq.insert(int(best_p[r, c]), v)
            end = _path_time(self.data, self.data.shifts[r], seq)
            if end > self.limit[r] + TOL_S:  # rounding disagreement: undo and forbid
                seq.pop(int(best_p[r, c]))
                best_d[r, c] = np.inf
                continue
            st.ends[r] = end
            st.count[v] += 1
            alive[c] = st.count[v] < caps[c]
            slack[r] = self.limit[r] - end
            d = self._route_deltas(seq, self.data.shifts[r])
            best_p[r] = d.argmin(axis=1)
            best_d[r] = d[np.arange(cands.size), best_p[r]]
            changed.add(r)
        st.obj = self.simple_objective(st.count)
        return changed

    def swap_in(self, st: _State, max_moves: int = 50) -> set[int]:
        """Replace routed visits by more valuable unrouted nodes in place (pure-TOP case).

        A candidate ``u`` takes the place of visit ``v`` when the route still fits and ``u`` is
        worth more (or the same and shortens the route). Returns the routes that changed.
        """
        cands = self.cands
        changed: set[int] = set()
        if cands.size == 0 or self.data.decay != 1.0:
            return changed
        caps = np.asarray(self.data.cap)[cands]
        val_c = self.val0[cands]
        travel, dwell = self.data.travel, self.data.dwell
        for _ in range(max_moves):
            free = np.asarray(st.count)[cands] < caps
            if not free.any():
                break
            best: tuple[float, float, int, int, int] | None = None
            for r, sh in enumerate(self.data.shifts):
                seq = st.seqs[r]
                if not seq:
                    continue
                path = np.array([sh.start, *seq, sh.end])
                prev, node, nxt = path[:-2], path[1:-1], path[2:]
                base = travel[prev, nxt]
                saving = travel[prev, node] + travel[node, nxt] - base + dwell[node]
                cost = self.to_cands[prev].T + self.from_cands[:, nxt] - base + self.dwell_cands
                extra = cost - saving[None, :]
                gain = val_c[:, None] - self.val0[node][None, :]
                ok = free[:, None] & (extra <= self.limit[r] - st.ends[r] + TOL_S)
                ok &= (gain > 1e-12) | ((gain >= -1e-12) & (extra < -1e-9))
                if not ok.any():
                    continue
                score = np.where(ok, gain - 1e-6 * extra, -np.inf)
                f = int(score.argmax())
                c, i = divmod(f, score.shape[1])
                key = (float(score.ravel()[f]), -float(extra[c, i]))
                if best is None or key > best[:2]:
                    best = (key[0], key[1], r, c, i)
            if best is None:
                break
            _, _, r, c, i = best
            seq = st.seqs[r]
            old = seq[i]
            seq[i] = int(cands[c])
            end = _path_time(self.data, self.data.shifts[r], seq)
            if end > self.limit[r] + TOL_S:
                seq[i] = old
                break
            st.count[old] -= 1
            st.count[seq[i]] += 1
            st.ends[r] = end
            changed.add(r)
        if changed:
            st.obj = self.simple_objective(st.count)
        return changed

    def _repair_general(
        self, st: _State, noise: float, power: float, banned: set[int], top_k: int = 6
    ) -> set[int]:
        data = self.data
        cands = self.cands
        changed: set[int] = set()
        if cands.size == 0:
            return changed
        caps = np.asarray(data.cap)[cands]
        rng = self.rng
        factor = np.array([1.0 + noise * (rng.random() - 0.5) for _ in range(cands.size)])
        ban = np.isin(cands, list(banned)) if banned else np.zeros(cands.size, dtype=bool)
        while True:
            alive = (np.asarray(st.count)[cands] < caps) & ~ban
            if not alive.any():
                break
            options: list[tuple[float, int, int, int, float]] = []
            rank = self.hist[cands] + np.asarray(st.count, dtype=np.float64)[cands]
            decay = data.decay**rank
            for r, sh in enumerate(data.shifts):
                seq = st.seqs[r]
                delta = self._route_deltas(seq, sh)
                prev = np.array([sh.start, *seq])
                starts = st.starts[r] if st.starts is not None else []
                depart = np.array(
                    [sh.begin_s] + [s + data.dl[v] for s, v in zip(starts, seq, strict=True)],
                    dtype=np.float64,
                )
                est = depart[None, :] + data.travel[np.ix_(prev, cands)].T
                gain = self._bucket_values(cands, est) * decay[:, None]
                if data.walk is not None:
                    nxt = np.array([*seq, sh.end])
                    gain = gain + (
                        data.walk[np.ix_(prev, cands)].T
                        + data.walk[np.ix_(cands, nxt)]
                        - data.walk[prev, nxt][None, :]
                    )
                slack = self.limit[r] - st.ends[r]
                ok = (delta <= slack + TOL_S) & alive[:, None] & (gain > 0.0)
                score = np.where(
                    ok, np.maximum(gain, 0.0) ** power * factor[:, None] / (delta + _EPS), -np.inf
                )
                flat = np.flatnonzero(np.isfinite(score))
                if flat.size == 0:
                    continue
                take = flat[np.argsort(-score.ravel()[flat], kind="stable")[:top_k]]
                for f in take.tolist():
                    c, p = divmod(f, score.shape[1])
                    options.append((float(score.ravel()[f]), r, c, p, float(delta[c, p])))
            if not options:
                break
            options.sort(key=lambda o: -o[0])
            best: tuple[float, int, int, int, object] | None = None
            for _, r, c, p, dl in options[: 2 * top_k]:
                seqs = [list(s) for s in st.seqs]
                seqs[r].insert(p, int(cands[c]))
                out = _simulate(data, seqs)
                if out is None or out[3] <= st.obj + 1e-12:
                    continue
                ratio = (out[3] - st.obj) ** power * factor[c] / (dl + _EPS)
                if best is None or ratio > best[0]:
                    best = (ratio, r, c, p, out)
            if best is None:
                break
            _, r, c, p, out = best
            v = int(cands[c])
            st.seqs[r].insert(p, v)
            st.count[v] += 1
            st.starts, _, st.ends, st.obj = out  # type: ignore[misc]
            changed.add(r)
        return changed

    def _bucket_values(self, cands: np.ndarray, est_s: np.ndarray) -> np.ndarray:
        """value[c, bucket(est)] for a (candidates, positions) array of estimated starts."""
        data = self.data
        if data.n_buckets == 1 or math.isinf(data.problem.bucket_s):
            return np.repeat(data.value[cands, 0][:, None], est_s.shape[1], axis=1)
        h = np.clip(np.floor(est_s / data.problem.bucket_s), 0, data.n_buckets - 1).astype(int)
        return data.value[cands[:, None], h]

    # -- local search --------------------------------------------------------------------------

    def improve_routes(self, st: _State, routes: set[int]) -> bool:
        """Shorten the given routes by 2-opt and or-opt; True if any got shorter."""
        data = self.data
        any_change = False
        for r in routes:
            sh = data.shifts[r]
            path = [sh.start, *st.seqs[r], sh.end]
            if len(path) < 4:
                continue
            changed = _two_opt(data.tl, path) if data.symmetric else False
            changed |= _or_opt(data.tl, path)
            if not changed:
                continue
            old = st.seqs[r]
            st.seqs[r] = path[1:-1]
            if data.simple:
                end = _path_time(data, sh, st.seqs[r])
                if end <= st.ends[r]:
                    st.ends[r] = end
                    any_change = True
                else:
                    st.seqs[r] = old
            else:
                before = (st.obj, list(st.ends), st.starts)
                if self.refresh(st) and st.obj >= before[0] - 1e-12:
                    any_change = True
                else:
                    st.seqs[r] = old
                    st.obj, st.ends, st.starts = before
        return any_change


def solve(
    problem: Problem,
    time_limit_s: float,
    seed: int = 0,
    *,
    initial: list[list[int]] | None = None,
    max_iterations: int | None = None,
    on_improve: Callable[[float, float], None] | None = None,
) -> SearchResult:
    """Search for a high-value plan until the time or iteration limit (anytime).

    Parameters
    ----------
    problem : Problem
        The instance.
    time_limit_s : float
        Wall-clock limit in seconds.
    seed : int, default 0
        Seed of the search; with ``max_iterations`` the result is deterministic.
    initial : list[list[int]] | None, default None
        Feasible starting sequences (one per shift); empty routes when None.
    max_iterations : int | None, default None
        Stop after this many destroy-repair iterations.
    on_improve : Callable[[float, float], None] | None, default None
        Called with (seconds since start, objective) at each improvement of the best.

    Returns
    -------
    SearchResult
        Best solution, the bound of :func:`upper_bound`, status and history.

    Notes
    -----
    Only nodes with a positive value in some bucket, ``max_visits > 0`` and reachable by some
    shift are inserted; walk value is collected on the arcs between them. The acceptance
    threshold shrinks with the share of ``max_iterations`` done when it is given (deterministic
    for a seed), else with the share of ``time_limit_s`` elapsed.

    Raises
    ------
    ValueError
        If ``initial`` is infeasible, or if even empty routes are infeasible (a shift too short
        to walk from start to end, or a break window that cannot be met).
    """
    t0 = time.perf_counter()
    tune = _TUNING
    data = _Data(problem)
    bound = upper_bound(problem)
    rng = random.Random(seed)
    eng = _Engine(data, rng)
    seqs0 = [list(map(int, s)) for s in initial] if initial else [[] for _ in problem.shifts]
    cur = eng.state_of(seqs0)
    if cur is None:
        what = "initial sequences are" if initial else "empty routes are"
        msg = f"{what} infeasible (shift too short or break window unreachable); fix the shifts"
        raise ValueError(msg)
    history: list[tuple[float, float]] = []

    def record(st: _State) -> None:
        elapsed = time.perf_counter() - t0
        history.append((elapsed, st.obj))
        if on_improve is not None:
            on_improve(elapsed, st.obj)

    eng.repair(cur, 0.0)
    eng.improve_routes(cur, set(range(eng.m)))
    eng.repair(cur, 0.0)
    cur = _exact(eng, cur)
    best = cur.copy()
    record(best)
    it = 0
    stall = 0
    status = "TIME_LIMIT"
    while True:
        if best.obj >= bound - 1e-9:
            status = "OPTIMAL"
            break
        if max_iterations is not None and it >= max_iterations:
            status = "ITERATION_LIMIT"
            break
        elapsed = time.perf_counter() - t0
        if elapsed >= time_limit_s:
            break
        progress = it / max_iterations if max_iterations else elapsed / max(time_limit_s, 1e-9)
        it += 1
        cand = cur.copy()
        n_visits = max(1, sum(len(s) for s in cand.seqs))
        k = rng.randint(1, max(1, min(tune.destroy_max, int(tune.destroy_share * n_visits) + 1)))
        removed, routes = eng.destroy(cand, k)
        if not data.simple and not eng.refresh(cand):
            continue
        eng.improve_routes(cand, routes)
        noise = tune.noise * rng.random()
        power = rng.choice(tune.powers)
        banned = removed if rng.random() < tune.ban_share else None
        touched = eng.repair(cand, noise, power, banned)
        if eng.improve_routes(cand, touched) or banned:
            eng.repair(cand, noise, power)
        if data.simple and rng.random() < tune.swap_share:
            swapped = eng.swap_in(cand)
            if swapped:
                eng.improve_routes(cand, swapped)
                eng.repair(cand, noise, power)
        threshold = tune.threshold * (1.0 - progress) * best.obj
        if cand.key() >= cur.key() or cand.obj >= best.obj - threshold:
            cur = cand
        if cur.key() > best.key():
            exact = _exact(eng, cur)
            if exact.obj > best.obj + 1e-12:
                stall = 0
                best = exact.copy()
                record(best)
            elif exact.key() > best.key():
                best = exact.copy()
        else:
            stall += 1
        if stall > tune.stall_base + 4 * n_visits:
            stall = 0
            cur = best.copy()
    solution = _solution(data, best.seqs)
    if solution is None:  # cannot happen: every best is re-checked exactly
        msg = "internal error: best sequences failed exact scheduling"
        raise RuntimeError(msg)
    runtime = time.perf_counter() - t0
    logger.info(
        "search: objective %.6g bound %.6g after %d iterations in %.2f s",
        solution.objective,
        bound,
        it,
        runtime,
    )
    return SearchResult(
        best=solution,
        bound=bound,
        status=status,
        history=tuple(history),
        iterations=it,
        runtime_s=runtime,
    )


def _exact(eng: _Engine, st: _State) -> _State:
    """State re-derived by exact scheduling (objective and end times as :func:`evaluate`)."""
    exact = eng.state_of(st.seqs)
    if exact is None:  # pragma: no cover - the repair only builds feasible routes
        msg = "internal error: search produced infeasible sequences"
        raise RuntimeError(msg)
    return exact
