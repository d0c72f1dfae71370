"""Scenario editor: widgets bound to the draft scenario (:mod:`ui.draft`), section by section.

The draft is the truth: every widget is set from it on every run and only a widget's change
callback writes to it, so neither a hidden tab whose widgets Streamlit drops nor a run that quick
edits interrupt can put a widget's default in place of a value. The draft is checked by the
library (:func:`ui.draft.current_scenario`), so the page shows the command line's messages.
Uploads (YAML, OSM extract, incident files) go through callbacks.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planner.scenario import (
    AREA_SOURCE_FIELDS,
    AVOIDABLE,
    MIN_RADIUS_M,
    MIN_ZONE_M,
    WEEKDAYS,
    Scenario,
    scenario_to_yaml,
)
from ui.draft import (
    INCIDENT_ERROR,
    INCIDENT_REPORTS,
    WHERE,
    WIDGET,
    add_incident_file,
    add_place,
    draft,
    get_in,
    load_text,
    save_upload,
    scenario_file,
    set_in,
)

MAPPING_FIELDS = ("x_col", "y_col", "crs", "time_col", "type_col", "id_col")
"""Column mapping of a generic incident file (``IncidentSpec``)."""

YAML_BOX = "yaml_box"
"""Session key holding the key of the scenario's YAML box (:func:`_yaml_box`)."""

APPLIED = " (YAML box)"
"""Added to the name of a scenario applied from the YAML box: it may differ from its file."""

AREA_SOURCES = {
    "embedded": "Embedded central Helsinki (offline)",
    "file": "OSM file (.osm.pbf / .osm)",
    "place": "Place name (online)",
    "bbox": "Bounding box (online)",
    "polygon": "Polygon WKT (online)",
}
HOOD_SOURCES = {
    "osm": "OSM place labels of the area (nearest by walking)",
    "file": "My own polygons (GeoJSON, GeoPackage, zipped shapefile)",
    "none": "None",
}
SCHEMAS = ("auto", "uk_police", "sf", "boston", "chicago", "atlanta_cobra", "generic")
STATION_KINDS = {"point": "Point (lat, lon)", "police": "OSM police station", "node": "OSM node"}


# ---------------------------------------------------------------------------------------------
# Widgets bound to the draft


def bound(
    widget: Callable[..., Any],
    label: str,
    path: str,
    default: Any = None,  # noqa: ANN401
    to_widget: Callable[[Any], Any] = lambda v: v,
    from_widget: Callable[[Any], Any] = lambda v: v,
    **kwargs: Any,  # noqa: ANN401
) -> Any:  # noqa: ANN401
    """Draw ``widget`` showing the draft's value at ``path``; its change callback writes to it.

    Parameters
    ----------
    widget : callable
        A Streamlit widget function (``st.number_input``, ...), called with ``key=``.
    label : str
        The widget's label.
    path : str
        Dotted path in the draft (``"dwell.max_minutes"``); also the widget key after ``ed:``.
    default : object, optional
        Value used when the draft has none.
    to_widget, from_widget : callable
        Conversions between the draft's JSON value and the widget's value.
    **kwargs
        Passed to the widget.

    Returns
    -------
    object
        The widget's value.
    """
    key = WIDGET + path
    # Set on every run: a widget seeded once can come back from an interrupted run or a hidden
    # tab with its own default (an empty name, the clock time, the minimum), and drawing it
    # would then write that default to the draft.
    st.session_state[key] = to_widget(get_in(draft(), path, default))
    value = widget(label, key=key, on_change=_changed, args=(key, path, from_widget), **kwargs)
    set_in(draft(), path, from_widget(value))  # a value the draft lacked: the default shown
    return value


def _changed(key: str, path: str, from_widget: Callable[[Any], Any]) -> None:
    """Write a changed value to the draft before the script runs (so the page checks it).

    Another callback of the same rerun (an example scenario chosen, a station picked) may have
    dropped the widget keys and loaded another draft: the change then has nothing to apply to.
    """
    if key in st.session_state:
        set_in(draft(), path, from_widget(st.session_state[key]))
        if path == "area.source":
            _keep_source_fields(draft()["area"])


def _keep_source_fields(area: dict[str, Any]) -> None:
    """Drop the area's fields its source does not use (a file's path once online, ...)."""
    used = AREA_SOURCE_FIELDS.get(area.get("source", ""))
    for key in [k for k in area if k not in ("source", used)]:
        del area[key]


def _time(value: str | None) -> dt.time:
    return dt.time.fromisoformat(value) if value else dt.time(18, 0)


def _clock(value: dt.time) -> str:
    return value.strftime("%H:%M")


def _number(label: str, path: str, default: float, **kwargs: Any) -> Any:  # noqa: ANN401
    """Draw a number input whose limits widen to the draft's value (drawing never changes it).

    Streamlit resets a value outside ``min_value`` / ``max_value`` to the minimum; the limits
    here only guide typing, and the scenario's own check judges the value.
    """
    value = get_in(draft(), path, default)
    if isinstance(value, int | float) and not isinstance(value, bool):
        for name, pick in (("min_value", min), ("max_value", max)):
            limit = kwargs.get(name)
            if isinstance(limit, float) or (isinstance(limit, int) and isinstance(value, int)):
                kwargs[name] = type(limit)(pick(limit, value))
    return bound(st.number_input, label, path, default, **kwargs)


# ---------------------------------------------------------------------------------------------
# Uploads: saved under a per-session temporary folder, named as uploaded


def _yaml_uploaded() -> None:
    upload = st.session_state.get("yaml_upload")
    if upload is None:
        return
    try:
        text = upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        _yaml_error(f"{upload.name}: not a UTF-8 text file; save the scenario as UTF-8 YAML")
        return
    _yaml_error(load_text(text, upload.name))


def refused_yaml(text: str | None) -> str | None:
    """Return why the last YAML read was refused, while the scenario's YAML is ``text`` still."""
    error = st.session_state.get("yaml_error")
    if error and text != st.session_state.get("yaml_error_of"):
        return None  # the scenario changed since: the error is about text no longer there
    return error


def _yaml_error(error: str | None) -> None:
    """Keep the error of a YAML read, for as long as the scenario stays the one it refused."""
    st.session_state["yaml_error"] = error
    st.session_state["yaml_error_of"] = st.session_state.get("yaml_text_of")


def _yaml_applied() -> None:
    """Open the text of the YAML box, named as the box, not as the file it was first read from."""
    where = st.session_state.get(WHERE, "scenario").removesuffix(APPLIED)
    text = st.session_state.get(st.session_state.get(YAML_BOX, ""), "")
    _yaml_error(load_text(text, where + APPLIED))


def _file_uploaded(section: str, keep: tuple[str, ...] = ()) -> None:
    """Point the draft's ``section`` at the file just uploaded (``source: file``).

    The section keeps only its ``keep`` keys besides; its source and path widgets show the
    draft on the next run, as every bound widget does.
    """
    upload = st.session_state.get(f"{section}_upload")
    if upload is None:
        return
    path = save_upload(upload.name, upload.getvalue())
    old = draft().get(section, {})
    draft()[section] = {
        **{key: old[key] for key in keep if key in old},
        "source": "file",
        "path": str(path),
    }


def _file_fields(
    section: str,
    labels: tuple[str, str],
    types: list[str],
    help_text: str,
    keep: tuple[str, ...] = (),
) -> None:
    """Upload a file for ``section``, or type its path on this machine (blank: none).

    ``labels`` name the uploader and the path field; an upload keeps the section's ``keep``
    keys (see :func:`_file_uploaded`).
    """
    upload, path = labels
    st.file_uploader(
        upload,
        type=types,
        key=f"{section}_upload",
        on_change=_file_uploaded,
        args=(section, keep),
        help=help_text,
    )
    bound(st.text_input, path, f"{section}.path", "")
    if not draft()[section].get("path"):
        draft()[section].pop("path", None)


def _incident_uploaded() -> None:
    upload = st.session_state.get("incident_upload")
    if upload is None:
        return
    spec = {
        "schema": st.session_state.get("incident_schema", "auto"),
        "max_snap_m": st.session_state.get("incident_max_snap_m", 100.0),
    }
    if spec["schema"] == "generic":
        for field in MAPPING_FIELDS:
            spec[field] = st.session_state.get(f"incident_{field}") or None
        if (order := st.session_state.get("incident_date_order", "auto")) != "auto":
            spec["date_order"] = order
    st.session_state[INCIDENT_ERROR] = add_incident_file(upload.name, upload.getvalue(), spec)


# ---------------------------------------------------------------------------------------------
# Sections


def load_save_section(scenario: Scenario | None) -> None:
    """Load a scenario YAML (upload or paste) and save the scenario being edited."""
    upload, download = st.columns([3, 2])
    upload.file_uploader(
        "Open a scenario YAML",
        type=["yaml", "yml"],
        key="yaml_upload",
        on_change=_yaml_uploaded,
        help="The file the command line reads (patrol-planner plan FILE). Relative paths in it "
        "are read from the repository's scenarios/ folder.",
    )
    with download:
        st.write("")
        if scenario is not None:
            st.download_button(
                "Save scenario YAML",
                scenario_file(scenario),
                file_name=f"{scenario.name}.yaml",
                mime="application/x-yaml",
                key="download-scenario-editor",
                on_click="ignore",
            )
        st.caption(f"Editing: {st.session_state.get(WHERE, '')}")
    text = scenario_to_yaml(scenario) if scenario is not None else None
    if error := refused_yaml(text):
        st.error(error.replace("\n", "  \n"))  # one line per problem
    # open while its text has an error to fix
    with st.expander("Scenario as YAML (edit and apply)", expanded=bool(error)):
        _yaml_box(text)
        st.button("Apply YAML", key="apply_yaml", on_click=_yaml_applied)


def _yaml_box(text: str | None) -> None:
    """Draw the scenario's YAML to edit: a box per scenario text, so typing stays until it changes.

    The box's key follows the text, not a value set once per change: quick edits that
    interrupt runs can leave a box's browser value behind its scenario, never a keyed box.
    While the scenario is refused (``text`` is None) the last box stays.
    """
    if text is not None:
        st.session_state["yaml_text_of"] = text
    shown = st.session_state.get("yaml_text_of", "")
    key = "yaml_text:" + hashlib.sha256(shown.encode()).hexdigest()[:16]
    if (old := st.session_state.get(YAML_BOX)) not in (None, key):
        st.session_state.pop(old, None)  # kept by persist_state otherwise
    st.session_state[YAML_BOX] = key
    st.text_area(
        "YAML",
        value=shown,
        key=key,
        height=300,
        label_visibility="collapsed",
        persist_state="page",  # the typing survives a visit to another tab
    )


def area_section() -> None:
    """Choose where the streets come from: embedded, an uploaded or local OSM file, online."""
    source = bound(
        st.selectbox,
        "Street graph",
        "area.source",
        "embedded",
        options=list(AREA_SOURCES),
        format_func=AREA_SOURCES.get,
    )
    area = draft()["area"]
    _keep_source_fields(area)
    if source == "file":
        _file_fields(
            "area",
            ("Upload an OpenStreetMap extract", "Path of the OSM file on this machine"),
            ["pbf", "osm"],
            "An .osm.pbf or .osm file, e.g. cut from a Geofabrik download with osmium.",
        )
    elif source == "place":
        bound(st.text_input, "Place name", "area.place", "", placeholder="Kallio, Helsinki")
        st.caption("Needs the internet (Nominatim and Overpass); offline the plan says so.")
        if not area.get("place"):
            area.pop("place", None)
    elif source == "bbox":
        bound(
            st.text_input,
            "West, south, east, north (degrees)",
            "area.bbox_deg",
            None,
            to_widget=lambda v: ", ".join(str(x) for x in v) if v else "",
            from_widget=_floats,
        )
    elif source == "polygon":
        bound(st.text_area, "Polygon (WKT, WGS84)", "area.polygon_wkt", "")
        if not area.get("polygon_wkt"):
            area.pop("polygon_wkt", None)


def _floats(text: str) -> list[Any] | None:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return None
    values: list[Any] = []
    for part in parts:
        try:
            values.append(float(part))
        except ValueError:
            values.append(part)  # the scenario check names the bad value
    return values


def incidents_section() -> None:
    """List the incident files, each with the loader's summary; upload more."""
    incidents = draft().setdefault("incidents", [])
    reports = st.session_state.get(INCIDENT_REPORTS, {})
    if not incidents:
        st.caption("No incident file: the risk comes from OSM features (risk terrain).")
    for i, spec in enumerate(list(incidents)):
        name, remove = st.columns([5, 1])
        name.markdown(f"**{Path(spec['path']).name}** ({spec.get('schema', 'auto')})")
        if str(spec["path"]) in reports:
            line, full = reports[str(spec["path"])]
            name.caption(line)
            with name.expander("Loader summary"):
                st.code(full, language=None)
        if remove.button("Remove", key=f"remove-incident-{i}-{spec['path']}"):
            incidents.remove(spec)
            st.rerun()
    with st.container(border=True):
        schema, snap = st.columns(2)
        schema.selectbox("Schema of the next file", SCHEMAS, key="incident_schema")
        snap.number_input(
            "Drop incidents farther from a street than (m)",
            min_value=1.0,
            value=100.0,
            step=10.0,
            key="incident_max_snap_m",
        )
        if st.session_state.get("incident_schema") == "generic":
            cols = st.columns(len(MAPPING_FIELDS))
            for col, field in zip(cols, MAPPING_FIELDS, strict=True):
                col.text_input(field, key=f"incident_{field}")
            st.radio(
                "Dates such as 03/04/2020 read",
                ["auto", "day_first", "month_first"],
                key="incident_date_order",
                horizontal=True,
                help="auto refuses a file whose dates read both ways",
            )
        st.file_uploader(
            "Add an incident file (CSV, GeoJSON, GeoPackage)",
            type=["csv", "geojson", "json", "gpkg"],
            key="incident_upload",
            on_change=_incident_uploaded,
            help="Read with the same loader as patrol-planner incidents inspect FILE: rows "
            "kept and dropped per reason are shown.",
        )
    if error := st.session_state.get(INCIDENT_ERROR):
        st.error(error)


def shift_section() -> None:
    """Edit the shift: a weekday or a date, start and end clock times, time zone."""
    data = draft()
    kind = st.radio(
        "Day",
        ["weekday", "date"],
        horizontal=True,
        key=WIDGET + "shift.kind",
        index=0 if "weekday" in data["shift"] else 1,
        format_func={"weekday": "Next weekday", "date": "Date"}.get,
    )
    if kind == "weekday":
        data["shift"].pop("date", None)
        bound(st.selectbox, "Weekday", "shift.weekday", "friday", options=list(WEEKDAYS))
    else:
        data["shift"].pop("weekday", None)
        bound(
            st.date_input,
            "Date",
            "shift.date",
            None,
            to_widget=lambda v: dt.date.fromisoformat(v) if v else dt.date.today(),
            from_widget=lambda v: v.isoformat(),
        )
    start, end = st.columns(2)
    with start:
        bound(st.time_input, "Start", "shift.start", None, _time, _clock, step=300)
    with end:
        bound(st.time_input, "End", "shift.end", None, _time, _clock, step=300)
    bound(
        st.text_input,
        "Time zone (IANA, blank: the area's)",
        "shift.timezone",
        "",
        from_widget=lambda v: v.strip() or None,
    )


def station_fields(path: str, label: str) -> None:
    """Edit a station: a point, an OSM police station (name or ``any``) or an OSM node."""
    spec = get_in(draft(), path, {}) or {}
    kinds = list(STATION_KINDS)
    now = "police" if "police" in spec else "node" if "node_id" in spec else "point"
    kind = st.radio(
        label,
        kinds,
        index=kinds.index(now),
        horizontal=True,
        key=f"{WIDGET}{path}.kind",
        format_func=STATION_KINDS.get,
    )
    if kind != now:
        set_in(draft(), path, {})
    if kind == "point":
        lat, lon = st.columns(2)
        with lat:
            _number("Latitude", f"{path}.lat", 60.1699, format="%.5f", step=0.0005)
        with lon:
            _number("Longitude", f"{path}.lon", 24.9384, format="%.5f", step=0.0005)
    elif kind == "police":
        bound(st.text_input, "Name (or 'any')", f"{path}.police", "any")
    else:
        _number("OSM node id", f"{path}.node_id", 0, step=1)


def officers_section() -> None:
    """Edit stations, pace, units, time held back, meal break and ways to avoid."""
    data = draft()
    st.caption("The number of officers and the solver time limit are in the sidebar.")
    station_fields("officers.station", "Station")
    other = st.checkbox(
        "The shift ends at another station",
        value="end_station" in data["officers"],
        key=WIDGET + "officers.other_end",
    )
    if other:
        if "end_station" not in data["officers"]:
            data["officers"]["end_station"] = copy.deepcopy(data["officers"]["station"])
        station_fields("officers.end_station", "End station")
    else:
        data["officers"].pop("end_station", None)
    pace, unit, held = st.columns(3)
    with pace:
        _number("Pace (m/s)", "officers.pace_m_per_s", 1.0, min_value=0.25, max_value=2.5)
    with unit:
        bound(st.selectbox, "Officers per unit", "officers.unit_size", 1, options=[1, 2])
    with held:
        _number(
            "Share held back for calls",
            "officers.held_back_share",
            0.0,
            min_value=0.0,
            max_value=0.8,
            step=0.05,
        )
    bound(
        st.multiselect,
        "Ways to avoid",
        "officers.avoid",
        [],
        options=list(AVOIDABLE),
        to_widget=list,
        from_widget=list,
    )
    meal = st.checkbox(
        "Meal break", value="meal_break" in data["officers"], key=WIDGET + "officers.has_break"
    )
    if not meal:
        data["officers"].pop("meal_break", None)
        return
    if "meal_break" not in data["officers"]:
        start = _time(data["shift"].get("start"))
        earliest = (dt.datetime.combine(dt.date.today(), start) + dt.timedelta(hours=3)).time()
        latest = (dt.datetime.combine(dt.date.today(), start) + dt.timedelta(hours=4)).time()
        data["officers"]["meal_break"] = {
            "minutes": 30.0,
            "earliest": _clock(earliest),
            "latest": _clock(latest),
            "at_station": True,
        }
    minutes, earliest, latest, at_station = st.columns(4)
    with minutes:
        _number("Break (min)", "officers.meal_break.minutes", 30.0, min_value=5.0, max_value=180.0)
    with earliest:
        bound(st.time_input, "Earliest", "officers.meal_break.earliest", None, _time, _clock)
    with latest:
        bound(st.time_input, "Latest", "officers.meal_break.latest", None, _time, _clock)
    with at_station:
        bound(st.checkbox, "At the station", "officers.meal_break.at_station", True)


def dwell_section() -> None:
    """Edit the stops at hot spots, what a hot spot is, and the revisit rules."""
    a, b, c = st.columns(3)
    with a:
        _number(
            "Shortest stop (min)",
            "dwell.min_minutes",
            10.0,
            min_value=1.0,
            max_value=120.0,
            help="The shortest stop the plan may hold (the plan checker refuses shorter ones). "
            "Stops last the longest stop: under the Koper curve each minute to 15 is worth as "
            "much as the one before, so the longest stop is the best use of the time.",
        )
        _number("Longest stop (min)", "dwell.max_minutes", 15.0, min_value=1.0, max_value=120.0)
        _number(
            "Watched radius of a stop (m)",
            "dwell.visibility_radius_m",
            50.0,
            min_value=MIN_RADIUS_M,
            max_value=1000.0,
        )
    with b:
        _number(
            "Hot spots: top % of streets",
            "dwell.hotspot_top_percent",
            10.0,
            min_value=0.5,
            max_value=100.0,
        )
        _number(
            "Least distance between hot spots (m)",
            "dwell.hotspot_min_separation_m",
            50.0,
            min_value=0.0,
            max_value=2000.0,
        )
        _number("Stops per hot spot", "dwell.max_visits", 3, min_value=1, max_value=10, step=1)
    with c:
        _number(
            "Worth of a repeat stop",
            "dwell.revisit_value",
            0.5,
            min_value=0.0,
            max_value=1.0,
            step=0.05,
        )
        _number(
            "Least gap between stops at a spot (min)",
            "dwell.min_revisit_gap_minutes",
            60.0,
            min_value=0.0,
            max_value=1440.0,
            step=5.0,
        )
        capped = st.checkbox(
            "Cap minutes per hot spot",
            value="max_minutes_per_spot" in draft().get("dwell", {}),
            key=WIDGET + "dwell.capped",
        )
        if capped:
            _number("Most minutes at one spot", "dwell.max_minutes_per_spot", 30.0, min_value=1.0)
        else:
            draft().setdefault("dwell", {}).pop("max_minutes_per_spot", None)


def posts_section() -> None:
    """Edit the fixed posts: how many and how far each watches."""
    a, b = st.columns(2)
    with a:
        _number("Fixed posts", "posts.count", 6, min_value=0, max_value=500, step=1)
    with b:
        _number(
            "Post visibility radius (m)",
            "posts.visibility_radius_m",
            150.0,
            min_value=MIN_RADIUS_M,
            max_value=2000.0,
        )


def neighbourhoods_section() -> None:
    """Choose the areas the exposure is reported for: OSM place labels, own polygons, none."""
    source = bound(
        st.selectbox,
        "Report exposure by",
        "neighbourhoods.source",
        "osm",
        options=list(HOOD_SOURCES),
        format_func=HOOD_SOURCES.get,
        help="The plan does not change: its presence and officer-minutes are summed per area "
        "and set against each area's share of the risk.",
    )
    hoods = draft().setdefault("neighbourhoods", {})
    if source != "file":
        hoods.pop("path", None)
        return
    _file_fields(
        "neighbourhoods",
        ("Upload the areas' polygons", "Path of the polygons file on this machine"),
        ["geojson", "json", "gpkg", "zip"],
        "Your city's neighbourhoods, wards or police beats, in any coordinate system.",
        keep=("name_column",),
    )
    bound(st.text_input, "Column naming each area", "neighbourhoods.name_column", "name")


def places_frame(kind: str) -> pd.DataFrame:
    """Return the draft's must-cover or forbidden places as a table."""
    columns = ["name", "lat", "lon"] + (["radius_m"] if kind == "forbidden" else [])
    rows = get_in(draft(), f"places.{kind}", []) or []
    return pd.DataFrame([{c: p.get(c) for c in columns} for p in rows], columns=columns)


def places_section() -> None:
    """Edit must-cover places and forbidden zones: add by coordinates or on the map."""
    for kind, title in (("must_cover", "Must cover"), ("forbidden", "Forbidden zones")):
        st.markdown(f"**{title}**")
        frame = places_frame(kind)
        if len(frame):
            blank = "(named by its streets)" if kind == "must_cover" else "(unnamed)"
            shown = frame.assign(name=frame["name"].fillna("").replace("", blank))
            st.dataframe(shown, hide_index=True, key=f"places-{kind}")
            labels = [
                f"{i + 1}: {r['name'] or ''} ({r['lat']:.5f}, {r['lon']:.5f})"
                for i, r in frame.iterrows()
            ]
            gone = st.multiselect("Remove", labels, key=f"{WIDGET}remove-{kind}")
            if gone and st.button("Remove selected", key=f"{WIDGET}remove-{kind}-go"):
                keep = [p for i, p in enumerate(draft()["places"][kind]) if labels[i] not in gone]
                draft()["places"][kind] = keep
                st.session_state.pop(f"{WIDGET}remove-{kind}", None)
                st.rerun()
        else:
            st.caption("None yet: click a street on the map below, or give coordinates.")
        with st.form(f"add-{kind}", clear_on_submit=True, border=False):
            cols = st.columns(4 if kind == "forbidden" else 3)
            name = cols[0].text_input("Name", key=f"add-{kind}-name")
            lat = cols[1].number_input("Lat", value=None, format="%.5f", key=f"add-{kind}-lat")
            lon = cols[2].number_input("Lon", value=None, format="%.5f", key=f"add-{kind}-lon")
            radius = 100.0
            if kind == "forbidden":
                radius = cols[3].number_input(
                    "Radius (m)", value=100.0, min_value=MIN_ZONE_M, key=f"add-{kind}-radius"
                )
            if st.form_submit_button("Add") and lat is not None and lon is not None:
                add_place(kind, lat, lon, name, radius)
                st.rerun()


def risk_and_solver_section() -> None:
    """Edit the risk-terrain options most often changed, the seed and the iteration budget."""
    a, b, c = st.columns(3)
    with a:
        _number(
            "Risk terrain decay (m)",
            "risk.terrain_bandwidth_m",
            100.0,
            min_value=1.0,
            max_value=5000.0,
        )
        _number(
            "Background risk share",
            "risk.background_share",
            0.1,
            min_value=0.0,
            max_value=0.99,
            step=0.05,
        )
    with b:
        _number("Seed", "solver.seed", 1, min_value=0, step=1)
        fixed = st.checkbox(
            "Stop the route search after N iterations (the same plan however fast the machine)",
            value="route_iterations" in draft().get("solver", {}),
            key=WIDGET + "solver.fixed",
        )
        if fixed:
            _number("Iterations", "solver.route_iterations", 1000, min_value=1, step=100)
        else:
            draft().setdefault("solver", {}).pop("route_iterations", None)
    with c:
        bound(st.text_input, "Scenario name", "name", "scenario")
        st.caption("Other options of the file (risk model details, output folder) are kept.")
