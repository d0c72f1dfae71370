"""A scenario and the files it reads, in one zip to keep or share.

A bundle holds the scenario's YAML at its top and, beside it, every file the scenario reads
(the OpenStreetMap extract, the incident exports, the neighbourhood polygons with a shapefile's
companion files), which the YAML names by file name alone. It plans on any machine:
``patrol-planner plan night.zip`` unpacks it into the folder ``night/`` beside it and plans its
YAML there; the app opens it as it is.
"""

from __future__ import annotations

import io
import logging
import shutil
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import Any

from planner.errors import ScenarioError
from planner.scenario import Scenario, scenario_to_yaml

log = logging.getLogger(__name__)

SUFFIX = ".zip"
"""The file name ending of a bundle."""

#: Files that travel with a shapefile of the same name (its index, attributes, projection...).
SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg", ".sbn", ".sbx", ".qix", ".shp.xml")

#: Room left free on the disk after unpacking a bundle, in bytes.
ROOM_TO_SPARE = 100_000_000

_HEADER = (
    "# A scenario bundle: this YAML and the files it reads, named beside it.\n"
    "# Plan it with: patrol-planner plan {archive} (or unzip it and plan this file).\n"
)


def read_files(scenario: Scenario) -> list[Path]:
    """Return every file ``scenario`` reads (paths resolved), in the order its YAML names them."""
    paths = [scenario.area.path, *(spec.path for spec in scenario.incidents)]
    paths.append(scenario.neighbourhoods.path)
    return [path for path in paths if path is not None]


def _with_parts(path: Path) -> list[Path]:
    """Return ``path`` and, for a shapefile, the companion files of its name beside it."""
    if path.suffix.lower() != ".shp":
        return [path]
    parts = [path.with_name(path.stem + part) for part in SHAPEFILE_PARTS]
    parts += [path.with_name(path.stem + part.upper()) for part in SHAPEFILE_PARTS]
    return [path, *dict.fromkeys(p for p in parts if p.is_file())]


def pack(scenario: Scenario, archive_name: str | None = None) -> bytes:
    """Return a bundle of ``scenario`` (paths resolved, as loaded) as zip bytes.

    Each file is stored under its own name (a second file of one name, letter case aside,
    gets ``_2``; a shapefile's companions keep its name); the YAML, ``<name>.yaml``, names them
    so. The output folder is left out: a plan of the bundle writes to ``out/<name>`` beside its
    YAML, wherever it is unpacked. ``archive_name`` is the bundle's file name, for the YAML's
    first lines (default ``<name>.zip``).
    """
    names: dict[Path, str] = {}
    stored: dict[Path, str] = {}  # every file written, companions included
    for path in read_files(scenario):
        if path in names:
            continue
        name = _free_name(path.name, {n.lower() for n in stored.values()})
        names[path] = name
        stem = name[: -len(path.suffix)] if path.suffix else name
        for part in _with_parts(path):
            stored[part] = stem + part.name[len(path.stem) :] if part != path else name
    text = scenario_to_yaml(_named_so(scenario, names))
    archive = archive_name or f"{scenario.name}{SUFFIX}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, strict_timestamps=False) as zipped:
        zipped.writestr(f"{scenario.name}.yaml", _HEADER.format(archive=archive) + text)
        for path, name in stored.items():
            zipped.write(path, name)
    return buffer.getvalue()


def _free_name(name: str, taken: set[str]) -> str:
    """Return ``name``, or ``stem_N.suffix`` when ``name`` is taken (``taken`` in lower case)."""
    if name.lower() not in taken:
        return name
    stem, dot, suffix = name.partition(".")
    number = 2
    while (free := f"{stem}_{number}{dot}{suffix}").lower() in taken:
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


@contextmanager
def _opened(source: Path | bytes, where: str) -> Iterator[zipfile.ZipFile]:
    """Open a zip, saying what is wrong when it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zipped:
            yield zipped
    except zipfile.BadZipFile as exc:
        msg = (
            f"{where}: not a zip file, or a damaged one ({exc}); a scenario bundle is the .zip "
            "that the app's 'Save with its files' or patrol-planner bundle writes"
        )
        raise ScenarioError(msg) from None


def contents(zipped: zipfile.ZipFile, where: str) -> tuple[dict[str, zipfile.ZipInfo], str]:
    """Return a bundle's files by the name they unpack to, and its scenario YAML's name.

    A zip of a folder (every file under one top folder, as ``zip -r night.zip night`` makes it)
    is read as that folder. Folders of the zip are kept; macOS's copies (``__MACOSX/``,
    ``._name``) are left out.

    Raises
    ------
    ScenarioError
        When a name would leave the folder it unpacks into or is there twice, or the zip's top
        holds no scenario YAML or several.
    """
    files: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()  # the names in lower case: one file each on macOS or Windows
    for info in zipped.infolist():
        name = _safe_name(info.filename, where)
        if info.is_dir() or name is None or _mac_copy(name):
            continue
        if name.lower() in seen:
            msg = f"{where}: the zip holds two files named {name}; zip the scenario's files again"
            raise ScenarioError(msg)
        seen.add(name.lower())
        files[name] = info
    files = _without_top_folder(files)
    scenarios = sorted(name for name in files if "/" not in name and _is_yaml(name))
    if len(scenarios) != 1:
        msg = (
            f"{where}: a scenario bundle holds one scenario YAML at its top, beside the files it "
            f"reads; found {', '.join(scenarios) if scenarios else 'none'}"
            f"{_what_it_holds(files) if not scenarios else ''}. Zip one scenario's YAML with "
            "its files (the app's 'Save with its files' makes such a zip)"
        )
        raise ScenarioError(msg)
    return files, scenarios[0]


def _what_it_holds(files: dict[str, zipfile.ZipInfo]) -> str:
    """Say what a zip without a scenario YAML at its top holds, and what that suggests."""
    if not files:
        return " (the zip is empty)"
    deeper = sorted(name for name in files if _is_yaml(name))
    if deeper:
        return f": its YAML lies in a folder ({', '.join(deeper[:3])}): zip that folder's files"
    names = sorted(files)
    shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
    if any(name.lower().endswith(SUFFIX) for name in names):
        return f": it holds {shown}: open the zip inside it"
    if all(name.lower().endswith((".csv", ".geojson", ".json", ".gpkg")) for name in names):
        return (
            f": it holds {shown} only (incident data?): give incident files in a scenario's "
            "incidents (the app's Incidents section)"
        )
    return f": it holds {shown}"


def _is_yaml(name: str) -> bool:
    return name.lower().endswith((".yaml", ".yml"))


def _mac_copy(name: str) -> bool:
    """Whether a zip member is a copy macOS adds (resource forks), not a file of the scenario."""
    return name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("._")


def _safe_name(name: str, where: str) -> str | None:
    """Return a member's name as a relative path (None for no name); refuse one leaving it."""
    path = PurePosixPath(name.replace("\\", "/"))
    parts = [part for part in path.parts if part not in ("", ".")]
    if path.is_absolute() or ".." in parts or (parts and ":" in parts[0]):
        msg = (
            f"{where}: the zip names a file outside the folder it unpacks into ({name}); "
            "it is not a bundle this planner writes: zip the scenario's files again"
        )
        raise ScenarioError(msg)
    return "/".join(parts) or None


def _without_top_folder(files: dict[str, zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """Strip the one folder every file lies in, if there is one."""
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) != 1 or any("/" not in name for name in files):
        return files
    return {name.split("/", 1)[1]: info for name, info in files.items()}


def unpack_into(source: Path | bytes, where: str, folder: Path) -> Path:
    """Write a bundle's files under ``folder`` (made); return its YAML's path."""
    with _opened(source, where) as zipped:
        files, scenario = contents(zipped, where)
        _extract(zipped, files, folder, where)
    return folder / scenario


def _check_room(files: dict[str, zipfile.ZipInfo], folder: Path, where: str) -> None:
    """Refuse a bundle whose files would not fit on the disk of ``folder`` with room to spare."""
    size = sum(info.file_size for info in files.values())
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    free = shutil.disk_usage(existing).free
    if size > free - ROOM_TO_SPARE:
        msg = (
            f"{where}: its files take {size / 1e9:.1f} GB unpacked, more than the "
            f"{max(free, 0) / 1e9:.1f} GB free on the disk of {existing}; free some room or "
            "copy the zip to another disk"
        )
        raise ScenarioError(msg)


def _extract(
    zipped: zipfile.ZipFile,
    files: dict[str, zipfile.ZipInfo],
    folder: Path,
    where: str,
    shown: Path | None = None,
) -> None:
    """Write ``files`` of ``zipped`` under ``folder``, each whole or not at all.

    The disk's room is checked first (:func:`_check_room`). Each file is streamed (not held in
    memory) to a name of its own, then renamed. ``shown`` is the folder messages name
    (``folder`` unless it is a staging folder).
    """
    _check_room(files, folder, where)
    for name, info in files.items():
        target = folder / name
        part = target.with_name(f".{target.name}.part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as member, part.open("wb") as out:
                shutil.copyfileobj(member, out, 1 << 20)
            part.replace(target)
        except (RuntimeError, NotImplementedError, zlib.error, zipfile.BadZipFile, EOFError) as exc:
            _remove(part)
            msg = f"{where}: its file {name} {_unreadable(exc)}"
            raise ScenarioError(msg) from None
        except (NotADirectoryError, IsADirectoryError, FileExistsError):
            _remove(part)
            msg = (
                f"{where}: it holds a file and a folder of one name ({name}); zip the "
                "scenario's files again"
            )
            raise ScenarioError(msg) from None
        except OSError as exc:
            _remove(part)
            msg = (
                f"{where}: cannot write its file {name} into {shown or folder} "
                f"({exc.strerror or exc}); copy the zip to a folder you can write to"
            )
            raise ScenarioError(msg) from None


def _remove(path: Path) -> None:
    """Remove a file half written, if it is there."""
    with suppress(OSError):
        path.unlink(missing_ok=True)


def _unreadable(exc: Exception) -> str:
    """Say why a zip member cannot be read, and what to do."""
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
        return "is locked with a password; save the bundle again without one"
    if isinstance(exc, NotImplementedError):
        return (
            f"is compressed in a way this planner cannot read ({exc}); save the bundle again "
            "with the usual (deflate) compression"
        )
    return f"is damaged ({exc}); copy or download the bundle again"


def unpack_beside(archive: Path) -> Path:
    """Unpack bundle ``archive`` into the folder of its name beside it; return its YAML's path.

    The folder is written whole or not at all. When it is there already (a second plan of the
    bundle), it is used as it is, with any file of the bundle it lacks added; a file that
    differs from the bundle's is refused.

    Raises
    ------
    ScenarioError
        When the bundle is not one (see :func:`contents`), cannot be unpacked, or the folder
        holds other versions of the bundle's files.
    """
    where = str(archive)
    folder = archive.parent / archive.name[: -len(SUFFIX)]
    with _opened(archive, where) as zipped:
        files, scenario = contents(zipped, where)
        if folder.is_dir():
            _complete(zipped, files, folder, where, scenario)
            return folder / scenario
        staging = archive.parent / f".{folder.name}.unpacking-{uuid.uuid4().hex[:8]}"
        try:
            staging.mkdir()
            _extract(zipped, files, staging, where, shown=folder)
            staging.replace(folder)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            msg = (
                f"{where}: cannot unpack it into {folder} ({exc.strerror or exc}); copy the zip "
                "to a folder you can write to, or unzip it and plan its YAML"
            )
            raise ScenarioError(msg) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    log.info("unpacked %s into %s", archive.name, folder)
    return folder / scenario


def _complete(
    zipped: zipfile.ZipFile,
    files: dict[str, zipfile.ZipInfo],
    folder: Path,
    where: str,
    scenario: str,
) -> None:
    """Check the bundle's files already in ``folder`` and add those it lacks."""
    there = {name: info for name, info in files.items() if (folder / name).exists()}
    if differ := [name for name, info in there.items() if not _same(folder / name, info)]:
        shown = ", ".join(differ[:3]) + (", ..." if len(differ) > 3 else "")
        zipped_at = Path(where).stat().st_mtime
        newer = all((folder / name).stat().st_mtime < zipped_at for name in differ)
        msg = (
            f"{where}: it unpacks into {folder}, which holds other versions of its files "
            f"({shown}"
            + ("; the zip is the newer: a new version of the bundle?" if newer else "")
            + f"); plan {folder / scenario} as it is, or move that folder away (its plans too) "
            "to unpack the bundle again"
        )
        raise ScenarioError(msg)
    if lacking := {name: info for name, info in files.items() if name not in there}:
        _extract(zipped, lacking, folder, where)
        log.info("added %s to %s from %s", ", ".join(lacking), folder, Path(where).name)


def _same(path: Path, info: zipfile.ZipInfo) -> bool:
    """Whether the file at ``path`` holds what the zip's ``info`` does (its size and CRC-32)."""
    if not path.is_file() or path.stat().st_size != info.file_size:
        return False
    crc = 0
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc == info.CRC
