"""The one place the steps are wired: scenario -> street graph -> risk -> posts / routes -> plan."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.avoid import walkable_nodes
from planner.coverage import Pieces, street_pieces
from planner.errors import InfeasibleError, ScenarioError, kept_warnings, warn
from planner.evaluate import compute_kpis
from planner.far_trips import warn_far_trips
from planner.graph import (
    StreetGraph,
    area_file,
    load_street_graph,
    osm_features,
    osm_place_labels,
)
from planner.harm import DEFAULT_EXCLUDED, harm_cautions, idle_weights
from planner.hotspots import Hotspots, find_hotspots, spot_numbers
from planner.idle import warn_idle_units
from planner.incidents import check_incident_files, load_incident_files
from planner.memo import Memo
from planner.neighbourhoods import Neighbourhoods, from_labels, from_polygons, no_neighbourhoods
from planner.patrol import Patrol
from planner.patrol_rules import (
    avoided_ways,
    patrol_rules,
    staggered_breaks,
    warn_unit_break_windows,
    warn_untagged_light,
    with_places,
)
from planner.places import apply_places, check_stations_clear, forbidden_nodes
from planner.plan import Plan, Post, Route, SolveStats, station_roles
from planner.posts import choose_posts, posts_needed
from planner.replan import Resume, at_hotspots, joined, resumed
from planner.risk import IncidentModel, RiskMap, incident_risk, terrain_exposure, terrain_risk
from planner.route_legs import credit_kept_stops, credit_kept_walks
from planner.routes import break_rules, plan_routes, validation_rules
from planner.scenario import AreaSpec, Scenario, check_is_scenario
from planner.settings import Settings
from planner.stations import (
    break_window,
    named_stations,
    police_names,
    resolve_station,
    scenario_field,
    shift_window,
    unit_stations,
    warn_odd_shift,
)
from planner.street_names import place_names
from planner.validate import Rules, check_routes
from planner.walks import walk_weights
from planner.window import WindowParams

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

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
        msg = f"{scenario_field(scenario, field)}: {exc}"
        raise InfeasibleError(msg) from None


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
        frames = []
        exclude = None if spec.harm_exclude is None else set(spec.harm_exclude)
        excluded = DEFAULT_EXCLUDED if exclude is None else exclude
        for caution in harm_cautions(spec.harm_weights_days, exclude, spec.weight_by):
            warn(caution)
        loaded, reports = load_incident_files(
            scenario.incidents,
            harm_overrides=spec.harm_weights_days,
            exclude=exclude,
            timezone=str(shift[0].tzinfo),  # the clock the shift and its risk window are on
        )
        for incident_spec, frame in zip(scenario.incidents, loaded, strict=True):
            if spec.weight_by == "count":
                frame = frame.assign(harm=1.0)
            frames.append(frame.assign(max_snap_m=incident_spec.max_snap_m))
        incidents = pd.concat(frames, ignore_index=True)
        if spec.weight_by == "harm" and (
            idle := idle_weights(spec.harm_weights_days, excluded, incidents["category"])
        ):
            warn(idle)
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
        by_harm = spec.weight_by == "harm"
        harm = {
            "harm_weighted": by_harm,
            "harm_excluded": sorted(excluded),
            "harm_weights_days": dict(spec.harm_weights_days) if by_harm else {},
            "type_categories": {  # offence types the scenario put in categories, by file
                inc.path.name: dict(inc.type_categories)
                for inc in scenario.incidents
                if inc.type_categories
            },
        }
        return replace(risk, parameters={**risk.parameters, **harm})  # what the plan was made with
    return terrain_risk(graph, features, pieces, spec.terrain_bandwidth_m, spec.background_share)


#: Post solutions of this process by their inputs: a re-plan that changes only the patrol (the
#: app's officer count, say) reuses the posts instead of solving the same covering problem again.
POSTS_MEMO_SIZE = 8
_POSTS: Memo[tuple[np.ndarray, np.ndarray, SolveStats]] = Memo(POSTS_MEMO_SIZE)


def _posts(
    graph: StreetGraph,
    risk: RiskMap,
    given: tuple[object, ...],
    solve: Callable[[], tuple[np.ndarray, np.ndarray, SolveStats]],
) -> tuple[np.ndarray, np.ndarray, SolveStats]:
    """Call ``solve`` (:func:`choose_posts` with ``given``), remembering the last few answers."""
    digest = hashlib.blake2b(risk.segment_risk.tobytes(), digest_size=16).hexdigest()
    return _POSTS.get((graph.source, len(graph.segments), digest, *given), solve)


@dataclass(frozen=True, slots=True)
class Area:
    """A loaded area: its street graph and OSM point features. Read-only; safe to cache."""

    graph: StreetGraph
    features: gpd.GeoDataFrame
    labels: gpd.GeoDataFrame  # OSM place labels (suburbs, neighbourhoods)
    spec: AreaSpec | None = None  # the scenario area it was loaded for (None: not known)


#: Areas read from local map files by this process, by their spec and the file's size and time:
#: a second plan of the same area (a re-plan, a staffing comparison, a notebook's next scenario)
#: does not read and build the map again. Online areas are not kept (osmnx keeps their replies).
AREA_MEMO_SIZE = 2
_AREAS: Memo[Area] = Memo(AREA_MEMO_SIZE)


def load_area(scenario: Scenario, settings: Settings | None = None) -> Area:
    """Load the street graph, OSM features and place labels of a scenario's area (cacheable)."""
    check_is_scenario(scenario, "load_area")
    settings = settings or Settings()
    spec = scenario.area

    def load() -> Area:
        graph = load_street_graph(spec, settings)
        return Area(graph, osm_features(spec, graph), osm_place_labels(spec, graph), spec)

    path = area_file(spec)
    if path is None or not path.is_file():  # online, or a missing file: its loader says so
        return load()
    state = path.stat()  # the settings only serve online areas: not part of the key
    key = (spec.model_dump_json(), str(path.resolve()), state.st_size, state.st_mtime_ns)
    return _AREAS.get(key, load)


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
    now: dt.datetime | None = None,
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
        Reference day for a ``weekday`` shift (its next occurrence, today included); without
        it, the first occurrence that has not ended by ``now``.
    area : Area, optional
        The scenario's area from :func:`load_area`, when the caller keeps it (the app caches
        it); it is never modified.
    resume : Resume, optional
        Re-plan the rest of the shift from where the units are (see :mod:`planner.replan`).
    start_from : sequence of Route, optional
        Routes of another plan of the same area, shift and hot spots (e.g. with fewer
        officers): the route search starts from their stops, unit by unit, and keeps at least
        their value when the units can walk them.
    now : datetime.datetime, optional
        The time it is (aware; by default the machine's clock), for a ``weekday`` shift without
        ``today``: plans made at one time (a staffing comparison) plan the same shift.

    Returns
    -------
    Plan

    Raises
    ------
    TypeError
        If ``scenario`` is not a :class:`Scenario` yet (a path, a mapping), or ``area`` is no
        :class:`Area`.
    PlannerError
        For bad input, as the command line says it: a :class:`ScenarioError` also for an
        ``area`` loaded for another scenario's area.
    """
    check_is_scenario(scenario, "run")
    if area is not None:
        check_area(area, scenario)
    with kept_warnings() as issued:
        plan = _run(
            scenario, settings or Settings(), progress, (today, now), area, resume, start_from
        )
        return replace(plan, warnings=tuple(issued))


def check_area(area: object, scenario: Scenario) -> None:
    """Refuse an ``area`` that is no :class:`Area`, or was loaded for another area."""
    if not isinstance(area, Area):
        msg = f"area is an Area from load_area(scenario), not a {type(area).__name__}"
        raise TypeError(msg)
    if area.spec is not None and area.spec != scenario.area:
        msg = (
            f"the area given was loaded for {_area_said(area.spec)}, and the scenario's area is "
            f"{_area_said(scenario.area)}; load it with load_area(scenario), or leave area out"
        )
        raise ScenarioError(msg)


def _area_said(spec: AreaSpec) -> str:
    """Say an area by its source and what names it: ``file /data/x.osm.pbf, bbox_deg (...)``."""
    named = spec.model_dump(exclude_none=True, exclude={"source"})
    return ", ".join([spec.source, *(f"{key} {value}" for key, value in named.items())])


@dataclass(frozen=True, slots=True)
class _Deployment:
    """When and from where the units work: the first step's answer."""

    shift: tuple[dt.datetime, dt.datetime]  # aware start and end
    stations: tuple[int, int]  # node positions of the start and end stations
    units: tuple[tuple[tuple[int, float], ...], tuple[tuple[int, float], ...]]  # per unit
    avoided: frozenset[int]  # segments the units keep off
    usable: np.ndarray  # mask of the nodes the units may walk from (stations snap among them)


def _run(
    scenario: Scenario,
    settings: Settings,
    progress: Progress | None,
    when: tuple[dt.date | None, dt.datetime | None],
    area: Area | None,
    resume: Resume | None,
    start_from: Sequence[Route] = (),
) -> Plan:
    """Run the steps of :func:`run` (its warnings kept by the caller; ``when``: today, now)."""
    timings: dict[str, float] = {}
    if resume is None:
        break_window(scenario)  # a meal break that cannot fit stops before any loading
    check_incident_files(scenario.incidents)  # and a missing or empty incident file
    with _step("street graph", timings, progress):
        area = area or load_area(scenario, settings)
        deployment = _deploy(scenario, area, when, first=resume is None)
    graph = area.graph
    with _step("risk", timings, progress):
        pieces = street_pieces(graph)
        hoods = neighbourhoods_of(scenario, area, pieces)
        risk = build_risk(scenario, graph, area.features, pieces, deployment.shift)
    with _step("hot spots", timings, progress):
        hotspots, must_cover = _hot_spots(scenario, graph, risk, pieces, deployment.usable)
    with _step("posts", timings, progress):
        post_idx, watched, posts_stats = _fixed_posts(scenario, settings, graph, risk, pieces)
    with _step("routes", timings, progress), _located(scenario, "shift / officers"):
        spots = (hotspots, must_cover)
        patrol, routes, routes_stats = _patrol_routes(
            scenario, graph, risk, pieces, spots, deployment, resume, start_from
        )
    with _step("plan", timings, progress):
        places = _place_names(
            scenario,
            area,
            routes,
            deployment.stations,
            post_idx,
            spots,
            named_stations(scenario, deployment.stations, deployment.units),
            deployment.usable,
        )
        plan = Plan(
            scenario=scenario,
            graph=graph,
            risk=risk,
            hotspots=hotspots,
            shift_start=deployment.shift[0],
            shift_end=deployment.shift[1],
            routes=tuple(routes),
            posts=_posts_placed(graph, post_idx, watched, places),
            routes_stats=routes_stats,
            posts_stats=posts_stats,
            places=places,
            kpis={},  # filled below, from the plan itself
            timings_s=timings,
            patrol=patrol,
            neighbourhoods=hoods,
        )
        plan = replace(plan, kpis=compute_kpis(plan))
        if resume is None:  # a re-plan warns of them once it knows its time (replan)
            warn_idle_units(plan)
            warn_far_trips(plan)
        return plan


def _deploy(
    scenario: Scenario,
    area: Area,
    when: tuple[dt.date | None, dt.datetime | None],
    first: bool,
) -> _Deployment:
    """Find the shift, the ways kept off and the stations; ``first``: not a re-plan.

    A re-plan's shift was planned, and warned of, already.
    """
    graph, features = area.graph, area.features
    shift = shift_window(scenario, graph, *when)
    if first:
        warn_odd_shift(*shift, graph)
    avoided = avoided_ways(scenario, graph, shift)
    usable = walkable_nodes(graph, avoided)
    if first:
        warn_untagged_light(scenario, graph, avoided)
    officers, forbidden = scenario.officers, scenario.places.forbidden
    start_idx = resolve_station(
        officers.station, graph, features, scenario_field(scenario, "officers.station"), usable
    )
    end_idx = start_idx  # back where they started, unless the scenario names an end
    if officers.end_station is not None:
        where = scenario_field(scenario, "officers.end_station")
        end_idx = resolve_station(officers.end_station, graph, features, where, usable)
    units = unit_stations(scenario, graph, features, (start_idx, end_idx), shift, usable)
    check_stations_clear(graph, _stations_named(scenario, start_idx, end_idx, units), forbidden)
    return _Deployment(shift, (start_idx, end_idx), units, avoided, usable)


def _stations_named(
    scenario: Scenario,
    start_idx: int,
    end_idx: int,
    units: tuple[tuple[tuple[int, float], ...], tuple[tuple[int, float], ...]],
) -> list[tuple[str, int]]:
    """Every station of the plan (node position) with the scenario field that gives it."""
    named = [(scenario_field(scenario, "officers.station"), start_idx)]
    if end_idx != start_idx:
        named.append((scenario_field(scenario, "officers.end_station"), end_idx))
    for k, ((first, _), (last, _)) in enumerate(zip(*units, strict=True)):
        where, unit_no = scenario_field(scenario, f"officers.per_unit[{k}]"), f" (unit {k + 1})"
        if first not in (start_idx, end_idx):
            named.append((f"{where}.station{unit_no}", first))
        if last not in (start_idx, end_idx, first):
            named.append((f"{where}.end_station{unit_no}", last))
    return named


def _hot_spots(
    scenario: Scenario, graph: StreetGraph, risk: RiskMap, pieces: Pieces, usable: np.ndarray
) -> tuple[Hotspots, np.ndarray]:
    """Find the hot spots, then apply the scenario's places (returns the must-cover ones too).

    Must-cover places are kept at nodes the units may walk (``usable``).
    """
    dwell, places = scenario.dwell, scenario.places
    hotspots = find_hotspots(
        graph,
        risk,
        pieces,
        dwell.visibility_radius_m,
        dwell.hotspot_top_percent,
        dwell.hotspot_min_separation_m,
    )
    _warn_overlapping_spots(scenario, hotspots)
    return apply_places(
        hotspots,
        graph,
        pieces,
        places.must_cover,
        places.forbidden,
        scenario_field(scenario, "places"),
        usable,
    )


def _fixed_posts(
    scenario: Scenario, settings: Settings, graph: StreetGraph, risk: RiskMap, pieces: Pieces
) -> tuple[np.ndarray, np.ndarray, SolveStats | None]:
    """Place the scenario's posts: node positions, risk each watches, and the solve's figures."""
    posts, solver = scenario.posts, scenario.solver
    if posts.count <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0), None
    given = (
        posts.count,
        posts.visibility_radius_m,
        solver.time_limit_s,
        solver.seed,
        settings.cpsat_workers,
        settings.cpsat_work_limit,
        tuple(np.flatnonzero(forbidden_nodes(graph, scenario.places.forbidden)).tolist()),
    )
    post_idx, watched, stats = _posts(
        graph, risk, given, lambda: choose_posts(graph, risk, pieces, *given)
    )
    _warn_few_posts(scenario, len(post_idx))
    if stats.status == "OPTIMAL":  # else fewer posts might be solved short
        needed = posts_needed(graph, risk, pieces, post_idx, posts.visibility_radius_m)
        _warn_spare_posts(scenario, needed, len(post_idx), stats.objective)
    return post_idx, watched, stats


def _patrol_routes(
    scenario: Scenario,
    graph: StreetGraph,
    risk: RiskMap,
    pieces: Pieces,
    spots: tuple[Hotspots, np.ndarray],
    deployment: _Deployment,
    resume: Resume | None,
    start_from: Sequence[Route],
) -> tuple[Patrol, list[Route], SolveStats]:
    """Plan the units' routes (the rest of the shift's after ``resume``), checked by the rules.

    ``spots`` are the hot spots and the must-cover ones among them.
    """
    hotspots, must_cover = spots
    start = deployment.shift[0]
    patrol = patrol_rules(
        scenario, risk, pieces, hotspots, deployment.stations, deployment.shift, deployment.avoided
    )
    patrol = replace(patrol, starts=deployment.units[0], ends=deployment.units[1])
    patrol = staggered_breaks(patrol, scenario, start, say=resume is None)
    if resume is None:
        warn_unit_break_windows(patrol, start, scenario_field(scenario, "officers.per_unit"))
    patrol = with_places(patrol, graph, scenario, must_cover)
    rules = validation_rules(
        graph, hotspots, patrol, scenario.dwell.min_minutes * 60, risk.segment_risk
    )
    if resume is not None:
        resume, patrol, rules = _resumed(resume, graph, risk, hotspots, patrol, rules, start)
    solver = scenario.solver
    routes, stats = plan_routes(
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
        routes, stats = joined(resume, routes, stats)
    log.info(
        "routes: presence %.4g, bound %.4g, %s after %s search iterations",
        stats.objective,
        stats.bound,
        stats.status,
        stats.parameters.get("iterations"),
    )
    check_routes(routes, graph, rules)
    return patrol, routes, stats


def _resumed(
    resume: Resume,
    graph: StreetGraph,
    risk: RiskMap,
    hotspots: Hotspots,
    patrol: Patrol,
    rules: Rules,
    start: dt.datetime,
) -> tuple[Resume, Patrol, Rules]:
    """Rules for the rest of a shift, and what was done already credited with today's risk."""
    resume = at_hotspots(resume, graph.nodes.index[hotspots.node_idx], graph)
    planned_from = {k + 1: when for k, (_node, when) in enumerate(resume.starts)}
    rules = replace(rules, planned_from_s=planned_from)
    patrol = resumed(patrol, resume, graph, hotspots, start)
    weight = walk_weights(graph, risk.segment_risk, patrol)
    kept = credit_kept_stops(resume.kept, hotspots.value, patrol)
    lengths = graph.segments["length_m"].to_numpy()
    resume = replace(resume, kept=credit_kept_walks(kept, weight, patrol, lengths))
    ends = {k + 1: (int(graph.nodes.index[n]), t) for k, (n, t) in enumerate(patrol.ends)}
    excused = patrol.break_done - resume.break_taken()
    # a unit a call took far may be back late, or have lost its meal break's window
    rules = replace(rules, ends=ends, break_excused=frozenset(excused), **break_rules(patrol))
    return resume, patrol, rules


def _posts_placed(
    graph: StreetGraph, post_idx: np.ndarray, watched: np.ndarray, places: dict[int, str]
) -> tuple[Post, ...]:
    """Return the posts as the plan gives them: node, position, name, risk watched."""
    ids, lon, lat = graph.nodes.index, graph.nodes["lon"], graph.nodes["lat"]
    return tuple(
        Post(
            node=int(ids[i]),
            lon=float(lon.iat[i]),  # noqa: PD009 scalar by position
            lat=float(lat.iat[i]),  # noqa: PD009 scalar by position
            place=places[int(ids[i])],
            watched_risk=float(w),
        )
        for i, w in zip(post_idx, watched, strict=True)
    )


def _place_names(
    scenario: Scenario,
    area: Area,
    routes: Sequence[Route],
    stations: tuple[int, int],
    post_idx: np.ndarray,
    spots: tuple[Hotspots, np.ndarray],
    named: dict[int, str],
    usable: np.ndarray | None = None,
) -> dict[int, str]:
    """Name every node the plan mentions, by OSM node id: its streets, and what it is.

    ``stations`` are the start and end node positions, ``post_idx`` the posts' and ``spots``
    the hot spots with the must-cover ones among them. A station is named by the scenario's
    name for it (``named``, by node position), else after the OSM police station at it, else
    ``station (...)`` or ``end station (...)``; a must-cover place by the scenario's names for
    it before its streets.
    """
    graph, (hotspots, must_cover) = area.graph, spots
    ids = graph.nodes.index
    start = int(ids[stations[0]])
    used = {start, int(ids[stations[1]]), *(int(ids[i]) for i in post_idx)}
    used |= {leg.to_node for r in routes for leg in r.legs}
    used |= {leg.from_node for r in routes for leg in r.legs}
    places = place_names(graph, sorted(used))
    roles = station_roles(routes)
    at_stations = set(roles) | {start}
    police = police_names(graph, area.features, at_stations, places, usable)
    ends = {n for n, role in roles.items() if not role["start"] and n != start}
    given_names = {int(ids[pos]): name for pos, name in named.items()}
    police |= {n: f"{name} ({places[n]})" for n, name in given_names.items() if n in places}
    places |= {
        n: f"{'end station' if n in ends else 'station'} ({places[n]})"
        for n in at_stations - set(police)
    } | police
    given: dict[int, list[str]] = {}  # the commander's names first, then the streets
    for spec, spot in zip(scenario.places.must_cover, must_cover, strict=True):
        if spec.name:
            given.setdefault(int(ids[hotspots.node_idx[spot]]), []).append(spec.name)
    return places | {
        n: f"{' / '.join(names)} ({places[n]})" for n, names in given.items() if n in places
    }


def _warn_overlapping_spots(scenario: Scenario, hotspots: Hotspots) -> None:
    """Warn when hot spots watch streets in common: stops at both count those streets twice."""
    if pairs := hotspots.overlapping_pairs():
        dwell = scenario.dwell
        warn(
            f"{scenario_field(scenario, 'dwell.hotspot_min_separation_m')}: {pairs} pairs of hot "
            f"spots lie within sight of the same streets ({dwell.hotspot_min_separation_m:g} m "
            f"apart or more, each watching {dwell.visibility_radius_m:g} m around): stops at both "
            "count those streets twice, and the limits on stops per hot spot do not see one "
            "place; set it to twice dwell.visibility_radius_m "
            f"({2 * dwell.visibility_radius_m:g}) to count each place once",
        )


def _warn_few_posts(scenario: Scenario, placed: int) -> None:
    """Warn when fewer posts stand than asked: the other sites would watch no risk."""
    posts = scenario.posts
    if placed < posts.count:
        warn(
            f"{scenario_field(scenario, 'posts.count')}: {placed} of {posts.count} posts placed: "
            f"only {placed} street crossings or ends watch any risk within "
            f"{posts.visibility_radius_m:g} m, so further posts would watch nothing; lower "
            "posts.count or widen posts.visibility_radius_m",
        )


def _warn_spare_posts(scenario: Scenario, needed: int, placed: int, share: float) -> None:
    """Warn when ``needed`` posts, placed afresh, would watch all the risk ``placed`` watch."""
    if needed < placed:
        warn(
            f"{scenario_field(scenario, 'posts.count')}: {needed} posts would watch all the risk "
            f"that these {placed} watch ({100 * share:.1f} % of the area's): the other "
            f"{placed - needed} add no street to watch; lower posts.count to {needed} and plan "
            "again (the posts may move)",
        )


def _spots_of(routes: Sequence[Route], graph: StreetGraph, hotspots: Hotspots) -> list[list[int]]:
    """Per route, the hot spots (indices into ``hotspots``) of its stops, found by their node."""
    spot_of = spot_numbers(graph, hotspots)
    return [[spot_of[leg.to_node] for leg in r.dwells if leg.to_node in spot_of] for r in routes]
