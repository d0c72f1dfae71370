import numpy as np
import pandas as pd
import pytest

from planner.errors import IncidentDataError
from planner.forecast import ForecastData, ForecastParams, evaluate, score_table, take_by_score

from .conftest import grid_lonlat


def test_streets_are_taken_whole_within_the_budget():
    lengths = np.array([50.0, 30.0, 20.0, 100.0])
    scores = np.array([3.0, 2.0, 1.0, 0.5])
    # 40 % of 200 m = 80 m: the best street (50 m) then the next (30 m) fit, the third does not.
    assert take_by_score(scores, lengths, 40).tolist() == [True, True, False, False]
    assert take_by_score(scores, lengths, 10).tolist() == [False, False, False, False]


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
