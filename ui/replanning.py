"""Re-plan the rest of the shift on the Plan tab, as ``patrol-planner replan`` does.

The commander gives the time of the re-plan (by default the map's time) and chooses the units a
call for service took away, with where each is and, if known, since when and until when the
call keeps it busy, or that it is gone for the rest of the shift; a click on a street of the
section's map puts a unit taken away there. Pressing Re-plan
returns a :class:`Request`; the app runs it as a job (:func:`planner.rest_of_shift.replan` on
the plan shown), and the re-plan becomes the plan shown, its files the downloads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field

import pydeck as pdk
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from planner.clock import later, seconds_until
from planner.errors import ScenarioError
from planner.plan import Plan
from planner.tracks import position_at
from ui.draft import show_error
from ui.map import BLANK_STYLE, plan_view
from ui.pick_map import NOT_A_STREET, clicked_street
from ui.timeline import unit_layers, unit_record

#: Session key of the last re-plan's error, shown in the section until the next re-plan.
ERROR = "replan_error"
#: Minutes between the times the re-plan time input offers.
STEP_MIN = 5
#: Session key of what the last click on the section's map did, with the map's key.
CALL_NOTE = "replan_call_note"
#: Height of the section's map, in pixels: the streets around the routes, to click.
CALL_MAP_PX = 420
#: Layers of the plan map the section's map keeps: the risk-coloured streets and their names.
CALL_MAP_LAYERS = ("streets", "street-names")


@dataclass(frozen=True)
class Request:
    """What a re-plan was asked for: its local clock time, and the units taken away.

    ``positions`` maps a unit's number to its (lat, lon); ``away_since`` a unit's number to
    the local clock time it left the plan (the re-plan's time unless given; none for a unit
    whose hours begin after it); ``busy_until`` a unit's number to the local clock time its
    call ends (units not listed: free at the re-plan's time); ``gone`` the units gone for the
    rest of the shift.
    """

    at: dt.time
    positions: dict[int, tuple[float, float]]
    away_since: dict[int, dt.time]
    busy_until: dict[int, dt.time] = field(default_factory=dict)
    gone: tuple[int, ...] = ()

    def key(self) -> str:
        """Say what the re-plan was asked for, as text (a key of the plans kept)."""
        away = ", ".join(
            f"{unit} at {lat:.6f} {lon:.6f}"
            + (f" since {self.away_since[unit]:%H:%M}" if unit in self.away_since else "")
            + (f" busy until {self.busy_until[unit]:%H:%M}" if unit in self.busy_until else "")
            for unit, (lat, lon) in sorted(self.positions.items())
        )
        gone = f"; gone: {', '.join(map(str, sorted(self.gone)))}" if self.gone else ""
        return f"re-planned at {self.at:%H:%M}; taken away: {away or 'none'}{gone}"


def section(
    plan: Plan, plan_key: str, tracks: dict[int, list], at_s: float, layers: list[pdk.Layer]
) -> Request | None:
    """Draw the re-plan form; return the request when Re-plan is pressed, else None.

    ``at_s`` (seconds into the shift, the map's time) is the re-plan time offered first. The
    position offered for a unit taken away is where the plan has it at the re-plan's time, and
    follows that time when it is changed, or goes to a street clicked on the section's map
    (drawn with the plan map's ``layers`` of streets).
    """
    word = plan.unit_word
    digest = hashlib.blake2b(plan_key.encode(), digest_size=6).hexdigest()
    with st.expander("Re-plan the rest of the shift", key=f"replan_open_{digest}"):
        st.caption(
            "Plans the rest of the shift from where the units are at that time, keeping what "
            f"they have done (as `patrol-planner replan` does). {_article(word)} {word} a call "
            "for service took away: choose it, give where it is (first, where the plan has it "
            "at the re-plan's time; click its street on the map that then shows) and, if "
            "known, since when (else the re-plan's time; what it was to do from then on is "
            "dropped) and until when the call keeps it busy (it patrols on from there only "
            "then). "
            f"{_article(word)} {word} gone for the rest of the shift ends after what it "
            "finished by the re-plan's time (or its call, if it is also taken away), with no "
            "walk back."
        )
        at = st.time_input(
            "Re-plan at (local time)",
            value=later(plan.shift_start, at_s).time(),
            step=STEP_MIN * 60,
            key=f"replan_at_{digest}",
            on_change=_follow_the_time,
            args=(plan, tracks, digest, at_s),
        )
        away = st.multiselect(
            f"{word.capitalize()}s taken away by a call for service",
            sorted(tracks),
            key=f"replan_away_{digest}",
        )
        gone = st.multiselect(
            f"{word.capitalize()}s gone for the rest of the shift",
            sorted(tracks),
            key=f"replan_gone_{digest}",
        )
        offered = {unit: _where(plan, tracks[unit], at, at_s) for unit in away}
        if offered:
            _call_map(plan, digest, offered, layers)
        with st.form(f"replan_{digest}", border=False):
            positions, since, busy = {}, {}, {}
            for unit, (lat, lon) in offered.items():
                left, right, when, until = st.columns(4)
                positions[unit] = (
                    left.number_input(
                        f"{word.capitalize()} {unit} is at latitude",
                        value=lat,
                        format="%.5f",
                        step=0.0005,
                        key=f"replan_lat_{unit}_{digest}",
                    ),
                    right.number_input(
                        "longitude",
                        value=lon,
                        format="%.5f",
                        step=0.0005,
                        key=f"replan_lon_{unit}_{digest}",
                    ),
                )
                if left_at := _clock_if_known(when, "away since", f"replan_since_{unit}_{digest}"):
                    since[unit] = left_at
                if free_at := _clock_if_known(until, "busy until", f"replan_busy_{unit}_{digest}"):
                    busy[unit] = free_at
            pressed = st.form_submit_button("Re-plan")
        if error := st.session_state.get(ERROR):
            show_error(error)
    if not pressed:
        return None
    st.session_state.pop(ERROR, None)
    return Request(at, positions, _left_by(plan, at, since, away), busy, tuple(gone))


def _call_map(
    plan: Plan, digest: str, offered: dict[int, tuple[float, float]], layers: list[pdk.Layer]
) -> None:
    """Draw the streets with a disc where each unit taken away is given to be.

    A click on a street puts the unit chosen above the map (the only one, when one is taken
    away) at its middle, in the fields below; ``offered`` holds each unit's (lat, lon) before
    its fields are drawn.
    """
    word, away = plan.unit_word.capitalize(), list(offered)
    choice = f"replan_click_{digest}"
    if len(away) > 1:
        st.radio(
            "A click on a street of the map puts",
            away,
            format_func=lambda unit: f"{word} {unit} there",
            horizontal=True,
            key=choice,
        )
    discs = []
    for unit, (lat, lon) in offered.items():
        lat_key, lon_key = f"replan_lat_{unit}_{digest}", f"replan_lon_{unit}_{digest}"
        lat, lon = st.session_state.get(lat_key, lat), st.session_state.get(lon_key, lon)
        discs.append(unit_record(unit, lon, lat, f"{word} {unit}, taken away: given here"))
    deck = pdk.Deck(
        layers=[*(layer for layer in layers if layer.id in CALL_MAP_LAYERS), *unit_layers(discs)],
        initial_view_state=plan_view(plan, layers),
        map_style=BLANK_STYLE,
        tooltip={"text": "{tip}"},
    )
    key = f"replan_map_{digest}"
    st.pydeck_chart(
        deck,
        height=CALL_MAP_PX,
        on_select=functools.partial(_call_placed, key, choice, digest, tuple(away), word),
        selection_mode="single-object",
        key=key,
    )
    shown, note = st.session_state.get(CALL_NOTE) or (None, None)
    st.caption(
        note
        if shown == key
        else f"Click the street where the call took {_the(word, away)} to put "
        f"{'it' if len(away) == 1 else 'the one chosen'} there."
    )


def _call_placed(key: str, choice: str, digest: str, away: tuple[int, ...], word: str) -> None:
    """Put the unit chosen at the middle of the street clicked on the section's map."""
    clicked = clicked_street(key, "streets")
    if clicked is None:
        st.session_state[CALL_NOTE] = (key, f"Nothing placed: {NOT_A_STREET}")
        return
    lat, lon, tip = clicked
    unit = st.session_state.get(choice)
    unit = unit if unit in away else away[0]
    lat, lon = round(lat, 5), round(lon, 5)
    st.session_state[f"replan_lat_{unit}_{digest}"] = lat
    st.session_state[f"replan_lon_{unit}_{digest}"] = lon
    street = tip.split(",")[0] if tip else "a street"
    st.session_state[CALL_NOTE] = (
        key,
        f"{word} {unit} placed on {street} ({lat:.5f}, {lon:.5f}): set the rest and press Re-plan.",
    )


def _the(word: str, away: list[int]) -> str:
    """Name the units taken away: ``Officer 2``, ``Officers 2 and 3``."""
    if len(away) == 1:
        return f"{word} {away[0]}"
    return f"{word}s {', '.join(map(str, away[:-1]))} and {away[-1]}"


def _where(plan: Plan, track: list, clock: dt.time | None, at_s: float) -> tuple[float, float]:
    """Where the plan has a unit at the local ``clock`` time, rounded as the fields show it.

    A time the clocks skip that night, or none, is read as ``at_s`` (the map's time).
    """
    seconds = at_s
    if clock is not None:
        with contextlib.suppress(ScenarioError):
            seconds = seconds_until(plan.shift_start, clock)
    lon, lat = position_at(track, seconds)
    return round(lat, 5), round(lon, 5)


def _follow_the_time(plan: Plan, tracks: dict[int, list], digest: str, at_s: float) -> None:
    """Move the positions offered for units taken away to where they are at the new time."""
    clock = st.session_state.get(f"replan_at_{digest}")
    for unit, track in tracks.items():
        if f"replan_lat_{unit}_{digest}" in st.session_state:
            lat, lon = _where(plan, track, clock, at_s)
            st.session_state[f"replan_lat_{unit}_{digest}"] = lat
            st.session_state[f"replan_lon_{unit}_{digest}"] = lon


def _left_by(
    plan: Plan, at: dt.time, since: dict[int, dt.time], away: list[int]
) -> dict[int, dt.time]:
    """Give each unit taken away the time it left the plan: as given, else the re-plan's time.

    A call took the unit, so its route shows the call even where the call is on the spot the
    plan has it at; a unit whose hours begin after the re-plan has not left it.
    """
    try:
        at_s = seconds_until(plan.shift_start, at)
    except ScenarioError:
        return since  # the re-plan names the time the clocks skip
    begun = {route.officer for route in plan.routes if route.legs and route.legs[0].start_s <= at_s}
    return {unit: since.get(unit, at) for unit in away if unit in since or unit in begun}


def _clock_if_known(column: DeltaGenerator, label: str, key: str) -> dt.time | None:
    """Draw an optional clock time field, to the minute, labelled ``<label> (if known)``."""
    return column.time_input(f"{label} (if known)", value=None, step=60, key=key)


def _article(word: str) -> str:
    """Return the indefinite article of ``word``, capitalised ("An officer", "A unit")."""
    return "An" if word[:1].lower() in "aeio" else "A"
