import copy
import dataclasses
import datetime as dt
import io
import itertools
import json
import math
import re
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import gpxpy
import numpy as np
import pandas as pd
import pytest

from planner.briefing import LISTED_WAIT_MIN, risk_source
from planner.errors import PlannerWarning
from planner.evaluate import compute_kpis, kpi_table
from planner.export import plan_files, write_plan, write_plans
from planner.pipeline import load_area, run
from planner.plan import Leg, Plan
from planner.scenario import load_scenario
from planner.street_names import place_names, segment_names

from .conftest import ROOT


@pytest.fixture
def plan(two_officer_plan):
    return two_officer_plan


@pytest.fixture(scope="module")
def area(two_officer_plan):
    """The plan's streets and OSM features, loaded once for the re-plans of it (read-only)."""
    return load_area(two_officer_plan.scenario)


def test_written_files_read_back(plan, tmp_path):
    written = write_plan(plan, tmp_path / "out")
    names = sorted(p.name for p in written)
    assert names == [
        "briefing.html",
        "kpis.json",
        "neighbourhoods.csv",
        "officer_1.gpx",
        "officer_2.gpx",
        "plan.geojson",
        "routes.json",
        "schedule.csv",
    ]
    assert not list((tmp_path / "out").glob(".writing-*"))

    gpx = gpxpy.parse((tmp_path / "out/officer_1.gpx").read_text())
    points = gpx.tracks[0].segments[0].points
    assert len(points) > 10
    times = [p.time for p in points]
    assert all(t.utcoffset() == dt.timedelta(0) for t in times)
    assert times == sorted(times)
    moves = [(a, b) for a, b in itertools.pairwise(points) if a.distance_2d(b) > 0.05]
    assert all(b.time > a.time for a, b in moves)  # no jump without time passing (ms times)
    pace = plan.scenario.officers.pace_m_per_s
    far = [(a, b) for a, b in moves if a.distance_2d(b) > 5.0]  # beyond coordinate rounding
    assert max(a.distance_2d(b) / (b.time - a.time).total_seconds() for a, b in far) < 1.1 * pace
    assert times[0] == plan.shift_start.astimezone(dt.UTC)
    route = plan.routes[0]
    marks = [w for w in gpx.waypoints if w.type == "dwell"]
    assert len(marks) == len(route.dwells)
    # numbered as the briefing's stops, so repeat stops at one place stay apart on a device
    width = len(str(len(route.dwells)))
    names = [
        f"{k:0{width}d}: {plan.places[leg.to_node]}" for k, leg in enumerate(route.dwells, start=1)
    ]
    assert [w.name for w in marks] == names
    numbers = [w.name.split(":")[0] for w in marks]
    assert numbers == sorted(numbers)  # a device listing them by name lists them in order
    # the station, and the meal break at the time and place the schedule gives
    others = [(w.type, w.name) for w in gpx.waypoints if w.type != "dwell"]
    assert others == [("station", "Station"), ("break", "Meal break")]
    station, meal = (w for w in gpx.waypoints if w.type != "dwell")
    assert station.time == times[0] and "start and end of the shift" in station.description
    rows = pd.read_csv(tmp_path / "out/schedule.csv").query("officer == 1")
    (taken,) = rows[rows["action"].str.startswith("meal break")].itertuples()
    assert meal.time == pd.Timestamp(taken.start).tz_convert("UTC")
    assert (meal.latitude, meal.longitude) == pytest.approx((taken.lat, taken.lon), abs=1e-6)
    assert meal.description == f"{taken.action}: {taken.place}"
    waypoint_times = [w.time for w in gpx.waypoints]
    assert waypoint_times == sorted(waypoint_times)  # in the order the unit reaches them
    assert gpx.waypoints[0] is station
    assert gpx.tracks[0].length_2d() == pytest.approx(route.distance_m, rel=0.02)
    stops = pd.read_csv(tmp_path / "out/schedule.csv").query("officer == 1")
    stops = stops[stops["action"].str.startswith("dwell")]
    arrivals = pd.to_datetime(stops["start"], format="ISO8601").dt.tz_convert("UTC")
    assert [w.time for w in marks] == list(arrivals)  # the same second in every file

    frame = gpd.read_file(tmp_path / "out/plan.geojson")
    assert frame.crs.to_epsg() == 4326
    layers = frame["layer"].value_counts()
    assert layers["segment"] == len(plan.graph.segments)
    assert layers["route"] == 2
    assert layers["post"] == 3
    assert layers["station"] == 1
    assert frame.loc[frame["layer"] == "station", "officers"].tolist() == ["1, 2"]
    assert layers["dwell"] == sum(len(r.dwells) for r in plan.routes)
    features = json.loads((tmp_path / "out/plan.geojson").read_text())["features"]
    officers = [f["properties"]["officer"] for f in features if "officer" in f["properties"]]
    assert officers and all(type(k) is int for k in officers)  # 1, not 1.0
    dwells = [f["properties"] for f in features if f["properties"]["layer"] == "dwell"]
    ranks = [d["hotspot"] for d in plan.kpis["hotspot_dosage"]]  # in time order, as the stops
    assert sorted(d["hotspot"] for d in dwells) == sorted(ranks)
    assert all(type(d["hotspot"]) is int for d in dwells)
    first = [d["stop"] for d in dwells if d["officer"] == 1]
    assert first == list(range(1, len(route.dwells) + 1))

    assert (tmp_path / "out/schedule.csv").read_bytes().startswith(b"\xef\xbb\xbfofficer,")
    schedule = pd.read_csv(tmp_path / "out/schedule.csv")
    columns = ["officer", "start", "end", "minutes", "stop", "action", "place", "lat", "lon"]
    assert list(schedule.columns) == columns
    starts = pd.to_datetime(schedule["start"], format="ISO8601")
    ends = pd.to_datetime(schedule["end"], format="ISO8601")
    assert (ends - starts).dt.total_seconds().div(60).round(2).tolist() == list(schedule["minutes"])
    # the stops are numbered as the GPX waypoints and the briefing number them
    numbered = schedule.dropna(subset=["stop"])
    assert numbered["action"].str.startswith("dwell").all()
    assert len(numbered) == (schedule["action"].str.startswith("dwell")).sum()
    mine = numbered.query("officer == 1")
    width = len(str(len(mine)))
    waypoints = [f"{int(r.stop):0{width}d}: {r.place}" for r in mine.itertuples()]
    assert waypoints == [w.name for w in marks]
    assert str(starts.iloc[0].tz) == "UTC+02:00"
    assert schedule["place"].str.fullmatch(r"\d+").sum() == 0
    home = schedule[schedule["action"] == "walk back to station"]
    assert sorted(home["officer"]) == [1, 2]
    # time held back comes before each walk, so the walk back ends the patrol; a unit back
    # early then shows at the station, so each unit's rows run to the end of the shift
    patrol = schedule[~schedule["action"].str.startswith("at station")]
    assert (patrol.groupby("officer")["action"].last() == "walk back to station").all()
    ends = pd.to_datetime(schedule.groupby("officer")["end"].last(), format="ISO8601")
    assert (ends >= plan.shift_end - dt.timedelta(seconds=1)).all()  # to the second
    kept = schedule[schedule["action"].str.startswith("at station")]
    early = {o.officer: plan.shift_end - plan.at(o.end_s) for o in plan.routes}
    for row in kept.itertuples():
        seconds = early[row.officer].total_seconds()
        length = f"{seconds / 60:.0f} min" if round(seconds) >= 60 else f"{round(seconds)} s"
        assert row.action == f"at station {length}" and seconds >= 1
    for _officer, actions in schedule.groupby("officer")["action"]:
        free = actions.str.startswith("free for calls").tolist()
        assert free.count(True) > 0 and not any(a and b for a, b in itertools.pairwise(free))

    kpis = json.loads((tmp_path / "out/kpis.json").read_text())
    assert kpis["routes"]["units"] == 2
    assert kpis["posts"]["count"] == 3
    assert "seconds" not in json.dumps(kpis)
    # the posts in kpis.json are the map's posts, numbered as in the briefing and the table
    posts = frame[frame["layer"] == "post"]
    located = kpis["posts"]["locations"]
    assert [p["post"] for p in located] == [1, 2, 3]
    assert [p["place"] for p in located] == posts["name"].tolist()
    lon_lat = [c for p in located for c in (p["lon"], p["lat"])]
    assert lon_lat == pytest.approx([c for g in posts.geometry for c in (g.x, g.y)], abs=1e-6)
    table = kpi_table(plan)
    assert all(f"  post {p['post']}  " in table and p["place"] in table for p in located)


def test_the_ways_units_keep_off_are_named_in_the_kpis_table_and_briefing(plan):
    from planner.evaluate import avoided_ways

    assert plan.kpis["routes"]["avoid"] == ["unlit_after_dark", "steps"]  # the default's
    assert re.search(r"^ways avoided +unlit ways after dark, steps$", kpi_table(plan), re.M)
    html = plan_files(plan)["briefing.html"].decode()
    assert "<th>Ways avoided</th><td>unlit ways after dark, steps</td>" in html
    assert avoided_ways([]) == "none"  # the briefing officers carry
    assert avoided_ways([], hint=True).startswith("none (set officers.avoid: ")  # the KPI table
    assert avoided_ways(["private"]) == "private ways"


def test_gpx_tracks_keep_the_plans_times_and_waypoints_say_utc(plan):
    import xml.etree.ElementTree as ET

    from planner.tracks import route_pieces

    wgs84 = plan.graph.segments.geometry.to_crs("EPSG:4326")
    files = plan_files(plan)
    start = plan.shift_start.astimezone(dt.UTC)
    ms = dt.timedelta(milliseconds=1)

    def clock(seconds: float) -> dt.datetime:  # UTC time of a second of the shift
        return start + dt.timedelta(seconds=seconds)

    for route in plan.routes:
        xml = files[f"officer_{route.officer}.gpx"].decode()
        points = [p for segment in gpxpy.parse(xml).tracks[0].segments for p in segment.points]
        # the track ends when the route does, back at the station
        assert abs(points[-1].time - clock(route.end_s)) <= ms
        # a point halfway is where and when the plan's timed track has it
        timed = [p for piece in route_pieces(plan, route, wgs84) for p in piece]
        assert len(points) == len(timed)
        lon, lat, second = timed[len(timed) // 2]
        middle = points[len(points) // 2]
        assert abs(middle.time - clock(second)) <= ms
        assert (middle.longitude, middle.latitude) == pytest.approx((lon, lat), abs=1e-6)
        # the track stands at the middle stop from its arrival to its departure
        stop = route.dwells[len(route.dwells) // 2]
        node = plan.graph.nodes.loc[stop.to_node]
        there = [
            p.time
            for p in points
            if (p.latitude, p.longitude) == pytest.approx((node["lat"], node["lon"]), abs=1e-6)
        ]
        assert any(abs(t - clock(stop.start_s)) <= ms for t in there)
        assert any(abs(t - clock(stop.end_s)) <= ms for t in there)
        # a stop's waypoint is written in UTC, to the second: 16:01:21Z, not 18:01:21+02:00
        ns = {"g": "http://www.topografix.com/GPX/1/1"}
        stops = [
            w.find("g:time", ns).text
            for w in ET.fromstring(xml).findall("g:wpt", ns)
            if w.find("g:type", ns).text == "dwell"
        ]
        arrivals = [  # rounded to the second, as the schedule writes them
            f"{plan.at_second(leg.start_s).astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S}Z"
            for leg in route.dwells
        ]
        assert stops == arrivals


def test_gpx_files_of_ten_units_or_more_are_listed_in_order_by_name(plan):
    from planner.evaluate import compute_kpis

    routes = tuple(
        dataclasses.replace(plan.routes[k % 2], officer=k + 1) for k in range(10)
    )  # ten units, walking the two routes of the plan
    ten = dataclasses.replace(plan, routes=routes)
    ten = dataclasses.replace(ten, kpis=compute_kpis(ten))
    files = plan_files(ten)
    names = [n for n in files if n.endswith(".gpx")]
    assert names == [f"officer_{k:02d}.gpx" for k in range(1, 11)] == sorted(names)
    track = gpxpy.parse(files["officer_10.gpx"].decode()).tracks[0]
    assert track.name.startswith("Officer 10, ")  # the file's name only is padded
    assert [n for n in plan_files(plan) if n.endswith(".gpx")] == ["officer_1.gpx", "officer_2.gpx"]


def test_pairs_get_one_gpx_per_unit_named_as_a_unit(plan, tmp_path):
    officers = plan.scenario.officers.model_copy(update={"count": 4, "unit_size": 2})
    # the files' names are tested, not the routes: a short search gives the plan of pairs
    solver = plan.scenario.solver.model_copy(update={"route_iterations": 20})
    scenario = plan.scenario.model_copy(update={"officers": officers, "solver": solver})
    pairs = run(scenario, today=dt.date(2026, 11, 25))
    assert len(pairs.routes) == 2
    out = tmp_path / "out"
    write_plan(plan, out)  # singles first: their officer_N.gpx must not stay beside the pairs'
    names = sorted(p.name for p in write_plan(pairs, out))
    assert [n for n in names if n.endswith(".gpx")] == ["unit_1.gpx", "unit_2.gpx"]
    assert sorted(p.name for p in out.glob("*.gpx")) == ["unit_1.gpx", "unit_2.gpx"]
    gpx = gpxpy.parse((out / "unit_2.gpx").read_text())
    assert gpx.tracks[0].name == "Unit 2 (2 officers), Fri 27 Nov 2026 18:00"
    assert gpx.name == "helsinki_default: Unit 2 (2 officers), Fri 27 Nov 2026 18:00"
    schedule = pd.read_csv(out / "schedule.csv")
    assert list(schedule["unit"].unique()) == [1, 2]
    assert "unit 2 " in kpi_table(pairs)
    held = pairs.kpis["routes"]["held_back_min"]  # minutes of the units' time
    briefing = (out / "briefing.html").read_text()
    assert (
        held > 0
        and f"{held:.0f} min in all, {2 * held:.0f} officer-minutes in units of 2 (" in briefing
    )


def test_each_units_station_is_in_the_geojson(plan):
    second = plan.routes[1]
    elsewhere = int(plan.graph.nodes.index[0])
    moved = dataclasses.replace(
        second, legs=(dataclasses.replace(second.legs[0], from_node=elsewhere), *second.legs[1:])
    )
    two = dataclasses.replace(
        plan, routes=(plan.routes[0], moved), places=plan.places | {elsewhere: "X"}
    )
    frame = gpd.read_file(io.StringIO(plan_files(two)["plan.geojson"].decode()))
    stations = frame[frame["layer"] == "station"].set_index("name")["officers"]
    # unit 2 leaves from X and ends at the station unit 1 uses
    assert stations.to_dict() == {plan.places[second.legs[0].from_node]: "1, 2", "X": "2"}
    assert "end_station" not in set(frame["layer"])
    away = dataclasses.replace(
        second, legs=(*second.legs[:-1], dataclasses.replace(second.legs[-1], to_node=elsewhere))
    )
    ends = dataclasses.replace(two, routes=(plan.routes[0], away))
    frame = gpd.read_file(io.StringIO(plan_files(ends)["plan.geojson"].decode()))
    ends_at = frame[frame["layer"] == "end_station"].set_index("name")["officers"]
    assert ends_at.to_dict() == {"X": "2"}
    idle = dataclasses.replace(plan, routes=(plan.routes[0], dataclasses.replace(second, legs=())))
    frame = gpd.read_file(io.StringIO(plan_files(idle)["plan.geojson"].decode()))
    assert frame.loc[frame["layer"] == "station", "officers"].tolist() == ["1"]


def test_folders_of_an_earlier_plan_are_pointed_out(plan, tmp_path):
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_plans({"variant_1": plan, "variant_2": plan}, out)  # a new folder
        write_plan(plan, out / "variant_1" / "replan_2000")  # a re-plan beside nothing else
    (out / "notes").mkdir()  # not ours: never mentioned
    with pytest.warns(PlannerWarning, match=r"variant_1, variant_2 hold an earlier plan's files"):
        write_plan(plan, out)
    with pytest.warns(PlannerWarning) as caught:
        write_plans({"variant_1": plan, "variant_2": plan}, out)
    (message,) = [str(w.message) for w in caught]
    assert ": the plan files at the top, variant_1/replan_2000 hold an earlier plan's" in message
    with pytest.warns(PlannerWarning, match=r"replan_2000 holds an earlier plan's files"):
        write_plan(plan, out / "variant_1")
    top = tmp_path / "top"
    write_plan(plan, top)
    with pytest.warns(PlannerWarning, match=r"the plan files at the top hold an earlier plan's"):
        write_plans({"variant_1": plan}, top)


def test_exports_are_byte_identical_for_the_same_plan(plan):
    assert plan_files(plan) == plan_files(plan)


def test_kpis_say_whether_stops_are_valued_by_the_hour(plan):
    assert plan.risk.method == "terrain" and plan.risk.hourly is None  # no hours of its own
    assert plan.kpis["risk"]["hourly_risk"] is False
    hours = np.ones((8, len(plan.graph.segments)))
    timed = dataclasses.replace(plan, risk=dataclasses.replace(plan.risk, hourly=hours))
    assert compute_kpis(timed)["risk"]["hourly_risk"] is True


def test_a_plan_replaces_only_files_of_its_own_names(plan, tmp_path):
    from planner.errors import ExportError
    from planner.export import check_plan_owner

    (tmp_path / "officer_01.gpx").write_text("a device's own track")  # a 10+ unit plan's name
    with pytest.raises(ExportError, match=r"holds officer_01\.gpx, of the names a plan writes"):
        check_plan_owner(tmp_path, plan.scenario.name)
    (tmp_path / "officer_01.gpx").rename(tmp_path / "officer_smith.gpx")
    check_plan_owner(tmp_path, plan.scenario.name)  # another name: the plan may go there
    write_plan(plan, tmp_path)
    (tmp_path / "officer_07.gpx").write_text("<gpx/>")  # as an earlier plan of more units left
    write_plan(plan, tmp_path)
    assert (tmp_path / "officer_smith.gpx").read_text() == "a device's own track"
    assert not (tmp_path / "officer_07.gpx").exists()
    assert {"officer_1.gpx", "officer_2.gpx"} <= {p.name for p in tmp_path.iterdir()}


def test_hot_spots_are_numbered_from_one_the_riskiest_first(plan):  # no must-cover place
    dosage = plan.kpis["hotspot_dosage"]
    risk = {d["hotspot"]: d["watched_risk"] for d in dosage}
    assert min(risk) >= 1 and max(risk) <= len(plan.hotspots)
    assert [risk[r] for r in sorted(risk)] == sorted(risk.values(), reverse=True)
    if 1 in risk:
        assert risk[1] == pytest.approx(plan.hotspots.value.max(), abs=1e-6)


def test_kpis_add_up(plan):
    k = plan.kpis["routes"]
    assert k["presence_min"] == pytest.approx(
        sum(o["presence_min"] for o in k["per_officer"]), abs=1e-5
    )
    assert k["dose_minutes"] == pytest.approx(
        sum(d["minutes"] for d in plan.kpis["hotspot_dosage"])
    )
    assert 0 < plan.kpis["posts"]["risk_covered_share"] <= 1
    assert "presence" in kpi_table(plan)
    count, radius = plan.kpis["posts"]["count"], plan.kpis["posts"]["visibility_radius_m"]
    assert count == 3 and plan.kpis["routes"]["units"] == 2  # the fixture's
    assert (
        "posts                    3 (an alternative to foot patrol: 3 officers, where 2 walk), "
        f"each watching {radius:.0f} m around"
    ) in kpi_table(plan)
    even = dataclasses.replace(
        plan, kpis={**plan.kpis, "posts": {**plan.kpis["posts"], "count": 2}}
    )
    assert "2 (an alternative to foot patrol: one officer each)" in kpi_table(even)
    no_posts = dataclasses.replace(
        plan, kpis={**plan.kpis, "posts": {**plan.kpis["posts"], "count": 0}}
    )
    assert re.search(r"^posts +none$", kpi_table(no_posts), re.MULTILINE)


def test_the_terminal_prints_each_solvers_status_bound_and_gap_in_percent(plan):
    def row(table: str, label: str) -> str:
        (line,) = [line for line in table.splitlines() if line.startswith(f"{label}  ")]
        return line[len(label) :].strip()

    routes = plan.routes_stats
    gap = 100 * (routes.bound - routes.objective) / routes.bound
    assert gap > 1  # the fixture's search stops at its iterations, short of its bound
    table = kpi_table(plan)
    half = 100 * plan.kpis["routes"]["solver"]["last_half_gain"]
    assert row(table, "routes solver") == (
        f"{routes.status}, bound {routes.bound:.3f}, gap {gap:.1f} % (the search's last half added "
        f"{half:.1f} %)"
    )
    # a search that ended on its own, short of no limit, has no last half to speak of
    ended = {**plan.kpis["routes"]["solver"], "status": "FEASIBLE"}
    done = dataclasses.replace(
        plan, kpis={**plan.kpis, "routes": {**plan.kpis["routes"], "solver": ended}}
    )
    assert row(kpi_table(done), "routes solver") == (
        f"FEASIBLE, bound {routes.bound:.3f}, gap {gap:.1f} %"
    )
    assert plan.posts_stats.status == "OPTIMAL"
    assert row(table, "posts solver") == "OPTIMAL, gap 0.00 %"
    # posts stopped short of their bound: the gap is printed in percent too
    stopped = {"status": "FEASIBLE", "objective": 0.3, "bound": 0.32, "gap": 0.0625}
    posts = {**plan.kpis["posts"], "solver": {**plan.kpis["posts"]["solver"], **stopped}}
    short = dataclasses.replace(plan, kpis={**plan.kpis, "posts": posts})
    assert row(kpi_table(short), "posts solver") == "FEASIBLE, gap 6.25 %"


def test_each_stops_gap_is_the_minutes_since_the_last_stop_at_its_hot_spot(plan):
    stops = sorted(
        ((leg.start_s, route.officer, leg) for route in plan.routes for leg in route.dwells),
        key=lambda stop: stop[:2],  # the order of the dosage rows: by arrival, then unit
    )
    dosage = plan.kpis["hotspot_dosage"]
    assert len(dosage) == len(stops)
    last: dict[int, float] = {}
    repeats = 0
    for d, (start_s, officer, leg) in zip(dosage, stops, strict=True):
        assert (d["officer"], d["hotspot"]) == (officer, leg.hotspot + 1)
        if leg.hotspot in last:
            assert d["gap_min"] == pytest.approx((start_s - last[leg.hotspot]) / 60, abs=0.05)
            repeats += 1
        else:
            assert d["gap_min"] is None  # the first stop there
        last[leg.hotspot] = start_s
    assert repeats > 5  # the fixture's units come back to hot spots


def test_each_stops_presence_reads_from_its_dosage_row(plan):
    """``presence_min`` = watched risk x Koper minutes x hour weight x revisit value per repeat."""
    from planner.evaluate import compute_kpis
    from planner.hotspots import koper_value_min

    dwell = plan.scenario.dwell
    for stop in plan.kpis["hotspot_dosage"]:
        koper = koper_value_min(stop["minutes"], dwell.koper_curve)
        repeat = dwell.revisit_value ** (stop["visit"] - 1)
        assert stop["hour_weight"] == 1.0  # no incident times: a flat hour
        assert stop["presence_min"] == pytest.approx(
            stop["watched_risk"] * koper * repeat, rel=1e-4
        )
    hours = plan.patrol.hours()
    hourly = np.tile(np.linspace(0.5, 1.5, hours), (len(plan.hotspots), 1))
    timed = dataclasses.replace(plan, patrol=dataclasses.replace(plan.patrol, hourly=hourly))
    for stop, (start_s, _) in zip(
        compute_kpis(timed)["hotspot_dosage"], _stop_starts(plan), strict=True
    ):
        assert stop["hour_weight"] == pytest.approx(hourly[0, int(start_s // 3600)], abs=1e-6)


def _stop_starts(plan):
    """(start second, officer) of every stop, in the dosage table's order."""
    return sorted((leg.start_s, r.officer) for r in plan.routes for leg in r.dwells)


def test_risk_in_sight_is_the_risk_of_every_street_piece_a_stopped_at_hot_spot_watches(plan):
    spots = plan.hotspots
    stopped = sorted({int(leg.hotspot) for r in plan.routes for leg in r.dwells})
    assert len(stopped) >= 2
    seen: set[int] = set()
    for row in stopped:
        seen.update(spots.watched[row].indices.tolist())
    expected = float(spots.piece_risk[sorted(seen)].sum())
    assert plan.kpis["routes"]["risk_in_sight_share"] == pytest.approx(expected, abs=1e-6)
    # some of it is in sight of a single stopped-at spot, no other
    counts = np.asarray(spots.watched[stopped].sum(axis=0)).ravel()
    assert spots.piece_risk[counts == 1].sum() > 1e-3


def test_write_into_a_file_path_fails_cleanly(plan, tmp_path):
    from planner.errors import ExportError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot write the plan files"):
        write_plan(plan, blocker / "sub")


def test_plans_written_together_are_all_or_nothing(plan, tmp_path):
    from planner.errors import ExportError
    from planner.export import write_plans

    out = tmp_path / "variants"
    (out / "variant_2" / "schedule.csv").mkdir(parents=True)  # a folder in the way
    with pytest.raises(ExportError, match=r"variant_2/schedule\.csv: cannot write the plan files"):
        write_plans({"variant_1": plan, "variant_2": plan}, out)
    assert sorted(p.name for p in out.iterdir()) == ["variant_2"]  # variant_1 not written
    assert sorted(p.name for p in (out / "variant_2").iterdir()) == ["schedule.csv"]

    (out / "variant_2" / "schedule.csv").rmdir()
    (out / "variant_2").rmdir()
    (out / "variant_2").write_text("x")  # a file where a plan folder goes
    with pytest.raises(ExportError, match=r"variant_2: cannot write the plan files"):
        write_plans({"variant_1": plan, "variant_2": plan}, out)
    assert sorted(p.name for p in out.iterdir()) == ["variant_2"]
    (out / "variant_2").unlink()
    written = write_plans({"variant_1": plan, "variant_2": plan}, out)
    assert len(written) == 2 * len(plan_files(plan))
    assert (out / "variant_1" / "briefing.html").read_bytes() == plan_files(plan)["briefing.html"]


@pytest.mark.parametrize(
    "stop",  # the disk refuses the new c.txt (a file held open), or Ctrl-C comes then
    [PermissionError(13, "file in use"), KeyboardInterrupt()],
    ids=["refused", "ctrl-c"],
)
def test_a_move_that_fails_leaves_the_earlier_files(tmp_path, monkeypatch, stop):
    import pathlib

    from planner.export import write_files

    out = tmp_path / "plan"
    out.mkdir()
    for name in ("a.txt", "c.txt", "unit_3.gpx"):
        (out / name).write_text(f"old {name}")
    real = pathlib.Path.replace

    def replace(self, target):
        if Path(target).name == "c.txt" and self.parent.name.startswith(".writing-"):
            raise stop
        return real(self, target)

    monkeypatch.setattr(pathlib.Path, "replace", replace)
    with pytest.raises(type(stop)):
        write_files(out, {"a.txt": b"new", "sub/b.txt": b"new", "c.txt": b"new"}, ["*_*.gpx"])
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "c.txt", "unit_3.gpx"]  # no sub/
    assert [(out / n).read_text() for n in ("a.txt", "c.txt", "unit_3.gpx")] == [
        "old a.txt",
        "old c.txt",
        "old unit_3.gpx",
    ]
    with pytest.raises(type(stop)):  # a folder the write created goes again
        write_files(tmp_path / "new" / "plan", {"a.txt": b"new", "c.txt": b"new"})
    assert not (tmp_path / "new").exists()


@pytest.mark.slow
def test_same_seed_gives_byte_identical_files(plan):
    from planner.settings import Settings

    settings = Settings(cpsat_work_limit=0.5)
    scenario = plan.scenario.model_copy(
        update={
            "solver": plan.scenario.solver.model_copy(
                update={"time_limit_s": 120, "route_iterations": 200}
            )
        }
    )
    first = plan_files(run(scenario, settings, today=dt.date(2026, 11, 25)))
    second = plan_files(run(scenario, settings, today=dt.date(2026, 11, 25)))
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name


def test_a_walk_on_its_track_keeps_one_pace_whichever_way_its_streets_run(plan):
    from planner.tracks import METRES_PER_DEGREE, _leg_coordinates

    # the time at each point of a walk follows the distance walked to it, also along streets
    # walked against the direction they are drawn in
    wgs84 = plan.graph.segments.geometry.to_crs("EPSG:4326")
    walks = [leg for r in plan.routes for leg in r.legs if leg.kind == "walk" and leg.segments]
    assert any(any(leg.reversed) for leg in walks)
    for leg in walks:
        points = np.asarray(_leg_coordinates(plan, leg, wgs84))
        east = np.cos(np.radians(points[:, 1].mean())) * METRES_PER_DEGREE
        metres = np.hypot(*(np.diff(points[:, :2], axis=0) * [east, METRES_PER_DEGREE]).T)
        seconds = np.diff(points[:, 2])
        far = metres > 5.0  # steps of a few metres carry the rounding of two projections
        if far.sum() >= 2:
            pace = metres[far] / seconds[far]
            assert pace.max() < 1.05 * pace.min(), leg


def test_a_track_that_starts_walking_starts_where_and_when_the_walk_does(plan):
    from planner.plan import Route
    from planner.tracks import route_pieces

    wgs84 = plan.graph.segments.geometry.to_crs("EPSG:4326")
    walk = next(leg for r in plan.routes for leg in r.legs if leg.kind == "walk" and leg.segments)
    (piece,) = route_pieces(plan, Route(1, (walk,)), wgs84)
    start = plan.graph.nodes.loc[walk.from_node]
    end = plan.graph.nodes.loc[walk.to_node]
    assert piece[0] == pytest.approx((start["lon"], start["lat"], walk.start_s))
    assert piece[-1] == pytest.approx((end["lon"], end["lat"], walk.end_s))


def test_tracks_of_routes_that_start_standing_still_or_answer_a_call(plan):
    from planner.plan import Leg, Route
    from planner.tracks import position_at, route_track

    wgs84 = plan.graph.segments.geometry.to_crs("EPSG:4326")
    nodes = plan.graph.nodes
    station, elsewhere = int(nodes.index[0]), int(nodes.index[-1])
    route = Route(
        1,
        (
            Leg("reserve", 0.0, 60.0, station, station),
            Leg("call", 60.0, 600.0, station, elsewhere),
        ),
    )
    track = route_track(plan, route, wgs84)
    assert [t for _, _, t in track] == [0.0, 60.0, 60.0, 600.0]
    at_station = tuple(nodes.loc[station, ["lon", "lat"]])
    at_call = tuple(nodes.loc[elsewhere, ["lon", "lat"]])
    assert track[0][:2] == track[1][:2] == at_station
    assert track[2][:2] == track[3][:2] == at_call
    assert position_at(track, 30.0) == pytest.approx(at_station)
    # through the call, at its place, as the schedule names it: not on a line between
    for second in (61.0, 330.0, 599.0, 9999.0):
        assert position_at(track, second) == pytest.approx(at_call)


def test_briefing_lists_long_waits_only(plan):
    route = plan.routes[0]
    *before, home = route.legs
    at = home.start_s
    legs = (
        *before,
        Leg("wait", at, at + 600.0, home.from_node, home.from_node),
        Leg("wait", at + 600.0, at + 660.0, home.from_node, home.from_node),
        Leg("wait", at + 660.0, at + 955.0, home.from_node, home.from_node),  # 4.92 min
        dataclasses.replace(home, start_s=at + 955.0, end_s=home.end_s + 955.0),
    )
    waiting = dataclasses.replace(plan, routes=(dataclasses.replace(route, legs=legs),))
    files = plan_files(waiting)
    html = files["briefing.html"].decode()
    assert html.count(">wait 10 min</td>") == 1
    assert "wait 1 min" not in html  # slack between stops stays off the timetable
    assert html.count(">wait 5 min</td>") == 1  # as the schedule rounds it
    assert b",wait 5 min," in files["schedule.csv"]


def test_briefing_lists_the_no_go_zones_and_shades_them_on_the_maps_they_reach(plan):
    from planner.scenario import ZoneSpec

    home = plan.graph.nodes.loc[plan.routes[0].legs[0].from_node]
    zones = [
        ZoneSpec(lat=float(home["lat"]), lon=float(home["lon"]), radius_m=60, name="Embassy"),
        ZoneSpec(lat=60.30, lon=25.30, radius_m=100),  # far off every unit's map
    ]
    places = plan.scenario.places.model_copy(update={"forbidden": zones})
    zoned = dataclasses.replace(plan, scenario=plan.scenario.model_copy(update={"places": places}))
    html = plan_files(zoned)["briefing.html"].decode()
    assert "<h2>No-go zones</h2>" in html
    assert f'<td>Embassy</td><td class="t">{home["lat"]:.5f}, {home["lon"]:.5f}</td>' in html
    assert '<td class="t">60 m</td>' in html and '<td class="t">100 m</td>' in html
    assert html.count('<circle class="zone"') == len(plan.routes)  # the station's zone only
    assert html.count('class="zone-name"') == len(plan.routes)  # named on each map it reaches
    assert re.search(r'<text class="zone-name" x="[\d.]+" y="[\d.]+">Embassy</text>', html)
    assert html.count('<circle class="zone key"') == len(plan.routes)  # in each map's legend
    assert html.count(">no-go zone</text>") == len(plan.routes)
    gpx = gpxpy.parse(plan_files(zoned)["officer_1.gpx"].decode())
    kept_off = [(w.name, w.latitude, w.time) for w in gpx.waypoints if w.type == "no-go"]
    assert kept_off == [
        ("No-go: Embassy", round(float(home["lat"]), 7), None),
        ("No-go zone", 60.3, None),
    ]
    assert gpx.waypoints[-2].description == "no-go zone: keep off the streets within 60 m"
    plain = plan_files(plan)["briefing.html"].decode()
    assert "No-go zones" not in plain and "no-go" not in plain


def test_briefing_shows_a_unit_back_early_at_the_station_to_its_end(plan):
    ends = tuple((r.legs[-1].to_node, r.end_s + 1800.0) for r in plan.routes)
    ends = tuple((int(plan.graph.node_index([n])[0]), s) for n, s in ends)
    early = dataclasses.replace(plan, patrol=dataclasses.replace(plan.patrol, ends=ends))
    html = plan_files(early)["briefing.html"].decode()
    assert html.count(">at station, free for calls</td>") == len(plan.routes)
    row = ">at station, free for calls</td>"
    early_units = sum(round(plan.back_early_s(r) / 60) >= LISTED_WAIT_MIN for r in plan.routes)
    assert plan_files(plan)["briefing.html"].decode().count(row) == early_units  # as they are
    assert "Before issuing" not in html  # half an hour: not worth a warning
    kpis = copy.deepcopy(plan.kpis)
    kpis["routes"]["per_officer"][0]["back_early_min"] = 120.0
    html = plan_files(dataclasses.replace(plan, kpis=kpis))["briefing.html"].decode()
    said = "<strong>Before issuing:</strong> back at the station with time left: officer 1 (2.0 h"
    assert said in html


def test_units_without_a_stop_and_long_walks_to_the_break_are_checks_before_issuing(plan):
    assert "Before issuing" not in plan_files(plan)["briefing.html"].decode()
    kpis = copy.deepcopy(plan.kpis)
    first, second = kpis["routes"]["per_officer"][:2]
    first["dwells"], first["loop_min"] = 0, 400.0  # a unit that only walks loops
    second["break"] = {"start": "x", "minutes": 30.0, "walk_min": 55.0, "at_station": True}
    html = plan_files(dataclasses.replace(plan, kpis=kpis))["briefing.html"].decode()
    said = "<strong>Before issuing:</strong> officer(s) 1 make no stop"  # as the other checks
    assert f"{said}: they walk loops of streets instead.</p>" in html  # one full stop
    said = "<strong>Before issuing:</strong> officer(s) 2 (55 min) walk longer to the meal break"
    assert said in html
    # a unit back at the station hours early is told of once, not also for making no stop
    first.update(loop_min=0.0, back_early_min=120.0)
    html = plan_files(dataclasses.replace(plan, kpis=kpis))["briefing.html"].decode()
    assert "back at the station with time left: officer 1 (2.0 h" in html
    assert "make no stop" not in html
    # a unit eating where it is walks on to its next stop as it would have anyway
    second["break"]["at_station"] = False
    html = plan_files(dataclasses.replace(plan, kpis=kpis))["briefing.html"].decode()
    assert "walk longer to the meal break" not in html


def test_a_risk_map_of_a_few_incidents_is_a_check_before_issuing(plan):
    from planner.evaluate import kpi_warnings, risk_label
    from planner.risk import FEW_INCIDENTS

    def with_incidents(used: int) -> dict:
        kpis = copy.deepcopy(plan.kpis)
        kpis["risk"].update(method="incidents", window_fallback=False)
        kpis["risk"]["parameters"] = {"incidents_used": used, "max_snap_m": 100.0}
        return kpis

    few = with_incidents(2)
    html = plan_files(dataclasses.replace(plan, kpis=few))["briefing.html"].decode()
    said = "<strong>Before issuing:</strong> only 2 incidents near the area&#39;s streets: the risk"
    assert said in html
    assert "Only 2 incidents near the area's streets" in kpi_warnings(few)[0]
    # warned while planning too: kpis.json and the app list it once
    from planner.risk import few_incidents_message

    warned = dataclasses.replace(plan, kpis=few, warnings=(few_incidents_message(2),))
    said = json.loads(plan_files(warned)["kpis.json"])["warnings"]
    assert [w for w in said if "incidents near the area" in w] == [few_incidents_message(2)]
    assert risk_label(few["risk"]) == "incidents: 2 within 100 m of the streets"
    enough = with_incidents(FEW_INCIDENTS)
    html = plan_files(dataclasses.replace(plan, kpis=enough))["briefing.html"].decode()
    assert "Before issuing" not in html
    assert not any("incidents near" in w for w in kpi_warnings(enough))


def test_a_meal_break_left_at_the_start_of_the_shift_is_a_check_before_issuing(plan):
    import html as markup

    from planner.stations import break_window

    # the default's break window, 21:30 to 22:30, for a shift from 22:00 to 06:00
    start = plan.shift_start.replace(hour=22)
    with pytest.warns(PlannerWarning) as said:
        break_window(plan.scenario, (start, start + dt.timedelta(hours=8)))
    cut = str(said[0].message)
    assert "the break now falls in the first 60 min of the shift" in cut
    html = plan_files(dataclasses.replace(plan, warnings=(cut,)))["briefing.html"].decode()
    assert f"<strong>Before issuing:</strong> {cut}" in markup.unescape(html)
    assert "Before issuing" not in plan_files(plan)["briefing.html"].decode()


def test_an_odd_shift_and_the_plans_warnings_reach_the_briefing_and_kpis(plan):
    # the same plan as if its shift ran from 18:00 to 17:00 the next day (an end mistyped)
    long = dataclasses.replace(
        plan,
        shift_end=plan.shift_start + dt.timedelta(hours=23),
        warnings=("the shift lasts 23.0 h (...)", "a.csv: 10 rows read, 9 kept"),
    )
    files = plan_files(long)
    said = "<strong>Before issuing:</strong> the shift lasts 23.0 h ("
    assert said in files["briefing.html"].decode()
    assert said not in plan_files(plan)["briefing.html"].decode()
    kpis = json.loads(files["kpis.json"])
    assert kpis["warnings"] == list(long.warnings)
    assert json.loads(plan_files(plan)["kpis.json"])["warnings"] == list(plan.warnings)
    # what the KPIs themselves warn of (the app and the terminal table show it) is kept too
    stopped = copy.deepcopy(plan.kpis)
    stopped["posts"]["solver"] = {**stopped["posts"]["solver"], "status": "FEASIBLE", "gap": 0.02}
    files = plan_files(dataclasses.replace(long, kpis=stopped))
    assert json.loads(files["kpis.json"])["warnings"] == [
        *long.warnings,
        "Posts solver stopped at FEASIBLE with a 2.0% gap: raise the time limit for better posts.",
    ]


def test_briefing_gives_each_unit_its_map_and_the_schedule_times(plan):
    from html.parser import HTMLParser

    html = plan_files(plan)["briefing.html"].decode()

    class Cells(HTMLParser):
        """Text of every table cell and the tags seen, per unit section."""

        def __init__(self) -> None:
            super().__init__()
            self.units: list[list[str]] = []
            self.tags: list[str] = []
            self.in_cell = False

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            if tag == "section":
                self.units.append([])
            self.in_cell = tag == "td"

        def handle_data(self, data):
            if self.in_cell and self.units:
                self.units[-1].append(data)

    cells = Cells()
    cells.feed(html)
    assert len(cells.units) == len(plan.routes) == 2
    # named as in the terminal, the GPX and the schedule; a page torn off still says its shift
    shift = f"{plan.shift_start:%a %d %b %Y, %H:%M} to {plan.shift_end:%H:%M}"
    assert f'<h2>Officer 1 <span class="of">&middot; {plan.scenario.name} &middot; {shift}' in html
    # the front page gives the coverage figures the terminal prints
    k = plan.kpis
    sight = 100 * k["routes"]["risk_in_sight_share"]
    radius = plan.scenario.dwell.visibility_radius_m
    assert f"{sight:.1f} % of the area's risk within {radius:g} m of a stop" in html
    posts = k["posts"]
    watch = f"together they watch {100 * posts['risk_covered_share']:.1f} % of the area's risk"
    assert f"Each watches the streets within {posts['visibility_radius_m']:g} m; {watch}" in html
    if posts["solver"]["status"] == "OPTIMAL":
        assert f"the most any {posts['count']} posts can (proven)" in html
    else:
        assert f"the solver stopped at {posts['solver']['status']}" in html
    first = k["posts"]["locations"][0]["watched_risk"]
    assert f'<td class="t">{100 * first:.1f} %</td>' in html
    assert "a few minutes after each stop" in html  # the scenario holds back 20 %
    top = k["neighbourhoods"]["areas"][0]
    assert "<h2>Exposure by area</h2>" in html
    row = f'<tr><td>{top["neighbourhood"]}</td><td class="t">{100 * top["risk_share"]:.0f} %</td>'
    assert row in html
    calm = dataclasses.replace(
        plan, kpis={**k, "routes": {**k["routes"], "held_back_share": 0, "held_back_min": 0}}
    )
    free = plan_files(calm)["briefing.html"].decode()
    assert "none: every unit's time goes to the patrol" in free
    cut = {**posts["solver"], "status": "FEASIBLE", "bound": 0.5, "gap": 0.125}
    short = dataclasses.replace(plan, kpis={**k, "posts": {**posts, "solver": cut}})
    stopped = "the solver stopped at FEASIBLE: 2 posts could watch at most 50.0 % (gap 12.5 %)"
    assert stopped.replace("2 posts", f"{posts['count']} posts") in (
        plan_files(short)["briefing.html"].decode()
    )
    assert "a few minutes after each stop" not in free
    assert not {"script", "link", "img", "iframe"} & set(cells.tags)  # prints offline
    assert html.count('class="route"') == 2 and html.count('class="stop"') >= 2
    # each map keys its symbols in a strip at its foot, which the route keeps clear of
    from planner.briefing import KEY_H, MAP_H

    assert html.count('<g class="legend">') == 2 and html.count(">stops in order</text>") == 2
    routes = re.findall(r'<path class="route" d="([^"]+)"', html)
    heights = [float(y) for d in routes for y in re.findall(r"[\d.]+,([\d.]+)", d)]
    assert heights and max(heights) <= MAP_H - KEY_H
    schedule = plan.to_frame()
    for route, texts in zip(plan.routes, cells.units, strict=True):
        rows = schedule[schedule["officer"] == route.officer]
        stops = rows[rows["action"].str.startswith("dwell")]
        starts = [s[11:16] for s in stops["start"]]  # local clock times, as in schedule.csv
        listed = [texts[i - 2] for i, t in enumerate(texts) if t.startswith("stop ")]
        assert listed == starts
        minutes = round((route.dwells[-1].end_s - route.dwells[-1].start_s) / 60)
        assert f"stop {len(starts)}: {minutes} min" in texts
        assert "walk back to station" in texts


def test_kpi_warnings_name_what_to_check(plan):
    import copy

    from planner.evaluate import kpi_warnings

    assert kpi_warnings(plan.kpis) == []
    k = copy.deepcopy(plan.kpis)
    k["risk"]["window_fallback"] = True
    k["routes"]["per_officer"][1]["dwells"] = 0
    k["posts"]["solver"] = {**k["posts"]["solver"], "status": "FEASIBLE", "gap": 0.034}
    assert kpi_warnings(k) == [
        "No incident lies near the shift's hours: the risk uses incidents of all hours.",
        "Officer(s) 2 make no stop.",
        "Posts solver stopped at FEASIBLE with a 3.4% gap: raise the time limit for better posts.",
    ]
    k["routes"]["officers_per_unit"] = 2
    assert "Unit(s) 2 make no stop." in kpi_warnings(k)
    # a unit with no stop that walks loops says so, and why it has no stop when that is known
    k["routes"]["per_officer"][1]["loop_min"] = 120.0
    assert "Unit(s) 2 make no stop: they walk loops of streets instead." in kpi_warnings(k)
    k["routes"]["stops_allowed"] = k["routes"]["stops"]
    assert (
        "Unit(s) 2 make no stop (every hot spot has its most stops): they walk loops of streets "
        "instead." in kpi_warnings(k)
    )


def test_units_walking_loops_an_hour_once_every_stop_is_made_are_said_spare(plan):
    import copy

    from planner.evaluate import kpi_warnings

    k = copy.deepcopy(plan.kpis)
    k["routes"]["stops_allowed"] = k["routes"]["stops"]  # every hot spot has its most stops
    for officer, loop_min in zip(k["routes"]["per_officer"], [59.0, 390.0], strict=True):
        officer["loop_min"] = loop_min
    assert (
        "Officer(s) 2 walk loops of streets for an hour or more (up to 6.5 h): every hot spot has "
        "its most stops, so these officers have no more stops to make; allow more stops or more "
        "hot spots (dwell.max_visits, dwell.hotspot_top_percent), or plan fewer officers."
    ) in kpi_warnings(k)
    k["routes"]["stops_allowed"] += 1  # a stop left to make: the loops may be the search's
    assert not [w for w in kpi_warnings(k) if "walk loops of streets for an hour" in w]


def test_units_working_over_six_hours_with_no_meal_break_are_told_how_to_add_one(plan):
    import copy

    from planner.evaluate import kpi_warnings

    k = copy.deepcopy(plan.kpis)
    officers = k["routes"]["per_officer"]
    assert [o["hours_min"] for o in officers] == [k["shift"]["minutes"]] * 2 == [480.0] * 2
    assert all(o["break"] for o in officers)  # the default shift plans its meal breaks
    assert k["routes"]["meal_break_min"] == 30
    assert not [w for w in kpi_warnings(k) if "meal break" in w]
    officers[1]["break"] = None  # one unit's own hours miss the window
    assert (
        "Officer(s) 2 work 8.0 h with no meal break: move officers.meal_break's window into "
        "their hours, or widen it."
    ) in kpi_warnings(k)
    officers[0]["break"], k["routes"]["meal_break_min"] = None, None  # no break set at all
    advice = (
        "with no meal break: if they take one, add officers.meal_break, e.g. {minutes: 30, "
        'earliest: "21:30", latest: "22:30"}.'  # the middle of 18:00 to 02:00
    )
    assert f"Officer(s) 1, 2 work 8.0 h {advice}" in kpi_warnings(k)
    officers[1]["hours_min"] = 300.0  # a unit of its own, shorter hours is owed none
    assert f"Officer(s) 1 work 8.0 h {advice}" in kpi_warnings(k)
    officers[0]["hours_min"] = 360.0
    assert not [w for w in kpi_warnings(k) if "meal break" in w]
    # the night the clocks go forward: 00:00 to 08:00 is 7 real hours, its middle 04:30
    officers[0]["hours_min"] = 420.0
    k["shift"] |= {"start": "2026-03-29T00:00:00+02:00", "end": "2026-03-29T08:00:00+03:00"}
    assert any('earliest: "04:00", latest: "05:00"' in w for w in kpi_warnings(k))


def _far_station_plan(at_station: bool) -> Plan:
    """Two officers whose station is at the north-east corner of the default area."""
    scenario = load_scenario(ROOT / "scenarios/helsinki_default.yaml")
    officers = scenario.officers
    assert officers.meal_break is not None
    officers = officers.model_copy(
        update={
            "count": 2,
            "station": officers.station.model_copy(update={"lat": 60.1789, "lon": 24.9520}),
            "meal_break": officers.meal_break.model_copy(update={"at_station": at_station}),
        }
    )
    scenario = scenario.model_copy(
        update={
            "officers": officers,
            "solver": scenario.solver.model_copy(update={"route_iterations": 60}),
            "posts": scenario.posts.model_copy(update={"count": 1}),
        }
    )
    return run(scenario, today=dt.date(2026, 11, 25))


def _schedule_break_walk_min(plan: Plan, officer: int) -> float:
    """Minutes of the schedule's walk rows between the stops before and after the break."""
    rows = plan.to_frame()
    rows = rows[rows["officer"] == officer].reset_index(drop=True)
    at = rows.index[rows["action"].str.startswith("meal break")][0]
    walked = 0.0
    for side in (rows.iloc[:at][::-1], rows.iloc[at + 1 :]):
        for _, row in side.iterrows():
            if not row["action"].startswith(("walk", "free for calls", "wait")):
                break
            if row["action"] == "walk":
                walked += row["minutes"]
    return walked


def test_the_walk_to_a_meal_break_counts_the_walks_on_either_side_past_waits():
    from planner.evaluate import break_walk_s
    from planner.plan import Route

    def leg(kind: str, start_min: float, end_min: float, to: int = 0) -> Leg:
        return Leg(kind, start_min * 60, end_min * 60, 0, to, distance_m=5.0 * (kind == "walk"))

    legs = [
        leg("dwell", 0, 15),
        leg("reserve", 15, 18),
        leg("walk", 18, 38, to=1),  # to the station
        leg("wait", 38, 39),
        leg("break", 39, 69),
        leg("wait", 69, 70),
        leg("walk", 70, 90, to=2),
        leg("dwell", 90, 105),
        leg("walk", 105, 125, to=0),  # after the stop: not the break's
    ]
    assert break_walk_s(Route(1, tuple(legs))) == 40 * 60
    assert break_walk_s(Route(1, tuple(legs[:4]))) == 0.0  # no break


@pytest.mark.slow
def test_units_walking_longer_to_their_meal_break_than_it_lasts_are_named():
    from planner.evaluate import plan_warnings

    far = _far_station_plan(at_station=True)
    officers = far.kpis["routes"]["per_officer"]
    for o in officers:
        assert o["break"]["walk_min"] == pytest.approx(
            _schedule_break_walk_min(far, o["officer"]), abs=0.05
        )
    named = [o for o in officers if o["break"]["walk_min"] > o["break"]["minutes"]]
    assert named  # the hot spots are a long walk from the corner
    (warning,) = [w for w in plan_warnings(far) if "walk longer to the meal break" in w]
    listed = ", ".join(f"{o['officer']} ({o['break']['walk_min']:.0f} min)" for o in named)
    assert warning.startswith(f"Officer(s) {listed} walk longer to the meal break at the station")
    assert "officers.meal_break.at_station: false" in warning
    # eating where they are, they are not named
    near = _far_station_plan(at_station=False)
    assert all(o["break"]["walk_min"] < 15 for o in near.kpis["routes"]["per_officer"])
    assert not [w for w in plan_warnings(near) if "walk longer to the meal break" in w]


def test_a_replan_carries_the_warnings_issued_before_it_plans(plan, area, tmp_path):
    from planner.rest_of_shift import replan

    write_plan(plan, tmp_path)
    more = plan.scenario.model_copy(
        update={"officers": plan.scenario.officers.model_copy(update={"count": 3})}
    )
    with pytest.warns(PlannerWarning, match="re-planning the 2 units"):
        again = replan(more, tmp_path / "routes.json", dt.time(20, 0), area=area)
    assert any(w.startswith("re-planning the 2 units") for w in again.warnings)


def test_a_call_shown_from_before_the_unit_left_is_explained(plan, area, tmp_path):
    write_plan(plan, tmp_path)
    stop = plan.routes[0].dwells[1]
    where = plan.graph.nodes.loc[stop.to_node]
    position = (float(where["lat"]), float(where["lon"]))
    again, message = called_away(plan, tmp_path / "routes.json", stop, position, area)
    assert any(w.startswith(message) for w in again.warnings)  # and the plan keeps it
    (call,) = again.kpis["replan"]["calls"]
    assert call["since"][11:16] == f"{plan.at(stop.start_s):%H:%M}"
    assert (call["lat"], call["lon"]) == (round(position[0], 6), round(position[1], 6))
    # unit 1's map marks where the call took it, and its legend says what the mark is
    page = plan_files(again)["briefing.html"].decode()
    first, second = page.split('<section class="unit">')[1:]
    assert first.count('<path class="call" d=') == 1 and ">call for service</text>" in first
    assert_names_clear(page)  # no street name hides the mark of the call
    assert 'class="call' not in second and ">call for service</text>" not in second
    # re-planned again after a second call: the warning is of the new call, not the first
    write_plan(again, tmp_path / "replan")
    stop = next(leg for leg in again.routes[0].dwells if leg.start_s > call_end_s(again))
    called_away(again, tmp_path / "replan" / "routes.json", stop, position, area)


def called_away(followed, routes_file, stop, position, area):
    """Re-plan ``followed`` with unit 1 sent to ``position`` two or three minutes into ``stop``.

    Checks the warning that its call is shown from the stop's start; returns the re-plan and
    the start of that warning.
    """
    from planner.rest_of_shift import replan

    left, at = followed.at(stop.start_s + 150), followed.at(stop.start_s + 20 * 60)
    with pytest.warns(PlannerWarning) as caught:
        again = replan(
            followed.scenario,
            routes_file,
            at.time(),
            {1: position},
            area=area,
            away_since={1: left.time()},
        )
    message = (
        f"unit 1 left the plan at {left:%H:%M}; its call for service is shown from "
        f"{followed.at(stop.start_s):%H:%M}, the end of the last stop or walk it finished"
    )
    assert any(str(w.message).startswith(message) for w in caught)
    return again, message


def call_end_s(plan):
    """Second the (first) call for service of ``plan``'s unit 1 ends."""
    return next(leg.end_s for leg in plan.routes[0].legs if leg.kind == "call")


def test_a_replan_without_a_call_is_never_worse_than_the_plan_followed(plan, area, tmp_path):
    from planner.rest_of_shift import replan

    write_plan(plan, tmp_path)
    solver = plan.scenario.solver.model_copy(update={"time_limit_s": 1, "route_iterations": 1})
    short = plan.scenario.model_copy(update={"solver": solver})  # next to no search
    for at in (dt.time(19, 0), dt.time(23, 30)):
        again = replan(short, tmp_path / "routes.json", at, area=area)
        presence = again.kpis["routes"]["presence_min"]
        assert presence >= plan.kpis["routes"]["presence_min"] - 1e-6, at
        # each unit still works the whole shift, not from the re-plan on
        assert [o["hours_min"] for o in again.kpis["routes"]["per_officer"]] == [480.0] * 2


def test_a_plan_started_from_another_plan_s_stops_earns_at_least_that_plan(area):
    from planner.scenario import load_scenario

    base = load_scenario(ROOT / "scenarios/helsinki_default.yaml")

    def scenario(seed, iterations):
        solver = base.solver.model_copy(
            update={"time_limit_s": 60, "route_iterations": iterations, "seed": seed}
        )
        return base.model_copy(update={"solver": solver})

    first = run(scenario(3, 60), today=dt.date(2026, 11, 25), area=area)
    # a search of its own finds stops the search values more, whose loops walked in spare time
    # (laid after the search) earn less: the plan started from keeps its presence then
    again = run(scenario(1, 30), today=dt.date(2026, 11, 25), area=area, start_from=first.routes)
    presence = again.kpis["routes"]["presence_min"]
    assert presence >= first.kpis["routes"]["presence_min"] - 1e-9


def test_a_replan_credits_the_stops_made_itself_not_as_the_file_says(plan, area, tmp_path):
    from planner.hotspots import koper_value_min
    from planner.rest_of_shift import replan

    solver = plan.scenario.solver.model_copy(update={"time_limit_s": 1, "route_iterations": 1})
    short = plan.scenario.model_copy(update={"solver": solver})
    write_plan(plan, tmp_path / "as_written")
    honest = replan(short, tmp_path / "as_written" / "routes.json", dt.time(20, 0), area=area)
    record = json.loads((tmp_path / "as_written" / "routes.json").read_text())
    legs = record["routes"][0]["legs"]
    first = next(i for i, leg in enumerate(legs) if leg["kind"] == "dwell")
    legs[first]["presence"] = 50.0  # an edited file claims a stop earned the whole shift
    (tmp_path / "edited").mkdir()
    (tmp_path / "edited" / "routes.json").write_text(json.dumps(record))
    edited = replan(short, tmp_path / "edited" / "routes.json", dt.time(20, 0), area=area)
    for key in ("presence_min", "solver"):
        assert edited.kpis["routes"][key] == honest.kpis["routes"][key]
    made = next(leg for leg in honest.routes[0].legs if leg.kind == "dwell")
    # a stop cut to 10 minutes earns the Koper curve's 10 minutes, not its planned 15
    legs[first]["presence"] = made.presence
    legs[first]["end_s"] = legs[first]["start_s"] + 600
    assert legs[first + 1]["kind"] == "reserve"  # held back for calls after it: held longer
    legs[first + 1]["start_s"] = legs[first]["end_s"]
    (tmp_path / "edited" / "routes.json").write_text(json.dumps(record))
    cut = replan(short, tmp_path / "edited" / "routes.json", dt.time(20, 0), area=area)
    (cut_stop,) = [leg for leg in cut.routes[0].legs if leg.start_s == made.start_s]
    curve = plan.scenario.dwell.koper_curve
    share = koper_value_min(10, curve) / koper_value_min(plan.scenario.dwell.max_minutes, curve)
    assert cut_stop.presence == pytest.approx(made.presence * share, rel=1e-5)  # times in ms


def test_a_replan_cannot_go_back_before_the_replan_it_follows(plan, area, tmp_path):
    from planner.errors import ScenarioError
    from planner.followed import read_routes
    from planner.rest_of_shift import replan

    write_plan(plan, tmp_path)
    again = replan(plan.scenario, tmp_path / "routes.json", dt.time(20, 0), area=area)
    write_plan(again, tmp_path / "replan_2000")
    followed = read_routes(tmp_path / "replan_2000" / "routes.json")
    assert followed.replanned_s == pytest.approx(2 * 3600)  # two hours into the 18:00 shift
    assert read_routes(tmp_path / "routes.json").replanned_s is None
    with pytest.raises(ScenarioError, match="re-planned at 20:00; re-planning it at 19:30 would"):
        replan(plan.scenario, tmp_path / "replan_2000" / "routes.json", dt.time(19, 30), area=area)
    write_plans({"variant_1": plan}, tmp_path / "v")
    with pytest.raises(ScenarioError, match=r"holds variants: .* --plan .*v/variant_1"):
        read_routes(tmp_path / "v" / "routes.json")


@pytest.mark.slow
def test_readme_python_example_plans_and_writes_the_files(tmp_path, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use it from Python", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "scenarios").mkdir()
    scenario = (ROOT / "scenarios" / "helsinki_default.yaml").read_text(encoding="utf-8")
    (tmp_path / "scenarios" / "helsinki_default.yaml").write_text(scenario, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the example runs from the repository root
    names: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), names)  # our own documentation, run as written
    out = tmp_path / "out" / "helsinki_default"
    assert {"kpis.json", "schedule.csv", "briefing.html", "officer_2.gpx"} <= {
        p.name for p in out.iterdir()
    }
    printed = capsys.readouterr().out
    assert "ITERATION_LIMIT" in printed and "officer" in printed
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["routes"]["units"] == 2
    streets = names["streets"]
    risks = [d["risk"] for _, _, d in streets.edges(data=True)]
    assert len(risks) == streets.number_of_edges() and sum(risks) > 1.0


def test_briefing_says_when_the_clocks_go_back_during_the_shift(plan):
    from zoneinfo import ZoneInfo

    from planner.clock import later, shift_seconds

    helsinki = ZoneInfo("Europe/Helsinki")
    start = dt.datetime(2026, 10, 24, 22, 0, tzinfo=helsinki)  # summer time ends at 04:00
    night = dataclasses.replace(plan, shift_start=start, shift_end=later(start, 9 * 3600))
    assert shift_seconds(night.shift_start, night.shift_end) == 9 * 3600  # 22:00 to 06:00
    html = plan_files(night)["briefing.html"].decode()
    assert "22:00 EEST to 06:00 EET (Europe/Helsinki): 9 h, the clocks go back 1 h" in html
    assert '<td class="t">22:00 EEST</td>' in html  # every time says which clock it is on
    assert re.search(r"meal break \d\d:\d\d EES?T for \d+ min", html)  # the summary too
    assert re.search(r"back at the station \d\d:\d\d EES?T", html)
    assert re.search(r"break \d\d:\d\d EES?T, back \d\d:\d\d EES?T", kpi_table(night))
    plain = plan_files(plan)["briefing.html"].decode()
    assert "clocks go" not in plain and not re.search(r"back at the station \d\d:\d\d E", plain)


def test_schedule_minutes_are_real_minutes_across_a_clock_change(plan):
    helsinki = ZoneInfo("Europe/Helsinki")
    change = dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC)  # 04:00 EEST becomes 03:00 EET
    leg = max(plan.routes[0].legs, key=lambda leg: leg.end_s - leg.start_s)
    start = (change - dt.timedelta(seconds=(leg.start_s + leg.end_s) / 2)).astimezone(helsinki)
    night = dataclasses.replace(plan, shift_start=start, shift_end=start + dt.timedelta(hours=9))
    schedule = night.to_frame()
    starts = pd.to_datetime(schedule["start"], utc=True)
    ends = pd.to_datetime(schedule["end"], utc=True)
    real = (ends - starts).dt.total_seconds().div(60).round(2)
    assert real.tolist() == schedule["minutes"].tolist()
    summer = schedule["start"].str.endswith("+03:00")
    winter = schedule["end"].str.endswith("+02:00")
    crossing = schedule[summer & winter & (schedule["officer"] == 1)]
    assert len(crossing) == 1  # the longest leg spans the change, and its minutes are real ones


def test_briefing_maps_carry_a_true_scale_bar_and_north(plan):
    from pyproj import Geod

    section = _first_unit_page(plan)
    px_per_m = _scale_of(section)
    assert '<g class="north">' in section
    # the station and the first stop, apart on the map as on the ground by the bar's measure
    sx, sy = (
        float(v) + 6
        for v in re.search(r'class="station" x="([\d.]+)" y="([\d.]+)"', section).groups()
    )
    # the first stop's place: its mark, or the dot its mark was moved aside from
    first = re.search(r'<g class="stop">(.*?)</g>', section).group(1)
    place = r'<circle class="at" cx="([\d.]+)" cy="([\d.]+)"'
    place = place if 'class="at"' in first else r'<circle cx="([\d.]+)" cy="([\d.]+)"'
    cx, cy = (float(v) for v in re.search(place, first).groups())
    route = plan.routes[0]
    nodes = plan.graph.nodes
    a, b = route.legs[0].from_node, route.dwells[0].to_node
    _, _, ground_m = Geod(ellps="WGS84").inv(
        nodes.loc[a, "lon"], nodes.loc[a, "lat"], nodes.loc[b, "lon"], nodes.loc[b, "lat"]
    )
    assert math.hypot(cx - sx, cy - sy) / ground_m == pytest.approx(px_per_m, rel=0.02)


def _first_unit_page(plan) -> str:
    """The briefing's first unit page, as HTML."""
    return plan_files(plan)["briefing.html"].decode().split('<section class="unit">')[1]


def _scale_of(section: str) -> float:
    """Map units per metre on a unit page, read from its scale bar (length and label)."""
    length, label = re.search(
        r'<g class="scale"><path d="M10,[\d.]+ v4 h([\d.]+) v-4"/>.*?>([^<]+)</text>', section
    ).groups()
    return float(length) / (float(label.split()[0]) * (1000 if label.endswith("km") else 1))


def test_briefing_maps_name_the_streets_each_unit_walks_most(plan):
    import html as markup

    from planner.briefing import MAX_STREET_LABELS

    sections = plan_files(plan)["briefing.html"].decode().split('<section class="unit">')[1:]
    names = segment_names(plan.graph)  # a sidewalk mapped apart walks its road
    lengths = plan.graph.segments["length_m"].to_numpy()
    for route, section in zip(plan.routes, sections, strict=True):
        labels = [markup.unescape(t) for t in re.findall(r'class="label"[^>]*>([^<]+)<', section)]
        walked = [s for leg in route.legs if leg.kind == "walk" for s in leg.segments]
        by_name: dict[str, float] = {}
        for seg in walked:  # metres walked per street name, every pass counted
            if seg in names:
                by_name[names[seg]] = by_name.get(names[seg], 0.0) + lengths[seg]
        assert labels and len(labels) <= MAX_STREET_LABELS
        assert set(labels) <= set(by_name)
        metres = [by_name[name] for name in labels]
        assert metres == sorted(metres, reverse=True)  # the streets walked longest first
        # the names lie under the route, so the red line stays seen where it is named
        assert section.index('class="label"') < section.index('class="route"')
        # no stop's mark hides another's: a crowded one is moved aside with a line to its place
        drawn = section.split('<g class="legend">')[0]  # the legend's sample stop apart
        marks = _stop_marks(drawn)
        assert len(marks) == section.count('<g class="stop">')
        for (ax, ay, ar), (bx, by, br) in itertools.combinations(marks, 2):
            assert math.hypot(ax - bx, ay - by) >= ar + br


def _stop_marks(drawn: str) -> list[tuple[float, float, float]]:
    """Each stop mark drawn on a unit's map: centre and radius (SVG units)."""
    return [
        (float(x), float(y), float(r))
        for x, y, r in re.findall(
            r'<circle cx="([\d.-]+)" cy="([\d.-]+)" r="([\d.]+)"/><text', drawn
        )
    ]


def test_a_street_name_on_a_map_hides_no_other_name_nor_a_stop_or_the_station(plan):
    assert_names_clear(plan_files(plan)["briefing.html"].decode())


def assert_names_clear(html: str) -> None:
    """Check every unit map's street names: none meets another, a stop, a station or a call.

    And each stays on the map, clear of the scale bar and legend at its foot.
    """
    import html as markup

    from shapely import Point, box
    from shapely.affinity import rotate

    from planner.briefing import KEY_H, LABEL_H, MAP_H, MAP_W, text_width

    for section in html.split('<section class="unit">')[1:]:
        drawn = section.split('<g class="legend">')[0]
        names = []
        for x, y, angle, text in re.findall(
            r'class="label" transform="translate\(([\d.-]+),([\d.-]+)\) rotate\(([\d.-]+)\)">'
            r"([^<]+)<",
            drawn,
        ):
            x, y, half = float(x), float(y), text_width(markup.unescape(text)) / 2
            upright = box(x - half, y - LABEL_H / 2, x + half, y + LABEL_H / 2)
            names.append(rotate(upright, float(angle), origin=(x, y)))
        marks = [Point(x, y).buffer(r) for x, y, r in _stop_marks(drawn)]
        for x, y in re.findall(r'class="(?:end-)?station" x="([\d.-]+)" y="([\d.-]+)"', drawn):
            marks.append(box(float(x), float(y), float(x) + 12, float(y) + 12))
        for x, top in re.findall(r'<path class="call" d="M([\d.-]+),([\d.-]+) l8,8', drawn):
            marks.append(Point(float(x), float(top) + 8).buffer(8))  # the diamond, 8 each way
        assert names and marks
        for a, b in itertools.combinations(names, 2):
            assert not a.intersects(b)
        for name in names:
            assert box(0, 0, MAP_W, MAP_H - KEY_H).contains(name)  # clear of the scale and legend
            assert not any(name.intersects(mark) for mark in marks)


def test_a_street_is_one_stretch_across_a_crossing_and_two_where_walked_back():
    from types import SimpleNamespace

    from shapely import LineString

    from planner.briefing import _named_stretches
    from planner.plan import Route

    # Main Street in two pieces joined by a 10 m unnamed crossing, then Side Street, walked
    # to its end and back, then Main Street's second piece again
    lines = [[(0, 0), (100, 0)], [(100, 0), (110, 0)], [(110, 0), (210, 0)], [(210, 0), (210, 80)]]
    segments = pd.DataFrame(
        {
            "name": ["Main Street", None, "Main Street", "Side Street"],
            "length_m": [100, 10, 100, 80],
        }
    )
    named = {0: "Main Street", 2: "Main Street", 3: "Side Street"}
    plan = SimpleNamespace(graph=SimpleNamespace(segments=segments, segment_names=named))
    there = Leg("walk", 0, 290, 1, 5, (0, 1, 2, 3), (False,) * 4, 290.0)
    stop = Leg("dwell", 290, 1190, 5, 5)
    back = Leg("walk", 1190, 1370, 5, 3, (3, 2), (True, True), 180.0)
    route = Route(1, (there, stop, back))
    wgs84 = gpd.GeoSeries([LineString(line) for line in lines])
    stretches = _named_stretches(plan, route, wgs84, lambda x, y: (x, y))
    assert [(name, metres) for name, _, metres in stretches] == [
        ("Main Street", 200.0),  # the crossing does not split it, nor count in its metres
        ("Side Street", 80.0),
        ("Side Street", 80.0),  # walked back: a stretch of its own, not one folded in two
        ("Main Street", 100.0),
    ]
    assert stretches[0][1].length == 210.0 and stretches[2][1].coords[0] == (210.0, 80.0)


def test_a_street_name_goes_on_the_side_away_from_another_street_the_route_walks():
    from shapely import LineString, MultiLineString, Polygon

    from planner.briefing import _fit

    own = LineString([(100, 100), (300, 100)])
    above = LineString([(100, 88), (300, 88)])  # 12 units above: nearer than own to a name there
    label = _fit("Main Street", own, Polygon(), MultiLineString([own, above]))
    assert label is not None and label.y > 100  # below its street, away from the other
    alone = _fit("Main Street", own, Polygon(), MultiLineString([own]))
    assert alone is not None and alone.y < 100  # above, as the text reads, when nothing is near


def test_a_table_that_cannot_be_written_names_the_option(tmp_path):
    from planner.errors import ExportError
    from planner.export import write_table

    table = pd.DataFrame({"officers": [2, 4]})
    assert pd.read_csv(write_table(table, tmp_path / "t.csv", "--csv")).equals(table)
    (tmp_path / "taken").mkdir()  # a folder where the file goes
    with pytest.raises(ExportError, match=r"^--csv .*taken: cannot write the table"):
        write_table(table, tmp_path / "taken", "--csv")


def test_exposure_per_neighbourhood_adds_up_to_the_plan(plan, tmp_path):
    hoods = plan.kpis["neighbourhoods"]
    areas = hoods["areas"]
    assert hoods["source"].startswith("OSM place labels")
    assert len(areas) == 5 and areas[0]["risk_share"] >= areas[-1]["risk_share"]
    assert sum(a["risk_share"] for a in areas) == pytest.approx(1.0, abs=1e-5)
    presence = plan.kpis["routes"]["presence_min"]
    assert sum(a["presence_min"] for a in areas) == pytest.approx(presence, rel=1e-6)
    assert sum(a["presence_share"] for a in areas) == pytest.approx(1.0, abs=1e-5)
    on_street = sum(
        leg.end_s - leg.start_s
        for route in plan.routes
        for leg in route.legs
        if leg.kind in ("walk", "dwell", "wait", "reserve")
    )
    back_early = sum(max(plan.back_early_s(route), 0.0) for route in plan.routes)  # at station
    officer_min = (on_street + back_early) / 60
    assert sum(a["officer_min"] for a in areas) == pytest.approx(officer_min, abs=0.05)
    assert sum(a["stops"] for a in areas) == plan.kpis["routes"]["stops"]
    assert sum(a["posts"] for a in areas) == len(plan.posts) == 3
    # each walk's credits are what its streets earn, and sum to the walk's presence
    walks = [leg for route in plan.routes for leg in route.legs if leg.kind == "walk"]
    assert all(len(leg.credits) == len(leg.segments) for leg in walks)
    assert all(sum(leg.credits) == pytest.approx(leg.presence, abs=1e-12) for leg in walks)
    # the stops of an area are those made at its nodes
    hood_of = dict(zip(plan.graph.nodes.index, plan.neighbourhoods.node, strict=True))
    names = plan.neighbourhoods.names
    stops = {a["neighbourhood"]: a["stops"] for a in areas}
    made = [names[hood_of[leg.to_node]] for route in plan.routes for leg in route.dwells]
    assert all(stops[name] == made.count(name) for name in names)
    write_plan(plan, tmp_path)
    table = pd.read_csv(tmp_path / "neighbourhoods.csv", encoding="utf-8-sig")
    assert list(table["neighbourhood"]) == [a["neighbourhood"] for a in areas]
    assert list(table.columns[:4]) == ["neighbourhood", "street_km", "risk_share", "presence_min"]
    assert "exposure by area" in kpi_table(plan)


def test_variant_overlap_is_the_share_of_one_plans_stops_and_streets_in_the_other(plan):
    from planner.variants import overlap

    assert overlap(plan, plan) == {"stops": 1.0, "hot spots": 1.0, "streets": 1.0}
    one = dataclasses.replace(plan, routes=plan.routes[:1])
    assert overlap(one, plan) == {"stops": 1.0, "hot spots": 1.0, "streets": 1.0}  # its own

    def stops(routes):
        return {(leg.hotspot, int(leg.start_s // 3600)) for r in routes for leg in r.dwells}

    part = overlap(plan, one)
    assert part["stops"] == len(stops(plan.routes[:1])) / len(stops(plan.routes)) < 1
    assert 0 < part["streets"] < 1
    spots = {leg.hotspot for r in plan.routes for leg in r.dwells}
    mine = {leg.hotspot for leg in plan.routes[0].dwells}
    assert part["hot spots"] == len(mine) / len(spots)


def test_the_terminal_lists_the_riskiest_areas_and_always_the_streets_in_none():
    from planner.evaluate import TABLE_AREAS, _neighbourhood_rows
    from planner.neighbourhoods import OUTSIDE

    def area(name, risk):
        return {
            "neighbourhood": name,
            "risk_share": risk,
            "presence_share": risk / 2,
            "presence_per_risk": 0.5,
            "officer_min": 10.0,
            "stops": 1,
        }

    named = [area(f"ward {k}", 0.08 - k / 1000) for k in range(10)]
    rows = _neighbourhood_rows({"source": "wards.geojson", "areas": [*named, area(OUTSIDE, 0.05)]})
    assert rows[0] == ("exposure by area", "10 areas: wards.geojson")  # the gap is no area
    shown = [label.strip() for label, _ in rows[1:]]
    assert shown[:TABLE_AREAS] == [f"ward {k}" for k in range(TABLE_AREAS)]
    assert shown[TABLE_AREAS] == OUTSIDE
    assert rows[-1] == ("", "... 2 more in neighbourhoods.csv")
    assert "8 % of the risk, 4 % of the presence (x0.50), 10 officer-min, 1 stop" in rows[1][1]


def test_a_variant_below_the_share_asked_for_is_kept_with_a_warning():
    from planner.variants import _below_note

    with pytest.warns(PlannerWarning, match=r"variant 2 reaches 94.0% .* below the 95% asked"):
        note = _below_note(2, 0.94, 1.0, 0.05)
    assert note is not None and "it is kept: widen --within" in note
    assert _below_note(3, 0.95, 1.0, 0.05) is None


def test_the_terminal_lists_the_first_posts_and_counts_the_rest(plan):
    from planner.evaluate import TABLE_POSTS

    kpis = copy.deepcopy(plan.kpis)
    (first,) = kpis["posts"]["locations"][:1]
    kpis["posts"]["locations"] = [{**first, "post": k} for k in range(1, TABLE_POSTS + 4)]
    table = kpi_table(dataclasses.replace(plan, kpis=kpis))
    assert f"  post {TABLE_POSTS} " in table and f"post {TABLE_POSTS + 1} " not in table
    assert "... 3 more in kpis.json and plan.geojson" in table


def test_direction_marks_point_the_way_walked_every_so_many_metres():
    from planner.tracks import METRES_PER_DEGREE, direction_marks

    lat = 60.17
    east = 1.0 / (METRES_PER_DEGREE * math.cos(math.radians(lat)))  # degrees per metre east
    north = 1.0 / METRES_PER_DEGREE
    # 500 m east, a repeated point (standing still), then 300 m north
    path = [[24.93, lat], [24.93 + 500 * east, lat], [24.93 + 500 * east, lat]]
    path.append([24.93 + 500 * east, lat + 300 * north])
    marks = direction_marks(path, every_m=250.0)
    assert [round(a) for _, _, a in marks] == [0, 0, 90]
    metres_east = [round((lon - 24.93) / east) for lon, _, _ in marks]
    metres_north = [round((la - lat) / north) for _, la, _ in marks]
    assert metres_east == [125, 375, 500] and metres_north == [0, 0, 125]
    back = direction_marks(path[::-1], every_m=250.0)
    assert [round(a) for _, _, a in back] == [-90, 180, 180]
    short = [[24.93, lat], [24.93, lat + 100 * north]]
    assert [(round(a), round((la - lat) / north)) for _, la, a in direction_marks(short)] == [
        (90, 50)
    ]
    assert direction_marks([[24.93, lat], [24.93, lat + 30 * north]]) == []  # under 40 m
    assert direction_marks([[24.93, lat]]) == []


def test_a_unit_that_never_leaves_is_not_said_to_be_back(plan):
    kpis = copy.deepcopy(plan.kpis)
    kpis["routes"]["per_officer"][1].update(dwells=0, km_walked=0.0)
    idle = dataclasses.replace(plan, kpis=kpis)
    lines = [line for line in kpi_table(idle).splitlines() if line.lstrip().startswith("officer")]
    assert "0.00 km, 0 dwells, " in lines[1]
    assert lines[1].endswith(", at the station all shift (no stop left to make)")
    assert " back " in lines[0]
    html = plan_files(idle)["briefing.html"].decode()
    assert html.count("at the station all shift: no stop left to make, free for calls") == 1
    assert html.count("back at the station") == len(plan.routes) - 1


def test_a_map_without_stops_has_no_stop_in_its_legend(plan):
    route = plan.routes[0]
    legs = tuple(
        dataclasses.replace(leg, kind="wait", presence=0.0) if leg.kind == "dwell" else leg
        for leg in route.legs
    )
    walking = dataclasses.replace(
        plan, routes=(dataclasses.replace(route, legs=legs), *plan.routes[1:])
    )
    sections = plan_files(walking)["briefing.html"].decode().split('<section class="unit">')[1:]
    legends = [section.split('<g class="legend">')[1] for section in sections]
    assert ">stops in order<" not in legends[0]  # the unit walks only: no stop to explain
    assert all(">stops in order<" in legend for legend in legends[1:])


def test_briefing_says_where_the_risk_comes_from(plan):
    import html as markup

    html = plan_files(plan)["briefing.html"].decode()
    (station,) = plan.kpis["routes"]["stations"]  # and where the units start, first
    assert f"<table>\n  <tr><th>Station</th><td>{markup.escape(station['place'])}</td></tr>" in html
    features = sum(plan.risk.parameters["features"].values())
    assert f"<th>Risk from</th><td>risk terrain: {features:,} OSM features" in html
    assert all(note in html for note in plan.risk.notes)
    # incidents: what weighs them, and the all-hours fallback said in place of time of day
    params = {"incidents_used": 4363, "max_snap_m": 100.0, "harm_weighted": True}
    params |= {"tod_bandwidth_h": 1.5, "half_life_days": 365.0, "window_fallback": False}
    params |= {"incidents_with_time": 4000, "incidents_with_day": 4363, "incidents_dated": 4363}
    assert risk_source("incidents", params) == (
        "4,363 incidents within 100 m of the streets, weighted by harm, time of day (±1.5 h "
        "around the shift), day of week and age (half-life 365 days)"
    )
    months = params | {"incidents_with_time": 0, "incidents_with_day": 0}  # UK files
    assert risk_source("incidents", months).endswith("by harm and age (half-life 365 days)")
    undated = months | {"incidents_dated": 0, "harm_weighted": False}
    assert risk_source("incidents", undated) == "4,363 incidents within 100 m of the streets"
    own = params | {"harm_weights_days": {"robbery": 500.0}}
    own |= {"type_categories": {"a.csv": {"Shoplifting": "robbery"}}}
    assert risk_source("incidents", own).endswith(
        "age (half-life 365 days); harm set in the scenario: robbery 500 days, Shoplifting "
        "counted as robbery"
    )
    fell_back = risk_source("incidents", params | {"window_fallback": True})
    assert "time of day" not in fell_back
    assert fell_back.endswith(
        "none lies near the shift's hours, so every hour of the day counts alike"
    )


def test_a_walking_unit_is_placed_on_the_street_under_its_feet(plan):
    route = plan.routes[0]
    walk = next(leg for leg in route.legs if leg.kind == "walk" and len(leg.segments) >= 3)
    segments = plan.graph.segments
    lengths = segments["length_m"].to_numpy()[list(walk.segments)]
    # halfway along the walk's second street, by the clock at the patrol pace
    middle_m = lengths[0] + lengths[1] / 2
    at_s = walk.start_s + middle_m / lengths.sum() * (walk.end_s - walk.start_s)
    name = segments["name"].to_numpy()[walk.segments[1]]
    if isinstance(name, str) and name:
        assert plan.walking_at(route, at_s) == f"on {name}"
    # on a path without a name, the place it comes to next
    leg, k = next(
        (leg, k)
        for leg in route.legs
        if leg.kind == "walk"
        for k, s in enumerate(leg.segments)
        if not isinstance(segments["name"].to_numpy()[s], str)
    )
    lengths = segments["length_m"].to_numpy()[list(leg.segments)]
    share = (lengths[:k].sum() + lengths[k] / 2) / lengths.sum()
    ahead = int(segments["u" if leg.reversed[k] else "v"].to_numpy()[leg.segments[k]])
    said = plan.walking_at(route, leg.start_s + share * (leg.end_s - leg.start_s))
    assert said == plan.places.get(ahead, place_names(plan.graph, [ahead])[ahead])
    assert said.startswith("near ") or " / " in said or ", " in said
    dwell = route.dwells[0]
    assert plan.walking_at(route, (dwell.start_s + dwell.end_s) / 2) is None  # stopping


def test_crowded_stop_marks_move_aside_and_lead_back_to_their_place():
    from planner.briefing import MAP_H, MAP_W, _apart

    marks = _apart(
        [(100.0, 100.0, "1,5"), (104.0, 101.0, "2"), (100.0, 100.0, "3"), (300, 50, "4")]
    )
    assert [(m.mark_x, m.mark_y) for m in (marks[0], marks[3])] == [(100.0, 100.0), (300, 50)]
    assert [m.moved for m in marks] == [False, True, True, False]
    for a, b in itertools.combinations(marks, 2):  # none hides another
        assert math.hypot(a.mark_x - b.mark_x, a.mark_y - b.mark_y) >= a.r + b.r
    assert all(math.hypot(m.mark_x - m.x, m.mark_y - m.y) < 80 for m in marks)  # close by
    assert [(m.x, m.y) for m in marks[1:3]] == [(104.0, 101.0), (100.0, 100.0)]  # places kept
    # a stop at the station moves aside: the station's square stays in sight
    (at_station,) = _apart([(200.0, 150.0, "1,4,9")], [(200.0, 150.0)])
    assert at_station.moved
    assert math.hypot(at_station.mark_x - 200.0, at_station.mark_y - 150.0) >= at_station.r + 9
    corner = _apart([(MAP_W - 5, 5.0, "1"), (MAP_W - 5, 5.0, "2")])  # crowded in a corner
    assert all(
        m.r <= m.mark_x <= MAP_W - m.r and m.r <= m.mark_y <= MAP_H - m.r for m in corner[1:]
    )


def test_a_no_go_zones_name_stays_inside_the_zone_and_the_map():
    from planner.briefing import _Zone

    assert _Zone(100.0, 100.0, 40.0, "Embassy").label_at == (100.0, 100.0)
    x, y = _Zone(-30.0, 200.0, 120.0, "Embassy").label_at  # centre off the map: inside its edge
    assert math.hypot(x + 30.0, y - 200.0) <= 120.0 - 11.9 and x >= 20.0
    assert _Zone(-30.0, 200.0, 50.0, "Embassy").label_at is None  # barely reaches in: no name


def test_the_back_early_row_runs_from_the_units_return_to_the_end_of_its_time(plan):
    ends = tuple((r.legs[-1].to_node, r.end_s + 1800.0) for r in plan.routes)
    ends = tuple((int(plan.graph.node_index([n])[0]), s) for n, s in ends)
    early = dataclasses.replace(plan, patrol=dataclasses.replace(plan.patrol, ends=ends))
    html = plan_files(early)["briefing.html"].decode()
    for route in plan.routes:  # back at the station, then free until 30 min later
        back, end = plan.at(route.end_s), plan.at(route.end_s + 1800.0)
        row = f'<td class="t">{back:%H:%M}</td><td class="t">{end:%H:%M}</td>'
        assert f'{row}<td class="what">at station, free for calls</td>' in html


def test_a_plan_without_areas_leaves_no_neighbourhoods_csv_of_the_plan_before(plan, tmp_path):
    write_plan(plan, tmp_path)
    assert (tmp_path / "neighbourhoods.csv").is_file()
    kpis = {**plan.kpis, "neighbourhoods": {**plan.kpis["neighbourhoods"], "areas": []}}
    names = [p.name for p in write_plan(dataclasses.replace(plan, kpis=kpis), tmp_path)]
    assert "neighbourhoods.csv" not in names
    assert not (tmp_path / "neighbourhoods.csv").exists()  # not the earlier plan's areas


def test_a_pair_counts_twice_in_the_officer_minutes_of_an_area(plan):
    from planner.neighbourhoods import exposure

    officers = plan.scenario.officers.model_copy(update={"count": 4, "unit_size": 2})
    scenario = plan.scenario.model_copy(update={"officers": officers})
    pairs = exposure(dataclasses.replace(plan, scenario=scenario))  # the same routes, walked by 2
    on_street = sum(
        leg.end_s - leg.start_s
        for route in plan.routes
        for leg in route.legs
        if leg.kind in ("walk", "dwell", "wait", "reserve")
    )
    back_early = sum(max(plan.back_early_s(route), 0.0) for route in plan.routes)
    assert back_early > 60  # a unit back early: free for calls at the station, and counted
    # two officers per route: 2 x the minutes the routes spend on the streets, until their end
    officer_s = 2 * (on_street + back_early)
    assert sum(a["officer_min"] for a in pairs) == pytest.approx(officer_s / 60, abs=0.05)
    singles = {a["neighbourhood"]: a["officer_min"] for a in exposure(plan)}
    assert all(
        a["officer_min"] == pytest.approx(2 * singles[a["neighbourhood"]], abs=0.02) for a in pairs
    )


def test_a_replan_counts_the_stops_made_before_it(plan, area, tmp_path):
    from planner.rest_of_shift import replan

    write_plan(plan, tmp_path)
    solver = plan.scenario.solver.model_copy(update={"time_limit_s": 1, "route_iterations": 1})
    short = plan.scenario.model_copy(update={"solver": solver})
    again = replan(short, tmp_path / "routes.json", dt.time(20, 0), area=area)
    # stops begun by 20:00, two hours into the shift (one under way is finished), all units
    made = [leg for route in plan.routes for leg in route.dwells if leg.start_s < 2 * 3600]
    assert len(made) > len(plan.routes)  # more stops than units
    assert again.kpis["replan"]["stops_kept"] == len(made)


def test_briefing_maps_draw_north_up_and_east_to_the_right(plan):
    section = _first_unit_page(plan)
    per_m = _scale_of(section)
    sx, sy = (
        float(v) + 6
        for v in re.search(r'class="station" x="([\d.]+)" y="([\d.]+)"', section).groups()
    )
    route = plan.routes[0]
    nodes = plan.graph.nodes
    station = nodes.loc[route.legs[0].from_node]
    offsets = []  # (north, east) of each stop from the station: on the ground (m), on the map
    for group in re.findall(r'<g class="stop">(.*?)</g>', section):
        # a mark moved aside leads to its place, drawn as a dot (class "at")
        cx, cy = re.search(r'<circle (?:class="at" )?cx="([\d.]+)" cy="([\d.]+)"', group).groups()
        number = int(re.search(r"<text [^>]*>(\d+)", group).group(1))
        stop = nodes.loc[route.dwells[number - 1].to_node]
        north_m = (stop["lat"] - station["lat"]) * 111_320.0
        east_m = (stop["lon"] - station["lon"]) * 111_320.0 * math.cos(math.radians(stop["lat"]))
        offsets.append(((north_m, east_m), (sy - float(cy), float(cx) - sx)))
    # SVG y grows down the page: a stop north of the station is drawn above it
    norths = [(ground[0] * per_m, drawn[0]) for ground, drawn in offsets if abs(ground[0]) > 20]
    easts = [(ground[1] * per_m, drawn[1]) for ground, drawn in offsets if abs(ground[1]) > 20]
    assert norths and easts
    assert all(drawn == pytest.approx(want, rel=0.05, abs=1.0) for want, drawn in norths)
    assert all(drawn == pytest.approx(want, rel=0.05, abs=1.0) for want, drawn in easts)


def test_hot_spots_dosed_counts_each_hot_spot_once_however_many_its_stops(plan):
    stops = [leg for route in plan.routes for leg in route.dwells]
    spots = {int(leg.hotspot) for leg in stops}
    routes = plan.kpis["routes"]
    assert routes["stops"] == len(stops)
    assert routes["hotspots_dosed"] == len(spots)
    assert len(spots) < len(stops)  # a hot spot with a repeat stop counts once
    said = rf"hot spots dosed +{len(spots)} of {routes['hotspots']}, "
    assert re.search(said, kpi_table(plan))


def test_gpx_stop_waypoints_give_each_stops_length_as_the_schedule_does(plan):
    files = plan_files(plan)
    schedule = pd.read_csv(io.BytesIO(files["schedule.csv"]), encoding="utf-8-sig")
    for route in plan.routes:
        gpx = gpxpy.parse(files[f"officer_{route.officer}.gpx"].decode())
        said = [w.description for w in gpx.waypoints if w.type == "dwell"]
        stops = schedule.query(f"officer == {route.officer}").dropna(subset=["stop"])
        assert said == [f"stop {int(r.stop)}, {r.action}" for r in stops.itertuples()]
        minutes = [round((leg.end_s - leg.start_s) / 60) for leg in route.dwells]
        assert [int(d.split()[-2]) for d in said] == minutes


def test_geojson_stops_arrive_and_last_as_the_schedule_says(plan):
    files = plan_files(plan)
    schedule = pd.read_csv(io.BytesIO(files["schedule.csv"]), encoding="utf-8-sig")
    stops = schedule.dropna(subset=["stop"])
    features = json.loads(files["plan.geojson"])["features"]
    dwells = [f["properties"] for f in features if f["properties"]["layer"] == "dwell"]
    mapped = sorted((d["officer"], d["stop"], d["arrive"], d["minutes"]) for d in dwells)
    rows = sorted((r.officer, int(r.stop), r.start, r.minutes) for r in stops.itertuples())
    assert [m[:3] for m in mapped] == [r[:3] for r in rows]
    assert [m[3] for m in mapped] == pytest.approx([r[3] for r in rows], abs=0.02)


def test_briefing_timetables_give_each_stop_the_schedules_start_and_end(plan):
    html = plan_files(plan)["briefing.html"].decode()
    row = re.compile(
        r'<tr><td class="t">(\d\d:\d\d)</td><td class="t">(\d\d:\d\d)</td>'
        r'<td class="what">stop (\d+): \d+ min</td>'
    )
    pages = html.split("<section")[1:]  # one per unit, in order
    schedule = plan.to_frame()
    for route, page in zip(plan.routes, pages, strict=True):
        stops = schedule[(schedule["officer"] == route.officer) & schedule["stop"].notna()]
        times = [(r.start[11:16], r.end[11:16], str(r.stop)) for r in stops.itertuples()]
        assert row.findall(page) == times


def test_each_variant_is_searched_with_the_stops_of_the_plans_before_it_made_less_attractive(
    plan,
):
    from planner.variants import variants

    solver = plan.scenario.solver.model_copy(update={"route_iterations": 5})
    quick = dataclasses.replace(plan, scenario=plan.scenario.model_copy(update={"solver": solver}))
    found = variants(quick, 3, within=1.0)  # every variant within reach: one search each
    used = np.zeros((len(plan.hotspots), plan.patrol.hours()))
    for before, variant in itertools.pairwise(found):
        for route in before.routes:
            for leg in route.dwells:
                used[leg.hotspot, plan.patrol.hour_of(leg.start_s)] += 1
        # each stop (hot spot, hour) of the plans before weighs half as much, up to three times
        assert variant.patrol.search_weight == pytest.approx(0.5 ** np.minimum(used, 3))
    assert used.max() >= 2  # the third variant saw stops repeated by the second


def test_variant_overlap_counts_a_stop_at_the_same_hot_spot_in_the_same_hour_as_repeated(plan):
    from planner.variants import overlap

    def moved(seconds_of):
        routes = tuple(
            dataclasses.replace(
                r,
                legs=tuple(
                    dataclasses.replace(leg, start_s=seconds_of(leg.start_s))
                    if leg.kind == "dwell"
                    else leg
                    for leg in r.legs
                ),
            )
            for r in plan.routes
        )
        return dataclasses.replace(plan, routes=routes)

    # the same hot spots, each stop a few minutes earlier or later in its hour
    same_hour = moved(lambda s: s // 3600 * 3600 + 3599 - s % 3600)
    assert overlap(plan, same_hour)["stops"] == 1.0
    next_day = moved(lambda s: s + 24 * 3600)  # the same hot spots at hours the plan has none
    assert overlap(plan, next_day) == {"stops": 0.0, "hot spots": 1.0, "streets": 1.0}


def test_the_areas_street_km_add_up_to_the_streets_of_the_plan(plan):
    areas = plan.kpis["neighbourhoods"]["areas"]
    total_km = plan.graph.segments["length_m"].sum() / 1000
    assert sum(a["street_km"] for a in areas) == pytest.approx(total_km, abs=0.001 * len(areas))


def test_the_briefing_names_incident_files_by_their_names_not_their_paths():
    from planner.briefing import _named_by_file

    paths = [Path("/home/analyst/data/calls.csv"), Path("/home/analyst/data/calls.csv.gz")]
    notes = ["/home/analyst/data/calls.csv.gz: 12 rows without coordinates left out"]
    assert _named_by_file(notes, paths) == ["calls.csv.gz: 12 rows without coordinates left out"]


def test_geojson_streets_give_their_risk_per_km_of_their_length(plan):
    features = json.loads(plan_files(plan)["plan.geojson"])["features"]
    streets = [f["properties"] for f in features if f["properties"]["layer"] == "segment"]
    lengths_km = plan.graph.segments["length_m"].to_numpy() / 1000
    per_km = plan.risk.segment_risk / lengths_km
    assert [s["risk_per_km"] for s in streets] == pytest.approx(per_km.tolist(), abs=1e-6)


def test_each_areas_share_of_officer_minutes_is_its_minutes_over_all(plan):
    areas = plan.kpis["neighbourhoods"]["areas"]
    total = sum(a["officer_min"] for a in areas)
    shares = [a["officer_min"] / total for a in areas]
    assert [a["officer_min_share"] for a in areas] == pytest.approx(shares, abs=1e-5)


def test_a_units_end_station_waypoint_is_timed_when_it_gets_there(plan):
    from planner.export import to_gpx

    route = plan.routes[1]
    elsewhere = int(plan.graph.nodes.index[0])
    last = dataclasses.replace(route.legs[-1], to_node=elsewhere)
    away = dataclasses.replace(route, legs=(*route.legs[:-1], last))
    ends = dataclasses.replace(
        plan, routes=(plan.routes[0], away), places=plan.places | {elsewhere: "X"}
    )
    wgs84 = plan.graph.segments.geometry.to_crs("EPSG:4326")
    gpx = gpxpy.parse(to_gpx(ends, away, wgs84))
    (end,) = [w for w in gpx.waypoints if w.name == "End station"]
    assert end.time == plan.at_second(away.end_s).astimezone(dt.UTC)
    timed = [w for w in gpx.waypoints if w.time is not None]
    assert timed[-1] is end  # the last place the unit reaches


def test_a_variant_below_the_share_is_searched_again_with_its_penalty_halved_down_to_a_sixteenth(
    plan,
):
    from planner.variants import variants

    solver = plan.scenario.solver.model_copy(update={"route_iterations": 5})
    routes = {**plan.kpis["routes"], "presence_min": 1.5 * plan.kpis["routes"]["presence_min"]}
    beyond = dataclasses.replace(  # a first plan no variant can come within 5 % of
        plan,
        scenario=plan.scenario.model_copy(update={"solver": solver}),
        kpis={**plan.kpis, "routes": routes},
    )
    with pytest.warns(PlannerWarning, match="variant 2 reaches .* cut to 1/16"):
        _, second = variants(beyond, 2, within=0.05)
    used = np.zeros((len(plan.hotspots), plan.patrol.hours()))
    for route in plan.routes:
        for leg in route.dwells:
            used[leg.hotspot, plan.patrol.hour_of(leg.start_s)] += 1
    # four searches, the penalty 1/2, 1/4, 1/8, then 1/16 of a stop's value per repeat
    assert second.patrol.search_weight == pytest.approx((1 - 1 / 16) ** np.minimum(used, 3))


def test_each_areas_presence_per_risk_is_its_share_of_presence_over_its_share_of_risk(plan):
    areas = [a for a in plan.kpis["neighbourhoods"]["areas"] if a["risk_share"] > 0]
    ratios = [a["presence_share"] / a["risk_share"] for a in areas]
    assert [a["presence_per_risk"] for a in areas] == pytest.approx(ratios, rel=1e-3, abs=1e-3)
    assert any(0 < r < 1 for r in ratios) and any(r > 1 for r in ratios)  # some under, some over


def test_a_replan_refuses_a_plan_made_for_a_shift_ending_at_another_time(plan, area, tmp_path):
    from planner.errors import ScenarioError
    from planner.rest_of_shift import replan

    write_plan(plan, tmp_path)
    shift = plan.scenario.shift.model_copy(update={"end": dt.time(1, 0)})
    shorter = plan.scenario.model_copy(update={"shift": shift})
    with pytest.raises(ScenarioError, match=r"the plan being followed is for the shift .* to "):
        replan(shorter, tmp_path / "routes.json", dt.time(20, 0), area=area)


def test_a_route_back_a_fraction_of_a_second_early_reads_as_back_at_the_shifts_end(plan):
    from planner.clock import clock_at, shift_seconds

    end_s = shift_seconds(plan.shift_start, plan.shift_end)
    assert plan.at_second(end_s - 0.2) == plan.shift_end  # rounded, not cut to 01:59:59
    assert plan.at_second(end_s - 0.6) == plan.shift_end - dt.timedelta(seconds=1)
    assert clock_at(plan.shift_start, end_s - 0.2) == f"{plan.shift_end:%H:%M}"
    route = plan.routes[0]
    last = dataclasses.replace(route.legs[-1], end_s=end_s - 0.2)
    short = dataclasses.replace(route, legs=(*route.legs[:-1], last))
    early = dataclasses.replace(plan, routes=(short, *plan.routes[1:]))
    early = dataclasses.replace(early, kpis=compute_kpis(early))
    end = plan.shift_end.isoformat()
    (figures,) = [o for o in early.kpis["routes"]["per_officer"] if o["officer"] == short.officer]
    assert figures["back_at_station"] == end
    schedule = early.to_frame()
    rows = schedule[schedule[early.unit_word] == short.officer]
    assert rows["end"].iloc[-1] == end and rows["action"].iloc[-1] == "walk back to station"
    page = plan_files(early)["briefing.html"].decode().split('<section class="unit">')[1]
    assert f"back at the station {plan.shift_end:%H:%M}" in page
