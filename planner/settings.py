"""Run-time settings that are not part of a scenario: where caches live, how many solver workers."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: Default most presence a variant of a plan may lose against the best (``plan --variants``).
VARIANTS_WITHIN = 0.05


def _default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/patrol-planner``, else ``~/.cache/patrol-planner``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "patrol-planner"


@dataclass(frozen=True, slots=True)
class Settings:
    """Machine-level options, passed explicitly (no module globals).

    Attributes
    ----------
    cache_dir : Path
        Folder for the osmnx HTTP cache of online downloads. Default
        ``$XDG_CACHE_HOME/patrol-planner``, else ``~/.cache/patrol-planner``.
    cpsat_workers : int
        CP-SAT search workers for fixed posts. Default 1: on two cores one worker with
        ``linearization_level=2`` proves covering optima fastest, and it is reproducible.
    online_timeout_s : float
        Seconds an online OpenStreetMap request may take before it is abandoned. Default 30.
    cpsat_work_limit : float or None
        CP-SAT deterministic-time limit (its own work unit, about 1-3 s on a laptop).
        Default ``None``: the scenario's ``solver.time_limit_s`` is used as the work limit, so
        time-limited posts are reproducible; the wall clock caps a solve at five times it.
    overpass_url : str or None
        Overpass API endpoint for online areas (e.g. an organisation's own mirror). Default
        ``None``: osmnx's default public endpoint.
    nominatim_url : str or None
        Nominatim endpoint that finds a place name's boundary (``area.source: place``). Default
        ``None``: osmnx's default public endpoint.
    """

    cache_dir: Path = field(default_factory=_default_cache_dir)
    cpsat_workers: int = 1
    online_timeout_s: float = 30.0
    cpsat_work_limit: float | None = None
    overpass_url: str | None = None
    nominatim_url: str | None = None
