"""Loops of streets walked in spare time: which streets a loop chooses."""

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString

from planner.graph import build_street_graph
from planner.loops import walk_spare_time
from planner.plan import Leg, Route
from planner.risk import RiskMap
from planner.walks import street_network

from .conftest import grid_lonlat, patrol_at


def _spur_and_block():
    """A spur west of node 0 and a block of four streets north-east of it, all 100 m long.

    Nodes: 0 at (0, 0), 1 at the spur's end (0, -1), then the block's 2 (1, 0), 3 (1, 1) and
    4 (0, 1), as (row, column) of the test grid.
    """
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    corners = [(0, 0), (0, -1), (1, 0), (1, 1), (0, 1)]
    for n, (row, col) in enumerate(corners):
        lon, lat = grid_lonlat(row, col)
        graph.add_node(n, x=lon, y=lat)
    streets = [(0, 1, "Spur"), (0, 2, "Block W"), (2, 3, "Block N"), (3, 4, "Block E")]
    streets.append((4, 0, "Block S"))
    for osmid, (a, b, name) in enumerate(streets, start=1):
        line = LineString([grid_lonlat(*corners[a]), grid_lonlat(*corners[b])])
        for u, v, geom in ((a, b, line), (b, a, line.reverse())):
            graph.add_edge(
                u,
                v,
                osmid=osmid,
                length=100.0,
                name=name,
                highway="residential",
                geometry=geom,
                oneway=False,
                reversed=u == b,
            )
    return build_street_graph(graph, "a spur and a block")


def test_a_loop_weighs_a_repeat_pass_at_most_half_even_when_repeats_are_worth_more():
    graph = _spur_and_block()
    names = graph.segments["name"].to_numpy()
    risk = RiskMap(np.where(names == "Spur", 3.0, 2.0), "spur and block", {})
    # repeats earn 0.9 of the pass before, but loops choose as if they earned 0.5 at most
    patrol = patrol_at(0, units=1, shift_s=600.0, dwell_s=60.0, revisit_value=0.9)
    net = street_network(graph, risk, np.array([0]), patrol)
    standing = Route(1, (Leg("wait", 0.0, 600.0, 0, 0),))  # 600 s: 600 m at 1 m/s
    (route,) = walk_spare_time([standing], net, patrol)
    (loop,) = route.legs
    # per metre to reach and walk: out along the spur 3/100, back 3 x 0.5/100 = 1.5/100 (the
    # block's nearest street is 200 m away then: 2/200); at node 0 again the block's 2/100
    # beats a third pass of the spur, 3 x 0.25/100; round the block: 600 m in all
    walked = [names[s] for s in loop.segments]
    assert walked[:2] == ["Spur", "Spur"]
    assert sorted(walked[2:]) == ["Block E", "Block N", "Block S", "Block W"]
    assert (loop.from_node, loop.to_node, loop.distance_m) == (0, 0, 600.0)


def _grid_loops(grid, routes, **rules):
    """Routes with their loops on the test grid, every street equally risky, units at node 5."""
    risk = RiskMap(np.full(len(grid.segments), 1.0 / len(grid.segments)), "even", {})
    patrol = patrol_at(5, **{"units": len(routes), "dwell_s": 60.0, **rules})
    net = street_network(grid, risk, np.array([5]), patrol)
    return walk_spare_time(routes, net, patrol), patrol


def _timeline_s(route):
    """(start, end) of the route, after checking that each leg starts where the last ended."""
    for before, after in zip(route.legs, route.legs[1:], strict=False):
        assert after.start_s == pytest.approx(before.end_s), (before, after)
        assert after.from_node == before.to_node, (before, after)
    return route.legs[0].start_s, route.legs[-1].end_s


@pytest.mark.parametrize("held_back_share", [0.05, 0.25])
def test_a_loop_and_its_time_held_back_fit_the_wait_it_replaces(grid, held_back_share):
    # 900 s to wait at node 5: walked at 1 m/s with a share held back for calls before it
    standing = Route(1, (Leg("wait", 0.0, 900.0, 5, 5),))
    (route,), patrol = _grid_loops(grid, [standing], shift_s=900.0, held_back_share=held_back_share)
    assert _timeline_s(route) == (0.0, 900.0)
    (loop,) = [leg for leg in route.legs if leg.kind == "walk"]
    assert (loop.from_node, loop.to_node) == (5, 5)
    walk_s = loop.end_s - loop.start_s
    assert loop.distance_m == walk_s > 0
    assert walk_s * patrol.stretch() <= 900.0
    assert walk_s * patrol.stretch() > 900.0 - 200.0 * patrol.stretch()  # one block more won't fit
    assert [leg.kind for leg in route.legs] == ["reserve", "walk", "wait"]
    assert route.legs[0].end_s == pytest.approx(walk_s * (patrol.stretch() - 1.0))


def test_a_wait_as_long_as_a_stop_is_walked_and_a_shorter_one_stays(grid):
    # 5 min stops: a wait of 299 s stays, though a loop round a block (200 m, 200 s) would fit
    shorter = Route(1, (Leg("wait", 0.0, 299.0, 5, 5),))
    (kept,), _ = _grid_loops(grid, [shorter], shift_s=299.0, dwell_s=300.0)
    assert kept == shorter
    as_long = Route(1, (Leg("wait", 0.0, 300.0, 5, 5),))
    (walked,), _ = _grid_loops(grid, [as_long], shift_s=300.0, dwell_s=300.0)
    assert [(leg.kind, leg.start_s, leg.end_s) for leg in walked.legs] == [
        ("walk", 0.0, 200.0),
        ("wait", 200.0, 300.0),
    ]


def test_a_unit_without_legs_walks_its_time_left_when_as_long_as_a_stop(grid):
    (route,), _ = _grid_loops(grid, [Route(1, ())], shift_s=300.0, dwell_s=300.0)
    (loop,) = route.legs
    assert (loop.kind, loop.from_node, loop.to_node, loop.end_s) == ("walk", 5, 5, 200.0)
    (idle,), _ = _grid_loops(grid, [Route(1, ())], shift_s=299.0, dwell_s=300.0)
    assert idle.legs == ()


def test_first_loops_of_units_at_one_spot_are_staggered_the_later_ones_an_hour(grid):
    units = [Route(1, ()), Route(2, ())]
    routes, _ = _grid_loops(grid, units, shift_s=3 * 3600.0)
    ends = [[leg.end_s for leg in route.legs if leg.kind == "walk"] for route in routes]
    # unit 1 loops for up to an hour, unit 2 first for up to 0.875 h: 200 m (200 s) a loop less
    assert 3600.0 - 200.0 < ends[0][0] <= 3600.0
    assert 3150.0 - 200.0 < ends[1][0] <= 3150.0
    for walks in ends:
        assert 3600.0 - 200.0 < walks[1] - walks[0] <= 3600.0


def test_a_loop_counts_the_streets_walked_before_a_replan():
    graph = _spur_and_block()
    names = graph.segments["name"].to_numpy()
    risk = RiskMap(np.where(names == "Spur", 1.5, 1.0), "spur and block", {})
    spur = int(np.flatnonzero(names == "Spur")[0])
    # 200 m: out and back along one street; the spur earns most, unless walked already
    for walked, chosen in (((), "Spur"), ((spur,), "Block")):
        patrol = patrol_at(0, units=1, shift_s=200.0, dwell_s=60.0, walked=walked)
        net = street_network(graph, risk, np.array([0]), patrol)
        (route,) = walk_spare_time([Route(1, (Leg("wait", 0.0, 200.0, 0, 0),))], net, patrol)
        (loop,) = route.legs
        assert {names[s].split()[0] for s in loop.segments} == {chosen}


def test_time_left_after_a_loop_shorter_than_a_stop_is_not_walked(grid):
    # an hour's loop, then 290 s left: less than a 5 min stop, though a 200 m loop would fit
    (route,), _ = _grid_loops(grid, [Route(1, ())], shift_s=3890.0, dwell_s=300.0)
    assert [(leg.kind, leg.start_s, leg.end_s) for leg in route.legs] == [("walk", 0.0, 3600.0)]
