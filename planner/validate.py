"""An independent check of a patrol plan against the rules it was planned under.

The validator knows nothing of how a plan was found: it re-walks every leg on the street graph
and re-counts every stop, so a solver bug shows up as a named violation instead of a plan an
officer cannot follow, and re-derives what each leg earns from the README's definitions, so a
slip in crediting shows up too. Rules checked:

``units``
    One route per unit, numbered from 1 (when the rules give the number of units).
``timeline``
    Legs follow each other without gaps or overlaps, from the route's start time; the officer is
    back at the end station by the end of the shift, also with every walk at the pace (the
    tolerance of each leg does not add up over the route).
``continuity``
    Each leg starts where the one before ended; the first starts at the route's start node.
``walk``
    A walk follows connected street segments from its start to its end node, its distance is the
    sum of their lengths and its duration that distance at the patrol pace; no avoided way is used.
``dwell``
    A stop lasts between the dwell bounds, at a hot spot, under that hot spot's number.
``call``
    A call for service is answered before a re-plan (it is what happened, not a plan).
``revisit``
    Two stops at one hot spot (any officers) start at least the minimum gap apart, never overlap,
    are at most ``max_visits`` and sum to at most the dosage cap.
``break``
    Each officer takes exactly the configured meal break, starting inside its window, at the
    station when required; one planned after the window has none left to take, nor has one
    whose own hours end before a break in the window could, nor one excused by the re-plan
    (``break_excused``: a call for service took the window).
``presence``
    Each stop earns its hot spot's watched risk x the Koper curve at the minutes it lasts x its
    hour's risk against the shift's average x ``revisit_value`` for each earlier stop there
    (any unit, those made before a re-plan included); a walk earns at most one pass of each
    street it takes: the street's risk x the minutes a walker keeps its points in sight (its
    length, at most twice the stops' sight radius, at the patrol pace). Checked when the rules
    carry a :class:`Credit`.
``held back``
    At least the configured share of each route's time (breaks aside) is held back for calls:
    reserve legs and waits, when the officer stands free to answer, and calls answered. And
    each stop and each walk holds its own share, as time free for calls between it and the
    walk or stop next to it. After a re-plan mid-shift the share applies to the rest of the
    shift: a call that cut into the time held back is what happened, not part of the plan.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from planner.errors import PlannerFault
from planner.graph import StreetGraph
from planner.hotspots import koper_value_min
from planner.plan import GONE, Leg, Route
from planner.walks import one_pass_presence

#: Tolerances: seconds of clock time and metres of walk.
TOL_S = 1.0
TOL_M = 0.5
STATIONARY = ("dwell", "wait", "break", "reserve", GONE)


@dataclass(frozen=True, slots=True)
class Rules:
    """What a plan must respect. Node values are OSM node ids; times are seconds from shift start.

    ``starts`` gives, per officer, the node and second a route starts from (the station at 0
    unless re-planned mid-shift or staggered); officers not listed start at ``start_node`` at 0.
    ``ends`` likewise gives the node a route ends at and the second it must be there by.
    ``planned_from_s`` gives, per officer re-planned mid-shift, the second the new plan starts:
    the legs before it were done, and the held-back share applies from there on;
    ``break_excused`` the officers whose meal break a re-plan found no longer possible. The
    break is taken at ``break_node`` when given, else at the route's end station when
    ``break_at_end_station``, else anywhere. With ``units`` (0: not checked) the plan has one
    route per unit, numbered from 1. ``hotspot_nodes`` gives the node of each hot spot by
    number: a stop is made at one, under its number. ``break_windows_s`` gives an officer's own
    window of break starts when the breaks are staggered, ``most_on_break`` the most officers on
    their break at once (None: not checked).
    """

    shift_s: float
    pace_m_per_s: float
    start_node: int
    end_node: int
    dwell_min_s: float
    dwell_max_s: float
    hotspot_nodes: tuple[int, ...]
    min_revisit_gap_s: float = 0.0
    max_visits: int = 1
    max_dwell_s_per_spot: float | None = None
    break_s: float = 0.0
    break_window_s: tuple[float, float] = (0.0, float("inf"))
    break_windows_s: dict[int, tuple[float, float]] = field(default_factory=dict)
    most_on_break: int | None = None
    break_node: int | None = None
    break_at_end_station: bool = False
    held_back_share: float = 0.0
    avoided_segments: frozenset[int] = frozenset()
    starts: dict[int, tuple[int, float]] = field(default_factory=dict)
    ends: dict[int, tuple[int, float]] = field(default_factory=dict)
    planned_from_s: dict[int, float] = field(default_factory=dict)
    break_excused: frozenset[int] = frozenset()
    units: int = 0
    credit: Credit | None = None


@dataclass(frozen=True, slots=True)
class Credit:
    """What a plan's presence is made of, to re-derive it (rule ``presence``).

    ``spot_risk`` is the risk each hot spot watches, by number; ``segment_risk`` each street
    segment's risk; ``hourly`` (hot spot x hour of the shift) a hot spot's risk in each hour
    against its shift average, ``None`` when flat. The stops made before a re-plan are legs of
    the routes checked (kept), so they rank as earlier stops there.
    """

    spot_risk: np.ndarray
    segment_risk: np.ndarray
    koper_curve: tuple[tuple[float, float], ...]
    revisit_value: float
    sight_m: float
    hourly: np.ndarray | None = None


#: Relative tolerance of a stop's presence against its re-derived value (float noise only).
PRESENCE_RTOL = 1e-6


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: which, whose route (its unit, 0 for the whole plan), and what exactly."""

    rule: str
    officer: int
    message: str

    def __str__(self) -> str:
        """Return ``rule (unit N): message``: a route is a unit's, of one officer or a pair."""
        who = f"unit {self.officer}" if self.officer else "plan"
        return f"{self.rule} ({who}): {self.message}"


def validate_routes(routes: list[Route], graph: StreetGraph, rules: Rules) -> list[Violation]:
    """Return every violation of ``rules`` in ``routes`` (empty when the plan is valid)."""
    found: list[Violation] = _units(routes, rules)
    for route in routes:
        found += _timeline(route, rules)
        found += _continuity(route, rules)
        for leg in route.legs:
            found += _leg(route.officer, leg, graph, rules)
        found += _break(route, rules)
        found += _held_back(route, rules)
        found += _held_per_leg(route, rules)
    found += _revisits(routes, rules)
    found += _breaks_at_once(routes, rules)
    if rules.credit is not None:
        found += _stop_presence(routes, rules.credit)
        found += _walk_presence(routes, graph, rules.credit, rules.pace_m_per_s)
    return found


def _stop_presence(routes: list[Route], credit: Credit) -> list[Violation]:
    """Re-derive each stop's presence, stops taken in time order (rule ``presence``)."""
    stops = sorted(
        (
            (leg.start_s, route.officer, leg)
            for route in routes
            for leg in route.legs
            if leg.kind == "dwell"
        ),
        key=lambda stop: stop[:2],
    )
    made: dict[int, list[float]] = defaultdict(list)  # start seconds of stops at each hot spot
    found = []
    for start_s, officer, leg in stops:
        if leg.hotspot is None or not 0 <= leg.hotspot < len(credit.spot_risk):
            continue  # the dwell rule names it
        hot = int(leg.hotspot)
        earlier = sum(t < start_s for t in made[hot])
        made[hot].append(start_s)
        hour_weight = 1.0
        if credit.hourly is not None:
            hour = min(int(start_s // 3600), credit.hourly.shape[1] - 1)
            hour_weight = float(credit.hourly[hot, hour])
        koper = koper_value_min((leg.end_s - leg.start_s) / 60, credit.koper_curve)
        due = credit.spot_risk[hot] * koper * hour_weight * credit.revisit_value**earlier
        if not math.isclose(leg.presence, due, rel_tol=PRESENCE_RTOL, abs_tol=1e-12):
            found.append(
                Violation(
                    "presence",
                    officer,
                    f"the stop at hot spot {hot} from {start_s:.0f} s is credited "
                    f"{leg.presence:.6g}, its rules give {due:.6g}",
                )
            )
    return found


def _walk_presence(
    routes: list[Route], graph: StreetGraph, credit: Credit, pace_m_per_s: float
) -> list[Violation]:
    """Check that no walk earns more than one pass of each street it takes (``presence``)."""
    one_pass = one_pass_presence(graph, credit.segment_risk, credit.sight_m, pace_m_per_s)
    found = []
    for route in routes:
        for leg in route.legs:
            if leg.kind != "walk" or not all(0 <= i < len(one_pass) for i in leg.segments):
                continue  # the walk rule names a segment off the graph
            most = float(one_pass[list(leg.segments)].sum())
            if leg.presence > most * (1 + PRESENCE_RTOL) + 1e-12:
                found.append(
                    Violation(
                        "presence",
                        route.officer,
                        f"the walk from {leg.start_s:.0f} s is credited {leg.presence:.6g}, "
                        f"more than one pass of its streets gives ({most:.6g})",
                    )
                )
    return found


def check_routes(routes: list[Route], graph: StreetGraph, rules: Rules) -> None:
    """Raise if the routes break any rule.

    Raises
    ------
    PlannerFault
        Listing every violation (a planner bug: a valid scenario never yields one).
    """
    found = validate_routes(routes, graph, rules)
    if found:
        listed = "; ".join(str(v) for v in found[:10])
        more = f" (and {len(found) - 10} more)" if len(found) > 10 else ""
        msg = f"the plan failed validation, please report it: {listed}{more}"
        raise PlannerFault(msg)


def _units(routes: list[Route], rules: Rules) -> list[Violation]:
    numbers = sorted(route.officer for route in routes)
    if rules.units and numbers != list(range(1, rules.units + 1)):
        listed = ", ".join(map(str, numbers)) or "none"
        return [Violation("units", 0, f"routes of units {listed}, not 1 to {rules.units}")]
    return []


def _start_of(route: Route, rules: Rules) -> tuple[int, float]:
    return rules.starts.get(route.officer, (rules.start_node, 0.0))


def _end_of(route: Route, rules: Rules) -> tuple[int, float]:
    return rules.ends.get(route.officer, (rules.end_node, rules.shift_s))


def _timeline(route: Route, rules: Rules) -> list[Violation]:
    out = []
    node, begin = _start_of(route, rules)
    if not route.legs:
        if node != _end_of(route, rules)[0]:
            out.append(Violation("timeline", route.officer, "no legs, yet it ends elsewhere"))
        return out
    if abs(route.legs[0].start_s - begin) > TOL_S:
        out.append(
            Violation(
                "timeline",
                route.officer,
                f"starts at {route.legs[0].start_s:.0f} s, not {begin:.0f} s",
            )
        )
    for before, after in zip(route.legs, route.legs[1:], strict=False):
        if abs(after.start_s - before.end_s) > TOL_S:
            out.append(
                Violation(
                    "timeline",
                    route.officer,
                    f"{after.kind} at {after.start_s:.0f} s does not follow the {before.kind} "
                    f"ending at {before.end_s:.0f} s",
                )
            )
    for leg in route.legs:
        if leg.end_s + TOL_S < leg.start_s:
            out.append(Violation("timeline", route.officer, f"{leg.kind} ends before it starts"))
    last = route.legs[-1]
    end_node, end_s = _end_of(route, rules)
    if last.end_s > end_s + TOL_S:
        late = (last.end_s - end_s) / 60
        out.append(
            Violation("timeline", route.officer, f"back {late:.1f} min after the shift ends")
        )
    elif (needed := _time_needed(route, rules)) > end_s - route.legs[0].start_s + TOL_S:
        out.append(
            Violation(
                "timeline",
                route.officer,
                f"its legs need {needed / 60:.1f} min from {route.legs[0].start_s:.0f} s, "
                f"more than the {(end_s - route.legs[0].start_s) / 60:.1f} min to its end: "
                "the legs' tolerances add up",
            )
        )
    if last.to_node != end_node:
        out.append(
            Violation(
                "timeline", route.officer, f"ends at node {last.to_node}, not the end station"
            )
        )
    return out


def _time_needed(route: Route, rules: Rules) -> float:
    """Seconds the legs take back to back: walks at the pace, the others as long as they last.

    Each leg is checked within ``TOL_S`` on its own; summed, those tolerances must not let a route
    need more time than it has.
    """
    return sum(
        leg.distance_m / rules.pace_m_per_s if leg.kind == "walk" else leg.end_s - leg.start_s
        for leg in route.legs
    )


def _continuity(route: Route, rules: Rules) -> list[Violation]:
    out = []
    here, _ = _start_of(route, rules)
    for leg in route.legs:
        if leg.from_node != here:
            out.append(
                Violation(
                    "continuity",
                    route.officer,
                    f"{leg.kind} at {leg.start_s:.0f} s starts at node {leg.from_node}, but the "
                    f"officer is at node {here}",
                )
            )
        here = leg.to_node
    return out


def _leg(officer: int, leg: Leg, graph: StreetGraph, rules: Rules) -> list[Violation]:
    if leg.presence < 0:
        return [
            Violation(leg.kind, officer, f"{leg.kind} at {leg.start_s:.0f} s earns less than 0")
        ]
    if leg.kind == "walk":
        return _walk(officer, leg, graph, rules)
    if leg.kind == "call":  # a call for service before a re-plan: wherever it took the unit
        planned_from = rules.planned_from_s.get(officer, -math.inf)
        if leg.end_s > planned_from + TOL_S:
            return [
                Violation(
                    "call",
                    officer,
                    f"a call for service at {leg.start_s:.0f} s, not answered before a re-plan",
                )
            ]
        return []
    out = []
    if leg.kind not in STATIONARY:
        return [Violation("walk", officer, f"unknown leg kind {leg.kind!r}")]
    if leg.from_node != leg.to_node or leg.distance_m > TOL_M:
        out.append(Violation(leg.kind, officer, f"{leg.kind} at {leg.start_s:.0f} s moves"))
    if leg.kind != "dwell":
        if leg.presence > 0:
            out.append(Violation(leg.kind, officer, f"{leg.kind} credited with presence"))
        return out
    length = leg.end_s - leg.start_s
    if not rules.dwell_min_s - TOL_S <= length <= rules.dwell_max_s + TOL_S:
        out.append(
            Violation(
                "dwell",
                officer,
                f"stop at {leg.start_s:.0f} s lasts {length / 60:.1f} min, outside "
                f"{rules.dwell_min_s / 60:.0f}-{rules.dwell_max_s / 60:.0f} min",
            )
        )
    if leg.to_node not in rules.hotspot_nodes:
        out.append(Violation("dwell", officer, f"stop at node {leg.to_node} is not a hot spot"))
    elif not (
        leg.hotspot is not None
        and 0 <= leg.hotspot < len(rules.hotspot_nodes)
        and rules.hotspot_nodes[leg.hotspot] == leg.to_node
    ):
        out.append(
            Violation(
                "dwell",
                officer,
                f"stop at {leg.start_s:.0f} s names hot spot {leg.hotspot}, not the one at "
                f"node {leg.to_node}",
            )
        )
    return out


def _walk(officer: int, leg: Leg, graph: StreetGraph, rules: Rules) -> list[Violation]:
    seg = graph.segments
    ids = graph.nodes.index.to_numpy()
    if len(leg.segments) != len(leg.reversed):
        return [Violation("walk", officer, "segments and directions differ in number")]
    rows = np.asarray(leg.segments, dtype=np.int64)
    if rows.size and (rows.min() < 0 or rows.max() >= len(seg)):
        return [Violation("walk", officer, "walk uses a segment that is not in the graph")]
    u = ids[seg["u_idx"].to_numpy()[rows]]
    v = ids[seg["v_idx"].to_numpy()[rows]]
    flip = np.asarray(leg.reversed, dtype=bool)
    tail, head = np.where(flip, v, u), np.where(flip, u, v)
    out = []
    path_ok = (rows.size == 0 and leg.from_node == leg.to_node) or (
        rows.size > 0
        and tail[0] == leg.from_node
        and head[-1] == leg.to_node
        and bool(np.all(head[:-1] == tail[1:]))
    )
    if not path_ok:
        out.append(
            Violation(
                "walk",
                officer,
                f"walk at {leg.start_s:.0f} s is not a connected path from node "
                f"{leg.from_node} to node {leg.to_node}",
            )
        )
    metres = float(seg["length_m"].to_numpy()[rows].sum())
    if abs(metres - leg.distance_m) > TOL_M:
        out.append(
            Violation(
                "walk",
                officer,
                f"walk at {leg.start_s:.0f} s claims {leg.distance_m:.0f} m, its streets sum "
                f"to {metres:.0f} m",
            )
        )
    needed = metres / rules.pace_m_per_s
    if abs((leg.end_s - leg.start_s) - needed) > TOL_S:
        out.append(
            Violation(
                "walk",
                officer,
                f"walk at {leg.start_s:.0f} s takes {leg.end_s - leg.start_s:.0f} s, "
                f"{metres:.0f} m at the pace needs {needed:.0f} s",
            )
        )
    banned = sorted(set(leg.segments) & rules.avoided_segments)
    if banned:
        out.append(
            Violation(
                "walk", officer, f"walk at {leg.start_s:.0f} s uses {len(banned)} avoided way(s)"
            )
        )
    return out


def _break(route: Route, rules: Rules) -> list[Violation]:
    breaks = [leg for leg in route.legs if leg.kind == "break"]
    if rules.break_s <= 0:
        return [Violation("break", route.officer, "a break that no rule asks for")] * bool(breaks)
    _, begin = _start_of(route, rules)
    _, end = _end_of(route, rules)
    earliest, latest = rules.break_windows_s.get(route.officer, rules.break_window_s)
    planned_from = rules.planned_from_s.get(route.officer, -math.inf)
    taken = bool(breaks) and breaks[0].start_s < planned_from - TOL_S  # before a re-plan
    if taken:  # its slot may have been another, or late after a call (checked when planned)
        earliest, latest = rules.break_window_s[0], math.inf
    if not breaks:
        if begin > latest or route.officer in rules.break_excused:
            return []  # re-planned after the window (taken already), or a call took its time
        if max(begin, earliest) > min(latest, end - rules.break_s):
            return []  # no break fits in both the window and the unit's own hours
        return [Violation("break", route.officer, "no meal break")]
    if len(breaks) > 1:
        return [Violation("break", route.officer, f"{len(breaks)} meal breaks, not one")]
    leg = breaks[0]
    out = []
    if not earliest - TOL_S <= leg.start_s <= latest + TOL_S:
        out.append(
            Violation(
                "break",
                route.officer,
                f"break starts at {leg.start_s / 60:.0f} min, outside "
                f"{earliest / 60:.0f}-{latest / 60:.0f} min",
            )
        )
    if abs(leg.end_s - leg.start_s - rules.break_s) > TOL_S:
        out.append(
            Violation(
                "break",
                route.officer,
                f"break lasts {(leg.end_s - leg.start_s) / 60:.0f} min, not "
                f"{rules.break_s / 60:.0f}",
            )
        )
    place = rules.break_node
    if place is None and rules.break_at_end_station and not taken:  # a unit gone since ends
        place = _end_of(route, rules)[0]  # where it left, not at the station it took it at
    if place is not None and leg.to_node != place:
        out.append(Violation("break", route.officer, "break not taken at the station"))
    return out


def _held_back(route: Route, rules: Rules) -> list[Violation]:
    since = rules.planned_from_s.get(route.officer, -math.inf) - TOL_S
    legs = [leg for leg in route.legs if leg.start_s >= since]
    if rules.held_back_share <= 0 or not legs:
        return []
    span = legs[-1].end_s - legs[0].start_s
    breaks = sum(leg.end_s - leg.start_s for leg in legs if leg.kind == "break")
    # Waiting on the spot leaves the officer as free for a call as reserve time does.
    held = sum(leg.end_s - leg.start_s for leg in legs if leg.kind in ("reserve", "wait", "call"))
    want = rules.held_back_share * (span - breaks)
    if held + TOL_S * len(legs) < want:
        return [
            Violation(
                "held back",
                route.officer,
                f"{held / 60:.0f} min held back for calls, the rule asks {want / 60:.0f} min",
            )
        ]
    return []


def _held_per_leg(route: Route, rules: Rules) -> list[Violation]:
    """Each stop and each walk holds back its own share, in the free time around it.

    Between two active legs (walks, stops, calls) the time free for calls must cover the share
    of the stop before and of the walk after: ``share / (1 - share)`` of each. What happened
    before a re-plan is not checked, but free time the re-plan holds is: after a stop made before
    it, up to a walk it plans, the stop's share must still be there.
    """
    if rules.held_back_share <= 0:
        return []
    spare = rules.held_back_share / (1.0 - rules.held_back_share)
    since = rules.planned_from_s.get(route.officer, -math.inf) - TOL_S
    active = [i for i, leg in enumerate(route.legs) if leg.kind in ("walk", "dwell", "call")]
    out = []
    for i, j in itertools.pairwise([-1, *active, len(route.legs)]):
        before = route.legs[i] if i >= 0 else None
        after = route.legs[j] if j < len(route.legs) else None
        first = before if before is not None else after
        if first is None:  # no legs
            continue
        upto = route.legs[-1].end_s if after is None else after.start_s
        if upto < since or (after is not None and after.kind == "call"):
            continue  # what happened (a call is never planned)
        if after is None and route.gone:
            continue  # the unit left the shift: the re-plan holds no time after its last leg
        want = sum(
            spare * (leg.end_s - leg.start_s)
            for leg, kind in ((before, "dwell"), (after, "walk"))
            if leg is not None and leg.kind == kind
        )
        held = sum(
            leg.end_s - leg.start_s for leg in route.legs[i + 1 : j] if leg.kind == "reserve"
        )
        if held + TOL_S < want:
            at = first.end_s if before is not None else first.start_s
            out.append(
                Violation(
                    "held back",
                    route.officer,
                    f"{held / 60:.1f} min free for calls around {at:.0f} s, where the stop "
                    f"before and the walk after ask {want / 60:.1f} min",
                )
            )
    return out


def _revisits(routes: list[Route], rules: Rules) -> list[Violation]:
    stops: dict[int, list[tuple[float, float, int]]] = defaultdict(list)
    for route in routes:
        for leg in route.dwells:
            stops[leg.to_node].append((leg.start_s, leg.end_s, route.officer))
    out = []
    for node, visits in stops.items():
        visits.sort()
        if len(visits) > rules.max_visits:
            out.append(
                Violation(
                    "revisit",
                    0,
                    f"hot spot at node {node} has {len(visits)} stops, at most "
                    f"{rules.max_visits} allowed",
                )
            )
        total = sum(end - start for start, end, _ in visits)
        if rules.max_dwell_s_per_spot is not None and total > rules.max_dwell_s_per_spot + TOL_S:
            out.append(
                Violation(
                    "revisit",
                    0,
                    f"hot spot at node {node} gets {total / 60:.0f} min, over the cap of "
                    f"{rules.max_dwell_s_per_spot / 60:.0f} min",
                )
            )
        for (s1, e1, o1), (s2, _, o2) in itertools.pairwise(visits):
            if s2 < e1 - TOL_S:
                out.append(
                    Violation(
                        "revisit",
                        0,
                        f"officers {o1} and {o2} stand at node {node} at the same time",
                    )
                )
            elif s2 - s1 < rules.min_revisit_gap_s - TOL_S:
                out.append(
                    Violation(
                        "revisit",
                        0,
                        f"stops at node {node} start {(s2 - s1) / 60:.0f} min apart, the "
                        f"minimum gap is {rules.min_revisit_gap_s / 60:.0f} min",
                    )
                )
    return out


def _breaks_at_once(routes: list[Route], rules: Rules) -> list[Violation]:
    """More units on their meal break at the same time than ``most_on_break`` allows.

    Breaks taken before a re-plan (under another plan's slots) are not counted.
    """
    if rules.most_on_break is None:
        return []
    breaks = [
        leg
        for route in routes
        for leg in route.legs
        if leg.kind == "break"
        and leg.start_s >= rules.planned_from_s.get(route.officer, -math.inf) - TOL_S
    ]
    out = []
    for leg in breaks:  # the most at once is reached at some break's start
        on = [b for b in breaks if b.start_s - TOL_S <= leg.start_s < b.end_s - TOL_S]
        if len(on) > rules.most_on_break:
            out.append(
                Violation(
                    "break",
                    0,
                    f"{len(on)} units on their meal break at once at {leg.start_s / 60:.0f} min, "
                    f"most allowed {rules.most_on_break}",
                )
            )
            break
    return out
