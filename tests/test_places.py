import datetime as dt
import io
import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from planner.errors import ScenarioError
from planner.evaluate import kpi_table
from planner.export import plan_files
from planner.pipeline import load_area, run
from planner.scenario import parse_scenario

ESPLANADI_EAST = {"lat": 60.1660, "lon": 24.9480, "name": "Esplanadi east"}
RAILWAY_SQUARE = {"lat": 60.1712, "lon": 24.9414, "radius_m": 80, "name": "railway square"}


def scenario(tmp_path, places):
    data = {
        "name": "places",
        "shift": {"date": "2026-12-04", "start": "18:00", "end": "21:00"},
        "officers": {"count": 2, "station": {"lat": 60.1699, "lon": 24.9384}},
        "posts": {"count": 0},
        "places": places,
        "solver": {"time_limit_s": 2, "route_iterations": 150},
    }
    return parse_scenario(data, "test", tmp_path)


@pytest.fixture(scope="module")
def area(tmp_path_factory):
    return load_area(scenario(tmp_path_factory.mktemp("area"), {}))


def test_forbidden_zone_keeps_streets_and_stops_out(tmp_path, area):
    plan = run(scenario(tmp_path, {"forbidden": [RAILWAY_SQUARE]}), area=area)
    graph = plan.graph
    x, y = graph.project_lonlat(np.array([24.9414]), np.array([60.1712]))
    centre = shapely.Point(x[0], y[0])
    walked = sorted({s for r in plan.routes for leg in r.legs for s in leg.segments})
    assert walked
    distances = shapely.distance(graph.segments.geometry.to_numpy()[walked], centre)
    assert distances.min() > 80
    spots = graph.nodes[["x_m", "y_m"]].to_numpy()[plan.hotspots.node_idx]
    assert np.hypot(spots[:, 0] - x[0], spots[:, 1] - y[0]).min() > 80
    # the map file draws the zone: a circle of its radius around its centre
    frame = gpd.read_file(io.StringIO(plan_files(plan)["plan.geojson"].decode()))
    (zone,) = frame[frame["layer"] == "forbidden"].itertuples()
    assert zone.name == "railway square" and zone.radius_m == 80
    assert zone.geometry.exterior.is_ccw  # RFC 7946: d3 would draw a clockwise ring inside out
    outline = gpd.GeoSeries([zone.geometry], crs="EPSG:4326").to_crs(graph.crs)[0]
    assert outline.area == pytest.approx(np.pi * 80**2, rel=0.01)
    assert outline.centroid.distance(centre) < 0.5


def test_must_cover_place_gets_a_stop(tmp_path, area):
    plan = run(scenario(tmp_path, {"must_cover": [ESPLANADI_EAST]}), area=area)
    (place,) = plan.kpis["must_cover"]
    assert place["name"] == "Esplanadi east" and place["stops"] >= 1
    spot = plan.hotspots.node_idx[place["hotspot"] - 1]  # ranks count from 1
    node = plan.graph.nodes.iloc[spot]
    assert abs(node["lat"] - 60.1660) < 0.001 and abs(node["lon"] - 24.9480) < 0.002
    # the officers read the commander's name for it, with its streets
    schedule = plan.to_frame()
    stops = schedule[schedule["action"].str.startswith("dwell")]
    assert stops["place"].str.fullmatch(r"Esplanadi east \(.+\)").sum() == place["stops"]
    text = plan_files(plan)["plan.geojson"].decode()
    (raw,) = [f for f in json.loads(text)["features"] if f["properties"]["layer"] == "must_cover"]
    assert type(raw["properties"]["stops"]) is int  # a count: 1, not 1.0
    frame = gpd.read_file(io.StringIO(text))
    (point,) = frame[frame["layer"] == "must_cover"].itertuples()
    assert (point.name, point.stops) == ("Esplanadi east", place["stops"])
    assert (point.geometry.x, point.geometry.y) == pytest.approx((24.9480, 60.1660))
    # the terminal and the briefing's first page say who stops there, and when
    visits = stops[stops["place"].str.startswith("Esplanadi east (")].sort_values("start")
    when = ", ".join(
        f"officer {o} {t[11:16]}" for o, t in zip(visits.officer, visits.start, strict=True)
    )
    stopped = f"{place['stops']} stop{'s' if place['stops'] > 1 else ''}"
    line = f"Esplanadi east: {stopped} ({when})"
    assert f"\n  must cover             {line}\n" in kpi_table(plan)
    assert f"<th>Must cover</th><td>{line}</td>" in plan_files(plan)["briefing.html"].decode()


def test_a_quiet_must_cover_corner_gets_a_stop_and_the_gap_counts_its_cost(tmp_path, area):
    corner = {"lat": 60.1645, "lon": 24.9530, "name": "quiet corner"}  # ten times was not enough
    plain = run(scenario(tmp_path, {}), area=area)
    plan = run(scenario(tmp_path, {"must_cover": [corner]}), area=area)
    assert plan.kpis["must_cover"][0]["stops"] == 1  # one stop, as asked: not its every visit
    routes = plan.kpis["routes"]  # and the rules allow it one, so all stops can be made
    allowed = plain.kpis["routes"]["stops_allowed"] + 1
    assert routes["stops_allowed"] == allowed and routes["stops"] <= allowed
    spot = plan.kpis["must_cover"][0]["hotspot"] - 1
    assert plan.hotspots.value[spot] < 0.05 * plan.hotspots.value.max()
    # the bound is that of presence (not of the weighted search), so the gap shows the cost
    assert plan.routes_stats.bound < 1.01 * plain.routes_stats.bound  # one more spot, quiet
    assert plan.routes_stats.objective < plain.routes_stats.objective


def test_must_cover_inside_a_forbidden_zone_is_refused(tmp_path, area):
    inside = {"lat": RAILWAY_SQUARE["lat"], "lon": RAILWAY_SQUARE["lon"], "name": "platform"}
    bad = scenario(tmp_path, {"must_cover": [inside], "forbidden": [RAILWAY_SQUARE]})
    with pytest.raises(ScenarioError, match="platform lies inside the forbidden zone railway"):
        run(bad, area=area, today=dt.date(2026, 12, 1))


def test_must_cover_nearest_a_street_point_inside_a_forbidden_zone_is_refused(tmp_path, area):
    graph = area.graph
    (cx,), (cy,) = graph.project_lonlat(
        np.array([RAILWAY_SQUARE["lon"]]), np.array([RAILWAY_SQUARE["lat"]])
    )
    # a point 2 m outside the zone, on the ray through a street point just inside its edge
    nodes = graph.nodes
    d = np.hypot(nodes["x_m"] - cx, nodes["y_m"] - cy)
    edge = nodes[(d > 70) & (d <= 80)]
    found = None
    for _, node in edge.iterrows():
        share = 82 / np.hypot(node["x_m"] - cx, node["y_m"] - cy)
        lat = RAILWAY_SQUARE["lat"] + (node["lat"] - RAILWAY_SQUARE["lat"]) * share
        lon = RAILWAY_SQUARE["lon"] + (node["lon"] - RAILWAY_SQUARE["lon"]) * share
        x, y = graph.project_lonlat(np.array([lon]), np.array([lat]))
        (near,), _ = graph.nearest_node(x, y)
        if np.hypot(x[0] - cx, y[0] - cy) > 80 and d.iloc[near] <= 80:
            found = {"lat": lat, "lon": lon, "name": "gate"}
            break
    assert found is not None
    bad = scenario(tmp_path, {"must_cover": [found], "forbidden": [RAILWAY_SQUARE]})
    with pytest.raises(
        ScenarioError,
        match=r"gate is nearest a street point \d+ m away that lies inside the forbidden",
    ):
        run(bad, area=area, today=dt.date(2026, 12, 1))


def test_two_must_cover_places_at_one_point_are_said_to_be_one_hot_spot(tmp_path, area):
    from planner.errors import PlannerWarning

    twin = {**ESPLANADI_EAST, "lat": ESPLANADI_EAST["lat"] + 0.00001, "name": "kiosk"}
    both = scenario(tmp_path, {"must_cover": [ESPLANADI_EAST, twin]})
    said = "Esplanadi east and kiosk are nearest the same point of the street network"
    with pytest.warns(PlannerWarning, match=said):
        plan = run(both, area=area, today=dt.date(2026, 12, 1))
    assert said in " ".join(plan.warnings)


def test_must_cover_off_the_area_is_refused(tmp_path, area):
    far = {"lat": 24.9480, "lon": 60.1660, "name": "swapped"}
    where = r"swapped is [\d,.]+ km from the nearest street of the area, outside it; .*swapped"
    with pytest.raises(ScenarioError, match=where):
        run(scenario(tmp_path, {"must_cover": [far]}), area=area)


def test_no_post_stands_in_a_forbidden_zone(tmp_path, area):
    graph = area.graph

    def metres(lon: float, lat: float) -> np.ndarray:
        x, y = graph.project_lonlat(np.array([lon]), np.array([lat]))
        return np.array([x[0], y[0]])

    def posts(places):
        data = scenario(tmp_path, places).model_dump()
        data["posts"]["count"] = 3
        data["solver"]["route_iterations"] = 1  # the posts are solved first, whatever follows
        return run(parse_scenario(data, "test", tmp_path), area=area).posts

    station = metres(24.9384, 60.1699)
    unbarred = posts({})
    free = max(unbarred, key=lambda p: np.linalg.norm(metres(p.lon, p.lat) - station))
    assert np.linalg.norm(metres(free.lon, free.lat) - station) > 200  # the zone spares it
    zone = {"lat": free.lat, "lon": free.lon, "radius_m": 60, "name": "closed"}
    barred = posts({"forbidden": [zone]})
    assert len(barred) == 3 and free.node not in {p.node for p in barred}
    centre = metres(free.lon, free.lat)
    assert min(np.linalg.norm(metres(p.lon, p.lat) - centre) for p in barred) > 60
    # a post kept in both plans watches the same streets in both
    kept = {p.node: p.watched_risk for p in unbarred}
    both = [(kept[p.node], p.watched_risk) for p in barred if p.node in kept]
    assert both and all(a == pytest.approx(b) for a, b in both)


def test_stops_in_the_hour_clocks_repeat_keep_their_order(tmp_path, area):
    data = scenario(tmp_path, {}).model_dump()
    # Helsinki's clocks go back from 04:00 to 03:00 on 2026-10-25: 03:xx comes twice
    data["shift"] = {"date": "2026-10-25", "start": "02:00", "end": "05:30"}
    plan = run(parse_scenario(data, "test", tmp_path), area=area)
    dosage = plan.kpis["hotspot_dosage"]
    arrivals = [dt.datetime.fromisoformat(d["arrive"]) for d in dosage]
    assert len({a.utcoffset() for a in arrivals}) == 2, "stops on both sides of the change"
    assert arrivals == sorted(arrivals)  # real time order, though 03:50+03 reads after 03:10+02
    gaps = [d["gap_min"] for d in dosage if d["gap_min"] is not None]
    assert gaps and min(gaps) >= 60


def test_a_forbidden_zone_over_every_hot_spot_is_named(grid):
    from planner.places import apply_places
    from planner.scenario import ZoneSpec

    spots, pieces = grid_spots(grid, [0, 1, 4])
    zone = ZoneSpec(**grid_place(0, 0, radius_m=150, name="All"))
    with pytest.raises(ScenarioError, match=r"forbidden zone\(s\) All hold all 3 hot spots"):
        apply_places(spots, grid, pieces, [], [zone], "test")


def test_a_station_inside_a_forbidden_zone_is_refused_naming_the_zone(tmp_path, area):
    near = {"lat": 60.1702, "lon": 24.9390, "radius_m": 120, "name": "march"}
    with pytest.raises(ScenarioError) as refused:
        run(scenario(tmp_path, {"forbidden": [near]}), area=area)
    said = str(refused.value)
    assert "places: officers.station: the station's street point (60.169" in said
    assert "inside the forbidden zone march (places.forbidden: 120 m around" in said
    away = int(re.search(r"\), (\d+) m from its centre", said).group(1))
    assert 0 < away < 120
    below = int(re.search(r"make its radius less than (\d+) m, move the zone", said).group(1))
    assert away - 1 <= below <= away  # the metre below the distance: a radius under it is clear
    # a unit's own station is named by its field
    units = {"per_unit": [{}, {"station": {"lat": 60.1712, "lon": 24.9414}}]}
    data = scenario(tmp_path, {"forbidden": [RAILWAY_SQUARE]}).model_dump(exclude_none=True)
    data["officers"] |= units
    with pytest.raises(
        ScenarioError, match=r"per_unit\[1\]\.station \(unit 2\): the station's street"
    ):
        run(parse_scenario(data, "test", tmp_path), area=area)


def grid_spots(grid, nodes):
    """Hot spots at grid ``nodes``, watching 50 m of streets that carry risk evenly."""
    from planner.coverage import coverage_matrix, street_pieces
    from planner.hotspots import Hotspots

    pieces = street_pieces(grid)
    piece_risk = pieces.length_m / pieces.length_m.sum()
    watched = coverage_matrix(grid, np.asarray(nodes), 50.0, pieces)
    return Hotspots(np.asarray(nodes), watched @ piece_risk, watched, 50.0, piece_risk), pieces


def grid_place(row, col, **fields):
    from .conftest import grid_lonlat

    lon, lat = grid_lonlat(row, col)
    return {"lat": lat, "lon": lon, **fields}


def test_every_forbidden_zone_keeps_its_streets_and_hot_spots_out(grid):
    from planner.places import apply_places, forbidden_segments
    from planner.scenario import ZoneSpec

    zones = [ZoneSpec(**grid_place(r, c, radius_m=30, name=f"z{r}")) for r, c in ((0, 0), (3, 3))]
    spots, pieces = grid_spots(grid, np.arange(16))
    kept, _ = apply_places(spots, grid, pieces, [], zones, "test")
    assert sorted(kept.node_idx) == list(range(1, 15))
    seg = grid.segments
    banned = sorted(tuple(seg.loc[s, ["u", "v"]]) for s in forbidden_segments(grid, zones))
    assert banned == [(0, 1), (0, 4), (11, 15), (14, 15)]


def test_a_must_cover_place_outside_a_zone_over_every_hot_spot_is_planned(grid):
    from planner.places import apply_places
    from planner.scenario import PlaceSpec, ZoneSpec

    spots, pieces = grid_spots(grid, [0, 1])
    zone = ZoneSpec(**grid_place(0, 0, radius_m=150, name="corner"))
    kept, chosen = apply_places(spots, grid, pieces, [PlaceSpec(**grid_place(3, 3))], [zone], "t")
    assert kept.node_idx.tolist() == [15] and chosen.tolist() == [0]


@pytest.mark.parametrize(
    ("col", "said"),
    [
        (7, r"is 40\d m from the nearest street of the area, outside it; the area's streets "),
        (28, r"is 2\.5 km .* outside it"),
    ],
)
def test_a_must_cover_place_off_the_streets_is_refused_saying_how_far(grid, col, said):
    from planner.places import apply_places
    from planner.scenario import PlaceSpec

    spots, pieces = grid_spots(grid, [0])
    off = PlaceSpec(**grid_place(0, col, name="off"))  # 400 m, 2.5 km east of the grid
    with pytest.raises(ScenarioError, match=said):
        apply_places(spots, grid, pieces, [off], [], "test")


def test_a_must_cover_place_off_the_map_is_told_where_the_map_lies(grid):
    from planner.places import apply_places
    from planner.scenario import PlaceSpec

    spots, pieces = grid_spots(grid, [0])
    lat = grid.nodes["lat"]
    off = PlaceSpec(**grid_place(0, 7, name="Bishopsgate"))  # 400 m east of the last street
    span = rf"4x4 test grid, latitude {lat.min():.4f} to {lat.max():.4f}, longitude "
    said = rf"Bishopsgate is 40\d m .* outside it; the area's streets lie in {span}.* covers it"
    with pytest.raises(ScenarioError, match=said):
        apply_places(spots, grid, pieces, [off], [], "test")


def test_an_added_must_cover_spot_is_worth_the_risk_it_watches(grid):
    from planner.places import apply_places
    from planner.scenario import PlaceSpec

    every, _ = grid_spots(grid, np.arange(16))
    spots, pieces = grid_spots(grid, [0])
    kept, chosen = apply_places(spots, grid, pieces, [PlaceSpec(**grid_place(2, 2))], [], "t")
    assert kept.node_idx.tolist() == [0, 10] and chosen.tolist() == [1]
    assert kept.value[1] == pytest.approx(every.value[10]) and kept.value[1] > 0


def test_must_cover_places_are_worth_a_stop_even_where_nothing_else_earns():
    from planner.routes import _weigh_must_cover

    spots = np.zeros((3, 4))  # hot spot x hour: no risk anywhere in the shift's hours
    must = np.array([False, True, True])
    quiet = _weigh_must_cover(spots, must)
    assert (spots[must] > 0).all() and (spots[~must] == 0).all()  # the search inserts them
    assert quiet.tolist() == [False, True, True]  # one stop each, as asked


def test_a_must_cover_place_only_steps_reach_is_kept_where_the_units_may_walk(tmp_path, area):
    from planner.avoid import avoided_segments, walkable_nodes

    steps_end = {"lat": 60.1704207, "lon": 24.9412085, "name": "steps end"}  # a dead-end flight
    plain = scenario(tmp_path, {"must_cover": [steps_end]})
    officers = plain.officers.model_copy(update={"avoid": ["steps"]})
    avoiding = plain.model_copy(update={"officers": officers})
    graph = area.graph
    usable = walkable_nodes(graph, avoided_segments(graph, ["steps"], dark=False))
    with pytest.warns(UserWarning, match="only ways the units keep off reach") as said:
        plan = run(avoiding, area=area)
    (place,) = plan.kpis["must_cover"]
    spot = plan.hotspots.node_idx[place["hotspot"] - 1]
    assert usable[spot] and place["stops"] >= 1  # a stop where the units may walk
    metres = re.search(r"point they may walk, (\d+) m from it", str(said[0].message))
    x, y = graph.project_lonlat(np.array([steps_end["lon"]]), np.array([steps_end["lat"]]))
    node = graph.nodes.iloc[spot]
    assert float(metres.group(1)) == pytest.approx(
        np.hypot(node.x_m - x[0], node.y_m - y[0]), abs=1
    )
    # planned without avoiding steps, the place is kept at the steps' end
    free = run(plain, area=area)
    assert not usable[free.hotspots.node_idx[free.kpis["must_cover"][0]["hotspot"] - 1]]


def test_a_must_cover_place_with_only_avoided_ways_near_it_is_refused(grid):
    from planner.places import apply_places
    from planner.scenario import PlaceSpec

    spots, pieces = grid_spots(grid, [15])
    corner = PlaceSpec(**grid_place(0, 0, name="corner"))  # on node 0; nodes 1 and 4 100 m off
    usable = np.ones(len(grid.nodes), dtype=bool)
    usable[grid.node_index([0])] = False  # only avoided ways reach the corner
    with pytest.warns(UserWarning, match=r"corner is nearest .* may walk, 100 m from it"):
        kept, (must,) = apply_places(spots, grid, pieces, [corner], [], "test", usable)
    assert kept.node_idx[must] in grid.node_index([1, 4])  # at a neighbour, not the corner
    usable[grid.node_index([1, 2, 4, 5, 6, 8, 9])] = False  # the nearest they may walk: 283 m
    with pytest.raises(ScenarioError, match=r"corner lies beside streets .* is 283 m away"):
        apply_places(spots, grid, pieces, [corner], [], "test", usable)
