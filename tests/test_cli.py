import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import gpxpy
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.followed import newest_replan

from .conftest import ROOT, cli, shared_file

CLI = [sys.executable, "-m", "planner.cli"]


def cli_process(*args, cwd=ROOT):
    """The command line as a user runs it: a new Python process."""
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def plan_two_officers(scenario, out, *extra, run=cli):
    return run("plan", scenario, "--officers", "2", "--out", str(out), "--time-limit", "2", *extra)


@pytest.mark.slow
def test_plan_default_end_to_end(tmp_path):
    out = tmp_path / "plan"
    result = plan_two_officers("scenarios/helsinki_default.yaml", out, run=cli_process)
    assert result.returncode == 0, result.stderr
    assert "presence (risk x min)" in result.stdout
    # without incidents the risk is a guess from OSM venues, and the table says so
    assert re.search(
        r"risk model +terrain: OSM venues with default weights, an informed guess", result.stdout
    )
    assert "seconds: routes" in result.stdout
    assert re.search(r"exposure by area +5 areas: OSM place labels", result.stdout)
    assert re.search(r"^station +station \(near Kaivokatu", result.stdout, re.M)  # all start there
    assert sorted(p.name for p in out.iterdir()) == [
        "briefing.html",
        "kpis.json",
        "neighbourhoods.csv",
        "officer_1.gpx",
        "officer_2.gpx",
        "plan.geojson",
        "routes.json",
        "schedule.csv",
    ]
    with (out / "officer_1.gpx").open() as file:  # a device lists waypoints by name: in order
        stops = [w.name for w in gpxpy.parse(file).waypoints if w.type == "dwell"]
    assert len(stops) >= 10 and stops[0].startswith("01: ")
    assert sorted(stops) == stops
    # Re-plan at 20:00 with unit 2 called away to the railway station square.
    again = cli_process(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "20:00",
        "--position", "2=60.1712,24.9414", "--time-limit", "2", "--quiet",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "routes: presence" not in again.stderr  # --quiet: no step lines, as for plan
    assert re.search(r"re-planned +at 20:00: the rest of the shift for every officer", again.stdout)
    assert re.search(r"officer 2 +call for service \d\d:\d\d-20:00, to 60\.17", again.stdout)
    # the whole shift, as planned and as re-planned, side by side
    change = re.search(
        r"presence \(risk x min\) +([\d.]+) -> ([\d.]+) \(([+-][\d.]+)\)", again.stdout
    )
    planned = json.loads((out / "kpis.json").read_text())["routes"]["presence_min"]
    replanned = json.loads((out / "replan_2000" / "kpis.json").read_text())["routes"]
    assert change and float(change[1]) == pytest.approx(planned, abs=1e-3)
    assert float(change[2]) == pytest.approx(replanned["presence_min"], abs=1e-3)
    assert float(change[3]) == pytest.approx(float(change[2]) - float(change[1]), abs=2e-3)
    assert ("presence rose: the re-plan's own search" in again.stdout) == (
        replanned["presence_min"] > planned
    )
    schedule = pd.read_csv(out / "replan_2000" / "schedule.csv")
    before = pd.read_csv(out / "schedule.csv")
    day = before["start"].iloc[0][:10]  # the next Friday
    call = schedule[schedule["action"].str.startswith("call for service")]
    assert list(call["officer"]) == [2] and call["end"].iloc[0].endswith("T20:00:00+02:00")
    assert call["lat"].iloc[0] == pytest.approx(60.1712, abs=5e-4)
    for unit in (1, 2):
        old = before[(before["officer"] == unit) & (before["end"] <= f"{day}T20:00:00")]
        new = schedule[schedule["officer"] == unit].head(len(old) - 1)
        assert list(new["action"]) == list(old["action"])[: len(new)]  # the past is kept
    assert (schedule["start"] > f"{day}T20:00:00").any()
    briefing = (out / "replan_2000" / "briefing.html").read_text()
    assert "<h1>Foot-patrol briefing: helsinki_default, re-planned at 20:00</h1>" in briefing
    assert "re-planned" not in (out / "briefing.html").read_text()
    mark = '<tr class="mark"><td class="t">20:00</td><td colspan="3">re-planned here: the rows'
    assert briefing.count(mark) == 2  # each unit's timetable: done above, ahead below
    assert "on duty" not in briefing  # the units work the shift's hours, re-planned or not
    kpis = json.loads((out / "replan_2000" / "kpis.json").read_text())
    routes_kpis = kpis["routes"]
    assert kpis["replan"]["at"].endswith("T20:00:00+02:00")
    assert [c["unit"] for c in kpis["replan"]["calls"]] == [2]
    assert json.loads((out / "kpis.json").read_text())["replan"] is None
    # the solve figures are the whole shift's, like the presence beside them
    assert routes_kpis["solver"]["objective"] == pytest.approx(routes_kpis["presence_min"])
    # the way to the call was not walked: the track breaks there, and the line drawn is km long
    gpx = gpxpy.parse((out / "replan_2000" / "officer_2.gpx").read_text())
    assert len(gpx.tracks[0].segments) == 2
    (called,) = [w for w in gpx.waypoints if w.type == "call"]  # and a waypoint marks the call
    assert called.name == "Call for service" and called.latitude == pytest.approx(60.1712, abs=5e-4)
    assert (
        len(gpxpy.parse((out / "replan_2000" / "officer_1.gpx").read_text()).tracks[0].segments)
        == 1
    )
    lines = gpd.read_file(out / "replan_2000" / "plan.geojson").query("layer == 'route'")
    line = lines.set_index("officer").loc[2]
    assert line.geometry.geom_type == "MultiLineString"
    drawn_km = gpd.GeoSeries([line.geometry], crs=4326).to_crs(3067).length.iloc[0] / 1000
    assert drawn_km == pytest.approx(line["km"], rel=0.02)
    assert routes_kpis["solver"]["bound"] >= routes_kpis["presence_min"]
    bad = cli("replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "25:00")
    assert bad.returncode == 2 and "give a local clock time as HH:MM" in bad.stderr
    late = cli("replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "03:00")
    assert_clean_failure(late, "re-planning at 03:00 is outside the plan being followed (18:00")
    swapped = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "20:05",
        "--position", "2=95,24.94",
    )  # fmt: skip
    assert_clean_failure(swapped, "unit 2: (95.0, 24.94) is not a latitude, longitude pair")
    flipped = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "20:05",
        "--position", "2=24.9414,60.1712",
    )  # fmt: skip
    assert_clean_failure(
        flipped, "lat and lon look swapped: give it as 60.1712,24.9414 (latitude first)"
    )
    missing = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(tmp_path), "--at", "20:05"
    )
    assert missing.returncode == 2 and "no such plan file" in missing.stderr
    (tmp_path / "afile").write_text("kept")
    blocked = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "20:05",
        "--out", str(tmp_path / "afile"),
    )  # fmt: skip
    assert_clean_failure(blocked, "is a file, not a folder; choose another folder (--out)")
    after = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "20:05",
        "--position", "2=60.1712,24.9414@20:30",
    )  # fmt: skip
    assert_clean_failure(after, "unit 2 left the plan at 20:30, after the re-plan at 20:05")
    twice = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "20:05",
        "--position", "2=60.1712,24.9414", "--position", "2=60.1690,24.9384",
    )  # fmt: skip
    assert_clean_failure(twice, "--position: unit 2 is given twice")
    stranger = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "20:05",
        "--position", "7=60.1712,24.9414",
    )  # fmt: skip
    assert_clean_failure(stranger, "a position is given for unit 7, but the plan being followed")
    for given, fragment in [
        ("a=60.1712,24.9414", "give UNIT=LAT,LON in degrees"),
        ("2=60.1712,24.9414@", "the time after @ '': give a local clock time as HH:MM"),
        ("2=60.1712,24.9414@19.30", "the time after @ '19.30': give a local clock time"),
    ]:
        wrong = cli(
            "replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "20:05",
            "--position", given,
        )  # fmt: skip
        assert_clean_failure(wrong, fragment)
    # the plan followed must come from this scenario, its hours and its stations
    text = (out / "routes.json").read_text(encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    for folder, (old, new), message in [
        ("name", ('"helsinki_default"', '"tampere_night"'), "made from scenario 'tampere_night'"),
        ("hours", ("T18:00:00", "T19:00:00"), "the plan being followed is for the shift"),
    ]:
        (other / folder).mkdir()
        (other / folder / "routes.json").write_text(text.replace(old, new, 1), encoding="utf-8")
        if folder == "name":  # its re-plan folder left from before: the plan's scenario is named
            (other / folder / "replan_2005").mkdir()
            (other / folder / "replan_2005" / "routes.json").write_text(
                text.replace(old, new, 1), encoding="utf-8"
            )
        result = cli(
            "replan", "scenarios/helsinki_default.yaml", "--plan", str(other / folder),
            "--at", "20:05",
        )  # fmt: skip
        assert_clean_failure(result, message)
    # a plan over the night the clocks go back: a time they show twice must say which
    autumn = json.loads(text) | {
        "shift_start": "2026-10-24T22:00:00+03:00",
        "shift_end": "2026-10-25T06:00:00+02:00",
    }
    (other / "autumn").mkdir()
    (other / "autumn" / "routes.json").write_text(json.dumps(autumn), encoding="utf-8")
    for at, message in [
        ("03:30", "--at '03:30': the clocks show 03:30 twice that night, as they go back (03:30 "
         "EEST, then 03:30 EET an hour later); say which, as '03:30 EEST' or '03:30 EET'"),
        ("03:30 CET", "not on CET at 03:30 that night; give '03:30 EEST' or '03:30 EET'"),
    ]:  # fmt: skip
        result = cli(
            "replan", "scenarios/helsinki_default.yaml", "--plan", str(other / "autumn"),
            "--at", at,
        )  # fmt: skip
        assert_clean_failure(result, message)
    moved = (ROOT / "scenarios/helsinki_default.yaml").read_text(encoding="utf-8")
    moved = moved.replace("lat: 60.16990", "lat: 60.17250")
    moved = moved.replace("lon: 24.93840", "lon: 24.94516")
    (other / "moved.yaml").write_text(moved, encoding="utf-8")
    result = cli("replan", str(other / "moved.yaml"), "--plan", str(out), "--at", "20:05")
    assert_clean_failure(result, "unit 1: the plan being followed left from a point at 60.169")
    # a rule the legs already walked followed cannot change; a plan's file reads as its folder
    shorter = (ROOT / "scenarios/helsinki_default.yaml").read_text(encoding="utf-8")
    shorter = shorter.replace("max_minutes: 15", "max_minutes: 12", 1)
    (other / "shorter.yaml").write_text(shorter, encoding="utf-8")
    result = cli("replan", str(other / "shorter.yaml"), "--plan", str(out), "--at", "20:05")
    assert_clean_failure(result, "followed other rules", "dwell.max_minutes was 15.0, now 12.0")
    more = (ROOT / "scenarios/helsinki_default.yaml").read_text(encoding="utf-8")
    (other / "more.yaml").write_text(more.replace("count: 4", "count: 6", 1), encoding="utf-8")
    result = cli(
        "replan", str(other / "more.yaml"), "--plan", str(out / "routes.json"), "--at", "03:00"
    )
    assert_clean_failure(result, "re-planning at 03:00 is outside the plan")
    assert "re-planning the 2 units of the plan being followed (2 officers; the" in result.stderr
    (other / "notes.txt").write_text("not a plan folder", encoding="utf-8")
    for plan, message in [
        (
            out / "kpis.json",
            "does not hold the routes of a plan; give the plan's folder or its "
            f"routes.json, e.g. --plan {out / 'routes.json'}",
        ),
        (other / "notes.txt", "a file, not a plan; give the plan's folder or its routes.json"),
    ]:
        result = cli("replan", str(other / "more.yaml"), "--plan", str(plan), "--at", "20:05")
        assert_clean_failure(result, message)
    result = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "20:05",
        "--seed", "2147483648",
    )  # fmt: skip
    assert_clean_failure(result, "--seed", "2147483647")  # the largest seed is named
    london = (ROOT / "scenarios/helsinki_default.yaml").read_text(encoding="utf-8")
    london = london.replace("# timezone: Europe/Helsinki", "timezone: Europe/London")
    (other / "london.yaml").write_text(london, encoding="utf-8")
    result = cli("replan", str(other / "london.yaml"), "--plan", str(out), "--at", "20:05")
    assert_clean_failure(result, "but the scenario's shift is", "T18:00+00:00")
    # a second re-plan at 20:00 would replace the first and the call it recorded: refused
    replaced = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "20:00",
        "--position", "1=60.1712,24.9414",
    )  # fmt: skip
    assert_clean_failure(
        replaced, f"{out / 'replan_2000'}: holds the re-plan made at 20:00 (calls for service: "
        "unit 2), which a re-plan there would replace", "give every unit's --position in one"
    )  # fmt: skip
    kept = json.loads((out / "replan_2000" / "kpis.json").read_text())["replan"]
    assert [c["unit"] for c in kept["calls"]] == [2]
    # without --plan, the newest re-plan made before --at is followed: its call is kept
    same = (ROOT / "scenarios/helsinki_default.yaml").read_text(encoding="utf-8")
    (other / "same.yaml").write_text(
        same.replace("output_dir: ../out/helsinki_default", f"output_dir: {out}"), encoding="utf-8"
    )
    later = cli("replan", str(other / "same.yaml"), "--at", "20:30", "--time-limit", "1")
    assert later.returncode == 0, later.stderr
    assert f"following the re-plan in {out / 'replan_2000'}" in later.stderr
    chained = json.loads((out / "replan_2000" / "replan_2030" / "kpis.json").read_text())
    assert [c["unit"] for c in chained["replan"]["calls"]] == [2]
    newest = out / "replan_2000" / "replan_2030" / "routes.json"
    assert newest_replan(out / "routes.json", dt.time(20, 45)) == newest
    assert newest_replan(out / "routes.json", dt.time(20, 15)) == out / "replan_2000/routes.json"
    # before the shift (not a day later, after every re-plan): the plan itself, which refuses it
    assert newest_replan(out / "routes.json", dt.time(17, 0)) == out / "routes.json"
    early = cli("replan", str(other / "same.yaml"), "--at", "17:00")
    assert_clean_failure(early, "outside the plan")
    assert "following the re-plan" not in early.stderr
    # a plan made again in the folder names the re-plans of the plan it replaced, which stay
    again = cli(
        "plan", "scenarios/helsinki_default.yaml", "--out", str(out), "--officers", "2",
        "--time-limit", "0.1", "--quiet",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert (
        "note: the plan replaced had 1 re-plan (replan_2000); they stay, but follow the plan "
        "replaced: re-plan again from this one"
    ) in again.stderr
    assert (out / "replan_2000" / "replan_2030" / "routes.json").is_file()
    # and they are no longer followed
    assert newest_replan(out / "routes.json", dt.time(20, 45)) == out / "routes.json"
    stale = cli("replan", "scenarios/helsinki_default.yaml", "--plan", str(out), "--at", "20:00")
    assert_clean_failure(
        stale, f"{out / 'replan_2000'}: holds a re-plan made at 20:00 of another plan than"
    )


@pytest.mark.slow
def test_staffing_compares_officer_counts_and_writes_the_table(tmp_path):
    table = tmp_path / "compare" / "staffing.csv"
    text = (ROOT / "scenarios/helsinki_default.yaml").read_text(encoding="utf-8")
    early = tmp_path / "early.yaml"  # a meal break window cut by the shift's start: warned of
    early.write_text(text.replace('"21:30" ', '"17:30" ').replace('"22:30"', '"18:30"'))
    result = cli_process(
        "staffing", str(early), "--officers", "3,1,3", "--time-limit", "0.5", "--csv", str(table),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "note: --officers '3,1,3' gives 3 more than once: each count is planned once" in (
        result.stderr
    )
    loading = result.stderr.index("loading the street graph (once: the workers are sent it)")
    assert loading < result.stderr.index("planning 2 officer counts on ")
    # a warning every count gives is said once, with the counts; no library chatter
    assert result.stderr.count("the meal break window 17:30-18:30 is cut") == 1
    assert "warning: 1, 3 officers: the meal break window 17:30-18:30 is cut" in result.stderr
    assert not re.search(r"distributed|took \d", result.stderr)
    rows = pd.read_csv(table)
    assert rows["officers"].tolist() == [1, 3] and rows["units"].tolist() == [1, 3]
    assert rows["presence_min"].is_monotonic_increasing
    gain = (rows["presence_min"].iloc[1] - rows["presence_min"].iloc[0]) / 2
    assert rows["marginal_presence_min"].iloc[1] == pytest.approx(gain)
    for row in rows.itertuples():  # the terminal shows the same figures
        assert re.search(
            rf"^ +{row.officers} +{row.units} +{row.presence_min:.3f} ", result.stdout, re.M
        )
    bad = cli("staffing", "--officers", "2,x")
    assert bad.returncode == 2
    assert "--officers '2,x': give whole numbers of officers separated by commas" in bad.stderr
    folder = cli("staffing", "--officers", "2", "--csv", str(tmp_path))
    assert folder.returncode == 2 and f"--csv {tmp_path}: is a folder" in folder.stderr
    many = cli("staffing", "--officers", "0,2,1000")
    assert many.returncode == 2
    assert "--officers '0,2,1000': each count must be 1 to 200 officers (got 0, 1000)" in (
        many.stderr
    )


@pytest.mark.slow
def test_plan_variants_are_distinct_and_close_to_the_best(tmp_path):
    out = tmp_path / "variants"
    result = plan_two_officers("scenarios/helsinki_default.yaml", out, "--variants", "3", "--quiet")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line[:8].strip() in "123"]
    rows = [r for r in rows if len(r) > 3 and r[0] in "123" and r[2].endswith("%")]
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert all(float(r[2].rstrip("%")) >= 95.0 for r in rows)
    assert "below the share" not in result.stdout
    assert len(re.findall(r"\b[123]: \d+% / \d+% / \d+%", result.stdout)) == 6  # 3 x 2 pairs
    first = pd.read_csv(out / "variant_1" / "schedule.csv")
    for k in (2, 3):
        other = pd.read_csv(out / f"variant_{k}" / "schedule.csv")
        assert not first[["officer", "start", "place"]].equals(other[["officer", "start", "place"]])
    bounds = {
        json.loads((out / f"variant_{k}" / "kpis.json").read_text())["routes"]["solver"]["bound"]
        for k in (1, 2, 3)
    }
    assert len(bounds) == 1  # one shift, one bound on presence, whatever the variant's penalty
    for k in (1, 2, 3):  # printed or on a phone, each says which variant it is
        briefing = (out / f"variant_{k}/briefing.html").read_text()
        assert f"helsinki_default, variant {k} of 3</h1>" in briefing
        # so does each unit's page, torn off
        assert briefing.count(f'<span class="of">&middot; helsinki_default, variant {k} of 3') == 2
        gpx = (out / f"variant_{k}/officer_1.gpx").read_text()
        assert f"variant {k} of 3: Officer 1" in gpx
        assert re.search(rf"<trk>\s*<name>Officer 1, [^<]*, variant {k} of 3</name>", gpx)
        kpis = json.loads((out / f"variant_{k}" / "kpis.json").read_text())
        assert kpis["label"] == f"variant {k} of 3"  # a phone's list, a folder of KPIs: told apart
    again = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out / "variant_2"),
        "--at", "20:00", "--time-limit", "1",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    briefing = (out / "variant_2" / "replan_2000" / "briefing.html").read_text()
    assert "helsinki_default, variant 2 of 3, re-planned at 20:00</h1>" in briefing
    # a variant's folder, re-planned again, is followed from its newest re-plan
    later = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out / "variant_2"),
        "--at", "20:30", "--time-limit", "1",
    )  # fmt: skip
    assert later.returncode == 0, later.stderr
    assert f"following the re-plan in {out / 'variant_2' / 'replan_2000'}" in later.stderr
    assert (out / "variant_2" / "replan_2000" / "replan_2030" / "routes.json").is_file()
    # a plan at the top (written after the variants) is followed, and the variants are named
    for name in ("routes.json", "kpis.json"):
        shutil.copy(out / "variant_3" / name, out / name)
    later = (out / "variant_3" / "routes.json").stat().st_mtime + 60
    os.utime(out / "routes.json", (later, later))
    top = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(out),
        "--at", "20:00", "--time-limit", "1",
    )  # fmt: skip
    assert top.returncode == 0, top.stderr
    assert (
        f"{out} holds variants too (variant_1, variant_2, variant_3, left from an earlier plan): "
        f"following the plan at the top; to follow a variant, give --plan {out / 'variant_1'}"
    ) in top.stderr
    assert (out / "replan_2000" / "routes.json").is_file()


@pytest.mark.slow
def test_plan_london_with_real_incidents_from_a_bundle(tmp_path):
    shared_file("osm/city_of_london_2020.osm.pbf")
    bundle = tmp_path / "share" / "london.zip"
    result = cli("bundle", "scenarios/city_of_london.yaml", "--out", bundle)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "london"
    result = plan_two_officers(bundle, out, "--quiet")  # as a colleague given the zip would
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "share" / "london" / "city_of_london_street_2020.csv").is_file()
    assert re.search(r"risk model +incidents", result.stdout)
    assert "outside the area" in result.stderr  # incidents beyond the extract are counted
    assert (out / "officer_2.gpx").is_file()
    # the station given as an OSM police station is called by its name
    assert "walk back to station,Snow Hill Police Station (" in (out / "schedule.csv").read_text()
    # the briefing names the incident file, not where the analyst keeps it
    html = (out / "briefing.html").read_text(encoding="utf-8")
    assert "About the risk map: city_of_london_street_2020.csv (uk_police): 5925 rows read" in html
    assert "shared" not in html


def test_app_on_a_port_another_program_holds_is_refused_before_it_starts():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        # a new process: were the port not checked, Streamlit would replace this one
        result = subprocess.run(
            [*CLI, "app", "--port", str(port)], capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 2, result.stderr
    assert f"another program is using port {port}" in result.stderr
    assert "http://" not in result.stderr  # no address that leads to the other program


def test_help_documents_every_option():
    text = cli("plan", "--help").stdout
    for option in ("--officers", "--out", "--time-limit", "--seed", "--quiet", "SCENARIO_FILE"):
        assert option in text
    assert "<bool>" not in text  # flags take no value
    assert "app" in cli("--help").stdout
    assert cli("plan", "-h").stdout == text  # the short form too
    assert "--schema" in cli("incidents", "inspect", "-h").stdout
    # every value is named for what it is, never by the function that reads it
    for command, metavar in [
        ("plan", "DIR"), ("replan", "DIR"), ("staffing", "FILE"), ("evaluate-risk", "DIR")
    ]:  # fmt: skip
        shown = cli(command, "--help").stdout
        assert "_path" not in shown and metavar in shown, command
    # and an option's value by what to give, never by the type that reads it (<int range>)
    for command in ("plan", "replan", "staffing", "evaluate-risk", "bundle", "app"):
        typed = re.findall(r"(--[a-z-]+) +<[a-z ]+>", cli(command, "--help").stdout)
        assert not typed, (command, typed)
    assert not re.findall(r"--[a-z-]+ +<[a-z ]+>", cli("incidents", "inspect", "-h").stdout)


def test_version_is_the_installed_one():
    from importlib.metadata import version

    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"patrol-planner {version('patrol-planner')}"


def test_help_and_scenario_errors_come_before_the_planning_modules_load():
    # a new process: this one has imported them all
    probe = "import sys, planner.cli; print(sorted(set(sys.modules) & {'osmnx', 'geopandas'}))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def write_scenario(tmp_path, body):
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    return path


GOOD = """name: t
area: {source: embedded}
shift: {weekday: friday, start: "18:00", end: "20:00"}
officers: {count: 2, station: {lat: 60.1699, lon: 24.9384}}
solver: {time_limit_s: 1}
"""


def assert_clean_failure(result, *fragments, out: Path | None = None):
    assert result.returncode == 2, result.stdout + result.stderr
    assert "error: " in result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr
    if out is not None:
        assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (("count: 2", "cuont: 2"), ["officers.cuont: unknown key; did you mean 'count'?"]),
        (("weekday: friday", "weekday: firday"), ["(got 'firday'); did you mean 'friday'?"]),
        (
            ("solver: {", "solver:\n\ttime_limit_s: 1\nx: {"),
            ["line 6, column 1", "YAML takes no tab there (it indents with spaces): put spaces"],
        ),
        (("count: 2", "count: -1"), ["officers.count", "got -1"]),
        (
            ("count: 2,", "count: 2, pace_m_per_s: ,"),
            ["officers.pace_m_per_s: not a number (it has no value); write a number"],
        ),
        (
            ("solver: {", "solver: {held_back_share: 0.2, "),
            [
                "solver.held_back_share: unknown key; it is a key of officers: move it there "
                "(officers.held_back_share); known keys here: "
            ],
        ),
        (
            ("{lat: 60.1699, lon: 24.9384}", "{lat: 51.5, lon: -0.1}"),
            ["officers.station", "km from the nearest street", "latitude 60.1", "longitude 24.9"],
        ),
        (
            ("{source: embedded}", "{source: file, path: nothere.osm.pbf}"),
            ["area.path: file not found"],
        ),
        (
            (
                "count: 2,",
                "count: 2, meal_break: {minutes: 45, earliest: '19:30', latest: '19:45'},",
            ),
            ["officers.meal_break", "plus 45 min does not fit in the shift"],
        ),
        (
            ("count: 2,", "count: 2, meal_break: {earliest: '19:30', latest: '18:30'},"),
            ["officers.meal_break", "window 19:30-18:30: earliest comes after latest"],
        ),
        (
            ("count: 2,", "count: 3, unit_size: 2,"),
            ["officers.count (3) is not a multiple of unit_size (2): give 2 or 4 officers"],
        ),
        (
            ("solver:", "places: {must_cover: [{lat: 24.94, lon: 60.17, name: plaza}]}\nsolver:"),
            [
                "places: must-cover place plaza is",
                "lat and lon look swapped: write lat: 60.17, lon: 24.94",
            ],
        ),
        (
            ("solver:", "neighbourhoods: {source: file}\nsolver:"),
            ["needs neighbourhoods.path, a GeoJSON, GeoPackage or shapefile"],
        ),
        (
            ("solver:", "neighbourhoods: {source: file, path: wards.geojson}\nsolver:"),
            ["neighbourhoods.path: file not found"],
        ),
    ],
)
def test_bad_scenarios_exit_2_with_a_message_and_no_files(tmp_path, change, fragments):
    out = tmp_path / "out"
    path = write_scenario(tmp_path, GOOD.replace(*change))
    assert_clean_failure(cli("plan", str(path), "--out", str(out)), *fragments, out=out)


def test_a_meal_break_that_cannot_fit_stops_before_the_area_is_loaded(tmp_path):
    text = GOOD.replace('start: "18:00", end: "20:00"', 'start: "23:00", end: "13:00"')
    text = text.replace("count: 2,", "count: 2, meal_break: {earliest: '20:30', latest: '21:30'},")
    result = cli("plan", str(write_scenario(tmp_path, text)), "--out", str(tmp_path / "out"))
    assert_clean_failure(
        result,
        "does not fit in the shift (23:00-13:00)",
        "or, if the shift runs 13:00-23:00, swap shift.start and shift.end",
    )
    assert "[1/" not in result.stderr  # no street graph was built first


def test_a_mapping_naming_a_missing_column_stops_before_the_area_at_its_scenario_line(tmp_path):
    (tmp_path / "calls.csv").write_text("lat,lon,date,type\n60.17,24.94,2024-01-01,theft\n")
    gpd.GeoDataFrame(  # a geodata file's columns are checked as early
        {"date": ["2024-01-01"], "type": ["theft"]}, geometry=[Point(24.94, 60.17)], crs=4326
    ).to_file(tmp_path / "calls.geojson")
    cases = {
        "calls.csv": (
            "    y_col: latitude\n    x_col: lon\n",
            "y_col 'latitude' (did you mean 'lat'?); it has: lat, lon, date, type; fix y_col "
            "(on the command line: --y-col)",
        ),
        "calls.geojson": (
            "    time_col: day\n",
            "time_col 'day' (did you mean 'date'?); it has: date, type; fix time_col",
        ),
    }
    for name, (mapping, said) in cases.items():
        entry = f"incidents:\n  - path: {name}\n{mapping}solver:"
        path = write_scenario(tmp_path, GOOD.replace("solver:", entry))
        result = cli("plan", str(path), "--out", str(tmp_path / "out"))
        assert_clean_failure(
            result,
            f"{path}: line 6, incidents.0: {tmp_path / name}: column(s) not in the file: {said}",
            out=tmp_path / "out",
        )
        assert "[1/" not in result.stderr  # no street graph was built first


def test_corrupt_pbf_exits_2(tmp_path):
    (tmp_path / "broken.osm.pbf").write_bytes(b"garbage" * 100)
    path = write_scenario(
        tmp_path, GOOD.replace("{source: embedded}", "{source: file, path: broken.osm.pbf}")
    )
    out = tmp_path / "out"
    assert_clean_failure(
        cli("plan", str(path), "--out", str(out)), "cannot read this OpenStreetMap file", out=out
    )


def test_missing_scenario_file_exits_2(tmp_path):
    assert_clean_failure(cli("plan", str(tmp_path / "none.yaml")), "scenario file not found")
    (tmp_path / "new.yaml").write_text("# the Friday shift, to be written\n")
    assert_clean_failure(
        cli("plan", str(tmp_path / "new.yaml")),
        f"{tmp_path / 'new.yaml'}: holds no scenario (it is empty, or only comments); write its "
        "keys (name, area, shift, ...)",
    )


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        (["--busy", "2=03:00"], "--busy 2=03:00: give where unit 2's call is too, with --position"),
        (["--position", "2=51.515,-0.092", "--busy", "x=03:00"], "give UNIT=HH:MM, until when"),
        (["--position", "2=51.515,-0.092", "--busy", "2=3"], "the time after = '3': give a"),
        (
            ["--position", "2=51.515,-0.092", "--busy", "2=03:00", "--busy", "2=04:00"],
            "--busy: unit 2 is given twice",
        ),
    ],
)
def test_busy_needs_a_unit_with_a_position_and_a_clock_time(tmp_path, given, fragment):
    result = cli(
        "replan", "scenarios/helsinki_default.yaml", "--plan", str(tmp_path), "--at", "01:30",
        *given,
    )  # fmt: skip
    assert_clean_failure(result, fragment)


def test_replan_with_a_unit_gone_ends_its_route(two_officer_plan, tmp_path):
    from planner.export import write_plan

    write_plan(two_officer_plan, tmp_path)
    args = ("replan", "scenarios/helsinki_default.yaml", "--plan", tmp_path, "--at", "20:00")
    for given, said in [
        (("--gone", "7"), "unit 7 is said to be gone, but the plan being followed has"),
        (("--position", "9=60.17,24.94"), "a position is given for unit 9, but the plan being"),
    ]:  # a new process: this one holds the street graph already
        stranger = cli_process(*map(str, args), *given)
        assert_clean_failure(stranger, said)
        assert "street graph" not in stranger.stderr  # said before the street graph loads
    result = cli(*args, "--gone", "2", "--time-limit", "1", "--quiet")
    assert result.returncode == 0, result.stderr
    assert re.search(r"officer 2 +gone for the rest of the shift from \d\d:\d\d", result.stdout)
    schedule = pd.read_csv(tmp_path / "replan_2000" / "schedule.csv")
    assert schedule[schedule["officer"] == 2]["action"].iloc[-1] == "gone for the rest of the shift"
    # kpis.json keeps the figures of the plan followed, which the terminal compared with
    kpis = json.loads((tmp_path / "replan_2000" / "kpis.json").read_text())
    figures = two_officer_plan.kpis["routes"]
    assert kpis["replan"]["followed"] == {
        key: figures[key] for key in ("presence_min", "stops", "hotspots_dosed", "dose_minutes")
    }


def test_an_output_folder_that_is_a_file_stops_before_planning(tmp_path):
    (tmp_path / "afile").write_text("kept")
    result = cli("plan", "scenarios/helsinki_default.yaml", "--out", str(tmp_path / "afile"))
    assert_clean_failure(result, f"{tmp_path / 'afile'}: is a file, not a folder")
    assert "[1/" not in result.stderr  # no planning step ran
    result = cli("plan", "scenarios/helsinki_default.yaml", "--out", str(tmp_path / "afile/x"))
    assert_clean_failure(result, f"is a file, so the output folder {tmp_path / 'afile/x'} cannot")
    assert (tmp_path / "afile").read_text() == "kept"
    long = tmp_path / ("a" * 300)
    result = cli("plan", "scenarios/helsinki_default.yaml", "--out", str(long))
    assert_clean_failure(result, f"{long}: cannot be a folder here (File name too long)")
    # a folder no file can be written in, whatever its permission bits say (even to root)
    result = cli("plan", "scenarios/helsinki_default.yaml", "--out", "/proc/patrol_plan")
    assert_clean_failure(result, "/proc: cannot write the plan files here (")
    assert "[1/" not in result.stderr
    # a bundle written by default into the current folder names that folder, not "."
    result = cli_process("bundle", str(ROOT / "scenarios/helsinki_default.yaml"), cwd="/proc")
    assert_clean_failure(result, "/proc (the current folder): cannot write the bundle here (")


def test_an_empty_output_path_is_refused_not_read_as_the_current_folder(tmp_path):
    before = sorted(tmp_path.iterdir())
    for command in (
        ("plan", ROOT / "scenarios/helsinki_default.yaml", "--out", ""),
        ("replan", ROOT / "scenarios/helsinki_default.yaml", "--plan", "x", "--out", " "),
        ("staffing", ROOT / "scenarios/helsinki_default.yaml", "--officers", "2", "--csv", ""),
        ("evaluate-risk", "--area", "a.pbf", "--incidents", "i.csv", "--cut", "2020-01"),
    ):
        extra = ("--out", "") if command[0] == "evaluate-risk" else ()
        result = cli(*command, *extra, cwd=tmp_path)
        assert_clean_failure(result, "is empty: give a path (. for the current folder)")
    assert sorted(tmp_path.iterdir()) == before  # nothing written where the command ran
    scenario = write_scenario(tmp_path, GOOD + 'output_dir: ""\n')
    assert_clean_failure(cli("plan", scenario), "output_dir: is empty: give a folder")


def test_a_folder_holding_another_scenarios_plan_is_refused_before_planning(tmp_path):
    (tmp_path / "variant_2").mkdir()
    (tmp_path / "variant_2" / "routes.json").write_text('{"scenario": "holborn_evening"}')
    result = cli("plan", "scenarios/helsinki_default.yaml", "--out", str(tmp_path))
    assert_clean_failure(
        result,
        f"{tmp_path}: holds the plan of scenario 'holborn_evening' (routes.json in "
        f"{tmp_path / 'variant_2'}), and this scenario is 'helsinki_default'",
    )
    assert "[1/" not in result.stderr
    assert (tmp_path / "variant_2" / "routes.json").read_text() == '{"scenario": "holborn_evening"}'


def test_a_folder_holding_files_of_a_plans_names_but_no_plan_is_refused(tmp_path):
    (tmp_path / "schedule.csv").write_text("my own rota")
    (tmp_path / "officer_9.gpx").write_text("<gpx/>")
    (tmp_path / "notes.txt").write_text("kept")
    result = cli("plan", "scenarios/helsinki_default.yaml", "--out", str(tmp_path))
    assert_clean_failure(
        result,
        f"{tmp_path}: holds officer_9.gpx, schedule.csv, of the names a plan writes, but no plan",
        "choose another folder (--out",
    )
    assert "[1/" not in result.stderr
    assert (tmp_path / "schedule.csv").read_text() == "my own rota"
    assert (tmp_path / "officer_9.gpx").read_text() == "<gpx/>"
    # a routes.json that is no plan's does not make them a plan's
    (tmp_path / "routes.json").write_text('{"type": "FeatureCollection", "features": []}')
    result = cli("plan", "scenarios/helsinki_default.yaml", "--out", str(tmp_path))
    assert_clean_failure(result, "holds officer_9.gpx, routes.json, schedule.csv, of the names")


def test_files_of_other_names_do_not_stop_a_plan_from_its_folder(tmp_path):
    from planner.errors import ExportError
    from planner.export import check_plan_owner

    for name in ("officer_smith.gpx", "unit_a.gpx", "variant_x/schedule.csv", "notes.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("mine")
    check_plan_owner(tmp_path, "helsinki_default")  # nothing a plan writes is there
    (tmp_path / "variant_2").mkdir()
    (tmp_path / "variant_2" / "kpis.json").write_text("{}")
    with pytest.raises(ExportError, match=r"variant_2: holds kpis.json, of the names a plan"):
        check_plan_owner(tmp_path, "helsinki_default")


def test_within_without_variants_is_refused():
    result = cli("plan", "scenarios/helsinki_default.yaml", "--within", "0.1")
    assert_clean_failure(result, "--within applies to several plans; add --variants K")


def test_negative_officers_option_is_refused(tmp_path):
    result = cli("plan", "scenarios/helsinki_default.yaml", "--officers", "-2")
    assert_clean_failure(result, "error: Invalid value for '--officers'", "--help")


def test_command_line_options_obey_the_scenario_rules(tmp_path):
    pairs = write_scenario(tmp_path, GOOD.replace("count: 2,", "count: 2, unit_size: 2,"))
    out = tmp_path / "out"
    result = cli("plan", str(pairs), "--officers", "3", "--out", str(out), "--seed", "4")
    assert_clean_failure(
        result,
        "option --officers: refused by the scenario's rules",
        "officers.count (3) is not a multiple of unit_size (2)",
    )  # only the option at fault is named
    result = cli("plan", str(pairs), "--time-limit", "99999", "--out", str(out))
    assert_clean_failure(result, "solver.time_limit_s", "less than or equal to 3600", out=out)
    # a file its own count makes invalid plans with the count given in its place
    odd = write_scenario(tmp_path, GOOD.replace("count: 2,", "count: 3, unit_size: 2,"))
    result = cli("plan", str(odd), "--officers", "5", "--out", str(out))
    assert_clean_failure(
        result, "with --officers 5: ", "officers.count (5) is not a multiple", out=out
    )
    result = cli("plan", str(odd), "--officers", "4", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "kpis.json").read_text())["routes"]["units"] == 2


def test_area_without_walkable_streets_exits_2(tmp_path):
    import osmium

    with osmium.SimpleWriter(str(tmp_path / "benches.osm.pbf")) as writer:
        for i in range(1, 4):
            node = osmium.osm.mutable.Node(
                id=i, location=(24.94 + i / 1e4, 60.17), tags={"amenity": "bench"}
            )
            writer.add_node(node)
    path = write_scenario(
        tmp_path, GOOD.replace("{source: embedded}", "{source: file, path: benches.osm.pbf}")
    )
    out = tmp_path / "out"
    assert_clean_failure(cli("plan", str(path), "--out", str(out)), "no walkable street", out=out)


@pytest.mark.slow
def test_evaluate_risk_on_london_writes_table_and_plot(tmp_path):
    area = shared_file("osm/city_of_london_2020.osm.pbf")
    incidents = shared_file("incidents/city_of_london_street_2020.csv")
    out = tmp_path / "eval"
    result = cli(
        "evaluate-risk", "--area", str(area), "--incidents", str(incidents),
        "--cut", "2020-10", "--test-months", "3", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "prior_per_metre" in result.stdout
    table = pd.read_csv(out / "evaluation.csv")
    assert list(table.columns) == ["method", "coverage_pct", "hit_rate", "pai"]
    assert set(table["method"]) == {
        "model", "risk_terrain_fitted", "prior_per_metre", "prior_counts", "grid_kde_150m",
        "oracle",
    }  # fmt: skip
    pai = table.pivot(  # noqa: PD010 one row per cell
        index="method", columns="coverage_pct", values="pai"
    )
    assert (pai.loc["oracle"] >= pai.loc["model"]).all()
    assert pai.loc["model", 1.0] > pai.loc["grid_kde_150m", 1.0]
    assert (out / "hit_rate.png").stat().st_size > 10_000
    # the same year as the portal delivers it, a file per month: the same evaluation
    months = split_by_month(incidents, tmp_path / "police")
    monthly = cli(
        "evaluate-risk", "--area", str(area), "--cut", "2020-10", "--out", str(tmp_path / "m"),
        *(arg for path in months for arg in ("--incidents", str(path))),
    )  # fmt: skip
    assert monthly.returncode == 0, monthly.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "m" / "evaluation.csv"), table)


def split_by_month(joined, folder):
    """Write a data.police.uk file as the portal's monthly files; return their paths."""
    paths = []
    for month, rows in pd.read_csv(joined, dtype=str, keep_default_na=False).groupby("Month"):
        (folder / month).mkdir(parents=True)
        paths.append(folder / month / f"{month}-city-of-london-street.csv")
        rows.to_csv(paths[-1], index=False)
    assert len(paths) == 12
    return paths


def test_inspect_names_a_column_option_that_misses_as_the_option_it_is(tmp_path):
    (tmp_path / "xy.csv").write_text("lat,lon,date,type\n60.17,24.94,2024-01-01,theft\n")
    result = cli(
        "incidents", "inspect", str(tmp_path / "xy.csv"), "--x-col", "longitude", "--y-col",
        "lat", "--time-col", "date", "--type-col", "type",
    )  # fmt: skip
    assert_clean_failure(
        result,
        "column(s) not in the file: x_col 'longitude' (did you mean 'lon'?)",
        "fix x_col (on the command line: --x-col)",
    )


def test_inspect_describes_each_monthly_file_and_their_total(tmp_path):
    joined = shared_file("incidents/city_of_london_street_2020.csv")
    months = split_by_month(joined, tmp_path)
    result = cli("incidents", "inspect", *map(str, months[:3]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("file            ") == 3
    read = [int(n) for n in re.findall(r"rows            (\d+) read", result.stdout)]
    kept = [int(n) for n in re.findall(r"rows            \d+ read, (\d+) kept", result.stdout)]
    assert read == [len(pd.read_csv(path)) for path in months[:3]]
    assert (
        f"3 files: {sum(read)} rows read, {sum(kept)} kept, dated 2020-01 .. 2020-03; no "
        "incident is in two of them"
    ) in result.stdout
    # exports that overlap: January to February, then February to March
    frames = [pd.read_csv(path, dtype=str, keep_default_na=False) for path in months[:3]]
    pd.concat(frames[:2]).to_csv(tmp_path / "jan_feb.csv", index=False)
    pd.concat(frames[1:]).to_csv(tmp_path / "feb_mar.csv", index=False)
    both = cli("incidents", "inspect", tmp_path / "jan_feb.csv", tmp_path / "feb_mar.csv")
    assert both.returncode == 0, both.stderr
    # a copy is refused, as a plan refuses it: its incidents would count twice
    shutil.copy(tmp_path / "jan_feb.csv", tmp_path / "copy.csv")
    copied = cli("incidents", "inspect", tmp_path / "jan_feb.csv", tmp_path / "copy.csv")
    assert_clean_failure(copied, f"{tmp_path / 'copy.csv'} is a copy of")
    assert (
        f"{sum(kept) + kept[1]} kept, dated 2020-01 .. 2020-03; {kept[1]} of them also in an "
        f"earlier file (exports that overlap, or a file saved again): a plan reading them "
        f"together counts {sum(kept)} incidents"
    ) in both.stdout


def test_a_quoted_pattern_names_the_monthly_files_on_the_command_line(tmp_path):
    split_by_month(shared_file("incidents/city_of_london_street_2020.csv"), tmp_path / "police")
    result = cli("incidents", "inspect", "police/2020-0[1-2]/*-street.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 files: " in result.stdout and result.stdout.count("file            ") == 2
    none = cli("incidents", "inspect", "police/*/*-outcomes.csv", cwd=tmp_path)
    assert_clean_failure(
        none, f"pattern police/*/*-outcomes.csv (searched from {tmp_path.resolve()}); check"
    )
    absolute = cli("incidents", "inspect", f"{tmp_path}/police/*/*-outcomes.csv")
    assert_clean_failure(  # the pattern says where it was searched
        absolute, f"no file matches the pattern {tmp_path}/police/*/*-outcomes.csv; check"
    )
    # a pattern the shell expanded for one --incidents: the other files look like arguments
    extra = cli(
        "evaluate-risk", "--area", "a.pbf", "--cut", "2020-10",
        "--incidents", "police/2020-01/a.csv", "police/2020-02/b.csv",
    )  # fmt: skip
    assert_clean_failure(extra, "if these are incident files, give --incidents before each")
    # a missing file with brackets in its name is missing, not a class of other names
    (tmp_path / "crimes2.csv").write_text("Month,Crime type,Longitude,Latitude\n")
    missing = cli("incidents", "inspect", "crimes[2021].csv", cwd=tmp_path)
    assert_clean_failure(missing, "crimes[2021].csv: incident file not found")


def test_evaluate_risk_warns_of_empty_test_months_and_writes_all_or_nothing(tmp_path):
    area = shared_file("osm/city_of_london_2020.osm.pbf")
    incidents = shared_file("incidents/city_of_london_street_2020.csv")
    out = tmp_path / "eval"
    (out / "hit_rate.png").mkdir(parents=True)  # in the way of the plot, not of the table
    result = cli(
        "evaluate-risk", "--area", str(area), "--incidents", str(incidents),
        "--cut", "2020-11", "--test-months", "3", "--out", str(out),
    )  # fmt: skip
    assert "are of 2020-01 to 2020-12, so only 2 of the 3 test months from 2020-11" in result.stderr
    assert_clean_failure(result, f"{out / 'hit_rate.png'}: cannot write the evaluation")
    assert sorted(p.name for p in out.iterdir()) == ["hit_rate.png"]  # no evaluation.csv


def test_evaluate_risk_rejects_a_bad_cut(tmp_path):
    result = cli(
        "evaluate-risk", "--area", "x.osm.pbf", "--incidents", "y.csv", "--cut", "October",
    )  # fmt: skip
    assert_clean_failure(result, "--cut 'October': give the first test month as YYYY-MM")
    result = cli(
        "evaluate-risk", "--area", "x.osm.pbf", "--incidents", "y.csv", "--cut", "2020-13",
    )  # fmt: skip
    assert_clean_failure(result, "--cut '2020-13': there is no month 13; give the first test")
    result = cli(
        "evaluate-risk", "--area", "x.osm.pbf", "--incidents", "y.csv", "--cut", "9999-12",
    )  # fmt: skip
    assert_clean_failure(result, "--cut '9999-12': give a month between 1900-01 and 2100-12")
    (tmp_path / "taken").write_text("not a folder")
    result = cli(
        "evaluate-risk", "--area", "x.osm.pbf", "--incidents", "y.csv", "--cut", "2019-10",
        "--out", str(tmp_path / "taken"),
    )  # fmt: skip
    assert_clean_failure(result, "taken: is a file, not a folder")  # before reading anything


def test_shift_too_short_names_the_scenario_and_fields(tmp_path):
    path = write_scenario(tmp_path, GOOD.replace('end: "20:00"', 'end: "18:10"'))
    out = tmp_path / "out"
    result = cli("plan", str(path), "--out", str(out))
    assert_clean_failure(result, f"{path}: shift / officers: no hot spot can be reached", out=out)


def test_incident_file_with_only_excluded_types_says_how_to_keep_them(tmp_path):
    (tmp_path / "drugs.csv").write_text(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context\n"
        "a,2020-01,X,X,24.9384,60.1699,On or near X,E1,N,Drugs,,\n"
    )
    path = write_scenario(tmp_path, GOOD + "incidents: [{path: drugs.csv}]\n")
    result = cli("plan", str(path), "--out", str(tmp_path / "out"))
    assert_clean_failure(
        result, "no incident is left (mostly excluded type: 1)", "harm_exclude: []"
    )


def test_infeasible_break_explains_the_constraint_and_by_how_much(tmp_path):
    # The break must start by 18:05, but the only place to take it is the far end station.
    body = GOOD.replace(
        "count: 2,",
        "count: 2, end_station: {lat: 60.1745, lon: 24.9530}, "
        "meal_break: {minutes: 10, earliest: '18:00', latest: '18:05'},",
    )
    out = tmp_path / "out"
    result = cli("plan", str(write_scenario(tmp_path, body)), "--out", str(out))
    assert_clean_failure(result, "meal break does not fit", "misses its window", out=out)


@pytest.mark.parametrize("units", ["", "per_unit: [{}], "])  # per-unit rules or shared ones
def test_station_that_cannot_reach_a_hot_spot_in_time_exits_2(tmp_path, units):
    body = GOOD.replace('end: "20:00"', 'end: "18:12"').replace("count: 2,", f"count: 2, {units}")
    out = tmp_path / "out"
    result = cli("plan", str(write_scenario(tmp_path, body)), "--out", str(out))
    assert_clean_failure(result, "no hot spot can be reached", "short by", out=out)


ZONE = "places: {forbidden: [{lat: 60.1720, lon: 24.9440, radius_m: 150, name: Closed}]}\n"


@pytest.mark.parametrize(
    ("units", "fragment"),
    [
        ("station: {lat: 60.1720, lon: 24.9440},", "officers.station: "),  # both start in it
        (
            "per_unit: [{}, {station: {lat: 60.1720, lon: 24.9440}}],",
            "per_unit[1].station (unit 2): ",
        ),
    ],
)
def test_station_in_a_forbidden_zone_is_named_not_planned_empty(tmp_path, units, fragment):
    body = GOOD.replace("count: 2,", f"count: 2, {units}", 1) + ZONE
    if "per_unit" not in units:
        body = body.replace("station: {lat: 60.1699, lon: 24.9384}", "").replace(", }", "}")
    out = tmp_path / "out"
    result = cli("plan", str(write_scenario(tmp_path, body)), "--out", str(out))
    assert_clean_failure(
        result, f"{fragment}the station's street point", "inside the forbidden zone Closed", out=out
    )
    assert "[1/6] street graph" in result.stderr and "[2/6]" not in result.stderr  # at once


#: Zones across the two streets of a node (60.16899, 24.94918), 80 m and more from it.
CUT_OFF = (
    "places: {forbidden: [{lat: 60.16934, lon: 24.95192, radius_m: 20}, "
    "{lat: 60.16895, lon: 24.94771, radius_m: 20}]}\n"
)


def test_units_stranded_for_different_reasons_are_each_named(tmp_path):
    # unit 2's station lies outside every zone, but the zones cut off its streets
    units = 'per_unit: [{end: "18:12"}, {station: {lat: 60.16899, lon: 24.94918}}],'
    body = GOOD.replace("count: 2,", f"count: 2, {units}", 1) + CUT_OFF
    out = tmp_path / "out"
    result = cli("plan", str(write_scenario(tmp_path, body)), "--out", str(out))
    assert_clean_failure(
        result,
        "unit 1: no hot spot can be reached, dosed",
        "; unit 2: no hot spot can be reached from the station and left for the end station: "
        "the ways to avoid (officers.avoid, places.forbidden) cut them off",
        out=out,
    )


@pytest.mark.slow
def test_replan_after_a_unit_has_finished_its_own_hours(tmp_path):
    text = (ROOT / "scenarios/helsinki_default.yaml").read_text()
    text = text.replace("  count: 4\n", '  count: 2\n  per_unit:\n    - end: "23:00"\n', 1)
    scenario = tmp_path / "early.yaml"
    scenario.write_text(text)
    out = tmp_path / "plan"
    assert plan_two_officers(str(scenario), out, "--quiet").returncode == 0
    result = cli("replan", str(scenario), "--plan", str(out), "--at", "23:30", "--time-limit", "2")
    assert result.returncode == 0, result.stderr
    before = pd.read_csv(out / "schedule.csv")
    after = pd.read_csv(out / "replan_2330" / "schedule.csv")
    first = ["start", "end", "action"]
    assert after[after["officer"] == 1][first].equals(before[before["officer"] == 1][first])
    assert (after[after["officer"] == 2]["start"].str[11:16] > "23:30").any()
    briefing = (out / "replan_2330" / "briefing.html").read_text()
    assert briefing.count("on duty ") == 1 and "on duty 18:00 to 23:00" in briefing


def test_streamlit_run_from_the_checkout_gets_the_apps_own_settings():
    import tomllib

    from planner.cli import streamlit_flags

    flags = streamlit_flags(8501)
    given = {flags[i].removeprefix("--"): flags[i + 1] for i in range(0, len(flags), 2)}
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    written = {
        f"{section}.{key}": str(value).lower() if isinstance(value, bool) else str(value)
        for section, values in config.items()
        for key, value in values.items()
    }
    assert written == {k: v for k, v in given.items() if k != "server.port"}


def test_inspect_with_an_area_counts_the_incidents_near_its_streets(tmp_path):
    from planner.graph import load_street_graph
    from planner.incidents import load_incidents
    from planner.scenario import AreaSpec, IncidentSpec
    from planner.snapping import snap_to_segments

    area = shared_file("osm/city_of_london_2020.osm.pbf")
    incidents = shared_file("incidents/city_of_london_street_2020.csv")
    result = cli("incidents", "inspect", str(incidents), "--area", str(area))
    assert result.returncode == 0, result.stderr
    near, kept = map(int, re.search(r"near streets +(\d+) of (\d+) kept", result.stdout).groups())
    assert f"{kept} kept" in result.stdout.split("near streets")[0]  # the rows line's count
    with pytest.warns(Warning):
        frame, _ = load_incidents(IncidentSpec(path=incidents))
    graph = load_street_graph(AreaSpec(source="file", path=area))
    points, _ = snap_to_segments(graph, frame["lon"].to_numpy(), frame["lat"].to_numpy(), 100.0)
    assert near == len(points) and 0 < near < kept == len(frame)
    rows = pd.read_csv(incidents, dtype=str, keep_default_na=False)
    lat, lon = (pd.to_numeric(rows[c], errors="coerce") for c in ("Latitude", "Longitude"))
    central = lat.between(51.512, 51.518) & lon.between(-0.095, -0.085)
    turned = rows.index[central][:3]  # three rows of the City written the wrong way round
    rows.loc[turned, ["Latitude", "Longitude"]] = rows.loc[
        turned, ["Longitude", "Latitude"]
    ].to_numpy()
    rows.to_csv(tmp_path / "turned.csv", index=False)
    result = cli("incidents", "inspect", str(tmp_path / "turned.csv"), "--area", str(area))
    assert result.returncode == 0, result.stderr
    # the portal's region note says them, once, with an example
    assert result.stdout.count("exchanged") == 1
    assert re.search(
        r"3 of \d+ points lie in England.* exchanged \(e\.g\. latitude -0\.", result.stdout
    )
    mapped = cli(
        "incidents", "inspect", str(tmp_path / "turned.csv"), "--schema", "generic",
        "--x-col", "Longitude", "--y-col", "Latitude", "--time-col", "Month",
        "--type-col", "Crime type", "--area", str(area),
    )  # fmt: skip
    assert mapped.returncode == 0, mapped.stderr
    assert re.search(
        r"a plan drops the others as outside the area; 3 of them lie in the area with latitude "
        r"and longitude exchanged \(e\.g\. latitude -0\.\d+, longitude 51\.51\d+ in turned\.csv\)",
        mapped.stdout,
    )
    boston = shared_file("schema_samples/boston_crime_2023-01_2023-03.csv")
    far = cli("incidents", "inspect", str(boston), "--area", str(area))
    assert_clean_failure(far, "none of the", "km away")


def test_inspect_of_a_scenario_shows_its_incident_files_near_its_own_area(tmp_path):
    area = shared_file("osm/city_of_london_2020.osm.pbf")
    incidents = shared_file("incidents/city_of_london_street_2020.csv")
    whole = cli("incidents", "inspect", str(incidents), "--area", str(area))
    near_whole = int(re.search(r"near streets +(\d+) of", whole.stdout).group(1))
    text = GOOD.replace("{source: embedded}", f"{{source: file, path: {area}, bbox_deg: BOX}}")
    text = text.replace("solver:", f"incidents: [{{path: {incidents}}}]\nsolver:")
    box = "[-0.0950, 51.5100, -0.0800, 51.5200]"  # a part of the City
    result = cli("incidents", "inspect", str(write_scenario(tmp_path, text.replace("BOX", box))))
    assert result.returncode == 0, result.stderr
    assert f"file            {incidents.resolve()}" in result.stdout  # paths resolved
    near = int(
        re.search(
            r"near streets +(\d+) of \d+ kept lie .* the scenario's area", result.stdout
        ).group(1)
    )
    assert 0 < near < near_whole  # the box's streets, not the whole extract's
    assert "dated after the shift starts" not in result.stdout  # a shift after all of 2020
    # a shift in July 2020: the months after it are left out too, as a plan leaves them out
    july = text.replace("BOX", box).replace("weekday: friday", "date: 2020-07-03")
    result = cli("incidents", "inspect", str(write_scenario(tmp_path, july)))
    later, left = map(
        int,
        re.search(
            r"of those near, (\d+) incidents dated after the shift starts are left out as well "
            r"\((\d+) remain\)",
            result.stdout,
        ).groups(),
    )
    assert later > 0 and later + left == near
    # the file is read as the plan reads it: drug offences kept where the scenario keeps them
    kept = int(re.search(r"rows +\d+ read, (\d+) kept", result.stdout).group(1))
    assert "of an excluded type" in result.stdout
    every = text.replace("BOX", box).replace("solver:", "risk: {harm_exclude: []}\nsolver:")
    result = cli("incidents", "inspect", str(write_scenario(tmp_path, every)))
    assert "of an excluded type" not in result.stdout
    assert int(re.search(r"rows +\d+ read, (\d+) kept", result.stdout).group(1)) > kept
    # the scenario maps its files: options that would map them again are refused
    scenario = tmp_path / "bad.yaml"
    refused = cli("incidents", "inspect", str(scenario), "--schema", "generic", "--area", str(area))
    assert_clean_failure(refused, "a scenario, whose incident entries", "drop --schema, --area")
    plain = cli("incidents", "inspect", str(write_scenario(tmp_path, GOOD)))
    assert_clean_failure(plain, "the scenario has no incident files (incidents:)")


def test_ctrl_c_says_what_became_of_the_files(tmp_path):
    import signal

    out = tmp_path / "out"
    command = [*CLI, "plan", str(write_scenario(tmp_path, GOOD)), "--out", str(out)]

    def as_a_terminal_starts_it() -> None:  # a run in the background ignores Ctrl-C
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    with subprocess.Popen(
        command, cwd=ROOT, stderr=subprocess.PIPE, text=True, preexec_fn=as_a_terminal_starts_it
    ) as process:
        assert process.stderr is not None
        assert process.stderr.readline().startswith("[1/6] street graph")  # planning has begun
        process.send_signal(signal.SIGINT)
        said = process.stderr.read()
    assert process.returncode == 130
    assert "interrupted: no file was written part-way" in said and "Traceback" not in said
    assert not out.exists()
