"""Patrol visibility planner: where officers walk and stand during a shift.

The data flow is scenario -> street graph -> risk -> posts / routes -> plan -> exports, one module
per step; :func:`planner.pipeline.run` wires them.

The names a script needs are here too (``planner.load_scenario``, ``planner.run``,
``planner.write_plan``, ...; see ``__all__``); each loads its module when first used, so that
``import planner`` stays quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: The public names, by the module that defines them.
_PUBLIC = {
    "Scenario": "planner.scenario",
    "load_scenario": "planner.scenario",
    "parse_scenario": "planner.scenario",
    "with_overrides": "planner.scenario",
    "load_area": "planner.pipeline",
    "run": "planner.pipeline",
    "Plan": "planner.plan",
    "write_plan": "planner.export",
    "compare_staffing": "planner.staffing",
    "load_incidents": "planner.incidents",
    "PlannerError": "planner.errors",
    "PlannerWarning": "planner.errors",
}

__all__ = [
    "Plan",
    "PlannerError",
    "PlannerWarning",
    "Scenario",
    "__version__",
    "compare_staffing",
    "load_area",
    "load_incidents",
    "load_scenario",
    "parse_scenario",
    "run",
    "with_overrides",
    "write_plan",
]

if TYPE_CHECKING:
    from planner.errors import PlannerError, PlannerWarning
    from planner.export import write_plan
    from planner.incidents import load_incidents
    from planner.pipeline import load_area, run
    from planner.plan import Plan
    from planner.scenario import Scenario, load_scenario, parse_scenario, with_overrides
    from planner.staffing import compare_staffing


def __getattr__(name: str) -> object:
    """Load a public name's module on first use (PEP 562)."""
    if name not in _PUBLIC:
        msg = f"module 'planner' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names beside the module's own."""
    return sorted({*globals(), *_PUBLIC})
