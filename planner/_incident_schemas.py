"""Known incident export schemas, and choosing the schema an incident file is read with."""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from planner._incident_coordinates import point_share
from planner._incident_files import read_csv
from planner._incident_times import _format_scores, clock_minutes
from planner.errors import IncidentDataError
from planner.scenario import IncidentSpec

#: Header pairs (latitude, longitude) recognised by ``schema: generic`` when x_col and y_col
#: are omitted.
COORDINATE_COLUMNS = (("latitude", "longitude"), ("lat", "long"), ("lat", "lon"), ("lat", "lng"))


@dataclass(frozen=True, slots=True)
class Schema:
    """A known export format: which columns hold what, and how dates are written."""

    name: str
    title: str
    required: tuple[str, ...]
    time_col: str
    time_format: str
    example: str
    type_col: str
    lon_col: str | None = None
    lat_col: str | None = None
    optional: tuple[str, ...] = ()
    fallback_type_col: str | None = None
    detail_col: str | None = None
    clock_col: str | None = None
    id_col: str | None = None
    projected: tuple[str, str, str] | None = None
    month_only: bool = False
    iso_offsets: bool = False
    region: tuple[str, float, float, float, float] | None = None
    """Where the portal's incidents lie: name, south, north, west, east (degrees)."""

    def column_sets(self) -> tuple[tuple[str, ...], ...]:
        """Return the column sets that identify the export.

        A portal with projected coordinates (Chicago's X and Y in feet) also lets a download
        leave them out for its latitude and longitude: either pair identifies it.
        """
        if self.projected is None or self.lon_col is None or self.lat_col is None:
            return (self.required,)
        x_name, y_name, _ = self.projected
        degrees = {x_name: self.lon_col, y_name: self.lat_col}
        return (self.required, tuple(degrees.get(c, c) for c in self.required))

    def wanted_columns(self) -> tuple[str, ...]:
        """Return the identifying columns and those holding coordinates, time, type and id."""
        named = (self.lon_col, self.lat_col, self.time_col, self.type_col, self.id_col)
        return tuple(dict.fromkeys([*self.required, *(c for c in named if c)]))


SCHEMAS: Mapping[str, Schema] = MappingProxyType(
    {
        s.name: s
        for s in (
            Schema(
                "uk_police",
                "data.police.uk street-level crime",
                ("Month", "Crime type", "Longitude", "Latitude"),
                time_col="Month",
                time_format="%Y-%m",
                example="2020-01",
                type_col="Crime type",
                lon_col="Longitude",
                lat_col="Latitude",
                month_only=True,
                optional=("Crime ID",),
                id_col="Crime ID",  # a crime listed again (another outcome) is one crime
                region=("England, Wales and Northern Ireland", 49.8, 56.0, -8.3, 1.9),
            ),
            Schema(
                "sf",
                "DataSF police incident reports, 2018 to present",
                ("Incident Datetime", "Incident Category", "Incident ID", "Latitude", "Longitude"),
                time_col="Incident Datetime",
                time_format="%Y/%m/%d %I:%M:%S %p",
                example="2018/12/01 12:25:00 AM",
                type_col="Incident Category",
                lon_col="Longitude",
                lat_col="Latitude",
                optional=("Incident Description",),
                detail_col="Incident Description",
                id_col="Incident ID",
                region=("San Francisco", 37.6, 37.9, -122.6, -122.3),
            ),
            Schema(
                "boston",
                "Analyze Boston crime incident reports",
                ("OCCURRED_ON_DATE", "OFFENSE_DESCRIPTION", "Lat", "Long"),
                time_col="OCCURRED_ON_DATE",
                time_format="%Y-%m-%d %H:%M:%S",
                example="2023-01-01 00:00:00+00",
                type_col="OFFENSE_CODE_GROUP",
                lon_col="Long",
                lat_col="Lat",
                optional=("OFFENSE_CODE_GROUP",),
                fallback_type_col="OFFENSE_DESCRIPTION",
                iso_offsets=True,
                region=("Boston", 42.2, 42.45, -71.2, -70.95),
            ),
            Schema(
                "chicago",
                "Chicago Data Portal crimes, 2001 to present",
                ("Date", "Primary Type", "X Coordinate", "Y Coordinate"),
                time_col="Date",
                time_format="%m/%d/%Y %I:%M:%S %p",
                example="02/10/2024 12:44:00 AM",
                type_col="Primary Type",
                lon_col="Longitude",
                lat_col="Latitude",
                optional=("Latitude", "Longitude", "Description"),
                detail_col="Description",
                projected=("X Coordinate", "Y Coordinate", "EPSG:3435"),
                region=("Chicago", 41.6, 42.1, -87.95, -87.5),
            ),
            Schema(
                "atlanta_cobra",
                "Atlanta Police COBRA crimes",
                ("Occur Date", "Occur Time", "UCR Literal", "Latitude", "Longitude"),
                time_col="Occur Date",
                time_format="%m/%d/%Y",
                example="1/31/2019 with Occur Time 100 (01:00)",
                type_col="UCR Literal",
                lon_col="Longitude",
                lat_col="Latitude",
                clock_col="Occur Time",
                optional=("Report Number",),
                id_col="Report Number",  # one report of several offences is one incident
                region=("Atlanta", 33.6, 33.95, -84.6, -84.25),
            ),
        )
    }
)

MAPPING_HELP = (
    "schema: generic with x_col (longitude or easting column), y_col (latitude or northing "
    "column), crs (default EPSG:4326; e.g. EPSG:27700 for British National Grid), time_col "
    "(date/time column), clock_col (time-of-day column, when apart from the dates), type_col "
    "(offence type column) and id_col (incident number, when one incident has several rows); "
    "on the command line --x-col, --y-col, --crs, --time-col, --clock-col, --type-col, --id-col"
)


def columns_swapped(x_col: str, y_col: str) -> str:
    """Say the mapping that reads columns ``x_col`` and ``y_col`` the other way round."""
    return (
        f"x_col: {y_col}, y_col: {x_col} (on the command line --x-col {shlex.quote(y_col)} "
        f"--y-col {shlex.quote(x_col)})"
    )


def generic_keys(
    schema: Schema,
    x_col: str,
    y_col: str,
    crs: str | None = None,
    columns: Collection[str] | None = None,
) -> dict[str, str]:
    """Return the ``schema: generic`` keys that read a ``schema`` export (see below), as a dict.

    An incident number the schema does not require is named only when the file's ``columns``
    are known to hold it.
    """
    id_col = schema.id_col
    if (
        id_col is not None
        and id_col not in schema.required
        and (columns is None or not _match(list(columns), [id_col]))
    ):
        id_col = None  # optional, and not known to be in the file
    mapping = {
        "x_col": x_col,
        "y_col": y_col,
        "crs": crs,
        "time_col": schema.time_col,
        "clock_col": schema.clock_col,
        "type_col": (
            schema.type_col if schema.type_col in schema.required else schema.fallback_type_col
        ),
        "id_col": id_col,
    }
    return {key: column for key, column in mapping.items() if column}


def generic_mapping(
    schema: Schema,
    x_col: str,
    y_col: str,
    crs: str | None = None,
    columns: Collection[str] | None = None,
) -> str:
    """Say the ``schema: generic`` mapping that reads a ``schema`` export, and what it loses.

    It names every column the schema reads (the time of day and incident number too), with
    the coordinates in ``x_col`` and ``y_col``, in ``crs`` when given. An incident number the
    schema does not require is named when the file's ``columns`` hold it, or, when they are
    not known, as a column to add if the file has it.
    """
    named = generic_keys(schema, x_col, y_col, crs, columns)
    maybe, id_col = "", schema.id_col
    if columns is None and id_col is not None and id_col not in schema.required:
        maybe = (
            f"; add id_col: {id_col} (--id-col {shlex.quote(id_col)}) if the file has that column"
        )
    keys = ", ".join(f"{key}: {column}" for key, column in named.items())
    options = " ".join(
        f"--{key.replace('_', '-')} {shlex.quote(column)}" for key, column in named.items()
    )
    losses = [
        f"the {schema.detail_col} that refines its offence types"
        if schema.detail_col is not None
        else "",
        "its rows with projected coordinates alone"
        if schema.projected is not None and x_col != schema.projected[0]
        else "",
    ]
    lost = "; the mapping loses " + " and ".join(w for w in losses if w) if any(losses) else ""
    return f"schema: generic, {keys} (on the command line --schema generic {options}){maybe}{lost}"


def swap_fix(schema: Schema, columns: Collection[str] | None = None) -> str:
    """How to read a ``schema`` export whose latitude and longitude columns are swapped.

    ``columns`` are the file's, when known: the mapping names its incident number if it has
    one (see :func:`generic_mapping`).
    """
    assert schema.lat_col is not None and schema.lon_col is not None
    # the column named for latitudes holds the longitudes
    return (
        f"exchange the names {schema.lon_col} and {schema.lat_col} in the file's first line "
        "(the file is then read as before), or read it with "
        f"{generic_mapping(schema, schema.lat_col, schema.lon_col, columns=columns)}"
    )


def projected_fix(schema: Schema, columns: Collection[str]) -> str:
    """How to read a ``schema`` export whose coordinate columns hold projected x and y.

    ``columns`` are the file's: the mapping names its incident number if it has one.
    """
    assert schema.lat_col is not None and schema.lon_col is not None
    return generic_mapping(schema, schema.lon_col, schema.lat_col, "EPSG:N", columns)


def date_fix(schema: Schema, columns: Collection[str]) -> str:
    """How to read a ``schema`` export whose dates are not written as the portal writes them.

    ``columns`` are the schema's columns the file holds: an export without latitude and
    longitude (Chicago's X and Y alone) is read from its projected coordinates.
    """
    assert schema.lat_col is not None and schema.lon_col is not None
    x_col, y_col, crs = schema.lon_col, schema.lat_col, None
    if schema.projected is not None and not {x_col, y_col} <= set(columns):
        x_col, y_col, crs = schema.projected
    return (
        "re-export the file in the portal's own date format, or read it with "
        f"{generic_mapping(schema, x_col, y_col, crs, columns)}"
    )


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _match(header: list[str], wanted: Collection[str]) -> dict[str, str]:
    """Wanted column -> actual header name, matching exactly or ignoring case and punctuation."""
    exact = set(header)
    loose = {_norm(h): h for h in reversed(header)}
    found = {}
    for name in wanted:
        if name in exact:
            found[name] = name
        elif _norm(name) in loose:
            found[name] = loose[_norm(name)]
    return found


def _known_schemas() -> str:
    """List the known schemas, one per line: name, portal and the columns that identify it."""
    return "".join(
        f"\n  - {s.name} ({s.title}: {' or '.join(', '.join(c) for c in s.column_sets())})"
        for s in SCHEMAS.values()
    )


def _share(header: list[str], columns: tuple[str, ...]) -> float:
    """Return the share of ``columns`` the header holds."""
    return len(_match(header, columns)) / len(columns)


def _identifying(header: list[str], schema: Schema) -> tuple[str, ...]:
    """Return the schema's identifying columns the header comes closest to holding."""
    return max(schema.column_sets(), key=lambda columns: _share(header, columns))


def _closest_schema(header: list[str]) -> Schema | None:
    """Return the schema whose identifying columns the header half holds or more, if any.

    Of schemas as close, the one holding more of its identifying columns wins.
    """
    best = max(
        SCHEMAS.values(),
        key=lambda s: (
            _share(header, _identifying(header, s)),
            len(_match(header, _identifying(header, s))),
        ),
    )
    return best if _share(header, _identifying(header, best)) >= 0.5 else None


def _renamed(column: str, unused: list[str]) -> str | None:
    """Return the header column that is ``column`` shortened or lengthened ('Lat', 'Latitude').

    Only one such column may qualify (of at least three letters): otherwise, or with none,
    there is no answer. Look-alike spellings are not guessed ('Incident Date' is not
    'Incident ID'), nor a column of numbers for one of words ('UCR #' is not 'UCR Literal',
    though 'Incident #' may be 'Incident ID').
    """
    key = _norm(column)
    forms = [
        h
        for h in unused
        if len(_norm(h)) >= 3
        and (("#" in h) == ("#" in column) or _ID_COLUMN.search(column) is not None)
        and (key.startswith(_norm(h)) or key.endswith(_norm(h)) or _norm(h).startswith(key))
    ]
    return forms[0] if len(forms) == 1 else None


def _renamings(header: list[str], schema: Schema) -> dict[str, str | None]:
    """Each column the schema wants -> the header column that holds it (``None`` if none).

    A header column holds one wanted column at most.
    """
    found = _match(header, schema.wanted_columns())
    unused = [h for h in header if h not in found.values()]
    columns: dict[str, str | None] = {}
    for wanted in schema.wanted_columns():
        column = found.get(wanted) or _renamed(wanted, unused)
        columns[wanted] = column
        if column is not None and column in unused:
            unused.remove(column)
    return columns


def _closest(header: list[str]) -> tuple[str, dict[str, str]]:
    """Name the schema the header nearly matches, what it lacks, and a mapping to try.

    The mapping is offered when each column the schema reads coordinates, time and type from
    is in the header, or shortened or lengthened there. Returns the text and the mapping it
    offers (an ``incidents`` entry's keys; empty when it offers none).
    """
    best = _closest_schema(header)
    if best is None:
        return "", {}
    required = _identifying(header, best)
    found = _match(header, required)
    columns = _renamings(header, best)
    lacking = [
        f"{c} (the file has '{columns[c]}')" if columns[c] else c
        for c in required
        if c not in found
    ]
    text = f" (closest: {best.name}, which also needs the column(s) {', '.join(lacking)})"
    if best.lon_col is None or best.lat_col is None or best.fallback_type_col:
        return text, {}  # another CRS, or a second type column generic cannot read
    needed = [
        ("x", columns[best.lon_col]),
        ("y", columns[best.lat_col]),
        ("time", columns[best.time_col]),
        *([("clock", columns[best.clock_col])] if best.clock_col else []),
        ("type", columns[best.type_col]),
    ]
    if any(col is None for _, col in needed):
        return text, {}
    given = [
        *needed,
        *([("id", columns[best.id_col])] if best.id_col and columns[best.id_col] else []),
    ]
    scenario = ", ".join(f"{name}_col: {col}" for name, col in given)
    flags = " ".join(f"--{name}-col {shlex.quote(str(col))}" for name, col in given)
    mapping = (
        f"; with the renamed columns it may read as schema: generic, {scenario} (on the "
        f"command line --schema generic {flags})"
    )
    if best.id_col and not columns[best.id_col]:
        mapping += (
            f" and id_col (--id-col) naming its {best.id_col} column, if it has one: without it "
            "an incident listed twice counts twice"
        )
    return text + mapping, {"schema": "generic", **{f"{name}_col": str(c) for name, c in given}}


#: The rows read to judge what a column holds.
GUESS_ROWS = 2000

#: A column holds points when this share of its first non-empty cells are written as points.
POINT_SHARE = 0.9


def point_column(header: list[str], sample: pd.DataFrame) -> str | None:
    """Return the column that holds each row's coordinates as one point, if any.

    ``sample`` is the file's first :data:`GUESS_ROWS` rows; the column's non-empty cells there
    must nearly all (:data:`POINT_SHARE`) be written as points: ``(41.88, -87.63)`` as Socrata
    portals write their location columns, or WKT ``POINT (x y)``.
    """
    return next((c for c in header if point_share(sample[c]) >= POINT_SHARE), None)


def points_swapped(column: str) -> str:
    """Say how to fix a column of points written latitude first (``POINT (lat lon)``)."""
    return f"write the points of '{column}' as POINT (longitude latitude)"


def guess_columns(
    header: list[str],
    read: Callable[[list[str]], pd.DataFrame],
    wanted: tuple[bool, bool] = (True, True),
) -> tuple[str | None, str | None]:
    """Guess the date and offence type columns among ``header``: named so, holding such values.

    ``read`` returns the first :data:`GUESS_ROWS` rows of the given columns as text; ``wanted``
    says which of the two to guess. A date column's values mostly read as dates;
    an offence type column's are mostly text, not numbers, and repeat (a few types, many
    rows). Only a suggestion for messages: reading a file by guessed columns could take the
    wrong one without anyone noticing.
    """
    named = [c for c in header if not _ID_COLUMN.search(c)]  # "Crime ID" is not a type
    times = [c for c in named if wanted[0] and any(w in c.lower() for w in _TIME_WORDS)]
    types = [c for c in named if wanted[1] and any(w in c.lower() for w in _TYPE_WORDS)]
    if not times and not types:
        return None, None
    try:
        table = read(list(dict.fromkeys(times + types)))  # its first GUESS_ROWS rows
    except (IncidentDataError, ValueError, KeyError):
        return None, None
    values = {c: table[c].fillna("").astype(str).str.strip() for c in table.columns}
    values = {c: v[v != ""] for c, v in values.items()}
    time_col = next((c for c in times if len(values[c]) and _date_share(values[c]) > 0.5), None)
    type_col = next(
        (
            c
            for c in types
            if c != time_col
            and len(values[c])
            and pd.to_numeric(values[c], errors="coerce").isna().mean() > 0.5
            and values[c].nunique() <= max(50, len(values[c]) // 2)
        ),
        None,
    )
    return time_col, type_col


def guess_clock(
    header: list[str], read: Callable[[list[str]], pd.DataFrame], time_col: str
) -> str | None:
    """Guess the time-of-day column beside a date column ``time_col`` whose dates have none.

    A column named for times (``time``, ``clock``) whose values mostly read as clock times
    (HHMM, HH:MM, AM / PM) and are mostly written as such (a colon, or 100 and up: not hours or
    minutes alone); ``None`` when the dates have times of day of their own (more
    than midnight placeholders) or no column fits. Only a suggestion for messages, as
    :func:`guess_columns`.
    """
    named = [
        c
        for c in header
        if c != time_col
        and not _ID_COLUMN.search(c)
        and any(w in c.lower() for w in ("time", "clock", "hhmm"))
    ]
    if not named:
        return None
    try:
        table = read([time_col, *named])  # its first GUESS_ROWS rows
    except (IncidentDataError, ValueError, KeyError):
        return None
    dates = table[time_col].fillna("").astype(str).str.strip()
    if not (dates != "").any():
        return None
    text, _, scores = _format_scores(dates[dates != ""])
    best = max(scores, key=lambda f: scores[f])
    read_as = pd.to_datetime(text, format=best, errors="coerce").dropna()
    if len(read_as) and (read_as != read_as.dt.normalize()).mean() > 0.1:
        return None  # the dates carry their times (not only midnight placeholders)
    for column in named:
        values = table[column].fillna("").astype(str).str.strip()
        values = values[values != ""]
        # clock faces, not hours or minutes alone (14 would read as 00:14): a colon, or HHMM
        faces = values.str.contains(":") | (pd.to_numeric(values, errors="coerce") >= 100)
        if len(values) and clock_minutes(values)[0].notna().mean() > 0.8 and faces.mean() > 0.5:
            return column
    return None


def _date_share(values: pd.Series) -> float:
    """Return the share of ``values`` the best-fitting date format reads."""
    return max(_format_scores(values)[2].values())


def _first_rows_problem(path: Path, header: list[str]) -> str:
    """Say what in the file's first rows stops them being read (a stray quote), else ''.

    Said with the unknown header, so that both are mended at once; it may also be why no
    column is suggested.
    """
    try:
        read_csv(path, header, GUESS_ROWS)
    except IncidentDataError as exc:
        problem = str(exc).removeprefix(f"{path}: ")
        return f"; and mend this first: {problem}"
    return ""


def _generic_guess(
    header: list[str], read: Callable[[list[str]], pd.DataFrame]
) -> tuple[str, dict[str, str]]:
    """Suggest the generic mapping of a header with latitude / longitude columns ('' if none).

    ``read`` returns columns of the file as text (see :func:`guess_columns`). Returns the
    text and the mapping (an ``incidents`` entry's keys; empty when there is none).
    """
    lowered = {c.strip().lower() for c in header}
    paired = any(a in lowered and b in lowered for a, b in COORDINATE_COLUMNS)
    if not paired and point_column(header, read(header)) is None:
        return "", {}
    time_col, type_col = guess_columns(header, read)
    clock_col = guess_clock(header, read, time_col) if time_col else None
    named = (("time", time_col), ("clock", clock_col), ("type", type_col))
    given = [(name, col) for name, col in named if col]
    scenario = ", ".join(f"{name}_col: {col}" for name, col in given)
    flags = " ".join(f"--{name}-col {shlex.quote(col)}" for name, col in given)
    dates = "" if time_col else "; name its date column too (time_col, --time-col)"
    text = (
        f"; this file has coordinates, so it may read as schema: generic"
        f"{', ' + scenario if scenario else ''} (on the command line --schema generic"
        f"{' ' + flags if flags else ''}){dates}"
    )
    return text, {"schema": "generic", **{f"{name}_col": col for name, col in given}}


_TIME_WORDS = ("date", "time", "occur", "month", "when", "reported")
_TYPE_WORDS = ("type", "categ", "offen", "crime", "descr", "ucr", "nature")
_ID_COLUMN = re.compile(r"(^|[\s_.-])(id|no|nr|num|number|key|ref)$", re.IGNORECASE)


def _columns_named(spec: IncidentSpec) -> tuple[str | None, ...]:
    """Return the columns a generic mapping names (``None`` where it names none)."""
    return (spec.x_col, spec.y_col, spec.time_col, spec.type_col, spec.id_col, spec.clock_col)


def _mapping_given(spec: IncidentSpec) -> bool:
    named = _columns_named(spec)
    return any(c is not None for c in named) or spec.crs.upper() != "EPSG:4326"


def choose_schema(spec: IncidentSpec, path: Path, header: list[str] | None) -> str:
    """Choose the schema to read a file with (see :func:`_choose_schema`).

    Raises
    ------
    IncidentDataError
        As :func:`_choose_schema`, and for a ``date_order`` that no date column of a generic
        file uses.
    """
    name = _choose_schema(spec, path, header)
    if spec.date_order != "auto" and (name != "generic" or not spec.time_col):
        msg = (
            f"{path}: date_order applies to the time_col of a generic file (the {name} schema "
            "knows its date format)"
            if name != "generic"
            else f"{path}: date_order is set but no time_col names the date column; add it"
        )
        raise IncidentDataError(msg)
    return name


def unknown_schema(name: str) -> str | None:
    """Say why ``name`` is no schema, with the nearest one and the mapping syntax (or None)."""
    known = (*SCHEMAS, "generic", "auto")
    if name.strip().lower() in known:
        return None
    guess = difflib.get_close_matches(name.strip().lower(), known, n=1)
    hint = f"did you mean '{guess[0]}'? " if guess else ""
    return (
        f"unknown incident schema '{name}'; {hint}use auto (detect from the header), one of: "
        f"{', '.join(SCHEMAS)}, or map the columns with {MAPPING_HELP}"
    )


def _detected(header: list[str]) -> Schema | None:
    """Return the first known schema whose required columns the header holds, if any."""
    return next(
        (s for s in SCHEMAS.values() if _share(header, _identifying(header, s)) == 1),
        None,
    )


def _check_partial_mapping(spec: IncidentSpec, path: Path, header: list[str]) -> None:
    """Refuse a mapping that reads a known export as generic without its dates or types.

    A column named to change one thing (``type_col`` alone, say) reads the whole file with
    the mapping, so the schema's dates or offence types would be lost without a word.
    """
    known = _detected(header)
    if known is None:
        return
    lost = []
    if not spec.time_col:
        lost.append(f"its dates (time_col '{known.time_col}', --time-col)")
    if not spec.type_col:
        lost.append(f"its offence types (type_col '{known.type_col}', --type-col)")
    if known.clock_col and not spec.clock_col:
        lost.append(f"its times of day (clock_col '{known.clock_col}', --clock-col)")
    if not lost:
        return
    msg = (
        f"{path}: the header is that of the {known.title} export (schema {known.name}), but the "
        f"column mapping reads it as generic, which would leave out {' and '.join(lost)}; "
        f"drop the mapping to read it as {known.name}, or name those columns too"
    )
    raise IncidentDataError(msg)


def _choose_schema(spec: IncidentSpec, path: Path, header: list[str] | None) -> str:
    """Choose the schema to read a file with: named, detected from the header, or ``generic``.

    ``header`` is ``None`` for GeoJSON / GeoPackage files (always ``generic``).

    Raises
    ------
    IncidentDataError
        For an unknown schema name, mapping fields with a named schema, a named schema whose
        columns the file lacks, or a header that no schema matches.
    """
    if (why := unknown_schema(spec.schema)) is not None:  # a spec made without validation
        msg = f"{path}: {why}"
        raise IncidentDataError(msg)
    name = spec.schema.strip().lower()
    if name in SCHEMAS and _mapping_given(spec):
        msg = (
            f"{path}: x_col, y_col, crs, time_col, clock_col, type_col and id_col apply only to "
            f"schema: generic (the {name} schema knows its columns); drop them or set schema: "
            "generic"
        )
        raise IncidentDataError(msg)
    if header is None:  # GeoJSON / GeoPackage
        if name in SCHEMAS:
            msg = (
                f"{path}: the {name} schema reads the portal's CSV export; read GeoJSON and "
                f"GeoPackage files with {MAPPING_HELP}"
            )
            raise IncidentDataError(msg)
        return "generic"
    if name == "auto" and _mapping_given(spec):
        _check_partial_mapping(spec, path, header)
        return "generic"
    if name == "generic":
        return "generic"
    if name == "auto":
        if (known := _detected(header)) is not None:
            return known.name
        if Path(path).suffix.lower() in (".yaml", ".yml"):
            msg = (
                f"{path}: a YAML file (a scenario?), not an incident export; give the CSV, "
                "GeoJSON or GeoPackage file of the incidents"
            )
            raise IncidentDataError(msg)
        closest, mapping = _closest(header)
        guess = ""
        if not mapping:
            guess, mapping = _generic_guess(
                header, lambda columns: read_csv(path, columns, GUESS_ROWS)
            )
        guess += _first_rows_problem(path, header)
        msg = (
            f"{path}: the header matches no known incident schema{closest}; the file "
            f"has the columns: {', '.join(header)}{guess}; known schemas:"
            f"{_known_schemas()}\nFor any other file use {MAPPING_HELP}"
        )
        raise IncidentDataError(msg, mapping)
    schema = SCHEMAS[name]
    required = _identifying(header, schema)
    missing = [c for c in required if c not in _match(header, required)]
    if missing:
        msg = (
            f"{path}: schema {name} needs the column(s) {', '.join(missing)}, which the file "
            f"does not have (it has: {', '.join(header)}); use schema: auto to detect the "
            f"format, or {MAPPING_HELP}"
        )
        raise IncidentDataError(msg)
    return name
