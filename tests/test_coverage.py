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
