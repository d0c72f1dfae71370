"""Routes from the search's answer: timed legs along real streets, credited with presence.

:func:`route_of_visits` turns one unit's visits into walks, time held back for calls, waits,
stops and the meal break; :func:`credit_stops` and :func:`credit_walks` credit the stops and
the streets walked in time order over all units (a revisit earns less), as
:func:`credit_kept_stops` and :func:`credit_kept_walks` do for what a re-plan keeps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np

from planner import search
from planner.hotspots import koper_value_min
from planner.patrol import Patrol
from planner.plan import Leg, Route
from planner.walks import Network


def _walk_s(net: Network, i: int, j: int, patrol: Patrol) -> float:
    """Seconds of walking from source ``i`` to source ``j`` at the patrol pace."""
    return float(net.dist_m[i, net.sources[j]]) / patrol.pace_m_per_s


Stays = dict[int, list[tuple[float, float, int]]]
"""Per node position, the (start, end, unit) of each stop there with the time held back after it."""


def stays_of(routes: Sequence[Sequence[search.Visit]], net: Network, patrol: Patrol) -> Stays:
    """Where every unit stands for its stops (see :data:`Stays`), units numbered from 1."""
    held = patrol.dwell_s * patrol.stretch()
    stays: Stays = {}
    for k, visits in enumerate(routes, start=1):
        for visit in visits:
            node = int(net.sources[visit.node])
            stays.setdefault(node, []).append((visit.start_s, visit.start_s + held, k))
    return stays


def _departure(
    now: float, legs_s: tuple[float, float], slot_s: float, here: list, unit: int
) -> float:
    """When a unit early for its stop stops waiting where it is, to arrive on its slot.

    ``legs_s`` are the seconds it then still stands where it is (time held back before the
    walk) and walks. It waits there, not beside the unit stopping at the hot spot before it,
    and sets off early only so as to be gone when another unit comes to stop where it waits
    (``here``: their stays).
    """
    standing_s, walk_s = legs_s
    latest = slot_s - standing_s - walk_s
    coming = [s - standing_s for s, e, k in here if k != unit and e > now and s < slot_s]
    return max(now, min([latest, *coming]))


def route_of_visits(
    officer: int,
    net: Network,
    patrol: Patrol,
    visits: tuple[search.Visit, ...],
    break_start: float | None,
    start: tuple[int, float],
    order: np.ndarray,
    first_spot: int,
    stays: Stays | None = None,
) -> Route:
    """Build the timed legs of one unit: walks, reserve time, waits, stops and the break.

    A unit early for its stop waits where it is, away from where other units stop (``stays``).
    """
    legs: list[Leg] = []
    ids = net.graph.nodes.index
    spare = patrol.stretch() - 1.0
    units = len(patrol.unit_starts())
    here, clock = 2 + officer - 1, start[1]
    home = 2 + units + officer - 1
    pending_break = break_start

    def add(leg: Leg) -> None:
        nonlocal clock
        legs.append(leg)
        clock = leg.end_s

    def hold(kind: str, until: float) -> None:
        nonlocal clock
        if until <= clock + 1e-6:
            return
        node = int(ids[net.sources[here]])
        if kind == "reserve" and legs and legs[-1].kind == "reserve" and legs[-1].to_node == node:
            legs[-1] = replace(legs[-1], end_s=until)  # one block of time held back, not two
            clock = until
        else:
            add(Leg(kind, clock, until, node, node))

    def go(to: int) -> None:
        nonlocal here
        if net.sources[here] == net.sources[to]:  # already there
            here = to
            return
        leg = net.walk(here, to, clock, patrol.pace_m_per_s)
        if spare > 0:  # the walk's share is held back before it sets off
            walk_s = leg.end_s - leg.start_s
            hold("reserve", clock + walk_s * spare)
            leg = replace(leg, start_s=clock, end_s=clock + walk_s)
        add(leg)
        here = to

    def take_break(before: float) -> None:
        nonlocal pending_break
        if pending_break is None or pending_break > before + 1e-6:
            return
        if patrol.break_at_station:
            go(home)
        hold("wait", pending_break)
        hold("break", max(clock, pending_break) + patrol.break_s)
        pending_break = None

    for visit in visits:
        take_break(visit.start_s)
        # a wait for the stop's slot is spent where the unit is, not beside the unit stopping
        # there before it: leave in time to arrive on the slot
        walk_s = _walk_s(net, here, visit.node, patrol)
        around = (stays or {}).get(int(net.sources[here]), [])
        leave = _departure(clock, (walk_s * spare, walk_s), visit.start_s, around, officer)
        hold("wait", leave)
        go(visit.node)
        hold("wait", visit.start_s)
        node = int(ids[net.sources[visit.node]])
        hot = int(order[visit.node - first_spot])
        add(
            Leg(
                "dwell",
                clock,
                clock + patrol.dwell_s,
                node,
                node,
                presence=0.0,
                hotspot=hot,
            )
        )
        if spare > 0:
            hold("reserve", clock + patrol.dwell_s * spare)
    go(home)  # a break still due is taken back at the station (the search's rule)
    take_break(math.inf)
    return Route(officer, tuple(legs))


def _recredit(routes: list[Route], kind: str, credit: Callable[[Leg], Leg]) -> list[Route]:
    """Replace every leg of ``kind`` by ``credit(leg)``, legs taken in time order.

    Time order over all units (ties by unit, then leg) lets ``credit`` count earlier passes.
    """
    order = sorted(
        (leg.start_s, k, i)
        for k, r in enumerate(routes)
        for i, leg in enumerate(r.legs)
        if leg.kind == kind
    )
    credited = [list(r.legs) for r in routes]
    for _, k, i in order:
        credited[k][i] = credit(credited[k][i])
    return [Route(r.officer, tuple(legs)) for r, legs in zip(routes, credited, strict=True)]


def credit_stops(routes: list[Route], dwell_value: np.ndarray, patrol: Patrol) -> list[Route]:
    """Credit each stop: value x the hour's profile x ``revisit_value ** rank`` at its hot spot.

    The rank counts earlier stops at the same hot spot by any unit, and the stops already made
    before a re-plan.
    """
    earlier: dict[int, list[float]] = {}
    for hot, start_s in patrol.done:
        earlier.setdefault(hot, []).append(start_s)

    def credit(leg: Leg) -> Leg:
        hot = leg.spot
        rank = sum(t < leg.start_s for t in earlier.get(hot, []))
        profile = patrol.hour_weight(hot, leg.start_s)
        earlier.setdefault(hot, []).append(leg.start_s)
        return replace(leg, presence=float(dwell_value[hot] * profile * patrol.revisit_value**rank))

    return _recredit(routes, "dwell", credit)


def credit_walks(
    routes: list[Route], weight: np.ndarray, patrol: Patrol, lengths: np.ndarray
) -> list[Route]:
    """Credit each walk: each street's ``weight`` (:func:`walk_weights`) on its first pass.

    The k-th pass of a street earns ``revisit_value ** k`` of its weight. Passes are ranked by
    when each street is reached over all units (:func:`_credit_passes`; ``lengths`` are the
    streets' metres), after the passes made before a re-plan (``patrol.walked``).
    """
    passes = _Passes(weight, patrol.revisit_value)
    passes.credit(patrol.walked)
    legs = [list(r.legs) for r in routes]
    _credit_passes(legs, passes, lengths)
    return [Route(r.officer, tuple(unit)) for r, unit in zip(routes, legs, strict=True)]


def credit_kept_walks(
    kept: tuple[tuple[Leg, ...], ...], weight: np.ndarray, patrol: Patrol, lengths: np.ndarray
) -> tuple[tuple[Leg, ...], ...]:
    """Credit the walks a re-plan keeps (legs done, per unit) as :func:`credit_walks` does.

    A walk cut short at the re-plan earns the streets it walked (a call for service records no
    streets: its way is not known). The risk is the re-plan's, as for the stops kept
    (:func:`credit_kept_stops`).
    """
    legs = [list(unit) for unit in kept]
    _credit_passes(legs, _Passes(weight, patrol.revisit_value), lengths)
    return tuple(tuple(unit) for unit in legs)


def _credit_passes(legs: list[list[Leg]], passes: _Passes, lengths: np.ndarray) -> None:
    """Credit every walk of ``legs`` (a list per unit) in place, street by street.

    A walk reaches each of its streets once it has walked the ones before it, at its own
    pace; over all units the pass reached first ranks first (ties: by unit, leg, street), so
    a unit that comes to a street first earns it in full, whenever its walk began.
    """
    reached: list[tuple[float, int, int, int]] = []
    earned: dict[tuple[int, int], list[float]] = {}
    for k, unit in enumerate(legs):
        for i, leg in enumerate(unit):
            if leg.kind != "walk":
                continue
            metres = lengths[list(leg.segments)]
            total = float(metres.sum())
            before = np.cumsum(metres) - metres
            share = before / total if total > 0 else np.arange(len(metres)) / max(len(metres), 1)
            at = leg.start_s + (leg.end_s - leg.start_s) * share
            reached.extend((float(t), k, i, j) for j, t in enumerate(at))
            earned[k, i] = [0.0] * len(leg.segments)
    for _, k, i, j in sorted(reached):
        earned[k, i][j] = passes.one(legs[k][i].segments[j])
    for (k, i), values in earned.items():
        legs[k][i] = replace(legs[k][i], presence=float(sum(values)), credits=tuple(values))


def credit_kept_stops(
    kept: tuple[tuple[Leg, ...], ...], value: np.ndarray, patrol: Patrol
) -> tuple[tuple[Leg, ...], ...]:
    """Credit the stops a re-plan keeps (legs done, per unit) from the re-plan's hot spots.

    A stop earns its hot spot's ``value`` x the Koper curve at the minutes it lasted x its
    hour's profile x ``revisit_value ** rank`` (earlier kept stops there), as a planned stop
    does: what a ``routes.json`` says a stop earned is never taken on trust. Stops must point at
    the hot spots (:func:`planner.replan.at_hotspots`).
    """
    earlier: dict[int, list[float]] = {}
    legs = [list(unit) for unit in kept]
    order = sorted(
        (leg.start_s, k, i)
        for k, unit in enumerate(legs)
        for i, leg in enumerate(unit)
        if leg.kind == "dwell"
    )
    for _, k, i in order:
        leg = legs[k][i]
        hot = leg.spot
        minutes = koper_value_min((leg.end_s - leg.start_s) / 60.0, patrol.koper_curve)
        profile = patrol.hour_weight(hot, leg.start_s)
        rank = sum(t < leg.start_s for t in earlier.get(hot, []))  # as credit_stops ranks
        earlier.setdefault(hot, []).append(leg.start_s)
        credit = float(value[hot]) * minutes * profile * patrol.revisit_value**rank
        legs[k][i] = replace(leg, presence=credit)
    return tuple(tuple(unit) for unit in legs)


class _Passes:
    """Passes of each street so far; the k-th pass earns its weight x ``revisit_value ** k``."""

    def __init__(self, weight: np.ndarray, revisit_value: float) -> None:
        self.weight, self.revisit_value = weight, revisit_value
        self.count: dict[int, int] = {}

    def one(self, seg: int) -> float:
        """Count one pass of street ``seg``; return what it earns."""
        rank = self.count.get(seg, 0)
        self.count[seg] = rank + 1
        return float(self.weight[seg]) * self.revisit_value**rank

    def credit(self, segments: Iterable[int]) -> tuple[float, ...]:
        """Count one pass of each of ``segments`` in order; return what each pass earns."""
        return tuple(self.one(seg) for seg in segments)
