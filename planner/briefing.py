"""A printable briefing: one page for the shift, then one page per unit with its map and stops.

``briefing.html`` is a single self-contained HTML file (inline SVG maps, no network), laid out
for A4 paper: the browser's Print prints it as the officers carry it. Times are local clock
times; the map draws the streets around the route, the route, the station, numbered stops and
the names of the streets the unit walks most.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import geopandas as gpd
import jinja2
import shapely
from shapely import LineString, MultiLineString, Point, box
from shapely.affinity import rotate
from shapely.geometry.base import BaseGeometry

from planner.clock import clock_change, clock_label, shift_seconds
from planner.evaluate import (
    as_clause,
    avoided_ways,
    few_incidents_warning,
    must_cover_lines,
    place_warnings,
    station_lines,
    stayed_at_station,
    unit_warnings,
)
from planner.far_trips import far_trip_message
from planner.idle import idle_message, idle_units
from planner.plan import WALK_TO_END, Plan, Route, leg_action
from planner.scenario import ZoneSpec
from planner.stations import BREAK_AT_EDGE, UNDER_WAY, area_zone, odd_shift_notes
from planner.street_names import segment_names
from planner.tracks import metres_per_degree, route_pieces

MAP_W, MAP_H = 680.0, 360.0
"""Size of a unit's map in SVG units (fits the A4 text width)."""

KEY_H = 24.0
"""Height of the strip at the foot of a unit's map kept for the scale bar and the legend."""

MARGIN = 0.08
"""Share of the route's extent added around it on the map."""

LISTED_WAIT_MIN = 5
"""Waits of this many minutes or more, as the schedule rounds them, are timetable rows (shorter
ones are slack between stops)."""

MAX_STREET_LABELS = 12
"""Most street names written on a unit's map: the streets it walks longest."""

LABEL_OFFSETS = (8.0, 13.0)
"""How far (SVG units) a street's name is written beside it, so the route line stays seen:
the first where it hides nothing, the second clearing a stop mark on the street."""

LABEL_FONT_PX = 8.5
"""Font size of a street name on a unit's map (SVG units), as the template's ``.label``."""

ZONE_FONT_PX = 9.0
"""Font size of a no-go zone's name on a unit's map, as the template's ``.zone-name``."""

LABEL_H = 9.0
"""Height (SVG units) a street name takes across the street, its white halo included."""

ROUTE_CLEAR = 1.6
"""Half the route line's width (SVG units), and a little room: street names keep off it."""

CROSSING_M = 30.0
"""An unnamed piece of path shorter than this (metres), walked between two pieces of one
street, is taken as part of it: a crossing or a gap in the street's mapping."""


REPLAN_MARK = "re-planned here: the rows above had begun by then, those below are ahead"
"""The timetable row where a re-plan takes over."""


@dataclass(frozen=True, slots=True)
class _Row:
    """One line of a unit's timetable."""

    start: str
    end: str
    what: str
    place: str
    mark: bool = False  # the row where a re-plan takes over, across the table


@dataclass(frozen=True, slots=True)
class _Label:
    """A street name on the map: where (SVG units), turned ``angle`` degrees along the street."""

    x: float
    y: float
    angle: float
    text: str

    @property
    def box(self) -> BaseGeometry:
        """The room the name takes on the map: a box turned along the street."""
        half_w, half_h = text_width(self.text) / 2, LABEL_H / 2
        upright = box(self.x - half_w, self.y - half_h, self.x + half_w, self.y + half_h)
        return rotate(upright, self.angle, origin=(self.x, self.y))


@dataclass(frozen=True, slots=True)
class _Zone:
    """A no-go zone on the map: its centre and radius (SVG units), and its name's place.

    The name is written at the centre, or where the zone meets the map's edge when its centre
    lies off the map.
    """

    x: float
    y: float
    r: float
    name: str = ""

    @property
    def label_at(self) -> tuple[float, float] | None:
        """Where the zone's name is written; None when not on the map.

        At its centre, or, when the centre lies off the map, just inside its edge toward the
        map's middle.
        """
        x, y = self.x, self.y
        if not (0 <= x <= MAP_W and 0 <= y <= MAP_H):
            dx, dy = MAP_W / 2 - x, MAP_H / 2 - y
            reach = max(self.r - 12.0, 0.0) / max(math.hypot(dx, dy), 1e-9)
            x, y = x + dx * reach, y + dy * reach
        inside = 20.0 <= x <= MAP_W - 20.0 and 6.0 <= y <= MAP_H - 6.0
        return (x, y) if inside else None


@dataclass(frozen=True, slots=True)
class _Stop:
    """A numbered mark on the map: its place (SVG units), the stop numbers there and the mark.

    The mark sits on the place (``mark_x``, ``mark_y`` equal ``x``, ``y``) unless it would hide
    another stop's; then it is moved aside and a short line leads to the place.
    """

    x: float
    y: float
    label: str
    mark_x: float
    mark_y: float

    @property
    def r(self) -> float:
        """The mark's radius: wide enough for its numbers."""
        return 7 + 2.5 * (len(self.label) - 1)

    @property
    def moved(self) -> bool:
        """Whether the mark was moved aside from its place."""
        return (self.mark_x, self.mark_y) != (self.x, self.y)


def briefing_html(plan: Plan, wgs84: gpd.GeoSeries) -> str:
    """Return the briefing of ``plan`` as one HTML document (``wgs84``: the street geometries)."""
    units = [_unit(plan, route, wgs84) for route in plan.routes]
    kpis = plan.kpis
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(
        resources.files("planner").joinpath("templates/briefing.html.j2").read_text("utf-8")
    )
    return template.render(
        plan=plan,
        shift=_shift_text(plan),
        routes=kpis["routes"],
        avoided=avoided_ways(kpis["routes"]["avoid"]),
        posts=kpis["posts"],
        post_rows=[(p.place, f"{p.lat:.5f}, {p.lon:.5f}", p.watched_risk) for p in plan.posts],
        zone_rows=[
            (z.name or "", f"{z.lat:.5f}, {z.lon:.5f}", f"{z.radius_m:g} m")
            for z in plan.scenario.places.forbidden
        ],
        posts_share=plan.kpis["posts"]["risk_covered_share"],
        posts_radius=plan.kpis["posts"]["visibility_radius_m"],
        posts_solver=plan.kpis["posts"]["solver"],
        risk_source=risk_source(plan.risk.method, plan.risk.parameters),
        risk_notes=_named_by_file(plan.risk.notes, [Path(s.path) for s in plan.scenario.incidents]),
        checks=_checks(plan),
        must_cover=must_cover_lines(kpis, (plan.shift_start, plan.shift_end)),
        stations=station_lines(kpis["routes"]["stations"], plan.unit_word),
        ends_elsewhere=any(route.ends_elsewhere for route in plan.routes),
        hoods=kpis["neighbourhoods"],
        units=units,
        width=MAP_W,
        height=MAP_H,
    )


def _checks(plan: Plan) -> list[str]:
    """Return what to check before issuing.

    An odd shift or one under way, a meal break at an end of the shift, a risk map resting on
    a few incidents, places and units without a stop, long walks to the meal break or none in
    a long shift, units idle or walking far for one place.
    """
    checks = odd_shift_notes(plan.shift_start, plan.shift_end, area_zone(plan.graph))
    checks += [w for w in plan.warnings if UNDER_WAY in w or BREAK_AT_EDGE in w]
    idle = idle_message(plan) if plan.patrol is not None else None
    said = {unit for unit, _ in idle_units(plan.kpis["routes"])} if idle else set()
    found = [*place_warnings(plan.kpis), *unit_warnings(plan.kpis, said)]
    if few := few_incidents_warning(plan.kpis["risk"]):
        found.insert(0, few)
    checks += [as_clause(w) for w in found]  # as the other checks
    if idle:
        checks.append(idle)
    if far := far_trip_message(plan):
        checks.append(far)
    return checks


def risk_source(method: str, parameters: dict) -> str:
    """One line saying where the plan's risk comes from, and with what weights."""
    if method == "terrain":
        features = sum(parameters.get("features", {}).values())
        return (
            f"risk terrain: {features:,} OSM features (bars, transit stops, ...) with default "
            f"weights, spread {parameters['bandwidth_m']:g} m along the streets; no incident data"
        )
    weights = ["harm"] if parameters.get("harm_weighted") else []
    if parameters.get("incidents_with_time") and not parameters.get("window_fallback"):
        weights.append(f"time of day (±{parameters['tod_bandwidth_h']:g} h around the shift)")
    if parameters.get("incidents_with_day"):
        weights.append("day of week")
    if parameters.get("incidents_dated"):
        weights.append(f"age (half-life {parameters['half_life_days']:g} days)")
    text = f"{parameters['incidents_used']:,} incidents within {parameters['max_snap_m']:g} m "
    text += "of the streets"
    if weights:
        text += ", weighted by " + (
            f"{', '.join(weights[:-1])} and {weights[-1]}" if len(weights) > 1 else weights[0]
        )
    if parameters.get("window_fallback"):
        text += "; none lies near the shift's hours, so every hour of the day counts alike"
    return text + _own_harm_text(parameters)


def _own_harm_text(parameters: dict) -> str:
    """``"; harm set in the scenario: robbery 500 days; Shoplifting counted as robbery"``."""
    said = [
        f"{name} {days:g} days" for name, days in parameters.get("harm_weights_days", {}).items()
    ]
    for types in parameters.get("type_categories", {}).values():
        said += [f"{kind} counted as {category}" for kind, category in types.items()]
    return "; harm set in the scenario: " + ", ".join(said) if said else ""


def _shift_text(plan: Plan) -> str:
    """When the shift is, in local clock times; across a clock change, with its real length."""
    start, end = plan.shift_start, plan.shift_end
    text = f"{start:%a %d %b %Y, %H:%M} to {end:%H:%M} ({start.tzinfo})"
    if not clock_change(start, end):
        return text
    hours = shift_seconds(start, end) / 3600
    moved = (end.utcoffset() - start.utcoffset()).total_seconds() / 3600  # type: ignore[operator]
    way = "forward" if moved > 0 else "back"
    return (
        f"{start:%a %d %b %Y, %H:%M %Z} to {end:%H:%M %Z} ({start.tzinfo}): {hours:g} h, the "
        f"clocks go {way} {abs(moved):g} h during the shift"
    )


def _named_by_file(notes: Sequence[str], paths: Sequence[Path]) -> list[str]:
    """Return ``notes`` with the incident files at ``paths`` named by their file names.

    A path means nothing to an officer, and may tell where the analyst keeps the data.
    """
    out = []
    for note in notes:
        for path in sorted(paths, key=lambda p: -len(str(p))):
            note = note.replace(str(path), path.name)
        out.append(note)
    return out


def _hhmm(plan: Plan, offset_s: float) -> str:
    """Local clock time; with its zone's abbreviation when the clocks change in the shift."""
    at = plan.at_second(offset_s)
    return f"{at:%H:%M %Z}" if clock_change(plan.shift_start, plan.shift_end) else f"{at:%H:%M}"


def _unit(plan: Plan, route: Route, wgs84: gpd.GeoSeries) -> dict[str, object]:
    """Everything one unit's page shows: figures, map and timetable."""
    figures = next(o for o in plan.kpis["routes"]["per_officer"] if o["officer"] == route.officer)
    stayed = stayed_at_station(figures)
    hours = own_hours(plan, route)
    meal = figures["break"]
    clocks = {  # the summary line's times, labelled as the timetable's are
        "meal_at": clock_label(meal["start"], plan.shift_start, plan.shift_end) if meal else "",
        "back_at": (
            clock_label(figures["back_at_station"], plan.shift_start, plan.shift_end)
            if figures["back_at_station"]
            else ""  # gone for the rest of the shift: not back
        ),
        "end_place": plan.places[route.legs[-1].to_node] if route.ends_elsewhere else "",
        "gone_at": (
            clock_label(figures["gone_at"], plan.shift_start, plan.shift_end)
            if figures.get("gone_at")
            else ""
        ),
    }
    if not route.legs:  # a unit with nothing to do: no map, no timetable
        return {
            **clocks,
            "officer": route.officer,
            "hours": hours,
            "figures": figures,
            "stayed": stayed,
            "rows": [],
            "streets": None,
        }
    rows: list[_Row] = [
        _Row(_hhmm(plan, route.legs[0].start_s), "", "leave", plan.places[route.legs[0].from_node])
    ]
    stop_numbers: dict[int, list[int]] = {}
    mark_s = plan.replanned_s  # a re-plan's page marks where the new plan takes over
    for leg in route.legs:
        if mark_s is not None and leg.start_s >= mark_s:
            rows.append(_Row(_hhmm(plan, mark_s), "", REPLAN_MARK, "", mark=True))
            mark_s = None
        what = leg_action(leg, route)
        listed = leg.kind == "wait" and _listed(leg.end_s - leg.start_s)
        if (
            leg.kind in ("walk", "wait", "reserve")
            and what not in ("walk back to station", WALK_TO_END, "walk a loop")
            and not listed
        ):
            continue  # the map shows the walking; held-back time follows each stop
        place = plan.places[leg.to_node]
        if what == "walk a loop":  # streets walked instead of waiting, in order
            what = f"walk a loop, {leg.distance_m / 1000:.1f} km"
            place = plan.loop_place(leg)
        if leg.kind == "dwell":
            number = sum(len(v) for v in stop_numbers.values()) + 1
            stop_numbers.setdefault(leg.to_node, []).append(number)
            what = f"stop {number}: {round((leg.end_s - leg.start_s) / 60)} min"
        rows.append(_Row(_hhmm(plan, leg.start_s), _hhmm(plan, leg.end_s), what, place))
    left_s = plan.back_early_s(route)
    if _listed(left_s):  # back early: the page says so, as the schedule does
        end = route.legs[-1].to_node
        what = "at station, free for calls"  # as the schedule's row; the times say how long
        rows.append(
            _Row(
                _hhmm(plan, route.end_s), _hhmm(plan, route.end_s + left_s), what, plan.places[end]
            )
        )
    return {
        **clocks,
        "officer": route.officer,
        "hours": hours,
        "figures": figures,
        "stayed": stayed,
        "rows": rows,
        **_map(plan, route, stop_numbers, wgs84),
    }


def own_hours(plan: Plan, route: Route) -> str:
    """Say a unit's own hours (``officers.per_unit``), or nothing when it works the shift's."""
    per_unit = plan.scenario.officers.per_unit
    unit = per_unit[route.officer - 1] if route.officer <= len(per_unit) else None
    if unit is None or (unit.start is None and unit.end is None):
        return ""
    begin, end = unit.offsets_s(plan.shift_start, shift_seconds(plan.shift_start, plan.shift_end))
    return f"on duty {_hhmm(plan, begin)} to {_hhmm(plan, end)}"


def _listed(wait_s: float) -> bool:
    """Whether a wait is a timetable row: :data:`LISTED_WAIT_MIN` or more, rounded as in the CSV."""
    return round(wait_s / 60) >= LISTED_WAIT_MIN


def _map(
    plan: Plan, route: Route, stop_numbers: dict[int, list[int]], wgs84: gpd.GeoSeries
) -> dict[str, object]:
    """SVG paths of the streets around the route and of the route; station and stop marks."""
    pieces = route_pieces(plan, route, wgs84)
    track = [point for piece in pieces for point in piece]
    lons = [p[0] for p in track]
    lats = [p[1] for p in track]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    east_m, north_m = metres_per_degree((south + north) / 2)  # a degree east, a degree north
    scale_x = east_m / north_m  # metres east per metre north
    pad_x = max(east - west, 1e-4) * MARGIN + 1e-4
    pad_y = max(north - south, 1e-4) * MARGIN + 1e-4
    west, east, south, north = west - pad_x, east + pad_x, south - pad_y, north + pad_y
    high = MAP_H - KEY_H  # the route keeps clear of the scale bar and the legend below it
    zoom = min(MAP_W / ((east - west) * scale_x), high / (north - south))
    off_x = (MAP_W - (east - west) * scale_x * zoom) / 2
    off_y = (high - (north - south) * zoom) / 2

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return off_x + (lon - west) * scale_x * zoom, high - off_y - (lat - south) * zoom

    def path(coords: list[tuple[float, float]]) -> str:
        points = [xy(lon, lat) for lon, lat in coords]
        return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)

    near = wgs84.cx[west:east, south:north]
    streets = [path(list(geom.coords)) for geom in near if geom is not None]
    nodes = plan.graph.nodes
    elsewhere = route.ends_elsewhere
    station = xy(track[0][0], track[0][1])
    end_station = xy(track[-1][0], track[-1][1]) if elsewhere else None
    stops = _apart(
        [
            (*xy(float(nodes.at[n, "lon"]), float(nodes.at[n, "lat"])), ",".join(map(str, k)))
            for n, k in stop_numbers.items()
        ],
        [station] if end_station is None else [station, end_station],
    )
    px_per_m = zoom / north_m
    zones = [
        _Zone(*xy(z.lon, z.lat), z.radius_m * px_per_m, z.name or "no-go zone")
        for z in plan.scenario.places.forbidden
        if _near(z, (west, east, south, north), (east_m, north_m))
    ]
    calls = [
        xy(float(nodes.at[n, "lon"]), float(nodes.at[n, "lat"]))
        for n in dict.fromkeys(leg.to_node for leg in route.legs if leg.kind == "call")
    ]
    marks = _marks([station, end_station or station], stops, calls, zones)
    route_line = MultiLineString(
        [[xy(p[0], p[1]) for p in piece] for piece in pieces if len(piece) > 1]
    )
    return {
        "streets": streets,
        "zones": zones,
        "route_path": " ".join(path([(p[0], p[1]) for p in piece]) for piece in pieces),
        "station": station,
        "end_station": end_station,
        "stops": stops,
        "calls": calls,
        "labels": _street_labels(plan, route, wgs84, xy, marks, route_line),
        "scale": _scale_bar(px_per_m),
        "legend": _legend(elsewhere, bool(zones), bool(calls), bool(stops)),
    }


def text_width(text: str, font_px: float = LABEL_FONT_PX) -> float:
    """Width (SVG units) ``text`` takes on a map, with a unit of room: a generous estimate.

    DejaVu Sans averages about 0.57 em a letter in names of Latin letters (measured in a
    browser); 0.612 is taken, so a name's room is rather too wide than too narrow.
    """
    return 0.612 * font_px * len(text) + 2.0


def _marks(
    stations: list[tuple[float, float]],
    stops: list[_Stop],
    calls: list[tuple[float, float]],
    zones: list[_Zone],
) -> BaseGeometry:
    """Return what a street name must not hide on a unit's map (SVG units).

    The stations, the stop marks (with their leads), the calls for service,
    the no-go zones' names and the north arrow.
    """
    shapes: list[BaseGeometry] = [box(x - 7, y - 7, x + 7, y + 7) for x, y in stations]
    for stop in stops:
        shapes.append(Point(stop.mark_x, stop.mark_y).buffer(stop.r + 1))
        if stop.moved:
            shapes.append(LineString([(stop.x, stop.y), (stop.mark_x, stop.mark_y)]).buffer(2))
    shapes += [Point(x, y).buffer(9) for x, y in calls]
    for zone in zones:
        if zone.label_at is not None:
            x, y = zone.label_at
            half = text_width(zone.name, ZONE_FONT_PX) / 2 + 1
            shapes.append(box(x - half, y - 6, x + half, y + 6))
    shapes.append(box(MAP_W - 30, 12, MAP_W, 46))  # the north arrow
    return shapely.union_all(shapes)


#: Map legend entries: symbol kind and label, with the width each takes (SVG units).
_LEGEND = (
    ("route", "route", 58),
    ("station", "station", 62),
    ("end", "end station", 86),
    ("stop", "stops in order", 104),
    ("zone", "no-go zone", 88),
    ("call", "call for service", 108),
)


def _legend(
    end_station: bool, zones: bool, calls: bool = False, stops: bool = True
) -> dict[str, object]:
    """Return the map's legend, bottom right: each symbol drawn, its label and where it starts.

    The end station, no-go zones, calls for service and stops are listed only when the map has
    them.
    """
    drawn = {"end": end_station, "zone": zones, "call": calls, "stop": stops}
    shown = [e for e in _LEGEND if drawn.get(e[0], True)]
    width = sum(w for _, _, w in shown) + 8
    left = MAP_W - width - 4
    items, x = [], left + 6
    for kind, label, w in shown:
        items.append({"kind": kind, "label": label, "x": x})
        x += w
    return {"x": left, "y": MAP_H - KEY_H + 3, "width": width, "items": items}


#: Half the diagonal of a station's square on the map, and a little room: stop marks keep off.
STATION_CLEAR = 9.5


def _apart(
    places: list[tuple[float, float, str]], stations: Sequence[tuple[float, float]] = ()
) -> list[_Stop]:
    """Stop marks that hide none of each other, nor the ``stations`` squares.

    A mark that would overlap one already placed, or a station, moves to the nearest free spot
    around its place (in 8 directions, farther out if need be) inside the map; with none free,
    it stays on its place.
    """
    placed: list[_Stop] = []
    for x, y, label in places:
        r = _Stop(x, y, label, x, y).r
        spot = (x, y)
        for ring in range(1, 6):
            candidates = [(x, y)] if ring == 1 else []
            for step in range(8):
                angle = math.pi / 4 * step - math.pi / 4  # up-right first: above the route
                reach = ring * (r + 8)
                candidates.append((x + reach * math.cos(angle), y + reach * math.sin(angle)))
            free = [
                c
                for c in candidates
                if (c == (x, y) or (r <= c[0] <= MAP_W - r and r <= c[1] <= MAP_H - r))
                and all(math.dist(c, (p.mark_x, p.mark_y)) >= r + p.r + 1 for p in placed)
                and all(math.dist(c, at) >= r + STATION_CLEAR for at in stations)
            ]
            if free:
                spot = free[0]
                break
        placed.append(_Stop(x, y, label, *spot))
    return placed


def _near(
    zone: ZoneSpec, box: tuple[float, float, float, float], degree_m: tuple[float, float]
) -> bool:
    """Whether a no-go zone reaches into the map's ``box`` (west, east, south, north; degrees).

    ``degree_m`` is the metres a degree of longitude and of latitude span there.
    """
    west, east, south, north = box
    reach_lon, reach_lat = (zone.radius_m / m for m in degree_m)
    return west - reach_lon <= zone.lon <= east + reach_lon and (
        south - reach_lat <= zone.lat <= north + reach_lat
    )


def _street_labels(
    plan: Plan,
    route: Route,
    wgs84: gpd.GeoSeries,
    xy: Callable[[float, float], tuple[float, float]],
    marks: BaseGeometry,
    route_line: MultiLineString,
) -> list[_Label]:
    """Names of the streets the unit walks longest, each beside a stretch of it walked.

    Streets are taken by metres walked, every pass counted. A name goes beside the longest
    stretch walked where it stays on the map and hides none of the ``marks`` (stops, stations,
    calls), nor a name already written; where it can, off the ``route_line`` too, which is
    drawn over it; and always nearer its own street than any other the route walks. A street
    with no such place goes unnamed, and the next one is tried, up to
    :data:`MAX_STREET_LABELS` names.
    """
    stretches = _named_stretches(plan, route, wgs84, xy)
    if not stretches:
        return []
    metres: dict[str, float] = {}
    for name, _, walked_m in stretches:
        metres[name] = metres.get(name, 0.0) + walked_m
    labels: list[_Label] = []
    taken, strict = marks, marks.union(route_line.buffer(ROUTE_CLEAR))
    for name in sorted(metres, key=metres.__getitem__, reverse=True):
        lines = sorted((s for n, s, _ in stretches if n == name), key=lambda s: -s.length)
        tries = [(line, clear) for clear in (strict, taken) for line in lines]
        label = next(
            filter(None, (_fit(name, line, clear, route_line) for line, clear in tries)), None
        )
        if label is not None:
            labels.append(label)
            taken, strict = taken.union(label.box), strict.union(label.box)
            if len(labels) == MAX_STREET_LABELS:
                break
    return labels


def _named_stretches(
    plan: Plan,
    route: Route,
    wgs84: gpd.GeoSeries,
    xy: Callable[[float, float], tuple[float, float]],
) -> list[tuple[str, LineString, float]]:
    """Each stretch the unit walks along one named street without turning off it.

    As (name, its line in SVG units, metres walked), in the order walked. A stop on the way
    does not end a stretch, nor an unnamed piece shorter than :data:`CROSSING_M` (a crossing
    mapped on its own); a call for service does, and so does walking back over the stretch (a
    dead end walked in and out gives two). A street walked twice gives two stretches.
    """
    names, lengths = segment_names(plan.graph), plan.graph.segments["length_m"].to_numpy()
    stretches: list[tuple[str, LineString, float]] = []
    run_name: str | None = None
    run: list[int] = []  # the stretch's segments, walked in this order
    points: list[tuple[float, float]] = []
    crossing: list[tuple[float, float]] = []  # a short unnamed piece, kept if the street goes on

    def close() -> None:
        if run_name is not None and len(points) > 1:
            stretches.append((run_name, LineString(points), float(lengths[run].sum())))

    for leg in route.legs:
        if leg.away_on_call:
            close()  # the way to the call is not drawn
            run_name, run, points, crossing = None, [], [], []
        if leg.kind != "walk":
            continue
        for seg, flip in zip(leg.segments, leg.reversed, strict=True):
            coords = [xy(*c[:2]) for c in wgs84.iat[seg].coords]
            coords = coords[::-1] if flip else coords
            name = names.get(seg)
            if name is None and run_name is not None and lengths[seg] < CROSSING_M:
                crossing += coords
                continue
            if name != run_name or seg in run:
                close()
                run_name, run, points, crossing = name, [], [], []
            points += crossing + coords
            run.append(seg)
            crossing = []
    close()
    return stretches


def _fit(
    name: str, line: LineString, taken: BaseGeometry, route_line: BaseGeometry
) -> _Label | None:
    """Find a place for ``name`` beside ``line`` (SVG units) hiding nothing ``taken``, or None.

    Tried near the middle of the stretch first, close above the street as the text reads,
    then below, then farther off; never off the map, nor beside a stretch much shorter than the
    name, nor nearer another street of the ``route_line`` than its own.
    """
    width = text_width(name)
    if line.length < width / 2:
        return None
    others = route_line.difference(line.buffer(ROUTE_CLEAR * 2))
    inside = box(2.0, 2.0, MAP_W - 2.0, MAP_H - KEY_H)
    for share in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        at = line.length * share
        a = line.interpolate(max(at - width / 2, 0.0))
        b = line.interpolate(min(at + width / 2, line.length))
        if a.equals(b):
            continue
        angle = math.degrees(math.atan2(b.y - a.y, b.x - a.x))
        angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle  # upright
        mid = line.interpolate(at)
        for offset, side in itertools.product(LABEL_OFFSETS, (-90, 90)):
            up = math.radians(angle + side)  # -90: above the street as the text reads
            label = _Label(
                mid.x + offset * math.cos(up),
                mid.y + offset * math.sin(up),
                angle,
                name,
            )
            at_label = Point(label.x, label.y)
            if (
                inside.contains(label.box)
                and not taken.intersects(label.box)
                and (others.is_empty or others.distance(at_label) > line.distance(at_label))
            ):
                return label
    return None


def _scale_bar(px_per_m: float) -> tuple[float, str]:
    """Length in map units and label of a round scale bar about a fifth of the map wide."""
    want_m = MAP_W / 5 / px_per_m
    metres = max(
        (m for m in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000) if m <= want_m),
        default=10,
    )
    label = f"{metres // 1000} km" if metres >= 1000 else f"{metres} m"
    return metres * px_per_m, label
