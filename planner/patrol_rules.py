"""The route planner's rules for a shift (:class:`~planner.patrol.Patrol`), from the scenario."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

import numpy as np

from planner.avoid import avoided_segments, dark_during
from planner.clock import clock_at, shift_seconds
from planner.coverage import Pieces
from planner.errors import ScenarioError, warn
from planner.graph import StreetGraph
from planner.hotspots import Hotspots
from planner.patrol import Patrol, break_slots
from planner.places import forbidden_segments
from planner.risk import RiskMap
from planner.scenario import Scenario
from planner.stations import break_window, scenario_field


def patrol_rules(
    scenario: Scenario,
    risk: RiskMap,
    pieces: Pieces,
    hotspots: Hotspots,
    stations: tuple[int, int],
    shift: tuple[dt.datetime, dt.datetime],
    avoided: frozenset[int],
) -> Patrol:
    """Build the route planner's rules from the scenario's ``officers`` and ``dwell`` sections.

    ``avoided`` are the segments :func:`avoided_ways` keeps the units off.

    Raises
    ------
    ScenarioError
        If the meal break window does not fit in the shift.
    """
    officers, dwell = scenario.officers, scenario.dwell
    shift_s = shift_seconds(*shift)
    planned_dwell_s = dwell.max_minutes * 60
    if dwell.max_minutes_per_spot is not None:
        planned_dwell_s = min(planned_dwell_s, dwell.max_minutes_per_spot * 60)
    _warn_past_the_curve(planned_dwell_s / 60, dwell.koper_curve)
    window = break_window(scenario, shift)
    break_s = 0.0 if officers.meal_break is None else officers.meal_break.minutes * 60
    return Patrol(
        units=officers.units,
        start_idx=stations[0],
        end_idx=stations[1],
        shift_s=shift_s,
        pace_m_per_s=officers.pace_m_per_s,
        dwell_s=planned_dwell_s,
        max_visits=dwell.max_visits,
        revisit_value=dwell.revisit_value,
        min_gap_s=dwell.min_revisit_gap_minutes * 60,
        max_dwell_s_per_spot=(
            None if dwell.max_minutes_per_spot is None else dwell.max_minutes_per_spot * 60
        ),
        break_s=break_s,
        break_window_s=window,
        break_at_station=officers.meal_break is None or officers.meal_break.at_station,
        held_back_share=officers.held_back_share,
        avoided=avoided,
        koper_curve=tuple((float(a), float(b)) for a, b in dwell.koper_curve),
        hourly=risk.hourly_profile(hotspots.watched, pieces),
        sight_m=dwell.visibility_radius_m,
        walk_spare=officers.walk_spare_time,
    )


def _warn_past_the_curve(max_minutes: float, curve: Sequence[tuple[float, float]]) -> None:
    """Warn when stops last longer than the Koper curve credits: minutes past it earn nothing."""
    flat_from = max(m for m, _ in curve)
    if max_minutes > flat_from:
        warn(
            f"stops last {max_minutes:g} min (dwell.max_minutes), but the Koper curve credits "
            f"no minute past {flat_from:g} (dwell.koper_curve): {max_minutes - flat_from:g} "
            f"min of each stop earn nothing and fewer stops fit; lower dwell.max_minutes to "
            f"{flat_from:g}, or extend the curve",
        )


def avoided_ways(
    scenario: Scenario, graph: StreetGraph, shift: tuple[dt.datetime, dt.datetime]
) -> frozenset[int]:
    """Segments the units keep off under ``officers.avoid`` (unlit ways only after dusk)."""
    avoid = scenario.officers.avoid
    lat, lon = float(graph.nodes["lat"].mean()), float(graph.nodes["lon"].mean())
    dark = "unlit_after_dark" in avoid and dark_during(lat, lon, *shift)
    return avoided_segments(graph, list(avoid), dark)


#: Share of streets without a ``lit`` tag above which avoiding unlit ways is said to do little.
UNTAGGED_LIGHT_SHARE = 0.5


#: How the street table writes a ``lit`` tag a street lacks (pandas' NaN or None, as text).
UNTAGGED = ("", "nan", "None")


def warn_untagged_light(scenario: Scenario, graph: StreetGraph, avoided: frozenset[int]) -> None:
    """Warn when ``unlit_after_dark`` can do little: most streets carry no ``lit`` tag."""
    if "unlit_after_dark" not in scenario.officers.avoid or "lit" not in graph.segments:
        return
    lit = graph.segments["lit"]
    untagged = int((lit.isna() | lit.isin(UNTAGGED)).sum())
    if untagged > UNTAGGED_LIGHT_SHARE * len(lit):
        unlit = int((lit == "no").sum())
        warn(
            f"{scenario_field(scenario, 'officers.avoid')}: unlit_after_dark can keep the units "
            f"off only the {unlit} of {len(lit)} streets tagged lit=no in OSM; {untagged} carry "
            "no lit tag and are walked as if lit (the shift's avoided ways: "
            f"{len(avoided)} streets)"
        )


def with_places(
    patrol: Patrol, graph: StreetGraph, scenario: Scenario, must_cover: np.ndarray
) -> Patrol:
    """Add the scenario's forbidden zones to the avoided ways and its must-cover hot spots."""
    avoided = patrol.avoided | forbidden_segments(graph, scenario.places.forbidden)
    return replace(patrol, avoided=avoided, must_cover=tuple(int(i) for i in must_cover))


def warn_unit_break_windows(patrol: Patrol, start: dt.datetime, where: str) -> None:
    """Warn of each unit whose own hours cut its meal break window short, or leave none.

    With staggered breaks each unit's slot lies in its hours: only a unit taking none is named.
    """
    if patrol.break_s <= 0:
        return
    earliest, latest = patrol.break_window_s
    clock = partial(clock_at, start)

    span = f"{clock(earliest)}-{clock(latest)}"
    for k, ((_, begin), (_, end)) in enumerate(
        zip(patrol.unit_starts(), patrol.unit_ends(), strict=True)
    ):
        hours = f"unit {k + 1} works {clock(begin)}-{clock(end)}"
        if patrol.outside_break_window(k):
            warn(
                f"{where}: {hours}, which leaves no room for the {patrol.break_s / 60:.0f} min "
                f"meal break in its window {span}: it takes none",
            )
        elif not patrol.break_slots_s and (begin > earliest or end - patrol.break_s < latest):
            first, last = max(begin, earliest), min(latest, end - patrol.break_s)
            warn(
                f"{where}: {hours}, so its meal break starts between {clock(first)} and "
                f"{clock(last)}, the part of the meal break window {span} in its hours",
            )


def staggered_breaks(patrol: Patrol, scenario: Scenario, start: dt.datetime, say: bool) -> Patrol:
    """Give each unit its own slot of the meal break window (``meal_break.most_at_once``).

    By default all units but one may be on their break at once, so that one stays on the street;
    when the window is too short for that, a warning says so (``say``) and all may break
    together. The units whose own hours leave them the earliest last chance to start their
    break take the first slots. ``start`` is the shift's start, for clock times.

    Raises
    ------
    ScenarioError
        If the scenario's own ``most_at_once`` needs more time than the window gives, or a slot
        falls outside a unit's own hours.
    """
    meal = scenario.officers.meal_break
    if meal is None or patrol.break_s <= 0:
        return patrol
    earliest, latest = patrol.break_window_s

    def fit(k: int) -> tuple[float, float]:
        """Latest and earliest second unit ``k`` can start its break in the window."""
        begin, end = patrol.unit_starts()[k][1], patrol.unit_ends()[k][1]
        return min(latest, end - patrol.break_s), max(earliest, begin)

    # the units whose hours close first take the first slots
    takers = sorted((k for k in range(patrol.units) if not patrol.outside_break_window(k)), key=fit)
    most = meal.most_at_once or max(1, len(takers) - 1)
    slots = break_slots(patrol.break_window_s, patrol.break_s, len(takers), most)
    if slots == ():
        return patrol
    clock = partial(clock_at, start)

    groups = math.ceil(len(takers) / most)
    minutes = f"{patrol.break_s / 60:.0f} min"
    problem = ""
    if slots is None:
        problem = (
            f"{groups} slots of {minutes} need the break window "
            f"{clock(earliest)}-{clock(latest)} to run until "
            f"{clock(earliest + (groups - 1) * patrol.break_s)}"
        )
    else:
        for k, (first, last) in zip(takers, slots, strict=True):
            if not patrol.break_fits(k, (first, last)):
                begin, end = patrol.unit_starts()[k][1], patrol.unit_ends()[k][1]
                problem = (
                    f"unit {k + 1}'s slot, a break starting {clock(first)}-{clock(last)}, is "
                    f"outside its hours {clock(begin)}-{clock(end)}"
                )
                break
    where = scenario_field(scenario, "officers.meal_break")
    if problem and meal.most_at_once is not None:
        msg = (
            f"{where}: {len(takers)} units with at most {most} on their break at once: "
            f"{problem}; widen the window, or allow more at once (most_at_once)"
        )
        raise ScenarioError(msg)
    if problem:
        if say:
            warn(
                f"{where}: the meal breaks are not staggered, so all {len(takers)} units may "
                f"be on their break at once: to keep one on the street, {problem}; widen the "
                "window, or set most_at_once"
            )
        return patrol
    assert slots is not None
    own = dict(zip(takers, slots, strict=True))
    per_unit = tuple(own.get(k, patrol.break_window_s) for k in range(patrol.units))
    return replace(patrol, break_slots_s=per_unit, most_on_break=most)
