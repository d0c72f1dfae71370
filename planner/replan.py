"""Re-planning mid-shift: keep what each unit has done, plan the rest from where it is.

A plan's ``routes.json`` (see :mod:`planner.export`) is cut at the re-planning time: legs that
are over are kept; a stop or break under way is finished; a walk under way continues to the
end of the street it is on (its share of held-back time came before it); held-back time or a
wait under way ends at once, except what the last stop made is still owed of its share of
held-back time, and the new plan holds back its own share of the rest. A unit
sent elsewhere (a call for service) is placed at its reported position by a ``call`` leg that
ends at the re-planning time, or at the time the call keeps it busy until (it patrols from
there only then; a later re-plan keeps it busy as recorded). When the time the unit left the
plan is given, the call begins then, or where the leg under way then ended or began: a walk
goes on to the end of its street; a stop, break or free time under way is not counted. What
the unit was to do from then on is dropped. Else the call begins at the end of the last leg
finished before the re-planning time. The rest of the shift is then planned from each unit's
position and time (:func:`resumed`), counting the stops already made for the revisit rules,
and joined to what was done (:func:`joined`). :func:`planner.rest_of_shift.replan` runs these
steps.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import numpy as np

from planner.clock import clock_at
from planner.errors import ScenarioError, warn
from planner.followed import check_inside
from planner.graph import StreetGraph
from planner.hotspots import Hotspots, spot_numbers
from planner.patrol import Patrol
from planner.plan import GONE, Leg, Route, SolveStats
from planner.street_names import place_names
from planner.walks import walk_home_s


@dataclass(frozen=True, slots=True)
class Resume:
    """Where a shift stands: the legs kept per unit, and each unit's node and second."""

    at_s: float
    kept: tuple[tuple[Leg, ...], ...]
    starts: tuple[tuple[int, float], ...]  # (OSM node id, second) per unit
    origins: tuple[int, ...] = ()  # OSM node id each unit's plan started from

    def done_stops(self) -> list[tuple[int, float]]:
        """Return the stops made so far as (OSM node id, start second)."""
        return [
            (leg.to_node, leg.start_s) for legs in self.kept for leg in legs if leg.kind == "dwell"
        ]

    def walked(self) -> tuple[int, ...]:
        """Street segments walked so far, once per pass (a call for service records none)."""
        return tuple(seg for legs in self.kept for leg in legs for seg in leg.segments)

    def break_taken(self) -> frozenset[int]:
        """Units (1-based) whose meal break is over or under way."""
        return frozenset(
            k + 1 for k, legs in enumerate(self.kept) if any(leg.kind == "break" for leg in legs)
        )


def at_hotspots(
    resume: Resume, hotspot_nodes: Sequence[int], graph: StreetGraph | None = None
) -> Resume:
    """Point the stops already made at today's hot spots (OSM node ids, in hot-spot order).

    A re-plan computes the risk and the hot spots again, so their order may differ from the
    plan followed; a stop made where there is no hot spot now is refused, named by its streets
    when ``graph`` is given.

    Raises
    ------
    ScenarioError
        If a stop already made is at a node that is no longer a hot spot.
    """
    index = {int(node): i for i, node in enumerate(hotspot_nodes)}
    made = [leg.to_node for legs in resume.kept for leg in legs if leg.kind == "dwell"]
    if gone := sorted({node for node in made if node not in index}):
        names = place_names(graph, gone[:5]) if graph is not None else {}
        places = [f"{names[n]} (OSM node {n})" if n in names else f"OSM node {n}" for n in gone]
        msg = (
            f"stops were already made at {len(gone)} place(s) that are no longer hot spots "
            f"({'; '.join(places[:5])}{'; ...' if len(gone) > 5 else ''}): "
            "the incidents or the risk and hot-spot settings changed since the plan "
            "was made; re-plan with the files and settings it was made with, or make a new plan"
        )
        raise ScenarioError(msg)
    kept = tuple(
        tuple(
            replace(leg, hotspot=index[leg.to_node]) if leg.kind == "dwell" else leg for leg in legs
        )
        for legs in resume.kept
    )
    return replace(resume, kept=kept)


def cut_routes(
    routes: list[Route],
    at_s: float,
    graph: StreetGraph,
    positions: dict[int, int] | None = None,
    away_since_s: dict[int, float] | None = None,
    held_back_share: float = 0.0,
    busy_until_s: dict[int, float] | None = None,
    gone: Collection[int] = (),
    start: dt.datetime | None = None,
) -> Resume:
    """Cut each route at ``at_s`` (seconds from the shift start).

    ``positions`` maps a unit (1-based) to the OSM node where it actually is at ``at_s``;
    ``away_since_s`` maps a unit with a position to the second it left the plan (e.g. sent to a
    call): a walk under way goes on to the end of its street, a stop or break under way is not
    made, later legs are dropped, and the call leg begins where the last leg kept ends. Without
    it, a unit away from where the plan has it is taken to have left the plan during the leg
    under way at ``at_s``. A unit the plan still has keeps, after its last stop, what that stop
    is owed of the ``held_back_share`` (:func:`_held_after_stop`). ``busy_until_s`` maps a unit
    with a position to the second its call ends (after ``at_s``): its call leg runs until then,
    and the rest of its shift starts there and then. A unit in ``gone`` leaves the shift for
    good: after the legs it finished by ``at_s`` (a stop under way is not made; its call, if it
    has a position) comes a ``gone`` leg of no time, and nothing else; a unit gone in the plan
    followed stays gone. With the shift's ``start``, messages give clock times.

    Raises
    ------
    ScenarioError
        If ``at_s`` is not inside the shift, a position names an unknown unit or one whose
        hours begin after ``at_s``, or a unit left the plan before the shift began or after
        ``at_s``, or is busy, without a position, or is busy and gone, or was gone already and
        is given a position, or ``gone`` names an unknown unit.
    """
    positions = positions or {}
    away = away_since_s or {}
    busy = busy_until_s or {}
    check_units_known(routes, positions, gone)
    _check_gone(routes, gone, positions, busy, start)
    if missing := sorted(set(away) - set(positions)):
        msg = f"unit {missing[0]} left the plan: give where it is now too"
        raise ScenarioError(msg)
    if missing := sorted(set(busy) - set(positions)):
        msg = f"unit {missing[0]} is busy on a call: give where the call is too"
        raise ScenarioError(msg)
    check_inside(routes, at_s)
    first = {r.officer: r.legs[0].start_s for r in routes}
    for unit, left_s in sorted(away.items()):
        if not first[unit] <= left_s <= at_s:
            msg = (
                f"unit {unit} left the plan {left_s / 60:.0f} min into the shift, not between "
                f"the start of its route ({first[unit] / 60:.0f} min) and the re-plan "
                f"({at_s / 60:.0f} min)"
            )
            raise ScenarioError(msg)
    stations = {r.officer: r.legs[0].from_node for r in routes}
    for unit in sorted(positions):
        if first[unit] > at_s and positions[unit] != stations[unit]:
            msg = (
                f"unit {unit} is given a position, but its hours begin {first[unit] / 60:.0f} min "
                f"into the shift, after the re-plan ({at_s / 60:.0f} min): it has not left its "
                "station; drop its --position, or re-plan once its hours have begun"
            )
            raise ScenarioError(msg)
    kept, starts = [], []
    for route in routes:
        if route.gone:  # gone at an earlier re-plan: stays as it was
            kept.append(route.legs)
            starts.append((route.legs[-1].to_node, route.legs[-1].end_s))
            continue
        legs = (  # a unit gone makes no stop it had not finished, owes no free time
            _left_during(route, at_s, at_s, graph)
            if route.officer in gone
            else _held_after_stop(_kept_legs(route, at_s, graph), held_back_share)
        )
        here = legs[-1].to_node if legs else route.legs[0].from_node
        when = max(at_s, legs[-1].end_s if legs else route.legs[0].start_s)  # its own start
        unit = route.officer
        if unit in away or unit in busy or (unit in positions and positions[unit] != here):
            target = positions[unit]
            left_s = away.get(unit, at_s)
            legs = (
                _left_during(route, left_s, at_s, graph) if unit in away else _done_by(legs, at_s)
            )
            while legs and legs[-1].kind in ("reserve", "wait") and legs[-1].end_s >= left_s:
                legs.pop()  # free time the call cut short: the call took it
            last = legs[-1].to_node if legs else route.legs[0].from_node
            begin = legs[-1].end_s if legs else route.legs[0].start_s
            until = max(busy.get(unit, at_s), begin)  # a stop made may end in the minute after
            legs.append(Leg("call", begin, until, last, target))
            here, when = target, until
        if unit in gone:  # from the end of the last leg finished (or the call)
            when = legs[-1].end_s if legs else min(at_s, route.legs[0].start_s)
            legs.append(Leg(GONE, when, when, here, here))
        kept.append(tuple(legs))
        starts.append((here, when))
    origins = tuple(route.legs[0].from_node for route in routes)
    return Resume(at_s, tuple(kept), tuple(starts), origins)


def check_units_known(
    routes: Sequence[Route], placed: Collection[int], gone: Collection[int]
) -> None:
    """Refuse a position (``placed``) or a unit ``gone`` naming a unit the plan followed lacks."""
    units = {r.officer for r in routes}
    if unknown := sorted(set(placed) - units):
        msg = (
            f"a position is given for unit {unknown[0]}, but the plan being followed has units "
            f"1-{len(routes)}; give --position for one of those"
        )
        raise ScenarioError(msg)
    if unknown := sorted(set(gone) - units):
        msg = (
            f"unit {unknown[0]} is said to be gone, but the plan being followed has units "
            f"1-{len(routes)}; give one of those"
        )
        raise ScenarioError(msg)


def _check_gone(
    routes: list[Route],
    gone: Collection[int],
    positions: dict[int, int],
    busy: dict[int, float],
    start: dt.datetime | None,
) -> None:
    """Refuse a unit gone that the plan lacks or that is also busy; one gone already, moved.

    With the plan's ``start``, the time a unit left is a clock time; without, minutes into
    the shift.
    """
    if both := sorted(set(gone) & set(busy)):
        msg = (
            f"unit {both[0]} is said to be gone for the rest of the shift and busy until a time; "
            "give one of the two"
        )
        raise ScenarioError(msg)
    for route in routes:  # a unit gone in the plan followed stays gone
        if route.gone and route.officer in positions:
            when = (
                clock_at(start, route.end_s)
                if start is not None
                else f"{route.end_s / 60:.0f} min into the shift"
            )
            msg = (
                f"unit {route.officer} left the shift for good in the plan being followed (gone "
                f"from {when}); drop its position"
            )
            raise ScenarioError(msg)


def _done_by(legs: list[Leg], at_s: float) -> list[Leg]:
    """Return the legs over by ``at_s``; a call under way (still busy) ends at ``at_s``."""
    return [
        leg if leg.end_s <= at_s else replace(leg, end_s=at_s)
        for leg in legs
        if leg.end_s <= at_s or leg.kind == "call"
    ]


def _held_after_stop(legs: list[Leg], share: float) -> list[Leg]:
    """Hold back, after the last stop made, what is still owed of its share of free time.

    A plan holds a stop's share (``share / (1 - share)`` of its length) right after it; when the
    re-plan finishes a stop under way or ends time held back under way, the rest of that share
    is kept here, before the new plan holds back its own share of the rest.
    """
    active = [i for i, leg in enumerate(legs) if leg.kind in ("walk", "dwell", "call")]
    if share <= 0 or not active or legs[active[-1]].kind != "dwell":
        return legs
    stop = legs[active[-1]]
    held = sum(leg.end_s - leg.start_s for leg in legs[active[-1] + 1 :] if leg.kind == "reserve")
    owed = share / (1.0 - share) * (stop.end_s - stop.start_s) - held
    if owed <= 1e-6:
        return legs
    last = legs[-1]
    if last.kind == "reserve":
        return [*legs[:-1], replace(last, end_s=last.end_s + owed)]
    return [*legs, Leg("reserve", last.end_s, last.end_s + owed, last.to_node, last.to_node)]


LEFT_WITHIN_S = 60.0
"""A stop that ends this soon after the time its unit left the plan was made: that time is
given to the minute, as the briefing shows a stop's end (a stop to 21:00:29 reads ``21:00``)."""


def _left_during(route: Route, left_s: float, at_s: float, graph: StreetGraph) -> list[Leg]:
    """Legs done by a unit that left the plan at ``left_s`` (re-planned at ``at_s``).

    A walk under way goes on to the end of its street (unless that is past ``at_s``); a stop
    or break under way was cut short, so it is not made, unless it ends within the minute
    ``left_s`` names (times are given to the minute, and the briefing shows them so), even
    if that is a few seconds past ``at_s``. A call an earlier re-plan still has it busy on
    ends at ``left_s``, where it is.
    """
    legs = _kept_legs(route, left_s, graph)
    last = legs[-1] if legs else None
    if last is None:
        return legs
    if last.kind == "call" and last.end_s > left_s:
        return [*legs[:-1], replace(last, end_s=left_s)]  # busy there until it left
    if last.kind in ("dwell", "break"):
        if last.end_s > left_s + LEFT_WITHIN_S:
            legs.pop()  # cut short
    elif last.end_s > at_s:
        legs.pop()  # the end of its street lies past the re-plan: where it is, is given
    return legs


def _kept_legs(route: Route, at_s: float, graph: StreetGraph) -> list[Leg]:
    kept: list[Leg] = []
    for leg in route.legs:
        if leg.end_s <= at_s:
            kept.append(leg)
            continue
        if leg.start_s >= at_s:
            break
        if leg.kind in ("dwell", "break"):
            kept.append(leg)  # finished as planned, then its share of time held back
        elif leg.kind == "call":
            kept.append(leg)  # busy until the time an earlier re-plan was given
        elif leg.kind == "walk":
            kept.append(_walk_until(leg, at_s, graph))  # its time held back came before it
        else:
            kept.append(replace(leg, end_s=at_s))
        break
    return kept


def _walk_until(leg: Leg, at_s: float, graph: StreetGraph) -> Leg:
    """Return the part of a walk up to the end of the street it is on at ``at_s``."""
    lengths = graph.segments["length_m"].to_numpy()[list(leg.segments)]
    pace = leg.distance_m / max(leg.end_s - leg.start_s, 1e-9)
    done_m = (at_s - leg.start_s) * pace
    reached = np.cumsum(lengths)
    n = int(np.searchsorted(reached, done_m - 1e-9) + 1)
    n = min(n, len(lengths))
    seg = graph.segments
    last = leg.segments[n - 1]
    ids = graph.nodes.index
    u, v = ids[seg["u_idx"].iat[last]], ids[seg["v_idx"].iat[last]]
    node = int(u if leg.reversed[n - 1] else v)
    metres = float(reached[n - 1])
    return replace(
        leg,
        end_s=leg.start_s + metres / pace,
        to_node=node,
        segments=leg.segments[:n],
        reversed=leg.reversed[:n],
        distance_m=metres,
        presence=0.0,  # credited with the re-plan's risk (planner.route_legs.credit_kept_walks)
    )


def join(kept: tuple[tuple[Leg, ...], ...], routes: list[Route]) -> list[Route]:
    """Prefix each new route with the legs its unit has already done.

    A unit back at its station before the re-plan, and sent out again by it, waits there in
    between.
    """
    joined = []
    for legs, route in zip(kept, routes, strict=True):
        if legs and legs[-1].kind == GONE:  # nothing after: the unit left the shift
            joined.append(Route(route.officer, legs))
            continue
        idle: tuple[Leg, ...] = ()
        if legs and route.legs and route.legs[0].start_s > legs[-1].end_s + 1e-6:
            here = legs[-1].to_node
            idle = (Leg("wait", legs[-1].end_s, route.legs[0].start_s, here, here),)
        joined.append(Route(route.officer, (*legs, *idle, *route.legs)))
    return joined


def resumed(
    patrol: Patrol,
    resume: Resume,
    graph: StreetGraph,
    hotspots: Hotspots,
    start: dt.datetime | None = None,
) -> Patrol:
    """Return the rules for the rest of a shift: positions and times, stops made, breaks.

    ``start`` (the shift's) gives the warnings clock times.

    Raises
    ------
    ScenarioError
        If a unit's plan started from another node than the scenario's station for it.
    """
    _check_origins(patrol, resume, graph)
    nodes = graph.node_index([node for node, _ in resume.starts])
    spot_of = spot_numbers(graph, hotspots)
    done = tuple((spot_of[n], t) for n, t in resume.done_stops() if n in spot_of)
    ends = patrol.unit_ends()[: len(nodes)]
    # A unit back at its end station after its own hours has nothing left to plan: it starts
    # where its time (or a late walk back) ends. One elsewhere (a call took it) walks back late
    # (_overtime).
    last = [legs[-1].end_s if legs else 0.0 for legs in resume.kept]
    starts = tuple(
        (int(n), min(t, max(end_s, done)) if n == end else t)
        for n, (_, t), (end, end_s), done in zip(nodes, resume.starts, ends, last, strict=True)
    )
    # a unit gone for the rest of the shift ends where and when it left: nothing to plan
    gone = {k for k, legs in enumerate(resume.kept) if legs and legs[-1].kind == GONE}
    ends = tuple(starts[k] if k in gone else end for k, end in enumerate(ends))
    patrol = replace(
        patrol,
        units=len(starts),
        starts=starts,
        ends=ends,
        done=done,
        walked=resume.walked(),
        break_done=resume.break_taken() | {k + 1 for k in gone},
        resumed=True,
    )
    home = walk_home_s(graph, patrol)
    called = {  # a call that ran once the unit's break could start took its time
        k
        for k, legs in enumerate(resume.kept, start=1)
        if any(g.kind == "call" and g.end_s > patrol.unit_break_window(k - 1)[0] for g in legs)
    }
    return _overtime(_missed_breaks(patrol, home, start, called), home)


def _missed_breaks(
    patrol: Patrol, home: list[float], start: dt.datetime | None, called: set[int]
) -> Patrol:
    """Plan late the meal break of a unit that can no longer start it in its window.

    A call took the time of the ``called`` units (one that ran once their break could start);
    the others' plan gave them no break in time (the scenario's break changed since).

    A unit that can no longer start it in its own slot of a staggered window, but can in the
    window, gets what is left of the window; its break may then overlap another unit's. One
    that cannot start it in the window either takes it as soon as it can (at the station: once
    back there), within a span as long as the window, if the break still ends in its hours;
    else it takes none. A warning says which and why, with clock times from ``start`` (the
    shift's).
    """
    if patrol.break_s <= 0:
        return patrol
    missed = set()
    slots = list(patrol.break_slots_s)
    width = patrol.break_window_s[1] - patrol.break_window_s[0]

    def clock(second: float) -> str:
        return clock_at(start, second) if start else f"{second / 60:.0f} min into the shift"

    for k, ((_, t), walk) in enumerate(zip(patrol.starts, home, strict=True), start=1):
        ready = t + (walk if patrol.break_at_station else 0.0)
        cut_off = not math.isfinite(walk)  # the routes explain the ways to avoid
        if k in patrol.break_done or cut_off or ready <= patrol.unit_break_window(k - 1)[1]:
            continue
        why = "a call took the time" if k in called else "the plan followed gave it none in time"
        if ready <= patrol.break_window_s[1]:
            slots[k - 1] = patrol.break_window_s
            warn(
                f"unit {k} can no longer start its meal break in its own slot ({why}): it "
                "takes it in what is left of the meal break window, and may be on its "
                "break at the same time as other units"
            )
            continue
        window = f"{clock(patrol.break_window_s[0])}-{clock(patrol.break_window_s[1])}"
        late = (ready, min(ready + width, patrol.unit_ends()[k - 1][1] - patrol.break_s))
        if patrol.break_fits(k - 1, late):
            slots = slots or [patrol.break_window_s] * len(patrol.starts)  # one unit's own
            slots[k - 1] = late
            warn(
                f"unit {k} has not had its meal break and can no longer start it in its window "
                f"{window} ({why}): it is planned late, to start between "
                f"{clock(late[0])} and {clock(late[1])}"
            )
            continue
        missed.add(k)
        warn(
            f"unit {k} has not had its meal break and can no longer start it in its window "
            f"{window} ({why}), nor end it before its time ends: no break is "
            "planned for it; give it one when it is back"
        )
    apart = slots == list(patrol.break_slots_s)  # else the slots no longer keep breaks apart
    return replace(
        patrol,
        break_done=patrol.break_done | missed,
        break_slots_s=tuple(slots),
        most_on_break=patrol.most_on_break if apart else None,
    )


def _overtime(patrol: Patrol, home: list[float]) -> Patrol:
    """Give a unit that cannot be back in time (a call took it far) the time to walk back.

    Its plan is the walk back, with its share of time held back for calls and its meal break
    if still due; a warning says how late it arrives. Its end moves that late (the plan keeps
    by how much: ``Patrol.overtime_s``).
    """
    ends, overtime = list(patrol.unit_ends()), [0.0] * patrol.units
    for k, ((_, t), walk) in enumerate(zip(patrol.starts, home, strict=True)):
        earliest = patrol.unit_break_window(k)[0]
        node, end_s = ends[k]
        due = patrol.break_s > 0 and k + 1 not in patrol.break_done
        back = t + walk
        if due and patrol.break_at_station:  # at the station, after the walk back
            back = max(back, earliest) + patrol.break_s
        elif due:  # where the unit is, before the walk back
            back = max(t, earliest) + patrol.break_s + walk
        if back <= end_s or not math.isfinite(back):  # cut off: routes explain the ways to avoid
            continue
        ends[k] = (node, back + 1.0)
        overtime[k] = back + 1.0 - end_s
        meal = " and taking its meal break" if due else ""
        warn(
            f"unit {k + 1} cannot be back at its end station in time: walking back{meal}, with "
            f"its share of time held back for calls, it arrives {math.ceil((back - end_s) / 60)} "
            "min after its time ends; it is planned to walk back, with no stop"
        )
    return replace(patrol, ends=tuple(ends), overtime_s=tuple(overtime))


def _check_origins(patrol: Patrol, resume: Resume, graph: StreetGraph) -> None:
    """Raise :class:`ScenarioError` when the plan followed left from other stations."""
    ids = graph.nodes.index
    for unit, ((idx, _), origin) in enumerate(
        zip(patrol.unit_starts(), resume.origins, strict=False), start=1
    ):
        if int(ids[idx]) == origin:
            continue
        station = graph.nodes.iloc[idx]
        where = "not on this area's streets"
        if origin in ids:
            row = graph.nodes.loc[origin]
            where = f"at {row['lat']:.5f}, {row['lon']:.5f}"
        msg = (
            f"unit {unit}: the plan being followed left from a point {where}, but the "
            f"scenario's station for it is at {station['lat']:.5f}, {station['lon']:.5f}; "
            "re-plan with the scenario the plan was made from, or make a new plan"
        )
        raise ScenarioError(msg)


def joined(resume: Resume, rest: list[Route], stats: SolveStats) -> tuple[list[Route], SolveStats]:
    """Return the whole shift's routes (legs done, then the re-plan) and its solve figures.

    The search saw only the rest of the shift; what was done before is fixed, so it adds the
    same presence to the objective and to the bound, and the gap is that of the whole shift.
    """
    routes = join(resume.kept, rest)
    done = sum(r.presence for r in routes) - sum(r.presence for r in rest)
    return routes, replace(
        stats,
        objective=stats.objective + done,
        bound=stats.bound + done,
        parameters={**stats.parameters, "presence_before_replan": done},
    )
