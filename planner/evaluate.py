"""KPIs of a plan: coverage by posts, presence by routes, dosage per hot spot, solver gaps.

Definitions (stated in the README): a segment's risk is its share of the area's total risk for
the shift (all segments sum to 1). Presence = sum over segments of risk x officer-minutes spent on
the segment (at most the minutes a walker keeps a point of it in sight) or dwelling within sight
of it; a dwell counts the Koper value of the stop. Figures
are deterministic (no timings), rounded for stable files.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from planner.clock import clock_label, shift_seconds
from planner.errors import counted, numbered
from planner.neighbourhoods import OUTSIDE, exposure
from planner.plan import Plan, Route, SolveStats, station_roles
from planner.risk import FEW_INCIDENTS, few_incidents_message


def _r(value: float, digits: int = 6) -> float:
    return round(float(value), digits)


def _stats(stats: SolveStats | None) -> dict[str, Any] | None:
    if stats is None:
        return None
    return {
        "solver": stats.solver,
        "status": stats.status,
        "objective": _r(stats.objective),
        "bound": _r(stats.bound),
        "gap": _r(stats.gap, 4),
        # the route search's: what its second half found, against a longer search
        **(
            {"last_half_gain": _r(stats.parameters["last_half_gain"], 4)}
            if "last_half_gain" in stats.parameters
            else {}
        ),
    }


def route_kpis(plan: Plan, route: Route) -> dict[str, Any]:
    """Figures of one officer's route."""
    walk = sum(leg.presence for leg in route.legs if leg.kind == "walk")
    breaks = [leg for leg in route.legs if leg.kind == "break"]
    meal = plan.scenario.officers.meal_break
    end = plan.at_second(route.end_s).isoformat(timespec="seconds")
    return {
        "officer": route.officer,
        "km_walked": _r(route.distance_m / 1000, 3),
        "dwells": len(route.dwells),
        "dwell_min": _r(route.dwell_s / 60, 2),
        "held_back_min": _r(_minutes(route, "reserve"), 2),
        "wait_min": _r(_minutes(route, "wait"), 2),
        "loop_min": _r(loop_s(route) / 60, 2),
        "break": (
            {
                "start": plan.at_second(breaks[0].start_s).isoformat(timespec="seconds"),
                "minutes": _r(_minutes(route, "break"), 2),
                "walk_min": _r(break_walk_s(route) / 60, 2),
                "at_station": meal is None or meal.at_station,
            }
            if breaks
            else None
        ),
        # a unit gone for the rest of the shift is not walked back: it has its gone_at instead
        "back_at_station": None if route.gone else end,
        "gone_at": end if route.gone else None,
        "hours_min": _r(_unit_hours_s(plan, route) / 60, 2),
        "back_early_min": _r(max(0.0, plan.back_early_s(route)) / 60, 2),
        "late_min": _r(max(0.0, -plan.back_early_s(route)) / 60, 2),
        "presence_min": _r(route.presence),
        "walk_presence_min": _r(walk),
    }


def _unit_hours_s(plan: Plan, route: Route) -> float:
    """Seconds the unit works: its own hours (``officers.per_unit``), else the shift's.

    Read from the scenario, not from where a re-plan starts the unit again.
    """
    shift_s = shift_seconds(plan.shift_start, plan.shift_end)
    per_unit = plan.scenario.officers.per_unit
    if route.officer > len(per_unit):
        return shift_s
    begin, end = per_unit[route.officer - 1].offsets_s(plan.shift_start, shift_s)
    return end - begin


def break_walk_s(route: Route) -> float:
    """Seconds walked to the meal break from the stop before it and on to the stop after it.

    The walks between the break and the stops (or the station) on either side, time held back
    for calls and waits left out: what the break costs in walking beyond its own minutes.
    """
    at = next((i for i, leg in enumerate(route.legs) if leg.kind == "break"), None)
    if at is None:
        return 0.0
    walked = 0.0
    for side in (reversed(route.legs[:at]), route.legs[at + 1 :]):
        for leg in side:
            if leg.kind not in ("walk", "reserve", "wait"):
                break
            if leg.kind == "walk" and not leg.loop:
                walked += leg.end_s - leg.start_s
    return walked


def loop_s(route: Route) -> float:
    """Seconds a route spends walking loops: spare time walked, out and back to one spot."""
    return sum(leg.end_s - leg.start_s for leg in route.legs if leg.loop)


def _minutes(route: Route, kind: str) -> float:
    return sum(leg.end_s - leg.start_s for leg in route.legs if leg.kind == kind) / 60


def hotspot_summary(dosage: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per dosed hot spot: its stops, total minutes, arrival times and the gaps between them."""
    spots: dict[int, dict[str, Any]] = {}
    for d in dosage:  # dosage is in time order
        spot = spots.setdefault(
            d["hotspot"],
            {"hotspot": d["hotspot"], "place": d["place"], "visits": 0, "minutes": 0.0},
        )
        spot["visits"] += 1
        spot["minutes"] = _r(spot["minutes"] + d["minutes"], 2)
        spot.setdefault("arrivals", []).append(d["arrive"])
        spot.setdefault("gaps_min", [])
        if d["gap_min"] is not None:
            spot["gaps_min"].append(d["gap_min"])
    return sorted(spots.values(), key=lambda s: (-s["minutes"], s["hotspot"]))


def compute_kpis(plan: Plan) -> dict[str, Any]:
    """All deterministic KPIs of a plan, the content of ``kpis.json``."""
    scenario = plan.scenario
    routes = [route_kpis(plan, r) for r in plan.routes]
    stops = sorted(
        ((leg.start_s, route.officer, leg) for route in plan.routes for leg in route.dwells),
        key=lambda stop: stop[:2],  # in time order (seconds: clock text misorders across DST)
    )
    spots = [leg.spot for _, _, leg in stops]
    dosage: list[dict[str, Any]] = []
    for (start_s, officer, leg), spot in zip(stops, spots, strict=True):
        dosage.append(
            {
                "hotspot": spot + 1,  # from 1, the riskiest first, must-cover places last
                "place": plan.places[leg.to_node],
                "lat": _r(plan.graph.nodes.at[leg.to_node, "lat"]),
                "lon": _r(plan.graph.nodes.at[leg.to_node, "lon"]),
                "watched_risk": _r(plan.hotspots.value[spot]),
                "officer": officer,
                "arrive": plan.at_second(start_s).isoformat(timespec="seconds"),
                "minutes": _r((leg.end_s - leg.start_s) / 60, 2),
                "hour_weight": _r(plan.patrol.hour_weight(spot, start_s) if plan.patrol else 1.0),
                "presence_min": _r(leg.presence),
            }
        )
    last: dict[int, float] = {}
    visits: dict[int, int] = {}
    for d, (start_s, _, _) in zip(dosage, stops, strict=True):
        spot = d["hotspot"]
        visits[spot] = d["visit"] = visits.get(spot, 0) + 1
        d["gap_min"] = None if spot not in last else _r((start_s - last[spot]) / 60, 1)
        last[spot] = start_s
    presence = sum(r.presence for r in plan.routes)
    walk_presence = sum(r["walk_presence_min"] for r in routes)
    posts = plan.posts_stats
    return {
        "scenario": scenario.name,
        "seed": scenario.solver.seed,
        "area": plan.graph.source,
        "shift": {
            "start": plan.shift_start.isoformat(timespec="seconds"),
            "end": plan.shift_end.isoformat(timespec="seconds"),
            "timezone": str(plan.shift_start.tzinfo),
            "minutes": _r(shift_seconds(plan.shift_start, plan.shift_end) / 60, 1),
        },
        "graph": {
            "nodes": len(plan.graph.nodes),
            "segments": len(plan.graph.segments),
            "street_km": _r(plan.graph.total_length_m / 1000, 3),
            "dropped_nodes": plan.graph.dropped_nodes,
        },
        "risk": {
            "method": plan.risk.method,
            "window_fallback": bool(plan.risk.parameters.get("window_fallback", False)),
            "hourly_risk": plan.risk.hourly is not None,
            "parameters": plan.risk.parameters,
            "notes": list(plan.risk.notes),
        },
        "posts": {
            "count": len(plan.posts),
            "visibility_radius_m": scenario.posts.visibility_radius_m,
            "risk_covered_share": _r(posts.objective) if posts else 0.0,
            "solver": _stats(posts),
            "locations": [
                {
                    "post": i,
                    "place": post.place,
                    "lat": _r(post.lat),
                    "lon": _r(post.lon),
                    "watched_risk": _r(post.watched_risk),
                }
                for i, post in enumerate(plan.posts, start=1)
            ],
        },
        "routes": {
            "units": len(plan.routes),
            "officers_per_unit": scenario.officers.unit_size,
            "held_back_share": scenario.officers.held_back_share,
            "held_back_min": _r(sum(r["held_back_min"] for r in routes), 2),
            "revisit_rules": {
                "max_visits": scenario.dwell.max_visits,
                "revisit_value": scenario.dwell.revisit_value,
                "min_gap_min": scenario.dwell.min_revisit_gap_minutes,
                "max_minutes_per_spot": scenario.dwell.max_minutes_per_spot,
            },
            "pace_m_per_s": scenario.officers.pace_m_per_s,
            "meal_break_min": meal.minutes if (meal := scenario.officers.meal_break) else None,
            "avoid": list(scenario.officers.avoid),
            "stations": _stations(plan),
            "presence_min": _r(presence),
            "walk_presence_min": _r(walk_presence),
            "dwell_presence_min": _r(presence - walk_presence),
            "hotspots": len(plan.hotspots),
            "hotspots_dosed": len({d["hotspot"] for d in dosage}),
            "risk_in_sight_share": _r(plan.hotspots.risk_in_sight(spots)),
            "sight_radius_m": scenario.dwell.visibility_radius_m,
            "dose_minutes": _r(sum(d["minutes"] for d in dosage), 2),
            "stops": len(dosage),
            # every hot spot at its most stops (a quiet must-cover place at one): more officers
            # add no stop
            "stops_allowed": _stops_allowed(plan),
            "solver": _stats(plan.routes_stats),
            "per_officer": routes,
        },
        "hotspot_dosage": dosage,
        "hotspots_dosed": hotspot_summary(dosage),
        "must_cover": _must_cover(plan, dosage),
        "neighbourhoods": _neighbourhoods(plan),
        "replan": None,  # a re-plan's time, stops kept and calls (planner.rest_of_shift.replan)
    }


def _neighbourhoods(plan: Plan) -> dict[str, Any]:
    """Where the areas come from, notes on them, and each area's exposure."""
    hoods = plan.neighbourhoods
    if hoods is None:
        return {"source": None, "notes": [], "areas": []}
    return {"source": hoods.source, "notes": list(hoods.notes), "areas": exposure(plan)}


def _stops_allowed(plan: Plan) -> int | None:
    """Count the stops the rules allow: each hot spot at its most, a quiet must-cover place one."""
    if plan.patrol is None:
        return None
    most = plan.patrol.visits_allowed()
    single = plan.routes_stats.parameters.get("single_visit_spots", 0) if plan.routes_stats else 0
    return len(plan.hotspots) * most - single * (most - 1)


def _must_cover(plan: Plan, dosage: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each must-cover place of the scenario: its hot spot and the stops it got."""
    if plan.patrol is None:
        return []
    places = plan.scenario.places.must_cover
    out = []
    for place, spot in zip(places, plan.patrol.must_cover, strict=True):
        node = int(plan.graph.nodes.index[plan.hotspots.node_idx[spot]])
        out.append(
            {
                "name": place.name or plan.places.get(node, f"node {node}"),
                "hotspot": int(spot) + 1,
                "stops": sum(1 for d in dosage if d["hotspot"] == spot + 1),
            }
        )
    return out


def must_cover_lines(kpis: dict[str, Any], shift: tuple[dt.datetime, dt.datetime]) -> list[str]:
    """Say of each must-cover place its stops: who stops there, and when.

    ``Old Church Park: 2 stops (officer 1 22:08, officer 3 23:40)``, or ``no stop``.
    """
    unit = "unit" if kpis["routes"]["officers_per_unit"] > 1 else "officer"
    lines = []
    for place in kpis["must_cover"]:
        stops = [d for d in kpis["hotspot_dosage"] if d["hotspot"] == place["hotspot"]]
        stops.sort(key=lambda d: dt.datetime.fromisoformat(d["arrive"]))
        when = ", ".join(f"{unit} {d['officer']} {clock_label(d['arrive'], *shift)}" for d in stops)
        said = f"{counted(len(stops), 'stop')} ({when})" if stops else "no stop"
        lines.append(f"{place['name']}: {said}")
    return lines


#: The KPI table's risk model without incidents: defaults, not fitted (see the risk notes).
TERRAIN_LABEL = "terrain: OSM venues with default weights, an informed guess (no incident data)"
#: The same, in an area without any OSM feature the terrain weighs (an online area, say).
BARE_TERRAIN_LABEL = (
    "terrain: no OSM venue in the area, risk spread by street length (no incident data)"
)


def risk_label(risk: dict[str, Any]) -> str:
    """Name the plan's risk model as the KPI table and the app say it (``kpis["risk"]``).

    ``incidents: 1,489 within 100 m of the streets`` (with what the shift's hours do with them).
    """
    parameters = risk["parameters"]
    if risk["method"] == "terrain":
        return BARE_TERRAIN_LABEL if parameters.get("weights") == {} else TERRAIN_LABEL
    label = str(risk["method"])
    if (used := parameters.get("incidents_used")) is not None:
        label += f": {used:,} within {parameters['max_snap_m']:g} m of the streets"
    if parameters.get("window_fallback"):
        return f"{label} (all hours: no incident near the shift's hours)"
    if parameters.get("incidents_with_time") == 0:
        return f"{label} (none has a time of day: the shift's hours do not shape it)"
    return label


#: How the KPI table and the briefing name each kind of way ``officers.avoid`` keeps units off.
AVOIDED = {
    "unlit_after_dark": "unlit ways after dark",
    "private": "private ways",
    "steps": "steps",
}


def avoided_ways(avoid: Collection[str], hint: bool = False) -> str:
    """Name the ways the units keep off (``kpis["routes"]["avoid"]``), or say there are none.

    ``hint``: say how to set them when there are none (for the planner, not the officers).
    """
    if not avoid:
        return "none (set officers.avoid: unlit_after_dark, private, steps)" if hint else "none"
    return ", ".join(AVOIDED[kind] for kind in avoid)


def few_incidents_warning(risk: dict[str, Any]) -> str | None:
    """Say that the plan's risk rests on too few incidents (``kpis["risk"]``), if it does."""
    used = risk["parameters"].get("incidents_used") if risk["method"] == "incidents" else None
    if used is None or used >= FEW_INCIDENTS:
        return None
    message = few_incidents_message(used)
    return message[0].upper() + message[1:] + "."


def kpi_warnings(kpis: dict[str, Any]) -> list[str]:
    """Return what a planner should check before using the plan, read from its KPIs, in order."""
    found = place_warnings(kpis)
    if few := few_incidents_warning(kpis["risk"]):
        found.append(few)
    if kpis["risk"]["window_fallback"]:
        found.append(
            "No incident lies near the shift's hours: the risk uses incidents of all hours."
        )
    found += unit_warnings(kpis)
    posts = kpis["posts"]["solver"]
    if posts and posts["status"] != "OPTIMAL":
        found.append(
            f"Posts solver stopped at {posts['status']} with a {posts['gap']:.1%} gap: "
            "raise the time limit for better posts."
        )
    return found


def place_warnings(kpis: dict[str, Any]) -> list[str]:
    """Return the must-cover places that got no stop, one sentence each."""
    return [
        f"Must-cover place {place['name']} got no stop."
        for place in kpis["must_cover"]
        if not place["stops"]
    ]


def unit_warnings(kpis: dict[str, Any], said: Collection[int] = ()) -> list[str]:
    """Return what the KPIs say of the units' work: stops none makes, spare units, far breaks.

    Units in ``said`` (told of elsewhere: back at the station early) are not named again for
    making no stop.
    """
    found = []
    routes = kpis["routes"]
    if routes["hotspots"] and routes["hotspots_dosed"] == 0:
        found.append("No hot spot gets a stop: lengthen the shift or move the station.")
    idle = [o for o in routes["per_officer"] if o["dwells"] == 0 and o["officer"] not in said]
    if idle:
        who = "Unit(s)" if routes["officers_per_unit"] > 1 else "Officer(s)"
        numbers = ", ".join(str(o["officer"]) for o in idle)
        full = routes["stops_allowed"] is not None and routes["stops"] >= routes["stops_allowed"]
        why = " (every hot spot has its most stops)" if full else ""
        walking = all(o["loop_min"] > 0 for o in idle)
        then = ": they walk loops of streets instead" if walking else ""
        found.append(f"{who} {numbers} make no stop{why}{then}.")
    if note := _spare_units_note(routes):
        found.append(note)
    if note := _far_break_note(routes):
        found.append(note)
    if note := _no_meal_note(kpis):
        found.append(note)
    return found


#: Units working longer than this are owed a break (6 h: the EU and UK working-time rules).
MEAL_DUE_MIN = 360.0


def _no_meal_note(kpis: dict[str, Any]) -> str | None:
    """Say which units work over :data:`MEAL_DUE_MIN` with no meal break, and what to set.

    With no ``officers.meal_break``, one half an hour either side of the shift's middle is
    suggested; with one, its window is to be moved into the units' hours.
    """
    routes = kpis["routes"]
    due = [
        o
        for o in routes["per_officer"]
        if o["break"] is None and o["gone_at"] is None and o["hours_min"] > MEAL_DUE_MIN
    ]
    if not due:
        return None
    who = "Unit(s)" if routes["officers_per_unit"] > 1 else "Officer(s)"
    hours = {round(o["hours_min"] / 60, 1) for o in due}
    span = f"{hours.pop():.1f} h" if len(hours) == 1 else f"up to {max(hours):.1f} h"
    said = f"{who} {', '.join(str(o['officer']) for o in due)} work {span} with no meal break"
    if routes["meal_break_min"] is not None:
        return f"{said}: move officers.meal_break's window into their hours, or widen it."
    try:
        zone: dt.tzinfo | None = ZoneInfo(kpis["shift"]["timezone"])
    except (ValueError, ZoneInfoNotFoundError):  # a fixed offset: the shift's own
        zone = None
    start, end = (dt.datetime.fromisoformat(kpis["shift"][k]) for k in ("start", "end"))
    middle = start.astimezone(dt.UTC) + (end - start) / 2  # real time: a clock change counts
    zone = zone or start.tzinfo
    earliest, latest = ((middle + dt.timedelta(minutes=m)).astimezone(zone) for m in (-30, 30))
    return (
        f"{said}: if they take one, add officers.meal_break, e.g. {{minutes: 30, "
        f'earliest: "{earliest:%H:%M}", latest: "{latest:%H:%M}"}}.'
    )


#: Units walking loops this long while every hot spot has its most stops are said to be spare.
SPARE_LOOPS_MIN = 60.0


def _spare_units_note(routes: dict[str, Any]) -> str | None:
    """Say which units that make stops walk loops an hour or more once every stop is made.

    Every hot spot then has its most stops, so the time of more units than the hot spots need
    goes to loops of streets (units making no stop are said apart). ``routes`` is the plan's
    ``kpis["routes"]``.
    """
    full = routes["stops_allowed"] is not None and routes["stops"] >= routes["stops_allowed"]
    spare = [o for o in routes["per_officer"] if o["dwells"] and o["loop_min"] >= SPARE_LOOPS_MIN]
    if not full or not spare:
        return None
    who = "Unit(s)" if routes["officers_per_unit"] > 1 else "Officer(s)"
    numbers = ", ".join(str(o["officer"]) for o in spare)
    longest_h = max(o["loop_min"] for o in spare) / 60
    return (
        f"{who} {numbers} walk loops of streets for an hour or more (up to {longest_h:.1f} h): "
        "every hot spot has its most stops, so these officers have no more stops to make; "
        "allow more stops or more hot spots (dwell.max_visits, dwell.hotspot_top_percent), "
        "or plan fewer officers."
    )


def _far_break_note(routes: dict[str, Any]) -> str | None:
    """Say which units walk longer to their meal break at the station and on than it lasts.

    A unit eating where it is walks on to its next stop as it would without a break: that
    walk is no cost of the break, so only breaks at the station are said.
    """
    far = [
        o
        for o in routes["per_officer"]
        if o["break"]
        and o["break"]["at_station"]
        and o["break"]["walk_min"] > o["break"]["minutes"]
    ]
    if not far:
        return None
    who = "Unit(s)" if routes["officers_per_unit"] > 1 else "Officer(s)"
    walks = ", ".join(f"{o['officer']} ({o['break']['walk_min']:.0f} min)" for o in far)
    return (
        f"{who} {walks} walk longer to the meal break at the station and on from it than the "
        "break lasts: let units eat where they are (officers.meal_break.at_station: false), "
        "give them a station nearer their hot spots (officers.per_unit), or move the break's "
        "window."
    )


def _routes_solver_line(solver: dict[str, Any]) -> str:
    """``TIME_LIMIT, bound 29.451, gap 39.3 % (the search's last half added 0.8 %)``.

    What the search's last half added tells whether a longer one would close much of the gap,
    or the gap is mostly the bound's slack; said only of a search its limit stopped.
    """
    line = f"{solver['status']}, bound {solver['bound']:.3f}, gap {100 * solver['gap']:.1f} %"
    if solver["status"].endswith("_LIMIT") and "last_half_gain" in solver:
        line += f" (the search's last half added {100 * solver['last_half_gain']:.1f} %)"
    return line


def plan_warnings(plan: Plan) -> list[str]:
    """Things a planner should know before using the plan, in a stable order.

    The warnings the library issued while planning (rows dropped, fallbacks), then the checks
    of its KPIs (:func:`kpi_warnings`), each once: a check that repeats a warning as a sentence
    (a capital, a full stop) is left out.
    """
    said: dict[str, str] = {}
    for warning in [*plan.warnings, *kpi_warnings(plan.kpis)]:
        said.setdefault(as_clause(warning), warning)
    return list(said.values())


def as_clause(sentence: str) -> str:
    """Return a KPI check's sentence as the planner's warnings say it: no capital, no full stop."""
    return (sentence[:1].lower() + sentence[1:]).removesuffix(".")


#: Areas the terminal summary lists; the rest are in ``neighbourhoods.csv``.
TABLE_AREAS = 8
#: Posts the terminal summary lists; all are in ``kpis.json`` and ``plan.geojson``.
TABLE_POSTS = 12


def _neighbourhood_rows(hoods: dict[str, Any]) -> list[tuple[str, str]]:
    """Terminal rows of the exposure per area: risk, presence and officer-minutes shares.

    The riskiest areas first, at most :data:`TABLE_AREAS` of them, then always the streets in
    no area (a gap in the areas given, not an area).
    """
    areas = hoods["areas"]
    if not areas:
        asked = hoods["source"] not in (None, "none")  # areas wanted, none found: say why
        return [("exposure by area", "none: " + " ".join(hoods["notes"]))] if asked else []
    named = [a for a in areas if a["neighbourhood"] != OUTSIDE]
    gap = [a for a in areas if a["neighbourhood"] == OUTSIDE]
    rows = [("exposure by area", f"{len(named)} areas: {hoods['source']}")]
    for area in [*named[:TABLE_AREAS], *gap]:
        ratio = area["presence_per_risk"]
        rows.append(
            (
                f"  {area['neighbourhood']}",
                f"{100 * area['risk_share']:.0f} % of the risk, "
                f"{100 * area['presence_share']:.0f} % of the presence"
                + (f" (x{ratio:.2f})" if ratio is not None else "")
                + f", {area['officer_min']:.0f} officer-min, {counted(area['stops'], 'stop')}",
            )
        )
    if len(named) > TABLE_AREAS:
        rows.append(("", f"... {len(named) - TABLE_AREAS} more in neighbourhoods.csv"))
    return rows


def _stations(plan: Plan) -> list[dict[str, Any]]:
    """Where the units start and end: each station's place name and the units there."""
    return [
        {"place": plan.places[node], "start": roles["start"], "end": roles["end"]}
        for node, roles in station_roles(plan.routes).items()
    ]


def station_lines(stations: list[dict[str, Any]], word: str) -> list[str]:
    """Name the stations (``kpis["routes"]["stations"]``): one, or each with its units.

    ``Snow Hill Police Station (...)``, or ``station (...): start of officers 1, 3; end of
    officers 1, 3`` per station (``word``: officer, or unit for pairs).
    """
    if len(stations) == 1:
        return [stations[0]["place"]]
    lines = []
    for station in stations:
        roles = [
            f"{role} of {numbered(word, station[role])}"
            for role in ("start", "end")
            if station[role]
        ]
        lines.append(f"{station['place']}: {'; '.join(roles)}")
    return lines


def _posts_label(posts: dict[str, Any], routes: dict[str, Any]) -> str:
    """Say how many posts, the officers they would take against those on foot, and their reach."""
    count = posts["count"]
    if not count:
        return "none"
    walking = routes["units"] * routes["officers_per_unit"]
    staff = "one officer each" if count == walking else f"{count} officers, where {walking} walk"
    return (
        f"{count} (an alternative to foot patrol: {staff}), each watching "
        f"{posts['visibility_radius_m']:.0f} m around"
    )


def kpi_table(plan: Plan) -> str:
    """Format the terminal summary: a two-column table of the headline KPIs and step seconds."""
    k = plan.kpis
    rs, ps = k["routes"]["solver"], k["posts"]["solver"]
    rows: list[tuple[str, str]] = [
        ("scenario", f"{k['scenario']} (seed {k['seed']})"),
        ("area", k["area"]),
        ("shift", f"{k['shift']['start']} -> {k['shift']['end']} ({k['shift']['timezone']})"),
        ("streets", f"{k['graph']['street_km']:.1f} km, {k['graph']['segments']} segments"),
        ("risk model", risk_label(k["risk"])),
        ("posts", _posts_label(k["posts"], k["routes"])),
    ]
    posts = k["posts"]["locations"]
    if posts:
        rows.append(("risk covered by posts", f"{100 * k['posts']['risk_covered_share']:.1f} %"))
    for post in posts[:TABLE_POSTS]:
        rows.append(
            (
                f"  post {post['post']}",
                f"{post['place']}, {100 * post['watched_risk']:.1f} % of the risk in sight",
            )
        )
    if len(posts) > TABLE_POSTS:
        rows.append(("", f"... {len(posts) - TABLE_POSTS} more in kpis.json and plan.geojson"))
    if ps:
        rows.append(("posts solver", f"{ps['status']}, gap {100 * ps['gap']:.2f} %"))
    r = k["routes"]
    stations = station_lines(r["stations"], plan.unit_word)
    station_labels = ["station" if len(stations) == 1 else "stations"] + [""] * (len(stations) - 1)
    rows += [
        (
            "units on foot",
            f"{r['units']} x {r['officers_per_unit']} officer(s), "
            f"{100 * r['held_back_share']:.0f} % held back for calls",
        ),
        ("ways avoided", avoided_ways(r["avoid"], hint=True)),
        *zip(station_labels, stations, strict=True),
        ("presence (risk x min)", f"{r['presence_min']:.3f}"),
        ("  of which dwelling", f"{r['dwell_presence_min']:.3f}"),
        (
            "risk in sight of a stop",
            f"{100 * r['risk_in_sight_share']:.1f} % (streets within {r['sight_radius_m']:.0f} m)",
        ),
        (
            "hot spots dosed",
            f"{r['hotspots_dosed']} of {r['hotspots']}, {r['dose_minutes']:.0f} min",
        ),
    ]
    shift = (plan.shift_start, plan.shift_end)
    rows += [("  must cover", line) for line in must_cover_lines(k, shift)]
    for o in r["per_officer"]:
        rows.append(
            (
                f"  {plan.unit_word} {o['officer']}",
                _officer_line(o, shift),
            )
        )
    rows.append(("routes solver", _routes_solver_line(rs)))
    rows += _neighbourhood_rows(k["neighbourhoods"])
    if again := k.get("replan"):
        rows.append(
            (
                "re-planned",
                f"at {clock_label(again['at'], *shift)}: "
                + (
                    f"every {plan.unit_word} is gone, none is left on patrol; "
                    if plan.routes and all(route.gone for route in plan.routes)
                    else f"the rest of the shift for every {plan.unit_word}, "
                )
                + f"{counted(again['stops_kept'], 'stop')} made kept, presence "
                + f"{again['presence_done_min']:.3f} earned before it",
            )
        )
        at = dt.datetime.fromisoformat(again["at"])
        for call in (c for c in again["calls"] if dt.datetime.fromisoformat(c["until"]) >= at):
            rows.append(
                (
                    f"  {plan.unit_word} {call['unit']}",
                    f"call for service {clock_label(call['since'], *shift)}-"
                    f"{clock_label(call['until'], *shift)}, "
                    f"to {call['lat']:.5f}, {call['lon']:.5f}",
                )
            )
        for gone in again.get("gone", []):
            rows.append(
                (
                    f"  {plan.unit_word} {gone['unit']}",
                    f"gone for the rest of the shift from {clock_label(gone['since'], *shift)}",
                )
            )
    rows += [("WARNING", message) for message in kpi_warnings(k)]
    for step, seconds in plan.timings_s.items():
        rows.append((f"seconds: {step}", f"{seconds:.2f}"))
    width = max(len(a) for a, _ in rows)
    return "\n".join(f"{a.ljust(width)}  {b}" for a, b in rows)


def stayed_at_station(o: dict[str, Any]) -> bool:
    """Tell whether a unit (its per-officer KPIs) made no stop and walked nowhere all shift."""
    return not (o["dwells"] or o["km_walked"])


def _officer_line(o: dict[str, Any], shift: tuple[dt.datetime, dt.datetime]) -> str:
    """One unit's line of the KPI table: walked, stops, break and when it is back."""
    stops = counted(o["dwells"], "dwell")
    meal = f"break {clock_label(o['break']['start'], *shift)}, " if o["break"] else ""
    if stayed_at_station(o):
        return f"0.00 km, {stops}, {meal}at the station all shift (no stop left to make)"
    if o.get("gone_at"):
        gone = clock_label(o["gone_at"], *shift)
        return f"{o['km_walked']:.2f} km, {stops}, {meal}gone for the rest of the shift from {gone}"
    back = clock_label(o["back_at_station"], *shift)
    late = f", {math.ceil(o['late_min'])} min late" if o.get("late_min") else ""  # as warned
    return f"{o['km_walked']:.2f} km, {stops}, {meal}back {back}{late}"


#: The figures a re-plan compares with the plan it replaces: label, KPI key, decimals.
REPLAN_FIGURES = (
    ("presence (risk x min)", "presence_min", 3),
    ("stops", "stops", 0),
    ("hot spots dosed", "hotspots_dosed", 0),
    ("minutes at hot spots", "dose_minutes", 0),
)


def replan_change(before: dict[str, Any], after: dict[str, Any]) -> str:
    """How the whole shift changed from the plan being followed to its re-plan (their KPIs).

    Both count the whole shift: the re-plan keeps what was done before it. Calls for service
    cost the stops they kept units from; a re-plan's longer search can win some back.
    """
    lines = ["whole shift              plan followed -> re-planned"]
    for label, old, new, change in replan_change_rows(before, after):
        lines.append(f"  {label:<23}{old:>13} -> {new} ({change})")
    if note := replan_gain_note(before, after):
        lines.append(f"  ({note})")
    return "\n".join(lines)


def replan_gain_note(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """Say why a re-plan's presence can exceed the plan followed's, calls and all; else None.

    A commander would read a rise as calls that cost nothing: the change is what the calls
    cost net of what the re-plan's own search found for the hours left.
    """
    was, now = (round(float(k["routes"]["presence_min"]), 3) for k in (before, after))
    if now <= was:  # as the table shows it: no note for a rise it shows as +0.000
        return None
    return (
        "presence rose: the re-plan's own search found more for the hours left than the plan "
        "followed had, and that outweighed what the calls cost"
    )


def replan_change_rows(
    before: dict[str, Any], after: dict[str, Any]
) -> list[tuple[str, str, str, str]]:
    """Each :data:`REPLAN_FIGURES` of the plan followed and of its re-plan (their KPIs), as text.

    Rows of (label, plan followed, re-planned, signed change), rounded as the figure is.
    """
    was, now = before["routes"], after["routes"]
    rows = []
    for label, key, digits in REPLAN_FIGURES:
        old, new = float(was[key]), float(now[key])
        change = f"{abs(new - old):.{digits}f}"
        sign = "-" if new < old and float(change) > 0 else "+"  # no "-0.000"
        rows.append((label, f"{old:.{digits}f}", f"{new:.{digits}f}", f"{sign}{change}"))
    return rows


def with_followed(plan: Plan, followed: dict[str, Any]) -> Plan:
    """Return a re-plan that keeps the figures of the plan it followed (``followed``: its KPIs).

    They go in ``kpis["replan"]["followed"]`` (the :data:`REPLAN_FIGURES` of its ``routes``), so
    that the re-plan's cost shows beside its own figures wherever the plan goes.
    """
    figures = {key: followed["routes"][key] for _, key, _ in REPLAN_FIGURES}
    again = {**plan.kpis["replan"], "followed": figures}
    return replace(plan, kpis={**plan.kpis, "replan": again})


def followed_kpis(plan: Plan) -> dict[str, Any] | None:
    """Return the KPIs of the plan a re-plan followed, as far as it kept them (or None)."""
    again = plan.kpis.get("replan") or {}
    return {"routes": again["followed"]} if again.get("followed") else None
