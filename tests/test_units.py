import datetime as dt
import itertools
import re
import warnings
from dataclasses import replace
from html import escape, unescape

import gpxpy
import pytest

from planner.errors import PlannerWarning, ScenarioError
from planner.evaluate import compute_kpis, kpi_table
from planner.export import plan_files, write_plan
from planner.idle import idle_message
from planner.patrol import break_slots
from planner.pipeline import load_area, run
from planner.rest_of_shift import replan
from planner.scenario import parse_scenario

STATION = {"lat": 60.1699, "lon": 24.9384}
ESPLANADI = {"lat": 60.1675, "lon": 24.9500}


def scenario(tmp_path, per_unit, **officers):
    data = {
        "name": "units",
        "shift": {"date": "2026-12-04", "start": "18:00", "end": "22:00"},
        "officers": {"count": 3, "station": STATION, "per_unit": per_unit, **officers},
        "posts": {"count": 0},
        "solver": {"time_limit_s": 5, "route_iterations": 150},
    }
    return parse_scenario(data, "test", tmp_path)


def short_search(scn):
    """``scn`` with a route search of 20 iterations: a plan's form is tested, not its presence."""
    solver = scn.solver.model_copy(update={"route_iterations": 20})
    return scn.model_copy(update={"solver": solver})


@pytest.fixture(scope="module")
def area(tmp_path_factory):
    return load_area(scenario(tmp_path_factory.mktemp("area"), []))


def test_staggered_units_start_and_end_at_their_own_stations_and_hours(tmp_path, area):
    per_unit = [{}, {"station": ESPLANADI, "start": "19:00", "end": "21:30"}]
    quick = short_search(scenario(tmp_path, per_unit))
    plan = run(quick, area=area)
    first, second, third = plan.routes
    assert first.legs[0].from_node == third.legs[0].from_node
    assert second.legs[0].from_node != first.legs[0].from_node
    assert second.legs[-1].to_node == second.legs[0].from_node
    assert second.legs[0].start_s == pytest.approx(3600)
    assert second.end_s <= 3.5 * 3600 + 1
    assert first.legs[0].start_s == 0 and first.end_s <= 4 * 3600 + 1
    table = kpi_table(plan)  # no posts: no line of the risk they cover
    assert re.search(r"^posts +none$", table, re.M) and "covered by posts" not in table
    # two stations: the table names each, with the units that start and end there
    shared, own = plan.kpis["routes"]["stations"]
    assert (shared["start"], shared["end"], own["start"], own["end"]) == ([1, 3], [1, 3], [2], [2])
    assert shared["place"] == plan.places[first.legs[0].from_node]
    assert re.search(
        rf"^stations +{re.escape(shared['place'])}: start of officers 1, 3; end of officers 1, 3\n"
        rf" +{re.escape(own['place'])}: start of officer 2; end of officer 2$",
        table,
        re.M,
    )
    node = plan.graph.nodes.loc[second.legs[0].from_node]
    assert abs(node["lat"] - 60.1675) < 0.001
    # the briefing gives a unit of its own hours those hours, beside the shift's
    files = plan_files(plan)
    html = files["briefing.html"].decode()
    assert html.count("on duty ") == 1
    both = [  # the briefing's first page names the two stations as the table does
        f"{escape(shared['place'])}: start of officers 1, 3; end of officers 1, 3",
        f"{escape(own['place'])}: start of officer 2; end of officer 2",
    ]
    assert f"<tr><th>Stations</th><td>{'<br>'.join(both)}</td></tr>" in html
    gpx = gpxpy.parse(files["officer_2.gpx"].decode())
    assert gpx.tracks[0].name == "Officer 2, Fri 04 Dec 2026 18:00, on duty 19:00 to 21:30"
    assert gpxpy.parse(files["officer_1.gpx"].decode()).tracks[0].name == (
        "Officer 1, Fri 04 Dec 2026 18:00"
    )
    assert "Fri 04 Dec 2026, 18:00 to 22:00 (Europe/Helsinki) &middot; on duty 19:00 to 21:30" in (
        html
    )
    # a re-plan before the unit's own start keeps it starting at its own time
    early = replan(quick, _written(plan, tmp_path / "p"), dt.time(18, 20), area=area)
    assert early.routes[1].legs[0].start_s == pytest.approx(3600)
    # it can be placed at its own station then, but nowhere else: it has not left it
    at_station = {2: (ESPLANADI["lat"], ESPLANADI["lon"])}
    early = replan(quick, tmp_path / "p" / "routes.json", dt.time(18, 20), at_station, area=area)
    assert early.routes[1].legs[0].start_s == pytest.approx(3600)
    with pytest.raises(ScenarioError, match="unit 2 is given a position, but its hours begin"):
        replan(
            quick,
            tmp_path / "p" / "routes.json",
            dt.time(18, 20),
            {2: (60.1702, 24.9411)},
            area=area,
        )


def test_a_unit_with_its_own_station_ends_at_the_scenarios_end_station_if_named(tmp_path, area):
    from planner.stations import resolve_station, unit_stations

    def ends(**officers) -> tuple[list[int], list[int], tuple[int, int]]:
        chosen = scenario(tmp_path, [{"station": ESPLANADI}, {}], **officers)
        start = resolve_station(chosen.officers.station, area.graph, area.features, "s")
        end = chosen.officers.end_station or chosen.officers.station
        shared = (start, resolve_station(end, area.graph, area.features, "e"))
        shift = chosen.shift.window("Europe/Helsinki", dt.date(2026, 12, 4))
        starts, last = unit_stations(chosen, area.graph, area.features, shared, shift)
        return [node for node, _ in starts], [node for node, _ in last], shared

    starts, last, (station, _) = ends()
    assert starts[0] != station and last[0] == starts[0]  # back at its own station
    assert last[1:] == [station, station]
    end = {"lat": 60.1675, "lon": 24.9420}
    starts, last, (station, end_node) = ends(end_station=end)
    assert starts[0] != station and last == [end_node] * 3  # all end where the scenario says


def test_units_ending_at_another_station_are_told_where_on_every_sheet(tmp_path, area):
    end = {"lat": 60.1745, "lon": 24.9410}
    plan = run(scenario(tmp_path, [{"station": ESPLANADI}], end_station=end), area=area)
    start, end_node = plan.routes[1].legs[0].from_node, plan.routes[1].legs[-1].to_node
    assert start != end_node
    assert plan.places[start].startswith("station (")
    assert plan.places[end_node].startswith("end station (")  # never a unit's start
    schedule = plan.to_frame()
    last_walks = schedule[schedule["action"].str.startswith("walk ")].groupby("officer").last()
    assert set(last_walks["action"]) == {"walk to end station"}
    assert set(last_walks["place"]) == {plan.places[end_node]}
    html = plan_files(plan)["briefing.html"].decode()
    assert "back at the station" not in html
    assert html.count(f"ends at {plan.places[end_node]}, ") == 3  # each unit's summary line
    assert html.count('class="end-station"') == 3  # and its map
    assert html.count(">end station</text>") == 3  # in each map's legend
    # a unit back where it left says so, and its map has no second square
    home = run(scenario(tmp_path, []), area=area)
    home_html = plan_files(home)["briefing.html"].decode()
    assert "end-station" not in home_html.replace(".end-station {", "")
    assert home_html.count("back at the station ") == 3
    assert "walk to end station" not in set(home.to_frame()["action"])


def test_unit_hours_outside_the_shift_are_refused(tmp_path, area):
    bad = scenario(tmp_path, [{}, {"start": "17:00", "end": "23:00"}])
    with pytest.raises(ScenarioError, match=r"per_unit\[1\] \(unit 2\): unit hours 17:00-23:00"):
        run(bad, area=area)
    swapped = scenario(tmp_path, [{"start": "21:00", "end": "19:00"}])
    with pytest.raises(ScenarioError, match=r"unit hours 21:00-19:00 end before they start"):
        run(swapped, area=area)
    one_digit = scenario(tmp_path, [{"start": "9:00"}])  # read as 09:00: outside 18:00-..
    with pytest.raises(
        ScenarioError, match=r"unit hours from 09:00 to the shift's end are not inside"
    ):
        run(one_digit, area=area)


def test_more_units_listed_than_there_are(tmp_path):
    with pytest.raises(ScenarioError, match="per_unit lists 4 units, there are 3"):
        scenario(tmp_path, [{}, {}, {}, {}])
    with pytest.raises(ScenarioError) as numbered:
        scenario(tmp_path, [{}, {"unit": 3, "start": "20:00"}])
    assert (
        "officers.per_unit.1.unit: unknown key; this entry is unit 2: units are numbered by "
        "their place in the list (an entry {} keeps a unit as the others); known keys here: "
    ) in str(numbered.value)
    with pytest.raises(ScenarioError) as nested:  # a key of posts, but not one to move there
        scenario(tmp_path, [{"count": 2}])
    assert "officers.per_unit.0.count: unknown key; this entry is unit 1" in str(nested.value)
    assert "posts" not in str(nested.value)


def test_stations_given_a_name_are_called_by_it_on_every_sheet(tmp_path, area):
    station = {**STATION, "name": "Pasila HQ"}
    own = {**ESPLANADI, "name": "Esplanadi kiosk"}
    end = {"lat": 60.1745, "lon": 24.9410, "name": "Kruununhaka post"}
    chosen = scenario(tmp_path, [{"station": own}], station=station, end_station=end)
    plan = run(chosen, area=area)
    first, second = plan.routes[0], plan.routes[1]  # unit 1 has its own station
    places = plan.places
    assert re.fullmatch(r"Esplanadi kiosk \(.+\)", places[first.legs[0].from_node])
    assert re.fullmatch(r"Pasila HQ \(.+\)", places[second.legs[0].from_node])
    assert re.fullmatch(r"Kruununhaka post \(.+\)", places[second.legs[-1].to_node])
    rows = plan.to_frame()
    assert rows["place"].str.startswith("Kruununhaka post (").any()  # the walk to the end
    gpx = plan_files(plan)["officer_1.gpx"].decode()
    assert "Esplanadi kiosk (" in gpx


def test_a_station_name_without_a_place_says_where_to_give_it(tmp_path):
    with pytest.raises(ScenarioError, match="name only says what to call the station"):
        scenario(tmp_path, [], station={"name": "Pasila HQ"})
    with pytest.raises(ScenarioError, match=r"officers\.station\.name: is empty; give the name"):
        scenario(tmp_path, [], station={**STATION, "name": "  "})


def test_units_left_with_nothing_to_do_are_named_with_the_reason(tmp_path, area):
    data = {
        "name": "idle",
        "shift": {"date": "2026-12-04", "start": "18:00", "end": "22:00"},
        "officers": {"count": 6, "station": STATION, "walk_spare_time": False},
        "dwell": {"max_visits": 1, "hotspot_top_percent": 2},
        "posts": {"count": 0},
        "solver": {"time_limit_s": 5, "route_iterations": 150},
    }
    with pytest.warns(PlannerWarning, match="back at the station with time left: officer") as got:
        plan = run(parse_scenario(data, "test", tmp_path), area=area)
    (message,) = [str(w.message) for w in got if "time left" in str(w.message)]
    assert (
        f"every one of the {len(plan.hotspots)} hot spots has its 1 stop (dwell.max_visits, "
        "dwell.max_minutes_per_spot), so these settings give them no more to do "
        "(officers.walk_spare_time is off: they walk no loop of streets instead): allow more "
        "stops, or more hot spots (dwell.hotspot_top_percent), let them walk, or plan fewer "
        "officers" in message
    )
    assert message in plan.warnings  # the plan carries it (the app and staffing read it there)
    routes = plan.kpis["routes"]
    assert routes["stops"] == routes["stops_allowed"] == len(plan.hotspots)  # 1 stop each
    idle = [r.officer for r in plan.routes if 4 * 3600 - r.end_s >= 3600]
    assert idle and all(f"officer {k} (" in message for k in idle)
    early = {o["officer"]: o["back_early_min"] for o in plan.kpis["routes"]["per_officer"]}
    assert {k for k, m in early.items() if m >= 60} == set(idle)
    assert all(
        m == pytest.approx((4 * 3600 - r.end_s) / 60, abs=0.01)
        for r, m in zip(plan.routes, early.values(), strict=True)
    )
    # had the search stopped short of dosing every hot spot, the limit is named as the likely cause
    first, *rest = plan.routes
    cut = replace(first, legs=tuple(leg for leg in first.legs if leg.kind != "dwell"))
    short = replace(
        plan, routes=(cut, *rest), routes_stats=replace(plan.routes_stats, status="TIME_LIMIT")
    )
    short = replace(short, kpis=compute_kpis(short))
    message = idle_message(short)
    assert message is not None
    assert f"{len(first.dwells)} of {len(plan.hotspots)} hot spots got no stop" in message
    limit = "(5 s" + ("): " if short.routes_stats.parameters["last_half_gain"] >= 0.01 else ", ")
    assert limit in message
    assert "a longer search (solver.time_limit_s; --time-limit on the command line)" in message
    # stopped by its iterations, a longer time limit would give the same plan: more iterations
    counted = replace(short, routes_stats=replace(short.routes_stats, status="ITERATION_LIMIT"))
    message = idle_message(counted)
    assert "(150 iterations" in message
    assert "more search iterations (solver.route_iterations)" in message
    # a search that reached its own bound (weighted: must-cover, variants) did not stop early
    done = replace(short, routes_stats=replace(short.routes_stats, status="FEASIBLE"))
    assert "stopped at its limit" not in idle_message(done)


def test_units_with_no_stop_left_walk_loops_of_streets_instead_of_standing(tmp_path, area):
    data = {
        "name": "loops",
        "shift": {"date": "2026-12-04", "start": "18:00", "end": "22:00"},
        "officers": {"count": 6, "station": STATION, "held_back_share": 0.2},
        "dwell": {"max_visits": 1, "hotspot_top_percent": 2},
        "posts": {"count": 0},
        "solver": {"time_limit_s": 5, "route_iterations": 150},
    }
    walking = run(parse_scenario(data, "test", tmp_path), area=area)
    data["officers"]["walk_spare_time"] = False
    with pytest.warns(PlannerWarning, match="back at the station with time left"):
        standing = run(parse_scenario(data, "test", tmp_path / "off"), area=area)
    assert "walk_spare_time" not in " ".join(walking.warnings)
    # the same stops, at the same times; the hours that stood now walk streets
    assert [r.dwells for r in walking.routes] == [r.dwells for r in standing.routes]
    walked, stood = walking.kpis["routes"], standing.kpis["routes"]
    assert walked["dwell_presence_min"] == pytest.approx(stood["dwell_presence_min"], abs=1e-5)
    assert walked["walk_presence_min"] > 2 * stood["walk_presence_min"]
    assert walked["solver"]["bound"] == stood["solver"]["bound"] >= walked["presence_min"]
    assert max(o["back_early_min"] for o in walked["per_officer"]) < 15  # less than a stop
    assert max(o["back_early_min"] for o in stood["per_officer"]) >= 60
    loops = [
        (route, i)
        for route in walking.routes
        for i, leg in enumerate(route.legs)
        if leg.kind == "walk" and leg.from_node == leg.to_node and leg.segments
    ]
    assert {route.officer for route, _ in loops} >= {
        r.officer for r in standing.routes if 4 * 3600 - r.end_s >= 3600
    }
    for route, i in loops:  # each loop holds back its share for calls before it sets off
        loop, before = route.legs[i], route.legs[i - 1]
        assert before.kind == "reserve" and before.to_node == loop.from_node
        held = before.end_s - before.start_s
        assert held >= 0.25 * (loop.end_s - loop.start_s) - 1e-6  # share / (1 - share)
        assert loop.presence > 0 and loop.distance_m > 0
    for officer in walked["per_officer"]:  # the KPIs say how long each unit walked loops
        mine = [route.legs[i] for route, i in loops if route.officer == officer["officer"]]
        minutes = sum(leg.end_s - leg.start_s for leg in mine) / 60
        assert officer["loop_min"] == pytest.approx(minutes, abs=0.01)
        assert officer["loop_min"] >= 60 or officer["dwells"] > 0  # no stop: hours of loops
    # units with hours of loops from the station are not back there together every hour
    idle = [r for r in standing.routes if not r.dwells]
    firsts = {
        next(leg.end_s for leg in walking.routes[r.officer - 1].legs if leg.kind == "walk")
        for r in idle
    }
    assert len(idle) >= 3 and len({round(t / 300) for t in firsts}) >= 3  # 5 minutes apart
    # an officer's page names the streets of each loop, in order
    html = plan_files(walking)["briefing.html"].decode()
    assert html.count("walk a loop, ") == len(loops)
    names = walking.graph.segments["name"]
    route, i = loops[0]
    first = next(names.iat[s] for s in route.legs[i].segments if isinstance(names.iat[s], str))
    assert f"via {first}, " in html
    schedule = walking.to_frame()
    assert (schedule["action"] == "walk a loop").sum() == len(loops)
    # so does the schedule, as the briefing does, and where the loop comes back to
    written = schedule[schedule["action"] == "walk a loop"]["place"].iloc[0]
    back = walking.places[route.legs[i].to_node]
    assert written.startswith(f"via {first}, ") and written.endswith(f", back to {back}")
    assert written in unescape(html)
    assert "walk back to station" in set(schedule["action"])
    assert idle_message(walking) is None  # nothing left to stop at: walking is the plan
    # had the search stopped short of dosing every hot spot, hours of loops say so
    first, *rest = walking.routes
    cut = replace(first, legs=tuple(leg for leg in first.legs if leg.kind != "dwell"))
    short = replace(
        walking,
        routes=(cut, *rest),
        routes_stats=replace(walking.routes_stats, status="TIME_LIMIT"),
    )
    message = idle_message(replace(short, kpis=compute_kpis(short)))
    assert message is not None
    assert message.startswith("walking loops of streets for an hour or more: officer ")
    assert f"{len(first.dwells)} of {len(walking.hotspots)} hot spots got no stop" in message
    assert "a longer search (solver.time_limit_s" in message


def test_a_unit_whose_hours_miss_the_meal_break_window_takes_no_break(tmp_path, area):
    window = {"minutes": 30, "earliest": "19:00", "latest": "19:30"}
    per_unit = [{}, {"start": "20:00"}, {"end": "19:15"}]  # after the window; before it ends
    with pytest.warns(PlannerWarning) as caught:
        plan = run(scenario(tmp_path, per_unit, meal_break=window), area=area)
    said = [str(w.message) for w in caught]
    room = "which leaves no room for the 30 min meal break in its window 19:00-19:30: it takes none"
    assert any(f"unit 2 works 20:00-22:00, {room}" in m for m in said)
    assert any(f"unit 3 works 18:00-19:15, {room}" in m for m in said)
    breaks = [[leg for leg in route.legs if leg.kind == "break"] for route in plan.routes]
    assert [len(b) for b in breaks] == [1, 0, 0]
    assert not any("unit 1 " in m for m in said)  # the shift's hours: the whole window
    late = [{}, {"start": "19:10"}, {"start": "19:20", "end": "19:45"}]
    with pytest.warns(PlannerWarning) as caught:
        together = {**window, "most_at_once": 2}  # not staggered: the window cut by its hours
        plan = run(scenario(tmp_path, late, meal_break=together), area=area)
    said = [str(w.message) for w in caught]
    assert any(
        "unit 2 works 19:10-22:00, so its meal break starts between 19:10 and 19:30, the part "
        "of the meal break window 19:00-19:30 in its hours" in m
        for m in said
    )
    # unit 3 starts in the window but has no 30 min in it: no break, not a backward range
    assert any("unit 3 works 19:20-19:45, which leaves no room for the 30 min" in m for m in said)
    breaks = [[leg for leg in route.legs if leg.kind == "break"] for route in plan.routes]
    assert [len(b) for b in breaks] == [1, 1, 0]
    assert 19 * 60 + 10 <= 18 * 60 + breaks[1][0].start_s / 60 <= 19.5 * 60
    assert 19 * 60 <= 18 * 60 + breaks[0][0].start_s / 60 <= 19.5 * 60


def test_a_station_beside_avoided_steps_snaps_to_a_street_the_units_may_walk(tmp_path, area):
    steps_only = {"lat": 60.1723767, "lon": 24.9403025}  # OSM node 173248872: steps all round
    plain = scenario(tmp_path, [], station=steps_only, count=1)
    assert run(plain, area=area).routes[0].legs[0].from_node == 173248872
    avoiding = scenario(tmp_path, [], station=steps_only, count=1, avoid=["steps"])
    plan = run(avoiding, area=area)  # before: "cannot walk to the end station at all"
    start = plan.routes[0].legs[0].from_node
    assert start != 173248872
    seg = plan.graph.segments
    ids = plan.graph.nodes.index
    at_start = seg[(ids[seg["u_idx"]] == start) | (ids[seg["v_idx"]] == start)]
    assert (at_start["highway"] != "steps").any()
    x, y = plan.graph.project_lonlat([24.9403025], [60.1723767])
    node = plan.graph.nodes.loc[start]
    assert ((node["x_m"] - x[0]) ** 2 + (node["y_m"] - y[0]) ** 2) ** 0.5 < 100


def test_break_slots_split_the_window_into_one_slot_per_group():
    assert break_slots((0.0, 3600.0), 1800.0, 4, 3) == ((0.0, 900.0), (2700.0, 3600.0)) * 2
    assert break_slots((0.0, 3600.0), 1800.0, 4, 4) == ()  # one group: no split
    assert break_slots((0.0, 3600.0), 1800.0, 3, 1) == ((0.0, 0.0), (1800.0, 1800.0), (3600.0,) * 2)
    assert break_slots((0.0, 1800.0), 1800.0, 3, 1) is None  # 3 breaks in 60 min


def _breaks(plan):
    return [[leg for leg in route.legs if leg.kind == "break"] for route in plan.routes]


def test_a_meal_break_is_taken_at_the_end_station_unless_the_scenario_says_otherwise(
    tmp_path, area
):
    # meal_break.at_station is on by default: each unit walks back to its station to eat
    window = {"minutes": 30, "earliest": "19:00", "latest": "20:00"}
    eat_in = scenario(tmp_path, [], meal_break=window)
    fast = eat_in.solver.model_copy(update={"time_limit_s": 1, "route_iterations": 20})
    plan = run(eat_in.model_copy(update={"solver": fast}), area=area)
    breaks = _breaks(plan)
    assert all(len(b) == 1 for b in breaks)
    for route, (meal,) in zip(plan.routes, breaks, strict=True):
        assert meal.from_node == meal.to_node == route.legs[-1].to_node


def test_meal_breaks_are_staggered_so_that_one_unit_stays_on_the_street(tmp_path, area):
    window = {"minutes": 30, "earliest": "19:00", "latest": "20:00"}
    plan = run(scenario(tmp_path, [], meal_break=window), area=area)
    starts = [18 * 60 + b[0].start_s / 60 for b in _breaks(plan)]
    # units 1 and 3 start in the first slot (19:00-19:15), unit 2 in the second (19:45-20:00)
    assert 19 * 60 <= starts[0] <= 19 * 60 + 15 and 19 * 60 <= starts[2] <= 19 * 60 + 15
    assert 19 * 60 + 45 <= starts[1] <= 20 * 60
    one = run(scenario(tmp_path, [], meal_break={**window, "most_at_once": 1}), area=area)
    spans = sorted((b[0].start_s, b[0].end_s) for b in _breaks(one))
    assert all(end <= start + 1 for (_, end), (start, _) in itertools.pairwise(spans))


def test_a_break_window_too_short_to_stagger_is_said_or_refused(tmp_path, area):
    short = {"minutes": 30, "earliest": "19:00", "latest": "19:10"}
    with pytest.warns(
        PlannerWarning,
        match=r"meal_break: the meal breaks are not staggered, so "
        r"all 3 units may be on their break at once: to keep one on the street, 2 "
        r"slots of 30 min need the break window 19:00-19:10 to run until 19:30",
    ):
        plan = run(scenario(tmp_path, [], meal_break=short), area=area)
    assert [len(b) for b in _breaks(plan)] == [1, 1, 1]
    one = {**short, "latest": "19:30", "most_at_once": 1}
    with pytest.raises(
        ScenarioError,
        match=r"meal_break: 3 units with at most 1 on their break at once: 3 slots of 30 min need "
        r"the break window 19:00-19:30 to run until 20:00; widen the window, or allow more at "
        r"once \(most_at_once\)",
    ):
        run(scenario(tmp_path, [], meal_break=one), area=area)


def test_the_units_whose_hours_close_first_take_the_first_break_slots(tmp_path, area):
    window = {"minutes": 30, "earliest": "19:00", "latest": "21:00", "most_at_once": 1}
    per_unit = [{"start": "20:00"}, {"end": "20:00"}]  # unit 3 works the whole shift
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # each slot lies in its unit's hours: nothing to say
        plan = run(scenario(tmp_path, per_unit, meal_break=window), area=area)
    starts = [18 * 60 + b[0].start_s / 60 for b in _breaks(plan)]
    # three slots of 50 min: 19:00-19:20, 19:50-20:10 and 20:40-21:00 for a break's start
    assert 19 * 60 <= starts[1] <= 19 * 60 + 20  # unit 2 ends at 20:00: the first slot
    assert 19 * 60 + 50 <= starts[2] <= 20 * 60 + 10
    assert 20 * 60 + 40 <= starts[0] <= 21 * 60  # unit 1 starts at 20:00: the last one


def _written(plan, folder):
    write_plan(plan, folder)
    return folder / "routes.json"


def test_a_replan_keeps_breaks_taken_under_the_slots_of_the_plan_it_follows(tmp_path, area):
    window = {"minutes": 30, "earliest": "19:00", "latest": "20:00"}
    together = scenario(tmp_path, [], meal_break={**window, "most_at_once": 3})
    plan = run(together, area=area)
    taken = [b[0].start_s for b in _breaks(plan)]
    # the breaks overlap, and one at least starts outside the slots the default now gives
    assert max(taken) - min(taken) < 1800
    staggered = scenario(tmp_path, [], meal_break=window)
    shown = replace(plan, label="variant 2 of 3, app preview, 1.5 s search")  # as the app has it
    later = replan(staggered, _written(shown, tmp_path / "first"), dt.time(20, 45), area=area)
    assert [b[0].start_s for b in _breaks(later)] == pytest.approx(taken)
    assert later.label == "variant 2 of 3, re-planned at 20:45"  # no longer a preview search


def test_a_unit_called_away_in_its_break_slot_takes_the_rest_of_the_window(tmp_path, area):
    window = {"minutes": 30, "earliest": "19:00", "latest": "20:00"}
    staggered = scenario(tmp_path, [], meal_break=window)
    plan = run(staggered, area=area)
    assert 18 * 60 + _breaks(plan)[0][0].start_s / 60 <= 19 * 60 + 15  # unit 1: first slot
    with pytest.warns(PlannerWarning) as caught:
        later = replan(
            staggered,
            _written(plan, tmp_path / "first"),
            dt.time(19, 20),
            positions={1: (60.1690, 24.9400)},
            away_since={1: dt.time(18, 58)},
            area=area,
        )
    said = [str(w.message) for w in caught]
    assert any(
        "unit 1 can no longer start its meal break in its own slot (a call took the time): it "
        "takes it in what is left of the meal break window" in m
        for m in said
    )
    start = 18 * 60 + _breaks(later)[0][0].start_s / 60
    assert 19 * 60 + 20 <= start <= 20 * 60


def test_a_call_inside_a_no_go_zone_is_replanned_from_the_nearest_street_outside(tmp_path, area):
    from planner.places import forbidden_nodes, forbidden_segments

    zone = {"lat": 60.1706, "lon": 24.9427, "radius_m": 60, "name": "Demo zone"}
    data = scenario(tmp_path, []).model_dump(mode="json", exclude={"source_file"})
    closed = parse_scenario({**data, "places": {"forbidden": [zone]}}, "test", tmp_path)
    plan = run(closed, area=area)
    with pytest.warns(PlannerWarning) as caught:
        called = replan(
            closed,
            _written(plan, tmp_path / "first"),
            dt.time(19, 0),
            {2: (zone["lat"], zone["lon"])},  # the call was at the zone's centre
            away_since={2: dt.time(18, 50)},
            area=area,
        )
    (said,) = [str(w.message) for w in caught if "no-go" in str(w.message)]
    assert said.startswith(
        "position of unit 2: (60.17060, 24.94270) lies inside the no-go zone 'Demo zone' "
        "(places.forbidden): the re-plan starts it from the nearest street it may walk, "
    )
    assert said in called.warnings
    start = next(leg for leg in called.routes[1].legs if leg.kind == "call").to_node
    pos = int(plan.graph.node_index([start])[0])
    assert not forbidden_nodes(plan.graph, closed.places.forbidden)[pos]
    node = plan.graph.nodes.loc[start]
    assert f"at ({node['lat']:.5f}, {node['lon']:.5f})" in said
    banned = forbidden_segments(plan.graph, closed.places.forbidden)
    after = [leg for leg in called.routes[1].legs if leg.start_s >= 3600 and leg.kind == "walk"]
    assert after and not banned & {s for leg in after for s in leg.segments}


def test_a_unit_cannot_leave_a_replanned_plan_before_that_replan(tmp_path, area):
    # the re-plan at 18:20 recorded what was done until then; a unit that left the plan at
    # 18:15 would undo that record, so a later re-plan refuses the time
    plain = scenario(tmp_path, [], meal_break=None)
    plan = run(plain, area=area)
    first = replan(plain, _written(plan, tmp_path / "first"), dt.time(18, 20), area=area)
    with pytest.raises(
        ScenarioError,
        match="unit 1 left the plan at 18:15, before the plan followed was re-planned at 18:20",
    ):
        replan(
            plain,
            _written(first, tmp_path / "again"),
            dt.time(19, 0),
            {1: (60.1690, 24.9410)},
            away_since={1: dt.time(18, 15)},
            area=area,
        )


def test_a_break_added_after_its_window_is_planned_late_without_blaming_a_call(tmp_path, area):
    plain = scenario(tmp_path, [], meal_break=None)
    plan = run(plain, area=area)
    # unit 1 went to a call at 18:15, long before the break window that is added below
    with pytest.warns(PlannerWarning, match="unit 1 left the plan at 18:15"):
        called = replan(
            plain,
            _written(plan, tmp_path / "first"),
            dt.time(18, 20),
            {1: (60.1690, 24.9410)},
            away_since={1: dt.time(18, 15)},
            area=area,
        )
    assert called.kpis["replan"]["calls"][0]["unit"] == 1
    window = {"minutes": 20, "earliest": "19:00", "latest": "19:30"}
    with pytest.warns(PlannerWarning) as caught:
        later = replan(
            scenario(tmp_path, [], meal_break=window),
            _written(called, tmp_path / "called"),
            dt.time(20, 0),
            area=area,
        )
    said = "\n".join(str(w.message) for w in caught)
    assert "a call" not in said
    assert said.count("(the plan followed gave it none in time): it is planned late") == 3
    assert all(len(b) == 1 and b[0].start_s >= 2 * 3600 for b in _breaks(later))


def test_a_unit_a_call_took_too_far_to_be_back_in_time_is_reported_late(tmp_path, area):
    quick = short_search(scenario(tmp_path, []))
    plan = run(quick, area=area)
    far = {1: (60.1730, 24.9500)}  # about a kilometre's walk from the station
    with pytest.warns(PlannerWarning, match="unit 1 cannot be back") as caught:
        late = replan(quick, _written(plan, tmp_path / "p"), dt.time(21, 55), far, area=area)
    (minutes,) = {re.search(r"arrives (\d+) min after", str(w.message))[1] for w in caught}
    first = late.kpis["routes"]["per_officer"][0]
    assert first["back_at_station"] > "2026-12-04T22:00:00"
    assert first["back_early_min"] == 0 and first["late_min"] > 1
    assert late.back_early_s(late.routes[0]) == pytest.approx(-60 * first["late_min"], abs=1)
    html = plan_files(late)["briefing.html"].decode()
    assert f"{minutes} min after its time (a call took it far)" in html  # as the warning said
    assert f"back 22:{int(first['back_at_station'][14:16]):02d}, {minutes} min late" in (
        kpi_table(late)
    )
    others = late.kpis["routes"]["per_officer"][1:]
    assert all(o["late_min"] == 0 for o in others)


def test_a_plan_for_pairs_is_replanned_for_its_pairs(tmp_path, area):
    pairs = scenario(tmp_path, [], count=4, unit_size=2)  # 4 officers walk as 2 pairs
    fast = pairs.solver.model_copy(update={"time_limit_s": 1, "route_iterations": 20})
    pairs = pairs.model_copy(update={"solver": fast})
    plan = run(pairs, area=area)
    assert len(plan.routes) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlannerWarning)  # 2 pairs are the scenario's 4 officers
        later = replan(pairs, _written(plan, tmp_path / "first"), dt.time(19, 0), area=area)
    assert [r.officer for r in later.routes] == [1, 2]
    assert later.kpis["routes"]["units"] == 2


def test_hot_spots_watching_the_same_streets_are_warned_of(tmp_path, area):
    close = scenario(tmp_path, []).model_copy(deep=True)
    close = close.model_copy(
        update={"dwell": close.dwell.model_copy(update={"hotspot_min_separation_m": 50.0})}
    )
    said = r"pairs of hot spots lie within sight of the same streets \(50 m apart or more"
    with pytest.warns(PlannerWarning, match=said):
        plan = run(close, area=area)
    assert any("set it to twice dwell.visibility_radius_m (100)" in w for w in plan.warnings)
