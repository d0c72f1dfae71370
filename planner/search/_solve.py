"""The anytime search loop: :func:`solve`."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from planner.search._bound import upper_bound
from planner.search._engine import _Engine
from planner.search._kernels import warm_up
from planner.search._model import TOL_S, Problem, SearchResult, _Data
from planner.search._pool import RoutePool
from planner.search._route_moves import _path_time
from planner.search._schedule import _solution
from planner.search._state import _State

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Tuning:
    """Search constants.

    ``threshold`` is the record-to-record allowance as a share of the epoch's best objective;
    an epoch lasts ``epoch_base + epoch_per_visit * visits`` iterations; ``fresh_noise`` is the
    insertion noise of a fresh construction after an epoch that did not improve the best;
    ``swap_share`` and ``inter_share`` are the chances per iteration of the swap-in and of the
    inter-route moves (pure-TOP case); the route pool is packed every ``pack_every``
    iterations, the interval doubling up to ``pack_every_max`` after each packing that found
    nothing better, with CP-SAT's deterministic budget ``pack_work``; in the pure-TOP case, an
    epoch that has not improved the best ends early once ``stall_share`` of its length passes
    without a gain of its own best (without the end-of-epoch packing); in the pure-TOP case
    without decay, ``cluster_share`` of the iterations force a group of 2 to ``cluster_max``
    unrouted neighbours into a route instead of the destroy step; in the pure-TOP case,
    ``overfill_share`` of the iterations end by filling the routes ``overfill_extra`` of their
    shift past their end and trimming them back (:meth:`_Engine.overfill`).
    """

    threshold: float = 0.02
    destroy_share: float = 0.35
    destroy_max: int = 30
    noise: float = 0.6
    powers: tuple[float, ...] = (1.0, 2.0)
    ban_share: float = 0.5
    swap_share: float = 1.0
    inter_share: float = 0.3
    epoch_base: int = 400
    epoch_per_visit: int = 4
    stall_share: float = 0.15
    fresh_noise: float = 1.0
    pack_work: float = 0.2
    pack_every: int = 150
    pack_every_max: int = 1200
    cluster_share: float = 0.2
    cluster_max: int = 5
    overfill_share: float = 0.4
    overfill_extra: float = 0.03


_TUNING = _Tuning()


def solve(
    problem: Problem,
    time_limit_s: float,
    seed: int = 0,
    *,
    initial: list[list[int]] | None = None,
    max_iterations: int | None = None,
    on_improve: Callable[[float, float], None] | None = None,
) -> SearchResult:
    """Search for a high-value plan until the time or iteration limit (anytime).

    Parameters
    ----------
    problem : Problem
        The instance.
    time_limit_s : float
        Wall-clock limit in seconds.
    seed : int, default 0
        Seed of the search; with ``max_iterations`` reached before the time limit the result is
        deterministic (recombination also stops on the clock).
    initial : list[list[int]] | None, default None
        Feasible starting sequences (one per shift); empty routes when None.
    max_iterations : int | None, default None
        Stop after this many destroy-repair iterations.
    on_improve : Callable[[float, float], None] | None, default None
        Called with (seconds since start, objective) at each improvement of the best.

    Returns
    -------
    SearchResult
        Best solution, the bound of :func:`upper_bound`, status and history.

    Notes
    -----
    Only nodes with a positive value in some bucket, ``max_visits > 0`` and reachable by some
    shift are inserted; walk value is collected on the arcs between them. The search runs in
    epochs (see the module docstring); the acceptance threshold cools within each epoch and
    never exceeds the share of ``max_iterations`` still to run when it is given (then every
    decision depends on the iteration count only, so the result is deterministic for a seed),
    else the share of ``time_limit_s`` still to run.

    Raises
    ------
    ValueError
        If ``initial`` is infeasible, or if even empty routes are infeasible (a shift too short
        to walk from start to end, or a break window that cannot be met).
    """
    warm_up()  # compiles the route moves on first use, or loads them, before the clock starts
    t0 = time.perf_counter()
    tune = _TUNING
    data = _Data(problem)
    bound = upper_bound(problem)
    rng = random.Random(seed)
    eng = _Engine(data, rng)
    seqs0 = [list(map(int, s)) for s in initial] if initial else [[] for _ in problem.shifts]
    cur = eng.state_of(seqs0)
    if cur is None:
        what = "initial sequences are" if initial else "empty routes are"
        msg = f"{what} infeasible (shift too short or break window unreachable); fix the shifts"
        raise ValueError(msg)
    history: list[tuple[float, float]] = []

    def record(st: _State) -> None:
        elapsed = time.perf_counter() - t0
        history.append((elapsed, st.obj))
        if on_improve is not None:
            on_improve(elapsed, st.obj)

    cur = _construct(eng, cur, 0.0, 1.0)
    best = cur.copy()
    record(best)
    pool = RoutePool(data) if data.simple and data.decay == 1.0 and eng.m > 1 else None
    packed_changes = -1
    pack_gap = next_pack = tune.pack_every
    pack_s = 0.0  # seconds the last packing took
    epoch_best = cur.copy()
    it = 0
    epoch_it = 0
    gain_it = 0  # epoch iteration of the epoch best's last gain
    improved = False
    status = "TIME_LIMIT"
    while True:
        if best.obj >= bound - 1e-9:
            status = "OPTIMAL"
            break
        if max_iterations is not None and it >= max_iterations:
            status = "ITERATION_LIMIT"
            break
        elapsed = time.perf_counter() - t0
        if elapsed >= time_limit_s:
            break
        run_share = it / max_iterations if max_iterations else elapsed / max(time_limit_s, 1e-9)
        it += 1
        epoch_it += 1
        cand = _iterate(eng, cur, tune, rng)
        epoch_len = tune.epoch_base + tune.epoch_per_visit * sum(len(s) for s in cand.seqs)
        cooled = max(run_share, epoch_it / epoch_len)
        threshold = tune.threshold * (1.0 - cooled) * epoch_best.obj
        if cand.key() >= cur.key() or cand.obj >= epoch_best.obj - threshold:
            cur = cand
            if pool is not None:
                pool.add(cand.seqs, cand.ends)
        if cur.key() > epoch_best.key():
            gain_it = epoch_it
            epoch_best = _exact(eng, cur)  # its routes entered the pool when it was accepted
            if epoch_best.key() > best.key():
                if epoch_best.obj > best.obj + 1e-12:
                    improved = True
                    record(epoch_best)
                best = epoch_best.copy()
        wall = time_limit_s - (time.perf_counter() - t0)
        if (
            pool is not None
            and pool.changes != packed_changes
            and (epoch_it >= epoch_len or it >= next_pack)
            # with a clock limit only, leave the last packing out rather than run over
            and (max_iterations is not None or wall > 2.0 * pack_s)
        ):
            packed_changes = pool.changes
            began = time.perf_counter()
            pack_seed = (seed + it) % (2**31 - 1)  # CP-SAT seeds are int32
            joined = _recombine(eng, pool, best, pack_seed, (tune.pack_work, wall))
            pack_s = time.perf_counter() - began
            if joined is not None and joined.key() > best.key():
                if joined.obj > best.obj + 1e-12:
                    improved = True
                    record(joined)
                best = joined
                cur, epoch_best = best.copy(), best.copy()
                pack_gap = tune.pack_every
            else:
                pack_gap = min(2 * pack_gap, tune.pack_every_max)
            next_pack = it + pack_gap
        stalled = (
            data.simple and not improved and epoch_it - gain_it >= tune.stall_share * epoch_len
        )
        if epoch_it >= epoch_len or stalled:
            cur = best.copy() if improved else _fresh(eng, tune, rng)
            epoch_best = cur.copy()
            epoch_it = gain_it = 0
            improved = False
    solution = _solution(data, best.seqs)
    if solution is None:  # cannot happen: every best is re-checked exactly
        msg = "internal error: best sequences failed exact scheduling"
        raise RuntimeError(msg)
    runtime = time.perf_counter() - t0
    logger.debug(
        "search: objective %.6g bound %.6g after %d iterations in %.2f s",
        solution.objective,
        bound,
        it,
        runtime,
    )
    return SearchResult(
        best=solution,
        bound=bound,
        status=status,
        history=tuple(history),
        iterations=it,
        runtime_s=runtime,
    )


def _exact(eng: _Engine, st: _State) -> _State:
    """State re-derived by exact scheduling (objective and end times as :func:`evaluate`)."""
    exact = eng.state_of(st.seqs)
    if exact is None:  # pragma: no cover - the repair only builds feasible routes
        msg = "internal error: search produced infeasible sequences"
        raise RuntimeError(msg)
    return exact


def _construct(eng: _Engine, st: _State, noise: float, power: float) -> _State:
    """Fill ``st`` greedily (noisy ratio), shorten the routes, fill again; exact state."""
    eng.repair(st, noise, power)
    eng.improve_routes(st, set(range(eng.m)))
    eng.repair(st, noise, power)
    return _exact(eng, st)


def _recombine(
    eng: _Engine, pool: RoutePool, best: _State, seed: int, limits: tuple[float, float]
) -> _State | None:
    """Pack pool routes into a plan (see :mod:`._pool`), fill the time left; exact state.

    ``limits`` are CP-SAT's deterministic time and wall-clock seconds.
    """
    seqs = pool.pack(seed, limits[0], limits[1], best.seqs)
    if seqs is None:
        return None
    st = eng.state_of(seqs)
    if st is None:  # pragma: no cover - pool routes are feasible for their shift class
        msg = "internal error: a packing of pooled routes is infeasible"
        raise RuntimeError(msg)
    return _construct(eng, st, 0.0, 1.0)


def _fresh(eng: _Engine, tune: _Tuning, rng: random.Random) -> _State:
    """Build a new start: the routes of :func:`_seed_routes`, then noisy greedy insertion."""
    start = eng.state_of(_seed_routes(eng, rng))
    if start is None:  # pragma: no cover - seeds are kept only while the plan stays feasible
        msg = "internal error: seeded routes became infeasible"
        raise RuntimeError(msg)
    return _construct(eng, start, tune.fresh_noise, rng.choice(tune.powers))


def _seed_routes(eng: _Engine, rng: random.Random) -> list[list[int]]:
    """Start routes of a fresh construction: one random candidate each (pure TOP), else empty.

    Each route gets a candidate drawn uniformly (distinct across routes), kept only if the
    plan stays feasible, so that restarts split the area between the officers in different
    ways; greedy insertion from empty routes tends to rebuild the same split. The general
    case starts from empty routes (seeding was not measured to help there).
    """
    data = eng.data
    seqs: list[list[int]] = [[] for _ in data.shifts]
    if not data.simple:
        return seqs
    drawn = rng.sample(range(eng.cands.size), min(eng.m, eng.cands.size))
    for r, c in enumerate(drawn):
        seq = [int(eng.cands[c])]
        # pure TOP: a plan is feasible when each route ends in time (as _Engine.refresh)
        if _path_time(data, data.shifts[r], seq) <= eng.limit[r] + TOL_S:
            seqs[r] = seq
    return seqs


def _iterate(eng: _Engine, cur: _State, tune: _Tuning, rng: random.Random) -> _State:
    """One destroy-repair-local-search step from a copy of ``cur``; the candidate."""
    data = eng.data
    cand = cur.copy()
    n_visits = max(1, sum(len(s) for s in cand.seqs))
    k = rng.randint(1, max(1, min(tune.destroy_max, int(tune.destroy_share * n_visits) + 1)))
    if data.simple and data.decay == 1.0 and rng.random() < tune.cluster_share:
        removed, routes = eng.force_cluster(cand, rng.randint(2, tune.cluster_max))
    else:
        removed, routes = eng.destroy(cand, k)
    if not eng.refresh(cand):  # removals change the end times (pure TOP: only them)
        return cur
    eng.improve_routes(cand, routes)
    noise = tune.noise * rng.random()
    power = rng.choice(tune.powers)
    banned = removed if rng.random() < tune.ban_share else None
    touched = eng.repair(cand, noise, power, banned)
    if eng.improve_routes(cand, touched) or banned:
        eng.repair(cand, noise, power)
    if data.simple and tune.inter_share > 0.0 and rng.random() < tune.inter_share:
        exchanged = eng.inter_route(cand)
        if exchanged:
            eng.improve_routes(cand, exchanged)
            eng.repair(cand, noise, power)
    if data.simple and rng.random() < tune.swap_share:
        swapped = eng.swap_in(cand)
        if swapped:
            eng.improve_routes(cand, swapped)
            eng.repair(cand, noise, power)
    if data.simple and rng.random() < tune.overfill_share:
        trimmed = eng.overfill(cand, tune.overfill_extra, noise, power)
        if trimmed:
            eng.improve_routes(cand, trimmed)
            eng.repair(cand, noise, power)
    return cand
