"""Upper bound on the objective: a knapsack over officer time, time-indexed when risk is hourly.

Every visit occupies its officer for its dwell plus the time since the officer's previous stop
ended (its walk in, and any wait). Those stretches are disjoint within a shift, so the visits of
a plan fit, as items, into the officers' summed time. Each item's cost is a lower bound on that
stretch and its value an upper bound on what the visit earns. With one value bucket the best
fractional packing (a fractional knapsack) is the bound. With hourly buckets a linear programme
also chooses the hour each visit starts in, so a visit is worth that hour's value, and the time
of the visits started before each hour boundary (or after it) must fit in the officer time on
that side of it; when repeat visits must be ``min_gap_s`` apart, it also counts how many visits
of a hot spot can start within one hour.

Every stop also lies on a stretch of shift that leaves a station (or the break node) and comes
back to one: the walk out to its farthest stop and back is time the knapsack's nearest ways in
do not see. Rings of distance from those ends count, for each ring, the stretches that reach
it; their walks out and back must fit in the officers' time with the dwells, and each such
stretch holds only the stops that fit in it beside that walk (:class:`_Rings`).

Walking value is priced in one of two ways, the smaller bound returned: by the arc each visit
comes in by (the upper concave hull of its arcs' seconds and walk values, a multiple-choice
knapsack relaxation), or by the best passes of streets (:class:`StreetPasses`) that fit into the
time not spent dwelling: the programme chooses that walking time, and its value lies below the
tangents of the passes' fractional packing (:func:`_walking_lines`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from planner.search._model import TOL_S, Problem, StreetPasses, _Data

_PASSES = 24
"""Passes of one street in the bound: the first ``_PASSES - 1`` priced one by one, the last one
standing for itself and every later pass, at its own rate."""
_LINES = 512
"""Tangents of the walking value the bound's linear programme keeps, at most."""
_HOUR_S = 3600.0
"""Seconds per hour: the linear programmes count time in hours (well scaled)."""
_RINGS = 24
"""Rings of distance from the stretch ends (:class:`_Rings`), at most."""
_SAFETY = 1e-6
"""Relative margin added to the linear programme's optimum (solver tolerances)."""


@dataclass(frozen=True, slots=True)
class _Item:
    """One possible visit: its node and dwell, its stop value per bucket, and its ways in.

    ``ways`` are (seconds, walk value) of the ways in the bound lets it choose from; the item
    costs its dwell plus the way's seconds and earns its stop value plus the way's value.
    """

    node: int
    dwell_s: float
    values: np.ndarray
    ways: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class _Rings:
    """Rings of distance from the ends of the stretches of shift, for the walks out and back.

    A stretch runs from a shift's start to its break node, from there to its end, or from start
    to end without a break there. ``reach[i]`` is half the shortest walk from a stretch's start
    to node ``i`` and on to its end (over all stretches); ``edges[k]`` is the least ``reach`` of
    ring ``k`` (rising). With ``Z_k`` the stretches whose farthest stop is in ring ``k`` or
    beyond: all walking takes at least ``sum_k 2 (edges[k] - edges[k-1]) Z_k``, the stops in
    ring ``k`` or beyond are at most ``Z_k * per_stretch[k]`` (the shortest of their dwells
    that fit in the longest stretch beside the walk out and back), and
    ``0 <= Z_k <= stretches``. Shifts with no time left make no stretch.
    """

    reach: np.ndarray
    edges: np.ndarray
    per_stretch: np.ndarray
    stretches: int


def _rings(problem: Problem, data: _Data, items: list[_Item]) -> _Rings | None:
    """Rings for the items' nodes (:class:`_Rings`); None when every stop is at a stretch end."""
    ends, longest = [], 0.0
    for sh in problem.shifts:
        if sh.end_s - sh.begin_s - sh.break_s <= 0.0:
            continue  # hours over: no walk out, so no stretch
        if sh.break_node is not None and sh.break_s > 0.0:
            ends += [(sh.start, sh.break_node), (sh.break_node, sh.end)]
            latest = min(sh.break_latest_s, sh.end_s - sh.break_s)  # the window, in the shift
            earliest = max(sh.break_earliest_s, sh.begin_s)
            longest = max(longest, latest - sh.begin_s, sh.end_s - earliest - sh.break_s)
        else:
            ends.append((sh.start, sh.end))
            longest = max(longest, sh.end_s - sh.begin_s - sh.break_s)
    if not ends:
        return None
    travel = data.travel
    reach = np.min([(travel[a] + travel[:, b]) / 2.0 for a, b in ends], axis=0)
    at = reach[[it.node for it in items]]
    dwell = np.array([it.dwell_s for it in items])
    positive = np.isfinite(at) & (at > 0.0)
    if not positive.any():
        return None
    edges = np.unique(np.quantile(at[positive], np.linspace(0.0, 1.0, _RINGS), method="lower"))
    per_stretch = np.full(edges.size, np.inf)
    for k, edge in enumerate(edges):
        shortest = dwell[at >= edge].min()  # the shortest stop that far out
        if shortest > 0.0:  # the schedule's tolerance in seconds, then rounding
            room = max(longest - 2.0 * edge, 0.0) + 1e-6
            per_stretch[k] = math.floor(room / shortest + 1e-6)
    return _Rings(reach, edges, per_stretch, len(ends))


def upper_bound(problem: Problem, any_walk: bool = False) -> float:
    """Return a valid upper bound on the objective of every feasible solution.

    Items: the ``k``-th visit of node ``i`` (counted after the history) costs at least
    ``c_ik = dwell_s[i] + a_ik`` seconds of its officer, where ``a_ik`` is the shortest walk
    into ``i`` from any other node (zero when ``i`` is a start station or a break node); a
    repeat may also follow a visit of ``i`` itself by the same officer, which then waits at
    least ``min_gap_s - dwell_s[i]``, so ``a_ik`` for ``k >= 1`` is the smaller of the two. It
    earns at most ``value[i, h] * decay**(history + k)`` in the bucket ``h`` it starts in, plus
    the walk value of its way in, bounded in one of two ways (the smaller bound is returned):

    * by the arc it comes in by (every arc enters a visit, an end station or a break node):
      the item chooses an arc ``j -> i`` (or, for a repeat, the wait after a visit of ``i``),
      costing its travel and earning its ``walk_value``; only the upper concave hull of these
      (seconds, value) pairs matters to the fractional packings;
    * or not at all, all walking then being valued by the passes of streets
      (:func:`_walking_lines`): the walks of a plan earn at most the best passes that fit into
      their time, and the dwells and walks of all the officers fit into their time (a linear
      programme).

    Each arc that enters the end station or a break node, at most one per shift each, adds its
    largest ``walk_value``. Visits no shift can reach and return from in time are dropped. The
    officers have ``sum(end_s - begin_s - break_s)`` seconds in all. The linear programmes
    also count each stretch's walk out to its farthest stop and back (:class:`_Rings`). See the
    module docstring for the packings; the smallest of the bounds is returned.

    With ``any_walk``, the bound also holds for plans whose walks leave the arcs: a detour, or
    streets walked while waiting. Only the passes of streets price walking then (so
    ``street_passes`` must list every street a walk may take; its ``decay`` may be 1), and the
    arc bound is not used.

    Parameters
    ----------
    problem : Problem
        The instance.
    any_walk : bool, default False
        Bound plans that may walk any street between their visits, not only the arcs.

    Returns
    -------
    float
        An upper bound on the objective of every feasible solution.

    Raises
    ------
    ValueError
        With ``any_walk`` and walk value, but no ``street_passes``; or when the problem does not
        hold together (a street of no time with walk value, say: see :class:`StreetPasses`).
    """
    data = _Data(problem)
    rate = _walk_rate(data)
    capacity = sum(max(0.0, sh.end_s - sh.begin_s - sh.break_s) for sh in problem.shifts)
    if any_walk and problem.street_passes is not None:
        rate = _street_rate(problem.street_passes)
    elif any_walk and data.walk is not None:
        msg = "upper_bound(any_walk=True) needs street_passes to price walks off the arcs"
        raise ValueError(msg)
    bound = math.inf if any_walk and rate > 0.0 else _arc_bound(problem, data, capacity)
    if rate > 0.0:
        items, _ = _items(problem, data, by_arc=False)  # the passes of streets value every walk
        walking = _walking_lines(problem, rate, capacity)
        walked = _time_indexed(
            problem, items, capacity, walking, _timed_rings(problem, data, items)
        )
        if walked is not None:
            bound = min(bound, walked)
        elif math.isinf(bound):  # the programme failed: every second at the best rate
            stops = [(float(it.values.max()), it.dwell_s + it.ways[0][0]) for it in items]
            bound = _knapsack(stops, capacity) + rate * capacity
    return bound


def _street_rate(sp: StreetPasses) -> float:
    """Most walk value a street's first pass earns per second of walking it."""
    keep = (sp.weight > 0.0) & (sp.seconds > 0.0)
    first = sp.weight[keep] * sp.decay ** sp.before[keep]
    return float(np.max(first / sp.seconds[keep], initial=0.0))


def _arc_bound(problem: Problem, data: _Data, capacity: float) -> float:
    """Return the bound valuing walks by the arc into each visit (knapsack or time-indexed)."""
    items, extra = _items(problem, data, by_arc=True)
    packed = [
        step
        for it in items
        for step in _hull_steps([(it.dwell_s + t, float(it.values.max()) + w) for t, w in it.ways])
    ]
    bound = _knapsack(packed, capacity) + extra
    rings = _timed_rings(problem, data, items)
    hourly = data.n_buckets > 1 and math.isfinite(problem.bucket_s)
    if (hourly or rings is not None) and items:
        timed = _time_indexed(problem, items, capacity, rings=rings)
        if timed is not None:
            bound = min(bound, timed + extra)
    return float(bound)


def _timed_rings(problem: Problem, data: _Data, items: list[_Item]) -> _Rings | None:
    """Rings for the time-indexed programme, whose buckets must then be real hours."""
    if not items or (data.n_buckets > 1 and not math.isfinite(problem.bucket_s)):
        return None
    return _rings(problem, data, items)


def _walk_rate(data: _Data) -> float:
    """Most walk value an arc earns per second of travel (0 without walk value)."""
    if data.walk is None:
        return 0.0
    moving = data.travel > 0.0
    return float(np.max(np.maximum(data.walk[moving], 0.0) / data.travel[moving], initial=0.0))


def _walking_lines(
    problem: Problem, rate: float, capacity: float
) -> list[tuple[float, float, float]]:
    """Lines (seconds, value, slope) above the most walk value a walking time can earn.

    ``f(W)``, the most ``W`` seconds of walking can earn, is at most the best fractional packing
    of the passes of streets into ``W``: the ``k``-th pass of a street worth ``decay**k`` of the
    first (the passes made before counted), the ``_PASSES``-th and every later one as one item
    worth all of them, earning at that pass's rate. That packing is concave and piecewise
    linear, so each of its tangents lies above it: ``f(W) <= value + slope * (W - seconds)`` for
    every line, taken at the items' boundaries with the slope of the item after (at most
    ``_LINES`` of them, evenly in rank, and a flat one past the last item). When passes keep
    their worth (no :class:`StreetPasses`, or ``decay`` 1), one line earning ``rate`` per
    second. No line (an empty list) when there is no time or no street worth walking: walking
    then earns nothing.
    """
    sp = problem.street_passes
    if capacity <= 0.0:
        return []
    if sp is None or problem.walk_value is None or rate <= 0.0 or sp.decay >= 1.0:
        return [(0.0, 0.0, rate)]  # (passes that keep their worth: any number)
    keep = (sp.weight > 0.0) & (sp.seconds > 0.0)
    weight, seconds, before = sp.weight[keep], sp.seconds[keep], sp.before[keep]
    k = np.arange(_PASSES)
    value = weight[:, None] * sp.decay ** (before[:, None] + k[None, :])
    cost = np.repeat(seconds[:, None], _PASSES, axis=1)
    value[:, -1] /= 1.0 - sp.decay  # the tail: this pass and every later one,
    cost[:, -1] /= 1.0 - sp.decay  # at this pass's rate
    value, cost = value.ravel(), cost.ravel()
    order = np.argsort(-value / cost, kind="stable")
    value, cost = value[order], cost[order]
    taken = np.cumsum(cost) - cost < capacity  # items that start within the capacity
    value, cost = value[taken], cost[taken]
    if value.size == 0:
        return []
    at_s, worth = np.cumsum(cost) - cost, np.cumsum(value) - value  # where each item starts
    ranks = np.unique(np.linspace(0, value.size - 1, min(_LINES, value.size)).round().astype(int))
    lines = [(float(at_s[r]), float(worth[r]), float(value[r] / cost[r])) for r in ranks]
    return [*lines, (float(at_s[-1] + cost[-1]), float(worth[-1] + value[-1]), 0.0)]


def _items(problem: Problem, data: _Data, by_arc: bool) -> tuple[list[_Item], float]:
    """Every visit that can earn something, and the walk value of arcs into stations.

    With ``by_arc``, each visit's ways in are the arcs into it (:func:`_ways_in`); else its
    shortest way in, earning nothing (the passes of streets value all walking then).
    """
    n = data.n
    walk = np.zeros((n, n)) if data.walk is None else np.maximum(data.walk, 0.0)
    extra = 0.0
    reach = np.zeros(n, dtype=bool)
    free_in: set[int] = set()  # nodes an officer can be at without walking in
    for sh in problem.shifts:
        extra += float(walk[:, sh.end].max())
        free_in.add(sh.start)
        if sh.break_node is not None and sh.break_s > 0.0:
            extra += float(walk[:, sh.break_node].max())
            free_in.add(sh.break_node)
        spare = sh.end_s - sh.begin_s - sh.break_s + TOL_S
        reach |= data.travel[sh.start] + data.dwell + data.travel[:, sh.end] <= spare
    off = data.travel.copy()
    np.fill_diagonal(off, np.inf)
    in_min = np.maximum(off.min(axis=0), 0.0) if n > 1 else np.zeros(n)
    in_min[list(free_in)] = 0.0
    values = np.maximum(data.value, 0.0)
    items: list[_Item] = []
    for i in np.flatnonzero(reach).tolist():
        arcs = _ways_in(data.travel[:, i], walk[:, i], i, i in free_in)
        for k in range(data.cap[i]):
            arc = in_min[i] if k == 0 else min(in_min[i], max(0.0, data.gap - data.dl[i]))
            worth = values[i] * data.decay ** (data.hist_count[i] + k)
            if not by_arc:
                ways = [(float(arc), 0.0)]
            elif k == 0 or arc == in_min[i]:
                ways = arcs
            else:  # or the wait after its own visit, walking nowhere
                ways = [(float(arc), 0.0), *arcs]
            if not ways or (worth.max() <= 0.0 and max(w for _, w in ways) <= 0.0):
                break
            items.append(_Item(i, data.dl[i], worth, tuple(ways)))
    return items, extra


def _ways_in(travel: np.ndarray, walk: np.ndarray, i: int, free: bool) -> list[tuple[float, float]]:
    """(seconds, walk value) of the arcs into node ``i`` on their upper concave hull.

    ``travel`` and ``walk`` are the column of ``i``; ``free`` adds (0, 0): an officer can be at
    ``i`` without walking in (a start station or break node).
    """
    mask = np.isfinite(travel) & (np.arange(len(travel)) != i)
    if not (walk[mask] > 0.0).any():  # no walk value: the hull is the quickest way in
        quickest = 0.0 if free else float(travel[mask].min(initial=math.inf))
        return [(quickest, 0.0)] if math.isfinite(quickest) else []
    points = sorted(zip(travel[mask].tolist(), walk[mask].tolist(), strict=True))
    if free:
        points.insert(0, (0.0, 0.0))
    return [(t, w) for t, w in _upper_hull(points)]


def _upper_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Upper concave hull of points sorted by x, up to its highest point (the rest is worse)."""
    hull: list[tuple[float, float]] = []
    for p in points:
        if hull and p[1] <= hull[-1][1]:
            continue  # no more value for at least as much time
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) >= 0.0:
                hull.pop()  # the middle point lies on or under the chord
            else:
                break
        hull.append(p)
    return hull


def _hull_steps(options: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(value, cost) steps of a choice of one (cost, value) option or none, for a knapsack.

    The steps run along the upper concave hull of the options and (0, 0); their value per
    cost falls, so a fractional knapsack takes them in order: the linear-programming
    relaxation of the multiple-choice knapsack (Sinha & Zoltners 1979).
    """
    hull = _upper_hull([(0.0, 0.0), *sorted(options)])
    return [(y2 - y1, x2 - x1) for (x1, y1), (x2, y2) in itertools.pairwise(hull)]


def _knapsack(items: list[tuple[float, float]], capacity: float) -> float:
    """Best fractional packing of (value, cost) items into ``capacity``."""
    ranked = sorted(items, key=lambda it: -it[0] / it[1] if it[1] > 0 else -math.inf)
    total = 0.0
    for gain, cost in ranked:
        if cost <= capacity:
            total += gain
            capacity -= cost
        else:
            total += gain * capacity / cost
            break
    return total


def _bucket_spans(problem: Problem, n_buckets: int) -> list[tuple[float, float]]:
    """Each bucket's stretch of clock time within the shifts, ``[from, to)``.

    Bucket ``h`` holds the starts in ``[h * bucket_s, (h + 1) * bucket_s)``; the first bucket
    also holds earlier starts and the last one later starts, as in the search.
    """
    lo = min(sh.begin_s for sh in problem.shifts)
    spans = []
    for h in range(n_buckets):
        a = -math.inf if h == 0 else h * problem.bucket_s
        b = math.inf if h == n_buckets - 1 else (h + 1) * problem.bucket_s
        spans.append((max(a, lo), b))
    return spans


def _starts_within(span: tuple[float, float], latest_s: float, gap_s: float) -> int:
    """Most visit starts ``gap_s`` apart in ``[from, to)`` and ``<= latest_s``; 0 when none.

    With ``gap_s <= 0`` it tells only whether a start fits (1 or 0). Starts count exactly
    ``gap_s`` apart in an hour left open at its end: the schedule's tolerance of ``TOL_S`` is
    for rounding, and counting with it would let a start at each end of every hour count twice
    (a bound off by that rounding only). Up to ``latest_s`` the tolerance is counted.
    """
    a, b = span
    closed = latest_s < b
    end = latest_s if closed else b
    if end < a or (end == a and not closed):
        return 0
    if gap_s <= 0.0:
        return 1
    if closed:  # starts may come the schedule's tolerance early: the last one too
        return math.floor((end - a) / max(gap_s - TOL_S, TOL_S)) + 1
    return math.ceil((end - a) / gap_s)


def _time_indexed(
    problem: Problem,
    items: list[_Item],
    capacity: float,
    walking: list[tuple[float, float, float]] | None = None,
    rings: _Rings | None = None,
) -> float | None:
    """Linear programme over (item, start bucket, way in); its optimum, or None when not solved.

    With ``walking`` lines (:func:`_walking_lines`), the programme chooses a walking time: the
    dwells and it fit in ``capacity`` too (every second of a shift is dwell, walking, waiting or
    break), and it earns at most every line's value there; without lines, walking earns
    nothing. Constraints: each item at most once; all costs within the officers' time
    ``capacity``; the costs of items started before each bucket boundary ``T`` within the time
    the shifts have before ``T`` plus one dwell per officer (the stop under way at ``T``), and
    the dwells of items started at or after ``T`` within the time the shifts have after it
    (breaks subtracted on the side their window forces them to); with ``min_gap_s > 0``, at most
    as many visits of one node per bucket as the gap allows; with ``rings``, the walks out and
    back of :class:`_Rings`.
    """
    shifts = problem.shifts
    n_buckets = int(problem.value.shape[1])
    spans = _bucket_spans(problem, n_buckets)
    walk_most = min(
        (v + slope * (capacity - at_s) for at_s, v, slope in walking or ()), default=0.0
    )
    vmax = max(
        [float(it.values.max()) + max(w for _, w in it.ways) for it in items] + [walk_most],
        default=0.0,
    )
    if vmax <= 0.0:
        return 0.0
    hour = _HOUR_S  # times in hours, values relative to the best: a well-scaled programme
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
        return None
    total = solver.Constraint(0.0, capacity / hour)
    dwell_max = max((it.dwell_s for it in items), default=0.0)
    before, after = [], []
    for h in range(1, n_buckets):
        t = h * problem.bucket_s
        early = sum(
            max(0.0, min(t, sh.end_s) - sh.begin_s)
            - (sh.break_s if sh.break_latest_s + sh.break_s <= t else 0.0)
            for sh in shifts
        )
        late = sum(
            max(0.0, sh.end_s - max(t, sh.begin_s))
            - (sh.break_s if sh.break_earliest_s >= t else 0.0)
            for sh in shifts
        )
        before.append(solver.Constraint(0.0, (early + len(shifts) * dwell_max) / hour))
        after.append(solver.Constraint(0.0, max(late, 0.0) / hour))
    per_node: dict[tuple[int, int], pywraplp.Constraint] = {}
    objective = solver.Objective()
    objective.SetMaximization()
    moving = _walking_time(solver, walking, capacity / hour, vmax) if walking else None
    ring_time, ring_stops = _ring_constraints(solver, rings, capacity / hour)
    hi = max(sh.end_s for sh in shifts)
    gap = problem.min_gap_s
    for it in items:
        once = solver.Constraint(0.0, 1.0)
        latest = hi - it.dwell_s + TOL_S  # a stop ends within the shifts (and tolerance)
        rings_in = [stops for edge, stops in ring_stops if rings and rings.reach[it.node] >= edge]
        for (h, span), (way_s, way_value) in itertools.product(enumerate(spans), it.ways):
            worth = (float(it.values[h]) + way_value) / vmax
            most = _starts_within(span, latest, gap)
            if most == 0 or worth <= 0.0:
                continue
            cost = (it.dwell_s + way_s) / hour
            x = solver.NumVar(0.0, 1.0, "")
            objective.SetCoefficient(x, worth)
            once.SetCoefficient(x, 1.0)
            total.SetCoefficient(x, cost)
            if moving is not None:
                moving.SetCoefficient(x, it.dwell_s / hour)
            if ring_time is not None:
                ring_time.SetCoefficient(x, it.dwell_s / hour)
            for stops in rings_in:
                stops.SetCoefficient(x, 1.0)
            for g in range(h, n_buckets - 1):  # started before boundary g + 1
                before[g].SetCoefficient(x, cost)
            for g in range(h):  # started at or after boundary g + 1
                after[g].SetCoefficient(x, it.dwell_s / hour)
            if gap > 0.0:
                key = (it.node, h)
                if key not in per_node:
                    per_node[key] = solver.Constraint(0.0, float(most))
                per_node[key].SetCoefficient(x, 1.0)
    if solver.Solve() != pywraplp.Solver.OPTIMAL:  # pragma: no cover - a bounded feasible LP
        return None
    return objective.Value() * vmax * (1.0 + _SAFETY)


def _walking_time(
    solver: pywraplp.Solver, lines: list[tuple[float, float, float]], hours: float, vmax: float
) -> pywraplp.Constraint:
    """Add the walking time ``W`` (hours) and its value ``V`` (in ``vmax`` units) below the lines.

    Returns the constraint that the dwells and ``W`` fit in ``hours``; each stop adds its dwell.
    """
    walked = solver.NumVar(0.0, hours, "")
    earned = solver.NumVar(0.0, solver.infinity(), "")
    solver.Objective().SetCoefficient(earned, 1.0)
    for at_s, value, slope in lines:  # V <= value + slope * (W - at_s), in hours and vmax units
        below = solver.Constraint(-solver.infinity(), (value - slope * at_s) / vmax)
        below.SetCoefficient(earned, 1.0)
        below.SetCoefficient(walked, -slope * _HOUR_S / vmax)
    moving = solver.Constraint(0.0, hours)
    moving.SetCoefficient(walked, 1.0)
    return moving


def _ring_constraints(
    solver: pywraplp.Solver, rings: _Rings | None, hours: float
) -> tuple[pywraplp.Constraint | None, list[tuple[float, pywraplp.Constraint]]]:
    """Add the rings' variables ``Z_k`` and constraints (:class:`_Rings`) to ``solver``.

    Returns the time constraint (dwells and walks out and back within ``hours``), to which each
    stop adds its dwell, and per ring its least reach and the constraint its stops count in.
    """
    if rings is None:
        return None, []
    time_used = solver.Constraint(0.0, hours)
    stops: list[tuple[float, pywraplp.Constraint]] = []
    before, reached = 0.0, None
    for edge, most in zip(rings.edges.tolist(), rings.per_stretch.tolist(), strict=True):
        z = solver.NumVar(0.0, float(rings.stretches), "")
        time_used.SetCoefficient(z, 2.0 * (edge - before) / _HOUR_S)
        before = edge
        if reached is not None:  # a stretch that reaches a ring reached those inside it
            nested = solver.Constraint(0.0, solver.infinity())
            nested.SetCoefficient(reached, 1.0)
            nested.SetCoefficient(z, -1.0)
        reached = z
        if math.isfinite(most):
            count = solver.Constraint(-solver.infinity(), 0.0)
            count.SetCoefficient(z, -most)
            stops.append((edge, count))
    return time_used, stops
