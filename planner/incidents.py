"""Incident files -> one canonical table of points (lon, lat in WGS84), with a count of every drop.

This first loader reads CSV exports that carry latitude / longitude columns (detected from the
header, or named in the scenario). Every row read is either kept or counted under a drop reason.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import IncidentDataError, PlannerWarning
from planner.scenario import IncidentSpec

log = logging.getLogger(__name__)

#: Header pairs recognised as (latitude, longitude), compared case-insensitively.
COORDINATE_COLUMNS = (
    ("latitude", "longitude"),
    ("lat", "long"),
    ("lat", "lon"),
    ("lat", "lng"),
)


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What happened to the rows of one file: read = kept + sum(dropped)."""

    file: str
    rows_read: int
    rows_kept: int
    dropped: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: rows read, kept, and dropped per reason."""
        drops = ", ".join(f"{n} {reason}" for reason, n in self.dropped.items() if n) or "none"
        return f"{self.file}: {self.rows_read} rows read, {self.rows_kept} kept; dropped: {drops}"

    def with_drop(self, reason: str, count: int) -> LoadReport:
        """A copy with ``count`` more rows dropped for ``reason``."""
        dropped = dict(self.dropped)
        dropped[reason] = dropped.get(reason, 0) + count
        return LoadReport(self.file, self.rows_read, self.rows_kept - count, dropped)


def _find_columns(columns: list[str], spec: IncidentSpec) -> tuple[str, str]:
    if spec.lat_col and spec.lon_col:
        missing = [c for c in (spec.lat_col, spec.lon_col) if c not in columns]
        if missing:
            msg = (
                f"{spec.path}: column(s) {', '.join(missing)} not in the header; "
                f"the file has: {', '.join(columns)}"
            )
            raise IncidentDataError(msg)
        return spec.lat_col, spec.lon_col
    lowered = {c.strip().lower(): c for c in columns}
    for lat, lon in COORDINATE_COLUMNS:
        if lat in lowered and lon in lowered:
            return lowered[lat], lowered[lon]
    msg = (
        f"{spec.path}: no latitude / longitude columns found (looked for "
        f"{', '.join('/'.join(p) for p in COORDINATE_COLUMNS)}); the file has: "
        f"{', '.join(columns)}; name them with lat_col and lon_col in the scenario"
    )
    raise IncidentDataError(msg)


def load_incidents(spec: IncidentSpec) -> tuple[pd.DataFrame, LoadReport]:
    """Read one incident CSV.

    Parameters
    ----------
    spec : IncidentSpec
        File path and optional column names.

    Returns
    -------
    tuple of (pandas.DataFrame, LoadReport)
        Kept incidents with ``lon`` and ``lat`` (degrees), and the row accounting.

    Raises
    ------
    IncidentDataError
        If the file cannot be read, is empty, or has no coordinate columns.
    """
    path = Path(spec.path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        msg = f"{path}: the incident file is empty; export it again with its header and rows"
        raise IncidentDataError(msg) from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = f"{path}: not a readable CSV file ({exc}); save it as UTF-8 CSV"
        raise IncidentDataError(msg) from None
    if len(raw) == 0:
        msg = f"{path}: the incident file has a header but no rows"
        raise IncidentDataError(msg)
    lat_col, lon_col = _find_columns(list(raw.columns), spec)
    lat = pd.to_numeric(raw[lat_col].str.strip(), errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(raw[lon_col].str.strip(), errors="coerce").to_numpy(dtype=float)
    missing = np.isnan(lat) | np.isnan(lon) | ((lat == 0) & (lon == 0))
    out_of_range = ~missing & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    keep = ~missing & ~out_of_range
    report = LoadReport(
        file=str(path),
        rows_read=len(raw),
        rows_kept=int(keep.sum()),
        dropped={
            "no coordinates": int(missing.sum()),
            "coordinates out of range": int(out_of_range.sum()),
        },
    )
    if report.rows_kept < report.rows_read:
        warnings.warn(report.summary(), PlannerWarning, stacklevel=2)
    log.info(report.summary())
    frame = pd.DataFrame({"lon": lon[keep], "lat": lat[keep]})
    return frame, report
