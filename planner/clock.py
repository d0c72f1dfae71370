"""Clock arithmetic of a shift: real time between local clock times, across clock changes."""

from __future__ import annotations

import datetime as dt
import math

from planner.errors import ScenarioError


def on_the_clock(when: dt.datetime, what: str = "") -> dt.datetime:
    """Return ``when`` if local clocks show it that day; else raise (naming ``what``).

    Raises
    ------
    ScenarioError
        If clocks skip the time that night (they go forward over it).
    """
    if not _shown(when):
        msg = (
            f"{what}{': ' if what else ''}{when:%H:%M} does not occur on {when.date()} in "
            f"{when.tzinfo}: the clocks "
            "go forward over it; give a time the clocks show that night"
        )
        raise ScenarioError(msg)
    return when


def _shown(when: dt.datetime) -> bool:
    """Whether local clocks show ``when`` (aware) that day: not when they go forward over it."""
    return when.astimezone(dt.UTC).astimezone(when.tzinfo).time() == when.time()


def shift_seconds(start: dt.datetime, end: dt.datetime) -> float:
    """Real elapsed seconds between two aware datetimes (correct across clock changes)."""
    return (end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds()


def later(start: dt.datetime, seconds: float) -> dt.datetime:
    """Return the clock time ``seconds`` of real time after ``start``, in its time zone."""
    return (start.astimezone(dt.UTC) + dt.timedelta(seconds=seconds)).astimezone(start.tzinfo)


def whole_second(seconds: float) -> int:
    """Round seconds to the nearest whole second, halves up: how every file writes a time."""
    return math.floor(seconds + 0.5)


def clock_at(start: dt.datetime, seconds: float) -> str:
    """Return the local clock time (HH:MM) ``seconds`` of real time after ``start``.

    Of the time rounded to the second, as the files write it: 01:59:59.8 reads 02:00.
    """
    return f"{later(start, whole_second(seconds)):%H:%M}"


def seconds_until(start: dt.datetime, clock: dt.time) -> float:
    """Real seconds from ``start`` to the next time local clocks show ``clock``.

    Counts a clock change in between. A time that comes twice when clocks go back is its first
    pass, or its second with ``clock.fold`` 1 (see :func:`chosen_pass`).

    Raises
    ------
    ScenarioError
        If clocks skip ``clock`` that night (they went forward).
    """
    moments = passes(start, clock)
    return shift_seconds(start, moments[min(clock.fold, len(moments) - 1)])


def passes(start: dt.datetime, clock: dt.time, what: str = "") -> list[dt.datetime]:
    """Return the moments clocks next show ``clock`` from ``start`` on: two as they go back over it.

    Those of one day, from ``start`` on: a shift that starts inside the hour the clocks show
    twice has only the second pass of a time in it still ahead.

    Raises
    ------
    ScenarioError
        If clocks skip ``clock`` that night (naming ``what``).
    """
    zone, begin = start.tzinfo, start.astimezone(dt.UTC)
    # the day the time falls on by the clock's face, refused if the clocks skip it then
    today = clock >= start.time()  # naive times: the pass (fold) does not count
    day = start.date() if today else start.date() + dt.timedelta(days=1)
    on_the_clock(dt.datetime.combine(day, clock.replace(fold=0), tzinfo=zone), what)
    ahead = []
    for when in (start.date(), start.date() + dt.timedelta(days=1)):
        first = dt.datetime.combine(when, clock.replace(fold=0), tzinfo=zone)
        second = first.replace(fold=1)
        twice = first.utcoffset() != second.utcoffset()
        for moment in (first, second) if twice else (first,):
            if _shown(moment) and moment.astimezone(dt.UTC) >= begin:  # not skipped, not past
                ahead.append(moment)
    ahead.sort(key=lambda moment: moment.astimezone(dt.UTC))
    return [moment for moment in ahead if moment.date() == ahead[0].date()]


def chosen_pass(start: dt.datetime, clock: dt.time, zone: str | None, what: str) -> dt.time:
    """Return ``clock`` on the pass the clock's name ``zone`` (``BST``, ``GMT``) picks.

    ``zone`` may be left out (``None``) unless the clocks show ``clock`` twice after ``start``
    (they go back over it); the time's ``fold`` then says which pass (0 first, 1 second).

    Raises
    ------
    ScenarioError
        If the time comes twice and ``zone`` is not given, if ``zone`` is not the clock's name at
        that time, or if clocks skip it (each naming ``what``).
    """
    moments = passes(start, clock, what)
    named = [f"{m:%H:%M %Z}" for m in moments]
    if zone is None and len(moments) > 1:
        msg = (
            f"{what}: the clocks show {clock:%H:%M} twice that night, as they go back "
            f"({named[0]}, then {named[1]} an hour later); say which, as '{named[0]}' or "
            f"'{named[1]}'"
        )
        raise ScenarioError(msg)
    if zone is None:
        return clock.replace(fold=0)
    for fold, moment in enumerate(moments):
        if (moment.tzname() or "").upper() == zone.upper():
            return clock.replace(fold=fold)
    msg = (
        f"{what}: the clocks of {start.tzinfo} are not on {zone} at {clock:%H:%M} that night; "
        f"give {' or '.join(repr(n) for n in named)}"
    )
    raise ScenarioError(msg)


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
