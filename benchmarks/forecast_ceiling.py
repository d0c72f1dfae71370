"""How far could any street forecast go? A simulated city with the real file's street counts.

The forecast evaluation (``patrol-planner evaluate-risk``) finds nothing that beats prior
incidents per metre of street by more than the noise. This script asks whether anything
could. It builds a city where each street keeps one fixed incident rate:

1. the street counts of the real file over the training and test months together are
   described, per band of street length, by a mixing distribution of rates (nonparametric
   maximum likelihood, Kiefer-Wolfowitz, by EM on a grid of rates);
2. each draw gives every street a rate from its posterior given its real count, then
   Poisson counts for the training and the test months (in the real file's proportions);
3. each draw is scored by the evaluation's own protocol (:func:`planner.forecast.take_by_score`)
   for the true rates (no forecast can know more about a fixed rate), the best estimate from
   the training months (the posterior mean under the true mixing distribution), counts per
   metre, the leaky counts of both periods, and the oracle (the test counts).

It prints the mean and standard deviation of PAI at 1 and 5 % of street length over the
draws, beside the real file's figures. Real streets change between periods too, which only
lowers what a forecast can reach.

Run: ``.venv/bin/python -m benchmarks.forecast_ceiling`` (needs ../shared/data; a minute).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import poisson

from planner.forecast import score_table, split_incidents, take_by_score
from planner.graph import load_street_graph
from planner.incidents import load_incidents
from planner.scenario import AreaSpec, IncidentSpec

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
AREA = DATA / "osm" / "atlanta_central_2021.osm.pbf"
INCIDENTS = DATA / "incidents" / "atlanta_cobra_2019.csv"
LENGTH_BANDS_M = (10.0, 25.0, 50.0, 100.0, 200.0)

COVERAGES = (1.0, 5.0)


def rate_grid(counts: np.ndarray) -> np.ndarray:
    """Rates (incidents per street and period) to 300 or twice the highest count, log-spaced."""
    top = max(300.0, 2.0 * float(counts.max(initial=0)))
    return np.r_[0.0, np.logspace(-3, np.log10(top), 200)]


def mixing_weights(counts: np.ndarray, rates: np.ndarray, iterations: int = 3000) -> np.ndarray:
    """Weights on ``rates`` of the mixing distribution that best explains ``counts``."""
    likelihood = poisson.pmf(counts[:, None], rates[None, :] + 1e-12)
    weights = np.full(len(rates), 1.0 / len(rates))
    for _ in range(iterations):
        posterior = likelihood * weights
        posterior /= posterior.sum(axis=1, keepdims=True)
        weights = posterior.mean(axis=0)
    return weights


def posterior_mean(
    counts: np.ndarray, weights: np.ndarray, rates: np.ndarray, exposure: float
) -> np.ndarray:
    """Mean rate (per whole period) of streets with ``counts`` seen over ``exposure`` of it."""
    likelihood = poisson.pmf(counts[:, None], rates[None, :] * exposure + 1e-12) * weights
    return (likelihood * rates).sum(axis=1) / likelihood.sum(axis=1)


def pai(scores: np.ndarray, test: np.ndarray, lengths: np.ndarray, pct: float) -> float:
    """PAI of ``scores`` at ``pct`` % of street length, streets taken whole (the protocol's)."""
    taken = take_by_score(scores, lengths, pct)
    return float((test[taken].sum() / test.sum()) / (lengths[taken].sum() / lengths.sum()))


def simulate(
    counts: np.ndarray, lengths: np.ndarray, test_share: float, draws: int, seed: int
) -> pd.DataFrame:
    """PAI of each score in ``draws`` simulated periods (one row per draw)."""
    bands = np.digitize(lengths, LENGTH_BANDS_M)
    rates = rate_grid(counts)
    weights = {b: mixing_weights(counts[bands == b], rates) for b in np.unique(bands)}
    cdf = np.zeros((len(counts), len(rates)))
    for band, w in weights.items():
        rows = bands == band
        post = poisson.pmf(counts[rows][:, None], rates[None, :] + 1e-12) * w
        cdf[rows] = (post / post.sum(axis=1, keepdims=True)).cumsum(axis=1)
    rng = np.random.default_rng(seed)
    results = []
    for _ in range(draws):
        picks = (cdf < rng.random(len(counts))[:, None]).sum(axis=1)
        rate = rates[picks.clip(max=len(rates) - 1)]
        train = rng.poisson(rate * (1 - test_share))
        test = rng.poisson(rate * test_share)
        best = np.zeros(len(counts))
        for band, w in weights.items():
            rows = bands == band
            best[rows] = posterior_mean(train[rows], w, rates, 1 - test_share)
        scores = {
            "true rates": rate / lengths,
            "best estimate from training": best / lengths,
            "prior per metre": train / lengths,
            "leaky (both periods)": (train + test) / lengths,
            "oracle": test / lengths,
        }
        results.append(
            {
                (name, pct): pai(score, test, lengths, pct)
                for name, score in scores.items()
                for pct in COVERAGES
            }
        )
    return pd.DataFrame(results)


def main() -> None:
    """Load the real file, print its figures and the simulated city's."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", type=Path, default=AREA)
    parser.add_argument("--incidents", type=Path, default=INCIDENTS)
    parser.add_argument("--cut", default="2019-10", help="first test month, YYYY-MM")
    parser.add_argument("--test-months", type=int, default=3)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not args.area.is_file() or not args.incidents.is_file():
        msg = f"skipped: {args.area} or {args.incidents} is absent (../shared/data)"
        raise SystemExit(msg)
    graph = load_street_graph(AreaSpec(source="file", path=args.area))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the load's row counts are not this script's subject
        incidents, _ = load_incidents(IncidentSpec(path=args.incidents))
        data = split_incidents(graph, incidents, pd.Timestamp(args.cut), args.test_months)
    lengths = data.lengths_m
    train = np.bincount(data.train_seg, minlength=len(lengths)).astype(float)
    test = np.bincount(data.test_seg, minlength=len(lengths)).astype(float)
    real = score_table(
        data,
        {
            "prior per metre": train / lengths,
            "leaky (both periods)": (train + test) / lengths,
            "oracle": test / lengths,
        },
        COVERAGES,
    ).pivot_table(index="method", columns="coverage_pct", values="pai", sort=False)
    print(f"{args.incidents.name}, cut {args.cut}, {args.test_months} test months")
    print(f"real file ({int(train.sum())} training, {int(test.sum())} test incidents on streets):")
    for method, row in real.iterrows():
        print(f"  {method:<30} PAI@1 {row[1.0]:6.2f}   PAI@5 {row[5.0]:6.2f}")
    runs = simulate(train + test, lengths, test.sum() / (train + test).sum(), args.draws, args.seed)
    print(f"simulated city with fixed street rates ({args.draws} draws, mean +- sd):")
    names = dict.fromkeys(name for name, _ in runs.columns)
    for name in names:
        one, five = runs[(name, 1.0)], runs[(name, 5.0)]
        print(
            f"  {name:<30} PAI@1 {one.mean():6.2f} +- {one.std():4.2f}   "
            f"PAI@5 {five.mean():6.2f} +- {five.std():4.2f}"
        )
    gain = runs[("best estimate from training", 1.0)] - runs[("prior per metre", 1.0)]
    print(f"best estimate minus per metre, PAI@1: {gain.mean():+.2f} +- {gain.std():.2f}")


if __name__ == "__main__":
    main()
