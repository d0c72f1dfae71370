"""Clock arithmetic of a shift: real time between local clock times, across clock changes."""

from __future__ import annotations

import datetime as dt

from planner.errors import ScenarioError


def on_the_clock(when: dt.datetime, what: str = "") -> dt.datetime:
    """Return ``when`` if local clocks show it that day; else raise (naming ``what``).

    Raises
    ------
    ScenarioError
        If clocks skip the time that night (they go forward over it).
    """
    if when.astimezone(dt.UTC).astimezone(when.tzinfo).time() != when.time():
        msg = (
            f"{what}{': ' if what else ''}{when:%H:%M} does not occur on {when.date()} in "
            f"{when.tzinfo}: the clocks "
            "go forward over it; give a time the clocks show that night"
        )
        raise ScenarioError(msg)
    return when


def shift_seconds(start: dt.datetime, end: dt.datetime) -> float:
    """Real elapsed seconds between two aware datetimes (correct across clock changes)."""
    return (end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds()


def later(start: dt.datetime, seconds: float) -> dt.datetime:
    """Return the clock time ``seconds`` of real time after ``start``, in its time zone."""
    return (start.astimezone(dt.UTC) + dt.timedelta(seconds=seconds)).astimezone(start.tzinfo)


def clock_at(start: dt.datetime, seconds: float) -> str:
    """Return the local clock time (HH:MM) ``seconds`` of real time after ``start``."""
    return f"{later(start, seconds):%H:%M}"


def seconds_until(start: dt.datetime, clock: dt.time) -> float:
    """Real seconds from ``start`` to the next time local clocks show ``clock``.

    Counts a clock change in between. A time that comes twice when clocks go back is its first
    pass.

    Raises
    ------
    ScenarioError
        If clocks skip ``clock`` that night (they went forward).
    """
    day = start.date() if clock >= start.time() else start.date() + dt.timedelta(days=1)
    when = on_the_clock(dt.datetime.combine(day, clock, tzinfo=start.tzinfo))
    return shift_seconds(start, when)


def clock_change(start: dt.datetime, end: dt.datetime) -> bool:
    """Whether the clocks change (summer time) between ``start`` and ``end``."""
    return start.utcoffset() != end.utcoffset()


def clock_label(iso: str, start: dt.datetime, end: dt.datetime) -> str:
    """Return ``HH:MM`` of an ISO time in the shift from ``start`` to ``end`` (aware).

    When the clocks change in the shift, one clock time may show twice: the zone's
    abbreviation follows then (``01:34 BST``).
    """
    if not clock_change(start, end):
        return iso[11:16]
    return f"{dt.datetime.fromisoformat(iso).astimezone(start.tzinfo):%H:%M %Z}"
