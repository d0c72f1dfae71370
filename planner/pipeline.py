"""The one place the steps are wired: scenario -> street graph -> risk -> posts / routes -> plan."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import tzfpy
from pydantic import ValidationError

from planner._memo import Memo
from planner.avoid import avoided_segments, dark_during, walkable_nodes
from planner.coverage import Pieces, street_pieces
from planner.errors import InfeasibleError, ScenarioError, kept_warnings, warn
from planner.evaluate import compute_kpis
from planner.graph import (
    StreetGraph,
    area_file,
    load_street_graph,
    osm_features,
    osm_place_labels,
    place_names,
)
from planner.harm import DEFAULT_EXCLUDED, harm_cautions
from planner.hotspots import Hotspots, find_hotspots, spot_numbers
from planner.incidents import check_distinct_files, load_incidents
from planner.neighbourhoods import Neighbourhoods, from_labels, from_polygons, no_neighbourhoods
from planner.patrol import Patrol
from planner.places import apply_places, forbidden_nodes, forbidden_segments
from planner.plan import Plan, Post, Route, SolveStats, station_roles
from planner.posts import choose_posts
from planner.replan import (
    Followed,
    Resume,
    at_hotspots,
    changed_rules,
    check_inside,
    check_not_before,
    cut_routes,
    joined,
    read_routes,
    resumed,
)
from planner.risk import IncidentModel, RiskMap, incident_risk, terrain_exposure, terrain_risk
from planner.route_legs import credit_kept_walks
from planner.routes import plan_routes, validation_rules
from planner.scenario import Scenario, StationSpec, later, seconds_until, shift_seconds
from planner.settings import Settings
from planner.validate import check_routes
from planner.walks import walk_weights
from planner.window import WindowParams

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

#: A station point farther than this from every street node is outside the area.
STATION_SNAP_M = 250.0

#: A station node this close to a named OSM police station is called by its name.
POLICE_NAME_M = 100.0

#: A unit back at the station this long before its time ends gets a warning saying why.
IDLE_WARN_S = 3600.0

#: Longer foot-patrol shifts are planned with a warning: they are mostly a mistyped hour.
LONG_SHIFT_H = 12.0

STEPS = ("street graph", "risk", "hot spots", "posts", "routes", "plan")


@contextmanager
def _step(name: str, timings: dict[str, float], progress: Progress | None) -> Iterator[None]:
    if progress is not None:
        progress(name, STEPS.index(name), len(STEPS))
    started = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - started
    log.info("%s: %.2f s", name, timings[name])


@contextmanager
def _located(scenario: Scenario, field: str) -> Iterator[None]:
    """Prefix an infeasibility message with the scenario file and the fields to change."""
    try:
        yield
    except InfeasibleError as exc:
        msg = f"{_where(scenario, field)}: {exc}"
        raise InfeasibleError(msg) from None


def _where(scenario: Scenario, field: str) -> str:
    return f"{scenario.source_file or scenario.name}: {field}"


def resolve_station(
    spec: StationSpec,
    graph: StreetGraph,
    features: gpd.GeoDataFrame,
    where: str,
    usable: np.ndarray | None = None,
) -> int:
    """Node position of a station given as an OSM police station, a point or a node id.

    A point or police station snaps to the nearest ``usable`` node (a mask; default every
    node): one the units may walk from, not one reached only by ways they avoid.

    Raises
    ------
    ScenarioError
        If the station is not in the area (message says how far, and what to do).
    """
    among = usable if usable is not None and usable.any() else None
    if spec.node_id is not None:
        pos = int(graph.node_index([spec.node_id])[0])
        if pos < 0:
            msg = (
                f"{where}: node {spec.node_id} is not on the walkable street graph of the area "
                "(absent, or cut off from the main network); give lat/lon instead"
            )
            raise ScenarioError(msg)
        if among is not None and not among[pos]:
            msg = (
                f"{where}: node {spec.node_id} is reached only by ways the units avoid "
                "(officers.avoid: steps, private or unlit ways); give lat/lon instead"
            )
            raise ScenarioError(msg)
        return pos
    if spec.police is not None:
        police = features[features["value"] == "police"]
        if spec.police.lower() != "any":
            police = police[police["name"].fillna("").str.lower().str.contains(spec.police.lower())]
        if len(police) == 0:
            names = sorted(features.loc[features["value"] == "police", "name"].fillna("unnamed"))
            found = f"the area has: {', '.join(names)}" if names else "the area has none in OSM"
            if features.attrs.get("online"):
                found = "online areas bring their streets only, not OSM stations"
            msg = f"{where}: no police station matching '{spec.police}'; {found}; give lat/lon"
            raise ScenarioError(msg)
        police = police.sort_values("name", na_position="last", kind="stable")
        idx, dist = graph.nearest_node(
            police.geometry.x.to_numpy(), police.geometry.y.to_numpy(), among
        )
        near = np.flatnonzero(dist <= STATION_SNAP_M)  # the first, by name, on the streets
        if near.size == 0:
            closest = int(dist.argmin())
            name = police["name"].fillna("unnamed").iloc[closest]
            msg = (
                f"{where}: the police station {name} is {dist[closest]:.0f} m from the nearest "
                f"street of the area's walkable network (more than {STATION_SNAP_M:.0f} m); give "
                "the station's entrance as lat/lon"
            )
            raise ScenarioError(msg)
        return int(idx[near[0]])
    x_m, y_m = graph.project_lonlat(np.array([spec.lon]), np.array([spec.lat]))
    idx, dist = graph.nearest_node(x_m, y_m, among)
    if dist[0] > STATION_SNAP_M:
        lat, lon = graph.nodes["lat"], graph.nodes["lon"]
        msg = (
            f"{where}: ({spec.lat}, {spec.lon}) is {dist[0] / 1000:.1f} km from the "
            f"nearest street of the area ({graph.source}, latitude {lat.min():.4f} to "
            f"{lat.max():.4f}, longitude {lon.min():.4f} to {lon.max():.4f}); put it inside the "
            f"area (within {STATION_SNAP_M:.0f} m of a street) or check that lat and lon are not "
            "swapped"
        )
        raise ScenarioError(msg)
    return int(idx[0])


def _police_names(
    graph: StreetGraph, features: gpd.GeoDataFrame, nodes: set[int], places: dict[int, str]
) -> dict[int, str]:
    """Names of the stations at an OSM police station, e.g. ``"Snow Hill Police Station (...)"``.

    A station node within :data:`POLICE_NAME_M` of a named police station takes its name,
    followed by the streets it has in ``places``.
    """
    police = features[(features["value"] == "police") & features["name"].notna()]
    if police.empty or not nodes:
        return {}
    ids = sorted(nodes)
    xy = graph.nodes.loc[ids, ["x_m", "y_m"]].to_numpy()
    px, py = police.geometry.x.to_numpy(), police.geometry.y.to_numpy()
    dist = np.hypot(xy[:, :1] - px[None, :], xy[:, 1:] - py[None, :])
    names = police["name"].to_numpy()
    return {
        node: f"{names[k]} ({places[node]})"
        for node, k, d in zip(ids, dist.argmin(axis=1), dist.min(axis=1), strict=True)
        if d <= POLICE_NAME_M
    }


def build_risk(
    scenario: Scenario,
    graph: StreetGraph,
    features: gpd.GeoDataFrame,
    pieces: Pieces,
    shift: tuple[dt.datetime, dt.datetime],
) -> RiskMap:
    """Risk from the scenario's incident files when it has any, else the risk-terrain model."""
    spec = scenario.risk
    if scenario.incidents:
        frames, reports = [], []
        exclude = None if spec.harm_exclude is None else set(spec.harm_exclude)
        for caution in harm_cautions(spec.harm_weights_days, exclude, spec.weight_by):
            warn(caution)
        check_distinct_files([incident_spec.path for incident_spec in scenario.incidents])
        for incident_spec in scenario.incidents:
            frame, report = load_incidents(
                incident_spec, harm_overrides=spec.harm_weights_days, exclude=exclude
            )
            if spec.weight_by == "count":
                frame = frame.assign(harm=1.0)
            frames.append(frame.assign(max_snap_m=incident_spec.max_snap_m))
            reports.append(report)
        incidents = pd.concat(frames, ignore_index=True)
        window = WindowParams(spec.tod_bandwidth_h, spec.other_day_weight, spec.half_life_days)
        model = IncidentModel(
            spec.repeat_weight, spec.prior_length_m, spec.neighbourhood_m, spec.prior
        )
        exposure, _ = terrain_exposure(graph, features, pieces, spec.terrain_bandwidth_m)
        risk = incident_risk(
            graph,
            incidents,
            reports,
            incidents["max_snap_m"].to_numpy(),  # each file's own snap distance
            spec.background_share,
            shift,
            window,
            model,
            exposure,
        )
        excluded = DEFAULT_EXCLUDED if exclude is None else exclude
        by_harm = spec.weight_by == "harm"
        harm = {
            "harm_weighted": by_harm,
            "harm_excluded": sorted(excluded),
            "harm_weights_days": dict(spec.harm_weights_days) if by_harm else {},
        }
        return replace(risk, parameters={**risk.parameters, **harm})  # what the plan was made with
    return terrain_risk(graph, features, pieces, spec.terrain_bandwidth_m, spec.background_share)


#: Post solutions of this process by their inputs: a re-plan that changes only the patrol (the
#: app's officer count, say) reuses the posts instead of solving the same covering problem again.
POSTS_MEMO_SIZE = 8
_POSTS: Memo[tuple[np.ndarray, np.ndarray, SolveStats]] = Memo(POSTS_MEMO_SIZE)


def _posts(graph: StreetGraph, risk: RiskMap, pieces: Pieces, *args: object) -> tuple:
    """Call :func:`choose_posts`, remembering the last few answers (same inputs, same posts)."""
    digest = hashlib.blake2b(risk.segment_risk.tobytes(), digest_size=16).hexdigest()
    key = (graph.source, len(graph.segments), digest, *args)
    return _POSTS.get(key, lambda: choose_posts(graph, risk, pieces, *args))


def unit_stations(
    scenario: Scenario,
    graph: StreetGraph,
    features: gpd.GeoDataFrame,
    stations: tuple[int, int],
    shift: tuple[dt.datetime, dt.datetime],
    usable: np.ndarray | None = None,
) -> tuple[tuple[tuple[int, float], ...], tuple[tuple[int, float], ...]]:
    """Per unit, (start node, second) and (end node, second), from ``officers.per_unit``.

    Empty when no unit has its own station or hours (all share the scenario's).

    Raises
    ------
    ScenarioError
        If a unit's station is off the area or its hours are outside the shift.
    """
    officers = scenario.officers
    if not officers.per_unit:
        return (), ()
    shift_s = shift_seconds(*shift)
    starts, ends = [], []
    for k in range(officers.units):
        unit = officers.per_unit[k] if k < len(officers.per_unit) else None
        where = _where(scenario, f"officers.per_unit[{k}]")
        begin, end = 0.0, shift_s
        first, last = stations
        if unit is not None:
            try:
                begin, end = unit.offsets_s(shift[0], shift_s)
            except ValueError as exc:
                msg = f"{where}: {exc}"
                raise ScenarioError(msg) from None
            if unit.station is not None:
                first = resolve_station(unit.station, graph, features, f"{where}.station", usable)
                last = first
            if unit.end_station is not None:
                last = resolve_station(
                    unit.end_station, graph, features, f"{where}.end_station", usable
                )
        starts.append((first, begin))
        ends.append((last, end))
    return tuple(starts), tuple(ends)


def patrol_rules(
    scenario: Scenario,
    graph: StreetGraph,
    risk: RiskMap,
    pieces: Pieces,
    hotspots: Hotspots,
    stations: tuple[int, int],
    shift: tuple[dt.datetime, dt.datetime],
    avoided: frozenset[int],
) -> Patrol:
    """Build the route planner's rules from the scenario's ``officers`` and ``dwell`` sections.

    ``avoided`` are the segments :func:`avoided_ways` keeps the units off.

    Raises
    ------
    ScenarioError
        If the meal break window does not fit in the shift.
    """
    officers, dwell = scenario.officers, scenario.dwell
    shift_s = shift_seconds(*shift)
    planned_dwell_s = dwell.max_minutes * 60
    if dwell.max_minutes_per_spot is not None:
        planned_dwell_s = min(planned_dwell_s, dwell.max_minutes_per_spot * 60)
    window = break_window(scenario, shift)
    break_s = 0.0 if officers.meal_break is None else officers.meal_break.minutes * 60
    return Patrol(
        units=officers.units,
        start_idx=stations[0],
        end_idx=stations[1],
        shift_s=shift_s,
        pace_m_per_s=officers.pace_m_per_s,
        dwell_s=planned_dwell_s,
        max_visits=dwell.max_visits,
        revisit_value=dwell.revisit_value,
        min_gap_s=dwell.min_revisit_gap_minutes * 60,
        max_dwell_s_per_spot=(
            None if dwell.max_minutes_per_spot is None else dwell.max_minutes_per_spot * 60
        ),
        break_s=break_s,
        break_window_s=window,
        break_at_station=officers.meal_break is None or officers.meal_break.at_station,
        held_back_share=officers.held_back_share,
        avoided=avoided,
        koper_curve=tuple(tuple(p) for p in dwell.koper_curve),
        hourly=risk.hourly_profile(hotspots.watched, pieces),
        sight_m=dwell.visibility_radius_m,
    )


def avoided_ways(
    scenario: Scenario, graph: StreetGraph, shift: tuple[dt.datetime, dt.datetime]
) -> frozenset[int]:
    """Segments the units keep off under ``officers.avoid`` (unlit ways only after dusk)."""
    avoid = scenario.officers.avoid
    lat, lon = float(graph.nodes["lat"].mean()), float(graph.nodes["lon"].mean())
    dark = "unlit_after_dark" in avoid and dark_during(lat, lon, *shift)
    return avoided_segments(graph, list(avoid), dark)


#: Share of streets without a ``lit`` tag above which avoiding unlit ways is said to do little.
UNTAGGED_LIGHT_SHARE = 0.5


def _warn_untagged_light(scenario: Scenario, graph: StreetGraph, avoided: frozenset[int]) -> None:
    """Warn when ``unlit_after_dark`` can do little: most streets carry no ``lit`` tag."""
    if "unlit_after_dark" not in scenario.officers.avoid or "lit" not in graph.segments:
        return
    lit = graph.segments["lit"]
    untagged = int(lit.isna().sum() + (lit == "").sum())
    if untagged > UNTAGGED_LIGHT_SHARE * len(lit):
        unlit = int((lit == "no").sum())
        warn(
            f"{_where(scenario, 'officers.avoid')}: unlit_after_dark can keep the units off only "
            f"the {unlit} of {len(lit)} streets tagged lit=no in OSM; {untagged} carry no lit "
            "tag and are walked as if lit (the shift's avoided ways: "
            f"{len(avoided)} streets)"
        )


def with_places(
    patrol: Patrol, graph: StreetGraph, scenario: Scenario, must_cover: np.ndarray
) -> Patrol:
    """Add the scenario's forbidden zones to the avoided ways and its must-cover hot spots."""
    avoided = patrol.avoided | forbidden_segments(graph, scenario.places.forbidden)
    return replace(patrol, avoided=avoided, must_cover=tuple(int(i) for i in must_cover))


def break_window(
    scenario: Scenario, shift: tuple[dt.datetime, dt.datetime] | None = None
) -> tuple[float, float]:
    """Seconds into the shift within which the meal break must start ((0, inf) without one).

    Without the ``shift``'s start and end, its clock times on its next day in its own time zone
    (UTC when it has none) are used: enough to check the break before any planning. With them,
    a window cut to the shift (see :meth:`BreakSpec.offsets_s`) is said in a warning.

    Raises
    ------
    ScenarioError
        If the meal break window does not fit in the shift.
    """
    meal = scenario.officers.meal_break
    if meal is None:
        return 0.0, math.inf
    planning = shift is not None
    if shift is None:
        shift = scenario.shift.window("UTC", dt.date.today())
    try:
        begin, end = meal.offsets_s(shift[0], shift_seconds(*shift))
    except ValueError as exc:
        msg = f"{_where(scenario, 'officers.meal_break')}: {exc}"
        raise ScenarioError(msg) from None
    given = (seconds_until(shift[0], meal.earliest), seconds_until(shift[0], meal.latest))
    if planning and (begin, end) != given:
        warn(
            f"the meal break window {meal.earliest:%H:%M}-{meal.latest:%H:%M} is cut to "
            f"{later(shift[0], begin):%H:%M}-{later(shift[0], end):%H:%M}, where a "
            f"{meal.minutes:.0f} min break starts and ends within the shift"
        )
    return begin, end


def shift_window(
    scenario: Scenario, graph: StreetGraph, today: dt.date | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """Return the shift's aware start and end, in the scenario's time zone or the area's own.

    ``today`` is the reference day of a ``weekday`` shift; by default today in that zone.
    """
    zone = _shift_zone(scenario, graph)
    try:
        return scenario.shift.window(zone, today or dt.datetime.now(ZoneInfo(zone)).date())
    except ScenarioError as exc:  # a clock time the clocks skip that night
        msg = f"{scenario.source_file or scenario.name}: {exc}"
        raise ScenarioError(msg) from None


def local_today(scenario: Scenario, graph: StreetGraph) -> dt.date:
    """Today in the shift's time zone (the scenario's, else the area's)."""
    return dt.datetime.now(ZoneInfo(_shift_zone(scenario, graph))).date()


def _shift_zone(scenario: Scenario, graph: StreetGraph) -> str:
    """Return the shift's IANA time zone: the scenario's, else the area's."""
    return scenario.shift.timezone or _area_zone(graph)


def _area_zone(graph: StreetGraph) -> str:
    """IANA time zone at the middle of the area (``Etc/GMT...`` at sea)."""
    return tzfpy.get_tz(float(graph.nodes["lon"].mean()), float(graph.nodes["lat"].mean()))


def warn_odd_shift(start: dt.datetime, end: dt.datetime, graph: StreetGraph) -> None:
    """Warn of a shift longer than :data:`LONG_SHIFT_H` or in another zone than the area's."""
    area_zone = _area_zone(graph)
    hours = shift_seconds(start, end) / 3600
    if hours > LONG_SHIFT_H:
        warn(
            f"the shift lasts {hours:.1f} h ({start:%a %H:%M} to {end:%a %H:%M}); check "
            "shift.start and shift.end (an end before the start is on the next day)",
            stacklevel=2,
        )
    there = start.astimezone(ZoneInfo(area_zone))
    if there.utcoffset() != start.utcoffset():
        warn(
            f"shift.timezone {start.tzinfo} is not the area's time zone ({area_zone}): the "
            f"shift starts at {there:%H:%M} there; remove shift.timezone or set {area_zone}",
            stacklevel=2,
        )


@dataclass(frozen=True, slots=True)
class Area:
    """A loaded area: its street graph and OSM point features. Read-only; safe to cache."""

    graph: StreetGraph
    features: gpd.GeoDataFrame
    labels: gpd.GeoDataFrame  # OSM place labels (suburbs, neighbourhoods)


def load_area(scenario: Scenario, settings: Settings | None = None) -> Area:
    """Load the street graph, OSM features and place labels of a scenario's area (cacheable)."""
    graph = load_street_graph(scenario.area, settings or Settings())
    return Area(graph, osm_features(scenario.area, graph), osm_place_labels(scenario.area, graph))


def neighbourhoods_of(scenario: Scenario, area: Area, pieces: Pieces) -> Neighbourhoods:
    """Return the areas the plan's exposure is reported for (``neighbourhoods`` in the scenario)."""
    spec = scenario.neighbourhoods
    if spec.source == "file" and spec.path is not None:
        where = str(scenario.source_file or scenario.name)
        return from_polygons(area.graph, pieces, spec.path, spec.name_column, where)
    if spec.source == "none":
        return no_neighbourhoods(area.graph, pieces, "none", ("neighbourhoods.source is none",))
    if area_file(scenario.area) is None:
        why = (
            "an area fetched online brings no OSM place labels; give your own areas with "
            "neighbourhoods.source: file"
        )
        return no_neighbourhoods(area.graph, pieces, "OSM place labels", (why,))
    return from_labels(area.graph, pieces, area.labels)


def run(
    scenario: Scenario,
    settings: Settings | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
    area: Area | None = None,
    resume: Resume | None = None,
    start_from: Sequence[Route] = (),
) -> Plan:
    """Plan a shift, or the rest of it.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (see :func:`planner.scenario.load_scenario`).
    settings : Settings, optional
        Machine-level options.
    progress : callable, optional
        Called as ``progress(step_name, step_number, step_count)`` before each step.
    today : datetime.date, optional
        Reference day for a ``weekday`` shift; defaults to today in the shift's time zone.
    area : Area, optional
        The scenario's area from :func:`load_area`, when the caller keeps it (the app caches
        it); it is never modified.
    resume : Resume, optional
        Re-plan the rest of the shift from where the units are (see :mod:`planner.replan`).
    start_from : sequence of Route, optional
        Routes of another plan of the same area, shift and hot spots (e.g. with fewer
        officers): the route search starts from their stops, unit by unit, and keeps at least
        their value when the units can walk them.

    Returns
    -------
    Plan
    """
    with kept_warnings() as issued:
        plan = _run(scenario, settings or Settings(), progress, today, area, resume, start_from)
        return replace(plan, warnings=tuple(issued))


def _run(
    scenario: Scenario,
    settings: Settings,
    progress: Progress | None,
    today: dt.date | None,
    area: Area | None,
    resume: Resume | None,
    start_from: Sequence[Route] = (),
) -> Plan:
    """Run the steps of :func:`run` (its warnings kept by the caller)."""
    timings: dict[str, float] = {}
    with _step("street graph", timings, progress):
        area = area or load_area(scenario, settings)
        graph, features = area.graph, area.features
        start, end = shift_window(scenario, graph, today)
        if resume is None:  # a re-plan's shift was planned, and warned of, already
            warn_odd_shift(start, end, graph)
        officers = scenario.officers
        avoided = avoided_ways(scenario, graph, (start, end))
        usable = walkable_nodes(graph, avoided)
        if resume is None:
            _warn_untagged_light(scenario, graph, avoided)
        start_idx = resolve_station(
            officers.station, graph, features, _where(scenario, "officers.station"), usable
        )
        end_spec = officers.end_station or officers.station
        end_idx = resolve_station(
            end_spec, graph, features, _where(scenario, "officers.end_station"), usable
        )
        units = unit_stations(scenario, graph, features, (start_idx, end_idx), (start, end), usable)
    with _step("risk", timings, progress):
        pieces = street_pieces(graph)
        hoods = neighbourhoods_of(scenario, area, pieces)
        risk = build_risk(scenario, graph, features, pieces, (start, end))
    with _step("hot spots", timings, progress):
        dwell = scenario.dwell
        hotspots = find_hotspots(
            graph,
            risk,
            pieces,
            dwell.visibility_radius_m,
            dwell.hotspot_top_percent,
            dwell.hotspot_min_separation_m,
        )
        places = scenario.places
        hotspots, must_cover = apply_places(
            hotspots, graph, pieces, places.must_cover, places.forbidden, _where(scenario, "places")
        )
    solver = scenario.solver
    posts_stats = None
    post_idx, watched = np.zeros(0, dtype=np.int64), np.zeros(0)
    with _step("posts", timings, progress):
        if scenario.posts.count > 0:
            post_idx, watched, posts_stats = _posts(
                graph,
                risk,
                pieces,
                scenario.posts.count,
                scenario.posts.visibility_radius_m,
                solver.time_limit_s,
                solver.seed,
                settings.cpsat_workers,
                settings.cpsat_work_limit,
                tuple(np.flatnonzero(forbidden_nodes(graph, places.forbidden)).tolist()),
            )
            _warn_few_posts(scenario, len(post_idx))
    with _step("routes", timings, progress), _located(scenario, "shift / officers"):
        patrol = patrol_rules(
            scenario, graph, risk, pieces, hotspots, (start_idx, end_idx), (start, end), avoided
        )
        patrol = replace(patrol, starts=units[0], ends=units[1])
        if resume is None:
            _warn_unit_break_windows(patrol, start, _where(scenario, "officers.per_unit"))
        patrol = with_places(patrol, graph, scenario, must_cover)
        rules = validation_rules(graph, hotspots, patrol, dwell.min_minutes * 60)
        if resume is not None:
            resume = at_hotspots(resume, graph.nodes.index[hotspots.node_idx], graph)
            planned_from = {k + 1: when for k, (_node, when) in enumerate(resume.starts)}
            rules = replace(rules, planned_from_s=planned_from)
            patrol = resumed(patrol, resume, graph, hotspots)
            weight = walk_weights(graph, risk.segment_risk, patrol)
            resume = replace(resume, kept=credit_kept_walks(resume.kept, weight, patrol))
            ends = {k + 1: (int(graph.nodes.index[n]), t) for k, (n, t) in enumerate(patrol.ends)}
            excused = patrol.break_done - resume.break_taken()
            # a unit a call took far may be back late, or have lost its meal break's window
            rules = replace(rules, ends=ends, break_excused=frozenset(excused))
        routes, routes_stats = plan_routes(
            graph,
            risk,
            hotspots,
            patrol,
            solver.time_limit_s,
            solver.seed,
            solver.route_iterations,
            _spots_of(start_from, graph, hotspots),
        )
        if resume is not None:
            routes, routes_stats = joined(resume, routes, routes_stats)
        log.info(
            "routes: presence %.4g, bound %.4g, %s after %s search iterations",
            routes_stats.objective,
            routes_stats.bound,
            routes_stats.status,
            routes_stats.parameters.get("iterations"),
        )
        check_routes(routes, graph, rules)
    with _step("plan", timings, progress):
        ids = graph.nodes.index
        used = {int(ids[start_idx]), int(ids[end_idx]), *(int(ids[i]) for i in post_idx)}
        used |= {leg.to_node for r in routes for leg in r.legs}
        used |= {leg.from_node for r in routes for leg in r.legs}
        places = place_names(graph, sorted(used))
        at_stations = set(station_roles(routes)) | {int(ids[start_idx])}
        police = _police_names(graph, features, at_stations, places)
        places |= {n: f"station ({places[n]})" for n in at_stations - set(police)} | police
        given: dict[int, list[str]] = {}  # the commander's names first, then the streets
        for spec, spot in zip(scenario.places.must_cover, must_cover, strict=True):
            if spec.name:
                given.setdefault(int(ids[hotspots.node_idx[spot]]), []).append(spec.name)
        places |= {
            n: f"{' / '.join(names)} ({places[n]})" for n, names in given.items() if n in places
        }
        posts = tuple(
            Post(
                node=int(ids[i]),
                lon=float(graph.nodes["lon"].iat[i]),  # noqa: PD009 scalar by position
                lat=float(graph.nodes["lat"].iat[i]),  # noqa: PD009 scalar by position
                place=places[int(ids[i])],
                watched_risk=float(w),
            )
            for i, w in zip(post_idx, watched, strict=True)
        )
        plan = Plan(
            scenario=scenario,
            graph=graph,
            risk=risk,
            hotspots=hotspots,
            shift_start=start,
            shift_end=end,
            routes=tuple(routes),
            posts=posts,
            routes_stats=routes_stats,
            posts_stats=posts_stats,
            places=places,
            kpis={},  # filled below, from the plan itself
            timings_s=timings,
            patrol=patrol,
            neighbourhoods=hoods,
        )
        plan = replace(plan, kpis=compute_kpis(plan))
        if resume is None:
            _warn_idle_units(plan)
        return plan


def _warn_few_posts(scenario: Scenario, placed: int) -> None:
    """Warn when fewer posts stand than asked: the other sites would watch no risk."""
    posts = scenario.posts
    if placed < posts.count:
        warn(
            f"{_where(scenario, 'posts.count')}: {placed} of {posts.count} posts placed: only "
            f"{placed} street crossings or ends watch any risk within "
            f"{posts.visibility_radius_m:g} m, so further posts would watch nothing; lower "
            "posts.count or widen posts.visibility_radius_m",
            stacklevel=3,
        )


def _warn_unit_break_windows(patrol: Patrol, start: dt.datetime, where: str) -> None:
    """Warn of each unit whose own hours cut its meal break window short, or leave none."""
    if patrol.break_s <= 0:
        return
    earliest, latest = patrol.break_window_s

    def clock(second: float) -> str:
        return f"{later(start, second):%H:%M}"

    span = f"{clock(earliest)}-{clock(latest)}"
    for k, ((_, begin), (_, end)) in enumerate(
        zip(patrol.unit_starts(), patrol.unit_ends(), strict=True)
    ):
        hours = f"unit {k + 1} works {clock(begin)}-{clock(end)}"
        if patrol.outside_break_window(k):
            warn(
                f"{where}: {hours}, which leaves no room for the {patrol.break_s / 60:.0f} min "
                f"meal break in its window {span}: it takes none",
                stacklevel=3,
            )
        elif begin > earliest or end - patrol.break_s < latest:
            first, last = max(begin, earliest), min(latest, end - patrol.break_s)
            warn(
                f"{where}: {hours}, so its meal break starts between {clock(first)} and "
                f"{clock(last)}, the part of the meal break window {span} in its hours",
                stacklevel=3,
            )


def _spots_of(routes: Sequence[Route], graph: StreetGraph, hotspots: Hotspots) -> list[list[int]]:
    """Per route, the hot spots (indices into ``hotspots``) of its stops, found by their node."""
    spot_of = spot_numbers(graph, hotspots)
    return [[spot_of[leg.to_node] for leg in r.dwells if leg.to_node in spot_of] for r in routes]


def idle_units(routes_kpis: dict[str, Any]) -> list[tuple[int, float]]:
    """Units back at the station :data:`IDLE_WARN_S` or more before their time ends.

    ``routes_kpis`` is a plan's ``kpis["routes"]``; returns (unit, seconds early) pairs.
    """
    early = [(o["officer"], o["back_early_min"] * 60) for o in routes_kpis["per_officer"]]
    return [(unit, s) for unit, s in early if s >= IDLE_WARN_S]


def all_stops_made(routes_kpis: dict[str, Any]) -> bool:
    """Whether every hot spot got its most stops, so more officers could only walk.

    ``routes_kpis`` is a plan's ``kpis["routes"]``.
    """
    allowed = routes_kpis["stops_allowed"]
    return allowed is not None and routes_kpis["stops"] >= allowed


def _warn_idle_units(plan: Plan) -> None:
    """Warn when units are back at the station long before their time ends, and say why."""
    if message := idle_message(plan):
        warn(message, stacklevel=3)


def idle_message(plan: Plan) -> str | None:
    """Which units are back at the station long before their time ends, and why (or None)."""
    assert plan.patrol is not None
    routes = plan.kpis["routes"]
    idle = idle_units(routes)
    if not idle:
        return None
    spots, dosed = routes["hotspots"], routes["hotspots_dosed"]
    if all_stops_made(routes):
        allowed = plan.patrol.visits_allowed()
        why = (
            f"every one of the {spots} hot spots has its {allowed} "
            f"stop{'s' if allowed != 1 else ''} "
            "(dwell.max_visits, dwell.max_minutes_per_spot): fewer officers would do, or allow "
            "more stops, or more hot spots (dwell.hotspot_top_percent)"
        )
    elif plan.routes_stats.status not in ("OPTIMAL", "FEASIBLE") and dosed < spots:
        solver = plan.scenario.solver
        why = (
            f"{spots - dosed} of {spots} hot spots got no stop "
            f"when the search stopped at its limit ({solver.time_limit_s:g} s"
            + (f", {solver.route_iterations} iterations" if solver.route_iterations else "")
            + "): a longer search (solver.time_limit_s; --time-limit on the command line) may "
            "fit more stops; otherwise none fits their time (revisit gap, distance, shift end)"
        )
    else:
        why = "no further stop fits their time (revisit gap, distance, shift end)"
    units = ", ".join(f"{plan.unit_word} {k} ({s / 3600:.1f} h early)" for k, s in idle)
    return f"back at the station with time left: {units}: {why}"


def replan(
    scenario: Scenario,
    routes_file: Path,
    at: dt.time,
    positions: dict[int, tuple[float, float]] | None = None,
    settings: Settings | None = None,
    area: Area | None = None,
    away_since: dict[int, dt.time] | None = None,
) -> Plan:
    """Re-plan the rest of a shift from a plan's ``routes.json``.

    Parameters
    ----------
    scenario : Scenario
        The scenario the plan was made from (its rules apply to the rest of the shift).
    routes_file : Path
        ``routes.json`` of the plan being followed.
    at : datetime.time
        Local clock time of the re-plan, inside the shift.
    positions : dict, optional
        Unit number -> (lat, lon) where the unit actually is (e.g. after a call for service);
        units not listed are where the plan has them.
    settings, area
        As for :func:`run`.
    away_since : dict, optional
        Unit number -> local clock time it left the plan (e.g. sent to a call for service);
        the stops it was to make from then on are dropped. Each such unit needs a position.
        Without it, a unit placed elsewhere left the plan during the leg under way at ``at``.

    Raises
    ------
    ScenarioError
        If the time is outside the shift, a position is off the area, the file is not a plan,
        or the plan was made from another scenario, another shift (day, hours or time zone),
        other stations or other rules for what was already walked, or a stop already made is
        no longer at a hot spot.
    """
    followed = read_routes(routes_file)
    start, routes = followed.shift_start, followed.routes
    if followed.scenario != scenario.name:
        msg = (
            f"{routes_file}: this plan was made from scenario '{followed.scenario}', not "
            f"'{scenario.name}'; give that scenario, or with --plan the folder of a plan made "
            f"from '{scenario.name}'"
        )
        raise ScenarioError(msg)
    if changed := changed_rules(followed.rules, scenario):
        msg = (
            f"{routes_file}: the stops and walks already made followed other rules than the "
            f"scenario's now ({'; '.join(changed)}); re-plan with the values the plan was made "
            "with, or make a new plan"
        )
        raise ScenarioError(msg)
    # The plan being followed decides how many units there are.
    count = len(routes) * scenario.officers.unit_size
    before = ()
    if scenario.officers.count != count:
        before = (
            f"re-planning the {len(routes)} units of the plan being followed ({count} officers; "
            f"the scenario says {scenario.officers.count})",
        )
        warn(before[0], stacklevel=2)
    if followed.timezone:  # refuse a time outside the plan before loading the map
        local = start.astimezone(ZoneInfo(followed.timezone))
        check_inside(routes, seconds_until(local, at), local)
        check_not_before(followed, seconds_until(local, at), local, routes_file)
    specs = {unit: _position_spec(unit, lat, lon) for unit, (lat, lon) in (positions or {}).items()}
    officers = scenario.officers.model_copy(update={"count": count})
    scenario = scenario.model_copy(update={"officers": officers})
    area = area or load_area(scenario, settings)
    graph = area.graph
    window = shift_window(scenario, graph, start.date())
    _check_window(followed, window, routes_file)
    at_s = seconds_until(window[0], at)
    check_inside(routes, at_s, window[0])
    check_not_before(followed, at_s, window[0], routes_file)
    nodes = {}
    usable = walkable_nodes(graph, avoided_ways(scenario, graph, window))
    for unit, spec in specs.items():
        pos = resolve_station(spec, graph, area.features, f"position of unit {unit}", usable)
        nodes[unit] = int(graph.nodes.index[pos])
    away = away_since or {}
    made_s = followed.replanned_s or 0.0  # what the plan followed recorded as done stays done
    away_s = {
        unit: _left_s(unit, window[0], clock, (at_s, made_s), at) for unit, clock in away.items()
    }
    resume = cut_routes(routes, at_s, graph, nodes, away_s)
    before = (*before, *_earlier_calls(resume, away, away_s, window[0]))
    # the search starts from the stops still ahead of the units the call left on their routes,
    # so the re-plan is never worse than following the plan when it is still feasible
    ahead = [
        Route(r.officer, tuple(leg for leg in r.dwells if leg.start_s >= at_s - 1e-6))
        if r.officer not in nodes and r.officer not in away
        else Route(r.officer, ())
        for r in sorted(routes, key=lambda r: r.officer)
    ]
    plan = run(scenario, settings, today=start.date(), area=area, resume=resume, start_from=ahead)
    variant = followed.label.split("re-planned at")[0].rstrip(", ")  # e.g. "variant 2 of 3"
    label = f"{variant}{', ' if variant else ''}re-planned at {at:%H:%M}"
    kpis = {**plan.kpis, "replan": _replan_kpis(plan, resume)}
    return replace(
        plan, label=label, replanned_s=at_s, kpis=kpis, warnings=(*before, *plan.warnings)
    )


def _earlier_calls(
    resume: Resume, away: dict[int, dt.time], away_s: dict[int, float], start: dt.datetime
) -> tuple[str, ...]:
    """Warn of each call shown from before the time its unit left the plan; the messages.

    A stop cut short by the call is not counted, nor free time after the last thing done, so
    the call runs from the end of the last stop or walk the unit finished.
    """
    messages = []
    for unit, left_s in sorted(away_s.items()):
        legs = resume.kept[unit - 1]
        at = max(i for i, leg in enumerate(legs) if leg.kind == "call")  # this re-plan's call
        if legs[at].start_s < left_s - 60.0:
            since = "the end of the last stop or walk it finished" if at else "its route's start"
            message = (
                f"unit {unit} left the plan at {away[unit]:%H:%M}; its call for service is "
                f"shown from {later(start, legs[at].start_s):%H:%M}, {since} (a stop cut short "
                "is not counted)"
            )
            warn(message, stacklevel=3)
            messages.append(message)
    return tuple(messages)


def _left_s(
    unit: int, start: dt.datetime, left: dt.time, span_s: tuple[float, float], at: dt.time
) -> float:
    """Seconds into the shift at which ``unit`` left the plan.

    ``span_s`` is (the re-planning second, the second the plan followed was made at, 0 for a
    first plan); the time must lie between them.
    """
    at_s, made_s = span_s
    left_s = seconds_until(start, left)
    if left_s > at_s:
        msg = (
            f"unit {unit} left the plan at {left:%H:%M}, after the re-plan at {at:%H:%M} (or "
            f"before the shift began at {start:%H:%M}); give a time between the two"
        )
        raise ScenarioError(msg)
    if left_s < made_s - 1e-6:
        made = later(start, made_s)
        msg = (
            f"unit {unit} left the plan at {left:%H:%M}, before the plan followed was re-planned "
            f"at {made:%H:%M}: what was recorded then would be lost; give a time from "
            f"{made:%H:%M} on, or with --plan the plan it was made from"
        )
        raise ScenarioError(msg)
    return left_s


def _replan_kpis(plan: Plan, resume: Resume) -> dict[str, Any]:
    """Return what a re-plan kept and where its calls for service took the units."""
    nodes = plan.graph.nodes
    calls = [
        {
            "unit": unit,
            "since": plan.at(leg.start_s).isoformat(timespec="seconds"),
            "until": plan.at(leg.end_s).isoformat(timespec="seconds"),
            "lat": round(float(nodes.loc[leg.to_node, "lat"]), 6),
            "lon": round(float(nodes.loc[leg.to_node, "lon"]), 6),
        }
        for unit, legs in enumerate(resume.kept, start=1)
        for leg in legs
        if leg.kind == "call"
    ]
    return {
        "at": plan.at(resume.at_s).isoformat(timespec="seconds"),
        "stops_kept": len(resume.done_stops()),
        "calls": calls,
    }


def _check_window(
    followed: Followed, window: tuple[dt.datetime, dt.datetime], routes_file: Path
) -> None:
    """Raise :class:`ScenarioError` unless the plan followed is for the scenario's shift."""
    start, end = window
    same_end = followed.shift_end is None or followed.shift_end == end
    if followed.shift_start == start and same_end:
        return
    was = followed.shift_start.isoformat(timespec="minutes")
    if followed.shift_end is not None:
        was += f" to {followed.shift_end.isoformat(timespec='minutes')}"
    msg = (
        f"{routes_file}: the plan being followed is for the shift {was}, but the scenario's "
        f"shift is {start.isoformat(timespec='minutes')} to {end.isoformat(timespec='minutes')}; "
        "re-plan with the scenario the plan was made from, or make a new plan for the new shift"
    )
    raise ScenarioError(msg)


def _position_spec(unit: int, lat: float, lon: float) -> StationSpec:
    """Return a unit's reported position as a station point, checked by :class:`StationSpec`."""
    try:
        return StationSpec(lat=lat, lon=lon)
    except ValidationError:
        msg = f"position of unit {unit}: ({lat}, {lon}) is not a latitude, longitude pair"
        raise ScenarioError(msg + "; give degrees, latitude first, e.g. 60.1702,24.9411") from None
