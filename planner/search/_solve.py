"""The anytime search loop: :func:`solve`."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planner.search._bound import upper_bound
from planner.search._engine import _Engine
from planner.search._even import even_out, saturated
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
    without a gain of its own best (without the end-of-epoch packing), and at street scale
    (:data:`._engine.STREET_SCALE_CANDIDATES`) the threshold cools as the share left to the power
    ``street_cooling`` (linearly elsewhere); in the pure-TOP case
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
    street_cooling: float = 2.0
    fresh_noise: float = 1.0
    pack_work: float = 0.2
    pack_every: int = 150
    pack_every_max: int = 1200
    cluster_share: float = 0.2
    cluster_max: int = 5
    overfill_share: float = 0.4
    overfill_extra: float = 0.03


_TUNING = _Tuning()

EVEN_EXTRA = 0.1
"""Share of the time limit that evening out the visits may run past it."""


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
    else the share of ``time_limit_s`` still to run. When the best plan visits every node as
    often as it may, its visits are then shared out between the shifts by their hours
    (:mod:`._even`), for up to ``EVEN_EXTRA`` of ``time_limit_s`` past it.

    Raises
    ------
    ValueError
        If ``initial`` is infeasible, or if even empty routes are infeasible (a shift too short
        to walk from start to end, or a break window that cannot be met).
    """
    warm_up()  # compiles the route moves on first use, or loads them, before the clock starts
    t0 = time.perf_counter()
    data = _Data(problem)
    bound = upper_bound(problem)
    eng = _Engine(data, random.Random(seed))
    seqs0 = [list(map(int, s)) for s in initial] if initial else [[] for _ in problem.shifts]
    start = eng.state_of(seqs0)
    if start is None:
        what = "initial sequences are" if initial else "empty routes are"
        msg = f"{what} infeasible (shift too short or break window unreachable); fix the shifts"
        raise ValueError(msg)
    limits = _Limits(t0, time_limit_s, max_iterations)
    run = _Run(eng, _TUNING, seed, limits, on_improve, start)
    status = run.until(bound)
    if not run.even_out():
        status = "TIME_LIMIT"  # the clock, not the iterations, ended the search
    if status == "OPTIMAL" and run.best.obj < bound - 1e-9:
        status = "FEASIBLE"  # evening out the stops cost a little of the value
    solution = _solution(data, run.best.seqs)
    if solution is None:  # cannot happen: every best is re-checked exactly
        msg = "internal error: best sequences failed exact scheduling"
        raise RuntimeError(msg)
    runtime = time.perf_counter() - t0
    logger.debug(
        "search: objective %.6g bound %.6g after %d iterations in %.2f s",
        solution.objective,
        bound,
        run.it,
        runtime,
    )
    return SearchResult(
        best=solution,
        bound=bound,
        status=status,
        history=tuple(run.history),
        iterations=run.it,
        runtime_s=runtime,
        last_half_gain=last_half_gain(
            [objective for _, objective in run.history], run.improved_at, run.it
        ),
    )


def last_half_gain(
    objectives: Sequence[float], improved_at: Sequence[int], iterations: int
) -> float:
    """Share of the best objective found in the last half of the run's iterations (0 to 1).

    ``objectives`` are the best's successive values, found at iterations ``improved_at``.
    Counted in iterations, not seconds, so that a search stopped by its iterations reports the
    same share each time, as it does the same plan. A search that stopped at its limit after
    gaining little in its second half would likely gain little more from a longer one: its gap
    is then mostly the bound's slack.
    """
    if not objectives or objectives[-1] <= 0:
        return 0.0
    halfway = [
        value for value, it in zip(objectives, improved_at, strict=True) if 2 * it <= iterations
    ]
    return (objectives[-1] - (halfway[-1] if halfway else 0.0)) / objectives[-1]


@dataclass(frozen=True, slots=True)
class _Limits:
    """When a search stops: ``time_limit_s`` after ``t0``, or after ``max_iterations``."""

    t0: float
    time_limit_s: float
    max_iterations: int | None

    def elapsed(self) -> float:
        """Seconds since the search's clock started."""
        return time.perf_counter() - self.t0

    def left(self) -> float:
        """Wall-clock seconds still to run."""
        return self.time_limit_s - self.elapsed()


class _Run:
    """One search's moving parts: the current, epoch-best and best states, epochs and packing.

    :meth:`until` runs the iterations; each is one :func:`_iterate` candidate, accepted by
    record-to-record travel against the epoch's best (:meth:`_accept`), the route pool packed
    now and then (:meth:`_pack`), and the epoch ended after its length or a stall
    (:meth:`_end_epoch`).
    """

    def __init__(
        self,
        eng: _Engine,
        tune: _Tuning,
        seed: int,
        limits: _Limits,
        on_improve: Callable[[float, float], None] | None,
        start: _State,
    ) -> None:
        self.eng, self.tune, self.rng, self.seed = eng, tune, eng.rng, seed
        self.limits, self.on_improve = limits, on_improve
        self.history: list[tuple[float, float]] = []
        self.improved_at: list[int] = []  # the iteration of each entry of the history
        self.it = 0
        self.cur = _construct(eng, start, 0.0, 1.0)
        self.best = self.cur.copy()
        self._record(self.best)
        data = eng.data
        self.pool = RoutePool(data) if data.simple and data.decay == 1.0 and eng.m > 1 else None
        self.cooling = tune.street_cooling if data.simple and eng.street_scale else 1.0
        self.packed_changes = -1  # the pool's change count at the last packing
        self.pack_gap = self.next_pack = tune.pack_every
        self.pack_s = 0.0  # seconds the last packing took
        self.epoch_best = self.cur.copy()
        self.epoch_it = 0
        self.gain_it = 0  # epoch iteration of the epoch best's last gain
        self.improved = False  # whether the best improved in this epoch

    def until(self, bound: float) -> str:
        """Iterate until the bound is met or a limit is reached; the search's status."""
        most = self.limits.max_iterations
        while True:
            if self.best.obj >= bound - 1e-9:
                return "OPTIMAL"
            if most is not None and self.it >= most:
                return "ITERATION_LIMIT"
            elapsed = self.limits.elapsed()
            if elapsed >= self.limits.time_limit_s:
                return "TIME_LIMIT"
            run_share = self.it / most if most else elapsed / max(self.limits.time_limit_s, 1e-9)
            self._step(run_share)

    def even_out(self) -> bool:
        """Even the officers' shares of visits once the best visits every node its most times.

        It may run ``EVEN_EXTRA`` of the time limit past it (see :mod:`._even`); False when
        the clock cut it short.
        """
        if not saturated(self.eng, self.best):
            return True
        stop = self.limits.time_limit_s * (1.0 + EVEN_EXTRA)
        evened, done = even_out(self.eng, self.best, lambda: self.limits.elapsed() >= stop)
        self._improve(evened)
        return done

    def _step(self, run_share: float) -> None:
        """One iteration: a candidate, its acceptance, maybe a packing, maybe a new epoch."""
        tune = self.tune
        self.it += 1
        self.epoch_it += 1
        cand = _iterate(self.eng, self.cur, tune, self.rng)
        epoch_len = tune.epoch_base + tune.epoch_per_visit * sum(len(s) for s in cand.seqs)
        self._accept(cand, max(run_share, self.epoch_it / epoch_len))
        self._pack(epoch_len)
        stalled = (
            self.eng.data.simple
            and not self.improved
            and self.epoch_it - self.gain_it >= tune.stall_share * epoch_len
        )
        if self.epoch_it >= epoch_len or stalled:
            self._end_epoch()

    def _accept(self, cand: _State, cooled: float) -> None:
        """Take ``cand`` if it is no worse, or within the cooled threshold of the epoch best."""
        threshold = self.tune.threshold * (1.0 - cooled) ** self.cooling * self.epoch_best.obj
        if cand.key() >= self.cur.key() or cand.obj >= self.epoch_best.obj - threshold:
            self.cur = cand
            if self.pool is not None:
                self.pool.add(cand.seqs, cand.ends)
        if self.cur.key() > self.epoch_best.key():
            self.gain_it = self.epoch_it
            self.epoch_best = _exact(self.eng, self.cur)  # its routes entered the pool already
            if self.epoch_best.key() > self.best.key():
                self._improve(self.epoch_best.copy())

    def _pack(self, epoch_len: int) -> None:
        """Pack the route pool at the epoch's end or when due, if it changed since the last."""
        pool, tune = self.pool, self.tune
        if pool is None or pool.changes == self.packed_changes:
            return
        if self.epoch_it < epoch_len and self.it < self.next_pack:
            return
        wall = self.limits.left()
        # with a clock limit only, leave the last packing out rather than run over
        if self.limits.max_iterations is None and wall <= 2.0 * self.pack_s:
            return
        self.packed_changes = pool.changes
        began = time.perf_counter()
        pack_seed = (self.seed + self.it) % (2**31 - 1)  # CP-SAT seeds are int32
        joined = _recombine(self.eng, pool, self.best, pack_seed, (tune.pack_work, wall))
        self.pack_s = time.perf_counter() - began
        if joined is not None and joined.key() > self.best.key():
            self._improve(joined)
            self.cur, self.epoch_best = joined.copy(), joined.copy()
            self.pack_gap = tune.pack_every
        else:
            self.pack_gap = min(2 * self.pack_gap, tune.pack_every_max)
        self.next_pack = self.it + self.pack_gap

    def _improve(self, better: _State) -> None:
        """Make ``better`` the best; a strict gain in objective is recorded."""
        if better.obj > self.best.obj + 1e-12:
            self.improved = True
            self._record(better)
        self.best = better

    def _end_epoch(self) -> None:
        """Restart from the best if the epoch improved it, else from a fresh construction."""
        self.cur = self.best.copy() if self.improved else _fresh(self.eng, self.tune, self.rng)
        self.epoch_best = self.cur.copy()
        self.epoch_it = self.gain_it = 0
        self.improved = False

    def _record(self, st: _State) -> None:
        """Note an improvement of the best in the history, and tell ``on_improve``."""
        elapsed = self.limits.elapsed()
        self.history.append((elapsed, st.obj))
        self.improved_at.append(self.it)
        if self.on_improve is not None:
            self.on_improve(elapsed, st.obj)


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
