"""The scenario editor's map: click a street to set a station or to add a place.

The map shows the area's streets in grey (no risk: nothing is planned yet), the stations given
as points, and the must-cover and forbidden places. ``st.pydeck_chart(..., on_select=...)``
returns the street clicked; :func:`picked_point` turns it into the (lat, lon) of its middle
vertex, which the library snaps to the nearest street node when it plans.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import pydeck as pdk
import shapely
import streamlit as st

from planner.graph import StreetGraph
from ui.bound import keyed
from ui.draft import OPENED, PICK_MODES, apply_pick, draft, get_in
from ui.legend import legend_html
from ui.map import (
    BLANK_STYLE,
    COORD_DIGITS,
    path_coords,
    place_layers,
    place_records,
    station_layer,
    street_layer,
)
from ui.view import MAP_HEIGHT_PX, fit_view


def _middle(path: list[list[float]]) -> tuple[float, float]:
    """(lat, lon) of the middle vertex of a street path ``[[lon, lat], ...]``."""
    lon, lat = path[len(path) // 2][:2]
    return float(lat), float(lon)


def picked_point(
    selection: dict[str, Any], layer_id: str = "pick-streets"
) -> tuple[float, float] | None:
    """(lat, lon) of the street picked on a map, from ``st.pydeck_chart``'s selection.

    Parameters
    ----------
    selection : dict
        The chart's ``selection`` (``{"indices": {...}, "objects": {layer_id: [object]}}``).
    layer_id : str
        The layer of the streets (the pick map's, by default).

    Returns
    -------
    tuple of float or None
        The middle vertex of the picked street, or ``None`` when no street is picked.
    """
    objects = (selection or {}).get("objects", {}).get(layer_id) or []
    if not objects or not objects[0].get("path"):
        return None
    return _middle(objects[0]["path"])


def graph_street_records(graph: StreetGraph) -> list[dict[str, Any]]:
    """Plain grey streets of a graph (no risk), with their names as tooltips."""
    wgs84 = graph.segments.geometry.to_crs("EPSG:4326")
    names = graph.segments["name"].fillna("").tolist()  # a missing name is NaN
    return [
        {
            "path": path_coords(shapely.get_coordinates(geom)),
            "color": [120, 120, 120],
            "width": 3.0,
            "tip": f"{names[i] or 'unnamed street'}: click to use this street",
        }
        for i, geom in enumerate(wgs84)
    ]


def pick_deck(
    graph: StreetGraph, streets: list[dict[str, Any]], places: dict[str, Any], stations: list
) -> pdk.Deck:
    """Build the scenario editor's map: streets to click, stations and places of the scenario.

    Parameters
    ----------
    graph : StreetGraph
        The area's street graph (for the first view).
    streets : list of dict
        :func:`graph_street_records` of the graph (cache them).
    places : dict
        The scenario's ``places`` section (``must_cover`` and ``forbidden`` lists of dicts).
    stations : list of tuple
        ``(lat, lon, label)`` of the stations given as points.

    Returns
    -------
    pydeck.Deck
        Layers ``forbidden``, ``pick-streets`` (pickable), ``must-cover``, ``forbidden-names``,
        ``stations``.
    """
    cover, zones = place_records(places.get("must_cover", []), places.get("forbidden", []))
    forbidden_layer, cover_layer, zone_names = place_layers(cover, zones)
    station_data = [
        {
            "position": [round(lon, COORD_DIGITS), round(lat, COORD_DIGITS)],
            "tip": label,
        }
        for lat, lon, label in stations
    ]
    return pdk.Deck(
        layers=[
            forbidden_layer,
            street_layer(streets, "pick-streets", PICK_MIN_PX),
            cover_layer,
            zone_names,
            station_layer(station_data),
        ],
        initial_view_state=fit_view(
            graph.nodes["lon"].to_numpy(), graph.nodes["lat"].to_numpy(), 0.02
        ),
        map_style=BLANK_STYLE,
        tooltip={"text": "{tip}"},
    )


PICK_MIN_PX = 3
"""Narrowest a street of the pick map is drawn: a hair-thin street is hard to click."""

PICK_NOTE = "pick_note"
"""Session key of what the last click on the pick map did, with the map's key (shown under it)."""


def pick_key() -> str:
    """Return the pick map's widget key: one per scenario opened and its area.

    deck.gl keeps a chart's picked object by its index in the layer; a map kept under one key
    across another scenario would pick that index's street of the new area by itself.
    """
    opened = json.dumps(st.session_state.get(OPENED), sort_keys=True, default=str)
    area = json.dumps(draft().get("area"), sort_keys=True, default=str)
    return "pick_map:" + hashlib.sha256(f"{opened}\0{area}".encode()).hexdigest()[:16]


#: What a click that picked no street says after its first words (deck.gl unpicks a street
#: clicked twice, and picks none off the streets).
NOT_A_STREET = (
    "click on a street (a second click on the street picked last unpicks it; click it once more)."
)


def clicked_street(key: str, layer_id: str = "pick-streets") -> tuple[float, float, str] | None:
    """Return (lat, lon, tooltip) of the street clicked on the map of widget ``key``, or None."""
    state = st.session_state.get(key)
    selection = state.selection if state is not None else {}
    point = picked_point(selection, layer_id)
    if point is None:
        return None
    return *point, selection["objects"][layer_id][0].get("tip", "")


def _picked(key: str) -> None:
    clicked = clicked_street(key)
    if clicked is None:
        st.session_state[PICK_NOTE] = (key, f"Nothing picked: {NOT_A_STREET}")
        return
    lat, lon, tip = clicked
    mode = st.session_state.get("pick_mode", "station")
    apply_pick(mode, lat, lon)
    street = tip.removesuffix(": click to use this street") or "a street"
    what = PICK_MODES[mode].removesuffix(" (100 m)")
    st.session_state[PICK_NOTE] = (
        key,
        f"Done: {what} on {street} ({lat:.5f}, {lon:.5f}).",
    )


#: The map's label of each station the scenario names, by its key.
STATION_LABELS = {"officers.station": "Station", "officers.end_station": "End station"}


def pick_section(
    graph: StreetGraph,
    streets: list[dict[str, Any]],
    found: Sequence[tuple[float, float, str]] = (),
) -> None:
    """Draw the area's streets: click one to set a station or add a place.

    ``found`` holds the ``(lat, lon, label)`` of the stations named, not given as points (an
    OSM police station, a node), where the area has them.
    """
    keyed(
        st.radio,
        "Clicking a street will",
        "pick_mode",
        options=list(PICK_MODES),
        format_func=PICK_MODES.get,
        horizontal=True,
        persist_state="page",  # kept while another tab is shown, so a click does what it said
    )
    data = draft()
    stations = []
    for path, label in STATION_LABELS.items():
        spec = get_in(data, path) or {}
        if "lat" in spec and "lon" in spec:
            stations.append((float(spec["lat"]), float(spec["lon"]), label))
    deck = pick_deck(graph, streets, data.get("places", {}), [*stations, *found])
    key = pick_key()
    st.pydeck_chart(
        deck,
        height=MAP_HEIGHT_PX,
        on_select=functools.partial(_picked, key),
        selection_mode="single-object",
        key=key,
    )
    shown, note = st.session_state.get(PICK_NOTE) or (None, None)
    if shown == key:  # a note of this map, not of a scenario opened before
        st.caption(note)
    st.markdown(legend_html(risk=False), unsafe_allow_html=True)
