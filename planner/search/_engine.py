"""Destroy, repair and local-search operators on a mutable search state."""

from __future__ import annotations

import random

import numpy as np

from planner.search import _kernels as _k
from planner.search._estimates import _bucket_values, _slot_starts, _taken_starts, _waits_after
from planner.search._local import TailSchedule, _Tails
from planner.search._model import _EPS, TOL_S, Shift, _Data
from planner.search._route_moves import (
    _or_opt,
    _path_time,
    _put_in,
    _relocate_between,
    _swap_star,
    _trade_between,
    _two_opt,
    _two_opt_star,
)
from planner.search._schedule import _Scheduled, _simulate
from planner.search._state import _RouteCache, _Settled, _State

#: Street scale from this many candidates on: SWAP* between routes (single-node trades below)
#: and, in the pure-TOP case, acceptance that cools with the square of the share left (module docs)
STREET_SCALE_CANDIDATES = 200


class _Engine:
    """Destroy-repair search over sequences; pure-TOP fast path or exact re-scheduling."""

    def __init__(self, data: _Data, rng: random.Random, cache_size: int = 2048) -> None:
        self.data = data
        self.rng = rng
        p = data.problem
        self.m = len(p.shifts)
        self.best_value = data.value.max(axis=1)
        reach = np.zeros(data.n, dtype=bool)
        for sh in p.shifts:
            spare = sh.end_s - sh.begin_s - sh.break_s + TOL_S
            reach |= data.travel[sh.start] + data.dwell + data.travel[:, sh.end] <= spare
        caps = np.asarray(data.cap)
        self.cands = np.flatnonzero(reach & (caps > 0) & (self.best_value > 0.0))
        self.hist = np.asarray(data.hist_count, dtype=np.float64)
        self.val0 = data.value[:, 0]
        self.limit = [sh.end_s for sh in p.shifts]
        self.to_cands = np.ascontiguousarray(data.travel[:, self.cands])  # (n, C): a -> candidate
        self.from_cands = data.travel[self.cands, :]  # (C, n): travel candidate -> b
        self.into_cands = np.ascontiguousarray(self.to_cands.T)  # (C, n): travel a -> candidate
        self.dwell_cands = data.dwell[self.cands][:, None]
        self.dwell_c = np.ascontiguousarray(data.dwell[self.cands])
        # (n, C) walks back from the candidates, rows contiguous as ``to_cands``, for the kernels
        self.from_rows = np.ascontiguousarray(self.from_cands.T)
        self.caps_c = caps[self.cands]
        self.street_scale = self.cands.size >= STREET_SCALE_CANDIDATES
        self.by_value = np.argsort(-self.val0[self.cands], kind="stable")
        self.neg_sorted = -self.val0[self.cands][self.by_value]  # ascending
        # candidate rows in falling value, so the rows a swap can use are a leading slice
        self.into_by_value = np.ascontiguousarray(self.into_cands[self.by_value])
        self.from_by_value = np.ascontiguousarray(self.from_cands[self.by_value])
        self.inserts = _RouteCache(cache_size)
        self.swaps = _RouteCache(cache_size)
        self.short = _Settled(cache_size)  # paths that 2-opt and or-opt cannot shorten
        self.settled = _Settled(4 * cache_size)  # route pairs no inter-route move improves

    # -- state construction -------------------------------------------------------------------

    def state_of(self, seqs: list[list[int]]) -> _State | None:
        """Exact state of ``seqs`` (None when infeasible)."""
        out = _simulate(self.data, seqs)
        if out is None:
            return None
        starts, breaks, ends, obj = out
        count = [0] * self.data.n
        for seq in seqs:
            for v in seq:
                count[v] += 1
        return _State([list(s) for s in seqs], ends, count, obj, starts, breaks)

    def refresh(self, st: _State) -> bool:
        """Recompute ``st`` exactly after an edit; False when it became infeasible."""
        if self.data.simple:
            st.ends = [
                _path_time(self.data, sh, s)
                for sh, s in zip(self.data.shifts, st.seqs, strict=True)
            ]
            return all(e <= lim + TOL_S for e, lim in zip(st.ends, self.limit, strict=True))
        out = _simulate(self.data, st.seqs)
        if out is None:
            return False
        st.starts, st.breaks, st.ends, st.obj = out
        return True

    def marginal(self, count: list[int], nodes: np.ndarray) -> np.ndarray:
        """Value of one more visit of each node in the pure-TOP case."""
        if self.data.decay == 1.0:
            return self.val0[nodes].copy()
        c = np.asarray(count, dtype=np.float64)[nodes] + self.hist[nodes]
        return self.val0[nodes] * self.data.decay**c

    # -- destroy -------------------------------------------------------------------------------

    def destroy(self, st: _State, k: int) -> tuple[set[int], set[int]]:
        """Remove about ``k`` visits with a randomly chosen operator.

        Returns the nodes removed and the routes changed.
        """
        rng = self.rng
        visits = [(r, i) for r, s in enumerate(st.seqs) for i in range(len(s))]
        if not visits:
            return set(), set()
        k = min(k, len(visits))
        op = rng.random()
        tl = self.data.tl
        if op < 0.3:
            chosen = rng.sample(visits, k)
        elif op < 0.55:
            r0, i0 = rng.choice(visits)
            center = st.seqs[r0][i0]
            row = tl[center]
            ranked = sorted(visits, key=lambda ri: row[st.seqs[ri[0]][ri[1]]] * (1 + rng.random()))
            chosen = ranked[:k]
        elif op < 0.8:
            chosen = self._worst(st, visits, k)
        elif op < 0.95 or self.m == 1:
            r0 = rng.choice([r for r, s in enumerate(st.seqs) if s])
            n0 = len(st.seqs[r0])
            length = min(k, n0)
            i0 = rng.randrange(n0 - length + 1)
            chosen = [(r0, i) for i in range(i0, i0 + length)]
        else:
            r0 = rng.choice([r for r, s in enumerate(st.seqs) if s])
            chosen = [(r0, i) for i in range(len(st.seqs[r0]))]
        by_route: dict[int, list[int]] = {}
        removed: set[int] = set()
        for r, i in chosen:
            by_route.setdefault(r, []).append(i)
            removed.add(st.seqs[r][i])
        for r, idx in by_route.items():
            drop = set(idx)
            seq = st.seqs[r]
            for i in idx:
                st.count[seq[i]] -= 1
            st.seqs[r] = [v for i, v in enumerate(seq) if i not in drop]
        if self.data.simple:
            st.obj = self.simple_objective(st.count)
        return removed, set(by_route)

    def force_cluster(self, st: _State, size: int) -> tuple[set[int], set[int]]:
        """Put a node below its visit cap and its nearest such neighbours into one route (pure TOP).

        The node is drawn with probability proportional to its value and joined by up to
        ``size - 1`` such nodes nearest to it; the group goes into the route where, after
        dropping visits until it ends in time (:meth:`_take_group`), the most value remains.
        Greedy repair adds one node at a time by value per added second, so it never detours
        to a distant cluster whose nodes each cost the whole walk there; this move does.
        Returns the nodes dropped and the route changed.
        """
        data = self.data
        free = self.cands[np.asarray(st.count)[self.cands] < self.caps_c]
        if free.size == 0:
            return set(), set()
        u = self.rng.choices(free.tolist(), weights=self.val0[free].tolist())[0]
        group = free[np.argsort(data.travel[u, free], kind="stable")[:size]].tolist()
        options = [(r, *self._take_group(st, r, group)) for r in range(self.m)]
        r, seq, dropped = max(
            options, key=lambda o: float(self.val0[o[1]].sum() - self.val0[st.seqs[o[0]]].sum())
        )
        for v in st.seqs[r]:
            st.count[v] -= 1
        for v in seq:
            st.count[v] += 1
        st.seqs[r] = seq
        st.ends[r] = _path_time(data, data.shifts[r], seq)
        st.obj = self.simple_objective(st.count)
        return dropped - set(group), {r}

    def _take_group(self, st: _State, r: int, group: list[int]) -> tuple[list[int], set[int]]:
        """Route ``r`` with ``group`` inserted and its worst visits dropped until it fits.

        Each node of the group goes to its cheapest arc, 2-opt and or-opt shorten the route,
        then the visit of least value per second saved goes (group nodes count double) until
        the route ends in time. Returns the new sequence and the nodes dropped.
        """
        data = self.data
        sh = data.shifts[r]
        path = [sh.start, *st.seqs[r], sh.end]
        for v in group:
            p = np.asarray(path)
            add = data.travel[p[:-1], v] + data.travel[v, p[1:]] - data.travel[p[:-1], p[1:]]
            path.insert(int(add.argmin()) + 1, v)
        if data.symmetric:
            _two_opt(data.travel, path)
        _or_opt(data.travel, path)
        seq = path[1:-1]
        return seq, set(self._trim(r, seq, frozenset(group)))

    def _trim(self, r: int, seq: list[int], dear: frozenset[int] = frozenset()) -> list[int]:
        """Drop visits from ``seq`` (route ``r``) until it ends in time; return them.

        The visit of least value per second saved goes first; nodes in ``dear`` count double.
        """
        data = self.data
        sh = data.shifts[r]
        dropped = []
        while _path_time(data, sh, seq) > self.limit[r] + TOL_S:
            saving = _k.removal_savings(
                data.travel, data.dwell, np.array([sh.start, *seq, sh.end], dtype=np.int64)
            )
            weight = np.array([2.0 if v in dear else 1.0 for v in seq])
            ratio = self.val0[seq] / (saving + _EPS) * weight
            dropped.append(seq.pop(int(ratio.argmin())))  # the first of equal ratios, as min()
        return dropped

    def _worst(self, st: _State, visits: list[tuple[int, int]], k: int) -> list[tuple[int, int]]:
        """Visits with the lowest value per second saved by removing them, randomised."""
        rng = self.rng
        scored = []
        for r, i in visits:
            saving = self._saving(self.data.shifts[r], st.seqs[r], i)
            val = float(self.best_value[st.seqs[r][i]])
            scored.append((val / (saving + _EPS) * rng.random() ** 0.5, r, i))
        scored.sort()
        return [(r, i) for _, r, i in scored[:k]]

    def _saving(self, sh: Shift, seq: list[int], i: int) -> float:
        """Seconds saved by taking visit ``i`` out of ``seq`` (walks and its dwell)."""
        tl = self.data.tl
        p = seq[i - 1] if i > 0 else sh.start
        q = seq[i + 1] if i + 1 < len(seq) else sh.end
        v = seq[i]
        return tl[p][v] + tl[v][q] - tl[p][q] + self.data.dl[v]

    def simple_objective(self, count: list[int]) -> float:
        """Objective from visit counts in the pure-TOP case (order does not matter there)."""
        d = self.data.decay
        if d == 1.0:
            return float(self.val0 @ np.asarray(count, dtype=np.float64))
        total = 0.0
        for v in self.cands.tolist():
            c = count[v]
            if c:
                h = self.data.hist_count[v]
                total += self.val0[v] * sum(d ** (h + j) for j in range(c))
        return float(total)

    # -- repair --------------------------------------------------------------------------------

    def _route_deltas(self, seq: list[int], sh: Shift) -> np.ndarray:
        """Return the added seconds (walk + dwell) of each candidate at each position."""
        prev = np.array([sh.start, *seq])
        nxt = np.array([*seq, sh.end])
        base = self.data.travel[prev, nxt]
        return self.into_cands[:, prev] + self.from_cands[:, nxt] - base + self.dwell_cands

    def repair(
        self, st: _State, noise: float, power: float = 1.0, banned: set[int] | None = None
    ) -> set[int]:
        """Greedy insertion by value**power per added second until nothing fits.

        Nodes in ``banned`` (just removed) are not reinserted. Returns the routes that changed.
        """
        if self.data.simple:
            return self._repair_simple(st, noise, power, banned or set())
        return self._repair_general(st, noise, power, banned or set())

    def _insertions(self, r: int, seq: list[int]) -> tuple[np.ndarray, ...]:
        """Cheapest added seconds of each candidate in route ``r`` and its position (cached)."""

        def build() -> tuple[np.ndarray, ...]:
            sh = self.data.shifts[r]
            return _k.cheapest_insertions(
                self.to_cands,
                self.from_rows,
                self.dwell_c,
                self.data.travel,
                np.array([sh.start, *seq], dtype=np.int64),
                np.array([*seq, sh.end], dtype=np.int64),
            )

        return self.inserts.get((r, tuple(seq)), build)

    def _repair_simple(self, st: _State, noise: float, power: float, banned: set[int]) -> set[int]:
        """Pure-TOP repair on the insertable candidates only, deltas kept per route."""
        changed: set[int] = set()
        if self.cands.size == 0:
            return changed
        free = np.asarray(st.count)[self.cands] < self.caps_c
        if banned:
            free &= ~np.isin(self.cands, list(banned))
        sub = np.flatnonzero(free)
        if sub.size == 0:
            return changed
        cands = self.cands[sub]
        caps = self.caps_c[sub]
        size = cands.size
        rng = self.rng
        factor = np.array([1.0 + noise * (rng.random() - 0.5) for _ in range(size)])
        m = self.m
        best_d = np.empty((m, size))
        best_p = np.empty((m, size), dtype=np.int64)
        for r in range(m):
            d, p = self._insertions(r, st.seqs[r])
            best_d[r], best_p[r] = d[sub], p[sub]
        slack = np.array([lim - e for lim, e in zip(self.limit, st.ends, strict=True)])
        alive = np.ones(size, dtype=bool)
        gains = self.marginal(st.count, cands) ** power * factor
        while True:
            fits = (best_d <= slack[:, None] + TOL_S) & alive[None, :]
            if not fits.any():
                break
            ratio = np.where(fits, gains[None, :] / (best_d + _EPS), -np.inf)
            r, c = divmod(int(ratio.argmax()), size)
            v = int(cands[c])
            seq = st.seqs[r]
            seq.insert(int(best_p[r, c]), v)
            end = _path_time(self.data, self.data.shifts[r], seq)
            if end > self.limit[r] + TOL_S:  # rounding disagreement: undo and forbid
                seq.pop(int(best_p[r, c]))
                best_d[r, c] = np.inf
                continue
            st.ends[r] = end
            st.count[v] += 1
            alive[c] = st.count[v] < caps[c]
            if alive[c] and self.data.decay != 1.0:
                gains[c] = self.marginal(st.count, cands[c : c + 1])[0] ** power * factor[c]
            slack[r] = self.limit[r] - end
            d, p = self._insertions(r, seq)
            best_d[r], best_p[r] = d[sub], p[sub]
            changed.add(r)
        st.obj = self.simple_objective(st.count)
        return changed

    def _swaps(self, r: int, st: _State) -> tuple[np.ndarray, ...]:
        """Best swap of each candidate into route ``r``: its score, the visit out, the arc.

        Candidate ``u`` may take out visit ``v`` when the route still fits and ``u`` is worth
        more (or the same and shortens the route); the score is the value gained minus 1e-6
        per added second, ``-inf`` where no visit qualifies. ``u`` goes into ``v``'s place
        (arc -1) or, on instances that use SWAP* (:data:`STREET_SCALE_CANDIDATES`), onto the
        cheapest arc of the route without ``v`` (:func:`._kernels.swap_scores`). Cached by sequence
        and time limit (the slack depends on both).
        """
        seq = st.seqs[r]
        slack = self.limit[r] - st.ends[r]

        def build() -> tuple[np.ndarray, ...]:
            sh = self.data.shifts[r]
            travel = self.data.travel
            path = np.array([sh.start, *seq, sh.end], dtype=np.int64)
            prev, node, nxt = path[:-2], path[1:-1], path[2:]
            # only candidates worth at least the route's cheapest visit can gain
            k = int(np.searchsorted(self.neg_sorted, 1e-12 - self.val0[node].min(), "right"))
            rows = self.by_value[:k]
            if self.street_scale:
                part_score, part_pos, part_arc = _k.swap_scores(
                    travel,
                    self.data.dwell,
                    path,
                    self.into_by_value[:k],
                    self.from_by_value[:k],
                    self.dwell_c[rows],
                    -self.neg_sorted[:k],
                    self.val0[node],
                    float(slack),
                    TOL_S,
                )
                score = np.full(self.cands.size, -np.inf)
                pos = np.zeros(self.cands.size, dtype=np.int64)
                arc = np.full(self.cands.size, -1, dtype=np.int64)
                score[rows], pos[rows], arc[rows] = part_score, part_pos, part_arc
                return score, pos, arc
            base = travel[prev, nxt]
            saving = travel[prev, node] + travel[node, nxt] - base + self.data.dwell[node]
            # every swap goes into the place of the visit out
            extra = self.into_by_value[:k][:, prev] + self.from_by_value[:k][:, nxt]
            extra += self.dwell_cands[rows] - (base + saving)
            gain = -self.neg_sorted[:k][:, None] - self.val0[node][None, :]
            ok = extra <= slack + TOL_S
            ok &= (gain > 1e-12) | ((gain >= -1e-12) & (extra < -1e-9))
            part = np.where(ok, gain - 1e-6 * extra, -np.inf)
            at = part.argmax(axis=1)
            score = np.full(self.cands.size, -np.inf)
            pos = np.zeros(self.cands.size, dtype=np.int64)
            arc = np.full(self.cands.size, -1, dtype=np.int64)
            score[rows], pos[rows] = part[np.arange(rows.size), at], at
            return score, pos, arc

        if not seq:
            none = np.zeros(self.cands.size, dtype=np.int64)
            return np.full(self.cands.size, -np.inf), none, none - 1
        return self.swaps.get((r, tuple(seq), self.limit[r]), build)

    def swap_in(self, st: _State, max_moves: int = 50) -> set[int]:
        """Replace routed visits by more valuable unrouted nodes (pure-TOP case).

        Each move takes the best swap over all routes (see :meth:`_swaps`); only the route
        that changed is re-scored. Returns the routes that changed.
        """
        cands = self.cands
        changed: set[int] = set()
        if cands.size == 0 or self.data.decay != 1.0:
            return changed
        score = np.empty((self.m, cands.size))
        pos = np.empty(score.shape, dtype=np.int64)
        arc = np.empty(score.shape, dtype=np.int64)
        for r in range(self.m):
            score[r], pos[r], arc[r] = self._swaps(r, st)
        for _ in range(max_moves):
            free = np.asarray(st.count)[cands] < self.caps_c
            masked = np.where(free[None, :], score, -np.inf)
            f = int(masked.argmax())
            r, c = divmod(f, cands.size)
            if not np.isfinite(masked[r, c]):
                break
            sh = self.data.shifts[r]
            seq = st.seqs[r]
            old = seq[int(pos[r, c])]
            new = _put_in(
                [sh.start, *seq, sh.end], int(pos[r, c]) + 1, int(cands[c]), int(arc[r, c])
            )
            end = _path_time(self.data, sh, new[1:-1])
            if end > self.limit[r] + TOL_S:
                break
            seq[:] = new[1:-1]
            st.count[old] -= 1
            st.count[int(cands[c])] += 1
            st.ends[r] = end
            changed.add(r)
            score[r], pos[r], arc[r] = self._swaps(r, st)
        if changed:
            st.obj = self.simple_objective(st.count)
        return changed

    def _repair_general(
        self, st: _State, noise: float, power: float, banned: set[int], top_k: int = 6
    ) -> set[int]:
        data = self.data
        cands = self.cands
        changed: set[int] = set()
        if cands.size == 0:
            return changed
        caps = np.asarray(data.cap)[cands]
        rng = self.rng
        factor = np.array([1.0 + noise * (rng.random() - 0.5) for _ in range(cands.size)])
        ban = np.isin(cands, list(banned)) if banned else np.zeros(cands.size, dtype=bool)
        while True:
            alive = (np.asarray(st.count)[cands] < caps) & ~ban
            if not alive.any():
                break
            options: list[tuple[float, int, int, int, float]] = []
            rank = self.hist[cands] + np.asarray(st.count, dtype=np.float64)[cands]
            decay = data.decay**rank
            assert st.starts is not None and st.breaks is not None  # scheduled states
            tails = _Tails(data, st.seqs, st.starts, st.breaks, st.obj)
            taken = _taken_starts(data, tails, cands)
            for r, sh in enumerate(data.shifts):
                seq = st.seqs[r]
                delta = self._route_deltas(seq, sh)
                prev = np.array([sh.start, *seq])
                starts = st.starts[r]
                depart = np.array(
                    [sh.begin_s] + [s + data.dl[v] for s, v in zip(starts, seq, strict=True)],
                    dtype=np.float64,
                )
                est = depart[None, :] + data.travel[np.ix_(prev, cands)].T
                if taken is not None:
                    slot = _slot_starts(data, taken, est)
                    wait = np.subtract(slot, est, out=np.zeros_like(est), where=np.isfinite(est))
                    delta = delta + wait
                    est = slot
                gain = _bucket_values(data, cands, est) * decay[:, None]
                if data.walk is not None:
                    nxt = np.array([*seq, sh.end])
                    gain = gain + (
                        data.walk[np.ix_(prev, cands)].T
                        + data.walk[np.ix_(cands, nxt)]
                        - data.walk[prev, nxt][None, :]
                    )
                slack = self.limit[r] - st.ends[r]
                breaks = st.breaks[r]
                late = np.maximum(delta - _waits_after(data, sh, seq, starts, breaks)[None, :], 0.0)
                ok = (late <= slack + TOL_S) & alive[:, None] & (gain > 0.0)
                score = np.where(
                    ok, np.maximum(gain, 0.0) ** power * factor[:, None] / (delta + _EPS), -np.inf
                )
                flat = np.flatnonzero(np.isfinite(score))
                if flat.size == 0:
                    continue
                take = flat[np.argsort(-score.ravel()[flat], kind="stable")[:top_k]]
                for f in take.tolist():
                    c, p = divmod(f, score.shape[1])
                    options.append((float(score.ravel()[f]), r, c, p, float(delta[c, p])))
            if not options:
                break
            options.sort(key=lambda o: -o[0])
            best: tuple[float, int, int, int, _Scheduled | None, TailSchedule | None] | None = None
            # the best 2 * top_k estimates exactly, and further ones while none of them fits
            for tried, (_, r, c, p, dl) in enumerate(options):
                if tried >= 2 * top_k and best is not None:
                    break
                v = int(cands[c])
                whole: _Scheduled | None = None
                decided, part = tails.insert(r, v, p)
                if not decided:  # another route could notice: schedule the whole plan
                    seqs = [list(s) for s in st.seqs]
                    seqs[r].insert(p, v)
                    whole = _simulate(data, seqs)
                obj = part[0] if part is not None else whole[3] if whole is not None else None
                if obj is None or obj <= st.obj + 1e-12:
                    continue
                ratio = (obj - st.obj) ** power * factor[c] / (dl + _EPS)
                if best is None or ratio > best[0] * (1.0 + 1e-9):  # near-ties: the first
                    best = (ratio, r, c, p, whole, part)
            if best is None:
                break
            _, r, c, p, whole, part = best
            v = int(cands[c])
            st.seqs[r].insert(p, v)
            st.count[v] += 1
            if whole is not None:
                st.starts, st.breaks, st.ends, st.obj = whole
            else:  # route r's tail re-scheduled alone
                assert part is not None
                st.obj, st.starts[r], st.breaks[r], st.ends[r] = part
            changed.add(r)
        return changed

    def overfill(self, st: _State, extra: float, noise: float, power: float) -> set[int]:
        """Fill past the shift ends, shorten, then drop visits until every route fits (pure TOP).

        Repair and the route moves run with each route's limit stretched by ``extra`` of its
        shift, then the visits of least value per second saved leave each route that ends late.
        Routes re-shaped around more visits than fit, then trimmed, can reach plans that
        feasible moves alone do not (strategic oscillation, Glover & Hao 2011). Returns the
        routes that changed.
        """
        data = self.data
        limits = self.limit
        self.limit = [
            lim + extra * (lim - sh.begin_s) for lim, sh in zip(limits, data.shifts, strict=True)
        ]
        try:
            touched = self._repair_simple(st, noise, power, set())
            if touched:
                self.improve_routes(st, touched)
                touched |= self.inter_route(st)
                self.improve_routes(st, touched)
        finally:
            self.limit = limits
        for r in touched:
            for v in self._trim(r, st.seqs[r]):
                st.count[v] -= 1
            st.ends[r] = _path_time(data, data.shifts[r], st.seqs[r])
        st.obj = self.simple_objective(st.count)
        return touched

    # -- local search --------------------------------------------------------------------------

    def improve_routes(self, st: _State, routes: set[int]) -> bool:
        """Shorten the given routes by 2-opt and or-opt; True if any got shorter."""
        data = self.data
        any_change = False
        for r in routes:
            sh = data.shifts[r]
            path = [sh.start, *st.seqs[r], sh.end]
            if len(path) < 4:
                continue
            key = (sh.start, sh.end, *st.seqs[r])
            if key in self.short:
                continue
            changed = _two_opt(data.travel, path) if data.symmetric else False
            changed |= _or_opt(data.travel, path)
            if not changed:
                self.short.add(key)
                continue
            old = st.seqs[r]
            st.seqs[r] = path[1:-1]
            if data.simple:
                end = _path_time(data, sh, st.seqs[r])
                if end <= st.ends[r]:
                    st.ends[r] = end
                    any_change = True
                else:
                    st.seqs[r] = old
            else:
                before = (st.obj, list(st.ends), st.starts, st.breaks)
                if self.refresh(st) and st.obj >= before[0] - 1e-12:
                    any_change = True
                else:
                    st.seqs[r] = old
                    st.obj, st.ends, st.starts, st.breaks = before
        return any_change

    def inter_route(self, st: _State, max_passes: int = 3) -> set[int]:
        """Apply 2-opt*, relocation and exchange between pairs of routes while they save time.

        A pass tries every pair with a route changed in the pass before (all pairs at first):
        the best tail exchange when both end at the same station, then the best move of one
        node in each direction, then the best exchange of one node for one (pure-TOP case).
        The visits stay, so only time is freed for the next repair. Returns the routes that
        changed.
        """
        changed: set[int] = set()
        dirty = set(range(self.m))
        for _ in range(max_passes):
            moved: set[int] = set()
            for r1 in range(self.m):
                for r2 in range(r1 + 1, self.m):
                    if not ({r1, r2} & dirty):
                        continue
                    if not st.seqs[r1] and not st.seqs[r2]:
                        continue
                    key = self._pair_key(st, r1, r2)
                    if key in self.settled:
                        continue
                    made = self._exchange_pair(st, r1, r2)
                    made |= self._relocate_pair(st, r1, r2) | self._relocate_pair(st, r2, r1)
                    made |= self._trade_pair(st, r1, r2)
                    if made:
                        moved |= {r1, r2}
                    else:
                        self.settled.add(key)
            if not moved:
                break
            changed |= moved
            dirty = moved
        return changed

    def _pair_key(self, st: _State, r1: int, r2: int) -> tuple[object, ...]:
        """Key of a pair of routes for the inter-route moves: all their results depend on.

        In the pure-TOP case a route's end follows from its sequence, so the sequences and the
        (possibly stretched) time limits decide every move; a pair found settled is skipped
        until one of them changes.
        """
        return (r1, tuple(st.seqs[r1]), self.limit[r1], r2, tuple(st.seqs[r2]), self.limit[r2])

    def _exchange_pair(self, st: _State, r1: int, r2: int) -> bool:
        """Best 2-opt* move between routes ``r1`` and ``r2`` if it saves time; True if made."""
        data = self.data
        sh1, sh2 = data.shifts[r1], data.shifts[r2]
        if sh1.end != sh2.end:
            return False
        out = _two_opt_star(
            data.travel,
            data.dwell,
            ([sh1.start, *st.seqs[r1], sh1.end], [sh2.start, *st.seqs[r2], sh2.end]),
            (sh1.begin_s, sh2.begin_s),
            (self.limit[r1], self.limit[r2]),
        )
        if out is None:
            return False
        return self._apply_pair(st, (r1, r2), (out[0][1:-1], out[1][1:-1]))

    def _relocate_pair(self, st: _State, r1: int, r2: int) -> bool:
        """Best move of one visit from route ``r1`` to ``r2`` if it saves time; True if made."""
        data = self.data
        sh1, sh2 = data.shifts[r1], data.shifts[r2]
        path1, path2 = [sh1.start, *st.seqs[r1], sh1.end], [sh2.start, *st.seqs[r2], sh2.end]
        out = _relocate_between(
            data.travel, data.dwell, (path1, path2), self.limit[r2] - st.ends[r2]
        )
        if out is None:
            return False
        i, j = out
        path2.insert(j, path1.pop(i))
        return self._apply_pair(st, (r1, r2), (path1[1:-1], path2[1:-1]))

    def _trade_pair(self, st: _State, r1: int, r2: int) -> bool:
        """Best exchange of one visit between routes ``r1`` and ``r2`` if it saves time.

        On large instances each visit goes to its best place in the other route (SWAP*),
        else each takes the other's place.
        """
        data = self.data
        sh1, sh2 = data.shifts[r1], data.shifts[r2]
        path1, path2 = [sh1.start, *st.seqs[r1], sh1.end], [sh2.start, *st.seqs[r2], sh2.end]
        slacks = (self.limit[r1] - st.ends[r1], self.limit[r2] - st.ends[r2])
        if self.street_scale:
            got = _swap_star(data.travel, data.dwell, (path1, path2), slacks)
            if got is None:
                return False
            return self._apply_pair(st, (r1, r2), (got[0][1:-1], got[1][1:-1]))
        out = _trade_between(data.travel, data.dwell, (path1, path2), slacks)
        if out is None:
            return False
        i, j = out
        path1[i], path2[j] = path2[j], path1[i]
        return self._apply_pair(st, (r1, r2), (path1[1:-1], path2[1:-1]))

    def _apply_pair(
        self, st: _State, routes: tuple[int, int], seqs: tuple[list[int], list[int]]
    ) -> bool:
        """Give two routes new sequences if both end in time and they save time in sum.

        The end times are recomputed exactly (the moves score in numpy); True if applied.
        """
        (r1, r2), (seq1, seq2) = routes, seqs
        data = self.data
        end1 = _path_time(data, data.shifts[r1], seq1)
        end2 = _path_time(data, data.shifts[r2], seq2)
        if end1 > self.limit[r1] + TOL_S or end2 > self.limit[r2] + TOL_S:
            return False
        if end1 + end2 >= st.ends[r1] + st.ends[r2]:
            return False
        st.seqs[r1], st.seqs[r2] = seq1, seq2
        st.ends[r1], st.ends[r2] = end1, end2
        return True
