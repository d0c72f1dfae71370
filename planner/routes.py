"""Foot-patrol routes: units leave the station, walk, dwell at hot spots, and return in time.

This module turns the street graph, the risk map and the hot spots into the numeric problem of
:mod:`planner.search` and its answer back into timed legs along real streets:

* travel times are shortest walks at the patrol pace on the graph without the avoided ways;
* a stop at a hot spot is worth the risk it watches times the Koper value of the stop, times the
  hour's share of risk when the risk varies over the shift; the k-th stop at one hot spot is
  worth ``revisit_value ** k`` of the first and starts at least the revisit gap after the one
  before (never two units at once); the dosage cap limits the stops per hot spot;
* walking earns the risk of the streets walked, per minute (a street longer than twice the
  sight radius for the minutes a point of it stays in sight); a street already walked in the
  plan (by any unit) earns ``revisit_value ** k`` of that on its k-th pass, in the search's
  objective as in the plan's presence;
* a share of each unit's time is held back for calls: ``share / (1 - share)`` of every stop and
  every walk, as ``reserve`` time (the unit stays put, free to answer a call) after the stop
  and before the walk, where the unit stands, so the plan is feasible in real clock time; the
  time held back after a stop and before the walk on is one block;
* a meal break is taken inside its window, at the station when the scenario says so.

Re-planning mid-shift starts each unit from where it is at the time it is, and counts the stops
already made for the revisit rules.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from planner import search
from planner.errors import InfeasibleError
from planner.graph import StreetGraph
from planner.hotspots import Hotspots, koper_value_min
from planner.plan import Leg, Route, SolveStats
from planner.risk import RiskMap
from planner.scenario import KOPER_CURVE
from planner.validate import Rules

log = logging.getLogger(__name__)

#: Most hot spots handed to the search (the best by stop value, plus the must-cover ones).
MAX_CANDIDATES = 300
#: A stop at a must-cover hot spot counts in the search (not in the KPIs) this many times its
#: value or, where that is less, its best hour :data:`MUST_COVER_OVER_BEST` times the best other
#: hot spot's (a quiet place: one stop); see :func:`_weigh_must_cover`.
MUST_COVER_WEIGHT = 10.0
MUST_COVER_OVER_BEST = 2.0
HOUR_S = 3600.0
#: Travel time standing for "no way there" in the search.
UNREACHABLE_S = 1e12


@dataclass(frozen=True, slots=True)
class Patrol:
    """The rules of a patrol shift, in seconds and node positions (see the scenario reference).

    ``starts`` (re-planning) gives per unit its node position and second; ``done`` the stops
    already made as (hot-spot index, start second); ``walked`` the street segments walked so far,
    once per pass; ``break_done`` the units whose break is over; ``resumed`` marks the rest of a
    shift under way, where a walk back without a stop is a plan, not a failure.
    """

    units: int
    start_idx: int
    end_idx: int
    shift_s: float
    pace_m_per_s: float
    dwell_s: float
    max_visits: int = 3
    revisit_value: float = 0.5
    min_gap_s: float = 3600.0
    max_dwell_s_per_spot: float | None = None
    break_s: float = 0.0
    break_window_s: tuple[float, float] = (0.0, math.inf)
    break_at_station: bool = True
    held_back_share: float = 0.0
    avoided: frozenset[int] = frozenset()
    hourly: np.ndarray | None = None
    search_weight: np.ndarray | None = None  # (hot spots, hours) multiplier seen by the search only
    must_cover: tuple[int, ...] = ()  # hot spots that weigh more in the search (_weigh_must_cover)
    koper_curve: tuple[tuple[float, float], ...] = KOPER_CURVE
    starts: tuple[tuple[int, float], ...] = ()
    ends: tuple[tuple[int, float], ...] = ()
    done: tuple[tuple[int, float], ...] = ()
    walked: tuple[int, ...] = ()
    break_done: frozenset[int] = field(default_factory=frozenset)
    resumed: bool = False  # the rest of a shift under way (re-planning)
    sight_m: float = 50.0  # street a walker watches ahead and behind (the stops' radius)

    def stretch(self) -> float:
        """Clock seconds per second of walking or dwelling (held-back time included)."""
        return 1.0 / (1.0 - self.held_back_share)

    def unit_starts(self) -> tuple[tuple[int, float], ...]:
        """Per unit, the node position and second it starts from."""
        return self.starts or tuple((self.start_idx, 0.0) for _ in range(self.units))

    def unit_ends(self) -> tuple[tuple[int, float], ...]:
        """Per unit, the node position where it ends and the second it must be there by."""
        return self.ends or tuple((self.end_idx, self.shift_s) for _ in range(self.units))

    def outside_break_window(self, k: int) -> bool:
        """Whether unit ``k`` (from 0) works no time its meal break could start and end in.

        True when no break can start in the window and end within the unit's own hours, and
        those hours are narrower than the shift's: such a unit (a staggered start, say) takes no
        meal break. A break that does not fit in the whole shift is an error instead.
        """
        if self.break_s <= 0:
            return False
        earliest, latest = self.break_window_s
        begin, end = self.unit_starts()[k][1], self.unit_ends()[k][1]
        if max(begin, earliest) <= min(latest, end - self.break_s):
            return False  # a break can start in the window and end in the unit's hours
        return begin > earliest or end < self.shift_s  # its own hours, not the shift's

    def visits_allowed(self) -> int:
        """Most stops per hot spot under ``max_visits`` and the dosage cap."""
        if self.max_dwell_s_per_spot is None:
            return self.max_visits
        return max(1, min(self.max_visits, int(self.max_dwell_s_per_spot // self.dwell_s)))


@dataclass(frozen=True, slots=True)
class _Network:
    """Shortest walks from the problem's nodes on the graph without the avoided ways."""

    graph: StreetGraph
    sources: np.ndarray
    dist_m: np.ndarray
    pred: np.ndarray
    segment_of: dict[tuple[int, int], int]
    tree_segment: np.ndarray  # segment walked into each node on the tree of each source (-1: none)
    segment_presence: np.ndarray  # presence of one pass of each segment (pace applied)
    walk_presence: np.ndarray  # presence walking between sources, every pass in full

    def walk(self, i: int, j: int, start_s: float, pace: float) -> Leg:
        """Build the walk leg from source ``i`` to source ``j`` starting at ``start_s``."""
        target = int(self.sources[j])
        path = [target]
        while path[-1] != self.sources[i]:
            path.append(int(self.pred[i, path[-1]]))
        path.reverse()
        segs = [self.segment_of[(a, b)] for a, b in itertools.pairwise(path)]
        table = self.graph.segments
        lengths = table["length_m"].to_numpy()[segs]
        flips = [bool(table["u_idx"].iat[s] != a) for s, a in zip(segs, path, strict=False)]
        metres = float(lengths.sum())
        ids = self.graph.nodes.index
        return Leg(
            kind="walk",
            start_s=start_s,
            end_s=start_s + metres / pace,
            from_node=int(ids[path[0]]),
            to_node=int(ids[path[-1]]),
            segments=tuple(segs),
            reversed=tuple(flips),
            distance_m=metres,
            presence=float(self.segment_presence[segs].sum()),
        )


def walk_weights(graph: StreetGraph, segment_risk: np.ndarray, patrol: Patrol) -> np.ndarray:
    """Presence of one pass of each segment: its risk x the minutes spent walking it.

    A segment longer than twice the sight radius counts for ``2 * sight_m / pace`` only: its
    risk is spread along it, and a walker keeps each point of it in sight that long (as a stop
    watches only the street within its radius).
    """
    seen_m = np.minimum(graph.segments["length_m"].to_numpy(), 2.0 * patrol.sight_m)
    return segment_risk * seen_m / patrol.pace_m_per_s / 60.0


def _segment_lookup(graph: StreetGraph, avoided: frozenset[int]) -> dict[tuple[int, int], int]:
    """(node position, node position) -> shortest usable segment joining them, both ways."""
    seg = graph.segments
    order = np.argsort(-seg["length_m"].to_numpy(), kind="stable")
    u_idx, v_idx = seg["u_idx"].to_numpy()[order], seg["v_idx"].to_numpy()[order]
    lookup: dict[tuple[int, int], int] = {}
    for s, a, b in zip(order.tolist(), u_idx.tolist(), v_idx.tolist(), strict=True):
        if s not in avoided:
            lookup[(a, b)] = lookup[(b, a)] = s
    return lookup


def _walkable(graph: StreetGraph, lookup: dict[tuple[int, int], int]) -> sparse.csr_matrix:
    """Symmetric length matrix of the usable segments."""
    if not lookup:
        return sparse.csr_matrix((len(graph.nodes), len(graph.nodes)))
    pairs = np.array(list(lookup.keys()), dtype=np.int64)
    segs = np.fromiter(lookup.values(), dtype=np.int64, count=len(lookup))
    lengths = graph.segments["length_m"].to_numpy()[segs]
    n = len(graph.nodes)
    return sparse.csr_matrix((lengths, (pairs[:, 0], pairs[:, 1])), shape=(n, n))


def _tree_sums(pred: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per source row, the sum of ``weight[row, v]`` along the tree path to every node.

    ``weight[r, v]`` is the weight of the tree edge into ``v`` (``pred[r, v] < 0`` at roots);
    pointer doubling sums whole paths in ``log2(depth)`` vectorised steps.
    """
    total = weight.copy()
    up = np.where(pred >= 0, pred, -1)
    rows = np.arange(pred.shape[0])[:, None]
    while (up >= 0).any():
        has = up >= 0
        safe = np.where(has, up, 0)
        total = total + np.where(has, total[rows, safe], 0.0)
        up = np.where(has, up[rows, safe], -1)
    return total


def _network(graph: StreetGraph, risk: RiskMap, sources: np.ndarray, patrol: Patrol) -> _Network:
    lookup = _segment_lookup(graph, patrol.avoided)
    dist_m, pred = dijkstra(
        _walkable(graph, lookup), directed=False, indices=sources, return_predecessors=True
    )
    # Presence minutes of the tree edge into each node, then summed along the tree paths.
    weight = walk_weights(graph, risk.segment_risk, patrol)
    tree_segment = np.full(pred.shape, -1, dtype=np.int64)
    rows, cols = np.nonzero(pred >= 0)
    if len(rows):
        keys = zip(pred[rows, cols].tolist(), cols.tolist(), strict=True)
        tree_segment[rows, cols] = np.fromiter(
            (lookup[k] for k in keys), dtype=np.int64, count=len(rows)
        )
    edge = np.where(tree_segment >= 0, weight[tree_segment], 0.0)
    walk_presence = _tree_sums(pred, edge)[:, sources]
    return _Network(graph, sources, dist_m, pred, lookup, tree_segment, weight, walk_presence)


def walk_home_s(graph: StreetGraph, patrol: Patrol) -> list[float]:
    """Per unit, the seconds from where it starts to its end station, walking straight there.

    At the patrol's pace with its share of time held back for calls, as the routes count it;
    infinite where the ways to avoid cut the unit off.
    """
    starts, ends = patrol.unit_starts(), patrol.unit_ends()
    lookup = _segment_lookup(graph, patrol.avoided)
    dist = dijkstra(_walkable(graph, lookup), directed=False, indices=[n for n, _ in starts])
    dist = np.atleast_2d(dist)
    per_s = patrol.stretch() / patrol.pace_m_per_s
    return [float(dist[k, end] * per_s) for k, (end, _) in enumerate(ends)]


def plan_routes(
    graph: StreetGraph,
    risk: RiskMap,
    hotspots: Hotspots,
    patrol: Patrol,
    time_limit_s: float,
    seed: int = 1,
    max_iterations: int | None = None,
    start_from: Sequence[Sequence[int]] = (),
) -> tuple[list[Route], SolveStats]:
    """Plan one route per unit with :func:`planner.search.solve`.

    ``start_from`` gives, per unit (the first ones), the hot spots (indices into ``hotspots``)
    of another plan's stops in order, e.g. of the same shift with fewer officers: the search
    starts from it and keeps at least its value. A start the units cannot walk is dropped.

    Raises
    ------
    InfeasibleError
        When a unit cannot reach the end station in time, or no hot spot can be dosed and left
        within the shift, or the meal break does not fit (the message says by how much).
    """
    if len(hotspots) == 0:
        msg = "no hot spot in the area: the risk map is flat; add incident data or a larger area"
        raise InfeasibleError(msg)
    dwell_value = hotspots.value * koper_value_min(patrol.dwell_s / 60.0, patrol.koper_curve)
    order = np.argsort(-dwell_value, kind="stable")[:MAX_CANDIDATES]
    done_sites = {h for h, _ in patrol.done} | set(patrol.must_cover)
    extra = [h for h in sorted(done_sites) if h not in set(order.tolist())]
    order = np.concatenate([order, np.array(extra, dtype=np.int64)]).astype(np.int64)
    starts, ends = patrol.unit_starts(), patrol.unit_ends()
    first_spot = 2 + 2 * len(starts)
    sources = np.array(
        [
            patrol.start_idx,
            patrol.end_idx,
            *(node for node, _ in starts),
            *(node for node, _ in ends),
            *hotspots.node_idx[order].tolist(),
        ],
        dtype=np.int64,
    )
    net = _network(graph, risk, sources, patrol)
    problem = _problem(net, patrol, starts, dwell_value[order], order, first_spot)
    _check_feasible(problem, patrol)
    initial = _initial(start_from, order, first_spot, len(problem.shifts))
    if initial is not None and search.evaluate(problem, initial) is None:
        log.info("routes: the other plan's stops do not fit these units; searching afresh")
        initial = None
    result = search.solve(
        problem, time_limit_s, seed, initial=initial, max_iterations=max_iterations
    )
    bound, single = result.bound, 0
    if patrol.must_cover or patrol.search_weight is not None:  # the search weighed spots apart
        plain = _problem(net, patrol, starts, dwell_value[order], order, first_spot, False)
        bound = search.upper_bound(plain)
        single = int((problem.max_visits < plain.max_visits).sum())  # quiet must-cover places
    stays = _stays(result.best.routes, net, patrol)
    routes = [
        _route(k + 1, net, patrol, visits, brk, starts[k], order, first_spot, stays)
        for k, (visits, brk) in enumerate(zip(result.best.routes, result.best.breaks, strict=True))
    ]
    routes = _credit_walks(_credit_stops(routes, dwell_value, patrol), net.segment_presence, patrol)
    earned = sum(r.presence for r in routes)
    status = result.status
    if status == "OPTIMAL" and bound > earned + 1e-9:  # optimal for the weights, not presence
        status = "FEASIBLE"
    stats = SolveStats(
        solver="patrol search (planner.search)",
        status=status,
        objective=earned,
        bound=max(bound, earned),
        runtime_s=result.runtime_s,
        parameters={
            "candidates": len(order),
            "max_visits": patrol.visits_allowed(),
            "revisit_value": patrol.revisit_value,
            "min_revisit_gap_s": patrol.min_gap_s,
            "dwell_s": patrol.dwell_s,
            "held_back_share": patrol.held_back_share,
            "time_limit_s": time_limit_s,
            "seed": seed,
            "iterations": result.iterations,
            "hourly_risk": patrol.hourly is not None,
            "single_visit_spots": single,
        },
    )
    return routes, stats


def _weigh_must_cover(spots: np.ndarray, must: np.ndarray) -> np.ndarray:
    """Raise the must-cover rows of ``spots`` (hot spot x hour values) in place.

    Each counts :data:`MUST_COVER_WEIGHT` times its value or, if that is less, its hourly
    profile scaled so that its best hour is worth :data:`MUST_COVER_OVER_BEST` times the best
    other hot spot's best (a spot with no risk of its own gets that flat): the search then gives
    it a stop unless reaching it costs more than a few of the best stops. Returns the rows
    raised to that floor (quiet places): one stop there is what the scenario asks for, and
    further stops at the raised value would crowd out the risk, so they get a single visit.
    """
    quiet = np.zeros(len(spots), dtype=bool)
    if not must.any():
        return quiet
    floor = MUST_COVER_OVER_BEST * spots[~must].max(initial=0.0)
    own = spots[must]
    peak = own.max(axis=1, keepdims=True)
    spots[must] = np.where(
        peak > 0, np.maximum(own * MUST_COVER_WEIGHT, own * floor / np.maximum(peak, 1e-300)), floor
    )
    quiet[must] = peak[:, 0] * MUST_COVER_WEIGHT < floor
    return quiet


def _initial(
    start_from: Sequence[Sequence[int]], order: np.ndarray, first_spot: int, units: int
) -> list[list[int]] | None:
    """Search nodes of the hot spots in ``start_from`` (those among the candidates), per unit."""
    if not start_from:
        return None
    node = {int(h): first_spot + i for i, h in enumerate(order)}
    seqs = [[node[h] for h in spots if h in node] for spots in start_from[:units]]
    return seqs + [[] for _ in range(units - len(seqs))]


def _problem(
    net: _Network,
    patrol: Patrol,
    starts: tuple[tuple[int, float], ...],
    value: np.ndarray,
    order: np.ndarray,
    first_spot: int,
    weighted: bool = True,
) -> search.Problem:
    """Build the numeric problem: nodes are start, end, the units' positions, then hot spots.

    ``weighted``: hot spots weigh in the search apart from their risk (must-cover places, a
    variant's search weight); without it the problem's values are presence, for the bound.
    """
    n = len(net.sources)
    stretch = patrol.stretch()
    travel = net.dist_m[:, net.sources] / patrol.pace_m_per_s * stretch
    hours = max(1, math.ceil(patrol.shift_s / HOUR_S))
    values = np.zeros((n, hours))
    profile = np.ones((len(order), hours))
    if patrol.hourly is not None:
        profile = patrol.hourly[order][:, :hours]
    values[first_spot:] = value[:, None] * profile
    if weighted and patrol.search_weight is not None:
        values[first_spot:] *= patrol.search_weight[order][:, :hours]
    quiet = np.zeros(len(order), dtype=bool)
    if weighted:
        quiet = _weigh_must_cover(values[first_spot:], np.isin(order, patrol.must_cover))
    dwell = np.zeros(n)
    dwell[first_spot:] = patrol.dwell_s * stretch
    caps = np.zeros(n, dtype=np.int64)
    caps[first_spot:] = np.where(quiet, min(1, patrol.visits_allowed()), patrol.visits_allowed())
    spot_node = {int(h): first_spot + k for k, h in enumerate(order)}
    history = tuple((spot_node[h], t) for h, t in patrol.done)
    for node, _ in history:  # stops made before a re-plan use up the hot spot's allowance
        caps[node] = max(0, caps[node] - 1)
    units = len(starts)
    shifts = tuple(
        search.Shift(
            start=2 + k,
            end=2 + units + k,
            begin_s=begin,
            end_s=end_s,
            break_s=(
                0.0
                if k + 1 in patrol.break_done or patrol.outside_break_window(k)
                else patrol.break_s
            ),
            break_earliest_s=patrol.break_window_s[0],
            break_latest_s=patrol.break_window_s[1],
            break_node=2 + units + k if patrol.break_at_station else None,
        )
        for k, ((_, begin), (_, end_s)) in enumerate(zip(starts, patrol.unit_ends(), strict=True))
    )
    walk = np.where(np.isfinite(net.walk_presence), net.walk_presence, 0.0)
    passes = None  # every pass of a street worth the same: the arcs' walk values say it all
    if patrol.revisit_value < 1.0:
        passes = search.StreetPasses(
            pred=net.pred,
            street=net.tree_segment,
            where=net.sources,
            weight=net.segment_presence,
            seconds=net.graph.segments["length_m"].to_numpy() / patrol.pace_m_per_s * stretch,
            decay=patrol.revisit_value,
            before=np.bincount(
                np.asarray(patrol.walked, dtype=np.int64), minlength=len(net.segment_presence)
            ),
        )
    return search.Problem(
        travel_s=np.where(np.isfinite(travel), travel, UNREACHABLE_S),
        value=values,
        dwell_s=dwell,
        max_visits=caps,
        shifts=shifts,
        bucket_s=HOUR_S,
        repeat_decay=patrol.revisit_value,
        min_gap_s=max(patrol.min_gap_s, patrol.dwell_s * stretch),
        walk_value=walk,
        history=history,
        street_passes=passes,
    )


def _check_feasible(problem: search.Problem, patrol: Patrol) -> None:
    """Explain, with figures, why no plan exists (station too far, break does not fit)."""
    travel = problem.travel_s
    spots = np.flatnonzero(problem.max_visits > 0)
    stranded: list[tuple[int, str]] = []
    for k, shift in enumerate(problem.shifts, start=1):
        _check_shift(travel, k, shift)
        # late in a re-planned shift, walking back without a stop is the plan
        if len(spots) == 0 or patrol.resumed:
            continue
        if why := _no_stop(problem, spots, shift, patrol.dwell_s):
            stranded.append((k, why))
    if stranded:
        reasons = {why for _, why in stranded}
        if len(stranded) == len(problem.shifts) and len(reasons) == 1:
            raise InfeasibleError(stranded[0][1])  # every unit, for one reason
        named = [f"unit {k}: {why}" for k, why in stranded[:3]]
        more = f"; and {len(stranded) - 3} more units" if len(stranded) > 3 else ""
        raise InfeasibleError("; ".join(named) + more)


def _check_shift(travel: np.ndarray, k: int, shift: search.Shift) -> None:
    """Refuse unit ``k`` when it cannot get back to its end station or take its break."""
    left = shift.end_s - shift.begin_s
    home = travel[shift.start, shift.end]
    if home >= UNREACHABLE_S:
        msg = (
            f"unit {k} cannot walk to the end station at all: the ways to avoid "
            "(officers.avoid, places.forbidden) cut it off; remove a forbidden zone near "
            "the stations or an avoid rule"
        )
        raise InfeasibleError(msg)
    if home > left:
        msg = (
            f"unit {k}: the walk to the end station alone takes {home / 60:.0f} min, "
            f"{(home - left) / 60:.0f} min more than the {left / 60:.0f} min left in the "
            "shift; lengthen the shift or choose closer stations"
        )
        raise InfeasibleError(msg)
    if shift.break_s > 0:
        via = 0.0 if shift.break_node is None else travel[shift.start, shift.break_node]
        ready = max(shift.begin_s + via, shift.break_earliest_s)
        back = 0.0 if shift.break_node is None else travel[shift.break_node, shift.end]
        if ready > shift.break_latest_s or ready + shift.break_s + back > shift.end_s:
            late = max(ready - shift.break_latest_s, ready + shift.break_s + back - shift.end_s)
            msg = (
                f"unit {k}: the {shift.break_s / 60:.0f} min meal break does not fit: "
                f"taken as early as possible it misses its window or the shift end by "
                f"{late / 60:.0f} min; widen officers.meal_break or move it earlier"
            )
            raise InfeasibleError(msg)


def _no_stop(
    problem: search.Problem, spots: np.ndarray, shift: search.Shift, dwell_s: float
) -> str:
    """Why no hot spot can be reached, dosed ``dwell_s`` and left in time; "" if one can."""
    travel = problem.travel_s
    rounds = travel[shift.start, spots] + problem.dwell_s[spots] + travel[spots, shift.end]
    shortest = float(rounds.min())
    if shortest >= UNREACHABLE_S:
        return (
            "no hot spot can be reached from the station and left for the end station: the "
            "ways to avoid (officers.avoid, places.forbidden) cut them off; move the station "
            "out of its forbidden zone, or remove a zone or an avoid rule"
        )
    spare = shift.end_s - shift.begin_s - shift.break_s
    if shortest <= spare:
        return ""
    meal = f" after the {shift.break_s / 60:.0f} min meal break" if shift.break_s else ""
    fixes = "the meal break, " if shift.break_s else ""
    return (
        f"no hot spot can be reached, dosed for {dwell_s / 60:.0f} min and left in time: the "
        f"shortest such round takes {shortest / 60:.0f} min, the {spare / 60:.0f} min "
        f"left{meal} are short by {(shortest - spare) / 60:.0f} min; lengthen the shift, "
        f"shorten {fixes}the dwell or the held-back share, or move the station"
    )


def _walk_s(net: _Network, i: int, j: int, patrol: Patrol) -> float:
    """Seconds of walking from source ``i`` to source ``j`` at the patrol pace."""
    return float(net.dist_m[i, net.sources[j]]) / patrol.pace_m_per_s


Stays = dict[int, list[tuple[float, float, int]]]
"""Per node position, the (start, end, unit) of each stop there with the time held back after it."""


def _stays(routes: Sequence[Sequence[search.Visit]], net: _Network, patrol: Patrol) -> Stays:
    """Where every unit stands for its stops (see :data:`Stays`), units numbered from 1."""
    held = patrol.dwell_s * patrol.stretch()
    stays: Stays = {}
    for k, visits in enumerate(routes, start=1):
        for visit in visits:
            node = int(net.sources[visit.node])
            stays.setdefault(node, []).append((visit.start_s, visit.start_s + held, k))
    return stays


def _departure(
    now: float, legs_s: tuple[float, float], slot_s: float, here: list, unit: int
) -> float:
    """When a unit early for its stop stops waiting where it is, to arrive on its slot.

    ``legs_s`` are the seconds it then still stands where it is (time held back before the
    walk) and walks. It waits there, not beside the unit stopping at the hot spot before it,
    and sets off early only so as to be gone when another unit comes to stop where it waits
    (``here``: their stays).
    """
    standing_s, walk_s = legs_s
    latest = slot_s - standing_s - walk_s
    coming = [s - standing_s for s, e, k in here if k != unit and e > now and s < slot_s]
    return max(now, min([latest, *coming]))


def _route(
    officer: int,
    net: _Network,
    patrol: Patrol,
    visits: tuple[search.Visit, ...],
    break_start: float | None,
    start: tuple[int, float],
    order: np.ndarray,
    first_spot: int,
    stays: Stays | None = None,
) -> Route:
    """Build the timed legs of one unit: walks, reserve time, waits, stops and the break.

    A unit early for its stop waits where it is, away from where other units stop (``stays``).
    """
    legs: list[Leg] = []
    ids = net.graph.nodes.index
    spare = patrol.stretch() - 1.0
    units = len(patrol.unit_starts())
    here, clock = 2 + officer - 1, start[1]
    home = 2 + units + officer - 1
    pending_break = break_start

    def add(leg: Leg) -> None:
        nonlocal clock
        legs.append(leg)
        clock = leg.end_s

    def hold(kind: str, until: float) -> None:
        nonlocal clock
        if until <= clock + 1e-6:
            return
        node = int(ids[net.sources[here]])
        if kind == "reserve" and legs and legs[-1].kind == "reserve" and legs[-1].to_node == node:
            legs[-1] = replace(legs[-1], end_s=until)  # one block of time held back, not two
            clock = until
        else:
            add(Leg(kind, clock, until, node, node))

    def go(to: int) -> None:
        nonlocal here
        if net.sources[here] == net.sources[to]:  # already there
            here = to
            return
        leg = net.walk(here, to, clock, patrol.pace_m_per_s)
        if spare > 0:  # the walk's share is held back before it sets off
            walk_s = leg.end_s - leg.start_s
            hold("reserve", clock + walk_s * spare)
            leg = replace(leg, start_s=clock, end_s=clock + walk_s)
        add(leg)
        here = to

    def take_break(before: float) -> None:
        nonlocal pending_break
        if pending_break is None or pending_break > before + 1e-6:
            return
        if patrol.break_at_station:
            go(home)
        hold("wait", pending_break)
        hold("break", max(clock, pending_break) + patrol.break_s)
        pending_break = None

    for visit in visits:
        take_break(visit.start_s)
        # a wait for the stop's slot is spent where the unit is, not beside the unit stopping
        # there before it: leave in time to arrive on the slot
        walk_s = _walk_s(net, here, visit.node, patrol)
        around = (stays or {}).get(int(net.sources[here]), [])
        leave = _departure(clock, (walk_s * spare, walk_s), visit.start_s, around, officer)
        hold("wait", leave)
        go(visit.node)
        hold("wait", visit.start_s)
        node = int(ids[net.sources[visit.node]])
        hot = int(order[visit.node - first_spot])
        add(
            Leg(
                "dwell",
                clock,
                clock + patrol.dwell_s,
                node,
                node,
                presence=0.0,
                hotspot=hot,
            )
        )
        if spare > 0:
            hold("reserve", clock + patrol.dwell_s * spare)
    go(home)  # a break still due is taken back at the station (the search's rule)
    take_break(math.inf)
    return Route(officer, tuple(legs))


def _recredit(routes: list[Route], kind: str, credit: Callable[[Leg], Leg]) -> list[Route]:
    """Replace every leg of ``kind`` by ``credit(leg)``, legs taken in time order.

    Time order over all units (ties by unit, then leg) lets ``credit`` count earlier passes.
    """
    order = sorted(
        (leg.start_s, k, i)
        for k, r in enumerate(routes)
        for i, leg in enumerate(r.legs)
        if leg.kind == kind
    )
    credited = [list(r.legs) for r in routes]
    for _, k, i in order:
        credited[k][i] = credit(credited[k][i])
    return [Route(r.officer, tuple(legs)) for r, legs in zip(routes, credited, strict=True)]


def _credit_stops(routes: list[Route], dwell_value: np.ndarray, patrol: Patrol) -> list[Route]:
    """Credit each stop: value x the hour's profile x ``revisit_value ** rank`` at its hot spot.

    The rank counts earlier stops at the same hot spot by any unit, and the stops already made
    before a re-plan.
    """
    earlier: dict[int, list[float]] = {}
    for hot, start_s in patrol.done:
        earlier.setdefault(hot, []).append(start_s)
    hours = max(1, math.ceil(patrol.shift_s / HOUR_S))

    def credit(leg: Leg) -> Leg:
        hot = int(leg.hotspot)
        rank = sum(t < leg.start_s for t in earlier.get(hot, []))
        hour = min(int(leg.start_s // HOUR_S), hours - 1)
        profile = 1.0 if patrol.hourly is None else float(patrol.hourly[hot, hour])
        earlier.setdefault(hot, []).append(leg.start_s)
        return replace(leg, presence=float(dwell_value[hot] * profile * patrol.revisit_value**rank))

    return _recredit(routes, "dwell", credit)


def _credit_walks(routes: list[Route], weight: np.ndarray, patrol: Patrol) -> list[Route]:
    """Credit each walk: each street's ``weight`` (:func:`walk_weights`) on its first pass.

    The k-th pass of a street earns ``revisit_value ** k`` of its weight. Passes are ranked in
    time order over all units (legs by start, streets in walking order), after the passes made
    before a re-plan (``patrol.walked``).
    """
    passes = _Passes(weight, patrol.revisit_value)
    passes.credit(patrol.walked)
    return _recredit(routes, "walk", passes.credited)


def credit_kept_walks(
    kept: tuple[tuple[Leg, ...], ...], weight: np.ndarray, patrol: Patrol
) -> tuple[tuple[Leg, ...], ...]:
    """Credit the walks a re-plan keeps (legs done, per unit) as :func:`_credit_walks` does.

    A walk cut short at the re-plan earns the streets it walked. Passes are ranked in time order
    over all units (a call for service records no streets: its way is not known). The risk is
    the re-plan's; the stops kept keep the credit of the plan followed, the same unless the
    risk inputs changed in between.
    """
    passes = _Passes(weight, patrol.revisit_value)
    legs = [list(unit) for unit in kept]
    order = sorted((leg.start_s, k, i) for k, unit in enumerate(legs) for i, leg in enumerate(unit))
    for _, k, i in order:
        leg = passes.credited(legs[k][i])
        if leg.kind == "walk":
            legs[k][i] = leg
    return tuple(tuple(unit) for unit in legs)


class _Passes:
    """Passes of each street so far; the k-th pass earns its weight x ``revisit_value ** k``."""

    def __init__(self, weight: np.ndarray, revisit_value: float) -> None:
        self.weight, self.revisit_value = weight, revisit_value
        self.count: dict[int, int] = {}

    def credit(self, segments: Iterable[int]) -> tuple[float, ...]:
        """Count one pass of each of ``segments`` in order; return what each pass earns."""
        values = []
        for seg in segments:
            rank = self.count.get(seg, 0)
            values.append(float(self.weight[seg]) * self.revisit_value**rank)
            self.count[seg] = rank + 1
        return tuple(values)

    def credited(self, leg: Leg) -> Leg:
        """Count the passes of ``leg``'s streets; the leg with what they earn, street by street."""
        credits = self.credit(leg.segments)
        return replace(leg, presence=float(sum(credits)), credits=credits)


def validation_rules(
    graph: StreetGraph, hotspots: Hotspots, patrol: Patrol, dwell_min_s: float
) -> Rules:
    """Return the validator's rules for plans made under ``patrol``."""
    ids = graph.nodes.index
    return Rules(
        shift_s=patrol.shift_s,
        pace_m_per_s=patrol.pace_m_per_s,
        start_node=int(ids[patrol.start_idx]),
        end_node=int(ids[patrol.end_idx]),
        dwell_min_s=min(dwell_min_s, patrol.dwell_s),
        dwell_max_s=patrol.dwell_s,
        hotspot_nodes=tuple(int(ids[i]) for i in hotspots.node_idx),
        units=len(patrol.unit_starts()),
        min_revisit_gap_s=patrol.min_gap_s,
        max_visits=patrol.visits_allowed(),
        max_dwell_s_per_spot=patrol.max_dwell_s_per_spot,
        break_s=patrol.break_s,
        break_window_s=patrol.break_window_s,
        break_at_end_station=patrol.break_at_station,
        held_back_share=patrol.held_back_share,
        avoided_segments=patrol.avoided,
        starts={k + 1: (int(ids[n]), t) for k, (n, t) in enumerate(patrol.starts)},
        ends={k + 1: (int(ids[n]), t) for k, (n, t) in enumerate(patrol.ends)},
    )
