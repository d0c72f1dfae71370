"""Hot spots: the places worth a dwell.

A hot spot is a street node next to a segment whose risk density is in the top
``top_percent`` of segments, chosen greedily by the risk it watches (the risk of the street pieces
within ``radius_m`` walking distance) so that no two hot spots lie closer than
``min_separation_m`` (straight line). From twice ``radius_m`` apart, no two watch a street in
common: each stop's presence is its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from planner.coverage import Pieces, coverage_matrix
from planner.graph import StreetGraph
from planner.risk import RiskMap
from planner.scenario_patrol import KOPER_CURVE


@dataclass(frozen=True, slots=True)
class Hotspots:
    """Hot spots: those found in decreasing order of watched risk, then must-cover places added.

    Attributes
    ----------
    node_idx : numpy.ndarray
        Node positions (in ``StreetGraph.nodes``) where an officer dwells.
    value : numpy.ndarray
        Risk share watched from each hot spot (sum of piece risk within the radius).
    watched : scipy.sparse.csr_matrix
        Hot spot x piece coverage.
    radius_m : float
        Visibility radius used.
    piece_risk : numpy.ndarray, optional
        Risk of each street piece (the columns of ``watched``); without it nothing is in sight.
    """

    node_idx: np.ndarray
    value: np.ndarray
    watched: sparse.csr_matrix
    radius_m: float
    piece_risk: np.ndarray | None = None

    def risk_in_sight(self, spots: list[int] | np.ndarray) -> float:
        """Share of the area's risk within sight of at least one of ``spots``."""
        rows = np.unique(np.asarray(spots, dtype=np.int64))
        if rows.size == 0 or self.piece_risk is None:
            return 0.0
        seen = np.asarray(self.watched[rows].sum(axis=0)).ravel() > 0
        return float(self.piece_risk[seen].sum())

    def overlapping_pairs(self) -> int:
        """Return how many pairs of hot spots watch some street piece in common.

        A stop at each of two such hot spots counts the streets between them twice, and the
        Koper curve and the revisit rules, which hold per hot spot, do not see one place.
        """
        watched = sparse.csr_matrix(self.watched, dtype=np.int64)
        shared = sparse.triu(watched @ watched.T, k=1)
        return int(shared.count_nonzero())

    def __len__(self) -> int:
        """Return the number of hot spots."""
        return len(self.node_idx)


def find_hotspots(
    graph: StreetGraph,
    risk: RiskMap,
    pieces: Pieces,
    radius_m: float,
    top_percent: float,
    min_separation_m: float,
) -> Hotspots:
    """Select hot spots; see the module docstring for the definition."""
    density = risk.density_per_m(graph)
    n_top = max(1, int(np.ceil(len(density) * top_percent / 100.0)))
    top = np.argsort(-density, kind="stable")[:n_top]
    seg = graph.segments
    candidates = np.unique(
        np.concatenate([seg["u_idx"].to_numpy()[top], seg["v_idx"].to_numpy()[top]])
    )
    watched = coverage_matrix(graph, candidates, radius_m, pieces)
    piece_risk = risk.piece_risk(pieces)
    value = watched.astype(float) @ piece_risk
    order = np.lexsort((candidates, -value))
    xy = graph.nodes[["x_m", "y_m"]].to_numpy()[candidates[order]]
    keep = order[kept_apart(xy, np.full(len(order), min_separation_m / 2.0))]
    return Hotspots(candidates[keep], value[keep], watched[keep], radius_m, piece_risk)


def kept_apart(xy: np.ndarray, radius: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Positions of the points kept, best (first) first, whose discs overlap none kept before.

    Point ``i`` is a disc of ``radius[i]`` around ``xy[i]``; it is kept when it is at least
    the sum of the two radii from every point kept before it, up to ``limit`` points.
    """
    kept: list[int] = []
    for i in range(len(xy)):
        if len(kept) == limit:
            break
        gaps = np.hypot(*(xy[kept] - xy[i]).T)
        if (gaps >= radius[kept] + radius[i]).all():
            kept.append(i)
    return np.array(kept, dtype=np.int64)


def spot_numbers(graph: StreetGraph, hotspots: Hotspots) -> dict[int, int]:
    """Return the number (index into ``hotspots``) of each hot spot, by its OSM node id."""
    return {int(node): k for k, node in enumerate(graph.nodes.index[hotspots.node_idx])}


def koper_value_min(
    dwell_min: float, curve: tuple[tuple[float, float], ...] = KOPER_CURVE
) -> float:
    """Presence minutes credited for a dwell of ``dwell_min`` minutes (flat past the last point)."""
    xs, ys = zip(*curve, strict=True)
    return float(np.interp(dwell_min, xs, ys))
