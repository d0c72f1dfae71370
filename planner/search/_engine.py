"""Destroy, repair and local-search operators on a mutable search state."""

from __future__ import annotations

import math
import random

import numpy as np

from planner.search._model import _EPS, TOL_S, Shift, _Data
from planner.search._route_moves import _or_opt, _path_time, _two_opt
from planner.search._schedule import _simulate


class _State:
    """Mutable search state: sequences, per-route end times, visit counts and objective."""

    __slots__ = ("count", "ends", "obj", "seqs", "starts")

    def __init__(
        self,
        seqs: list[list[int]],
        ends: list[float],
        count: list[int],
        obj: float,
        starts: list[list[float]] | None = None,
    ) -> None:
        self.seqs = seqs
        self.ends = ends
        self.count = count
        self.obj = obj
        self.starts = starts

    def copy(self) -> _State:
        """Deep enough copy to mutate independently."""
        return _State(
            [list(s) for s in self.seqs],
            list(self.ends),
            list(self.count),
            self.obj,
            None if self.starts is None else [list(s) for s in self.starts],
        )

    def key(self) -> tuple[float, float]:
        """Comparison key: objective first, then less total time used."""
        return (self.obj, -sum(self.ends))


class _Engine:
    """Destroy-repair search over sequences; pure-TOP fast path or exact re-scheduling."""

    def __init__(self, data: _Data, rng: random.Random) -> None:
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
        self.to_cands = data.travel[:, self.cands]  # (n, C): travel a -> candidate
        self.from_cands = data.travel[self.cands, :]  # (C, n): travel candidate -> b
        self.dwell_cands = data.dwell[self.cands][:, None]
        self.caps_c = caps[self.cands]

    # -- state construction -------------------------------------------------------------------

    def state_of(self, seqs: list[list[int]]) -> _State | None:
        """Exact state of ``seqs`` (None when infeasible)."""
        out = _simulate(self.data, seqs)
        if out is None:
            return None
        starts, _, ends, obj = out
        count = [0] * self.data.n
        for seq in seqs:
            for v in seq:
                count[v] += 1
        return _State([list(s) for s in seqs], ends, count, obj, starts)

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
        st.starts, _, st.ends, st.obj = out
        return True

    def marginal(self, count: list[int], nodes: np.ndarray) -> np.ndarray:
        """Value of one more visit of each node in the pure-TOP case."""
        c = np.asarray(count, dtype=np.float64)[nodes] + self.hist[nodes]
        if self.data.decay == 1.0:
            return self.val0[nodes].copy()
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

    def _worst(self, st: _State, visits: list[tuple[int, int]], k: int) -> list[tuple[int, int]]:
        """Visits with the lowest value per second saved by removing them, randomised."""
        tl, dl, rng = self.data.tl, self.data.dl, self.rng
        scored = []
        for r, i in visits:
            seq = st.seqs[r]
            sh = self.data.shifts[r]
            p = seq[i - 1] if i > 0 else sh.start
            q = seq[i + 1] if i + 1 < len(seq) else sh.end
            v = seq[i]
            saving = tl[p][v] + tl[v][q] - tl[p][q] + dl[v]
            val = float(self.best_value[v])
            scored.append((val / (saving + _EPS) * rng.random() ** 0.5, r, i))
        scored.sort()
        return [(r, i) for _, r, i in scored[:k]]

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
        return self.to_cands[prev].T + self.from_cands[:, nxt] - base + self.dwell_cands

    def repair(
        self, st: _State, noise: float, power: float = 1.0, banned: set[int] | None = None
    ) -> set[int]:
        """Greedy insertion by value**power per added second until nothing fits.

        Nodes in ``banned`` (just removed) are not reinserted. Returns the routes that changed.
        """
        if self.data.simple:
            return self._repair_simple(st, noise, power, banned or set())
        return self._repair_general(st, noise, power, banned or set())

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
        to_c, from_c, dwell_c = self.to_cands[:, sub], self.from_cands[sub], self.dwell_cands[sub]
        travel = self.data.travel
        cols = np.arange(size)

        def best_insertion(r: int) -> tuple[np.ndarray, np.ndarray]:
            sh = self.data.shifts[r]
            prev = [sh.start, *st.seqs[r]]
            nxt = [*st.seqs[r], sh.end]
            d = to_c[prev].T + from_c[:, nxt] - travel[prev, nxt] + dwell_c
            pos = d.argmin(axis=1)
            return d[cols, pos], pos

        m = self.m
        best_d = np.empty((m, size))
        best_p = np.empty((m, size), dtype=np.int64)
        for r in range(m):
            best_d[r], best_p[r] = best_insertion(r)
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
            best_d[r], best_p[r] = best_insertion(r)
            changed.add(r)
        st.obj = self.simple_objective(st.count)
        return changed

    def swap_in(self, st: _State, max_moves: int = 50) -> set[int]:
        """Replace routed visits by more valuable unrouted nodes in place (pure-TOP case).

        A candidate ``u`` takes the place of visit ``v`` when the route still fits and ``u`` is
        worth more (or the same and shortens the route). Returns the routes that changed.
        """
        cands = self.cands
        changed: set[int] = set()
        if cands.size == 0 or self.data.decay != 1.0:
            return changed
        caps = np.asarray(self.data.cap)[cands]
        val_c = self.val0[cands]
        travel, dwell = self.data.travel, self.data.dwell
        for _ in range(max_moves):
            free = np.asarray(st.count)[cands] < caps
            if not free.any():
                break
            best: tuple[float, float, int, int, int] | None = None
            for r, sh in enumerate(self.data.shifts):
                seq = st.seqs[r]
                if not seq:
                    continue
                path = np.array([sh.start, *seq, sh.end])
                prev, node, nxt = path[:-2], path[1:-1], path[2:]
                base = travel[prev, nxt]
                saving = travel[prev, node] + travel[node, nxt] - base + dwell[node]
                cost = self.to_cands[prev].T + self.from_cands[:, nxt] - base + self.dwell_cands
                extra = cost - saving[None, :]
                gain = val_c[:, None] - self.val0[node][None, :]
                ok = free[:, None] & (extra <= self.limit[r] - st.ends[r] + TOL_S)
                ok &= (gain > 1e-12) | ((gain >= -1e-12) & (extra < -1e-9))
                if not ok.any():
                    continue
                score = np.where(ok, gain - 1e-6 * extra, -np.inf)
                f = int(score.argmax())
                c, i = divmod(f, score.shape[1])
                key = (float(score.ravel()[f]), -float(extra[c, i]))
                if best is None or key > best[:2]:
                    best = (key[0], key[1], r, c, i)
            if best is None:
                break
            _, _, r, c, i = best
            seq = st.seqs[r]
            old = seq[i]
            seq[i] = int(cands[c])
            end = _path_time(self.data, self.data.shifts[r], seq)
            if end > self.limit[r] + TOL_S:
                seq[i] = old
                break
            st.count[old] -= 1
            st.count[seq[i]] += 1
            st.ends[r] = end
            changed.add(r)
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
            for r, sh in enumerate(data.shifts):
                seq = st.seqs[r]
                delta = self._route_deltas(seq, sh)
                prev = np.array([sh.start, *seq])
                starts = st.starts[r] if st.starts is not None else []
                depart = np.array(
                    [sh.begin_s] + [s + data.dl[v] for s, v in zip(starts, seq, strict=True)],
                    dtype=np.float64,
                )
                est = depart[None, :] + data.travel[np.ix_(prev, cands)].T
                gain = self._bucket_values(cands, est) * decay[:, None]
                if data.walk is not None:
                    nxt = np.array([*seq, sh.end])
                    gain = gain + (
                        data.walk[np.ix_(prev, cands)].T
                        + data.walk[np.ix_(cands, nxt)]
                        - data.walk[prev, nxt][None, :]
                    )
                slack = self.limit[r] - st.ends[r]
                ok = (delta <= slack + TOL_S) & alive[:, None] & (gain > 0.0)
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
            best: tuple[float, int, int, int, object] | None = None
            for _, r, c, p, dl in options[: 2 * top_k]:
                seqs = [list(s) for s in st.seqs]
                seqs[r].insert(p, int(cands[c]))
                out = _simulate(data, seqs)
                if out is None or out[3] <= st.obj + 1e-12:
                    continue
                ratio = (out[3] - st.obj) ** power * factor[c] / (dl + _EPS)
                if best is None or ratio > best[0]:
                    best = (ratio, r, c, p, out)
            if best is None:
                break
            _, r, c, p, out = best
            v = int(cands[c])
            st.seqs[r].insert(p, v)
            st.count[v] += 1
            st.starts, _, st.ends, st.obj = out  # type: ignore[misc]
            changed.add(r)
        return changed

    def _bucket_values(self, cands: np.ndarray, est_s: np.ndarray) -> np.ndarray:
        """value[c, bucket(est)] for a (candidates, positions) array of estimated starts."""
        data = self.data
        if data.n_buckets == 1 or math.isinf(data.problem.bucket_s):
            return np.repeat(data.value[cands, 0][:, None], est_s.shape[1], axis=1)
        h = np.clip(np.floor(est_s / data.problem.bucket_s), 0, data.n_buckets - 1).astype(int)
        return data.value[cands[:, None], h]

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
            changed = _two_opt(data.travel, path) if data.symmetric else False
            changed |= _or_opt(data.travel, path)
            if not changed:
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
                before = (st.obj, list(st.ends), st.starts)
                if self.refresh(st) and st.obj >= before[0] - 1e-12:
                    any_change = True
                else:
                    st.seqs[r] = old
                    st.obj, st.ends, st.starts = before
        return any_change
