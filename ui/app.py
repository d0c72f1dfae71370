"""Streamlit app: edit a scenario, plan a foot-patrol shift, compare staffing levels, offline.

Start it with ``patrol-planner app [--port N]`` (it passes :func:`planner.cli.streamlit_flags`:
loopback only, no usage statistics, static serving of the blank map style in ``ui/static/``).
The script is thin: the sidebar and the Scenario tab edit a scenario mapping (:mod:`ui.draft`,
:mod:`ui.editor`), validated by the library into a :class:`~planner.scenario.Scenario`; Plan
runs :func:`planner.pipeline.run` (once on the first load, then only when pressed) as a job of
:mod:`ui.jobs`, which a click while it runs does not stop; the Plan tab draws the result
(:mod:`ui.map`, :mod:`ui.timeline`, :mod:`ui.review`) and the Staffing tab compares officer
counts (:mod:`ui.staffing`). Street graphs are cached per area and plans per scenario text,
shared read-only by every session.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import streamlit as st

REPO = Path(__file__).resolve().parent.parent
# Streamlit puts only this script's folder (ui/) on sys.path; ui.* is imported as a package.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import pandas as pd  # noqa: E402
import pydeck as pdk  # noqa: E402

from planner import pipeline  # noqa: E402
from planner.avoid import walkable_nodes  # noqa: E402
from planner.clock import later  # noqa: E402
from planner.errors import PlannerError, PlannerWarning, kept_warnings  # noqa: E402
from planner.evaluate import with_followed  # noqa: E402
from planner.export import routes_record  # noqa: E402
from planner.graph import StreetGraph  # noqa: E402
from planner.memo import Memo  # noqa: E402
from planner.patrol_rules import avoided_ways  # noqa: E402
from planner.pipeline import Area  # noqa: E402
from planner.places import forbidden_nodes, place_node  # noqa: E402
from planner.plan import Plan  # noqa: E402
from planner.rest_of_shift import replan  # noqa: E402
from planner.scenario import Scenario, scenario_to_yaml  # noqa: E402
from planner.stations import resolve_station, shift_window, under_way_note  # noqa: E402
from ui import draft as drafts  # noqa: E402
from ui import editor, jobs, keep, replanning, review, staffing, timeline, uploads  # noqa: E402
from ui import pick_map as picking  # noqa: E402
from ui.bound import keyed, labelled, note_problems  # noqa: E402
from ui.legend import plan_legend  # noqa: E402
from ui.map import (  # noqa: E402
    base_records,
    build_deck,
    plan_layers,
)
from ui.pick_map import graph_street_records  # noqa: E402
from ui.view import MAP_HEIGHT_PX  # noqa: E402

# The page says the planner's warnings itself, with the plan (Plan.warnings) or the upload that
# issued them; Streamlit would add each again as a box with its stack.
warnings.filterwarnings("ignore", category=PlannerWarning)

DEFAULT_SCENARIO = "helsinki_default"
PLAYING = "map_playing"
#: How many time sliders play has replaced (part of the slider's widget key).
SLIDER_DRAWN = "map_slider_drawn"
PLAY_STEP_MIN = 5
PLAY_EVERY_S = 1.0
PLAN_CACHE_SIZE = 16
PLANNING_EVERY_S = 0.5  # how often a page not waiting for the planning looks at its progress
FAILED_YAML = drafts.FAILED_YAML
#: Session key of the draft's area section and the scenario, as last checked without error.
LAST_CHECKED = "last_checked"


@st.cache_resource(show_spinner="Loading the street graph", max_entries=4)
def area_for(area_json: str, _scenario: Scenario) -> Area:
    """Load the street graph and OSM features of an area once, shared read-only."""
    return pipeline.load_area(_scenario)


def _area_of(scenario: Scenario) -> Area:
    """Return the area of ``scenario`` as the server keeps it (see :func:`area_for`)."""
    return area_for(scenario.area.model_dump_json(), scenario)


@st.cache_resource(show_spinner=False)
def plan_store() -> Memo[Plan]:
    """Plans of this server by scenario text and day (each with its warnings).

    Plans are read-only values, so one shared copy is kept (no pickling of the street graph);
    the sessions' threads share it under its lock.
    """
    return Memo(PLAN_CACHE_SIZE)


@st.cache_resource(show_spinner=False, max_entries=4)
def base_for(risk_key: str, _plan: Plan) -> tuple[list[dict], list[dict]]:
    """Streets by risk and street names, shared by the plans of one graph and risk."""
    return base_records(_plan)


@st.cache_resource(show_spinner=False, max_entries=8)
def layers_for(plan_key: str, _plan: Plan) -> list[pdk.Layer]:
    """Map layers of the plan identified by ``plan_key`` (all but the units)."""
    risk = hashlib.blake2b(_plan.risk.segment_risk.tobytes(), digest_size=16).hexdigest()
    return plan_layers(_plan, base_for(f"{_plan.graph.source} {risk}", _plan))


@st.cache_resource(show_spinner=False, max_entries=8)
def tracks_for(plan_key: str, _plan: Plan) -> dict:
    """Trace the timed tracks of the plan's officers."""
    return timeline.track_arrays(_plan)


@st.cache_resource(show_spinner=False, max_entries=8)
def schedule_for(plan_key: str, _plan: Plan) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Return the plan's schedule rows and their starts and ends as UTC times."""
    frame = _plan.to_frame()
    return frame, pd.to_datetime(frame["start"], utc=True), pd.to_datetime(frame["end"], utc=True)


@st.cache_resource(show_spinner="Drawing the streets", max_entries=4)
def streets_for(area_json: str, _graph: StreetGraph) -> list[dict]:
    """Grey street records of an area's graph for the pick map."""
    return graph_street_records(_graph)


def _example_chosen() -> None:
    chosen = st.session_state["scenario"]
    if chosen is None:
        return
    if error := drafts.load_example(chosen):
        editing = st.session_state.get(drafts.WHERE, "")
        st.session_state["plan_error"] = (
            f"The example {chosen} cannot be opened, so you are still editing {editing}: {error}"
        )
        st.session_state.pop(FAILED_YAML, None)  # shown whatever the scenario
        # the sidebar names the scenario being edited, not the one that failed
        st.session_state["scenario"] = drafts.example_of(editing)


def sidebar(names: list[str]) -> bool:
    """Draw the sidebar; return whether Plan was pressed."""
    with st.sidebar:
        st.header("Shift")
        st.selectbox(
            "Example scenario",
            names,
            # its default is its value (see ui.bound.as_default); none: one's own scenario
            index=names.index(shown) if (shown := st.session_state["scenario"]) in names else None,
            key="scenario",
            on_change=_example_chosen,
            placeholder="none: a scenario of your own",
            help="Opens scenarios/NAME.yaml with a solver time limit of "
            f"{drafts.APP_TIME_LIMIT_S:g} s; open your own YAML on the Scenario tab. Your edits to "
            "the scenario you had open are set aside: a button below takes them back.",
        )
        editing = st.session_state.get(drafts.WHERE, "")
        example = st.session_state["scenario"]
        name = str(st.session_state[drafts.DRAFT].get("name", ""))
        if example is None or drafts.example_of(editing) != example:
            st.caption(f"Editing: {editing}")  # a YAML of one's own, not the example above
        elif name != example:  # renamed, or named after another city's map
            st.caption(f"Editing: {name}, opened from this example")
        asides = drafts.set_aside_drafts()
        names = [str(aside[drafts.DRAFT].get("name", "the scenario")) for aside in asides]
        for i, aside in reversed(list(enumerate(asides))):  # the most recent first
            twin = f" ({aside[drafts.WHERE]})" if names.count(names[i]) > 1 else ""
            st.button(
                f"Take back your edits to {names[i]}{twin}",  # two of one name: where from
                key="take_back" if i == len(asides) - 1 else f"take_back_{i}",
                on_click=drafts.take_back,
                args=(i,),
                help=f"Opening another scenario set aside your edits to {aside[drafts.WHERE]}; "
                "this makes them the scenario being edited again (press Plan to plan them).",
            )
        # No bounds here: the scenario's own check names a count out of range (1-200).
        keyed(st.number_input, "Officers on foot", "officers", step=1)
        keyed(
            st.number_input,
            "Solver time limit (s)",
            "time_limit_s",
            min_value=0.1,
            max_value=drafts.MAX_TIME_LIMIT_S,
            step=1.0,
            help="Seconds per optimiser (posts, routes); the best plan found in that time is "
            "returned.",
        )
        if (limit := st.session_state["time_limit_s"]) > 5 * drafts.APP_TIME_LIMIT_S:
            draft = st.session_state[drafts.DRAFT]
            iterations = drafts.get_in(draft, "solver.route_iterations")
            sooner = (
                f", sooner when the route search ends its {iterations:g} iterations first"
                if iterations
                else ""
            )
            st.caption(
                f"At this limit a plan takes up to about {2 * limit:g} s, at most {4 * limit:g} "
                f"s (posts, then routes{sooner}); "
                f"{drafts.APP_TIME_LIMIT_S:g} s gives a quick preview."
            )
        pressed = st.button("Plan", type="primary", width="stretch")
        st.caption(
            "Planning runs only when you press Plan. Everything stays on this machine: "
            "no map tiles, no usage statistics."
        )
    return pressed


def preview_labelled(plan: Plan, file_limit: float) -> Plan:
    """Label a plan made with the app's preview time limit, so its files say so (briefing title).

    ``file_limit`` is the time limit its scenario file keeps (:func:`ui.draft.file_time_limit`).
    """
    used = plan.scenario.solver.time_limit_s
    if file_limit == used:
        return plan
    preview = f"app preview, {used:g} s search"
    return replace(plan, label=f"{plan.label}, {preview}" if plan.label else preview)


def make_plan(scenario: Scenario) -> bool:
    """Plan the scenario into ``st.session_state``, with progress; keep a planner error.

    Returns whether it planned; a scenario planned before shows its kept plan at once. The
    planning runs as a job (:mod:`ui.jobs`): a click while it runs does not stop it.
    """
    text = scenario_to_yaml(scenario)
    try:  # area_for says "Loading the street graph" while it loads
        area = _area_of(scenario)
    except PlannerError as exc:
        _keep_error(text, exc)
        return True
    try:  # the shift the command line would plan: the first not ended, in the shift's zone
        day = shift_window(scenario, area.graph)[0].date()
    except PlannerError as exc:
        _keep_error(text, exc)
        return True
    key = f"{text}# planned for {day.isoformat()}\n"
    file_limit = drafts.file_time_limit(scenario.solver.time_limit_s)
    if (kept := plan_store().recall(key)) is not None:
        _show_plan(kept, key, text, file_limit)
        return False

    def work(job: jobs.Job) -> Plan:
        def progress(step: str, number: int, total: int) -> None:
            limit = scenario.solver.time_limit_s
            up_to = f", searching up to {limit:g} s" if step == "routes" else ""
            job.report(number / total, f"Planning: {step} ({number + 1}/{total}){up_to}")

        return pipeline.run(scenario, progress=progress, today=day, area=area)

    _plan_job(work, key, {"text": text, "file_limit": file_limit})
    return True


def _plan_job(work: Callable[[jobs.Job], Plan], key: str, about: dict[str, Any]) -> None:
    """Make the plan of ``key`` by ``work`` as a job, and wait for it.

    Not when the planning waited for first (one at a time) made it, and by joining the job of
    another page (or of this page before a reload) that is making it. The plan is kept in the
    server's store, labelled as an app preview if it is one, even if the page has gone.
    """
    if _await_earlier(key):
        return
    store = plan_store()

    def kept(job: jobs.Job) -> Plan:
        plan = preview_labelled(work(job), about["file_limit"])
        store.put(key, plan)
        return plan

    if jobs.join(jobs.PLANNING, key) is None:
        jobs.start(jobs.PLANNING, kept, about, key)
    keep.keep()  # with the job: a reload while it runs takes it back and waits for it
    await_planning()


def show_planning() -> None:
    """Show the planning under way, if any: its plan or error once ended, else its progress.

    A page run while a plan is made (a click on another tab or field) does not wait for it: a
    fragment draws its progress and runs the page again once the plan has ended.
    """
    job = jobs.running(jobs.PLANNING)
    if job is None:
        return
    if job.future.done():
        await_planning()
        return
    st.fragment(_planning_progress, run_every=PLANNING_EVERY_S)()


def _planning_progress() -> None:
    """Draw the progress of the planning under way; run the page again once it has ended."""
    job = jobs.running(jobs.PLANNING)
    if job is None:
        return
    if job.future.done():
        st.rerun()
    with st.status("Re-planning" if job.about.get("replan") else "Planning", expanded=True):
        st.progress(job.fraction, text=job.said())


def _await_earlier(key: str) -> bool:
    """Wait for the planning under way, if any; return whether it made the plan of ``key``.

    One plan at a time: an earlier one ends first. A plan asked for again while it is made
    (Plan or Re-plan pressed twice, a click during the first load) is that planning's, and its
    plan or error is shown now: it is not planned a second time.
    """
    earlier = jobs.running(jobs.PLANNING)
    await_planning()
    return earlier is not None and earlier.key == key


def await_planning() -> None:
    """Wait for the planning under way, if any; show its plan or keep its error."""
    job = jobs.running(jobs.PLANNING)
    if job is None:
        return
    again = job.about.get("replan", False)
    with st.status("Re-planning" if again else "Planning", expanded=True) as status:
        bar = st.progress(job.fraction, text=job.said())
        jobs.wait(job, lambda fraction, text: bar.progress(fraction, text=text))
        st.session_state.pop(jobs.PLANNING, None)
        if isinstance(error := job.future.exception(), PlannerError):
            if again:  # said in the re-plan section, the plan shown stays
                st.session_state[replanning.ERROR] = drafts.page_words(str(error))
            else:
                _keep_error(job.about["text"], error)
            failed = "Re-planning failed" if again else "Planning failed"
            status.update(label=failed, state="error", expanded=False)
            return
        if error is not None:  # a bug: said as one
            raise error
        plan = cast("Plan", job.future.result())  # as kept in the store
        _show_plan(plan, job.key or "", job.about["text"], job.about["file_limit"])
        bar.empty()
        done = f"{'Re-planned' if again else 'Planned'} in {job.seconds:.1f} s"
        status.update(label=done, state="complete", expanded=False)


def replan_shown(plan: Plan, plan_key: str, request: replanning.Request) -> None:
    """Re-plan the rest of the plan shown as ``request`` asks, as a job; show it when done."""
    key = f"{plan_key}# {request.key()}\n"
    text, file_limit = st.session_state["plan_yaml"], st.session_state[drafts.PLAN_FILE_LIMIT]
    if (kept := plan_store().recall(key)) is not None:
        _show_plan(kept, key, text, file_limit)
        st.rerun()
    area = _area_of(plan.scenario)

    def work(job: jobs.Job) -> Plan:
        job.report(0.0, f"Re-planning the rest of the shift from {request.at:%H:%M}")
        with tempfile.TemporaryDirectory() as folder:
            routes = Path(folder) / "routes.json"
            routes.write_text(json.dumps(routes_record(plan)), encoding="utf-8")
            try:
                again = replan(
                    plan.scenario,
                    routes,
                    request.at,
                    request.positions,
                    area=area,
                    away_since=request.away_since,
                    busy_until=request.busy_until,
                    gone=request.gone,
                )
                return with_followed(again, plan.kpis)  # its cost shows beside its figures
            except PlannerError as exc:  # the file is the plan shown's, written just now
                exc.args = (str(exc).replace(str(routes), "the plan shown"),)
                raise

    _plan_job(work, key, {"text": text, "file_limit": file_limit, "replan": True})
    st.rerun()  # the page drawn again with the re-plan (or the section with its error)


def _show_plan(plan: Plan, key: str, text: str, file_limit: float) -> None:
    """Put the kept plan of ``key`` (of the scenario ``text``) on the page.

    ``file_limit`` is the time limit its scenario file keeps, whatever scenario the editor
    opens next.
    """
    st.session_state["plan"] = plan
    st.session_state[drafts.PLAN_FILE_LIMIT] = file_limit
    st.session_state["plan_yaml"] = text
    st.session_state["plan_key"] = shown_key(key, plan)
    st.session_state.pop("plan_error", None)
    st.session_state.pop(FAILED_YAML, None)
    st.session_state.pop(replanning.ERROR, None)  # said of the re-plan of the plan before


def shown_key(key: str, plan: Plan) -> str:
    """Key of the plan shown: the key it was planned under, and a digest of its posts and routes.

    Searches of one request stopped by their time end apart: once the server's store has let a
    page's plan go, another page planning the same request gets another plan. The map, tracks
    and schedule drawn for the server, and the re-plans of the plan, go by this key: each page
    draws and re-plans its own plan.
    """
    made = {"posts": [post.node for post in plan.posts], "routes": routes_record(plan)}
    digest = hashlib.blake2b(json.dumps(made, sort_keys=True).encode(), digest_size=8)
    return f"{key}@ {digest.hexdigest()}\n"


def _doing(plan_key: str, plan: Plan, at: dt.datetime, at_s: float) -> pd.DataFrame:
    """Tell what each officer (or unit of two) does at ``at``: the schedule row under way.

    A walking unit's place is where it walks then (:meth:`Plan.walking_at`), then where the walk
    goes (``at_s``: seconds from the shift's start).
    """
    frame, starts, ends = schedule_for(plan_key, plan)
    who = plan.unit_word
    now = pd.Timestamp(at).tz_convert("UTC")
    current = frame[(starts <= now) & (now < ends)].drop_duplicates(who)
    current = current[[who, "action", "place", "start", "end"]].copy()
    routes = {route.officer: route for route in plan.routes}
    current["place"] = [
        review.walking_place(action, place, plan.walking_at(routes[unit], at_s))
        for unit, action, place in zip(
            current[who], current["action"], current["place"], strict=True
        )
    ]
    return review.clock_times(current)


def _keep_error(text: str, exc: PlannerError) -> None:
    """Keep a planner error on the page while the scenario text stays ``text``."""
    st.session_state.setdefault("plan", None)
    st.session_state["plan_error"] = drafts.page_words(str(exc))
    st.session_state[FAILED_YAML] = text


def plan_map(plan: Plan, plan_key: str) -> None:
    """Draw the plan map; while "Play the shift" is on, it redraws itself every second."""
    playing = st.toggle(
        "Play the shift",
        key=PLAYING,
        help=f"Moves the time slider on {PLAY_STEP_MIN} minutes a second, round and round.",
        on_change=_new_slider,
    )
    st.fragment(_plan_map, run_every=PLAY_EVERY_S if playing else None)(plan, plan_key)


#: Where the map's time opens, into the shift: the units are out by then. (A comment: the app
#: is Streamlit's script, which would write a bare string on the page.)
FIRST_TIME_S = 2 * 3600


def _first_time(plan: Plan, steps: list[int]) -> int:
    """Return the step the map opens at: a re-plan's time, else :data:`FIRST_TIME_S` in."""
    first = FIRST_TIME_S if plan.replanned_s is None else plan.replanned_s
    return min(steps, key=lambda step: abs(step - first))


def _time_key(plan_key: str) -> str:
    """Session-state key of the plan map's time: seconds since the shift's start (per plan)."""
    return "map_time_" + hashlib.blake2b(plan_key.encode(), digest_size=6).hexdigest()


def _new_slider() -> None:
    """Give the time slider a new widget when play is switched on or off.

    A step of play cut short by the switch may have moved the old slider's thumb on screen
    without the page knowing: a new slider starts at the time the page holds, so the thumb
    and the table under the map agree.
    """
    st.session_state[SLIDER_DRAWN] = st.session_state.get(SLIDER_DRAWN, 0) + 1


def _slider_moved(time_key: str, widget_key: str) -> None:
    """Keep the time a planner dragged the slider to."""
    st.session_state[time_key] = st.session_state[widget_key]


def _plan_map(plan: Plan, plan_key: str) -> None:
    """Draw the map with a time slider showing where each unit is (a fragment: reruns alone).

    Play moves the slider on only while its switch is on now: a timed rerun the browser sent
    before play was stopped does not step it on once more.
    """
    layers = layers_for(plan_key, plan)
    # The slider moves in real seconds since the shift's start, labelled with local clock
    # times: on a night the clocks change, no real time is skipped or shown twice.
    labels = timeline.time_steps(plan.shift_start, plan.shift_end, PLAY_STEP_MIN)
    steps = list(labels)
    time_key = _time_key(plan_key)
    if st.session_state.get(time_key) not in steps:
        st.session_state[time_key] = _first_time(plan, steps)
    elif st.session_state.get(PLAYING):
        ahead = steps.index(st.session_state[time_key]) + 1
        st.session_state[time_key] = steps[ahead] if ahead < len(steps) else 0
    widget_key = f"{time_key}_{st.session_state.get(SLIDER_DRAWN, 0)}"
    if st.session_state.get(widget_key) != st.session_state[time_key]:
        st.session_state[widget_key] = st.session_state[time_key]
    at_s = st.select_slider(
        "Where the units are at",
        options=steps,
        value=st.session_state[time_key],  # its default too (see ui.bound.as_default)
        format_func=labels.get,
        key=widget_key,
        help="Opens two hours into the shift, when the units are out (a re-plan: at its time); "
        "drag it to any time of the shift.",
        on_change=_slider_moved,
        args=(time_key, widget_key),
    )
    if not st.toggle("Label stops with their minutes", value=True, key="dwell_labels"):
        layers = [layer for layer in layers if layer.id != "dwell-minutes"]
    now = later(plan.shift_start, at_s)
    units = timeline.unit_records(
        tracks_for(plan_key, plan), at_s, now.strftime("%H:%M"), plan.unit_word
    )
    deck = build_deck(plan, layers, timeline.unit_layers(units))
    st.pydeck_chart(deck, height=MAP_HEIGHT_PX, key="plan_map")
    legend = plan_legend(plan, len(plan.routes), plan.unit_word, units=True)
    st.markdown(legend, unsafe_allow_html=True)
    doing = _doing(plan_key, plan, now, at_s)
    # Keyed, so that it stays open while its label follows the slider.
    with st.expander(f"At {now:%H:%M}", expanded=False, key="doing_at"):
        st.dataframe(doing, hide_index=True)


def plan_tab(text: str | None) -> None:
    """KPIs, map with time slider, review tables, warnings and downloads.

    ``text`` is the scenario being edited as YAML, ``None`` when it is invalid.
    """
    plan = st.session_state.get("plan")
    if plan is None:
        st.info(
            "The first plan is being made (its progress is above): it shows here when it ends."
            if jobs.running(jobs.PLANNING)
            else "No plan yet: set the shift and press Plan."
        )
        return
    if text is None:
        st.warning("The scenario has an error (see above): the plan below is the previous one.")
    elif text == st.session_state.get(FAILED_YAML):
        st.warning("Planning this scenario failed (see above): the plan below is the previous one.")
    elif text != st.session_state.get("plan_yaml"):
        st.info("The scenario differs from the plan shown: press Plan to plan again.")
    if note := under_way_note(plan.scenario, plan.shift_start, plan.shift_end):
        st.info(note)
    if plan.replanned_s is not None:
        st.info(
            f"Re-planned at {later(plan.shift_start, plan.replanned_s):%H:%M}: before then, the "
            "units did what the plan it followed says. Press Plan to show the plan of the "
            "whole shift again."
        )
    key = st.session_state["plan_key"]
    st.caption(review.kpi_caption(plan.kpis))
    review.show_kpis(plan)
    plan_map(plan, key)
    at_s = st.session_state.get(_time_key(key), 0)
    layers = layers_for(key, plan)
    if request := replanning.section(plan, key, tracks_for(key, plan), at_s, layers):
        replan_shown(plan, key, request)
    review.show_review(plan)


def scenario_tab(scenario: Scenario | None) -> None:
    """Draw the scenario editor and the pick map."""
    uploads.load_save_section(scenario)
    left, right = st.columns([3, 2])
    with left:
        with st.expander("Area", expanded=True):
            editor.area_section()
        with st.expander("Incidents", expanded=True):
            editor.incidents_section()
        with st.expander("Shift", expanded=True):
            editor.shift_section()
        with st.expander("Officers and stations", expanded=True):
            editor.officers_section()
            editor.break_note(scenario)
        with st.expander("Dwell and revisit rules"):
            editor.dwell_section()
        with st.expander("Fixed posts"):
            editor.posts_section()
        with st.expander("Must-cover and forbidden places"):
            editor.places_section()
        with st.expander("Areas for the exposure report"):
            editor.neighbourhoods_section()
        with st.expander("Risk, seed and name"):
            editor.risk_and_solver_section()
    with right:
        pick_map(scenario)


def pick_map(scenario: Scenario | None) -> None:
    """Draw the editor's map of the area (local areas load here; online ones come with a plan).

    While the scenario has an error outside its area, the streets of the scenario last checked
    are drawn, to go on clicking places on them.
    """
    if scenario is None:
        area, last = st.session_state.get(LAST_CHECKED, (None, None))
        if last is None or area != drafts.draft().get("area"):
            st.info("Fix the scenario to see its streets.")
            return
        st.caption("The streets of the scenario as last checked: its error is said above.")
        scenario = last
    plan = st.session_state.get("plan")
    area_json = scenario.area.model_dump_json()
    try:
        if scenario.area.source in ("embedded", "file"):
            area = area_for(area_json, scenario)
            graph = area.graph
            found = _found_stations(scenario, area)
            _check_places(scenario, graph)
        elif plan is not None and plan.scenario.area == scenario.area:
            graph, found = plan.graph, []
        else:
            st.info("The streets of an online area appear here once it is planned.")
            return
    except PlannerError as exc:
        drafts.show_error(drafts.page_words(str(exc)))
        return
    st.session_state[drafts.AREA_STREETS] = (scenario.area, graph)  # uploads are checked on it
    picking.pick_section(graph, streets_for(area_json, graph), found)


def _found_stations(scenario: Scenario, area: Area) -> list[tuple[float, float, str]]:
    """Find the stations named as an OSM police station or node on the area drawn.

    Returns their nodes' ``(lat, lon, label)`` for the map (a point is drawn where it is given),
    and says at once when a station is not in the area (another city's area chosen).
    """
    officers = scenario.officers
    named = [("officers.station", officers.station), ("officers.end_station", officers.end_station)]
    found = []
    for field, spec in named:
        if spec is None:
            continue
        try:
            with kept_warnings() as said:  # several stations of the name: which one is taken
                node = resolve_station(spec, area.graph, area.features, field)
            for message in said:
                st.info(drafts.page_words(message))
        except PlannerError as exc:
            mode = drafts.PICK_MODES[field.removeprefix("officers.")]
            st.warning(
                f'{drafts.page_words(str(exc))}. To put it here, choose "{mode}" and click a '
                "street on this map."
            )
            continue
        if spec.lat is None:
            at = area.graph.nodes.iloc[node]
            found.append((float(at["lat"]), float(at["lon"]), picking.STATION_LABELS[field]))
            points = st.session_state.setdefault(drafts.FOUND_STATIONS, {})
            points[field] = (float(at["lat"]), float(at["lon"]))  # a point's first value
    return found


def _check_places(scenario: Scenario, graph: StreetGraph) -> None:
    """Say at once when a must-cover place is off the area's streets or in a forbidden zone.

    Planning would stop on it (swapped coordinates are named); said here as places are added,
    as is a place kept away from ways the units keep off (``officers.avoid``).
    """
    places = scenario.places
    if not places.must_cover:
        return  # the page draws often: the nodes to walk are found only for places to check
    banned = forbidden_nodes(graph, places.forbidden)
    usable = walkable_nodes(graph, avoided_ways(scenario, graph, shift_window(scenario, graph)))
    for place in places.must_cover:
        try:
            with kept_warnings() as said:
                place_node(graph, place, places.forbidden, "places", banned, usable)
            for message in said:
                st.info(drafts.page_words(message))
        except PlannerError as exc:
            st.warning(drafts.page_words(str(exc)))


def checked_and_planned(pressed: bool) -> tuple[Scenario | None, str | None]:
    """Check the scenario, plan it when asked or not planned yet, and show their errors.

    Returns the scenario (None while it has an error) and its YAML text.
    """
    scenario = None
    progress = st.container()  # the planning's progress, drawn once: first on the page
    problems = None
    try:
        scenario = drafts.current_scenario()
        st.session_state[LAST_CHECKED] = (copy.deepcopy(drafts.draft().get("area")), scenario)
    except PlannerError as exc:
        problems = drafts.page_words(str(exc))
        drafts.show_error(labelled(problems))
    note_problems(problems)  # each field shows its own too
    # a first plan under way is not waited for: the page is drawn, its progress above
    first = "plan" not in st.session_state and jobs.running(jobs.PLANNING) is None
    planned = scenario is not None and (pressed or first)
    with progress:
        made = planned and make_plan(scenario)  # type: ignore[arg-type]
        show_planning()  # one this run did not wait for (asked before a click ran the page)
    if planned and not made and pressed:
        st.toast(
            "The scenario's YAML edit was refused (see the Scenario tab), so the scenario is "
            "unchanged: its plan is shown."
            if uploads.refused_yaml(scenario_to_yaml(scenario))  # type: ignore[arg-type]
            else "Planned before with these settings: that plan is shown. Change the scenario, "
            "the officers, the time limit or the seed to plan anew."
        )
    if pressed:
        st.session_state["tab"] = "Plan"
        if uploads.typed_yaml() is not None:
            st.warning(
                "The YAML box on the Scenario tab holds text not applied: this plan is of the "
                "scenario without it. Press Apply YAML there, then Plan, to plan it."
            )
    # A planning error shows while the scenario that failed is the one being edited.
    failed = st.session_state.get(FAILED_YAML)
    current = None if scenario is None else scenario_to_yaml(scenario)
    if (error := st.session_state.get("plan_error")) and failed in (None, current):
        drafts.show_error(labelled(error))
    return scenario, current


def main() -> None:
    """Render the page."""
    st.set_page_config(page_title="Patrol planner", layout="wide")
    st.title("Foot-patrol planner")
    # a reloaded page takes back its scenario, sidebar and plan, or is told they are gone
    if note := keep.restore():
        st.warning(note)
    names = drafts.example_names()
    # "scenario" is the sidebar's example, None while a scenario of one's own is open
    if "scenario" not in st.session_state or st.session_state["scenario"] not in [*names, None]:
        st.session_state["scenario"] = DEFAULT_SCENARIO if DEFAULT_SCENARIO in names else None
    if drafts.DRAFT not in st.session_state:
        if st.session_state["scenario"] is None:
            st.error(f"{drafts.SCENARIO_DIR}: no scenario file (*.yaml); add one")
            return
        if error := drafts.load_example(st.session_state["scenario"]):
            drafts.show_error(error)
            return
    pressed = sidebar(names)
    keep.keep()  # the edits this run applies, kept at once: a reload may cut the run short
    # One container, always drawn, holds the messages and the planning progress: what it
    # shows varies, but the tabs after it keep their place, so open sections stay open.
    with st.container():
        scenario, current = checked_and_planned(pressed)
    edited = copy.deepcopy(st.session_state[drafts.DRAFT])
    plan_t, staffing_t, scenario_t = st.tabs(
        ["Plan", "Staffing", "Scenario"], key="tab", on_change="rerun"
    )
    if plan_t.open:
        with plan_t:
            plan_tab(current)
    if staffing_t.open:
        with staffing_t:
            staffing.show_staffing(scenario, st.session_state.get("plan"), _area_of)
    else:
        staffing.keep_edits()
    if scenario_t.open:
        with scenario_t:
            scenario_tab(scenario)
    keep.keep()
    # A section switched on or off changed the draft while drawing: check it again, once.
    if st.session_state[drafts.DRAFT] != edited and not st.session_state.get("redrawn"):
        st.session_state["redrawn"] = True
        st.rerun()
    st.session_state["redrawn"] = False


if __name__ == "__main__":
    main()
