"""The code base stays lint-clean, formatted and true to its type hints (ruff and mypy,
configured in pyproject.toml)."""

import shutil
import subprocess

import pytest

from .conftest import ROOT


def run(tool: str, *args: str) -> subprocess.CompletedProcess:
    exe = shutil.which(tool, path=str(ROOT / ".venv" / "bin")) or shutil.which(tool)
    if exe is None:
        pytest.skip(f"{tool} is not installed (pip install -e '.[test]')")
    return subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_check_passes():
    result = run("ruff", "check", "planner", "ui", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = run("ruff", "format", "--check", "planner", "ui", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_no_type_errors():
    # the package ships py.typed: scripts that import it rely on its hints
    result = run("mypy")  # planner and ui, as [tool.mypy] in pyproject.toml names them
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues found" in result.stdout
