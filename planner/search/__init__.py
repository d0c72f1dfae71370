"""Anytime search for multi-officer orienteering: our own engine, numeric core only.

Model
-----
A team orienteering problem with service times, extended for foot patrol. Each shift (officer)
leaves its ``start`` node at ``begin_s``, walks along ``travel_s``, dwells ``dwell_s[i]`` at each
visited node ``i`` and must be at its ``end`` node by ``end_s``. A visit of node ``i`` starting at
second ``s`` earns ``value[i, h(s)] * repeat_decay**k`` where ``h`` is the time bucket and ``k``
the rank of the visit among all visits of ``i`` in time order (``history`` visits included, which
earn nothing themselves). Walking an arc ``i -> j`` earns ``walk_value[i, j]`` when given; with
``street_passes``, each street of the walk earns its weight times ``decay**k`` on its ``k``-th
pass in the plan instead, ``walk_value[i, j]`` being the first-pass sum. A node
is visited at most ``max_visits[i]`` times in the new plan; two visits of one node (any officers,
history included) start at least ``min_gap_s`` apart; an optional meal break of ``break_s`` must
start within its window, either where the officer is or at ``break_node``. Every time is a float
second; feasibility uses a tolerance of 1e-9 s only.

Scheduling of a set of sequences (:func:`evaluate`) is a deterministic event simulation: the
officer whose next arrival, walking straight there, is earliest moves first; a visit starts on
arrival unless another visit of the same node is closer than ``min_gap_s`` (then it waits for
the first free slot); the pending break is taken before the next leg once the officer would
start it (at ``break_node`` when given) at or after ``break_earliest_s``, or earlier, waiting for
the window, when deferring it past the next stop (its wait for a free slot included) would miss
``break_latest_s``; without ``break_node``, a break still due after the last stop is taken at
the ``end`` node, after the walk there. Travel times are taken to obey the triangle inequality
(shortest paths do): each stop must leave time to walk straight to the end.

Algorithm
---------
Adaptive large neighbourhood search with iterated local search elements, the family behind the
strongest simple heuristics for the team orienteering problem (TOP). Why: the objective is a
choice of which nodes to visit, and destroy-repair changes that choice directly, while the local
searches keep each route short so that more fits; it needs no penalty tuning (an accepted plan
never runs over time; only the overfill step below does, within one iteration), works with any
exact evaluator, and is anytime by construction.

* destroy (one operator drawn per iteration, 1 to ~35 % of the visits): random, worst
  value/saving ratio, related (nearest visited nodes of a random seed visit), segment and whole
  route removal (Ropke & Pisinger 2006, Transportation Science 40(4); worst and related removal
  as in the TOP ALNS of Hammami, Rekik & Coelho 2020, Computers & OR 123);
* repair: greedy insertion by ``value**p / added seconds`` with ``p`` in {1, 2} and a random
  noise factor per node, the insertion ratio of Chao, Golden & Wasil 1996 (EJOR 88(3)) and of the
  iterated local search of Vansteenwegen, Souffriau, Vanden Berghe & Van Oudheusden 2009
  (Computers & OR 36(12), which uses ``score**2 / time``). Half of the repairs first refuse the
  nodes just removed (forcing a different choice), then allow them in a second pass;
* local search: best-improvement 2-opt (travel symmetric within a microsecond) and or-opt of single
  nodes, each scoring all moves of a route as one numpy array, to shorten routes, a second repair
  into the freed time (the "shorten then insert" loop of Vansteenwegen et al. 2009 and Ke, Zhai, Li
  & Chan 2016, Omega 61), and, in the pure-TOP case without decay, swap-in of an unvisited node in
  place of a visited one worth less (the "replace" move of the TOP guided local search of
  Vansteenwegen et al. 2009, EJOR 196(1)); in that case, in 30 % of the iterations, also 2-opt* tail
  exchanges (Potvin & Rousseau 1995, JORS 46(12)), single-node relocations and single-node exchanges
  between pairs of routes that shorten them in sum, then a repair into the freed time. Why: on
  the street benchmark (8 officers x 8 h, 500 hot spots) intra-route moves alone left routes that
  walked ~40 % more per leg than PyVRP's and fitted 7-12 % fewer visits; with the inter-route moves
  our 10 s plans went from 95.8-97.8 % to 99.0-99.5 % of PyVRP's 60 s prize (a share of 1.0 did the
  same on the streets but worse on TOP p4.2.e). With 200 candidates or more, the exchange puts
  each visit at its best place in the other route, the place the other left included (SWAP*,
  Vidal 2022, Computers & OR 140; the three best arcs of each node per route, as there). Why:
  on the 8 x 8 h street instances (seeds 1-6, at 93 iterations against 110 without it, which
  is its cost in time) it raised Manhattan from 99.12 to 99.32 % of PyVRP's 60 s prize (worst
  98.78 -> 99.13 %) and Atlanta from 99.23 to 99.28 % (4 x 4 h, seeds 1-4: Manhattan +0.48 %
  at 150 iterations but -0.20 % at 500, Atlanta level); on the Chao et al. instances (at most
  102 nodes) it cost iterations and lost on p4.3.o and p4.4.o, so they keep single trades;
* forced cluster (pure-TOP case without decay, 20 % of the iterations, in place of the destroy
  step): a node below its visit cap drawn by value and up to four such nodes nearest to it go
  into the route where most value remains after that route drops its visits of least value per
  second saved until it ends in time; then the usual repair and local search. Why: greedy insertion
  adds one node at a time, so a distant group of valuable nodes, each of which costs the whole
  walk there, is never started; on the Chao et al. benchmark p4.4.o (8 seeds, 10 s) the plans
  settled at 1030-1037 in 5 of 8 runs for want of one such group, and with the move all 8 reach
  the best known 1061 (1 s: mean 998 -> 1032; p4.3.o 1 s: 1121 -> 1150); on the street
  instances it changed nothing beyond seed noise (6 seeds, 2 and 10 s);
* overfill (pure-TOP case, 40 % of the iterations, after the other steps): repair, the
  intra- and inter-route moves run with every route's end stretched by 3 % of its shift, then
  each route that ends late drops its visits of least value per second saved until it fits,
  and a repair fills the time left (strategic oscillation, Glover & Hao 2011, Annals of OR 183).
  Why: routes re-shaped around more visits than fit, then trimmed, reach tighter routes that
  moves between feasible plans do not; on the street instances with 8 officers x 8 h (6 seeds,
  10 s, % of PyVRP's 60 s prize) Atlanta went from 99.49 to 99.65 % and Manhattan from 99.42
  to 99.72 %, Manhattan 4 x 4 h at 2 s from 99.21 to 99.53 % (worst 98.68 -> 99.03 %); shares
  of 0.2 / 0.7 / 1.0 and a stretch of 6 % did less, and moving a late route's visits to routes
  with time to spare before trimming did worse;
* acceptance in epochs: record-to-record travel (Dueck 1993, J. Computational Physics 104)
  against the best of the current epoch, with a threshold of 2 % of it that cools linearly to
  zero within each epoch of ``400 + 4 * visits`` iterations (and never above the linear
  cooling over the whole run, so the end of a run is greedy). An epoch that improved the best
  hands it to the next epoch (intensify); an epoch that did not ends its trajectory, and the
  next one starts from a fresh noisy greedy construction (diversify). Ties in objective prefer
  less time used. Why: on the Chao et al. benchmark single trajectories settle early in
  seed-dependent basins (p4.4.o: 1011 to 1061 by seed, mostly fixed after ~200 iterations),
  and one threshold shrinking over the whole limit made longer runs wander longer; re-heated
  epochs with restarts are a multi-start form of the ILS of Vansteenwegen et al. 2009, close to
  the repeated greedy randomised constructions of the GRASP with path relinking of Souffriau,
  Vansteenwegen, Vanden Berghe & Van Oudheusden 2010 (Computers & OR 37(11)). In the pure-TOP
  case a restart first gives each route one candidate drawn uniformly (distinct, kept if the
  plan stays feasible): greedy constructions from empty routes rebuilt the same split of the
  area between the officers; on p4.2.j (two basins, ~931 west / east and 962 north / south)
  20 of 40 seeds reach 962 within 4,000 iterations, against 13 of 40 without seeds; the street
  instances did not change beyond seed noise (6 seeds, 10 s). In the pure-TOP case an epoch
  that has not improved the best also ends once 15 % of its length passes without a gain of its
  own best (then without the end-of-epoch packing): fresh trajectories mostly settle within a
  few hundred iterations, so a stalled one gives its time to the next restart. On p4.2.j 32 of
  40 seeds reach 962 within 4,000 iterations, against 20 of 40 with full epochs (cutoffs of 8,
  30 and 50 %: 27-28 of 40); on the Chao et al. subset (3 seeds, ours alone) the 1 s mean went
  from 99.47 to 99.72 % and the 10 s worst from 96.78 to 99.77 %; the street instances did not
  change beyond seed noise (3 seeds, 10 s). The full model lost 0.2-0.3 % with it on the two
  4-officer instances (3 seeds, 10 s), so its epochs run whole. In the pure-TOP case with 200
  candidates or more (street scale, as SWAP*), the threshold cools with the square of the share
  left instead (halfway, a quarter of 2 % rather than half). Why: there one epoch (about 1,300
  iterations with 220 visits) fills most of a 10 s run; on Atlanta 8 x 8 h (seed 1) the best
  settled within the first 200 iterations and the current plan wandered 0.2-0.7 % below it for
  the rest. At the iterations of a 10 s run, the mean prize went from 0.539179 to 0.539453 on
  Atlanta 8 x 8 h (12 seeds; PyVRP's 60 s mean 0.539649) and from 0.159921 to 0.159983 on
  Manhattan 4 x 4 h, Atlanta 4 x 4 h found the better of its two end values with 5 seeds of 6
  against 2, Manhattan 8 x 8 h held level (6 seeds each), and at the iterations of 60 s
  Atlanta 8 x 8 h went from 0.539545 to 0.539725 (3 seeds). The cube did no better than the
  square, and thresholds of 0.5 and 1 % with linear cooling gained less on Atlanta 8 x 8 h
  (12 seeds: 0.539428, 0.539295); the Chao et al. instances (at most 102 nodes) were not
  measured with it and keep linear cooling.

Removals are cheap and insertions are where time goes, so the common pure-TOP case (one bucket,
no gap, no break, no walk value) keeps route durations and evaluates all insertions of all
candidates into a route as one numpy expression (O(1) per insertion). Those arrays, and the
swap-in scores, depend on a route's sequence only, so they are cached by ``(route, sequence)``
and each swap-in move re-scores only the route it changed; swap-in skips candidates worth less
than the route's cheapest visit (they cannot gain). This took the 8 x 8 h street instances
from 13-30 to 80-100 iterations per second. The local searches are deterministic, so a path
that 2-opt and or-opt could not shorten, and a pair of routes (with their time limits) that no
inter-route move improved, is remembered and skipped until it changes: the same decisions,
with 12 % fewer pair scorings and 20 % fewer 2-opt runs on Manhattan 8 x 8 h (seed 1, 120
iterations). The general case estimates
insertions the same way (bucket of the estimated start, decay of the current count, the wait of
the inserted stop for its revisit slot, the waits after it that absorb the delay) and then
schedules the few best candidates exactly before committing one: from the changed route's tail
alone when no other route can notice (its stops keep the minimum gap from the other routes'
visits of their nodes; :mod:`._local`, equal to the whole event simulation and tested against
it), else the whole plan. Counting the slot wait added 0.6-3.4 % at 10 s on three street
instances (seeds 1-4); the tail evaluation makes the same decisions in 10-25 % less time.

The loops of the route moves (2-opt, or-opt, 2-opt*, relocation, SWAP*, the insertion and
swap-in scores of the pure-TOP case) are compiled with numba (:mod:`._kernels`). They replaced
numpy expressions that scored all moves of a route as one array, whose per-call overhead
dominated on routes of a few dozen stops; the loops make the same sums in the same order and
keep the first of equal moves, so a seed and an iteration count give the same plan as before
(checked on both 8 x 8 h street instances, seeds 1-3, 300 iterations). On those instances
(seeds 1-8, 10 s, the two versions side by side on a loaded machine, two rounds) the search
made 3.0-5.1 times as many iterations, and the mean prize rose from 99.54 to 99.74 % (first
round) and from 99.64 to 99.79 % (second) of PyVRP's 60 s prize on Atlanta, and from 99.74 to
99.90 % and from 99.72 to 99.88 % on Manhattan.

Recombination (pure-TOP case without decay, two officers or more): every route of every accepted
solution enters a pool (one entry per shift type and set of visits, the quickest order kept); every
150 iterations at first, doubling up to 1200 while it finds nothing, and at the end of each epoch,
CP-SAT packs pool routes into the shifts (at most one per officer, no hot spot over its cap, maximum
value; one worker, presolve off, deterministic budget 0.2; left out near a clock limit) and the
packing, re-filled, becomes the best plan when it is better (the set-partitioning phase of the
ILS-SP of Subramanian, Uchoa & Ochi 2013, Computers & OR 40(10)). Why: it joins routes that
different trajectories sent to different parts of the city. Measured with the exchange move, against
the search without both: on the street benchmark's Manhattan 4 officers x 4 h the 10 s plan went
from 0.1580 to 0.1590 on average over three seeds (PyVRP 60 s: 0.1594); on the Chao et al. p4
instances (3 seeds) the 5 s mean went from 99.16 to 99.40 % and the worst from 95.5 to 96.2 %, but
the 1 s mean fell from 98.65 to 98.38 %; the 8 x 8 h street instances did not change beyond seed
noise (one seed of Manhattan 8 x 8 h lost 0.5 % at 10 s). An earlier version that pooled only the
best solutions found little to join, and with presolve on one packing took up to 1.5 s.

Even shares (:mod:`._even`): once the best plan visits every node as often as it may, nothing is
left to add, and the search leaves the split of the visits between officers to chance. A last
step moves one visit at a time, to its best place in the other route, from the officer with the
most visits per second of shift (break and shortest walk out and back left out) to the one with
the fewest, while the plan keeps its value within 0.2 % in all and the officers' idle time
between visits does not grow in all (a visit moved where its new route must wait an hour for the
revisit's slot gives an idle officer nothing to do); it may run a tenth of the time limit past
it, and a run it could not finish says ``TIME_LIMIT``. Why: with 8 officers on the Helsinki
default, two made one stop each and walked about 20 km while four made 15 or 16; evened, each
makes 9 or 10, the search's objective rose by 0.25 % (a busy route pushes its stops into hours
worth less) and the idle time between visits fell from 9.4 to 2.8 hours in all (the planner
walks most of it as loops).

Measured alternatives not kept: smaller thresholds (1 %) and shorter epochs did worse, a 4 %
threshold about the same. Or-opt of chains of two and three nodes (also reversed), within routes and
between pairs of routes, each length scored in the same arrays: on the 8 x 8 h street instances it
gained 0.05-0.1 % at 10 s (6 seeds, same load) for 20-30 % fewer iterations, but on the Chao et al.
subset the 10 s worst fell from 99.1 to 97.2 % (p4.4.o; three solves below 99 %) though the 1 s mean
rose from 99.45 to 99.56 %. The same or-opt of runs only where it counts (each construction and each
plan that beats its epoch's best, then a repair into the freed time): 2-opt and single-node or-opt
leave routes that a better order of their stops walks in less time (Atlanta 8 x 8 h, the 10 s plan:
its routes walk 536 s more than in the orders OR-Tools routing finds in 3 s, PyVRP's 60 s plan
418 s; runs of up to three stops save 443 and 454 s), but the 8 x 8 h means at 10 s (seeds 1-8, each
against the search without it running beside it) moved by +0.05 and +0.01 % on Atlanta and by +0.08
and -0.01 % on Manhattan in two comparisons: seed noise. Destroying at most 15 visits in place of 30
(more iterations, same seeds) gained on Manhattan (+0.05 %) what it lost on Atlanta (-0.03 %).
Decomposition (POPMUSIC, Taillard & Voss 2002): after part of the limit, a route and its one or two
nearest routes, with the 40-80 unrouted nodes nearest to them, solved again as a problem of their
own for 0.3-0.8 s from their current routes, again and again; on the 8 x 8 h street instances (% of
PyVRP's 60 s prize, seeds 1-3) 4 s of search and 6 s of decomposition gave 99.63-99.80 % (Atlanta)
and 99.44-99.83 % (Manhattan) against about 99.5 % for 10 s of search, and 10 s more of it after a
10 s search 99.81 / 99.73 % where 20 s of search gave 99.58 / 99.50 %: a real gain that still leaves
PyVRP's prize out of reach, for the plain model only (other officers' visits tie the full model's
routes together), so not kept.

Bound
-----
:func:`upper_bound` packs every possible visit, costed at its dwell plus its way in, into the
officers' time: a fractional knapsack, and with hourly risk a linear programme (OR-Tools GLOP)
that also places each visit in an hour and limits the time on each side of every hour boundary
and the visits one hot spot can take per hour. The programme also counts, per ring of distance
from the stations (and break nodes), the stretches of shift that reach it: their walks out and
back take officer time, and each holds only the visits that fit beside its walk. Walking is
priced by the way into each visit or by the best passes of streets that fit into the walking
time; see :mod:`._bound`.
"""

from __future__ import annotations

from planner.search._bound import upper_bound
from planner.search._even import EVEN_OUT_MAY_LOSE
from planner.search._model import (
    TOL_S,
    Problem,
    SearchResult,
    Shift,
    Solution,
    StreetPasses,
    Visit,
)
from planner.search._schedule import evaluate
from planner.search._solve import solve

__all__ = [
    "EVEN_OUT_MAY_LOSE",
    "TOL_S",
    "Problem",
    "SearchResult",
    "Shift",
    "Solution",
    "StreetPasses",
    "Visit",
    "evaluate",
    "solve",
    "upper_bound",
]
