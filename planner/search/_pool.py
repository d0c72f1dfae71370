"""Route pool and its recombination by set packing (pure-TOP case).

Every route of a local optimum is feasible on its own for its shift (and for any shift with the
same stations, hours and break). Picking at most one route per shift from all routes seen so far
so that no node is visited more often than allowed is a set-packing problem: solved with CP-SAT,
it joins routes that were found in different epochs (different regions of the city, say) into a
plan no single trajectory reached. This is the set-partitioning recombination of route-based
matheuristics for vehicle routing (Subramanian, Uchoa & Ochi 2013, Computers & OR 40(10)).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from planner.cpsat import solve_stoppable
from planner.search._model import Shift, _Data

_SCALE = 1_000_000
"""Integer objective of the packing: the best route is worth this much."""


def _shift_key(shift: Shift) -> tuple[object, ...]:
    """Fields that decide whether a route feasible for one shift is feasible for another."""
    return (
        shift.start,
        shift.end,
        shift.begin_s,
        shift.end_s,
        shift.break_s,
        shift.break_earliest_s,
        shift.break_latest_s,
        shift.break_node,
    )


class RoutePool:
    """Distinct routes seen by the search, the quickest order kept for each set of visits."""

    def __init__(self, data: _Data, max_routes: int = 4000) -> None:
        self.data = data
        self.max_routes = max_routes
        keys = [_shift_key(s) for s in data.shifts]
        classes = {k: i for i, k in enumerate(dict.fromkeys(keys))}
        self.class_of = [classes[k] for k in keys]
        self.slots = [self.class_of.count(c) for c in range(len(classes))]
        self.routes: dict[tuple[int, tuple[int, ...]], tuple[float, list[int]]] = {}
        self.changes = 0  # counts additions, so a caller can tell the pool moved on

    def add(self, seqs: list[list[int]], ends: list[float]) -> None:
        """Add every non-empty route of a solution (with its end time)."""
        for r, (seq, end) in enumerate(zip(seqs, ends, strict=True)):
            if not seq:
                continue
            key = (self.class_of[r], tuple(sorted(seq)))
            old = self.routes.get(key)
            if old is None or end < old[0] - 1e-9:
                self.routes[key] = (end, list(seq))
                self.changes += 1
        if len(self.routes) > self.max_routes:  # keep the most valuable three quarters
            vl = self.data.vl
            ranked = sorted(self.routes, key=lambda k: -sum(vl[v][0] for v in k[1]))
            self.routes = {k: self.routes[k] for k in ranked[: 3 * self.max_routes // 4]}

    def pack(
        self, seed: int, work: float, wall_s: float, hint: list[list[int]]
    ) -> list[list[int]] | None:
        """Best packing of pool routes into the shifts; None when CP-SAT finds none.

        ``work`` is CP-SAT's deterministic time limit (so a seed gives the same packing),
        ``wall_s`` a wall-clock cap; ``hint`` (the best plan) is its start. Presolve is off: on
        pools of a few hundred long routes it spent the whole budget before the first solution.
        """
        data = self.data
        cols = list(self.routes.items())
        if not cols:
            return None
        values = [sum(data.vl[v][0] for v in key[1]) for key, _ in cols]
        top = max(values)
        if top <= 0.0:
            return None
        model = cp_model.CpModel()
        x = [model.new_bool_var(f"r{j}") for j in range(len(cols))]
        per_class: dict[int, list[cp_model.IntVar]] = {}
        per_node: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
        for j, ((cls, nodes), _) in enumerate(cols):
            per_class.setdefault(cls, []).append(x[j])
            for v in set(nodes):
                per_node.setdefault(v, []).append((x[j], nodes.count(v)))
        for cls, xs in per_class.items():
            model.add(sum(xs) <= self.slots[cls])
        for v, terms in per_node.items():
            if sum(c for _, c in terms) > data.cap[v]:
                model.add(sum(c * xv for xv, c in terms) <= data.cap[v])
        model.maximize(
            sum(round(val / top * _SCALE) * xv for val, xv in zip(values, x, strict=True))
        )
        chosen = {(self.class_of[r], tuple(sorted(s))) for r, s in enumerate(hint) if s}
        for j, (key, _) in enumerate(cols):
            model.add_hint(x[j], key in chosen)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.max_deterministic_time = work
        solver.parameters.max_time_in_seconds = max(wall_s, 0.01)
        solver.parameters.cp_model_presolve = False
        status = solve_stoppable(solver, model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        chosen_by_class: dict[int, list[list[int]]] = {}
        for j, ((cls, _), (_, seq)) in enumerate(cols):
            if solver.boolean_value(x[j]):
                chosen_by_class.setdefault(cls, []).append(list(seq))
        return [chosen_by_class[c].pop() if chosen_by_class.get(c) else [] for c in self.class_of]
