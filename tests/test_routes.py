import itertools

import numpy as np
import pytest

from planner.coverage import street_pieces
from planner.errors import InfeasibleError
from planner.graph import osm_features
from planner.hotspots import find_hotspots
from planner.risk import terrain_risk
from planner.routes import MIN_REVISIT_GAP_S, plan_routes, presence_bound
from planner.scenario import AreaSpec


@pytest.fixture(scope="module")
def helsinki_risk(helsinki):
    pieces = street_pieces(helsinki)
    risk = terrain_risk(helsinki, osm_features(AreaSpec(), helsinki), pieces, 100, 0.1)
    spots = find_hotspots(helsinki, risk, pieces, 50, 10, 50)
    station = int(
        np.argmin(np.hypot(helsinki.nodes["lat"] - 60.1699, helsinki.nodes["lon"] - 24.9384))
    )
    return risk, spots, station


def test_routes_are_feasible_on_a_real_graph(helsinki, helsinki_risk):
    risk, spots, station = helsinki_risk
    shift_s, pace, dwell_s = 3 * 3600, 1.0, 12 * 60
    routes, stats = plan_routes(
        helsinki, risk, spots, station, station, 3, shift_s, pace, dwell_s, 2.0
    )
    assert len(routes) == 3
    station_id = int(helsinki.nodes.index[station])
    adjacency = helsinki.adjacency
    for route in routes:
        assert route.legs[0].from_node == station_id and route.legs[-1].to_node == station_id
        assert route.end_s <= shift_s + 1e-6
        assert route.legs[0].start_s == 0
        for before, after in zip(route.legs[:-1], route.legs[1:], strict=True):
            assert after.start_s == pytest.approx(before.end_s)
            assert after.from_node == before.to_node
        for leg in route.legs:
            if leg.kind == "dwell":
                assert leg.end_s - leg.start_s == pytest.approx(dwell_s)
            if leg.kind == "walk":
                assert leg.end_s - leg.start_s == pytest.approx(leg.distance_m / pace)
                seg = helsinki.segments.loc[list(leg.segments)]
                assert seg["length_m"].sum() == pytest.approx(leg.distance_m)
        assert len(route.dwells) >= 1
    visits: dict[int, list[float]] = {}
    for route in routes:
        for leg in route.dwells:
            visits.setdefault(leg.hotspot, []).append(leg.start_s)
    for times in visits.values():
        times.sort()
        assert all(b - a >= MIN_REVISIT_GAP_S - 1 for a, b in itertools.pairwise(times))
    assert 0 < stats.objective <= stats.bound
    assert stats.objective == pytest.approx(sum(r.presence for r in routes))
    assert adjacency.shape[0] == len(helsinki.nodes)


def test_shift_too_short_to_reach_any_hot_spot(helsinki, helsinki_risk):
    risk, spots, station = helsinki_risk
    with pytest.raises(InfeasibleError, match=r"shortest such round takes \d+ min.*short by"):
        plan_routes(helsinki, risk, spots, station, station, 1, 10 * 60, 1.0, 15 * 60, 1.0)


def test_end_station_out_of_reach(helsinki, helsinki_risk):
    risk, spots, station = helsinki_risk
    far = int(
        np.argmax(
            np.hypot(
                helsinki.nodes["x_m"] - helsinki.nodes["x_m"].iloc[station],
                helsinki.nodes["y_m"] - helsinki.nodes["y_m"].iloc[station],
            )
        )
    )
    with pytest.raises(InfeasibleError, match="start station to the end station alone takes"):
        plan_routes(helsinki, risk, spots, station, far, 1, 5 * 60, 1.0, 15 * 60, 1.0)


def test_presence_bound_fills_time_with_the_best_rates():
    values = np.array([10.0, 1.0])
    # 30 minutes: the 10-value dwell (15 min), then 15 min of walking at rate 0.2.
    assert presence_bound(values, 900, 0.2, 30) == pytest.approx(10 + 15 * 0.2)
    # Walking beats the weak dwell (1/15 per minute < 0.2).
    assert presence_bound(values, 900, 0.2, 60) == pytest.approx(10 + 45 * 0.2)
