"""Foot-patrol routes: officers leave the station, walk, dwell at hot spots, and return in time.

Model (a team orienteering problem with service times): each officer has the shift's length in
seconds; travel between stops follows the shortest walk on the street graph at the patrol pace;
each visited hot spot takes one dwell of ``dwell_s``; a hot spot is dosed at most ``MAX_VISITS``
times, each repeat worth ``REVISIT_VALUE`` times the one before and starting at least
``MIN_REVISIT_GAP_S`` after the previous one began (copies of a hot spot are separate routing
nodes, ordered in time by constraints on the time dimension; officers may wait). The
solver maximises the dwell presence collected (risk watched x Koper value of the dwell), with
travel time as a small tie-breaking cost, using OR-Tools routing (disjunctions with prizes,
integer transit matrix, local cheapest insertion then greedy descent to a local optimum
within the time limit).

The reported objective is the presence along the path actually walked (walking + dwelling). Its
upper bound is a fractional knapsack over the officers' time: every minute goes either to a dwell
(each visit of each hot spot once, at its own presence rate) or to walking at the highest rate
of any street.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from scipy.sparse.csgraph import dijkstra

from planner.errors import InfeasibleError, SolverError
from planner.graph import StreetGraph
from planner.hotspots import Hotspots, koper_value_min
from planner.plan import Leg, Route, SolveStats
from planner.risk import RiskMap

log = logging.getLogger(__name__)

#: Most hot spots handed to the routing model (the best by dwell value).
MAX_CANDIDATES = 100
#: Most dwells at one hot spot in a shift, and the value of each repeat relative to the one before.
MAX_VISITS = 3
REVISIT_VALUE = 0.5
MIN_REVISIT_GAP_S = 3600
#: Integer prize of the most valuable hot spot in the routing model.
PRIZE_SCALE = 10_000_000


@dataclass(frozen=True, slots=True)
class Orienteering:
    """Numeric core: node 0 = start, node 1 = end, nodes 2.. = hot-spot visits.

    ``travel_s`` is an integer matrix of walking seconds (rounded up, so integer feasibility
    implies real feasibility); ``prize`` integer values; ``dwell_s`` the stop length; nodes with
    the same ``site`` (>= 0) are visits of one hot spot and may not follow each other.
    """

    travel_s: np.ndarray
    prize: np.ndarray
    site: np.ndarray
    dwell_s: int
    vehicles: int
    horizon_s: int
    min_gap_s: int = MIN_REVISIT_GAP_S


def _as_int_matrix(values: np.ndarray, name: str) -> list[list[int]]:
    """OR-Tools takes ints only: refuse floats, negatives and overflow loudly."""
    if values.dtype.kind not in "iu":
        msg = f"{name} must be an integer matrix for OR-Tools (got {values.dtype})"
        raise SolverError(msg)
    if values.min(initial=0) < 0 or values.max(initial=0) >= 2**62:
        msg = f"{name} out of OR-Tools' integer range"
        raise SolverError(msg)
    return values.tolist()


def solve_orienteering(
    problem: Orienteering, time_limit_s: float
) -> tuple[list[list[tuple[int, int]]], str, float]:
    """Solve with OR-Tools routing.

    Returns
    -------
    tuple
        Per vehicle, its stops as (node, arrival second); the status; seconds spent.
    """
    n = len(problem.prize)
    started = time.perf_counter()
    manager = pywrapcp.RoutingIndexManager(
        n, problem.vehicles, [0] * problem.vehicles, [1] * problem.vehicles
    )
    routing = pywrapcp.RoutingModel(manager)
    transit = problem.travel_s.copy()
    transit[2:, :] += problem.dwell_s
    callback = routing.RegisterTransitMatrix(_as_int_matrix(transit, "transit"))
    routing.SetArcCostEvaluatorOfAllVehicles(callback)
    horizon = int(problem.horizon_s)
    routing.AddDimension(callback, horizon, horizon, True, "time")
    clock = routing.GetDimensionOrDie("time")
    for node in range(2, n):
        routing.AddDisjunction([manager.NodeToIndex(node)], int(problem.prize[node]))
    _order_revisits(routing, manager, clock, problem)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        msg = f"OR-Tools routing found no route in {time_limit_s:.0f} s; raise solver.time_limit_s"
        raise SolverError(msg)
    sequences = []
    for vehicle in range(problem.vehicles):
        index = routing.Start(vehicle)
        stops = []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node >= 2:
                stops.append((node, int(solution.Min(clock.CumulVar(index)))))
            index = solution.Value(routing.NextVar(index))
        sequences.append(stops)
    status_code = routing.status()
    status = {
        routing_enums_pb2.RoutingSearchStatus.ROUTING_SUCCESS: "LOCAL_OPTIMUM",
        routing_enums_pb2.RoutingSearchStatus.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED: (
            "TIME_LIMIT"
        ),
    }.get(status_code, f"STATUS_{status_code}")
    return sequences, status, time.perf_counter() - started


def _order_revisits(
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    clock: pywrapcp.RoutingDimension,
    problem: Orienteering,
) -> None:
    """Visit k+1 of a hot spot needs visit k, and starts at least ``min_gap_s`` after it."""
    solver = routing.solver()
    for site in np.unique(problem.site[problem.site >= 0]):
        copies = np.flatnonzero(problem.site == site)
        for first, then in itertools.pairwise(copies):
            a, b = manager.NodeToIndex(int(first)), manager.NodeToIndex(int(then))
            routing.NextVar(a).RemoveValue(b)
            routing.NextVar(b).RemoveValue(a)
            solver.Add(routing.ActiveVar(b) <= routing.ActiveVar(a))
            solver.Add(
                clock.CumulVar(b) >= clock.CumulVar(a) + problem.min_gap_s * routing.ActiveVar(b)
            )


def presence_bound(
    dwell_values: np.ndarray, dwell_s: float, walk_rate_per_min: float, total_min: float
) -> float:
    """Fractional-knapsack upper bound on presence (see the module docstring)."""
    dwell_min = dwell_s / 60.0
    rates = dwell_values / dwell_min
    bound, left = 0.0, total_min
    for value, rate in sorted(zip(dwell_values, rates, strict=True), key=lambda p: -p[1]):
        if rate <= walk_rate_per_min or left <= 0:
            break
        take = min(dwell_min, left)
        bound += value * take / dwell_min
        left -= take
    return bound + max(left, 0.0) * walk_rate_per_min


@dataclass(frozen=True, slots=True)
class _Walker:
    """Shortest walks from the stop nodes, and the segment followed between two nodes."""

    graph: StreetGraph
    sources: np.ndarray
    dist_m: np.ndarray
    pred: np.ndarray
    pace_m_per_s: float
    risk: np.ndarray
    pairs: dict[tuple[int, int], int]

    def walk(self, i: int, j: int, start_s: float) -> Leg:
        """Build the walk leg from stop ``i`` to stop ``j`` (indices into ``sources``)."""
        target = int(self.sources[j])
        path = [target]
        while path[-1] != self.sources[i]:
            path.append(int(self.pred[i, path[-1]]))
        path.reverse()
        seg_ids, flips, metres, presence = [], [], 0.0, 0.0
        for a, b in itertools.pairwise(path):
            seg, flip, length = self._segment(a, b)
            seg_ids.append(seg)
            flips.append(flip)
            metres += length
            presence += self.risk[seg] * length / self.pace_m_per_s / 60.0
        ids = self.graph.nodes.index
        return Leg(
            kind="walk",
            start_s=start_s,
            end_s=start_s + metres / self.pace_m_per_s,
            from_node=int(ids[path[0]]),
            to_node=int(ids[path[-1]]),
            segments=tuple(seg_ids),
            reversed=tuple(flips),
            distance_m=metres,
            presence=presence,
        )

    def _segment(self, a: int, b: int) -> tuple[int, bool, float]:
        seg = self.pairs[(a, b)]
        table = self.graph.segments
        return seg, bool(table["u_idx"].iat[seg] != a), float(table["length_m"].iat[seg])


def _pair_lookup(graph: StreetGraph) -> dict[tuple[int, int], int]:
    """(node position, node position) -> shortest segment joining them, both directions."""
    seg = graph.segments
    order = np.argsort(-seg["length_m"].to_numpy(), kind="stable")
    u_idx, v_idx = seg["u_idx"].to_numpy()[order], seg["v_idx"].to_numpy()[order]
    lookup: dict[tuple[int, int], int] = {}
    for s, a, b in zip(order.tolist(), u_idx.tolist(), v_idx.tolist(), strict=True):
        lookup[(a, b)] = lookup[(b, a)] = s
    return lookup


def plan_routes(
    graph: StreetGraph,
    risk: RiskMap,
    hotspots: Hotspots,
    start_idx: int,
    end_idx: int,
    officers: int,
    shift_s: float,
    pace_m_per_s: float,
    dwell_s: float,
    time_limit_s: float,
) -> tuple[list[Route], SolveStats]:
    """Plan one route per officer (geographic wrapper around :func:`solve_orienteering`).

    Raises
    ------
    InfeasibleError
        If no officer can leave the station, dwell at any hot spot and return within the shift.
    """
    if len(hotspots) == 0:
        msg = "no hot spot in the area: the risk map is flat; add incident data or a larger area"
        raise InfeasibleError(msg)
    dwell_value = hotspots.value * koper_value_min(dwell_s / 60.0)
    order = np.argsort(-dwell_value, kind="stable")[:MAX_CANDIDATES]
    sources = np.concatenate([[start_idx, end_idx], hotspots.node_idx[order]]).astype(np.int64)
    dist_m, pred = dijkstra(
        graph.adjacency, directed=False, indices=sources, return_predecessors=True
    )
    travel = np.ceil(dist_m[:, sources] / pace_m_per_s).astype(np.int64)
    _check_reachable(travel, math.floor(shift_s), math.ceil(dwell_s))
    # Model nodes: start, end, then MAX_VISITS copies of every candidate hot spot.
    copy = np.concatenate([[0, 0], np.repeat(np.arange(MAX_VISITS), len(order))])
    source_of = np.concatenate([[0, 1], np.tile(np.arange(2, len(sources)), MAX_VISITS)])
    site = np.concatenate([[-1, -1], np.tile(np.arange(len(order)), MAX_VISITS)])
    value = np.zeros(len(site))
    value[2:] = dwell_value[order][site[2:]] * REVISIT_VALUE ** copy[2:]
    prize = np.zeros(len(site), dtype=np.int64)
    prize[2:] = np.maximum(1, np.rint(value[2:] / value[2:].max() * PRIZE_SCALE)).astype(np.int64)
    problem = Orienteering(
        travel[np.ix_(source_of, source_of)],
        prize,
        site,
        math.ceil(dwell_s),
        officers,
        math.floor(shift_s),
    )
    sequences, status, runtime = solve_orienteering(problem, time_limit_s)
    walker = _Walker(
        graph, sources, dist_m, pred, pace_m_per_s, risk.segment_risk, _pair_lookup(graph)
    )
    routes = [
        _build_route(k + 1, seq, walker, source_of, order[np.maximum(site, 0)], value, dwell_s)
        for k, seq in enumerate(sequences)
    ]
    total = sum(r.presence for r in routes)
    visit_values = np.concatenate([dwell_value * REVISIT_VALUE**c for c in range(MAX_VISITS)])
    bound = presence_bound(
        visit_values, dwell_s, float(risk.segment_risk.max()), officers * shift_s / 60
    )
    stats = SolveStats(
        solver="OR-Tools routing (prize-collecting, greedy descent)",
        status=status,
        objective=total,
        bound=max(bound, total),
        runtime_s=runtime,
        parameters={
            "candidates": len(order),
            "max_visits": MAX_VISITS,
            "revisit_value": REVISIT_VALUE,
            "min_revisit_gap_s": MIN_REVISIT_GAP_S,
            "dwell_s": dwell_s,
            "time_limit_s": time_limit_s,
        },
    )
    return routes, stats


def _check_reachable(travel: np.ndarray, horizon: int, dwell: int) -> None:
    if travel[0, 1] > horizon:
        msg = (
            f"the walk from the start station to the end station alone takes "
            f"{travel[0, 1] / 60:.0f} min, longer than the {horizon / 60:.0f} min shift; "
            "lengthen the shift or choose closer stations"
        )
        raise InfeasibleError(msg)
    rounds = travel[0, 2:] + dwell + travel[2:, 1]
    if rounds.min() > horizon:
        msg = (
            f"no hot spot can be reached, dosed for {dwell / 60:.0f} min and left in time: the "
            f"shortest such round takes {rounds.min() / 60:.0f} min, the shift lasts "
            f"{horizon / 60:.0f} min (short by {(rounds.min() - horizon) / 60:.0f} min); "
            "lengthen the shift, shorten the dwell, or move the station"
        )
        raise InfeasibleError(msg)


def _build_route(
    officer: int,
    stops: list[tuple[int, int]],
    walker: _Walker,
    source_of: np.ndarray,
    hotspot_of: np.ndarray,
    value: np.ndarray,
    dwell_s: float,
) -> Route:
    """Turn a sequence of model nodes into timed walk and dwell legs."""
    legs: list[Leg] = []
    clock = 0.0
    here = 0
    ids = walker.graph.nodes.index
    for stop, arrival_s in [*stops, (1, 0)]:
        leg = walker.walk(int(source_of[here]), int(source_of[stop]), clock)
        legs.append(leg)
        clock = leg.end_s
        if stop >= 2:
            node = int(ids[walker.sources[source_of[stop]]])
            if arrival_s > clock + 0.5:  # held for a revisit gap: wait on the spot
                legs.append(Leg("wait", clock, float(arrival_s), node, node))
                clock = float(arrival_s)
            legs.append(
                Leg(
                    kind="dwell",
                    start_s=clock,
                    end_s=clock + dwell_s,
                    from_node=node,
                    to_node=node,
                    presence=float(value[stop]),
                    hotspot=int(hotspot_of[stop]),
                )
            )
            clock += dwell_s
        here = stop
    return Route(officer, tuple(legs))
