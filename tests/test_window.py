import datetime as dt
import math
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from planner.window import WindowParams, hours_outside, window_weights

ZONE = ZoneInfo("Europe/Helsinki")
FRIDAY_NIGHT = (
    dt.datetime(2026, 11, 27, 22, tzinfo=ZONE),
    dt.datetime(2026, 11, 28, 6, tzinfo=ZONE),
)


def test_circular_distance_to_an_overnight_shift():
    hours = np.array([23.0, 3.0, 7.0, 21.0, 14.0])
    assert hours_outside(hours, 22, 6).tolist() == [0.0, 0.0, 1.0, 1.0, 8.0]


def test_weights_favour_the_shift_hours_weekday_and_recent_incidents():
    frame = pd.DataFrame(
        {
            "occurred": pd.to_datetime(
                [
                    "2026-11-20 23:30",  # Friday night, a week before: full day and hour
                    "2026-11-21 02:00",  # after midnight: still Friday's night
                    "2026-11-18 23:30",  # Wednesday night
                    "2026-11-20 14:00",  # Friday afternoon, 8 h before the shift
                    "2025-11-27 23:30",  # a year earlier, Thursday
                ]
            ),
        }
    )
    params = WindowParams(tod_bandwidth_h=1.5, other_day_weight=0.5, half_life_days=365)
    w, counts = window_weights(frame, *FRIDAY_NIGHT, params)
    recent = 0.5 ** (7 / 365)
    assert w[0] == pytest.approx(recent, rel=1e-3)
    assert w[1] == pytest.approx(w[0], rel=0.01)
    assert w[2] == pytest.approx(0.5 * 0.5 ** (9 / 365), rel=1e-3)
    assert w[3] < 1e-6
    assert w[4] == pytest.approx(0.5 * 0.5 ** (365 / 365), rel=0.01)
    assert counts == {
        "near the shift's hours": 4,
        "without time of day": 0,
        "month only": 0,
        "without date": 0,
    }


def test_the_hour_after_a_night_shift_counts_for_that_night():
    frame = pd.DataFrame(
        {
            "occurred": pd.to_datetime(
                [
                    "2026-11-21 07:00",  # Saturday, 1 h after the Friday night shift ended
                    "2026-11-20 07:00",  # Friday morning, 15 h before that night's shift
                ]
            ),
        }
    )
    params = WindowParams(tod_bandwidth_h=1.5, other_day_weight=0.5, half_life_days=1e9)
    w, _ = window_weights(frame, *FRIDAY_NIGHT, params)
    assert w[0] == pytest.approx(2 * w[1])


def test_an_hour_slice_after_midnight_counts_the_evening_before_as_its_night():
    slice_start = dt.datetime(2026, 11, 28, 0, tzinfo=ZONE)  # Saturday 00:00-01:00
    frame = pd.DataFrame(
        {"occurred": pd.to_datetime(["2026-11-20 23:30", "2026-11-21 23:30"])}  # Fri, Sat
    )
    params = WindowParams(tod_bandwidth_h=1.5, other_day_weight=0.5, half_life_days=1e9)
    w, _ = window_weights(frame, slice_start, slice_start + dt.timedelta(hours=1), params)
    assert w[0] == pytest.approx(2 * w[1])


def test_records_without_time_get_the_average_weight():
    frame = pd.DataFrame(
        {
            "occurred": pd.to_datetime(["2026-11-15", "2026-11-15"]),
            "time_known": [False, False],
            "month_only": [True, True],
        }
    )
    w, counts = window_weights(frame, *FRIDAY_NIGHT, WindowParams(half_life_days=1e9))
    assert w[0] == w[1]
    assert w[0] == pytest.approx(_night_mean(1.5) * (1 + 6 * 0.5) / 7, rel=1e-5)
    assert counts == {
        "near the shift's hours": 0,
        "without time of day": 2,
        "month only": 2,
        "without date": 0,
    }


def _night_mean(bandwidth_h: float) -> float:
    """Mean over the day of the 22:00-06:00 kernel: 8 h at 1, a Gaussian tail 8 h each side."""
    tail_h = bandwidth_h * math.sqrt(math.pi / 2) * math.erf(8 / (bandwidth_h * math.sqrt(2)))
    return (8 + 2 * tail_h) / 24


@pytest.mark.parametrize(("bandwidth_h", "other_day"), [(2.0, 0.3), (1.0, 0.0)])
def test_a_month_only_record_weighs_the_days_mean_hour_on_the_weeks_mean_day(
    bandwidth_h, other_day
):
    frame = pd.DataFrame(
        {"occurred": pd.to_datetime(["2026-11-15"]), "time_known": [False], "month_only": [True]}
    )
    params = WindowParams(
        tod_bandwidth_h=bandwidth_h, other_day_weight=other_day, half_life_days=1e9
    )
    w, _ = window_weights(frame, *FRIDAY_NIGHT, params)
    # one day of seven is the shift's weekday (1), the other six weigh other_day_weight
    week_mean = (1 + 6 * other_day) / 7
    assert w[0] == pytest.approx(_night_mean(bandwidth_h) * week_mean, rel=1e-5)


def test_undated_records_count_with_the_average_weight():
    frame = pd.DataFrame({"occurred": pd.to_datetime([None, "2026-11-20 23:30"])})
    w, counts = window_weights(frame, *FRIDAY_NIGHT, WindowParams())
    assert np.isfinite(w).all()
    assert 0 < w[0] < w[1]
    assert counts["without date"] == 1


def test_an_undated_record_counts_as_recent():
    frame = pd.DataFrame({"occurred": pd.to_datetime([None])})
    w, _ = window_weights(frame, *FRIDAY_NIGHT, WindowParams(half_life_days=365))
    # the day's mean hour on the week's mean day, and no loss for age
    assert w[0] == pytest.approx(_night_mean(1.5) * (1 + 6 * 0.5) / 7, rel=1e-5)


def test_a_shift_ending_at_a_quarter_to_counts_its_last_minutes_fully():
    start = dt.datetime(2026, 11, 27, 22, tzinfo=ZONE)
    end = dt.datetime(2026, 11, 28, 6, 45, tzinfo=ZONE)
    frame = pd.DataFrame({"occurred": pd.to_datetime(["2026-11-28 06:40"])})  # 5 min before
    params = WindowParams(tod_bandwidth_h=0.25, half_life_days=1e9)
    w, counts = window_weights(frame, start, end, params)
    assert w[0] == pytest.approx(1.0)
    assert counts["near the shift's hours"] == 1


def test_an_incident_an_hour_outside_the_shift_counts_as_near_its_hours():
    frame = pd.DataFrame({"occurred": pd.to_datetime(["2026-11-21 07:00", "2026-11-20 18:00"])})
    w, counts = window_weights(frame, *FRIDAY_NIGHT, WindowParams(half_life_days=1e9))
    # an hour after the shift ends weighs more than half; four hours before it, almost nothing
    assert w[0] == pytest.approx(math.exp(-0.5 * (1 / 1.5) ** 2), rel=1e-6)  # that night
    assert counts["near the shift's hours"] == 1
