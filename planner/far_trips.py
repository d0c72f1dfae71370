"""Units sent far for one place: which, how many minutes of walking, and what to do about it.

A unit may walk a long way out and back for the stops at one place: a hot spot of a far corner
of the area (a single serious incident there, say). The search takes such a trip when the
place's value beats what the walk would earn elsewhere, but the commander should know that a
unit spends a large share of its shift on the way.

The rule: a unit's *trip* to a place is the walking (loops left out) from where it was before
(its stop, meal break or call before, or its start) to its stops at the place (one, or several in
a row with only waits, time held back and loops between them) and on to where it goes next. The
trip's *detour* is that walking less the shortest walk from where it was before to where it
goes next: the walking the place adds. A detour of :data:`FAR_TRIP_SHARE` of the unit's hours
or more, and at least :data:`FAR_TRIP_MIN_S`, is a far trip. A re-plan names only the trips
whose stops end after it: those made before are past changing.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.errors import counted, warn
from planner.plan import Leg, Plan, Route
from planner.walks import walk_metres

#: A detour of this share of a unit's hours or more (and :data:`FAR_TRIP_MIN_S`) is warned of.
FAR_TRIP_SHARE = 0.1
#: The shortest detour warned of, seconds, however short the unit's hours.
FAR_TRIP_MIN_S = 1800.0

#: Legs that put a unit somewhere of its own purpose: a trip runs between two of them.
_ANCHORS = ("dwell", "break", "call")


@dataclass(frozen=True, slots=True)
class FarTrip:
    """A unit's far trip to one place (see the module's rule); seconds and OSM node ids."""

    unit: int
    node: int  # where the unit stops
    stops: int  # its stops there, in a row
    walk_in_s: float
    walk_out_s: float
    detour_s: float  # walking the place adds to the shortest walk between its neighbours
    hours_s: float  # the unit's hours


@dataclass(frozen=True, slots=True)
class Visit:
    """Stops at one node in a row: the legs (indices) they span, and where the unit is around.

    ``before`` and ``after`` are the leg indices of the anchors around (-1 and the number of
    legs: the unit's start and end); ``came_from`` and ``goes_to`` their nodes.
    """

    node: int
    first: int
    last: int
    stops: int
    before: int
    after: int
    came_from: int
    goes_to: int


def _walked_s(legs: tuple[Leg, ...], begin: int, end: int) -> float:
    """Seconds walking between legs ``begin`` and ``end`` (both left out), loops left out."""
    return sum(
        leg.end_s - leg.start_s
        for leg in legs[begin + 1 : end]
        if leg.kind == "walk" and not leg.loop
    )


def _moves(legs: tuple[Leg, ...], begin: int, end: int) -> bool:
    """Whether the unit walks anywhere but loops between legs ``begin`` and ``end``."""
    return any(leg.kind == "walk" and not leg.loop for leg in legs[begin + 1 : end])


def visits(route: Route) -> list[Visit]:
    """Find a route's visits: its stops, those at one node in a row (only loops between) as one."""
    legs = route.legs
    if not legs:
        return []
    anchors = [(-1, legs[0].from_node)]
    anchors += [(i, leg.to_node) for i, leg in enumerate(legs) if leg.kind in _ANCHORS]
    anchors.append((len(legs), legs[-1].to_node))
    runs: list[list[int]] = []  # positions in anchors of the stops of each visit
    for a, (i, node) in enumerate(anchors[1:-1], start=1):
        if legs[i].kind != "dwell":
            continue
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and last == a - 1
            and anchors[last][1] == node
            and not _moves(legs, anchors[last][0], i)
        ):
            runs[-1].append(a)
        else:
            runs.append([a])
    return [
        Visit(
            node=anchors[run[0]][1],
            first=anchors[run[0]][0],
            last=anchors[run[-1]][0],
            stops=len(run),
            before=anchors[run[0] - 1][0],
            after=anchors[run[-1] + 1][0],
            came_from=anchors[run[0] - 1][1],
            goes_to=anchors[run[-1] + 1][1],
        )
        for run in runs
    ]


def _hours_s(plan: Plan, route: Route) -> float:
    """Seconds of the unit's hours: from its route's start (its own) to its end.

    Not from the patrol's start: a re-plan's patrol starts the units where they are at the
    re-plan, while their routes, and their hours, still begin where they began.
    """
    return plan.unit_end_s(route) - route.legs[0].start_s


def _ahead(plan: Plan, route: Route, found: list[Visit]) -> list[Visit]:
    """Return the visits whose stops end after the plan's re-plan time (all, for a plan)."""
    if plan.replanned_s is None:
        return found
    return [v for v in found if route.legs[v.last].end_s > plan.replanned_s]


def far_trips(plan: Plan) -> list[FarTrip]:
    """Every unit's far trips (see the module's rule), by unit and time."""
    pace = plan.scenario.officers.pace_m_per_s
    candidates = []
    for route in plan.routes:
        if not route.legs:
            continue
        hours = _hours_s(plan, route)
        least = max(FAR_TRIP_SHARE * hours, FAR_TRIP_MIN_S)
        for visit in _ahead(plan, route, visits(route)):
            walk_in = _walked_s(route.legs, visit.before, visit.first)
            walk_out = _walked_s(route.legs, visit.last, visit.after)
            if walk_in + walk_out >= least:  # the detour is no more than this walking
                candidates.append((route.officer, visit, walk_in, walk_out, hours, least))
    if not candidates:
        return []
    sources = sorted({c[1].came_from for c in candidates})
    avoided = plan.patrol.avoided if plan.patrol is not None else frozenset()  # as the routes
    direct_m = walk_metres(plan.graph, avoided, plan.graph.node_index(sources))
    row = {node: r for r, node in enumerate(sources)}
    found = []
    for unit, visit, walk_in, walk_out, hours, least in candidates:
        to = int(plan.graph.node_index([visit.goes_to])[0])
        detour = walk_in + walk_out - float(direct_m[row[visit.came_from], to]) / pace
        if detour >= least:
            found.append(FarTrip(unit, visit.node, visit.stops, walk_in, walk_out, detour, hours))
    return found


def far_trip_message(plan: Plan) -> str | None:
    """Say which units walk far for one place, for how long, and what to do (or None)."""
    trips = far_trips(plan)
    if not trips:
        return None
    said = "; ".join(_trip_text(plan, trip) for trip in trips)
    return (
        f"walking far for one place: {said}: to keep units near their other stops, cut the area "
        "to the streets to patrol (area.bbox_deg or area.polygon_wkt), keep them out of that "
        "place (places.forbidden) or weigh its incidents less (risk.harm_weights_days); or let "
        "the unit go, if the place is worth the walk"
    )


def _trip_text(plan: Plan, trip: FarTrip) -> str:
    """Say one far trip: ``unit 2: 2 stops at <place>, walking 48 min there and 51 min on ...``."""
    place = plan.places[trip.node]  # a node on unnamed paths is "near <street>"
    return (
        f"{plan.unit_word} {trip.unit}: {counted(trip.stops, 'stop')} "
        f"{place if place.startswith('near ') else 'at ' + place}, walking "
        f"{trip.walk_in_s / 60:.0f} min there and "
        f"{trip.walk_out_s / 60:.0f} min on ({trip.detour_s / 60:.0f} min more than the way "
        f"between its stops before and after, {100 * trip.detour_s / trip.hours_s:.0f} % of its "
        f"{trip.hours_s / 3600:.1f} h)"
    )


def warn_far_trips(plan: Plan) -> None:
    """Warn when units walk far for one place (:func:`far_trip_message`)."""
    if message := far_trip_message(plan):
        warn(message)
