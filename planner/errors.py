"""Errors and warnings raised by the planner.

Every error message says what is wrong, where (file, field, row, node) and how to fix it, so the
command line and the app can show it as it is, without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class PlannerError(Exception):
    """Base class of every error the planner raises on purpose."""


class ScenarioError(PlannerError, ValueError):
    """A scenario file is missing, malformed or inconsistent."""


class IncidentDataError(PlannerError, ValueError):
    """An incident file cannot be read or holds no usable records."""


class GraphError(PlannerError, ValueError):
    """A street graph cannot be built, or a place is not on it."""


class SolverError(PlannerError, RuntimeError):
    """An optimiser failed to return a usable answer."""


class InfeasibleError(SolverError):
    """The scenario admits no plan (e.g. the shift is too short to leave the station)."""


class ExportError(PlannerError, OSError):
    """Plan files cannot be written."""


class PlannerWarning(UserWarning):
    """A recoverable data problem (rows dropped, a fallback used); the count is in the message."""


def why_missing(path: Path, what: str) -> str:
    """Why ``path`` cannot be read as a file: a folder in its place, or nothing there."""
    if path.is_dir():
        article = "an" if what[0] in "aeiou" else "a"
        return f"is a folder, not {article} {what}"
    return f"{what} not found"
