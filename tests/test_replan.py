import dataclasses
import itertools
import re

import pytest

from planner.errors import ScenarioError
from planner.graph import place_names
from planner.pipeline import resumed
from planner.replan import at_hotspots, cut_routes, join
from planner.routes import Patrol, plan_routes, validation_rules
from planner.validate import validate_routes

from .conftest import patrol_at

LIMIT_S = 1.0


def _patrol(station: int, **changes) -> Patrol:
    """One unit for 2 h with a fifth of its time held back for calls."""
    return patrol_at(
        station, **{"units": 1, "shift_s": 2 * 3600, "held_back_share": 0.2, **changes}
    )


def test_a_walk_cut_midway_holds_its_reserve_where_the_unit_stands(helsinki, helsinki_risk):
    risk, spots, station = helsinki_risk
    patrol = _patrol(station)
    routes, _ = plan_routes(helsinki, risk, spots, patrol, LIMIT_S)
    legs = routes[0].legs
    walk = next(
        leg
        for leg, after in itertools.pairwise(legs)
        if leg.kind == "walk" and len(leg.segments) >= 4 and after.kind == "reserve"
    )
    at = (walk.start_s + walk.end_s) / 2
    resume = cut_routes(routes, at, helsinki)
    *_, cut, held = resume.kept[0]
    assert cut.kind == "walk" and cut.to_node != walk.to_node  # stopped on the way
    assert held.kind == "reserve" and held.from_node == held.to_node == cut.to_node
    assert resume.starts[0] == (cut.to_node, held.end_s)
    # the rest of the shift, joined to what was done, passes the validator
    rules = validation_rules(helsinki, spots, patrol, 10 * 60)
    rest, _ = plan_routes(helsinki, risk, spots, resumed(patrol, resume, helsinki, spots), LIMIT_S)
    assert validate_routes(join(resume.kept, rest), helsinki, rules) == []


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


def test_stops_made_follow_their_hot_spots_into_the_new_order(helsinki, helsinki_risk):
    risk, spots, station = helsinki_risk
    routes, _ = plan_routes(helsinki, risk, spots, _patrol(station), LIMIT_S)
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
