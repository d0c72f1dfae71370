"""Scenario sections of the patrol itself: the shift, the officers, hot-spot dwells, posts."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import Field, field_validator, model_validator

from planner._scenario_base import _Model
from planner.clock import on_the_clock, seconds_until
from planner.errors import ScenarioError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _real(moment: dt.datetime) -> dt.datetime:
    """Return the moment in UTC: aware times of one zone compare by clock, not by instant."""
    return moment.astimezone(dt.UTC)


#: Longest shift planned, by the clock: a longer one is refused as a mistyped hour.
MAX_SHIFT_H = 16.0


class ShiftSpec(_Model):
    """The shift: a date or a weekday (its first occurrence not ended), start and end clock times.

    An end earlier than the start means the shift runs past midnight (22:00-06:00).
    ``timezone`` is an IANA name; when omitted, the area's own time zone is used.
    """

    date: dt.date | None = None
    weekday: Literal[WEEKDAYS] | None = None  # type: ignore[valid-type]
    start: dt.time
    end: dt.time
    timezone: str | None = None

    @field_validator("weekday", mode="before")
    @classmethod
    def _lower_weekday(cls, value: object) -> object:
        """Read ``Friday``, ``FRI`` and ``fri.`` as ``friday``."""
        if not isinstance(value, str):
            return value
        text = value.strip().rstrip(".").lower()
        days = [day for day in WEEKDAYS if len(text) >= 3 and day.startswith(text)]
        return days[0] if len(days) == 1 else text

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                msg = f"unknown time zone; {_zone_hint(value)}"
                raise ValueError(msg) from exc
        return value

    @model_validator(mode="after")
    def _one_day(self) -> ShiftSpec:
        if (self.date is None) == (self.weekday is None):
            msg = "give exactly one of shift.date (YYYY-MM-DD) or shift.weekday (e.g. friday)"
            raise ValueError(msg)
        if self.start == self.end:
            msg = (
                "shift.start and shift.end are equal: a shift of no time, or of 24 hours; plan "
                "a shift of under 24 hours, e.g. 18:00 to 02:00"
            )
            raise ValueError(msg)
        if (hours := self.clock_hours()) > MAX_SHIFT_H:
            msg = (
                f"shift.start {self.start:%H:%M} and shift.end {self.end:%H:%M} make a shift of "
                f"{hours:.1f} h (an end before the start is on the next day); a foot-patrol "
                f"shift is planned for at most {MAX_SHIFT_H:.0f} h: check the two times, e.g. "
                "18:00 to 02:00"
            )
            if 24 - hours >= 2:  # the other way round is a shift: the two may be swapped
                msg += (
                    f", or, if the shift runs {self.end:%H:%M}-{self.start:%H:%M}, swap "
                    "shift.start and shift.end"
                )
            raise ValueError(msg)
        return self

    def clock_hours(self) -> float:
        """Hours from start to end by the clock (past midnight when the end is earlier)."""
        day = dt.date(2000, 1, 1)
        length = dt.datetime.combine(day, self.end) - dt.datetime.combine(day, self.start)
        return (length.total_seconds() % 86400) / 3600

    def window(
        self, timezone: str, today: dt.date, now: dt.datetime | None = None
    ) -> tuple[dt.datetime, dt.datetime]:
        """Return the shift's aware start and end datetimes.

        Parameters
        ----------
        timezone : str
            IANA zone used when the scenario names none.
        today : datetime.date
            Reference day for ``weekday`` (its next occurrence, today included).
        now : datetime.datetime, optional
            The time it is (aware): a ``weekday`` shift is then its first occurrence that has not
            ended, one under way included; ``today`` must be now's date in the shift's zone.

        Returns
        -------
        tuple of datetime.datetime
            Start and end, aware, in the shift's time zone; the end is after the start. Use
            :func:`shift_seconds` for the length: across a clock change it differs from the
            clock difference.
        """
        zone = ZoneInfo(self.timezone or timezone)
        if self.date is not None:
            return self._on(self.date, zone)
        offset = (WEEKDAYS.index(str(self.weekday)) - today.weekday()) % 7
        day = today + dt.timedelta(days=offset)
        if now is None:
            return self._on(day, zone)
        week = dt.timedelta(days=7)
        if offset == 6 and self.end < self.start:  # last week's began yesterday: under way?
            try:
                start, end = self._on(day - week, zone)
            except ScenarioError:  # the clocks skipped its start or end: not that one
                pass
            else:
                if _real(end) > _real(now):
                    return start, end
        start, end = self._on(day, zone)
        return (start, end) if _real(end) > _real(now) else self._on(day + week, zone)

    def _on(self, day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """Return the aware start and end of the shift that starts on ``day`` in ``zone``."""
        start = on_the_clock(dt.datetime.combine(day, self.start, tzinfo=zone), "shift.start")
        end_day = day if self.end > self.start else day + dt.timedelta(days=1)
        end = on_the_clock(dt.datetime.combine(end_day, self.end, tzinfo=zone), "shift.end")
        return start, end


class StationSpec(_Model):
    """A station where routes start or end.

    Either an OSM police station (``police``: a name fragment, or ``any``), a point (``lat`` and
    ``lon`` in degrees, snapped to the nearest street node) or an OSM ``node_id``. ``name`` is
    what officers call it (``APD Zone 5``): the plan names the station so, before its streets.
    """

    police: str | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    node_id: int | None = None
    name: str | None = None

    @field_validator("name")
    @classmethod
    def _a_name(cls, name: str | None) -> str | None:
        """Refuse a blank name: it would name the station with nothing."""
        if name is not None and not name.strip():
            msg = "is empty; give the name officers call the station by, or leave name out"
            raise ValueError(msg)
        return None if name is None else name.strip()

    @model_validator(mode="after")
    def _one_way_to_name_it(self) -> StationSpec:
        given = [self.police is not None, self.lat is not None or self.lon is not None]
        given.append(self.node_id is not None)
        if sum(given) != 1:
            msg = "give exactly one of: police (name or 'any'), lat + lon, or node_id"
            if not any(given) and self.name is not None:
                msg = f"name only says what to call the station; to say where it is, {msg}"
            raise ValueError(msg)
        if (self.lat is None) != (self.lon is None):
            msg = "a station point needs both lat and lon"
            raise ValueError(msg)
        return self


#: Default Koper curve: (dwell minutes, presence minutes credited). Little is gained below ten
#: minutes, and nothing beyond fifteen (Koper 1995: residual deterrence peaks at 10-15 minutes).
KOPER_CURVE: tuple[tuple[float, float], ...] = ((0.0, 0.0), (5.0, 2.5), (10.0, 10.0), (15.0, 15.0))


class BreakSpec(_Model):
    """A meal break: its length, the clock window in which it starts, and where it is taken."""

    minutes: Annotated[float, Field(ge=5, le=180)] = 30.0
    earliest: dt.time = Field(description="local clock time, within the shift")
    latest: dt.time = Field(description="local clock time, within the shift")
    at_station: bool = Field(True, description="walk back to the end station for it")
    most_at_once: Annotated[int, Field(ge=1)] | None = Field(
        None,
        description="most units on their meal break at once (default: all but one, so that "
        "one stays on the street)",
    )

    def offsets_s(self, shift_start: dt.datetime, shift_length_s: float) -> tuple[float, float]:
        """Real seconds from the (aware) shift start at which the break may start, both ends.

        A window that opens before the shift starts, or that would let the break run past the
        shift's end, is cut to its part inside the shift (so one window serves shifts of other
        hours; :func:`planner.stations.break_window` says when it cuts).

        Raises
        ------
        ValueError
            If no part of the window lets the break start and end within the shift.
        """
        begin = seconds_until(shift_start, self.earliest)
        end = seconds_until(shift_start, self.latest)
        if end < begin < shift_length_s:  # both inside the shift, in the wrong order
            msg = (
                f"meal_break window {self.earliest:%H:%M}-{self.latest:%H:%M}: earliest comes "
                f"after latest in a shift that starts at {shift_start:%H:%M}; swap the two times"
            )
            raise ValueError(msg)
        if begin > end:  # the window opened before the shift started
            begin = 0.0
        end = min(end, shift_length_s - self.minutes * 60)
        if begin > end:
            shift_end = shift_start + dt.timedelta(seconds=shift_length_s)
            msg = (
                f"meal_break window {self.earliest:%H:%M}-{self.latest:%H:%M} plus "
                f"{self.minutes:.0f} min does not fit in the shift ({shift_start:%H:%M}-"
                f"{shift_end:%H:%M}); move the window inside the shift or shorten the break"
                + ("" if shift_length_s > 6 * 3600 else ", or leave officers.meal_break out")
            )
            if shift_length_s > 12 * 3600 and self._fits(shift_end, 24 * 3600 - shift_length_s):
                msg += (
                    f", or, if the shift runs {shift_end:%H:%M}-{shift_start:%H:%M}, swap "
                    "shift.start and shift.end"
                )
            raise ValueError(msg)
        return begin, end

    def _fits(self, shift_start: dt.datetime, shift_length_s: float) -> bool:
        """Whether the break can start in its window and end within the given shift."""
        try:
            self.offsets_s(shift_start, shift_length_s)
        except ValueError:
            return False
        return True


AVOIDABLE = ("unlit_after_dark", "private", "steps")


class UnitSpec(_Model):
    """One unit's own station or hours, when they differ from the shared ones (staggered starts)."""

    station: StationSpec | None = None
    end_station: StationSpec | None = None
    start: dt.time | None = Field(None, description="local clock time, within the shift")
    end: dt.time | None = Field(None, description="local clock time, within the shift")

    def offsets_s(self, shift_start: dt.datetime, shift_length_s: float) -> tuple[float, float]:
        """Real seconds from the (aware) shift start at which this unit starts and must be back.

        Raises
        ------
        ValueError
            If the unit's hours are not inside the shift or end before they start.
        """
        begin = 0.0 if self.start is None else seconds_until(shift_start, self.start)
        end = shift_length_s if self.end is None else seconds_until(shift_start, self.end)
        if self.end is not None and end == 0.0:
            end = 86400.0
        start = f"{self.start or shift_start:%H:%M}"
        hours = (
            f"{start}-{self.end:%H:%M}"
            if self.end is not None
            else f"from {start} to the shift's end"
        )
        shift = f"{shift_start:%H:%M} for {shift_length_s / 3600:.1f} h"
        if begin >= shift_length_s or end > shift_length_s:
            msg = f"unit hours {hours} are not inside the shift ({shift}); give hours within it"
            raise ValueError(msg)
        if end == begin:
            msg = f"unit hours {hours} start and end at the same time; give the unit some hours"
            raise ValueError(msg)
        if end < begin:
            msg = f"unit hours {hours} end before they start (the shift: {shift}); swap them"
            raise ValueError(msg)
        return begin, end


MAX_OFFICERS = 200
"""Most officers one plan takes."""


class OfficersSpec(_Model):
    """Officers on foot patrol: how many, where they start and end, how they walk and rest."""

    count: Annotated[int, Field(ge=1, le=MAX_OFFICERS)] = 4
    station: StationSpec
    end_station: StationSpec | None = Field(None, description="defaults to station")
    pace_m_per_s: Annotated[float, Field(gt=0.2, le=2.5)] = 1.0
    unit_size: Literal[1, 2] = Field(1, description="officers walking together (2: pairs)")
    meal_break: BreakSpec | None = None
    held_back_share: Annotated[float, Field(ge=0, le=0.8)] = Field(
        0.0, description="share of every officer's time kept free for calls for service"
    )
    avoid: list[Literal[AVOIDABLE]] = Field(  # type: ignore[valid-type]
        [], description="ways not to walk: unlit_after_dark, private, steps"
    )
    per_unit: list[UnitSpec] = Field(
        [], description="units 1, 2, ... with their own station or hours (staggered starts)"
    )
    walk_spare_time: bool = Field(
        True,
        description="walk a loop of the best nearby streets instead of waiting as long as a "
        "stop or longer, and instead of standing at the station before the shift ends",
    )

    @field_validator("held_back_share", mode="before")
    @classmethod
    def _share_not_percent(cls, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value <= 100:
            msg = f"a share, not a percentage: {value:g} % is {value / 100:g} (allowed: 0 to 0.8)"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _whole_units(self) -> OfficersSpec:
        if self.count % self.unit_size:
            lower = self.count - self.count % self.unit_size
            counts = " or ".join(
                str(c) for c in sorted({lower or self.unit_size, lower + self.unit_size})
            )
            msg = (
                f"officers.count ({self.count}) is not a multiple of unit_size ({self.unit_size}): "
                f"give {counts} officers, or unit_size: 1"
            )
            raise ValueError(msg)
        if len(self.per_unit) > self.units:
            msg = f"officers.per_unit lists {len(self.per_unit)} units, there are {self.units}"
            raise ValueError(msg)
        return self

    @property
    def units(self) -> int:
        """Number of patrol units (routes)."""
        return self.count // self.unit_size


MIN_RADIUS_M = 25.0
"""Smallest watched radius: streets are judged in pieces of up to 50 m by their midpoints, so a
smaller radius would watch almost nothing."""


class DwellSpec(_Model):
    """Hot-spot stops: their length (Koper curve: 10-15 minutes) and what a hot spot is."""

    min_minutes: Annotated[float, Field(ge=1, le=120)] = 10.0
    max_minutes: Annotated[float, Field(ge=1, le=120)] = 15.0
    visibility_radius_m: Annotated[float, Field(ge=MIN_RADIUS_M, le=1000)] = 50.0
    hotspot_top_percent: Annotated[float, Field(gt=0, le=100)] = 25.0
    hotspot_min_separation_m: Annotated[float, Field(ge=0, le=2000)] = Field(
        100.0,
        description="no two hot spots closer than this (straight line); from twice "
        "visibility_radius_m, no two watch a street in common",
    )
    max_visits: Annotated[int, Field(ge=1, le=10)] = Field(
        3, description="most stops at one hot spot in a shift"
    )
    revisit_value: Annotated[float, Field(ge=0, le=1)] = Field(
        0.5,
        description="worth of each repeat stop relative to the one before; also of each pass "
        "along a street already walked",
    )
    min_revisit_gap_minutes: Annotated[float, Field(ge=0, le=1440)] = Field(
        60.0, description="least time between the starts of two stops at one hot spot"
    )
    max_minutes_per_spot: Annotated[float, Field(gt=0)] | None = Field(
        None, description="dosage cap: most dwell minutes at one hot spot in a shift"
    )
    koper_curve: list[tuple[float, float]] = Field(
        list(KOPER_CURVE),
        description="(stop minutes, presence minutes credited) points, flat past the last",
    )

    @field_validator("koper_curve")
    @classmethod
    def _rising_curve(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        minutes = [m for m, _ in value]
        credit = [c for _, c in value]
        if len(value) < 2 or minutes != sorted(set(minutes)) or min(credit) < 0:
            msg = (
                "needs two or more [minutes, credit] points with increasing "
                "minutes and credits >= 0, e.g. [[0, 0], [10, 10], [15, 15]]"
            )
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> DwellSpec:
        if self.min_minutes > self.max_minutes:
            msg = (
                f"dwell.min_minutes ({self.min_minutes}) exceeds max_minutes "
                f"({self.max_minutes}): lower min_minutes or raise max_minutes (a Koper stop "
                "lasts 10-15 minutes)"
            )
            raise ValueError(msg)
        if self.max_minutes_per_spot is not None and self.max_minutes_per_spot < self.min_minutes:
            msg = (
                f"dwell.max_minutes_per_spot ({self.max_minutes_per_spot}) is shorter than one "
                f"stop (min_minutes {self.min_minutes}); raise the cap or remove it"
            )
            raise ValueError(msg)
        return self


class PostsSpec(_Model):
    """Fixed posts: how many, and the walking radius an officer at a post watches over."""

    count: Annotated[int, Field(ge=0, le=500)] = 6
    visibility_radius_m: Annotated[float, Field(ge=MIN_RADIUS_M, le=2000)] = 150.0


_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
"""The regions of canonical IANA zones (not the ``Etc/GMT+N`` offsets, whose sign is reversed,
nor legacy names such as ``US/Eastern``)."""
_OFFSET = re.compile(r"^\s*(utc|gmt)?\s*[+-]\s*\d", re.IGNORECASE)


def _zone_hint(name: str) -> str:
    """Say what to write for an unknown time zone ``name``."""
    if _OFFSET.match(name):
        return (
            "give the area's IANA zone, such as 'Europe/London', not a fixed offset: the shift "
            "follows the local clock, daylight saving included"
        )
    if (zone := _zone_like(name)) is not None:
        return f"use an IANA name such as '{zone}'"
    return (
        "use the IANA name of a city on the area's clock, such as 'America/New_York' or "
        "'Europe/London', or leave shift.timezone out to take the area's own"
    )


_US_ZONES = {
    "eastern": "America/New_York",
    "central": "America/Chicago",
    "mountain": "America/Denver",
    "pacific": "America/Los_Angeles",
}
"""The US time zone words (``US/Eastern``...), as the canonical zones they link to."""


def _zone_like(name: str) -> str | None:
    """Return the IANA time zone a mistyped ``name`` most likely means ('London': Europe/London).

    A US zone word ('Eastern') or a city equal to a part of the name ('Helsinki/Finland')
    comes first, then the closest spelling of a city to the last part alone, so that a region
    does not make 'America/Atlanta' look like 'America/Mazatlan', two hours off; None when
    nothing is close.
    """
    zones = sorted(z for z in available_timezones() if z.split("/", 1)[0] in _REGIONS)
    key = name.strip().replace(" ", "_").lower()
    cities = {z.rsplit("/", 1)[-1].lower(): z for z in reversed(zones)}
    parts = [part for part in reversed(key.split("/")) if part]
    for part in parts:
        if part in _US_ZONES or part in cities:
            return _US_ZONES.get(part) or cities[part]
    near = difflib.get_close_matches(parts[0], list(cities), n=1, cutoff=0.7) if parts else []
    return cities[near[0]] if near else None
