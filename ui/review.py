"""Plan review: KPIs, per-officer and per-hot-spot tables, solver status, warnings, downloads.

Every figure comes from the plan's KPIs (:func:`planner.evaluate.compute_kpis`, the content of
``kpis.json``); this module only picks labels and formats.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import re
import typing
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import BaseModel

from planner.evaluate import (
    followed_kpis,
    kpi_table,
    plan_warnings,
    replan_change_rows,
    replan_gain_note,
    risk_label,
    stayed_at_station,
)
from planner.export import plan_files
from planner.idle import gained_little
from planner.plan import Plan
from planner.scenario import Scenario
from ui.bound import labelled
from ui.draft import (
    PLAN_FILE_LIMIT,
    UPLOADS,
    file_time_limit,
    page_words,
    plain_paths,
    scenario_file,
)

MIME = {
    ".geojson": "application/geo+json",
    ".gpx": "application/gpx+xml",
    ".csv": "text/csv",
    ".json": "application/json",
    ".yaml": "application/x-yaml",
    ".zip": "application/zip",
    ".html": "text/html",
}

METRICS = (
    "Presence (risk x min)",
    "Risk in sight of a stop",
    "Risk covered by posts",
    "Hot spots dosed",
    "Routes gap",
)


def _scenario_keys() -> re.Pattern[str]:
    """Match a key of a scenario section (``dwell.max_visits``, ``officers.meal_break``, ...)."""
    keys = []
    for section, field in Scenario.model_fields.items():
        for kind in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                keys += [f"{section}.{name}" for name in kind.model_fields]
    alternatives = "|".join(re.escape(k) for k in sorted(set(keys), key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b")


#: A scenario key in a message, as the scenario model names its sections' fields.
SCENARIO_KEY = _scenario_keys()
#: A scenario key without the label of its field beside it (:func:`ui.bound.labelled`).
UNLABELLED_KEY = re.compile(SCENARIO_KEY.pattern + r"(?![\w.])(?! \(')")

#: Display format of the per-officer table's columns.
OFFICER_FORMATS = {
    "officer": "{:d}",
    "km walked": "{:.2f}",
    "dwells": "{:d}",
    "dwell min": "{:.0f}",
    "loop min": "{:.0f}",
    "held back min": "{:.0f}",
    "presence (risk x min)": "{:.3f}",
}


def _clock(iso: str | None) -> str:
    return iso[11:16] if iso else ""


def show_kpis(plan: Plan) -> None:
    """Headline KPIs as metrics, with their definitions as help."""
    k = plan.kpis
    routes, posts, solver = k["routes"], k["posts"], k["routes"]["solver"]
    followed = followed_kpis(plan)  # a re-plan: set against the plan it followed
    was = followed["routes"] if followed else None
    # a row that wraps in a narrow window (a laptop at 1024 px), so no label is cut short
    row = st.container(horizontal=True, gap="medium")
    row.metric(
        METRICS[0],
        f"{routes['presence_min']:.2f}",
        **_change(routes["presence_min"] - was["presence_min"], "+.2f") if was else {},
        width="content",
        help="Risk-weighted officer minutes: each street's share of the shift's risk times the "
        "minutes an officer is on it or dwelling within sight of it. The risk of all streets sums "
        "to 1, so 9.5 reads as 9.5 minutes of watching every street at once; it compares plans "
        "of one area and shift, not areas.",
    )
    row.metric(
        METRICS[1],
        f"{routes['risk_in_sight_share']:.1%}",
        width="content",
        help=f"Share of the area's risk on streets within {routes['sight_radius_m']:.0f} m walk "
        f"of at least one stop of the {routes['units']} units on foot."
        + (
            f" Posts (next) watch {posts['visibility_radius_m']:.0f} m each, so the two shares "
            "differ in reach as well as in plan."
            if posts["count"]
            else ""
        ),
    )
    value, said = posts_metric(posts)
    row.metric(METRICS[2], value, help=said, width="content")
    row.metric(
        METRICS[3],
        f"{routes['hotspots_dosed']} of {routes['hotspots']}",
        **_change(routes["hotspots_dosed"] - was["hotspots_dosed"], "+d") if was else {},
        width="content",
        help=f"Hot spots with at least one stop; {routes['dose_minutes']:.0f} dwell minutes.",
    )
    row.metric(
        METRICS[4],
        f"{solver['gap']:.1%}",
        width="content",
        help=gap_help(solver),
    )
    if pointer := warnings_pointer(len(plan_warnings(plan))):
        st.caption(pointer)
    if followed:
        show_replan_change(followed, k)


def warnings_pointer(count: int) -> str | None:
    """Point at the plan's warnings from its figures: they are said below the map."""
    if not count:
        return None
    what = "a warning" if count == 1 else f"{count} warnings"
    return f"⚠️ This plan has {what}, below the map: read before relying on these figures."


def _change(change: float, spec: str) -> dict[str, Any]:
    """Return the metric keywords of a change against the plan followed (none: grey, no arrow)."""
    text = f"{change:{spec}}"
    if float(text) == 0:
        return {"delta": text, "delta_color": "off", "delta_arrow": "off"}
    return {"delta": text}


def show_replan_change(followed: dict[str, Any], kpis: dict[str, Any]) -> None:
    """Set the whole shift as re-planned against the plan followed, as the CLI does."""
    st.caption(
        "Whole shift, against the plan followed (both count what was done before the re-plan): "
        "what the calls cost, and what the re-plan won back. The deltas above are the same."
    )
    if note := replan_gain_note(followed, kpis):
        st.caption(note[0].upper() + note[1:] + ".")
    rows = replan_change_rows(followed, kpis)
    frame = pd.DataFrame(rows, columns=["whole shift", "plan followed", "re-planned", "change"])
    st.dataframe(frame, hide_index=True, width="content")


def posts_metric(posts: dict[str, Any]) -> tuple[str, str]:
    """Return the posts KPI's value and help: "none" when the scenario asks for no posts.

    A share of 0.0 % would read as posts that watch nothing, not as posts never planned.
    """
    if not posts["count"]:
        return "none", "No fixed posts planned (posts.count is 0)."
    return (
        f"{posts['risk_covered_share']:.1%}",
        f"{posts['count']} fixed posts; streets within {posts['visibility_radius_m']:.0f} m "
        "walk of a post count as covered. Posts are an alternative to the foot patrols (where "
        "officers would stand instead of walking), not more officers.",
    )


def gap_help(solver: dict[str, Any]) -> str:
    """Say the routes gap in plain words: what is proven, and what a longer search may do."""
    said = (
        f"No plan of this shift can earn more than {solver['bound']:.3f} risk-weighted minutes "
        f"(a proven bound); this one earns {solver['objective']:.3f}, so it is within "
        f"{solver['gap']:.1%} of the best possible."
    )
    if solver["status"] == "OPTIMAL":
        return f"{said} The search proved it the best."
    if solver["status"] == "FEASIBLE":  # the search ended: no limit cut it short
        return f"{said} The search ended on its own: the gap is the bound's slack, not the plan's."
    gain = solver.get("last_half_gain")
    if gain is None:
        return (
            f"{said} The search stopped at its limit ({solver['status']}): a longer one may "
            "close part of the gap, but most of it is usually the bound's slack, not the plan's."
        )
    stopped = (
        f"{said} The search stopped at its limit ({solver['status']}); its last half added "
        f"{100 * gain:.1f} % to its best plan"
    )
    if gained_little(gain):
        return (
            f"{stopped}, so a longer one would likely add little: the gap is mostly the "
            "bound's slack."
        )
    setting = (
        "more route iterations: solver.route_iterations on the Scenario tab"
        if solver["status"] == "ITERATION_LIMIT"
        else "raise the solver time limit"
    )
    return f"{stopped}: a longer one may close part of the gap ({setting})."


def schedule_table(plan: Plan) -> pd.DataFrame:
    """Return the schedule as the CSV has it, with clock times (HH:MM) to read on screen.

    Stop numbers stay numbers (they sort 2 before 10); draw the table with ``placeholder=""``
    so that rows that are no stop leave the number blank, as the CSV does (not "None").
    """
    return clock_times(plan.to_frame())


def clock_times(schedule: pd.DataFrame) -> pd.DataFrame:
    """Rows of :meth:`Plan.to_frame` with their ISO start and end cut to clock times (HH:MM)."""
    return schedule.assign(start=schedule["start"].str[11:16], end=schedule["end"].str[11:16])


def officer_table(plan: Plan) -> pd.DataFrame:
    """Per-officer (or per-unit, for pairs) figures from the plan's KPIs, readable columns."""
    who = plan.unit_word
    rows = [
        {
            who: o["officer"],
            "km walked": o["km_walked"],
            "dwells": o["dwells"],
            "dwell min": o["dwell_min"],
            "loop min": o["loop_min"],
            "held back min": o["held_back_min"],
            "meal break": (
                f"{_clock(o['break']['start'])}, {o['break']['minutes']:.0f} min"
                if o["break"]
                else ""
            ),
            "back at station": _back(o),
            "presence (risk x min)": o["presence_min"],
        }
        for o in plan.kpis["routes"]["per_officer"]
    ]
    columns = [who, "km walked", "dwells", "dwell min", "loop min", "held back min", "meal break"]
    return pd.DataFrame(rows, columns=[*columns, "back at station", "presence (risk x min)"])


def _back(o: dict[str, Any]) -> str:
    """Say when a unit is back at the station, late, stayed there or gone (its KPIs ``o``)."""
    if o.get("gone_at"):
        return f"gone from {_clock(o['gone_at'])}"  # it is not walked back
    if stayed_at_station(o):
        return "stayed all shift"
    late = f", {math.ceil(o['late_min'])} min late" if o.get("late_min") else ""
    return _clock(o["back_at_station"]) + late


def dosage_table(plan: Plan) -> pd.DataFrame:
    """Per dosed hot spot: place, stops, minutes, arrival times, gaps, and who stopped there."""
    who = f"{plan.unit_word}s"  # officers, or units of two
    officers: dict[int, set[int]] = {}
    for d in plan.kpis["hotspot_dosage"]:
        officers.setdefault(d["hotspot"], set()).add(d["officer"])
    rows = [
        {
            "hot spot": s["hotspot"],
            "place": s["place"],
            "stops": s["visits"],
            "minutes": s["minutes"],
            "arrivals": ", ".join(_clock(a) for a in s["arrivals"]),
            "gaps (min)": _clock_gaps(s["arrivals"]),
            who: ", ".join(str(o) for o in sorted(officers.get(s["hotspot"], ()))),
        }
        for s in plan.kpis["hotspots_dosed"]
    ]
    columns = ["hot spot", "place", "stops", "minutes", "arrivals", "gaps (min)", who]
    return pd.DataFrame(rows, columns=columns)


def _clock_gaps(arrivals: list[str]) -> str:
    """Whole minutes between arrivals as their clock times (HH:MM) show them."""
    at = [dt.datetime.fromisoformat(a).replace(second=0, microsecond=0) for a in arrivals]
    return ", ".join(f"{(b - a).total_seconds() / 60:.0f}" for a, b in itertools.pairwise(at))


def exposure_table(plan: Plan) -> pd.DataFrame:
    """Per area: street km, shares of the risk, presence and officer-minutes, stops, posts."""
    rows = [
        {
            "area": a["neighbourhood"],
            "street km": a["street_km"],
            "risk": a["risk_share"],
            "presence": a["presence_share"],
            "presence / risk": a["presence_per_risk"],
            "officer-min": a["officer_min"],
            "stops": a["stops"],
            "posts": a["posts"],
        }
        for a in plan.kpis["neighbourhoods"]["areas"]
    ]
    columns = [
        "area", "street km", "risk", "presence", "presence / risk", "officer-min", "stops", "posts"
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def post_table(plan: Plan) -> pd.DataFrame:
    """Per fixed post: its number (as in the briefing), place and share of the risk in sight."""
    rows = [
        {"post": p["post"], "place": p["place"], "risk in sight": p["watched_risk"]}
        for p in plan.kpis["posts"]["locations"]
    ]
    return pd.DataFrame(rows, columns=["post", "place", "risk in sight"])


def solver_table(plan: Plan) -> pd.DataFrame:
    """Status, objective, bound, gap and seconds of each optimiser."""
    rows = []
    for label, stats in (("posts", plan.posts_stats), ("routes", plan.routes_stats)):
        if stats is None:
            continue
        gap = plan.kpis[label]["solver"]["gap"]  # rounded as everywhere else (3.75 %: 3.8 %)
        rows.append(
            {
                "step": label,
                "solver": stats.solver,
                "status": stats.status,
                "objective": round(stats.objective, 4),
                "bound": round(stats.bound, 4),
                "gap": f"{gap:.1%}",
                "seconds": round(plan.timings_s.get(label, stats.runtime_s), 2),
            }
        )
    return pd.DataFrame(rows)


def scenario_keys_note(warnings: list[str]) -> str | None:
    """Say where the app names the scenario keys ``warnings`` use without a field's label."""
    if not any(UNLABELLED_KEY.search(w) for w in warnings):
        return None
    return (
        "Names such as dwell.max_visits are the scenario file's keys: on the Scenario tab, each "
        "field's help (?) names its key."
    )


def zip_gpx(files: dict[str, bytes]) -> bytes:
    """Pack the officers' GPX files in one zip (fixed file dates: same plan, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            if name.endswith(".gpx"):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    return buffer.getvalue()


def download_files(
    plan: Plan, files: dict[str, bytes], scenario_yaml: str, uploads: str | None = None
) -> dict[str, bytes]:
    """Gather the downloads by file name: GPX zip, briefing, GeoJSON, CSV, KPIs, routes, YAML.

    Each name starts with :func:`download_stem`, so that the downloads of another scenario,
    shift or staffing do not replace them in the downloads folder; the YAML is the scenario's
    (``helsinki_default.yaml``). Files uploaded to ``uploads`` (the session's folder) are named
    as uploaded.
    """
    name = download_stem(plan)
    texts = {
        n: _uploads_named(data, uploads) for n, data in files.items() if not n.endswith(".gpx")
    }
    out = {f"{name}_gpx.zip": zip_gpx(files), f"{name}_briefing.html": texts["briefing.html"]}
    out |= {f"{name}_{n}": data for n, data in texts.items()}
    out[f"{plan.scenario.name}.yaml"] = scenario_yaml.encode()
    return out


def download_stem(plan: Plan) -> str:
    """Name a plan's downloads: the scenario, the shift's start, the officers, a re-plan's time.

    ``helsinki_default_2026-12-11_1800_4-officers``, and ``_replanned-2130`` for a re-plan.
    """
    officers = len(plan.routes) * plan.scenario.officers.unit_size
    stem = f"{plan.scenario.name}_{plan.shift_start:%Y-%m-%d_%H%M}_{officers}-officers"
    if made := re.search(r"re-planned at (\d\d):(\d\d)", plan.label):
        stem += f"_replanned-{made[1]}{made[2]}"
    return stem


def _uploads_named(data: bytes, uploads: str | None) -> bytes:
    """Return a text file with uploaded files named as the user called them (:func:`plain_paths`).

    The KPIs and the briefing name the area and incident files read, which for uploads are
    copies in a server folder removed when the app stops.
    """
    if uploads is None:
        return data
    text = data.decode("utf-8")
    named = plain_paths(text, uploads)
    return data if named == text else named.encode("utf-8")


def download_names(plan: Plan) -> list[str]:
    """File names of :func:`download_files` in its order, without building the files."""
    name = download_stem(plan)
    files = ["briefing.html", "plan.geojson", "schedule.csv", "kpis.json"]
    if plan.kpis["neighbourhoods"]["areas"]:
        files.append("neighbourhoods.csv")
    files.append("routes.json")
    return [f"{name}_gpx.zip", *(f"{name}_{f}" for f in files), f"{plan.scenario.name}.yaml"]


def export_files(plan: Plan, scenario_yaml: str, uploads: str | None = None) -> dict[str, bytes]:
    """Build every download of a plan (the library's exports, the GPX zip, the YAML)."""
    return download_files(plan, plan_files(plan), scenario_yaml, uploads)


def _one_file(build: Callable[[], dict[str, bytes]], name: str) -> Callable[[], bytes]:
    return lambda: build()[name]


def show_downloads(plan: Plan) -> None:
    """One download button per file; the files are built once, when a button is first pressed.

    The scenario's file text is made now: the session state it reads is not there when the
    button's file is built.
    """
    used = plan.scenario.solver.time_limit_s
    own = st.session_state.get(PLAN_FILE_LIMIT, file_time_limit(used))
    scenario_yaml = scenario_file(plan.scenario, own)
    uploads = st.session_state.get(UPLOADS)  # read now, as the scenario's text
    built: dict[str, bytes] = {}

    def build() -> dict[str, bytes]:
        if not built:
            built.update(export_files(plan, scenario_yaml, uploads))
        return built

    if own != used:
        st.caption(
            f"The scenario file keeps its own time limit, {own:g} s; this plan was made with "
            f"the app's {used:g} s preview: plan the file for the full search."
        )
    row = st.container(horizontal=True)  # wraps: every file name shown whole
    for name in download_names(plan):
        row.download_button(
            name,
            _one_file(build, name),
            file_name=name,
            mime=MIME.get(Path(name).suffix, "text/plain"),
            key=f"download-{name}",
            on_click="ignore",
            width="content",
        )


def show_review(plan: Plan) -> None:
    """Tables, solver status, warnings and downloads below the map."""
    if warnings_ := [labelled(page_words(w)) for w in plan_warnings(plan)]:
        st.warning("\n\n".join(warnings_), icon="⚠️")
        if note := scenario_keys_note(warnings_):
            st.caption(note)
    units = len(plan.routes)
    pairs = f"Units ({units}): {plan.scenario.officers.unit_size * units} officers in pairs"
    st.subheader(pairs if plan.unit_word == "unit" else f"Officers ({units})")
    formats = {**OFFICER_FORMATS, plan.unit_word: "{:d}"}
    st.table(officer_table(plan).style.format(formats), hide_index=True)
    st.caption(
        "Loop min: spare time walked as loops of streets. A street's first pass, by whichever "
        "unit walks it first, earns its full presence and later passes less, so a unit's "
        "presence is what its own passes earned, not what the plan would lose without it."
    )
    st.subheader("Downloads")
    show_downloads(plan)
    st.subheader("Hot spots dosed")
    st.dataframe(
        dosage_table(plan),
        hide_index=True,
        column_config={"minutes": st.column_config.NumberColumn(format="%.0f")},
    )
    show_exposure(plan)
    if plan.posts:
        st.subheader(f"Posts ({len(plan.posts)})")
        st.caption(
            "An alternative to the foot patrols: where officers would stand to watch the most "
            "risk if they did not walk. Posts are not extra officers, and no route stops at them."
        )
        st.dataframe(
            post_table(plan),
            hide_index=True,
            column_config={
                "risk in sight": st.column_config.NumberColumn(
                    format="percent",
                    help="Share of the area's risk within the post's radius (each post on its "
                    "own: overlapping posts add up to more than the posts' coverage).",
                )
            },
        )
    st.subheader("Solvers")
    st.dataframe(
        solver_table(plan),
        hide_index=True,
        column_config={
            "seconds": st.column_config.NumberColumn(
                help="The whole step, as the clock ran: building the problem, then the search. "
                "The time limit holds for the search alone.",
            )
        },
    )
    st.subheader("Schedule")
    word = plan.unit_word
    every = f"every {word}"
    choices = [every, *(f"{word.capitalize()} {r.officer}" for r in plan.routes)]
    shown = st.selectbox("Schedule of", choices, key="schedule_of", width=220)
    schedule = schedule_table(plan)
    if shown not in (every, None):  # one unit's timetable, as its briefing page has it
        schedule = schedule[schedule[word] == int(shown.rsplit(" ", 1)[1])]
    degrees = st.column_config.NumberColumn(format="%.5f")  # about a metre, all alike
    st.dataframe(
        schedule,
        hide_index=True,
        height=380,
        placeholder="",
        column_config={
            "lat": degrees,
            "lon": degrees,
            "minutes": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    with st.expander("Run summary"):
        st.code(plain_paths(kpi_table(plan)), language=None, wrap_lines=True)
    if plan.risk.notes:
        with st.expander("Risk model notes"):
            for note in plan.risk.notes:
                st.write(page_words(note))


def show_exposure(plan: Plan) -> None:
    """Show the exposure per area, and where the areas come from (or why there are none)."""
    hoods = plan.kpis["neighbourhoods"]
    st.subheader("Exposure by area")
    if not hoods["areas"]:
        st.caption(" ".join(hoods["notes"]) or "No areas to report on.")
        return
    notes = "".join(f" {note[0].upper()}{note[1:]}." for note in hoods["notes"])
    st.caption(
        f"Areas: {hoods['source']}. Shares of the whole area's risk, of the plan's presence "
        "(risk x minutes) and of the officers' minutes on the streets (walking, stopping, "
        "waiting, free for calls; a pair counts twice). Presence / risk is 1 where presence "
        "follows the risk; a hot-spot plan concentrates it, so areas with no hot spot get "
        f"little.{notes}"
    )
    percent = st.column_config.NumberColumn(format="percent")
    st.dataframe(
        exposure_table(plan),
        hide_index=True,
        column_config={
            "risk": percent,
            "presence": percent,
            "presence / risk": st.column_config.NumberColumn(format="%.2f"),
            "officer-min": st.column_config.NumberColumn(format="%.0f"),
        },
    )


def kpi_caption(kpis: dict[str, Any]) -> str:
    """One line: scenario, area, shift, streets and risk model."""
    shift, area = kpis["shift"], plain_paths(str(kpis["area"]))  # an upload: as uploaded
    return (
        f"{kpis['scenario']} · {area} · shift {shift['start'][:16].replace('T', ' ')} to "
        f"{shift['end'][:16].replace('T', ' ')} ({shift['timezone']}) · "
        f"{kpis['graph']['street_km']:.1f} km of streets · risk model: {risk_label(kpis['risk'])}"
    )


def walking_place(action: str, place: str, here: str | None) -> str:
    """Say where a unit is from its schedule row: on a walk, where it walks now, then whither.

    ``here`` is :meth:`Plan.walking_at`; rows other than walks keep ``place``.
    """
    if not action.startswith("walk") or here is None:
        return place
    if action == "walk a loop":
        return f"{here}, on a loop back to {place}"
    return f"{here}, to {place}"
