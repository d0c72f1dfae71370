"""Neighbourhoods: which named area each street belongs to, and each area's exposure in a plan.

Exposure answers the commander's and the public's question: where does the plan put officers,
and is that in proportion to where the risk is? Per area the report gives its street length,
its share of the shift's risk, the presence it gets (risk x minutes, as the plan's objective)
and the officer-minutes spent on its streets.

Areas come from one of two sources:

* **OSM place labels** (default): the points tagged ``place`` = suburb, quarter or
  neighbourhood in the area's OSM file. OSM extracts rarely hold the boundaries of such places,
  so each street goes to the label nearest to its midpoint by walking (a network Voronoi
  diagram): an approximation of the named places, said so in the report.
* **A polygon file** (GeoJSON, GeoPackage or shapefile, any CRS): a city's official
  neighbourhoods, wards or police beats. A street goes to the polygon holding its midpoint, a
  node to the polygon holding it; streets in no polygon are reported as one more row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
from scipy.sparse.csgraph import dijkstra

from planner.errors import ScenarioError, warn
from planner.graph import PLACE_LABELS

if TYPE_CHECKING:
    from planner.coverage import Pieces
    from planner.graph import StreetGraph
    from planner.plan import Leg, Plan

#: Place labels farther than this from every street node are left out (straight line, metres).
LABEL_SNAP_M = 500.0
#: A label of another level than the one used fills a gap when this far from all its labels.
GAP_FILL_M = 600.0
#: Streets this far (walking, metres) from their label, over this share of all, are noted.
REMOTE_M = 1500.0
REMOTE_SHARE = 0.1
#: The report's name for the streets in none of the polygons given.
OUTSIDE = "(outside the areas given)"
#: Leg kinds during which a unit is out on the streets (meal breaks and calls are left out).
ON_STREET = ("walk", "dwell", "wait", "reserve")


@dataclass(frozen=True, slots=True)
class Neighbourhoods:
    """The area of every segment, node and street piece (-1: in none), and how it was made.

    ``names`` are the areas, in the order of the indices; empty when the source gave fewer than
    two areas (``notes`` say why).
    """

    names: tuple[str, ...]
    segment: np.ndarray
    node: np.ndarray
    piece: np.ndarray
    source: str
    notes: tuple[str, ...] = ()


def no_neighbourhoods(
    graph: StreetGraph, pieces: Pieces, source: str, notes: tuple[str, ...]
) -> Neighbourhoods:
    """No areas to report on, and why (``notes``)."""
    return Neighbourhoods(
        (),
        np.full(len(graph.segments), -1),
        np.full(len(graph.nodes), -1),
        np.full(len(pieces), -1),
        source,
        notes,
    )


def from_labels(graph: StreetGraph, pieces: Pieces, labels: gpd.GeoDataFrame) -> Neighbourhoods:
    """Give every street to the OSM place label nearest to its midpoint, walking.

    ``labels`` are points in the graph's CRS with ``value`` (the place level) and ``name``
    columns (see :func:`planner.graph.osm_place_labels`). Unnamed labels and those farther than
    :data:`LABEL_SNAP_M` from every street node are left out. The level with the most names
    is used (the finer on a tie), so that a suburb does not compete with the neighbourhoods
    inside it; a label of another level farther than :data:`GAP_FILL_M` from all of them fills
    a gap they leave. Labels of one name form one area.
    """
    named = labels[labels["name"].notna()]
    idx, dist = graph.nearest_node(named.geometry.x.to_numpy(), named.geometry.y.to_numpy())
    near = dist <= LABEL_SNAP_M
    far = int((~near).sum())
    notes = []
    if far:
        notes.append(
            f"{far} place label(s) farther than {LABEL_SNAP_M:.0f} m from the streets left out"
        )
    levels = named["value"].to_numpy()[near]
    names_at = named["name"].to_numpy()[near]
    xy = np.column_stack([named.geometry.x.to_numpy()[near], named.geometry.y.to_numpy()[near]])
    counts = {level: len(set(names_at[levels == level])) for level in set(levels)}
    fine = {level: k for k, level in enumerate(reversed(PLACE_LABELS))}  # finest first
    level = min(counts, key=lambda v: (-counts[v], fine.get(v, 99)), default="")
    keep = _with_gap_fillers(levels == level, xy)
    source = f"OSM place labels (place={level or 'suburb, quarter or neighbourhood'}"
    fillers = sorted(set(names_at[keep & (levels != level)]))
    source += f", and {', '.join(fillers)} where those leave gaps" if fillers else ""
    source += "), streets nearest by walking"
    if len(set(names_at[keep])) < 2:
        why = (
            f"the area's OSM file has {len(set(names_at[keep]))} named place label(s) near its "
            "streets (place=suburb, quarter or neighbourhood), too few to compare areas; give "
            "your own areas with neighbourhoods.source: file"
        )
        return no_neighbourhoods(graph, pieces, source, (why, *notes))
    if dropped := sorted(set(names_at[~keep]) - set(names_at[keep])):
        notes.append(f"labels of another level, near those used, left out: {', '.join(dropped)}")
    names = sorted(set(names_at[keep]))
    number = {name: k for k, name in enumerate(names)}
    area_of_label = np.array([number[n] for n in names_at[keep]])
    sources = idx[near][keep]
    dist_m, _, nearest = dijkstra(
        graph.adjacency, directed=False, indices=sources, min_only=True, return_predecessors=True
    )
    where: dict[int, int] = {}
    for s, a in zip(sources.tolist(), area_of_label.tolist(), strict=True):
        where.setdefault(s, a)  # two labels at one node: the first name's
    node = np.array([where.get(int(s), -1) for s in nearest], dtype=np.int64)
    seg = graph.segments
    u, v = seg["u_idx"].to_numpy(), seg["v_idx"].to_numpy()
    segment = np.where(dist_m[u] <= dist_m[v], node[u], node[v])
    lengths = seg["length_m"].to_numpy()
    remote = np.minimum(dist_m[u], dist_m[v]) > REMOTE_M
    if lengths[remote].sum() > REMOTE_SHARE * lengths.sum():
        notes.append(
            f"{lengths[remote].sum() / 1000:.1f} of {lengths.sum() / 1000:.1f} km of streets lie "
            f"more than {REMOTE_M / 1000:.1f} km from their place label: the labels cover the "
            "area unevenly, so their areas are rough; give your own areas "
            "(neighbourhoods.source: file)"
        )
    return Neighbourhoods(
        tuple(names), segment, node, segment[pieces.segment], source, tuple(notes)
    )


def _with_gap_fillers(chosen: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Add to ``chosen`` the labels farther than :data:`GAP_FILL_M` from every chosen one."""
    if not chosen.any():
        return chosen
    gap = np.hypot(*(xy[:, None, :] - xy[chosen][None, :, :]).transpose(2, 0, 1)).min(axis=1)
    return chosen | (gap > GAP_FILL_M)


def from_polygons(
    graph: StreetGraph, pieces: Pieces, path: Path, name_column: str, where: str
) -> Neighbourhoods:
    """Give every street to the polygon of ``path`` holding its midpoint (see module docstring).

    Raises
    ------
    ScenarioError
        If the file cannot be read, lacks ``name_column``, holds no polygon, or none of its
        polygons holds a street of the area; ``where`` names the scenario in messages.
    """
    field = f"{where}: neighbourhoods.path {path}"
    areas = _read_polygons(path, name_column, field)
    areas = areas.to_crs(graph.crs)
    names = sorted(set(areas["_name"]))
    number = {name: k for k, name in enumerate(names)}
    area_of_row = np.array([number[n] for n in areas["_name"]])
    midpoints = graph.segments.geometry.interpolate(0.5, normalized=True)
    nodes = gpd.points_from_xy(graph.nodes["x_m"], graph.nodes["y_m"], crs=graph.crs)
    segment, overlaps = _holding(areas, area_of_row, gpd.GeoSeries(midpoints, crs=graph.crs))
    node, _ = _holding(areas, area_of_row, gpd.GeoSeries(nodes, crs=graph.crs))
    if (segment < 0).all():
        msg = (
            f"{field}: none of its {len(areas)} polygons holds a street of the area (is it "
            "another city, or are its coordinates in another CRS than the file says?); give "
            "areas that cover the planned streets"
        )
        raise ScenarioError(msg)
    notes = []
    empty = set(range(len(names))) - set(segment[segment >= 0].tolist())
    if empty:  # a polygon listed first that holds them all, or areas beyond the streets
        notes.append(
            f"{len(empty)} area(s) hold no street of the plan and are left out of the report: "
            f"{', '.join(names[a] for a in sorted(empty)[:10])}{', ...' * (len(empty) > 10)} "
            "(they lie beyond the streets, or an area listed before them takes their streets)"
        )
        kept = [a for a in range(len(names)) if a not in empty]
        renumber = np.full(len(names) + 1, -1)
        renumber[kept] = np.arange(len(kept))
        segment, node = renumber[segment], renumber[node]  # -1 stays -1 (the last slot)
        names = [names[a] for a in kept]
    outside = int((segment < 0).sum())
    if outside:
        km = graph.segments["length_m"].to_numpy()[segment < 0].sum() / 1000
        notes.append(f"{outside} streets ({km:.1f} km) lie in none of the areas: {OUTSIDE}")
    if overlaps:
        notes.append(
            f"{overlaps} streets lie where areas meet or overlap: each goes to the first listed"
        )
    for note in notes:
        warn(f"{field}: {note}")
    source = f"polygons of {path.name}, named by its column {name_column}"
    return Neighbourhoods(
        tuple(names), segment, node, segment[pieces.segment], source, tuple(notes)
    )


def _read_polygons(path: Path, name_column: str, field: str) -> gpd.GeoDataFrame:
    """Read the polygons of ``path`` with their names in ``_name``, or raise ScenarioError."""
    if path.stat().st_size == 0:
        msg = f"{field}: is an empty file (0 bytes); give a file with the areas' outlines"
        raise ScenarioError(msg)
    try:
        areas = gpd.read_file(path)
    except Exception as exc:  # pyogrio and fiona raise many kinds for a bad file
        msg = (
            f"{field}: cannot be read as polygons ({str(exc).splitlines()[0][:200]}); give a "
            "GeoJSON, GeoPackage or shapefile"
        )
        raise ScenarioError(msg) from None
    if not isinstance(areas, gpd.GeoDataFrame) or areas.geometry.name not in areas.columns:
        msg = (
            f"{field}: is a table without shapes (its columns: {', '.join(areas.columns)}), so "
            "no street can be placed in an area; give the areas' outlines as a GeoJSON, "
            "GeoPackage or shapefile"
        )
        raise ScenarioError(msg)
    if areas.empty:
        msg = f"{field}: holds no area; give a file with the areas' outlines"
        raise ScenarioError(msg)
    if name_column not in areas.columns:
        columns = ", ".join(c for c in areas.columns if c != "geometry") or "none"
        msg = (
            f"{field}: has no column '{name_column}' (its columns: {columns}); set "
            "neighbourhoods.name_column to the column that names each area"
        )
        raise ScenarioError(msg)
    kinds = areas.geometry.geom_type
    empty = (areas.geometry.isna() | areas.geometry.is_empty).to_numpy()
    bad = ~kinds.isin(["Polygon", "MultiPolygon"]).to_numpy() & ~empty
    if (bad | empty).all():
        found = ", ".join(sorted(set(kinds.dropna()))) or "no geometry"
        msg = f"{field}: holds no polygon ({found}); give the areas' boundaries as polygons"
        raise ScenarioError(msg)
    if bad.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:10])
        found = ", ".join(sorted(set(kinds[bad].dropna())))
        msg = f"{field}: rows {rows} are not polygons ({found}); remove them or give their outlines"
        raise ScenarioError(msg)
    if empty.any():  # a shapefile's record without a shape: nothing to place streets in
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(empty)[:10])
        warn(f"{field}: rows {rows} have no outline and are left out")
        areas = areas[~empty]
    if areas.crs is None:
        msg = f"{field}: has no coordinate reference system; save it with one (e.g. EPSG:4326)"
        raise ScenarioError(msg)
    column = areas[name_column]
    if column.dtype.kind == "f" and (column.dropna() % 1 == 0).all():
        column = column.astype("Int64")  # area numbers read as floats beside a blank: 7, not 7.0
    names = column.astype(str).str.strip()
    unnamed = column.isna().to_numpy() | names.isin(["", "<NA>", "nan"]).to_numpy()
    names[unnamed] = [f"unnamed (row {i + 1})" for i in np.flatnonzero(unnamed)]
    areas = areas.assign(_name=names.to_numpy())
    areas["geometry"] = areas.geometry.make_valid()
    return areas


def _holding(
    areas: gpd.GeoDataFrame, area_of_row: np.ndarray, points: gpd.GeoSeries
) -> tuple[np.ndarray, int]:
    """Area of the first row of ``areas`` holding each point (-1: none), and how many two hold.

    A point on an outline is held: a street along a shared boundary goes to the first area.
    """
    point_pos, row_pos = areas.sindex.query(points, predicate="intersects")
    first: dict[int, int] = {}
    for p, r in zip(point_pos.tolist(), row_pos.tolist(), strict=True):
        first[p] = min(first.get(p, r), r)
    out = np.full(len(points), -1, dtype=np.int64)
    if first:
        keys = np.fromiter(first.keys(), dtype=np.int64)
        out[keys] = area_of_row[np.fromiter(first.values(), dtype=np.int64)]
    areas_per_point = np.bincount(point_pos, minlength=len(points))
    return out, int((areas_per_point > 1).sum())


def exposure(plan: Plan) -> list[dict[str, Any]]:
    """Per area, the plan's exposure; the riskiest area first, streets in none last.

    Each row: ``neighbourhood``, ``street_km``, ``risk_share`` (0-1, of the shift's risk),
    ``presence_min`` and ``presence_share`` (risk x minutes earned on its streets: a walk's on
    the streets walked, a stop's on the streets in its sight, in proportion to their risk),
    ``officer_min`` and ``officer_min_share`` (minutes officers spend on its streets: walking,
    stopping, waiting or held free for calls, back at the station before the shift ends too; a
    pair counts twice), ``stops`` (made at its
    nodes), ``posts`` and ``presence_per_risk`` (presence share / risk share: 1 is presence in
    proportion to risk).
    """
    hoods = plan.neighbourhoods
    if hoods is None or not hoods.names:
        return []
    tally = _Tally(plan, hoods)
    for route in plan.routes:
        for leg in route.legs:
            tally.add(leg)
        if route.legs and (left_s := plan.back_early_s(route)) > 0:  # at the station, free
            tally.minutes[tally.node_area(route.legs[-1].to_node)] += left_s / 60
    k = len(hoods.names)
    tally.minutes *= plan.scenario.officers.unit_size
    for post in plan.posts:
        tally.posts[tally.node_area(post.node)] += 1
    risk = np.bincount(tally.segment, plan.risk.segment_risk, minlength=k + 1)
    rows = []
    for a in sorted(range(k + 1), key=lambda a: (a == k, -risk[a], a)):
        km = tally.lengths[tally.segment == a].sum() / 1000
        totals = (tally.presence[a], tally.minutes[a], tally.stops[a], tally.posts[a])
        if a == k and km == 0 and not any(totals):
            continue  # no street, stop or post lies in no area
        presence_share = _share(tally.presence, a)
        rows.append(
            {
                "neighbourhood": hoods.names[a] if a < k else OUTSIDE,
                "street_km": round(float(km), 3),
                "risk_share": round(float(risk[a]), 6),
                "presence_min": round(float(tally.presence[a]), 6),
                "presence_share": round(presence_share, 6),
                "officer_min": round(float(tally.minutes[a]), 2),
                "officer_min_share": round(_share(tally.minutes, a), 6),
                "stops": int(tally.stops[a]),
                "posts": int(tally.posts[a]),
                "presence_per_risk": round(presence_share / risk[a], 3) if risk[a] > 0 else None,
            }
        )
    return rows


def _share(values: np.ndarray, a: int) -> float:
    total = float(values.sum())
    return float(values[a]) / total if total > 0 else 0.0


class _Tally:
    """Presence, unit-minutes, stops and posts per area (the last slot: in no area)."""

    def __init__(self, plan: Plan, hoods: Neighbourhoods) -> None:
        k = len(hoods.names)
        self.segment = np.where(hoods.segment < 0, k, hoods.segment)
        self.piece = np.where(hoods.piece < 0, k, hoods.piece)
        self.node = np.where(hoods.node < 0, k, hoods.node)
        self.position = plan.graph.nodes.index
        self.lengths = plan.graph.segments["length_m"].to_numpy()
        self.hotspots = plan.hotspots
        self.presence, self.minutes, self.stops, self.posts = (np.zeros(k + 1) for _ in range(4))

    def node_area(self, node_id: int) -> int:
        """Area slot of an OSM node id."""
        return int(self.node[self.position.get_loc(node_id)])

    def add(self, leg: Leg) -> None:
        """Add one leg's presence, minutes and stop to the areas it lies in."""
        seconds = leg.end_s - leg.start_s
        if leg.kind == "walk" and leg.segments:
            segs = np.asarray(leg.segments, dtype=np.int64)
            metres = self.lengths[segs]
            share = metres / metres.sum() if metres.sum() > 0 else np.full(len(segs), 1 / len(segs))
            np.add.at(self.minutes, self.segment[segs], seconds / 60 * share)
            credits = np.asarray(leg.credits) if len(leg.credits) == len(segs) else None
            credited = leg.presence * share if credits is None else credits
            np.add.at(self.presence, self.segment[segs], credited)
            return
        if leg.kind not in ON_STREET:
            return
        here = self.node_area(leg.to_node)
        self.minutes[here] += seconds / 60
        if leg.kind == "dwell" and leg.hotspot is not None:
            self.stops[here] += 1
            self._add_stop(leg, here)

    def _add_stop(self, leg: Leg, here: int) -> None:
        """Spread a stop's presence over the streets in its sight, by their risk."""
        cols = self.hotspots.watched[leg.spot].indices
        risk = self.hotspots.piece_risk
        weight = risk[cols] if risk is not None else np.zeros(0)
        if weight.sum() <= 0:
            self.presence[here] += leg.presence
            return
        np.add.at(self.presence, self.piece[cols], leg.presence * weight / weight.sum())
