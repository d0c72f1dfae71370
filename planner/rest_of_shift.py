"""Re-plan the rest of a shift from a plan's ``routes.json``, with :mod:`planner.replan`'s steps."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from planner.avoid import walkable_nodes
from planner.clock import clock_at, clock_label, later, seconds_until, shift_seconds
from planner.errors import ScenarioError, warn
from planner.far_trips import far_trip_message
from planner.followed import (
    Followed,
    changed_rules,
    check_inside,
    check_not_before,
    file_digest,
    read_routes,
)
from planner.graph import StreetGraph
from planner.idle import idle_message
from planner.patrol_rules import avoided_ways
from planner.pipeline import Area, load_area, run
from planner.places import forbidden_segments, zones_holding
from planner.plan import GONE, Plan, Route
from planner.replan import Resume, check_units_known, cut_routes
from planner.scenario import PlaceSpec, Scenario, ZoneSpec
from planner.scenario_patrol import StationSpec
from planner.settings import Settings
from planner.stations import resolve_station, shift_window

#: How a unit's position is told to be written when its lat and lon look swapped (the command
#: line and the app both take it latitude first).
POSITION_FORM = "give it as {lat},{lon} (latitude first)"


def replan(
    scenario: Scenario,
    routes_file: Path,
    at: dt.time,
    positions: dict[int, tuple[float, float]] | None = None,
    settings: Settings | None = None,
    area: Area | None = None,
    away_since: dict[int, dt.time] | None = None,
    busy_until: dict[int, dt.time] | None = None,
    gone: Collection[int] = (),
) -> Plan:
    """Re-plan the rest of a shift from a plan's ``routes.json``.

    Parameters
    ----------
    scenario : Scenario
        The scenario the plan was made from (its rules apply to the rest of the shift).
    routes_file : Path
        ``routes.json`` of the plan being followed.
    at : datetime.time
        Local clock time of the re-plan, inside the shift.
    positions : dict, optional
        Unit number -> (lat, lon) where the unit actually is (e.g. after a call for service);
        units not listed are where the plan has them.
    settings, area
        As for :func:`planner.pipeline.run`.
    away_since : dict, optional
        Unit number -> local clock time it left the plan (e.g. sent to a call for service);
        the stops it was to make from then on are dropped. Each such unit needs a position.
        Without it, a unit placed elsewhere left the plan during the leg under way at ``at``.
    busy_until : dict, optional
        Unit number -> local clock time its call for service ends, after ``at`` and before the
        shift's end; it stays at its position until then and patrols on from there. Each such
        unit needs a position.
    gone : collection of int, optional
        Units gone for the rest of the shift: each ends after the legs it finished by ``at`` (or
        its call, where it has a position), is planned nothing more and is not walked back.

    Raises
    ------
    ScenarioError
        If the time is outside the shift, a position is off the area, a unit is busy until a
        time outside the rest of the shift or is busy without a position, a unit gone is not in
        the plan or is also busy, the file is not a plan,
        or the plan was made from another scenario, another shift (day, hours or time zone),
        other stations or other rules for what was already walked, or a stop already made is
        no longer at a hot spot.
    """
    followed = read_routes(routes_file)
    digest = file_digest(routes_file)  # what the re-plan follows, should the file change
    start, routes = followed.shift_start, followed.routes
    check_followed(scenario, routes_file, positions or {}, gone, followed)
    if changed := changed_rules(followed.rules, scenario):
        msg = (
            f"{routes_file}: the stops and walks already made followed other rules than the "
            f"scenario's now ({'; '.join(changed)}); re-plan with the values the plan was made "
            "with, or make a new plan"
        )
        raise ScenarioError(msg)
    # The plan being followed decides how many units there are.
    count = len(routes) * scenario.officers.unit_size
    before: tuple[str, ...] = ()
    if scenario.officers.count != count:
        before = (
            f"re-planning the {len(routes)} units of the plan being followed ({count} officers; "
            f"the scenario says {scenario.officers.count})",
        )
        warn(before[0])
    away, busy = away_since or {}, busy_until or {}
    made_s = followed.replanned_s or 0.0  # what the plan followed recorded as done stays done
    if followed.timezone:  # refuse times outside the plan before loading the map
        local = followed.local_start
        check_inside(routes, seconds_until(local, at), local)
        check_not_before(followed, seconds_until(local, at), local, routes_file)
        if followed.shift_end is not None:
            _call_seconds(
                (local, followed.shift_end.astimezone(local.tzinfo)), at, made_s, away, busy
            )
    specs = {unit: _position_spec(unit, lat, lon) for unit, (lat, lon) in (positions or {}).items()}
    officers = scenario.officers.model_copy(update={"count": count})
    scenario = scenario.model_copy(update={"officers": officers})
    area = area or load_area(scenario, settings)
    graph = area.graph
    window = shift_window(scenario, graph, start.date())
    _check_window(followed, window, routes_file)
    at_s = seconds_until(window[0], at)
    check_inside(routes, at_s, window[0])
    check_not_before(followed, at_s, window[0], routes_file)
    nodes, inside = _position_nodes(scenario, area, window, specs)
    before = (*before, *inside)
    away_s, busy_s = _call_seconds(window, at, made_s, away, busy)
    share = scenario.officers.held_back_share
    resume = cut_routes(routes, at_s, graph, nodes, away_s, share, busy_s, gone, window[0])
    before = (*before, *_earlier_calls(resume, away, away_s, window[0]))
    # the search starts from the stops still ahead of the units the call left on their routes,
    # so the re-plan is never worse than following the plan when it is still feasible
    ahead = [
        Route(r.officer, tuple(leg for leg in r.dwells if leg.start_s >= at_s - 1e-6))
        if r.officer not in nodes and r.officer not in away and r.officer not in gone
        else Route(r.officer, ())
        for r in sorted(routes, key=lambda r: r.officer)
    ]
    plan = run(scenario, settings, today=start.date(), area=area, resume=resume, start_from=ahead)
    # which variant the followed plan was ("variant 2 of 3"); the rest of its label (a re-plan
    # time, the app's preview search) does not hold for this plan
    variant = next(iter(re.findall(r"variant \d+ of \d+", followed.label)), "")
    made = clock_label(later(window[0], at_s).isoformat(), *window)  # "01:30 GMT" if need be
    label = f"{variant}{', ' if variant else ''}re-planned at {made}"
    kpis = {**plan.kpis, "replan": _replan_kpis(plan, resume)}
    plan = replace(plan, label=label, replanned_s=at_s, followed_sha256=digest, kpis=kpis)
    return replace(plan, warnings=(*before, *plan.warnings, *_ahead_warnings(plan)))


def _position_nodes(
    scenario: Scenario,
    area: Area,
    window: tuple[dt.datetime, dt.datetime],
    specs: dict[int, StationSpec],
) -> tuple[dict[int, int], tuple[str, ...]]:
    """Place each unit's position on the streets it may walk: OSM node ids, and warnings.

    Raises
    ------
    ScenarioError
        If a position is off the area or far from every street the units may walk.
    """
    graph, zones = area.graph, scenario.places.forbidden
    avoided = avoided_ways(scenario, graph, window) | forbidden_segments(graph, zones)
    usable = walkable_nodes(graph, avoided)
    nodes: dict[int, int] = {}
    said: tuple[str, ...] = ()
    for unit, spec in specs.items():
        pos = resolve_station(
            spec, graph, area.features, f"position of unit {unit}", usable, POSITION_FORM
        )
        nodes[unit] = int(graph.nodes.index[pos])
        said = (*said, *_inside_zones(unit, spec, graph, pos, zones))
    return nodes, said


def _ahead_warnings(plan: Plan) -> tuple[str, ...]:
    """Warn of units idle or sent far in the rest of the shift, as a plan does; the messages.

    Issued once the plan knows it is a re-plan: a far trip made before it is not named.
    """
    messages = tuple(m for m in (idle_message(plan), far_trip_message(plan)) if m)
    for message in messages:
        warn(message)
    return messages


def check_followed(
    scenario: Scenario,
    routes_file: Path,
    placed: Collection[int] = (),
    gone: Collection[int] = (),
    followed: Followed | None = None,
) -> None:
    """Refuse re-planning with another scenario than the plan in ``routes_file`` was made from.

    Also refuse units given a position (``placed``) or said ``gone`` that the plan lacks: said
    before the street graph loads. ``followed`` is that file read, when it was already. A
    file that is not a plan is left for the re-plan to name.
    """
    if followed is None:
        try:
            followed = read_routes(routes_file)
        except ScenarioError:
            return
    if followed.scenario != scenario.name:
        msg = (
            f"{routes_file}: this plan was made from scenario '{followed.scenario}', not "
            f"'{scenario.name}'; give that scenario, or with --plan the folder of a plan made "
            f"from '{scenario.name}'"
        )
        raise ScenarioError(msg)
    check_units_known(followed.routes, placed, gone)


def _earlier_calls(
    resume: Resume, away: dict[int, dt.time], away_s: dict[int, float], start: dt.datetime
) -> tuple[str, ...]:
    """Warn of each call shown from before the time its unit left the plan; the messages.

    A stop cut short by the call is not counted, nor free time after the last thing done, so
    the call runs from the end of the last stop or walk the unit finished.
    """
    messages = []
    for unit, left_s in sorted(away_s.items()):
        legs = resume.kept[unit - 1]
        call = max(i for i, leg in enumerate(legs) if leg.kind == "call")  # this re-plan's call
        if legs[call].start_s < left_s - 60.0:
            since = "the end of the last stop or walk it finished" if call else "its route's start"
            message = (
                f"unit {unit} left the plan at {away[unit]:%H:%M}; its call for service is "
                f"shown from {clock_at(start, legs[call].start_s)}, {since} (a stop cut short "
                "is not counted)"
            )
            warn(message)
            messages.append(message)
    return tuple(messages)


def _call_seconds(
    window: tuple[dt.datetime, dt.datetime],
    at: dt.time,
    made_s: float,
    away: dict[int, dt.time],
    busy: dict[int, dt.time],
) -> tuple[dict[int, float], dict[int, float]]:
    """Seconds into the shift at which units left the plan, and until which they are busy.

    ``window`` is the shift's (start, end), ``at`` the re-plan's clock time and ``made_s`` the
    second the plan followed was made at (0 for a first plan).

    Raises
    ------
    ScenarioError
        If a unit left outside the plan's span or is busy until a time outside the rest of the
        shift (:func:`_left_s`, :func:`_busy_s`).
    """
    at_s = seconds_until(window[0], at)
    left = {unit: _left_s(unit, window, clock, (at_s, made_s), at) for unit, clock in away.items()}
    until = {unit: _busy_s(unit, window, clock, at_s, at) for unit, clock in busy.items()}
    return left, until


def _left_s(
    unit: int,
    window: tuple[dt.datetime, dt.datetime],
    left: dt.time,
    span_s: tuple[float, float],
    at: dt.time,
) -> float:
    """Seconds into the shift (from ``window``'s start to its end) at which ``unit`` left the plan.

    ``span_s`` is (the re-planning second, the second the plan followed was made at, 0 for a
    first plan); the time must lie between them.
    """
    start = window[0]
    at_s, made_s = span_s
    left_s = seconds_until(start, left)
    if left_s > at_s:
        when = (  # a clock time past the shift's end is one before it began
            f"before the shift began at {start:%H:%M}"
            if left_s > shift_seconds(*window)
            else f"after the re-plan at {at:%H:%M}"
        )
        msg = (
            f"unit {unit} left the plan at {left:%H:%M}, {when}; give a time from "
            f"{clock_at(start, made_s)} to the re-plan at {at:%H:%M}"
        )
        raise ScenarioError(msg)
    if left_s < made_s - 1e-6:
        made = clock_at(start, made_s)
        msg = (
            f"unit {unit} left the plan at {left:%H:%M}, before the plan followed was re-planned "
            f"at {made}: what was recorded then would be lost; give a time from "
            f"{made} on, or with --plan the plan it was made from"
        )
        raise ScenarioError(msg)
    return left_s


def _busy_s(
    unit: int, window: tuple[dt.datetime, dt.datetime], until: dt.time, at_s: float, at: dt.time
) -> float:
    """Seconds into the shift until which ``unit`` is busy on a call: after ``at_s``, in the shift.

    Raises
    ------
    ScenarioError
        If the time is not after the re-plan (``at_s``, at ``at``) or not before the shift's end.
    """
    start, end = window
    until_s = seconds_until(start, until)
    if until_s <= at_s:
        msg = (
            f"unit {unit} is busy until {until:%H:%M}, not after the re-plan at {at:%H:%M}; give "
            f"the time its call ends, between {at:%H:%M} and the shift's end at {end:%H:%M}, or "
            "leave it out if the call is over"
        )
        raise ScenarioError(msg)
    if until_s >= shift_seconds(start, end):
        msg = (
            f"unit {unit} is busy until {until:%H:%M}, not before the shift ends at {end:%H:%M}; "
            "give an earlier time, or say the unit is gone for the rest of the shift"
        )
        raise ScenarioError(msg)
    return until_s


def _replan_kpis(plan: Plan, resume: Resume) -> dict[str, Any]:
    """Return what a re-plan kept and where its calls for service took the units.

    What it kept: the stops made before it, and the presence the legs done before it earned.
    """
    nodes = plan.graph.nodes
    calls = [
        {
            "unit": unit,
            "since": plan.at_second(leg.start_s).isoformat(timespec="seconds"),
            "until": plan.at_second(leg.end_s).isoformat(timespec="seconds"),
            "lat": round(float(nodes.loc[leg.to_node, "lat"]), 6),
            "lon": round(float(nodes.loc[leg.to_node, "lon"]), 6),
        }
        for unit, legs in enumerate(resume.kept, start=1)
        for leg in legs
        if leg.kind == "call"
    ]
    gone = [
        {"unit": unit, "since": plan.at_second(legs[-1].start_s).isoformat(timespec="seconds")}
        for unit, legs in enumerate(resume.kept, start=1)
        if legs and legs[-1].kind == GONE
    ]
    done = (
        plan.routes_stats.parameters.get("presence_before_replan", 0.0)
        if plan.routes_stats
        else 0.0
    )
    return {
        "at": plan.at_second(resume.at_s).isoformat(timespec="seconds"),
        "stops_kept": len(resume.done_stops()),
        "presence_done_min": round(float(done), 6),
        "calls": calls,
        "gone": gone,
    }


def _check_window(
    followed: Followed, window: tuple[dt.datetime, dt.datetime], routes_file: Path
) -> None:
    """Raise :class:`ScenarioError` unless the plan followed is for the scenario's shift."""
    start, end = window
    same_end = followed.shift_end is None or followed.shift_end == end
    if followed.shift_start == start and same_end:
        return
    was = followed.shift_start.isoformat(timespec="minutes")
    if followed.shift_end is not None:
        was += f" to {followed.shift_end.isoformat(timespec='minutes')}"
    msg = (
        f"{routes_file}: the plan being followed is for the shift {was}, but the scenario's "
        f"shift is {start.isoformat(timespec='minutes')} to {end.isoformat(timespec='minutes')}; "
        "re-plan with the scenario the plan was made from, or make a new plan for the new shift"
    )
    raise ScenarioError(msg)


def _inside_zones(
    unit: int, spec: StationSpec, graph: StreetGraph, pos: int, zones: list[ZoneSpec]
) -> tuple[str, ...]:
    """Warn when a unit's position lies in a no-go zone (a call took it there); the message.

    The unit is planned from the nearest street it may walk (``pos``), which it walks out to.
    """
    assert spec.lat is not None and spec.lon is not None
    held = zones_holding(graph, PlaceSpec(lat=spec.lat, lon=spec.lon), zones)
    if not held:
        return ()
    node = graph.nodes.iloc[pos]
    x, y = graph.project_lonlat(np.array([spec.lon]), np.array([spec.lat]))
    away_m = math.dist((x[0], y[0]), (float(node["x_m"]), float(node["y_m"])))
    names = ", ".join(f"'{z.name}'" if z.name else f"({z.lat:.5f}, {z.lon:.5f})" for z in held)
    message = (
        f"position of unit {unit}: ({spec.lat:.5f}, {spec.lon:.5f}) lies inside the no-go "
        f"zone {names} (places.forbidden): the re-plan starts it from the nearest street it may "
        f"walk, {away_m:.0f} m away in a straight line, at ({float(node['lat']):.5f}, "
        f"{float(node['lon']):.5f}); the walk out is not in its timetable"
    )
    warn(message)
    return (message,)


def _position_spec(unit: int, lat: float, lon: float) -> StationSpec:
    """Return a unit's reported position as a station point, checked by :class:`StationSpec`."""
    try:
        return StationSpec(lat=lat, lon=lon)
    except ValidationError:
        msg = f"position of unit {unit}: ({lat}, {lon}) is not a latitude, longitude pair"
        raise ScenarioError(msg + "; give degrees, latitude first, e.g. 60.1702,24.9411") from None
