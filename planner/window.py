"""Shift-window weights of incidents: time of day, day of week and recency.

An incident counts fully for a shift when it happened during the shift's hours, on the same
weekday, recently. Away from the shift's hours its weight falls as a Gaussian of the circular
distance in hours (``tod_bandwidth_h``); on another weekday it counts ``other_day_weight``; an
incident ``half_life_days`` old counts half. Records without a time of day (or only a month, or no
date) get the day's (or week's) average weight instead of a made-up hour, and are counted; an
undated record counts as recent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, slots=True)
class WindowParams:
    """How incidents are weighted for a shift (defaults in the scenario's ``risk`` section)."""

    tod_bandwidth_h: float = 1.5
    other_day_weight: float = 0.5
    half_life_days: float = 365.0


def hours_outside(hour: np.ndarray, start_h: float, end_h: float) -> np.ndarray:
    """Circular distance in hours from each ``hour`` to the shift ``[start_h, end_h)``."""
    length = (end_h - start_h) % 24 or 24.0
    since_start = (hour - start_h) % 24
    inside = since_start < length
    after_end = since_start - length
    before_start = 24 - since_start
    return np.where(inside, 0.0, np.minimum(after_end, before_start))


def time_of_day_weight(
    hour: np.ndarray, start_h: float, end_h: float, bandwidth_h: float
) -> np.ndarray:
    """Gaussian weight of the circular distance to the shift's hours (1 inside)."""
    return np.exp(-0.5 * (hours_outside(hour, start_h, end_h) / bandwidth_h) ** 2)


def window_weights(
    incidents: pd.DataFrame, start: dt.datetime, end: dt.datetime, params: WindowParams
) -> tuple[np.ndarray, dict[str, int]]:
    """Weight of each incident for the shift from ``start`` to ``end`` (aware datetimes).

    ``incidents`` needs ``occurred`` (naive local time) and, optionally, ``time_known`` and
    ``month_only`` flags. Returns the weights and counts of records weighted by an average.
    """
    occurred = pd.to_datetime(incidents["occurred"])
    n = len(incidents)
    undated = occurred.isna().to_numpy()
    time_known = _flag(incidents, "time_known", True, n) & ~undated
    month_only = _flag(incidents, "month_only", False, n) | undated
    start_h = start.hour + start.minute / 60
    end_h = end.hour + end.minute / 60
    hour = (occurred.dt.hour + occurred.dt.minute / 60).to_numpy(dtype=float)
    tod = time_of_day_weight(hour, start_h, end_h, params.tod_bandwidth_h)
    day_average = time_of_day_weight(np.arange(0, 24, 0.25), start_h, end_h, params.tod_bandwidth_h)
    tod = np.where(time_known, tod, day_average.mean())
    # An incident counts for the day of the nearest shift's start: in the shift's hours, for
    # the shift it falls in; between shifts, for the one ending before it up to the gap's
    # midpoint and the next one after. An hour after midnight, or just after a night shift
    # ends, belongs to the night that began the day before.
    length_h = (end_h - start_h) % 24 or 24.0
    since_start = (hour - start_h) % 24
    after = (since_start < length_h) | (since_start - length_h <= 24 - since_start)
    to_start_h = np.where(time_known, np.where(after, -since_start, 24 - since_start), 0.0)
    weekday = (occurred + pd.to_timedelta(to_start_h, unit="h")).dt.day_of_week.to_numpy()
    dow = np.where(weekday == start.weekday(), 1.0, params.other_day_weight)
    dow = np.where(month_only, (1 + 6 * params.other_day_weight) / 7, dow)
    age_days = (pd.Timestamp(start.replace(tzinfo=None)) - occurred).dt.total_seconds() / 86400
    age = np.nan_to_num(age_days.to_numpy(dtype=float), nan=0.0)
    recency = np.power(0.5, np.clip(age, 0, None) / params.half_life_days)
    counts = {
        "near the shift's hours": int((time_known & (tod > 0.5)).sum()),
        "without time of day": int((~time_known).sum()),
        "month only": int((month_only & ~undated).sum()),
        "without date": int(undated.sum()),
    }
    return tod * dow * recency, counts


def _flag(frame: pd.DataFrame, column: str, default: bool, n: int) -> np.ndarray:
    if column in frame:
        return frame[column].to_numpy(dtype=bool)
    return np.full(n, default)
