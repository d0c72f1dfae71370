"""Street pieces and which of them an officer standing at a node watches."""

from __future__ import annotations

import numpy as np
import pytest

from planner.coverage import coverage_matrix, street_pieces


def test_pieces_are_equal_and_no_longer_than_asked(grid):
    # 100 m streets cut into pieces of at most 40 m: three of 33 m each, not two of 50 m
    pieces = street_pieces(grid, piece_m=40.0)
    assert (pieces.length_m <= 40.0 + 1e-9).all()
    for seg, length in enumerate(grid.segments["length_m"]):
        own = pieces.segment == seg
        assert pieces.length_m[own].sum() == pytest.approx(length)
        assert np.allclose(pieces.length_m[own], length / own.sum())


def test_a_street_is_watched_only_on_the_half_near_the_officer(grid):
    # 100 m streets in 50 m pieces: from a node, within 30 m lie only the halves of its own
    # streets that touch it (midpoints 25 m away), whichever end of the street it is
    pieces = street_pieces(grid)
    near_u = pieces.offset_m < pieces.seg_length_m / 2
    for node in range(len(grid.nodes)):
        watched = coverage_matrix(grid, np.array([node]), 30.0, pieces).toarray()[0]
        expected = ((pieces.u_idx == node) & near_u) | ((pieces.v_idx == node) & ~near_u)
        assert expected.any()
        assert (watched == expected).all(), node


def test_each_street_is_cut_by_its_own_length(grid):
    # a 30 m street beside 100 m ones: one piece of 30 m, while they get two of 50 m
    from planner.graph import build_street_graph

    from .conftest import make_grid

    streets = make_grid()
    for u, v in ((0, 1), (1, 0)):
        streets.edges[u, v, 0]["length"] = 30.0
    short = build_street_graph(streets, "grid with a short street")
    pieces = street_pieces(short)
    lengths = short.segments["length_m"].to_numpy()
    assert sorted(set(lengths)) == [30.0, 100.0]
    for seg, length in enumerate(lengths):
        own = pieces.length_m[pieces.segment == seg]
        assert own.tolist() == ([30.0] if length == 30.0 else [50.0, 50.0])


def _grid_distance_m(a: int, b: int, size: int = 4) -> float:
    """Walking distance between two nodes of the test grid: 100 m per block, no diagonals."""
    return 100.0 * (abs(a // size - b // size) + abs(a % size - b % size))


def test_an_officer_watches_along_the_streets_as_far_as_the_radius(grid):
    # 130 m reaches past the next crossings: the near halves of the streets beyond them
    pieces = street_pieces(grid)
    for node in range(len(grid.nodes)):
        watched = coverage_matrix(grid, np.array([node]), 130.0, pieces).toarray()[0]
        via_u = [_grid_distance_m(node, u) for u in pieces.u_idx] + pieces.offset_m
        via_v = [_grid_distance_m(node, v) for v in pieces.v_idx] + (
            pieces.seg_length_m - pieces.offset_m
        )
        expected = np.minimum(via_u, via_v) <= 130.0
        own_streets = (pieces.u_idx == node) | (pieces.v_idx == node)
        assert (expected & ~own_streets).any()
        assert (watched == expected).all(), node


def test_coverage_is_the_same_whatever_the_number_of_officers_per_chunk(grid):
    pieces = street_pieces(grid)
    nodes = np.arange(len(grid.nodes))
    in_chunks = coverage_matrix(grid, nodes, 130.0, pieces, chunk=3).toarray()
    one_by_one = [coverage_matrix(grid, nodes[k : k + 1], 130.0, pieces) for k in nodes]
    assert in_chunks.shape == (len(nodes), len(pieces))
    assert (in_chunks == np.vstack([row.toarray() for row in one_by_one])).all()
