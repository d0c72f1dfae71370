"""A scenario and the files it reads, in one zip to keep or share.

A bundle holds the scenario's YAML at its top and, beside it, every file the scenario reads
(the OpenStreetMap extract, the incident exports, the neighbourhood polygons), which the YAML
names by file name alone. It plans on any machine: ``patrol-planner plan night.zip`` unpacks it
into the folder ``night/`` beside it and plans its YAML there; the app opens it as it is.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from planner.errors import ScenarioError
from planner.scenario import Scenario, scenario_to_yaml

log = logging.getLogger(__name__)

SUFFIX = ".zip"
"""The file name ending of a bundle."""

_HEADER = (
    "# A scenario bundle: this YAML and the files it reads, named beside it.\n"
    "# Plan it with: patrol-planner plan {archive} (or unzip it and plan this file).\n"
)


def read_files(scenario: Scenario) -> list[Path]:
    """Return every file ``scenario`` reads (paths resolved), in the order its YAML names them."""
    paths = [scenario.area.path, *(spec.path for spec in scenario.incidents)]
    paths.append(scenario.neighbourhoods.path)
    return [path for path in paths if path is not None]


def pack(scenario: Scenario, archive_name: str | None = None) -> bytes:
    """Return a bundle of ``scenario`` (paths resolved, as loaded) as zip bytes.

    Each file is stored under its own name (a second file of one name gets ``_2``); the YAML,
    ``<name>.yaml``, names them so. The output folder is left out: a plan of the bundle writes to
    ``out/<name>`` beside its YAML, wherever it is unpacked. ``archive_name`` is the bundle's
    file name, for the YAML's first lines (default ``<name>.zip``).
    """
    names: dict[Path, str] = {}
    for path in read_files(scenario):
        if path not in names:
            names[path] = _free_name(path.name, set(names.values()))
    text = scenario_to_yaml(_named_so(scenario, names))
    archive = archive_name or f"{scenario.name}{SUFFIX}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(f"{scenario.name}.yaml", _HEADER.format(archive=archive) + text)
        for path, name in names.items():
            zipped.write(path, name)
    return buffer.getvalue()


def _free_name(name: str, taken: set[str]) -> str:
    """Return ``name``, or ``stem_N.suffix`` when ``name`` is taken."""
    if name not in taken:
        return name
    stem, dot, suffix = name.partition(".")
    number = 2
    while (free := f"{stem}_{number}{dot}{suffix}") in taken:
        number += 1
    return free


def _named_so(scenario: Scenario, names: dict[Path, str]) -> Scenario:
    """Return ``scenario`` naming its files as ``names`` says, without an output folder."""
    update: dict[str, Any] = {"output_dir": None}
    if scenario.area.path is not None:
        update["area"] = scenario.area.model_copy(update={"path": names[scenario.area.path]})
    update["incidents"] = [
        spec.model_copy(update={"path": names[spec.path]}) for spec in scenario.incidents
    ]
    if (hoods := scenario.neighbourhoods).path is not None:
        update["neighbourhoods"] = hoods.model_copy(update={"path": names[hoods.path]})
    return scenario.model_copy(update=update)


def members(data: bytes, where: str) -> tuple[dict[str, bytes], str]:
    """Read a bundle's files and find its YAML; return ``({name: bytes}, yaml_name)``.

    A zip of a folder (every file under one top folder, as ``zip -r night.zip night`` makes it)
    is read as that folder. Folders of the zip are kept; ``__MACOSX`` copies are left out.

    Raises
    ------
    ScenarioError
        When ``data`` is not a zip, a name would leave the folder it unpacks into, or the
        zip's top holds no scenario YAML or several.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zipped:
            infos = [
                info
                for info in zipped.infolist()
                if not info.is_dir() and not info.filename.startswith("__MACOSX/")
            ]
            files = {_safe_name(info.filename, where): zipped.read(info) for info in infos}
    except zipfile.BadZipFile as exc:
        msg = (
            f"{where}: not a zip file ({exc}); a scenario bundle is the .zip that the app's "
            "'Save with its files' or patrol-planner bundle writes"
        )
        raise ScenarioError(msg) from None
    files = _without_top_folder(files)
    scenarios = sorted(name for name in files if "/" not in name and _is_yaml(name))
    if len(scenarios) != 1:
        found = ", ".join(scenarios) if scenarios else "none"
        msg = (
            f"{where}: a scenario bundle holds one scenario YAML at its top, beside the files it "
            f"reads; found {found}. Zip one scenario's YAML with its files (the app's 'Save "
            "with its files' makes such a zip)"
        )
        raise ScenarioError(msg)
    return files, scenarios[0]


def _is_yaml(name: str) -> bool:
    return name.lower().endswith((".yaml", ".yml"))


def _safe_name(name: str, where: str) -> str:
    """Return a member's name as a relative path; refuse one that leaves its folder."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
        msg = (
            f"{where}: the zip names a file outside the folder it unpacks into ({name}); "
            "it is not a bundle this planner writes: zip the scenario's files again"
        )
        raise ScenarioError(msg)
    return path.as_posix()


def _without_top_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    """Strip the one folder every file lies in, if there is one and no YAML is above it."""
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) != 1 or all("/" not in name for name in files):
        return files
    return {name.split("/", 1)[1]: data for name, data in files.items()}


def unpack_into(data: bytes, where: str, folder: Path) -> Path:
    """Write a bundle's files under ``folder`` (made); return its YAML's path."""
    files, scenario = members(data, where)
    _write(files, folder)
    return folder / scenario


def _write(files: dict[str, bytes], folder: Path) -> None:
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def unpack_beside(archive: Path) -> Path:
    """Unpack bundle ``archive`` into the folder of its name beside it; return its YAML's path.

    The folder is written whole or not at all. When it is there already and holds the bundle's
    files as they are in the bundle (a second plan of it), it is used as it is.

    Raises
    ------
    ScenarioError
        When the bundle is not one (see :func:`members`), or the folder holds other files of
        the bundle's names.
    """
    files, scenario = members(archive.read_bytes(), str(archive))
    folder = archive.parent / archive.name[: -len(SUFFIX)]
    if folder.exists():
        differ = [name for name in files if not _same(folder / name, files[name])]
        if differ:
            msg = (
                f"{archive}: it unpacks into {folder}, which holds other versions of its files "
                f"({', '.join(differ[:3])}{', ...' if len(differ) > 3 else ''}); plan "
                f"{folder / scenario} as it is, or move that folder away to unpack the bundle again"
            )
            raise ScenarioError(msg)
        return folder / scenario
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=archive.parent))
    try:
        _write(files, staging)
        staging.replace(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("unpacked %s into %s", archive.name, folder)
    return folder / scenario


def _same(path: Path, data: bytes) -> bool:
    return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
