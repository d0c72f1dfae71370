"""Stations and shift windows: where the units start and end, when the shift and its break are."""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import replace
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import tzfpy

from planner.clock import clock_at, seconds_until, shift_seconds
from planner.errors import ScenarioError, warn
from planner.graph import POINT_FORM, StreetGraph
from planner.plan import Plan
from planner.scenario import Scenario
from planner.scenario_patrol import StationSpec

#: A station point farther than this from every street node is outside the area.
STATION_SNAP_M = 250.0

#: A station point farther than this from its street node is planned with a warning.
STATION_NOTE_M = 100.0

#: A station node this close to a named OSM police station is called by its name.
POLICE_NAME_M = 100.0

#: Longer foot-patrol shifts are planned with a warning: they are mostly a mistyped hour.
LONG_SHIFT_H = 12.0


def scenario_field(scenario: Scenario, field: str) -> str:
    """Name ``field`` of the scenario as messages do: ``FILE: field`` (its name without a file)."""
    return f"{scenario.source_file or scenario.name}: {field}"


def resolve_station(
    spec: StationSpec,
    graph: StreetGraph,
    features: gpd.GeoDataFrame,
    where: str,
    usable: np.ndarray | None = None,
    swap_form: str = POINT_FORM,
) -> int:
    """Node position of a station given as an OSM police station, a point or a node id.

    A point or police station snaps to the nearest ``usable`` node (a mask; default every
    node): one the units may walk from, not one reached only by ways they avoid. A point
    whose lat and lon look swapped is told how to write it (``swap_form``).

    Raises
    ------
    ScenarioError
        If the station is not in the area (message says how far, and what to do).
    """
    among = _among(usable)
    if spec.node_id is not None:
        pos = int(graph.node_index([spec.node_id])[0])
        if pos < 0:
            msg = (
                f"{where}: node {spec.node_id} is not on the walkable street graph of the area "
                f"(absent, or cut off from the main network); {_lat_lon_hint(graph, among)}"
            )
            raise ScenarioError(msg)
        if among is not None and not among[pos]:
            msg = (
                f"{where}: node {spec.node_id} is reached only by ways the units avoid "
                "(officers.avoid: steps, private or unlit ways); give its point as lat/lon "
                f"instead, {{lat: {graph.nodes['lat'].iloc[pos]:.5f}, lon: "
                f"{graph.nodes['lon'].iloc[pos]:.5f}}}: it snaps to the nearest street they walk"
            )
            raise ScenarioError(msg)
        return pos
    if spec.police is not None:
        police = features[features["value"] == "police"]
        if spec.police.lower() != "any":
            police = _named(police, spec.police)
        if len(police) == 0:
            names = sorted(features.loc[features["value"] == "police", "name"].fillna("unnamed"))
            found = f"the area has: {', '.join(names)}" if names else "the area has none in OSM"
            if features.attrs.get("online"):
                found = "online areas bring their streets only, not OSM stations"
            elif meant := likely_meant(spec.police, names):
                found = f"did you mean {meant}? {found}"
            msg = (
                f"{where}: no police station matching '{spec.police}'; {found}; "
                f"{_lat_lon_hint(graph, among)}"
            )
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
        if spec.police.lower() != "any":
            _warn_several_named(spec.police, police["name"].iloc[near], where)
        return int(idx[near[0]])
    x_m, y_m = graph.project_lonlat(np.array([spec.lon]), np.array([spec.lat]))
    idx, dist = graph.nearest_node(x_m, y_m, among)
    if dist[0] > STATION_SNAP_M:
        msg = (
            f"{where}: ({spec.lat}, {spec.lon}) is {dist[0] / 1000:.1f} km from the "
            f"nearest street of the area ({graph.extent()}); put it inside the "
            f"area (within {STATION_SNAP_M:.0f} m of a street)"
            f"{graph.slip_note(spec.lat, spec.lon, STATION_SNAP_M, swap_form)}"  # type: ignore[arg-type]
        )
        raise ScenarioError(msg)
    if dist[0] > STATION_NOTE_M:
        node = graph.nodes.iloc[int(idx[0])]
        warn(
            f"{where}: ({spec.lat}, {spec.lon}) is {dist[0]:.0f} m from the nearest street "
            f"node the units walk; the plan puts it there, at ({node['lat']:.5f}, "
            f"{node['lon']:.5f}); if that is across a river, a park or a block from the place "
            "meant, give a point on the street meant"
        )
    return int(idx[0])


def _among(usable: np.ndarray | None) -> np.ndarray | None:
    """Return the nodes a station snaps among: the ``usable`` ones, or all (None) if none is."""
    return usable if usable is not None and usable.any() else None


#: Least likeness (difflib's ratio) of a misspelt station name to part of a station's name.
LIKENESS = 0.75


def likely_meant(written: str, names: list[str]) -> str | None:
    """Return the name holding text most like ``written`` (a misspelling of part of it), if any.

    Each name is compared, ignoring case, piece by piece with pieces as long as ``written``;
    only a name with a word like each word written (:func:`_words_alike`) is offered.
    """
    text = written.strip().lower()
    best, meant = LIKENESS, None
    for name in names:
        lowered = name.lower()
        if not _words_alike(text, lowered):
            continue
        for i in range(max(1, len(lowered) - len(text) + 1)):
            ratio = difflib.SequenceMatcher(None, text, lowered[i : i + len(text)]).ratio()
            if ratio > best:
                best, meant = ratio, name
    return meant


def _words_alike(text: str, name: str) -> bool:
    """Tell whether each word of ``text`` is a misspelling of a word of ``name``, or its start.

    A number must be written as it is (``13 PCT`` is no misspelling of ``10 PCT``), and another
    word is another name (``Midtown North`` is not ``Midtown South``).
    """
    words = name.split()
    return all(
        any(
            word == other
            or (not word.isdigit() and other.startswith(word))
            or (
                not (word.isdigit() or other.isdigit())
                and (
                    sorted(word) == sorted(other)  # letters swapped: PTC for PCT
                    or difflib.SequenceMatcher(None, word, other).ratio() >= LIKENESS
                )
            )
            for other in words
        )
        for word in text.split()
    )


def _named(police: gpd.GeoDataFrame, written: str) -> gpd.GeoDataFrame:
    """Police stations whose name contains ``written``; those named exactly so, when any are.

    A name that is part of another's (``Pasila`` of ``Helsinki Pasila``) still chooses its
    own station.
    """
    names = police["name"].fillna("").str.strip().str.lower()
    text = written.strip().lower()
    exact = names == text
    return police[exact] if exact.any() else police[names.str.contains(text, regex=False)]


def _warn_several_named(written: str, names: pd.Series, where: str) -> None:
    """Warn when the name ``written`` matches police stations of several names.

    ``names`` are those of the matches on the streets (within :data:`STATION_SNAP_M`), by
    name: the first is taken.
    """
    found = list(dict.fromkeys(names.fillna("unnamed")))
    if len(found) < 2:  # one station (or one name, mapped twice)
        return
    warn(
        f"{where}: '{written}' matches {len(found)} police stations on the streets "
        f"({', '.join(found)}); {found[0]} is taken, the first by name; write more of its name "
        "to choose another"
    )


def _lat_lon_hint(graph: StreetGraph, usable: np.ndarray | None) -> str:
    """Advice to give the station as a point, with a usable street point near the area's middle."""
    x_m, y_m = graph.nodes["x_m"].to_numpy(), graph.nodes["y_m"].to_numpy()
    middle = np.array([np.median(x_m)]), np.array([np.median(y_m)])
    idx, _ = graph.nearest_node(*middle, usable)
    node = graph.nodes.iloc[int(idx[0])]
    return (
        f"give the station as lat/lon (any street point works; this one is near the middle of "
        f"the area: {{lat: {node['lat']:.5f}, lon: {node['lon']:.5f}}})"
    )


def police_names(
    graph: StreetGraph,
    features: gpd.GeoDataFrame,
    nodes: set[int],
    places: dict[int, str],
    usable: np.ndarray | None = None,
) -> dict[int, str]:
    """Names of the stations at an OSM police station, e.g. ``"Snow Hill Police Station (...)"``.

    A station node takes the name of a named police station within :data:`POLICE_NAME_M`, or
    of one it is the nearest ``usable`` street node to (within :data:`STATION_SNAP_M`, as
    ``police:`` snaps it; ``usable``: a mask of the nodes the units may walk from, default
    all), followed by the streets it has in ``places``.
    """
    police = features[(features["value"] == "police") & features["name"].notna()]
    if police.empty or not nodes:
        return {}
    ids = sorted(nodes)
    xy = graph.nodes.loc[ids, ["x_m", "y_m"]].to_numpy()
    px, py = police.geometry.x.to_numpy(), police.geometry.y.to_numpy()
    dist = np.hypot(xy[:, :1] - px[None, :], xy[:, 1:] - py[None, :])
    snapped, snap_m = graph.nearest_node(px, py, _among(usable))  # as ``police:`` snaps them
    at = graph.nodes.index[snapped].to_numpy()
    dist[(at[None, :] == np.array(ids)[:, None]) & (snap_m <= STATION_SNAP_M)[None, :]] = 0.0
    names = police["name"].to_numpy()
    return {
        node: f"{names[k]} ({places[node]})"
        for node, k, d in zip(ids, dist.argmin(axis=1), dist.min(axis=1), strict=True)
        if d <= POLICE_NAME_M
    }


def named_stations(
    scenario: Scenario,
    stations: tuple[int, int],
    units: tuple[tuple[tuple[int, float], ...], tuple[tuple[int, float], ...]],
) -> dict[int, str]:
    """Return the node positions of the stations the scenario gives a ``name``, with the names.

    ``stations`` are the scenario's start and end node positions and ``units`` the per-unit
    ones (:func:`unit_stations`); a unit's own name is said where it differs from the shared.
    """
    officers = scenario.officers
    specs = [(officers.station, stations[0]), (officers.end_station, stations[1])]
    starts, ends = units
    for k, unit in enumerate(officers.per_unit[: len(starts)]):
        specs += [(unit.station, starts[k][0]), (unit.end_station, ends[k][0])]
    return {pos: spec.name for spec, pos in specs if spec is not None and spec.name}


def unit_stations(
    scenario: Scenario,
    graph: StreetGraph,
    features: gpd.GeoDataFrame,
    stations: tuple[int, int],
    shift: tuple[dt.datetime, dt.datetime],
    usable: np.ndarray | None = None,
) -> tuple[tuple[tuple[int, float], ...], tuple[tuple[int, float], ...]]:
    """Per unit, (start node, second) and (end node, second), from ``officers.per_unit``.

    Empty when no unit has its own station or hours (all share the scenario's). A unit with a
    station of its own ends there, unless it or the scenario names an end station.

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
        where = scenario_field(scenario, f"officers.per_unit[{k}]")
        unit_no = f" (unit {k + 1})"  # the list counts from 0, units from 1
        begin, end = 0.0, shift_s
        first, last = stations
        if unit is not None:
            try:
                begin, end = unit.offsets_s(shift[0], shift_s)
            except ValueError as exc:
                msg = f"{where}{unit_no}: {exc}"
                raise ScenarioError(msg) from None
            if unit.station is not None:
                first = resolve_station(
                    unit.station, graph, features, f"{where}.station{unit_no}", usable
                )
                if officers.end_station is None:  # back where it started, as the others are
                    last = first
            if unit.end_station is not None:
                last = resolve_station(
                    unit.end_station, graph, features, f"{where}.end_station{unit_no}", usable
                )
        starts.append((first, begin))
        ends.append((last, end))
    return tuple(starts), tuple(ends)


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
    length_s = shift_seconds(*shift)
    try:
        begin, end = meal.offsets_s(shift[0], length_s)
    except ValueError as exc:
        msg = f"{scenario_field(scenario, 'officers.meal_break')}: {exc}"
        raise ScenarioError(msg) from None
    given = (seconds_until(shift[0], meal.earliest), seconds_until(shift[0], meal.latest))
    if planning and (begin, end) != given:
        warn(
            f"the meal break window {meal.earliest:%H:%M}-{meal.latest:%H:%M} is cut to "
            f"{clock_at(shift[0], begin)}-{clock_at(shift[0], end)}, where a "
            f"{meal.minutes:.0f} min break starts and ends within the shift"
            + _edge_note(begin, end, meal.minutes * 60.0, length_s)
        )
    return begin, end


#: Said of a meal break a cut window leaves at an end of the shift (a check before issuing).
BREAK_AT_EDGE = "the break now falls"


def _edge_note(begin_s: float, end_s: float, break_s: float, shift_s: float) -> str:
    """Say so when a cut break window leaves the break at an end of the shift.

    At an end: the break must start within its own length or a tenth of the shift, whichever
    is longer, of the shift's start, or end as near its end.
    """
    edge = max(shift_s / 10.0, break_s)
    if end_s <= edge:
        where = f"in the first {(end_s + break_s) / 60:.0f} min of the shift"
    elif begin_s + break_s >= shift_s - edge:
        where = f"in the last {(shift_s - begin_s) / 60:.0f} min of the shift"
    else:
        return ""
    return (
        f"; {BREAK_AT_EDGE} {where}: if that is not meant, set officers.meal_break "
        "earliest and latest within the shift's hours"
    )


def shift_window(
    scenario: Scenario,
    graph: StreetGraph,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """Return the shift's aware start and end, in the scenario's time zone or the area's own.

    ``today`` is the reference day of a ``weekday`` shift (its next occurrence, today included).
    Without it, the shift is the first occurrence that has not ended by ``now`` (aware; by
    default the time it is), one under way included.
    """
    zone = _shift_zone(scenario, graph)
    if today is None:
        now = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(zone))
        today = now.date()
    else:
        now = None
    try:
        return scenario.shift.window(zone, today, now)
    except ScenarioError as exc:  # a clock time the clocks skip that night
        msg = f"{scenario.source_file or scenario.name}: {exc}"
        raise ScenarioError(msg) from None


#: What the note of a ``weekday`` shift planned while it is under way says first.
UNDER_WAY = "the shift planned is the one under way"


def under_way_note(
    scenario: Scenario, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> str | None:
    """Say so when a ``weekday`` shift planned is the one under way (``now``: the time it is).

    ``shift.weekday`` plans the first such shift that has not ended, so late on that day the
    plan is for the hours left of today's. None for a shift given by date, or not yet begun.
    The words hold when read later: the plan carries them among its warnings.
    """
    now = now or dt.datetime.now(dt.UTC)
    if scenario.shift.weekday is None or not start <= now < end:
        return None
    gone, left = (now - start).total_seconds() / 60, (end - now).total_seconds() / 60
    made = now.astimezone(start.tzinfo)
    return (
        f"shift.weekday {scenario.shift.weekday}: {UNDER_WAY}: it "
        f"began at {start:%H:%M}, {_span(gone)} before this plan was made at {made:%H:%M}, "
        f"and {_span(left)} of it were left; re-plan the rest from where the units are, or "
        f"give shift.date: {(start + dt.timedelta(days=7)).date().isoformat()} for next week's"
    )


def with_under_way_note(plan: Plan, now: dt.datetime | None = None) -> Plan:
    """Return ``plan`` with :func:`under_way_note` among its warnings, when it has one.

    The note is warned of, and the plan's files then say it too (``kpis.json``, the
    briefing's list before issuing). Added by the command line, not while planning: a plan's
    own warnings do not hang on the clock.
    """
    note = under_way_note(plan.scenario, plan.shift_start, plan.shift_end, now)
    if note is None:
        return plan
    warn(note)
    return replace(plan, warnings=(*plan.warnings, note))


def _span(minutes: float) -> str:
    """``5 h 14 min``, or ``46 min`` under an hour."""
    hours, rest = divmod(round(minutes), 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def _shift_zone(scenario: Scenario, graph: StreetGraph) -> str:
    """Return the shift's IANA time zone: the scenario's, else the area's."""
    return scenario.shift.timezone or area_zone(graph)


def area_zone(graph: StreetGraph) -> str:
    """IANA time zone at the middle of the area (``Etc/GMT...`` at sea)."""
    return tzfpy.get_tz(float(graph.nodes["lon"].mean()), float(graph.nodes["lat"].mean()))


def warn_odd_shift(start: dt.datetime, end: dt.datetime, graph: StreetGraph) -> None:
    """Warn of a shift longer than :data:`LONG_SHIFT_H` or in another zone than the area's."""
    for note in odd_shift_notes(start, end, area_zone(graph)):
        warn(note)


def odd_shift_notes(start: dt.datetime, end: dt.datetime, zone: str) -> list[str]:
    """Say what looks wrong with a shift: too long, or on another zone's clock than the area's.

    Too long is over :data:`LONG_SHIFT_H`; ``zone`` is the area's time zone.
    """
    notes = []
    hours = shift_seconds(start, end) / 3600
    if hours > LONG_SHIFT_H:
        notes.append(
            f"the shift lasts {hours:.1f} h ({start:%a %H:%M} to {end:%a %H:%M}); check "
            "shift.start and shift.end (an end before the start is on the next day)"
        )
    there = start.astimezone(ZoneInfo(zone))
    if there.utcoffset() != start.utcoffset():
        notes.append(
            f"shift.timezone {start.tzinfo} is not the area's time zone ({zone}): the "
            f"shift starts at {there:%H:%M} there; remove shift.timezone or set {zone}"
        )
    return notes
