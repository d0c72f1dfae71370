"""Units sent far for one place: which, how many minutes of walking, and what to say."""

import dataclasses
import itertools

import numpy as np
import pytest

from planner.export import plan_files
from planner.far_trips import FAR_TRIP_MIN_S, far_trip_message, far_trips, visits
from planner.plan import Leg, Route
from planner.street_names import place_names

HOUR_S = 3600.0
DWELL_S = 900.0


def _station(plan):
    """The OSM node id the plan's units start from."""
    return plan.routes[0].legs[0].from_node


def _walkable(plan):
    """The plan's streets less the ways its units avoid, as a sparse length matrix."""
    from planner.graph import shortest_segments

    graph = plan.graph
    return shortest_segments(graph.segments, len(graph.nodes), plan.patrol.avoided)


def _walk_s(plan, a, b):
    """Seconds of the shortest walk its units may take from node ``a`` to ``b`` (OSM ids), 1 m/s."""
    from scipy.sparse.csgraph import dijkstra

    graph = plan.graph
    dist = dijkstra(_walkable(plan), directed=False, indices=graph.node_index([a]))[0]
    return float(dist[graph.node_index([b])[0]])


def _far_node(plan, at_least_s):
    """The node whose walk from the station is the closest to, and not under, ``at_least_s``."""
    from scipy.sparse.csgraph import dijkstra

    graph = plan.graph
    dist = dijkstra(_walkable(plan), directed=False, indices=graph.node_index([_station(plan)]))[0]
    dist = np.where(np.isfinite(dist) & (dist >= at_least_s), dist, np.inf)
    return int(graph.nodes.index[int(np.argmin(dist))])


def _route(plan, unit, stops, loop_between=False, start_s=0.0, pace=1.0):
    """A route from the station to each of ``stops`` (node ids, one stop each) and back.

    Walks take the shortest walk's time at ``pace`` (their streets are left out); with
    ``loop_between``, a loop of 30 minutes follows each stop but the last, and a repeat stop at
    the same node follows the loop. The route starts at ``start_s``.
    """
    legs, here, clock = [], _station(plan), start_s

    def walk(to):
        nonlocal here, clock
        walk_s = _walk_s(plan, here, to) / pace
        legs.append(Leg("walk", clock, clock + walk_s, here, to))
        here, clock = to, clock + walk_s

    def dwell():
        nonlocal clock
        legs.append(Leg("dwell", clock, clock + DWELL_S, here, here, hotspot=0))
        clock += DWELL_S

    for k, node in enumerate(stops):
        if here != node:
            walk(node)
        dwell()
        if loop_between and k < len(stops) - 1:
            legs.append(Leg("walk", clock, clock + 1800.0, here, here, segments=(0,)))
            clock += 1800.0
    walk(_station(plan))
    return Route(unit, tuple(legs))


def _with_routes(plan, *routes):
    """``plan`` with ``routes`` in place of its own, every node they stop at named."""
    nodes = sorted({leg.to_node for r in routes for leg in r.legs})
    return dataclasses.replace(
        plan, routes=routes, places=plan.places | place_names(plan.graph, nodes)
    )


def test_a_unit_sent_far_for_one_stop_is_named_with_its_place_and_minutes(two_officer_plan):
    plan = two_officer_plan
    far = _far_node(plan, 0.06 * 8 * HOUR_S)  # 29 min each way: 12 % of an 8-hour shift
    near = plan.routes[0].dwells[0].to_node
    trip_plan = _with_routes(plan, _route(plan, 1, [near]), _route(plan, 2, [near, far]))
    (trip,) = far_trips(trip_plan)
    walk_s = _walk_s(plan, near, far)
    assert (trip.unit, trip.node, trip.stops) == (2, far, 1)
    assert trip.walk_in_s == pytest.approx(walk_s)
    assert trip.detour_s == pytest.approx(
        walk_s + _walk_s(plan, far, _station(plan)) - (_walk_s(plan, near, _station(plan)))
    )
    message = far_trip_message(trip_plan)
    place = trip_plan.places[far]
    at_place = place if place.startswith("near ") else f"at {place}"  # a node on unnamed paths
    back_s = _walk_s(plan, far, _station(plan))
    assert message.startswith(
        f"walking far for one place: officer 2: 1 stop {at_place}, walking "
        f"{walk_s / 60:.0f} min there and {back_s / 60:.0f} min on ({trip.detour_s / 60:.0f} min "
        "more than the way between its stops before and after, "
        f"{100 * trip.detour_s / (8 * HOUR_S):.0f} % of its 8.0 h): "
    )
    assert message.endswith(
        "cut the area to the streets to patrol (area.bbox_deg or area.polygon_wkt), keep them "
        "out of that place (places.forbidden) or weigh its incidents less "
        "(risk.harm_weights_days); or let the unit go, if the place is worth the walk"
    )
    html = plan_files(trip_plan)["briefing.html"].decode()
    assert "<strong>Before issuing:</strong> walking far for one place: officer 2" in html
    # a place on unnamed paths is named "near <street>": the stop is near it, not "at near"
    unnamed = dataclasses.replace(trip_plan, places={**trip_plan.places, far: "near Mikonkatu"})
    assert "officer 2: 1 stop near Mikonkatu, walking " in (far_trip_message(unnamed) or "")


def test_a_shorter_trip_is_not_warned_of(two_officer_plan):
    plan = two_officer_plan
    far = _far_node(plan, 0.04 * 8 * HOUR_S)  # 19 min each way: 8 % of the shift
    trip_plan = _with_routes(plan, _route(plan, 1, [far]))
    assert far_trips(trip_plan) == []
    assert far_trip_message(trip_plan) is None


def test_two_places_near_each_other_share_the_walk_out_and_back(two_officer_plan):
    plan = two_officer_plan
    far = _far_node(plan, 0.08 * 8 * HOUR_S)
    graph = plan.graph
    dist = graph.distances_m(graph.node_index([far]))[0]
    beside = int(graph.nodes.index[int(np.argmin(np.where(dist >= 100, dist, np.inf)))])
    alone = _with_routes(plan, _route(plan, 1, [far]))
    assert len(far_trips(alone)) == 1  # the far place alone: warned of
    assert far_trips(_with_routes(plan, _route(plan, 1, [far, beside]))) == []


def test_stops_in_a_row_at_one_place_with_a_loop_between_are_one_trip(two_officer_plan):
    plan = two_officer_plan
    far = _far_node(plan, 0.06 * 8 * HOUR_S)
    route = _route(plan, 1, [far, far], loop_between=True)
    (visit,) = visits(route)
    assert visit.stops == 2
    trip_plan = _with_routes(plan, route)
    (trip,) = far_trips(trip_plan)
    assert trip.stops == 2
    place = trip_plan.places[far]
    at_place = place if place.startswith("near ") else f"at {place}"  # a node on unnamed paths
    assert f": officer 1: 2 stops {at_place}, walking " in (far_trip_message(trip_plan) or "")


def test_no_trip_is_shorter_than_half_an_hour_however_short_the_unit_s_hours(two_officer_plan):
    plan = two_officer_plan
    far = _far_node(plan, 0.4 * FAR_TRIP_MIN_S)  # 24 min out and back, 5 % of the shift
    route = _route(plan, 1, [far])
    short = dataclasses.replace(
        plan.patrol, ends=((plan.patrol.end_idx, 2 * HOUR_S), (plan.patrol.end_idx, 2 * HOUR_S))
    )
    assert far_trips(_with_routes(dataclasses.replace(plan, patrol=short), route)) == []


def test_the_share_is_of_the_unit_s_own_hours_when_it_starts_late_or_ends_early(
    two_officer_plan,
):
    plan = two_officer_plan
    far = _far_node(plan, 0.0425 * 8 * HOUR_S)  # 41 min out and back: 9 % of 8 h, 17 % of 4 h
    starts = ((plan.patrol.start_idx, 4 * HOUR_S), (plan.patrol.start_idx, 0.0))
    ends = ((plan.patrol.end_idx, 8 * HOUR_S), (plan.patrol.end_idx, 4 * HOUR_S))
    own = dataclasses.replace(plan.patrol, starts=starts, ends=ends)
    late, early = _route(plan, 1, [far], start_s=4 * HOUR_S), _route(plan, 2, [far])
    trip_plan = _with_routes(dataclasses.replace(plan, patrol=own), late, early)
    assert [(t.unit, t.hours_s) for t in far_trips(trip_plan)] == [(1, 4 * HOUR_S), (2, 4 * HOUR_S)]
    assert far_trip_message(trip_plan).count("% of its 4.0 h)") == 2


def test_a_re_plan_weighs_a_trip_against_the_unit_s_whole_hours(two_officer_plan):
    plan = two_officer_plan
    far = _far_node(plan, 0.0425 * 8 * HOUR_S)  # 41 min out and back: 9 % of the 8 hours
    # a re-plan at 3 h starts its patrol where the units are then; their hours began at 0
    here = ((plan.patrol.start_idx, 3 * HOUR_S),) * 2
    replanned = dataclasses.replace(plan.patrol, starts=here, resumed=True)
    trip_plan = dataclasses.replace(plan, patrol=replanned, replanned_s=3 * HOUR_S)
    assert far_trips(_with_routes(trip_plan, _route(plan, 1, [far]))) == []


def test_a_re_plan_names_no_trip_whose_stops_were_made_before_it(two_officer_plan):
    plan = two_officer_plan
    far = _far_node(plan, 0.06 * 8 * HOUR_S)
    route = _route(plan, 1, [far])
    stop_end_s = route.dwells[0].end_s
    replans = [dataclasses.replace(plan, replanned_s=stop_end_s + k) for k in (-60.0, 0.0)]
    ahead, made = (_with_routes(p, route) for p in replans)
    assert len(far_trips(ahead)) == 1  # the re-plan came while the unit stood there
    assert far_trips(made) == [] and far_trip_message(made) is None


def test_loops_on_the_way_are_not_walking_the_place_adds(two_officer_plan):
    plan = two_officer_plan
    far = _far_node(plan, 0.045 * 8 * HOUR_S)  # 43 min out and back: 9 % of the shift
    route = _route(plan, 1, [far])
    station = _station(plan)
    loop = Leg("walk", 0.0, 1800.0, station, station, segments=(0,))
    later = tuple(
        dataclasses.replace(g, start_s=g.start_s + 1800, end_s=g.end_s + 1800) for g in route.legs
    )
    looped = Route(1, (loop, *later))
    assert far_trips(_with_routes(plan, looped)) == []  # 73 min with the loop: still none


def test_the_detour_is_timed_at_the_units_pace(two_officer_plan):
    pace = 1.25
    officers = two_officer_plan.scenario.officers.model_copy(update={"pace_m_per_s": pace})
    plan = dataclasses.replace(
        two_officer_plan,
        scenario=two_officer_plan.scenario.model_copy(update={"officers": officers}),
    )
    far = _far_node(plan, 0.06 * 8 * HOUR_S * pace)
    near = plan.routes[0].dwells[0].to_node
    station = _station(plan)
    (trip,) = far_trips(_with_routes(plan, _route(plan, 1, [near, far], pace=pace)))
    walked_m = _walk_s(plan, near, far) + _walk_s(plan, far, station)
    assert trip.detour_s == pytest.approx((walked_m - _walk_s(plan, near, station)) / pace)


def test_the_way_between_the_neighbours_keeps_off_the_ways_to_avoid(two_officer_plan):
    from scipy.sparse.csgraph import dijkstra

    from planner.walks import walk_metres

    plan = two_officer_plan
    far = _far_node(plan, 0.06 * 8 * HOUR_S)
    near = plan.routes[0].dwells[0].to_node
    graph = plan.graph
    here, station = graph.node_index([near, _station(plan)])
    # a way of the shortest walk from the stop before the trip to the station is avoided
    pred = dijkstra(_walkable(plan), directed=False, indices=station, return_predecessors=True)[1]
    path = [int(here)]
    while path[-1] != station:
        path.append(int(pred[path[-1]]))
    ends = list(zip(graph.segments["u_idx"], graph.segments["v_idx"], strict=True))
    for pair in itertools.pairwise(path):  # the first of its ways that leaves a way around
        on_path = {k for k, (u, v) in enumerate(ends) if {u, v} == set(pair)}
        cut = plan.patrol.avoided | on_path
        around_m = float(walk_metres(graph, cut, [here])[0, station])
        if np.isfinite(around_m):
            break
    avoiding = dataclasses.replace(plan.patrol, avoided=cut)
    trip_plan = _with_routes(
        dataclasses.replace(plan, patrol=avoiding), _route(plan, 1, [near, far])
    )
    (trip,) = far_trips(trip_plan)
    assert around_m > _walk_s(plan, near, _station(plan))
    walked = _walk_s(plan, near, far) + _walk_s(plan, far, _station(plan))
    assert trip.detour_s == pytest.approx(walked - around_m)


def test_a_variant_is_not_warned_of_the_first_plan_s_far_trip(two_officer_plan):
    from planner.variants import variants

    plan = two_officer_plan
    far = _far_node(plan, 0.06 * 8 * HOUR_S)
    trip_plan = _with_routes(plan, _route(plan, 1, [far]), plan.routes[1])
    said = far_trip_message(trip_plan)
    first, second = variants(dataclasses.replace(trip_plan, warnings=(said,)), 2, within=1.0)
    assert said in first.warnings
    assert far_trip_message(second) is None and said not in second.warnings


def test_the_default_scenario_s_plan_sends_no_unit_far(two_officer_plan):
    assert far_trips(two_officer_plan) == []
    assert far_trip_message(two_officer_plan) is None


def _atlanta():
    """The Atlanta scenario without posts, its route search cut to 300 iterations."""
    from planner.scenario import load_scenario

    from .conftest import ROOT, shared_file

    shared_file("osm/atlanta_central_2021.osm.pbf")
    shared_file("incidents/atlanta_cobra_2019.csv")
    scenario = load_scenario(ROOT / "scenarios/atlanta_central.yaml")
    return scenario.model_copy(
        update={
            "posts": scenario.posts.model_copy(update={"count": 0}),
            "solver": scenario.solver.model_copy(update={"route_iterations": 300}),
        }
    )


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.filterwarnings("ignore::planner.errors.PlannerWarning")  # the data's, and this one
def test_atlanta_s_whole_extract_sends_a_pair_to_westview_and_says_so():
    import datetime as dt

    from planner.pipeline import run

    whole = run(_atlanta(), today=dt.date(2026, 12, 5))
    (said,) = [w for w in whole.warnings if w.startswith("walking far for one place: unit ")]
    assert "at Westview Drive Southwest" in said
    assert all("Westview" in whole.places[trip.node] for trip in far_trips(whole))
