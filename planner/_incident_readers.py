"""Readers of incident files: known open-data schemas and generic mapped files.

Private to :mod:`planner.incidents`, which owns the canonical table and the row accounting.
Each reader returns every row read with its parsed fields and problem flags (``missing``
coordinates, ``bad_date``); nothing is dropped here.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import difflib
import gzip
import io
import itertools
import lzma
import re
import shlex
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from planner.errors import IncidentDataError
from planner.scenario import IncidentSpec

#: Above this share of rows failing the date format, loading stops with an error.
MAX_BAD_DATE_SHARE = 0.5

#: Loading also stops when more dates in another format than this share of the rows (and than
#: ``OTHER_FORMAT_MIN_ROWS``) fail: the file mixes date formats, and dropping the rows of the
#: other one would lose a part of the data. Fewer, and empty, stray or impossible dates, are
#: dropped and counted.
OTHER_FORMAT_SHARE = 0.01
OTHER_FORMAT_MIN_ROWS = 2

#: A file whose times (at least this many) are all 00:00 holds dates only.
MIN_TIMES_FOR_MIDNIGHT_CHECK = 10

GEO_SUFFIXES = (".geojson", ".json", ".gpkg")

#: Header pairs (latitude, longitude) recognised by ``schema: generic`` when x_col and y_col
#: are omitted.
COORDINATE_COLUMNS = (("latitude", "longitude"), ("lat", "long"), ("lat", "lon"), ("lat", "lng"))

#: Date formats tried for ``schema: generic``, most specific first.
GENERIC_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %I:%M:%S %p",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d/%m/%Y %I:%M:%S %p",
    "%d/%m/%Y %I:%M %p",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y-%m",
)

_OFFSET = re.compile(r"(?<=:\d\d)(?:\.\d+)?(?:Z|[+-]\d{2}(?::?\d{2})?)$")
_ISO_T = re.compile(r"^(\d{4}-\d{2}-\d{2})T")


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
            ),
        )
    }
)

MAPPING_HELP = (
    "schema: generic with x_col (longitude or easting column), y_col (latitude or northing "
    "column), crs (default EPSG:4326; e.g. EPSG:27700 for British National Grid), time_col "
    "(date/time column), type_col (offence type column) and id_col (incident number, when "
    "one incident has several rows); on the command line "
    "--x-col, --y-col, --crs, --time-col, --type-col, --id-col"
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
    return "; ".join(f"{s.name} ({s.title}: {', '.join(s.required)})" for s in SCHEMAS.values())


def _closest(header: list[str]) -> str:
    """Name the schema the header nearly matches (half its columns or more) and what it lacks."""
    best = max(SCHEMAS.values(), key=lambda s: len(_match(header, s.required)) / len(s.required))
    found = _match(header, best.required)
    if len(found) * 2 < len(best.required):
        return ""
    lacking = []
    for column in best.required:
        if column not in found:
            near = difflib.get_close_matches(column, header, n=1, cutoff=0.6)
            lacking.append(f"{column} (the file has '{near[0]}')" if near else column)
    return f" (closest: {best.name}, which also needs the column(s) {', '.join(lacking)})"


def _generic_guess(header: list[str]) -> str:
    """Suggest the generic mapping of a header with latitude / longitude columns ('' if none).

    Only a suggestion for the message: reading a file by guessed columns could take the wrong
    date column without anyone noticing.
    """
    lowered = {c.strip().lower() for c in header}
    if not any(a in lowered and b in lowered for a, b in COORDINATE_COLUMNS):
        return ""

    named = [c for c in header if not _ID_COLUMN.search(c)]  # "Crime ID" is not a type
    time_col = next((c for c in named if any(w in c.lower() for w in _TIME_WORDS)), None)
    type_col = next(
        (c for c in named if c != time_col and any(w in c.lower() for w in _TYPE_WORDS)), None
    )
    given = [(name, col) for name, col in (("time", time_col), ("type", type_col)) if col]
    scenario = ", ".join(f"{name}_col: {col}" for name, col in given)
    flags = " ".join(f"--{name}-col {shlex.quote(col)}" for name, col in given)
    dates = "" if time_col else "; name its date column too (time_col, --time-col)"
    return (
        f"; this file has latitude and longitude columns, so it may read as schema: generic"
        f"{', ' + scenario if scenario else ''} (on the command line --schema generic"
        f"{' ' + flags if flags else ''}){dates}"
    )


_TIME_WORDS = ("date", "time", "occur", "month", "when")
_TYPE_WORDS = ("type", "categ", "offen", "crime", "descr")
_ID_COLUMN = re.compile(r"(^|[\s_.-])(id|no|nr|num|number|key|ref)$", re.IGNORECASE)


def _columns_named(spec: IncidentSpec) -> tuple[str | None, ...]:
    """Return the columns a generic mapping names (``None`` where it names none)."""
    return (spec.x_col, spec.y_col, spec.time_col, spec.type_col, spec.id_col)


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


def _choose_schema(spec: IncidentSpec, path: Path, header: list[str] | None) -> str:
    """Choose the schema to read a file with: named, detected from the header, or ``generic``.

    ``header`` is ``None`` for GeoJSON / GeoPackage files (always ``generic``).

    Raises
    ------
    IncidentDataError
        For an unknown schema name, mapping fields with a named schema, a named schema whose
        columns the file lacks, or a header that no schema matches.
    """
    name = spec.schema.strip().lower()
    if name not in (*SCHEMAS, "generic", "auto"):
        msg = (
            f"{path}: unknown incident schema '{spec.schema}'; use auto (detect from the header), "
            f"one of: {', '.join(SCHEMAS)}, or map the columns with {MAPPING_HELP}"
        )
        raise IncidentDataError(msg)
    if name in SCHEMAS and _mapping_given(spec):
        msg = (
            f"{path}: x_col, y_col, crs, time_col, type_col and id_col apply only to schema: "
            "generic "
            f"(the {name} schema knows its columns); drop them or set schema: generic"
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
    if name == "generic" or (name == "auto" and _mapping_given(spec)):
        return "generic"
    if name == "auto":
        for schema in SCHEMAS.values():
            if len(_match(header, schema.required)) == len(schema.required):
                return schema.name
        msg = (
            f"{path}: the header matches no known incident schema{_closest(header)}; the file "
            f"has the columns: {', '.join(header)}{_generic_guess(header)}; known schemas: "
            f"{_known_schemas()}; for any other file use {MAPPING_HELP}"
        )
        raise IncidentDataError(msg)
    schema = SCHEMAS[name]
    missing = [c for c in schema.required if c not in _match(header, schema.required)]
    if missing:
        msg = (
            f"{path}: schema {name} needs the column(s) {', '.join(missing)}, which the file "
            f"does not have (it has: {', '.join(header)}); use schema: auto to detect the "
            f"format, or {MAPPING_HELP}"
        )
        raise IncidentDataError(msg)
    return name


#: Compressed CSV files read as they are, by suffix (pandas infers the same from the suffix).
COMPRESSED: Mapping[str, Callable[..., io.BufferedIOBase]] = MappingProxyType(
    {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
)


def open_bytes(path: Path) -> io.BufferedIOBase:
    """Open a CSV file's bytes, decompressed when its suffix says so (``.csv.gz``...)."""
    opener = COMPRESSED.get(Path(path).suffix.lower())
    return opener(path, "rb") if opener else Path(path).open("rb")


def open_text(path: Path, encoding: str, newline: str | None = None) -> io.TextIOWrapper:
    """Open a CSV file as text (undecodable bytes replaced), decompressed as :func:`open_bytes`."""
    return io.TextIOWrapper(open_bytes(path), encoding=encoding, errors="replace", newline=newline)


def csv_encoding(path: Path) -> tuple[str, int]:
    """Return the text encoding of a CSV file for pandas, and how many characters it spoils.

    UTF-16 when the file starts with its byte-order mark. UTF-8 (with or without a byte-order
    mark) when every byte decodes as such, or when valid UTF-8 letters outnumber the bytes that
    do not decode (a file cut mid-letter, say: those bytes read as U+FFFD and are counted).
    Else Windows-1252, what Excel saves as "CSV" on Western European Windows (its five
    undefined bytes read as U+FFFD, not counted). Read in chunks, not held in memory.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    bad = letters = 0
    try:
        with open_bytes(path) as file:
            start = file.read(2)
            if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                return "utf-16", 0
            chunk = start
            while chunk:
                text = decoder.decode(chunk)
                wrong = text.count("\ufffd")
                bad += wrong
                letters += len(text) - len(text.encode("ascii", "ignore")) - wrong
                chunk = file.read(1 << 20)
            bad += decoder.decode(b"", final=True).count("\ufffd")
    except (OSError, EOFError):  # a compressed file cut short is an EOFError
        return "utf-8-sig", 0  # pandas reports the problem
    if bad and letters <= bad:
        return "cp1252", 0
    return "utf-8-sig", bad


def _separator(path: Path, encoding: str) -> str:
    """Return the field separator of a CSV file (, ; tab or |), sniffed from its first lines."""
    try:
        with open_text(path, encoding) as file:
            lines = [line for line in itertools.islice(file, 50) if line.strip()][:20]
    except (OSError, EOFError):
        return ","  # pandas reports the problem below
    try:
        return csv.Sniffer().sniff("".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:  # one column, or no separator used consistently
        return ","


def read_csv(path: Path, columns: list[str] | None) -> pd.DataFrame:
    """Read the given columns as text (empty cells stay ""), or only the header when ``None``.

    The separator is sniffed from the first lines (kept in ``frame.attrs["sep"]``), so files
    saved with ; (spreadsheets set to a decimal comma), tabs or | read as well as
    comma-separated ones; the encoding is UTF-8 or, failing that, Windows-1252
    (``frame.attrs["encoding"]``; ``frame.attrs["spoiled"]`` counts the characters of a UTF-8
    file that did not decode; see :func:`csv_encoding`).
    """
    encoding, spoiled = csv_encoding(Path(path))
    sep = _separator(Path(path), encoding)
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            encoding=encoding,
            encoding_errors="replace",
            usecols=columns,
            index_col=False,  # never take a first column as the index (rows one field longer)
            nrows=0 if columns is None else None,
        )
    except pd.errors.EmptyDataError:
        msg = f"{path}: the incident file is empty; export it again with its header and rows"
        raise IncidentDataError(msg) from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = f"{path}: not a readable CSV file ({exc}); save it as CSV UTF-8"
        raise IncidentDataError(msg) from None
    except EOFError:
        msg = f"{path}: the compressed file ends too soon (a download cut short); download it again"
        raise IncidentDataError(msg) from None
    if columns is not None:
        _refuse_misread(path, sep, columns, encoding)
    frame.attrs["sep"] = sep
    frame.attrs["encoding"] = encoding
    frame.attrs["spoiled"] = spoiled
    return frame


def _refuse_misread(path: Path, sep: str, columns: list[str], encoding: str) -> None:
    """Refuse what pandas would read wrong without a word, in one pass over the file.

    * A header naming a column to read more than once (:func:`_refuse_repeated`).
    * Rows with more fields than the header: a separator in an unquoted cell ("Theft,
      other") shifts the cells after it, coordinates included (pandas, reading some columns,
      ignores the extra field). Extra empty fields are harmless when most rows have them (a
      separator that ends every line); on a few rows they are a shifted empty last cell.
    * A file cut short: it ends without a line break, in a record shorter than the one before
      (pandas reads the missing cells as empty ones). A file that ends with a line break is
      whole, whatever its last record holds (some writers leave off trailing empty fields).

    The records are read as CSV (a quoted cell may hold a line break); a compressed file cannot
    seek to its end, hence one pass.
    """
    header: list[str] | None = None
    longer: list[tuple[int, int, bool]] = []  # (record, fields, extra fields filled)
    widths: Counter[int] = Counter()
    before: list[str] = []
    last: list[str] = []
    end = ""

    def lines(file: io.TextIOWrapper) -> Iterator[str]:
        nonlocal end
        for line in file:
            end = line[-1:]
            yield line

    readable = True
    with open_text(path, encoding, newline="") as file:
        try:
            for n, row in enumerate(csv.reader(lines(file), delimiter=sep)):
                if not any(row):
                    continue
                if header is None:
                    header = row
                else:
                    widths[len(row)] += 1
                    if len(row) > len(header):  # n: the record's number, the header's 0
                        longer.append((n, len(row), any(row[len(header) :])))
                before, last = last, row
        except csv.Error:
            readable = False  # a record the csv module refuses (a huge cell): pandas judges it
    _refuse_repeated(path, header or [], columns)
    if not readable:
        return
    usual = widths.most_common(1)[0][0] if widths else 0
    over = [n for n, width, filled in longer if filled or width > usual]
    if over:
        rows = ", ".join(map(str, over[:3])) + (", ..." if len(over) > 3 else "")
        msg = (
            f"{path}: {len(over)} row(s) have more fields than the header (data row {rows}): "
            "a separator inside an unquoted cell shifts the cells after it; quote such cells, "
            "or export the file again"
        )
        raise IncidentDataError(msg)
    if end not in ("\n", "\r") and before and len(last) < len(before):
        shown = sep.join(last).strip()[-40:]
        msg = (
            f"{path}: the last row has {len(last)} fields, the row before it {len(before)} "
            f"('{shown}'): the file looks cut short, or ends with a line that is not a record; "
            "download or export it again"
        )
        raise IncidentDataError(msg)


def _refuse_repeated(path: Path, header: list[str], columns: list[str]) -> None:
    """Refuse a header naming a column to read more than once (pandas reads the first)."""
    for name in columns:
        at = [i + 1 for i, h in enumerate(header) if h == name]
        if len(at) > 1:
            places = ", ".join(map(str, at))
            msg = (
                f"{path}: the header has column '{name}' {len(at)} times (columns {places}); "
                "rename or remove the repeats so that it is clear which one to read"
            )
            raise IncidentDataError(msg)


def _no_rows(path: Path, geo: bool = False) -> IncidentDataError:
    """Return the error for a file that holds no incident: export it again, or leave it out."""
    what = "no features" if geo else "a header but no rows"
    return IncidentDataError(
        f"{path}: the incident file has {what}; export it again with its incidents, or remove "
        "it from incidents"
    )


_DECIMAL_COMMA = re.compile(r"^([-+]?\d+),(\d+)$")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def _numbers(text: pd.Series, sep: str = ",") -> np.ndarray:
    """Numbers of a text column in a file separated by ``sep``.

    In a file not separated by commas, a comma is a decimal comma (51,5182). In a
    comma-separated file (the value quoted), 532,000 groups thousands and 51,5182 (not three
    digits after the comma) is a decimal comma.
    """
    plain = text.str.strip()
    if sep != ",":
        plain = plain.str.replace(_DECIMAL_COMMA, r"\1.\2", regex=True)
    else:
        grouped = plain.str.fullmatch(_THOUSANDS)
        plain = plain.where(~grouped, plain.str.replace(",", "", regex=False))
        decimal = plain.str.fullmatch(_DECIMAL_COMMA) & ~plain.str.fullmatch(r"[-+]?\d+,\d{3}")
        plain = plain.where(~decimal, plain.str.replace(",", ".", regex=False))
    return pd.to_numeric(plain, errors="coerce").to_numpy(dtype=float, copy=True)


def _placeholder(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Flag coordinates that are missing: NaN, or the placeholders (0, 0) and (-1, -1)."""
    return np.isnan(x) | np.isnan(y) | ((x == 0) & (y == 0)) | ((x == -1) & (y == -1))


def _check_degrees(
    x: np.ndarray, y: np.ndarray, crs: str, path: Path, names: tuple[str, str]
) -> None:
    """Refuse coordinates read in the wrong kind of crs.

    Projected coordinates read as degrees have most values beyond +-180 / +-90; degrees read as
    projected ones lie nearly all within 180 / 90 units of the projection's origin.
    """
    if len(x) == 0:
        return
    if not _crs(crs, path).is_geographic:
        degrees = (np.abs(x) <= 180) & (np.abs(y) <= 90)
        if degrees.mean() > 0.9:
            i = int(np.flatnonzero(degrees)[0])
            msg = (
                f"{path}: {names[0]} and {names[1]} hold values such as {x[i]:g}, {y[i]:g}, "
                f"which look like longitudes and latitudes, not coordinates of crs {crs} "
                "(metres or feet from its origin): set crs: EPSG:4326 (on the command line "
                "--crs EPSG:4326)"
            )
            raise IncidentDataError(msg)
        return
    beyond = (np.abs(x) > 180) | (np.abs(y) > 90)
    if beyond.mean() > 0.5:
        i = int(np.flatnonzero(beyond)[0])
        if ((np.abs(y) <= 180) & (np.abs(x) <= 90)).mean() > 0.5:
            msg = (
                f"{path}: {names[0]} holds values such as {x[i]:g}, which are latitudes, and "
                f"{names[1]} values such as {y[i]:g}, longitudes: the columns look swapped; "
                f"set x_col: {names[1]} and y_col: {names[0]} (on the command line --x-col "
                f"{names[1]} --y-col {names[0]})"
            )
            raise IncidentDataError(msg)
        msg = (
            f"{path}: {names[0]} and {names[1]} hold values such as {x[i]:g}, {y[i]:g}, not "
            f"longitudes and latitudes (crs {crs}): they look like projected metres or feet; "
            "give their crs, e.g. EPSG:27700 (British National Grid) or EPSG:3435 (Illinois "
            "East, feet), on the command line --crs"
        )
        raise IncidentDataError(msg)


def _crs(crs: str, path: Path) -> CRS:
    try:
        return CRS.from_user_input(crs)
    except CRSError as exc:
        msg = (
            f"{path}: crs '{crs}' is not a coordinate reference system pyproj knows ({exc}); "
            "give an EPSG code such as EPSG:4326 (longitude/latitude) or EPSG:27700"
        )
        raise IncidentDataError(msg) from None


def _to_wgs84(x: np.ndarray, y: np.ndarray, crs: str, path: Path) -> tuple[np.ndarray, np.ndarray]:
    source = _crs(crs, path)
    if source.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return x, y
    transformer = Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def out_of_range(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Flag positions that are not finite or outside [-180, 180] x [-90, 90] degrees."""
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(lon) | ~np.isfinite(lat) | (np.abs(lat) > 90) | (np.abs(lon) > 180)


def _shapes(text: pd.Series, bad: np.ndarray) -> str:
    """Describe the shapes of failing values (digits as 9), most common first, with an example."""
    failing = text[bad]
    shapes = failing.str.replace(r"\d", "9", regex=True).replace("", "(empty)")
    parts = []
    for shape, count in shapes.value_counts().head(3).items():
        first = int(np.flatnonzero(bad)[np.flatnonzero(shapes.to_numpy() == shape)[0]])
        rows = f"{count} row{'s' if count != 1 else ''}"
        parts.append(f"'{shape}' ({rows}, e.g. data row {first + 1}: '{text.iloc[first]}')")
    return "; ".join(parts)


_SCHEMA_DATE_FIX = (
    "re-export the file in the portal's own date format, or read it with schema: generic "
    "and time_col"
)
_GENERIC_DATE_FIX = (
    "check that time_col names the date column, and write its dates in one format "
    "(e.g. 2024-01-31 22:15)"
)


def _check_bad_dates(
    text: pd.Series, bad: np.ndarray, path: Path, column: str, expected: str, fix: str
) -> None:
    """Stop when most dates, or more than a few in another format, fail: name the formats."""
    if not len(bad):
        return
    if bad.mean() > MAX_BAD_DATE_SHARE:
        what = f"{int(bad.sum())} of {len(bad)} rows do not match the date format {expected}"
        shown = bad
    else:
        # another format: a date-like value (4 digits or more) shaped unlike every good one;
        # empty, stray ("unknown") or impossible ("2024-02-30") values are dropped and counted
        shapes = text.str.replace(r"\d", "9", regex=True)
        dated = (text.str.count(r"\d") >= 4).to_numpy()
        shown = bad & dated & ~shapes.isin(set(shapes[~bad])).to_numpy()
        other = int(shown.sum())
        if other <= max(OTHER_FORMAT_SHARE * len(bad), OTHER_FORMAT_MIN_ROWS):
            return
        what = (
            f"{other} of {len(bad)} rows have a date in another format than {expected}, which "
            "the other rows use: the file mixes date formats, and dropping those rows would "
            "lose part of it"
        )
    if _excel_serials(text[shown]):
        fix = (
            "these look like Excel day numbers (days since 1899-12-30): format the column as "
            "a date in the spreadsheet before saving it as CSV"
        )
    msg = f"{path}: column '{column}': {what}; formats seen: {_shapes(text, shown)}; {fix}"
    raise IncidentDataError(msg)


def _excel_serials(text: pd.Series) -> bool:
    """Whether most values are numbers in the range of Excel dates of 1955-2119."""
    days = pd.to_numeric(text, errors="coerce")
    return bool(len(days)) and bool(days.between(20000, 80000).mean() > 0.9)


def _parse_times(
    text: pd.Series, fmt: str, path: Path, column: str, expected: str, fix: str
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Parse dates; values with a date but no time of day are kept at 12:00, time unknown.

    Returns
    -------
    tuple
        Occurred (datetime64), time known (bool array), bad (bool array).
    """
    text = text.str.strip()
    occurred = pd.to_datetime(text, format=fmt, errors="coerce")
    has_clock = "%H" in fmt or "%I" in fmt
    time_known = occurred.notna().to_numpy() & has_clock
    if has_clock:
        date_fmt = fmt.split(" ")[0]
        missing = occurred.isna().to_numpy()
        if missing.any():
            first = text[missing].str.split(" ", n=1).str[0]
            occurred[missing] = pd.to_datetime(first, format=date_fmt, errors="coerce")
    bad = occurred.isna().to_numpy()
    _check_bad_dates(text, bad, path, column, expected, fix)
    noon = ~time_known & ~bad
    occurred = occurred.where(~noon, occurred + pd.Timedelta(hours=12))
    return occurred, time_known, bad


def _strip_offsets(text: pd.Series) -> pd.Series:
    """ISO text to 'YYYY-MM-DD HH:MM:SS' as written: no 'T', no fraction, no UTC offset."""
    text = text.str.strip().str.replace(_ISO_T, r"\1 ", regex=True)
    return text.str.replace(_OFFSET, "", regex=True)


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
    lon, lat = _numbers(get(schema.lon_col), sep), _numbers(get(schema.lat_col), sep)
    missing = _placeholder(lon, lat)
    if schema.projected is not None and missing.any():
        x_name, y_name, crs = schema.projected
        x, y = _numbers(get(x_name)[missing], sep), _numbers(get(y_name)[missing], sep)
        has_xy = ~_placeholder(x, y)
        rows = np.flatnonzero(missing)[has_xy]
        if len(rows):
            lon[rows], lat[rows] = _to_wgs84(x[has_xy], y[has_xy], crs, path)
            missing[rows] = False
    time_text = get(schema.time_col)
    if schema.iso_offsets:
        time_text = _strip_offsets(time_text)
    expected = f"like {schema.example} ({schema.time_format})"
    occurred, time_known, bad = _parse_times(
        time_text, schema.time_format, path, cols[schema.time_col], expected, _SCHEMA_DATE_FIX
    )
    if schema.month_only:
        occurred = occurred + pd.Timedelta(days=14)
    unread = None
    if "%H" in schema.time_format or "%I" in schema.time_format:
        # a date whose time of day is written in another format: kept at noon, and said
        clock_text = time_text.str.strip().str.split(" ", n=1).str[1].fillna("").str.strip()
        odd = ~time_known & ~bad & (clock_text != "").to_numpy()
        unread = _unread_times(time_text, odd, cols[schema.time_col], f"write them {expected}")
    if schema.clock_col is not None:
        minutes, unreadable = clock_minutes(get(schema.clock_col))
        noon = minutes.fillna(12 * 60).to_numpy()
        occurred = occurred.dt.normalize() + pd.to_timedelta(noon, unit="min")
        time_known = minutes.notna().to_numpy() & ~bad
        if unreadable.any():
            fix = "write times as HHMM, HH:MM or HH:MM AM/PM"
            unread = _unread_times(
                get(schema.clock_col), unreadable & ~bad, cols[schema.clock_col], fix
            )
    crime_type = get(schema.type_col).str.strip()
    if schema.fallback_type_col is not None:
        fallback = get(schema.fallback_type_col).str.strip()
        crime_type = crime_type.where(crime_type != "", fallback)
    frame = pd.DataFrame(
        {
            "lon": lon,
            "lat": lat,
            "missing": missing,
            "occurred": occurred,
            "time_known": time_known,
            "month_only": np.full(len(raw), schema.month_only) & ~bad,
            "bad_date": bad,
            "crime_type": crime_type,
            "detail": get(schema.detail_col).str.strip(),
            "incident_id": get(schema.id_col).str.strip(),
        }
    )
    frame.attrs["cautions"] = (unread,) if unread else ()
    return frame


_CLOCK = r"^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*([AaPp])?\.?\s*(?:[Mm]\.?)?$"


def clock_minutes(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Read clock times as minutes after midnight (NaN where there is none).

    Times may be written ``HHMM`` (``2015``, ``15``), ``HH:MM``, ``HH:MM:SS`` or with AM / PM
    (``8:15 PM``). Returns the minutes and the rows holding text that is not such a time
    (an empty cell is not).
    """
    text = text.astype(str).str.strip()
    empty = text.isin(["", "nan", "None", "NaN"])
    number = pd.to_numeric(text.where(text.str.fullmatch(r"\d{1,4}(\.0+)?")), errors="coerce")
    whole = (number >= 0) & (number < 2400) & (number % 100 < 60) & (number % 1 == 0)
    minutes = (number // 100 * 60 + number % 100).where(whole)
    parts = text.str.extract(_CLOCK)
    hour = pd.to_numeric(parts[0], errors="coerce")
    minute = pd.to_numeric(parts[1], errors="coerce")
    half = parts[2].str.lower()
    twelve = hour.between(1, 12)
    hour = hour.where(half.isna(), (hour % 12) + np.where(half == "p", 12, 0))
    valid = hour.between(0, 23) & minute.between(0, 59) & (half.isna() | twelve)
    minutes = minutes.fillna((hour * 60 + minute).where(valid))
    return minutes, (~empty & minutes.isna()).to_numpy()


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _unread_times(text: pd.Series, unreadable: np.ndarray, column: str, fix: str) -> str | None:
    """Say how many rows hold a time of day that cannot be read, with examples and ``fix``."""
    if not unreadable.any():
        return None
    shown = ", ".join(f"'{v}'" for v in text[unreadable].str.strip().unique()[:3])
    return (
        f"{_rows(int(unreadable.sum()))} of column '{column}' cannot be read as a time of day "
        f"(e.g. {shown}): those incidents are spread over the day; {fix}"
    )


def _generic_times(
    values: pd.Series, path: Path, column: str, order: str = "auto"
) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Parse a date column of a generic file, picking the format from the values.

    ``order`` (``auto``, ``day_first`` or ``month_first``) settles dates such as 03/04/2020;
    with ``auto``, a column whose dates read both ways is refused.
    """
    notes: list[str] = []
    written = values.astype(str).replace({"None": "", "nan": "", "NaT": ""}).str.strip()
    utc = int(written.str.endswith(("Z", "+00:00", "+0000")).sum())
    if utc:
        notes.append(
            f"{utc} times in '{column}' carry a zero UTC offset (Z or +00:00) and are read as "
            "the clock time written; the time-of-day model expects the area's local time, so "
            "convert them in the export unless the area keeps UTC then"
        )
    text = _strip_offsets(written)
    sample = text[text != ""].head(2000)
    scores = (
        {
            fmt: pd.to_datetime(sample, format=fmt, errors="coerce").notna().mean()
            for fmt in GENERIC_TIME_FORMATS
        }
        if len(sample)
        else {GENERIC_TIME_FORMATS[0]: 0.0}
    )
    fmt = max(scores, key=lambda f: scores[f])
    swapped = fmt.replace("%m/%d", "%d/%m") if fmt.startswith("%m/%d") else None
    both = swapped is not None and scores.get(swapped, 0) == scores[fmt] > 0
    if both and order == "auto":
        every = text[text != ""]  # a later row may settle the order the first ones leave open
        fits = {
            f: pd.to_datetime(every, format=f, errors="coerce").notna().sum()
            for f in (fmt, swapped)
        }
        fmt = max(fits, key=lambda f: fits[f])
        both = fits[fmt] == min(fits.values())
    if both and swapped and order == "auto" and not _fitting(sample, (fmt, swapped), first=False):
        day, month = _fitting(sample, (fmt,), swapped), _fitting(sample, (swapped,), fmt)
        msg = (
            f"{path}: column '{column}' mixes dates that read only day first (such as "
            f"'{month}') and only month first (such as '{day}'); export the dates in one format"
        )
        raise IncidentDataError(msg)
    if both:
        example = _fitting(sample, (fmt, swapped))  # type: ignore[arg-type]
        if order == "auto":
            msg = (
                f"{path}: column '{column}': dates such as '{example}' read both day "
                "first and month first; set date_order: day_first or month_first (on the "
                "command line --date-order)"
            )
            raise IncidentDataError(msg)
        fmt = swapped if order == "day_first" else fmt
        notes.append(f"dates such as '{example}' read {order.replace('_', ' ')}")
    elif order != "auto" and fmt.startswith(("%m/%d", "%d/%m")):
        wanted = "%d/%m" if order == "day_first" else "%m/%d"
        if not fmt.startswith(wanted):
            msg = (
                f"{path}: column '{column}': date_order is {order}, but dates such as "
                f"'{_fitting(sample, (fmt,), unless=wanted + fmt[5:])}' read only the other way; "
                "drop date_order or fix it"
            )
            raise IncidentDataError(msg)
    expected = f"{fmt} (the best fit for the first values)"
    occurred, time_known, bad = _parse_times(text, fmt, path, column, expected, _GENERIC_DATE_FIX)
    month_only = np.full(len(text), fmt == "%Y-%m") & ~bad
    if fmt == "%Y-%m":
        occurred = occurred + pd.Timedelta(days=14)
    return occurred, time_known, month_only, bad, notes


MIDNIGHT_EXCESS = 3.0
"""Times at exactly 00:00 more than this many times as common as at 22:00, 23:00, 01:00 and
02:00 are read as a placeholder for an unknown time (Boston's export has 14 times as many)."""

MIN_MIDNIGHTS = 20
"""Fewest times at exactly 00:00 that the placeholder check judges."""


def midnight_placeholders(
    occurred: pd.Series, time_known: np.ndarray, kept: np.ndarray
) -> tuple[pd.Series, np.ndarray, str | None]:
    """Read times at exactly 00:00 as unknown when the export uses midnight as a placeholder.

    Judged on the ``kept`` rows with a time: when every one of them (at least
    :data:`MIN_TIMES_FOR_MIDNIGHT_CHECK`) is at 00:00, or 00:00 is more than
    :data:`MIDNIGHT_EXCESS` times as common as the night's other full hours, every 00:00 time
    becomes a date without a time of day (placed at noon and spread over the day like one).
    Returns the times, the known-time flags and a note, or the inputs and ``None``.
    """
    timed = time_known & kept & occurred.notna().to_numpy()
    on_the_hour = ((occurred.dt.minute == 0) & (occurred.dt.second == 0)).to_numpy()
    hour = occurred.dt.hour.to_numpy()
    at = {h: int((timed & on_the_hour & (hour == h)).sum()) for h in (0, 22, 23, 1, 2)}
    night = (at[22] + at[23] + at[1] + at[2]) / 4
    every = at[0] == timed.sum() >= MIN_TIMES_FOR_MIDNIGHT_CHECK
    if not every and (at[0] < MIN_MIDNIGHTS or at[0] <= MIDNIGHT_EXCESS * night):
        return occurred, time_known, None
    midnight = time_known & on_the_hour & (hour == 0)
    ratio = f"{at[0] / night:.0f} times as many as" if night else "and none"
    note = (
        "every time is 00:00: read as dates without a time of day"
        if every
        else f"{at[0]} times at exactly 00:00, {ratio} at the night's other full hours, are "
        "read as a placeholder for an unknown time: spread over the day"
    )
    moved = occurred.where(~midnight, occurred + pd.Timedelta(hours=12))
    return moved, time_known & ~midnight, note


def _fitting(
    sample: pd.Series, formats: tuple[str, ...], unless: str | None = None, first: bool = True
) -> str:
    """Return the first value of ``sample`` that all ``formats`` read and ``unless`` does not.

    When none does: the first value, or "" when ``first`` is false.
    """
    fits = np.ones(len(sample), dtype=bool)
    for fmt in formats:
        fits &= pd.to_datetime(sample, format=fmt, errors="coerce").notna().to_numpy()
    if unless is not None:
        fits &= pd.to_datetime(sample, format=unless, errors="coerce").isna().to_numpy()
    if fits.any():
        return str(sample[fits].iloc[0])
    return str(sample.iloc[0]) if first else ""


def _texts(raw: pd.DataFrame, cols: dict[str, str], name: str | None) -> np.ndarray:
    """Return the stripped text of column ``name`` ("" for empty cells), or "" for every row."""
    if not name:
        return np.full(len(raw), "", dtype=object)
    text = raw[cols[name]].astype(str).replace({"None": "", "nan": ""}).str.strip()
    return text.to_numpy(dtype=object)


def generic_rows(
    spec: IncidentSpec, path: Path, header: list[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """Every row of a mapped CSV (``header`` given) or GeoJSON / GeoPackage file (``None``)."""
    notes: list[str] = []
    geo = header is None
    if geo:
        import geopandas as gpd

        try:
            # dates as written (as a CSV's are read), not turned into UTC clock times
            raw = gpd.read_file(path, engine="pyogrio", datetime_as_string=True)
        except Exception as exc:  # pyogrio raises several types for unreadable files
            msg = f"{path}: not a readable GeoJSON / GeoPackage file ({exc}); check the export"
            raise IncidentDataError(msg) from None
        header = [c for c in raw.columns if c != raw.geometry.name]
    wanted = [c for c in _columns_named(spec) if c]
    cols = _match(header, wanted)
    missing_cols = [c for c in wanted if c not in cols]
    if missing_cols:
        msg = (
            f"{path}: column(s) {', '.join(missing_cols)} not in the file; it has: "
            f"{', '.join(header)}; fix x_col, y_col, time_col, type_col or id_col"
        )
        raise IncidentDataError(msg)
    if geo:
        if len(raw) == 0:
            raise _no_rows(path, geo=True)
        if raw.crs is None:
            raw = raw.set_crs(_crs(spec.crs, path))
        points = raw.geometry.to_crs("EPSG:4326")
        empty = points.isna().to_numpy() | points.is_empty.to_numpy()
        if not (points[~empty].geom_type == "Point").all():
            notes.append("non-point geometries are placed at a point inside each shape")
            points = points.representative_point()
        lon = shapely.get_x(np.asarray(points.array, dtype=object)).astype(float)
        lat = shapely.get_y(np.asarray(points.array, dtype=object)).astype(float)
        missing = _placeholder(lon, lat)
    else:
        x_col, y_col = spec.x_col, spec.y_col
        if (x_col is None) != (y_col is None):
            msg = (
                f"{path}: only {'x_col' if y_col is None else 'y_col'} is named; name both "
                "x_col and y_col (on the command line --x-col and --y-col), or neither when the "
                "file has latitude and longitude columns"
            )
            raise IncidentDataError(msg)
        if x_col is None or y_col is None:
            lowered = {c.strip().lower(): c for c in header}
            pair = next(
                ((a, b) for a, b in COORDINATE_COLUMNS if a in lowered and b in lowered), None
            )
            if pair is None:
                msg = (
                    f"{path}: no coordinate columns named; the file has: {', '.join(header)}; "
                    "set x_col and y_col (and crs when they are not longitude / latitude)"
                )
                raise IncidentDataError(msg)
            y_col, x_col = lowered[pair[0]], lowered[pair[1]]
            if not _crs(spec.crs, path).is_geographic:
                msg = (
                    f"{path}: crs {spec.crs} is projected, but no x_col and y_col are named and "
                    f"the columns found, {x_col} and {y_col}, hold longitude and latitude; name "
                    "the projected columns with x_col and y_col (on the command line --x-col, "
                    "--y-col), or drop crs"
                )
                raise IncidentDataError(msg)
            cols |= {x_col: x_col, y_col: y_col}
        raw = read_csv(path, sorted(set(cols.values())))
        if len(raw) == 0:
            raise _no_rows(path)
        sep = raw.attrs["sep"]
        x, y = _numbers(raw[cols[x_col]], sep), _numbers(raw[cols[y_col]], sep)
        missing = _placeholder(x, y)
        _check_degrees(x[~missing], y[~missing], spec.crs, path, (cols[x_col], cols[y_col]))
        lon, lat = np.full(len(raw), np.nan), np.full(len(raw), np.nan)
        if (~missing).any():
            lon[~missing], lat[~missing] = _to_wgs84(x[~missing], y[~missing], spec.crs, path)
    n = len(raw)
    if spec.time_col:
        occurred, time_known, month_only, bad, time_notes = _generic_times(
            raw[cols[spec.time_col]], path, cols[spec.time_col], spec.date_order
        )
        notes += time_notes
    else:
        notes.append("no time_col: incidents have no date (occurred is empty)")
        occurred = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
        time_known = month_only = bad = np.zeros(n, dtype=bool)
    crime_type = _texts(raw, cols, spec.type_col)
    rows = pd.DataFrame(
        {
            "lon": lon,
            "lat": lat,
            "missing": missing,
            "occurred": occurred.to_numpy(),
            "time_known": time_known,
            "month_only": month_only,
            "bad_date": bad,
            "crime_type": crime_type,
            "detail": "",
            "incident_id": _texts(raw, cols, spec.id_col),
        }
    )
    if not geo:  # the columns read as x and y, for advice on swapped ones
        rows.attrs["coordinates"] = (cols[x_col], cols[y_col])
    return rows, notes
