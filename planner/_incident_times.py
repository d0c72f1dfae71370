"""Dates and times of incident files: date formats, clock times, midnight placeholders."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from planner.errors import IncidentDataError, counted

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

#: Formats of a month without a day: ``2020-01``, and the ``Jan-20`` a spreadsheet makes of it.
MONTH_FORMATS = ("%Y-%m", "%b-%y")

#: How far into its month a record known to the month only is placed: from the 1st to the 15th.
MID_MONTH = pd.Timedelta(days=14)

#: How each strftime directive of a date format is said to an analyst (``%m/%d/%Y``: MM/DD/YYYY).
_SAID = {
    "%Y": "YYYY",
    "%y": "YY",
    "%m": "MM",
    "%d": "DD",
    "%H": "hh",
    "%I": "hh",
    "%M": "mm",
    "%S": "ss",
    "%f": "ffffff",
    "%p": "AM/PM",
    "%b": "Mon",
    "%B": "Month",
    "%z": "+hhmm",
}


def said_format(fmt: str) -> str:
    """Write a strftime date format as an analyst reads it.

    ``%m/%d/%Y %I:%M %p`` is ``MM/DD/YYYY hh:mm AM/PM`` (a 12-hour clock when it has AM/PM).
    """
    return re.sub(r"%[A-Za-z]", lambda m: _SAID.get(m.group(), m.group()), fmt)


#: Date formats tried for ``schema: generic``, most specific first.
GENERIC_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y-%m-%d %I:%M %p",
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
    # two-digit years, as a spreadsheet saves a CSV by default (1/13/20 21:00)
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
    "%d/%m/%y %H:%M",
    "%d/%m/%y",
    "%d.%m.%y",
    *MONTH_FORMATS,
)

_OFFSET = re.compile(
    r"(?<=:\d\d)(?:\.\d+)?(?:(?P<utc>Z| ?UTC)|(?P<sign>[+-])(?P<h>\d{2})(?::?(?P<m>\d{2}))?)?$"
)
"""A time's fraction and UTC offset at its end: stripped to read the clock, then applied."""
_ISO_T = re.compile(r"^(\d{4}-\d{2}-\d{2})T")
_MONTH_NAME = re.compile(
    r"(?i)\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
)


def _shapes(text: pd.Series, bad: np.ndarray) -> str:
    """Describe the shapes of failing values (digits as 9), most common first, with an example."""
    failing = text[bad]
    shapes = failing.str.replace(r"\d", "9", regex=True).str.replace(_MONTH_NAME, "Mon", regex=True)
    shapes = shapes.replace("", "(empty)")
    parts = []
    for shape, count in shapes.value_counts().head(3).items():
        first = int(np.flatnonzero(bad)[np.flatnonzero(shapes.to_numpy() == shape)[0]])
        rows = f"{count} row{'s' if count != 1 else ''}"
        parts.append(f"'{shape}' ({rows}, e.g. data row {first + 1}: '{text.iloc[first]}')")
    return "; ".join(parts)


_GENERIC_DATE_FIX = (
    "check that time_col names the date column, and write its dates in one format such as "
    "2024-01-31 22:15 (year, month, day, 24-hour time)"
)


_EXCEL_FIX = (
    "these look like Excel day numbers (days since 1899-12-30): format the column as a date in "
    "the spreadsheet before saving it as CSV"
)


MIXED_DATES_FIX = (
    "write those rows' dates as the other rows write them (a spreadsheet's Format Cells, or "
    "find and replace), then load the file again"
)
"""The fix for a file mixing date formats: no other mapping reads it either."""


def _check_bad_dates(
    text: pd.Series,
    bad: np.ndarray,
    path: Path,
    column: str,
    expected: str,
    fix: str,
    written: pd.Series | None = None,
) -> None:
    """Stop when most dates, or more than a few in another format, fail: name the formats.

    The examples show ``written`` (the cells as the file has them), by default ``text``.
    """
    if not len(bad):
        return
    if bad.mean() > MAX_BAD_DATE_SHARE:
        what = f"{int(bad.sum())} of {len(bad)} rows do not match the date format {expected}"
        shown = bad
    else:
        shown = _other_format(text, bad)
        other = int(shown.sum())
        if other <= max(OTHER_FORMAT_SHARE * len(bad), OTHER_FORMAT_MIN_ROWS):
            return
        what = (
            f"{other} of {len(bad)} rows have a date in another format than the other rows, "
            f"which use {expected}: the file mixes date formats, and dropping those rows would "
            "lose part of it"
        )
        fix = MIXED_DATES_FIX
    if _excel_serials(text[shown]):
        fix = _EXCEL_FIX
    seen = _shapes(text if written is None else written, shown)
    msg = f"{path}: column '{column}': {what}; formats seen (9 for a digit): {seen}; {fix}"
    raise IncidentDataError(msg)


def _other_format(text: pd.Series, bad: np.ndarray) -> np.ndarray:
    """Flag the bad dates written in another format than the good ones.

    Another format: a date-like value (4 digits or more, or a month's name and a number)
    shaped unlike every good one; empty, stray ("unknown") or impossible ("2024-02-30") values
    are not.
    """
    if not bad.any():  # a clean column (most): no pass over its text
        return np.zeros(len(bad), dtype=bool)
    shapes = text.str.replace(r"\d", "9", regex=True)
    named = text.str.contains(_MONTH_NAME) & text.str.contains(r"\d")  # Jan-20
    dated = ((text.str.count(r"\d") >= 4) | named).to_numpy()
    return bad & dated & ~shapes.isin(set(shapes[~bad])).to_numpy()


def bad_dates_note(
    text: pd.Series,
    bad: np.ndarray,
    column: str,
    fmt: str,
    written: pd.Series | None = None,
) -> str | None:
    """Say which dates were dropped as bad, with examples, so they can be found and mended.

    Those written in another format than the rest come first (a few: more stop the load), then
    those ``fmt`` does not read (empty, "unknown", 2024-02-30), with a caution when some read
    day and month the other way round: the other day-first dates, of a day up to the 12th, were
    read month first. ``text`` is what the dates were read from; ``written`` the cells as the
    file has them (shown in the examples), by default ``text``.
    """
    expected = said_format(fmt)
    text = text.str.strip()
    shown = text if written is None else written
    other = _other_format(text, bad)
    rest = bad & ~other
    kinds = (
        (
            other,
            f"a date in another format than the rest ({expected})",
            "write them as the other rows do to keep them; formats seen: ",
        ),
        (rest, f"no date that can be read ({expected})", ""),
    )
    parts = []
    for rows, what, advice in kinds:
        if not rows.any():
            continue
        n = int(rows.sum())
        has, are, dates = ("has", "is", "a bad date") if n == 1 else ("have", "are", "bad dates")
        parts.append(
            f"{counted(n, 'row')} of column '{column}' {has} {what} and {are} dropped as "
            f"{dates}: {advice}{_shapes(shown, rows)}"
        )
    swapped = fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    if (
        rest.any()
        and "%d" in fmt
        and "%m" in fmt  # a month alone (2020-13) has no day to exchange it with
        and pd.to_datetime(text[rest], format=swapped, errors="coerce").notna().any()
    ):
        parts.append(
            f"{'it reads' if rest.sum() == 1 else 'some of them read'} with day and month the "
            "other way round: if the file mixes the two orders, its other such dates (a day up "
            "to the 12th) were read wrong; write every date in one order"
        )
    return "; ".join(parts) or None


def _excel_serials(text: pd.Series) -> bool:
    """Whether most values are numbers in the range of Excel dates of 1955-2119."""
    days = pd.to_numeric(text, errors="coerce")
    return bool(len(days)) and bool(days.between(20000, 80000).mean() > 0.9)


def _parse_times(
    text: pd.Series,
    fmt: str,
    path: Path,
    column: str,
    expected: str,
    fix: str,
    written: pd.Series | None = None,
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Parse dates; values with a date but no time of day are kept at 12:00, time unknown.

    ``written`` (the cells as the file has them) is what a refusal's examples show.

    Returns
    -------
    tuple
        Occurred (datetime64), time known (bool array), bad (bool array).
    """
    text = text.str.strip()
    occurred = pd.to_datetime(text, format=fmt, errors="coerce")
    has_clock = "%H" in fmt or "%I" in fmt
    date_fmt = fmt.split(" ")[0]
    if has_clock and occurred.isna().all():  # a spreadsheet saved the column again, 24-hour
        occurred = _saved_again(text, occurred, date_fmt, (path, column, expected))
    time_known = occurred.notna().to_numpy() & has_clock
    if has_clock:
        missing = occurred.isna().to_numpy()
        if missing.any():
            first = text[missing].str.split(" ", n=1).str[0]
            occurred[missing] = pd.to_datetime(first, format=date_fmt, errors="coerce")
    bad = occurred.isna().to_numpy()
    _check_bad_dates(text, bad, path, column, expected, fix, written)
    noon = ~time_known & ~bad
    occurred = occurred.where(~noon, occurred + pd.Timedelta(hours=12))
    return occurred, time_known, bad


SPREADSHEET_DATE = "%m/%d/%Y"
"""How a spreadsheet writes a date it saves again: month first (day first when set so)."""


def _saved_again(
    text: pd.Series, occurred: pd.Series, date_fmt: str, where: tuple[Path, str, str]
) -> pd.Series:
    """Read dates a spreadsheet saved again, 24-hour, in the schema's or its own date order.

    A portal writing the year first (``2018/12/01 12:25:00 AM``) gets back the spreadsheet's
    own order (``12/1/2018 0:25``); month or day first is then decided as for a portal
    writing the month first.
    """
    occurred = _fill_24_hour(text, occurred, date_fmt)
    if occurred.isna().all() and not date_fmt.startswith("%m/%d"):
        date_fmt = SPREADSHEET_DATE
        occurred = _fill_24_hour(text, occurred, date_fmt)
    return _day_or_month_first(text, occurred, date_fmt, where)


def _fill_24_hour(text: pd.Series, occurred: pd.Series, date_fmt: str) -> pd.Series:
    """Fill the dates not read yet from ``date_fmt`` with a 24-hour clock, as spreadsheets save."""
    for clock in (" %H:%M:%S", " %H:%M"):
        missing = occurred.isna().to_numpy()
        if missing.any():
            occurred[missing] = pd.to_datetime(
                text[missing], format=date_fmt + clock, errors="coerce"
            )
    return occurred


def _day_or_month_first(
    text: pd.Series, occurred: pd.Series, date_fmt: str, where: tuple[Path, str, str]
) -> pd.Series:
    """Read dates a spreadsheet saved again (24-hour) day first when only that reads them.

    A spreadsheet set to day-first dates writes ``25/05/2024 13:00`` for 25 May, where the
    schema writes month first. Day first is taken when it reads every row month first reads
    and more; dates that read both ways, different, on the same rows (no day past the 12th)
    are refused rather than read with day and month swapped.
    """
    if not date_fmt.startswith("%m/%d"):  # year first (2024/05/01) reads one way only
        return occurred
    other = "%d/%m" + date_fmt[len("%m/%d") :]
    swapped = _fill_24_hour(text, pd.Series(pd.NaT, index=text.index, dtype=occurred.dtype), other)
    month_first, day_first = occurred.notna().to_numpy(), swapped.notna().to_numpy()
    if (day_first >= month_first).all() and day_first.sum() > month_first.sum():
        return swapped
    if (day_first == month_first).all() and (swapped[day_first] != occurred[day_first]).any():
        path, column, expected = where
        shown = text[day_first & (swapped != occurred).to_numpy()].iloc[0]
        msg = (
            f"{path}: column '{column}': the dates were saved again by a spreadsheet, in "
            f"24-hour time (e.g. '{shown}'), not as {expected}, and no day is past the 12th: "
            "they read both month first and day first; export the file again from the portal, "
            "or read it with a generic mapping and say how (date_order: day_first or "
            "month_first)"
        )
        raise IncidentDataError(msg)
    return occurred


def _strip_offsets(text: pd.Series) -> pd.Series:
    """ISO text to 'YYYY-MM-DD HH:MM:SS' as written: no 'T', no fraction, no UTC offset."""
    text = text.str.strip().str.replace(_ISO_T, r"\1 ", regex=True)
    return text.str.replace(_OFFSET, "", regex=True)


_CLOCK = r"^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*([AaPp])?\.?\s*(?:[Mm]\.?)?$"


def clock_minutes(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Read clock times as minutes after midnight (NaN where there is none).

    Times may be written ``HHMM`` (``2015``, ``15``), ``HH:MM``, ``HH:MM:SS``, with AM / PM
    (``8:15 PM``) or as a spreadsheet keeps them, a fraction of the day (``0.84375``: 20:15).
    Returns the minutes and the rows holding text that is not such a time (an empty cell is
    not).
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
    day_share = pd.to_numeric(text.where(text.str.fullmatch(r"0?\.\d+")), errors="coerce")
    minutes = minutes.fillna((day_share * 1440).round() % 1440)
    return minutes, (~empty & minutes.isna()).to_numpy()


def _unread_times(text: pd.Series, unreadable: np.ndarray, column: str, fix: str) -> str | None:
    """Say how many rows hold a time of day that cannot be read, with examples and ``fix``.

    The first example names its data row (1: the first row under the header), so that it
    can be found in the file.
    """
    if not unreadable.any():
        return None
    values = text[unreadable].str.strip().unique()[:3]  # the first is the first row's
    row = int(np.flatnonzero(unreadable)[0]) + 1
    shown = ", ".join([f"'{values[0]}' in data row {row}", *(f"'{v}'" for v in values[1:])])
    return (
        f"{counted(int(unreadable.sum()), 'row')} of column '{column}' cannot be read as a time "
        f"of day (e.g. {shown}): those incidents are spread over the day; {fix}"
    )


def _generic_times(
    values: pd.Series,
    path: Path,
    column: str,
    order: str = "auto",
    dropped: np.ndarray | None = None,
) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray, list[str], str | None, TimeOffsets]:
    """Parse a date column of a generic file, picking the format from the values.

    ``order`` (``auto``, ``day_first`` or ``month_first``) settles dates such as 03/04/2020;
    with ``auto``, a column whose dates read both ways is refused. Times are read as
    written, a UTC offset aside (:func:`offset_minutes`, :func:`local_clock`). Returns the
    times, whether each has a time of day, whether it has a month only, the bad dates,
    notes, a caution naming the times of day that could not be read (or ``None``), and the
    offsets the times carry. The caution about bad dates leaves out the rows ``dropped`` for
    another reason first.
    """
    notes: list[str] = []
    written = values.astype(object).where(values.notna(), "").astype(str)
    written = written.replace({"None": "", "nan": "", "NaT": ""}).str.strip()
    full = _strip_offsets(written)
    text, sample, scores = _format_scores(full)
    fmt = max(scores, key=lambda f: scores[f])
    swapped = fmt.replace("%m/%d", "%d/%m") if fmt.startswith("%m/%d") else None
    both = swapped is not None and scores.get(swapped, 0) == scores[fmt] > 0
    if both and swapped and order == "auto":
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
    if both and swapped:
        example = _fitting(sample, (fmt, swapped))
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
    if len(sample) and scores[fmt] == 0:
        msg = (
            f"{path}: column '{column}': no date format this tool knows reads its values "
            f"(formats seen: {_shapes(full, (full != '').to_numpy())}); "
            f"{_EXCEL_FIX if _excel_serials(sample) else _GENERIC_DATE_FIX}"
        )
        raise IncidentDataError(msg)
    expected = f"{said_format(fmt)} (the best fit for the first values)"
    occurred, time_known, bad = _parse_times(
        text, fmt, path, column, expected, _GENERIC_DATE_FIX, written
    )
    month_only = np.full(len(text), fmt in MONTH_FORMATS) & ~bad
    if fmt in MONTH_FORMATS:
        occurred = occurred + MID_MONTH
    occurred, time_known, unread = _other_clocks(full, occurred, time_known, bad, column)
    other = bad_dates_note(text, bad if dropped is None else bad & ~dropped, column, fmt, written)
    unread = "; ".join(filter(None, (unread, other))) or None
    offsets = TimeOffsets(column, offset_minutes(written).to_numpy(), written.to_numpy())
    return occurred, time_known, month_only, bad, notes, unread, offsets


class TimeOffsets(NamedTuple):
    """The UTC offsets a date column carries: minutes east (NaN for none) and the text."""

    column: str
    east: np.ndarray
    written: np.ndarray


def offset_minutes(written: pd.Series) -> pd.Series:
    """Minutes east of UTC that each time carries (``Z``, ``UTC``, ``+02:00``...), else NaN.

    Only offsets that exist (-12:00 to +14:00, whole minutes under 60) count: a range such
    as ``22:30-23:15`` is not an offset.
    """
    parts = written.astype(str).str.extract(_OFFSET)
    utc = parts["utc"].notna()
    sign = np.where(parts["sign"] == "-", -1.0, 1.0)
    hours = pd.to_numeric(parts["h"], errors="coerce")
    minutes = pd.to_numeric(parts["m"], errors="coerce").fillna(0)
    east = pd.Series(sign * (hours * 60 + minutes), index=written.index)
    real = (minutes < 60) & east.between(-12 * 60, 14 * 60)
    return east.where(real, np.where(utc, 0.0, np.nan))


def local_clock(
    occurred: pd.Series, time_known: np.ndarray, offsets: TimeOffsets, zone: str | None
) -> tuple[pd.Series, str | None]:
    """Read the times that carry a UTC offset as the clock in ``zone``.

    Only times of day known are moved: a date whose time is a placeholder (see
    :func:`midnight_placeholders`) stays on the day written.

    An export may give UTC (``Z``) or another offset than the area's; the time-of-day model
    needs the clock of the shift's time zone (the area's unless the scenario names another).
    Without ``zone`` (an incident file read on its own) the times stay as written. Returns
    the times and a note, or None when no time carries an offset.
    """
    east = pd.Series(offsets.east, index=occurred.index)
    has = (east.notna() & occurred.notna()).to_numpy() & time_known
    if not has.any():
        return occurred, None
    n = int(has.sum())
    said = (
        f"{counted(n, 'time')} in '{offsets.column}' {'carries' if n == 1 else 'carry'} a UTC "
        "offset"
    )
    if zone is None:
        example = offsets.written[int(np.flatnonzero(has)[0])]
        return occurred, (
            f"{said} (such as '{example}'): shown here as written; a plan reads them on the "
            "area's clock"
        )
    instant = occurred[has] - pd.to_timedelta(east[has], unit="min")
    local = instant.dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)
    moved = int((local.to_numpy() != occurred[has].to_numpy()).sum())
    occurred = occurred.copy()
    occurred[has] = local.to_numpy()
    changed = f"{moved} of them moved to it" if moved else "all of them already on it"
    return occurred, f"{said}: read on the area's clock ({zone}), {changed}"


def _utc_offset(moment: dt.datetime) -> float:
    """Seconds ``moment`` (aware) is ahead of UTC."""
    offset = moment.utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


def utc_caution(offsets: TimeOffsets, time_known: np.ndarray, zone: str | None) -> str | None:
    """Caution when every time is labelled ``+00`` (UTC) and the area's clock is hours off.

    Some portals label local times ``+00`` (Boston's does): read as UTC, they move by the
    area's offset (two hours or more here) and the time-of-day model weighs the wrong hours.
    Real UTC exports exist, so this is said, not changed.
    """
    timed = time_known & ~np.isnan(offsets.east)
    if zone is None or not timed.any() or (offsets.east[timed] != 0).any():
        return None
    if any(str(w).strip().upper().endswith("Z") for w in offsets.written[timed]):
        return None  # "Z" is written by machines that mean it
    first = offsets.written[int(np.flatnonzero(timed)[0])]
    hours = min(  # winter and summer
        abs(_utc_offset(dt.datetime(2020, month, 1, tzinfo=ZoneInfo(zone)))) / 3600
        for month in (1, 7)
    )
    if hours < 2:
        return None
    return (
        f"every time in '{offsets.column}' is written in UTC (such as '{first}') and is read "
        f"{hours:g} hours or more apart on the area's clock ({zone}): if "
        "the export writes its local times with a UTC label (Boston's portal does), remove the "
        "labels from the column to read them as written"
    )


def _format_scores(full: pd.Series) -> tuple[pd.Series, pd.Series, dict[str, float]]:
    """Return the text to read dates from, its sample, and the share each format reads.

    Whole values, with every format; but when no format reads any whole value (a clock such as
    ``9:15PM`` or ``21:15 UTC`` after each date), their first words with the date formats, so
    the dates are kept and :func:`_other_clocks` reads what clocks it can.
    """
    for text, formats in (
        (full, GENERIC_TIME_FORMATS),
        (full.str.partition(" ")[0], tuple(f for f in GENERIC_TIME_FORMATS if " " not in f)),
    ):
        sample = text[text != ""].head(2000)
        if not len(sample):
            return text, sample, {formats[0]: 0.0}
        scores = {
            f: pd.to_datetime(sample, format=f, errors="coerce").notna().mean() for f in formats
        }
        if max(scores.values()) > 0:
            break
    return text, sample, scores


def _other_clocks(
    text: pd.Series, occurred: pd.Series, time_known: np.ndarray, bad: np.ndarray, column: str
) -> tuple[pd.Series, np.ndarray, str | None]:
    """Read the time of day of dates whose clock is written unlike the column's format.

    A column may mix 24-hour and AM / PM times, or hold times its best-fitting date format
    does not read. Such rows were kept as dates at noon; a clock after the date (``HH:MM``,
    ``HH:MM:SS``, with or without AM / PM) is read, and what still cannot be read is said.
    """
    clock = text.str.partition(" ")[2].str.strip()
    odd = ~time_known & ~bad & (clock != "").to_numpy()
    if not odd.any():
        return occurred, time_known, None
    minutes, _ = clock_minutes(clock.where(odd & clock.str.contains(":").to_numpy(), ""))
    read = minutes.notna().to_numpy() & odd
    occurred = occurred.where(
        ~read, occurred.dt.normalize() + pd.to_timedelta(minutes.fillna(0), unit="min")
    )
    fix = "write them as HH:MM (24-hour) or HH:MM AM/PM after the date"
    return occurred, time_known | read, _unread_times(text, odd & ~read, column, fix)


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


MIN_FIRSTS = 20
"""Fewest dated rows that the check for months written as their first days judges."""


def months_as_firsts(
    occurred: pd.Series, time_known: np.ndarray, month_only: np.ndarray, kept: np.ndarray
) -> tuple[pd.Series, np.ndarray, str | None]:
    """Read dates that all fall on the 1st of their month, without a time, as months only.

    A spreadsheet saves a month (``2020-06``) as its first day (``01/06/2020``). When every
    ``kept`` row (at least :data:`MIN_FIRSTS`, over two months or more) is such a date, the
    rows become months, placed mid-month as month columns are, so that no weekday is made up.
    Returns the times, the month-only flags and a note, or the inputs and ``None``.
    """
    dated = kept & occurred.notna().to_numpy()
    days = occurred[dated]
    if (
        dated.sum() < MIN_FIRSTS
        or (time_known & dated).any()
        or (month_only & dated).any()
        or not (days.dt.day == 1).all()
        or days.dt.to_period("M").nunique() < 2
    ):
        return occurred, month_only, None
    note = (
        f"every date is the 1st of its month, without a time (such as {days.iloc[0]:%Y-%m-%d}): "
        "read as months only, as a spreadsheet saves them"
    )
    return occurred + MID_MONTH, month_only | occurred.notna().to_numpy(), note


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
