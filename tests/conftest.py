"""Shared fixtures: a tiny grid graph, the embedded Helsinki graph, and the team's shared data."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import subprocess
import warnings
from pathlib import Path

import networkx as nx
import pytest
from shapely.geometry import LineString

from planner.graph import StreetGraph, build_street_graph, load_street_graph
from planner.patrol import Patrol
from planner.scenario import AreaSpec

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

GRID_LAT, GRID_LON = 60.17, 24.94
STEP_M = 100.0


def cli(*args: object, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The command line's ``main`` in this process (no second start-up of Python and osmnx).

    Warnings print as they would in a terminal; an exception other than the exit the command
    line chooses propagates, so a traceback a user would see fails the test.
    """
    from planner.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with (
        contextlib.chdir(cwd),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("default")
        try:
            main([str(arg) for arg in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def shared_file(relative: str) -> Path:
    """A file of ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"shared data not available: {path} (tests read it from ../shared/data)")
    return path


def patrol_at(station: int, **changes: object) -> Patrol:
    """Foot-patrol rules from ``station`` (3 units, 3 h, 12 min stops), with ``changes``."""
    base = Patrol(
        units=3,
        start_idx=station,
        end_idx=station,
        shift_s=3 * 3600,
        pace_m_per_s=1.0,
        dwell_s=12 * 60,
        min_gap_s=3600,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def grid_lonlat(row: int, col: int) -> tuple[float, float]:
    """WGS84 position of grid node (row, col): rows go north, columns east, 100 m apart."""
    lat = GRID_LAT + row * STEP_M / 111_320.0
    lon = GRID_LON + col * STEP_M / (111_320.0 * math.cos(math.radians(GRID_LAT)))
    return lon, lat


def make_grid(size: int = 4) -> nx.MultiDiGraph:
    """A size x size grid of streets 100 m long, both directions, named by row and column."""
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for r in range(size):
        for c in range(size):
            lon, lat = grid_lonlat(r, c)
            graph.add_node(r * size + c, x=lon, y=lat)

    def street(a: int, b: int, name: str) -> None:
        line = LineString(
            [(graph.nodes[a]["x"], graph.nodes[a]["y"]), (graph.nodes[b]["x"], graph.nodes[b]["y"])]
        )
        for u, v, geom in ((a, b, line), (b, a, line.reverse())):
            graph.add_edge(
                u,
                v,
                length=STEP_M,
                name=name,
                highway="residential",
                geometry=geom,
                oneway=False,
                reversed=u != a,
            )

    for r in range(size):
        for c in range(size):
            n = r * size + c
            if c + 1 < size:
                street(n, n + 1, f"Row {r} Street")
            if r + 1 < size:
                street(n, n + size, f"Column {c} Avenue")
    return graph


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the app's tests first: their two files are the longest, so each of the two test
    processes starts one at once and takes the short files after it."""
    items.sort(key=lambda item: item.path.parent.name != "ui")


@pytest.fixture(scope="session")
def grid() -> StreetGraph:
    return build_street_graph(make_grid(), "4x4 test grid")


@pytest.fixture(scope="session")
def helsinki() -> StreetGraph:
    return load_street_graph(AreaSpec())


@pytest.fixture(scope="session")
def london_pbf() -> Path:
    return shared_file("osm/city_of_london_2020.osm.pbf")


@pytest.fixture(scope="session")
def helsinki_risk(helsinki: StreetGraph) -> tuple:
    """Risk-terrain map, hot spots and a station node position on the embedded Helsinki graph."""
    import numpy as np

    from planner.coverage import street_pieces
    from planner.graph import osm_features
    from planner.hotspots import find_hotspots
    from planner.risk import terrain_risk

    pieces = street_pieces(helsinki)
    risk = terrain_risk(helsinki, osm_features(AreaSpec(), helsinki), pieces, 100, 0.1)
    spots = find_hotspots(helsinki, risk, pieces, 50, 10, 50)
    station = int(
        np.argmin(np.hypot(helsinki.nodes["lat"] - 60.1699, helsinki.nodes["lon"] - 24.9384))
    )
    return risk, spots, station


@pytest.fixture(scope="session")
def two_officer_plan():
    """A real plan of the default scenario for two officers and three posts, read-only.

    The search stops at its iterations, not the clock: the same plan on a busy machine.
    """
    import datetime as dt

    from planner.pipeline import run
    from planner.scenario import load_scenario

    scenario = load_scenario(ROOT / "scenarios/helsinki_default.yaml")
    scenario = scenario.model_copy(
        update={
            "officers": scenario.officers.model_copy(update={"count": 2}),
            "solver": scenario.solver.model_copy(
                update={"time_limit_s": 60, "route_iterations": 150}
            ),
            "posts": scenario.posts.model_copy(update={"count": 3}),
        }
    )
    return run(scenario, today=dt.date(2026, 11, 25))
