import math
import os
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pyrosm
import pytest
from scipy.sparse.csgraph import connected_components
from shapely.geometry import Point

from planner.errors import GraphError, ScenarioError
from planner.graph import load_street_graph, osm_features, osm_place_labels
from planner.scenario import AreaSpec
from planner.scenario_patrol import StationSpec
from planner.settings import Settings
from planner.stations import resolve_station
from planner.street_names import place_names, segment_names

from .conftest import ROOT


def test_grid_segments_lengths_and_distances(grid):
    assert len(grid.segments) == 24
    assert grid.total_length_m == pytest.approx(2400.0)
    corner = grid.node_index([0])
    far = grid.node_index([15])[0]
    assert grid.distances_m(corner)[0, far] == pytest.approx(600.0)
    assert grid.crs.startswith("EPSG:326")


def test_shortest_segments_keep_the_shorter_of_two_parallel_streets_and_leave_out_rings(grid):
    from planner.graph import shortest_segments

    table = grid.segments[["u_idx", "v_idx", "length_m"]]
    a, b = int(table["u_idx"].iloc[0]), int(table["v_idx"].iloc[0])
    beside = table.iloc[[0]].assign(length_m=40.0)  # a shorter street joining the same corners
    ring = table.iloc[[1]].assign(v_idx=table["u_idx"].iloc[1])
    streets = pd.concat([table, beside, ring], ignore_index=True)
    n = len(grid.nodes)
    lengths = shortest_segments(streets, n)
    assert lengths[a, b] == lengths[b, a] == 40.0
    assert lengths.nnz == grid.adjacency.nnz and not lengths.diagonal().any()
    assert shortest_segments(streets, n, frozenset({len(table)}))[a, b] == 100.0  # it avoided
    assert shortest_segments(streets, n, frozenset(range(len(streets)))).nnz == 0


def test_place_names_join_the_streets_that_meet(grid):
    names = place_names(grid, [0, 5])
    assert names[5] in {"Row 1 Street / Column 1 Avenue", "Column 1 Avenue / Row 1 Street"}
    assert "/" in names[0]


def test_a_place_takes_the_names_of_the_two_longest_streets_there():
    import networkx as nx
    from shapely.geometry import LineString

    from planner.graph import build_street_graph

    from .conftest import grid_lonlat

    # a 300 m road, a 200 m street and a 50 m lane meet at one corner: the corner is named
    # by the two streets an officer sees most of, not by the lane
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    ends = {0: (0, 0), 1: (0, 3), 2: (2, 0), 3: (-0.5, 0)}  # (rows north, columns east)
    for n, (row, col) in ends.items():
        lon, lat = grid_lonlat(row, col)  # type: ignore[arg-type]
        graph.add_node(n, x=lon, y=lat)
    for end, name, length in (
        (1, "Long Road", 300.0),
        (2, "Mid Street", 200.0),
        (3, "Short Lane", 50.0),
    ):
        a, b = graph.nodes[0], graph.nodes[end]
        line = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
        for u, v, geom in ((0, end, line), (end, 0, line.reverse())):
            graph.add_edge(u, v, length=length, name=name, highway="residential", geometry=geom)
    names = place_names(build_street_graph(graph, "corner"), [0])
    assert names[0] == "Long Road / Mid Street"


def test_a_place_mid_block_is_told_by_the_street_crossing_its_own_not_the_parallel_one():
    import networkx as nx
    from shapely.geometry import LineString

    from planner.graph import build_street_graph

    from .conftest import grid_lonlat

    # A Street runs east past two mid-block corners; B Street runs alongside, 40 m north,
    # behind the buildings; D Lane and C Avenue cross at the block's ends (rows north, columns
    # east, 100 m apart)
    where = {0: (0, 0), 1: (0, 1), 2: (0, 2), 3: (0, 3), 4: (0.4, 0), 5: (0.4, 3), 6: (2, 3)}
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for n, (row, col) in where.items():
        lon, lat = grid_lonlat(row, col)  # type: ignore[arg-type]
        graph.add_node(n, x=lon, y=lat)
    streets = [(0, 1, "A Street"), (1, 2, "A Street"), (2, 3, "A Street"), (4, 5, "B Street")]
    streets += [(0, 4, "D Lane"), (3, 5, "C Avenue"), (5, 6, "C Avenue")]
    for u, v, name in streets:
        a, b = graph.nodes[u], graph.nodes[v]
        line = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
        length = 100.0 * math.dist(where[u], where[v])
        for x, y, geom in ((u, v, line), (v, u, line.reverse())):
            graph.add_edge(x, y, length=length, name=name, highway="residential", geometry=geom)
    names = place_names(build_street_graph(graph, "block"), [1, 2])
    assert names == {1: "A Street, 100 m from D Lane", 2: "A Street, 100 m from C Avenue"}


def test_places_on_unnamed_paths_are_named_near_a_street_within_150_m_else_by_position():
    import networkx as nx
    from shapely.geometry import LineString

    from planner.graph import build_street_graph

    from .conftest import grid_lonlat

    # Main Street runs 100 m east; an unnamed path goes on east past two corners 50 m and
    # 120 m from its end, to one 300 m away (columns east, 100 m apart)
    where = {0: 0.0, 1: 1.0, 2: 1.5, 3: 2.2, 4: 4.0}
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for n, col in where.items():
        lon, lat = grid_lonlat(0, col)  # type: ignore[arg-type]
        graph.add_node(n, x=lon, y=lat)
    for u, v in ((0, 1), (1, 2), (2, 3), (3, 4)):
        a, b = graph.nodes[u], graph.nodes[v]
        line = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
        named = {"name": "Main Street"} if u == 0 else {}
        length = 100.0 * (where[v] - where[u])
        for x, y, geom in ((u, v, line), (v, u, line.reverse())):
            graph.add_edge(x, y, length=length, highway="footway", geometry=geom, **named)
    streets = build_street_graph(graph, "path")
    lat, lon = streets.nodes.loc[4, ["lat", "lon"]]
    assert place_names(streets, list(where)) == {
        0: "Main Street, 1st from west",
        1: "Main Street, 2nd from west",
        2: "near Main Street, 3rd from west",
        3: "near Main Street, 4th from west",
        4: f"path at {lat:.5f}, {lon:.5f}",
    }
    assert 60.1 < lat < 60.2 and 24.9 < lon < 25.0  # latitude first


def test_place_names_tell_places_apart(helsinki):
    nodes = [int(n) for n in helsinki.nodes.index]
    names = place_names(helsinki, nodes)
    pattern = r"(.+), (\d+) m from (.+?)(, \d+(st|nd|rd|th) from (west|south))?"
    told = {n: m for n, name in names.items() if (m := re.fullmatch(pattern, name))}
    assert len(set(names.values())) == len(nodes)  # each place its own name
    assert len(told) > len(nodes) // 10  # the streets alone repeat
    ranked = [m[4] for m in told.values() if m[4]]
    assert ", 1st from west" in ranked and ", 2nd from west" in ranked
    assert ", 1st from south" in ranked and ", 2nd from south" in ranked
    assert all(m[3] not in m[1].split(" / ") and 10 <= int(m[2]) <= 150 for m in told.values())
    some = nodes[::7]
    assert place_names(helsinki, some) == {n: names[n] for n in some}  # the same in any plan
    # names that differ only by "near" are numbered together, along the way the spots lie
    bare = [name.removeprefix("near ") for name in names.values()]
    assert len(set(bare)) == len(nodes)
    near = [n for n, name in names.items() if name.startswith("near ") and " from " in name]
    rank = re.compile(r", (\d+)\w\w from (west|south)$")
    near = [n for n in near if rank.search(names[n])]
    assert near
    for node in near:
        key = names[node].removeprefix("near ").rsplit(", ", 1)[0]
        group = [n for n, name in names.items() if rank.search(name)]
        group = [n for n in group if names[n].removeprefix("near ").rsplit(", ", 1)[0] == key]
        xy = helsinki.nodes.loc[group, ["x_m", "y_m"]].to_numpy()
        north = np.ptp(xy[:, 1]) > np.ptp(xy[:, 0])  # farther apart north to south
        assert {rank.search(names[n])[2] for n in group} == {"south" if north else "west"}
        row = sorted(zip(xy[:, 1 if north else 0].tolist(), group, strict=True))
        assert [int(rank.search(names[n])[1]) for _, n in row] == list(range(1, len(row) + 1))


def test_embedded_helsinki_is_projected_and_connected(helsinki):
    assert helsinki.crs == "EPSG:32635"
    assert len(helsinki.nodes) > 2000
    assert 70_000 < helsinki.total_length_m < 90_000
    n_parts, _ = connected_components(helsinki.adjacency, directed=False)
    assert n_parts == 1
    assert helsinki.segments["name"].notna().mean() > 0.2
    assert helsinki.nodes["lat"].between(60.1, 60.2).all()


def test_spots_on_sidewalks_mapped_apart_are_named_by_their_road_not_one_underground(tmp_path):
    # a road whose sidewalk is its own way (so the road is no walking street), the unnamed
    # sidewalk 10 m north of it, and a named passage underground 5 m north of the sidewalk,
    # which steps lead down to
    lat0, m_lat, m_lon = 60.17, 1 / 111_320, 1 / (111_320 * math.cos(math.radians(60.17)))
    rows = {"road": 0.0, "sidewalk": 10.0, "passage": 15.0}
    ways = {
        "road": {"highway": "primary", "name": "Broad Road", "sidewalk": "separate"},
        "sidewalk": {"highway": "footway", "footway": "sidewalk"},
        "passage": {"highway": "footway", "name": "Deep Passage", "tunnel": "yes", "layer": "-1"},
    }
    pbf = tmp_path / "sidewalks.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for r, (kind, north_m) in enumerate(rows.items()):
            ids = [100 * (r + 1) + i for i in range(5)]
            for i, node in enumerate(ids):
                where = (24.94 + 50 * i * m_lon, lat0 + north_m * m_lat)
                writer.add_node(osmium.osm.mutable.Node(id=node, location=where))
            writer.add_way(osmium.osm.mutable.Way(id=r + 1, nodes=ids, tags=ways[kind]))
        # a crossing from the sidewalk's middle to the road's far side
        writer.add_node(
            osmium.osm.mutable.Node(id=900, location=(24.94 + 120 * m_lon, lat0 - 10 * m_lat))
        )
        crossing = {"highway": "footway", "footway": "crossing"}
        writer.add_way(osmium.osm.mutable.Way(id=9, nodes=[202, 900], tags=crossing))
        # steps from the far side down to the passage: it is a walking street too
        writer.add_way(osmium.osm.mutable.Way(id=8, nodes=[900, 304], tags={"highway": "steps"}))
    graph = load_street_graph(AreaSpec(source="file", path=pbf))
    assert {200, 202, 204, 300} <= set(graph.nodes.index)
    assert graph.segments.loc[graph.segments["underground"], "name"].tolist() == ["Deep Passage"]
    assert place_names(graph, [200, 202, 204]) == {
        200: "near Broad Road, 1st from west",
        202: "near Broad Road, 2nd from west",
        204: "near Broad Road, 3rd from west",
    }
    assert place_names(graph, [300])[300].startswith("Deep Passage")  # down in it, its name
    assert list(graph.named_ways["name"]) == ["Broad Road"]


def test_a_sidewalk_mapped_apart_is_walked_as_its_road_and_a_crossing_or_tunnel_is_not(tmp_path):
    # a road whose sidewalk is its own way 10 m north of it; from the sidewalk's middle, an
    # unnamed crossing to the far side, a sidewalk in a tunnel under the road, and a path (no
    # sidewalk: a park's, say) alongside the road
    lat0, m_lat, m_lon = 60.17, 1 / 111_320, 1 / (111_320 * math.cos(math.radians(60.17)))
    nodes = {1: (0, 0), 2: (100, 0), 3: (200, 0), 4: (400, 0), 11: (0, 10), 12: (100, 10)}
    nodes |= {13: (200, 10), 21: (100, -10), 31: (200, -5), 41: (350, 14)}
    sidewalk = {"highway": "footway", "footway": "sidewalk"}
    ways = [
        ([1, 2, 3, 4], {"highway": "primary", "name": "Broad Road", "sidewalk": "separate"}),
        ([11, 12, 13], sidewalk),
        ([12, 21], {"highway": "footway", "footway": "crossing"}),
        ([12, 31], sidewalk | {"tunnel": "yes", "layer": "-1"}),
        ([12, 41], {"highway": "path"}),
    ]
    pbf = tmp_path / "sidewalk.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for node, (x, y) in nodes.items():
            where = (24.94 + x * m_lon, lat0 + y * m_lat)
            writer.add_node(osmium.osm.mutable.Node(id=node, location=where))
        for i, (ids, tags) in enumerate(ways):
            writer.add_way(osmium.osm.mutable.Way(id=i + 1, nodes=ids, tags=tags))
    graph = load_street_graph(AreaSpec(source="file", path=pbf))
    said = segment_names(graph)
    walked = {
        frozenset(uv): said.get(i)
        for i, uv in enumerate(graph.segments[["u", "v"]].itertuples(index=False))
    }
    assert walked == {
        frozenset({11, 12}): "Broad Road",
        frozenset({12, 13}): "Broad Road",
        frozenset({12, 21}): None,  # a crossing turns off the road
        frozenset({12, 31}): None,  # under the road is not on it
        frozenset({12, 41}): None,  # a path beside the road is not its sidewalk
    }


def test_london_extract_has_its_police_stations(london_pbf):
    area = AreaSpec(source="file", path=london_pbf)
    graph = load_street_graph(area)
    assert len(graph.segments) > 2000
    assert graph.crs == "EPSG:32630"
    police = osm_features(area, graph).query("value == 'police'")
    assert len(police) >= 2


def test_osm_xml_reads_like_pbf(tmp_path):
    xml = tmp_path / "test.osm"
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(pyrosm.get_data("test_pbf")):
            writer.add(obj)
    from_xml = load_street_graph(AreaSpec(source="file", path=xml))
    from_pbf = load_street_graph(AreaSpec(source="file", path=pyrosm.get_data("test_pbf")))
    assert len(from_xml.segments) == len(from_pbf.segments) > 10
    assert from_xml.total_length_m == pytest.approx(from_pbf.total_length_m)


def test_corrupt_pbf_is_a_clear_error(tmp_path):
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot really a protobuf at all" * 10)
    with pytest.raises(
        GraphError, match=r"broken.osm.pbf: cannot read this OpenStreetMap file"
    ) as err:
        load_street_graph(AreaSpec(source="file", path=bad))
    message = str(err.value)
    assert message.count(str(bad)) == 1  # named once, as the user gave it
    assert "Error:" not in message  # the reason, not the library's exception class
    assert message.endswith("download or export it again")


def test_a_map_file_empty_or_of_the_other_format_than_its_name_says_how_to_fix_it(tmp_path):
    test_pbf = Path(pyrosm.get_data("test_pbf"))
    cases = {
        "empty.osm.pbf": (b"", "the map file is empty (0 bytes); download or export it again"),
        "city.osm.pbf": (
            b'<?xml version="1.0"?>\n<osm version="0.6"></osm>\n',
            "holds OSM XML, not PBF; rename it to city.osm",
        ),
        "town.osm": (test_pbf.read_bytes(), "holds OSM PBF, not XML; rename it to town.osm.pbf"),
    }
    for name, (content, fragment) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(GraphError) as err:
            load_street_graph(AreaSpec(source="file", path=path))
        assert str(err.value) == f"{path}: {fragment}"
    page = tmp_path / "page.osm.pbf"  # a failed download's web page: not a map of either kind
    page.write_bytes(b"<!DOCTYPE html><html><body>429 Too Many Requests</body></html>")
    with pytest.raises(GraphError, match="cannot read this OpenStreetMap file") as err:
        load_street_graph(AreaSpec(source="file", path=page))
    assert "rename" not in str(err.value)


def test_area_without_walkable_streets(tmp_path):
    only_nodes = tmp_path / "nodes.osm.pbf"
    with osmium.SimpleWriter(str(only_nodes)) as writer:
        for i in range(1, 6):
            writer.add_node(
                osmium.osm.mutable.Node(
                    id=i, location=(24.94 + i / 1e4, 60.17), tags={"amenity": "bench"}
                )
            )
    with pytest.raises(GraphError, match="no walkable street"):
        load_street_graph(AreaSpec(source="file", path=only_nodes))


def test_unknown_map_file_type(tmp_path):
    path = tmp_path / "map.shp"
    path.write_text("x")
    with pytest.raises(GraphError, match=r"give an OpenStreetMap \.osm\.pbf or \.osm file"):
        load_street_graph(AreaSpec(source="file", path=path))


def test_online_area_without_network_suggests_a_local_extract(tmp_path):
    settings = Settings(cache_dir=tmp_path, online_timeout_s=3)
    with pytest.raises(GraphError, match=r"could not be reached.*use a local extract"):
        load_street_graph(AreaSpec(source="place", place="Kamppi, Helsinki"), settings)


def test_nearest_node_and_projection_round_trip(helsinki):
    row = helsinki.nodes.iloc[100]
    x, y = helsinki.project_lonlat(np.array([row["lon"]]), np.array([row["lat"]]))
    idx, dist = helsinki.nearest_node(x, y)
    assert idx[0] == 100
    assert dist[0] < 0.01


def test_segment_table_is_the_same_in_every_process():
    # Plans refer to segments by number (routes.json): numbering and tags must not depend on
    # the hash seed of the process (osmnx merges tags of simplified streets through sets).
    import os
    import subprocess
    import sys

    code = (
        "import hashlib; from planner.graph import load_street_graph; "
        "from planner.scenario import AreaSpec; from planner.settings import Settings; "
        "g = load_street_graph(AreaSpec(), Settings()); "
        "cols = ['u', 'v', 'length_m', 'name', 'highway', 'lit', 'access']; "
        "print(hashlib.md5(g.segments[cols].to_csv().encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ | {"PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_ordinals_read_as_words_do():
    from planner.street_names import _ordinal

    assert [_ordinal(k) for k in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
    ]  # fmt: skip


def test_a_police_station_far_from_the_streets_is_refused_not_snapped(helsinki):
    x, y = helsinki.nodes["x_m"].to_numpy(), helsinki.nodes["y_m"].to_numpy()
    near, far = Point(x.min(), y.min()), Point(x.min() - 2000.0, y.min())
    features = gpd.GeoDataFrame(
        {"value": ["police", "police"], "name": ["Kulma", "Meri"]},
        geometry=[near, far],
        crs=helsinki.crs,
    )
    station = StationSpec(police="kulma")
    assert resolve_station(station, helsinki, features, "officers.station") >= 0
    with pytest.raises(ScenarioError, match=r"police station Meri is 2\d\d\d m from the nearest"):
        resolve_station(StationSpec(police="meri"), helsinki, features, "officers.station")
    # "any" takes the first station, by name, that stands on the streets
    far_first = features.assign(name=["Kulma", "Asema"])  # Asema (far) sorts first
    any_station = resolve_station(StationSpec(police="any"), helsinki, far_first, "station")
    assert any_station == resolve_station(station, helsinki, features, "officers.station")


def test_a_missing_police_station_is_named_with_a_point_that_works_instead(helsinki):
    x, y = helsinki.nodes["x_m"].to_numpy(), helsinki.nodes["y_m"].to_numpy()
    features = gpd.GeoDataFrame(
        {"value": ["police"], "name": ["Kulma"]},
        geometry=[Point(x.min(), y.min())],
        crs=helsinki.crs,
    )
    with pytest.raises(ScenarioError) as missing:
        resolve_station(StationSpec(police="pasila"), helsinki, features, "officers.station")
    text = str(missing.value)
    assert "no police station matching 'pasila'; the area has: Kulma" in text
    with pytest.raises(ScenarioError, match=r"'kluma'; did you mean Kulma\? the area has: Kulma"):
        resolve_station(StationSpec(police="kluma"), helsinki, features, "officers.station")
    hint = re.search(r"\{lat: (-?[\d.]+), lon: (-?[\d.]+)\}", text)
    assert hint, text
    point = StationSpec(lat=float(hint[1]), lon=float(hint[2]))
    node = resolve_station(point, helsinki, features, "officers.station")
    # the point given is a street node near the middle of the area
    assert abs(helsinki.nodes["x_m"].iloc[node] - np.median(x)) < 500
    assert abs(helsinki.nodes["y_m"].iloc[node] - np.median(y)) < 500


def test_a_station_node_the_units_cannot_walk_from_points_to_its_own_place(helsinki):
    features = gpd.GeoDataFrame({"value": [], "name": []}, geometry=[], crs=helsinki.crs)
    usable = np.ones(len(helsinki.nodes), dtype=bool)
    usable[0] = False  # as if reached only by steps the units avoid
    node_id = int(helsinki.nodes.index[0])
    with pytest.raises(ScenarioError, match="reached only by ways the units avoid") as avoided:
        resolve_station(
            StationSpec(node_id=node_id), helsinki, features, "officers.station", usable
        )
    hint = re.search(r"\{lat: (-?[\d.]+), lon: (-?[\d.]+)\}", str(avoided.value))
    point = StationSpec(lat=float(hint[1]), lon=float(hint[2]))
    snapped = resolve_station(point, helsinki, features, "officers.station", usable)
    assert snapped != 0 and usable[snapped]
    xy = helsinki.nodes[["x_m", "y_m"]].to_numpy()
    assert np.hypot(*(xy[0] - xy[snapped])) < 100.0  # a street next to the node meant


# A box around the middle of the embedded extract (Kluuvi and Kaartinkaupunki).
HELSINKI_BOX = (24.940, 60.163, 24.955, 60.172)


def test_a_box_keeps_the_part_of_a_local_file_inside_it(helsinki):
    area = AreaSpec(bbox_deg=HELSINKI_BOX)
    part = load_street_graph(area)
    west, south, east, north = HELSINKI_BOX
    assert part.nodes["lon"].between(west, east).all()
    assert part.nodes["lat"].between(south, north).all()
    assert 0.1 * helsinki.total_length_m < part.total_length_m < 0.6 * helsinki.total_length_m
    assert "the part inside area.bbox_deg [24.94, 60.163, 24.955, 60.172]" in part.source
    x_m, y_m = part.project_lonlat(np.array([24.9475, 24.930]), np.array([60.1675, 60.1675]))
    assert part.cut.contains(Point(x_m[0], y_m[0]))
    assert not part.cut.contains(Point(x_m[1], y_m[1]))
    # features and place labels: those inside the box only
    whole = osm_features(AreaSpec(), helsinki)
    kept = osm_features(area, part)
    assert 0 < len(kept) < len(whole)
    points = kept.to_crs("EPSG:4326").geometry  # features come projected: back to degrees
    assert points.x.between(west, east).all() and points.y.between(south, north).all()
    labels = osm_place_labels(area, part)
    assert 0 < len(labels) < len(osm_place_labels(AreaSpec(), helsinki))


def test_a_polygon_keeps_the_streets_inside_it():
    polygon = "POLYGON ((24.940 60.163, 24.955 60.163, 24.940 60.172, 24.940 60.163))"
    part = load_street_graph(AreaSpec(polygon_wkt=polygon))
    lon, lat = part.nodes["lon"].to_numpy(), part.nodes["lat"].to_numpy()
    # inside the triangle: east of its west side, south of its long side
    assert (lon >= 24.940).all() and (lat >= 60.163).all()
    assert ((lat - 60.163) / 0.009 + (lon - 24.940) / 0.015 <= 1 + 1e-9).all()
    assert "the part inside area.polygon_wkt" in part.source


def test_a_box_beside_the_file_says_where_the_file_lies():
    with pytest.raises(GraphError) as caught:
        load_street_graph(AreaSpec(bbox_deg=(-84.40, 33.745, -84.38, 33.765)))
    message = str(caught.value)
    assert "no street of the map file lies inside area.bbox_deg [-84.4, 33.745, -84.38" in message
    assert re.search(r"longitude 24\.\d+ to 24\.\d+ and latitude 60\.\d+ to 60\.\d+", message)
    assert "latitude first" not in message  # Atlanta's box: no slip makes it Helsinki
    with pytest.raises(GraphError) as caught:  # Helsinki's box, written latitude first
        load_street_graph(AreaSpec(bbox_deg=(60.163, 24.935, 60.172, 24.955)))
    assert str(caught.value).endswith(
        "; the box looks written latitude first: write bbox_deg: [24.935, 60.163, 24.955, 60.172]"
    )


def test_a_local_file_is_cut_by_one_shape_not_two():
    with pytest.raises(ValueError, match="both cut the map file; give one of them"):
        AreaSpec(
            bbox_deg=HELSINKI_BOX,
            polygon_wkt="POLYGON ((24.94 60.16, 24.95 60.16, 24.95 60.17, 24.94 60.16))",
        )
    with pytest.raises(ValueError, match=r"area\.place is not used with area\.source 'embedded'"):
        AreaSpec(place="Kluuvi, Helsinki")


def test_an_area_read_again_from_its_unchanged_file_is_not_read_twice(tmp_path):
    from planner.pipeline import load_area
    from planner.scenario import load_scenario

    path = tmp_path / "test.osm.pbf"
    shutil.copyfile(pyrosm.get_data("test_pbf"), path)
    default = load_scenario(ROOT / "scenarios" / "helsinki_default.yaml")
    scenario = default.model_copy(update={"area": AreaSpec(source="file", path=path)})
    first = load_area(scenario)
    assert load_area(scenario) is first  # a re-plan or another staffing level: kept
    later = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(later, later))  # the extract downloaded again: read again
    again = load_area(scenario)
    assert again is not first
    assert len(again.graph.segments) == len(first.graph.segments) > 10
