"""Timed tracks of routes along the streets: what the GPX files, the briefing and the map draw."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np

from planner.plan import Leg, Plan, Route

METRES_PER_DEGREE = 111_320.0
"""Metres per degree of latitude (and of longitude at the equator)."""


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Return the metres a degree of longitude and a degree of latitude span at latitude ``lat``.

    A local flat approximation of the earth, fine over a district.
    """
    return math.cos(math.radians(lat)) * METRES_PER_DEGREE, METRES_PER_DEGREE


def _leg_coordinates(
    plan: Plan, leg: Leg, wgs84: gpd.GeoSeries
) -> list[tuple[float, float, float]]:
    """(lon, lat, seconds from shift start) along a walk leg, following street geometry."""
    if not leg.segments:
        node = plan.graph.nodes.loc[leg.to_node]
        return [(float(node["lon"]), float(node["lat"]), leg.start_s)]
    lines = []
    for seg, flip in zip(leg.segments, leg.reversed, strict=True):
        coords = np.asarray(wgs84.iat[seg].coords)
        projected = np.asarray(plan.graph.segments.geometry.iat[seg].coords)
        if flip:
            coords, projected = coords[::-1], projected[::-1]
        lines.append((coords, projected))
    lonlat = np.vstack([c if i == 0 else c[1:] for i, (c, _) in enumerate(lines)])
    xy = np.vstack([p if i == 0 else p[1:] for i, (_, p) in enumerate(lines)])
    step = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(step)])
    share = cum / cum[-1] if cum[-1] > 0 else np.zeros_like(cum)
    times = leg.start_s + share * (leg.end_s - leg.start_s)
    return [(float(x), float(y), float(t)) for (x, y), t in zip(lonlat, times, strict=True)]


def route_pieces(
    plan: Plan, route: Route, wgs84: gpd.GeoSeries
) -> list[list[tuple[float, float, float]]]:
    """Trace the route as (lon, lat, seconds) points, in the pieces the unit walked.

    The unit stands still through each dwell, and may start standing still (held back or
    waiting at the station). A ``call`` leg (answered before a re-plan) that took the unit
    elsewhere ends a piece where the call began; the next piece starts where it ended, when
    the call did: nothing is drawn for the way there, which was not planned or walked here.
    """
    pieces: list[list[tuple[float, float, float]]] = [[]]
    nodes = plan.graph.nodes

    def at(node: int, second: float) -> tuple[float, float, float]:
        return float(nodes.at[node, "lon"]), float(nodes.at[node, "lat"]), second

    for leg in route.legs:
        points = pieces[-1]
        if leg.kind == "walk":
            coords = _leg_coordinates(plan, leg, wgs84)
            points.extend(coords if not points else coords[1:])
        elif leg.away_on_call:
            if not points:
                points.append(at(leg.from_node, leg.start_s))
            pieces.append([at(leg.to_node, leg.end_s)])
        else:
            if not points:
                points.append(at(leg.from_node, leg.start_s))
            points.append(at(leg.to_node, leg.end_s))
    return [piece for piece in pieces if piece]


def route_track(plan: Plan, route: Route, wgs84: gpd.GeoSeries) -> list[tuple[float, float, float]]:
    """Trace the whole route as (lon, lat, seconds) points: :func:`route_pieces` joined.

    Where a call took the unit elsewhere, the track is at the call's place from the call's
    start, as the schedule names it (where the unit was on its way is not known).
    """
    track: list[tuple[float, float, float]] = []
    for piece in route_pieces(plan, route, wgs84):
        if track and piece[0][:2] != track[-1][:2]:  # after a call: there from its start
            track.append((*piece[0][:2], track[-1][2]))
        track.extend(piece)
    return track


def position_at(
    track: list[tuple[float, float, float]] | np.ndarray, at_s: float
) -> tuple[float, float]:
    """Where a timed track (:func:`route_track`) is at ``at_s``: linear between points."""
    rows = np.asarray(track, dtype=float)
    lon = float(np.interp(at_s, rows[:, 2], rows[:, 0]))
    lat = float(np.interp(at_s, rows[:, 2], rows[:, 1]))
    return lon, lat


def direction_marks(
    path: list[list[float]], every_m: float = 250.0, shortest_m: float = 40.0
) -> list[tuple[float, float, float]]:
    """Where to mark the direction walked along a [lon, lat] path: (lon, lat, angle) triples.

    One mark halfway along each ``every_m`` metres walked (the first ``every_m / 2`` metres in),
    and one at the middle of a path shorter than that but at least ``shortest_m`` long. The
    angle is the heading there in degrees, counter-clockwise from east, as a map with north up
    draws it. Distances use :func:`metres_per_degree`.
    """
    points = np.asarray(path, dtype=float).reshape(-1, 2)
    if len(points) < 2:
        return []
    xy = points * metres_per_degree(float(points[:, 1].mean()))
    step = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(step)])
    total = float(cum[-1])
    if total < shortest_m:
        return []
    at = np.arange(every_m / 2, total, every_m) if total >= every_m else np.array([total / 2])
    piece = np.searchsorted(cum, at, side="right") - 1  # cum[piece] <= at < cum[piece + 1]
    share = (at - cum[piece]) / step[piece]  # so that step > 0: no standing still
    lonlat = points[piece] + share[:, None] * (points[piece + 1] - points[piece])
    d = xy[piece + 1] - xy[piece]
    angle = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
    return [(float(x), float(y), float(a)) for (x, y), a in zip(lonlat, angle, strict=True)]
