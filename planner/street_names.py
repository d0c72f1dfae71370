"""Street node names: readable place names from the OSM streets that meet at each node."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.graph import StreetGraph


def place_names(graph: StreetGraph, node_ids: list[int]) -> dict[int, str]:
    """Readable names of street nodes from OSM street names, e.g. ``"Kaivokatu / Keskuskatu"``.

    A node takes the two longest differently named streets that meet there (above ground, for a
    node on a street above ground); a node on unnamed paths takes ``"near <street>"`` from the
    closest named street within 150 m (straight line; above ground, walkable or not, as a road
    whose sidewalks are mapped apart); failing that, its position.
    Nodes of the graph that would share a name are told apart by the closest other street
    (``"Kaivokatu, 40 m from Mikonkatu"``), then by number along the street, from west or from
    south. Names are those of the whole graph, so a node keeps its name from one plan to the
    next.
    """
    names = _graph_names(graph)
    return {node: names[node] for node in node_ids}


#: Farthest a sidewalk mapped apart lies from its road's centre line, metres (an avenue's half
#: width and its sidewalk).
SIDEWALK_M = 20.0

#: Most a sidewalk's heading turns from its road's, degrees: a crossing turns off it.
SIDEWALK_DEG = 20.0


def segment_names(graph: StreetGraph) -> dict[int, str]:
    """Street name of each segment an officer walks, by position in ``graph.segments``.

    A named segment takes its own name. An unnamed sidewalk mapped as a way of its own
    (``footway=sidewalk``, as in Manhattan) above ground that runs beside a named street above
    ground, within :data:`SIDEWALK_M` of it all along and within :data:`SIDEWALK_DEG` of its
    heading, takes that street's name: walking it is walking the avenue. Other unnamed segments
    (a crossing, a path in a park, a driveway, a walkway over the road) have none. Computed
    once per graph, kept with it.
    """
    if not graph.segment_names:
        graph.segment_names.update(_segment_names_of(graph))
    return graph.segment_names


def _segment_names_of(graph: StreetGraph) -> dict[int, str]:
    """Name the segments of ``graph`` (see :func:`segment_names`)."""
    names = graph.segments["name"].to_numpy()
    own = {i: str(n) for i, n in enumerate(names) if isinstance(n, str) and n}
    segments = graph.segments
    beside_road = segments["sidewalk"].to_numpy(bool) & ~segments["underground"].to_numpy(bool)
    unnamed = np.flatnonzero([i not in own and beside_road[i] for i in range(len(names))])
    named = graph.segments[graph.segments["name"].notna()]
    streets = _named_lines(graph, named)
    if not len(unnamed) or not len(streets):
        return own
    lines = graph.segments.geometry.to_numpy()[unnamed]
    mid = shapely.line_interpolate_point(lines, 0.5, normalized=True)
    geoms = streets.geometry.to_numpy()
    at, near = shapely.STRtree(geoms).query(mid, predicate="dwithin", distance=SIDEWALK_M)
    turn = np.abs(_bearing_near(lines[at], mid[at]) - _bearing_near(geoms[near], mid[at]))
    beside = pd.DataFrame(
        {
            "at": at,
            "street": near,
            "metres": shapely.distance(mid[at], geoms[near]),
            "along": np.minimum(turn, 180.0 - turn) < SIDEWALK_DEG,
        }
    )
    for share in (0.1, 0.9):  # and near it at both ends, not only in the middle
        end = shapely.line_interpolate_point(lines, share, normalized=True)
        beside["along"] &= shapely.distance(end[at], geoms[near]) <= SIDEWALK_M
    closest = beside[beside["along"]].sort_values(["at", "metres"]).drop_duplicates("at")
    street = streets["name"].to_numpy()
    return own | {
        int(unnamed[a]): str(street[s])
        for a, s in zip(closest["at"], closest["street"], strict=True)
    }


def _graph_names(graph: StreetGraph) -> dict[int, str]:
    """Return the name of every node of ``graph`` (computed once per graph, kept with it)."""
    if not graph.names:  # threads naming a new graph at once compute equal names
        graph.names.update(_names_of(graph))
    return graph.names


def _names_of(graph: StreetGraph) -> dict[int, str]:
    """Name every node of ``graph`` (see :func:`place_names`)."""
    seg = graph.segments[graph.segments["name"].notna()]
    ends = pd.concat(
        [
            pd.DataFrame({"node": seg["u"], "name": seg["name"], "len": seg["length_m"]}),
            pd.DataFrame({"node": seg["v"], "name": seg["name"], "len": seg["length_m"]}),
        ]
    )
    # a node on a street above takes no name from a way below
    below = np.concatenate([seg["underground"].to_numpy(bool)] * 2)
    ends = ends[~below | ~ends["node"].isin(_street_level(graph)).to_numpy()]
    ranked = (
        ends.groupby(["node", "name"], sort=True)["len"]
        .sum()
        .reset_index()
        .sort_values(["node", "len", "name"], ascending=[True, False, True], kind="stable")
    )
    by_node = ranked.groupby("node", sort=False)["name"].apply(lambda s: list(s)[:2]).to_dict()
    node_ids = [int(n) for n in graph.nodes.index]
    lines = _named_lines(graph, seg)
    nearby = _nearby_names(graph, lines, [n for n in node_ids if not by_node.get(n)])
    base = {n: " / ".join(by_node[n]) if by_node.get(n) else nearby[n] for n in node_ids}
    return _told_apart(graph, lines, base)


def _street_level(graph: StreetGraph) -> set[int]:
    """Return the nodes on a street above ground (named or not)."""
    above = graph.segments[~graph.segments["underground"].astype(bool)]
    return set(above["u"].tolist()) | set(above["v"].tolist())


def _named_lines(graph: StreetGraph, named: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the named streets a spot is named near: the graph's and the map file's named ways.

    Streets underground or indoors (a station's concourse) name no spot above them. Where
    sidewalks are mapped as ways of their own (Manhattan), the road between them is no walking
    street, and the sidewalks have no name: the road names the spots on them.
    """
    named = named[~named["underground"].astype(bool)]
    if graph.named_ways is None or not len(graph.named_ways):
        return named
    ways = graph.named_ways[["name", "geometry"]]
    return pd.concat([named[["name", "geometry"]], ways], ignore_index=True)


def _told_apart(
    graph: StreetGraph, named: gpd.GeoDataFrame, names: dict[int, str]
) -> dict[int, str]:
    """Names made distinct: a shared name gets how far the closest other street is.

    ``"Kaivokatu, 40 m from Keskuskatu"``; names still shared then get their rank along the
    street (:func:`_ranked_along`), ``"Kaivokatu, 40 m from Keskuskatu, 2nd from west"``.
    Names that differ only by ``near`` (a node on a path beside the street) count as shared:
    ranked together, they differ by more than a word an officer may miss.
    """
    return _ranked_along(graph, _with_distance(named, graph, names))


#: Least angle, in degrees, between a node's street and another for the other to cross it.
CROSSING_DEG = 30.0


def _with_distance(
    named: gpd.GeoDataFrame, graph: StreetGraph, names: dict[int, str]
) -> dict[int, str]:
    """Shared names get how far the closest other named street is (within 150 m).

    For a node on one street, a street that crosses it (at :data:`CROSSING_DEG` or more) is
    taken before a nearer one running alongside it: on a grid, the avenue at the block's end
    tells an officer where to stand; the parallel street behind the buildings does not.
    """
    base = pd.Series(names)
    shared = base[base.duplicated(keep=False)]
    if shared.empty or not len(named):
        return names
    xy = graph.nodes.loc[shared.index, ["x_m", "y_m"]].to_numpy()
    geoms = named.geometry.to_numpy()
    points = shapely.points(xy[:, 0], xy[:, 1])
    src, dst = shapely.STRtree(geoms).query(points, predicate="dwithin", distance=150.0)
    near = pd.DataFrame(
        {
            "at": src,
            "street": named["name"].to_numpy()[dst],
            "metres": shapely.distance(points[src], geoms[dst]),
            "bearing": _bearing_near(geoms[dst], points[src]),
        }
    )
    own = shared.to_numpy()[near["at"].to_numpy()]
    other = np.array(
        [
            s not in o.removeprefix("near ").split(" / ")
            for s, o in zip(near["street"], own, strict=True)
        ],
        dtype=bool,
    )
    # each node's own street runs as the closest piece of it does
    heading = (
        near[~other].sort_values(["at", "metres"], kind="stable").drop_duplicates("at")
    ).set_index("at")["bearing"]
    turn = np.abs(near["bearing"].to_numpy() - heading.reindex(near["at"]).to_numpy())
    turn = np.minimum(turn, 180.0 - turn)
    single = np.array([" / " not in o for o in own], dtype=bool)  # a corner has two headings
    near["alongside"] = single & (turn < CROSSING_DEG)  # False where the heading is unknown
    closest = (
        near[other]
        .sort_values(["at", "alongside", "metres", "street"], kind="stable")
        .drop_duplicates("at")
    )
    told = shared.copy()
    metres = np.maximum(10, np.round(closest["metres"].to_numpy(), -1)).astype(int)
    told.iloc[closest["at"].to_numpy()] = [
        f"{name}, {m} m from {street}"
        for name, m, street in zip(
            shared.to_numpy()[closest["at"]], metres, closest["street"], strict=True
        )
    ]
    return dict(names) | told.to_dict()


def _bearing_near(lines: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Direction of each line where it passes closest to its point, in degrees from 0 to 180."""
    at = shapely.line_locate_point(lines, points)
    length = shapely.length(lines)
    before = shapely.line_interpolate_point(lines, np.clip(at - 5.0, 0.0, length))
    after = shapely.line_interpolate_point(lines, np.clip(at + 5.0, 0.0, length))
    dx = shapely.get_x(after) - shapely.get_x(before)
    dy = shapely.get_y(after) - shapely.get_y(before)
    return np.degrees(np.arctan2(dy, dx)) % 180.0


def _ranked_along(graph: StreetGraph, names: dict[int, str]) -> dict[int, str]:
    """Names still shared, or alike but for ``near``, get their rank along the street.

    From west to east, or from south to north where the spots sharing the name lie farther
    apart north to south than east to west (a street running north): ``2nd from south``.
    """
    out = dict(names)
    given = pd.Series(out)
    # "near Kaivokatu, ..." and "Kaivokatu, ..." read alike: they are numbered together
    alike = given.str.removeprefix("near ")
    same = given[alike.duplicated(keep=False)]
    xy = graph.nodes.loc[same.index, ["x_m", "y_m"]].to_numpy()
    order = pd.DataFrame(
        {"name": same, "key": alike[same.index], "x": xy[:, 0], "y": xy[:, 1], "node": same.index}
    )
    spans = order.groupby("key")[["x", "y"]].agg(lambda c: c.max() - c.min())
    north = (spans["y"] > spans["x"]).reindex(order["key"]).to_numpy()
    order["along"] = np.where(north, order["y"], order["x"])
    order["side"] = np.where(north, "south", "west")
    order = order.sort_values(["key", "along", "node"])
    order["k"] = order.groupby("key").cumcount() + 1
    out |= {
        int(n): f"{name}, {_ordinal(k)} from {side}"
        for n, name, k, side in zip(
            order["node"], order["name"], order["k"], order["side"], strict=True
        )
    }
    return out


def _ordinal(k: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st."""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _nearby_names(graph: StreetGraph, named: gpd.GeoDataFrame, nodes: list[int]) -> dict[int, str]:
    """``near <street>`` from the closest named street within 150 m, else the position."""
    if not nodes:
        return {}
    xy = graph.nodes.loc[nodes, ["x_m", "y_m"]].to_numpy()
    found = {}
    if len(named):
        tree = shapely.STRtree(named.geometry.to_numpy())
        (src, dst), _ = tree.query_nearest(
            shapely.points(xy[:, 0], xy[:, 1]),
            max_distance=150.0,
            return_distance=True,
            all_matches=False,
        )
        found = {
            int(a): str(named["name"].iat[b])  # noqa: PD009 scalar by position
            for a, b in zip(src, dst, strict=True)
        }
    out = {}
    for i, node in enumerate(nodes):
        if i in found:
            out[node] = f"near {found[i]}"
        else:
            lat = graph.nodes.at[node, "lat"]  # noqa: PD008 scalar lookup
            lon = graph.nodes.at[node, "lon"]  # noqa: PD008 scalar lookup
            out[node] = f"path at {lat:.5f}, {lon:.5f}"
    return out
