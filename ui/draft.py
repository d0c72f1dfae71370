"""The scenario being edited: a plain mapping in session state, checked by the library.

The scenario being edited is a plain mapping, the *draft*, kept in ``st.session_state`` (the
same keys as a scenario file, paths absolute). It is validated by
:func:`planner.scenario.parse_scenario`, so the page shows the command line's own messages.
Loading a YAML file replaces the draft and forgets the editor's widgets (:mod:`ui.editor`),
which are then seeded again from it. The officer count and the solver time limit live in the
sidebar (keys ``officers`` and ``time_limit_s``); :func:`current_scenario` applies them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import tempfile
import uuid
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from planner.errors import PlannerError, PlannerWarning
from planner.graph import StreetGraph
from planner.incidents import MAP_TYPES, load_incidents
from planner.inspection import inspect_incidents
from planner.scenario import (
    RELATIVE_NOTE,
    AreaSpec,
    IncidentSpec,
    RiskSpec,
    Scenario,
    match_form,
    parse_scenario,
    read_yaml,
    scenario_to_yaml,
)
from planner.snapping import snap_incidents

REPO = Path(__file__).resolve().parent.parent
SCENARIO_DIR = REPO / "scenarios"

#: Solver seconds per optimiser the app plans with when it opens an example scenario: small
#: enough that a re-plan of the default takes under 3 s once the street graph is loaded.
APP_TIME_LIMIT_S = 1.5
MAX_TIME_LIMIT_S = 3600.0

#: Session-state keys: the draft, where it came from (for messages), widget key prefix.
DRAFT, WHERE, BASE_DIR, WIDGET = "draft", "draft_where", "draft_dir", "ed:"
INCIDENT_ERROR, INCIDENT_REPORTS, UPLOADS = "incident_error", "incident_reports", "upload_dir"
#: The column mapping the loader's last refusal suggests (``IncidentDataError.mapping``).
INCIDENT_MAPPING = "incident_mapping"
INCIDENT_NOTE = "incident_note"  # what the last upload did besides adding a file
FAILED_YAML = "plan_failed_yaml"  # the scenario (as YAML) whose planning failed last
#: The YAML box: its widget key, and text typed in it (not applied) with the scenario text it
#: was typed over, shown again after a reload or a refused upload while that text is current.
YAML_BOX, YAML_TYPED, YAML_TYPED_OVER = "yaml_box", "yaml_typed", "yaml_typed_over"
SET_ASIDE = "draft_set_aside"  # edited drafts other scenarios replaced, to take back
#: Edited drafts kept to take back, at most (the oldest is forgotten first).
MAX_SET_ASIDE = 5
OPENED = "draft_opened"  # what the scenario said when opened, to tell edits made in the app
#: The opened scenario's own time limit and the one the sidebar got (capped for a preview).
OWN_LIMIT, PREVIEW_LIMIT = "draft_own_limit", "draft_preview_limit"
#: Session key of the time limit the scenario file of the plan on screen keeps (its own
#: scenario's, taken when it was planned: the editor may have opened another since).
PLAN_FILE_LIMIT = "plan_file_limit"
#: Session key of (area, street graph) of the area the Scenario tab's map drew last.
AREA_STREETS = "area_streets"
#: Session key of where the Scenario tab's map found each station named as an OSM police
#: station or node: scenario key (``officers.station``) -> (lat, lon), a point's first value.
FOUND_STATIONS = "found_stations"
#: Session key counting each uploader's clearings: each draws it under a new key, empty.
UPLOADERS_CLEARED = "uploaders_cleared"
UPLOADERS = ("yaml_upload", "incident_upload")


# ---------------------------------------------------------------------------------------------
# The draft: a scenario mapping in session state


def get_in(data: dict[str, Any], path: str, default: Any = None) -> Any:  # noqa: ANN401
    """Value at a dotted ``path`` of a nested mapping, or ``default``."""
    current: Any = data
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            return default
        current = current[part]
    return current


def set_in(data: dict[str, Any], path: str, value: Any) -> None:  # noqa: ANN401
    """Set a dotted ``path`` of a nested mapping (``None`` removes the key)."""
    *parents, last = path.split(".")
    current = data
    for part in parents:
        current = current.setdefault(part, {})
    if value is None:
        current.pop(last, None)
    else:
        current[last] = value


def draft_of(scenario: Scenario) -> dict[str, Any]:
    """Return the editable mapping of a validated scenario (paths absolute, no unset options)."""
    return scenario.model_dump(mode="json", exclude_none=True, exclude={"source_file"})


def parse_text(text: str, where: str, base_dir: Path) -> Scenario:
    """Validate scenario YAML text exactly as :func:`planner.scenario.load_scenario` does.

    Raises
    ------
    planner.errors.ScenarioError
        With the command line's message (``where`` names the file).
    """
    return parse_scenario(read_yaml(text, where), where, base_dir, text)


def example_path(name: str) -> Path:
    """Return the YAML file of an example scenario (``scenarios/<name>.yaml``)."""
    return SCENARIO_DIR / f"{name}.yaml"


def example_names() -> list[str]:
    """List the example scenarios offered in the sidebar (stems of ``scenarios/*.yaml``)."""
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.yaml"))


def shown_path(path: Path) -> str:
    """Show a path as the command line prints it when run from the repository root."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def use_draft(scenario: Scenario, where: str, base_dir: Path, time_limit_s: float) -> None:
    """Make ``scenario`` the one being edited and seed the sidebar and the editor from it.

    Call it from a callback or before the widgets are drawn (it sets widget values).
    """
    set_aside()
    data = draft_of(scenario)
    st.session_state[DRAFT] = data
    st.session_state[OPENED] = _content(scenario)
    st.session_state[WHERE] = where
    st.session_state[BASE_DIR] = str(base_dir)
    st.session_state["officers"] = int(get_in(data, "officers.count", 4))
    st.session_state["time_limit_s"] = min(float(time_limit_s), MAX_TIME_LIMIT_S)
    st.session_state[OWN_LIMIT] = scenario.solver.time_limit_s
    st.session_state[PREVIEW_LIMIT] = st.session_state["time_limit_s"]
    # the sidebar's example box: the example this is, else blank (so any example can be chosen)
    st.session_state["scenario"] = example_of(where)
    _forget_page_state()


def uploader_key(name: str) -> str:
    """Return the widget key uploader ``name`` is drawn under now (see :func:`clear_uploaders`)."""
    return f"{name}-{st.session_state.get(UPLOADERS_CLEARED, {}).get(name, 0)}"


def clear_uploaders(*names: str) -> None:
    """Take the file off uploaders ``names`` (all, if none): the next run draws them anew.

    A file stays on an uploader only while it is refused, to read again with other settings.
    One opened or listed shows where it went (the scenario edited, the list of incident
    files), so the uploader's cross cannot seem to take it back; and a scenario opened since
    shows none of the files given to the one before.
    """
    cleared = dict(st.session_state.get(UPLOADERS_CLEARED, {}))
    for name in names or UPLOADERS:
        cleared[name] = cleared.get(name, 0) + 1
    st.session_state[UPLOADERS_CLEARED] = cleared


def _forget_page_state() -> None:
    """Forget what the page showed of the draft replaced: its widgets, errors and typed YAML."""
    clear_uploaders()
    for key in [k for k in st.session_state if str(k).startswith(WIDGET)]:
        del st.session_state[key]
    st.session_state.pop(INCIDENT_ERROR, None)
    st.session_state.pop(INCIDENT_NOTE, None)
    st.session_state.pop("staffing_error", None)  # about the shift table of the one before
    if (box := st.session_state.pop(YAML_BOX, None)) is not None:
        st.session_state.pop(box, None)  # text typed over the scenario replaced
    st.session_state.pop(YAML_TYPED, None)


#: What a draft is, besides the editor's widgets: set aside and taken back together.
DRAFT_STATE = (DRAFT, OPENED, WHERE, BASE_DIR, OWN_LIMIT, PREVIEW_LIMIT, "officers", "time_limit_s")


def edited() -> bool:
    """Whether the draft differs from the scenario it was opened as (an invalid one does)."""
    try:
        scenario = current_scenario()
    except PlannerError:
        return True
    return _content(scenario) != st.session_state[OPENED]


def set_aside() -> None:
    """Keep the draft being replaced when it holds edits, so that they can be taken back.

    Drafts set aside from other scenarios stay (up to :data:`MAX_SET_ASIDE`); one set aside
    before from the same place under the same name is replaced by this newer one.
    """
    if DRAFT in st.session_state and edited():
        kept = {
            key: copy.deepcopy(st.session_state[key])
            for key in DRAFT_STATE
            if key in st.session_state
        }
        others = [d for d in set_aside_drafts() if _identity(d) != _identity(kept)]
        st.session_state[SET_ASIDE] = [*others, kept][-MAX_SET_ASIDE:]


def _identity(kept: dict[str, Any]) -> tuple[str, str]:
    """Where a kept draft was opened from, and its name: a newer one of the same replaces it."""
    return str(kept.get(WHERE, "")), str(kept.get(DRAFT, {}).get("name", ""))


def set_aside_drafts() -> list[dict[str, Any]]:
    """Return the drafts set aside, the most recent last."""
    return list(st.session_state.get(SET_ASIDE) or [])


def take_back(index: int = -1) -> None:
    """Make a draft set aside (``index`` in :func:`set_aside_drafts`) the one being edited.

    A button's callback: the draft it replaces is set aside in turn when it holds edits, so
    two drafts swap.
    """
    drafts = set_aside_drafts()
    if not drafts:
        return
    kept = drafts.pop(index)
    st.session_state[SET_ASIDE] = drafts
    set_aside()
    st.session_state.update(kept)
    _forget_page_state()
    if (name := example_of(st.session_state.get(WHERE, ""))) is not None:
        st.session_state["scenario"] = name  # the sidebar shows the example taken back


def example_of(where: str) -> str | None:
    """Return the example scenario a draft opened from ``where`` came from, if any."""
    found = re.fullmatch(r"scenarios/([^/]+)\.yaml(?: \(.*\))?", where)
    return found.group(1) if found and found.group(1) in example_names() else None


def load_example(name: str) -> str | None:
    """Open an example scenario with the app's short time limit; return an error message."""
    path = example_path(name)
    try:
        text = path.read_text(encoding="utf-8")
        scenario = parse_text(text, shown_path(path), path.parent)
    except (OSError, PlannerError) as exc:
        return str(exc)
    limit = min(scenario.solver.time_limit_s, APP_TIME_LIMIT_S)
    use_draft(scenario, shown_path(path), path.parent, limit)
    return None


UPLOADS_NOT_SAVED = (
    "A file uploaded in the app is not saved in the scenario's YAML, only its name (save the "
    "scenario with its files to keep them in one .zip): in the YAML box below, write where the "
    "file is on this machine, or remove its entry, apply, and upload the file again on the "
    "Scenario tab"
)


def _names_a_file_alone(text: str, error: str) -> bool:
    """Whether ``error`` is a missing file that ``text`` names without a folder.

    The YAML the app saves names an uploaded file so: by its name alone.
    """
    missing = re.search(r"file not found: (.+?); check the path", error)
    if missing is None:
        return False
    name = re.escape(Path(missing.group(1)).name)
    return re.search(rf"path:\s*['\"]?{name}['\"]?\s*$", text, re.MULTILINE) is not None


def load_text(
    text: str, where: str, base_dir: Path = SCENARIO_DIR, bundle: bool = False
) -> str | None:
    """Open scenario YAML text as it is (time limit included); return an error message.

    ``bundle``: the text is that of a bundle ``where`` unpacked into ``base_dir``.
    """
    try:
        scenario = parse_text(text, where, base_dir)
    except PlannerError as exc:
        if bundle:  # its files are those of the zip
            note = "(the zip holds no such file: save the scenario with its files again)"
            return plain_paths(str(exc).replace(RELATIVE_NOTE, note))
        # text opened in the app has no folder of its own: its paths are read from base_dir
        said = str(exc).replace(
            RELATIVE_NOTE, f"(in the app, relative paths are read from {base_dir})"
        )
        if _names_a_file_alone(text, said):
            return f"{said}. {UPLOADS_NOT_SAVED}"
        return said
    use_draft(scenario, where, base_dir, scenario.solver.time_limit_s)
    return None


def current_scenario() -> Scenario:
    """Validate the scenario being edited, with the sidebar's officer count and time limit.

    Raises
    ------
    planner.errors.ScenarioError
        With the command line's message when a value is invalid.
    """
    data = copy.deepcopy(st.session_state[DRAFT])
    set_in(data, "officers.count", int(st.session_state["officers"]))
    set_in(data, "solver.time_limit_s", float(st.session_state["time_limit_s"]))
    # The scenario as opened was valid, so an error comes from an edit made in the app.
    where_edited = st.session_state[WHERE] + " (edited)"
    scenario = parse_scenario(data, where_edited, Path(st.session_state[BASE_DIR]))
    edited = _content(scenario) != st.session_state[OPENED]
    # Messages of later steps name the file only while the scenario is what the file says.
    where = REPO / st.session_state[WHERE]
    source = where if where.is_file() and not edited else None
    return scenario.model_copy(update={"source_file": source})


def scenario_file(scenario: Scenario, limit: float | None = None) -> str:
    """Return the scenario as YAML to keep or share, not tied to this server's checkout.

    The time limit is the scenario's own while the sidebar holds the app's preview limit (a
    limit set in the sidebar is kept). The output folder is written relative to the scenario's
    folder when both lie in this checkout (as the shipped examples write it), else left out, so
    that the file writes to ``out/<name>`` beside wherever it is saved. A scenario renamed in
    the app writes to a folder of its new name beside the one it was opened with. ``limit``
    gives the time limit to keep instead (that of the plan on screen, see
    :data:`PLAN_FILE_LIMIT`).
    """
    text = scenario_to_yaml(saved_scenario(scenario, limit))
    named = plain_paths(text)  # uploads live in a folder removed with the server
    if named == text:
        return text
    return (
        "# Files uploaded in the app are named without a folder: keep them beside this file\n"
        "# (or save the scenario with its files, as one .zip).\n" + named
    )


def saved_scenario(scenario: Scenario, limit: float | None = None) -> Scenario:
    """Return ``scenario`` with the time limit and output folder it is saved with.

    See :func:`scenario_file`; a bundle (:func:`planner.bundle.pack`) keeps its time limit too.
    """
    if limit is None:
        limit = file_time_limit(scenario.solver.time_limit_s)
    update: dict[str, Any] = {"solver": scenario.solver.model_copy(update={"time_limit_s": limit})}
    update["output_dir"] = saved_output_dir(scenario.output_dir, scenario.name)
    return scenario.model_copy(update=update)


def saved_output_dir(out: Path | None, name: str) -> Path | None:
    """Return the output folder a saved scenario named ``name`` keeps (:func:`scenario_file`)."""
    base = Path(st.session_state[BASE_DIR]).resolve()
    opened = st.session_state.get(OPENED, {}).get("name")
    if out is not None and out.name == opened and name != opened:
        out = out.parent / name  # renamed: its own folder, not the one it came from
    if out is None or not (out.is_relative_to(REPO) and base.is_relative_to(REPO)):
        return None
    return Path(os.path.relpath(out, base))


def file_time_limit(limit: float) -> float:
    """Return the time limit a scenario planned with ``limit`` keeps when saved.

    The scenario's own while the sidebar holds the app's preview limit, else ``limit``.
    """
    if st.session_state.get("time_limit_s") == st.session_state.get(PREVIEW_LIMIT):
        return float(st.session_state.get(OWN_LIMIT, limit))
    return limit


def _content(scenario: Scenario) -> dict[str, Any]:
    """Return what a scenario says, all but its file and the app's time limit (not edits)."""
    content = scenario.model_dump(mode="json", exclude={"source_file"})
    del content["solver"]["time_limit_s"]
    return content


def draft() -> dict[str, Any]:
    """Return the draft being edited (a mapping in session state)."""
    return st.session_state[DRAFT]


@st.cache_resource(show_spinner=False)
def _upload_root() -> tempfile.TemporaryDirectory:
    """One temporary folder per server for uploaded files (removed when the server stops)."""
    return tempfile.TemporaryDirectory(prefix="patrol-planner-uploads-")


def upload_folder() -> Path:
    """Make a new folder under this session's upload folder (one per upload); return it."""
    if UPLOADS not in st.session_state:
        st.session_state[UPLOADS] = str(Path(_upload_root().name) / uuid.uuid4().hex)
    folder = Path(st.session_state[UPLOADS]) / uuid.uuid4().hex[:8]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(name: str, data: bytes) -> Path:
    """Write an uploaded file under this session's upload folder; return its path."""
    target = upload_folder() / Path(name).name
    target.write_bytes(data)
    return target


def show_error(message: str) -> None:
    """Show an error box, each line of the message on a line of its own.

    Markdown joins lines a single newline parts; a scenario's problems come one to a line.
    """
    st.error(message.replace("\n", "  \n"))


def plain_paths(message: str, uploads: str | None = None) -> str:
    """Name uploaded files in ``message`` as the user called them, not by their server copy.

    ``uploads`` is the session's upload folder, read from the session state when not given.
    """
    uploads = uploads or st.session_state.get(UPLOADS)
    if uploads is None:
        return message
    return re.sub(re.escape(uploads) + r"/[0-9a-f]{8}/", "", message)


#: How the library's messages name the command line's options, which this page does not have.
COMMAND_LINE = "on the command line"


def page_words(message: str) -> str:
    """Return a planner message as this page says it: uploads by name, no command-line options.

    A message names a scenario key and, for the command line, its option: ``type_col (on the
    command line --type-col)``, ``time_col, on the command line --time-col``, ``...; on the
    command line --x-col C ...``. The page edits the scenario, so each clause naming the
    command line goes: a parenthesis of its own whole, else from the comma or semicolon that
    opens it to the end of its clause.
    """
    text, seen = plain_paths(message), 0
    while (at := text.find(COMMAND_LINE, seen)) >= 0:
        clause = _clause(text, at)
        if clause is None:  # a sentence of its own: kept
            seen = at + len(COMMAND_LINE)
            continue
        start, end = clause
        if text[start] == "(" and end < len(text) and text[end] == ")":
            start, end = start - (start > 0 and text[start - 1] == " "), end + 1
        text, seen = text[:start] + text[end:], start
    return text


def _clause(text: str, at: int) -> tuple[int, int] | None:
    """Return where the clause holding ``text[at]`` opens (its "(", "," or ";") and ends.

    It ends before the ")" or ";" that closes it (or at the text's end); parentheses inside it
    are skipped whole. None when nothing opens it.
    """
    depth, start = 0, None
    for i in range(at - 1, -1, -1):
        char = text[i]
        depth += {")": 1, "(": -1}.get(char, 0)
        if depth < 0 or (depth == 0 and char in ",;"):
            start = i
            break
    if start is None:
        return None
    depth, end = 0, len(text)
    for i in range(at, len(text)):
        char = text[i]
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0 or (depth == 0 and char == ";"):
            end = i
            break
    return start, end


MAP_TYPES_HERE = (
    "choose their category in the table of offence types below; the scenario keeps it as "
    "type_categories"
)
"""How to put unmapped offence types in a harm category, said on this page."""


class IncidentSummary(NamedTuple):
    """What the loader said of an incident file of the draft, kept by its path."""

    line: str  # rows read, kept and dropped, and how many lie near the planned streets
    details: str  # the whole inspection, as ``patrol-planner incidents inspect`` prints it
    types: pd.DataFrame  # offence types: crime_type, category, rows, kept, harm, mapped
    read_with: str  # the entry and harm settings it was read with (:func:`incident_reading`)


def incident_reading(entry: dict[str, Any]) -> str | None:
    """Return what reading the ``incidents`` entry depends on: it, and the scenario's harm.

    A summary read with other settings (YAML applied since, harm weights changed) is out of
    date. None while the entry or the risk section does not read.
    """
    try:
        spec = IncidentSpec.model_validate(entry)
        risk = RiskSpec.model_validate(draft().get("risk", {}))
    except (PlannerError, ValueError):
        return None
    return _reading(spec, risk)


def _reading(spec: IncidentSpec, risk: RiskSpec) -> str:
    """Return an incident file's entry and the scenario's harm settings as one text."""
    harm = {"weights": risk.harm_weights_days, "exclude": risk.harm_exclude}
    return f"{spec.model_dump_json()}{json.dumps(harm, sort_keys=True)}"


def _said_here(text: str) -> str:
    """Return a loader's text as this page says it (:func:`page_words`), types mapped below."""
    return page_words(text.replace(MAP_TYPES, MAP_TYPES_HERE))


def incident_summary(entry: dict[str, Any]) -> IncidentSummary | None:
    """Return the loader's summary of a draft's ``incidents`` entry while it is up to date."""
    report = st.session_state.get(INCIDENT_REPORTS, {}).get(str(entry["path"]))
    if report is None or report.read_with != incident_reading(entry):
        return None
    return report


#: How the refusal of an incident file already listed ends: reading it again cannot change it.
ALREADY_LISTED = (
    "already listed: its incidents would count twice; remove that one first to read it with "
    "other settings"
)


def add_incident_file(name: str, data: bytes, spec: dict[str, Any]) -> str | None:
    """Check an uploaded incident file with the loader and add it to the draft.

    Parameters
    ----------
    name : str
        File name as uploaded (it names the file in messages).
    data : bytes
        The file's content.
    spec : dict
        ``schema``, column mapping and ``max_snap_m`` (an ``incidents`` entry without path).

    Returns
    -------
    str or None
        The loader's message when the file is refused, else ``None`` (the loader's summary is
        kept in ``st.session_state["incident_reports"]`` by path, see :func:`read_incidents`).

    A file of the name of one uploaded before replaces it (a corrected export): a scenario
    names its uploads by name, so two of one name could not be planned again from its YAML.
    The session's ``INCIDENT_NOTE`` says so. A file on this machine listed by its path stays.
    """
    st.session_state.pop(INCIDENT_NOTE, None)
    if (listed := _listed_copy(data)) is not None:
        return f"{name}: the same file as {listed}, {ALREADY_LISTED}"
    path = save_upload(name, data)
    entry = {k: v for k, v in spec.items() if v not in (None, "")} | {"path": str(path)}
    error, mapping = _read_incidents(entry, name)
    if error is not None:
        st.session_state[INCIDENT_MAPPING] = mapping  # offered for this upload (its button)
        return error
    incidents = draft().setdefault("incidents", [])
    uploads = Path(st.session_state[UPLOADS])  # save_upload made it
    same = [
        i
        for i, spec in enumerate(incidents)
        if Path(spec["path"]).name == path.name and Path(spec["path"]).is_relative_to(uploads)
    ]
    if same:
        incidents[same[0]] = entry
        st.session_state[INCIDENT_NOTE] = (
            f"{path.name} replaced the file of that name listed before (a scenario names its "
            "incident files by name)"
        )
    else:
        incidents.append(entry)
    return None


def read_incidents(entry: dict[str, Any], name: str) -> str | None:
    """Read an ``incidents`` entry with the loader and keep its :class:`IncidentSummary`.

    The scenario's harm weights and exclusions apply, as when it plans. Returns the loader's
    message when the file is refused (``name`` names it; nothing is kept then), else None.
    """
    return _read_incidents(entry, name)[0]


def _read_incidents(entry: dict[str, Any], name: str) -> tuple[str | None, dict[str, str]]:
    """Do :func:`read_incidents`; return its message and the mapping a refusal suggests."""
    try:
        risk = RiskSpec.model_validate(draft().get("risk", {}))  # as the scenario reads it
        harm: dict[str, Any] = {
            "harm_overrides": risk.harm_weights_days,
            "exclude": risk.harm_exclude,
        }
        incident_spec = IncidentSpec.model_validate(entry)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PlannerWarning)  # the counts are in the summary
            frame, report = load_incidents(incident_spec, **harm)  # refuses a file with none kept
        inspection = inspect_incidents(incident_spec, **harm)
    except PlannerError as exc:
        return page_words(str(exc)), getattr(exc, "mapping", {})
    except ValueError as exc:  # pydantic: a mapping or risk value of the wrong type
        return f"{name}: {exc}", {}
    line = _said_here(report.summary())
    if (graph := area_streets()) is not None:
        try:
            near, _ = snap_incidents(graph, frame, incident_spec.max_snap_m, [report])
        except PlannerError as exc:  # swapped coordinates come with the mapping that reads them
            return page_words(f"{name}: {exc}"), getattr(exc, "mapping", {})
        line += (
            f"; {len(near)} of the {len(frame)} kept lie within "
            f"{incident_spec.max_snap_m:.0f} m of the area's streets"
        )
    st.session_state.setdefault(INCIDENT_REPORTS, {})[str(entry["path"])] = IncidentSummary(
        line, _said_here(inspection.summary()), inspection.types, _reading(incident_spec, risk)
    )
    return None, {}


def set_type_categories(index: int, changes: dict[str, str]) -> str | None:
    """Put offence types of the draft's incident file ``index`` in harm categories.

    ``changes`` maps offence types, as the file writes them, to categories; they join the
    entry's ``type_categories`` (replacing other spellings of the same types) once the file
    reads with them. Returns the loader's message when it does not (the entry is unchanged).
    """
    entry = draft()["incidents"][index]
    changed = {match_form(offence) for offence in changes}
    chosen = {
        offence: category
        for offence, category in entry.get("type_categories", {}).items()
        if match_form(offence) not in changed
    } | changes
    if error := read_incidents(entry | {"type_categories": chosen}, Path(entry["path"]).name):
        return error
    entry["type_categories"] = chosen
    return None


def _listed_copy(data: bytes) -> str | None:
    """Name of an incident file in the draft with the same bytes as ``data``, if any."""
    digest = hashlib.sha256(data).digest()
    for spec in draft().get("incidents", []):
        try:
            if hashlib.sha256(Path(spec["path"]).read_bytes()).digest() == digest:
                return Path(spec["path"]).name
        except OSError:
            continue  # the scenario's check names a file it cannot read
    return None


def area_streets() -> StreetGraph | None:
    """Return the streets of the draft's area when loaded: planned, or drawn on its map."""
    try:
        area = AreaSpec.model_validate(draft().get("area", {}))
    except ValueError:  # an area being edited: the check waits for planning
        return None
    plan = st.session_state.get("plan")
    if plan is not None and area == plan.scenario.area:
        return plan.graph
    drawn = st.session_state.get(AREA_STREETS)
    return drawn[1] if drawn is not None and drawn[0] == area else None


def add_place(kind: str, lat: float, lon: float, name: str = "", radius_m: float = 100.0) -> None:
    """Append a must-cover place or a forbidden zone to the draft."""
    place: dict[str, Any] = {"lat": round(float(lat), 6), "lon": round(float(lon), 6)}
    if name.strip():
        place["name"] = name.strip()
    if kind == "forbidden":
        place["radius_m"] = float(radius_m)
    draft().setdefault("places", {}).setdefault(kind, []).append(place)


def set_station(path: str, lat: float, lon: float) -> None:
    """Put a station (``officers.station`` or ``officers.end_station``) at a point."""
    set_in(draft(), path, {"lat": round(float(lat), 6), "lon": round(float(lon), 6)})
    for key in [k for k in st.session_state if str(k).startswith(WIDGET + path)]:
        del st.session_state[key]


PICK_MODES = {
    "station": "set the station",
    "end_station": "set the end station",
    "must_cover": "add a must-cover place",
    "forbidden": "add a forbidden zone (100 m)",
}


def apply_pick(mode: str, lat: float, lon: float) -> None:
    """Use a point picked on the map as ``mode`` says (a key of :data:`PICK_MODES`)."""
    if mode in ("station", "end_station"):
        set_station(f"officers.{mode}", lat, lon)
    else:
        add_place(mode, lat, lon)
