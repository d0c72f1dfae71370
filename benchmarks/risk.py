"""Benchmark: shift-window risk for 1,000,000 incidents on a ~100,000-segment street graph.

Synthetic scale-up of real data, said plainly: the Atlanta extract (../shared/data/osm) is tiled
3 x 3 with offsets of its own width and height into one graph of ~99,000 street segments (the
tiles are not joined: risk does not walk between them), and the real Atlanta COBRA 2019
incidents that lie on the extract are replicated into every tile with a 20 m Gaussian jitter
until there are 1,000,000 of them, written as a COBRA-schema CSV and read back with the
planner's loader. Prints seconds per stage and the peak memory (target: under 30 s, under 4 GB,
on 2 cores).

Run: ``.venv/bin/python -m benchmarks.risk`` (needs ../shared/data).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from planner.graph import StreetGraph, load_street_graph
from planner.incidents import load_incidents
from planner.risk import incident_risk
from planner.scenario import AreaSpec, IncidentSpec

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
TILES = 3
TARGET_INCIDENTS = 1_000_000


def tiled(graph: StreetGraph, tiles: int) -> StreetGraph:
    """``tiles`` x ``tiles`` copies of a street graph, offset by its own extent."""
    nodes, segs, blocks = [], [], []
    width = graph.nodes["x_m"].max() - graph.nodes["x_m"].min() + 100
    height = graph.nodes["y_m"].max() - graph.nodes["y_m"].min() + 100
    n = len(graph.nodes)
    id_step = int(graph.nodes.index.max()) + 1
    for k in range(tiles * tiles):
        dx, dy = (k % tiles) * width, (k // tiles) * height
        part = graph.nodes.assign(x_m=graph.nodes["x_m"] + dx, y_m=graph.nodes["y_m"] + dy)
        part.index = part.index + k * id_step
        nodes.append(part)
        seg = graph.segments.copy()
        seg["u"] += k * id_step
        seg["v"] += k * id_step
        seg["u_idx"] += k * n
        seg["v_idx"] += k * n
        offset = np.array([dx, dy])
        seg = seg.set_geometry(
            shapely.transform(seg.geometry.to_numpy(), lambda xy, offset=offset: xy + offset)
        )
        segs.append(seg)
        blocks.append(graph.adjacency)
    all_nodes = pd.concat(nodes)
    xy = gpd.GeoSeries(gpd.points_from_xy(all_nodes["x_m"], all_nodes["y_m"]), crs=graph.crs)
    lonlat = xy.to_crs("EPSG:4326")
    all_nodes = all_nodes.assign(lon=lonlat.x.to_numpy(), lat=lonlat.y.to_numpy())
    segments = gpd.GeoDataFrame(pd.concat(segs, ignore_index=True), crs=graph.crs)
    return StreetGraph(
        graph.graph,
        segments,
        all_nodes,
        sparse.block_diag(blocks, format="csr"),
        graph.crs,
        f"{graph.source} tiled {tiles}x{tiles}",
        0,
    )


def replicated_cobra_csv(graph: StreetGraph, path: Path) -> int:
    """Write 1,000,000 jittered copies of the real incidents on the extract, COBRA schema."""
    raw = pd.read_csv(DATA / "incidents/atlanta_cobra_2019.csv", dtype=str)
    lon, lat = pd.to_numeric(raw["Longitude"]), pd.to_numeric(raw["Latitude"])
    ok = lon.notna() & lat.notna()
    raw, lon, lat = raw[ok], lon[ok].to_numpy(), lat[ok].to_numpy()
    x, y = graph.project_lonlat(lon, lat)
    on_extract = (
        (x >= graph.nodes["x_m"].min())
        & (x <= graph.nodes["x_m"].max())
        & (y >= graph.nodes["y_m"].min())
        & (y <= graph.nodes["y_m"].max())
    )
    raw, x, y = raw[on_extract], x[on_extract], y[on_extract]
    rng = np.random.default_rng(1)
    width = graph.nodes["x_m"].max() - graph.nodes["x_m"].min() + 100
    height = graph.nodes["y_m"].max() - graph.nodes["y_m"].min() + 100
    pick = rng.integers(0, len(raw), TARGET_INCIDENTS)
    tile = rng.integers(0, TILES * TILES, TARGET_INCIDENTS)
    tx = x[pick] + (tile % TILES) * width + rng.normal(0, 20, TARGET_INCIDENTS)
    ty = y[pick] + (tile // TILES) * height + rng.normal(0, 20, TARGET_INCIDENTS)
    points = gpd.GeoSeries(gpd.points_from_xy(tx, ty), crs=graph.crs).to_crs("EPSG:4326")
    out = raw.iloc[pick].copy()
    out["Longitude"] = np.round(points.x.to_numpy(), 6)
    out["Latitude"] = np.round(points.y.to_numpy(), 6)
    out["Report Number"] = np.arange(1, len(out) + 1)  # each copy its own incident
    out.to_csv(path, index=False)
    return len(out)


def main() -> None:
    """Build the inputs, then time each stage of the risk computation."""
    warnings.simplefilter("ignore")
    if not (DATA / "osm/atlanta_central_2021.osm.pbf").is_file():
        sys.exit(f"needs {DATA}/osm/atlanta_central_2021.osm.pbf and the COBRA 2019 file")
    base = load_street_graph(
        AreaSpec(source="file", path=DATA / "osm/atlanta_central_2021.osm.pbf")
    )
    graph = tiled(base, TILES)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "cobra_1m.csv"
        rows = replicated_cobra_csv(base, csv)
        stages: dict[str, float] = {}
        started = time.perf_counter()
        incidents, report = load_incidents(IncidentSpec(path=csv))
        stages["load CSV (loader, COBRA schema)"] = time.perf_counter() - started
    zone = ZoneInfo("America/New_York")
    # a Friday night just after the 2019 incidents: a plan weighs only what came before it
    shift = (dt.datetime(2020, 1, 3, 20, tzinfo=zone), dt.datetime(2020, 1, 4, 4, tzinfo=zone))
    started = time.perf_counter()
    risk = incident_risk(graph, incidents, [report], 100.0, 0.1, shift)
    stages["snap + window weights + density"] = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"graph: {len(graph.segments):,} street segments, {len(graph.nodes):,} nodes "
        f"({graph.source})"
    )
    print(f"incidents: {rows:,} written, {report.rows_kept:,} kept by the loader")
    print(
        f"risk: sums to {risk.segment_risk.sum():.6f}, "
        f"{risk.parameters['incidents_used']:,} incidents on streets"
    )
    for stage, seconds in stages.items():
        print(f"seconds: {stage:<36} {seconds:7.2f}")
    print(f"seconds: {'total':<36} {sum(stages.values()):7.2f}   (target < 30)")
    print(f"peak memory: {peak_gb:.2f} GB (target < 4; includes building the inputs)")


if __name__ == "__main__":
    main()
