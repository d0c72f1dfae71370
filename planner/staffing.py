"""Staffing comparison: the same shift planned for several officer counts, side by side.

Commanders ask what one more officer buys. :func:`compare_staffing` plans the scenario once per
officer count, each plan a whole pipeline run, in parallel on a Dask cluster (a local one of
one process per core unless a client is given). The area is loaded once here (or given by the
caller) and sent to every worker: no worker parses the map again.
The result is one row per count with presence, the share of risk in sight of a stop, hot spots
dosed, and the marginal presence of each extra officer.
"""

from __future__ import annotations

import datetime as dt
import logging
import numbers
import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from planner.errors import PlannerError, PlannerWarning, ScenarioError
from planner.idle import all_stops_made, gained_little, idle_units, looping_units
from planner.pipeline import Area, check_area, load_area, run
from planner.plan import Route
from planner.scenario import Scenario, check_is_scenario, with_overrides
from planner.search import EVEN_OUT_MAY_LOSE
from planner.settings import Settings
from planner.stations import break_window

if TYPE_CHECKING:
    from distributed import Future

DASK_HTTP = "127.0.0.1:0"
"""Where a Dask cluster's HTTP server listens: this machine only, on a free port (not 8787,
which another cluster or a running app may hold)."""


@dataclass(frozen=True, slots=True)
class StaffingRun:
    """One officer count's plan: its KPIs and its routes (the area stays with the caller)."""

    officers: int
    kpis: dict
    routes: tuple[Route, ...]
    warnings: tuple[str, ...] = ()  # issued while planning it (in its worker)
    started_from: int | None = None  # officers of the plan its search started from, if any


def with_officers(scenario: Scenario, officers: int) -> Scenario:
    """Return the scenario with another officer count (validated like the file).

    Raises
    ------
    ScenarioError
        If the count is not a whole number of units, or out of the scenario's range.
    """
    return with_overrides(scenario, {"officers": {"count": officers}}, officers_said(officers))


def officers_said(counts: int | Sequence[int]) -> str:
    """Say officer counts: ``1 officer``, ``4 officers``, ``1, 2 officers``."""
    listed = [int(c) for c in counts] if isinstance(counts, Sequence) else [int(counts)]
    return f"{', '.join(map(str, listed))} officer{'' if listed == [1] else 's'}"


def _whole_counts(counts: object) -> list[int]:
    """Return officer counts given as any iterable of whole numbers, sorted, each once.

    Raises
    ------
    TypeError
        For text ("2,4"), a single number, a count that is not whole (``4.5``, ``True``) or
        no count at all, with an example of what is meant.
    """
    text = isinstance(counts, str | bytes)
    given = list(counts) if isinstance(counts, Iterable) and not text else []
    whole = [c for c in given if isinstance(c, numbers.Integral) and not isinstance(c, bool)]
    if not given or len(whole) < len(given):
        msg = f"counts are whole officer counts, e.g. [2, 4, 6] or range(2, 9, 2), not {counts!r}"
        raise TypeError(msg)
    return sorted({int(c) for c in whole})


def check_counts(scenario: Scenario, counts: Sequence[int]) -> None:
    """Refuse, all at once, the officer counts the scenario's rules do not allow.

    Raises
    ------
    ScenarioError
        Naming every refused count and why, so that one correction of ``counts`` serves.
    """
    refused = []
    for count in counts:
        try:
            with_officers(scenario, count)
        except ScenarioError as exc:
            refused.append(str(exc))
    if len(refused) == 1:
        raise ScenarioError(refused[0])
    if refused:
        msg = f"{len(refused)} of the {len(counts)} officer counts are refused:\n" + "\n".join(
            refused
        )
        raise ScenarioError(msg)


def plan_staffing(
    scenario: Scenario,
    officers: int,
    settings: Settings,
    area: Area,
    start: StaffingRun | None = None,
    now: dt.datetime | None = None,
) -> StaffingRun:
    """Plan the shift for ``officers`` officers on the scenario's ``area`` (in a Dask worker).

    With ``start`` (a plan of the same shift with fewer officers), the route search starts
    from its routes. ``now`` is when the comparison began: every count plans the same shift
    (see :func:`planner.pipeline.run`).
    """
    routes = start.routes if start else ()
    with warnings.catch_warnings():  # kept in the run's warnings, not printed by the worker
        warnings.simplefilter("ignore", PlannerWarning)
        plan = run(
            with_officers(scenario, officers), settings, area=area, start_from=routes, now=now
        )
    started = start.officers if start else None
    return StaffingRun(officers, plan.kpis, plan.routes, plan.warnings, started)


def _planned(
    scenario: Scenario,
    officers: int,
    settings: Settings,
    area: Area,
    start: StaffingRun | None,
    now: dt.datetime,
) -> StaffingRun | PlannerError:
    """Do :func:`plan_staffing` in a worker; a refusal comes back as a value, said once.

    Raised there, Dask would log it as a failed task, with a traceback, before the error.
    """
    try:
        return plan_staffing(scenario, officers, settings, area, start, now)
    except PlannerError as refused:
        return refused


def _result(future: Future) -> StaffingRun:
    """Return a finished task's run, or raise the refusal it came back with."""
    result = future.result()
    if isinstance(result, PlannerError):
        raise result
    return result


def local_workers(runs: int) -> int:
    """Worker processes of the local cluster for ``runs`` plans: one per core, one per run."""
    return max(1, min(os.cpu_count() or 1, runs))


def compare_staffing(
    scenario: Scenario,
    counts: Sequence[int],
    settings: Settings | None = None,
    client: object | None = None,
    progress: Callable[[int, int], None] | None = None,
    area: Area | None = None,
) -> tuple[pd.DataFrame, list[StaffingRun]]:
    """Plan the scenario for each officer count in parallel; one table row per count.

    Parameters
    ----------
    scenario : Scenario
        The shift to staff; only ``officers.count`` changes between runs.
    counts : sequence of int
        Officer counts, e.g. ``range(2, 13, 2)``.
    settings : Settings, optional
        Machine-level options.
    client : distributed.Client, optional
        A Dask client to run on; by default a local cluster with one single-threaded worker
        process per core (at most one per count) is started and closed.
    progress : callable, optional
        Called with (plans done, plans in all) as each count's plan comes back.
    area : Area, optional
        The scenario's area from :func:`planner.pipeline.load_area`, when the caller keeps it
        (the app does); by default it is loaded here, before any cluster starts. Either way it
        is sent to each worker once.

    Returns
    -------
    tuple
        The table (``officers``, ``units``, ``presence_min``, ``marginal_presence_min`` per
        extra officer, ``risk_in_sight_share``, ``hotspots_dosed``, ``dose_minutes``,
        ``routes_gap``, ``units_back_early``: units back an hour or more before their time ends,
        ``units_looping``: units walking loops (their spare time) for an hour or more,
        ``all_stops_made``: every hot spot got its most stops, so more officers add no stop)
        and the runs, in increasing officer count.

    Searches run apart can end a little apart, most of all once every hot spot has its stops.
    Since a larger team can walk a smaller one's routes, a count whose presence falls below a
    smaller count's is planned again from that plan (one such re-plan at a time, each may start
    the next) and keeps the better of its two plans; ``started_from`` names the count it
    started from (empty: from scratch).

    A script that calls it without a ``client`` keeps its work under
    ``if __name__ == "__main__":``: the local cluster's worker processes start afresh and
    import the script again, as :mod:`multiprocessing` does.
    """
    check_is_scenario(scenario, "compare_staffing")
    counts = _whole_counts(counts)
    check_counts(scenario, counts)  # fail fast, before any cluster starts
    break_window(scenario)
    settings = settings or Settings()
    if area is None:
        area = load_area(scenario, settings)
    else:
        check_area(area, scenario)
    if client is None:
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=local_workers(len(counts)),
                threads_per_worker=1,
                processes=True,
                dashboard_address=DASK_HTTP,
                # not a worker's slow exit at the close, nor a heartbeat missed under load
                # (retried): a task's failure reaches the caller through its future
                silence_logs=logging.CRITICAL,
            ) as cluster,
            Client(cluster) as own,
        ):
            runs = _gather(own, scenario, counts, settings, area, progress)
    else:
        runs = _gather(client, scenario, counts, settings, area, progress)
    return staffing_table(runs), runs


def _gather(
    client: object,
    scenario: Scenario,
    counts: list[int],
    settings: Settings,
    area: Area,
    progress: Callable[[int, int], None] | None,
) -> list[StaffingRun]:
    from distributed import as_completed

    now = dt.datetime.now(dt.UTC)  # one shift for every count, whenever each worker starts
    sent = client.scatter(area, broadcast=True, hash=False)  # type: ignore[attr-defined]
    futures = client.map(  # type: ignore[attr-defined]
        _planned,
        [scenario] * len(counts),
        counts,
        [settings] * len(counts),
        [sent] * len(counts),
        [None] * len(counts),
        [now] * len(counts),
        pure=False,
    )
    asked = [sent, *futures]

    def replan(r: StaffingRun, start: StaffingRun) -> StaffingRun:
        future = client.submit(  # type: ignore[attr-defined]
            _planned, scenario, r.officers, settings, sent, start, now, pure=False
        )
        asked.append(future)
        return _result(future)

    try:
        done = []
        for future in as_completed(futures):
            done.append(_result(future))
            if progress is not None:
                progress(len(done), len(counts))
        return lift_dips(sorted(done, key=lambda r: r.officers), replan)
    finally:  # a refusal leaves neither the area nor the other counts' plans on the workers
        client.cancel(asked)  # type: ignore[attr-defined]


def _presence(r: StaffingRun) -> float:
    return float(r.kpis["routes"]["presence_min"])


def lift_dips(
    runs: list[StaffingRun], replan: Callable[[StaffingRun, StaffingRun], StaffingRun]
) -> list[StaffingRun]:
    """Plan again, from the best smaller count's plan, each count that falls below it.

    ``runs`` are in increasing officer count; ``replan(run, start)`` plans ``run``'s count
    starting from ``start``. A run keeps its own plan unless the new one has more presence.
    A fall within what the route search may give up to share the stops out between the
    officers (:data:`planner.search.EVEN_OUT_MAY_LOSE`) is no dip: the plan started from the
    smaller count's would keep that count's routes and leave the extra officers nothing to do.
    """
    out: list[StaffingRun] = []
    for r in runs:
        best = max(out, key=_presence, default=None)
        if best is not None and _presence(r) < _presence(best) * (1.0 - EVEN_OUT_MAY_LOSE):
            again = replan(r, best)
            r = again if _presence(again) > _presence(r) else r
        out.append(r)
    return out


def staffing_table(runs: list[StaffingRun]) -> pd.DataFrame:
    """One row per officer count, with the marginal presence of each extra officer."""
    rows = []
    for r in runs:
        routes = r.kpis["routes"]
        rows.append(
            {
                "officers": r.officers,
                "units": routes["units"],
                "presence_min": routes["presence_min"],
                "risk_in_sight_share": routes["risk_in_sight_share"],
                "hotspots_dosed": routes["hotspots_dosed"],
                "hotspots": routes["hotspots"],
                "dose_minutes": routes["dose_minutes"],
                "routes_gap": routes["solver"]["gap"],
                "routes_status": routes["solver"]["status"],
                # what the search's last half added: under 1 %, a longer one would add little
                "routes_last_half_gain": routes["solver"].get("last_half_gain"),
                # units with an hour or more left and nothing to do: more officers buy less
                "units_back_early": len(idle_units(routes)),
                # units walking loops for an hour or more: spare time, walked
                "units_looping": len(looping_units(routes)),
                "all_stops_made": all_stops_made(routes),
                "started_from": r.started_from,
            }
        )
    table = pd.DataFrame(rows)
    table["started_from"] = table["started_from"].astype("Int64")  # whole counts, or blank
    extra = table["officers"].diff()
    added = (table["presence_min"].diff() / extra).round(6)  # as precise as presence_min
    table.insert(3, "marginal_presence_min", added)
    return table


def staffing_summary(table: pd.DataFrame) -> str:
    """Format :func:`staffing_table` for the terminal, with what saturation and re-plans mean."""
    lines = [
        "officers  units  presence  added/officer  risk in sight  hot spots  dwell min  gap"
        "    loops  back early  search"
    ]
    for row in table.itertuples():
        added = "" if pd.isna(row.marginal_presence_min) else f"{row.marginal_presence_min:.3f}"
        lines.append(
            f"{row.officers:>8}  {row.units:>5}  {row.presence_min:8.3f}  {added:>13}  "
            f"{row.risk_in_sight_share:13.1%}  {f'{row.hotspots_dosed}/{row.hotspots}':>9}  "
            f"{row.dose_minutes:9.0f}  "
            f"{row.routes_gap:6.1%}  {row.units_looping:>5}  {row.units_back_early:>10}  "
            f"{row.routes_status}"
        )
    if rushed := rushed_counts(table):
        lines.append(
            f"{rushed_note(rushed)}; raise --time-limit"
            + (
                " (solver.route_iterations for ITERATION_LIMIT)"
                if iteration_limited(table, rushed)
                else ""
            )
        )
    if (full := saturated_from(table)) is not None:
        lines.append(
            f"from {officers_said(full)} on, every hot spot gets all its stops (as many as "
            "dwell.max_visits allows), so more officers add no stop, only loops walked or time "
            "back at the station: allow more stops "
            "(dwell.max_visits) or more hot spots (dwell.hotspot_top_percent)"
        )
    lines += [
        restart_note(row.officers, row.started_from)
        for row in table[table["started_from"].notna()].itertuples()
    ]
    return "\n".join(lines)


def saturated_from(table: pd.DataFrame) -> int | None:
    """Return the smallest officer count at which every hot spot gets all its stops, if any."""
    full = table.loc[table["all_stops_made"].astype(bool), "officers"]
    return int(full.min()) if len(full) else None


def rushed_counts(table: pd.DataFrame) -> list[int]:
    """Officer counts whose units come back early or walk loops while their search ran short.

    Either way units had an hour or more with no stop to make. A count at which every hot spot
    has all its stops is left out: there nothing is left to stop at, whatever the time limit;
    so is one whose search added under 1 % in its last half (:func:`planner.idle.gained_little`),
    which a longer search would likely change little.
    """
    spare = table["units_back_early"] + table["units_looping"]
    rushed = (spare > 0) & table["routes_status"].isin(["TIME_LIMIT", "ITERATION_LIMIT"])
    rushed &= ~table["all_stops_made"].astype(bool)
    rushed &= ~table["routes_last_half_gain"].map(gained_little).astype(bool)
    return [int(n) for n in table.loc[rushed, "officers"]]


def warned_counts(
    warned: Mapping[tuple[str, int], Sequence[str]],
) -> list[tuple[str, list[int], str]]:
    """Each warning of a comparison once per shift, with the officer counts that issued it.

    ``warned`` maps (shift, officers) to that run's warnings; returns (shift, counts, message)
    in the order the messages were first issued, the counts in increasing order.
    """
    counts: dict[tuple[str, str], list[int]] = {}
    for (shift, officers), messages in warned.items():
        for message in messages:
            counts.setdefault((shift, message), []).append(officers)
    return [(shift, sorted(officers), message) for (shift, message), officers in counts.items()]


def iteration_limited(table: pd.DataFrame, counts: Sequence[int]) -> bool:
    """Whether the search of any of these officer ``counts`` stopped at its iterations."""
    stopped = table["routes_status"][table["officers"].isin(counts)]
    return bool((stopped == "ITERATION_LIMIT").any())


def rushed_note(counts: Sequence[int]) -> str:
    """Say that the added presence at ``counts`` (:func:`rushed_counts`) may be the limit's."""
    return (
        f"at {officers_said(counts)}, units come back an hour or more early or "
        "walk loops for an hour or more while the search stopped at its limit (of time, or of "
        "iterations): their added presence may be the limit's, not the officers'"
    )


def restart_note(officers: int, started_from: int) -> str:
    """Say that a count was planned again from a smaller count's plan (see :func:`lift_dips`)."""
    return (
        f"{officers} officers planned again from the plan for {int(started_from)}, which their "
        "own search had fallen below"
    )


def flat_risk_note(runs: Sequence[StaffingRun], shifts: int) -> str | None:
    """Say that shifts compared on a risk the same at every hour differ only in their hours.

    Without incident data the risk terrain does not change with the hour or the day, so two
    shifts of one length compare alike whenever they are worked. None when one shift is
    compared, or when any plan's risk comes from incidents.
    """
    if shifts < 2 or not runs or any(r.kpis["risk"]["method"] != "terrain" for r in runs):
        return None
    return (
        "Without incident data the risk is the same at every hour and on every day: the shifts "
        "compare only by their length, hours and meal breaks, not by when incidents happen. "
        "Add the area's incident files to compare shifts by their risk."
    )
