"""The Streamlit app headless with AppTest: plan, editor, errors, staffing.

AppTest runs the script in-process (it does not draw maps: the deck spec is checked as JSON).
The real browser tests are in ``test_browser.py``.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import itertools
import json
import math
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import gpxpy
import numpy as np
import pandas as pd
import pytest
import shapely
import streamlit as st
import yaml
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import FileUploader

from planner.errors import PlannerError, ScenarioError
from planner.evaluate import plan_warnings
from planner.incidents import load_incidents
from planner.scenario import IncidentSpec, load_scenario, scenario_to_yaml
from planner.tracks import METRES_PER_DEGREE
from tests.ui.conftest import ROOT
from ui import bound
from ui.bound import labelled
from ui.draft import (
    APP_TIME_LIMIT_S,
    DRAFT,
    OWN_LIMIT,
    SET_ASIDE,
    UPLOADS,
    WHERE,
    WIDGET,
    YAML_BOX,
    get_in,
    set_in,
)
from ui.legend import legend_html
from ui.map import (
    BLANK_STYLE,
    MAX_LABELS,
    RISK_CLASSES,
    risk_classes,
    route_records,
)
from ui.pick_map import picked_point
from ui.review import (
    download_names,
    download_stem,
    export_files,
    gap_help,
    officer_table,
    scenario_keys_note,
    zip_gpx,
)
from ui.staffing import apply_edits, shift_specs
from ui.timeline import position_at, time_steps

# AppTest resolves a relative path against the calling file, not the working folder.
APP = str(ROOT / "ui" / "app.py")
DEFAULT_YAML = ROOT / "scenarios" / "helsinki_default.yaml"
TIMEOUT_S = 240
LAYERS = {
    "post-reach": "ScatterplotLayer",
    "forbidden": "ScatterplotLayer",
    "streets": "PathLayer",
    "street-names": "TextLayer",
    "route-casing": "PathLayer",
    "routes": "PathLayer",
    "route-arrows": "TextLayer",
    "dwells": "ScatterplotLayer",
    "dwell-minutes": "TextLayer",
    "posts": "ScatterplotLayer",
    "must-cover": "ScatterplotLayer",
    "forbidden-names": "TextLayer",
    "stations": "ScatterplotLayer",
    "units": "ScatterplotLayer",
    "unit-labels": "TextLayer",
}
METRICS = [
    "Presence (risk x min)",
    "Risk in sight of a stop",
    "Risk covered by posts",
    "Hot spots dosed",
    "Routes gap",
]

# A scenario using every option the editor shows (paths absolute: the text is pasted).
RICH_YAML = """\
name: rich_test
area: {source: embedded}
shift: {date: 2026-12-04, start: "19:30", end: "03:00", timezone: Europe/Helsinki}
officers:
  count: 4
  station: {lat: 60.1699, lon: 24.9384}
  end_station: {lat: 60.1712, lon: 24.9441}
  pace_m_per_s: 1.1
  unit_size: 2
  held_back_share: 0.1
  meal_break: {minutes: 20, earliest: "22:00", latest: "23:00", at_station: false, most_at_once: 1}
  avoid: [steps, private]
dwell:
  min_minutes: 8
  max_minutes: 12
  visibility_radius_m: 60
  hotspot_top_percent: 8
  hotspot_min_separation_m: 80
  max_visits: 2
  revisit_value: 0.4
  min_revisit_gap_minutes: 45
  max_minutes_per_spot: 30
posts: {count: 3, visibility_radius_m: 120}
places:
  must_cover: [{lat: 60.1686, lon: 24.9414, name: Railway square}]
  forbidden: [{lat: 60.1655, lon: 24.9466, radius_m: 80, name: Works}]
risk: {terrain_bandwidth_m: 120, background_share: 0.2}
solver: {time_limit_s: 3, seed: 7, route_iterations: 50}
output_dir: /tmp/patrol-planner-rich-test
"""


# ---------------------------------------------------------------------------------------------
# Display and state helpers (no pipeline run)


#: How readers with no working M or L cones see linear RGB (Machado, Oliveira & Fernandes 2009,
#: severity 1): about one man in twelve has a deficiency of this red-green kind.
DEUTERANOPIA = np.array(
    [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]]
)
PROTANOPIA = np.array(
    [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ]
)


def _linear(rgb) -> np.ndarray:
    c = np.asarray(rgb, dtype=float) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _seen(rgb, deficiency: np.ndarray) -> np.ndarray:
    """The sRGB colour a reader with ``deficiency`` sees for ``rgb``."""
    linear = np.clip(deficiency @ _linear(rgb), 0.0, 1.0)
    return 255 * np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def _apart(a, b) -> float:
    """Least CIELAB distance of two colours: in full colour, and as either deficiency sees them."""
    return min(
        float(np.linalg.norm(_cielab(a) - _cielab(b))),
        *(
            float(np.linalg.norm(_cielab(_seen(a, m)) - _cielab(_seen(b, m))))
            for m in (DEUTERANOPIA, PROTANOPIA)
        ),
    )


def _cielab(rgb) -> np.ndarray:
    """CIELAB of an sRGB colour (D65 white), to measure how far apart two colours look."""
    linear = _linear(rgb)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    t = xyz @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_no_two_officers_colours_look_alike_to_any_reader_or_in_a_grey_print():
    from ui.map import OFFICER_COLOURS

    assert len(set(OFFICER_COLOURS)) == 8
    apart = {
        (i + 1, j + 1): _apart(a, b)
        for (i, a), (j, b) in itertools.combinations(enumerate(OFFICER_COLOURS), 2)
    }
    assert min(apart.values()) >= 25, sorted(apart.items(), key=lambda item: item[1])[:3]
    first = {pair: d for pair, d in apart.items() if max(pair) <= 4}  # most plans' units
    assert min(first.values()) >= 35, sorted(first.items(), key=lambda item: item[1])[:3]
    lightness = [_cielab(c)[0] for c in OFFICER_COLOURS[:4]]
    assert min(abs(a - b) for a, b in itertools.combinations(lightness, 2)) >= 15, lightness
    # and a route stands apart from the streets under it, whatever their risk
    ramp = [colour for _, colour, _, _ in RISK_CLASSES]
    near = min((_apart(o, r), o, r) for o in OFFICER_COLOURS for r in ramp)
    assert near[0] >= 18, near


def test_the_risk_ramp_darkens_as_the_risk_rises_so_a_grey_print_keeps_its_order():
    lightness = [_cielab(colour)[0] for _, colour, _, _ in RISK_CLASSES]
    assert all(a > b for a, b in itertools.pairwise(lightness)), lightness


def test_a_units_number_reads_on_its_colour():
    from ui.map import OFFICER_COLOURS, text_on

    def luminance(rgb) -> float:
        return float(np.dot([0.2126, 0.7152, 0.0722], _linear(rgb)))

    for colour in OFFICER_COLOURS:
        lighter, darker = sorted((luminance(colour), luminance(text_on(colour))), reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5, colour  # WCAG AA for text


def test_risk_classes_split_segments_by_percentile():
    classes = risk_classes(np.arange(100, dtype=float))
    assert np.bincount(classes).tolist() == [50, 25, 15, 7, 3]
    assert classes.max() == len(RISK_CLASSES) - 1


def test_risk_classes_of_no_segments_is_empty():
    assert risk_classes(np.zeros(0)).shape == (0,)


def test_blank_style_needs_no_server():
    style = json.loads((ROOT / "ui" / "static" / "blank-style.json").read_text())
    assert style["version"] == 8
    assert style["sources"] == {}
    assert [layer["type"] for layer in style["layers"]] == ["background"]
    assert BLANK_STYLE == "/app/static/blank-style.json"


def test_the_app_script_holds_no_bare_string_streamlit_would_write_on_the_page():
    import ast

    body = ast.parse(Path(APP).read_text(encoding="utf-8")).body
    bare = [
        node.lineno
        for node in body[1:]  # the module's docstring aside
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    ]
    assert bare == []


def test_the_legend_lists_posts_and_places_only_when_the_map_may_show_them():
    full = legend_html(officers=2)
    shown = ("officer 2", "direction walked", "post visibility radius", "must cover", "forbidden")
    assert all(s in full for s in shown)
    bare = legend_html(officers=2, word="unit", posts=False, places=False)
    assert "unit 2" in bare and "station" in bare
    assert not any(s in bare for s in ("post", "must cover", "forbidden", "officer"))
    assert "call for service" not in full + bare
    assert "call for service" in legend_html(officers=2, calls=True)
    assert "where each" not in full + bare  # the staffing maps show no unit at a time
    assert "where each unit is at the time chosen" in legend_html(
        officers=2, word="unit", units=True
    )


def test_warnings_naming_a_scenario_key_point_to_the_fields_help(monkeypatch):
    said = "back at the station with time left: ... (dwell.max_visits, dwell.max_minutes_per_spot)"
    assert "help (?) names its key" in scenario_keys_note(["rows dropped", said])
    assert scenario_keys_note(["12 rows without coordinates were dropped"]) is None
    assert scenario_keys_note(["risk.csv: 3 rows dropped", "area.osm.pbf: 2 ways"]) is None
    # the keys labelled with their fields need no pointer to the help
    monkeypatch.setattr(bound, "LABELS", {"dwell.max_visits": "Stops per hot spot"})
    assert labelled(said).endswith(
        "(dwell.max_visits ('Stops per hot spot' on the Scenario tab), dwell.max_minutes_per_spot)"
    )
    assert scenario_keys_note([labelled(said)]) is not None  # one key is still bare
    monkeypatch.setitem(bound.LABELS, "dwell.max_minutes_per_spot", "Most minutes at one spot")
    assert scenario_keys_note([labelled(said)]) is None
    # a key of three levels labelled needs no pointer either
    monkeypatch.setitem(bound.LABELS, "officers.meal_break.minutes", "Break (min)")
    said = "a break of officers.meal_break.minutes does not fit"
    assert scenario_keys_note([labelled(said)]) is None


def test_nested_get_and_set_of_the_draft():
    data = {"officers": {"count": 4}}
    set_in(data, "officers.meal_break.minutes", 30)
    assert get_in(data, "officers.meal_break.minutes") == 30
    set_in(data, "officers.meal_break.minutes", None)
    assert data == {"officers": {"count": 4, "meal_break": {}}}
    assert get_in(data, "dwell.max_minutes", 15) == 15


def test_picked_point_is_the_middle_vertex_of_the_street():
    selection = {
        "objects": {"pick-streets": [{"path": [[24.0, 60.0], [24.1, 60.1], [24.2, 60.2]]}]}
    }
    assert picked_point(selection) == (60.1, 24.1)
    assert picked_point({"indices": {}, "objects": {}}) is None


def test_the_page_says_the_scenario_keys_of_a_message_without_the_command_line_s(tmp_path):
    from planner.errors import IncidentDataError
    from planner.incidents import load_incidents
    from planner.scenario import IncidentSpec
    from ui.draft import page_words

    def refused(text: str) -> str:
        path = tmp_path / "odd.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(IncidentDataError) as err:
            load_incidents(IncidentSpec(path=path))
        return str(err.value)

    unknown = refused("a,b,c\n1,2,3\n")
    assert "; on the command line --x-col, --y-col" in unknown
    said = page_words(unknown)
    assert "command line" not in said and "--" not in said
    assert said.endswith("and id_col (incident number, when one incident has several rows)")
    mapped = refused("Lat,Long,Offence,When\n51.51,-0.09,Robbery,2020-01-01 10:00\n")
    assert "type_col: Offence (on the command line --schema generic" in mapped
    said = page_words(mapped)
    assert "schema: generic, time_col: When, type_col: Offence; known schemas:" in said
    assert "command line" not in said
    # a clause of its own, a comma or a semicolon opening it
    assert page_words("named with type_col, on the command line --type-col)") == (
        "named with type_col)"
    )
    assert page_words("(solver.time_limit_s; --time-limit on the command line)") == (
        "(solver.time_limit_s)"
    )
    assert page_words("On the command line: nothing opens it") == (
        "On the command line: nothing opens it"
    )
    assert page_words("give --time-limit on the command line") == (
        "give --time-limit on the command line"
    )  # nothing opens it: kept whole


def test_a_click_on_the_pick_map_says_what_it_did(monkeypatch):
    import types

    import streamlit as st

    from ui import pick_map
    from ui.draft import DRAFT, OPENED

    state = {DRAFT: {"officers": {"count": 2, "station": {"lat": 1.0, "lon": 2.0}}}}
    monkeypatch.setattr(st, "session_state", state)
    path = [[24.0, 60.0], [24.1, 60.1], [24.2, 60.2]]
    street = {"path": path, "tip": "Kalevankatu: click to use this street"}
    key = pick_map.pick_key()
    state[key] = types.SimpleNamespace(selection={"objects": {"pick-streets": [street]}})
    pick_map._picked(key)  # the mode defaults to the station
    assert state[DRAFT]["officers"]["station"] == {"lat": 60.1, "lon": 24.1}
    done = "Done: set the station on Kalevankatu (60.10000, 24.10000)."
    assert state[pick_map.PICK_NOTE] == (key, done)
    state[key] = types.SimpleNamespace(selection={"indices": {}, "objects": {}})
    pick_map._picked(key)  # a second click on the same street unpicks it: nothing happens, said so
    assert state[pick_map.PICK_NOTE][1].startswith("Nothing picked: click on a street")
    assert state[DRAFT]["officers"]["station"] == {"lat": 60.1, "lon": 24.1}
    # another scenario opened, or another area: a map of its own, which has picked nothing
    state[OPENED] = {"name": "other"}
    assert pick_map.pick_key() != key
    state[OPENED] = None
    assert pick_map.pick_key() == key
    state[DRAFT]["area"] = {"source": "file", "path": "city.osm.pbf"}
    assert pick_map.pick_key() != key


def test_position_at_interpolates_and_stands_still_at_the_ends():
    track = np.array([[24.0, 60.0, 0.0], [24.2, 60.2, 100.0], [24.2, 60.2, 200.0]])
    assert position_at(track, 50.0) == pytest.approx((24.1, 60.1))
    assert position_at(track, 150.0) == pytest.approx((24.2, 60.2))
    assert position_at(track, -10.0) == pytest.approx((24.0, 60.0))


def test_gpx_zip_is_byte_stable_and_holds_only_gpx():
    files = {"officer_1.gpx": b"<gpx/>", "plan.geojson": b"{}", "officer_2.gpx": b"<gpx/>"}
    assert zip_gpx(files) == zip_gpx(dict(files))
    entries = zipfile.ZipFile(io.BytesIO(zip_gpx(files))).infolist()
    assert [e.filename for e in entries] == ["officer_1.gpx", "officer_2.gpx"]
    # stamped with a fixed date, not the clock: the same bytes on another day too
    assert [e.date_time for e in entries] == [(1980, 1, 1, 0, 0, 0)] * 2


def test_shift_table_rows_become_shift_sections():
    import pandas as pd

    rows = pd.DataFrame(
        [
            {"day": "Friday", "start": "18:00", "end": "02:00"},
            {"day": "2026-12-05", "start": "08:00", "end": "16:00"},
        ]
    )
    specs = shift_specs(rows, {"weekday": "friday", "timezone": "Europe/Helsinki"})
    assert specs == [
        {"timezone": "Europe/Helsinki", "start": "18:00", "end": "02:00", "weekday": "friday"},
        {"timezone": "Europe/Helsinki", "start": "08:00", "end": "16:00", "date": "2026-12-05"},
    ]
    blank = pd.DataFrame([{"day": "friday", "start": None, "end": "02:00"}])
    with pytest.raises(PlannerError, match=r"shifts table, row 1: fill in start \(e\.g\."):
        shift_specs(blank, {})
    odd = pd.DataFrame([{"day": "20:00", "start": "18:00", "end": "02:00"}])
    with pytest.raises(PlannerError, match="day '20:00' is neither a weekday nor YYYY-MM-DD"):
        shift_specs(odd, {})
    late = pd.DataFrame([{"day": "friday", "start": "25:00", "end": "02:00"}])
    with pytest.raises(PlannerError, match=r"row 1: start '25:00' is not a clock time; write HH"):
        shift_specs(late, {})
    several = pd.DataFrame(
        [
            {"day": "friday", "start": "18:00", "end": "02:00"},
            {"day": "funday", "start": "25:00", "end": "02:00"},
            {"day": "saturday", "start": None, "end": "2am"},
        ]
    )
    with pytest.raises(PlannerError) as every:  # each problem said at once, one to a line
        shift_specs(several, {})
    assert str(every.value).splitlines() == [
        "shifts table, row 2: day 'funday' is neither a weekday nor YYYY-MM-DD; write e.g. "
        "friday or 2026-12-11",
        "shifts table, row 2: start '25:00' is not a clock time; write HH:MM from 00:00 to "
        "23:59, e.g. 18:00",
        "shifts table, row 3: fill in start (e.g. friday, 18:00, 02:00)",
        "shifts table, row 3: end '2am' is not a clock time; write HH:MM from 00:00 to 23:59, "
        "e.g. 18:00",
    ]


def test_a_shift_row_can_carry_its_own_meal_break_window():

    from ui.staffing import MEAL_WINDOW, shift_rows, with_meal_window

    night = {"weekday": "friday", "start": "18:00", "end": "02:00"}
    meal = {"minutes": 30, "earliest": "21:30", "latest": "22:30"}
    rows = shift_rows(night, meal)
    assert rows.to_dict("records") == [
        {
            "day": "friday",
            "start": "18:00",
            "end": "02:00",
            "break from": "21:30",
            "break to": "22:30",
        }
    ]
    assert shift_rows(night).iloc[0]["break from"] is None  # no break in the scenario
    rows.loc[1] = ["saturday", "10:00", "16:00", "12:00", "13:00"]
    rows.loc[2] = ["sunday", "10:00", "16:00", None, None]
    own, day, blank = shift_specs(rows, {})
    assert own[MEAL_WINDOW] == {"earliest": "21:30", "latest": "22:30"}
    assert day[MEAL_WINDOW] == {"earliest": "12:00", "latest": "13:00"}
    assert MEAL_WINDOW not in blank  # the scenario's window
    data = {"officers": {"meal_break": dict(meal)}}
    assert with_meal_window(data, own[MEAL_WINDOW], 1) == ""  # the scenario's own: unsaid
    assert with_meal_window(data, day[MEAL_WINDOW], 2) == ", break 12:00-13:00"
    assert data["officers"]["meal_break"] == {"minutes": 30, "earliest": "12:00", "latest": "13:00"}
    with pytest.raises(PlannerError, match=r"row 2: a break window is given but the scenario has"):
        with_meal_window({"officers": {}}, day[MEAL_WINDOW], 2)
    half = rows.assign(**{"break to": [None, "13:00", None]})
    with pytest.raises(PlannerError, match=r"row 1: fill in both break from and break to"):
        shift_specs(half, {})
    late = rows.assign(**{"break to": ["22:30", "13:75", None]})
    with pytest.raises(PlannerError, match=r"row 2: break to '13:75' is not a clock time"):
        shift_specs(late, {})


def test_shift_table_edits_are_folded_into_kept_rows():
    import pandas as pd

    rows = pd.DataFrame(
        [
            {"day": "friday", "start": "18:00", "end": "02:00"},
            {"day": "saturday", "start": "18:00", "end": "02:00"},
        ]
    )
    edits = {
        "edited_rows": {0: {"start": "19:00"}},
        "added_rows": [{"day": "sunday", "start": "08:00", "end": "16:00"}],
        "deleted_rows": [1],
    }
    out = apply_edits(rows, edits)
    assert out.to_dict("records") == [
        {"day": "friday", "start": "19:00", "end": "02:00"},
        {"day": "sunday", "start": "08:00", "end": "16:00"},
    ]
    assert rows.loc[0, "start"] == "18:00"  # the kept rows are not changed in place
    assert apply_edits(rows, {}).equals(rows)


def _edited_shift_table_app() -> None:
    """A page whose shift table was drawn and edited (its edits in the session, not folded)."""
    import pandas as pd
    import streamlit as st

    from ui.staffing import EDITOR, edited_rows

    rows = pd.DataFrame([{"day": "friday", "start": "18:00", "end": "02:00"}])
    st.session_state["table_v0"] = {"edited_rows": {0: {"start": "20:00"}}}
    st.session_state[EDITOR] = {"key": "table_v0", "rows": rows, "saved": "rows", "version": "v"}
    key, kept = edited_rows()
    st.code(f"{key} {kept.loc[0, 'start']} {rows.loc[0, 'start']}")


def test_a_reload_keeps_the_shift_tables_edits_not_folded_in_yet():
    at = AppTest.from_function(_edited_shift_table_app).run()
    assert at.code[0].value == "rows 20:00 18:00"  # the edit kept; the table's rows unchanged


def _reported_again_app() -> None:
    """A page whose browser reports a field and an uploader again, as changes, unchanged."""
    import json
    from types import SimpleNamespace

    import streamlit as st

    from ui import bound, uploads
    from ui.draft import DRAFT

    area = {"source": "embedded", "bbox_deg": [24.935, 60.16, 24.955, 60.172]}
    st.session_state[DRAFT] = {"area": area}

    def changed(source: str) -> None:  # the source field's callback, as the editor gives it
        st.session_state["ed:area.source"] = source
        then = lambda: bound.keep_source_fields(area, keep_cut=False)  # noqa: E731
        bound._changed("ed:area.source", "area.source", lambda v: v, then)

    changed("embedded")  # the source it has: the box stays
    kept = dict(area)
    changed("file")  # another source: its box goes with the old map
    handled = []
    for file_id in ("a", "a", "b", None, "b"):
        st.session_state["yaml_upload"] = file_id and SimpleNamespace(file_id=file_id)
        handled.append(uploads._handled_already("yaml_upload"))
    st.code(json.dumps({"kept": kept, "changed": area, "handled": handled}))


def test_a_field_or_a_file_reported_again_changes_nothing():
    """A tab shown again draws its widgets anew, and the browser can then report their values,
    and an uploader's file, as changes. The draft keeps what it has, and a file is opened once.

    Before, the area's source reported as it was dropped the box cutting the map, and the
    YAML file opened again set the scenario aside, offering to take back the box-less draft.
    """
    at = AppTest.from_function(_reported_again_app).run()
    assert not at.exception
    shown = json.loads(at.code[0].value)
    assert shown["kept"] == {"source": "embedded", "bbox_deg": [24.935, 60.16, 24.955, 60.172]}
    assert shown["changed"] == {"source": "file"}
    # a file reported again is handled already; a new one is not, nor one reported after the
    # uploader was emptied (the incident uploader's callback says so: its file's error goes)
    assert shown["handled"] == [False, True, False, False, False]


# ---------------------------------------------------------------------------------------------
# AppTest: the first load plans the default scenario (~10-20 s on 2 cores)


@pytest.fixture(scope="module")
def first_load() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    return at


def _app() -> AppTest:
    """A new session; the default plan is a cache hit after ``first_load``."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    return at


def _deck(at: AppTest, i: int = 0) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[i].proto.json)


def _layer(spec: dict, layer_id: str) -> dict:
    return next(layer for layer in spec["layers"] if layer["id"] == layer_id)


def _tab(at: AppTest, name: str) -> AppTest:
    at.session_state["tab"] = name
    return at.run()


def _errors(at: AppTest) -> list[str]:
    """Error texts as the command line prints them (markdown line breaks undone)."""
    return [e.value.replace("  \n", "\n") for e in at.error]


@pytest.mark.slow
def test_first_load_plans_the_default_scenario(first_load):
    assert not first_load.exception
    assert not first_load.error
    assert [m.label for m in first_load.metric] == METRICS
    assert not any(m.delta for m in first_load.metric)  # the KPIs' words are help, not deltas
    plan = first_load.session_state["plan"]
    assert plan.scenario.name == "helsinki_default"
    assert plan.scenario.solver.time_limit_s == APP_TIME_LIMIT_S  # the app's short default
    assert first_load.table[0].value["officer"].tolist() == [1, 2, 3, 4]
    downloads = [b.proto.label for b in first_load.get("download_button")]
    assert downloads == download_names(plan) == list(export_files(plan, "name: x\n"))
    # named by the scenario, the shift and the officers: other plans' do not replace them
    stem = f"helsinki_default_{plan.shift_start:%Y-%m-%d}_1800_4-officers"
    assert plan.shift_start.strftime("%a %H:%M") == "Fri 18:00"
    assert downloads == [
        f"{stem}_gpx.zip",
        f"{stem}_briefing.html",
        f"{stem}_plan.geojson",
        f"{stem}_schedule.csv",
        f"{stem}_kpis.json",
        f"{stem}_neighbourhoods.csv",
        f"{stem}_routes.json",
        "helsinki_default.yaml",
    ]
    replanned = dataclasses.replace(plan, label="variant 2 of 3, re-planned at 21:30")
    assert download_stem(replanned) == f"{stem}_replanned-2130"
    subheaders = [h.value for h in first_load.subheader]
    assert {"Officers (4)", "Hot spots dosed", "Exposure by area", "Solvers"} <= set(subheaders)
    exposure = next(d.value for d in first_load.dataframe if "presence / risk" in d.value)
    areas = plan.kpis["neighbourhoods"]["areas"]
    assert list(exposure["area"]) == [a["neighbourhood"] for a in areas]
    assert exposure["officer-min"].sum() > 0
    # the scenario file keeps its own limit, and the page and the files say the plan was a preview
    assert plan.label == f"app preview, {APP_TIME_LIMIT_S:g} s search"
    briefing = export_files(plan, "name: x\n")[f"{stem}_briefing.html"].decode()
    assert f"helsinki_default, app preview, {APP_TIME_LIMIT_S:g} s search</h1>" in briefing
    captions = [c.value for c in first_load.caption]
    # a warning naming a scenario key points to where the Scenario tab names its fields' keys
    note = scenario_keys_note(plan_warnings(plan))
    assert (note in captions) if note else not any("help (?) names" in c for c in captions)
    own = load_scenario(DEFAULT_YAML).solver.time_limit_s
    assert (
        f"The scenario file keeps its own time limit, {own:g} s; this plan was made with the "
        f"app's {APP_TIME_LIMIT_S:g} s preview: plan the file for the full search."
    ) in captions


def _default_and_value(widget: Any) -> tuple[Any, Any]:
    """A widget's default, which the browser shows until it draws the value set, and its value.

    Choices compare as option indices, times as the ``HH:MM`` the page sends.
    """
    proto = widget.proto
    unset = proto.DESCRIPTOR.fields_by_name["default"].has_presence and not proto.HasField(
        "default"
    )
    default = None if unset else proto.default
    match widget.type:
        case "selectbox" | "radio":
            return default, widget.index
        case "multiselect":
            return list(default), list(widget.indices)
        case "time_input":
            return default, None if widget.value is None else widget.value.strftime("%H:%M")
        case "select_slider":  # option indices
            return list(default), [widget.options.index(widget.format_func(widget.value))]
        case "date_input":
            return list(default), [widget.value.isoformat()]
    return default, widget.value


#: The kinds of widget the sidebar and the Scenario tab draw from the scenario.
DRAWN_KINDS = (
    "number_input",
    "text_input",
    "selectbox",
    "radio",
    "checkbox",
    "time_input",
    "multiselect",
)


@pytest.mark.slow
def test_each_widget_of_the_scenario_has_its_value_as_default(first_load):
    """A widget the browser has not drawn yet shows its default, and a tab clicked then sends
    what it shows: the sidebar (officers, time limit, example) and every field bound to the
    scenario take the value they show as their default too, so a quick click changes nothing.
    """
    at = _app()
    (slider,) = at.select_slider  # the Plan tab's time: two hours into the shift
    assert _default_and_value(slider) == ([24.0], [24])  # 24 five-minute steps
    drawn = {"sidebar": [w.key for kind in DRAWN_KINDS for w in at.sidebar.get(kind)]}
    assert {"scenario", "officers", "time_limit_s"} <= set(drawn["sidebar"])
    _tab(at, "Scenario")
    widgets = [w for kind in DRAWN_KINDS for w in at.get(kind)]
    kept = {*drawn["sidebar"], "pick_mode"}  # and what a reloaded page takes back
    ours = [w for w in widgets if w.key.startswith(WIDGET) or w.key in kept]
    assert {w.type for w in ours} == set(DRAWN_KINDS)
    assert len(ours) > 40
    shown = {w.key: _default_and_value(w) for w in ours}
    _tab(at, "Staffing")
    shown["staffing_counts"] = _default_and_value(at.multiselect(key="staffing_counts"))
    # the fields only another scenario draws: a dated shift, an end station, a dosage cap,
    # breaks staggered, no iteration cap
    other = (
        DEFAULT_YAML.read_text()
        .replace("weekday: friday", "date: 2026-12-04")
        .replace("  # max_minutes_per_spot: 30", "  max_minutes_per_spot: 25")
        .replace("    at_station: true", "    at_station: true\n    most_at_once: 2")
        .replace("  route_iterations: 1000", "  # route_iterations: 1000")
        .replace("  pace_m_per_s:", "  end_station: {lat: 60.1712, lon: 24.9414}\n  pace_m_per_s:")
    )
    at = _apply_yaml(at, other)
    assert not at.exception and _errors(at) == []
    again = [w for kind in (*DRAWN_KINDS, "date_input") for w in at.get(kind)]
    again = [w for w in again if w.key.startswith(WIDGET) and w.key not in shown]
    assert {
        "ed:shift.date",
        "ed:officers.end_station.lat",
        "ed:dwell.max_minutes_per_spot",
    } <= {w.key for w in again}
    shown |= {w.key: _default_and_value(w) for w in again}
    assert {key: pair for key, pair in shown.items() if pair[0] != pair[1]} == {}


def test_a_widgets_default_is_its_value_where_the_widget_takes_it():
    assert bound.as_default(st.multiselect, ["steps"], {}) == {"default": ["steps"]}
    assert bound.as_default(st.multiselect, [2], {"options": [2, 4]}) == {"default": [2]}
    assert bound.as_default(st.multiselect, [3], {"options": [2, 4]}) == {}
    assert bound.as_default(st.radio, "date", {"options": ["weekday", "date"]}) == {"index": 1}
    assert bound.as_default(st.selectbox, 2, {"options": [1, 2]}) == {"index": 1}
    assert bound.as_default(st.text_input, "", {}) == {"value": ""}
    assert bound.as_default(st.number_input, None, {"min_value": 1}) == {"value": None}
    assert bound.as_default(st.number_input, 1.5, {"min_value": 0.1, "step": 1.0}) == {"value": 1.5}
    # Streamlit refuses these as defaults: the widget keeps its own, as before
    assert bound.as_default(st.selectbox, 3, {"options": [1, 2]}) == {}
    assert bound.as_default(st.number_input, 0.05, {"min_value": 0.1}) == {}
    assert bound.as_default(st.number_input, 4000.0, {"max_value": 3600.0}) == {}
    assert bound.as_default(st.number_input, 3, {"min_value": 1.0}) == {}  # an int, float limits


@pytest.mark.shared_data
def test_a_plans_scenario_file_keeps_its_own_limit_after_another_is_opened(first_load):
    at = _app()
    at.sidebar.selectbox(key="scenario").set_value("city_of_london").run()  # 60 s, not planned
    assert at.session_state["plan"].scenario.name == "helsinki_default"
    _tab(at, "Plan")
    own = load_scenario(DEFAULT_YAML).solver.time_limit_s
    captions = [c.value for c in at.caption]
    assert any(
        c.startswith(f"The scenario file keeps its own time limit, {own:g} s") for c in captions
    )
    assert not any("own time limit, 60 s" in c for c in captions)


@pytest.mark.slow
def test_review_tables_come_from_the_kpis(first_load):
    plan = first_load.session_state["plan"]
    frames = [d.value for d in first_load.dataframe]
    dosage = next(f for f in frames if "hot spot" in f.columns)
    assert "officers" in dosage.columns  # one officer a unit: numbered as officers
    assert dosage["stops"].sum() == len(plan.kpis["hotspot_dosage"])
    assert len(dosage) == plan.kpis["routes"]["hotspots_dosed"]
    for clocks, gaps in zip(dosage["arrivals"], dosage["gaps (min)"], strict=True):
        minutes = [int(c[:2]) * 60 + int(c[3:]) for c in clocks.split(", ")]
        shown = [(b - a) % 1440 for a, b in itertools.pairwise(minutes)]
        assert gaps == ", ".join(map(str, shown))  # the gaps agree with the clocks beside them
    solvers = next(f for f in frames if "solver" in f.columns)
    assert solvers["step"].tolist() == ["posts", "routes"]
    schedule = next(f for f in frames if "lat" in f.columns)
    assert len(schedule) == len(plan.to_frame())
    assert schedule["start"].str.fullmatch(r"\d\d:\d\d").all()  # clock times on screen
    walks = schedule["action"] == "walk"
    # stop numbers sort as numbers; a row that is no stop shows a blank, not "None"
    assert schedule["stop"].dtype == "Int64" and schedule.loc[walks, "stop"].isna().all()
    table = next(d for d in first_load.dataframe if "lat" in d.value.columns)
    assert table.proto.HasField("placeholder") and table.proto.placeholder == ""
    dwells = plan.to_frame()["stop"].dropna()
    assert schedule.loc[dwells.index, "stop"].tolist() == dwells.tolist()
    assert solvers["status"].tolist()[1] == plan.kpis["routes"]["solver"]["status"]
    posts = next(f for f in frames if "post" in f.columns)
    located = plan.kpis["posts"]["locations"]
    assert posts["post"].tolist() == list(range(1, len(plan.posts) + 1))
    assert posts["place"].tolist() == [p["place"] for p in located]
    gaps = [plan.kpis[step]["solver"]["gap"] for step in ("posts", "routes")]
    assert solvers["gap"].tolist() == [f"{g:.1%}" for g in gaps]  # as the KPIs round it
    # a unit that never left is not said to be back (at the end of its meal break)
    kpis = copy.deepcopy(plan.kpis)
    kpis["routes"]["per_officer"][1].update(dwells=0, km_walked=0.0)
    table = officer_table(dataclasses.replace(plan, kpis=kpis))
    back = table["back at station"].tolist()
    assert back[1] == "stayed all shift" and re.fullmatch(r"\d\d:\d\d", back[0])
    assert table["loop min"].tolist() == [o["loop_min"] for o in kpis["routes"]["per_officer"]]
    meal = kpis["routes"]["per_officer"][0]["break"]
    assert table["meal break"][0] == f"{meal['start'][11:16]}, {meal['minutes']:.0f} min"


@pytest.mark.slow
def test_map_has_every_layer_and_the_local_style(first_load):
    spec = _deck(first_load)
    plan = first_load.session_state["plan"]
    assert spec["mapStyle"] == "/app/static/blank-style.json"
    assert {layer["id"]: layer["@@type"] for layer in spec["layers"]} == LAYERS
    streets = _layer(spec, "streets")["data"]
    assert len(streets) == len(plan.graph.segments)
    assert len({tuple(s["color"]) for s in streets}) == len(RISK_CLASSES)
    assert 0 < len(_layer(spec, "routes")["data"]) <= len(plan.routes)
    # arrowheads lie on a route of their colour, turned the way it is walked there
    steps: dict[tuple, list] = {}
    for route in _layer(spec, "routes")["data"]:
        steps.setdefault(tuple(route["color"]), []).extend(itertools.pairwise(route["path"]))
    assert _layer(spec, "route-arrows")["billboard"] is False  # they turn with the map
    arrows = _layer(spec, "route-arrows")["data"]
    assert {tuple(a["color"]) for a in arrows} == set(steps)
    for a in arrows:  # (a unit may walk a street both ways: any step under it will do)
        at = shapely.Point(a["position"])
        under = [s for s in steps[tuple(a["color"])] if shapely.LineString(s).distance(at) < 1e-6]
        headings = [
            np.degrees(np.arctan2(y1 - y0, (x1 - x0) * np.cos(np.radians(y0))))
            for (x0, y0), (x1, y1) in under
        ]
        assert any(abs((h - a["angle"] + 180) % 360 - 180) < 1.0 for h in headings)
    assert len(_layer(spec, "dwells")["data"]) == len(plan.kpis["hotspot_dosage"])
    # numbered as in the tables and the briefing
    tips = [d["tip"] for d in _layer(spec, "posts")["data"]]
    assert tips[0].startswith(f"Post 1 at {plan.posts[0].place}\n")
    dwells = _layer(spec, "dwells")["data"]
    first = plan.kpis["hotspot_dosage"][0]
    assert any(f"dwells at hot spot {first['hotspot']}, " in d["tip"] for d in dwells)
    # several units at one hot spot: a ring each, the first to arrive the widest, drawn first
    assert [d["radius"] for d in dwells] == sorted((d["radius"] for d in dwells), reverse=True)
    rings: dict[tuple, dict[tuple, set]] = {}
    for d in dwells:
        rings.setdefault(tuple(d["position"]), {}).setdefault(tuple(d["color"]), set()).add(
            d["radius"]
        )
    shared = [by_unit for by_unit in rings.values() if len(by_unit) > 1]
    assert shared  # the default plan sends two units to one hot spot
    for by_unit in shared:
        sizes = [r for radii in by_unit.values() for r in radii]
        assert len(sizes) == len(set(sizes)) == len(by_unit)  # one size per unit, none alike
    minutes = _layer(spec, "dwell-minutes")["data"]
    assert len(minutes) == plan.kpis["routes"]["hotspots_dosed"]
    assert all(m["text"].endswith(" min") for m in minutes)
    # each label counts its spot's stops: "15 min", "3 x 15 min" or "2 stops, 25 min"
    stops = sorted(Counter(d["hotspot"] for d in plan.kpis["hotspot_dosage"]).values())
    shown = sorted(
        1 if " x " not in m["text"] and "stops" not in m["text"] else int(m["text"].split()[0])
        for m in minutes
    )
    assert shown == stops and max(stops) > 1
    reach = _layer(spec, "post-reach")
    assert len(reach["data"]) == len(plan.posts) == plan.scenario.posts.count
    assert {p["radius"] for p in reach["data"]} == {plan.scenario.posts.visibility_radius_m}
    assert reach["radiusUnits"] == "meters"
    assert [u["label"] for u in _layer(spec, "units")["data"]] == ["1", "2", "3", "4"]
    labels = _layer(spec, "street-names")
    assert labels["characterSet"] == "auto"
    names = [label["name"] for label in labels["data"]]
    assert 0 < len(names) <= MAX_LABELS
    # the longest streets' names first; long streets named more than once along them
    segments = plan.graph.segments
    longest = segments.groupby("name")["length_m"].sum().idxmax()
    assert names[0] == longest and names.count(longest) > 1
    assert len(set(names)) < len(names)
    # the browser shows a name only where it overlaps none ranked before it: more zoomed in
    assert labels["extensions"] == [{"@@type": "CollisionFilterExtension"}]
    assert labels["getCollisionPriority"] == "@@=rank"
    ranks = [label["rank"] for label in labels["data"]]
    assert ranks == sorted(ranks, reverse=True)
    # no two anchors closer than 150 m
    lat = math.radians(plan.graph.nodes["lat"].mean())
    for a, b in itertools.combinations(labels["data"], 2):
        dx = (a["position"][0] - b["position"][0]) * math.cos(lat) * METRES_PER_DEGREE
        dy = (a["position"][1] - b["position"][1]) * METRES_PER_DEGREE
        assert math.hypot(dx, dy) >= 149.0, (a["name"], b["name"])


@pytest.mark.slow
def test_map_payload_stays_small(first_load):
    assert len(first_load.get("deck_gl_json_chart")[0].proto.json) < 5_000_000


def test_time_steps_keep_every_real_minute_when_clocks_go_back():
    import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Helsinki")
    start = datetime.datetime(2026, 10, 24, 20, tzinfo=zone)
    end = datetime.datetime(2026, 10, 25, 6, tzinfo=zone)
    steps = time_steps(start, end, 30)
    assert list(steps)[-1] == 11 * 3600  # 20:00 EEST to 06:00 EET
    assert list(steps.values()).count("03:30") == 2 and steps[11 * 3600] == "06:00"


@pytest.mark.slow
def test_time_slider_moves_the_units(first_load):
    at = _app()
    before = [u["position"] for u in _layer(_deck(at), "units")["data"]]
    at.select_slider[0].set_value(0).run()  # seconds since the shift's start
    at_start = [u["position"] for u in _layer(_deck(at), "units")["data"]]
    assert at_start != before
    assert len({tuple(p) for p in at_start}) == 1  # everyone at the station
    # the table of what each officer does then: one row each, the schedule's row under way
    doing = next(d.value for d in at.dataframe if "action" in d.value and "officer" in d.value)
    plan = at.session_state["plan"]
    assert doing["officer"].tolist() == [r.officer for r in plan.routes]
    first = plan.to_frame().drop_duplicates("officer")
    assert doing["action"].tolist() == first["action"].tolist()


@pytest.mark.slow
def test_the_schedule_shows_one_officers_timetable_when_asked(first_load):
    at = _tab(_app(), "Plan")
    plan = at.session_state["plan"]

    def schedule() -> pd.DataFrame:
        return next(d.value for d in at.dataframe if "stop" in d.value and "minutes" in d.value)

    assert len(schedule()) == len(plan.to_frame())  # every officer's rows at first
    at.selectbox(key="schedule_of").set_value("Officer 2").run()
    mine = plan.to_frame().query("officer == 2")
    assert schedule()["officer"].unique().tolist() == [2]
    assert schedule()["action"].tolist() == mine["action"].tolist()


@pytest.mark.slow
def test_changing_officers_replans_only_when_plan_is_pressed(first_load):
    at = _app()
    at.sidebar.number_input(key="officers").set_value(3).run()
    assert len(at.session_state["plan"].routes) == 4
    assert any("press Plan" in info.value for info in at.info)

    at.sidebar.button[0].click().run()
    assert not at.exception
    plan = at.session_state["plan"]
    assert len(plan.routes) == 3
    assert plan.scenario.solver.time_limit_s == APP_TIME_LIMIT_S
    assert at.table[0].value["officer"].tolist() == [1, 2, 3]
    assert "Officers (3)" in [h.value for h in at.subheader]
    assert not any("press Plan" in info.value for info in at.info)
    assert not at.toast
    at.sidebar.button[0].click().run()  # nothing changed: the press is answered
    assert [t.value for t in at.toast if t.value.startswith("Planned before")]
    assert at.session_state["plan"] is plan


@pytest.mark.slow
def test_planner_error_is_shown_and_the_page_stays_usable(first_load):
    at = _app()
    # the break must start by 18:05, but the only place to take it is a far end station
    late = DEFAULT_YAML.read_text().replace(
        "    lon: 24.93840\n",
        "    lon: 24.93840\n  end_station: {lat: 60.1745, lon: 24.9530}\n",
        1,
    )
    late = late.replace('"21:30"', '"18:00"', 1).replace('"22:30"', '"18:05"', 1)
    assert late.count("18:05") == 1 and "end_station" in late
    at = _apply_yaml(at, late)
    at.sidebar.button[0].click().run()
    assert not at.exception
    [error] = _errors(at)
    assert "meal break does not fit" in error and "misses its window" in error
    assert "widen officers.meal_break" in error  # what to change
    assert len(at.session_state["plan"].routes) == 4  # the previous plan is still shown
    assert [m.label for m in at.metric] == METRICS
    assert [w.value for w in at.warning if "previous one" in w.value] == [
        "Planning this scenario failed (see above): the plan below is the previous one."
    ]

    at = _apply_yaml(at, DEFAULT_YAML.read_text())  # back to the plan shown
    assert _errors(at) == []
    assert not any("previous one" in w.value for w in at.warning)


# ---------------------------------------------------------------------------------------------
# The scenario editor


def _yaml_box(at: AppTest):
    """The scenario's YAML box (its key follows the scenario's text)."""
    return at.text_area(key=at.session_state[YAML_BOX])


def _add_must_cover(at: AppTest, name: str, lat: float, lon: float) -> None:
    """Type a must-cover place in the Scenario tab's form and press Add."""
    at.text_input(key="add-must_cover-name").set_value(name)
    at.number_input(key="add-must_cover-lat").set_value(lat)
    at.number_input(key="add-must_cover-lon").set_value(lon)
    next(b for b in at.button if b.label == "Add").click().run()


def test_a_place_added_without_a_coordinate_is_said_and_keeps_what_was_typed(first_load):
    at = _tab(_app(), "Scenario")
    at.text_input(key="add-must_cover-name").set_value("Bank junction")
    at.number_input(key="add-must_cover-lat").set_value(60.1686)
    next(b for b in at.button if b.label == "Add").click().run()
    assert not at.exception
    said = [w.value for w in at.warning]
    assert "Not added: give the place's Lon in decimal degrees, or click its street" in " ".join(
        said
    )
    assert at.text_input(key="add-must_cover-name").value == "Bank junction"
    assert not get_in(at.session_state[DRAFT], "places.must_cover", [])
    at.number_input(key="add-must_cover-lon").set_value(24.9414)
    next(b for b in at.button if b.label == "Add").click().run()
    assert get_in(at.session_state[DRAFT], "places.must_cover", []) == [
        {"lat": 60.1686, "lon": 24.9414, "name": "Bank junction"}
    ]
    assert at.text_input(key="add-must_cover-name").value == ""
    assert not any("must-cover place" in w.value for w in at.warning)
    # a place typed with its coordinates the wrong way round is said at once, not at Plan
    _add_must_cover(at, "Swapped square", 24.9414, 60.1686)
    said = " ".join(w.value for w in at.warning)
    assert "places: must-cover place Swapped square is 4" in said
    assert "lat and lon look swapped: write lat: 60.1686, lon: 24.9414" in said
    # a place only steps reach, which the default's units avoid, is said to be kept off them
    _add_must_cover(at, "Steps end", 60.1704207, 24.9412085)
    said = " ".join(i.value for i in at.info)
    assert "must-cover place Steps end is nearest a street point that only ways the units" in said


def test_shift_hours_that_cut_the_meal_break_window_are_said_before_planning(first_load):
    text = DEFAULT_YAML.read_text()
    assert 'start: "18:00"' in text and 'earliest: "21:30"' in text
    at = _apply_yaml(
        _app(),
        text.replace('start: "18:00"', 'start: "22:00"').replace('end: "02:00"', 'end: "06:00"'),
    )
    said = [w.value for w in at.warning]
    assert any(
        "is cut to 22:00-22:30" in w and "the break now falls in the first 60 min" in w
        for w in said
    ), said
    # a window the shift leaves no room for: planning would stop, so it is said at once
    morning = _apply_yaml(
        _app(), text.replace('"21:30"', '"08:00"', 1).replace('"22:30"', '"09:00"', 1)
    )
    assert any(
        "officers.meal_break: meal_break window 08:00-09:00 plus 30 min does not fit in the "
        "shift (18:00-02:00)" in w.value
        for w in morning.warning
    ), [w.value for w in morning.warning]
    # as planned, the default's hours hold the window whole: nothing said
    again = _apply_yaml(_app(), text)
    assert not any("meal break window" in w.value for w in again.warning)
    assert not any("meal_break" in w.value for w in again.warning)


def test_edits_replaced_by_another_scenario_can_be_taken_back(first_load):
    at = _apply_yaml(_app(), DEFAULT_YAML.read_text())  # the same, unedited: nothing set aside
    assert not [b for b in at.sidebar.button if b.key == "take_back"]
    at.number_input(key="ed:dwell.max_minutes").set_value(14.0).run()
    other = DEFAULT_YAML.read_text().replace("name: helsinki_default", "name: other", 1)
    at.session_state["staffing_error"] = "shifts table, row 2: fill in day and start"
    at = _apply_yaml(at, other)
    assert "staffing_error" not in at.session_state  # it was about the other one's table
    assert at.text_input(key="ed:name").value == "other"
    assert at.number_input(key="ed:dwell.max_minutes").value == 15.0
    # the page names the scenario the box now holds, not the file it first showed
    assert "Editing: other (YAML box)" in [c.value for c in at.sidebar.caption]
    assert at.sidebar.button(key="take_back").label == "Take back your edits to helsinki_default"
    at.number_input(key="ed:dwell.max_minutes").set_value(13.0).run()  # edits to this one too
    at.sidebar.button(key="take_back").click().run()
    assert at.text_input(key="ed:name").value == "helsinki_default"
    assert at.number_input(key="ed:dwell.max_minutes").value == 14.0
    swap = at.sidebar.button(key="take_back")  # the two edited drafts swap
    assert swap.label == "Take back your edits to other"
    swap.click().run()
    assert at.number_input(key="ed:dwell.max_minutes").value == 13.0
    # a third scenario: both edited ones stay set aside, each with its button
    third = DEFAULT_YAML.read_text().replace("name: helsinki_default", "name: third", 1)
    at = _apply_yaml(at, third)
    labels = [b.label for b in at.sidebar.button if str(b.key).startswith("take_back")]
    assert labels == [
        "Take back your edits to other",
        "Take back your edits to helsinki_default",
    ]
    older = next(b for b in at.sidebar.button if b.label.endswith("helsinki_default"))
    older.click().run()
    assert at.text_input(key="ed:name").value == "helsinki_default"
    assert at.number_input(key="ed:dwell.max_minutes").value == 14.0
    # two drafts of one name set aside from two places: each button says where from
    (aside,) = [a for a in at.session_state[SET_ASIDE] if a[DRAFT]["name"] == "other"]
    at.session_state[SET_ASIDE] = [aside, {**aside, WHERE: "my_other.yaml"}]
    labels = [b.label for b in at.run().sidebar.button if str(b.key).startswith("take_back")]
    assert labels == [
        "Take back your edits to other (my_other.yaml)",
        f"Take back your edits to other ({aside[WHERE]})",
    ]


@pytest.mark.shared_data
def test_an_example_chosen_in_the_sidebar_sets_the_edits_aside(first_load):
    at = _tab(_app(), "Scenario")
    at.number_input(key="ed:dwell.max_minutes").set_value(14.0).run()
    at.sidebar.selectbox(key="scenario").set_value("city_of_london").run()
    assert at.text_input(key="ed:name").value == "city_of_london"
    at.sidebar.button(key="take_back").click().run()
    assert at.number_input(key="ed:dwell.max_minutes").value == 14.0
    assert at.sidebar.selectbox(key="scenario").value == "helsinki_default"  # as taken back
    at.sidebar.selectbox(key="scenario").set_value("city_of_london").run()  # opens it again
    assert at.text_input(key="ed:name").value == "city_of_london"


def _reloaded(at: AppTest) -> AppTest:
    """A new session on the page's address, as a reload (F5) opens it."""
    again = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    again.query_params["page"] = at.session_state["keep_page"]
    return again.run()


def test_a_reload_takes_back_the_page_under_an_id_of_its_own(first_load):
    at = _tab(_app(), "Scenario")
    at.number_input(key="ed:dwell.max_minutes").set_value(14.0).run()
    typed = _yaml_box(at).value.replace("count: 4", "count: 5")
    _yaml_box(at).set_value(typed).run()  # typed, not applied
    again = _reloaded(at)
    assert not again.exception
    assert again.session_state["tab"] == "Scenario"
    assert again.number_input(key="ed:dwell.max_minutes").value == 14.0
    assert _yaml_box(again).value == typed
    assert again.session_state["plan_key"] == at.session_state["plan_key"]  # not planned anew
    # the two sessions keep their work apart: an edit in one is not the other's on reload
    assert again.session_state["keep_page"] != at.session_state["keep_page"]
    again.number_input(key="ed:dwell.max_minutes").set_value(12.0).run()
    # the first tab, reloaded in turn, still finds its own work
    assert _reloaded(at).number_input(key="ed:dwell.max_minutes").value == 14.0
    assert _reloaded(again).number_input(key="ed:dwell.max_minutes").value == 12.0
    # typed text outlives reloads that land on another tab, which does not draw the box
    on_plan = _tab(_reloaded(at), "Plan")
    twice = _tab(_reloaded(on_plan), "Scenario")
    assert _yaml_box(twice).value == typed
    # an address naming a page no longer kept opens the example, and says so once
    lost = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    lost.query_params["page"] = "0" * 32
    assert lost.run().number_input(key="officers").value == 4
    (said,) = [w.value for w in lost.warning if "no longer kept" in w.value]
    assert said.startswith(
        "This page's scenario and plan are no longer kept: the app keeps the 200"
    )
    assert not [w for w in lost.run().warning if "no longer kept" in w.value]
    fresh = AppTest.from_file(APP, default_timeout=TIMEOUT_S).run()  # a new page: nothing lost
    assert not [w for w in fresh.warning if "no longer kept" in w.value]


def test_how_the_next_incident_file_is_read_outlives_another_tab_and_a_reload(first_load):
    """The schema, the column mapping and the date order set for the next incident file stay
    while the Plan tab is looked at, and through a reload; before, both set them back to auto.
    """
    at = _tab(_app(), "Scenario")
    at.selectbox(key="incident_schema").set_value("generic").run()
    at.text_input(key="incident_x_col").set_value("Easting").run()
    at.radio(key="incident_date_order").set_value("day_first").run()
    at.number_input(key="incident_max_snap_m").set_value(50.0).run()
    for page in (_tab(_tab(at, "Plan"), "Scenario"), _tab(_reloaded(at), "Scenario")):
        assert not page.exception
        assert page.selectbox(key="incident_schema").value == "generic"
        assert page.text_input(key="incident_x_col").value == "Easting"
        assert page.radio(key="incident_date_order").value == "day_first"
        assert page.number_input(key="incident_max_snap_m").value == 50.0


def test_a_reload_of_a_scenario_of_ones_own_does_not_show_the_example(first_load):
    text = (ROOT / "scenarios" / "helsinki_default.yaml").read_text(encoding="utf-8")
    at = _apply_yaml(_app(), text.replace("name: helsinki_default", "name: midtown"))
    assert at.sidebar.selectbox(key="scenario").value is None  # none: a scenario of one's own
    again = _reloaded(at)
    assert again.sidebar.selectbox(key="scenario").value is None
    assert "Editing: midtown (YAML box)" in [c.value for c in again.sidebar.caption]
    assert _reloaded(_app()).sidebar.selectbox(key="scenario").value == "helsinki_default"


def _apply_yaml(at: AppTest, text: str) -> AppTest:
    _tab(at, "Scenario")
    _yaml_box(at).set_value(text)
    at.button(key="apply_yaml").click().run()
    return at.run()  # the widgets wrote the draft back; the YAML shown follows it


def _cli_message(tmp_path: Path, text: str, where: str) -> str:
    """The command line's message for a scenario file holding ``text``, shown for ``where``."""
    file = tmp_path / "scenario.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(PlannerError) as err:
        load_scenario(file)
    return str(err.value).replace(str(file), where)


# Valid values beyond the editor's suggested limits: drawing the form must not change them.
EDGE_YAML = (
    RICH_YAML.replace("pace_m_per_s: 1.1", "pace_m_per_s: 0.22")
    .replace("hotspot_top_percent: 8", "hotspot_top_percent: 0.3")
    .replace(
        "terrain_bandwidth_m: 120, background_share: 0.2",
        "terrain_bandwidth_m: 0.5, background_share: 0.995",
    )
)


@pytest.mark.slow
@pytest.mark.parametrize("source", ["default", "rich", "edge"])
def test_editor_round_trip_yaml_widgets_yaml(first_load, tmp_path, source):
    text = {"default": DEFAULT_YAML.read_text(), "rich": RICH_YAML, "edge": EDGE_YAML}[source]
    assert source != "edge" or text.count("0.22") == text.count("0.995") == 1
    file = tmp_path / "scenario.yaml"
    file.write_text(text.replace("../out/", str(ROOT / "out") + "/"), encoding="utf-8")
    expected = scenario_to_yaml(load_scenario(file))
    at = _app()
    _apply_yaml(at, file.read_text())
    assert not at.exception
    assert _errors(at) == []
    assert _yaml_box(at).value == expected
    assert at.sidebar.number_input(key="officers").value == 4
    # the applied text is named as the box, not blamed on the file it was first read from;
    # text of another scenario by its own name, and the sidebar no longer calls it the example
    name = yaml.safe_load(text)["name"]
    example = at.sidebar.selectbox(key="scenario")
    if name == "helsinki_default":
        where = "scenarios/helsinki_default.yaml (YAML box)"
        assert not [c for c in at.sidebar.caption if c.value.startswith("Editing")]
        assert example.value == "helsinki_default"
    else:
        where = f"{name} (YAML box)"
        assert f"Editing: {where}" in [c.value for c in at.sidebar.caption]
        assert example.value is None  # blank: the example can be chosen again
        example.set_value("helsinki_default").run()
        assert at.session_state["draft_where"] == "scenarios/helsinki_default.yaml"
        _apply_yaml(at, file.read_text())  # back to the text under test
        assert at.sidebar.selectbox(key="scenario").value is None
    assert f"Editing: {where}" in [c.value for c in at.caption]
    at.session_state["draft_where"] = "mine.yaml"  # as after opening one's own file
    assert "Editing: mine.yaml" in [c.value for c in at.run().sidebar.caption]
    own = float(yaml.safe_load(text)["solver"]["time_limit_s"])
    assert at.sidebar.number_input(key="time_limit_s").value == own
    iterations = load_scenario(file).solver.route_iterations
    sooner = f", sooner when the route search ends its {iterations} iterations first"
    sooner = sooner if iterations else ""
    slow = [c.value for c in at.sidebar.caption if "gives a quick preview" in c.value]
    assert slow == (
        [
            f"At this limit a plan takes up to about {2 * own:g} s, at most {4 * own:g} s "
            f"(posts, then routes{sooner}); {APP_TIME_LIMIT_S:g} s gives a quick preview."
        ]
        if own > 7.5
        else []
    )


def test_the_plan_caption_says_a_risk_map_without_incidents_is_a_guess(first_load):
    from planner.evaluate import TERRAIN_LABEL

    captions = [c.value for c in _app().caption]
    assert [c for c in captions if c.endswith(f"risk model: {TERRAIN_LABEL}")]


def test_a_long_time_limit_without_an_iteration_cap_is_said_without_one(first_load):
    text = (ROOT / "scenarios" / "helsinki_default.yaml").read_text(encoding="utf-8")
    text = re.sub(r"\n *route_iterations:[^\n]*", "", text)
    text = text.replace("time_limit_s: 120", "time_limit_s: 20")
    at = _apply_yaml(_app(), text)
    assert not at.exception  # the caption once formatted the missing cap and broke the page
    assert at.sidebar.number_input(key="time_limit_s").value == 20
    slow = [c.value for c in at.sidebar.caption if "gives a quick preview" in c.value]
    assert slow == [
        f"At this limit a plan takes up to about 40 s, at most 80 s (posts, then routes); "
        f"{APP_TIME_LIMIT_S:g} s gives a quick preview."
    ]


@pytest.mark.slow
def test_yaml_applied_as_shown_keeps_the_files_own_time_limit(first_load):
    """The box shows the app's preview limit: an edit applied there must not save it as the
    file's own, as an edit in the form does not; another scenario pasted in keeps its own."""
    at = _tab(_app(), "Scenario")
    text = _yaml_box(at).value
    assert f"time_limit_s: {APP_TIME_LIMIT_S}" in text
    at = _apply_yaml(at, text.replace("posts:\n  count: 6", "posts:\n  count: 5"))
    assert not at.exception and _errors(at) == []
    assert get_in(at.session_state[DRAFT], "posts.count") == 5
    own = load_scenario(DEFAULT_YAML).solver.time_limit_s
    assert own != APP_TIME_LIMIT_S
    assert (at.session_state[OWN_LIMIT], at.session_state["time_limit_s"]) == (
        own,
        APP_TIME_LIMIT_S,
    )
    at = _apply_yaml(at, text.replace("name: helsinki_default", "name: midtown"))
    assert at.session_state[OWN_LIMIT] == APP_TIME_LIMIT_S


def test_editor_widgets_change_the_yaml(first_load):
    at = _tab(_app(), "Scenario")
    # each field's help names the scenario key the planner's messages use, after its own help
    stops = at.number_input(key="ed:dwell.max_visits")
    assert stops.label == "Stops per hot spot"
    assert stops.help == "Scenario file key: `dwell.max_visits`"
    together = at.number_input(key="ed:officers.meal_break.most_at_once").help
    assert together.startswith("Breaks are staggered")
    assert together.endswith("\n\nScenario file key: `officers.meal_break.most_at_once`")
    at.number_input(key="ed:dwell.max_minutes").set_value(12.0).run()
    at.checkbox(key="ed:officers.has_break").uncheck().run()
    at.run()
    at.selectbox(key="ed:neighbourhoods.source").set_value("none").run()
    at.run()
    # an online place, then the embedded extract again: the place goes with its source at once
    at.selectbox(key="ed:area.source").set_value("place").run()
    at.text_input(key="ed:area.place").set_value("Kallio, Helsinki").run()
    at.selectbox(key="ed:area.source").set_value("embedded").run()
    assert [e.value for e in at.error] == []
    saved = yaml.safe_load(_yaml_box(at).value)
    assert saved["dwell"]["max_minutes"] == 12.0
    assert "meal_break" not in saved["officers"]
    assert saved["neighbourhoods"]["source"] == "none"
    assert saved["area"] == {"source": "embedded"}


@pytest.mark.slow
def test_a_station_given_as_a_node_is_drawn_on_the_scenario_map(first_load):
    plan = first_load.session_state["plan"]
    nodes = plan.graph.nodes
    at = int(np.argmax(nodes["lat"].to_numpy()))  # the northernmost node, far from the example's
    text = DEFAULT_YAML.read_text().replace(
        "    lat: 60.16990\n    lon: 24.93840\n", f"    node_id: {nodes.index[at]}\n", 1
    )
    app = _apply_yaml(_tab(_app(), "Scenario"), text)
    (pick,) = [_deck(app, i) for i in range(len(app.get("deck_gl_json_chart")))]
    (station,) = _layer(pick, "stations")["data"]
    assert station["tip"] == "Station"
    assert station["position"] == pytest.approx([nodes["lon"].iloc[at], nodes["lat"].iloc[at]])


@pytest.mark.shared_data
def test_the_scenario_map_says_which_of_several_stations_of_the_name_is_taken(first_load):
    at = _app()
    at.sidebar.selectbox(key="scenario").set_value("city_of_london").run()
    text = (ROOT / "scenarios" / "city_of_london.yaml").read_text(encoding="utf-8")
    at = _apply_yaml(at, text.replace("police: any ", 'police: "Police Station"', 1))
    said = [i.value for i in at.info if "matches" in i.value]
    assert said == [
        "officers.station: 'Police Station' matches 2 police stations on the streets (Snow Hill "
        "Police Station, Wood Street Police Station); Snow Hill Police Station is taken, the "
        "first by name; write more of its name to choose another"
    ]


@pytest.mark.slow
def test_switches_show_what_the_draft_implies_and_edit_it(first_load):
    """A meal break or none, a station's kind: shown from the draft, changed through it.

    (That they follow a file opened on the page is checked in the browser: this test session
    has no page that keeps widget values.)
    """
    text = DEFAULT_YAML.read_text()
    start = text.index("  meal_break:\n")
    end = text.index("  avoid:")
    plain = text[:start] + text[end:]
    plain = plain.replace("    lat: 60.16990\n    lon: 24.93840\n", "    police: any\n", 1)
    at = _apply_yaml(_tab(_app(), "Scenario"), plain)
    assert not at.checkbox(key="ed:officers.has_break").value
    assert at.radio(key="ed:officers.station.kind").value == "police"
    at.number_input(key="ed:officers.pace_m_per_s").set_value(1.1).run()
    saved = yaml.safe_load(_yaml_box(at).value)
    assert "meal_break" not in saved["officers"]  # not brought back by the edit
    assert saved["officers"]["station"] == {"police": "any"}
    assert saved["officers"]["pace_m_per_s"] == 1.1
    # and a switch still edits the draft: the meal break comes back with default times
    at.checkbox(key="ed:officers.has_break").check().run()
    assert yaml.safe_load(_yaml_box(at).value)["officers"]["meal_break"]["minutes"] == 30.0


@pytest.mark.slow
def test_typing_in_the_yaml_box_and_the_click_mode_survive_another_tab(first_load):
    at = _tab(_app(), "Scenario")
    typed = _yaml_box(at).value.replace("count: 4", "count: 5")
    _yaml_box(at).set_value(typed).run()
    at.radio(key="pick_mode").set_value("forbidden").run()
    _tab(at, "Plan")
    _tab(at, "Scenario")
    assert _yaml_box(at).value == typed  # not applied, not lost
    assert at.radio(key="pick_mode").value == "forbidden"
    again = _reloaded(at)  # so does a reload: its next click must not move the station
    assert _tab(again, "Scenario").radio(key="pick_mode").value == "forbidden"
    at.sidebar.button[0].click().run()  # Plan: the text not applied is said, not planned
    assert any("holds text not applied" in w.value for w in at.warning)
    assert at.session_state["plan"].scenario.officers.count == 4


@pytest.mark.slow
def test_bad_yaml_value_shows_the_command_line_message(first_load, tmp_path):
    text = DEFAULT_YAML.read_text().replace("  count: 4\n", "  count: 0\n", 1)
    at = _apply_yaml(_app(), text)
    expected = _cli_message(tmp_path, text, "scenarios/helsinki_default.yaml (YAML box)")
    assert _errors(at) == [expected]
    assert "officers.count" in expected
    assert not at.exception
    assert at.session_state["plan"] is not None  # the page stays usable
    assert at.error[0].value.count("  \n") == expected.count("\n")  # a line per problem
    at.sidebar.button[0].click().run()  # Plan: the refused edit is said, not "planned before"
    assert [t.value for t in at.toast if "YAML edit was refused" in t.value]
    _tab(at, "Scenario")
    at.number_input(key="ed:dwell.max_minutes").set_value(14.0).run()
    assert _errors(at) == []  # the scenario changed since: the error would be about old text


def test_a_saved_scenario_naming_an_upload_says_how_to_bring_the_file_back(first_load):
    from ui.draft import UPLOADS_NOT_SAVED

    text = DEFAULT_YAML.read_text() + "incidents:\n  - path: city_of_london_2020.csv\n"
    at = _apply_yaml(_app(), text)
    (error,) = _errors(at)
    assert "incidents.0.path: file not found" in error and "city_of_london_2020.csv" in error
    assert error.endswith(UPLOADS_NOT_SAVED)
    # text opened in the app has no folder: the message names the one its paths are read from
    assert f"(in the app, relative paths are read from {ROOT / 'scenarios'})" in error
    assert "scenario file's folder" not in error
    assert "upload the file again on the Scenario tab" in UPLOADS_NOT_SAVED
    typo = DEFAULT_YAML.read_text() + "incidents:\n  - path: /data/crimes/london.csv\n"
    (error,) = _errors(_apply_yaml(_app(), typo))
    assert "file not found" in error and UPLOADS_NOT_SAVED not in error  # a path, not an upload


@pytest.mark.slow
def test_bad_widget_value_shows_the_command_line_message(first_load, tmp_path):
    at = _tab(_app(), "Scenario")
    at.number_input(key="ed:dwell.min_minutes").set_value(20.0).run()
    text = DEFAULT_YAML.read_text().replace("min_minutes: 10 ", "min_minutes: 20 ")
    expected = _cli_message(tmp_path, text, "scenarios/helsinki_default.yaml (edited)")
    assert "line 28: dwell.min_minutes (20.0) exceeds max_minutes (15.0)" in expected
    # the same words, less the line of the file, which edits in the form do not have, and
    # with the field's label beside the key
    shown = re.sub(r"line \d+: ", "", expected).replace(
        "dwell.min_minutes (20.0)",
        "dwell.min_minutes ('Shortest stop (min)' on the Scenario tab) (20.0)",
    )
    assert shown in _errors(at)
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Save the unfinished scenario YAML" in labels and "Save scenario YAML" not in labels
    # a key the form shows is named with its field's label, as the page shows it
    at.number_input(key="ed:dwell.min_minutes").set_value(10.0).run()
    assert _errors(at) == []
    at.text_input(key="ed:name").set_value("").run()
    assert _errors(at) == [
        "scenarios/helsinki_default.yaml (edited): invalid scenario:\n  name ('Scenario name' "
        "on the Scenario tab): String should have at least 1 character (got '')"
    ]
    assert "invalid scenario:  \n  name" in at.error[0].value  # markdown: a line of its own


@pytest.mark.slow
def test_the_streets_stay_on_the_scenario_map_while_an_error_lies_outside_the_area(first_load):
    at = _tab(_app(), "Scenario")
    assert len(at.get("deck_gl_json_chart")) == 1 and not at.info
    at.number_input(key="ed:dwell.min_minutes").set_value(20.0).run()
    assert _errors(at)  # dwell.min_minutes exceeds max_minutes
    assert len(at.get("deck_gl_json_chart")) == 1  # the streets, to go on clicking places
    assert "The streets of the scenario as last checked" in " ".join(c.value for c in at.caption)
    # an error in the area itself: its streets are not known
    at.selectbox(key="ed:area.source").set_value("file").run()
    assert not at.get("deck_gl_json_chart")
    assert [i.value for i in at.info] == ["Fix the scenario to see its streets."]


def _field_notes(at: AppTest) -> list[str]:
    """The problems shown below fields, as the scenario check says them (markup undone)."""
    marked = [m.value for m in at.markdown if m.value.startswith(":red[:material/error: ")]
    return [re.sub(r"\\(.)", r"\1", m.removeprefix(":red[:material/error: ")[:-1]) for m in marked]


def test_a_field_shows_the_problem_the_scenario_check_finds_in_it(first_load):
    at = _tab(_app(), "Scenario")
    assert _field_notes(at) == []
    at.number_input(key="ed:dwell.min_minutes").set_value(20.0).run()
    (error,) = _errors(at)  # said at the top too
    (note,) = _field_notes(at)
    assert note.startswith("dwell.min_minutes (20.0) exceeds max_minutes (15.0): lower")
    assert error.endswith(note.removeprefix("dwell.min_minutes"))  # there, with its label
    at.number_input(key="ed:dwell.min_minutes").set_value(10.0).run()
    assert _errors(at) == [] and _field_notes(at) == []
    # a problem naming two keys shows below both fields
    start = at.time_input(key="ed:shift.start").value
    at.time_input(key="ed:shift.end").set_value(start).run()
    notes = _field_notes(at)
    assert len(notes) == 2 and notes[0] == notes[1]
    assert notes[0].startswith("shift.start and shift.end are equal: a shift of no time")
    at.time_input(key="ed:shift.start").set_value(dt.time(2, 0))
    at.time_input(key="ed:shift.end").set_value(dt.time(23, 0)).run()
    notes = _field_notes(at)  # keys apart in the sentence: below both fields still
    assert len(notes) == 2 and notes[0].startswith("shift.start 02:00 and shift.end 23:00 make")
    at.time_input(key="ed:shift.start").set_value(start)
    at.time_input(key="ed:shift.end").set_value(dt.time(2, 0)).run()
    at.text_input(key="ed:name").set_value("").run()  # a key of one word
    assert _field_notes(at) == ["name: String should have at least 1 character (got '')"]


def _planned_yaml(text: str) -> AppTest:
    """Apply scenario ``text`` in the YAML box, press Plan, and open the Plan tab (no errors).

    The route search stops after 30 iterations: these tests read how a plan is shown.
    """
    text = text.replace("route_iterations: 1000", "route_iterations: 30", 1)
    assert "route_iterations: 30" in text
    at = _apply_yaml(_app(), text)
    at.sidebar.button[0].click().run()
    _tab(at, "Plan")
    assert not at.exception and not _errors(at)
    return at


@pytest.mark.slow
def test_pairs_are_planned_and_shown_as_units(first_load):
    text = DEFAULT_YAML.read_text().replace("  unit_size: 1 ", "  unit_size: 2 ", 1)
    assert "unit_size: 2" in text
    at = _planned_yaml(text)
    plan = at.session_state["plan"]
    assert plan.unit_word == "unit" and len(plan.routes) == 2
    tips = [u["tip"] for u in _layer(_deck(at), "units")["data"]]
    assert tips and all(t.startswith("Unit ") for t in tips)
    assert "Units (2): 4 officers in pairs" in [h.value for h in at.subheader]
    assert at.table[0].value["unit"].tolist() == [1, 2]
    dosage = next(d.value for d in at.dataframe if "hot spot" in d.value.columns)
    assert "units" in dosage.columns and "officers" not in dosage.columns  # unit numbers


@pytest.mark.slow
def test_a_scenario_without_posts_says_none_not_a_share(first_load):
    text = DEFAULT_YAML.read_text().replace("posts:\n  count: 6", "posts:\n  count: 0", 1)
    assert "count: 0" in text
    at = _planned_yaml(text)
    posts = next(m for m in at.metric if m.label == "Risk covered by posts")
    assert posts.value == "none"  # as the command line's table says, not "0.0%"
    assert not posts.delta  # its words are the help, not a change drawn as an arrow


@pytest.mark.slow
def test_officer_count_out_of_range_is_named_not_ignored(first_load):
    at = _app()
    at.sidebar.number_input(key="officers").set_value(0).run()
    at.sidebar.button[0].click().run()
    said = "officers.count ('Officers on foot' in the sidebar): should be greater than or equal"
    assert [e for e in _errors(at) if said in e and "(got 0)" in e]
    assert any("scenario has an error" in w.value for w in at.warning)
    assert len(at.session_state["plan"].routes) == 4  # the previous plan, marked as such


@pytest.mark.slow
def test_station_outside_the_area_shows_the_plan_message(first_load, tmp_path):
    at = _tab(_app(), "Scenario")
    at.number_input(key="ed:officers.station.lat").set_value(60.3).run()
    # said at once on the Scenario tab, beside the map to set it on
    (said,) = [w.value for w in at.warning if "officers.station" in w.value]
    assert "from the nearest street" in said
    assert said.endswith('To put it here, choose "set the station" and click a street on this map.')
    at.sidebar.button[0].click().run()
    file = tmp_path / "far.yaml"
    file.write_text(DEFAULT_YAML.read_text().replace("lat: 60.16990", "lat: 60.3"))
    scenario = load_scenario(file).model_copy(update={"source_file": None})  # edited: no file
    from planner.pipeline import run

    with pytest.raises(PlannerError) as err:
        run(scenario)
    assert _errors(at) == [str(err.value)]
    assert "from the nearest street" in str(err.value)
    assert len(at.session_state["plan"].routes) == 4
    assert any(
        "failed (see above): the plan below is the previous one" in w.value for w in at.warning
    )

    at = _tab(at, "Scenario")
    at.number_input(key="ed:officers.station.lat").set_value(60.1699).run()  # fixed, not planned
    assert _errors(at) == []
    assert not [w.value for w in at.warning if "officers.station" in w.value]


@pytest.mark.slow
def test_generic_incident_upload_with_dates_that_read_both_ways(first_load):
    content = b"lon,lat,t\n24.94,60.17,03/04/2026\n24.945,60.168,05/06/2026\n"
    at = _tab(_app(), "Scenario")
    at.selectbox(key="incident_schema").set_value("generic").run()
    at.text_input(key="incident_time_col").set_value("t").run()
    upload = _uploader(at, "incident_upload")
    upload.set_value(("dates.csv", content, "text/csv")).run()
    assert any("read both day first and month first" in e for e in _errors(at))
    at.radio(key="incident_date_order").set_value("day_first").run()
    (again,) = [b for b in at.button if b.key == "read_again"]  # the file refused, read again
    again.click().run()
    assert _errors(at) == []
    (entry,) = at.session_state["draft"]["incidents"]
    assert entry["date_order"] == "day_first" and entry["time_col"] == "t"
    assert Path(entry["path"]).name == "dates.csv"
    assert not [b for b in at.button if b.key == "read_again"]


@pytest.mark.slow
def test_swapped_coordinates_are_read_the_other_way_round_at_a_click(first_load):
    # a data.police.uk export whose Longitude column holds the latitudes
    street = b"Month,Crime type,Longitude,Latitude\n2026-01,Robbery,60.1686,24.9414\n"
    at = _uploaded("street.csv", street)
    (error,) = _errors(at)
    assert "would with latitude and longitude swapped" in error and "command line" not in error
    (offer,) = [b for b in at.button if b.key == "read_as_suggested"]
    assert offer.label == (
        "Read it so: schema: generic, x_col: Latitude, y_col: Longitude, time_col: Month, "
        "type_col: Crime type"
    )
    offer.click().run()
    assert _errors(at) == []
    (entry,) = at.session_state["draft"]["incidents"]
    assert (entry["x_col"], entry["y_col"], entry["time_col"]) == ("Latitude", "Longitude", "Month")
    # the next file is read so too: one laid out as exported is refused, and the message says
    # it was the settings beside the uploader, not the file
    right = b"Month,Crime type,Longitude,Latitude\n2026-01,Burglary,24.9414,60.1686\n"
    _uploader(at, "incident_upload").set_value(("next.csv", right, "text/csv")).run()
    (error,) = _errors(at)
    assert error.endswith(
        ". next.csv was read with the schema generic (x_col 'Latitude', y_col 'Longitude', "
        "time_col 'Month', type_col 'Crime type') set beside the uploader (Schema of the next "
        "file): if it is not laid out so, set that to auto and upload it again"
    )
    at.selectbox(key="incident_schema").set_value("auto").run()
    _uploader(at, "incident_upload").set_value(("next.csv", right, "text/csv")).run()
    assert _errors(at) == [] and len(at.session_state["draft"]["incidents"]) == 2
    # a generic file mapped the wrong way round keeps the rest of its mapping
    mine = b"lon,lat,t,kind\n60.1686,24.9414,2026-01-03 21:00,Theft\n"
    at = _tab(_app(), "Scenario")
    at.selectbox(key="incident_schema").set_value("generic").run()
    for field, column in (("x_col", "lon"), ("y_col", "lat"), ("time_col", "t")):
        at.text_input(key=f"incident_{field}").set_value(column).run()
    _uploader(at, "incident_upload").set_value(("mine.csv", mine, "text/csv")).run()
    (offer,) = [b for b in at.button if b.key == "read_as_suggested"]
    assert offer.label == "Read it so: schema: generic, x_col: lat, y_col: lon"
    offer.click().run()
    assert _errors(at) == []
    (entry,) = at.session_state["draft"]["incidents"]
    assert (entry["x_col"], entry["y_col"], entry["time_col"]) == ("lat", "lon", "t")


def _uploader(at: AppTest, name: str) -> FileUploader:
    """The uploader ``name`` as drawn now: each clearing draws it anew, under a new key."""
    (found,) = [u for u in at.file_uploader if str(u.key).rsplit("-", 1)[0] == name]
    return found


def _uploaded(name: str, content: bytes) -> AppTest:
    """A new session whose Scenario tab was given the incident file ``name`` holding ``content``."""
    at = _tab(_app(), "Scenario")
    return _uploader(at, "incident_upload").set_value((name, content, "text/csv")).run()


@pytest.mark.slow
def test_a_scenario_with_an_upload_saves_with_it_as_a_zip_and_opens_as_it_was(first_load):
    from planner.bundle import pack
    from planner.scenario import parse_scenario

    bundle_label = "Save with its files (.zip)"
    assert bundle_label not in _download_labels(_tab(_app(), "Scenario"))  # reads no file
    content = b"Month,Crime type,Longitude,Latitude\n2026-01,Burglary,24.9414,60.1686\n"
    at = _uploaded("mine.csv", content)
    assert bundle_label in _download_labels(at)
    saved = parse_scenario(copy.deepcopy(at.session_state[DRAFT]), "x", ROOT / "scenarios")

    at = _tab(_app(), "Scenario")  # a colleague's session, given the zip
    zipped = pack(saved)
    _uploader(at, "yaml_upload").set_value(("night.zip", zipped, "application/zip")).run()
    assert not at.exception and _errors(at) == []
    assert at.session_state[WHERE] == "night.zip"
    (entry,) = at.session_state[DRAFT]["incidents"]
    path = Path(entry["path"])
    assert (path.name, path.read_bytes()) == ("mine.csv", content)
    assert path.is_relative_to(at.session_state[UPLOADS])  # this session's copy
    assert "**mine.csv** (auto)" in [m.value for m in at.markdown]  # listed on the page
    assert bundle_label in _download_labels(at)  # and it saves with its file again

    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as two:
        two.writestr("a.yaml", "name: a\n")
        two.writestr("b.yaml", "name: b\n")
    _uploader(at, "yaml_upload").set_value(("two.zip", broken.getvalue(), "")).run()
    (error,) = _errors(at)
    assert error.startswith("two.zip: a scenario bundle holds one scenario YAML at its top")
    assert "found a.yaml, b.yaml" in error
    assert at.session_state[WHERE] == "night.zip"  # the scenario open stays
    # a zip whose YAML names a file it does not hold says so, by the file's name
    lacking = io.BytesIO()
    with zipfile.ZipFile(lacking, "w") as zipped:
        zipped.writestr("night.yaml", DEFAULT_YAML.read_text() + "incidents:\n  - path: gone.csv\n")
    _uploader(at, "yaml_upload").set_value(("lacking.zip", lacking.getvalue(), "")).run()
    (error,) = _errors(at)
    assert "incidents.0.path: file not found: gone.csv" in error, error
    assert error.endswith("(the zip holds no such file: save the scenario with its files again)")


def _download_labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


@pytest.mark.slow
def test_bad_incident_file_shows_the_loader_message(first_load, tmp_path):
    from ui.draft import page_words

    content = b"foo,bar\n1,2\n"
    local = tmp_path / "crimes.csv"
    local.write_bytes(content)
    with pytest.raises(PlannerError) as err:
        load_incidents(IncidentSpec(path=local))
    at = _uploaded("crimes.csv", content)
    shown = _errors(at)
    assert len(shown) == 1
    assert shown[0].endswith(page_words(str(err.value)).removeprefix(str(local)))
    assert "command line" not in shown[0]  # the page has no options: it names scenario keys
    assert shown[0].split(": ")[0] == "crimes.csv"  # as uploaded, not the server's copy
    assert (
        "incidents" not in at.session_state["draft"] or not at.session_state["draft"]["incidents"]
    )
    _uploader(at, "incident_upload").set_value(None).run()  # the file taken off
    assert _errors(at) == []


@pytest.mark.slow
def test_a_file_of_no_known_schema_is_read_with_the_mapping_suggested_at_a_click(first_load):
    content = b"date,latitude,longitude,offence\n2026-01-03 21:00,60.1686,24.9414,Theft\n"
    at = _uploaded("mine.csv", content)
    (error,) = _errors(at)
    assert "may read as schema: generic, time_col: date, type_col: offence" in error
    (offer,) = [b for b in at.button if b.key == "read_as_suggested"]
    assert offer.label == "Read it so: schema: generic, time_col: date, type_col: offence"
    offer.click().run()
    assert _errors(at) == []
    (entry,) = at.session_state["draft"]["incidents"]
    assert (entry["schema"], entry["time_col"], entry["type_col"]) == ("generic", "date", "offence")
    assert at.selectbox(key="incident_schema").value == "generic"  # the fields show how
    assert at.text_input(key="incident_time_col").value == "date"
    assert not [b for b in at.button if b.key == "read_as_suggested"]


def _held(at: AppTest, name: str) -> str | None:
    """The name of the file uploader ``name`` holds, if any."""
    upload = at.session_state.get(_uploader(at, name).key)
    return None if upload is None else upload.name


@pytest.mark.slow
def test_an_uploader_holds_a_file_only_while_it_is_refused(first_load):
    """A file listed or opened leaves its uploader, whose cross would not take it back; a file
    refused stays, to read again; a scenario opened since shows none given to the one before."""
    good = b"Month,Crime type,Longitude,Latitude\n2026-01,Burglary,24.9414,60.1686\n"
    at = _uploaded("street.csv", good)
    assert _errors(at) == [] and len(at.session_state[DRAFT]["incidents"]) == 1
    assert _held(at, "incident_upload") is None
    _uploader(at, "incident_upload").set_value(("bad.csv", b"foo,bar\n1,2\n", "text/csv")).run()
    assert len(_errors(at)) == 1 and _held(at, "incident_upload") == "bad.csv"
    assert [b.key for b in at.button if b.key == "read_again"] == ["read_again"]
    night = DEFAULT_YAML.read_text().replace("name: helsinki_default", "name: night", 1)
    _uploader(at, "yaml_upload").set_value(("night.yaml", night.encode(), "")).run()
    assert at.session_state[WHERE] == "night.yaml" and _errors(at) == []
    assert _held(at, "yaml_upload") is None and _held(at, "incident_upload") is None
    assert not [b for b in at.button if b.key == "read_again"]
    _uploader(at, "yaml_upload").set_value(("odd.yaml", b"name: [\n", "")).run()
    assert _held(at, "yaml_upload") == "odd.yaml"  # refused: its text is in the YAML box
    assert at.session_state[WHERE] == "night.yaml"
    _uploader(at, "incident_upload").set_value(("more.csv", good, "text/csv")).run()
    assert len(at.session_state[DRAFT]["incidents"]) == 1  # listed, and gone from its uploader
    assert _held(at, "incident_upload") is None and _held(at, "yaml_upload") == "odd.yaml"


@pytest.mark.slow
def test_good_incident_file_is_added_with_the_loader_summary(first_load):
    content = (
        b"Month,Crime type,Longitude,Latitude\n"
        b"2026-01,Burglary,24.9414,60.1686\n"
        b"2026-01,Robbery,24.9420,60.1690\n"
        b"2026-02,Burglary,,\n"
    )
    at = _uploaded("street.csv", content)
    assert _errors(at) == []
    [entry] = at.session_state["draft"]["incidents"]
    assert entry["path"].endswith("street.csv")
    captions = [c.value for c in at.caption]
    assert any("3 rows read, 2 kept; dropped: 1 without coordinates" in c for c in captions)
    assert any("2 of the 2 kept lie within 100 m of the area's streets" in c for c in captions)
    assert any(c.startswith("street.csv") for c in captions)  # as uploaded, not the server copy
    assert not any("patrol-planner-uploads" in c for c in captions)
    # the same file again, under any name, is refused at once: it would count twice
    _uploader(at, "incident_upload").set_value(("again.csv", content, "text/csv")).run()
    assert _errors(at) == [
        "again.csv: the same file as street.csv, already listed: its incidents would count "
        "twice; remove that one first to read it with other settings"
    ]
    assert not [b for b in at.button if b.key == "read_again"]  # other settings cannot help
    assert len(at.session_state["draft"]["incidents"]) == 1
    # removing the file listed takes the refusal with it: it is listed no more
    listed = at.session_state["draft"]["incidents"][0]["path"]
    at.button(key=f"remove-incident-0-{listed}").click().run()
    assert _errors(at) == [] and at.session_state["draft"]["incidents"] == []
    _uploader(at, "incident_upload").set_value(("street.csv", content, "text/csv")).run()
    assert len(at.session_state["draft"]["incidents"]) == 1
    # a corrected file of the same name replaces it: the scenario names its files by name
    fixed = content + b"2026-02,Robbery,24.9416,60.1688\n"
    _uploader(at, "incident_upload").set_value(("street.csv", fixed, "text/csv")).run()
    [entry] = at.session_state["draft"]["incidents"]
    assert Path(entry["path"]).read_bytes() == fixed
    assert [i.value for i in at.info] == [
        "street.csv replaced the file of that name listed before (a scenario names its incident "
        "files by name)"
    ]
    captions = [c.value for c in at.caption]
    assert any("4 rows read, 3 kept; dropped: 1 without coordinates" in c for c in captions)


@pytest.mark.slow
def test_a_plan_without_warnings_has_no_pointer_to_them(first_load):
    from planner.evaluate import plan_warnings

    at = _tab(_app(), "Plan")
    assert plan_warnings(at.session_state["plan"]) == []  # the default plan: nothing to say
    assert not [c.value for c in at.caption if "This plan has" in c.value]


@pytest.mark.slow
def test_a_plans_warnings_name_an_uploaded_file_as_uploaded(first_load):
    content = (
        b"Month,Crime type,Longitude,Latitude\n"
        b"2026-01,Burglary,24.9414,60.1686\n"
        b"2026-02,Burglary,,\n"
    )
    at = _uploaded("mine.csv", content)
    _tab(at, "Plan")
    at.sidebar.button[0].click().run()
    assert not at.exception
    said = [w.value for w in at.warning]
    assert any("mine.csv" in w and "1 without coordinates" in w for w in said), said
    # the figures point at them: the warnings are said below the map
    (pointer,) = [c.value for c in at.caption if c.value.startswith("⚠️ This plan has")]
    assert pointer.endswith("below the map: read before relying on these figures.")
    assert not any("patrol-planner-uploads" in w for w in said)
    # nor do the risk notes or the run summary name the server's copy
    shown = [m.value for m in at.markdown] + [c.value for c in at.code]
    assert any(s.startswith("mine.csv (uk_police): 2 rows read") for s in shown), shown
    assert not any("patrol-planner-uploads" in s for s in shown)
    # nor do the downloads: the KPIs and the briefing name the file read
    plan, uploads = at.session_state["plan"], at.session_state[UPLOADS]
    stem = download_stem(plan)
    kept = export_files(plan, "name: x\n")[f"{stem}_kpis.json"].decode()
    assert uploads in kept  # the plan itself read the server's copy
    files = export_files(plan, "name: x\n", uploads)
    kpis = json.loads(files[f"{stem}_kpis.json"])
    assert kpis["risk"]["notes"][0].startswith("mine.csv (uk_police): 2 rows read")
    for name in (f"{stem}_kpis.json", f"{stem}_briefing.html"):
        assert "patrol-planner-uploads" not in files[name].decode(), name


@pytest.mark.slow
def test_an_incident_file_of_another_city_is_refused_at_upload(first_load):
    content = b"Month,Crime type,Longitude,Latitude\n2020-01,Burglary,-0.0937,51.5155\n"
    at = _uploaded("london.csv", content)
    (shown,) = _errors(at)
    assert shown.startswith("london.csv: none of the 1 incidents lies within 100 m")
    assert "covers the same city" in shown
    assert not at.session_state["draft"].get("incidents")


@pytest.mark.slow
@pytest.mark.shared_data
def test_an_upload_is_checked_on_the_streets_of_an_area_not_yet_planned(first_load):
    at = _tab(_app(), "Scenario")
    at.sidebar.selectbox(key="scenario").set_value("city_of_london").run()  # its map draws
    assert at.session_state["plan"].scenario.name == "helsinki_default"  # not London's plan
    content = b"Month,Crime type,Longitude,Latitude\n2026-01,Burglary,24.9414,60.1686\n"
    upload = _uploader(at, "incident_upload")
    at = upload.set_value(("helsinki.csv", content, "text/csv")).run()
    (shown,) = _errors(at)
    assert shown.startswith("helsinki.csv: none of the 1 incidents lies within 100 m")
    listed = [Path(e["path"]).name for e in at.session_state["draft"]["incidents"]]
    assert listed == ["city_of_london_street_2020.csv"]  # the scenario's own file only


def test_upload_summaries_apply_the_scenarios_exclusions(first_load):
    content = (
        b"Month,Crime type,Longitude,Latitude\n"
        b"2026-01,Drugs,24.9414,60.1686\n"
        b"2026-01,Robbery,24.9420,60.1690\n"
    )
    at = _tab(_app(), "Scenario")
    at.session_state["draft"].setdefault("risk", {})["harm_exclude"] = ["Traffic"]  # keep drugs
    _uploader(at, "incident_upload").set_value(("drugs.csv", content, "text/csv")).run()
    assert _errors(at) == []
    report = next(iter(at.session_state["incident_reports"].values()))
    summary, details = report.line, report.details
    assert "2 rows read, 2 kept" in summary
    assert "excluded" not in summary and "excluded" not in details
    assert re.search(r"Drugs\s+1\s+1\s+drugs", details)  # rows, kept


def _types_table(at: AppTest):
    """The offence types table of the only incident file listed."""
    (table,) = [d for d in at.data_editor if d.key and d.key.startswith("types-")]
    return table


def _edit_types(at: AppTest, categories: dict[str, str]) -> AppTest:
    """Choose ``categories`` for offence types in the types table, as a click in it would."""
    table = _types_table(at)
    rows = table.value["offence type"].tolist()
    edits = {rows.index(t): {"category": c} for t, c in categories.items()}
    at.session_state[table.key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    return at.run()


def test_offence_types_are_put_in_harm_categories_in_a_table(first_load):
    content = (
        b"Month,Crime type,Longitude,Latitude\n"
        b"2026-01,Gubbins,24.9414,60.1686\n"
        b"2026-01,Gubbins,24.9416,60.1687\n"
        b"2026-01,Robbery,24.9420,60.1690\n"
        b"2026-02,,24.9420,60.1690\n"
    )
    at = _uploaded("local.csv", content)
    assert _errors(at) == []
    table = _types_table(at).value.set_index("offence type")
    assert table.loc["Gubbins", ["rows", "category", "harm (days)", "category from"]].tolist() == [
        2,
        "other",
        "5",
        "unmapped",
    ]
    assert table.loc["Robbery", "category from"] == "the schema's table"
    assert "(no type)" not in table.index  # no category can name it: said instead
    assert any(c.value == "1 row without a type is not listed." for c in at.caption)
    _edit_types(at, {"Gubbins": "robbery"})
    assert _errors(at) == []
    [entry] = at.session_state["draft"]["incidents"]
    assert entry["type_categories"] == {"Gubbins": "robbery"}
    table = _types_table(at).value.set_index("offence type")
    assert table.loc["Gubbins", ["category", "harm (days)", "category from"]].tolist() == [
        "robbery",
        "365",
        "yours",
    ]
    report = next(iter(at.session_state["incident_reports"].values()))
    assert re.search(r"Gubbins\s+2\s+2\s+robbery \(365\)", report.details)
    assert "Gubbins" in _yaml_box(at).value  # saved with the scenario, as the CLI reads it
    # a type put in a category left out: its rows are dropped, and the summary says so
    _edit_types(at, {"Gubbins": "drugs"})
    assert _errors(at) == []
    report = next(iter(at.session_state["incident_reports"].values()))
    assert "4 rows read, 2 kept; dropped: 2 of an excluded type" in report.line
    assert "type_categories puts 'Gubbins' in 'drugs', a category left out" in report.details


def test_a_scenarios_incident_file_is_read_for_its_types_on_request(first_load, tmp_path):
    local = tmp_path / "listed.csv"
    local.write_text(
        "Month,Crime type,Longitude,Latitude\n2026-01,Gubbins,24.9414,60.1686\n", encoding="utf-8"
    )
    text = DEFAULT_YAML.read_text(encoding="utf-8")
    text += f"incidents:\n  - path: {local}\n    type_categories: {{gubbins: robbery}}\n"
    at = _apply_yaml(_app(), text)
    assert _errors(at) == []
    assert not [d for d in at.data_editor if d.key and d.key.startswith("types-")]
    at.button(key=f"read-incident-0-{local}").click().run()
    table = _types_table(at).value.set_index("offence type")
    assert table.loc["Gubbins", ["category", "category from"]].tolist() == ["robbery", "yours"]
    # a choice in the table replaces the file's other spelling of the type
    _edit_types(at, {"Gubbins": "bicycle theft"})
    [entry] = at.session_state["draft"]["incidents"]
    assert entry["type_categories"] == {"Gubbins": "bicycle theft"}


def test_a_summary_read_with_other_harm_settings_is_read_again_on_request(first_load):
    content = b"Month,Crime type,Longitude,Latitude\n2026-01,Gubbins,24.9414,60.1686\n"
    at = _uploaded("one.csv", content)
    assert _types_table(at).value["harm (days)"].tolist() == ["5"]
    at.session_state["draft"].setdefault("risk", {})["harm_weights_days"] = {"Other": 9}
    at.run()  # the table and summary of the old weights are gone, not shown as current
    assert not [d for d in at.data_editor if d.key and d.key.startswith("types-")]
    [entry] = at.session_state["draft"]["incidents"]
    at.button(key=f"read-incident-0-{entry['path']}").click().run()
    assert _types_table(at).value["harm (days)"].tolist() == ["9"]


def test_a_type_choice_that_leaves_no_incident_is_refused(first_load):
    content = b"Month,Crime type,Longitude,Latitude\n2026-01,Gubbins,24.9414,60.1686\n"
    at = _uploaded("one.csv", content)
    _edit_types(at, {"Gubbins": "drugs"})
    (shown,) = _errors(at)
    assert shown.startswith(
        "one.csv (uk_police): 1 row read, 0 kept; dropped: 1 of an excluded type"
    )
    [entry] = at.session_state["draft"]["incidents"]
    assert "type_categories" not in entry
    table = _types_table(at).value.set_index("offence type")
    assert table.loc["Gubbins", "category"] == "other"  # drawn again without the refused edit


# ---------------------------------------------------------------------------------------------
# Staffing comparison: two levels on a local Dask cluster (spawned worker processes)


@pytest.fixture(scope="module", autouse=True)
def dask_closed():
    """The app's Dask pool, started by the first comparison, serves the module's tests."""
    yield
    from ui.staffing import dask_pool

    dask_pool.clear()  # closes the cluster (on_release)


def test_a_box_cutting_the_map_is_kept_shown_and_planned(first_load):
    text = DEFAULT_YAML.read_text().replace(
        "  source: embedded ", "  bbox_deg: [24.94, 60.163, 24.955, 60.172]\n  source: embedded "
    )
    at = _apply_yaml(_app(), text)
    box = at.text_input(key="ed:area.bbox_deg")
    assert box.value == "24.94, 60.163, 24.955, 60.172"
    assert yaml.safe_load(_yaml_box(at).value)["area"]["bbox_deg"] == [
        24.94,
        60.163,
        24.955,
        60.172,
    ]
    at.sidebar.button[0].click().run()  # Plan
    plan = at.session_state["plan"]
    assert "the part inside area.bbox_deg [24.94, 60.163, 24.955, 60.172]" in plan.graph.source
    assert plan.graph.nodes["lon"].between(24.94, 24.955).all()
    _tab(at, "Scenario")
    at.text_input(key="ed:area.bbox_deg").set_value("").run()
    assert yaml.safe_load(_yaml_box(at).value)["area"] == {"source": "embedded"}
    # an online box does not go on to cut the local map chosen next
    at.selectbox(key="ed:area.source").set_value("bbox").run()
    at.text_input(key="ed:area.bbox_deg").set_value("24.94, 60.163, 24.955, 60.172").run()
    assert yaml.safe_load(_yaml_box(at).value)["area"]["bbox_deg"] == [
        24.94,
        60.163,
        24.955,
        60.172,
    ]
    at.selectbox(key="ed:area.source").set_value("embedded").run()
    assert yaml.safe_load(_yaml_box(at).value)["area"] == {"source": "embedded"}


def test_a_station_named_on_the_scenario_tab_keeps_its_name_and_is_called_by_it(first_load):
    at = _tab(_app(), "Scenario")
    at.text_input(key="ed:officers.station.name").set_value("Pasila HQ").run()
    station = yaml.safe_load(_yaml_box(at).value)["officers"]["station"]
    assert station == {"lat": 60.1699, "lon": 24.9384, "name": "Pasila HQ"}
    at.radio(key="ed:officers.station.kind").set_value("node").run()  # another kind: same name
    assert yaml.safe_load(_yaml_box(at).value)["officers"]["station"]["name"] == "Pasila HQ"
    at.radio(key="ed:officers.station.kind").set_value("point").run()
    at.sidebar.button[0].click().run()  # Plan
    plan = at.session_state["plan"]
    assert plan.places[plan.routes[0].legs[0].from_node].startswith("Pasila HQ (")
    _tab(at, "Scenario")
    at.text_input(key="ed:officers.station.name").set_value("").run()
    assert "name" not in yaml.safe_load(_yaml_box(at).value)["officers"]["station"]


def test_a_station_made_a_point_starts_where_the_map_found_it(first_load):
    at = _tab(_app(), "Scenario")
    node = at.session_state["plan"].graph.nodes.iloc[100]
    at.radio(key="ed:officers.station.kind").set_value("node").run()
    at.number_input(key="ed:officers.station.node_id").set_value(int(node.name)).run()
    at.radio(key="ed:officers.station.kind").set_value("point").run()
    station = {"lat": round(node["lat"], 6), "lon": round(node["lon"], 6)}
    assert get_in(at.session_state[DRAFT], "officers.station") == station  # not a default point
    shown = [n.value for n in at.number_input if n.key in STATION_POINT_KEYS]
    assert shown == [station["lat"], station["lon"]]


STATION_POINT_KEYS = ("ed:officers.station.lat", "ed:officers.station.lon")


def _replan_widget(widgets, prefix: str):
    return next(w for w in widgets if (w.key or "").startswith(prefix))


def test_the_rest_of_the_shift_is_replanned_with_a_unit_taken_away(first_load):
    import datetime as dt

    at = _app()
    before = at.session_state["plan"]
    _replan_widget(at.multiselect, "replan_away_").set_value([2]).run()
    _replan_widget(at.time_input, "replan_at_").set_value(dt.time(19, 30)).run()
    _replan_widget(at.number_input, "replan_lat_2_").set_value(60.1675)
    _replan_widget(at.number_input, "replan_lon_2_").set_value(24.9500)
    _replan_widget(at.time_input, "replan_since_2_").set_value(dt.time(19, 10))
    next(b for b in at.button if b.label == "Re-plan").click().run()
    plan = at.session_state["plan"]
    assert [e.value for e in at.error] == []
    assert plan.label == "re-planned at 19:30, app preview, 1.5 s search"
    assert plan.replanned_s == 5400
    legs = plan.routes[1].legs
    (call,) = [leg for leg in legs if leg.kind == "call"]
    # away since 19:10: the call begins where the leg under way then ends (a walk goes on to
    # the end of its street), whatever the preview's search planned for it
    before_call = legs[legs.index(call) - 1]
    assert before_call.start_s <= 4200 < call.end_s == 5400
    assert call.start_s == pytest.approx(before_call.end_s)
    node = plan.graph.nodes.loc[call.to_node]
    assert abs(node["lat"] - 60.1675) < 0.001 and abs(node["lon"] - 24.95) < 0.002
    assert [leg.start_s for leg in plan.routes[0].legs[:3]] == pytest.approx(
        [leg.start_s for leg in before.routes[0].legs[:3]], abs=0.01
    )  # what was done before stays done
    assert "re-planned at 19:30" in at.session_state["plan_key"]
    assert any(i.value.startswith("Re-planned at 19:30: before then") for i in at.info)
    # the map marks where the call took unit 2, as the briefing does
    (mark,) = _layer(_deck(at), "calls")["data"]
    assert mark["position"] == pytest.approx([node["lon"], node["lat"]], abs=1e-5)
    assert re.fullmatch(r"Officer 2: call for service \d\d:\d\d-19:30", mark["tip"])
    assert any("call for service" in m.value for m in at.markdown)  # and its legend
    # the map opens at the re-plan's time, and a reload opens it there again
    assert [s.value for s in at.select_slider if s.label == "Where the units are at"] == [5400]
    again = _reloaded(at)
    assert again.session_state["plan"].replanned_s == 5400
    assert [s.value for s in again.select_slider if s.label == "Where the units are at"] == [5400]
    at.sidebar.button[0].click().run()  # Plan: the plan of the whole shift again
    assert at.session_state["plan"] is before


def test_a_unit_taken_away_is_offered_where_the_plan_has_it_at_the_re_plan_s_time(first_load):
    import datetime as dt

    at = _app()
    plan = at.session_state["plan"]
    _replan_widget(at.multiselect, "replan_away_").set_value([2]).run()
    shown = [s.value for s in at.select_slider if s.label == "Where the units are at"]
    # two times unit 2 stands at a hot spot, each on the five minutes the field steps by
    stands = [
        (leg.to_node, math.ceil(leg.start_s / 300) * 300)
        for leg in plan.routes[1].legs
        if leg.kind == "dwell" and math.ceil(leg.start_s / 300) * 300 < leg.end_s
    ]
    stands = [stands[1], next(s for s in stands[2:] if s[0] != stands[1][0])]
    for node, seconds in stands:
        clock = plan.shift_start + dt.timedelta(seconds=seconds)
        _replan_widget(at.time_input, "replan_at_").set_value(clock.time()).run()
        offered = [_replan_widget(at.number_input, f"replan_{k}_2_").value for k in ("lat", "lon")]
        spot = plan.graph.nodes.loc[node]
        assert offered == [round(spot["lat"], 5), round(spot["lon"], 5)]
    # the map stays at its own time
    assert [s.value for s in at.select_slider if s.label == "Where the units are at"] == shown


def test_the_re_plan_map_shows_the_units_taken_away_where_they_are_given(first_load):
    at = _app()
    _replan_widget(at.multiselect, "replan_away_").set_value([2, 3]).run()
    plan_map, call_map = (_deck(at, i) for i in range(len(at.get("deck_gl_json_chart"))))
    assert [layer["id"] for layer in call_map["layers"]] == [
        "streets",
        "street-names",
        "units",
        "unit-labels",
    ]
    assert _layer(call_map, "streets")["data"] == _layer(plan_map, "streets")["data"]
    tips = [street["tip"] for street in _layer(call_map, "streets")["data"]]
    assert any(tip.startswith("unnamed street, ") for tip in tips)  # a path with no name
    assert not any(tip.startswith("nan") for tip in tips)
    discs = _layer(call_map, "units")["data"]
    assert [d["label"] for d in discs] == ["2", "3"]
    for disc in discs:
        given = [
            _replan_widget(at.number_input, f"replan_{k}_{disc['label']}_").value
            for k in ("lon", "lat")
        ]
        assert disc["position"] == pytest.approx(given, abs=1e-5)
    (choice,) = [r for r in at.radio if r.label == "A click on a street of the map puts"]
    assert choice.options == ["Officer 2 there", "Officer 3 there"]
    assert any(
        c.value.startswith("Click the street where the call took Officers 2 and 3")
        for c in at.caption
    )


def test_a_street_clicked_on_the_re_plan_map_places_the_unit_chosen(monkeypatch):
    import types

    import streamlit as st

    from ui import replanning

    state: dict = {}
    monkeypatch.setattr(st, "session_state", state)
    path = [[24.0, 60.0], [24.1, 60.1], [24.2, 60.2]]
    street = {"path": path, "tip": "Kalevankatu, 120 m\nrisk density: high"}
    state["map"] = types.SimpleNamespace(selection={"objects": {"streets": [street]}})
    replanning._call_placed("map", "choice", "d1", (2, 3), "Officer")  # none chosen: the first
    assert (state["replan_lat_2_d1"], state["replan_lon_2_d1"]) == (60.1, 24.1)
    done = "Officer 2 placed on Kalevankatu (60.10000, 24.10000): set the rest and press Re-plan."
    assert state[replanning.CALL_NOTE] == ("map", done)
    state["choice"] = 3
    path[1] = [24.05, 60.15]
    replanning._call_placed("map", "choice", "d1", (2, 3), "Officer")
    assert (state["replan_lat_3_d1"], state["replan_lon_3_d1"]) == (60.15, 24.05)
    assert state["replan_lat_2_d1"] == 60.1  # the other unit stays where it was put
    state["map"] = types.SimpleNamespace(selection={"indices": {}, "objects": {}})
    replanning._call_placed("map", "choice", "d1", (2, 3), "Officer")  # a second click unpicks
    assert state[replanning.CALL_NOTE][1].startswith("Nothing placed: click on a street")
    assert state["replan_lat_3_d1"] == 60.15


def test_a_unit_busy_on_a_call_is_replanned_from_there_once_it_is_free(first_load):
    import datetime as dt

    at = _app()
    _replan_widget(at.multiselect, "replan_away_").set_value([2]).run()
    _replan_widget(at.time_input, "replan_at_").set_value(dt.time(19, 30)).run()
    _replan_widget(at.number_input, "replan_lat_2_").set_value(60.1675)
    _replan_widget(at.number_input, "replan_lon_2_").set_value(24.9500)
    _replan_widget(at.time_input, "replan_busy_2_").set_value(dt.time(20, 15))
    next(b for b in at.button if b.label == "Re-plan").click().run()
    assert [e.value for e in at.error] == []
    plan = at.session_state["plan"]
    (call,) = [leg for leg in plan.routes[1].legs if leg.kind == "call"]
    assert call.end_s == 8100  # 20:15, three quarters of an hour after the re-plan
    assert min(leg.start_s for leg in plan.routes[1].legs if leg.start_s > call.start_s) == 8100
    assert "busy until 20:15" in at.session_state["plan_key"]


def test_a_unit_gone_for_the_rest_of_the_shift_is_replanned_with_no_route_after(first_load):
    import datetime as dt

    at = _app()
    # a minute when unit 2 stands still: the call is where the plan has it, and still shows
    at_s = next(
        minute
        for leg in at.session_state["plan"].routes[1].legs
        if leg.kind in ("dwell", "reserve") and leg.start_s >= 3600
        for minute in [60.0 * (leg.start_s // 60 + 1)]
        if minute < leg.end_s
    )
    clock = at.session_state["plan"].shift_start + dt.timedelta(seconds=at_s)
    _replan_widget(at.multiselect, "replan_away_").set_value([2]).run()
    _replan_widget(at.multiselect, "replan_gone_").set_value([2, 3]).run()
    _replan_widget(at.time_input, "replan_at_").set_value(clock.time()).run()
    next(b for b in at.button if b.label == "Re-plan").click().run()
    assert [e.value for e in at.error] == []
    plan = at.session_state["plan"]
    *_, call, gone = plan.routes[1].legs
    assert call.kind == "call" and call.from_node == call.to_node  # a call on the spot
    assert gone.kind == "gone" and gone.end_s == at_s
    assert plan.kpis["routes"]["per_officer"][1]["gone_at"].endswith(f"T{clock:%H:%M}:00+02:00")
    # unit 3, gone without a call, ends after the last leg it finished: no call, no walk back
    *_, last, gone = plan.routes[2].legs
    assert last.kind != "call" and gone.kind == "gone" and gone.start_s == last.end_s <= at_s
    assert "; gone: 2, 3\n" in at.session_state["plan_key"]
    assert officer_table(plan)["back at station"][1] == f"gone from {clock:%H:%M}"  # not back
    tips = [r["tip"] for r in route_records(plan, plan.graph.segments.geometry.to_crs(4326))]
    assert any(t.startswith("Officer 2: ") and t.endswith(f"gone from {clock:%H:%M}") for t in tips)


def test_a_replan_is_set_against_the_plan_it_followed(first_load):
    import datetime as dt

    at = _app()
    before = at.session_state["plan"].kpis["routes"]
    _replan_widget(at.multiselect, "replan_away_").set_value([1]).run()
    _replan_widget(at.time_input, "replan_at_").set_value(dt.time(19, 30))
    _replan_widget(at.time_input, "replan_busy_1_").set_value(dt.time(21, 0))
    next(b for b in at.button if b.label == "Re-plan").click().run()
    assert [e.value for e in at.error] == []
    after = at.session_state["plan"].kpis["routes"]
    presence = next(m for m in at.metric if m.label.startswith("Presence"))
    assert presence.delta == f"{after['presence_min'] - before['presence_min']:+.2f}"
    dosed = next(m for m in at.metric if m.label.startswith("Hot spots"))
    assert dosed.delta == f"{after['hotspots_dosed'] - before['hotspots_dosed']:+d}"
    for metric in (presence, dosed):  # no change is grey, with no arrow: not "up by 0"
        still = float(metric.delta) == 0
        assert (metric.proto.direction == MetricProto.NONE) == still
        assert (metric.proto.color == MetricProto.GRAY) == still
    (table,) = [d.value for d in at.dataframe if "plan followed" in d.value.columns]
    row = table.set_index("whole shift").loc["presence (risk x min)"]
    assert row["plan followed"] == f"{before['presence_min']:.3f}"
    assert row["re-planned"] == f"{after['presence_min']:.3f}"
    rose = any(c.value.startswith("Presence rose: the re-plan's own") for c in at.caption)
    assert rose == (after["presence_min"] > before["presence_min"])
    at.sidebar.button[0].click().run()  # Plan: the whole-shift plan, nothing to set it against
    assert all(m.delta in (None, "") for m in at.metric)


def test_a_replan_refused_is_said_in_its_section_and_the_plan_stays(first_load):
    import datetime as dt

    at = _app()
    before = at.session_state["plan"]
    _replan_widget(at.multiselect, "replan_away_").set_value([1]).run()
    _replan_widget(at.time_input, "replan_at_").set_value(dt.time(19, 30)).run()
    _replan_widget(at.number_input, "replan_lat_1_").set_value(51.5)  # London, not Helsinki
    _replan_widget(at.number_input, "replan_lon_1_").set_value(-0.1)
    next(b for b in at.button if b.label == "Re-plan").click().run()
    assert at.session_state["plan"] is before
    (error,) = [e.value for e in at.error]
    assert "unit 1" in error.lower() and "km" in error
    assert "/tmp" not in error and "routes.json" not in error
    assert not [w.value for w in at.warning if "Planning this scenario failed" in w.value]
    assert not [i.value for i in at.info if i.value.startswith("Re-planned")]


def test_a_map_upload_names_a_scenario_still_named_as_its_file():
    from ui.uploads import name_for_map

    assert name_for_map("helsinki_default", "helsinki_default", "london.osm.pbf") == "london"
    assert name_for_map("helsinki_default", "helsinki_default", "a.osm") == "a"
    assert name_for_map("night shift", "helsinki_default", "london.osm.pbf") == "night shift"
    odd = name_for_map("helsinki_default", "helsinki_default", "City of London (1).OSM.PBF")
    assert odd == "City_of_London_1"  # a name the scenario takes: no spaces
    assert name_for_map("helsinki_default", "helsinki_default", "(...).osm") == "helsinki_default"


@pytest.mark.slow
def test_a_typed_map_path_names_a_scenario_still_named_as_its_file(first_load, tmp_path):
    at = _tab(_app(), "Scenario")
    at.selectbox(key="ed:area.source").set_value("file").run()
    typed = at.text_input(key="ed:area.path")
    typed.set_value(str(tmp_path / "atlanta_central_2021.osm.pb")).run()  # mistyped: not there
    assert at.session_state[DRAFT]["name"] == "helsinki_default"
    (tmp_path / "atlanta_central_2021.osm.pbf").write_bytes(b"")
    typed.set_value(str(tmp_path / "atlanta_central_2021.osm.pbf")).run()
    assert at.session_state[DRAFT]["name"] == "atlanta_central_2021"  # as an upload names it
    said = [c.value for c in at.sidebar.caption]
    assert "Editing: atlanta_central_2021, opened from this example" in said  # not Helsinki's
    at.text_input(key="ed:name").set_value("night shift").run()
    at.text_input(key="ed:area.path").set_value(str(tmp_path / "london.osm")).run()
    assert at.session_state[DRAFT]["name"] == "night shift"  # a name a planner gave stays


def test_the_routes_gap_is_said_in_plain_words():
    stopped = {"status": "TIME_LIMIT", "objective": 9.602, "bound": 9.996, "gap": 0.0394}
    said = gap_help(stopped)
    assert said.startswith(
        "No plan of this shift can earn more than 9.996 risk-weighted minutes (a proven bound); "
        "this one earns 9.602, so it is within 3.9% of the best possible."
    )
    assert "stopped at its limit (TIME_LIMIT): a longer one may close part of the gap" in said
    # how much its last half added tells whether a longer search is worth it
    flat = gap_help({**stopped, "last_half_gain": 0.004})
    assert flat.endswith(
        "The search stopped at its limit (TIME_LIMIT); its last half added 0.4 % to its best "
        "plan, so a longer one would likely add little: the gap is mostly the bound's slack."
    )
    rising = gap_help({**stopped, "last_half_gain": 0.05})
    assert rising.endswith(
        "its last half added 5.0 % to its best plan: a longer one may close part of the gap "
        "(raise the solver time limit)."
    )
    counted = gap_help({**stopped, "status": "ITERATION_LIMIT", "last_half_gain": 0.05})
    assert counted.endswith(
        "a longer one may close part of the gap (more route iterations: "
        "solver.route_iterations on the Scenario tab)."
    )
    ended = gap_help({**stopped, "status": "FEASIBLE"})
    assert ended.endswith(
        "The search ended on its own: the gap is the bound's slack, not the plan's."
    )
    proved = gap_help({**stopped, "status": "OPTIMAL", "objective": 9.996, "gap": 0.0})
    assert proved.endswith("within 0.0% of the best possible. The search proved it the best.")


def test_a_staffing_error_goes_once_the_choice_it_was_about_changes(first_load):
    at = _tab(_app(), "Staffing")
    assert at.multiselect(key="staffing_counts").proto.max_selections == 8  # a handful at most
    at.multiselect(key="staffing_counts").set_value([]).run()
    at.button(key="staffing_run").click().run()
    assert _errors(at) == ["Choose at least one officer count and one shift."]
    at.run()  # as chosen: still said
    assert _errors(at) == ["Choose at least one officer count and one shift."]
    at.multiselect(key="staffing_counts").set_value([2]).run()  # mended: no longer said
    assert _errors(at) == []


@pytest.mark.slow
def test_staffing_compares_two_levels(first_load):
    at = _app()
    at.sidebar.number_input(key="time_limit_s").set_value(0.5).run()
    _tab(at, "Staffing")
    at.multiselect(key="staffing_counts").set_value([2, 3]).run()
    at.button(key="staffing_run").click().run()
    assert not at.exception
    assert _errors(at) == []
    table = next(d.value for d in at.dataframe if "shift" in d.value.columns)
    assert table["officers"].tolist() == [2, 3]
    assert table["shift"].tolist() == ["friday 18:00-02:00"] * 2
    assert np.isnan(table["added per officer"].iloc[0])
    gain = table["presence"].iloc[1] - table["presence"].iloc[0]
    assert table["added per officer"].iloc[1] == pytest.approx(gain)
    runs = at.session_state["staffing"]["runs"].values()
    gaps = [100 * r.kpis["routes"]["solver"]["gap"] for r in runs]
    assert table["gap"].tolist() == pytest.approx(gaps)  # per cent, shown to one decimal
    said = {"TIME_LIMIT": "time limit", "ITERATION_LIMIT": "iterations", "OPTIMAL": "optimal"}
    stops = [said[r.kpis["routes"]["solver"]["status"]] for r in runs]
    assert table["search"].tolist() == stops  # in words that fit the column
    assert len(at.get("vega_lite_chart")) == 3
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 2
    routes = [len(_layer(_deck(at, i), "routes")["data"]) for i in range(2)]
    assert routes == [2, 3]
    # another shift's plans have their own risk and posts: not drawn on this plan's map
    result = at.session_state["staffing"]
    result["runs"][("saturday 08:00-16:00", 3)] = result["runs"][("friday 18:00-02:00", 3)]
    at.session_state["staffing"] = result
    at.run()
    assert at.selectbox(key="staffing_left").options == [
        "2 officers, friday 18:00-02:00",
        "3 officers, friday 18:00-02:00",
    ]
    assert any("other shifts have their own risk" in c.value for c in at.caption)
    # shifts compared on the risk terrain, alike at every hour, differ only in their hours
    flat = "Without incident data the risk is the same at every hour"
    assert not any(flat in w.value for w in at.warning)  # one shift in the table: no claim
    one = result["table"]
    result["table"] = pd.concat([one, one.assign(shift="saturday 08:00-16:00")])
    at.session_state["staffing"] = result
    assert any(flat in w.value for w in at.run().warning)
    result["table"] = one
    at.session_state["staffing"] = result
    at.run()
    # an edit of the scenario makes the comparison stale: said, and no maps of it are drawn
    _tab(at, "Scenario")
    at.number_input(key="ed:dwell.max_minutes").set_value(12.0).run()
    _tab(at, "Staffing")
    assert any("The scenario has changed since this comparison" in w.value for w in at.warning)
    assert len(at.get("deck_gl_json_chart")) == 0
    assert any("Run the comparison again" in i.value for i in at.info)
    # a reload keeps the comparison and the counts chosen
    again = _reloaded(at)
    assert again.session_state["staffing"] is result
    assert again.multiselect(key="staffing_counts").value == [2, 3]


def test_gpx_is_parseable_from_a_zip_of_a_plan_file():
    gpx = (
        b'<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
        b'<trk><trkseg><trkpt lat="60" lon="24"/></trkseg></trk></gpx>'
    )
    data = zip_gpx({"officer_1.gpx": gpx})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parsed = gpxpy.parse(archive.read("officer_1.gpx").decode())
    assert len(parsed.tracks) == 1


def test_staffing_names_the_count_from_which_every_hot_spot_has_all_its_stops():
    import pandas as pd

    from planner.staffing import saturated_from
    from ui.staffing import restart_notes, saturation_notes

    table = pd.DataFrame(
        {
            "shift": ["fri"] * 3 + ["sat"] * 3,
            "officers": [2, 4, 6] * 2,
            "all_stops_made": [False, True, True, False, False, False],
        }
    )
    (note,) = saturation_notes(table)
    assert restart_notes(table.assign(started_from=[None, None, 4, None, None, None])) == [
        "fri: 6 officers planned again from the plan for 4, which their own search had fallen "
        "below."
    ]
    assert note.startswith("fri: from 4 officers on, every hot spot gets all its stops (as many")
    assert saturation_notes(table.assign(all_stops_made=False)) == []
    assert saturated_from(table) == 4  # the terminal's summary says it once, for all shifts
    assert saturated_from(table[table["shift"] == "sat"]) is None


def test_staffing_warnings_are_listed_once_with_the_counts_that_issued_them():
    from ui.staffing import warning_lines

    posts = "posts.count: 3 posts would watch all the risk that these 6 watch"
    warned = {
        ("fri", 2): [posts],
        ("fri", 4): [posts, "4 units back early"],
        ("sat", 2): [posts],
        ("fri", 6): [posts],
    }
    assert warning_lines(warned) == [
        f"2, 4, 6 officers, fri: {posts}",
        "4 officers, fri: 4 units back early",
        f"2 officers, sat: {posts}",
    ]


def test_staffing_says_which_counts_may_owe_their_figures_to_the_time_limit():
    import pandas as pd

    from ui.staffing import time_limit_notes

    table = pd.DataFrame(
        {
            "shift": ["fri"] * 3 + ["sat"] * 3,
            "officers": [2, 4, 6] * 2,
            "units_back_early": [0, 1, 2, 0, 0, 3],
            "units_looping": [0] * 6,
            "routes_status": ["TIME_LIMIT"] * 2 + ["ITERATION_LIMIT"] + ["TIME_LIMIT"] * 3,
            "all_stops_made": [False] * 6,
            "routes_last_half_gain": [0.05] * 6,  # the searches were still gaining
        }
    )
    fri, sat = time_limit_notes(table)
    # a search stopped by its iterations is as short of time as one stopped by the clock
    assert fri.startswith("fri: at 4, 6 officers, units come back an hour or more early")
    assert sat.startswith("sat: at 6 officers, units")
    assert fri.endswith(
        "Raise the solver time limit in the sidebar (or the scenario's "
        "solver.route_iterations, for a search stopped at ITERATION_LIMIT)."
    )
    assert time_limit_notes(table.assign(units_back_early=0)) == []
    walking = table.assign(units_back_early=0, units_looping=[0, 0, 0, 0, 2, 0])
    (sat,) = time_limit_notes(walking)
    assert sat.startswith("sat: at 4 officers, units come back an hour or more early or walk loops")
    # idle because every hot spot has all its stops, whatever the time limit
    assert time_limit_notes(table.assign(all_stops_made=True)) == []
    # searches that added under 1 % in their last half: a longer one would likely change little
    assert time_limit_notes(table.assign(routes_last_half_gain=0.004)) == []


def test_staffing_charts_tick_only_the_counts_compared():
    import pandas as pd

    from ui.staffing import comparison_charts

    table = pd.DataFrame(
        {
            "shift": ["fri"] * 2,
            "officers": [2, 4],
            "presence_min": [7.6, 9.5],
            "marginal_presence_min": [float("nan"), 0.95],
            "risk_in_sight_share": [0.3, 0.31],
            "hotspots_dosed": [24, 27],
        }
    )
    charts = [chart.to_dict() for _, chart in comparison_charts(table)]
    assert charts[0]["encoding"]["x"]["axis"]["values"] == [2, 4]  # no tick at 3, not planned
    for chart in charts:  # long shift labels ("friday 18:00-02:00") are shown whole
        legend = chart["encoding"]["color"]["legend"]
        assert legend["labelLimit"] == 0 and legend["direction"] == "vertical"


def _scenario_file_app() -> None:
    """A page that opens the default scenario with the app's preview limit and shows its file."""
    import streamlit as st

    from planner.scenario import load_scenario
    from ui.draft import SCENARIO_DIR, current_scenario, scenario_file, use_draft

    path = SCENARIO_DIR / "helsinki_default.yaml"
    if "draft" not in st.session_state:
        use_draft(load_scenario(path), "scenarios/helsinki_default.yaml", path.parent, 1.5)
    scenario = current_scenario()
    if st.session_state.get("upload_area"):  # an OSM file uploaded in the app
        from ui.draft import save_upload

        uploaded = save_upload("my_district.osm.pbf", b"not read here")
        area = scenario.area.model_copy(update={"source": "file", "path": uploaded})
        scenario = scenario.model_copy(update={"area": area})
    st.code(scenario_file(scenario))


def _unfinished_file_app() -> None:
    """The default scenario opened, its dwell made invalid, and its unfinished file shown."""
    import streamlit as st

    from planner.scenario import load_scenario
    from ui.draft import SCENARIO_DIR, draft, set_in, use_draft
    from ui.uploads import unfinished_file

    path = SCENARIO_DIR / "helsinki_default.yaml"
    if "draft" not in st.session_state:
        use_draft(load_scenario(path), "scenarios/helsinki_default.yaml", path.parent, 1.5)
        set_in(draft(), "dwell.min_minutes", 20.0)
    st.code(unfinished_file())


def test_an_unfinished_scenario_saves_as_it_is_and_opens_with_its_error(tmp_path):
    at = AppTest.from_function(_unfinished_file_app).run()
    text = at.code[0].value
    assert text.startswith("# Unfinished: this scenario has an error to fix")
    saved = yaml.safe_load(text)
    assert saved["dwell"]["min_minutes"] == 20.0
    assert saved["output_dir"] == "../out/helsinki_default"  # as the example writes it
    assert saved["solver"]["time_limit_s"] == load_scenario(DEFAULT_YAML).solver.time_limit_s
    path = tmp_path / "unfinished.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=r"dwell\.min_minutes \(20\.0\) exceeds max_minutes"):
        load_scenario(path)  # the error it was saved with, nothing else
    saved["dwell"]["min_minutes"] = 10.0
    path.write_text(yaml.safe_dump(saved))
    assert load_scenario(path).dwell.min_minutes == 10.0  # fixed, it plans


def test_saved_scenario_keeps_its_own_time_limit_and_a_relative_output_folder():
    own = yaml.safe_load(DEFAULT_YAML.read_text())
    at = AppTest.from_function(_scenario_file_app).run()
    saved = yaml.safe_load(at.code[0].value)
    assert saved["solver"]["time_limit_s"] == own["solver"]["time_limit_s"] != 1.5
    assert saved["output_dir"] == own["output_dir"]  # ../out/helsinki_default, as shipped
    at.session_state["time_limit_s"] = 42.0  # set in the sidebar: the planner's choice
    assert yaml.safe_load(at.run().code[0].value)["solver"]["time_limit_s"] == 42.0
    assert not at.code[0].value.startswith("#")
    at.session_state["upload_area"] = True  # its server folder goes with the server
    text = at.run().code[0].value
    assert text.startswith("# Files uploaded in the app are named without a folder")
    assert yaml.safe_load(text)["area"]["path"] == "my_district.osm.pbf"
    assert "patrol-planner-uploads" not in text
    # renamed in the app, it writes beside the example's folder, not into it
    at.session_state["draft"]["name"] = "friday_test"
    assert yaml.safe_load(at.run().code[0].value)["output_dir"] == "../out/friday_test"


def test_the_at_table_places_a_walking_unit_on_its_street_then_whither():
    from ui.review import walking_place

    assert walking_place("walk", "Kaivokatu / Keskuskatu", "on Mikonkatu") == (
        "on Mikonkatu, to Kaivokatu / Keskuskatu"
    )
    assert walking_place("walk a loop", "station", "near Mikonkatu") == (
        "near Mikonkatu, on a loop back to station"
    )
    assert walking_place("dwell 15 min", "Kaivokatu / Keskuskatu", None) == "Kaivokatu / Keskuskatu"


def test_staffing_offers_whole_units_only_when_officers_walk_in_pairs(first_load):
    at = _tab(_app(), "Staffing")
    at.multiselect(key="staffing_counts").set_value([2, 3, 4]).run()
    _tab(at, "Scenario")
    at.selectbox(key="ed:officers.unit_size").set_value(2).run()
    _tab(at, "Staffing")
    counts = at.multiselect(key="staffing_counts")
    assert counts.value == [2, 4] and all(int(n) % 2 == 0 for n in counts.options)
    assert "Officers walk in units of 2: the counts 3 are left out." in [i.value for i in at.info]


@pytest.mark.slow
def test_an_upload_leaves_a_file_of_this_machine_of_the_same_name_listed(first_load, tmp_path):
    header = b"Month,Crime type,Longitude,Latitude\n"
    local = tmp_path / "street.csv"
    local.write_bytes(header + b"2026-01,Burglary,24.9414,60.1686\n")
    at = _tab(_app(), "Scenario")
    draft = at.session_state["draft"]
    draft["incidents"] = [{"path": str(local)}]
    at.session_state["draft"] = draft
    at.run()
    other = header + b"2026-01,Robbery,24.9420,60.1690\n"
    _uploader(at, "incident_upload").set_value(("street.csv", other, "text/csv")).run()
    paths = [entry["path"] for entry in at.session_state["draft"]["incidents"]]
    assert paths[0] == str(local) and len(paths) == 2  # added: only uploads are replaced
    assert not [i.value for i in at.info if "replaced" in i.value]


def _counted_runs(monkeypatch, hold_s: float) -> list[int]:
    """Count ``pipeline.run`` calls; the first holds ``hold_s`` before it plans."""
    import threading

    from planner import pipeline

    real, calls = pipeline.run, []
    opened = threading.Event()

    def run(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            threading.Timer(hold_s, opened.set).start()
            opened.wait(TIMEOUT_S)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "run", run)
    return calls


def _wait_stopped_once(monkeypatch) -> None:
    """Stop the page's next wait for a job, as a click that runs the page again does."""
    import streamlit as st

    from ui import jobs

    real = jobs.wait

    def stopped(job, draw):
        monkeypatch.setattr(jobs, "wait", real)
        st.stop()

    monkeypatch.setattr(jobs, "wait", stopped)


def test_a_step_under_way_is_said_with_its_seconds_so_far():
    from ui.jobs import Job

    job = Job({})
    job.report(0.66, "Planning: routes (5/6), searching up to 40 s")
    assert job.said() == job.text  # just begun
    job.since -= 12.4
    assert job.said() == "Planning: routes (5/6), searching up to 40 s: 12 s so far"
    job.report(0.7, job.text)  # the same step told again: its clock runs on
    assert job.said().endswith(": 12 s so far")
    job.report(0.83, "Planning: plan (6/6)")
    assert job.said() == "Planning: plan (6/6)"


def test_plan_pressed_again_while_it_is_made_plans_it_once(first_load, monkeypatch):
    at = _app()
    at.sidebar.number_input(key="time_limit_s").set_value(1.3).run()
    calls = _counted_runs(monkeypatch, hold_s=2.0)
    _wait_stopped_once(monkeypatch)
    at.sidebar.button[0].click().run()  # Plan; a click stops the page's wait, not the job
    at.sidebar.button[0].click().run()  # Plan pressed again while the plan is made
    assert not at.exception
    assert at.session_state["plan"].scenario.solver.time_limit_s == 1.3
    assert len(calls) == 1


def test_replan_pressed_again_while_it_is_made_replans_once(first_load, monkeypatch):
    import datetime as dt

    from planner import pipeline, rest_of_shift

    at = _app()
    _replan_widget(at.time_input, "replan_at_").set_value(dt.time(20, 15))
    calls = _counted_runs(monkeypatch, hold_s=2.0)
    monkeypatch.setattr(rest_of_shift, "run", pipeline.run)  # the counted one
    _wait_stopped_once(monkeypatch)
    next(b for b in at.button if b.label == "Re-plan").click().run()
    next(b for b in at.button if b.label == "Re-plan").click().run()  # again, while it runs
    assert not at.exception
    assert at.session_state["plan"].replanned_s == 8100
    assert len(calls) == 1


def test_a_plan_asked_for_by_a_second_page_while_it_is_made_is_made_once(first_load, monkeypatch):
    first, second = _app(), _app()  # two pages, or one reloaded while it plans
    for at in (first, second):
        at.sidebar.number_input(key="time_limit_s").set_value(1.2).run()
    calls = _counted_runs(monkeypatch, hold_s=2.0)
    _wait_stopped_once(monkeypatch)
    first.sidebar.button[0].click().run()  # Plan; the page goes before the plan is made
    second.sidebar.button[0].click().run()  # Plan: the same scenario, while it is made
    assert not second.exception
    assert second.session_state["plan"].scenario.solver.time_limit_s == 1.2
    assert len(calls) == 1


def test_a_replan_refused_is_not_said_of_the_next_plan(first_load):
    import datetime as dt

    at = _app()
    _replan_widget(at.multiselect, "replan_away_").set_value([1]).run()
    _replan_widget(at.time_input, "replan_at_").set_value(dt.time(19, 30)).run()
    _replan_widget(at.number_input, "replan_lat_1_").set_value(51.5)  # London, not Helsinki
    _replan_widget(at.number_input, "replan_lon_1_").set_value(-0.1)
    next(b for b in at.button if b.label == "Re-plan").click().run()
    assert [e.value for e in at.error if "unit 1" in e.value.lower()]
    at.sidebar.number_input(key="officers").set_value(3).run()
    at.sidebar.button[0].click().run()  # Plan: another plan, not the one the re-plan was of
    assert len(at.session_state["plan"].routes) == 3
    assert [e.value for e in at.error] == []


def test_run_comparison_pressed_again_while_it_runs_runs_it_once(first_load, monkeypatch):
    at = _quick_staffing_page()
    calls = _comparisons(monkeypatch)
    _wait_stopped_once(monkeypatch)
    at.button(key="staffing_run").click().run()  # a click stops the page's wait, not the work
    at.button(key="staffing_run").click().run()  # pressed again while it runs
    assert not at.exception
    assert _errors(at) == []
    assert _compared(at) == [2]
    assert len(calls) == 1
    at.multiselect(key="staffing_counts").set_value([3]).run()
    at.button(key="staffing_run").click().run()  # other counts: compared anew
    assert _errors(at) == []
    assert _compared(at) == [3]
    assert calls == [[2], [3]]


def test_a_click_while_the_first_plan_is_made_draws_the_page_at_once(first_load, monkeypatch):
    from ui.jobs import PLANNING

    at = _app()
    del at.session_state["plan"]  # as on a first load
    at.sidebar.number_input(key="time_limit_s").set_value(1.1)
    calls = _counted_runs(monkeypatch, hold_s=8.0)
    _wait_stopped_once(monkeypatch)
    at.run()  # the first load's planning; a click stops the page's wait, not the job
    _tab(at, "Scenario")  # the click: the page is drawn while the plan is made
    assert not at.exception
    assert "plan" not in at.session_state
    _tab(at, "Plan")
    assert at.info[0].value.startswith("The first plan is being made")
    at.session_state[PLANNING].future.result(TIMEOUT_S)
    at.run()  # as the progress does once the plan is made
    assert at.session_state["plan"].scenario.solver.time_limit_s == 1.1
    assert len(calls) == 1


#: The sidebar's shortest solver time limit: a comparison's plans are made in seconds.
QUICK_LIMIT_S = 0.1


def _quick_staffing_page() -> AppTest:
    """A page on the Staffing tab asking for the smallest comparison: 2 officers, quickly."""
    at = _app()
    at.sidebar.number_input(key="time_limit_s").set_value(QUICK_LIMIT_S).run()
    _tab(at, "Staffing")
    at.multiselect(key="staffing_counts").set_value([2]).run()
    return at


def _comparisons(monkeypatch, hold_s: float = 2.0) -> list[list[int]]:
    """Count ``staffing.run_comparison`` calls by their counts; the first holds ``hold_s``.

    Each then compares for real, on the app's Dask pool (started once per process).
    """
    import threading

    from ui import staffing

    real, calls = staffing.run_comparison, []
    opened = threading.Event()

    def comparison(runs_for, counts, client, job, area):
        calls.append(counts)
        if len(calls) == 1:
            threading.Timer(hold_s, opened.set).start()
            opened.wait(TIMEOUT_S)
        return real(runs_for, counts, client, job, area)

    monkeypatch.setattr(staffing, "run_comparison", comparison)
    return calls


def _compared(at: AppTest) -> list[int]:
    """The officer counts of the comparison the page keeps."""
    from ui.staffing import RESULT

    return at.session_state[RESULT]["table"]["officers"].tolist()


def test_a_comparison_taken_up_later_says_when_it_ended(first_load, monkeypatch):
    import datetime as dt

    from ui import staffing

    at = _quick_staffing_page()
    calls = _comparisons(monkeypatch, hold_s=0.0)
    _wait_stopped_once(monkeypatch)
    at.button(key="staffing_run").click().run()  # a click stops the page's wait, not the work
    job = at.session_state[staffing.JOB]
    job.future.result(TIMEOUT_S)
    # the page takes the comparison up an hour after it ended
    job.ended -= dt.timedelta(hours=1)
    at.run()
    assert not at.exception
    assert _errors(at) == []
    assert _compared(at) == [2]
    assert at.session_state["staffing"]["at"] == f"{job.ended:%H:%M}"
    assert f"{job.ended:%H:%M}" != f"{dt.datetime.now():%H:%M}"  # not when it was taken up
    assert len(calls) == 1


def test_a_comparison_under_way_is_taken_back_by_a_reload(first_load, monkeypatch):
    at = _quick_staffing_page()
    calls = _comparisons(monkeypatch)
    _wait_stopped_once(monkeypatch)
    at.button(key="staffing_run").click().run()  # the page is reloaded while it compares
    _wait_stopped_once(monkeypatch)
    again = _reloaded(at)  # it waits for the comparison (a click stops the wait)
    assert again.status[0].label == "Comparing staffing levels"
    again.button(key="staffing_run").click().run()  # pressed again while it runs: waits
    assert not again.exception
    assert _errors(again) == []
    assert _compared(again) == [2]
    assert len(calls) == 1


def test_a_comparison_asked_for_by_a_second_page_while_it_runs_is_run_once(first_load, monkeypatch):
    first, second = _quick_staffing_page(), _quick_staffing_page()
    calls = _comparisons(monkeypatch)
    _wait_stopped_once(monkeypatch)
    first.button(key="staffing_run").click().run()  # the page goes before it has compared
    second.button(key="staffing_run").click().run()  # the same comparison, while it runs
    assert not second.exception
    assert _errors(second) == []
    assert _compared(second) == [2]
    assert len(calls) == 1


def test_a_comparison_joined_with_its_table_written_otherwise_is_not_run_again(
    first_load, monkeypatch
):
    from ui.staffing import shift_rows

    first, second = _quick_staffing_page(), _quick_staffing_page()
    calls = _comparisons(monkeypatch)
    night = {"weekday": "friday", "start": "18:00", "end": "02:00"}
    rows = shift_rows(night).assign(day="Friday")  # the same shift, written otherwise
    second.session_state["staffing_rows_friday 18:00-02:00"] = rows
    _wait_stopped_once(monkeypatch)
    first.button(key="staffing_run").click().run()  # the page goes before it has compared
    _wait_stopped_once(monkeypatch)
    second.button(key="staffing_run").click().run()  # joins the first page's comparison
    second.button(key="staffing_run").click().run()  # pressed again while it runs
    assert not second.exception
    assert _errors(second) == []
    assert _compared(second) == [2]
    assert len(calls) == 1


def test_a_comparison_is_keyed_by_its_counts_and_shifts_not_by_the_count_the_page_plans():
    import datetime as dt

    from ui.staffing import _comparison_key

    def changed(scenario, section, **update):
        part = getattr(scenario, section).model_copy(update=update)
        return scenario.model_copy(update={section: part})

    base = load_scenario(DEFAULT_YAML)
    runs = [("fri", base), ("sat", changed(base, "shift", weekday="saturday"))]
    key = _comparison_key(runs, [2, 4])
    assert _comparison_key(runs, [4, 2]) == key
    # another page, its sidebar at 8 officers, asks for the same comparison: it joins
    assert _comparison_key([(s, changed(r, "officers", count=8)) for s, r in runs], [2, 4]) == key
    later = changed(runs[1][1], "shift", start=dt.time(20, 0))
    others = [
        _comparison_key(runs, [2, 6]),
        _comparison_key(runs[:1], [2, 4]),
        _comparison_key([runs[0], ("sat", later)], [2, 4]),
        _comparison_key([(s, changed(r, "dwell", max_minutes=20)) for s, r in runs], [2, 4]),
        _comparison_key([(s, changed(r, "solver", time_limit_s=9)) for s, r in runs], [2, 4]),
    ]
    assert key not in others


def test_a_plan_under_way_is_taken_back_by_a_reload(first_load, monkeypatch):
    from ui.jobs import PLANNING

    at = _app()
    at.sidebar.number_input(key="time_limit_s").set_value(1.4).run()
    calls = _counted_runs(monkeypatch, hold_s=2.0)
    _wait_stopped_once(monkeypatch)
    at.sidebar.button[0].click().run()  # Plan; the page is reloaded while it plans
    again = _reloaded(at)
    assert not again.exception
    again.session_state[PLANNING].future.result(TIMEOUT_S)
    again.run()  # as the progress does once the plan is made
    assert again.session_state["plan"].scenario.solver.time_limit_s == 1.4
    assert len(calls) == 1


def test_plan_pressed_again_while_it_is_made_shows_its_progress_once(first_load, monkeypatch):
    at = _app()
    at.sidebar.number_input(key="time_limit_s").set_value(1.6).run()
    _counted_runs(monkeypatch, hold_s=2.0)
    _wait_stopped_once(monkeypatch)
    at.sidebar.button[0].click().run()  # Plan; a click stops the page's wait, not the job
    at.sidebar.button[0].click().run()  # Plan pressed again: this run waits for it
    assert [box.label[: len("Planned in")] for box in at.status] == ["Planned in"]


def test_a_no_go_zone_is_named_on_the_map_so_colour_is_not_all_that_marks_it():
    from ui.map import place_layers, place_records

    named = {"lat": 60.1655, "lon": 24.9466, "radius_m": 80, "name": "Works"}
    unnamed = {"lat": 60.1660, "lon": 24.9470, "radius_m": 50}
    cover, zones = place_records([], [named, unnamed])
    assert [z["label"] for z in zones] == ["no-go: Works", "no-go"]
    names = {layer.id: layer for layer in place_layers(cover, zones)}["forbidden-names"]
    assert names.type == "TextLayer" and names.data == zones
    assert "border:3px solid rgb(200, 0, 0)" in legend_html(officers=1)  # its legend's thick edge


def test_the_page_keeps_its_plan_under_its_own_key(first_load):
    from ui.app import shown_key

    at = _app()
    key, plan = at.session_state["plan_key"], at.session_state["plan"]
    assert key == shown_key(key.rsplit("@ ", 1)[0], plan)  # the plan shown's, as drawn


def test_blank_text_fields_are_no_value_for_the_draft():
    from ui.editor import text_or_none

    assert text_or_none("") is None
    assert text_or_none("   ") is None
    assert text_or_none(" Pasila HQ ") == "Pasila HQ"


def test_a_page_draws_and_replans_its_own_plan_not_another_of_the_same_request(two_officer_plan):
    from ui.app import shown_key

    # searches stopped by their time end apart: two plans of one request keep two keys, so the
    # server's map, tracks and schedule (and re-plans) of one are never drawn for the other
    key = "name: x\n"
    own = shown_key(key, two_officer_plan)
    assert own.startswith(key)
    assert shown_key(key, two_officer_plan) == own
    first, *rest = two_officer_plan.routes
    other = dataclasses.replace(first, legs=first.legs[:-1])
    assert shown_key(key, dataclasses.replace(two_officer_plan, routes=(other, *rest))) != own
    posts = two_officer_plan.posts[::-1]
    assert len(posts) > 1
    assert shown_key(key, dataclasses.replace(two_officer_plan, posts=posts)) != own


def test_an_example_that_cannot_be_opened_leaves_the_sidebar_on_the_scenario_edited(
    first_load, monkeypatch, tmp_path
):
    from ui import draft

    # an example whose map is not on this machine (as ../shared is not, beside a fresh clone)
    examples = tmp_path / "scenarios"
    examples.mkdir()
    (examples / "helsinki_default.yaml").write_text(DEFAULT_YAML.read_text())
    missing = DEFAULT_YAML.read_text().replace(
        "source: embedded", "source: file\n  path: nowhere/city.osm.pbf"
    )
    (examples / "elsewhere.yaml").write_text(missing.replace("helsinki_default", "elsewhere"))
    monkeypatch.setattr(draft, "SCENARIO_DIR", examples)
    monkeypatch.setattr(draft, "REPO", tmp_path)
    at = _tab(_app(), "Scenario")
    at.number_input(key="ed:dwell.max_minutes").set_value(14.0).run()
    at.sidebar.selectbox(key="scenario").set_value("elsewhere").run()
    error = " ".join(e.value for e in at.error)
    assert "The example elsewhere cannot be opened, so you are still editing" in error
    # the key is named with its field's label once a page has drawn that field
    said = r"area\.path( \(.*? on the Scenario tab\))?: file not found: \S*nowhere/city\.osm\.pbf"
    assert re.search(said, error), error
    assert at.sidebar.selectbox(key="scenario").value == "helsinki_default"
    assert at.number_input(key="ed:dwell.max_minutes").value == 14.0  # the edits kept
    assert at.text_input(key="ed:name").value == "helsinki_default"
