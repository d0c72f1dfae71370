import numpy as np
import pandas as pd
import pytest

from planner.errors import IncidentDataError
from planner.forecast import (
    ForecastData,
    ForecastParams,
    evaluate,
    model_scores,
    score_table,
    split_incidents,
    take_by_score,
)
from planner.risk import IncidentModel

from .conftest import grid_lonlat


def test_streets_are_taken_whole_within_the_budget():
    lengths = np.array([50.0, 30.0, 20.0, 100.0])
    scores = np.array([3.0, 2.0, 1.0, 0.5])
    # 40 % of 200 m = 80 m: the best street (50 m) then the next (30 m) fit, the third does not.
    assert take_by_score(scores, lengths, 40).tolist() == [True, True, False, False]
    assert take_by_score(scores, lengths, 10).tolist() == [False, False, False, False]


def test_streets_are_taken_best_score_first_and_ties_by_index():
    lengths = np.full(4, 10.0)
    scores = np.array([1.0, 3.0, 2.0, 3.0])
    # 50 % of 40 m = 20 m: the two streets that score 3, whatever their place in the list
    assert take_by_score(scores, lengths, 50).tolist() == [False, True, False, True]
    # 25 %: one street; of the two that score 3, the first
    assert take_by_score(scores, lengths, 25).tolist() == [False, True, False, False]


def test_pai_is_hit_rate_over_length_share():
    data = ForecastData(
        lengths_m=np.array([10.0, 90.0]),
        train_seg=np.array([0]),
        train_age_days=np.array([1.0]),
        train_xy=np.zeros((1, 2)),
        train_repeat=np.array([False]),
        test_seg=np.array([0, 0, 0, 1]),
    )
    table = score_table(data, {"m": np.array([1.0, 0.0])}, coverages=(10.0,))
    row = table.iloc[0]
    assert row["hit_rate"] == pytest.approx(0.75)
    assert row["pai"] == pytest.approx(7.5)


def incidents_on_grid(cells, month):
    rows = []
    for (r, c), n in cells.items():
        (lon0, lat0), (lon1, _) = grid_lonlat(r, c), grid_lonlat(r, c + 1)
        for _ in range(n):
            rows.append({"lon": (lon0 + lon1) / 2, "lat": lat0, "occurred": pd.Timestamp(month)})
    return rows


def test_evaluation_on_a_grid_ranks_the_repeat_street_first(grid):
    train = incidents_on_grid({(0, 0): 5, (2, 1): 1}, "2020-01-10")
    test = incidents_on_grid({(0, 0): 3, (3, 2): 1}, "2020-02-10")
    table, data = evaluate(
        grid, pd.DataFrame(train + test), pd.Timestamp("2020-02-01"), 1, ForecastParams()
    )
    assert data.counts["train"] == 6 and data.counts["test"] == 4
    at5 = table[(table.coverage_pct == 5.0)].set_index("method")
    # 5 % of 2,400 m is 120 m: one 100 m street, the one with five incidents.
    assert at5.loc["model", "hit_rate"] == pytest.approx(0.75)
    assert at5.loc["oracle", "hit_rate"] == pytest.approx(0.75)
    assert at5.loc["model", "pai"] == pytest.approx(0.75 / (100 / 2400))


def test_cut_outside_the_data_is_an_error(grid):
    rows = incidents_on_grid({(0, 0): 2}, "2020-01-10")
    with pytest.raises(
        IncidentDataError,
        match="2020-01 to 2020-01; the evaluation needs incidents of at least two",
    ):
        evaluate(grid, pd.DataFrame(rows), pd.Timestamp("2019-01-01"), 1)
    undated = pd.DataFrame(rows).assign(occurred=pd.NaT)
    with pytest.raises(IncidentDataError, match=r"no dates.*--time-col"):
        evaluate(grid, undated, pd.Timestamp("2019-01-01"), 1)


def test_the_ceiling_benchmark_recovers_a_known_mixture_of_street_rates():
    from benchmarks.forecast_ceiling import mixing_weights, posterior_mean, rate_grid

    rng = np.random.default_rng(3)
    counts = np.r_[rng.poisson(0.5, 2000), rng.poisson(20.0, 2000)]
    rates = rate_grid(counts)
    weights = mixing_weights(counts, rates, iterations=500)
    assert weights.sum() == pytest.approx(1.0)
    assert weights[rates < 3].sum() == pytest.approx(0.5, abs=0.03)
    assert weights[(rates > 12) & (rates < 30)].sum() == pytest.approx(0.5, abs=0.03)
    # a street seen over half the period: no incident says "quiet", 10 say "busy"
    quiet, busy = posterior_mean(np.array([0, 10]), weights, rates, exposure=0.5)
    assert quiet < 1.0 and 15.0 < busy < 25.0
    # the grid reaches past the busiest street, so a busy street is not pulled down
    assert rate_grid(np.array([0, 900]))[-1] == pytest.approx(1800.0)


def test_incidents_after_the_test_months_are_neither_trained_on_nor_tested(grid):
    train = incidents_on_grid({(0, 0): 2}, "2020-01-10")
    test = incidents_on_grid({(0, 0): 1, (1, 1): 1}, "2020-02-10")
    later = incidents_on_grid({(3, 2): 5}, "2020-03-10")
    table, data = evaluate(grid, pd.DataFrame(train + test + later), pd.Timestamp("2020-02-01"), 1)
    assert data.counts["test"] == 2 and data.counts["after the test months"] == 5
    oracle = table[(table.method == "oracle") & (table.coverage_pct == 10.0)].iloc[0]
    assert oracle["hit_rate"] == pytest.approx(1.0)  # the two test streets hold all test incidents


def test_the_model_weighs_recent_training_months_above_older_ones(grid):
    old = incidents_on_grid({(0, 0): 3}, "2018-01-10")
    recent = incidents_on_grid({(2, 1): 3}, "2019-12-10")
    test = incidents_on_grid({(1, 1): 1}, "2020-01-10")
    data = split_incidents(grid, pd.DataFrame(old + recent + test), pd.Timestamp("2020-01-01"), 1)
    scores = model_scores(grid, data, IncidentModel(), half_life_days=365.0)
    seg_old, seg_recent = data.train_seg[0], data.train_seg[-1]
    assert seg_old != seg_recent
    # 699 days older: half the weight for each year (the half-life) between them
    days = (pd.Timestamp("2019-12-10") - pd.Timestamp("2018-01-10")).days
    assert scores[seg_old] / scores[seg_recent] == pytest.approx(0.5 ** (days / 365.0))
