"""A scenario bundle: the YAML and the files it reads in one zip, planned as it is."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from shapely.geometry import box

from planner import bundle
from planner.bundle import contents, pack, read_files, unpack_beside, unpack_into
from planner.errors import ScenarioError
from planner.graph import embedded_pbf
from planner.scenario import load_scenario
from tests.conftest import ROOT, cli

DEFAULT = ROOT / "scenarios" / "helsinki_default.yaml"
CRIMES = b"Month,Crime type,Longitude,Latitude\n2026-01,Burglary,24.9414,60.1686\n"


def _scenario_reading_files(tmp_path: Path) -> Path:
    """The default scenario on the extract as a file, with two incident files of one name."""
    for month, folder in enumerate(("january", "february"), start=1):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "street.csv").write_bytes(CRIMES.replace(b"-01", b"-%02d" % month))
    areas = gpd.GeoDataFrame({"name": ["Kamppi"]}, geometry=[box(24.92, 60.16, 24.94, 60.17)])
    areas.set_crs("EPSG:4326").to_file(tmp_path / "areas.shp")  # with .shx, .dbf, .prj, .cpg
    data = yaml.safe_load(DEFAULT.read_text())
    data["area"] = {"source": "file", "path": str(embedded_pbf())}
    data["incidents"] = [{"path": "*/street.csv"}]  # a pattern: one entry per file
    data["neighbourhoods"] = {"source": "file", "path": "areas.shp"}
    data["output_dir"] = str(tmp_path / "elsewhere")
    path = tmp_path / "night.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in files.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


def _names(data: bytes, where: str = "night.zip") -> tuple[set[str], str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        files, yaml_name = contents(zipped, where)
    return set(files), yaml_name


def _read(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        return zipped.read(name)


def test_a_bundle_plans_as_its_scenario_with_the_same_files(tmp_path):
    scenario = load_scenario(_scenario_reading_files(tmp_path))
    archive = tmp_path / "share" / "night.zip"
    archive.parent.mkdir()
    data = pack(scenario)
    archive.write_bytes(data)
    names, yaml_name = _names(data)
    assert yaml_name == "helsinki_default.yaml"
    # each file under its own name; the second of one name is told apart; a shapefile's
    # companions travel with it
    shapefile = {f"areas.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")}
    assert names == {yaml_name, "Helsinki.osm.pbf", "street.csv", "street_2.csv", *shapefile}
    text = _read(data, yaml_name).decode()
    assert "patrol-planner plan helsinki_default.zip" in text.splitlines()[1]
    assert str(tmp_path) not in text and "output_dir" not in text  # nothing of this machine

    opened = load_scenario(archive)
    folder = tmp_path / "share" / "night"
    assert opened.source_file == folder / yaml_name
    # the same files, byte for byte, in the order the scenario read them
    assert [p.read_bytes() for p in read_files(opened)] == [
        p.read_bytes() for p in read_files(scenario)
    ]
    assert all(p.parent == folder for p in read_files(opened))
    assert list(gpd.read_file(opened.neighbourhoods.path)["name"]) == ["Kamppi"]
    assert opened.output_dir == folder / "out" / "helsinki_default"  # beside the YAML
    kept = {"area", "incidents", "neighbourhoods", "output_dir", "source_file"}
    assert opened.model_dump(exclude=kept) == scenario.model_dump(exclude=kept)
    assert [s.model_dump(exclude={"path"}) for s in opened.incidents] == [
        s.model_dump(exclude={"path"}) for s in scenario.incidents
    ]
    assert folder.stat().st_mode & 0o777 == 0o777 & ~_umask()  # as any folder made here


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_bundle_unpacked_before_is_used_as_it_is_unless_its_files_changed(tmp_path):
    scenario = load_scenario(_scenario_reading_files(tmp_path))
    archive = tmp_path / "night.zip"
    archive.write_bytes(pack(scenario))
    first = unpack_beside(archive)
    (first.parent / "out").mkdir()  # a plan of it, written beside
    assert unpack_beside(archive) == first
    (first.parent / "areas.dbf").unlink()  # a file lacking (a run stopped, a hand): added
    assert unpack_beside(archive) == first and (first.parent / "areas.dbf").is_file()
    (first.parent / "street_2.csv").write_bytes(CRIMES + b"2026-03,Robbery,24.94,60.17\n")
    with pytest.raises(ScenarioError) as err:
        unpack_beside(archive)
    message = str(err.value)
    assert "holds other versions of its files (street_2.csv); plan" in message  # edited here
    assert f"plan {first} as it is, or move that folder away" in message
    later = (first.parent / "street_2.csv").stat().st_mtime + 60
    os.utime(archive, (later, later))  # a new version of the bundle, copied over the old
    with pytest.raises(ScenarioError, match=r"\(street_2\.csv; the zip is the newer: a new"):
        unpack_beside(archive)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ({"a.yaml": b"", "b.yml": b""}, "found a.yaml, b.yml"),
        ({"crimes.csv": b""}, "found none: it holds crimes.csv only (incident data?)"),
        ({}, "found none (the zip is empty)"),
        ({"night.zip": b""}, "found none: it holds night.zip: open the zip inside it"),
        (
            {"Archive/night/night.yaml": b"", "Archive/night/a.csv": b""},
            "found none: its YAML lies in a folder (night/night.yaml): zip that folder's files",
        ),
        ({"../night.yaml": b""}, "names a file outside the folder it unpacks into (../night.yaml)"),
        ({"/etc/night.yaml": b""}, "outside the folder it unpacks into (/etc/night.yaml)"),
        ({"c:/night.yaml": b""}, "outside the folder it unpacks into (c:/night.yaml)"),
        ({"night.yaml": b"", "a.csv": b"", "A.CSV": b""}, "holds two files named A.CSV"),
    ],
)
def test_a_zip_that_is_not_one_scenarios_bundle_is_refused(files, fragment):
    with pytest.raises(ScenarioError, match=r"^night\.zip: ") as err:
        _names(_zip(files))
    assert fragment in str(err.value)


def test_a_zipped_folder_is_read_as_the_folder_and_mac_copies_left_out():
    data = _zip(
        {
            "night/night.yaml": b"x",
            "night/data/crimes.csv": b"y",
            "night/._night.yaml": b"",
            "__MACOSX/night/._x": b"",
            "night/./": b"",
        }
    )
    assert _names(data) == ({"night.yaml", "data/crimes.csv"}, "night.yaml")


def _flag_encrypted(data: bytes) -> bytes:
    """The zip with its members marked as encrypted (as a zip saved with a password reads)."""
    at = 0
    out = bytearray(data)
    for signature in (b"PK\x03\x04", b"PK\x01\x02"):
        while (at := out.find(signature, at)) >= 0:
            flags = 6 if signature == b"PK\x03\x04" else 8
            out[at + flags] |= 0x01
            at += 4
        at = 0
    return bytes(out)


def test_a_bundle_that_cannot_be_read_or_written_is_refused_whole(tmp_path, monkeypatch):
    data = _zip({"night.yaml": b"name: x\n", "crimes.csv": CRIMES * 50})
    archive = tmp_path / "night.zip"
    archive.write_bytes(_flag_encrypted(data))
    with pytest.raises(ScenarioError, match=r"its file \S+ is locked with a password; save"):
        unpack_beside(archive)
    damaged = bytearray(data)
    payload = damaged.find(b"crimes.csv") + len(b"crimes.csv") + 5  # into its compressed data
    damaged[payload : payload + 20] = bytes(20)
    archive.write_bytes(bytes(damaged))
    with pytest.raises(ScenarioError, match=r"its file crimes\.csv is damaged \(.*\); copy or"):
        unpack_beside(archive)
    archive.write_bytes(_zip({"night.yaml": b"name: x\n", "d": b"", "d/e": b""}))
    with pytest.raises(ScenarioError, match=r"holds a file and a folder of one name \(d/e\)"):
        unpack_beside(archive)
    monkeypatch.setattr(bundle, "ROOM_TO_SPARE", 10**18)  # a disk too full for it
    with pytest.raises(ScenarioError, match=r"unpacked, more than the .* GB free on the disk"):
        unpack_into(data, "night.zip", tmp_path / "app")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["night.zip"]  # nothing half written


def test_the_command_line_bundles_a_scenario_and_refuses_a_file_that_is_not_one(tmp_path):
    source = _scenario_reading_files(tmp_path)
    out = tmp_path / "night.zip"
    result = cli("bundle", source, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: helsinki_default.yaml and 4 files it reads")
    assert result.stdout.rstrip().endswith(f"plan it with: patrol-planner plan {out}")
    assert len(_names(out.read_bytes())[0]) == 9
    result = cli("bundle", DEFAULT, "--out", tmp_path / "night.txt")
    assert result.returncode == 2
    assert "--out " in result.stderr and "give the path of a .zip file" in result.stderr
    result = cli("bundle", out)
    assert result.returncode == 2 and "night.zip: already a bundle" in result.stderr
    assert not (tmp_path / "night").exists()
    (tmp_path / "bad.zip").write_text("name: not a zip\n")
    result = cli("plan", tmp_path / "bad.zip")
    assert result.returncode == 2
    assert "bad.zip: not a zip file" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "bad").exists()


def test_a_bundle_lacking_a_file_its_yaml_names_says_so(tmp_path):
    archive = tmp_path / "lacking.zip"
    archive.write_bytes(
        _zip({"night.yaml": DEFAULT.read_text() + "incidents:\n- path: gone.csv\n"})
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(archive)
    assert "incidents.0.path: file not found" in str(err.value)
    assert str(err.value).endswith(
        "(the bundle lacking.zip holds no such file: bundle the scenario again)"
    )


def test_files_of_before_1980_are_bundled(tmp_path):
    source = _scenario_reading_files(tmp_path)
    os.utime(tmp_path / "january" / "street.csv", (0, 0))  # 1970: zip dates start in 1980
    assert "street.csv" in _names(pack(load_scenario(source)))[0]
