"""A scenario bundle: the YAML and the files it reads in one zip, planned as it is."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml

from planner.bundle import members, pack, read_files, unpack_beside
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
    areas = '{"type": "FeatureCollection", "features": []}'
    (tmp_path / "areas.geojson").write_text(areas)
    data = yaml.safe_load(DEFAULT.read_text())
    data["area"] = {"source": "file", "path": str(embedded_pbf())}
    data["incidents"] = [{"path": "*/street.csv"}]  # a pattern: one entry per file
    data["neighbourhoods"] = {"source": "file", "path": "areas.geojson"}
    data["output_dir"] = str(tmp_path / "elsewhere")
    path = tmp_path / "night.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, data in files.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


def test_a_bundle_plans_as_its_scenario_with_the_same_files(tmp_path):
    scenario = load_scenario(_scenario_reading_files(tmp_path))
    archive = tmp_path / "share" / "night.zip"
    archive.parent.mkdir()
    archive.write_bytes(pack(scenario))
    files, yaml_name = members(archive.read_bytes(), str(archive))
    assert yaml_name == "helsinki_default.yaml"
    # each file under its own name; the second of one name is told apart
    assert set(files) == {
        yaml_name,
        "Helsinki.osm.pbf",
        "street.csv",
        "street_2.csv",
        "areas.geojson",
    }
    text = files[yaml_name].decode()
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
    assert opened.output_dir == folder / "out" / "helsinki_default"  # beside the YAML
    kept = {"area", "incidents", "neighbourhoods", "output_dir", "source_file"}
    assert opened.model_dump(exclude=kept) == scenario.model_dump(exclude=kept)
    assert [s.model_dump(exclude={"path"}) for s in opened.incidents] == [
        s.model_dump(exclude={"path"}) for s in scenario.incidents
    ]


def test_a_bundle_unpacked_before_is_used_as_it_is_unless_its_files_changed(tmp_path):
    scenario = load_scenario(_scenario_reading_files(tmp_path))
    archive = tmp_path / "night.zip"
    archive.write_bytes(pack(scenario))
    first = unpack_beside(archive)
    (first.parent / "out").mkdir()  # a plan of it, written beside
    assert unpack_beside(archive) == first
    (first.parent / "street_2.csv").write_bytes(CRIMES + b"2026-03,Robbery,24.94,60.17\n")
    with pytest.raises(ScenarioError) as err:
        unpack_beside(archive)
    message = str(err.value)
    assert "holds other versions of its files (street_2.csv)" in message
    assert f"plan {first} as it is, or move that folder away" in message
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ({"a.yaml": b"", "b.yml": b""}, "found a.yaml, b.yml"),
        ({"crimes.csv": b""}, "found none"),
        ({"../night.yaml": b""}, "names a file outside the folder it unpacks into (../night.yaml)"),
        ({"/etc/night.yaml": b""}, "outside the folder it unpacks into (/etc/night.yaml)"),
    ],
)
def test_a_zip_that_is_not_one_scenarios_bundle_is_refused(files, fragment):
    with pytest.raises(ScenarioError, match=r"^night\.zip: ") as err:
        members(_zip(files), "night.zip")
    assert fragment in str(err.value)


def test_a_zipped_folder_is_read_as_the_folder_and_mac_copies_left_out():
    files, yaml_name = members(
        _zip({"night/night.yaml": b"x", "night/data/crimes.csv": b"y", "__MACOSX/night/._x": b""}),
        "night.zip",
    )
    assert (files, yaml_name) == ({"night.yaml": b"x", "data/crimes.csv": b"y"}, "night.yaml")


def test_the_command_line_bundles_a_scenario_and_refuses_a_file_that_is_not_one(tmp_path):
    source = _scenario_reading_files(tmp_path)
    out = tmp_path / "night.zip"
    result = cli("bundle", source, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: helsinki_default.yaml and 4 files it reads")
    assert result.stdout.rstrip().endswith(f"plan it with: patrol-planner plan {out}")
    assert len(members(out.read_bytes(), "x")[0]) == 5
    result = cli("bundle", DEFAULT, "--out", tmp_path / "night.txt")
    assert result.returncode == 2
    assert "--out " in result.stderr and "give the path of a .zip file" in result.stderr
    (tmp_path / "bad.zip").write_text("name: not a zip\n")
    result = cli("plan", tmp_path / "bad.zip")
    assert result.returncode == 2
    assert "bad.zip: not a zip file" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "bad").exists()
