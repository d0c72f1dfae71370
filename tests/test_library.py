"""The library as a script uses it: wrong arguments said plainly, plans that print short."""

import dataclasses
import json

import numpy as np
import pytest

from planner.errors import ExportError, PlannerWarning, ScenarioError
from planner.export import write_plan
from planner.pipeline import load_area, run
from planner.scenario import parse_scenario, with_overrides
from planner.staffing import compare_staffing

from .conftest import ROOT

DEFAULT = ROOT / "scenarios" / "helsinki_default.yaml"


def small(tmp_path, **area):
    data = {
        "name": "script",
        "area": {"source": "embedded", **area},
        "shift": {"date": "2026-12-04", "start": "18:00", "end": "20:00"},
        "officers": {"count": 1, "station": {"lat": 60.1699, "lon": 24.9384}},
        "posts": {"count": 0},
        "solver": {"time_limit_s": 5, "route_iterations": 20},
    }
    return parse_scenario(data, "script", tmp_path)


@pytest.mark.parametrize("given", [str(DEFAULT), DEFAULT, {"name": "x"}, None])
def test_a_scenario_not_yet_read_is_refused_with_the_function_that_reads_it(given):
    how = "load_scenario" if given is not None and not isinstance(given, dict) else "parse_scenario"
    for call in (run, load_area, lambda s: with_overrides(s, {}, "script")):
        with pytest.raises(TypeError, match=rf"takes a Scenario, not a \w+; .*{how}\("):
            call(given)
    with pytest.raises(TypeError, match=r"compare_staffing\(\) takes a Scenario"):
        compare_staffing(given, [1, 2])


@pytest.mark.parametrize("counts", ["2,4", b"2,4", 4, [], [2, 4.5], [True, 2]])
def test_staffing_counts_must_be_whole_numbers(tmp_path, counts):
    with pytest.raises(TypeError, match=r"whole officer counts, e\.g\. \[2, 4, 6\]"):
        compare_staffing(small(tmp_path), counts)  # refused before any cluster starts


def test_staffing_counts_may_come_from_any_iterable():
    from planner.staffing import _whole_counts

    assert _whole_counts(n for n in (4, 2, 4)) == [2, 4]  # a generator is read once
    assert _whole_counts(np.arange(2, 7, 2)) == [2, 4, 6]
    assert _whole_counts(range(1, 3)) == [1, 2]


def test_a_plan_or_an_area_of_the_wrong_kind_is_refused(tmp_path, two_officer_plan):
    scenario = small(tmp_path)
    with pytest.raises(TypeError, match=r"area is an Area from load_area\(scenario\), not a str"):
        run(scenario, area="embedded")
    with pytest.raises(TypeError, match=r"write_plan\(\) takes a Plan .*, not a Scenario"):
        write_plan(scenario, tmp_path)
    dwell = two_officer_plan.routes[0].dwells[0]
    assert dwell.spot == dwell.hotspot
    walk = next(leg for leg in two_officer_plan.routes[0].legs if leg.kind == "walk")
    with pytest.raises(ValueError, match="a walk leg stands at no hot spot"):
        walk.spot  # noqa: B018


def test_an_area_loaded_for_another_scenario_is_refused_not_planned_on(tmp_path):
    area = load_area(small(tmp_path))
    part = small(tmp_path, bbox_deg=[24.935, 60.165, 24.950, 60.172])
    with pytest.raises(ScenarioError, match=r"loaded for embedded, and the scenario's .* bbox_deg"):
        run(part, area=area)
    assert run(part, area=load_area(part)).graph.segments.shape[0] < len(area.graph.segments)


def test_a_plan_prints_as_one_line_and_writes_to_its_scenarios_folder(
    two_officer_plan, tmp_path, monkeypatch
):
    plan = two_officer_plan
    said = repr(plan)
    stats = plan.routes_stats
    assert "\n" not in said and len(said) < 200
    assert said.startswith("<Plan helsinki_default: ") and "2 officers on foot" in said
    assert f"presence {plan.kpis['routes']['presence_min']:.3f} ({stats.status}" in said
    assert str(plan) == said
    # built in code without output_dir: out/<name> under the working folder
    monkeypatch.chdir(tmp_path)
    loose = dataclasses.replace(
        plan, scenario=plan.scenario.model_copy(update={"output_dir": None})
    )
    written = write_plan(loose)
    assert (tmp_path / "out" / "helsinki_default" / "kpis.json").resolve() in {
        p.resolve() for p in written
    }
    # a folder holding another scenario's plan is refused, as the command line refuses it
    other = dataclasses.replace(
        loose, scenario=loose.scenario.model_copy(update={"name": "another"})
    )
    with pytest.raises(ExportError, match=r"holds the plan of scenario 'helsinki_default'"):
        write_plan(other, "out/helsinki_default")
    kpis = json.loads((tmp_path / "out/helsinki_default/kpis.json").read_text(encoding="utf-8"))
    assert kpis["scenario"] == "helsinki_default"


def test_a_warning_is_said_at_the_scripts_own_line_not_the_librarys(tmp_path):
    calls = tmp_path / "calls.csv"
    rows = [f"24.94{i},60.16{i},2020-01-0{i} 19:00,theft" for i in range(1, 6)]
    calls.write_text("\n".join(["lon,lat,date,type", *rows, ",,2020-01-09,theft"]) + "\n")
    mapping = {"x_col": "lon", "y_col": "lat", "time_col": "date", "type_col": "type"}
    plain = small(tmp_path)
    with_calls = with_overrides(
        plain, {"incidents": [{"path": str(calls), "schema": "generic", **mapping}]}, "script"
    )
    with pytest.warns(PlannerWarning) as caught:
        run(with_calls, area=load_area(plain))
    said = [str(w.message) for w in caught]
    assert any("dropped: 1 without coordinates" in text for text in said), said
    assert {w.filename for w in caught} == {__file__}  # not pipeline.py, risk.py, ...


def test_the_names_a_script_needs_are_at_the_top_and_load_when_used():
    import subprocess
    import sys

    import planner
    import planner.pipeline
    import planner.scenario

    assert set(planner.__all__) == {"__version__", *planner._PUBLIC}
    for name, module in planner._PUBLIC.items():
        assert getattr(planner, name) is getattr(sys.modules[module], name), name
    assert planner.run is planner.pipeline.run and "load_scenario" in dir(planner)
    with pytest.raises(AttributeError, match="no attribute 'plan_it'"):
        planner.plan_it  # noqa: B018
    fresh = "import sys, planner; print('planner.pipeline' in sys.modules)"
    quick = subprocess.run(
        [sys.executable, "-c", fresh], capture_output=True, text=True, check=True
    )
    assert quick.stdout.strip() == "False"  # the solvers load on first use, not on import


def test_the_plans_layers_are_a_geodataframe_as_plan_geojson_holds_them(two_officer_plan):
    from planner.export import plan_features, plan_files

    plan = two_officer_plan
    layers = plan_features(plan)
    assert layers.crs.to_epsg() == 4326
    routes = layers[layers["layer"] == "route"]
    assert sorted(routes["officer"]) == [1, 2]
    assert (layers["layer"] == "dwell").sum() == plan.kpis["routes"]["stops"]
    assert (layers["layer"] == "segment").sum() == len(plan.graph.segments)
    written = json.loads(plan_files(plan)["plan.geojson"])
    assert [f["properties"]["layer"] for f in written["features"]] == layers["layer"].tolist()
