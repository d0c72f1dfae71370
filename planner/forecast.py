"""Forecast evaluation of risk maps.

Do the streets a risk map ranks first catch next months' incidents?

Protocol (so that figures are comparable across methods and cities):

- incidents are snapped to their nearest street; those farther than ``max_snap_m`` (100 m) from
  every street are dropped and counted;
- training incidents occurred before the cut, test incidents in the ``test_months`` after it;
- each street is counted once (segments are undirected); streets are ranked by score (ties by
  index) and taken whole while their summed length stays within the coverage budget;
- hit rate = share of test incidents on the streets taken; PAI (predictive accuracy index) = hit
  rate / share of street length actually taken.

Methods: the planner's risk model (``model``), prior counts per street (``prior_counts``), prior
counts per metre (``prior_per_metre``, the strongest simple baseline), a 150 m grid kernel
density (``grid_kde_150m``), the risk-terrain model fitted to the training incidents when the
extract has OSM features (``risk_terrain_fitted``) and the test incidents themselves
(``oracle``, the ceiling).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import ndimage

from planner.errors import ExportError, IncidentDataError, warn
from planner.graph import StreetGraph
from planner.incidents import LoadReport
from planner.risk import (
    IncidentModel,
    fit_terrain_rates,
    incident_density,
    repeated_points,
)
from planner.scenario import IncidentSpec
from planner.snapping import snap_incidents

COVERAGES_PCT = (1.0, 5.0, 10.0)
#: Decay length of risk-terrain factors in the evaluation (the scenario default).
TERRAIN_BANDWIDTH_M = 100.0


@dataclass(frozen=True, slots=True)
class ForecastData:
    """Snapped incidents split at the cut, with what was dropped."""

    lengths_m: np.ndarray
    train_seg: np.ndarray
    train_age_days: np.ndarray
    train_xy: np.ndarray
    train_repeat: np.ndarray
    test_seg: np.ndarray
    counts: dict[str, int] = field(default_factory=dict)


def split_incidents(
    graph: StreetGraph,
    incidents: pd.DataFrame,
    cut: pd.Timestamp,
    test_months: int,
    max_snap_m: float = 100.0,
    reports: list[LoadReport] | tuple[()] = (),
) -> ForecastData:
    """Snap incidents and split them into training (before ``cut``) and test months.

    ``reports`` (the files' load reports) let a refusal name the columns to read instead.

    Raises
    ------
    IncidentDataError
        If either side of the cut holds no incident on the area's streets.
    """
    end = cut + pd.DateOffset(months=test_months)
    occurred = pd.to_datetime(incidents["occurred"]).to_numpy()
    point_idx, seg_idx = snap_incidents(graph, incidents, max_snap_m, reports)
    when = occurred[point_idx]
    train = when < np.datetime64(cut)
    test = (when >= np.datetime64(cut)) & (when < np.datetime64(end))
    counts = {
        "incidents": len(incidents),
        "farther than snap distance": len(incidents) - len(point_idx),
        "train": int(train.sum()),
        "test": int(test.sum()),
        "after the test months": int((when >= np.datetime64(end)).sum()),
    }
    dated = when[~np.isnat(when)]
    if len(dated) == 0:
        msg = (
            "the incidents have no dates, and the evaluation splits them by month; name the "
            "date column (time_col; on the command line --time-col)"
        )
        raise IncidentDataError(msg)
    first, last = pd.Period(dated.min(), "M"), pd.Period(dated.max(), "M")
    if counts["train"] == 0 or counts["test"] == 0:
        fix = (
            "the evaluation needs incidents of at least two months"
            if first == last
            else "choose a cut after the first of these months and not after the last"
        )
        msg = (
            f"cut {cut:%Y-%m}: {counts['train']} training and {counts['test']} test incidents "
            f"on the area's streets, which hold incidents of {first} to {last}; {fix}"
        )
        raise IncidentDataError(msg)
    _warn_short_test(cut, test_months, (first, last))
    age_days = (np.datetime64(cut) - when[train]) / np.timedelta64(1, "D")
    x_m, y_m = graph.project_lonlat(
        incidents["lon"].to_numpy()[point_idx][train], incidents["lat"].to_numpy()[point_idx][train]
    )
    return ForecastData(
        lengths_m=graph.segments["length_m"].to_numpy(),
        train_seg=seg_idx[train],
        train_age_days=age_days.astype(float),
        train_xy=np.column_stack([x_m, y_m]),
        train_repeat=repeated_points(
            incidents["lon"].to_numpy()[point_idx][train],
            incidents["lat"].to_numpy()[point_idx][train],
        ),
        test_seg=seg_idx[test],
        counts=counts,
    )


def take_by_score(scores: np.ndarray, lengths_m: np.ndarray, coverage_pct: float) -> np.ndarray:
    """Streets taken whole in score order while their length stays within the budget."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    budget = lengths_m.sum() * coverage_pct / 100.0
    within = np.cumsum(lengths_m[order]) <= budget
    taken = np.zeros(len(scores), dtype=bool)
    taken[order[within]] = True
    return taken


def score_table(
    data: ForecastData, scores: dict[str, np.ndarray], coverages: tuple[float, ...] = COVERAGES_PCT
) -> pd.DataFrame:
    """Hit rate and PAI of each method at each coverage."""
    test_counts = np.bincount(data.test_seg, minlength=len(data.lengths_m))
    total_len = data.lengths_m.sum()
    rows = []
    for method, score in scores.items():
        for pct in coverages:
            taken = take_by_score(score, data.lengths_m, pct)
            hit = test_counts[taken].sum() / test_counts.sum()
            share = data.lengths_m[taken].sum() / total_len
            rows.append(
                {
                    "method": method,
                    "coverage_pct": pct,
                    "hit_rate": round(float(hit), 6),
                    "pai": round(float(hit / share), 4) if share > 0 else 0.0,
                    "length_share": round(float(share), 6),
                }
            )
    return pd.DataFrame(rows)


def grid_kde(graph: StreetGraph, xy: np.ndarray, cell_m: float = 150.0) -> np.ndarray:
    """Score of each street: a Gaussian-smoothed count on a ``cell_m`` grid at its midpoint."""
    mid = graph.segments.geometry.interpolate(0.5, normalized=True)
    mx, my = mid.x.to_numpy(), mid.y.to_numpy()
    x0, y0 = min(mx.min(), xy[:, 0].min()), min(my.min(), xy[:, 1].min())
    shape = (
        int((max(mx.max(), xy[:, 0].max()) - x0) // cell_m) + 1,
        int((max(my.max(), xy[:, 1].max()) - y0) // cell_m) + 1,
    )
    grid = np.zeros(shape)
    np.add.at(
        grid,
        (((xy[:, 0] - x0) // cell_m).astype(int), ((xy[:, 1] - y0) // cell_m).astype(int)),
        1.0,
    )
    smooth = ndimage.gaussian_filter(grid, sigma=1.0, mode="constant")
    return smooth[((mx - x0) // cell_m).astype(int), ((my - y0) // cell_m).astype(int)]


def model_scores(
    graph: StreetGraph,
    data: ForecastData,
    model: IncidentModel,
    half_life_days: float,
    terrain_rate: np.ndarray | None = None,
) -> np.ndarray:
    """Fit the planner's incident model on the training months (all hours, recency-weighted)."""
    weights = np.power(0.5, data.train_age_days / half_life_days)
    return incident_density(graph, data.train_seg, weights, data.train_repeat, model, terrain_rate)


def all_scores(
    graph: StreetGraph,
    data: ForecastData,
    params: ForecastParams,
    exposure: pd.DataFrame | None = None,
) -> dict[str, np.ndarray]:
    """Scores of the model, the baselines and the oracle.

    With terrain ``exposure`` (see :func:`planner.risk.terrain_exposure`), the risk-terrain
    model fitted to the training incidents is scored too (``risk_terrain_fitted``).
    """
    n = len(data.lengths_m)
    prior = np.bincount(data.train_seg, minlength=n).astype(float)
    test = np.bincount(data.test_seg, minlength=n).astype(float)
    fitted = {}
    terrain_rate = None
    if exposure is not None and exposure.shape[1]:
        terrain_rate, _ = fit_terrain_rates(exposure, prior, data.lengths_m)
        fitted = {"risk_terrain_fitted": terrain_rate}
    return {
        "model": model_scores(graph, data, params.model, params.half_life_days, terrain_rate),
        **fitted,
        "prior_per_metre": prior / data.lengths_m,
        "prior_counts": prior,
        "grid_kde_150m": grid_kde(graph, data.train_xy),
        "oracle": test / data.lengths_m,
    }


def evaluate(
    graph: StreetGraph,
    incidents: pd.DataFrame,
    cut: pd.Timestamp,
    test_months: int,
    params: ForecastParams | None = None,
) -> tuple[pd.DataFrame, ForecastData]:
    """Evaluate the risk model against the baselines; see the module docstring."""
    data = split_incidents(graph, incidents, cut, test_months)
    table = score_table(data, all_scores(graph, data, params or ForecastParams()))
    return table, data


def hit_rate_png(data: ForecastData, scores: dict[str, np.ndarray], title: str) -> bytes:
    """Return a PNG of hit rate against the share of street length, one line per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    coverages = tuple(np.linspace(0.5, 20, 40))
    table = score_table(data, scores, coverages)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    for method, rows in table.groupby("method", sort=False):
        ax.plot(100 * rows["length_share"], 100 * rows["hit_rate"], label=method)
    ax.set_xlabel("street length taken (%)")
    ax.set_ylabel("test incidents caught (%)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png")
    plt.close(fig)
    return png.getvalue()


def summary(table: pd.DataFrame) -> str:
    """Wide text table: PAI and hit rate per method and coverage."""
    # pivot, not pivot_table: one row per cell, so duplicates must raise rather than be averaged
    wide = table.pivot(  # noqa: PD010
        index="method", columns="coverage_pct", values=["pai", "hit_rate"]
    )
    order = [m for m in dict.fromkeys(table["method"])]
    return wide.loc[order].to_string(float_format=lambda v: f"{v:.3f}")


@dataclass(frozen=True, slots=True)
class ForecastParams:
    """The model evaluated: the incident model and the recency half-life of its weights."""

    model: IncidentModel = field(default_factory=IncidentModel)
    half_life_days: float = 365.0


def _warn_short_test(
    cut: pd.Timestamp, test_months: int, months: tuple[pd.Period, pd.Period]
) -> None:
    """Warn when the incidents (first and last month) end before the test months do."""
    first, last = months
    held = (last - cut.to_period("M")).n + 1
    if held < test_months:
        msg = (
            f"the incidents on the area's streets are of {first} to {last}, so only {held} of the "
            f"{test_months} test months from {cut:%Y-%m} hold data; choose an earlier cut or "
            "fewer --test-months for a full test"
        )
        warn(msg)


def evaluate_files(
    area: Path,
    specs: Sequence[IncidentSpec],
    cut: pd.Timestamp,
    test_months: int,
    out_dir: Path,
    all_types: bool = False,
    params: ForecastParams | None = None,
) -> tuple[pd.DataFrame, ForecastData]:
    """Load an area and incident files, evaluate, write ``evaluation.csv`` and a PNG plot.

    Several files (monthly exports) are read as one, each incident counted once
    (:func:`planner.incidents.load_incident_files`); incidents farther than the first file's
    ``max_snap_m`` from every street are dropped.

    Raises
    ------
    GraphError, IncidentDataError, ExportError
        With messages naming the file and the fix.
    """
    from planner.coverage import street_pieces
    from planner.export import write_files
    from planner.graph import load_street_graph, osm_features
    from planner.incidents import load_incident_files
    from planner.risk import terrain_exposure
    from planner.scenario import AreaSpec
    from planner.stations import area_zone

    area_spec = AreaSpec(source="file", path=area)
    graph = load_street_graph(area_spec)
    exposure, _ = terrain_exposure(
        graph, osm_features(area_spec, graph), street_pieces(graph), TERRAIN_BANDWIDTH_M
    )
    zone = area_zone(graph)  # times with a UTC offset are read on the area's clock
    frames, reports = load_incident_files(
        specs, exclude=set() if all_types else None, timezone=zone
    )
    incidents = pd.concat(frames, ignore_index=True)
    params = params or ForecastParams()
    data = split_incidents(graph, incidents, cut, test_months, specs[0].max_snap_m, reports)
    scores = all_scores(graph, data, params, exposure)
    table = score_table(data, scores)
    title = f"{area.name.split('.')[0]}: train before {cut:%Y-%m}, test {test_months} months"
    csv = table[["method", "coverage_pct", "hit_rate", "pai"]].to_csv(
        index=False, lineterminator="\n"
    )
    files = {
        "evaluation.csv": csv.encode(),
        "hit_rate.png": hit_rate_png(data, scores, title),
    }
    try:
        write_files(out_dir, files)
    except OSError as exc:
        where = exc.filename or out_dir
        msg = f"{where}: cannot write the evaluation ({exc.strerror or exc}); choose another --out"
        raise ExportError(msg) from None
    return table, data
