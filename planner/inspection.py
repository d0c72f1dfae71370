"""What ``patrol-planner incidents inspect`` says of an incident file, before planning with it.

The schema detected, the dates and how they spread over months and hours, where the points lie
(so swapped or foreign coordinates show at once), the offence types with their harm weights,
and every row read, kept or dropped (:mod:`planner.incidents` reads the file).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner._incident_coordinates import POLAR_LAT
from planner._incident_schemas import (
    SCHEMAS,
    Schema,
    columns_swapped,
    points_swapped,
    swap_fix,
)
from planner._incident_times import MID_MONTH
from planner.errors import PlannerWarning, counted
from planner.harm import OTHER
from planner.incidents import (
    MAP_TYPES,
    NO_TYPE,
    LoadReport,
    _dropped_as,
    _incident_keys,
    _read_rows,
    _report,
    _share,
    load_incidents,
)
from planner.risk import after_shift_start
from planner.scenario import IncidentSpec
from planner.snapping import snap_incidents, swapped_rows, within_box

if TYPE_CHECKING:
    from planner.graph import StreetGraph


@dataclass(frozen=True, slots=True)
class IncidentInspection:
    """What an analyst needs to know about a new export before planning with it."""

    report: LoadReport
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    time_known_share: float
    month_only_share: float
    types: pd.DataFrame
    notes: tuple[str, ...] = ()
    extent: tuple[float, float, float, float] | None = None  # lat min, max, lon min, max
    middle: tuple[float, float] | None = None  # median lat, median lon
    periods: tuple[tuple[str, int], ...] = ()  # kept incidents per month, or per year (_periods)
    ends_timed: tuple[bool, bool] = (True, True)  # whether first and last have a time of day
    hours: tuple[float, ...] = ()  # share of the timed incidents kept in each 3-hour block
    #: per kept row, what makes it the same incident in another file (a plan's key)
    keys: np.ndarray = field(
        default_factory=lambda: np.empty(0, dtype=np.uint64), compare=False, repr=False
    )

    def where(self) -> str:
        """Where the kept incidents lie, so swapped or foreign coordinates show at once."""
        if self.extent is None:
            return "no incident kept"
        south, north, west, east = self.extent
        text = f"latitude {south:.4f} .. {north:.4f}, longitude {west:.4f} .. {east:.4f}"
        if self.middle is None:
            return text
        return f"{text} (median point {self.middle[0]:.4f}, {self.middle[1]:.4f})"

    def _period_word(self) -> str:
        """``year`` or ``month``: what :attr:`periods` counts."""
        return "year" if len(self.periods[0][0]) == 4 else "month"

    def _periods_text(self, most: int = 12) -> str:
        """List the counts per period: the busiest ``most`` of them, in time order."""
        shown = sorted(sorted(self.periods, key=lambda p: -p[1])[:most])
        text = ", ".join(f"{period}: {count}" for period, count in shown)
        hidden = len(self.periods) - len(shown)
        return text + (f" (and {hidden} quieter)" if hidden else "")

    def summary(self, top: int = 15) -> str:
        """Readable text: schema, dates, time-of-day share, top types, row accounting."""
        r = self.report
        if self.first is None or self.last is None:
            span = "no dated incidents kept"
        elif self.month_only_share == 1.0:  # placed mid-month: show the months only
            span = f"{self.first:%Y-%m} .. {self.last:%Y-%m} (months)"
        elif self.time_known_share == 0.0:  # dates without clock times (placed at noon)
            span = f"{self.first:%Y-%m-%d} .. {self.last:%Y-%m-%d} (dates only)"
        else:  # an end without a time of day shows its date alone, not noon
            first, last = (
                f"{end:%Y-%m-%d %H:%M}" if timed else f"{end:%Y-%m-%d}"
                for end, timed in zip((self.first, self.last), self.ends_timed, strict=True)
            )
            span = f"{first} .. {last}"
        lines = [
            f"file            {r.file}",
            f"schema          {r.schema}",
            f"dates           {span}",
            *(
                [f"{'  per ' + self._period_word():<16}{self._periods_text()}"]
                if self.periods
                else []
            ),
            f"where           {self.where()}",
            f"time of day     {_share(self.time_known_share)} of kept incidents"
            + (f" ({_share(self.month_only_share)} month only)" if self.month_only_share else ""),
            *(
                [
                    "  per 3 hours   "
                    + ", ".join(
                        f"{3 * i:02d}-{3 * i + 3:02d}h {share:.0%}"
                        for i, share in enumerate(self.hours)
                    )
                ]
                if self.hours
                else []
            ),
            f"rows            {r.rows_read} read, {r.rows_kept} kept",
        ]
        lines += [
            f"  dropped       {n:>7} {_dropped_as(n, reason)}"
            for reason, n in r.dropped.items()
            if n
        ]
        if r.rows_kept == 0:
            lines.append(
                "                no incident is kept: a plan with this file would stop here; see "
                "the drops above and the notes below"
            )
        shown = self.types.head(top)
        lines.append(
            f"top types       ({len(shown)} of {len(self.types)}; rows count each incident once)"
        )
        width = max([len("type"), *(len(t) for t in shown["crime_type"])])
        lines.append(f"  {'type':<{width}}  {'rows':>7}  {'kept':>7}  category (harm days)")
        for row in shown.itertuples(index=False):
            harm = "excluded" if np.isnan(row.harm) else f"{row.harm:g}"
            flag = "" if row.mapped else ", unmapped"
            lines.append(
                f"  {row.crime_type:<{width}}  {row.rows:>7}  {row.kept:>7}  "
                f"{row.category} ({harm}{flag})"
            )
        split = shown["crime_type"][shown["crime_type"].duplicated()].unique()
        if len(split):
            lines.append(
                f"  ({', '.join(split)}: listed once per category, which the file's "
                "description or subcategory decides)"
            )
        if r.unmapped:
            lines.append(
                f"unmapped types  {len(r.unmapped)} "
                f"({counted(sum(r.unmapped.values()), 'kept row')}, "
                f"weighted as '{OTHER}'): {', '.join(list(r.unmapped)[:10])}"
            )
            if set(r.unmapped) != {NO_TYPE}:
                lines.append(f"                {MAP_TYPES}")
            elif r.unmapped[NO_TYPE] == r.rows_kept and not any(
                "type_col" in n for n in self.notes
            ):
                lines.append("                no type column read: name it with --type-col")
        lines += [f"note            {note}" for note in self.notes]
        return "\n".join(lines)


def near_streets_line(
    spec: IncidentSpec,
    graph: StreetGraph,
    area: str,
    *,
    harm_overrides: Mapping[str, float] | None = None,
    exclude: Collection[str] | None = None,
    shift_start: dt.datetime | None = None,
) -> str:
    """Say how many of a file's kept incidents lie near the streets of ``graph`` (``area``).

    The others would be dropped as outside the area when planning, and so would those near
    dated after ``shift_start`` (a scenario's), when given. ``harm_overrides`` and ``exclude``
    are as for :func:`load_incidents` (which types are kept).

    Raises
    ------
    IncidentDataError
        When none does (swapped coordinates, another city or period are named).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlannerWarning)  # the counts are in the inspection
        kept, report = load_incidents(  # on the shift's clock, as a plan reads it
            spec,
            harm_overrides=harm_overrides,
            exclude=exclude,
            timezone=None if shift_start is None else str(shift_start.tzinfo),
        )
    kept = kept.assign(file=report.file)
    near, _ = snap_incidents(graph, kept, spec.max_snap_m, [report])
    region = SCHEMAS[report.schema].region if report.schema in SCHEMAS else None
    turned = "" if region else swapped_rows(graph, kept, near)  # else its note says them
    later = ""
    if shift_start is not None and (
        n := int(after_shift_start(kept.iloc[near], shift_start).sum())
    ):
        later = (
            f"; of those near, {counted(n, 'incident')} dated after the shift starts "
            f"{'is' if n == 1 else 'are'} left out as well ({len(near) - n} remain)"
        )
    return (
        f"near streets    {len(near)} of {len(kept)} kept lie within {spec.max_snap_m:g} m of "
        f"a street of {area} ({_share(len(near) / len(kept))}); a plan drops the others as "
        f"outside the area{turned}{later}"
    )


def files_total(inspections: Sequence[IncidentInspection]) -> str:
    """Sum up several files' inspections: rows read and kept, dates, incidents in two files.

    An incident an earlier file holds too (by the key :func:`load_incident_files` uses) is
    counted once by a plan reading the files together.
    """
    reports = [i.report for i in inspections]
    firsts = [i.first for i in inspections if i.first is not None]
    lasts = [i.last for i in inspections if i.last is not None]
    form = "%Y-%m" if all(i.month_only_share == 1.0 for i in inspections) else "%Y-%m-%d"
    span = f", dated {min(firsts):{form}} .. {max(lasts):{form}}" if firsts else ""
    kept = sum(r.rows_kept for r in reports)
    again = _in_earlier_files([i.keys for i in inspections])
    overlap = (
        f"; {again} of them also in an earlier file (exports that overlap, or a file saved "
        f"again): a plan reading them together counts {counted(kept - again, 'incident')}"
        if again
        else "; no incident is in two of them"
    )
    read = sum(r.rows_read for r in reports)
    return f"{len(reports)} files: {read} rows read, {kept} kept{span}{overlap}"


def _in_earlier_files(keys: Sequence[np.ndarray]) -> int:
    """How many kept rows an earlier file holds too, by the keys a plan reads them with."""
    seen = np.empty(0, dtype=np.uint64)
    again = 0
    for file_keys in keys:
        repeat = np.isin(file_keys, seen)
        again += int(repeat.sum())
        seen = np.union1d(seen, file_keys[~repeat])
    return again


def inspect_incidents(
    spec: IncidentSpec,
    *,
    harm_overrides: Mapping[str, float] | None = None,
    exclude: Collection[str] | None = None,
    today: dt.date | None = None,
) -> IncidentInspection:
    """Describe an incident file: schema, date range, time-of-day share, types, drops.

    Parameters
    ----------
    spec : IncidentSpec
        As for :func:`load_incidents`.
    harm_overrides, exclude
        As for :func:`load_incidents`.
    today : datetime.date, optional
        The day incidents dated later are said to be (default: this machine's today).

    Returns
    -------
    IncidentInspection
        With ``summary()`` for printing; issues no warning (the counts are in it).

    Raises
    ------
    IncidentDataError
        As :func:`load_incidents`.
    """
    parsed = _read_rows(spec, harm_overrides, exclude)
    rows = parsed.rows
    kept = rows[rows["drop"] == ""]
    dated = kept["occurred"].dropna()
    distinct = rows[~rows["drop"].isin(["duplicate row", "repeated header", "empty row"])].assign(
        crime_type=lambda f: f["crime_type"].replace("", NO_TYPE),
        kept=lambda f: f["drop"] == "",
    )
    types = (
        distinct.groupby(["crime_type", "category"], sort=False)
        .agg(
            rows=("kept", "size"),
            kept=("kept", "sum"),
            harm=("harm", "first"),
            mapped=("mapped", "all"),
        )
        .reset_index()
        .sort_values(["rows", "crime_type"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    return IncidentInspection(
        report=_report(parsed),
        first=dated.min() if len(dated) else None,
        last=dated.max() if len(dated) else None,
        time_known_share=float(kept["time_known"].mean()) if len(kept) else 0.0,
        month_only_share=float(kept["month_only"].mean()) if len(kept) else 0.0,
        types=types,
        notes=tuple(
            n
            for n in (
                *parsed.notes,
                *parsed.cautions,
                _region_note(parsed.schema, kept, (parsed.rows["incident_id"] != "").any()),
                _polar_note(parsed.coordinates, kept),
                _future_note(kept, today),
            )
            if n
        ),
        extent=_extent(kept),
        middle=None if kept.empty else (float(kept["lat"].median()), float(kept["lon"].median())),
        periods=_periods(dated),
        ends_timed=_ends_timed(kept, dated),
        hours=_hours(kept),
        keys=_incident_keys(kept, parsed.schema).to_numpy(),
    )


def _hours(kept: pd.DataFrame) -> tuple[float, ...]:
    """Share of the kept incidents with a time of day in each 3-hour block of the day.

    Offsets read wrong, or a placeholder time, show as a block out of all proportion.
    """
    timed = kept.loc[kept["time_known"].astype(bool), "occurred"].dropna()
    if timed.empty:
        return ()
    blocks = np.bincount(timed.dt.hour.to_numpy() // 3, minlength=8)
    return tuple(float(b) for b in blocks / blocks.sum())


def _ends_timed(kept: pd.DataFrame, dated: pd.Series) -> tuple[bool, bool]:
    """Whether the first and the last dated incident kept have a time of day."""
    if dated.empty:
        return True, True
    timed = kept["time_known"]
    return bool(timed[dated.idxmin()]), bool(timed[dated.idxmax()])


MONTHS_LISTED = 24
"""Longest span of months counted month by month; longer spans are counted per year."""


def _periods(dated: pd.Series) -> tuple[tuple[str, int], ...]:
    """Incidents per month over up to two years, else per year (empty within one month)."""
    if dated.empty:
        return ()
    months = dated.dt.to_period("M")
    if (months.max() - months.min()).n < MONTHS_LISTED:
        counts = months.astype(str).value_counts().sort_index()
        return tuple((str(m), int(n)) for m, n in counts.items()) if len(counts) > 1 else ()
    counts = dated.dt.year.value_counts().sort_index()
    return tuple((str(y), int(n)) for y, n in counts.items())


def _inside(lat: np.ndarray, lon: np.ndarray, box: list[float]) -> int:
    """How many points lie in ``box`` (south, north, west, east; degrees)."""
    return int(within_box(lat, lon, box).sum())


def _region_note(schema: str, kept: pd.DataFrame, numbered: bool) -> str | None:
    """Say so when most kept points lie outside the portal's region (swapped, or not its file).

    Only the city schemas know where their incidents lie; a file read with a column mapping
    is checked against its area when planning. ``numbered``: the file has incident numbers.
    """
    region = SCHEMAS[schema].region if schema in SCHEMAS else None
    if region is None or kept.empty:
        return None
    id_col = SCHEMAS[schema].id_col
    columns = [id_col] if numbered and id_col else []
    name, *box = region
    lat, lon = kept["lat"].to_numpy(), kept["lon"].to_numpy()
    inside = _inside(lat, lon, box)
    swapped = _inside(lon, lat, box)
    if 2 * inside >= len(kept):
        if not swapped:
            return None
        turned = kept[within_box(lon, lat, box)].iloc[0]
        return (
            f"{swapped} of {len(kept)} points lie in {name} only with latitude and longitude "
            f"exchanged (e.g. latitude {turned['lat']:g}, longitude {turned['lon']:g}): those "
            "rows have them written the wrong way round, and a plan drops them as outside its "
            "area; fix them in the file"
        )
    if 2 * swapped >= len(kept):
        return (
            f"latitude and longitude look swapped: {swapped} of {len(kept)} points lie in "
            f"{name} only with the two exchanged: {swap_fix(SCHEMAS[schema], columns)}"
        )
    if (turned_xy := _xy_swapped(SCHEMAS[schema], kept, box)) is not None:
        x_col, y_col, _ = SCHEMAS[schema].projected or ("", "", "")
        return (
            f"x and y look swapped: {turned_xy} of {len(kept)} points lie in {name} only with "
            f"the columns {x_col} and {y_col} exchanged: exchange their names in the file's "
            "first line (the file is then read as before)"
        )
    return (
        f"{len(kept) - inside} of {len(kept)} points lie outside {name}, where {schema} "
        "exports come from: check the coordinates, or read the file with a column mapping"
    )


def _xy_swapped(schema: Schema, kept: pd.DataFrame, box: list[float]) -> int | None:
    """How many points read from projected x and y lie in ``box`` with the two exchanged.

    None unless most kept points were read so and at least half lie there exchanged.
    """
    if schema.projected is None or not kept.get("projected", pd.Series(False)).mean() > 0.5:
        return None
    from pyproj import Transformer

    crs = schema.projected[2]
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(
        kept["lon"].to_numpy(), kept["lat"].to_numpy()
    )
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(y, x)
    inside = _inside(np.asarray(lat), np.asarray(lon), box)
    return inside if 2 * inside >= len(kept) else None


def _future_note(kept: pd.DataFrame, today: dt.date | None) -> str | None:
    """Say how many incidents are dated after today, and the latest (a mistyped year?).

    An incident known to the month only counts from its month's first day.
    """
    day = pd.Timestamp(today or dt.date.today()) + pd.Timedelta(days=1)
    month_only = kept["month_only"].to_numpy(dtype=bool)
    since = kept["occurred"].where(~month_only, kept["occurred"] - MID_MONTH)
    later = kept["occurred"][since >= day]
    if later.empty:
        return None
    return (
        f"{counted(len(later), 'incident')} dated after today (the latest {later.max():%Y-%m-%d}): "
        "a mistyped year? A plan leaves out incidents dated after its shift starts"
    )


def _polar_note(coordinates: tuple[str, ...], kept: pd.DataFrame) -> str | None:
    """Say so when most points of a mapped file lie in polar waste that swapped would leave.

    A file read with a column mapping has no region to be checked against before planning,
    but a latitude column that holds longitudes (-84 for Atlanta) puts it in Antarctica.
    ``coordinates`` names the x and y columns read, or the one column of points.
    """
    if not coordinates or kept.empty:
        return None
    lat, lon = kept["lat"].to_numpy(), kept["lon"].to_numpy()
    polar = (lat < POLAR_LAT[0]) | (lat > POLAR_LAT[1])
    could = (lon >= POLAR_LAT[0]) & (lon <= POLAR_LAT[1])  # as latitudes, where cities are
    if 2 * int((polar & could).sum()) < len(kept):
        return None
    return (
        f"latitude and longitude look swapped: {int(polar.sum())} of {len(kept)} points lie "
        f"beyond {-POLAR_LAT[0]:.0f} degrees south or {POLAR_LAT[1]:.0f} north, where no city "
        "is; "
        + (
            f"read it with {columns_swapped(*coordinates)}"
            if len(coordinates) == 2
            else points_swapped(coordinates[0])
        )
    )


def _extent(kept: pd.DataFrame) -> tuple[float, float, float, float] | None:
    """Latitude and longitude span of the kept rows (None when none is kept)."""
    if kept.empty:
        return None
    lat, lon = kept["lat"], kept["lon"]
    return float(lat.min()), float(lat.max()), float(lon.min()), float(lon.max())
