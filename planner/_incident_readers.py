"""Readers of incident files: known open-data schemas and generic mapped files.

Private to :mod:`planner.incidents`, which owns the canonical table and the row accounting.
Each reader returns every row read with its parsed fields and problem flags (``missing``
coordinates, ``bad_date``); nothing is dropped here.
"""

from __future__ import annotations

import difflib
import re
import shlex
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd
import shapely

from planner._incident_coordinates import (
    _cells,
    _check_degrees,
    _crs,
    _placeholder,
    _to_wgs84,
    coordinate_numbers,
    garbled_note,
    not_numbers,
    point_share,
    point_texts,
)
from planner._incident_files import _no_rows, read_csv
from planner._incident_schemas import (
    COORDINATE_COLUMNS,
    GUESS_ROWS,
    POINT_SHARE,
    Schema,
    _columns_named,
    _match,
    date_fix,
    guess_clock,
    guess_columns,
    point_column,
    points_swapped,
)
from planner._incident_times import (
    MID_MONTH,
    TimeOffsets,
    _generic_times,
    _parse_times,
    _strip_offsets,
    _unread_times,
    bad_dates_note,
    clock_minutes,
    said_format,
)
from planner.errors import IncidentDataError
from planner.scenario import IncidentSpec

if TYPE_CHECKING:
    import geopandas as gpd

#: The GDAL drivers an incident file's map features are read with: GeoJSON and its kin
#: (newline-delimited, ArcGIS REST, TopoJSON) and GeoPackage.
GEO_DRIVERS = ("GeoJSON", "GeoJSONSeq", "ESRIJSON", "TopoJSON", "GPKG")

#: What a load cautions about when no incident kept has a date.
NO_DATES = (
    "no incident kept has a date, so recency, day-of-week and time-of-day weights cannot apply; "
    "name the date column (time_col, on the command line --time-col)"
)


def geo_info(path: Path) -> dict[str, object]:
    """Return pyogrio's summary of a geodata file (driver, features, ...), quiet about layers.

    An OSM extract read so warns of the layers not read; the caller names what the file is.
    """
    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return pyogrio.read_info(path)


def schema_rows(schema: Schema, path: Path, header: list[str]) -> pd.DataFrame:
    """Every row of a known export, parsed; ``missing`` and ``bad_date`` flag problems."""
    cols = _match(header, (*schema.required, *schema.optional))
    raw = read_csv(path, sorted(set(cols.values())))
    if len(raw) == 0:
        raise _no_rows(path)

    def get(name: str | None) -> pd.Series:
        if name is None or name not in cols:
            return pd.Series("", index=raw.index, dtype=str)
        return raw[cols[name]]

    sep = raw.attrs["sep"]
    lon, lat, commas = coordinate_numbers(get(schema.lon_col), get(schema.lat_col), sep)
    missing = _placeholder(lon, lat)
    flags = _flags(cols, get, {schema.lon_col: lon, schema.lat_col: lat})
    projected = np.zeros(len(raw), dtype=bool)  # read from the schema's x and y
    if schema.projected is not None and missing.any():
        x_name, y_name, crs = schema.projected
        x, y = np.full(len(raw), np.nan), np.full(len(raw), np.nan)  # only where lat/lon lack
        x[missing], y[missing], grouped = coordinate_numbers(
            get(x_name)[missing], get(y_name)[missing], sep
        )
        commas[missing] = grouped
        has_xy = missing & ~_placeholder(x, y)
        if has_xy.any():
            lon[has_xy], lat[has_xy] = _to_wgs84(x[has_xy], y[has_xy], crs, path)
            missing[has_xy] = False
            projected = has_xy
        flags |= _flags(cols, get, {x_name: x, y_name: y}, missing | has_xy)
    repeated = _header_rows(raw, missing)
    garbled = missing & ~repeated & np.logical_or.reduce([flag for _, flag in flags.values()])
    time_text = get(schema.time_col)
    if schema.iso_offsets:
        time_text = _strip_offsets(time_text)
    expected = f"{said_format(schema.time_format)} (e.g. {schema.example})"
    written = get(schema.time_col)
    fix = date_fix(schema, cols)  # the mapping names the coordinate columns the file has
    occurred, time_known, bad = _parse_times(
        time_text, schema.time_format, path, cols[schema.time_col], expected, fix, written
    )
    if schema.month_only:
        occurred = occurred + MID_MONTH
    unread = None
    if "%H" in schema.time_format or "%I" in schema.time_format:
        # a date whose time of day is written in another format: kept at noon, and said
        clock_text = time_text.str.strip().str.split(" ", n=1).str[1].fillna("").str.strip()
        odd = ~time_known & ~bad & (clock_text != "").to_numpy()
        unread = _unread_times(time_text, odd, cols[schema.time_col], f"write them as {expected}")
    if schema.clock_col is not None:
        occurred, time_known, unread = _clock_column(
            get(schema.clock_col), occurred, bad, cols[schema.clock_col]
        )
    crime_type = get(schema.type_col).str.strip()
    if schema.fallback_type_col is not None:
        fallback = get(schema.fallback_type_col).str.strip()
        crime_type = crime_type.where(crime_type != "", fallback)
    frame = pd.DataFrame(
        {
            "lon": lon,
            "lat": lat,
            "blank": _blank(raw, missing),
            "header": repeated,
            "commas": commas,
            "missing": missing,
            "garbled": garbled,
            "occurred": occurred,
            "time_known": time_known,
            "month_only": np.full(len(raw), schema.month_only) & ~bad,
            "bad_date": bad,
            "crime_type": crime_type,
            "detail": get(schema.detail_col).str.strip(),
            "incident_id": get(schema.id_col).str.strip(),
            "projected": projected,
        }
    )
    # a row without coordinates is dropped as such, whatever its date
    other = bad_dates_note(
        time_text, bad & ~missing, cols[schema.time_col], schema.time_format, written
    )
    cautions = (raw.attrs["short"], unread, other, garbled_note(flags, garbled))
    frame.attrs["cautions"] = tuple(filter(None, cautions))
    return frame


def _flags(
    cols: dict[str, str],
    get: Callable[[str], pd.Series],
    values: dict[str | None, np.ndarray],
    rows: np.ndarray | None = None,
) -> dict[str, tuple[pd.Series, np.ndarray]]:
    """Text and :func:`not_numbers` flags of coordinate columns, by their name in the file.

    Only ``rows`` (a mask; every row when ``None``) are looked at; the others are not flagged.
    """
    flags = {}
    for name, numbers in values.items():
        if name in cols:
            text = get(name)
            flag = np.zeros(len(text), dtype=bool)
            look = np.ones(len(text), dtype=bool) if rows is None else rows
            flag[look] = not_numbers(text[look], numbers[look])
            flags[cols[name]] = (text, flag)
    return flags


def _header_rows(raw: pd.DataFrame, missing: np.ndarray) -> np.ndarray:
    """Rows that repeat the header in every column read (monthly files joined end to end).

    Only rows without coordinates can be (a column name is not a number).
    """
    header = np.zeros(len(raw), dtype=bool)
    if missing.any():
        cells = raw[missing]
        same = [  # a joined file's later headers keep their byte-order marks
            cells[c].astype(str).str.strip(" \t\ufeff").str.lower() == c.strip(" \ufeff").lower()
            for c in raw
        ]
        header[missing] = np.logical_and.reduce([s.to_numpy() for s in same])
    return header


def _blank(raw: pd.DataFrame, missing: np.ndarray) -> np.ndarray:
    """Rows with no value in any column read (the ",,," a spreadsheet leaves at the end).

    Only rows without coordinates can be, so only those are looked at; when only the
    coordinates are read, a row without them is said to be so, not empty.
    """
    blank = np.zeros(len(raw), dtype=bool)
    if missing.any() and raw.shape[1] > 2:
        cells = raw[missing].apply(lambda column: column.astype(str).str.strip() == "")
        blank[missing] = cells.all(axis=1).to_numpy()
    return blank


def _texts(raw: pd.DataFrame, cols: dict[str, str], name: str | None) -> np.ndarray:
    """Return the stripped text of column ``name`` ("" for empty cells), or "" for every row."""
    if not name:
        return np.full(len(raw), "", dtype=object)
    text = _cells(raw[cols[name]])
    text = text.replace({"None": "", "nan": ""})  # as a spreadsheet or pandas wrote nothing
    return text.to_numpy(dtype=object)


def _clock_column(
    clock: pd.Series, occurred: pd.Series, bad: np.ndarray, column: str
) -> tuple[pd.Series, np.ndarray, str | None]:
    """Put each date at the time of day its own column gives (HHMM, HH:MM[:SS], AM / PM).

    The date column's own time, if any, is dropped (portals write 00:00 there). A row whose
    time is empty or unreadable keeps its date at noon, time unknown. Returns the times,
    whether each has a time of day, and a caution counting the unreadable times (or None).
    """
    text = _cells(clock)
    minutes, unreadable = clock_minutes(text)
    noon = minutes.fillna(12 * 60).to_numpy()
    occurred = occurred.dt.normalize() + pd.to_timedelta(noon, unit="min")
    time_known = minutes.notna().to_numpy() & ~bad
    fix = "write times as HHMM, HH:MM or HH:MM AM/PM"
    return occurred, time_known, _unread_times(text, unreadable & ~bad, column, fix)


def mapped_columns(spec: IncidentSpec, path: Path, header: list[str]) -> dict[str, str]:
    """Return the header's column for each column a generic mapping names.

    Raises
    ------
    IncidentDataError
        For a named column the header lacks, with the nearest it has (:func:`_columns_not_found`).
    """
    wanted = [c for c in _columns_named(spec) if c]
    cols = _match(header, wanted)
    if missing := [c for c in wanted if c not in cols]:
        raise IncidentDataError(_columns_not_found(spec, path, header, missing))
    return cols


def _columns_not_found(
    spec: IncidentSpec, path: Path, header: list[str], missing: list[str]
) -> str:
    """Say which mapped columns the file lacks, under which key, and the nearest it has."""
    keys = ("x_col", "y_col", "time_col", "type_col", "id_col", "clock_col")
    named = _columns_named(spec)
    taken = [c for c in named if c and c in header]
    said, wrong = [], []
    for key, column in zip(keys, named, strict=True):
        if column not in missing:
            continue
        near = _nearest_column(column, header, key, taken)
        said.append(f"{key} '{column}'" + (f" (did you mean '{near}'?)" if near else ""))
        wrong.append(key)
    options = ", ".join("--" + key.replace("_", "-") for key in wrong)
    keys_said = ", ".join(wrong[:-1]) + " and " + wrong[-1] if len(wrong) > 1 else wrong[0]
    return (
        f"{path}: column(s) not in the file: {', '.join(said)}; it has: {', '.join(header)}; "
        f"fix {keys_said} (on the command line: {options})"
    )


#: Words that start the words of column names holding dates (offered for a missing time_col).
_DATE_WORDS = ("date", "month", "occur", "year", "when", "time")
#: ... and times of day (offered for a missing clock_col).
_CLOCK_WORDS = ("time", "hour", "clock", "hhmm")


def _nearest_column(
    column: str, header: list[str], key: str = "", taken: Collection[str] = ()
) -> str | None:
    """Return the column of ``header`` that ``column`` (under ``key``) most likely means, or None.

    The one column whose name starts with it comes first (``Lat``: ``Latitude``, not ``Beat``,
    which is closer in spelling); then, for ``time_col`` or ``clock_col``, the one column not
    ``taken`` by another key whose name has a word for dates or times (``Date``: ``Month`` in a
    UK police file, not ``Latitude``; ``Validated`` holds no such word); else the closest
    spelling.
    """
    start = column.strip().lower()
    starting = [name for name in header if start and name.strip().lower().startswith(start)]
    if len(starting) == 1:
        return starting[0]
    words = {"time_col": _DATE_WORDS, "clock_col": _CLOCK_WORDS}.get(key)
    if words:
        timely = [
            name
            for name in header
            if name not in taken
            and any(w.startswith(words) for w in re.findall(r"[a-z]+", name.lower()))
        ]
        if len(timely) == 1:
            return timely[0]
    near = difflib.get_close_matches(column, header, n=1, cutoff=0.5)
    return near[0] if near else None


def generic_rows(
    spec: IncidentSpec, path: Path, header: list[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """Every row of a mapped CSV (``header`` given) or GeoJSON / GeoPackage file (``None``).

    Times are as written; the UTC offsets they carry are kept in ``attrs["time_offsets"]``
    (:class:`TimeOffsets`), to be applied once midnight placeholders are found.
    """
    if spec.clock_col and not spec.time_col:
        msg = (
            f"{path}: clock_col '{spec.clock_col}' gives the times of day, but no time_col names "
            "the dates they belong to; name the date column too (on the command line --time-col)"
        )
        raise IncidentDataError(msg)
    geo = None
    if header is None:  # a geodata file: its header is its columns but the geometry
        geo = _read_geo(path)
        header = [c for c in geo.columns if c != geo.geometry.name]
    cols = mapped_columns(spec, path, header)
    at = (
        _geo_places(geo, spec, path, cols)
        if geo is not None
        else _csv_places(spec, path, header, cols)
    )
    raw, cols = at.raw, at.cols
    # the date and type columns the mapping leaves out, when some look like them (for advice)
    unread = [c for c in header if c not in cols.values()]
    peek = (  # the first rows of some columns, for the guesses in advice
        (lambda c: raw[c].head(GUESS_ROWS))
        if geo is not None
        else (lambda c: read_csv(path, c, GUESS_ROWS))
    )
    guessed: tuple[str | None, str | None] = (None, None)
    if not (spec.time_col and spec.type_col):
        guessed = guess_columns(unread, peek, (not spec.time_col, not spec.type_col))
    times = _mapped_times(spec, raw, cols, path, guessed[0], at.missing)
    clock_note = None
    if spec.time_col and not spec.clock_col and not times.time_known.any():
        dates = cols[spec.time_col]
        if clock := guess_clock([*unread, dates], peek, dates):
            clock_note = (
                f"the dates in '{dates}' have no time of day, and the column '{clock}' looks "
                f"like one: name it with clock_col (on the command line --clock-col "
                f"{shlex.quote(clock)}); until then the incidents are spread over the day"
            )
    crime_type = _texts(raw, cols, spec.type_col)
    rows = pd.DataFrame(
        {
            "lon": at.lon,
            "lat": at.lat,
            "blank": at.blank,
            "header": at.header,
            "commas": at.commas,
            "missing": at.missing,
            "garbled": at.garbled,
            "occurred": times.occurred.to_numpy(),
            "time_known": times.time_known,
            "month_only": times.month_only,
            "bad_date": times.bad,
            "crime_type": crime_type,
            "detail": "",
            "incident_id": _texts(raw, cols, spec.id_col),
        }
    )
    typed = None if spec.type_col else guessed[1]
    rows.attrs["cautions"] = tuple(
        filter(
            None,
            (
                at.raw.attrs.get("short"),
                at.caution,
                times.caution,
                clock_note,
                garbled_note(at.flags, at.garbled),
                typed
                and f"no type_col is named, and the column '{typed}' looks like the offence type: "
                f"name it with type_col (on the command line --type-col {shlex.quote(typed)})",
                spec.type_col
                and not (crime_type != "").any()
                and f"the type column '{cols[spec.type_col]}' is empty on every row: name the "
                "column that holds the offence types with type_col (on the command line "
                "--type-col)",
            ),
        )
    )
    if at.coordinates:  # the columns read as x and y (or the one of points), for advice
        rows.attrs["coordinates"] = at.coordinates
    if times.offsets is not None:
        rows.attrs["time_offsets"] = times.offsets
    return rows, [*at.notes, *times.notes]


@dataclass(frozen=True, slots=True)
class _Places:
    """Where each row of a mapped file is, and what was wrong with its coordinates."""

    raw: pd.DataFrame  # the columns read
    cols: dict[str, str]  # mapped name -> column of ``raw`` (coordinates read added)
    lon: np.ndarray
    lat: np.ndarray
    missing: np.ndarray  # no coordinates
    garbled: np.ndarray  # coordinates that are not numbers
    flags: dict[str, tuple[pd.Series, np.ndarray]]  # see :func:`_flags`
    blank: np.ndarray  # rows with no value in any column read
    header: np.ndarray  # rows repeating the header
    commas: np.ndarray  # decimal commas read
    coordinates: tuple[str, ...]  # a CSV's columns read as x and y, or its one of points
    notes: list[str]
    caution: str | None = None  # what to check in the file's places, said in its warning


def _read_geo(path: Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON / GeoPackage file of incidents, its dates as written.

    Raises
    ------
    IncidentDataError
        If the file is unreadable, of another kind (an OSM extract, say) or holds no feature.
    """
    import geopandas as gpd

    try:
        driver = geo_info(path).get("driver")
        if driver in GEO_DRIVERS:
            # dates as written (as a CSV's are read), not turned into UTC clock times
            raw = gpd.read_file(path, engine="pyogrio", datetime_as_string=True)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        msg = f"{path}: not a readable GeoJSON / GeoPackage file ({exc}); check the export"
        raise IncidentDataError(msg) from None
    if driver not in GEO_DRIVERS:
        what = "an OpenStreetMap extract" if driver == "OSM" else f"a {driver} file"
        msg = (
            f"{path}: not a GeoJSON or GeoPackage file but {what}, whatever its name; "
            "incidents come as a CSV, GeoJSON (.geojson) or GeoPackage (.gpkg) export"
            + (
                " (a map extract belongs in the scenario's area: area.path)"
                if driver == "OSM"
                else ""
            )
        )
        raise IncidentDataError(msg)
    if len(raw) == 0:  # no columns either, when it holds no feature to give them
        raise _no_rows(path, geo=True)
    return raw


def _geo_places(
    raw: gpd.GeoDataFrame, spec: IncidentSpec, path: Path, cols: dict[str, str]
) -> _Places:
    """Each feature's point in WGS84 (a point inside each shape that is not one)."""
    notes = []
    if raw.crs is None:
        raw = raw.set_crs(_crs(spec.crs, path))
    points = raw.geometry.to_crs("EPSG:4326")
    empty = points.isna().to_numpy() | points.is_empty.to_numpy()
    shaped = (points.geom_type != "Point").to_numpy() & ~empty
    areas = points.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    caution = None
    if shaped.any():
        kinds = " and ".join(sorted(set(points[shaped].geom_type)))
        said = (
            f"{shaped.sum()} of {len(points)} features are shapes ({kinds}), not points: each "
            "is placed at a point inside its shape"
        )
        if 2 * areas.sum() > (~empty).sum():  # mostly areas: boundaries given as incidents?
            caution = (
                f"{said}; if they are the outlines of wards, beats or neighbourhoods, give the "
                "file as neighbourhoods.path for the exposure report, not as incidents"
            )
        else:
            notes.append(said)
        points = points.representative_point()
    lon = shapely.get_x(np.asarray(points.array, dtype=object)).astype(float)
    lat = shapely.get_y(np.asarray(points.array, dtype=object)).astype(float)
    none = np.zeros(len(raw), dtype=bool)
    return _Places(
        raw, cols, lon, lat, _placeholder(lon, lat), none, {}, none, none, none, (), notes, caution
    )


def _csv_places(spec: IncidentSpec, path: Path, header: list[str], cols: dict[str, str]) -> _Places:
    """Read a mapped CSV's columns; each row's point in WGS84 from its coordinate columns.

    The coordinates are the columns ``x_col`` and ``y_col`` name, else latitude and longitude
    columns by their usual names, else the one column that holds points.
    """
    notes = []
    x_col, y_col = spec.x_col, spec.y_col
    if (x_col is None) != (y_col is None):
        msg = (
            f"{path}: only {'x_col' if y_col is None else 'y_col'} is named; name both "
            "x_col and y_col (on the command line --x-col and --y-col), or neither when the "
            "file has latitude and longitude columns (or one column of points)"
        )
        raise IncidentDataError(msg)
    # x_col and y_col naming one column: a column of points, by the header's own name
    point = cols[x_col] if x_col is not None and x_col == y_col else None
    named_point = point is not None
    if x_col is None or y_col is None:
        x_col, y_col, point = _found_coordinates(spec, path, header)
        cols = cols | {c: c for c in (x_col, y_col, point) if c is not None}
    raw = read_csv(path, sorted(set(cols.values())))
    if len(raw) == 0:
        raise _no_rows(path)
    if point is not None:  # its x and y as if they were columns of the file
        if named_point and point_share(raw[point]) < POINT_SHARE:
            msg = (
                f"{path}: x_col and y_col both name '{point}', which holds no points such "
                "as (41.88, -87.63) or POINT (x y); name the longitude (or easting) column "
                "with x_col and the latitude (or northing) with y_col"
            )
            raise IncidentDataError(msg)
        x_col, y_col = f"{point} (x)", f"{point} (y)"
        geographic = _crs(spec.crs, path).is_geographic
        raw[x_col], raw[y_col], written = point_texts(raw[point], geographic)
        cols = cols | {x_col: x_col, y_col: y_col}
        notes.append(f"coordinates read from the column '{point}', written {written}")
    assert x_col is not None and y_col is not None  # named, found, or read from the points
    x, y, commas = coordinate_numbers(raw[cols[x_col]], raw[cols[y_col]], raw.attrs["sep"])
    missing = _placeholder(x, y)
    flags = _flags(cols, lambda name: raw[cols[name]], {x_col: x, y_col: y})
    repeated = _header_rows(raw, missing)
    garbled = missing & ~repeated & np.logical_or.reduce([flag for _, flag in flags.values()])
    swap = (
        f"{points_swapped(point)}, or export the latitude and longitude columns"
        if point is not None
        else None
    )
    _check_degrees(x[~missing], y[~missing], spec.crs, path, (cols[x_col], cols[y_col]), swap)
    lon, lat = np.full(len(raw), np.nan), np.full(len(raw), np.nan)
    if (~missing).any():
        lon[~missing], lat[~missing] = _to_wgs84(x[~missing], y[~missing], spec.crs, path)
    coordinates = (cols[x_col], cols[y_col]) if point is None else (point,)
    blank = _blank(raw, missing)
    return _Places(
        raw, cols, lon, lat, missing, garbled, flags, blank, repeated, commas, coordinates, notes
    )


def _found_coordinates(
    spec: IncidentSpec, path: Path, header: list[str]
) -> tuple[str | None, str | None, str | None]:
    """Return the latitude and longitude columns' x and y names, else the column of points.

    Raises
    ------
    IncidentDataError
        If the file has neither, or has them with a projected ``crs``.
    """
    lowered = {c.strip().lower(): c for c in header}
    pair = next(((a, b) for a, b in COORDINATE_COLUMNS if a in lowered and b in lowered), None)
    if pair is None:
        point = point_column(header, read_csv(path, header, GUESS_ROWS))
        if point is None:
            msg = (
                f"{path}: no coordinate columns named; the file has: "
                f"{', '.join(header)}; set x_col and y_col (and crs when they are not "
                "longitude / latitude)"
            )
            raise IncidentDataError(msg)
        return None, None, point
    y_col, x_col = lowered[pair[0]], lowered[pair[1]]
    if not _crs(spec.crs, path).is_geographic:
        msg = (
            f"{path}: crs {spec.crs} is projected, but no x_col and y_col are named "
            f"and the columns found, {x_col} and {y_col}, hold longitude and "
            "latitude; name the projected columns with x_col and y_col (on the "
            "command line --x-col, --y-col), or drop crs"
        )
        raise IncidentDataError(msg)
    return x_col, y_col, None


class _Times(NamedTuple):
    """A mapped file's times (see :func:`_generic_times`) and what to say of them."""

    occurred: pd.Series
    time_known: np.ndarray
    month_only: np.ndarray
    bad: np.ndarray
    notes: list[str]
    caution: str | None
    offsets: TimeOffsets | None  # the UTC offsets of the date column, when it gives the clock


def _mapped_times(
    spec: IncidentSpec,
    raw: pd.DataFrame,
    cols: dict[str, str],
    path: Path,
    guessed: str | None,
    dropped: np.ndarray,
) -> _Times:
    """Read the date column (and the clock column); without one, say ``guessed`` looks like one.

    ``dropped`` flags the rows dropped before their date is looked at (no coordinates): the
    caution about bad dates leaves them out.
    """
    n = len(raw)
    if not spec.time_col:
        undated = NO_DATES
        if guessed is not None:
            undated += (
                f"; the column '{guessed}' looks like one (--time-col {shlex.quote(guessed)})"
            )
        occurred = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
        none = np.zeros(n, dtype=bool)
        return _Times(occurred, none, none, none, [], undated, None)
    occurred, time_known, month_only, bad, notes, caution, offsets = _generic_times(
        raw[cols[spec.time_col]], path, cols[spec.time_col], spec.date_order, dropped
    )
    if not spec.clock_col:
        return _Times(occurred, time_known, month_only, bad, notes, caution, offsets)
    occurred, time_known, clock_caution = _clock_column(
        raw[cols[spec.clock_col]], occurred, bad, cols[spec.clock_col]
    )
    caution = "; ".join(filter(None, (caution, clock_caution))) or None
    # a clock column of its own is the wall clock: the date column's offsets do not apply
    return _Times(occurred, time_known, month_only, bad, notes, caution, None)
