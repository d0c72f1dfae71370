"""The rules of a foot-patrol shift, in seconds and node positions, as the route search takes them.

:class:`Patrol` holds the units, stations, pace, stops, revisit rules, meal break, time held back
for calls and, when re-planning, where each unit is and what it has done; :mod:`planner.routes`
plans under it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from planner.scenario_patrol import KOPER_CURVE

#: Seconds in an hour: the columns of ``Patrol.hourly`` and the search's time buckets.
HOUR_S = 3600.0


@dataclass(frozen=True, slots=True)
class Patrol:
    """The rules of a patrol shift, in seconds and node positions (see the scenario reference).

    ``starts`` (re-planning) gives per unit its node position and second; ``done`` the stops
    already made as (hot-spot index, start second); ``walked`` the street segments walked so far,
    once per pass; ``break_done`` the units whose break is over; ``resumed`` marks the rest of a
    shift under way, where a walk back without a stop is a plan, not a failure.
    ``break_slots_s`` gives, when meal breaks are staggered, each unit's own part of
    ``break_window_s`` (:func:`break_slots`).
    """

    units: int
    start_idx: int
    end_idx: int
    shift_s: float
    pace_m_per_s: float
    dwell_s: float
    max_visits: int = 3
    revisit_value: float = 0.5
    min_gap_s: float = 3600.0
    max_dwell_s_per_spot: float | None = None
    break_s: float = 0.0
    break_window_s: tuple[float, float] = (0.0, math.inf)
    break_at_station: bool = True
    break_slots_s: tuple[tuple[float, float], ...] = ()  # per unit, when breaks are staggered
    most_on_break: int | None = None  # units on their meal break at once, when staggered
    held_back_share: float = 0.0
    avoided: frozenset[int] = frozenset()
    hourly: np.ndarray | None = None
    search_weight: np.ndarray | None = None  # (hot spots, hours) multiplier seen by the search only
    must_cover: tuple[int, ...] = ()  # hot spots that weigh more in the search (_weigh_must_cover)
    koper_curve: tuple[tuple[float, float], ...] = KOPER_CURVE
    starts: tuple[tuple[int, float], ...] = ()
    ends: tuple[tuple[int, float], ...] = ()
    overtime_s: tuple[float, ...] = ()  # per unit, its end moved past its time (re-plans)
    done: tuple[tuple[int, float], ...] = ()
    walked: tuple[int, ...] = ()
    break_done: frozenset[int] = field(default_factory=frozenset)
    resumed: bool = False  # the rest of a shift under way (re-planning)
    sight_m: float = 50.0  # street a walker watches ahead and behind (the stops' radius)
    walk_spare: bool = False  # loops of streets in waits as long as a stop (planner.loops)

    def stretch(self) -> float:
        """Clock seconds per second of walking or dwelling (held-back time included)."""
        return 1.0 / (1.0 - self.held_back_share)

    def unit_starts(self) -> tuple[tuple[int, float], ...]:
        """Per unit, the node position and second it starts from."""
        return self.starts or tuple((self.start_idx, 0.0) for _ in range(self.units))

    def unit_ends(self) -> tuple[tuple[int, float], ...]:
        """Per unit, the node position where it ends and the second it must be there by."""
        return self.ends or tuple((self.end_idx, self.shift_s) for _ in range(self.units))

    def unit_break_window(self, k: int) -> tuple[float, float]:
        """Seconds within which unit ``k`` (from 0) starts its meal break: its slot if staggered."""
        return self.break_slots_s[k] if self.break_slots_s else self.break_window_s

    def outside_break_window(self, k: int) -> bool:
        """Whether unit ``k`` (from 0) works no time its meal break could start and end in.

        True when no break can start in the window and end within the unit's own hours, and
        those hours are narrower than the shift's: such a unit (a staggered start, say) takes no
        meal break. A break that does not fit in the whole shift is an error instead.
        """
        if self.break_s <= 0 or self.break_fits(k, self.unit_break_window(k)):
            return False
        begin, end = self.unit_starts()[k][1], self.unit_ends()[k][1]
        return begin > self.break_window_s[0] or end < self.shift_s  # its hours, not the shift's

    def break_fits(self, k: int, window_s: tuple[float, float]) -> bool:
        """Whether unit ``k`` (from 0) can start its break in ``window_s``, end it in its hours."""
        begin, end = self.unit_starts()[k][1], self.unit_ends()[k][1]
        return max(begin, window_s[0]) <= min(window_s[1], end - self.break_s)

    def hours(self) -> int:
        """Hours of the shift, the last one maybe partial: the columns of ``hourly``."""
        return max(1, math.ceil(self.shift_s / HOUR_S))

    def hour_of(self, start_s: float) -> int:
        """Hour of the shift (column of ``hourly``) of a stop starting at ``start_s``."""
        return min(int(start_s // HOUR_S), self.hours() - 1)

    def hour_weight(self, spot: int, start_s: float) -> float:
        """Risk of hot spot ``spot`` in the hour a stop starts, against its shift average."""
        return 1.0 if self.hourly is None else float(self.hourly[spot, self.hour_of(start_s)])

    def visits_allowed(self) -> int:
        """Most stops per hot spot under ``max_visits`` and the dosage cap."""
        if self.max_dwell_s_per_spot is None:
            return self.max_visits
        return max(1, min(self.max_visits, int(self.max_dwell_s_per_spot // self.dwell_s)))


def break_slots(
    window_s: tuple[float, float], break_s: float, takers: int, most_at_once: int
) -> tuple[tuple[float, float], ...] | None:
    """Split a meal break window so that at most ``most_at_once`` of ``takers`` units break at once.

    The units fall in ``ceil(takers / most_at_once)`` groups, the i-th unit in group
    ``i % groups``; the time from the window's opening to the end of a break started at its
    close is cut into one equal slot per group, and a group's breaks start in its slot early
    enough to end within it. Returns each unit's window of break starts, in unit order; ``()``
    when one group is enough; None when a slot is shorter than a break.
    """
    groups = math.ceil(takers / most_at_once)
    if groups <= 1:
        return ()
    earliest, latest = window_s
    slot = (latest - earliest + break_s) / groups
    if slot < break_s - 1e-9:
        return None
    starts = [earliest + g * slot for g in range(groups)]
    return tuple(
        (starts[i % groups], starts[i % groups] + max(0.0, slot - break_s)) for i in range(takers)
    )
