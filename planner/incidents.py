"""Incident files -> one canonical table of points, with a count of every row dropped.

Open-data exports differ in everything: column names, date formats, coordinate systems, one row
per offence or per incident. Each known export is a :class:`Schema`, detected from the header
(or named with ``schema:`` in the scenario); any other CSV, GeoJSON or GeoPackage file is read
with a column mapping (``schema: generic``). Every loader returns the same table:

=============  ==========================================================================
``lon, lat``   float, WGS84 degrees
``occurred``   datetime64, naive local wall-clock time as written in the file
``time_known`` False when the record has no time of day (placed at 12:00 of its day)
``month_only`` True when the record has only a month (placed at 12:00 on the 15th)
``crime_type`` the offence type as written in the file
``category``   canonical harm category (:mod:`planner.harm`)
``harm``       harm weight in days (:func:`planner.harm.harm_weights`)
``file``       the file it came from
=============  ==========================================================================

Every row read is kept or counted under one drop reason, checked in this order: "empty row"
(no value in any column read, as spreadsheets leave at the end), "repeated header" (a row
repeating the header, as files joined end to end hold), "duplicate row" (a further row
of an incident already read), "no coordinates" (empty, NA, or the placeholders 0/0 and
-1/-1), "coordinates not numbers" (text such as 51.51N), "coordinates out of range", "bad
date", "excluded type" (a category in the exclusion list). So
``rows_read == rows_kept + sum(dropped.values())``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner._incident_coordinates import PROJECTED_MAPPING, far_note, out_of_range
from planner._incident_files import COMPRESSED, GEO_SUFFIXES, _no_rows, read_csv
from planner._incident_readers import (
    GEO_DRIVERS,
    NO_DATES,
    generic_rows,
    geo_info,
    mapped_columns,
    schema_rows,
)
from planner._incident_schemas import (
    SCHEMAS,
    Schema,
    choose_schema,
    projected_fix,
)
from planner._incident_times import (
    local_clock,
    midnight_placeholders,
    months_as_firsts,
    utc_caution,
)
from planner.errors import IncidentDataError, counted, warn, why_missing
from planner.harm import DEFAULT_EXCLUDED, OTHER, categorize, harm_weights
from planner.scenario import IncidentSpec, match_form

log = logging.getLogger(__name__)

NO_TYPE = "(no type)"
"""How a kept row without an offence type is listed among the unmapped types."""

#: How to put unmapped offence types in a harm category (for messages).
MAP_TYPES = (
    "put them in a category with type_categories in the scenario's incident entry, on the "
    "command line --type-category 'TYPE=category'; the categories are the README's harm table, "
    "e.g. 'other theft', 'assault simple'"
)

#: Drop reasons, in the order they are checked.
DROP_REASONS = (
    "empty row",
    "repeated header",
    "duplicate row",
    "no coordinates",
    "coordinates not numbers",
    "coordinates out of range",
    "bad date",
    "excluded type",
)

#: Columns of the table :func:`load_incidents` returns, in order.
CANONICAL_COLUMNS = (
    "lon",
    "lat",
    "occurred",
    "time_known",
    "month_only",
    "crime_type",
    "category",
    "harm",
    "file",
)


#: How a count of rows dropped for a reason is said: "2 with a bad date".
_DROPPED_AS = {
    "empty row": "empty rows",
    "repeated header": "repeated header rows",
    "duplicate row": "further rows of incidents already read",
    "no coordinates": "without coordinates",
    "coordinates not numbers": "with coordinates not numbers",
    "coordinates out of range": "with coordinates out of range",
    "bad date": "with a bad date",
    "excluded type": "of an excluded type",
}


def _dropped_as(n: int, reason: str) -> str:
    """How ``n`` rows dropped for ``reason`` are said after their count: "empty row(s)"."""
    said = _DROPPED_AS.get(reason, reason)
    if n == 1:
        return said.replace(" rows of incidents ", " row of an incident ").replace(" rows", " row")
    return said


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What happened to the rows of one file: read = kept + sum(dropped).

    ``unmapped`` counts kept rows per offence type that no harm table recognised (weighted as
    ``other``); ``schema`` names the format the file was read with; ``notes`` say how values
    were read where the file left a choice (date order, placeholder times, ...);
    ``coordinates`` names the x and y columns of a CSV read with ``schema: generic``.
    """

    file: str
    rows_read: int
    rows_kept: int
    dropped: dict[str, int] = field(default_factory=dict)
    schema: str = ""
    unmapped: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    coordinates: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line: rows read, kept, and dropped per reason."""
        drops = ", ".join(
            f"{n} {_dropped_as(n, reason)}" for reason, n in self.dropped.items() if n
        )
        where = f"{self.file} ({self.schema})" if self.schema else self.file
        read = counted(self.rows_read, "row")
        outside = self.dropped.get("outside the area", 0)
        kept = (  # the count the load's own warning gave as kept, then those the plan keeps
            f"{self.rows_kept + outside} loaded and {self.rows_kept} kept in the area"
            if outside
            else f"{self.rows_kept} kept"
        )
        text = f"{where}: {read} read, {kept}; dropped: {drops or 'none'}"
        # unmapped types are counted as the file was loaded, before the area drops any row
        typed = {k: n for k, n in self.unmapped.items() if k != NO_TYPE}
        if typed:
            text += (
                f"; {counted(sum(typed.values()), 'row')} loaded of "
                f"{counted(len(typed), 'unmapped offence type')} weighted as '{OTHER}' "
                f"({MAP_TYPES})"
            )
        untyped = self.unmapped.get(NO_TYPE, 0)
        loaded = self.rows_kept + outside
        if untyped and untyped == loaded:  # no type column read
            text += (
                f"; {counted(untyped, 'row')} loaded without an offence type weighted as "
                f"'{OTHER}' (a type column is named with type_col, on the command line --type-col)"
            )
        elif untyped:
            text += (
                f"; {counted(untyped, 'row')} loaded with an empty offence type weighted as "
                f"'{OTHER}'"
            )
        return text

    def with_drop(self, reason: str, count: int) -> LoadReport:
        """Return a copy with ``count`` more rows dropped for ``reason``."""
        dropped = dict(self.dropped)
        dropped[reason] = dropped.get(reason, 0) + count
        return dataclasses.replace(self, rows_kept=self.rows_kept - count, dropped=dropped)


@dataclass(frozen=True, slots=True)
class _Parsed:
    """Every row read, with its outcome in ``drop`` ("" = kept)."""

    rows: pd.DataFrame
    schema: str
    file: str
    notes: tuple[str, ...]
    cautions: tuple[str, ...] = ()  # what the analyst should check, said in the load warning
    coordinates: tuple[str, ...] = ()  # the x and y columns named or found (schema: generic)


#: Files that are not incident tables, by suffix: what they are and what to do instead.
_NOT_TABLES = {
    ".pbf": "an OpenStreetMap extract: it belongs in the scenario's area (area.path)",
    ".osm": "an OpenStreetMap extract: it belongs in the scenario's area (area.path)",
    ".xlsx": "a spreadsheet workbook: save the sheet as CSV (UTF-8) and give that file",
    ".xls": "a spreadsheet workbook: save the sheet as CSV (UTF-8) and give that file",
    ".shp": "a shapefile: convert it to GeoPackage (.gpkg) or GeoJSON and give that file",
}


#: Files known by their first bytes, whatever their name: what they are and what to do instead.
_SIGNATURES = (
    (b"PK\x03\x04", b"xl/", _NOT_TABLES[".xlsx"]),
    (b"PK\x03\x04", b"opendocument.spreadsheet", _NOT_TABLES[".xlsx"]),
    (
        b"PK\x03\x04",
        b"",
        "a ZIP archive: unzip it, or give it a .zip name to read the one CSV in it",
    ),
    (b"\xd0\xcf\x11\xe0", b"", _NOT_TABLES[".xls"]),
    (b"\x1f\x8b", b"", "a gzip-compressed file: give it a .gz name, or unpack it"),
    (b"SQLite format 3\x00", b"", "an SQLite database: a GeoPackage is read under a .gpkg name"),
    (b"%PDF", b"", "a PDF document: export the table itself as CSV"),
)


def _known_binary(start: bytes) -> str | None:
    """Return what a file is, from its first bytes, when they name a known binary format."""
    for magic, inside, what in _SIGNATURES:
        if start.startswith(magic) and inside in start:
            return what
    return None


def _check_text_table(path: Path) -> None:
    """Refuse a file that is not a text table (binary bytes, or a known other format).

    A compressed CSV (``.csv.gz``, ``.bz2``, ``.xz``, a ``.zip`` of one CSV) is read as it is.
    A workbook or archive under a ``.csv`` name is named for what its first bytes say it is.
    """
    if path.suffix.lower() in COMPRESSED:
        return
    with path.open("rb") as handle:
        start = handle.read(4096)
    what = _NOT_TABLES.get(path.suffix.lower()) or _known_binary(start)
    utf16 = start[:2] in (b"\xff\xfe", b"\xfe\xff")  # text with NUL bytes
    if what is None and (utf16 or b"\x00" not in start):
        return
    what = what or "a binary file, not CSV text"
    msg = (
        f"{path}: not an incident table, it looks like {what}; incidents come as a CSV, "
        "GeoJSON (.geojson) or GeoPackage (.gpkg) export"
    )
    raise IncidentDataError(msg)


def _opened(spec: IncidentSpec) -> tuple[Path, pd.DataFrame | None, str]:
    """Open an incident file: its path, CSV header (``None`` for GeoJSON / GeoPackage), schema.

    The header is the CSV read without rows (:func:`read_csv`), its ``attrs`` say how it reads.

    Raises
    ------
    IncidentDataError
        For a missing file, one that is not a table, an empty CSV or an unknown schema.
    """
    path = Path(spec.path)
    if not path.is_file():
        msg = f"{path}: {why_missing(path, 'incident file')}; check the path"
        raise IncidentDataError(msg)
    geo = path.suffix.lower() in GEO_SUFFIXES
    if not geo:
        _check_text_table(path)
    head = None if geo else read_csv(path, None)
    return path, head, choose_schema(spec, path, None if head is None else list(head.columns))


def check_incident_files(specs: Sequence[IncidentSpec]) -> None:
    """Refuse at once what would stop a load later: a missing, empty or unknown file.

    Reads each CSV's header and first row only (a GeoJSON / GeoPackage file's layer summary),
    so a plan can check its incident files before it spends time loading the streets; the load
    itself checks every row.

    Raises
    ------
    IncidentDataError
        As :func:`load_incident_files` for a file listed twice, missing, not a table, of an
        unknown schema, with a header but no rows or without features.
    """
    check_distinct_files([Path(spec.path) for spec in specs])
    for spec in specs:
        with said_where(spec):
            path, head, schema = _opened(spec)
            if head is None:
                info = _geo_summary(path)
                if info is not None and int(info["features"]) == 0:
                    raise _no_rows(path, geo=True)
                columns = None if info is None else [str(name) for name in info["fields"]]
            else:
                if read_csv(path, list(head.columns[:1]), nrows=1).empty:
                    raise _no_rows(path)
                columns = list(head.columns)
            if schema == "generic" and columns is not None:
                mapped_columns(spec, path, columns)


@contextmanager
def said_where(spec: IncidentSpec) -> Iterator[None]:
    """Put the scenario entry ``spec`` came from (its ``origin``) before the refusals inside.

    The file's own messages name the file; a scenario's entry names the line to change.
    """
    try:
        yield
    except IncidentDataError as refused:
        if spec.origin is None:
            raise
        msg = f"{spec.origin}: {refused}"
        raise IncidentDataError(msg, refused.mapping) from None


def _geo_summary(path: Path) -> dict[str, Any] | None:
    """Return pyogrio's summary of a GeoJSON / GeoPackage file (features, fields, ...).

    ``features`` is as its driver keeps it (-1: unknown). ``None`` for a file that does not
    read, or reads as another format: the load names it.
    """
    try:
        info = geo_info(path)
    except Exception:  # pyogrio raises several types for unreadable files: the load names them
        return None
    return info if info.get("driver") in GEO_DRIVERS else None


def _read_rows(
    spec: IncidentSpec,
    harm_overrides: Mapping[str, float] | None,
    exclude: Collection[str] | None,
    timezone: str | None = None,
) -> _Parsed:
    path, head, name = _opened(spec)
    header = None if head is None else list(head.columns)
    notes: list[str] = []
    coordinates: tuple[str, ...] = ()
    if header is None or name == "generic":
        rows, notes = generic_rows(spec, path, header)
        coordinates = rows.attrs.get("coordinates", ())
    else:
        rows = schema_rows(SCHEMAS[name], path, header)
    own, mapped = categorize(rows["crime_type"], name, rows["detail"])
    category, mapped, unused = _chosen_categories(
        rows["crime_type"], own, mapped, spec.type_categories
    )
    harm = harm_weights(category, harm_overrides, exclude)
    unused += _excluded_choices(spec.type_categories, rows["crime_type"][harm.isna()])
    if spec.type_categories:
        was_out = harm_weights(own, harm_overrides, exclude).isna()
        split = rows["crime_type"].isin(set(rows["crime_type"][~was_out]))  # by description
        back = harm.notna() & was_out & split
        unused += _brought_back(rows["crime_type"][back], own[back])
    missing, bad_date = rows["missing"].to_numpy(), rows["bad_date"].to_numpy()
    garbled = rows["garbled"].to_numpy()
    far = ~missing & out_of_range(rows["lon"].to_numpy(), rows["lat"].to_numpy())
    excluded = harm.isna().to_numpy()
    rows_ids = rows["incident_id"]
    duplicate = _duplicates(rows_ids, missing | far | bad_date, excluded, harm)
    blank, header_row = rows["blank"].to_numpy(), rows["header"].to_numpy()
    note = _repeats_note(rows_ids, rows["crime_type"], duplicate & ~blank & ~header_row)
    notes += [note] if note else []
    conditions = [
        blank,
        header_row,
        duplicate,
        missing & ~garbled,
        garbled,
        far,
        bad_date,
        excluded,
    ]
    drop = np.select(conditions, DROP_REASONS, default="")
    occurred, time_known, note = midnight_placeholders(
        rows["occurred"], rows["time_known"].to_numpy(), drop == ""
    )
    notes += [note] if note else []
    occurred, month_only, note = months_as_firsts(
        occurred, time_known, rows["month_only"].to_numpy(), drop == ""
    )
    notes += [note] if note else []
    utc = None
    if (offsets := rows.attrs.get("time_offsets")) is not None:  # placeholders found as written
        occurred, note = local_clock(occurred, time_known, offsets, timezone)
        notes += [note] if note else []
        utc = utc_caution(offsets, time_known & (drop == ""), timezone)
    commas = rows["commas"].to_numpy()
    rows = rows.drop(columns=["header", "commas", "missing", "garbled", "bad_date", "detail"])
    rows = rows.assign(
        occurred=occurred.astype("datetime64[ns]"),
        time_known=time_known,
        month_only=month_only,
        category=category.to_numpy(),
        mapped=mapped.to_numpy(),
        harm=harm.to_numpy(),
        file=str(path),
        drop=drop,
    )
    far_said = far_note(
        rows["lon"].to_numpy(),
        rows["lat"].to_numpy(),
        drop == "coordinates out of range",
        commas,
        PROJECTED_MAPPING if name == "generic" else projected_fix(SCHEMAS[name], header or ()),
    )
    cautions = (
        *rows.attrs.get("cautions", ()),
        *([far_said] if far_said else []),
        *([utc] if utc else []),
        *_placeholder_ids(rows_ids),
        *(_repeated_rows(rows) if name == "generic" and not spec.id_col else ()),
        *unused,
    )
    if head is not None and head.attrs["encoding"] == "cp1252":
        cautions += (
            "the file is not UTF-8, so it was read as Windows-1252 (what Excel saves as CSV on "
            "Western European Windows): check that accented offence types and places read "
            "right, or save it as CSV UTF-8",
        )
    if head is not None and head.attrs["spoiled"]:
        cautions += (
            f"{head.attrs['spoiled']} place(s) in the file are not valid UTF-8 and read as "
            "'\ufffd' (a file cut mid-letter, or two encodings mixed): check the offence types, "
            "or export the file again",
        )
    return _Parsed(rows, name, str(path), tuple(notes), cautions, coordinates)


def _chosen_categories(
    types: pd.Series, category: pd.Series, mapped: pd.Series, chosen: Mapping[str, str]
) -> tuple[pd.Series, pd.Series, tuple[str, ...]]:
    """Put the offence types named in ``chosen`` (``type_categories``) in their category.

    Types match ignoring case and surrounding or repeated spaces (:func:`match_form`). Returns
    the categories, whether each row's type is recognised, and a caution naming chosen types
    not in the file.
    """
    if not chosen:
        return category, mapped, ()
    distinct = pd.unique(types)  # one match_form per distinct type, not per row
    forms = types.map(dict(zip(distinct, map(match_form, distinct), strict=True)))
    picked = forms.map({match_form(k): v for k, v in chosen.items()})
    present = set(forms.unique())
    absent = [k for k in chosen if match_form(k) not in present]
    caution = (
        f"type_categories names {counted(len(absent), 'offence type')} not in the file "
        f"({', '.join(repr(k) for k in absent[:5])}): check the spelling against the types "
        "the file holds (patrol-planner incidents inspect lists them)",
    )
    return (
        category.where(picked.isna(), picked),
        mapped | picked.notna(),
        caution if absent else (),
    )


def _excluded_choices(chosen: Mapping[str, str], excluded: pd.Series) -> tuple[str, ...]:
    """Say which types ``type_categories`` put in a category left out: ``excluded`` types' rows.

    Their rows are dropped as excluded type.
    """
    if not chosen:
        return ()
    dropped = {match_form(t) for t in pd.unique(excluded)}
    named = [f"'{k}' in '{v}'" for k, v in chosen.items() if match_form(k) in dropped]
    if not named:
        return ()
    return (
        f"type_categories puts {', '.join(named[:5])}, a category left out (by default, or by "
        "risk.harm_exclude), so those rows are dropped as excluded type; choose another "
        "category, or keep it (risk.harm_exclude in the scenario, --all-types for "
        "evaluate-risk)",
    )


def _brought_back(types: pd.Series, own: pd.Series) -> tuple[str, ...]:
    """Say which rows ``type_categories`` brought back from a category left out.

    ``types`` and ``own`` are those rows' offence types and the categories the schema's table
    gave them by their description (other rows of their types are in a category kept).
    """
    if types.empty:
        return ()
    named = ", ".join(f"'{t}'" for t in pd.unique(types)[:5])
    was = ", ".join(sorted(set(own)))
    return (
        f"type_categories brings back {counted(len(types), 'row')} of {named} that the "
        f"schema's table, reading their description, had left out as {was}; if they should "
        "stay out, leave that type out of type_categories",
    )


MAX_ROWS_PER_INCIDENT = 20
"""More rows than this under one incident number look like a placeholder number."""


def _placeholder_ids(ids: pd.Series) -> tuple[str, ...]:
    """Warn of incident numbers on more rows than one incident has (e.g. "0", "UNKNOWN")."""
    counts = ids[ids != ""].value_counts()
    many = counts[counts > MAX_ROWS_PER_INCIDENT]
    if many.empty:
        return ()
    shown = ", ".join(f"'{i}' on {n} rows" for i, n in many.head(3).items())
    return (
        f"incident numbers shared by more than {MAX_ROWS_PER_INCIDENT} rows ({shown}) count "
        "as one incident each: if they are placeholders, clear them in the export",
    )


#: A share of timed rows repeating an earlier one this large (and at least REPEATS_MIN rows)
#: is not chance: a file doubled.
REPEATS_SAID = 0.05
REPEATS_MIN = 10


def _repeated_rows(rows: pd.DataFrame) -> tuple[str, ...]:
    """Say so when many kept rows repeat an earlier row's place, minute and offence type.

    Without incident numbers, two victims of one incident are two rows alike, so the rows are
    kept; ten or more, and a twentieth of them, is a file appended to itself or saved twice.
    """
    timed = rows[(rows["drop"] == "") & rows["time_known"]]
    repeats = int(timed.duplicated(["lon", "lat", "occurred", "crime_type"]).sum())
    if repeats < max(REPEATS_MIN, REPEATS_SAID * len(timed)):
        return ()
    typed = (timed["crime_type"] != "").any()
    alike = "place, minute and offence type" if typed else "place and minute"
    return (
        f"{repeats} of {len(timed)} rows with a time of day repeat an earlier row's {alike}, "
        "and each is counted: if rows were written twice, remove the repeats, or "
        "name the incident number column (id_col, --id-col) to count each once",
    )


def _duplicates(
    ids: pd.Series, invalid: np.ndarray, excluded: np.ndarray, harm: pd.Series
) -> np.ndarray:
    """Flag rows repeating an incident id.

    Each incident keeps one row: a valid one if it has one, of an included category if it has one,
    then of the highest harm (the rest repeat it).
    """
    has_id = (ids != "").to_numpy()
    if not has_id.any():
        return np.zeros(len(ids), dtype=bool)
    order = pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "invalid": invalid,
            "excluded": excluded,
            "harm": -harm.fillna(0.0).to_numpy(),
        }
    ).sort_values(["id", "invalid", "excluded", "harm"], kind="stable")
    repeat = np.zeros(len(ids), dtype=bool)
    repeat[order.index[order.duplicated("id")].to_numpy()] = True
    return repeat & has_id


def _repeats_note(ids: pd.Series, types: pd.Series, repeat: np.ndarray) -> str | None:
    """Say what the rows repeating an incident number hold: other offences, or the same again."""
    n = int(repeat.sum())
    if not n:
        return None
    first = ~repeat & (ids != "").to_numpy()
    kept_type = pd.Series(types[first].to_numpy(), index=ids[first].to_numpy())
    kept_type = kept_type[~kept_type.index.duplicated()]
    other = int((types[repeat].to_numpy() != ids[repeat].map(kept_type).to_numpy()).sum())
    held = [
        f"{other} with another offence on the same report" if other else "",
        f"{n - other} with the same offence again" if n > other else "",
    ]
    verb = "repeats" if n == 1 else "repeat"
    return (
        f"{counted(n, 'row')} {verb} an incident number read before "
        f"({', '.join(filter(None, held))}): each incident is counted once, as its most harmful "
        "offence"
    )


def _report(parsed: _Parsed) -> LoadReport:
    drop = parsed.rows["drop"]
    counts = drop.value_counts()
    return LoadReport(
        file=parsed.file,
        rows_read=len(drop),
        rows_kept=int(counts.get("", 0)),
        dropped={reason: int(counts.get(reason, 0)) for reason in DROP_REASONS},
        schema=parsed.schema,
        unmapped=_unmapped(parsed.rows[drop == ""]),
        notes=parsed.notes,
        coordinates=parsed.coordinates,
    )


def _unmapped(kept: pd.DataFrame) -> dict[str, int]:
    """Kept rows per offence type that no harm table recognised (:attr:`LoadReport.unmapped`)."""
    types = kept.loc[~kept["mapped"], "crime_type"].replace("", NO_TYPE).value_counts()
    return {str(k): int(v) for k, v in types.items()}


def check_distinct_files(paths: Collection[Path]) -> None:
    """Refuse incident files that hold the same bytes (a file listed twice, or a copy).

    Their incidents would count twice. Raises :class:`IncidentDataError` naming both.
    """
    seen: dict[str, Path] = {}
    for path in paths:
        try:
            with Path(path).open("rb") as file:
                digest = hashlib.file_digest(file, "sha256").hexdigest()
        except OSError:
            continue  # the loader names a file it cannot read
        if digest in seen:
            twice = Path(path).resolve() == seen[digest].resolve()
            same = "is listed twice" if twice else f"is a copy of {seen[digest]}"
            msg = f"incidents: {path} {same}: its incidents would count twice; list each file once"
            raise IncidentDataError(msg)
        seen[digest] = Path(path)


def load_incidents(
    spec: IncidentSpec,
    *,
    harm_overrides: Mapping[str, float] | None = None,
    exclude: Collection[str] | None = None,
    timezone: str | None = None,
) -> tuple[pd.DataFrame, LoadReport]:
    """Read one incident file into the canonical table.

    Parameters
    ----------
    spec : IncidentSpec
        File path, ``schema`` (``auto``, a schema name or ``generic``) and, for ``generic``,
        the column mapping.
    harm_overrides : mapping of str to float, optional
        Harm weights (days) replacing the defaults of :mod:`planner.harm` per category.
    exclude : collection of str, optional
        Categories dropped as "excluded type"; ``None`` means
        :data:`planner.harm.DEFAULT_EXCLUDED`.
    timezone : str, optional
        The IANA time zone of the shift planned (the area's, unless the scenario names
        another): a generic file's times that carry a UTC offset (``Z``, ``+02:00``) are read
        on its clock, once midnight placeholders are found. Without it they stay as written.

    Returns
    -------
    tuple of (pandas.DataFrame, LoadReport)
        One row per kept incident, in file order, with the columns of
        :data:`CANONICAL_COLUMNS` (see the module docstring); and the row accounting.

    Raises
    ------
    IncidentDataError
        If the file is missing, empty or unreadable, matches no schema, names an unknown
        schema or missing columns, or most of its dates do not follow the format.

    Warns
    -----
    PlannerWarning
        With :meth:`LoadReport.summary` when any row is dropped or any offence type is not
        in the harm table, and saying so when no incident kept has a date.
    """
    kept, report, cautions = _load(spec, harm_overrides, exclude, timezone)
    report = _announce(report, cautions)
    return kept.loc[:, list(CANONICAL_COLUMNS)].reset_index(drop=True), report


def _load(
    spec: IncidentSpec,
    harm_overrides: Mapping[str, float] | None,
    exclude: Collection[str] | None,
    timezone: str | None = None,
) -> tuple[pd.DataFrame, LoadReport, list[str]]:
    """Read a file: its kept rows (with ``incident_id``, "" for none), report and cautions.

    Raises
    ------
    IncidentDataError
        As :func:`load_incidents`.
    """
    parsed = _read_rows(spec, harm_overrides, exclude, timezone)
    report = _report(parsed)
    if report.rows_kept == 0:
        count = max(report.dropped.values())
        reason = " and ".join(r for r, n in report.dropped.items() if n == count)
        fix = (
            "keep excluded categories with risk.harm_exclude: [] in the scenario"
            if reason == "excluded type"
            else "check the file's columns with: patrol-planner incidents inspect FILE"
        )
        each = " each" if " and " in reason else ""
        msg = f"{report.summary()}; no incident is left (mostly {reason}: {count}{each}); {fix}"
        raise IncidentDataError("; ".join([msg, *parsed.cautions]))
    kept = parsed.rows[parsed.rows["drop"] == ""]
    cautions = list(parsed.cautions)
    if kept["occurred"].isna().all() and not any(c.startswith(NO_DATES) for c in cautions):
        cautions.append(NO_DATES)
    return kept, report, cautions


def _announce(report: LoadReport, cautions: Sequence[str]) -> LoadReport:
    """Warn of a load's drops, unmapped types and ``cautions`` (else log its counts).

    Returns the report with the cautions among its notes: the plan's risk notes (kpis.json,
    briefing) carry what the warning said.
    """
    if report.rows_kept < report.rows_read or report.unmapped or cautions:
        warn("; ".join([report.summary(), *cautions]))
    else:  # all kept: the counts are news, not a warning
        log.info(report.summary())
    for note in report.notes:
        log.info("%s: %s", report.file, note)
    return dataclasses.replace(report, notes=(*report.notes, *cautions))


def load_incident_files(
    specs: Sequence[IncidentSpec],
    *,
    harm_overrides: Mapping[str, float] | None = None,
    exclude: Collection[str] | None = None,
    timezone: str | None = None,
) -> tuple[list[pd.DataFrame], list[LoadReport]]:
    """Read several incident files (:func:`load_incidents`), each incident counted once.

    Exports that overlap (January to June, then April to December) or one saved again hold
    some incidents twice. A row of a later file is dropped as a duplicate row when an earlier
    file of the same schema holds its incident number with the same day and place; a row
    without a number, when an earlier file holds as many rows with its place, time and type
    (files of other months cannot). Each file's warning counts them and names the files.
    ``timezone`` is as for :func:`load_incidents`.

    Raises
    ------
    IncidentDataError
        As :func:`load_incidents`, and for a file listed twice or a copy
        (:func:`check_distinct_files`).
    """
    check_distinct_files([Path(spec.path) for spec in specs])
    frames: list[pd.DataFrame] = []
    reports: list[LoadReport] = []
    seen = pd.Series(dtype=object)  # incident key -> the file it was first read from
    for spec in specs:
        with said_where(spec):
            kept, report, cautions = _load(spec, harm_overrides, exclude, timezone)
        again = np.zeros(len(kept), dtype=bool)
        if len(specs) > 1:
            keys = _incident_keys(kept, report.schema)
            earlier = keys.map(seen)
            again = earlier.notna().to_numpy()
            seen = pd.concat([seen, pd.Series(report.file, index=keys[~again].to_numpy())])
            seen = seen[~seen.index.duplicated()]  # a 64-bit key shared by two: one is enough
        if again.any():
            report = dataclasses.replace(
                report.with_drop("duplicate row", int(again.sum())),
                unmapped=_unmapped(kept[~again]),
            )
            cautions.append(
                f"{counted(int(again.sum()), 'incident')} also in "
                f"{', '.join(earlier[again].value_counts().index)} (exports that overlap, or a "
                "file saved again): each is counted once, from the file listed first"
            )
        reports.append(_announce(report, cautions))
        frames.append(kept.loc[~again, list(CANONICAL_COLUMNS)].reset_index(drop=True))
    return frames, reports


def _incident_keys(kept: pd.DataFrame, schema: str) -> pd.Series:
    """Return, per kept row, a 64-bit key of what makes it the same incident in another file.

    With a number: its schema, number, day and place (to about 10 m: two sources may number
    their incidents alike). Without: its place, time, type and how many rows before it in the
    file have them (see :func:`load_incident_files`).
    """
    numbered = (kept["incident_id"] != "").to_numpy()
    place = kept[["lon", "lat"]].round(4)
    by_number = place.assign(
        schema=schema, id=kept["incident_id"], day=kept["occurred"].dt.normalize()
    )
    keys = pd.util.hash_pandas_object(by_number, index=False).to_numpy().copy()
    if not numbered.all():
        plain = kept.loc[~numbered, ["lon", "lat", "occurred", "crime_type"]]
        nth = plain.groupby(list(plain.columns), dropna=False).cumcount()
        plain = plain.assign(nth=nth.to_numpy(), unnumbered=True)
        keys[~numbered] = pd.util.hash_pandas_object(plain, index=False).to_numpy()
    return pd.Series(keys, index=kept.index)


def _share(share: float) -> str:
    """Format a share to 0.1 %, never rounded to 0 or 100 % when it is not."""
    if 0 < share < 0.001:
        return "<0.1%"
    if 0.999 < share < 1:
        return ">99.9%"
    return f"{share:.1%}"


__all__ = [
    "CANONICAL_COLUMNS",
    "DEFAULT_EXCLUDED",
    "DROP_REASONS",
    "SCHEMAS",
    "LoadReport",
    "Schema",
    "load_incidents",
]
