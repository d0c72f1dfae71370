"""Risk of each street segment for the shift: its share of the area's total risk (sums to 1).

Two models, named in every plan:

``incidents``
    Incident points snapped to their nearest street segment (:mod:`planner.snapping`: exact
    distances from a spatial index of the streets); points farther than
    ``max_snap_m`` from every street are dropped and counted. Each incident is weighted by its
    harm and by the shift window (time of day, weekday, recency; see
    :mod:`planner.window`); incidents at repeat points count more; a street's risk is its
    weighted incidents per metre times its length, optionally shrunk toward its neighbourhood.
``terrain``
    A risk-terrain score from OSM features in the extract (bars, pubs, nightclubs, ATMs, transit
    stops, ...): each feature spreads its weight along the streets with an exponential decay of
    network distance, ``w * exp(-d / bandwidth_m)``, cut at three bandwidths.

Both mix in a ``background_share`` spread in proportion to street length, so no street is
certain to be safe. Risk density = risk / segment length.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from planner.clock import later, shift_seconds
from planner.coverage import Pieces, piece_distances
from planner.errors import IncidentDataError, counted, warn
from planner.graph import StreetGraph
from planner.incidents import LoadReport
from planner.snapping import lost_per_file, snap_incidents, swapped_rows
from planner.window import WindowParams, window_weights

log = logging.getLogger(__name__)

#: Default risk-terrain weights per OSM (key, value); transit stop positions repeat platforms.
TERRAIN_WEIGHTS: dict[tuple[str, str], float] = {
    ("amenity", "nightclub"): 3.0,
    ("amenity", "bar"): 2.0,
    ("amenity", "pub"): 2.0,
    ("shop", "alcohol"): 1.5,
    ("amenity", "atm"): 1.0,
    ("shop", "convenience"): 1.0,
    ("amenity", "fast_food"): 0.5,
    ("amenity", "bank"): 0.5,
    ("railway", "station"): 1.5,
    ("railway", "subway_entrance"): 1.0,
    ("railway", "tram_stop"): 0.5,
    ("railway", "halt"): 0.5,
    ("highway", "bus_stop"): 0.5,
    ("public_transport", "platform"): 0.25,
    ("public_transport", "station"): 0.5,
}

#: OSM keys of the venues (bars, ATMs, shops...) that most of the terrain weight rests on.
VENUE_KEYS = ("amenity", "shop")

#: Features farther than this from every street node are ignored (outside the area).
FEATURE_SNAP_M = 200.0


@dataclass(frozen=True, slots=True)
class RiskMap:
    """Risk share per segment (aligned with ``StreetGraph.segments``), with its provenance."""

    segment_risk: np.ndarray
    method: str
    parameters: dict[str, Any]
    notes: tuple[str, ...] = ()
    reports: tuple[LoadReport, ...] = field(default_factory=tuple)
    hourly: np.ndarray | None = None  # (hours of the shift, segments) risk multiplier, mean 1

    def hourly_profile(self, watched: sparse.csr_matrix, pieces: Pieces) -> np.ndarray | None:
        """Per row of ``watched`` (hot spots), the risk multiplier of each hour of the shift."""
        if self.hourly is None:
            return None
        piece = self.piece_risk(pieces)
        base = watched @ piece
        by_hour = np.stack([watched @ (piece * h[pieces.segment]) for h in self.hourly], axis=1)
        return np.where(base[:, None] > 0, by_hour / np.maximum(base, 1e-300)[:, None], 1.0)

    def density_per_m(self, graph: StreetGraph) -> np.ndarray:
        """Risk per metre of each segment."""
        return self.segment_risk / graph.segments["length_m"].to_numpy()

    def piece_risk(self, pieces: Pieces) -> np.ndarray:
        """Risk of each street piece (a segment's risk shared by length)."""
        return self.segment_risk[pieces.segment] * pieces.length_m / pieces.seg_length_m


def _with_background(score: np.ndarray, lengths: np.ndarray, share: float) -> np.ndarray:
    total = score.sum()
    base = lengths / lengths.sum()
    if total <= 0:
        return base
    return (1.0 - share) * score / total + share * base


def terrain_exposure(
    graph: StreetGraph, features: gpd.GeoDataFrame, pieces: Pieces, bandwidth_m: float
) -> tuple[pd.DataFrame, int]:
    """Exposure of each street to each risk-terrain factor, per metre.

    A factor is an OSM ``key=value`` of :data:`TERRAIN_WEIGHTS`; each feature spreads
    ``exp(-d / bandwidth_m)`` of walking distance ``d`` over the street pieces; a street's
    exposure is its length-weighted mean. The search stops at three bandwidths from the
    feature's node: a street with an end within that reach gets the decay along its whole
    length (its far pieces may lie a little farther), one without gets none.

    Returns
    -------
    tuple
        Segments x factors frame (only factors present in the area), and the number of features
        farther than ``FEATURE_SNAP_M`` from every street (ignored).
    """
    keys = [f"{k}={v}" for k, v in zip(features["key"], features["value"], strict=True)]
    known = {f"{k}={v}" for k, v in TERRAIN_WEIGHTS}
    used = np.array([key in known for key in keys], dtype=bool)
    node_idx, snap = graph.nearest_node(
        features.geometry.x.to_numpy()[used], features.geometry.y.to_numpy()[used]
    )
    near = snap <= FEATURE_SNAP_M
    factor = np.asarray(keys, dtype=object)[used][near]
    columns = {}
    lengths = graph.segments["length_m"].to_numpy()
    for name in sorted(set(factor)):
        sources = np.unique(node_idx[near][factor == name])
        per_node = pd.Series(node_idx[near][factor == name]).value_counts().loc[sources]
        dist = graph.distances_m(sources, limit_m=3 * bandwidth_m)
        decay = np.exp(-piece_distances(dist, pieces) / bandwidth_m)
        decay[~np.isfinite(decay)] = 0.0
        intensity = per_node.to_numpy(dtype=float) @ decay
        integral = np.bincount(pieces.segment, intensity * pieces.length_m, minlength=len(lengths))
        columns[name] = integral / lengths
    return pd.DataFrame(columns, index=graph.segments.index), int((~near).sum())


def default_terrain_weights(factors: list[str]) -> np.ndarray:
    """Return the documented default weight of each factor (``key=value``)."""
    table = {f"{k}={v}": w for (k, v), w in TERRAIN_WEIGHTS.items()}
    return np.array([table[f] for f in factors], dtype=float)


def fit_terrain_rates(
    exposure: pd.DataFrame, counts: np.ndarray, lengths_m: np.ndarray, alpha: float = 1e-3
) -> tuple[np.ndarray, dict[str, float]]:
    """Poisson regression of incidents on terrain exposure, with street length as exposure time.

    Fits ``counts ~ Poisson(length * exp(b + sum_f beta_f * x_f))`` (scikit-learn's
    ``PoissonRegressor`` on ``counts / length`` weighted by length, factors standardised).

    Returns
    -------
    tuple
        Predicted incidents per metre of each street, and each factor's rate ratio for one
        standard deviation more exposure (> 1: the factor goes with more incidents).
    """
    from sklearn.linear_model import PoissonRegressor

    x = exposure.to_numpy(dtype=float)
    scale = np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    z = (x - x.mean(axis=0)) / scale
    model = PoissonRegressor(alpha=alpha, max_iter=1000)
    model.fit(z, counts / lengths_m, sample_weight=lengths_m)
    ratios = {
        f: round(float(np.exp(b)), 4) for f, b in zip(exposure.columns, model.coef_, strict=True)
    }
    return model.predict(z), ratios


def _no_venues(exposure: pd.DataFrame, online: bool) -> str:
    """Warning for a terrain model without venues: what it rests on, and what to do."""
    kinds = ", ".join(exposure.columns) if exposure.shape[1] else "no feature at all"
    why = (
        "online areas bring their streets only"
        if online
        else "the extract may hold streets only (cut for routing)"
    )
    return (
        "risk from OSM terrain without a single bar, pub, ATM, bank, fast-food place or shop "
        f"in the area (it rests on: {kinds}); {why}: add incident data (incidents:) or use an "
        "extract with points of interest (area: {source: file, path: ...})"
    )


def terrain_risk(
    graph: StreetGraph,
    features: gpd.GeoDataFrame,
    pieces: Pieces,
    bandwidth_m: float,
    background_share: float,
) -> RiskMap:
    """Risk-terrain model from OSM point features with the default weights (no incidents)."""
    exposure, off_street = terrain_exposure(graph, features, pieces, bandwidth_m)
    lengths = graph.segments["length_m"].to_numpy()
    score = np.zeros(len(lengths))
    if exposure.shape[1]:
        score = exposure.to_numpy() @ default_terrain_weights(list(exposure.columns)) * lengths
    used = len(features) - off_street
    notes = [
        "no incident data: the risk is the same at every hour, day and night, from OSM venues "
        "with default weights, an informed guess not shown to forecast crime; give the "
        "scenario incident files for a risk that follows the hours of the shift",
        f"{used} OSM features read ({off_street} off the streets ignored)",
    ]
    if not exposure.shape[1]:
        notes.append("no risk-terrain feature in the area: risk is spread by street length")
    if not any(f.split("=")[0] in VENUE_KEYS for f in exposure.columns):
        warn(_no_venues(exposure, bool(features.attrs.get("online"))))
    keys = pd.Series([f"{k}={v}" for k, v in zip(features["key"], features["value"], strict=True)])
    counts = keys.value_counts().sort_index()
    return RiskMap(
        segment_risk=_with_background(score, lengths, background_share),
        method="terrain",
        parameters={
            "bandwidth_m": bandwidth_m,
            "background_share": background_share,
            "weights": dict(
                zip(
                    exposure.columns,
                    default_terrain_weights(list(exposure.columns)).tolist(),
                    strict=True,
                )
            ),
            "features": {k: int(v) for k, v in counts.items()},
        },
        notes=tuple(notes),
    )


def neighbourhood(graph: StreetGraph, bandwidth_m: float) -> sparse.csr_matrix:
    """Segment x segment matrix: 1 where two segments have ends within ``bandwidth_m`` walking."""
    n_nodes = len(graph.nodes)
    seg = graph.segments
    ends = sparse.csr_matrix(
        (
            np.ones(2 * len(seg)),
            (np.tile(np.arange(len(seg)), 2), np.concatenate([seg["u_idx"], seg["v_idx"]])),
        ),
        shape=(len(seg), n_nodes),
    )
    blocks = []
    for start in range(0, n_nodes, 512):
        dist = graph.distances_m(np.arange(start, min(start + 512, n_nodes)), limit_m=bandwidth_m)
        blocks.append(sparse.csr_matrix(np.isfinite(dist)))
    reach = sparse.vstack(blocks, format="csr").astype(float)
    return ((ends @ reach @ ends.T) > 0).astype(float).tocsr()


def shrunk_density(
    counts: np.ndarray, lengths_m: np.ndarray, prior_rate: np.ndarray, prior_length_m: float
) -> np.ndarray:
    """Incidents per metre, each street shrunk toward a prior rate.

    Gamma-Poisson posterior mean: ``(c + l * m) / (L + l)``, where ``c`` is the street's
    (weighted) count, ``L`` its length, ``m`` the prior rate per metre (the neighbourhood's, or
    the risk-terrain model's) and ``l`` the prior's strength as a length. ``l = 0`` gives raw
    counts per metre; a large ``l`` gives the prior rate.
    """
    return (counts + prior_length_m * prior_rate) / (lengths_m + prior_length_m)


def neighbourhood_rate(
    near: sparse.csr_matrix, counts: np.ndarray, lengths_m: np.ndarray
) -> np.ndarray:
    """Incidents per metre over each street's neighbourhood (see :func:`neighbourhood`)."""
    return (near @ counts) / np.maximum(near @ lengths_m, 1e-9)


@dataclass(frozen=True, slots=True)
class IncidentModel:
    """The incident risk model's parameters (chosen on months before any evaluation cut).

    Attributes
    ----------
    repeat_weight : float
        Extra weight of an incident at a point (to 1e-5 degrees, about 1 m) that holds another
        incident: places that repeat keep repeating.
    prior_length_m : float
        Shrinkage of each street's rate toward its neighbourhood's, as a length of street
        (0: raw weighted counts per metre, the strongest simple forecast on the shared files).
    bandwidth_m : float
        Walking distance that defines the neighbourhood for shrinkage.
    prior : str
        What sparse streets shrink toward: ``neighbourhood`` (the rate of the streets within
        ``bandwidth_m``) or ``terrain`` (a Poisson regression of the incidents on the OSM
        risk-terrain factors, when the area has any).
    """

    repeat_weight: float = 0.5
    prior_length_m: float = 0.0
    bandwidth_m: float = 200.0
    prior: str = "neighbourhood"


def repeated_points(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Flag each incident whose point (rounded to 1e-5 degrees) holds another one."""
    key = np.round(lon * 1e5).astype(np.int64) * 100_000_000 + np.round(lat * 1e5).astype(np.int64)
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return counts[inverse] >= 2


def incident_density(
    graph: StreetGraph,
    seg_idx: np.ndarray,
    weights: np.ndarray,
    repeat: np.ndarray,
    model: IncidentModel,
    terrain_rate: np.ndarray | None = None,
    near: sparse.csr_matrix | None = None,
) -> np.ndarray:
    """Weighted incidents per metre of each street, with repeat points boosted and shrinkage.

    ``terrain_rate`` (incidents per metre predicted by :func:`fit_terrain_rates`) is the prior
    when ``model.prior`` is ``terrain``; without it the neighbourhood rate is used, over
    ``near`` (:func:`neighbourhood`, computed here when not given).
    """
    lengths = graph.segments["length_m"].to_numpy()
    boosted = weights * (1.0 + model.repeat_weight * repeat)
    counts = np.bincount(seg_idx, weights=boosted, minlength=len(lengths))
    if model.prior_length_m <= 0:
        return counts / lengths
    if model.prior == "terrain" and terrain_rate is not None:
        prior = terrain_rate * counts.sum() / max(float((terrain_rate * lengths).sum()), 1e-12)
    else:
        if near is None:
            near = neighbourhood(graph, model.bandwidth_m)
        prior = neighbourhood_rate(near, counts, lengths)
    return shrunk_density(counts, lengths, prior, model.prior_length_m)


FEW_INCIDENTS = 30
"""Fewer incidents than this near the streets make a risk map of their points alone (warned)."""


def few_incidents_message(used: int) -> str:
    """Warn that a risk map rests on ``used`` incidents, fewer than :data:`FEW_INCIDENTS`."""
    return (
        f"only {counted(used, 'incident')} near the area's streets: the risk map rests mostly "
        "on these few points, and the hot spots follow them; add more months of data, or plan "
        "without incident files (risk terrain from OSM features)"
    )


def incident_risk(
    graph: StreetGraph,
    incidents: pd.DataFrame,
    reports: list[LoadReport],
    max_snap_m: float | np.ndarray,
    background_share: float,
    shift: tuple[dt.datetime, dt.datetime] | None = None,
    window: WindowParams | None = None,
    model: IncidentModel | None = None,
    exposure: pd.DataFrame | None = None,
) -> RiskMap:
    """Incident model: harm- and shift-window-weighted incidents per metre of street.

    Each incident is snapped to its nearest segment and weighted by its harm (column ``harm``,
    1 when absent) and, when ``shift`` is given, by :func:`planner.window.window_weights`. When
    no incident falls near the shift's hours, the all-hours model is used and flagged
    (``parameters["window_fallback"]``). With terrain ``exposure`` (see
    :func:`terrain_exposure`), the factors' weights are fitted to the incidents by Poisson
    regression and reported as rate ratios; they are the shrinkage prior when
    ``model.prior`` is ``terrain``. Incidents dated after the shift starts are left out (and
    said so): no plan could have known them.

    Raises
    ------
    IncidentDataError
        If no incident lies within ``max_snap_m`` of the area's streets (swapped latitude and
        longitude are detected and named), or none of them is dated before the shift starts.
    """
    window = window or WindowParams()
    model = model or IncidentModel()
    point_idx, seg_idx, per_file, later_note = _usable(graph, incidents, reports, max_snap_m, shift)
    snapped = incidents.iloc[point_idx]
    harm = snapped["harm"].to_numpy(dtype=float) if "harm" in snapped else np.ones(len(snapped))
    notes = [r.summary() for r in per_file] + [f"{r.file}: {n}" for r in per_file for n in r.notes]
    parameters: dict[str, Any] = {
        "max_snap_m": float(np.max(max_snap_m)),
        "background_share": background_share,
        "incidents_used": len(point_idx),
        "repeat_weight": model.repeat_weight,
        "prior_length_m": model.prior_length_m,
        "harm_weighted": "harm" in snapped,
    }
    weights, windowed = harm, False
    if shift is not None and "occurred" in snapped:
        windowed = True
        in_window, window_parameters, window_notes = _in_window(snapped, shift, window)
        parameters |= window_parameters
        notes += window_notes if later_note is None else [*window_notes, later_note]
        weights = harm * in_window
    note, loud = _heaviest_note(snapped, weights, "harm" in snapped, windowed)
    if note:
        notes.append(note)
        if loud:
            warn(note)
    repeat = repeated_points(snapped["lon"].to_numpy(), snapped["lat"].to_numpy())
    lengths = graph.segments["length_m"].to_numpy()
    terrain_rate = None
    if exposure is not None and exposure.shape[1]:
        raw = np.bincount(seg_idx, minlength=len(graph.segments)).astype(float)
        terrain_rate, ratios = fit_terrain_rates(exposure, raw, lengths)
        parameters["terrain_rate_ratios_per_sd"] = ratios
    parameters["prior"] = model.prior
    # the neighbourhood of each street, for shrinkage, the same in every hour
    near = neighbourhood(graph, model.bandwidth_m) if model.prior_length_m > 0 else None
    density = incident_density(graph, seg_idx, weights, repeat, model, terrain_rate, near)
    risk = _with_background(density * lengths, lengths, background_share)
    hourly = None
    # hours of their own come only from incidents with a time of day (UK files give months)
    by_hour = parameters.get("incidents_with_time") and not parameters["window_fallback"]
    if shift is not None and by_hour:
        hourly = hourly_multipliers(
            graph, snapped, seg_idx, harm, repeat, shift, window, model, terrain_rate, near
        )
        parameters["hourly_risk"] = True
        # the background share does not vary by hour
        incident_part = 1.0 - background_share * (lengths / lengths.sum()) / np.maximum(
            risk, 1e-300
        )
        hourly = 1.0 + incident_part * (hourly - 1.0)
    return RiskMap(
        segment_risk=risk,
        method="incidents",
        parameters=parameters,
        notes=tuple(notes),
        reports=tuple(per_file),
        hourly=hourly,
    )


def _usable(
    graph: StreetGraph,
    incidents: pd.DataFrame,
    reports: list[LoadReport],
    max_snap_m: float | np.ndarray,
    shift: tuple[dt.datetime, dt.datetime] | None,
) -> tuple[np.ndarray, np.ndarray, list[LoadReport], str | None]:
    """Snap the incidents near the streets, and keep those known when the shift starts.

    Warns of those outside the area, of those dated later, and of too few left. Returns their
    rows, their segments, each file's report with those outside counted, and the note on
    those dated later (or None).
    """
    point_idx, seg_idx = snap_incidents(graph, incidents, max_snap_m, reports)
    outside = len(incidents) - len(point_idx)
    if outside:
        far = f"more than {np.max(max_snap_m):.0f} m from every street of the area"
        if graph.cut is not None:
            far = f"outside the part of the map file kept, or {far}"
        msg = (
            f"{outside} of {len(incidents)} incidents lie {far} (outside the area) and were "
            "dropped"
            f"{_outside_by_file(incidents, point_idx)}{swapped_rows(graph, incidents, point_idx)}"
        )
        warn(msg)
    per_file = _attribute_outside(reports, incidents, point_idx, outside)
    later_note = None
    if shift is not None and "occurred" in incidents:  # what was known when the shift starts
        near = incidents.iloc[point_idx]
        later = after_shift_start(near, shift[0])
        if later.any():
            later_note = _later_note(near, later)
            if later.all():
                msg = f"no incident near the streets is dated before the shift starts: {later_note}"
                raise IncidentDataError(msg)
            warn(later_note)
            point_idx, seg_idx = point_idx[~later], seg_idx[~later]
    if len(point_idx) < FEW_INCIDENTS:
        warn(few_incidents_message(len(point_idx)))
    return point_idx, seg_idx, per_file, later_note


def _in_window(
    snapped: pd.DataFrame, shift: tuple[dt.datetime, dt.datetime], window: WindowParams
) -> tuple[np.ndarray, dict[str, Any], list[str]]:
    """Weigh each incident by the shift's window; the parameters and notes the plan reports.

    With no incident near the shift's hours, every hour is weighed alike (``window_fallback``).
    """
    in_window, flagged = window_weights(snapped, shift[0], shift[1], window)
    dated = len(snapped) - flagged["without date"]
    parameters: dict[str, Any] = {
        "tod_bandwidth_h": window.tod_bandwidth_h,
        "other_day_weight": window.other_day_weight,
        "half_life_days": window.half_life_days,
        "window_fallback": False,
        # what the weights could use: a time of day, a day, a date
        "incidents_with_time": len(snapped) - flagged["without time of day"],
        "incidents_with_day": dated - flagged["month only"],
        "incidents_dated": dated,
    }
    notes = []
    if parameters["incidents_with_time"] and not flagged["near the shift's hours"]:
        parameters["window_fallback"] = True
        notes.append("no incident near the shift's hours: the all-hours model is used")
        all_hours = replace(window, tod_bandwidth_h=1e9)
        in_window, _ = window_weights(snapped, shift[0], shift[1], all_hours)
    notes += _window_notes(flagged)
    if note := _stale_note(snapped, shift[0]):
        warn(note)
        notes.append(note)
    return in_window, parameters, notes


def hourly_multipliers(
    graph: StreetGraph,
    snapped: pd.DataFrame,
    seg_idx: np.ndarray,
    harm: np.ndarray,
    repeat: np.ndarray,
    shift: tuple[dt.datetime, dt.datetime],
    window: WindowParams,
    model: IncidentModel,
    terrain_rate: np.ndarray | None,
    near: sparse.csr_matrix | None = None,
) -> np.ndarray:
    """Risk of each street in each hour of the shift relative to its shift average.

    Each hour is weighted like a one-hour shift of its own (same time-of-day kernel, weekday
    and recency); streets without incidents keep a flat profile (multiplier 1). ``terrain_rate``
    and ``near`` as in :func:`incident_density`.
    """
    start, end = shift
    length_s = shift_seconds(start, end)
    rows = []
    hours = max(1, math.ceil(length_s / 3600))
    for h in range(hours):
        begin = later(start, 3600 * h)
        # an hour of the clock from the hour's start (aware + timedelta adds wall time), so every
        # hour weighs one clock hour, also on the nights the clocks change: the hour repeated in
        # autumn reads 01:00-02:00, not 01:00-01:00 (a whole day), and the hour the clocks skip
        # in spring does not read as two
        stop = begin + dt.timedelta(seconds=min(3600.0, length_s - 3600 * h))
        weights, _ = window_weights(snapped, begin, stop, window)
        rows.append(
            incident_density(graph, seg_idx, harm * weights, repeat, model, terrain_rate, near)
        )
    by_hour = np.stack(rows)
    # the shift average weighs each hour by its length: a last half hour counts half
    lengths_h = np.minimum(1.0, length_s / 3600 - np.arange(hours))
    mean = np.average(by_hour, axis=0, weights=lengths_h)
    return np.where(mean > 0, by_hour / np.maximum(mean, 1e-300), 1.0)


def _outside_by_file(incidents: pd.DataFrame, kept_idx: np.ndarray) -> str:
    """``"; by file: a.csv 10 of 50, b.csv 3 of 40"`` for several files."""
    if "file" not in incidents or incidents["file"].nunique() < 2:
        return ""
    lost = lost_per_file(incidents, kept_idx).itertuples()
    return "; by file: " + ", ".join(f"{Path(str(f)).name} {n} of {m}" for f, n, m in lost)


def _attribute_outside(
    reports: list[LoadReport], incidents: pd.DataFrame, kept_idx: np.ndarray, outside: int
) -> list[LoadReport]:
    """Add each file's share of the "outside the area" drops to its report."""
    if "file" not in incidents or not outside:
        return list(reports)
    lost = lost_per_file(incidents, kept_idx)["lost"]
    return [r.with_drop("outside the area", int(lost.get(r.file, 0))) for r in reports]


def annotate_graph(graph: StreetGraph, risk: RiskMap) -> nx.MultiDiGraph:
    """Copy the street graph, its edges carrying ``risk`` and ``risk_density``.

    Both directions of a street carry its whole risk: sum one direction of each street (or
    halve the sum over all edges) for the area's total. Streets joining the same two corners
    are told apart by their length.
    """
    annotated = graph.graph.copy()
    seg = graph.segments
    between: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
    for u, v, length, r, d in zip(
        seg["u"],
        seg["v"],
        seg["length_m"],
        risk.segment_risk,
        risk.density_per_m(graph),
        strict=True,
    ):
        between.setdefault((min(u, v), max(u, v)), []).append((length, float(r), float(d)))
    for u, v, data in annotated.edges(data=True):
        streets = between.get((min(u, v), max(u, v)), [(0.0, 0.0, 0.0)])
        _, data["risk"], data["risk_density"] = min(
            streets, key=lambda street: abs(street[0] - data["length"])
        )
    annotated.graph["risk_method"] = risk.method
    return annotated


def _window_notes(flagged: dict[str, int]) -> list[str]:
    """Say how many incidents lack a time of day, a day or a date, once each."""
    notes = []
    if no_time := flagged["without time of day"]:
        note = f"{no_time} incidents without time of day (weighted by the day's average)"
        if month := flagged["month only"]:
            of = "all" if month == no_time else str(month)
            note += f"; {of} of them with the month only (weighted by the week's average day)"
        notes.append(note)
    if undated := flagged["without date"]:
        notes.append(f"{undated} incidents without a date")
    return notes


STALE_DAYS = 365
"""Incidents whose newest is older than this before the shift are said to be old."""


HEAVIEST_SHARE = 0.05
"""A single incident holding more than this share of the incidents' weight is named in a note..."""
HEAVIEST_OVER_MEAN = 10.0
"""... when it also weighs more than this many times the average incident."""
HEAVIEST_WARN_SHARE = 0.2
"""... and warned of from this share on, as the note rounds it (a note saying 20 % warns)."""


def _heaviest_note(
    incidents: pd.DataFrame, weights: np.ndarray, harm_weighted: bool, windowed: bool
) -> tuple[str | None, bool]:
    """Say so when one incident holds more than :data:`HEAVIEST_SHARE` of the weight.

    Harm weights make a single grave incident outweigh hundreds of thefts, and the shift's
    hours favour its hour: the plan may then stand where it happened, at its hour. Said only
    when it outweighs the average incident :data:`HEAVIEST_OVER_MEAN` times (among a handful
    of incidents each holds a large share). Returns the note and whether to warn
    (:data:`HEAVIEST_WARN_SHARE`).
    """
    total = float(weights.sum())
    if total <= 0 or len(weights) < 2:
        return None, False
    top = int(np.argmax(weights))
    share = float(weights[top]) / total
    if share <= HEAVIEST_SHARE or share * len(weights) <= HEAVIEST_OVER_MEAN:
        return None, False
    row = incidents.iloc[top]
    kind, category = row.get("crime_type"), row.get("category")
    what = next((str(v) for v in (kind, category) if pd.notna(v) and str(v)), "an incident")
    when = row.get("occurred")
    form = "%Y-%m-%d %H:%M" if row.get("time_known", True) else "%Y-%m-%d"
    form = "%Y-%m" if row.get("month_only", False) else form
    at = f" of {when:{form}}" if isinstance(when, pd.Timestamp) else ""
    weighed = " x ".join(["harm"] * harm_weighted + ["shift window"] * windowed) or "recency"
    if harm_weighted:
        key = f": {{{category}: ...}}" if isinstance(category, str) else ""
        fix = f"lower its harm weight (risk.harm_weights_days{key}) to spread them"
    else:
        fix = "widen the time-of-day window (risk.tod_bandwidth_h) to spread them"
    percent = round(100 * share)
    note = (
        f"one incident ({what}{at}, at {row['lat']:.5f}, {row['lon']:.5f}) holds "
        f"{percent} % of the incidents' weight ({weighed}): the hot spots lean on it; {fix}"
    )
    return note, percent >= round(100 * HEAVIEST_WARN_SHARE)


def _stale_note(incidents: pd.DataFrame, shift_start: dt.datetime) -> str | None:
    """Say so when the newest incident is more than :data:`STALE_DAYS` before the shift.

    An incident known to the month only is placed mid-month: its month is named, not that day.
    """
    occurred = incidents["occurred"]
    newest = occurred.max()
    if pd.isna(newest):
        return None
    days = (pd.Timestamp(shift_start.replace(tzinfo=None)) - newest).days
    if days <= STALE_DAYS:
        return None
    month_only = "month_only" in incidents and bool(
        incidents.loc[occurred == newest, "month_only"].all()
    )
    when = f"{newest:%Y-%m}" if month_only else f"{newest:%Y-%m-%d}"
    return (
        f"the newest incident is from {when}, {days / 365.25:.1f} years before the "
        "shift: the hot spots are those of that time; load a recent export for today's"
    )


def after_shift_start(incidents: pd.DataFrame, shift_start: dt.datetime) -> np.ndarray:
    """Flag the incidents dated after the shift starts: no plan could have known them.

    A record with the month only is dated mid-month: it is later only when its month begins
    after the shift starts.
    """
    start = pd.Timestamp(shift_start.replace(tzinfo=None))
    occurred = incidents["occurred"]
    same_month = occurred.dt.to_period("M") == start.to_period("M")
    month_only = incidents.get("month_only", False)
    return ((occurred > start) & ~(month_only & same_month)).to_numpy(dtype=bool)


def _later_note(incidents: pd.DataFrame, later: np.ndarray) -> str:
    """Say how many incidents (``later`` of them) are left out for being after the shift starts."""
    newest = incidents["occurred"][later].max()
    months = "month_only" in incidents and bool(incidents["month_only"][later].all())
    return (
        f"{counted(int(later.sum()), 'incident')} dated after the shift starts (up to "
        f"{newest:{'%Y-%m' if months else '%Y-%m-%d'}}) are left out: a plan rests on what was "
        "known before its shift; check their dates (a mistyped year?), or plan a shift after "
        "them"
    )
