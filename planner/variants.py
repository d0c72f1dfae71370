"""Variants of a plan: distinct plans for the same shift, close to the best (unpredictability).

Officers who walk the same loop every day are easy to read; :func:`variants` searches plans that
send units to other places, or to the same places at other hours, each within a stated share of
the best plan's presence, and :func:`overlap` says how alike two plans are.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.errors import warn
from planner.evaluate import compute_kpis
from planner.far_trips import far_trip_message
from planner.idle import idle_message
from planner.plan import Plan
from planner.routes import plan_routes, validation_rules
from planner.settings import VARIANTS_WITHIN
from planner.street_names import place_names
from planner.validate import check_routes


def variants(plan: Plan, count: int, within: float = VARIANTS_WITHIN) -> list[Plan]:
    """Distinct plans for the same shift, each within ``within`` of the best plan's presence.

    Plan ``k`` is searched with the stops (hot spot and hour) of plans ``1..k-1`` made less
    attractive, so that it sends units elsewhere, or to the same places at other hours; when it
    falls more than ``within`` below the best, the penalty is halved and the search repeated.
    The first plan is ``plan`` itself; each is labelled "variant k of count".
    """
    assert plan.patrol is not None
    best = plan.kpis["routes"]["presence_min"]
    found = [replace(plan, label=f"variant 1 of {count}")]
    # the first plan's warnings on the data hold for all; whether units idle or walk far for
    # one place is each one's own
    own_first = (idle_message(plan), far_trip_message(plan))
    shared = tuple(w for w in plan.warnings if w not in own_first)
    hours = plan.patrol.hours()
    used = np.zeros((len(plan.hotspots), hours))
    solver = plan.scenario.solver
    for k in range(1, count):
        for route in found[-1].routes:
            for leg in route.dwells:
                used[leg.spot, plan.patrol.hour_of(leg.start_s)] += 1
        penalty = 0.5
        for attempt in range(4):
            weight = np.power(1.0 - penalty, np.minimum(used, 3))
            patrol = replace(plan.patrol, search_weight=weight)
            routes, stats = plan_routes(
                plan.graph,
                plan.risk,
                plan.hotspots,
                patrol,
                solver.time_limit_s,
                solver.seed + k,
                solver.route_iterations,
            )
            presence = sum(r.presence for r in routes)
            if presence >= (1 - within) * best or attempt == 3:
                break
            penalty /= 2
        rules = validation_rules(
            plan.graph,
            plan.hotspots,
            patrol,
            plan.scenario.dwell.min_minutes * 60,
            plan.risk.segment_risk,
        )
        check_routes(routes, plan.graph, rules)
        new = {leg.to_node for r in routes for leg in r.legs} - set(plan.places)
        places = plan.places | place_names(plan.graph, sorted(new))
        candidate = replace(
            plan,
            routes=tuple(routes),
            routes_stats=stats,
            patrol=patrol,
            places=places,
            label=f"variant {k + 1} of {count}",
        )
        candidate = replace(candidate, kpis=compute_kpis(candidate))
        own = [
            idle_message(candidate),
            far_trip_message(candidate),
            _below_note(k + 1, presence, best, within),
        ]
        found.append(replace(candidate, warnings=(*shared, *filter(None, own))))
    return found


def below_share(presence: float, best: float, within: float) -> bool:
    """Whether a variant's ``presence`` falls more than ``within`` below the ``best`` plan's."""
    return presence < (1 - within) * best - 1e-9


def _below_note(k: int, presence: float, best: float, within: float) -> str | None:
    """Warn that variant ``k`` stayed below the share asked for (it is kept all the same)."""
    if not below_share(presence, best, within):
        return None
    message = (
        f"variant {k} reaches {presence / best:.1%} of the first plan's presence, below the "
        f"{1 - within:.0%} asked for (--within {within:g}), even with its penalty on repeated "
        "stops cut to 1/16; it is kept: widen --within, or give the search more time"
    )
    warn(message)
    return message


def overlap(a: Plan, b: Plan) -> dict[str, float]:
    """How much of plan ``a`` plan ``b`` repeats (0 when ``a`` has none).

    The share of ``a``'s stops (hot spot and hour), of its hot spots (at any hour) and of its
    streets that ``b`` has too.
    """

    def stops(plan: Plan) -> set[tuple[int, int]]:
        return {(leg.spot, int(leg.start_s // 3600)) for r in plan.routes for leg in r.dwells}

    def streets(plan: Plan) -> set[int]:
        return {s for r in plan.routes for leg in r.legs for s in leg.segments}

    def share(x: set, y: set) -> float:
        return len(x & y) / len(x) if x else 0.0

    stops_a, stops_b = stops(a), stops(b)
    return {
        "stops": share(stops_a, stops_b),
        "hot spots": share({h for h, _ in stops_a}, {h for h, _ in stops_b}),
        "streets": share(streets(a), streets(b)),
    }
