"""Ways a patrol keeps off: steps, private ways, and unlit ways when the shift runs after dusk.

Whether a shift is dark comes from the sun's elevation at the area's centre (civil twilight,
checked every 10 minutes); the segments come from the OSM tags kept on the street graph
(``highway``, ``access``, ``lit``).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from planner.graph import PRIVATE_ACCESS, StreetGraph

#: Sun elevation below which it is dark (civil twilight), degrees.
DARK_BELOW_DEG = -6.0


def sun_elevation_deg(lat: float, lon: float, when: dt.datetime) -> float:
    """Approximate solar elevation (NOAA low-accuracy formulas, ~0.5 degree) at an aware time."""
    utc = when.astimezone(dt.UTC)
    hour = utc.hour + utc.minute / 60 + utc.second / 3600
    gamma = 2 * math.pi / 365 * (utc.timetuple().tm_yday - 1 + (hour - 12) / 24)
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * math.cos(gamma)
        - 0.032077 * math.sin(gamma)
        - 0.014615 * math.cos(2 * gamma)
        - 0.040849 * math.sin(2 * gamma)
    )
    decl = (
        0.006918
        - 0.399912 * math.cos(gamma)
        + 0.070257 * math.sin(gamma)
        - 0.006758 * math.cos(2 * gamma)
        + 0.000907 * math.sin(2 * gamma)
        - 0.002697 * math.cos(3 * gamma)
        + 0.00148 * math.sin(3 * gamma)
    )
    solar_min = hour * 60 + eqtime + 4 * lon
    hour_angle = math.radians(solar_min / 4 - 180)
    phi = math.radians(lat)
    cos_zenith = math.sin(phi) * math.sin(decl) + math.cos(phi) * math.cos(decl) * math.cos(
        hour_angle
    )
    return 90 - math.degrees(math.acos(max(-1.0, min(1.0, cos_zenith))))


def dark_during(lat: float, lon: float, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether any part of the shift (checked every 10 minutes) falls after dusk."""
    step = dt.timedelta(minutes=10)
    when = start
    while when <= end:
        if sun_elevation_deg(lat, lon, when) < DARK_BELOW_DEG:
            return True
        when += step
    return False


def avoided_segments(graph: StreetGraph, avoid: list[str], dark: bool) -> frozenset[int]:
    """Segments a patrol keeps off: unlit ways when the shift runs after dusk, private, steps."""
    seg = graph.segments
    banned = np.zeros(len(seg), dtype=bool)
    if "steps" in avoid:
        banned |= (seg["highway"] == "steps").to_numpy()
    if "private" in avoid and "access" in seg:
        banned |= seg["access"].isin(PRIVATE_ACCESS).to_numpy()
    if "unlit_after_dark" in avoid and dark:
        banned |= (seg["lit"] == "no").to_numpy()
    return frozenset(np.flatnonzero(banned).tolist())


def walkable_nodes(graph: StreetGraph, avoided: frozenset[int]) -> np.ndarray:
    """Mask of the nodes in the largest part of the street network left by the avoided ways.

    A station or a unit's position snaps to these, so that a point beside steps a patrol
    avoids does not land on a node only the steps reach.
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    seg = graph.segments
    keep = np.ones(len(seg), dtype=bool)
    keep[list(avoided)] = False
    u, v = seg["u_idx"].to_numpy()[keep], seg["v_idx"].to_numpy()[keep]
    n = len(graph.nodes)
    links = sparse.coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, label = connected_components(links, directed=False)
    touched = np.zeros(n, dtype=bool)
    touched[u] = touched[v] = True
    if not touched.any():
        return touched
    largest = np.bincount(label[touched]).argmax()
    return touched & (label == largest)
