"""The search's upper bound: valid against exhaustive search, tight where the hours decide."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

import numpy as np
import pytest

from planner.search import Problem, Shift, StreetPasses, evaluate, upper_bound


def sequences(nodes: list[int], caps: dict[int, int], longest: int) -> list[list[int]]:
    """Every visiting order of up to ``longest`` stops, each node at most its cap."""
    out: list[list[int]] = [[]]
    for length in range(1, longest + 1):
        for seq in itertools.product(nodes, repeat=length):
            if all(seq.count(v) <= caps[v] for v in set(seq)):
                out.append(list(seq))
    return out


def exhaustive(problem: Problem, longest: int) -> float:
    """Best objective over all plans with up to ``longest`` stops per officer."""
    caps = {i: int(c) for i, c in enumerate(problem.max_visits) if c > 0}
    options = sequences(sorted(caps), caps, longest)
    best = 0.0
    for plan in itertools.product(options, repeat=len(problem.shifts)):
        sol = evaluate(problem, [list(s) for s in plan])
        if sol is not None:
            best = max(best, sol.objective)
    return best


def hourly_problem(seed: int) -> Problem:
    """Three hot spots and a station, each worth something in one or two short hours only.

    Repeats, gaps, decay, breaks, walking value and a station that is a hot spot itself vary
    by seed; the hours are short against the stops, so the hour-by-hour limits of the bound
    bind.
    """
    rng = np.random.default_rng(seed)
    n = 4
    xy = rng.random((n, 2)) * 600.0
    travel = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))
    n_buckets = 4
    value = rng.random((n, n_buckets)) * (rng.random((n, n_buckets)) < 0.35)
    caps = rng.integers(1, 3, size=n)
    if seed % 3:
        value[0], caps[0] = 0.0, 0
    bucket_s = float(rng.choice([600.0, 900.0, 1200.0]))
    with_break = seed % 2 == 0
    shift = Shift(
        0,
        0,
        0.0,
        float(rng.uniform(1.5, n_buckets) * bucket_s),
        break_s=300.0 if with_break else 0.0,
        break_earliest_s=float(rng.uniform(0.0, 1.5) * bucket_s) if with_break else 0.0,
        break_latest_s=float(rng.uniform(1.5, 2.0) * bucket_s) if with_break else float("inf"),
        break_node=0 if with_break and seed % 4 == 0 else None,
    )
    walk = None
    passes = None
    if seed % 5 in (1, 3):  # walks earning up to one best stop's value per 300 s of walking
        share = rng.random((n, n))
        walk = travel * (share + share.T) / 600.0
        if seed % 10 == 3:  # each arc its own street, each later pass of it worth half
            ids = np.arange(n * n).reshape(n, n)
            street = np.minimum(ids, ids.T)  # one street each way
            passes = StreetPasses(
                np.tile(np.arange(n)[:, None], (1, n)),  # every walk one street long
                street,
                np.arange(n),
                walk.ravel(),
                travel.ravel(),
                0.5,
                np.zeros(n * n),
            )
    return Problem(
        travel_s=travel,
        value=value,
        dwell_s=rng.uniform(200.0, 700.0, size=n),
        max_visits=caps,
        shifts=(shift,) * int(rng.integers(1, 3)),
        bucket_s=bucket_s,
        repeat_decay=float(rng.choice([1.0, 0.5])),
        min_gap_s=float(rng.choice([0.0, 0.5, 1.0, 1.5]) * bucket_s),
        walk_value=walk,
        street_passes=passes,
    )


# the later seeds are instances where a slightly too tight hour-by-hour limit cuts the optimum
@pytest.mark.parametrize("seed", [*range(8), 13, 23, 26, 33, 49, 158, 292, 324])
def test_bound_holds_against_exhaustive_search(seed):
    problem = hourly_problem(seed)
    longest = 4 if len(problem.shifts) == 1 else 3
    best = exhaustive(problem, longest)
    assert best > 0.0
    assert upper_bound(problem) >= best - 1e-9


def test_hot_spot_at_the_station_costs_no_walk_in():
    # the only hot spot is the station itself: one 100 s stop fills the 100 s shift
    travel = np.array([[0.0, 50.0], [50.0, 0.0]])
    problem = Problem(
        travel_s=travel,
        value=np.array([[1.0], [0.0]]),
        dwell_s=np.array([100.0, 0.0]),
        max_visits=np.array([1, 0]),
        shifts=(Shift(0, 0, 0.0, 100.0),),
    )
    sol = evaluate(problem, [[0]])
    assert sol is not None and sol.objective == 1.0
    assert upper_bound(problem) >= 1.0


def test_hourly_bound_counts_the_hours_a_hot_spot_can_use():
    # worth 1 in the second hour only; stops an hour apart: one stop can earn, not three
    travel = np.array([[0.0, 60.0], [60.0, 0.0]])
    problem = Problem(
        travel_s=travel,
        value=np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
        dwell_s=np.array([0.0, 600.0]),
        max_visits=np.array([0, 3]),
        shifts=(Shift(0, 0, 0.0, 3 * 3600.0),),
        bucket_s=3600.0,
        min_gap_s=3600.0,
    )
    assert upper_bound(problem) == pytest.approx(1.0, rel=1e-5)
    flat = Problem(
        travel_s=travel,
        value=problem.value.max(axis=1, keepdims=True),
        dwell_s=problem.dwell_s,
        max_visits=problem.max_visits,
        shifts=problem.shifts,
        min_gap_s=3600.0,
    )
    assert upper_bound(flat) == pytest.approx(3.0)


def test_hourly_bound_keeps_late_value_for_the_time_after_it():
    # two officers, ten hot spots worth 1 in the last of four hours only
    n = 11
    travel = np.full((n, n), 60.0)
    np.fill_diagonal(travel, 0.0)
    value = np.zeros((n, 4))
    value[1:, 3] = 1.0
    problem = Problem(
        travel_s=travel,
        value=value,
        dwell_s=np.array([0.0] + [1140.0] * (n - 1)),
        max_visits=np.array([0] + [1] * (n - 1)),
        shifts=(Shift(0, 0, 0.0, 4 * 3600.0),) * 2,
        bucket_s=3600.0,
    )
    # all ten fit in the shifts' time, but only two officer-hours of stops start in the last hour
    assert upper_bound(problem) == pytest.approx(2 * 3600.0 / 1140.0, rel=1e-5)


def test_far_hot_spots_count_the_walk_out_and_back():
    # two hot spots 10 s apart, 1000 s from the station; 300 s stops in a 2400 s shift: the walk
    # out and back leaves time for one stop, though a stop and the walk in take only 310 s
    travel = np.array([[0.0, 1000.0, 1000.0], [1000.0, 0.0, 10.0], [1000.0, 10.0, 0.0]])
    problem = Problem(
        travel_s=travel,
        value=np.array([[0.0], [1.0], [0.8]]),
        dwell_s=np.array([0.0, 300.0, 300.0]),
        max_visits=np.array([0, 1, 1]),
        shifts=(Shift(0, 0, 0.0, 2400.0),),
    )
    assert evaluate(problem, [[1, 2]]) is None
    assert evaluate(problem, [[1]]).objective == 1.0
    assert upper_bound(problem) == pytest.approx(1.0, rel=1e-5)
    # a break at the station splits the shift: each half walks out and back on its own
    both = dataclasses.replace(
        problem, shifts=(Shift(0, 0, 0.0, 5000.0, 300.0, 2300.0, 2300.0, 0),)
    )
    assert evaluate(both, [[1, 2]]).objective == pytest.approx(1.8)
    assert upper_bound(both) == pytest.approx(1.8, rel=1e-5)
    where_it_is = Shift(0, 0, 0.0, 3000.0, 300.0, 0.0, 3000.0)  # the break where it is
    alone = dataclasses.replace(problem, shifts=(where_it_is,))
    assert evaluate(alone, [[1, 2]]).objective == pytest.approx(1.8)
    assert upper_bound(alone) >= 1.8 - 1e-9


def test_bound_allows_for_the_schedules_tolerance():
    # plans the schedule accepts within its 1e-9 s tolerance: a shift end, a stop's end, a gap
    short = np.array([[0.0, 100.0], [100.0, 0.0]])
    stops = Problem(
        travel_s=short,
        value=np.array([[0.0], [1.0]]),
        dwell_s=np.array([0.0, 1e-4]),
        max_visits=np.array([0, 2]),
        shifts=(Shift(0, 0, 0.0, 200 + 2e-4 - 5e-10),),
    )
    near = np.array([[0.0, 10.0], [10.0, 0.0]])
    late = Problem(
        travel_s=near,
        value=np.array([[1.0], [0.01]]),
        dwell_s=np.array([100.0, 0.0]),
        max_visits=np.array([1, 1]),
        shifts=(Shift(0, 0, 0.0, 100 - 1e-10),),
    )
    half = 50 - 2.5e-11
    gaps = Problem(
        travel_s=np.array([[0.0, half], [half, 0.0]]),
        value=np.array([[1.0], [0.01]]),
        dwell_s=np.zeros(2),
        max_visits=np.array([3, 2]),
        shifts=(Shift(0, 0, 0.0, 200 - 1e-10),),
        min_gap_s=100.0,
    )
    for problem, seqs in ((stops, [[1, 1]]), (late, [[0]]), (gaps, [[0, 1, 0, 1, 0]])):
        plan = evaluate(problem, seqs)
        assert plan is not None
        assert upper_bound(problem) >= plan.objective - 1e-9


def pacing_problem(decay: float, shift_s: float) -> Problem:
    """A station and a spot at one end of a 10 s street, a spot at the other; walking pays."""
    travel = np.array([[0.0, 0.0, 10.0], [0.0, 0.0, 10.0], [10.0, 10.0, 0.0]])
    walk = np.where(travel > 0, 1.0, 0.0)  # one pass of the street earns 1
    passes = StreetPasses(
        np.array([[-9999, 0], [-9999, 0], [1, -9999]]),  # walks from positions 0, 0, 1
        np.array([[-1, 0], [-1, 0], [0, -1]]),
        np.array([0, 0, 1]),
        np.array([1.0]),
        np.array([10.0]),
        decay,
        np.zeros(1),
    )
    return Problem(
        travel_s=travel,
        value=np.zeros((3, 1)),
        dwell_s=np.zeros(3),
        max_visits=np.array([0, 30, 30]),
        shifts=(Shift(0, 0, 0.0, shift_s),),
        walk_value=walk,
        street_passes=passes,
    )


@pytest.mark.parametrize("decay", [1.0, 0.999, 0.5])
def test_bound_holds_for_many_passes_of_one_street(decay):
    problem = pacing_problem(decay, 600.0)
    pacing = evaluate(problem, [[2, 1] * 29 + [2]])  # 60 passes in 600 s
    assert pacing is not None
    assert upper_bound(problem) >= pacing.objective - 1e-9


def test_bound_of_shifts_with_no_time_left():
    problem = pacing_problem(0.5, 0.0)
    assert upper_bound(problem) == 0.0


@pytest.mark.parametrize("free", [False, True])
def test_ways_in_without_walk_value_is_the_quickest_way_in(free):
    """The shortcut for columns without walk value gives the hull of the general path."""
    from planner.search._bound import _upper_hull, _ways_in

    rng = np.random.default_rng(3)
    travel = rng.uniform(10.0, 500.0, size=40)
    travel[[5, 17]] = np.inf  # unreachable nodes are ignored
    walk = np.zeros(40)
    points = sorted((float(t), 0.0) for k, t in enumerate(travel) if k != 7 and np.isfinite(t))
    expected = _upper_hull([(0.0, 0.0), *points] if free else points)
    assert _ways_in(travel, walk, 7, free) == expected
    assert _ways_in(np.full(3, np.inf), np.zeros(3), 0, free) == ([(0.0, 0.0)] if free else [])


def test_break_window_left_open_is_bounded():
    """A break at a node with the default window (up to any time) is bounded and solved."""
    from planner.search import solve

    problem = Problem(
        travel_s=np.array([[0.0, 100.0], [100.0, 0.0]]),
        value=np.array([[0.0], [1.0]]),
        dwell_s=np.array([0.0, 300.0]),
        max_visits=np.array([0, 1]),
        shifts=(Shift(0, 0, 0.0, 3600.0, break_s=600.0, break_node=0),),
    )
    assert evaluate(problem, [[1]]).objective == 1.0
    assert upper_bound(problem) == pytest.approx(1.0)
    assert solve(problem, 1.0).status == "OPTIMAL"


def test_a_route_bound_below_the_plan_is_refused_not_raised_to_it():
    from planner.errors import SolverError
    from planner.routes import _within_noise

    assert _within_noise(10.0, 10.0 + 5e-9) == 10.0 + 5e-9  # float noise: the plan's figure
    assert _within_noise(10.0, 9.0) == 10.0
    with pytest.raises(SolverError, match=r"route bound 9\.000000 lies below the plan's presence"):
        _within_noise(9.0, 10.0)


def test_a_repeat_stop_right_after_the_first_costs_no_walk_in():
    # one hot spot 100 s from the station, three stops of 100 s back to back (no gap):
    # 100 s out, 300 s standing, 100 s back fill the 500 s shift; the bound must allow all three
    travel = np.array([[0.0, 100.0], [100.0, 0.0]])
    problem = Problem(
        travel_s=travel,
        value=np.array([[0.0], [1.0]]),
        dwell_s=np.array([0.0, 100.0]),
        max_visits=np.array([0, 3]),
        shifts=(Shift(0, 0, 0.0, 500.0),),
    )
    plan = evaluate(problem, [[1, 1, 1]])
    assert plan is not None and plan.objective == pytest.approx(3.0)
    assert upper_bound(problem) >= plan.objective - 1e-9


def test_a_far_ring_holds_as_many_stops_as_its_shortest_stop_allows():
    # two hot spots 100 s out: six 50 s stops at one fit a 600 s shift (100 + 300 + 100 s);
    # the longer 200 s stop at the other must not cap how many stops that far out fit
    travel = np.array([[0.0, 100.0, 100.0], [100.0, 0.0, 10.0], [100.0, 10.0, 0.0]])
    problem = Problem(
        travel_s=travel,
        value=np.array([[0.0], [1.0], [0.1]]),
        dwell_s=np.array([0.0, 50.0, 200.0]),
        max_visits=np.array([0, 6, 1]),
        shifts=(Shift(0, 0, 0.0, 600.0),),
    )
    plan = evaluate(problem, [[1] * 6])
    assert plan is not None and plan.objective == pytest.approx(6.0)
    assert upper_bound(problem) >= plan.objective - 1e-9


def best_packing(weight: np.ndarray, seconds: np.ndarray, passes: int) -> Callable[[float], float]:
    """The most a walking time earns: the best fractional packing of the streets' first
    ``passes`` passes (each worth half the one before), as a function of the seconds walked."""
    k = np.arange(passes)[None, :]
    value, cost = (weight[:, None] * 0.5**k).ravel(), np.repeat(seconds, passes)
    order = np.argsort(-value / cost)
    value, cost = value[order], cost[order]
    ends, worth = np.cumsum(cost), np.cumsum(value)

    def packing(w: float) -> float:
        i = int(np.searchsorted(ends, w))  # the pass under way at ``w``
        assert i < len(ends)  # some pass is taken in part: more passes than the time takes
        before_s, before = (ends[i - 1], worth[i - 1]) if i else (0.0, 0.0)
        return float(before + value[i] / cost[i] * (w - before_s))

    return packing


@pytest.mark.parametrize("share", [0.3, 0.9])
def test_walking_is_bounded_by_the_best_passes_that_fit_and_no_more(share):
    # 300 streets and no stop worth anything: the bound on plans that may walk any street is
    # the best fractional packing of the streets' passes (each worth half the one before) into
    # the officers' time, to the programme's tolerance, not a coarser over-estimate of it
    # (at 0.9, more passes fit than the programme keeps tangents of the packing)
    rng = np.random.default_rng(7)
    weight, seconds = rng.random(300), rng.uniform(20.0, 200.0, size=300)
    shift_s = share * seconds.sum()
    passes = StreetPasses(
        np.array([[-9999, 0], [0, -9999]]),
        np.array([[-1, 0], [0, -1]]),
        np.array([0, 1]),
        weight,
        seconds,
        0.5,
        np.zeros(300),
    )
    problem = Problem(
        travel_s=np.array([[0.0, 60.0], [60.0, 0.0]]),
        value=np.zeros((2, 1)),
        dwell_s=np.zeros(2),
        max_visits=np.array([0, 1]),
        shifts=(Shift(0, 0, 0.0, shift_s),) * 2,
        walk_value=np.array([[0.0, 1.0], [1.0, 0.0]]),
        street_passes=passes,
    )
    best = best_packing(weight, seconds, 40)(2 * shift_s)
    assert upper_bound(problem, any_walk=True) == pytest.approx(best, rel=1e-5)
    assert upper_bound(problem, any_walk=True) >= best


@pytest.mark.parametrize(("decay", "shift_s", "best"), [(1.0, 600.0, 70.0), (0.5, 130.0, 21.75)])
def test_walking_and_stops_share_the_time(decay, shift_s, best):
    # a stop worth 20 for 100 s beside the station, and a 10 s street worth 1 a pass: the rest
    # of the shift walks it (each pass worth ``decay`` of the one before), no more
    problem = dataclasses.replace(
        pacing_problem(decay, shift_s),
        value=np.array([[0.0], [20.0], [0.0]]),
        dwell_s=np.array([0.0, 100.0, 0.0]),
        max_visits=np.array([0, 1, 30]),
    )
    assert upper_bound(problem, any_walk=True) == pytest.approx(best, rel=1e-5)


@pytest.mark.parametrize(("decay", "shift_s", "best"), [(0.5, 600.0, 2.0), (0.99, 100.0, 9.5618)])
def test_the_last_passes_of_a_street_earn_at_their_own_rate(decay, shift_s, best):
    # a 10 s street worth 1 a pass, walked all shift: the passes past the ones priced singly
    # earn at most their own rate, so a slow decay bounds 10 passes in 100 s by their sum
    # (1 - 0.99**10) / 0.01, and 60 passes at decay 0.5 by all of them, 2
    problem = pacing_problem(decay, shift_s)
    assert upper_bound(problem, any_walk=True) == pytest.approx(best, rel=1e-4)


def test_a_street_of_no_time_earning_walk_value_is_refused():
    problem = pacing_problem(0.5, 600.0)
    sp = dataclasses.replace(problem.street_passes, seconds=np.array([0.0]))
    with pytest.raises(
        ValueError, match=r"street_passes.weight\[0\] = 1.0 for a street of no time"
    ):
        upper_bound(dataclasses.replace(problem, street_passes=sp), any_walk=True)


def test_walking_lines_lie_above_the_packing_and_touch_it_where_kept():
    # 3000 streets, far more passes in reach than lines kept: at every walking time the lowest
    # line is at or above the best fractional packing of the passes (a valid bound), and equal
    # to it at the start of every line (the tangents are the packing's own)
    from planner.search._bound import _LINES, _walking_lines

    rng = np.random.default_rng(11)
    weight, seconds = rng.random(3000), rng.uniform(5.0, 50.0, size=3000)
    capacity = 2.0 * seconds.sum()
    problem = dataclasses.replace(
        pacing_problem(0.5, capacity),
        street_passes=StreetPasses(
            np.zeros((3, 2), dtype=int),
            np.zeros((3, 2), dtype=int),
            np.arange(3),
            weight,
            seconds,
            0.5,
            np.zeros(3000),
        ),
    )
    lines = _walking_lines(problem, float((weight / seconds).max()), capacity)
    assert len(lines) == _LINES + 1  # the flat one past the last item

    packing = best_packing(weight, seconds, 60)

    def envelope(w: float) -> float:
        return min(v + slope * (w - at_s) for at_s, v, slope in lines)

    for w in np.linspace(0.0, capacity, 997):
        assert envelope(w) >= packing(w) * (1 - 1e-12)
    for at_s, _, _ in lines[:-1]:
        assert envelope(at_s) == pytest.approx(packing(at_s), rel=1e-9)
