"""Planner-given places: spots that must be dosed, and zones the patrol keeps out of.

A must-cover place becomes a hot spot at its nearest street node (added when it is not one
already) and weighs more in the route search (``planner.routes._weigh_must_cover``: at least
twice the best hot spot's stop), so the plan stops there unless reaching it costs more than a
few of the best stops; the KPIs list must-cover places left without a stop. A forbidden zone
removes the streets within its radius from the walkable graph and the hot spots inside it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import geopandas as gpd
import numpy as np
import shapely
from scipy import sparse

from planner.coverage import Pieces, coverage_matrix
from planner.errors import ScenarioError, warn
from planner.graph import StreetGraph
from planner.hotspots import Hotspots
from planner.scenario import MIN_ZONE_M, PlaceSpec, ZoneSpec

#: A place farther than this from every street node is outside the area.
PLACE_SNAP_M = 250.0


def _xy(graph: StreetGraph, place: PlaceSpec) -> tuple[float, float]:
    x, y = graph.project_lonlat(np.array([place.lon]), np.array([place.lat]))
    return float(x[0]), float(y[0])


def _label(place: PlaceSpec) -> str:
    return place.name or f"({place.lat:.5f}, {place.lon:.5f})"


def _circles(graph: StreetGraph, zones: list[ZoneSpec]) -> tuple[np.ndarray, np.ndarray]:
    """Return the zones' centres (shapely points, projected) and radii (metres)."""
    x, y = graph.project_lonlat(np.array([z.lon for z in zones]), np.array([z.lat for z in zones]))
    return shapely.points(x, y), np.array([z.radius_m for z in zones], dtype=float)


def _inside(graph: StreetGraph, zones: list[ZoneSpec], points: np.ndarray) -> np.ndarray:
    """Whether each zone (rows) holds each of ``points`` (columns; shapely points, projected)."""
    if not zones:
        return np.zeros((0, len(points)), dtype=bool)
    centres, radius_m = _circles(graph, zones)
    return shapely.distance(centres[:, None], points[None, :]) <= radius_m[:, None]


def forbidden_segments(graph: StreetGraph, zones: list[ZoneSpec]) -> frozenset[int]:
    """Segments passing within a forbidden zone's radius of its centre."""
    banned = _inside(graph, zones, graph.segments.geometry.to_numpy()).any(axis=0)
    return frozenset(np.flatnonzero(banned).tolist())


def zone_outlines(graph: StreetGraph, zones: list[ZoneSpec]) -> list[shapely.Polygon]:
    """Return each forbidden zone as a WGS84 polygon: the circle of its radius around it."""
    if not zones:
        return []
    centres, radius_m = _circles(graph, zones)
    circles = shapely.buffer(centres, radius_m, quad_segs=16)
    return list(gpd.GeoSeries(circles, crs=graph.crs).to_crs("EPSG:4326"))


def _node_points(graph: StreetGraph) -> np.ndarray:
    return shapely.points(graph.nodes["x_m"].to_numpy(), graph.nodes["y_m"].to_numpy())


def forbidden_nodes(graph: StreetGraph, zones: list[ZoneSpec]) -> np.ndarray:
    """Mask of the nodes within a forbidden zone's radius of its centre."""
    return np.asarray(_inside(graph, zones, _node_points(graph)).any(axis=0))


def zones_holding(graph: StreetGraph, place: PlaceSpec, zones: list[ZoneSpec]) -> list[ZoneSpec]:
    """Return the forbidden zones whose radius holds the point ``place`` (in their order)."""
    return _holding(graph, zones, shapely.Point(*_xy(graph, place)))


def _holding(graph: StreetGraph, zones: list[ZoneSpec], point: shapely.Point) -> list[ZoneSpec]:
    """Return the forbidden zones whose radius holds ``point`` (projected), in their order."""
    held = _inside(graph, zones, np.array([point]))[:, 0]
    return [zone for zone, inside in zip(zones, held, strict=True) if inside]


def check_stations_clear(
    graph: StreetGraph, stations: list[tuple[str, int]], zones: list[ZoneSpec]
) -> None:
    """Refuse a station (``where``, node position) that lies inside a forbidden zone.

    Units could neither leave it nor come back to it: the zone takes its streets.

    Raises
    ------
    ScenarioError
        Naming the station's field, the zone, and how far inside it the station lies.
    """
    if not zones:
        return
    nodes = graph.nodes
    for where, node in stations:
        point = shapely.Point(float(nodes["x_m"].iloc[node]), float(nodes["y_m"].iloc[node]))
        held = _holding(graph, zones, point)
        if not held:
            continue
        zone = held[0]
        away_m = point.distance(shapely.Point(*_xy(graph, zone)))
        below = math.floor(away_m)  # a radius under it leaves the station out
        smaller = f"make its radius less than {below} m, " if below > MIN_ZONE_M else ""
        named = f"{zone.name} " if zone.name else ""
        msg = (
            f"{where}: the station's street point ({float(nodes['lat'].iloc[node]):.5f}, "
            f"{float(nodes['lon'].iloc[node]):.5f}) lies inside the forbidden zone {named}"
            f"(places.forbidden: {zone.radius_m:g} m around ({zone.lat:.5f}, {zone.lon:.5f})), "
            f"{away_m:.0f} m from its centre: the units could not leave the station or come "
            f"back to it; {smaller}move the zone, or give a station outside it"
        )
        raise ScenarioError(msg)


def apply_places(
    hotspots: Hotspots,
    graph: StreetGraph,
    pieces: Pieces,
    must_cover: list[PlaceSpec],
    forbidden: list[ZoneSpec],
    where: str,
    usable: np.ndarray | None = None,
) -> tuple[Hotspots, np.ndarray]:
    """Drop hot spots in forbidden zones and add the must-cover places.

    ``usable`` masks the nodes the units may walk (:func:`planner.avoid.walkable_nodes`): a
    place is kept at the nearest of them.

    Returns
    -------
    tuple
        The hot spots, and the indices of the must-cover ones (in ``must_cover`` order).

    Raises
    ------
    ScenarioError
        If a must-cover place is off the area or inside a forbidden zone, or the forbidden
        zones hold every hot spot.
    """
    banned = forbidden_nodes(graph, forbidden)
    keep = ~banned[hotspots.node_idx]
    if len(hotspots) and not keep.any() and not must_cover:
        zones = ", ".join(_label(zone) for zone in forbidden)
        msg = (
            f"{where}: the forbidden zone(s) {zones} hold all {len(hotspots)} hot spots of the "
            "area; make them smaller, or plan a larger area"
        )
        raise ScenarioError(msg)
    spots = _subset(hotspots, np.flatnonzero(keep))
    chosen: list[int] = []
    for place in must_cover:
        node = place_node(graph, place, forbidden, where, banned, usable)
        found = np.flatnonzero(spots.node_idx == node)
        if found.size == 0:
            spots = _added(spots, graph, pieces, node)
            found = np.array([len(spots) - 1])
        if int(found[0]) in chosen:
            other = must_cover[chosen.index(int(found[0]))]
            warn(
                f"{where}: must-cover places {_label(other)} and {_label(place)} are nearest the "
                "same point of the street network, so they are one hot spot and each stop there "
                "counts for both; merge them, or move one nearer another street point"
            )
        chosen.append(int(found[0]))
    return spots, np.array(chosen, dtype=np.int64)


def place_node(
    graph: StreetGraph,
    place: PlaceSpec,
    forbidden: list[ZoneSpec],
    where: str,
    banned: np.ndarray | None = None,
    usable: np.ndarray | None = None,
) -> int:
    """Return the street node (position) a must-cover place is kept at.

    ``banned`` is :func:`forbidden_nodes` of the zones, when the caller has it; ``usable``
    masks the nodes the units may walk: the place is kept at the nearest of them, and a
    warning says so when a nearer one only ways they avoid reach.

    Raises
    ------
    ScenarioError
        If the place is off the area (swapped coordinates are named), inside a forbidden zone,
        or nearest a street point inside one.
    """
    if held := zones_holding(graph, place, forbidden):
        msg = (
            f"{where}: must-cover place {_label(place)} lies inside the forbidden zone "
            f"{_label(held[0])}; move one of them"
        )
        raise ScenarioError(msg)
    px, py = _xy(graph, place)
    node, dist = graph.nearest_node(np.array([px]), np.array([py]))
    if usable is not None and usable.any() and not usable[node[0]] and dist[0] <= PLACE_SNAP_M:
        node, dist = graph.nearest_node(np.array([px]), np.array([py]), usable)
        if dist[0] > PLACE_SNAP_M:
            msg = (
                f"{where}: must-cover place {_label(place)} lies beside streets the units keep "
                f"off only (officers.avoid); the nearest they may walk is {dist[0]:.0f} m away; "
                f"move the place within {PLACE_SNAP_M:.0f} m of such a street, or let the units "
                "walk those ways"
            )
            raise ScenarioError(msg)
        warn(
            f"{where}: must-cover place {_label(place)} is nearest a street point that only "
            "ways the units keep off reach (officers.avoid); its stops are at the nearest "
            f"point they may walk, {dist[0]:.0f} m from it"
        )
    if dist[0] > PLACE_SNAP_M:
        far = f"{dist[0] / 1000:.1f} km" if dist[0] >= 1000 else f"{dist[0]:.0f} m"
        outside = dist[0] >= 1000 or not graph.spans(place.lat, place.lon)
        msg = (
            f"{where}: must-cover place {_label(place)} is {far} from the nearest street of "
            f"the area{', outside it' if outside else ''}; the area's streets lie in "
            f"{graph.extent()}; put it within {PLACE_SNAP_M:.0f} m of a street"
            f"{', or plan a map that covers it' if outside else ''}"
            f"{graph.slip_note(place.lat, place.lon, PLACE_SNAP_M)}"
        )
        raise ScenarioError(msg)
    banned = forbidden_nodes(graph, forbidden) if banned is None else banned
    if banned[node[0]]:  # outside the zones, but its street point is not
        zones = ", ".join(
            _label(z) for z in _holding(graph, forbidden, _node_points(graph)[node[0]])
        )
        msg = (
            f"{where}: must-cover place {_label(place)} is nearest a street point "
            f"{dist[0]:.0f} m away that lies inside the forbidden zone {zones}; "
            "move the place nearer a street outside the zone, or make the zone smaller"
        )
        raise ScenarioError(msg)
    return int(node[0])


def _subset(spots: Hotspots, rows: np.ndarray) -> Hotspots:
    return replace(
        spots, node_idx=spots.node_idx[rows], value=spots.value[rows], watched=spots.watched[rows]
    )


def _added(spots: Hotspots, graph: StreetGraph, pieces: Pieces, node: int) -> Hotspots:
    row = coverage_matrix(graph, np.array([node]), spots.radius_m, pieces)
    value = 0.0 if spots.piece_risk is None else float((row.astype(float) @ spots.piece_risk)[0])
    return replace(
        spots,
        node_idx=np.append(spots.node_idx, node),
        value=np.append(spots.value, value),
        watched=sparse.vstack([spots.watched, row]).tocsr(),
    )
