"""Foot-patrol routes: units leave the station, walk, dwell at hot spots, and return in time.

This module turns the street graph, the risk map and the hot spots into the numeric problem of
:mod:`planner.search` and its answer back into timed legs along real streets:

* travel times are shortest walks at the patrol pace on the graph without the avoided ways;
* a stop at a hot spot is worth the risk it watches times the Koper value of the stop, times the
  hour's share of risk when the risk varies over the shift; the k-th stop at one hot spot is
  worth ``revisit_value ** k`` of the first and starts at least the revisit gap after the one
  before (never two units at once); the dosage cap limits the stops per hot spot;
* walking earns the risk of the streets walked, per minute (a street longer than twice the
  sight radius for the minutes a point of it stays in sight); a street already walked in the
  plan (by any unit) earns ``revisit_value ** k`` of that on its k-th pass, in the search's
  objective as in the plan's presence;
* a share of each unit's time is held back for calls: ``share / (1 - share)`` of every stop and
  every walk, as ``reserve`` time (the unit stays put, free to answer a call) after the stop
  and before the walk, where the unit stands, so the plan is feasible in real clock time; the
  time held back after a stop and before the walk on is one block;
* a meal break is taken inside its window, at the station when the scenario says so.

Re-planning mid-shift starts each unit from where it is at the time it is, and counts the stops
already made for the revisit rules.

The rules of a shift are :class:`planner.patrol.Patrol`; the shortest walks come from
:mod:`planner.walks`, the timed legs and their credit from :mod:`planner.route_legs`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner import search
from planner.errors import InfeasibleError, PlannerFault
from planner.graph import StreetGraph
from planner.hotspots import Hotspots, koper_value_min
from planner.loops import walk_spare_time
from planner.patrol import HOUR_S, Patrol
from planner.plan import Route, SolveStats
from planner.risk import RiskMap
from planner.route_legs import credit_stops, credit_walks, route_of_visits, stays_of
from planner.validate import Credit, Rules
from planner.walks import Network, reachable, street_network

log = logging.getLogger(__name__)

#: Most hot spots handed to the search (the best reachable by stop value, plus the must-cover
#: ones).
MAX_CANDIDATES = 300
#: A stop at a must-cover hot spot counts in the search (not in the KPIs) this many times its
#: value or, where that is less, its best hour :data:`MUST_COVER_OVER_BEST` times the best other
#: hot spot's (a quiet place: one stop); see :func:`_weigh_must_cover`.
MUST_COVER_WEIGHT = 10.0
MUST_COVER_OVER_BEST = 2.0
#: Travel time standing for "no way there" in the search.
UNREACHABLE_S = 1e12


def plan_routes(
    graph: StreetGraph,
    risk: RiskMap,
    hotspots: Hotspots,
    patrol: Patrol,
    time_limit_s: float,
    seed: int = 1,
    max_iterations: int | None = None,
    start_from: Sequence[Sequence[int]] = (),
) -> tuple[list[Route], SolveStats]:
    """Plan one route per unit with :func:`planner.search.solve`.

    ``start_from`` gives, per unit (the first ones), the hot spots (indices into ``hotspots``)
    of another plan's stops in order, e.g. of the same shift with fewer officers: the search
    starts from it and keeps at least its presence, loops included. A start the units cannot walk
    is dropped.

    Raises
    ------
    InfeasibleError
        When a unit cannot reach the end station in time, or no hot spot can be dosed and left
        within the shift, or the meal break does not fit (the message says by how much).
    """
    if len(hotspots) == 0:
        msg = "no hot spot in the area: the risk map is flat; add incident data or a larger area"
        raise InfeasibleError(msg)
    setup = search_setup(graph, risk, hotspots, patrol)
    net, problem, order, first_spot = setup.net, setup.problem, setup.order, setup.first_spot
    starts, dwell_value = patrol.unit_starts(), setup.dwell_value
    _check_feasible(problem, patrol)
    initial = _initial(start_from, order, first_spot, len(problem.shifts))
    start = search.evaluate(problem, initial) if initial is not None else None
    if initial is not None and start is None:
        log.info("routes: the other plan's stops do not fit these units; searching afresh")
        initial = None
    result = search.solve(
        problem, time_limit_s, seed, initial=initial, max_iterations=max_iterations
    )
    # presence, not the search's weights; walks may leave the shortest ways (a detour earns)
    plain = _problem(net, patrol, starts, dwell_value[order], order, first_spot, False)
    bound = search.upper_bound(plain, any_walk=True)
    single = int((problem.max_visits < plain.max_visits).sum())  # quiet must-cover places
    routes = _routes_of(result.best, setup, patrol)
    # what the search's last half added (its own weights), unless the plan is not its own
    gain: dict[str, float] = {"last_half_gain": result.last_half_gain}
    if start is not None and start.routes != result.best.routes:
        # loops walked in spare time come after the search: the start may still earn more
        kept = _routes_of(start, setup, patrol)
        if sum(r.presence for r in kept) > sum(r.presence for r in routes) + 1e-9:
            routes, gain = kept, {}
    earned = sum(r.presence for r in routes)
    status = result.status
    if status == "OPTIMAL" and bound > earned + 1e-9:  # optimal for the weights, not presence
        status = "FEASIBLE"
    stats = SolveStats(
        solver="patrol search (planner.search)",
        status=status,
        objective=earned,
        bound=_within_noise(bound, earned),
        runtime_s=result.runtime_s,
        parameters={
            "candidates": len(order),
            "max_visits": patrol.visits_allowed(),
            "revisit_value": patrol.revisit_value,
            "min_revisit_gap_s": patrol.min_gap_s,
            "dwell_s": patrol.dwell_s,
            "held_back_share": patrol.held_back_share,
            "time_limit_s": time_limit_s,
            "seed": seed,
            "iterations": result.iterations,
            **gain,
            "hourly_risk": patrol.hourly is not None,
            "single_visit_spots": single,
        },
    )
    return routes, stats


@dataclass(frozen=True)
class SearchSetup:
    """The numeric problem :func:`plan_routes` hands the search, and how to read its nodes.

    Nodes are the start and end stations, each unit's start and end, then the hot spots
    ``order`` (indices into the hot spots) from node ``first_spot`` on; ``dwell_value`` is every
    hot spot's value of one stop.
    """

    net: Network
    problem: search.Problem
    order: np.ndarray
    first_spot: int
    dwell_value: np.ndarray


def search_setup(
    graph: StreetGraph, risk: RiskMap, hotspots: Hotspots, patrol: Patrol
) -> SearchSetup:
    """Build the search problem of ``patrol`` (the one place :func:`plan_routes` gets it from).

    The candidates are the best :data:`MAX_CANDIDATES` hot spots by stop value (when there are
    more, those a unit can reach, dwell at and leave in time), plus those stopped at before a
    re-plan and the must-cover ones.
    """
    dwell_value = hotspots.value * koper_value_min(patrol.dwell_s / 60.0, patrol.koper_curve)
    order = np.argsort(-dwell_value, kind="stable")
    if len(order) > MAX_CANDIDATES:  # the best ones may lie out of reach of a short shift
        within = order[reachable(graph, patrol, hotspots.node_idx[order])]
        order = within if len(within) else order  # none: the feasibility check says why
    order = order[:MAX_CANDIDATES]
    done_sites = {h for h, _ in patrol.done} | set(patrol.must_cover)
    extra = [h for h in sorted(done_sites) if h not in set(order.tolist())]
    order = np.concatenate([order, np.array(extra, dtype=np.int64)]).astype(np.int64)
    starts, ends = patrol.unit_starts(), patrol.unit_ends()
    first_spot = 2 + 2 * len(starts)
    sources = np.array(
        [
            patrol.start_idx,
            patrol.end_idx,
            *(node for node, _ in starts),
            *(node for node, _ in ends),
            *hotspots.node_idx[order].tolist(),
        ],
        dtype=np.int64,
    )
    net = street_network(graph, risk, sources, patrol)
    problem = _problem(net, patrol, starts, dwell_value[order], order, first_spot)
    return SearchSetup(net, problem, order, first_spot, dwell_value)


def _weigh_must_cover(spots: np.ndarray, must: np.ndarray) -> np.ndarray:
    """Raise the must-cover rows of ``spots`` (hot spot x hour values) in place.

    Each counts :data:`MUST_COVER_WEIGHT` times its value or, if that is less, its hourly
    profile scaled so that its best hour is worth :data:`MUST_COVER_OVER_BEST` times the best
    other hot spot's best (a spot with no risk of its own gets that flat): the search then gives
    it a stop unless reaching it costs more than a few of the best stops. Returns the rows
    raised to that floor (quiet places): one stop there is what the scenario asks for, and
    further stops at the raised value would crowd out the risk, so they get a single visit.
    """
    quiet = np.zeros(len(spots), dtype=bool)
    if not must.any():
        return quiet
    # with no other hot spot earning anything, any value puts a must-cover place above them
    floor = MUST_COVER_OVER_BEST * spots[~must].max(initial=0.0) or 1.0
    own = spots[must]
    peak = own.max(axis=1, keepdims=True)
    spots[must] = np.where(
        peak > 0, np.maximum(own * MUST_COVER_WEIGHT, own * floor / np.maximum(peak, 1e-300)), floor
    )
    quiet[must] = peak[:, 0] * MUST_COVER_WEIGHT < floor
    return quiet


def _routes_of(solution: search.Solution, setup: SearchSetup, patrol: Patrol) -> list[Route]:
    """Turn a search solution into credited routes, loops walked in spare time included."""
    net, order, first_spot = setup.net, setup.order, setup.first_spot
    starts = patrol.unit_starts()
    stays = stays_of(solution.routes, net, patrol)
    routes = [
        route_of_visits(k + 1, net, patrol, visits, brk, starts[k], order, first_spot, stays)
        for k, (visits, brk) in enumerate(zip(solution.routes, solution.breaks, strict=True))
    ]
    if patrol.walk_spare:
        routes = walk_spare_time(routes, net, patrol)
    lengths = net.graph.segments["length_m"].to_numpy()
    return credit_walks(
        credit_stops(routes, setup.dwell_value, patrol), net.segment_presence, patrol, lengths
    )


def _initial(
    start_from: Sequence[Sequence[int]], order: np.ndarray, first_spot: int, units: int
) -> list[list[int]] | None:
    """Search nodes of the hot spots in ``start_from`` (those among the candidates), per unit."""
    if not start_from:
        return None
    node = {int(h): first_spot + i for i, h in enumerate(order)}
    seqs = [[node[h] for h in spots if h in node] for spots in start_from[:units]]
    return seqs + [[] for _ in range(units - len(seqs))]


def _problem(
    net: Network,
    patrol: Patrol,
    starts: tuple[tuple[int, float], ...],
    value: np.ndarray,
    order: np.ndarray,
    first_spot: int,
    weighted: bool = True,
) -> search.Problem:
    """Build the numeric problem: nodes are start, end, the units' positions, then hot spots.

    ``weighted``: hot spots weigh in the search apart from their risk (must-cover places, a
    variant's search weight); without it the problem's values are presence and its streets
    are listed for :func:`planner.search.upper_bound` with ``any_walk`` (the plan's bound).
    """
    n = len(net.sources)
    stretch = patrol.stretch()
    travel = net.dist_m[:, net.sources] / patrol.pace_m_per_s * stretch
    hours = patrol.hours()
    values = np.zeros((n, hours))
    profile = np.ones((len(order), hours))
    if patrol.hourly is not None:
        profile = patrol.hourly[order][:, :hours]
    values[first_spot:] = value[:, None] * profile
    if weighted and patrol.search_weight is not None:
        values[first_spot:] *= patrol.search_weight[order][:, :hours]
    quiet = np.zeros(len(order), dtype=bool)
    if weighted:
        quiet = _weigh_must_cover(values[first_spot:], np.isin(order, patrol.must_cover))
    dwell = np.zeros(n)
    dwell[first_spot:] = patrol.dwell_s * stretch
    caps = np.zeros(n, dtype=np.int64)
    caps[first_spot:] = np.where(quiet, min(1, patrol.visits_allowed()), patrol.visits_allowed())
    spot_node = {int(h): first_spot + k for k, h in enumerate(order)}
    history = tuple((spot_node[h], t) for h, t in patrol.done)
    for node, _ in history:  # stops made before a re-plan use up the hot spot's allowance
        caps[node] = max(0, caps[node] - 1)
    units = len(starts)
    shifts = tuple(
        search.Shift(
            start=2 + k,
            end=2 + units + k,
            begin_s=begin,
            end_s=end_s,
            break_s=(
                0.0
                if k + 1 in patrol.break_done or patrol.outside_break_window(k)
                else patrol.break_s
            ),
            break_earliest_s=patrol.unit_break_window(k)[0],
            break_latest_s=patrol.unit_break_window(k)[1],
            break_node=2 + units + k if patrol.break_at_station else None,
        )
        for k, ((_, begin), (_, end_s)) in enumerate(zip(starts, patrol.unit_ends(), strict=True))
    )
    walk = np.where(np.isfinite(net.walk_presence), net.walk_presence, 0.0)
    passes = None  # every pass of a street worth the same: the arcs' walk values say it all
    if patrol.revisit_value < 1.0 or not weighted:  # the bound prices walks street by street
        passes = search.StreetPasses(
            pred=net.pred,
            street=net.tree_segment,
            where=net.sources,
            weight=net.segment_presence,
            seconds=net.graph.segments["length_m"].to_numpy() / patrol.pace_m_per_s * stretch,
            decay=patrol.revisit_value,
            before=np.bincount(
                np.asarray(patrol.walked, dtype=np.int64), minlength=len(net.segment_presence)
            ),
        )
    return search.Problem(
        travel_s=np.where(np.isfinite(travel), travel, UNREACHABLE_S),
        value=values,
        dwell_s=dwell,
        max_visits=caps,
        shifts=shifts,
        bucket_s=HOUR_S,
        repeat_decay=patrol.revisit_value,
        min_gap_s=max(patrol.min_gap_s, patrol.dwell_s * stretch),
        walk_value=walk,
        history=history,
        street_passes=passes,
    )


def _check_feasible(problem: search.Problem, patrol: Patrol) -> None:
    """Explain, with figures, why no plan exists (station too far, break does not fit)."""
    travel = problem.travel_s
    spots = np.flatnonzero(problem.max_visits > 0)
    stranded: list[tuple[int, str]] = []
    for k, shift in enumerate(problem.shifts, start=1):
        _check_shift(travel, k, shift)
        # late in a re-planned shift, walking back without a stop is the plan
        if len(spots) == 0 or patrol.resumed:
            continue
        if why := _no_stop(problem, spots, shift, patrol.dwell_s):
            stranded.append((k, why))
    if stranded:
        reasons = {why for _, why in stranded}
        if len(stranded) == len(problem.shifts) and len(reasons) == 1:
            raise InfeasibleError(stranded[0][1])  # every unit, for one reason
        named = [f"unit {k}: {why}" for k, why in stranded[:3]]
        more = f"; and {len(stranded) - 3} more units" if len(stranded) > 3 else ""
        raise InfeasibleError("; ".join(named) + more)


def _check_shift(travel: np.ndarray, k: int, shift: search.Shift) -> None:
    """Refuse unit ``k`` when it cannot get back to its end station or take its break."""
    left = shift.end_s - shift.begin_s
    home = travel[shift.start, shift.end]
    if home >= UNREACHABLE_S:
        msg = (
            f"unit {k} cannot walk to the end station at all: the ways to avoid "
            "(officers.avoid, places.forbidden) cut it off; remove a forbidden zone near "
            "the stations or an avoid rule"
        )
        raise InfeasibleError(msg)
    if home > left:
        msg = (
            f"unit {k}: the walk to the end station alone takes {home / 60:.0f} min, "
            f"{(home - left) / 60:.0f} min more than the {left / 60:.0f} min left in the "
            "shift; lengthen the shift or choose closer stations"
        )
        raise InfeasibleError(msg)
    if shift.break_s > 0:
        via = 0.0 if shift.break_node is None else travel[shift.start, shift.break_node]
        ready = max(shift.begin_s + via, shift.break_earliest_s)
        back = 0.0 if shift.break_node is None else travel[shift.break_node, shift.end]
        if ready > shift.break_latest_s or ready + shift.break_s + back > shift.end_s:
            late = max(ready - shift.break_latest_s, ready + shift.break_s + back - shift.end_s)
            msg = (
                f"unit {k}: the {shift.break_s / 60:.0f} min meal break does not fit: "
                f"taken as early as possible it misses its window or the shift end by "
                f"{late / 60:.0f} min; widen officers.meal_break or move it earlier"
            )
            raise InfeasibleError(msg)


def _no_stop(
    problem: search.Problem, spots: np.ndarray, shift: search.Shift, dwell_s: float
) -> str:
    """Why no hot spot can be reached, dosed ``dwell_s`` and left in time; "" if one can."""
    travel = problem.travel_s
    rounds = travel[shift.start, spots] + problem.dwell_s[spots] + travel[spots, shift.end]
    shortest = float(rounds.min())
    if shortest >= UNREACHABLE_S:
        return (
            "no hot spot can be reached from the station and left for the end station: the "
            "ways to avoid (officers.avoid, places.forbidden) cut them off; remove a zone "
            "near the station or an avoid rule"
        )
    spare = shift.end_s - shift.begin_s - shift.break_s
    if shortest <= spare:
        return ""
    meal = f" after the {shift.break_s / 60:.0f} min meal break" if shift.break_s else ""
    fixes = "the meal break, " if shift.break_s else ""
    return (
        f"no hot spot can be reached, dosed for {dwell_s / 60:.0f} min and left in time: the "
        f"shortest such round takes {shortest / 60:.0f} min, the {spare / 60:.0f} min "
        f"left{meal} are short by {(shortest - spare) / 60:.0f} min; lengthen the shift, "
        f"shorten {fixes}the dwell or the held-back share, or move the station"
    )


def break_rules(patrol: Patrol) -> dict[str, Any]:
    """Return the validator's staggered-break rules under ``patrol``: slots, most at once."""
    return {
        "break_windows_s": {k + 1: w for k, w in enumerate(patrol.break_slots_s)},
        "most_on_break": patrol.most_on_break,
    }


def validation_rules(
    graph: StreetGraph,
    hotspots: Hotspots,
    patrol: Patrol,
    dwell_min_s: float,
    segment_risk: np.ndarray | None = None,
) -> Rules:
    """Return the validator's rules for plans made under ``patrol``.

    With ``segment_risk`` the rules re-derive each leg's presence too (rule ``presence``).
    """
    ids = graph.nodes.index
    credit = None
    if segment_risk is not None:
        credit = Credit(
            spot_risk=hotspots.value,
            segment_risk=segment_risk,
            koper_curve=patrol.koper_curve,
            revisit_value=patrol.revisit_value,
            sight_m=patrol.sight_m,
            hourly=patrol.hourly,
        )
    return Rules(
        credit=credit,
        shift_s=patrol.shift_s,
        pace_m_per_s=patrol.pace_m_per_s,
        start_node=int(ids[patrol.start_idx]),
        end_node=int(ids[patrol.end_idx]),
        dwell_min_s=min(dwell_min_s, patrol.dwell_s),
        dwell_max_s=patrol.dwell_s,
        hotspot_nodes=tuple(int(ids[i]) for i in hotspots.node_idx),
        units=len(patrol.unit_starts()),
        min_revisit_gap_s=patrol.min_gap_s,
        max_visits=patrol.visits_allowed(),
        max_dwell_s_per_spot=patrol.max_dwell_s_per_spot,
        break_s=patrol.break_s,
        break_window_s=patrol.break_window_s,
        **break_rules(patrol),
        break_at_end_station=patrol.break_at_station,
        held_back_share=patrol.held_back_share,
        avoided_segments=patrol.avoided,
        starts={k + 1: (int(ids[n]), t) for k, (n, t) in enumerate(patrol.starts)},
        ends={k + 1: (int(ids[n]), t) for k, (n, t) in enumerate(patrol.ends)},
    )


def _within_noise(bound: float, earned: float) -> float:
    """Return the bound, raised to the plan's presence when below it by float noise only.

    Raises
    ------
    PlannerFault
        If the bound lies truly below the plan: a bug, never a plan to show.
    """
    if earned > bound * (1 + 1e-9) + 1e-9:
        msg = (
            f"the route bound {bound:.6f} lies below the plan's presence {earned:.6f}; "
            "the bound is wrong, please report it"
        )
        raise PlannerFault(msg)
    return max(bound, earned)
