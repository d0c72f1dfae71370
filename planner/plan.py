"""Result values: posts, routes and their legs, solver statistics, and the whole plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.clock import later, shift_seconds, whole_second
from planner.errors import SolverError
from planner.street_names import place_names, segment_names

if TYPE_CHECKING:
    from planner.graph import StreetGraph
    from planner.hotspots import Hotspots
    from planner.neighbourhoods import Neighbourhoods
    from planner.patrol import Patrol
    from planner.risk import RiskMap
    from planner.scenario import Scenario


@dataclass(frozen=True, slots=True)
class SolveStats:
    """What an optimiser reported: status, objective, a proven upper bound and the relative gap.

    ``objective`` and ``bound`` are in the unit the solver maximised (risk share for posts,
    risk-weighted presence minutes for routes).
    """

    solver: str
    status: str
    objective: float
    bound: float
    runtime_s: float
    parameters: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Check that the bound is not below the objective."""
        if self.bound + 1e-9 < self.objective:
            msg = f"{self.solver}: bound {self.bound} below objective {self.objective}"
            raise SolverError(msg)

    @property
    def gap(self) -> float:
        """Relative gap ``(bound - objective) / bound`` (0 when both are 0)."""
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)  # no -0.00 % within 1e-9


@dataclass(frozen=True, slots=True)
class Post:
    """A fixed post: where an officer stands, and the risk share visible from there."""

    node: int
    lon: float
    lat: float
    place: str
    watched_risk: float


@dataclass(frozen=True, slots=True)
class Leg:
    """One step of a route: a walk, a dwell, a wait, held-back time, a break or a call.

    Kinds: ``walk`` between two nodes, ``dwell`` at a hot spot, ``wait``, ``reserve`` (time held
    back for calls, standing free), meal ``break``, ``call`` (a call for service answered
    before a re-plan, from one node to another).

    Times are seconds from the start of the shift. A walk lists the segments it follows and, for
    each, whether it is walked from ``v`` to ``u``. ``presence`` is risk-weighted minutes; a
    credited walk's ``credits`` are what each of its segments earns (they sum to ``presence``).
    """

    kind: str
    start_s: float
    end_s: float
    from_node: int
    to_node: int
    segments: tuple[int, ...] = ()
    reversed: tuple[bool, ...] = ()
    distance_m: float = 0.0
    presence: float = 0.0
    hotspot: int | None = None
    credits: tuple[float, ...] = ()

    @property
    def spot(self) -> int:
        """The hot spot a dwell stands at; a leg at none (not a dwell) raises ``ValueError``."""
        if self.hotspot is None:
            msg = f"a {self.kind} leg stands at no hot spot"
            raise ValueError(msg)
        return int(self.hotspot)

    @property
    def loop(self) -> bool:
        """Whether this is a loop: a walk back to where it began, spare time walked."""
        return self.kind == "walk" and self.from_node == self.to_node and bool(self.segments)

    @property
    def away_on_call(self) -> bool:
        """Whether this is a call that took the unit elsewhere: its way there is not known."""
        return self.kind == "call" and self.to_node != self.from_node


@dataclass(frozen=True, slots=True)
class Route:
    """One unit's shift: legs in time order, starting and ending at a station.

    A unit is an officer, or a pair walking together; ``officer`` is the unit's number, from 1.
    """

    officer: int
    legs: tuple[Leg, ...]

    @property
    def distance_m(self) -> float:
        """Metres walked."""
        return sum(leg.distance_m for leg in self.legs)

    @property
    def dwell_s(self) -> float:
        """Seconds spent dwelling at hot spots."""
        return sum(leg.end_s - leg.start_s for leg in self.legs if leg.kind == "dwell")

    @property
    def end_s(self) -> float:
        """When the officer is back at the end station, seconds from the shift start."""
        return self.legs[-1].end_s if self.legs else 0.0

    @property
    def presence(self) -> float:
        """Risk-weighted presence minutes of the whole route."""
        return sum(leg.presence for leg in self.legs)

    @property
    def ends_elsewhere(self) -> bool:
        """Whether the officer ends the shift at another station than the one left."""
        return bool(self.legs) and not self.gone and self.legs[-1].to_node != self.legs[0].from_node

    @property
    def gone(self) -> bool:
        """Whether the unit left the shift for good (a re-plan's last leg, of kind ``gone``)."""
        return bool(self.legs) and self.legs[-1].kind == GONE

    @property
    def dwells(self) -> list[Leg]:
        """The dwell legs."""
        return [leg for leg in self.legs if leg.kind == "dwell"]


#: Kind of the last leg of a unit gone for the rest of the shift at a re-plan: no time, no move.
GONE = "gone"
#: What the schedule calls that leg.
GONE_ACTION = "gone for the rest of the shift"

AT_STATION_ROW_S = 1.0
"""A unit back this long or more before its time ends gets an ``at station`` schedule row."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A patrol plan for one shift: what the pipeline returns and every export reads."""

    scenario: Scenario
    graph: StreetGraph
    risk: RiskMap
    hotspots: Hotspots
    shift_start: dt.datetime
    shift_end: dt.datetime
    routes: tuple[Route, ...]
    posts: tuple[Post, ...]
    routes_stats: SolveStats
    posts_stats: SolveStats | None
    places: dict[int, str]
    kpis: dict[str, Any]
    timings_s: dict[str, float] = field(default_factory=dict)
    patrol: Patrol | None = None  # the rules the routes were planned under
    label: str = ""  # which plan of several, e.g. "variant 2 of 3" or "re-planned at 21:30"
    replanned_s: float | None = None  # for a re-plan, seconds into the shift it was made at
    followed_sha256: str | None = None  # for a re-plan, the digest of the routes.json it followed
    warnings: tuple[str, ...] = ()  # the planner's warnings while making it (rows dropped, ...)
    neighbourhoods: Neighbourhoods | None = None  # the areas exposure is reported for

    def __repr__(self) -> str:
        """Say the plan in one line; its parts (``kpis``, ``routes``, ...) are its fields."""
        label = f" ({self.label})" if self.label else ""
        stats = self.routes_stats
        return (
            f"<Plan {self.scenario.name}{label}: {self.shift_start:%Y-%m-%d %H:%M} to "
            f"{self.shift_end:%H:%M} {self.shift_start.tzinfo}, {len(self.routes)} "
            f"{self.unit_word}s on foot, presence {stats.objective:.3f} ({stats.status}, "
            f"gap {stats.gap:.1%}), {len(self.posts)} posts>"
        )

    @property
    def unit_word(self) -> str:
        """What one route is called in the exports: ``"officer"``, or ``"unit"`` for pairs."""
        return "unit" if self.scenario.officers.unit_size > 1 else "officer"

    def at(self, offset_s: float) -> dt.datetime:
        """Clock time (shift time zone) of an offset in real seconds from the shift start."""
        return later(self.shift_start, offset_s)

    def at_second(self, offset_s: float) -> dt.datetime:
        """Clock time of an offset, rounded to the second as every file and page writes it.

        Rounded, not cut: a route that ends 0.2 s before the shift reads as back at its end.
        """
        return later(self.shift_start, whole_second(offset_s))

    def unit_end_s(self, route: Route) -> float:
        """Second by which the unit must be back (its own hours, else the shift's end).

        A unit that a call took too far to be back in time is planned back late: this is still
        its time, not the later one its plan was allowed.
        """
        ends = self.patrol.unit_ends() if self.patrol is not None else ()
        late = self.patrol.overtime_s if self.patrol is not None else ()
        if route.officer <= len(ends):
            moved = late[route.officer - 1] if route.officer <= len(late) else 0.0
            return ends[route.officer - 1][1] - moved
        return shift_seconds(self.shift_start, self.shift_end)

    def back_early_s(self, route: Route) -> float:
        """Seconds between the unit's return and the end of its time (negative if late).

        A unit gone for the rest of the shift is neither: 0.
        """
        return 0.0 if route.gone else self.unit_end_s(route) - route.end_s

    def walking_at(self, route: Route, at_s: float) -> str | None:
        """Say where ``route`` walks at ``at_s``, or None when it is not walking.

        ``on <street>``, or on a path without a name the place it comes to next (``near
        Kaivokatu, ...``).
        """
        for leg in route.legs:
            if leg.kind == "walk" and leg.segments and leg.start_s <= at_s < leg.end_s:
                segments = self.graph.segments
                lengths = segments["length_m"].to_numpy()[list(leg.segments)]
                done_m = (at_s - leg.start_s) / (leg.end_s - leg.start_s) * float(lengths.sum())
                i = min(int((lengths.cumsum() <= done_m).sum()), len(lengths) - 1)
                seg = leg.segments[i]
                name = segment_names(self.graph).get(seg)
                if name is not None:
                    return f"on {name}"
                ahead = int(segments["u" if leg.reversed[i] else "v"].to_numpy()[seg])
                return self.places.get(ahead) or place_names(self.graph, [ahead])[ahead]
        return None

    def loop_place(self, leg: Leg) -> str:
        """Say where a loop goes: its streets in order, once per stretch, and where it ends.

        ``via A, B, C, B, A, back to <place>`` (``unnamed paths`` when no street has a name).
        """
        names = segment_names(self.graph)
        said: list[str] = []
        for seg in leg.segments:
            name = names.get(seg)
            if name is not None and (not said or said[-1] != name):
                said.append(name)
        streets = ", ".join(said) if said else "unnamed paths"
        return f"via {streets}, back to {self.places[leg.to_node]}"

    def to_frame(self) -> pd.DataFrame:
        """Return the schedule: a row per leg with officer (or unit), times, action, place.

        ``minutes`` is the row's length (of its times as written, to the second); ``stop``
        numbers a unit's stops in order, as the briefing and the GPX waypoints do (blank on other
        rows); a loop's place names its streets (:meth:`loop_place`). A unit back a second or
        more before its time ends gets a last row, ``at station N min`` (``N s`` under a
        minute), so that its rows run to its end of shift.
        """
        rows = []
        nodes = self.graph.nodes

        def row(route: Route, leg: Leg, action: str, stop: int | None) -> None:
            start_s, end_s, node = leg.start_s, leg.end_s, leg.to_node
            start, end = (self.at_second(s) for s in (start_s, end_s))
            rows.append(
                {
                    self.unit_word: route.officer,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "minutes": round(shift_seconds(start, end) / 60, 2),
                    "stop": stop,
                    "action": action,
                    "place": self.loop_place(leg) if leg.loop else self.places[node],
                    "lat": round(float(nodes.at[node, "lat"]), 6),  # noqa: PD008 scalar lookup
                    "lon": round(float(nodes.at[node, "lon"]), 6),  # noqa: PD008 scalar lookup
                }
            )

        for route in self.routes:
            stops = 0
            for leg in route.legs:
                stops += leg.kind == "dwell"
                number = stops if leg.kind == "dwell" else None
                row(route, leg, leg_action(leg, route), number)
            left_s = self.back_early_s(route)
            if route.legs and left_s >= AT_STATION_ROW_S:
                station = route.legs[-1].to_node
                at = Leg("wait", route.end_s, route.end_s + left_s, station, station)
                row(route, at, f"at station {duration_text(left_s)}", None)
        columns = [self.unit_word, "start", "end", "minutes", "stop", "action", "place"]
        frame = pd.DataFrame(rows, columns=[*columns, "lat", "lon"])
        return frame.astype({"stop": "Int64"})


def station_roles(routes: Sequence[Route]) -> dict[int, dict[str, list[int]]]:
    """Where routes start and end: per node, the routes (numbers) that ``start`` and ``end`` there.

    Routes without legs are left out, and where a unit gone for the rest of the shift ends.
    """
    out: dict[int, dict[str, list[int]]] = {}
    for route in routes:
        if route.legs:
            out.setdefault(route.legs[0].from_node, {"start": [], "end": []})["start"].append(
                route.officer
            )
            if not route.gone:
                out.setdefault(route.legs[-1].to_node, {"start": [], "end": []})["end"].append(
                    route.officer
                )
    return out


def duration_text(seconds: float) -> str:
    """``N min``, or ``N s`` under a minute (59.6 s reads ``1 min``, not ``60 s``)."""
    return f"{seconds / 60:.0f} min" if round(seconds) >= 60 else f"{round(seconds)} s"


def leg_action(leg: Leg, route: Route) -> str:
    """Say what a leg is, as the schedule writes it (``dwell 15 min``, ``walk``, ...)."""
    minutes = (leg.end_s - leg.start_s) / 60.0
    length = duration_text(leg.end_s - leg.start_s)
    if leg.kind == "dwell":
        return f"dwell {minutes:.0f} min"
    if leg.kind == "call":  # one of no time: a unit found elsewhere the moment it was re-planned
        return f"call for service {length}" if round(leg.end_s - leg.start_s) else CALL_ARRIVED
    if leg.kind == GONE:
        return GONE_ACTION
    if leg.kind == "break":
        return f"meal break {minutes:.0f} min"
    if leg.kind in ("wait", "reserve"):
        return f"{'wait' if leg.kind == 'wait' else 'free for calls'} {length}"
    if leg.loop:
        return "walk a loop"  # streets walked instead of waiting (planner.loops)
    if leg is _homeward(route):
        return WALK_TO_END if route.ends_elsewhere else "walk back to station"
    return "walk"


#: What the schedule calls a call for service that took no time: a unit on one call when
#: re-planned, given another position then.
CALL_ARRIVED = "call for service, now here"

#: What the schedule calls the last walk of a unit that ends at another station than its own.
WALK_TO_END = "walk to end station"


def _homeward(route: Route) -> Leg | None:
    """Return the walk to the end station: the last walk, if only wait or free time follows.

    A loop walked at the end station after it (from and back to the station) does not count.
    """
    for leg in reversed(route.legs):
        if leg.loop:
            continue
        if leg.kind == "walk":
            return leg
        if leg.kind not in ("wait", "reserve"):
            return None
    return None
