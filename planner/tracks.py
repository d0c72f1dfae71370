"""Timed tracks of routes along the streets: what the GPX files, the briefing and the map draw."""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from planner.plan import Leg, Plan, Route


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


def route_track(plan: Plan, route: Route, wgs84: gpd.GeoSeries) -> list[tuple[float, float, float]]:
    """Trace the whole route as (lon, lat, seconds) points, standing still through each dwell.

    A route may start standing still (held back or waiting at the station); a ``call`` leg
    (answered before a re-plan) jumps to where the call took the unit.
    """
    points: list[tuple[float, float, float]] = []
    nodes = plan.graph.nodes
    for leg in route.legs:
        if leg.kind == "walk":
            coords = _leg_coordinates(plan, leg, wgs84)
            points.extend(coords if not points else coords[1:])
            continue
        if not points:
            start = nodes.loc[leg.from_node]
            points.append((float(start["lon"]), float(start["lat"]), leg.start_s))
        end = nodes.loc[leg.to_node]
        points.append((float(end["lon"]), float(end["lat"]), leg.end_s))
    return points


def position_at(track: list[tuple[float, float, float]], at_s: float) -> tuple[float, float]:
    """Where a timed track (:func:`route_track`) is at ``at_s``: linear between points."""
    rows = np.asarray(track, dtype=float)
    lon = float(np.interp(at_s, rows[:, 2], rows[:, 0]))
    lat = float(np.interp(at_s, rows[:, 2], rows[:, 1]))
    return lon, lat
