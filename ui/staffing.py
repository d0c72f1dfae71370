"""Staffing comparison: what one more officer buys, for one or more shifts.

The commander picks officer counts and shifts and presses Run; each shift is planned for every
count by :func:`planner.staffing.compare_staffing` on a Dask cluster of worker processes
that the server starts once (:func:`dask_pool`) and keeps. The street graph the page already
holds is sent to the workers for each shift compared: no worker reads the map. The page shows
the table, presence and risk in sight against officers with the marginal presence of each extra
officer, and two of the plans side by side on maps drawn on the Plan tab's streets and risk.
"""

from __future__ import annotations

import atexit
import copy
import dataclasses
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import altair as alt
import pandas as pd
import streamlit as st

from planner.errors import PlannerError, ScenarioError
from planner.pipeline import Area
from planner.plan import Plan
from planner.scenario import Scenario, parse_scenario
from planner.scenario_patrol import WEEKDAYS
from planner.staffing import (
    DASK_HTTP,
    StaffingRun,
    compare_staffing,
    flat_risk_note,
    iteration_limited,
    officers_said,
    restart_note,
    rushed_counts,
    rushed_note,
    saturated_from,
    warned_counts,
)
from planner.stations import break_window
from ui import jobs
from ui.bound import keyed
from ui.draft import APP_TIME_LIMIT_S, BASE_DIR, draft, page_words, set_in, show_error
from ui.legend import plan_legend
from ui.map import build_deck
from ui.view import MAP_HEIGHT_PX

RESULT = "staffing"
#: Session key of the comparison under way (a job of :mod:`ui.jobs`).
JOB = "staffing_job"
#: Session key of what the comparison whose error is shown was asked for.
ERROR_ABOUT = "staffing_error_about"
STATE = (RESULT, "staffing_counts", "staffing_error", ERROR_ABOUT, JOB)
"""Session keys of the comparison: result, counts chosen, error, what it was about, job."""
STATE_PREFIXES = ("staffing_rows_",)
"""Prefixes of the session keys of the shift tables' rows (one table per shift)."""
COUNT_CHOICES = list(range(1, 41))
DEFAULT_COUNTS = [2, 4, 6, 8]
MAX_COUNTS = 8  # each count is a plan per shift: a handful compares, dozens only wait
CHART_HEIGHT_PX = 300
CHART_WIDTH_PX = 270  # two charts a row at 1024 px, three at 1400 px

#: Columns of the comparison table as shown, short enough to fit the page.
TABLE_COLUMNS = {
    "shift": "shift",
    "officers": "officers",
    "units": "units",
    "presence_min": "presence",
    "marginal_presence_min": "added per officer",
    "risk_in_sight_share": "risk in sight",
    "hotspots_dosed": "hot spots",
    "dose_minutes": "dwell min",
    "routes_gap": "gap",
    "units_back_early": "back 1 h+ early",
    "units_looping": "loops 1 h+",
    "routes_status": "search",
}
#: How a count's route search stopped, in words short enough for the table's last column.
STATUS_WORDS = {
    "ITERATION_LIMIT": "iterations",
    "TIME_LIMIT": "time limit",
    "OPTIMAL": "optimal",
    "FEASIBLE": "stopped",
}
#: Shares shown in per cent, to one decimal as on the Plan tab (3.8 %, not 3.75 %).
PERCENT_COLUMNS = ("risk_in_sight_share", "routes_gap")
#: Number columns of the table: their format (None: as is) and help on hover.
TABLE_NUMBERS: dict[str, tuple[str | None, str]] = {
    "presence_min": ("%.3f", "Presence of the foot patrols: risk x minutes."),
    "marginal_presence_min": (
        "%.3f",
        "Presence added per extra officer against the next smaller count compared; none for "
        "the smallest.",
    ),
    "risk_in_sight_share": (
        "%.1f%%",
        "Share of the area's risk on streets in sight of some stop.",
    ),
    "hotspots_dosed": (None, "Hot spots with at least one stop."),
    "dose_minutes": ("%.0f", "Minutes of stops at hot spots, all units."),
    "routes_gap": ("%.1f%%", "How far the routes are below the search's upper bound."),
    "units_back_early": (
        None,
        "Units back at the station an hour or more before the shift ends.",
    ),
    "units_looping": (
        None,
        "Units walking loops of streets, their spare time, for an hour or more.",
    ),
}


@dataclasses.dataclass(frozen=True)
class DaskPool:
    """A local Dask cluster and its client.

    Kept in a holder: a client is awaitable, and ``st.cache_resource`` refuses awaitables.
    """

    cluster: Any
    client: Any

    def close(self) -> None:
        """Close the client, then the cluster."""
        self.client.close()
        self.cluster.close()


#: Worker processes of the app's Dask cluster: one per core, at most four; each holds the area
#: while it plans.
WORKERS = max(1, min(os.cpu_count() or 1, 4))


@st.cache_resource(show_spinner=f"Starting {WORKERS} worker processes", on_release=DaskPool.close)
def dask_pool() -> DaskPool:
    """Start one Dask cluster per server: :data:`WORKERS` single-threaded worker processes.

    Workers are spawned: they import the app script as ``__mp_main__``, which is why
    ``ui/app.py`` draws the page only under ``if __name__ == "__main__"``. The cluster is
    closed when the server stops (or the cache is cleared).
    """
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=DASK_HTTP
    )
    pool = DaskPool(cluster, Client(cluster))
    atexit.register(pool.close)
    return pool


def shift_label(shift: dict[str, Any]) -> str:
    """Short name of a shift: ``friday 18:00-02:00`` or ``2026-12-04 18:00-02:00``."""
    day = shift.get("weekday") or shift.get("date")
    return f"{day} {str(shift['start'])[:5]}-{str(shift['end'])[:5]}"


def shift_rows(shift: dict[str, Any], meal_break: dict[str, Any] | None = None) -> pd.DataFrame:
    """Return the editable table of shifts, starting with the scenario's own (and its break)."""
    day = shift.get("weekday") or shift.get("date")
    window = {
        col: str(meal_break[key])[:5] if meal_break else None for col, key in BREAK_COLUMNS.items()
    }
    return pd.DataFrame(
        [{"day": day, "start": str(shift["start"])[:5], "end": str(shift["end"])[:5]} | window]
    )


def apply_edits(rows: pd.DataFrame, edits: dict[str, Any]) -> pd.DataFrame:
    """Apply a data editor's recorded edits (edited, added and deleted rows) to ``rows``."""
    out = rows.reset_index(drop=True).copy()
    for index, changes in edits.get("edited_rows", {}).items():
        for column, value in changes.items():
            out.loc[int(index), column] = value
    out = out.drop(index=[int(i) for i in edits.get("deleted_rows", [])])
    if added := edits.get("added_rows"):
        out = pd.concat([out, pd.DataFrame(added, columns=out.columns)])
    return out.reset_index(drop=True)


BREAK_COLUMNS = {"break from": "earliest", "break to": "latest"}
"""Shift table columns giving a row's own meal break window (blank: the scenario's)."""

MEAL_WINDOW = "meal_window"
"""Key of a row's break window in the shift sections of :func:`shift_specs`."""

EDITOR = "staffing_editor"
"""Session key of the shift table drawn last: its widget key, base rows and where edits go."""


def _shift_editor(base_shift: dict[str, Any], meal_break: dict[str, Any] | None) -> pd.DataFrame:
    """Editable shift table whose rows survive a switch to another tab (see :func:`keep_edits`).

    The table is drawn from the rows kept in the session under a key that changes only when
    edits are folded into them, so it keeps its focus while it is being edited.
    """
    label = shift_label(base_shift)
    saved, version = f"staffing_rows_{label}", f"staffing_rows_{label}_version"
    rows = st.session_state.get(saved)
    if rows is None:
        rows = shift_rows(base_shift, meal_break)
    key = f"staffing_shifts_{label}_{st.session_state.get(version, 0)}"
    st.session_state[EDITOR] = {"key": key, "rows": rows, "saved": saved, "version": version}
    return st.data_editor(
        rows,
        num_rows="dynamic",
        hide_index=True,
        key=key,
        column_config={
            "day": st.column_config.TextColumn("day", help="A weekday (friday) or YYYY-MM-DD."),
            "start": st.column_config.TextColumn("start", help="Local clock time, HH:MM."),
            "end": st.column_config.TextColumn("end", help="Local clock time, HH:MM."),
            **{
                col: st.column_config.TextColumn(
                    col,
                    help=f"The {key} start of the meal break, HH:MM; blank: the scenario's.",
                )
                for col, key in BREAK_COLUMNS.items()
            },
        },
    )


def keep_edits() -> None:
    """Fold the shift table's edits into its kept rows; call in runs that do not draw it.

    The app draws only the open tab, and Streamlit drops the state of a widget at the end of a
    run that did not draw it (``st.data_editor`` has no ``persist_state`` in Streamlit 1.67);
    during that run the edits are still in the session, so they are kept here.
    """
    table = edited_rows()
    drawn = st.session_state.pop(EDITOR, None)
    if table is None:
        return
    st.session_state[table[0]] = table[1]
    st.session_state[drawn["version"]] = st.session_state.get(drawn["version"], 0) + 1


def edited_rows() -> tuple[str, pd.DataFrame] | None:
    """Return the key and rows of the shift table drawn last, with its edits (kept as they are).

    A reload keeps them so (:mod:`ui.keep`); the table itself keeps its key and its focus.
    """
    drawn = st.session_state.get(EDITOR)
    if drawn is None or drawn["key"] not in st.session_state:
        return None
    return drawn["saved"], apply_edits(drawn["rows"], st.session_state[drawn["key"]])


def shift_specs(rows: pd.DataFrame, base: dict[str, Any]) -> list[dict[str, Any]]:
    """Shift sections from the table (a weekday name or a YYYY-MM-DD date per row).

    A row with a break window carries it under ``MEAL_WINDOW`` (``earliest``, ``latest``).

    Raises
    ------
    planner.errors.PlannerError
        Naming the row and column of each empty cell, day that is neither and time that is
        not a clock time, one to a line.
    """
    specs: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, row in enumerate(rows.dropna(how="all").to_dict("records"), start=1):
        cells = {c: "" if pd.isna(v) else str(v).strip() for c, v in row.items()}
        said = len(problems)
        if empty := [c for c in ("day", "start", "end") if not cells[c]]:
            problems.append(
                f"shifts table, row {n}: fill in {' and '.join(empty)} (e.g. friday, 18:00, 02:00)"
            )
        day = cells["day"].lower()
        if day and day not in WEEKDAYS and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            problems.append(
                f"shifts table, row {n}: day '{cells['day']}' is neither a weekday nor "
                "YYYY-MM-DD; write e.g. friday or 2026-12-11"
            )
        window = [cells.get(col, "") for col in BREAK_COLUMNS]
        if any(window) and not all(window):
            problems.append(
                f"shifts table, row {n}: fill in both break from and break to, or neither"
            )
        for col in ("start", "end", *(BREAK_COLUMNS if all(window) else ())):
            if cells[col] and not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", cells[col]):
                problems.append(
                    f"shifts table, row {n}: {col} '{cells[col]}' is not a clock time; write "
                    "HH:MM from 00:00 to 23:59, e.g. 18:00"
                )
        if len(problems) > said:
            continue
        spec = {k: v for k, v in base.items() if k == "timezone"}
        spec |= {"start": cells["start"], "end": cells["end"]}
        spec["weekday" if day in WEEKDAYS else "date"] = day
        if all(window):
            spec[MEAL_WINDOW] = dict(zip(BREAK_COLUMNS.values(), window, strict=True))
        specs.append(spec)
    if problems:
        raise PlannerError("\n".join(problems))
    return specs


def with_meal_window(data: dict[str, Any], window: dict[str, str] | None, row: int) -> str:
    """Give the scenario mapping ``data`` a shift row's break window; return the label's part.

    The label names a window only when it differs from the scenario's own.

    Raises
    ------
    planner.errors.ScenarioError
        If the row gives a window and the scenario has no meal break.
    """
    if not window:
        return ""
    meal = data["officers"].get("meal_break")
    if not meal:
        msg = (
            f"shifts table, row {row}: a break window is given but the scenario has no meal "
            "break; switch it on under Officers and stations, or clear the row's window"
        )
        raise ScenarioError(msg)
    own = {key: str(meal.get(key))[:5] for key in window}
    meal |= window
    return "" if window == own else f", break {window['earliest']}-{window['latest']}"


def scenarios_for(scenario: Scenario, shifts: list[dict[str, Any]]) -> list[tuple[str, Scenario]]:
    """Return the scenario once per shift, each validated like a file.

    Raises
    ------
    planner.errors.ScenarioError
        With the field named, e.g. a bad clock time in the shifts table.
    """
    out = []
    base_dir = Path(st.session_state[BASE_DIR])
    for i, shift in enumerate(shifts):
        data = copy.deepcopy(draft())
        set_in(data, "officers.count", scenario.officers.count)
        set_in(data, "solver", scenario.solver.model_dump(mode="json", exclude_none=True))
        data["shift"] = {k: v for k, v in shift.items() if k != MEAL_WINDOW}
        label = shift_label(shift) + with_meal_window(data, shift.get(MEAL_WINDOW), i + 1)
        parsed = parse_scenario(data, f"shifts table, row {i + 1}", base_dir)
        try:
            break_window(parsed)  # a meal break that does not fit is named before any planning
        except ScenarioError as exc:
            msg = f"shifts table, row {i + 1}: {exc} (or give the row its own break window)"
            raise ScenarioError(msg) from None
        out.append((label, parsed))
    return out


def run_comparison(
    runs_for: list[tuple[str, Scenario]],
    counts: list[int],
    client: object,
    job: jobs.Job,
    area: Area,
) -> tuple[pd.DataFrame, dict[tuple[str, int], StaffingRun]]:
    """Plan every shift for every count on ``area``; one table with a ``shift`` column.

    Returns the table and the runs by (shift, count). The work of a job (:mod:`ui.jobs`): it
    reports its progress to ``job`` and draws nothing.
    """
    tables: list[pd.DataFrame] = []
    runs: dict[tuple[str, int], StaffingRun] = {}
    for i, (label, scenario) in enumerate(runs_for):
        job.report(
            i / len(runs_for),
            f"Shift {label}: planning {len(counts)} officer counts on {WORKERS} workers",
        )

        def planned(done: int, total: int, i: int = i, label: str = label) -> None:
            job.report(
                (i + done / total) / len(runs_for),
                f"Shift {label}: {done} of {total} officer counts planned",
            )

        table, shift_runs = compare_staffing(
            scenario, counts, client=client, progress=planned, area=area
        )
        tables.append(table.assign(shift=label))
        runs |= {(label, r.officers): r for r in shift_runs}
    return pd.concat(tables, ignore_index=True), runs


def comparison_charts(table: pd.DataFrame) -> list[tuple[str, alt.Chart]]:
    """Presence, risk in sight and marginal presence against officers, one colour per shift.

    Returns (title, chart) pairs.
    """
    # one shift per line, in full: a narrow chart's legend in a row cut long labels off
    legend = alt.Legend(orient="bottom", direction="vertical", labelLimit=0)
    colour = alt.Color("shift:N", title="shift", legend=legend)
    counts = sorted({int(n) for n in table["officers"]})  # ticks at the counts compared only
    x = alt.X("officers:Q", title="officers", axis=alt.Axis(values=counts, format="d"))
    base = alt.Chart(table).encode(x=x, color=colour)
    presence = base.mark_line(point=True).encode(
        y=alt.Y("presence_min:Q", title="presence (risk x min)"),
        tooltip=["shift", "officers", "presence_min", "marginal_presence_min"],
    )
    sight = base.mark_line(point=True).encode(
        y=alt.Y(
            "risk_in_sight_share:Q", title="risk in sight of a stop", axis=alt.Axis(format="%")
        ),
        tooltip=["shift", "officers", "risk_in_sight_share", "hotspots_dosed"],
    )
    marginal = (
        alt.Chart(table.dropna(subset=["marginal_presence_min"]))
        .mark_bar()
        .encode(
            x=alt.X(
                "officers:O",
                title="officers (vs the count before)",
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset="shift:N",
            y=alt.Y("marginal_presence_min:Q", title="risk x min"),
            color=colour,
            tooltip=["shift", "officers", "marginal_presence_min"],
        )
    )
    return [
        ("Presence", presence),
        ("Risk in sight of a stop", sight),
        ("Presence added per officer", marginal),
    ]


def run_plan(base: Plan, run: StaffingRun) -> Plan:
    """Return a staffing run drawn on the base plan's streets, risk and posts."""
    return dataclasses.replace(base, routes=run.routes, kpis=run.kpis)


def _asked(counts: list[int], rows: pd.DataFrame) -> str:
    """Return what a comparison is asked for: its counts and shifts table (errors are about it)."""
    return f"{sorted(counts)} {rows.to_json()}"


def _comparison_key(runs_for: list[tuple[str, Scenario]], counts: list[int]) -> str:
    """Return what a comparison makes: its officer counts and each shift's scenario.

    As :func:`compared_key` has it, with the shift: the count the page plans (the sidebar's)
    is not part of it, so two pages that differ only there share one comparison.
    """
    shifts = "".join(
        f"# {label}\n{compared_key(scenario)}\n{scenario.shift.model_dump_json()}\n"
        for label, scenario in runs_for
    )
    return f"# officers {sorted(counts)}\n{shifts}"


def _asked_of(
    job: jobs.Job | None, scenario: Scenario, counts: list[int], rows: pd.DataFrame
) -> bool:
    """Return whether the comparison ``job`` makes what this scenario, counts and table ask.

    The same comparison as :func:`jobs.join` finds (:func:`_comparison_key`): a table written
    otherwise (``Friday`` for ``friday``) asks for the same one. A table refused asks for none.
    """
    if job is None:
        return False
    try:
        runs_for = scenarios_for(scenario, shift_specs(rows, draft()["shift"]))
    except PlannerError:
        return False
    return job.key == _comparison_key(runs_for, sorted(counts))


def _run_pressed(
    scenario: Scenario,
    counts: list[int],
    rows: pd.DataFrame,
    area_of: Callable[[Scenario], Area],
) -> None:
    st.session_state[ERROR_ABOUT] = _asked(counts, rows)
    try:
        shifts = shift_specs(rows, draft()["shift"])
    except PlannerError as exc:
        st.session_state["staffing_error"] = str(exc)
        return
    if not counts or not shifts:
        st.session_state["staffing_error"] = "Choose at least one officer count and one shift."
        return
    try:
        runs_for = scenarios_for(scenario, shifts)
        unit = scenario.officers.unit_size
        if bad := [c for c in counts if c % unit]:
            msg = f"{officers_said(bad)}: give multiples of officers.unit_size ({unit})"
            raise PlannerError(msg)
        area = area_of(scenario)  # the page's own, loaded once for the server
        client = dask_pool().client
    except PlannerError as exc:
        st.session_state["staffing_error"] = str(exc)
        return
    key = _comparison_key(runs_for, counts)
    if jobs.join(JOB, key) is None:  # else another page (or this one before a reload) runs it
        jobs.start(
            JOB,
            lambda job: run_comparison(runs_for, counts, client, job, area),
            {
                "says": f"{len(counts)} officer counts x {len(shifts)} shift(s) on {WORKERS} "
                f"worker processes; each plan searches up to "
                f"{2 * scenario.solver.time_limit_s:g} s (posts, then routes)",
                "name": scenario.name,
                "compared": compared_key(scenario),
                "drawn": compared_key(scenario, solver=False),
                "limit": scenario.solver.time_limit_s,
            },
            key,
        )
    st.rerun()  # the next run keeps the job, for a reload to take back, and waits for it


def await_comparison() -> None:
    """Wait for the comparison under way, if any (a job: a click does not stop it); keep it."""
    job = jobs.running(JOB)
    if job is None:
        return
    with st.status("Comparing staffing levels", expanded=True) as status:
        st.write(job.about["says"])
        bar = st.progress(job.fraction, text=job.said())
        jobs.wait(job, lambda fraction, text: bar.progress(fraction, text=text))
        st.session_state.pop(JOB, None)
        bar.empty()  # no half-full bar left behind by a failed run
        if isinstance(error := job.future.exception(), PlannerError):
            st.session_state["staffing_error"] = str(error)
            status.update(label="Staffing comparison failed", state="error", expanded=False)
            return
        if error is not None:  # a bug: said as one
            raise error
        table, runs = cast("tuple[pd.DataFrame, dict]", job.future.result())
        st.session_state.pop("staffing_error", None)
        about = {key: job.about[key] for key in ("name", "compared", "drawn", "limit")}
        st.session_state[RESULT] = {
            "table": table,
            "runs": runs,
            **about,
            "at": f"{job.ended:%H:%M}",  # when it ended, not when this page took it up
        }
        status.update(label="Staffing compared", state="complete", expanded=False)


def compared_key(scenario: Scenario, solver: bool = True) -> str:
    """Return what a comparison depends on: the scenario but its officer count and shift.

    Without ``solver``, what its maps depend on (streets, risk, places).
    """
    exclude: dict[str, Any] = {
        "officers": {"count"},
        "shift": True,
        "output_dir": True,
        "source_file": True,
    }
    if not solver:
        exclude["solver"] = True
    return scenario.model_dump_json(exclude=exclude)


def _unit_size() -> int:
    """Officers per unit in the draft (1 while it does not read as a whole number)."""
    size = draft().get("officers", {}).get("unit_size", 1)
    return size if isinstance(size, int) and size >= 1 else 1


def show_staffing(
    scenario: Scenario | None, plan: Plan | None, area_of: Callable[[Scenario], Area]
) -> None:
    """Draw the Staffing tab: choose counts and shifts, run, compare.

    ``area_of`` gives a scenario's area as the page keeps it (sent to the workers as it is).
    """
    st.markdown(
        "Plan the scenario (as edited, with the sidebar's time limit) for several officer "
        "counts and shifts, in parallel, and see what each extra officer adds."
    )
    if "staffing_counts" not in st.session_state:
        st.session_state["staffing_counts"] = DEFAULT_COUNTS
    size = _unit_size()
    choices = [n for n in COUNT_CHOICES if n % size == 0]  # pairs: whole units only
    chosen = st.session_state["staffing_counts"]
    if odd := [n for n in chosen if n not in choices]:
        st.session_state["staffing_counts"] = [n for n in chosen if n in choices]
        st.info(
            f"Officers walk in units of {size}: the counts {', '.join(map(str, odd))} are left out."
        )
    # one above the other: side by side, a laptop window cut the shifts table's columns
    counts = keyed(
        st.multiselect,
        "Officer counts",
        "staffing_counts",
        options=choices,
        persist_state="page",
        max_selections=MAX_COUNTS,
        help=f"Up to {MAX_COUNTS} counts; each is planned for every shift below.",
    )
    rows = _shift_editor(draft()["shift"], draft()["officers"].get("meal_break"))
    st.caption(
        "Shifts: a weekday or YYYY-MM-DD, start and end as HH:MM, and the meal break's "
        "window when the scenario has one; add a row to compare."
    )
    if (
        st.button("Run comparison", type="primary", disabled=scenario is None, key="staffing_run")
        and scenario is not None
        and not _asked_of(jobs.running(JOB), scenario, counts, rows)  # pressed again while it ran
    ):
        await_comparison()  # one at a time: another comparison under way ends first
        _run_pressed(scenario, sorted(counts), rows, area_of)  # runs the page again unless refused
    await_comparison()  # started in an earlier run (a click or a reload ran the page again)
    if st.session_state.get(ERROR_ABOUT) != _asked(counts, rows):  # changed since: not said
        st.session_state.pop("staffing_error", None)
    if error := st.session_state.get("staffing_error"):
        show_error(page_words(error))
    result = st.session_state.get(RESULT)
    if result is None:
        st.info("Choose counts and shifts, then press Run comparison.")
        return
    show_result(result, plan, scenario)


def warning_lines(warned: dict[tuple[str, int], Sequence[str]]) -> list[str]:
    """Warnings per (shift, officers): one line per shift and message, with its counts."""
    return [
        f"{officers_said(officers)}, {shift}: {message}"
        for shift, officers, message in warned_counts(warned)
    ]


def saturation_notes(table: pd.DataFrame) -> list[str]:
    """Per shift, the smallest count from which every hot spot gets all its stops."""
    return [
        f"{shift}: from {officers_said(full)} on, every hot spot gets all its stops (as many as "
        "Stops per hot spot allows), so more officers add no stop, only loops walked or time "
        "back at the station. To give them stops, allow more "
        "(Stops per hot spot) or more hot spots (Hot spots: top % of streets)."
        for shift, rows in table.groupby("shift", sort=False)
        if (full := saturated_from(rows)) is not None
    ]


def time_limit_notes(table: pd.DataFrame) -> list[str]:
    """Per shift, the counts whose added presence may be the time limit's (units idle early)."""
    iterations = (
        " (or the scenario's solver.route_iterations, for a search stopped at ITERATION_LIMIT)"
    )
    return [
        f"{shift}: {rushed_note(counts)}. Raise the solver time limit in the sidebar"
        + (iterations if iteration_limited(rows, counts) else "")
        + "."
        for shift, rows in table.groupby("shift", sort=False)
        if (counts := rushed_counts(rows))
    ]


def restart_notes(table: pd.DataFrame) -> list[str]:
    """Each count planned again from a smaller count's plan, which its own search fell below."""
    again = table[table["started_from"].notna()]
    return [
        f"{row.shift}: {restart_note(row.officers, row.started_from)}."
        for row in again.itertuples()
    ]


def show_result(result: dict[str, Any], plan: Plan | None, scenario: Scenario | None) -> None:
    """Table, charts and two plans side by side (not when the scenario changed since)."""
    table = result["table"]
    st.caption(
        f"Compared at {result['at']}: {result['name']}. Each count is planned afresh within the "
        f"time limit ({result['limit']:g} s per optimiser), so a count's figures can differ a "
        "little from the Plan tab's plan and from one comparison to the next (the gap column "
        "says how far each may be from the best)."
        + (
            " At the quick preview limit they can differ markedly: raise the solver time limit "
            "in the sidebar before deciding on staffing."
            if result["limit"] <= APP_TIME_LIMIT_S
            else ""
        )
    )
    stale = scenario is None or compared_key(scenario) != result["compared"]
    if stale:
        st.warning(
            f"The scenario has changed since this comparison of {result['name']}: press Run "
            "comparison to compare it as it is now."
        )
    for line in time_limit_notes(table) + saturation_notes(table):
        st.warning(line)
    if flat := flat_risk_note(list(result["runs"].values()), table["shift"].nunique()):
        st.warning(flat)
    row = st.container(horizontal=True)  # wraps to a second row in a narrow window
    for title, chart in comparison_charts(table):
        box = row.container(width=CHART_WIDTH_PX)
        box.markdown(f"**{title}**")  # above the chart: a chart's own title may be clipped
        box.altair_chart(chart, height=CHART_HEIGHT_PX, width="stretch")
    shown = table[list(TABLE_COLUMNS)].copy()
    shown[list(PERCENT_COLUMNS)] *= 100
    words = shown["routes_status"].map(STATUS_WORDS)
    shown["routes_status"] = words.fillna(shown["routes_status"])
    shown = shown.rename(columns=TABLE_COLUMNS)
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            **{
                TABLE_COLUMNS[key]: st.column_config.NumberColumn(format=fmt, help=text)
                for key, (fmt, text) in TABLE_NUMBERS.items()
            },
            TABLE_COLUMNS["routes_status"]: st.column_config.TextColumn(
                help="How the route search stopped: after its iterations (solver."
                "route_iterations), at its time limit, or proven optimal."
            ),
        },
        key="staffing_table",
        placeholder="-",  # the smallest count has no marginal presence
    )
    for line in restart_notes(table):
        st.caption(line)
    issued = warning_lines({key: run.warnings for key, run in result["runs"].items()})
    if issued:
        with st.expander(f"Warnings while planning ({len(issued)})"):
            st.markdown("\n".join(f"- {page_words(line)}" for line in issued))
    st.subheader("Two plans side by side")
    if stale:
        st.info("Run the comparison again to draw its plans on the map.")
        return
    if plan is None or compared_key(plan.scenario, solver=False) != result["drawn"]:
        st.info("Plan this scenario on the Plan tab to draw the compared plans on its streets.")
        return
    here = shift_label(plan.scenario.shift.model_dump(mode="json"))
    keys = [k for k in result["runs"] if k[0] == here]  # others have their own risk and posts
    if not keys:
        st.info(
            f"The maps draw the plans of the Plan tab's shift ({here}) on its streets and risk; "
            "this comparison has none. Plan one of the compared shifts on the Plan tab to see it."
        )
        return
    if len(keys) < len(result["runs"]):
        st.caption(
            f"Maps: the plans of {here}, the Plan tab's shift (other shifts have their own risk "
            "and posts: plan one on the Plan tab to see its plans)."
        )
    labels = {k: f"{officers_said(k[1])}, {k[0]}" for k in keys}
    left, right = st.columns(2)
    for col, default, side in ((left, 0, "left"), (right, len(keys) - 1, "right")):
        with col:
            key = st.selectbox(
                f"Plan on the {side}",
                keys,
                index=default,
                format_func=labels.__getitem__,
                key=f"staffing_{side}",
            )
            run = result["runs"][key]
            routes = run.kpis["routes"]
            st.caption(
                f"presence {routes['presence_min']:.3f} · risk in sight "
                f"{routes['risk_in_sight_share']:.1%} · {routes['hotspots_dosed']} hot spots"
            )
            st.pydeck_chart(
                build_deck(run_plan(plan, run), width_px=600),
                height=MAP_HEIGHT_PX - 100,
                key=f"staffing_map_{side}",
            )
    most = max(len(r.routes) for r in result["runs"].values())
    pairs = any(r.kpis["routes"]["officers_per_unit"] > 1 for r in result["runs"].values())
    # what the maps above draw: the plan's posts and places, each run's routes
    legend = plan_legend(plan, most, "unit" if pairs else "officer")
    st.markdown(legend, unsafe_allow_html=True)
    st.caption("Streets are coloured by the risk of the plan on the Plan tab.")
