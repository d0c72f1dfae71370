"""The first view of a map: fitted to the points it must show, in a map of a given size."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pydeck as pdk

from planner.plan import Plan
from planner.tracks import metres_per_degree

#: Map height in pixels, and the width assumed when fitting the initial view.
MAP_HEIGHT_PX = 600
ASSUMED_WIDTH_PX = 900
#: deck.gl and MapLibre draw the world this many pixels wide at zoom 0.
WORLD_PX = 512


def fit_view(
    lon: np.ndarray,
    lat: np.ndarray,
    margin: float = 0.1,
    width_px: int = ASSUMED_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
) -> pdk.ViewState:
    """Fit a view showing every point (WGS84) with a margin, in a map of the given size."""
    lon_min, lon_max = float(np.min(lon)), float(np.max(lon))
    lat_min, lat_max = float(np.min(lat)), float(np.max(lat))
    mid_lat = (lat_min + lat_max) / 2
    lon_span = max(lon_max - lon_min, 1e-4) * (1 + 2 * margin)
    lat_span = max(lat_max - lat_min, 1e-4) * (1 + 2 * margin) / math.cos(math.radians(mid_lat))
    zoom_w = math.log2(width_px * 360 / (WORLD_PX * lon_span))
    zoom_h = math.log2(height_px * 360 / (WORLD_PX * lat_span))
    return pdk.ViewState(
        longitude=(lon_min + lon_max) / 2,
        latitude=mid_lat,
        zoom=round(min(zoom_w, zoom_h, 18.0), 2),
        pitch=0,
        bearing=0,
    )


def focus_points(
    plan: Plan, routes: list[dict[str, Any]], posts: list[dict[str, Any]]
) -> tuple[np.ndarray, np.ndarray]:
    """Points the first view must show: routes, and posts with their radius; else every street."""
    points = [np.asarray(r["path"]) for r in routes]
    for post in posts:
        lon, lat = post["position"]
        dlon, dlat = (post["radius"] / m for m in metres_per_degree(lat))
        points.append(np.array([[lon - dlon, lat - dlat], [lon + dlon, lat + dlat]]))
    if not points:
        return plan.graph.nodes["lon"].to_numpy(), plan.graph.nodes["lat"].to_numpy()
    stacked = np.vstack(points)
    return stacked[:, 0], stacked[:, 1]
