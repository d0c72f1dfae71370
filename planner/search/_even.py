"""Even shares of stops once every node has its most visits: :func:`even_out`.

When the plan visits every node as often as it may, the search has nothing left to add, and
which officer makes which visit is left to chance: some make most, others few or none and
spend the shift walking. This step moves single visits from busy officers to idle ones while
the plan keeps its value (within :data:`EVEN_OUT_MAY_LOSE` of it) and the officers' waits
between stops (all idle time in the plan, before any is walked as loops) do not grow in all.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from planner.search._engine import _Engine
from planner.search._route_moves import _path_time
from planner.search._state import _State

EVEN_OUT_MAY_LOSE = 0.002
"""Share of the plan's value that evening out the stops may cost, at most, in all."""


def saturated(eng: _Engine, st: _State) -> bool:
    """Whether ``st`` visits every candidate node as often as it may."""
    return not np.any(np.asarray(st.count)[eng.cands] < eng.caps_c)


def even_out(eng: _Engine, st: _State, out_of_time: Callable[[], bool]) -> tuple[_State, bool]:
    """``st`` with visits moved, one at a time, from busier officers to less busy ones.

    An officer's load is its visits per second of shift it can work (:func:`_hours`). A
    move takes one visit from an officer to the best place in another's route when it lowers
    the sum over officers of visits squared / seconds (so moves end), and is the move of that
    pair that keeps most value; pairs are tried from the busiest officer and the least busy one
    on. Moves stop when no pair has one that keeps the plan within :data:`EVEN_OUT_MAY_LOSE` of
    its value before (the second item is then True), or when ``out_of_time()`` (False).
    """
    floor = st.obj - EVEN_OUT_MAY_LOSE * abs(st.obj)
    hours = _hours(eng)
    while not out_of_time():
        moved = _best_move(eng, st, hours, floor)
        if moved is None:
            return st, True
        st = moved
    return st, False


def _hours(eng: _Engine) -> list[float]:
    """Seconds each officer can work at stops: its shift less its break and its walk out and back.

    The walk out and back is the shortest from its start to any candidate node and on to its end
    station: an officer starting 1 km from the hot spots spends a part of its shift on it that
    one starting among them does not.
    """
    travel, cands = eng.data.travel, np.asarray(eng.cands)
    hours = []
    for sh in eng.data.shifts:
        out_back = np.min(travel[sh.start, cands] + travel[cands, sh.end]) if cands.size else 0.0
        hours.append(sh.end_s - sh.begin_s - sh.break_s - float(out_back))
    return hours


def _best_move(eng: _Engine, st: _State, hours: list[float], floor: float) -> _State | None:
    """Return the best move of the first pair (busiest first) that has one above ``floor``."""
    working = [r for r, h in enumerate(hours) if h > 0.0]
    by_load = sorted(working, key=lambda r: (len(st.seqs[r]) / hours[r], r))
    waits = _waits(eng, st)
    for busy in reversed(by_load):
        for idle in by_load:
            n_busy, n_idle = len(st.seqs[busy]), len(st.seqs[idle])
            if (2 * n_idle + 1) * hours[busy] >= (2 * n_busy - 1) * hours[idle]:
                continue  # a move would not even these two out
            best = _pair_move(eng, st, busy, idle, waits)
            if best is not None and best.obj >= floor:
                return best
    return None


def _waits(eng: _Engine, st: _State) -> float:
    """Seconds the officers of ``st`` spend neither walking, nor at a stop, nor on a break."""
    data = eng.data
    return sum(
        end - _path_time(data, sh, seq) - sh.break_s
        for sh, seq, end in zip(data.shifts, st.seqs, st.ends, strict=True)
    )


def _pair_move(eng: _Engine, st: _State, busy: int, idle: int, waits: float) -> _State | None:
    """Return the plan of most value with one visit of ``busy`` moved into ``idle``'s route.

    ``waits`` is the idle time of ``st`` (:func:`_waits`). A move may not make the officers
    wait longer in all (for a revisit's slot or the break's window): a visit moved to where the
    other route must wait for its slot is no gain to an idle officer. Nor is a visit put next to
    one of the same node.
    """
    best: _State | None = None
    route = st.seqs[idle]
    for p, node in enumerate(st.seqs[busy]):
        for q in range(len(route) + 1):
            if node in route[max(q - 1, 0) : q + 1]:
                continue
            seqs = [list(s) for s in st.seqs]
            del seqs[busy][p]
            seqs[idle].insert(q, node)
            cand = eng.state_of(seqs)
            if cand is None or _waits(eng, cand) > waits + 1e-6:
                continue
            if best is None or cand.obj > best.obj:
                best = cand
    return best
