"""Team orienteering benchmark: our search against PyVRP and OR-Tools routing, side by side.

Instances: Chao, Golden & Wasil (1996) sets 4, 5, 6 from ``../shared/benchmarks/top`` (see its
README for provenance and the caveat on ``bks``). Every solution is re-checked here in plain
Euclidean double arithmetic (route length <= tmax + 1e-9, no point twice, at most m routes) and
its score recomputed from the instance file; an infeasible answer counts as 0.

Peers, integer models (arc = ceil(d * 1e4), route limit = floor(tmax * 1e4), so scaled
feasibility implies real feasibility):

* PyVRP: prize-collecting, separate start and end depots, clients with ``required=False`` and
  ``prize = score * pyvrp_prize_scale(instance)``, arcs as distance with ``max_distance`` the
  route limit. The prize scale makes one score point worth more than the longest total distance
  the routes may walk (``m * tmax``), so distance only breaks ties; it stays per instance, not at
  ``PRIZE_SCALE``, because PyVRP's penalties cannot span 1e8-scaled prizes (no feasible answer on
  some instances).
* OR-Tools routing: one disjunction per client with penalty ``score * PRIZE_SCALE``, the scaled
  arcs as cost and as a distance dimension capped at the route limit, PATH_CHEAPEST_ARC then
  GUIDED_LOCAL_SEARCH until the time limit.

Usage::

    python -m benchmarks.top [--limits 1 5 10] [--seeds 1 2 3] [--all] [--csv FILE]
                             [--solvers ours pyvrp ortools]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.search import Problem, Shift, solve
from planner.search._kernels import warm_up

TOP_DIR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "top"
SCALE = 10_000
PRIZE_SCALE = 10**8


@dataclass(frozen=True)
class Instance:
    name: str
    m: int
    tmax: float
    xy: np.ndarray
    score: np.ndarray

    @property
    def dist(self) -> np.ndarray:
        diff = self.xy[:, None, :] - self.xy[None, :, :]
        return np.sqrt((diff**2).sum(axis=2))


def read_instance(path: Path) -> Instance:
    lines = path.read_text().split("\n")
    n = int(lines[0].split()[1])
    m = int(lines[1].split()[1])
    tmax = float(lines[2].split()[1])
    rows = [list(map(float, ln.split())) for ln in lines[3 : 3 + n]]
    arr = np.array(rows)
    return Instance(path.name.removesuffix(".txt"), m, tmax, arr[:, :2], arr[:, 2])


def read_bks() -> dict[str, float]:
    with (TOP_DIR / "bks.csv").open() as fh:
        return {row["instance"]: float(row["bks"]) for row in csv.DictReader(fh)}


def check(inst: Instance, routes: list[list[int]]) -> tuple[float, bool]:
    """Score and feasibility of routes (inner points only) in real arithmetic."""
    n = len(inst.score)
    seen: set[int] = set()
    ok = len([r for r in routes if r]) <= inst.m
    score = 0.0
    for r in routes:
        if not r:
            continue
        path = [0, *r, n - 1]
        length = 0.0
        for a, b in itertools.pairwise(path):
            length += math.dist(inst.xy[a], inst.xy[b])
        ok &= length <= inst.tmax + 1e-9
        for v in r:
            ok &= 0 < v < n - 1 and v not in seen
            seen.add(v)
            score += inst.score[v]
    return (score if ok else 0.0), ok


def run_ours(inst: Instance, limit: float, seed: int) -> list[list[int]]:
    n = len(inst.score)
    caps = np.ones(n, dtype=np.int64)
    caps[0] = caps[n - 1] = 0
    shifts = tuple(Shift(0, n - 1, 0.0, inst.tmax) for _ in range(inst.m))
    problem = Problem(
        travel_s=inst.dist,
        value=inst.score[:, None].astype(float),
        dwell_s=np.zeros(n),
        max_visits=caps,
        shifts=shifts,
    )
    result = solve(problem, limit, seed)
    run_ours.iterations = result.iterations  # type: ignore[attr-defined]
    return [[v.node for v in route] for route in result.best.routes]


def scaled_arcs(inst: Instance) -> list[list[int]]:
    return np.ceil(inst.dist * SCALE).astype(np.int64).tolist()


def pyvrp_prize_scale(inst: Instance) -> int:
    """PyVRP prize of one score point: more than all the scaled distance the routes may walk."""
    return SCALE * (math.ceil(inst.m * inst.tmax) + 1)


def run_pyvrp(inst: Instance, limit: float, seed: int) -> list[list[int]]:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    n = len(inst.score)
    model = Model()
    locs = [model.add_location(x=float(x), y=float(y)) for x, y in inst.xy]
    start = model.add_depot(locs[0])
    end = model.add_depot(locs[n - 1])
    model.add_vehicle_type(
        num_available=inst.m,
        start_depot=start,
        end_depot=end,
        max_distance=math.floor(inst.tmax * SCALE),
    )
    prize = pyvrp_prize_scale(inst)
    for i in range(1, n - 1):
        model.add_client(locs[i], prize=int(inst.score[i]) * prize, required=False)
    arcs = scaled_arcs(inst)
    for i in range(n):
        for j in range(n):
            model.add_edge(locs[i], locs[j], distance=arcs[i][j])
    result = model.solve(MaxRuntime(limit), seed=seed, display=False)
    if not result.is_feasible():
        return [[0]]  # flagged infeasible by the check
    # activity idx of a client: 0-based client number (clients were added for points 1..n-2)
    return [
        [int(a.idx) + 1 for a in route.schedule() if a.is_client()]
        for route in result.best.routes()
    ]


def run_ortools(inst: Instance, limit: float, seed: int) -> list[list[int]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(inst.score)
    manager = pywrapcp.RoutingIndexManager(n, inst.m, [0] * inst.m, [n - 1] * inst.m)
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(scaled_arcs(inst))
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    routing.AddDimension(transit, 0, math.floor(inst.tmax * SCALE), True, "length")
    for i in range(1, n - 1):
        routing.AddDisjunction([manager.NodeToIndex(i)], int(inst.score[i]) * PRIZE_SCALE)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(limit * 1000))
    del seed  # OR-Tools routing has no seed parameter; runs are deterministic per limit
    sol = routing.SolveWithParameters(params)
    if sol is None:
        return []
    routes = []
    for k in range(inst.m):
        idx = routing.Start(k)
        route = []
        while not routing.IsEnd(idx):
            node = manager.IndexToNode(idx)
            if node != 0:
                route.append(node)
            idx = sol.Value(routing.NextVar(idx))
        routes.append(route)
    return routes


SOLVERS = {"ours": run_ours, "pyvrp": run_pyvrp, "ortools": run_ortools}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limits", type=float, nargs="+", default=[1.0, 5.0, 10.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--all", action="store_true", help="all 180 instances, not the subset")
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--solvers", nargs="+", default=list(SOLVERS), choices=list(SOLVERS))
    parser.add_argument("--instances", nargs="+", default=None, help="names instead of subset")
    args = parser.parse_args()
    warm_up()  # compile the route moves now, not in the first solve's CPU seconds
    if not TOP_DIR.is_dir():
        msg = f"benchmark kit not found: {TOP_DIR}"
        raise SystemExit(msg)
    bks = read_bks()
    if args.instances:
        names = args.instances
    elif args.all:
        names = sorted(bks)
    else:
        names = (TOP_DIR / "subset.txt").read_text().split()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}; one solve at a time; {len(names)} instances"
    )
    rows = []
    for limit in args.limits:
        for seed in args.seeds:
            for name in names:
                inst = read_instance(TOP_DIR / "instances" / f"{name}.txt")
                for solver in args.solvers:
                    cpu0, wall0 = time.process_time(), time.perf_counter()
                    routes = SOLVERS[solver](inst, limit, seed)
                    cpu = time.process_time() - cpu0
                    wall = time.perf_counter() - wall0
                    score, ok = check(inst, routes)
                    ref = bks[name]
                    pct = 100.0 * score / ref if ref > 0 else float("nan")
                    rows.append(
                        {
                            "solver": solver,
                            "time_limit_s": limit,
                            "seed": seed,
                            "instance": name,
                            "score": score,
                            "bks": ref,
                            "pct_bks": pct,
                            "cpu_s": round(cpu, 3),
                            "wall_s": round(wall, 3),
                            "feasible": ok,
                        }
                    )
                    extra = ""
                    if solver == "ours":
                        extra = f" it={run_ours.iterations}"  # type: ignore[attr-defined]
                    print(
                        f"{solver:8s} {limit:5.1f}s seed {seed} {name:8s} {score:7.0f} / "
                        f"{ref:5.0f} cpu {cpu:5.2f}s{extra}{'' if ok else ' INFEASIBLE'}",
                        flush=True,
                    )
    if args.csv:
        fields = list(rows[0]) if rows else []
        fields = [f for f in fields if f != "wall_s"]
        with args.csv.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    print()
    print(
        f"{'solver':8s} {'limit_s':>7s} {'runs':>5s} {'mean%':>7s} {'worst%':>7s} "
        f"{'>=bks':>6s} {'infeas':>6s} {'cpu_s':>6s}"
    )
    for solver in args.solvers:
        for limit in args.limits:
            sel = [r for r in rows if r["solver"] == solver and r["time_limit_s"] == limit]
            pos = [r["pct_bks"] for r in sel if r["bks"] > 0]
            at = sum(r["score"] >= r["bks"] for r in sel if r["bks"] > 0)  # 0 is met by all
            bad = sum(not r["feasible"] for r in sel)
            cpu = sum(r["cpu_s"] for r in sel) / max(1, len(sel))
            mean = sum(pos) / len(pos) if pos else float("nan")
            worst = min(pos) if pos else float("nan")
            print(
                f"{solver:8s} {limit:7.1f} {len(sel):5d} {mean:7.2f} {worst:7.2f} "
                f"{at:6d} {bad:6d} {cpu:6.2f}"
            )


if __name__ == "__main__":
    main()
