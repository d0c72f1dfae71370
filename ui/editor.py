"""Scenario editor: one section of widgets per part of the draft scenario (:mod:`ui.draft`).

Every widget is bound to the draft (:mod:`ui.bound`); the draft is checked by the library
(:func:`ui.draft.current_scenario`), so the page shows the command line's messages. Opening,
saving and uploads are in :mod:`ui.uploads`.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from planner.errors import PlannerError, counted, kept_warnings
from planner.harm import HARM_DAYS, OTHER
from planner.incidents import NO_TYPE
from planner.scenario import LOCAL_SOURCES, MIN_ZONE_M, Scenario, match_form
from planner.scenario_patrol import AVOIDABLE, MIN_RADIUS_M, WEEKDAYS
from planner.stations import break_window
from ui.bound import bound, keep_source_fields, keyed, number, switch
from ui.draft import (
    ALREADY_LISTED,
    FOUND_STATIONS,
    INCIDENT_ERROR,
    INCIDENT_MAPPING,
    INCIDENT_NOTE,
    WIDGET,
    add_place,
    draft,
    get_in,
    incident_summary,
    page_words,
    read_incidents,
    set_in,
    set_type_categories,
    show_error,
    uploader_key,
)
from ui.uploads import (
    MAPPING_FIELDS,
    file_fields,
    incident_changed,
    incident_uploaded,
    read_as_suggested,
)

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
STATION_STUBS: dict[str, Callable[[], dict[str, Any]]] = {
    "point": dict,
    "police": lambda: {"police": "any"},
    "node": lambda: {"node_id": 0},
}


def _time(value: str | None) -> dt.time:
    return dt.time.fromisoformat(value) if value else dt.time(18, 0)


def _clock(value: dt.time) -> str:
    return value.strftime("%H:%M")


def area_section() -> None:
    """Choose where the streets come from: embedded, an uploaded or local OSM file, online."""
    source = bound(
        st.selectbox,
        "Street graph",
        "area.source",
        "embedded",
        options=list(AREA_SOURCES),
        format_func=AREA_SOURCES.get,
        then=lambda: keep_source_fields(draft()["area"], keep_cut=False),
    )
    area = draft()["area"]
    keep_source_fields(area)
    if source == "file":
        file_fields(
            "area",
            ("Upload an OpenStreetMap extract", "Path of the OSM file on this machine"),
            ["pbf", "osm"],
            "An .osm.pbf or .osm file, e.g. cut from a Geofabrik download with osmium.",
        )
    if source in LOCAL_SOURCES:
        _cut_field(area)
    if source == "place":
        bound(
            st.text_input,
            "Place name",
            "area.place",
            "",
            from_widget=text_or_none,
            placeholder="Kallio, Helsinki",
        )
        st.caption("Needs the internet (Nominatim and Overpass); offline the plan says so.")
    elif source == "bbox":
        _box_field("West, south, east, north (degrees)")
    elif source == "polygon":
        bound(
            st.text_area, "Polygon (WKT, WGS84)", "area.polygon_wkt", "", from_widget=text_or_none
        )


def _cut_field(area: dict[str, Any]) -> None:
    """Draw the box that keeps a district of a local map file (its polygon: in the YAML)."""
    if area.get("polygon_wkt"):
        st.caption("Only the part of the map inside the scenario's polygon (area.polygon_wkt).")
        return
    _box_field(
        "Only the part inside: west, south, east, north (degrees)",
        help="Keeps a district of a larger map: its streets, venues and incidents. Leave empty "
        "for the whole map.",
    )
    if area.get("bbox_deg") is None:
        area.pop("bbox_deg", None)


def _box_field(label: str, **kwargs: Any) -> None:  # noqa: ANN401
    """Draw the text field of ``area.bbox_deg``: four numbers, separated by commas."""
    bound(
        st.text_input,
        label,
        "area.bbox_deg",
        None,
        to_widget=lambda v: ", ".join(str(x) for x in v) if v else "",
        from_widget=_floats,
        **kwargs,
    )


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
    if not incidents:
        st.caption("No incident file: the risk comes from OSM features (risk terrain).")
    for i, spec in enumerate(list(incidents)):
        name, remove = st.columns([3, 1])
        name.markdown(f"**{Path(spec['path']).name}** ({spec.get('schema', 'auto')})")
        report = incident_summary(spec)  # None when read with other settings, or not yet
        if report is not None:
            name.caption(report.line)
        elif name.button("Read its offence types", key=f"read-incident-{i}-{spec['path']}"):
            st.session_state[INCIDENT_ERROR] = read_incidents(spec, Path(spec["path"]).name)
            st.rerun()
        if remove.button("Remove", key=f"remove-incident-{i}-{spec['path']}"):
            incidents.remove(spec)
            refusal = str(st.session_state.get(INCIDENT_ERROR, ""))
            if refusal.endswith(f"the same file as {Path(spec['path']).name}, {ALREADY_LISTED}"):
                st.session_state.pop(INCIDENT_ERROR)  # listed no more: the refusal is stale
            st.rerun()
        if report is not None:
            with st.expander("Loader summary"):
                st.code(report.details, language=None)
            with st.expander("Offence types and their harm categories"):
                offence_types_table(i, spec, report.types)
    with st.container(border=True):
        schema, snap = st.columns(2)
        # how the next file is read: kept while another tab is shown (and across a reload)
        kept = {"persist_state": "page"}
        keyed(
            schema.selectbox, "Schema of the next file", "incident_schema", options=SCHEMAS, **kept
        )
        keyed(
            snap.number_input,
            "Drop incidents farther from a street than (m)",
            "incident_max_snap_m",
            100.0,
            min_value=1.0,
            step=10.0,
            **kept,
        )
        if st.session_state.get("incident_schema") == "generic":
            where, what = MAPPING_FIELDS[:3], MAPPING_FIELDS[3:]  # coordinates; time, type, id
            for fields in (where, what):
                for col, field in zip(st.columns(len(what)), fields, strict=False):
                    keyed(col.text_input, field, f"incident_{field}", "", **kept)
            keyed(
                st.radio,
                "Dates such as 03/04/2020 read",
                "incident_date_order",
                options=["auto", "day_first", "month_first"],
                horizontal=True,
                help="auto refuses a file whose dates read both ways",
                **kept,
            )
        st.file_uploader(
            "Add an incident file (CSV, GeoJSON, GeoPackage)",
            type=["csv", "geojson", "json", "gpkg"],
            key=uploader_key("incident_upload"),
            on_change=incident_changed,
            help="Read with the same loader as patrol-planner incidents inspect FILE: rows "
            "kept and dropped per reason are shown.",
        )
    if error := st.session_state.get(INCIDENT_ERROR):
        show_error(error)
        if mapping := st.session_state.get(INCIDENT_MAPPING):
            st.button(
                f"Read it so: {', '.join(f'{k}: {v}' for k, v in mapping.items())}",
                key="read_as_suggested",
                on_click=read_as_suggested,
                help="Sets the schema and column fields above to the mapping suggested, and "
                "reads the file again with them.",
            )
        # read again with other settings, unless the refusal says that cannot change it
        if st.session_state.get(uploader_key("incident_upload")) is not None and not error.endswith(
            ALREADY_LISTED
        ):
            st.button(
                "Read it again with the settings above",
                key="read_again",
                on_click=incident_uploaded,
                help="After changing the schema, the column fields or the date order.",
            )
    elif note := st.session_state.get(INCIDENT_NOTE):
        st.info(note)


TYPE_SOURCES = {"table": "the schema's table", "yours": "yours", "unmapped": "unmapped"}
"""How an offence type got its category, as the types table says it."""
TYPES_VERSION = "types_table_version"
"""Session key counting the types tables' edits: each gives the tables new keys."""


def types_frame(types: pd.DataFrame, chosen: dict[str, str]) -> pd.DataFrame:
    """Return an incident file's offence types as the types table shows them.

    ``types`` is :attr:`planner.inspection.IncidentInspection.types`; ``chosen`` the entry's
    ``type_categories``. Rows without a type are left out: no category can name them.
    """
    yours = {match_form(offence) for offence in chosen}
    typed = types[types["crime_type"] != NO_TYPE]
    source = [
        TYPE_SOURCES["yours" if match_form(t) in yours else "table" if m else "unmapped"]
        for t, m in zip(typed["crime_type"], typed["mapped"], strict=True)
    ]
    return pd.DataFrame(
        {
            "offence type": typed["crime_type"].to_numpy(),
            "rows": typed["rows"].to_numpy(),
            "kept": typed["kept"].to_numpy(),
            "category": typed["category"].to_numpy(),
            "harm (days)": ["excluded" if np.isnan(h) else f"{h:g}" for h in typed["harm"]],
            "category from": source,
        }
    )


def offence_types_table(index: int, spec: dict[str, Any], types: pd.DataFrame) -> None:
    """Show the offence types of the draft's incident file ``index``; their category is edited.

    A changed category goes to the entry's ``type_categories`` and the file is read again
    (:func:`ui.draft.set_type_categories`), as the command line would read it; then the table
    is drawn anew, under a new key, from what the file now gives.
    """
    shown = types_frame(types, spec.get("type_categories", {}))
    unmapped = int((shown["category from"] == TYPE_SOURCES["unmapped"]).sum())
    st.caption(
        "Choose a category for a type to weigh its incidents by that category's harm: types no "
        f"table knows are weighted as '{OTHER}' ({counted(unmapped, 'type')} here). A type "
        "listed twice is split by the file's description; a choice applies to all its rows."
    )
    if (untyped := int(types.loc[types["crime_type"] == NO_TYPE, "rows"].sum())) > 0:
        verb = "is" if untyped == 1 else "are"
        st.caption(f"{counted(untyped, 'row')} without a type {verb} not listed.")
    version = st.session_state.get(TYPES_VERSION, 0)
    path = hashlib.sha256(str(spec["path"]).encode()).hexdigest()[:12]
    edited = st.data_editor(
        shown,
        key=f"types-{path}-{version}",
        hide_index=True,
        disabled=[c for c in shown.columns if c != "category"],
        column_config={
            "category": st.column_config.SelectboxColumn(
                "category", options=sorted(HARM_DAYS), required=True
            )
        },
    )
    changes = {
        str(offence): str(new)
        for offence, new, old in zip(
            shown["offence type"], edited["category"], shown["category"], strict=True
        )
        if new and new != old
    }
    if changes:
        st.session_state[INCIDENT_ERROR] = set_type_categories(index, changes)
        st.session_state[TYPES_VERSION] = version + 1  # the table again, without the edit
        st.rerun()


def shift_section() -> None:
    """Edit the shift: a weekday or a date, start and end clock times, time zone."""
    data = draft()
    kind = switch(
        st.radio,
        "Day",
        "shift.kind",
        "weekday" if "weekday" in data["shift"] or "date" not in data["shift"] else "date",
        _day_kind,
        options=["weekday", "date"],
        horizontal=True,
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
        bound(
            st.time_input,
            "End",
            "shift.end",
            None,
            _time,
            _clock,
            step=300,
            help="An end before the start runs past midnight (18:00 to 02:00).",
        )
    bound(
        st.text_input,
        "Time zone (IANA, blank: the area's)",
        "shift.timezone",
        "",
        from_widget=text_or_none,
    )


def text_or_none(text: str) -> str | None:
    """Return a text field's value for the draft: None for blank (the key is left out at once).

    Written and dropped in one step: a run cut short between writing a blank and dropping it
    (a tab clicked while the page draws) left the blank in the draft, which the scenario's
    checks refuse (a station called '').
    """
    return text.strip() or None


def _day_kind(kind: str) -> None:
    """Give the shift a weekday or a date (today's), as the radio now says."""
    shift = draft()["shift"]
    if kind == "weekday":
        shift.pop("date", None)
        shift.setdefault("weekday", "friday")
    else:
        shift.pop("weekday", None)
        shift.setdefault("date", dt.date.today().isoformat())


def station_fields(path: str, label: str) -> None:
    """Edit a station: a point, an OSM police station (name or ``any``) or an OSM node."""
    spec = get_in(draft(), path, {}) or {}
    kind = switch(
        st.radio,
        label,
        f"{path}.kind",
        "police" if "police" in spec else "node" if "node_id" in spec else "point",
        lambda kind: _set_station_kind(path, kind),
        options=list(STATION_KINDS),
        horizontal=True,
        format_func=STATION_KINDS.get,
    )
    if kind == "point":
        lat, lon = st.columns(2)
        with lat:
            number("Latitude", f"{path}.lat", 60.1699, format="%.5f", step=0.0005)
        with lon:
            number("Longitude", f"{path}.lon", 24.9384, format="%.5f", step=0.0005)
    elif kind == "police":
        bound(st.text_input, "Name (or 'any')", f"{path}.police", "any")
    else:
        number("OSM node id", f"{path}.node_id", 0, step=1)
    bound(
        st.text_input,
        "Called (optional)",
        f"{path}.name",
        "",
        from_widget=text_or_none,
        placeholder="e.g. Central police station",
        help="The name the schedule, GPX files and briefing give the station, before its streets.",
    )


def _set_station_kind(path: str, kind: str) -> None:
    """Give the station at ``path`` another kind, keeping its name.

    A point starts where the map found the station named before (an OSM police station or
    node of this area), so that it is not another city's default point.
    """
    stub = STATION_STUBS[kind]()
    found = st.session_state.get(FOUND_STATIONS, {}).get(path)
    if kind == "point" and found is not None:
        stub = {"lat": round(found[0], 6), "lon": round(found[1], 6)}
        for key in [k for k in st.session_state if str(k).startswith(f"{WIDGET}{path}.l")]:
            del st.session_state[key]  # the point's fields show the draft's new values
    set_in(draft(), path, stub | _named(path))


def _named(path: str) -> dict[str, str]:
    """Return the station's name at ``path`` as its own mapping (empty when it has none)."""
    name = (get_in(draft(), path, {}) or {}).get("name")
    return {"name": name} if isinstance(name, str) and name.strip() else {}


def officers_section() -> None:
    """Edit stations, pace, units, time held back, ways to avoid, loops and meal break."""
    data = draft()
    st.caption("The number of officers and the solver time limit are in the sidebar.")
    station_fields("officers.station", "Station")
    if switch(
        st.checkbox,
        "The shift ends at another station",
        "officers.other_end",
        "end_station" in data["officers"],
        _other_end,
    ):
        station_fields("officers.end_station", "End station")
    pace, unit, held = st.columns(3)
    with pace:
        number("Pace (m/s)", "officers.pace_m_per_s", 1.0, min_value=0.25, max_value=2.5)
    with unit:
        bound(st.selectbox, "Officers per unit", "officers.unit_size", 1, options=[1, 2])
    with held:
        number(
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
    bound(
        st.checkbox,
        "Walk loops instead of waiting",
        "officers.walk_spare_time",
        True,
        help="A wait as long as a stop or longer, and the time left after the last stop, is "
        "walked as a loop of the best nearby streets, back where the unit waits. Off: the unit "
        "stands and waits.",
    )
    if not switch(
        st.checkbox, "Meal break", "officers.has_break", "meal_break" in data["officers"], _meal
    ):
        return
    minutes, earliest, latest = st.columns(3)
    with minutes:
        number("Break (min)", "officers.meal_break.minutes", 30.0, min_value=5.0, max_value=180.0)
    with earliest:
        bound(st.time_input, "Earliest", "officers.meal_break.earliest", None, _time, _clock)
    with latest:
        bound(st.time_input, "Latest", "officers.meal_break.latest", None, _time, _clock)
    together, at_station = st.columns(2)
    with together:
        bound(
            st.number_input,
            "On break at once",
            "officers.meal_break.most_at_once",
            None,
            min_value=1,
            step=1,
            placeholder="all but one",
            help="Breaks are staggered: the window is cut into slots so that at most this many "
            "units are on their break together. Blank: all but one, so one stays on the street.",
        )
        if data["officers"]["meal_break"].get("most_at_once") is None:
            data["officers"]["meal_break"].pop("most_at_once", None)
    with at_station:
        bound(
            st.checkbox,
            "At the station",
            "officers.meal_break.at_station",
            True,
            help="Each unit walks to the station it ends at for its break: the end station "
            "when the shift ends at another station. Off: the break is taken where the unit "
            "is (or back at the end station when no stop follows it).",
        )


def break_note(scenario: Scenario | None) -> None:
    """Say under the meal break when the shift's hours cut its window, or leave it no room.

    E.g. a shift moved to 22:00-06:00 with the break still at 21:30-22:30: the break now
    falls at the shift's start; with the break at 08:00-09:00 it does not fit, and planning
    would stop. Said as the hours are edited, not first when Plan is pressed.
    """
    if scenario is None or scenario.officers.meal_break is None:
        return
    with kept_warnings() as said:
        try:
            break_window(scenario, scenario.shift.window("UTC", dt.date.today()))
        except PlannerError as refused:  # planning would stop: said as the station check says
            st.warning(page_words(str(refused)))
            return
    for message in map(page_words, said):
        st.warning(message[0].upper() + message[1:])


def _other_end(on: bool) -> None:
    """End the shift at a station of its own (at first the start station's copy), or not."""
    officers = draft()["officers"]
    if on:
        officers.setdefault("end_station", copy.deepcopy(officers["station"]))
    else:
        officers.pop("end_station", None)


def _meal(on: bool) -> None:
    """Add a 30-minute meal break 3 to 4 hours into the shift, or drop the meal break."""
    data = draft()
    if not on:
        data["officers"].pop("meal_break", None)
        return
    start = dt.datetime.combine(dt.date.today(), _time(data["shift"].get("start")))
    data["officers"].setdefault(
        "meal_break",
        {
            "minutes": 30.0,
            "earliest": _clock((start + dt.timedelta(hours=3)).time()),
            "latest": _clock((start + dt.timedelta(hours=4)).time()),
            "at_station": True,
        },
    )


def _optional(path: str, default: float) -> Callable[[bool], None]:
    """Return a switch's change: set ``path`` in the draft to ``default``, or drop it."""
    section, key = path.split(".")

    def apply(on: bool) -> None:
        part = draft().setdefault(section, {})
        if on:
            part.setdefault(key, default)
        else:
            part.pop(key, None)

    return apply


def dwell_section() -> None:
    """Edit the stops at hot spots, what a hot spot is, and the revisit rules."""
    a, b, c = st.columns(3)
    with a:
        number(
            "Shortest stop (min)",
            "dwell.min_minutes",
            10.0,
            min_value=1.0,
            max_value=120.0,
            help="The shortest stop the plan may hold (the plan checker refuses shorter ones). "
            "Stops last the longest stop.",
        )
        number(
            "Longest stop (min)",
            "dwell.max_minutes",
            15.0,
            min_value=1.0,
            max_value=120.0,
            help="How long every stop lasts. Under the Koper curve each minute from 10 to 15 is "
            "worth as much as the one before and minutes past 15 earn nothing, so 15 is the "
            "best use of the time; longer stops are warned of.",
        )
        number(
            "Watched radius of a stop (m)",
            "dwell.visibility_radius_m",
            50.0,
            min_value=MIN_RADIUS_M,
            max_value=1000.0,
        )
    with b:
        number(
            "Hot spots: top % of streets",
            "dwell.hotspot_top_percent",
            25.0,
            min_value=0.5,
            max_value=100.0,
        )
        number(
            "Least distance between hot spots (m)",
            "dwell.hotspot_min_separation_m",
            100.0,
            min_value=0.0,
            max_value=2000.0,
        )
        number("Stops per hot spot", "dwell.max_visits", 3, min_value=1, max_value=10, step=1)
    with c:
        number(
            "Worth of a repeat stop",
            "dwell.revisit_value",
            0.5,
            min_value=0.0,
            max_value=1.0,
            step=0.05,
        )
        number(
            "Least gap between stops at a spot (min)",
            "dwell.min_revisit_gap_minutes",
            60.0,
            min_value=0.0,
            max_value=1440.0,
            step=5.0,
        )
        if switch(
            st.checkbox,
            "Cap minutes per hot spot",
            "dwell.capped",
            "max_minutes_per_spot" in draft().get("dwell", {}),
            _optional("dwell.max_minutes_per_spot", 30.0),
        ):
            number("Most minutes at one spot", "dwell.max_minutes_per_spot", 30.0, min_value=1.0)


def posts_section() -> None:
    """Edit the fixed posts: how many and how far each watches."""
    a, b = st.columns(2)
    with a:
        number("Fixed posts", "posts.count", 6, min_value=0, max_value=500, step=1)
    with b:
        number(
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
    file_fields(
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
            st.caption("None yet: click a street on the map, or give coordinates.")
        _add_place_form(kind)


def _add_place_form(kind: str) -> None:
    """Add a must-cover place or forbidden zone by its coordinates; say which one is missing.

    The fields are cleared once the place is added; a place lacking a coordinate keeps what
    was typed, under a warning naming the coordinate to give.
    """
    empty = {"name": "", "lat": None, "lon": None} | (
        {"radius": 100.0} if kind == "forbidden" else {}
    )
    cleared = st.session_state.pop(f"add-{kind}-added", False)
    for field, value in empty.items():  # set before the fields are drawn, so the page shows it
        if cleared or f"add-{kind}-{field}" not in st.session_state:
            st.session_state[f"add-{kind}-{field}"] = value
    with st.form(f"add-{kind}", border=False):
        # wide coordinate fields: their step buttons would hide the fifth decimal
        cols = st.columns([2, 3, 3, 2] if kind == "forbidden" else [2, 3, 3])
        name = cols[0].text_input("Name", key=f"add-{kind}-name")
        lat = cols[1].number_input("Lat", format="%.5f", key=f"add-{kind}-lat")
        lon = cols[2].number_input("Lon", format="%.5f", key=f"add-{kind}-lon")
        radius = 100.0
        if kind == "forbidden":
            radius = cols[3].number_input(
                "Radius (m)", min_value=MIN_ZONE_M, key=f"add-{kind}-radius"
            )
        if not st.form_submit_button("Add"):
            return
        missing = [label for label, value in (("Lat", lat), ("Lon", lon)) if value is None]
        if missing:
            place = "zone" if kind == "forbidden" else "place"
            st.warning(
                f"Not added: give the {place}'s {' and '.join(missing)} in decimal degrees, or "
                "click its street on the map."
            )
            return
        add_place(kind, lat, lon, name, radius)
        st.session_state[f"add-{kind}-added"] = True  # the fields are cleared on the next run
        st.rerun()


def risk_and_solver_section() -> None:
    """Edit the risk-terrain options most often changed, the seed and the iteration budget."""
    a, b, c = st.columns(3)
    with a:
        number(
            "Risk terrain decay (m)",
            "risk.terrain_bandwidth_m",
            100.0,
            min_value=1.0,
            max_value=5000.0,
        )
        number(
            "Background risk share",
            "risk.background_share",
            0.1,
            min_value=0.0,
            max_value=0.99,
            step=0.05,
        )
    with b:
        number("Seed", "solver.seed", 1, min_value=0, step=1)
        if switch(
            st.checkbox,
            "Stop the route search after N iterations (the same plan however fast the machine)",
            "solver.fixed",
            "route_iterations" in draft().get("solver", {}),
            _optional("solver.route_iterations", 1000),
        ):
            number("Iterations", "solver.route_iterations", 1000, min_value=1, step=100)
    with c:
        bound(st.text_input, "Scenario name", "name", "scenario")
        st.caption("Other options of the file (risk model details, output folder) are kept.")
