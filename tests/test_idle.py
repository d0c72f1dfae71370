"""Units back at the station long before their time ends, or walking loops: which, and why."""

import dataclasses

from planner.idle import idle_message, idle_units, looping_units
from planner.plan import Leg, Route


def _routes(*units, stops=6, dosed=4):
    """A plan's ``kpis["routes"]``: 4 hot spots of 2 stops each, ``units`` (back early, loops)."""
    per_officer = [
        {"officer": k, "back_early_min": early, "loop_min": loop}
        for k, (early, loop) in enumerate(units, start=1)
    ]
    return {
        "per_officer": per_officer,
        "stops_allowed": 8,
        "stops": stops,
        "hotspots": 4,
        "hotspots_dosed": dosed,
    }


def _plan(plan, routes, status="TIME_LIMIT", last_half_gain=0.05):
    """The real ``plan`` with ``routes`` as its KPIs, 2 stops a hot spot, stopped at 5 s."""
    patrol = dataclasses.replace(plan.patrol, max_visits=2, max_dwell_s_per_spot=None)
    solver = plan.scenario.solver.model_copy(update={"time_limit_s": 5.0, "route_iterations": None})
    parameters = {**plan.routes_stats.parameters, "last_half_gain": last_half_gain}
    return dataclasses.replace(
        plan,
        patrol=patrol,
        kpis={**plan.kpis, "routes": routes},
        routes_stats=dataclasses.replace(plan.routes_stats, status=status, parameters=parameters),
        scenario=plan.scenario.model_copy(update={"solver": solver}),
    )


def test_units_back_an_hour_early_or_more_are_idle():
    routes = _routes((60.0, 0.0), (59.9, 0.0), (75.0, 0.0))
    assert idle_units(routes) == [(1, 3600.0), (3, 4500.0)]


def test_units_walking_loops_an_hour_or_more_are_looping():
    routes = _routes((0.0, 60.0), (0.0, 59.9), (0.0, 90.0))
    assert looping_units(routes) == [(1, 3600.0), (3, 5400.0)]


def test_units_back_early_with_every_hot_spot_stopped_at_are_not_blamed_on_the_search_limit(
    two_officer_plan,
):
    # the search stopped at its limit, but every hot spot has a stop: no stop fits their time
    message = idle_message(_plan(two_officer_plan, _routes((90.0, 0.0), (0.0, 0.0), dosed=4)))
    assert message == (
        "back at the station with time left: officer 1 (1.5 h early): no further stop fits "
        "their time (revisit gap, distance, shift end)"
    )


def test_units_back_early_while_hot_spots_lack_a_stop_are_blamed_on_the_search_limit(
    two_officer_plan,
):
    message = idle_message(_plan(two_officer_plan, _routes((90.0, 0.0), dosed=3)))
    assert message.startswith(
        "back at the station with time left: officer 1 (1.5 h early): 1 of 4 hot spots got no "
        "stop when the search stopped at its limit (5 s): a longer search"
    )


def test_units_looping_while_hot_spots_lack_a_stop_say_for_how_long(two_officer_plan):
    message = idle_message(_plan(two_officer_plan, _routes((0.0, 90.0), (0.0, 30.0), dosed=3)))
    assert message.startswith(
        "walking loops of streets for an hour or more: officer 1 (1.5 h), while 1 of 4 hot "
        "spots got no stop when the search stopped at its limit (5 s): a longer search"
    )


def test_a_search_that_gained_little_in_its_last_half_is_not_said_to_want_more_time(
    two_officer_plan,
):
    routes = _routes((0.0, 90.0), (0.0, 30.0), dosed=3)
    message = idle_message(_plan(two_officer_plan, routes, last_half_gain=0.004))
    assert message.endswith(
        "stopped at its limit (5 s, and its last half added 0.4 %): a longer search "
        "(solver.time_limit_s; --time-limit on the command line) would likely fit few more stops"
    )
    routes = _routes((90.0, 0.0), dosed=3)
    message = idle_message(_plan(two_officer_plan, routes, last_half_gain=0.004))
    assert "(5 s, and its last half added 0.4 %): a longer search" in message
    assert message.endswith(
        "would likely fit few more stops; otherwise none fits their time "
        "(revisit gap, distance, shift end)"
    )
    # a search still gaining (1 % or more in its last half) may fit more with more time
    message = idle_message(_plan(two_officer_plan, routes, last_half_gain=0.01))
    assert (
        "(5 s): a longer search (solver.time_limit_s; --time-limit on the command line) may fit "
        "more stops" in message
    )


def test_a_re_plan_names_only_the_loops_walked_after_it(two_officer_plan):
    station = two_officer_plan.routes[0].legs[0].from_node
    loop = Leg("walk", 0.0, 5400.0, station, station, segments=(0,))  # 1.5 h of loops
    plan = dataclasses.replace(
        _plan(two_officer_plan, _routes((0.0, 90.0), (0.0, 0.0), dosed=3)),
        routes=(Route(1, (loop,)), Route(2, ())),
    )
    said = "walking loops of streets for an hour or more: officer 1 (1.0 h), while 1 of 4"
    assert idle_message(dataclasses.replace(plan, replanned_s=1800.0)).startswith(said)
    # re-planned after 45 min of them: 45 min ahead, those walked are past changing
    assert idle_message(dataclasses.replace(plan, replanned_s=2700.0)) is None
