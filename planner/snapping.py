"""Incidents snapped to their nearest street segment, and why none did when none lies near."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from planner._incident_schemas import (
    SCHEMAS,
    columns_swapped,
    generic_keys,
    points_swapped,
    swap_fix,
)
from planner.errors import IncidentDataError
from planner.graph import PART_INSIDE, StreetGraph
from planner.incidents import LoadReport

#: Points per thread at least, when snapping on several cores.
SNAP_CHUNK = 10_000


def snap_to_segments(
    graph: StreetGraph, lon: np.ndarray, lat: np.ndarray, max_snap_m: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest segment of each point within ``max_snap_m`` (one value, or one per point).

    Exact distances, from a spatial index of the streets (:meth:`shapely.STRtree.query_nearest`,
    the points shared out over the cores); of streets equally near, the one numbered first.

    Returns
    -------
    tuple of numpy.ndarray
        Positions of the points that were snapped, and their segment indices (points farther
        than ``max_snap_m`` from every street, not on the map's projection, or outside the part
        of the map file kept (:attr:`StreetGraph.cut`), are absent).
    """
    x_m, y_m = graph.project_lonlat(lon, lat)
    limit = np.broadcast_to(np.asarray(max_snap_m, dtype=float), (len(x_m),))
    on_map = np.isfinite(x_m) & np.isfinite(y_m)
    if graph.cut is not None:  # the part of the map file kept: the area
        on_map &= shapely.contains_xy(graph.cut, np.nan_to_num(x_m), np.nan_to_num(y_m))
    on_map = np.flatnonzero(on_map)
    if len(on_map) == 0:
        return on_map, on_map.copy()
    tree = shapely.STRtree(graph.segments.geometry.to_numpy())
    reach = float(limit.max())

    def nearest(rows: np.ndarray) -> pd.DataFrame:
        (near, seg), dist = tree.query_nearest(
            shapely.points(x_m[rows], y_m[rows]),
            max_distance=reach,
            return_distance=True,
            all_matches=True,
        )
        return pd.DataFrame({"row": rows[near], "seg": seg, "d": dist})

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    chunks = np.array_split(on_map, min(cores or 1, -(-len(on_map) // SNAP_CHUNK)))
    if len(chunks) == 1:
        best = nearest(on_map)
    else:
        with ThreadPoolExecutor(len(chunks)) as pool:  # shapely lets go of the GIL: all cores
            best = pd.concat(list(pool.map(nearest, chunks)), ignore_index=True)
    best = best[best["d"] <= limit[best["row"]]].sort_values(["row", "d", "seg"], kind="stable")
    best = best.drop_duplicates("row")
    return best["row"].to_numpy(), best["seg"].to_numpy()


def snap_incidents(
    graph: StreetGraph,
    incidents: pd.DataFrame,
    max_snap_m: float | np.ndarray,
    reports: list[LoadReport] | tuple[()] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Snap the incidents (``lon``, ``lat``) to their nearest segments (:func:`snap_to_segments`).

    Raises
    ------
    IncidentDataError
        If none lies within ``max_snap_m`` of a street: it says why (swapped coordinates are
        detected and named, with the columns to read instead when ``reports`` know them, else
        another city or period).
    """
    point_idx, seg_idx = snap_to_segments(
        graph, incidents["lon"].to_numpy(), incidents["lat"].to_numpy(), max_snap_m
    )
    if len(point_idx) == 0:
        why, swapped = _no_incident_near(graph, incidents, max_snap_m, reports)
        mapping = _swap_mapping(reports[0]) if swapped and len(reports) == 1 else {}
        raise IncidentDataError(why, mapping)
    _check_every_file_near(graph, incidents, point_idx, max_snap_m, reports)
    return point_idx, seg_idx


def within_box(lat: np.ndarray, lon: np.ndarray, box: list[float]) -> np.ndarray:
    """Whether each point lies in ``box`` (south, north, west, east; degrees)."""
    south, north, west, east = box
    return (lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)


def swapped_rows(graph: StreetGraph, incidents: pd.DataFrame, kept_idx: np.ndarray) -> str:
    """``"; 440 of them lie in the area with latitude and longitude exchanged ..."``, or "".

    Rows whose coordinates were written the wrong way round lie far away; with the two
    exchanged they fall in the area's box.
    """
    lost = np.ones(len(incidents), dtype=bool)
    lost[kept_idx] = False
    lat = incidents["lat"].to_numpy(dtype=float)[lost]
    lon = incidents["lon"].to_numpy(dtype=float)[lost]
    lats, lons = graph.nodes["lat"], graph.nodes["lon"]
    inside = within_box(lon, lat, [lats.min(), lats.max(), lons.min(), lons.max()])
    if not inside.any():
        return ""
    where = incidents.loc[lost].loc[inside]
    first = f" (e.g. latitude {where['lat'].iloc[0]:g}, longitude {where['lon'].iloc[0]:g}"
    first += f" in {Path(str(where['file'].iloc[0])).name})" if "file" in where else ")"
    return (
        f"; {int(inside.sum())} of them lie in the area with latitude and longitude exchanged"
        f"{first}: those rows have them written the wrong way round; fix them in the file"
    )


def _check_every_file_near(
    graph: StreetGraph,
    incidents: pd.DataFrame,
    point_idx: np.ndarray,
    max_snap_m: float | np.ndarray,
    reports: list[LoadReport] | tuple[()],
) -> None:
    """Refuse a file of several none of whose incidents lies near a street of the area.

    A whole file lost is a mistake (swapped columns, another city's export), not rows to drop:
    it is named, with the same diagnosis a single file gets.
    """
    if "file" not in incidents:
        return
    files = incidents["file"].to_numpy()
    for file, (lost, rows) in lost_per_file(incidents, point_idx).iterrows():
        if lost < rows:
            continue
        mine = files == file
        limit = max_snap_m if np.ndim(max_snap_m) == 0 else np.asarray(max_snap_m)[mine]
        own = [r for r in reports if r.file == file]
        why, _ = _no_incident_near(graph, incidents[mine], limit, own)
        msg = (
            f"{file}: {why}. The other incident files do have incidents in the area; fix this "
            "one, or leave it out"
        )
        raise IncidentDataError(msg)


def lost_per_file(incidents: pd.DataFrame, kept_idx: np.ndarray) -> pd.DataFrame:
    """Per incident file (in file order): incidents not kept (``lost``) and all (``rows``)."""
    kept = np.zeros(len(incidents), dtype=bool)
    kept[kept_idx] = True
    return (
        pd.DataFrame({"lost": ~kept, "rows": 1})
        .groupby(incidents["file"].to_numpy(), sort=False)
        .sum()
        .astype(int)
    )


ANOTHER_CITY_M = 50_000.0
"""Incidents whose middle lies this far from the area's are likely another city's: the message
says to check the file first, and to widen the area's box only if the map file covers them."""


def _apart(graph: StreetGraph, lon: np.ndarray, lat: np.ndarray) -> tuple[str, float]:
    """Say where the incidents lie against the area (medians); return it and the metres apart."""
    from pyproj import Geod

    here = float(np.nanmedian(lat)), float(np.nanmedian(lon))
    area = float(graph.nodes["lat"].median()), float(graph.nodes["lon"].median())
    _, _, metres = Geod(ellps="WGS84").inv(here[1], here[0], area[1], area[0])
    return (
        f"they lie around {here[0]:.4f}, {here[1]:.4f} (latitude, longitude), the area around "
        f"{area[0]:.4f}, {area[1]:.4f}, {metres / 1000:,.0f} km away"
    ), float(metres)


def _outside_cut(graph: StreetGraph, lon: np.ndarray, lat: np.ndarray) -> str:
    """Say how many points lie outside the part of the map file kept; or "".

    Returns ``"all 3 lie outside the part of the map file kept (area.bbox_deg [...])"`` when
    the graph was cut (:attr:`StreetGraph.cut`) and some lie outside it, else ``""``.
    """
    if graph.cut is None:
        return ""
    x_m, y_m = graph.project_lonlat(lon, lat)
    outside = int(np.count_nonzero(~shapely.contains_xy(graph.cut, x_m, y_m)))
    if not outside:
        return ""
    many = f"all {outside}" if outside == len(lon) else f"{outside}"
    kept = graph.source.rpartition(PART_INSIDE)[2]
    return f"{many} lie outside the part of the map file kept ({kept})"


def _swap_fix(report: LoadReport) -> str | None:
    """How to read ``report``'s file with its coordinate columns the other way round, if known."""
    if len(report.coordinates) == 2:
        swapped = columns_swapped(*report.coordinates)
        return f"read it with the columns the other way round: {swapped}"
    if len(report.coordinates) == 1:  # one column of points
        return points_swapped(report.coordinates[0])
    schema = SCHEMAS.get(report.schema)
    return swap_fix(schema) if schema is not None and schema.lat_col else None


def _swap_mapping(report: LoadReport) -> dict[str, str]:
    """Return the mapping that reads ``report``'s file with latitude and longitude swapped.

    A file read with ``schema: generic`` gets its x and y columns exchanged (the rest of its
    mapping stays as it was); a known schema's export, the generic keys that read it so. Empty
    for a column of points, or when the file's coordinate columns are not known.
    """
    if len(report.coordinates) == 2:
        x_col, y_col = report.coordinates
        return {"schema": "generic", "x_col": y_col, "y_col": x_col}
    schema = SCHEMAS.get(report.schema)
    if report.coordinates or schema is None or not (schema.lat_col and schema.lon_col):
        return {}
    return {"schema": "generic", **generic_keys(schema, schema.lat_col, schema.lon_col)}


def _no_incident_near(
    graph: StreetGraph,
    incidents: pd.DataFrame,
    max_snap_m: float | np.ndarray,
    reports: list[LoadReport] | tuple[()] = (),
) -> tuple[str, bool]:
    """Why no incident snapped, and whether latitude and longitude look swapped (said so)."""
    lon, lat = incidents["lon"].to_numpy(), incidents["lat"].to_numpy()
    could = np.abs(lon) <= 90.0  # a longitude beyond +-90 cannot be a swapped latitude
    limit = max_snap_m if np.ndim(max_snap_m) == 0 else np.asarray(max_snap_m)[could]
    swapped, _ = snap_to_segments(graph, lat[could], lon[could], limit)
    none = (
        f"none of the {len(incidents)} incidents lies within {np.max(max_snap_m):.0f} m of a "
        "street of the area"
    )
    if not len(swapped):
        mapped = [  # columns that may hold eastings and northings, in a crs of their own
            r.coordinates
            for r in reports
            if len(r.coordinates) == 2
            and not ("lon" in r.coordinates[0].lower() and "lat" in r.coordinates[1].lower())
        ]
        crs = (
            f", and, if '{mapped[0][0]}' and '{mapped[0][1]}' are not in degrees, that the "
            f"mapping's crs is the one they are in and that '{mapped[0][0]}' holds the "
            "eastings (x_col) and the other the northings"
            if mapped
            else ""
        )
        where, metres = _apart(graph, lon, lat)
        outside = _outside_cut(graph, lon, lat)
        check = f"check that the incident file covers the same city and period{crs}"
        if not outside:
            return f"{none}: {where}; {check}", False
        if metres >= ANOTHER_CITY_M:  # most likely another city's file: that first
            return (
                f"{none}: {where}; {check}; {outside}: if the map file covers them, widen it",
                False,
            )
        return f"{none}: {where}; {outside}: widen it to take them in, or {check}", False
    fixes = [_swap_fix(r) for r in reports]
    if fixes and all(fixes):
        fix = "; ".join(f"{r.file}: {fix}" for r, fix in zip(reports, fixes, strict=True))
    else:
        fix = (
            "read it with schema: generic, x_col the column that holds the longitudes, y_col "
            "the one with the latitudes, and time_col and type_col for the dates and offence "
            "types"
        )
    return (
        f"{none}, but {len(swapped)} would with latitude and longitude swapped: the file's "
        f"coordinate columns look swapped; {fix}"
    ), True
