"""Loops of streets walked in spare time: which streets a loop chooses."""

import networkx as nx
import numpy as np
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
