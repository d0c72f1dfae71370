import dataclasses
import itertools
import re

import numpy as np
import pytest

from planner.errors import ScenarioError, SolverError
from planner.patrol import Patrol
from planner.plan import CALL_ARRIVED, Leg, Route, SolveStats, leg_action
from planner.replan import Resume, at_hotspots, cut_routes, join, joined, resumed
from planner.route_legs import credit_kept_walks
from planner.routes import plan_routes, validation_rules
from planner.street_names import place_names
from planner.validate import validate_routes
from planner.walks import walk_weights

from .conftest import patrol_at

LIMIT_S = 1.0


def _patrol(station: int, **changes) -> Patrol:
    """One unit for 2 h with a fifth of its time held back for calls."""
    return patrol_at(
        station, **{"units": 1, "shift_s": 2 * 3600, "held_back_share": 0.2, **changes}
    )


@pytest.fixture(scope="module")
def planned(helsinki, helsinki_risk):
    """The one unit's patrol of :func:`_patrol` and its planned routes."""
    risk, spots, station = helsinki_risk
    patrol = _patrol(station)
    routes, _ = plan_routes(helsinki, risk, spots, patrol, LIMIT_S)
    return patrol, routes


def _stop_then_held(routes):
    """The first stop followed by more than a minute of time held back, and that time."""
    return next(
        (leg, after)
        for leg, after in itertools.pairwise(routes[0].legs)
        if leg.kind == "dwell" and after.kind == "reserve" and after.end_s - after.start_s > 60
    )


def _replanned(helsinki, helsinki_risk, patrol, resume):
    """The whole shift (legs done, then the re-plan) and the validator's rules for it."""
    risk, spots, _ = helsinki_risk
    rest, _ = plan_routes(helsinki, risk, spots, resumed(patrol, resume, helsinki, spots), LIMIT_S)
    rules = validation_rules(helsinki, spots, patrol, 10 * 60)
    return join(resume.kept, rest), rules


def test_a_walk_cut_midway_ends_at_the_end_of_its_street(helsinki, helsinki_risk, planned):
    patrol, routes = planned
    legs = routes[0].legs
    held, walk = next(
        (before, leg)
        for before, leg in itertools.pairwise(legs)
        if leg.kind == "walk" and len(leg.segments) >= 4
    )
    # the walk's share of time held back comes before it, where the unit stands
    assert held.kind == "reserve" and held.to_node == walk.from_node
    at = (walk.start_s + walk.end_s) / 2
    resume = cut_routes(routes, at, helsinki)
    *_, cut = resume.kept[0]
    assert cut.kind == "walk" and cut.to_node != walk.to_node  # stopped on the way
    assert cut.segments == walk.segments[: len(cut.segments)] and cut.end_s >= at
    assert resume.starts[0] == (cut.to_node, cut.end_s)
    # the rest of the shift, joined to what was done, passes the validator
    joined, rules = _replanned(helsinki, helsinki_risk, patrol, resume)
    assert validate_routes(joined, helsinki, rules) == []
    # credited as the plan credits walks: the streets walked, not the metres' share of the leg
    weight = walk_weights(helsinki, helsinki_risk[0].segment_risk, patrol)
    lengths = helsinki.segments["length_m"].to_numpy()
    kept = credit_kept_walks(resume.kept, weight, patrol, lengths)[0]
    for before, after in zip(resume.kept[0][:-1], kept[:-1], strict=True):
        assert after.presence == pytest.approx(before.presence, rel=1e-9)  # whole legs as planned
    earlier = [seg for leg in kept[:-1] for seg in leg.segments]
    expected = sum(
        weight[seg] * patrol.revisit_value ** (earlier + list(cut.segments[:i])).count(seg)
        for i, seg in enumerate(cut.segments)
    )
    assert kept[-1].presence == pytest.approx(expected, rel=1e-9) and expected > 0


def test_late_in_the_shift_the_rest_is_the_walk_back(helsinki, helsinki_risk):
    risk, spots, station = helsinki_risk
    patrol = _patrol(station, held_back_share=0.0)  # the shift is cut short below
    routes, _ = plan_routes(helsinki, risk, spots, patrol, LIMIT_S)
    last = routes[0].dwells[-1]
    resume = cut_routes(routes, last.end_s, helsinki)
    # so little time is left that no stop fits, only the way back to the station
    late = dataclasses.replace(patrol, shift_s=routes[0].end_s + 1.0)
    rest, _ = plan_routes(helsinki, risk, spots, resumed(late, resume, helsinki, spots), LIMIT_S)
    assert not rest[0].dwells and rest[0].legs
    assert rest[0].legs[-1].to_node == int(helsinki.nodes.index[station])
    assert rest[0].legs[0].from_node == resume.starts[0][0]
    assert rest[0].end_s <= late.shift_s + 1e-6
    rules = validation_rules(helsinki, spots, late, 10 * 60)
    assert validate_routes(join(resume.kept, rest), helsinki, rules) == []


def test_stops_made_follow_their_hot_spots_into_the_new_order(helsinki, helsinki_risk, planned):
    _, spots, _ = helsinki_risk
    _, routes = planned
    first = routes[0].dwells[0]
    resume = cut_routes(routes, first.end_s, helsinki)
    ids = helsinki.nodes.index[spots.node_idx]
    reordered = at_hotspots(resume, ids[::-1])  # the same hot spots, ranked the other way
    (stop,) = [leg for leg in reordered.kept[0] if leg.kind == "dwell"]
    assert ids[::-1][stop.hotspot] == first.to_node
    others = [node for node in ids if node != first.to_node]
    with pytest.raises(ScenarioError, match=rf"1 place\(s\) .*\(OSM node {first.to_node}\)"):
        at_hotspots(resume, others)
    name = place_names(helsinki, [first.to_node])[first.to_node]
    with pytest.raises(ScenarioError, match=re.escape(f"{name} (OSM node {first.to_node})")):
        at_hotspots(resume, others, helsinki)


def test_a_call_that_cuts_into_the_time_held_back_leaves_the_rest_to_hold_it(
    helsinki, helsinki_risk, planned
):
    patrol, routes = planned
    dwell, reserve = _stop_then_held(routes)
    # a call comes in 10 s into the time held back after the stop; the unit is sent elsewhere
    elsewhere = next(
        leg.to_node for leg in routes[0].legs if leg.kind == "walk" and leg.to_node != dwell.to_node
    )
    resume = cut_routes(routes, reserve.start_s + 10, helsinki, {1: elsewhere})
    *_, made, call = resume.kept[0]
    assert made == dwell and call.kind == "call" and call.end_s == reserve.start_s + 10
    joined, rules = _replanned(helsinki, helsinki_risk, patrol, resume)
    # read as a plan of the whole shift, the call took most of that stop's reserve (and a call
    # belongs only before a re-plan; the free time before it is the call's to take) ...
    found = [v.rule for v in validate_routes(joined, helsinki, rules)]
    assert found == ["call", "held back"]  # the call, and the shift's share
    # ... the re-plan holds back its share of the rest, which is what the validator checks
    replanned = dataclasses.replace(rules, planned_from_s={1: resume.starts[0][1]})
    assert validate_routes(joined, helsinki, replanned) == []


def test_a_stop_made_keeps_its_share_of_time_held_back_across_a_replan(
    helsinki, helsinki_risk, planned
):
    patrol, routes = planned
    dwell, held = _stop_then_held(routes)
    share = patrol.held_back_share
    owed = share / (1 - share) * (dwell.end_s - dwell.start_s)
    # re-planned 30 s into the time held back after a stop: the stop's share is still held
    resume = cut_routes(routes, held.start_s + 30, helsinki, held_back_share=share)
    *_, made, kept = resume.kept[0]
    assert made == dwell and kept.kind == "reserve" and kept.start_s == held.start_s
    assert kept.end_s == pytest.approx(held.start_s + owed) and kept.end_s < held.end_s
    assert resume.starts[0] == (dwell.to_node, kept.end_s)
    joined, rules = _replanned(helsinki, helsinki_risk, patrol, resume)
    replanned = dataclasses.replace(rules, planned_from_s={1: resume.starts[0][1]})
    assert validate_routes(joined, helsinki, replanned) == []
    # cut where it stood, the stop's share is lost, and the validator says so
    short = cut_routes(routes, held.start_s + 30, helsinki)
    assert short.kept[0][-1].end_s == held.start_s + 30
    joined, rules = _replanned(helsinki, helsinki_risk, patrol, short)
    replanned = dataclasses.replace(rules, planned_from_s={1: short.starts[0][1]})
    assert [v.rule for v in validate_routes(joined, helsinki, replanned)] == ["held back"]
    # a stop under way is finished, then held back after as the plan had it
    resume = cut_routes(routes, dwell.start_s + 60, helsinki, held_back_share=share)
    *_, made, after = resume.kept[0]
    assert made == dwell and after.kind == "reserve" and after.start_s == dwell.end_s
    assert after.end_s - after.start_s == pytest.approx(owed)
    assert resume.starts[0] == (dwell.to_node, after.end_s)
    joined, rules = _replanned(helsinki, helsinki_risk, patrol, resume)
    replanned = dataclasses.replace(rules, planned_from_s={1: resume.starts[0][1]})
    assert validate_routes(joined, helsinki, replanned) == []


def test_a_unit_away_since_a_given_time_keeps_only_what_it_did_before(
    helsinki, helsinki_risk, planned
):
    patrol, routes = planned
    first, second = routes[0].dwells[:2]
    elsewhere = first.to_node
    # sent to a call one minute into its second stop; re-planned 20 minutes later
    left_s, at_s = second.start_s + 60, second.start_s + 20 * 60
    resume = cut_routes(routes, at_s, helsinki, {1: elsewhere}, {1: left_s})
    *done, call = resume.kept[0]
    assert [leg for leg in done if leg.kind == "dwell"] == [first]  # the second is not made
    assert all(leg.end_s <= left_s for leg in done)
    assert call.kind == "call" and call.start_s == done[-1].end_s <= left_s
    assert call.end_s == at_s and call.to_node == elsewhere
    assert resume.starts[0] == (elsewhere, at_s)
    joined, rules = _replanned(helsinki, helsinki_risk, patrol, resume)
    replanned = dataclasses.replace(rules, planned_from_s={1: at_s})
    assert validate_routes(joined, helsinki, replanned) == []
    # without the time it left, the unit is taken to have made every stop up to the re-plan
    assert second in cut_routes(routes, at_s, helsinki, {1: elsewhere}).kept[0]
    # sent off in the minute its stop ends (times are given to the minute): the stop was made,
    # even when the re-plan is made in that minute, before its end
    left_s = second.end_s - 50
    *done, call = cut_routes(routes, at_s, helsinki, {1: elsewhere}, {1: left_s}).kept[0]
    assert done[-1] == second and call.start_s == second.end_s
    early = cut_routes(routes, second.end_s - 30, helsinki, {1: elsewhere}, {1: left_s})
    *done, call = early.kept[0]
    assert done[-1] == second and call.start_s == call.end_s == second.end_s
    assert early.starts[0] == (elsewhere, second.end_s)  # free to patrol once the stop ends
    joined, rules = _replanned(helsinki, helsinki_risk, patrol, early)
    replanned = dataclasses.replace(rules, planned_from_s={1: second.end_s})
    assert validate_routes(joined, helsinki, replanned) == []
    assert (
        second not in cut_routes(routes, at_s, helsinki, {1: elsewhere}, {1: left_s - 11}).kept[0]
    )
    # sent off in the middle of a walk: it walks on to the end of its street, then the call
    walk = next(leg for leg in routes[0].legs if leg.kind == "walk" and len(leg.segments) >= 4)
    left_s = (walk.start_s + walk.end_s) / 2
    resume = cut_routes(routes, left_s + 600, helsinki, {1: elsewhere}, {1: left_s})
    *done, call = resume.kept[0]
    assert done[-1].kind == "walk" and done[-1].start_s == walk.start_s
    assert done[-1].segments == walk.segments[: len(done[-1].segments)]
    assert left_s <= done[-1].end_s < walk.end_s and call.start_s == done[-1].end_s
    with pytest.raises(ScenarioError, match="unit 1 left the plan: give where it is now"):
        cut_routes(routes, at_s, helsinki, {}, {1: left_s})
    with pytest.raises(
        ScenarioError, match=r"not between the start of its route .* and the re-plan"
    ):
        cut_routes(routes, at_s, helsinki, {1: elsewhere}, {1: at_s + 60})


def _called_far_away(helsinki, station, planned):
    """Five minutes before the end, unit 1 is at the far end of the area after a call.

    Returns the metres from the station to every node, the far node, the time and the cut.
    """
    patrol, routes = planned
    dist = helsinki.distances_m(station)
    far = int(np.where(np.isfinite(dist), dist, -1.0).argmax())
    at_s = patrol.shift_s - 5 * 60
    resume = cut_routes(routes, at_s, helsinki, {1: int(helsinki.nodes.index[far])})
    return dist, far, at_s, resume


def test_a_unit_a_call_took_too_far_to_be_back_in_time_walks_back_late(
    helsinki, helsinki_risk, planned
):
    from planner.errors import PlannerWarning

    patrol, _ = planned
    _, spots, station = helsinki_risk
    dist, far, at_s, resume = _called_far_away(helsinki, station, planned)
    with pytest.warns(PlannerWarning, match="unit 1 cannot be back .* arrives \\d+ min after"):
        late = resumed(patrol, resume, helsinki, spots)
    (_, end_s), back_s = late.ends[0], at_s + dist[far] / patrol.pace_m_per_s * patrol.stretch()
    assert end_s == pytest.approx(back_s + 1.0) and end_s > patrol.shift_s
    risk, _, _ = helsinki_risk
    rest, _ = plan_routes(helsinki, risk, spots, late, LIMIT_S)
    assert not rest[0].dwells and rest[0].end_s <= end_s + 1e-6
    assert rest[0].legs[-1].to_node == int(helsinki.nodes.index[station])
    # the whole shift is valid with the unit's end moved to its return, as the pipeline does
    rules = validation_rules(helsinki, spots, patrol, 10 * 60)
    joined = join(resume.kept, rest)
    assert "timeline" in [v.rule for v in validate_routes(joined, helsinki, rules)]  # late
    home = int(helsinki.nodes.index[station])
    rules = dataclasses.replace(rules, planned_from_s={1: at_s}, ends={1: (home, end_s)})
    assert validate_routes(joined, helsinki, rules) == []


def test_a_unit_walking_back_late_with_its_meal_break_due_is_given_the_break_too(
    helsinki, helsinki_risk, planned
):
    from planner.errors import PlannerWarning

    patrol, _ = planned
    _, spots, station = helsinki_risk
    dist, far, at_s, resume = _called_far_away(helsinki, station, planned)
    # a 30 min break still due, to be taken at the station once back (any time will do)
    hungry = dataclasses.replace(patrol, break_s=30 * 60.0, break_at_station=True)
    with pytest.warns(PlannerWarning, match="walking back and taking its meal break"):
        late = resumed(hungry, resume, helsinki, spots)
    walk_s = dist[far] / patrol.pace_m_per_s * patrol.stretch()
    assert late.ends[0][1] == pytest.approx(at_s + walk_s + 30 * 60 + 1.0)


@pytest.mark.parametrize("replan_min", [40, 50])  # while the window is open; after it closed
def test_a_call_that_leaves_no_time_to_reach_the_break_plans_it_late(
    helsinki, helsinki_risk, replan_min
):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from planner.errors import PlannerWarning
    from planner.routes import break_rules

    risk, spots, station = helsinki_risk
    patrol = _patrol(station, break_s=20 * 60, break_window_s=(30 * 60, 45 * 60))
    routes, _ = plan_routes(helsinki, risk, spots, patrol, LIMIT_S)
    (meal,) = [leg for leg in routes[0].legs if leg.kind == "break"]
    # sent far off just before the break; re-planned while the window is still open (or after
    # it closed), and the walk back to the station (where the break is taken) ends after it
    dist = helsinki.distances_m(station)
    # 1.2 km out: some 25 min back (time held back included), so the break fits before the end
    far = int(
        helsinki.nodes.index[int(np.abs(np.where(np.isfinite(dist), dist, 0.0) - 1200).argmin())]
    )
    left_s = meal.start_s - 60
    at_s = max(left_s + 60, replan_min * 60)
    resume = cut_routes(routes, at_s, helsinki, {1: far}, {1: left_s})
    assert not resume.break_taken()
    start = dt.datetime(2026, 3, 13, 18, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    with pytest.warns(
        PlannerWarning,
        match="unit 1 has not had its meal break and can no longer start it in its window "
        "18:30-18:45 \\(a call took the time\\): it is planned late, to start between 1",
    ):
        rest_rules = resumed(patrol, resume, helsinki, spots, start)
    assert rest_rules.break_done == frozenset()  # not excused: planned late
    ((earliest, latest),) = rest_rules.break_slots_s
    assert patrol.break_window_s[1] < earliest < latest <= earliest + 15 * 60
    rest, _ = plan_routes(helsinki, risk, spots, rest_rules, LIMIT_S)
    joined = join(resume.kept, rest)
    (late,) = [leg for leg in joined[0].legs if leg.kind == "break"]
    assert earliest - 1e-6 <= late.start_s <= latest + 1e-6
    assert late.to_node == int(helsinki.nodes.index[station])  # at the station, as the rules say
    rules = validation_rules(helsinki, spots, patrol, 10 * 60)
    rules = dataclasses.replace(rules, planned_from_s={1: at_s})
    assert [v.rule for v in validate_routes(joined, helsinki, rules)] == ["break"]  # the window's
    late_rules = dataclasses.replace(rules, **break_rules(rest_rules))  # as the pipeline says
    assert validate_routes(joined, helsinki, late_rules) == []
    # re-planned again after the late break, the break taken is not held to the scenario's window
    again = dataclasses.replace(rules, planned_from_s={1: late.end_s + 60})
    assert validate_routes(joined, helsinki, again) == []


def test_a_late_break_that_cannot_end_in_the_units_hours_is_excused_with_a_warning():
    from planner.errors import PlannerWarning
    from planner.replan import _missed_breaks

    # back at the station 58 min in (3,500 s); a 20 min break could start until 73 min in
    tight = Patrol(
        units=1,
        start_idx=0,
        end_idx=0,
        shift_s=7200.0,
        pace_m_per_s=1.0,
        dwell_s=600.0,
        break_s=1200.0,
        break_window_s=(1800.0, 2700.0),
        starts=((0, 3000.0),),
        ends=((0, 4000.0),),  # but the unit's time ends at 67 min
    )
    with pytest.warns(
        PlannerWarning, match="took the time\\), nor end it before its time ends: no"
    ):
        excused = _missed_breaks(tight, [500.0], None, {1})
    assert excused.break_done == {1} and excused.break_slots_s == ()
    roomy = dataclasses.replace(tight, ends=((0, 7200.0),))
    with pytest.warns(PlannerWarning, match="to start between 58 min into the shift and 73 min"):
        late = _missed_breaks(roomy, [500.0], None, {1})
    assert late.break_done == frozenset() and late.break_slots_s == ((3500.0, 4400.0),)


def test_the_time_a_unit_left_lies_between_the_plan_followed_and_the_replan():
    import datetime as dt
    from zoneinfo import ZoneInfo

    from planner.rest_of_shift import _left_s

    start = dt.datetime(2026, 3, 13, 22, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    shift = (start, start + dt.timedelta(hours=8))
    at, at_s = dt.time(1, 0), 3 * 3600.0  # after midnight
    assert _left_s(2, shift, dt.time(0, 30), (at_s, 0.0), at) == 2.5 * 3600
    # each time is told the one reason that holds: after the re-plan, or before the shift
    after = "left the plan at 01:30, after the re-plan at 01:00; give a time from 22:00 to the"
    with pytest.raises(ScenarioError, match=after):
        _left_s(2, shift, dt.time(1, 30), (at_s, 0.0), at)
    before = "left the plan at 21:00, before the shift began at 22:00; give a time from 22:00"
    with pytest.raises(ScenarioError, match=before):
        _left_s(2, shift, dt.time(21, 0), (at_s, 0.0), at)
    with pytest.raises(ScenarioError, match="before the plan followed was re-planned at 00:00"):
        _left_s(2, shift, dt.time(23, 30), (at_s, 2 * 3600.0), at)


def test_a_unit_still_walking_back_late_is_planned_from_where_its_walk_ends(
    helsinki, helsinki_risk, planned
):
    from planner.errors import PlannerWarning

    patrol, routes = planned
    risk, spots, station = helsinki_risk
    home = routes[0].legs[-1]
    assert home.kind == "walk" and home.to_node == int(helsinki.nodes.index[station])
    # its time ended 10 min before it gets back; re-planned a second before it arrives
    late = dataclasses.replace(patrol, shift_s=home.end_s - 600)
    resume = cut_routes(routes, home.end_s - 1, helsinki)
    with pytest.warns(PlannerWarning, match="unit 1 cannot be back .* arrives 1\\d min after"):
        rest_rules = resumed(late, resume, helsinki, spots)
    (_, begin), (_, end_s) = rest_rules.starts[0], rest_rules.ends[0]
    assert begin == resume.kept[0][-1].end_s > late.shift_s  # not pulled back to its end
    rest, _ = plan_routes(helsinki, risk, spots, rest_rules, LIMIT_S)
    rules = validation_rules(helsinki, spots, late, 10 * 60)
    rules = dataclasses.replace(rules, planned_from_s={1: begin}, ends={1: (home.to_node, end_s)})
    assert validate_routes(join(resume.kept, rest), helsinki, rules) == []


def test_a_unit_cannot_leave_the_plan_before_its_route_begins(helsinki, planned):
    _, routes = planned
    late_start = [dataclasses.replace(routes[0], legs=routes[0].legs[3:])]
    begin = late_start[0].legs[0].start_s
    with pytest.raises(ScenarioError, match="not between the start of its route"):
        cut_routes(
            late_start, begin + 900, helsinki, {1: late_start[0].legs[0].from_node}, {1: begin - 60}
        )


def test_a_unit_can_leave_the_plan_the_moment_its_route_begins(helsinki, planned):
    _, routes = planned
    late_start = [dataclasses.replace(routes[0], legs=routes[0].legs[3:])]
    begin = late_start[0].legs[0].start_s
    elsewhere = int(helsinki.nodes.index[0])
    resume = cut_routes(late_start, begin + 900, helsinki, {1: elsewhere}, {1: begin})
    # nothing was done: the call runs from the start of its route to the re-plan
    assert [(leg.kind, leg.start_s, leg.end_s) for leg in resume.kept[0]] == [
        ("call", begin, begin + 900)
    ]


def test_a_unit_back_early_and_sent_out_again_waits_at_the_station_in_between():
    from planner.plan import Leg, Route
    from planner.replan import join

    done = (Leg("walk", 0.0, 100.0, 1, 2, segments=(5,), reversed=(False,), distance_m=100.0),)
    again = Route(1, (Leg("reserve", 300.0, 320.0, 2, 2), Leg("walk", 320.0, 400.0, 2, 3)))
    (route,) = join((done,), [again])
    assert [(leg.kind, leg.start_s, leg.end_s) for leg in route.legs[:3]] == [
        ("walk", 0.0, 100.0),
        ("wait", 100.0, 300.0),
        ("reserve", 300.0, 320.0),
    ]
    assert route.legs[1].from_node == route.legs[1].to_node == 2
    (plain,) = join((done,), [Route(1, (Leg("walk", 100.0, 150.0, 2, 3),))])
    assert [leg.kind for leg in plain.legs] == ["walk", "walk"]  # no gap, no wait


def test_stops_kept_earn_as_planned_stops_do_revisits_hours_and_length():
    from planner.hotspots import koper_value_min
    from planner.plan import Leg
    from planner.route_legs import credit_kept_stops

    hourly = np.array([[1.0, 3.0], [2.0, 2.0]])  # hot spot 0 three times as risky in hour 2
    patrol = _patrol(0, units=2, revisit_value=0.5, hourly=hourly, dwell_s=15 * 60)
    value = np.array([0.2, 0.1])

    def stop(start_s, minutes, hot):
        return Leg("dwell", start_s, start_s + minutes * 60, 7, 7, presence=99.0, hotspot=hot)

    kept = ((stop(600, 15, 0), stop(4000, 15, 0)), (stop(600, 10, 0), stop(5000, 15, 1)))
    (a, b), (c, d) = credit_kept_stops(kept, value, patrol)
    full, short = (koper_value_min(m, patrol.koper_curve) for m in (15, 10))
    assert a.presence == pytest.approx(0.2 * full)  # the first stop there, hour 1
    assert c.presence == pytest.approx(0.2 * short)  # as early, by another unit: no revisit
    assert b.presence == pytest.approx(0.2 * full * 3.0 * 0.5**2)  # hour 2, third stop there
    assert d.presence == pytest.approx(0.1 * full * 2.0)


def test_the_whole_shifts_objective_adds_what_was_done_once_to_the_rest():
    done = (
        Leg("walk", 0.0, 300.0, 1, 2, segments=(0,), reversed=(False,), presence=2.0),
        Leg("dwell", 300.0, 900.0, 2, 2, presence=3.0, hotspot=0),
    )
    resume = Resume(900.0, (done,), ((2, 900.0),))
    rest = [Route(1, (Leg("dwell", 900.0, 1500.0, 2, 2, presence=4.0, hotspot=0),))]
    stats = SolveStats("search", "FEASIBLE", objective=4.0, bound=6.0, runtime_s=1.0)
    (route,), whole = joined(resume, rest, stats)
    assert [leg.start_s for leg in route.legs] == [0.0, 300.0, 900.0]
    # done before the re-plan: 2 + 3 = 5; the whole shift: 4 + 5 = 9, its bound 6 + 5 = 11
    assert whole.parameters["presence_before_replan"] == pytest.approx(5.0)
    assert (whole.objective, whole.bound) == pytest.approx((9.0, 11.0))
    assert whole.gap == pytest.approx(2.0 / 11.0)
    with pytest.raises(SolverError, match=r"search: bound 3\.0 below objective 4\.0"):
        SolveStats("search", "FEASIBLE", objective=4.0, bound=3.0, runtime_s=1.0)


def _short(plan):
    """The scenario of ``plan`` with next to no search: a quick re-plan."""
    solver = plan.scenario.solver.model_copy(update={"time_limit_s": 1, "route_iterations": 1})
    return plan.scenario.model_copy(update={"solver": solver})


CALL = (60.1690, 24.9410)  # by the station, inside the default scenario's area


def test_a_unit_busy_on_a_call_patrols_from_there_only_once_it_is_free(two_officer_plan, tmp_path):
    import datetime as dt

    from planner.evaluate import kpi_table
    from planner.export import write_plan
    from planner.rest_of_shift import replan

    plan = two_officer_plan
    write_plan(plan, tmp_path)
    busy = replan(
        _short(plan),
        tmp_path / "routes.json",
        dt.time(20, 0),
        {2: CALL},
        busy_until={2: dt.time(22, 0)},
    )
    free_s = 4 * 3600.0  # 22:00, the shift begins at 18:00
    legs = busy.routes[1].legs
    (call,) = [leg for leg in legs if leg.kind == "call"]
    assert call.end_s == pytest.approx(free_s)
    after = [leg for leg in legs if leg.start_s >= call.end_s - 1e-6]
    assert after and after[0].start_s == pytest.approx(free_s)
    assert after[0].from_node == call.to_node  # it patrols on from the call
    assert not [leg for leg in legs if call.start_s < leg.start_s < call.end_s]
    assert busy.kpis["replan"]["calls"][0]["until"].endswith("T22:00:00+02:00")
    at_s = 2 * 3600.0  # 20:00: what the legs begun before it earned is the presence done
    done = sum(leg.presence for r in busy.routes for leg in r.legs if leg.start_s < at_s)
    assert done > 0 and busy.kpis["replan"]["presence_done_min"] == pytest.approx(done, abs=1e-5)
    assert f"made kept, presence {done:.3f} earned before it" in kpi_table(busy)
    assert re.search(r"officer 2 +call for service \d\d:\d\d-22:00, to 60\.16", kpi_table(busy))
    # re-planned again while the call still keeps it, the unit stays busy as recorded
    write_plan(busy, tmp_path / "busy")
    again = replan(_short(plan), tmp_path / "busy" / "routes.json", dt.time(21, 0))
    (kept,) = [leg for leg in again.routes[1].legs if leg.kind == "call"]
    assert (kept.start_s, kept.end_s) == pytest.approx((call.start_s, free_s))
    assert min(leg.start_s for leg in again.routes[1].legs if leg.start_s > 3 * 3600) >= free_s


def test_a_busy_until_outside_the_rest_of_the_shift_is_refused(two_officer_plan, tmp_path):
    import datetime as dt

    from planner.export import write_plan
    from planner.rest_of_shift import replan

    write_plan(two_officer_plan, tmp_path)
    # refused before the map is read: a map file gone since is not what the message is about
    scenario = two_officer_plan.scenario
    scenario = scenario.model_copy(
        update={
            "area": scenario.area.model_copy(update={"source": "file", "path": tmp_path / "x.pbf"})
        }
    )
    for until, said in [
        (dt.time(19, 30), "unit 2 is busy until 19:30, not after the re-plan at 20:00; give"),
        (dt.time(20, 0), "unit 2 is busy until 20:00, not after the re-plan at 20:00; give"),
        (dt.time(2, 30), "unit 2 is busy until 02:30, not before the shift ends at 02:00"),
    ]:
        with pytest.raises(ScenarioError, match=re.escape(said)):
            replan(
                scenario,
                tmp_path / "routes.json",
                dt.time(20, 0),
                {2: CALL},
                busy_until={2: until},
            )


def test_a_unit_busy_on_a_call_needs_the_calls_position(helsinki, planned):
    _, routes = planned
    with pytest.raises(ScenarioError, match="unit 1 is busy on a call: give where the call is"):
        cut_routes(routes, 600.0, helsinki, busy_until_s={1: 1200.0})


def test_a_unit_gone_for_the_rest_of_the_shift_ends_where_it_left(two_officer_plan, tmp_path):
    import datetime as dt

    from planner.evaluate import kpi_table
    from planner.export import plan_files, write_plan
    from planner.rest_of_shift import replan

    plan = two_officer_plan
    write_plan(plan, tmp_path)
    gone = replan(_short(plan), tmp_path / "routes.json", dt.time(20, 0), gone=[2])
    at_s = 2 * 3600.0  # 20:00
    route = gone.routes[1]
    *done, last = route.legs
    assert last.kind == "gone" and last.start_s == last.end_s <= at_s
    assert done[-1].end_s == last.start_s and last.from_node == done[-1].to_node
    station = plan.routes[1].legs[0].from_node
    assert last.to_node != station  # not walked back
    assert [leg.kind for leg in gone.routes[0].legs if leg.start_s >= at_s]  # unit 1 patrols on
    figures = gone.kpis["routes"]["per_officer"][1]
    assert figures["gone_at"] == gone.at_second(last.end_s).isoformat(timespec="seconds")
    assert figures["back_early_min"] == 0 and figures["late_min"] == 0
    assert figures["back_at_station"] is None  # it is not walked back
    assert gone.kpis["routes"]["per_officer"][0]["gone_at"] is None
    assert gone.kpis["replan"]["gone"] == [{"unit": 2, "since": figures["gone_at"]}]
    when = f"{gone.at(last.end_s):%H:%M}"
    assert re.search(rf"officer 2 +[\d.]+ km, \d+ dwells, gone for the rest of the shift from "
                     rf"{when}", kpi_table(gone))  # fmt: skip
    rows = gone.to_frame().query("officer == 2")
    assert rows["action"].iloc[-1] == "gone for the rest of the shift"  # no "at station" row
    files = plan_files(gone)
    assert f"gone for the rest of the shift from {when}" in files["briefing.html"].decode()
    gpx = files["officer_2.gpx"].decode()
    assert "End station" not in gpx and "<type>gone</type>" in gpx
    # re-planned again later, the unit stays gone
    write_plan(gone, tmp_path / "gone")
    again = replan(_short(plan), tmp_path / "gone" / "routes.json", dt.time(21, 0))
    assert again.routes[1].legs == route.legs
    assert "left on patrol" not in kpi_table(again)
    # with the other unit gone too, the table says none is left on patrol
    every = replan(_short(plan), tmp_path / "gone" / "routes.json", dt.time(21, 0), gone=[1])
    said = r"^re-planned +at 21:00: every officer is gone, none is left on patrol; \d+ stops made"
    assert re.search(said, kpi_table(every), re.M)
    said = f"unit 2 left the shift for good in the plan being followed (gone from {when}); drop"
    with pytest.raises(ScenarioError, match=re.escape(said)):
        replan(plan.scenario, tmp_path / "gone" / "routes.json", dt.time(21, 0), {2: CALL})


def test_a_unit_gone_after_its_meal_break_at_the_station_keeps_it(two_officer_plan, tmp_path):
    # the break was taken at the station before the re-plan: the unit, gone from where it
    # walks later, need not end there for that break to stand
    import datetime as dt

    from planner.export import write_plan
    from planner.rest_of_shift import replan

    plan = two_officer_plan
    write_plan(plan, tmp_path)
    (taken,) = [leg for leg in plan.routes[1].legs if leg.kind == "break"]
    at = plan.at(taken.end_s + 1800.0)
    gone = replan(_short(plan), tmp_path / "routes.json", dt.time(at.hour, at.minute), gone=[2])
    legs = gone.routes[1].legs
    assert legs[-1].kind == "gone" and legs[-1].to_node != taken.to_node  # not at the station
    (kept,) = [leg for leg in legs if leg.kind == "break"]
    assert kept.to_node == taken.to_node and kept.start_s == pytest.approx(taken.start_s, abs=1e-3)


def test_a_unit_gone_while_busy_on_a_recorded_call_ends_at_the_call(helsinki, planned):
    _, routes = planned
    node = routes[0].legs[-1].to_node
    far = next(n for n in helsinki.nodes.index if n != node)
    busy = cut_routes(routes, 600.0, helsinki, {1: far}, busy_until_s={1: 3000.0})
    followed = [Route(1, busy.kept[0])]  # the re-plan has the unit busy on its call until 3000 s
    gone = cut_routes(followed, 1200.0, helsinki, gone=[1])
    *_, call, last = gone.kept[0]
    assert call.kind == "call" and (call.start_s, call.end_s) == (busy.kept[0][-1].start_s, 1200)
    assert last.kind == "gone" and last.to_node == far and last.start_s == 1200.0


def test_a_unit_moved_on_from_a_recorded_call_is_said_to_be_here_not_zero_seconds(
    helsinki, planned
):
    _, routes = planned
    node = routes[0].legs[-1].to_node
    first, then = [n for n in helsinki.nodes.index if n != node][:2]
    busy = cut_routes(routes, 600.0, helsinki, {1: first}, busy_until_s={1: 3000.0})
    # re-planned while the recorded call still keeps it, the unit is found elsewhere
    moved = cut_routes([Route(1, busy.kept[0])], 1200.0, helsinki, {1: then})
    route = Route(1, moved.kept[0])
    *_, recorded, call = route.legs
    assert (recorded.kind, recorded.to_node, recorded.end_s) == ("call", first, 1200.0)
    assert (call.kind, call.to_node, call.start_s, call.end_s) == ("call", then, 1200.0, 1200.0)
    minutes = (1200.0 - recorded.start_s) / 60
    assert leg_action(recorded, route) == f"call for service {minutes:.0f} min"
    assert leg_action(call, route) == CALL_ARRIVED == "call for service, now here"


def test_a_re_plan_folder_names_a_unit_on_two_calls_once(tmp_path):
    import json

    from planner.followed import check_not_replaced, file_digest

    followed = tmp_path / "routes.json"
    followed.write_text("{}", encoding="utf-8")
    calls = [  # a recorded call cut short at the re-plan, then the unit found elsewhere
        {"kind": "call", "start_s": 600.0, "end_s": 1200.0, "from_node": 1, "to_node": 2},
        {"kind": "call", "start_s": 1200.0, "end_s": 1200.0, "from_node": 2, "to_node": 3},
    ]
    record = {
        "scenario": "x",
        "shift_start": "2026-12-11T18:00:00+02:00",
        "timezone": "Europe/Helsinki",
        "replanned_s": 1200.0,
        "followed_sha256": file_digest(followed),
        "routes": [{"officer": 1, "legs": [{**c, "segments": [], "reversed": []} for c in calls]}],
    }
    (tmp_path / "re").mkdir()
    (tmp_path / "re" / "routes.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ScenarioError, match=re.escape("(calls for service: unit 1), which")):
        check_not_replaced(tmp_path / "re", "--out", followed)
    # units gone for the rest of the shift are named too
    gone = {"kind": "gone", "start_s": 1200.0, "end_s": 1200.0, "from_node": 4, "to_node": 4}
    for officer in (2, 3):
        legs = [{**gone, "segments": [], "reversed": []}]
        record["routes"].append({"officer": officer, "legs": legs})
    (tmp_path / "re" / "routes.json").write_text(json.dumps(record), encoding="utf-8")
    said = "(calls for service: unit 1; gone: units 2, 3), which"
    with pytest.raises(ScenarioError, match=re.escape(said)):
        check_not_replaced(tmp_path / "re", "--out", followed)


def test_routes_of_units_out_of_order_are_not_a_plan_to_follow(tmp_path):
    import json

    from planner.followed import read_routes

    leg = {"kind": "wait", "start_s": 0.0, "end_s": 60.0, "from_node": 1, "to_node": 1}
    leg |= {"segments": [], "reversed": []}
    record = {"scenario": "x", "shift_start": "2026-12-11T18:00:00+02:00"}
    record["routes"] = [{"officer": k, "legs": [leg]} for k in (1, 2)]
    path = tmp_path / "routes.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    assert [r.officer for r in read_routes(path).routes] == [1, 2]
    record["routes"].reverse()  # the stops done are matched to units by their order
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ScenarioError, match="it does not hold the routes of a plan"):
        read_routes(path)


def test_a_unit_gone_must_be_in_the_plan_and_not_busy_too(helsinki, planned):
    _, routes = planned
    with pytest.raises(ScenarioError, match="unit 3 is said to be gone, but the plan being"):
        cut_routes(routes, 600.0, helsinki, gone=[3])
    node = routes[0].legs[0].from_node
    with pytest.raises(ScenarioError, match="unit 1 is said to be gone for the rest of the shif"):
        cut_routes(routes, 600.0, helsinki, {1: node}, busy_until_s={1: 1200.0}, gone=[1])


def test_a_re_plan_warns_of_units_idle_as_its_briefing_checks_do(two_officer_plan, tmp_path):
    import datetime as dt
    import json

    from planner.briefing import _checks
    from planner.errors import PlannerWarning
    from planner.export import plan_files, write_plan
    from planner.rest_of_shift import replan

    plan = two_officer_plan
    write_plan(plan, tmp_path)
    # two hot spots and no loops of streets: the units have little to do after 18:05
    scenario = _short(plan)
    officers = scenario.officers.model_copy(update={"walk_spare_time": False})
    dwell = scenario.dwell.model_copy(update={"hotspot_top_percent": 2.0})
    scenario = scenario.model_copy(update={"officers": officers, "dwell": dwell})
    with pytest.warns(PlannerWarning, match="back at the station with time left: officer 1"):
        again = replan(scenario, tmp_path / "routes.json", dt.time(18, 5))
    (idle,) = _checks(again)
    assert idle in again.warnings
    assert idle in json.loads(plan_files(again)["kpis.json"])["warnings"]


def test_a_replan_whose_presence_rose_says_the_change_is_not_what_the_calls_cost():
    from planner.evaluate import replan_change

    def kpis(presence: float) -> dict:
        figures = {"presence_min": presence, "stops": 9, "hotspots_dosed": 5, "dose_minutes": 90}
        return {"routes": figures}

    rose = replan_change(kpis(22.606), kpis(22.655))
    assert "22.606 -> 22.655 (+0.049)" in rose
    assert rose.endswith(
        "(presence rose: the re-plan's own search found more for the hours left than the plan "
        "followed had, and that outweighed what the calls cost)"
    )
    assert "presence rose" not in replan_change(kpis(22.606), kpis(22.6062))  # +0.000
    fell = replan_change(kpis(22.606), kpis(20.0))
    assert "(-2.606)" in fell and "presence rose" not in fell
