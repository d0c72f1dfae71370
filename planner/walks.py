"""Shortest walks on the street graph at the patrol pace, without the ways to avoid.

The distances, paths and presence the route search is built from: :func:`walk_weights` gives
the presence of one pass of each street, :func:`street_network` the shortest walks between the
problem's nodes (and what walking them earns), :func:`walk_home_s` each unit's walk home,
:func:`reachable` the nodes a unit can reach, stop at and leave in time, :func:`walk_metres` the
shortest walks from any nodes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from planner.graph import StreetGraph, shortest_segments
from planner.patrol import Patrol
from planner.plan import Leg
from planner.risk import RiskMap


@dataclass(frozen=True, slots=True)
class Network:
    """Shortest walks from the problem's nodes on the graph without the avoided ways."""

    graph: StreetGraph
    sources: np.ndarray
    dist_m: np.ndarray
    pred: np.ndarray
    segment_of: dict[tuple[int, int], int]
    tree_segment: np.ndarray  # segment walked into each node on the tree of each source (-1: none)
    segment_presence: np.ndarray  # presence of one pass of each segment (pace applied)
    walk_presence: np.ndarray  # presence walking between sources, every pass in full
    walkable: sparse.csr_matrix  # symmetric length matrix of the streets the units may walk

    def walk(self, i: int, j: int, start_s: float, pace: float) -> Leg:
        """Build the walk leg from source ``i`` to source ``j`` starting at ``start_s``."""
        target = int(self.sources[j])
        path = [target]
        while path[-1] != self.sources[i]:
            path.append(int(self.pred[i, path[-1]]))
        path.reverse()
        leg = path_leg(self.graph, self.segment_of, path, start_s, pace)
        return replace(leg, presence=float(self.segment_presence[list(leg.segments)].sum()))


def path_leg(
    graph: StreetGraph,
    segment_of: dict[tuple[int, int], int],
    path: list[int],
    start_s: float,
    pace: float,
) -> Leg:
    """Build the walk leg along ``path`` (node positions) starting at ``start_s``, uncredited.

    ``segment_of`` gives the segment walked between two successive nodes (``Network.segment_of``).
    """
    segs = [segment_of[(a, b)] for a, b in itertools.pairwise(path)]
    table = graph.segments
    lengths = table["length_m"].to_numpy()[segs]
    flips = [bool(table["u_idx"].iat[s] != a) for s, a in zip(segs, path, strict=False)]
    metres = float(lengths.sum())
    ids = graph.nodes.index
    return Leg(
        kind="walk",
        start_s=start_s,
        end_s=start_s + metres / pace,
        from_node=int(ids[path[0]]),
        to_node=int(ids[path[-1]]),
        segments=tuple(segs),
        reversed=tuple(flips),
        distance_m=metres,
    )


def walk_weights(graph: StreetGraph, segment_risk: np.ndarray, patrol: Patrol) -> np.ndarray:
    """Presence of one pass of each segment: its risk x the minutes spent walking it.

    A segment longer than twice the sight radius counts for ``2 * sight_m / pace`` only: its
    risk is spread along it, and a walker keeps each point of it in sight that long (as a stop
    watches only the street within its radius).
    """
    return one_pass_presence(graph, segment_risk, patrol.sight_m, patrol.pace_m_per_s)


def one_pass_presence(
    graph: StreetGraph, segment_risk: np.ndarray, sight_m: float, pace_m_per_s: float
) -> np.ndarray:
    """Presence of one pass of each segment at ``pace_m_per_s`` (see :func:`walk_weights`)."""
    seen_m = np.minimum(graph.segments["length_m"].to_numpy(), 2.0 * sight_m)
    return segment_risk * seen_m / pace_m_per_s / 60.0


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


def street_network(
    graph: StreetGraph, risk: RiskMap, sources: np.ndarray, patrol: Patrol
) -> Network:
    """Shortest walks from each of ``sources`` (node positions) and what walking them earns."""
    lookup = _segment_lookup(graph, patrol.avoided)
    walkable = shortest_segments(graph.segments, len(graph.nodes), patrol.avoided)
    dist_m, pred = dijkstra(walkable, directed=False, indices=sources, return_predecessors=True)
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
    return Network(
        graph, sources, dist_m, pred, lookup, tree_segment, weight, walk_presence, walkable
    )


def walk_home_s(graph: StreetGraph, patrol: Patrol) -> list[float]:
    """Per unit, the seconds from where it starts to its end station by the shortest walk.

    At the patrol's pace with its share of time held back for calls, as the routes count it;
    infinite where the ways to avoid cut the unit off.
    """
    starts, ends = patrol.unit_starts(), patrol.unit_ends()
    walk_s = _walk_seconds(graph, patrol, [n for n, _ in starts])
    return [float(walk_s[k, end]) for k, (end, _) in enumerate(ends)]


def _walk_seconds(graph: StreetGraph, patrol: Patrol, sources: list[int]) -> np.ndarray:
    """Return the seconds from each of ``sources`` (rows) to every node (columns).

    Shortest walks without the ways to avoid, at the patrol's pace with its share of time held
    back for calls.
    """
    dist = walk_metres(graph, patrol.avoided, sources)
    return dist * (patrol.stretch() / patrol.pace_m_per_s)


def walk_metres(
    graph: StreetGraph, avoided: frozenset[int], sources: list[int] | np.ndarray
) -> np.ndarray:
    """Return the metres from each of ``sources`` (node positions, rows) to every node (columns).

    Shortest walks without the segments ``avoided``; infinite where those cut a node off.
    """
    walkable = shortest_segments(graph.segments, len(graph.nodes), avoided)
    return np.atleast_2d(dijkstra(walkable, directed=False, indices=sources))


def reachable(graph: StreetGraph, patrol: Patrol, nodes: np.ndarray) -> np.ndarray:
    """Which of ``nodes`` (positions) a unit can walk to, dwell at and leave for its end in time.

    A lenient test, for choosing the search's hot spots: the meal break is not counted, so
    every node a plan could stop at is kept.
    """
    starts, ends = patrol.unit_starts(), patrol.unit_ends()
    sources = sorted({n for n, _ in starts} | {n for n, _ in ends})
    walk_s = _walk_seconds(graph, patrol, sources)
    row = {n: i for i, n in enumerate(sources)}
    dwell_s = patrol.dwell_s * patrol.stretch()
    ok = np.zeros(len(nodes), dtype=bool)
    for (start, begin), (end, end_s) in zip(starts, ends, strict=True):
        there_and_back = walk_s[row[start], nodes] + walk_s[row[end], nodes]
        ok |= there_and_back + dwell_s <= end_s - begin + 1.0  # a second's slack: rounding
    return ok
