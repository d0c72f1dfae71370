"""Fixed posts: choose ``k`` street nodes that together watch the most risk.

Maximal covering location problem (Church & ReVelle 1974), solved exactly with OR-Tools CP-SAT::

    maximise   sum_j w_j y_j
    subject to y_j <= sum_{i covers j} x_i    for every street piece j
               sum_i x_i = k
               x_i, y_j in {0, 1}

A candidate ``i`` covers piece ``j`` when the piece's midpoint lies within the visibility radius,
walking along the streets. Pieces covered by the same candidates are merged first, then their
risk is scaled to integer weights (``WEIGHT_SCALE`` in all). CP-SAT runs with one worker by default
and ``linearization_level=2``, which proves the optimum in seconds on city districts on two cores; a
greedy run (:func:`greedy_run`) gives it its hint, the choice kept when it finds none in time,
and an upper bound.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy import sparse

from planner.coverage import Pieces, coverage_matrix
from planner.cpsat import solve_stoppable
from planner.errors import SolverError
from planner.graph import StreetGraph
from planner.plan import SolveStats
from planner.risk import RiskMap

log = logging.getLogger(__name__)

#: The wall-clock cap of a CP-SAT solve, as a multiple of its (deterministic) time limit. A
#: work unit takes about 1-3 s on a two-core laptop: only a badly loaded machine reaches the cap.
WALL_CAP_FACTOR = 5.0
#: Integer weight of the whole area's risk in the CP-SAT model.
WEIGHT_SCALE = 10_000_000


@dataclass(frozen=True, slots=True)
class CoverSolution:
    """Chosen candidate rows and the solve statistics (objective in integer weight units)."""

    chosen: np.ndarray
    stats: SolveStats


def to_int_weights(weights: np.ndarray, scale: int = WEIGHT_SCALE) -> np.ndarray:
    """Scale non-negative float weights to integers summing to about ``scale``."""
    if np.any(weights < 0) or not np.all(np.isfinite(weights)):
        msg = "covering weights must be finite and non-negative"
        raise SolverError(msg)
    total = weights.sum()
    if total <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    return np.rint(weights / total * scale).astype(np.int64)


def undominated_rows(cover: sparse.spmatrix, k: int) -> np.ndarray:
    """Rows of ``cover`` no other row dominates, in order; all rows when fewer than ``k`` stay.

    A row (a candidate site) whose covered columns all lie in another row's is never needed:
    swapping it for that row covers at least as much. Of rows with the same columns, the first
    stays. Dropping the others leaves the optimum as it was and the model smaller (on the
    default Helsinki area about half the sites go, and CP-SAT proves the optimum in half the
    time).
    """
    rows = sparse.csr_matrix(cover, dtype=bool).astype(np.int32)
    sizes = np.asarray(rows.sum(axis=1)).ravel()
    overlap = sparse.coo_matrix(rows @ rows.T)
    i, j = overlap.row, overlap.col
    inside = (i != j) & (overlap.data == sizes[i])  # row i's columns all in row j's
    beaten = inside & ((sizes[j] > sizes[i]) | (j < i))  # a larger row, or the same but earlier
    dominated = np.zeros(rows.shape[0], dtype=bool)
    dominated[i[beaten]] = True
    kept = np.flatnonzero(~dominated)
    return kept if len(kept) >= k else np.arange(rows.shape[0])


def merge_identical_columns(
    cover: sparse.csr_matrix, weights: np.ndarray
) -> tuple[sparse.csc_matrix, np.ndarray]:
    """Drop zero-weight or uncoverable columns and merge columns with the same covering rows.

    Merged weights keep the dtype of ``weights``: merge float risk before scaling it to
    integers (:func:`to_int_weights`), so that many small pieces watched by the same posts are
    not each rounded to zero first.
    """
    csc = sparse.csc_matrix(cover, dtype=bool)
    keys: dict[bytes, int] = {}
    kept: list[int] = []  # columns kept, and the merged column of each
    group: list[int] = []
    cols: list[np.ndarray] = []
    for j in range(csc.shape[1]):
        rows = csc.indices[csc.indptr[j] : csc.indptr[j + 1]]
        if weights[j] <= 0 or len(rows) == 0:
            continue
        key = np.sort(rows).tobytes()
        if key not in keys:
            keys[key] = len(cols)
            cols.append(np.sort(rows))
        kept.append(j)
        group.append(keys[key])
    merged_w = np.zeros(len(cols), dtype=weights.dtype)
    np.add.at(
        merged_w, np.asarray(group, dtype=np.int64), weights[np.asarray(kept, dtype=np.int64)]
    )
    indptr = np.concatenate([[0], np.cumsum([len(c) for c in cols])]).astype(np.int64)
    indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    data = np.ones(len(indices), dtype=bool)
    out = sparse.csc_matrix((data, indices, indptr), shape=(csc.shape[0], len(cols)))
    return out, merged_w


def _greedy_order(
    cover: sparse.spmatrix, weights: np.ndarray
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Rows in greedy covering order, each with the uncovered weight it adds.

    Each comes with every row's gain before it is taken (0 for the rows taken already).
    """
    csr = sparse.csr_matrix(cover, dtype=float)
    remaining = weights.astype(float).copy()
    chosen: list[int] = []
    for _ in range(csr.shape[0]):
        gains = csr @ remaining
        ranked = gains.copy()
        ranked[chosen] = -1.0
        best = int(np.argmax(ranked))
        yield best, float(gains[best]), gains
        chosen.append(best)
        remaining[csr.indices[csr.indptr[best] : csr.indptr[best + 1]]] = 0.0


def greedy_run(cover: sparse.spmatrix, weights: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Greedy maximal covering of ``k`` rows (sorted) and the upper bound its gains prove.

    After each greedy pick ``S``, no ``k`` rows cover more than what ``S`` covers plus the ``k``
    largest gains of single rows over ``S`` (coverage is submodular: Nemhauser, Wolsey & Fisher
    1978); the bound is the least of these over the run, and of all the weight some row covers.
    With ``k = 1`` it is greedy's own value.
    """
    csr = sparse.csr_matrix(cover, dtype=float)
    k = min(k, csr.shape[0])
    bound = float(weights[np.asarray(csr.sum(axis=0)).ravel() > 0].sum())
    covered = 0.0
    picks: list[int] = []
    for row, gain, gains in itertools.islice(_greedy_order(csr, weights), k + 1):
        top = float(np.sort(gains)[len(gains) - k :].sum()) if k else 0.0
        bound = min(bound, covered + top)
        if len(picks) == k:
            break
        covered += gain
        picks.append(row)
    else:  # every row taken: what they cover is all there is
        bound = min(bound, covered)
    return np.array(sorted(picks), dtype=np.int64), bound


def solve_max_cover(
    cover: sparse.csc_matrix,
    weights: np.ndarray,
    k: int,
    time_limit_s: float,
    seed: int,
    workers: int = 1,
    work_limit: float | None = None,
) -> CoverSolution:
    """Solve the maximal covering problem with CP-SAT (numeric core).

    Parameters
    ----------
    cover : scipy.sparse.csc_matrix
        Candidates x demand, True where the candidate covers the demand.
    weights : numpy.ndarray
        Integer demand weights.
    k : int
        Number of candidates to choose (at most the number of rows).
    time_limit_s, seed, workers
        CP-SAT budget, random seed and worker count.
    work_limit : float, optional
        CP-SAT deterministic-time limit; default ``time_limit_s``. Runs stop on this work
        measure (reproducible) or, on a very slow or loaded machine, at
        ``WALL_CAP_FACTOR * time_limit_s`` seconds of wall clock.

    Returns
    -------
    CoverSolution
        Chosen rows (sorted) and statistics; on time-out the best feasible choice, status FEASIBLE
        (OPTIMAL when it meets the bound of :func:`greedy_run`).
    """
    if weights.dtype.kind not in "iu":
        msg = f"CP-SAT weights must be integers (got {weights.dtype})"
        raise SolverError(msg)
    n, m = cover.shape
    k = min(k, n)
    started = time.perf_counter()
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(n)]
    y = [model.new_bool_var(f"y{j}") for j in range(m)]
    for j in range(m):
        rows = cover.indices[cover.indptr[j] : cover.indptr[j + 1]]
        model.add(sum(x[i] for i in rows) >= y[j])
    model.add(sum(x) == k)
    model.maximize(sum(int(w) * y[j] for j, w in enumerate(weights)))
    greedy, greedy_most = greedy_run(cover, weights, k)  # its bound holds whatever CP-SAT proves
    chosen_hint = set(greedy.tolist())
    for i in range(n):
        model.add_hint(x[i], i in chosen_hint)
    covered_hint = np.asarray(cover[greedy].sum(axis=0)).ravel() > 0
    for j in range(m):
        model.add_hint(y[j], bool(covered_hint[j]))
    solver = cp_model.CpSolver()
    # The work limit makes time-limited runs reproducible; the wall clock is only a safety cap.
    work = float(work_limit if work_limit is not None else time_limit_s)
    solver.parameters.max_deterministic_time = work
    solver.parameters.max_time_in_seconds = float(time_limit_s) * WALL_CAP_FACTOR
    solver.parameters.num_workers = int(workers)
    solver.parameters.linearization_level = 2
    solver.parameters.random_seed = int(seed)
    status = solve_stoppable(solver, model)
    params = {
        "num_workers": workers,
        "linearization_level": 2,
        "random_seed": seed,
        "max_deterministic_time": work,
    }
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # No incumbent in time: fall back to the greedy choice (the hint). Without a CP-SAT answer
        # the bound is greedy's own (:func:`greedy_run`); greedy reaching it is optimal.
        value = float(weights[covered_hint].sum())
        bound = max(greedy_most, value)
        stats = SolveStats(
            solver="greedy (CP-SAT found no plan in time)",
            status="OPTIMAL" if value >= bound else "TIME_LIMIT",
            objective=value,
            bound=bound,
            runtime_s=time.perf_counter() - started,
            parameters=params,
        )
        return CoverSolution(greedy, stats)
    chosen = np.array([i for i in range(n) if solver.boolean_value(x[i])], dtype=np.int64)
    objective = float(round(solver.objective_value))
    bound = max(min(float(round(solver.best_objective_bound)), greedy_most), objective)
    stats = SolveStats(
        solver="CP-SAT maximal covering",
        status="OPTIMAL" if objective >= bound else solver.status_name(status),
        objective=objective,
        bound=bound,
        runtime_s=time.perf_counter() - started,
        parameters=params,
    )
    return CoverSolution(chosen, stats)


def choose_posts(
    graph: StreetGraph,
    risk: RiskMap,
    pieces: Pieces,
    count: int,
    radius_m: float,
    time_limit_s: float,
    seed: int,
    workers: int = 1,
    work_limit: float | None = None,
    barred: tuple[int, ...] = (),
) -> tuple[np.ndarray, np.ndarray, SolveStats]:
    """Choose ``count`` post nodes (geographic wrapper around :func:`solve_max_cover`).

    The ``barred`` node positions (e.g. inside forbidden zones) hold no post; a post may still
    watch streets in such a zone from outside it.

    Returns
    -------
    tuple
        Node positions of the posts, the one that watches the most risk first, the risk share
        each watches alone, and statistics whose objective and bound are risk shares (0..1).
    """
    candidates = np.setdiff1d(np.arange(len(graph.nodes)), np.asarray(barred, dtype=np.int64))
    cover = coverage_matrix(graph, candidates, radius_m, pieces)
    piece_risk = risk.piece_risk(pieces)
    merged, merged_risk = merge_identical_columns(cover, piece_risk)
    weights = to_int_weights(merged_risk)
    useful = np.flatnonzero(np.asarray(merged.sum(axis=1)).ravel() > 0)
    useful = useful[undominated_rows(merged[useful], count)]
    solution = solve_max_cover(
        sparse.csc_matrix(merged[useful]), weights, count, time_limit_s, seed, workers, work_limit
    )
    rows = useful[solution.chosen]  # rows of ``cover``, one per candidate
    posts = candidates[rows]
    covered = np.asarray(cover[rows].sum(axis=0)).ravel() > 0
    share = float(piece_risk[covered].sum())
    stats = SolveStats(
        solver=solution.stats.solver,
        status=solution.stats.status,
        objective=share,
        bound=share * solution.stats.bound / max(solution.stats.objective, 1.0),
        runtime_s=solution.stats.runtime_s,
        parameters=solution.stats.parameters | {"candidates": len(useful), "demand": len(weights)},
    )
    watched = np.asarray(cover[rows].astype(float) @ piece_risk).ravel()
    first = np.argsort(-watched, kind="stable")  # post 1 watches the most
    posts, watched = posts[first], watched[first]
    log.info(
        "posts: %d chosen, %.1f %% of risk watched (%s)", len(posts), 100 * share, stats.status
    )
    return posts, watched, stats


def posts_needed(
    graph: StreetGraph, risk: RiskMap, pieces: Pieces, posts: np.ndarray, radius_m: float
) -> int:
    """How many of ``posts`` watch all the risk they watch together (greedy: at most that many).

    The posts are taken one by one, the one that adds the most risk not yet watched first,
    until the rest add none; when the count is below ``len(posts)``, the others watch no street
    that those do not.
    """
    cover = coverage_matrix(graph, posts, radius_m, pieces)
    order = _greedy_order(cover, risk.piece_risk(pieces))
    return sum(1 for _ in itertools.takewhile(lambda pick: pick[1] > 0.0, order))
