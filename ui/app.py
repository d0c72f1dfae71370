"""Streamlit app: plan a foot-patrol shift and show it on an offline map.

Start it with ``patrol-planner app`` (it passes :func:`planner.cli.streamlit_flags`: loopback
only, no usage statistics, static serving of the blank map style in ``ui/static/``). The script
is thin: sidebar widgets -> :class:`~planner.scenario.Scenario` -> :func:`planner.pipeline.run`
-> render. Plans are made only when Plan is pressed (and once on the first load), kept in
``st.session_state`` and cached by the scenario's YAML text; the map layers are built in
:mod:`ui.map`.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import streamlit as st

REPO = Path(__file__).resolve().parent.parent
# Streamlit puts only this script's folder (ui/) on sys.path; ui.map is imported as a package.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import pydeck as pdk  # noqa: E402

from planner.errors import PlannerError  # noqa: E402
from planner.export import plan_files  # noqa: E402
from planner.pipeline import Area, load_area, run  # noqa: E402
from planner.plan import Plan  # noqa: E402
from planner.scenario import Scenario, load_scenario, parse_scenario, scenario_to_yaml  # noqa: E402
from ui.map import (  # noqa: E402
    MAP_HEIGHT_PX,
    OFFICER_FORMATS,
    build_deck,
    officer_table,
    risk_legend_html,
)

SCENARIO_DIR = REPO / "scenarios"
DEFAULT_SCENARIO = "helsinki_default"
MAX_TIME_LIMIT_S = 3600.0
MIME = {
    ".geojson": "application/geo+json",
    ".gpx": "application/gpx+xml",
    ".csv": "text/csv",
    ".json": "application/json",
}


def scenario_names() -> list[str]:
    """Scenario files offered in the sidebar (stems of ``scenarios/*.yaml``)."""
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.yaml"))


def scenario_path(name: str) -> Path:
    """Return the YAML file of a scenario name."""
    return SCENARIO_DIR / f"{name}.yaml"


def with_inputs(base: Scenario, officers: int, time_limit_s: float) -> Scenario:
    """Apply the sidebar's values to the base scenario, validated like a scenario file.

    Raises
    ------
    planner.errors.ScenarioError
        If a value is out of range (the message names the field).
    """
    data = base.model_dump(mode="json", exclude_none=True)
    data["officers"]["count"] = officers
    data["solver"]["time_limit_s"] = time_limit_s
    source = base.source_file or scenario_path(base.name)
    where = f"{source.relative_to(REPO) if source.is_relative_to(REPO) else source} (sidebar)"
    scenario = parse_scenario(data, where, source.parent)
    return scenario.model_copy(update={"source_file": source})


@st.cache_resource(show_spinner="Loading the street graph", max_entries=4)
def area_for(area_json: str, _scenario: Scenario) -> Area:
    """Load the street graph and OSM features of an area once, shared read-only."""
    return load_area(_scenario)


@st.cache_resource(show_spinner=False, max_entries=16)
def plan_for(scenario_yaml: str, today: str, _scenario: Scenario) -> Plan:
    """Plan ``_scenario`` (whose YAML text, with the day, is the cache key) with a progress bar.

    Plans are read-only values, so one shared copy is cached (no pickling of the street graph).

    The progress bar is created inside the cached function so that a cache hit replays it
    (created, then emptied) instead of updating an element it never saw.
    """
    bar = st.progress(0.0, text="Planning")

    def progress(step: str, number: int, total: int) -> None:
        bar.progress(number / total, text=f"Planning: {step} ({number + 1}/{total})")

    try:
        area = area_for(_scenario.area.model_dump_json(), _scenario)
        return run(_scenario, progress=progress, today=dt.date.fromisoformat(today), area=area)
    finally:
        bar.empty()


@st.cache_data(show_spinner=False, max_entries=16)
def deck_for(plan_key: str, _plan: Plan) -> pdk.Deck:
    """Build the map of the plan identified by ``plan_key``."""
    return build_deck(_plan)


@st.cache_data(show_spinner=False, max_entries=16)
def files_for(plan_key: str, _plan: Plan) -> dict[str, bytes]:
    """Build the export files of the plan identified by ``plan_key``."""
    return plan_files(_plan)


def reset_inputs() -> None:
    """Set the sidebar's values from the chosen scenario file (when it can be read)."""
    try:
        base = load_scenario(scenario_path(st.session_state["scenario"]))
    except PlannerError:
        return  # the page shows the error when it validates the scenario
    st.session_state["officers"] = base.officers.count
    st.session_state["time_limit_s"] = min(float(base.solver.time_limit_s), MAX_TIME_LIMIT_S)


def sidebar(names: list[str]) -> bool:
    """Draw the sidebar; return whether Plan was pressed."""
    if "scenario" not in st.session_state or st.session_state["scenario"] not in names:
        st.session_state["scenario"] = DEFAULT_SCENARIO if DEFAULT_SCENARIO in names else names[0]
    if "officers" not in st.session_state:
        reset_inputs()
    if "officers" not in st.session_state:
        st.session_state["officers"] = 4
        st.session_state["time_limit_s"] = 20.0
    with st.sidebar:
        st.header("Shift")
        st.selectbox("Scenario", names, key="scenario", on_change=reset_inputs)
        st.number_input("Officers on foot", min_value=1, max_value=200, step=1, key="officers")
        st.number_input(
            "Solver time limit (s)",
            min_value=0.5,
            max_value=MAX_TIME_LIMIT_S,
            step=1.0,
            key="time_limit_s",
            help="Seconds per optimiser (posts, routes); the best plan "
            "found in that time is returned.",
        )
        pressed = st.button("Plan", type="primary", width="stretch")
        st.caption(
            "Planning runs only when you press Plan. Everything stays on this machine: "
            "no map tiles, no usage statistics."
        )
    return pressed


def make_plan(scenario: Scenario) -> None:
    """Plan the scenario into ``st.session_state``; a planner error is kept to be shown."""
    today = dt.date.today().isoformat()
    text = scenario_to_yaml(scenario)
    try:
        plan = plan_for(text, today, scenario)
    except PlannerError as exc:
        st.session_state.setdefault("plan", None)
        st.session_state["plan_error"] = str(exc)
        return
    st.session_state["plan"] = plan
    st.session_state["plan_yaml"] = text
    st.session_state["plan_key"] = f"{text}# planned for {today}\n"
    st.session_state.pop("plan_error", None)


def show_plan(plan: Plan, plan_key: str) -> None:
    """KPIs, map, per-officer table, downloads, schedule and run summary."""
    k = plan.kpis
    shift, routes, posts = k["shift"], k["routes"], k["posts"]
    st.caption(
        f"{k['scenario']} · {k['area']} · shift {shift['start'][:16].replace('T', ' ')} to "
        f"{shift['end'][:16].replace('T', ' ')} ({shift['timezone']}) · "
        f"{k['graph']['street_km']:.1f} km of streets · risk model: {k['risk']['method']}"
    )
    presence, covered, dosed, gap = st.columns(4)
    presence.metric(
        "Presence (risk x min)",
        f"{routes['presence_min']:.2f}",
        help="Risk-weighted officer minutes: each street's share of the shift's risk times the "
        "minutes an officer is on it or dwelling within sight of it.",
    )
    covered.metric(
        "Risk covered by posts",
        f"{posts['risk_covered_share']:.1%}",
        help=f"{posts['count']} fixed posts; streets within {posts['visibility_radius_m']:.0f} m "
        "walk of a post count as covered.",
    )
    dosed.metric(
        "Hot spots dosed",
        f"{routes['hotspots_dosed']} of {routes['hotspots']}",
        help=f"Hot spots with at least one dwell; {routes['dose_minutes']:.0f} dwell minutes.",
    )
    solver = routes["solver"]
    gap.metric(
        "Routes gap",
        f"{solver['gap']:.1%}",
        help=f"Routes solver {solver['status']}: objective {solver['objective']:.3f}, "
        f"proven bound {solver['bound']:.3f}.",
    )

    st.pydeck_chart(deck_for(plan_key, plan), height=MAP_HEIGHT_PX)
    st.markdown(risk_legend_html(), unsafe_allow_html=True)
    st.caption(
        "Coloured lines: officers' routes; coloured dots: dwells at hot spots; dark dots in grey "
        "discs: fixed posts and their visibility radius drawn as a circle (coverage counts "
        "walking distance); black and yellow: station. Hover for details."
    )

    officers, downloads = st.columns([3, 2])
    with officers:
        st.subheader(f"Officers ({len(plan.routes)})")
        st.table(officer_table(plan).style.format(OFFICER_FORMATS), hide_index=True)
    with downloads:
        st.subheader("Downloads")
        for name, data in files_for(plan_key, plan).items():
            st.download_button(
                name,
                data,
                file_name=name,
                mime=MIME.get(Path(name).suffix, "text/plain"),
                key=f"download-{name}",
                on_click="ignore",
            )
    st.subheader("Schedule")
    st.dataframe(plan.to_frame(), hide_index=True, height=380)
    with st.expander("Run summary"):
        st.code(plan.summary(), language=None)
    if plan.risk.notes:
        with st.expander("Risk model notes"):
            for note in plan.risk.notes:
                st.write(note)


def main() -> None:
    """Render the page."""
    st.set_page_config(page_title="Patrol planner", layout="wide")
    st.title("Foot-patrol planner")
    names = scenario_names()
    if not names:
        st.error(f"{SCENARIO_DIR}: no scenario file (*.yaml); add one, e.g. helsinki_default.yaml")
        return
    pressed = sidebar(names)
    scenario = None
    try:
        base = load_scenario(scenario_path(st.session_state["scenario"]))
        scenario = with_inputs(base, st.session_state["officers"], st.session_state["time_limit_s"])
    except PlannerError as exc:
        st.error(str(exc))
    if scenario is not None and (pressed or "plan" not in st.session_state):
        make_plan(scenario)
    if error := st.session_state.get("plan_error"):
        st.error(error)
    plan = st.session_state.get("plan")
    if plan is None:
        st.info("No plan yet: set the shift in the sidebar and press Plan.")
        return
    if scenario is not None and scenario_to_yaml(scenario) != st.session_state.get("plan_yaml"):
        st.info("The sidebar differs from the plan shown: press Plan to plan again.")
    show_plan(plan, st.session_state["plan_key"])


main()
