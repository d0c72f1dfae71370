"""Errors and warnings raised by the planner.

Every error message says what is wrong, where (file, field, row, node) and how to fix it, so the
command line and the app can show it as it is, without a traceback.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path


class PlannerError(Exception):
    """Base class of every error the planner raises on purpose."""

    exit_code = 2
    """The command line's exit code: 2 for what the input can mend."""


class ScenarioError(PlannerError, ValueError):
    """A scenario file is missing, malformed or inconsistent."""


class IncidentDataError(PlannerError, ValueError):
    """An incident file cannot be read or holds no usable records.

    ``mapping`` is the column mapping the message suggests reading the file with, as an
    ``incidents`` entry holds it (``{"schema": "generic", "time_col": ...}``), when it
    suggests one: the app offers to read the file so.
    """

    def __init__(self, message: str, mapping: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.mapping = dict(mapping or {})


class GraphError(PlannerError, ValueError):
    """A street graph cannot be built, or a place is not on it."""


class SolverError(PlannerError, RuntimeError):
    """An optimiser failed to return a usable answer."""


class PlannerFault(SolverError):
    """The planner's check of its own answer failed: a bug to report, not bad input."""

    exit_code = 3


class InfeasibleError(SolverError):
    """The scenario admits no plan (e.g. the shift is too short to leave the station)."""


class ExportError(PlannerError, OSError):
    """Plan files cannot be written."""


class PlannerWarning(UserWarning):
    """A recoverable data problem (rows dropped, a fallback used); the count is in the message."""


_KEPT: ContextVar[list[str] | None] = ContextVar("planner_kept_warnings", default=None)


def warn(message: str) -> None:
    """Issue a :class:`PlannerWarning`, and keep its message for the plan being made.

    The warning is said at the first line outside this package that led to it (a script's
    call of ``pipeline.run``, say), not at the library's own. Messages are kept by
    :func:`kept_warnings` in the caller's context only (each thread of the app, each Dask
    task), whatever the warning filters do.
    """
    kept = _KEPT.get()
    if kept is not None and message not in kept:
        kept.append(message)
    warnings.warn(message, PlannerWarning, stacklevel=_outside_level())


#: Where this package's modules are: frames of files under it are the library's own.
_PACKAGE = str(Path(__file__).parent) + os.sep


def _outside_level() -> int:
    """Return the ``stacklevel`` of :func:`warn`'s first caller outside this package."""
    level, frame = 2, sys._getframe(2)  # 1: warn itself; 2: whoever called it
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back
    return level


@contextmanager
def kept_warnings() -> Iterator[list[str]]:
    """Collect the messages :func:`warn` issues in this context, in order, each once."""
    kept: list[str] = []
    token = _KEPT.set(kept)
    try:
        yield kept
    finally:
        _KEPT.reset(token)


def counted(n: int, thing: str) -> str:
    """Return ``n`` and ``thing``, in the plural (an added s) unless ``n`` is 1: "1 row"."""
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def numbered(thing: str, numbers: Sequence[int]) -> str:
    """Return ``thing`` and its numbers, in the plural unless one: "unit 2", "units 1, 3"."""
    return f"{thing}{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"


def why_missing(path: Path, what: str) -> str:
    """Why ``path`` cannot be read as a file: a folder in its place, or nothing there."""
    if path.is_dir():
        article = "an" if what[0] in "aeiou" else "a"
        return f"is a folder, not {article} {what}"
    return f"{what} not found"
