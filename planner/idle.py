"""Units back at the station long before their time ends: which, and why."""

from __future__ import annotations

import math
from typing import Any

from planner.errors import warn
from planner.plan import Leg, Plan

#: A unit back at the station this long before its time ends gets a warning saying why.
IDLE_WARN_S = 3600.0
#: A route search whose last half added less than this share of its plan's value is past the
#: gains a longer search would likely bring (measured on Atlanta: 0.3-1.1 % in the last half
#: of 30-60 s searches, then 0.8-1 % more from searches four to six times as long).
SMALL_LAST_HALF_GAIN = 0.01


def gained_little(gain: float | None) -> bool:
    """Whether a route search's last half added under :data:`SMALL_LAST_HALF_GAIN`.

    Judged on the share as said, to a tenth of a per cent (0.996 % reads 1.0 %: not under 1 %),
    so that a warning never says "added 1.0 %" and "under 1 %" of one search. A share not known
    (None, or a blank cell of a staffing table) is not small.
    """
    if gain is None or math.isnan(gain):
        return False
    return round(100 * gain, 1) < round(100 * SMALL_LAST_HALF_GAIN, 1)


def idle_units(routes_kpis: dict[str, Any]) -> list[tuple[int, float]]:
    """Units back at the station :data:`IDLE_WARN_S` or more before their time ends.

    ``routes_kpis`` is a plan's ``kpis["routes"]``; returns (unit, seconds early) pairs.
    """
    early = [(o["officer"], o["back_early_min"] * 60) for o in routes_kpis["per_officer"]]
    return [(unit, s) for unit, s in early if s >= IDLE_WARN_S]


def all_stops_made(routes_kpis: dict[str, Any]) -> bool:
    """Whether every hot spot got its most stops, so more officers could only walk.

    ``routes_kpis`` is a plan's ``kpis["routes"]``.
    """
    allowed = routes_kpis["stops_allowed"]
    return allowed is not None and routes_kpis["stops"] >= allowed


def warn_idle_units(plan: Plan) -> None:
    """Warn when units are back at the station long before their time ends, and say why."""
    if message := idle_message(plan):
        warn(message)


def idle_message(plan: Plan) -> str | None:
    """Which units are back at the station long before their time ends, and why (or None)."""
    assert plan.patrol is not None
    routes = plan.kpis["routes"]
    idle = idle_units(routes)
    spots, dosed = routes["hotspots"], routes["hotspots_dosed"]
    if not idle and (looping := _looping_short(plan)):
        units = ", ".join(f"{plan.unit_word} {k} ({s / 3600:.1f} h)" for k, s in looping)
        return (
            f"walking loops of streets for an hour or more: {units}, while {spots - dosed} of "
            f"{spots} hot spots got no stop when the search stopped at its limit "
            f"({_limit(plan)}{_longer_search(plan)}"
        )
    if not idle:
        return None
    if all_stops_made(routes):
        allowed = plan.patrol.visits_allowed()
        walks = plan.patrol.walk_spare
        why = (
            f"every one of the {spots} hot spots has its {allowed} "
            f"stop{'s' if allowed != 1 else ''} "
            "(dwell.max_visits, dwell.max_minutes_per_spot), so these settings give them no "
            "more to do"
            + (
                " (no loop of streets near them earned presence for the rest of their time)"
                if walks
                else " (officers.walk_spare_time is off: they walk no loop of streets instead)"
            )
            + ": allow more stops, or more hot spots (dwell.hotspot_top_percent), "
            + ("or plan fewer officers" if walks else "let them walk, or plan fewer officers")
        )
    elif plan.routes_stats.status not in ("OPTIMAL", "FEASIBLE") and dosed < spots:
        why = (
            f"{spots - dosed} of {spots} hot spots got no stop "
            f"when the search stopped at its limit ({_limit(plan)}{_longer_search(plan)}; "
            "otherwise none fits their time (revisit gap, distance, shift end)"
        )
    else:
        why = "no further stop fits their time (revisit gap, distance, shift end)"
    units = ", ".join(f"{plan.unit_word} {k} ({s / 3600:.1f} h early)" for k, s in idle)
    return f"back at the station with time left: {units}: {why}"


def _limit(plan: Plan) -> str:
    """Say the route search's limit it stopped at: ``5 s``, or ``150 iterations``."""
    solver = plan.scenario.solver
    if plan.routes_stats.status == "ITERATION_LIMIT":
        return f"{solver.route_iterations} iterations"
    return f"{solver.time_limit_s:g} s"


def _longer_search(plan: Plan) -> str:
    """Say what a longer search may do, naming its setting: ``): a longer search ...``.

    It closes the brackets opened on the limit, after ``, and its last half added 0.4 %``
    when that is under :data:`SMALL_LAST_HALF_GAIN` (:func:`gained_little`): a longer
    search would then likely fit few more stops, where it may fit more.
    """
    if plan.routes_stats.status == "ITERATION_LIMIT":
        longer = "more search iterations (solver.route_iterations)"
    else:
        longer = "a longer search (solver.time_limit_s; --time-limit on the command line)"
    gain = plan.routes_stats.parameters.get("last_half_gain")
    if gain is None or not gained_little(gain):
        return f"): {longer} may fit more stops"
    added = f"{100 * gain:.1f} %"
    return f", and its last half added {added}): {longer} would likely fit few more stops"


def looping_units(routes_kpis: dict[str, Any]) -> list[tuple[int, float]]:
    """Units walking loops (their spare time) for :data:`IDLE_WARN_S` or more.

    ``routes_kpis`` is a plan's ``kpis["routes"]``; returns (unit, seconds of loops) pairs.
    """
    looping = [(o["officer"], o["loop_min"] * 60) for o in routes_kpis["per_officer"]]
    return [(unit, s) for unit, s in looping if s >= IDLE_WARN_S]


def _looping_short(plan: Plan) -> list[tuple[int, float]]:
    """Units walking loops an hour or more while the search left hot spots without a stop.

    Returns (unit, seconds of loops) pairs; empty unless the search stopped at its limit.
    """
    routes = plan.kpis["routes"]
    if plan.routes_stats.status in ("OPTIMAL", "FEASIBLE") or all_stops_made(routes):
        return []
    if routes["hotspots_dosed"] >= routes["hotspots"]:
        return []
    return looping_units(routes) if plan.replanned_s is None else _looping_ahead(plan)


def _looping_ahead(plan: Plan) -> list[tuple[int, float]]:
    """Find a re-plan's units walking loops for :data:`IDLE_WARN_S` or more after it.

    Returns (unit, seconds of loops after the re-plan) pairs: the loops walked before it are
    past changing, and a longer search would fit no stop in their time.
    """
    at_s = plan.replanned_s or 0.0
    ahead = [
        (route.officer, sum(_seconds_after(leg, at_s) for leg in route.legs if leg.loop))
        for route in plan.routes
    ]
    return [(unit, s) for unit, s in ahead if s >= IDLE_WARN_S]


def _seconds_after(leg: Leg, at_s: float) -> float:
    """Return the seconds of ``leg`` after second ``at_s`` of the shift."""
    return max(0.0, leg.end_s - max(leg.start_s, at_s))
