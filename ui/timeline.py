"""Where each unit is at a chosen time of the shift: the map's time slider.

The plan's routes are traced as timed tracks (:func:`planner.tracks.route_track`, the same
tracks the GPX files carry); a unit's position at a time is read off its track, standing still
through dwells, waits and breaks, and at a call's place through the call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pydeck as pdk

from planner.clock import clock_at, shift_seconds
from planner.plan import Plan
from planner.tracks import position_at, route_track
from ui.map import COORD_DIGITS, officer_colour, text_layer, text_on


def time_steps(start: dt.datetime, end: dt.datetime, step_min: int) -> dict[int, str]:
    """Return slider stops, real seconds since ``start`` -> local clock time.

    A stop every ``step_min`` minutes and one at the end; on a night the clocks change, no
    real minute is skipped or shown twice (a repeated clock time appears twice).
    """
    length_s = int(shift_seconds(start, end))
    seconds = [*range(0, length_s, step_min * 60), length_s]
    return {s: clock_at(start, s) for s in seconds}


def track_arrays(plan: Plan) -> dict[int, np.ndarray]:
    """Each officer's timed track as an array of rows ``(lon, lat, seconds from shift start)``."""
    wgs84 = plan.graph.segments.geometry.to_crs("EPSG:4326")
    tracks = {}
    for route in plan.routes:
        track = np.asarray(route_track(plan, route, wgs84), dtype=float)
        if len(track):
            tracks[route.officer] = track
    return tracks


def unit_records(
    tracks: dict[int, np.ndarray], at_s: float, clock: str, word: str = "officer"
) -> list[dict[str, Any]]:
    """One record per officer (``word``: or unit): position at ``at_s``, colour, label, tip."""
    return [
        unit_record(officer, *position_at(track, at_s), f"{word.capitalize()} {officer} at {clock}")
        for officer, track in sorted(tracks.items())
    ]


def unit_record(officer: int, lon: float, lat: float, tip: str) -> dict[str, Any]:
    """Return a unit's disc for :func:`unit_layers`: where it is, its colour, number and tip."""
    return {
        "position": [round(lon, COORD_DIGITS), round(lat, COORD_DIGITS)],
        "color": officer_colour(officer),
        "text_color": text_on(officer_colour(officer)),
        "label": str(officer),
        "tip": tip,
    }


def unit_layers(records: list[dict[str, Any]]) -> list[pdk.Layer]:
    """Where each unit is at the chosen time: a disc in its colour with its number."""
    return [
        pdk.Layer(
            "ScatterplotLayer",
            id="units",
            data=records,
            get_position="position",
            get_radius=14,
            radius_units="'meters'",
            radius_min_pixels=10,
            get_fill_color="color",
            get_line_color=[255, 255, 255],
            stroked=True,
            line_width_min_pixels=2,
            pickable=True,
        ),
        text_layer("unit-labels", records, get_text="label", get_color="text_color"),
    ]
