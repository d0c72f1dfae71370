import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from planner.coverage import street_pieces
from planner.errors import SolverError
from planner.posts import (
    choose_posts,
    greedy_run,
    merge_identical_columns,
    solve_max_cover,
    to_int_weights,
    undominated_rows,
)
from planner.risk import terrain_risk

from .test_risk import bar_at


def greedy_trap():
    # Candidate 0 covers the middle four demands (weight 8) and is greedy's first pick; then one
    # side adds 7 (total 11). Choosing the two sides covers everything: 14.
    cover = np.array(
        [
            [1, 1, 1, 1, 0, 0],  # 0: the middle, greedy bait
            [1, 1, 0, 0, 1, 0],  # 1: left
            [0, 0, 1, 1, 0, 1],  # 2: right
        ],
        dtype=bool,
    )
    weights = np.array([2, 2, 2, 2, 3, 3], dtype=np.int64)
    return sparse.csc_matrix(cover), weights


def test_cp_sat_proves_the_optimum_that_greedy_misses():
    cover, weights = greedy_trap()
    assert sorted(greedy_run(cover, weights, 2)[0].tolist()) in ([0, 1], [0, 2])
    solution = solve_max_cover(cover, weights, 2, time_limit_s=5, seed=1)
    assert solution.chosen.tolist() == [1, 2]
    assert solution.stats.objective == 14
    assert solution.stats.status == "OPTIMAL"
    assert solution.stats.gap == 0


def test_float_weights_are_refused():
    cover, weights = greedy_trap()
    with pytest.raises(SolverError, match="integers"):
        solve_max_cover(cover, weights.astype(float), 2, 1, 1)


def test_identical_columns_merge_and_empty_ones_drop():
    cover = sparse.csr_matrix(np.array([[1, 1, 0, 0], [0, 0, 1, 0]], dtype=bool))
    merged, weights = merge_identical_columns(cover, np.array([1, 2, 3, 4]))
    assert merged.shape == (2, 2)
    assert sorted(weights.tolist()) == [3, 3]


def test_small_pieces_watched_together_are_merged_before_rounding():
    # Post 0 watches one piece of 1e-6 of the risk; post 1 a hundred pieces of 4e-8 each, four
    # times as much, each of which alone would round to a weight of 0.
    risk = np.r_[1e-6, np.full(100, 4e-8), 1.0 - 5e-6]
    cover = np.zeros((2, 102), dtype=bool)
    cover[0, 0] = True
    cover[1, 1:101] = True
    merged, merged_risk = merge_identical_columns(sparse.csr_matrix(cover), risk)
    assert merged_risk == pytest.approx([1e-6, 4e-6])
    solution = solve_max_cover(sparse.csc_matrix(merged), to_int_weights(merged_risk), 1, 5, 1)
    assert solution.chosen.tolist() == [1]


def test_grid_posts_sit_where_the_risk_is(grid):
    pieces = street_pieces(grid)
    risk = terrain_risk(grid, bar_at(grid, 5), pieces, 100, 0.0)
    posts, watched, stats = choose_posts(grid, risk, pieces, 1, 100, 5, 1)
    assert grid.nodes.index[posts].tolist() == [5]
    assert stats.status == "OPTIMAL"
    assert watched[0] == pytest.approx(stats.objective)


def test_helsinki_gets_exactly_k_posts_with_bound(helsinki):
    from planner.graph import osm_features
    from planner.scenario import AreaSpec

    pieces = street_pieces(helsinki)
    risk = terrain_risk(helsinki, osm_features(AreaSpec(), helsinki), pieces, 100, 0.1)
    posts, watched, stats = choose_posts(helsinki, risk, pieces, 4, 150, 2, 1)
    assert len(set(posts.tolist())) == 4
    assert 0 < stats.objective <= stats.bound <= 1.0 + 1e-9
    assert stats.objective <= watched.sum() + 1e-9
    assert stats.status in {"OPTIMAL", "FEASIBLE", "TIME_LIMIT"}
    assert watched.tolist() == sorted(watched, reverse=True)  # post 1 watches the most


def test_posts_stopped_before_the_proof_report_their_bound_and_gap(helsinki, helsinki_risk):
    # CP-SAT on one worker stops on its work measure, not the clock: the same stop every run,
    # after its first plan and well before the proof (which a work limit of 1.0 reaches here)
    risk, _, _ = helsinki_risk
    pieces = street_pieces(helsinki)
    _, _, stats = choose_posts(helsinki, risk, pieces, 4, 150, 20, 1, workers=1, work_limit=0.3)
    assert stats.solver == "CP-SAT maximal covering"
    assert stats.status == "FEASIBLE"
    assert stats.parameters["max_deterministic_time"] == 0.3
    assert 0 < stats.objective < stats.bound <= 1.0 + 1e-9
    assert stats.gap == pytest.approx((stats.bound - stats.objective) / stats.bound)
    assert stats.gap > 0.05  # far from proven: its posts may watch much less than the best
    # the bound holds: the proven best lies between the stopped plan and its bound
    _, _, best = choose_posts(helsinki, risk, pieces, 4, 150, 20, 1, workers=1, work_limit=5)
    assert best.status == "OPTIMAL"
    assert stats.objective < best.objective <= stats.bound


def test_sites_another_site_outwatches_are_dropped_and_the_optimum_stays():
    cover = np.array(
        [
            [1, 1, 0, 0, 0],  # 0: inside 1
            [1, 1, 1, 0, 0],  # 1
            [1, 1, 1, 0, 0],  # 2: the same as 1, which stays
            [0, 0, 0, 1, 1],  # 3
            [0, 0, 1, 1, 0],  # 4: overlaps 1 and 3, holds neither, nor do they hold it
        ],
        dtype=bool,
    )
    assert undominated_rows(sparse.csr_matrix(cover), 2).tolist() == [1, 3, 4]
    assert undominated_rows(sparse.csr_matrix(cover), 4).tolist() == [0, 1, 2, 3, 4]  # too few
    # on random stretches of a street (sites watch from a point as far as they see) the reduced
    # model proves the same optimum
    rng = np.random.default_rng(3)
    for _ in range(5):
        centre, reach = rng.uniform(0, 60, (40, 1)), rng.uniform(1, 8, (40, 1))
        cover = sparse.csr_matrix(np.abs(np.arange(60) - centre) <= reach)
        weights = rng.integers(1, 50, 60)
        kept = undominated_rows(cover, 5)
        assert len(kept) < 40
        whole = solve_max_cover(sparse.csc_matrix(cover), weights, 5, 5, 1, work_limit=5)
        reduced = solve_max_cover(sparse.csc_matrix(cover[kept]), weights, 5, 5, 1, work_limit=5)
        assert whole.stats.status == reduced.stats.status == "OPTIMAL"
        assert whole.stats.objective == reduced.stats.objective


def test_greedy_fallback_states_what_it_proves():
    # With no CP-SAT answer in time (work limit 0) the greedy choice comes back; its bound is at
    # most the risk some post can watch (the last column none can), so greedy watching all of it
    # is optimal; so is one post, greedy's pick being the best single post.
    cover = sparse.csc_matrix(np.array([[1, 1, 0, 0], [0, 0, 1, 0]], dtype=bool))
    weights = np.array([5, 4, 3, 100])
    both = solve_max_cover(cover, weights, 2, 1, 1, work_limit=0.0)
    assert both.stats.solver.startswith("greedy")
    assert (both.stats.objective, both.stats.bound, both.stats.status) == (12, 12, "OPTIMAL")
    assert both.stats.gap == 0.0
    one = solve_max_cover(cover, weights, 1, 1, 1, work_limit=0.0)
    assert (one.stats.objective, one.stats.bound, one.stats.status) == (9, 9, "OPTIMAL")
    cover, weights = greedy_trap()
    trapped = solve_max_cover(cover, weights, 2, 1, 1, work_limit=0.0)
    assert (trapped.stats.objective, trapped.stats.bound) == (11, 14)
    assert trapped.stats.status == "TIME_LIMIT"


def test_greedy_bound_holds_for_every_choice_of_posts():
    rng = np.random.default_rng(3)
    for _ in range(40):
        cover = rng.random((6, 9)) < 0.3
        weights = rng.integers(0, 20, 9)
        for k in (1, 2, 3):
            best = max(
                int(weights[cover[list(rows)].any(axis=0)].sum())
                for rows in itertools.combinations(range(6), k)
            )
            bound = greedy_run(sparse.csc_matrix(cover), weights, k)[1]
            assert best <= bound <= weights[cover.any(axis=0)].sum()


def test_greedy_bound_is_far_below_all_watchable_risk_when_posts_are_few():
    # ten posts each watching its own street of weight 1..10, two to place: at most 10 + 9
    cover = sparse.csc_matrix(np.eye(10, dtype=bool))
    weights = np.arange(1, 11)
    assert greedy_run(cover, weights, 2)[1] == 19
    stopped = solve_max_cover(cover, weights, 2, 1, 1, work_limit=0.0)
    assert (stopped.stats.objective, stopped.stats.bound, stopped.stats.status) == (
        19,
        19,
        "OPTIMAL",
    )


def _share_watched(grid, risk, pieces, posts, radius_m):
    """Risk of the street pieces within ``radius_m`` of at least one of ``posts``."""
    from planner.coverage import coverage_matrix

    cover = coverage_matrix(grid, np.asarray(posts, dtype=np.int64), radius_m, pieces)
    seen = np.asarray(cover.sum(axis=0)).ravel() > 0
    return float(risk.piece_risk(pieces)[seen].sum())


def test_one_post_stopped_before_any_solver_answer_is_greedy_and_proven(grid):
    pieces = street_pieces(grid)
    risk = terrain_risk(grid, bar_at(grid, 5), pieces, 100, 0.1)
    posts, watched, stats = choose_posts(grid, risk, pieces, 1, 100, 1, 1, work_limit=0.0)
    assert stats.solver.startswith("greedy")
    share = _share_watched(grid, risk, pieces, posts, 100)
    assert stats.objective == pytest.approx(share) and watched[0] == pytest.approx(share)
    assert share < 0.9
    # every piece of a 100 m street lies within 50 m of a node, so all the risk is watchable;
    # but greedy's one post is the best single post: that is the bound, and it is proven
    assert stats.bound == pytest.approx(share)
    assert stats.status == "OPTIMAL"


def test_solved_posts_watch_the_union_of_their_streets_and_no_less_than_greedy(grid):
    from planner.coverage import coverage_matrix

    pieces = street_pieces(grid)
    features = pd.concat([bar_at(grid, 5), bar_at(grid, 10), bar_at(grid, 3)], ignore_index=True)
    risk = terrain_risk(grid, features, pieces, 100, 0.1)
    posts, _watched, stats = choose_posts(grid, risk, pieces, 2, 100, 1, 1)
    assert stats.status == "OPTIMAL"
    share = _share_watched(grid, risk, pieces, posts, 100)
    assert stats.objective == pytest.approx(share) and stats.bound == pytest.approx(share)
    nodes = np.arange(len(grid.nodes))
    cover = coverage_matrix(grid, nodes, 100, pieces)
    greedy, _ = greedy_run(sparse.csc_matrix(cover), risk.piece_risk(pieces), 2)
    assert share >= _share_watched(grid, risk, pieces, nodes[greedy], 100) - 1e-9


def posts_scenario(count: int, radius_m: float, tmp_path):
    """A short scenario asking for ``count`` posts that watch ``radius_m`` each."""
    from planner.scenario import parse_scenario

    data = {
        "name": "posts",
        "shift": {"date": "2026-12-04", "start": "18:00", "end": "22:00"},
        "officers": {"count": 2, "station": {"lat": 60.17, "lon": 24.94}},
        "posts": {"count": count, "visibility_radius_m": radius_m},
    }
    return parse_scenario(data, "test", tmp_path)


def test_fewer_useful_sites_than_posts_are_placed_and_warned_of(grid, tmp_path):
    from planner.errors import PlannerWarning
    from planner.pipeline import _warn_few_posts

    pieces = street_pieces(grid)
    risk = terrain_risk(grid, bar_at(grid, 5), pieces, 25, 0.0)  # no background risk
    posts, _watched, stats = choose_posts(grid, risk, pieces, 10, 25, 5, 1)
    assert 0 < len(posts) < 10 and stats.parameters["candidates"] == len(posts)
    scn = posts_scenario(10, 25, tmp_path)
    with pytest.warns(PlannerWarning, match=f"{len(posts)} of 10 posts placed: only"):
        _warn_few_posts(scn, len(posts))


def test_posts_beyond_those_that_watch_all_the_risk_are_counted_and_warned_of(grid, tmp_path):
    from planner.errors import PlannerWarning
    from planner.pipeline import _warn_spare_posts
    from planner.posts import posts_needed

    pieces = street_pieces(grid)
    risk = terrain_risk(grid, bar_at(grid, 5), pieces, 100, 0.0)  # no background risk
    posts, _watched, stats = choose_posts(grid, risk, pieces, 6, 250, 5, 1)
    needed = posts_needed(grid, risk, pieces, posts, 250)
    assert len(posts) == 6 and stats.objective == pytest.approx(1.0)
    assert 0 < needed < 6
    # that many posts, chosen afresh, watch as much: the count is no guess
    _fewer, _w, fewer_stats = choose_posts(grid, risk, pieces, needed, 250, 5, 1)
    assert fewer_stats.objective == pytest.approx(stats.objective)
    # posts that each watch risk of their own are all needed
    narrow = choose_posts(grid, risk, pieces, 4, 100, 5, 1)[0]
    assert posts_needed(grid, risk, pieces, narrow, 100) == 4
    scn = posts_scenario(6, 250, tmp_path)
    match = (
        rf"{needed} posts would watch all the risk that these 6 watch \(100\.0 % of the area's\)"
        rf": the other {6 - needed} add no street to watch; lower posts.count to {needed} "
    )
    with pytest.warns(PlannerWarning, match=match):
        _warn_spare_posts(scn, needed, 6, stats.objective)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every post needed: no warning
        _warn_spare_posts(scn, 6, 6, stats.objective)


def test_greedy_posts_are_distinct_when_later_ones_add_nothing():
    # one candidate watches all the risk; the next picks add none, yet are other candidates
    cover = sparse.csc_matrix(np.array([[1, 1, 1], [0, 1, 0], [1, 0, 0]], dtype=bool))
    weights = np.array([5, 4, 3])
    assert greedy_run(cover, weights, 3)[0].tolist() == [0, 1, 2]
    fallback = solve_max_cover(cover, weights, 2, 1, 1, work_limit=0.0)  # greedy, no CP-SAT
    assert len(set(fallback.chosen.tolist())) == 2
