"""Opening incident CSV files: compression, encoding, separator, and refusing misread rows."""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import itertools
import lzma
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from planner.errors import IncidentDataError, counted

GEO_SUFFIXES = (".geojson", ".json", ".gpkg")


def _zip_open(path: Path, mode: str = "rb") -> io.BufferedIOBase:
    """Open the one CSV of a ``.zip`` export, as portals deliver it.

    Raises
    ------
    IncidentDataError
        If the file is no zip archive, or holds another number of files than one CSV.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        msg = f"{path}: not a readable zip archive (a download cut short?); download it again"
        raise IncidentDataError(msg) from None
    files = [info for info in archive.infolist() if not info.is_dir()]
    if len(files) != 1 or not files[0].filename.lower().endswith((".csv", ".txt", ".tsv")):
        archive.close()
        names = ", ".join(info.filename for info in files[:5]) + (", ..." if len(files) > 5 else "")
        msg = (
            f"{path}: the archive holds {counted(len(files), 'file')} ({names or 'none'}), not "
            "one CSV; unpack it and give its incident CSVs, one entry each or one pattern "
            "for them all (e.g. path: police/*/*-street.csv in a scenario)"
        )
        raise IncidentDataError(msg)
    return archive.open(files[0])  # type: ignore[return-value]  # a BufferedIOBase, as bytes


#: Compressed CSV files read as they are, by suffix (pandas infers the same from the suffix;
#: a zip archive must hold one CSV).
COMPRESSED: Mapping[str, Callable[..., io.BufferedIOBase]] = MappingProxyType(
    {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".zip": _zip_open}
)


def open_bytes(path: Path) -> io.BufferedIOBase:
    """Open a CSV file's bytes, decompressed when its suffix says so (``.csv.gz``...)."""
    opener = COMPRESSED.get(Path(path).suffix.lower())
    return opener(path, "rb") if opener else Path(path).open("rb")


def open_text(path: Path, encoding: str, newline: str | None = None) -> io.TextIOWrapper:
    """Open a CSV file as text (undecodable bytes replaced), decompressed as :func:`open_bytes`."""
    raw = open_bytes(path)  # read as any binary file; typeshed also asks for a name it never uses
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline=newline)  # type: ignore[arg-type]


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


def _separator(path: Path, encoding: str) -> tuple[str, int]:
    """Return the field separator of a CSV file (, ; tab or |) and the lines before its header.

    Excel's ``sep=;`` first line names the separator (the lines up to it come before the
    header), unless the header does not hold it; else it is sniffed from the first lines.
    """
    try:
        with open_text(path, encoding) as file:
            numbered = list(enumerate(itertools.islice(file, 50)))
    except (OSError, EOFError):
        return ",", 0  # pandas reports the problem below
    filled = [(n, line) for n, line in numbered if line.strip()][:20]
    first = filled[0][1].strip() if filled else ""
    named = re.fullmatch(r'"?sep=(.)"?[,;\t|]*', first, re.IGNORECASE)
    skip = filled[0][0] + 1 if named else 0  # physical lines, as pandas and csv count them
    lines = [line for _, line in filled[1:]] if named else [line for _, line in filled]
    if named and (not lines or named.group(1) in lines[0]):
        return named.group(1), skip
    try:  # after a sep= line the header lacks: the separator the lines use
        return csv.Sniffer().sniff("".join(lines), delimiters=",;\t|").delimiter, skip
    except csv.Error:  # one column, or no separator used consistently
        return ",", skip


def read_csv(path: Path, columns: list[str] | None, nrows: int | None = None) -> pd.DataFrame:
    """Read the given columns as text (empty cells stay ""), or only the header when ``None``.

    With ``nrows``, only the first rows are read (a look at the values, not a load: rows that
    would be misread are not looked for).

    The separator is named by Excel's ``sep=`` first line or sniffed from the first lines (kept
    in ``frame.attrs["sep"]``), so files saved with ; (spreadsheets set to a decimal comma),
    tabs or | read as well as comma-separated ones; the encoding is UTF-8 or, failing that,
    Windows-1252 (``frame.attrs["encoding"]``; ``frame.attrs["spoiled"]`` counts the characters
    of a UTF-8 file that did not decode; see :func:`csv_encoding`).
    """
    encoding, spoiled = csv_encoding(Path(path))
    sep, skip = _separator(Path(path), encoding)
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            skiprows=skip,
            dtype=str,
            keep_default_na=False,
            encoding=encoding,
            encoding_errors="replace",
            usecols=columns,
            index_col=False,  # never take a first column as the index (rows one field longer)
            nrows=0 if columns is None else nrows,
        )
    except pd.errors.EmptyDataError:
        msg = f"{path}: the incident file is empty; export it again with its header and rows"
        raise IncidentDataError(msg) from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        if opened := re.search(r"EOF inside string starting at row (\d+)", str(exc)):
            row = int(opened.group(1)) - skip  # pandas counts the lines before the header
            msg = (
                f"{path}: data row {row}: a quoted cell opens there and is never "
                'closed: a stray quote mark; remove it (or double it: "") and export the file '
                "again"
            )
        else:
            msg = f"{path}: not a readable CSV file ({exc}); save it as CSV UTF-8"
        raise IncidentDataError(msg) from None
    except EOFError:
        msg = f"{path}: the compressed file ends too soon (a download cut short); download it again"
        raise IncidentDataError(msg) from None
    short = None
    if columns is not None and nrows is None:
        short = _refuse_misread(path, sep, columns, encoding, skip)
    frame.attrs["sep"] = sep
    frame.attrs["short"] = short
    frame.attrs["encoding"] = encoding
    frame.attrs["spoiled"] = spoiled
    return frame


def _refuse_misread(
    path: Path, sep: str, columns: list[str], encoding: str, skip: int = 0
) -> str | None:
    """Refuse what pandas would read wrong without a word, in one pass over the file.

    The first ``skip`` lines come before the header (Excel's ``sep=;`` line).

    * A header naming a column to read more than once (:func:`_refuse_repeated`).
    * Rows with more fields than the header: a separator in an unquoted cell ("Theft,
      other") shifts the cells after it, coordinates included (pandas, reading some columns,
      ignores the extra field). Extra empty fields are harmless when most rows have them (a
      separator that ends every line); on a few rows they are a shifted empty last cell.
    * A file cut short: it ends without a line break, in a record shorter than the one before
      (pandas reads the missing cells as empty ones). A file that ends with a line break is
      whole, whatever its last record holds (some writers leave off trailing empty fields).

    Returns a caution naming the rows that end before a column read, when the others have
    every field (a line cut short or broken in two): pandas reads their missing cells as
    empty, so they are kept or dropped on what is left of them. The last record of a file that
    ends with a line break is not named: some writers leave its trailing empty fields off.

    The records are read as CSV (a quoted cell may hold a line break); a compressed file cannot
    seek to its end, hence one pass.
    """
    header: list[str] | None = None
    longer: list[tuple[int, int, bool]] = []  # (record, fields, extra fields filled)
    shorter: list[tuple[int, int]] = []  # (record, fields)
    widths: Counter[int] = Counter()
    before: list[str] = []
    last: list[str] = []
    last_n = -1  # the last record's number
    end = ""

    def lines(file: io.TextIOWrapper) -> Iterator[str]:
        nonlocal end
        for line in file:
            end = line[-1:]
            yield line

    readable = True
    limit = csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # swallowing cells whole
    try:
        with open_text(path, encoding, newline="") as file:
            for n, row in enumerate(
                csv.reader(itertools.islice(lines(file), skip, None), delimiter=sep)
            ):
                if not any(row):
                    continue
                if header is None:
                    header = row
                else:
                    widths[len(row)] += 1
                    if len(row) > len(header):  # n: the record's number, the header's 0
                        longer.append((n, len(row), any(row[len(header) :])))
                    elif len(row) < len(header):
                        shorter.append((n, len(row)))
                    _refuse_swallowed(path, n, row, header, sep)
                before, last, last_n = last, row, n
    except csv.Error:
        readable = False  # a record the csv module refuses: pandas judges it
    finally:
        csv.field_size_limit(limit)  # as it was: the process may read other CSV files
    _refuse_repeated(path, header or [], columns)
    if not readable:
        return None
    usual = widths.most_common(1)[0][0] if widths else 0
    over = [n for n, width, filled in longer if filled or width > usual]
    if over:
        rows = ", ".join(map(str, over[:3])) + (", ..." if len(over) > 3 else "")
        msg = (
            f"{path}: {counted(len(over), 'row')} with more fields than the header (data row "
            f"{rows}): "
            "a separator inside an unquoted cell shifts the cells after it; quote such cells, "
            "or export the file again"
        )
        raise IncidentDataError(msg)
    if end not in ("\n", "\r") and before and len(last) < len(before):
        shown = sep.join(last).strip()[-40:]
        msg = (
            f"{path}: the last row has {counted(len(last), 'field')}, the row before it "
            f"{len(before)} "
            f"('{shown}'): the file looks cut short, or ends with a line that is not a record; "
            "download or export it again"
        )
        raise IncidentDataError(msg)
    if end in ("\n", "\r"):  # a whole file: its last record may leave off empty fields
        shorter = [(n, width) for n, width in shorter if n != last_n]
    return _short_rows(shorter, header or [], columns, usual)


def _short_rows(
    shorter: list[tuple[int, int]], header: list[str], columns: list[str], usual: int
) -> str | None:
    """Name the rows that end before a column read, when most rows have every field.

    A row may leave off trailing empty fields that are not read; a file whose rows mostly fall
    short of the header does so by design.
    """
    read = [header.index(c) for c in columns if c in header]
    if not read or usual != len(header):
        return None
    lacking = [n for n, width in shorter if width <= max(read)]
    if not lacking:
        return None
    rows = ", ".join(map(str, lacking[:3])) + (", ..." if len(lacking) > 3 else "")
    has = "has" if len(lacking) == 1 else "have"
    return (
        f"{counted(len(lacking), 'row')} {has} fewer fields than the header's {len(header)} "
        f"(data row {rows}; a line cut short or broken in two?): the missing cells are read "
        "as empty, so such a row is dropped only when that leaves it without coordinates or a "
        "date; check those rows, or export the file again"
    )


def _refuse_swallowed(path: Path, n: int, row: list[str], header: list[str], sep: str) -> None:
    """Refuse a quoted cell that holds lines looking like rows: a stray quote swallowed them.

    A quote mark opening a cell by mistake runs it on to the next quote mark, many lines
    later; the rows in between become one cell and would be lost without a word. A line in a
    cell that holds as many separators as a row and two numbers or more among its fields (a
    row's coordinates) counts as such a row; a line of a quoted address does not.
    """
    if "\n" not in "".join(row) and "\r" not in "".join(row):
        return
    least = max(2, len(header) - 1)
    for column, cell in zip(header, row, strict=False):
        lines = re.split(r"\r\n|\r|\n", cell)
        rows = [line for line in lines[1:] if line.count(sep) >= least and _numbers_in(line, sep)]
        if rows:
            shown = rows[0].strip()[:60]
            msg = (
                f"{path}: data row {n}, column '{column}': a quoted cell runs over "
                f"{counted(len(lines) - 1, 'line')}, {len(rows)} of them looking like rows of "
                f"their own (e.g. '{shown}'): a stray quote mark opens it; remove that quote "
                '(or double it: "") and export the file again'
            )
            raise IncidentDataError(msg)


def _numbers_in(line: str, sep: str) -> bool:
    """Whether two fields or more of a line (split at ``sep``) are plain numbers."""
    numbers = 0
    for field in line.split(sep):
        try:
            float(field.strip().strip('"'))
        except ValueError:
            continue
        numbers += 1
    return numbers >= 2


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
        f"{path}: the incident file has {what}; export it again with its incidents, or leave "
        "it out (remove it from incidents, or move it away from the folder a pattern reads)"
    )
