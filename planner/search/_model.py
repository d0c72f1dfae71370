"""Problem, result types and the problem data prepared for the search."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TOL_S = 1e-9
"""Feasibility tolerance in seconds."""

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Shift:
    """One officer (unit): where and when the shift starts and ends, and its meal break."""

    start: int
    end: int
    begin_s: float
    end_s: float
    break_s: float = 0.0
    break_earliest_s: float = 0.0
    break_latest_s: float = math.inf
    break_node: int | None = None


@dataclass(frozen=True, slots=True, eq=False)
class StreetPasses:
    """The streets under each walk, for walking value that falls with each pass of a street.

    Walks follow shortest-path trees: ``pred[i, v]`` is the position before ``v`` on the walk
    from node ``i`` (negative at the root and where unreached) and ``street[i, v]`` the street
    walked into ``v``; ``where[i]`` is node ``i``'s position. The ``k``-th pass of street ``s``
    over the whole plan (``before[s]`` earlier passes first) earns ``weight[s] * decay**k``
    and takes ``seconds[s]``. The total depends on the pass counts only, not on their order.
    The problem's ``walk_value[i, j]`` must be the first-pass sum of the walk's streets (the
    search's estimates and the bound read it) and their seconds must add up to ``travel_s``; a
    street of no time earns nothing (``weight`` 0).
    """

    pred: np.ndarray
    street: np.ndarray
    where: np.ndarray
    weight: np.ndarray
    seconds: np.ndarray
    decay: float
    before: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class Problem:
    """Matrices and shifts of one planning problem (see the module docstring for the model)."""

    travel_s: np.ndarray
    value: np.ndarray
    dwell_s: np.ndarray
    max_visits: np.ndarray
    shifts: tuple[Shift, ...]
    bucket_s: float = math.inf
    repeat_decay: float = 1.0
    min_gap_s: float = 0.0
    walk_value: np.ndarray | None = None
    history: tuple[tuple[int, float], ...] = ()
    street_passes: StreetPasses | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    """One dwell: the node and the second it starts."""

    node: int
    start_s: float


@dataclass(frozen=True, slots=True)
class Solution:
    """Scheduled routes (stations not listed), break starts per shift, and the objective."""

    routes: tuple[tuple[Visit, ...], ...]
    breaks: tuple[float | None, ...]
    objective: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Best solution, bound, status and the improvement history of one search."""

    best: Solution
    bound: float
    status: str
    history: tuple[tuple[float, float], ...]
    iterations: int
    runtime_s: float
    last_half_gain: float = 0.0  # share of the best found in the last half of the iterations


class _Streets:
    """Walk value with decaying passes (:class:`StreetPasses`), each walk's streets cached."""

    def __init__(self, passes: StreetPasses) -> None:
        self.passes = passes
        self.cache: dict[tuple[int, int], np.ndarray] = {}

    def streets_of(self, a: int, b: int) -> np.ndarray:
        """Streets of the walk from node ``a`` to node ``b``."""
        hit = self.cache.get((a, b))
        if hit is None:
            sp = self.passes
            pred, street = sp.pred[a], sp.street[a]
            root, v, out = int(sp.where[a]), int(sp.where[b]), []
            while v != root and v >= 0:
                out.append(int(street[v]))
                v = int(pred[v])
            hit = self.cache[(a, b)] = np.asarray(out, dtype=np.int64)
        return hit

    def walk_credit(self, arcs: list[tuple[int, int]]) -> float:
        """Return the walking value of the walks ``arcs``, each street's passes decaying in turn."""
        walks = [self.streets_of(a, b) for a, b in arcs if a != b]
        if not walks:
            return 0.0
        sp = self.passes
        streets, passes = np.unique(np.concatenate(walks), return_counts=True)
        if sp.decay == 1.0:
            return float(sp.weight[streets] @ passes)
        earlier = sp.before[streets]
        kept = sp.decay**earlier - sp.decay ** (earlier + passes)
        return float(sp.weight[streets] @ kept / (1.0 - sp.decay))


class _Data:
    """Problem converted once to Python lists (scalar access) and numpy arrays (vector access)."""

    def __init__(self, problem: Problem) -> None:
        _check_problem(problem)
        self.problem = problem
        self.n = int(problem.travel_s.shape[0])
        # C-ordered, writable float64: the one type the compiled route moves are built for
        self.travel = np.require(problem.travel_s, np.float64, ["C", "W"])
        self.tl = self.travel.tolist()
        self.value = np.asarray(problem.value, dtype=np.float64)
        self.vl = self.value.tolist()
        self.n_buckets = int(self.value.shape[1])
        self.dwell = np.require(problem.dwell_s, np.float64, ["C", "W"])
        self.dl = self.dwell.tolist()
        self.cap = [int(c) for c in problem.max_visits]
        self.shifts = problem.shifts
        self.decay = float(problem.repeat_decay)
        self.gap = float(problem.min_gap_s)
        self.walk = (
            None
            if problem.walk_value is None or not np.any(problem.walk_value)
            else np.asarray(problem.walk_value, dtype=np.float64)
        )
        self.wl = None if self.walk is None else self.walk.tolist()
        passes = problem.street_passes
        self.passes = None if self.walk is None or passes is None else _Streets(passes)
        self.hist_count = [0] * self.n
        self.hist_starts: dict[int, list[float]] = {}
        for node, start_s in problem.history:
            self.hist_count[node] += 1
            self.hist_starts.setdefault(node, []).append(float(start_s))
        one_bucket = self.n_buckets == 1 or math.isinf(problem.bucket_s)
        self.simple = (
            one_bucket
            and self.gap <= 0.0
            and self.walk is None
            and all(s.break_s <= 0.0 for s in problem.shifts)
        )
        # street matrices sum their legs in a different order each way: equal within rounding
        self.symmetric = bool(np.allclose(self.travel, self.travel.T, rtol=0.0, atol=1e-6))

    def bucket(self, start_s: float) -> int:
        """Value bucket of a visit starting at ``start_s``."""
        b = self.problem.bucket_s
        if self.n_buckets == 1 or math.isinf(b):
            return 0
        return max(0, min(self.n_buckets - 1, math.floor(start_s / b)))


def _check_problem(problem: Problem) -> None:
    """Raise ``ValueError`` naming the field when the arrays or shifts are inconsistent."""
    n = problem.travel_s.shape[0]
    if problem.travel_s.shape != (n, n):
        msg = f"travel_s must be square (got shape {problem.travel_s.shape})"
        raise ValueError(msg)
    if problem.value.ndim != 2 or problem.value.shape[0] != n or problem.value.shape[1] < 1:
        msg = f"value must have shape (n={n}, H>=1) (got {problem.value.shape})"
        raise ValueError(msg)
    for name in ("dwell_s", "max_visits"):
        if getattr(problem, name).shape != (n,):
            msg = f"{name} must have shape ({n},) (got {getattr(problem, name).shape})"
            raise ValueError(msg)
    if problem.walk_value is not None and problem.walk_value.shape != (n, n):
        msg = f"walk_value must have shape ({n}, {n}) (got {problem.walk_value.shape})"
        raise ValueError(msg)
    _check_values(problem)
    for k, s in enumerate(problem.shifts):
        for field in ("start", "end", "break_node"):
            node = getattr(s, field)
            if node is not None and not 0 <= node < n:
                msg = f"shifts[{k}].{field} = {node} is not a node index in [0, {n})"
                raise ValueError(msg)
    if problem.street_passes is not None:
        _check_passes(problem.street_passes, n, problem.walk_value is not None)
    # shifts with time left (a unit whose hours are over starts at its end)
    first_begin = min((s.begin_s for s in problem.shifts if s.begin_s < s.end_s), default=math.inf)
    for node, start_s in problem.history:
        if not 0 <= node < n:
            msg = f"history node {node} is not a node index in [0, {n})"
            raise ValueError(msg)
        if start_s > first_begin + TOL_S:
            msg = (
                f"history visit of node {node} starts at {start_s} s, after the first shift "
                f"with time left begins ({first_begin} s): history is the visits made before"
            )
            raise ValueError(msg)
    if problem.walk_value is not None:
        free = (problem.travel_s <= 0.0) | np.eye(n, dtype=bool)
        free &= problem.walk_value > 0.0
        if free.any():
            i, j = (int(x) for x in np.argwhere(free)[0])
            msg = (
                f"walk_value[{i}, {j}] = {problem.walk_value[i, j]}: a walk from a node to "
                "itself, or of no time (travel_s 0), has no walking value; set it to 0"
            )
            raise ValueError(msg)


def _check_values(problem: Problem) -> None:
    """Raise ``ValueError`` naming the array and its first bad entry when a number is out of range.

    Times, values and caps are >= 0 and never NaN; a travel time may be infinite (unreachable).
    """
    arrays = {
        "travel_s": (problem.travel_s, True),
        "value": (problem.value, False),
        "dwell_s": (problem.dwell_s, False),
        "max_visits": (problem.max_visits, False),
        "walk_value": (problem.walk_value, False),
    }
    for name, (array, inf_ok) in arrays.items():
        if array is None:
            continue
        a = np.asarray(array, dtype=np.float64)
        bad = np.isnan(a) | (a < 0.0)
        if not inf_ok:
            bad |= np.isinf(a)
        if bad.any():
            at = tuple(int(i) for i in np.argwhere(bad)[0])
            allowed = ">= 0 (inf: unreachable)" if inf_ok else "finite and >= 0"
            msg = (
                f"{name}{list(at)} = {a[at]}: entries must be {allowed} ({int(bad.sum())} are not)"
            )
            raise ValueError(msg)


def _check_passes(sp: StreetPasses, n: int, walk_value: bool) -> None:
    """Raise ``ValueError`` when ``sp`` does not fit a problem of ``n`` nodes (see its class)."""
    if sp.pred.shape != sp.street.shape or sp.pred.shape[0] != n:
        msg = f"street_passes.pred and .street must have shape ({n}, positions)"
        raise ValueError(msg)
    if not 0.0 <= sp.decay <= 1.0:
        msg = f"street_passes.decay must be in [0, 1] (got {sp.decay})"
        raise ValueError(msg)
    if (
        sp.where.shape != (n,)
        or sp.weight.shape != sp.seconds.shape
        or sp.weight.shape != sp.before.shape
        or not walk_value
    ):
        msg = (
            f"street_passes needs where of shape ({n},), weight, seconds and before of one "
            "shape (one entry per street), and walk_value"
        )
        raise ValueError(msg)
    if (idle := (sp.weight > 0.0) & (sp.seconds <= 0.0)).any():
        s = int(np.flatnonzero(idle)[0])
        msg = (
            f"street_passes.weight[{s}] = {sp.weight[s]} for a street of no time (seconds "
            f"{sp.seconds[s]}): a pass that takes no time earns nothing; set its weight to 0"
        )
        raise ValueError(msg)
