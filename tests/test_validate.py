"""The validator catches a crafted violation of each rule in a real plan."""

import dataclasses

import pytest

from planner.errors import PlannerFault, SolverError
from planner.plan import Leg, Route
from planner.routes import plan_routes, validation_rules
from planner.validate import TOL_M, TOL_S, check_routes, validate_routes

from .conftest import patrol_at


@pytest.fixture(scope="module")
def planned(helsinki, helsinki_risk):
    risk, spots, station = helsinki_risk
    patrol = patrol_at(
        station,
        units=2,
        max_visits=2,
        break_s=20 * 60,
        break_window_s=(3600.0, 5400.0),
        held_back_share=0.2,
    )
    routes, _ = plan_routes(helsinki, risk, spots, patrol, 1.0)
    rules = validation_rules(helsinki, spots, patrol, 10 * 60, risk.segment_risk)
    return routes, rules


def _swap_leg(routes, officer, index, **changes):
    route = routes[officer]
    legs = list(route.legs)
    legs[index] = dataclasses.replace(legs[index], **changes)
    return [*routes[:officer], Route(route.officer, tuple(legs)), *routes[officer + 1 :]]


def _index(route, kind, nth=0):
    return [i for i, leg in enumerate(route.legs) if leg.kind == kind][nth]


def _rules_broken(helsinki, routes, rules):
    return {v.rule for v in validate_routes(routes, helsinki, rules)}


def test_the_planned_routes_are_valid(helsinki, planned):
    routes, rules = planned
    assert validate_routes(routes, helsinki, rules) == []
    check_routes(routes, helsinki, rules)


def test_late_return_breaks_the_timeline(helsinki, planned):
    routes, rules = planned
    tight = dataclasses.replace(rules, shift_s=routes[0].end_s - 120)
    found = validate_routes(routes, helsinki, tight)
    assert any(v.rule == "timeline" and "after the shift ends" in v.message for v in found)


def test_gap_between_legs_breaks_the_timeline(helsinki, planned):
    routes, rules = planned
    i = _index(routes[0], "dwell")
    leg = routes[0].legs[i]
    moved = _swap_leg(routes, 0, i, start_s=leg.start_s + 30, end_s=leg.end_s + 30)
    assert "timeline" in _rules_broken(helsinki, moved, rules)


def test_teleport_breaks_continuity(helsinki, planned):
    routes, rules = planned
    i = _index(routes[0], "dwell")
    elsewhere = int(helsinki.nodes.index[0])
    moved = _swap_leg(routes, 0, i, from_node=elsewhere, to_node=elsewhere)
    assert {"continuity", "dwell"} <= _rules_broken(helsinki, moved, rules)


def test_walk_too_fast_or_off_the_streets(helsinki, planned):
    routes, rules = planned
    i = _index(routes[0], "walk")
    leg = routes[0].legs[i]
    rushed = _swap_leg(routes, 0, i, end_s=leg.start_s + (leg.end_s - leg.start_s) / 2)
    messages = [v.message for v in validate_routes(rushed, helsinki, rules)]
    assert any("at the pace needs" in m for m in messages)
    cut = _swap_leg(routes, 0, i, segments=leg.segments[1:], reversed=leg.reversed[1:])
    messages = [v.message for v in validate_routes(cut, helsinki, rules)]
    assert any("not a connected path" in m for m in messages)
    assert any("its streets sum to" in m for m in messages)


def test_avoided_way_is_reported(helsinki, planned):
    routes, rules = planned
    used = next(s for leg in routes[0].legs for s in leg.segments)
    strict = dataclasses.replace(rules, avoided_segments=frozenset({used}))
    found = validate_routes(routes, helsinki, strict)
    assert any(v.rule == "walk" and "avoided way" in v.message for v in found)


def test_short_dwell_and_dwell_off_hot_spot(helsinki, planned):
    routes, rules = planned
    i = _index(routes[0], "dwell")
    leg = routes[0].legs[i]
    strict = dataclasses.replace(rules, dwell_min_s=leg.end_s - leg.start_s + 60)
    found = validate_routes(routes, helsinki, strict)
    assert any(v.rule == "dwell" and "outside" in v.message for v in found)
    no_spots = dataclasses.replace(rules, hotspot_nodes=())
    found = validate_routes(routes, helsinki, no_spots)
    assert any(v.rule == "dwell" and "not a hot spot" in v.message for v in found)


def test_a_stop_longer_than_the_longest_allowed_is_reported(helsinki, planned):
    routes, rules = planned
    leg = routes[0].dwells[0]
    length = leg.end_s - leg.start_s
    assert rules.dwell_min_s <= length - 60  # still long enough: only its end is too late
    strict = dataclasses.replace(rules, dwell_max_s=length - 60)
    found = [v for v in validate_routes(routes, helsinki, strict) if v.rule == "dwell"]
    said = f"stop at {leg.start_s:.0f} s lasts {length / 60:.1f} min, outside"
    assert any(v.officer == routes[0].officer and v.message.startswith(said) for v in found)


def test_revisit_gap_overlap_and_caps(helsinki, planned):
    routes, rules = planned
    first = routes[0].dwells[0]
    other = routes[1]
    j = _index(other, "dwell")
    theirs = other.legs[j]
    # Officer 2 stands at officer 1's first hot spot while officer 1 is there.
    clash = [
        routes[0],
        Route(
            other.officer,
            (
                *other.legs[:j],
                dataclasses.replace(theirs, from_node=first.to_node, to_node=first.to_node),
                *other.legs[j + 1 :],
            ),
        ),
    ]
    shifted = dataclasses.replace(
        clash[1].legs[j], start_s=first.start_s + 60, end_s=first.start_s + 60 + 720
    )
    legs = list(clash[1].legs)
    legs[j] = shifted
    clash[1] = Route(other.officer, tuple(legs))
    found = validate_routes(clash, helsinki, rules)
    assert any(v.rule == "revisit" and "at the same time" in v.message for v in found)
    repeat = dataclasses.replace(
        shifted, start_s=first.start_s + 1200, end_s=first.start_s + 1200 + 720
    )
    legs[j] = repeat
    clash[1] = Route(other.officer, tuple(legs))
    found = validate_routes(clash, helsinki, rules)
    assert any(v.rule == "revisit" and "minimum gap" in v.message for v in found)
    capped = dataclasses.replace(rules, max_visits=1, max_dwell_s_per_spot=10 * 60)
    found = validate_routes(clash, helsinki, capped)
    assert any("at most 1 allowed" in v.message for v in found)
    assert any("over the cap" in v.message for v in found)


def test_missing_misplaced_or_late_break(helsinki, planned):
    routes, rules = planned
    i = _index(routes[0], "break")
    leg = routes[0].legs[i]
    no_break = _swap_leg(routes, 0, i, kind="wait")
    found = validate_routes(no_break, helsinki, rules)
    assert any(v.rule == "break" and "no meal break" in v.message for v in found)
    early = dataclasses.replace(rules, break_window_s=(leg.start_s + 600, leg.start_s + 900))
    found = validate_routes(routes, helsinki, early)
    assert any(v.rule == "break" and "outside" in v.message for v in found)
    longer = dataclasses.replace(rules, break_s=leg.end_s - leg.start_s + 300)
    found = validate_routes(routes, helsinki, longer)
    assert any(v.rule == "break" and "lasts" in v.message for v in found)
    shorter = dataclasses.replace(rules, break_s=leg.end_s - leg.start_s - 300)
    found = validate_routes(routes, helsinki, shorter)  # a break longer than the rule's
    assert any(v.rule == "break" and "lasts" in v.message for v in found)
    # no break is due from a unit whose hours end before one fits in the window
    home_early = dataclasses.replace(rules, ends={1: (rules.end_node, leg.start_s - 60)})
    found = validate_routes(no_break, helsinki, home_early)
    assert not any(v.rule == "break" and v.officer == 1 for v in found)
    elsewhere = dataclasses.replace(rules, break_node=int(helsinki.nodes.index[0]))
    found = validate_routes(routes, helsinki, elsewhere)
    assert any(v.rule == "break" and "station" in v.message for v in found)


def test_breaks_at_once_and_a_unit_outside_its_own_break_slot(helsinki, planned):
    routes, rules = planned
    starts = [r.legs[_index(r, "break")].start_s for r in routes]
    two_at_once = dataclasses.replace(rules, most_on_break=2)
    assert validate_routes(routes, helsinki, two_at_once) == []
    # the second officer's own slot opens after its break started
    late_slot = {2: (starts[1] + 600, starts[1] + 900)}
    found = validate_routes(routes, helsinki, dataclasses.replace(rules, break_windows_s=late_slot))
    assert [(v.rule, v.officer) for v in found] == [("break", 2)]
    assert "outside" in found[0].message


def test_overlapping_breaks_are_caught(helsinki, planned):
    routes, rules = planned
    i = _index(routes[1], "break")
    first = routes[0].legs[_index(routes[0], "break")]
    # move the second officer's break onto the first's: same length, same place in the timeline
    shift = first.start_s - routes[1].legs[i].start_s
    legs = [
        dataclasses.replace(leg, start_s=leg.start_s + shift, end_s=leg.end_s + shift)
        for leg in routes[1].legs
    ]
    moved = [routes[0], Route(routes[1].officer, tuple(legs))]
    found = validate_routes(moved, helsinki, dataclasses.replace(rules, most_on_break=1))
    assert any(v.officer == 0 and "2 units on their meal break at once" in v.message for v in found)


def test_too_little_time_held_back(helsinki, planned):
    routes, rules = planned
    greedy = dataclasses.replace(rules, held_back_share=0.5)
    found = validate_routes(routes, helsinki, greedy)
    assert {v.officer for v in found if v.rule == "held back"} == {1, 2}


def test_time_held_back_must_be_free_for_calls_around_each_stop_and_walk(helsinki, planned):
    routes, rules = planned
    route = routes[0]
    # as a wait, the same minutes keep the route's total but not the stop's own share
    waiting = _swap_leg(routes, 0, _index(route, "reserve"), kind="wait")
    found = validate_routes(waiting, helsinki, rules)
    assert [v.rule for v in found] == ["held back"]
    assert "free for calls around" in found[0].message
    # all the free time in one block at the end: no stop or walk has its own share
    legs = [leg for leg in route.legs if leg.kind != "reserve"]
    clock, moved = legs[0].start_s, []
    for leg in legs:
        span = leg.end_s - leg.start_s
        moved.append(dataclasses.replace(leg, start_s=clock, end_s=clock + span))
        clock += span
    free = sum(leg.end_s - leg.start_s for leg in route.legs if leg.kind == "reserve")
    moved.append(Leg("reserve", clock, clock + free, moved[-1].to_node, moved[-1].to_node))
    lumped = [Route(route.officer, tuple(moved)), *routes[1:]]
    around = [v for v in validate_routes(lumped, helsinki, rules) if "around" in v.message]
    assert len(around) >= len(route.dwells)


def test_check_routes_raises_with_every_violation_named(helsinki, planned):
    routes, rules = planned
    bad = dataclasses.replace(rules, shift_s=60.0, held_back_share=0.6)
    with pytest.raises(PlannerFault, match=r"failed validation.*timeline.*held back") as fault:
        check_routes(routes, helsinki, bad)
    assert "timeline (unit 1):" in str(fault.value)  # a route is a unit's, one officer or two
    assert fault.value.exit_code == 3  # a bug to report: the command line exits 3, not 2


def test_unknown_leg_kind_is_reported(helsinki, planned):
    _, rules = planned
    odd = [Route(1, (Leg("teleport", 0.0, 1.0, 1, 1),))]
    assert "walk" in _rules_broken(helsinki, odd, rules)


def test_routes_must_be_the_units_numbered_from_one(helsinki, planned):
    routes, rules = planned
    assert rules.units == 2
    assert "units" in _rules_broken(helsinki, routes[:1], rules)  # a unit left out
    renumbered = [routes[0], Route(7, routes[1].legs)]
    assert "units" in _rules_broken(helsinki, renumbered, rules)
    elsewhere = dataclasses.replace(rules, ends={2: (int(helsinki.nodes.index[0]), rules.shift_s)})
    empty = [routes[0], Route(2, ())]
    found = validate_routes(empty, helsinki, elsewhere)
    assert any(v.rule == "timeline" and "no legs" in v.message for v in found)


def test_a_call_outside_a_replan_a_wrong_hot_spot_or_negative_presence(helsinki, planned):
    routes, rules = planned
    walk = _index(routes[0], "walk", 1)
    called = _swap_leg(routes, 0, walk, kind="call", segments=(), reversed=())
    found = validate_routes(called, helsinki, rules)
    assert any(v.rule == "call" and "not answered before a re-plan" in v.message for v in found)
    before = dataclasses.replace(rules, planned_from_s={1: routes[0].legs[walk].end_s})
    found = validate_routes(called, helsinki, before)
    assert not any(v.rule == "call" for v in found)
    stop = _index(routes[0], "dwell")
    spot = routes[0].legs[stop].hotspot
    for wrong in (spot + 1, None, -1):
        found = validate_routes(_swap_leg(routes, 0, stop, hotspot=wrong), helsinki, rules)
        assert any(v.rule == "dwell" and "names hot spot" in v.message for v in found)
    negative = _swap_leg(routes, 0, walk, presence=-0.1)
    assert any("earns less than 0" in v.message for v in validate_routes(negative, helsinki, rules))


def _found(helsinki, routes, rules):
    return [(v.rule, v.officer, v.message) for v in validate_routes(routes, helsinki, rules)]


def _elsewhere(helsinki, rules):
    return next(int(n) for n in helsinki.nodes.index if n not in (rules.start_node, rules.end_node))


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("reserve", "distance"),
        ("wait", "to_node"),
        ("break", "from_node"),
    ],
)
def test_a_wait_reserve_or_break_that_moves_is_reported(helsinki, planned, kind, change):
    routes, rules = planned
    i = _index(routes[0], kind) if kind == "break" else _index(routes[0], "reserve", 1)
    leg = routes[0].legs[i]
    changes = {"distance": {"distance_m": 2 * TOL_M}}.get(
        change, {change: _elsewhere(helsinki, rules)}
    )
    moved = _swap_leg(routes, 0, i, kind=kind, **changes)
    found = _found(helsinki, moved, rules)
    assert (kind, 1, f"{kind} at {leg.start_s:.0f} s moves") in found


@pytest.mark.parametrize("kind", ["reserve", "wait", "break"])
def test_a_wait_reserve_or_break_credited_with_presence_is_reported(helsinki, planned, kind):
    routes, rules = planned
    i = _index(routes[1], kind) if kind == "break" else _index(routes[1], "reserve", 1)
    credited = _swap_leg(routes, 1, i, kind=kind, presence=0.1)
    found = _found(helsinki, credited, rules)
    assert (kind, 2, f"{kind} credited with presence") in found


def test_a_route_that_does_not_start_at_its_start_time_breaks_the_timeline(helsinki, planned):
    routes, rules = planned
    first = routes[0].legs[0]
    late = _swap_leg(routes, 0, 0, start_s=first.start_s + 5 * TOL_S)
    found = _found(helsinki, late, rules)
    assert ("timeline", 1, f"starts at {first.start_s + 5 * TOL_S:.0f} s, not 0 s") in found
    # a unit whose shift starts five minutes later, planned from the start of the shift
    staggered = dataclasses.replace(rules, starts={2: (rules.start_node, 300.0)})
    found = _found(helsinki, routes, staggered)
    assert found == [("timeline", 2, "starts at 0 s, not 300 s")]


def test_a_route_that_ends_away_from_its_end_station_breaks_the_timeline(helsinki, planned):
    routes, rules = planned
    route = routes[0]
    home = _index(route, "walk", -1)
    stranded = [Route(route.officer, route.legs[:home]), *routes[1:]]
    found = _found(helsinki, stranded, rules)
    where = route.legs[home].from_node
    assert found == [("timeline", 1, f"ends at node {where}, not the end station")]
    # a unit told to end its shift at another place, planned back to the station
    other = _elsewhere(helsinki, rules)
    moved_end = dataclasses.replace(rules, ends={2: (other, rules.shift_s)})
    found = _found(helsinki, routes, moved_end)
    station = routes[1].legs[-1].to_node
    assert ("timeline", 2, f"ends at node {station}, not the end station") in found


def test_a_meal_break_taken_in_two_parts_is_two_breaks_not_one(helsinki, planned):
    routes, rules = planned
    route = routes[0]
    i = _index(route, "break")
    leg = route.legs[i]
    half = (leg.start_s + leg.end_s) / 2
    parts = (dataclasses.replace(leg, end_s=half), dataclasses.replace(leg, start_s=half))
    split = [Route(route.officer, (*route.legs[:i], *parts, *route.legs[i + 1 :])), *routes[1:]]
    found = _found(helsinki, split, rules)
    assert found == [("break", 1, "2 meal breaks, not one")]


def test_a_break_no_rule_asks_for_is_reported_and_no_break_is_not(helsinki, planned):
    routes, rules = planned
    no_break = dataclasses.replace(rules, break_s=0.0)
    found = _found(helsinki, routes, no_break)
    assert found == [
        ("break", 1, "a break that no rule asks for"),
        ("break", 2, "a break that no rule asks for"),
    ]
    waiting = [_swap_leg(routes, k, _index(routes[k], "break"), kind="wait")[k] for k in (0, 1)]
    assert not any(rule == "break" for rule, _, _ in _found(helsinki, waiting, no_break))


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_walk_on_a_segment_outside_the_graph_is_reported(helsinki, planned, where):
    routes, rules = planned
    i = _index(routes[0], "walk")
    leg = routes[0].legs[i]
    outside = -1 if where == "before" else len(helsinki.segments)
    off_map = _swap_leg(routes, 0, i, segments=(*leg.segments[:-1], outside))
    found = _found(helsinki, off_map, rules)
    assert ("walk", 1, "walk uses a segment that is not in the graph") in found


def test_a_walk_with_more_segments_than_directions_is_reported(helsinki, planned):
    routes, rules = planned
    i = _index(routes[0], "walk")
    leg = routes[0].legs[i]
    unmatched = _swap_leg(routes, 0, i, reversed=leg.reversed[:-1])
    found = _found(helsinki, unmatched, rules)
    assert ("walk", 1, "segments and directions differ in number") in found


def test_one_officer_stopping_twice_at_a_hot_spot_needs_the_minimum_gap(helsinki, planned):
    routes, rules = planned
    route = routes[0]
    first, second = route.dwells[:2]
    assert second.start_s - first.start_s < rules.min_revisit_gap_s
    j = _index(route, "dwell", 1)
    again = _swap_leg(
        routes, 0, j, from_node=first.to_node, to_node=first.to_node, hotspot=first.hotspot
    )
    found = _found(helsinki, again, rules)
    assert any(
        rule == "revisit"
        and message.startswith(f"stops at node {first.to_node} start")
        and "minimum gap" in message
        for rule, _, message in found
    )


def test_the_free_time_after_a_stop_is_the_share_of_the_stop_the_walk_and_itself(helsinki, planned):
    routes, rules = planned
    route = routes[0]
    legs = route.legs
    i = next(
        k
        for k in range(1, len(legs) - 1)
        if (legs[k - 1].kind, legs[k].kind, legs[k + 1].kind) == ("dwell", "reserve", "walk")
    )
    stop, free, walk = legs[i - 1 : i + 2]
    busy = (stop.end_s - stop.start_s) + (walk.end_s - walk.start_s)
    share = rules.held_back_share
    # the free time f is the share of the whole: f = share * (busy + f)
    needed = share * busy / (1 - share)

    def held(seconds):
        # the rest of the reserve as a wait: the route's total held back stays the same
        cut = free.end_s - seconds
        parts = (
            dataclasses.replace(free, kind="wait", end_s=cut),
            dataclasses.replace(free, start_s=cut),
        )
        return [Route(route.officer, (*legs[:i], *parts, *legs[i + 1 :])), *routes[1:]]

    short = _found(helsinki, held(needed - 10 * TOL_S), rules)
    assert len(short) == 1
    assert short[0][:2] == ("held back", 1)
    assert f"free for calls around {stop.end_s:.0f} s" in short[0][2]
    enough = min(needed, free.end_s - free.start_s)
    assert _found(helsinki, held(enough), rules) == []


def test_a_leg_that_runs_into_the_next_breaks_the_timeline(helsinki, planned):
    routes, rules = planned
    i = _index(routes[0], "reserve")
    leg = routes[0].legs[i]
    # held-back time that ends a minute after the next leg starts: two legs at once
    overlap = _swap_leg(routes, 0, i, end_s=leg.end_s + 60)
    found = validate_routes(overlap, helsinki, rules)
    assert any(v.rule == "timeline" and "does not follow" in v.message for v in found)


def test_a_walk_that_skips_a_street_in_its_middle_is_not_a_connected_path(helsinki, planned):
    routes, rules = planned
    k, i = next(
        (k, i)
        for k, route in enumerate(routes)
        for i, leg in enumerate(route.legs)
        if leg.kind == "walk" and len(leg.segments) >= 3
    )
    leg = routes[k].legs[i]
    middle = len(leg.segments) // 2
    segments = leg.segments[:middle] + leg.segments[middle + 1 :]
    directions = leg.reversed[:middle] + leg.reversed[middle + 1 :]
    skipped = helsinki.segments["length_m"].to_numpy()[leg.segments[middle]]
    # the same ends, the distance and the time of the streets left: only the path has a hole
    gap = _swap_leg(
        routes,
        k,
        i,
        segments=segments,
        reversed=directions,
        distance_m=leg.distance_m - skipped,
        end_s=leg.end_s - skipped / rules.pace_m_per_s,
    )
    found = validate_routes(gap, helsinki, rules)
    assert any(v.rule == "walk" and "not a connected path" in v.message for v in found)


def test_presence_is_re_derived_stop_by_stop_and_walks_earn_one_pass_at_most(helsinki, planned):
    routes, rules = planned
    assert rules.credit is not None
    stop = _index(routes[0], "dwell")
    leg = routes[0].legs[stop]
    over = _swap_leg(routes, 0, stop, presence=leg.presence * 1.01)
    found = [v for v in validate_routes(over, helsinki, rules) if v.rule == "presence"]
    assert len(found) == 1 and f"credited {leg.presence * 1.01:.6g}" in found[0].message
    # a repeat stop credited as if it were the first there
    stops = sorted(
        (leg.start_s, k, i)
        for k, r in enumerate(routes)
        for i, leg in enumerate(r.legs)
        if leg.kind == "dwell"
    )
    seen, repeat = set(), None
    for _, k, i in stops:
        hot = routes[k].legs[i].hotspot
        if hot in seen:
            repeat = (k, i)
            break
        seen.add(hot)
    assert repeat is not None  # two stops allowed per hot spot: the plan makes some
    k, i = repeat
    first_value = routes[k].legs[i].presence / rules.credit.revisit_value
    as_first = _swap_leg(routes, k, i, presence=first_value)
    assert "presence" in _rules_broken(helsinki, as_first, rules)
    # a walk credited with two passes of its streets
    walk = next(i for i, leg in enumerate(routes[1].legs) if leg.kind == "walk" and leg.presence)
    doubled = _swap_leg(routes, 1, walk, presence=2 * routes[1].legs[walk].presence)
    found = [v for v in validate_routes(doubled, helsinki, rules) if v.rule == "presence"]
    assert len(found) == 1 and "more than one pass of its streets gives" in found[0].message
    with pytest.raises(SolverError, match="presence"):
        check_routes(doubled, helsinki, rules)


def test_tolerances_of_many_legs_do_not_add_up_to_a_late_route(grid):
    """Each walk a second short and each leg starting a second early: within TOL_S one by one."""
    from planner.validate import Rules

    seg = grid.segments
    u, v = seg["u"].to_numpy(), seg["v"].to_numpy()
    street = int(((u == 0) & (v == 1) | (u == 1) & (v == 0)).argmax())  # 100 m, 100 s at 1 m/s
    legs, t, here = [], 0.0, 0
    for _ in range(36):  # 3600 s of walking in a 3600 s shift
        there = 1 - here
        flip = bool(u[street] != here)
        legs.append(Leg("walk", t, t + 99.05, here, there, (street,), (flip,), 100.0))
        t += 99.05 - 0.95
        here = there
    legs.append(Leg("wait", t, 3600.0, here, here))  # a minute of waiting on top
    rules = Rules(3600.0, 1.0, 0, 0, 600.0, 900.0, (5,))
    found = validate_routes([Route(1, tuple(legs))], grid, rules)
    assert [(f.rule, f.officer) for f in found] == [("timeline", 1)]
    assert "need 61.1 min" in found[0].message
    home = legs[33].end_s  # back at node 0 after 34 walks, 3400 s of them
    on_time = [*legs[:34], Leg("wait", home, home + 60.0, 0, 0)]
    assert validate_routes([Route(1, tuple(on_time))], grid, rules) == []
