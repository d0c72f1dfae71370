"""Shortest walks: which street a walk between two corners takes."""

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString

from planner.graph import build_street_graph
from planner.risk import RiskMap
from planner.walks import street_network

from .conftest import grid_lonlat, patrol_at


def test_a_walk_between_two_corners_takes_the_shorter_of_two_parallel_streets():
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for n, (row, col) in enumerate([(0, 0), (0, 1)]):
        lon, lat = grid_lonlat(row, col)
        graph.add_node(n, x=lon, y=lat)
    (ax, ay), (bx, by) = grid_lonlat(0, 0), grid_lonlat(0, 1)
    north = grid_lonlat(1, 0)[1]
    ways = {  # both join corner 0 to corner 1: straight, or round by a street 100 m north
        "Short Street": (100.0, LineString([(ax, ay), (bx, by)])),
        "Long Crescent": (300.0, LineString([(ax, ay), (ax, north), (bx, north), (bx, by)])),
    }
    for osmid, (name, (metres, line)) in enumerate(ways.items(), start=1):
        for u, v, geom in ((0, 1, line), (1, 0, line.reverse())):
            graph.add_edge(
                u,
                v,
                osmid=osmid,
                length=metres,
                name=name,
                highway="residential",
                geometry=geom,
                oneway=False,
                reversed=u == 1,
            )
    streets = build_street_graph(graph, "two corners, two streets")
    names = streets.segments["name"].tolist()
    assert sorted(names) == ["Long Crescent", "Short Street"]
    risk = RiskMap(np.full(2, 0.5), "even", {})
    net = street_network(streets, risk, np.array([0, 1]), patrol_at(0))
    leg = net.walk(0, 1, 0.0, 1.0)
    assert [names[s] for s in leg.segments] == ["Short Street"]
    assert leg.distance_m == pytest.approx(100.0)  # not the 300 m way round
    assert leg.end_s == pytest.approx(100.0)  # 100 m at 1 m/s
