"""Coordinates of incident files: numbers as written, crs checks, conversion to WGS84."""

from __future__ import annotations

import re
from itertools import zip_longest
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from planner.errors import IncidentDataError

_DECIMAL_COMMA = re.compile(r"^([-+]?\d+),(\d+)$")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


POLAR_LAT = (-60.0, 80.0)
"""No city's incidents lie south or north of these latitudes (degrees)."""

#: A point written in one cell: WKT ``POINT (x y)``, or ``(a, b)`` as Socrata portals write
#: their location columns (latitude first).
_WKT_POINT = re.compile(
    r"(?:SRID=\d+;)?POINT\s*(?:Z|M|ZM)?\s*\(\s*([^\s()]+)\s+([^\s()]+)(?:\s+[^\s()]+)*\s*\)",
    re.IGNORECASE,
)
_PAIR = re.compile(r"\(\s*([^,()\s]+)\s*,\s*([^,()\s]+)\s*\)")
_NO_POINT = re.compile(r"POINT\s+EMPTY|\(\s*\)", re.IGNORECASE)


def _cells(cells: pd.Series) -> pd.Series:
    """Return a column's cells as stripped text, empty where nothing is written."""
    return cells.astype(object).where(cells.notna(), "").astype(str).str.strip()


def point_share(cells: pd.Series) -> float:
    """Share of a column's non-empty cells written as points (:func:`point_texts` reads them)."""
    text = _cells(cells)
    text = text[text != ""]
    if text.empty:
        return 0.0
    return float((text.str.fullmatch(_WKT_POINT) | text.str.fullmatch(_PAIR)).mean())


def point_texts(cells: pd.Series, geographic: bool = True) -> tuple[pd.Series, pd.Series, str]:
    """Split a column of points into x and y texts; say how the points are written.

    WKT points are ``POINT (x y)``. Pairs in parentheses of a ``geographic`` crs are
    (latitude, longitude), as Socrata portals write them, unless their first numbers mostly
    lie where no city is as latitudes (:data:`POLAR_LAT`, or beyond +-90) and their second do
    not: longitude first; of a projected crs they are (x, y). A cell that is neither keeps its
    whole text in both, to be counted as not numbers; an empty point (``POINT EMPTY``, ``()``)
    is empty.
    """
    text = _cells(cells)
    text = text.where(~text.str.fullmatch(_NO_POINT), "")
    wkt = text.str.extract(f"^{_WKT_POINT.pattern}$", flags=re.IGNORECASE)
    pair = text.str.extract(f"^{_PAIR.pattern}$")
    first, second = (pd.to_numeric(pair[i], errors="coerce") for i in (0, 1))
    both = first.notna() & second.notna()
    south, north = POLAR_LAT
    x_first = not geographic or bool(
        both.any()
        and (~first[both].between(south, north) & second[both].between(south, north)).mean() > 0.5
    )
    x = wkt[0].fillna(pair[0 if x_first else 1]).fillna(text)
    y = wkt[1].fillna(pair[1 if x_first else 0]).fillna(text)
    if not geographic:
        pairs = "(x, y)"
    else:
        pairs = "(longitude, latitude)" if x_first else "(latitude, longitude)"
    forms = [
        form
        for form, found in (("POINT (x y)", wkt[0].notna().any()), (pairs, both.any()))
        if found
    ]
    return x, y, " and ".join(forms)


def _numbers(
    text: pd.Series, sep: str = ",", decimal: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of a text column in a file separated by ``sep``, and the cells read as grouped.

    In a file not separated by commas, a comma is a decimal comma (51,5182). In a
    comma-separated file (the value quoted), 532,000 groups thousands and 51,5182 (not three
    digits after the comma) is a decimal comma; so is 33,655 when ``decimal`` (see
    :func:`coordinate_numbers`).
    """
    plain = text.str.strip()
    grouped = pd.Series(False, index=text.index)
    if sep != ",":
        plain = plain.str.replace(_DECIMAL_COMMA, r"\1.\2", regex=True)
    else:
        three = plain.str.fullmatch(r"[-+]?\d+,\d{3}")
        comma = plain.str.fullmatch(_DECIMAL_COMMA) & (~three | decimal)
        grouped = plain.str.fullmatch(_THOUSANDS) & ~comma
        plain = plain.where(~grouped, plain.str.replace(",", "", regex=False))
        plain = plain.where(~comma, plain.str.replace(",", ".", regex=False))
    values = pd.to_numeric(plain, errors="coerce").to_numpy(dtype=float, copy=True)
    return values, grouped.fillna(False).to_numpy(dtype=bool, copy=True)


def coordinate_numbers(
    x_text: pd.Series, y_text: pd.Series, sep: str = ","
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a file's x and y columns as numbers; flag the rows with a cell read as grouped.

    In a comma-separated file, 33,655 is a decimal comma when the two columns hold decimal
    commas that cannot be grouped thousands (51,5182) and no number that can only be grouped
    (1,176,221 or 1,176.5); else it groups thousands.
    """
    decimal = False
    if sep == ",":
        texts = pd.concat([x_text, y_text]).str.strip()
        three = texts.str.fullmatch(r"[-+]?\d+,\d{3}")
        decimal = bool(
            (texts.str.fullmatch(_DECIMAL_COMMA) & ~three).any()
            and not (texts.str.fullmatch(_THOUSANDS) & ~three).any()
        )
    (x, x_grouped), (y, y_grouped) = _numbers(x_text, sep, decimal), _numbers(y_text, sep, decimal)
    return x, y, x_grouped | y_grouped


#: Cell texts that stand for "no value" in exports, compared lower-case.
_NULL_TEXTS = (
    "",
    "na",
    "n/a",
    "#n/a",
    "n.a.",
    "nan",
    "null",
    "none",
    "-",
    "?",
    "unknown",
    "missing",
)


def not_numbers(text: pd.Series, values: np.ndarray) -> np.ndarray:
    """Flag cells of ``text`` holding something that is not a number (``51.51N``).

    ``values`` are the numbers read from them (NaN where none); empty cells and the usual
    stand-ins for no value (NA, NULL, ...) are not flagged: they hold no coordinates.
    """
    flags = np.isnan(values)
    if flags.any():  # only cells that read as no number are looked at
        written = text[flags].astype(str).str.strip().str.lower()
        flags[flags] = ~written.isin(_NULL_TEXTS).to_numpy()
    return flags


def garbled_note(flags: dict[str, tuple[pd.Series, np.ndarray]], garbled: np.ndarray) -> str | None:
    """Say how many rows are ``garbled`` (coordinates not numbers), with examples.

    ``flags`` maps each coordinate column's name to its text and :func:`not_numbers` flags.
    """
    if not garbled.any():
        return None
    per_column = [
        [f"{value!r} in {column}" for value in text[flag & garbled].str.strip().unique()[:2]]
        for column, (text, flag) in flags.items()
    ]
    shown = [
        e for examples in zip_longest(*per_column) for e in examples if e
    ]  # columns taking turns
    n = int(garbled.sum())
    return (
        f"{n} {'row holds' if n == 1 else 'rows hold'} coordinates that are not numbers "
        f"(e.g. {', '.join(shown[:3])}): write them as plain numbers in the export, without "
        "letters, units or degree signs (-0.1278, not 0.1278W or 0°7'40\"W)"
    )


def _placeholder(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Flag coordinates that are missing: NaN, or the placeholders (0, 0) and (-1, -1)."""
    return np.isnan(x) | np.isnan(y) | ((x == 0) & (y == 0)) | ((x == -1) & (y == -1))


def _check_degrees(
    x: np.ndarray,
    y: np.ndarray,
    crs: str,
    path: Path,
    names: tuple[str, str],
    swap: str | None = None,
) -> None:
    """Refuse coordinates read in the wrong kind of crs.

    Projected coordinates read as degrees have most values beyond +-180 / +-90; degrees read as
    projected ones lie nearly all within 180 / 90 units of the projection's origin. ``swap``
    says how to fix latitudes read as x (default: exchange x_col and y_col).
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
                + (
                    swap
                    or f"set x_col: {names[1]} and y_col: {names[0]} (on the command line "
                    f"--x-col {names[1]} --y-col {names[0]})"
                )
            )
            raise IncidentDataError(msg)
        msg = (
            f"{path}: {names[0]} and {names[1]} hold values such as {x[i]:g}, {y[i]:g}, not "
            f"longitudes and latitudes (crs {crs}): they look like projected metres or feet; "
            "give their crs, e.g. crs: EPSG:27700 (British National Grid) or EPSG:3435 "
            "(Illinois East, feet) in the file's entry (on the command line --crs)"
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


PROJECTED_MAPPING = (
    "schema: generic, x_col, y_col, crs; on the command line --schema generic --x-col C "
    "--y-col C --crs EPSG:N"
)
"""How to read a file of projected coordinates, when no known export names its columns."""


def out_of_range(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Flag positions that are not finite or outside [-180, 180] x [-90, 90] degrees."""
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(lon) | ~np.isfinite(lat) | (np.abs(lat) > 90) | (np.abs(lon) > 180)


def far_note(
    lon: np.ndarray,
    lat: np.ndarray,
    far: np.ndarray,
    commas: np.ndarray,
    mapping: str = PROJECTED_MAPPING,
) -> str | None:
    """Say how many rows hold coordinates out of range, with an example and the likely cause.

    ``commas`` flags the rows with a coordinate cell read as grouping thousands: out of range,
    a decimal comma (51,515). Values of thousands of units are projected
    metres or feet read as degrees, to be read with ``mapping`` (a known export's names every
    column it reads); a latitude beyond 90 that is a longitude, with a latitude where the
    longitude should be, is written the wrong way round.
    """
    if not far.any():
        return None
    x, y = lon[far], lat[far]
    i = int(np.flatnonzero(far)[0])
    n = int(far.sum())
    with np.errstate(invalid="ignore"):
        if commas[far].all():
            cause = (
                "their commas were read as grouping thousands: if the comma is a "
                "decimal comma (51,515), save the file with ';' between fields, or with '.' as "
                "the decimal mark"
            )
        elif np.all((np.abs(x) > 1000) | (np.abs(y) > 1000)):
            cause = (
                "they look like projected metres or feet, not degrees: read the file with a "
                f"column mapping and their crs: {mapping}"
            )
        elif np.all((np.abs(x) <= 90) & (np.abs(y) <= 180)):
            cause = (
                "their latitudes lie beyond 90 degrees and their longitudes within it: "
                "those rows have latitude and longitude written the wrong way round; fix them "
                "in the file"
            )
        else:
            cause = "check that the columns hold longitudes and latitudes in degrees"
    return (
        f"{n} {'row holds' if n == 1 else 'rows hold'} coordinates out of range (e.g. data row "
        f"{i + 1}: x {lon[i]:g}, y {lat[i]:g}): {cause}"
    )
