"""Loops for time a unit would stand: the best nearby streets, walked out and back to the spot.

The route search plans stops and the shortest walks between them. Where a unit would wait as
long as a stop or longer (for its next stop's slot, for its meal break) or would be back at the
station before its time ends, :func:`walk_spare_time` sends it round a loop of streets instead,
back where it stood in time. Its share of time held back for calls stays with it, before the
loop, as before every walk.

A loop is built greedily (an arc orienteering heuristic in the spirit of Golden, Levy & Vohra
1987, Naval Research Logistics 34): from where the unit is, walk to the street that earns most
per metre spent reaching and walking it, given the passes already made by every unit (a street's
k-th pass earns ``revisit_value ** k`` of its first; for the choice, at most half), as long as
the walk back still fits; then walk back the shortest way. Spare time longer than an hour is
walked as several loops. Loops are planned in time order over all units, so a later loop counts
the streets an earlier one walked, as it counts every walk of the search's plan.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from planner.patrol import Patrol
from planner.plan import Leg, Route
from planner.walks import Network, path_leg


@dataclass(frozen=True, slots=True)
class _Spare:
    """Time a unit would stand: unit index, leg index (None: after its last leg), node, span."""

    unit: int
    leg: int | None
    node: int
    start_s: float
    end_s: float


#: Longest loop, in clock seconds with its time held back for calls: longer spare time is
#: walked as several loops back to the same spot, each with its own share held back before it.
MAX_LOOP_S = 3600.0
#: Shares of :data:`MAX_LOOP_S` the first loop of units 1, 2, 3, 4, 5, ... may take, so that
#: units with hours of loops from one spot are not back there together every hour.
FIRST_LOOP_SHARES = (1.0, 0.875, 0.75, 0.625)


def walk_spare_time(routes: list[Route], net: Network, patrol: Patrol) -> list[Route]:
    """Walk loops of the best nearby streets in each wait as long as a stop, and at the end.

    Waits shorter than a stop (``patrol.dwell_s``) stay waits; spare time longer than
    :data:`MAX_LOOP_S` is walked as several loops. Returns the routes with their loops,
    uncredited (credit them with :func:`planner.route_legs.credit_walks`).
    """
    graph = net.graph
    position = {int(n): i for i, n in enumerate(graph.nodes.index)}
    spares = [(s.start_s, s.unit, i, s) for i, s in enumerate(_spares(routes, patrol, position))]
    heapq.heapify(spares)
    walker = _Walker(net, patrol, routes)
    loops: dict[tuple[int, int | None], list[Leg]] = {}
    while spares:  # loops in time order over all units: later ones count earlier passes
        start_s, unit, i, spare = heapq.heappop(spares)
        most_s = MAX_LOOP_S
        if start_s == spare.start_s:  # its first loop: staggered across the units
            most_s *= FIRST_LOOP_SHARES[unit % len(FIRST_LOOP_SHARES)]
        span_s = min(spare.end_s - start_s, most_s)
        path = walker.loop(spare.node, span_s / patrol.stretch() * patrol.pace_m_per_s)
        if path is None:
            continue
        leg = path_leg(graph, net.segment_of, path, start_s, patrol.pace_m_per_s)
        reserve_s = (leg.end_s - leg.start_s) * (patrol.stretch() - 1.0)
        leg = replace(leg, start_s=leg.start_s + reserve_s, end_s=leg.end_s + reserve_s)
        loops.setdefault((spare.unit, spare.leg), []).append(leg)
        if spare.end_s - leg.end_s >= patrol.dwell_s:
            heapq.heappush(spares, (leg.end_s, unit, i, spare))
    starts = patrol.unit_starts()
    return [_with_loops(k, route, loops, starts[k][1]) for k, route in enumerate(routes)]


def _spares(routes: list[Route], patrol: Patrol, position: dict[int, int]) -> list[_Spare]:
    """Find the waits as long as a stop, and the time left after each unit's last leg."""
    out = []
    for k, (route, start, end) in enumerate(
        zip(routes, patrol.unit_starts(), patrol.unit_ends(), strict=True)
    ):
        for i, leg in enumerate(route.legs):
            if leg.kind == "wait" and leg.end_s - leg.start_s >= patrol.dwell_s:
                out.append(_Spare(k, i, position[leg.to_node], leg.start_s, leg.end_s))
        # a unit with no leg stands where it starts, which is where it ends
        home, back_s = (position[route.legs[-1].to_node], route.end_s) if route.legs else start
        if end[1] - back_s >= patrol.dwell_s:
            out.append(_Spare(k, None, home, back_s, end[1]))
    return out


def _with_loops(
    k: int, route: Route, loops: dict[tuple[int, int | None], list[Leg]], begin_s: float
) -> Route:
    """Route ``k`` with its loops: each after its time held back, then what is left of the wait."""
    legs: list[Leg] = []

    def legs_end() -> float:
        return legs[-1].end_s if legs else begin_s

    def add_loops(walks: list[Leg], until: float) -> None:
        for loop in walks:
            node = loop.from_node
            if legs and legs[-1].kind == "reserve" and legs[-1].to_node == node:
                legs[-1] = replace(legs[-1], end_s=loop.start_s)  # one block held back, not two
            elif loop.start_s > legs_end() + 1e-6:
                legs.append(Leg("reserve", legs_end(), loop.start_s, node, node))
            legs.append(loop)
        if until > legs_end() + 1e-6:
            node = walks[-1].to_node
            legs.append(Leg("wait", legs_end(), until, node, node))

    for i, leg in enumerate(route.legs):
        if (walks := loops.get((k, i))) is None:
            legs.append(leg)
        else:
            add_loops(walks, leg.end_s)
    if (walks := loops.get((k, None))) is not None:
        add_loops(walks, walks[-1].end_s)
    return Route(route.officer, tuple(legs))


#: Most a repeat pass of a street weighs, relative to the pass before, when loops choose streets.
CHOICE_DECAY = 0.5


class _Walker:
    """Builds loops on the walkable streets, counting every pass made so far by any unit."""

    def __init__(self, net: Network, patrol: Patrol, routes: list[Route]) -> None:
        self.net, self.patrol = net, patrol
        self.matrix: sparse.csr_matrix = net.walkable
        segs = np.unique(np.fromiter(net.segment_of.values(), dtype=np.int64))
        table = net.graph.segments
        segs = segs[
            (table["u_idx"].to_numpy()[segs] != table["v_idx"].to_numpy()[segs])
            & (table["length_m"].to_numpy()[segs] > 0.5)
        ]  # no rings, no zero lengths
        self.segs = segs
        self.u = table["u_idx"].to_numpy()[segs]
        self.v = table["v_idx"].to_numpy()[segs]
        self.length = table["length_m"].to_numpy()[segs]
        self.passes = np.zeros(len(table), dtype=np.int64)
        walked = [s for r in routes for leg in r.legs if leg.kind == "walk" for s in leg.segments]
        np.add.at(self.passes, np.asarray([*patrol.walked, *walked], dtype=np.int64), 1)

    def _earns(self) -> np.ndarray:
        """Return what the next pass of each usable segment earns, as the loops weigh it.

        Passes weigh at most :data:`CHOICE_DECAY` each for the choice (the credit keeps
        ``revisit_value``): with repeats worth nearly as much as first passes, a loop would
        otherwise walk one short street back and forth.
        """
        weight = self.net.segment_presence[self.segs]
        decay = min(self.patrol.revisit_value, CHOICE_DECAY)
        return weight * decay ** self.passes[self.segs]

    def loop(self, home: int, budget_m: float) -> list[int] | None:
        """Node positions of a loop from ``home`` back to it within ``budget_m`` (None: no gain)."""
        back, back_pred = dijkstra(
            self.matrix,
            directed=False,
            indices=home,
            limit=budget_m / 2 + 1e-6,
            return_predecessors=True,
        )
        path, used = [home], 0.0
        while True:
            here = path[-1]
            left = budget_m - used
            reach, pred = dijkstra(
                self.matrix,
                directed=False,
                indices=here,
                limit=left + 1e-6,
                return_predecessors=True,
            )
            step = self._best_street(reach, back, left)
            if step is None:
                break
            entry, exit_ = step
            way = [*_path_to(pred, here, entry), exit_]
            self._walk(way)
            used += reach[entry] + float(self.matrix[entry, exit_])
            path.extend(way[1:])
        if len(path) == 1:
            return None
        way_back = _path_to(back_pred, home, path[-1])[::-1]
        self._walk(way_back)
        path.extend(way_back[1:])
        return path

    def _best_street(
        self, reach: np.ndarray, back: np.ndarray, left: float
    ) -> tuple[int, int] | None:
        """(entry, exit) of the street earning most per metre to reach and walk it, if any fits."""
        earns = self._earns()
        best, pick = 0.0, None
        for a, b in ((self.u, self.v), (self.v, self.u)):
            cost = reach[a] + self.length
            fits = np.isfinite(cost) & (cost + back[b] <= left + 1e-6) & (earns > 0)
            if not fits.any():
                continue
            rate = np.where(fits, earns / np.maximum(cost, 1e-9), -np.inf)
            i = int(np.argmax(rate))
            if rate[i] > best:
                best, pick = float(rate[i]), (int(a[i]), int(b[i]))
        return pick

    def _walk(self, path: list[int]) -> None:
        """Count one pass of each segment along ``path``."""
        for a, b in itertools.pairwise(path):
            self.passes[self.net.segment_of[(a, b)]] += 1


def _path_to(pred: np.ndarray, source: int, target: int) -> list[int]:
    """Node positions of the shortest path from ``source`` to ``target`` in a Dijkstra tree."""
    path = [target]
    while path[-1] != source:
        path.append(int(pred[path[-1]]))
    return path[::-1]
