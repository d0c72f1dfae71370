"""Opening and saving a scenario, and the files it names: uploads and the YAML box.

Uploads are saved under a per-session temporary folder, named as uploaded (:mod:`ui.draft`),
and go through change callbacks, so the next run draws the draft that holds them.
"""

from __future__ import annotations

import copy
import hashlib
import re
from pathlib import Path

import streamlit as st
import yaml

from planner import bundle
from planner.errors import PlannerError
from planner.scenario import Scenario, scenario_to_yaml
from ui.bound import bound
from ui.draft import (
    INCIDENT_ERROR,
    INCIDENT_MAPPING,
    OWN_LIMIT,
    WHERE,
    YAML_BOX,
    YAML_TYPED,
    YAML_TYPED_OVER,
    add_incident_file,
    clear_uploaders,
    draft,
    file_time_limit,
    load_text,
    plain_paths,
    save_upload,
    saved_output_dir,
    saved_scenario,
    scenario_file,
    set_in,
    show_error,
    upload_folder,
    uploader_key,
)

MAPPING_FIELDS = ("x_col", "y_col", "crs", "time_col", "clock_col", "type_col", "id_col")
"""Column mapping of a generic incident file (``IncidentSpec``)."""

INCIDENT_SETTINGS = (
    "incident_schema",
    "incident_max_snap_m",
    "incident_date_order",
    *(f"incident_{field}" for field in MAPPING_FIELDS),
)
"""Session keys of how the next incident file is read: its schema, snap distance and mapping."""

YAML_STATE = ("yaml_error", "yaml_error_of", "yaml_text_of")
"""Session keys of the YAML box's refusal and of the scenario text it shows."""

APPLIED = " (YAML box)"
"""Added to the name of a scenario applied from the YAML box: it may differ from its file."""


HANDLED = "uploads_handled"
"""Session key: the id of the file each uploader last gave, by the uploader's key."""


def _handled_already(key: str) -> bool:
    """Whether the uploader drawn under ``key`` reports the file it gave before, as a change.

    A tab shown again draws its uploaders again, and one can then send the file it still holds
    as new: opened again, it set the scenario's edits aside (or a file was refused as listed).
    """
    upload = st.session_state.get(key)
    file_id = None if upload is None else upload.file_id
    handled = st.session_state.setdefault(HANDLED, {})
    if file_id is not None and handled.get(key) == file_id:
        return True
    handled[key] = file_id
    return False


def _yaml_uploaded() -> None:
    key = uploader_key("yaml_upload")
    upload = st.session_state.get(key)
    if upload is None or _handled_already(key):
        return
    if upload.name.lower().endswith(bundle.SUFFIX):
        _yaml_error(_bundle_opened(upload.name, upload.getvalue()))
        return
    try:
        text = upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        _yaml_error(f"{upload.name}: not a UTF-8 text file; save the scenario as UTF-8 YAML")
        return
    error = load_text(text, upload.name)
    _yaml_error(error)
    if error:  # shown in the YAML box, to fix there and apply
        st.session_state[YAML_TYPED] = text
        st.session_state[YAML_TYPED_OVER] = st.session_state.get("yaml_text_of")


def _bundle_opened(name: str, data: bytes) -> str | None:
    """Open a scenario bundle (its YAML and files, unpacked here); return an error message."""
    folder = upload_folder()
    try:
        yaml_file = bundle.unpack_into(data, name, folder)
    except PlannerError as exc:
        return str(exc)
    try:
        text = yaml_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return f"{name}: its {yaml_file.name} is not a UTF-8 text file; save it as UTF-8 YAML"
    return load_text(text, name, base_dir=yaml_file.parent, bundle=True)


def refused_yaml(text: str | None) -> str | None:
    """Return why the last YAML read was refused, while the scenario's YAML is ``text`` still."""
    error = st.session_state.get("yaml_error")
    if text is None:  # the scenario has an error of its own: the box shows its last text
        text = st.session_state.get("yaml_text_of")
    if error and text != st.session_state.get("yaml_error_of"):
        return None  # the scenario changed since: the error is about text no longer there
    return error


def _yaml_error(error: str | None) -> None:
    """Keep the error of a YAML read, for as long as the scenario stays the one it refused."""
    st.session_state["yaml_error"] = error
    st.session_state["yaml_error_of"] = st.session_state.get("yaml_text_of")


def _yaml_applied() -> None:
    """Open the text of the YAML box, named as the box, not as the file it was first read from.

    Text of another scenario (another ``name``) is named by its own name: the page must not
    say it edits the file the box first showed. The box shows the sidebar's time limit, the
    app's preview limit for an example: text of the same scenario applied with the limit it
    showed keeps the file's own limit to save, as an edit in the form does.
    """
    where = st.session_state.get(WHERE, "scenario").removesuffix(APPLIED)
    text = st.session_state.get(st.session_state.get(YAML_BOX, ""), "")
    shown = st.session_state.get("time_limit_s")
    own = file_time_limit(shown) if shown is not None else None
    applied = applied_where(where, text)
    error = load_text(text, applied)
    _yaml_error(error)
    kept = applied == where + APPLIED and st.session_state.get("time_limit_s") == shown
    if error is None and kept and own is not None:
        st.session_state[OWN_LIMIT] = own


def applied_where(where: str, text: str) -> str:
    """Name YAML box ``text`` applied over a scenario opened from ``where``.

    ``scenarios/helsinki_default.yaml (YAML box)`` while the text keeps that file's name;
    ``my_london (YAML box)`` once it names another scenario.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    name = data.get("name") if isinstance(data, dict) else None
    if isinstance(name, str) and name and name != Path(where).stem:
        return name + APPLIED
    return where + APPLIED


def _file_uploaded(section: str, keep: tuple[str, ...] = ()) -> None:
    """Point the draft's ``section`` at the file just uploaded (``source: file``).

    The section keeps only its ``keep`` keys besides; its source and path widgets show the
    draft on the next run, as every bound widget does.
    """
    upload = st.session_state.get(f"{section}_upload")
    if upload is None or _handled_already(f"{section}_upload"):
        return
    path = save_upload(upload.name, upload.getvalue())
    old = draft().get(section, {})
    draft()[section] = {
        **{key: old[key] for key in keep if key in old},
        "source": "file",
        "path": str(path),
    }
    if section == "area":
        _name_for_map_of_draft(upload.name)


def _name_for_map_of_draft(map_file: str) -> None:
    """Name the draft after map ``map_file`` (uploaded or typed) while it has its file's name."""
    opened = Path(st.session_state.get(WHERE, "").removesuffix(APPLIED)).stem
    draft()["name"] = name_for_map(str(draft().get("name", "")), opened, map_file)


def _map_path_typed() -> None:
    """Name the draft after the OSM file whose path was typed, as an upload would.

    Only a file that is there names it: a mistyped path, corrected next, would leave its name.
    """
    path = draft().get("area", {}).get("path")
    if path and Path(path).is_file():
        _name_for_map_of_draft(str(path))


def name_for_map(name: str, opened: str, upload: str) -> str:
    """Return the scenario's name once a map is uploaded: the map's, unless a planner named it.

    A scenario still named as the file it was opened from (``helsinki_default``) takes the
    map's name (``city_of_london_2020.osm.pbf`` -> ``city_of_london_2020``), so that its plan,
    briefing and downloads do not carry another city's name.
    """
    if name != opened:
        return name
    stem = Path(upload).name
    for suffix in (".pbf", ".osm", ".bz2", ".gz"):
        stem = stem.removesuffix(suffix).removesuffix(suffix.upper())
    stem = re.sub(r"[^\w.-]+", "_", stem).strip("_.")  # a scenario name has no spaces
    return stem or name


def file_fields(
    section: str,
    labels: tuple[str, str],
    types: list[str],
    help_text: str,
    keep: tuple[str, ...] = (),
) -> None:
    """Upload a file for ``section``, or type its path on this machine (blank: none).

    ``labels`` name the uploader and the path field; an upload keeps the section's ``keep``
    keys (see :func:`_file_uploaded`).
    """
    upload, path = labels
    st.file_uploader(
        upload,
        type=types,
        key=f"{section}_upload",
        on_change=_file_uploaded,
        args=(section, keep),
        help=help_text,
    )
    then = _map_path_typed if section == "area" else None
    bound(st.text_input, path, f"{section}.path", "", then=then)
    if not draft()[section].get("path"):
        draft()[section].pop("path", None)


def incident_changed() -> None:
    """Read an incident file put on the uploader (not one it reports again)."""
    if not _handled_already(uploader_key("incident_upload")):
        incident_uploaded()


def incident_uploaded() -> None:
    """Read the incident file just uploaded with the schema and mapping chosen beside it.

    A file taken off the uploader takes its error with it; one listed leaves the uploader.
    """
    upload = st.session_state.get(uploader_key("incident_upload"))
    st.session_state.pop(INCIDENT_MAPPING, None)
    if upload is None:
        st.session_state.pop(INCIDENT_ERROR, None)
        return
    spec = {
        "schema": st.session_state.get("incident_schema", "auto"),
        "max_snap_m": st.session_state.get("incident_max_snap_m", 100.0),
    }
    if spec["schema"] == "generic":
        for field in MAPPING_FIELDS:
            spec[field] = st.session_state.get(f"incident_{field}") or None
        if (order := st.session_state.get("incident_date_order", "auto")) != "auto":
            spec["date_order"] = order
    error = add_incident_file(upload.name, upload.getvalue(), spec)
    if error is not None and spec["schema"] != "auto":  # settings kept from a file before
        error = f"{error.rstrip('.')}. {upload.name} was {read_as(spec)}"
    st.session_state[INCIDENT_ERROR] = error
    if error is None:
        clear_uploaders("incident_upload")


def read_as(spec: dict[str, object]) -> str:
    """Say how a refused file was read, set beside the uploader, and how to read it as detected.

    Those settings stay for the next file (monthly exports of one portal share them), so a
    refusal may come from them rather than from the file.
    """
    columns = ", ".join(f"{f} {spec[f]!r}" for f in MAPPING_FIELDS if spec.get(f))
    how = f"schema {spec['schema']}" + (f" ({columns})" if columns else "")
    return (
        f"read with the {how} set beside the uploader (Schema of the next file): if it is not "
        "laid out so, set that to auto and upload it again"
    )


def read_as_suggested() -> None:
    """Read the file just refused again, with the column mapping the loader suggested.

    The schema and mapping fields beside the uploader are set to it, so they show how it was
    read, and the next file is read so too until they are changed.
    """
    mapping = st.session_state.get(INCIDENT_MAPPING) or {}
    # a generic file keeps the fields the suggestion leaves alone (its x and y exchanged, say)
    kept = st.session_state.get("incident_schema") == "generic"
    st.session_state["incident_schema"] = mapping.get("schema", "generic")
    for field in MAPPING_FIELDS:
        if field in mapping or not kept:
            st.session_state[f"incident_{field}"] = mapping.get(field, "")
    incident_uploaded()


def unfinished_file() -> str:
    """Return the draft as YAML while it has an error, headed by a comment that says so."""
    data = copy.deepcopy(draft())
    out = data.get("output_dir")
    kept = saved_output_dir(None if out is None else Path(out), str(data.get("name", "")))
    set_in(data, "output_dir", None if kept is None else str(kept))
    set_in(data, "officers.count", st.session_state.get("officers"))
    if (limit := st.session_state.get("time_limit_s")) is not None:  # the sidebar's
        set_in(data, "solver.time_limit_s", file_time_limit(limit))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return (
        "# Unfinished: this scenario has an error to fix before it plans. Opened in the app, it "
        "shows in the YAML box with its error, to fix and apply.\n" + plain_paths(text)
    )


# ---------------------------------------------------------------------------------------------
# Sections


def load_save_section(scenario: Scenario | None) -> None:
    """Load a scenario YAML (upload or paste) and save the scenario being edited."""
    upload, download = st.columns([3, 2])
    upload.file_uploader(
        "Open a scenario YAML, or a .zip of it with its files",
        type=["yaml", "yml", "zip"],
        key=uploader_key("yaml_upload"),
        on_change=_yaml_uploaded,
        help="The file the command line reads (patrol-planner plan FILE). Relative paths in a "
        "YAML are read from the repository's scenarios/ folder; a .zip holds the files it reads.",
    )
    with download:
        st.write("")
        if scenario is not None:
            st.download_button(
                "Save scenario YAML",
                scenario_file(scenario),
                file_name=f"{scenario.name}.yaml",
                mime="application/x-yaml",
                key="download-scenario-editor",
                on_click="ignore",
            )
            if bundle.read_files(scenario):
                saved = saved_scenario(scenario)  # now: the session is not there when built
                st.download_button(
                    "Save with its files (.zip)",
                    lambda: bundle.pack(saved),
                    file_name=f"{scenario.name}{bundle.SUFFIX}",
                    mime="application/zip",
                    key="download-scenario-bundle",
                    on_click="ignore",
                    help="The YAML and the files it reads (map, incidents, areas) in one zip, "
                    "to open here again or plan on any machine: patrol-planner plan "
                    f"{scenario.name}{bundle.SUFFIX}",
                )
        else:  # keep the work: the draft as it is, said to be unfinished
            st.download_button(
                "Save the unfinished scenario YAML",
                unfinished_file(),
                file_name=f"{draft().get('name') or 'scenario'}_unfinished.yaml",
                mime="application/x-yaml",
                key="download-scenario-unfinished",
                on_click="ignore",
                help="The scenario has an error (see above): this saves it as it is. Opened "
                "again here, it shows in the YAML box with its error, to fix and apply.",
            )
        st.caption(f"Editing: {st.session_state.get(WHERE, '')}")
    text = scenario_to_yaml(scenario) if scenario is not None else None
    if error := refused_yaml(text):
        show_error(error)
    # open while its text has an error to fix
    with st.expander("Scenario as YAML (edit and apply)", expanded=bool(error)):
        _yaml_box(text)
        st.button("Apply YAML", key="apply_yaml", on_click=_yaml_applied)


def _typed_over(text: str | None) -> str | None:
    """Return the text kept as typed over scenario ``text`` (a reload, a refused upload)."""
    if st.session_state.get(YAML_TYPED_OVER) != text:
        return None
    return st.session_state.get(YAML_TYPED)


def typed_yaml() -> str | None:
    """Return text typed in the YAML box and not applied (None when it shows the scenario)."""
    current = st.session_state.get("yaml_text_of")
    box = st.session_state.get(YAML_BOX)
    typed = st.session_state.get(box) if box else None  # no box before the Scenario tab opens
    if typed is None:
        typed = _typed_over(current)  # kept over a reload, the box not drawn yet
    return typed if typed is not None and typed != current else None


def _yaml_box(text: str | None) -> None:
    """Draw the scenario's YAML to edit: a box per scenario text, so typing stays until it changes.

    The box's key follows the text, not a value set once per change: quick edits that
    interrupt runs can leave a box's browser value behind its scenario, never a keyed box.
    While the scenario is refused (``text`` is None) the last box stays. Text typed over the
    scenario text now shown (before a reload, or a refused upload) is shown instead of it.
    """
    if text is not None:
        st.session_state["yaml_text_of"] = text
    shown = st.session_state.get("yaml_text_of", "")
    typed = _typed_over(shown)
    if typed is None:
        typed = shown
    digest = hashlib.sha256(f"{shown}\0{typed}".encode()).hexdigest()[:16]
    key = "yaml_text:" + digest
    if (old := st.session_state.get(YAML_BOX)) not in (None, key):
        st.session_state.pop(old, None)  # kept by persist_state otherwise
    st.session_state[YAML_BOX] = key
    st.text_area(
        "YAML",
        value=typed,
        key=key,
        height=300,
        label_visibility="collapsed",
        persist_state="page",  # the typing survives a visit to another tab
    )
