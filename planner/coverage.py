"""Network-distance coverage: which stretches of street an officer standing at a node can watch.

Streets are cut into pieces of at most ``piece_m`` metres so that a long street is covered only
where it is near; a piece is covered from a node when its midpoint lies within the radius, walking
along the network. Used by hot spots (what a dwell watches), posts (maximal covering) and KPIs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from planner.graph import StreetGraph

PIECE_M = 50.0


@dataclass(frozen=True, slots=True)
class Pieces:
    """Street pieces: ``segment`` index, end node positions, offset of the midpoint from ``u``."""

    segment: np.ndarray
    u_idx: np.ndarray
    v_idx: np.ndarray
    offset_m: np.ndarray
    seg_length_m: np.ndarray
    length_m: np.ndarray

    def __len__(self) -> int:
        """Return the number of pieces."""
        return len(self.segment)


def street_pieces(graph: StreetGraph, piece_m: float = PIECE_M) -> Pieces:
    """Cut every segment into equal pieces no longer than ``piece_m`` metres."""
    lengths = graph.segments["length_m"].to_numpy()
    counts = np.maximum(1, np.ceil(lengths / piece_m)).astype(np.int64)
    segment = np.repeat(np.arange(len(lengths)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    rank = np.arange(len(segment)) - first
    piece_len = lengths[segment] / counts[segment]
    return Pieces(
        segment=segment,
        u_idx=graph.segments["u_idx"].to_numpy()[segment],
        v_idx=graph.segments["v_idx"].to_numpy()[segment],
        offset_m=(rank + 0.5) * piece_len,
        seg_length_m=lengths[segment],
        length_m=piece_len,
    )


def piece_distances(node_dist_m: np.ndarray, pieces: Pieces) -> np.ndarray:
    """Distances (rows = sources) from node distances to each piece midpoint, along the street."""
    via_u = node_dist_m[:, pieces.u_idx] + pieces.offset_m
    via_v = node_dist_m[:, pieces.v_idx] + (pieces.seg_length_m - pieces.offset_m)
    return np.minimum(via_u, via_v)


def coverage_matrix(
    graph: StreetGraph,
    sources: np.ndarray,
    radius_m: float,
    pieces: Pieces,
    chunk: int = 256,
) -> sparse.csr_matrix:
    """Boolean sparse matrix: rows = source node positions, columns = pieces within ``radius_m``."""
    blocks = []
    for start in range(0, len(sources), chunk):
        dist = graph.distances_m(sources[start : start + chunk], limit_m=radius_m)
        blocks.append(sparse.csr_matrix(piece_distances(dist, pieces) <= radius_m))
    if not blocks:
        return sparse.csr_matrix((0, len(pieces)), dtype=bool)
    return sparse.vstack(blocks, format="csr")
